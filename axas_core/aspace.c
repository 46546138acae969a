// SPDX-License-Identifier: GPL-2.0
/*
 * Address spaces: creation, reference counting and teardown, statistics,
 * the invalidation hook and the table dump.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include "axas_core/user.h"
#include <trace/events/axas.h>
#include <kunit/visibility.h>

/*
 * Allocation-failure injection: table pages, data pages and region
 * structures all call axas_should_fail() before they allocate. With
 * CONFIG_FAULT_INJECTION, a task's fail-nth counts these sites (as
 * iommufd's selftests use it), and /sys/kernel/debug/fail_axas/ sets
 * probability, interval and times for random failures. Production kernels
 * without it pay nothing.
 */
#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(axas_fail_attr);

bool axas_should_fail(struct axas_aspace *as)
{
	return should_fail(&axas_fail_attr, 1);
}
#endif
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static struct dentry *axas_fail_dir;
#endif

/**
 * axas_core_init() - module-wide setup of axas_core
 *
 * Return: 0 (the fault-injection directory is optional).
 */
int axas_core_init(void)
{
#ifdef CONFIG_FAULT_INJECTION
	/* A stack trace per injected failure floods the log of fail-nth loops. */
	axas_fail_attr.verbose = 0;
#endif
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	axas_fail_dir = fault_create_debugfs_attr("fail_axas", NULL,
						  &axas_fail_attr);
	if (IS_ERR(axas_fail_dir))
		axas_fail_dir = NULL;
#endif
	return 0;
}

/**
 * axas_core_exit() - undo axas_core_init()
 */
void axas_core_exit(void)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	debugfs_remove_recursive(axas_fail_dir);
#endif
}

static struct page *axas_alloc_table(void *priv, gfp_t gfp,
				     unsigned int order)
{
	struct axas_aspace *as = priv;

	if (axas_should_fail(as))
		return NULL;
	return alloc_pages(gfp | __GFP_ZERO, order);
}

static void axas_npt_invalidate_hook(void *priv, u64 gpa, u64 size)
{
	axas_tlb_invalidate(priv, gpa, size);
}

/*
 * A writer walk lets faults and host access in every 2 MiB of table: only
 * they can run meanwhile, as other writers wait on as->writer.
 */
static void axas_npt_yield_hook(void *priv)
{
	struct axas_aspace *as = priv;

	lockdep_assert_held(&as->writer);
	up_write(&as->lock);
	cond_resched();
	down_write(&as->lock);
}

/*
 * A fault or a reader waits. (A task that wants the CPU gets it at the
 * yield every 512 entries: yields stay where they are, the tests count on
 * that.)
 */
static bool axas_npt_contended_hook(void *priv)
{
	struct axas_aspace *as = priv;

	return rwsem_is_contended(&as->lock);
}

static const struct axas_npt_ops axas_npt_ops = {
	.alloc = axas_alloc_table,
	.invalidate = axas_npt_invalidate_hook,
	.yield = axas_npt_yield_hook,
	.contended = axas_npt_contended_hook,
};

/*
 * Writers hold as->writer for their whole run and as->lock for writing
 * except while a walk yields. @killable: give up with -EINTR if a fatal
 * signal arrives while waiting.
 */
int axas_writer_lock(struct axas_aspace *as, bool killable)
{
	if (!killable) {
		mutex_lock(&as->writer);
		down_write(&as->lock);
		return 0;
	}
	if (mutex_lock_killable(&as->writer))
		return -EINTR;
	if (down_write_killable(&as->lock)) {
		mutex_unlock(&as->writer);
		return -EINTR;
	}
	return 0;
}

void axas_writer_unlock(struct axas_aspace *as)
{
	up_write(&as->lock);
	mutex_unlock(&as->writer);
}

/*
 * Data pages are kernel memory a caller makes the kernel hold as long as it
 * likes, unswappable: like pinned pages they are charged, as iommufd and
 * io_uring charge theirs, to the creator's user_struct locked_vm against
 * its RLIMIT_MEMLOCK, so one user cannot take the host's memory from the
 * others. Kernels where user_struct has no locked_vm charge a counter of
 * the space itself (a per-space limit).
 */
#if defined(CONFIG_NET) || defined(CONFIG_IO_URING) || \
	defined(CONFIG_VFIO_PCI_ZDEV_KVM) || IS_ENABLED(CONFIG_IOMMUFD) || \
	defined(CONFIG_SECRETMEM)
