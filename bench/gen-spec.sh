#!/bin/sh
# Print the fixture spec (tests/rootfs/mkroot format) of a synthetic machine with exactly N PCI
# devices, and write the matching config: 8 bind lines for the 8 targets.
# Usage: bench/gen-spec.sh N [SPECOUT|- [CONFOUT]]
#
# The first 57 devices are the seed's desktop (tests/rootfs/seed.spec: RX 6900 XT for the VM, RX 480
# as boot VGA, the shared front-USB group, the VL805 card) plus an RTX 3090 (VGA + audio sharing one
# group) and an NVMe drive for the VM; vfio-pci is registered, host drivers hold most devices.
# The rest is a server's worth of PCIe behind further root complexes (pci0000:20, pci0000:40, ...;
# then domain 0001): SR-IOV NICs with 128 VFs each (one group per function, like ACS-capable hardware),
# NVMe drives, PCIe switches with NVMe behind them, a quad-port NIC without ACS (one group), a host
# GPU with its audio, SATA and USB controllers; every root port, switch port and host bridge is a
# device too. Filling stops at N, so the last card may be cut short.
set -eu

usage() {
	echo "usage: bench/gen-spec.sh N [SPECOUT|- [CONFOUT]]   (N >= 57)" >&2
	exit 2
}
n=${1:-}
case $n in '' | *[!0-9]*) usage ;; esac
[ "$n" -ge 57 ] || usage
spec=${2:--}
conf=${3:-}

if [ -n "$conf" ]; then
	cat >"$conf" <<'EOF'
# vfio-early bench: the 8 targets of bench/gen-spec.sh
bind 0b:00.0 1002:73bf    # RX 6900 XT VGA
bind 0b:00.1 1002:ab28    # RX 6900 XT HDMI audio
bind 0b:00.2 1002:73a6    # RX 6900 XT USB
bind 0b:00.3 1002:73a4    # RX 6900 XT USB-C (UCSI)
bind 0f:00.0 1106:3483    # VIA VL805 USB 3.0 card
bind 10:00.0 10de:2204    # RTX 3090 VGA
bind 10:00.1 10de:1aef    # RTX 3090 HDMI audio
bind 11:00.0 144d:a80a    # Samsung 980 PRO NVMe
EOF
fi

[ "$spec" = - ] || exec >"$spec"

awk -v n="$n" '
function dev(path, id, class, grp, drv, opts) {
	if (count >= n)
		return
	count++
	printf "dev %s %s %s %s %s%s\n", path, id, class, grp, drv, opts == "" ? "" : " " opts
}
function slot(bus, d, f) {
	return sprintf("%s:%02x:%02x.%d", dom, bus, d, f)
}
# a further root complex: 32 buses of its own, a host bridge, root ports on its root bus
function complex(   k) {
	k = ++complexes
	dom = sprintf("%04x", int(k / 8))
	base = (k % 8) * 32
	root = sprintf("pci%s:%02x", dom, base)
	nextbus = base + 1
	ports = 0
	dev(root "/" slot(base, 0, 0), "1022:1480", "060000", ++g, "-")
}
# a root port with `buses` bus numbers behind it; sets bus to the first of them
function rootport(buses,   p) {
	if (nextbus + buses > base + 32 || ports == 49)
		complex()
	p = root "/" slot(base, int(ports / 7) + 1, ports % 7 + 1)
	ports++
	bus = nextbus
	nextbus += buses
	dev(p, "1022:1483", "060400", ++g, "pcieport")
	return p
}
function nic_sriov(   p, i, df) {
	p = rootport(1)
	dev(p "/" slot(bus, 0, 0), "8086:1572", "020000", ++g, "i40e", "subsys=8086:0007 rev=02")
	dev(p "/" slot(bus, 0, 1), "8086:1572", "020000", ++g, "i40e", "subsys=8086:0007 rev=02")
	for (i = 0; i < 128; i++) {
		df = 16 + i
		dev(p "/" slot(bus, int(df / 8), df % 8), "8086:154c", "020000", ++g,
		    i % 4 ? "iavf" : "-", "subsys=8086:0000 rev=02")
	}
}
function nvme(   p) {
	p = rootport(1)
	dev(p "/" slot(bus, 0, 0), "144d:a808", "010802", ++g, "nvme", "subsys=144d:a801")
}
function pcie_switch(   p, up, dn, i) {
	p = rootport(6)
	up = p "/" slot(bus, 0, 0)
	dev(up, "10b5:8747", "060400", ++g, "pcieport", "rev=ca")
	for (i = 0; i < 4; i++) {
		dn = up "/" slot(bus + 1, 8 + i, 0)
		dev(dn, "10b5:8747", "060400", ++g, "pcieport", "rev=ca")
		dev(dn "/" slot(bus + 2 + i, 0, 0), "144d:a808", "010802", ++g, "nvme")
	}
}
function quad_nic(   p, f, grp) {
	p = rootport(1)
	grp = ++g
	for (f = 0; f < 4; f++)
		dev(p "/" slot(bus, 0, f), "8086:1521", "020000", grp, "igb", "subsys=8086:00a1 rev=01")
}
function host_gpu(   p, grp) {
	p = rootport(1)
	grp = ++g
	dev(p "/" slot(bus, 0, 0), "1002:66af", "030000", grp, "amdgpu", "boot_vga=0 rev=c1")
	dev(p "/" slot(bus, 0, 1), "1002:ab20", "040300", grp, "snd_hda_intel")
}
function sata(   p) {
	p = rootport(1)
	dev(p "/" slot(bus, 0, 0), "1022:7901", "010601", ++g, "ahci", "rev=51")
}
function usb(   p) {
	p = rootport(1)
	dev(p "/" slot(bus, 0, 0), "1912:0014", "0c0330", ++g, "xhci_hcd", "rev=03")
}

