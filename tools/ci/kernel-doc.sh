#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/kernel-doc -none -Wall from the 6.12 source over every kernel
# header and .c file of the repository (axas_*/, include/, kunit/,
# samples/): any warning (a missing parameter, member or Return: section,
# a malformed comment) fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_src612
cd "$AXAS_REPO"
mapfile -t files < <(find axas_* include kunit samples -type f -name '*.[ch]' 2>/dev/null |
	grep -v '\.mod\.c$' | sort)
[ ${#files[@]} -gt 0 ] || { msg "kernel-doc: no kernel source files yet"; exit 0; }
msg "kernel-doc -none -Wall over ${#files[@]} files"
out=$(perl "$SRC612/scripts/kernel-doc" -none -Wall "${files[@]}" 2>&1 || true)
if [ -n "$out" ]; then
	echo "$out"
	die "kernel-doc: $(echo "$out" | wc -l) warning(s)"
fi
echo "kernel-doc: ${#files[@]} passed, 0 failed"
