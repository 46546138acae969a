// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite of the page-table engine (axas_npt), run over every format.
 *
 * Every table the engine builds is judged by the reference decoder of
 * kunit/ref_decode.c, which is written from the architecture manuals and
 * shares no code with the engine: raw entries are compared bit by bit with
 * what the manuals prescribe, and the table pages are counted three ways
 * (npt.table_pages, pages reachable from the root, pages the engine still
 * holds from our allocation hook).
 *
 * The allocation hook keeps its own reference on every page it hands out:
 * a page whose count has dropped back to ours has been freed by the engine.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <uapi/linux/axas.h>

#include "axas_npt/npt.h"
#include "kunit/ref_decode.h"

#define NT_MAX_LEVELS	5
#define NT_PA_BASE	0x5a0000000000ULL	/* 1 GiB aligned, below 2^48 */

struct nt_param {
	u32 format;
	u32 gpa_bits;
	const char *name;
};

static const struct nt_param nt_params[] = {
	{ AXAS_FMT_EPT4, 0, "ept4" },
	{ AXAS_FMT_EPT5, 0, "ept5" },
	{ AXAS_FMT_ARM_S2, 32, "arm_s2-32" },
	{ AXAS_FMT_ARM_S2, 34, "arm_s2-34" },
	{ AXAS_FMT_ARM_S2, 36, "arm_s2-36" },
	{ AXAS_FMT_ARM_S2, 40, "arm_s2-40" },
	{ AXAS_FMT_ARM_S2, 43, "arm_s2-43" },
	{ AXAS_FMT_ARM_S2, 44, "arm_s2-44" },
	{ AXAS_FMT_ARM_S2, 48, "arm_s2-48" },
	{ AXAS_FMT_SV39X4, 0, "sv39x4" },
	{ AXAS_FMT_SV48X4, 0, "sv48x4" },
	{ AXAS_FMT_SV57X4, 0, "sv57x4" },
	{ AXAS_FMT_AMD_NPT4, 0, "amd_npt4" },
	{ AXAS_FMT_AMD_NPT5, 0, "amd_npt5" },
};

KUNIT_ARRAY_PARAM_DESC(nt_fmt, nt_params, name);

/*
 * Every permission/memory-type combination a leaf can carry; on AMD NPT
 * (x86 paging, every leaf readable) all but execute-only.
 */
static const u32 nt_good_prots[] = {
	AXAS_MAP_READ,
	AXAS_MAP_READ | AXAS_MAP_WRITE,
	AXAS_MAP_READ | AXAS_MAP_EXEC,
	AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC,
	AXAS_MAP_EXEC,
	AXAS_MAP_READ | AXAS_MAP_DEVICE,
	AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_DEVICE,
	AXAS_MAP_READ | AXAS_MAP_UNCACHED,
	AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_UNCACHED,
	AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC | AXAS_MAP_UNCACHED,
};

/* W without R, no permission at all, DEVICE with UNCACHED or EXEC. */
static const u32 nt_bad_prots[] = {
	AXAS_MAP_WRITE,
	AXAS_MAP_WRITE | AXAS_MAP_EXEC,
	AXAS_MAP_WRITE | AXAS_MAP_DEVICE,
	0,
	AXAS_MAP_DEVICE,
	AXAS_MAP_READ | AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED,
	AXAS_MAP_READ | AXAS_MAP_EXEC | AXAS_MAP_DEVICE,
	AXAS_MAP_READ | AXAS_MAP_POPULATE,
	AXAS_MAP_READ | BIT(5),
};

/* One table under test, with the allocation hook's bookkeeping. */
struct nt {
	struct kunit *test;
	struct axas_npt npt;
	bool axas_npt_live;
	struct axas_npt_ref_geom g;
	struct xarray pages;	/* pfn -> (head pfn << 4 | order) */
	unsigned long nr_allocs;
	unsigned long fail_at;	/* fail the allocation with this number */
	bool hash_at_fail;	/* hash the table when failing it */
	u64 fail_hash;
	unsigned long unaccounted;
	unsigned long untracked;
	unsigned long double_freed;
	struct nt_bbm *bbm;	/* records what the invalidation hook sees */
	u64 race_gpa;		/* a racer maps this page from inside nt_alloc() */
	u64 race_pa;
	int race_ret;
	unsigned long nr_inv;	/* invalidation hook calls */
};

static u64 nt_size(unsigned int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * level);
}

static u64 nt_top(const struct nt *t)
{
	return 1ULL << t->g.gpa_bits;
}

static void nt_forget(struct nt *t, unsigned long pfn, unsigned int order)
{
	unsigned long flags, i;

	xa_lock_irqsave(&t->pages, flags);
	for (i = 0; i < 1UL << order; i++)
		__xa_erase(&t->pages, pfn + i);
	xa_unlock_irqrestore(&t->pages, flags);
}

static u64 nt_hash(struct nt *t);

static struct page *nt_alloc(void *priv, gfp_t gfp, unsigned int order)
{
	struct nt *t = priv;
	unsigned long pfn, flags, i;
	struct page *page;
	int err = 0;

	t->nr_allocs++;
	if (t->race_gpa) {
		u64 gpa = t->race_gpa;

		/*
		 * A fault on another CPU wins the race: it maps the page
		 * (tables and leaf) between our caller's probe and its
		 * install walk, exactly where a real racer can.
		 */
		t->race_gpa = 0;
		t->race_ret = axas_npt_map_page(&t->npt, gpa, t->race_pa,
						AXAS_MAP_READ);
	}
	if (!(gfp & __GFP_ACCOUNT))
		t->unaccounted++;
	if (t->nr_allocs == t->fail_at) {
		if (t->hash_at_fail)
			t->fail_hash = nt_hash(t);
		return NULL;
	}
	page = alloc_pages(gfp | __GFP_ZERO, order);
	if (!page)
		return NULL;
	get_page(page);
	pfn = page_to_pfn(page);
	xa_lock_irqsave(&t->pages, flags);
	for (i = 0; i < 1UL << order && !err; i++)
		err = xa_err(__xa_store(&t->pages, pfn + i,
					xa_mk_value(pfn << 4 | order),
					GFP_ATOMIC));
	xa_unlock_irqrestore(&t->pages, flags);
	if (err)
		t->untracked++;
	return page;
}

static void nt_invalidate(void *priv, u64 gpa, u64 size);

static const struct axas_npt_ops nt_mm_ops = {
	.alloc = nt_alloc,
	.invalidate = nt_invalidate,
};

/* A table page the engine allocated through us and has not freed. */
static bool nt_page_ok(void *arg, u64 pa)
{
	struct nt *t = arg;
	void *e = xa_load(&t->pages, PHYS_PFN(pa));

	if (!e)
		return false;
	return page_ref_count(pfn_to_page(xa_to_value(e) >> 4)) >= 2;
}

/*
 * Wait for RCU-deferred frees, drop our reference on every page the engine
 * has freed and return how many pages it still holds. With @all, drop our
 * reference on the pages it holds too (teardown).
 */
static long nt_settle(struct nt *t, bool all)
{
	unsigned long pfn, v;
	unsigned int order;
	struct page *head;
	long live = 0;
	void *e;

	rcu_barrier();
	xa_for_each(&t->pages, pfn, e) {
		v = xa_to_value(e);
		if (v >> 4 != pfn)
			continue;
		order = v & 15;
		head = pfn_to_page(pfn);
		if (page_ref_count(head) == 0) {
			t->double_freed++;
		} else if (page_ref_count(head) == 1 || all) {
			if (page_ref_count(head) > 1)
				live += 1L << order;
			put_page(head);
		} else {
			live += 1L << order;
			continue;
		}
		nt_forget(t, pfn, order);
	}
	return live;
}

static void nt_cleanup(void *arg)
{
	struct nt *t = arg;

	if (t->axas_npt_live)
		axas_npt_destroy(&t->npt);
	t->axas_npt_live = false;
	nt_settle(t, true);
	xa_destroy(&t->pages);
}

static struct nt *nt_create(struct kunit *test, u32 format, u32 gpa_bits)
{
	struct nt *t;
	int ret;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->test = test;
	xa_init_flags(&t->pages, XA_FLAGS_LOCK_IRQ);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, nt_cleanup, t),
			0);
	KUNIT_ASSERT_EQ(test, axas_npt_ref_geom_init(&t->g, format, gpa_bits), 0);
	ret = axas_npt_init(&t->npt, format, gpa_bits, &nt_mm_ops, t);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "axas_npt_init(%u, %u)", format,
			    gpa_bits);
	t->axas_npt_live = true;
	return t;
}

static struct nt *nt_create_param(struct kunit *test)
{
	const struct nt_param *p = test->param_value;

	return nt_create(test, p->format, p->gpa_bits);
}

/* Destroy the table; every page it ever allocated must be back. */
static void nt_destroy(struct nt *t)
{
	axas_npt_destroy(&t->npt);
	t->axas_npt_live = false;
	KUNIT_EXPECT_EQ_MSG(t->test, nt_settle(t, false), 0,
			    "axas_npt_destroy() did not free every table page");
	KUNIT_EXPECT_EQ(t->test, t->double_freed, 0);
	KUNIT_EXPECT_EQ(t->test, t->untracked, 0);
	KUNIT_EXPECT_EQ_MSG(t->test, t->unaccounted, 0,
			    "table pages must be charged (__GFP_ACCOUNT)");
}

static long nt_table_pages(struct nt *t)
{
	return atomic_long_read(&t->npt.table_pages);
}

/* ---- the invariant check: every entry, every page ---- */

/*
 * A leaf run: @count leaves of @leaf_size, contiguous in guest-physical and
 * output address, all with @prot.
 */
struct nt_run {
	u64 gpa;
	u64 pa;
	u64 leaf_size;
	unsigned long count;
	u32 prot;
};

struct nt_check {
	struct nt *t;
	const struct nt_run *runs;	/* NULL: do not compare leaves */
	unsigned int nr_runs;
	unsigned int run;
	unsigned long idx;
	struct xarray anc[NT_MAX_LEVELS];	/* tables leaves need */
	unsigned long nr_anc;
	bool failed;
};

static bool nt_pte_ok(struct nt *t, const struct axas_npt_ref_leaf *l)
{
	u64 want = axas_npt_ref_leaf_pte(&t->g, l->pa, l->prot, l->level);
	u64 free = axas_npt_ref_leaf_free_bits(&t->g, l->prot);

	if ((l->pte & ~free) == (want & ~free))
		return true;
	KUNIT_FAIL(t->test,
		   "leaf gpa %#llx level %u: pte %#llx, the manual gives %#llx (free bits %#llx)",
		   l->gpa, l->level, l->pte, want, free);
	return false;
}

static int nt_check_leaf(void *arg, const struct axas_npt_ref_leaf *l)
{
	struct nt_check *c = arg;
	struct nt *t = c->t;
	const struct nt_run *r;
	unsigned int k;
	u64 gpa, pa;
	int err;

	for (k = l->level; k + 1 < t->g.levels; k++) {
		err = xa_insert(&c->anc[k], l->gpa >> (PAGE_SHIFT + 9 * (k + 1)),
				xa_mk_value(1), GFP_KERNEL);
		if (!err)
			c->nr_anc++;
	}
	if (!nt_pte_ok(t, l))
		goto fail;
	if (!c->runs)
		return 0;
	while (c->run < c->nr_runs && c->idx == c->runs[c->run].count) {
		c->run++;
		c->idx = 0;
	}
	if (c->run == c->nr_runs) {
		KUNIT_FAIL(t->test, "unexpected leaf gpa %#llx size %#llx",
			   l->gpa, l->size);
		goto fail;
	}
	r = &c->runs[c->run];
	gpa = r->gpa + c->idx * r->leaf_size;
	pa = r->pa + c->idx * r->leaf_size;
	if (l->gpa != gpa || l->size != r->leaf_size || l->pa != pa ||
	    l->prot != r->prot) {
		KUNIT_FAIL(t->test,
			   "leaf gpa %#llx size %#llx pa %#llx prot %#x; expected gpa %#llx size %#llx pa %#llx prot %#x",
			   l->gpa, l->size, l->pa, l->prot, gpa, r->leaf_size,
			   pa, r->prot);
		goto fail;
	}
	c->idx++;
	return 0;
fail:
	c->failed = true;
	return -EINVAL;
}

