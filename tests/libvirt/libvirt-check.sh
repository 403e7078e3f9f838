#!/bin/sh
# libvirt-xml against a real libvirtd: the guide's domain is generated for the seed machine,
# validated, defined and read back; the same domain (minus what only the guide's host has)
# starts under TCG to OVMF with Secure Boot and its TPM; --update rewrites only our parts of
# the guide's hand-made domain.
# Usage: tests/libvirt/libvirt-check.sh BUILD_DIR     (root; prints PASS:/FAIL: lines)
#
# The libvirtd is private: the script re-runs itself in a mount namespace (unshare -m) with
# empty directories over /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt
# and a copy of /etc/libvirt (no autostarted network, QEMU and swtpm as root, logs to files):
# nothing of the host's libvirt is read or changed, and everything goes with the namespace.
# QEMU starts under flock ${RIG_LOCK:-/tmp/vfe-qemu.lock}, one boot at a time as in the other QEMU tests.
set -u
build=${1:-build}
ctl=$(cd "$build" && pwd)/vfio-earlyctl
top=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=${VFE_FIXTURES:-$top/build/rootfs}

pass() { echo "PASS: libvirt: $*"; }
fail() { echo "FAIL: libvirt: $*"; }
check() { # name command...
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi
}

if [ -z "${VFE_LIBVIRT_NS:-}" ]; then
	missing=""
	for p in /usr/sbin/libvirtd virsh virt-xml-validate swtpm swtpm_setup flock unshare; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -e /usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json ] || missing="$missing ovmf"
	if [ -n "$missing" ]; then
		fail "missing:$missing (scripts/install-deps.sh libvirt)"
		exit 1
	fi
	if [ "$(id -u)" -ne 0 ] || [ ! -x "$ctl" ] || [ ! -d "$fixtures/seed" ]; then
		fail "needs root, $ctl and the seed fixture (make unit)"
		exit 1
	fi
	VFE_LIBVIRT_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

start_s=$(date +%s)
t=$(mktemp -d /tmp/vfe-libvirt.XXXXXX)
cleanup() {
	if [ -S /run/libvirt/libvirt-sock ]; then
		for d in $(virsh list --name 2>/dev/null); do virsh destroy "$d" >/dev/null 2>&1; done
	fi
	[ -s "$t/libvirtd.pid" ] && kill "$(cat "$t/libvirtd.pid")" 2>/dev/null
	sleep 0.5
	rm -rf "$t"
}
trap cleanup EXIT

