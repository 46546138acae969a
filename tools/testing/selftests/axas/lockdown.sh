#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel lockdown closes linear regions (as it closes /dev/mem). Lockdown
# cannot be undone, so this runs after every other test but rmmod.sh, and
# only where the caller says the machine may be locked down
# (AXAS_LOCKDOWN_OK=1, as the QEMU harness's run does). It must not be
# AXAS_TEST_LOCKDOWN itself: axas_test would lock the kernel down in its
# first run, before the other tests.
ksft_skip=4
dir=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || { echo "# lockdown.sh: needs root"; exit $ksft_skip; }
[ "${AXAS_LOCKDOWN_OK:-}" = 1 ] ||
	{ echo "# lockdown.sh: set AXAS_LOCKDOWN_OK=1 to lock this kernel down"; exit $ksft_skip; }
cd /tmp || exit 1
AXAS_TEST_LOCKDOWN=1 "$dir/axas_test" -t linear_refused_under_lockdown
