#!/usr/bin/env bash
# Writes .env (git-ignored) with random API tokens on first run; honcho reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
touch .env
for var in RASA_API_TOKEN GATEWAY_API_TOKEN; do
  if ! grep -q "^$var=" .env; then
    echo "$var=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> .env
    echo "generated $var in .env"
  fi
done
