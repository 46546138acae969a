// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu, x86-64: what the SVM and VMX backends share: emulating the
 * loads and stores that reach MMIO, IN, and the SBI-like call; tracking
 * where the vCPU's nested translations may be cached; the fault path and
 * the run loop.
 */
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/smp.h>
#include <linux/string.h>

#include <asm/barrier.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "x86.h"

/*
 * The instruction at RIP, read from guest memory (up to 15 bytes, fewer
 * at the end of RAM). With guest paging that assumes RIP is
 * identity-mapped, as the VMM's tables do.
 */
int axas_x86_read_insn(struct axas_vcpu *vcpu, u64 rip, bool lm, u8 *insn,
		       unsigned int *n)
{
	if (!lm)
		rip &= U32_MAX;
	vcpu->run->stats.insn_reads++;
	*n = 15;
	while (*n && axas_read(vcpu->as, rip, insn, *n) != *n)
		(*n)--;
	return *n ? 0 : -EFAULT;
}

/*
 * Decode the loads and stores the sample emulates: MOV r/m <-> r in 8,
 * 16, 32 and 64 bits (88, 89, 8a, 8b with 66/REX prefixes), MOVZX and
 * MOVSX of 8 or 16 bits (0f b6/b7/be/bf). Returns the length, or < 0.
 */
