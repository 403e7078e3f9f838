#!/bin/sh
# Real-kernel scenarios of vfio-early (issue 3, items 6 and 7): boots the emulated
# seed rig (DESIGN.md section 8) under QEMU with each kind of initramfs and
# checks, from the serial log of each boot, which driver every device ended on,
# what the helper reported and what the kernel logged.
#
# Usage: tests/qemu/scenarios.sh BUILD_DIR      (BUILD_DIR holds vfio-early, e.g. build)
# Environment:
#   GENERATORS  image kinds to test (default: busybox initramfs-tools dracut; a kind
#               whose builder tests/qemu/mkinitrd-KIND.sh is absent is reported SKIP)
#   SCENARIOS   boots to run (default: all, see below; "none": only the boot-cost boots)
#   JOBS        QEMUs at once for the scenarios (default 2)
#   COST_RUNS   boot-cost pairs per generator (default 1; 0: no boot-cost boots, and
#               no no-helper check)
#   COST_ICOUNT QEMU -icount option of the boot-cost boots (default shift=0,sleep=off:
#               the guest clock counts one nanosecond per instruction, so the
#               kernel's timestamps hardly depend on the host's load; "off": real time)
#   CACHE       download and image cache (default: .cache of the work tree)
#   RIG_TIMEOUT seconds before a hung guest is killed (default 150)
# Output: one line per check, "PASS: <generator>: <scenario>" or
# "FAIL: <generator>: <scenario>: <why>", then the boot-cost table. Exit status 1
# when any check failed. Logs stay in CACHE/rig/scenarios/<generator>/.
#
# Images are built once and cached (rebuilt when the helper, a builder or the
# initramfs scripts change); each boot lays a small archive over its image (see
# tests/qemu/rig-lib.sh) and passes switches on the kernel command line.
#
# Boots (each on every generator):
#   bind-all       the four targets on vfio-pci, 00:04.0 on xhci_hcd, no host driver
#                  ever probed a target; also "vfio-client": the VFIO client reads
#                  04:00.0 (group 7) and 03:00.0 (group 6, with its bridge) through VFIO;
#                  and "vfio-cdev": where the kernel has VFIO_DEVICE_CDEV, it reads them
#                  again through /dev/vfio/devices/vfioN and iommufd (SKIP elsewhere)
#   off            vfio_early.off: everything on its host driver
#   skip           vfio_early.skip=0000:04:00.0: that slot on xhci_hcd, the rest bound
#   wrong-id       04:00.0 configured as 1106:3483: left to xhci_hcd, the rest bound
#   broken-config  an unknown directive: nothing bound, the boot reaches its end
#   already-bound  xhci_pci loaded before the helper: 03:00.2 and 04:00.0 unbound
#                  from xhci_hcd and handed to vfio-pci
#   no-vfio        vfio-pci cannot be loaded (busybox: an image without it; real
#                  generators: module_blacklist=vfio_pci; vfio-pci built in:
#                  initcall_blacklist=vfio_pci_init, a driver that never registered):
#                  overrides cleared, host drivers take the devices, the boot goes on
#   no-libkmod     (busybox) vfio-pci a module, and libkmod.so.2, which the helper opens
#                  only to load it, missing from the image (a link to nowhere laid over
#                  it): the helper says so, clears its overrides, the boot goes on
# and on the busybox image only (the image is the rig's "installed system": it
# carries vfio-earlyctl; the other images add nothing to what these test):
#   ctl-status     vfio-earlyctl status after the boot: every target on vfio-pci,
#                  exit 0, in words and in --json; vfio-earlyctl list on the real
#                  bus: the groups, the configured marks, and the USB keyboard
#                  behind the host's own controller
#   moved          three boots: vfio-earlyctl apply on the rig as it is (it records
#                  the bus); "moved-check": the VL805 stand-in moved to another root
#                  port (RIG_LAYOUT=usb-moved, 04:00.0 -> 05:00.0), the helper binds
#                  nothing in its place and leaves 05:00.0 to xhci_hcd, check reports
#                  the move (not the identical host controller at 00:04.0),
#                  regenerate rewrites the bind line and applies; "moved-next" boots
#                  with the regenerated config: 05:00.0 on vfio-pci, status exits 0
#   tuning         -smp 4 -m 2048, nvme loaded before the helper (managed IRQs),
#                  hugepages 2M 128 and vm-cpus 2-3: the pages reserved, the
#                  default and workqueue masks and every movable IRQ on CPUs 0-1,
#                  the managed ones counted and the boot going on; status names the
#                  missing isolation; vfio-earlyctl apply in the guest writes the
#                  command line and libvirt-xml the domain parts (validated on the
#                  host by virt-xml-validate); then "tuning-next" boots with that
#                  command line: status verifies every value and exits 0
#   tuning-numa    two NUMA nodes, hugepages 2M 64@0 32@1: the pages per node
# then COST_RUNS pairs of boot-cost boots (issue 3 item 7), each also checked:
#   no-helper      our initramfs script replaced by a no-op: everything on its host
#                  driver, no vfio-early line in the kernel log
#   bind-all@costN as bind-all, without the VFIO client
# and, without a boot, "order" for the real generators: the image runs our script
# before udev (initramfs-tools' init-top ORDER; dracut's pre-udev hook); and
# "check-image": vfio-earlyctl check finds the helper and the config in the real
# image, and notices when the config on disk is not the one inside.
set -eu
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
RIG_TOP=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/rig-lib.sh
. "$RIG_TOP/tests/qemu/rig-lib.sh"
rig_dirs "${1:?usage: tests/qemu/scenarios.sh BUILD_DIR}" scenarios

