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

#include <asm/cpu_entry_area.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/gsseg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "kunit/hwverify.h"
#include "kunit/x86/hwv_x86.h"

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
#define EPTP_AD		BIT_ULL(6)
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

/* IA32_VMX_BASIC (SDM Vol. 3D, A.1) */
#define BASIC_REVISION	GENMASK_ULL(30, 0)
#define BASIC_SIZE	GENMASK_ULL(44, 32)
#define BASIC_TRUE	BIT_ULL(55)

/* Long-mode paging entries of the guest's own tables (SDM Vol. 3A, 4.5) */
#define G_P		BIT_ULL(0)
#define G_RW		BIT_ULL(1)
#define G_A		BIT_ULL(5)
#define G_D		BIT_ULL(6)
#define G_PS		BIT_ULL(7)
#define GPTE_TABLE	(G_P | G_RW | G_A)
#define GPTE_1G		(G_P | G_RW | G_A | G_D | G_PS)

/* Segment access rights: 64-bit code, data, busy TSS, unusable */
#define AR_CODE64	0xa09b
#define AR_DATA		0xc093
#define AR_TSS_BUSY	0x008b
#define AR_UNUSABLE	0x10000

/* The guest's code, page tables and a spare page; empty in every scene. */
#define EPT_CODE_GPA	(3ULL * SZ_1G)
#define EPT_CODE_PAGES	4
#define EPT_MAX_COPIES	(2 * AXAS_NPT_MAX_LEVELS)

/* Guest entry points in the code page; RAX is the address, RSP the data. */
#define G_READ		0x00	/* mov (%rax),%rax; vmcall */
#define G_WRITE		0x10	/* mov %rsp,(%rax); vmcall */
#define G_JUMP		0x20	/* jmp *%rax */
#define G_WINDOW	SZ_1G	/* guest-virtual base of the probe window */

static const u8 ept_guest_code[] = {
	[G_READ] = 0x48, 0x8b, 0x00, 0x0f, 0x01, 0xc1,
	[G_WRITE] = 0x48, 0x89, 0x20, 0x0f, 0x01, 0xc1,
	[G_JUMP] = 0xff, 0xe0,
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

/* @want where allowed; false if a bit of @need is not. Low half: must be 1. */
static bool ept_ctl(u32 msr, u32 want, u32 need, u32 *out)
{
	u32 must, may;

	rdmsr(msr, must, may);
	*out = (want | must) & may;
	return (*out & need) == need;
}

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
	if (FIELD_GET(BASIC_SIZE, basic) > PAGE_SIZE)
		return "VMCS larger than a page";
	if (basic & BASIC_TRUE) {
		pin_msr = MSR_IA32_VMX_TRUE_PINBASED_CTLS;
		proc_msr = MSR_IA32_VMX_TRUE_PROCBASED_CTLS;
		exit_msr = MSR_IA32_VMX_TRUE_EXIT_CTLS;
		entry_msr = MSR_IA32_VMX_TRUE_ENTRY_CTLS;
	}
	if (!ept_ctl(pin_msr, 0, 0, &c->pin) ||
	    !ept_ctl(proc_msr, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
		     CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, &c->proc) ||
	    !ept_ctl(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_ENABLE_EPT,
		     SECONDARY_EXEC_ENABLE_EPT, &c->proc2) ||
	    !ept_ctl(exit_msr, exit, exit, &c->exit) ||
	    !ept_ctl(entry_msr, entry, entry, &c->entry))
		return "VMX without EPT, a 64-bit guest or the EFER controls";
	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, c->ept);
	if (!(c->ept & VMX_EPT_INVEPT_BIT) ||
	    !(c->ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT)))
		return "EPT without INVEPT";
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);
	c->revision = FIELD_GET(BASIC_REVISION, basic);
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

/* ---- VMX instructions; true when the instruction failed (VMfail) ------ */

static __always_inline bool ept_vmxon(u64 pa)
{
	bool fail;

	asm volatile("vmxon %[pa]" CC_SET(be)
		     : CC_OUT(be) (fail) : [pa] "m" (pa) : "memory");
	return fail;
}

static __always_inline bool ept_vmclear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %[pa]" CC_SET(be)
		     : CC_OUT(be) (fail) : [pa] "m" (pa) : "memory");
	return fail;
}

static __always_inline bool ept_vmptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]" CC_SET(be)
		     : CC_OUT(be) (fail) : [pa] "m" (pa) : "memory");
	return fail;
}

