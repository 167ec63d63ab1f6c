#!/usr/bin/env bash
# Starts the Rasa server on $RASA_INTERFACE:$RASA_PORT (127.0.0.1:5005): the channels, the trusted
# REST channel (REST_CHANNEL_TOKEN) and the HTTP API (RASA_API_TOKEN). Only the reverse proxy
# (deploy/) makes the citizen-facing paths public; the HTTP API and REST are never proxied.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
: "${RASA_PORT:=5005}"
: "${RASA_INTERFACE:=127.0.0.1}"
# no usage data leaves the machine (Rasa's telemetry is on by default)
export RASA_TELEMETRY_ENABLED=false
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
  -i "$RASA_INTERFACE" --port "$RASA_PORT" --model "$RASA_MODEL" \
  --credentials credentials.yml --endpoints "$ENDPOINTS" \
  --response-timeout 60 ${RASA_EXTRA_ARGS:-}
