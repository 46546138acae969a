// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu, arm64 backend: runs the guest at EL1 on an axas stage-2 table,
 * from a host kernel that runs at EL2 with VHE (HCR_EL2.E2H set).
 *
 * One RUN loops in the kernel, as the RISC-V backend does: with DAIF
 * masked, load the guest's EL1 registers (through their _EL12 names),
 * VTTBR_EL2/VTCR_EL2 from axas_aspace_hw_regs(), the guest's HCR_EL2 (TGE
 * clear, IMO/FMO/AMO set so that host interrupts come back to EL2) and
 * this module's vectors, ERET; any exception from the guest returns here,
 * the host's registers go back, DAIF is restored (a host interrupt that
 * ended the guest's slice is taken there) and the exit is handled:
 * stage-2 translation faults on lazy RAM are resolved with
 * axas_handle_page_fault() without leaving the ioctl; data aborts where no
 * region is exit as MMIO when the syndrome is valid (ISV); HVC exits to
 * the VMM (PSCI SYSTEM_OFF/RESET as SHUTDOWN); everything else exits as an
 * exception with ESR_EL2.
 *
 * Dirty tracking: when axas_dirty_hw_needs() asks for VTCR_EL2.HD and the
 * CPU has FEAT_HAFDBS with dirty state, the vCPU's VTCR_EL2 gets HA and HD,
 * so a guest store to a DBM leaf sets its S2AP write bit without a fault.
 * Otherwise (or with test_no_hd) the store is a permission fault that
 * axas_handle_page_fault() logs (AXAS_FAULT_LOGGED), exited to the VMM as
 * FAULT; the next RUN retries the store.
 *
 * TLB: each vCPU has an 8-bit VMID of its own, allocated from 255 down
 * (KVM allocates from 1 up). axas's invalidation callback runs TLBI
 * IPAS2E1IS for each page of the range, then TLBI VMALLE1IS (stage 1+2
 * entries), or TLBI VMALLS12E1IS for large ranges, with the vCPU's VTTBR
 * loaded and HCR_EL2.TGE cleared for the duration (with TGE set the EL1
 * operations would hit the host's EL2&0 regime). The Inner Shareable
 * forms reach every CPU, so the callback needs no IPI.
 */
#include <linux/bits.h>
#include <linux/idr.h>
#include <linux/irqflags.h>
#include <linux/slab.h>

#include <linux/moduleparam.h>

#include <asm/barrier.h>
#include <asm/cpufeature.h>
#include <asm/esr.h>
#include <asm/kvm_arm.h>
#include <asm/ptrace.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <asm/virt.h>

#include "arm64_ctx.h"
#include "vcpu.h"

static bool a64_test_no_hd;
module_param_named(test_no_hd, a64_test_no_hd, bool, 0644);
MODULE_PARM_DESC(test_no_hd,
		 "TEST ONLY: leave VTCR_EL2.HD clear in vCPUs created from now on, so guest stores to dirty-tracked pages fault (the write-protect path)");

/* FEAT_HAFDBS with dirty state: the CPU can set S2AP[1] of a DBM leaf */
static bool a64_has_hd(void)
{
	u64 mmfr1 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR1_EL1);

	return cpuid_feature_extract_unsigned_field(mmfr1, ID_AA64MMFR1_EL1_HAFDBS_SHIFT) >=
	       ID_AA64MMFR1_EL1_HAFDBS_DBM;
}

/* one register file of the world-switch save area (arm64_ctx.h) */
struct a64_regs {
	u64 x[31];
	u64 sp_el0;
	u64 pc;
	u64 pstate;
	u64 tpidr_el0;
	u64 tpidrro_el0;
};

struct a64_ctx {
	struct a64_regs guest;
	struct a64_regs host;
};

static_assert(offsetof(struct a64_ctx, guest.sp_el0) == A64_G(A64_CTX_SP_EL0));
static_assert(offsetof(struct a64_ctx, guest.pc) == A64_G(A64_CTX_PC));
static_assert(offsetof(struct a64_ctx, guest.pstate) == A64_G(A64_CTX_PSTATE));
static_assert(offsetof(struct a64_ctx, guest.tpidr_el0) == A64_G(A64_CTX_TPIDR_EL0));
static_assert(offsetof(struct a64_ctx, host) == A64_H(0));
static_assert(sizeof(struct a64_regs) == A64_CTX_WORDS * 8);

