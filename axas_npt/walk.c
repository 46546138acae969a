// SPDX-License-Identifier: GPL-2.0
/*
 * The generic walker and the contract every walk keeps: shared walks run
 * under RCU, exclusive walks under the owner's write lock, entries are read
 * through one accessor, and a writer replaces a live entry by another of a
 * different size or memory type only by break, invalidate, make.
 */
#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/io.h>
#include <linux/lockdep.h>
#include <linux/math.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seqlock.h>

#include "axas_npt/walk.h"

struct axas_npt_walk_data {
	struct axas_npt *npt;
	const struct axas_npt_walker *walker;
	u64 addr;
	u64 end;
	unsigned int visited;	/* entries since the last yield */
	bool skipped;		/* the last entry's visitor did its subtree */
};

static int axas_npt_walk_table(struct axas_npt_walk_data *d, u64 *table,
			       unsigned int nr_entries, unsigned int level);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
static void axas_npt_contract_broken(struct axas_npt *npt, const char *what)
{
	atomic_inc(&npt->contract_splats);
	if (!READ_ONCE(npt->contract_quiet))
		lockdep_rcu_suspicious(__FILE__, __LINE__, what);
}

/* Is the owner's lock held (@read: 0 for writing, -1 in any mode)? */
static bool axas_npt_owner_holds(const struct axas_npt *npt, int read)
{
	return npt->lock_map && lock_is_held_type(npt->lock_map, read);
}

static void axas_npt_check_contract(struct axas_npt *npt, unsigned int flags)
{
	const char *what;

	if (!(flags & AXAS_NPT_WALK_SHARED)) {
		what = "axas_npt: writer walk without the write lock";
		if (npt->lock_map && !axas_npt_owner_holds(npt, 0))
			axas_npt_contract_broken(npt, what);
		return;
	}
	if (flags & AXAS_NPT_WALK_INSTALL) {
		if (npt->lock_map && !axas_npt_owner_holds(npt, -1))
			axas_npt_contract_broken(npt, "axas_npt: fault walk without the lock");
		return;
	}
	if (!rcu_read_lock_any_held() && !axas_npt_owner_holds(npt, -1))
		axas_npt_contract_broken(npt, "axas_npt: shared walk outside RCU or the lock");
}
#else
static inline void axas_npt_check_contract(struct axas_npt *npt, unsigned int flags)
{
}
#endif

/**
 * axas_npt_walk_begin() - enter a walk of the kind @flags says
 * @npt: the table
 * @flags: AXAS_NPT_WALK_SHARED for a lockless or fault walk, else exclusive
 *
 * Checks the caller keeps the contract (lockdep builds) and takes RCU for a
 * shared walk: the table pages it reads are freed after a grace period.
 */
void axas_npt_walk_begin(struct axas_npt *npt, unsigned int flags)
	__acquires(RCU)
{
	axas_npt_check_contract(npt, flags);
	if (flags & AXAS_NPT_WALK_SHARED) {
		rcu_read_lock();
	} else {
		might_sleep();
		__acquire(RCU);	/* for sparse: both kinds leave one context */
	}
}

/**
 * axas_npt_walk_end() - leave a walk entered with axas_npt_walk_begin()
 * @npt: the table
 * @flags: the same flags
 */
void axas_npt_walk_end(struct axas_npt *npt, unsigned int flags)
	__releases(RCU)
{
	if (flags & AXAS_NPT_WALK_SHARED)
		rcu_read_unlock();
	else
		__release(RCU);
}

/**
 * axas_npt_invalidate() - have the owner invalidate a guest-physical range
 * @npt: the table
 * @gpa: first address
 * @size: bytes
 */
void axas_npt_invalidate(struct axas_npt *npt, u64 gpa, u64 size)
{
	if (npt->ops && npt->ops->invalidate)
		npt->ops->invalidate(npt->priv, gpa, size);
}

/**
 * axas_npt_read_shared() - read an entry in a shared walk
 * @npt: the table
 * @ptep: the entry
 *
 * A shared walk that meets a locked entry reads the entry it replaces: until
 * the make, that is still what the table means. The writer publishes the old
 * value before it stores the lock (release), so a reader that sees the lock
 * sees the value, unless the writer has moved on, and then the entry no
 * longer holds the lock either.
 *
 * Return: the entry, or the one a break in progress replaces.
 */
u64 axas_npt_read_shared(struct axas_npt *npt, u64 *ptep)
{
	u64 pte = axas_npt_read_pte(ptep);
	unsigned int seq;
	u64 *bptep;
	u64 old;

	while (unlikely(pte == AXAS_NPT_PTE_LOCKED)) {
		smp_rmb();	/* the lock before the value it covers */
		seq = read_seqcount_begin(&npt->bbm.seq);
		bptep = READ_ONCE(npt->bbm.ptep);
		old = READ_ONCE(npt->bbm.old);
		if (!read_seqcount_retry(&npt->bbm.seq, seq) && bptep == ptep &&
		    axas_npt_read_pte(ptep) == AXAS_NPT_PTE_LOCKED)
			return old;
		cpu_relax();
		pte = axas_npt_read_pte(ptep);
	}
	return pte;
}

