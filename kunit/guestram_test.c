// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of guest RAM: AXAS_MAP_HUGE alloc regions (2 MiB pages under
 * 2 MiB leaves, the fallback to 4 KiB pages, splits that free exactly the
 * removed pages), discard, the region list and the host fault path behind
 * mmap. Every format; leaves are judged by the reference decoder, page
 * counts exactly, and every allocation failure must leave the space as it
 * was.
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include "kunit/ref_decode.h"

#define RW		(AXAS_MAP_READ | AXAS_MAP_WRITE)
#define HUGE_RW		(RW | AXAS_MAP_HUGE)
#define BLOCK_PAGES	(SZ_2M / SZ_4K)

static const u32 gr_formats[] = {
	AXAS_FMT_EPT4, AXAS_FMT_EPT5, AXAS_FMT_ARM_S2,
	AXAS_FMT_SV39X4, AXAS_FMT_SV48X4, AXAS_FMT_SV57X4,
	AXAS_FMT_AMD_NPT4, AXAS_FMT_AMD_NPT5,
};

static void gr_format_desc(const u32 *f, char *desc)
{
	static const char * const names[] = {
		"native", "ept4", "ept5", "arm_s2", "sv39x4", "sv48x4", "sv57x4",
		"amd_npt4", "amd_npt5",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", names[*f]);
}

KUNIT_ARRAY_PARAM(gr_format, gr_formats, gr_format_desc);

static void gr_put_action(void *as)
{
	axas_aspace_put(as);
}

/* A 4 GiB space of the test's format (every format covers 4 GiB). */
static struct axas_aspace *gr_space(struct kunit *test)
{
	const u32 *fmt = test->param_value;
	struct axas_aspace *as;

	as = axas_aspace_create(fmt ? *fmt : AXAS_FMT_EPT4, 0, 0, SZ_4G);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, gr_put_action, as));
	return as;
}

static struct axas_stats gr_stats(struct axas_aspace *as)
{
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	return st;
}

static u64 gr_data(struct axas_aspace *as)
{
	return gr_stats(as).data_pages;
}

/* The leaf mapping @gpa, as the reference decoder reads the table. */
static int gr_ref_leaf(struct kunit *test, struct axas_aspace *as, u64 gpa,
		       struct axas_npt_ref_leaf *leaf)
{
	struct axas_stats st = gr_stats(as);
	struct axas_npt_ref_geom g;

	KUNIT_ASSERT_EQ(test, 0,
			axas_npt_ref_geom_init(&g, st.format, st.gpa_bits));
	return axas_npt_ref_translate(&g, st.root_pa, gpa, leaf);
}

/* @gpa is mapped by a leaf of @size, with @prot, at an aligned address. */
static void gr_expect_leaf(struct kunit *test, struct axas_aspace *as,
			   u64 gpa, u64 size, u32 prot)
{
	struct axas_npt_ref_leaf leaf;
	struct axas_xlate x;

	KUNIT_ASSERT_EQ_MSG(test, 0, gr_ref_leaf(test, as, gpa, &leaf),
			    "gpa 0x%llx not mapped", gpa);
	KUNIT_EXPECT_EQ_MSG(test, leaf.size, size, "gpa 0x%llx", gpa);
	KUNIT_EXPECT_EQ(test, leaf.gpa, ALIGN_DOWN(gpa, size));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(leaf.pa, size));
	KUNIT_EXPECT_EQ(test, leaf.prot, prot);
	/* TRANSLATE says the same */
	KUNIT_ASSERT_EQ(test, 0, axas_translate(as, gpa, &x));
	KUNIT_EXPECT_EQ(test, x.page_size, size);
	KUNIT_EXPECT_EQ(test, x.hpa, leaf.pa + (gpa - leaf.gpa));
}

static u32 gr_fault(struct kunit *test, struct axas_aspace *as, u64 gpa,
		    u32 access)
{
	u32 result = 0;

	KUNIT_EXPECT_EQ(test, 0,
			axas_handle_page_fault(as, gpa, access, &result));
	return result;
}

/* ---- lazy HUGE: first fault maps a 2 MiB page ------------------------ */