/* the guest's EL1 registers, loaded at every entry and saved at every exit */
enum a64_sysreg {
	A64_SCTLR,
	A64_CPACR,
	A64_TTBR0,
	A64_TTBR1,
	A64_TCR,
	A64_ESR,
	A64_AFSR0,
	A64_AFSR1,
	A64_FAR,
	A64_MAIR,
	A64_AMAIR,
	A64_VBAR,
	A64_CONTEXTIDR,
	A64_CNTKCTL,
	A64_ELR,
	A64_SPSR,
	A64_SP_EL1,
	A64_TPIDR_EL1,
	A64_PAR,
	A64_NR_SYSREGS
};

/* what the next RUN must finish before entering the guest again */
enum a64_pending {
	A64_PENDING_NONE,
	A64_PENDING_MMIO_LOAD,
	A64_PENDING_MMIO_STORE,
	A64_PENDING_HVC,
};

struct a64_exit {
	u64 code;	/* A64_EXIT_* */
	u64 esr;
	u64 far;
	u64 hpfar;
};

struct axas_vcpu_arch {
	struct a64_ctx ctx;
	u64 sys[A64_NR_SYSREGS];
	u64 vttbr;
	u64 vtcr;
	u32 vmid;
	enum a64_pending pending;
	unsigned int mmio_rt;
	unsigned int mmio_len;
	bool mmio_sign;
	bool mmio_64;
};

#define A64_VMID_MAX		255
static bool a64_has_vhe;
static DEFINE_IDA(a64_vmid_ida);

/*
 * HCR_EL2 in the guest: stage 2 on, host interrupts and SErrors to EL2,
 * broadcast barriers and maintenance, traps of SMC, WFI/WFE, set/way
 * cache operations, ACTLR, IMPDEF registers and LORegions; E2H stays set.
 */
#define A64_HCR_GUEST	(HCR_VM | HCR_SWIO | HCR_PTW | HCR_FMO | HCR_IMO | HCR_AMO | \
			 HCR_FB | HCR_BSU_IS | HCR_TWI | HCR_TWE | HCR_TSC | HCR_TACR | \
			 HCR_TIDCP | HCR_TSW | HCR_TLOR | HCR_RW | HCR_E2H)
/* MDCR_EL2: debug and PMU registers of the guest trap */
#define A64_MDCR_TRAPS	(MDCR_EL2_TDRA | MDCR_EL2_TDOSA | MDCR_EL2_TDA | \
			 MDCR_EL2_TPM | MDCR_EL2_TPMCR)
/* CPTR_EL2 in its E2H (CPACR) layout: FPEN, ZEN, SMEN, TTA */
#define A64_CPTR_FPEN		GENMASK(21, 20)
#define A64_CPTR_ZEN		GENMASK(17, 16)
#define A64_CPTR_SMEN		GENMASK(25, 24)
#define A64_CPTR_TTA		BIT(28)

#define A64_PSCI_SYSTEM_OFF	0x84000008UL
#define A64_PSCI_SYSTEM_RESET	0x84000009UL
#define A64_SMCCC_NOT_SUPPORTED	(-1L)

#define A64_PSTATE_SETTABLE	(PSR_N_BIT | PSR_Z_BIT | PSR_C_BIT | PSR_V_BIT | \
				 PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT | \
				 PSR_MODE32_BIT | PSR_MODE_MASK)

static void a64_load_sysregs(const u64 *s)
{
	write_sysreg_s(s[A64_SCTLR], SYS_SCTLR_EL12);
	write_sysreg_s(s[A64_CPACR], SYS_CPACR_EL12);
	write_sysreg_s(s[A64_TTBR0], SYS_TTBR0_EL12);
	write_sysreg_s(s[A64_TTBR1], SYS_TTBR1_EL12);
	write_sysreg_s(s[A64_TCR], SYS_TCR_EL12);
	write_sysreg_s(s[A64_ESR], SYS_ESR_EL12);
	write_sysreg_s(s[A64_AFSR0], SYS_AFSR0_EL12);
	write_sysreg_s(s[A64_AFSR1], SYS_AFSR1_EL12);
	write_sysreg_s(s[A64_FAR], SYS_FAR_EL12);
	write_sysreg_s(s[A64_MAIR], SYS_MAIR_EL12);
	write_sysreg_s(s[A64_AMAIR], SYS_AMAIR_EL12);
	write_sysreg_s(s[A64_VBAR], SYS_VBAR_EL12);
	write_sysreg_s(s[A64_CONTEXTIDR], SYS_CONTEXTIDR_EL12);
	write_sysreg_s(s[A64_CNTKCTL], SYS_CNTKCTL_EL12);
	write_sysreg_s(s[A64_ELR], SYS_ELR_EL12);
	write_sysreg_s(s[A64_SPSR], SYS_SPSR_EL12);
	write_sysreg(s[A64_SP_EL1], sp_el1);
	write_sysreg(s[A64_TPIDR_EL1], tpidr_el1);
	write_sysreg(s[A64_PAR], par_el1);
}

