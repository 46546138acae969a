// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of dirty tracking (SPEC 8.8): leaves made clean and judged by
 * the reference decoder (write permission gone, or the format's hardware
 * dirty state cleared), write faults logged, the CPU's own dirty bit
 * harvested (the test writes it as the CPU would), host writes, huge leaves
 * split for the duration, UNMAP/DISCARD/new mappings in a tracked range,
 * errors that change nothing, and allocation failures that leave the space
 * exactly as it was. Every format, in both modes where the format has a
 * hardware dirty bit (EPT: with a consumer bound that turns A/D on).
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include "kunit/ref_decode.h"

#define RW		(AXAS_MAP_READ | AXAS_MAP_WRITE)
#define W		AXAS_MAP_WRITE

struct dt_param {
	u32 format;
	bool hw;
	const char *name;
};

static const struct dt_param dt_params[] = {
	{ AXAS_FMT_EPT4, false, "ept4-wp" },
	{ AXAS_FMT_EPT4, true, "ept4-ad" },
	{ AXAS_FMT_EPT5, false, "ept5-wp" },
	{ AXAS_FMT_EPT5, true, "ept5-ad" },
	{ AXAS_FMT_ARM_S2, false, "arm_s2-wp" },
	{ AXAS_FMT_ARM_S2, true, "arm_s2-hw" },
	{ AXAS_FMT_SV39X4, false, "sv39x4-wp" },
	{ AXAS_FMT_SV39X4, true, "sv39x4-hw" },
	{ AXAS_FMT_SV48X4, true, "sv48x4-hw" },
	{ AXAS_FMT_SV57X4, true, "sv57x4-hw" },
	{ AXAS_FMT_AMD_NPT4, false, "amd_npt4-wp" },
	{ AXAS_FMT_AMD_NPT4, true, "amd_npt4-hw" },
	{ AXAS_FMT_AMD_NPT5, true, "amd_npt5-hw" },
};

static void dt_param_desc(const struct dt_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", p->name);
}

KUNIT_ARRAY_PARAM(dt, dt_params, dt_param_desc);

static const struct dt_param dt_ept_params[] = {
	{ AXAS_FMT_EPT4, false, "ept4-wp" },
	{ AXAS_FMT_EPT4, true, "ept4-ad" },
	{ AXAS_FMT_EPT5, false, "ept5-wp" },
	{ AXAS_FMT_EPT5, true, "ept5-ad" },
};

KUNIT_ARRAY_PARAM(dt_ept, dt_ept_params, dt_param_desc);

static void dt_put_action(void *as)
{
	axas_aspace_put(as);
}

static const struct dt_param *dt_param(struct kunit *test)
{
	static const struct dt_param def = { AXAS_FMT_EPT4, false, "ept4-wp" };

	return test->param_value ?: &def;
}

static bool dt_is_ept(u32 format)
{
	return format == AXAS_FMT_EPT4 || format == AXAS_FMT_EPT5;
}

/* A consumer that says it runs EPT with A/D on, and counts INVEPTs. */
struct dt_consumer {
	struct axas_consumer c;
	struct axas_aspace *as;
	int calls;
	u64 lo, hi;
};

static void dt_invalidate(struct axas_consumer *c, u64 gpa, u64 size)
{
	struct dt_consumer *dc = container_of(c, struct dt_consumer, c);

	if (!dc->calls++ || gpa < dc->lo)
		dc->lo = gpa;
	dc->hi = max(dc->hi, gpa + size);
}

static const struct axas_consumer_ops dt_consumer_ops = {
	.invalidate = dt_invalidate,
};

static void dt_unbind_action(void *arg)
{
	struct dt_consumer *dc = arg;

	axas_consumer_unbind(dc->as, &dc->c);
}

/* Bind a consumer with @flags, unbound before the space is put. */
static struct dt_consumer *dt_bind(struct kunit *test, struct axas_aspace *as,
				   u32 flags)
{
	struct dt_consumer *dc = kunit_kzalloc(test, sizeof(*dc), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dc);
	dc->c.ops = &dt_consumer_ops;
	dc->c.flags = flags;
	dc->as = as;
	KUNIT_ASSERT_EQ(test, 0, axas_consumer_bind(as, &dc->c));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, dt_unbind_action, dc));
	return dc;
}

/*
 * A 4 GiB space of the test's format and mode. EPT's hardware mode needs
 * a consumer that turns A/D on: one is bound (test->priv); its write
 * protection is what a space without that promise does.
 */
static struct axas_aspace *dt_space(struct kunit *test)
{
	const struct dt_param *p = dt_param(test);
	struct axas_aspace *as;

	as = axas_aspace_create(p->format, 0, 0, SZ_4G);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, dt_put_action, as));
	/* EPT needs no hook: without a promise it write-protects by itself */
	if (!dt_is_ept(p->format))
		axas_test_dirty_wp(as, !p->hw);
	else if (p->hw)
		test->priv = dt_bind(test, as, AXAS_CONSUMER_EPT_AD);
	return as;
}

static struct axas_stats dt_stats(struct axas_aspace *as)
{
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	return st;
}

static u64 dt_tracked(struct axas_aspace *as)
{
	u64 tracked, logged;

	axas_dirty_stats(as, &tracked, &logged);
	return tracked;
}

