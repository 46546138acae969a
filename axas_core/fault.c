// SPDX-License-Identifier: GPL-2.0
/*
 * Readers: lazy faults (under the lock held for reading, so faults on
 * different pages run in parallel) and translation (lockless, under RCU).
 */
#include <linux/export.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include <trace/events/axas.h>

/*
 * Map a fresh zeroed page at @gpa of lazy region @r. The caller holds the
 * lock for reading or writing. axas_npt_map_page() installs the leaf with a
 * cmpxchg: of two racing faults one maps its page, the other sees -EEXIST,
 * frees its page and reports a spurious fault. This is also how a locked
 * fault learns that the page is there: it descends the table once, and
 * the lockless check before it makes that case a race.
 */
static int axas_fault_in(struct axas_aspace *as,
			 const struct axas_region *r, u64 gpa, u32 *result)
{
	struct page *page;
	int ret;

	lockdep_assert_held(&as->lock);
	page = axas_alloc_data_page(as, 0);
	if (!page)
		return -ENOMEM;
	ret = axas_npt_map_page(&as->npt, gpa & PAGE_MASK, page_to_phys(page),
				r->prot);
	if (ret) {
		axas_put_data_page(as, page);
		if (ret != -EEXIST)
			return ret;
		/* A racing fault, or a populated page that is there. */
		*result = r->flags & AXAS_MAP_POPULATE ? AXAS_FAULT_NOT_LAZY :
							  AXAS_FAULT_SPURIOUS;
		return 0;
	}
	atomic_long_inc(&as->data_pages);
	*result = AXAS_FAULT_HANDLED;
	return 0;
}

/*
 * The first fault in a 2 MiB block of an AXAS_MAP_HUGE region maps a whole
 * 2 MiB page with one leaf, when the block's entry is still empty and a
 * 2 MiB page can be had. Returns -EAGAIN when the caller should map a
 * 4 KiB page instead: the block already has smaller leaves (a fallback or a
 * split), no 2 MiB page was free, or a racing 4 KiB fault took the entry.
 */
static int axas_fault_in_huge(struct axas_aspace *as,
			      const struct axas_region *r, u64 gpa,
			      u32 *result)
{
	u64 blk = ALIGN_DOWN(gpa, AXAS_HUGE_SIZE);
	struct page *page;
	int ret;

	rcu_read_lock();
	ret = axas_npt_probe_level(&as->npt, gpa);
	rcu_read_unlock();
	if (ret < 1)
		return -EAGAIN;
	page = axas_alloc_huge_data(as);
	if (!page)
		return -EAGAIN;
	ret = axas_npt_map_leaf(&as->npt, blk, page_to_phys(page), r->prot, 1);
	if (ret) {
		axas_put_data_run(as, page, 1UL << AXAS_HUGE_ORDER);
		return ret == -EEXIST ? -EAGAIN : ret;
	}
	atomic_long_add(1L << AXAS_HUGE_ORDER, &as->data_pages);
	*result = AXAS_FAULT_HANDLED;
	return 0;
}

/**
 * axas_fault_in_locked() - map the missing page at @gpa of alloc region @r
 * @as: the address space, its lock held for reading or writing
 * @r: the alloc region holding @gpa
 * @gpa: the address
 * @result: AXAS_FAULT_HANDLED; if the page is there already (a racing
 *	fault mapped it first), AXAS_FAULT_SPURIOUS, or AXAS_FAULT_NOT_LAZY
 *	in a populated region
 *
 * The one path by which a page of an alloc region comes into being on
 * demand: guest faults, host writes and the VMM's mmap all use it.
 *
 * Return: 0 or -ENOMEM.
 */
int axas_fault_in_locked(struct axas_aspace *as, const struct axas_region *r,
			 u64 gpa, u32 *result)
{
	int ret;

	/* Tracked pages are logged one by one: no 2 MiB leaf over them. */
	if (axas_block_is_huge(r, gpa) &&
	    !axas_dirty_block_tracked(as, ALIGN_DOWN(gpa, AXAS_HUGE_SIZE),
				      AXAS_HUGE_SIZE)) {
		ret = axas_fault_in_huge(as, r, gpa, result);
		if (ret != -EAGAIN)
			return ret;
	}
	return axas_fault_in(as, r, gpa, result);
}

