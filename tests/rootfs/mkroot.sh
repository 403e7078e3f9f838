#!/bin/sh
# Build a fake root shaped like a real kernel's sysfs from a fixture spec.
# Usage: tests/rootfs/mkroot.sh SPEC OUTDIR
#
# Spec lines (# starts a comment):
#   cmdline <text>        /proc/cmdline
#   driver <name>         a registered PCI driver with bind/unbind/new_id/remove_id
#   dev <path> <vendor>:<device> <class> <group|-> <driver|-> [boot_vga=0|1] [subsys=V:D] [rev=XX]
# <path> is the device directory under /sys/devices; its last part is the slot.
# Links are relative (ln -r) so a copy of the tree (cp -a) stays self-contained.
set -eu
spec=${1:?usage: mkroot.sh SPEC OUTDIR}
out=${2:?usage: mkroot.sh SPEC OUTDIR}

mkdir -p "$out/sys/bus/pci/devices" "$out/sys/bus/pci/drivers" "$out/sys/devices" \
	"$out/proc" "$out/run" "$out/etc" "$out/dev"
: >"$out/sys/bus/pci/drivers_probe"
: >"$out/sys/bus/pci/rescan"
: >"$out/proc/cmdline"

add_driver() {
	d="$out/sys/bus/pci/drivers/$1"
	[ -d "$d" ] && return 0
	mkdir -p "$d"
	for f in bind unbind new_id remove_id; do : >"$d/$f"; done
}

# 64 bytes of config space: ids, class, header type (1 for bridges)
write_config() { # file vendor device class rev
	v=$2 d=$3 c=$4 r=$5
	ht=00
	[ "${c%??}" = 0604 ] && ht=01
	printf "\\$(printf %03o 0x${v#??})\\$(printf %03o 0x${v%??})" >"$1"
	printf "\\$(printf %03o 0x${d#??})\\$(printf %03o 0x${d%??})" >>"$1"
	printf '\000\000\020\000' >>"$1"
	printf "\\$(printf %03o 0x$r)\\$(printf %03o 0x${c#????})" >>"$1"
	cs=${c%??}
	printf "\\$(printf %03o 0x${cs#??})\\$(printf %03o 0x${c%????})" >>"$1"
	printf "\\000\\000\\$(printf %03o 0x$ht)\\000" >>"$1"
	head -c 48 /dev/zero >>"$1"
}

add_dev() { # path id class group driver [opts...]
	path=$1 id=$2 class=$3 group=$4 drv=$5
	shift 5
	slot=${path##*/}
	vendor=${id%%:*} device=${id#*:}
	boot_vga="" subsys=0000:0000 rev=00
	for opt in "$@"; do
		case $opt in
		boot_vga=*) boot_vga=${opt#boot_vga=} ;;
		subsys=*) subsys=${opt#subsys=} ;;
		rev=*) rev=${opt#rev=} ;;
		*) echo "mkroot: $spec: unknown option $opt" >&2 && exit 1 ;;
		esac
	done
	dir="$out/sys/devices/$path"
	mkdir -p "$dir"
	echo "0x$vendor" >"$dir/vendor"
	echo "0x$device" >"$dir/device"
	echo "0x$class" >"$dir/class"
	echo "0x${subsys%%:*}" >"$dir/subsystem_vendor"
	echo "0x${subsys#*:}" >"$dir/subsystem_device"
	echo "0x$rev" >"$dir/revision"
	echo "(null)" >"$dir/driver_override"
	echo 0 >"$dir/irq"
	echo 1 >"$dir/enable"
	echo -1 >"$dir/numa_node"
	printf 'pci:v0000%sd0000%ssv0000%ssd0000%sbc%ssc%si%s\n' \
		"$(echo "$vendor" | tr a-f A-F)" "$(echo "$device" | tr a-f A-F)" \
		"$(echo "${subsys%%:*}" | tr a-f A-F)" "$(echo "${subsys#*:}" | tr a-f A-F)" \
		"$(echo "$class" | cut -c1-2 | tr a-f A-F)" "$(echo "$class" | cut -c3-4 | tr a-f A-F)" \
		"$(echo "$class" | cut -c5-6 | tr a-f A-F)" >"$dir/modalias"
	: >"$dir/resource"
	write_config "$dir/config" "$vendor" "$device" "$class" "$rev"
	[ -n "$boot_vga" ] && echo "$boot_vga" >"$dir/boot_vga"
	ln -sr "$dir" "$out/sys/bus/pci/devices/$slot"
	ln -sr "$out/sys/bus/pci" "$dir/subsystem"
	if [ "$group" != - ]; then
		g="$out/sys/kernel/iommu_groups/$group"
		mkdir -p "$g/devices"
		ln -sr "$g" "$dir/iommu_group"
		ln -sr "$dir" "$g/devices/$slot"
	fi
	if [ "$drv" != - ]; then
		add_driver "$drv"
		ln -sr "$out/sys/bus/pci/drivers/$drv" "$dir/driver"
		ln -sr "$dir" "$out/sys/bus/pci/drivers/$drv/$slot"
	fi
}

while IFS= read -r line || [ -n "$line" ]; do
	line=${line%%#*}
	# shellcheck disable=SC2086 # split the spec line into words
	set -- $line
	[ $# -gt 0 ] || continue
	case $1 in
	cmdline) printf '%s\n' "${line#*cmdline }" >"$out/proc/cmdline" ;;
	driver) add_driver "$2" ;;
	dev) shift && add_dev "$@" ;;
	*) echo "mkroot: $spec: unknown line: $line" >&2 && exit 1 ;;
	esac
done <"$spec"
