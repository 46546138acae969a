// SPDX-License-Identifier: GPL-2.0
/*
 * The RISC-V G-stage verifier: a table is loaded into hgatp and probed with
 * HLV.D / HLVX.HU / HSV.D from HS-mode. The entry decoding for the shared
 * software walk (kunit/hwverify/verify.c) is written from the Privileged
 * ISA ("Hypervisor Extension": hgatp, "Two-Stage Address Translation", the
 * Sv39/Sv48/Sv57 PTE format; Svpbmt). Nothing here uses axas_npt's codecs.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include <asm/cpufeature.h>
#include <asm/csr.h>

#include "kunit/hwverify.h"
#include "kunit/riscv/hwv_riscv.h"

/* PTE fields (Privileged ISA, "Sv39: Page-Based 39-bit Virtual Memory") */
#define PTE_V		BIT_ULL(0)
#define PTE_R		BIT_ULL(1)
#define PTE_W		BIT_ULL(2)
#define PTE_X		BIT_ULL(3)
#define PTE_U		BIT_ULL(4)
#define PTE_G		BIT_ULL(5)
#define PTE_A		BIT_ULL(6)
#define PTE_D		BIT_ULL(7)
#define PTE_RWX		(PTE_R | PTE_W | PTE_X)
#define PTE_PPN		GENMASK_ULL(53, 10)
#define PTE_RSVD	GENMASK_ULL(60, 54)
#define PTE_PBMT	GENMASK_ULL(62, 61)	/* Svpbmt */
#define PTE_N		BIT_ULL(63)		/* Svnapot */

#define PBMT_PMA	0
#define PBMT_NC		1
#define PBMT_IO		2

/* hgatp (RV64): MODE 63:60, VMID 57:44, PPN 43:0 */
#define HGATP_F_MODE	GENMASK_ULL(63, 60)
#define HGATP_F_VMID	GENMASK_ULL(57, 44)
#define HGATP_F_PPN	GENMASK_ULL(43, 0)
#define HGATP_BARE	0
#define HGATP_SV39X4	8
#define HGATP_SV57X4	10

/* scause values of guest-page faults */
#define CAUSE_LOAD_GPF	21
#define CAUSE_STORE_GPF	23
#define CAUSE_HLVX_QEMU	12	/* what QEMU 10 reports for HLVX */

#define GSTAGE_ROOT_SIZE	SZ_16K
#define HWV_VMID		0x5a	/* any: nothing else runs a guest */

bool hwv_rv_qemu7;
module_param_named(hwverify_qemu7, hwv_rv_qemu7, bool, 0444);
MODULE_PARM_DESC(hwverify_qemu7,
		 "QEMU 7.2: leave GPAs in the upper 3/4 of x4 roots and HLVX to software");

const char *hwv_arch_absent(u32 format)
{
	if (riscv_has_extension_unlikely(RISCV_ISA_EXT_h))
		return NULL;
	return "no H extension: not running in HS-mode";
}

bool hwv_arch_walks(u32 format)
{
	return format >= AXAS_FMT_SV39X4 && format <= AXAS_FMT_SV57X4;
}

/*
 * RAM the kernel may touch: not firmware memory that PMP protects from
 * S-mode (older OpenSBI leaves it in the linear map, marked reserved), not
 * MMIO. Data and table pages come from the page allocator.
 */
bool hwv_arch_pa_is_ram(u64 pa)
{
	unsigned long pfn = PHYS_PFN(pa);

	return pfn_valid(pfn) && page_is_ram(pfn) &&
	       !PageReserved(pfn_to_page(pfn));
}

/* The root the hardware walks: hgatp.PPN, not what the owner says. */
u64 hwv_arch_root(const struct hwv_table *t)
{
	return FIELD_GET(HGATP_F_PPN, t->root_reg) << 12;
}

/* --- the hardware path --------------------------------------------------- */

struct rv_saved {
	unsigned long flags;
	unsigned long hgatp;
	unsigned long vsatp;
	unsigned long hstatus;
};

/* Load the table; false (with a failure recorded) if hgatp refuses it. */
static bool rv_hw_enter(struct hwv_hw *hw, struct rv_saved *s)
{
	const struct hwv_table *t = hw->t;
	/* the owner's VMID as it is, else our own */
	u64 hgatp = t->vmid ? t->root_reg :
		    t->root_reg | FIELD_PREP(HGATP_F_VMID, HWV_VMID);
	u64 back, mask = t->vmid ? 0 : HGATP_F_VMID;

	local_irq_save(s->flags);
	s->hgatp = csr_read(CSR_HGATP);
	s->vsatp = csr_read(CSR_VSATP);
	s->hstatus = csr_read(CSR_HSTATUS);

	/* VS-stage Bare: guest virtual == guest physical */
	csr_write(CSR_VSATP, 0);
	/* HLV/HSV act as VS-mode accesses; G-stage sees them as user ones */
	csr_write(CSR_HSTATUS, s->hstatus | HSTATUS_SPVP);
	csr_write(CSR_HGATP, hgatp);
	back = csr_read(CSR_HGATP);
	hwv_rv_hfence_gvma_all();

	/*
	 * An unsupported MODE makes the whole write ineffective (WARL); an
	 * owner's VMID must survive too (QEMU implements all 14 bits).
	 */
	if ((back & ~mask) != (hgatp & ~mask)) {
		hwv_hw_fail(hw->rep, "hgatp %#llx read back as %#llx",
			    hgatp, back);
		return false;
	}
	return true;
}

