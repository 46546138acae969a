# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the axas hardware verifier on riscv64: a CPU with
# the H extension, so the kernel runs in HS-mode and can load hgatp and use
# HLV/HSV against a G-stage table.
#
# QEMU 10 (unpacked from Debian's bookworm-backports by tools/ci/kunit-cross.sh
# into $AXAS_QEMU10, default /var/tmp/axas/qemu10) is preferred: QEMU 7.2
# faults every guest-physical address that needs the two extra root bits of
# an x4 format (bit 40 and up on Sv39x4: the upper half of its 2 TiB),
# checks R instead of X for HLVX and has no svade switch. Without QEMU 10
# this falls back to the system QEMU and tells the tests so on the kernel
# command line (axas_test.hwverify_qemu7=1), which leaves exactly those probes to
# the software walk.

import os

from ..qemu_config import QemuArchParams

QEMU10 = os.environ.get('AXAS_QEMU10', '/var/tmp/axas/qemu10')
QEMU10_BIN = os.path.join(QEMU10, 'usr/bin')
QEMU10_SBI = os.path.join(QEMU10, 'usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin')

if os.access(os.path.join(QEMU10_BIN, 'qemu-system-riscv64'), os.X_OK) and \
   os.path.isfile(QEMU10_SBI):
	os.environ['PATH'] = QEMU10_BIN + os.pathsep + os.environ.get('PATH', '')
	BIOS = QEMU10_SBI
	CPU = 'rv64,h=true,svpbmt=true,svadu=false,svade=true'
	CMDLINE = 'console=ttyS0'
	print('axas: riscv KUnit runs on QEMU 10 from ' + QEMU10)
else:
	BIOS = '/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin'
	CPU = 'rv64,h=true,svpbmt=true'
	CMDLINE = 'console=ttyS0 axas_test.hwverify_qemu7=1'
	print('axas: QEMU 10 not found in ' + QEMU10 +
	      '; falling back to the system QEMU 7.2: probes above the non-x4 width and HLVX left to software')

# One CPU by default: with -smp 2 under TCG the engine's random-ops model
# ran 100-300 times slower (past kunit.py's 1200 s timeout). The suites
# whose threads race boot a second time with --qemu_args='-smp 2'
# (tools/ci/kunit-cross.sh), where they take seconds.
QEMU_ARCH = QemuArchParams(linux_arch='riscv',
			   kconfig='''
CONFIG_ARCH_VIRT=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SERIAL_OF_PLATFORM=y
CONFIG_RISCV_SBI_V01=y
CONFIG_SERIAL_EARLYCON_RISCV_SBI=y''',
			   qemu_arch='riscv64',
			   kernel_path='arch/riscv/boot/Image',
			   kernel_command_line=CMDLINE,
			   extra_qemu_params=['-machine', 'virt', '-cpu', CPU,
					      '-bios', BIOS])
