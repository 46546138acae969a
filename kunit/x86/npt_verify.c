// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD nested-paging verifier: a table is loaded as nCR3 of a VMCB and a
 * tiny guest, run with VMRUN, reads, writes and fetches through it; the
 * #VMEXIT tells what happened (VMMCALL: the access went through, #NPF: it
 * faulted, with the guest-physical address in EXITINFO2 and the page-fault
 * error code in EXITINFO1). The shared software walk (kunit/hwverify/)
 * decodes entries with kunit/ref_decode.c, written from the AMD64 APM
 * Vol. 2 (5.3/5.4 long-mode page-translation-table entries; 15.25 "Nested
 * Paging"); the VMCB layout comes from <asm/svm.h>. Nothing here uses
 * axas_npt's codecs.
 *
 * The guest runs in 64-bit mode at CPL 0 with its own 4-level paging: one
 * 1 GiB page maps its code, a second one is the window onto the 1 GiB block
 * of the address under test, rewritten before every run. Its code and page
 * tables live in a few pages that the hardware reaches through a copy of
 * the table's root with one more entry, in a root slot the table leaves
 * empty (NPT_CODE_SLOT); probes that would land there are skipped. Every
 * other entry the hardware walks is the table's own.
 */
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/svm.h>

#include "kunit/hwverify.h"
#include "kunit/x86/hwv_x86.h"

/* APM Vol. 2, 5.4.1: long-mode page-translation-table entry fields */
#define X_P		BIT_ULL(0)
#define X_RW		BIT_ULL(1)
#define X_US		BIT_ULL(2)
#define X_A		BIT_ULL(5)
#define X_D		BIT_ULL(6)
#define X_PS		BIT_ULL(7)	/* a guest 1 GiB page */
#define X_ADDR		GENMASK_ULL(51, 12)

/* #NPF EXITINFO1 (APM 15.25): the #PF error code and where the walk failed */
#define NPF_P		BIT_ULL(0)
#define NPF_W		BIT_ULL(1)
#define NPF_U		BIT_ULL(2)
#define NPF_RSVD	BIT_ULL(3)
#define NPF_ID		BIT_ULL(4)
#define NPF_GPA		BIT_ULL(32)	/* translating the final address */
#define NPF_GPT		BIT_ULL(33)	/* translating a guest table */
#define NPF_MASK	(GENMASK_ULL(4, 0) | NPF_GPA | NPF_GPT)

/* Root slot of the guest's code: empty in every table the suites build. */
#define NPT_CODE_SLOT	5
#define NPT_CODE_PAGES	4	/* code, guest PML4, guest PDPT, spare */
#define NPT_ASID	1

/* The probe guest's entry points (kunit/x86/hwv_x86.h), VMMCALL after each */

static const u8 npt_guest_code[] = {
	[HWV_X86_READ] = 0x48, 0x8b, 0x00, 0x0f, 0x01, 0xd9,
	[HWV_X86_WRITE] = 0x48, 0x89, 0x20, 0x0f, 0x01, 0xd9,
	[HWV_X86_JUMP] = 0xff, 0xe0,
};

static const u8 npt_vmmcall[] = { 0x0f, 0x01, 0xd9 };

/* Guest page-table entries: supervisor, writable, A and D preset. */
#define GPTE_TABLE	(X_P | X_RW | X_A)
#define GPTE_1G		(X_P | X_RW | X_A | X_D | X_PS)

/* What the nested walk runs in: the host's paging mode (QEMU, KVM). */
static unsigned int npt_host_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

u32 hwv_x86_host_format(void)
{
	return npt_host_levels() == 5 ? AXAS_FMT_AMD_NPT5 : AXAS_FMT_AMD_NPT4;
}

static const char *npt_absent(u32 format)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return "no SVM: run with qemu -cpu max";
	if (!boot_cpu_has(X86_FEATURE_NPT))
		return "SVM without nested paging";
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK)
		return "SVM disabled (VM_CR.SVMDIS)";
	return NULL;
}

/* Only tables of the host's own paging mode can be walked here. */
static bool npt_walks(u32 format)
{
	return format == hwv_x86_host_format();
}

/* nCR3 bits 51:12; PCD/PWT must be 0 (checked by the shape check). */
static u64 npt_root(const struct hwv_table *t)
{
	return t->root_reg & X_ADDR;
}