/**
 * axas_npt_break_pte() - make a live entry invalid and invalidate its range
 * @ctx: the visitor's context (an exclusive walk)
 *
 * After this the hardware holds no translation through the entry; lockless
 * readers still see the old value. Follow with axas_npt_make_pte().
 */
void axas_npt_break_pte(const struct axas_npt_visit_ctx *ctx)
{
	struct axas_npt *npt = ctx->npt;
	unsigned long flags;

	local_irq_save(flags);
	write_seqcount_begin(&npt->bbm.seq);
	WRITE_ONCE(npt->bbm.ptep, ctx->ptep);
	WRITE_ONCE(npt->bbm.old, ctx->old);
	write_seqcount_end(&npt->bbm.seq);
	local_irq_restore(flags);
	/* Pairs with smp_rmb() in axas_npt_read_shared(): the value, then the lock. */
	smp_store_release(ctx->ptep, AXAS_NPT_PTE_LOCKED);
	axas_npt_invalidate(npt, axas_npt_ctx_entry_start(ctx),
			    axas_npt_level_size(ctx->level));
}

/**
 * axas_npt_make_pte() - install the new entry after axas_npt_break_pte()
 * @ctx: the visitor's context
 * @pte: the new entry; a table it points to must be filled already
 */
void axas_npt_make_pte(const struct axas_npt_visit_ctx *ctx, u64 pte)
{
	/* What the new entry points to is visible before the entry. */
	smp_store_release(ctx->ptep, pte);
}

/**
 * axas_npt_gather_pending() - the entry's range waits for an invalidation
 * @ctx: the visitor's context: a leaf removed or downgraded, or a table
 *	unlinked, whose invalidation may wait for the next yield or the end
 */
void axas_npt_gather_pending(const struct axas_npt_visit_ctx *ctx)
{
	struct axas_npt_gather *g = ctx->gather;
	u64 start = axas_npt_ctx_entry_start(ctx);
	u64 end = start + axas_npt_level_size(ctx->level);

	if (!g->need_inv) {
		g->inv_start = start;
		g->inv_end = end;
		g->need_inv = true;
		return;
	}
	g->inv_start = min(g->inv_start, start);
	g->inv_end = max(g->inv_end, end);
}

static bool axas_npt_entry_is_table(const struct axas_npt *npt, u64 pte,
				    unsigned int level)
{
	return level && npt->fmt->pte_is_table(pte, level);
}

static u64 axas_npt_walk_read(struct axas_npt_walk_data *d, u64 *ptep)
{
	if (d->walker->flags & AXAS_NPT_WALK_SHARED)
		return axas_npt_read_shared(d->npt, ptep);
	return axas_npt_read_pte(ptep);
}

static int axas_npt_visit_entry(struct axas_npt_walk_data *d, u64 *ptep,
				unsigned int level)
{
	const struct axas_npt_walker *w = d->walker;
	struct axas_npt_visit_ctx ctx = {
		.npt = d->npt,
		.ptep = ptep,
		.old = axas_npt_walk_read(d, ptep),
		.addr = d->addr,
		.end = d->end,
		.level = level,
		.arg = w->arg,
		.gather = w->gather,
	};
	bool table = axas_npt_entry_is_table(d->npt, ctx.old, level);
	u64 size = axas_npt_level_size(level);
	int ret = 0, post;

	if (table && (w->flags & AXAS_NPT_VISIT_TABLE_PRE))
		ret = w->cb(&ctx, AXAS_NPT_VISIT_TABLE_PRE);
	else if (!table && (w->flags & AXAS_NPT_VISIT_LEAF))
		ret = w->cb(&ctx, AXAS_NPT_VISIT_LEAF);
	if (ret == AXAS_NPT_VISIT_SKIP && (w->flags & AXAS_NPT_WALK_SKIPS)) {
		d->skipped = true;
		d->addr = ALIGN_DOWN(d->addr, size) + size;
		return 0;
	}
	if (ret)
		return ret;

	/* The visitor may have installed a table here, or removed one. */
	ctx.old = axas_npt_walk_read(d, ptep);
	if (!axas_npt_entry_is_table(d->npt, ctx.old, level)) {
		d->addr = ALIGN_DOWN(d->addr, size) + size;
		return 0;
	}

	ret = axas_npt_walk_table(d, axas_npt_table_va(d->npt, ctx.old, level),
				  AXAS_NPT_PTES_PER_PAGE, level - 1);
	if (ret && ret != -EINTR)
		return ret;
	if (!(w->flags & AXAS_NPT_VISIT_TABLE_POST))
		return ret;
	/* A stopped walk finishes the tables it is in: the range ends there. */
	if (ret)
		ctx.end = d->addr;
	post = w->cb(&ctx, AXAS_NPT_VISIT_TABLE_POST);
	return ret ?: post;
}

