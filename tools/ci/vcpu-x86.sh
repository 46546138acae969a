#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A guest runs on axas tables on x86-64: boots Debian's 6.1 kernel with
# tools/qemu/run.sh on QEMU TCG with `-cpu max` (AMD SVM with nested paging,
# 2 CPUs), loads axas.ko and the reference vCPU module
# samples/axas_vcpu/axas_vcpu.ko (x86_svm.c), and runs the VMM
# tools/axas-vmm with the x86-64 guests of tools/guest/.
#
#   tools/ci/vcpu-x86.sh          the end-to-end tests (make check)
#   tools/ci/vcpu-x86.sh bench    64 MiB first touch: axas_vcpu vs kvm_amd
#                                 (Debian's kvm modules of the same kernel)
#
# The module is built for 6.1 from a scratch copy with W=1 and sparse (any
# warning fails); the VMM (nolibc, static) carries the guests and the
# module, since run.sh copies only the programs of tools/build. The run
# fails when a test fails, nothing ran, or the kernel log has a report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-test}
case $mode in test | bench) ;; *) die "usage: vcpu-x86.sh [test|bench]" ;; esac
W=$AXAS_CACHE/vcpu-x86
vcpu_x86_build "$W" amd

log=$W/console-$mode.log
rc=0
"$AXAS_REPO/tools/qemu/run.sh" --cpu max --timeout 600 -- axas-vmm --harness "$mode" >"$log" 2>&1 || rc=$?
grep -E '^(axas-vmm|ok |not ok |# |1\.\.|vmm|guest|bench|kvm)|AXAS-KERNEL|FAIL' "$log" || true
if [ "$mode" = bench ]; then
	grep -q '^axas-vmm: done' "$log" || die "vcpu-x86: the VMM did not finish (see $log)"
	[ "$rc" -eq 0 ] || die "vcpu-x86 bench: run.sh exited with $rc (see $log)"
	exit 0
fi
pass=$(grep -cE '^ok [0-9]+ ' "$log" || true)
fail=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
echo "vcpu-x86: $pass passed, $fail failed"
grep -q '^axas-vmm: done' "$log" || die "vcpu-x86: the VMM did not finish (see $log)"
[ "$rc" -eq 0 ] || die "vcpu-x86: run.sh exited with $rc (a failed test or a kernel report; see $log)"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] || die "vcpu-x86: $fail failed, $pass passed"
