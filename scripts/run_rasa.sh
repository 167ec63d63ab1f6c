#!/usr/bin/env bash
# Starts the Rasa server: REST channel and HTTP API (token-protected) on $RASA_PORT (5005).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
: "${RASA_PORT:=5005}"
: "${RASA_MODEL:=models/hotline.tar.gz}"
if [ -z "${RASA_API_TOKEN:-}" ]; then
  echo "RASA_API_TOKEN is not set: the HTTP API needs a token (make run writes one into .env)" >&2
  exit 1
fi
# one rendered file per port: Rasa servers started at the same time (tests, replicas on one
# machine) must not read each other's action server, stores or event broker
ENDPOINTS="var/endpoints.runtime.${RASA_PORT}.yml"
.venv/rasa/bin/python scripts/render_endpoints.py endpoints.yml "$ENDPOINTS"
exec .venv/rasa/bin/rasa run \
  --enable-api --auth-token "$RASA_API_TOKEN" \
  --port "$RASA_PORT" --model "$RASA_MODEL" \
  --credentials credentials.yml --endpoints "$ENDPOINTS" \
  --response-timeout 60 ${RASA_EXTRA_ARGS:-}
