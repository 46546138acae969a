// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VMX extended page tables (SDM Vol. 3C, 29.3 "The Extended Page Table
 * Mechanism"; EPTP format in 25.6.11).
 */
#include <linux/bitfield.h>
#include <linux/bits.h>

#include "axas_npt/npt.h"
#include "axas_npt/fmt.h"

#define EPT_R			BIT_ULL(0)
#define EPT_W			BIT_ULL(1)
#define EPT_X			BIT_ULL(2)
#define EPT_RWX			(EPT_R | EPT_W | EPT_X)
#define EPT_MEMTYPE		GENMASK_ULL(5, 3)	/* leaves only */
#define EPT_LARGE		BIT_ULL(7)		/* 2 MiB / 1 GiB leaf */
/*
 * Accessed and dirty flags (29.3.5): used only when EPTP bit 6 is set,
 * ignored otherwise. axas presets A in every entry it writes and D in
 * every writable leaf, so with A/D on the CPU writes only to a leaf that
 * dirty tracking made clean (D clear).
 */
#define EPT_A			BIT_ULL(8)
#define EPT_D			BIT_ULL(9)		/* leaves only */
#define EPT_ADDR		GENMASK_ULL(51, 12)

/* Memory types (SDM Vol. 3A, 11.11 "Memory Type Range Registers"). */
#define EPT_MT_UC		0
#define EPT_MT_WC		1
#define EPT_MT_WB		6

#define EPTP_MEMTYPE		GENMASK_ULL(2, 0)
#define EPTP_WALK_LEN		GENMASK_ULL(5, 3)

static u64 ept_mk_leaf(u64 pa, u32 prot, unsigned int level)
{
	u64 pte = (pa & EPT_ADDR) | EPT_A;
	u64 mt = EPT_MT_WB;

	if (prot & AXAS_MAP_READ)
		pte |= EPT_R;
	if (prot & AXAS_MAP_WRITE)
		pte |= EPT_W | EPT_D;
	if (prot & AXAS_MAP_EXEC)
		pte |= EPT_X;
	if (prot & AXAS_MAP_DEVICE)
		mt = EPT_MT_UC;
	else if (prot & AXAS_MAP_UNCACHED)
		mt = EPT_MT_WC;
	pte |= FIELD_PREP(EPT_MEMTYPE, mt);
	if (level)
		pte |= EPT_LARGE;
	return pte;
}

static u64 ept_mk_table(u64 pa)
{
	return (pa & EPT_ADDR) | EPT_RWX | EPT_A;
}

static bool ept_pte_is_present(u64 pte)
{
	return pte & EPT_RWX;
}

static bool ept_pte_is_table(u64 pte, unsigned int level)
{
	return level && ept_pte_is_present(pte) && !(pte & EPT_LARGE);
}

static u64 ept_pte_pa(u64 pte, unsigned int level)
{
	return pte & EPT_ADDR;
}

static u32 ept_pte_prot(u64 pte)
{
	u32 prot = 0;

	if (pte & EPT_R)
		prot |= AXAS_MAP_READ;
	if (pte & EPT_W)
		prot |= AXAS_MAP_WRITE;
	if (pte & EPT_X)
		prot |= AXAS_MAP_EXEC;
	switch (FIELD_GET(EPT_MEMTYPE, pte)) {
	case EPT_MT_UC:
		prot |= AXAS_MAP_DEVICE;
		break;
	case EPT_MT_WC:
		prot |= AXAS_MAP_UNCACHED;
		break;
	}
	return prot;
}

static u64 ept_root_reg(const struct axas_npt *npt)
{
	return (npt->root_pa & EPT_ADDR) |
	       FIELD_PREP(EPTP_MEMTYPE, EPT_MT_WB) |
	       FIELD_PREP(EPTP_WALK_LEN, npt->levels - 1);
}

#define EPT_FMT(_id, _name, _bits)		\
	{						\
		.id = _id,				\
		.name = _name,				\
		.def_gpa_bits = _bits,			\
		.max_pa_bits = 52,			\
		.max_root_order = 0,			\
		.mk_leaf = ept_mk_leaf,			\
		.mk_table = ept_mk_table,		\
		.pte_is_present = ept_pte_is_present,	\
		.pte_is_table = ept_pte_is_table,	\
		.pte_pa = ept_pte_pa,			\
		.pte_prot = ept_pte_prot,		\
		.root_reg = ept_root_reg,		\
		.hw_dirty = EPT_D,			\
		.hw_dirty_optin = true,			\
		.wp_write = EPT_W,			\
		.wp_clear = EPT_W | EPT_D,		\
		.present = EPT_RWX,			\
		/* with EPTP bit 6 (the consumer's opt-in) */	\
		.hw_sets = EPT_A | EPT_D,		\
	}

const struct axas_npt_fmt axas_npt_fmt_ept4 = EPT_FMT(AXAS_FMT_EPT4, "ept4", 48);
const struct axas_npt_fmt axas_npt_fmt_ept5 = EPT_FMT(AXAS_FMT_EPT5, "ept5", 57);
