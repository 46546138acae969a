#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Last test: the module goes away once nothing holds it (every address-space
# fd of the earlier tests is closed), and /dev/axas with it.
ksft_skip=4

[ "$(id -u)" = 0 ] || { echo "# rmmod.sh: needs root"; exit $ksft_skip; }
[ -d /sys/module/axas ] || { echo "# rmmod.sh: axas is not loaded"; exit $ksft_skip; }
if ! rmmod axas; then
	echo "# rmmod axas failed"
	lsmod | sed 's/^/#   /'
	exit 1
fi
if [ -e /dev/axas ]; then
	echo "# /dev/axas still there after rmmod"
	exit 1
fi
echo "# axas unloaded"
