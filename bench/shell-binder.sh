#!/bin/sh
# The baseline of `make bench`: a POSIX-sh binder doing the helper's job the way the common
# community scripts do it: one pass over every /sys/bus/pci/devices/* with builtin reads, match
# slot + vendor:device against the config's bind lines, refuse bridges and IOMMU groups shared with
# a non-target, then driver_override, unbind from the current driver, drivers_probe, check the link.
# Usage: bench/shell-binder.sh ROOT CONFIG     (ROOT is the fake root; "" or / for the real one)
# Exit: 0 all bound, 1 something skipped, refused or failed, 2 usage.
set -u

[ $# -eq 2 ] || {
	echo "usage: shell-binder.sh ROOT CONFIG" >&2
	exit 2
}
root=${1%/}
conf=$2
pci=$root/sys/bus/pci
status=0

log() {
	echo "shell-binder: $*" >&2
}

# " 0000:0b:00.0=1002:73bf ..." from the bind lines
want=" "
while read -r word slot id _; do
	[ "$word" = bind ] || continue
	case $slot in
	*:*:*) ;;
	*) slot=0000:$slot ;;
	esac
	vendor=${id%%:*}
	rest=${id#*:}
	want="$want$slot=$vendor:${rest%%:*} "
done <"$conf" || exit 2

# the one pass over the bus
targets=""
for dev in "$pci"/devices/*; do
	slot=${dev##*/}
	read -r vendor <"$dev/vendor" || continue
	read -r device <"$dev/device" || continue
	read -r class <"$dev/class" || continue
	id=${vendor#0x}:${device#0x}
	case $want in
	*" $slot=$id "*) ;;
	*" $slot="*)
		log "$slot: changed: found $id"
		status=1
		continue
		;;
	*) continue ;;
	esac
	case $class in
	0x0604*)
		log "$slot: refused: a PCI bridge"
		status=1
		continue
		;;
	esac
	targets="$targets $slot"
done
for pair in $want; do
	case " $targets " in
	*" ${pair%%=*} "*) ;;
	*)
		log "${pair%%=*}: missing or skipped"
		status=1
		;;
	esac
done

# every other non-bridge member of a target's IOMMU group must be a target too
viable=""
for slot in $targets; do
	dev=$pci/devices/$slot
	if [ ! -d "$dev/iommu_group" ]; then
		log "$slot: refused: no IOMMU group (is the IOMMU on?)"
		status=1
		continue
	fi
	ok=1
	for member in "$dev"/iommu_group/devices/*; do
		m=${member##*/}
		case " $targets " in *" $m "*) continue ;; esac
		read -r class <"$member/class" || class=""
		case $class in 0x0604*) continue ;; esac
		log "$slot: refused: its IOMMU group also holds $m"
		ok=0
	done
	if [ $ok = 1 ]; then
		viable="$viable $slot"
	else
		status=1
	fi
done

if [ ! -d "$pci/drivers/vfio-pci" ]; then
	if [ -z "$root" ]; then
		modprobe vfio-pci || true
	fi
	if [ ! -d "$pci/drivers/vfio-pci" ]; then
		log "vfio-pci is not available"
		exit 1
	fi
fi

bound=0
total=0
for slot in $viable; do
	total=$((total + 1))
	dev=$pci/devices/$slot
	if [ -e "$pci/drivers/vfio-pci/$slot" ]; then
		bound=$((bound + 1))
		continue
	fi
	echo vfio-pci >"$dev/driver_override" || continue
	if [ -e "$dev/driver" ]; then
		echo "$slot" >"$dev/driver/unbind"
	fi
	echo "$slot" >"$pci/drivers_probe"
	if [ -e "$pci/drivers/vfio-pci/$slot" ]; then
		bound=$((bound + 1))
	else
		log "$slot: failed: not bound to vfio-pci after drivers_probe"
		status=1
	fi
done
log "bound $bound/$total"
exit $status
