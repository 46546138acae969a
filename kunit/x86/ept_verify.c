// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel EPT verifier: a table is loaded as the EPTP of a VMCS and a
 * tiny guest, entered with VMLAUNCH/VMRESUME, reads, writes and fetches
 * through it; the VM exit tells what happened (VMCALL: the access went
 * through; EPT violation, exit reason 48: it faulted, with the
 * guest-physical address and an exit qualification that says which access
 * and what the entries allowed; EPT misconfiguration, reason 49: an entry
 * the SDM forbids). Facts from the Intel SDM Vol. 3C: "EPT Translation
 * Mechanism", "Extended-Page-Table Pointer (EPTP)", "Exit Qualification for
 * EPT Violations", and Vol. 3D appendix A (the VMX capability MSRs); field
 * encodings and control bits from <asm/vmx.h>. The software walk is the
 * shared one (kunit/hwverify/) over kunit/ref_decode.c. Nothing here uses
 * axas_npt's codecs.
 *
 * The guest runs in 64-bit mode at CPL 0 with its own 4-level paging, as
 * the NPT verifier's does: one 1 GiB page maps its code, a second one is
 * the window onto the 1 GiB block of the address under test, rewritten
 * before every run. Its code and page tables live in EPT_CODE_PAGES pages
 * at EPT_CODE_GPA, a guest-physical address every scene leaves empty and
 * that any MAXPHYADDR reaches. The hardware walks a copy of the path from
 * the table's root down to where that address is empty, with the code's
 * tables below it; every entry the copy holds is the table's own, so every
 * entry the hardware uses for a probe is the table's. Probes that would
 * land on the code pages are skipped.
 *
 * VMX root operation lasts one hwv_verify() on one CPU with interrupts
 * off: CR4.VMXE, VMXON, the probes, VMXOFF. A CPU already in VMX operation
 * (kvm_intel with virtualization enabled) is reported, not shared.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "kunit/hwverify.h"
#include "kunit/x86/hwv_x86.h"
#include "samples/axas_vcpu/x86_vmx_ops.h"

/* SDM Vol. 3C, EPT paging-structure entries */
#define E_R		BIT_ULL(0)
#define E_W		BIT_ULL(1)
#define E_X		BIT_ULL(2)
#define E_RWX		(E_R | E_W | E_X)
#define E_MT_WB		(6ULL << 3)
#define E_ADDR		GENMASK_ULL(51, 12)

/* EPTP: memory type 2:0, walk length - 1 in 5:3, A/D 6, reserved 11:7 */
#define EPTP_MT		GENMASK_ULL(2, 0)
#define EPTP_PWL	GENMASK_ULL(5, 3)
#define EPTP_RSVD	(GENMASK_ULL(11, 7) | GENMASK_ULL(63, 52))
#define EPTP_MT_UC	0
#define EPTP_MT_WB	6

/* Exit qualification of an EPT violation: the access and what was allowed */
#define Q_READ		BIT_ULL(0)
#define Q_WRITE		BIT_ULL(1)
#define Q_FETCH		BIT_ULL(2)
#define Q_R		BIT_ULL(3)	/* AND of bit 0 of the entries walked */
#define Q_W		BIT_ULL(4)
#define Q_X		BIT_ULL(5)
#define Q_GLA_VALID	BIT_ULL(7)
#define Q_FINAL		BIT_ULL(8)	/* the final address, not a guest table */
#define Q_MASK		(GENMASK_ULL(5, 0) | Q_GLA_VALID | Q_FINAL)

/* Long-mode paging entries of the guest's own tables (SDM Vol. 3A, 4.5) */
#define G_P		BIT_ULL(0)
#define G_RW		BIT_ULL(1)
#define G_A		BIT_ULL(5)
#define G_D		BIT_ULL(6)
#define G_PS		BIT_ULL(7)
#define GPTE_TABLE	(G_P | G_RW | G_A)
#define GPTE_1G		(G_P | G_RW | G_A | G_D | G_PS)

/* The guest's code, page tables and a spare page; empty in every scene. */
#define EPT_CODE_GPA	(3ULL * SZ_1G)
#define EPT_CODE_PAGES	4
#define EPT_MAX_COPIES	(2 * AXAS_NPT_MAX_LEVELS)

/* The probe guest's entry points (kunit/x86/hwv_x86.h), VMCALL after each */

