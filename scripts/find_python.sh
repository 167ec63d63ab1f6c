#!/usr/bin/env bash
# Prints the path of a Python interpreter of the wanted version, however this machine provides it.
#   scripts/find_python.sh 3.10          exactly 3.10 (Rasa 3.6 needs it)
#   scripts/find_python.sh 3.11+         3.11 or newer
# Honours PYTHON310 / PYTHON_SVC when set.
set -euo pipefail
want="${1:?usage: find_python.sh 3.10|3.11+}"

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
ok() {
  local v; v=$(version_of "$1") || return 1
  case "$want" in
    *+) [ "$(printf '%s\n%s\n' "${want%+}" "$v" | sort -V | head -n1)" = "${want%+}" ] ;;
    *) [ "$v" = "$want" ] ;;
  esac
}

candidates=()
[ "$want" = "3.10" ] && [ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
[ "$want" != "3.10" ] && [ -n "${PYTHON_SVC:-}" ] && candidates+=("$PYTHON_SVC")
base="${want%+}"
if [ "$want" = "3.10" ]; then minors=(3.10); else minors=(3.11 3.12 3.13); fi
for m in "${minors[@]}"; do
  candidates+=("python$m" "/usr/bin/python$m" "/usr/local/bin/python$m")
  if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E "^${m//./\\.}(\.[0-9]+)?$" | sort -Vr); do
      candidates+=("$(pyenv root)/versions/$v/bin/python3")
    done
  fi
  if command -v uv >/dev/null 2>&1; then
    p=$(uv python find "$m" 2>/dev/null || true); [ -n "$p" ] && candidates+=("$p")
  fi
  command -v conda >/dev/null 2>&1 && candidates+=("$(conda info --base 2>/dev/null)/envs/py${m//./}/bin/python")
done
[ "$want" != "3.10" ] && candidates+=(python3)

for c in "${candidates[@]}"; do
  p=$(command -v "$c" 2>/dev/null || true)
  [ -n "$p" ] && ok "$p" && { echo "$p"; exit 0; }
done
echo "error: no Python $want found. Install it (e.g. 'pyenv install 3.10.13', 'uv python install $base', or your OS package python$base) or set ${PYTHON310:+PYTHON310}${PYTHON310:-PYTHON310/PYTHON_SVC} to its path." >&2
exit 1