static void a64_save_sysregs(u64 *s)
{
	s[A64_SCTLR] = read_sysreg_s(SYS_SCTLR_EL12);
	s[A64_CPACR] = read_sysreg_s(SYS_CPACR_EL12);
	s[A64_TTBR0] = read_sysreg_s(SYS_TTBR0_EL12);
	s[A64_TTBR1] = read_sysreg_s(SYS_TTBR1_EL12);
	s[A64_TCR] = read_sysreg_s(SYS_TCR_EL12);
	s[A64_ESR] = read_sysreg_s(SYS_ESR_EL12);
	s[A64_AFSR0] = read_sysreg_s(SYS_AFSR0_EL12);
	s[A64_AFSR1] = read_sysreg_s(SYS_AFSR1_EL12);
	s[A64_FAR] = read_sysreg_s(SYS_FAR_EL12);
	s[A64_MAIR] = read_sysreg_s(SYS_MAIR_EL12);
	s[A64_AMAIR] = read_sysreg_s(SYS_AMAIR_EL12);
	s[A64_VBAR] = read_sysreg_s(SYS_VBAR_EL12);
	s[A64_CONTEXTIDR] = read_sysreg_s(SYS_CONTEXTIDR_EL12);
	s[A64_CNTKCTL] = read_sysreg_s(SYS_CNTKCTL_EL12);
	s[A64_ELR] = read_sysreg_s(SYS_ELR_EL12);
	s[A64_SPSR] = read_sysreg_s(SYS_SPSR_EL12);
	s[A64_SP_EL1] = read_sysreg(sp_el1);
	s[A64_TPIDR_EL1] = read_sysreg(tpidr_el1);
	s[A64_PAR] = read_sysreg(par_el1);
}

/*
 * Invalidate the stage-2 (and combined) TLB entries of the vCPU's VMID for
 * [gpa, gpa + size) on every CPU, or all of them with size 0.
 */
