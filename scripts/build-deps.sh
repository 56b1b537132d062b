#!/usr/bin/env bash
# Builds static musl copies of OpenSSL, jansson, libcurl and libmicrohttpd from Debian's source
# packages (apt-get source) into $FG_DEPS_PREFIX, plus the Mozilla CA bundle
# that bootstrap embeds. Idempotent: the Makefile calls it when an output is
# missing or this script changed; a library is rebuilt only when missing or when
# RECIPE below changed. Needs root for apt-get. Recipe:
# ../shared/reference/static-build.md.
set -euo pipefail

TOP=${FG_DEPS_TOP:-$(cd "$(dirname "$0")/.." && pwd)/third_party}
PREFIX=${FG_DEPS_PREFIX:-$TOP/musl}
JOBS=${FG_DEPS_JOBS:-$(nproc)}
SRC=$TOP/src
BLD=$TOP/build
KHDR=$TOP/kernel-headers
# No unwind tables: nothing here unwinds C stacks, and they are 10 % of the binary.
# Position-independent (bootstrap links as static-PIE) with stack protection.
SIZEFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fPIE -fstack-protector-strong"
# OpenSSL algorithms and formats that HTTPS to a cloud API never uses (about 400 KB), and its
# error-string tables (no-err: 90 KB, and under static-PIE 100 KB of resident memory their
# relocations dirty at start; curl's TLS messages come from X509_verify_cert_error_string, kept).
OPENSSL_TRIM="no-idea no-seed no-camellia no-aria no-bf no-cast no-rc2 no-rc4 no-rc5 no-md4
  no-mdc2 no-whirlpool no-sm2 no-sm3 no-sm4 no-gost no-siphash no-cms no-ts no-ct no-srtp
  no-ec2m no-ocsp no-dsa no-scrypt no-des no-err"
# Changing what a library is built with rebuilds them all.
RECIPE="3: $SIZEFLAGS | $OPENSSL_TRIM"
export DEBIAN_FRONTEND=noninteractive