static const u8 ept_guest_code[] = {
	[HWV_X86_READ] = 0x48, 0x8b, 0x00, 0x0f, 0x01, 0xc1,
	[HWV_X86_WRITE] = 0x48, 0x89, 0x20, 0x0f, 0x01, 0xc1,
	[HWV_X86_JUMP] = 0xff, 0xe0,
};

static const u8 ept_vmcall[] = { 0x0f, 0x01, 0xc1 };

static atomic_t ept_misconfig_count = ATOMIC_INIT(0);

unsigned int hwv_ept_misconfigs(void)
{
	return atomic_read(&ept_misconfig_count);
}

/* ---- what the CPU offers --------------------------------------------- */

struct ept_caps {
	u32 revision;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept;
};

/* NULL and @c filled when this CPU can run the probes, else why not. */
static const char *ept_caps_read(struct ept_caps *c)
{
	u32 pin_msr = MSR_IA32_VMX_PINBASED_CTLS;
	u32 proc_msr = MSR_IA32_VMX_PROCBASED_CTLS;
	u32 exit_msr = MSR_IA32_VMX_EXIT_CTLS;
	u32 entry_msr = MSR_IA32_VMX_ENTRY_CTLS;
	u32 exit = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_EFER;
	u32 entry = VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_IA32_EFER;
	u64 basic, feat;

	if (!boot_cpu_has(X86_FEATURE_VMX))
		return "no VMX (or disabled: needs CONFIG_KVM_INTEL): run in Bochs";
	rdmsrl(MSR_IA32_FEAT_CTL, feat);
	if (!(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return "VMX disabled by IA32_FEATURE_CONTROL";
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if (FIELD_GET(VMX_BASIC_SIZE, basic) > PAGE_SIZE)
		return "VMCS larger than a page";
	if (basic & VMX_BASIC_TRUE) {
		pin_msr = MSR_IA32_VMX_TRUE_PINBASED_CTLS;
		proc_msr = MSR_IA32_VMX_TRUE_PROCBASED_CTLS;
		exit_msr = MSR_IA32_VMX_TRUE_EXIT_CTLS;
		entry_msr = MSR_IA32_VMX_TRUE_ENTRY_CTLS;
	}
	if (vmx_ctl(pin_msr, 0, 0, &c->pin) ||
	    vmx_ctl(proc_msr, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
		    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, &c->proc) ||
	    vmx_ctl(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_ENABLE_EPT,
		    SECONDARY_EXEC_ENABLE_EPT, &c->proc2) ||
	    vmx_ctl(exit_msr, exit, exit, &c->exit) ||
	    vmx_ctl(entry_msr, entry, entry, &c->entry))
		return "VMX without EPT, a 64-bit guest or the EFER controls";
	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, c->ept);
	if (!(c->ept & VMX_EPT_INVEPT_BIT) ||
	    !(c->ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT)))
		return "EPT without INVEPT";
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);
	c->revision = FIELD_GET(VMX_BASIC_REVISION, basic);
	return NULL;
}

static const char *ept_absent(u32 format)
{
	struct ept_caps c;
	const char *why = ept_caps_read(&c);

	if (why)
		return why;
	if (format == AXAS_FMT_EPT4 && !(c.ept & VMX_EPT_PAGE_WALK_4_BIT))
		return "EPT without 4-level walks";
	if (format == AXAS_FMT_EPT5 && !(c.ept & VMX_EPT_PAGE_WALK_5_BIT))
		return "no 5-level EPT (IA32_VMX_EPT_VPID_CAP bit 7): software only";
	return NULL;
}

static bool ept_walks(u32 format)
{
	return format == AXAS_FMT_EPT4 || format == AXAS_FMT_EPT5;
}

static u64 ept_root(const struct hwv_table *t)
{
	return t->root_reg & E_ADDR;
}

