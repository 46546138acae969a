// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu, riscv64 backend: runs the guest in VS-mode on an axas G-stage
 * table (hypervisor extension, the host kernel in HS-mode).
 *
 * One RUN loops in the kernel: enter the guest with interrupts disabled,
 * come back on any trap, enable interrupts (a host interrupt that ended
 * the guest's slice is taken there), then handle the trap. Guest-page
 * faults on lazy RAM are resolved with axas_handle_page_fault() and the
 * guest resumes without leaving the ioctl; everything the kernel does not
 * handle ends RUN with an exit reason in the run structure.
 *
 * TLB: each vCPU has a VMID of its own (allocated from the top of the
 * hart's VMID space down; KVM allocates from 1 up). The harts the VMID ever
 * ran on are kept in a mask; axas's invalidation callback fences
 * HFENCE.GVMA for the VMID and range on every one of them (SBI remote
 * fence, or IPIs without the SBI RFENCE extension), and a hart flushes the
 * VMID locally the first time the vCPU runs there.
 */
#include <linux/cpumask.h>
#include <linux/idr.h>
#include <linux/irqflags.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <asm/cpufeature.h>
#include <asm/csr.h>
#include <asm/sbi.h>

#include "riscv_ctx.h"
#include "vcpu.h"

/* one register file of the world-switch save area (riscv_ctx.h) */
struct rv_regs {
	unsigned long x[32];
	unsigned long sepc;
	unsigned long sstatus;
	unsigned long hstatus;
	unsigned long scounteren;
	unsigned long stvec;
	unsigned long sscratch;
};

struct rv_ctx {
	struct rv_regs guest;
	struct rv_regs host;
};

static_assert(offsetof(struct rv_ctx, guest.sepc) == RV_G(RV_CTX_SEPC));
static_assert(offsetof(struct rv_ctx, guest.sscratch) == RV_G(RV_CTX_SSCRATCH));
static_assert(offsetof(struct rv_ctx, host) == RV_H(0));
static_assert(offsetof(struct rv_ctx, host.sscratch) == RV_H(RV_CTX_SSCRATCH));
static_assert(sizeof(struct rv_regs) == RV_CTX_WORDS * 8);

/* what the next RUN must finish before entering the guest again */
enum rv_pending {
	RV_PENDING_NONE,
	RV_PENDING_MMIO_LOAD,
	RV_PENDING_MMIO_STORE,
	RV_PENDING_SBI,
};

struct rv_trap {
	unsigned long scause;
	unsigned long stval;
	unsigned long htval;
	unsigned long htinst;
};

struct axas_vcpu_arch {
	struct rv_ctx ctx;
	unsigned long hgatp;
	unsigned long vmid;
	/* the guest's VS CSRs, loaded at every entry */
	unsigned long vsstatus;
	unsigned long vsatp;
	unsigned long vstvec;
	unsigned long vsscratch;
	unsigned long vsepc;
	unsigned long vscause;
	unsigned long vstval;
	/* harts that may hold G-stage translations tagged with vmid */
	cpumask_t ran;
	enum rv_pending pending;
	unsigned int insn_len;
	unsigned int mmio_rd;
	bool mmio_signed;
};

static bool rv_has_h;
static bool rv_has_rfence;
static unsigned long rv_vmid_max;
static DEFINE_IDA(rv_vmid_ida);

#define RV_SBI_EXT_SRST		0x53525354UL
#define RV_SBI_LEGACY_SHUTDOWN	0x8UL
#define RV_SBI_ERR_NOT_SUPPORTED (-2L)

/* hfence.gvma rs1 = gpa >> 2, rs2 = vmid */
static inline void rv_hfence_gvma_vmid_gpa(unsigned long gpa, unsigned long vmid)
{
	asm volatile(".insn r 0x73, 0x0, 0x31, x0, %0, %1"
		     : : "r" (gpa >> 2), "r" (vmid) : "memory");
}

static inline void rv_hfence_gvma_vmid(unsigned long vmid)
{
	asm volatile(".insn r 0x73, 0x0, 0x31, x0, x0, %0"
		     : : "r" (vmid) : "memory");
}

static inline void rv_hfence_gvma_all(void)
{
	asm volatile(".insn r 0x73, 0x0, 0x31, x0, x0, x0" : : : "memory");
}

int axas_vcpu_arch_init(void)
{
	unsigned long old, vmid_field;

	rv_has_h = riscv_isa_extension_available(NULL, h);
	if (!rv_has_h) {
		pr_info("axas_vcpu: no hypervisor extension: vCPUs cannot be created\n");
		return 0;
	}
	rv_has_rfence = sbi_probe_extension(SBI_EXT_RFENCE) > 0;

	/*
	 * The VMID bits that stick in hgatp are the ones this hart has (with
	 * a valid MODE: a write with an unsupported MODE may be ignored). No
	 * V=1 access happens while it is loaded, so no walk uses it.
	 */
	local_irq_disable();
	old = csr_read(CSR_HGATP);
	csr_write(CSR_HGATP, HGATP_MODE_SV39X4 << HGATP_MODE_SHIFT | HGATP_VMID);
	vmid_field = (csr_read(CSR_HGATP) & HGATP_VMID) >> HGATP_VMID_SHIFT;
	csr_write(CSR_HGATP, old);
	rv_hfence_gvma_all();
	local_irq_enable();
	rv_vmid_max = vmid_field;
	pr_info("axas_vcpu: riscv64 H extension, %d VMID bits, %s fences\n",
		fls_long(vmid_field), rv_has_rfence ? "SBI remote" : "IPI");
	return 0;
}

void axas_vcpu_arch_exit(void)
{
	ida_destroy(&rv_vmid_ida);
}

int axas_vcpu_arch_create(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a;
	struct axas_hw_regs hw;
	int id, ret;

	if (!rv_has_h)
		return -EOPNOTSUPP;
	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;

	/* VMIDs from the top down; without VMIDs every vCPU uses 0. */
	if (rv_vmid_max) {
		id = ida_alloc_max(&rv_vmid_ida, rv_vmid_max - 1, GFP_KERNEL);
		if (id < 0) {
			ret = id == -ENOSPC ? -EBUSY : id;
			goto err_free;
		}
		a->vmid = rv_vmid_max - id;
	}
	ret = axas_aspace_hw_regs(vcpu->as, a->vmid, &hw);
	if (ret)
		goto err_vmid;
	if (hw.format != AXAS_FMT_SV39X4 && hw.format != AXAS_FMT_SV48X4 &&
	    hw.format != AXAS_FMT_SV57X4) {
		ret = -EINVAL;	/* not a G-stage table */
		goto err_vmid;
	}
	a->hgatp = hw.root_reg;

	/* VS-mode at sret, HS interrupts taken while in the guest */
	a->ctx.guest.sstatus = SR_SPP | SR_SPIE;
	a->ctx.guest.hstatus = (csr_read(CSR_HSTATUS) & HSTATUS_VSXL) |
			       HSTATUS_SPV | HSTATUS_SPVP;
	a->ctx.guest.scounteren = 0;
	a->vsstatus = SR_UXL_64;
	vcpu->arch = a;
	return 0;

err_vmid:
	if (rv_vmid_max)
		ida_free(&rv_vmid_ida, rv_vmid_max - a->vmid);
err_free:
	kfree(a);
	return ret;
}

void axas_vcpu_arch_destroy(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;

	/* A later owner of the VMID flushes it on each hart before use. */
	if (rv_vmid_max)
		ida_free(&rv_vmid_ida, rv_vmid_max - a->vmid);
	kfree(a);
}

void axas_vcpu_arch_get_regs(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	int i;

	regs->x[0] = 0;
	for (i = 1; i < 32; i++)
		regs->x[i] = a->ctx.guest.x[i];
	regs->pc = a->ctx.guest.sepc;
	regs->vsstatus = a->vsstatus;
	regs->vsatp = a->vsatp;
	regs->vstvec = a->vstvec;
	regs->vsscratch = a->vsscratch;
	regs->vsepc = a->vsepc;
	regs->vscause = a->vscause;
	regs->vstval = a->vstval;
}

#define RV_SR_MXR		BIT(19)	/* make executable readable */
#define RV_VSSTATUS_SETTABLE	(SR_SIE | SR_SPIE | SR_SPP | SR_SUM | RV_SR_MXR | SR_UXL)

int axas_vcpu_arch_set_regs(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	unsigned long mode = regs->vsatp >> SATP_MODE_SHIFT;
	int i;

	if (regs->x[0] || (regs->pc & 1))
		return -EINVAL;
	if ((regs->vsstatus & ~RV_VSSTATUS_SETTABLE) ||
	    (regs->vsstatus & SR_UXL) != SR_UXL_64)
		return -EINVAL;
	if (mode != 0 && mode != (SATP_MODE_39 >> SATP_MODE_SHIFT) &&
	    mode != (SATP_MODE_48 >> SATP_MODE_SHIFT))
		return -EINVAL;

	for (i = 1; i < 32; i++)
		a->ctx.guest.x[i] = regs->x[i];
	a->ctx.guest.sepc = regs->pc;
	a->vsstatus = regs->vsstatus;
	a->vsatp = regs->vsatp;
	a->vstvec = regs->vstvec;
	a->vsscratch = regs->vsscratch;
	a->vsepc = regs->vsepc;
	a->vscause = regs->vscause;
	a->vstval = regs->vstval;
	/* new registers: an exit that was not completed is forgotten */
	a->pending = RV_PENDING_NONE;
	return 0;
}

/*
 * Interrupts disabled: make sure this hart holds no translation tagged
 * with the vCPU's VMID from an earlier owner of the VMID, and load hgatp.
 * Returns the host's hgatp.
 */
static unsigned long rv_load_hgatp(struct axas_vcpu_arch *a)
{
	unsigned long old = csr_swap(CSR_HGATP, a->hgatp);
	int cpu = smp_processor_id();

	if (!cpumask_test_cpu(cpu, &a->ran)) {
		cpumask_set_cpu(cpu, &a->ran);
		/* the mask before any table walk: see axas_vcpu_arch_invalidate */
		smp_mb();
		if (rv_vmid_max)
			rv_hfence_gvma_vmid(a->vmid);
		else
			rv_hfence_gvma_all();
	}
	return old;
}

static void rv_enter(struct axas_vcpu *vcpu, struct rv_trap *trap)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	unsigned long hedeleg, hideleg, hcounteren, hvip, hgatp, sie = 0;
	bool quiet = READ_ONCE(axas_vcpu_test_quiet);

	local_irq_disable();
	hgatp = rv_load_hgatp(a);
	/* every guest trap and interrupt comes to HS-mode (to us) */
	hedeleg = csr_swap(CSR_HEDELEG, 0);
	hideleg = csr_swap(CSR_HIDELEG, 0);
	hvip = csr_swap(CSR_HVIP, 0);
	/* cycle, time and instret readable by the guest */
	hcounteren = csr_swap(CSR_HCOUNTEREN, 0x7);
	csr_write(CSR_VSSTATUS, a->vsstatus);
	csr_write(CSR_VSATP, a->vsatp);
	csr_write(CSR_VSTVEC, a->vstvec);
	csr_write(CSR_VSSCRATCH, a->vsscratch);
	csr_write(CSR_VSEPC, a->vsepc);
	csr_write(CSR_VSCAUSE, a->vscause);
	csr_write(CSR_VSTVAL, a->vstval);
	csr_write(CSR_VSIE, 0);
	/* test only: no S-level host interrupt can end the guest's slice */
	if (quiet)
		sie = csr_swap(CSR_SIE, 0);

	axas_rv_switch(&a->ctx);

	if (quiet)
		csr_write(CSR_SIE, sie);
	trap->scause = csr_read(CSR_SCAUSE);
	trap->stval = csr_read(CSR_STVAL);
	trap->htval = csr_read(CSR_HTVAL);
	trap->htinst = csr_read(CSR_HTINST);
	a->vsstatus = csr_read(CSR_VSSTATUS);
	a->vsatp = csr_read(CSR_VSATP);
	a->vstvec = csr_read(CSR_VSTVEC);
	a->vsscratch = csr_read(CSR_VSSCRATCH);
	a->vsepc = csr_read(CSR_VSEPC);
	a->vscause = csr_read(CSR_VSCAUSE);
	a->vstval = csr_read(CSR_VSTVAL);
	csr_write(CSR_HCOUNTEREN, hcounteren);
	csr_write(CSR_HVIP, hvip);
	csr_write(CSR_HIDELEG, hideleg);
	csr_write(CSR_HEDELEG, hedeleg);
	csr_write(CSR_HGATP, hgatp);
	local_irq_enable();
}

/* 16 bits of guest instruction memory at gpa (vsatp is Bare) */
static int rv_read_insn16(struct axas_vcpu_arch *a, unsigned long gpa, u16 *val)
{
	unsigned long flags, hgatp, cause, v;

	local_irq_save(flags);
	hgatp = rv_load_hgatp(a);
	v = axas_rv_hlvx_hu(gpa, &cause);
	csr_write(CSR_HGATP, hgatp);
	local_irq_restore(flags);
	if (cause)
		return -EFAULT;
	*val = v;
	return 0;
}

/*
 * The load or store that faulted, as a 32-bit encoding: the transformed
 * instruction in htinst when the CPU gives one (bit 0 set; bit 1 clear if
 * the original was compressed), else the instruction read with HLVX at sepc
 * (vsatp Bare only), compressed c.lw/c.ld/c.sw/c.sd expanded.
 */
static int rv_fetch_access(struct axas_vcpu *vcpu, const struct rv_trap *t,
			   u32 *insn, unsigned int *len)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	unsigned long pc = a->ctx.guest.sepc;
	unsigned long htinst = READ_ONCE(axas_vcpu_test_no_htinst) ? 0 : t->htinst;
	unsigned int reg, f3;
	u16 lo, hi;

	if (htinst & 1) {
		*insn = htinst | 3;
		*len = (htinst & 2) ? 4 : 2;
		return 0;
	}
	if (htinst || (a->vsatp >> SATP_MODE_SHIFT))
		return -EINVAL;		/* a pseudoinstruction, or a guest VA */
	vcpu->run->stats.insn_reads++;
	if (rv_read_insn16(a, pc, &lo))
		return -EFAULT;
	if ((lo & 3) == 3) {
		if (rv_read_insn16(a, pc + 2, &hi))
			return -EFAULT;
		*insn = lo | (u32)hi << 16;
		*len = 4;
		return 0;
	}
	if ((lo & 3) != 0)
		return -EINVAL;		/* only quadrant 0 has c.lw/c.ld/c.sw/c.sd */
	*len = 2;
	reg = 8 + ((lo >> 2) & 7);	/* rd' or rs2' */
	f3 = lo >> 13;
	switch (f3) {
	case 2:	/* c.lw */
	case 3:	/* c.ld */
		*insn = 0x03 | reg << 7 | f3 << 12;
		return 0;
	case 6:	/* c.sw */
	case 7:	/* c.sd */
		*insn = 0x23 | (f3 - 4) << 12 | reg << 20;
		return 0;
	}
	return -EINVAL;
}