static void huge_lazy_test(struct kunit *test)
{
	struct axas_aspace *as = gr_space(test);
	u64 r = SZ_1G - SZ_4K, blk = SZ_1G;	/* a ragged 4 KiB head */
	struct axas_npt_ref_leaf leaf;
	u8 b[8];

	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, r, SZ_4M + 2 * SZ_4K,
						HUGE_RW));
	KUNIT_EXPECT_EQ(test, gr_data(as), 0);
	/* the head is not a whole block: 4 KiB */
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, r, AXAS_MAP_READ),
			AXAS_FAULT_HANDLED);
	gr_expect_leaf(test, as, r, SZ_4K, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1);
	/* a block: one 2 MiB leaf, 512 pages counted */
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, blk + 0x12345,
				       AXAS_MAP_WRITE), AXAS_FAULT_HANDLED);
	gr_expect_leaf(test, as, blk + 0x12345, SZ_2M, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, blk + SZ_2M - 1,
				       AXAS_MAP_READ), AXAS_FAULT_SPURIOUS);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + BLOCK_PAGES);
	/* the whole 2 MiB page is zeroed and is the guest's */
	KUNIT_EXPECT_EQ(test, 8, axas_read(as, blk + SZ_2M - 8, b, 8));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(b, 0, 8));
	KUNIT_EXPECT_EQ(test, 8, axas_write(as, blk + SZ_1M, "2MiBpage", 8));
	KUNIT_ASSERT_EQ(test, 0, gr_ref_leaf(test, as, blk, &leaf));
	KUNIT_EXPECT_EQ(test, 0, memcmp(phys_to_virt(leaf.pa + SZ_1M),
					"2MiBpage", 8));
	/* a host write is a first touch too */
	KUNIT_EXPECT_EQ(test, 8, axas_write(as, blk + SZ_2M + 8, "second!!", 8));
	gr_expect_leaf(test, as, blk + SZ_2M, SZ_2M, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + 2 * BLOCK_PAGES);
	/* the ragged tail */
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, blk + SZ_4M, AXAS_MAP_READ),
			AXAS_FAULT_HANDLED);
	gr_expect_leaf(test, as, blk + SZ_4M, SZ_4K, RW);
	/* teardown frees every page (the action checks nothing; clear does) */
	axas_clear(as);
	KUNIT_EXPECT_EQ(test, gr_data(as), 0);
	KUNIT_EXPECT_EQ(test, gr_stats(as).table_pages,
			1ULL << as->npt.root_order);
}

/* ---- no 2 MiB page: 4 KiB pages, never an error ----------------------- */

static void huge_fallback_test(struct kunit *test)
{
	struct axas_aspace *as = gr_space(test);

	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, 0, SZ_8M, HUGE_RW));
	axas_test_fail_huge(as, true);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, 0x5000, AXAS_MAP_WRITE),
			AXAS_FAULT_HANDLED);
	gr_expect_leaf(test, as, 0x5000, SZ_4K, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1);
	axas_test_fail_huge(as, false);
	/* the block has 4 KiB leaves now: it stays a 4 KiB block */
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, 0x9000, AXAS_MAP_WRITE),
			AXAS_FAULT_HANDLED);
	gr_expect_leaf(test, as, 0x9000, SZ_4K, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 2);
	/* the next block gets its 2 MiB page */
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, SZ_2M, AXAS_MAP_READ),
			AXAS_FAULT_HANDLED);
	gr_expect_leaf(test, as, SZ_2M, SZ_2M, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 2 + BLOCK_PAGES);
	/* a populate without 2 MiB pages: all 4 KiB, all counted */
	axas_test_fail_huge(as, true);
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, SZ_16M, SZ_4M,
						HUGE_RW | AXAS_MAP_POPULATE));
	axas_test_fail_huge(as, false);
	KUNIT_EXPECT_EQ(test, gr_data(as), 2 + 3 * BLOCK_PAGES);
	gr_expect_leaf(test, as, SZ_16M + SZ_2M, SZ_4K, RW);
	axas_clear(as);
	KUNIT_EXPECT_EQ(test, gr_data(as), 0);
}

/* ---- populate, then splits that free only what they remove ----------- */

