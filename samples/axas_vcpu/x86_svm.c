// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu, x86-64 backend: AMD SVM with nested paging. The guest runs
 * with VMRUN on a VMCB whose nCR3 is the root register of an axas AMD NPT
 * space (AXAS_FMT_AMD_NPT4 or _NPT5, the host's paging depth).
 *
 * One RUN loops in the kernel like the RISC-V backend: enter the guest with
 * interrupts disabled and GIF clear, come back on any #VMEXIT, set GIF and
 * enable interrupts (a host interrupt that ended the guest's slice is taken
 * there), then handle the exit. #NPF on lazy RAM is resolved with
 * axas_handle_page_fault() without leaving the ioctl; #NPF where no region
 * is exits as MMIO (the load or store decoded from the guest's code), IN
 * and OUT exit as PIO, VMMCALL as an SBI-like call, HLT as shutdown.
 *
 * SVM ownership: EFER.SVME and VM_HSAVE_PA are taken per entry, with
 * interrupts disabled, and restored before they are enabled again. A CPU
 * on which EFER.SVME is already set belongs to another hypervisor (KVM
 * sets it while it has VMs, or from kvm_amd's load on 6.12): RUN fails
 * with EBUSY there rather than share its ASIDs.
 *
 * TLB: each vCPU has an ASID of its own (from the top of the range down;
 * KVM takes them from 1 up). A CPU flushes the ASID (TLB_CONTROL) the first
 * time the vCPU runs there, at the first entry of every RUN, and whenever
 * axas invalidated a range since the vCPU last ran there. The invalidation
 * callback marks every CPU the vCPU ran on and sends an IPI to the CPU
 * that is running it, if any: the IPI ends the guest's slice (INTR
 * intercept) and the next entry flushes. on_each_cpu semantics (wait for
 * the handler) make the callback return only once that CPU is out of the
 * guest.
 */
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/svm.h>

#include "x86.h"

void axas_svm_enter(u64 vmcb_pa, u64 host_pa, unsigned long *gpr,
		    unsigned long irqs);

#define SVM_IOPM_ORDER		2	/* 12 KiB used */
#define SVM_MSRPM_ORDER		1	/* 8 KiB */
/* #NPF EXITINFO1: the page-fault error code bits the sample reads */
#define SVM_NPF_W		BIT_ULL(1)
#define SVM_NPF_ID		BIT_ULL(4)
/* the TPR class that keeps the local timer (0xec) out, not IPIs (0xf?) */
#define SVM_QUIET_CR8		0xe

/* what the next RUN must finish before entering the guest again */
enum svm_pending {
	SVM_PENDING_NONE,
	SVM_PENDING_MMIO_LOAD,
	SVM_PENDING_MMIO_STORE,
	SVM_PENDING_PIO_IN,
	SVM_PENDING_PIO_OUT,
	SVM_PENDING_CALL,
};

struct axas_vcpu_arch {
	struct vmcb *vmcb;
	struct page *iopm;
	struct page *msrpm;
	unsigned long gpr[16];
	u32 asid;
	struct axas_x86_tlb tlb;	/* where asid may be cached */
	enum svm_pending pending;
	u64 next_rip;
	struct axas_x86_mmio mmio;
};

static inline unsigned long svm_read_cr8(void)
{
	unsigned long v;

	asm volatile("mov %%cr8, %0" : "=r" (v));
	return v;
}

static inline void svm_write_cr8(unsigned long v)
{
	asm volatile("mov %0, %%cr8" : : "r" (v) : "memory");
}

struct svm_cpu {
	struct page *hsave;	/* VM_HSAVE_PA */
	struct page *host;	/* VMSAVE area of the host */
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
static bool svm_ok;
static u32 svm_nasid;
static DEFINE_IDA(svm_asid_ida);

static void svm_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);

		if (c->hsave)
			__free_page(c->hsave);
		if (c->host)
			__free_page(c->host);
		c->hsave = NULL;
		c->host = NULL;
	}
}