GENERATORS=${GENERATORS:-busybox initramfs-tools dracut}
SCENARIOS=${SCENARIOS:-bind-all off skip wrong-id broken-config already-bound no-vfio no-libkmod ctl-status moved tuning tuning-numa log-burst}
# Boots that run on the busybox image only (see above).
BUSYBOX_ONLY="no-libkmod ctl-status moved tuning tuning-numa log-burst"
RIG_TUNING_QEMU="-blockdev null-co,node-name=nv0,size=67108864 -device nvme,drive=nv0,serial=rig0,bus=pcie.0,addr=0x5"
RIG_CONF_TUNING="$RIG_CONF_ALL
hugepages 2M 128
vm-cpus 2-3"
JOBS=${JOBS:-2}
COST_RUNS=${COST_RUNS:-1}
COST_ICOUNT=${COST_ICOUNT:-shift=0,sleep=off}
[ "$SCENARIOS" != none ] || SCENARIOS=""
t_start=$(date +%s)
failed=0
rig_qemu0=${RIG_QEMU:-}

pass() { echo "PASS: $1: $2"; }
fail() {
	echo "FAIL: $1: $2: $3"
	failed=1
}

rm -rf "$RIG_WORK"
mkdir -p "$RIG_WORK"
rig_setup
# vfio-pci built into this kernel (as Ubuntu 22.04 builds it), decided by its modules.builtin
vfio_builtin=0
grep -q '/vfio-pci\.ko$' "$RIG_CACHE/kernel/lib/modules/$RIG_KVER/modules.builtin" 2>/dev/null && vfio_builtin=1

# ---- images ----
gens=""
for gen in $GENERATORS; do
	if rig_available "$gen"; then
		gens="$gens $gen"
	else
		echo "SKIP: $gen: no builder tests/qemu/mkinitrd-$gen.sh"
	fi
done
# The real generators take minutes: build them side by side.
t_img=$(date +%s)
bpids=""
for gen in $gens; do
	case $gen in
	busybox)
		rig_image busybox || fail busybox image "cannot build the image"
		case " $SCENARIOS " in
		*" no-vfio "*) [ "$vfio_builtin" = 1 ] ||
			rig_image busybox novfio || fail busybox image "cannot build the image without vfio" ;;
		esac
		;;
	*)
		(rig_image "$gen" > "$RIG_WORK/image-$gen.out" 2>&1) &
		bpids="$bpids $!:$gen"
		;;
	esac
done
for pg in $bpids; do
	if wait "${pg%%:*}"; then
		cat "$RIG_WORK/image-${pg#*:}.out" >&2
	else
		cat "$RIG_WORK/image-${pg#*:}.out" >&2
		fail "${pg#*:}" image "the image builder failed (see above)"
		gens=$(echo "$gens" | sed "s/ ${pg#*:}\$//; s/ ${pg#*:} / /")
	fi
done
t_img=$(($(date +%s) - t_img))

# ---- the static check: our script before udev ----
check_order() {
	gen=$1
	rig_use "$gen" || return 0
	unp=$RIG_UNPACKED
	why=""
	[ -x "$unp/usr/sbin/vfio-early" ] || why="no /usr/sbin/vfio-early in the image"
	[ -f "$unp/etc/vfio-early.conf" ] || why="${why:+$why; }no /etc/vfio-early.conf in the image"
	# (built in, vfio-pci is in the kernel, not in the image)
	[ "$vfio_builtin" = 1 ] ||
		find "$unp/lib/modules" "$unp/usr/lib/modules" -name 'vfio-pci.ko*' -o -name 'vfio_pci.ko*' 2>/dev/null |
		grep -q . || why="${why:+$why; }no vfio-pci module in the image"
	case $gen in
	initramfs-tools)
		order=$unp/scripts/init-top/ORDER
		ours=$(grep -n '^/scripts/init-top/00vfio-early ' "$order" | cut -d: -f1)
		udev=$(grep -n '^/scripts/init-top/udev ' "$order" | cut -d: -f1)
		if [ -z "$ours" ]; then
			why="${why:+$why; }00vfio-early is not in scripts/init-top/ORDER"
		elif [ -z "$udev" ]; then
			why="${why:+$why; }udev is not in scripts/init-top/ORDER"
		elif [ "$ours" -gt "$udev" ]; then
			why="${why:+$why; }00vfio-early runs after udev in scripts/init-top/ORDER"
		fi
		[ -x "$unp/scripts/init-top/00vfio-early" ] || why="${why:+$why; }scripts/init-top/00vfio-early missing"
		;;
	dracut)
		if hook=$(rig_dracut_hook "$unp"); then
			grep -q vfio-early "$unp$hook" || why="${why:+$why; }$hook does not run vfio-early"
		else
			why="${why:+$why; }nothing runs vfio-early (no runner, no pre-udev hook)"
		fi
		# Our unit runs the helper before modules-load.d and udevd (issue 12 item 5).
		ounit=$unp/usr/lib/systemd/system/vfio-early.service
		if [ -f "$ounit" ] && ! grep -q '^Before=.*systemd-modules-load.service' "$ounit"; then
			why="${why:+$why; }vfio-early.service is not ordered before systemd-modules-load.service"
		fi
		# The systemd-based image runs pre-udev hooks from this unit.
		unit=$unp/usr/lib/systemd/system/dracut-pre-udev.service
		if [ -f "$unit" ] && ! grep -q '^Before=.*systemd-udevd.service' "$unit"; then
			why="${why:+$why; }dracut-pre-udev.service is not ordered before systemd-udevd.service"
		fi
		;;
	esac
	if [ -z "$why" ]; then pass "$gen" order; else fail "$gen" order "$why"; fi
}
# ---- vfio-earlyctl check looking into the real image ----
# The captured rig (build/rootfs/qemu-rig) with the image as its /boot/initrd.img and
# the config the image was built with: check lists the image and finds both inside;
# then the config changes and (with lsinitrd) check says the image is out of date.
check_image() {
	gen=$1
	rig_use "$gen" || return 0
	fix=$RIG_BUILD/rootfs/qemu-rig
	[ -d "$fix" ] || { echo "SKIP: $gen: check-image: no $fix (make unit builds it)"; return 0; }
	r=$RIG_WORK/$gen/check-image
	rm -rf "$r"
	mkdir -p "$RIG_WORK/$gen"
	cp -a "$fix" "$r"
	mkdir -p "$r/boot" "$r/etc"
	cp "${RIG_IMAGE%/*}/vfio-early.conf" "$r/etc/vfio-early.conf"
	touch -d '-1 hour' "$r/etc/vfio-early.conf"
	ln -s "${RIG_IMAGE%/*}/image.generated" "$r/boot/initrd.img-$RIG_KVER"
	why=""
	"$RIG_BUILD/vfio-earlyctl" --root "$r" check > "$r.out" 2>&1 || :
	grep -q "^ok    initramfs  .*initrd.img-$RIG_KVER holds the helper and" "$r.out" ||
		why="$(grep initramfs "$r.out" | tr '\n' ' '); "
	if command -v lsinitrd > /dev/null; then
		echo 'bind 04:00.0 1b36:000d' > "$r/etc/vfio-early.conf"
		touch -d '-1 hour' "$r/etc/vfio-early.conf"
		"$RIG_BUILD/vfio-earlyctl" --root "$r" check > "$r.out2" 2>&1 || :
		grep -q "^FIX   initramfs  the config inside .* is not " "$r.out2" ||
			why="${why}a changed config is not noticed: $(grep initramfs "$r.out2" | tr '\n' ' '); "
	fi
	if [ -z "$why" ]; then pass "$gen" check-image; else fail "$gen" check-image "${why%; }"; fi
}
for gen in $gens; do
	[ "$gen" = busybox ] || check_order "$gen"
	[ "$gen" = busybox ] || check_image "$gen"
