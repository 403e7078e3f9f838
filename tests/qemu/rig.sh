#!/bin/sh
# Boot the emulated seed rig of DESIGN.md section 8 under QEMU (TCG, no KVM).
# Usage: tests/qemu/rig.sh KERNEL INITRD SERIAL_LOG [EXTRA_CMDLINE...]
#        KERNEL "-": no kernel handed over; the firmware (SeaBIOS) boots the disks given in
#        RIG_QEMU, GRUB and all (INITRD and EXTRA_CMDLINE are then not used)
# Environment:
#   RIG_TIMEOUT  seconds before the guest is killed (default 120); exit status 124 then
#   RIG_MEM      guest memory in MiB (default 1024)
#   RIG_SMP      guest CPUs (default 1)
#   RIG_NUMA     2: two NUMA nodes, each with half the CPUs and half the memory
#                (default: one node)
#   RIG_LAYOUT   usb-moved: the VL805 stand-in sits behind a third root port
#                (00:1e.0, bus 05) and the second root port is left empty, as when
#                a user moves the card to another slot (default: as drawn below)
#   RIG_QEMU     extra QEMU arguments appended as is (word-split)
#   RIG_PRINT=1  print the QEMU command line on stderr before running it
#   RIG_KEYS     a FIFO path: what is written to it reaches the guest's ttyS0 as typed
#                keys (GRUB's menu on a serial terminal); the output still goes to SERIAL_LOG
# The guest's serial console (ttyS0) goes to SERIAL_LOG; QEMU's own messages to
# SERIAL_LOG.qemu; the QEMU command line (shell-quoted) to SERIAL_LOG.cmd. The guest
# powers off at the end (-no-reboot turns a panic's reboot into an exit too). Exit status:
# QEMU's (the guest is booted once more when QEMU itself crashed), 124 on timeout, 3 on a
# guest kernel panic.
#
# PCI topology (as the guest sees it):
#   00:04.0  qemu-xhci 1b36:000d            the host's own xHCI
#   00:1c.0  pcie-root-port -> 01:00.0 x3130 upstream -> 02:00.0 xio3130 downstream
#     03:00.0 VGA 1234:1111 (bochs, boot VGA), 03:00.1 ich9-intel-hda 8086:293e,
#     03:00.2 qemu-xhci 1b36:000d           the "GPU" and its functions
#   00:1d.0  pcie-root-port -> 04:00.0 qemu-xhci 1b36:000d   the VL805 stand-in
# IOMMU groups (kernel 6.1.0-56): the xio3130 ports have no ACS, so the downstream
# port 02:00.0 (pcieport) shares one group with 03:00.0, 03:00.1 and 03:00.2; the
# root ports, 01:00.0, 00:04.0 and 04:00.0 each have their own.
set -eu
kernel=${1:?usage: rig.sh KERNEL INITRD SERIAL_LOG [EXTRA_CMDLINE...]}
initrd=${2:?usage: rig.sh KERNEL INITRD SERIAL_LOG [EXTRA_CMDLINE...]}
log=${3:?usage: rig.sh KERNEL INITRD SERIAL_LOG [EXTRA_CMDLINE...]}
shift 3
cmdline="console=ttyS0 intel_iommu=on panic=-1 quiet${*:+ $*}"

mem=${RIG_MEM:-1024} smp=${RIG_SMP:-1}
card="-device qemu-xhci,bus=rp2"
case ${RIG_LAYOUT:-} in
"") ;;
usb-moved) card="-device pcie-root-port,id=rp3,chassis=4,slot=3,addr=0x1e -device qemu-xhci,bus=rp3" ;;
*) echo "rig: unknown RIG_LAYOUT ${RIG_LAYOUT}" >&2; exit 2 ;;
esac
numa=""
case ${RIG_NUMA:-1} in
1) ;;
2)
	if [ "$smp" -lt 2 ] || [ $((smp % 2)) -ne 0 ]; then
		echo "rig: RIG_NUMA=2 needs an even RIG_SMP" >&2
		exit 2
	fi
	h=$((smp / 2))
	numa="-object memory-backend-ram,id=m0,size=$((mem / 2))M -numa node,nodeid=0,cpus=0-$((h - 1)),memdev=m0"
	numa="$numa -object memory-backend-ram,id=m1,size=$((mem - mem / 2))M -numa node,nodeid=1,cpus=$h-$((smp - 1)),memdev=m1"
	;;
