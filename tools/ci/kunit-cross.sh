#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the hardware-verifier KUnit suites (kunit/arm64, kunit/riscv,
# kunit/x86) in arm64, riscv64 and x86_64 kernels under QEMU (TCG, never
# KVM), with the kernel's kunit.py from the 6.12 source:
#   arm64: kernel at EL2 with VHE (-machine virt,virtualization=on), the
#          tables judged by AT S12E1R/W;
#   riscv: HS-mode (-cpu rv64,h=true,...), the tables judged by HLV/HSV, on
#          QEMU 10 unpacked from Debian's bookworm-backports into
#          $AXAS_QEMU10 (Debian 12's QEMU 7.2 cannot translate the upper
#          half of Sv39x4; if QEMU 10 cannot be had, the run falls back to
#          7.2 and says which checks it skipped); on QEMU 10 the kernel
#          boots a second time with Svadu (svadu=true, svade=false) for
#          axas_hw_riscv_svadu, where G-stage stores set D themselves;
#          arm64 and riscv boot once more with -smp 2 for the suites whose
#          threads race (stress, lockless readers against splits);
#   x86_64: -cpu max (SVM with nested paging), AMD NPT tables judged by a
#          guest run with VMRUN. The nested walk uses the host's paging
#          mode, so the kernel boots twice: with no5lvl (every suite, NPT4
#          on the hardware) and with 5-level paging (axas_hw_x86 only, NPT5);
#          then the same kernel boots in Bochs 2.7 (VMX with EPT), where
#          axas_hw_vmx judges EPT4 tables with a guest run by VMLAUNCH
#          (packages bochs, bochsbios, vgabios, isolinux, syslinux-common,
#          xorriso; about 30 s).
#
#   tools/ci/kunit-cross.sh              every architecture
#   tools/ci/kunit-cross.sh riscv        one of them
#   AXAS_CROSS_FILTER='axas_hw*' tools/ci/...  only the hardware verifiers
#                                        (default: every axas suite, so the
#                                        engine and core also run on arm64
#                                        and riscv kernels)
#   AXAS_QEMU10=none tools/ci/...        riscv on QEMU 7.2 (the fallback)
#
# Build directories persist in $AXAS_CACHE/kunit-{arm64,riscv,x86_64}.
# The exit status is non-zero when a case fails, nothing ran, the
# kernel crashed, or its log shows a BUG/WARNING report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

filter=${AXAS_CROSS_FILTER:-axas*}
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(arm64 riscv x86_64)

. "$(dirname "$0")/cross.sh"

# One run at a time: the tree and the build directories are shared.
mkdir -p "$AXAS_CACHE"
exec 9>"$AXAS_CACHE/kunit-cross.lock"
if ! flock -n 9; then
	msg "waiting for another kunit-cross run to finish"
	flock 9
fi

"$(dirname "$0")/deps.sh" binutils-aarch64-linux-gnu binutils-riscv64-linux-gnu \
	qemu-system-arm qemu-system-misc qemu-system-x86 \
	bochs bochsbios vgabios isolinux syslinux-common xorriso

install_cross_gcc
export PATH="$CROSS_GCC/bin:$PATH"

tree="$AXAS_CACHE/cross-src"
kunit_tree "$tree"

rc_all=0

