// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu, x86-64: the backend of vcpu.h is Intel VMX (x86_vmx.c) or
 * AMD SVM (x86_svm.c), whichever the CPU offers, chosen once at load.
 * Without either the device still works and CREATE fails with EOPNOTSUPP.
 */
#include <linux/errno.h>
#include <linux/printk.h>

#include "x86.h"

static const struct axas_x86_backend *x86_backend;

int axas_vcpu_arch_init(void)
{
	static const struct axas_x86_backend *const all[] = {
		&axas_vmx_backend, &axas_svm_backend,
	};
	bool usable;
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		usable = false;
		ret = all[i]->init(&usable);
		if (ret)
			return ret;
		if (usable) {
			x86_backend = all[i];
			return 0;
		}
	}
	pr_info("axas_vcpu: neither Intel VMX with EPT nor AMD SVM with nested paging: vCPUs cannot be created\n");
	return 0;
}

void axas_vcpu_arch_exit(void)
{
	if (x86_backend)
		x86_backend->exit();
}

int axas_vcpu_arch_create(struct axas_vcpu *vcpu)
{
	return x86_backend ? x86_backend->create(vcpu) : -EOPNOTSUPP;
}

/* the functions below only run for a vCPU that create() made */
void axas_vcpu_arch_destroy(struct axas_vcpu *vcpu)
{
	x86_backend->destroy(vcpu);
}

void axas_vcpu_arch_get_regs(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs)
{
	x86_backend->get_regs(vcpu, regs);
}

int axas_vcpu_arch_set_regs(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs)
{
	return x86_backend->set_regs(vcpu, regs);
}

int axas_vcpu_arch_run(struct axas_vcpu *vcpu)
{
	return x86_backend->run(vcpu);
}

void axas_vcpu_arch_invalidate(struct axas_vcpu *vcpu, u64 gpa, u64 size)
{
	x86_backend->invalidate(vcpu, gpa, size);
}