static void dt_leaf(struct kunit *test, struct axas_aspace *as, u64 gpa,
		    struct axas_npt_ref_leaf *leaf)
{
	struct axas_stats st = dt_stats(as);
	struct axas_npt_ref_geom g;

	KUNIT_ASSERT_EQ(test, 0,
			axas_npt_ref_geom_init(&g, st.format, st.gpa_bits));
	/* EPTP bit 6 is what the test's consumer promised, not what axas says */
	g.ept_ad = dt_is_ept(st.format) && dt_param(test)->hw;
	KUNIT_ASSERT_EQ_MSG(test, 0,
			    axas_npt_ref_translate(&g, st.root_pa, gpa, leaf),
			    "gpa 0x%llx not mapped", gpa);
}

/*
 * The 4 KiB leaf at @gpa is clean: with write protection it lost W; in
 * hardware mode the decoder says the next write marks it.
 */
static void dt_expect_clean(struct kunit *test, struct axas_aspace *as,
			    u64 gpa, u32 prot)
{
	struct axas_npt_ref_leaf leaf;

	dt_leaf(test, as, gpa, &leaf);
	KUNIT_EXPECT_EQ_MSG(test, leaf.size, SZ_4K, "gpa 0x%llx", gpa);
	if (dt_param(test)->hw) {
		KUNIT_EXPECT_TRUE_MSG(test, leaf.clean, "gpa 0x%llx pte 0x%llx",
				      gpa, leaf.pte);
		KUNIT_EXPECT_EQ(test, leaf.prot & ~W, prot & ~W);
	} else {
		KUNIT_EXPECT_FALSE(test, leaf.clean);
		KUNIT_EXPECT_EQ_MSG(test, leaf.prot, prot & ~W,
				    "gpa 0x%llx pte 0x%llx", gpa, leaf.pte);
	}
}

/* The leaf at @gpa has its plain encoding: @prot, nothing clean. */
static void dt_expect_plain(struct kunit *test, struct axas_aspace *as,
			    u64 gpa, u64 size, u32 prot)
{
	struct axas_npt_ref_leaf leaf;

	dt_leaf(test, as, gpa, &leaf);
	KUNIT_EXPECT_EQ_MSG(test, leaf.size, size, "gpa 0x%llx", gpa);
	KUNIT_EXPECT_FALSE_MSG(test, leaf.clean, "gpa 0x%llx pte 0x%llx", gpa,
			       leaf.pte);
	KUNIT_EXPECT_EQ_MSG(test, leaf.prot, prot, "gpa 0x%llx pte 0x%llx",
			    gpa, leaf.pte);
}

/* What the CPU does on a write through a clean leaf with hardware updates. */
static void dt_cpu_write(struct kunit *test, struct axas_aspace *as, u64 gpa)
{
	struct axas_npt_ref_leaf leaf;
	u64 bit = axas_npt_ref_hw_dirty_bit(dt_stats(as).format);

	dt_leaf(test, as, gpa, &leaf);
	KUNIT_ASSERT_TRUE(test, leaf.clean);
	KUNIT_ASSERT_NE(test, bit, 0);
	WRITE_ONCE(*leaf.ptep, leaf.pte | bit);
}

static u32 dt_fault(struct kunit *test, struct axas_aspace *as, u64 gpa,
		    u32 access)
{
	u32 result = 0;

	KUNIT_EXPECT_EQ(test, 0,
			axas_handle_page_fault(as, gpa, access, &result));
	return result;
}

/* A harvest of [gpa, gpa + size) as a kunit-managed bitmap. */
static unsigned long *dt_get(struct kunit *test, struct axas_aspace *as,
			     u64 gpa, u64 size, u32 flags)
{
	unsigned long nbits = size >> PAGE_SHIFT;
	unsigned long *bits;

	bits = kunit_kcalloc(test, BITS_TO_LONGS(nbits), sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	KUNIT_ASSERT_EQ(test, 0, axas_get_dirty_bitmap(as, gpa, size, bits,
						       flags));
	return bits;
}

/* @bits (of @size bytes at @gpa) holds exactly the pages listed. */
static void dt_expect_bits(struct kunit *test, const unsigned long *bits,
			   u64 gpa, u64 size, const u64 *pages, int nr)
{
	unsigned long nbits = size >> PAGE_SHIFT, bit;
	int i, found = 0;

	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      test_bit((pages[i] - gpa) >> PAGE_SHIFT, bits),
				      "page 0x%llx not reported", pages[i]);
	for_each_set_bit(bit, bits, nbits) {
		for (i = 0; i < nr; i++)
			if (pages[i] == gpa + ((u64)bit << PAGE_SHIFT))
				break;
		KUNIT_EXPECT_LT_MSG(test, i, nr, "page 0x%llx reported",
				    gpa + ((u64)bit << PAGE_SHIFT));
		found++;
	}
	KUNIT_EXPECT_EQ(test, found, nr);
}

#define A	(16 * SZ_1M)	/* populated RW, 1 MiB */
#define L	(32 * SZ_1M)	/* lazy RW, 1 MiB */
#define RO	(48 * SZ_1M)	/* populated read-only, 64 KiB */
#define T	(16 * SZ_1M)	/* the tracked range: [T, T + TSZ) */
#define TSZ	(48 * SZ_1M)