static bool npt_check_shape(const struct hwv_table *t, struct hwv_report *rep,
			    bool *hw_ok)
{
	u64 root = npt_root(t);

	*hw_ok = false;
	if ((t->format != AXAS_FMT_AMD_NPT4 && t->format != AXAS_FMT_AMD_NPT5) ||
	    t->levels != (t->format == AXAS_FMT_AMD_NPT4 ? 4 : 5) ||
	    t->gpa_bits != 12 + 9 * t->levels) {
		hwv_sw_fail(rep, "format %u levels %u gpa_bits %u: not an NPT table",
			    t->format, t->levels, t->gpa_bits);
		return false;
	}
	if (!hwv_arch_pa_is_ram(root)) {
		hwv_sw_fail(rep, "nCR3 %#llx: root is not RAM", t->root_reg);
		return false;
	}
	if (t->root_reg & ~X_ADDR)
		hwv_sw_fail(rep, "nCR3 %#llx: PCD/PWT or reserved bits set",
			    t->root_reg);
	if (root != t->root_pa)
		hwv_sw_fail(rep, "nCR3 %#llx is not root %#llx", t->root_reg,
			    t->root_pa);
	/* the hardware walks the host's number of levels, whatever nCR3 says */
	*hw_ok = t->levels == npt_host_levels();
	if (!*hw_ok)
		hwv_sw_fail(rep, "%u-level table on a %u-level host",
			    t->levels, npt_host_levels());
	return true;
}

/* --- the hardware path --------------------------------------------------- */

struct npt_exit {
	u64 code;
	u64 info1;
	u64 info2;
	u64 rax;
	u64 rip;
};

struct npt_run {
	struct page *hsave;
	struct page *vmcb_page;
	struct page *code;			/* NPT_CODE_PAGES pages */
	struct page *root;			/* the copy of the root */
	struct page *sub[AXAS_NPT_MAX_LEVELS];	/* tables down to the code */
	unsigned int nr_sub;
	struct vmcb *vmcb;
	u64 *gpdpt;				/* the guest's PDPT */
	u64 code_gpa;
	u64 reach;				/* first gpa a guest cannot form */
	struct npt_exit exit;
	u64 efer;
	u64 hsave_pa;
};

static void npt_run_free(struct npt_run *run)
{
	unsigned int i;

	if (run->hsave)
		__free_page(run->hsave);
	if (run->vmcb_page)
		__free_page(run->vmcb_page);
	if (run->code)
		__free_pages(run->code, get_order(NPT_CODE_PAGES * SZ_4K));
	if (run->root)
		__free_page(run->root);
	for (i = 0; i < run->nr_sub; i++)
		__free_page(run->sub[i]);
}

static struct page *npt_zpage(void)
{
	return alloc_page(GFP_KERNEL | __GFP_ZERO);
}

static bool npt_in_code(const struct npt_run *run, u64 gpa)
{
	return gpa - run->code_gpa < NPT_CODE_PAGES * SZ_4K;
}

/*
 * The hardware's root: the table's root with the code's chain of tables in
 * the empty slot NPT_CODE_SLOT.
 */
static int npt_build_root(struct npt_run *run, const struct hwv_table *t,
			  struct hwv_report *rep)
{
	const u64 tbl = X_P | X_RW | X_US | X_A, leaf = tbl | X_D;
	u64 *root, *table;
	unsigned int i;

	run->root = npt_zpage();
	if (!run->root)
		return -ENOMEM;
	root = page_address(run->root);
	memcpy(root, phys_to_virt(npt_root(t)), SZ_4K);
	if (root[NPT_CODE_SLOT]) {
		hwv_hw_fail(rep, "root slot %u is not empty (%#llx): no room for the guest",
			    NPT_CODE_SLOT, root[NPT_CODE_SLOT]);
		return -EBUSY;
	}
	run->code_gpa = (u64)NPT_CODE_SLOT << (12 + 9 * (t->levels - 1));

	table = root;
	for (i = 0; i < t->levels - 1; i++) {
		run->sub[i] = npt_zpage();
		if (!run->sub[i])
			return -ENOMEM;
		run->nr_sub++;
		table[table == root ? NPT_CODE_SLOT : 0] =
			page_to_phys(run->sub[i]) | tbl;
		table = page_address(run->sub[i]);
	}
	for (i = 0; i < NPT_CODE_PAGES; i++)
		table[i] = (page_to_phys(run->code) + i * SZ_4K) | leaf;
	return 0;
}

/* The guest: its code, and page tables mapping the code's 1 GiB block. */
static void npt_build_guest(struct npt_run *run)
{
	u8 *code = page_address(run->code);
	u64 *pml4 = (u64 *)(code + SZ_4K);

	memcpy(code, npt_guest_code, sizeof(npt_guest_code));
	run->gpdpt = (u64 *)(code + 2 * SZ_4K);
	pml4[0] = (run->code_gpa + 2 * SZ_4K) | GPTE_TABLE;
	run->gpdpt[0] = ALIGN_DOWN(run->code_gpa, SZ_1G) | GPTE_1G;
}

static void npt_seg(struct vmcb_seg *seg, u16 sel, u16 attrib)
{
	seg->selector = sel;
	seg->attrib = attrib;
	seg->limit = 0xffffffff;
	seg->base = 0;
}

