#!/bin/sh
# The rig of tests/qemu/rig.sh plus two empty, hot-plug capable PCIe root ports
# and a QEMU human monitor on a pair of FIFOs, so a test can device_add into the
# running guest without any extra tool.
# Usage: tests/qemu/rig-hotplug.sh MONITOR KERNEL INITRD SERIAL_LOG [EXTRA_CMDLINE...]
#   MONITOR  path prefix of the monitor FIFOs: created here as MONITOR.in (commands
#            written to it reach the monitor) and MONITOR.out (its answers: keep it
#            drained, e.g. cat MONITOR.out > MONITOR.log &)
# Environment: as tests/qemu/rig.sh (RIG_QEMU is kept and extended).
#
# Extra slots, after every slot of rig.sh so no bus number there changes:
#   00:1e.0 pcie-root-port id=hp1 -> bus 05, empty: device_add ...,bus=hp1 -> 05:00.0
#   00:1e.1 pcie-root-port id=hp2 -> bus 06, empty: device_add ...,bus=hp2 -> 06:00.0
# e.g.  echo 'device_add qemu-xhci,bus=hp1,id=plugged1' > MONITOR.in
set -eu
mon=${1:?usage: rig-hotplug.sh MONITOR KERNEL INITRD SERIAL_LOG [EXTRA_CMDLINE...]}
shift
for f in "$mon.in" "$mon.out"; do
	[ -p "$f" ] || { rm -f "$f"; mkfifo "$f"; }
done
RIG_QEMU="${RIG_QEMU:-} -device pcie-root-port,id=hp1,chassis=4,slot=4,addr=0x1e.0,multifunction=on
	-device pcie-root-port,id=hp2,chassis=5,slot=5,addr=0x1e.1
	-chardev pipe,id=hpmon,path=$mon -mon chardev=hpmon,mode=readline"
export RIG_QEMU
exec "$(dirname "$0")/rig.sh" "$@"