/*
 * Walk the whole table with the reference decoder and check: every entry
 * is what the manuals allow, every table pointer targets a page the engine
 * allocated and still holds, the leaves are @runs (if given), and the table
 * pages are exactly the root plus the tables the leaves need (empty tables
 * are freed) = npt.table_pages = pages the engine holds.
 */
static void nt_expect(struct nt *t, const struct nt_run *runs,
		      unsigned int nr_runs)
{
	struct kunit *test = t->test;
	struct nt_check c = {
		.t = t, .runs = runs, .nr_runs = nr_runs,
	};
	struct axas_npt_ref_walk w = {
		.g = &t->g, .page_ok = nt_page_ok, .page_arg = t,
		.leaf = nt_check_leaf, .arg = &c,
	};
	unsigned long want = 0;
	unsigned int k;
	long live;

	for (k = 0; k < NT_MAX_LEVELS; k++)
		xa_init(&c.anc[k]);
	live = nt_settle(t, false);
	axas_npt_ref_walk_all(&w, t->npt.root_pa);
	for (k = 0; k < NT_MAX_LEVELS; k++)
		xa_destroy(&c.anc[k]);

	KUNIT_EXPECT_EQ_MSG(test, w.nr_bad, 0, "%s", w.bad);
	KUNIT_EXPECT_FALSE(test, c.failed);
	if (runs && !c.failed) {
		for (k = 0; k < nr_runs; k++)
			want += runs[k].count;
		KUNIT_EXPECT_EQ_MSG(test, w.nr_leaves, want,
				    "number of leaves");
	}
	KUNIT_EXPECT_EQ_MSG(test, (long)w.nr_tables, nt_table_pages(t),
			    "reachable table pages vs npt.table_pages");
	KUNIT_EXPECT_EQ_MSG(test, (long)w.nr_tables, live,
			    "reachable table pages vs pages the engine holds");
	KUNIT_EXPECT_EQ_MSG(test, w.nr_tables, t->g.root_pages + c.nr_anc,
			    "table pages vs root + tables the leaves need");
}

static void nt_expect_empty(struct nt *t)
{
	nt_expect(t, NULL, 0);
	KUNIT_EXPECT_EQ(t->test, nt_table_pages(t), (long)t->g.root_pages);
}

/* Largest leaves alignment allows: what a range map must produce. */
static unsigned int nt_greedy(struct nt *t, struct nt_run *runs,
			      unsigned int n, unsigned int max, u64 gpa,
			      u64 pa, u64 size, u32 prot, bool nohuge)
{
	struct nt_run *last;
	unsigned int level;
	u64 sz;

	while (size) {
		for (level = nohuge ? 0 : t->g.max_leaf_level; level; level--) {
			sz = nt_size(level);
			if (IS_ALIGNED(gpa | pa, sz) && size >= sz)
				break;
		}
		sz = nt_size(level);
		last = n ? &runs[n - 1] : NULL;
		if (last && last->leaf_size == sz && last->prot == prot &&
		    last->gpa + last->count * sz == gpa &&
		    last->pa + last->count * sz == pa) {
			last->count++;
		} else {
			if (WARN_ON(n == max))
				return n;
			runs[n++] = (struct nt_run){ gpa, pa, sz, 1, prot };
		}
		gpa += sz;
		pa += sz;
		size -= sz;
	}
	return n;
}

/* ---- snapshots: "the table is exactly as before" ---- */

struct nt_snap {
	u64 hash;
	unsigned long tables;
	unsigned long leaves;
	long table_pages;
	long live;
};

static u64 nt_mix(u64 h, u64 v)
{
	return (h ^ v) * 0x100000001b3ULL + (h >> 29);
}

static int nt_snap_table(void *arg, u64 pa, const u64 *page)
{
	u64 *h = arg;
	unsigned int i;

	*h = nt_mix(*h, pa);
	for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
		*h = nt_mix(*h, READ_ONCE(page[i]));
	return 0;
}

/* The contents of every table page, as the reference walker reaches them. */
static u64 nt_hash(struct nt *t)
{
	u64 hash = 0;
	struct axas_npt_ref_walk w = {
		.g = &t->g, .table = nt_snap_table, .arg = &hash,
	};

	axas_npt_ref_walk_all(&w, t->npt.root_pa);
	return hash;
}

static void nt_snap(struct nt *t, struct nt_snap *s)
{
	struct axas_npt_ref_walk w = {
		.g = &t->g, .page_ok = nt_page_ok, .page_arg = t,
		.table = nt_snap_table, .arg = &s->hash,
	};

	memset(s, 0, sizeof(*s));
	s->live = nt_settle(t, false);
	axas_npt_ref_walk_all(&w, t->npt.root_pa);
	KUNIT_EXPECT_EQ_MSG(t->test, w.nr_bad, 0, "%s", w.bad);
	s->tables = w.nr_tables;
	s->leaves = w.nr_leaves;
	s->table_pages = nt_table_pages(t);
}

static bool nt_snap_same(struct nt *t, const struct nt_snap *before,
			 const char *what)
{
	struct nt_snap now;

	nt_snap(t, &now);
	if (!memcmp(&now, before, sizeof(now)))
		return true;
	KUNIT_FAIL(t->test,
		   "%s changed the table: hash %#llx->%#llx tables %lu->%lu leaves %lu->%lu table_pages %ld->%ld held %ld->%ld",
		   what, before->hash, now.hash, before->tables, now.tables,
		   before->leaves, now.leaves, before->table_pages,
		   now.table_pages, before->live, now.live);
	return false;
}

/* ---- engine calls with the bookkeeping every caller must do ---- */

struct nt_removed {
	struct nt *t;
	u64 bytes;
	unsigned long count;
};

static void nt_leaf_removed(const struct axas_npt_leaf *leaf, void *arg)
{
	struct nt_removed *r = arg;

	r->bytes += leaf->size;
	r->count++;
	if (!IS_ALIGNED(leaf->gpa, leaf->size))
		KUNIT_FAIL(r->t->test, "removed leaf gpa %#llx size %#llx",
			   leaf->gpa, leaf->size);
}

static int nt_unmap(struct nt *t, u64 gpa, u64 size, bool *flush,
		    struct nt_removed *rm)
{
	struct axas_npt_gather g;
	int ret;

	axas_npt_gather_init(&g);
	if (rm) {
		rm->t = t;
		g.leaf_removed = nt_leaf_removed;
		g.arg = rm;
	}
	ret = axas_npt_unmap(&t->npt, gpa, size, &g);
	if (flush)
		*flush = g.flush;
	axas_npt_free_tables(&g);
	return ret;
}

static int nt_protect(struct nt *t, u64 gpa, u64 size, u32 prot, bool *flush)
{
	struct axas_npt_gather g;
	int ret;

	axas_npt_gather_init(&g);
	ret = axas_npt_protect(&t->npt, gpa, size, prot, &g);
	if (flush)
		*flush = g.flush;
	axas_npt_free_tables(&g);
	return ret;
}

