#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package axas-dkms (debian/, dkms.conf), as a user gets it:
#   1. builds it with dpkg-buildpackage from a copy of the working tree,
#   2. checks its contents: the DKMS source tree, the udev rule,
#   3. installs it on this machine (dpkg -i): DKMS builds and installs axas.ko
#      for the installed Debian 6.1 headers (the module is never loaded: this
#      machine's kernel is not that one); checks the group axas exists and
#      the installed module's vermagic names that kernel,
#   4. `dkms build` of the installed sources for Debian's 6.12 and 6.12-rt
#      kernels, whose headers are unpacked, not installed (lib.sh
#      kernel_select: the headers packages depend on their kernel image),
#      and checks each module's vermagic,
#   5. removes the package again (AXAS_KEEP_PACKAGE=1 keeps it installed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=
[ "$(id -u)" = 0 ] || root=sudo
lock package
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$AXAS_REPO/dkms.conf")
[ -n "$version" ] || die "no PACKAGE_VERSION in dkms.conf"

# --- 1. build
work="$AXAS_CACHE/package"
rm -rf "$work"
mkdir -p "$work/axas-$version"
(cd "$AXAS_REPO" && git ls-files -co --exclude-standard -z 2>/dev/null |
	tar --null -cf - -T - --ignore-failed-read) | tar -xf - -C "$work/axas-$version"
msg "dpkg-buildpackage axas-dkms $version"
(cd "$work/axas-$version" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
	{ tail -n 30 "$work/build.log"; die "dpkg-buildpackage failed (log: $work/build.log)"; }
deb="$work/axas-dkms_${version}_all.deb"
[ -f "$deb" ] || die "no $deb"
msg "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# --- 2. contents
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in "usr/src/axas-$version/dkms.conf" "usr/src/axas-$version/Kbuild" \
	"usr/src/axas-$version/include/uapi/linux/axas.h" \
	"usr/src/axas-$version/axas_core/aspace.c" usr/lib/udev/rules.d/60-axas.rules; do
	grep -qx "\./$f" <<<"$contents" || die "the package lacks /$f"
done
! grep -qE '\.(o|ko|cmd)$' <<<"$contents" || die "the package holds build products"
grep -q 'Depends:.*dkms' <<<"$(dpkg-deb -I "$deb")" || die "the package does not depend on dkms"
# Checked on the unpacked file, and shown when it does not match (one CI
# run reported a mismatch that no rerun reproduced).
unpacked=$(mktemp -d)
dpkg-deb -x "$deb" "$unpacked"
rule=$unpacked/usr/lib/udev/rules.d/60-axas.rules
for dev in axas axas_vcpu; do
	if ! grep -qE "KERNEL==\"$dev\", GROUP=\"axas\", MODE=\"0660\"" "$rule"; then
		ls -l "$rule" >&2
		cat "$rule" >&2
		die "the udev rule does not give /dev/$dev to group axas with mode 0660"
	fi
done
rm -rf "$unpacked"
msg "contents: DKMS sources, udev rule for /dev/axas and /dev/axas_vcpu"

# --- 3. install: DKMS builds for the installed 6.1 headers
kernel_select 6.1
k61=$KSEL_ABI
msg "dpkg -i (DKMS builds for the kernels with headers in /lib/modules)"
$root dpkg -i "$deb" 2>&1 | sed 's/^/    /'
getent group axas >/dev/null || die "the package did not create the group axas"
status=$(dkms status -m axas -v "$version" -k "$k61")
echo "    $status"
grep -q ': installed' <<<"$status" || die "DKMS did not install axas $version for $k61"
ko=$(find "/lib/modules/$k61/updates/dkms" -name 'axas.ko*' -print -quit)
[ -n "$ko" ] || die "no axas.ko under /lib/modules/$k61/updates/dkms"
vm=$(modinfo -F vermagic "$ko")
case $vm in "$k61 "*) ;; *) die "$ko has vermagic '$vm', not $k61" ;; esac
msg "installed: $ko, vermagic $vm"
dkms_ok="dkms-$k61"

# --- 4. dkms build against unpacked 6.12 headers
for k in 6.12 6.12-rt; do
	kernel_select "$k"
	msg "dkms build -k $KSEL_ABI (headers unpacked in $KSEL_ROOT)"
	$root dkms build -m axas -v "$version" -k "$KSEL_ABI" \
		--kernelsourcedir "$KSEL_KDIR" >"$work/dkms-$KSEL_ABI.log" 2>&1 ||
		{ tail -n 30 "$work/dkms-$KSEL_ABI.log"; die "dkms build for $KSEL_ABI failed"; }
	ko="/var/lib/dkms/axas/$version/$KSEL_ABI/x86_64/module/axas.ko"
	ko=$(ls "$ko"* 2>/dev/null | head -n 1)
	[ -n "$ko" ] || die "dkms build for $KSEL_ABI left no module"
	vm=$(modinfo -F vermagic "$ko")
	case $vm in "$KSEL_ABI "*) ;; *) die "$ko has vermagic '$vm', not $KSEL_ABI" ;; esac
	msg "built: vermagic $vm"
	$root dkms remove -m axas -v "$version" -k "$KSEL_ABI" >/dev/null 2>&1 || true
	dkms_ok="$dkms_ok dkms-$KSEL_ABI"
done

# --- 5. leave the machine as it was (the group stays, as Debian does)
if [ -z "${AXAS_KEEP_PACKAGE:-}" ]; then
	$root dpkg --purge axas-dkms >/dev/null 2>&1 || die "dpkg --purge axas-dkms failed"
	[ ! -e "/lib/modules/$k61/updates/dkms/axas.ko" ] || die "purge left axas.ko behind"
	msg "purged axas-dkms (AXAS_KEEP_PACKAGE=1 keeps it)"
fi
echo "package: 3 passed, 0 failed ($dkms_ok)"