int axas_x86_decode(const u8 *insn, unsigned int n, bool lm, struct axas_x86_mmio *m)
{
	unsigned int i = 0, rex = 0, op, modrm, mod, rm;
	bool osz = false, twobyte = false;

	for (; i < n; i++) {
		if (insn[i] == 0x66)
			osz = true;
		else if (insn[i] == 0x2e || insn[i] == 0x3e || insn[i] == 0x26 ||
			 insn[i] == 0x36 || insn[i] == 0x64 || insn[i] == 0x65)
			continue;
		else
			break;
	}
	if (lm && i < n && (insn[i] & 0xf0) == 0x40)
		rex = insn[i++];
	if (i < n && insn[i] == 0x0f) {
		twobyte = true;
		i++;
	}
	if (i + 1 >= n)
		return -EINVAL;
	op = insn[i++];
	modrm = insn[i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	m->reg = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
	if (mod == 3)
		return -EINVAL;
	if (rm == 4) {		/* SIB */
		if (i >= n)
			return -EINVAL;
		if (mod == 0 && (insn[i] & 7) == 5)
			i += 4;
		i++;
	} else if (mod == 0 && rm == 5) {
		i += 4;		/* disp32 or RIP-relative */
	}
	i += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (i > n)
		return -EINVAL;

	m->is_signed = false;
	m->reg_len = rex & 8 ? 8 : osz ? 2 : 4;
	if (!twobyte) {
		switch (op) {
		case 0x88:
		case 0x8a:
			m->len = 1;
			m->reg_len = 1;
			/* without REX, registers 4..7 are AH, CH, DH, BH */
			if (!rex && m->reg >= 4)
				return -EINVAL;
			break;
		case 0x89:
		case 0x8b:
			m->len = m->reg_len;
			break;
		default:
			return -EINVAL;
		}
		m->store = op == 0x88 || op == 0x89;
		return i;
	}
	switch (op) {
	case 0xb6:
	case 0xbe:
		m->len = 1;
		break;
	case 0xb7:
	case 0xbf:
		m->len = 2;
		break;
	default:
		return -EINVAL;
	}
	m->is_signed = op >= 0xbe;
	m->store = false;
	return i;
}

/**
 * axas_x86_mmio_exit() - the MMIO exit of a decoded access, for the VMM
 * @run: the run structure
 * @gpa: the address accessed
 * @m: the access, from axas_x86_decode()
 * @reg: the value of the access's register (a store's data)
 *
 * Return: true for a store, false for a load (the VMM's answer goes to the
 * register at completion, axas_x86_load()).
 */
bool axas_x86_mmio_exit(struct axas_vcpu_run *run, u64 gpa,
			const struct axas_x86_mmio *m, u64 reg)
{
	run->exit_reason = AXAS_VCPU_EXIT_MMIO;
	run->mmio.gpa = gpa;
	run->mmio.len = m->len;
	run->mmio.is_write = m->store;
	run->mmio.data = m->store ? axas_vcpu_mmio_extend(reg, m->len, false) : 0;
	return m->store;
}

/* the load's result into its register, as the CPU would have written it */
void axas_x86_load(u64 *reg, const struct axas_x86_mmio *m, u64 data)
{
	u64 v = axas_vcpu_mmio_extend(data, m->len, m->is_signed), keep;

	/* 32-bit results zero the upper half; 8 and 16 keep the rest */
	if (m->reg_len == 4) {
		*reg = (u32)v;
	} else if (m->reg_len == 8) {
		*reg = v;
	} else {
		keep = ~0ULL << (8 * m->reg_len);
		*reg = (*reg & keep) | (v & ~keep);
	}
}

/* IN's result into AL, AX or EAX (EAX zero-extends into RAX) */
void axas_x86_pio_in(u64 *rax, unsigned int len, u64 data)
{
	unsigned int bits = 8 * len;
	u64 v = data & ((1ULL << bits) - 1);

	*rax = bits == 32 ? v : (*rax & ~((1ULL << bits) - 1)) | v;
}

/*
 * The exit of the SBI-like call: RAX extension, RBX function, RCX, RDX,
 * RSI, RDI, R8, R9 the arguments (@gpr in encoding order, RAX apart).
 */
void axas_x86_call(struct axas_vcpu *vcpu, u64 rax, const unsigned long *gpr)
{
	static const unsigned int args[6] = { 1, 2, 6, 7, 8, 9 };
	struct axas_vcpu_run *run = vcpu->run;
	int i;

	memset(&run->sbi, 0, sizeof(run->sbi));
	run->sbi.extension_id = rax;
	run->sbi.function_id = gpr[3];
	for (i = 0; i < 6; i++)
		run->sbi.args[i] = gpr[args[i]];
	run->sbi.ret[0] = AXAS_X86_SBI_ERR_NOT_SUPPORTED;
	run->sbi.ret[1] = 0;
	run->exit_reason = rax == AXAS_X86_SBI_EXT_SRST && gpr[3] == 0 ?
			   AXAS_VCPU_EXIT_SHUTDOWN : AXAS_VCPU_EXIT_SBI;
}

void axas_x86_tlb_init(struct axas_x86_tlb *t)
{
	t->cpu = -1;
	t->last_cpu = -1;
}

/*
 * With interrupts disabled, before entering the guest on @cpu. Returns
 * whether the vCPU's tag must be flushed first: the first time it runs
 * here, at the first entry of a RUN or after a spurious fault
 * (flush_next), and when axas invalidated a range since it last ran here.
 */
bool axas_x86_tlb_enter(struct axas_x86_tlb *t, int cpu)
{
	bool flush;

	/* seen by axas_x86_tlb_invalidate() before the flush mask is read */
	WRITE_ONCE(t->cpu, cpu);
	if (!cpumask_test_cpu(cpu, &t->ran))
		cpumask_set_cpu(cpu, &t->ran);
	/* cpu and ran before the flush mask: pairs with the invalidation */
	smp_mb();
	flush = cpumask_test_and_clear_cpu(cpu, &t->flush) || t->flush_next ||
		t->last_cpu != cpu;
	t->flush_next = false;
	t->last_cpu = cpu;
	return flush;
}

/* after the exit, interrupts still disabled */
void axas_x86_tlb_exit(struct axas_x86_tlb *t)
{
	WRITE_ONCE(t->cpu, -1);
}

static void axas_x86_kick(void *arg)
{
	/* the interrupt itself ended the guest's slice */
}

/*
 * The invalidation callback: every CPU the vCPU ran on flushes before its
 * next entry; the one running it now gets an IPI, which ends the guest's
 * slice, and this returns once that CPU took it (out of the guest).
 */
void axas_x86_tlb_invalidate(struct axas_x86_tlb *t)
{
	int cpu;

	/* the table change before the masks: see axas_x86_tlb_enter() */
	smp_mb();
	for_each_cpu(cpu, &t->ran)
		cpumask_set_cpu(cpu, &t->flush);
	/* the flush mask before t->cpu: pairs with axas_x86_tlb_enter() */
	smp_mb();
	cpu = READ_ONCE(t->cpu);
	if (cpu >= 0)
		smp_call_function_single(cpu, axas_x86_kick, NULL, 1);
}

/*
 * A nested-page fault (#NPF, EPT violation) at @gpa needing @access:
 * 1 when axas resolved it (resume the guest), 0 with a FAULT exit filled
 * in, AXAS_X86_FAULT_MMIO where no region is (the caller decodes the
 * access), < 0 when RUN fails.
 */
int axas_x86_nested_fault(struct axas_vcpu *vcpu, struct axas_x86_tlb *t,
			  u64 gpa, u32 access)
{
	struct axas_vcpu_run *run = vcpu->run;
	u32 result;
	int ret;

	ret = axas_handle_page_fault(vcpu->as, gpa, access, &result);
	if (ret)
		return ret;
	switch (result) {
	case AXAS_FAULT_HANDLED:
		run->stats.guest_faults++;
		return 1;
	case AXAS_FAULT_SPURIOUS:
		/* the CPU may hold the old entry: flush at the next entry */
		run->stats.spurious_faults++;
		t->flush_next = true;
		return 1;
	case AXAS_FAULT_NOT_MAPPED:
		return AXAS_X86_FAULT_MMIO;
	default:
		run->exit_reason = AXAS_VCPU_EXIT_FAULT;
		run->fault.gpa = gpa;
		run->fault.access = access;
		run->fault.result = result;
		return 0;
	}
}

/*
 * One RUN, after the backend completed the last exit: axas_vcpu_run_loop(),
 * with the vCPU's TLB tag flushed at its first entry (flush_next).
 */
int axas_x86_run(struct axas_vcpu *vcpu, struct axas_x86_tlb *t,
		 int (*enter_and_handle)(struct axas_vcpu *vcpu))
{
	t->flush_next = true;
	return axas_vcpu_run_loop(vcpu, enter_and_handle);
}

/**
 * axas_x86_check_regs() - the registers a VMM sets, checked for either backend
 * @regs: from SET_REGS
 * @efer: out: the guest's EFER (LME, NX, and LMA when paging in long mode)
 *
 * A guest runs in protected mode without paging, or in long mode with its
 * own page tables (32-bit paging is not offered); only the RFLAGS, CR0 and
 * CR4 bits of AXAS_X86_*_SETTABLE may be set.
 *
 * Return: 0, or -EINVAL.
 */
int axas_x86_check_regs(const struct axas_vcpu_regs *regs, u64 *efer)
{
	bool pg = regs->cr0 & X86_CR0_PG, lme = regs->efer & EFER_LME;

	if ((regs->rflags & ~(AXAS_X86_RFLAGS_SETTABLE | X86_EFLAGS_FIXED)) ||
	    (regs->cr0 & ~AXAS_X86_CR0_SETTABLE) || !(regs->cr0 & X86_CR0_PE) ||
	    (regs->cr4 & ~AXAS_X86_CR4_SETTABLE) ||
	    (regs->efer & ~(EFER_LME | EFER_LMA | EFER_NX)))
		return -EINVAL;
	/* 32-bit paging is not offered: paging means long mode */
	if (pg && (!lme || !(regs->cr4 & X86_CR4_PAE)))
		return -EINVAL;
	if ((regs->efer & EFER_LMA) && !(pg && lme))
		return -EINVAL;
	if (!pg && regs->rip > U32_MAX)
		return -EINVAL;
	*efer = (regs->efer & (EFER_LME | EFER_NX)) | (pg && lme ? EFER_LMA : 0);
	return 0;
}
