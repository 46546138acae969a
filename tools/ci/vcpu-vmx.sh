#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A guest runs on axas EPT tables judged by an emulated Intel CPU: boots
# Debian's 6.1 kernel in Bochs 2.7 (tools/qemu/run.sh --bochs: model
# corei7_skylake_x, VMX with EPT and unrestricted guest, 2 CPUs), loads
# axas.ko and samples/axas_vcpu/axas_vcpu.ko (x86_vmx.c, picked by the
# CPU), and runs the VMM tools/axas-vmm with the x86-64 guests of
# tools/guest/ - the tests vcpu-x86.sh runs on QEMU's AMD SVM.
#
#   tools/ci/vcpu-vmx.sh          the end-to-end tests (make check-full)
#   tools/ci/vcpu-vmx.sh smoke    the banner guest only (the VMM's demo;
#                                 make check)
#   tools/ci/vcpu-vmx.sh bench    64 MiB first touch: axas_vcpu vs kvm_intel
#                                 (Debian's kvm modules of the same kernel)
#
# Bochs emulates one instruction at a time on one host core (~70 M/s
# here): the kernel's boot alone takes about 2 minutes, most of it the
# decompression. Packages: bochs, bochsbios, vgabios, isolinux,
# syslinux-common, xorriso (installed with tools/ci/deps.sh when absent).
# The run fails when a test fails, nothing ran, or the kernel log has a
# report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-test}
case $mode in test | bench | smoke) ;; *) die "usage: vcpu-vmx.sh [test|bench|smoke]" ;; esac
vmm_mode=$mode
[ "$mode" = smoke ] && vmm_mode=demo
W=$AXAS_CACHE/vcpu-vmx
"$AXAS_REPO/tools/ci/deps.sh" bochs bochsbios vgabios isolinux syslinux-common xorriso
vcpu_x86_build "$W" intel

log=$W/console-$mode.log
rc=0
start=$(date +%s)
# the VMM, then the backend's load line from the kernel log (the console is quiet)
"$AXAS_REPO/tools/qemu/run.sh" --bochs --timeout 1800 -- sh -c \
	"axas-vmm --harness $vmm_mode; rc=\$?; dmesg | grep 'axas_vcpu: x86'; exit \$rc" \
	>"$log" 2>&1 || rc=$?
grep -E '^(axas-vmm|ok |not ok |# |1\.\.|vmm|guest|bench|kvm|==>)|AXAS-|axas_vcpu|FAIL' "$log" || true
echo "vcpu-vmx: Bochs run of $(($(date +%s) - start)) s"
grep -q 'axas_vcpu: x86-64 Intel VMX' "$log" || die "vcpu-vmx: axas_vcpu did not pick its VMX backend (see $log)"
if [ "$mode" = smoke ]; then
	grep -q '^axas-vmm: demo: guest powered off' "$log" && grep -q '^axas-vmm: done (demo, 0 failed)' "$log" &&
		[ "$rc" -eq 0 ] || { echo "vcpu-vmx: 0 passed, 1 failed"; die "vcpu-vmx smoke: the banner guest did not run to its power-off (see $log)"; }
	echo "vcpu-vmx: 1 passed, 0 failed"
	exit 0
fi
if [ "$mode" = bench ]; then
	grep -q '^axas-vmm: done' "$log" || die "vcpu-vmx: the VMM did not finish (see $log)"
	[ "$rc" -eq 0 ] || die "vcpu-vmx bench: run.sh exited with $rc (see $log)"
	exit 0
fi
pass=$(grep -cE '^ok [0-9]+ ' "$log" || true)
fail=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
echo "vcpu-vmx: $pass passed, $fail failed"
grep -q '^axas-vmm: done' "$log" || die "vcpu-vmx: the VMM did not finish (see $log)"
[ "$rc" -eq 0 ] || die "vcpu-vmx: run.sh exited with $rc (a failed test or a kernel report; see $log)"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] || die "vcpu-vmx: $fail failed, $pass passed"
