/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX instructions, control values, segment fields and the host state a VM
 * exit restores, shared by the VMX backend (x86_vmx.c) and the EPT
 * hardware verifier of the KUnit suites (kunit/x86/ept_verify.c). Facts
 * from the Intel SDM Vol. 3C ("VM Entries", "VM Exits", "Host-State
 * Area") and Vol. 3D appendix A; field encodings from <asm/vmx.h>.
 */
#ifndef _AXAS_VCPU_X86_VMX_OPS_H
#define _AXAS_VCPU_X86_VMX_OPS_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#ifdef AXAS_HAVE_GSSEG_H
#include <asm/gsseg.h>		/* load_gs_index() since 6.2 (Kbuild looks) */
#endif
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>

/* segment access rights: type, S, P, L, D/B, G, unusable */
#define VMX_AR_CODE64		0xa09b
#define VMX_AR_CODE32		0xc09b
#define VMX_AR_DATA		0xc093
#define VMX_AR_TSS_BUSY		0x008b
#define VMX_AR_UNUSABLE		0x10000
/* IA32_VMX_BASIC (SDM Vol. 3D, A.1); 6.12's headers renamed theirs */
#define VMX_BASIC_REVISION	GENMASK_ULL(30, 0)
#define VMX_BASIC_SIZE		GENMASK_ULL(44, 32)
#define VMX_BASIC_MEMTYPE	GENMASK_ULL(53, 50)
#define VMX_BASIC_TRUE		BIT_ULL(55)
#define VMX_MEMTYPE_WB		6

/* ---- VMX instructions; each returns true when it failed (VMfail) */

static __always_inline bool vmx_on(u64 pa)
{
	bool fail;

	asm volatile("vmxon %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "memory");
	return fail;
}

static __always_inline void vmx_off(void)
{
	asm volatile("vmxoff" : : : "cc", "memory");
}

static __always_inline bool vmx_clear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "memory");
	return fail;
}

static __always_inline bool vmx_ptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "memory");
	return fail;
}

static __always_inline bool vmx_write(unsigned long field, u64 val)
{
	bool fail;

	asm volatile("vmwrite %[val], %[field]" CC_SET(na)
		     : CC_OUT(na) (fail) : [val] "rm" (val), [field] "r" (field));
	return fail;
}

static __always_inline u64 vmx_read(unsigned long field)
{
	u64 val;

	asm volatile("vmread %[field], %[val]"
		     : [val] "=r" (val) : [field] "r" (field) : "cc");
	return val;
}

