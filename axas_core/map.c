// SPDX-License-Identifier: GPL-2.0
/*
 * Writers: map_linear, map_alloc, unmap, protect, clear. Each one holds
 * as->writer for its whole run and the lock for writing, makes every
 * allocation it needs before it changes a region, and either completes or
 * leaves regions, table and page counts as they were.
 *
 * Their table walks drop the lock every 2 MiB of table (the engine calls
 * axas_npt_yield_hook()), so only faults, host access and translate run in
 * between, and each writer keeps what they see consistent: a new region is
 * inserted only once its table is complete; an unmap first marks its range
 * dying (a hole to every lookup), then tears the table down, then cuts the
 * regions; protect gives the regions their new bits before it walks, so a
 * page faulted in meanwhile gets them too.
 *
 * Order of a removal: clear the leaves (axas_npt_unmap) -> bump tlb_gen and call
 * the invalidation hook -> free table pages and data pages. Map, populate
 * and unmap stop on a fatal signal (-EINTR): a map undoes itself, an unmap
 * leaves a prefix of its range removed.
 */
#include <linux/bits.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/axas.h>
#ifdef CONFIG_X86
#include <asm/processor.h>
#endif
#ifdef CONFIG_ARM64
#include <asm/cpufeature.h>
#include <asm/sysreg.h>
#endif

#include "axas_core/aspace.h"
#include "axas_core/user.h"
#include <trace/events/axas.h>
#include <kunit/visibility.h>

/* The widest host-physical address the CPU can emit. */
static unsigned int axas_host_phys_bits(void)
{
#if defined(CONFIG_X86)
	return boot_cpu_data.x86_phys_bits;
#elif defined(CONFIG_ARM64)
	/* ID_AA64MMFR0_EL1.PARange is bits [3:0] (Arm ARM D19.2.64). */
	u64 mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);

	return id_aa64mmfr0_parange_to_phys_shift(mmfr0 & GENMASK_ULL(3, 0));
#elif defined(MAX_PHYSMEM_BITS)
	return MAX_PHYSMEM_BITS;
#else
	return 52;
#endif
}

int axas_check_flags(u32 flags, u32 allowed)
{
	if (flags & ~allowed)
		return -EINVAL;
	if (!(flags & AXAS_PERM_MASK))
		return -EINVAL;
	if ((flags & AXAS_MAP_WRITE) && !(flags & AXAS_MAP_READ))
		return -EINVAL;
	if ((flags & AXAS_MAP_DEVICE) &&
	    (flags & (AXAS_MAP_UNCACHED | AXAS_MAP_EXEC)))
		return -EINVAL;
	return 0;
}

/* What the space's format cannot encode (AMD NPT: execute-only). */
static int axas_check_fmt_prot(struct axas_aspace *as, u32 flags)
{
	return axas_npt_prot_fits(&as->npt, flags & AXAS_REGION_PROT_MASK) ?
	       0 : -EINVAL;
}

int axas_check_range(struct axas_aspace *as, u64 gpa, u64 size)
{
	if (!size || !PAGE_ALIGNED(gpa) || !PAGE_ALIGNED(size))
		return -EINVAL;
	if (gpa + size < gpa || !axas_aspace_contains_range(as, gpa, size))
		return -EINVAL;
	return 0;
}

/*
 * Insert a new region shaped like @tmpl once @fill mapped it: the overlap
 * check, the region structure and @fill all come before anything changes,
 * so any failure leaves the space as it was.
 */
