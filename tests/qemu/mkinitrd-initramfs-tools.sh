#!/bin/sh
# Build a real initramfs-tools image (Debian's mkinitramfs) with vfio-early in it,
# for the QEMU rig (tests/qemu/rig.sh), without changing the host.
# Usage: tests/qemu/mkinitrd-initramfs-tools.sh CACHE OUT [CONFIG]
#   CACHE   as filled by tests/qemu/fetch-kernel.sh (run here if needed)
#   OUT     the image to write, compressed as /etc/initramfs-tools says (zstd);
#           OUT ending in .cpio: uncompressed, so that a scenario can append a
#           small cpio (its files replace the image's: the kernel cannot find
#           a cpio appended after a zstd stream)
#   CONFIG  the /etc/vfio-early.conf to put in the image; default: one without
#           any line (the helper is in the image and binds nothing until a
#           scenario lays its own /etc/vfio-early.conf over it); "none": no
#           config at all, so our hook skips and the image is the baseline
#           without vfio-early.
# Environment:
#   VFE_HELPER     the helper binary to install (default: build/vfio-early, made if missing)
#   KVER           kernel version (default: the one fetch-kernel.sh prints)
#   ITOOLS_MODULES initramfs-tools' MODULES policy (default: most, Debian's default)
#   VFE_KMOD, VFE_MODPROBE  vfio_early.ko and /etc/modprobe.d/00-vfio-early.conf on the
#                  "host" (see tests/qemu/mkinitrd-lib.sh)
#   RIG_DRIVERS    host drivers of the rig put in the image but not force-loaded,
#                  so udev loads them at coldplug (default: xhci_pci snd_hda_intel bochs)
#
# How the host stays unchanged: mkinitramfs only looks in fixed places
# (/lib/modules/VER, /boot/config-VER, /usr/share/initramfs-tools, /usr/sbin,
# /etc). It runs in a private mount namespace (unshare -m) in which read-only
# overlays lay the staged "make install" tree, the cached kernel's modules and
# boot files and the config over those directories; they vanish with the
# namespace. A symlink /lib/modules/VER -> CACHE would not do: copy_file
# follows symlinks and would put every module under the cache's path in the
# image. Needs root (or unprivileged user namespaces: then unshare -rm).
set -eu
PATH=$PATH:/usr/sbin:/sbin
usage="usage: mkinitrd-initramfs-tools.sh CACHE OUT [CONFIG|none]"
cache=${1:?$usage}
out=${2:?$usage}
config=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)

[ -x /usr/sbin/mkinitramfs ] || "$top/scripts/install-deps.sh" generators
kver="" kroot="" work="" # set by stage
# shellcheck source=tests/qemu/mkinitrd-lib.sh
. "$top/tests/qemu/mkinitrd-lib.sh"
stage initramfs-tools "$cache" "$config"

# A copy of the host's initramfs-tools configuration plus a test-only hook that
# puts the rig's host drivers in the image, the way a desktop's image holds
# amdgpu or snd_hda_intel: udev loads them at coldplug, after our script.
cp -a /etc/initramfs-tools "$work/conf"
printf 'MODULES=%s\n' "${ITOOLS_MODULES:-most}" > "$work/conf/conf.d/zz-vfio-early-rig"
cat > "$work/conf/hooks/zz-vfio-early-rig" <<EOF
#!/bin/sh
[ "\$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
manual_add_modules ${RIG_DRIVERS-xhci_pci snd_hda_intel bochs}
EOF
chmod 0755 "$work/conf/hooks/zz-vfio-early-rig"

{
	cat <<EOF
set -eu
ovl() { mount -t overlay vfio-early-test -o "lowerdir=\$1" "\$2"; }
ovl "$work/stage/usr/sbin:/usr/sbin" /usr/sbin
ovl "$work/stage/usr/share/initramfs-tools:/usr/share/initramfs-tools" /usr/share/initramfs-tools
ovl "$work/etc:/etc" /etc
ovl "$kroot/boot:/boot" /boot
EOF
	usrlib_lines
	printf 'TMPDIR="%s" mkinitramfs -d "%s" -o "%s" "%s"\n' "$work" "$work/conf" "$work/image" "$kver"
} > "$work/inner.sh"
start=$(date +%s)
in_namespace "$work/inner.sh"
case $out in
*.cpio)
	# Without microcode packages the image is one compressed cpio: undo that.
	case $(od -An -tx1 -N4 "$work/image" | tr -d ' ') in
	28b52ffd) zstd -q -dc "$work/image" > "$out" ;;
	1f8b*) gzip -dc "$work/image" > "$out" ;;
	*) echo "mkinitrd-initramfs-tools: cannot make $out uncompressed (early cpio?)" >&2; exit 1 ;;
	esac ;;
*) cp "$work/image" "$out" ;;
esac
echo "mkinitrd-initramfs-tools: $out ($kver) built in $(($(date +%s) - start)) s" >&2
