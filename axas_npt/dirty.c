// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging on a nested page table. A writable 4 KiB leaf is either
 * dirty (it may have been written) or clean (the next write is seen):
 *
 *   mode                      clean leaf              next guest store
 *   write protection          write permission gone   faults
 *   AXAS_NPT_DIRTY_HW, RISC-V D clear (W kept)        sets D (menvcfg.ADUE)
 *                                                     or faults
 *   AXAS_NPT_DIRTY_HW, Arm    DBM set, S2AP[1] clear  sets S2AP[1]
 *                                                     (VTCR_EL2.HD) or faults
 *   AXAS_NPT_DIRTY_HW, AMD    D clear (RW kept)       sets D
 *   AXAS_NPT_DIRTY_HW, EPT    D (bit 9) clear, W kept sets D if EPTP bit 6
 *                                                     is set, else is lost
 *
 * (RISC-V Privileged ISA, Svadu and the G-stage PTE; Arm ARM D8 "Hardware
 * management of the dirty state", stage 2 DBM; AMD APM vol. 2, 15.25.5;
 * Intel SDM vol. 3C, 29.3.5 "Accessed and Dirty Flags for EPT". The EPT
 * case is why &axas_npt_fmt.hw_dirty_optin exists: the owner asks for it
 * only when every consumer turned A/D on.)
 * Huge leaves are never clean: cleaning a range splits them first, from
 * table pages counted and allocated before anything changes.
 */
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <kunit/visibility.h>

#include "axas_npt/npt.h"
#include "axas_npt/walk.h"

/*
 * Bit operations only (the format's masks): these run for every leaf of a
 * harvested range. The hardware's dirty bit is only ever set in a writable
 * leaf.
 */
static bool axas_npt_leaf_is_dirty(const struct axas_npt *npt, u64 pte,
				   unsigned int flags)
{
	const struct axas_npt_fmt *fmt = npt->fmt;

	return pte & (flags & AXAS_NPT_DIRTY_HW ? fmt->hw_dirty : fmt->wp_write);
}

static u64 axas_npt_leaf_clean(const struct axas_npt *npt, u64 pte,
			       unsigned int flags)
{
	const struct axas_npt_fmt *fmt = npt->fmt;

	if (flags & AXAS_NPT_DIRTY_HW)
		return (pte & ~fmt->hw_dirty) | fmt->hw_clean;
	return pte & ~fmt->wp_clear;
}

static u64 axas_npt_leaf_dirty(const struct axas_npt *npt, u64 pte,
			       unsigned int flags)
{
	const struct axas_npt_fmt *fmt = npt->fmt;

	return pte | (flags & AXAS_NPT_DIRTY_HW ? fmt->hw_dirty : fmt->wp_clear);
}

static int axas_npt_count_huge_visit(const struct axas_npt_visit_ctx *ctx,
				     enum axas_npt_visit visit)
{
	unsigned long *need = ctx->arg;

	/* Nothing below a last-level table can be huge: do not look. */
	if (visit == AXAS_NPT_VISIT_TABLE_PRE)
		return ctx->level == 1 ? AXAS_NPT_VISIT_SKIP : 0;

	if (!ctx->level || !ctx->npt->fmt->pte_is_present(ctx->old))
		return 0;
	/* A 1 GiB leaf becomes 2 MiB leaves, each of which is split again. */
	*need += ctx->level == 1 ? 1 : 1 + AXAS_NPT_PTES_PER_PAGE;
	return 0;
}

/**
 * axas_npt_split_all_need() - tables needed to split every huge leaf of a range
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned
 *
 * Return: the number of table pages axas_npt_clean() of the range may take.
 */
unsigned long axas_npt_split_all_need(struct axas_npt *npt, u64 gpa, u64 size)
{
	unsigned long need = 0;
	const struct axas_npt_walker w = {
		.cb = axas_npt_count_huge_visit,
		.arg = &need,
		.flags = AXAS_NPT_VISIT_LEAF | AXAS_NPT_VISIT_TABLE_PRE |
			 AXAS_NPT_WALK_SKIPS,
	};

	return axas_npt_walk(npt, gpa, size, &w) ? 0 : need;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_split_all_need);

