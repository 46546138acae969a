// SPDX-License-Identifier: GPL-2.0
/*
 * Arm VMSAv8-64 stage 2 translation, 4 KiB granule (Arm ARM D8.3
 * "Translation table descriptor formats", D8.5 "Memory region attributes",
 * and the VTCR_EL2 / VTTBR_EL2 register descriptions).
 *
 * The start level and the number of concatenated root tables follow from
 * the input size: as many root tables (up to 16) as spare one level of walk.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>

#include "axas_npt/npt.h"
#include "axas_npt/fmt.h"

#define S2_VALID		BIT_ULL(0)
#define S2_TYPE			BIT_ULL(1)	/* table or page (1), block (0) */
#define S2_MEMATTR		GENMASK_ULL(5, 2)
#define S2AP_R			BIT_ULL(6)
#define S2AP_W			BIT_ULL(7)
#define S2_SH			GENMASK_ULL(9, 8)
#define S2_AF			BIT_ULL(10)
#define S2_DBM			BIT_ULL(51)	/* FEAT_HAFDBS: dirty bit modifier */
#define S2_XN			BIT_ULL(54)	/* XN[1]: no execution at EL1/EL0 */
#define S2_ADDR			GENMASK_ULL(47, 12)

#define S2_SH_INNER		3

/* Stage 2 MemAttr[3:0] with HCR_EL2.FWB == 0 (D8.5.5). */
#define S2_MEMATTR_DEVICE_NGNRE	0x1
#define S2_MEMATTR_NORMAL_NC	0x5
#define S2_MEMATTR_NORMAL_WB	0xf

static u64 s2_mk_leaf(u64 pa, u32 prot, unsigned int level)
{
	u64 pte = (pa & S2_ADDR) | S2_VALID | S2_AF |
		  FIELD_PREP(S2_SH, S2_SH_INNER);
	u64 attr = S2_MEMATTR_NORMAL_WB;

	/* level 0 here is Arm's level 3: pages use type 1, blocks type 0 */
	if (!level)
		pte |= S2_TYPE;
	if (prot & AXAS_MAP_READ)
		pte |= S2AP_R;
	if (prot & AXAS_MAP_WRITE)
		pte |= S2AP_W;
	if (!(prot & AXAS_MAP_EXEC))
		pte |= S2_XN;
	if (prot & AXAS_MAP_DEVICE)
		attr = S2_MEMATTR_DEVICE_NGNRE;
	else if (prot & AXAS_MAP_UNCACHED)
		attr = S2_MEMATTR_NORMAL_NC;
	return pte | FIELD_PREP(S2_MEMATTR, attr);
}

static u64 s2_mk_table(u64 pa)
{
	return (pa & S2_ADDR) | S2_TYPE | S2_VALID;
}

static bool s2_pte_is_present(u64 pte)
{
	return pte & S2_VALID;
}

static bool s2_pte_is_table(u64 pte, unsigned int level)
{
	return level && (pte & S2_VALID) && (pte & S2_TYPE);
}

static u64 s2_pte_pa(u64 pte, unsigned int level)
{
	return pte & S2_ADDR;
}

static u32 s2_pte_prot(u64 pte)
{
	u32 prot = 0;

	if (pte & S2AP_R)
		prot |= AXAS_MAP_READ;
	/* A clean leaf (DBM, S2AP[1] clear) is writable: the write marks it. */
	if (pte & (S2AP_W | S2_DBM))
		prot |= AXAS_MAP_WRITE;
	if (!(pte & S2_XN))
		prot |= AXAS_MAP_EXEC;
	switch (FIELD_GET(S2_MEMATTR, pte)) {
	case S2_MEMATTR_DEVICE_NGNRE:
		prot |= AXAS_MAP_DEVICE;
		break;
	case S2_MEMATTR_NORMAL_NC:
		prot |= AXAS_MAP_UNCACHED;
		break;
	}
	return prot;
}

/* VTTBR_EL2: BADDR in 47:1 (the root is aligned to its size), VMID 0. */
static u64 s2_root_reg(const struct axas_npt *npt)
{
	return npt->root_pa & S2_ADDR;
}

const struct axas_npt_fmt axas_npt_fmt_arm_s2 = {
	.id = AXAS_FMT_ARM_S2,
	.name = "arm-s2",
	.min_gpa_bits = 32,
	.max_gpa_bits = 48,
	.def_gpa_bits = 40,
	.max_pa_bits = 48,
	.max_root_order = 4,		/* up to 16 concatenated tables */
	.mk_leaf = s2_mk_leaf,
	.mk_table = s2_mk_table,
	.pte_is_present = s2_pte_is_present,
	.pte_is_table = s2_pte_is_table,
	.pte_pa = s2_pte_pa,
	.pte_prot = s2_pte_prot,
	.root_reg = s2_root_reg,
	/* With VTCR_EL2.HD a write to a DBM leaf sets S2AP[1]; else it faults. */
	.hw_dirty = S2AP_W,
	.hw_clean = S2_DBM,
	.wp_write = S2AP_W,
	.wp_clear = S2AP_W,
	.present = S2_VALID,
	/* HA sets AF where it is clear, HD sets S2AP[1] of a DBM leaf */
	.hw_sets = S2_AF | S2AP_W,
};