done

# ---- the boots ----
# after CMD...: an /etc/rig/after.sh that runs each CMD in the guest, each output
# between "== CMD" and "== rc N" (read back with out_of).
after() {
	echo 'PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH'
	for c in "$@"; do
		printf 'echo "== %s"\n%s\necho "== rc $?"\n' "$c" "$c"
	done
}
# out_of LOG CMD: what CMD printed in the guest; rc_of LOG CMD: its exit status.
out_of() {
	sed -n 's/^RIG-OUT //p' "$1" | awk -v c="== $2" '$0 == c { on = 1; next } on && /^== rc / { exit } on'
}
rc_of() {
	sed -n 's/^RIG-OUT //p' "$1" | awk -v c="== $2" '$0 == c { on = 1; next } on && /^== rc / { print $3; exit }'
}
# setup GEN NAME DIR: the overlay of one boot in DIR; sets how, cmd and image.
setup() {
	gen=$1 name=$2 dir=$3
	how="end" cmd=$(rig_cmdline "$gen") variant=""
	mkdir -p "$dir/etc/rig"
	conf=$RIG_CONF_ALL
	case ${name%%@*} in # NAME@costN: a boot-cost boot, as NAME without the VFIO client
	bind-all) [ "$name" != bind-all ] || printf '0000:04:00.0\n0000:03:00.0\n' > "$dir/etc/rig/client" ;;
	off) cmd="$cmd vfio_early.off" ;;
	log-burst)
		# More devices not in place than the kernel's burst of 10 lines per open /dev/kmsg:
		# the rig's four targets and twelve empty slots.
		b=0000:03:00.0/1234:1111/allow-boot-vga,0000:03:00.1/8086:293e,0000:03:00.2/1b36:000d,0000:04:00.0/1b36:000d
		for bus in 40 41 42 43 44 45 46 47 48 49 4a 4b; do b="$b,$bus:00.0/1b36:000d"; done
		cmd="$cmd vfio_early.bind=$b"
		;;
	skip) cmd="$cmd vfio_early.skip=0000:04:00.0" ;;
	wrong-id) conf=$(printf '%s\n' "$conf" | sed 's/^bind 04:00.0 1b36:000d$/bind 04:00.0 1106:3483    # a VL805 was here/') ;;
	broken-config) conf=$(printf '%s\nhugepages 2M lots\n' "$conf") ;;
	already-bound) how="$how preload" ;;
	no-vfio)
		# vfio-pci built in (modules.builtin names it): no image can leave it out and no
		# module_blacklist= keeps it off; what "unavailable" means there is a driver
		# that never registered, as when its init fails: initcall_blacklist= of its init
		if [ "$vfio_builtin" = 1 ]; then
			cmd="$cmd initcall_blacklist=vfio_pci_init"
		elif [ "$gen" = busybox ]; then
			variant=novfio
		else
			cmd="$cmd module_blacklist=vfio_pci"
		fi
		;;
	no-helper) how="$how nohelper" ;;
	ctl-status)
		# A USB keyboard behind the host's own controller, for list to show.
		RIG_QEMU="${RIG_QEMU:-} -device usb-kbd,bus=hostusb.0"
		after 'vfio-earlyctl status' 'vfio-earlyctl status --json' 'vfio-earlyctl list' >"$dir/etc/rig/after.sh"
		;;
	moved)
		# Set up on the rig as it was: apply records the bus.
		after 'vfio-earlyctl apply --yes' 'cat /var/lib/vfio-early/slots' >"$dir/etc/rig/after.sh"
		;;
	moved-check)
		RIG_LAYOUT=usb-moved
		# The disk's /var/lib would keep the record across the reboot; the rig has no disk.
		mkdir -p "$dir/var/lib/vfio-early"
		cp "$RIG_WORK/$gen/moved/slots" "$dir/var/lib/vfio-early/slots" || return 1
		after 'vfio-earlyctl check' 'vfio-earlyctl regenerate --yes' 'cat /etc/vfio-early.conf' \
			>"$dir/etc/rig/after.sh"
		;;
	moved-next)
		RIG_LAYOUT=usb-moved
		conf=$(cat "$RIG_WORK/$gen/moved-check/regenerated.conf") || return 1
		after 'vfio-earlyctl status' >"$dir/etc/rig/after.sh"
		;;
	tuning | tuning-next | tuning-numa)
		RIG_SMP=4 RIG_MEM=2048
		RIG_QEMU="${RIG_QEMU:-} $RIG_TUNING_QEMU"
		how="$how nvme"
		conf=$RIG_CONF_TUNING
		# kernel-install's file, so that apply has a command line to write.
		mkdir -p "$dir/etc/kernel"
		echo quiet >"$dir/etc/kernel/cmdline"
		case $name in
		tuning)
			after 'vfio-earlyctl status' 'vfio-earlyctl apply --yes' 'cat /etc/kernel/cmdline' \
				'vfio-earlyctl libvirt-xml' >"$dir/etc/rig/after.sh"
			;;
		tuning-next)
			cmd="$cmd $(sed 's/^quiet *//' "$RIG_WORK/$gen/tuning/applied.cmdline")" || return 1
			after 'vfio-earlyctl status' 'vfio-earlyctl status --json' >"$dir/etc/rig/after.sh"
			;;
		tuning-numa)
			RIG_NUMA=2
			conf=$(printf '%s\n' "$conf" | sed 's/^hugepages .*/hugepages 2M 64@0 32@1/')
			after 'vfio-earlyctl status' >"$dir/etc/rig/after.sh"
			;;
		esac
		;;
	esac
	export RIG_QEMU RIG_LAYOUT RIG_SMP RIG_MEM RIG_NUMA
	printf '%s\n' "$conf" > "$dir/etc/vfio-early.conf"
	rig_use "$gen" $variant || { echo "no $gen image"; return 1; }
	image=$RIG_IMAGE
	rig_overlay "$gen" "$dir/ovl" "$RIG_UNPACKED" "$how" || return 1
	if [ "$name" = no-libkmod ]; then
		# where the image has it (for vfio-earlyctl): beside the helper's libc, as ldd says
		libdir=$(ldd "$RIG_BUILD/vfio-early" | sed -n 's/.*libc\.so\.6 => \(\/[^ ]*\)\/libc\.so\.6 .*/\1/p')
		[ -n "$libdir" ] || { echo "ldd does not name the helper's libc"; return 1; }
		mkdir -p "$dir/ovl$libdir"
		ln -s /nonexistent "$dir/ovl$libdir/libkmod.so.2"
	fi
	cp -R "$dir/etc" "$dir/ovl/"
	[ ! -d "$dir/var" ] || cp -R "$dir/var" "$dir/ovl/"
	chmod 0644 "$dir/ovl/etc/vfio-early.conf"
}

