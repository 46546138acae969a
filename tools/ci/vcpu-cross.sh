#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the riscv64 and arm64 guest runs share (sourced after lib.sh and
# cross.sh by vcpu-riscv.sh and vcpu-arm64.sh, not run). The caller sets
#   NAME   the run's name in messages (vcpu-riscv)
#   KARCH  the kernel's ARCH= (riscv, arm64)
#   CROSS  the cross-compiler prefix
#   KO     the kernel's O= directory (incremental)
#   W      the run's work directory (modules, programs, cpio, logs)
#   CFG    the kernel configuration fragment (allnoconfig + this)
# and then calls, in order: vcpu_kernel, vcpu_modules, vcpu_programs,
# vcpu_initramfs, vcpu_boot (once or more), vcpu_tap_totals (tests).

# grep -q on the console log $log without CRs; not a pipe: under pipefail
# an early exit of grep -q would kill tr with SIGPIPE and fail the test
log_has() {
	grep -q "$1" <<<"$(tr -d '\r' <"$log")"
}

kmake() {
	nice make -C "$SRC612" O="$KO" ARCH="$KARCH" CROSS_COMPILE="$CROSS" -j"$JOBS" "$@"
}

# vcpu_kernel WHAT: the 6.12 kernel (Image, modules, UAPI headers),
# configured again only when the fragment changed; WHAT for the message
vcpu_kernel() {
	local t0 cfg_hash line
	t0=$(date +%s)
	mkdir -p "$KO" "$W"
	cfg_hash=$(sha1sum "$CFG" | cut -d' ' -f1)
	if [ "$cfg_hash" != "$(cat "$KO/.axas-config-hash" 2>/dev/null)" ] || [ ! -f "$KO/.config" ]; then
		msg "configuring the $KARCH kernel in $KO (allnoconfig + ${CFG#"$AXAS_REPO"/})"
		kmake KCONFIG_ALLCONFIG="$CFG" allnoconfig >"$W/config.log" 2>&1 ||
			{ tail -n 20 "$W/config.log"; die "kernel configuration failed"; }
		while read -r line; do
			case $line in CONFIG_*) grep -qx "$line" "$KO/.config" ||
				die "the kernel configuration lacks $line (a dependency is missing?)" ;; esac
		done <"$CFG"
		echo "$cfg_hash" >"$KO/.axas-config-hash"
	fi
	msg "building the $KARCH kernel ($1)"
	kmake Image modules headers >"$W/kernel.log" 2>&1 ||
		{ tail -n 40 "$W/kernel.log"; die "kernel build failed"; }
	msg "kernel: $(($(date +%s) - t0)) s"
}

# vcpu_modbuild DIR LOG [MAKE ARGS]: W=1, and no warning
vcpu_modbuild() {
	local dir=$1 log=$2 bad
	shift 2
	kmake M="$dir" W=1 "$@" modules >"$log" 2>&1 || { sed "s|$mods/||g" "$log" | tail -n 40; return 1; }
	bad=$(grep -iE '(warning|error):' "$log" || true)
	[ -z "$bad" ] || { echo "$bad" | sed "s|$mods/||g"; return 1; }
}

# axas.ko and axas_vcpu.ko in $mods, from scratch copies (M= writes
# objects into the source)
vcpu_modules() {
	mods=$W/mods
	sync_module_sources "$mods/axas"
	rm -rf "$mods/sample"
	cp -r "$AXAS_REPO/samples/axas_vcpu" "$mods/sample"
	msg "building axas.ko and axas_vcpu.ko for $KARCH (W=1)"
	vcpu_modbuild "$mods/axas" "$W/axas.log" CONFIG_AXAS=m ||
		die "axas.ko: $KARCH build failed or warned"
	vcpu_modbuild "$mods/sample" "$W/sample.log" AXAS_INCLUDE="$mods/axas/include" \
		KBUILD_EXTRA_SYMBOLS="$mods/axas/Module.symvers" ||
		die "axas_vcpu.ko: $KARCH build failed or warned"
}

