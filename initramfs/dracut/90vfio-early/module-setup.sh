#!/bin/bash
# shellcheck disable=SC2154 # moddir and dracutsysrootdir are set by dracut
# dracut module: the vfio-early boot helper, its configuration and the vfio
# modules, run from a pre-udev hook. That hook runs before udevd starts in both
# of dracut's modes: sourced by init.sh in the shell-based image, and by
# dracut-pre-udev.service (Before=systemd-udevd.service) in the systemd one.

# called by dracut
check() {
    require_binaries /usr/sbin/vfio-early || return 1
    # Without a configuration there is nothing to do at boot: include the
    # module only when asked for (--add vfio-early).
    [[ -f $dracutsysrootdir/etc/vfio-early.conf ]] || return 255
    return 0
}

# called by dracut
depends() {
    return 0
}

# called by dracut
installkernel() {
    # Not hostonly: vfio-pci is loaded by nobody on this host yet, and the
    # devices to bind are named by the configuration, not by what is in use.
    hostonly='' instmods vfio vfio_pci vfio_pci_core vfio_iommu_type1 vfio_virqfd irqbypass
    # kernel-assisted mode, when installed (instmods skips missing modules)
    hostonly='' instmods vfio_early
}

# called by dracut
install() {
    inst_binary /usr/sbin/vfio-early
    if [[ -f $dracutsysrootdir/etc/vfio-early.conf ]]; then
        inst_simple /etc/vfio-early.conf
    else
        dwarning "vfio-early: /etc/vfio-early.conf not found; the helper will bind nothing"
    fi
    inst_hook pre-udev 00 "$moddir/vfio-early.sh"
}
