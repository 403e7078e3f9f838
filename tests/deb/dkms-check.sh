#!/bin/sh
# vfio-early-dkms installed for real (issue 14): apt installs the built package in a Debian 12
# root that has dkms and the headers of Debian 12's kernel (linux-headers-amd64), and the
# package's postinst has dkms build and install the module for that kernel, as on a user's
# machine; apt purge has dkms take it out again.
# The root is made once by mmdebstrap (--variant=apt: configured, with apt) from the host's
# Debian mirror and kept as a tarball outside the work tree, as the built kernel is, keyed by
# its package list and mirror: VFE_DKMS_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/vfio-early/dkms). Each run unpacks it into a scratch
# directory and works in a private mount namespace there; the host is not touched.
# Prints PASS:/FAIL:/SKIP: lines; exits 1 when anything failed.
# Usage: tests/deb/dkms-check.sh DKMS_DEB   (root)
set -u
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
deb=${1:?usage: dkms-check.sh DKMS_DEB}
failed=0
pass() { echo "PASS: deb: dkms: $*"; }
fail() {
	echo "FAIL: deb: dkms: $*"
	failed=1
}
if [ "$(id -u)" -ne 0 ] || ! command -v mmdebstrap > /dev/null; then
	echo "SKIP: deb: dkms: a real dkms install needs root and mmdebstrap (scripts/install-deps.sh system)"
	exit 0
fi
# shellcheck source=tests/qemu/suite-apt.sh
. "$here/../qemu/suite-apt.sh"
mirror=$(suite_apt_mirror main)
security=$(suite_apt_mirror security)
pkgs="dkms linux-headers-amd64"
store=${VFE_DKMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-early/dkms}
key=$(echo "$pkgs $mirror $security" | sha256sum | cut -c1-12)
tarball=$store/bookworm-$key.tar
mkdir -p "$store"
(
	flock 9
	[ -s "$tarball" ] && exit 0
	rm -f "$store"/bookworm-*.tar
	set -- "deb $mirror bookworm main" "deb $mirror bookworm-updates main"
	[ -z "$security" ] || set -- "$@" "deb $security bookworm-security main"
	mmdebstrap --variant=apt --include="$(echo $pkgs | tr ' ' ,)" bookworm "$tarball.new" "$@" \
		> "$store/mmdebstrap.log" 2>&1 && mv "$tarball.new" "$tarball"
) 9> "$store/lock"
if [ ! -s "$tarball" ]; then
	tail -n 5 "$store/mmdebstrap.log" 2> /dev/null
	fail "no Debian 12 root with dkms and the kernel's headers (mmdebstrap, see $store/mmdebstrap.log)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"
tar -xf "$tarball" -C "$root"
kver=$(ls "$root/lib/modules" | head -n 1)
cp "$deb" "$root/tmp/"
# in the root, in a mount namespace of its own: install, what dkms says, the module, purge
cat > "$root/tmp/step.sh" << EOF
apt-get install -y -q --no-install-recommends /tmp/${deb##*/} > /tmp/install.log 2>&1
echo "install exit: \$?"
echo "status: \$(dkms status vfio-early)"
ko=\$(find /lib/modules/$kver -name 'vfio_early.ko*' | head -n 1)
echo "ko: \$ko"
[ -z "\$ko" ] || echo "vermagic: \$(modinfo -F vermagic "\$ko")"
apt-get purge -y -q vfio-early-dkms > /tmp/purge.log 2>&1
echo "purge exit: \$?"
echo "status after purge: \$(dkms status vfio-early)"
echo "left after purge: \$(find /lib/modules/$kver /var/lib/dkms -name 'vfio_early.ko*' | wc -l)"
EOF
start=$(date +%s)
unshare -m sh -c 'mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" &&
	exec chroot "$0" sh /tmp/step.sh' "$root" > "$tmp/out" 2>&1
say() { sed -n "s/^$1: //p" "$tmp/out"; }
if [ "$(say 'install exit')" = 0 ] && say status | grep -q "^vfio-early/.*, $kver, x86_64: installed"; then
	pass "apt install ${deb##*/}: dkms built and installed the module for $kver ($(($(date +%s) - start)) s in all)"
else
	cat "$tmp/out" "$root/tmp/install.log"
	fail "apt install ${deb##*/}: dkms says '$(say status)'"
fi
case "$(say vermagic)" in
"$kver "*) pass "$(say ko | sed "s|/lib/modules/$kver/||"): built for $kver (vermagic)" ;;
*) fail "the module: '$(say ko)', vermagic '$(say vermagic)', not $kver" ;;
esac
if [ "$(say 'purge exit')" = 0 ] && [ -z "$(say 'status after purge')" ] &&
	[ "$(say 'left after purge')" = 0 ]; then
	pass "apt purge vfio-early-dkms: dkms took the module out"
else
	cat "$tmp/out" "$root/tmp/purge.log"
	fail "apt purge: dkms says '$(say 'status after purge')', $(say 'left after purge') module(s) left"
fi
exit $failed
