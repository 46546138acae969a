# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the axas hardware verifier on x86_64: QEMU's
# TCG "max" CPU has SVM with nested paging (and LA57), so the kernel can run
# a guest with VMRUN on an AMD nested page table. phys-bits=52 lets a guest
# form every guest-physical address of a 48-bit table (TCG's default is
# 40). Always TCG: /dev/kvm on these machines must not be used.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-accel', 'tcg',
					      '-cpu', 'max,phys-bits=52',
					      '-bios', 'qboot.rom'])
