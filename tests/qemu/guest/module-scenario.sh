#!/bin/sh
# /scenario.sh of the kernel-assisted-mode boots (tests/qemu/module-tests.sh): runs
# after /init loaded the host drivers (not vfio-pci: the module must ask for it).
# Prints "VFE: PASS <scenario>" or "VFE: FAIL <scenario>: <why>" per check; the
# host turns them into its own PASS/FAIL lines. vfe.test= on the command line says
# which boot this is:
#   bind  vfio_early.bind= names the "GPU" (03:00.0-.2), the VL805 stand-in 04:00.0,
#         the empty hot-plug slot 05:00.0 (tests/qemu/rig-hotplug.sh), 00:1f.3 with
#         another id and the bridge 02:00.0 above the "GPU"; the host
#         plugs a qemu-xhci into 05:00.0 and 06:00.0 when it sees VFE-HOTPLUG-READY
#   off   the same rules with vfio_early.off
PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH
sys=/sys/bus/pci/devices
status=/sys/module/vfio_early/parameters/status

pass() { echo "VFE: PASS $1"; }
fail() { echo "VFE: FAIL $1: $2"; }
drv() { # the driver of a slot, none, or absent
	if [ ! -e "$sys/$1" ]; then
		echo absent
	elif [ -e "$sys/$1/driver" ]; then
		basename "$(readlink "$sys/$1/driver")"
	else
		echo none
	fi
}
wait_drv() { # slot driver [tenths of a second]: wait until the slot has that driver
	n=0
	while [ "$(drv "$1")" != "$2" ] && [ "$n" -lt "${3:-100}" ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(drv "$1")" = "$2" ]
}
# expect SCENARIO SLOT=DRIVER...: one PASS, or one FAIL naming every mismatch
expect() {
	e_name=$1
	shift
	for w in "$@"; do wait_drv "0000:${w%%=*}" "${w#*=}" 50; done
	e_bad=""
	for w in "$@"; do
		got=$(drv "0000:${w%%=*}")
		[ "$got" = "${w#*=}" ] || e_bad="$e_bad ${w%%=*} on $got (want ${w#*=});"
	done
	if [ -z "$e_bad" ]; then pass "$e_name"; else fail "$e_name" "${e_bad% ;}"; fi
}
status_has() { # scenario pattern...: every pattern (grep -E) is in the status view
	s_name=$1
	shift
	for p in "$@"; do
		grep -Eq -- "$p" "$status" 2>/dev/null || {
			fail "$s_name" "status lacks '$p': $(tr '\n' '|' < "$status" 2>/dev/null)"
			return 1
		}
	done
	pass "$s_name"
}
rescan() { echo 1 > /sys/bus/pci/rescan; }

test=none
for arg in $(cat /proc/cmdline); do
	case $arg in vfe.test=*) test=${arg#vfe.test=} ;; esac
done
[ -d /sys/module/vfio_early ] || fail "$test" "vfio_early is not loaded"

case $test in
bind)
	expect "boot: configured slots on vfio-pci, twin 00:04.0 on xhci_hcd" \
		03:00.0=vfio-pci 03:00.1=vfio-pci 03:00.2=vfio-pci 04:00.0=vfio-pci 00:04.0=xhci_hcd
	if dmesg | grep -Eq '(xhci_hcd|snd_hda_intel|bochs-drm) 0000:0[34]:00'; then
		fail "boot: no host driver probed a target" "$(dmesg | grep -E '(xhci_hcd|snd_hda_intel|bochs-drm) 0000:0[34]:00' | head -n 1)"
	else
		pass "boot: no host driver probed a target"
	fi
	status_has "status: vfio-pci loaded by the module, actions recorded" \
		'^state=active vfio-pci=registered rules=7$' \
		'^slot=0000:03:00.2 id=1b36:000d:0c03 action=set seen=1 driver=vfio-pci$' \
		'^slot=0000:04:00.0 id=1b36:000d action=set seen=1 driver=vfio-pci$' \
		'^slot=0000:02:00.0 id=104c:8233 action=refused seen=1 driver=pcieport reason=bridge$' \
		'^slot=0000:05:00.0 id=1b36:000d action=waiting seen=0 driver=absent$' \
		'^slot=0000:00:1f.3 id=1106:3483 action=changed seen=1 driver=[a-z0-9_]+ found=8086:2930$'
	grep -q '^vfio_pci ' /proc/modules && pass "boot: vfio-pci requested by the module" ||
		fail "boot: vfio-pci requested by the module" "vfio_pci not in /proc/modules"

	echo "VFE-KSFT-BEGIN"
	/module_test
	echo "VFE-KSFT-END $?"

	echo 1 > "$sys/0000:04:00.0/remove"
	[ -e "$sys/0000:04:00.0" ] && fail "remove and rescan 04:00.0" "still there after remove"
	rescan
	expect "remove and rescan: 04:00.0 back on vfio-pci" 04:00.0=vfio-pci
	status_has "remove and rescan: seen twice" \
		'^slot=0000:04:00.0 id=1b36:000d action=set seen=2 driver=vfio-pci$'

	echo "VFE-HOTPLUG-READY $(cut -d' ' -f1 /proc/uptime)"
	n=0
	while { [ ! -e "$sys/0000:05:00.0" ] || [ ! -e "$sys/0000:06:00.0" ]; } && [ "$n" -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	echo "VFE-HOTPLUG-SEEN $(cut -d' ' -f1 /proc/uptime)"
	expect "hot-plug: configured 05:00.0 on vfio-pci, unconfigured 06:00.0 on xhci_hcd" \
		05:00.0=vfio-pci 06:00.0=xhci_hcd

	# Unload: matching stops; overrides and bindings stay (README, "Unloading").
	if rmmod vfio_early && [ ! -d /sys/module/vfio_early ]; then
		ovr=$(cat "$sys/0000:04:00.0/driver_override")
		if [ "$ovr" = vfio-pci ] && [ "$(drv 0000:04:00.0)" = vfio-pci ] &&
			[ "$(drv 0000:05:00.0)" = vfio-pci ]; then
			pass "rmmod: overrides and bindings stay"
		else
			fail "rmmod: overrides and bindings stay" "04:00.0 override $ovr, on $(drv 0000:04:00.0)"
		fi
		echo 1 > "$sys/0000:04:00.0/remove"
		rescan
		expect "rmmod: a rescanned 04:00.0 goes to its host driver" 04:00.0=xhci_hcd
	else
		fail "rmmod" "rmmod vfio_early failed"
	fi

	# dry_run: a reload that only says what it would do.
	echo 1 > "$sys/0000:05:00.0/remove"
	# and the boot VGA device without allow-boot-vga: refused.
	if insmod /lib/modules/"$(uname -r)"/extra/vfio_early.ko dry_run=1 \
		bind=05:00.0/1b36:000d,03:00.0/1234:1111; then
		rescan
		expect "dry_run: 05:00.0 rescanned goes to xhci_hcd" 05:00.0=xhci_hcd
		status_has "dry_run: status says dry-run" \
			'^state=active vfio-pci=registered rules=2 dry-run$' \
			'^slot=0000:05:00.0 id=1b36:000d action=dry-run seen=1 driver=xhci_hcd$'
		status_has "boot VGA without allow-boot-vga: refused" \
			'^slot=0000:03:00.0 id=1234:1111 action=refused seen=1 driver=vfio-pci reason=boot-vga$'
		rmmod vfio_early || fail "dry_run" "rmmod failed"
	else
		fail "dry_run" "insmod dry_run=1 failed"
	fi

	# A malformed bind= binds nothing and says why.
	if insmod /lib/modules/"$(uname -r)"/extra/vfio_early.ko bind=05:00.0/1b36:000d,04:00.0/1b36; then
		status_has "malformed bind: rejected whole, reason shown" \
			'^state=rejected vfio-pci=registered rules=0$' \
			"^error=bind '04:00.0/1b36': id: expects vendor:device\\[:class\\]$"
		rmmod vfio_early || fail "malformed bind" "rmmod failed"
	else
		fail "malformed bind" "insmod failed"
	fi
	;;
off)
	expect "off: every target on its host driver" \
		03:00.0=bochs-drm 03:00.1=snd_hda_intel 03:00.2=xhci_hcd 04:00.0=xhci_hcd 00:04.0=xhci_hcd
	status_has "off: status says off, no rules" '^state=off vfio-pci=absent rules=0$'
	ovr=$(cat "$sys/0000:04:00.0/driver_override")
	if grep -q '^vfio_pci ' /proc/modules || [ "$ovr" != "(null)" ]; then
		fail "off: no override, vfio-pci not loaded" "override $ovr"
	else
		pass "off: no override, vfio-pci not loaded"
	fi
	if rmmod vfio_early && [ ! -d /sys/module/vfio_early ]; then
		pass "off: rmmod"
	else
		fail "off: rmmod" "rmmod vfio_early failed"
	fi
	;;
*)
	fail "scenario" "unknown vfe.test=$test"
	;;
esac
dmesg | grep 'vfio_early' | sed 's/^/VFE-DMESG /'
echo "VFE-DONE $(cut -d' ' -f1 /proc/uptime)"
