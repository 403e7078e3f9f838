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
#                  04:00.0 (group 7) and 03:00.0 (group 6, with its bridge) through VFIO
#   off            vfio_early.off: everything on its host driver
#   skip           vfio_early.skip=0000:04:00.0: that slot on xhci_hcd, the rest bound
#   wrong-id       04:00.0 configured as 1106:3483: left to xhci_hcd, the rest bound
#   broken-config  an unknown directive: nothing bound, the boot reaches its end
#   already-bound  xhci_pci loaded before the helper: 03:00.2 and 04:00.0 unbound
#                  from xhci_hcd and handed to vfio-pci
#   no-vfio        vfio-pci cannot be loaded (busybox: an image without it; real
#                  generators: module_blacklist=vfio_pci): overrides cleared, host
#                  drivers take the devices, the boot goes on
# then COST_RUNS pairs of boot-cost boots (issue 3 item 7), each also checked:
#   no-helper      our initramfs script replaced by a no-op: everything on its host
#                  driver, no vfio-early line in the kernel log
#   bind-all@costN as bind-all, without the VFIO client
# and, without a boot, "order" for the real generators: the image runs our script
# before udev (initramfs-tools' init-top ORDER; dracut's pre-udev hook).
set -eu
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
RIG_TOP=$(cd "$here/../.." && pwd)
# shellcheck disable=SC2034 # read by rig-lib.sh
RIG_BUILD=$(cd "${1:?usage: tests/qemu/scenarios.sh BUILD_DIR}" && pwd)
RIG_CACHE=${CACHE:-$RIG_TOP/.cache}
mkdir -p "$RIG_CACHE"
RIG_CACHE=$(cd "$RIG_CACHE" && pwd)
RIG_WORK=$RIG_CACHE/rig/scenarios
# shellcheck source=tests/qemu/rig-lib.sh
. "$here/rig-lib.sh"

GENERATORS=${GENERATORS:-busybox initramfs-tools dracut}
SCENARIOS=${SCENARIOS:-bind-all off skip wrong-id broken-config already-bound no-vfio}
JOBS=${JOBS:-2}
COST_RUNS=${COST_RUNS:-1}
COST_ICOUNT=${COST_ICOUNT:-shift=0,sleep=off}
[ "$SCENARIOS" != none ] || SCENARIOS=""
t_start=$(date +%s)
failed=0

pass() { echo "PASS: $1: $2"; }
fail() {
	echo "FAIL: $1: $2: $3"
	failed=1
}

rm -rf "$RIG_WORK"
mkdir -p "$RIG_WORK"
rig_setup

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
		*" no-vfio "*) rig_image busybox novfio || fail busybox image "cannot build the image without vfio" ;;
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
			why="${why:+$why; }no vfio-early hook in pre-udev"
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
for gen in $gens; do
	[ "$gen" = busybox ] || check_order "$gen"
done

# ---- the boots ----
# setup GEN NAME DIR: the overlay of one boot in DIR; sets how, cmd and image.
setup() {
	gen=$1 name=$2 dir=$3
	how="end" cmd=$(rig_cmdline "$gen") variant=""
	mkdir -p "$dir/etc/rig"
	conf=$RIG_CONF_ALL
	case ${name%%@*} in # NAME@costN: a boot-cost boot, as NAME without the VFIO client
	bind-all) [ "$name" != bind-all ] || printf '0000:04:00.0\n0000:03:00.0\n' > "$dir/etc/rig/client" ;;
	off) cmd="$cmd vfio_early.off" ;;
	skip) cmd="$cmd vfio_early.skip=0000:04:00.0" ;;
	wrong-id) conf=$(printf '%s\n' "$conf" | sed 's/^bind 04:00.0 1b36:000d$/bind 04:00.0 1106:3483    # a VL805 was here/') ;;
	broken-config) conf=$(printf '%s\nhugepages 2M lots\n' "$conf") ;;
	already-bound) how="$how preload" ;;
	no-vfio)
		if [ "$gen" = busybox ]; then variant=novfio; else cmd="$cmd module_blacklist=vfio_pci"; fi
		;;
	no-helper) how="$how nohelper" ;;
	esac
	printf '%s\n' "$conf" > "$dir/etc/vfio-early.conf"
	rig_use "$gen" $variant || { echo "no $gen image"; return 1; }
	image=$RIG_IMAGE
	rig_overlay "$gen" "$dir/ovl" "$RIG_UNPACKED" "$how" || return 1
	cp -R "$dir/etc" "$dir/ovl/"
	chmod 0644 "$dir/ovl/etc/vfio-early.conf"
}

run_job() { # run_job GEN NAME (in the background)
	gen=$1 name=$2
	d=$RIG_WORK/$gen/$name
	rm -rf "$d"
	mkdir -p "$d"
	s=$(date +%s)
	st=0
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
	no-vfio)
		why=$(expect "$log" "")
		why=$why$(actions "$log" "03:00.0=failed 03:00.1=failed 03:00.2=failed 04:00.0=failed")
		for slot in $all; do
			o=$(rig_override "$log" "$slot")
			[ "$o" = - ] || why="${why}$slot still has driver_override $o; "
		done
		;;
	no-helper)
		why=$(expect "$log" "")
		! rig_dmesg "$log" | grep -q 'vfio-early: ' || why="${why}the helper ran; "
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
	fi
}

jobs=""
for gen in $gens; do
	for name in $SCENARIOS; do
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
