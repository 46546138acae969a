// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu, x86-64 backend: Intel VMX with EPT. The guest runs with
 * VMLAUNCH on a VMCS whose EPTP is the root register of an axas EPT4 space
 * (axas_aspace_hw_regs(): write-back walks, 4 levels), as an unrestricted
 * guest in the mode the VMM sets (32-bit protected mode without paging,
 * or long mode with the guest's own page tables).
 *
 * One RUN loops in the kernel like the SVM backend. Each entry, with
 * interrupts disabled: VMXON on this CPU, VMCLEAR and VMPTRLD the vCPU's
 * VMCS, write the host state (and the guest state after SET_REGS),
 * VMLAUNCH; after the exit read what the exit needs, VMCLEAR (the VMCS
 * goes back to memory, any CPU may load it next), VMXOFF, enable
 * interrupts (a host interrupt that ended the guest's slice, an external
 * interrupt exit, is taken there). EPT violations on lazy RAM are resolved
 * with axas_handle_page_fault() without leaving the ioctl; where no region
 * is they exit as MMIO (the load or store decoded from guest memory, as
 * Bochs gives no instruction bytes), IN and OUT exit as PIO, VMCALL (and
 * VMMCALL, the AMD spelling the guests use, which raises #UD here) as an
 * SBI-like call, HLT as shutdown. An EPT misconfiguration exits as
 * AXAS_VCPU_EXIT_EXCEPTION with scause 49 (the VMX exit reason) and the
 * guest-physical address in htval: a table axas built wrongly, never the
 * guest's doing.
 *
 * VMX ownership (coexistence with kvm_intel): VMX root operation lasts
 * one entry, with interrupts disabled. A CPU whose CR4.VMXE is already
 * set is in VMX operation for another hypervisor (kvm_intel while it has
 * VMs on 6.1, from its load on 6.12): RUN fails with EBUSY there; nothing
 * is shared with it. kvm_intel's own VMXON on a CPU cannot come while
 * this module is in VMX operation there (interrupts are disabled), and
 * VMXOFF precedes every return.
 *
 * Dirty tracking: where the CPU has EPT accessed/dirty flags
 * (IA32_VMX_EPT_VPID_CAP bit 21, the read-only parameter ept_ad), every
 * vCPU binds with AXAS_CONSUMER_EPT_AD and runs with EPTP bit 6, so axas
 * tracks its space by the D bit the CPU sets, without exits; test_no_ept_ad
 * makes new vCPUs run without (write protection: a logged write exits as a
 * FAULT, which the VMM re-runs).
 *
 * TLB: no VPID, so every entry and exit drops the guest's linear
 * translations; what EPT adds (guest-physical and combined mappings,
 * tagged with the EPTP) survives VMXOFF, so INVEPT single-context flushes
 * them before the guest runs: the first time the vCPU runs on a CPU, at
 * the first entry of every RUN, and whenever axas invalidated a range
 * since the vCPU last ran there. The invalidation callback marks every
 * CPU the vCPU ran on and sends an IPI to the CPU that is running it, if
 * any (an external interrupt exit); on_each_cpu semantics (wait for the
 * handler) make the callback return only once that CPU is out of the
 * guest, and its next entry flushes.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include <asm/cpu_entry_area.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "x86.h"
#include "x86_vmx_ops.h"

int axas_vmx_enter(unsigned long *gpr);

/* the TPR class that keeps the local timer (0xec) out, not IPIs (0xf?) */
#define VMX_QUIET_CR8		0xe
/* EPT accessed and dirty flags (SDM 29.3.5): the capability, the EPTP bit */
#define VMX_CAP_EPT_AD		BIT_ULL(21)
#define VMX_EPTP_AD		BIT_ULL(6)
#define VMX_UD_VECTOR		6
#define VMX_NMI_VECTOR		2

static bool vmx_ept_ad;
module_param_named(ept_ad, vmx_ept_ad, bool, 0444);
MODULE_PARM_DESC(ept_ad,
		 "the CPU has EPT accessed/dirty flags: vCPUs run with them on and dirty tracking reads the D bit (read only)");
static bool vmx_test_no_ept_ad;
module_param_named(test_no_ept_ad, vmx_test_no_ept_ad, bool, 0644);
MODULE_PARM_DESC(test_no_ept_ad,
		 "test only: new vCPUs run without EPT accessed/dirty flags (dirty tracking by write protection)");

static bool vmx_test_misconfig;
module_param_named(test_ept_misconfig, vmx_test_misconfig, bool, 0644);
MODULE_PARM_DESC(test_ept_misconfig,
		 "test only: the next MMIO access (an EPT violation where nothing is mapped) meets an entry with W but no R, planted in the empty slot of axas's table on its path, and exits as an EPT misconfiguration");

enum vmx_pending {
	VMX_PENDING_NONE,
	VMX_PENDING_MMIO_LOAD,
	VMX_PENDING_MMIO_STORE,
	VMX_PENDING_PIO_IN,
	VMX_PENDING_PIO_OUT,
	VMX_PENDING_CALL,
};

/* the guest state kept outside the VMCS (written to it after SET_REGS) */
struct vmx_guest {
	u64 rip, rsp, rflags, cr0, cr3, cr4, efer;
	u64 rflags_if;		/* RFLAGS.IF as the VMM set it (see below) */
};

/* what the exit left in the VMCS, read before VMCLEAR */
struct vmx_exit_info {
	u32 reason;
	u32 intr_info;
	u32 insn_len;
	u64 qual;
	u64 gpa;
};

struct axas_vcpu_arch {
	struct page *vmcs;
	u64 eptp;
	u64 *planted;	/* test_ept_misconfig: the entry to take out again */
	unsigned long gpr[16];	/* RSP is guest.rsp */
	struct vmx_guest guest;
	struct vmx_exit_info exit;
	bool guest_dirty;	/* guest changed by SET_REGS: rewrite the VMCS */
	bool fresh;		/* the VMCS's controls are not written yet */
	struct axas_x86_tlb tlb;	/* where eptp's mappings may be cached */
	enum vmx_pending pending;
	u64 next_rip;
	struct axas_x86_mmio mmio;
};

/* what VMX offers, read once at load */
static struct {
	bool ok;
	u32 revision;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool invept_single;
} vmx;

static DEFINE_PER_CPU(struct page *, vmx_vmxon_region);

static inline unsigned long vmx_read_cr8(void)
{
	unsigned long v;

	asm volatile("mov %%cr8, %0" : "=r" (v));
	return v;
}

static inline void vmx_write_cr8(unsigned long v)
{
	asm volatile("mov %0, %%cr8" : : "r" (v) : "memory");
}

/* ---- load */

static void vmx_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page **p = per_cpu_ptr(&vmx_vmxon_region, cpu);

		if (*p)
			__free_page(*p);
		*p = NULL;
	}
}