*) echo "rig: RIG_NUMA is 1 or 2" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # card and numa are lists of arguments
set -- qemu-system-x86_64 \
	-M q35 -accel tcg -cpu max -smp "$smp" -m "$mem" $numa \
	-device intel-iommu,intremap=on \
	-device qemu-xhci,id=hostusb,bus=pcie.0,addr=0x4 \
	-device pcie-root-port,id=rp1,chassis=1,slot=1,addr=0x1c \
	-device x3130-upstream,id=up1,bus=rp1 \
	-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 \
	-device VGA,bus=dn1,addr=00.0,multifunction=on \
	-device ich9-intel-hda,bus=dn1,addr=00.1 \
	-device qemu-xhci,bus=dn1,addr=00.2 \
	-device pcie-root-port,id=rp2,chassis=3,slot=2,addr=0x1d \
	$card \
	-display none -vga none -nodefaults -no-reboot -monitor none
if [ -n "${RIG_KEYS:-}" ]; then
	# QEMU's pipe backend: it reads PATH.in and writes PATH.out
	rm -f "$log.pipe.in" "$log.pipe.out" "$RIG_KEYS"
	mkfifo "$log.pipe.in" "$log.pipe.out"
	ln -s "$log.pipe.in" "$RIG_KEYS"
	set -- "$@" -chardev "pipe,id=ser0,path=$log.pipe" -serial chardev:ser0
else
	set -- "$@" -serial "file:$log"
fi
[ "$kernel" = - ] || set -- "$@" -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
# shellcheck disable=SC2086 # RIG_QEMU is a list of arguments
[ -z "${RIG_QEMU:-}" ] || set -- "$@" $RIG_QEMU
for a in "$@"; do # a shell-quoted copy of the command, for logs and fixture headers
	case $a in
	*[!A-Za-z0-9_./:=,+-]*) printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\''/g")" ;;
	*) printf '%s ' "$a" ;;
	esac
done | sed 's/ $//' > "$log.cmd"
echo >> "$log.cmd"
[ "${RIG_PRINT:-0}" = 1 ] && cat "$log.cmd" >&2
run() {
	: > "$log"
	reader=""
	if [ -n "${RIG_KEYS:-}" ]; then
		cat "$log.pipe.out" > "$log" &
		reader=$!
	fi
	status=0
	timeout -k 5 "${RIG_TIMEOUT:-120}" "$@" > "$log.qemu" 2>&1 < /dev/null || status=$?
	[ -z "$reader" ] || wait "$reader" || :
}
run "$@"
# QEMU itself crashing (7.2's TCG has, rarely, with -numa and the IOMMU: SIGSEGV once in
# some hundred boots) says nothing about the guest: keep that boot's logs and boot once
# more, saying so. A timeout (124, 137) or any other status is the guest's and stands.
case $status in
132 | 134 | 135 | 136 | 139)
	echo "rig: qemu crashed (signal $((status - 128))); its logs are $log.crashed*; booting once more" >&2
	mv "$log" "$log.crashed" && mv "$log.qemu" "$log.crashed.qemu"
	run "$@"
	;;
esac
[ "$status" -eq 0 ] || { echo "rig: qemu exited with $status (see $log, $log.qemu)" >&2; cat "$log.qemu" >&2; }
# A panic also ends in a clean exit (panic=-1 with -no-reboot): tell it apart.
if [ "$status" -eq 0 ] && grep -aq 'Kernel panic - not syncing' "$log"; then
	echo "rig: guest kernel panic (see $log)" >&2
	status=3
fi
exit "$status"
