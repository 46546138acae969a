#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# axasctl and axas-dump used as a script would use them (one address space,
# commands on stdin; then arguments), and the allow_ram_linear module
# parameter. Needs root and the axas tools (axasctl, axas-dump) in PATH.
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

# --- axasctl, arguments; the allow_ram_linear parameter
note "allow_ram_linear"
ram=$(sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM$/\1 \2/p' /proc/iomem | tail -n 1)
set -- $ram
ram_hpa=$(printf '0x%x' $(( (0x$1 + 0x1fffff) / 0x200000 * 0x200000 )))
param=/sys/module/axas/parameters/allow_ram_linear
[ "$(cat $param)" = "N" ] || bad "allow_ram_linear is not N by default"
if axasctl new ept4 0 4G \; expect-fail EPERM map-linear 0 2M "$ram_hpa" rw \
	>/tmp/ram.txt 2>&1; then
	sed 's/^/#   /' /tmp/ram.txt
else
	sed 's/^/#   /' /tmp/ram.txt
	bad "linear map of System RAM $ram_hpa was not refused"
fi
echo Y >$param
if axasctl new ept4 0 4G \; map-linear 0 2M "$ram_hpa" rw \; translate 0x1000 \
	\; dump >/tmp/ram.txt 2>&1; then
	sed 's/^/#   /' /tmp/ram.txt
else
	sed 's/^/#   /' /tmp/ram.txt
	bad "linear map of System RAM $ram_hpa with allow_ram_linear=Y"
fi
echo N >$param

exit $fail
