#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the KUnit suites of axas under UML with the kernel's own kunit.py
# (from the 6.12 source), the module built in as drivers/axas.
#
#   tools/ci/kunit.sh                  every suite in kunit/.kunitconfig
#   tools/ci/kunit.sh 'npt*'           only suites matching a glob
#   tools/ci/kunit.sh 'npt.map*'       only matching cases (suite.case)
#
# Extra kunit.py arguments go after --, e.g. -- --raw_output=all.
# The exit status is non-zero when a case fails, the kernel crashes, or the
# kernel log shows a BUG, WARNING, lockdep or KASAN report.
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
	"${filter[@]}" "${extra[@]}" 2>&1 | tee "$log" || rc=$?

# kunit.py's parsed result, e.g. "Testing complete. Ran 12 tests: passed: 12".
summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -n 1 || true)
if [ -z "$summary" ]; then
	die "KUnit: no result (build or boot failed; see above and $build_dir)"
fi
count() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
passed=$(count passed)
failed=$(count failed)
skipped=$(count skipped)
crashed=$(count crashed)
errors=$(count errors)

# Reports that do not fail a KUnit case by themselves.
kernel_log="$build_dir/test.log"
reports=
if [ -f "$kernel_log" ]; then
	reports=$(grep -nE 'BUG:|WARNING:|Oops|general protection|possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage|kmemleak: [0-9]+ new suspected|UBSAN:' \
		"$kernel_log" || true)
fi

echo "kunit: $passed passed, $((failed + crashed + errors)) failed, $skipped skipped"
[ "$rc" -eq 0 ] || die "KUnit: kunit.py exited with $rc"
[ $((failed + crashed + errors)) -eq 0 ] || die "KUnit: $failed failed, $crashed crashed, $errors errors"
[ "$passed" -gt 0 ] || die "KUnit: no test passed"
if [ -n "$reports" ]; then
	echo "$reports"
	first=$(echo "$reports" | head -n 1 | cut -d: -f1)
	echo "---- the kernel log from the first report:"
	sed -n "$first,$((first + 60))p" "$kernel_log"
	die "KUnit: the kernel log ($kernel_log) has BUG/WARNING/lockdep/KASAN reports"
fi