/* A 64-bit guest at CPL 0; every exception and VMMCALL/HLT exit. */
static void npt_build_vmcb(struct npt_run *run)
{
	struct vmcb_control_area *c = &run->vmcb->control;
	struct vmcb_save_area *s = &run->vmcb->save;
	const u16 code = 0xb | SVM_SELECTOR_S_MASK | SVM_SELECTOR_P_MASK |
			 SVM_SELECTOR_L_MASK | SVM_SELECTOR_G_MASK;
	const u16 data = 0x3 | SVM_SELECTOR_S_MASK | SVM_SELECTOR_P_MASK |
			 SVM_SELECTOR_DB_MASK | SVM_SELECTOR_G_MASK;

	c->intercepts[INTERCEPT_EXCEPTION] = ~0U;
	__set_bit(INTERCEPT_HLT, (unsigned long *)c->intercepts);
	__set_bit(INTERCEPT_SHUTDOWN, (unsigned long *)c->intercepts);
	__set_bit(INTERCEPT_VMRUN, (unsigned long *)c->intercepts);
	__set_bit(INTERCEPT_VMMCALL, (unsigned long *)c->intercepts);
	c->asid = NPT_ASID;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = page_to_phys(run->root);

	npt_seg(&s->cs, 0x08, code);
	npt_seg(&s->ds, 0x10, data);
	npt_seg(&s->es, 0x10, data);
	npt_seg(&s->ss, 0x10, data);
	s->cpl = 0;
	s->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_SVME;
	s->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		 X86_CR0_WP | X86_CR0_PG;
	s->cr4 = X86_CR4_PAE;
	s->cr3 = run->code_gpa + SZ_4K;
	s->dr6 = 0xffff0ff0;	/* DR6 at reset */
	s->dr7 = DR7_FIXED_1;
	s->g_pat = 0x0007040600070406ULL;	/* the power-on PAT */
}

/* One VMRUN from @entry with RAX = @rax and RSP = @rsp, to its #VMEXIT. */
static void npt_guest_run(struct npt_run *run, unsigned int entry, u64 rax,
			  u64 rsp)
{
	struct vmcb *vmcb = run->vmcb;
	u64 vmcb_pa = page_to_phys(run->vmcb_page);

	/* the guest's first 1 GiB page maps the code's 1 GiB block */
	vmcb->save.rip = (run->code_gpa & (SZ_1G - 1)) + entry;
	vmcb->save.rax = rax;
	vmcb->save.rsp = rsp;
	vmcb->save.rflags = X86_EFLAGS_FIXED;
	/* a new guest mapping every run: flush this ASID's TLB entries */
	vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	vmcb->control.clean = 0;
	vmcb->control.exit_code = 0;
	vmcb->control.exit_info_1 = 0;
	vmcb->control.exit_info_2 = 0;

	/*
	 * The guest touches no register but RAX and RSP, which #VMEXIT
	 * reloads from the host save area; GIF stays clear around the run.
	 */
	asm volatile("clgi\n\tvmrun %%rax\n\tstgi"
		     : "+a" (vmcb_pa)
		     :
		     : "memory", "cc", "rbx", "rcx", "rdx", "rsi", "rdi",
		       "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");

	run->exit.code = vmcb->control.exit_code |
			 (u64)vmcb->control.exit_code_hi << 32;
	run->exit.info1 = vmcb->control.exit_info_1;
	run->exit.info2 = vmcb->control.exit_info_2;
	run->exit.rax = vmcb->save.rax;
	run->exit.rip = vmcb->save.rip;
}

/* Point the guest's window at @gpa's 1 GiB block; its guest-virtual address. */
static u64 npt_window(struct npt_run *run, u64 gpa)
{
	run->gpdpt[1] = ALIGN_DOWN(gpa, SZ_1G) | GPTE_1G;
	return HWV_X86_WINDOW + (gpa & (SZ_1G - 1));
}

/* A guest can form @gpa (below MAXPHYADDR) and it is not the guest's own. */
static bool npt_probe_ok(const struct npt_run *run, u64 gpa)
{
	return gpa < run->reach && !npt_in_code(run, gpa);
}

static bool npt_exit_is_npf(const struct npt_exit *e, u64 gpa, u64 err)
{
	return e->code == SVM_EXIT_NPF && e->info2 == gpa &&
	       (e->info1 & NPF_MASK) == (NPF_GPA | err);
}

