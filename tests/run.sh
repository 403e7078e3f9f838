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
# make check has started it already; this starts it when run.sh runs alone.
kbuild=""
if [ "${2:-}" = full ] && case " ${MATRIX_SUITES:-builtin} " in *" builtin "*) true ;; *) false ;; esac; then
	tests/qemu/build-kernel.sh --background "${CACHE:-.cache}" "$build/kernel-builtin"
	kbuild=$build/kernel-builtin
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
files=$(ls scripts/*.sh tests/run.sh tests/boot/*.sh tests/qemu/*.sh tests/libvirt/*.sh tests/system/*.sh tests/system/guest/vfe-step tests/qemu/guest/*.sh tests/grub/*.sh tests/deb/*.sh bench/*.sh 2>/dev/null)
# shellcheck disable=SC2086 # list of files
shellcheck -S warning $files \
	initramfs/initramfs-tools/hooks/vfio-early initramfs/initramfs-tools/scripts/init-top/00vfio-early \
	initramfs/dracut/90vfio-early/*.sh initramfs/mkinitcpio/hooks/vfio-early completion/vfio-earlyctl.bash &&
	shellcheck -S warning -s bash initramfs/mkinitcpio/install/vfio-early
count "shellcheck" $?

# Parts of the full run: each one's output, exit status and time are kept under $parts, so
# that two of them can run at once and still be reported in a fixed order.
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
times=""
part() { # ID NAME COMMAND...
	id=$1
	echo "$2" > "$parts/$id.name"
	shift 2
	t0=$(date +%s)
	"$@" > "$parts/$id.log" 2>&1
	echo $? > "$parts/$id.status"
	echo $(($(date +%s) - t0)) > "$parts/$id.time"
}
# A part prints "PASS: ..." / "FAIL: ..." lines, each one test; a failing exit without a
# FAIL line, or a part that checked nothing, is a failure too.
tally() { # ID: prints a part's output and counts it
	name=$(cat "$parts/$1.name")
	cat "$parts/$1.log"
	status=$(cat "$parts/$1.status" 2> /dev/null || echo 1)
	p=$(grep -c '^PASS: ' "$parts/$1.log")
	f=$(grep -c '^FAIL: ' "$parts/$1.log")
	passed=$((passed + p))
	failed=$((failed + f))
	if { [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; } || [ $((p + f)) -eq 0 ]; then
		count "$name (exit $status, $p passed)" 1
	fi
	times="$times$name $(cat "$parts/$1.time" 2> /dev/null || echo ?) s, "
}
# Every fuzzer in tests/fuzz/ (the Makefile's FUZZ_TARGETS are the same files), a short
# fixed budget each: one PASS/FAIL line per fuzzer.
fuzz_all() {
	for src in tests/fuzz/fuzz-*.c; do
		t=${src##*/}
		t=${t%.c}
		make -s "build/fuzz/$t" > /dev/null || { echo "FAIL: $t (build)"; continue; }
		mkdir -p "build/fuzz/corpus-$t"
		"build/fuzz/$t" -max_total_time="${FUZZ_CHECK_SECONDS:-15}" -print_final_stats=0 \
			"build/fuzz/corpus-$t" "tests/fuzz/corpus/${t#fuzz-}" > "build/fuzz/$t.log" 2>&1
		status=$?
		tail -n 2 "build/fuzz/$t.log"
		if [ "$status" -eq 0 ]; then
			echo "PASS: $t ${FUZZ_CHECK_SECONDS:-15}s"
		else
			echo "FAIL: $t ${FUZZ_CHECK_SECONDS:-15}s"
		fi
	done
}

# The initramfs scripts read the module's rules with the shell alone (no grep in the image).
part kmodrules "initramfs scripts: the module's rules" tests/boot/kmod-rules.sh
tally kmodrules

if [ "${2:-}" = full ]; then
	t_full=$(date +%s)
	# Two lanes at once, each using about one core: QEMU without KVM runs a guest on one,
	# and the boots of the module, integration and hand-made tests go one at a time. The
	# first lane: the fuzzers, the real grub-mkconfig, the Debian packages, then the module
	# on the other kernels (built in each release's root, booted one at a time).
	(
		part fuzz "fuzzers" fuzz_all
		part grub "grub-mkconfig" tests/grub/mkconfig-check.sh
		part deb "Debian packages" tests/deb/deb-check.sh
		part mmod "kernel matrix: the module" env MATRIX_PARTS=module tests/qemu/matrix.sh "$build"
	) &
	lane1=$!
	# The second lane: the module on bookworm's 6.1; dracut (systemd, shell, without
	# dracut-systemd, --no-hostonly) and initramfs-tools images the way a host gets them
	# (module options, no config, ordering, a hung helper); the hand-made migration.
	(
		part module "kernel module" tests/qemu/module-tests.sh "$build"
		part integ "boot-path integration" tests/qemu/integration-tests.sh "$build"
		part handmade "hand-made migration" tests/qemu/handmade-boot.sh "$build"
		# libvirt-xml's domains on a private, real libvirtd: define, start to OVMF, --update
		part libvirt "libvirt domain" tests/libvirt/libvirt-check.sh "$build"
	) &
	lane2=$!
	# The whole system (Debian 12 booted by GRUB, the package installed, applied,
	# rebooted, recovered, purged; on initramfs-tools and dracut): its base images are made
	# first where they are not cached (outside the work tree, as the built kernel is), its
	# boots start once the first lane has built the package and go on beside every later
	# part, one at a time under a lock of their own: the second lane's lock would make that
	# lane wait for minutes-long boots.
	(
		tests/system/mkbase.sh initramfs-tools > "$parts/mkbase.log" 2>&1
		tests/system/mkbase.sh dracut >> "$parts/mkbase.log" 2>&1
		while [ ! -s "$parts/deb.status" ] && kill -0 "$lane1" 2> /dev/null; do sleep 5; done
		part system "whole system" env RIG_LOCK=/tmp/vfe-system.lock tests/system/system-test.sh
	) &
	lane3=$!
	wait "$lane1" "$lane2"
	for id in fuzz grub deb module integ handmade libvirt mmod; do tally "$id"; done
	t_lanes=$(($(date +%s) - t_full))
	# Every scenario on bookworm's kernel, two boots at once; images from the rig's modules
	# only (the integration tests build the --no-hostonly ones); the boot-cost boots are
	# make bench's.
	part scen "real-kernel scenarios" env RIG_SLIM=rig COST_RUNS=0 tests/qemu/scenarios.sh "$build"
	tally scen
	# The core scenarios on the other kernels our users boot (5.10, 6.12, 7.x); the built
	# kernel comes last, its build still running meanwhile.
	part matrix "kernel matrix" env MATRIX_PARTS=scenarios ${kbuild:+MATRIX_KBUILD=$kbuild} \
		tests/qemu/matrix.sh "$build"
	tally matrix
	wait "$lane3"
	tally system
	echo
	echo "time of each part: ${times%, } (the first eight in two lanes at once: ${t_lanes} s;" \
		"the whole system beside them and the later parts);" \
		"all QEMU parts $(($(date +%s) - t_full)) s"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
