#!/usr/bin/env bash
# Re-fetches the socket.io browser client the chat widget uses, from the npm package
# socket.io-client at a pinned version, and checks it against the recorded sha256.
# Output: gateway/web/widget/vendor/socket.io.min.js (+ its licence). No build step.
#
#   scripts/vendor_widget.sh           fetch and verify
#   scripts/vendor_widget.sh --record  fetch and record a new checksum (after changing VERSION)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="4.8.1"
FILE="dist/socket.io.min.js"
SHA256="b0e735814f8dcfecd6cdb8a7ce95a297a7e1e5f2727a29e6f5901801d52fa0c5"
DEST="gateway/web/widget/vendor"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "socket.io-client@${VERSION}" >/dev/null)
tar -xzf "$work/socket.io-client-${VERSION}.tgz" -C "$work"
actual="$(sha256sum "$work/package/$FILE" | cut -d' ' -f1)"
if [ "${1:-}" = "--record" ]; then
  sed -i "s/^SHA256=\".*\"/SHA256=\"${actual}\"/" "$0"
  echo "recorded sha256 ${actual} for socket.io-client@${VERSION}"
elif [ "$actual" != "$SHA256" ]; then
  echo "socket.io-client@${VERSION} ${FILE}: sha256 ${actual}, expected ${SHA256}; not installed" >&2
  exit 1
fi
mkdir -p "$DEST"
cp "$work/package/$FILE" "$DEST/socket.io.min.js"
cp "$work/package/LICENSE" "$DEST/socket.io-client.LICENSE"
echo "socket.io-client@${VERSION} ${FILE} sha256 ${actual}" > "$DEST/VERSION"
echo "vendored socket.io-client@${VERSION} into ${DEST}"