static void huge_split_test(struct kunit *test)
{
	struct axas_aspace *as = gr_space(test);
	u64 r = SZ_2M - SZ_4K, gen;
	u8 b[8];

	/* a 4 KiB head, two blocks */
	KUNIT_ASSERT_EQ(test, 0,
			axas_map_alloc(as, r, SZ_4K + SZ_4M,
				       HUGE_RW | AXAS_MAP_POPULATE));
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + 2 * BLOCK_PAGES);
	gr_expect_leaf(test, as, r, SZ_4K, RW);
	gr_expect_leaf(test, as, SZ_2M, SZ_2M, RW);
	gr_expect_leaf(test, as, SZ_4M + 0x777, SZ_2M, RW);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, SZ_2M, AXAS_MAP_READ),
			AXAS_FAULT_NOT_LAZY);
	KUNIT_EXPECT_EQ(test, 8, axas_write(as, SZ_2M + 0x10000, "contents", 8));

	/* UNMAP of one page in the middle of a block */
	gen = gr_stats(as).tlb_gen;
	KUNIT_ASSERT_EQ(test, 0, axas_unmap(as, SZ_2M + 0x20000, SZ_4K));
	KUNIT_EXPECT_EQ(test, gr_data(as), 2 * BLOCK_PAGES);
	KUNIT_EXPECT_GT(test, gr_stats(as).tlb_gen, gen);
	gr_expect_leaf(test, as, SZ_2M + 0x1f000, SZ_4K, RW);
	gr_expect_leaf(test, as, SZ_2M + 0x21000, SZ_4K, RW);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, SZ_2M + 0x20000,
				       AXAS_MAP_READ), AXAS_FAULT_NOT_MAPPED);
	KUNIT_EXPECT_EQ(test, 8, axas_read(as, SZ_2M + 0x10000, b, 8));
	KUNIT_EXPECT_EQ(test, 0, memcmp(b, "contents", 8));
	/* DISCARD of 3 pages of the other block */
	KUNIT_ASSERT_EQ(test, 0, axas_discard(as, SZ_4M + SZ_1M, 3 * SZ_4K));
	KUNIT_EXPECT_EQ(test, gr_data(as), 2 * BLOCK_PAGES - 3);
	gr_expect_leaf(test, as, SZ_4M, SZ_4K, RW);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, SZ_4M + SZ_1M + SZ_4K,
				       AXAS_MAP_WRITE), AXAS_FAULT_HANDLED);
	gr_expect_leaf(test, as, SZ_4M + SZ_1M + SZ_4K, SZ_4K, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 2 * BLOCK_PAGES - 2);
	/* PROTECT of one page: a split, nothing freed */
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, SZ_16M, SZ_2M,
						HUGE_RW | AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_protect(as, SZ_16M + SZ_4K, SZ_4K,
					      AXAS_MAP_READ));
	gr_expect_leaf(test, as, SZ_16M + SZ_4K, SZ_4K, AXAS_MAP_READ);
	gr_expect_leaf(test, as, SZ_16M, SZ_4K, RW);
	KUNIT_EXPECT_EQ(test, gr_data(as), 3 * BLOCK_PAGES - 2);
	/* and everything back */
	KUNIT_ASSERT_EQ(test, 0, axas_unmap(as, 0, SZ_1G));
	KUNIT_EXPECT_EQ(test, gr_data(as), 0);
	KUNIT_EXPECT_EQ(test, gr_stats(as).nr_regions, 0);
	KUNIT_EXPECT_EQ(test, gr_stats(as).table_pages,
			1ULL << as->npt.root_order);
}

/* ---- rollback: every allocation of every call fails once -------------- */

struct gr_snap {
	struct axas_stats st;
	int ret[4];
	struct axas_xlate x[4];
};

static const u64 gr_probes[4] = { 0, SZ_2M + SZ_4K, SZ_4M, SZ_8M - 1 };

static void gr_take(struct axas_aspace *as, struct gr_snap *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	axas_aspace_stats(as, &s->st);
	for (i = 0; i < 4; i++)
		s->ret[i] = axas_translate(as, gr_probes[i], &s->x[i]);
}

