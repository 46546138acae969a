// SPDX-License-Identifier: GPL-2.0
/*
 * Reference decoder for the nested page tables of axas_npt, written from:
 *  - Intel SDM Vol. 3C, "EPT Translation Mechanism" (the tables of EPT
 *    paging-structure entries) and "Extended-Page-Table Pointer (EPTP)";
 *  - Arm ARM (DDI 0487), D8 "The AArch64 Virtual Memory System Architecture":
 *    VMSAv8-64 descriptor formats, stage 2 memory attributes (MemAttr, S2AP,
 *    SH, AF, XN), initial lookup level and concatenated tables (VTCR_EL2),
 *    and VTTBR_EL2;
 *  - RISC-V Privileged ISA, "Hypervisor Extension" (Sv39x4/Sv48x4/Sv57x4,
 *    hgatp), "Sv39" PTE format and "Svpbmt";
 *  - AMD64 APM Vol. 2, 5.3/5.4 (long-mode page-translation-table entries)
 *    and 15.25 "Nested Paging" (nested walks are user accesses; nCR3), with
 *    the host PAT as Linux programs it (slots 0 WB, 1 WC, 2 UC-, 3 UC).
 * It deliberately shares nothing with the engine's own encoders/decoders.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <uapi/linux/axas.h>

#include "kunit/ref_decode.h"

#define REF_PTES		512

/* Intel SDM Vol. 3C, EPT paging-structure entries. */
#define EPT_R			BIT_ULL(0)
#define EPT_W			BIT_ULL(1)
#define EPT_X			BIT_ULL(2)
#define EPT_RWX			(EPT_R | EPT_W | EPT_X)
#define EPT_MT			GENMASK_ULL(5, 3)	/* leaves only */
#define EPT_IPAT		BIT_ULL(6)
#define EPT_LARGE		BIT_ULL(7)	/* 2 MiB / 1 GiB leaf */
#define EPT_ACCESSED		BIT_ULL(8)
#define EPT_DIRTY		BIT_ULL(9)
#define EPT_XU			BIT_ULL(10)	/* only with mode-based exec */
#define EPT_IGN11		BIT_ULL(11)
#define EPT_ADDR		GENMASK_ULL(51, 12)
#define EPT_IGN_HI		GENMASK_ULL(56, 52)
#define EPT_FEATURES		GENMASK_ULL(63, 57)	/* VGP, PW, SSS, SPP, #VE */
#define EPT_NONLEAF_RSVD	GENMASK_ULL(7, 3)
#define EPT_MT_UC		0
#define EPT_MT_WC		1
#define EPT_MT_WB		6

/* Intel SDM Vol. 3C, EPTP. */
#define EPTP_MT			GENMASK_ULL(2, 0)
#define EPTP_PWL		GENMASK_ULL(5, 3)	/* walk length - 1 */
#define EPTP_AD			BIT_ULL(6)
#define EPTP_RSVD		(GENMASK_ULL(11, 7) | GENMASK_ULL(63, 52))
#define EPTP_ADDR		GENMASK_ULL(51, 12)

/* Arm ARM D8, VMSAv8-64 stage 2 descriptors, 4 KiB granule, 48-bit OA. */
#define S2_VALID		BIT_ULL(0)
#define S2_TABLE_OR_PAGE	BIT_ULL(1)	/* clear: block */
#define S2_MEMATTR		GENMASK_ULL(5, 2)
#define S2_AP_R			BIT_ULL(6)
#define S2_AP_W			BIT_ULL(7)
#define S2_SH			GENMASK_ULL(9, 8)
#define S2_AF			BIT_ULL(10)
#define S2_NT			BIT_ULL(11)
#define S2_OA			GENMASK_ULL(47, 12)
#define S2_OA_HI		GENMASK_ULL(50, 48)
#define S2_DBM			BIT_ULL(51)
#define S2_CONT			BIT_ULL(52)
#define S2_XN			GENMASK_ULL(54, 53)
#define S2_SW			GENMASK_ULL(58, 55)
#define S2_HI			GENMASK_ULL(63, 59)
#define S2_MEMATTR_DEV_NGNRE	0x1
#define S2_MEMATTR_NORMAL_NC	0x5
#define S2_MEMATTR_NORMAL_WB	0xf
#define S2_SH_OUTER		2
#define S2_SH_INNER		3
#define S2_XN_NONE		0
#define S2_XN_ALL		2

/* RISC-V Privileged ISA, Sv39/Sv48/Sv57 PTE, G-stage, Svpbmt. */
#define RV_V			BIT_ULL(0)
#define RV_R			BIT_ULL(1)
#define RV_W			BIT_ULL(2)
#define RV_X			BIT_ULL(3)
#define RV_U			BIT_ULL(4)
#define RV_G			BIT_ULL(5)
#define RV_A			BIT_ULL(6)
#define RV_D			BIT_ULL(7)
#define RV_RSW			GENMASK_ULL(9, 8)
#define RV_PPN			GENMASK_ULL(53, 10)
#define RV_RSVD			GENMASK_ULL(60, 54)
#define RV_PBMT			GENMASK_ULL(62, 61)
#define RV_N			BIT_ULL(63)
#define RV_PBMT_NC		1
#define RV_PBMT_IO		2
#define RV_ROOT_BYTES		SZ_16K

