#!/bin/sh
# make demo: boots the emulated seed rig (DESIGN.md section 8) twice with a real
# initramfs image, without vfio-early (vfio_early.off) and with it, and shows
# which driver every interesting device ended on.
# Usage: tests/qemu/demo.sh BUILD_DIR        (BUILD_DIR holds vfio-early; run make first)
# Environment:
#   DEMO_GENERATOR  initramfs-tools (default; busybox when its builder is absent),
#                   dracut or busybox
#   CACHE           download and image cache (default: .cache of the work tree)
# Needs: scripts/install-deps.sh build qemu generators (the make target runs it).
# Exit status 0 when the card and the USB controller went to vfio-pci and the
# twin host controller stayed on xhci_hcd, 1 otherwise.
set -eu
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
RIG_TOP=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/rig-lib.sh
. "$RIG_TOP/tests/qemu/rig-lib.sh"
rig_dirs "${1:?usage: tests/qemu/demo.sh BUILD_DIR}" demo

gen=${DEMO_GENERATOR:-initramfs-tools}
if ! rig_available "$gen"; then
	rig_say "no builder for $gen images: using the busybox image"
	gen=busybox
fi
rm -rf "$RIG_WORK"
mkdir -p "$RIG_WORK"
rig_say "fetching the kernel (cached after the first run)"
rig_setup
rig_say "building the $gen image with vfio-early in it (cached; a few minutes the first time)"
rig_image "$gen"
image=$RIG_IMAGE

# The same image and config in both boots; only the command line differs.
for run in without with; do
	d=$RIG_WORK/$run
	how=end
	rig_overlay "$gen" "$d/ovl" "$RIG_UNPACKED" "$how"
	mkdir -p "$d/ovl/etc/rig"
	printf '%s\n' "$RIG_CONF_ALL" > "$d/ovl/etc/vfio-early.conf"
	printf '0000:04:00.0\n0000:03:00.0\n' > "$d/ovl/etc/rig/client"
	chmod 0755 "$d/ovl/etc" "$d/ovl/etc/rig"
	chmod 0644 "$d/ovl/etc/vfio-early.conf" "$d/ovl/etc/rig/client"
done
rig_say "booting the rig twice under QEMU (TCG), side by side: vfio_early.off, then as installed"
# shellcheck disable=SC2046 # rig_cmdline prints a list of parameters
rig_boot "$image" "$RIG_WORK/without/ovl" "$RIG_WORK/without/serial.log" $(rig_cmdline "$gen") vfio_early.off &
p1=$!
# shellcheck disable=SC2046
rig_boot "$image" "$RIG_WORK/with/ovl" "$RIG_WORK/with/serial.log" $(rig_cmdline "$gen") &
p2=$!
s1=0 s2=0
wait "$p1" || s1=$?
wait "$p2" || s2=$?
without=$RIG_WORK/without/serial.log.txt
with=$RIG_WORK/with/serial.log.txt
for f in "$without" "$with"; do
	grep -q '^RIG-END ' "$f" 2>/dev/null && continue
	rig_say "a boot did not reach the end of the initramfs (status $s1/$s2); see ${f%.txt}"
	exit 1
done

# The device's name from pci.ids (the guest has no lspci); the class name when
# pci.ids does not know the device (QEMU's VGA, 1234:1111).
ids=""
for f in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids /usr/share/pci.ids; do
	[ -f "$f" ] && { ids=$f; break; }
done
name_of() { # name_of VVVV DDDD CCCCCC
	[ -n "$ids" ] || { echo "class $3"; return; }
	awk -v v="$1" -v d="$2" -v c="$(echo "$3" | cut -c1-2)" -v s="$(echo "$3" | cut -c3-4)" '
		/^#/ { next }
		/^C / { cls = ($2 == c); invendor = 0; next }
		/^[0-9a-f]/ { invendor = ($1 == v); if (invendor) vname = substr($0, 7); cls = 0; next }
		invendor && /^\t[0-9a-f]/ && substr($0, 2, 4) == d { dname = substr($0, 8) }
		cls && /^\t[0-9a-f]/ && substr($0, 2, 2) == s { sname = substr($0, 6) }
		END {
			if (dname != "") print vname " " dname
			else if (sname != "") print sname ", not in pci.ids"
			else print "unknown device"
		}' "$ids"
}
roles="00:04.0=the host's own USB, twin of the card's
03:00.0=VM's GPU: VGA, boot VGA
03:00.1=VM's GPU: HDMI audio
03:00.2=VM's GPU: USB
04:00.0=VM's USB card, the VL805 stand-in"

ok=1
echo
kind="Debian's kernel"
[ "${RIG_KERNEL_SUITE:-}" = builtin ] && kind="the kernel built from Debian's source with vfio-pci built in,"
echo "vfio-early demo: $kind $RIG_KVER under QEMU (TCG), the seed's rig, a real $gen image"
echo "/etc/vfio-early.conf:"
printf '%s\n' "$RIG_CONF_ALL" | sed '/^#/d; s/^/    /'
echo
printf '%-8s %-10s %-19s %-16s %s\n' slot id "without vfio-early" "with vfio-early" "device [role in the seed's setup]"
printf '%-8s %-10s %-19s %-16s %s\n' ------- --------- ------------------ --------------- \
	------------------------------------------------------------
for pair in $RIG_HOST_DRIVERS; do
	slot=${pair%%=*} host=${pair#*=}
	idc=$(rig_ids "$with" "$slot")
	id=${idc%% *} class=${idc#* }
	[ -n "$idc" ] || { id="?:?" class=000000; }
	name=$(name_of "${id%%:*}" "${id#*:}" "$class")
	role=$(printf '%s\n' "$roles" | sed -n "s/^$slot=//p")
	a=$(rig_drv "$without" "$slot")
	b=$(rig_drv "$with" "$slot")
	printf '%-8s %-10s %-19s %-16s %s\n' "$slot" "$id" "$a" "$b" "$name [$role]"
	want=vfio-pci
	[ "$slot" != 00:04.0 ] || want=$host
	[ "$b" = "$want" ] || ok=0
	[ "$a" = "$host" ] || ok=0
done
echo
echo "without: $(rig_dmesg "$without" | sed -n 's/^\[ *[0-9.]*\] \(vfio-early: .*vfio_early.off.*\)/\1/p' | head -n 1)"
echo "with:    $(rig_summary "$with")"
sed -n 's/^RIG-CLIENT [^ ]* [0-9]* /VFIO client in the guest: /p' "$with"
us=$(rig_report_num "$with" duration_us)
[ -z "$us" ] || echo "the helper's own time (report duration_us): $(awk -v u="$us" 'BEGIN { printf "%.1f ms", u / 1000 }') in the emulated guest (QEMU TCG, no KVM; varies with the host's load)"
echo "serial logs: $RIG_WORK/without/serial.log, $RIG_WORK/with/serial.log"
if [ "$ok" = 1 ]; then
	echo "demo: OK: the card and the USB card are on vfio-pci, the twin host controller on xhci_hcd"
else
	echo "demo: FAILED: not every device is where it should be (see the table)"
	exit 1
fi