#define AXAS_USER_LOCKED_VM
#endif

int axas_charge(struct axas_aspace *as, unsigned long nr)
{
	atomic_long_t *vm = as->acct_vm;
	long cur, next;

	if (!vm)
		return 0;
	cur = atomic_long_read(vm);
	do {
		next = cur + nr;
		if ((unsigned long)next > as->acct_limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(vm, &cur, next));
	return 0;
}

void axas_uncharge(struct axas_aspace *as, unsigned long nr)
{
	if (as->acct_vm && nr)
		atomic_long_sub(nr, as->acct_vm);
}

/*
 * Charge data pages from now on to @user (referenced by the caller, the
 * space takes the reference) up to @limit pages. Before any data page
 * exists.
 */
void __axas_aspace_charge_to(struct axas_aspace *as, struct user_struct *user,
			     unsigned long limit)
{
	as->acct_user = user;
	as->acct_limit = limit;
#ifdef AXAS_USER_LOCKED_VM
	as->acct_vm = &user->locked_vm;
#else
	as->acct_vm = &as->acct_own;
#endif
}
EXPORT_SYMBOL_IF_KUNIT(__axas_aspace_charge_to);

/**
 * axas_aspace_charge_caller() - charge the space's data pages to the caller
 * @as: a new address space, without data pages yet
 *
 * From now on every data page (a fault, a populate, a write into a lazy
 * page) is charged to the calling user's locked_vm and fails with -ENOMEM
 * beyond its RLIMIT_MEMLOCK as it was now; a caller with CAP_IPC_LOCK is not
 * charged. Both are decided here, once: whoever holds the space later uses
 * the creator's budget.
 */
void axas_aspace_charge_caller(struct axas_aspace *as)
{
	if (capable(CAP_IPC_LOCK))
		return;
	__axas_aspace_charge_to(as, get_uid(current_user()),
				rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT);
}

/*
 * A zeroed data page charged to the caller's memory cgroup and to the
 * space's locked_vm budget, not counted in data_pages yet.
 * @gfp adds modifiers: a populate passes __GFP_RETRY_MAYFAIL so that a
 * request larger than memory fails with -ENOMEM instead of waking the OOM
 * killer; a guest fault does not, as KVM's do not.
 */
struct page *axas_alloc_data_page(struct axas_aspace *as, gfp_t gfp)
{
	struct page *page;

	if (axas_should_fail(as) || axas_charge(as, 1))
		return NULL;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | gfp);
	if (!page)
		axas_uncharge(as, 1);
	return page;
}

/* Free a data page axas_alloc_data_page() gave, never counted. */
void axas_put_data_page(struct axas_aspace *as, struct page *page)
{
	__free_page(page);
	axas_uncharge(as, 1);
}

/* Free data pages linked through page->lru, never counted. */
void axas_put_data_pages(struct axas_aspace *as, struct list_head *pages)
{
	axas_uncharge(as, list_count_nodes(pages));
	put_pages_list(pages);
}

/*
 * Free data pages linked through page->lru and uncount them. The list goes
 * back to the allocator in batches, as munmap() does with its pages.
 */
void axas_free_data_pages(struct axas_aspace *as, struct list_head *pages)
{
	size_t nr = list_count_nodes(pages);

	atomic_long_sub(nr, &as->data_pages);
	axas_uncharge(as, nr);
	put_pages_list(pages);
}

/**
 * axas_tlb_invalidate() - tell every bound consumer to flush a range
 * @as: the address space
 * @gpa: first guest-physical address of the range
 * @size: bytes in the range
 *
 * The one way an invalidation leaves the core: every break, removal or
 * downgrade of a present entry comes here before the entry's old target
 * (a data page, a table page) may be freed or reused.
 *
 * Context: process context, @as->lock held in either mode. Consumers are
 * added and removed only under the lock held for writing, so the list is
 * stable here, and a consumer whose axas_consumer_unbind() returned is
 * never called again.
 */
void axas_tlb_invalidate(struct axas_aspace *as, u64 gpa, u64 size)
{
	struct axas_consumer *c;

	lockdep_assert_held(&as->lock);
	trace_axas_invalidate(as, gpa, size);
	list_for_each_entry(c, &as->consumers, node)
		c->ops->invalidate(c, gpa, size);
}