/* AMD64 APM Vol. 2, long-mode PML5E/PML4E/PDPE/PDE/PTE fields. */
#define X86_P			BIT_ULL(0)
#define X86_RW			BIT_ULL(1)
#define X86_US			BIT_ULL(2)
#define X86_PWT			BIT_ULL(3)
#define X86_PCD			BIT_ULL(4)
#define X86_A			BIT_ULL(5)
#define X86_D			BIT_ULL(6)	/* leaves; ignored in pointers */
#define X86_PS_OR_PAT		BIT_ULL(7)	/* PS above level 0, PAT at 0 */
#define X86_G			BIT_ULL(8)
#define X86_AVL			GENMASK_ULL(11, 9)
#define X86_PAT_LARGE		BIT_ULL(12)	/* PAT of a 2 MiB / 1 GiB leaf */
#define X86_ADDR		GENMASK_ULL(51, 12)
#define X86_AVL_HI		GENMASK_ULL(58, 52)
#define X86_PKEY		GENMASK_ULL(62, 59)
#define X86_NX			BIT_ULL(63)
/* nCR3 takes the root's address and PCD/PWT; everything else is zero. */
#define X86_NCR3_ADDR		GENMASK_ULL(51, 12)

/* RISC-V hgatp (RV64). */
#define REF_HGATP_MODE		GENMASK_ULL(63, 60)
#define REF_HGATP_ZERO		GENMASK_ULL(59, 58)
#define REF_HGATP_VMID		GENMASK_ULL(57, 44)
#define REF_HGATP_PPN		GENMASK_ULL(43, 0)

static unsigned int ref_shift(unsigned int level)
{
	return PAGE_SHIFT + 9 * level;
}

static u64 ref_size(unsigned int level)
{
	return 1ULL << ref_shift(level);
}

/**
 * axas_npt_ref_geom_init() - the geometry the manuals give a format
 * @g: filled in
 * @format: AXAS_FMT_EPT4..AXAS_FMT_AMD_NPT5
 * @gpa_bits: 0 for the default, else the width
 *
 * Arm stage 2 with a 4 KiB granule: the walk has (gpa_bits - 8) / 9 levels
 * (the fewest that keep the initial level within 16 concatenated tables,
 * which is what KVM's stage2_pgtable_levels() picks), and the root holds
 * every index bit above the next level.
 *
 * Return: 0, or -EINVAL for a format or width the manuals do not allow.
 */
int axas_npt_ref_geom_init(struct axas_npt_ref_geom *g, u32 format, u32 gpa_bits)
{
	unsigned int width, levels;

	switch (format) {
	case AXAS_FMT_EPT4:
		width = 48;
		levels = 4;
		break;
	case AXAS_FMT_EPT5:
		width = 57;
		levels = 5;
		break;
	case AXAS_FMT_ARM_S2:
		width = gpa_bits ? gpa_bits : 40;
		if (width < 32 || width > 48)
			return -EINVAL;
		levels = (width - 8) / 9;
		break;
	case AXAS_FMT_SV39X4:
		width = 41;
		levels = 3;
		break;
	case AXAS_FMT_SV48X4:
		width = 50;
		levels = 4;
		break;
	case AXAS_FMT_SV57X4:
		width = 59;
		levels = 5;
		break;
	case AXAS_FMT_AMD_NPT4:
		width = 48;
		levels = 4;
		break;
	case AXAS_FMT_AMD_NPT5:
		width = 57;
		levels = 5;
		break;
	default:
		return -EINVAL;
	}
	if (gpa_bits && gpa_bits != width)
		return -EINVAL;

	g->format = format;
	g->ept_ad = false;
	g->gpa_bits = width;
	g->levels = levels;
	g->root_entries = 1U << (width - ref_shift(levels - 1));
	g->root_pages = max(1U, g->root_entries / REF_PTES);
	g->max_leaf_level = min(2U, levels - 1);
	g->pa_bits = format == AXAS_FMT_ARM_S2 ? 48 :
		     format <= AXAS_FMT_EPT5 ? 52 :
		     format >= AXAS_FMT_AMD_NPT4 ? 52 : 56;
	g->always_readable = format == AXAS_FMT_AMD_NPT4 ||
			     format == AXAS_FMT_AMD_NPT5;
	return 0;
}

static void ref_bad(struct axas_npt_ref_entry *e, const char *why)
{
	if (e->kind != AXAS_NPT_REF_BAD) {
		e->kind = AXAS_NPT_REF_BAD;
		e->why = why;
	}
}

static void ref_leaf_pa(struct axas_npt_ref_entry *e, u64 pa, unsigned int level,
			const char *why)
{
	if (pa & (ref_size(level) - 1))
		ref_bad(e, why);
	else if (e->kind != AXAS_NPT_REF_BAD)
		e->kind = AXAS_NPT_REF_LEAF;
	e->pa = pa;
}

