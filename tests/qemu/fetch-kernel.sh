#!/bin/sh
# Download Debian's current amd64 kernel image package and extract it into the
# git-ignored cache (never committed). Idempotent; a no-op when already cached.
# Usage: tests/qemu/fetch-kernel.sh CACHE_DIR
#   -> CACHE_DIR/deb/linux-image-*.deb
#   -> CACHE_DIR/kernel/boot/vmlinuz-VER, CACHE_DIR/kernel/lib/modules/VER/
#   prints VER on stdout.
# Set KERNEL_PKG=linux-image-6.1.0-NN-amd64 to pin a package instead of resolving
# the linux-image-amd64 metapackage.
set -eu
PATH=$PATH:/usr/sbin:/sbin
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
mkdir -p "$cache/deb" "$cache/kernel"
cache=$(cd "$cache" && pwd)

pkg=${KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
fi
if [ -z "$pkg" ]; then
	# No apt lists (or no network): fall back to whatever is already cached.
	deb=$(ls "$cache"/deb/linux-image-[0-9]*-amd64_*.deb 2>/dev/null | tail -n 1 || true)
	[ -n "$deb" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
	pkg=${deb##*/}
	pkg=${pkg%%_*}
fi
ver=${pkg#linux-image-}

if [ -f "$cache/kernel/boot/vmlinuz-$ver" ] && [ -f "$cache/kernel/lib/modules/$ver/modules.dep" ]; then
	echo "$ver"
	exit 0
fi

deb=$(ls "$cache/deb/${pkg}"_*.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	echo "fetch-kernel: downloading $pkg" >&2
	# apt warns that _apt cannot write here (sandbox); harmless when run as root.
	(cd "$cache/deb" && apt-get download -qq "$pkg")
	deb=$(ls "$cache/deb/${pkg}"_*.deb | tail -n 1)
fi

echo "fetch-kernel: extracting ${deb##*/}" >&2
rm -rf "$cache/kernel.tmp"
mkdir -p "$cache/kernel.tmp"
dpkg-deb -x "$deb" "$cache/kernel.tmp"
[ -f "$cache/kernel.tmp/boot/vmlinuz-$ver" ] || { echo "fetch-kernel: no boot/vmlinuz-$ver in $deb" >&2; exit 1; }
# The package ships no modules.dep (its postinst runs depmod): make one.
depmod -b "$cache/kernel.tmp" -F "$cache/kernel.tmp/boot/System.map-$ver" "$ver"
rm -rf "$cache/kernel"
mv "$cache/kernel.tmp" "$cache/kernel"
echo "$ver"
