#!/bin/sh
# Run the real grub-mkconfig on /etc/default/grub files edited by our GRUB editor and check
# that the generated `linux` lines carry exactly the user's tokens and ours, and none of ours
# once removed; then on a grub.d .cfg that overrides the value, edited by vfio-earlyctl apply. Runs in a private mount namespace: /etc/default, /boot and grub-probe are
# replaced there only, by a fake /boot with vmlinuz-6.1.0-test and a grub-probe that answers
# for a plain ext4 disk. Prints PASS:/FAIL:/SKIP: lines; exits 1 when anything failed.
# Usage: tests/grub/mkconfig-check.sh   (as root, from the top of the source tree)
set -u
version=6.1.0-test
ours="intel_iommu=on iommu=pt kvm.ignore_msrs=1 default_hugepagesz=2M hugepagesz=2M hugepages=8192"
failed=0

pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	failed=1
}

if [ "${1:-}" != --inside ]; then
	for tool in grub-mkconfig unshare cc; do
		if ! command -v "$tool" >/dev/null; then
			echo "SKIP: grub-mkconfig check: $tool missing (scripts/install-deps.sh test)"
			exit 0
		fi
	done
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: grub-mkconfig check: needs root for a mount namespace"
		exit 0
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# shellcheck disable=SC2046 # pkg-config prints several flags
	cc -std=gnu11 -D_GNU_SOURCE -o "$tmp/grub-edit" tests/grub/grub-edit.c \
		kernel-cmdline/tokens.c kernel-cmdline/grub.c kernel-cmdline/cmdline.c \
		lib/boot/util.c lib/boot/log.c lib/boot/cpulist.c lib/boot/config.c \
		$(pkg-config --cflags --libs libpci libkmod json-c) || {
		echo "FAIL: grub-mkconfig check: cannot build the editor"
		exit 1
	}
	# Our own GRUB script, as `vfio-earlyctl apply` writes it into a copy of the seed's root.
	ctl=${VFE_BUILD:-build}/vfio-earlyctl
	if [ -x "$ctl" ] && [ -d build/rootfs/seed ]; then
		cp -a build/rootfs/seed "$tmp/root"
		mkdir -p "$tmp/root/etc/default"
		# the guide's machine, a CRLF file and vfio-pci ids the user left on the line
		cp tests/golden/grub/vfio-pci-ids-crlf.in "$tmp/root/etc/default/grub"
		printf 'bind 0f:00.0 1106:3483\nhugepages 2M 8192\nvm-cpus 8-15\n' \
			>"$tmp/root/etc/vfio-early.conf"
		"$ctl" --root "$tmp/root" apply --yes >"$tmp/apply.log" 2>&1 || {
			cat "$tmp/apply.log"
			echo "FAIL: grub-mkconfig check: vfio-earlyctl apply"
			exit 1
		}
	fi
	unshare -m "$0" --inside "$tmp"
	exit $?
fi

tmp=$2
mount --make-rprivate / || exit 1
mkdir -p "$tmp/etc-default" "$tmp/boot/grub"
: >"$tmp/boot/vmlinuz-$version"
: >"$tmp/boot/initrd.img-$version"
cat >"$tmp/grub-probe" <<'PROBE'
#!/bin/sh
# Answers for one ext4 partition on the first disk.
for arg; do
	case $arg in
	--target=device) echo /dev/vda1 ;;
	--target=fs) echo ext2 ;;
	--target=fs_uuid) echo 5b2d6c1e-0f3a-4c55-9d1e-7a1b2c3d4e5f ;;
	--target=partuuid) echo 1a2b3c4d-01 ;;
	--target=partmap) echo msdos ;;
	--target=compatibility_hint) echo hd0,msdos1 ;;
	--target=drive) echo '(hd0,msdos1)' ;;
	--target=fs_label) exit 1 ;;
	--target=*) ;;
	esac
