// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking (SPEC 8.8): which pages of alloc and user regions the guest
 * or the host wrote since tracking started or the last harvest.
 *
 * Tracking belongs to guest-physical pages, not to regions: two bitmaps per
 * 32 MiB chunk (held in an xarray) say which pages are tracked and which
 * were written. The table keeps the rest of the truth: a tracked page whose
 * leaf is dirty (writable, or its hardware dirty bit set) may have been
 * written, and the harvest walk reports it and makes it clean again. So a
 * mapping made in a tracked range starts dirty, and nothing a writer does
 * to the leaves (PROTECT, a new mapping) can lose a write.
 *
 * Locking: the bitmaps change with atomic bit operations, from faults
 * (lock held for reading) and harvests (writer); chunks come and go under
 * the writer and are freed after an RCU grace period, since translate
 * looks at them locklessly.
 */
#include <linux/bitmap.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <linux/axas.h>
#include <kunit/visibility.h>

#include "axas_core/aspace.h"

#define AXAS_DIRTY_CHUNK_PAGES	8192UL
#define AXAS_DIRTY_CHUNK_SHIFT	(PAGE_SHIFT + 13)

/**
 * struct axas_dirty_chunk - tracking state of 32 MiB of guest-physical space
 * @rcu: frees the chunk after lockless readers are done
 * @fresh: inserted by the enable in progress (undone if it fails)
 * @track: pages being tracked
 * @dirty: tracked pages written since the last harvest
 */
struct axas_dirty_chunk {
	struct rcu_head rcu;
	bool fresh;
	DECLARE_BITMAP(track, AXAS_DIRTY_CHUNK_PAGES);
	DECLARE_BITMAP(dirty, AXAS_DIRTY_CHUNK_PAGES);
};

static unsigned long axas_dirty_index(u64 gpa)
{
	return gpa >> AXAS_DIRTY_CHUNK_SHIFT;
}

static unsigned long axas_dirty_bit(u64 gpa)
{
	return (gpa >> PAGE_SHIFT) & (AXAS_DIRTY_CHUNK_PAGES - 1);
}

/* First address of the chunk after the one holding @gpa (0 past the end). */
static u64 axas_dirty_chunk_end(u64 gpa)
{
	return (u64)(axas_dirty_index(gpa) + 1) << AXAS_DIRTY_CHUNK_SHIFT;
}

static struct axas_dirty_chunk *axas_dirty_chunk(struct axas_aspace *as,
						 u64 gpa)
{
	return xa_load(&as->dirty_chunks, axas_dirty_index(gpa));
}

/**
 * axas_dirty_hw_ok() - may tracking that starts now use the hardware bit?
 * @as: the address space (exact under its lock, a hint without)
 *
 * Where the CPU sets the bit only if the consumer turned it on and a clean
 * leaf stays writable (EPT), only with every bound consumer's promise
 * (%AXAS_CONSUMER_EPT_AD), and at least one of them.
 *
 * Return: true for hardware mode.
 */
bool axas_dirty_hw_ok(struct axas_aspace *as)
{
	const struct axas_npt_fmt *fmt = as->npt.fmt;
	unsigned int nr = READ_ONCE(as->nr_consumers);

	if (!axas_npt_has_hw_dirty(&as->npt) || as->dirty_wp)
		return false;
	return !fmt->hw_dirty_optin || (nr && READ_ONCE(as->nr_ept_ad) == nr);
}

/*
 * The flags of the engine's dirty operations for this space: the mode
 * chosen when tracking started, for as long as anything is tracked.
 */
static unsigned int axas_dirty_npt_flags(struct axas_aspace *as)
{
	bool hw = READ_ONCE(as->dirty_tracked) ? READ_ONCE(as->dirty_hw) :
		  axas_dirty_hw_ok(as);

	return hw ? AXAS_NPT_DIRTY_HW : 0;
}

/**
 * axas_dirty_tracked() - is the page at @gpa tracked?
 * @as: the address space
 * @gpa: the address
 *
 * Context: any; takes RCU itself.
 * Return: true if a harvest reports writes to it.
 */