static int vmx_init(bool *usable)
{
	u32 pin_msr = MSR_IA32_VMX_PINBASED_CTLS, proc_msr = MSR_IA32_VMX_PROCBASED_CTLS;
	u32 exit_msr = MSR_IA32_VMX_EXIT_CTLS, entry_msr = MSR_IA32_VMX_ENTRY_CTLS;
	u32 proc, exit, entry;
	u64 basic, feat, ept;
	int cpu;

	if (!boot_cpu_has(X86_FEATURE_VMX))
		return 0;
	rdmsrl(MSR_IA32_FEAT_CTL, feat);
	if ((feat & (FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) !=
	    (FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_info("axas_vcpu: VMX disabled by the firmware (IA32_FEATURE_CONTROL)\n");
		return 0;
	}
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if (FIELD_GET(VMX_BASIC_MEMTYPE, basic) != VMX_MEMTYPE_WB ||
	    FIELD_GET(VMX_BASIC_SIZE, basic) > PAGE_SIZE) {
		pr_info("axas_vcpu: VMX without write-back VMCS in a page\n");
		return 0;
	}
	if (basic & VMX_BASIC_TRUE) {
		pin_msr = MSR_IA32_VMX_TRUE_PINBASED_CTLS;
		proc_msr = MSR_IA32_VMX_TRUE_PROCBASED_CTLS;
		exit_msr = MSR_IA32_VMX_TRUE_EXIT_CTLS;
		entry_msr = MSR_IA32_VMX_TRUE_ENTRY_CTLS;
	}
	/*
	 * Exits on external interrupts and NMIs; HLT, every I/O port and every
	 * MSR (no bitmaps), CR8 (the guest must not move the host's TPR),
	 * MONITOR/MWAIT; EPT and unrestricted guest.
	 */
	proc = CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
	       CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
	       CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
	       CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	exit = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
	       VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT;
	entry = VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT;
	if (vmx_ctl(pin_msr, PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
		    PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING, &vmx.pin) ||
	    vmx_ctl(proc_msr, proc, proc & ~(CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING),
		    &vmx.proc) ||
	    vmx_ctl(MSR_IA32_VMX_PROCBASED_CTLS2,
		    SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST,
		    SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST, &vmx.proc2) ||
	    vmx_ctl(exit_msr, exit, exit, &vmx.exit) ||
	    vmx_ctl(entry_msr, entry, entry, &vmx.entry)) {
		pr_info("axas_vcpu: VMX without EPT, unrestricted guest or the EFER/PAT controls\n");
		return 0;
	}
	/* never an IA-32e guest by default: set_regs decides */
	vmx.entry &= ~VM_ENTRY_IA32E_MODE;
	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept);
	if (!(ept & VMX_EPT_PAGE_WALK_4_BIT) || !(ept & VMX_EPTP_WB_BIT) ||
	    !(ept & VMX_EPT_INVEPT_BIT) ||
	    !(ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT))) {
		pr_info("axas_vcpu: EPT without 4-level write-back walks or INVEPT\n");
		return 0;
	}
	vmx.invept_single = ept & VMX_EPT_EXTENT_CONTEXT_BIT;
	vmx_ept_ad = ept & VMX_CAP_EPT_AD;
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx.cr4_fixed1);
	vmx.revision = FIELD_GET(VMX_BASIC_REVISION, basic);

	for_each_possible_cpu(cpu) {
		struct page *p = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);

		if (!p) {
			vmx_free_cpus();
			return -ENOMEM;
		}
		*(u32 *)page_address(p) = vmx.revision;
		*per_cpu_ptr(&vmx_vmxon_region, cpu) = p;
	}
	vmx.ok = true;
	*usable = true;
	pr_info("axas_vcpu: x86-64 Intel VMX with EPT (unrestricted guest, INVEPT %s-context, A/D flags %s; IA32_VMX_EPT_VPID_CAP %#llx)\n",
		vmx.invept_single ? "single" : "all", vmx_ept_ad ? "on" : "off", ept);
	return 0;
}