static void dt_setup(struct kunit *test, struct axas_aspace *as)
{
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, A, SZ_1M,
						RW | AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, L, SZ_1M, RW));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, RO, SZ_64K,
						AXAS_MAP_READ | AXAS_MAP_POPULATE));
}

/* ---- start, log, harvest, stop ----------------------------------------- */

static void dirty_basic_test(struct kunit *test)
{
	struct axas_aspace *as = dt_space(test);
	bool hw = dt_param(test)->hw;
	struct axas_stats before;
	unsigned long *bits;
	struct axas_xlate x;
	u64 p5 = A + 5 * SZ_4K, p7 = A + 7 * SZ_4K, p9 = A + 9 * SZ_4K;
	u64 p11 = A + 11 * SZ_4K, lz = L + SZ_4K;
	u64 want[5];
	u8 byte = 0x5a;
	int n = 0;

	dt_setup(test, as);
	before = dt_stats(as);
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, T, TSZ,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, dt_tracked(as), TSZ >> PAGE_SHIFT);
	/* Cleaning removed write permission or dirty state: a flush. */
	KUNIT_EXPECT_GT(test, dt_stats(as).tlb_gen, before.tlb_gen);
	KUNIT_EXPECT_EQ(test, dt_stats(as).table_pages, before.table_pages);
	KUNIT_EXPECT_EQ(test, dt_stats(as).data_pages, before.data_pages);
	dt_expect_clean(test, as, A, RW);
	dt_expect_clean(test, as, p5, RW);
	dt_expect_clean(test, as, A + SZ_1M - SZ_4K, RW);
	dt_expect_plain(test, as, RO, SZ_4K, AXAS_MAP_READ);
	dt_expect_bits(test, dt_get(test, as, T, TSZ, 0), T, TSZ, NULL, 0);

	/* A tracked write faults once, and TRANSLATE shows the region's W. */
	KUNIT_ASSERT_EQ(test, 0, axas_translate(as, p5, &x));
	KUNIT_EXPECT_EQ(test, x.prot, RW);
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, p5, W), AXAS_FAULT_LOGGED);
	dt_expect_plain(test, as, p5, SZ_4K, RW);
	KUNIT_EXPECT_NE(test, dt_fault(test, as, p5, W), AXAS_FAULT_LOGGED);
	KUNIT_EXPECT_NE(test, dt_fault(test, as, A, AXAS_MAP_READ),
			AXAS_FAULT_LOGGED);
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, RO, W), AXAS_FAULT_PERM);
	want[n++] = p5;
	/* The CPU sets the dirty state itself. */
	if (hw) {
		dt_cpu_write(test, as, p7);
		want[n++] = p7;
	}
	/* A lazy page written by the guest comes in dirty. */
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, lz, W), AXAS_FAULT_HANDLED);
	want[n++] = lz;
	/* Host writes and writes a hypervisor reports. */
	KUNIT_EXPECT_EQ(test, 1, axas_write(as, p9 + 100, &byte, 1));
	want[n++] = p9;
	axas_mark_dirty(as, p11 + 4095, 1);
	want[n++] = p11;
	axas_mark_dirty(as, 8 * SZ_1M, SZ_4K);		/* not tracked */
	dt_expect_clean(test, as, p9, RW);	/* the host wrote, not the guest */

	bits = dt_get(test, as, T, TSZ, AXAS_DIRTY_NO_CLEAR);
	dt_expect_bits(test, bits, T, TSZ, want, n);
	/* the CPU's dirty state is still there after a NO_CLEAR report */
	if (hw)
		dt_expect_plain(test, as, p7, SZ_4K, RW);
	bits = dt_get(test, as, T, TSZ, 0);
	dt_expect_bits(test, bits, T, TSZ, want, n);
	dt_expect_clean(test, as, p5, RW);
	dt_expect_clean(test, as, lz, RW);
	if (hw)
		dt_expect_clean(test, as, p7, RW);
	dt_expect_bits(test, dt_get(test, as, T, TSZ, 0), T, TSZ, NULL, 0);

	/* Armed again: the same page is logged again. */
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, p5, W), AXAS_FAULT_LOGGED);
	bits = dt_get(test, as, A, SZ_1M, 0);
	dt_expect_bits(test, bits, A, SZ_1M, &p5, 1);

	/* Stop: plain leaves, nothing tracked, writes no longer fault. */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, T, TSZ, 0));
	KUNIT_EXPECT_EQ(test, dt_tracked(as), 0);
	dt_expect_plain(test, as, A, SZ_4K, RW);
	dt_expect_plain(test, as, p5, SZ_4K, RW);
	dt_expect_plain(test, as, lz, SZ_4K, RW);
	KUNIT_EXPECT_NE(test, dt_fault(test, as, A, W), AXAS_FAULT_LOGGED);
	axas_mark_dirty(as, A, SZ_4K);
	dt_expect_bits(test, dt_get(test, as, T, TSZ, 0), T, TSZ, NULL, 0);
}

/* ---- a write on a tracked page that is dirty already -------------------- */

/*
 * Only a clean page's write is logged. A write on a page that is dirty
 * already (logged, or faulted in since tracking started) gets the answer an
 * untracked page would get, logs nothing and reaches no allocation site:
 * the page is there, and nothing is allocated to find that out.
 */
