#!/bin/sh
# dracut cmdline hook 00 of the shell-based image (sourced by init.sh, so it
# returns and never exits): hands the configured devices to vfio-pci before
# 90kernel-modules' cmdline hook 01 loads rd.driver.pre= modules, and before
# udevd. The systemd-based image runs the same from vfio-early.service. The
# helper logs to /dev/kmsg itself; its exit status never stops the boot.

# shellcheck source=/dev/null # in the image only
type warn > /dev/null 2>&1 || . /lib/dracut-lib.sh

vfio_early_run() {
    /usr/lib/vfio-early/vfio-early-run
    case $? in
        0) ;;
        1) warn "vfio-early: not everything was done, see the kernel log" ;;
        124 | 137 | 143) warn "vfio-early: the helper was stopped after 30 s, see the kernel log" ;;
        *) warn "vfio-early: the helper failed, see the kernel log" ;;
    esac
    return 0
}

vfio_early_run
unset -f vfio_early_run
