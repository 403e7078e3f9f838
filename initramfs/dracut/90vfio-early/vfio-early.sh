#!/bin/sh
# dracut pre-udev hook (sourced, so it returns and never exits): hands the
# configured devices to vfio-pci before udevd loads any host driver. The helper
# logs to /dev/kmsg itself; its exit status never stops the boot.

# shellcheck source=/dev/null # in the image only
type warn > /dev/null 2>&1 || . /lib/dracut-lib.sh

vfio_early_run() {
    [ -x /usr/sbin/vfio-early ] || return 0
    [ -f /etc/vfio-early.conf ] || return 0
    # kernel-assisted mode first, when installed: it catches devices that appear later
    modprobe -q vfio_early 2>/dev/null || :
    # its log goes to /dev/kmsg; a copy on the console (stderr) would be noise
    /usr/sbin/vfio-early 2>/dev/null
    case $? in
        0) ;;
        1) warn "vfio-early: not everything was done, see the kernel log" ;;
        *) warn "vfio-early: the helper failed, see the kernel log" ;;
    esac
    return 0
}

vfio_early_run
unset -f vfio_early_run