run_job() { # run_job GEN NAME (in the background)
	gen=$1 name=$2
	d=$RIG_WORK/$gen/$name
	rm -rf "$d"
	mkdir -p "$d"
	s=$(date +%s)
	st=0
	RIG_QEMU=$rig_qemu0 RIG_LAYOUT="" RIG_SMP="" RIG_MEM="" RIG_NUMA=""
	case $name in
	no-helper* | *@cost*)
		# Boot-cost boots: a guest clock that counts instructions, not host time.
		[ "$COST_ICOUNT" = off ] || RIG_QEMU="${RIG_QEMU:-} -icount $COST_ICOUNT"
		export RIG_QEMU
		;;
	esac
	if setup "$gen" "$name" "$d" > "$d/setup.log" 2>&1; then
		# shellcheck disable=SC2086 # cmd is a list of kernel parameters
		rig_boot "$image" "$d/ovl" "$d/serial.log" $cmd || st=$?
	else
		st=setup
	fi
	echo "$st" > "$d/status"
	echo "$(($(date +%s) - s))" > "$d/seconds"
	# A boot whose guest wrote what the next boot takes: that boot follows here.
	log=$d/serial.log.txt
	case $name in
	moved)
		out_of "$log" 'cat /var/lib/vfio-early/slots' > "$d/slots"
		[ -s "$d/slots" ] && run_job "$gen" moved-check
		;;
	moved-check)
		out_of "$log" 'cat /etc/vfio-early.conf' > "$d/regenerated.conf"
		[ -s "$d/regenerated.conf" ] && run_job "$gen" moved-next
		;;
	tuning)
		out_of "$log" 'cat /etc/kernel/cmdline' > "$d/applied.cmdline"
		out_of "$log" 'vfio-earlyctl libvirt-xml' > "$d/libvirt.xml"
		[ -s "$d/applied.cmdline" ] && run_job "$gen" tuning-next
		;;
	esac
	return 0
}

