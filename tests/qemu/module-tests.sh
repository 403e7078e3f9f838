#!/bin/sh
# Tests of the kernel-assisted mode, vfio_early.ko (issue 6): builds it against
# Debian's headers of the rig's kernel, checks its style with the kernel's own
# checkpatch.pl, and boots the rig (tests/qemu/rig.sh) twice with the module loaded
# by modprobe before any host driver, the way an initramfs hook would.
#
# Usage: tests/qemu/module-tests.sh BUILD_DIR
# Environment:
#   CACHE        download and image cache (default: .cache of the work tree)
#   RIG_KERNEL_SUITE  the kernel booted (fetch-kernel.sh; default bookworm). Another suite's
#                module is built in a root of that release (tests/qemu/suite-root.sh: its
#                headers, its compiler and kbuild), as DKMS builds it on such a machine; the
#                DKMS-tree and checkpatch checks run on bookworm only
#   KDIR         kernel build tree (default /usr/src/linux-headers-VER, VER the rig's kernel)
#   RIG_TIMEOUT  seconds before a hung guest is killed (default 90)
# Output: "PASS: module: <scenario>" or "FAIL: module: <scenario>: <why>" per check,
# plus "module-tests: ..." notes (timings). Exit status 1 when any check failed.
# Logs: CACHE/rig/module/.
#
# Boots (guest side: tests/qemu/guest/module-early.sh and module-scenario.sh):
#   bind  vfio_early.bind= names 03:00.0-.2, 04:00.0, the empty hot-plug slot 05:00.0,
#         00:1f.3 with a wrong id and the bridge 02:00.0; checks the boot, runs the guest kselftest
#         (tests/qemu/guest/module_test.c), removes and rescans 04:00.0, then this
#         script hot-plugs a qemu-xhci into 05:00.0 (configured) and 06:00.0 (not)
#         through the QEMU monitor (tests/qemu/rig-hotplug.sh); a device given back
#         to the host is not probed again; then rmmod, a reload with dry_run=1 (a
#         device waiting for vfio-pci is not probed), a malformed bind=, the 32-bit
#         domain 10000, the status view of 64 rules, a bind= longer than the limit, and
#         every case of tests/switch-cases.txt (each loaded with dry_run=1)
#   off   the same with vfio_early.off: nothing bound, rmmod (on bookworm only)
set -u
PATH=$PATH:/usr/sbin:/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: module-tests.sh BUILD_DIR}
case $build in /*) ;; *) build=$top/$build ;; esac
cache=${CACHE:-$top/.cache}
suite=${RIG_KERNEL_SUITE:-bookworm}
work=$cache/rig/module
[ "$suite" = bookworm ] || work=$work-$suite
mkdir -p "$work"
failed=0

pass() { echo "PASS: module: $1"; }
fail() {
	echo "FAIL: module: $1: $2"
	failed=1
}
note() { echo "module-tests: $*"; }
now() { date +%s; }

kver=$("$top/tests/qemu/fetch-kernel.sh" "$cache") || {
	fail "setup" "no rig kernel (tests/qemu/fetch-kernel.sh)"
	exit 1
}
ko=$top/build/module/module/vfio_early.ko   # where `make module` builds it
root=""
if [ "$suite" != bookworm ] && [ -z "${KDIR:-}" ]; then
	root=$("$top/tests/qemu/suite-root.sh" "$cache" "$suite" "$kver" 2> "$work/root.log") ||
		{ fail "build against linux-headers-$kver" "no $suite build root: $(tail -n 3 "$work/root.log" | tr '\n' ' ')"; exit 1; }
	kdir=$root/usr/src/linux-headers-$kver
	ko=$root/src/module/vfio_early.ko
else
	kdir=${KDIR:-/usr/src/linux-headers-$kver}
fi

# The override interface the headers offer, read here independently of Kbuild's probe:
# the driver core's own (device_set_driver_override, 6.12.y and 7.x), driver_set_override()
# on the PCI core's const field (5.19 on), else the module's kstrdup fallback (5.10).
inc=$kdir/include
if [ ! -f "$inc/linux/device.h" ]; then # Debian's split headers: the common half
	common=$(sed -n 's/^include \(.*\)\/Makefile$/\1/p' "$kdir/Makefile" 2> /dev/null)
	inc=$root$common/include
fi
if grep -q 'device_set_driver_override(struct device' "$inc/linux/device.h" 2> /dev/null; then
	want=device_set_driver_override
elif grep -q 'int driver_set_override(' "$inc/linux/device/driver.h" "$inc/linux/device.h" 2> /dev/null &&
	grep -Eq '^[[:space:]]*const char[[:space:]]+\*driver_override;' "$inc/linux/pci.h"; then
	want=driver_set_override
else
	want=kstrdup
fi

# build_module: make module on this host, or in the suite's root from a copy of the source
build_module() {
	if [ -z "$root" ]; then
		make -s -C "$top" module KDIR="$kdir"
		return
	fi
	rm -rf "$root/src" && mkdir -p "$root/src/module/conftest" || return 1
	for f in Kbuild module/vfio_early.c module/vfio_early_limits.h module/conftest/*.c; do
		cp -p "$top/$f" "$root/src/$f" || return 1
	done
	"$top/tests/qemu/suite-root.sh" run "$root" make -C "/usr/src/linux-headers-$kver" M=/src modules
}

# ---- build: the probes pick what the headers offer; the fallback builds too ----
t0=$(now)
if [ ! -d "$kdir" ]; then
	fail "build against linux-headers-$kver" "no $kdir (scripts/install-deps.sh module)"
elif build_module > "$work/build.log" 2>&1 && [ -f "$ko" ]; then
	magic=$(modinfo -F vermagic "$ko")
	api=$(modinfo -F override_api "$ko")
	if grep -q 'warning:' "$work/build.log"; then
		fail "build against linux-headers-$kver" "$(grep -m1 'warning:' "$work/build.log")"
	elif [ "${magic%% *}" != "$kver" ] || [ "$api" != "$want" ]; then
		fail "build against linux-headers-$kver" "vermagic '$magic', override_api '$api' (the headers offer $want)"
	else
		pass "build against linux-headers-$kver${root:+ in a $suite root} (probe: $api)"
	fi
else
	fail "build against linux-headers-$kver" "$(tail -n 5 "$work/build.log" | tr '\n' ' ')"
fi

# The DKMS source tree as module-install lays it out, built the way dkms.conf
# says, with the probe switched off: the kstrdup fallback of older kernels.
if [ "$suite" = bookworm ]; then
	dkms_root=$work/dkms-root
	rm -rf "$dkms_root"
	version=$(sed -n 's/^VERSION := //p' "$top/Makefile")
	dsrc=$dkms_root/usr/src/vfio-early-$version
	if make -s -C "$top" module-install DESTDIR="$dkms_root" > "$work/dkms.log" 2>&1 &&
		grep -q "^PACKAGE_VERSION=\"$version\"" "$dsrc/dkms.conf" &&
		make -C "$kdir" M="$dsrc" VFE_CONFTEST=no modules >> "$work/dkms.log" 2>&1; then
		loc=$(sed -n 's/^BUILT_MODULE_LOCATION\[0\]="\(.*\)"/\1/p' "$dsrc/dkms.conf")
		name=$(sed -n 's/^BUILT_MODULE_NAME\[0\]="\(.*\)"/\1/p' "$dsrc/dkms.conf")
		api=$(modinfo -F override_api "$dsrc/$loc/$name.ko" 2>/dev/null)
		if [ "$api" = kstrdup ] && ! grep -q 'warning:' "$work/dkms.log"; then
			pass "module-install tree builds as dkms.conf says, fallback override path"
		else
			fail "module-install tree builds as dkms.conf says" "override_api '$api' (see $work/dkms.log)"
		fi
	else
		fail "module-install tree builds as dkms.conf says" "$(tail -n 3 "$work/dkms.log" | tr '\n' ' ')"
	fi
	note "builds: $(($(now) - t0)) s"

	# ---- checkpatch.pl of linux-source-6.1 ----
	if "$top/scripts/fetch-checkpatch.sh" "$cache" > "$work/checkpatch.log" 2>&1; then
		(cd "$top" && "$cache/checkpatch/checkpatch.pl" --no-tree --strict -f \
			module/vfio_early.c module/vfio_early_limits.h module/conftest/*.c) >> "$work/checkpatch.log" 2>&1
		if grep -q '^total: ' "$work/checkpatch.log" &&
			! grep '^total: ' "$work/checkpatch.log" | grep -qv '^total: 0 errors, 0 warnings, 0 checks'; then
			pass "checkpatch --strict clean"
		else
			fail "checkpatch --strict clean" "$(grep -m1 -E '^(ERROR|WARNING|CHECK)' "$work/checkpatch.log")"
		fi
	else
		fail "checkpatch --strict clean" "cannot extract checkpatch.pl (see $work/checkpatch.log)"
	fi
fi

[ -f "$ko" ] || { note "no module: no boots"; exit 1; }

# ---- the rig image: busybox, the module, the guest scripts and kselftest ----
t0=$(now)
"$top/scripts/fetch-kselftest.sh" "$cache"
if ! ${CC:-cc} -static -O2 -Wall -Wextra -D_GNU_SOURCE -isystem "$cache/kselftest" \
	-Wno-sign-compare -Wno-format-truncation -o "$work/module_test" \
	"$top/tests/qemu/guest/module_test.c" > "$work/ksft-build.log" 2>&1; then
	fail "guest kselftest builds" "$(head -n 3 "$work/ksft-build.log" | tr '\n' ' ')"
fi
img=$work/module.cpio.gz
# kmod's modprobe, not busybox's: only kmod passes valueless switches (vfio_early.off).
kmod=$(command -v kmod) || { fail "rig image" "no kmod (scripts/install-deps.sh qemu)"; exit 1; }
# vfio-pci is in the image but not loaded by /init: the module has to ask for it.
# The rig's display driver is bochs-drm before 5.14 (by this kernel's modules, not its version).
bochs=bochs
grep -q '/bochs-drm\.ko' "$cache/kernel/lib/modules/$kver/modules.dep" && bochs='bochs-drm'
if ! KVER=$kver MODULES="vfio-pci vfio_iommu_type1 xhci_pci snd_hda_intel $bochs" LOAD="xhci_pci snd_hda_intel $bochs" "$top/tests/qemu/mkinitrd-busybox.sh" "$cache" "$img" \
	"$ko:/lib/modules/$kver/extra/vfio_early.ko" \
	"$kmod:/kmod/modprobe" "$kmod:/kmod/depmod" \
	"$top/tests/qemu/guest/module-early.sh:/early.sh" \
	"$top/tests/qemu/guest/module-scenario.sh:/scenario.sh" \
	"$top/tests/switch-cases.txt:/switch-cases.txt" \
	"$work/module_test:/module_test" > "$work/image.log" 2>&1; then
	fail "rig image" "$(tail -n 3 "$work/image.log" | tr '\n' ' ')"
	exit 1
fi
note "image: $(($(now) - t0)) s"
kernel=$cache/kernel/boot/vmlinuz-$kver
export RIG_TIMEOUT="${RIG_TIMEOUT:-90}"
rules=03:00.0/1234:1111/allow-boot-vga,03:00.1/8086:293e,03:00.2/1b36:000d:0c03
rules=$rules,04:00.0/1b36:000d,05:00.0/1b36:000d,00:1f.3/1106:3483,02:00.0/104c:8233

# results BOOT LOG: the guest's verdicts as ours; a guest that never finished fails
results() {
	tr -d '\r' < "$2" > "$2.txt"
	sed -n 's/^VFE: PASS \(.*\)/PASS: module: \1/p; s/^VFE: FAIL \(.*\)/FAIL: module: \1/p' "$2.txt"
	grep -q '^VFE: FAIL ' "$2.txt" && failed=1
	grep -q '^VFE-DONE ' "$2.txt" ||
		fail "$1 boot" "the guest did not finish (see $2)"
}

# ---- boot "bind", with hot-plug through the monitor ----
t0=$(now)
log=$work/bind.log
mon=$work/bind.mon
rm -f "$mon.in" "$mon.out" "$log" # an old log's marker must not trigger the plug
mkfifo "$mon.in" "$mon.out"
"$top/tests/qemu/rig-hotplug.sh" "$mon" "$kernel" "$img" "$log" \
	vfe.test=bind "vfio_early.bind=$rules" > "$work/bind.rig" 2>&1 &
rig=$!
cat "$mon.out" > "$mon.log" 2>/dev/null &
drain=$!
n=0
while [ "$n" -lt $((RIG_TIMEOUT * 2)) ] && kill -0 "$rig" 2>/dev/null &&
	! grep -aq VFE-HOTPLUG-READY "$log" 2>/dev/null; do
	sleep 0.5
	n=$((n + 1))
done
if grep -aq VFE-HOTPLUG-READY "$log"; then
	timeout 10 sh -c 'printf "%s\n" "device_add qemu-xhci,bus=hp1,id=plug1" \
		"device_add qemu-xhci,bus=hp2,id=plug2" > "$1"' sh "$mon.in" ||
		fail "hot-plug" "cannot write to the QEMU monitor"
fi
wait "$rig"
status=$?
kill "$drain" 2>/dev/null
wait "$drain" 2>/dev/null
[ "$status" -eq 0 ] || fail "bind boot" "rig exited with $status (see $work/bind.rig)"
results bind "$log"
sed -n '/^VFE-KSFT-BEGIN/,/^VFE-KSFT-END/p' "$log.txt" > "$work/ksft.tap"
totals=$(grep '^# Totals:' "$work/ksft.tap")
if grep -q '^VFE-KSFT-END 0$' "$work/ksft.tap" && [ -n "$totals" ]; then
	pass "guest kselftest (${totals#\# Totals: })"
else
	fail "guest kselftest" "${totals:-no totals} (see $work/ksft.tap)"
	grep '^not ok' "$work/ksft.tap"
fi
note "bind boot: $(($(now) - t0)) s (hot-plug ready at $(sed -n 's/^VFE-HOTPLUG-READY //p' "$log.txt") s, seen at $(sed -n 's/^VFE-HOTPLUG-SEEN //p' "$log.txt") s guest time)"

# ---- boot "off" (bookworm: the switch is the module's own code, the same on every kernel) ----
[ "$suite" = bookworm ] || exit "$failed"
t0=$(now)
log=$work/off.log
if ! "$top/tests/qemu/rig.sh" "$kernel" "$img" "$log" vfe.test=off vfio_early.off \
	"vfio_early.bind=$rules" > "$work/off.rig" 2>&1; then
	fail "off boot" "rig failed (see $work/off.rig)"
fi
results off "$log"
note "off boot: $(($(now) - t0)) s"

exit "$failed"
