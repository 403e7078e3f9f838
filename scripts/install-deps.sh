#!/bin/sh
# Install the Debian packages this project needs that are missing here.
# Usage: scripts/install-deps.sh GROUP...   (build, test, qemu, generators, module, deb,
#   kernel-build, libvirt, system)
# Only asks apt for what dpkg says is absent, so a ready machine pays one dpkg query.
set -eu
# The headers of the kernel tests/qemu/fetch-kernel.sh boots: resolved the same way
# (KERNEL_PKG, else linux-image-amd64's ABI package), pinned when apt has no lists.
kernel_headers_package() {
	abi=${KERNEL_PKG:-}; abi=${abi#linux-image-}
	if [ -z "$abi" ]; then
		abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
	fi
	echo "linux-headers-${abi:-6.1.0-56-amd64}"
}

group_packages() {
	case $1 in
	build) echo "gcc libc6-dev make pkg-config libpci-dev libkmod-dev libjson-c-dev libhwloc-dev libxml2-dev pci.ids" ;;
	test) echo "clang libclang-rt-14-dev xz-utils shellcheck libvirt-clients libxml2-utils grub-common grub-pc-bin hwloc-nox" ;;
	qemu) echo "qemu-system-x86 busybox-static cpio zstd kmod xz-utils" ;;
	generators) echo "initramfs-tools-core dracut-core kmod udev mount" ;;
	module) echo "$(kernel_headers_package) make gcc perl xz-utils mmdebstrap" ;;
	deb) echo "dpkg-dev debhelper dh-dkms dkms fakeroot lintian" ;;
	libvirt) echo "libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 ovmf swtpm swtpm-tools libxml2-utils util-linux" ;;
	kernel-build) echo "gcc make bc bison flex libelf-dev libssl-dev xz-utils kmod cpio" ;;
	system) echo "mmdebstrap qemu-system-x86 qemu-utils fdisk e2fsprogs" ;;
	*) echo "install-deps: unknown group $1" >&2 && return 1 ;;
	esac
}

want=""
for group in "$@"; do
	list=$(group_packages "$group")
	for p in $list; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
			want="$want $p"
		fi
	done
done
[ -n "$want" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$want (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing$want"
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/vfio-early-update
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
	apt-get update -qq
	mkdir -p "${stamp%/*}" && touch "$stamp"
fi
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $want >/dev/null