bool axas_dirty_tracked(struct axas_aspace *as, u64 gpa)
{
	struct axas_dirty_chunk *c;
	bool ret;

	if (!READ_ONCE(as->dirty_tracked))
		return false;
	rcu_read_lock();
	c = axas_dirty_chunk(as, gpa);
	ret = c && test_bit(axas_dirty_bit(gpa), c->track);
	rcu_read_unlock();
	return ret;
}

/* Apply @fn to the bits of [gpa, end) in each chunk that exists. */
static void axas_dirty_apply(struct axas_aspace *as, u64 gpa, u64 end,
			     void (*fn)(struct axas_dirty_chunk *c,
					unsigned long bit, unsigned long nr,
					u64 gpa, void *arg),
			     void *arg)
{
	struct axas_dirty_chunk *c;
	u64 next;

	rcu_read_lock();
	for (; gpa < end; gpa = next) {
		next = axas_dirty_chunk_end(gpa);
		if (!next || next > end)
			next = end;
		c = axas_dirty_chunk(as, gpa);
		if (c)
			fn(c, axas_dirty_bit(gpa), (next - gpa) >> PAGE_SHIFT,
			   gpa, arg);
	}
	rcu_read_unlock();
}

static void axas_dirty_mark_chunk(struct axas_dirty_chunk *c, unsigned long bit,
				  unsigned long nr, u64 gpa, void *arg)
{
	unsigned long end = bit + nr;

	for (bit = find_next_bit(c->track, end, bit); bit < end;
	     bit = find_next_bit(c->track, end, bit + 1))
		set_bit(bit, c->dirty);
}

/**
 * axas_mark_dirty() - record writes done on the guest's behalf
 * @as: the address space
 * @gpa: first guest-physical address (any alignment)
 * @size: bytes written
 *
 * For a hypervisor that writes guest memory through its own mapping (an
 * emulated device's DMA, say): the tracked pages of the range are reported
 * dirty by the next axas_get_dirty_bitmap(). Untracked pages are ignored.
 *
 * Context: any but NMI; does not sleep.
 */
void axas_mark_dirty(struct axas_aspace *as, u64 gpa, u64 size)
{
	if (!size || !READ_ONCE(as->dirty_tracked) ||
	    gpa + size > as->base + as->size || gpa + size < gpa)
		return;
	axas_dirty_apply(as, ALIGN_DOWN(gpa, PAGE_SIZE),
			 ALIGN(gpa + size, PAGE_SIZE), axas_dirty_mark_chunk, NULL);
}
EXPORT_SYMBOL_GPL(axas_mark_dirty);

static void axas_dirty_report(void *arg, u64 gpa, u64 size)
{
	axas_mark_dirty(arg, gpa, size);
}

/* Called for a tracked run [start, end) of region @r. */
typedef int (*axas_dirty_run_fn)(struct axas_aspace *as,
				 const struct axas_region *r, u64 start,
				 u64 end, void *arg);

/*
 * The tracked runs of [gpa, end) that alloc and user regions hold, one call
 * of @fn each (the region's permissions with it). Under the writer.
 */
static int axas_dirty_runs(struct axas_aspace *as, u64 gpa, u64 end,
			   axas_dirty_run_fn fn, void *arg)
{
	struct axas_region *r;
	struct axas_dirty_chunk *c;
	unsigned long bit, stop, last;
	u64 s, e, lim;
	int ret;

	for (r = axas_region_first_after(as, gpa); r && r->start < end;
	     r = axas_region_next(r)) {
		if (r->kind == AXAS_REGION_LINEAR)
			continue;
		s = max(r->start, gpa);
		lim = min(r->end, end);
		while (s < lim) {
			e = min(axas_dirty_chunk_end(s) ?: U64_MAX, lim);
			c = axas_dirty_chunk(as, s);
			if (!c) {
				s = e;
				continue;
			}
			stop = axas_dirty_bit(s) + ((e - s) >> PAGE_SHIFT);
			bit = find_next_bit(c->track, stop, axas_dirty_bit(s));
			if (bit >= stop) {
				s = e;
				continue;
			}
			last = find_next_zero_bit(c->track, stop, bit);
			/* The run's addresses: same chunk as s. */
			e = s + ((u64)(last - axas_dirty_bit(s)) << PAGE_SHIFT);
			s += (u64)(bit - axas_dirty_bit(s)) << PAGE_SHIFT;
			ret = fn(as, r, s, e, arg);
			if (ret)
				return ret;
			s = e;
		}
	}
	return 0;
}

