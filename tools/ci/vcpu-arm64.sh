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

# grep -q on the console log without CRs; not a pipe: under pipefail an
# early exit of grep -q would kill tr with SIGPIPE and fail the test
log_has() {
	grep -q "$1" <<<"$(tr -d '\r' <"$log")"
}

mode=${1:-test}
case $mode in test | bench | demo) ;; *) die "usage: vcpu-arm64.sh [test|bench|demo]" ;; esac

KO=$AXAS_CACHE/vcpu-arm64-build
W=$AXAS_CACHE/vcpu-arm64
CFG=$AXAS_REPO/tools/ci/vcpu-arm64/kernel.config
CROSS=aarch64-linux-gnu-
kmake() { nice make -C "$SRC612" O="$KO" ARCH=arm64 CROSS_COMPILE=$CROSS -j"$JOBS" "$@"; }

lock vcpu-arm64
ensure_src612
"$(dirname "$0")/deps.sh" binutils-aarch64-linux-gnu qemu-system-arm
install_cross_gcc
export PATH="$CROSS_GCC/bin:$PATH"
mkdir -p "$KO" "$W"

# ---- the kernel: configured again only when the fragment changed
t0=$(date +%s)
cfg_hash=$(sha1sum "$CFG" | cut -d' ' -f1)
if [ "$cfg_hash" != "$(cat "$KO/.axas-config-hash" 2>/dev/null)" ] || [ ! -f "$KO/.config" ]; then
	msg "configuring the arm64 kernel in $KO (allnoconfig + ${CFG#"$AXAS_REPO"/})"
	kmake KCONFIG_ALLCONFIG="$CFG" allnoconfig >"$W/config.log" 2>&1 ||
		{ tail -n 20 "$W/config.log"; die "kernel configuration failed"; }
	while read -r line; do
		case $line in CONFIG_*) grep -qx "$line" "$KO/.config" ||
			die "the kernel configuration lacks $line (a dependency is missing?)" ;; esac
	done <"$CFG"
	echo "$cfg_hash" >"$KO/.axas-config-hash"
fi
msg "building the arm64 kernel (Image, KVM built in)"
kmake Image modules headers >"$W/kernel.log" 2>&1 || { tail -n 40 "$W/kernel.log"; die "kernel build failed"; }
msg "kernel: $(($(date +%s) - t0)) s"
[ "${AXAS_VCPU_ARM64_KERNEL_ONLY:-}" != 1 ] || exit 0

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
msg "building axas.ko and axas_vcpu.ko for arm64 (W=1)"
modbuild "$mods/axas" "$W/axas.log" CONFIG_AXAS=m || die "axas.ko: arm64 build failed or warned"
modbuild "$mods/sample" "$W/sample.log" AXAS_INCLUDE="$mods/axas/include" \
	KBUILD_EXTRA_SYMBOLS="$mods/axas/Module.symvers" || die "axas_vcpu.ko: arm64 build failed or warned"

# ---- the VMM (nolibc, static) and the guests (bare metal)
msg "building tools/axas-vmm and tools/guest for arm64"
# From scratch: the cache is shared by every clone, and a binary another
# clone built later than these sources looks up to date to make.
rm -rf "$W/guest" "$W/vmm"
make -s -C "$AXAS_REPO/tools/guest" GUEST_ARCH=arm64 OUT="$W/guest" CROSS_COMPILE=$CROSS ||
	die "guest programs: build failed"
make -s -C "$AXAS_REPO/tools/axas-vmm" VMM_ARCH=arm64 OUT="$W/vmm" CROSS_COMPILE=$CROSS \
	NOLIBC="$SRC612/tools/include/nolibc" KHDR="$KO/usr/include" ||
	die "axas-vmm: build failed"

# ---- the initramfs (KVM is built in: no kvm.ko)
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
	for g in "$W"/guest/*.bin; do
		n=$(basename "$g")
		[ "$n" != mmio-arm64.bin ] || n=mmio.bin
		echo "file /guest/$n $g 644 0 0"
	done
} >"$list"
"$KO/usr/gen_init_cpio" "$list" >"$W/initramfs.cpio" || die "gen_init_cpio failed"

# ---- boot: boot LOGNAME /init-MODE [kernel arguments]
qver=$(qemu-system-aarch64 --version | head -n 1 | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n 1)
boot() {
	local name=$1 imode=$2 extra=${3:-} rc=0 t0 reports
	log=$W/console-$name.log
	msg "booting the arm64 kernel on QEMU $qver (virt at EL2, 2 CPUs${extra:+, $extra}): /init $imode"
	t0=$(date +%s)
	timeout --foreground 600 qemu-system-aarch64 \
		-M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on -smp 2 -m 512M \
		-kernel "$KO/arch/arm64/boot/Image" -initrd "$W/initramfs.cpio" \
		-append "console=ttyAMA0 loglevel=7 $extra -- $imode" \
		-nographic -no-reboot -monitor none -serial stdio </dev/null >"$log" 2>&1 || rc=$?
	# what /init printed, and the kernel's lines about axas and KVM
	tr -d '\r' <"$log" | grep -E '^(axas-vmm|ok |not ok |# |1\.\.|vmm|guest|bench|kvm)|axas|kvm \[' || true
	msg "QEMU exited with $rc after $(($(date +%s) - t0)) s (console log: $log)"
	reports=$(tr -d '\r' <"$log" | grep -nE 'BUG:|WARNING:|Oops|Unable to handle|Kernel panic|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|INFO: task|sleeping function called|stack-protector|rcu_sched self-detected|RCU stall|SError' || true)
	[ -z "$reports" ] || { echo "$reports"; die "vcpu-arm64: the kernel log has BUG/WARNING/lockdep reports"; }
	[ $rc -eq 0 ] || die "vcpu-arm64: QEMU failed or timed out (exit $rc)"
	log_has '^axas-vmm: done' || die "vcpu-arm64: /init did not finish (see $log)"
}
# TAP totals over the console logs given
tap_count() {
	cat "$@" | tr -d '\r' | grep -cE "$tap_re" || true
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

tap_re='^ok [0-9]+ '
pass=$(tap_count "$main_log" "$log")
tap_re='^not ok [0-9]+ '
fail=$(tap_count "$main_log" "$log")
tap_re='^ok [0-9]+ .*# SKIP'
skip=$(tap_count "$main_log" "$log")
pass=$((pass - skip))
echo "vcpu-arm64: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] && [ "$skip" -eq 0 ] || die "vcpu-arm64: $fail failed, $skip skipped, $pass passed"
