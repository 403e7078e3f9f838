#!/bin/sh
# bench/cpus.sh BUILD [RUNS]: 'vfio-earlyctl cpus' and 'check' on the tree of a 256-CPU machine
# (issue 15 item 6: each under 50 ms). The machine: two EPYC 9554 sockets as Linux numbers them,
# 2 x 64 cores, CPU N and N+128 share a core, one NUMA node per socket, eight CCDs of eight cores
# per socket with a 32 MiB L3 each, its GPU on node 1. Built by tests/rootfs/mkroot from a
# generated spec in $TMPDIR (else /dev/shm, else /tmp). bench/cpuplan-time.c (built here from
# BUILD's objects) times, RUNS rounds (default 21) after a warm-up, interleaved in a rotating
# order so that load on a shared machine hits every case alike: /bin/true spawned (the floor of a
# spawn and reap), 'vfio-earlyctl --version' (its start-up: the dynamic loader and its shared
# libraries), 'cpus', 'check', and the plan's own work in one process (hwloc's load of the tree,
# the suggestion and the judgement of the config's vm-cpus). Each spawned case is timed from
# posix_spawn to reap with CLOCK_MONOTONIC, nothing else in between, and its CPU time (user +
# system) comes from wait4: on a shared machine the wall time follows the other jobs, the CPU
# time less so. Prints min, median and max wall time and the median CPU time, and one
# "BENCH key=value ..." line per case. Never part of pass/fail.
set -eu
build=${1:-build}
runs=${2:-21}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=${TMPDIR:-}
[ -n "$tmp" ] || { [ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm; } || tmp=/tmp
dir=$(mktemp -d "$tmp/vfe-cpus.XXXXXX")
trap 'rm -rf "$dir"' EXIT

awk 'BEGIN {
	print "cpuinfo AuthenticAMD 25 17 AMD EPYC 9554 64-Core Processor"
	print "file proc/meminfo MemTotal:       792723456 kB\\nMemFree:        700000000 kB"
	for (cpu = 0; cpu < 256; cpu++) {
		core = cpu % 128; pkg = int(core / 64); ccd = int(core / 8)
		first = ccd * 8; last = first + 7
		printf "cpu %d package=%d core=%d threads=%d,%d l1d=32K:%d,%d l1i=32K:%d,%d", \
			cpu, pkg, core % 64, core, core + 128, core, core + 128, core, core + 128
		printf " l2=1M:%d,%d l3=32M:%d-%d,%d-%d\n", core, core + 128, first, last, \
			first + 128, last + 128
	}
	print "node 0 cpus=0-63,128-191 distance=10,32 mem_kb=396361728"
	print "node 1 cpus=64-127,192-255 distance=32,10 mem_kb=396361728"
	print "driver vfio-pci"
	print "dev pci0000:80/0000:80:01.1/0000:81:00.0 1002:73bf 030000 40 amdgpu boot_vga=0 numa_node=1"
	print "dev pci0000:80/0000:80:01.1/0000:81:00.1 1002:ab28 040300 41 snd_hda_intel numa_node=1"
}' >"$dir/epyc-2s.spec"
mkdir -p "$build/tests" "$build/bench"
[ -x "$build/tests/mkroot" ] || cc -O2 -Wall -o "$build/tests/mkroot" "$src/tests/rootfs/mkroot.c"
"$build/tests/mkroot" "$dir/epyc-2s.spec" "$dir/root"
printf 'bind 81:00.0 1002:73bf\nbind 81:00.1 1002:ab28\nvm-cpus 64-71,192-199\n' \
	>"$dir/root/etc/vfio-early.conf"

o=$build/obj/lib
# shellcheck disable=SC2046 # pkg-config's words
cc -O2 -D_GNU_SOURCE -o "$build/bench/cpuplan-time" "$src/bench/cpuplan-time.c" \
	"$o/cpuplan.o" "$o/cpulist.o" "$o/util.o" "$o/config.o" "$o/log.o" \
	$(pkg-config --libs hwloc libpci 2>/dev/null || echo -lhwloc -lpci)
"$build/vfio-earlyctl" --root "$dir/root" cpus >"$dir/cpus.out" 2>&1 || true

echo "vfio-earlyctl on a 256-CPU tree (2 sockets, 2 NUMA nodes, 16 L3 domains), $runs runs each,"
echo "interleaved; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/cpuplan-time" "$dir/root" "$dir/root/etc/vfio-early.conf" "$runs" \
	"$build/vfio-earlyctl" >"$dir/times"
awk -v runs="$runs" '
	BEGIN {
		what["true"] = "/bin/true (spawn floor)"
		what["ctl-exec"] = "vfio-earlyctl --version (start-up)"
		what["cpus"] = "vfio-earlyctl cpus"
		what["check"] = "vfio-earlyctl check"
		what["plan"] = "plan in-process (hwloc load+suggest+judge)"
		printf "%-44s %8s %8s %8s %11s\n", "case", "min", "median", "max", "cpu median"
	}
	{
		goal = ($1 == "cpus" || $1 == "check") ? ($3 <= 50000 ? "  under 50 ms" : "  OVER 50 ms") : ""
		printf "%-44s %8.1f %8.1f %8.1f %8.1f ms%s\n", what[$1], $2 / 1000, $3 / 1000, $4 / 1000, \
			$5 / 1000, goal
		med[$1] = $3
		line[NR] = sprintf("BENCH cpus_tree=256 command=%s runs=%d min_ms=%.1f median_ms=%.1f max_ms=%.1f cpu_median_ms=%.1f", \
			$1, runs, $2 / 1000, $3 / 1000, $4 / 1000, $5 / 1000)
	}
	END {
		printf "cpus net of vfio-earlyctl start-up: %.1f ms; check: %.1f ms\n", \
			(med["cpus"] - med["ctl-exec"]) / 1000, (med["check"] - med["ctl-exec"]) / 1000
		for (i = 1; i <= NR; i++)
			print line[i]
	}' "$dir/times"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep '^suggested' "$dir/cpus.out" || true