t0=$(date +%s)
stage() { echo "build-deps: $1 done in $(( $(date +%s) - $2 )) s"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Stage 0: toolchain, deb-src entry, sources, kernel-header shim.
s=$(date +%s)
need=""
for p in musl-tools musl-dev linux-libc-dev dpkg-dev autoconf automake libtool cmake make perl pkg-config ca-certificates patch; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
if ! ls /etc/apt/sources.list.d/ 2>/dev/null | xargs -r -I{} grep -ls '^Types:.*deb-src' /etc/apt/sources.list.d/{} | grep -q . \
   && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    | as_root tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
  as_root apt-get update -q
elif [ -n "$need" ]; then
  as_root apt-get update -q
fi
if [ -n "$need" ]; then
  as_root apt-get install -y -q --no-install-recommends $need
fi
mkdir -p "$SRC" "$BLD" "$PREFIX" "$KHDR"
if ! ls "$SRC"/jansson_*.dsc "$SRC"/curl_*.dsc "$SRC"/openssl_*.orig.tar.gz >/dev/null 2>&1; then
  (cd "$SRC" && apt-get source --download-only jansson curl openssl || true)
fi
if ! ls "$SRC"/libmicrohttpd_*.dsc >/dev/null 2>&1; then
  (cd "$SRC" && apt-get source --download-only libmicrohttpd || true)
fi
for pat in 'jansson_*.dsc' 'curl_*.dsc' 'openssl_*.orig.tar.gz' 'libmicrohttpd_*.dsc'; do
  ls "$SRC"/$pat >/dev/null 2>&1 || { echo "build-deps: missing $pat after apt-get source" >&2; exit 1; }
done
ln -sfn /usr/include/linux "$KHDR/linux"
ln -sfn /usr/include/asm-generic "$KHDR/asm-generic"
ln -sfn /usr/include/x86_64-linux-gnu/asm "$KHDR/asm"
stage sources "$s"

if [ "$(cat "$PREFIX/.recipe" 2>/dev/null)" != "$RECIPE" ]; then
  echo "build-deps: build recipe changed: rebuilding every library"
  rm -rf "$PREFIX" && mkdir -p "$PREFIX"
fi

# Stage 1: OpenSSL from the upstream orig tarball.
if [ ! -f "$PREFIX/lib/libcrypto.a" ] || [ ! -f "$PREFIX/lib/libssl.a" ]; then
  s=$(date +%s)
  tarball=$(ls "$SRC"/openssl_*.orig.tar.gz | sort -V | tail -n 1)
  rm -rf "$BLD/openssl" && mkdir -p "$BLD/openssl"
  tar -xzf "$tarball" -C "$BLD/openssl" --strip-components=1
  (cd "$BLD/openssl" &&
    CC=musl-gcc ./Configure linux-x86_64 no-shared no-module no-dso no-engine \
      no-afalgeng no-ktls no-comp no-ssl3 no-dtls no-srp no-legacy no-async \
      no-ui-console no-tests $OPENSSL_TRIM --prefix="$PREFIX" --libdir=lib \
      --openssldir=/usr/local/ssl -idirafter "$KHDR" $SIZEFLAGS >/dev/null &&
    make -j"$JOBS" build_libs >/dev/null &&
    make install_dev >/dev/null)
  stage openssl "$s"
fi

# Stage 2: jansson (CMake; the orig tarball has no configure).
if [ ! -f "$PREFIX/lib/libjansson.a" ]; then
  s=$(date +%s)
  rm -rf "$BLD/jansson-src" "$BLD/jansson" && mkdir -p "$BLD/jansson"
  (cd "$BLD" && dpkg-source -x "$(ls "$SRC"/jansson_*.dsc | sort -V | tail -n 1)" jansson-src >/dev/null 2>&1)
  (cd "$BLD/jansson" &&
    CC=musl-gcc cmake "$BLD/jansson-src" -DCMAKE_BUILD_TYPE=MinSizeRel \
      -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
      -DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_BUILD_DOCS=OFF \
      -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON \
      -DCMAKE_C_FLAGS="-ffunction-sections -fdata-sections" >/dev/null &&
    make -j"$JOBS" install >/dev/null)
  stage jansson "$s"
fi

# Stage 3: curl as Debian ships it (with Debian's CVE backports), minus only the
# gnutls/nss flavour renames of the library's name. No patches of our own.
if [ ! -f "$PREFIX/lib/libcurl.a" ]; then
  s=$(date +%s)
  rm -rf "$BLD/curl"
  (cd "$BLD" && dpkg-source -x "$(ls "$SRC"/curl_*.dsc | sort -V | tail -n 1)" curl >/dev/null 2>&1)
  (cd "$BLD/curl" &&
    patch -R -p1 < debian/patches/99_nss.patch >/dev/null &&
    patch -R -p1 < debian/patches/90_gnutls.patch >/dev/null &&
    autoreconf -fi >/dev/null 2>&1 &&
    CC=musl-gcc CFLAGS="$SIZEFLAGS" CPPFLAGS="-idirafter $KHDR" \
    PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" ./configure \
      --prefix="$PREFIX" --disable-shared --enable-static --with-openssl="$PREFIX" \
      --without-ca-bundle --without-ca-path --with-ca-fallback \
      --without-libpsl --without-nghttp2 --without-brotli --without-zstd \
      --without-libidn2 --without-librtmp --without-libssh2 --without-libssh \
      --without-zlib --without-gssapi --without-libgsasl \
      --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
      --disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher \
      --disable-mqtt --disable-smb --disable-ftp --disable-file \
      --disable-manual --disable-ntlm --disable-ntlm-wb --disable-cookies \
      --disable-alt-svc --disable-hsts --disable-unix-sockets --disable-websockets \
      --enable-threaded-resolver --enable-ipv6 >/dev/null &&
    make -j"$JOBS" -C lib >/dev/null &&
    make -C lib install >/dev/null &&
    make -C include install >/dev/null &&
    make install-pkgconfigDATA >/dev/null)
  stage curl "$s"
fi

# Stage 3b: GNU libmicrohttpd for `bootstrap serve`. dpkg-source -x applies Debian's
# patch (the CVE-2023-27371 PostProcessor fix). No --host: configure must run its checks,
# and pkg-config is isolated so it cannot find the glibc GnuTLS.
if [ ! -f "$PREFIX/lib/libmicrohttpd.a" ]; then
  s=$(date +%s)
  rm -rf "$BLD/libmicrohttpd"
  (cd "$BLD" && dpkg-source -x "$(ls "$SRC"/libmicrohttpd_*.dsc | sort -V | tail -n 1)" libmicrohttpd >/dev/null 2>&1)
  grep -q 'PostProcessor-DoS' "$BLD/libmicrohttpd/debian/patches/series" ||
    { echo "build-deps: libmicrohttpd: Debian's CVE-2023-27371 patch not found" >&2; exit 1; }
  (cd "$BLD/libmicrohttpd" &&
    PKG_CONFIG_LIBDIR=/nonexistent CFLAGS="$SIZEFLAGS" ./configure CC=musl-gcc \
      --prefix="$PREFIX" --libdir="$PREFIX/lib" --enable-static --disable-shared \
      --disable-https --without-gnutls --disable-curl --disable-doc --disable-examples \
      --disable-nls >/dev/null &&
    make -j"$JOBS" -C src/microhttpd >/dev/null &&
    make -C src/microhttpd install >/dev/null &&
    make -C src/include install >/dev/null)
  stage libmicrohttpd "$s"
fi

# Stage 4: the pure Mozilla CA set to embed (not /etc/ssl/certs, which may hold local CAs).
if [ ! -s "$PREFIX/cacert.pem" ]; then
  cat /usr/share/ca-certificates/mozilla/*.crt > "$PREFIX/cacert.pem.tmp"
  mv "$PREFIX/cacert.pem.tmp" "$PREFIX/cacert.pem"
fi

echo "$RECIPE" > "$PREFIX/.recipe"
echo "build-deps: all done in $(( $(date +%s) - t0 )) s ($PREFIX)"
