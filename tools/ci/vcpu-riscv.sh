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

# grep -q on the console log without CRs; not a pipe: under pipefail an
# early exit of grep -q would kill tr with SIGPIPE and fail the test
log_has() {
	grep -q "$1" <<<"$(tr -d '\r' <"$log")"
}

mode=${1:-test}
case $mode in test | bench | demo) ;; *) die "usage: vcpu-riscv.sh [test|bench|demo]" ;; esac

KO=$AXAS_CACHE/vcpu-riscv-build
W=$AXAS_CACHE/vcpu-riscv
CFG=$AXAS_REPO/tools/ci/vcpu-riscv/kernel.config
CROSS=riscv64-linux-gnu-
kmake() { nice make -C "$SRC612" O="$KO" ARCH=riscv CROSS_COMPILE=$CROSS -j"$JOBS" "$@"; }

lock vcpu-riscv
ensure_src612
"$(dirname "$0")/deps.sh" binutils-riscv64-linux-gnu
install_cross_gcc
install_qemu10
qemu10_ok || die "QEMU 10 is needed (the G-stage of Sv39x4 and HLVX): none in $QEMU10"
export PATH="$CROSS_GCC/bin:$PATH"
mkdir -p "$KO" "$W"

# ---- the kernel: configured again only when the fragment changed
t0=$(date +%s)
cfg_hash=$(sha1sum "$CFG" | cut -d' ' -f1)
if [ "$cfg_hash" != "$(cat "$KO/.axas-config-hash" 2>/dev/null)" ] || [ ! -f "$KO/.config" ]; then
	msg "configuring the riscv64 kernel in $KO (allnoconfig + ${CFG#"$AXAS_REPO"/})"
	kmake KCONFIG_ALLCONFIG="$CFG" allnoconfig >"$W/config.log" 2>&1 ||
		{ tail -n 20 "$W/config.log"; die "kernel configuration failed"; }
	while read -r line; do
		case $line in CONFIG_*) grep -qx "$line" "$KO/.config" ||
			die "the kernel configuration lacks $line (a dependency is missing?)" ;; esac
	done <"$CFG"
	echo "$cfg_hash" >"$KO/.axas-config-hash"
fi
msg "building the riscv64 kernel (Image, kvm.ko)"
kmake Image modules headers >"$W/kernel.log" 2>&1 || { tail -n 40 "$W/kernel.log"; die "kernel build failed"; }
msg "kernel: $(($(date +%s) - t0)) s"

# ---- the modules, from scratch copies (M= writes objects into the source)
mods=$W/mods
sync_module_sources "$mods/axas"
rm -rf "$mods/sample"
cp -r "$AXAS_REPO/samples/axas_vcpu" "$mods/sample"
modbuild() {
	local dir=$1 log=$2 bad
	shift 2
	kmake M="$dir" W=1 "$@" modules >"$log" 2>&1 || { sed "s|$mods/||g" "$log" | tail -n 40; return 1; }
	bad=$(grep -iE '(warning|error):' "$log" || true)
	[ -z "$bad" ] || { echo "$bad" | sed "s|$mods/||g"; return 1; }
}
msg "building axas.ko and axas_vcpu.ko for riscv64 (W=1)"
modbuild "$mods/axas" "$W/axas.log" CONFIG_AXAS=m || die "axas.ko: riscv64 build failed or warned"
modbuild "$mods/sample" "$W/sample.log" AXAS_INCLUDE="$mods/axas/include" \
	KBUILD_EXTRA_SYMBOLS="$mods/axas/Module.symvers" || die "axas_vcpu.ko: riscv64 build failed or warned"

# ---- the sample on a host without a backend: x86-64, Debian's 6.1 headers,
# W=1 and sparse (it must build there and fail CREATE with EOPNOTSUPP)
k61=$(kdir61)
if [ "$mode" = test ] && [ -n "$k61" ]; then
	msg "building axas_vcpu.ko for x86-64 on $(basename "$k61") (W=1 C=1)"
	x86=$W/x86
	sync_module_sources "$x86/axas"
	rm -rf "$x86/sample"
	cp -r "$AXAS_REPO/samples/axas_vcpu" "$x86/sample"
	make -C "$k61" M="$x86/axas" CONFIG_AXAS=m -j"$JOBS" modules >"$W/x86-axas.log" 2>&1 ||
		{ tail -n 20 "$W/x86-axas.log"; die "axas.ko: x86-64 build failed"; }
	make -C "$k61" M="$x86/sample" AXAS_INCLUDE="$x86/axas/include" W=1 C=1 \
		KBUILD_EXTRA_SYMBOLS="$x86/axas/Module.symvers" modules >"$W/x86-sample.log" 2>&1 ||
		{ tail -n 20 "$W/x86-sample.log"; die "axas_vcpu.ko: x86-64 build failed"; }
	bad=$(grep -iE '(warning|error):' "$W/x86-sample.log" || true)
	[ -z "$bad" ] || { echo "$bad"; die "axas_vcpu.ko: the x86-64 build warned"; }
