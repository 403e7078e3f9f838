#!/bin/sh
# The initramfs scripts' reading of the kernel module's rules (vfe_kmod_rules of the
# initramfs-tools init-top script and of dracut's vfio-early-run), with no program but the
# shell: an initramfs-tools image without busybox, and a dracut host-only image, have no grep
# (the whole-system test found the first one failing so). Each case runs the function in a
# private mount namespace whose /proc/cmdline and modprobe.d directories are the case's, with
# an empty PATH. Prints PASS:/FAIL:/SKIP: lines; exits 1 when a case failed.
# Usage: tests/boot/kmod-rules.sh   (from the top of the source tree; root)
set -u
failed=0
if [ "$(id -u)" -ne 0 ] || ! command -v unshare > /dev/null; then
	echo "SKIP: kmod-rules: needs root and unshare for a mount namespace"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tab=$(printf '\t')

# case NAME WANT CMDLINE [FILE-CONTENT]: WANT 0 (rules found) or 1
case_() {
	name=$1 want=$2
	printf '%s\n' "$3" > "$tmp/cmdline"
	rm -rf "$tmp/d" && mkdir -p "$tmp/d"
	[ $# -lt 4 ] || printf '%s' "$4" > "$tmp/d/x.conf"
	for script in initramfs/initramfs-tools/scripts/init-top/00vfio-early \
		initramfs/dracut/90vfio-early/vfio-early-run.sh; do
		sed -n '/^vfe_kmod_rules() {/,/^}/p' "$script" > "$tmp/fn"
		unshare -m sh -c '
			mount --bind "$0/cmdline" /proc/cmdline &&
			for d in /etc/modprobe.d /lib/modprobe.d /usr/lib/modprobe.d; do
				[ -d "$d" ] || continue
				mount -t tmpfs none "$d" || exit 3
			done &&
			cp "$0/d/"* /etc/modprobe.d/ 2> /dev/null
			PATH=/nonexistent
			. "$0/fn"
			vfe_kmod_rules' "$tmp" 2> "$tmp/err"
		got=$?
		if [ "$got" = "$want" ] && [ ! -s "$tmp/err" ]; then
			echo "PASS: kmod-rules: ${script##*/}: $name"
		else
			echo "FAIL: kmod-rules: ${script##*/}: $name: status $got, not $want $(head -c 200 "$tmp/err")"
			failed=1
		fi
	done
}

case_ "vfio_early.bind= on the command line" 0 "root=/dev/vda vfio_early.bind=0000:03:00.0/1234:1111 quiet"
case_ "vfio-early.bind= (the kernel reads - as _)" 0 "vfio-early.bind=0000:03:00.0/1234:1111"
case_ "an options line" 0 "quiet" "# ours
options vfio_early bind=0000:03:00.0/1234:1111
"
case_ "an options line with tabs, bind= after another option" 0 "quiet" "options${tab}vfio-early${tab}x=1${tab}bind=0000:03:00.0/1234:1111
"
case_ "an options line that is the last, without its newline" 0 "quiet" "options vfio_early bind=0000:03:00.0/1234:1111"
case_ "no rules: another module's bind=, no bind= of ours" 1 "quiet vfio_early.off" "options vfio_earlyx bind=0000:03:00.0/1234:1111
options vfio_early debug=1
# options vfio_early bind=0000:03:00.0/1234:1111
"
case_ "no rules, no file" 1 "quiet"
exit $failed
