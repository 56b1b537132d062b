#!/usr/bin/env bash
# Installs the Debian packages that building and testing fgboot need, once.
# Called by `make demo` and `make test`; a no-op when everything is there.
set -euo pipefail
pkgs="build-essential pkg-config musl-tools libcurl4-openssl-dev libjansson-dev libssl-dev libmicrohttpd-dev
python3 python3-pytest python3-requests valgrind cppcheck clang libclang-rt-14-dev zip unzip file openssl ca-certificates strace
tzdata podman buildah"
# node and npm run the HCL parser of tests/integration/test_terraform.py: Debian's, unless a
# node with its own npm (as some images ship) is already on the PATH.
command -v node >/dev/null || pkgs="$pkgs nodejs"
command -v npm >/dev/null || pkgs="$pkgs npm"
need=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
[ -z "$need" ] && exit 0
echo "setup: installing$need"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -q >/dev/null
as_root apt-get install -y -q --no-install-recommends $need >/dev/null
