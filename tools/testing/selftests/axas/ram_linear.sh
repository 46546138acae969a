#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The allow_ram_linear module parameter: off by default, System RAM refused
# to MAP_LINEAR; read-only after load; the module reloaded with
# allow_ram_linear=1 maps it, and axas_test's System RAM cases run again.
# The module is reloaded from $AXAS_KO (default /axas/axas.ko, where the
# QEMU harness puts it), else with modprobe. Needs root and axasctl.
ksft_skip=4
fail=0
dir=$(cd "$(dirname "$0")" && pwd)
ko=${AXAS_KO:-/axas/axas.ko}

note() { echo "# ram_linear.sh: $*"; }
bad() { echo "# ram_linear.sh: FAILED: $*"; fail=1; }

[ "$(id -u)" = 0 ] || { note "needs root"; exit $ksft_skip; }
command -v axasctl >/dev/null || { note "axasctl not in PATH"; exit $ksft_skip; }
[ -c /dev/axas ] || { bad "/dev/axas missing"; exit 1; }
cd /tmp || exit 1

load() {
	if [ -f "$ko" ]; then insmod "$ko" "$@"; else modprobe axas "$@"; fi
}

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
rmmod axas && load allow_ram_linear=1 || bad "reload with allow_ram_linear=1"
[ "$(cat $param)" = "Y" ] || bad "allow_ram_linear=1 at load is not Y"
if axasctl new ept4 0 4G \; map-linear 0 2M "$ram_hpa" rw \; translate 0x1000 \
	\; dump >/tmp/ram.txt 2>&1; then
	sed 's/^/#   /' /tmp/ram.txt
else
	sed 's/^/#   /' /tmp/ram.txt
	bad "linear map of System RAM $ram_hpa with allow_ram_linear=Y"
fi
note "System RAM cases with allow_ram_linear=Y"
"$dir/axas_test" -t linear_ram_boundary_in_a_page \
	-t allow_ram_linear_load_time_only || bad "axas_test, allow_ram_linear=Y"
# back to the default for the tests after this one
rmmod axas && load || bad "reload without parameters"
exit $fail