static bool ept_check_shape(const struct hwv_table *t, struct hwv_report *rep,
			    bool *hw_ok)
{
	unsigned int levels = t->format == AXAS_FMT_EPT4 ? 4 : 5;
	u64 root = ept_root(t), mt = FIELD_GET(EPTP_MT, t->root_reg);
	struct ept_caps c;

	*hw_ok = false;
	if (t->levels != levels || t->gpa_bits != 12 + 9 * levels) {
		hwv_sw_fail(rep, "format %u levels %u gpa_bits %u: not an EPT table",
			    t->format, t->levels, t->gpa_bits);
		return false;
	}
	if (!hwv_arch_pa_is_ram(root)) {
		hwv_sw_fail(rep, "EPTP %#llx: root is not RAM", t->root_reg);
		return false;
	}
	if (root != t->root_pa)
		hwv_sw_fail(rep, "EPTP %#llx is not root %#llx", t->root_reg,
			    t->root_pa);
	if (FIELD_GET(EPTP_PWL, t->root_reg) != levels - 1)
		hwv_sw_fail(rep, "EPTP %#llx: walk length %llu for %u levels",
			    t->root_reg, FIELD_GET(EPTP_PWL, t->root_reg) + 1,
			    levels);
	if (mt != EPTP_MT_WB && mt != EPTP_MT_UC)
		hwv_sw_fail(rep, "EPTP %#llx: memory type %llu", t->root_reg, mt);
	if (t->root_reg & EPTP_RSVD)
		hwv_sw_fail(rep, "EPTP %#llx: reserved bits set", t->root_reg);
	/* the CPU judges the rest: a walk length or type it lacks fails entry */
	*hw_ok = !ept_caps_read(&c) &&
		 (c.ept & (levels == 4 ? VMX_EPT_PAGE_WALK_4_BIT :
			   VMX_EPT_PAGE_WALK_5_BIT));
	return true;
}

/* ---- one run ----------------------------------------------------------- */

struct ept_exit {
	u32 reason;
	u64 qual;
	u64 gpa;
	u64 rax;
	u64 rip;
};

struct ept_run {
	struct ept_caps caps;
	struct page *vmxon;
	struct page *vmcs;
	struct page *code;			/* EPT_CODE_PAGES pages */
	struct page *copy[EPT_MAX_COPIES];	/* the path to the code */
	unsigned int nr_copy;
	u64 eptp;
	u64 *gpdpt;				/* the guest's PDPT */
	u64 reach;				/* first gpa a guest cannot form */
	bool launched;
	struct ept_exit exit;
};

static void ept_run_free(struct ept_run *run)
{
	unsigned int i;

	if (run->vmxon)
		__free_page(run->vmxon);
	if (run->vmcs)
		__free_page(run->vmcs);
	if (run->code)
		__free_pages(run->code, get_order(EPT_CODE_PAGES * SZ_4K));
	for (i = 0; i < run->nr_copy; i++)
		__free_page(run->copy[i]);
	kfree(run);
}

static u64 *ept_new_table(struct ept_run *run, const u64 *from)
{
	struct page *p;

	if (run->nr_copy == EPT_MAX_COPIES)
		return NULL;
	p = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!p)
		return NULL;
	run->copy[run->nr_copy++] = p;
	if (from)
		memcpy(page_address(p), from, SZ_4K);
	return page_address(p);
}

/*
 * The hardware's root: the path from the table's root to EPT_CODE_GPA
 * copied while it exists (the entries stay the table's), then new tables
 * down to the code's leaves. -EBUSY when a leaf of the table covers the
 * code's address (recorded as a failure).
 */
static int ept_build_path(struct ept_run *run, const struct hwv_table *t,
			  struct hwv_report *rep)
{
	const u64 *from = phys_to_virt(ept_root(t));
	u64 *table = ept_new_table(run, from);
	int level;
	u64 i;

	if (!table)
		return -ENOMEM;
	run->eptp = (t->root_reg & ~E_ADDR) | virt_to_phys(table);
	for (level = t->levels - 1; level > 0; level--) {
		u64 *pte = &table[(EPT_CODE_GPA >> (12 + 9 * level)) & 511];
		u64 *next;

		from = NULL;
		if (*pte & E_RWX) {
			if (*pte & BIT_ULL(7)) {
				hwv_hw_fail(rep, "a leaf (%#llx) covers the guest's code at %#llx",
					    *pte, EPT_CODE_GPA);
				return -EBUSY;
			}
			from = phys_to_virt(*pte & E_ADDR);
		}
		next = ept_new_table(run, from);
		if (!next)
			return -ENOMEM;
		*pte = from ? (*pte & ~E_ADDR) | virt_to_phys(next) :
		       virt_to_phys(next) | E_RWX;
		table = next;
	}
	for (i = 0; i < EPT_CODE_PAGES; i++)
		table[((EPT_CODE_GPA >> 12) & 511) + i] =
			(page_to_phys(run->code) + i * SZ_4K) | E_RWX | E_MT_WB;
	return 0;
}