# expect LOG BOUND [PRELOADED]: every rig device on vfio-pci when its slot is in
# BOUND, else on its host driver; a slot on vfio-pci that is not PRELOADED must
# never have been probed by a host driver. Prints what is wrong.
expect() {
	log=$1 bound=$2 pre=${3:-}
	for pair in $RIG_HOST_DRIVERS; do
		slot=${pair%%=*} host=${pair#*=}
		want=$host
		case " $bound " in *" $slot "*) want=vfio-pci ;; esac
		got=$(rig_drv "$log" "$slot")
		[ "$got" = "$want" ] || printf '%s on %s, expected %s; ' "$slot" "$got" "$want"
		if [ "$want" = vfio-pci ]; then
			case " $pre " in *" $slot "*) continue ;; esac
			probes=$(rig_host_probes "$log" "$slot" | head -n 1)
			[ -z "$probes" ] || printf '%s was probed by a host driver: "%s"; ' "$slot" "$probes"
		fi
	done
}
# actions LOG "slot=action ...": the report's action per slot.
actions() {
	log=$1
	rig_report "$log" > "$log.report"
	for pair in $2; do
		slot=${pair%%=*} want=${pair#*=}
		got=$(awk -v s="0000:$slot" '$1 == s { print $2 }' "$log.report")
		[ "$got" = "$want" ] || printf 'report: %s %s, expected %s; ' "$slot" "${got:-absent}" "$want"
	done
}
kmsg_has() { # kmsg_has LOG ERE WHAT: says WHAT when the kernel log lacks ERE
	rig_dmesg "$1" | grep -Eq "$2" || printf '%s; ' "$3"
}

# ran_ok LOG CMD STATUS: says so when the guest's CMD did not exit with STATUS.
ran_ok() {
	r=$(rc_of "$1" "$2")
	[ "$r" = "$3" ] || printf '"%s" exited %s, expected %s: %s; ' "$2" "${r:-?}" "$3" \
		"$(out_of "$1" "$2" | grep -E 'ERROR|FIX|NOT|SHORT|REACHES' | head -n 3 | tr '\n' ' ')"
}
# moved_drivers LOG BOUND: the drivers on the usb-moved rig (the card at 05:00.0), BOUND
# among 05:00.0, the rest of the card always bound, the host's controller never.
moved_drivers() {
	for pair in 00:04.0=xhci_hcd 03:00.0=vfio-pci 03:00.1=vfio-pci 03:00.2=vfio-pci 05:00.0=xhci_hcd; do
		slot=${pair%%=*} want=${pair#*=}
		case " $2 " in *" $slot "*) want=vfio-pci ;; esac
		got=$(rig_drv "$1" "$slot")
		[ "$got" = "$want" ] || printf '%s on %s, expected %s; ' "$slot" "$got" "$want"
	done
	[ "$(rig_ids "$1" 04:00.0)" = "" ] || printf 'there is a device at 04:00.0; '
	case " $2 " in
	*" 05:00.0 "*) [ -z "$(rig_host_probes "$1" 05:00.0)" ] || printf '05:00.0 was probed by a host driver; ' ;;
	esac
}
rig_report_str() { # rig_report_str LOG KEY: a string of the report (the first one)
	sed -n '/^RIG-REPORT-BEGIN/,/^RIG-REPORT-END/p' "$1" | sed -n "s/.*\"$2\" *: *\"\([^\"]*\)\".*/\1/p" | head -n 1
}
# in_list N CPULIST: is N in the kernel-style list (0,2,30-33)?
in_list() {
	echo "$2" | tr ',' '\n' | awk -v n="$1" -F- 'NF == 1 && $1 == n { f = 1 } NF == 2 && n >= $1 && n <= $2 { f = 1 } END { exit !f }'
}
# tuned LOG HOST: the default and workqueue masks read back as HOST (0-1 = 3), and every
# IRQ that is not among those the helper reported as refused (managed or fixed) on HOST
# CPUs, those created after the helper ran as well.
tuned() {
	for m in default_smp_affinity workqueue; do
		v=$(sed -n "s/^RIG-MASK $m //p" "$1")
		[ "$v" = 3 ] || printf '%s is %s, expected 3 (CPUs %s); ' "$m" "$v" "$2"
	done
	refused=$(rig_report_str "$1" irqs_refused_list)
	sed -n 's/^RIG-IRQ //p' "$1" | while read -r irq aff _eff name; do
		! in_list "$irq" "$refused" || continue
		echo "$aff" | tr ',' '\n' | while IFS=- read -r lo hi; do
			[ "${hi:-$lo}" -le 1 ] || printf 'IRQ %s (%s) reaches CPUs %s; ' "$irq" "$name" "$aff"
		done | head -c 200
	done
}
# validate_xml FILE: libvirt-xml's parts in a whole domain, through libvirt's own schema.
validate_xml() {
	[ -s "$1" ] || { printf 'no libvirt-xml output; '; return 0; }
	command -v virt-xml-validate > /dev/null || { printf 'virt-xml-validate is missing (libvirt-clients); '; return 0; }
	{
		echo "<domain type='kvm'><name>rig</name><memory unit='MiB'>256</memory>"
		sed '/<hostdev/,$d' "$1"
		echo "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
		sed -n '/<hostdev/,$p' "$1"
		echo "</devices></domain>"
	} > "$1.domain"
	virt-xml-validate "$1.domain" domain > "$1.validate" 2>&1 ||
		printf 'libvirt-xml does not validate: %s; ' "$(head -n 3 "$1.validate" | tr '\n' ' ')"
}

