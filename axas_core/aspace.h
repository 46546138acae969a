/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_core private state of an address space. Only axas_core/ and the
 * KUnit suites include this header.
 */
#ifndef _AXAS_CORE_ASPACE_H
#define _AXAS_CORE_ASPACE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/seqlock.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/xarray.h>
#include <linux/axas.h>

#include "axas_npt/npt.h"

/* Permission and memory-type bits a region gives its leaves. */
#define AXAS_REGION_PROT_MASK	AXAS_NPT_PROT_MASK
#define AXAS_PERM_MASK		AXAS_NPT_PERM_MASK

/**
 * struct axas_region - one region of an address space
 * @rb: node in &axas_aspace.regions
 * @link: entry of a list of regions being replaced or prepared
 * @rcu: frees the region after lockless readers are done with it
 * @start: first guest-physical address
 * @end: first guest-physical address after the region
 * @hpa: linear regions: host-physical address of @start
 * @kind: AXAS_REGION_LINEAR or AXAS_REGION_ALLOC
 * @prot: AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED given to its leaves
 * @flags: AXAS_MAP_POPULATE, AXAS_MAP_HUGE or AXAS_MAP_NOHUGE as the region
 *	was mapped
 * @user_va: user regions: the VMM address @start maps
 * @pin: user regions: the pinned pages (shared by the pieces of a split)
 *
 * @start, @end, @hpa, @kind and @flags never change once the region is in
 * the tree (lockless readers use them): a split replaces it by new regions.
 * @prot is read under the lock, except by translate (READ_ONCE()).
 */
struct axas_region {
	struct rb_node rb;
	struct list_head link;
	struct rcu_head rcu;
	u64 start;
	u64 end;
	u64 hpa;
	u32 kind;
	u32 prot;
	u32 flags;
	u64 user_va;
	struct axas_pin *pin;
};

/**
 * struct axas_pin - pages of one AXAS_IOC_MAP_USER call, pinned long-term
 * @ref: one per region holding a part of them
 * @va: the VMM address of @pages[0]
 * @nr: entries of @pages
 * @writable: pinned with FOLL_WRITE (unpinned dirty)
 * @user: charged for the pins (RLIMIT_MEMLOCK), or NULL (CAP_IPC_LOCK)
 * @mm: the pinning process's mm (its pinned_vm counts them)
 * @pages: the pinned pages; each is unpinned when its gpa is unmapped
 */
struct axas_pin {
	struct kref ref;
	u64 va;
	unsigned long nr;
	bool writable;
	struct user_struct *user;
	struct mm_struct *mm;
	struct page **pages;
};

/**
 * struct axas_aspace - a guest address space
 * @ref: references; the last axas_aspace_put() tears the space down
 * @writer: serialises writers (map, unmap, protect, clear) for their whole
 *	run, while they drop and retake @lock every 2 MiB of table walked
 *	(KVM's slots_lock to its mmu_lock); taken before @lock
 * @lock: faults and guest memory access take it for reading; writers (under
 *	@writer), dump and (un)registration take it for writing
 * @npt: the nested page table
 * @base: first guest-physical address of the space
 * @size: bytes covered
 * @regions: regions ordered by address; written under @lock held for
 *	writing inside @seq write sections, read under @lock or locklessly
 *	under RCU and @seq (axas_region_find_rcu())
 * @seq: lets lockless readers detect a concurrent change of @regions
 * @dying_start: an unmap in progress is removing [@dying_start,
 *	@dying_end): lookups treat it as a hole while the writer drops @lock
 *	(changed under @lock held for writing, inside @seq write sections)
 * @dying_end: end of that range; equal to @dying_start when none
 * @nr_regions: number of regions
 * @data_pages: pages allocated for alloc regions
 * @tlb_gen: bumped whenever a present leaf is removed or downgraded
 * @consumers: bound &struct axas_consumer, called by axas_tlb_invalidate();
 *	changed under @lock held for writing, walked under @lock (either mode)
 * @inv_ops: hook of axas_register_invalidate(), or NULL (under @lock)
 * @inv_priv: argument of @inv_ops
 * @inv_consumer: the consumer through which @inv_ops is called
 * @acct_vm: the counter data pages are charged to (the creator's
 *	user_struct locked_vm, or @acct_own), or NULL when they are not charged
 *	(an in-kernel creator, or one with CAP_IPC_LOCK)
 * @acct_own: the counter where the kernel has no per-user locked_vm
 * @acct_user: the creator's user, referenced while @acct_vm points into it
 * @acct_limit: pages the counter may reach (RLIMIT_MEMLOCK at creation)
 * @fail_huge: test hook: while nonzero every 2 MiB data page allocation
 *	fails (AXAS_MAP_HUGE regions then fall back to 4 KiB pages)
 * @host_mapping: the VMM mappings of the space (mmap of its fd), or NULL;
 *	removed pages are zapped from it before they are freed
 * @dirty_chunks: dirty tracking state per 32 MiB (dirty.c)
 * @dirty_tracked: pages tracked (changed under the writer)
 * @dirty_logged: write faults dirty tracking resolved
 * @dirty_wp: use write protection even where the format has a hardware
 *	dirty bit (a test hook, set before tracking starts)
 * @dirty_hw: tracking uses the hardware dirty bit; fixed while
 *	@dirty_tracked is nonzero (set when tracking starts from nothing)
 * @nr_consumers: bound consumers (under @lock, like @consumers)
 * @nr_ept_ad: those of them bound with %AXAS_CONSUMER_EPT_AD
 */
