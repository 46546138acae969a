// SPDX-License-Identifier: GPL-2.0
/*
 * The Arm stage-2 verifier: at EL2 with VHE, the table is loaded into
 * VTTBR_EL2 (with a VTCR_EL2 derived from its width and start level) and
 * every probe is an AT S12E1R / AT S12E1W with stage 1 off, read back from
 * PAR_EL1. The descriptor decoding, written from the Arm ARM (D8.3
 * descriptor formats, D8.5 stage 2 attributes, VTCR_EL2/VTTBR_EL2,
 * PAR_EL1), drives the shared software walk (kunit/hwverify/verify.c),
 * which checks first that every table pointer leads to RAM, since a
 * hardware walk into a hole of the physical map takes an external abort
 * that kills the kernel, and then what AT cannot observe (XN, AF,
 * reserved bits) on every leaf. Nothing here uses axas_npt's codecs.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include <asm/barrier.h>
#include <asm/daifflags.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <asm/virt.h>

#include "kunit/hwverify.h"

/* Descriptors (D8.3, 4 KiB granule) */
#define DESC_VALID	BIT_ULL(0)
#define DESC_TABLE	BIT_ULL(1)	/* table/page (1), block (0) */
#define DESC_MEMATTR	GENMASK_ULL(5, 2)
#define DESC_S2AP_R	BIT_ULL(6)
#define DESC_S2AP_W	BIT_ULL(7)
#define DESC_SH		GENMASK_ULL(9, 8)
#define DESC_AF		BIT_ULL(10)
#define DESC_OA		GENMASK_ULL(47, 12)
#define DESC_XN		GENMASK_ULL(54, 53)
/* bit 11 (FnXS), 49:48 (OA[51:50]), 50, DBM (51), Contiguous (52) */
#define DESC_LEAF_RES	(BIT_ULL(11) | GENMASK_ULL(52, 48))
/* stage-2 table descriptors: 63:59 RES0, 51:48 RES0 */
#define DESC_TABLE_RES	(GENMASK_ULL(63, 59) | GENMASK_ULL(51, 48))

#define MEMATTR_DEVICE_NGNRE	0x1
#define MEMATTR_NORMAL_NC	0x5
#define MEMATTR_NORMAL_WB	0xf
#define SH_INNER		3
#define XN_NONE			0	/* executable at EL1 and EL0 */
#define XN_ALL			2	/* XN[1]: at neither */

/* VTCR_EL2 */
#define VTCR_T0SZ	GENMASK_ULL(5, 0)
#define VTCR_SL0	GENMASK_ULL(7, 6)
#define VTCR_IRGN0	GENMASK_ULL(9, 8)
#define VTCR_ORGN0	GENMASK_ULL(11, 10)
#define VTCR_SH0	GENMASK_ULL(13, 12)
#define VTCR_TG0	GENMASK_ULL(15, 14)
#define VTCR_PS		GENMASK_ULL(18, 16)
#define VTCR_VS		BIT_ULL(19)	/* 16-bit VMID */
#define VTCR_RES1	BIT_ULL(31)
#define VTCR_WBWA	1
#define VTCR_TG0_4K	0

/* VTTBR_EL2 */
#define VTTBR_VMID	GENMASK_ULL(55, 48)
#define VTTBR_VMID16	GENMASK_ULL(63, 48)	/* with VTCR_EL2.VS = 1 */
#define VTTBR_BADDR	GENMASK_ULL(47, 1)
#define HWV_VMID	0x5a	/* any: nothing else runs a guest here */

/* HCR_EL2 (D19.2.48) */
#define HCR_F_VM	BIT_ULL(0)
#define HCR_F_DC	BIT_ULL(12)
#define HCR_F_TGE	BIT_ULL(27)

/* PAR_EL1 after AT (D19.2.113) */
#define PAR_F		BIT_ULL(0)
#define PAR_FST		GENMASK_ULL(6, 1)
#define PAR_S		BIT_ULL(9)	/* fault at stage 2 */
#define PAR_SH		GENMASK_ULL(8, 7)
#define PAR_PA		GENMASK_ULL(47, 12)
#define PAR_ATTR	GENMASK_ULL(63, 56)

