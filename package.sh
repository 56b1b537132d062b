#!/usr/bin/env bash
# Builds the deployable FunctionGraph zip: `bootstrap` at the root, mode 0755.
# Usage: ./package.sh [output.zip]   (default dist/fgboot.zip)
set -euo pipefail
cd "$(dirname "$0")"
out=$(realpath -m "${1:-dist/fgboot.zip}")
make bootstrap >/dev/null
file bootstrap | grep -Eq 'static-pie linked|statically linked' || { echo "package: bootstrap is not static" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 bootstrap "$stage/bootstrap"
rm -f "$out"
(cd "$stage" && zip -q -X -9 "$out" bootstrap)
# Check: exactly one entry, named bootstrap, executable.
listing=$(unzip -Z "$out")
echo "$listing" | grep -Eq '^-rwxr-xr-x .* bootstrap$' || { echo "package: bootstrap is not 0755 in the zip" >&2; exit 1; }
[ "$(unzip -Z1 "$out")" = "bootstrap" ] || { echo "package: unexpected zip contents" >&2; exit 1; }
echo "$out $(stat -c %s "$out") bytes"