done
exit 0
PROBE
chmod 0755 "$tmp/grub-probe"
mount --bind "$tmp/etc-default" /etc/default &&
	mount --bind "$tmp/boot" /boot &&
	mount --bind "$tmp/grub-probe" "$(command -v grub-probe)" || {
	fail "grub-mkconfig check: mount namespace"
	exit 1
}

# The kernel arguments of every `linux` line for our test kernel, one line each, blanks
# squeezed (a CRLF file leaves a CR in each value: the kernel reads it as a blank).
linux_args() {
	grub-mkconfig -o "$tmp/grub.cfg" 2>"$tmp/mkconfig.log" || {
		cat "$tmp/mkconfig.log"
		return 1
	}
	sed -n "s|^[[:space:]]*linux[[:space:]]\{1,\}[^ ]*vmlinuz-$version root=[^ ]* ro||p" \
		"$tmp/grub.cfg" | tr -s '\r\t ' '   ' | sed 's/^ //; s/ $//'
}

# NAME USER_ARGS RECOVERY_ARGS: the golden input NAME is /etc/default/grub now. Every normal
# entry must carry USER_ARGS then ours, the recovery entry (the last) RECOVERY_ARGS only.
# lines_are NAME ARGS WANT RECOVERY: the linux lines' arguments ARGS (one entry a line,
# the recovery entry last) are WANT for every normal entry and RECOVERY for the last.
lines_are() {
	n=$(echo "$2" | wc -l)
	normal=$(echo "$2" | sed '$d' | sort -u)
	recovery=$(echo "$2" | sed -n '$p')
	if [ "$normal" = "$3" ]; then
		pass "$1: $((n - 1)) normal linux lines are '$normal'"
	else
		fail "$1: normal linux lines are '$normal', want '$3'"
	fi
	if [ "$recovery" = "$4" ]; then
		pass "$1: recovery line is '$recovery'"
	else
		fail "$1: recovery line is '$recovery', want '$4'"
	fi
}

check() {
	name=$1
	want="$2 $ours"
	cp /etc/default/grub "$tmp/original"
	# What remove must give back: the original, or NAME.removed when it held tokens of ours.
	expected=tests/golden/grub/$name.removed
	[ -e "$expected" ] || expected=$tmp/original
	cp "$expected" /etc/default/grub
	if ! before=$(linux_args); then
		fail "$name: grub-mkconfig on ${expected##*/}"
		return
	fi
	cp "$tmp/original" /etc/default/grub
	if ! "$tmp/grub-edit" /etc/default/grub $ours; then
		fail "$name: editing"
		return
	fi
	if ! args=$(linux_args) || [ -z "$args" ]; then
		fail "$name: grub-mkconfig after apply"
		return
	fi
	lines_are "$name" "$args" "$want" "$3"
	"$tmp/grub-edit" /etc/default/grub || fail "$name: removing"
	args=$(linux_args) || fail "$name: grub-mkconfig after remove"
	if [ "$args" = "$before" ]; then
		pass "$name: after remove the linux lines are those of ${expected##*/}"
	else
		fail "$name: after remove the linux lines are '$args', want '$before'"
	fi
	if cmp -s "$expected" /etc/default/grub; then
		pass "$name: after remove /etc/default/grub is byte-identical to ${expected##*/}"
	else
		fail "$name: after remove /etc/default/grub differs from ${expected##*/}"
	fi
}

for f in debian-default single-quotes crlf export-indented var-reference self-reference \
	missing kernel-quotes; do
	cp "tests/golden/grub/$f.in" /etc/default/grub
	case $f in
	debian-default) check "$f" "quiet" "single" ;;
	single-quotes) check "$f" "quiet splash" "single" ;;
	crlf) check "$f" "quiet splash" "single" ;;
	export-indented) check "$f" "quiet splash" "single" ;;
	var-reference) check "$f" 'quiet loglevel=3 splash nomodeset' "single" ;;
	self-reference) check "$f" "quiet splash" "single" ;; # iommu=soft was ours to drop
	missing) check "$f" "rd.luks=0" "single rd.luks=0" ;;
	kernel-quotes) check "$f" 'acpi_osi="Windows 2015" "dyndbg=file x.c +p" quiet' "single" ;;
	esac