/* Fault status codes (FST[5:2]; FST[1:0] is the level) */
#define FSC_ADDR_SIZE	0
#define FSC_TRANSLATION	1
#define FSC_ACCESS	2
#define FSC_PERMISSION	3

/*
 * PAR_EL1.ATTR for the combination of stage 1 off with HCR_EL2.DC = 1
 * (Normal write-back) and the stage-2 attribute (D8.5.5 "Combining the
 * stage 1 and stage 2 attributes").
 */
#define PAR_ATTR_WB	0xff
#define PAR_ATTR_NC	0x44
#define PAR_ATTR_DEVICE	0x04	/* Device-nGnRE */

const char *hwv_arch_absent(u32 format)
{
	return is_kernel_in_hyp_mode() ? NULL : "not running at EL2 with VHE";
}

bool hwv_arch_walks(u32 format)
{
	return format == AXAS_FMT_ARM_S2;
}

bool hwv_arch_pa_is_ram(u64 pa)
{
	return pfn_is_map_memory(PHYS_PFN(pa));
}

/* The root the hardware walks: VTTBR_EL2.BADDR, not what the owner says. */
u64 hwv_arch_root(const struct hwv_table *t)
{
	return t->root_reg & VTTBR_BADDR;
}

/* --- the hardware path --------------------------------------------------- */

struct s2_saved {
	unsigned long daif;
	u64 hcr, vtcr, vttbr, sctlr12, par;
};

static unsigned int s2_parange_bits(unsigned int *ps)
{
	static const u8 bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	/* the tables hold 48-bit output addresses: clamp PS there */
	*ps = min(parange, 5U);
	return bits[*ps];
}

static u64 s2_vtcr(const struct hwv_table *t, unsigned int ps)
{
	/* SL0 for the 4 KiB granule: start level 2 -> 0, 1 -> 1, 0 -> 2 */
	return FIELD_PREP(VTCR_T0SZ, 64 - t->gpa_bits) |
	       FIELD_PREP(VTCR_SL0, t->levels - 2) |
	       FIELD_PREP(VTCR_IRGN0, VTCR_WBWA) |
	       FIELD_PREP(VTCR_ORGN0, VTCR_WBWA) |
	       FIELD_PREP(VTCR_SH0, SH_INNER) |
	       FIELD_PREP(VTCR_TG0, VTCR_TG0_4K) |
	       FIELD_PREP(VTCR_PS, ps) | VTCR_RES1;
	/* HA = HD = 0: the walker never sets AF or dirty state itself */
}

static void s2_flush(void)
{
	isb();
	__tlbi(vmalls12e1is);
	dsb(ish);
	isb();
}

/* Load @t; return: the output-address bits VTCR_EL2.PS allows. */
static unsigned int s2_hw_enter(const struct hwv_table *t, struct s2_saved *s)
{
	unsigned int ps, pa_bits;

	s->daif = local_daif_save();
	s->hcr = read_sysreg(hcr_el2);
	s->vtcr = read_sysreg(vtcr_el2);
	s->vttbr = read_sysreg(vttbr_el2);
	s->sctlr12 = read_sysreg_s(SYS_SCTLR_EL12);
	s->par = read_sysreg_par();

	pa_bits = s2_parange_bits(&ps);
	/* stage 1 off: VA == IPA (E2H = 1, so the EL1 register is _EL12) */
	write_sysreg_s(s->sctlr12 & ~SCTLR_ELx_M, SYS_SCTLR_EL12);
	/* the owner's registers as they are, else our own VMID and VTCR */
	write_sysreg(t->vtcr ? t->vtcr : s2_vtcr(t, ps), vtcr_el2);
	write_sysreg(t->vmid ? t->root_reg :
		     t->root_reg | FIELD_PREP(VTTBR_VMID, HWV_VMID), vttbr_el2);
	isb();
	dsb(ishst);
	/* EL1&0 regime with stage 2 on; DC: stage 1 off means Normal WB */
	write_sysreg((s->hcr & ~HCR_F_TGE) | HCR_F_VM | HCR_F_DC, hcr_el2);
	s2_flush();
	return pa_bits;
}