struct axas_aspace {
	struct kref ref;
	struct mutex writer;	/* see @writer above */
	struct rw_semaphore lock;
	struct axas_npt npt;
	u64 base;
	u64 size;
	struct rb_root regions;
	seqcount_t seq;
	u64 dying_start;
	u64 dying_end;
	unsigned long nr_regions;
	atomic_long_t data_pages;
	atomic64_t tlb_gen;
	struct list_head consumers;
	const struct axas_invalidate_ops *inv_ops;
	void *inv_priv;
	struct axas_consumer inv_consumer;
	atomic_long_t *acct_vm;
	atomic_long_t acct_own;
	struct user_struct *acct_user;
	unsigned long acct_limit;
	atomic_t fail_huge;
	struct address_space *host_mapping;
	struct xarray dirty_chunks;
	unsigned long dirty_tracked;
	atomic64_t dirty_logged;
	bool dirty_wp;
	bool dirty_hw;
	unsigned int nr_consumers;
	unsigned int nr_ept_ad;
};

/* aspace.c */
#ifdef CONFIG_FAULT_INJECTION
bool axas_should_fail(struct axas_aspace *as);
#else
static inline bool axas_should_fail(struct axas_aspace *as)
{
	return false;
}
#endif
struct page *axas_alloc_data_page(struct axas_aspace *as, gfp_t gfp);
void axas_put_data_page(struct axas_aspace *as, struct page *page);
void axas_put_data_pages(struct axas_aspace *as, struct list_head *pages);
void axas_free_data_pages(struct axas_aspace *as, struct list_head *pages);
void axas_tlb_invalidate(struct axas_aspace *as, u64 gpa, u64 size);
void __axas_aspace_charge_to(struct axas_aspace *as, struct user_struct *user,
			     unsigned long limit);
int axas_charge(struct axas_aspace *as, unsigned long nr);
void axas_uncharge(struct axas_aspace *as, unsigned long nr);
void axas_flush(struct axas_aspace *as, u64 gpa, u64 size,
		struct axas_npt_gather *g);
int axas_writer_lock(struct axas_aspace *as, bool killable);
void axas_writer_unlock(struct axas_aspace *as);

/* guestram.c */
#define AXAS_HUGE_ORDER		9	/* 2 MiB data pages */
#define AXAS_HUGE_SIZE		(PAGE_SIZE << AXAS_HUGE_ORDER)
struct page *axas_alloc_huge_data(struct axas_aspace *as);
void axas_put_data_run(struct axas_aspace *as, struct page *page,
		       unsigned long nr);
void axas_pin_put(struct axas_pin *pin);
void axas_unpin_range(struct axas_aspace *as, const struct axas_region *r,
		      u64 start, u64 end);
void axas_zap_host(struct axas_aspace *as, u64 gpa, u64 size);
bool axas_block_is_huge(const struct axas_region *r, u64 gpa);
int axas_fault_in_locked(struct axas_aspace *as, const struct axas_region *r,
			 u64 gpa, u32 *result);
int axas_map_alloc_huge_populated(struct axas_aspace *as,
				  const struct axas_region *tmpl);

/* dirty.c */
bool axas_dirty_tracked(struct axas_aspace *as, u64 gpa);
bool axas_dirty_leaf_is_clean(struct axas_aspace *as,
			      const struct axas_npt_leaf *leaf);
