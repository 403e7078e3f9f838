#!/bin/sh
# Build the rig's kernel with vfio-pci built in (RIG_KERNEL_SUITE=builtin), as Ubuntu 22.04 /
# Linux Mint 21 build theirs: Debian 13's linux-source-6.12 (from trixie, through the same
# private apt configuration as fetch-kernel.sh), "make tinyconfig" plus
# tests/qemu/kernel/builtin.config (VFIO, VFIO_PCI, VFIO_IOMMU_TYPE1 =y, and IOMMUFD with the
# VFIO device cdev, which no Debian kernel has; xhci_pci, snd_hda_intel, bochs as modules),
# then install it into CACHE/kernel beside the downloaded ones, as fetch-kernel.sh does.
# Usage: tests/qemu/build-kernel.sh CACHE   -> prints the kernel's version
#        tests/qemu/build-kernel.sh --background CACHE PREFIX
#        the same at low priority in the background (make check starts it first): its output
#        goes to PREFIX.log, its exit status to PREFIX.status when it ends; nothing when one
#        is still running for PREFIX, or when MATRIX_SUITES leaves builtin out
# The build is kept outside the work tree, keyed by the source package and the
# configuration, so that CI's fresh clones on this machine find it again:
#   VFE_KERNEL_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/vfio-early/kernels)/KEY/
#     boot/vmlinuz-VER, boot/config-VER, boot/System.map-VER, lib/modules/VER/, build.log
# A fresh machine builds it: about 1500 objects, 19 min of user and 7 of system CPU time
# (32 min wall clock measured here with other jobs on the same 2 cores); the time goes to
# build.log.
# Environment: JOBS (default: the number of CPUs).
set -eu
PATH=$PATH:/usr/sbin:/sbin
if [ "${1:-}" = --background ]; then
	case " ${MATRIX_SUITES:-builtin} " in *" builtin "*) ;; *) exit 0 ;; esac
	prefix=${3:?usage: build-kernel.sh --background CACHE PREFIX}
	pid=$(cat "$prefix.pid" 2> /dev/null || :)
	[ -z "$pid" ] || [ -s "$prefix.status" ] || ! kill -0 "$pid" 2> /dev/null || exit 0
	mkdir -p "$(dirname "$prefix")"
	rm -f "$prefix.status"
	# shellcheck disable=SC2016 # expanded by that shell
	nice -n 15 sh -c '"$0" "$1" > "$2.log" 2>&1; echo $? > "$2.status"' "$0" "$2" "$prefix" \
		< /dev/null > /dev/null 2>&1 &
	echo $! > "$prefix.pid"
	exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${1:?usage: build-kernel.sh CACHE}
mkdir -p "$cache/deb" "$cache/kernel"
cache=$(cd "$cache" && pwd)
frag=$here/kernel/builtin.config

src_pkg=linux-source-6.12
deb=$(ls "$cache"/deb/"$src_pkg"_*.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	# shellcheck source=tests/qemu/suite-apt.sh
	. "$here/suite-apt.sh"
	suite_apt_init "$cache/apt" trixie
	suite_apt_update
	(cd "$cache/deb" && suite_apt_get download -qq "$src_pkg") >&2
	deb=$(ls "$cache"/deb/"$src_pkg"_*.deb | tail -n 1)
fi
key=$({ echo "${deb##*/}"; cat "$frag"; } | sha256sum | cut -c1-16)
store=${VFE_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-early/kernels}/$key

# one build at a time per configuration: a second caller waits for the first one's
mkdir -p "${store%/*}"
exec 9> "$store.lock"
flock 9
if [ ! -f "$store/done" ]; then
	command -v flex > /dev/null && command -v bison > /dev/null && [ -f /usr/include/libelf.h ] ||
		"$top/scripts/install-deps.sh" kernel-build >&2
	rm -rf "$store"
	mkdir -p "$store"
	src=$store/src
	mkdir -p "$src"
	start=$(date +%s)
	{
		dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			xz -dc | tar -x -C "$src" --strip-components=1
		j=${JOBS:-$(nproc)}
		make -C "$src" -s tinyconfig
		"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$frag"
		make -C "$src" -s olddefconfig
		# every line of the fragment must have stuck (a dependency missing drops it)
		bad=0
		grep '^CONFIG_' "$frag" | while IFS= read -r l; do
			grep -qxF "$l" "$src/.config" || { echo "build-kernel: $l did not stick" >&2; exit 1; }
		done || bad=1
		[ "$bad" -eq 0 ] || exit 1
		make -C "$src" -s -j"$j" bzImage modules
		ver=$(make -C "$src" -s kernelrelease)
		mkdir -p "$store/boot"
		cp "$src/arch/x86/boot/bzImage" "$store/boot/vmlinuz-$ver"
		cp "$src/.config" "$store/boot/config-$ver"
		cp "$src/System.map" "$store/boot/System.map-$ver"
		make -C "$src" -s modules_install INSTALL_MOD_PATH="$store" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod
		rm -f "$store/lib/modules/$ver/build" "$store/lib/modules/$ver/source"
		echo "$ver" > "$store/version"
		echo "build-kernel: $ver built in $(($(date +%s) - start)) s with $j jobs"
	} > "$store/build.log" 2>&1 || {
		tail -n 30 "$store/build.log" >&2
		echo "build-kernel: the build failed (see $store/build.log)" >&2
		exit 1
	}
	rm -rf "$src"
	touch "$store/done"
	tail -n 1 "$store/build.log" >&2
fi
ver=$(cat "$store/version")
# beside the downloaded kernels, as the rig expects them
mkdir -p "$cache/kernel/boot" "$cache/kernel/lib/modules"
for f in vmlinuz config System.map; do
	cp "$store/boot/$f-$ver" "$cache/kernel/boot/$f-$ver"
done
rm -rf "$cache/kernel/lib/modules/$ver"
cp -a "$store/lib/modules/$ver" "$cache/kernel/lib/modules/$ver"
echo "$ver"
