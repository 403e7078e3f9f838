#!/bin/sh
# The kernel matrix (issue 13): the rig's core scenarios on the kernels our users boot
# besides Debian 12's 6.1, which tests/qemu/scenarios.sh runs with every scenario.
#
# Usage: tests/qemu/matrix.sh BUILD_DIR
# Environment:
#   MATRIX_SUITES     Debian suites whose kernel is booted (default: bullseye trixie
#                     trixie-backports builtin: 5.10, 6.12, 7.x, and 6.1 built with
#                     vfio-pci built in by build-kernel.sh); see fetch-kernel.sh
#   MATRIX_SCENARIOS  boots on each (default: bind-all off wrong-id already-bound no-vfio;
#                     bind-all also runs the VFIO client, by group and by device cdev)
#   MATRIX_PARTS      what runs on each suite (default: "scenarios module"): the scenarios,
#                     and the module tests (tests/qemu/module-tests.sh) on each suite but
#                     builtin, built with that release's compiler and headers; tests/run.sh
#                     runs the module part beside single-QEMU tests, the scenarios later
#   MATRIX_MODULE     no: as MATRIX_PARTS=scenarios
#   MATRIX_KBUILD     PREFIX: the builtin kernel is being built in the background (tests/run.sh):
#                     wait for PREFIX.status (its exit status) before booting it; PREFIX.log
#                     is its output
#   CACHE, JOBS       as for scenarios.sh
# Images: busybox and the real initramfs-tools image on every suite, dracut's on trixie
# and newer.
# Output: "PASS: <suite>: <generator>: <scenario>" / "FAIL: ...: <why>" per check, then
# the table (kernel x image x scenario) and each suite's time. Exit 1 when a cell failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: tests/qemu/matrix.sh BUILD_DIR}
suites=${MATRIX_SUITES:-bullseye trixie trixie-backports builtin}
scen=${MATRIX_SCENARIOS:-bind-all off wrong-id already-bound no-vfio}
parts=${MATRIX_PARTS:-scenarios module}
[ "${MATRIX_MODULE:-yes}" = yes ] || parts=scenarios
has() { case " $parts " in *" $1 "*) ;; *) return 1 ;; esac; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0
times=""

# kver: the version of $suite's kernel (fetch-kernel.sh answers from its cache; builtin's, once built)
kver() { RIG_KERNEL_SUITE=$suite "$here/fetch-kernel.sh" "${CACHE:-$here/../../.cache}" 2> /dev/null; }

for suite in $suites; do
	has scenarios || [ "$suite" != builtin ] || continue
	gens="busybox initramfs-tools"
	case $suite in bullseye | bookworm | builtin) ;; *) gens="$gens dracut" ;; esac
	if [ "$suite" = builtin ] && [ -n "${MATRIX_KBUILD:-}" ]; then
		t0=$(date +%s)
		# (bounded: a build killed before it could say how it ended must not hang the run)
		while [ ! -s "$MATRIX_KBUILD.status" ] && [ $(($(date +%s) - t0)) -lt 5400 ]; do sleep 5; done
		[ -s "$MATRIX_KBUILD.status" ] || echo 124 > "$MATRIX_KBUILD.status"
		times="${times}builtin build waited for $(($(date +%s) - t0))s,
"
		if [ "$(cat "$MATRIX_KBUILD.status")" != 0 ]; then
			echo "FAIL: builtin: the kernel build failed: $(tail -n 5 "$MATRIX_KBUILD.log" | tr '\n' ' ')"
			failed=1
			continue
		fi
	fi
	if has scenarios; then
		t0=$(date +%s)
		# (the images hold the rig's modules only: the kernel's other drivers add minutes to
		# each build and boot and nothing to what is checked; bookworm's scenarios take all)
		RIG_SLIM=${RIG_SLIM-rig} RIG_KERNEL_SUITE=$suite GENERATORS=$gens SCENARIOS=$scen COST_RUNS=0 \
			"$here/scenarios.sh" "$build" > "$out/$suite.log" 2>&1
		status=$?
		t=$(($(date +%s) - t0))
		kver > "$out/$suite.kver"
		times="$times$suite ($(cat "$out/$suite.kver")) ${t}s,
"
		sed -n "s/^\(PASS\|FAIL\|SKIP\): /\1: $suite: /p" "$out/$suite.log"
		if [ "$status" -ne 0 ] && ! grep -q '^FAIL: ' "$out/$suite.log"; then
			echo "FAIL: $suite: scenarios.sh exited $status without a failed check: $(tail -n 3 "$out/$suite.log" | tr '\n' ' ')"
		fi
		grep -q '^FAIL: ' "$out/$suite.log" && failed=1
		[ "$status" -eq 0 ] || failed=1
	fi
	# vfio_early.ko against this kernel's headers (a built kernel has none packaged)
	has module && [ "$suite" != builtin ] || continue
	t0=$(date +%s)
	RIG_KERNEL_SUITE=$suite "$here/module-tests.sh" "$build" > "$out/$suite.module" 2>&1
	status=$?
	times="$times$suite module $(($(date +%s) - t0))s,
"
	[ -s "$out/$suite.kver" ] || kver > "$out/$suite.kver"
	sed -n "s/^\(PASS\|FAIL\): module: /\1: $suite: module: /p" "$out/$suite.module"
	if [ "$status" -ne 0 ] && ! grep -q '^FAIL: ' "$out/$suite.module"; then
		echo "FAIL: $suite: module-tests.sh exited $status without a failed check: $(tail -n 3 "$out/$suite.module" | tr '\n' ' ')"
	fi
	[ "$status" -eq 0 ] || failed=1
done

# The table: one row per suite and image, one column per check.
cols="order check-image $scen vfio-client vfio-cdev"
echo
if has scenarios; then
	printf '%-34s %-16s' kernel image
	for c in $cols; do printf ' %-13s' "$c"; done
	echo
fi
for suite in $suites; do
	for gen in busybox initramfs-tools dracut; do
		grep -q "^[A-Z]*: $gen: " "$out/$suite.log" 2> /dev/null || continue
		printf '%-34s %-16s' "$suite $(cat "$out/$suite.kver")" "$gen"
		for c in $cols; do
			r=$(sed -n "s/^\(PASS\|FAIL\|SKIP\): $gen: $c\(:.*\)\{0,1\}$/\1/p" "$out/$suite.log" | head -n 1)
			printf ' %-13s' "${r:--}"
		done
		echo
	done
done
echo
for suite in $suites; do
	[ -f "$out/$suite.module" ] || continue
	p=$(grep -c '^PASS: ' "$out/$suite.module")
	f=$(grep -c '^FAIL: ' "$out/$suite.module")
	api=$(sed -n 's/^PASS: module: build against .* (probe: \(.*\))$/\1/p' "$out/$suite.module")
	printf 'module  %-34s %s passed, %s failed (override: %s)\n' "$suite $(cat "$out/$suite.kver")" \
		"$p" "$f" "${api:-?}"
done
echo
printf 'matrix time: %s\n' "$(echo "$times" | sed '/^$/d' | tr '\n' ' ')"
exit "$failed"