static void ref_decode_ept(const struct axas_npt_ref_geom *g, u64 pte,
			   unsigned int level, struct axas_npt_ref_entry *e)
{
	u64 perm = pte & EPT_RWX;

	if (!perm) {
		if (pte)
			ref_bad(e, "EPT: non-present entry with other bits set");
		return;
	}
	if (pte & EPT_FEATURES)
		ref_bad(e, "EPT: bits 63:57 (#VE/SSS/SPP/PW/VGP) set");
	e->shape = level > 0 && !(pte & EPT_LARGE) ? AXAS_NPT_REF_TABLE :
		   AXAS_NPT_REF_LEAF;
	if (level > 0 && !(pte & EPT_LARGE)) {
		if (perm != EPT_RWX)
			ref_bad(e, "EPT: non-leaf entry without RWX restricts its subtree");
		if (pte & EPT_NONLEAF_RSVD)
			ref_bad(e, "EPT: non-leaf entry with reserved bits 7:3 set");
		if (e->kind != AXAS_NPT_REF_BAD)
			e->kind = AXAS_NPT_REF_TABLE;
		e->pa = pte & EPT_ADDR;
		return;
	}
	if (level > 2)
		ref_bad(e, "EPT: bit 7 set above the 1 GiB level (reserved)");
	if ((perm & EPT_W) && !(perm & EPT_R))
		ref_bad(e, "EPT: write without read is a misconfiguration");
	switch (FIELD_GET(EPT_MT, pte)) {
	case EPT_MT_WB:
		break;
	case EPT_MT_UC:
		e->prot |= AXAS_MAP_DEVICE;
		break;
	case EPT_MT_WC:
		e->prot |= AXAS_MAP_UNCACHED;
		break;
	default:
		ref_bad(e, "EPT: leaf memory type is not WB, UC or WC");
	}
	if (perm & EPT_R)
		e->prot |= AXAS_MAP_READ;
	if (perm & EPT_W)
		e->prot |= AXAS_MAP_WRITE;
	if (perm & EPT_X)
		e->prot |= AXAS_MAP_EXEC;
	/*
	 * "Accessed and Dirty Flags for EPT": with EPTP bit 6 a write through
	 * the leaf sets bit 9 if it is clear. Without it nothing records the
	 * write, so nothing is ever clean (write protection only).
	 */
	if (g->ept_ad && (perm & EPT_W) && !(pte & EPT_DIRTY))
		e->clean = true;
	ref_leaf_pa(e, pte & EPT_ADDR, level,
		    "EPT: large-page address bits below the page size set (reserved)");
}

static void ref_decode_s2(u64 pte, unsigned int level, struct axas_npt_ref_entry *e)
{
	if (!(pte & S2_VALID)) {
		if (pte)
			ref_bad(e, "S2: invalid descriptor with other bits set");
		return;
	}
	if (pte & S2_TABLE_OR_PAGE)
		e->shape = level > 0 ? AXAS_NPT_REF_TABLE : AXAS_NPT_REF_LEAF;
	else
		e->shape = level > 0 && level <= 2 ? AXAS_NPT_REF_LEAF : AXAS_NPT_REF_BAD;
	if ((pte & S2_TABLE_OR_PAGE) && level > 0) {
		if (pte & (S2_HI | S2_OA_HI))
			ref_bad(e, "S2: table descriptor with RES0 bits (63:59, 50:48) set");
		if (e->kind != AXAS_NPT_REF_BAD)
			e->kind = AXAS_NPT_REF_TABLE;
		e->pa = pte & S2_OA;
		return;
	}
	if (!(pte & S2_TABLE_OR_PAGE) && level == 0)
		ref_bad(e, "S2: block descriptor at level 3 is reserved");
	if (!(pte & S2_TABLE_OR_PAGE) && level > 2)
		ref_bad(e, "S2: no block above 1 GiB with the 4 KiB granule");
	if (pte & (S2_HI | S2_OA_HI | S2_CONT | S2_NT))
		ref_bad(e, "S2: leaf with 63:59, Contiguous, OA[51:48] or nT set");
	/* FEAT_HAFDBS: with VTCR_EL2.HD a write sets S2AP[1], else faults. */
	if ((pte & S2_DBM) && !(pte & S2_AP_W))
		e->clean = true;
	if (!(pte & S2_AF))
		ref_bad(e, "S2: leaf without AF faults on first access");
	if (FIELD_GET(S2_SH, pte) == 1)
		ref_bad(e, "S2: SH 0b01 is reserved");
	switch (FIELD_GET(S2_MEMATTR, pte)) {
	case S2_MEMATTR_NORMAL_WB:
		if (FIELD_GET(S2_SH, pte) != S2_SH_INNER)
			ref_bad(e, "S2: normal memory not inner shareable");
		break;
	case S2_MEMATTR_DEV_NGNRE:
		e->prot |= AXAS_MAP_DEVICE;
		break;
	case S2_MEMATTR_NORMAL_NC:
		e->prot |= AXAS_MAP_UNCACHED;
		break;
	default:
		ref_bad(e, "S2: MemAttr not Normal-WB, Normal-NC or Device-nGnRE");
	}
	switch (FIELD_GET(S2_XN, pte)) {
	case S2_XN_NONE:
		e->prot |= AXAS_MAP_EXEC;
		break;
	case S2_XN_ALL:
		break;
	default:
		ref_bad(e, "S2: XN 0b01/0b11 make execution depend on the EL");
	}
	if (pte & S2_AP_R)
		e->prot |= AXAS_MAP_READ;
	if (pte & S2_AP_W)
		e->prot |= AXAS_MAP_WRITE;
	if ((pte & S2_AP_W) && !(pte & S2_AP_R))
		ref_bad(e, "S2: write without read");
	ref_leaf_pa(e, pte & S2_OA, level,
		    "S2: block address bits below the block size set (RES0)");
}

