#!/bin/sh
# The Debian packages: `make deb` builds both, lintian finds nothing (errors, warnings), each
# .deb holds what it should (and nothing of mkinitcpio's), and vfio-early installs, removes and
# purges cleanly in a throwaway root (dpkg --root: maintainer scripts run chrooted there, with
# a stand-in initramfs generator that records each run of the update-initramfs trigger);
# then vfio-early-dkms installed for real, dkms and all (tests/deb/dkms-check.sh).
# Prints PASS:/FAIL:/SKIP: lines; exits 1 when anything failed.
# Usage: tests/deb/deb-check.sh   (from the top of the source tree; root for the round trip)
set -u
failed=0
deb=build/deb
pass() { echo "PASS: deb: $*"; }
fail() {
	echo "FAIL: deb: $*"
	failed=1
}

for tool in dpkg-buildpackage dh dh_dkms lintian fakeroot; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: deb: $tool missing (scripts/install-deps.sh deb)"
		exit 0
	fi
done

start=$(date +%s)
if make -s deb >/dev/null 2>&1 && ls "$deb"/vfio-early_*_*.deb "$deb"/vfio-early-dkms_*_all.deb \
	>/dev/null 2>&1; then
	pass "make deb builds vfio-early and vfio-early-dkms ($(($(date +%s) - start)) s)"
else
	tail -n 30 "$deb/build.log" 2>/dev/null
	fail "make deb"
	exit 1
fi
main=$(ls "$deb"/vfio-early_*_*.deb)
dkms=$(ls "$deb"/vfio-early-dkms_*_all.deb)
if [ -z "$(git status --porcelain --ignored=no -- debian 2>/dev/null | grep -v '^??')" ] &&
	! ls debian/.debhelper debian/files debian/build >/dev/null 2>&1; then
	pass "the source tree gets no build droppings (debian/.debhelper, debian/files)"
else
	fail "the build left files in debian/"
fi

# lintian: no error, no warning (overrides, each with its reason, live in debian/)
for pkg in "$main" "$dkms"; do
	out=$(lintian --fail-on error,warning "$pkg" 2>&1 | grep -v '^running with root privileges')
	status=$?
	if [ -z "$(echo "$out" | grep '^[EW]: ')" ] && [ "$status" -le 1 ]; then
		pass "lintian ${pkg##*/}: no errors, no warnings"
	else
		echo "$out"
		fail "lintian ${pkg##*/}"
	fi
done

