// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM a VMM can live with: user-memory regions (the VMM's own pages,
 * pinned long-term), 2 MiB alloc pages, discard (the balloon), the region
 * list, and the host side of the VMM's mmap of a space.
 *
 * User regions: the pages are pinned before the lock is taken (pinning
 * takes the caller's mmap_lock, and the VMM's mmap fault path takes ours
 * inside it) and kept in one array per MAP_USER call, struct axas_pin,
 * shared by the pieces an unmap or protect cuts the region into. A page is
 * unpinned when its gpa is unmapped, after the invalidation: the table is
 * the only other place that knows it, and it forgets it first.
 *
 * 2 MiB alloc pages are allocated as one non-compound order-9 block and
 * split_page()d at once: 512 independent pages with a reference each, so
 * that a partial unmap or discard frees exactly the 4 KiB pages it removes
 * and the rest stay mapped under the 4 KiB leaves the split left.
 */
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"

/* Pages pinned per pin_user_pages_fast() call: one page of pointers. */
#define AXAS_PIN_BATCH		(PAGE_SIZE / sizeof(struct page *))

/* The kernel keeps user_struct.locked_vm only when one of these is built. */
#if defined(CONFIG_NET) || defined(CONFIG_IO_URING) || \
	defined(CONFIG_VFIO_PCI_ZDEV_KVM) || IS_ENABLED(CONFIG_IOMMUFD) || \
	defined(CONFIG_SECRETMEM)
#define AXAS_HAVE_USER_LOCKED_VM 1
#endif

/* --- 2 MiB alloc pages ------------------------------------------------- */

/*
 * A zeroed 2 MiB block as 512 pages of their own, charged as 512 data
 * pages, or NULL when none can be had quickly: huge pages are an
 * optimisation, never worth reclaim or a warning.
 */
struct page *axas_alloc_huge_data(struct axas_aspace *as)
{
	struct page *page;

	if (atomic_read(&as->fail_huge) ||
	    axas_charge(as, 1UL << AXAS_HUGE_ORDER))
		return NULL;
	page = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
			   __GFP_NORETRY, AXAS_HUGE_ORDER);
	if (!page) {
		axas_uncharge(as, 1UL << AXAS_HUGE_ORDER);
		return NULL;
	}
	split_page(page, AXAS_HUGE_ORDER);
	return page;
}

/*
 * Free (and uncharge) @nr data pages that follow each other in memory map
 * order; the caller uncounts them from data_pages if they were counted.
 */
void axas_put_data_run(struct axas_aspace *as, struct page *page,
		       unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		__free_page(nth_page(page, i));
	axas_uncharge(as, nr);
}

/* May the 2 MiB block holding @gpa of @r be one 2 MiB page? */
bool axas_block_is_huge(const struct axas_region *r, u64 gpa)
{
	u64 blk = ALIGN_DOWN(gpa, AXAS_HUGE_SIZE);

	return (r->flags & AXAS_MAP_HUGE) && blk >= r->start &&
	       blk + AXAS_HUGE_SIZE <= r->end;
}

/* --- mapping an array of pages ------------------------------------------ */

/**
 * struct axas_page_array - pages to map at consecutive gpas
 * @gpa: the gpa of @pages[0]
 * @nr: entries of @pages
 * @pages: one page per 4 KiB
 * @max_leaf: the largest leaf that may map them
 */
struct axas_page_array {
	u64 gpa;
	unsigned long nr;
	struct page **pages;
	u64 max_leaf;
};

static u64 axas_array_pa(void *arg, u64 gpa)
{
	struct axas_page_array *a = arg;

	return page_to_phys(a->pages[(gpa - a->gpa) >> PAGE_SHIFT]);
}

static bool axas_array_contig(void *arg, u64 gpa, u64 size)
{
	struct axas_page_array *a = arg;
	struct page **p = &a->pages[(gpa - a->gpa) >> PAGE_SHIFT];
	unsigned long pfn = page_to_pfn(p[0]), i;

	if (size > a->max_leaf)
		return false;
	for (i = 1; i < size >> PAGE_SHIFT; i++)
		if (page_to_pfn(p[i]) != pfn + i)
			return false;
	return true;
}

