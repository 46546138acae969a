// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: Arm stage-2 tables built by axas_npt, judged by the CPU (QEMU at
 * EL2 with VHE) through AT S12E1R/W, for every input size from 32 to 48
 * bits (every start level and concatenation count); and negative controls
 * that the verifier must reject.
 */
#include <kunit/test.h>
#include <linux/bits.h>

#include <asm/virt.h>

#include "kunit/hwverify.h"

/* start level 2 x4 tables, 1, 1 x2, 0 (32 entries), 0 */
static const u32 s2_widths[] = { 32, 36, 40, 44, 48 };

static void s2_width_desc(const u32 *bits, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "arm-s2 %u bits", *bits);
}

KUNIT_ARRAY_PARAM(s2_width, s2_widths, s2_width_desc);

static struct hwv_scene *s2_scene(struct kunit *test)
{
	const u32 *bits = test->param_value;

	if (!is_kernel_in_hyp_mode())
		kunit_skip(test, "not running at EL2 with VHE");
	return hwv_scene_build(test, AXAS_FMT_ARM_S2, *bits);
}

static void s2_verify(struct kunit *test, struct hwv_scene *s,
		      const struct hwv_region *r, const char *what,
		      struct hwv_report *rep)
{
	int ret = hwv_verify(&s->t, r, s->nr, rep);

	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, what, rep);
}

/* Leaves the engine must have used for the scene's regions. */
static unsigned int s2_expected_leaves(const struct hwv_scene *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr; i++) {
		u64 size = s->r[i].size;

		/* two levels (32 bits) have no 1 GiB leaves */
		if (size == SZ_1G && s->t.levels == 2)
			n += SZ_1G / SZ_2M;
		else if (size == SZ_1G || size == SZ_2M)
			n++;
		else
			n += size / SZ_4K;
	}
	return n;
}

/* The table as built matches its regions, on the hardware and in software. */
static void s2_hw_tables(struct kunit *test)
{
	struct hwv_scene *s = s2_scene(test);
	const u32 *bits = test->param_value;
	struct hwv_report rep;

	s2_verify(test, s, s->r, "as built", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);

	/* what was covered: the width asked for, each region, holes */
	KUNIT_EXPECT_EQ(test, s->t.gpa_bits, *bits);
	KUNIT_EXPECT_EQ(test, rep.hw_skipped, 0);
	KUNIT_EXPECT_GE(test, rep.hw_probes, 2 * 2 * s->nr);
	KUNIT_EXPECT_GE(test, rep.hw_faults, 2 * s->nr);
	KUNIT_EXPECT_EQ(test, rep.sw_leaves, s2_expected_leaves(s));
}

