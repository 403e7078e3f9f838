#!/bin/sh
# Extract kselftest_harness.h and kselftest.h from Debian's linux-source-6.1
# package into the git-ignored cache. Never committed: fetched at build time.
# Usage: scripts/fetch-kselftest.sh CACHE_DIR  -> CACHE_DIR/kselftest/*.h
set -eu
cache=${1:?usage: fetch-kselftest.sh CACHE_DIR}
out=$cache/kselftest
[ -s "$out/kselftest_harness.h" ] && [ -s "$out/kselftest.h" ] && exit 0

mkdir -p "$cache/deb" "$out"
deb=$(ls "$cache"/deb/linux-source-6.1_*.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	(cd "$cache/deb" && apt-get download -qq linux-source-6.1)
	deb=$(ls "$cache"/deb/linux-source-6.1_*.deb | tail -n 1)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The .deb holds /usr/src/linux-source-6.1.tar.xz; pull only the two headers out of it.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards --no-anchored \
	'tools/testing/selftests/kselftest_harness.h' 'tools/testing/selftests/kselftest.h'
cp "$tmp"/linux-source-*/tools/testing/selftests/kselftest_harness.h \
	"$tmp"/linux-source-*/tools/testing/selftests/kselftest.h "$out/"