static void s2_hw_exit(struct s2_saved *s)
{
	/* our VMID's entries must not outlive the table */
	s2_flush();
	write_sysreg(s->hcr, hcr_el2);
	isb();
	write_sysreg(s->vttbr, vttbr_el2);
	write_sysreg(s->vtcr, vtcr_el2);
	write_sysreg_s(s->sctlr12, SYS_SCTLR_EL12);
	write_sysreg(s->par, par_el1);
	isb();
	local_daif_restore(s->daif);
}

static u64 s2_at(u64 ipa, bool write)
{
	if (write)
		asm volatile("at s12e1w, %0" : : "r" (ipa) : "memory");
	else
		asm volatile("at s12e1r, %0" : : "r" (ipa) : "memory");
	isb();
	return read_sysreg_par();
}

static const char *const s2_op_name[] = { "read", "write" };

/* A translation that must succeed to @pa with the region's attributes. */
static void s2_hw_expect_ok(struct hwv_report *rep, u64 gpa, bool write,
			    u64 par, u64 pa, u32 prot)
{
	u32 attr = FIELD_GET(PAR_ATTR, par);
	u32 want = hwv_memtype(prot, PAR_ATTR_DEVICE, PAR_ATTR_NC,
			       PAR_ATTR_WB);

	if (par & PAR_F) {
		hwv_hw_fail(rep, "AT %s gpa %#llx: fault FST %#llx S %d",
			    s2_op_name[write], gpa, FIELD_GET(PAR_FST, par),
			    !!(par & PAR_S));
		return;
	}
	if ((par & PAR_PA) != (pa & PAR_PA))
		hwv_hw_fail(rep, "AT %s gpa %#llx: pa %#llx, want %#llx",
			    s2_op_name[write], gpa, par & PAR_PA, pa & PAR_PA);
	if (attr != want)
		hwv_hw_fail(rep, "AT %s gpa %#llx: ATTR %#x, want %#x",
			    s2_op_name[write], gpa, attr, want);
	if (want == PAR_ATTR_WB && FIELD_GET(PAR_SH, par) != SH_INNER)
		hwv_hw_fail(rep, "AT %s gpa %#llx: SH %llu, want inner",
			    s2_op_name[write], gpa, FIELD_GET(PAR_SH, par));
}

/* A translation of @gpa that must fault at stage 2 with class @fsc. */
static void s2_hw_expect_fault(struct hwv_report *rep, u64 gpa, bool write,
			       unsigned int fsc)
{
	u64 par = s2_at(gpa, write);
	unsigned int fst = FIELD_GET(PAR_FST, par);

	rep->hw_probes++;
	if ((par & PAR_F) && (par & PAR_S) && fst >> 2 == fsc) {
		rep->hw_faults++;
		return;
	}
	if (!(par & PAR_F))
		hwv_hw_fail(rep, "AT %s gpa %#llx: no fault (pa %#llx)",
			    s2_op_name[write], gpa, par & PAR_PA);
	else
		hwv_hw_fail(rep, "AT %s gpa %#llx: FST %#x S %d, want stage-2 class %u",
			    s2_op_name[write], gpa, fst, !!(par & PAR_S), fsc);
}

/* One mapped page: AT S12E1R, then AT S12E1W. */
void hwv_arch_hw_page(struct hwv_hw *hw, u64 gpa,
		      const struct hwv_region *r)
{
	unsigned int off = hwv_probe_offset(gpa, hw->n++);
	u64 pa = r->hpa + (gpa - r->gpa) + off;
	bool write;

	gpa += off;
	for (write = false; ; write = true) {
		u32 need = write ? AXAS_MAP_WRITE : AXAS_MAP_READ;

		if (!(r->prot & need)) {
			s2_hw_expect_fault(hw->rep, gpa, write, FSC_PERMISSION);
		} else {
			hw->rep->hw_probes++;
			s2_hw_expect_ok(hw->rep, gpa, write, s2_at(gpa, write),
					pa, r->prot);
		}
		if (write)
			break;
	}
}