/*
 * After a writer changed the table: if a present leaf was removed, lost
 * permissions or changed memory type, bump the generation; invalidate what
 * the walk has not invalidated yet (removed or downgraded leaves, unlinked
 * tables: walk caches may hold those even when no leaf went away), and
 * only then free the unlinked table pages. Data pages are freed by the
 * caller after this returns.
 */
void axas_flush(struct axas_aspace *as, u64 gpa, u64 size,
		struct axas_npt_gather *g)
{
	lockdep_assert_held_write(&as->lock);
	if (g->flush)
		atomic64_inc(&as->tlb_gen);
	if (g->need_inv || !list_empty(&g->tables))
		axas_tlb_invalidate(as, gpa, size);
	g->need_inv = false;
	axas_npt_free_tables(g);
}

/**
 * axas_aspace_create() - create an empty address space
 * @format: an AXAS_FMT_* value (AXAS_FMT_NATIVE picks the host's format)
 * @gpa_bits: guest-physical width, 0 for the format's default
 * @base: first guest-physical address (4 KiB aligned)
 * @size: bytes covered (4 KiB aligned, nonzero, within @gpa_bits)
 *
 * The new space holds no region and only the root of its table. It starts
 * with one reference.
 *
 * Context: may sleep.
 * Return: the address space, or ERR_PTR(-EINVAL) for a bad argument or
 * ERR_PTR(-ENOMEM).
 */
struct axas_aspace *axas_aspace_create(u32 format, u32 gpa_bits, u64 base,
				       u64 size)
{
	struct axas_aspace *as;
	int ret;

	ret = axas_npt_resolve_format(&format, &gpa_bits);
	if (ret)
		return ERR_PTR(ret);
	if (!size || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) ||
	    base + size < base || base + size > BIT_ULL(gpa_bits))
		return ERR_PTR(-EINVAL);

	as = kzalloc(sizeof(*as), GFP_KERNEL_ACCOUNT);
	if (!as)
		return ERR_PTR(-ENOMEM);
	kref_init(&as->ref);
	mutex_init(&as->writer);
	init_rwsem(&as->lock);
	as->base = base;
	as->size = size;
	as->regions = RB_ROOT;
	seqcount_init(&as->seq);
	INIT_LIST_HEAD(&as->consumers);
	atomic_long_set(&as->data_pages, 0);
	atomic64_set(&as->tlb_gen, 0);
	atomic_long_set(&as->acct_own, 0);
	atomic_set(&as->fail_huge, 0);
	xa_init(&as->dirty_chunks);
	atomic64_set(&as->dirty_logged, 0);

	ret = axas_npt_init(&as->npt, format, gpa_bits, &axas_npt_ops, as);
	if (ret) {
		kfree(as);
		return ERR_PTR(ret);
	}
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	axas_npt_set_lock(&as->npt, &as->lock.dep_map);
#endif
	return as;
}
EXPORT_SYMBOL_GPL(axas_aspace_create);

/**
 * axas_aspace_get() - take a reference
 * @as: the address space
 */
void axas_aspace_get(struct axas_aspace *as)
{
	kref_get(&as->ref);
}
EXPORT_SYMBOL_GPL(axas_aspace_get);

static int axas_free_leaf_page(const struct axas_npt_leaf *leaf, void *arg)
{
	struct axas_aspace *as = arg;
	unsigned long nr = leaf->size >> PAGE_SHIFT;

	/* 4 KiB pages, or a 2 MiB page split into 512 at allocation. */
	if (WARN_ON_ONCE(leaf->size > AXAS_HUGE_SIZE))
		return 0;
	axas_put_data_run(as, pfn_to_page(PHYS_PFN(leaf->pa)), nr);
	atomic_long_sub(nr, &as->data_pages);
	return 0;
}