static void ref_decode_rv(u64 pte, unsigned int level, struct axas_npt_ref_entry *e)
{
	if (!(pte & RV_V)) {
		if (pte)
			ref_bad(e, "G-stage: invalid entry with other bits set");
		return;
	}
	if (pte & (RV_N | RV_RSVD))
		ref_bad(e, "G-stage: N or reserved bits 60:54 set");
	if (!(pte & (RV_R | RV_W | RV_X)))
		e->shape = level > 0 ? AXAS_NPT_REF_TABLE : AXAS_NPT_REF_BAD;
	else
		e->shape = AXAS_NPT_REF_LEAF;
	if (!(pte & (RV_R | RV_W | RV_X))) {
		if (level == 0)
			ref_bad(e, "G-stage: pointer at the last level");
		if (pte & (RV_U | RV_A | RV_D | RV_G | RV_PBMT))
			ref_bad(e, "G-stage: non-leaf with U, A, D, G or PBMT set");
		if (e->kind != AXAS_NPT_REF_BAD)
			e->kind = AXAS_NPT_REF_TABLE;
		e->pa = FIELD_GET(RV_PPN, pte) << PAGE_SHIFT;
		return;
	}
	if ((pte & RV_W) && !(pte & RV_R))
		ref_bad(e, "G-stage: W without R is reserved");
	if (!(pte & RV_U))
		ref_bad(e, "G-stage: leaf without U (guest accesses are user accesses)");
	if (pte & RV_G)
		ref_bad(e, "G-stage: G must be 0");
	if (!(pte & RV_A))
		ref_bad(e, "G-stage: leaf without A");
	/* Without Svadu the write faults; with henvcfg.ADUE it sets D. */
	if ((pte & RV_W) && !(pte & RV_D))
		e->clean = true;
	switch (FIELD_GET(RV_PBMT, pte)) {
	case 0:
		break;
	case RV_PBMT_NC:
		e->prot |= AXAS_MAP_UNCACHED;
		break;
	case RV_PBMT_IO:
		e->prot |= AXAS_MAP_DEVICE;
		break;
	default:
		ref_bad(e, "G-stage: PBMT 3 is reserved");
	}
	if (pte & RV_R)
		e->prot |= AXAS_MAP_READ;
	if (pte & RV_W)
		e->prot |= AXAS_MAP_WRITE;
	if (pte & RV_X)
		e->prot |= AXAS_MAP_EXEC;
	ref_leaf_pa(e, FIELD_GET(RV_PPN, pte) << PAGE_SHIFT, level,
		    "G-stage: misaligned superpage");
}

/*
 * A nested walk is a user access and takes the most restrictive R/W, U and
 * NX of every level, so a pointer must grant all of them; the leaf carries
 * the mapping's own permissions. Reads cannot be refused by x86 paging.
 */
static void ref_decode_npt(u64 pte, unsigned int level,
			   struct axas_npt_ref_entry *e)
{
	unsigned int slot;
	u64 pa;

	if (!(pte & X86_P)) {
		if (pte)
			ref_bad(e, "NPT: non-present entry with other bits set");
		return;
	}
	/* PS makes a leaf in a PDE/PDPE; in a PML4E/PML5E it is MBZ */
	if (level > 0 && !(pte & X86_PS_OR_PAT))
		e->shape = AXAS_NPT_REF_TABLE;
	else
		e->shape = level <= 2 ? AXAS_NPT_REF_LEAF : AXAS_NPT_REF_BAD;
	if (!(pte & X86_US))
		ref_bad(e, "NPT: U clear: a nested (user) access faults");
	if (!(pte & X86_A))
		ref_bad(e, "NPT: A clear: the walker would have to set it");
	if (pte & (X86_G | X86_AVL | X86_AVL_HI | X86_PKEY))
		ref_bad(e, "NPT: G, software or protection-key bits set");
	if (level > 0 && !(pte & X86_PS_OR_PAT)) {
		if (!(pte & X86_RW) || (pte & X86_NX))
			ref_bad(e, "NPT: pointer without R/W or with NX restricts its subtree");
		if (pte & (X86_PCD | X86_PWT | X86_D))
			ref_bad(e, "NPT: pointer with PCD, PWT or D set");
		if (e->kind != AXAS_NPT_REF_BAD)
			e->kind = AXAS_NPT_REF_TABLE;
		e->pa = pte & X86_ADDR;
		return;
	}
	if (level > 2)
		ref_bad(e, "NPT: PS in a PML4E/PML5E is reserved (MBZ)");
	/* host PAT slot = PAT:PCD:PWT; PAT is bit 7 at 4 KiB, 12 above */
	slot = FIELD_GET(X86_PWT, pte) | FIELD_GET(X86_PCD, pte) << 1;
	if (pte & (level ? X86_PAT_LARGE : X86_PS_OR_PAT))
		slot |= 4;
	switch (slot) {
	case 0:
		break;
	case 1:
		e->prot |= AXAS_MAP_UNCACHED;
		break;
	case 3:
		e->prot |= AXAS_MAP_DEVICE;
		break;
	default:
		ref_bad(e, "NPT: PAT slot is not WB (0), WC (1) or UC (3)");
	}
	e->prot |= AXAS_MAP_READ;
	if (pte & X86_RW)
		e->prot |= AXAS_MAP_WRITE;
	/* The CPU sets D on the first write through the leaf (APM 15.25.5). */
	if ((pte & X86_RW) && !(pte & X86_D))
		e->clean = true;
	if (!(pte & X86_NX))
		e->prot |= AXAS_MAP_EXEC;
	pa = pte & X86_ADDR;
	if (level)
		pa &= ~X86_PAT_LARGE;
	ref_leaf_pa(e, pa, level,
		    "NPT: large-page address bits below the page size set (reserved)");
}