/* #NPF for @access on a page the leaf grants @prot (0: none): its error code */
static void npt_expect_fault(struct hwv_hw *hw, u64 gpa, const char *what,
			     u32 access, u32 prot)
{
	u64 err = NPF_U | (prot ? NPF_P : 0) |
		  (access == AXAS_MAP_WRITE ? NPF_W : 0) |
		  (access == AXAS_MAP_EXEC ? NPF_ID : 0);
	struct npt_run *run = hw->priv;
	const struct npt_exit *e = &run->exit;

	if (npt_exit_is_npf(e, gpa, err)) {
		hw->rep->hw_faults++;
		return;
	}
	hwv_hw_fail(hw->rep, "%s gpa %#llx: exit %#llx info1 %#llx info2 %#llx, want #NPF %#llx",
		    what, gpa, e->code, e->info1, e->info2, NPF_GPA | err);
}

/* The access went through: the guest reached its VMMCALL. */
static bool npt_passed(struct hwv_hw *hw, u64 gpa, const char *what)
{
	struct npt_run *run = hw->priv;
	const struct npt_exit *e = &run->exit;

	if (e->code == SVM_EXIT_VMMCALL)
		return true;
	hwv_hw_fail(hw->rep, "%s gpa %#llx: exit %#llx info1 %#llx info2 %#llx",
		    what, gpa, e->code, e->info1, e->info2);
	return false;
}

static bool npt_run_hw(struct hwv_hw *hw, unsigned int entry, u64 rax, u64 rsp)
{
	npt_guest_run(hw->priv, entry, rax, rsp);
	return true;
}

static u64 npt_rax(struct hwv_hw *hw)
{
	return ((struct npt_run *)hw->priv)->exit.rax;
}

static u64 npt_rip(struct hwv_hw *hw)
{
	return ((struct npt_run *)hw->priv)->exit.rip;
}

static u64 npt_window_hw(struct hwv_hw *hw, u64 gpa)
{
	return npt_window(hw->priv, gpa);
}

static bool npt_probe_ok_hw(struct hwv_hw *hw, u64 gpa)
{
	return npt_probe_ok(hw->priv, gpa);
}

static const struct hwv_x86_guest npt_guest = {
	.run = npt_run_hw,
	.passed = npt_passed,
	.expect_fault = npt_expect_fault,
	.rax = npt_rax,
	.rip = npt_rip,
	.window = npt_window_hw,
	.probe_ok = npt_probe_ok_hw,
	.call = npt_vmmcall,
	.call_len = sizeof(npt_vmmcall),
};

/* EFER.SVME and the host save area for the run, interrupts off. */
static void npt_svm_on(struct npt_run *run)
{
	rdmsrl(MSR_EFER, run->efer);
	rdmsrl(MSR_VM_HSAVE_PA, run->hsave_pa);
	wrmsrl(MSR_EFER, run->efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(run->hsave));
}

static void npt_svm_off(struct npt_run *run)
{
	wrmsrl(MSR_VM_HSAVE_PA, run->hsave_pa);
	wrmsrl(MSR_EFER, run->efer);
}

static int npt_hw_run(struct hwv_hw *hw)
{
	struct npt_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	unsigned long flags;
	int ret = -ENOMEM;

	if (!run)
		return -ENOMEM;
	run->hsave = npt_zpage();
	run->vmcb_page = npt_zpage();
	run->code = alloc_pages(GFP_KERNEL | __GFP_ZERO,
				get_order(NPT_CODE_PAGES * SZ_4K));
	if (!run->hsave || !run->vmcb_page || !run->code)
		goto out;
	ret = npt_build_root(run, hw->t, hw->rep);
	if (ret == -EBUSY) {
		ret = 0;	/* recorded as a failure */
		goto out;
	}
	if (ret)
		goto out;
	run->vmcb = page_address(run->vmcb_page);
	run->reach = BIT_ULL(boot_cpu_data.x86_phys_bits);
	npt_build_guest(run);
	npt_build_vmcb(run);
	hw->priv = run;

	local_irq_save(flags);
	npt_svm_on(run);
	/* the guest itself must run: a VMMCALL from its code page */
	npt_guest_run(run, HWV_X86_READ, npt_window(run, run->code_gpa), 0);
	if (run->exit.code != SVM_EXIT_VMMCALL ||
	    run->exit.rax != *(u64 *)page_address(run->code))
		hwv_hw_fail(hw->rep, "guest did not run: exit %#llx info1 %#llx info2 %#llx",
			    run->exit.code, run->exit.info1, run->exit.info2);
	else
		hwv_hw_probe(hw);
	npt_svm_off(run);
	local_irq_restore(flags);
out:
	npt_run_free(run);
	kfree(run);
	return ret;
}

const struct hwv_x86_walker hwv_npt_walker = {
	.absent = npt_absent,
	.walks = npt_walks,
	.root = npt_root,
	.check_shape = npt_check_shape,
	.hw_run = npt_hw_run,
	.guest = &npt_guest,
	.tests = &hwv_npt_test_arch,
};