static int axas_map_array(struct axas_aspace *as, const struct axas_region *r,
			  struct axas_page_array *a)
{
	return axas_npt_map_pages(&as->npt, r->start, r->end - r->start,
				  r->prot, axas_array_pa, axas_array_contig, a,
				  AXAS_NPT_WALK_YIELD | AXAS_NPT_WALK_KILLABLE);
}

/* --- populate of an AXAS_MAP_HUGE region -------------------------------- */

static void axas_huge_free_array(struct axas_aspace *as,
				 struct axas_page_array *a)
{
	unsigned long i;

	for (i = 0; i < a->nr && a->pages[i]; i++)
		axas_put_data_page(as, a->pages[i]);
	kvfree(a->pages);
	a->pages = NULL;
}

/*
 * Every page of the populate, before the lock is taken: a 2 MiB page for
 * each aligned block that has one to give, 4 KiB pages elsewhere.
 */
static int axas_huge_alloc_array(struct axas_aspace *as, u64 gpa, u64 size,
				 struct axas_page_array *a)
{
	struct page *page;
	unsigned long i, k;

	a->gpa = gpa;
	a->nr = size >> PAGE_SHIFT;
	a->max_leaf = AXAS_HUGE_SIZE;
	a->pages = NULL;
	if (!axas_should_fail(as))
		a->pages = kvcalloc(a->nr, sizeof(*a->pages),
				    GFP_KERNEL_ACCOUNT);
	if (!a->pages)
		return -ENOMEM;
	for (i = 0; i < a->nr;) {
		if (fatal_signal_pending(current))
			goto fail;
		if (IS_ALIGNED(gpa + (i << PAGE_SHIFT), AXAS_HUGE_SIZE) &&
		    a->nr - i >= (1UL << AXAS_HUGE_ORDER)) {
			page = axas_alloc_huge_data(as);
			if (page) {
				for (k = 0; k < (1UL << AXAS_HUGE_ORDER); k++)
					a->pages[i++] = nth_page(page, k);
				continue;
			}
		}
		page = axas_alloc_data_page(as, __GFP_RETRY_MAYFAIL);
		if (!page)
			goto fail;
		a->pages[i++] = page;
		cond_resched();
	}
	return 0;
fail:
	axas_huge_free_array(as, a);
	return fatal_signal_pending(current) ? -EINTR : -ENOMEM;
}

static int axas_fill_huge(struct axas_aspace *as, const struct axas_region *r,
			  void *arg)
{
	struct axas_page_array *a = arg;
	int ret;

	ret = axas_map_array(as, r, a);
	if (ret)
		return ret;
	atomic_long_add(a->nr, &as->data_pages);
	/* The table owns the pages now. */
	kvfree(a->pages);
	a->pages = NULL;
	return 0;
}

/**
 * axas_map_alloc_huge_populated() - MAP_ALLOC with HUGE and POPULATE
 * @as: the address space
 * @tmpl: the region to create (checked by the caller)
 *
 * Return: 0, -EEXIST, -ENOMEM or -EINTR, with nothing changed on error.
 */
int axas_map_alloc_huge_populated(struct axas_aspace *as,
				  const struct axas_region *tmpl)
{
	struct axas_page_array a;
	int ret;

	ret = axas_huge_alloc_array(as, tmpl->start, tmpl->end - tmpl->start,
				    &a);
	if (ret)
		return ret;
	ret = axas_add_region(as, tmpl, axas_fill_huge, &a);
	if (a.pages)
		axas_huge_free_array(as, &a);
	return ret;
}

/* --- user memory: pinning and accounting --------------------------------- */

/* Charge @nr pinned pages as iommufd does: user's locked_vm, mm's pinned_vm. */
static int axas_pin_charge(struct axas_pin *pin, unsigned long nr)
{
#ifdef AXAS_HAVE_USER_LOCKED_VM
	unsigned long limit, cur, new;

	if (pin->user) {
		limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_read(&pin->user->locked_vm);
		do {
			new = cur + nr;
			if (new > limit || new < cur)
				return -ENOMEM;
		} while (!atomic_long_try_cmpxchg(&pin->user->locked_vm, &cur,
						  new));
	}
#else
	if (pin->user)
		return -EOPNOTSUPP;
#endif
	atomic64_add(nr, &pin->mm->pinned_vm);
	return 0;
}