/**
 * axas_npt_ref_pte_is_valid() - would the hardware use this entry at all?
 * @g: the geometry
 * @pte: the raw entry
 *
 * EPT (SDM 3C, "EPT Translation Mechanism"): an entry whose bits 2:0 are
 * all clear is not present, whatever else it holds (bit 10, execute for
 * user-mode addresses, counts too when mode-based execute control is on).
 * Arm (D8, descriptor formats): bit 0 clear is an invalid descriptor, the
 * other bits are ignored. RISC-V (PTE format): V = 0 is invalid, the other
 * bits are free for software. AMD NPT (APM Vol. 2, 5.4.1): P = 0 is not
 * present, the other bits are available to software.
 *
 * Return: true if a walk would use the entry (as a table or a leaf).
 */
bool axas_npt_ref_pte_is_valid(const struct axas_npt_ref_geom *g, u64 pte)
{
	switch (g->format) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		return pte & (EPT_RWX | EPT_XU);
	case AXAS_FMT_ARM_S2:
		return pte & S2_VALID;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		return pte & X86_P;
	default:
		return pte & RV_V;
	}
}

/**
 * axas_npt_ref_decode() - decode one entry as the hardware reads it
 * @g: geometry of the table
 * @pte: the raw entry
 * @level: its level
 * @e: result
 */
void axas_npt_ref_decode(const struct axas_npt_ref_geom *g, u64 pte, unsigned int level,
			 struct axas_npt_ref_entry *e)
{
	e->kind = AXAS_NPT_REF_NONE;
	e->shape = AXAS_NPT_REF_NONE;
	e->pa = 0;
	e->prot = 0;
	e->clean = false;
	e->why = NULL;

	switch (g->format) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		ref_decode_ept(g, pte, level, e);
		break;
	case AXAS_FMT_ARM_S2:
		ref_decode_s2(pte, level, e);
		break;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		ref_decode_npt(pte, level, e);
		break;
	default:
		ref_decode_rv(pte, level, e);
		break;
	}
}

/*
 * The leaf oracle as tables, one per format, read off the manuals' entry
 * layouts: a rule adds @bits to a leaf when (prot & @mask) == @match and
 * its level is within [@min_level, @max_level]. Every leaf bit the manuals
 * give a meaning to appears in exactly one rule per case, so a misread
 * manual shows as one wrong line here, never as the engine's own code
 * run twice.
 */
struct ref_leaf_rule {
	u32 mask;
	u32 match;
	u32 levels;	/* BIT(level) of the leaves it applies to */
	u64 bits;
};

#define REF_MEMTYPE	(AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED)
#define REF_ANY_LEVEL	(BIT(0) | BIT(1) | BIT(2))

/* Intel SDM Vol. 3C, "EPT Translation Mechanism": an EPT PTE, PDE or PDPTE that maps a page */
static const struct ref_leaf_rule ref_ept_leaf[] = {
	/* bits 2:0: read, write, execute access */
	{ AXAS_MAP_READ,  AXAS_MAP_READ,  REF_ANY_LEVEL, EPT_R },
	{ AXAS_MAP_WRITE, AXAS_MAP_WRITE, REF_ANY_LEVEL, EPT_W },
	{ AXAS_MAP_EXEC,  AXAS_MAP_EXEC,  REF_ANY_LEVEL, EPT_X },
	/* bits 5:3: EPT memory type ("EPT and Memory Typing"): WB 6, UC 0, WC 1 */
	{ REF_MEMTYPE, 0,                 REF_ANY_LEVEL, FIELD_PREP_CONST(EPT_MT, EPT_MT_WB) },
	{ REF_MEMTYPE, AXAS_MAP_DEVICE,   REF_ANY_LEVEL, FIELD_PREP_CONST(EPT_MT, EPT_MT_UC) },
	{ REF_MEMTYPE, AXAS_MAP_UNCACHED, REF_ANY_LEVEL, FIELD_PREP_CONST(EPT_MT, EPT_MT_WC) },
	/* bit 7: must be 1 in a PDE/PDPTE that maps a 2 MiB / 1 GiB page */
	{ 0, 0, BIT(1) | BIT(2), EPT_LARGE },
};

/* Arm ARM D8, VMSAv8-64 stage 2 block and page descriptors, 4 KiB granule. */
static const struct ref_leaf_rule ref_s2_leaf[] = {
	/* bit 0 valid; bit 10 AF (else an Access flag fault) */
	{ 0, 0, REF_ANY_LEVEL, S2_VALID | S2_AF },
	/* bit 1: 1 in a level 3 page descriptor, 0 in a block descriptor */
	{ 0, 0, BIT(0), S2_TABLE_OR_PAGE },
	/* S2AP[1:0], bits 7:6: bit 6 read, bit 7 write */
	{ AXAS_MAP_READ,  AXAS_MAP_READ,  REF_ANY_LEVEL, S2_AP_R },
	{ AXAS_MAP_WRITE, AXAS_MAP_WRITE, REF_ANY_LEVEL, S2_AP_W },
	/* XN[1:0], bits 54:53: 0b10 forbids execution at EL1 and EL0 */
	{ AXAS_MAP_EXEC, 0, REF_ANY_LEVEL, FIELD_PREP_CONST(S2_XN, S2_XN_ALL) },
	/*
	 * MemAttr[3:0], bits 5:2 (stage 2 without FWB): Normal Outer and
	 * Inner Write-Back 0b1111, Device-nGnRE 0b0001, Normal Outer and
	 * Inner Non-cacheable 0b0101; SH[1:0], bits 9:8: Inner Shareable
	 * 0b11 (Device and Non-cacheable are Outer Shareable whatever SH says).
	 */
	{ REF_MEMTYPE, 0, REF_ANY_LEVEL,
	  FIELD_PREP_CONST(S2_MEMATTR, S2_MEMATTR_NORMAL_WB) |
	  FIELD_PREP_CONST(S2_SH, S2_SH_INNER) },
	{ REF_MEMTYPE, AXAS_MAP_DEVICE, REF_ANY_LEVEL,
	  FIELD_PREP_CONST(S2_MEMATTR, S2_MEMATTR_DEV_NGNRE) },
	{ REF_MEMTYPE, AXAS_MAP_UNCACHED, REF_ANY_LEVEL,
	  FIELD_PREP_CONST(S2_MEMATTR, S2_MEMATTR_NORMAL_NC) },
};