int axas_add_region(struct axas_aspace *as, const struct axas_region *tmpl,
		    int (*fill)(struct axas_aspace *as,
				const struct axas_region *r, void *arg),
		    void *arg)
{
	struct axas_region *r;
	LIST_HEAD(spare);
	int ret;

	ret = axas_writer_lock(as, true);
	if (ret)
		return ret;
	if (axas_region_overlaps(as, tmpl->start, tmpl->end)) {
		ret = -EEXIST;
		goto out;
	}
	ret = axas_region_prealloc(as, &spare, 1);
	if (!ret)
		ret = fill(as, tmpl, arg);
	if (ret)
		goto out;
	r = axas_region_take(&spare);
	r->start = tmpl->start;
	r->end = tmpl->end;
	r->hpa = tmpl->hpa;
	r->kind = tmpl->kind;
	r->prot = tmpl->prot;
	r->flags = tmpl->flags;
	/* A user region takes over the caller's reference on the pin. */
	r->user_va = tmpl->user_va;
	r->pin = tmpl->pin;
	axas_region_insert(as, r);
out:
	axas_region_free_spare(&spare);
	axas_writer_unlock(as);
	trace_axas_map(as, tmpl, ret);
	return ret;
}

static int axas_fill_linear(struct axas_aspace *as,
			    const struct axas_region *r, void *arg)
{
	unsigned int flags = AXAS_NPT_WALK_YIELD | AXAS_NPT_WALK_KILLABLE;

	if (r->flags & AXAS_MAP_NOHUGE)
		flags |= AXAS_NPT_MAP_NOHUGE;
	return axas_npt_map(&as->npt, r->start, r->hpa, r->end - r->start, r->prot,
			    flags);
}

/**
 * axas_map_linear() - map guest-physical to host-physical at a fixed offset
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @hpa: host-physical address @gpa maps to (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero)
 * @flags: AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED and AXAS_MAP_NOHUGE
 *
 * Uses 2 MiB and 1 GiB leaves wherever the alignment of @gpa and @hpa
 * allows, unless %AXAS_MAP_NOHUGE is given. In-kernel callers are trusted
 * with any host range; the character device goes through
 * axas_map_linear_caller(), which applies /dev/mem's rules.
 *
 * Context: may sleep.
 * Return: 0; -EINVAL for a bad range or flag combination (SPEC section 4),
 * -EEXIST if the range overlaps a region, -ENOMEM when table pages could
 * not be allocated, -EINTR on a fatal signal. On error nothing changed.
 */
int axas_map_linear(struct axas_aspace *as, u64 gpa, u64 hpa, u64 size,
		    u32 flags)
{
	return axas_map_linear_caller(as, gpa, hpa, size, flags, 0);
}
EXPORT_SYMBOL_GPL(axas_map_linear);

/*
 * axas_map_linear() for @caller (AXAS_CALLER_*): every argument check comes
 * first (-EINVAL), then the caller's right to the host range (-EPERM,
 * axas_linear_host_check()), then the overlap (-EEXIST).
 */