/**
 * axas_npt_spare_alloc() - set table pages aside for the splits of a walk
 * @npt: the table
 * @nr: pages wanted (axas_npt_split_all_need())
 * @g: initialised gather; the pages go on @g->spare
 *
 * Return: 0, or -ENOMEM with nothing set aside.
 */
int axas_npt_spare_alloc(struct axas_npt *npt, unsigned long nr,
			 struct axas_npt_gather *g)
{
	struct page *page;

	while (nr--) {
		page = npt->ops && npt->ops->alloc ?
		       npt->ops->alloc(npt->priv, GFP_KERNEL_ACCOUNT, 0) :
		       alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!page) {
			axas_npt_spare_drain(g);
			return -ENOMEM;
		}
		list_add(&page->lru, &g->spare);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_spare_alloc);

/**
 * axas_npt_spare_drain() - free the pages axas_npt_spare_alloc() set aside
 * @g: the gather
 */
void axas_npt_spare_drain(struct axas_npt_gather *g)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &g->spare, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_spare_drain);

struct axas_npt_clean_args {
	unsigned int flags;
	axas_npt_dirty_fn report;
	void *arg;
};

static void axas_npt_report(const struct axas_npt_clean_args *a, u64 gpa,
			    u64 size)
{
	if (a->report)
		a->report(a->arg, gpa, size);
}

/*
 * Make the dirty leaf *@ptep (read as @old) clean, whatever the CPU does.
 * The CPU only ever sets accessed and dirty flags that are clear: a leaf
 * that has all of them (every dirty leaf axas made) takes a plain store,
 * any other an exchange that keeps what the CPU set meanwhile.
 */
static void axas_npt_clean_pte(const struct axas_npt *npt, u64 *ptep, u64 old,
			       unsigned int flags)
{
	const u64 hw_sets = npt->fmt->hw_sets;
	u64 new, prev;

	if ((old & hw_sets) == hw_sets) {
		WRITE_ONCE(*ptep, axas_npt_leaf_clean(npt, old, flags));
		return;
	}
	for (;;) {
		new = axas_npt_leaf_clean(npt, old, flags);
		prev = cmpxchg64(ptep, old, new);
		if (prev == old)
			return;
		old = prev;
	}
}

/*
 * A last-level table the range covers, in one pass: no visit and no call
 * per entry, the format's masks in registers. The whole 2 MiB waits for
 * one invalidation if a leaf was cleaned.
 */
static int axas_npt_clean_table(const struct axas_npt_visit_ctx *ctx,
				const struct axas_npt_clean_args *a)
{
	struct axas_npt *npt = ctx->npt;
	const struct axas_npt_fmt *fmt = npt->fmt;
	const bool hw = a->flags & AXAS_NPT_DIRTY_HW;
	const u64 present = fmt->present, hw_sets = fmt->hw_sets;
	const u64 dirty = hw ? fmt->hw_dirty : fmt->wp_write;
	const u64 clear = hw ? fmt->hw_dirty : fmt->wp_clear;
	const u64 set = hw ? fmt->hw_clean : 0;
	u64 *table = axas_npt_table_va(npt, ctx->old, ctx->level);
	u64 base = axas_npt_ctx_entry_start(ctx), pte;
	bool cleaned = false;
	int i;

	for (i = 0; i < AXAS_NPT_PTES_PER_PAGE; i++) {
		pte = axas_npt_read_pte(&table[i]);
		if (!(pte & present) || !(pte & dirty))
			continue;
		axas_npt_report(a, base + (u64)i * SZ_4K, SZ_4K);
		if (a->flags & AXAS_NPT_DIRTY_PEEK)
			continue;
		if ((pte & hw_sets) == hw_sets)
			WRITE_ONCE(table[i], (pte & ~clear) | set);
		else
			axas_npt_clean_pte(npt, &table[i], pte, a->flags);
		cleaned = true;
	}
	if (cleaned) {
		ctx->gather->flush = true;
		axas_npt_gather_pending(ctx);
	}
	return AXAS_NPT_VISIT_SKIP;
}

