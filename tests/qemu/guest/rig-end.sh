#!/bin/sh
# Runs inside the rig guest at the end of the initramfs (after udev's coldplug has
# settled, before any root file system would be mounted), from a hook that
# tests/qemu/scenarios.sh lays over the image. Uses only the static busybox at
# /rig/busybox, so it works the same in the busybox, initramfs-tools and dracut
# images (whatever tools they carry, and from systemd units as well as from init).
#
# Prints, on the console, between "RIG-END <uptime>" and "RIG-POWEROFF":
#   RIG-DEV <slot> <vendor>:<device> <class> <driver|-> <driver_override|->
#   RIG-REPORT-BEGIN / the lines of /run/vfio-early/report.json / RIG-REPORT-END
#   RIG-CLIENT <slot> <status> <output>   for each slot listed in /etc/rig/client
#   RIG-CPUS <present> <isolated|-> <nohz_full|->
#   RIG-HP <node|all> <size_kB> <nr_hugepages>   every pool, per node when there are nodes
#   RIG-MASK <name> <value>               default_smp_affinity, the workqueue cpumask
#   RIG-IRQ <n> <smp_affinity_list> <effective_affinity_list> <name in /proc/interrupts>
#   RIG-KMOD <line>                       vfio_early.ko's status view, when it is loaded
#   RIG-OUT <line>                        what /etc/rig/after.sh printed (when there is one),
#   RIG-AFTER <status>                    and its exit status
#   RIG-DMESG <line>                      the whole kernel log
# writes the marker "vfio-early-rig: end of initramfs" to /dev/kmsg (its printk
# time is the boot-cost figure), then powers the guest off.
bb=/rig/busybox
mkdir -p /rig/bin
$bb --install -s /rig/bin 2>/dev/null
PATH=/rig/bin:$PATH
export PATH
exec < /dev/null > /dev/console 2>&1

# The marker first: everything below is the test's own cost, not the boot's.
echo "vfio-early-rig: end of initramfs" > /dev/kmsg
echo "RIG-END $(cut -d' ' -f1 /proc/uptime)"

val() { # the contents of a sysfs attribute without its 0x prefix, or -
	v=$(cat "$1" 2>/dev/null) || v=-
	[ -n "$v" ] || v=-
	echo "${v#0x}"
}
for dev in /sys/bus/pci/devices/*; do
	drv=-
	[ -e "$dev/driver" ] && drv=$(basename "$(readlink "$dev/driver")")
	ovr=$(val "$dev/driver_override")
	[ "$ovr" = "(null)" ] && ovr=-
	echo "RIG-DEV ${dev##*/} $(val "$dev/vendor"):$(val "$dev/device") $(val "$dev/class") $drv $ovr"
done

echo "RIG-REPORT-BEGIN"
[ -f /run/vfio-early/report.json ] && cat /run/vfio-early/report.json
echo
echo "RIG-REPORT-END"

if [ -f /etc/rig/client ]; then
	while read -r slot; do
		[ -n "$slot" ] || continue
		out=$(/rig/vfio-client "$slot" 2>&1) && st=0 || st=$?
		echo "$out" | while IFS= read -r line; do
			echo "RIG-CLIENT $slot $st $line"
		done
	done < /etc/rig/client
fi

cpus() { v=$(cat "/sys/devices/system/cpu/$1" 2>/dev/null); echo "${v:--}"; }
echo "RIG-CPUS $(cpus present) $(cpus isolated) $(cpus nohz_full)"
for hp in /sys/kernel/mm/hugepages/hugepages-*; do
	[ -d "$hp" ] || continue
	size=${hp##*-}
	echo "RIG-HP all ${size%kB} $(cat "$hp/nr_hugepages")"
	for n in /sys/devices/system/node/node[0-9]*; do
		[ -f "$n/hugepages/${hp##*/}/nr_hugepages" ] &&
			echo "RIG-HP ${n##*node} ${size%kB} $(cat "$n/hugepages/${hp##*/}/nr_hugepages")"
	done
done
echo "RIG-MASK default_smp_affinity $(val /proc/irq/default_smp_affinity)"
echo "RIG-MASK workqueue $(val /sys/devices/virtual/workqueue/cpumask)"
# The last word of each line of /proc/interrupts names the IRQ's handler.
sed -n 's/^ *\([0-9][0-9]*\):.* \([^ ][^ ]*\) *$/\1 \2/p' /proc/interrupts > /tmp/rig-irq-names
for irq in /proc/irq/[0-9]*; do
	n=${irq##*/}
	name=$(awk -v n="$n" '$1 == n { print $2 }' /tmp/rig-irq-names)
	echo "RIG-IRQ $n $(val "$irq/smp_affinity_list") $(val "$irq/effective_affinity_list") ${name:--}"
done

[ -r /sys/module/vfio_early/parameters/status ] &&
	sed 's/^/RIG-KMOD /' /sys/module/vfio_early/parameters/status

if [ -f /etc/rig/after.sh ]; then
	st=0
	sh /etc/rig/after.sh > /tmp/rig-after.out 2>&1 || st=$?
	sed 's/^/RIG-OUT /' /tmp/rig-after.out
	echo "RIG-AFTER $st"
fi

dmesg | sed 's/^/RIG-DMESG /'
echo "RIG-POWEROFF $(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
# Should poweroff return (it should not), make sure the guest still stops.
echo o > /proc/sysrq-trigger
sleep 30