void hwv_arch_hw_hole(struct hwv_hw *hw, u64 gpa)
{
	gpa += hwv_probe_offset(gpa, hw->n++);
	s2_hw_expect_fault(hw->rep, gpa, false, FSC_TRANSLATION);
}

int hwv_arch_hw_run(struct hwv_hw *hw)
{
	u64 beyond = BIT_ULL(hw->t->gpa_bits);
	struct s2_saved s;
	unsigned int pa_bits;

	pa_bits = s2_hw_enter(hw->t, &s);
	/* the owner's values are all implemented bits: they read back */
	if (hw->t->vmid && read_sysreg(vttbr_el2) != hw->t->root_reg)
		hwv_hw_fail(hw->rep, "VTTBR_EL2 %#llx read back as %#llx",
			    hw->t->root_reg, read_sysreg(vttbr_el2));
	if (hw->t->vtcr && read_sysreg(vtcr_el2) != hw->t->vtcr)
		hwv_hw_fail(hw->rep, "VTCR_EL2 %#llx read back as %#llx",
			    hw->t->vtcr, read_sysreg(vtcr_el2));
	hwv_hw_probe(hw);
	/* just past the input size: a stage-2 translation fault */
	if (hw->t->gpa_bits < pa_bits)
		s2_hw_expect_fault(hw->rep, beyond, false, FSC_TRANSLATION);
	s2_hw_exit(&s);
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
	unsigned int root_bits, pages;
	u64 root = hwv_arch_root(t), pa;

	*hw_ok = false;
	if (t->format != AXAS_FMT_ARM_S2 || t->levels < 2 || t->levels > 4 ||
	    t->gpa_bits < 32 || t->gpa_bits > 48) {
		hwv_sw_fail(rep, "format %u levels %u gpa_bits %u: not a stage-2 table",
			    t->format, t->levels, t->gpa_bits);
		return false;
	}
	/* the start level resolves 1..9 bits, plus up to 4 by concatenation */
	if (t->gpa_bits <= 12 + 9 * (t->levels - 1) ||
	    hwv_index_bits(t, t->levels - 1) > 13) {
		hwv_sw_fail(rep, "%u levels cannot cover %u bits", t->levels,
			    t->gpa_bits);
		return false;
	}
	root_bits = hwv_index_bits(t, t->levels - 1);
	pages = root_bits > 9 ? 1U << (root_bits - 9) : 1;
	for (pa = root; pa < root + pages * SZ_4K; pa += SZ_4K) {
		if (!hwv_arch_pa_is_ram(pa)) {
			hwv_sw_fail(rep, "root page %#llx is not RAM", pa);
			return false;
		}
	}
	/* BADDR must be aligned to the root's size, else the walk is another */
	*hw_ok = IS_ALIGNED(root, pages * SZ_4K);
	if (!*hw_ok)
		hwv_sw_fail(rep, "root %#llx of %u pages is not aligned to its size",
			    root, pages);
	if (t->root_reg != (t->root_pa | FIELD_PREP(VTTBR_VMID16, t->vmid)))
		hwv_sw_fail(rep, "VTTBR %#llx: not root %#llx with VMID %#x, CnP 0",
			    t->root_reg, t->root_pa, t->vmid);
	/* a wrong root is walked (and judged) as the hardware would walk it */
	if ((t->root_reg & ~VTTBR_BADDR) != FIELD_PREP(VTTBR_VMID16, t->vmid))
		*hw_ok = false;
	if (t->vtcr) {
		unsigned int ps;
		u64 want;

		s2_parange_bits(&ps);
		want = s2_vtcr(t, ps) | (t->vmid > 0xff ? VTCR_VS : 0);
		if (t->vtcr != want)
			hwv_sw_fail(rep, "VTCR_EL2 %#llx, want %#llx", t->vtcr,
				    want);
	}
	return true;
}
