#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# axasctl and axas-dump used as a script would use them: one address space,
# commands on stdin, the table image decoded. Needs root and the axas tools
# (axasctl, axas-dump) in PATH.
ksft_skip=4
fail=0

note() { echo "# axasctl.sh: $*"; }
bad() { echo "# axasctl.sh: FAILED: $*"; fail=1; }

[ "$(id -u)" = 0 ] || { note "needs root"; exit $ksft_skip; }
command -v axasctl >/dev/null || { note "axasctl not in PATH"; exit $ksft_skip; }
[ -c /dev/axas ] || { bad "/dev/axas missing"; exit 1; }
cd /tmp || exit 1

# --- axasctl, scripted: one address space, commands on stdin
note "script on stdin"
out=$(axasctl <<'SCRIPT' 2>&1
new sv48x4 0 1T
map-alloc 0 1G rwx
map-alloc 1G 2M rw,populate
info
fault 0x1234 w
fault 0x1234 r
fault 0x40000000 w
fault 0x80000000 r
expect-fail EEXIST map-alloc 0x1000 4K rw
expect-fail EINVAL map-alloc 2G 4K w
expect-fail EPERM map-linear 2G 2M 0x1000000 rw
write 0x1ffe hex:00112233445566
read 0x1ffe 7
translate 0x1234
protect 0 2M r
expect-fail ENOENT protect 0x7fe00000 4M r
unmap 0 1T
info
dump /tmp/img
SCRIPT
) || bad "axasctl script"
echo "$out" | sed 's/^/#   /'
echo "$out" | grep -q 'fault: gpa 0x1234 w -> handled' || bad "axasctl: first fault not handled"
echo "$out" | grep -q 'fault: gpa 0x1234 r -> spurious' || bad "axasctl: second fault not spurious"
echo "$out" | grep -q 'fault: gpa 0x40000000 w -> not-lazy' || bad "axasctl: populated fault not not-lazy"
echo "$out" | grep -q 'fault: gpa 0x80000000 r -> not-mapped' || bad "axasctl: hole fault not not-mapped"
echo "$out" | grep -q '00 11 22 33 44 55 66' || bad "axasctl: read back differs"
echo "$out" | grep -q 'table_pages 4 data_pages 0 nr_regions 0' || bad "axasctl: unmap of everything left pages"
axas-dump /tmp/img >/tmp/img.txt || bad "axas-dump of an empty sv48x4 table"
grep -q '0 leaves' /tmp/img.txt || bad "axas-dump: leaves in an empty table"


# --- guest RAM from a script: a HUGE populate, the region list, a dump
# --- whose leaves axas-dump labels with it
note "axasctl regions, axas-dump -r"
out=$(axasctl new ept4 0 4G \; map-alloc 0 4M rw,huge,populate \; \
	map-alloc 16M 64K rwx \; fault 0x1000000 w \; regions /tmp/regs \; \
	dump /tmp/img2 2>&1) || bad "axasctl regions script"
echo "$out" | sed 's/^/#   /'
echo "$out" | grep -q 'regions: 2' || bad "axasctl regions: not 2 regions"
echo "$out" | grep -q 'region: gpa 0x0 length 0x400000 alloc  rw-,populate,huge' ||
	bad "axasctl regions: the HUGE region"
if axas-dump -r /tmp/regs /tmp/img2 >/tmp/img2.txt; then
	sed 's/^/#   /' /tmp/img2.txt
	grep -q 'rw-,populate,huge *leaves: 0 x 4K, 2 x 2M, 0 x 1G' /tmp/img2.txt ||
		bad "axas-dump -r: the HUGE region is not two 2 MiB leaves"
	grep -q 'rwx *leaves: 1 x 4K, 0 x 2M, 0 x 1G' /tmp/img2.txt ||
		bad "axas-dump -r: the lazy region does not hold its one page"
else
	bad "axas-dump -r"
fi

# --- dirty tracking from a script: a logged write, a host write, statistics
note "axasctl dirty-track, dirty"
out=$(axasctl new arm-s2 0 4G \; map-alloc 16M 1M rw,populate \; \
	dirty-track 16M 16M on \; fault 0x1005000 w \; fault 0x1005000 w \; \
	write 0x1009000 hex:01 \; dirty 16M 16M keep \; dirty 16M 16M \; \
	dirty 16M 16M \; dirty-track 16M 16M off 2>&1) || bad "axasctl dirty script"
echo "$out" | sed 's/^/#   /'
echo "$out" | grep -q 'fault: gpa 0x1005000 w -> logged' || bad "axasctl: tracked write not logged"
echo "$out" | grep -q 'dirty: gpa 0x1000000 pages 4096 dirty 2 (0.05%) runs 2 (kept)' ||
	bad "axasctl dirty keep: not 2 pages"
echo "$out" | grep -q 'dirty-run: gpa 0x1009000 pages 1' || bad "axasctl dirty: host write not listed"
echo "$out" | grep -q 'dirty: gpa 0x1000000 pages 4096 dirty 0 (0.00%) runs 0$' ||
	bad "axasctl dirty: second harvest not empty"

exit $fail
