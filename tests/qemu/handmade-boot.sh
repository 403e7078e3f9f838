#!/bin/sh
# A rig migrated from a hand-made, id-based setup (issue 16 item 5), in two boots of the
# busybox image on the emulated seed rig (tests/qemu/rig-lib.sh, rig.sh):
#
#   boot 1  the guide's setup, no vfio-early acting: vfio_pci.ids=1234:1111,8086:293e,1b36:000d
#           and hugepages=16 on the kernel command line and in /etc/default/grub, vfio-pci
#           loaded before the host drivers (what the guide's softdep lines in
#           /etc/modprobe.d/vfio.conf do; busybox's modprobe reads no softdep, so the rig
#           loads it first). The id takes the host's twin controller 00:04.0 too. In the
#           guest then: import --json (1b36:000d listed with its three slots, none chosen),
#           import --yes, add 04:00.0, apply --yes; the files before and after apply come
#           back on the serial console.
#   boot 2  the command line apply wrote and the files it left: the targets on vfio-pci,
#           00:04.0 on xhci_hcd, no host driver probed a target, check names nothing
#           hand-made, status exits 0; rollback puts back apply's files byte for byte (and
#           mode), two more put back add's and import's: the guide's files exactly.
#
# Usage: tests/qemu/handmade-boot.sh BUILD_DIR      (BUILD_DIR holds vfio-early, vfio-earlyctl)
# Environment: CACHE (default .cache of the work tree), RIG_TIMEOUT (default 150),
#   RIG_LOCK (default /tmp/vfe-qemu.lock: each boot holds it, one QEMU at a time here)
# Output: "PASS: handmade: <check>" or "FAIL: handmade: <check>: <why>", and "handmade: ..."
# notes (times). Exit status 1 when any check failed. Logs: CACHE/rig/handmade/.
set -u
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
RIG_TOP=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/rig-lib.sh
. "$RIG_TOP/tests/qemu/rig-lib.sh"
rig_dirs "${1:?usage: tests/qemu/handmade-boot.sh BUILD_DIR}" handmade
# An image of its own: a scenario run elsewhere with other binaries never rebuilds it under us.
RIG_IMAGES=$RIG_CACHE/rig/images-handmade${RIG_IMAGES#"$RIG_CACHE/rig/images"}
failed=0
t0=$(date +%s)
pass() { echo "PASS: handmade: $1"; }
fail() {
	echo "FAIL: handmade: $1: $2"
	failed=1
}
note() { echo "handmade: $*"; }
finish() {
	note "total $(($(date +%s) - t0)) s"
	exit "$failed"
}

rm -rf "$RIG_WORK"
mkdir -p "$RIG_WORK/build"
# The programs as they are now: a rebuild during the run changes nothing here.
for p in vfio-early vfio-earlyctl; do
	cp "$RIG_BUILD/$p" "$RIG_WORK/build/$p" || { fail setup "no $RIG_BUILD/$p (run make)"; finish; }
done
RIG_BUILD=$RIG_WORK/build
rig_setup || { fail setup "rig_setup failed"; finish; }
rig_image busybox || { fail setup "cannot build the busybox image"; finish; }
image=$RIG_IMAGE
ids=1234:1111,8086:293e,1b36:000d
# The rig's host drivers by this kernel's module names (rig_setup: xhci_pci snd_hda_intel bochs)
# shellcheck disable=SC2086 # a list of names
set -- $RIG_HOST_MODULES
r_bochs=$3

# ---- the guide's files ----
guide=$RIG_WORK/guide
mkdir -p "$guide/etc/default" "$guide/etc/modprobe.d"
cat > "$guide/etc/default/grub" << EOF
# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.

GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX_DEFAULT="quiet vfio_pci.ids=$ids hugepages=16"
GRUB_CMDLINE_LINUX=""
EOF
cat > "$guide/etc/modprobe.d/vfio.conf" << EOF
# vfio-pci first, so that it takes the ids before the host drivers (by hand)
softdep $r_bochs pre: vfio-pci
softdep snd_hda_intel pre: vfio-pci
softdep xhci_pci pre: vfio-pci
EOF
chmod 0644 "$guide/etc/default/grub" "$guide/etc/modprobe.d/vfio.conf"

# The state apply works on, as a list of paths under / (what the guest sends back).
state_paths="etc/default/grub etc/modprobe.d etc/grub.d etc/vfio-early.conf var/lib/vfio-early"

# after.sh: runs in the guest at the end of the initramfs (tests/qemu/guest/rig-end.sh).
# Each command's output between "== NAME" and "== rc N"; a state as a base64 tarball.
guest_lib() {
	cat << EOF
PATH=/usr/sbin:/usr/bin:/sbin:/bin:\$PATH
run() { # run NAME CMD...
	n=\$1
	shift
	echo "== \$n"
	"\$@" 2>&1
	echo "== rc \$?"
}
state() { # state NAME: the files apply works on, as a gzip'd tar in base64
	echo "== \$1"
	l=""
	for p in $state_paths; do [ -e "/\$p" ] && l="\$l \$p"; done
	(cd / && tar -cf - \$l) | gzip -c | base64
	echo "== rc \$?"
}
EOF
}
# out_of LOG NAME: what the guest printed for NAME; rc_of LOG NAME: its status
out_of() {
	sed -n 's/^RIG-OUT //p' "$1" | awk -v c="== $2" '$0 == c { on = 1; next } on && /^== rc / { exit } on'
}
rc_of() {
	sed -n 's/^RIG-OUT //p' "$1" | awk -v c="== $2" '$0 == c { on = 1; next } on && /^== rc / { print $3; exit }'
}
unpack_state() { # unpack_state LOG NAME DIR
	rm -rf "$3"
	mkdir -p "$3"
	out_of "$1" "$2" | base64 -d | gzip -dc | tar -xpf - -C "$3"
}

# boot NAME HOW [CMDLINE...]: one boot with the overlay $RIG_WORK/NAME/extra laid over
# rig_overlay's; sets LOG. One QEMU at a time on this machine.
boot() {
	b_name=$1 b_how=$2
	shift 2
	b_d=$RIG_WORK/$b_name
	rig_overlay busybox "$b_d/ovl" "$RIG_UNPACKED" "$b_how" || return 1
	cp -a "$b_d/extra/." "$b_d/ovl/"
	b_s=$(date +%s)
	(
		flock 9
		rig_boot "$image" "$b_d/ovl" "$b_d/serial.log" "$@"
	) 9> "${RIG_LOCK:-/tmp/vfe-qemu.lock}"
	b_st=$?
	LOG=$b_d/serial.log.txt
	note "$b_name: $(($(date +%s) - b_s)) s (lock wait included), status $b_st"
	grep -q '^RIG-POWEROFF ' "$LOG" 2> /dev/null ||
		{ fail "$b_name" "the guest did not reach the end (status $b_st, see $b_d/serial.log)"; return 1; }
}
# ran NAME CMD STATUS: the guest's CMD exited with STATUS
ran() {
	r=$(rc_of "$LOG" "$2")
	if [ "$r" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 exited ${r:-?}, expected $3: $(out_of "$LOG" "$2" | grep -E 'ERROR|FIX' | head -n 3 | tr '\n' ' ')"
	fi
}

# ---- boot 1: the guide's setup ----
d1=$RIG_WORK/boot1
mkdir -p "$d1/extra/etc/rig"
cp -a "$guide/." "$d1/extra/"
{
	guest_lib
	cat << 'EOF'
run import-json vfio-earlyctl import --json
run import vfio-earlyctl import --yes
run add vfio-earlyctl add 04:00.0
state before-apply
run apply vfio-earlyctl apply --yes
state after-apply
EOF
} > "$d1/extra/etc/rig/after.sh"
if boot boot1 "end nohelper" "vfio_pci.ids=$ids" hugepages=16 "rig.load=vfio-pci,xhci_pci,snd_hda_intel,$r_bochs"; then
	rig_expect_drivers "boot 1, by id: the targets and the host's twin controller 00:04.0 on vfio-pci" \
		00:04.0=vfio-pci 03:00.0=vfio-pci 03:00.1=vfio-pci 03:00.2=vfio-pci 04:00.0=vfio-pci
	# import on that bus: 1b36:000d on three devices is listed, never chosen
	out_of "$LOG" import-json > "$d1/import.json"
	why=$(python3 - "$d1/import.json" << 'EOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError as e:
    print("import --json is not JSON: %s" % e)
    sys.exit()
amb = [a for a in j.get("ambiguous", []) if a.get("id") == "1b36:000d"]
slots = sorted(d["slot"] for a in amb for d in a["devices"])
want = ["0000:00:04.0", "0000:03:00.2", "0000:04:00.0"]
if slots[:3] != want or len(amb) != 1:
    print("1b36:000d is not listed once with %s: %s" % (want, slots))
lines = j.get("lines", [])
binds = sorted(l.split()[1] for l in lines if l.startswith("bind "))
if binds != ["0000:03:00.0", "0000:03:00.1", "0000:03:00.2"]:
    print("import binds %s, not the card's three functions" % binds)
if "hugepages 2M 16" not in lines:
    print("no hugepages 2M 16 among %s" % lines)
EOF
	)
	if [ -z "$why" ]; then
		pass "import --json on the id-bound bus: 1b36:000d on 00:04.0, 03:00.2 and 04:00.0, not guessed; the card's functions by slot"
	else
		fail "import --json" "$why"
	fi
	ran "import --yes" import 0
	ran "add 04:00.0" add 0
	ran "apply --yes" apply 0
	a=$(out_of "$LOG" apply)
	why=""
	printf '%s\n' "$a" | grep -qF "  vfio_pci.ids=$ids (" || why="$why the vfio_pci.ids= token is not named;"
	for drv in "$r_bochs" snd_hda_intel xhci_pci; do
		printf '%s\n' "$a" | grep -qF "/etc/modprobe.d/vfio.conf line" &&
			printf '%s\n' "$a" | grep -qF "softdep $drv pre: vfio-pci (/etc/modprobe.d/00-vfio-early.conf gives $drv" ||
			why="$why softdep $drv is not named;"
	done
	if [ -z "$why" ]; then pass "apply names each hand-made line it takes out"; else fail "apply names" "$why"; fi
	unpack_state "$LOG" before-apply "$RIG_WORK/before" || fail "state" "no state before apply"
	unpack_state "$LOG" after-apply "$RIG_WORK/after" || fail "state" "no state after apply"
fi

# ---- boot 2: what apply wrote ----
after=$RIG_WORK/after
if [ -f "$after/etc/default/grub" ] && [ -f "$after/etc/vfio-early.conf" ]; then
	# The command line grub-mkconfig would make of the file apply left.
	# shellcheck disable=SC1091 # the guest's file
	cmdline=$(. "$after/etc/default/grub" && echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT")
	note "the command line apply wrote: $cmdline"
	case " $cmdline " in
	*vfio_pci.ids* | *vfio-pci.ids*) fail "apply's command line" "it still has vfio-pci ids: $cmdline" ;;
	*" hugepages=16 "*) pass "apply's command line: no vfio-pci ids, hugepages=16 kept" ;;
	*) fail "apply's command line" "hugepages=16 is gone: $cmdline" ;;
	esac
	if grep -q '^softdep' "$after/etc/modprobe.d/vfio.conf"; then
		fail "the guide's softdep lines" "still in vfio.conf: $(grep '^softdep' "$after/etc/modprobe.d/vfio.conf" | tr '\n' ' ')"
	else
		pass "the guide's softdep lines are out of vfio.conf, 00-vfio-early.conf has: $(grep -c '^softdep' "$after/etc/modprobe.d/00-vfio-early.conf") softdep lines"
	fi
	d2=$RIG_WORK/boot2
	mkdir -p "$d2/extra/etc/rig/orig" "$d2/extra/etc/rig/before"
	cp -a "$after/." "$d2/extra/"
	cp -a "$guide/." "$d2/extra/etc/rig/orig/"
	cp -a "$RIG_WORK/before/." "$d2/extra/etc/rig/before/"
	{
		guest_lib
		cat << EOF
state_paths="$state_paths"
EOF
		cat << 'EOF'
# same LABEL DIR: every file of DIR byte for byte and mode at its place in /, and no other
# file of the state (backups aside)
same() {
	(cd "$2" && find . -type f | sed 's|^\./||' | sort) > /tmp/want
	(cd / && find $state_paths -type f 2> /dev/null | grep -v '^var/lib/vfio-early/backup/' | sort) > /tmp/have
	bad=0
	while read -r f; do
		if [ ! -f "/$f" ]; then
			echo "HM-CMP $1 missing /$f"
			bad=1
		elif ! cmp -s "$2/$f" "/$f" || [ "$(stat -c %a "$2/$f")" != "$(stat -c %a "/$f")" ]; then
			echo "HM-CMP $1 differs /$f"
			bad=1
		fi
	done < /tmp/want
	grep -vxF -f /tmp/want /tmp/have > /tmp/extra
	while read -r f; do
		echo "HM-CMP $1 extra /$f"
		bad=1
	done < /tmp/extra
	[ "$bad" = 0 ] && echo "HM-CMP $1 same"
}
run check vfio-earlyctl check
run status vfio-earlyctl status
run rollback-apply vfio-earlyctl rollback
same before-apply /etc/rig/before
run rollback-add vfio-earlyctl rollback
run rollback-import vfio-earlyctl rollback
same guide /etc/rig/orig
EOF
	} > "$d2/extra/etc/rig/after.sh"
	# shellcheck disable=SC2086 # the command line is a list of words
	if boot boot2 end $cmdline; then
		rig_expect_drivers "boot 2, by slot: the targets on vfio-pci, the twin controller 00:04.0 on xhci_hcd" \
			00:04.0=xhci_hcd 03:00.0=vfio-pci 03:00.1=vfio-pci 03:00.2=vfio-pci 04:00.0=vfio-pci
		rig_expect_no_probe "boot 2: no host driver probed a target" 03:00.0 03:00.1 03:00.2 04:00.0
		hm=$(out_of "$LOG" check | grep -E '^(FIX|ok) +handmade' || :)
		if [ -z "$(out_of "$LOG" check)" ]; then
			fail "check" "no output"
		elif printf '%s\n' "$hm" | grep -q '^FIX'; then
			fail "check after the migration" "$(printf '%s\n' "$hm" | grep '^FIX' | head -n 3 | tr '\n' ' ')"
		else
			pass "check after the migration: no hand-made finding to fix"
		fi
		ran "status after the migration" status 0
		ran "rollback of apply" rollback-apply 0
		for label in before-apply guide; do
			res=$(sed -n "s/^RIG-OUT HM-CMP $label //p" "$LOG")
			if [ "$res" = same ]; then
				pass "rollback: every file as it was ($label), byte for byte and mode"
			else
				fail "rollback to $label" "$(printf '%s\n' "${res:-no comparison}" | tr '\n' ' ')"
			fi
		done
	fi
else
	fail "boot 2" "boot 1 left no state to boot with"
fi
finish
