#!/bin/sh
# Extract files from Debian's linux-source-6.1 package (downloaded once into CACHE/deb) into
# CACHE/NAME. Never committed: fetched at build or test time.
# Usage: scripts/fetch-linux-source.sh CACHE NAME PATH...   (PATHs below the source tree's top)
set -eu
cache=${1:?usage: fetch-linux-source.sh CACHE NAME PATH...}
name=${2:?usage: fetch-linux-source.sh CACHE NAME PATH...}
shift 2
out=$cache/$name
have=1
for f in "$@"; do
	[ -s "$out/${f##*/}" ] || have=0
done
[ "$have" -eq 0 ] || exit 0

mkdir -p "$cache/deb" "$out"
deb=$(ls "$cache"/deb/linux-source-6.1_*.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	(cd "$cache/deb" && apt-get download -qq linux-source-6.1)
	deb=$(ls "$cache"/deb/linux-source-6.1_*.deb | tail -n 1)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The .deb holds /usr/src/linux-source-6.1.tar.xz; only the named files come out of it.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards --no-anchored "$@"
for f in "$@"; do
	cp "$tmp"/linux-source-*/"$f" "$out/"
done