# The x86_64 KUnit kernel of the last build in Bochs 2.7, whose
# corei7_skylake_x has VMX with EPT (QEMU's TCG has no VMX): the suites
# matching $1, the console in $2, parsed by kunit.py as a QEMU run's is.
# kvm_intel is built in only so that the kernel enables VMX in
# IA32_FEATURE_CONTROL; it must not enter VMX operation at load. Boot
# arguments as tools/qemu/run.sh --bochs gives Debian's kernel (Bochs's
# model draws WARNINGs otherwise). One CPU: the kernel has NR_CPUS=1.
kunit_bochs() {
	local glob=$1 klog=$2 dir="$build_dir/bochs" pid
	rm -rf "$dir"
	mkdir -p "$dir/iso/isolinux"
	cp "$build_dir/arch/x86/boot/bzImage" "$dir/iso/isolinux/vmlinuz"
	cat >"$dir/iso/isolinux/isolinux.cfg" <<EOF_CFG
default linux
prompt 0
timeout 0
label linux
  kernel vmlinuz
  append console=ttyS0 mitigations=off noxsave kvm.enable_virt_at_load=0 panic_on_warn=1 kunit.filter_glob=$glob kunit_shutdown=reboot
EOF_CFG
	bochs_prepare "$dir" "$dir/iso" 1 512
	msg "KUnit on x86_64 in Bochs 2.7 (corei7_skylake_x: VMX with EPT): $glob"
	bochs_start "$dir" 900
	pid=$!
	# the kernel reboots after its tests (or panics): Bochs stops there
	while kill -0 "$pid" 2>/dev/null; do
		grep -qaE '^reboot: |Kernel panic' "$dir/serial" && break
		sleep 1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sed 's/\r$//' "$dir/serial" >"$klog"
	(cd "$tree" && python3 tools/testing/kunit/kunit.py parse "$klog")
}

# One boot: kunit.py run (build and boot) or exec (boot the last build).
# $1: run|exec, $2: label, $3: filter, rest: extra kunit.py arguments.
kunit_boot() {
	local mode=$1 label=$2 glob=$3 rc=0 summary passed failed skipped reports
	shift 3
	local log="$build_dir.$label.out"
	local args=(--arch="$arch" --qemu_config="$qconf" --build_dir="$build_dir"
		    --timeout=1200 --kernel_args=panic_on_warn=1 "$@")
	[ -z "$cross" ] || args+=(--cross_compile="$cross")
	[ "$mode" = exec ] ||
		args+=(--kunitconfig="$tree/drivers/axas/kunit/$kconf.kunitconfig" --jobs="$JOBS")
	local klog="$build_dir/test.log"
	if [ "$mode" = bochs ]; then
		klog="$build_dir/test-bochs.log"
		kunit_bochs "$glob" "$klog" >"$log" 2>&1 || rc=$?
	else
		msg "KUnit on $label under QEMU (build dir $build_dir)"
		(cd "$tree" && nice python3 tools/testing/kunit/kunit.py "$mode" \
			"${args[@]}" "$glob") >"$log" 2>&1 || rc=$?
	fi
	# the configuration and build chatter only when it failed
	if [ "$rc" -ne 0 ] && ! grep -q 'Testing complete' "$log"; then
		tail -n 60 "$log"
	else
		sed -n '/Starting KUnit Kernel\|in Bochs 2.7/,$p' "$log" | grep -v '^Running tests with:\|^\$ qemu'
		grep '^axas:' "$log" || true
	fi

	summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -n 1 || true)
	count() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
	passed=$(count passed)
	failed=$(( $(count failed) + $(count crashed) + $(count errors) ))
	skipped=$(count skipped)
	# Skips are listed by name and counted in the summary. Expected ones:
	# nt_contract (no lockdep in the cross kernels; UML runs it) and, in
	# the one-CPU boots, the two-CPU race of axas_user (the -smp 2 boots
	# run it).
	skips=$(grep -E '\[SKIPPED\] ' "$log" | sed 's/.*\[SKIPPED\] //; s/[ =]*$//' | tr '\n' ' ' || true)
	[ -z "$skips" ] || echo "kunit-$label: skipped: $skips"
	case $label in
	*-vmx)
		if ! grep -q '\[PASSED\] ept4' "$log"; then
			echo "FAIL: kunit-$label: EPT4 was not judged by Bochs's VMX (skipped or absent)" >&2
			rc_all=1
		fi ;;
	*-smp2*)
		if ! grep -q 'smp: Brought up .* 2 CPUs' "$klog" ||
		   grep -q ut_translate_never_mixes <<<"$skips"; then
			echo "FAIL: kunit-$label: the kernel did not run the races on two CPUs" >&2
			rc_all=1
		fi ;;
	esac
	reports=
	if [ -f "$klog" ]; then
		reports=$(grep -nE 'BUG:|WARNING:|Oops|Unable to handle|Kernel panic|SError' \
			"$klog" || true)
	fi
	echo "kunit-$label: $passed passed, $failed failed, $skipped skipped"
	if [ -z "$summary" ]; then
		echo "FAIL: kunit-$label: no result (build or boot failed, see $log)" >&2
		rc_all=1
	elif [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] ||
	     [ "$passed" -eq 0 ]; then
		echo "FAIL: kunit-$label: kunit.py exit $rc, $failed failed, $skipped skipped, $passed passed" >&2
		rc_all=1
	fi
	if [ -n "$reports" ]; then
		echo "$reports"
		echo "FAIL: kunit-$label: the kernel log ($klog) has BUG/WARNING reports" >&2
		rc_all=1
	fi
}