static void vmx_unload(void)
{
	vmx_free_cpus();
	vmx.ok = false;
}

/* ---- vCPUs */

static int vmx_create(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a;
	struct axas_hw_regs hw;
	int ret;

	if (!vmx.ok)
		return -EOPNOTSUPP;
	ret = axas_aspace_hw_regs(vcpu->as, 0, &hw);
	if (ret)
		return ret;
	if (hw.format != AXAS_FMT_EPT4)
		return -EINVAL;	/* not a table this backend walks */
	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	a->vmcs = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!a->vmcs) {
		kfree(a);
		return -ENOMEM;
	}
	*(u32 *)page_address(a->vmcs) = vmx.revision;
	a->eptp = hw.root_reg;
	/*
	 * The promise is made by the bind that follows, which also makes
	 * axas_aspace_hw_regs() answer with bit 6: the same EPTP.
	 */
	if (vmx_ept_ad && !READ_ONCE(vmx_test_no_ept_ad)) {
		vcpu->consumer.flags |= AXAS_CONSUMER_EPT_AD;
		a->eptp |= VMX_EPTP_AD;
	}
	axas_x86_tlb_init(&a->tlb);
	a->fresh = true;
	a->guest_dirty = true;
	a->guest.cr0 = AXAS_X86_CR0_FIXED;
	a->guest.rflags = X86_EFLAGS_FIXED;
	vcpu->arch = a;
	return 0;
}

static void vmx_destroy(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;

	/* cleared after every exit: no CPU holds the VMCS */
	__free_page(a->vmcs);
	kfree(a);
}

static void vmx_get_regs(struct axas_vcpu *vcpu, struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;

	memcpy(regs->gpr, a->gpr, sizeof(regs->gpr));
	regs->gpr[4] = a->guest.rsp;
	regs->rip = a->guest.rip;
	regs->rflags = a->guest.rflags;
	regs->cr0 = a->guest.cr0;
	regs->cr3 = a->guest.cr3;
	regs->cr4 = a->guest.cr4;
	regs->efer = a->guest.efer & (EFER_LME | EFER_LMA | EFER_NX);
}

