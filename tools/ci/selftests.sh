#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds axas.ko (6.1) and the tools, then runs the userspace selftests
# (tools/testing/run.sh) inside Debian's 6.1 kernel under QEMU. Fails on any
# failure reported by the tests, by the guest kernel, or by the harness.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# A missing script is a failure, never a silent skip.
[ -f "$AXAS_REPO/tools/testing/run.sh" ] ||
	die "selftests: tools/testing/run.sh is missing"
ensure_src612	# kselftest_harness.h for the selftests' build
msg "selftests: building axas.ko and the tools"
make -s -C "$AXAS_REPO" module >/dev/null
make -s -C "$AXAS_REPO/tools" all

log="$AXAS_CACHE/selftests.out"
rc=0
"$AXAS_REPO/tools/qemu/run.sh" --timeout "${SELFTEST_TIMEOUT:-1200}" -- \
	sh /axas/testing/run.sh 2>&1 | tee "$log" || rc=$?

# TAP results at the start of a line: "ok N ...", "not ok N ...", with
# "# SKIP" marking a skipped test.
passed=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP' || true)
skipped=$(grep -E '^ok [0-9]+' "$log" | grep -c '# SKIP' || true)
failed=$(grep -cE '^not ok [0-9]+' "$log" || true)
echo "selftests: $passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] || die "selftests: exit status $rc"
[ "$failed" -eq 0 ] || die "selftests: $failed failed"
[ "$passed" -gt 0 ] || die "selftests: no test passed"
