#!/bin/sh
# The whole system (issue 14): from `apt install` to a VM-ready host, on a Debian 12 system
# booted by SeaBIOS and GRUB on the seed rig (tests/qemu/rig.sh with no kernel handed over).
# The base image is tests/system/mkbase.sh's (cached outside the work tree); each run boots
# a copy-on-write copy of it.
#
# Usage: tests/system/system-test.sh [GENERATOR...]
#   (default: initramfs-tools dracut; the package comes from build/deb, made by make deb)
# Boots, each one through GRUB's menu on the serial console, each one ending with the rig's
# report (tests/qemu/guest/rig-end.sh, from the real root once systemd is up):
#   apply     apt install ./vfio-early_*.deb, the rig's config with hugepages and vm-cpus,
#             vfio-earlyctl apply --yes (the real update-grub and update-initramfs/dracut)
#   bound     GRUB's default entry: the targets on vfio-pci, the twin controller on
#             xhci_hcd, no host driver probed a target in either coldplug (initramfs and
#             real root), status exits 0, /proc/cmdline has our tokens
#   recovery  (initramfs-tools) "without PCI pass-through" picked in GRUB's menu: every
#             device on its host driver, vfio_early.off and none of our tokens; then
#             vfio-earlyctl rollback and apt purge vfio-early: /etc/default/grub as before
#             apply, byte for byte, no 42_vfio-early, an initramfs without the helper
#   ordinary  (initramfs-tools) the next boot is the ordinary one: every device on its host
#             driver, none of our tokens
# Prints PASS:/FAIL: lines and each boot's time; exits 1 when a check failed.
# Environment: CACHE (default: the work tree's .cache: each run's disks and logs under
#   CACHE/system/test-GENERATOR), SYSTEM_TIMEOUT (seconds a boot
#   may take, default 1800), RIG_LOCK (as for integration-tests.sh).
set -u
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
RIG_TOP=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/rig-lib.sh
. "$RIG_TOP/tests/qemu/rig-lib.sh"
gens=${*:-initramfs-tools dracut}
cache=${CACHE:-$RIG_TOP/.cache}
mkdir -p "$cache/system"
cache=$(cd "$cache" && pwd)
failed=0
pass() { echo "PASS: system: $gen: $1"; }
fail() {
	echo "FAIL: system: $gen: $1: $2"
	failed=1
}

deb=$(ls "$RIG_TOP"/build/deb/vfio-early_*_amd64.deb 2> /dev/null | tail -n 1)
if [ -z "$deb" ]; then
	make -s -C "$RIG_TOP" deb > /dev/null 2>&1
	deb=$(ls "$RIG_TOP"/build/deb/vfio-early_*_amd64.deb 2> /dev/null | tail -n 1)
fi
[ -n "$deb" ] || { echo "FAIL: system: setup: no vfio-early .deb (make deb)"; exit 1; }
bb=$(command -v busybox) || { echo "FAIL: system: setup: no busybox (scripts/install-deps.sh qemu)"; exit 1; }

