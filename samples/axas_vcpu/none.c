// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu on a host without a backend (everything but riscv64 so far):
 * the device exists and checks its arguments, AXAS_VCPU_CREATE then fails
 * with EOPNOTSUPP. An arm64 (EL2/VHE) or x86 (VMX) backend implements the
 * functions of vcpu.h the way riscv.c does.
 */
#include <linux/errno.h>

#include "vcpu.h"

int axas_vcpu_arch_init(void)
{
	return 0;
}

void axas_vcpu_arch_exit(void)
{
}

int axas_vcpu_arch_create(struct axas_vcpu *vcpu)
{
	return -EOPNOTSUPP;
}

void axas_vcpu_arch_destroy(struct axas_vcpu *vcpu)
{
}

void axas_vcpu_arch_get_regs(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs)
{
}

int axas_vcpu_arch_set_regs(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs)
{
	return -EOPNOTSUPP;
}

int axas_vcpu_arch_run(struct axas_vcpu *vcpu)
{
	return -EOPNOTSUPP;
}

void axas_vcpu_arch_invalidate(struct axas_vcpu *vcpu, u64 gpa, u64 size)
{
}