/* --- enable -------------------------------------------------------------- */

static void axas_dirty_free_chunk(struct axas_aspace *as, unsigned long idx)
{
	struct axas_dirty_chunk *c = xa_erase(&as->dirty_chunks, idx);

	if (c)
		kfree_rcu(c, rcu);
}

/* Undo the chunks an enable inserted (none tracks anything yet). */
static void axas_dirty_drop_fresh(struct axas_aspace *as, u64 gpa, u64 end)
{
	struct axas_dirty_chunk *c;
	unsigned long idx;

	for (idx = axas_dirty_index(gpa); idx <= axas_dirty_index(end - 1); idx++) {
		c = xa_load(&as->dirty_chunks, idx);
		if (c && c->fresh)
			axas_dirty_free_chunk(as, idx);
	}
}

static int axas_dirty_add_chunks(struct axas_aspace *as, u64 gpa, u64 end)
{
	struct axas_dirty_chunk *c;
	unsigned long idx;
	int ret;

	for (idx = axas_dirty_index(gpa); idx <= axas_dirty_index(end - 1); idx++) {
		c = xa_load(&as->dirty_chunks, idx);
		if (c) {
			c->fresh = false;
			continue;
		}
		c = axas_should_fail(as) ? NULL :
		    kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
		if (!c)
			goto nomem;
		c->fresh = true;
		ret = axas_should_fail(as) ? -ENOMEM :
		      xa_insert(&as->dirty_chunks, idx, c, GFP_KERNEL_ACCOUNT);
		if (ret) {
			kfree(c);
			goto nomem;
		}
	}
	return 0;
nomem:
	axas_dirty_drop_fresh(as, gpa, end);
	return -ENOMEM;
}

static void axas_dirty_track_chunk(struct axas_dirty_chunk *c, unsigned long bit,
				   unsigned long nr, u64 gpa, void *arg)
{
	struct axas_aspace *as = arg;
	unsigned long was = bitmap_weight(c->track, AXAS_DIRTY_CHUNK_PAGES);

	c->fresh = false;
	bitmap_set(c->track, bit, nr);
	bitmap_clear(c->dirty, bit, nr);
	as->dirty_tracked += bitmap_weight(c->track, AXAS_DIRTY_CHUNK_PAGES) - was;
}

struct axas_dirty_walk {
	struct axas_npt_gather *g;
	unsigned int flags;
	unsigned long need;
	bool report;
};

static int axas_dirty_count_run(struct axas_aspace *as,
				const struct axas_region *r, u64 start,
				u64 end, void *arg)
{
	struct axas_dirty_walk *w = arg;

	w->need += axas_npt_split_all_need(&as->npt, start, end - start);
	return 0;
}

static int axas_dirty_clean_run(struct axas_aspace *as,
				const struct axas_region *r, u64 start,
				u64 end, void *arg)
{
	struct axas_dirty_walk *w = arg;

	return axas_npt_clean(&as->npt, start, end - start, w->flags,
			      w->report ? axas_dirty_report : NULL, as, w->g);
}

/*
 * Report (into the bitmaps) and clean every dirty leaf of the tracked runs
 * of [gpa, end): the splits' tables first, so a failure changes nothing.
 */