# sysboot NAME ENTRY: boots the system's disk with the step in $work/NAME (after.sh: the
# commands to run once it is up), picking GRUB's menu entry number ENTRY (0: the default,
# first) by typing on the serial console; LOG is the serial log, without carriage returns.
sysboot() {
	s_d=$work/$1
	mkdir -p "$s_d/step"
	cp "$deb" "$s_d/step/"
	cp "$bb" "$s_d/step/busybox"
	cp "$RIG_TOP/tests/qemu/guest/rig-end.sh" "$s_d/step/rig-end.sh"
	printf '%s\n' 'mkdir -p /rig /etc/rig' 'cp busybox /rig/busybox' 'cp after.sh /etc/rig/after.sh' \
		'exec sh ./rig-end.sh' > "$s_d/step/step.sh"
	# (rig-end.sh puts busybox's applets first on PATH; the step runs the system's tools)
	{
		echo 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
		echo 'export PATH'
		cat "$s_d/step/after.sh"
	} > "$s_d/step/after.sh.new" && mv "$s_d/step/after.sh.new" "$s_d/step/after.sh"
	tar -cf "$s_d/step.tar" -C "$s_d/step" .
	truncate -s "%1M" "$s_d/step.tar"
	(
		flock 9
		date +%s > "$s_d/start"
		RIG_KEYS=$s_d/keys RIG_SMP=2 RIG_MEM=1024 RIG_TIMEOUT=${SYSTEM_TIMEOUT:-1800} \
			RIG_QEMU="-drive file=$work/disk.qcow2,format=qcow2,if=virtio -drive file=$s_d/step.tar,format=raw,if=virtio" \
			"$RIG_TOP/tests/qemu/rig.sh" - - "$s_d/serial.log" > "$s_d/rig.out" 2>&1 &
		rig=$!
		# GRUB's menu: its entries are drawn once it is up; a key stops the countdown
		n=0
		while [ $n -lt 3000 ] && ! grep -aq 'Use the .* keys to select which entry' "$s_d/serial.log" 2> /dev/null; do
			kill -0 "$rig" 2> /dev/null || break
			sleep 0.1
			n=$((n + 1))
		done
		if kill -0 "$rig" 2> /dev/null; then
			i=0
			keys=""
			while [ "$i" -lt "$2" ]; do
				keys="$keys\033[B"
				i=$((i + 1))
			done
			# (a writer on a FIFO that QEMU holds open does not block)
			printf '%b' "$keys\r" > "$s_d/keys"
		fi
		wait "$rig"
		echo $? > "$s_d/status"
	) 9> "${RIG_LOCK:-/tmp/vfe-qemu.lock}"
	LOG=$s_d/serial.txt
	tr -d '\r' < "$s_d/serial.log" > "$LOG"
	echo "system-test: $gen: $1: $(($(date +%s) - $(cat "$s_d/start"))) s (entry $2, rig status $(cat "$s_d/status"))"
	grep -q '^RIG-POWEROFF' "$LOG" || {
		fail "$1 boot" "the system did not reach its step's end (rig status $(cat "$s_d/status"), see $s_d/serial.log)"
		return 1
	}
}
out_lines() { sed -n 's/^RIG-OUT //p' "$LOG"; }
cmdline() { sed -n 's/^RIG-OUT cmdline: //p' "$LOG"; }
# ours_absent WHAT: none of apply's tokens on the command line
ours_absent() {
	c=" $(cmdline) "
	bad=""
	for t in hugepages= hugepagesz= default_hugepagesz= isolcpus= nohz_full= rcu_nocbs= irqaffinity= vfio_pci.ids= vfio-pci.ids=; do
		case $c in *" $t"*) bad="$bad $t" ;; esac
	done
	if [ -z "$bad" ]; then pass "$1: none of apply's tokens"; else fail "$1: none of apply's tokens" "$c has$bad"; fi
}
# "helper in image: N" for each initramfs, listed by its generator's own tool (the step
# fails, and so the check, when the listing does)
images='for i in /boot/initrd.img-*; do
	if command -v lsinitrd > /dev/null; then lsinitrd "$i" > /tmp/ls; else lsinitramfs "$i" > /tmp/ls; fi &&
		echo "helper in image: $(grep -c "bin/vfio-early$" /tmp/ls)"
done'
report='echo "cmdline: $(cat /proc/cmdline)"
vfio-earlyctl status > /tmp/st 2>&1; echo "status exit: $?"; sed "s/^/status: /" /tmp/st'