static void dirty_rewrite_test(struct kunit *test)
{
	struct axas_aspace *as = dt_space(test);
	u64 p3 = A + 3 * SZ_4K, lz = L + 2 * SZ_4K;
	u64 want[2] = { p3, lz };
	u64 tracked, logged, logged_before;
	struct axas_stats before;
	u32 result = 0;

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	dt_setup(test, as);
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, T, TSZ,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, lz, W), AXAS_FAULT_HANDLED);
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, p3, W), AXAS_FAULT_LOGGED);
	axas_dirty_stats(as, &tracked, &logged_before);
	before = dt_stats(as);

	axas_test_fail_nth(as, 1);
	KUNIT_EXPECT_EQ(test, 0, axas_handle_page_fault(as, p3, W, &result));
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_NOT_LAZY);
	KUNIT_EXPECT_EQ(test, 0, axas_handle_page_fault(as, p3 + 8, RW, &result));
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_NOT_LAZY);
	KUNIT_EXPECT_EQ(test, 0, axas_handle_page_fault(as, lz, W, &result));
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_SPURIOUS);
	KUNIT_EXPECT_EQ(test, axas_test_fail_left(as), 1);
	axas_test_fail_nth(as, 0);

	axas_dirty_stats(as, &tracked, &logged);
	KUNIT_EXPECT_EQ(test, logged, logged_before);
	KUNIT_EXPECT_EQ(test, dt_stats(as).data_pages, before.data_pages);
	KUNIT_EXPECT_EQ(test, dt_stats(as).tlb_gen, before.tlb_gen);
	dt_expect_plain(test, as, p3, SZ_4K, RW);
	dt_expect_plain(test, as, lz, SZ_4K, RW);
	dt_expect_bits(test, dt_get(test, as, T, TSZ, 0), T, TSZ, want, 2);

	/* Harvested, the page is clean again: its next write is logged. */
	dt_expect_clean(test, as, p3, RW);
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, p3, W), AXAS_FAULT_LOGGED);
	axas_dirty_stats(as, &tracked, &logged);
	KUNIT_EXPECT_EQ(test, logged, logged_before + 1);
}

/* ---- only the tracked part of a range is touched ----------------------- */

static void dirty_partial_test(struct kunit *test)
{
	struct axas_aspace *as = dt_space(test);
	u64 mid = A + SZ_512K;
	unsigned long *bits;
	u64 want[2] = { A + SZ_4K, mid + SZ_4K };

	dt_setup(test, as);
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, mid, SZ_4M,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, dt_tracked(as), SZ_4M >> PAGE_SHIFT);
	dt_expect_plain(test, as, A, SZ_4K, RW);
	dt_expect_plain(test, as, mid - SZ_4K, SZ_4K, RW);
	dt_expect_clean(test, as, mid, RW);
	/* a write before the tracked part is no tracking business */
	KUNIT_EXPECT_NE(test, dt_fault(test, as, want[0], W),
			AXAS_FAULT_LOGGED);
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, want[1], W),
			AXAS_FAULT_LOGGED);
	/* a harvest of the whole region leaves the untracked half alone */
	bits = dt_get(test, as, A, SZ_1M, 0);
	dt_expect_bits(test, bits, A, SZ_1M, &want[1], 1);
	dt_expect_plain(test, as, A, SZ_4K, RW);
	dt_expect_clean(test, as, want[1], RW);
}

/* ---- huge leaves are split while tracking lasts ------------------------ */

static void dirty_huge_test(struct kunit *test)
{
	struct axas_aspace *as = dt_space(test);
	u64 h = SZ_1G, lazy = SZ_1G + SZ_64M, fresh = SZ_2G;
	unsigned long *bits, nr;
	struct axas_stats before;
	struct axas_xlate x;

	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, h, SZ_8M,
						RW | AXAS_MAP_HUGE |
						AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, lazy, SZ_8M,
						RW | AXAS_MAP_HUGE));
	dt_expect_plain(test, as, h, SZ_2M, RW);
	before = dt_stats(as);
	/* [h + 1M, h + 5M) cuts three 2 MiB leaves: three tables */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, h + SZ_1M, SZ_4M,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, dt_stats(as).table_pages, before.table_pages + 3);
	KUNIT_EXPECT_EQ(test, dt_stats(as).data_pages, before.data_pages);
	dt_expect_plain(test, as, h, SZ_4K, RW);		/* split, untracked */
	dt_expect_clean(test, as, h + SZ_1M, RW);
	dt_expect_clean(test, as, h + SZ_4M, RW);
	dt_expect_clean(test, as, h + SZ_4M + SZ_1M - SZ_4K, RW);
	dt_expect_plain(test, as, h + SZ_4M + SZ_1M, SZ_4K, RW);
	dt_expect_plain(test, as, h + SZ_4M + SZ_2M, SZ_2M, RW);	/* untouched */

	/* A lazy HUGE block that is tracked faults 4 KiB pages. */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, lazy, SZ_2M,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, lazy + SZ_4K, W),
			AXAS_FAULT_HANDLED);
	KUNIT_ASSERT_EQ(test, 0, axas_translate(as, lazy + SZ_4K, &x));
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_4K);
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, lazy + SZ_2M, W),
			AXAS_FAULT_HANDLED);
	KUNIT_ASSERT_EQ(test, 0, axas_translate(as, lazy + SZ_2M, &x));
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_2M);

	/* A mapping made later in a tracked range starts dirty. */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, fresh, SZ_16M,
							 AXAS_DIRTY_ENABLE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, fresh, SZ_4M,
						RW | AXAS_MAP_HUGE |
						AXAS_MAP_POPULATE));
	dt_expect_plain(test, as, fresh, SZ_2M, RW);
	nr = SZ_4M >> PAGE_SHIFT;
	bits = dt_get(test, as, fresh, SZ_16M, AXAS_DIRTY_NO_CLEAR);
	KUNIT_EXPECT_EQ(test, bitmap_weight(bits, SZ_16M >> PAGE_SHIFT), nr);
	dt_expect_plain(test, as, fresh, SZ_2M, RW);	/* NO_CLEAR: as it was */
	before = dt_stats(as);
	bits = dt_get(test, as, fresh, SZ_16M, 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(bits, SZ_16M >> PAGE_SHIFT), nr);
	KUNIT_EXPECT_EQ(test, find_first_zero_bit(bits, nr), nr);
	KUNIT_EXPECT_EQ(test, dt_stats(as).table_pages, before.table_pages + 2);
	dt_expect_clean(test, as, fresh, RW);
	dt_expect_clean(test, as, fresh + SZ_4M - SZ_4K, RW);
	bits = dt_get(test, as, fresh, SZ_16M, 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(bits, SZ_16M >> PAGE_SHIFT), 0);
}