bool axas_dirty_log_fault(struct axas_aspace *as, u64 gpa, u32 access,
			  u32 *result);
bool axas_dirty_block_tracked(struct axas_aspace *as, u64 gpa, u64 size);
void axas_dirty_forget(struct axas_aspace *as, u64 gpa, u64 end);
void axas_dirty_destroy(struct axas_aspace *as);
bool axas_dirty_hw_ok(struct axas_aspace *as);

/* map.c */
int axas_check_flags(u32 flags, u32 allowed);
int axas_check_range(struct axas_aspace *as, u64 gpa, u64 size);
int axas_add_region(struct axas_aspace *as, const struct axas_region *tmpl,
		    int (*fill)(struct axas_aspace *as,
				const struct axas_region *r, void *arg),
		    void *arg);
/* consumer.c */
int axas_consumer_add(struct axas_aspace *as, struct axas_consumer *c);
void axas_consumer_del(struct axas_aspace *as, struct axas_consumer *c);
u64 axas_consumer_root_reg(struct axas_aspace *as, u64 reg);

/* region.c */
struct axas_region *axas_region_find(struct axas_aspace *as, u64 gpa);
struct axas_region *axas_region_lookup(struct axas_aspace *as, u64 gpa);
void axas_region_set_dying(struct axas_aspace *as, u64 start, u64 end);
struct axas_region *axas_region_first_after(struct axas_aspace *as, u64 gpa);
struct axas_region *axas_region_next(struct axas_region *r);
struct axas_region *axas_region_find_rcu(struct axas_aspace *as, u64 gpa);
bool axas_region_overlaps(struct axas_aspace *as, u64 start, u64 end);
int axas_region_prealloc(struct axas_aspace *as, struct list_head *spare,
			 unsigned int nr);
void axas_region_free_spare(struct list_head *spare);
struct axas_region *axas_region_take(struct list_head *spare);
void axas_region_insert(struct axas_aspace *as, struct axas_region *r);
void axas_region_remove(struct axas_aspace *as, struct axas_region *r);
struct axas_region *axas_region_clone(struct axas_region *r,
				      struct list_head *spare,
				      u64 start, u64 end);
void axas_region_retire(struct axas_region *r);
void axas_region_free_all(struct axas_aspace *as);

/*
 * Allocation-failure injection for the KUnit suites, through the kernel's
 * fault-injection framework: every allocation site of axas_core calls
 * axas_should_fail(), which is should_fail() on the "fail_axas" attribute,
 * so the calling task's fail-nth (/proc/<pid>/task/<tid>/fail-nth) counts
 * them. Without CONFIG_FAULT_INJECTION these compile to nothing and no
 * allocation can be made to fail.
 */
#ifdef CONFIG_FAULT_INJECTION
/**
 * axas_test_fail_nth() - make the @n-th allocation site from now fail
 * @as: the address space (unused: the count belongs to the calling task)
 * @n: 1 fails the next allocation, 0 disables injection
 */
static inline void axas_test_fail_nth(struct axas_aspace *as, int n)
{
	WRITE_ONCE(current->fail_nth, n);
}

/**
 * axas_test_fail_left() - what is left of the count axas_test_fail_nth() set
 * @as: the address space (unused)
 *
 * Return: 0 once the injected failure happened, else the sites still to go.
 */
static inline int axas_test_fail_left(struct axas_aspace *as)
{
	return READ_ONCE(current->fail_nth);
}
#else
static inline void axas_test_fail_nth(struct axas_aspace *as, int n)
{
}

static inline int axas_test_fail_left(struct axas_aspace *as)
{
	return 0;
}
#endif

/**
 * axas_test_fail_huge() - make every 2 MiB data page allocation fail
 * @as: the address space
 * @fail: true to fail them, false to allocate normally
 */
static inline void axas_test_fail_huge(struct axas_aspace *as, bool fail)
{
	atomic_set(&as->fail_huge, fail);
}

/**
 * axas_test_dirty_wp() - make dirty tracking use write protection
 * @as: the address space, before tracking starts
 * @wp: true for write protection even where the format has a hardware
 *	dirty bit
 */
static inline void axas_test_dirty_wp(struct axas_aspace *as, bool wp)
{
	as->dirty_wp = wp;
}

#endif /* _AXAS_CORE_ASPACE_H */