static void axas_pin_uncharge(struct axas_pin *pin, unsigned long nr)
{
#ifdef AXAS_HAVE_USER_LOCKED_VM
	if (pin->user &&
	    !WARN_ON_ONCE(atomic_long_read(&pin->user->locked_vm) < nr))
		atomic_long_sub(nr, &pin->user->locked_vm);
#endif
	atomic64_sub(nr, &pin->mm->pinned_vm);
}

/* Unpin (and uncharge) the pages still pinned among [first, first + nr). */
static void axas_pin_release_pages(struct axas_pin *pin, unsigned long first,
				   unsigned long nr)
{
	unsigned long i = first, end = first + nr, run, done = 0;

	while (i < end) {
		if (!pin->pages[i]) {
			i++;
			continue;
		}
		for (run = 1; i + run < end && pin->pages[i + run]; run++)
			;
		unpin_user_pages_dirty_lock(&pin->pages[i], run,
					    pin->writable);
		memset(&pin->pages[i], 0, run * sizeof(*pin->pages));
		done += run;
		i += run;
		cond_resched();
	}
	axas_pin_uncharge(pin, done);
}

static void axas_pin_free(struct kref *ref)
{
	struct axas_pin *pin = container_of(ref, struct axas_pin, ref);

	/* Pages pinned but never mapped: a failed MAP_USER. */
	axas_pin_release_pages(pin, 0, pin->nr);
	kvfree(pin->pages);
	if (pin->user)
		free_uid(pin->user);
	mmdrop(pin->mm);
	kfree(pin);
}

void axas_pin_put(struct axas_pin *pin)
{
	kref_put(&pin->ref, axas_pin_free);
}

/*
 * Unpin the pages of user region @r in [@start, @end): the caller removed
 * their leaves and invalidated. Called with the lock held for writing, or
 * at teardown.
 */
void axas_unpin_range(struct axas_aspace *as, const struct axas_region *r,
		      u64 start, u64 end)
{
	struct axas_pin *pin = r->pin;
	unsigned long first;

	if (WARN_ON_ONCE(!pin || start >= end))
		return;
	first = (r->user_va + (start - r->start) - pin->va) >> PAGE_SHIFT;
	axas_pin_release_pages(pin, first, (end - start) >> PAGE_SHIFT);
}

/*
 * Pin [va, va + size) of the current process, in pieces, charging the pins
 * first (so an over-limit request pins nothing).
 */
static struct axas_pin *axas_pin_user(u64 va, u64 size, bool writable)
{
	unsigned int gup = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);
	unsigned long done = 0, n;
	struct axas_pin *pin;
	int ret, got;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	kref_init(&pin->ref);
	pin->va = va;
	pin->nr = size >> PAGE_SHIFT;
	pin->writable = writable;
	pin->mm = current->mm;
	mmgrab(pin->mm);
	pin->pages = kvcalloc(pin->nr, sizeof(*pin->pages), GFP_KERNEL_ACCOUNT);
	if (!pin->pages) {
		mmdrop(pin->mm);
		kfree(pin);
		return ERR_PTR(-ENOMEM);
	}
	/* As iommufd: CAP_IPC_LOCK is not charged to RLIMIT_MEMLOCK. */
	if (!capable(CAP_IPC_LOCK))
		pin->user = get_uid(current_user());
	ret = axas_pin_charge(pin, pin->nr);
	if (ret) {
		/* Nothing charged: charge nothing back. */
		pin->nr = 0;
		axas_pin_put(pin);
		return ERR_PTR(ret);
	}
	while (done < pin->nr) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		n = min_t(unsigned long, pin->nr - done, AXAS_PIN_BATCH);
		got = pin_user_pages_fast(va + (done << PAGE_SHIFT), n, gup,
					  &pin->pages[done]);
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			break;
		}
		done += got;
		cond_resched();
	}
	if (ret) {
		/* Unpin what was pinned; uncharge the rest by hand. */
		axas_pin_uncharge(pin, pin->nr - done);
		axas_pin_put(pin);
		return ERR_PTR(ret);
	}
	return pin;
}

