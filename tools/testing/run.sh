#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The userspace selftests, run inside the QEMU guest (tools/qemu/run.sh)
# with axas.ko loaded (allow_ram_linear=0):
#   1. every selftest binary (/axas/build/*_test, and *_test32, their
#      32-bit builds that go through compat_ioctl) as root,
#   2. the same binaries as uid 1000 with /dev/axas opened up to 0666 (the
#      root-only cases skip, the unprivileged ones run for real),
#   3. axasctl and axas-dump used as a script would use them, then the
#      module reloaded with allow_ram_linear=1 (a load-time parameter) and
#      the System RAM cases again,
#   4. kernel lockdown switched on (irreversible, so last) and the case
#      that checks linear regions are closed by it,
#   5. rmmod axas, which must succeed once every fd is closed.
# Exits nonzero if anything failed.

B=${AXAS_BUILD:-/axas/build}
PATH=$B:$PATH
fail=0

note() { echo "# run.sh: $*"; }
bad() { echo "# run.sh: FAILED: $*"; fail=1; }

[ -c /dev/axas ] || { bad "/dev/axas missing"; exit 1; }

tests=$(ls "$B"/*_test "$B"/*_test32 2>/dev/null)
[ -n "$tests" ] || bad "no selftest binaries in $B"

for t in $tests; do
	note "$(basename "$t") as root"
	"$t" || bad "$(basename "$t") as root"
done

chmod 0666 /dev/axas
# Data pages count against RLIMIT_MEMLOCK (the kernel's default is 8 MiB);
# a VMM's limit must cover its guest memory, as for VFIO and iommufd.
ulimit -l unlimited || bad "ulimit -l unlimited"
for t in $tests; do
	note "$(basename "$t") as uid 1000"
	runas 1000 "$t" || bad "$(basename "$t") as uid 1000"
done
chmod 0600 /dev/axas

# --- axasctl, scripted: one address space, commands on stdin
note "axasctl script"
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
(echo Y >$param) 2>/dev/null && bad "allow_ram_linear is writable after load"
[ "$(cat $param)" = "N" ] || bad "allow_ram_linear changed after load"
rmmod axas && insmod /axas/axas.ko allow_ram_linear=1 || bad "reload with allow_ram_linear=1"
[ "$(cat $param)" = "Y" ] || bad "allow_ram_linear=1 at load is not Y"
if axasctl new ept4 0 4G \; map-linear 0 2M "$ram_hpa" rw \; translate 0x1000 \
	\; dump >/tmp/ram.txt 2>&1; then
	sed 's/^/#   /' /tmp/ram.txt
else
	sed 's/^/#   /' /tmp/ram.txt
	bad "linear map of System RAM $ram_hpa with allow_ram_linear=Y"
fi
note "System RAM cases with allow_ram_linear=Y"
"$B/axas_test" -t linear_ram_boundary_in_a_page \
	-t allow_ram_linear_load_time_only || bad "axas_test, allow_ram_linear=Y"

# --- lockdown closes linear regions; it cannot be undone: last
note "kernel lockdown"
AXAS_TEST_LOCKDOWN=1 "$B/axas_test" -t linear_refused_under_lockdown ||
	bad "axas_test under lockdown"

# --- the module goes away once nothing holds it
note "rmmod"
if rmmod axas; then
	[ -e /dev/axas ] && bad "/dev/axas still there after rmmod"
else
	bad "rmmod axas"
	lsmod | sed 's/^/#   /'
fi

if [ $fail -eq 0 ]; then
	note "all passed"
else
	note "some checks FAILED"
fi
exit $fail
