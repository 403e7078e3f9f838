#!/bin/sh
# Print this machine's CPU topology as tests/rootfs/mkroot spec lines, to add it as a fixture:
#   tests/rootfs/capture-cpus.sh > tests/rootfs/cpu-MYMACHINE.spec
# then put the expected plan and why in its header and in tests/unit/test-cpuplan.c.
# Reads (under ROOT, default /): /proc/cpuinfo (vendor, family, model, model name),
# /proc/meminfo, /sys/devices/system/cpu/cpuN/{online,topology/*,cache/index*/*,cpufreq/*},
# /sys/devices/system/node/nodeN/{cpulist,distance,meminfo} and the hybrid PMU lists
# /sys/devices/cpu_core/cpus and cpu_atom/cpus. Nothing is written; nothing needs root.
# Usage: capture-cpus.sh [ROOT]
set -eu
root=${1:-}
sys=$root/sys/devices/system

first() { # the value of the first "KEY : value" line of /proc/cpuinfo
	sed -n "s/^$1[[:space:]]*: *//p" "$root/proc/cpuinfo" | head -n 1
}

# A cache size as the kernel writes it (32K, 1024K, 32768K); mkroot takes K or M.
size_of() {
	s=$(cat "$1" 2>/dev/null || echo 0K)
	case $s in *K | *M) echo "$s" ;; *) echo "${s}K" ;; esac
}

echo "# Captured by tests/rootfs/capture-cpus.sh on $(date -u +%Y-%m-%d): $(first 'model name')"
echo "# Kernel $(uname -r 2>/dev/null || echo unknown); $(nproc 2>/dev/null || echo '?') CPUs online here."
echo "cpuinfo $(first vendor_id) $(first 'cpu family') $(first model) $(first 'model name')"
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' "$root/proc/meminfo")
printf 'file proc/meminfo MemTotal:       %s kB\\nMemFree:        %s kB\n' "$mem" "$((mem / 2))"
for d in "$sys"/cpu/cpu[0-9]*; do
	n=${d##*/cpu}
	echo "$n"
done | sort -n | while read -r n; do
	d=$sys/cpu/cpu$n
	if [ "$(cat "$d/online" 2>/dev/null || echo 1)" = 0 ] || [ ! -d "$d/topology" ]; then
		echo "cpu $n offline"
		continue
	fi
	t=$d/topology
	line="cpu $n package=$(cat "$t/physical_package_id") core=$(cat "$t/core_id")"
	line="$line threads=$(cat "$t/core_cpus_list" 2>/dev/null || cat "$t/thread_siblings_list")"
	if [ -r "$t/cluster_cpus_list" ] && [ -r "$t/cluster_id" ]; then
		line="$line cluster=$(cat "$t/cluster_id"):$(cat "$t/cluster_cpus_list")"
	fi
	for c in "$d"/cache/index[0-9]*; do
		[ -r "$c/level" ] || continue
		case $(cat "$c/level")$(cat "$c/type") in
		1Data) k=l1d ;;
		1Instruction) k=l1i ;;
		2Unified) k=l2 ;;
		3Unified) k=l3 ;;
		*) continue ;;
		esac
		line="$line $k=$(size_of "$c/size"):$(cat "$c/shared_cpu_list")"
	done
	f=$d/cpufreq
	[ ! -r "$f/cpuinfo_max_freq" ] || line="$line max_freq=$(cat "$f/cpuinfo_max_freq")"
	[ ! -r "$f/base_frequency" ] || line="$line base_freq=$(cat "$f/base_frequency")"
	echo "$line"
done
for pmu in cpu_core cpu_atom; do
	[ ! -r "$root/sys/devices/$pmu/cpus" ] ||
		echo "file sys/devices/$pmu/cpus $(cat "$root/sys/devices/$pmu/cpus")"
done
for d in "$sys"/node/node[0-9]*; do
	[ -d "$d" ] || continue
	n=${d##*/node}
	mem=$(sed -n 's/.*MemTotal: *\([0-9]*\) kB/\1/p' "$d/meminfo")
	echo "node $n cpus=$(cat "$d/cpulist") distance=$(tr ' ' ',' <"$d/distance") mem_kb=$mem"
done
echo "# Add the VM's GPU by hand: dev <path> <id> <class> <group> <driver> numa_node=N"