/* axas_npt_query() must say what the MMU would: compare with the reference. */
static void nt_query_one(struct nt *t, u64 gpa)
{
	struct axas_npt_ref_leaf ref;
	struct axas_npt_leaf leaf;
	int ret, rret;

	rret = axas_npt_ref_translate(&t->g, t->npt.root_pa, gpa, &ref);
	memset(&leaf, 0, sizeof(leaf));
	rcu_read_lock();
	ret = axas_npt_query(&t->npt, gpa, &leaf);
	rcu_read_unlock();
	if (rret == -ENOENT || rret == -ERANGE) {
		KUNIT_EXPECT_LT_MSG(t->test, ret, 0, "axas_npt_query(%#llx)", gpa);
		if (rret == -ENOENT)
			KUNIT_EXPECT_EQ_MSG(t->test, ret, -ENOENT,
					    "axas_npt_query(%#llx)", gpa);
		return;
	}
	KUNIT_ASSERT_EQ_MSG(t->test, rret, 0, "reference walk of %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(t->test, ret, 0, "axas_npt_query(%#llx)", gpa);
	if (ret)
		return;
	KUNIT_EXPECT_EQ_MSG(t->test, leaf.gpa, ref.gpa, "query %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(t->test, leaf.pa, ref.pa, "query %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(t->test, leaf.size, ref.size, "query %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(t->test, leaf.prot, ref.prot, "query %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(t->test, leaf.level, ref.level, "query %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(t->test, leaf.pte, ref.pte, "query %#llx", gpa);
}

/* ---- cross-check of the engine's own walkers against the reference ---- */

struct nt_leaves {
	struct axas_npt_ref_leaf *v;
	unsigned long n, cap, idx;
	struct nt *t;
	bool failed;
};

static int nt_collect_leaf(void *arg, const struct axas_npt_ref_leaf *l)
{
	struct nt_leaves *ls = arg;

	if (ls->n < ls->cap)
		ls->v[ls->n] = *l;
	ls->n++;
	return 0;
}

static int nt_engine_leaf(const struct axas_npt_leaf *leaf, void *arg)
{
	struct nt_leaves *ls = arg;
	const struct axas_npt_ref_leaf *r;

	if (ls->idx >= ls->n) {
		KUNIT_FAIL(ls->t->test, "visit_leaves: extra leaf %#llx",
			   leaf->gpa);
		ls->failed = true;
		return -EINVAL;
	}
	r = &ls->v[ls->idx++];
	if (leaf->gpa != r->gpa || leaf->pa != r->pa ||
	    leaf->size != r->size || leaf->prot != r->prot ||
	    leaf->level != r->level || leaf->pte != r->pte) {
		KUNIT_FAIL(ls->t->test,
			   "visit_leaves: gpa %#llx pa %#llx size %#llx prot %#x pte %#llx; reference gpa %#llx pa %#llx size %#llx prot %#x pte %#llx",
			   leaf->gpa, leaf->pa, leaf->size, leaf->prot,
			   leaf->pte, r->gpa, r->pa, r->size, r->prot, r->pte);
		ls->failed = true;
		return -EINVAL;
	}
	return 0;
}

struct nt_tables {
	struct nt *t;
	struct xarray seen;
	unsigned long n;
	bool failed;
};

static int nt_engine_table(u64 pa, const void *page, void *arg)
{
	struct nt_tables *ts = arg;

	ts->n++;
	if (page != axas_npt_ref_table_va(pa) ||
	    xa_insert(&ts->seen, PHYS_PFN(pa), xa_mk_value(1), GFP_KERNEL)) {
		KUNIT_FAIL(ts->t->test,
			   "visit_tables: page %#llx twice or wrong address",
			   pa);
		ts->failed = true;
	}
	return 0;
}

static int nt_ref_table_seen(void *arg, u64 pa, const u64 *page)
{
	struct nt_tables *ts = arg;

	if (!xa_load(&ts->seen, PHYS_PFN(pa))) {
		KUNIT_FAIL(ts->t->test, "visit_tables missed page %#llx",
			   pa);
		ts->failed = true;
	}
	return 0;
}

static int nt_stop_leaf(const struct axas_npt_leaf *leaf, void *arg)
{
	unsigned long *n = arg;

	return ++*n == 2 ? 77 : 0;
}

/*
 * axas_npt_visit_leaves, axas_npt_visit_tables and axas_npt_query against the reference
 * walker over the whole table.
 */
static void nt_cross_check(struct nt *t)
{
	struct kunit *test = t->test;
	struct nt_leaves ls = { .t = t };
	struct axas_npt_ref_walk w = {
		.g = &t->g, .leaf = nt_collect_leaf, .arg = &ls,
	};
	struct nt_tables ts = { .t = t };
	unsigned long i, n = 0;
	int ret;

	axas_npt_ref_walk_all(&w, t->npt.root_pa);
	ls.cap = ls.n;
	ls.v = kvmalloc_array(max(ls.cap, 1UL), sizeof(*ls.v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ls.v);
	ls.n = 0;
	axas_npt_ref_walk_all(&w, t->npt.root_pa);

	ret = axas_npt_visit_leaves(&t->npt, 0, nt_top(t), nt_engine_leaf, &ls, 0);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (!ls.failed)
		KUNIT_EXPECT_EQ_MSG(test, ls.idx, ls.n,
				    "visit_leaves missed leaves");

	/* A nonzero return stops the walk and is passed back. */
	if (ls.n >= 3) {
		ret = axas_npt_visit_leaves(&t->npt, 0, nt_top(t), nt_stop_leaf,
					    &n, 0);
		KUNIT_EXPECT_EQ(test, ret, 77);
		KUNIT_EXPECT_EQ(test, n, 2);
	}

	/* A sub-range sees exactly the leaves it intersects. */
	if (ls.n >= 4) {
		const struct axas_npt_ref_leaf *a = &ls.v[1], *b = &ls.v[ls.n - 2];
		u64 start = a->gpa + a->size - PAGE_SIZE;
		u64 end = b->gpa + PAGE_SIZE;

		ls.idx = 1;
		ls.failed = false;
		ret = axas_npt_visit_leaves(&t->npt, start, end - start,
					    nt_engine_leaf, &ls, 0);
		KUNIT_EXPECT_EQ(test, ret, 0);
		if (!ls.failed)
			KUNIT_EXPECT_EQ_MSG(test, ls.idx, ls.n - 1,
					    "sub-range visit_leaves [%#llx, %#llx)",
					    start, end);
	}

	/* Query the first and last byte and the middle of every leaf. */
	for (i = 0; i < ls.n; i++) {
		if (ls.n > 2048 && i % 61)
			continue;
		nt_query_one(t, ls.v[i].gpa);
		nt_query_one(t, ls.v[i].gpa + ls.v[i].size - 1);
		nt_query_one(t, ls.v[i].gpa + ls.v[i].size / 2 + 8);
		nt_query_one(t, ls.v[i].gpa + ls.v[i].size);
		if (ls.v[i].gpa)
			nt_query_one(t, ls.v[i].gpa - 1);
	}
	kvfree(ls.v);

	xa_init(&ts.seen);
	ret = axas_npt_visit_tables(&t->npt, nt_engine_table, &ts);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, (long)ts.n, nt_table_pages(t),
			    "visit_tables visits vs table_pages");
	w.leaf = NULL;
	w.table = nt_ref_table_seen;
	w.arg = &ts;
	axas_npt_ref_walk_all(&w, t->npt.root_pa);
	KUNIT_EXPECT_EQ(test, w.nr_tables, ts.n);
	KUNIT_EXPECT_FALSE(test, ts.failed);
	xa_destroy(&ts.seen);
}

/* ---- the cases ---- */

static void nt_new_table(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	const struct axas_npt_ref_geom *g = &t->g;
	u64 root_bytes = (u64)g->root_pages << PAGE_SHIFT;
	struct axas_npt_leaf leaf;
	unsigned long n = 0;
	const char *why;
	unsigned int i;
	int ret;

	KUNIT_EXPECT_EQ(test, t->npt.levels, g->levels);
	KUNIT_EXPECT_EQ(test, t->npt.gpa_bits, g->gpa_bits);
	KUNIT_EXPECT_EQ(test, 1U << t->npt.root_order, g->root_pages);
	KUNIT_EXPECT_EQ(test, axas_npt_root_entries(&t->npt), g->root_entries);
	KUNIT_EXPECT_EQ(test, nt_table_pages(t), (long)g->root_pages);
	KUNIT_EXPECT_EQ_MSG(test, t->nr_allocs, 1,
			    "the root is one allocation of contiguous pages");
	KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(t->npt.root_pa, root_bytes),
			      "root %pa not aligned to %llu bytes",
			      &t->npt.root_pa, root_bytes);
	KUNIT_EXPECT_PTR_EQ(test, (const u64 *)t->npt.root,
			    axas_npt_ref_table_va(t->npt.root_pa));
	for (i = 0; i < g->root_pages; i++)
		KUNIT_EXPECT_NULL(test, memchr_inv((u8 *)t->npt.root +
						   i * PAGE_SIZE, 0,
						   PAGE_SIZE));

	why = axas_npt_ref_check_root_reg(g, t->npt.root_pa,
					  axas_npt_root_reg(&t->npt));
	KUNIT_EXPECT_NULL_MSG(test, why, "root_reg %#llx: %s",
			      axas_npt_root_reg(&t->npt), why);

	nt_expect_empty(t);
	nt_query_one(t, 0);
	nt_query_one(t, SZ_2M + 123);
	nt_query_one(t, nt_top(t) / 2);
	nt_query_one(t, nt_top(t) - 1);
	rcu_read_lock();
	ret = axas_npt_query(&t->npt, nt_top(t), &leaf);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_visit_leaves(&t->npt, 0, nt_top(t),
						    nt_stop_leaf, &n, 0), 0);
	KUNIT_EXPECT_EQ(test, n, 0);
	nt_cross_check(t);
	nt_destroy(t);
}

/* A pa with high bits set, aligned to the leaf at @level. */
static u64 nt_pa(unsigned int level)
{
	u64 pa = NT_PA_BASE | (0x3ULL << 36);

	if (level < 2)
		pa += 0x3a00000;
	if (level < 1)
		pa += 0x75000;
	return pa;
}

/* The manuals let the format express @prot (x86: no unreadable leaf). */
static bool nt_prot_expressible(const struct nt *t, u32 prot)
{
	return !t->g.always_readable || (prot & AXAS_MAP_READ);
}

static void nt_map_leaf(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	unsigned int level, i;
	struct nt_run run;
	bool flush;
	int ret;

	for (level = 0; level <= t->g.max_leaf_level; level++) {
		u64 size = nt_size(level);

		for (i = 0; i < ARRAY_SIZE(nt_good_prots); i++) {
			u32 prot = nt_good_prots[i];
			/* Alternate between the lowest and highest slots. */
			u64 gpa = i & 1 ? size : nt_top(t) - 2 * size;
			u64 pa = nt_pa(level);

			ret = axas_npt_map(&t->npt, gpa, pa, size, prot, 0);
			if (!nt_prot_expressible(t, prot)) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
						    "map level %u prot %#x",
						    level, prot);
				KUNIT_EXPECT_FALSE(test,
						   axas_npt_prot_fits(&t->npt, prot));
				nt_expect_empty(t);
				continue;
			}
			KUNIT_ASSERT_EQ_MSG(test, ret, 0,
					    "map level %u prot %#x", level,
					    prot);
			KUNIT_EXPECT_EQ_MSG(test, nt_table_pages(t),
					    (long)(t->g.root_pages +
						   t->g.levels - 1 - level),
					    "one table per level below the root");
			run = (struct nt_run){ gpa, pa, size, 1, prot };
			nt_expect(t, &run, 1);
			nt_query_one(t, gpa);
			nt_query_one(t, gpa + size - 1);
			nt_query_one(t, gpa + size / 2 + 0x18);
			nt_query_one(t, gpa - 1);
			nt_query_one(t, gpa + size);

			ret = nt_unmap(t, gpa, size, &flush, NULL);
			KUNIT_EXPECT_EQ(test, ret, 0);
			KUNIT_EXPECT_TRUE(test, flush);
			nt_expect_empty(t);
		}
	}
	nt_destroy(t);
}

static void nt_bad_args(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u64 gpa = nt_top(t) / 2, pa = nt_pa(0);
	u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	struct nt_snap before;
	unsigned int i;

	/* Something to protect, so that a bad protect has a victim. */
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, gpa, pa, SZ_16K, rw, 0), 0);
	nt_snap(t, &before);

	for (i = 0; i < ARRAY_SIZE(nt_bad_prots); i++) {
		u32 prot = nt_bad_prots[i];

		KUNIT_EXPECT_EQ_MSG(test, axas_npt_map(&t->npt, gpa + SZ_2M, pa,
						       SZ_4K, prot, 0), -EINVAL,
				    "map prot %#x", prot);
		KUNIT_EXPECT_EQ_MSG(test, axas_npt_map_page(&t->npt, gpa + SZ_2M,
							    pa, prot), -EINVAL,
				    "map_page prot %#x", prot);
		KUNIT_EXPECT_EQ_MSG(test, nt_protect(t, gpa, SZ_16K, prot,
						     NULL), -EINVAL,
				    "protect prot %#x", prot);
		KUNIT_EXPECT_FALSE(test, axas_npt_prot_is_valid(prot));
	}
	for (i = 0; i < ARRAY_SIZE(nt_good_prots); i++)
		KUNIT_EXPECT_TRUE(test, axas_npt_prot_is_valid(nt_good_prots[i]));

	/* Output addresses the format cannot hold. */
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, gpa + SZ_2M,
					   BIT_ULL(t->g.pa_bits) - SZ_4K, SZ_8K, rw,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, gpa + SZ_2M,
					   BIT_ULL(t->g.pa_bits), SZ_4K, rw, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, gpa + SZ_2M,
						BIT_ULL(t->g.pa_bits), rw), -EINVAL);

	/* Unaligned or empty ranges, ranges beyond the width or wrapping. */
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, gpa + SZ_2M + 1, pa, SZ_4K, rw,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, gpa + SZ_2M, pa + 8, SZ_4K, rw,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, gpa + SZ_2M, pa, SZ_4K + 1, rw,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, gpa + SZ_2M, pa, 0, rw, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, nt_top(t), pa, SZ_4K, rw, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, nt_top(t) - SZ_4K, pa, SZ_8K,
					   rw, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, -(u64)SZ_4K, pa, SZ_8K, rw, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, gpa + SZ_2M, -(u64)SZ_4K,
					   SZ_8K, rw, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, gpa + 8, pa, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, nt_top(t), pa, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, gpa + 1, SZ_4K, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, gpa, 0, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, nt_top(t) - SZ_4K, SZ_8K, NULL,
				       NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nt_protect(t, gpa, SZ_4K + 1, rw, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nt_protect(t, gpa + 2, SZ_4K, rw, NULL),
			-EINVAL);
	nt_snap_same(t, &before, "rejected calls");
	nt_destroy(t);
}

/* A 4 GiB window at the top of the guest-physical space. */
static u64 nt_window(const struct nt *t)
{
	return nt_top(t) - SZ_4G;
}

static void nt_map_range(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u64 base = nt_window(t), start, end, pa;
	u32 prot = AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC;
	struct nt_run runs[8];
	unsigned int n;

	/* 2 x 4 KiB, 2 MiB, 1 GiB (or 512 x 2 MiB), 3 x 2 MiB, 3 x 4 KiB */
	start = base + SZ_1G - SZ_2M - SZ_8K;
	end = base + 2ULL * SZ_1G + 3 * SZ_2M + 3 * SZ_4K;
	pa = NT_PA_BASE + (start - base);
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, start, pa, end - start, prot,
					   0), 0);
	n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), start, pa, end - start,
		      prot, false);
	KUNIT_EXPECT_EQ(test, n, t->g.max_leaf_level == 2 ? 5U : 3U);
	KUNIT_EXPECT_EQ(test, runs[0].count, 2);
	KUNIT_EXPECT_EQ(test, runs[n - 1].count, 3);
	nt_expect(t, runs, n);
	nt_cross_check(t);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, start, end - start, NULL, NULL), 0);
	nt_expect_empty(t);

	/* NOHUGE: only 4 KiB leaves, even where 2 MiB would fit. */
	start = base + SZ_2M - SZ_8K;
	end = base + 3 * SZ_2M + SZ_4K;
	pa = NT_PA_BASE + (start - base);
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, start, pa, end - start, prot,
					   AXAS_NPT_MAP_NOHUGE), 0);
	n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), start, pa, end - start,
		      prot, true);
	KUNIT_EXPECT_EQ(test, n, 1);
	nt_expect(t, runs, n);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, start, end - start, NULL, NULL), 0);
	nt_expect_empty(t);

	/*
	 * Across the middle of the root (for a concatenated root, from one
	 * of its pages to the next), to the highest output addresses.
	 */
	start = nt_top(t) / 2 - SZ_2M - SZ_4K;
	pa = BIT_ULL(t->g.pa_bits) - SZ_1G - SZ_2M - SZ_4K;
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, start, pa, SZ_1G + SZ_2M + SZ_4K,
					   prot, 0), 0);
	n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), start, pa,
		      SZ_1G + SZ_2M + SZ_4K, prot, false);
	nt_expect(t, runs, n);
	nt_cross_check(t);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, start, SZ_1G + SZ_2M + SZ_4K, NULL,
				       NULL), 0);
	nt_expect_empty(t);

	/* An output address off by 4 KiB allows no huge leaf either. */
	start = base + SZ_1G;
	pa = NT_PA_BASE + SZ_4K;
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, start, pa, SZ_4M, prot, 0), 0);
	runs[0] = (struct nt_run){ start, pa, SZ_4K, SZ_4M / SZ_4K, prot };
	nt_expect(t, runs, 1);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, start, SZ_4M, NULL, NULL), 0);
	nt_expect_empty(t);
	nt_destroy(t);
}