check() { # check GEN NAME: prints PASS / FAIL lines for one boot
	gen=$1 name=$2
	d=$RIG_WORK/$gen/$name
	log=$d/serial.log.txt
	base=${name%%@*} # bind-all@cost1 is checked as bind-all
	st=$(cat "$d/status" 2>/dev/null || echo "?")
	if [ "$st" = setup ]; then
		fail "$gen" "$name" "could not prepare the boot: $(tail -n 3 "$d/setup.log" | tr '\n' ' ')"
		return 0
	fi
	if [ ! -f "$log" ] || ! grep -q '^RIG-END ' "$log"; then
		fail "$gen" "$name" "the boot did not reach the end of the initramfs (rig status $st; see $d/serial.log)"
		if [ "$name" = bind-all ]; then fail "$gen" vfio-client "no boot to run it in"; fi
		return 0
	fi
	grep -q '^RIG-POWEROFF' "$log" || {
		fail "$gen" "$name" "the guest did not finish its report (see $d/serial.log)"
		return 0
	}
	all="$RIG_TARGETS"
	act_all="03:00.0=bound 03:00.1=bound 03:00.2=bound 04:00.0=bound"
	case $base in
	bind-all)
		why=$(expect "$log" "$all")$(actions "$log" "$act_all")
		why=$why$(kmsg_has "$log" 'vfio-early: bound 4/4' 'no "vfio-early: bound 4/4" summary')
		;;
	off)
		why=$(expect "$log" "")
		why=$why$(kmsg_has "$log" 'vfio-early: .*vfio_early.off' 'no log line about vfio_early.off')
		[ "$(rig_report_num "$log" disabled)" = true ] || why="${why}report: disabled is not true; "
		;;
	log-burst)
		why=$(expect "$log" "$all")
		why=$why$(kmsg_has "$log" 'vfio-early: bound 4/16 \(12 skipped\)' 'no "vfio-early: bound 4/16 (12 skipped)" summary')
		why=$why$(kmsg_has "$log" 'vfio-early: skipped: 0000:40:00.0, 0000:41:00.0' 'the skipped slots are not named')
		! rig_dmesg "$log" | grep -q 'vfio-early: .*output lines suppressed' ||
			why="${why}the kernel suppressed lines of the helper; "
		;;
	skip)
		why=$(expect "$log" "03:00.0 03:00.1 03:00.2")
		why=$why$(actions "$log" "03:00.0=bound 03:00.1=bound 03:00.2=bound 04:00.0=skipped")
		;;
	wrong-id)
		why=$(expect "$log" "03:00.0 03:00.1 03:00.2")
		why=$why$(actions "$log" "03:00.0=bound 03:00.1=bound 03:00.2=bound 04:00.0=skipped")
		grep -q '^0000:04:00.0 skipped .*1106:3483.*1b36:000d' "$log.report" ||
			why="${why}report: 04:00.0 does not say it expected 1106:3483 and found 1b36:000d; "
		;;
	broken-config)
		why=$(expect "$log" "")
		why=$why$(kmsg_has "$log" 'vfio-early: .*line [0-9]+' 'no log line naming the bad config line')
		[ -z "$(rig_report "$log")" ] || why="${why}report lists devices although the config is bad; "
		;;
	already-bound)
		why=$(expect "$log" "$all" "03:00.2 04:00.0")$(actions "$log" "$act_all")
		for slot in 03:00.2 04:00.0; do
			before=$(awk -v s="0000:$slot" '$1 == s { print $3 }' "$log.report")
			[ "$before" = xhci_hcd ] || why="${why}report: $slot was on ${before:-nothing} before, expected xhci_hcd; "
		done
		;;
	no-vfio | no-libkmod)
		# vfio-pci cannot be had: every target failed, its override cleared
		why=$(expect "$log" "")
		why=$why$(actions "$log" "03:00.0=failed 03:00.1=failed 03:00.2=failed 04:00.0=failed")
		for slot in $all; do
			o=$(rig_override "$log" "$slot")
			[ "$o" = - ] || why="${why}$slot still has driver_override $o; "
		done
		if [ "$base" = no-libkmod ]; then
			why=$why$(kmsg_has "$log" 'vfio-early: .*vfio-pci unavailable: cannot open libkmod\.so\.2' \
				"the kernel log does not say that libkmod.so.2 is missing")
		fi
		;;
	no-helper)
		why=$(expect "$log" "")
		! rig_dmesg "$log" | grep -q 'vfio-early: ' || why="${why}the helper ran; "
		;;
	ctl-status)
		why=$(expect "$log" "$all")$(ran_ok "$log" 'vfio-earlyctl status' 0)
		for slot in $all; do
			out_of "$log" 'vfio-earlyctl status' | grep -Eq "^  0000:$slot +vfio-pci +ok\$" ||
				why="${why}status does not show $slot on vfio-pci; "
		done
		why=$why$(ran_ok "$log" 'vfio-earlyctl status --json' 0)
		j=$(out_of "$log" 'vfio-earlyctl status --json' | tr -d ' \n')
		[ "$(echo "$j" | grep -o '"on_vfio_pci":true' | wc -l)" = 4 ] &&
			! echo "$j" | grep -q '"on_vfio_pci":false' ||
			why="${why}status --json does not have the 4 targets on vfio-pci; "
		why=$why$(ran_ok "$log" 'vfio-earlyctl list' 0)
		out_of "$log" 'vfio-earlyctl list' > "$d/list.out"
		grep -Eq '^ +\*\[1234:1111\] \[R\] 03:00\.0 .*\(vfio-pci boot-VGA \[configured\]\)$' "$d/list.out" ||
			why="${why}list does not mark 03:00.0 (group 6, [R], boot VGA, configured); "
		grep -Eq '^Group 7: +\*\[1b36:000d\] \[R\] 04:00\.0 ' "$d/list.out" ||
			why="${why}list does not show 04:00.0 alone in group 7; "
		# The keyboard sits under the host's own controller, before the next group.
		awk '/^Group/ { host = / 00:04\.0 / } host && /USB: .*\[0627:0001\].*QEMU USB Keyboard/ { ok = 1 }
			END { exit !ok }' "$d/list.out" || why="${why}list does not show the USB keyboard behind 00:04.0; "
		;;
	moved)
		why=$(expect "$log" "$all")$(ran_ok "$log" 'vfio-earlyctl apply --yes' 0)
		for want in '0000:00:04.0 1b36:000d' '0000:04:00.0 1b36:000d'; do
			grep -qx "$want" "$d/slots" 2>/dev/null || why="${why}apply did not record $want; "
		done
		;;
	moved-check)
		# 05:00.0 is the moved card: nothing binds it before the config follows it.
		why=$(moved_drivers "$log" "")$(actions "$log" "03:00.0=bound 03:00.1=bound 03:00.2=bound 04:00.0=skipped")
		why=$why$(ran_ok "$log" 'vfio-earlyctl check' 1)
		for want in 'FIX   device     line 5: nothing at 0000:04:00.0; 1b36:000d is at ' \
			"FIX   device     line 5: the card moved to 0000:05:00: 'vfio-earlyctl regenerate' follows it"; do
			out_of "$log" 'vfio-earlyctl check' | grep -qF "$want" || why="${why}check does not say \"$want\"; "
		done
		why=$why$(ran_ok "$log" 'vfio-earlyctl regenerate --yes' 0)
		out_of "$log" 'vfio-earlyctl regenerate --yes' | grep -qxF 'moved: 0000:04:00.0 -> 0000:05:00.0 (1b36:000d)' ||
			why="${why}regenerate did not move 04:00.0 to 05:00.0; "
		want=$(printf '%s\n' "$RIG_CONF_ALL" | sed 's/^bind 04:00.0 /bind 0000:05:00.0 /')
		[ "$(cat "$d/regenerated.conf")" = "$want" ] ||
			why="${why}the regenerated config is not the old one with 05:00.0: $(tr '\n' '|' < "$d/regenerated.conf"); "
		;;
	moved-next)
		why=$(moved_drivers "$log" "05:00.0")
		why=$why$(actions "$log" "03:00.0=bound 03:00.1=bound 03:00.2=bound 05:00.0=bound")
		why=$why$(ran_ok "$log" 'vfio-earlyctl status' 0)
		;;
	tuning | tuning-next | tuning-numa)
		why=$(expect "$log" "$all")
		why=$why$(kmsg_has "$log" 'vfio-early: bound 4/4, hugepages 2M' 'no "bound 4/4, hugepages 2M" summary')
		why=$why$(tuned "$log" 0-1)
		out_of "$log" 'vfio-earlyctl status' > "$d/status.out"
		for want in 'default_smp_affinity 3 ok' 'workqueue            3 ok'; do
			grep -qF "  $want" "$d/status.out" || why="${why}status does not say \"$want\"; "
		done
		case $name in
		tuning | tuning-numa)
			# The report's refused IRQs: the managed ones of nvme among them, the step went on.
			refused=$(rig_report_str "$log" irqs_refused_list)
			managed=$(sed -n 's/^RIG-IRQ \([0-9]*\) [^ ]* [^ ]* nvme0q[1-9].*/\1/p' "$log" | tr '\n' ' ')
			[ -n "$managed" ] || why="${why}no nvme queue IRQs in the guest; "
			for irq in $managed; do
				in_list "$irq" "$refused" || why="${why}managed IRQ $irq is not among the refused ($refused); "
			done
			# Booted without apply's command line: status names the missing isolation.
			why=$why$(ran_ok "$log" 'vfio-earlyctl status' 1)
			grep -qF '  isolated             (none) NOT the VM CPUs' "$d/status.out" ||
				why="${why}status does not name the missing isolation; "
			;;
		esac
		case $name in
		tuning)
			grep -qx 'RIG-HP all 2048 128' "$log" || why="${why}not 128 pages of 2M reserved; "
			case $(rig_report_num "$log" write_us) in
			'' | *[!0-9]*) why="${why}report: write_us is not a number; " ;;
			esac
			why=$why$(ran_ok "$log" 'vfio-earlyctl apply --yes' 0)
			for tok in hugepages=128 isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1; do
				grep -qw -- "$tok" "$d/applied.cmdline" || why="${why}apply wrote no $tok; "
			done
			why=$why$(validate_xml "$d/libvirt.xml")
			;;
		tuning-next)
			grep -qx 'RIG-CPUS 0-3 2-3 2-3' "$log" || why="${why}isolated / nohz_full are not 2-3; "
			why=$why$(ran_ok "$log" 'vfio-earlyctl status' 0)
			for want in 'hugepages 2M         128/128 ok' 'isolated             2-3 ok' 'nohz_full            2-3 ok'; do
				grep -qF "  $want" "$d/status.out" || why="${why}status does not say \"$want\"; "
			done
			;;
		tuning-numa)
			for want in 'RIG-HP 0 2048 64' 'RIG-HP 1 2048 32'; do
				grep -qx "$want" "$log" || why="${why}no \"$want\" (pages per node); "
			done
			for want in 'hugepages 2M@0       64/64 ok' 'hugepages 2M@1       32/32 ok'; do
				grep -qF "  $want" "$d/status.out" || why="${why}status does not say \"$want\"; "
			done
			;;
		esac
		;;
	*) why="unknown scenario" ;;
	esac
	if [ -z "$why" ]; then pass "$gen" "$name"; else fail "$gen" "$name" "${why%; }"; fi

	if [ "$name" = bind-all ]; then
		why=""
		for want in '0000:04:00.0 0 vfio-client: 0000:04:00.0 vendor=1b36 device=000d' \
			'0000:03:00.0 0 vfio-client: 0000:03:00.0 vendor=1234 device=1111'; do
			grep -q "^RIG-CLIENT $want" "$log" ||
				why="$why$(sed -n "s/^RIG-CLIENT ${want%% *} //p" "$log" | head -n 2 | tr '\n' ' ')(expected: ${want#* 0 }); "
		done
		if [ -z "$why" ]; then pass "$gen" vfio-client; else fail "$gen" vfio-client "${why%; }"; fi
		# The device cdev with iommufd (6.6 on), where this kernel's configuration has it;
		# elsewhere the client must say that there is none.
		why=""
		if grep -qx 'CONFIG_VFIO_DEVICE_CDEV=y' "$RIG_CACHE/kernel/boot/config-$RIG_KVER"; then
			for want in '0000:04:00.0 0 vfio-client: 0000:04:00.0 vendor=1b36 device=000d (cdev vfio' \
				'0000:03:00.0 0 vfio-client: 0000:03:00.0 vendor=1234 device=1111 (cdev vfio'; do
				grep -qF "RIG-CLIENT $want" "$log" || why="${why}no \"${want#* 0 }\"; "
			done
			if [ -z "$why" ]; then pass "$gen" vfio-cdev; else fail "$gen" vfio-cdev "${why%; }"; fi
		elif [ "$(grep -c '^RIG-CLIENT [^ ]* 0 vfio-client: [^ ]* no device cdev' "$log")" = 2 ]; then
			echo "SKIP: $gen: vfio-cdev: $RIG_KVER has no VFIO_DEVICE_CDEV (the client said so)"
		else
			fail "$gen" vfio-cdev "the kernel has no VFIO_DEVICE_CDEV, but the client did not say so"
		fi
	fi
}

