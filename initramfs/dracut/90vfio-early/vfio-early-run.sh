#!/bin/sh
# /usr/lib/vfio-early/vfio-early-run in a dracut image: runs the vfio-early boot
# helper once, from vfio-early.service (systemd-based image) or from the cmdline
# hook vfio-early.sh (shell-based image). Loads vfio_early.ko first when the image
# gives it rules. The helper is stopped after 30 s: a boot never waits longer.
# Exit status: the helper's (0 all done, 1 not everything, 2 usage), 124, 137 or
# 143 when it was stopped.
[ -x /usr/sbin/vfio-early ] || exit 0
[ -f /etc/vfio-early.conf ] || exit 0
limit=30

# Rules for the module: an "options vfio_early ... bind=" line or vfio_early.bind= on the
# command line (kmod and the kernel read '-' and '_' alike in a module's name). Without them
# it is not loaded: its bind= is read only once loaded. The shell alone reads them: a
# host-only image (Fedora's default) has no grep.
vfe_kmod_rules() {
    read -r vfe_cmdline < /proc/cmdline || :
    case " $vfe_cmdline " in
        *" vfio_early.bind="* | *" vfio-early.bind="*) return 0 ;;
    esac
    for vfe_f in /etc/modprobe.d/*.conf /lib/modprobe.d/*.conf /usr/lib/modprobe.d/*.conf; do
        [ -f "$vfe_f" ] || continue
        # (a last line without its newline too)
        while read -r vfe_w1 vfe_w2 vfe_rest || [ -n "$vfe_w1" ]; do
            [ "$vfe_w1" = options ] || continue
            case $vfe_w2 in vfio_early | vfio-early) ;; *) continue ;; esac
            case " $vfe_rest" in *" bind="* | *"	bind="*) return 0 ;; esac
        done < "$vfe_f"
    done
    return 1
}

# vfe_bounded SECONDS: runs the helper, stopped after SECONDS; its exit status.
# stderr is the console here, where a copy of its log would be noise.
vfe_bounded() {
    if command -v timeout > /dev/null 2>&1; then
        timeout "$1" /usr/sbin/vfio-early 2> /dev/null
        return
    fi
    /usr/sbin/vfio-early 2> /dev/null &
    vfe_pid=$!
    (
        trap 'kill "$vfe_sleep" 2> /dev/null; exit 0' TERM
        sleep "$1" &
        vfe_sleep=$!
        wait "$vfe_sleep" && kill -KILL "$vfe_pid" 2> /dev/null
    ) &
    vfe_watch=$!
    wait "$vfe_pid"
    vfe_st=$?
    kill "$vfe_watch" 2> /dev/null
    wait "$vfe_watch" 2> /dev/null
    return "$vfe_st"
}

vfe_kmod_rules && modprobe -q vfio_early 2> /dev/null
vfe_bounded "$limit"