static void nt_overlap(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u64 x = nt_window(t) + SZ_1G + SZ_4M, pa = NT_PA_BASE;
	u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	struct nt_snap before;
	struct nt_run runs[2];

	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, SZ_2M, rw, 0), 0);
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x + SZ_4M + SZ_4K, pa, SZ_4K,
					   rw, 0), 0);
	runs[0] = (struct nt_run){ x, pa, SZ_2M, 1, rw };
	runs[1] = (struct nt_run){ x + SZ_4M + SZ_4K, pa, SZ_4K, 1, rw };
	nt_expect(t, runs, 2);
	nt_snap(t, &before);

	/* Inside a huge leaf. */
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x + SZ_4K, pa, SZ_4K, rw, 0),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, x + SZ_8K, pa, rw),
			-EEXIST);
	/* Starting in a hole: what was mapped first must be rolled back. */
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x - SZ_8K, pa, SZ_16K, rw, 0),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x - SZ_2M, pa, SZ_4M, rw, 0),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x - SZ_2M, pa, SZ_4M, rw,
					   AXAS_NPT_MAP_NOHUGE), -EEXIST);
	/* A huge leaf over a table that holds one page. */
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x + SZ_4M, pa, SZ_2M, rw, 0),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x + SZ_4M + SZ_4K, pa, SZ_4K,
					   rw, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, x + SZ_4M + SZ_4K, pa,
						rw), -EEXIST);
	/* Ending in the next 1 GiB, after many new leaves. */
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x - SZ_1G - SZ_4M, pa,
					   SZ_1G + SZ_4M + SZ_4K, rw, 0), -EEXIST);
	if (t->g.max_leaf_level == 2)
		KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x - SZ_4M, pa, SZ_1G,
						   rw, 0), -EEXIST);
	nt_snap_same(t, &before, "overlapping maps");
	nt_destroy(t);
}

/* Cut one 4 KiB page out of a huge leaf at each huge level. */
static void nt_unmap_split(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u32 prot = AXAS_MAP_READ | AXAS_MAP_EXEC | AXAS_MAP_UNCACHED;
	struct nt_removed rm = {};
	struct axas_npt_gather gather;
	struct nt_run runs[8];
	unsigned int level, n;
	struct page *page;
	long before;
	bool flush;

	for (level = 1; level <= t->g.max_leaf_level; level++) {
		u64 size = nt_size(level);
		u64 x = nt_window(t) + SZ_2G;
		u64 pa = nt_pa(level);
		u64 hole = x + (level == 2 ? SZ_2M : 0) + 5 * SZ_4K;

		KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, size, prot, 0),
				0);
		runs[0] = (struct nt_run){ x, pa, size, 1, prot };
		nt_expect(t, runs, 1);

		memset(&rm, 0, sizeof(rm));
		KUNIT_EXPECT_EQ(test, nt_unmap(t, hole, SZ_4K, &flush, &rm), 0);
		KUNIT_EXPECT_TRUE(test, flush);
		KUNIT_EXPECT_EQ(test, rm.bytes, SZ_4K);
		KUNIT_EXPECT_EQ(test, rm.count, 1);
		n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), x, pa, hole - x,
			      prot, false);
		n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), hole + SZ_4K,
			      pa + (hole + SZ_4K - x), x + size - hole - SZ_4K,
			      prot, false);
		nt_expect(t, runs, n);
		nt_query_one(t, hole);
		nt_query_one(t, hole - 1);
		nt_query_one(t, hole + SZ_4K);

		/* Unmapping a hole again removes nothing. */
		KUNIT_EXPECT_EQ(test, nt_unmap(t, hole, SZ_4K, &flush, NULL),
				0);
		KUNIT_EXPECT_FALSE(test, flush);

		/* A range across the hole and two leaves of different sizes */
		memset(&rm, 0, sizeof(rm));
		KUNIT_EXPECT_EQ(test, nt_unmap(t, hole - SZ_4K, 3 * SZ_4K,
					       &flush, &rm), 0);
		KUNIT_EXPECT_TRUE(test, flush);
		KUNIT_EXPECT_EQ(test, rm.bytes, SZ_8K);
		n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), x, pa,
			      hole - SZ_4K - x, prot, false);
		n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), hole + SZ_8K,
			      pa + (hole + SZ_8K - x), x + size - hole - SZ_8K,
			      prot, false);
		nt_expect(t, runs, n);
		nt_cross_check(t);

		/*
		 * Everything: back to the bare root. The unlinked tables are
		 * handed back, still allocated, until axas_npt_free_tables(): the
		 * caller invalidates TLBs in between.
		 */
		memset(&rm, 0, sizeof(rm));
		axas_npt_gather_init(&gather);
		gather.leaf_removed = nt_leaf_removed;
		gather.arg = &rm;
		rm.t = t;
		before = nt_table_pages(t);
		KUNIT_EXPECT_EQ(test, axas_npt_unmap(&t->npt, x - SZ_1G,
						     size + SZ_2G, &gather), 0);
		KUNIT_EXPECT_TRUE(test, gather.flush);
		KUNIT_EXPECT_EQ(test, rm.bytes, size - 3 * SZ_4K);
		KUNIT_EXPECT_EQ(test, nt_table_pages(t), (long)t->g.root_pages);
		KUNIT_EXPECT_EQ(test, (long)list_count_nodes(&gather.tables),
				before - (long)t->g.root_pages);
		list_for_each_entry(page, &gather.tables, lru)
			KUNIT_EXPECT_TRUE_MSG(test,
					      nt_page_ok(t, page_to_phys(page)),
					      "unlinked table freed before axas_npt_free_tables()");
		KUNIT_EXPECT_EQ(test, nt_settle(t, false), before);
		axas_npt_free_tables(&gather);
		nt_expect_empty(t);
	}

	/* Nothing mapped, nothing removed. */
	KUNIT_EXPECT_EQ(test, nt_unmap(t, 0, nt_top(t), &flush, NULL), 0);
	KUNIT_EXPECT_FALSE(test, flush);
	nt_expect_empty(t);
	nt_destroy(t);
}

static void nt_protect_split(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u32 rwx = AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC;
	u32 dev = AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_DEVICE;
	unsigned int level = t->g.max_leaf_level, n;
	u64 size = nt_size(level), x = nt_window(t) + SZ_1G;
	u64 pa = nt_pa(level), cut = x + size / 2 + 7 * SZ_4K;
	struct axas_npt_ref_leaf ref = {};
	struct nt_run runs[12];
	struct nt_snap before;
	bool flush;

	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, size, rwx, 0), 0);

	/* One page of the huge leaf loses W and X. */
	KUNIT_EXPECT_EQ(test, nt_protect(t, cut, SZ_4K, AXAS_MAP_READ, &flush),
			0);
	KUNIT_EXPECT_TRUE(test, flush);
	n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), x, pa, cut - x, rwx,
		      false);
	n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), cut, pa + (cut - x),
		      SZ_4K, AXAS_MAP_READ, false);
	n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), cut + SZ_4K,
		      pa + (cut + SZ_4K - x), x + size - cut - SZ_4K, rwx,
		      false);
	nt_expect(t, runs, n);
	nt_query_one(t, cut + 5);

	/* Gaining permissions back needs no invalidation. */
	KUNIT_EXPECT_EQ(test, nt_protect(t, x, size, rwx, &flush), 0);
	KUNIT_EXPECT_FALSE(test, flush);
	n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), x, pa,
		      ALIGN_DOWN(cut - x, SZ_2M), rwx, false);
	runs[n++] = (struct nt_run){ ALIGN_DOWN(cut, SZ_2M),
				     pa + ALIGN_DOWN(cut - x, SZ_2M), SZ_4K,
				     512, rwx };
	n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), ALIGN(cut, SZ_2M),
		      pa + ALIGN(cut - x, SZ_2M), x + size - ALIGN(cut, SZ_2M),
		      rwx, false);
	nt_expect(t, runs, n);

	/* A change of memory type is an invalidation too. */
	KUNIT_EXPECT_EQ(test, nt_protect(t, x, size, dev, &flush), 0);
	KUNIT_EXPECT_TRUE(test, flush);
	for (level = 0; level < n; level++)
		runs[level].prot = dev;
	nt_expect(t, runs, n);

	/*
	 * Across a hole: present leaves change, the hole stays a hole (the
	 * -ENOENT of the UAPI is the address space's business, not the
	 * engine's).
	 */
	nt_snap(t, &before);
	KUNIT_EXPECT_EQ(test, nt_protect(t, x - SZ_2M, SZ_4M, AXAS_MAP_READ,
					 &flush), 0);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, axas_npt_ref_translate(&t->g, t->npt.root_pa,
						     x - SZ_4K, &ref), -ENOENT);
	KUNIT_EXPECT_EQ(test, axas_npt_ref_translate(&t->g, t->npt.root_pa,
						     x + SZ_2M - 1, &ref), 0);
	KUNIT_EXPECT_EQ(test, ref.prot, AXAS_MAP_READ);
	if (size > SZ_2M) {
		KUNIT_EXPECT_EQ(test, axas_npt_ref_translate(&t->g, t->npt.root_pa,
							     x + SZ_2M, &ref), 0);
		KUNIT_EXPECT_EQ(test, ref.prot, dev);
	}
	nt_expect(t, NULL, 0);
	KUNIT_EXPECT_EQ(test, nt_table_pages(t), before.table_pages);
	nt_cross_check(t);

	KUNIT_EXPECT_EQ(test, nt_unmap(t, x, size, NULL, NULL), 0);
	nt_expect_empty(t);
	nt_destroy(t);
}

static void nt_walkers(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u64 base = nt_window(t);
	u32 r = AXAS_MAP_READ, rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	u64 start = base + SZ_1G - SZ_2M - SZ_8K;
	u64 end = base + 2ULL * SZ_1G + 3 * SZ_2M + 3 * SZ_4K;

	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, 0, NT_PA_BASE, SZ_4K, r, 0),
			0);
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, nt_top(t) - SZ_4K, NT_PA_BASE,
					   SZ_4K, r | AXAS_MAP_DEVICE, 0), 0);
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, start, NT_PA_BASE + start - base,
					   end - start, rw, 0), 0);
	KUNIT_ASSERT_EQ(test, nt_protect(t, base + SZ_1G + SZ_4M, SZ_4K,
					 r, NULL), 0);
	KUNIT_ASSERT_EQ(test, axas_npt_map_page(&t->npt, base + 3ULL * SZ_1G +
						SZ_4K, NT_PA_BASE + SZ_8K,
						nt_prot_expressible(t, AXAS_MAP_EXEC) ?
						AXAS_MAP_EXEC :
						AXAS_MAP_READ | AXAS_MAP_EXEC), 0);
	nt_expect(t, NULL, 0);
	nt_cross_check(t);
	nt_destroy(t);
}

static void nt_map_page_case(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	u64 gpa = nt_window(t) + SZ_1G + SZ_2M + SZ_8K, pa = nt_pa(0);
	struct nt_run runs[2];
	struct nt_snap before;

	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, gpa, pa, rw), 0);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, gpa + SZ_4K, pa + SZ_4K,
						AXAS_MAP_READ), 0);
	runs[0] = (struct nt_run){ gpa, pa, SZ_4K, 1, rw };
	runs[1] = (struct nt_run){ gpa + SZ_4K, pa + SZ_4K, SZ_4K, 1,
				   AXAS_MAP_READ };
	nt_expect(t, runs, 2);
	KUNIT_EXPECT_EQ(test, nt_table_pages(t),
			(long)(t->g.root_pages + t->g.levels - 1));
	nt_snap(t, &before);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, gpa, pa + SZ_8K, rw),
			-EEXIST);
	nt_snap_same(t, &before, "map_page over a page");
	KUNIT_EXPECT_EQ(test, nt_unmap(t, gpa, SZ_8K, NULL, NULL), 0);
	nt_expect_empty(t);
	nt_destroy(t);
}