static int axas_dirty_clean_range(struct axas_aspace *as, u64 gpa, u64 end,
				  bool report, bool peek)
{
	struct axas_npt_gather g;
	struct axas_dirty_walk w = {
		.g = &g, .report = report,
		.flags = axas_dirty_npt_flags(as) | (peek ? AXAS_NPT_DIRTY_PEEK : 0),
	};
	int ret;

	axas_npt_gather_init(&g);
	g.flags = AXAS_NPT_WALK_YIELD;
	if (!peek) {
		axas_dirty_runs(as, gpa, end, axas_dirty_count_run, &w);
		ret = axas_npt_spare_alloc(&as->npt, w.need, &g);
		if (ret)
			return ret;
	}
	ret = axas_dirty_runs(as, gpa, end, axas_dirty_clean_run, &w);
	/* Only a table the count missed could fail: nothing to undo. */
	WARN_ON_ONCE(ret);
	axas_flush(as, gpa, end - gpa, &g);
	axas_npt_spare_drain(&g);
	return 0;
}

/* Nothing untracked may be in a range that starts tracking. */
static int axas_dirty_check_regions(struct axas_aspace *as, u64 gpa, u64 end)
{
	struct axas_region *r;

	for (r = axas_region_first_after(as, gpa); r && r->start < end;
	     r = axas_region_next(r))
		if (r->kind == AXAS_REGION_LINEAR)
			return -EINVAL;
	return 0;
}

static int axas_dirty_enable(struct axas_aspace *as, u64 gpa, u64 end)
{
	struct axas_npt_gather g;
	struct axas_dirty_walk w = { .g = &g };
	struct axas_region *r;
	int ret;

	/* Nothing tracked: the mode is chosen now, from the bound consumers. */
	if (!as->dirty_tracked)
		WRITE_ONCE(as->dirty_hw, axas_dirty_hw_ok(as));
	w.flags = axas_dirty_npt_flags(as);
	ret = axas_dirty_check_regions(as, gpa, end);
	if (ret)
		return ret;
	ret = axas_dirty_add_chunks(as, gpa, end);
	if (ret)
		return ret;
	axas_npt_gather_init(&g);
	g.flags = AXAS_NPT_WALK_YIELD;
	for (r = axas_region_first_after(as, gpa); r && r->start < end;
	     r = axas_region_next(r))
		axas_dirty_count_run(as, r, max(r->start, gpa), min(r->end, end), &w);
	ret = axas_npt_spare_alloc(&as->npt, w.need, &g);
	if (ret) {
		axas_dirty_drop_fresh(as, gpa, end);
		return ret;
	}

	/* From here on nothing fails. Faults see the pages tracked first. */
	axas_dirty_apply(as, gpa, end, axas_dirty_track_chunk, as);
	for (r = axas_region_first_after(as, gpa); r && r->start < end;
	     r = axas_region_next(r))
		WARN_ON_ONCE(axas_dirty_clean_run(as, r, max(r->start, gpa),
						  min(r->end, end), &w));
	axas_flush(as, gpa, end - gpa, &g);
	axas_npt_spare_drain(&g);
	return 0;
}

/* --- disable ------------------------------------------------------------- */

static int axas_dirty_restore_run(struct axas_aspace *as,
				  const struct axas_region *r, u64 start,
				  u64 end, void *arg)
{
	axas_npt_restore(&as->npt, start, end - start, r->prot, arg);
	return 0;
}

static void axas_dirty_untrack_chunk(struct axas_dirty_chunk *c,
				     unsigned long bit, unsigned long nr,
				     u64 gpa, void *arg)
{
	struct axas_aspace *as = arg;
	unsigned long was = bitmap_weight(c->track, AXAS_DIRTY_CHUNK_PAGES);

	bitmap_clear(c->track, bit, nr);
	bitmap_clear(c->dirty, bit, nr);
	as->dirty_tracked -= was - bitmap_weight(c->track, AXAS_DIRTY_CHUNK_PAGES);
	c->fresh = bitmap_empty(c->track, AXAS_DIRTY_CHUNK_PAGES);
}