/*
 * A write on a tracked page, under RCU: a clean 4 KiB leaf must be logged
 * (under the lock); any other leaf gets the answer an untracked write
 * would, since the locked path would not log it either.
 */
static bool axas_fault_tracked_rcu(struct axas_aspace *as,
				   const struct axas_region *r, u64 gpa,
				   u32 *result)
{
	struct axas_npt_leaf leaf;

	if (axas_npt_query(&as->npt, gpa, &leaf) ||
	    axas_dirty_leaf_is_clean(as, &leaf))
		return false;
	*result = r->kind != AXAS_REGION_ALLOC || (r->flags & AXAS_MAP_POPULATE) ?
		  AXAS_FAULT_NOT_LAZY : AXAS_FAULT_SPURIOUS;
	return true;
}

/*
 * The answers a fault can have without changing anything, found under RCU
 * with no lock: no region, a forbidden access, memory that is not lazy, a
 * page already there. The region is read under the sequence count, so it
 * is the one a locked lookup would find at some instant between the two
 * counter reads; the leaf is looked up inside that window too. A write on
 * a clean tracked page goes the locked way (it has to be logged), and so
 * does a lazy page that is missing. A write on a tracked page that is dirty
 * already is answered here as on an untracked one: under the lock it would
 * not be logged either. Any answer given here is the one the locked path
 * would have given at that instant; a racing writer can at worst make it a
 * spurious one, which the guest resolves by retrying.
 *
 * Return: true if @result is set.
 */
static bool axas_fault_lockless(struct axas_aspace *as, u64 gpa, u32 access,
				u32 *result)
{
	struct axas_npt_leaf leaf;
	struct axas_region *r;
	unsigned int seq;
	bool done;

	rcu_read_lock();
	do {
		seq = read_seqcount_begin(&as->seq);
		done = true;
		r = axas_region_find_rcu(as, gpa);
		if (!r)
			*result = AXAS_FAULT_NOT_MAPPED;
		else if (access & ~READ_ONCE(r->prot))
			*result = AXAS_FAULT_PERM;
		else if ((access & AXAS_MAP_WRITE) &&
			 axas_dirty_tracked(as, gpa))
			done = axas_fault_tracked_rcu(as, r, gpa, result);
		else if (r->kind != AXAS_REGION_ALLOC)
			*result = AXAS_FAULT_NOT_LAZY;
		else if (!axas_npt_query(&as->npt, gpa, &leaf))
			*result = r->flags & AXAS_MAP_POPULATE ?
				  AXAS_FAULT_NOT_LAZY : AXAS_FAULT_SPURIOUS;
		else
			done = false;
	} while (read_seqcount_retry(&as->seq, seq));
	rcu_read_unlock();
	return done;
}

/**
 * axas_handle_page_fault() - resolve a second-stage fault
 * @as: the address space
 * @gpa: the faulting guest-physical address (any alignment)
 * @access: AXAS_MAP_READ/WRITE/EXEC bits the guest needed (nonzero)
 * @result: set to an AXAS_FAULT_* value when 0 is returned
 *
 * Checks, in order: no region holds @gpa (%AXAS_FAULT_NOT_MAPPED); the
 * region forbids @access (%AXAS_FAULT_PERM); a write on a page that dirty
 * tracking made clean (%AXAS_FAULT_LOGGED: the page is marked dirty and
 * writable again, so the next write needs no fault); the region is linear or user
 * memory, or populated and the page is there (%AXAS_FAULT_NOT_LAZY); the
 * page is already mapped (%AXAS_FAULT_SPURIOUS: the page and its contents
 * are kept); otherwise a zeroed page is allocated and mapped with the
 * region's permissions (%AXAS_FAULT_HANDLED) - a 2 MiB page under one leaf
 * for the first fault in a 2 MiB block of an %AXAS_MAP_HUGE region, when
 * one can be had. A populated page that axas_discard() freed is lazy. Of
 * two faults racing on one page, one maps a page and the other reports
 * %AXAS_FAULT_SPURIOUS.
 *
 * Context: may sleep; a fatal signal ends the wait for the lock. Only a
 * fault that maps a page or logs a write takes the lock (for reading):
 * the other answers are found under RCU and never wait for a writer.
 * Faults on different pages run in parallel.
 * Return: 0; -EINVAL for a bad @access; -ENOMEM, with nothing changed;
 * -EINTR.
 */