/* ---- UNMAP, DISCARD and PROTECT in a tracked range --------------------- */

static void dirty_unmap_discard_test(struct kunit *test)
{
	struct axas_aspace *as = dt_space(test);
	u64 want[3] = { L + SZ_8K, A, A + SZ_4K };
	unsigned long *bits;

	dt_setup(test, as);
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, T, TSZ,
							 AXAS_DIRTY_ENABLE));
	/* a lazy page the guest read, then discarded: reads zeros now */
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, L + SZ_8K, AXAS_MAP_READ),
			AXAS_FAULT_HANDLED);
	bits = dt_get(test, as, T, TSZ, 0);
	dt_expect_bits(test, bits, T, TSZ, want, 1);
	KUNIT_ASSERT_EQ(test, 0, axas_discard(as, L, SZ_1M));
	bits = dt_get(test, as, T, TSZ, 0);
	dt_expect_bits(test, bits, T, TSZ, want, 1);

	/* unmapped pages are forgotten; the range stays tracked */
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, A + SZ_64K, W),
			AXAS_FAULT_LOGGED);
	KUNIT_ASSERT_EQ(test, 0, axas_unmap(as, A + SZ_64K, SZ_64K));
	dt_expect_bits(test, dt_get(test, as, T, TSZ, 0), T, TSZ, NULL, 0);
	KUNIT_EXPECT_EQ(test, dt_tracked(as), TSZ >> PAGE_SHIFT);

	/* PROTECT gives write back: the pages count as written */
	KUNIT_ASSERT_EQ(test, 0, axas_protect(as, A, SZ_8K, AXAS_MAP_READ));
	KUNIT_ASSERT_EQ(test, 0, axas_protect(as, A, SZ_8K, RW));
	bits = dt_get(test, as, T, TSZ, 0);
	dt_expect_bits(test, bits, T, TSZ, &want[1], 2);
	dt_expect_clean(test, as, A, RW);
}

/* ---- errors change nothing ---------------------------------------------- */