int axas_map_linear_caller(struct axas_aspace *as, u64 gpa, u64 hpa,
			   u64 size, u32 flags, unsigned int caller)
{
	unsigned int phys_bits = axas_host_phys_bits();
	const struct axas_region tmpl = {
		.start = gpa, .end = gpa + size, .hpa = hpa,
		.kind = AXAS_REGION_LINEAR,
		.prot = flags & AXAS_REGION_PROT_MASK,
		.flags = flags & AXAS_MAP_NOHUGE,
	};
	int ret;

	ret = axas_check_flags(flags, AXAS_REGION_PROT_MASK | AXAS_MAP_NOHUGE);
	if (!ret)
		ret = axas_check_fmt_prot(as, flags);
	if (!ret)
		ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;
	if (!PAGE_ALIGNED(hpa) || hpa + size < hpa ||
	    (phys_bits < 64 && hpa + size > BIT_ULL(phys_bits)))
		return -EINVAL;
	ret = axas_linear_host_check(hpa, size, caller);
	if (ret)
		return ret;

	return axas_add_region(as, &tmpl, axas_fill_linear, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(axas_map_linear_caller);

/* The pages of a populate, handed to axas_npt_map_each() in list order. */
static u64 axas_populate_next_pa(void *arg, u64 gpa)
{
	struct list_head **pos = arg;

	*pos = (*pos)->next;
	return page_to_phys(list_entry(*pos, struct page, lru));
}

/*
 * The data pages of a populate, allocated before the lock is taken: a large
 * populate does not hold up faults and host access elsewhere in the space.
 */
static int axas_alloc_page_list(struct axas_aspace *as, u64 size,
				struct list_head *pages)
{
	struct page *page;
	u64 done;

	for (done = 0; done < size; done += PAGE_SIZE) {
		if (fatal_signal_pending(current)) {
			put_pages_list(pages);
			return -EINTR;
		}
		page = axas_alloc_data_page(as, __GFP_RETRY_MAYFAIL);
		if (!page) {
			axas_put_data_pages(as, pages);
			return -ENOMEM;
		}
		list_add_tail(&page->lru, pages);
		cond_resched();
	}
	return 0;
}

/*
 * Map the pages of a populate. axas_npt_map_each() allocates its tables before
 * the first leaf is written, and a map stopped by a fatal signal removes
 * and invalidates its leaves before it returns: on failure the pages are
 * still ours to free.
 */
static int axas_fill_alloc(struct axas_aspace *as,
			   const struct axas_region *r, void *arg)
{
	struct list_head *pages = arg, *pos = pages;
	int ret;

	if (!(r->flags & AXAS_MAP_POPULATE))
		return 0;
	ret = axas_npt_map_each(&as->npt, r->start, r->end - r->start, r->prot,
				axas_populate_next_pa, &pos,
				AXAS_NPT_WALK_YIELD | AXAS_NPT_WALK_KILLABLE);
	if (ret)
		return ret;
	/* The table owns the pages now; their lru is free for later lists. */
	INIT_LIST_HEAD(pages);
	atomic_long_add((r->end - r->start) >> PAGE_SHIFT, &as->data_pages);
	return 0;
}

/**
 * axas_map_alloc() - create a region backed by pages of the page allocator
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero)
 * @flags: AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED, AXAS_MAP_POPULATE and
 *	AXAS_MAP_HUGE
 *
 * Pages are zeroed and charged to the caller's memory cgroup. With
 * %AXAS_MAP_HUGE every 2 MiB aligned block wholly inside the region is
 * backed by one 2 MiB page under one 2 MiB leaf where the page allocator has
 * one to give (else by 4 KiB pages, silently). With
 * %AXAS_MAP_POPULATE every page is allocated and mapped (with 4 KiB leaves)
 * before this returns; without it nothing is allocated, not even table
 * pages, until axas_handle_page_fault() or a guest memory write touches a
 * page. A populate larger than the memory available fails with -ENOMEM
 * (after undoing what it did) rather than invoking the OOM killer.
 *
 * Context: may sleep.
 * Return: 0, -EINVAL, -EEXIST, -ENOMEM or -EINTR as axas_map_linear(). On
 * error nothing changed.
 */
int axas_map_alloc(struct axas_aspace *as, u64 gpa, u64 size, u32 flags)
{
	const struct axas_region tmpl = {
		.start = gpa, .end = gpa + size,
		.kind = AXAS_REGION_ALLOC,
		.prot = flags & AXAS_REGION_PROT_MASK,
		.flags = flags & (AXAS_MAP_POPULATE | AXAS_MAP_HUGE),
	};
	bool busy;
	LIST_HEAD(pages);
	int ret;

	ret = axas_check_flags(flags, AXAS_REGION_PROT_MASK |
			       AXAS_MAP_POPULATE | AXAS_MAP_HUGE);
	if (!ret)
		ret = axas_check_fmt_prot(as, flags);
	if (!ret)
		ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;

	if (flags & AXAS_MAP_POPULATE) {
		/* Do not allocate a whole populate just to hit -EEXIST. */
		down_read(&as->lock);
		busy = axas_region_overlaps(as, gpa, gpa + size);
		up_read(&as->lock);
		if (busy)
			return -EEXIST;
	}
	if ((flags & AXAS_MAP_POPULATE) && (flags & AXAS_MAP_HUGE))
		return axas_map_alloc_huge_populated(as, &tmpl);
	if (flags & AXAS_MAP_POPULATE) {
		ret = axas_alloc_page_list(as, size, &pages);
		if (ret)
			return ret;
	}
	ret = axas_add_region(as, &tmpl, axas_fill_alloc, &pages);
	axas_put_data_pages(as, &pages);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_map_alloc);

/* Collects the data pages of removed alloc leaves, to free after a flush. */
struct axas_unmap_ctx {
	struct axas_aspace *as;
	struct axas_region *cur;
	struct list_head pages;
};

static void axas_leaf_removed(const struct axas_npt_leaf *leaf, void *arg)
{
	struct axas_unmap_ctx *ctx = arg;
	struct axas_region *r = ctx->cur;
	struct page *page;
	unsigned long i;

	if (!r || leaf->gpa < r->start || leaf->gpa >= r->end)
		r = axas_region_lookup(ctx->as, leaf->gpa);
	ctx->cur = r;
	/* User pages are unpinned region by region, after the flush. */
	if (WARN_ON_ONCE(!r) || r->kind != AXAS_REGION_ALLOC)
		return;
	/* A 2 MiB alloc page was split at allocation: 512 single pages. */
	page = pfn_to_page(PHYS_PFN(leaf->pa));
	for (i = 0; i < leaf->size >> PAGE_SHIFT; i++)
		list_add_tail(&nth_page(page, i)->lru, &ctx->pages);
}

static void axas_unmap_ctx_init(struct axas_unmap_ctx *ctx,
				struct axas_aspace *as, struct axas_npt_gather *g)
{
	ctx->as = as;
	ctx->cur = NULL;
	INIT_LIST_HEAD(&ctx->pages);
	axas_npt_gather_init(g);
	g->leaf_removed = axas_leaf_removed;
	g->arg = ctx;
}

/* Does an alloc region overlap [@start, @end)? (Regions are stable: as->writer.) */
static bool axas_range_has_alloc(struct axas_aspace *as, u64 start, u64 end)
{
	struct axas_region *r;

	for (r = axas_region_first_after(as, start); r && r->start < end;
	     r = axas_region_next(r))
		if (r->kind == AXAS_REGION_ALLOC)
			return true;
	return false;
}

/**
 * axas_unmap() - remove every mapping of a range
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero)
 *
 * Regions reaching outside the range are cut, huge leaves split; the
 * mappings outside the range translate throughout. Holes are fine. Data
 * pages of alloc regions are freed after the invalidation hook ran.
 *
 * The range is a hole to faults, host access and translate from the start
 * of the call, while the table is torn down with the lock dropped every
 * 2 MiB.
 *
 * Context: may sleep.
 * Return: 0; -EINVAL for a bad range; -ENOMEM when splitting a huge leaf or
 * cutting a region needed memory that could not be allocated, in which case
 * nothing changed; -EINTR on a fatal signal, when a prefix of the range may
 * have been removed (regions cut to match).
 */
int axas_unmap(struct axas_aspace *as, u64 gpa, u64 size)
{
	struct axas_region *r, *next, *piece;
	struct axas_unmap_ctx ctx;
	struct axas_npt_gather g;
	u64 end = gpa + size;
	LIST_HEAD(spare);
	int ret;

	ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;

	ret = axas_writer_lock(as, true);
	if (ret)
		return ret;
	ret = axas_region_prealloc(as, &spare, 2);
	if (ret)
		goto out;
	axas_unmap_ctx_init(&ctx, as, &g);
	/* Only alloc leaves have pages to collect: others need no report. */
	if (!axas_range_has_alloc(as, gpa, end))
		g.leaf_removed = NULL;
	g.flags = AXAS_NPT_WALK_YIELD | AXAS_NPT_WALK_KILLABLE;
	axas_region_set_dying(as, gpa, end);
	ret = axas_npt_unmap(&as->npt, gpa, size, &g);
	if (ret == -EINTR) {
		/* The caller is dying: what was removed stays removed. */
		end = g.stopped_at;
	} else if (ret) {
		axas_region_set_dying(as, 0, 0);
		WARN_ON_ONCE(!list_empty(&ctx.pages) ||
			     !list_empty(&g.tables));
		goto out;
	}

	/*
	 * Invalidate before the region loop: it unpins the pages of user
	 * regions, which no walk cache may reach any more.
	 */
	axas_flush(as, gpa, size, &g);
	axas_zap_host(as, gpa, size);
	for (r = axas_region_first_after(as, gpa); r && r->start < end;
	     r = next) {
		next = axas_region_next(r);
		if (r->kind == AXAS_REGION_USER)
			axas_unpin_range(as, r, max(r->start, gpa),
					 min(r->end, end));
		axas_region_remove(as, r);
		if (r->start < gpa) {
			piece = axas_region_clone(r, &spare, r->start, gpa);
			axas_region_insert(as, piece);
		}
		if (r->end > end) {
			piece = axas_region_clone(r, &spare, end, r->end);
			axas_region_insert(as, piece);
		}
		axas_region_retire(r);
	}
	axas_region_set_dying(as, 0, 0);
	/* Gone pages are not reported; the range stays tracked. */
	axas_dirty_forget(as, gpa, end);
	axas_free_data_pages(as, &ctx.pages);
out:
	axas_region_free_spare(&spare);
	axas_writer_unlock(as);
	trace_axas_unmap(as, gpa, size, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_unmap);

/* Replace @r by pieces so that [start, end) of it gets @prot. */
static void axas_protect_region(struct axas_aspace *as, struct axas_region *r,
				u64 start, u64 end, u32 prot,
				struct list_head *spare)
{
	struct axas_region *piece;

	if (r->start >= start && r->end <= end) {
		/* Only translate reads it locklessly (a u32): change it in place. */
		WRITE_ONCE(r->prot, prot);
		return;
	}
	axas_region_remove(as, r);
	if (r->start < start) {
		piece = axas_region_clone(r, spare, r->start, start);
		axas_region_insert(as, piece);
	}
	piece = axas_region_clone(r, spare, max(start, r->start),
				  min(end, r->end));
	piece->prot = prot;
	axas_region_insert(as, piece);
	if (r->end > end) {
		piece = axas_region_clone(r, spare, end, r->end);
		axas_region_insert(as, piece);
	}
	axas_region_retire(r);
}

/**
 * axas_protect() - change the permissions and memory type of a range
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero)
 * @flags: new AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED bits
 *
 * The range must be covered by regions without a hole. Regions reaching
 * outside it are cut; present leaves get @flags now, pages of lazy regions
 * faulted in later get them too. The invalidation hook runs when a present
 * leaf lost a permission or changed memory type.
 *
 * Context: may sleep.
 * Return: 0; -EINVAL for a bad range or flags; -EINTR on a fatal signal
 * while waiting for other writers; -ENOENT if part of the range
 * is not mapped; -ENOMEM. On error nothing changed.
 */
int axas_protect(struct axas_aspace *as, u64 gpa, u64 size, u32 flags)
{
	return axas_protect_caller(as, gpa, size, flags, 0);
}
EXPORT_SYMBOL_GPL(axas_protect);

/*
 * axas_protect() for @caller (AXAS_CALLER_*): changing the memory type of
 * a linear region changes how host memory is mapped, so a caller acting for
 * userspace needs the right MAP_LINEAR needs (-EPERM, nothing changed).
 */
int axas_protect_caller(struct axas_aspace *as, u64 gpa, u64 size, u32 flags,
			unsigned int caller)
{
	const u32 memtype = AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED;
	struct axas_region *r, *next;
	struct axas_npt_gather g;
	u64 end = gpa + size, pos = gpa;
	LIST_HEAD(spare);
	int ret;

	ret = axas_check_flags(flags, AXAS_REGION_PROT_MASK);
	if (!ret)
		ret = axas_check_fmt_prot(as, flags);
	if (!ret)
		ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;

	ret = axas_writer_lock(as, true);
	if (ret)
		return ret;
	for (r = axas_region_first_after(as, gpa); r && pos < end;
	     r = axas_region_next(r)) {
		if (r->start > pos)
			break;
		/* Pages pinned read-only may be shared: never writable. */
		if (r->kind == AXAS_REGION_USER &&
		    (((flags & AXAS_MAP_WRITE) && !r->pin->writable) ||
		     (flags & AXAS_MAP_DEVICE))) {
			ret = -EINVAL;
			goto out;
		}
		pos = r->end;
		if ((caller & AXAS_CALLER_USER) &&
		    !(caller & AXAS_CALLER_RAWIO) &&
		    r->kind == AXAS_REGION_LINEAR && ((r->prot ^ flags) & memtype))
			ret = -EPERM;
	}
	if (pos < end)
		ret = -ENOENT;
	if (ret)
		goto out;
	/* At most: first region cut in two, last region cut in two. */
	ret = axas_region_prealloc(as, &spare, 4);
	if (ret)
		goto out;
	axas_npt_gather_init(&g);
	g.flags = AXAS_NPT_WALK_YIELD;
	ret = axas_npt_prepare_splits(&as->npt, gpa, size, &g);
	if (ret)
		goto out;
	/* Regions first: a page faulted in while the walk yields gets @flags. */
	for (r = axas_region_first_after(as, gpa); r && r->start < end;
	     r = next) {
		next = axas_region_next(r);
		axas_protect_region(as, r, gpa, end, flags, &spare);
	}
	/* Nothing left to fail: the splits' tables are set aside. */
	WARN_ON_ONCE(axas_npt_protect(&as->npt, gpa, size, flags, &g));
	axas_flush(as, gpa, size, &g);
out:
	axas_region_free_spare(&spare);
	axas_writer_unlock(as);
	trace_axas_protect(as, gpa, size, flags, ret);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(axas_protect_caller);

/**
 * axas_clear() - remove every region and mapping
 * @as: the address space
 *
 * Afterwards the space holds no region, no data page and only the root of
 * its table. The invalidation hook runs if a present leaf was removed. The
 * whole space is a hole to lookups from the start; the table is torn down
 * with the lock dropped every 2 MiB, to the end even if the caller is
 * killed.
 *
 * Context: may sleep.
 */
void axas_clear(struct axas_aspace *as)
{
	struct axas_unmap_ctx ctx;
	struct axas_region *r;
	struct axas_npt_gather g;
	struct rb_node *n;

	axas_writer_lock(as, false);
	axas_unmap_ctx_init(&ctx, as, &g);
	g.flags = AXAS_NPT_WALK_YIELD;
	axas_region_set_dying(as, as->base, as->base + as->size);
	/* Whole leaves only: nothing to split, so this cannot fail. */
	WARN_ON_ONCE(axas_npt_unmap(&as->npt, as->base, as->size, &g));
	axas_flush(as, as->base, as->size, &g);
	axas_zap_host(as, as->base, as->size);
	while ((n = rb_first(&as->regions))) {
		r = rb_entry(n, struct axas_region, rb);
		if (r->kind == AXAS_REGION_USER)
			axas_unpin_range(as, r, r->start, r->end);
		axas_region_remove(as, r);
		axas_region_retire(r);
	}
	axas_region_set_dying(as, 0, 0);
	/* Gone pages are not reported; the range stays tracked. */
	axas_dirty_forget(as, as->base, as->base + as->size);
	axas_free_data_pages(as, &ctx.pages);
	axas_writer_unlock(as);
}
EXPORT_SYMBOL_GPL(axas_clear);
