# shellcheck shell=sh
# Shared by tests/qemu/scenarios.sh and tests/qemu/demo.sh (sourced, not run).
# Builds the rig's initramfs images once (cached under CACHE/rig/images, rebuilt
# when an input changes), lays per-boot overlays over them, boots the rig
# (tests/qemu/rig.sh) and reads the guest's answers back from the serial log.
#
# How a boot is varied without rebuilding: the kernel unpacks every archive
# concatenated in the initrd, compressed or not, in order, and a later file
# replaces an earlier one. So a boot's initrd is
#     IMAGE (as the generator built it) + rig tools (.cpio.gz) + overlay (.cpio)
# where the rig tools are a static busybox, the VFIO client and
# tests/qemu/guest/rig-end.sh, and the overlay holds what this boot changes:
# /etc/vfio-early.conf, the hook that runs rig-end.sh at the end of the
# initramfs, and optionally a hook that loads a host driver before the helper or
# a no-op in place of our own script (the "without vfio-early" baseline).
# Switches go on the kernel command line.
#
# Generators: busybox (tests/qemu/mkinitrd-busybox.sh), initramfs-tools
# (tests/qemu/mkinitrd-initramfs-tools.sh), dracut (tests/qemu/mkinitrd-dracut.sh).
#
# Caller sets RIG_TOP (work tree), then calls rig_dirs, or sets RIG_CACHE (download
# and image cache), RIG_BUILD (build directory holding vfio-early) and RIG_WORK
# (scratch directory) itself.

# shellcheck disable=SC2034 # used by the scripts that source this file
RIG_HOST_DRIVERS="00:04.0=xhci_hcd 03:00.0=bochs-drm 03:00.1=snd_hda_intel 03:00.2=xhci_hcd 04:00.0=xhci_hcd"
# shellcheck disable=SC2034
RIG_TARGETS="03:00.0 03:00.1 03:00.2 04:00.0"
RIG_CONF_ALL='# the emulated seed rig: the "GPU" (three functions) and the VL805 stand-in
bind 03:00.0 1234:1111 allow-boot-vga
bind 03:00.1 8086:293e
bind 03:00.2 1b36:000d
bind 04:00.0 1b36:000d'

rig_say() { echo "rig: $*" >&2; }

# rig_dirs BUILD_DIR NAME: RIG_BUILD, RIG_CACHE (CACHE, default the work tree's .cache)
# and RIG_WORK (CACHE/rig/NAME), as absolute paths.
rig_dirs() {
	RIG_BUILD=$(cd "$1" && pwd) || exit 2
	RIG_CACHE=${CACHE:-$RIG_TOP/.cache}
	mkdir -p "$RIG_CACHE"
	RIG_CACHE=$(cd "$RIG_CACHE" && pwd)
	# Another kernel suite (RIG_KERNEL_SUITE, see fetch-kernel.sh) keeps its own logs and
	# images beside bookworm's, so a matrix run rebuilds nothing it built before.
	r_suite=${RIG_KERNEL_SUITE:-bookworm}
	[ "$r_suite" = bookworm ] && r_suite="" || r_suite="-$r_suite"
	RIG_WORK=$RIG_CACHE/rig/$2$r_suite
	RIG_IMAGES=$RIG_CACHE/rig/images$r_suite
}

