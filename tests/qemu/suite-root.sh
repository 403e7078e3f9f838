#!/bin/sh
# A build root of another Debian release, for building the module against that release's
# kernel headers with that release's own compiler and kbuild tools, as DKMS does on a
# machine running it (trixie's kbuild programs need a newer C library than Debian 12's, so
# they cannot run on this host directly).
#
# Usage: tests/qemu/suite-root.sh CACHE SUITE KVER
#   prints the root's path; the headers are in ROOT/usr/src/linux-headers-KVER.
# The root is made by mmdebstrap --variant=extract from the suite's own archive (the host's
# Debian mirror, the suite's -updates, -security and, for SUITE-backports, the backports):
# the packages are unpacked, not configured, and the host's apt configuration is not
# touched. Cached in CACHE/suite-root/SUITE-KVER until the package list changes.
# tests/qemu/suite-root.sh run ROOT COMMAND...: runs COMMAND in the root (a private mount
# namespace with /dev and /proc), e.g. make -C /usr/src/linux-headers-KVER M=/src modules.
set -eu
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = run ]; then
	root=${2:?usage: suite-root.sh run ROOT COMMAND...}
	shift 2
	exec unshare -m sh -c 'mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" &&
		exec chroot "$0" "$@"' "$root" "$@"
fi

cache=${1:?usage: suite-root.sh CACHE SUITE KVER}
suite=${2:?usage: suite-root.sh CACHE SUITE KVER}
kver=${3:?usage: suite-root.sh CACHE SUITE KVER}
# shellcheck source=tests/qemu/suite-apt.sh
. "$here/suite-apt.sh"
mirror=$(suite_apt_mirror main)
security=$(suite_apt_mirror security)
[ -n "$mirror" ] || { echo "suite-root: no Debian mirror in the host's apt sources" >&2; exit 1; }
base=${suite%-backports}

# What kbuild runs besides the compiler the headers depend on (their linux-compiler-gcc-N-x86).
pkgs="dash bash coreutils sed grep mawk findutils diffutils make binutils gcc libc6-dev kmod linux-headers-$kver"
mkdir -p "$cache/suite-root"
cache=$(cd "$cache" && pwd)
root=$cache/suite-root/$suite-$kver
key=$(echo "$pkgs $mirror $security" | sha256sum | cut -c1-16)
exec 9> "$root.lock"
flock 9
if [ "$(cat "$root/.vfe-key" 2> /dev/null)" != "$key" ]; then
	command -v mmdebstrap > /dev/null || "$here/../../scripts/install-deps.sh" module >&2
	rm -rf "$root"
	set -- "deb $mirror $base main" "deb $mirror $base-updates main"
	[ "$suite" = "$base" ] || set -- "$@" "deb $mirror $suite main"
	[ -z "$security" ] || set -- "$@" "deb $security $base-security main"
	start=$(date +%s)
	if ! mmdebstrap --quiet --variant=extract --mode=root --include="$(echo "$pkgs" | tr ' ' ,)" \
		"$base" "$root" "$@" > "$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		echo "suite-root: mmdebstrap failed for $suite (see $root.log)" >&2
		rm -rf "$root"
		exit 1
	fi
	# Unpacked, not configured: the alternatives that configuring would make.
	[ -e "$root/usr/bin/awk" ] || ln -s mawk "$root/usr/bin/awk"
	[ -e "$root/bin/sh" ] || ln -s dash "$root/bin/sh"
	[ -d "$root/usr/src/linux-headers-$kver" ] ||
		{ echo "suite-root: no linux-headers-$kver in $root" >&2 && exit 1; }
	echo "$key" > "$root/.vfe-key"
	echo "suite-root: $suite root for $kver made in $(($(date +%s) - start)) s" >&2
fi
echo "$root"