static void dirty_errors_test(struct kunit *test)
{
	struct axas_aspace *as = dt_space(test);
	unsigned long bits[2] = { 0 };
	struct axas_stats before;

	dt_setup(test, as);
	KUNIT_ASSERT_EQ(test, 0, axas_map_linear(as, SZ_2G, SZ_2G, SZ_2M, RW));
	before = dt_stats(as);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			axas_set_dirty_tracking(as, SZ_1G, SZ_2G, AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			axas_set_dirty_tracking(as, A + 1, SZ_4K, AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			axas_set_dirty_tracking(as, A, 100, AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			axas_set_dirty_tracking(as, A, 0, AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			axas_set_dirty_tracking(as, SZ_4G - SZ_4K, SZ_8K,
						AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, -EINVAL, axas_set_dirty_tracking(as, A, SZ_4K, 2));
	KUNIT_EXPECT_EQ(test, dt_tracked(as), 0);
	KUNIT_EXPECT_EQ(test, dt_stats(as).tlb_gen, before.tlb_gen);
	KUNIT_EXPECT_EQ(test, dt_stats(as).table_pages, before.table_pages);
	dt_expect_plain(test, as, A, SZ_4K, RW);

	KUNIT_EXPECT_EQ(test, -EINVAL, axas_get_dirty_bitmap(as, A, SZ_4K, bits, 2));
	KUNIT_EXPECT_EQ(test, -EINVAL, axas_get_dirty_bitmap(as, A + 8, SZ_4K,
							     bits, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, axas_get_dirty_bitmap(as, SZ_4G, SZ_4K,
							     bits, 0));
	/* nothing tracked: zeros */
	KUNIT_EXPECT_EQ(test, 0, axas_get_dirty_bitmap(as, A, SZ_64K, bits, 0));
	KUNIT_EXPECT_EQ(test, bits[0], 0);
	/* stopping where nothing is tracked (a linear region too) is fine */
	KUNIT_EXPECT_EQ(test, 0, axas_set_dirty_tracking(as, SZ_1G, SZ_2G, 0));

	/* What a delivery that failed gives back is reported next time. */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, A, SZ_1M,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, dt_fault(test, as, A + SZ_8K, W),
			AXAS_FAULT_LOGGED);
	KUNIT_ASSERT_EQ(test, 0, axas_get_dirty_bitmap(as, A, SZ_64K, bits, 0));
	KUNIT_EXPECT_EQ(test, bits[0], BIT(2));
	axas_mark_dirty_bitmap(as, A, bits, SZ_64K >> PAGE_SHIFT);
	bits[0] = 0;
	KUNIT_ASSERT_EQ(test, 0, axas_get_dirty_bitmap(as, A, SZ_64K, bits, 0));
	KUNIT_EXPECT_EQ(test, bits[0], BIT(2));
}

/* ---- every allocation failure leaves the space as it was --------------- */

static void dirty_rollback_test(struct kunit *test)
{
	struct axas_aspace *as = dt_space(test);
	u64 h = SZ_1G, fresh = SZ_2G;
	struct axas_stats before, after;
	unsigned long *bits;
	int n, ret;

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, h, SZ_8M,
						RW | AXAS_MAP_HUGE |
						AXAS_MAP_POPULATE));
	/* chunks for two 32 MiB pieces, four splits */
	for (n = 1; n < 64; n++) {
		before = dt_stats(as);
		axas_test_fail_nth(as, n);
		ret = axas_set_dirty_tracking(as, h - SZ_16M, SZ_32M,
					      AXAS_DIRTY_ENABLE);
		axas_test_fail_nth(as, 0);
		if (!ret)
			break;
		KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
		after = dt_stats(as);
		KUNIT_EXPECT_EQ(test, after.table_pages, before.table_pages);
		KUNIT_EXPECT_EQ(test, after.tlb_gen, before.tlb_gen);
		KUNIT_EXPECT_EQ(test, dt_tracked(as), 0);
		dt_expect_plain(test, as, h, SZ_2M, RW);
		dt_expect_plain(test, as, h + SZ_4M + SZ_2M, SZ_2M, RW);
	}
	KUNIT_EXPECT_GT(test, n, 4);
	KUNIT_EXPECT_EQ(test, dt_tracked(as), SZ_32M >> PAGE_SHIFT);
	dt_expect_clean(test, as, h + SZ_4M + SZ_2M, RW);

	/* a harvest that must split a new mapping */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, fresh, SZ_4M,
							 AXAS_DIRTY_ENABLE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, fresh, SZ_4M,
						RW | AXAS_MAP_HUGE |
						AXAS_MAP_POPULATE));
	bits = kunit_kcalloc(test, BITS_TO_LONGS(1024), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	before = dt_stats(as);
	axas_test_fail_nth(as, 1);
	ret = axas_get_dirty_bitmap(as, fresh, SZ_4M, bits, 0);
	axas_test_fail_nth(as, 0);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, bitmap_weight(bits, 1024), 0);
	KUNIT_EXPECT_EQ(test, dt_stats(as).table_pages, before.table_pages);
	dt_expect_plain(test, as, fresh, SZ_2M, RW);
	bits = dt_get(test, as, fresh, SZ_4M, 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(bits, 1024), 1024);
}

/* ---- what a consumer is told ------------------------------------------- */

static void dirty_hw_needs_test(struct kunit *test)
{
	static const struct { u32 format; u32 needs; } want[] = {
		{ AXAS_FMT_EPT4, AXAS_DIRTY_HW_NONE },
		{ AXAS_FMT_ARM_S2, AXAS_DIRTY_HW_HD },
		{ AXAS_FMT_SV39X4, AXAS_DIRTY_HW_ADUE },
		{ AXAS_FMT_SV57X4, AXAS_DIRTY_HW_ADUE },
		{ AXAS_FMT_AMD_NPT4, AXAS_DIRTY_HW_AMD },
	};
	struct axas_aspace *as;
	int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		as = axas_aspace_create(want[i].format, 0, 0, SZ_4G);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
		KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), want[i].needs);
		if (dt_is_ept(want[i].format)) {
			struct axas_consumer c = {
				.ops = &dt_consumer_ops,
				.flags = AXAS_CONSUMER_EPT_AD,
			};

			/* with a consumer that turns A/D on, the D bit */
			KUNIT_ASSERT_EQ(test, 0, axas_consumer_bind(as, &c));
			KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as),
					AXAS_DIRTY_HW_EPT_AD);
			axas_consumer_unbind(as, &c);
			KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as),
					AXAS_DIRTY_HW_NONE);
		}
		axas_test_dirty_wp(as, true);
		KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_NONE);
		axas_aspace_put(as);
	}
}

/*
 * The masks the one-pass table loop uses instead of the codecs: @present
 * answers as pte_is_present() does, bit by bit and for what the codecs
 * make; every leaf axas makes writable carries all of @hw_sets (so its
 * cleaning is a plain store), a clean hardware-mode leaf does not (the
 * CPU may set its dirty bit: an exchange).
 */