/* Fail the 1st, 2nd, ... allocation of @op until it succeeds. */
static void gr_fail_every(struct kunit *test, struct axas_aspace *as,
			  int (*op)(struct axas_aspace *as))
{
	struct gr_snap before, after;
	int n, ret;

	gr_take(as, &before);
	for (n = 1; n < 64; n++) {
		axas_test_fail_nth(as, n);
		ret = op(as);
		axas_test_fail_nth(as, 0);
		if (!ret)
			break;
		KUNIT_ASSERT_EQ_MSG(test, ret, -ENOMEM, "fail-nth %d", n);
		gr_take(as, &after);
		KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(&before, &after,
						    sizeof(before)),
				    "fail-nth %d changed the space", n);
	}
	KUNIT_EXPECT_LT(test, n, 64);
	KUNIT_EXPECT_GT(test, n, 1);	/* it did allocate something */
}

static int gr_op_populate(struct axas_aspace *as)
{
	return axas_map_alloc(as, SZ_2M - SZ_4K, SZ_4K + SZ_4M,
			      HUGE_RW | AXAS_MAP_POPULATE);
}

static int gr_op_fault(struct axas_aspace *as)
{
	u32 result;

	/* a new 1 GiB: the 2 MiB leaf needs a table first */
	return axas_handle_page_fault(as, SZ_2G + SZ_2M + 5, AXAS_MAP_READ,
				      &result);
}

static int gr_op_unmap_split(struct axas_aspace *as)
{
	return axas_unmap(as, SZ_2M + SZ_64K, SZ_4K);
}

static int gr_op_discard_split(struct axas_aspace *as)
{
	return axas_discard(as, SZ_4M + SZ_4K, SZ_4K);
}

static void huge_rollback_test(struct kunit *test)
{
	struct axas_aspace *as = gr_space(test);

	gr_fail_every(test, as, gr_op_populate);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + 2 * BLOCK_PAGES);
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, SZ_2G + SZ_2M, SZ_2M,
						HUGE_RW));
	gr_fail_every(test, as, gr_op_fault);
	gr_expect_leaf(test, as, SZ_2G + SZ_2M, SZ_2M, RW);
	gr_fail_every(test, as, gr_op_unmap_split);
	gr_fail_every(test, as, gr_op_discard_split);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + 3 * BLOCK_PAGES - 2);
	axas_clear(as);
	KUNIT_EXPECT_EQ(test, gr_data(as), 0);
}

/* ---- discard ----------------------------------------------------------- */

/* Invalidations seen: how many, and the span they cover together. */
struct gr_inval {
	unsigned int calls;
	u64 start, end;
};

static void gr_invalidate(void *priv, u64 gpa, u64 size)
{
	struct gr_inval *v = priv;

	if (!v->calls++) {
		v->start = gpa;
		v->end = gpa + size;
	}
	v->start = min(v->start, gpa);
	v->end = max(v->end, gpa + size);
}

static const struct axas_invalidate_ops gr_inval_ops = {
	.invalidate = gr_invalidate,
};