static int axas_fill_user(struct axas_aspace *as, const struct axas_region *r,
			  void *arg)
{
	struct axas_pin *pin = arg;
	struct axas_page_array a = {
		.gpa = r->start, .nr = pin->nr, .pages = pin->pages,
		.max_leaf = SZ_1G,
	};

	return axas_map_array(as, r, &a);
}

/**
 * axas_map_user() - make the calling process's memory guest RAM
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero)
 * @user_va: address of the memory in the current process (4 KiB aligned)
 * @flags: AXAS_MAP_READ/WRITE/EXEC/UNCACHED
 *
 * The pages are pinned long-term (write-faulted first when %AXAS_MAP_WRITE
 * is given, so no copy-on-write ever separates guest and process) and
 * charged to the caller's RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK, as
 * iommufd charges them. 2 MiB and 1 GiB leaves map physically contiguous,
 * aligned runs (hugetlbfs, THP). Unmapping a page, or the last reference
 * to the space, unpins it. Pinning works in pieces and stops on a fatal
 * signal.
 *
 * Context: process context, may sleep; must not hold the space's lock.
 * Return: 0; -EINVAL for bad arguments; -EEXIST for an overlap; -EFAULT
 * when part of the range is not mapped (or not writable for
 * %AXAS_MAP_WRITE); -ENOMEM over RLIMIT_MEMLOCK or out of memory; -EINTR.
 * On error nothing is mapped, pinned or charged.
 */
int axas_map_user(struct axas_aspace *as, u64 gpa, u64 size, u64 user_va,
		  u32 flags)
{
	struct axas_region tmpl = {
		.start = gpa, .end = gpa + size,
		.kind = AXAS_REGION_USER,
		.prot = flags & AXAS_REGION_PROT_MASK,
		.user_va = user_va,
	};
	struct axas_pin *pin;
	bool busy;
	int ret;

	ret = axas_check_flags(flags, AXAS_PERM_MASK | AXAS_MAP_UNCACHED);
	if (!ret && !axas_npt_prot_fits(&as->npt, flags & AXAS_REGION_PROT_MASK))
		ret = -EINVAL;
	if (!ret)
		ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;
	if (!PAGE_ALIGNED(user_va) || user_va + size < user_va)
		return -EINVAL;
	if (!current->mm)
		return -EFAULT;

	down_read(&as->lock);
	busy = axas_region_overlaps(as, gpa, gpa + size);
	up_read(&as->lock);
	if (busy)
		return -EEXIST;

	pin = axas_pin_user(user_va, size, flags & AXAS_MAP_WRITE);
	if (IS_ERR(pin))
		return PTR_ERR(pin);
	tmpl.pin = pin;
	ret = axas_add_region(as, &tmpl, axas_fill_user, pin);
	if (ret)
		axas_pin_put(pin);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_map_user);

/* --- discard --------------------------------------------------------- */

struct axas_discard_ctx {
	struct axas_aspace *as;
	struct list_head pages;
};

/* A discarded page reads as zeros from now on: a change tracking reports. */
static void axas_discard_leaf(const struct axas_npt_leaf *leaf, void *arg)
{
	struct axas_discard_ctx *ctx = arg;
	struct page *page = pfn_to_page(PHYS_PFN(leaf->pa));
	unsigned long i;

	for (i = 0; i < leaf->size >> PAGE_SHIFT; i++)
		list_add_tail(&nth_page(page, i)->lru, &ctx->pages);
	axas_mark_dirty(ctx->as, leaf->gpa, leaf->size);
}