# has PKG PATH...: every PATH is in the package's file list (dpkg-deb -c)
has() {
	list=$(dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|')
	pkg=$1
	shift
	missing=
	for p; do
		echo "$list" | grep -qx "$p" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		pass "${pkg##*/} holds $# expected files"
	else
		fail "${pkg##*/} lacks:$missing"
	fi
}
has "$main" /usr/sbin/vfio-early /usr/sbin/vfio-earlyctl \
	/usr/share/man/man8/vfio-early.8.gz /usr/share/man/man8/vfio-earlyctl.8.gz \
	/usr/share/man/man5/vfio-early.conf.5.gz \
	/usr/share/bash-completion/completions/vfio-earlyctl \
	/usr/share/initramfs-tools/hooks/vfio-early \
	/usr/share/initramfs-tools/scripts/init-top/00vfio-early \
	/usr/lib/dracut/modules.d/90vfio-early/module-setup.sh \
	/usr/lib/modules-load.d/vfio-early.conf /usr/share/doc/vfio-early/copyright
version=$(dpkg-deb -f "$dkms" Version)
has "$dkms" "/usr/src/vfio-early-$version/dkms.conf" "/usr/src/vfio-early-$version/Kbuild" \
	"/usr/src/vfio-early-$version/module/vfio_early.c" \
	"/usr/src/vfio-early-$version/module/vfio_early_limits.h"
contents=$(dpkg --contents "$main")
if echo "$contents" | grep -q 'modprobe.d/vfio-early.conf$' &&
	! echo "$contents" | grep -q 'initcpio\|systemd/system\|/usr/src/\|/etc/'; then
	pass "${main##*/}: the modprobe.d file; no mkinitcpio, no unit, no module source, no /etc"
else
	fail "${main##*/}: dpkg --contents: $(dpkg --contents "$main" | awk '{print $6}' | tr '\n' ' ')"
fi
conf=$(dpkg-deb --fsys-tarfile "$dkms" | tar -xOf - "./usr/src/vfio-early-$version/dkms.conf")
if echo "$conf" | grep -qx "PACKAGE_VERSION=\"$version\"" &&
	dpkg-deb -I "$dkms" postinst | grep -q "DKMS_VERSION=$version" &&
	dpkg-deb -f "$dkms" Depends | grep -q dkms; then
	pass "${dkms##*/}: dkms.conf, postinst and Depends name dkms and version $version"
else
	fail "${dkms##*/}: dkms.conf/postinst/Depends"
fi
if dpkg-deb -I "$main" triggers 2>/dev/null | grep -qx 'activate-noawait update-initramfs'; then
	pass "${main##*/}: regenerates the initramfs through the update-initramfs trigger"
else
	fail "${main##*/}: no update-initramfs trigger"
fi

# ---- install, remove, purge in a throwaway root ----
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: deb: install/remove/purge round trip needs root (dpkg --root chroots)"
	exit $failed
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/bin" "$root/tmp" \
	"$root/etc" "$root/run"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
# the maintainer scripts run chrooted: a shell, rm, and their libraries
for prog in /bin/sh /bin/rm /bin/cat; do
	cp -L "$prog" "$root/bin/"
	for lib in $(ldd "$prog" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$root${lib%/*}"
		cp -L "$lib" "$root$lib"
	done
done
# a stand-in initramfs generator: interested in the trigger, records each run
mkdir -p "$tmp/gen/DEBIAN"
cat >"$tmp/gen/DEBIAN/control" <<'CTL'
Package: fake-initramfs-generator
Version: 1
Architecture: all
Maintainer: test <test@localhost>
Description: records update-initramfs trigger runs
CTL
echo "interest-noawait update-initramfs" >"$tmp/gen/DEBIAN/triggers"
printf '#!/bin/sh\n[ "$1" != triggered ] || echo "$2" >>/tmp/initramfs-runs\n' \
	>"$tmp/gen/DEBIAN/postinst"
chmod 0755 "$tmp/gen/DEBIAN/postinst"
dpkg-deb -b "$tmp/gen" "$tmp/gen.deb" >/dev/null
dpkg_r() { dpkg --root="$root" --force-depends --force-not-root "$@" >>"$tmp/dpkg.log" 2>&1; }
runs() { cat "$root/tmp/initramfs-runs" 2>/dev/null | wc -l; }

if ! dpkg_r -i "$tmp/gen.deb"; then
	cat "$tmp/dpkg.log"
	fail "install the stand-in generator"
	exit 1
fi
files=$(dpkg-deb -c "$main" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./||')
before=$(runs)
if dpkg_r -i "$main" && [ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' vfio-early)" = "install ok installed" ]; then
	missing=
	for f in $files; do [ -e "$root/$f" ] || missing="$missing $f"; done
	if [ -z "$missing" ]; then
		pass "install: every file of ${main##*/} in place"
	else
		fail "install: missing$missing"
	fi
else
	cat "$tmp/dpkg.log"
	fail "install ${main##*/}"
fi
[ "$(runs)" -gt "$before" ] && pass "install: the update-initramfs trigger ran" ||
	fail "install: the update-initramfs trigger did not run"

# what the programs leave at run time, as on a real host
echo "bind 0f:00.0 1106:3483" >"$root/etc/vfio-early.conf"
mkdir -p "$root/var/lib/vfio-early/backup/1" "$root/run/vfio-early"
echo '{}' >"$root/run/vfio-early/report.json"
echo x >"$root/var/lib/vfio-early/slots"

before=$(runs)
if dpkg_r -r vfio-early; then
	left=
	for f in $files; do
		case $f in usr/share/doc/*) continue ;; esac
		[ ! -e "$root/$f" ] || left="$left $f"
	done
	if [ -z "$left" ] && [ ! -e "$root/usr/share/initramfs-tools/hooks/vfio-early" ]; then
		pass "remove: no hook, no script, no program left"
	else
		fail "remove: left$left"
	fi
	if [ -f "$root/etc/vfio-early.conf" ] && [ -f "$root/var/lib/vfio-early/slots" ]; then
		pass "remove: /etc/vfio-early.conf and /var/lib/vfio-early are kept"
	else
		fail "remove: took the config or the state"
	fi
else
	cat "$tmp/dpkg.log"
	fail "remove vfio-early"
fi
[ "$(runs)" -gt "$before" ] && pass "remove: the update-initramfs trigger ran" ||
	fail "remove: the update-initramfs trigger did not run"

if dpkg_r -P vfio-early; then
	if [ ! -e "$root/etc/vfio-early.conf" ] && [ ! -e "$root/var/lib/vfio-early" ] &&
		[ ! -e "$root/run/vfio-early" ] &&
		[ -z "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' vfio-early 2>/dev/null)" ]; then
		pass "purge: /etc/vfio-early.conf, /var/lib/vfio-early and /run/vfio-early are gone"
	else
		fail "purge: left $(ls -d "$root/etc/vfio-early.conf" "$root/var/lib/vfio-early" "$root/run/vfio-early" 2>/dev/null)"
	fi
else
	cat "$tmp/dpkg.log"
	fail "purge vfio-early"
fi
# ---- vfio-early-dkms for real: dkms builds the module for Debian 12's kernel ----
sh tests/deb/dkms-check.sh "$dkms" || failed=1
echo "deb-check: $(($(date +%s) - start)) s"
exit $failed