static void discard_test(struct kunit *test)
{
	struct axas_aspace *as = gr_space(test);
	struct gr_inval v = { 0 };
	u8 b[16];
	u64 gen;

	KUNIT_ASSERT_EQ(test, 0, axas_register_invalidate(as, &gr_inval_ops,
							  &v));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, 0, SZ_64K,
						RW | AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, SZ_1M, SZ_64K, RW));
	KUNIT_EXPECT_EQ(test, 16, axas_write(as, SZ_4K, "sixteen bytes!!", 16));
	KUNIT_EXPECT_EQ(test, 16, axas_write(as, SZ_1M, "lazy page here!", 16));
	KUNIT_EXPECT_EQ(test, gr_data(as), 17);
	gen = gr_stats(as).tlb_gen;

	/* a range with pages, a hole and a lazy region */
	KUNIT_ASSERT_EQ(test, 0, axas_discard(as, SZ_4K, SZ_2M));
	KUNIT_EXPECT_EQ(test, gr_data(as), 1);
	KUNIT_EXPECT_EQ(test, gr_stats(as).nr_regions, 2);
	KUNIT_EXPECT_GT(test, gr_stats(as).tlb_gen, gen);
	/* what was removed was invalidated, nothing outside the range */
	KUNIT_EXPECT_GE(test, v.calls, 1);
	KUNIT_EXPECT_LE(test, v.start, SZ_4K);
	KUNIT_EXPECT_GE(test, v.end, SZ_1M + SZ_4K);
	KUNIT_EXPECT_LE(test, v.end, SZ_2M + SZ_4K);
	/* reads see zeros and allocate nothing; faults are HANDLED */
	KUNIT_EXPECT_EQ(test, 16, axas_read(as, SZ_4K, b, 16));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(b, 0, 16));
	KUNIT_EXPECT_EQ(test, gr_data(as), 1);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, SZ_4K, AXAS_MAP_WRITE),
			AXAS_FAULT_HANDLED);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, SZ_1M, AXAS_MAP_WRITE),
			AXAS_FAULT_HANDLED);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, 0, AXAS_MAP_WRITE),
			AXAS_FAULT_NOT_LAZY);
	KUNIT_EXPECT_EQ(test, gr_data(as), 3);
	/* nothing present: no invalidation, no generation */
	v.calls = 0;
	gen = gr_stats(as).tlb_gen;
	KUNIT_ASSERT_EQ(test, 0, axas_discard(as, SZ_2M, SZ_2M));
	KUNIT_EXPECT_EQ(test, v.calls, 0);
	KUNIT_EXPECT_EQ(test, gr_stats(as).tlb_gen, gen);
	/* a linear region in the range: EINVAL, nothing freed */
	KUNIT_ASSERT_EQ(test, 0, axas_map_linear(as, SZ_2M, SZ_1G, SZ_2M, RW));
	KUNIT_EXPECT_EQ(test, -EINVAL, axas_discard(as, 0, SZ_4M));
	KUNIT_EXPECT_EQ(test, gr_data(as), 3);
	KUNIT_EXPECT_EQ(test, -EINVAL, axas_discard(as, 1, SZ_4K));
	KUNIT_EXPECT_EQ(test, -EINVAL, axas_discard(as, SZ_4G, SZ_4K));
	axas_unregister_invalidate(as);
}

/* ---- the region list --------------------------------------------------- */

static void regions_test(struct kunit *test)
{
	struct axas_aspace *as = gr_space(test);
	struct axas_region_info r[4];
	u32 total = 99;

	KUNIT_EXPECT_EQ(test, 0, axas_get_regions(as, NULL, 0, &total));
	KUNIT_EXPECT_EQ(test, total, 0);
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, SZ_1G, SZ_4M,
						HUGE_RW | AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_linear(as, SZ_2M, SZ_4G, SZ_2M,
						 AXAS_MAP_READ |
						 AXAS_MAP_NOHUGE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, 0, SZ_4K, RW));
	KUNIT_EXPECT_EQ(test, -ENOSPC, axas_get_regions(as, r, 2, &total));
	KUNIT_EXPECT_EQ(test, total, 3);
	KUNIT_ASSERT_EQ(test, 0, axas_get_regions(as, r, 4, &total));
	KUNIT_EXPECT_EQ(test, total, 3);
	KUNIT_EXPECT_EQ(test, r[0].gpa, 0);
	KUNIT_EXPECT_EQ(test, r[0].kind, AXAS_REGION_ALLOC);
	KUNIT_EXPECT_EQ(test, r[1].gpa, SZ_2M);
	KUNIT_EXPECT_EQ(test, r[1].hpa, SZ_4G);
	KUNIT_EXPECT_EQ(test, r[1].map_flags,
			AXAS_MAP_READ | AXAS_MAP_NOHUGE);
	KUNIT_EXPECT_EQ(test, r[1].kind, AXAS_REGION_LINEAR);
	KUNIT_EXPECT_EQ(test, r[2].gpa, SZ_1G);
	KUNIT_EXPECT_EQ(test, r[2].length, SZ_4M);
	KUNIT_EXPECT_EQ(test, r[2].map_flags, HUGE_RW | AXAS_MAP_POPULATE);
	KUNIT_EXPECT_EQ(test, r[2].hpa, 0);
}

/* ---- the host side of mmap ------------------------------------------- */

static int gr_install(void *arg, u64 gpa, unsigned long pfn)
{
	*(unsigned long *)arg = pfn;
	return 0;
}

