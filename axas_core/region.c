// SPDX-License-Identifier: GPL-2.0
/*
 * Regions of an address space: an rbtree ordered by address. Regions do not
 * overlap, so ordering by start orders them completely and a lookup finds
 * the only region holding an address.
 *
 * Lock holders walk the tree directly. Lockless readers (translate) walk it
 * under RCU and a sequence count: writers change the tree only inside short
 * write sections with interrupts disabled (so that a reader interrupting a
 * writer on its CPU cannot spin forever), new nodes are fully initialised
 * before they are linked, rotations use WRITE_ONCE() (lib/rbtree.c) so a
 * lockless walk cannot loop, and removed regions are freed after a grace
 * period. A reader that raced with a writer retries.
 *
 * Writers (holding the address space's lock for writing) never modify a
 * region that readers may see: they remove it and insert replacements,
 * freeing the old one after an RCU grace period. Every allocation an
 * operation needs is made before it changes anything, so region updates
 * themselves never fail.
 */
#include <linux/rbtree.h>
#include <linux/seqlock.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "axas_core/aspace.h"

static bool axas_gpa_is_dying(struct axas_aspace *as, u64 gpa)
{
	return gpa >= READ_ONCE(as->dying_start) && gpa < READ_ONCE(as->dying_end);
}

/*
 * The region holding @gpa, or NULL; a range an unmap is removing is a hole
 * already. Caller holds the lock.
 */
struct axas_region *axas_region_find(struct axas_aspace *as, u64 gpa)
{
	lockdep_assert_held(&as->lock);
	if (axas_gpa_is_dying(as, gpa))
		return NULL;
	return axas_region_lookup(as, gpa);
}

/* The region holding @gpa, even one being removed. Caller holds the lock. */
struct axas_region *axas_region_lookup(struct axas_aspace *as, u64 gpa)
{
	struct rb_node *n = as->regions.rb_node;

	lockdep_assert_held(&as->lock);
	while (n) {
		struct axas_region *r = rb_entry(n, struct axas_region, rb);

		if (gpa < r->start)
			n = n->rb_left;
		else if (gpa >= r->end)
			n = n->rb_right;
		else
			return r;
	}
	return NULL;
}

/* The first region ending after @gpa, or NULL. Caller holds the lock. */
struct axas_region *axas_region_first_after(struct axas_aspace *as, u64 gpa)
{
	struct rb_node *n = as->regions.rb_node;
	struct axas_region *found = NULL;

