#!/bin/sh
# Boot-path integration on real images (issue 12 items 2, 3 and 5; issue 10 item 2):
# builds dracut and initramfs-tools images the way a host with vfio-early installed
# would get them (tests/qemu/mkinitrd-*.sh, in private mount namespaces), checks what
# is inside, and boots each on the emulated rig (tests/qemu/rig-lib.sh).
#
# Usage: tests/qemu/integration-tests.sh BUILD_DIR
# Environment: CACHE (default .cache of the work tree), RIG_TIMEOUT (default 150),
#   ONLY (image names to build and check, default all of them),
#   KDIR (kernel build tree for vfio_early.ko, default /usr/src/linux-headers-VER),
#   RIG_LOCK (default /tmp/vfe-qemu.lock: each boot holds it, one QEMU at a time)
# Output: "PASS: integration: <check>" or "FAIL: integration: <check>: <why>" per check
# and "integration: ..." notes (timings). Exit status 1 when any check failed.
# Logs: CACHE/rig/integration/; images: CACHE/rig/images-integration/ (rebuilt when
# an input changes).
#
# Images ("host" = the staged make-install tree laid over this machine):
#   dracut-kmod    systemd-based, --no-hostonly, the rig's config, vfio_early.ko
#                  installed and /etc/modprobe.d/00-vfio-early.conf as vfio-earlyctl
#                  apply writes it (softdeps naming vfio_early, options bind=)
#   dracut-omit    systemd-based without dracut-systemd (--omit dracut-systemd)
#   dracut-shell   shell-based (dracut's init.sh)
#   itools-stale   initramfs-tools, no /etc/vfio-early.conf, but vfio_early.ko and
#                  the modprobe.d file of an earlier apply still on the host
#   dracut-stale-ho  the same with dracut --hostonly (which copies /etc/modprobe.d)
# Checks and boots:
#   kmod-options   (item 2) dracut-kmod carries the options line and the module;
#                  booted, the module holds the 4 rules ("state=active ... rules=4")
#   modules-load   (item 5) dracut-omit with /etc/modules-load.d/rig-sound.conf
#                  naming snd_hda_intel: the helper still runs (our unit needs no
#                  dracut-systemd), before systemd-modules-load: snd_hda_intel never
#                  probes 03:00.1, which ends on vfio-pci
#   rd.driver.pre  (item 5) dracut-shell booted with rd.driver.pre=snd_hda_intel: the
#                  same (our cmdline hook 00 runs before parse-kernel.sh's 01)
#   no-config      (item 3) itools-stale and dracut-stale-ho hold no stale options, and
#                  cannot load vfio_early.ko (a hook that runs after ours may put it
#                  back: the softdep is the host's); itools-stale booted: every device
#                  on its host driver, vfio_early not loaded
#   bounded        (issue 10 item 2) a helper that never returns (an overlay
#                  replaces it with "sleep 1000"): dracut-kmod (systemd unit) and
#                  itools-stale (init-top script) go on after 30 s and reach the end
set -u
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
RIG_TOP=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/rig-lib.sh
. "$RIG_TOP/tests/qemu/rig-lib.sh"
rig_dirs "${1:?usage: tests/qemu/integration-tests.sh BUILD_DIR}" integration
# Every image is built from the rig's modules only (mkinitrd-lib.sh's slim_kernel): the
# generators' "every driver" (--no-hostonly, MODULES=most) then means the rig's drivers,
# and an image takes a minute to build and seconds to boot instead of minutes.
RIG_SLIM=${RIG_SLIM-rig}
failed=0
pass() { echo "PASS: integration: $1"; }
fail() {
	echo "FAIL: integration: $1: $2"
	failed=1
}
note() { echo "integration: $*"; }
# want IMAGE: whether this run builds and checks IMAGE (ONLY: a list of image names)
want() { case " ${ONLY:-dracut-kmod dracut-omit dracut-shell itools-stale dracut-stale-ho} " in *" $1 "*) ;; *) return 1 ;; esac; }

rm -rf "$RIG_WORK"
mkdir -p "$RIG_WORK"
# The helper as it is now: a rebuild during the run must not change the images' input.
mkdir -p "$RIG_WORK/build/tests"
cp "$RIG_BUILD/vfio-early" "$RIG_WORK/build/vfio-early" || { fail setup "no $RIG_BUILD/vfio-early"; exit 1; }
RIG_BUILD=$RIG_WORK/build
rig_setup || { fail setup "rig_setup failed"; exit 1; }
kver=$RIG_KVER
imgs=$RIG_CACHE/rig/images-integration
mkdir -p "$imgs"