static void host_fault_test(struct kunit *test)
{
	struct axas_aspace *as = gr_space(test);
	unsigned long pfn = 0;
	struct axas_xlate x;

	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, SZ_2M, SZ_4M, HUGE_RW));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, SZ_1G, SZ_64K, RW));
	KUNIT_ASSERT_EQ(test, 0, axas_map_linear(as, SZ_2G, SZ_2G, SZ_2M, RW));
	/* a lazy page comes in exactly as a guest fault brings it */
	KUNIT_ASSERT_EQ(test, 0, axas_host_fault(as, SZ_1G + SZ_4K, 0, 0,
						 gr_install, &pfn));
	KUNIT_EXPECT_EQ(test, gr_data(as), 1);
	KUNIT_ASSERT_EQ(test, 0, axas_translate(as, SZ_1G + SZ_4K, &x));
	KUNIT_EXPECT_EQ(test, PFN_PHYS(pfn), x.hpa);
	KUNIT_EXPECT_EQ(test, gr_fault(test, as, SZ_1G + SZ_4K,
				       AXAS_MAP_READ), AXAS_FAULT_SPURIOUS);
	/* HUGE: the 2 MiB page, and the subpage the host asked for */
	KUNIT_ASSERT_EQ(test, 0, axas_host_fault(as, SZ_4M + 3 * SZ_4K, 0, 0,
						 gr_install, &pfn));
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + BLOCK_PAGES);
	gr_expect_leaf(test, as, SZ_4M, SZ_2M, RW);
	KUNIT_ASSERT_EQ(test, 0, axas_translate(as, SZ_4M + 3 * SZ_4K, &x));
	KUNIT_EXPECT_EQ(test, PFN_PHYS(pfn), x.hpa);
	/* holes and linear regions are not host RAM */
	KUNIT_EXPECT_EQ(test, -EFAULT, axas_host_fault(as, 0, 0, 0, gr_install,
						       &pfn));
	KUNIT_EXPECT_EQ(test, -EFAULT, axas_host_fault(as, SZ_2G, 0, 0, gr_install,
						       &pfn));
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + BLOCK_PAGES);
	/* allocation failure: -ENOMEM, nothing changed */
	axas_test_fail_nth(as, 1);
	KUNIT_EXPECT_EQ(test, -ENOMEM, axas_host_fault(as, SZ_1G + SZ_8K, 0, 0,
						       gr_install, &pfn));
	axas_test_fail_nth(as, 0);
	KUNIT_EXPECT_EQ(test, gr_data(as), 1 + BLOCK_PAGES);
}

/* what axas_host_fault() gave; @stop_at: the install that fails */
struct gr_around {
	unsigned int n, stop_at;
	u64 gpa[32];
	unsigned long pfn[32];
};

static int gr_install_around(void *arg, u64 gpa, unsigned long pfn)
{
	struct gr_around *a = arg;

	if (a->n == a->stop_at || a->n == ARRAY_SIZE(a->gpa))
		return -EBUSY;
	a->gpa[a->n] = gpa;
	a->pfn[a->n++] = pfn;
	return 0;
}

/* a fault at @gpa with the window [@start, @end): what was installed */
static struct gr_around gr_fault_around(struct kunit *test,
					struct axas_aspace *as, u64 gpa,
					u64 start, u64 end, unsigned int stop_at)
{
	struct gr_around a = { .stop_at = stop_at };

	KUNIT_EXPECT_EQ(test, 0, axas_host_fault(as, gpa, start, end,
						 gr_install_around, &a));
	return a;
}

/* the pages given are @want (in order), each at the frame the table has */
static void gr_expect_around(struct kunit *test, struct axas_aspace *as,
			     const struct gr_around *a, const u64 *want,
			     unsigned int n)
{
	struct axas_xlate x;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, a->n, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, a->gpa[i], want[i]);
		KUNIT_ASSERT_EQ(test, 0, axas_translate(as, want[i], &x));
		KUNIT_EXPECT_EQ(test, PFN_PHYS(a->pfn[i]), x.hpa);
	}
}

/*
 * Fault-around: after the faulting page, the pages of the window that are
 * allocated, and nothing else; no allocation; none after a 4 KiB first
 * touch.
 */