static void dirty_masks_test(struct kunit *test)
{
	static const u32 formats[] = {
		AXAS_FMT_EPT4, AXAS_FMT_EPT5, AXAS_FMT_ARM_S2, AXAS_FMT_SV39X4,
		AXAS_FMT_SV48X4, AXAS_FMT_SV57X4, AXAS_FMT_AMD_NPT4,
		AXAS_FMT_AMD_NPT5,
	};
	static const u32 prots[] = {
		AXAS_MAP_READ, RW, RW | AXAS_MAP_EXEC, AXAS_MAP_EXEC,
	};
	const struct axas_npt_fmt *fmt;
	struct axas_aspace *as;
	u64 pte, pa = SZ_1G + SZ_2M;
	unsigned int b, i, j, level;

	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		as = axas_aspace_create(formats[i], 0, 0, SZ_4G);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
		fmt = as->npt.fmt;
		KUNIT_EXPECT_NE_MSG(test, fmt->present, 0, "%s", fmt->name);
		for (b = 0; b < 64; b++)
			KUNIT_EXPECT_EQ_MSG(test, fmt->pte_is_present(BIT_ULL(b)),
					    !!(BIT_ULL(b) & fmt->present),
					    "%s bit %u", fmt->name, b);
		KUNIT_EXPECT_EQ(test, !!(AXAS_NPT_PTE_LOCKED & fmt->present),
				fmt->pte_is_present(AXAS_NPT_PTE_LOCKED));
		KUNIT_EXPECT_TRUE(test, fmt->mk_table(pa) & fmt->present);
		for (j = 0; j < ARRAY_SIZE(prots); j++) {
			if (fmt->read_implied && !(prots[j] & AXAS_MAP_READ))
				continue;
			for (level = 0; level < 2; level++) {
				pte = fmt->mk_leaf(pa, prots[j], level);
				KUNIT_EXPECT_TRUE_MSG(test, pte & fmt->present,
						      "%s 0x%llx", fmt->name, pte);
				if (prots[j] & AXAS_MAP_WRITE)
					KUNIT_EXPECT_EQ_MSG(test, pte & fmt->hw_sets,
							    fmt->hw_sets, "%s 0x%llx",
							    fmt->name, pte);
			}
		}
		if (fmt->hw_dirty) {
			pte = fmt->mk_leaf(pa, RW, 0);
			pte = (pte & ~fmt->hw_dirty) | fmt->hw_clean;
			KUNIT_EXPECT_NE_MSG(test, pte & fmt->hw_sets, fmt->hw_sets,
					    "%s: a clean leaf the CPU may write",
					    fmt->name);
		}
		axas_aspace_put(as);
	}
}

/* ---- EPT: the D bit with A/D on, write protection without -------------- */

/*
 * A 4 KiB EPT leaf mapping RW write-back memory, bit by bit, from the SDM
 * (Vol. 3C, "Format of an EPT Page-Table Entry that Maps a 4-KByte Page"
 * and "Accessed and Dirty Flags for EPT"): the value of each field in a
 * clean leaf under write protection, in a clean leaf with A/D on, and in
 * a leaf the guest wrote. Bits 8 and 9 mean something only with EPTP bit
 * 6; without it they are not checked.
 */
static const struct {
	const char *what;
	u64 mask;
	u64 clean_wp;
	u64 clean_ad;
	u64 dirty;
	bool ad_only;
} dt_ept_rw_leaf[] = {
	{ "bit 0, read", BIT_ULL(0), BIT_ULL(0), BIT_ULL(0), BIT_ULL(0), false },
	{ "bit 1, write", BIT_ULL(1), 0, BIT_ULL(1), BIT_ULL(1), false },
	{ "bit 2, execute", BIT_ULL(2), 0, 0, 0, false },
	{ "bits 5:3, memory type WB", GENMASK_ULL(5, 3), 6 << 3, 6 << 3, 6 << 3,
	  false },
	{ "bit 6, ignore PAT", BIT_ULL(6), 0, 0, 0, false },
	{ "bit 8, accessed", BIT_ULL(8), 0, BIT_ULL(8), BIT_ULL(8), true },
	{ "bit 9, dirty", BIT_ULL(9), 0, 0, BIT_ULL(9), true },
	{ "bit 10, user execute", BIT_ULL(10), 0, 0, 0, false },
	{ "bits 63:57, #VE and friends", GENMASK_ULL(63, 57), 0, 0, 0, false },
};

static void dt_ept_check(struct kunit *test, struct axas_aspace *as, u64 gpa,
			 bool ad, bool dirty)
{
	struct axas_npt_ref_leaf leaf;
	u64 want;
	int i;

	dt_leaf(test, as, gpa, &leaf);
	KUNIT_EXPECT_EQ(test, leaf.size, SZ_4K);
	for (i = 0; i < ARRAY_SIZE(dt_ept_rw_leaf); i++) {
		if (dt_ept_rw_leaf[i].ad_only && !ad)
			continue;
		want = dirty ? dt_ept_rw_leaf[i].dirty :
		       ad ? dt_ept_rw_leaf[i].clean_ad : dt_ept_rw_leaf[i].clean_wp;
		KUNIT_EXPECT_EQ_MSG(test, leaf.pte & dt_ept_rw_leaf[i].mask, want,
				    "gpa 0x%llx pte 0x%llx: %s (%s)", gpa,
				    leaf.pte, dt_ept_rw_leaf[i].what,
				    dirty ? "dirty" : "clean");
	}
	KUNIT_EXPECT_EQ(test, leaf.clean, ad && !dirty);
}

