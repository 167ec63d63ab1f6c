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
existing() { for d in "$@"; do [ -d "$d" ] && printf "%s " "$d"; done; }
# services that do not import Rasa run in .venv/svc; everything that needs Rasa or rasa-sdk in .venv/rasa
svc_tests=$(existing tests/gateway tests/kb_index)
rasa_tests=$(existing tests/bot tests/channels tests/bench tests/e2e)
echo "=== service tests (.venv/svc): $svc_tests ==="
.venv/svc/bin/python -m pytest -p no:cacheprovider --junitxml=var/test-results/svc.xml \
  $svc_tests "$@" || status=$?
echo "=== bot, channel and end-to-end tests (.venv/rasa): $rasa_tests ==="
.venv/rasa/bin/python -m pytest -p no:cacheprovider --junitxml=var/test-results/rasa.xml \
  $rasa_tests "$@" || { s=$?; [ $status -eq 0 ] && status=$s; }

.venv/svc/bin/python scripts/summarize_junit.py var/test-results/*.xml || status=1
exit $status