/*
 * The loser of a race: another axas_npt_map_page() links the tables and the
 * leaf after this one probed the path (and counted the tables it lacks) but
 * before it installs them. Every cmpxchg of the loser fails: it must
 * descend into the winner's tables, report -EEXIST for the leaf, leave the
 * winner's mapping alone and give back every page it set aside.
 */
static void nt_map_page_lost_race(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	u64 gpa = nt_window(t) + SZ_1G + SZ_2M + SZ_8K, pa = nt_pa(0);
	struct nt_run run = { gpa, pa + SZ_64K, SZ_4K, 1, AXAS_MAP_READ };
	unsigned long allocs;

	t->race_gpa = gpa;
	t->race_pa = pa + SZ_64K;
	allocs = t->nr_allocs;
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, gpa, pa, rw), -EEXIST);
	KUNIT_EXPECT_EQ(test, t->race_gpa, 0);
	KUNIT_EXPECT_EQ(test, t->race_ret, 0);
	/* the loser allocated its tables, the winner its own: both counted */
	KUNIT_EXPECT_EQ(test, t->nr_allocs - allocs, 2 * (t->g.levels - 1));
	nt_expect(t, &run, 1);
	KUNIT_EXPECT_EQ(test, nt_table_pages(t),
			(long)(t->g.root_pages + t->g.levels - 1));
	KUNIT_EXPECT_EQ_MSG(test, nt_settle(t, false), nt_table_pages(t),
			    "the loser's unused tables were not freed");
	KUNIT_EXPECT_EQ(test, nt_unmap(t, gpa, SZ_4K, NULL, NULL), 0);
	nt_expect_empty(t);
	nt_destroy(t);
}

/*
 * Fail the 1st, 2nd, ... allocation of @op until it succeeds; each failure
 * must return -ENOMEM and leave the table exactly as it was.
 */
enum nt_op { NT_OP_MAP, NT_OP_UNMAP, NT_OP_PROTECT, NT_OP_MAP_PAGE };

/*
 * With @first, also require that nothing changed before the allocation
 * that failed: tables and leaves linked before it were visible to the MMU,
 * and undoing them frees table pages without the caller invalidating TLBs
 * and paging-structure caches first (SPEC 6: clear, invalidate, free).
 */
static unsigned long nt_fail_nth(struct nt *t, enum nt_op op, u64 gpa,
				 u64 pa, u64 size, u32 prot, bool first)
{
	struct kunit *test = t->test;
	struct nt_snap before;
	unsigned long nth;
	int ret = -ENOMEM;

	nt_snap(t, &before);
	for (nth = 1; nth < 64; nth++) {
		t->nr_allocs = 0;
		t->fail_at = nth;
		t->hash_at_fail = true;
		t->fail_hash = before.hash;
		switch (op) {
		case NT_OP_MAP:
			ret = axas_npt_map(&t->npt, gpa, pa, size, prot, 0);
			break;
		case NT_OP_UNMAP:
			ret = nt_unmap(t, gpa, size, NULL, NULL);
			break;
		case NT_OP_PROTECT:
			ret = nt_protect(t, gpa, size, prot, NULL);
			break;
		case NT_OP_MAP_PAGE:
			ret = axas_npt_map_page(&t->npt, gpa, pa, prot);
			break;
		}
		t->fail_at = 0;
		t->hash_at_fail = false;
		if (!ret)
			break;
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "op %d nth %lu", op,
				    nth);
		if (first)
			KUNIT_EXPECT_EQ_MSG(test, t->fail_hash, before.hash,
					    "op %d nth %lu: table changed before the allocation failed",
					    op, nth);
		KUNIT_EXPECT_LE_MSG(test, nth, t->nr_allocs,
				    "op %d failed without failed allocation",
				    op);
		if (!nt_snap_same(t, &before, "a failed allocation"))
			break;
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	return nth;
}

static void nt_alloc_failure(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u64 base = nt_window(t), x = base + SZ_2G, hole;
	u32 rwx = AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC;
	u64 start = base + SZ_1G - SZ_2M - SZ_8K;
	u64 end = base + 2ULL * SZ_1G + 3 * SZ_2M + 3 * SZ_4K;
	unsigned int level = t->g.max_leaf_level, n;
	u64 size = nt_size(level), pa = nt_pa(level);
	struct nt_run runs[16];
	unsigned long tries;

	/* A page already there, in a table the range map shares. */
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, start - SZ_8K, NT_PA_BASE,
					   SZ_4K, rwx, 0), 0);
	tries = nt_fail_nth(t, NT_OP_MAP, start, NT_PA_BASE + start - base,
			    end - start, rwx, false);
	KUNIT_EXPECT_GE_MSG(test, tries, 2UL,
			    "the range map needs several table pages");
	runs[0] = (struct nt_run){ start - SZ_8K, NT_PA_BASE, SZ_4K, 1, rwx };
	n = nt_greedy(t, runs, 1, ARRAY_SIZE(runs), start,
		      NT_PA_BASE + start - base, end - start, rwx, false);
	nt_expect(t, runs, n);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, 0, nt_top(t), NULL, NULL), 0);
	nt_expect_empty(t);

	/* Splits for unmap and protect. */
	if (level) {
		hole = x + size - SZ_2M + 9 * SZ_4K;
		KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, size, rwx, 0),
				0);
		tries = nt_fail_nth(t, NT_OP_UNMAP, hole, 0, SZ_4K, 0, true);
		KUNIT_EXPECT_GE(test, tries, (unsigned long)level + 1);
		n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), x, pa, hole - x,
			      rwx, false);
		n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), hole + SZ_4K,
			      pa + hole + SZ_4K - x, x + size - hole - SZ_4K,
			      rwx, false);
		nt_expect(t, runs, n);
		KUNIT_EXPECT_EQ(test, nt_unmap(t, x, size, NULL, NULL), 0);
		nt_expect_empty(t);

		KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, size, rwx, 0),
				0);
		tries = nt_fail_nth(t, NT_OP_PROTECT, hole, 0, SZ_4K,
				    AXAS_MAP_READ, true);
		KUNIT_EXPECT_GE(test, tries, (unsigned long)level + 1);
		n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), x, pa, hole - x,
			      rwx, false);
		n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), hole,
			      pa + hole - x, SZ_4K, AXAS_MAP_READ, false);
		n = nt_greedy(t, runs, n, ARRAY_SIZE(runs), hole + SZ_4K,
			      pa + hole + SZ_4K - x, x + size - hole - SZ_4K,
			      rwx, false);
		nt_expect(t, runs, n);
	}
	nt_destroy(t);
}

/*
 * axas_npt_map() and axas_npt_map_page() must allocate every table page they need
 * before they change anything, as unmap and protect do for their splits.
 */
static void nt_map_alloc_first(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u64 base = nt_window(t);
	u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	u64 start = base + SZ_1G - SZ_2M - SZ_8K;
	u64 end = base + 2ULL * SZ_1G + 3 * SZ_2M + 3 * SZ_4K;
	u64 gpa = base + 3ULL * SZ_1G + SZ_4K;
	struct nt_run runs[8];
	unsigned int n;

	KUNIT_EXPECT_EQ(test, nt_fail_nth(t, NT_OP_MAP_PAGE, gpa, NT_PA_BASE,
					  SZ_4K, rw, true),
			(unsigned long)t->g.levels);
	runs[0] = (struct nt_run){ gpa, NT_PA_BASE, SZ_4K, 1, rw };
	nt_expect(t, runs, 1);

	nt_fail_nth(t, NT_OP_MAP, start, NT_PA_BASE + start - base,
		    end - start, rw, true);
	n = nt_greedy(t, runs, 0, ARRAY_SIZE(runs), start,
		      NT_PA_BASE + start - base, end - start, rw, false);
	runs[n++] = (struct nt_run){ gpa, NT_PA_BASE, SZ_4K, 1, rw };
	nt_expect(t, runs, n);
	nt_destroy(t);
}

/* ---- seeded random operations against a reference model ---- */

struct nt_ext {
	u64 gpa;
	u64 size;
	u64 pa;
	u32 prot;
};

#define NT_MAX_EXT	512

struct nt_model {
	struct nt_ext e[NT_MAX_EXT];
	unsigned int n;
	u64 bytes;
};

/* Extents are kept sorted by gpa. */
static bool nt_model_overlaps(const struct nt_model *m, u64 gpa, u64 size)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].gpa < gpa + size && gpa < m->e[i].gpa + m->e[i].size)
			return true;
	return false;
}

static bool nt_model_insert(struct nt_model *m, const struct nt_ext *x)
{
	unsigned int i;

	if (m->n == NT_MAX_EXT)
		return false;
	for (i = m->n; i && m->e[i - 1].gpa > x->gpa; i--)
		m->e[i] = m->e[i - 1];
	m->e[i] = *x;
	m->n++;
	m->bytes += x->size;
	return true;
}

/* Remove [gpa, gpa + size); return the bytes that were mapped. */
static u64 nt_model_cut(struct nt_model *m, u64 gpa, u64 size)
{
	struct nt_model *old = kmemdup(m, sizeof(*m), GFP_KERNEL);
	u64 end = gpa + size, removed = 0;
	unsigned int i;

	if (!old)
		return U64_MAX;
	m->n = 0;
	m->bytes = 0;
	for (i = 0; i < old->n; i++) {
		struct nt_ext e = old->e[i], piece;
		u64 e_end = e.gpa + e.size;

		if (e_end <= gpa || e.gpa >= end) {
			nt_model_insert(m, &e);
			continue;
		}
		removed += min(e_end, end) - max(e.gpa, gpa);
		if (e.gpa < gpa) {
			piece = e;
			piece.size = gpa - e.gpa;
			nt_model_insert(m, &piece);
		}
		if (e_end > end) {
			piece = e;
			piece.gpa = end;
			piece.pa = e.pa + (end - e.gpa);
			piece.size = e_end - end;
			nt_model_insert(m, &piece);
		}
	}
	kfree(old);
	return removed;
}

struct nt_model_check {
	struct nt *t;
	const struct nt_model *m;
	u64 bytes;
	bool failed;
};

static int nt_model_leaf(void *arg, const struct axas_npt_ref_leaf *l)
{
	struct nt_model_check *mc = arg;
	const struct nt_model *m = mc->m;
	unsigned int lo = 0, hi = m->n, mid;
	const struct nt_ext *e = NULL;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m->e[mid].gpa + m->e[mid].size <= l->gpa) {
			lo = mid + 1;
		} else {
			e = &m->e[mid];
			hi = mid;
		}
	}
	if (!e || e->gpa > l->gpa || l->gpa + l->size > e->gpa + e->size ||
	    l->pa != e->pa + (l->gpa - e->gpa) || l->prot != e->prot) {
		KUNIT_FAIL(mc->t->test,
			   "leaf gpa %#llx size %#llx pa %#llx prot %#x not in the model",
			   l->gpa, l->size, l->pa, l->prot);
		mc->failed = true;
		return -EINVAL;
	}
	mc->bytes += l->size;
	return 0;
}

static bool nt_model_same(struct nt *t, const struct nt_model *m)
{
	struct nt_model_check mc = { .t = t, .m = m };
	struct axas_npt_ref_walk w = {
		.g = &t->g, .leaf = nt_model_leaf, .arg = &mc,
	};

	axas_npt_ref_walk_all(&w, t->npt.root_pa);
	if (!mc.failed && mc.bytes != m->bytes) {
		KUNIT_FAIL(t->test, "table maps %#llx bytes, model %#llx",
			   mc.bytes, m->bytes);
		mc.failed = true;
	}
	return !mc.failed && !w.nr_bad;
}

static u32 nt_rand(struct rnd_state *rs, u32 n)
{
	return prandom_u32_state(rs) % n;
}

static void nt_random_range(struct nt *t, struct rnd_state *rs, u64 *gpa,
			    u64 *size)
{
	static const u64 grain[] = { SZ_4K, SZ_2M, SZ_1G };
	unsigned int k = nt_rand(rs, 10);
	u64 g = grain[k < 5 ? 0 : k < 9 ? 1 : 2];
	u64 base = nt_window(t);

	*gpa = base + ALIGN_DOWN((u64)nt_rand(rs, SZ_4G / g) * g, g);
	*size = (nt_rand(rs, 3) + 1) * g;
	if (nt_rand(rs, 3) == 0) {
		*gpa += nt_rand(rs, 8) * SZ_4K;
		*size += nt_rand(rs, 8) * SZ_4K;
	}
	if (*gpa + *size > base + SZ_4G)
		*size = base + SZ_4G - *gpa;
}

