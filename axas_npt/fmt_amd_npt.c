// SPDX-License-Identifier: GPL-2.0
/*
 * AMD nested paging (AMD64 APM Vol. 2, 15.25 "Nested Paging"): the nested
 * table is an ordinary x86-64 long-mode page table (APM Vol. 2, 5.3 "Long-
 * Mode Page Translation", 5.4 "Page-Translation-Table Entry Fields"; 5-level
 * paging for 57 bits), rooted at nCR3 in the VMCB.
 *
 * The hardware treats every nested access as a user access (15.25, "Nested
 * Table Walk"), so U = 1 at every level, tables included; it takes the most
 * restrictive R/W and NX along the walk, so table pointers grant everything
 * (R/W = 1, NX = 0) and the leaf decides. x86 paging has no present but
 * unreadable entry: a prot without READ (execute-only) cannot be encoded
 * and is refused (@read_implied). A is preset on every entry and D on
 * writable leaves, so the walker never needs to write to the table.
 *
 * Memory types index the host's PAT (15.25, "Combining Memory Types": the
 * nested walk uses the host PAT MSR) as Linux programs it
 * (arch/x86/mm/pat/memtype.c): slot 0 WB, slot 1 WC, slot 3 UC. The slot
 * is PAT:PCD:PWT; the PAT bit is bit 7 in 4 KiB entries but bit 12 in
 * 2 MiB and 1 GiB leaves (bit 7 is PS there). The slots used here never
 * need it.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>

#include "axas_npt/npt.h"
#include "axas_npt/fmt.h"

/* APM Vol. 2, 5.4.1 "Field Definitions" */
#define NPT_P			BIT_ULL(0)
#define NPT_RW			BIT_ULL(1)
#define NPT_US			BIT_ULL(2)
#define NPT_PWT			BIT_ULL(3)
#define NPT_PCD			BIT_ULL(4)
#define NPT_A			BIT_ULL(5)
#define NPT_D			BIT_ULL(6)	/* leaves only */
#define NPT_PS			BIT_ULL(7)	/* 2 MiB / 1 GiB leaf */
#define NPT_NX			BIT_ULL(63)
#define NPT_ADDR		GENMASK_ULL(51, 12)
#define NPT_TABLE_BITS		(NPT_P | NPT_RW | NPT_US | NPT_A)

/* Host PAT slots Linux programs (slot = PAT:PCD:PWT): 0 WB, 1 WC, 3 UC. */
#define NPT_MT_WC		NPT_PWT
#define NPT_MT_UC		(NPT_PCD | NPT_PWT)
#define NPT_MT_MASK		(NPT_PCD | NPT_PWT)

static u64 npt_mk_leaf(u64 pa, u32 prot, unsigned int level)
{
	u64 pte = (pa & NPT_ADDR) | NPT_P | NPT_US | NPT_A;

	if (prot & AXAS_MAP_WRITE)
		pte |= NPT_RW | NPT_D;
	if (!(prot & AXAS_MAP_EXEC))
		pte |= NPT_NX;
	if (prot & AXAS_MAP_DEVICE)
		pte |= NPT_MT_UC;
	else if (prot & AXAS_MAP_UNCACHED)
		pte |= NPT_MT_WC;
	if (level)
		pte |= NPT_PS;
	return pte;
}

static u64 npt_mk_table(u64 pa)
{
	return (pa & NPT_ADDR) | NPT_TABLE_BITS;
}

static bool npt_pte_is_present(u64 pte)
{
	return pte & NPT_P;
}

/* Bit 7 is PS above the last level only: there it is the 4 KiB PAT bit. */
static bool npt_pte_is_table(u64 pte, unsigned int level)
{
	return level && (pte & NPT_P) && !(pte & NPT_PS);
}

/* A huge leaf's address starts at its size; bit 12 is its PAT bit. */
static u64 npt_pte_pa(u64 pte, unsigned int level)
{
	if (level && (pte & NPT_PS))
		return pte & NPT_ADDR & ~(axas_npt_level_size(level) - 1);
	return pte & NPT_ADDR;
}

/* The PAT bit is never set by npt_mk_leaf(): PCD:PWT name the slot. */
static u32 npt_pte_prot(u64 pte)
{
	u32 prot = AXAS_MAP_READ;

	if (pte & NPT_RW)
		prot |= AXAS_MAP_WRITE;
	if (!(pte & NPT_NX))
		prot |= AXAS_MAP_EXEC;
	switch (pte & NPT_MT_MASK) {
	case NPT_MT_WC:
		prot |= AXAS_MAP_UNCACHED;
		break;
	case NPT_MT_UC:
	case NPT_PCD:		/* slot 2, UC- */
		prot |= AXAS_MAP_DEVICE;
		break;
	}
	return prot;
}

/* nCR3 (VMCB N_CR3, 15.25): the root's address, PCD = PWT = 0 (a write-back walk). */
static u64 npt_root_reg(const struct axas_npt *npt)
{
	return npt->root_pa & NPT_ADDR;
}

#define AMD_NPT_FMT(_id, _name, _bits)			\
	{						\
		.id = _id,				\
		.name = _name,				\
		.def_gpa_bits = _bits,			\
		.max_pa_bits = 52,			\
		.max_root_order = 0,			\
		.read_implied = true,			\
		.mk_leaf = npt_mk_leaf,			\
		.mk_table = npt_mk_table,		\
		.pte_is_present = npt_pte_is_present,	\
		.pte_is_table = npt_pte_is_table,	\
		.pte_pa = npt_pte_pa,			\
		.pte_prot = npt_pte_prot,		\
		.root_reg = npt_root_reg,		\
		.hw_dirty = NPT_D,			\
		.wp_write = NPT_RW,			\
		.wp_clear = NPT_RW | NPT_D,		\
		.present = NPT_P,			\
		.hw_sets = NPT_A | NPT_D,		\
	}

const struct axas_npt_fmt axas_npt_fmt_amd_npt4 =
	AMD_NPT_FMT(AXAS_FMT_AMD_NPT4, "amd_npt4", 48);
const struct axas_npt_fmt axas_npt_fmt_amd_npt5 =
	AMD_NPT_FMT(AXAS_FMT_AMD_NPT5, "amd_npt5", 57);