static __always_inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };

	asm volatile("invept %[desc], %[type]"
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/*
 * The control value with the bits @want set where the CPU allows them;
 * -EIO if one of @need is not allowed. The MSR's low half are the bits
 * that must be 1, its high half the bits that may be 1.
 */
static inline int vmx_ctl(u32 msr, u32 want, u32 need, u32 *out)
{
	u32 must, may, v;

	rdmsr(msr, must, may);
	v = (want | must) & may;
	if ((v & need) != need)
		return -EIO;
	*out = v;
	return 0;
}

/* A flat guest segment: selector, limit, access rights, base 0. */
static inline bool vmx_write_seg(unsigned long sel_field, u16 sel, u32 limit,
				 u32 ar)
{
	/* the fields of one segment are spaced by 2 in each group */
	unsigned long i = (sel_field - GUEST_ES_SELECTOR) / 2;

	return vmx_write(sel_field, sel) | vmx_write(GUEST_ES_LIMIT + 2 * i, limit) |
	       vmx_write(GUEST_ES_AR_BYTES + 2 * i, ar) | vmx_write(GUEST_ES_BASE + 2 * i, 0);
}

/*
 * VMCS fields both users set alike: every exception exits, no #PF
 * filtering, no CR3 targets, no MSR lists, nothing injected, no shadow
 * VMCS; the guest's debug and SYSENTER state at reset, active, nothing
 * blocking or pending.
 */
static inline bool vmx_write_plain_state(void)
{
	bool fail = false;

	fail |= vmx_write(EXCEPTION_BITMAP, ~0U);
	fail |= vmx_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	fail |= vmx_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	fail |= vmx_write(CR3_TARGET_COUNT, 0);
	fail |= vmx_write(VM_EXIT_MSR_STORE_COUNT, 0);
	fail |= vmx_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	fail |= vmx_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	fail |= vmx_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	fail |= vmx_write(VMCS_LINK_POINTER, ~0ULL);
	fail |= vmx_write(GUEST_DR7, 0x400);
	fail |= vmx_write(GUEST_IA32_DEBUGCTL, 0);
	fail |= vmx_write(GUEST_SYSENTER_CS, 0) | vmx_write(GUEST_SYSENTER_ESP, 0) |
		vmx_write(GUEST_SYSENTER_EIP, 0);
	fail |= vmx_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	fail |= vmx_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	fail |= vmx_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	return fail;
}

/*
 * Flat guest segments: code 0x08 (64-bit when @long_mode, else 32-bit),
 * data 0x10, a busy TSS 0x18 and no LDT; the guest has no descriptor
 * tables (GDTR and IDTR at 0).
 */
static inline bool vmx_write_flat_segs(bool long_mode)
{
	bool fail = false;

	fail |= vmx_write_seg(GUEST_CS_SELECTOR, 0x08, 0xffffffff,
			      long_mode ? VMX_AR_CODE64 : VMX_AR_CODE32);
	fail |= vmx_write_seg(GUEST_ES_SELECTOR, 0x10, 0xffffffff, VMX_AR_DATA);
	fail |= vmx_write_seg(GUEST_SS_SELECTOR, 0x10, 0xffffffff, VMX_AR_DATA);
	fail |= vmx_write_seg(GUEST_DS_SELECTOR, 0x10, 0xffffffff, VMX_AR_DATA);
	fail |= vmx_write_seg(GUEST_FS_SELECTOR, 0x10, 0xffffffff, VMX_AR_DATA);
	fail |= vmx_write_seg(GUEST_GS_SELECTOR, 0x10, 0xffffffff, VMX_AR_DATA);
	fail |= vmx_write_seg(GUEST_TR_SELECTOR, 0x18, 0x67, VMX_AR_TSS_BUSY);
	fail |= vmx_write_seg(GUEST_LDTR_SELECTOR, 0, 0, VMX_AR_UNUSABLE);
	fail |= vmx_write(GUEST_GDTR_BASE, 0) | vmx_write(GUEST_GDTR_LIMIT, 0xffff);
	fail |= vmx_write(GUEST_IDTR_BASE, 0) | vmx_write(GUEST_IDTR_LIMIT, 0xffff);
	return fail;
}

/* This CPU's kernel state that a VM exit restores (RSP and RIP: the caller's). */
static inline bool vmx_write_host(int cpu)
{
	struct desc_ptr gdt, idt;
	bool fail = false;
	u64 v;

	native_store_gdt(&gdt);
	store_idt(&idt);
	fail |= vmx_write(HOST_CR0, read_cr0());
	fail |= vmx_write(HOST_CR3, __read_cr3());
	fail |= vmx_write(HOST_CR4, __read_cr4());
	fail |= vmx_write(HOST_CS_SELECTOR, __KERNEL_CS);
	fail |= vmx_write(HOST_SS_SELECTOR, __KERNEL_DS);
	fail |= vmx_write(HOST_DS_SELECTOR, 0) | vmx_write(HOST_ES_SELECTOR, 0) |
		vmx_write(HOST_FS_SELECTOR, 0) | vmx_write(HOST_GS_SELECTOR, 0);
	fail |= vmx_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_FS_BASE, v);
	fail |= vmx_write(HOST_FS_BASE, v);
	rdmsrl(MSR_GS_BASE, v);
	fail |= vmx_write(HOST_GS_BASE, v);
	fail |= vmx_write(HOST_TR_BASE, (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	fail |= vmx_write(HOST_GDTR_BASE, gdt.address);
	fail |= vmx_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	fail |= vmx_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	fail |= vmx_write(HOST_IA32_SYSENTER_ESP, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	fail |= vmx_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	fail |= vmx_write(HOST_IA32_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	fail |= vmx_write(HOST_IA32_PAT, v);
	return fail;
}

/*
 * What a VM exit leaves wrong and the kernel needs back: the data segment
 * selectors (loaded as 0), FS and the kernel's GS base when a selector
 * was in use, the GDT and IDT limits (0xffff) and the TSS limit (0x67).
 */
struct vmx_host_segs {
	u16 ds, es, fs, gs;
	struct desc_ptr gdt, idt;
	u64 fs_base, kgs_base;
};

static inline void vmx_host_save(struct vmx_host_segs *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kgs_base);
	native_store_gdt(&h->gdt);
	store_idt(&h->idt);
}

static inline void vmx_host_restore(const struct vmx_host_segs *h)
{
	native_load_gdt(&h->gdt);
	load_idt(&h->idt);
	invalidate_tss_limit();
	loadsegment(ds, h->ds);
	loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs) {
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kgs_base);
	}
}

#endif /* _AXAS_VCPU_X86_VMX_OPS_H */
