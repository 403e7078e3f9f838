#!/bin/sh
# Run every test and end with one line "N passed, N failed".
# Usage: tests/run.sh BUILD_DIR [full]
#   full: also the fuzzers (a short fixed budget each), the real grub-mkconfig check, the kernel
#   module and every real-kernel scenario in QEMU (busybox, mkinitramfs and dracut images).
set -u
build=${1:-build}
passed=0
failed=0

count() { # name status
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS: $1"
	else
		failed=$((failed + 1))
		echo "FAIL: $1"
	fi
}

# The kernel with vfio-pci built in (the matrix's "builtin") takes minutes to build when
# it is not cached: it builds in the background, at low priority, while the other tests
# leave a core idle (QEMU without KVM runs a guest on one); the matrix waits for it.
kbuild_pid=""
if [ "${2:-}" = full ] && case " ${MATRIX_SUITES:-builtin} " in *" builtin "*) true ;; *) false ;; esac; then
	mkdir -p "$build"
	rm -f "$build/kernel-builtin.status"
	(
		nice -n 15 tests/qemu/build-kernel.sh "${CACHE:-.cache}" > "$build/kernel-builtin.log" 2>&1
		echo $? > "$build/kernel-builtin.status"
	) &
	kbuild_pid=$!
fi

# kselftest harness binaries: take their own totals line.
for t in "$build"/tests/test-*; do
	[ -x "$t" ] || continue
	log=$(mktemp)
	"$t" >"$log" 2>&1
	status=$?
	cat "$log"
	totals=$(grep '^# Totals:' "$log" | tail -n 1)
	p=$(echo "$totals" | sed -n 's/^# Totals: pass:\([0-9]*\) fail:.*/\1/p')
	f=$(echo "$totals" | sed -n 's/^# Totals: pass:[0-9]* fail:\([0-9]*\) .*/\1/p')
	if [ -z "$p" ]; then
		count "${t##*/} (no totals: crashed?)" 1
	else
		passed=$((passed + p))
		failed=$((failed + f))
		[ "$status" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
	fi
	rm -f "$log"
done

# Shell code that runs in early boot or builds fixtures must be clean.
files=$(ls scripts/*.sh tests/run.sh tests/qemu/*.sh tests/qemu/guest/*.sh tests/grub/*.sh tests/deb/*.sh bench/*.sh 2>/dev/null)
# shellcheck disable=SC2086 # list of files
shellcheck -S warning $files \
	initramfs/initramfs-tools/hooks/vfio-early initramfs/initramfs-tools/scripts/init-top/00vfio-early \
	initramfs/dracut/90vfio-early/*.sh initramfs/mkinitcpio/hooks/vfio-early completion/vfio-earlyctl.bash &&
	shellcheck -S warning -s bash initramfs/mkinitcpio/install/vfio-early
count "shellcheck" $?

# A script that prints "PASS: ..." / "FAIL: ..." lines: each line is one test.
run_lines() { # name command...
	name=$1
	shift
	log=$(mktemp)
	"$@" >"$log" 2>&1
	status=$?
	cat "$log"
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	rm -f "$log"
	passed=$((passed + p))
	failed=$((failed + f))
	# a failing exit without a FAIL line, or a script that checked nothing, is a failure too
	if { [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; } || [ $((p + f)) -eq 0 ]; then
		count "$name (exit $status, $p passed)" 1
	fi
}

if [ "${2:-}" = full ]; then
	# Every fuzzer in tests/fuzz/ (the Makefile's FUZZ_TARGETS are the same files).
	for src in tests/fuzz/fuzz-*.c; do
		t=${src##*/}
		t=${t%.c}
		make -s "build/fuzz/$t" >/dev/null || { count "$t (build)" 1; continue; }
		mkdir -p "build/fuzz/corpus-$t"
		"build/fuzz/$t" -max_total_time="${FUZZ_CHECK_SECONDS:-15}" -print_final_stats=0 \
			"build/fuzz/corpus-$t" "tests/fuzz/corpus/${t#fuzz-}" >"build/fuzz/$t.log" 2>&1
		status=$?
		tail -n 2 "build/fuzz/$t.log"
		count "$t ${FUZZ_CHECK_SECONDS:-15}s" $status
	done
fi

if [ "${2:-}" = full ]; then
	run_lines "grub-mkconfig" tests/grub/mkconfig-check.sh
	run_lines "Debian packages" tests/deb/deb-check.sh
	run_lines "kernel module" tests/qemu/module-tests.sh "$build"
	# Every scenario on bookworm's kernel; images from the rig's modules only (the
	# integration tests build the --no-hostonly ones); the boot-cost boots are make bench's.
	run_lines "real-kernel scenarios" env RIG_SLIM=rig COST_RUNS=0 tests/qemu/scenarios.sh "$build"
	# dracut (systemd, shell, without dracut-systemd, --no-hostonly) and initramfs-tools
	# images the way a host gets them: module options, no config, ordering, a hung helper.
	run_lines "boot-path integration" tests/qemu/integration-tests.sh "$build"
	run_lines "hand-made migration" tests/qemu/handmade-boot.sh "$build"
	# The core scenarios and the module on the other kernels our users boot (5.10, 6.12,
	# 7.x); the built kernel comes last, its build still running meanwhile.
	run_lines "kernel matrix" env ${kbuild_pid:+MATRIX_KBUILD=$build/kernel-builtin} tests/qemu/matrix.sh "$build"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