/* Negative control: one region's output address is off by a page. */
static void s2_hw_neg_wrong_pa(struct kunit *test)
{
	struct hwv_scene *s = s2_scene(test);
	struct hwv_region r[HWV_MAX_REGIONS];
	struct hwv_report rep;

	memcpy(r, s->r, sizeof(r));
	r[0].hpa += SZ_4K;
	s2_verify(test, s, r, "wrong output address", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/* Negative control: the table lacks the write permission the list wants. */
static void s2_hw_neg_no_write(struct kunit *test)
{
	struct hwv_scene *s = s2_scene(test);
	struct hwv_region r[HWV_MAX_REGIONS];
	struct hwv_report rep;

	memcpy(r, s->r, sizeof(r));
	KUNIT_ASSERT_EQ(test, r[1].prot, AXAS_MAP_READ);
	r[1].prot |= AXAS_MAP_WRITE;
	s2_verify(test, s, r, "missing write permission", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/*
 * Negative controls on raw descriptors: flip bits of a leaf the engine
 * built. AF = 0 is an access-flag fault (VTCR_EL2.HA = 0) and MemAttr shows
 * in PAR_EL1.ATTR; XN is seen by the software walk only (AT cannot ask
 * about execution).
 */
static void s2_hw_neg_raw(struct kunit *test, unsigned int region, u64 clear,
			  u64 set, const char *what, bool hw_sees)
{
	struct hwv_scene *s = s2_scene(test);
	struct hwv_report rep;
	u64 *ptep, old;
	int ret;

	ptep = hwv_leaf_ptep(&s->t, s->r[region].gpa);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	old = READ_ONCE(*ptep);
	KUNIT_ASSERT_EQ(test, old & clear, clear);
	WRITE_ONCE(*ptep, (old & ~clear) | set);
	/* restore before asserting: the table must stay walkable by destroy */
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	WRITE_ONCE(*ptep, old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, what, &rep);
	if (hw_sees)
		KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	else
		KUNIT_EXPECT_EQ(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);

	s2_verify(test, s, s->r, "restored", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
}

static void s2_hw_neg_af0(struct kunit *test)
{
	s2_hw_neg_raw(test, 0, BIT_ULL(10), 0, "leaf with AF = 0", true);
}

static void s2_hw_neg_device(struct kunit *test)
{
	/* MemAttr 0b1111 (Normal WB) -> 0b0001 (Device-nGnRE) */
	s2_hw_neg_raw(test, 0, GENMASK_ULL(5, 2), BIT_ULL(2),
		      "normal leaf made device", true);
}

static void s2_hw_neg_xn(struct kunit *test)
{
	s2_hw_neg_raw(test, 2, 0, BIT_ULL(54), "R+X leaf with XN", false);
}

/* Negative control: a page mapped next to a region, not in the list. */
static void s2_hw_neg_stray(struct kunit *test)
{
	struct hwv_scene *s = s2_scene(test);
	struct hwv_report rep;
	int ret;

	ret = npt_map(&s->npt, s->r[0].gpa + s->r[0].size,
		      hwv_small_pa(s, 31), SZ_4K, AXAS_MAP_READ, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	s2_verify(test, s, s->r, "stray page", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/* Negative control: VTTBR pointing at another (empty) root. */
static void s2_hw_neg_root_reg(struct kunit *test)
{
	struct hwv_scene *s = s2_scene(test);
	struct hwv_report rep;
	struct page *other;
	int ret;

	/* 16 pages: aligned for any concatenation */
	other = alloc_pages(GFP_KERNEL | __GFP_ZERO, 4);
	KUNIT_ASSERT_NOT_NULL(test, other);
	s->t.root_reg = page_to_phys(other);
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	__free_pages(other, 4);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "VTTBR with a wrong root", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/* An address space built by axas_core: map, unmap, protect, alloc, write. */
static void s2_hw_core(struct kunit *test)
{
	const u32 *bits = test->param_value;
	struct hwv_core_scene *s;
	struct hwv_report rep;
	int ret;

	if (!is_kernel_in_hyp_mode())
		kunit_skip(test, "not running at EL2 with VHE");
	s = hwv_core_scene_build(test, AXAS_FMT_ARM_S2, *bits);
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "axas_core address space", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
	KUNIT_EXPECT_EQ(test, rep.hw_skipped, 0);
	KUNIT_EXPECT_GE(test, rep.hw_probes, 2 * s->nr);
}

/*
 * Safety: a table descriptor leading to a physical address without RAM
 * (0 is flash on QEMU's virt board) is refused by the software pre-walk
 * and never handed to the hardware walker, whose external abort would
 * kill the kernel.
 */
static void s2_hw_neg_nonram_table(struct kunit *test)
{
	struct hwv_scene *s = s2_scene(test);
	struct hwv_report rep;
	u64 *ptep, old;
	int ret;

	KUNIT_ASSERT_EQ(test, s->r[8].size, SZ_2M);
	ptep = hwv_leaf_ptep(&s->t, s->r[8].gpa);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	old = READ_ONCE(*ptep);
	KUNIT_ASSERT_EQ(test, old & 3, 1);	/* a 2 MiB block */
	WRITE_ONCE(*ptep, 3);			/* a table at PA 0 */
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	WRITE_ONCE(*ptep, old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "table descriptor to PA 0", &rep);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
	KUNIT_EXPECT_EQ(test, rep.hw_probes, 0);
	KUNIT_EXPECT_GT(test, rep.hw_skipped, 0);
}

static struct kunit_case s2_hw_cases[] = {
	KUNIT_CASE_PARAM(s2_hw_neg_nonram_table, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_core, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_tables, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_wrong_pa, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_no_write, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_af0, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_device, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_xn, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_stray, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_root_reg, s2_width_gen_params),
	{}
};

static struct kunit_suite s2_hw_suite = {
	.name = "axas_hw_arm64",
	.test_cases = s2_hw_cases,
};

kunit_test_suite(s2_hw_suite);
