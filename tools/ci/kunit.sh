#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit suites of axas (the test module axas_test.ko) under UML with the
# kernel's own kunit.py from the 6.12 source, the module built in as
# drivers/axas:
#
#   tools/ci/kunit.sh                  every suite in kunit/.kunitconfig
#   tools/ci/kunit.sh 'npt*'           only suites matching a glob
#   tools/ci/kunit.sh 'npt.map*'       only matching cases (suite.case)
#
# Extra kunit.py arguments go after --, e.g. -- --raw_output=all.
# kunit.py runs with --kernel_args panic_on_warn=1: a WARN, and a KASAN or
# UBSAN report (both honour panic_on_warn), ends the run as a crash, which
# kunit.py reports and fails on. What kunit.py cannot see is checked here:
# reports that do not WARN (lockdep, suspicious RCU usage, "BUG: sleeping
# function called from invalid context", kmemleak).
#
# Without a filter it also builds the suites as loadable modules
# (kunit/modules.kunitconfig: axas.ko and axas_test.ko, CONFIG_AXAS=m),
# so modpost proves that the test module links only against what axas.ko
# exports to it (EXPORT_SYMBOL_IF_KUNIT) and imports that namespace
# (AXAS_KUNIT_MODULES=0 leaves that build out).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

filter=()
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--) shift; extra=("$@"); break ;;
	*) filter=("$1"); shift ;;
	esac
done

tree="$AXAS_CACHE/kunit-src"
build_dir="$AXAS_CACHE/kunit-um"
lock kunit-um
kunit_tree "$tree"

msg "KUnit under UML (build dir $build_dir)"
cd "$tree"
log="$build_dir.out"
mkdir -p "$build_dir"
rc=0
python3 tools/testing/kunit/kunit.py run --arch=um \
	--kunitconfig="$tree/drivers/axas/kunit/.kunitconfig" \
	--build_dir="$build_dir" --jobs="$JOBS" \
	--kernel_args panic_on_warn=1 \
	"${filter[@]}" "${extra[@]}" 2>&1 | tee "$log" || rc=$?
[ "$rc" -eq 0 ] || die "KUnit: kunit.py exited with $rc"

# Reports that neither fail a case nor WARN.
kernel_log="$build_dir/test.log"
if [ -f "$kernel_log" ]; then
	reports=$(grep -nE 'BUG:|possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage|kmemleak: [0-9]+ new suspected' \
		"$kernel_log" || true)
	if [ -n "$reports" ]; then
		echo "$reports"
		first=$(echo "$reports" | head -n 1 | cut -d: -f1)
		echo "---- the kernel log from the first report:"
		sed -n "$first,$((first + 60))p" "$kernel_log"
		die "KUnit: the kernel log ($kernel_log) has lockdep/RCU/BUG reports"
	fi
fi

if [ ${#filter[@]} -eq 0 ] && [ "${AXAS_KUNIT_MODULES:-1}" != 0 ]; then
	mod_dir="$AXAS_CACHE/kunit-um-modules"
	msg "KUnit suites as modules: kunit.py build, CONFIG_AXAS=m (build dir $mod_dir)"
	mkdir -p "$mod_dir"
	python3 tools/testing/kunit/kunit.py build --arch=um \
		--kunitconfig="$tree/drivers/axas/kunit/modules.kunitconfig" \
		--build_dir="$mod_dir" --jobs="$JOBS" >"$mod_dir.out" 2>&1 ||
		{ tail -n 40 "$mod_dir.out"; die "KUnit: the module build failed (log: $mod_dir.out)"; }
	for ko in axas.ko axas_test.ko; do
		[ -f "$mod_dir/drivers/axas/$ko" ] || die "KUnit: the module build made no $ko"
	done
	echo "kunit-modules: 1 passed, 0 failed (axas.ko and axas_test.ko link through the KUnit exports)"
fi