# vcpu_programs [MAKE ARGS]: the VMM (nolibc, static) and the guests (bare
# metal), from scratch: the cache is shared by every clone, and a binary
# another clone built later than these sources looks up to date to make
vcpu_programs() {
	msg "building tools/axas-vmm and tools/guest for $KARCH"
	rm -rf "$W/guest" "$W/vmm"
	make -s -C "$AXAS_REPO/tools/guest" OUT="$W/guest" CROSS_COMPILE="$CROSS" "$@" ||
		die "guest programs: build failed"
	make -s -C "$AXAS_REPO/tools/axas-vmm" OUT="$W/vmm" CROSS_COMPILE="$CROSS" \
		NOLIBC="$SRC612/tools/include/nolibc" KHDR="$KO/usr/include" "$@" ||
		die "axas-vmm: build failed"
}

# vcpu_initramfs [LINE...]: /init (the VMM), the two modules, the guests
# (an architecture's own variant, mmio-arm64.bin, under the common name
# mmio.bin), and the gen_init_cpio lines given
vcpu_initramfs() {
	local list=$W/initramfs.list g n line
	{
		echo "dir /dev 755 0 0"
		echo "nod /dev/console 600 0 0 c 5 1"
		echo "dir /proc 755 0 0"
		echo "dir /sys 755 0 0"
		echo "dir /guest 755 0 0"
		echo "file /init $W/vmm/axas-vmm 755 0 0"
		echo "file /axas.ko $mods/axas/axas.ko 644 0 0"
		echo "file /axas_vcpu.ko $mods/sample/axas_vcpu.ko 644 0 0"
		for line in "$@"; do
			echo "$line"
		done
		for g in "$W"/guest/*.bin; do
			n=$(basename "$g")
			case $n in *-"$KARCH".bin) n=${n%-"$KARCH".bin}.bin ;; esac
			echo "file /guest/$n $g 644 0 0"
		done
	} >"$list"
	"$KO/usr/gen_init_cpio" "$list" >"$W/initramfs.cpio" || die "gen_init_cpio failed"
}

# vcpu_boot LOG EMULATOR [ARG...]: boots, the console into LOG (and $log);
# prints what /init printed, then fails on a kernel report, on the
# emulator's failure or timeout (600 s), or if /init did not finish
vcpu_boot() {
	local rc=0 t0 reports
	log=$1
	shift
	t0=$(date +%s)
	timeout --foreground 600 "$@" </dev/null >"$log" 2>&1 || rc=$?
	# what /init printed, and the kernel's lines about axas and KVM
	tr -d '\r' <"$log" | grep -E '^(axas-vmm|ok |not ok |# |1\.\.|vmm|guest|bench|kvm)|axas|kvm \[' || true
	msg "QEMU exited with $rc after $(($(date +%s) - t0)) s (console log: $log)"
	reports=$(tr -d '\r' <"$log" | grep -nE 'BUG:|WARNING:|Oops|Unable to handle|Kernel panic|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|INFO: task|sleeping function called|stack-protector|rcu_sched self-detected|RCU stall|SError' || true)
	[ -z "$reports" ] || { echo "$reports"; die "$NAME: the kernel log has BUG/WARNING/lockdep reports"; }
	[ "$rc" -eq 0 ] || die "$NAME: QEMU failed or timed out (exit $rc)"
	log_has '^axas-vmm: done' || die "$NAME: /init did not finish (see $log)"
}

# vcpu_tap_totals LOG...: the TAP results of the console logs; fails on a
# failed or skipped test, or when none ran
vcpu_tap_totals() {
	local pass fail skip
	pass=$(cat "$@" | tr -d '\r' | grep -cE '^ok [0-9]+ ' || true)
	fail=$(cat "$@" | tr -d '\r' | grep -cE '^not ok [0-9]+ ' || true)
	skip=$(cat "$@" | tr -d '\r' | grep -cE '^ok [0-9]+ .*# SKIP' || true)
	pass=$((pass - skip))
	echo "$NAME: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] && [ "$skip" -eq 0 ] ||
		die "$NAME: $fail failed, $skip skipped, $pass passed"
}