static int svm_init(bool *usable)
{
	u64 vm_cr;
	int cpu;

	if (!boot_cpu_has(X86_FEATURE_SVM) || !boot_cpu_has(X86_FEATURE_NPT))
		return 0;
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK) {
		pr_info("axas_vcpu: SVM disabled by the firmware (VM_CR.SVMDIS)\n");
		return 0;
	}
	svm_nasid = cpuid_ebx(SVM_CPUID_FUNC);
	if (svm_nasid < 2) {
		pr_info("axas_vcpu: SVM without ASIDs\n");
		return 0;
	}
	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);

		c->hsave = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
		c->host = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
		if (!c->hsave || !c->host) {
			svm_free_cpus();
			return -ENOMEM;
		}
	}
	svm_ok = true;
	*usable = true;
	pr_info("axas_vcpu: x86-64 AMD SVM with nested paging, %u ASIDs\n", svm_nasid);
	return 0;
}

static void svm_exit(void)
{
	svm_free_cpus();
	ida_destroy(&svm_asid_ida);
}

static void svm_seg(struct vmcb_seg *seg, u16 sel, u16 attrib, u32 limit)
{
	seg->selector = sel;
	seg->attrib = attrib;
	seg->limit = limit;
	seg->base = 0;
}

/* flat segments for the guest's mode: long mode or 32-bit protected mode */
static void svm_set_segments(struct vmcb_save_area *s)
{
	const u16 p = SVM_SELECTOR_S_MASK | SVM_SELECTOR_P_MASK | SVM_SELECTOR_G_MASK;
	bool lm = s->efer & EFER_LMA;
	u16 code = 0xb | p | (lm ? SVM_SELECTOR_L_MASK : SVM_SELECTOR_DB_MASK);
	u16 data = 0x3 | p | SVM_SELECTOR_DB_MASK;

	svm_seg(&s->cs, 0x08, code, 0xffffffff);
	svm_seg(&s->ds, 0x10, data, 0xffffffff);
	svm_seg(&s->es, 0x10, data, 0xffffffff);
	svm_seg(&s->ss, 0x10, data, 0xffffffff);
	svm_seg(&s->fs, 0x10, data, 0xffffffff);
	svm_seg(&s->gs, 0x10, data, 0xffffffff);
	/* a busy TSS and an empty LDT; the guest has no descriptor tables */
	svm_seg(&s->tr, 0x18, 0xb | SVM_SELECTOR_P_MASK, 0x67);
	svm_seg(&s->ldtr, 0, 0x2 | SVM_SELECTOR_P_MASK, 0);
	svm_seg(&s->gdtr, 0, 0, 0xffff);
	svm_seg(&s->idtr, 0, 0, 0xffff);
}

static void svm_build_vmcb(struct axas_vcpu_arch *a, u64 ncr3)
{
	struct vmcb_control_area *c = &a->vmcb->control;
	struct vmcb_save_area *s = &a->vmcb->save;
	unsigned long *icpt = (unsigned long *)c->intercepts;

	c->intercepts[INTERCEPT_EXCEPTION] = ~0U;
	__set_bit(INTERCEPT_INTR, icpt);
	__set_bit(INTERCEPT_NMI, icpt);
	__set_bit(INTERCEPT_SMI, icpt);
	__set_bit(INTERCEPT_INIT, icpt);
	__set_bit(INTERCEPT_HLT, icpt);
	__set_bit(INTERCEPT_INVLPGA, icpt);
	__set_bit(INTERCEPT_IOIO_PROT, icpt);
	__set_bit(INTERCEPT_MSR_PROT, icpt);
	__set_bit(INTERCEPT_SHUTDOWN, icpt);
	__set_bit(INTERCEPT_VMRUN, icpt);
	__set_bit(INTERCEPT_VMMCALL, icpt);
	__set_bit(INTERCEPT_VMLOAD, icpt);
	__set_bit(INTERCEPT_VMSAVE, icpt);
	__set_bit(INTERCEPT_STGI, icpt);
	__set_bit(INTERCEPT_CLGI, icpt);
	__set_bit(INTERCEPT_SKINIT, icpt);
	__set_bit(INTERCEPT_RDTSCP, icpt);
	__set_bit(INTERCEPT_MONITOR, icpt);
	__set_bit(INTERCEPT_MWAIT, icpt);
	c->iopm_base_pa = page_to_phys(a->iopm);
	c->msrpm_base_pa = page_to_phys(a->msrpm);
	c->asid = a->asid;
	/* the host's RFLAGS.IF gates physical interrupts, the guest's virtual ones */
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = ncr3;

	s->efer = EFER_SVME;
	s->cr0 = AXAS_X86_CR0_FIXED;
	s->rflags = X86_EFLAGS_FIXED;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ULL;	/* the power-on PAT */
	svm_set_segments(s);
}