static void host_fault_around_test(struct kunit *test)
{
	const u64 lazy = SZ_1G, huge = SZ_4M, dev = SZ_1G + SZ_4M;
	const u64 present[] = { lazy + SZ_4K, lazy + 2 * SZ_4K, lazy + 5 * SZ_4K };
	struct axas_aspace *as = gr_space(test);
	const u64 data = 3 + BLOCK_PAGES + 16;
	struct gr_around a;
	u64 want[16];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, lazy, SZ_64K, RW));
	KUNIT_ASSERT_EQ(test, 0, axas_map_linear(as, lazy + SZ_64K, SZ_2G,
						 SZ_2M, RW));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, huge, SZ_2M,
						HUGE_RW | AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, huge + SZ_2M, SZ_2M,
						HUGE_RW));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, dev, SZ_64K,
						RW | AXAS_MAP_DEVICE |
						AXAS_MAP_POPULATE));
	for (i = 0; i < ARRAY_SIZE(present); i++)
		KUNIT_ASSERT_EQ(test, gr_fault(test, as, present[i],
					       AXAS_MAP_WRITE),
				AXAS_FAULT_HANDLED);
	KUNIT_ASSERT_EQ(test, gr_data(as), data);

	/* lazy pages, the linear region and the hole before are passed over */
	a = gr_fault_around(test, as, present[0], lazy - SZ_8K,
			    lazy + SZ_64K + SZ_8K, ~0U);
	gr_expect_around(test, as, &a, present, 3);
	KUNIT_EXPECT_EQ(test, gr_data(as), data);

	/* a 2 MiB leaf: the faulting subpage, then the others in order */
	want[0] = huge + SZ_1M + 5 * SZ_4K;
	for (i = 1; i < 16; i++)
		want[i] = huge + SZ_1M + (i - (i <= 5)) * SZ_4K;
	a = gr_fault_around(test, as, want[0], huge + SZ_1M,
			    huge + SZ_1M + SZ_64K, ~0U);
	gr_expect_around(test, as, &a, want, 16);
	gr_expect_leaf(test, as, huge, SZ_2M, RW);

	/* a 2 MiB page allocated by the fault: its neighbours come too */
	for (i = 0; i < 16; i++)
		want[i] = huge + SZ_2M + i * SZ_4K;
	a = gr_fault_around(test, as, want[0], want[0], want[0] + SZ_64K, ~0U);
	gr_expect_around(test, as, &a, want, 16);
	KUNIT_EXPECT_EQ(test, gr_data(as), data + BLOCK_PAGES);

	/* a 4 KiB first touch: its page alone, though 1, 2, 5 are there */
	want[0] = lazy + 3 * SZ_4K;
	a = gr_fault_around(test, as, want[0], lazy, lazy + SZ_64K, ~0U);
	gr_expect_around(test, as, &a, want, 1);
	KUNIT_EXPECT_EQ(test, gr_data(as), data + BLOCK_PAGES + 1);

	/* DEVICE pages are no host RAM, in the window or faulted */
	a = gr_fault_around(test, as, present[0], present[0], dev + SZ_64K, ~0U);
	KUNIT_EXPECT_EQ(test, a.gpa[a.n - 1], present[2]);
	KUNIT_EXPECT_EQ(test, -EFAULT, axas_host_fault(as, dev, dev,
						       dev + SZ_64K,
						       gr_install_around, &a));

	/* a failing install in the window ends it, and is not the result */
	a = gr_fault_around(test, as, present[0], lazy, lazy + SZ_64K, 2);
	gr_expect_around(test, as, &a, present, 2);
}

static struct kunit_case guestram_cases[] = {
	KUNIT_CASE_PARAM(huge_lazy_test, gr_format_gen_params),
	KUNIT_CASE_PARAM(huge_fallback_test, gr_format_gen_params),
	KUNIT_CASE_PARAM(huge_split_test, gr_format_gen_params),
	KUNIT_CASE_PARAM(huge_rollback_test, gr_format_gen_params),
	KUNIT_CASE_PARAM(discard_test, gr_format_gen_params),
	KUNIT_CASE(regions_test),
	KUNIT_CASE(host_fault_test),
	KUNIT_CASE(host_fault_around_test),
	{}
};

static struct kunit_suite guestram_suite = {
	.name = "axas_guestram",
	.test_cases = guestram_cases,
};

kunit_test_suite(guestram_suite);