done
# /etc/default/grub.d: grub-mkconfig sources its .cfg files after /etc/default/grub. A cloud
# image's settings set the value again (apply must edit that file), another file appends to
# it (it stays as it is). Run through `vfio-earlyctl apply` on a copy of the seed's root.
grub_d() {
	ctl=${VFE_BUILD:-build}/vfio-earlyctl
	gd=$tmp/gd-root
	if ! [ -x "$ctl" ] || ! [ -d build/rootfs/seed ]; then
		fail "grub.d: no $ctl or build/rootfs/seed (make unit)"
		return
	fi
	rm -rf "$gd" "$tmp/gd-orig"
	cp -a build/rootfs/seed "$gd"
	mkdir -p "$gd/etc/default/grub.d"
	cp tests/golden/grub/debian-default.in "$gd/etc/default/grub"
	cat >"$gd/etc/default/grub.d/50-cloudimg-settings.cfg" <<'CFG'
# Cloud Image specific Grub settings for Generic Cloud Images
# CLOUD_IMG: This file was created/modified by the Cloud Image build process

# Set the recordfail timeout
GRUB_RECORDFAIL_TIMEOUT=0

# Set the default commandline
GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"
CFG
	# shellcheck disable=SC2016 # the file refers to the previous value, as sh reads it
	printf '%s\n' 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT nomodeset"' \
		>"$gd/etc/default/grub.d/60-nomodeset.cfg"
	cp -a "$gd/etc/default" "$tmp/gd-orig"
	printf 'bind 0f:00.0 1106:3483\nhugepages 2M 8192\n' >"$gd/etc/vfio-early.conf"
	gd_ours="iommu=pt kvm.ignore_msrs=1 default_hugepagesz=2M hugepagesz=2M hugepages=8192"
	want="console=tty1 console=ttyS0 $gd_ours nomodeset"

	rm -rf /etc/default/grub.d && cp -a "$gd/etc/default/." /etc/default/
	if ! before=$(linux_args); then
		fail "grub.d: grub-mkconfig before apply"
		return
	fi
	# grub-mkconfig really takes the value from the .cfg: "quiet" of /etc/default/grub is gone
	if [ "$(echo "$before" | sed '$d' | sort -u)" = "console=tty1 console=ttyS0 nomodeset" ]; then
		pass "grub.d: before apply the .cfg files set the linux lines"
	else
		fail "grub.d: before apply the linux lines are '$before'"
	fi
	if ! "$ctl" --root "$gd" apply --yes >"$tmp/apply.log" 2>&1; then
		cat "$tmp/apply.log"
		fail "grub.d: vfio-earlyctl apply"
		return
	fi
	if grep -q "50-cloudimg-settings.cfg line 8 sets GRUB_CMDLINE_LINUX_DEFAULT again" \
		"$tmp/apply.log"; then
		pass "grub.d: apply names the .cfg that overrides the value, and its line"
	else
		fail "grub.d: apply did not name the override: $(cat "$tmp/apply.log")"
	fi
	if cmp -s tests/golden/grub/debian-default.in "$gd/etc/default/grub" &&
		cmp -s "$tmp/gd-orig/grub.d/60-nomodeset.cfg" "$gd/etc/default/grub.d/60-nomodeset.cfg"; then
		pass "grub.d: /etc/default/grub and the appending .cfg are untouched"
	else
		fail "grub.d: apply changed /etc/default/grub or 60-nomodeset.cfg"
	fi
	rm -rf /etc/default/grub.d && cp -a "$gd/etc/default/." /etc/default/
	if ! args=$(linux_args) || [ -z "$args" ]; then
		fail "grub.d: grub-mkconfig after apply"
		return
	fi
	lines_are grub.d "$args" "$want" single
	if "$ctl" --root "$gd" apply --yes 2>&1 | grep -q "^no file changes"; then
		pass "grub.d: a second apply changes nothing"
	else
		fail "grub.d: a second apply changed files"
	fi
	if ! "$ctl" --root "$gd" rollback >"$tmp/apply.log" 2>&1; then
		cat "$tmp/apply.log"
		fail "grub.d: vfio-earlyctl rollback"
		return
	fi
	if diff -r "$tmp/gd-orig" "$gd/etc/default" >/dev/null; then
		pass "grub.d: after rollback every file is byte-identical to the original"
	else
		fail "grub.d: after rollback: $(diff -r "$tmp/gd-orig" "$gd/etc/default")"
	fi
	rm -rf /etc/default/grub.d && cp -a "$gd/etc/default/." /etc/default/
	args=$(linux_args) || fail "grub.d: grub-mkconfig after rollback"
	if [ "$args" = "$before" ]; then
		pass "grub.d: after rollback the linux lines are those from before"
	else
		fail "grub.d: after rollback the linux lines are '$args', want '$before'"
	fi
	rm -rf /etc/default/grub.d
}
grub_d