for arch in "${arches[@]}"; do
	kconf=$arch
	case $arch in
	arm64)
		cross=aarch64-linux-gnu-
		qconf=$AXAS_REPO/kunit/qemu_configs/arm64_vhe.py
		;;
	riscv)
		cross=riscv64-linux-gnu-
		qconf=$AXAS_REPO/kunit/qemu_configs/riscv_h.py
		install_qemu10
		;;
	x86_64)
		cross=		# the host's gcc
		kconf=x86
		qconf=$AXAS_REPO/kunit/qemu_configs/x86_svm.py
		;;
	*)
		die "unknown architecture '$arch' (arm64, riscv or x86_64)"
		;;
	esac
	build_dir="$AXAS_CACHE/kunit-$arch"
	mkdir -p "$build_dir"
	# The tree is synced from whichever clone ran last, keeping file times:
	# an object newer than a source from another clone would look up to
	# date. Rebuild the module whenever its sources differ from last time.
	src_hash=$(cd "$tree/drivers/axas" && find . -type f | LC_ALL=C sort | xargs sha1sum | sha1sum)
	if [ "$src_hash" != "$(cat "$build_dir/.axas-src-hash" 2>/dev/null)" ]; then
		rm -rf "$build_dir/drivers/axas"
		echo "$src_hash" >"$build_dir/.axas-src-hash"
	fi
	if [ "$arch" = x86_64 ]; then
		# NPT4 needs a 4-level host, NPT5 a 5-level one
		kunit_boot run x86_64-4level "$filter" --kernel_args=no5lvl
		case axas_hw_x86 in
		$filter) kunit_boot exec x86_64-5level 'axas_hw_x86*' ;;
		esac
		# Intel EPT, judged by Bochs's VMX
		case axas_hw_vmx in
		$filter) kunit_boot bochs x86_64-vmx 'axas_hw_vmx*' ;;
		esac
	else
		kunit_boot run "$arch" "$filter"
		# The same kernel on two CPUs: the suites whose threads race
		# (lockless readers against splits, the stress runs, the
		# translate/flip race), in parallel for real. nt_smp_stress
		# is axas_npt's only such case; the rest of axas_npt (its
		# random-ops model) is 100-300 times slower on two TCG CPUs.
		case axas_core in
		$filter) kunit_boot exec "$arch-smp2" 'axas_[cdgtu]*' --qemu_args='-smp 2'
			 kunit_boot exec "$arch-smp2-npt" 'axas_npt.nt_smp_stress' --qemu_args='-smp 2' ;;
		esac
	fi
	# hardware-updated D (Svadu): only QEMU 10 has it
	if [ "$arch" = riscv ] && qemu10_ok; then
		case axas_hw_riscv_svadu in
		$filter)
			qconf=$AXAS_REPO/kunit/qemu_configs/riscv_h_svadu.py
			kunit_boot exec riscv-svadu 'axas_hw_riscv_svadu*'
			;;
		esac
	fi
done
exit "$rc_all"