# rig_setup: the kernel, the static VFIO client and the rig tools archive.
rig_setup() {
	mkdir -p "$RIG_WORK" "$RIG_IMAGES"
	RIG_KVER=$("$RIG_TOP/tests/qemu/fetch-kernel.sh" "$RIG_CACHE") || return 1
	# The cache holds every suite's kernel side by side: the builders take this one.
	KVER=$RIG_KVER
	export KVER
	# The rig's host drivers, by the names this kernel gives them: its bochs display
	# driver's module is bochs-drm before 5.14 (decided by its modules, not its version).
	r_bochs=bochs
	grep -q '/bochs-drm\.ko' "$RIG_CACHE/kernel/lib/modules/$RIG_KVER/modules.dep" && r_bochs=bochs-drm
	RIG_HOST_MODULES="xhci_pci snd_hda_intel $r_bochs"
	RIG_DRIVERS=${RIG_DRIVERS-$RIG_HOST_MODULES}
	export RIG_DRIVERS
	# RIG_SLIM=rig: initramfs-tools and dracut images hold only the rig's modules
	# (mkinitrd-lib.sh's slim_kernel), not every driver of the kernel
	[ "${RIG_SLIM:-}" = rig ] &&
		RIG_SLIM="$RIG_HOST_MODULES vfio vfio_pci vfio_pci_core vfio_iommu_type1 vfio_virqfd irqbypass"
	export RIG_SLIM
	RIG_KERNEL=$RIG_CACHE/kernel/boot/vmlinuz-$RIG_KVER
	[ -x "$RIG_BUILD/vfio-early" ] || { rig_say "no $RIG_BUILD/vfio-early (run make)"; return 1; }
	r_client=$RIG_BUILD/tests/vfio-client
	if [ ! -x "$r_client" ] || [ -n "$(find "$RIG_TOP/tests/qemu/vfio-client.c" -newer "$r_client")" ]; then
		mkdir -p "$RIG_BUILD/tests"
		${CC:-cc} -static -O2 -Wall -Wextra -o "$r_client" "$RIG_TOP/tests/qemu/vfio-client.c" ||
			{ rig_say "cannot build the static VFIO client (is libc6-dev there?)"; return 1; }
	fi
	r_bb=$(command -v busybox || echo /bin/busybox)
	file -L "$r_bb" 2>/dev/null | grep -q 'statically linked' || r_bb=/bin/busybox
	r_t=$RIG_WORK/rigtools
	rm -rf "$r_t"
	mkdir -p "$r_t/rig"
	cp "$r_bb" "$r_t/rig/busybox"
	cp "$r_client" "$r_t/rig/vfio-client"
	cp "$RIG_TOP/tests/qemu/guest/rig-end.sh" "$r_t/rig/end.sh"
	chmod 0755 "$r_t/rig" "$r_t/rig/busybox" "$r_t/rig/vfio-client" "$r_t/rig/end.sh"
	rig_cpio "$r_t" | gzip -n -1 > "$RIG_WORK/rigtools.cpio.gz"
}

# rig_cpio DIR: a newc archive of DIR's contents on stdout (owned by root; "." left
# out so the image's / keeps its own mode).
rig_cpio() {
	(cd "$1" && find . ! -name . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0)
}

# rig_key GEN [EXTRA]: a checksum of everything the image of GEN is built from.
rig_key() {
	{
		echo "$1 ${2:-} $RIG_KVER ${DRACUT_MODE:-} ${ITOOLS_MODULES:-} ${RIG_DRIVERS-default} ${RIG_SLIM:-}"
		cat "$RIG_BUILD/vfio-early"
		case $1 in
		busybox) cat "$RIG_BUILD/vfio-earlyctl" /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids 2>/dev/null ;;
		esac
		case $1 in
		busybox) cat "$RIG_TOP/tests/qemu/mkinitrd-busybox.sh" "$RIG_TOP/tests/qemu/rig-lib.sh" \
			"$RIG_TOP/initramfs/mkinitcpio/hooks/vfio-early" ;;
		initramfs-tools | dracut)
			cat "$RIG_TOP/tests/qemu/mkinitrd-$1.sh" "$RIG_TOP/tests/qemu/mkinitrd-lib.sh"
			find "$RIG_TOP/initramfs" "$RIG_TOP/modules-load" -type f | LC_ALL=C sort |
				while IFS= read -r f; do
					echo "$f"
					cat "$f"
				done
			;;
		esac
	} | sha256sum | cut -c1-16
}

# rig_use GEN [VARIANT]: sets RIG_IMAGE and RIG_UNPACKED to an image rig_image built.
rig_use() {
	r_dir=$RIG_IMAGES/$1${2:+-$2}
	RIG_IMAGE=$r_dir/image
	RIG_UNPACKED=$r_dir/unpacked
	[ -f "$r_dir/unpacked.path" ] && RIG_UNPACKED=$(cat "$r_dir/unpacked.path")
	[ -f "$RIG_IMAGE" ]
}

rig_available() { # rig_available GEN: is there a builder for GEN
	case $1 in
	busybox) return 0 ;;
	initramfs-tools | dracut) [ -x "$RIG_TOP/tests/qemu/mkinitrd-$1.sh" ] ;;
	*) return 1 ;;
	esac
}