static void rv_exit_exception(struct axas_vcpu *vcpu, const struct rv_trap *t)
{
	struct axas_vcpu_run *run = vcpu->run;

	run->exit_reason = AXAS_VCPU_EXIT_EXCEPTION;
	run->exception.scause = t->scause;
	run->exception.stval = t->stval;
	run->exception.htval = t->htval;
	run->exception.htinst = t->htinst;
}

/* a guest access where no region is: decode it for the VMM */
static void rv_exit_mmio(struct axas_vcpu *vcpu, const struct rv_trap *t, u64 gpa)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	unsigned int len, f3, rs2;
	bool store = t->scause == EXC_STORE_GUEST_PAGE_FAULT;
	u32 insn;

	if (t->scause == EXC_INST_GUEST_PAGE_FAULT ||
	    rv_fetch_access(vcpu, t, &insn, &len))
		goto bad;
	f3 = (insn >> 12) & 7;
	if (!store && (insn & 0x7f) == 0x03 && f3 != 7) {
		run->mmio.len = 1 << (f3 & 3);
		run->mmio.data = 0;
		a->mmio_rd = (insn >> 7) & 31;
		a->mmio_signed = !(f3 & 4);
		a->pending = RV_PENDING_MMIO_LOAD;
	} else if (store && (insn & 0x7f) == 0x23 && f3 < 4) {
		rs2 = (insn >> 20) & 31;
		run->mmio.len = 1 << f3;
		run->mmio.data = rs2 ? a->ctx.guest.x[rs2] : 0;
		if (f3 < 3)
			run->mmio.data &= (1ULL << (8 * run->mmio.len)) - 1;
		a->pending = RV_PENDING_MMIO_STORE;
	} else {
		goto bad;
	}
	a->insn_len = len;
	run->exit_reason = AXAS_VCPU_EXIT_MMIO;
	run->mmio.gpa = gpa;
	run->mmio.is_write = store;
	return;