static int axas_npt_clean_visit(const struct axas_npt_visit_ctx *ctx,
				enum axas_npt_visit visit)
{
	const struct axas_npt_clean_args *a = ctx->arg;
	struct axas_npt *npt = ctx->npt;
	u64 old = ctx->old;

	if (visit == AXAS_NPT_VISIT_TABLE_PRE)
		return ctx->level == 1 && axas_npt_ctx_covers_entry(ctx) ?
		       axas_npt_clean_table(ctx, a) : 0;
	if (!npt->fmt->pte_is_present(old))
		return 0;
	if (ctx->level) {
		u64 start = max(ctx->addr, axas_npt_ctx_entry_start(ctx));
		u64 end = min(ctx->end, axas_npt_ctx_entry_start(ctx) +
					axas_npt_level_size(ctx->level));

		/* Huge leaves are never clean: all of it may be written. */
		if (npt->fmt->pte_prot(old) & AXAS_MAP_WRITE)
			axas_npt_report(a, start, end - start);
		if (a->flags & AXAS_NPT_DIRTY_PEEK)
			return 0;
		/* Split; the walk then visits the new table's leaves. */
		return axas_npt_split(ctx);
	}
	if (!axas_npt_leaf_is_dirty(npt, old, a->flags))
		return 0;
	axas_npt_report(a, ctx->addr, SZ_4K);
	if (a->flags & AXAS_NPT_DIRTY_PEEK)
		return 0;
	axas_npt_clean_pte(npt, ctx->ptep, old, a->flags);
	/* The write permission cached in TLBs goes: the tlb_gen rule. */
	ctx->gather->flush = true;
	axas_npt_gather_pending(ctx);
	return 0;
}

/**
 * axas_npt_clean() - report the dirty leaves of a range and make them clean
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned; holes are fine
 * @flags: %AXAS_NPT_DIRTY_HW to use the format's hardware dirty bit (else
 *	write permission), %AXAS_NPT_DIRTY_PEEK to report without changing
 *	anything
 * @report: called for every dirty range found (4 KiB leaves, or the part
 *	of a writable huge leaf in the range); may be NULL
 * @arg: its argument
 * @g: initialised gather whose @spare holds axas_npt_split_all_need()
 *	pages (none with %AXAS_NPT_DIRTY_PEEK); its @flags may ask for
 *	%AXAS_NPT_WALK_YIELD. Leaves made clean set @g->flush and wait in it
 *	for the caller's invalidation.
 *
 * Every huge leaf of the range is split (break-before-make) into 4 KiB
 * leaves, and every writable dirty 4 KiB leaf is made clean: with a plain
 * store when it has every bit the CPU could set (the CPU then never writes
 * it), else with an atomic exchange, so a dirty bit the hardware sets
 * meanwhile is not lost.
 *
 * Return: 0, -EINVAL, or -ENOMEM if @g->spare ran out (the leaves before
 * were done).
 */
int axas_npt_clean(struct axas_npt *npt, u64 gpa, u64 size, unsigned int flags,
		   axas_npt_dirty_fn report, void *arg, struct axas_npt_gather *g)
{
	struct axas_npt_clean_args a = {
		.flags = flags, .report = report, .arg = arg,
	};
	const struct axas_npt_walker w = {
		.cb = axas_npt_clean_visit,
		.arg = &a,
		.flags = AXAS_NPT_VISIT_LEAF | AXAS_NPT_VISIT_TABLE_PRE |
			 AXAS_NPT_WALK_SKIPS | (g->flags & AXAS_NPT_WALK_YIELD),
		.gather = g,
	};

	if (!IS_ALIGNED(gpa | size, SZ_4K) || !size ||
	    gpa + size > BIT_ULL(npt->gpa_bits) || gpa + size < gpa)
		return -EINVAL;
	if ((flags & AXAS_NPT_DIRTY_HW) && !npt->fmt->hw_dirty)
		return -EINVAL;
	return axas_npt_walk(npt, gpa, size, &w);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_clean);