fi

# ---- the VMM (nolibc, static) and the guests (bare metal)
msg "building tools/axas-vmm and tools/guest for riscv64"
# From scratch: the cache is shared by every clone, and a binary another
# clone built later than these sources looks up to date to make.
rm -rf "$W/guest" "$W/vmm"
make -s -C "$AXAS_REPO/tools/guest" OUT="$W/guest" CROSS_COMPILE=$CROSS ||
	die "guest programs: build failed"
make -s -C "$AXAS_REPO/tools/axas-vmm" OUT="$W/vmm" CROSS_COMPILE=$CROSS \
	NOLIBC="$SRC612/tools/include/nolibc" KHDR="$KO/usr/include" ||
	die "axas-vmm: build failed"

# ---- the initramfs
list=$W/initramfs.list
{
	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "dir /proc 755 0 0"
	echo "dir /sys 755 0 0"
	echo "dir /guest 755 0 0"
	echo "file /init $W/vmm/axas-vmm 755 0 0"
	echo "file /axas.ko $mods/axas/axas.ko 644 0 0"
	echo "file /axas_vcpu.ko $mods/sample/axas_vcpu.ko 644 0 0"
	echo "file /kvm.ko $KO/arch/riscv/kvm/kvm.ko 644 0 0"
	for g in "$W"/guest/*.bin; do
		echo "file /guest/$(basename "$g") $g 644 0 0"
	done
} >"$list"
"$KO/usr/gen_init_cpio" "$list" >"$W/initramfs.cpio" || die "gen_init_cpio failed"

# ---- boot (Svadu on, QEMU 10's default, spelled out: the dirty test
# expects G-stage walks to set D without a fault)
log=$W/console-$mode.log
msg "booting the riscv64 kernel on QEMU 10 (2 harts, H extension): /init $mode"
t0=$(date +%s)
rc=0
timeout --foreground 600 "$QEMU10/usr/bin/qemu-system-riscv64" \
	-M virt -cpu rv64,h=true,svpbmt=true,svadu=true,svade=false -smp 2 -m 512M \
	-bios "$QEMU10/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin" \
	-kernel "$KO/arch/riscv/boot/Image" -initrd "$W/initramfs.cpio" \
	-append "console=ttyS0 loglevel=7 -- $mode" \
	-nographic -no-reboot -monitor none -serial stdio </dev/null >"$log" 2>&1 || rc=$?
secs=$(($(date +%s) - t0))
# what /init printed, and the kernel's lines about axas
tr -d '\r' <"$log" | grep -E '^(axas-vmm|ok |not ok |# |1\.\.|vmm|guest|kvm)|axas' || true
msg "QEMU exited with $rc after $secs s (console log: $log)"

reports=$(tr -d '\r' <"$log" | grep -nE 'BUG:|WARNING:|Oops|Unable to handle|Kernel panic|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|INFO: task|sleeping function called|stack-protector|rcu_sched self-detected|RCU stall' || true)
[ -z "$reports" ] || { echo "$reports"; die "vcpu-riscv: the kernel log has BUG/WARNING/lockdep reports"; }
[ $rc -eq 0 ] || die "vcpu-riscv: QEMU failed or timed out (exit $rc)"

case $mode in
test)
	pass=$(tr -d '\r' <"$log" | grep -cE '^ok [0-9]+ ' || true)
	fail=$(tr -d '\r' <"$log" | grep -cE '^not ok [0-9]+ ' || true)
	skip=$(tr -d '\r' <"$log" | grep -cE '^ok [0-9]+ .*# SKIP' || true)
	pass=$((pass - skip))
	echo "vcpu-riscv: $pass passed, $fail failed, $skip skipped"
	log_has '^axas-vmm: done' || die "vcpu-riscv: /init did not finish (see $log)"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] && [ "$skip" -eq 0 ] || die "vcpu-riscv: $fail failed, $skip skipped, $pass passed"
	;;
bench | demo)
	log_has '^axas-vmm: done' || die "vcpu-riscv: /init did not finish (see $log)"
	;;
esac