# rig_image GEN [novfio]: builds (or takes from the cache) the image of GEN and
# sets RIG_IMAGE to it; for the real generators also unpacks it into
# RIG_UNPACKED (for the ORDER / hook checks and to derive the overlays).
# The busybox "novfio" variant has no vfio module at all.
rig_image() {
	r_gen=$1
	r_variant=${2:-}
	r_key=$(rig_key "$r_gen" "$r_variant")
	r_dir=$RIG_IMAGES/$r_gen${r_variant:+-$r_variant}
	RIG_IMAGE=$r_dir/image
	RIG_UNPACKED=$r_dir/unpacked
	if [ -f "$r_dir/key" ] && [ "$(cat "$r_dir/key")" = "$r_key" ] && [ -f "$RIG_IMAGE" ]; then
		[ -f "$r_dir/unpacked.path" ] && RIG_UNPACKED=$(cat "$r_dir/unpacked.path")
		return 0
	fi
	rm -rf "$r_dir"
	mkdir -p "$r_dir"
	r_start=$(date +%s)
	case $r_gen in
	busybox)
		r_s=$RIG_WORK/busybox-src
		mkdir -p "$r_s"
		# /early.sh runs where a pre-udev hook would, before any module is loaded;
		# /init then loads the host drivers (what udev's coldplug would do) and
		# runs /scenario.sh, here the rig's end-of-initramfs script.
		# It runs our mkinitcpio runtime hook the way mkinitcpio's busybox init runs an early
		# hook: sourced, then run_earlyhook.
		printf '#!/bin/sh\n# the pre-udev step: mkinitcpio'"'"'s early hook, its status ignored\n. /hooks/vfio-early\nrun_earlyhook || :\n' > "$r_s/early.sh"
		printf '#!/bin/sh\nexec /rig/busybox sh /rig/end.sh\n' > "$r_s/scenario.sh"
		# The image is also the rig's "installed system" for the CLI scenarios:
		# vfio-earlyctl with pci.ids, and nvme (not loaded unless a boot asks) for
		# IRQs the kernel manages itself.
		r_mods="$RIG_HOST_MODULES nvme"
		[ "$r_variant" = novfio ] || r_mods="vfio-pci vfio_iommu_type1 $r_mods"
		r_ids=""
		for r_f in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
			[ -f "$r_f" ] && { r_ids="$(readlink -f "$r_f"):/usr/share/misc/pci.ids"; break; }
		done
		[ -n "$r_ids" ] || rig_say "no pci.ids here: vfio-earlyctl in the guest shows numbers only"
		# libkmod, which both programs open when they need it (ldd cannot see it), by name
		# from the helper's libc directory, as our mkinitcpio install hook adds it
		r_lib=$(ldd "$RIG_BUILD/vfio-early" | sed -n 's/.*libc\.so\.6 => \(\/[^ ]*\)\/libc\.so\.6 .*/\1/p')
		[ -e "$r_lib/libkmod.so.2" ] || { rig_say "no libkmod.so.2 in ${r_lib:-the libc directory}"; return 1; }
		MODULES=$r_mods LOAD="$RIG_HOST_MODULES" \
			"$RIG_TOP/tests/qemu/mkinitrd-busybox.sh" "$RIG_CACHE" "$RIG_IMAGE" \
			"$RIG_BUILD/vfio-early:/usr/sbin/vfio-early" "$r_s/early.sh:/early.sh" \
			"$(readlink -f "$r_lib/libkmod.so.2"):$r_lib/libkmod.so.2" \
			"$RIG_BUILD/vfio-earlyctl:/usr/sbin/vfio-earlyctl" ${r_ids:+"$r_ids"} \
			"$RIG_TOP/initramfs/mkinitcpio/hooks/vfio-early:/hooks/vfio-early" \
			"$r_s/scenario.sh:/scenario.sh" 2> "$r_dir/build.log" ||
			{ cat "$r_dir/build.log" >&2; return 1; }
		;;
	*)
		printf '%s\n' "$RIG_CONF_ALL" > "$r_dir/vfio-early.conf"
		VFE_HELPER=$RIG_BUILD/vfio-early \
			"$RIG_TOP/tests/qemu/mkinitrd-$r_gen.sh" "$RIG_CACHE" "$RIG_IMAGE" "$r_dir/vfio-early.conf" \
			> "$r_dir/build.log" 2>&1 || { tail -n 30 "$r_dir/build.log" >&2; return 1; }
		mkdir -p "$RIG_UNPACKED"
		unmkinitramfs "$RIG_IMAGE" "$RIG_UNPACKED" > /dev/null 2>&1 ||
			{ rig_say "cannot unpack $RIG_IMAGE"; return 1; }
		# With an early (microcode) archive in front the main one lands in main/.
		[ -d "$RIG_UNPACKED/main" ] && RIG_UNPACKED=$RIG_UNPACKED/main
		echo "$RIG_UNPACKED" > "$r_dir/unpacked.path"
		# Boots use an uncompressed copy: the guest kernel then copies the archive
		# instead of inflating it (gzip -9 of 130 MiB takes it ~20 s under TCG).
		# Same files, same order; only the kernel's decompression is left out.
		mv "$RIG_IMAGE" "$r_dir/image.generated"
		case $(od -An -tx1 -N4 "$r_dir/image.generated" | tr -d ' ') in
		1f8b*) gzip -dc "$r_dir/image.generated" > "$RIG_IMAGE" ;;
		28b52ffd) zstd -qdc "$r_dir/image.generated" > "$RIG_IMAGE" ;;
		fd377a58) xz -dc "$r_dir/image.generated" > "$RIG_IMAGE" ;;
		*) cp "$r_dir/image.generated" "$RIG_IMAGE" ;; # already a cpio (or early + main)
		esac || { rig_say "cannot decompress $r_dir/image.generated"; return 1; }
		;;
	esac
	echo "$(($(date +%s) - r_start))" > "$r_dir/build.seconds"
	echo "$r_key" > "$r_dir/key"
	rig_say "$r_gen${r_variant:+ ($r_variant)} image built in $(cat "$r_dir/build.seconds") s"
}