static int svm_create(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a;
	struct axas_hw_regs hw;
	int id, ret;

	if (!svm_ok)
		return -EOPNOTSUPP;
	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	axas_x86_tlb_init(&a->tlb);
	id = ida_alloc_max(&svm_asid_ida, svm_nasid - 2, GFP_KERNEL);
	if (id < 0) {
		ret = id == -ENOSPC ? -EBUSY : id;
		goto err_free;
	}
	a->asid = svm_nasid - 1 - id;
	ret = axas_aspace_hw_regs(vcpu->as, a->asid, &hw);
	if (ret)
		goto err_asid;
	if (hw.format != (pgtable_l5_enabled() ? AXAS_FMT_AMD_NPT5 : AXAS_FMT_AMD_NPT4)) {
		ret = -EINVAL;	/* not a nested table the CPU walks */
		goto err_asid;
	}
	ret = -ENOMEM;
	a->vmcb = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!a->vmcb)
		goto err_asid;
	a->iopm = alloc_pages(GFP_KERNEL_ACCOUNT, SVM_IOPM_ORDER);
	if (!a->iopm)
		goto err_vmcb;
	a->msrpm = alloc_pages(GFP_KERNEL_ACCOUNT, SVM_MSRPM_ORDER);
	if (!a->msrpm)
		goto err_iopm;
	/* every port and every MSR intercepted */
	memset(page_address(a->iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(a->msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	svm_build_vmcb(a, hw.root_reg);
	vcpu->arch = a;
	return 0;

err_iopm:
	__free_pages(a->iopm, SVM_IOPM_ORDER);
err_vmcb:
	free_page((unsigned long)a->vmcb);
err_asid:
	ida_free(&svm_asid_ida, svm_nasid - 1 - a->asid);
err_free:
	kfree(a);
	return ret;
}

static void svm_destroy(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;

	/* A later owner of the ASID flushes it on each CPU before use. */
	ida_free(&svm_asid_ida, svm_nasid - 1 - a->asid);
	__free_pages(a->msrpm, SVM_MSRPM_ORDER);
	__free_pages(a->iopm, SVM_IOPM_ORDER);
	free_page((unsigned long)a->vmcb);
	kfree(a);
}

static void svm_get_regs(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	const struct vmcb_save_area *s = &a->vmcb->save;

	memcpy(regs->gpr, a->gpr, sizeof(regs->gpr));
	regs->gpr[0] = s->rax;
	regs->gpr[4] = s->rsp;
	regs->rip = s->rip;
	regs->rflags = s->rflags;
	regs->cr0 = s->cr0;
	regs->cr3 = s->cr3;
	regs->cr4 = s->cr4;
	regs->efer = s->efer & (EFER_LME | EFER_LMA | EFER_NX);
}

static int svm_set_regs(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct vmcb_save_area *s = &a->vmcb->save;
	u64 efer;

	if (axas_x86_check_regs(regs, &efer))
		return -EINVAL;

	memcpy(a->gpr, regs->gpr, sizeof(a->gpr));
	s->rax = regs->gpr[0];
	s->rsp = regs->gpr[4];
	s->rip = regs->rip;
	s->rflags = regs->rflags | X86_EFLAGS_FIXED;
	s->cr0 = regs->cr0 | X86_CR0_ET | X86_CR0_NE;
	s->cr3 = regs->cr3;
	s->cr4 = regs->cr4;
	s->efer = EFER_SVME | efer;
	svm_set_segments(s);
	/* new registers: an exit that was not completed is forgotten */
	a->pending = SVM_PENDING_NONE;
	return 0;
}

/* 0, or -EBUSY when another hypervisor owns SVM on this CPU */
static int svm_enter(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct vmcb_control_area *c = &a->vmcb->control;
	bool quiet = READ_ONCE(axas_vcpu_test_quiet);
	u64 efer, hsave, vmcb_pa = virt_to_phys(a->vmcb);
	unsigned long cr8 = 0;
	struct svm_cpu *sc;
	int cpu;

	local_irq_disable();
	cpu = smp_processor_id();
	sc = this_cpu_ptr(&svm_cpus);
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		local_irq_enable();
		return -EBUSY;
	}
	rdmsrl(MSR_VM_HSAVE_PA, hsave);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));

	c->tlb_ctl = axas_x86_tlb_enter(&a->tlb, cpu) ? TLB_CONTROL_FLUSH_ASID :
						       TLB_CONTROL_DO_NOTHING;
	c->clean = 0;

	/* test only: a TPR that keeps the timer out, IPIs (class 15) in */
	if (quiet) {
		cr8 = svm_read_cr8();
		svm_write_cr8(SVM_QUIET_CR8);
	}
	asm volatile("clgi" : : : "memory");
	axas_svm_enter(vmcb_pa, page_to_phys(sc->host), a->gpr, 1);
	asm volatile("stgi" : : : "memory");
	if (quiet)
		svm_write_cr8(cr8);

	axas_x86_tlb_exit(&a->tlb);
	wrmsrl(MSR_VM_HSAVE_PA, hsave);
	wrmsrl(MSR_EFER, efer);
	local_irq_enable();
	return 0;
}

