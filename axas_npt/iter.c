// SPDX-License-Identifier: GPL-2.0
/*
 * Lookups by iteration: a lockless descent from the root towards one
 * address, in the style of KVM x86's tdp_iter, with no visitor and no
 * indirect call per level. The generic walker (walk.c) stays for writers
 * and for range walks.
 *
 * The format is looked at once per lookup: the descent is compiled once per
 * family of formats (EPT, Arm stage 2, RISC-V G-stage, AMD NPT) with that
 * family's table test and address field inlined. A format this file does
 * not know goes through its descriptor's callbacks instead.
 *
 * The contract is the walker's: a shared walk under RCU, entered through
 * axas_npt_walk_begin() (which checks the caller holds RCU or the owner's
 * lock in lockdep builds); every entry read through axas_npt_read_pte(); a
 * locked entry (a break in progress) reads as the entry it replaces, from
 * &axas_npt.bbm.
 */
#include <linux/align.h>
#include <linux/bits.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/rcupdate.h>
#include <kunit/visibility.h>

#include "axas_npt/npt.h"
#include "axas_npt/walk.h"

/*
 * The bits the descent needs, per family: the entry is valid, the entry is
 * a table (only asked above level 0), where the next table is. They repeat
 * what fmt_*.c encode (the KUnit suite npt_iter compares the two on every
 * format).
 */
enum axas_npt_family {
	AXAS_NPT_FAM_EPT,	/* SDM 29.3.2: R|W|X nonzero; bit 7 a large leaf */
	AXAS_NPT_FAM_S2,	/* Arm ARM D8.3: bit 0 valid, bit 1 table at L0-2 */
	AXAS_NPT_FAM_RV,	/* Priv. spec 12.3: V set, R/W/X clear: a table */
	AXAS_NPT_FAM_AMD,	/* APM 15.25: P set; PS a large leaf */
	AXAS_NPT_FAM_OTHER,
};

#define ITER_EPT_RWX	GENMASK_ULL(2, 0)
#define ITER_EPT_LARGE	BIT_ULL(7)
#define ITER_X86_ADDR	GENMASK_ULL(51, 12)
#define ITER_S2_TABLE	GENMASK_ULL(1, 0)
#define ITER_S2_ADDR	GENMASK_ULL(47, 12)
#define ITER_RV_VRWX	GENMASK_ULL(3, 0)
#define ITER_RV_PPN	GENMASK_ULL(53, 10)
#define ITER_AMD_P	BIT_ULL(0)
#define ITER_AMD_PS	BIT_ULL(7)

static __always_inline bool axas_npt_fam_is_table(const struct axas_npt_fmt *fmt,
						  enum axas_npt_family fam,
						  u64 pte, unsigned int level)
{
	switch (fam) {
	case AXAS_NPT_FAM_EPT:
		return (pte & ITER_EPT_RWX) && !(pte & ITER_EPT_LARGE);
	case AXAS_NPT_FAM_S2:
		return (pte & ITER_S2_TABLE) == ITER_S2_TABLE;
	case AXAS_NPT_FAM_RV:
		return (pte & ITER_RV_VRWX) == 1;
	case AXAS_NPT_FAM_AMD:
		return (pte & ITER_AMD_P) && !(pte & ITER_AMD_PS);
	default:
		return fmt->pte_is_table(pte, level);
	}
}

static __always_inline u64 axas_npt_fam_table_pa(const struct axas_npt_fmt *fmt,
						 enum axas_npt_family fam,
						 u64 pte, unsigned int level)
{
	switch (fam) {
	case AXAS_NPT_FAM_EPT:
	case AXAS_NPT_FAM_AMD:
		return pte & ITER_X86_ADDR;
	case AXAS_NPT_FAM_S2:
		return pte & ITER_S2_ADDR;
	case AXAS_NPT_FAM_RV:
		return ((pte & ITER_RV_PPN) >> 10) << AXAS_NPT_PAGE_SHIFT;
	default:
		return fmt->pte_pa(pte, level);
	}
}

static __always_inline bool axas_npt_fam_is_present(const struct axas_npt_fmt *fmt,
						    enum axas_npt_family fam,
						    u64 pte)
{
	switch (fam) {
	case AXAS_NPT_FAM_EPT:
		return pte & ITER_EPT_RWX;
	case AXAS_NPT_FAM_S2:
	case AXAS_NPT_FAM_RV:
	case AXAS_NPT_FAM_AMD:
		return pte & BIT_ULL(0);
	default:
		return fmt->pte_is_present(pte);
	}
}

