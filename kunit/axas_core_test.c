// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of axas_core: regions, backends, lazy faults, translation,
 * guest memory access, invalidation, dump, rollback on every allocation
 * failure, and a multi-threaded stress run.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/delay.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include "kunit/ref_decode.h"

#define RW	(AXAS_MAP_READ | AXAS_MAP_WRITE)
#define RWX	(AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC)

static void put_aspace_action(void *as)
{
	axas_aspace_put(as);
}

static struct axas_aspace *new_aspace(struct kunit *test, u32 format,
				      u64 base, u64 size)
{
	struct axas_aspace *as = axas_aspace_create(format, 0, base, size);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, put_aspace_action, as));
	return as;
}

static struct axas_stats stats(struct axas_aspace *as)
{
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	return st;
}

/* Pages of the root of a fresh table. */
static u64 root_pages(struct axas_aspace *as)
{
	return 1ULL << as->npt.root_order;
}

/* ---- a snapshot of everything a failed call must leave alone ---------- */

#define MAX_PROBES 16

struct snap {
	struct axas_stats st;
	unsigned int nr;
	int ret[MAX_PROBES];
	struct axas_xlate x[MAX_PROBES];
};

static void take_snap(struct axas_aspace *as, const u64 *probes,
		      unsigned int nr, struct snap *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	axas_aspace_stats(as, &s->st);
	s->nr = nr;
	for (i = 0; i < nr; i++)
		s->ret[i] = axas_translate(as, probes[i], &s->x[i]);
}

static void expect_same(struct kunit *test, const struct snap *a,
			const struct snap *b, int n)
{
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, a->st.table_pages, b->st.table_pages,
			    "fail-nth %d", n);
	KUNIT_EXPECT_EQ_MSG(test, a->st.data_pages, b->st.data_pages,
			    "fail-nth %d", n);
	KUNIT_EXPECT_EQ_MSG(test, a->st.nr_regions, b->st.nr_regions,
			    "fail-nth %d", n);
	/* nothing a CPU could have cached was ever visible: no flush */
	KUNIT_EXPECT_EQ_MSG(test, a->st.tlb_gen, b->st.tlb_gen,
			    "fail-nth %d", n);
	for (i = 0; i < a->nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, a->ret[i], b->ret[i],
				    "fail-nth %d probe %u", n, i);
		if (a->ret[i] || b->ret[i])
			continue;
		KUNIT_EXPECT_EQ_MSG(test, a->x[i].hpa, b->x[i].hpa,
				    "fail-nth %d probe %u", n, i);
		KUNIT_EXPECT_EQ_MSG(test, a->x[i].page_size, b->x[i].page_size,
				    "fail-nth %d probe %u", n, i);
		KUNIT_EXPECT_EQ_MSG(test, a->x[i].prot, b->x[i].prot,
				    "fail-nth %d probe %u", n, i);
		KUNIT_EXPECT_EQ_MSG(test, a->x[i].limit, b->x[i].limit,
				    "fail-nth %d probe %u", n, i);
		KUNIT_EXPECT_EQ_MSG(test, a->x[i].kind, b->x[i].kind,
				    "fail-nth %d probe %u", n, i);
	}
}

/*
 * Runs @op with its 1st, 2nd, ... allocation failing until it succeeds.
 * Every failure must be -ENOMEM and leave the snapshot unchanged.
 * Returns the number of allocations the successful call made.
 */
static int fail_every_alloc(struct kunit *test, struct axas_aspace *as,
			    int (*op)(struct axas_aspace *as, void *arg),
			    void *arg, const u64 *probes, unsigned int nr)
{
	struct snap before, after;
	int n, ret, left;

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	take_snap(as, probes, nr, &before);
	for (n = 1; n < 4096; n++) {
		axas_test_fail_nth(as, n);
		ret = op(as, arg);
		left = axas_test_fail_left(as);
		axas_test_fail_nth(as, 0);
		if (!ret) {
			/* the n-th allocation was never reached */
			KUNIT_EXPECT_EQ(test, left, 1);
			break;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, -ENOMEM, "fail-nth %d", n);
		KUNIT_EXPECT_EQ(test, left, 0);
		take_snap(as, probes, nr, &after);
		expect_same(test, &before, &after, n);
	}
	KUNIT_EXPECT_LT(test, n, 4096);
	return n - 1;
}

/* ---- creation ---------------------------------------------------------- */

static void create_validation_test(struct kunit *test)
{
	static const struct {
		u32 format;
		u32 gpa_bits;
		u64 base;
		u64 size;
	} bad[] = {
		{ 99, 0, 0, SZ_4K },			/* unknown format */
		{ AXAS_FMT_EPT4, 40, 0, SZ_4K },	/* not EPT4's width */
		{ AXAS_FMT_EPT4, 0, 0x800, SZ_4K },	/* unaligned base */
		{ AXAS_FMT_EPT4, 0, 0, 0 },		/* empty */
		{ AXAS_FMT_EPT4, 0, 0, SZ_4K + 1 },	/* unaligned size */
		{ AXAS_FMT_EPT4, 0, ~0ULL - SZ_4K + 1, SZ_8K },	/* wraps */
		{ AXAS_FMT_EPT4, 0, BIT_ULL(48) - SZ_4K, SZ_8K }, /* too wide */
		{ AXAS_FMT_SV39X4, 0, 0, BIT_ULL(41) + SZ_4K },
	};
	struct axas_aspace *as;
	struct axas_stats st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		as = axas_aspace_create(bad[i].format, bad[i].gpa_bits,
					bad[i].base, bad[i].size);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(as), -EINVAL,
				    "case %u", i);
		if (!IS_ERR(as))
			axas_aspace_put(as);
	}

	as = new_aspace(test, AXAS_FMT_EPT4, BIT_ULL(48) - SZ_4K, SZ_4K);
	st = stats(as);
	KUNIT_EXPECT_EQ(test, st.format, AXAS_FMT_EPT4);
	KUNIT_EXPECT_EQ(test, st.levels, 4);
	KUNIT_EXPECT_EQ(test, st.gpa_bits, 48);
	KUNIT_EXPECT_EQ(test, st.table_pages, 1);
	KUNIT_EXPECT_EQ(test, st.data_pages, 0);
	KUNIT_EXPECT_EQ(test, st.nr_regions, 0);
	KUNIT_EXPECT_EQ(test, st.root_pa, (u64)axas_aspace_root_pa(as));
	KUNIT_EXPECT_EQ(test, st.root_reg, axas_aspace_root_reg(as));

	as = new_aspace(test, AXAS_FMT_SV39X4, SZ_1G, SZ_2G);
	st = stats(as);
	KUNIT_EXPECT_EQ(test, st.gpa_bits, 41);
	KUNIT_EXPECT_EQ(test, st.table_pages, 4);
	KUNIT_EXPECT_EQ(test, axas_aspace_base(as), SZ_1G);
	KUNIT_EXPECT_EQ(test, axas_aspace_size(as), SZ_2G);
	KUNIT_EXPECT_EQ(test, axas_aspace_end(as), 3ULL * SZ_1G);
	KUNIT_EXPECT_TRUE(test, axas_aspace_contains_range(as, SZ_1G, SZ_2G));
	KUNIT_EXPECT_TRUE(test, axas_aspace_contains_range(as, SZ_2G, SZ_4K));
	KUNIT_EXPECT_FALSE(test, axas_aspace_contains_range(as, SZ_1G - SZ_4K,
							    SZ_8K));
	KUNIT_EXPECT_FALSE(test, axas_aspace_contains_range(as,
							    3ULL * SZ_1G - SZ_4K,
							    SZ_8K));
	KUNIT_EXPECT_FALSE(test, axas_aspace_contains_range(as, SZ_2G, ~0ULL));

	as = new_aspace(test, AXAS_FMT_NATIVE, 0, SZ_1G);
	KUNIT_EXPECT_NE(test, stats(as).format, AXAS_FMT_NATIVE);
}

/* ---- argument checks: SPEC section 4 errno table ----------------------- */