/**
 * axas_discard() - free the pages of alloc regions in a range (the balloon)
 * @as: the address space
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero); holes are fine
 *
 * Every allocated page in the range is removed from the table, from the
 * VMM's mappings of the space, and freed; the regions stay and the pages
 * become lazy, even in a populated region: the next fault maps a zeroed
 * page. 2 MiB leaves the range cuts are split; only the removed 4 KiB
 * pages are freed.
 *
 * Context: may sleep.
 * Return: 0; -EINVAL for a bad range or when a linear or user region lies
 * in it; -ENOMEM when a split could not get a table page (nothing changed);
 * -EINTR on a fatal signal (a prefix of the range may be discarded).
 */
int axas_discard(struct axas_aspace *as, u64 gpa, u64 size)
{
	struct axas_discard_ctx ctx = { .as = as };
	struct axas_npt_gather g;
	struct axas_region *r;
	int ret;

	INIT_LIST_HEAD(&ctx.pages);
	ret = axas_check_range(as, gpa, size);
	if (ret)
		return ret;

	ret = axas_writer_lock(as, true);
	if (ret)
		return ret;
	for (r = axas_region_first_after(as, gpa); r && r->start < gpa + size;
	     r = axas_region_next(r)) {
		if (r->kind != AXAS_REGION_ALLOC) {
			ret = -EINVAL;
			goto out;
		}
	}
	axas_npt_gather_init(&g);
	g.leaf_removed = axas_discard_leaf;
	g.arg = &ctx;
	/*
	 * The walk lets faults in every 2 MiB: a page faulted in behind it
	 * stays (a fresh lazy page), one ahead of it is discarded too.
	 */
	g.flags = AXAS_NPT_WALK_YIELD | AXAS_NPT_WALK_KILLABLE;
	ret = axas_npt_unmap(&as->npt, gpa, size, &g);
	if (ret && ret != -EINTR) {
		WARN_ON_ONCE(!list_empty(&ctx.pages) || !list_empty(&g.tables));
		goto out;
	}
	/* -EINTR: the caller is dying; what was discarded stays discarded. */
	axas_flush(as, gpa, size, &g);
	axas_zap_host(as, gpa, size);
	axas_free_data_pages(as, &ctx.pages);
out:
	axas_writer_unlock(as);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_discard);

/* --- the region list --------------------------------------------------- */

/**
 * axas_get_regions() - list the regions of a space in address order
 * @as: the address space
 * @out: room for @max entries (may be NULL when @max is 0)
 * @max: entries available at @out
 * @total: set to the number of regions
 *
 * Writes min(@max, regions) entries. @hpa is filled for linear regions
 * (the caller decides whether to show it), @user_va for user regions.
 *
 * Context: may sleep.
 * Return: 0, or -ENOSPC when @max < *@total (the first @max are written).
 */
int axas_get_regions(struct axas_aspace *as, struct axas_region_info *out,
		     u32 max, u32 *total)
{
	struct axas_region *r;
	u32 n = 0;

	down_read(&as->lock);
	for (r = axas_region_first_after(as, as->base); r;
	     r = axas_region_next(r), n++) {
		if (n >= max)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].gpa = r->start;
		out[n].length = r->end - r->start;
		out[n].hpa = r->kind == AXAS_REGION_LINEAR ? r->hpa : 0;
		out[n].user_va = r->kind == AXAS_REGION_USER ? r->user_va : 0;
		out[n].map_flags = r->prot | r->flags;
		out[n].kind = r->kind;
	}
	up_read(&as->lock);
	*total = n;
	return n > max ? -ENOSPC : 0;
}
EXPORT_SYMBOL_GPL(axas_get_regions);

/* --- the VMM's mmap of a space ----------------------------------------- */

/**
 * axas_set_host_mapping() - tell the space where the VMM maps it
 * @as: the address space
 * @mapping: the address_space of the file the VMM mmaps (file offset =
 *	gpa), or NULL
 *
 * From then on every removal of alloc pages (unmap, discard, clear) zaps
 * them from @mapping with unmap_mapping_range() before they are freed.
 *
 * Context: may sleep.
 */