static void dirty_ept_test(struct kunit *test)
{
	const struct dt_param *p = dt_param(test);
	u64 base = SZ_1G, pages[2] = { SZ_1G + 3 * SZ_4K, SZ_1G + 9 * SZ_4K };
	struct axas_npt_ref_entry e;
	struct axas_npt_ref_leaf leaf;
	struct axas_npt_ref_geom g;
	struct axas_aspace *as;
	struct dt_consumer *dc;
	struct axas_stats st;
	unsigned long *bits;
	u64 tlb_gen;
	int i;

	as = dt_space(test);
	/* write protection: a consumer that promises nothing */
	dc = p->hw ? test->priv : dt_bind(test, as, 0);
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as),
			p->hw ? AXAS_DIRTY_HW_EPT_AD : AXAS_DIRTY_HW_NONE);
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, base, SZ_64K,
						RW | AXAS_MAP_POPULATE));
	dt_ept_check(test, as, base, p->hw, true);	/* plain: preset A, D */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, base, SZ_64K,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as),
			p->hw ? AXAS_DIRTY_HW_EPT_AD : AXAS_DIRTY_HW_NONE);
	for (i = 0; i < 16; i++)
		dt_ept_check(test, as, base + i * SZ_4K, p->hw, false);

	/* negative control: without EPTP bit 6 that leaf would lose writes */
	dt_leaf(test, as, pages[0], &leaf);
	st = dt_stats(as);
	KUNIT_ASSERT_EQ(test, 0, axas_npt_ref_geom_init(&g, st.format, 0));
	axas_npt_ref_decode(&g, leaf.pte, leaf.level, &e);
	KUNIT_EXPECT_FALSE(test, e.clean);
	KUNIT_EXPECT_EQ(test, e.kind, AXAS_NPT_REF_LEAF);
	g.ept_ad = true;
	axas_npt_ref_decode(&g, leaf.pte, leaf.level, &e);
	KUNIT_EXPECT_EQ(test, e.clean, p->hw);
	/* nothing written: nothing reported, nothing to invalidate */
	dc->calls = 0;
	bits = dt_get(test, as, base, SZ_64K, 0);
	dt_expect_bits(test, bits, base, SZ_64K, NULL, 0);
	KUNIT_EXPECT_EQ(test, dc->calls, 0);

	/* the guest writes two pages: the CPU sets D, or the write faults */
	for (i = 0; i < 2; i++) {
		if (p->hw)
			dt_cpu_write(test, as, pages[i]);
		else
			KUNIT_EXPECT_EQ(test, dt_fault(test, as, pages[i], W),
					AXAS_FAULT_LOGGED);
		dt_ept_check(test, as, pages[i], p->hw, true);
	}
	dt_ept_check(test, as, base, p->hw, false);
	tlb_gen = dt_stats(as).tlb_gen;
	bits = dt_get(test, as, base, SZ_64K, 0);
	dt_expect_bits(test, bits, base, SZ_64K, pages, 2);
	/* the D bits went with one INVEPT for the consumer, covering both */
	KUNIT_EXPECT_GE(test, dc->calls, 1);
	KUNIT_EXPECT_LE(test, dc->lo, pages[0]);
	KUNIT_EXPECT_GE(test, dc->hi, pages[1] + SZ_4K);
	KUNIT_EXPECT_GT(test, dt_stats(as).tlb_gen, tlb_gen);
	for (i = 0; i < 2; i++)
		dt_ept_check(test, as, pages[i], p->hw, false);
	dc->calls = 0;
	dt_expect_bits(test, dt_get(test, as, base, SZ_64K, 0), base, SZ_64K,
		       NULL, 0);
	KUNIT_EXPECT_EQ(test, dc->calls, 0);

	/* stop: every leaf plain again (W and D), A/D mode or not */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, base, SZ_64K, 0));
	for (i = 0; i < 16; i++)
		dt_ept_check(test, as, base + i * SZ_4K, p->hw, true);
}

static struct kunit_case dirty_cases[] = {
	KUNIT_CASE_PARAM(dirty_basic_test, dt_gen_params),
	KUNIT_CASE_PARAM(dirty_rewrite_test, dt_gen_params),
	KUNIT_CASE_PARAM(dirty_partial_test, dt_gen_params),
	KUNIT_CASE_PARAM(dirty_huge_test, dt_gen_params),
	KUNIT_CASE_PARAM(dirty_unmap_discard_test, dt_gen_params),
	KUNIT_CASE_PARAM(dirty_errors_test, dt_gen_params),
	KUNIT_CASE_PARAM(dirty_rollback_test, dt_gen_params),
	KUNIT_CASE_PARAM(dirty_ept_test, dt_ept_gen_params),
	KUNIT_CASE(dirty_hw_needs_test),
	KUNIT_CASE(dirty_masks_test),
	{}
};

static struct kunit_suite dirty_suite = {
	.name = "axas_dirty",
	.test_cases = dirty_cases,
};

kunit_test_suite(dirty_suite);
