#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project, stopping at the first failure.
#   1. build on Debian's 6.1 headers, W=1 C=1 (sparse), no warning
#   2. build on the 6.12 tree, W=1 C=1, no warning
#   3. checkpatch --strict and kernel-doc -Wall over every kernel source file
#   4. KUnit under UML
#   5. KUnit under QEMU for arm64, riscv and x86_64 (tools/ci/kunit-cross.sh)
#   6. userspace selftests under QEMU in Debian's 6.1, 6.12 and 6.12-rt
#      kernels, in parallel (the kselftest in tools/testing/selftests/axas)
#   7. the Debian package axas-dkms: built, installed (DKMS builds for the
#      6.1 headers), dkms build for Debian's 6.12 and 6.12-rt headers
#   8. a guest on axas tables: riscv64 kernel on QEMU 10, axas_vcpu.ko, axas-vmm
#   9. the same on arm64 (EL2 with VHE, QEMU virt,virtualization=on)
#  10. the same on Intel VMX with EPT, in Bochs 2.7 (about 4 min, most of it
#      Bochs booting the kernel); `check.sh full` (make check-full) then
#      boots Bochs once more for the kvm_intel coexistence check and the
#      yardstick (vcpu-vmx.sh bench)
# A step whose script is missing fails: nothing is skipped silently.
# The packages are installed by `make deps` (make check depends on it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ci="$AXAS_REPO/tools/ci"
logs="$AXAS_CACHE/check-logs"
mkdir -p "$logs"
rm -f "$logs"/*.log
declare -a times=()
total_start=$(date +%s)

step() {
	local name=$1 t0 rc=0
	shift
	printf '\n======== %s ========\n' "$name"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$logs/$name.log" || rc=$?
	times+=("$(printf '%-12s %4ds' "$name" $(($(date +%s) - t0)))")
	if [ $rc -ne 0 ]; then
		printf '\nmake check: FAILED at step "%s" (exit %d); its log: %s\n' \
			"$name" $rc "$logs/$name.log" >&2
		exit $rc
	fi
}

for script in build.sh checkpatch.sh kunit.sh kunit-cross.sh selftests.sh; do
	[ -f "$ci/$script" ] || die "make check: tools/ci/$script is missing"
done
[ -f "$AXAS_REPO/tools/testing/selftests/axas/Makefile" ] ||
	die "make check: tools/testing/selftests/axas/Makefile is missing"

step build-6.1 "$ci/build.sh" 6.1
step build-6.12 "$ci/build.sh" 6.12
step checkpatch "$ci/checkpatch.sh"
step kernel-doc "$ci/kernel-doc.sh"
step kunit "$ci/kunit.sh"
step kunit-cross bash "$ci/kunit-cross.sh"
step selftests "$ci/selftests.sh"
step vcpu-x86 "$ci/vcpu-x86.sh"
step package "$ci/package.sh"
step vcpu-riscv "$ci/vcpu-riscv.sh"
step vcpu-arm64 "$ci/vcpu-arm64.sh"
step vcpu-vmx "$ci/vcpu-vmx.sh"
if [ "${1:-}" = full ]; then
	step vcpu-vmx-kvm "$ci/vcpu-vmx.sh" bench
fi

# Totals of every step's "NAME: N passed, N failed, N skipped" line; a step
# that printed none (a cross run, say) is counted from kunit.py's own
# "Testing complete. Ran N tests: passed: N, ..." lines.
pass=0 fail=0 skip=0
for f in "$logs"/*.log; do
	lines=$(grep -E '^[a-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$f" || true)
	if [ -n "$lines" ]; then
		while read -r l; do
			pass=$((pass + $(echo "$l" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
			fail=$((fail + $(echo "$l" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
			case $l in *skipped*) skip=$((skip + $(echo "$l" | sed -E 's/.* ([0-9]+) skipped.*/\1/'))) ;; esac
		done <<<"$lines"
	else
		while read -r l; do
			[ -n "$l" ] || continue
			for k in passed failed skipped crashed errors; do
				n=$(echo "$l" | grep -oE "$k: [0-9]+" | grep -oE '[0-9]+' || echo 0)
				case $k in
				passed) pass=$((pass + n)) ;;
				skipped) skip=$((skip + n)) ;;
				*) fail=$((fail + n)) ;;
				esac
			done
		done <<<"$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$f" || true)"
	fi
done

printf '\n======== summary ========\n'
printf '%s\n' "${times[@]}"
printf '%-12s %4ds\n' total $(($(date +%s) - total_start))
echo "make check: all steps passed"
echo "check: $pass passed, $fail failed, $skip skipped"
