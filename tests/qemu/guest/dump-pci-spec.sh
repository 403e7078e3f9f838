#!/bin/sh
# Runs inside the rig guest (busybox sh). Prints the PCI state in the fixture spec
# format (see tests/rootfs/mkroot.sh) to the console, each line prefixed "SPEC: ",
# between the lines "RIG-SPEC-BEGIN" and "RIG-SPEC-END". Parents come before children.
echo 1 > /proc/sys/kernel/printk # keep kernel messages off the console meanwhile
hex() { v=$(cat "$1"); echo "${v#0x}"; }
{
	echo "cmdline $(cat /proc/cmdline)"
	for d in /sys/bus/pci/drivers/*; do
		[ -d "$d" ] && echo "driver ${d##*/}"
	done
	for l in /sys/bus/pci/devices/*; do
		readlink -f "$l"
	done | sort | while IFS= read -r dev; do
		path=${dev#/sys/devices/}
		group=-
		[ -e "$dev/iommu_group" ] && group=$(basename "$(readlink "$dev/iommu_group")")
		drv=-
		[ -e "$dev/driver" ] && drv=$(basename "$(readlink "$dev/driver")")
		line="dev $path $(hex "$dev/vendor"):$(hex "$dev/device") $(hex "$dev/class") $group $drv"
		[ -f "$dev/boot_vga" ] && line="$line boot_vga=$(cat "$dev/boot_vga")"
		[ -f "$dev/subsystem_vendor" ] &&
			line="$line subsys=$(hex "$dev/subsystem_vendor"):$(hex "$dev/subsystem_device")"
		[ -f "$dev/revision" ] && line="$line rev=$(hex "$dev/revision")"
		echo "$line"
	done
} > /tmp/spec
echo "RIG-SPEC-BEGIN"
sed 's/^/SPEC: /' /tmp/spec
echo "RIG-SPEC-END"
echo 4 > /proc/sys/kernel/printk