static int axas_npt_restore_visit(const struct axas_npt_visit_ctx *ctx,
				  enum axas_npt_visit visit)
{
	const struct axas_npt_fmt *fmt = ctx->npt->fmt;
	u32 prot = *(u32 *)ctx->arg;
	u64 old = ctx->old, new;

	/* Clean leaves are 4 KiB leaves of the region's own output. */
	if (ctx->level || !fmt->pte_is_present(old))
		return 0;
	for (;;) {
		new = fmt->mk_leaf(fmt->pte_pa(old, 0), prot, 0);
		if (new == old || cmpxchg64(ctx->ptep, old, new) == old)
			return 0;
		old = axas_npt_read_pte(ctx->ptep);
	}
}

/**
 * axas_npt_restore() - give the 4 KiB leaves of a range their plain encoding
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned, within one region
 * @prot: the region's AXAS_MAP_* bits
 * @g: initialised gather; its @flags may ask for %AXAS_NPT_WALK_YIELD
 *
 * Ends dirty logging: clean leaves become dirty ones again. Only
 * permissions are added, so nothing needs an invalidation, and nothing is
 * split.
 */
void axas_npt_restore(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		      struct axas_npt_gather *g)
{
	const struct axas_npt_walker w = {
		.cb = axas_npt_restore_visit,
		.arg = &prot,
		.flags = AXAS_NPT_VISIT_LEAF | (g->flags & AXAS_NPT_WALK_YIELD),
		.gather = g,
	};

	WARN_ON_ONCE(axas_npt_walk(npt, gpa, size, &w));
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_restore);

/**
 * axas_npt_leaf_is_clean() - would a guest write through @leaf be logged?
 * @npt: the table
 * @leaf: a leaf axas_npt_query() found
 * @flags: %AXAS_NPT_DIRTY_HW as the range was cleaned with
 *
 * Return: true for a 4 KiB leaf that is clean (huge leaves never are).
 */
bool axas_npt_leaf_is_clean(const struct axas_npt *npt,
			    const struct axas_npt_leaf *leaf, unsigned int flags)
{
	return !leaf->level && !axas_npt_leaf_is_dirty(npt, leaf->pte, flags);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_leaf_is_clean);

/**
 * axas_npt_set_dirty() - make the clean 4 KiB leaf at @gpa dirty (writable)
 * @npt: the table (a shared walk: the owner's lock is held in either mode)
 * @gpa: guest-physical address, 4 KiB aligned
 * @flags: %AXAS_NPT_DIRTY_HW as the range was cleaned with
 *
 * What a write fault on a clean leaf does: the leaf gets back its write
 * permission (or its hardware dirty bit) with a compare-and-exchange;
 * adding a permission needs no invalidation. One descent by iteration, as
 * a lookup: this is the whole of a logged fault's table work.
 *
 * Return: 0; -ENOENT when no leaf maps @gpa; -EEXIST when the leaf is dirty
 * already, read-only or huge; -EAGAIN when the entry changed under the
 * exchange, or a break is in progress (the caller may retry).
 */
int axas_npt_set_dirty(struct axas_npt *npt, u64 gpa, unsigned int flags)
{
	const unsigned int wflags = AXAS_NPT_WALK_SHARED | AXAS_NPT_WALK_INSTALL;
	struct axas_npt_iter it;
	int ret;

	if (!IS_ALIGNED(gpa, SZ_4K) || gpa >= BIT_ULL(npt->gpa_bits))
		return -EINVAL;
	axas_npt_walk_begin(npt, wflags);
	axas_npt_iter_descend(&it, npt, gpa);
	if (!npt->fmt->pte_is_present(it.pte))
		ret = -ENOENT;
	else if (it.level || axas_npt_leaf_is_dirty(npt, it.pte, flags))
		ret = -EEXIST;
	else if (cmpxchg64(it.ptep, it.pte,
			   axas_npt_leaf_dirty(npt, it.pte, flags)) != it.pte)
		ret = -EAGAIN;	/* a locked entry reads as the old one: fails too */
	else
		ret = 0;
	axas_npt_walk_end(npt, wflags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_set_dirty);