bad:
	rv_exit_exception(vcpu, t);
}

static void rv_exit_sbi(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	unsigned long ext = a->ctx.guest.x[17], fid = a->ctx.guest.x[16];
	int i;

	run->sbi.extension_id = ext;
	run->sbi.function_id = fid;
	for (i = 0; i < 6; i++)
		run->sbi.args[i] = a->ctx.guest.x[10 + i];
	run->sbi.ret[0] = RV_SBI_ERR_NOT_SUPPORTED;
	run->sbi.ret[1] = 0;
	if ((ext == RV_SBI_EXT_SRST && fid == 0) || ext == RV_SBI_LEGACY_SHUTDOWN)
		run->exit_reason = AXAS_VCPU_EXIT_SHUTDOWN;
	else
		run->exit_reason = AXAS_VCPU_EXIT_SBI;
	a->pending = RV_PENDING_SBI;
}

/* 1: resume the guest; 0: exit to the VMM; < 0: RUN fails */
static int rv_handle_trap(struct axas_vcpu *vcpu, const struct rv_trap *t)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u32 access, result;
	u64 gpa;
	int ret;

	if ((long)t->scause < 0) {
		run->stats.irq_exits++;
		return 1;
	}
	switch (t->scause) {
	case EXC_SUPERVISOR_SYSCALL:
		rv_exit_sbi(vcpu);
		return 0;
	case EXC_INST_GUEST_PAGE_FAULT:
	case EXC_LOAD_GUEST_PAGE_FAULT:
	case EXC_STORE_GUEST_PAGE_FAULT:
		break;
	default:
		rv_exit_exception(vcpu, t);
		return 0;
	}

	gpa = (t->htval << 2) | (t->stval & 3);
	access = t->scause == EXC_STORE_GUEST_PAGE_FAULT ? AXAS_MAP_WRITE :
		 t->scause == EXC_LOAD_GUEST_PAGE_FAULT ? AXAS_MAP_READ :
		 AXAS_MAP_EXEC;
	ret = axas_handle_page_fault(vcpu->as, gpa, access, &result);
	if (ret)
		return ret;
	switch (result) {
	case AXAS_FAULT_HANDLED:
	case AXAS_FAULT_SPURIOUS:
		if (result == AXAS_FAULT_HANDLED)
			run->stats.guest_faults++;
		else
			run->stats.spurious_faults++;
		/* a hart may have kept the invalid entry: drop it here */
		local_irq_disable();
		if (cpumask_test_cpu(smp_processor_id(), &a->ran))
			rv_hfence_gvma_vmid_gpa(gpa, a->vmid);
		local_irq_enable();
		return 1;
	case AXAS_FAULT_NOT_MAPPED:
		rv_exit_mmio(vcpu, t, gpa);
		return 0;
	default:
		run->exit_reason = AXAS_VCPU_EXIT_FAULT;
		run->fault.gpa = gpa;
		run->fault.access = access;
		run->fault.result = result;
		return 0;
	}
}