# rig_dracut_hook UNPACKED: the path (in the image) of what runs the helper in a dracut
# image: /usr/lib/vfio-early/vfio-early-run, which both our unit (systemd-based image)
# and our cmdline hook (shell-based) run; in an image of older scripts, the pre-udev hook.
rig_dracut_hook() {
	for r_f in "$1"/usr/lib/vfio-early/vfio-early-run \
		"$1"/lib/dracut/hooks/pre-udev/*vfio-early*.sh "$1"/var/lib/dracut/hooks/pre-udev/*vfio-early*.sh; do
		[ -f "$r_f" ] && { echo "${r_f#"$1"}"; return 0; }
	done
	return 1
}

# rig_overlay GEN DIR UNPACKED HOW: fills DIR (the overlay of one boot) with the hooks
# the generator needs. HOW is a list of words:
#   end        run /rig/end.sh at the end of the initramfs (always wanted)
#   preload    load xhci_pci before the helper runs (a target already bound)
#   nohelper   our own initramfs script replaced by a no-op (the baseline)
#   nvme       (busybox) load nvme before the helper, as a built-in storage driver
#              would be: its queue IRQs are managed by the kernel before step 10
rig_overlay() {
	r_gen=$1 r_dir=$2 r_unp=$3 r_how=$4
	mkdir -p "$r_dir"
	case $r_gen in
	busybox)
		# /scenario.sh in the image already runs /rig/end.sh.
		r_pre=""
		case " $r_how " in *" preload "*) r_pre="modprobe xhci_pci" ;; esac
		case " $r_how " in *" nvme "*) r_pre="${r_pre:+$r_pre; }modprobe nvme" ;; esac
		case " $r_how " in
		*" nohelper "*) printf '#!/bin/sh\n:\n' > "$r_dir/early.sh" ;;
		*)
			[ -z "$r_pre" ] ||
				printf '#!/bin/sh\n%s\n. /hooks/vfio-early\nrun_earlyhook || :\n' "$r_pre" > "$r_dir/early.sh"
			;;
		esac
		;;
	initramfs-tools)
		r_s=$r_dir/scripts
		mkdir -p "$r_s/init-premount" "$r_s/init-top"
		# init-premount runs after init-top/udev has coldplugged and settled, and
		# before the root file system is waited for: the end of our part of the boot.
		printf '#!/bin/sh\n[ "$1" = prereqs ] && exit 0\nexec /rig/busybox sh /rig/end.sh\n' \
			> "$r_s/init-premount/zz-rig-end"
		{
			[ -f "$r_unp/scripts/init-premount/ORDER" ] && cat "$r_unp/scripts/init-premount/ORDER"
			echo '/scripts/init-premount/zz-rig-end "$@"'
		} > "$r_s/init-premount/ORDER"
		case " $r_how " in
		*" preload "*)
			printf '#!/bin/sh\n[ "$1" = prereqs ] && exit 0\nmodprobe xhci_pci\n' > "$r_s/init-top/000rig-preload"
			{
				echo '/scripts/init-top/000rig-preload "$@"'
				cat "$r_unp/scripts/init-top/ORDER"
			} > "$r_s/init-top/ORDER"
			;;
		esac
		case " $r_how " in
		*" nohelper "*) printf '#!/bin/sh\nexit 0\n' > "$r_s/init-top/00vfio-early" ;;
		esac
		;;
	dracut)
		r_h=$r_dir/lib/dracut/hooks
		mkdir -p "$r_h/initqueue/settled" "$r_h/pre-udev"
		# The first pass of the initqueue runs its "settled" hooks once udev's
		# coldplug has settled; root=/dev/rig-none keeps the queue from finishing
		# before that. Sourced by dracut: the script never returns.
		printf '/rig/busybox sh /rig/end.sh\n' > "$r_h/initqueue/settled/99-rig-end.sh"
		case " $r_how " in
		*" preload "*)
			# Before the helper: it runs before pre-udev now (our unit in the
			# systemd-based image, cmdline hook 00 in the shell-based one).
			printf 'modprobe xhci_pci\n' > "$r_h/pre-udev/00-0rig-preload.sh"
			mkdir -p "$r_h/cmdline" "$r_dir/etc/systemd/system/sysinit.target.wants"
			printf 'modprobe xhci_pci\n' > "$r_h/cmdline/00-0rig-preload.sh"
			printf '[Unit]\nDefaultDependencies=no\nBefore=vfio-early.service\n[Service]\nType=oneshot\nExecStart=/sbin/modprobe xhci_pci\n' \
				> "$r_dir/etc/systemd/system/rig-preload.service"
			ln -s ../rig-preload.service "$r_dir/etc/systemd/system/sysinit.target.wants/rig-preload.service"
			;;
		esac
		case " $r_how " in
		*" nohelper "*)
			r_hook=$(rig_dracut_hook "$r_unp") || { rig_say "nothing runs vfio-early in the dracut image"; return 1; }
			mkdir -p "$r_dir${r_hook%/*}"
			# sourced (a hook) or run (the runner): a no-op either way
			printf '#!/bin/sh\n:\n' > "$r_dir$r_hook"
			;;
		esac
		;;
	esac
	rig_fit "$r_dir" "$r_unp"
	find "$r_dir" -type d -exec chmod 0755 {} +
	find "$r_dir" -type f -exec chmod 0755 {} +
}

# rig_fit DIR UNPACKED: a directory of the overlay that is a symlink in the image
# (merged /usr: /lib -> usr/lib) goes to the link's target instead, because the
# kernel replaces an existing entry of another type (the symlink would become an
# empty directory and the image would lose everything under it).
rig_fit() {
	for r_e in "$1"/*; do
		r_n=${r_e##*/}
		{ [ -d "$r_e" ] && [ -L "$2/$r_n" ]; } || continue
		r_t=$(readlink "$2/$r_n")
		r_t=${r_t#/}
		case $r_t in ../* | */../* | "") rig_say "cannot follow /$r_n -> $r_t"; return 1 ;; esac
		mkdir -p "$1/$r_t"
		cp -R "$r_e/." "$1/$r_t/"
		rm -rf "$r_e"
	done
}

# rig_cmdline GEN: what the generator needs on the command line in every boot.
rig_cmdline() {
	case $1 in
	dracut) echo "root=/dev/rig-none rd.shell=0 rd.emergency=poweroff" ;;
	initramfs-tools) echo "root=/dev/rig-none panic=-1" ;;
	*) echo "" ;;
	esac
}

# rig_boot IMAGE OVERLAY_DIR LOG CMDLINE...: boots the rig; status as tests/qemu/rig.sh.
rig_boot() {
	r_img=$1 r_ovl=$2 r_log=$3
	shift 3
	rig_cpio "$r_ovl" > "$r_log.overlay.cpio" || return 1
	# An uncompressed archive is only recognised at a 4-byte aligned offset of the
	# whole initrd: pad every part with zeros (which the kernel skips).
	for r_part in "$r_img" "$RIG_WORK/rigtools.cpio.gz" "$r_log.overlay.cpio"; do
		cat "$r_part"
		r_size=$(wc -c < "$r_part")
		head -c $(((4 - r_size % 4) % 4)) /dev/zero
	done > "$r_log.initrd"
	r_st=0
	RIG_TIMEOUT=${RIG_TIMEOUT:-150} "$RIG_TOP/tests/qemu/rig.sh" "$RIG_KERNEL" "$r_log.initrd" "$r_log" "$@" \
		2> "$r_log.err" || r_st=$?
	rm -f "$r_log.initrd" "$r_log.overlay.cpio"
	tr -d '\r' < "$r_log" > "$r_log.txt"
	return "$r_st"
}

# ---- reading the answers (LOG is the .txt that rig_boot leaves) ----

rig_drv() { # rig_drv LOG SLOT: the driver of SLOT (bb:dd.f) at the end, - when none, ? unknown
	r_v=$(sed -n "s/^RIG-DEV 0000:$2 [^ ]* [^ ]* \([^ ]*\) .*/\1/p" "$1" | head -n 1)
	echo "${r_v:-?}"
}
rig_override() { # rig_override LOG SLOT: driver_override of SLOT, - when none
	r_v=$(sed -n "s/^RIG-DEV 0000:$2 [^ ]* [^ ]* [^ ]* \([^ ]*\).*/\1/p" "$1" | head -n 1)
	echo "${r_v:-?}"
}
rig_ids() { # rig_ids LOG SLOT: vendor:device class
	sed -n "s/^RIG-DEV 0000:$2 \([^ ]*\) \([^ ]*\) .*/\1 \2/p" "$1" | head -n 1
}

