// SPDX-License-Identifier: GPL-2.0
/*
 * RISC-V G-stage translation, Sv39x4 / Sv48x4 / Sv57x4 (Privileged ISA,
 * "Two-Stage Address Translation" in the hypervisor extension chapter, the
 * Sv39/Sv48/Sv57 PTE format and the Svpbmt extension).
 *
 * The root is widened by two bits: 2048 entries in 16 KiB, 16 KiB aligned.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>

#include "axas_npt/npt.h"
#include "axas_npt/fmt.h"

#define RV_V		BIT_ULL(0)
#define RV_R		BIT_ULL(1)
#define RV_W		BIT_ULL(2)
#define RV_X		BIT_ULL(3)
#define RV_U		BIT_ULL(4)	/* G-stage accesses are user accesses */
#define RV_A		BIT_ULL(6)
#define RV_D		BIT_ULL(7)
#define RV_RWX		(RV_R | RV_W | RV_X)
#define RV_PPN		GENMASK_ULL(53, 10)
#define RV_PBMT		GENMASK_ULL(62, 61)

#define RV_PBMT_NC	1
#define RV_PBMT_IO	2

#define RV_HGATP_MODE	GENMASK_ULL(63, 60)
#define RV_HGATP_PPN	GENMASK_ULL(43, 0)
#define RV_HGATP_SV39X4	8
#define RV_HGATP_SV48X4	9
#define RV_HGATP_SV57X4	10

static u64 rv_pa_to_ppn(u64 pa)
{
	return FIELD_PREP(RV_PPN, pa >> AXAS_NPT_PAGE_SHIFT);
}

static u64 rv_mk_leaf(u64 pa, u32 prot, unsigned int level)
{
	u64 pte = rv_pa_to_ppn(pa) | RV_V | RV_U | RV_A;

	if (prot & AXAS_MAP_READ)
		pte |= RV_R;
	if (prot & AXAS_MAP_WRITE)
		pte |= RV_W | RV_D;
	if (prot & AXAS_MAP_EXEC)
		pte |= RV_X;
	if (prot & AXAS_MAP_DEVICE)
		pte |= FIELD_PREP(RV_PBMT, RV_PBMT_IO);
	else if (prot & AXAS_MAP_UNCACHED)
		pte |= FIELD_PREP(RV_PBMT, RV_PBMT_NC);
	return pte;
}

static u64 rv_mk_table(u64 pa)
{
	return rv_pa_to_ppn(pa) | RV_V;
}

static bool rv_pte_is_present(u64 pte)
{
	return pte & RV_V;
}

static bool rv_pte_is_table(u64 pte, unsigned int level)
{
	return level && (pte & RV_V) && !(pte & RV_RWX);
}

static u64 rv_pte_pa(u64 pte, unsigned int level)
{
	return FIELD_GET(RV_PPN, pte) << AXAS_NPT_PAGE_SHIFT;
}

static u32 rv_pte_prot(u64 pte)
{
	u32 prot = 0;

	if (pte & RV_R)
		prot |= AXAS_MAP_READ;
	if (pte & RV_W)
		prot |= AXAS_MAP_WRITE;
	if (pte & RV_X)
		prot |= AXAS_MAP_EXEC;
	switch (FIELD_GET(RV_PBMT, pte)) {
	case RV_PBMT_IO:
		prot |= AXAS_MAP_DEVICE;
		break;
	case RV_PBMT_NC:
		prot |= AXAS_MAP_UNCACHED;
		break;
	}
	return prot;
}

/* hgatp: MODE 8/9/10 for 3/4/5 levels, VMID 0, root PPN. */
static u64 rv_root_reg(const struct axas_npt *npt)
{
	return FIELD_PREP(RV_HGATP_MODE, RV_HGATP_SV39X4 + npt->levels - 3) |
	       FIELD_PREP(RV_HGATP_PPN, npt->root_pa >> AXAS_NPT_PAGE_SHIFT);
}

#define RV_FMT(_id, _name, _bits)			\
	{						\
		.id = _id,				\
		.name = _name,				\
		.def_gpa_bits = _bits,			\
		.max_pa_bits = 56,			\
		.max_root_order = 2,			\
		.mk_leaf = rv_mk_leaf,			\
		.mk_table = rv_mk_table,		\
		.pte_is_present = rv_pte_is_present,	\
		.pte_is_table = rv_pte_is_table,	\
		.pte_pa = rv_pte_pa,			\
		.pte_prot = rv_pte_prot,		\
		.root_reg = rv_root_reg,		\
		.hw_dirty = RV_D,			\
		.wp_write = RV_W,			\
		.wp_clear = RV_W | RV_D,		\
		.present = RV_V,			\
		.hw_sets = RV_A | RV_D,			\
	}

const struct axas_npt_fmt axas_npt_fmt_sv39x4 = RV_FMT(AXAS_FMT_SV39X4, "sv39x4", 41);
const struct axas_npt_fmt axas_npt_fmt_sv48x4 = RV_FMT(AXAS_FMT_SV48X4, "sv48x4", 50);
const struct axas_npt_fmt axas_npt_fmt_sv57x4 = RV_FMT(AXAS_FMT_SV57X4, "sv57x4", 59);