# vfio_early.ko for the rig's kernel (as `make module` builds it)
ko=$RIG_TOP/build/module/module/vfio_early.ko
if ! make -s -C "$RIG_TOP" module KDIR="${KDIR:-/usr/src/linux-headers-$kver}" > "$RIG_WORK/module.log" 2>&1 ||
	[ "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" != "$kver" ]; then
	fail setup "cannot build vfio_early.ko for $kver (see $RIG_WORK/module.log)"
	exit 1
fi
cp "$ko" "$RIG_WORK/build/vfio_early.ko"
ko=$RIG_WORK/build/vfio_early.ko

printf '%s\n' "$RIG_CONF_ALL" > "$RIG_WORK/rig.conf"
# /etc/modprobe.d/00-vfio-early.conf as vfio-earlyctl apply writes it with the module installed
cat > "$RIG_WORK/apply-modprobe.conf" << 'EOF'
# Written by vfio-earlyctl apply from /etc/vfio-early.conf; do not edit.
# A safety net: vfio-pci loads before the host drivers of the configured devices.
softdep bochs pre: vfio-pci vfio_early
softdep snd_hda_intel pre: vfio-pci vfio_early
softdep xhci_pci pre: vfio-pci vfio_early
options vfio_early bind=0000:03:00.0/1234:1111/allow-boot-vga,0000:03:00.1/8086:293e,0000:03:00.2/1b36:000d,0000:04:00.0/1b36:000d
EOF

# image NAME GEN CONFIG [VAR=VALUE...]: builds NAME (uncompressed) unless an identical
# build is cached; sets IMG and UNP (unpacked). CONFIG as the builders take it.
image() {
	i_name=$1 i_gen=$2 i_conf=$3
	shift 3
	i_dir=$imgs/$i_name
	i_key=$({
		echo "$i_name $i_gen $i_conf $* $kver slim=$RIG_SLIM"
		cat "$RIG_BUILD/vfio-early" "$ko" "$RIG_WORK/apply-modprobe.conf" "$RIG_WORK/rig.conf"
		find "$RIG_TOP/initramfs" "$RIG_TOP/modules-load" "$RIG_TOP/tests/qemu/mkinitrd-lib.sh" \
			"$RIG_TOP/tests/qemu/mkinitrd-$i_gen.sh" "$RIG_TOP/tests/qemu/unpack-cpio.py" -type f |
			LC_ALL=C sort | xargs cat
	} | sha256sum | cut -c1-16)
	IMG=$i_dir/image.cpio
	UNP=$i_dir/unpacked
	[ -f "$i_dir/unpacked.path" ] && UNP=$(cat "$i_dir/unpacked.path")
	if [ "$(cat "$i_dir/key" 2>/dev/null)" = "$i_key" ] && [ -f "$IMG" ]; then
		return 0
	fi
	rm -rf "$i_dir"
	mkdir -p "$i_dir"
	i_start=$(date +%s)
	if ! env "$@" KVER="$kver" VFE_HELPER="$RIG_BUILD/vfio-early" \
		"$RIG_TOP/tests/qemu/mkinitrd-$i_gen.sh" "$RIG_CACHE" "$IMG" "$i_conf" > "$i_dir/build.log" 2>&1; then
		tail -n 20 "$i_dir/build.log" >&2
		return 1
	fi
	# (unmkinitramfs takes minutes on an uncompressed image of 130 MiB, and fails)
	python3 "$RIG_TOP/tests/qemu/unpack-cpio.py" "$IMG" "$UNP" > "$i_dir/unpack.log" 2>&1 ||
		{ cat "$i_dir/unpack.log" >&2; return 1; }
	echo "$UNP" > "$i_dir/unpacked.path"
	echo "$i_key" > "$i_dir/key"
	note "$i_name image built in $(($(date +%s) - i_start)) s"
}

# boot GEN IMAGE NAME HOW [CMDLINE...]: one boot; its log is $RIG_WORK/NAME/serial.log.txt.
# HOW: rig_overlay's words. The overlay directory $RIG_WORK/NAME/extra is laid over too.
boot() {
	b_gen=$1 b_img=$2 b_name=$3 b_how=$4
	shift 4
	b_d=$RIG_WORK/$b_name
	mkdir -p "$b_d/extra"
	rig_overlay "$b_gen" "$b_d/ovl" "$UNP" "$b_how" || return 1
	cp -R "$b_d/extra/." "$b_d/ovl/"
	rig_fit "$b_d/ovl" "$UNP"
	b_s=$(date +%s)
	# One QEMU at a time on this machine (the lock other QEMU jobs here take too).
	# shellcheck disable=SC2046 # the generator's own command line words
	(
		flock 9
		rig_boot "$b_img" "$b_d/ovl" "$b_d/serial.log" $(rig_cmdline "$b_gen") "$@"
	) 9> "${RIG_LOCK:-/tmp/vfe-qemu.lock}"
	b_st=$?
	tr -d '\r' < "$b_d/serial.log" > "$b_d/serial.log.txt" 2> /dev/null
	note "$b_name boot: $(($(date +%s) - b_s)) s, status $b_st"
	LOG=$b_d/serial.log.txt
	grep -q '^RIG-POWEROFF ' "$LOG" || { fail "$b_name" "the guest did not reach the end (status $b_st, see $LOG)"; return 1; }
	return 0
}