static void map_errno_test(struct kunit *test)
{
	static const struct {
		bool linear;
		u64 gpa;
		u64 size;
		u64 hpa;
		u32 flags;
		int err;
	} cases[] = {
		{ true, 0, SZ_4K, SZ_1G, AXAS_MAP_WRITE, -EINVAL },
		{ false, 0, SZ_4K, 0, AXAS_MAP_WRITE, -EINVAL },
		{ true, 0, SZ_4K, SZ_1G, AXAS_MAP_READ | AXAS_MAP_DEVICE |
		  AXAS_MAP_UNCACHED, -EINVAL },
		{ true, 0, SZ_4K, SZ_1G, AXAS_MAP_READ | AXAS_MAP_DEVICE |
		  AXAS_MAP_EXEC, -EINVAL },
		{ true, 0, SZ_4K, SZ_1G, AXAS_MAP_READ | AXAS_MAP_POPULATE,
		  -EINVAL },
		{ false, 0, SZ_4K, 0, AXAS_MAP_READ | AXAS_MAP_NOHUGE,
		  -EINVAL },
		{ true, 0, SZ_4K, SZ_1G, AXAS_MAP_DEVICE, -EINVAL },
		{ false, 0, SZ_4K, 0, 0, -EINVAL },
		{ false, 0, SZ_4K, 0, AXAS_MAP_READ | BIT(5), -EINVAL },
		{ false, 0, SZ_4K, 0, AXAS_MAP_READ | BIT(31), -EINVAL },
		{ false, SZ_2K, SZ_4K, 0, AXAS_MAP_READ, -EINVAL },
		{ false, 0, SZ_2K, 0, AXAS_MAP_READ, -EINVAL },
		{ false, 0, 0, 0, AXAS_MAP_READ, -EINVAL },
		{ false, SZ_1G - SZ_4K, SZ_8K, 0, AXAS_MAP_READ, -EINVAL },
		{ false, ~0ULL - SZ_4K + 1, SZ_8K, 0, AXAS_MAP_READ, -EINVAL },
		{ true, 0, SZ_4K, SZ_1G + SZ_2K, AXAS_MAP_READ, -EINVAL },
		{ true, 0, SZ_4K, BIT_ULL(63), AXAS_MAP_READ, -EINVAL },
		{ true, 0, SZ_8K, ~0ULL - SZ_4K + 1, AXAS_MAP_READ, -EINVAL },
		/* overlaps with the region mapped below */
		{ false, SZ_1M - SZ_4K, SZ_8K, 0, AXAS_MAP_READ, -EEXIST },
		{ true, SZ_1M + SZ_4K, SZ_4K, SZ_1G, AXAS_MAP_READ, -EEXIST },
		{ false, 0, SZ_2M, 0, AXAS_MAP_READ, -EEXIST },
	};
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	struct axas_stats before, after;
	unsigned int i;
	int ret;

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_1M, SZ_64K,
					     RW | AXAS_MAP_POPULATE), 0);
	before = stats(as);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].linear)
			ret = axas_map_linear(as, cases[i].gpa, cases[i].hpa,
					      cases[i].size, cases[i].flags);
		else
			ret = axas_map_alloc(as, cases[i].gpa, cases[i].size,
					     cases[i].flags);
		KUNIT_EXPECT_EQ_MSG(test, ret, cases[i].err, "case %u", i);
		after = stats(as);
		KUNIT_EXPECT_EQ(test, before.table_pages, after.table_pages);
		KUNIT_EXPECT_EQ(test, before.data_pages, after.data_pages);
		KUNIT_EXPECT_EQ(test, before.nr_regions, after.nr_regions);
	}

	/* protect accepts permission and memory-type bits only */
	KUNIT_EXPECT_EQ(test, axas_protect(as, SZ_1M, SZ_4K,
					   AXAS_MAP_READ | AXAS_MAP_POPULATE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_protect(as, SZ_1M, SZ_4K, AXAS_MAP_WRITE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_protect(as, SZ_1M, SZ_4K, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_unmap(as, SZ_1M, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_unmap(as, SZ_1G, SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_unmap(as, SZ_1M + 1, SZ_4K), -EINVAL);

	/* adjacent regions are fine */
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, SZ_1M - SZ_4K, SZ_4K, RW), 0);
	KUNIT_EXPECT_EQ(test, axas_map_linear(as, SZ_1M + SZ_64K, SZ_1G,
					      SZ_4K, AXAS_MAP_READ), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 3);
}

/* ---- linear backend: leaf sizes ---------------------------------------- */

static void expect_xlate(struct kunit *test, struct axas_aspace *as, u64 gpa,
			 u64 hpa, u64 page_size, u32 prot, u32 kind, u64 limit)
{
	struct axas_xlate x;

	KUNIT_ASSERT_EQ_MSG(test, axas_translate(as, gpa, &x), 0,
			    "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, x.hpa, hpa, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, x.page_size, page_size, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, x.prot, prot, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, x.kind, kind, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, x.limit, limit, "gpa %#llx", gpa);
}

static void linear_leaf_size_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_8G);
	const u64 hbase = 0x40000000ULL;
	struct axas_xlate x;

	/* 1 GiB aligned on both sides: one 1 GiB leaf */
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, 4 * hbase, SZ_1G,
					      RWX), 0);
	expect_xlate(test, as, SZ_1G + 0x1234, 4 * hbase + 0x1234, SZ_1G, RWX,
		     AXAS_REGION_LINEAR, SZ_1G - 0x1234);
	/* 2 MiB aligned: 2 MiB leaves */
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_2G, hbase + SZ_2M,
					      SZ_8M, AXAS_MAP_READ), 0);
	expect_xlate(test, as, SZ_2G + SZ_4M + 5, hbase + 3 * SZ_2M + 5, SZ_2M,
		     AXAS_MAP_READ, AXAS_REGION_LINEAR, SZ_4M - 5);
	/* hpa only 4 KiB aligned: 4 KiB leaves */
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, 3ULL * SZ_1G, hbase + SZ_4K,
					      SZ_4M, RW), 0);
	expect_xlate(test, as, 3ULL * SZ_1G + SZ_2M, hbase + SZ_4K + SZ_2M,
		     SZ_4K, RW, AXAS_REGION_LINEAR, SZ_2M);
	/* NOHUGE: 4 KiB leaves although both sides are 1 GiB aligned */
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, 4ULL * SZ_1G, 8 * hbase,
					      SZ_4M, AXAS_MAP_READ |
					      AXAS_MAP_DEVICE |
					      AXAS_MAP_NOHUGE), 0);
	expect_xlate(test, as, 4ULL * SZ_1G, 8 * hbase, SZ_4K,
		     AXAS_MAP_READ | AXAS_MAP_DEVICE, AXAS_REGION_LINEAR,
		     SZ_4M);
	KUNIT_EXPECT_EQ(test, axas_translate(as, 4ULL * SZ_1G + SZ_4M, &x),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, axas_translate(as, 0, &x), -ENOENT);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 4);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 0);
}

/* ---- regions: splitting by unmap and protect --------------------------- */

static void region_split_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	struct axas_xlate x;
	u32 result;
	u64 gpa;

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_64K, RW), 0);
	for (gpa = 0; gpa < SZ_64K; gpa += SZ_4K) {
		KUNIT_ASSERT_EQ(test, axas_handle_page_fault(as, gpa,
							     AXAS_MAP_READ,
							     &result), 0);
		KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_HANDLED);
	}
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 16);

	/* a hole in the middle: two regions, four pages freed */
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_16K, SZ_16K), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 2);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 12);
	KUNIT_EXPECT_EQ(test, axas_translate(as, SZ_16K + SZ_4K, &x), -ENOENT);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_8K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.limit, SZ_8K);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_32K + 8, &x), 0);
	KUNIT_EXPECT_EQ(test, x.limit, SZ_32K - 8);
	KUNIT_ASSERT_EQ(test, axas_handle_page_fault(as, SZ_16K,
						     AXAS_MAP_READ, &result),
			0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_NOT_MAPPED);

	/* protect the middle of the right piece: three regions */
	KUNIT_ASSERT_EQ(test, axas_protect(as, SZ_32K + SZ_8K, SZ_8K,
					   AXAS_MAP_READ), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 4);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_32K + SZ_8K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, AXAS_MAP_READ);
	KUNIT_EXPECT_EQ(test, x.limit, SZ_8K);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_32K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, RW);
	KUNIT_EXPECT_EQ(test, x.limit, SZ_8K);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_64K - SZ_4K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, RW);
	KUNIT_EXPECT_EQ(test, x.limit, SZ_4K);

	/* protect across two regions with a hole between: -ENOENT */
	KUNIT_EXPECT_EQ(test, axas_protect(as, 0, SZ_64K, AXAS_MAP_READ),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 4);
	KUNIT_ASSERT_EQ(test, axas_translate(as, 0, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, RW);
	/* protect beyond the last region: -ENOENT */
	KUNIT_EXPECT_EQ(test, axas_protect(as, SZ_32K, SZ_64K, AXAS_MAP_READ),
			-ENOENT);
	/* protect across adjacent regions is fine and keeps them apart */
	KUNIT_EXPECT_EQ(test, axas_protect(as, SZ_32K, SZ_32K, RWX), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 4);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_32K + SZ_8K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, RWX);

	/* unmap over holes, cutting the first region */
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_4K, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 1);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 1);
	KUNIT_ASSERT_EQ(test, axas_translate(as, 0, &x), 0);
	KUNIT_EXPECT_EQ(test, x.limit, SZ_4K);
	/* an unmap of nothing at all */
	KUNIT_EXPECT_EQ(test, axas_unmap(as, SZ_2M, SZ_2M), 0);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, 0, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 0);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 0);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, root_pages(as));
}

/* Splitting huge linear leaves keeps the rest of the range translating. */
static void linear_split_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_8G);
	const u64 hpa = 0x80000000ULL;
	struct axas_xlate x;

	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, hpa, SZ_1G, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_1G + SZ_2M + SZ_4K, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 2);
	expect_xlate(test, as, SZ_1G, hpa, SZ_2M, RW, AXAS_REGION_LINEAR,
		     SZ_2M + SZ_4K);
	expect_xlate(test, as, SZ_1G + SZ_2M, hpa + SZ_2M, SZ_4K, RW,
		     AXAS_REGION_LINEAR, SZ_4K);
	KUNIT_EXPECT_EQ(test, axas_translate(as, SZ_1G + SZ_2M + SZ_4K, &x),
			-ENOENT);
	expect_xlate(test, as, SZ_1G + SZ_2M + SZ_8K, hpa + SZ_2M + SZ_8K,
		     SZ_4K, RW, AXAS_REGION_LINEAR, SZ_1G - SZ_2M - SZ_8K);
	expect_xlate(test, as, SZ_2G - SZ_4K, hpa + SZ_1G - SZ_4K, SZ_2M, RW,
		     AXAS_REGION_LINEAR, SZ_4K);

	/* protect cuts 2 MiB leaves and the region */
	KUNIT_ASSERT_EQ(test, axas_protect(as, SZ_2G - SZ_4M - SZ_4K, SZ_8K,
					   AXAS_MAP_READ), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 4);
	expect_xlate(test, as, SZ_2G - SZ_4M - SZ_4K, hpa + SZ_1G - SZ_4M -
		     SZ_4K, SZ_4K, AXAS_MAP_READ, AXAS_REGION_LINEAR, SZ_8K);
	expect_xlate(test, as, SZ_2G - SZ_4M - SZ_8K, hpa + SZ_1G - SZ_4M -
		     SZ_8K, SZ_4K, RW, AXAS_REGION_LINEAR, SZ_4K);
	expect_xlate(test, as, SZ_2G - SZ_2M, hpa + SZ_1G - SZ_2M, SZ_2M, RW,
		     AXAS_REGION_LINEAR, SZ_2M);

	axas_clear(as);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 0);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, root_pages(as));
	KUNIT_EXPECT_EQ(test, axas_translate(as, SZ_1G, &x), -ENOENT);
}

/* ---- lazy faults ------------------------------------------------------- */