/* The guest: its code, and page tables mapping the code's 1 GiB block. */
static void ept_build_guest(struct ept_run *run)
{
	u8 *code = page_address(run->code);
	u64 *pml4 = (u64 *)(code + SZ_4K);

	memcpy(code, ept_guest_code, sizeof(ept_guest_code));
	run->gpdpt = (u64 *)(code + 2 * SZ_4K);
	pml4[0] = (EPT_CODE_GPA + 2 * SZ_4K) | GPTE_TABLE;
	run->gpdpt[0] = ALIGN_DOWN(EPT_CODE_GPA, SZ_1G) | GPTE_1G;
}

/* Controls and a 64-bit guest at CPL 0; every exception exits. */
static bool ept_write_guest(const struct ept_run *run)
{
	const struct ept_caps *c = &run->caps;
	u64 cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		  X86_CR0_WP | X86_CR0_PG;
	u64 cr4 = X86_CR4_PAE;
	bool fail = false;

	fail |= vmx_write(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	fail |= vmx_write(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	fail |= vmx_write(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	fail |= vmx_write(VM_EXIT_CONTROLS, c->exit);
	fail |= vmx_write(VM_ENTRY_CONTROLS, c->entry);
	fail |= vmx_write_plain_state();
	fail |= vmx_write(CR0_GUEST_HOST_MASK, 0);
	fail |= vmx_write(CR4_GUEST_HOST_MASK, 0);
	fail |= vmx_write(EPT_POINTER, run->eptp);

	fail |= vmx_write(GUEST_CR0, (cr0 | c->cr0_fixed0) & c->cr0_fixed1);
	fail |= vmx_write(GUEST_CR4, (cr4 | c->cr4_fixed0) & c->cr4_fixed1);
	fail |= vmx_write(CR0_READ_SHADOW, cr0);
	fail |= vmx_write(CR4_READ_SHADOW, cr4);
	fail |= vmx_write(GUEST_CR3, EPT_CODE_GPA + SZ_4K);
	fail |= vmx_write(GUEST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NX);
	fail |= vmx_write_flat_segs(true);
	return fail;
}

/*
 * One entry from @entry with RAX = @rax and RSP = @rsp, to its exit. The
 * guest changes no register but RAX and RSP (RSP comes back from the
 * VMCS), so the entry is inline: HOST_RSP is this very stack pointer and
 * HOST_RIP the label after the entry. VMfail sets CF or ZF; a VM exit
 * clears every flag. Returns false on VMfail.
 */
static bool ept_guest_run(struct ept_run *run, unsigned int entry, u64 rax,
			  u64 rsp)
{
	struct vmx_host_segs host;
	bool fail;

	fail = vmx_write(GUEST_RIP, (EPT_CODE_GPA & (SZ_1G - 1)) + entry) |
	       vmx_write(GUEST_RSP, rsp) |
	       vmx_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	if (fail)
		return false;
	/* a new guest mapping or table entry every run */
	if (run->caps.ept & VMX_EPT_EXTENT_CONTEXT_BIT)
		vmx_invept(VMX_EPT_EXTENT_CONTEXT, run->eptp);
	else
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);

	vmx_host_save(&host);

	asm volatile("vmwrite %%rsp, %[hrsp]\n\t"
		     "lea 1f(%%rip), %%rdx\n\t"
		     "vmwrite %%rdx, %[hrip]\n\t"
		     "test %[launched], %[launched]\n\t"
		     "jz 2f\n\t"
		     "vmresume\n\t"
		     "jmp 1f\n"
		     "2:\tvmlaunch\n"
		     "1:\tsetbe %[fail]"
		     : "+a" (rax), [fail] "=qm" (fail)
		     : [hrsp] "r" ((unsigned long)HOST_RSP),
		       [hrip] "r" ((unsigned long)HOST_RIP),
		       [launched] "r" ((unsigned long)run->launched)
		     : "memory", "cc", "rdx");

	vmx_host_restore(&host);
	if (fail)
		return false;
	run->exit.reason = vmx_read(VM_EXIT_REASON);
	run->exit.qual = vmx_read(EXIT_QUALIFICATION);
	run->exit.gpa = vmx_read(GUEST_PHYSICAL_ADDRESS);
	run->exit.rip = vmx_read(GUEST_RIP);
	run->exit.rax = rax;
	if (!(run->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		run->launched = true;
	if ((run->exit.reason & 0xffff) == EXIT_REASON_EPT_MISCONFIG)
		atomic_inc(&ept_misconfig_count);
	return true;
}

/* Point the guest's window at @gpa's 1 GiB block; its guest-virtual address. */
static u64 ept_window(struct ept_run *run, u64 gpa)
{
	run->gpdpt[1] = ALIGN_DOWN(gpa, SZ_1G) | GPTE_1G;
	return HWV_X86_WINDOW + (gpa & (SZ_1G - 1));
}

static bool ept_in_code(u64 gpa)
{
	return gpa - EPT_CODE_GPA < EPT_CODE_PAGES * SZ_4K;
}

/* A guest can form @gpa (below MAXPHYADDR) and it is not the guest's own. */
static bool ept_probe_ok(const struct ept_run *run, u64 gpa)
{
	return gpa < run->reach && !ept_in_code(gpa);
}

static void ept_fail_exit(struct hwv_hw *hw, u64 gpa, const char *what,
			  const char *want)
{
	const struct ept_exit *e = &((struct ept_run *)hw->priv)->exit;

	hwv_hw_fail(hw->rep, "%s gpa %#llx: exit %u%s qual %#llx gpa %#llx, want %s",
		    what, gpa, e->reason,
		    (e->reason & 0xffff) == EXIT_REASON_EPT_MISCONFIG ?
		    " (EPT misconfiguration)" : "", e->qual, e->gpa, want);
}

/* What the region's permissions let through, as the qualification says it. */
static u64 ept_allowed(u32 prot)
{
	return (prot & AXAS_MAP_READ ? Q_R : 0) |
	       (prot & AXAS_MAP_WRITE ? Q_W : 0) |
	       (prot & AXAS_MAP_EXEC ? Q_X : 0);
}

/*
 * An EPT violation at @gpa for @access, the entries allowing what @prot
 * grants (bits 5:3), on the final address of a guest-linear access.
 */
static void ept_expect_fault(struct hwv_hw *hw, u64 gpa, const char *what,
			     u32 access, u32 prot)
{
	const struct ept_exit *e = &((struct ept_run *)hw->priv)->exit;
	u64 want = (access == AXAS_MAP_WRITE ? Q_WRITE :
		    access == AXAS_MAP_EXEC ? Q_FETCH : Q_READ) |
		   ept_allowed(prot) | Q_GLA_VALID | Q_FINAL;

	if (e->reason == EXIT_REASON_EPT_VIOLATION && e->gpa == gpa &&
	    (e->qual & Q_MASK) == want) {
		hw->rep->hw_faults++;
		return;
	}
	ept_fail_exit(hw, gpa, what, "an EPT violation");
	if (e->reason == EXIT_REASON_EPT_VIOLATION && e->gpa == gpa)
		hwv_hw_fail(hw->rep, "%s gpa %#llx: qualification %#llx, want %#llx",
			    what, gpa, e->qual & Q_MASK, want);
}

/* The access went through: the guest reached its VMCALL. */
static bool ept_passed(struct hwv_hw *hw, u64 gpa, const char *what)
{
	const struct ept_exit *e = &((struct ept_run *)hw->priv)->exit;

	if (e->reason == EXIT_REASON_VMCALL)
		return true;
	ept_fail_exit(hw, gpa, what, "VMCALL");
	return false;
}

static bool ept_run_hw(struct hwv_hw *hw, unsigned int entry, u64 rax, u64 rsp)
{
	if (ept_guest_run(hw->priv, entry, rax, rsp))
		return true;
	hwv_hw_fail(hw->rep, "VMRESUME failed, VM-instruction error %llu",
		    vmx_read(VM_INSTRUCTION_ERROR));
	return false;
}

static u64 ept_rax(struct hwv_hw *hw)
{
	return ((struct ept_run *)hw->priv)->exit.rax;
}

static u64 ept_rip(struct hwv_hw *hw)
{
	return ((struct ept_run *)hw->priv)->exit.rip;
}

static u64 ept_window_hw(struct hwv_hw *hw, u64 gpa)
{
	return ept_window(hw->priv, gpa);
}

static bool ept_probe_ok_hw(struct hwv_hw *hw, u64 gpa)
{
	return ept_probe_ok(hw->priv, gpa);
}

static const struct hwv_x86_guest ept_guest = {
	.run = ept_run_hw,
	.passed = ept_passed,
	.expect_fault = ept_expect_fault,
	.rax = ept_rax,
	.rip = ept_rip,
	.window = ept_window_hw,
	.probe_ok = ept_probe_ok_hw,
	.call = ept_vmcall,
	.call_len = sizeof(ept_vmcall),
};

/* VMX operation around the probes; false (and a failure) if it could not start. */
static bool ept_vmx_on(struct ept_run *run, struct hwv_report *rep)
{
	u64 vmcs = page_to_phys(run->vmcs);

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		hwv_hw_fail(rep, "CR4.VMXE already set: another hypervisor holds VMX on this CPU");
		return false;
	}
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (vmx_on(page_to_phys(run->vmxon))) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		hwv_hw_fail(rep, "VMXON failed");
		return false;
	}
	if (vmx_clear(vmcs) || vmx_ptrld(vmcs) || ept_write_guest(run) ||
	    vmx_write_host(smp_processor_id())) {
		hwv_hw_fail(rep, "VMCS set-up failed, VM-instruction error %llu",
			    vmx_read(VM_INSTRUCTION_ERROR));
		vmx_clear(vmcs);
		vmx_off();
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		return false;
	}
	return true;
}

static void ept_vmx_off(struct ept_run *run)
{
	vmx_clear(page_to_phys(run->vmcs));
	vmx_off();
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
}

/* The guest itself must run: a read of its own code page. */
static bool ept_guest_runs(struct hwv_hw *hw)
{
	struct ept_run *run = hw->priv;
	const struct ept_exit *e = &run->exit;

	if (!ept_guest_run(run, HWV_X86_READ, ept_window(run, EPT_CODE_GPA), 0)) {
		hwv_hw_fail(hw->rep, "VMLAUNCH failed, VM-instruction error %llu",
			    vmx_read(VM_INSTRUCTION_ERROR));
		return false;
	}
	if (e->reason == EXIT_REASON_VMCALL &&
	    e->rax == *(u64 *)page_address(run->code))
		return true;
	hwv_hw_fail(hw->rep, "guest did not run: exit %#x qual %#llx gpa %#llx rip %#llx",
		    e->reason, e->qual, e->gpa, e->rip);
	return false;
}

static int ept_hw_run(struct hwv_hw *hw)
{
	struct ept_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	unsigned long flags;
	int ret = -ENOMEM;

	if (!run)
		return -ENOMEM;
	if (ept_caps_read(&run->caps)) {
		hwv_hw_fail(hw->rep, "no VMX with EPT here");
		ret = 0;
		goto out;
	}
	run->vmxon = alloc_page(GFP_KERNEL | __GFP_ZERO);
	run->vmcs = alloc_page(GFP_KERNEL | __GFP_ZERO);
	run->code = alloc_pages(GFP_KERNEL | __GFP_ZERO,
				get_order(EPT_CODE_PAGES * SZ_4K));
	if (!run->vmxon || !run->vmcs || !run->code)
		goto out;
	*(u32 *)page_address(run->vmxon) = run->caps.revision;
	*(u32 *)page_address(run->vmcs) = run->caps.revision;
	ret = ept_build_path(run, hw->t, hw->rep);
	if (ret == -EBUSY)
		ret = 0;	/* recorded as a failure */
	if (ret || hw->rep->hw_failures)
		goto out;
	run->reach = BIT_ULL(boot_cpu_data.x86_phys_bits);
	ept_build_guest(run);
	hw->priv = run;

	local_irq_save(flags);
	if (ept_vmx_on(run, hw->rep)) {
		if (ept_guest_runs(hw))
			hwv_hw_probe(hw);
		ept_vmx_off(run);
	}
	local_irq_restore(flags);
out:
	ept_run_free(run);
	return ret;
}

const struct hwv_x86_walker hwv_ept_walker = {
	.absent = ept_absent,
	.walks = ept_walks,
	.root = ept_root,
	.check_shape = ept_check_shape,
	.hw_run = ept_hw_run,
	.guest = &ept_guest,
	.tests = &hwv_ept_test_arch,
};
