# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the axas hardware verifier on arm64: the kernel
# is entered at EL2 and, with the "max" CPU's VHE, stays there, so it can
# program VTTBR_EL2/VTCR_EL2 and run AT S12E1R/W against a stage-2 table.

from ..qemu_config import QemuArchParams

# One CPU by default: with -smp 2 under TCG the engine's random-ops model
# ran 100-300 times slower (past kunit.py's 1200 s timeout). The suites
# whose threads race boot a second time with --qemu_args='-smp 2'
# (tools/ci/kunit-cross.sh), where they take seconds.

QEMU_ARCH = QemuArchParams(linux_arch='arm64',
			   kconfig='''
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y''',
			   qemu_arch='aarch64',
			   kernel_path='arch/arm64/boot/Image.gz',
			   kernel_command_line='console=ttyAMA0',
			   extra_qemu_params=['-machine', 'virt,virtualization=on',
					      '-cpu', 'max,pauth-impdef=on'])