/* RISC-V Privileged ISA: Sv39/48/57 PTE, the Hypervisor extension's G-stage rules, Svpbmt. */
static const struct ref_leaf_rule ref_rv_leaf[] = {
	/*
	 * V; U = 1 (every G-stage access is a user-mode access); A = 1 (with
	 * Svade an access to A = 0 faults)
	 */
	{ 0, 0, REF_ANY_LEVEL, RV_V | RV_U | RV_A },
	{ AXAS_MAP_READ,  AXAS_MAP_READ,  REF_ANY_LEVEL, RV_R },
	/* D = 1 where writable, else the first store faults under Svade */
	{ AXAS_MAP_WRITE, AXAS_MAP_WRITE, REF_ANY_LEVEL, RV_W | RV_D },
	{ AXAS_MAP_EXEC,  AXAS_MAP_EXEC,  REF_ANY_LEVEL, RV_X },
	/* PBMT, bits 62:61: 0 PMA, 1 NC, 2 IO */
	{ REF_MEMTYPE, AXAS_MAP_DEVICE,   REF_ANY_LEVEL, FIELD_PREP_CONST(RV_PBMT, RV_PBMT_IO) },
	{ REF_MEMTYPE, AXAS_MAP_UNCACHED, REF_ANY_LEVEL, FIELD_PREP_CONST(RV_PBMT, RV_PBMT_NC) },
};

/*
 * AMD64 APM Vol. 2, 5.4 "Page-Translation-Table Entry Fields" (PTE, and the
 * PDE/PDPE that map a 2 MiB / 1 GiB page), read with 15.25 "Nested Paging"
 * and the host PAT Linux programs (arch/x86/mm/pat/memtype.c).
 */
static const struct ref_leaf_rule ref_npt_leaf[] = {
	/*
	 * bit 0 P; bit 2 U/S = 1 (a nested walk is a user access); bit 5 A
	 * (the walker would otherwise write it). No bit says "readable":
	 * every present entry is.
	 */
	{ 0, 0, REF_ANY_LEVEL, X86_P | X86_US | X86_A },
	/* bit 1 R/W; bit 6 D, so that a write needs no update of the entry */
	{ AXAS_MAP_WRITE, AXAS_MAP_WRITE, REF_ANY_LEVEL, X86_RW | X86_D },
	/* bit 63 NX (EFER.NXE is set on every x86-64 Linux host) */
	{ AXAS_MAP_EXEC, 0, REF_ANY_LEVEL, X86_NX },
	/*
	 * Memory type: the host PAT slot PAT:PCD:PWT; Linux's PAT has WB in
	 * slot 0, WC in slot 1 and UC in slot 3, none needing the PAT bit
	 */
	{ REF_MEMTYPE, AXAS_MAP_DEVICE,   REF_ANY_LEVEL, X86_PCD | X86_PWT },
	{ REF_MEMTYPE, AXAS_MAP_UNCACHED, REF_ANY_LEVEL, X86_PWT },
	/* bit 7 PS: 1 in a PDE/PDPE that maps a 2 MiB / 1 GiB page */
	{ 0, 0, BIT(1) | BIT(2), X86_PS_OR_PAT },
};

static u64 ref_apply_rules(const struct ref_leaf_rule *rules, unsigned int nr,
			   u32 prot, unsigned int level)
{
	u64 pte = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		if ((prot & rules[i].mask) == rules[i].match &&
		    (rules[i].levels & BIT(level)))
			pte |= rules[i].bits;
	return pte;
}

/**
 * axas_npt_ref_leaf_pte() - the leaf the manuals prescribe for a mapping
 * @g: geometry
 * @pa: output address, aligned to the leaf size
 * @prot: AXAS_MAP_* bits
 * @level: level of the leaf
 *
 * The output address goes where each manual puts it (EPT 51:12, stage 2
 * OA 47:12, RISC-V PPN at 53:10, x86 51:12); every other bit comes from the format's
 * rule table.
 *
 * Return: the entry, exact except for axas_npt_ref_leaf_free_bits().
 */
u64 axas_npt_ref_leaf_pte(const struct axas_npt_ref_geom *g, u64 pa, u32 prot,
			  unsigned int level)
{
	switch (g->format) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		return (pa & EPT_ADDR) |
		       ref_apply_rules(ref_ept_leaf, ARRAY_SIZE(ref_ept_leaf), prot, level);
	case AXAS_FMT_ARM_S2:
		return (pa & S2_OA) |
		       ref_apply_rules(ref_s2_leaf, ARRAY_SIZE(ref_s2_leaf), prot, level);
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		return (pa & X86_ADDR) |
		       ref_apply_rules(ref_npt_leaf, ARRAY_SIZE(ref_npt_leaf), prot, level);
	default:
		return FIELD_PREP(RV_PPN, pa >> PAGE_SHIFT) |
		       ref_apply_rules(ref_rv_leaf, ARRAY_SIZE(ref_rv_leaf), prot, level);
	}
}