static void axas_aspace_release(struct kref *ref)
{
	struct axas_aspace *as = container_of(ref, struct axas_aspace, ref);
	struct rb_node *n;

	/*
	 * The last reference is gone: no walker, no fault and no lockless
	 * reader can run, and the owner no longer runs guests on the table.
	 * A consumer still bound would be called on freed memory: it must
	 * unbind before it drops its reference. The lock is uncontended; it
	 * keeps the walker contract. The walks reschedule as they go (a
	 * terabyte of 4 KiB pages is a long time) but cannot stop: nobody
	 * would be left to finish them.
	 */
	if (as->inv_ops)
		list_del(&as->inv_consumer.node);
	WARN_ON_ONCE(!list_empty(&as->consumers));
	down_write(&as->lock);
	for (n = rb_first(&as->regions); n; n = rb_next(n)) {
		struct axas_region *r = rb_entry(n, struct axas_region, rb);

		if (r->kind == AXAS_REGION_ALLOC)
			axas_npt_visit_leaves(&as->npt, r->start, r->end - r->start,
					      axas_free_leaf_page, as, 0);
		else if (r->kind == AXAS_REGION_USER)
			axas_unpin_range(as, r, r->start, r->end);
	}
	WARN_ON_ONCE(atomic_long_read(&as->data_pages));
	axas_npt_destroy(&as->npt);
	up_write(&as->lock);
	axas_region_free_all(as);
	axas_dirty_destroy(as);
	if (as->acct_user)
		free_uid(as->acct_user);
	kfree(as);
}

/**
 * axas_aspace_put() - drop a reference
 * @as: the address space
 *
 * The last reference frees every data page, every table page and every
 * region. Table pages may be freed after an RCU grace period: a module that
 * created address spaces must call rcu_barrier() before it is unloaded.
 *
 * Context: may sleep.
 */
void axas_aspace_put(struct axas_aspace *as)
{
	might_sleep();
	kref_put(&as->ref, axas_aspace_release);
}
EXPORT_SYMBOL_GPL(axas_aspace_put);

/**
 * axas_aspace_base() - first guest-physical address of the space
 * @as: the address space
 *
 * Return: the base given to axas_aspace_create().
 */
u64 axas_aspace_base(const struct axas_aspace *as)
{
	return as->base;
}
EXPORT_SYMBOL_GPL(axas_aspace_base);

/**
 * axas_aspace_end() - first guest-physical address after the space
 * @as: the address space
 *
 * Return: base + size.
 */
u64 axas_aspace_end(const struct axas_aspace *as)
{
	return as->base + as->size;
}
EXPORT_SYMBOL_GPL(axas_aspace_end);

/**
 * axas_aspace_size() - bytes the space covers
 * @as: the address space
 *
 * Return: the size given to axas_aspace_create().
 */
u64 axas_aspace_size(const struct axas_aspace *as)
{
	return as->size;
}
EXPORT_SYMBOL_GPL(axas_aspace_size);

/**
 * axas_aspace_contains_range() - is a range inside the space?
 * @as: the address space
 * @gpa: first guest-physical address of the range
 * @size: bytes in the range
 *
 * An empty range is contained when @gpa is inside the space or at its end.
 *
 * Return: true if [@gpa, @gpa + @size) lies within [base, end).
 */
bool axas_aspace_contains_range(const struct axas_aspace *as, u64 gpa,
				u64 size)
{
	return gpa >= as->base && gpa + size >= gpa &&
	       gpa + size <= as->base + as->size &&
	       gpa <= as->base + as->size;
}
EXPORT_SYMBOL_GPL(axas_aspace_contains_range);

/**
 * axas_aspace_root_pa() - physical address of the root table
 * @as: the address space
 *
 * Return: the address of the first page of the root.
 */
phys_addr_t axas_aspace_root_pa(const struct axas_aspace *as)
{
	return as->npt.root_pa;
}
EXPORT_SYMBOL_GPL(axas_aspace_root_pa);

/**
 * axas_aspace_root_reg() - value to load into the table base register
 * @as: the address space
 *
 * Return: an EPTP (bit 6 set while a consumer bound with
 * %AXAS_CONSUMER_EPT_AD), VTTBR_EL2 (VMID 0) or hgatp (VMID 0) value.
 */
u64 axas_aspace_root_reg(const struct axas_aspace *as)
{
	return axas_consumer_root_reg((struct axas_aspace *)as,
				      axas_npt_root_reg(&as->npt));
}
EXPORT_SYMBOL_GPL(axas_aspace_root_reg);

/**
 * axas_aspace_stats() - take a snapshot of the space's counters
 * @as: the address space
 * @st: filled in
 *
 * The counters are read without the lock: each is exact, but they may
 * belong to different instants when other threads change the space.
 */