static void a64_tlbi(struct axas_vcpu_arch *a, u64 gpa, u64 size)
{
	unsigned long flags;
	u64 vttbr, hcr, ipa;

	local_irq_save(flags);
	vttbr = read_sysreg(vttbr_el2);
	hcr = read_sysreg(hcr_el2);
	/* the VMID the operations act on; EL1&0, not the host's EL2&0 */
	write_sysreg(a->vttbr, vttbr_el2);
	write_sysreg(hcr & ~HCR_TGE, hcr_el2);
	isb();
	/* the table update before the invalidation */
	dsb(ishst);
	if (!size || size > 64 * PAGE_SIZE) {
		__tlbi(vmalls12e1is);
	} else {
		for (ipa = gpa; ipa < gpa + size; ipa += PAGE_SIZE)
			__tlbi(ipas2e1is, ipa >> 12);
		/* the stage-2 invalidation completes before the combined one */
		dsb(ish);
		__tlbi(vmalle1is);
	}
	dsb(ish);
	isb();
	write_sysreg(hcr, hcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	isb();
	local_irq_restore(flags);
}

int axas_vcpu_arch_init(void)
{
	a64_has_vhe = is_kernel_in_hyp_mode();
	if (!a64_has_vhe) {
		pr_info("axas_vcpu: the kernel does not run at EL2 with VHE: vCPUs cannot be created\n");
		return 0;
	}
	pr_info("axas_vcpu: arm64 EL2 with VHE, 8-bit VMIDs from %d down, broadcast TLBI\n",
		A64_VMID_MAX);
	return 0;
}

void axas_vcpu_arch_exit(void)
{
	ida_destroy(&a64_vmid_ida);
}

int axas_vcpu_arch_create(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a;
	struct axas_hw_regs hw;
	int id, ret;

	if (!a64_has_vhe)
		return -EOPNOTSUPP;
	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	id = ida_alloc_max(&a64_vmid_ida, A64_VMID_MAX - 1, GFP_KERNEL);
	if (id < 0) {
		ret = id == -ENOSPC ? -EBUSY : id;
		goto err_free;
	}
	a->vmid = A64_VMID_MAX - id;
	ret = axas_aspace_hw_regs(vcpu->as, a->vmid, &hw);
	if (ret)
		goto err_vmid;
	if (hw.format != AXAS_FMT_ARM_S2) {
		ret = -EINVAL;	/* not a stage-2 table */
		goto err_vmid;
	}
	a->vttbr = hw.root_reg;
	a->vtcr = hw.vtcr;
	if (axas_dirty_hw_needs(vcpu->as) == AXAS_DIRTY_HW_HD && a64_has_hd() &&
	    !READ_ONCE(a64_test_no_hd))
		a->vtcr |= VTCR_EL2_HA | VTCR_EL2_HD;
	/* an earlier owner of the VMID may have left entries: none survive */
	a64_tlbi(a, 0, 0);

	a->ctx.guest.pstate = PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT;
	a->sys[A64_SCTLR] = INIT_SCTLR_EL1_MMU_OFF;
	vcpu->arch = a;
	return 0;

err_vmid:
	ida_free(&a64_vmid_ida, A64_VMID_MAX - a->vmid);
err_free:
	kfree(a);
	return ret;
}

void axas_vcpu_arch_destroy(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;

	ida_free(&a64_vmid_ida, A64_VMID_MAX - a->vmid);
	kfree(a);
}

void axas_vcpu_arch_get_regs(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;

	memcpy(regs->x, a->ctx.guest.x, sizeof(regs->x));
	regs->pc = a->ctx.guest.pc;
	regs->pstate = a->ctx.guest.pstate;
	regs->sp_el0 = a->ctx.guest.sp_el0;
	regs->sp_el1 = a->sys[A64_SP_EL1];
	regs->elr_el1 = a->sys[A64_ELR];
	regs->spsr_el1 = a->sys[A64_SPSR];
	regs->sctlr_el1 = a->sys[A64_SCTLR];
	regs->tcr_el1 = a->sys[A64_TCR];
	regs->ttbr0_el1 = a->sys[A64_TTBR0];
	regs->ttbr1_el1 = a->sys[A64_TTBR1];
	regs->mair_el1 = a->sys[A64_MAIR];
	regs->vbar_el1 = a->sys[A64_VBAR];
	regs->esr_el1 = a->sys[A64_ESR];
	regs->far_el1 = a->sys[A64_FAR];
	regs->tpidr_el1 = a->sys[A64_TPIDR_EL1];
}

int axas_vcpu_arch_set_regs(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	u64 mode = regs->pstate & (PSR_MODE32_BIT | PSR_MODE_MASK);

	if ((regs->pc & 3) || (regs->pstate & ~A64_PSTATE_SETTABLE))
		return -EINVAL;
	if (mode != PSR_MODE_EL0t && mode != PSR_MODE_EL1t && mode != PSR_MODE_EL1h)
		return -EINVAL;

	memcpy(a->ctx.guest.x, regs->x, sizeof(regs->x));
	a->ctx.guest.pc = regs->pc;
	a->ctx.guest.pstate = regs->pstate;
	a->ctx.guest.sp_el0 = regs->sp_el0;
	a->sys[A64_SP_EL1] = regs->sp_el1;
	a->sys[A64_ELR] = regs->elr_el1;
	a->sys[A64_SPSR] = regs->spsr_el1;
	a->sys[A64_SCTLR] = regs->sctlr_el1;
	a->sys[A64_TCR] = regs->tcr_el1;
	a->sys[A64_TTBR0] = regs->ttbr0_el1;
	a->sys[A64_TTBR1] = regs->ttbr1_el1;
	a->sys[A64_MAIR] = regs->mair_el1;
	a->sys[A64_VBAR] = regs->vbar_el1;
	a->sys[A64_ESR] = regs->esr_el1;
	a->sys[A64_FAR] = regs->far_el1;
	a->sys[A64_TPIDR_EL1] = regs->tpidr_el1;
	/* new registers: an exit that was not completed is forgotten */
	a->pending = A64_PENDING_NONE;
	return 0;
}

static void a64_enter(struct axas_vcpu *vcpu, struct a64_exit *e)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	u64 hcr, mdcr, cptr, vbar, guest_hcr = A64_HCR_GUEST;
	unsigned long flags;

	/* test only: host interrupts stay pending at EL1 (masked there) */
	if (READ_ONCE(axas_vcpu_test_quiet))
		guest_hcr &= ~(HCR_IMO | HCR_FMO);

	local_irq_save(flags);
	a64_load_sysregs(a->sys);
	write_sysreg(a->vttbr, vttbr_el2);
	write_sysreg(a->vtcr, vtcr_el2);
	hcr = read_sysreg(hcr_el2);
	mdcr = read_sysreg(mdcr_el2);
	cptr = read_sysreg(cpacr_el1);	/* CPTR_EL2 with E2H */
	vbar = read_sysreg(vbar_el1);	/* VBAR_EL2 with E2H */
	write_sysreg(guest_hcr, hcr_el2);
	write_sysreg(mdcr | A64_MDCR_TRAPS, mdcr_el2);
	/* FP/SIMD, SVE, SME and trace trap: the host's FP state stays intact */
	write_sysreg((cptr & ~(A64_CPTR_FPEN | A64_CPTR_ZEN | A64_CPTR_SMEN)) | A64_CPTR_TTA,
		     cpacr_el1);
	write_sysreg((unsigned long)axas_a64_vectors, vbar_el1);
	isb();

	e->code = axas_a64_switch(&a->ctx);

	e->esr = read_sysreg(esr_el2);
	e->far = read_sysreg(far_el2);
	e->hpfar = read_sysreg(hpfar_el2);
	write_sysreg(vbar, vbar_el1);
	write_sysreg(cptr, cpacr_el1);
	write_sysreg(mdcr, mdcr_el2);
	write_sysreg(hcr, hcr_el2);
	isb();
	a64_save_sysregs(a->sys);
	local_irq_restore(flags);
}

