#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepares a 6.12 kernel build directory ($BUILD612, O= of the pristine
# source $SRC612) for out-of-tree module builds: Debian's amd64 config
# (package linux-config-6.12), then `make modules_prepare`. Done once; a
# stamp records the source and config it was made from.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

lock prepare-6.12
ensure_src612
config_xz=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
[ -f "$config_xz" ] || die "$config_xz missing: run 'make deps' (package linux-config-6.12)"

stamp="$BUILD612/.axas-prepared"
want="$(head -c 4096 "$SRC612/Makefile" | md5sum | cut -c1-32) $(md5sum <"$config_xz" | cut -c1-32)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

msg "preparing the 6.12 build directory $BUILD612 (once; ~2 min)"
rm -rf "$BUILD612"
mkdir -p "$BUILD612"
xz -dc "$config_xz" >"$BUILD612/.config"
# Debian's config names its own signing certificates: not needed to build
# modules, and absent from the source package.
"$SRC612/scripts/config" --file "$BUILD612/.config" \
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	--set-str MODULE_SIG_KEY "certs/signing_key.pem"
log="$BUILD612/prepare.log"
if ! make -C "$SRC612" O="$BUILD612" -j"$JOBS" olddefconfig modules_prepare >"$log" 2>&1; then
	tail -n 40 "$log"
	die "6.12 modules_prepare failed (log: $log)"
fi

# Module.symvers of Debian's own 6.12 kernel (built from this config), so
# modpost checks the module's undefined symbols as against the real kernel.
# Taken from Debian's linux-headers-*-amd64 package, downloaded and
# unpacked here, never installed (it would pull in a kernel image).
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
find_headers_pkg() {
	local p
	for p in $(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-amd64$' | cut -d' ' -f1); do
		if [ "$(apt-cache show "$p" 2>/dev/null | sed -n 's/^Version: //p')" = "$ver" ]; then
			echo "$p"
			return 0
		fi
	done
}
pkg=$(find_headers_pkg)
[ -n "$pkg" ] || { apt_update; pkg=$(find_headers_pkg); }
[ -n "$pkg" ] || die "no linux-headers-6.12.*-amd64 package of version $ver in apt's lists"
deb=$(apt_download "$AXAS_CACHE/debs" "$pkg") || die "apt-get download $pkg failed"
dpkg-deb --fsys-tarfile "$deb" |
	tar -xO "./usr/src/$pkg/Module.symvers" >"$BUILD612/Module.symvers" ||
	die "no Module.symvers in $pkg"
[ -s "$BUILD612/Module.symvers" ] || die "empty Module.symvers from $pkg"

echo "$want" >"$stamp"
msg "6.12 build directory ready"