for gen in $gens; do
	work=$cache/system/test-$gen
	rm -rf "$work"
	mkdir -p "$work"
	t0=$(date +%s)
	if ! base=$("$here/mkbase.sh" "$gen" 2> "$work/mkbase.err"); then
		fail "base image" "$(tail -n 3 "$work/mkbase.err" | tr '\n' ' ')"
		continue
	fi
	echo "system-test: $gen: base image $(($(date +%s) - t0)) s"
	qemu-img create -q -f qcow2 -b "$base" -F raw "$work/disk.qcow2" || { fail setup "qemu-img"; continue; }

	# ---- apply ----
	mkdir -p "$work/apply/step"
	{
		echo 'cp -p /etc/default/grub /root/grub.before'
		echo 'cd /run/vfe-step && apt-get install -y -q --no-install-recommends ./vfio-early_*.deb > /tmp/apt 2>&1; echo "apt exit: $?"; tail -n 5 /tmp/apt'
		echo "cat > /etc/vfio-early.conf << 'EOF'"
		printf '%s\nhugepages 2M 32\nvm-cpus 1\n' "$RIG_CONF_ALL"
		echo 'EOF'
		echo 'vfio-earlyctl apply --yes > /tmp/apply 2>&1; echo "apply exit: $?"; sed "s/^/apply: /" /tmp/apply'
		echo 'grep -E "^(menuentry|submenu) " /boot/grub/grub.cfg | sed "s/^/entry: /"'
		echo "$images"
	} > "$work/apply/step/after.sh"
	sysboot apply 0 || continue
	if out_lines | grep -qx 'apt exit: 0'; then pass "apt install ./$(basename "$deb")"; else fail "apt install" "$(out_lines | grep -A5 'apt exit' | tr '\n' ' ')"; fi
	if out_lines | grep -qx 'apply exit: 0'; then pass "vfio-earlyctl apply --yes"; else fail "apply" "$(out_lines | grep '^apply' | tail -n 5 | tr '\n' ' ')"; fi
	if out_lines | grep -q '^helper in image: [1-9]'; then pass "the initramfs has the helper"; else fail "the initramfs has the helper" "$(out_lines | grep 'helper in image')"; fi
	# the number of our entry in GRUB's top-level menu
	entry=$(out_lines | sed -n 's/^entry: //p' | grep -n 'without PCI pass-through' | head -n 1 | cut -d: -f1)
	if [ -n "$entry" ]; then pass "GRUB's menu has the entry without PCI pass-through (number $((entry - 1)))"; else fail "GRUB's menu" "no entry without PCI pass-through: $(out_lines | grep '^entry' | tr '\n' ' ')"; fi

	# ---- bound: GRUB's default entry ----
	mkdir -p "$work/bound/step"
	printf '%s\n' "$report" > "$work/bound/step/after.sh"
	if sysboot bound 0; then
		rig_expect_drivers "bound: the targets on vfio-pci, the twin controller on xhci_hcd" \
			00:04.0=xhci_hcd 03:00.0=vfio-pci 03:00.1=vfio-pci 03:00.2=vfio-pci 04:00.0=vfio-pci
		rig_expect_no_probe "bound: no host driver probed a target (initramfs and real root)" $RIG_TARGETS
		if out_lines | grep -qx 'status exit: 0'; then pass "bound: vfio-earlyctl status exits 0"; else fail "bound: status" "$(out_lines | grep '^status' | tail -n 5 | tr '\n' ' ')"; fi
		case " $(cmdline) " in
		*" hugepages=32 "*) pass "bound: /proc/cmdline has our tokens" ;;
		*) fail "bound: /proc/cmdline" "no hugepages=32: $(cmdline)" ;;
		esac
	fi
	[ "$gen" = initramfs-tools ] || continue

	# ---- recovery: the entry without PCI pass-through, then rollback and purge ----
	mkdir -p "$work/recovery/step"
	{
		printf '%s\n' "$report"
		echo 'vfio-earlyctl rollback > /tmp/rb 2>&1; echo "rollback exit: $?"; sed "s/^/rollback: /" /tmp/rb'
		echo 'apt-get purge -y -q vfio-early > /tmp/apt 2>&1; echo "purge exit: $?"; tail -n 3 /tmp/apt'
		echo 'cmp /etc/default/grub /root/grub.before && echo "grub: as before"'
		echo '[ -e /etc/grub.d/42_vfio-early ] && echo "grub.d: 42_vfio-early left"'
		echo "$images"
	} > "$work/recovery/step/after.sh"
	if [ -n "$entry" ] && sysboot recovery $((entry - 1)); then
		# shellcheck disable=SC2086 # a list of words
		rig_expect_drivers "recovery: every device on its host driver" $RIG_HOST_DRIVERS
		case " $(cmdline) " in
		*" vfio_early.off "*) pass "recovery: /proc/cmdline has vfio_early.off" ;;
		*) fail "recovery: /proc/cmdline" "no vfio_early.off: $(cmdline)" ;;
		esac
		ours_absent recovery
		out_lines | grep -qx 'rollback exit: 0' && pass "rollback" || fail "rollback" "$(out_lines | grep '^rollback' | tr '\n' ' ')"
		out_lines | grep -qx 'purge exit: 0' && pass "apt purge vfio-early" || fail "apt purge" "$(out_lines | grep -A3 '^purge' | tr '\n' ' ')"
		out_lines | grep -qx 'grub: as before' && pass "/etc/default/grub byte for byte as before apply" || fail "/etc/default/grub" "differs from before apply"
		out_lines | grep -q '42_vfio-early left' && fail "grub.d" "42_vfio-early left" || pass "no 42_vfio-early"
		if out_lines | grep -q '^helper in image: [1-9]' || ! out_lines | grep -q '^helper in image: 0'; then
			fail "the initramfs without the helper" "$(out_lines | grep 'helper in image')"
		else
			pass "the initramfs without the helper"
		fi
	fi

	# ---- ordinary: the next boot ----
	mkdir -p "$work/ordinary/step"
	echo 'echo "cmdline: $(cat /proc/cmdline)"' > "$work/ordinary/step/after.sh"
	if sysboot ordinary 0; then
		# shellcheck disable=SC2086
		rig_expect_drivers "ordinary: every device on its host driver" $RIG_HOST_DRIVERS
		ours_absent ordinary
	fi
done
exit "$failed"