static int vmx_set_regs(struct axas_vcpu *vcpu, const struct axas_vcpu_regs *regs)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	u64 efer;

	if (axas_x86_check_regs(regs, &efer))
		return -EINVAL;

	memcpy(a->gpr, regs->gpr, sizeof(a->gpr));
	a->guest.rsp = regs->gpr[4];
	a->guest.rip = regs->rip;
	a->guest.rflags = regs->rflags | X86_EFLAGS_FIXED;
	a->guest.rflags_if = regs->rflags & X86_EFLAGS_IF;
	a->guest.cr0 = regs->cr0 | X86_CR0_ET | X86_CR0_NE;
	a->guest.cr3 = regs->cr3;
	a->guest.cr4 = regs->cr4;
	a->guest.efer = efer;
	a->guest_dirty = true;
	/* new registers: an exit that was not completed is forgotten */
	a->pending = VMX_PENDING_NONE;
	return 0;
}

/* ---- the VMCS */

/* the guest's registers and flat segments for its mode */
static bool vmx_write_guest(struct axas_vcpu_arch *a)
{
	const struct vmx_guest *g = &a->guest;
	bool lm = g->efer & EFER_LMA, fail = false;
	u64 cr0, cr4;

	/* the fixed bits of VMX operation; PE and PG are the guest's (unrestricted) */
	cr0 = (g->cr0 | (vmx.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG))) & vmx.cr0_fixed1;
	cr4 = (g->cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1;
	fail |= vmx_write(GUEST_CR0, cr0) | vmx_write(CR0_READ_SHADOW, g->cr0);
	fail |= vmx_write(GUEST_CR3, g->cr3);
	fail |= vmx_write(GUEST_CR4, cr4) | vmx_write(CR4_READ_SHADOW, g->cr4);
	fail |= vmx_write(GUEST_IA32_EFER, g->efer);
	fail |= vmx_write(VM_ENTRY_CONTROLS, vmx.entry | (lm ? VM_ENTRY_IA32E_MODE : 0));
	/*
	 * The guest runs with RFLAGS.IF set, whatever the VMM set. Bochs 2.7
	 * re-evaluates its interrupt masking when VM entry loads RFLAGS, but
	 * before it counts the CPU as in the guest: entered with IF clear,
	 * the host's masking stays and no external interrupt ever ends the
	 * guest's slice, though external-interrupt exiting makes IF
	 * irrelevant (SDM). With IF set, the unmasking does not depend on
	 * that. As every external interrupt exits and nothing is injected,
	 * IF = 1 changes only what PUSHF reads; GET_REGS reports the VMM's IF.
	 */
	fail |= vmx_write(GUEST_RSP, g->rsp) | vmx_write(GUEST_RIP, g->rip) |
		vmx_write(GUEST_RFLAGS, g->rflags | X86_EFLAGS_IF);

	fail |= vmx_write_flat_segs(lm);
	return fail;
}

/* controls and the guest state that never changes, once per VMCS */
static bool vmx_write_controls(struct axas_vcpu_arch *a)
{
	bool fail = false;

	fail |= vmx_write(PIN_BASED_VM_EXEC_CONTROL, vmx.pin);
	fail |= vmx_write(CPU_BASED_VM_EXEC_CONTROL, vmx.proc);
	fail |= vmx_write(SECONDARY_VM_EXEC_CONTROL, vmx.proc2);
	fail |= vmx_write(VM_EXIT_CONTROLS, vmx.exit);
	fail |= vmx_write_plain_state();
	/* the guest may change every CR0 bit, no CR4 bit but VMXE it cannot see */
	fail |= vmx_write(CR0_GUEST_HOST_MASK, 0);
	fail |= vmx_write(CR4_GUEST_HOST_MASK, X86_CR4_VMXE);
	fail |= vmx_write(EPT_POINTER, a->eptp);
	fail |= vmx_write(GUEST_IA32_PAT, 0x0007040600070406ULL);	/* power-on PAT */
	return fail;
}