static void rv_hw_exit(struct rv_saved *s)
{
	hwv_rv_hfence_gvma_all();
	csr_write(CSR_HGATP, s->hgatp);
	csr_write(CSR_VSATP, s->vsatp);
	/* a trap set hstatus.GVA (and SPV): put back what the kernel had */
	csr_write(CSR_HSTATUS, s->hstatus);
	hwv_rv_hfence_gvma_all();
	local_irq_restore(s->flags);
}

/*
 * QEMU 7.2 cannot be asked about this address: it faults every GPA that
 * needs the two extra bits of an x4 root (bit 40 and up on Sv39x4, 49 on
 * Sv48x4, 58 on Sv57x4).
 */
static bool rv_hw_blind(const struct hwv_hw *hw, u64 gpa)
{
	return hwv_rv_qemu7 && gpa >> (hw->t->gpa_bits - 2);
}

/* The last access trapped with @cause for @gpa; describe it otherwise. */
static bool rv_trap_is(const struct hwv_rv_trap *trap, unsigned long cause,
		       u64 gpa)
{
	return trap->trapped && trap->scause == cause &&
	       trap->htval == gpa >> 2;
}

static void rv_hw_expect_fault(struct hwv_hw *hw, u64 gpa, const char *what,
			       unsigned long cause, unsigned long cause2)
{
	struct hwv_rv_trap *trap = hw->priv;
	struct hwv_report *rep = hw->rep;

	/* htval == gpa >> 2 shows the fault was the G-stage's, for this gpa */
	if (rv_trap_is(trap, cause, gpa) ||
	    (cause2 && rv_trap_is(trap, cause2, gpa))) {
		rep->hw_faults++;
		return;
	}
	if (!trap->trapped)
		hwv_hw_fail(rep, "%s gpa %#llx: no fault", what, gpa);
	else
		hwv_hw_fail(rep, "%s gpa %#llx: scause %lu htval %#lx, want guest-page fault %lu",
			    what, gpa, trap->scause, trap->htval, cause);
}

/* One mapped page: read, execute, write as its region allows. */
void hwv_arch_hw_page(struct hwv_hw *hw, u64 gpa,
		      const struct hwv_region *r)
{
	unsigned int off = hwv_probe_offset(gpa, hw->n++);
	u64 hpa = r->hpa + (gpa - r->gpa) + off;
	struct hwv_rv_trap *trap = hw->priv;
	struct hwv_report *rep = hw->rep;
	bool proven = false;
	u64 *host, host_val, val;

	if (rv_hw_blind(hw, gpa) || !hwv_arch_pa_is_ram(hpa)) {
		rep->hw_skipped++;
		return;
	}
	host = phys_to_virt(hpa);
	gpa += off;

	rep->hw_probes++;
	host_val = READ_ONCE(*host);
	val = hwv_rv_hlv_d(gpa, trap);
	if (!(r->prot & AXAS_MAP_READ))
		rv_hw_expect_fault(hw, gpa, "read of non-readable",
				   CAUSE_LOAD_GPF, 0);
	else if (trap->trapped)
		hwv_hw_fail(rep, "read gpa %#llx: scause %lu htval %#lx",
			    gpa, trap->scause, trap->htval);
	else if (val != host_val && val != READ_ONCE(*host))
		hwv_hw_fail(rep, "read gpa %#llx: %#llx, host pa %#llx holds %#llx",
			    gpa, val, hpa, host_val);
	else
		proven = true;

	/* QEMU 7.2 checks R instead of X for HLVX */
	if (!hwv_rv_qemu7) {
		rep->hw_probes++;
		val = hwv_rv_hlvx_hu(gpa, trap);
		/*
		 * The specification makes this a load guest-page fault; QEMU
		 * 10 reports scause 12 (with htval set, so from the G-stage).
		 */
		if (!(r->prot & AXAS_MAP_EXEC))
			rv_hw_expect_fault(hw, gpa, "execute-read of non-executable",
					   CAUSE_LOAD_GPF, CAUSE_HLVX_QEMU);
		else if (trap->trapped)
			hwv_hw_fail(rep, "execute-read gpa %#llx: scause %lu",
				    gpa, trap->scause);
		else if (val != (u16)READ_ONCE(*host))
			hwv_hw_fail(rep, "execute-read gpa %#llx: %#llx, host holds %#llx",
				    gpa, val, READ_ONCE(*host) & 0xffff);
		else
			proven = true;
	}

	/*
	 * Store only where a load proved that @gpa reaches this very page: a
	 * broken table must not turn the verifier into a memory scribbler.
	 */
	if (!proven)
		return;
	rep->hw_probes++;
	host_val = READ_ONCE(*host);
	if (!(r->prot & AXAS_MAP_WRITE)) {
		/* the value already there: harmless should the store land */
		hwv_rv_hsv_d(gpa, trap, host_val);
		rv_hw_expect_fault(hw, gpa, "write of read-only",
				   CAUSE_STORE_GPF, 0);
		return;
	}
	val = ~host_val ^ gpa;
	hwv_rv_hsv_d(gpa, trap, val);
	if (trap->trapped) {
		hwv_hw_fail(rep, "write gpa %#llx: scause %lu htval %#lx",
			    gpa, trap->scause, trap->htval);
		return;
	}
	if (READ_ONCE(*host) != val)
		hwv_hw_fail(rep, "write gpa %#llx: host pa %#llx holds %#llx, want %#llx",
			    gpa, hpa, READ_ONCE(*host), val);
	hwv_rv_hsv_d(gpa, trap, host_val);
	if (trap->trapped || READ_ONCE(*host) != host_val)
		hwv_hw_fail(rep, "write gpa %#llx: restoring failed", gpa);
}