/* finish the exit the VMM has seen: load result, step over the instruction */
static void rv_complete(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u64 v;

	switch (a->pending) {
	case RV_PENDING_MMIO_LOAD:
		v = axas_vcpu_mmio_extend(run->mmio.data, run->mmio.len,
					  a->mmio_signed);
		if (a->mmio_rd)
			a->ctx.guest.x[a->mmio_rd] = v;
		fallthrough;
	case RV_PENDING_MMIO_STORE:
		a->ctx.guest.sepc += a->insn_len;
		break;
	case RV_PENDING_SBI:
		a->ctx.guest.x[10] = run->sbi.ret[0];
		a->ctx.guest.x[11] = run->sbi.ret[1];
		a->ctx.guest.sepc += 4;
		break;
	case RV_PENDING_NONE:
		break;
	}
	a->pending = RV_PENDING_NONE;
}

static int rv_enter_and_handle(struct axas_vcpu *vcpu)
{
	struct rv_trap trap;

	rv_enter(vcpu, &trap);
	return rv_handle_trap(vcpu, &trap);
}

int axas_vcpu_arch_run(struct axas_vcpu *vcpu)
{
	rv_complete(vcpu);
	return axas_vcpu_run_loop(vcpu, rv_enter_and_handle);
}

static void rv_fence_local(void *arg)
{
	const unsigned long *r = arg;	/* gpa, size, vmid */
	unsigned long gpa;

	if (!rv_vmid_max) {
		rv_hfence_gvma_all();
		return;
	}
	if (r[1] > 64 * PAGE_SIZE) {
		rv_hfence_gvma_vmid(r[2]);
		return;
	}
	for (gpa = r[0]; gpa < r[0] + r[1]; gpa += PAGE_SIZE)
		rv_hfence_gvma_vmid_gpa(gpa, r[2]);
}

void axas_vcpu_arch_invalidate(struct axas_vcpu *vcpu, u64 gpa, u64 size)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	unsigned long r[3] = { gpa, size, a->vmid };

	/* the table change before the mask: see rv_load_hgatp */
	smp_mb();
	if (cpumask_empty(&a->ran))
		return;
	if (rv_has_rfence) {
		if (rv_vmid_max)
			sbi_remote_hfence_gvma_vmid(&a->ran, gpa, size, a->vmid);
		else
			sbi_remote_hfence_gvma(&a->ran, gpa, size);
		return;
	}
	on_each_cpu_mask(&a->ran, rv_fence_local, r, true);
}