static __always_inline bool ept_vmwrite(unsigned long field, u64 val)
{
	bool fail;

	asm volatile("vmwrite %[val], %[field]" CC_SET(be)
		     : CC_OUT(be) (fail) : [val] "rm" (val), [field] "r" (field));
	return fail;
}

static __always_inline u64 ept_vmread(unsigned long field)
{
	u64 val;

	asm volatile("vmread %[field], %[val]"
		     : [val] "=r" (val) : [field] "r" (field) : "cc");
	return val;
}

static __always_inline void ept_invept(u64 type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };

	asm volatile("invept %[desc], %[type]"
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
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

static bool ept_write_seg(unsigned long sel_field, u16 sel, u32 limit, u32 ar)
{
	/* the fields of one segment are spaced by 2 in each group */
	unsigned long i = (sel_field - GUEST_ES_SELECTOR) / 2;

	return ept_vmwrite(sel_field, sel) |
	       ept_vmwrite(GUEST_ES_LIMIT + 2 * i, limit) |
	       ept_vmwrite(GUEST_ES_AR_BYTES + 2 * i, ar) |
	       ept_vmwrite(GUEST_ES_BASE + 2 * i, 0);
}

/* Controls and a 64-bit guest at CPL 0; every exception exits. */
static bool ept_write_guest(const struct ept_run *run)
{
	const struct ept_caps *c = &run->caps;
	u64 cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		  X86_CR0_WP | X86_CR0_PG;
	u64 cr4 = X86_CR4_PAE;
	bool fail = false;

	fail |= ept_vmwrite(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	fail |= ept_vmwrite(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	fail |= ept_vmwrite(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	fail |= ept_vmwrite(VM_EXIT_CONTROLS, c->exit);
	fail |= ept_vmwrite(VM_ENTRY_CONTROLS, c->entry);
	fail |= ept_vmwrite(EXCEPTION_BITMAP, ~0U);
	fail |= ept_vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
	fail |= ept_vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	fail |= ept_vmwrite(CR3_TARGET_COUNT, 0);
	fail |= ept_vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
	fail |= ept_vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
	fail |= ept_vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
	fail |= ept_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
	fail |= ept_vmwrite(CR0_GUEST_HOST_MASK, 0);
	fail |= ept_vmwrite(CR4_GUEST_HOST_MASK, 0);
	fail |= ept_vmwrite(EPT_POINTER, run->eptp);
	fail |= ept_vmwrite(VMCS_LINK_POINTER, ~0ULL);

	fail |= ept_vmwrite(GUEST_CR0, (cr0 | c->cr0_fixed0) & c->cr0_fixed1);
	fail |= ept_vmwrite(GUEST_CR4, (cr4 | c->cr4_fixed0) & c->cr4_fixed1);
	fail |= ept_vmwrite(CR0_READ_SHADOW, cr0);
	fail |= ept_vmwrite(CR4_READ_SHADOW, cr4);
	fail |= ept_vmwrite(GUEST_CR3, EPT_CODE_GPA + SZ_4K);
	fail |= ept_vmwrite(GUEST_IA32_EFER,
			    EFER_SCE | EFER_LME | EFER_LMA | EFER_NX);
	fail |= ept_vmwrite(GUEST_DR7, 0x400);
	fail |= ept_vmwrite(GUEST_IA32_DEBUGCTL, 0);
	fail |= ept_vmwrite(GUEST_SYSENTER_CS, 0);
	fail |= ept_vmwrite(GUEST_SYSENTER_ESP, 0);
	fail |= ept_vmwrite(GUEST_SYSENTER_EIP, 0);
	fail |= ept_vmwrite(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	fail |= ept_vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
	fail |= ept_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	fail |= ept_write_seg(GUEST_CS_SELECTOR, 0x08, 0xffffffff, AR_CODE64);
	fail |= ept_write_seg(GUEST_DS_SELECTOR, 0x10, 0xffffffff, AR_DATA);
	fail |= ept_write_seg(GUEST_ES_SELECTOR, 0x10, 0xffffffff, AR_DATA);
	fail |= ept_write_seg(GUEST_SS_SELECTOR, 0x10, 0xffffffff, AR_DATA);
	fail |= ept_write_seg(GUEST_FS_SELECTOR, 0x10, 0xffffffff, AR_DATA);
	fail |= ept_write_seg(GUEST_GS_SELECTOR, 0x10, 0xffffffff, AR_DATA);
	fail |= ept_write_seg(GUEST_TR_SELECTOR, 0x18, 0x67, AR_TSS_BUSY);
	fail |= ept_write_seg(GUEST_LDTR_SELECTOR, 0, 0, AR_UNUSABLE);
	fail |= ept_vmwrite(GUEST_GDTR_BASE, 0) | ept_vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	fail |= ept_vmwrite(GUEST_IDTR_BASE, 0) | ept_vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	return fail;
}

/* This CPU's kernel state that a VM exit restores (RSP and RIP: the run). */
static bool ept_write_host(void)
{
	struct desc_ptr gdt, idt;
	bool fail = false;
	u64 v;

	native_store_gdt(&gdt);
	store_idt(&idt);
	fail |= ept_vmwrite(HOST_CR0, read_cr0());
	fail |= ept_vmwrite(HOST_CR3, __read_cr3());
	fail |= ept_vmwrite(HOST_CR4, __read_cr4());
	fail |= ept_vmwrite(HOST_CS_SELECTOR, __KERNEL_CS);
	fail |= ept_vmwrite(HOST_SS_SELECTOR, __KERNEL_DS);
	fail |= ept_vmwrite(HOST_DS_SELECTOR, 0) | ept_vmwrite(HOST_ES_SELECTOR, 0) |
		ept_vmwrite(HOST_FS_SELECTOR, 0) | ept_vmwrite(HOST_GS_SELECTOR, 0);
	fail |= ept_vmwrite(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_FS_BASE, v);
	fail |= ept_vmwrite(HOST_FS_BASE, v);
	rdmsrl(MSR_GS_BASE, v);
	fail |= ept_vmwrite(HOST_GS_BASE, v);
	fail |= ept_vmwrite(HOST_TR_BASE, (unsigned long)
			    &get_cpu_entry_area(smp_processor_id())->tss.x86_tss);
	fail |= ept_vmwrite(HOST_GDTR_BASE, gdt.address);
	fail |= ept_vmwrite(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	fail |= ept_vmwrite(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	fail |= ept_vmwrite(HOST_IA32_SYSENTER_ESP, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	fail |= ept_vmwrite(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	fail |= ept_vmwrite(HOST_IA32_EFER, v);
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
	u16 ds, es, fs, gs;
	struct desc_ptr gdt, idt;
	u64 fs_base, kgs_base;
	bool fail;

	fail = ept_vmwrite(GUEST_RIP, (EPT_CODE_GPA & (SZ_1G - 1)) + entry) |
	       ept_vmwrite(GUEST_RSP, rsp) |
	       ept_vmwrite(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	if (fail)
		return false;
	/* a new guest mapping or table entry every run */
	if (run->caps.ept & VMX_EPT_EXTENT_CONTEXT_BIT)
		ept_invept(VMX_EPT_EXTENT_CONTEXT, run->eptp);
	else
		ept_invept(VMX_EPT_EXTENT_GLOBAL, 0);

	savesegment(ds, ds);
	savesegment(es, es);
	savesegment(fs, fs);
	savesegment(gs, gs);
	rdmsrl(MSR_FS_BASE, fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, kgs_base);
	native_store_gdt(&gdt);
	store_idt(&idt);

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

	/* the exit left 0xffff as the table limits and 0x67 as the TSS's */
	native_load_gdt(&gdt);
	load_idt(&idt);
	invalidate_tss_limit();
	loadsegment(ds, ds);
	loadsegment(es, es);
	if (fs) {
		loadsegment(fs, fs);
		wrmsrl(MSR_FS_BASE, fs_base);
	}
	if (gs) {
		load_gs_index(gs);
		wrmsrl(MSR_KERNEL_GS_BASE, kgs_base);
	}
	if (fail)
		return false;
	run->exit.reason = ept_vmread(VM_EXIT_REASON);
	run->exit.qual = ept_vmread(EXIT_QUALIFICATION);
	run->exit.gpa = ept_vmread(GUEST_PHYSICAL_ADDRESS);
	run->exit.rip = ept_vmread(GUEST_RIP);
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
	return G_WINDOW + (gpa & (SZ_1G - 1));
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

/*
 * An EPT violation at @gpa for @access, the entries allowing @allowed
 * (Q_R/Q_W/Q_X: what the region's permissions say), on the final address
 * of a guest-linear access.
 */
static void ept_expect_violation(struct hwv_hw *hw, u64 gpa, const char *what,
				 u64 access, u64 allowed)
{
	const struct ept_exit *e = &((struct ept_run *)hw->priv)->exit;
	u64 want = access | allowed | Q_GLA_VALID | Q_FINAL;

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
static bool ept_expect_pass(struct hwv_hw *hw, u64 gpa, const char *what)
{
	const struct ept_exit *e = &((struct ept_run *)hw->priv)->exit;

	if (e->reason == EXIT_REASON_VMCALL)
		return true;
	ept_fail_exit(hw, gpa, what, "VMCALL");
	return false;
}

/* What the region's permissions let through, as the qualification says it. */
static u64 ept_allowed(u32 prot)
{
	return (prot & AXAS_MAP_READ ? Q_R : 0) |
	       (prot & AXAS_MAP_WRITE ? Q_W : 0) |
	       (prot & AXAS_MAP_EXEC ? Q_X : 0);
}

/*
 * Fetch: on an executable page a VMCALL is planted at the probe (and taken
 * out again), so that the guest returns at once.
 */
static void ept_hw_fetch(struct hwv_hw *hw, u64 gpa, u64 gva, u8 *host,
			 const struct hwv_region *r)
{
	struct ept_run *run = hw->priv;
	u8 saved[sizeof(ept_vmcall)];
	bool ok;

	hw->rep->hw_probes++;
	if (!(r->prot & AXAS_MAP_EXEC)) {
		if (ept_guest_run(run, G_JUMP, gva, 0))
			ept_expect_violation(hw, gpa, "fetch from non-executable",
					     Q_FETCH, ept_allowed(r->prot));
		return;
	}
	memcpy(saved, host, sizeof(saved));
	memcpy(host, ept_vmcall, sizeof(ept_vmcall));
	ok = ept_guest_run(run, G_JUMP, gva, 0);
	memcpy(host, saved, sizeof(saved));
	if (ok && ept_expect_pass(hw, gpa, "fetch") && run->exit.rip != gva)
		hwv_hw_fail(hw->rep, "fetch gpa %#llx: VMCALL at rip %#llx, planted at %#llx",
			    gpa, run->exit.rip, gva);
}

static void ept_vmfail(struct hwv_hw *hw, u64 gpa)
{
	hwv_hw_fail(hw->rep, "gpa %#llx: VMRESUME failed, VM-instruction error %llu",
		    gpa, ept_vmread(VM_INSTRUCTION_ERROR));
}

/*
 * An execute-only page (EPT can, where IA32_VMX_EPT_VPID_CAP bit 0 says so;
 * the engine maps AXAS_MAP_EXEC alone only then): a read and a write
 * violate, a fetch reaches the VMCALL planted in this very page.
 */
static void ept_hw_exec_only(struct hwv_hw *hw, u64 gpa, u64 gva, u64 *host,
			     const struct hwv_region *r)
{
	struct ept_run *run = hw->priv;

	hw->rep->hw_probes++;
	if (!ept_guest_run(run, G_READ, gva, 0)) {
		ept_vmfail(hw, gpa);
		return;
	}
	ept_expect_violation(hw, gpa, "read of execute-only", Q_READ,
			     ept_allowed(r->prot));
	ept_hw_fetch(hw, gpa, gva, (u8 *)host, r);
	hw->rep->hw_probes++;
	if (ept_guest_run(run, G_WRITE, gva, READ_ONCE(*host)))
		ept_expect_violation(hw, gpa, "write to execute-only", Q_WRITE,
				     ept_allowed(r->prot));
}

/* One mapped page: read; then, once the read proved where it lands, fetch and write. */
static void ept_hw_page(struct hwv_hw *hw, u64 gpa, const struct hwv_region *r)
{
	unsigned int off = hwv_probe_offset(gpa, hw->n++);
	u64 hpa = r->hpa + (gpa - r->gpa) + off;
	struct ept_run *run = hw->priv;
	struct hwv_report *rep = hw->rep;
	u64 *host, host_val, val, gva;

	if (!ept_probe_ok(run, gpa) || !hwv_arch_pa_is_ram(hpa)) {
		rep->hw_skipped++;
		return;
	}
	host = phys_to_virt(hpa);
	gpa += off;
	gva = ept_window(run, gpa);

	if (!(r->prot & AXAS_MAP_READ)) {
		ept_hw_exec_only(hw, gpa, gva, host, r);
		return;
	}

	rep->hw_probes++;
	host_val = READ_ONCE(*host);
	if (!ept_guest_run(run, G_READ, gva, 0)) {
		ept_vmfail(hw, gpa);
		return;
	}
	if (!ept_expect_pass(hw, gpa, "read"))
		return;
	val = run->exit.rax;
	if (val != host_val && val != READ_ONCE(*host)) {
		hwv_hw_fail(rep, "read gpa %#llx: %#llx, host pa %#llx holds %#llx",
			    gpa, val, hpa, host_val);
		return;
	}

	/* the read proved that @gpa reaches this very page */
	ept_hw_fetch(hw, gpa, gva, (u8 *)host, r);

	rep->hw_probes++;
	host_val = READ_ONCE(*host);
	if (!(r->prot & AXAS_MAP_WRITE)) {
		/* the value already there: harmless should the store land */
		if (ept_guest_run(run, G_WRITE, gva, host_val))
			ept_expect_violation(hw, gpa, "write to read-only",
					     Q_WRITE, ept_allowed(r->prot));
		return;
	}
	val = ~host_val ^ gpa;
	if (!ept_guest_run(run, G_WRITE, gva, val)) {
		ept_vmfail(hw, gpa);
		return;
	}
	if (!ept_expect_pass(hw, gpa, "write"))
		return;
	if (READ_ONCE(*host) != val)
		hwv_hw_fail(rep, "write gpa %#llx: host pa %#llx holds %#llx, want %#llx",
			    gpa, hpa, READ_ONCE(*host), val);
	if (!ept_guest_run(run, G_WRITE, gva, host_val) ||
	    run->exit.reason != EXIT_REASON_VMCALL || READ_ONCE(*host) != host_val)
		hwv_hw_fail(rep, "write gpa %#llx: restoring failed", gpa);
}

static void ept_hw_hole(struct hwv_hw *hw, u64 gpa)
{
	struct ept_run *run = hw->priv;
	u64 gva;

	if (!ept_probe_ok(run, gpa)) {
		hw->rep->hw_skipped++;
		return;
	}
	gpa += hwv_probe_offset(gpa, hw->n++);
	gva = ept_window(run, gpa);
	hw->rep->hw_probes++;
	if (!ept_guest_run(run, G_READ, gva, 0)) {
		ept_vmfail(hw, gpa);
		return;
	}
	ept_expect_violation(hw, gpa, "read of unmapped", Q_READ, 0);
}

/* VMX operation around the probes; false (and a failure) if it could not start. */
static bool ept_vmx_on(struct ept_run *run, struct hwv_report *rep)
{
	u64 vmcs = page_to_phys(run->vmcs);

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		hwv_hw_fail(rep, "CR4.VMXE already set: another hypervisor holds VMX on this CPU");
		return false;
	}
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (ept_vmxon(page_to_phys(run->vmxon))) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		hwv_hw_fail(rep, "VMXON failed");
		return false;
	}
	if (ept_vmclear(vmcs) || ept_vmptrld(vmcs) || ept_write_guest(run) ||
	    ept_write_host()) {
		hwv_hw_fail(rep, "VMCS set-up failed, VM-instruction error %llu",
			    ept_vmread(VM_INSTRUCTION_ERROR));
		ept_vmclear(vmcs);
		asm volatile("vmxoff" : : : "cc", "memory");
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		return false;
	}
	return true;
}

static void ept_vmx_off(struct ept_run *run)
{
	ept_vmclear(page_to_phys(run->vmcs));
	asm volatile("vmxoff" : : : "cc", "memory");
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
}

/* The guest itself must run: a read of its own code page. */
static bool ept_guest_runs(struct hwv_hw *hw)
{
	struct ept_run *run = hw->priv;
	const struct ept_exit *e = &run->exit;

	if (!ept_guest_run(run, G_READ, ept_window(run, EPT_CODE_GPA), 0)) {
		hwv_hw_fail(hw->rep, "VMLAUNCH failed, VM-instruction error %llu",
			    ept_vmread(VM_INSTRUCTION_ERROR));
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
	.hw_page = ept_hw_page,
	.hw_hole = ept_hw_hole,
	.tests = &hwv_ept_test_arch,
};