static void nt_random_ops(struct kunit *test)
{
	const struct nt_param *p = test->param_value;
	struct nt *t = nt_create_param(test);
	struct nt_removed rm;
	struct nt_model *m;
	struct rnd_state rs;
	unsigned int step, i, nr[4] = {};
	u64 gpa, size, pa, removed;
	bool flush, nohuge;
	u32 prot;
	int ret;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	prandom_seed_state(&rs, 0x6178617300ULL + p->format * 64 +
			   p->gpa_bits);

	for (step = 0; step < 400; step++) {
		unsigned int op = nt_rand(&rs, 10);

		nt_random_range(t, &rs, &gpa, &size);
		prot = nt_good_prots[nt_rand(&rs, ARRAY_SIZE(nt_good_prots))];
		if (!nt_prot_expressible(t, prot))
			prot |= AXAS_MAP_READ;
		if (op < 5) {
			/* pa congruent to gpa modulo 1 GiB, sometimes not */
			pa = NT_PA_BASE + (u64)nt_rand(&rs, 64) * SZ_1G +
			     (gpa & (SZ_1G - 1));
			if (nt_rand(&rs, 4) == 0)
				pa += SZ_4K * nt_rand(&rs, 4);
			nohuge = nt_rand(&rs, 5) == 0;
			/* 4 KiB leaves only: keep the walks short. */
			if (nohuge || !IS_ALIGNED(pa - gpa, SZ_2M))
				size = min_t(u64, size, SZ_8M);
			ret = axas_npt_map(&t->npt, gpa, pa, size, prot,
					   nohuge ? AXAS_NPT_MAP_NOHUGE : 0);
			if (nt_model_overlaps(m, gpa, size)) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EEXIST,
						    "step %u map", step);
				nr[1]++;
			} else if (m->n < NT_MAX_EXT - 2) {
				KUNIT_EXPECT_EQ_MSG(test, ret, 0,
						    "step %u map", step);
				nr[0]++;
				if (!ret)
					nt_model_insert(m, &(struct nt_ext){
						gpa, size, pa, prot });
			} else if (!ret) {
				nt_unmap(t, gpa, size, NULL, NULL);
			}
		} else if (op < 8) {
			memset(&rm, 0, sizeof(rm));
			ret = nt_unmap(t, gpa, size, &flush, &rm);
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "step %u unmap", step);
			removed = nt_model_cut(m, gpa, size);
			KUNIT_ASSERT_NE(test, removed, U64_MAX);
			KUNIT_EXPECT_EQ_MSG(test, flush, removed != 0,
					    "step %u unmap flush", step);
			KUNIT_EXPECT_EQ_MSG(test, rm.bytes, removed,
					    "step %u leaf_removed bytes", step);
			nr[2] += removed != 0;
		} else if (m->n && m->n < NT_MAX_EXT - 2) {
			/* A sub-range of one extent: protect must succeed. */
			struct nt_ext e = m->e[nt_rand(&rs, m->n)];
			u64 pages = e.size >> PAGE_SHIFT;
			u64 first = nt_rand(&rs, pages);
			u64 count = nt_rand(&rs, pages - first) + 1;
			bool lost;

			ret = nt_protect(t, e.gpa + (first << PAGE_SHIFT),
					 count << PAGE_SHIFT, prot, &flush);
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "step %u protect",
					    step);
			lost = (e.prot & ~prot & AXAS_NPT_PERM_MASK) ||
			       (e.prot & ~AXAS_NPT_PERM_MASK) !=
			       (prot & ~AXAS_NPT_PERM_MASK);
			KUNIT_EXPECT_EQ_MSG(test, flush, lost,
					    "step %u protect %#x -> %#x flush",
					    step, e.prot, prot);
			nr[3]++;
			removed = nt_model_cut(m, e.gpa + (first << PAGE_SHIFT),
					       count << PAGE_SHIFT);
			KUNIT_ASSERT_NE(test, removed, U64_MAX);
			e.pa += first << PAGE_SHIFT;
			e.gpa += first << PAGE_SHIFT;
			e.size = count << PAGE_SHIFT;
			e.prot = prot;
			nt_model_insert(m, &e);
		}
		if (!nt_model_same(t, m)) {
			KUNIT_FAIL(test, "step %u: table and model differ",
				   step);
			break;
		}
		if (step % 50 == 49) {
			nt_expect(t, NULL, 0);
			nt_cross_check(t);
		}
	}
	kunit_info(test,
		   "%u maps, %u overlapping, %u unmaps that removed, %u protects; %u extents, %lld MiB, %ld table pages at the end\n",
		   nr[0], nr[1], nr[2], nr[3], m->n, m->bytes >> 20,
		   nt_table_pages(t));
	/* The mix must have exercised every operation. */
	KUNIT_EXPECT_GE(test, nr[0], 50U);
	KUNIT_EXPECT_GE(test, nr[1], 10U);
	KUNIT_EXPECT_GE(test, nr[2], 10U);
	KUNIT_EXPECT_GE(test, nr[3], 10U);
	nt_expect(t, NULL, 0);
	nt_cross_check(t);
	for (i = 0; i < m->n; i++)
		nt_query_one(t, m->e[i].gpa + m->e[i].size - 1);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, 0, nt_top(t), NULL, NULL), 0);
	nt_expect_empty(t);
	nt_destroy(t);
}

/* Arm stage 2 at every width and the widths the other formats refuse. */
static void nt_widths(struct kunit *test)
{
	static const u32 fixed[][2] = {
		{ AXAS_FMT_EPT4, 48 }, { AXAS_FMT_EPT5, 57 },
		{ AXAS_FMT_SV39X4, 41 }, { AXAS_FMT_SV48X4, 50 },
		{ AXAS_FMT_SV57X4, 59 },
		{ AXAS_FMT_AMD_NPT4, 48 }, { AXAS_FMT_AMD_NPT5, 57 },
	};
	struct nt_run run;
	struct axas_npt npt;
	u32 bits, fmt, got;
	unsigned int i;

	/* 31 stands for 0: the default width, 40. */
	for (bits = 31; bits <= 48; bits++) {
		struct nt *t = nt_create(test, AXAS_FMT_ARM_S2,
					 bits == 31 ? 0 : bits);
		const char *why;

		KUNIT_EXPECT_EQ_MSG(test, t->npt.levels, t->g.levels,
				    "gpa_bits %u", bits);
		KUNIT_EXPECT_EQ_MSG(test, 1U << t->npt.root_order,
				    t->g.root_pages, "gpa_bits %u", bits);
		KUNIT_EXPECT_EQ_MSG(test, axas_npt_root_entries(&t->npt),
				    t->g.root_entries, "gpa_bits %u", bits);
		why = axas_npt_ref_check_root_reg(&t->g, t->npt.root_pa,
						  axas_npt_root_reg(&t->npt));
		KUNIT_EXPECT_NULL_MSG(test, why, "gpa_bits %u: %s", bits, why);
		/* The last page of the space sits in the last root entry. */
		KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, nt_top(t) - SZ_4K,
						   NT_PA_BASE, SZ_4K,
						   AXAS_MAP_READ, 0), 0);
		run = (struct nt_run){ nt_top(t) - SZ_4K, NT_PA_BASE, SZ_4K, 1,
				       AXAS_MAP_READ };
		nt_expect(t, &run, 1);
		nt_destroy(t);
	}

	fmt = AXAS_FMT_ARM_S2;
	got = 0;
	KUNIT_EXPECT_EQ(test, axas_npt_resolve_format(&fmt, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 40);
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		fmt = fixed[i][0];
		got = 0;
		KUNIT_EXPECT_EQ(test, axas_npt_resolve_format(&fmt, &got), 0);
		KUNIT_EXPECT_EQ(test, got, fixed[i][1]);
		KUNIT_EXPECT_EQ(test, axas_npt_init(&npt, fixed[i][0],
						    fixed[i][1] - 1, NULL, NULL),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, axas_npt_init(&npt, fixed[i][0],
						    fixed[i][1] + 1, NULL, NULL),
				-EINVAL);
	}
	KUNIT_EXPECT_EQ(test, axas_npt_init(&npt, AXAS_FMT_ARM_S2, 31, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_init(&npt, AXAS_FMT_ARM_S2, 49, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_init(&npt, AXAS_FMT_AMD_NPT5 + 1, 0, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_npt_init(&npt, 100, 0, NULL, NULL), -EINVAL);
}

/* ---- break-before-make: the hook sees the break, the make comes after -- */

#define NT_BBM_MAX	16

/**
 * struct nt_bbm - what the invalidation hook saw
 * @n: calls
 * @gpa: range of each call
 * @size: ...
 * @valid: the entry covering @gpa at the level of @size, when the hook
 *	ran, is one the hardware would use (the manuals' rules, from the
 *	reference decoder): a break must make it invalid
 * @pte: that entry's raw value
 * @query: the engine's lockless query of @gpa during the call: 0 and the
 *	old leaf's size, or the error
 * @query_size: size of the leaf the query found
 */
struct nt_bbm {
	unsigned int n;
	u64 gpa[NT_BBM_MAX];
	u64 size[NT_BBM_MAX];
	bool valid[NT_BBM_MAX];
	u64 pte[NT_BBM_MAX];
	int query[NT_BBM_MAX];
	u64 query_size[NT_BBM_MAX];
};

/* The entry mapping @gpa at @level, found by the reference decoder. */
static u64 *nt_ref_ptep(struct nt *t, u64 gpa, unsigned int level)
{
	const struct axas_npt_ref_geom *g = &t->g;
	u64 *table = (u64 *)axas_npt_ref_table_va(t->npt.root_pa);
	unsigned int l = g->levels - 1, nr = g->root_entries;
	struct axas_npt_ref_entry e;
	u64 *ptep;

	for (;;) {
		ptep = &table[(gpa >> (PAGE_SHIFT + 9 * l)) & (nr - 1)];
		if (l == level)
			return ptep;
		axas_npt_ref_decode(g, READ_ONCE(*ptep), l, &e);
		if (e.kind != AXAS_NPT_REF_TABLE)
			return NULL;
		table = (u64 *)axas_npt_ref_table_va(e.pa);
		nr = 512;
		l--;
	}
}

static void nt_invalidate(void *priv, u64 gpa, u64 size)
{
	struct nt *t = priv;
	struct nt_bbm *b = t->bbm;
	struct axas_npt_leaf leaf;
	unsigned int level;
	u64 *ptep;
	int ret;

	t->nr_inv++;
	if (!b || b->n >= NT_BBM_MAX)
		return;
	level = (ilog2(size) - PAGE_SHIFT) / 9;
	ptep = nt_ref_ptep(t, gpa, level);
	b->gpa[b->n] = gpa;
	b->size[b->n] = size;
	b->pte[b->n] = ptep ? READ_ONCE(*ptep) : ~0ULL;
	b->valid[b->n] = !ptep || axas_npt_ref_pte_is_valid(&t->g, b->pte[b->n]);
	rcu_read_lock();
	ret = axas_npt_query(&t->npt, gpa, &leaf);
	rcu_read_unlock();
	b->query[b->n] = ret;
	b->query_size[b->n] = ret ? 0 : leaf.size;
	b->n++;
}

/* Call @i of the hook was a break of the entry at [@gpa, @gpa + @size). */
static void nt_expect_break(struct nt *t, const struct nt_bbm *b, unsigned int i,
			    u64 gpa, u64 size, bool lockless_sees_old)
{
	struct kunit *test = t->test;

	if (i >= b->n) {
		KUNIT_FAIL(test, "no invalidation %u for [%#llx, +%#llx)", i, gpa, size);
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, b->gpa[i], gpa, "invalidation %u", i);
	KUNIT_EXPECT_EQ_MSG(test, b->size[i], size, "invalidation %u", i);
	KUNIT_EXPECT_FALSE_MSG(test, b->valid[i],
			       "invalidation %u of [%#llx, +%#llx): entry %#llx is not invalid while the hook runs",
			       i, gpa, size, b->pte[i]);
	if (lockless_sees_old) {
		KUNIT_EXPECT_EQ_MSG(test, b->query[i], 0,
				    "lockless query during break %u", i);
		KUNIT_EXPECT_EQ_MSG(test, b->query_size[i], size,
				    "lockless query during break %u reads the old leaf", i);
	}
}

/* The entry for @gpa at @level is what the reference decoder calls @kind. */
static void nt_expect_entry(struct nt *t, u64 gpa, unsigned int level,
			    enum axas_npt_ref_kind kind, u32 prot)
{
	struct axas_npt_ref_entry e = { .kind = AXAS_NPT_REF_BAD };
	u64 *ptep = nt_ref_ptep(t, gpa, level);

	if (ptep)
		axas_npt_ref_decode(&t->g, *ptep, level, &e);
	KUNIT_EXPECT_EQ_MSG(t->test, e.kind, kind, "entry of %#llx at level %u",
			    gpa, level);
	if (kind == AXAS_NPT_REF_LEAF)
		KUNIT_EXPECT_EQ_MSG(t->test, e.prot, prot, "leaf of %#llx", gpa);
}

/*
 * Every split and every memory-type change, on every leaf size the format
 * has: the hook runs with the entry invalid (as the Arm ARM's
 * break-before-make demands) and a lockless reader still reads the old leaf;
 * the new table or leaf is there afterwards. Permission changes on whole
 * leaves and maps into empty entries never call the hook.
 */
static void nt_bbm_order(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	const u32 r = AXAS_MAP_READ, rw = r | AXAS_MAP_WRITE;
	const u32 rwx = rw | AXAS_MAP_EXEC;
	u64 x = nt_window(t) + SZ_2G;
	struct nt_bbm b = {};
	unsigned int level, i;
	bool flush;

	for (level = 1; level <= t->g.max_leaf_level; level++) {
		u64 size = nt_size(level), pa = nt_pa(level);
		u64 cut = x + size / 2 + 3 * SZ_4K;

		/* An unmap that cuts a huge leaf: one break per level. */
		KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, size, rw, 0), 0);
		memset(&b, 0, sizeof(b));
		t->bbm = &b;
		KUNIT_EXPECT_EQ(test, nt_unmap(t, cut, SZ_4K, &flush, NULL), 0);
		t->bbm = NULL;
		KUNIT_EXPECT_EQ(test, b.n, level);
		for (i = 0; i < level; i++)
			nt_expect_break(t, &b, i, ALIGN_DOWN(cut, nt_size(level - i)),
					nt_size(level - i), true);
		for (i = 1; i <= level; i++)
			nt_expect_entry(t, cut, i, AXAS_NPT_REF_TABLE, 0);
		nt_expect_entry(t, cut, 0, AXAS_NPT_REF_NONE, 0);
		nt_expect_entry(t, cut + SZ_4K, 0, AXAS_NPT_REF_LEAF, rw);
		KUNIT_EXPECT_EQ(test, nt_unmap(t, x, size, NULL, NULL), 0);

		/* A protect that only adds permissions still splits by BBM. */
		KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, size, r, 0), 0);
		memset(&b, 0, sizeof(b));
		t->bbm = &b;
		KUNIT_EXPECT_EQ(test, nt_protect(t, cut, SZ_4K, rwx, &flush), 0);
		t->bbm = NULL;
		KUNIT_EXPECT_FALSE(test, flush);
		KUNIT_EXPECT_EQ(test, b.n, level);
		for (i = 0; i < level; i++)
			nt_expect_break(t, &b, i, ALIGN_DOWN(cut, nt_size(level - i)),
					nt_size(level - i), true);
		nt_expect_entry(t, cut, 0, AXAS_NPT_REF_LEAF, rwx);
		nt_expect_entry(t, cut + SZ_4K, 0, AXAS_NPT_REF_LEAF, r);
		KUNIT_EXPECT_EQ(test, nt_unmap(t, x, size, NULL, NULL), 0);

		/* A new memory type for a whole live huge leaf: break, make. */
		KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, pa, size, rw, 0), 0);
		memset(&b, 0, sizeof(b));
		t->bbm = &b;
		KUNIT_EXPECT_EQ(test, nt_protect(t, x, size, rw | AXAS_MAP_UNCACHED,
						 &flush), 0);
		KUNIT_EXPECT_EQ(test, nt_protect(t, x, size, rw | AXAS_MAP_DEVICE,
						 &flush), 0);
		t->bbm = NULL;
		KUNIT_EXPECT_TRUE(test, flush);
		KUNIT_EXPECT_EQ(test, b.n, 2);
		nt_expect_break(t, &b, 0, x, size, true);
		nt_expect_break(t, &b, 1, x, size, true);
		nt_expect_entry(t, x, level, AXAS_NPT_REF_LEAF, rw | AXAS_MAP_DEVICE);

		/* Permissions alone change in place: no hook. */
		memset(&b, 0, sizeof(b));
		t->bbm = &b;
		KUNIT_EXPECT_EQ(test, nt_protect(t, x, size, r | AXAS_MAP_DEVICE,
						 &flush), 0);
		KUNIT_EXPECT_TRUE(test, flush);
		KUNIT_EXPECT_EQ(test, nt_protect(t, x, size, rw | AXAS_MAP_DEVICE,
						 &flush), 0);
		KUNIT_EXPECT_FALSE(test, flush);
		t->bbm = NULL;
		KUNIT_EXPECT_EQ(test, b.n, 0);
		KUNIT_EXPECT_EQ(test, nt_unmap(t, x, size, NULL, NULL), 0);
	}

	/* 4 KiB leaves changing memory type: one break per leaf, in order. */
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, x, nt_pa(0), 4 * SZ_4K, rwx, 0), 0);
	memset(&b, 0, sizeof(b));
	t->bbm = &b;
	KUNIT_EXPECT_EQ(test, nt_protect(t, x, 4 * SZ_4K, rwx | AXAS_MAP_UNCACHED,
					 &flush), 0);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, b.n, 4);
	for (i = 0; i < 4; i++) {
		nt_expect_break(t, &b, i, x + i * SZ_4K, SZ_4K, true);
		nt_expect_entry(t, x + i * SZ_4K, 0, AXAS_NPT_REF_LEAF,
				rwx | AXAS_MAP_UNCACHED);
	}

	/* Maps into empty entries and faults never invalidate. */
	memset(&b, 0, sizeof(b));
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, x + SZ_1G, nt_pa(2), SZ_1G, rw, 0), 0);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, x + SZ_2M, nt_pa(0), rw), 0);
	t->bbm = NULL;
	KUNIT_EXPECT_EQ(test, b.n, 0);
	nt_cross_check(t);
	nt_destroy(t);
}