static void vmx_read_exit(struct axas_vcpu_arch *a)
{
	struct vmx_exit_info *e = &a->exit;
	struct vmx_guest *g = &a->guest;
	u64 cr0, cr4;

	e->reason = vmx_read(VM_EXIT_REASON);
	e->qual = vmx_read(EXIT_QUALIFICATION);
	e->intr_info = vmx_read(VM_EXIT_INTR_INFO);
	e->insn_len = vmx_read(VM_EXIT_INSTRUCTION_LEN);
	e->gpa = vmx_read(GUEST_PHYSICAL_ADDRESS);
	g->rip = vmx_read(GUEST_RIP);
	g->rsp = vmx_read(GUEST_RSP);
	g->rflags = (vmx_read(GUEST_RFLAGS) & ~X86_EFLAGS_IF) | g->rflags_if;
	g->cr3 = vmx_read(GUEST_CR3);
	g->efer = vmx_read(GUEST_IA32_EFER);
	/* the bits the guest owns from the register, the others from the shadow */
	cr0 = vmx_read(GUEST_CR0);
	cr4 = vmx_read(GUEST_CR4);
	g->cr0 = cr0;
	g->cr4 = (cr4 & ~X86_CR4_VMXE) | (vmx_read(CR4_READ_SHADOW) & X86_CR4_VMXE);
}

/*
 * One entry and exit. 0, -EBUSY when another hypervisor holds VMX on this
 * CPU, -EIO when the CPU refused a VMX instruction (logged).
 */
static int vmx_enter(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	bool quiet = READ_ONCE(axas_vcpu_test_quiet), nmi;
	u64 vmcs_pa = page_to_phys(a->vmcs);
	struct vmx_host_segs host;
	unsigned long cr8 = 0;
	const char *what;
	int cpu, ret = 0;

	local_irq_disable();
	cpu = smp_processor_id();
	if (cr4_read_shadow() & X86_CR4_VMXE) {
		local_irq_enable();
		return -EBUSY;
	}
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (vmx_on(page_to_phys(*this_cpu_ptr(&vmx_vmxon_region)))) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		local_irq_enable();
		pr_info_ratelimited("axas_vcpu: VMXON failed\n");
		return -EIO;
	}
	what = "VMCLEAR/VMPTRLD";
	if (vmx_clear(vmcs_pa) || vmx_ptrld(vmcs_pa))
		goto fail;
	what = "VMWRITE";
	if (a->fresh) {
		if (vmx_write_controls(a))
			goto fail;
		a->fresh = false;
	}
	if (a->guest_dirty) {
		if (vmx_write_guest(a))
			goto fail;
		a->guest_dirty = false;
	}
	if (vmx_write_host(cpu))
		goto fail;

	if (axas_x86_tlb_enter(&a->tlb, cpu)) {
		if (vmx.invept_single)
			vmx_invept(VMX_EPT_EXTENT_CONTEXT, a->eptp);
		else
			vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	}

	vmx_host_save(&host);
	/* test only: a TPR that keeps the timer out, IPIs (class 15) in */
	if (quiet) {
		cr8 = vmx_read_cr8();
		vmx_write_cr8(VMX_QUIET_CR8);
	}

	what = "VMLAUNCH";
	ret = axas_vmx_enter(a->gpr);

	if (quiet)
		vmx_write_cr8(cr8);
	vmx_host_restore(&host);
	axas_x86_tlb_exit(&a->tlb);
	if (ret)
		goto fail;
	vmx_read_exit(a);
	nmi = (a->exit.reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI &&
	      (a->exit.intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR;
	vmx_clear(vmcs_pa);
	vmx_off();
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	/* an NMI that ended the guest's slice goes to the host's handler */
	if (nmi)
		asm volatile("int $2");
	local_irq_enable();
	return 0;

fail:
	pr_info_ratelimited("axas_vcpu: %s failed, VM-instruction error %llu\n", what,
			    vmx_read(VM_INSTRUCTION_ERROR));
	vmx_clear(vmcs_pa);
	vmx_off();
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	local_irq_enable();
	return -EIO;
}

/* ---- exits */

static void vmx_exit_exception(struct axas_vcpu *vcpu)
{
	const struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;

	run->exit_reason = AXAS_VCPU_EXIT_EXCEPTION;
	run->exception.scause = a->exit.reason;
	run->exception.stval = a->exit.reason == EXIT_REASON_EXCEPTION_NMI ?
			       a->exit.intr_info : a->exit.qual;
	run->exception.htval = a->exit.gpa;
	run->exception.htinst = a->guest.rip;
}

static u64 *vmx_reg(struct axas_vcpu_arch *a, unsigned int reg)
{
	if (reg == 4)
		return &a->guest.rsp;
	return (u64 *)&a->gpr[reg];
}

static void vmx_exit_mmio(struct axas_vcpu *vcpu, u64 gpa, bool fetch)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	bool lm = a->guest.efer & EFER_LMA;
	unsigned int n;
	u8 insn[15];
	int ilen;

	if (fetch || axas_x86_read_insn(vcpu, a->guest.rip, lm, insn, &n))
		goto bad;
	ilen = axas_x86_decode(insn, n, lm, &a->mmio);
	if (ilen < 0)
		goto bad;
	if (axas_x86_mmio_exit(run, gpa, &a->mmio, *vmx_reg(a, a->mmio.reg)))
		a->pending = VMX_PENDING_MMIO_STORE;
	else
		a->pending = VMX_PENDING_MMIO_LOAD;
	a->next_rip = a->guest.rip + ilen;
	return;
bad:
	vmx_exit_exception(vcpu);
}