static void expect_fault(struct kunit *test, struct axas_aspace *as, u64 gpa,
			 u32 access, u32 want)
{
	u32 result = 0;

	KUNIT_ASSERT_EQ_MSG(test, axas_handle_page_fault(as, gpa, access,
							 &result), 0,
			    "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, result, want, "gpa %#llx", gpa);
}

static void fault_results_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1T * 2);
	struct axas_stats before;
	struct axas_xlate x;
	u8 buf[8] = { 0 };
	u32 result;

	/* a lazy 1 TiB region costs nothing until touched */
	before = stats(as);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_1T, SZ_1T, RW), 0);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 0);

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_64K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, SZ_1G, SZ_2M,
					      AXAS_MAP_READ), 0);

	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_1M, 0, &result),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_1M,
						     AXAS_MAP_DEVICE, &result),
			-EINVAL);

	expect_fault(test, as, SZ_1M, AXAS_MAP_READ, AXAS_FAULT_NOT_MAPPED);
	expect_fault(test, as, SZ_1T * 2 + SZ_4K, AXAS_MAP_READ, AXAS_FAULT_NOT_MAPPED);
	/* permissions come first, whatever the kind */
	expect_fault(test, as, SZ_1T + 5, AXAS_MAP_EXEC, AXAS_FAULT_PERM);
	expect_fault(test, as, SZ_1G, AXAS_MAP_WRITE, AXAS_FAULT_PERM);
	expect_fault(test, as, SZ_4K, AXAS_MAP_EXEC, AXAS_FAULT_PERM);
	expect_fault(test, as, SZ_1G + 3, AXAS_MAP_READ, AXAS_FAULT_NOT_LAZY);
	expect_fault(test, as, SZ_4K, AXAS_MAP_WRITE, AXAS_FAULT_NOT_LAZY);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 16);

	before = stats(as);
	expect_fault(test, as, SZ_1T + SZ_1G + 0x123, AXAS_MAP_WRITE, AXAS_FAULT_HANDLED);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages + 1);
	/* EPT4: new tables at levels 2, 1 and 0 */
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages + 3);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_1T + SZ_1G, &x), 0);
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_4K);
	KUNIT_EXPECT_EQ(test, x.prot, RW);
	KUNIT_EXPECT_EQ(test, x.kind, AXAS_REGION_ALLOC);
	KUNIT_EXPECT_EQ(test, x.limit, SZ_1T - SZ_1G);

	/* the page is zeroed; what is written stays across a spurious fault */
	KUNIT_ASSERT_EQ(test, axas_read(as, SZ_1T + SZ_1G + 8, buf, 8), 8);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, 8));
	KUNIT_ASSERT_EQ(test, axas_write(as, SZ_1T + SZ_1G + 8, "axas-v1", 8),
			8);
	before = stats(as);
	expect_fault(test, as, SZ_1T + SZ_1G + SZ_4K - 1, AXAS_MAP_READ, AXAS_FAULT_SPURIOUS);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages);
	KUNIT_ASSERT_EQ(test, axas_read(as, SZ_1T + SZ_1G + 8, buf, 8), 8);
	KUNIT_EXPECT_STREQ(test, (char *)buf, "axas-v1");
	/* the neighbour needs no new table */
	expect_fault(test, as, SZ_1T + SZ_1G + SZ_4K, AXAS_MAP_READ, AXAS_FAULT_HANDLED);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages);

	/* lazily faulted pages get the permissions set by protect */
	KUNIT_ASSERT_EQ(test, axas_protect(as, SZ_1T + SZ_2G, SZ_2M,
					   AXAS_MAP_READ | AXAS_MAP_EXEC), 0);
	expect_fault(test, as, SZ_1T + SZ_2G, AXAS_MAP_WRITE, AXAS_FAULT_PERM);
	expect_fault(test, as, SZ_1T + SZ_2G, AXAS_MAP_EXEC, AXAS_FAULT_HANDLED);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_1T + SZ_2G, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, AXAS_MAP_READ | AXAS_MAP_EXEC);

	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_1T, SZ_1T), 0);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 16);
}

/*
 * Faults whose answer changes nothing take no lock: with the lock held for
 * writing, they still complete. A fault that must map a page, and a write
 * that tracking must log, wait for the lock (the negative controls: they
 * only complete once it is released).
 */
struct fault_probe {
	struct axas_aspace *as;
	u64 gpa;
	u32 access;
	u32 result;
	int ret;
	struct completion done;
};

static int fault_probe_fn(void *arg)
{
	struct fault_probe *p = arg;

	p->ret = axas_handle_page_fault(p->as, p->gpa, p->access, &p->result);
	complete(&p->done);
	return 0;
}

/* Fault from a kthread while the test holds the lock; did it wait? */
static bool fault_waits(struct kunit *test, struct axas_aspace *as, u64 gpa,
			u32 access, u32 want)
{
	struct fault_probe p = { .as = as, .gpa = gpa, .access = access };
	struct task_struct *task;
	bool waited;

	init_completion(&p.done);
	down_write(&as->lock);
	task = kthread_run(fault_probe_fn, &p, "axas_fault_probe");
	if (IS_ERR(task)) {
		up_write(&as->lock);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		return false;
	}
	waited = !wait_for_completion_timeout(&p.done, HZ / 2);
	up_write(&as->lock);
	if (waited)
		wait_for_completion(&p.done);
	KUNIT_EXPECT_EQ_MSG(test, p.ret, 0, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, p.result, want, "gpa %#llx", gpa);
	return waited;
}

static void fault_lockless_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1T);
	struct axas_stats before;

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_2M, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_4M, SZ_64K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, SZ_1G, SZ_2M,
					      AXAS_MAP_READ), 0);
	expect_fault(test, as, SZ_4K, AXAS_MAP_WRITE, AXAS_FAULT_HANDLED);
	before = stats(as);

	KUNIT_EXPECT_FALSE(test, fault_waits(test, as, SZ_4K, AXAS_MAP_WRITE,
					     AXAS_FAULT_SPURIOUS));
	KUNIT_EXPECT_FALSE(test, fault_waits(test, as, SZ_1M * 3, AXAS_MAP_READ,
					     AXAS_FAULT_NOT_MAPPED));
	KUNIT_EXPECT_FALSE(test, fault_waits(test, as, SZ_4K, AXAS_MAP_EXEC,
					     AXAS_FAULT_PERM));
	KUNIT_EXPECT_FALSE(test, fault_waits(test, as, SZ_1G, AXAS_MAP_READ,
					     AXAS_FAULT_NOT_LAZY));
	KUNIT_EXPECT_FALSE(test, fault_waits(test, as, SZ_4M, AXAS_MAP_WRITE,
					     AXAS_FAULT_NOT_LAZY));
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages);

	/* The controls: these change the space, so they take the lock. */
	KUNIT_EXPECT_TRUE(test, fault_waits(test, as, SZ_8K, AXAS_MAP_READ,
					    AXAS_FAULT_HANDLED));
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages + 1);
	KUNIT_ASSERT_EQ(test, axas_set_dirty_tracking(as, 0, SZ_2M,
						      AXAS_DIRTY_ENABLE), 0);
	KUNIT_EXPECT_TRUE(test, fault_waits(test, as, SZ_4K, AXAS_MAP_WRITE,
					    AXAS_FAULT_LOGGED));
	/* A read of a tracked page changes nothing: no lock. */
	KUNIT_EXPECT_FALSE(test, fault_waits(test, as, SZ_8K, AXAS_MAP_READ,
					     AXAS_FAULT_SPURIOUS));
}

/* The hpa of translate includes the offset; the limit runs to region end. */
static void translate_limit_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_SV39X4, 0, SZ_1G);
	phys_addr_t hpa;
	u64 limit;

	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_2M, 0x10000000ULL, SZ_8M,
					      RW), 0);
	KUNIT_ASSERT_EQ(test, axas_translate_and_get_limit(as, SZ_2M + 0x1123,
							   &hpa, &limit), 0);
	KUNIT_EXPECT_EQ(test, (u64)hpa, 0x10001123ULL);
	KUNIT_EXPECT_EQ(test, limit, SZ_8M - 0x1123);
	KUNIT_ASSERT_EQ(test, axas_translate_and_get_limit(as, SZ_8M + SZ_2M -
							   1, &hpa, &limit),
			0);
	KUNIT_EXPECT_EQ(test, limit, 1);
	KUNIT_EXPECT_EQ(test, axas_translate_and_get_limit(as, SZ_8M + SZ_2M,
							   &hpa, &limit),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, axas_translate_and_get_limit(as, SZ_2M - 1,
							   &hpa, &limit),
			-ENOENT);
	/* a lazy page not faulted in yet does not translate */
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_16M, SZ_1M, RW), 0);
	KUNIT_EXPECT_EQ(test, axas_translate_and_get_limit(as, SZ_16M, &hpa,
							   &limit), -ENOENT);
}

/* ---- guest memory access ----------------------------------------------- */

static void free_page_action(void *page)
{
	__free_page(page);
}

