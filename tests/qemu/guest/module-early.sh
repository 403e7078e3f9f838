#!/bin/sh
# /early.sh of the kernel-assisted-mode boots (tests/qemu/module-tests.sh): runs
# before /init loads any host driver, where an initramfs hook would load the module.
# kmod's modprobe (in the image as /kmod/modprobe, as initramfs-tools ships it) adds
# the vfio_early.* switches of /proc/cmdline, valueless ones (vfio_early.off) too.
# The image's module index predates our module (in /lib/modules/VER/extra): redo it.
echo "VFE-EARLY $(cut -d' ' -f1 /proc/uptime)"
/kmod/depmod || echo "VFE: FAIL modprobe: depmod failed"
if /kmod/modprobe vfio_early; then
	echo "VFE-LOADED $(cut -d' ' -f1 /proc/uptime)"
else
	echo "VFE: FAIL modprobe: modprobe vfio_early failed"
fi
