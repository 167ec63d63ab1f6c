#!/usr/bin/env bash
# Trains the Rasa model only when its inputs changed (content hash of bot/domain,
# bot/data, bot/jieba_dict, bot/nlu_components, bot/screening and config.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
model=models/hotline.tar.gz
stamp=models/hotline.inputs.sha256
hash=$(find bot/domain bot/data bot/jieba_dict bot/nlu_components bot/screening config.yml \
         -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.txt' -o -name '*.py' \) ! -path '*/__pycache__/*' -print0 \
       | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ -f "$model" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
  echo "model is up to date ($model)"
  exit 0
fi
mkdir -p models var
echo "training the Rasa model (inputs changed) …"
start=$(date +%s)
.venv/rasa/bin/rasa train --domain bot/domain --data bot/data --config config.yml \
  --out models --fixed-model-name hotline --num-threads 2 --quiet
echo "$hash" > "$stamp"
echo "trained in $(( $(date +%s) - start )) s"
