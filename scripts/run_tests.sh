#!/usr/bin/env bash
# Runs the whole test suite: the service tests in .venv/svc, the bot, channel and
# end-to-end tests in .venv/rasa, then prints one combined summary line.
# Extra arguments are passed to both pytest runs (e.g. -x, -k name).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
scripts/ensure_services.sh || exit 1
mkdir -p var/test-results
rm -f var/test-results/*.xml

status=0
echo "=== service tests (.venv/svc: gateway, kb_index) ==="
.venv/svc/bin/python -m pytest -p no:cacheprovider --junitxml=var/test-results/svc.xml \
  tests/gateway "$@" || status=$?
echo "=== bot, channel and end-to-end tests (.venv/rasa) ==="
.venv/rasa/bin/python -m pytest -p no:cacheprovider --junitxml=var/test-results/rasa.xml \
  tests/bot tests/e2e "$@" || { s=$?; [ $status -eq 0 ] && status=$s; }

.venv/svc/bin/python scripts/summarize_junit.py var/test-results/*.xml || status=1
exit $status
