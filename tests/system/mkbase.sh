#!/bin/sh
# The whole-system test's base (issue 14): a Debian 12 system as a user has one, on a
# partitioned disk image booted by SeaBIOS and GRUB. mmdebstrap lays out the system from
# Debian's archive (systemd, udev, Debian's kernel, grub-pc, GENERATOR, and what the
# vfio-early package depends on, so that `apt install ./vfio-early_*.deb` needs no network
# in the guest); mke2fs -d makes its ext4 root, sfdisk the partition table; a first boot
# (the kernel and initramfs handed to QEMU directly, the only one) runs the system's own
# grub-install and update-grub on its disk, as Debian's installer does, and regenerates the
# initramfs for this disk (MODULES=dep, dracut's hostonly: a host's image, not one for every
# machine).
#
# Usage: tests/system/mkbase.sh GENERATOR   (initramfs-tools or dracut)
#   prints the image's path: STORE/base-GENERATOR-KEY.img (raw, sparse), KEY from the
#   package list, the mirror, this script and the guest's step runner; built once, then
#   reused. STORE is kept outside the work tree, as the built kernel is, so that CI's fresh
#   clones on this machine find it again: VFE_SYSTEM_CACHE (default
#   ${XDG_CACHE_HOME:-$HOME/.cache}/vfio-early/system); the build's log beside it.
# Each test boots a copy-on-write copy of it (qemu-img create -b), never the image itself.
set -eu
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
gen=${1:?usage: mkbase.sh GENERATOR}
case $gen in initramfs-tools | dracut) ;; *) echo "mkbase: GENERATOR is initramfs-tools or dracut" >&2 && exit 2 ;; esac
store=${VFE_SYSTEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-early/system}
mkdir -p "$store"
# shellcheck source=tests/qemu/suite-apt.sh
. "$top/tests/qemu/suite-apt.sh"
mirror=$(suite_apt_mirror main)
security=$(suite_apt_mirror security)
[ -n "$mirror" ] || { echo "mkbase: no Debian mirror in the host's apt sources" >&2; exit 1; }

# The system, and what vfio-early's package depends on and recommends (debian/control);
# zstd, which a system installed by Debian's installer has (initramfs-tools recommends it,
# and compresses with it).
pkgs="systemd-sysv udev kmod linux-image-amd64 grub-pc $gen apt e2fsprogs procps zstd
	pci.ids libpci3 libkmod2 libjson-c5 libhwloc15 libxml2"
key=$({ echo "$pkgs $mirror $security"; cat "$0" "$here/guest/vfe-step"; } | sha256sum | cut -c1-12)
img=$store/base-$gen-$key.img
exec 9> "$img.lock"
flock 9
if [ -f "$img.done" ]; then
	echo "$img"
	exit 0
fi
for tool in mmdebstrap qemu-system-x86_64 qemu-img sfdisk mke2fs; do
	command -v "$tool" > /dev/null || "$top/scripts/install-deps.sh" system >&2
done
rm -f "$store/base-$gen-"*.img "$store/base-$gen-"*.img.done
work=$(mktemp -d "$store/mkbase.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
log=$store/base-$gen.log
start=$(date +%s)
uuid=$(cat /proc/sys/kernel/random/uuid)
set -- "deb $mirror bookworm main" "deb $mirror bookworm-updates main"
[ -z "$security" ] || set -- "$@" "deb $security bookworm-security main"
{
	echo "mkbase: mmdebstrap bookworm ($gen) into $root"
	# shellcheck disable=SC2016 # expanded by mmdebstrap's hook shell
	mmdebstrap --variant=minbase --mode=root --include="$(echo $pkgs | tr ' ' ,)" \
		--customize-hook='echo vfe-system > "$1/etc/hostname"' \
		--customize-hook="printf 'UUID=$uuid / ext4 errors=remount-ro 0 1\n' > \"\$1/etc/fstab\"" \
		--customize-hook='printf "GRUB_DEFAULT=0\nGRUB_TIMEOUT=2\nGRUB_DISTRIBUTOR=Debian\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0,115200\"\nGRUB_TERMINAL=serial\nGRUB_SERIAL_COMMAND=\"serial --unit=0 --speed=115200\"\nGRUB_DISABLE_OS_PROBER=true\n" > "$1/etc/default/grub"' \
		--customize-hook="install -m 0755 '$here/guest/vfe-step' \"\$1/usr/local/sbin/vfe-step\"" \
		--customize-hook="install -m 0644 '$here/guest/vfe-step.service' \"\$1/etc/systemd/system/vfe-step.service\"" \
		--customize-hook='chroot "$1" systemctl enable vfe-step.service' \
		--customize-hook='chroot "$1" systemctl mask getty@tty1.service serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer' \
		--customize-hook='rm -f "$1/etc/machine-id" && touch "$1/etc/machine-id"' \
		bookworm "$root" "$@"
	# A host's image, not one for every machine: MODULES=dep for initramfs-tools, and for
	# dracut hostonly="yes", as Fedora's dracut has it (its 01-dist.conf; Debian's leaves
	# dracut's generic default, a 39 MB image that took minutes per run under TCG here).
	# Regenerated on the first boot, where the disk is there to be seen.
	if [ "$gen" = initramfs-tools ]; then
		sed -i 's/^MODULES=.*/MODULES=dep/' "$root/etc/initramfs-tools/initramfs.conf"
	else
		printf 'hostonly="yes"\n' > "$root/etc/dracut.conf.d/10-hostonly.conf"
	fi
	kver=$(ls "$root/lib/modules" | head -n 1)
	cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
	cp "$root/boot/initrd.img-$kver" "$work/initrd"
	echo "mkbase: $(du -sm "$root" | cut -f1) MiB of system, kernel $kver"
	# The disk: an MBR partition table, one bootable ext4 partition from the 1 MiB mark.
	truncate -s 4G "$work/disk.img"
	printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/disk.img"
	mke2fs -q -t ext4 -L vfe-root -U "$uuid" -d "$root" "$work/part.img" 4095M
	dd if="$work/part.img" of="$work/disk.img" bs=1M seek=1 conv=notrunc,sparse status=none
	rm -f "$work/part.img"
	rm -rf "$root"
	# The first boot: GRUB onto the disk, and the initramfs for it, by the system itself.
	mkdir -p "$work/step"
	cat > "$work/step/step.sh" << 'EOF'
set -e
grub-install /dev/vda
update-initramfs -u 2>/dev/null || dracut --force --regenerate-all
update-grub
EOF
	tar -cf "$work/step.tar" -C "$work/step" .
	truncate -s 1M "$work/step.tar"
	timeout -k 5 "${MKBASE_TIMEOUT:-1200}" qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp 2 -m 1024 \
		-display none -vga none -nodefaults -no-reboot -serial "file:$work/first.log" -monitor none \
		-drive "file=$work/disk.img,format=raw,if=virtio" -drive "file=$work/step.tar,format=raw,if=virtio" \
		-kernel "$work/vmlinuz" -initrd "$work/initrd" -append "root=UUID=$uuid ro console=ttyS0 quiet"
	tr -d '\r' < "$work/first.log" | sed -n '/^VFE-STEP /,$p'
	grep -aq '^VFE-STEP-END 0' "$work/first.log"
} > "$log" 2>&1 || {
	tail -n 30 "$log" >&2
	echo "mkbase: the base image could not be made (see $log)" >&2
	exit 1
}
mv "$work/disk.img" "$img"
echo "mkbase: $img in $(($(date +%s) - start)) s" >> "$log"
touch "$img.done"
echo "$img"