static void access_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	struct page *host = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct axas_stats before;
	struct iov_iter iter;
	struct kvec kv;
	u8 *out, *in;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, host);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   free_page_action,
							   host));
	out = kunit_kmalloc(test, SZ_16K, GFP_KERNEL);
	in = kunit_kzalloc(test, SZ_16K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, in);
	for (i = 0; i < SZ_16K; i++)
		out[i] = i * 7 + 3;

	/* lazy [0, 8K), populated [8K, 16K), hole, lazy [20K, 28K) */
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_8K, AXAS_MAP_READ), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_8K, SZ_8K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_16K + SZ_4K, SZ_8K, RW),
			0);
	/* linear onto a host page, then a device region right after it */
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1M, page_to_phys(host),
					      SZ_4K, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1M + SZ_4K, SZ_1G, SZ_4K,
					      RW | AXAS_MAP_DEVICE), 0);

	/* reading untouched lazy pages: zeros, nothing allocated */
	before = stats(as);
	memset(in, 0xaa, SZ_8K);
	KUNIT_EXPECT_EQ(test, axas_read(as, SZ_16K + SZ_4K, in, SZ_8K),
			(ssize_t)SZ_8K);
	KUNIT_EXPECT_NULL(test, memchr_inv(in, 0, SZ_8K));
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages);

	/* a write across the lazy and the populated region, read back */
	KUNIT_EXPECT_EQ(test, axas_write(as, 100, out, 10000), 10000);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages + 2);
	KUNIT_EXPECT_EQ(test, axas_read(as, 100, in, 10000), 10000);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, 10000), 0);
	/* guest permissions do not apply: the lazy region is read-only */
	KUNIT_EXPECT_EQ(test, axas_read(as, 0, in, 100), 100);
	KUNIT_EXPECT_NULL(test, memchr_inv(in, 0, 100));

	/* a hole ends the transfer: short count, or -EFAULT */
	memset(in, 0xaa, 16);
	KUNIT_EXPECT_EQ(test, axas_read(as, SZ_16K - 10, in, 100), 10);
	KUNIT_EXPECT_NULL(test, memchr_inv(in, 0, 10));
	KUNIT_EXPECT_EQ(test, in[10], 0xaa);
	KUNIT_EXPECT_EQ(test, axas_read(as, SZ_16K, in, 100), -EFAULT);
	KUNIT_EXPECT_EQ(test, axas_write(as, SZ_16K + SZ_4K - 1, out, 2),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, axas_read(as, 0, in, 0), 0);

	/* linear regions only with AXAS_ACCESS_LINEAR */
	kv.iov_base = in;
	kv.iov_len = 16;
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, 16);
	KUNIT_EXPECT_EQ(test, axas_access_iter(as, SZ_1M, &iter, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, axas_write(as, SZ_1M + 16, "linear", 7), 7);
	KUNIT_EXPECT_STREQ(test, (char *)page_address(host) + 16, "linear");
	kv.iov_base = out;
	kv.iov_len = 32;
	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, 32);
	KUNIT_EXPECT_EQ(test, axas_access_iter(as, SZ_1M + SZ_4K - 32, &iter,
					       AXAS_ACCESS_WRITE |
					       AXAS_ACCESS_LINEAR), 32);
	KUNIT_EXPECT_EQ(test, memcmp((u8 *)page_address(host) + SZ_4K - 32,
				     out, 32), 0);
	/* device regions refuse; a transfer stops in front of them */
	KUNIT_EXPECT_EQ(test, axas_read(as, SZ_1M + SZ_4K, in, 4), -EIO);
	KUNIT_EXPECT_EQ(test, axas_read(as, SZ_1M + SZ_4K - 4, in, 8), 4);
	KUNIT_EXPECT_EQ(test, memcmp(in, out + 28, 4), 0);
	kv.iov_base = in;
	kv.iov_len = 8;
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, 8);
	KUNIT_EXPECT_EQ(test, axas_access_iter(as, 0, &iter, BIT(7)), -EINVAL);
}

/* ---- invalidation hook and tlb_gen ------------------------------------- */

struct inv_log {
	int calls;
	u64 gpa;
	u64 size;
};

static void inv_record(void *priv, u64 gpa, u64 size)
{
	struct inv_log *log = priv;

	log->calls++;
	log->gpa = gpa;
	log->size = size;
}

static const struct axas_invalidate_ops inv_ops = {
	.invalidate = inv_record,
};

static void invalidate_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_ARM_S2, 0, SZ_1G);
	struct inv_log log = { 0 };
	u64 gen;
	u32 result;

	KUNIT_ASSERT_EQ(test, axas_register_invalidate(as, &inv_ops, &log), 0);
	KUNIT_EXPECT_EQ(test, axas_register_invalidate(as, &inv_ops, &log),
			-EBUSY);

	/* removing leaves that were never present is no invalidation */
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_1M, RW), 0);
	gen = stats(as).tlb_gen;
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_64K, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, stats(as).tlb_gen, gen);
	KUNIT_EXPECT_EQ(test, log.calls, 0);
	/* nor is an upgrade */
	KUNIT_ASSERT_EQ(test, axas_handle_page_fault(as, 0, AXAS_MAP_READ,
						     &result), 0);
	KUNIT_ASSERT_EQ(test, axas_protect(as, 0, SZ_8K, RWX), 0);
	KUNIT_EXPECT_EQ(test, stats(as).tlb_gen, gen);
	KUNIT_EXPECT_EQ(test, log.calls, 0);

	/* a downgrade is */
	KUNIT_ASSERT_EQ(test, axas_protect(as, 0, SZ_4K, AXAS_MAP_READ), 0);
	KUNIT_EXPECT_EQ(test, stats(as).tlb_gen, gen + 1);
	KUNIT_EXPECT_EQ(test, log.calls, 1);
	KUNIT_EXPECT_EQ(test, log.gpa, 0);
	KUNIT_EXPECT_EQ(test, log.size, SZ_4K);
	/* and so is removing a present leaf */
	KUNIT_ASSERT_EQ(test, axas_unmap(as, 0, SZ_8K), 0);
	KUNIT_EXPECT_EQ(test, stats(as).tlb_gen, gen + 2);
	KUNIT_EXPECT_EQ(test, log.calls, 2);
	KUNIT_EXPECT_EQ(test, log.size, SZ_8K);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 0);

	/* clear with a present leaf */
	KUNIT_ASSERT_EQ(test, axas_handle_page_fault(as, SZ_512K,
						     AXAS_MAP_WRITE, &result),
			0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_HANDLED);
	axas_clear(as);
	KUNIT_EXPECT_EQ(test, stats(as).tlb_gen, gen + 3);
	/*
	 * Two calls: the walk yields the lock after 512 entries with the leaf
	 * gone (it invalidates first, as tdp_mmu_iter_cond_resched() flushes),
	 * then the end of the operation invalidates the space (tables went).
	 */
	KUNIT_EXPECT_EQ(test, log.calls, 4);
	KUNIT_EXPECT_EQ(test, log.size, SZ_1G);

	axas_unregister_invalidate(as);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_4K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, 0, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, stats(as).tlb_gen, gen + 4);
	KUNIT_EXPECT_EQ(test, log.calls, 4);
}

/* ---- dump -------------------------------------------------------------- */

struct dump_log {
	u64 calls;
	u64 snap_pages;
	int stop_at;
	bool bad;
};

static int dump_emit(void *arg, const struct axas_stats *st, u64 pa,
		     const void *page)
{
	struct dump_log *log = arg;

	log->calls++;
	log->snap_pages = st->table_pages;
	if (!IS_ALIGNED(pa, SZ_4K) || !page)
		log->bad = true;
	if (log->stop_at && log->calls == log->stop_at)
		return -E2BIG;
	return 0;
}

static void dump_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_SV48X4, 0, SZ_1T);
	struct dump_log log = { 0 };
	struct axas_xlate x;

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_1G - SZ_8K, SZ_16K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_4G, SZ_4G, SZ_1G + SZ_4K,
					      AXAS_MAP_READ), 0);
	KUNIT_ASSERT_EQ(test, axas_dump_tables(as, dump_emit, &log), 0);
	KUNIT_EXPECT_FALSE(test, log.bad);
	KUNIT_EXPECT_EQ(test, log.calls, log.snap_pages);
	KUNIT_EXPECT_EQ(test, log.calls, stats(as).table_pages);
	/* root (4 pages) + 1 level-2 + 2 level-1 + 2 level-0 + 1 + 1 */
	KUNIT_EXPECT_EQ(test, log.calls, 4 + 1 + 2 + 2 + 1 + 1);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_4G, &x), 0);
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_1G);

	memset(&log, 0, sizeof(log));
	log.stop_at = 2;
	KUNIT_EXPECT_EQ(test, axas_dump_tables(as, dump_emit, &log), -E2BIG);
	KUNIT_EXPECT_EQ(test, log.calls, 2);
}

/* ---- rollback: fail every allocation of a call in turn ------------------ */

struct map_args {
	u64 gpa;
	u64 hpa;
	u64 size;
	u32 flags;
};

static int op_map_alloc(struct axas_aspace *as, void *arg)
{
	struct map_args *m = arg;

	return axas_map_alloc(as, m->gpa, m->size, m->flags);
}

static int op_map_linear(struct axas_aspace *as, void *arg)
{
	struct map_args *m = arg;

	return axas_map_linear(as, m->gpa, m->hpa, m->size, m->flags);
}

static int op_unmap(struct axas_aspace *as, void *arg)
{
	struct map_args *m = arg;

	return axas_unmap(as, m->gpa, m->size);
}

static int op_protect(struct axas_aspace *as, void *arg)
{
	struct map_args *m = arg;

	return axas_protect(as, m->gpa, m->size, m->flags);
}

static int op_fault(struct axas_aspace *as, void *arg)
{
	struct map_args *m = arg;
	u32 result = 0;
	int ret;

	ret = axas_handle_page_fault(as, m->gpa, m->flags, &result);
	if (!ret && result != AXAS_FAULT_HANDLED)
		return -EPROTO;
	return ret;
}

static int op_write(struct axas_aspace *as, void *arg)
{
	struct map_args *m = arg;
	static const char msg[] = "rollback";
	ssize_t ret;

	ret = axas_write(as, m->gpa, msg, sizeof(msg));
	if (ret < 0)
		return ret;
	return ret == sizeof(msg) ? 0 : -EPROTO;
}

static const u32 all_formats[] = {
	AXAS_FMT_EPT4, AXAS_FMT_EPT5, AXAS_FMT_ARM_S2,
	AXAS_FMT_SV39X4, AXAS_FMT_SV48X4, AXAS_FMT_SV57X4,
	AXAS_FMT_AMD_NPT4, AXAS_FMT_AMD_NPT5,
};

static void format_desc(const u32 *f, char *desc)
{
	static const char * const names[] = {
		"native", "ept4", "ept5", "arm_s2", "sv39x4", "sv48x4", "sv57x4",
		"amd_npt4", "amd_npt5",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", names[*f]);
}

KUNIT_ARRAY_PARAM(format, all_formats, format_desc);

static u32 param_format(struct kunit *test)
{
	return *(const u32 *)test->param_value;
}

/* Populate a range that needs tables at several levels. */
static void rollback_populate_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, param_format(test), 0,
					    SZ_8G);
	struct map_args m = {
		.gpa = SZ_2G - SZ_16K, .size = SZ_32K,
		.flags = RW | AXAS_MAP_POPULATE,
	};
	const u64 probes[] = { SZ_2G - SZ_16K, SZ_2G - SZ_4K, SZ_2G,
			       SZ_2G + SZ_16K - SZ_4K, SZ_1G };
	struct axas_stats before;
	int n;

	/* an unrelated region must survive every failure */
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, SZ_1G, SZ_4M,
					      AXAS_MAP_READ), 0);
	before = stats(as);
	n = fail_every_alloc(test, as, op_map_alloc, &m, probes,
			     ARRAY_SIZE(probes));
	/* region + 8 data pages + at least one table on each side */
	KUNIT_EXPECT_GE(test, n, 1 + 8 + 2);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 8);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, before.nr_regions + 1);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages + 1 + 8,
			before.table_pages + n);
}

