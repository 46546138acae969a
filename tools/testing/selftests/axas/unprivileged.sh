#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test programs again as uid 1000, with /dev/axas opened up to 0666 (as
# the udev rule opens it to the group axas): the root-only cases skip, the
# unprivileged ones run for real. Needs root (to open the device up) and
# runas from the axas tools.
ksft_skip=4
dir=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || { echo "# unprivileged.sh: needs root"; exit $ksft_skip; }
command -v runas >/dev/null || { echo "# unprivileged.sh: runas not in PATH"; exit $ksft_skip; }
[ -c /dev/axas ] || { echo "# unprivileged.sh: /dev/axas missing"; exit 1; }

mode=$(stat -c %a /dev/axas)
chmod 0666 /dev/axas
cd /tmp || exit 1
fail=0
for t in "$dir"/*_test "$dir"/*_test32; do
	[ -x "$t" ] || continue
	echo "# $(basename "$t") as uid 1000"
	runas 1000 "$t" || { echo "# FAILED: $(basename "$t") as uid 1000"; fail=1; }
done
chmod "$mode" /dev/axas
exit $fail
