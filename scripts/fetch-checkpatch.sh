#!/bin/sh
# Extract the kernel's checkpatch.pl (with spelling.txt and const_structs.checkpatch,
# which it reads from its own directory) from Debian's linux-source-6.1 package into
# the git-ignored cache. Never committed: fetched when a test needs it.
# Usage: scripts/fetch-checkpatch.sh CACHE_DIR  -> CACHE_DIR/checkpatch/checkpatch.pl
set -eu
cache=${1:?usage: fetch-checkpatch.sh CACHE_DIR}
out=$cache/checkpatch
[ -s "$out/checkpatch.pl" ] && [ -s "$out/spelling.txt" ] && exit 0

mkdir -p "$cache/deb" "$out"
deb=$(ls "$cache"/deb/linux-source-6.1_*.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	(cd "$cache/deb" && apt-get download -qq linux-source-6.1)
	deb=$(ls "$cache"/deb/linux-source-6.1_*.deb | tail -n 1)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards --no-anchored \
	'scripts/checkpatch.pl' 'scripts/spelling.txt' 'scripts/const_structs.checkpatch'
for f in checkpatch.pl spelling.txt const_structs.checkpatch; do
	cp "$tmp"/linux-source-*/scripts/$f "$out/"
done
chmod 0755 "$out/checkpatch.pl"