/* A linear map with unaligned ends: tables at every level, huge leaves. */
static void rollback_linear_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, param_format(test), 0,
					    SZ_16G);
	struct map_args m = {
		.gpa = 3ULL * SZ_1G - SZ_2M - SZ_4K,
		.hpa = 3ULL * SZ_1G - SZ_2M - SZ_4K,
		.size = SZ_4K + SZ_2M + SZ_1G + SZ_2M + SZ_4K,
		.flags = RW,
	};
	const u64 probes[] = { m.gpa, m.gpa + SZ_4K, 3ULL * SZ_1G,
			       4ULL * SZ_1G + SZ_2M, SZ_8G, SZ_1G };
	struct axas_stats before;
	struct axas_xlate x;
	int n;

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_1G, SZ_64K,
					     RW | AXAS_MAP_POPULATE), 0);
	before = stats(as);
	n = fail_every_alloc(test, as, op_map_linear, &m, probes,
			     ARRAY_SIZE(probes));
	KUNIT_EXPECT_GE(test, n, 3);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages + 1,
			before.table_pages + n);
	expect_xlate(test, as, 3ULL * SZ_1G + 5, 3ULL * SZ_1G + 5, SZ_1G, RW,
		     AXAS_REGION_LINEAR, SZ_1G + SZ_2M + SZ_4K - 5);
	KUNIT_ASSERT_EQ(test, axas_translate(as, m.gpa + SZ_4K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_2M);
	KUNIT_ASSERT_EQ(test, axas_translate(as, m.gpa, &x), 0);
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_4K);
}

/* A lazy fault where no table exists yet, and a write that faults. */
static void rollback_fault_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, param_format(test), 0,
					    SZ_16G);
	struct map_args m = { .gpa = SZ_8G + SZ_2M + 0x42,
			      .flags = AXAS_MAP_WRITE };
	const u64 probes[] = { SZ_8G + SZ_2M, SZ_8G, SZ_4G };
	struct axas_stats before;
	char buf[9];
	int n;

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_4G, SZ_8G, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_4G - SZ_4K, SZ_4K,
					     RW | AXAS_MAP_POPULATE), 0);
	before = stats(as);
	n = fail_every_alloc(test, as, op_fault, &m, probes,
			     ARRAY_SIZE(probes));
	/* the data page, then a level-1 and a level-0 table */
	KUNIT_EXPECT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages + 1);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages + 2);

	m.gpa = 12ULL * SZ_1G - SZ_8K + 0x100;
	before = stats(as);
	n = fail_every_alloc(test, as, op_write, &m, probes,
			     ARRAY_SIZE(probes));
	KUNIT_EXPECT_GE(test, n, 2);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, before.data_pages + 1);
	KUNIT_ASSERT_EQ(test, axas_read(as, m.gpa, buf, sizeof(buf)),
			(ssize_t)sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "rollback");
}

/* Cutting 1 GiB and 2 MiB leaves by unmap and protect. */
static void rollback_split_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, param_format(test), 0,
					    SZ_8G);
	struct map_args m = { .gpa = SZ_1G + SZ_4M + SZ_4K, .size = SZ_4K };
	const u64 probes[] = { SZ_1G, SZ_1G + SZ_4M, SZ_1G + SZ_4M + SZ_4K,
			       SZ_1G + SZ_4M + SZ_8K, SZ_2G - SZ_4K,
			       SZ_2G + SZ_2M, SZ_2G + SZ_4M, SZ_4G };
	struct axas_stats before;
	struct axas_xlate x;
	int n;

	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, SZ_1G, SZ_1G, RWX),
			0);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_2G, SZ_4G, SZ_8M, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_4G, SZ_4K,
					     RW | AXAS_MAP_POPULATE), 0);
	before = stats(as);
	n = fail_every_alloc(test, as, op_unmap, &m, probes,
			     ARRAY_SIZE(probes));
	/* two region pieces, then a level-1 and a level-0 table */
	KUNIT_EXPECT_GE(test, n, 2 + 2);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages + 2);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, before.nr_regions + 1);
	KUNIT_EXPECT_EQ(test, axas_translate(as, m.gpa, &x), -ENOENT);
	expect_xlate(test, as, SZ_1G + SZ_4M, SZ_1G + SZ_4M, SZ_4K, RWX,
		     AXAS_REGION_LINEAR, SZ_4K);
	expect_xlate(test, as, SZ_2G - 1, SZ_2G - 1, SZ_2M, RWX,
		     AXAS_REGION_LINEAR, 1);

	/* protect the middle 2 MiB of an 8 MiB run of 2 MiB leaves... */
	m.gpa = SZ_2G + SZ_2M + SZ_8K;
	m.size = SZ_4K;
	m.flags = AXAS_MAP_READ;
	before = stats(as);
	n = fail_every_alloc(test, as, op_protect, &m, probes,
			     ARRAY_SIZE(probes));
	/* four region pieces (three used), one level-0 table */
	KUNIT_EXPECT_GE(test, n, 4 + 1);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, before.table_pages + 1);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, before.nr_regions + 2);
	expect_xlate(test, as, SZ_2G + SZ_2M + SZ_8K, SZ_4G + SZ_2M + SZ_8K,
		     SZ_4K, AXAS_MAP_READ, AXAS_REGION_LINEAR, SZ_4K);
	expect_xlate(test, as, SZ_2G + SZ_2M, SZ_4G + SZ_2M, SZ_4K, RW,
		     AXAS_REGION_LINEAR, SZ_8K);
	expect_xlate(test, as, SZ_2G + SZ_4M, SZ_4G + SZ_4M, SZ_2M, RW,
		     AXAS_REGION_LINEAR, SZ_4M);
}

/* ---- concurrency ------------------------------------------------------- */

#define STRESS_LAZY_PAGES	1024
#define STRESS_ITERS		400
#define STRESS_MAP_BASE		SZ_64M
#define STRESS_LIN_BASE		SZ_128M

struct stress {
	struct axas_aspace *as;
	unsigned long *touched;
	atomic_t errors;
	atomic_t running;
	struct completion done;
};

struct stress_thread {
	struct stress *s;
	int (*fn)(struct stress *s, struct rnd_state *rnd);
	u64 seed;
};

static int stress_faulter(struct stress *s, struct rnd_state *rnd)
{
	u32 page = prandom_u32_state(rnd) % STRESS_LAZY_PAGES;
	u64 gpa = (u64)page * SZ_4K, tag = gpa ^ 0x5a5a5a5a, got = 0;
	u32 result;
	int ret;

	set_bit(page, s->touched);
	ret = axas_handle_page_fault(s->as, gpa, AXAS_MAP_READ, &result);
	if (ret || (result != AXAS_FAULT_HANDLED &&
		    result != AXAS_FAULT_SPURIOUS))
		return -EPROTO;
	/* every writer of a page writes the same tag at the same place */
	if (axas_write(s->as, gpa + 64, &tag, 8) != 8 ||
	    axas_read(s->as, gpa + 64, &got, 8) != 8 || got != tag)
		return -EPROTO;
	return 0;
}

static int stress_mapper(struct stress *s, struct rnd_state *rnd)
{
	u64 gpa = STRESS_MAP_BASE;
	u32 flags = RW;
	u32 result;
	int ret;

	if (prandom_u32_state(rnd) & 1)
		flags |= AXAS_MAP_POPULATE;
	ret = axas_map_alloc(s->as, gpa, SZ_256K, flags);
	if (!ret)
		ret = axas_handle_page_fault(s->as, gpa + SZ_64K,
					     AXAS_MAP_WRITE, &result);
	if (!ret)
		ret = axas_write(s->as, gpa + SZ_128K, "x", 1) == 1 ? 0 : -EIO;
	if (!ret)
		ret = axas_unmap(s->as, gpa + SZ_32K, SZ_64K);
	if (!ret)
		ret = axas_protect(s->as, gpa + SZ_128K, SZ_64K,
				   AXAS_MAP_READ);
	if (!ret)
		ret = axas_unmap(s->as, gpa, SZ_256K);
	return ret;
}

static int stress_linear(struct stress *s, struct rnd_state *rnd)
{
	u64 gpa = STRESS_LIN_BASE;
	int ret;

	ret = axas_map_linear(s->as, gpa, SZ_1G, SZ_8M, RW);
	if (!ret)
		ret = axas_unmap(s->as, gpa + SZ_2M + SZ_4K *
				 (prandom_u32_state(rnd) % 512), SZ_4K);
	if (!ret)
		ret = axas_protect(s->as, gpa + SZ_4M, SZ_2M, AXAS_MAP_READ);
	if (!ret)
		ret = axas_unmap(s->as, gpa, SZ_8M);
	return ret;
}

static int stress_protect(struct stress *s, struct rnd_state *rnd)
{
	u64 gpa = (u64)(prandom_u32_state(rnd) % (STRESS_LAZY_PAGES / 2)) *
		  SZ_4K;

	/* the faulters only read: taking away write never hurts them */
	if (axas_protect(s->as, gpa, SZ_64K, AXAS_MAP_READ))
		return -EPROTO;
	return axas_protect(s->as, gpa, SZ_64K, RW);
}

static int stress_translate(struct stress *s, struct rnd_state *rnd)
{
	u64 gpa = ((u64)prandom_u32_state(rnd) << 12) % SZ_256M;
	struct axas_xlate x;
	unsigned long flags;
	int i, ret;

	for (i = 0; i < 16; i++, gpa += SZ_2M + SZ_4K) {
		/* translate is documented for atomic context: half of them */
		if (i & 1) {
			local_irq_save(flags);
			ret = axas_translate(s->as, gpa, &x);
			local_irq_restore(flags);
		} else {
			ret = axas_translate(s->as, gpa, &x);
		}
		if (ret)
			continue;
		if ((x.page_size != SZ_4K && x.page_size != SZ_2M &&
		     x.page_size != SZ_1G) || !x.limit ||
		    !(x.prot & AXAS_MAP_READ))
			return -EPROTO;
	}
	return 0;
}

static int stress_thread_fn(void *arg)
{
	struct stress_thread *t = arg;
	struct stress *s = t->s;
	struct rnd_state rnd;
	int i;

	prandom_seed_state(&rnd, t->seed);
	for (i = 0; i < STRESS_ITERS; i++) {
		if (t->fn(s, &rnd))
			atomic_inc(&s->errors);
		cond_resched();
	}
	if (atomic_dec_and_test(&s->running))
		complete(&s->done);
	return 0;
}