# a unit that runs the rig's end script in a systemd image without dracut-systemd
# (whose initqueue would otherwise run it), once udev has settled
rig_end_unit() {
	mkdir -p "$1/etc/systemd/system/sysinit.target.wants"
	cat > "$1/etc/systemd/system/rig-end.service" << 'EOF'
[Unit]
DefaultDependencies=no
After=systemd-udev-trigger.service systemd-modules-load.service vfio-early.service
[Service]
Type=oneshot
ExecStart=/rig/busybox sh -c 'udevadm settle -t 60 || /rig/busybox sleep 10; exec /rig/busybox sh /rig/end.sh'
EOF
	ln -s ../rig-end.service "$1/etc/systemd/system/sysinit.target.wants/rig-end.service"
}
hanging_helper() { # an overlay helper that never returns
	mkdir -p "$1/usr/sbin"
	printf '#!/bin/sh\nexec sleep 1000\n' > "$1/usr/sbin/vfio-early"
	chmod 0755 "$1/usr/sbin/vfio-early"
}

stale="VFE_KMOD=$ko VFE_MODPROBE=$RIG_WORK/apply-modprobe.conf"
# build_image NAME: image's arguments for NAME
# shellcheck disable=SC2086 # stale is a list of assignments
build_image() {
	case $1 in
	dracut-kmod) image dracut-kmod dracut "$RIG_WORK/rig.conf" $stale ;;
	dracut-omit) image dracut-omit dracut "$RIG_WORK/rig.conf" DRACUT_ARGS="--omit dracut-systemd" ;;
	dracut-shell) image dracut-shell dracut "$RIG_WORK/rig.conf" DRACUT_MODE=shell ;;
	itools-stale) image itools-stale initramfs-tools none $stale ;;
	dracut-stale-ho) image dracut-stale-ho dracut none DRACUT_HOSTONLY=hostonly $stale ;;
	esac
}
t0=$(date +%s)
# The builds take minutes each: two at a time.
set -- dracut-kmod itools-stale dracut-omit dracut-shell dracut-stale-ho
while [ $# -gt 0 ]; do
	pids=""
	for n in "$1" "${2:-}"; do
		[ -n "$n" ] && want "$n" || continue
		(build_image "$n") &
		pids="$pids $!:$n"
	done
	for pn in $pids; do wait "${pn%%:*}" || fail "${pn#*:} image" "the build failed"; done
	shift
	[ $# -gt 0 ] && shift
done
note "images: $(($(date +%s) - t0)) s"

# ---- item 2: dracut --no-hostonly carries the module's rules ----
if want dracut-kmod && build_image dracut-kmod; then
	why=""
	grep -qs '^options vfio_early bind=0000:03:00.0/' "$UNP/etc/modprobe.d/00-vfio-early.conf" ||
		why="no options vfio_early line in the image;"
	find "$UNP/lib/modules" "$UNP/usr/lib/modules" -name 'vfio_early.ko*' 2>/dev/null | grep -q . ||
		why="$why no vfio_early.ko in the image;"
	[ -L "$UNP/usr/lib/systemd/system/sysinit.target.wants/vfio-early.service" ] ||
		[ -L "$UNP/etc/systemd/system/sysinit.target.wants/vfio-early.service" ] ||
		why="$why vfio-early.service not enabled in the image;"
	if [ -z "$why" ]; then pass "kmod-options: the image has the options, the module, the unit"; else fail "kmod-options: image" "${why%;}"; fi
	if boot dracut "$IMG" kmod-options end; then
		head=$(sed -n 's/^RIG-KMOD \(state=.*\)/\1/p' "$LOG")
		case $head in
		"state=active vfio-pci=registered rules=4") pass "kmod-options: vfio_early loaded with its 4 rules" ;;
		*) fail "kmod-options: vfio_early loaded with its 4 rules" "status '${head:-not loaded}'" ;;
		esac
		rig_expect_drivers "kmod-options: targets on vfio-pci, 00:04.0 on xhci_hcd" 03:00.0=vfio-pci 03:00.1=vfio-pci \
			03:00.2=vfio-pci 04:00.0=vfio-pci 00:04.0=xhci_hcd
	fi
	# issue 10 item 2: a helper that never returns holds the boot for 30 s at most
	hanging_helper "$RIG_WORK/bounded-dracut/extra"
	if boot dracut "$IMG" bounded-dracut end; then
		pass "bounded: dracut (systemd unit) goes on past a helper that never returns"
	fi
