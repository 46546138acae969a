#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Warning-free build of axas.ko with W=1 and sparse (C=1).
# Usage: build.sh 6.1|6.12
#
# Builds from a scratch copy of the module's sources under $AXAS_CACHE, from
# nothing every time (so every file is compiled and checked), and fails when
# the build fails or prints any "warning:" or "error:" (sparse's errors do not
# fail the build by themselves).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ver=${1:?usage: build.sh 6.1|6.12}
case $ver in
6.1)
	kdir=${KDIR:-$(kdir61)}
	[ -n "$kdir" ] && [ -d "$kdir" ] || die "no Debian 6.1 headers: run 'make deps'"
	kargs=(-C "$kdir")
	;;
6.12)
	"$(dirname "$0")/prepare-6.12.sh"
	kargs=(-C "$SRC612" O="$BUILD612")
	;;
*)
	die "unknown kernel version $ver (6.1 or 6.12)"
	;;
esac

lock "check-build-$ver"
work="$AXAS_CACHE/check-build-$ver"
rm -rf "$work"
sync_module_sources "$work"
log="$AXAS_CACHE/check-build-$ver.log"
msg "build on $ver with W=1 C=1 (${kargs[*]})"
rc=0
make "${kargs[@]}" M="$work" W=1 C=1 -j"$JOBS" modules >"$log" 2>&1 || rc=$?
sed "s|$work/||g" "$log"
# Without vmlinux, modpost cannot check the 6.12 build's undefined symbols
# (the 6.1 headers have Module.symvers, so that build does check them).
bad=$(grep -iE '(warning|error):' "$log" | grep -v 'Symbol info of vmlinux is missing' || true)
[ $rc -eq 0 ] || die "build on $ver failed (exit $rc)"
[ -f "$work/axas.ko" ] || die "build on $ver made no axas.ko"
[ -z "$bad" ] || { echo "$bad" | sed "s|$work/||g"; die "build on $ver printed $(echo "$bad" | wc -l) warning/error line(s)"; }
msg "build on $ver: clean"
