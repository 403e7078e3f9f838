#!/bin/sh
# make bench: build the bench driver (bench/run.c), its fake kernel (bench/fakesysfs.c) and the
# tree builder (tests/rootfs/mkroot.c) into BUILD when missing or stale, then time BUILD/vfio-early
# against bench/shell-binder.sh on fake trees of 64, 512 and 4096 devices (method: bench/run.c).
# Then bench/hugepages.sh BUILD: N 2 MiB hugepages reserved early (the helper at the pre-udev
# point) vs the same request late, on quiet and on fragmented memory, in QEMU guests (TCG) of
# the busybox rig: pages obtained and the kernel's time for each (HP_RUNS=0 leaves it out;
# its other knobs are in its header). Then the boot cost (tests/qemu/scenarios.sh's boot-cost
# boots: the rig with and without the helper, per generator). The status is 1 when a part failed.
# Usage: bench/run.sh [BUILD [-k RUNS] [-n N,N,...] [-d TMPDIR] [--keep] [--no-fake-kernel]]
#   (the options go to bench/run.c, the helper part)
# BENCH_PARTS picks the parts (default: helper cpus hugepages boot-cost), e.g.
# BENCH_PARTS=helper make bench: the helper against the shell binder alone, no QEMU.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[ $# -eq 0 ] || shift
cc=${CC:-cc}

mkdir -p "$build/tests" "$build/bench"
for pair in tests/mkroot:tests/rootfs/mkroot.c bench/run:bench/run.c \
	bench/fakesysfs.so:bench/fakesysfs.c; do
	bin=$build/${pair%%:*}
	c=$src/${pair#*:}
	if [ ! -e "$bin" ] || [ -n "$(find "$c" -newer "$bin")" ]; then
		case $bin in
		*.so) $cc -O2 -Wall -Wextra -shared -fPIC -o "$bin" "$c" ;;
		*) $cc -O2 -std=c11 -Wall -Wextra -o "$bin" "$c" ;;
		esac
	fi
done
parts=" ${BENCH_PARTS:-helper cpus hugepages boot-cost} "
part() { case $parts in *" $1 "*) true ;; *) false ;; esac; }
st=0
if part helper; then
	"$build/bench/run" -b "$build" -s "$src" "$@" || st=1
	echo
fi
if part cpus; then
	"$src/bench/cpus.sh" "$build" || st=1 # issue 15 item 6: cpus and check on 256 CPUs
	echo
fi
if part hugepages; then
	"$src/bench/hugepages.sh" "$build" || st=1
	echo
fi
# What the helper adds to a real boot: the rig booted with and without it on each generator's
# image, as a host builds it (every driver of the kernel), under -icount (BOOT_COST_RUNS=0: none).
if part boot-cost && [ "${BOOT_COST_RUNS:-1}" -gt 0 ]; then
	SCENARIOS=none COST_RUNS=${BOOT_COST_RUNS:-1} "$src/tests/qemu/scenarios.sh" "$build" || st=1
fi
exit "$st"