fi

# ---- item 5: before systemd-modules-load, with or without dracut-systemd ----
if want dracut-omit && build_image dracut-omit; then
	if [ -e "$UNP/usr/lib/systemd/system/dracut-pre-udev.service" ]; then
		fail "modules-load: image" "dracut-pre-udev.service is in an image built with --omit dracut-systemd"
	elif [ -L "$UNP/usr/lib/systemd/system/sysinit.target.wants/vfio-early.service" ] ||
		[ -L "$UNP/etc/systemd/system/sysinit.target.wants/vfio-early.service" ]; then
		pass "modules-load: image without dracut-systemd has vfio-early.service enabled"
	else
		fail "modules-load: image without dracut-systemd has vfio-early.service enabled" "not in $UNP"
	fi
	e=$RIG_WORK/modules-load/extra
	mkdir -p "$e/etc/modules-load.d"
	echo snd_hda_intel > "$e/etc/modules-load.d/rig-sound.conf"
	rig_end_unit "$e"
	if boot dracut "$IMG" modules-load end; then
		rig_expect_drivers "modules-load: targets on vfio-pci" 03:00.0=vfio-pci 03:00.1=vfio-pci 03:00.2=vfio-pci 04:00.0=vfio-pci
		rig_expect_no_probe "modules-load: snd_hda_intel (modules-load.d) never probed 03:00.1" 03:00.1
	fi
fi
if want dracut-shell && build_image dracut-shell; then
	if boot dracut "$IMG" rd-driver-pre end rd.driver.pre=snd_hda_intel; then
		rig_expect_drivers "rd.driver.pre: targets on vfio-pci" 03:00.0=vfio-pci 03:00.1=vfio-pci 03:00.2=vfio-pci 04:00.0=vfio-pci
		rig_expect_no_probe "rd.driver.pre: snd_hda_intel (rd.driver.pre=) never probed 03:00.1" 03:00.1
	fi
fi

# ---- item 3: no config, nothing bound anywhere ----
# no_config_image NAME: the image holds no vfio_early options and cannot load the module
no_config_image() {
	why=""
	grep -qs '^options vfio_early' "$UNP"/etc/modprobe.d/*.conf "$UNP"/lib/modprobe.d/*.conf \
		"$UNP"/usr/lib/modprobe.d/*.conf &&
		why="the stale options are in the image;"
	# A hook that runs after ours may put the module back (the softdep is the host's);
	# then the image must keep it from loading.
	if find "$UNP/lib/modules" "$UNP/usr/lib/modules" -name 'vfio_early.ko*' 2>/dev/null | grep -q . &&
		! grep -qs '^install vfio_early /bin/true$' "$UNP/etc/modprobe.d/00-vfio-early.conf"; then
		why="$why vfio_early.ko is in the image and can load;"
	fi
	if [ -z "$why" ]; then pass "no-config: $1: no vfio_early options in the image, the module cannot load"; else fail "no-config: $1" "${why%;}"; fi
}
if want dracut-stale-ho && build_image dracut-stale-ho; then
	no_config_image "dracut --hostonly"
fi
if want itools-stale && build_image itools-stale; then
	no_config_image initramfs-tools
	if boot initramfs-tools "$IMG" no-config end; then
		rig_expect_drivers "no-config: every device on its host driver" 03:00.0=bochs-drm 03:00.1=snd_hda_intel \
			03:00.2=xhci_hcd 04:00.0=xhci_hcd 00:04.0=xhci_hcd
		if grep -q '^RIG-KMOD ' "$LOG"; then
			fail "no-config: vfio_early not loaded" "$(grep -m1 '^RIG-KMOD ' "$LOG")"
		else
			pass "no-config: vfio_early not loaded"
		fi
	fi
	# issue 10 item 2 on initramfs-tools: the init-top script, with a config laid over
	e=$RIG_WORK/bounded-itools/extra
	hanging_helper "$e"
	mkdir -p "$e/etc"
	cp "$RIG_WORK/rig.conf" "$e/etc/vfio-early.conf"
	if boot initramfs-tools "$IMG" bounded-itools end; then
		# (quiet keeps log_failure_msg off the console: the end's time tells)
		end=$(rig_end_time "$LOG")
		case ${end:-0} in
		[3-9][0-9].* | [1-9][0-9][0-9].*)
			pass "bounded: initramfs-tools (init-top) goes on past a helper that never returns (end at $end s)" ;;
		*) fail "bounded: initramfs-tools (init-top)" "end of initramfs at ${end:-?} s: the helper was not waited for 30 s" ;;
		esac
	fi
fi

note "total: $(($(date +%s) - t0)) s"
exit "$failed"