	lockdep_assert_held(&as->lock);
	while (n) {
		struct axas_region *r = rb_entry(n, struct axas_region, rb);

		if (gpa < r->end) {
			found = r;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

struct axas_region *axas_region_next(struct axas_region *r)
{
	struct rb_node *n = rb_next(&r->rb);

	return n ? rb_entry(n, struct axas_region, rb) : NULL;
}

static struct axas_region *axas_region_walk_lockless(struct axas_aspace *as,
						     u64 gpa)
{
	struct rb_node *n = READ_ONCE(as->regions.rb_node);

	while (n) {
		struct axas_region *r = rb_entry(n, struct axas_region, rb);

		if (gpa < r->start)
			n = READ_ONCE(n->rb_left);
		else if (gpa >= r->end)
			n = READ_ONCE(n->rb_right);
		else
			return r;
	}
	return NULL;
}

/*
 * Lockless lookup: the caller holds rcu_read_lock() and may use the region
 * (whose start, end, hpa and kind never change) until it drops it.
 */
struct axas_region *axas_region_find_rcu(struct axas_aspace *as, u64 gpa)
{
	struct axas_region *r;
	unsigned int seq;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "axas: lookup outside RCU");
	do {
		seq = read_seqcount_begin(&as->seq);
		r = axas_region_walk_lockless(as, gpa);
		if (axas_gpa_is_dying(as, gpa))
			r = NULL;
	} while (read_seqcount_retry(&as->seq, seq));
	return r;
}

/*
 * Mark [@start, @end) as being removed (an empty range clears the mark):
 * faults, host access and translate see a hole there from now on, while
 * the unmap tears the table down with the lock dropped now and then.
 */
void axas_region_set_dying(struct axas_aspace *as, u64 start, u64 end)
{
	unsigned long flags;

	lockdep_assert_held_write(&as->lock);
	local_irq_save(flags);
	write_seqcount_begin(&as->seq);
	WRITE_ONCE(as->dying_start, start);
	WRITE_ONCE(as->dying_end, end);
	write_seqcount_end(&as->seq);
	local_irq_restore(flags);
}

/* Does any region intersect [start, end)? */
bool axas_region_overlaps(struct axas_aspace *as, u64 start, u64 end)
{
	struct axas_region *r = axas_region_first_after(as, start);

	return r && r->start < end;
}

/* Allocate @nr regions onto @spare: all of them or none. */
int axas_region_prealloc(struct axas_aspace *as, struct list_head *spare,
			 unsigned int nr)
{
	struct axas_region *r;

	while (nr--) {
		r = NULL;
		if (!axas_should_fail(as))
			r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
		if (!r) {
			axas_region_free_spare(spare);
			return -ENOMEM;
		}
		list_add(&r->link, spare);
	}
	return 0;
}

/* Free regions that were never inserted. */
void axas_region_free_spare(struct list_head *spare)
{
	struct axas_region *r, *tmp;

	list_for_each_entry_safe(r, tmp, spare, link) {
		list_del(&r->link);
		kfree(r);
	}
}

struct axas_region *axas_region_take(struct list_head *spare)
{
	struct axas_region *r;

	r = list_first_entry_or_null(spare, struct axas_region, link);
	if (WARN_ON_ONCE(!r))
		return NULL;
	list_del_init(&r->link);
	return r;
}

void axas_region_insert(struct axas_aspace *as, struct axas_region *r)
{
	struct rb_node **link = &as->regions.rb_node, *parent = NULL;
	unsigned long flags;

	lockdep_assert_held_write(&as->lock);
	while (*link) {
		struct axas_region *cur = rb_entry(*link, struct axas_region, rb);

		parent = *link;
		if (r->start < cur->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	local_irq_save(flags);
	write_seqcount_begin(&as->seq);
	r->rb.__rb_parent_color = (unsigned long)parent;
	r->rb.rb_left = NULL;
	r->rb.rb_right = NULL;
	/*
	 * As rb_link_node_rcu(): a lockless walker that finds the node must
	 * see it complete; pairs with the READ_ONCE() in the lockless walk.
	 */
	smp_store_release(link, &r->rb);
	rb_insert_color(&r->rb, &as->regions);
	write_seqcount_end(&as->seq);
	local_irq_restore(flags);
	WRITE_ONCE(as->nr_regions, as->nr_regions + 1);
}

/* Unlink @r; the caller retires it with axas_region_retire(). */
void axas_region_remove(struct axas_aspace *as, struct axas_region *r)
{
	unsigned long flags;

	lockdep_assert_held_write(&as->lock);
	local_irq_save(flags);
	write_seqcount_begin(&as->seq);
	rb_erase(&r->rb, &as->regions);
	write_seqcount_end(&as->seq);
	local_irq_restore(flags);
	WRITE_ONCE(as->nr_regions, as->nr_regions - 1);
}

/* A copy of @r restricted to [start, end), taken from @spare. */
struct axas_region *axas_region_clone(struct axas_region *r,
				      struct list_head *spare,
				      u64 start, u64 end)
{
	struct axas_region *n = axas_region_take(spare);

	if (!n)
		return NULL;
	n->start = start;
	n->end = end;
	n->hpa = r->kind == AXAS_REGION_LINEAR ? r->hpa + (start - r->start) : 0;
	n->kind = r->kind;
	n->prot = r->prot;
	n->flags = r->flags;
	return n;
}

/* Free a removed region once lockless readers can no longer see it. */
void axas_region_retire(struct axas_region *r)
{
	kfree_rcu(r, rcu);
}

/* Teardown: nobody can look regions up any more. */
void axas_region_free_all(struct axas_aspace *as)
{
	struct axas_region *r, *tmp;

	rbtree_postorder_for_each_entry_safe(r, tmp, &as->regions, rb)
		kfree(r);
	as->regions = RB_ROOT;
	as->nr_regions = 0;
}