static void vmx_exit_pio(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u64 q = a->exit.qual;
	unsigned int len = (q & 7) + 1;

	/* string and REP forms are not emulated */
	if (q & (BIT(4) | BIT(5)) || (len != 1 && len != 2 && len != 4)) {
		vmx_exit_exception(vcpu);
		return;
	}
	run->exit_reason = AXAS_VCPU_EXIT_PIO;
	run->pio.port = q >> 16;
	run->pio.len = len;
	run->pio.is_write = !(q & BIT(3));
	run->pio.reserved = 0;
	run->pio.data = 0;
	if (run->pio.is_write) {
		run->pio.data = a->gpr[0] & ((1ULL << (8 * len)) - 1);
		a->pending = VMX_PENDING_PIO_OUT;
	} else {
		a->pending = VMX_PENDING_PIO_IN;
	}
	a->next_rip = a->guest.rip + a->exit.insn_len;
}

static void vmx_exit_call(struct axas_vcpu *vcpu, unsigned int len)
{
	struct axas_vcpu_arch *a = vcpu->arch;

	axas_x86_call(vcpu, a->gpr[0], a->gpr);
	a->next_rip = a->guest.rip + len;
	a->pending = VMX_PENDING_CALL;
}

/* #UD: VMMCALL (0f 01 d9), the AMD call the guests use, is a call here too */
static void vmx_exit_ud(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	u8 insn[15];
	unsigned int n;

	if (!axas_x86_read_insn(vcpu, a->guest.rip, a->guest.efer & EFER_LMA, insn, &n) &&
	    n >= 3 && insn[0] == 0x0f && insn[1] == 0x01 && insn[2] == 0xd9) {
		vcpu->run->stats.insn_reads--;	/* not an MMIO decode */
		vmx_exit_call(vcpu, 3);
		return;
	}
	vmx_exit_exception(vcpu);
}

/*
 * test_ept_misconfig: the empty slot on @gpa's path through the table takes
 * an entry with W but no R, which the SDM calls a misconfiguration at any
 * level: the guest's access, retried, ends in exit 49, the path this
 * exercises. The slot held nothing, so no TLB can hold it, and it is
 * emptied again (if still ours) before the exit reaches the VMM. This
 * writes into axas's table behind its back: a test of one vCPU with no
 * map or unmap meanwhile, never for real spaces. False when @gpa is mapped.
 */
#define VMX_EPT_W_ONLY	BIT_ULL(1)
#define VMX_EPT_RWX	7ULL
#define VMX_EPT_LEAF	BIT_ULL(7)
#define VMX_EPT_ADDR	GENMASK_ULL(51, 12)

static bool vmx_plant_misconfig(struct axas_vcpu_arch *a, u64 gpa)
{
	int level = FIELD_GET(GENMASK_ULL(5, 3), a->eptp);	/* levels - 1 */
	u64 *table = phys_to_virt(a->eptp & VMX_EPT_ADDR);

	for (; level >= 0; level--) {
		u64 *pte = &table[(gpa >> (12 + 9 * level)) & 511];
		u64 e = READ_ONCE(*pte);

		if (!(e & VMX_EPT_RWX)) {
			if (cmpxchg64(pte, e, VMX_EPT_W_ONLY) != e)
				return false;
			a->planted = pte;
			return true;
		}
		if (!level || (e & VMX_EPT_LEAF))
			return false;
		table = phys_to_virt(e & VMX_EPT_ADDR);
	}
	return false;
}

static void vmx_unplant_misconfig(struct axas_vcpu_arch *a)
{
	if (!a->planted)
		return;
	cmpxchg64(a->planted, VMX_EPT_W_ONLY, 0);
	a->planted = NULL;
}

