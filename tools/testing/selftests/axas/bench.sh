#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# axas-bench at a small size: every part runs (dirty tracking, hot paths,
# tables, guest RAM; 8-16 MiB, no latency writer) and every row appears.
# The bench checks its own results as it goes (page counts, data_pages,
# the words read through the mapping and by pread equal) and exits nonzero
# when one is wrong. The figures are not judged here: make bench measures
# them at full size. Needs root and axas-bench in PATH; MAP_LINEAR, so it
# runs before lockdown.sh.
ksft_skip=4
fail=0

[ "$(id -u)" = 0 ] || { echo "# bench.sh: needs root"; exit $ksft_skip; }
command -v axas-bench >/dev/null || { echo "# bench.sh: axas-bench not in PATH"; exit $ksft_skip; }
cd /tmp || exit 1

out=$(axas-bench -m 8 -u 16 -d 16 -G 16 -w 0 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] || { echo "# bench.sh: FAILED: axas-bench exited with $rc"; exit 1; }
for row in arm harvest logged 'FAULT ioctl, spurious' 'TRANSLATE ioctl' \
	'MAP_LINEAR|NOHUGE' 'in-kernel axas_translate()' \
	'in-kernel page fault, spurious' 'TRANSLATE, 2 threads' populate tables \
	unmap fault translate parallel huge map-user vmm-touch memcpy memcpy-shm \
	read8-shm read8 first-pass; do
	echo "$out" | grep -qF "$row " || { echo "# bench.sh: FAILED: no row '$row'"; fail=1; }
done
exit $fail