static void svm_exit_exception(struct axas_vcpu *vcpu)
{
	const struct vmcb *v = vcpu->arch->vmcb;
	struct axas_vcpu_run *run = vcpu->run;

	run->exit_reason = AXAS_VCPU_EXIT_EXCEPTION;
	run->exception.scause = v->control.exit_code;
	run->exception.stval = v->control.exit_info_1;
	run->exception.htval = v->control.exit_info_2;
	run->exception.htinst = v->save.rip;
}

/*
 * The instruction that faulted: the bytes SVM decode assists give, or
 * (QEMU gives none) 15 bytes read from guest memory at RIP.
 */
static int svm_fetch(struct axas_vcpu *vcpu, u8 *insn, unsigned int *n)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	const struct vmcb_control_area *c = &a->vmcb->control;
	u64 rip = a->vmcb->save.rip;

	if (c->insn_len && c->insn_len <= 15) {
		memcpy(insn, c->insn_bytes, c->insn_len);
		*n = c->insn_len;
		return 0;
	}
	return axas_x86_read_insn(vcpu, rip, a->vmcb->save.efer & EFER_LMA, insn, n);
}

static u64 *svm_reg(struct axas_vcpu_arch *a, unsigned int reg)
{
	if (reg == 0)
		return &a->vmcb->save.rax;
	if (reg == 4)
		return &a->vmcb->save.rsp;
	return (u64 *)&a->gpr[reg];
}

static void svm_exit_mmio(struct axas_vcpu *vcpu, u64 gpa, bool fetch)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	unsigned int n;
	u8 insn[15];
	int ilen;

	if (fetch || svm_fetch(vcpu, insn, &n))
		goto bad;
	ilen = axas_x86_decode(insn, n, a->vmcb->save.efer & EFER_LMA, &a->mmio);
	if (ilen < 0)
		goto bad;
	if (axas_x86_mmio_exit(run, gpa, &a->mmio, *svm_reg(a, a->mmio.reg)))
		a->pending = SVM_PENDING_MMIO_STORE;
	else
		a->pending = SVM_PENDING_MMIO_LOAD;
	a->next_rip = a->vmcb->save.rip + ilen;
	return;
bad:
	svm_exit_exception(vcpu);
}

static void svm_exit_pio(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	const struct vmcb_control_area *c = &a->vmcb->control;
	struct axas_vcpu_run *run = vcpu->run;
	u32 info = c->exit_info_1;
	unsigned int len = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;

	if (info & (SVM_IOIO_STR_MASK | SVM_IOIO_REP_MASK) ||
	    (len != 1 && len != 2 && len != 4)) {
		svm_exit_exception(vcpu);
		return;
	}
	run->exit_reason = AXAS_VCPU_EXIT_PIO;
	run->pio.port = info >> 16;
	run->pio.len = len;
	run->pio.is_write = !(info & SVM_IOIO_TYPE_MASK);
	run->pio.reserved = 0;
	run->pio.data = 0;
	if (run->pio.is_write) {
		run->pio.data = a->vmcb->save.rax & ((1ULL << (8 * len)) - 1);
		a->pending = SVM_PENDING_PIO_OUT;
	} else {
		a->pending = SVM_PENDING_PIO_IN;
	}
	a->next_rip = c->exit_info_2;
}