/^dev / { count++ }
{ print }

END {
	g = 41
	units = "nic_sriov nvme pcie_switch nic_sriov quad_nic host_gpu nic_sriov sata usb"
	nunits = split(units, unit, " ")
	complex()
	for (i = 0; count < n; i++) {
		u = unit[i % nunits + 1]
		if (u == "nic_sriov") nic_sriov()
		else if (u == "nvme") nvme()
		else if (u == "pcie_switch") pcie_switch()
		else if (u == "quad_nic") quad_nic()
		else if (u == "host_gpu") host_gpu()
		else if (u == "sata") sata()
		else usb()
	}
}
' <<'EOF'
# synthetic machine for the vfio-early bench (bench/gen-spec.sh)
cmdline BOOT_IMAGE=/boot/vmlinuz-6.1.0-56-amd64 root=UUID=0b3c5e7a ro quiet amd_iommu=on iommu=pt
driver vfio-pci
dev pci0000:00/0000:00:01.0 1022:1482 060000 0 -
dev pci0000:00/0000:00:01.1 1022:1483 060400 1 pcieport
dev pci0000:00/0000:00:01.1/0000:01:00.0 15b7:5030 010802 15 nvme
dev pci0000:00/0000:00:01.2 1022:1483 060400 2 pcieport
dev pci0000:00/0000:00:01.2/0000:02:00.0 1022:57ad 060400 16 pcieport
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:01.0 1022:57a3 060400 17 pcieport
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:05.0 1022:57a3 060400 18 pcieport
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:08.0 1022:57a4 060400 19 pcieport
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:08.0/0000:06:00.0 1022:1485 130000 19 -
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:08.0/0000:06:00.1 1022:149c 0c0330 19 xhci_hcd
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:08.0/0000:06:00.3 1022:149c 0c0330 19 xhci_hcd
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:09.0 1022:57a4 060400 20 pcieport
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:09.0/0000:07:00.0 1022:7901 010601 20 ahci
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:0a.0 1022:57a4 060400 21 pcieport
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:0a.0/0000:08:00.0 1022:7901 010601 21 ahci
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:01.0/0000:04:00.0 15b7:5002 010802 22 nvme
dev pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:05.0/0000:05:00.0 8086:1539 020000 23 igb
dev pci0000:00/0000:00:02.0 1022:1482 060000 3 -
dev pci0000:00/0000:00:03.0 1022:1482 060000 4 -
dev pci0000:00/0000:00:03.1 1022:1483 060400 5 pcieport
dev pci0000:00/0000:00:03.1/0000:09:00.0 1002:1478 060400 24 pcieport
dev pci0000:00/0000:00:03.1/0000:09:00.0/0000:0a:00.0 1002:1479 060400 25 pcieport
dev pci0000:00/0000:00:03.1/0000:09:00.0/0000:0a:00.0/0000:0b:00.0 1002:73bf 030000 26 amdgpu boot_vga=0 rev=c0
dev pci0000:00/0000:00:03.1/0000:09:00.0/0000:0a:00.0/0000:0b:00.1 1002:ab28 040300 27 snd_hda_intel
dev pci0000:00/0000:00:03.1/0000:09:00.0/0000:0a:00.0/0000:0b:00.2 1002:73a6 0c0330 28 xhci_hcd
dev pci0000:00/0000:00:03.1/0000:09:00.0/0000:0a:00.0/0000:0b:00.3 1002:73a4 0c8000 29 i2c-designware-pci
dev pci0000:00/0000:00:03.2 1022:1483 060400 6 pcieport
dev pci0000:00/0000:00:03.2/0000:0c:00.0 1002:67df 030000 30 amdgpu boot_vga=1 rev=e7
dev pci0000:00/0000:00:03.2/0000:0c:00.1 1002:aaf0 040300 30 snd_hda_intel
dev pci0000:00/0000:00:03.3 1022:1483 060400 36 pcieport
dev pci0000:00/0000:00:03.3/0000:0f:00.0 1106:3483 0c0330 37 xhci_hcd rev=01
dev pci0000:00/0000:00:03.4 1022:1483 060400 38 pcieport
dev pci0000:00/0000:00:03.4/0000:10:00.0 10de:2204 030000 39 - boot_vga=0 subsys=1043:87b3 rev=a1
dev pci0000:00/0000:00:03.4/0000:10:00.1 10de:1aef 040300 39 snd_hda_intel subsys=1043:87b3 rev=a1
dev pci0000:00/0000:00:03.5 1022:1483 060400 40 pcieport
dev pci0000:00/0000:00:03.5/0000:11:00.0 144d:a80a 010802 41 nvme subsys=144d:a801
dev pci0000:00/0000:00:04.0 1022:1482 060000 7 -
dev pci0000:00/0000:00:05.0 1022:1482 060000 8 -
dev pci0000:00/0000:00:07.0 1022:1482 060000 9 -
dev pci0000:00/0000:00:07.1 1022:1484 060400 10 pcieport
dev pci0000:00/0000:00:07.1/0000:0d:00.0 1022:148a 130000 31 -
dev pci0000:00/0000:00:08.0 1022:1482 060000 11 -
dev pci0000:00/0000:00:08.1 1022:1484 060400 12 pcieport
dev pci0000:00/0000:00:08.1/0000:0e:00.0 1022:1485 130000 32 -
dev pci0000:00/0000:00:08.1/0000:0e:00.1 1022:1486 108000 33 ccp
dev pci0000:00/0000:00:08.1/0000:0e:00.3 1022:149c 0c0330 34 xhci_hcd
dev pci0000:00/0000:00:08.1/0000:0e:00.4 1022:1487 040300 35 snd_hda_intel
dev pci0000:00/0000:00:14.0 1022:790b 0c0500 13 piix4_smbus
dev pci0000:00/0000:00:14.3 1022:790e 060100 13 -
dev pci0000:00/0000:00:18.0 1022:1440 060000 14 -
dev pci0000:00/0000:00:18.1 1022:1441 060000 14 -
dev pci0000:00/0000:00:18.2 1022:1442 060000 14 -
dev pci0000:00/0000:00:18.3 1022:1443 060000 14 k10temp
dev pci0000:00/0000:00:18.4 1022:1444 060000 14 -
dev pci0000:00/0000:00:18.5 1022:1445 060000 14 -
dev pci0000:00/0000:00:18.6 1022:1446 060000 14 -
dev pci0000:00/0000:00:18.7 1022:1447 060000 14 -
EOF