static void axas_dirty_disable(struct axas_aspace *as, u64 gpa, u64 end)
{
	struct axas_npt_gather g;

	axas_npt_gather_init(&g);
	g.flags = AXAS_NPT_WALK_YIELD;
	axas_dirty_runs(as, gpa, end, axas_dirty_restore_run, &g);
	/* Only permissions were added: no invalidation, no table freed. */
	WARN_ON_ONCE(g.need_inv || !list_empty(&g.tables));
	axas_dirty_apply(as, gpa, end, axas_dirty_untrack_chunk, as);
	/* Chunks left with nothing tracked go (fresh marks them). */
	axas_dirty_drop_fresh(as, gpa, end);
}

/**
 * axas_set_dirty_tracking() - start or stop dirty tracking of a range
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero); holes are fine
 * @flags: %AXAS_DIRTY_ENABLE to start, 0 to stop
 *
 * Starting tracks every page of the range, mapped or not (regions mapped
 * there later are tracked too, and start dirty), makes each mapped page
 * clean and splits the huge leaves of the range into 4 KiB leaves for as
 * long as tracking lasts. Starting again on a tracked range starts afresh.
 * Stopping forgets the range's dirty bits and gives the leaves their plain
 * encoding back (they stay 4 KiB leaves).
 *
 * Context: may sleep.
 * Return: 0; -EINVAL for unknown @flags, a bad range, or (when starting) a
 * linear region in the range; -ENOMEM with nothing changed; -EINTR.
 */
int axas_set_dirty_tracking(struct axas_aspace *as, u64 gpa, u64 size,
			    u32 flags)
{
	int ret;

	if (flags & ~AXAS_DIRTY_ENABLE)
		return -EINVAL;
	ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;
	ret = axas_writer_lock(as, true);
	if (ret)
		return ret;
	if (flags & AXAS_DIRTY_ENABLE)
		ret = axas_dirty_enable(as, gpa, gpa + size);
	else
		axas_dirty_disable(as, gpa, gpa + size);
	axas_writer_unlock(as);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_set_dirty_tracking);

/* --- harvest ------------------------------------------------------------- */

struct axas_dirty_out {
	unsigned long *bitmap;
	u64 base;
	bool clear;
};

static void axas_dirty_take_chunk(struct axas_dirty_chunk *c, unsigned long bit,
				  unsigned long nr, u64 gpa, void *arg)
{
	struct axas_dirty_out *o = arg;
	unsigned long first = (gpa - o->base) >> PAGE_SHIFT;
	unsigned long end = bit + nr;

	for (bit = find_next_bit(c->dirty, end, bit); bit < end;
	     bit = find_next_bit(c->dirty, end, bit + 1)) {
		if (o->clear && !test_and_clear_bit(bit, c->dirty))
			continue;
		__set_bit(first + bit - axas_dirty_bit(gpa), o->bitmap);
	}
}

/**
 * axas_get_dirty_bitmap() - report the pages written since the last report
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero)
 * @bitmap: @size / 4096 bits, zeroed by the caller; bit i is set if the
 *	tracked page at @gpa + i * 4096 was written
 * @flags: %AXAS_DIRTY_NO_CLEAR to leave the pages dirty (else what is
 *	reported is made clean: written again, it is reported again)
 *
 * Guest writes are seen through the table (a write fault on a clean leaf,
 * or the hardware's dirty bit, harvested here), host writes through
 * axas_access_iter() and axas_mark_dirty(). When this returns, every
 * write the guest does from then on is in a later report: TLBs holding the
 * dirty state were invalidated. Untracked pages read as 0. A caller that
 * cannot deliver the bitmap gives the bits back with axas_mark_dirty().
 *
 * Context: may sleep.
 * Return: 0; -EINVAL for unknown @flags or a bad range; -ENOMEM (a table
 * page to split a huge leaf of a new mapping) with nothing changed; -EINTR.
 */
