#!/usr/bin/env bash
# Runs every benchmark in bench/ and leaves JSON results in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD"
mkdir -p bench/results
bench/train_time.sh | tee bench/results/train_time.json
.venv/rasa/bin/python bench/rest_channel.py --out bench/results/rest_channel.json
.venv/rasa/bin/python bench/wechat_inbound.py --out bench/results/wechat_inbound.json
.venv/rasa/bin/python bench/webchat_socket.py --out bench/results/webchat_socket.json
# needs root and Debian's postfix + dovecot (tests/support/mailserver.py)
.venv/rasa/bin/python bench/email_roundtrip.py --out bench/results/email_roundtrip.json
.venv/svc/bin/python bench/kb_eval.py --out bench/results/kb_eval.json
.venv/svc/bin/python bench/gateway_orders.py