int axas_handle_page_fault(struct axas_aspace *as, u64 gpa, u32 access,
			   u32 *result)
{
	struct axas_region *r;
	int ret = 0;

	if (!access || (access & ~AXAS_PERM_MASK))
		return -EINVAL;

	if (axas_fault_lockless(as, gpa, access, result))
		goto out;
	if (down_read_killable(&as->lock))
		return -EINTR;
	r = axas_region_find(as, gpa);
	if (!r)
		*result = AXAS_FAULT_NOT_MAPPED;
	else if (access & ~r->prot)
		*result = AXAS_FAULT_PERM;
	else if (axas_dirty_log_fault(as, gpa, access, result))
		;	/* a tracked write on a clean page: logged */
	else if (r->kind != AXAS_REGION_ALLOC)
		*result = AXAS_FAULT_NOT_LAZY;
	else	/* lazy, or a populated page given back by a discard */
		ret = axas_fault_in_locked(as, r, gpa, result);
	up_read(&as->lock);
out:
	trace_axas_fault(as, gpa, access, result, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_handle_page_fault);

/**
 * axas_translate() - look a guest-physical address up
 * @as: the address space
 * @gpa: the address (any alignment)
 * @x: filled in on success
 *
 * Walks the table under RCU without taking the lock, so it never waits for
 * a writer; when it races with one it reports either the old or the new
 * mapping, never a region of one with a leaf of the other: the region
 * sequence count is checked again after the table lookup.
 *
 * Context: any context but NMI; does not sleep.
 * Return: 0, or -ENOENT when no leaf maps @gpa (including a lazy page not
 * faulted in yet).
 */
int axas_translate(struct axas_aspace *as, u64 gpa, struct axas_xlate *x)
{
	struct axas_region *r;
	struct axas_npt_leaf leaf;
	unsigned int seq;
	int ret;

	rcu_read_lock();
	do {
		seq = read_seqcount_begin(&as->seq);
		r = axas_region_find_rcu(as, gpa);
		ret = r ? axas_npt_query(&as->npt, gpa, &leaf) : -ENOENT;
		/* A region replaced after the lookup may not go with the leaf. */
	} while (read_seqcount_retry(&as->seq, seq));
	if (!ret) {
		x->hpa = leaf.pa + (gpa - leaf.gpa);
		x->limit = r->end - gpa;
		x->page_size = leaf.size;
		x->prot = leaf.prot & AXAS_REGION_PROT_MASK;
		/* A clean tracked page shows what it may become. */
		if (axas_dirty_tracked(as, gpa))
			x->prot |= READ_ONCE(r->prot) & AXAS_MAP_WRITE;
		x->kind = r->kind;
	}
	rcu_read_unlock();
	return ret ? -ENOENT : 0;
}
EXPORT_SYMBOL_GPL(axas_translate);

/**
 * axas_translate_and_get_limit() - translate and say how far it holds
 * @as: the address space
 * @gpa: the address (any alignment)
 * @hpa: set to the host-physical address of @gpa
 * @limit: set to the bytes from @gpa to the end of its region
 *
 * Host-physical contiguity is only guaranteed up to @limit for linear
 * regions; alloc regions are contiguous within a page.
 *
 * Context: as axas_translate().
 * Return: 0 or -ENOENT.
 */
int axas_translate_and_get_limit(struct axas_aspace *as, u64 gpa,
				 phys_addr_t *hpa, u64 *limit)
{
	struct axas_xlate x;
	int ret;

	ret = axas_translate(as, gpa, &x);
	if (ret)
		return ret;
	*hpa = x.hpa;
	*limit = x.limit;
	return 0;
}
EXPORT_SYMBOL_GPL(axas_translate_and_get_limit);