int axas_get_dirty_bitmap(struct axas_aspace *as, u64 gpa, u64 size,
			  unsigned long *bitmap, u32 flags)
{
	struct axas_dirty_out o = {
		.bitmap = bitmap, .base = gpa,
		.clear = !(flags & AXAS_DIRTY_NO_CLEAR),
	};
	int ret;

	if (flags & ~AXAS_DIRTY_NO_CLEAR)
		return -EINVAL;
	ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;
	if (!READ_ONCE(as->dirty_tracked))
		return 0;
	ret = axas_writer_lock(as, true);
	if (ret)
		return ret;
	ret = axas_dirty_clean_range(as, gpa, gpa + size, true, !o.clear);
	if (!ret)
		axas_dirty_apply(as, gpa, gpa + size, axas_dirty_take_chunk, &o);
	axas_writer_unlock(as);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_get_dirty_bitmap);

/**
 * axas_mark_dirty_bitmap() - give back bits axas_get_dirty_bitmap() reported
 * @as: the address space
 * @gpa: the @gpa of that call
 * @bitmap: its bitmap
 * @nbits: its bits
 *
 * For a caller that could not deliver a report: the pages are reported
 * again next time.
 */
void axas_mark_dirty_bitmap(struct axas_aspace *as, u64 gpa,
			    const unsigned long *bitmap, unsigned long nbits)
{
	unsigned long bit;

	for_each_set_bit(bit, bitmap, nbits)
		axas_mark_dirty(as, gpa + ((u64)bit << PAGE_SHIFT), PAGE_SIZE);
}
EXPORT_SYMBOL_GPL(axas_mark_dirty_bitmap);

/* --- the rest of axas_core ---------------------------------------------- */

/**
 * axas_dirty_leaf_is_clean() - would a write through @leaf be logged?
 * @as: the address space
 * @leaf: the leaf at a tracked address
 *
 * Context: any; lockless callers get an answer that held at some instant
 * (the mode cannot change while the page is tracked).
 * Return: true if a write fault there is tracking's to log.
 */
bool axas_dirty_leaf_is_clean(struct axas_aspace *as,
			      const struct axas_npt_leaf *leaf)
{
	return axas_npt_leaf_is_clean(&as->npt, leaf, axas_dirty_npt_flags(as));
}

/**
 * axas_dirty_log_fault() - a guest write on a clean tracked page
 * @as: the address space, its lock held for reading
 * @gpa: the faulting address
 * @access: what the guest needed
 * @result: set to %AXAS_FAULT_LOGGED (or %AXAS_FAULT_SPURIOUS after a race)
 *
 * The lock keeps the chunk, and keeps every writer that could clean,
 * protect or remove the leaf, out until the page is logged.
 *
 * Return: true if the fault was tracking's (and @result is set).
 */
bool axas_dirty_log_fault(struct axas_aspace *as, u64 gpa, u32 access,
			  u32 *result)
{
	struct axas_dirty_chunk *c;
	unsigned long bit = axas_dirty_bit(gpa);
	int ret;

	lockdep_assert_held(&as->lock);
	if (!(access & AXAS_MAP_WRITE) || !READ_ONCE(as->dirty_tracked))
		return false;
	c = axas_dirty_chunk(as, gpa);
	if (!c || !test_bit(bit, c->track))
		return false;
	ret = axas_npt_set_dirty(&as->npt, gpa & PAGE_MASK,
				 axas_dirty_npt_flags(as));
	if (ret == -ENOENT || ret == -EEXIST)
		return false;
	set_bit(bit, c->dirty);
	if (ret) {
		/* The entry changed under us: let the guest try again. */
		*result = AXAS_FAULT_SPURIOUS;
		return true;
	}
	atomic64_inc(&as->dirty_logged);
	*result = AXAS_FAULT_LOGGED;
	return true;
}

/**
 * axas_dirty_block_tracked() - does a tracked page lie in [gpa, gpa + size)?
 * @as: the address space (its lock held)
 * @gpa: first address
 * @size: bytes
 *
 * Return: true if at least one page of the block is tracked.
 */
