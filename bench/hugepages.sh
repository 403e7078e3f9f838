#!/bin/sh
# Hugepages early vs late (issue 5 item 7): why step 9 runs in the initramfs, as a figure.
# Boots the busybox rig (tests/qemu/rig-lib.sh: Debian's 6.1 kernel under QEMU TCG) and asks
# for the same N 2 MiB pages three ways, taking the count obtained and the time of the kernel's
# nr_hugepages write (the report's write_us) from vfio-early's report each time:
#   early       "hugepages 2M N" in /etc/vfio-early.conf: the helper reserves at the pre-udev
#               point, before any module is loaded (one boot)
#   late-quiet  the config without hugepages; at the end of the initramfs the same request,
#               made by the same helper (--config), on memory nobody has used yet
#   late-frag   then, in the same boot, the pages given back, memory fragmented as a host's is
#               after a while (bench/fragmem.c: the kernel's own unmovable pages, pipe buffers,
#               scattered through every 2 MiB block, most memory free again around them), the
#               memory compacted (vm/compact_memory, the best an admin can do late), and the
#               same request again while the fragmentation holds
# Before each request the guest's /proc/buddyinfo gives the free memory and how much of it
# lies in free blocks of 2 MiB or more.
#
# Usage: bench/hugepages.sh [BUILD]    (BUILD holds vfio-early and vfio-earlyctl; default build)
# Environment:
#   HP_RUNS     boots of each kind (default 2; 0: nothing is run)
#   HP_MEM      guest memory in MiB (default 2048)
#   HP_COUNT    2 MiB pages asked for (default: 5/8 of HP_MEM)
#   HP_ICOUNT   QEMU -icount option (default shift=0,sleep=off: the guest clock counts one
#               nanosecond per instruction, so the times hardly depend on the host's load;
#               "off": real time)
#   HP_FRAG     options for bench/fragmem.c (default none: one page in 16, two rounds)
#   CACHE       download and image cache (default: .cache of the work tree)
#   RIG_TIMEOUT seconds before a hung guest is killed (default 400)
# Exit status: 1 when a boot failed or gave no figures (never for the figures themselves);
# 0 without qemu-system-x86_64 (said so). Logs in CACHE/rig/bench-hugepages/.
set -eu
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
RIG_TOP=$(cd "$here/.." && pwd)
# shellcheck source=tests/qemu/rig-lib.sh
. "$RIG_TOP/tests/qemu/rig-lib.sh"
rig_dirs "${1:-build}" bench-hugepages

runs=${HP_RUNS:-2}
mem=${HP_MEM:-2048}
count=${HP_COUNT:-$((mem * 5 / 8 / 2))}
icount=${HP_ICOUNT:-shift=0,sleep=off}
[ "$icount" = off ] || RIG_QEMU="${RIG_QEMU:-} -icount $icount"
export RIG_QEMU
[ "$runs" -gt 0 ] || exit 0
if ! command -v qemu-system-x86_64 > /dev/null; then
	echo "hugepages: skipped, no qemu-system-x86_64"
	exit 0
fi
[ -x "$RIG_BUILD/vfio-earlyctl" ] || { echo "hugepages: no $RIG_BUILD/vfio-earlyctl (run make)" >&2; exit 1; }
t_start=$(date +%s)
rm -rf "$RIG_WORK"
mkdir -p "$RIG_WORK"
rig_setup
fragmem=$RIG_BUILD/bench/fragmem
if [ ! -x "$fragmem" ] || [ -n "$(find "$here/fragmem.c" -newer "$fragmem")" ]; then
	mkdir -p "$RIG_BUILD/bench"
	${CC:-cc} -static -O2 -Wall -Wextra -o "$fragmem" "$here/fragmem.c"
fi
rig_image busybox

# prepare KIND DIR: the overlay of one boot in DIR/ovl.
prepare() {
	kind=$1 dir=$2
	rig_overlay busybox "$dir/ovl" "$RIG_UNPACKED" end
	mkdir -p "$dir/ovl/etc/rig"
	# The image's pre-udev step, with the free memory shown first.
	printf '#!/bin/sh\nsed "s/^/RIG-BUDDY /" /proc/buddyinfo\n. /hooks/vfio-early\nrun_earlyhook || :\n' \
		> "$dir/ovl/early.sh"
	# The rig's own bind lines in every boot, as on a real host; only the hugepages line differs.
	printf '%s\n' "$RIG_CONF_ALL" > "$dir/ovl/etc/vfio-early.conf"
	if [ "$kind" = early ]; then
		echo "hugepages 2M $count" >> "$dir/ovl/etc/vfio-early.conf"
	else
		mkdir -p "$dir/ovl/rig"
		cp "$fragmem" "$dir/ovl/rig/fragmem"
		echo "hugepages 2M $count" > "$dir/ovl/etc/rig/hp.conf"
		# request.sh LABEL: the late request, as an admin would make it once the host is up.
		cat > "$dir/ovl/etc/rig/request.sh" <<-'EOF'
			echo "== $1"
			t0=$(cut -d' ' -f1 /proc/uptime)
			echo 1 > /proc/sys/vm/compact_memory
			echo "compact $t0 $(cut -d' ' -f1 /proc/uptime)"
			sed 's/^/buddy /' /proc/buddyinfo
			/usr/sbin/vfio-early --config /etc/rig/hp.conf 2> /dev/null && st=0 || st=$?
			echo "status $st"
			echo "report $(tr -d '\n' < /run/vfio-early/report.json)"
		EOF
		{
			echo 'sh /etc/rig/request.sh late-quiet'
			echo 'echo 0 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'
			echo "/rig/fragmem ${HP_FRAG:-} sh /etc/rig/request.sh late-frag"
		} > "$dir/ovl/etc/rig/after.sh"
	fi
	chmod 0644 "$dir/ovl/etc/vfio-early.conf"
}