static void svm_exit_call(struct axas_vcpu *vcpu, bool hlt)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;

	if (hlt) {
		memset(&run->sbi, 0, sizeof(run->sbi));
		run->exit_reason = AXAS_VCPU_EXIT_SHUTDOWN;
		a->next_rip = a->vmcb->save.rip + 1;
		a->pending = SVM_PENDING_NONE;
		return;
	}
	axas_x86_call(vcpu, a->vmcb->save.rax, a->gpr);
	a->next_rip = a->vmcb->save.rip + 3;
	a->pending = SVM_PENDING_CALL;
}

/* 1: resume the guest; 0: exit to the VMM; < 0: RUN fails */
static int svm_handle_exit(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	const struct vmcb_control_area *c = &a->vmcb->control;
	struct axas_vcpu_run *run = vcpu->run;
	u64 gpa = c->exit_info_2, err = c->exit_info_1;
	u32 access;
	int ret;

	switch (c->exit_code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		run->stats.irq_exits++;
		return 1;
	case SVM_EXIT_VMMCALL:
		svm_exit_call(vcpu, false);
		return 0;
	case SVM_EXIT_HLT:
		svm_exit_call(vcpu, true);
		return 0;
	case SVM_EXIT_IOIO:
		svm_exit_pio(vcpu);
		return 0;
	case SVM_EXIT_NPF:
		break;
	default:
		svm_exit_exception(vcpu);
		return 0;
	}

	access = err & SVM_NPF_W ? AXAS_MAP_WRITE :
		 err & SVM_NPF_ID ? AXAS_MAP_EXEC : AXAS_MAP_READ;
	ret = axas_x86_nested_fault(vcpu, &a->tlb, gpa, access);
	if (ret != AXAS_X86_FAULT_MMIO)
		return ret;
	svm_exit_mmio(vcpu, gpa, access == AXAS_MAP_EXEC);
	return 0;
}

/* finish the exit the VMM has seen: load result, step over the instruction */
static void svm_complete(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;

	switch (a->pending) {
	case SVM_PENDING_MMIO_LOAD:
		axas_x86_load(svm_reg(a, a->mmio.reg), &a->mmio, run->mmio.data);
		break;
	case SVM_PENDING_PIO_IN:
		axas_x86_pio_in(&a->vmcb->save.rax, run->pio.len, run->pio.data);
		break;
	case SVM_PENDING_CALL:
		a->vmcb->save.rax = run->sbi.ret[0];
		a->gpr[2] = run->sbi.ret[1];
		break;
	case SVM_PENDING_MMIO_STORE:
	case SVM_PENDING_PIO_OUT:
		break;
	case SVM_PENDING_NONE:
		return;
	}
	a->vmcb->save.rip = a->next_rip;
	a->pending = SVM_PENDING_NONE;
}

static int svm_enter_and_handle(struct axas_vcpu *vcpu)
{
	return svm_enter(vcpu) ?: svm_handle_exit(vcpu);
}

static int svm_run(struct axas_vcpu *vcpu)
{
	svm_complete(vcpu);
	return axas_x86_run(vcpu, &vcpu->arch->tlb, svm_enter_and_handle);
}

static void svm_invalidate(struct axas_vcpu *vcpu, u64 gpa, u64 size)
{
	axas_x86_tlb_invalidate(&vcpu->arch->tlb);
}

const struct axas_x86_backend axas_svm_backend = {
	.name = "AMD SVM",
	.init = svm_init,
	.exit = svm_exit,
	.create = svm_create,
	.destroy = svm_destroy,
	.get_regs = svm_get_regs,
	.set_regs = svm_set_regs,
	.run = svm_run,
	.invalidate = svm_invalidate,
};
