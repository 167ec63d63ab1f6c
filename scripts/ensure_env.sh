#!/usr/bin/env bash
# Writes .env (git-ignored) with random API tokens on first run; honcho reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
# .env holds tokens and passwords, var/ the citizens' data: the owner's only (docs/security.md)
umask 077
touch .env
chmod 600 .env
mkdir -p var && chmod 700 var
# REST_CHANNEL_TOKEN: the trusted REST channel; ACTION_SERVER_TOKEN: Rasa → action server;
# WEBCHAT_SENDER_SECRET: web chat sender ids are HMAC(secret, session id) (docs/security.md)
for var in RASA_API_TOKEN GATEWAY_API_TOKEN REST_CHANNEL_TOKEN ACTION_SERVER_TOKEN WEBCHAT_SENDER_SECRET; do
  if ! grep -q "^$var=" .env; then
    echo "$var=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> .env
    echo "generated $var in .env"
  fi
done
# The agent console's first supervisor (user 值班长 unless CONSOLE_SUPERVISOR_NAME is set): the gateway
# creates it at start when absent. Log in at http://127.0.0.1:8000/console with this password.
if ! grep -q "^CONSOLE_SUPERVISOR_PASSWORD=" .env; then
  echo "CONSOLE_SUPERVISOR_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> .env
  echo "generated CONSOLE_SUPERVISOR_PASSWORD in .env (console user 值班长)"
fi