static int count_leaf(const struct axas_npt_leaf *leaf, void *arg)
{
	(*(u64 *)arg)++;
	return 0;
}

static void concurrency_test(struct kunit *test)
{
	static int (* const fns[])(struct stress *, struct rnd_state *) = {
		stress_faulter, stress_faulter, stress_faulter,
		stress_mapper, stress_linear, stress_protect,
		stress_translate, stress_translate,
	};
	struct stress_thread *threads;
	struct task_struct *task;
	struct axas_npt_ref_walk w = { 0 };
	struct stress s = { 0 };
	struct axas_npt_ref_geom g;
	u64 leaves = 0;
	unsigned int i;

	s.as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	s.touched = kunit_kzalloc(test, BITS_TO_LONGS(STRESS_LAZY_PAGES) *
				  sizeof(long), GFP_KERNEL);
	threads = kunit_kcalloc(test, ARRAY_SIZE(fns), sizeof(*threads),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s.touched);
	KUNIT_ASSERT_NOT_NULL(test, threads);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(s.as, 0,
					     STRESS_LAZY_PAGES * SZ_4K, RW), 0);
	init_completion(&s.done);
	atomic_set(&s.running, ARRAY_SIZE(fns));

	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		threads[i].s = &s;
		threads[i].fn = fns[i];
		threads[i].seed = 0xa5a5 + i;
		task = kthread_run(stress_thread_fn, &threads[i],
				   "axas-stress/%u", i);
		if (IS_ERR(task)) {
			/* pretend the missing threads are done */
			if (atomic_sub_and_test(ARRAY_SIZE(fns) - i,
						&s.running))
				complete(&s.done);
			break;
		}
	}
	wait_for_completion(&s.done);
	KUNIT_ASSERT_EQ(test, i, ARRAY_SIZE(fns));
	KUNIT_EXPECT_EQ(test, atomic_read(&s.errors), 0);

	/* exactly the touched pages are mapped, each with one data page */
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, axas_npt_visit_leaves(&s.as->npt, 0, SZ_1G,
						    count_leaf, &leaves,
						    AXAS_NPT_WALK_SHARED), 0);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, leaves,
			bitmap_weight(s.touched, STRESS_LAZY_PAGES));
	/* 3 x 400 random picks of 1024 pages touch far more than 500 */
	KUNIT_EXPECT_GT(test, leaves, 500);
	/* the reference decoder sees a well-formed table of that size */
	KUNIT_ASSERT_EQ(test, axas_npt_ref_geom_init(&g, AXAS_FMT_EPT4, 48), 0);
	w.g = &g;
	axas_npt_ref_walk_all(&w, stats(s.as).root_pa);
	KUNIT_EXPECT_EQ_MSG(test, w.nr_bad, 0, "%s", w.bad);
	KUNIT_EXPECT_EQ(test, w.nr_leaves, leaves);
	KUNIT_EXPECT_EQ(test, w.nr_tables, stats(s.as).table_pages);
	KUNIT_EXPECT_EQ(test, stats(s.as).data_pages, leaves);
	axas_clear(s.as);
	KUNIT_EXPECT_EQ(test, stats(s.as).data_pages, 0);
	KUNIT_EXPECT_EQ(test, stats(s.as).nr_regions, 0);
	KUNIT_EXPECT_EQ(test, stats(s.as).table_pages, root_pages(s.as));
}

/* Racing faults on one page map exactly one page. */
struct race {
	struct axas_aspace *as;
	atomic_t handled;
	atomic_t spurious;
	atomic_t running;
	struct completion done;
};

static int race_fn(void *arg)
{
	struct race *r = arg;
	u32 result;
	int i;

	for (i = 0; i < 64; i++) {
		if (!axas_handle_page_fault(r->as, SZ_4M + i * SZ_4K,
					    AXAS_MAP_WRITE, &result)) {
			if (result == AXAS_FAULT_HANDLED)
				atomic_inc(&r->handled);
			else if (result == AXAS_FAULT_SPURIOUS)
				atomic_inc(&r->spurious);
		}
	}
	if (atomic_dec_and_test(&r->running))
		complete(&r->done);
	return 0;
}

static void fault_race_test(struct kunit *test)
{
	struct race r = { 0 };
	struct task_struct *task;
	int i;

	r.as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(r.as, SZ_4M, SZ_1M, RW), 0);
	init_completion(&r.done);
	atomic_set(&r.running, 4);
	for (i = 0; i < 4; i++) {
		task = kthread_run(race_fn, &r, "axas-race/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	wait_for_completion(&r.done);
	KUNIT_EXPECT_EQ(test, atomic_read(&r.handled), 64);
	KUNIT_EXPECT_EQ(test, atomic_read(&r.spurious), 3 * 64);
	KUNIT_EXPECT_EQ(test, stats(r.as).data_pages, 64);
}

/* ---- teardown ---------------------------------------------------------- */

/* Every page the space holds, each with a reference of ours. */
struct held_pages {
	struct page **v;
	unsigned long n, cap;
	unsigned long tails;	/* pages of a multi-page root after its first */
};

static void hold_page(struct held_pages *h, struct page *page)
{
	if (h->n < h->cap) {
		get_page(page);
		h->v[h->n] = page;
	}
	h->n++;
}

static int hold_leaf_page(const struct axas_npt_leaf *leaf, void *arg)
{
	unsigned long i;

	/* linear leaves map no page of ours */
	if (leaf->pa >= SZ_8G)
		return 0;
	for (i = 0; i < leaf->size >> PAGE_SHIFT; i++)
		hold_page(arg, pfn_to_page(PHYS_PFN(leaf->pa) + i));
	return 0;
}

static int hold_table_page(u64 pa, const void *page, void *arg)
{
	struct held_pages *h = arg;
	struct page *p = pfn_to_page(PHYS_PFN(pa));

	/* a non-compound high-order block counts its references on the head */
	if (!page_ref_count(p))
		h->tails++;
	else
		hold_page(h, p);
	return 0;
}

/*
 * The last put frees every data page and every table page: each page the
 * space holds gets a reference of ours first, and after the put (and the
 * RCU grace period that table pages wait for) ours must be the only one
 * left on each.
 */
static void teardown_test(struct kunit *test)
{
	struct held_pages h = { .cap = 2048 };
	struct axas_stats st;
	unsigned long i, still_held = 0;
	struct axas_aspace *as = axas_aspace_create(AXAS_FMT_SV48X4, 0, 0,
						    SZ_16G);
	u32 result;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, 0, SZ_1M,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, SZ_1G, SZ_4G, RW), 0);
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_2G, AXAS_MAP_READ,
						     &result), 0);
	KUNIT_EXPECT_EQ(test, axas_write(as, SZ_4G + 5, "x", 1), 1);
	KUNIT_EXPECT_EQ(test, axas_map_linear(as, SZ_8G, SZ_8G, SZ_2G, RW), 0);
	KUNIT_EXPECT_EQ(test, axas_unmap(as, SZ_8G + SZ_1G + SZ_4K, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, axas_unmap(as, SZ_64K, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 256 - 1 + 2);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 5);
	axas_aspace_get(as);
	axas_aspace_put(as);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 5);

	h.v = kunit_kcalloc(test, h.cap, sizeof(*h.v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h.v);
	down_write(&as->lock);
	KUNIT_EXPECT_EQ(test, axas_npt_visit_leaves(&as->npt, 0, SZ_16G,
						    hold_leaf_page, &h, 0), 0);
	KUNIT_EXPECT_EQ(test, axas_npt_visit_tables(&as->npt, hold_table_page,
						    &h), 0);
	up_write(&as->lock);
	st = stats(as);
	KUNIT_ASSERT_LE(test, h.n, h.cap);
	KUNIT_EXPECT_EQ(test, h.tails, root_pages(as) - 1);
	KUNIT_EXPECT_EQ(test, h.n + h.tails, st.data_pages + st.table_pages);

	axas_aspace_put(as);
	rcu_barrier();
	for (i = 0; i < min(h.n, h.cap); i++) {
		if (page_ref_count(h.v[i]) != 1)
			still_held++;
		put_page(h.v[i]);
	}
	KUNIT_EXPECT_EQ_MSG(test, still_held, 0,
			    "pages the last put did not free");
}

/* ---- a reference model driven by seeded random operations -------------- */

#define MODEL_PAGES	2048	/* 8 MiB: room for 2 MiB leaves */
#define MODEL_OPS	400

struct mpage {
	u32 id;		/* pages of one region share an id, regions differ */
	u8 kind;	/* 0: unmapped, else AXAS_REGION_* */
	u8 prot;
	bool populated;
	bool present;	/* alloc: a data page is mapped */
	u64 hpa;	/* linear */
	u64 tag;	/* alloc: what the model wrote at offset 0 */
};

struct model {
	struct mpage pg[MODEL_PAGES];
	struct mpage saved[MODEL_PAGES];
	u32 next_id;
	struct rnd_state rnd;
};

static u32 model_rand(struct model *m, u32 n)
{
	return prandom_u32_state(&m->rnd) % n;
}

/* Give every run of equal ids a fresh id: one id, one region. */
static unsigned int model_normalise(struct model *m)
{
	unsigned int i, runs = 0;
	u32 prev = 0, id = 0;

	for (i = 0; i < MODEL_PAGES; i++) {
		if (!m->pg[i].kind) {
			prev = 0;
			continue;
		}
		if (m->pg[i].id != prev) {
			prev = m->pg[i].id;
			id = ++m->next_id;
			runs++;
		}
		m->pg[i].id = id;
	}
	return runs;
}

static void model_check(struct kunit *test, struct axas_aspace *as,
			struct model *m, int step)
{
	unsigned int i, j, runs = model_normalise(m);
	u64 present = 0, gpa, end;
	struct axas_xlate x;
	int ret;

