#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A guest runs on axas tables on arm64: boots a small arm64 kernel (6.12,
# built here) on QEMU TCG `-M virt,virtualization=on -cpu max` (entered at
# EL2, kept there with VHE, 2 CPUs), loads axas.ko and the reference vCPU
# module samples/axas_vcpu/axas_vcpu.ko (arm64.c), and runs the VMM
# tools/axas-vmm with the arm64 guests of tools/guest/ from a nolibc /init.
#
#   tools/ci/vcpu-arm64.sh          the end-to-end tests
#   tools/ci/vcpu-arm64.sh bench    64 MiB first touch: axas_vcpu vs KVM
#                                   (KVM built into the same kernel, VHE)
#   tools/ci/vcpu-arm64.sh demo     the banner guest, as a demo
#
# Caches: $AXAS_CACHE/vcpu-arm64-build (kernel, O= of the pristine 6.12
# source, incremental), $AXAS_CACHE/vcpu-arm64 (modules, programs, cpio).
# QEMU is Debian 12's qemu-system-aarch64 (7.2). The run fails when a test
# fails, nothing ran, or the console log shows a BUG/WARNING/lockdep report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cross.sh"
. "$(dirname "$0")/vcpu-cross.sh"

mode=${1:-test}
case $mode in test | bench | demo) ;; *) die "usage: vcpu-arm64.sh [test|bench|demo]" ;; esac

NAME=vcpu-arm64
KARCH=arm64
KO=$AXAS_CACHE/vcpu-arm64-build
W=$AXAS_CACHE/vcpu-arm64
CFG=$AXAS_REPO/tools/ci/vcpu-arm64/kernel.config
CROSS=aarch64-linux-gnu-

lock vcpu-arm64
ensure_src612
"$(dirname "$0")/deps.sh" binutils-aarch64-linux-gnu qemu-system-arm
install_cross_gcc
export PATH="$CROSS_GCC/bin:$PATH"
vcpu_kernel "Image, KVM built in"
[ "${AXAS_VCPU_ARM64_KERNEL_ONLY:-}" != 1 ] || exit 0
vcpu_modules
vcpu_programs GUEST_ARCH=arm64 VMM_ARCH=arm64
# KVM is built in: no kvm.ko
vcpu_initramfs

# ---- boot: boot LOGNAME /init-MODE [kernel arguments]
qver=$(qemu-system-aarch64 --version | head -n 1 | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n 1)
boot() {
	local name=$1 imode=$2 extra=${3:-}
	msg "booting the arm64 kernel on QEMU $qver (virt at EL2, 2 CPUs${extra:+, $extra}): /init $imode"
	vcpu_boot "$W/console-$name.log" qemu-system-aarch64 \
		-M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on -smp 2 -m 512M \
		-kernel "$KO/arch/arm64/boot/Image" -initrd "$W/initramfs.cpio" \
		-append "console=ttyAMA0 loglevel=7 $extra -- $imode" \
		-nographic -no-reboot -monitor none -serial stdio
}

boot "$mode" "$mode"
log_has 'CPU: All CPU(s) started at EL2' &&
	log_has 'detected: Virtualization Host Extensions' ||
	die "vcpu-arm64: the kernel did not run at EL2 with VHE: see $log"
[ "$mode" = test ] || exit 0
main_log=$log

# The gate: the same kernel kept out of EL2 (nVHE: KVM's hypervisor owns
# EL2, the kernel runs at EL1), where CREATE must be EOPNOTSUPP.
boot nohyp nohyp kvm-arm.mode=nvhe
log_has 'kvm \[1\]: Hyp nVHE mode initialized successfully' ||
	die "vcpu-arm64: kvm-arm.mode=nvhe did not give an nVHE kernel: see $log"

vcpu_tap_totals "$main_log" "$log"