#ifdef CONFIG_DEBUG_LOCK_ALLOC
static int nt_splats(struct nt *t)
{
	return atomic_read(&t->npt.contract_splats);
}

static void nt_contract_off(void *arg)
{
	struct nt *t = arg;

	axas_npt_set_lock(&t->npt, NULL);
	t->npt.contract_quiet = false;
}
#endif

/*
 * The walker contract is checked, not only written down: each broken rule
 * makes the walker report (the report is counted here instead of printed,
 * so that the kernel log stays clean), each kept rule does not.
 */
static void nt_contract(struct kunit *test)
{
#ifndef CONFIG_DEBUG_LOCK_ALLOC
	kunit_skip(test, "the contract is checked by lockdep (CONFIG_DEBUG_LOCK_ALLOC)");
#else
	struct nt *t = nt_create(test, AXAS_FMT_EPT4, 0);
	struct rw_semaphore *sem = kunit_kzalloc(test, sizeof(*sem), GFP_KERNEL);
	const u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	struct axas_npt_leaf leaf;
	int base;

	KUNIT_ASSERT_NOT_NULL(test, sem);
	init_rwsem(sem);
	axas_npt_set_lock(&t->npt, &sem->dep_map);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, nt_contract_off, t), 0);
	t->npt.contract_quiet = true;
	base = nt_splats(t);

	/* A writer under the write lock is fine. */
	down_write(sem);
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, 0, nt_pa(1), SZ_2M, rw, 0), 0);
	up_write(sem);
	KUNIT_EXPECT_EQ(test, nt_splats(t), base);

	/* A shared walk (query) outside RCU and the lock: reported. */
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, SZ_4K, &leaf), 0);
	KUNIT_EXPECT_EQ(test, nt_splats(t), base + 1);
	/* ... inside RCU, or under the owner's lock: not. */
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, SZ_4K, &leaf), 0);
	rcu_read_unlock();
	down_read(sem);
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, SZ_4K, &leaf), 0);
	up_read(sem);
	KUNIT_EXPECT_EQ(test, nt_splats(t), base + 1);

	/*
	 * A writer without the lock, or with it only for reading: every walk
	 * reports. A map walks twice (count, then map), an unmap three times
	 * (a probe at each end for splits, then the unmap).
	 */
	KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, SZ_1G, nt_pa(0), SZ_4K, rw, 0), 0);
	KUNIT_EXPECT_EQ(test, nt_splats(t), base + 3);
	down_read(sem);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, SZ_1G, SZ_4K, NULL, NULL), 0);
	up_read(sem);
	KUNIT_EXPECT_EQ(test, nt_splats(t), base + 6);

	/* The fault path needs the lock in either mode (a probe, a map walk). */
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, SZ_4M, nt_pa(0), rw), 0);
	KUNIT_EXPECT_EQ(test, nt_splats(t), base + 8);
	down_read(sem);
	KUNIT_EXPECT_EQ(test, axas_npt_map_page(&t->npt, SZ_4M + SZ_4K, nt_pa(0), rw), 0);
	up_read(sem);
	KUNIT_EXPECT_EQ(test, nt_splats(t), base + 8);

	down_write(sem);
	nt_contract_off(t);
	up_write(sem);
	nt_cross_check(t);
	nt_destroy(t);
#endif
}

/* ---- lockless readers against splits, on every CPU ---- */

struct nt_stress {
	struct nt *t;
	u64 a, b;		/* two 2 MiB leaves: A is split and remade, B retyped */
	u64 pa_a, pa_b;
	atomic_t remap_seq;	/* odd while A is unmapped and mapped again */
	atomic_long_t checked;
	atomic_long_t errors;
};

static int nt_stress_reader(void *arg)
{
	struct nt_stress *s = arg;
	struct axas_npt_leaf leaf;
	u32 rnd = get_random_u32();
	u64 off, gpa, want;
	int seq, ret;

	/* only kthread_stop() ends us: it must find the task alive */
	while (!kthread_should_stop()) {
		cond_resched();
		rnd = rnd * 1103515245 + 12345;
		/* Never page 0 of A: the writer unmaps it. */
		off = ((rnd >> 8) % 511 + 1) * SZ_4K + (rnd & 0xff);
		seq = atomic_read_acquire(&s->remap_seq);
		gpa = (rnd & 1) ? s->b + off : s->a + off;
		want = (rnd & 1) ? s->pa_b + off : s->pa_a + off;
		rcu_read_lock();
		ret = axas_npt_query(&s->t->npt, gpa, &leaf);
		rcu_read_unlock();
		/* the query before the second look at the count (seqcount-like) */
		smp_rmb();
		if ((seq & 1) || atomic_read(&s->remap_seq) != seq)
			continue;	/* a leaf was being unmapped and remade */
		atomic_long_inc(&s->checked);
		if (ret || leaf.pa + (gpa - leaf.gpa) != want)
			atomic_long_inc(&s->errors);
	}
	return 0;
}

/*
 * Readers on every other CPU query two huge leaves while a writer splits
 * one of them (break-before-make) and remakes it, and keeps changing the
 * memory type of the other: a page that stays mapped must always
 * translate, to the right address, even in the middle of a break.
 */