# ---- the private libvirtd ----
mkdir -p "$t/run" "$t/lib" "$t/cache" "$t/log" "$t/w/share"
cp -a /etc/libvirt "$t/etc"
rm -f "$t"/etc/qemu/networks/autostart/*.xml "$t"/etc/qemu/*.xml
cat >>"$t/etc/qemu.conf" <<'EOF'
# vfio-early's test instance
user = "root"
group = "root"
swtpm_user = "root"
swtpm_group = "root"
stdio_handler = "file"
security_driver = "none"
EOF
for m in run:/run/libvirt lib:/var/lib/libvirt cache:/var/cache/libvirt log:/var/log/libvirt \
	etc:/etc/libvirt; do
	mkdir -p "${m#*:}" && mount --bind "$t/${m%%:*}" "${m#*:}" || {
		fail "cannot mount a private ${m#*:}"
		exit 1
	}
done
/usr/sbin/libvirtd --pid-file "$t/libvirtd.pid" >"$t/libvirtd.log" 2>&1 &
i=0
while [ ! -S /run/libvirt/libvirt-sock ] && [ $i -lt 150 ]; do
	sleep 0.2
	i=$((i + 1))
done
if ! virsh -q version >/dev/null 2>&1; then
	fail "libvirtd did not come up: $(tail -n 3 "$t/libvirtd.log")"
	exit 1
fi
pass "private libvirtd $(virsh -q version | sed -n 's/^Running hypervisor: //p') up in $(($(date +%s) - start_s)) s"

# ---- the guide's machine, its config with nested virtualization ----
root=$t/root
cp -a "$fixtures/seed" "$root"
cat >"$root/etc/vfio-early.conf" <<'EOF'
bind 0b:00.0 1002:73bf
bind 0b:00.1 1002:ab28
bind 0b:00.2 1002:73a6
bind 0b:00.3 1002:73a4
bind 0f:00.0 1106:3483
hugepages 2M 8192
vm-cpus 4-7,12-15
nested yes
EOF
w=$t/w
truncate -s 64M "$w/win11.img"
truncate -s 1M "$w/win11.iso"
"$ctl" --root "$root" libvirt-xml --domain win11 --disk "$w/win11.img" --iso "$w/win11.iso" \
	--share "$w/share:hostshare" >"$w/win11.xml" 2>"$w/gen.err"
check "--domain prints a domain (exit 0)" test -s "$w/win11.xml"
check "the domain validates (virt-xml-validate)" virt-xml-validate "$w/win11.xml" domain
"$ctl" --root "$root" libvirt-xml >"$w/fragments.xml" 2>/dev/null
{
	echo "<domain type='kvm'><name>f</name><memory>16777216</memory>"
	sed -n '/^<vcpu/,/^<\/memoryBacking>/p' "$w/fragments.xml"
	echo "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
	sed -n '/^<hostdev/,$p' "$w/fragments.xml"
	echo "</devices></domain>"
} >"$w/fragments-domain.xml"
check "the fragments validate in a domain" virt-xml-validate "$w/fragments-domain.xml" domain

# No KVM here: the same domain with type='qemu' (define checks no host CPU or device).
sed "s/<domain type='kvm'>/<domain type='qemu'>/" "$w/win11.xml" >"$w/win11-qemu.xml"
check "virsh define" virsh -q define "$w/win11-qemu.xml"
virsh dumpxml --inactive win11 >"$w/dump.xml" 2>&1
check "virsh dumpxml validates" virt-xml-validate "$w/dump.xml" domain
has() { # name fixed-string [count]
	n=$(grep -cF -- "$2" "$w/dump.xml")
	if [ "$n" -ge "${3:-1}" ]; then pass "dumpxml: $1"; else fail "dumpxml: $1 ('$2' x$n)"; fi
}
has "q35" "machine='pc-q35-"
has "UEFI" "<os firmware='efi'>"
has "Secure Boot" "<feature enabled='yes' name='secure-boot'/>"
has "enrolled keys" "<feature enabled='yes' name='enrolled-keys'/>"
has "SMM" "<smm state='on'/>"
has "TPM 2.0 emulator" "<backend type='emulator' version='2.0'/>"
for h in relaxed vapic vpindex runtime synic stimer reset frequencies tlbflush ipi; do
	has "hyperv $h" "<$h state='on'/>"
done
has "hyperv spinlocks" "<spinlocks state='on' retries='8191'/>"
has "hypervclock" "<timer name='hypervclock' present='yes'/>"
has "host-passthrough" "<cpu mode='host-passthrough' check='none'"
has "topology" "<topology sockets='1' dies='1' cores='4' threads='2'/>"
has "topoext" "<feature policy='require' name='topoext'/>"
has "nested: svm" "<feature policy='require' name='svm'/>"
has "8 vCPUs on 4-7,12-15" "<vcpu placement='static' cpuset='4-7,12-15'>8</vcpu>"
has "vcpupin" "<vcpupin vcpu=" 8
has "vCPU 1 on core 0's sibling" "<vcpupin vcpu='1' cpuset='12'/>"
has "emulatorpin" "<emulatorpin cpuset='0-3,8-11'/>"
has "iothreadpin" "<iothreadpin iothread='1' cpuset='0-3,8-11'/>"
has "hugepages" "<page size='2048' unit='KiB'/>"
has "memfd" "<source type='memfd'/>"
has "shared memory" "<access mode='shared'/>"
has "virtiofs" "<driver type='virtiofs'/>"
has "virtiofs tag" "<target dir='hostshare'/>"
has "virtio disk" "<target dev='vda' bus='virtio'/>"
has "ISO" "<source file='$w/win11.iso'/>"
has "5 hostdevs managed='no'" "<hostdev mode='subsystem' type='pci' managed='no'>" 5
has "GPU function 0 multifunction" "bus='0x01' slot='0x00' function='0x0' multifunction='on'/>"
has "GPU function 3 in the same slot" "bus='0x01' slot='0x00' function='0x3'/>"
has "USB card" "<address domain='0x0000' bus='0x0f' slot='0x00' function='0x0'/>"

# ---- the same domain started under TCG ----
# Left out, each for a reason of this machine: the hostdevs (no such devices), the hugepages
# (none reserved), the pins (CPUs 4-15 do not exist), the network (no 'default' here). Two
# vCPUs instead of eight (TCG on 2 shared cores), 1 GiB, the serial console into a file.
"$ctl" --root "$root" libvirt-xml --domain win11-tcg --virt-type qemu --vcpus 2 \
	--memory 1G --disk "$w/win11.img" --share "$w/share:hostshare" >"$w/tcg-full.xml" 2>/dev/null
check "--virt-type qemu validates" virt-xml-validate "$w/tcg-full.xml" domain
sed -e '/<hostdev /,/<\/hostdev>/d' -e '/<hugepages>/,/<\/hugepages>/d' \
	-e '/<cputune>/,/<\/cputune>/d' -e "s/ cpuset='[^']*'//" -e '/<interface /,/<\/interface>/d' \
	-e "s|<serial type='pty'>|<serial type='file'><source path='$w/serial.log'/>|" \
	"$w/tcg-full.xml" >"$w/tcg.xml"
check "the TCG variant validates" virt-xml-validate "$w/tcg.xml" domain
virsh -q define "$w/tcg.xml" >/dev/null 2>&1
lock_s=$(date +%s)
flock "${RIG_LOCK:-/tmp/vfe-qemu.lock}" sh -c '
	date +%s >"$1/boot_s"
	virsh -q start win11-tcg >"$1/start.log" 2>&1 || exit 1
	i=0
	while [ $i -lt 120 ] && ! grep -q "Security Violation" "$1/serial.log" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
	virsh dumpxml win11-tcg >"$1/running.xml"
	pgrep -a swtpm >"$1/swtpm.txt"
	pgrep -a virtiofsd >"$1/virtiofsd.txt"
	virsh -q destroy win11-tcg >/dev/null' sh "$w"
boot=$(($(date +%s) - $(cat "$w/boot_s" 2>/dev/null || echo "$lock_s")))
if [ -s "$w/start.log" ]; then
	fail "virsh start under TCG: $(head -c 300 "$w/start.log")"
else
	pass "virsh start under TCG (waited $(($(cat "$w/boot_s" 2>/dev/null || echo "$lock_s") - lock_s)) s for the QEMU lock)"
fi
if grep -q "BdsDxe" "$w/serial.log" 2>/dev/null; then
	pass "OVMF runs: its boot manager on the serial console ($boot s)"
else
	fail "no OVMF output on the serial console after $boot s"
fi
# The enrolled Microsoft keys refuse the firmware's own unsigned shell: Secure Boot is on.
check "Secure Boot enforced (unsigned EFI shell: Security Violation)" \
	grep -q "failed to start .*EFI Internal Shell.*Security Violation" "$w/serial.log"
check "TPM: swtpm ran for the domain" grep -q "win11-tcg-swtpm.sock" "$w/swtpm.txt"
check "virtiofs: virtiofsd serves the share" grep -q "source=$w/share" "$w/virtiofsd.txt"
check "TPM: libvirt attached it (tpm0)" grep -q "<alias name='tpm0'/>" "$w/running.xml"
check "OVMF Secure Boot build with its own variables" \
	grep -q "OVMF_CODE_4M.ms.fd</loader>" "$w/running.xml"

# ---- --update on the guide's hand-made domain ----
sed -e "s/<domain type='kvm'>/<domain type='qemu'>/" -e '/^<!--/,/^-->/d' \
	"$top/tests/handmade/guide/etc/libvirt/qemu/win11.xml" >"$w/guide.xml"
sed -i "s|<name>win11</name>|<name>guide</name>|" "$w/guide.xml"
check "the guide's domain defines" virsh -q define "$w/guide.xml"
virsh dumpxml --inactive guide >"$w/guide-before.xml"
"$ctl" --root "$root" libvirt-xml --update guide --dry-run >"$w/update-dry.txt" 2>&1
check "--dry-run shows a diff" grep -q "^+.*managed=\"no\"" "$w/update-dry.txt"
virsh dumpxml --inactive guide >"$w/guide-dry.xml"
check "--dry-run changes nothing" cmp -s "$w/guide-before.xml" "$w/guide-dry.xml"
"$ctl" --root "$root" libvirt-xml --update guide --yes >"$w/update.txt" 2>&1
check "--update --yes (exit 0)" grep -q "guide: defined" "$w/update.txt"
virsh dumpxml --inactive guide >"$w/guide-after.xml"
check "the updated domain validates" virt-xml-validate "$w/guide-after.xml" domain
# Everything but our parts, line by line as libvirt writes it.
theirs() {
	sed -e '/^  <vcpu /d' -e '/^  <cputune>/,/^  <\/cputune>/d' -e '/^  <cpu /,/^  <\/cpu>/d' \
		-e '/^  <memoryBacking>/,/^  <\/memoryBacking>/d' -e '/^    <hostdev /,/^    <\/hostdev>/d' "$1"
}
theirs "$w/guide-before.xml" >"$w/theirs-before"
theirs "$w/guide-after.xml" >"$w/theirs-after"
if diff -u "$w/theirs-before" "$w/theirs-after" >"$w/theirs.diff"; then
	pass "--update: every other line of the domain as it was ($(wc -l <"$w/theirs-after") lines)"
else
	fail "--update changed their parts: $(head -c 600 "$w/theirs.diff")"
fi
a=$w/guide-after.xml
check "--update: pins on one CCX" grep -qF "<vcpupin vcpu='1' cpuset='12'/>" "$a"
check "--update: their second I/O thread pinned too" grep -qF "<iothreadpin iothread='2' cpuset='0-3,8-11'/>" "$a"
check "--update: svm for nested" grep -qF "<feature policy='require' name='svm'/>" "$a"
check "--update: hostdevs managed='no' (5)" test "$(grep -c "managed='no'" "$a")" -eq 5
check "--update: the card's functions stay in their slot" \
	grep -qF "bus='0x05' slot='0x00' function='0x3'/>" "$a"
check "--update: their access mode='shared' stays" grep -qF "<access mode='shared'/>" "$a"
"$ctl" --root "$root" libvirt-xml --update guide --yes >"$w/update2.txt" 2>&1
check "--update again: nothing to change" grep -q "nothing to change" "$w/update2.txt"
"$ctl" --root "$root" libvirt-xml --update guide --json >"$w/update3.json" 2>&1
check "--update --json: changed false" grep -q '"changed": *false' "$w/update3.json"
"$ctl" --root "$root" libvirt-xml --update nosuch --json >"$w/update4.json" 2>"$w/update4.err"
check "--update --json of a domain libvirt lacks: an error, said in the JSON" \
	sh -c '! "$0" --root "$1" libvirt-xml --update nosuch --json >/dev/null 2>&1 &&
		grep -q "\"error\": *\"virsh dumpxml nosuch: failed" "$2"' "$ctl" "$root" "$w/update4.json"
kept=$(ls "$root"/var/lib/vfio-early/libvirt/guide.*.xml 2>/dev/null | head -n 1)
check "--update kept the old definition" test -s "$kept"
virsh -q define "$kept" >/dev/null 2>&1
virsh dumpxml --inactive guide >"$w/guide-back.xml"
check "'virsh define' of the kept file puts the domain back" cmp -s "$w/guide-before.xml" "$w/guide-back.xml"

echo "libvirt: total $(($(date +%s) - start_s)) s"