static void a64_exit_exception(struct axas_vcpu *vcpu, const struct a64_exit *e, u64 ipa)
{
	struct axas_vcpu_run *run = vcpu->run;

	run->exit_reason = AXAS_VCPU_EXIT_EXCEPTION;
	run->exception.scause = e->esr;
	run->exception.stval = e->far;
	run->exception.htval = ipa;
	run->exception.htinst = vcpu->arch->ctx.guest.pc;
}

/* a data abort where no region is: the syndrome says what the access was */
static void a64_exit_mmio(struct axas_vcpu *vcpu, const struct a64_exit *e, u64 ipa)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u64 esr = e->esr;
	unsigned int rt = (esr & ESR_ELx_SRT_MASK) >> ESR_ELx_SRT_SHIFT;
	unsigned int len = 1U << ((esr & ESR_ELx_SAS) >> ESR_ELx_SAS_SHIFT);

	if (ESR_ELx_EC(esr) != ESR_ELx_EC_DABT_LOW || !(esr & ESR_ELx_ISV) ||
	    (esr & (ESR_ELx_S1PTW | ESR_ELx_CM))) {
		a64_exit_exception(vcpu, e, ipa);
		return;
	}
	run->exit_reason = AXAS_VCPU_EXIT_MMIO;
	run->mmio.gpa = ipa;
	run->mmio.len = len;
	run->mmio.is_write = !!(esr & ESR_ELx_WNR);
	a->mmio_rt = rt;
	a->mmio_len = len;
	if (run->mmio.is_write) {
		/* register 31 is XZR here */
		run->mmio.data = rt == 31 ? 0 : a->ctx.guest.x[rt];
		if (len < 8)
			run->mmio.data &= BIT_ULL(8 * len) - 1;
		a->pending = A64_PENDING_MMIO_STORE;
	} else {
		run->mmio.data = 0;
		a->mmio_sign = !!(esr & ESR_ELx_SSE);
		a->mmio_64 = !!(esr & ESR_ELx_SF);
		a->pending = A64_PENDING_MMIO_LOAD;
	}
}

static void a64_exit_hvc(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u64 fn = a->ctx.guest.x[0];
	int i;

	run->sbi.extension_id = fn;
	run->sbi.function_id = a->ctx.guest.x[1];
	for (i = 0; i < 6; i++)
		run->sbi.args[i] = a->ctx.guest.x[2 + i];
	run->sbi.ret[0] = A64_SMCCC_NOT_SUPPORTED;
	run->sbi.ret[1] = 0;
	if (fn == A64_PSCI_SYSTEM_OFF || fn == A64_PSCI_SYSTEM_RESET)
		run->exit_reason = AXAS_VCPU_EXIT_SHUTDOWN;
	else
		run->exit_reason = AXAS_VCPU_EXIT_SBI;
	/* ELR_EL2 already points past the HVC */
	a->pending = A64_PENDING_HVC;
}

