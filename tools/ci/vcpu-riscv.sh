#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A guest runs on axas tables: boots a small riscv64 kernel (6.12, built
# here) on QEMU 10 with the H extension and 2 harts, loads axas.ko and the
# reference vCPU module samples/axas_vcpu/axas_vcpu.ko, and runs the VMM
# tools/axas-vmm with the guests of tools/guest/ from a nolibc /init.
#
#   tools/ci/vcpu-riscv.sh          the end-to-end tests (make check)
#   tools/ci/vcpu-riscv.sh bench    64 MiB first touch: axas_vcpu vs KVM (make bench)
#   tools/ci/vcpu-riscv.sh demo     the banner guest, as a demo (make demo)
#
# Caches: $AXAS_CACHE/vcpu-riscv-build (kernel, O= of the pristine 6.12
# source, incremental), $AXAS_CACHE/vcpu-riscv (modules, programs, cpio).
# The run fails when a test fails, nothing ran, or the console log shows a
# BUG/WARNING/lockdep report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cross.sh"
. "$(dirname "$0")/vcpu-cross.sh"

mode=${1:-test}
case $mode in test | bench | demo) ;; *) die "usage: vcpu-riscv.sh [test|bench|demo]" ;; esac

NAME=vcpu-riscv
KARCH=riscv
KO=$AXAS_CACHE/vcpu-riscv-build
W=$AXAS_CACHE/vcpu-riscv
CFG=$AXAS_REPO/tools/ci/vcpu-riscv/kernel.config
CROSS=riscv64-linux-gnu-

lock vcpu-riscv
ensure_src612
"$(dirname "$0")/deps.sh" binutils-riscv64-linux-gnu
install_cross_gcc
install_qemu10
qemu10_ok || die "QEMU 10 is needed (the G-stage of Sv39x4 and HLVX): none in $QEMU10"
export PATH="$CROSS_GCC/bin:$PATH"
vcpu_kernel "Image, kvm.ko"
vcpu_modules

vcpu_programs
vcpu_initramfs "file /kvm.ko $KO/arch/riscv/kvm/kvm.ko 644 0 0"

# ---- boot (Svadu on, QEMU 10's default, spelled out: the dirty test
# expects G-stage walks to set D without a fault)
msg "booting the riscv64 kernel on QEMU 10 (2 harts, H extension): /init $mode"
vcpu_boot "$W/console-$mode.log" "$QEMU10/usr/bin/qemu-system-riscv64" \
	-M virt -cpu rv64,h=true,svpbmt=true,svadu=true,svade=false -smp 2 -m 512M \
	-bios "$QEMU10/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin" \
	-kernel "$KO/arch/riscv/boot/Image" -initrd "$W/initramfs.cpio" \
	-append "console=ttyS0 loglevel=7 -- $mode" \
	-nographic -no-reboot -monitor none -serial stdio
[ "$mode" != test ] || vcpu_tap_totals "$log"