# The "without pass-through" entry of /etc/grub.d/42_vfio-early, run by the real grub-mkconfig
# next to the distribution's own scripts, on the /etc/default/grub apply wrote: it boots as if
# vfio-early were not installed (vfio_early.off, the user's words only: none of our tokens, no
# vfio-pci ids, no carriage return), while every other entry has our tokens.
if [ -f "$tmp/root/etc/grub.d/42_vfio-early" ]; then
	mkdir -p "$tmp/grub.d"
	cp -a /etc/grub.d/. "$tmp/grub.d/"
	cp "$tmp/root/etc/grub.d/42_vfio-early" "$tmp/grub.d/"
	rm -rf /etc/default/grub.d
	cp "$tmp/root/etc/default/grub" /etc/default/grub
	mount --bind "$tmp/grub.d" /etc/grub.d || fail "42_vfio-early: mount"
	if grub-mkconfig -o "$tmp/grub.cfg" 2>"$tmp/mkconfig.log"; then
		entry=$(sed -n "/without PCI pass-through/,/^}/p" "$tmp/grub.cfg")
		if echo "$entry" | grep -q "^menuentry 'Linux $version, without PCI pass-through" &&
			echo "$entry" | grep -q "initrd[[:space:]]*[^ ]*/initrd.img-$version"; then
			pass "42_vfio-early: a menu entry for $version and its initrd"
		else
			fail "42_vfio-early: entry is: $entry"
		fi
		# the arguments exactly as written, a CR included
		off=$(echo "$entry" | sed -n "s|^[[:space:]]*linux[[:space:]]*[^ ]*/vmlinuz-$version root=UUID=[^ ]* ro ||p")
		if [ "$off" = "rd.luks=0 quiet splash vfio_early.off" ]; then
			pass "42_vfio-early: its linux line is '... ro $off' (CRLF file, hugepages, vm-cpus, vfio-pci ids)"
		else
			fail "42_vfio-early: its linux line ends '$(printf '%s' "$off" | cat -v)'"
		fi
		normal=$(sed -n "s|^[[:space:]]*linux[[:space:]]*[^ ]*/vmlinuz-$version root=[^ ]* ro ||p" \
			"$tmp/grub.cfg" | sed '$d' | sed -n 1p | tr -d '\r')
		case $normal in
		*" hugepages=8192 isolcpus=managed_irq,domain,8-15 nohz_full=8-15 rcu_nocbs=8-15 irqaffinity=0-7"*)
			pass "42_vfio-early: the default entry keeps our tokens" ;;
		*) fail "42_vfio-early: the default entry is '$normal'" ;;
		esac
	else
		cat "$tmp/mkconfig.log"
		fail "42_vfio-early: grub-mkconfig failed"
	fi
else
	fail "42_vfio-early: vfio-earlyctl apply wrote no /etc/grub.d/42_vfio-early"
fi
exit $failed