bool axas_dirty_block_tracked(struct axas_aspace *as, u64 gpa, u64 size)
{
	struct axas_dirty_chunk *c;
	unsigned long bit;
	bool ret;

	if (!READ_ONCE(as->dirty_tracked))
		return false;
	/* Blocks (2 MiB) never straddle a chunk (32 MiB). */
	rcu_read_lock();
	c = axas_dirty_chunk(as, gpa);
	bit = axas_dirty_bit(gpa);
	ret = c && find_next_bit(c->track, bit + (size >> PAGE_SHIFT), bit) <
		   bit + (size >> PAGE_SHIFT);
	rcu_read_unlock();
	return ret;
}

static void axas_dirty_clear_chunk(struct axas_dirty_chunk *c, unsigned long bit,
				   unsigned long nr, u64 gpa, void *arg)
{
	bitmap_clear(c->dirty, bit, nr);
}

/**
 * axas_dirty_forget() - an unmapped range's dirty bits go (tracking stays)
 * @as: the address space, under the writer
 * @gpa: first address
 * @end: end of the range
 */
void axas_dirty_forget(struct axas_aspace *as, u64 gpa, u64 end)
{
	if (READ_ONCE(as->dirty_tracked))
		axas_dirty_apply(as, gpa, end, axas_dirty_clear_chunk, NULL);
}

/**
 * axas_dirty_destroy() - free the tracking state of a dying space
 * @as: the address space
 */
void axas_dirty_destroy(struct axas_aspace *as)
{
	struct axas_dirty_chunk *c;
	unsigned long idx;

	xa_for_each(&as->dirty_chunks, idx, c)
		kfree(c);
	xa_destroy(&as->dirty_chunks);
}

/**
 * axas_dirty_stats() - counters for INFO-like reports
 * @as: the address space
 * @tracked: set to the pages tracked
 * @logged: set to the write faults tracking logged so far
 */
void axas_dirty_stats(struct axas_aspace *as, u64 *tracked, u64 *logged)
{
	*tracked = READ_ONCE(as->dirty_tracked);
	*logged = atomic64_read(&as->dirty_logged);
}
EXPORT_SYMBOL_GPL(axas_dirty_stats);

/**
 * axas_dirty_hw_needs() - what a consumer turns on so that writes do not fault
 * @as: the address space
 *
 * Return: %AXAS_DIRTY_HW_NONE when the space uses write protection (every
 * first write after a harvest is a fault, resolved by
 * axas_handle_page_fault() as %AXAS_FAULT_LOGGED); otherwise the hardware
 * feature that lets the CPU set the dirty bit itself: %AXAS_DIRTY_HW_ADUE
 * (RISC-V Svadu: G-stage updates follow menvcfg.ADUE, which the firmware
 * owns and S-mode requests with SBI FWFT PTE_AD_HW_UPDATING; henvcfg.ADUE
 * only covers the VS-stage), %AXAS_DIRTY_HW_HD (Arm VTCR_EL2.HD),
 * %AXAS_DIRTY_HW_AMD (nothing: AMD nested paging always sets D), or
 * %AXAS_DIRTY_HW_EPT_AD (EPTP bit 6, which every bound consumer promised
 * with %AXAS_CONSUMER_EPT_AD; it is not optional there: a clean EPT leaf
 * is writable, and without A/D the write would not be seen). Without the
 * first three the write faults and is logged the same way.
 *
 * While pages are tracked the answer is the mode tracking started with;
 * with nothing tracked, the mode tracking would start with now (a bind
 * or unbind may change it).
 *
 * Context: any; takes no lock.
 */
u32 axas_dirty_hw_needs(struct axas_aspace *as)
{
	if (!axas_dirty_npt_flags(as))
		return AXAS_DIRTY_HW_NONE;
	switch (as->npt.fmt->id) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		return AXAS_DIRTY_HW_EPT_AD;
	case AXAS_FMT_ARM_S2:
		return AXAS_DIRTY_HW_HD;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		return AXAS_DIRTY_HW_AMD;
	default:
		return AXAS_DIRTY_HW_ADUE;
	}
}
EXPORT_SYMBOL_GPL(axas_dirty_hw_needs);
