/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu on x86-64: two backends behind the interface of vcpu.h, AMD
 * SVM (x86_svm.c) and Intel VMX (x86_vmx.c). x86.c picks the one the CPU
 * has at load; x86_insn.c holds what both need to emulate an MMIO access.
 */
#ifndef _AXAS_VCPU_X86_H
#define _AXAS_VCPU_X86_H

#include <linux/cpumask.h>
#include <linux/types.h>

#include "vcpu.h"

/**
 * struct axas_x86_backend - one hardware backend
 * @name: for the log
 * @init: probe the CPU and set up per-CPU state; 0 with *@usable false
 *	when the CPU lacks the extension (the next backend is tried)
 * @exit: undo @init (only called after @init returned 0 with *@usable)
 * @create: see vcpu.h (the members below are its functions too)
 * @destroy: see vcpu.h
 * @get_regs: see vcpu.h
 * @set_regs: see vcpu.h
 * @run: see vcpu.h
 * @invalidate: see vcpu.h
 */
struct axas_x86_backend {
	const char *name;
	int (*init)(bool *usable);
	void (*exit)(void);
	int (*create)(struct axas_vcpu *vcpu);
	void (*destroy)(struct axas_vcpu *vcpu);
	void (*get_regs)(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs);
	int (*set_regs)(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs);
	int (*run)(struct axas_vcpu *vcpu);
	void (*invalidate)(struct axas_vcpu *vcpu, u64 gpa, u64 size);
};

extern const struct axas_x86_backend axas_svm_backend;
extern const struct axas_x86_backend axas_vmx_backend;

/* What SET_REGS lets a VMM set, on either backend */
#define AXAS_X86_RFLAGS_SETTABLE (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				  X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
				  X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
				  X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
				  X86_EFLAGS_AC | X86_EFLAGS_ID)
#define AXAS_X86_CR4_SETTABLE	(X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | \
				 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)
#define AXAS_X86_CR0_FIXED	(X86_CR0_PE | X86_CR0_ET | X86_CR0_NE)
#define AXAS_X86_CR0_SETTABLE	(AXAS_X86_CR0_FIXED | X86_CR0_MP | X86_CR0_WP | \
				 X86_CR0_AM | X86_CR0_PG)

int axas_x86_check_regs(const struct axas_vcpu_regs *regs, u64 *efer);

/**
 * struct axas_x86_mmio - a decoded MOV, MOVZX or MOVSX to or from memory
 * @reg: the register operand (encoding order, 0..15)
 * @reg_len: bytes of the register the load writes (1, 2, 4 or 8)
 * @len: bytes of the memory access (1, 2, 4 or 8)
 * @is_signed: MOVSX: the loaded value is sign-extended
 * @store: the instruction writes memory
 */
struct axas_x86_mmio {
	unsigned int reg;
	unsigned int reg_len;
	unsigned int len;
	bool is_signed;
	bool store;
};

int axas_x86_decode(const u8 *insn, unsigned int n, bool lm, struct axas_x86_mmio *m);
int axas_x86_read_insn(struct axas_vcpu *vcpu, u64 rip, bool lm, u8 *insn,
		       unsigned int *n);
void axas_x86_load(u64 *reg, const struct axas_x86_mmio *m, u64 data);
bool axas_x86_mmio_exit(struct axas_vcpu_run *run, u64 gpa,
			const struct axas_x86_mmio *m, u64 reg);
void axas_x86_pio_in(u64 *rax, unsigned int len, u64 data);

/* the SBI-like call of VMMCALL/VMCALL: RAX extension, RBX function */
#define AXAS_X86_SBI_EXT_SRST		0x53525354UL
#define AXAS_X86_SBI_ERR_NOT_SUPPORTED	(-2L)

void axas_x86_call(struct axas_vcpu *vcpu, u64 rax, const unsigned long *gpr);

/**
 * struct axas_x86_tlb - where a vCPU's nested translations may be cached
 * @cpu: the CPU running the guest, or -1
 * @last_cpu: the CPU of the last entry, or -1
 * @ran: CPUs that may hold translations of the vCPU's tag (ASID or EPTP)
 * @flush: CPUs that must flush the tag before they enter the guest again
 * @flush_next: flush at the next entry, on whichever CPU
 */
struct axas_x86_tlb {
	int cpu;
	int last_cpu;
	cpumask_t ran;
	cpumask_t flush;
	bool flush_next;
};

void axas_x86_tlb_init(struct axas_x86_tlb *t);
bool axas_x86_tlb_enter(struct axas_x86_tlb *t, int cpu);
void axas_x86_tlb_exit(struct axas_x86_tlb *t);
void axas_x86_tlb_invalidate(struct axas_x86_tlb *t);

/* axas_x86_nested_fault(): the caller builds the MMIO exit */
#define AXAS_X86_FAULT_MMIO	2

int axas_x86_nested_fault(struct axas_vcpu *vcpu, struct axas_x86_tlb *t,
			  u64 gpa, u32 access);
int axas_x86_run(struct axas_vcpu *vcpu, struct axas_x86_tlb *t,
		 int (*enter_and_handle)(struct axas_vcpu *vcpu));

#endif /* _AXAS_VCPU_X86_H */