# rig_report LOG: the report's devices, one per line: slot action before after reason
rig_report() {
	sed -n '/^RIG-REPORT-BEGIN/,/^RIG-REPORT-END/p' "$1" | sed '1d;$d' | tr '\n' ' ' |
		sed 's/}/}\n/g' | while IFS= read -r r_obj; do
			case $r_obj in *'"slot"'*) ;; *) continue ;; esac
			f() { printf '%s' "$r_obj" | sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p"; }
			printf '%s %s %s %s %s\n' "$(f slot)" "$(f action)" "$(f driver_before)" "$(f driver_after)" "$(f reason)"
		done
}
rig_report_num() { # rig_report_num LOG KEY: a top-level number or boolean of the report
	sed -n '/^RIG-REPORT-BEGIN/,/^RIG-REPORT-END/p' "$1" | tr '\n' ' ' |
		sed -n "s/.*\"$2\" *: *\([0-9a-z.]*\).*/\1/p" | head -n 1
}
rig_dmesg() { sed -n 's/^RIG-DMESG //p' "$1"; }
rig_end_time() { # kernel time (s) of the end-of-initramfs marker
	rig_dmesg "$1" | sed -n 's/^\[ *\([0-9.]*\)\] vfio-early-rig: end of initramfs.*/\1/p' | head -n 1
}
rig_summary() { # the helper's summary line, without the timestamp
	rig_dmesg "$1" | sed -n 's/^\[ *[0-9.]*\] \(vfio-early: \(bound\|dry run\).*\)/\1/p' | tail -n 1
}
# rig_host_probes LOG SLOT: kernel log lines that show a host driver probing SLOT.
rig_host_probes() {
	rig_dmesg "$1" | grep -E "(xhci_hcd|snd_hda_intel|bochs-drm) 0000:$2|SerialNumber: 0000:$2|\\[drm\\].* for 0000:$2" || :
}

# For the boot tests: one PASS or one FAIL through the caller's pass NAME / fail NAME WHY,
# from the serial log in $LOG.
# rig_expect_drivers NAME SLOT=DRIVER...: naming every slot on another driver
rig_expect_drivers() {
	d_name=$1
	shift
	d_bad=""
	for w in "$@"; do
		got=$(rig_drv "$LOG" "${w%%=*}")
		[ "$got" = "${w#*=}" ] || d_bad="$d_bad ${w%%=*} on $got (want ${w#*=});"
	done
	if [ -z "$d_bad" ]; then pass "$d_name"; else fail "$d_name" "${d_bad% ;}"; fi
}
# rig_expect_no_probe NAME SLOT...: no host driver probed any SLOT (naming each probe seen)
rig_expect_no_probe() {
	n_name=$1
	shift
	n_bad=""
	for s in "$@"; do
		n_line=$(rig_host_probes "$LOG" "$s" | head -n 1)
		[ -z "$n_line" ] || n_bad="$n_bad $n_line;"
	done
	if [ -z "$n_bad" ]; then pass "$n_name"; else fail "$n_name" "${n_bad% ;}"; fi
}