	for (i = 0; i < MODEL_PAGES; i++) {
		const struct mpage *p = &m->pg[i];
		bool mapped = p->kind == AXAS_REGION_LINEAR || p->present;

		gpa = (u64)i * SZ_4K + 0x18;
		ret = axas_translate(as, gpa, &x);
		if (p->kind == AXAS_REGION_ALLOC && p->present)
			present++;
		if (!mapped) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOENT,
					    "step %d page %u", step, i);
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "step %d page %u", step, i);
		for (j = i; j < MODEL_PAGES && m->pg[j].id == p->id; j++)
			;
		end = (u64)j * SZ_4K;
		KUNIT_EXPECT_EQ_MSG(test, x.kind, p->kind, "step %d page %u",
				    step, i);
		KUNIT_EXPECT_EQ_MSG(test, x.prot, p->prot, "step %d page %u",
				    step, i);
		KUNIT_EXPECT_EQ_MSG(test, x.limit, end - gpa,
				    "step %d page %u", step, i);
		if (p->kind == AXAS_REGION_LINEAR)
			KUNIT_EXPECT_EQ_MSG(test, x.hpa, p->hpa + 0x18,
					    "step %d page %u", step, i);
	}
	KUNIT_EXPECT_EQ_MSG(test, stats(as).nr_regions, runs, "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, stats(as).data_pages, present, "step %d",
			    step);
}

/*
 * Walks the table with the reference decoder (kunit/ref_decode.c, written
 * from the manuals) and checks every leaf against the model.
 */
struct model_ref {
	struct kunit *test;
	const struct model *m;
	int step;
	u64 pages;
	u64 wrong;
};

static int model_ref_leaf(void *arg, const struct axas_npt_ref_leaf *leaf)
{
	struct model_ref *r = arg;
	u64 off;

	for (off = 0; off < leaf->size; off += SZ_4K) {
		u64 i = (leaf->gpa + off) / SZ_4K;
		const struct mpage *p;

		if (i >= MODEL_PAGES) {
			r->wrong++;
			continue;
		}
		p = &r->m->pg[i];
		r->pages++;
		if (p->kind == AXAS_REGION_LINEAR ?
		    p->hpa != leaf->pa + off || p->prot != leaf->prot :
		    !p->present || p->prot != leaf->prot ||
		    leaf->size != SZ_4K)
			r->wrong++;
	}
	return 0;
}

static void model_ref_check(struct kunit *test, struct axas_aspace *as,
			    const struct model *m, int step)
{
	struct model_ref r = { .test = test, .m = m, .step = step };
	struct axas_npt_ref_walk w = { .leaf = model_ref_leaf, .arg = &r };
	struct axas_stats st = stats(as);
	struct axas_npt_ref_geom g;
	u64 mapped = 0;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, axas_npt_ref_geom_init(&g, st.format, st.gpa_bits),
			0);
	w.g = &g;
	axas_npt_ref_walk_all(&w, st.root_pa);
	for (i = 0; i < MODEL_PAGES; i++)
		mapped += m->pg[i].kind == AXAS_REGION_LINEAR ||
			  m->pg[i].present;
	KUNIT_EXPECT_EQ_MSG(test, w.nr_bad, 0, "step %d: %s", step, w.bad);
	KUNIT_EXPECT_EQ_MSG(test, w.nr_tables, st.table_pages, "step %d",
			    step);
	KUNIT_EXPECT_EQ_MSG(test, r.wrong, 0, "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, r.pages, mapped, "step %d", step);
}

static const u8 model_prots[] = {
	AXAS_MAP_READ, RW, AXAS_MAP_READ | AXAS_MAP_EXEC, RWX,
};

static const u64 model_offsets[] = { SZ_4K, SZ_2M, SZ_1G };

/*
 * Protect of pages [first, first + n), all mapped: a region reaching out
 * of the range on either side is cut, its covered part becomes a region
 * of its own; regions inside the range stay as they are.
 */
static void model_protect(struct model *m, u32 first, u32 n, u32 prot)
{
	u32 last = first + n - 1, i, id;

	for (i = first; i <= last; i++)
		m->pg[i].prot = prot;
	if (first && m->pg[first - 1].id == m->pg[first].id) {
		id = ++m->next_id;
		for (i = first; i <= last && m->saved[i].id ==
		     m->saved[first].id; i++)
			m->pg[i].id = id;
	}
	if (last + 1 < MODEL_PAGES && m->pg[last + 1].id == m->saved[last].id) {
		id = ++m->next_id;
		for (i = last + 1; i-- > first &&
		     m->saved[i].id == m->saved[last].id;)
			m->pg[i].id = id;
	}
}

/* One random operation against both the address space and the model. */
static void model_step(struct kunit *test, struct axas_aspace *as,
		       struct model *m, int step)
{
	u32 first = model_rand(m, MODEL_PAGES), n, i, op = model_rand(m, 7);
	u32 prot = model_prots[model_rand(m, ARRAY_SIZE(model_prots))];
	bool inject = !model_rand(m, 3), busy = false, hole = false;
	u64 gpa, size, hpa = 0, tag = 0;
	struct mpage *p;
	u32 result = 0;
	int ret, want = 0;

	/* ranges: often 2 MiB aligned so that huge leaves get cut */
	if (!model_rand(m, 3))
		first = round_down(first, 512);
	n = 1 + model_rand(m, model_rand(m, 2) ? 16 : 1024);
	n = min(n, MODEL_PAGES - first);
	gpa = (u64)first * SZ_4K;
	size = (u64)n * SZ_4K;
	for (i = first; i < first + n; i++) {
		busy |= m->pg[i].kind != 0;
		hole |= m->pg[i].kind == 0;
	}
	memcpy(m->saved, m->pg, sizeof(m->pg));
	if (inject)
		axas_test_fail_nth(as, 1 + model_rand(m, 6));

	switch (op) {
	case 0:		/* map_alloc */
		if (model_rand(m, 2))
			prot |= AXAS_MAP_POPULATE;
		ret = axas_map_alloc(as, gpa, size, prot);
		want = busy ? -EEXIST : 0;
		for (i = first; !busy && i < first + n; i++) {
			p = &m->pg[i];
			memset(p, 0, sizeof(*p));
			p->id = m->next_id + 1;
			p->kind = AXAS_REGION_ALLOC;
			p->prot = prot & RWX;
			p->populated = prot & AXAS_MAP_POPULATE;
			p->present = p->populated;
		}
		break;
	case 1:		/* map_linear at 4 KiB, 2 MiB or 1 GiB offsets */
		hpa = gpa + model_offsets[model_rand(m, 3)];
		if (!model_rand(m, 4))
			prot |= AXAS_MAP_NOHUGE;
		ret = axas_map_linear(as, gpa, hpa, size, prot);
		want = busy ? -EEXIST : 0;
		for (i = first; !busy && i < first + n; i++) {
			p = &m->pg[i];
			memset(p, 0, sizeof(*p));
			p->id = m->next_id + 1;
			p->kind = AXAS_REGION_LINEAR;
			p->prot = prot & RWX;
			p->hpa = hpa + (u64)(i - first) * SZ_4K;
		}
		break;
	case 2:		/* unmap */
		ret = axas_unmap(as, gpa, size);
		memset(&m->pg[first], 0, n * sizeof(m->pg[0]));
		break;
	case 3:		/* protect */
		ret = axas_protect(as, gpa, size, prot);
		want = hole ? -ENOENT : 0;
		if (!hole)
			model_protect(m, first, n, prot);
		break;
	case 4:		/* fault */
		p = &m->pg[first];
		prot = 1 + model_rand(m, 7);
		ret = axas_handle_page_fault(as, gpa + model_rand(m, SZ_4K),
					     prot, &result);
		if (!p->kind)
			want = AXAS_FAULT_NOT_MAPPED;
		else if (prot & ~p->prot)
			want = AXAS_FAULT_PERM;
		else if (p->kind == AXAS_REGION_LINEAR || p->populated)
			want = AXAS_FAULT_NOT_LAZY;
		else if (p->present)
			want = AXAS_FAULT_SPURIOUS;
		else
			want = AXAS_FAULT_HANDLED;
		if (want == AXAS_FAULT_HANDLED)
			p->present = true;
		if (!ret)
			KUNIT_EXPECT_EQ_MSG(test, result, (u32)want, "step %d",
					    step);
		want = 0;
		break;
	case 5:		/* write a tag at the start of an alloc page */
		p = &m->pg[first];
		if (p->kind == AXAS_REGION_LINEAR) {
			ret = 0;
			break;
		}
		tag = ((u64)step << 32) | first;
		ret = axas_write(as, gpa, &tag, sizeof(tag));
		want = p->kind ? (int)sizeof(tag) : -EFAULT;
		if (p->kind) {
			p->present = true;
			p->tag = tag;
		}
		break;
	default:	/* read it back */
		p = &m->pg[first];
		if (p->kind == AXAS_REGION_LINEAR) {
			ret = 0;
			break;
		}
		ret = axas_read(as, gpa, &tag, sizeof(tag));
		want = p->kind ? (int)sizeof(tag) : -EFAULT;
		if (ret == sizeof(tag))
			KUNIT_EXPECT_EQ_MSG(test, tag, p->tag, "step %d", step);
		break;
	}
	axas_test_fail_nth(as, 0);

	if (inject && ret == -ENOMEM) {
		/* rolled back: the model stays as it was */
		memcpy(m->pg, m->saved, sizeof(m->pg));
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, ret, want, "step %d op %u gpa %#llx size %#llx",
			    step, op, gpa, size);
	if (ret != want)
		memcpy(m->pg, m->saved, sizeof(m->pg));
}

static void model_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, param_format(test), 0,
					    MODEL_PAGES * SZ_4K);
	struct model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	int step;

	KUNIT_ASSERT_NOT_NULL(test, m);
	prandom_seed_state(&m->rnd, 0x61786173 + param_format(test));
	for (step = 0; step < MODEL_OPS; step++) {
		model_step(test, as, m, step);
		model_check(test, as, m, step);
		model_ref_check(test, as, m, step);
		if (test->status == KUNIT_FAILURE)
			return;
	}
	axas_clear(as);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 0);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 0);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, root_pages(as));
}

/*
 * Execute-only on a format whose leaves are always readable (AMD NPT): every
 * call that takes permissions refuses it before anything changes, lazy
 * alloc regions included (their first fault would have nothing to map);
 * other formats accept it.
 */
