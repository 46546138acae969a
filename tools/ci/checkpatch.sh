#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict from the 6.12 source over every kernel source file
# of the repository (axas_*/, include/, kunit/, samples/). Any ERROR, WARNING or CHECK
# fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_src612
cd "$AXAS_REPO"
mapfile -t files < <(find axas_* include kunit samples -type f -name '*.[ch]' 2>/dev/null |
	grep -v '\.mod\.c$' | sort)
if [ ${#files[@]} -eq 0 ]; then
	msg "checkpatch: no kernel source files yet"
	exit 0
fi
msg "checkpatch --strict over ${#files[@]} files"
out=$(perl "$SRC612/scripts/checkpatch.pl" --strict --no-tree --terse \
	--show-types -f "${files[@]}" 2>&1 | grep -E '(ERROR|WARNING|CHECK):' || true)
if [ -n "$out" ]; then
	echo "$out"
	die "checkpatch: $(echo "$out" | wc -l) problem(s)"
fi
msg "checkpatch: clean"