# free_mib BUDDYLINES: "free MiB, of it in free blocks of 2 MiB or more" from /proc/buddyinfo
# lines ("Node 0, zone DMA32 n0 n1 ... n10", 4 KiB pages).
free_mib() {
	printf '%s\n' "$1" | awk '$3 == "zone" {
		for (o = 0; $(5 + o) != ""; o++) {
			kb = $(5 + o) * 4 * 2 ^ o
			all += kb
			if (o >= 9) big += kb
		}
	} END { printf "%d %d\n", all / 1024, big / 1024 }'
}
# hp_field JSON KEY: the number KEY of the first hugepages entry of a report.
hp_field() {
	printf '%s\n' "$1" | tr -d ' \n' | sed -n "s/.*\"hugepages\":\[{[^}]*\"$2\":\([0-9]*\).*/\1/p"
}
# row CASE RUN BUDDYLINES JSON [COMPACT]: one line of the table, to RIG_WORK/rows; COMPACT is
# "T0 T1", the guest's uptime before and after vm/compact_memory.
row() {
	cms=$(echo "${5:-}" | awk 'NF == 2 { printf "%.0f", ($2 - $1) * 1000; next } { print "-" }')
	set -- "$1" "$2" "$(free_mib "$3")" "$4"
	req=$(hp_field "$4" requested) got=$(hp_field "$4" reserved) us=$(hp_field "$4" write_us)
	if [ -z "$got" ] || [ -z "$us" ]; then
		echo "hugepages: $1 #$2: no figures in the report" >&2
		return 1
	fi
	printf '%s %s %s %s %s %s %s\n' "$1" "$2" "$3" "${req:-?}" "$got" "$us" "$cms" >> "$RIG_WORK/rows"
}

failed=0
: > "$RIG_WORK/rows"
i=1
while [ "$i" -le "$runs" ]; do
	for kind in early late; do
		d=$RIG_WORK/$kind-$i
		mkdir -p "$d"
		prepare "$kind" "$d"
		s=$(date +%s)
		st=0
		RIG_MEM=$mem RIG_TIMEOUT=${RIG_TIMEOUT:-400} rig_boot "$RIG_IMAGE" "$d/ovl" "$d/serial.log" || st=$?
		log=$d/serial.log.txt
		echo "hugepages: $kind #$i: boot status $st, $(($(date +%s) - s)) s" >&2
		if [ "$st" -ne 0 ] || ! grep -q '^RIG-POWEROFF' "$log"; then
			echo "hugepages: $kind #$i: the boot failed (see $d/serial.log)" >&2
			failed=1
			continue
		fi
		if [ "$kind" = early ]; then
			row early "$i" "$(sed -n 's/^RIG-BUDDY //p' "$log")" \
				"$(sed -n '/^RIG-REPORT-BEGIN/,/^RIG-REPORT-END/p' "$log")" || failed=1
			continue
		fi
		sed -n 's/^RIG-OUT //p' "$log" > "$d/after.out"
		for c in late-quiet late-frag; do
			part=$(sed -n "/^== $c\$/,/^== /p" "$d/after.out")
			row "$c" "$i" "$(printf '%s\n' "$part" | sed -n 's/^buddy //p')" \
				"$(printf '%s\n' "$part" | sed -n 's/^report //p')" \
				"$(printf '%s\n' "$part" | sed -n 's/^compact //p')" || failed=1
		done
		grep '^fragmem: ' "$d/after.out" | sed "s/^/  late #$i: /" >> "$RIG_WORK/fragmem.out" || :
	done
	i=$((i + 1))
done

echo
echo "Hugepages early vs late: $count x 2 MiB asked for ($((count * 2)) MiB of a $mem MiB guest), $runs boot(s)"
echo "  of each kind. QEMU TCG, 1 vCPU, no KVM: times are far slower than on hardware; compare them"
if [ "$icount" = off ]; then
	echo "  with each other (guest clock in real time: noisy)."
else
	echo "  with each other (-icount $icount: the guest clock counts instructions)."
fi
echo "  \"Free\": /proc/buddyinfo just before the request; \"in 2 MiB blocks\": the"
echo "  part of it in free blocks of 2 MiB or more. \"Write\": the report's write_us, the kernel's"
echo "  nr_hugepages write (allocation and compaction) and its read-back. \"Compact\": the late"
echo "  requests write vm/compact_memory first (10 ms clock), counted in neither \"free\" nor \"write\"."
printf '  %-12s %4s %10s %16s %12s %12s %10s\n' case run free "in 2 MiB blocks" obtained write compact
while read -r c r all big req got us cms; do
	[ "$cms" = - ] || cms="$cms ms"
	printf '  %-12s %4s %6s MiB %12s MiB %12s %12s %10s\n' "$c" "$r" "$all" "$big" "$got/$req" \
		"$(awk -v u="$us" 'BEGIN { printf "%.1f ms", u / 1000 }')" "$cms"
done < "$RIG_WORK/rows"
if [ -s "$RIG_WORK/fragmem.out" ]; then
	echo "  Fragmenting (bench/fragmem.c):"
	cat "$RIG_WORK/fragmem.out"
fi
echo "hugepages: $(($(date +%s) - t_start)) s; logs in $RIG_WORK"
exit "$failed"
