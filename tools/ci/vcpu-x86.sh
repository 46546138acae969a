#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A guest runs on axas tables on x86-64: boots Debian's 6.1 kernel with
# tools/qemu/run.sh on QEMU TCG with `-cpu max` (AMD SVM with nested paging,
# 2 CPUs), loads axas.ko and the reference vCPU module
# samples/axas_vcpu/axas_vcpu.ko (x86_svm.c), and runs the VMM
# tools/axas-vmm with the x86-64 guests of tools/guest/ (make check).
#
# The module is built for 6.1 from a scratch copy with W=1 and sparse (any
# warning fails); the VMM (nolibc, static) carries the guests and the
# module, since run.sh copies only the programs of tools/build. The run
# fails when a test fails, nothing ran, or the kernel log has a report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

W=$AXAS_CACHE/vcpu-x86
mkdir -p "$W"
k61=$(kdir61)
[ -n "$k61" ] || die "no 6.1 kernel headers"

msg "building axas.ko for 6.1 (make module)"
make -s -C "$AXAS_REPO" module >"$W/axas.log" 2>&1 || { tail -n 20 "$W/axas.log"; die "axas.ko: build failed"; }

msg "building axas_vcpu.ko for x86-64 on $(basename "$k61") (W=1 C=1)"
rm -rf "$W/sample"
cp -r "$AXAS_REPO/samples/axas_vcpu" "$W/sample"
make -C "$k61" M="$W/sample" AXAS_INCLUDE="$AXAS_REPO/include" W=1 C=1 \
	KBUILD_EXTRA_SYMBOLS="$AXAS_REPO/Module.symvers" modules >"$W/sample.log" 2>&1 ||
	{ tail -n 20 "$W/sample.log"; die "axas_vcpu.ko: x86-64 build failed"; }
bad=$(grep -iE '(warning|error):' "$W/sample.log" || true)
[ -z "$bad" ] || { echo "$bad"; die "axas_vcpu.ko: the x86-64 build warned"; }
modinfo -F depends "$W/sample/axas_vcpu.ko" | grep -qx axas || die "axas_vcpu.ko does not depend on axas"

msg "building tools/guest and tools/axas-vmm for x86-64"
make -s -C "$AXAS_REPO/tools/guest" GUEST_ARCH=x86_64 OUT="$W/guest" || die "guest programs: build failed"
make -s -C "$AXAS_REPO/tools/axas-vmm" VMM_ARCH=x86_64 OUT="$W/vmm" GUESTS="$W/guest" \
	VCPU_KO="$W/sample" || die "axas-vmm: build failed"
mkdir -p "$AXAS_REPO/tools/build"
cp "$W/vmm/axas-vmm" "$AXAS_REPO/tools/build/axas-vmm"

log=$W/console.log
rc=0
"$AXAS_REPO/tools/qemu/run.sh" --cpu max --timeout 400 -- axas-vmm --harness test >"$log" 2>&1 || rc=$?
grep -E '^(axas-vmm|ok |not ok |# |1\.\.|vmm|guest)|AXAS-KERNEL|FAIL' "$log" || true
pass=$(grep -cE '^ok [0-9]+ ' "$log" || true)
fail=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
echo "vcpu-x86: $pass passed, $fail failed"
grep -q '^axas-vmm: done' "$log" || die "vcpu-x86: the VMM did not finish (see $log)"
[ "$rc" -eq 0 ] || die "vcpu-x86: run.sh exited with $rc (a failed test or a kernel report; see $log)"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] || die "vcpu-x86: $fail failed, $pass passed"