/**
 * axas_npt_ref_leaf_free_bits() - leaf bits the manuals leave to software
 * @g: geometry
 * @prot: AXAS_MAP_* bits of the leaf
 *
 * EPT: IPAT, accessed/dirty, XU (ignored without mode-based execute
 * control) and the ignored bits 11 and 56:52. Stage 2: the software bits
 * 58:55, and SH for Device and Normal-NC memory (always treated as outer
 * shareable). G-stage: RSW, and D on a leaf that is not writable. AMD
 * NPT: D on a leaf that is not writable.
 *
 * Return: the mask of bits an engine may set either way.
 */
u64 axas_npt_ref_leaf_free_bits(const struct axas_npt_ref_geom *g, u32 prot)
{
	switch (g->format) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		return EPT_IPAT | EPT_ACCESSED | EPT_DIRTY | EPT_XU |
		       EPT_IGN11 | EPT_IGN_HI;
	case AXAS_FMT_ARM_S2:
		if (prot & (AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED))
			return S2_SW | S2_SH;
		return S2_SW;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		return prot & AXAS_MAP_WRITE ? 0 : X86_D;
	default:
		if (prot & AXAS_MAP_WRITE)
			return RV_RSW;
		return RV_RSW | RV_D;
	}
}

/**
 * axas_npt_ref_check_root_reg() - check an EPTP / VTTBR_EL2 / hgatp value
 * @g: geometry
 * @root_pa: physical address of the root
 * @reg: the value to check
 *
 * Return: NULL if @reg is what the manuals require, else the broken rule.
 */
const char *axas_npt_ref_check_root_reg(const struct axas_npt_ref_geom *g, u64 root_pa,
					u64 reg)
{
	u64 root_bytes = (u64)g->root_pages << PAGE_SHIFT;
	u64 mode;

	switch (g->format) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		if (FIELD_GET(EPTP_MT, reg) != EPT_MT_WB)
			return "EPTP: memory type is not WB (6)";
		if (FIELD_GET(EPTP_PWL, reg) != g->levels - 1)
			return "EPTP: page-walk length - 1 is not levels - 1";
		if (reg & EPTP_RSVD)
			return "EPTP: reserved bits 11:7 or 63:52 set";
		if ((reg & EPTP_ADDR) != root_pa)
			return "EPTP: address is not the root";
		return NULL;
	case AXAS_FMT_ARM_S2:
		if (root_pa & (root_bytes - 1))
			return "VTTBR: root not aligned to its (concatenated) size";
		if (reg >> 48)
			return "VTTBR: VMID is not 0";
		if (reg & 1)
			return "VTTBR: CnP set";
		if (reg != root_pa)
			return "VTTBR: BADDR is not the root";
		return NULL;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		if (reg & ~X86_NCR3_ADDR)
			return "nCR3: PCD, PWT or reserved bits set";
		if (reg != root_pa)
			return "nCR3: address is not the root";
		return NULL;
	default:
		mode = g->format == AXAS_FMT_SV39X4 ? 8 :
		       g->format == AXAS_FMT_SV48X4 ? 9 : 10;
		if (root_pa & (RV_ROOT_BYTES - 1))
			return "hgatp: root not 16 KiB aligned";
		if (FIELD_GET(REF_HGATP_MODE, reg) != mode)
			return "hgatp: wrong MODE";
		if (reg & (REF_HGATP_VMID | REF_HGATP_ZERO))
			return "hgatp: VMID or bits 59:58 not 0";
		if (FIELD_GET(REF_HGATP_PPN, reg) != root_pa >> PAGE_SHIFT)
			return "hgatp: PPN is not the root";
		return NULL;
	}
}

/**
 * axas_npt_ref_table_va() - kernel address of a table page
 * @pa: its physical address
 *
 * Return: the address, or NULL if @pa is not a page-aligned RAM page.
 */
const u64 *axas_npt_ref_table_va(u64 pa)
{
	unsigned long pfn = PHYS_PFN(pa);

	if (pa & ~PAGE_MASK || !pfn_valid(pfn))
		return NULL;
	return page_address(pfn_to_page(pfn));
}

static void ref_walk_bad(struct axas_npt_ref_walk *w, u64 gpa, unsigned int level,
			 u64 pte, const char *why)
{
	if (!w->nr_bad++)
		snprintf(w->bad, sizeof(w->bad),
			 "gpa %#llx level %u pte %#llx: %s", gpa, level, pte,
			 why);
}