void axas_set_host_mapping(struct axas_aspace *as,
			   struct address_space *mapping)
{
	down_write(&as->lock);
	WRITE_ONCE(as->host_mapping, mapping);
	up_write(&as->lock);
}
EXPORT_SYMBOL_GPL(axas_set_host_mapping);

/* Called with the lock held for writing, after the invalidation. */
void axas_zap_host(struct axas_aspace *as, u64 gpa, u64 size)
{
	lockdep_assert_held_write(&as->lock);
	if (as->host_mapping)
		unmap_mapping_range(as->host_mapping, gpa, size, 1);
}

/* a page the host may map: alloc regions, not DEVICE */
static bool axas_is_host_ram(const struct axas_region *r)
{
	return r && r->kind == AXAS_REGION_ALLOC && !(r->prot & AXAS_MAP_DEVICE);
}

/*
 * The allocated pages of host RAM in [start, end) but @skip, to @install;
 * the first nonzero return ends the walk. One query per leaf.
 */
static void axas_host_map_around(struct axas_aspace *as, u64 start, u64 end,
				 u64 skip, axas_host_install_t install,
				 void *arg)
{
	struct axas_npt_leaf leaf = { .size = 0 };
	struct axas_region *r = NULL;
	u64 gpa;
	int ret;

	for (gpa = start; gpa < end; gpa += PAGE_SIZE) {
		if (!r || gpa < r->start || gpa >= r->end)
			r = axas_region_find(as, gpa);
		if (!axas_is_host_ram(r) || gpa == skip)
			continue;
		if (gpa < leaf.gpa || gpa - leaf.gpa >= leaf.size) {
			rcu_read_lock();
			ret = axas_npt_query(&as->npt, gpa, &leaf);
			rcu_read_unlock();
			if (ret) {
				leaf.size = 0;
				continue;
			}
		}
		if (install(arg, gpa, PHYS_PFN(leaf.pa + (gpa - leaf.gpa))))
			return;
	}
}

/**
 * axas_host_fault() - give the host the page at @gpa of an alloc region,
 *	and the pages around it that are there
 * @as: the address space
 * @gpa: the address
 * @start: first address of the fault-around window (4 KiB aligned)
 * @end: end of the window; @start == @end for none
 * @install: called with a page's address and frame number, under the
 *	space's lock held for reading: no unmap or discard can free the page
 *	(and zap the host's mappings) before it returned. First for @gpa,
 *	then for each page of the window that is allocated already.
 * @arg: argument of @install
 *
 * A page not allocated yet is allocated exactly as a guest fault would
 * allocate it (the same page is then in the table and in every host
 * mapping). Fault-around allocates nothing: lazy pages, holes, other
 * regions and DEVICE ones in the window are passed over, and a nonzero
 * return of @install for a page of the window ends it. A 4 KiB page
 * allocated for @gpa is a first touch, whose neighbours are most likely
 * lazy too: then the window is not looked at.
 *
 * Context: may sleep; the caller may hold its mmap_lock.
 * Return: what @install returned for @gpa; -EFAULT when @gpa is not in an
 * alloc region (or in a DEVICE one); -ENOMEM.
 */
int axas_host_fault(struct axas_aspace *as, u64 gpa, u64 start, u64 end,
		    axas_host_install_t install, void *arg)
{
	struct axas_npt_leaf leaf;
	struct axas_region *r;
	bool fresh = false;
	u32 result;
	int ret;

	down_read(&as->lock);
	r = axas_region_find(as, gpa);
	if (!axas_is_host_ram(r)) {
		ret = -EFAULT;
		goto out;
	}
	for (;;) {
		rcu_read_lock();
		ret = axas_npt_query(&as->npt, gpa, &leaf);
		rcu_read_unlock();
		if (!ret)
			break;
		ret = axas_fault_in_locked(as, r, gpa, &result);
		if (ret)
			goto out;
		fresh = true;
	}
	ret = install(arg, gpa, PHYS_PFN(leaf.pa + (gpa - leaf.gpa)));
	if (!ret && !(fresh && leaf.size == PAGE_SIZE))
		axas_host_map_around(as, start, end, gpa, install, arg);
out:
	up_read(&as->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_host_fault);