jobs=""
for gen in $gens; do
	for name in $SCENARIOS; do
		case " $BUSYBOX_ONLY " in *" $name "*) [ "$gen" = busybox ] || continue ;; esac
		jobs="$jobs $gen:$name"
	done
done
cost_jobs=""
i=1
while [ "$i" -le "$COST_RUNS" ]; do
	for gen in $gens; do
		if [ "$i" = 1 ]; then none=no-helper; else none=no-helper@cost$i; fi
		cost_jobs="$cost_jobs $gen:$none $gen:bind-all@cost$i"
	done
	i=$((i + 1))
done
t_boot=$(date +%s)
running=""
reap_first() {
	first=${running%% *}
	running=${running#"$first"}
	running=${running# }
	wait "${first%%/*}" || :
	job=${first#*/}
	check "${job%%:*}" "${job#*:}" || :
	case ${job#*:} in
	moved)
		check "${job%%:*}" moved-check || :
		check "${job%%:*}" moved-next || :
		;;
	tuning) check "${job%%:*}" tuning-next || : ;;
	esac
}
run_pool() { # run_pool N JOB...: the jobs, N at a time, checked in order
	n=$1
	shift
	for job in "$@"; do
		run_job "${job%%:*}" "${job#*:}" &
		running="${running:+$running }$!/$job"
		# shellcheck disable=SC2086 # counting the words
		set -- $running
		[ "$#" -lt "$n" ] || reap_first
	done
	while [ -n "$running" ]; do reap_first; done
}
# Under -icount the boot-cost boots can share the host with the others: their
# clock does not see the load. Without it they run one at a time, after the rest.
if [ "$COST_ICOUNT" = off ]; then
	# shellcheck disable=SC2086 # lists of words
	run_pool "$JOBS" $jobs
	# shellcheck disable=SC2086
	run_pool 1 $cost_jobs
else
	# Longest first, so that the two QEMUs finish together: the boot-cost boots
	# (slower under -icount), then the real generators' boots, then busybox's.
	all=""
	for job in $jobs; do # two boots each: start them first
		case $job in busybox:moved | busybox:tuning) all="$all $job" ;; esac
	done
	for kind in cost scen; do
		for gen in dracut initramfs-tools busybox; do
			[ "$kind" = cost ] || [ "$gen" != busybox ] || continue
			if [ "$kind" = cost ]; then list=$cost_jobs; else list=$jobs; fi
			for job in $list; do
				if [ "${job%%:*}" = "$gen" ]; then all="$all $job"; fi
			done
		done
	done
	for job in $cost_jobs $jobs; do # busybox's scenario boots, and anything else
		case " $all " in *" $job "*) ;; *) all="$all $job" ;; esac
	done
	# shellcheck disable=SC2086
	run_pool "$JOBS" $all
