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
#   VFE_KMOD     (environment) a vfio_early.ko to install as the host's DKMS build
#                would (lib/modules/VER/updates/dkms); usrlib_lines then runs depmod
#   VFE_MODPROBE (environment) a file laid over /etc/modprobe.d/00-vfio-early.conf, as
#                "vfio-earlyctl apply" writes it (softdeps, options vfio_early bind=)
#   RIG_SLIM     (environment) module names: the image is built from a copy of the
#                kernel's module tree that holds only these and what they need
#                (slim_kernel), as a machine with only the rig's devices would get
# Caller sets: top (the work tree).
stage() {
	s_name=$1 s_cache=$2 s_config=$3
	kver=${KVER:-$("$top/tests/qemu/fetch-kernel.sh" "$s_cache")}
	kroot=$(cd "$s_cache" && pwd)/kernel
	[ -f "$kroot/lib/modules/$kver/modules.dep" ] ||
		{ echo "mkinitrd-$s_name: no modules for $kver in $kroot" >&2; return 1; }
	if [ -n "${RIG_SLIM:-}" ]; then
		kroot=$(slim_kernel "$kroot" "$kver" "$RIG_SLIM") || return 1
	fi
	s_helper=${VFE_HELPER:-$top/build/vfio-early}
	[ -n "${VFE_HELPER:-}" ] || make -s -C "$top" build/vfio-early
	[ -x "$s_helper" ] || { echo "mkinitrd-$s_name: no helper at $s_helper" >&2; return 1; }
	work=$(mktemp -d "${TMPDIR:-/tmp}/vfe-$s_name.XXXXXX")
	# shellcheck disable=SC2064 # work is fixed now
	trap "rm -rf '$work'" EXIT
	make -s -C "$top" install-initramfs DESTDIR="$work/stage"
	install -D -m 0755 "$s_helper" "$work/stage/usr/sbin/vfio-early"
	# make install puts the modprobe.d file in /lib/modprobe.d: on a merged-/usr
	# host (/lib -> usr/lib) that is /usr/lib/modprobe.d, which the overlays cover.
	if [ -d "$work/stage/lib" ] && [ -L /lib ]; then
		cp -a "$work/stage/lib/." "$work/stage/usr/lib/"
		rm -rf "$work/stage/lib"
	fi
	if [ -n "${VFE_KMOD:-}" ]; then
		install -D -m 0644 "$VFE_KMOD" "$work/stage/usr/lib/modules/$kver/updates/dkms/vfio_early.ko"
	fi
	mkdir -p "$work/etc"
	if [ -n "${VFE_MODPROBE:-}" ]; then
		install -D -m 0644 "$VFE_MODPROBE" "$work/etc/modprobe.d/00-vfio-early.conf"
	fi
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

# usrlib_lines: the lines of an inner script that lay the staged tree and the cached
# kernel's modules over /usr/lib (and /lib when it is not a link to usr/lib). With
# VFE_KMOD the overlay is writable (its upper layer in the scratch directory) and
# depmod indexes the module tree with vfio_early.ko in it, as DKMS does.
usrlib_lines() {
	if [ -n "${VFE_KMOD:-}" ]; then
		mkdir -p "$work/upper" "$work/owork"
		printf 'mount -t overlay vfio-early-test -o "lowerdir=%s,upperdir=%s,workdir=%s" /usr/lib\n' \
			"$work/stage/usr/lib:$kroot/lib:/usr/lib" "$work/upper" "$work/owork"
		printf 'depmod -a "%s"\n' "$kver"
	else
		printf 'ovl "%s" /usr/lib\n' "$work/stage/usr/lib:$kroot/lib:/usr/lib"
	fi
	if [ -d "$work/stage/lib" ]; then
		printf 'ovl "%s" /lib\n' "$work/stage/lib:/lib"
	fi
}

# slim_kernel KROOT KVER "MODULE...": prints the root of a module tree for KVER that
# holds MODULE... and every module they need (modules.dep, softdeps), with the
# kernel's own index files and /boot; built once per list under KROOT/../kernel-slim.
# Generators that take "every driver" (dracut --no-hostonly, MODULES=most) then
# take these: the images stay small, and building and booting them takes seconds.
slim_kernel() {
	k_src=$1 k_ver=$2 k_mods=$3
	k_top=$k_src/../kernel-slim
	mkdir -p "$k_top"
	k_top=$(cd "$k_top" && pwd)
	k_dir=$k_top/$(echo "$k_ver $k_mods" | sha256sum | cut -c1-12)
	# Image builds run side by side: one builds the tree (in a scratch directory,
	# renamed when complete), the others wait for it.
	(
		flock 9
		[ -f "$k_dir/lib/modules/$k_ver/modules.dep" ] && exit 0
		k_new=$k_dir.new.$$
		rm -rf "$k_new"
		k_m=$k_new/lib/modules/$k_ver
		mkdir -p "$k_m"
		# shellcheck disable=SC2086 # a list of module names
		for k_mod in $k_mods; do
			modprobe -d "$k_src" -S "$k_ver" --show-depends "$k_mod" 2> /dev/null
		done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | sort -u | while read -r k_ko; do
			k_rel=${k_ko#"$k_src/lib/modules/$k_ver/"}
			mkdir -p "$k_m/$(dirname "$k_rel")"
			cp "$k_ko" "$k_m/$k_rel" || exit 1
		done || exit 1
		for k_f in modules.order modules.builtin modules.builtin.modinfo; do
			[ -f "$k_src/lib/modules/$k_ver/$k_f" ] && cp "$k_src/lib/modules/$k_ver/$k_f" "$k_m/"
		done
		ln -sfn "$k_src/boot" "$k_new/boot"
		depmod -b "$k_new" "$k_ver" || exit 1
		rm -rf "$k_dir"
		mv "$k_new" "$k_dir"
		echo "mkinitrd: slim module tree for $k_ver: $(find "$k_dir" -name '*.ko*' | wc -l) modules" >&2
	) 9> "$k_dir.lock" || return 1
	echo "$k_dir"
}
