#!/bin/sh
# Build a real dracut image with vfio-early in it, for the QEMU rig
# (tests/qemu/rig.sh), without changing the host.
# Usage: tests/qemu/mkinitrd-dracut.sh CACHE OUT [CONFIG]
#   CACHE   as filled by tests/qemu/fetch-kernel.sh (run here if needed)
#   OUT     the image to write; OUT ending in .cpio: uncompressed (--no-compress),
#           so that a scenario can append a small cpio whose files replace the
#           image's
#   CONFIG  the /etc/vfio-early.conf to put in the image; default: one without
#           any line (the helper is in the image and binds nothing until a
#           scenario lays its own over it); "none": no config, so our module's
#           check() says "only on request" and the image is the baseline.
# Environment:
#   VFE_HELPER   the helper binary to install (default: build/vfio-early, made if missing)
#   KVER         kernel version (default: the one fetch-kernel.sh prints)
#   DRACUT_MODE  systemd (default when systemd is installed, as on Debian) or shell
#                (--omit systemd: dracut's own init.sh runs the pre-udev hook)
#   DRACUT_ARGS  more dracut arguments (word-split)
#   DRACUT_HOSTONLY  hostonly: a host-only image (it copies /etc/modprobe.d); default
#                no-hostonly
#   VFE_KMOD, VFE_MODPROBE  vfio_early.ko and /etc/modprobe.d/00-vfio-early.conf on the
#                "host" (see tests/qemu/mkinitrd-lib.sh)
#   RIG_DRIVERS  host drivers of the rig put in the image (--add-drivers), which
#                udev loads at coldplug (default: xhci_pci snd_hda_intel bochs)
#
# The module is not named on the command line: it is in because its check()
# finds /etc/vfio-early.conf, as after "make install" on a real host.
# How the host stays unchanged: dracut is run in a private mount namespace
# (unshare -m) where read-only overlays lay the staged "make install" tree
# (our module in /usr/lib/dracut/modules.d, the helper in /usr/sbin, the
# modprobe.d file), the cached kernel's modules and the config over /usr/sbin,
# /usr/lib and /etc; they vanish with the namespace. Needs root (or
# unprivileged user namespaces: then unshare -rm).
set -eu
PATH=$PATH:/usr/sbin:/sbin
usage="usage: mkinitrd-dracut.sh CACHE OUT [CONFIG|none]"
cache=${1:?$usage}
out=${2:?$usage}
config=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)

command -v dracut > /dev/null || "$top/scripts/install-deps.sh" generators
kver="" work="" # set by stage (with kroot, used inside mkinitrd-lib.sh)
# shellcheck source=tests/qemu/mkinitrd-lib.sh
. "$top/tests/qemu/mkinitrd-lib.sh"
stage dracut "$cache" "$config"

set -- --force "--${DRACUT_HOSTONLY:-no-hostonly}" --kver "$kver" --tmpdir "$work" \
	--add-drivers "${RIG_DRIVERS-xhci_pci snd_hda_intel bochs}"
case ${DRACUT_MODE:-systemd} in
shell) set -- "$@" --omit "systemd systemd-initrd dracut-systemd" ;;
systemd) ;;
*) echo "mkinitrd-dracut: DRACUT_MODE is systemd or shell" >&2; exit 2 ;;
esac
case $out in
*.cpio) set -- "$@" --no-compress ;;
esac
# shellcheck disable=SC2086 # DRACUT_ARGS is a list of arguments
set -- "$@" ${DRACUT_ARGS:-} "$work/image"

{
	echo 'set -eu'
	# shellcheck disable=SC2016 # expands in the inner shell
	echo 'ovl() { mount -t overlay vfio-early-test -o "lowerdir=$1" "$2"; }'
	printf 'ovl "%s" /usr/sbin\n' "$work/stage/usr/sbin:/usr/sbin"
	printf 'ovl "%s" /etc\n' "$work/etc:/etc"
	usrlib_lines
	printf 'exec dracut'
	for a in "$@"; do printf " '%s'" "$a"; done
	echo
} > "$work/inner.sh"
start=$(date +%s)
in_namespace "$work/inner.sh"
cp "$work/image" "$out"
echo "mkinitrd-dracut: $out ($kver, ${DRACUT_MODE:-systemd}) built in $(($(date +%s) - start)) s" >&2