/* The output address of a leaf (for a table: of the next table). */
static __always_inline u64 axas_npt_fam_leaf_pa(const struct axas_npt_fmt *fmt,
						enum axas_npt_family fam,
						u64 pte, unsigned int level)
{
	/* A large AMD leaf keeps its PAT bit at 12: not part of the address. */
	if (fam == AXAS_NPT_FAM_AMD && level && (pte & ITER_AMD_PS))
		return pte & ITER_X86_ADDR & ~(axas_npt_level_size(level) - 1);
	if (fam == AXAS_NPT_FAM_OTHER)
		return fmt->pte_pa(pte, level);
	return axas_npt_fam_table_pa(fmt, fam, pte, level);
}

static enum axas_npt_family axas_npt_family(const struct axas_npt_fmt *fmt)
{
	switch (fmt->id) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		return AXAS_NPT_FAM_EPT;
	case AXAS_FMT_ARM_S2:
		return AXAS_NPT_FAM_S2;
	case AXAS_FMT_SV39X4:
	case AXAS_FMT_SV48X4:
	case AXAS_FMT_SV57X4:
		return AXAS_NPT_FAM_RV;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		return AXAS_NPT_FAM_AMD;
	default:
		return AXAS_NPT_FAM_OTHER;
	}
}

/* One read of a live entry; a locked one reads as the entry it replaces. */
static __always_inline u64 axas_npt_iter_read(struct axas_npt_iter *it)
{
	u64 pte = axas_npt_read_pte(it->ptep);

	if (unlikely(pte == AXAS_NPT_PTE_LOCKED))
		pte = axas_npt_read_shared(it->npt, it->ptep);
	return pte;
}

/*
 * A shared walk's entry and exit. Without lockdep there is no contract to
 * check and axas_npt_walk_begin() is only rcu_read_lock(): say so inline,
 * the call is a good part of a lookup.
 */
