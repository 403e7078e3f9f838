# shellcheck shell=sh
# Shared by the real-image builders tests/qemu/mkinitrd-initramfs-tools.sh and
# tests/qemu/mkinitrd-dracut.sh (sourced, not run): the staged "make install" tree
# both lay over the host inside a private mount namespace.
#
# stage NAME CACHE CONFIG: sets kver, kroot (the cached kernel's tree) and work (a
# scratch directory removed on exit) and fills
#   $work/stage  what "make install-initramfs" installs, plus the helper in usr/sbin
#                (VFE_HELPER, default build/vfio-early, made when missing)
#   $work/etc    vfio-early.conf: CONFIG; "" one without any line (the helper is in
#                the image and binds nothing until a scenario lays its own over it);
#                "none" no config at all (the image is the baseline without vfio-early)
# Caller sets: top (the work tree).
stage() {
	s_name=$1 s_cache=$2 s_config=$3
	kver=${KVER:-$("$top/tests/qemu/fetch-kernel.sh" "$s_cache")}
	kroot=$(cd "$s_cache" && pwd)/kernel
	[ -f "$kroot/lib/modules/$kver/modules.dep" ] ||
		{ echo "mkinitrd-$s_name: no modules for $kver in $kroot" >&2; return 1; }
	s_helper=${VFE_HELPER:-$top/build/vfio-early}
	[ -n "${VFE_HELPER:-}" ] || make -s -C "$top" build/vfio-early
	[ -x "$s_helper" ] || { echo "mkinitrd-$s_name: no helper at $s_helper" >&2; return 1; }
	work=$(mktemp -d "${TMPDIR:-/tmp}/vfe-$s_name.XXXXXX")
	# shellcheck disable=SC2064 # work is fixed now
	trap "rm -rf '$work'" EXIT
	make -s -C "$top" install-initramfs DESTDIR="$work/stage"
	install -D -m 0755 "$s_helper" "$work/stage/usr/sbin/vfio-early"
	mkdir -p "$work/etc"
	case $s_config in
	none) ;;
	"") printf '# vfio-early rig image: no bind line; scenarios lay their own over it\n' > "$work/etc/vfio-early.conf" ;;
	*) cp "$s_config" "$work/etc/vfio-early.conf" ;;
	esac
}

# in_namespace SCRIPT: runs SCRIPT (sh) in a private mount namespace, where its
# overlay mounts vanish with it. Needs root, or unprivileged user namespaces.
in_namespace() {
	if [ "$(id -u)" -eq 0 ]; then unshare -m sh "$1"; else unshare -rm sh "$1"; fi
}
