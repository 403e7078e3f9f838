#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir, kernel, systemdsystemunitdir, dracutsysrootdir: set by dracut
# dracut module: the vfio-early boot helper, its configuration and the vfio
# modules. The helper runs before anything can load a host driver, in both of
# dracut's modes:
#   systemd-based image: vfio-early.service, ordered before
#     systemd-modules-load.service (modules-load.d, e.g. sound.conf),
#     dracut-pre-udev.service (rd.driver.pre=) and systemd-udevd.service;
#     it needs no dracut-systemd (an image without it still runs the helper);
#   shell-based image (init.sh): cmdline hook 00, before 90kernel-modules'
#     cmdline hook 01 (parse-kernel.sh), which loads rd.driver.pre= modules.
# The kernel-assisted mode (vfio_early.ko) goes in only with its rules: the
# "options vfio_early bind=" lines go in too (dracut copies /etc/modprobe.d
# only in hostonly mode, and bind= is read only once the module is loaded).
# Without /etc/vfio-early.conf nothing is bound: the image then carries no
# vfio_early options left by an earlier "vfio-earlyctl apply", and its
# /etc/modprobe.d/00-vfio-early.conf keeps vfio_early.ko from loading.

# The modprobe.d files (host paths) that give vfio_early its bind= rules.
vfe_options_files() {
    local f
    for f in "$dracutsysrootdir"/etc/modprobe.d/*.conf "$dracutsysrootdir"/lib/modprobe.d/*.conf \
        "$dracutsysrootdir"/usr/lib/modprobe.d/*.conf; do
        [[ -f $f ]] || continue
        grep -qE '^[[:space:]]*options[[:space:]]+vfio_early[[:space:]].*bind=' "$f" &&
            echo "${f#"$dracutsysrootdir"}"
    done
}

# called by dracut
check() {
    require_binaries /usr/sbin/vfio-early || return 1
    [[ -f $dracutsysrootdir/etc/vfio-early.conf ]] && return 0
    # No config: in by default only to keep what an earlier apply left out of the image.
    [[ -f $dracutsysrootdir/etc/modprobe.d/00-vfio-early.conf ]] && return 0
    [[ -f $dracutsysrootdir/etc/modprobe.d/vfio-early.conf ]] && return 0
    return 255
}

# called by dracut
depends() {
    # modprobe and the kernel's module tree: vfio-pci, and vfio_early
    echo kernel-modules
    return 0
}

# called by dracut
installkernel() {
    [[ -f $dracutsysrootdir/etc/vfio-early.conf ]] || return 0
    # Not hostonly: vfio-pci is loaded by nobody on this host yet, and the
    # devices to bind are named by the configuration, not by what is in use.
    hostonly='' instmods vfio vfio_pci vfio_pci_core vfio_iommu_type1 vfio_virqfd irqbypass
    # kernel-assisted mode, when installed and given rules (instmods skips missing modules)
    [[ -n $(vfe_options_files) ]] && hostonly='' instmods vfio_early
    return 0
}

# called by dracut
install() {
    local f

    if [[ ! -f $dracutsysrootdir/etc/vfio-early.conf ]]; then
        # 90kernel-modules (it sorts first) copied /etc/modprobe.d in hostonly mode,
        # and a softdep there (an earlier apply's) pulls vfio_early.ko in with the
        # host drivers, also after this: no config, nothing bound, so the image's
        # vfio-early.conf keeps the module from loading at all.
        # (00-vfio-early.conf is apply's file: this replaces it in the image; the name
        # an older apply used goes when it is ours)
        mkdir -p "$initdir/etc/modprobe.d"
        f="$initdir/etc/modprobe.d/vfio-early.conf"
        [[ $(head -n 1 "$f" 2> /dev/null) == "# Written by vfio-earlyctl apply"* ]] && rm -f "$f"
        printf '%s\n' "# vfio-early: no /etc/vfio-early.conf when this image was made: nothing is bound" \
            "install vfio_early /bin/true" > "$initdir/etc/modprobe.d/00-vfio-early.conf"
        find "$initdir/lib/modules/$kernel" "$initdir/usr/lib/modules/$kernel" \
            -name 'vfio_early.ko*' -delete 2> /dev/null
        dwarning "vfio-early: /etc/vfio-early.conf not found: nothing is bound at boot; vfio_early's options are left out and the module cannot load"
        return 0
    fi
    inst_binary /usr/sbin/vfio-early
    # opened by the helper only when it loads vfio-pci (dlopen: not a dependency ldd sees);
    # dracut-install adds its own libraries
    inst_libdir_file "libkmod.so.2" ||
        dwarning "vfio-early: no libkmod.so.2: the helper cannot load vfio-pci at boot"
    inst_simple /etc/vfio-early.conf
    for f in $(vfe_options_files); do
        inst_simple "$f"
    done
    inst_multiple -o timeout
    inst_simple "$moddir/vfio-early-run.sh" /usr/lib/vfio-early/vfio-early-run
    if dracut_module_included systemd; then
        inst_simple "$moddir/vfio-early.service" "$systemdsystemunitdir/vfio-early.service"
        # enabled as systemctl would (WantedBy=sysinit.target), without needing systemctl here
        mkdir -p "$initdir$systemdsystemunitdir/sysinit.target.wants"
        ln_r "$systemdsystemunitdir/vfio-early.service" \
            "$systemdsystemunitdir/sysinit.target.wants/vfio-early.service"
    else
        inst_hook cmdline 00 "$moddir/vfio-early.sh"
        dracut_module_included base ||
            dwarning "vfio-early: neither systemd nor base (init.sh) is in the image: nothing runs the helper"
    fi
}