void hwv_arch_hw_hole(struct hwv_hw *hw, u64 gpa)
{
	if (rv_hw_blind(hw, gpa)) {
		hw->rep->hw_skipped++;
		return;
	}
	gpa += hwv_probe_offset(gpa, hw->n++);
	hw->rep->hw_probes++;
	hwv_rv_hlv_d(gpa, hw->priv);
	rv_hw_expect_fault(hw, gpa, "read of unmapped", CAUSE_LOAD_GPF, 0);
}

/* The trap record is linear-map memory: the handler stores to it. */
int hwv_arch_hw_run(struct hwv_hw *hw)
{
	struct hwv_rv_trap *trap = kzalloc(sizeof(*trap), GFP_KERNEL);
	u64 beyond = BIT_ULL(hw->t->gpa_bits);
	struct rv_saved s;

	if (!trap)
		return -ENOMEM;
	hw->priv = trap;
	if (rv_hw_enter(hw, &s)) {
		hwv_hw_probe(hw);
		/* just past the width: bits above it must be zero */
		hw->rep->hw_probes++;
		hwv_rv_hlv_d(beyond, trap);
		rv_hw_expect_fault(hw, beyond, "read beyond the width",
				   CAUSE_LOAD_GPF, 0);
	}
	rv_hw_exit(&s);
	kfree(trap);
	return 0;
}

/*
 * The table's shape and root register. Return: false when it cannot even
 * be walked in software (failure recorded); *@hw_ok false when it can, but
 * must not be handed to the hardware.
 */
bool hwv_arch_check_shape(const struct hwv_table *t, struct hwv_report *rep,
			  bool *hw_ok)
{
	unsigned int mode = FIELD_GET(HGATP_F_MODE, t->root_reg);
	u64 root = hwv_arch_root(t);

	*hw_ok = false;
	if (t->format < AXAS_FMT_SV39X4 || t->format > AXAS_FMT_SV57X4 ||
	    t->levels != 3 + t->format - AXAS_FMT_SV39X4 ||
	    t->gpa_bits != 12 + 9 * t->levels + 2) {
		hwv_sw_fail(rep, "format %u levels %u gpa_bits %u: not a G-stage table",
			    t->format, t->levels, t->gpa_bits);
		return false;
	}
	if (!hwv_arch_pa_is_ram(root) ||
	    !hwv_arch_pa_is_ram(root + GSTAGE_ROOT_SIZE - 1)) {
		hwv_sw_fail(rep, "hgatp %#llx: root is not RAM", t->root_reg);
		return false;
	}
	/* the hardware would walk another shape than the software */
	*hw_ok = mode == HGATP_SV39X4 + t->levels - 3;
	if (!*hw_ok)
		hwv_sw_fail(rep, "hgatp %#llx: MODE %u for %u levels",
			    t->root_reg, mode, t->levels);
	if (FIELD_GET(HGATP_F_VMID, t->root_reg) != t->vmid ||
	    (t->root_reg & GENMASK_ULL(59, 58)))
		hwv_sw_fail(rep, "hgatp %#llx: VMID not %#x, or reserved bits set",
			    t->root_reg, t->vmid);
	if (root != t->root_pa)
		hwv_sw_fail(rep, "hgatp %#llx: PPN is not root %#llx",
			    t->root_reg, t->root_pa);
	/* QEMU does not check this: the root is 16 KiB, naturally aligned */
	if (!IS_ALIGNED(root, GSTAGE_ROOT_SIZE))
		hwv_sw_fail(rep, "root %#llx is not 16 KiB aligned", root);
	return true;
}