/**
 * axas_npt_should_yield() - is it time for a writer to let others in?
 * @npt: the table
 * @flags: the writer's AXAS_NPT_WALK_* flags
 * @count: entries (or pages) handled so far, checked every
 *	%AXAS_NPT_YIELD_CHECK
 *
 * Return: true every %AXAS_NPT_YIELD_EVERY, or earlier when the owner's
 * lock is contended.
 */
bool axas_npt_should_yield(struct axas_npt *npt, unsigned int flags, unsigned long count)
{
	if (!(flags & AXAS_NPT_WALK_YIELD) || !npt->ops || !npt->ops->yield)
		return false;
	if (count % AXAS_NPT_YIELD_CHECK)
		return false;
	return !(count % AXAS_NPT_YIELD_EVERY) ||
	       (npt->ops->contended && npt->ops->contended(npt->priv));
}

/*
 * Every AXAS_NPT_YIELD_CHECK entries an exclusive walk stops if it may and
 * its caller is dying, and every AXAS_NPT_YIELD_EVERY (sooner if someone
 * waits) it lets others in: as tdp_mmu_iter_cond_resched() does, whatever
 * it removed is invalidated first, so that nothing the hardware could still
 * use is reachable only through pages it has freed while the lock is
 * dropped.
 */
static int axas_npt_walk_yield(struct axas_npt_walk_data *d)
{
	const struct axas_npt_walker *w = d->walker;
	struct axas_npt_gather *g = w->gather;
	struct axas_npt *npt = d->npt;

	if ((w->flags & AXAS_NPT_WALK_KILLABLE) && fatal_signal_pending(current)) {
		if (g)
			g->stopped_at = d->addr;
		return -EINTR;
	}
	if (!axas_npt_should_yield(npt, w->flags, d->visited)) {
		if (d->visited >= AXAS_NPT_YIELD_EVERY) {
			d->visited = 0;
			cond_resched();
		}
		return 0;
	}
	d->visited = 0;
	if (g && g->need_inv) {
		axas_npt_invalidate(npt, g->inv_start, g->inv_end - g->inv_start);
		axas_npt_free_tables(g);
		g->need_inv = false;
	}
	npt->ops->yield(npt->priv);
	return 0;
}

static int axas_npt_walk_table(struct axas_npt_walk_data *d, u64 *table,
			       unsigned int nr_entries, unsigned int level)
{
	bool exclusive = !(d->walker->flags & AXAS_NPT_WALK_SHARED);
	unsigned int idx = (d->addr >> axas_npt_level_shift(level)) &
			   (nr_entries - 1);
	int ret = 0;

	for (; idx < nr_entries && d->addr < d->end; idx++) {
		d->skipped = false;
		ret = axas_npt_visit_entry(d, &table[idx], level);
		if (ret)
			break;
		if (!exclusive)
			continue;
		/* A skipped entry was a table's worth: a yield point. */
		if (d->skipped)
			d->visited = round_up(d->visited + 1, AXAS_NPT_YIELD_EVERY) - 1;
		if (!(++d->visited % AXAS_NPT_YIELD_CHECK) && d->addr < d->end) {
			ret = axas_npt_walk_yield(d);
			if (ret)
				break;
		}
	}
	return ret;
}

/**
 * axas_npt_walk() - visit every entry covering [@addr, @addr + @size)
 * @npt: the table
 * @addr: first guest-physical address
 * @size: bytes; the range must lie within the table's width
 * @w: the visitor
 *
 * Return: 0, -EINTR when a killable walk stopped on a fatal signal (its
 * gather says where), or the first nonzero value a visitor returned.
 */
int axas_npt_walk(struct axas_npt *npt, u64 addr, u64 size, const struct axas_npt_walker *w)
{
	struct axas_npt_walk_data d = {
		.npt = npt,
		.walker = w,
		.addr = addr,
		.end = addr + size,
	};
	int ret;

	if (WARN_ON_ONCE(d.end < addr || d.end > BIT_ULL(npt->gpa_bits)))
		return -EINVAL;
	axas_npt_walk_begin(npt, w->flags);
	ret = axas_npt_walk_table(&d, npt->root, axas_npt_root_entries(npt),
				  npt->levels - 1);
	axas_npt_walk_end(npt, w->flags);
	return ret;
}
