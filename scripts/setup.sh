#!/usr/bin/env bash
# Creates or refreshes the two virtual environments from the pinned requirement files.
#   .venv/rasa  Python 3.10: Rasa 3.6.21, rasa-sdk (Rasa server and action server)
#   .venv/svc   Python ≥ 3.11: the order gateway and the other services that do not import Rasa,
#               and the developer tools (requirements/dev.txt: ruff, mypy for make lint / typecheck)
# A venv is reinstalled only when its requirement files changed (hash stamp in the venv).
set -euo pipefail
cd "$(dirname "$0")/.."

venv() {
  local name=$1 want=$2
  shift 2
  local reqs=("$@")  # one or more requirement files, installed in one pip command
  local dir=.venv/$name py
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import sys' 2>/dev/null; then
    local have; have=$("$dir/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    case "$want" in
      3.10) [ "$have" = "3.10" ] || { echo "$dir has Python $have, rebuilding"; rm -rf "$dir"; } ;;
    esac
  else
    rm -rf "$dir"
  fi
  if [ ! -d "$dir" ]; then
    py=$(scripts/find_python.sh "$want")
    echo "creating $dir with $py"
    "$py" -m venv "$dir"
  fi
  local hash; hash=$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$dir/.requirements.sha256" 2>/dev/null)" != "$hash" ]; then
    echo "installing ${reqs[*]} into $dir …"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip wheel
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]/#/-r}"
    echo "$hash" > "$dir/.requirements.sha256"
  fi
}

mkdir -p .venv models
( umask 077 && mkdir -p var ) && chmod 700 var  # databases, attachments, logs: the owner's only
venv rasa 3.10 requirements/rasa.txt
venv svc 3.11+ requirements/svc.txt requirements/dev.txt
# Rasa's telemetry is on by default: switch it off for this user (scripts/run_rasa.sh and the
# Makefile also set RASA_TELEMETRY_ENABLED=false for every run)
RASA_TELEMETRY_ENABLED=false .venv/rasa/bin/rasa telemetry disable >/dev/null 2>&1 || true