static void exec_only_test(struct kunit *test)
{
	u32 format = param_format(test);
	struct axas_aspace *as = new_aspace(test, format, 0, SZ_4G);
	bool amd = format == AXAS_FMT_AMD_NPT4 || format == AXAS_FMT_AMD_NPT5;
	int want = amd ? -EINVAL : 0;
	struct axas_stats st;

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_64K, RWX), 0);
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, SZ_1M, SZ_64K, AXAS_MAP_EXEC),
			want);
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, SZ_2M, SZ_64K,
					     AXAS_MAP_EXEC | AXAS_MAP_POPULATE),
			want);
	KUNIT_EXPECT_EQ(test, axas_map_linear(as, SZ_1G, SZ_1G, SZ_2M,
					      AXAS_MAP_EXEC), want);
	KUNIT_EXPECT_EQ(test, axas_protect(as, 0, SZ_64K, AXAS_MAP_EXEC), want);
	st = stats(as);
	KUNIT_EXPECT_EQ(test, st.nr_regions, amd ? 1 : 4);
	KUNIT_EXPECT_EQ(test, st.data_pages, amd ? 0 : SZ_64K / SZ_4K);
	if (amd) {
		KUNIT_EXPECT_EQ(test, st.table_pages, root_pages(as));
		KUNIT_EXPECT_EQ(test, axas_protect(as, 0, SZ_64K,
						   AXAS_MAP_READ | AXAS_MAP_EXEC),
				0);
	}
}

/* ---- writers that let go ---------------------------------------------- */

#define YIELD_LINEAR	((u64)SZ_1G)	/* 262144 leaves: 512 yields */
#define YIELD_GPA	((u64)SZ_1G)

struct yield_run {
	struct axas_aspace *as;
	atomic_t inv_calls;	/* pre-yield invalidations seen so far */
	int kill_at;		/* send ourselves SIGKILL at this call */
	bool slow;		/* each call takes a while (a real shootdown does) */
	int ret;
	bool done;
	struct completion finished;
};

static void yield_inv(void *priv, u64 gpa, u64 size)
{
	struct yield_run *y = priv;

	if (atomic_inc_return(&y->inv_calls) == y->kill_at)
		send_sig(SIGKILL, current, 1);
	if (y->slow)
		usleep_range(50, 100);
}

static const struct axas_invalidate_ops yield_inv_ops = {
	.invalidate = yield_inv,
};

static int yield_unmapper(void *arg)
{
	struct yield_run *y = arg;

	allow_signal(SIGKILL);
	y->ret = axas_unmap(y->as, YIELD_GPA, YIELD_LINEAR);
	flush_signals(current);
	/* y->ret before done: pairs with the test's smp_load_acquire() */
	smp_store_release(&y->done, true);
	complete(&y->finished);
	return 0;
}

static struct axas_aspace *yield_space(struct kunit *test, struct yield_run *y)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_4G);

	y->as = as;
	init_completion(&y->finished);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, YIELD_GPA, SZ_2G, YIELD_LINEAR,
					      RW | AXAS_MAP_NOHUGE), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_1M, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_register_invalidate(as, &yield_inv_ops, y), 0);
	return as;
}

/*
 * A 1 GiB unmap of 4 KiB leaves drops the lock every 2 MiB of table: faults
 * elsewhere in the space complete while it runs, and see its range as a
 * hole already.
 */
static void writer_yield_test(struct kunit *test)
{
	struct yield_run y = { .kill_at = -1, .slow = true };
	struct axas_aspace *as = yield_space(test, &y);
	unsigned int during = 0, i = 0, holes = 0;
	struct task_struct *task;
	struct axas_xlate x;
	u32 result;
	int ret;

	task = kthread_run(yield_unmapper, &y, "axas_unmapper");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	/* pairs with the unmapper's smp_store_release() */
	while (!smp_load_acquire(&y.done)) {
		bool started = atomic_read(&y.inv_calls) > 0;

		ret = axas_handle_page_fault(as, (i++ % 256) * SZ_4K,
					     AXAS_MAP_WRITE, &result);
		KUNIT_EXPECT_EQ(test, ret, 0);
		if (started && !smp_load_acquire(&y.done)) {	/* as above */
			during++;
			/* A page the unmap has not reached yet is a hole too. */
			ret = axas_handle_page_fault(as, YIELD_GPA + YIELD_LINEAR - SZ_4K,
						     AXAS_MAP_READ, &result);
			KUNIT_EXPECT_EQ(test, ret, 0);
			holes += result == AXAS_FAULT_NOT_MAPPED;
			KUNIT_EXPECT_EQ(test, axas_translate(as, YIELD_GPA + YIELD_LINEAR - SZ_4K,
							     &x), -ENOENT);
		}
		usleep_range(20, 50);
	}
	wait_for_completion(&y.finished);
	KUNIT_EXPECT_EQ(test, y.ret, 0);
	kunit_info(test, "%u faults completed while the unmap ran (%d yields flushed)\n",
		   during, atomic_read(&y.inv_calls));
	KUNIT_EXPECT_GT(test, during, 10);
	KUNIT_EXPECT_EQ(test, holes, during);
	/* Pre-yield flushes: one per 512 entries with leaves removed, and the last. */
	KUNIT_EXPECT_GT(test, atomic_read(&y.inv_calls), 256);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 1);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, min(i, 256U));
	axas_unregister_invalidate(as);
}

static int first_leaf(const struct axas_npt_leaf *leaf, void *arg)
{
	*(u64 *)arg = leaf->gpa;
	return 1;
}

/*
 * An unmap whose caller is killed half-way stops at its next yield with
 * a prefix of its range removed, regions cut to match, and the space
 * usable; populate and map on a dying caller change nothing.
 */
static void writer_killed_test(struct kunit *test)
{
	struct yield_run y = { .kill_at = 3 };
	struct axas_aspace *as = yield_space(test, &y);
	u64 stop = 0, tables = stats(as).table_pages;
	struct task_struct *task;
	struct axas_xlate x;
	u32 result;
	int ret;

	task = kthread_run(yield_unmapper, &y, "axas_unmapper");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&y.finished);
	KUNIT_EXPECT_EQ(test, y.ret, -EINTR);

	down_write(&as->lock);
	ret = axas_npt_visit_leaves(&as->npt, YIELD_GPA, YIELD_LINEAR, first_leaf,
				    &stop, 0);
	up_write(&as->lock);
	KUNIT_ASSERT_EQ(test, ret, 1);
	kunit_info(test, "unmap stopped at %#llx\n", stop);
	KUNIT_EXPECT_GT(test, stop, (u64)YIELD_GPA);
	KUNIT_EXPECT_LT(test, stop, (u64)YIELD_GPA + YIELD_LINEAR);
	/* The region starts where the table does. */
	KUNIT_EXPECT_EQ(test, axas_translate(as, stop - SZ_4K, &x), -ENOENT);
	KUNIT_ASSERT_EQ(test, axas_translate(as, stop, &x), 0);
	KUNIT_EXPECT_EQ(test, x.hpa, SZ_2G + (stop - YIELD_GPA));
	KUNIT_EXPECT_EQ(test, x.limit, YIELD_GPA + YIELD_LINEAR - stop);
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, stop - SZ_4K, AXAS_MAP_READ,
						     &result), 0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_NOT_MAPPED);
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, stop, AXAS_MAP_READ,
						     &result), 0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_NOT_LAZY);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 2);
	KUNIT_EXPECT_LT(test, stats(as).table_pages, tables);

	/* The rest goes normally, and the table is back to what it held. */
	axas_unregister_invalidate(as);
	KUNIT_EXPECT_EQ(test, axas_unmap(as, YIELD_GPA, YIELD_LINEAR), 0);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 1);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, root_pages(as));
}

struct killed_map {
	struct axas_aspace *as;
	int populate, linear;
	struct completion finished;
};

static int killed_mapper(void *arg)
{
	struct killed_map *k = arg;

	allow_signal(SIGKILL);
	send_sig(SIGKILL, current, 1);
	k->populate = axas_map_alloc(k->as, SZ_1G, SZ_16M, RW | AXAS_MAP_POPULATE);
	k->linear = axas_map_linear(k->as, SZ_2G, SZ_2G, SZ_16M, RW | AXAS_MAP_NOHUGE);
	flush_signals(current);
	complete(&k->finished);
	return 0;
}

static void killed_map_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_SV48X4, 0, SZ_4G);
	struct killed_map k = { .as = as };
	struct task_struct *task;

	init_completion(&k.finished);
	task = kthread_run(killed_mapper, &k, "axas_mapper");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&k.finished);
	KUNIT_EXPECT_EQ(test, k.populate, -EINTR);
	KUNIT_EXPECT_EQ(test, k.linear, -EINTR);
	KUNIT_EXPECT_EQ(test, stats(as).nr_regions, 0);
	KUNIT_EXPECT_EQ(test, stats(as).data_pages, 0);
	KUNIT_EXPECT_EQ(test, stats(as).table_pages, root_pages(as));
}

static struct kunit_case axas_core_cases[] = {
	KUNIT_CASE(create_validation_test),
	KUNIT_CASE(map_errno_test),
	KUNIT_CASE(linear_leaf_size_test),
	KUNIT_CASE(region_split_test),
	KUNIT_CASE(linear_split_test),
	KUNIT_CASE(fault_results_test),
	KUNIT_CASE(fault_lockless_test),
	KUNIT_CASE(translate_limit_test),
	KUNIT_CASE(access_test),
	KUNIT_CASE(invalidate_test),
	KUNIT_CASE(dump_test),
	KUNIT_CASE_PARAM(rollback_populate_test, format_gen_params),
	KUNIT_CASE_PARAM(rollback_linear_test, format_gen_params),
	KUNIT_CASE_PARAM(rollback_fault_test, format_gen_params),
	KUNIT_CASE_PARAM(rollback_split_test, format_gen_params),
	KUNIT_CASE(fault_race_test),
	KUNIT_CASE(teardown_test),
	KUNIT_CASE(writer_yield_test),
	KUNIT_CASE(writer_killed_test),
	KUNIT_CASE(killed_map_test),
	KUNIT_CASE_PARAM(model_test, format_gen_params),
	KUNIT_CASE_PARAM(exec_only_test, format_gen_params),
	KUNIT_CASE_SLOW(concurrency_test),
	{}
};

static struct kunit_suite axas_core_suite = {
	.name = "axas_core",
	.test_cases = axas_core_cases,
};

kunit_test_suite(axas_core_suite);
