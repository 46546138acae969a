/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu: the parts every architecture shares and the backend interface.
 *
 * main.c owns the device, the vCPU file and the binding to axas; a backend
 * (riscv.c, arm64.c, x86_svm.c or x86_vmx.c behind x86.c, or none.c on
 * hosts without one) owns the guest state and the world switch.
 */
#ifndef _AXAS_VCPU_H
#define _AXAS_VCPU_H

#include <linux/atomic.h>
#include <linux/axas.h>
#include <linux/bits.h>
#include <linux/types.h>

#include "axas_vcpu.h"

struct axas_vcpu_arch;

/**
 * struct axas_vcpu - one virtual CPU
 * @consumer: binding to the address space (invalidation callback)
 * @as: the address space, referenced for the vCPU's lifetime
 * @run: the shared run structure (one page, mmap()ed by the VMM)
 * @running: 1 while RUN, GET_REGS or SET_REGS works (another gets EBUSY)
 * @invalidations: invalidation callbacks received (copied into the run
 *	structure's stats at each exit)
 * @arch: the backend's state
 */
struct axas_vcpu {
	struct axas_consumer consumer;
	struct axas_aspace *as;
	struct axas_vcpu_run *run;
	atomic_t running;
	atomic64_t invalidations;
	struct axas_vcpu_arch *arch;
};

/* Test-only switches (module parameters, see main.c). */
extern bool axas_vcpu_test_no_invalidate;
extern bool axas_vcpu_test_quiet;
extern bool axas_vcpu_test_no_htinst;

/*
 * The backend interface. Every function but axas_vcpu_arch_invalidate()
 * is called from the vCPU's own file operations, never two at a time for
 * one vCPU except get/set_regs racing a RUN, which the caller forbids.
 */
int axas_vcpu_arch_init(void);
void axas_vcpu_arch_exit(void);
int axas_vcpu_arch_create(struct axas_vcpu *vcpu);
void axas_vcpu_arch_destroy(struct axas_vcpu *vcpu);
void axas_vcpu_arch_get_regs(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs);
int axas_vcpu_arch_set_regs(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs);
int axas_vcpu_arch_run(struct axas_vcpu *vcpu);
void axas_vcpu_arch_invalidate(struct axas_vcpu *vcpu, u64 gpa, u64 size);

/* For the backends (main.c). */
int axas_vcpu_run_loop(struct axas_vcpu *vcpu,
		       int (*enter_and_handle)(struct axas_vcpu *vcpu));

/**
 * axas_vcpu_mmio_extend() - the value an MMIO load leaves, before it is
 *	written to a register
 * @data: the VMM's answer (run->mmio.data)
 * @len: the bytes loaded: 1, 2, 4 or 8
 * @sign: the load sign-extends (else it zero-extends)
 *
 * Return: the low @len bytes of @data, extended to 64 bits.
 */
static inline u64 axas_vcpu_mmio_extend(u64 data, unsigned int len, bool sign)
{
	unsigned int bits = 8 * len;

	if (bits >= 64)
		return data;
	data &= BIT_ULL(bits) - 1;
	if (sign && (data & BIT_ULL(bits - 1)))
		data |= ~0ULL << bits;
	return data;
}

#endif /* _AXAS_VCPU_H */
