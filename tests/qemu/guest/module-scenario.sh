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
ko=/lib/modules/$(uname -r)/extra/vfio_early.ko
# n_list LIST: entries in a comma-separated list
n_list() { echo "$1" | tr ',' '\n' | grep -c .; }
# status_whole SCENARIO N: the status view of N rules is whole lines only, within a
# page, and every rule is either shown or counted in "omitted=K"
status_whole() {
	w_lines=$(grep -c '^slot=' "$status")
	w_omit=$(sed -n 's/^omitted=\([0-9]*\)$/\1/p' "$status")
	w_bad=$(grep -Ev '^(state=|error=|omitted=[0-9]+$|slot=[0-9a-f:.]+ id=[0-9a-f:]+( allow-boot-vga=1)? action=[a-z-]+ seen=[0-9]+ driver=[^ ]+( (found|error|reason)=[^ ]+)?$)' "$status" | head -n 1)
	w_size=$(wc -c < "$status")
	if grep -q "^state=[a-z]* vfio-pci=[a-z]* rules=$2\( dry-run\)\{0,1\}\$" "$status" && [ -z "$w_bad" ] &&
		[ "$w_size" -lt 4096 ] && [ $((w_lines + ${w_omit:-0})) -eq "$2" ]; then
		pass "$1 ($w_lines lines shown, ${w_omit:-0} omitted, $w_size bytes)"
	else
		fail "$1" "$(head -n 1 "$status"), $w_lines lines + omitted=${w_omit:-none}, $w_size bytes, bad line: ${w_bad:-none}"
	fi
}
# switch_cases FILE: every case of tests/switch-cases.txt against the module, loaded
# with dry_run=1 (nothing is ever set): "malformed" must load rejected, a "list"
# active with exactly those rules (bind=), or with those slots skipped (skip=).
switch_cases() {
	c_n=0
	c_bad=0
	while read -r c_token c_kind c_canon; do
		case $c_token in '' | '#'*) continue ;; esac
		c_n=$((c_n + 1))
		c_param=${c_token#vfio_early.}
		c_ctl=0000:3f:1f.7/1234:5678
		c_want=""
		case $c_token in
		vfio_early.bind*)
			c_bind=$c_param
			c_skip=""
			[ "$c_kind" = list ] && c_want=$c_canon
			;;
		*)
			c_skip=$c_param
			c_bind=bind=$c_ctl
			if [ "$c_kind" = list ]; then
				c_slots=$(echo "$c_canon" | tr ',' '\n' | awk '!seen[$0]++')
				c_bind=bind=$(echo "$c_slots" | sed 's|$|/1234:5678|' | tr '\n' ',')
				c_want=${c_bind#bind=}
				[ "$(echo "$c_slots" | grep -c .)" -lt 256 ] && c_want=$c_want$c_ctl
				c_want=${c_want%,}
				c_bind=bind=$c_want
			fi
			;;
		esac
		c_why=""
		# shellcheck disable=SC2086 # c_skip is empty or one word
		if ! insmod "$ko" dry_run=1 "$c_bind" $c_skip 2> /tmp/insmod.err; then
			c_why="insmod failed: $(head -c 80 /tmp/insmod.err)"
		elif [ "$c_kind" = malformed ]; then
			grep -q '^state=rejected ' "$status" && grep -q '^error=' "$status" ||
				c_why="not rejected: $(head -n 1 "$status")"
		else
			c_rules=$(n_list "$c_want")
			c_got=$(sed -n 's|^slot=\([^ ]*\) id=\([^ ]*\)\( allow-boot-vga=1\)\{0,1\} .*|\1/\2\3|p' "$status" |
				sed 's| allow-boot-vga=1$|/allow-boot-vga|' | tr '\n' ',')
			c_omit=$(sed -n 's/^omitted=\([0-9]*\)$/\1/p' "$status")
			if ! grep -q "^state=active vfio-pci=[a-z]* rules=$c_rules dry-run\$" "$status"; then
				c_why="not active with $c_rules rules: $(head -n 2 "$status" | tr '\n' '|')"
			elif [ -z "$c_omit" ] && [ "$c_got" != "$c_want," ]; then
				c_why="rules $(echo "$c_got" | head -c 120)"
			elif [ -n "$c_omit" ]; then
				case "$c_want," in "$c_got"*) ;; *) c_why="shown rules are not the list's first" ;; esac
				[ $(($(n_list "$c_got") + c_omit)) -eq "$c_rules" ] || c_why="shown + omitted != $c_rules"
			fi
			if [ -z "$c_why" ] && [ -n "$c_skip" ]; then
				# every listed slot skipped from the start, the control rule not
				grep '^slot=' "$status" | grep -v ' action=skipped ' | grep -v "^slot=0000:3f:1f.7 " |
					grep -q . && c_why="a listed slot is not skipped"
				grep -q '^slot=0000:3f:1f.7 .* action=skipped ' "$status" && c_why="the control slot is skipped"
			fi
		fi
		rmmod vfio_early 2> /dev/null
		if [ -n "$c_why" ]; then
			c_bad=$((c_bad + 1))
			[ "$c_bad" -le 20 ] && fail "switch case $(echo "$c_token" | head -c 80)" "$c_why"
		fi
	done < "$1"
	if [ "$c_bad" -eq 0 ] && [ "$c_n" -gt 0 ]; then
		pass "switch cases: all $c_n of tests/switch-cases.txt"
	else
		fail "switch cases" "$c_bad of $c_n disagree"
	fi
}

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

	# Given back to the host (README's commands, but left without a driver): the
	# work item that a configured device's rescan schedules must not probe it again.
	echo > "$sys/0000:04:00.0/driver_override"
	echo 0000:04:00.0 > /sys/bus/pci/drivers/vfio-pci/unbind
	echo 1 > "$sys/0000:03:00.2/remove"
	rescan
	wait_drv 0000:03:00.2 vfio-pci 50
	sleep 1
	ovr=$(cat "$sys/0000:04:00.0/driver_override")
	if [ "$(drv 0000:03:00.2)" = vfio-pci ] && [ "$(drv 0000:04:00.0)" = none ] && [ "$ovr" = "(null)" ]; then
		pass "given back: 04:00.0 not attached again when the work item runs"
	else
		fail "given back: 04:00.0 not attached again when the work item runs" \
			"04:00.0 on $(drv 0000:04:00.0) (override $ovr), 03:00.2 on $(drv 0000:03:00.2)"
	fi
	echo vfio-pci > "$sys/0000:04:00.0/driver_override"
	echo 0000:04:00.0 > /sys/bus/pci/drivers_probe

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

	# dry_run: a reload that only says what it would do. 06:00.0 waits for vfio-pci
	# (override set, no driver): a dry run must not probe it.
	echo vfio-pci > "$sys/0000:06:00.0/driver_override"
	echo 0000:06:00.0 > /sys/bus/pci/drivers/xhci_hcd/unbind
	echo 1 > "$sys/0000:05:00.0/remove"
	# and the boot VGA device without allow-boot-vga: refused.
	if insmod /lib/modules/"$(uname -r)"/extra/vfio_early.ko dry_run=1 \
		bind=05:00.0/1b36:000d,03:00.0/1234:1111,06:00.0/1b36:000d; then
		rescan
		expect "dry_run: 05:00.0 rescanned goes to xhci_hcd" 05:00.0=xhci_hcd
		status_has "dry_run: status says dry-run" \
			'^state=active vfio-pci=registered rules=3 dry-run$' \
			'^slot=0000:05:00.0 id=1b36:000d action=dry-run seen=1 driver=xhci_hcd$' \
			'^slot=0000:06:00.0 id=1b36:000d action=already seen=1 driver=none$'
		sleep 1
		expect "dry_run: 06:00.0 waiting for vfio-pci is not probed" 06:00.0=none
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
	echo > "$sys/0000:06:00.0/driver_override"
	echo 0000:06:00.0 > /sys/bus/pci/drivers_probe

	# A 32-bit domain is matched whole: 10000:04:00.0 is not 0000:04:00.0.
	echo 1 > "$sys/0000:04:00.0/remove"
	if insmod "$ko" bind=10000:04:00.0/1b36:000d; then
		rescan
		expect "domain 10000: 0000:04:00.0 rescanned goes to xhci_hcd" 04:00.0=xhci_hcd
		status_has "domain 10000: the rule keeps its domain, nothing there" \
			'^state=active vfio-pci=registered rules=1$' \
			'^slot=10000:04:00.0 id=1b36:000d action=waiting seen=0 driver=absent$'
		rmmod vfio_early || fail "domain 10000" "rmmod failed"
	else
		fail "domain 10000" "insmod failed"
	fi

	# The status view holds whole lines and counts what does not fit (64 short rules,
	# 895 characters, within what a charp parameter took: the view's own limit).
	many=""
	i=0
	while [ "$i" -lt 64 ]; do
		many=$many${many:+,}$(printf '%x:%x.%x/1b36:d' $((0x40 + i / 8)) 0 $((i % 8)))
		i=$((i + 1))
	done
	if insmod "$ko" dry_run=1 "bind=$many"; then
		status_whole "status: 64 rules of ${#many} characters" 64
		rmmod vfio_early
	else
		fail "status: 64 rules of ${#many} characters" "insmod failed"
	fi
	# Longer than any 256 entries can be: loads, rejected, says why.
	long=$(sed -n 's/^vfio_early.bind=\(7fffff00[^ ]*\) list .*/\1/p' /switch-cases.txt),ff:1f.7/1:2
	if insmod "$ko" dry_run=1 "bind=$long"; then
		status_has "bind= of ${#long} characters: loads, rejected" \
			'^state=rejected vfio-pci=registered rules=0$' \
			"^error=bind: ${#long} characters, more than 12031$"
		rmmod vfio_early
	else
		fail "bind= of ${#long} characters: loads, rejected" "insmod failed"
	fi

	switch_cases /switch-cases.txt
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