/* 1: resume the guest; 0: exit to the VMM; < 0: RUN fails */
static int vmx_handle_exit(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;
	u64 gpa = a->exit.gpa, q = a->exit.qual;
	u32 access, info = a->exit.intr_info;
	int ret;

	switch (a->exit.reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		run->stats.irq_exits++;
		return 1;
	case EXIT_REASON_EXCEPTION_NMI:
		if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) {
			run->stats.irq_exits++;
			return 1;
		}
		if ((info & INTR_INFO_VECTOR_MASK) == VMX_UD_VECTOR) {
			vmx_exit_ud(vcpu);
			return 0;
		}
		vmx_exit_exception(vcpu);
		return 0;
	case EXIT_REASON_VMCALL:
		vmx_exit_call(vcpu, a->exit.insn_len);
		return 0;
	case EXIT_REASON_HLT:
		memset(&run->sbi, 0, sizeof(run->sbi));
		run->exit_reason = AXAS_VCPU_EXIT_SHUTDOWN;
		a->next_rip = a->guest.rip + a->exit.insn_len;
		a->pending = VMX_PENDING_NONE;
		return 0;
	case EXIT_REASON_IO_INSTRUCTION:
		vmx_exit_pio(vcpu);
		return 0;
	case EXIT_REASON_EPT_VIOLATION:
		break;
	default:
		/* EPT misconfiguration (49) included: reported, never retried */
		vmx_unplant_misconfig(a);
		vmx_exit_exception(vcpu);
		return 0;
	}

	access = q & EPT_VIOLATION_ACC_WRITE ? AXAS_MAP_WRITE :
		 q & EPT_VIOLATION_ACC_INSTR ? AXAS_MAP_EXEC : AXAS_MAP_READ;
	ret = axas_x86_nested_fault(vcpu, &a->tlb, gpa, access);
	if (ret != AXAS_X86_FAULT_MMIO)
		return ret;
	if (READ_ONCE(vmx_test_misconfig) && !a->planted &&
	    vmx_plant_misconfig(a, gpa))
		return 1;
	vmx_exit_mmio(vcpu, gpa, access == AXAS_MAP_EXEC);
	return 0;
}

/* finish the exit the VMM has seen: load result, step over the instruction */
static void vmx_complete(struct axas_vcpu *vcpu)
{
	struct axas_vcpu_arch *a = vcpu->arch;
	struct axas_vcpu_run *run = vcpu->run;

	switch (a->pending) {
	case VMX_PENDING_MMIO_LOAD:
		axas_x86_load(vmx_reg(a, a->mmio.reg), &a->mmio, run->mmio.data);
		break;
	case VMX_PENDING_PIO_IN:
		axas_x86_pio_in((u64 *)&a->gpr[0], run->pio.len, run->pio.data);
		break;
	case VMX_PENDING_CALL:
		a->gpr[0] = run->sbi.ret[0];
		a->gpr[2] = run->sbi.ret[1];
		break;
	case VMX_PENDING_MMIO_STORE:
	case VMX_PENDING_PIO_OUT:
		break;
	case VMX_PENDING_NONE:
		return;
	}
	a->guest.rip = a->next_rip;
	a->guest_dirty = true;
	a->pending = VMX_PENDING_NONE;
}

static int vmx_enter_and_handle(struct axas_vcpu *vcpu)
{
	return vmx_enter(vcpu) ?: vmx_handle_exit(vcpu);
}

static int vmx_run(struct axas_vcpu *vcpu)
{
	int ret;

	vmx_complete(vcpu);
	ret = axas_x86_run(vcpu, &vcpu->arch->tlb, vmx_enter_and_handle);
	/* a test's planted entry never outlives the RUN that planted it */
	vmx_unplant_misconfig(vcpu->arch);
	return ret;
}

static void vmx_invalidate(struct axas_vcpu *vcpu, u64 gpa, u64 size)
{
	axas_x86_tlb_invalidate(&vcpu->arch->tlb);
}

const struct axas_x86_backend axas_vmx_backend = {
	.name = "Intel VMX",
	.init = vmx_init,
	.exit = vmx_unload,
	.create = vmx_create,
	.destroy = vmx_destroy,
	.get_regs = vmx_get_regs,
	.set_regs = vmx_set_regs,
	.run = vmx_run,
	.invalidate = vmx_invalidate,
};