void axas_aspace_stats(struct axas_aspace *as, struct axas_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->format = as->npt.fmt->id;
	st->levels = as->npt.levels;
	st->gpa_bits = as->npt.gpa_bits;
	st->base = as->base;
	st->size = as->size;
	st->root_pa = as->npt.root_pa;
	st->root_reg = axas_npt_root_reg(&as->npt);
	st->table_pages = atomic_long_read(&as->npt.table_pages);
	st->data_pages = atomic_long_read(&as->data_pages);
	st->nr_regions = READ_ONCE(as->nr_regions);
	st->tlb_gen = atomic64_read(&as->tlb_gen);
}
EXPORT_SYMBOL_GPL(axas_aspace_stats);

struct axas_dump_ctx {
	int (*emit)(void *arg, const struct axas_stats *st, u64 pa,
		    const void *page);
	void *arg;
	struct axas_stats st;
};

static int axas_dump_one(u64 pa, const void *page, void *arg)
{
	struct axas_dump_ctx *ctx = arg;

	return ctx->emit(ctx->arg, &ctx->st, pa, page);
}

/**
 * axas_dump_tables() - hand every table page to a callback
 * @as: the address space
 * @emit: called once per 4 KiB table page (a multi-page root as its
 *	consecutive pages, first page first) with a snapshot of the space's
 *	statistics, the page's physical address and its contents; a nonzero
 *	return stops the dump
 * @arg: first argument of @emit
 *
 * The space's lock is held for writing during the dump, so the table does
 * not change and the snapshot's table_pages equals the number of calls.
 * @emit must not call back into the address space.
 *
 * Context: may sleep; a fatal signal ends the wait for the lock.
 * Return: 0, -EINTR, or the first nonzero value @emit returned.
 */
int axas_dump_tables(struct axas_aspace *as,
		     int (*emit)(void *arg, const struct axas_stats *st,
				 u64 pa, const void *page),
		     void *arg)
{
	struct axas_dump_ctx ctx = { .emit = emit, .arg = arg };
	int ret;

	if (down_write_killable(&as->lock))
		return -EINTR;
	axas_aspace_stats(as, &ctx.st);
	ret = axas_npt_visit_tables(&as->npt, axas_dump_one, &ctx);
	up_write(&as->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_dump_tables);

static void axas_inv_consumer_call(struct axas_consumer *c, u64 gpa, u64 size)
{
	struct axas_aspace *as = container_of(c, struct axas_aspace,
					      inv_consumer);

	as->inv_ops->invalidate(as->inv_priv, gpa, size);
}

static const struct axas_consumer_ops axas_inv_consumer_ops = {
	.invalidate = axas_inv_consumer_call,
};

/**
 * axas_register_invalidate() - install the TLB shootdown hook
 * @as: the address space
 * @ops: the hook; must stay valid until axas_unregister_invalidate()
 * @priv: its argument
 *
 * The single-hook form of axas_consumer_bind(): the hook is one more bound
 * consumer, called with the same ranges and under the same rules.
 *
 * Context: may sleep.
 * Return: 0, -EINVAL without a callback, or -EBUSY if a hook is already
 * registered or dirty tracking uses the EPT D bit (the hook makes no
 * %AXAS_CONSUMER_EPT_AD promise).
 */
int axas_register_invalidate(struct axas_aspace *as,
			     const struct axas_invalidate_ops *ops,
			     void *priv)
{
	int ret = 0;

	if (!ops || !ops->invalidate)
		return -EINVAL;
	down_write(&as->lock);
	if (as->inv_ops) {
		ret = -EBUSY;
	} else {
		as->inv_ops = ops;
		as->inv_priv = priv;
		as->inv_consumer.ops = &axas_inv_consumer_ops;
		as->inv_consumer.flags = 0;
		ret = axas_consumer_add(as, &as->inv_consumer);
		if (ret) {
			as->inv_ops = NULL;
			as->inv_priv = NULL;
		}
	}
	up_write(&as->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_register_invalidate);

/**
 * axas_unregister_invalidate() - remove the TLB shootdown hook
 * @as: the address space
 *
 * When this returns the hook is not running and will not be called again.
 *
 * Context: may sleep.
 */
void axas_unregister_invalidate(struct axas_aspace *as)
{
	down_write(&as->lock);
	if (as->inv_ops)
		axas_consumer_del(as, &as->inv_consumer);
	as->inv_ops = NULL;
	as->inv_priv = NULL;
	up_write(&as->lock);
}
EXPORT_SYMBOL_GPL(axas_unregister_invalidate);