static void nt_smp_stress(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	const u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	struct task_struct *readers[8];
	unsigned int nr = clamp(num_online_cpus(), 2U, 8U), i, iter;
	struct nt_stress s = { .t = t };
	unsigned long deadline;

	s.a = nt_window(t) + SZ_2G;
	s.b = s.a + SZ_1G;
	s.pa_a = nt_pa(1);
	s.pa_b = nt_pa(1) + SZ_1G;
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, s.a, s.pa_a, SZ_2M, rw, 0), 0);
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, s.b, s.pa_b, SZ_2M, rw, 0), 0);

	for (i = 0; i < nr; i++) {
		readers[i] = kthread_run(nt_stress_reader, &s, "nt_reader/%u", i);
		if (IS_ERR(readers[i])) {
			nr = i;
			break;
		}
	}
	KUNIT_ASSERT_GT(test, nr, 0);

	/* 20 rounds at least, then until 200 ms are up (emulators are slow) */
	deadline = jiffies + msecs_to_jiffies(200);
	for (iter = 0; iter < 300 && (iter < 20 || time_before(jiffies, deadline)); iter++) {
		KUNIT_EXPECT_EQ(test, nt_unmap(t, s.a, SZ_4K, NULL, NULL), 0);
		KUNIT_EXPECT_EQ(test, nt_protect(t, s.b, SZ_2M,
						 iter & 1 ? rw : rw | AXAS_MAP_UNCACHED,
						 NULL), 0);
		atomic_inc_return_release(&s.remap_seq);
		KUNIT_EXPECT_EQ(test, nt_unmap(t, s.a, SZ_2M, NULL, NULL), 0);
		KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, s.a, s.pa_a, SZ_2M, rw, 0), 0);
		atomic_inc_return_release(&s.remap_seq);
		KUNIT_EXPECT_EQ(test, nt_protect(t, s.b, SZ_4K, rw | AXAS_MAP_EXEC,
						 NULL), 0);
		atomic_inc_return_release(&s.remap_seq);
		KUNIT_EXPECT_EQ(test, nt_unmap(t, s.b, SZ_2M, NULL, NULL), 0);
		KUNIT_EXPECT_EQ(test, axas_npt_map(&t->npt, s.b, s.pa_b, SZ_2M, rw, 0), 0);
		atomic_inc_return_release(&s.remap_seq);
		cond_resched();
	}
	for (i = 0; i < nr; i++)
		kthread_stop(readers[i]);
	kunit_info(test, "%u readers on %u CPUs, %u rounds: %ld lookups checked\n", nr,
		   num_online_cpus(), iter, atomic_long_read(&s.checked));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s.errors), 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s.checked), 0);
	nt_cross_check(t);
	nt_destroy(t);
}

static int nt_copy_first_leaf(const struct axas_npt_leaf *leaf, void *arg)
{
	*(struct axas_npt_leaf *)arg = *leaf;
	return 1;
}

/* What the generic walker finds at @gpa: the reference for the iterator. */
static int nt_walker_query(struct nt *t, u64 gpa, struct axas_npt_leaf *leaf)
{
	int ret;

	rcu_read_lock();
	ret = axas_npt_visit_leaves(&t->npt, gpa, 1, nt_copy_first_leaf, leaf,
				    AXAS_NPT_WALK_SHARED);
	rcu_read_unlock();
	if (ret < 0)
		return ret;
	return ret ? 0 : -ENOENT;
}

static void nt_expect_same_lookup(struct nt *t, u64 gpa)
{
	struct kunit *test = t->test;
	struct axas_npt_leaf want = {}, got = {};
	struct axas_npt_iter it;
	unsigned int downs = 0;
	int ret_want, ret_got;

	ret_want = nt_walker_query(t, gpa, &want);
	rcu_read_lock();
	ret_got = axas_npt_lookup(&t->npt, gpa, &got);
	axas_npt_iter_start(&it, &t->npt, gpa);
	while (axas_npt_iter_down(&it))
		downs++;
	rcu_read_unlock();

	KUNIT_EXPECT_EQ_MSG(test, ret_got, ret_want, "gpa %#llx", gpa);
	if (ret_got || ret_want)
		return;
	KUNIT_EXPECT_EQ_MSG(test, got.gpa, want.gpa, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got.pa, want.pa, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got.size, want.size, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got.prot, want.prot, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got.level, want.level, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got.pte, want.pte, "gpa %#llx", gpa);
	/* The generic iterator steps as many levels as the lookup did. */
	KUNIT_EXPECT_EQ(test, it.level, want.level);
	KUNIT_EXPECT_EQ(test, it.pte, want.pte);
	KUNIT_EXPECT_EQ(test, downs, t->npt.levels - 1 - want.level);
}

/*
 * The iterator (axas_npt_lookup(), the one behind axas_npt_query()) against
 * the generic walker on leaves of every size, every permission the format
 * takes, holes and the edges of each, and through a break in progress.
 */
static void nt_lookup_iter(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	u64 base = nt_window(t), gpa, probe, old;
	struct axas_npt_leaf leaf;
	struct axas_npt_iter it;
	unsigned long flags;
	struct rnd_state rs;
	unsigned int i;
	u32 prot;

	/* A 1 GiB leaf, two 2 MiB leaves, 4 KiB leaves of each permission. */
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, base, nt_pa(2), SZ_1G,
					   AXAS_MAP_READ, 0), 0);
	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, base + SZ_1G, nt_pa(1),
					   SZ_4M, AXAS_MAP_READ | AXAS_MAP_WRITE, 0), 0);
	gpa = base + SZ_2G + SZ_64K;
	for (i = 0; i < ARRAY_SIZE(nt_good_prots); i++) {
		prot = nt_good_prots[i];
		if (!nt_prot_expressible(t, prot))
			continue;
		KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, gpa + i * SZ_8K,
						   nt_pa(0) + i * SZ_4K, SZ_4K,
						   prot, 0), 0);
	}

	for (probe = base; probe < base + SZ_1G + SZ_8M; probe += SZ_1M - SZ_4K)
		nt_expect_same_lookup(t, probe);
	for (i = 0; i < 2 * ARRAY_SIZE(nt_good_prots) + 2; i++) {
		nt_expect_same_lookup(t, gpa + i * SZ_4K);
		nt_expect_same_lookup(t, gpa + i * SZ_4K + 0xfff);
	}
	nt_expect_same_lookup(t, 0);
	nt_expect_same_lookup(t, nt_top(t) - 1);
	prandom_seed_state(&rs, 14);
	for (i = 0; i < 512; i++)
		nt_expect_same_lookup(t, base + (prandom_u32_state(&rs) % SZ_4G));
	KUNIT_EXPECT_EQ(test, axas_npt_lookup(&t->npt, nt_top(t), &leaf), -EINVAL);

	/*
	 * A break in progress, by hand: the entry holds the lock value, bbm
	 * the entry it replaces. A reader that decoded the lock value itself
	 * would answer -ENOENT (no format reads it as present).
	 */
	KUNIT_ASSERT_FALSE(test, t->npt.fmt->pte_is_present(AXAS_NPT_PTE_LOCKED));
	rcu_read_lock();
	axas_npt_iter_start(&it, &t->npt, gpa);
	while (axas_npt_iter_down(&it))
		;
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, it.level, 0);
	old = it.pte;
	local_irq_save(flags);
	write_seqcount_begin(&t->npt.bbm.seq);
	WRITE_ONCE(t->npt.bbm.ptep, it.ptep);
	WRITE_ONCE(t->npt.bbm.old, old);
	write_seqcount_end(&t->npt.bbm.seq);
	local_irq_restore(flags);
	/* The old value before the lock, as axas_npt_break_pte() orders them. */
	smp_store_release(it.ptep, AXAS_NPT_PTE_LOCKED);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, axas_npt_lookup(&t->npt, gpa, &leaf), 0);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, leaf.pte, old);
	KUNIT_EXPECT_EQ(test, leaf.pa, nt_pa(0));
	WRITE_ONCE(*it.ptep, old);
	WRITE_ONCE(t->npt.bbm.ptep, NULL);
	nt_expect_same_lookup(t, gpa);

	nt_cross_check(t);
	nt_destroy(t);
}

/* Page n of a run maps to page (n * 7) mod 4096 of a 16 MiB block: scattered. */
static u64 nt_scattered_pa(void *arg, u64 gpa)
{
	u64 n = (gpa - *(u64 *)arg) >> PAGE_SHIFT;

	return nt_pa(0) + ((n * 7) % 4096) * SZ_4K;
}

/*
 * 4 KiB maps fill a new last-level table in one pass and unmap takes a
 * covered one down in one pass: from mid-table to mid-table over several
 * tables, every page maps where it should, nothing beyond the ends does,
 * each removed leaf is reported once and the tables come back.
 */
static void nt_map_fill(struct kunit *test)
{
	struct nt *t = nt_create_param(test);
	const u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	u64 base = nt_window(t) + SZ_2M - 5 * SZ_4K, size = 3 * SZ_2M + 9 * SZ_4K;
	long tables0 = nt_table_pages(t), tables1;
	struct nt_removed rm = {};
	struct axas_npt_leaf leaf;
	bool flush = false;
	u64 off;

	KUNIT_ASSERT_EQ(test, axas_npt_map(&t->npt, base, nt_pa(0), size, rw,
					   AXAS_NPT_MAP_NOHUGE), 0);
	/* Five last-level tables (parts of two, three whole), their parents. */
	tables1 = nt_table_pages(t);
	KUNIT_EXPECT_GE(test, tables1 - tables0, 5);
	for (off = 0; off < size; off += SZ_4K) {
		rcu_read_lock();
		KUNIT_ASSERT_EQ(test, axas_npt_query(&t->npt, base + off, &leaf), 0);
		rcu_read_unlock();
		KUNIT_ASSERT_EQ(test, leaf.pa, nt_pa(0) + off);
		KUNIT_ASSERT_EQ(test, leaf.size, SZ_4K);
		KUNIT_ASSERT_EQ(test, leaf.prot, rw);
	}
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, base - SZ_4K, &leaf), -ENOENT);
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, base + size, &leaf), -ENOENT);
	rcu_read_unlock();
	nt_cross_check(t);

	/* A page less at each end: two tables keep a leaf each. */
	KUNIT_EXPECT_EQ(test, nt_unmap(t, base + SZ_4K, size - SZ_8K, &flush, &rm), 0);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, rm.count, size / SZ_4K - 2);
	KUNIT_EXPECT_EQ(test, rm.bytes, size - SZ_8K);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, base, &leaf), 0);
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, base + SZ_4K, &leaf), -ENOENT);
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, base + size - SZ_8K, &leaf),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, axas_npt_query(&t->npt, base + size - SZ_4K, &leaf), 0);
	rcu_read_unlock();
	/* The three tables in the middle went. */
	KUNIT_EXPECT_EQ(test, nt_table_pages(t), tables1 - 3);
	nt_cross_check(t);

	KUNIT_EXPECT_EQ(test, nt_unmap(t, base, size, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, nt_table_pages(t), tables0);

	/* Scattered pages (populate's way) fill new tables one by one. */
	KUNIT_ASSERT_EQ(test, axas_npt_map_each(&t->npt, base, size, rw,
						nt_scattered_pa, &base, 0), 0);
	for (off = 0; off < size; off += SZ_4K) {
		rcu_read_lock();
		KUNIT_ASSERT_EQ(test, axas_npt_query(&t->npt, base + off, &leaf), 0);
		rcu_read_unlock();
		KUNIT_ASSERT_EQ(test, leaf.pa, nt_scattered_pa(&base, base + off));
		KUNIT_ASSERT_EQ(test, leaf.size, SZ_4K);
	}
	nt_cross_check(t);
	KUNIT_EXPECT_EQ(test, nt_unmap(t, base, size, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, nt_table_pages(t), tables0);
	nt_cross_check(t);
	nt_destroy(t);
}

static struct kunit_case nt_cases[] = {
	KUNIT_CASE_PARAM(nt_new_table, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_map_leaf, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_bad_args, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_map_range, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_overlap, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_unmap_split, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_protect_split, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_walkers, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_map_page_case, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_map_page_lost_race, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_alloc_failure, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_map_alloc_first, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_random_ops, nt_fmt_gen_params),
	KUNIT_CASE(nt_widths),
	KUNIT_CASE_PARAM(nt_bbm_order, nt_fmt_gen_params),
	KUNIT_CASE(nt_contract),
	KUNIT_CASE_PARAM(nt_smp_stress, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_lookup_iter, nt_fmt_gen_params),
	KUNIT_CASE_PARAM(nt_map_fill, nt_fmt_gen_params),
	{}
};

static struct kunit_suite nt_suite = {
	.name = "axas_npt",
	.test_cases = nt_cases,
};

kunit_test_suite(nt_suite);