/* 1: resume the guest; 0: exit to the VMM; < 0: RUN fails */
static int a64_handle_abort(struct axas_vcpu *vcpu, const struct a64_exit *e)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u64 esr = e->esr, type = esr & ESR_ELx_FSC_TYPE, ipa;
	u32 access, result;
	int ret;

	/*
	 * HPFAR_EL2 holds the faulting IPA for stage-2 translation and access
	 * flag faults and for faults on a stage-1 walk. For a permission fault
	 * it may be UNKNOWN (Arm ARM); with the guest's stage 1 off the IPA is
	 * FAR_EL2 itself. With stage 1 on, HPFAR_EL2 is used as QEMU fills it.
	 */
	if (type == ESR_ELx_FSC_PERM && !(esr & ESR_ELx_S1PTW) &&
	    !(a->sys[A64_SCTLR] & SCTLR_ELx_M))
		ipa = e->far;
	else
		ipa = ((e->hpfar & HPFAR_MASK) << 8) | (e->far & ~PAGE_MASK);

	if (type != ESR_ELx_FSC_FAULT && type != ESR_ELx_FSC_ACCESS && type != ESR_ELx_FSC_PERM) {
		a64_exit_exception(vcpu, e, ipa);
		return 0;
	}
	if (ESR_ELx_EC(esr) == ESR_ELx_EC_IABT_LOW)
		access = AXAS_MAP_EXEC;
	else if ((esr & ESR_ELx_WNR) && !(esr & (ESR_ELx_S1PTW | ESR_ELx_CM)))
		access = AXAS_MAP_WRITE;
	else
		access = AXAS_MAP_READ;
	ret = axas_handle_page_fault(vcpu->as, ipa, access, &result);
	if (ret)
		return ret;
	switch (result) {
	case AXAS_FAULT_HANDLED:
		run->stats.guest_faults++;
		return 1;
	case AXAS_FAULT_SPURIOUS:
		/* Arm caches no invalid entry: nothing to drop, just retry */
		run->stats.spurious_faults++;
		return 1;
	case AXAS_FAULT_NOT_MAPPED:
		a64_exit_mmio(vcpu, e, ipa);
		return 0;
	default:
		run->exit_reason = AXAS_VCPU_EXIT_FAULT;
		run->fault.gpa = ipa;
		run->fault.access = access;
		run->fault.result = result;
		return 0;
	}
}

static int a64_handle_exit(struct axas_vcpu *vcpu, const struct a64_exit *e)
{
	switch (e->code) {
	case A64_EXIT_IRQ:
	case A64_EXIT_FIQ:
		vcpu->run->stats.irq_exits++;
		return 1;
	case A64_EXIT_SYNC:
		break;
	default:
		a64_exit_exception(vcpu, e, 0);
		return 0;
	}
	switch (ESR_ELx_EC(e->esr)) {
	case ESR_ELx_EC_HVC64:
		a64_exit_hvc(vcpu);
		return 0;
	case ESR_ELx_EC_DABT_LOW:
	case ESR_ELx_EC_IABT_LOW:
		return a64_handle_abort(vcpu, e);
	default:
		a64_exit_exception(vcpu, e, 0);
		return 0;
	}
}

/* finish the exit the VMM has seen: load result, step over the instruction */
static void a64_complete(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u64 v;

	switch (a->pending) {
	case A64_PENDING_MMIO_LOAD:
		v = axas_vcpu_mmio_extend(run->mmio.data, a->mmio_len, a->mmio_sign);
		/* a W register: the upper half is zero */
		if (!a->mmio_64)
			v &= 0xffffffffULL;
		if (a->mmio_rt != 31)
			a->ctx.guest.x[a->mmio_rt] = v;
		fallthrough;
	case A64_PENDING_MMIO_STORE:
		a->ctx.guest.pc += 4;
		break;
	case A64_PENDING_HVC:
		a->ctx.guest.x[0] = run->sbi.ret[0];
		a->ctx.guest.x[1] = run->sbi.ret[1];
		break;
	case A64_PENDING_NONE:
		break;
	}
	a->pending = A64_PENDING_NONE;
}

static int a64_enter_and_handle(struct axas_vcpu *vcpu)
{
	struct a64_exit e;

	a64_enter(vcpu, &e);
	return a64_handle_exit(vcpu, &e);
}

int axas_vcpu_arch_run(struct axas_vcpu *vcpu)
{
	a64_complete(vcpu);
	return axas_vcpu_run_loop(vcpu, a64_enter_and_handle);
}

void axas_vcpu_arch_invalidate(struct axas_vcpu *vcpu, u64 gpa, u64 size)
{
	a64_tlbi(vcpu->arch, gpa, size);
}