fi
t_boot=$(($(date +%s) - t_boot))

# ---- boot cost (issue 3 item 7) ----
# span: "lowest" and "lowest..highest" of the numbers on stdin (seconds)
span() {
	sort -n | awk 'NF { v[n++] = $1 } END {
		if (!n) { print "-"; exit }
		if (n == 1) printf "%.3f %.3f s\n", v[0], v[0]
		else printf "%.3f %.3f..%.3f s\n", v[0], v[0], v[n - 1] }'
}
echo
if [ "$COST_ICOUNT" = off ]; then
	echo "Boot cost: $COST_RUNS boot(s) each way per generator, one QEMU at a time, guest clock in"
	echo "  real time (QEMU TCG, no KVM: far slower than hardware, and noisy)."
else
	echo "Boot cost: $COST_RUNS boot(s) each way per generator, QEMU TCG with -icount $COST_ICOUNT:"
	echo "  the guest clock counts instructions (shift=0: 1 ns each, a ~1 GIPS CPU), so the figures do
  not depend on the host's load (they repeat to within a few tens of ms)."
fi
echo "  \"End of initramfs\": the kernel (printk) time of a marker"
echo "  written once udev's coldplug has settled, where the root would be mounted. \"Difference\":"
echo "  lowest with minus lowest without. \"Helper's own\": the report's duration_us, lowest."
printf '  %-16s %-22s %-22s %11s %13s\n' generator "without helper" "with helper" difference "helper's own"
for gen in $gens; do
	none="" with="" own=""
	for d in "$RIG_WORK/$gen"/no-helper*; do
		if [ -f "$d/serial.log.txt" ]; then none="$none $(rig_end_time "$d/serial.log.txt")"; fi
	done
	for d in "$RIG_WORK/$gen"/bind-all@cost*; do
		[ -f "$d/serial.log.txt" ] || continue
		with="$with $(rig_end_time "$d/serial.log.txt")"
		own="$own $(rig_report_num "$d/serial.log.txt" duration_us)"
	done
	none=$(echo "$none" | tr ' ' '\n' | span)
	with=$(echo "$with" | tr ' ' '\n' | span)
	own=$(echo "$own" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -n 1)
	diff=n/a
	[ "$none" = - ] || [ "$with" = - ] ||
		diff=$(awk -v a="${none%% *}" -v b="${with%% *}" 'BEGIN { printf "%+.0f ms", (b - a) * 1000 }')
	[ -z "$own" ] || own=$(awk -v u="$own" 'BEGIN { printf "%.1f ms", u / 1000 }')
	printf '  %-16s %-22s %-22s %11s %13s\n' "$gen" "${none#* }" "${with#* }" "$diff" "${own:-n/a}"
done
echo
echo "scenarios: images $t_img s, boots $t_boot s ($(echo "$jobs" | wc -w) scenario boots + $(echo "$cost_jobs" | wc -w) boot-cost boots, up to $JOBS at once), total $(($(date +%s) - t_start)) s; logs in $RIG_WORK"
exit "$failed"