static __always_inline void axas_npt_iter_begin(struct axas_npt *npt)
	__acquires(RCU)
{
	if (IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		axas_npt_walk_begin(npt, AXAS_NPT_WALK_SHARED);
	else
		rcu_read_lock();
}

static __always_inline void axas_npt_iter_end(struct axas_npt *npt)
	__releases(RCU)
{
	if (IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		axas_npt_walk_end(npt, AXAS_NPT_WALK_SHARED);
	else
		rcu_read_unlock();
}

/**
 * axas_npt_iter_start() - point an iterator at the root entry for @gpa
 * @it: the iterator
 * @npt: the table (a shared walk: the caller is between
 *	axas_npt_walk_begin() and axas_npt_walk_end() with
 *	%AXAS_NPT_WALK_SHARED)
 * @gpa: guest-physical address below 1 << @npt->gpa_bits
 *
 * Reads the root entry into @it->pte.
 */
void axas_npt_iter_start(struct axas_npt_iter *it, struct axas_npt *npt, u64 gpa)
{
	it->npt = npt;
	it->gpa = gpa;
	it->level = npt->levels - 1;
	it->ptep = &npt->root[gpa >> axas_npt_level_shift(it->level)];
	it->pte = axas_npt_iter_read(it);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_iter_start);

static __always_inline bool axas_npt_iter_down_fam(struct axas_npt_iter *it,
						   enum axas_npt_family fam)
{
	const struct axas_npt_fmt *fmt = it->npt->fmt;
	u64 *table;

	if (!it->level || !axas_npt_fam_is_table(fmt, fam, it->pte, it->level))
		return false;
	table = phys_to_virt(axas_npt_fam_table_pa(fmt, fam, it->pte, it->level));
	it->level--;
	it->ptep = &table[(it->gpa >> axas_npt_level_shift(it->level)) &
			  (AXAS_NPT_PTES_PER_PAGE - 1)];
	it->pte = axas_npt_iter_read(it);
	return true;
}

/**
 * axas_npt_iter_down() - step to the entry for @it->gpa one level down
 * @it: an iterator set up by axas_npt_iter_start()
 *
 * Return: true if @it->pte was a table and @it now holds the entry below it,
 * false at a leaf, an empty entry or level 0 (@it unchanged).
 */
bool axas_npt_iter_down(struct axas_npt_iter *it)
{
	return axas_npt_iter_down_fam(it, AXAS_NPT_FAM_OTHER);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_iter_down);

static __always_inline void axas_npt_descend_fam(struct axas_npt_iter *it,
						 struct axas_npt *npt, u64 gpa,
						 enum axas_npt_family fam)
{
	axas_npt_iter_start(it, npt, gpa);
	while (axas_npt_iter_down_fam(it, fam))
		;
}

/**
 * axas_npt_iter_descend() - the last entry on the way to @gpa
 * @it: the iterator, set up here
 * @npt: the table (a shared walk, as for axas_npt_iter_start())
 * @gpa: guest-physical address below 1 << @npt->gpa_bits
 *
 * Steps down from the root as far as tables go: @it then holds the leaf
 * that maps @gpa, or the empty entry where the walk ended (at level 0 or
 * above it), with the address of the entry for a compare-and-exchange.
 */
void axas_npt_iter_descend(struct axas_npt_iter *it, struct axas_npt *npt,
			   u64 gpa)
{
	switch (axas_npt_family(npt->fmt)) {
	case AXAS_NPT_FAM_EPT:
		axas_npt_descend_fam(it, npt, gpa, AXAS_NPT_FAM_EPT);
		break;
	case AXAS_NPT_FAM_S2:
		axas_npt_descend_fam(it, npt, gpa, AXAS_NPT_FAM_S2);
		break;
	case AXAS_NPT_FAM_RV:
		axas_npt_descend_fam(it, npt, gpa, AXAS_NPT_FAM_RV);
		break;
	case AXAS_NPT_FAM_AMD:
		axas_npt_descend_fam(it, npt, gpa, AXAS_NPT_FAM_AMD);
		break;
	default:
		axas_npt_descend_fam(it, npt, gpa, AXAS_NPT_FAM_OTHER);
		break;
	}
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_iter_descend);

static __always_inline int axas_npt_lookup_fam(struct axas_npt *npt, u64 gpa,
					       struct axas_npt_leaf *leaf,
					       enum axas_npt_family fam)
{
	const struct axas_npt_fmt *fmt = npt->fmt;
	struct axas_npt_iter it;

	axas_npt_descend_fam(&it, npt, gpa, fam);
	if (!axas_npt_fam_is_present(fmt, fam, it.pte))
		return -ENOENT;
	leaf->size = axas_npt_level_size(it.level);
	leaf->gpa = ALIGN_DOWN(gpa, leaf->size);
	leaf->pa = axas_npt_fam_leaf_pa(fmt, fam, it.pte, it.level);
	leaf->prot = fmt->pte_prot(it.pte);
	leaf->level = it.level;
	leaf->pte = it.pte;
	return 0;
}

/**
 * axas_npt_lookup() - the leaf mapping a guest-physical address, by iteration
 * @npt: the table
 * @gpa: any guest-physical address within the table's width
 * @leaf: out: the leaf (its first gpa, output address, size, prot, level)
 *
 * A shared walk, as axas_npt_query() (which calls this): the caller is in
 * an RCU read-side section or holds the owner's lock (lockdep builds check
 * it); during a break it reads the entry being replaced.
 *
 * Return: 0, -ENOENT if nothing maps @gpa, -EINVAL if @gpa is too wide.
 */
int axas_npt_lookup(struct axas_npt *npt, u64 gpa, struct axas_npt_leaf *leaf)
{
	int ret;

	if (gpa >> npt->gpa_bits)
		return -EINVAL;
	axas_npt_iter_begin(npt);
	switch (axas_npt_family(npt->fmt)) {
	case AXAS_NPT_FAM_EPT:
		ret = axas_npt_lookup_fam(npt, gpa, leaf, AXAS_NPT_FAM_EPT);
		break;
	case AXAS_NPT_FAM_S2:
		ret = axas_npt_lookup_fam(npt, gpa, leaf, AXAS_NPT_FAM_S2);
		break;
	case AXAS_NPT_FAM_RV:
		ret = axas_npt_lookup_fam(npt, gpa, leaf, AXAS_NPT_FAM_RV);
		break;
	case AXAS_NPT_FAM_AMD:
		ret = axas_npt_lookup_fam(npt, gpa, leaf, AXAS_NPT_FAM_AMD);
		break;
	default:
		ret = axas_npt_lookup_fam(npt, gpa, leaf, AXAS_NPT_FAM_OTHER);
		break;
	}
	axas_npt_iter_end(npt);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_lookup);