static int ref_walk_table(struct axas_npt_ref_walk *w, u64 pa, unsigned int pages,
			  unsigned int entries, unsigned int level, u64 gpa)
{
	const struct axas_npt_ref_geom *g = w->g;
	struct axas_npt_ref_leaf leaf;
	struct axas_npt_ref_entry e;
	const u64 *va[16];
	unsigned int i;
	u64 pte, at;
	int ret;

	for (i = 0; i < pages; i++) {
		u64 page_pa = pa + ((u64)i << PAGE_SHIFT);

		va[i] = axas_npt_ref_table_va(page_pa);
		if (!va[i]) {
			ref_walk_bad(w, gpa, level, page_pa,
				     "table pointer to no RAM page");
			return 0;
		}
		if (w->page_ok && !w->page_ok(w->page_arg, page_pa)) {
			ref_walk_bad(w, gpa, level, page_pa,
				     "table page not allocated for this table, or freed");
			return 0;
		}
	}
	for (i = 0; i < pages; i++) {
		w->nr_tables++;
		if (w->table) {
			ret = w->table(w->arg, pa + ((u64)i << PAGE_SHIFT),
				       va[i]);
			if (ret)
				return ret;
		}
	}

	for (i = 0; i < pages * REF_PTES; i++) {
		pte = READ_ONCE(va[i / REF_PTES][i % REF_PTES]);
		at = gpa + ((u64)i << ref_shift(level));
		if (i >= entries) {
			if (pte)
				ref_walk_bad(w, at, level, pte,
					     "entry beyond the root's index range");
			continue;
		}
		axas_npt_ref_decode(g, pte, level, &e);
		switch (e.kind) {
		case AXAS_NPT_REF_NONE:
			break;
		case AXAS_NPT_REF_BAD:
			ref_walk_bad(w, at, level, pte, e.why);
			break;
		case AXAS_NPT_REF_TABLE:
			ret = ref_walk_table(w, e.pa, 1, REF_PTES, level - 1, at);
			if (ret)
				return ret;
			break;
		case AXAS_NPT_REF_LEAF:
			if (level > g->max_leaf_level) {
				ref_walk_bad(w, at, level, pte,
					     "leaf larger than 1 GiB");
				break;
			}
			w->nr_leaves++;
			if (!w->leaf)
				break;
			leaf.gpa = at;
			leaf.pa = e.pa;
			leaf.size = ref_size(level);
			leaf.prot = e.prot;
			leaf.level = level;
			leaf.pte = pte;
			ret = w->leaf(w->arg, &leaf);
			if (ret)
				return ret;
			break;
		}
	}
	return 0;
}

/**
 * axas_npt_ref_walk_all() - walk a whole table from its root
 * @w: the walk; its counters are reset first
 * @root_pa: physical address of the root
 *
 * Return: 0, or the first nonzero value a callback returned.
 */
int axas_npt_ref_walk_all(struct axas_npt_ref_walk *w, u64 root_pa)
{
	const struct axas_npt_ref_geom *g = w->g;

	w->nr_tables = 0;
	w->nr_leaves = 0;
	w->nr_bad = 0;
	w->bad[0] = '\0';
	if (root_pa & (((u64)g->root_pages << PAGE_SHIFT) - 1)) {
		ref_walk_bad(w, 0, g->levels - 1, root_pa,
			     "root not aligned to its size");
		return 0;
	}
	return ref_walk_table(w, root_pa, g->root_pages, g->root_entries,
			      g->levels - 1, 0);
}

/**
 * axas_npt_ref_translate() - translate one address the way the MMU would
 * @g: geometry
 * @root_pa: physical address of the root
 * @gpa: the address
 * @leaf: the leaf that maps it
 *
 * Return: 0, -ENOENT if nothing maps @gpa, -ERANGE if @gpa is beyond the
 * format's width, -EIO if the walk meets an entry the hardware rejects.
 */
int axas_npt_ref_translate(const struct axas_npt_ref_geom *g, u64 root_pa, u64 gpa,
			   struct axas_npt_ref_leaf *leaf)
{
	unsigned int level = g->levels - 1;
	struct axas_npt_ref_entry e;
	u64 pa = root_pa, idx, pte;
	const u64 *va;

	if (g->gpa_bits < 64 && gpa >> g->gpa_bits)
		return -ERANGE;
	for (;;) {
		idx = gpa >> ref_shift(level);
		if (level != g->levels - 1)
			idx &= REF_PTES - 1;
		va = axas_npt_ref_table_va(pa + (idx / REF_PTES) * PAGE_SIZE);
		if (!va)
			return -EIO;
		pte = READ_ONCE(va[idx % REF_PTES]);
		axas_npt_ref_decode(g, pte, level, &e);
		switch (e.kind) {
		case AXAS_NPT_REF_NONE:
			return -ENOENT;
		case AXAS_NPT_REF_BAD:
			return -EIO;
		case AXAS_NPT_REF_TABLE:
			pa = e.pa;
			level--;
			continue;
		case AXAS_NPT_REF_LEAF:
			leaf->size = ref_size(level);
			leaf->gpa = gpa & ~(leaf->size - 1);
			leaf->pa = e.pa;
			leaf->prot = e.prot;
			leaf->level = level;
			leaf->pte = pte;
			leaf->clean = e.clean;
			leaf->ptep = (u64 *)&va[idx % REF_PTES];
			return 0;
		}
	}
}

/**
 * axas_npt_ref_hw_dirty_bit() - the leaf bit a CPU sets when it writes
 * @format: AXAS_FMT_* value
 *
 * What a test writes into a clean leaf to act as the hardware: RISC-V D
 * (bit 7), Arm S2AP[1] (bit 7, set by FEAT_HAFDBS in a DBM leaf), AMD
 * NPT D (bit 6), EPT D (bit 9, set only when EPTP bit 6 is).
 *
 * Return: the bit, or 0 for an unknown format.
 */
u64 axas_npt_ref_hw_dirty_bit(u32 format)
{
	switch (format) {
	case AXAS_FMT_ARM_S2:
		return S2_AP_W;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		return X86_D;
	case AXAS_FMT_SV39X4:
	case AXAS_FMT_SV48X4:
	case AXAS_FMT_SV57X4:
		return RV_D;
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		return EPT_DIRTY;
	default:
		return 0;
	}
}
