# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the second riscv64 boot of tools/ci/kunit-cross.sh:
# the kernel of riscv_h.py on QEMU 10 with Svadu instead of Svade
# (svadu=true, svade=false: QEMU resets menvcfg.ADUE to 1, so G-stage walks
# set A and D themselves). axas_test.hwverify_svadu=1 tells the
# axas_hw_riscv_svadu suite to expect it. QEMU 7.2 has no Svadu, so there
# is no fallback: the script boots this only when QEMU 10 is there.

import os

from ..qemu_config import QemuArchParams

QEMU10 = os.environ.get('AXAS_QEMU10', '/var/tmp/axas/qemu10')
os.environ['PATH'] = os.path.join(QEMU10, 'usr/bin') + os.pathsep + os.environ.get('PATH', '')

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
			   kernel_command_line='console=ttyS0 axas_test.hwverify_svadu=1',
			   extra_qemu_params=['-machine', 'virt', '-cpu',
					      'rv64,h=true,svpbmt=true,svadu=true,svade=false',
					      '-bios', os.path.join(QEMU10, 'usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin')])
