#!/usr/bin/env bash
# Measures a full training run (forced) and prints seconds and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD"
out=$(mktemp -d)
/usr/bin/time -v .venv/rasa/bin/rasa train --domain bot/domain --data bot/data --config config.yml \
  --out "$out" --fixed-model-name bench --force --quiet 2> "$out/time.txt" >/dev/null
wall=$(grep "Elapsed (wall clock)" "$out/time.txt" | awk '{print $NF}')
rss=$(grep "Maximum resident set size" "$out/time.txt" | awk '{print $NF}')
echo "{\"train_wall\": \"$wall\", \"train_peak_rss_mb\": $((rss / 1024))}"
rm -rf "$out"
