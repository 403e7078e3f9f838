#!/bin/sh
# Download a Debian amd64 kernel (image and modules) and extract it into the git-ignored
# cache (never committed). Idempotent; a no-op when that version is already there.
# Usage: tests/qemu/fetch-kernel.sh CACHE_DIR
#   -> CACHE_DIR/kernel/boot/vmlinuz-VER, CACHE_DIR/kernel/lib/modules/VER/ (one tree,
#      every version fetched side by side), CACHE_DIR/deb/<suite>/*.deb
#   prints VER on stdout.
# Environment:
#   RIG_KERNEL_SUITE  the Debian suite whose linux-image-amd64 is booted (default
#                     bookworm): bullseye, bookworm, trixie, trixie-backports, ...;
#                     builtin: tests/qemu/build-kernel.sh's (vfio-pci built in)
#                     Resolved through a private apt configuration under
#                     CACHE_DIR/apt/<suite> (its own sources and lists, on the mirror the
#                     host's apt uses); the host's apt sources are never changed.
#   KERNEL_PKG        pin a package (linux-image-6.1.0-NN-amd64) instead of resolving
#                     the metapackage.
#   FETCH_HEADERS=1   also the matching linux-headers (and their -common and kbuild
#                     packages) into the same tree: CACHE_DIR/kernel/usr/src/linux-headers-VER.
set -eu
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
suite=${RIG_KERNEL_SUITE:-bookworm}
# builtin: no suite but the kernel built from Debian 13's 6.12 source with vfio-pci built in
[ "$suite" = builtin ] && exec "$here/build-kernel.sh" "$cache"
mkdir -p "$cache/deb/$suite" "$cache/kernel"
cache=$(cd "$cache" && pwd)
debs=$cache/deb/$suite

# shellcheck source=tests/qemu/suite-apt.sh
. "$here/suite-apt.sh"
suite_apt_init "$cache/apt" "$suite"

pkg=${KERNEL_PKG:-}
if [ -z "$pkg" ] && suite_apt_update; then
	pkg=$(suite_apt_cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
fi
if [ -z "$pkg" ]; then
	# No lists (no network): fall back to whatever is already cached for this suite.
	deb=$(ls "$debs"/linux-image-[0-9]*-amd64_*.deb 2>/dev/null | tail -n 1 || true)
	[ -n "$deb" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64 in $suite" >&2; exit 1; }
	pkg=${deb##*/}
	pkg=${pkg%%_*}
fi
ver=${pkg#linux-image-}

have_kernel() {
	[ -f "$cache/kernel/boot/vmlinuz-$ver" ] && [ -f "$cache/kernel/lib/modules/$ver/modules.dep" ]
}
have_headers() {
	[ "${FETCH_HEADERS:-0}" != 1 ] || [ -f "$cache/kernel/usr/src/linux-headers-$ver/Makefile" ]
}
if have_kernel && have_headers; then
	echo "$ver"
	exit 0
fi

# get PKG: PKG's .deb in $debs, and the packages of the same version it depends on
# (newer kernels split the image into linux-image, linux-binary and linux-modules;
# the headers into -amd64, -common and linux-kbuild).
get() {
	set -- "$1"
	for dep in $(suite_apt_cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-\(binary\|modules\|headers\|kbuild\|image\|base\)-[^ <>]*\)$/\1/p' | sort -u); do
		case $dep in
		*"$ver"* | *"${ver%%-*}"* | linux-kbuild-*) set -- "$@" "$dep" ;;
		esac
	done
	for p in "$@"; do
		ls "$debs/${p}"_*.deb > /dev/null 2>&1 && continue
		echo "fetch-kernel: downloading $p ($suite)" >&2
		(cd "$debs" && suite_apt_get download -qq "$p")
	done
	for p in "$@"; do ls "$debs/${p}"_*.deb; done
}

# A directory of this run's own: several suites may be fetched at once.
tmp=$(mktemp -d "$cache/kernel.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
list=$(get "$pkg")
if [ "${FETCH_HEADERS:-0}" = 1 ]; then
	list="$list $(get "linux-headers-$ver")"
fi
for deb in $list; do
	echo "fetch-kernel: extracting ${deb##*/}" >&2
	dpkg-deb -x "$deb" "$tmp"
done
# Merged-/usr packages (trixie on) put the modules under usr/lib/modules; the split ones
# of 7.x also the kernel and its System.map. One layout for every suite.
if [ -d "$tmp/usr/lib/modules/$ver" ]; then
	mkdir -p "$tmp/lib/modules" "$tmp/boot"
	mv "$tmp/usr/lib/modules/$ver" "$tmp/lib/modules/$ver"
	for f in vmlinuz System.map config; do
		[ ! -f "$tmp/lib/modules/$ver/$f" ] || [ -f "$tmp/boot/$f-$ver" ] ||
			cp "$tmp/lib/modules/$ver/$f" "$tmp/boot/$f-$ver"
	done
fi
[ -f "$tmp/boot/vmlinuz-$ver" ] || { echo "fetch-kernel: no boot/vmlinuz-$ver in $list" >&2; exit 1; }
# The packages ship no modules.dep (their postinst runs depmod): make one.
map=$tmp/boot/System.map-$ver
if [ -f "$map" ]; then
	depmod -b "$tmp" -F "$map" "$ver"
else
	depmod -b "$tmp" "$ver"
fi
# Into the shared tree, version beside version.
(cd "$tmp" && find . -type d) | while IFS= read -r d; do mkdir -p "$cache/kernel/$d"; done
cp -a "$tmp/." "$cache/kernel/"
echo "$ver"
