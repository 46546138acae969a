// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: G-stage tables built by axas_npt, judged by the CPU (QEMU with the
 * H extension) through HLV/HLVX/HSV, for Sv39x4 (both halves of its 2 TiB),
 * Sv48x4 and Sv57x4; and negative controls that the verifier must reject.
 */
#include <kunit/test.h>
#include <linux/bits.h>

#include <asm/cpufeature.h>

#include "kunit/hwverify.h"
#include "kunit/riscv/hwv_riscv.h"

static const u32 gstage_formats[] = {
	AXAS_FMT_SV39X4, AXAS_FMT_SV48X4, AXAS_FMT_SV57X4,
};

static void gstage_format_desc(const u32 *fmt, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 npt_fmt_get(*fmt)->name);
}

KUNIT_ARRAY_PARAM(gstage_format, gstage_formats, gstage_format_desc);

static struct hwv_scene *gstage_scene(struct kunit *test)
{
	const u32 *fmt = test->param_value;

	if (!riscv_has_extension_unlikely(RISCV_ISA_EXT_h))
		kunit_skip(test, "no H extension: not running in HS-mode");
	return hwv_scene_build(test, *fmt, 0);
}

static void gstage_verify(struct kunit *test, struct hwv_scene *s,
			  const struct hwv_region *r, const char *what,
			  struct hwv_report *rep)
{
	int ret = hwv_verify(&s->t, r, s->nr, rep);

	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, what, rep);
}

/* The table as built matches its regions, on the hardware and in software. */
static void gstage_hw_tables(struct kunit *test)
{
	struct hwv_scene *s = gstage_scene(test);
	struct hwv_report rep;
	unsigned int i, leaves = 0;

	gstage_verify(test, s, s->r, "as built", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);

	/* The run covered what it claims: every region, holes, each format. */
	KUNIT_EXPECT_EQ(test, s->t.levels, 3 + *(u32 *)test->param_value -
			AXAS_FMT_SV39X4);
	KUNIT_EXPECT_GE(test, rep.hw_probes, 3 * s->nr);
	KUNIT_EXPECT_GE(test, rep.hw_faults, 2 * s->nr);
	for (i = 0; i < s->nr; i++)
		leaves += s->r[i].size == SZ_1G ? 1 : s->r[i].size == SZ_2M ?
			  1 : s->r[i].size / SZ_4K;
	KUNIT_EXPECT_EQ(test, rep.sw_leaves, leaves);
	/*
	 * Pages the kernel must not touch are left to software: reserved
	 * pages (firmware, device tree) among the samples of the 1 GiB RAM
	 * block; with QEMU 7.2 also the upper half of Sv39x4.
	 */
	if (!hwv_rv_qemu7)
		KUNIT_EXPECT_LE(test, rep.hw_skipped, HWV_SAMPLES + 2);
}

/* Negative control: one region's output address is off by a page. */
static void gstage_hw_neg_wrong_pa(struct kunit *test)
{
	struct hwv_scene *s = gstage_scene(test);
	struct hwv_region r[HWV_MAX_REGIONS];
	struct hwv_report rep;

	memcpy(r, s->r, sizeof(r));
	r[0].hpa += SZ_4K;
	gstage_verify(test, s, r, "wrong output address", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/* Negative control: the table lacks the write permission the list wants. */
static void gstage_hw_neg_no_write(struct kunit *test)
{
	struct hwv_scene *s = gstage_scene(test);
	struct hwv_region r[HWV_MAX_REGIONS];
	struct hwv_report rep;

	memcpy(r, s->r, sizeof(r));
	KUNIT_ASSERT_EQ(test, r[1].prot, AXAS_MAP_READ);
	r[1].prot |= AXAS_MAP_WRITE;
	gstage_verify(test, s, r, "missing write permission", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/*
 * Negative controls on raw entries: clear one bit of a leaf the engine
 * built; the verifier must notice on the hardware (G-stage accesses are
 * user accesses, so U = 0 faults; with svade, so do A = 0 and D = 0 on a
 * write; HLVX needs X) and in software.
 */
static void gstage_hw_neg_raw(struct kunit *test, unsigned int region,
			      u64 bit, const char *what, bool hw_sees)
{
	struct hwv_scene *s = gstage_scene(test);
	struct hwv_report rep;
	u64 *ptep, old;
	int ret;

	ptep = hwv_leaf_ptep(&s->t, s->r[region].gpa);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	old = READ_ONCE(*ptep);
	KUNIT_ASSERT_TRUE(test, old & bit);
	WRITE_ONCE(*ptep, old & ~bit);
	/* restore before asserting: the table must stay walkable by destroy */
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	WRITE_ONCE(*ptep, old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, what, &rep);
	if (hw_sees)
		KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);

	/* and with the bit back the same table passes again */
	gstage_verify(test, s, s->r, "restored", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
}

static void gstage_hw_neg_user0(struct kunit *test)
{
	gstage_hw_neg_raw(test, 0, BIT_ULL(4), "leaf with U = 0", true);
}

/* QEMU 7.2 has no svade: it sets A and D itself, only software sees them */
static void gstage_hw_neg_accessed0(struct kunit *test)
{
	gstage_hw_neg_raw(test, 1, BIT_ULL(6), "leaf with A = 0",
			  !hwv_rv_qemu7);
}

static void gstage_hw_neg_dirty0(struct kunit *test)
{
	gstage_hw_neg_raw(test, 0, BIT_ULL(7), "writable leaf with D = 0",
			  !hwv_rv_qemu7);
}

static void gstage_hw_neg_exec0(struct kunit *test)
{
	/* QEMU 7.2 checks R for HLVX: only software sees a missing X */
	gstage_hw_neg_raw(test, 2, BIT_ULL(3), "R+X leaf without X",
			  !hwv_rv_qemu7);
}

/* Negative control: a page mapped next to a region, not in the list. */
static void gstage_hw_neg_stray(struct kunit *test)
{
	struct hwv_scene *s = gstage_scene(test);
	struct hwv_report rep;
	int ret;

	ret = npt_map(&s->npt, s->r[0].gpa + s->r[0].size,
		      hwv_small_pa(s, 31), SZ_4K, AXAS_MAP_READ, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	gstage_verify(test, s, s->r, "stray page", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/* Negative control: hgatp pointing at another (empty) root. */
static void gstage_hw_neg_root_reg(struct kunit *test)
{
	struct hwv_scene *s = gstage_scene(test);
	struct hwv_report rep;
	struct page *other;
	int ret;

	other = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
	KUNIT_ASSERT_NOT_NULL(test, other);
	s->t.root_reg = (s->t.root_reg & ~GENMASK_ULL(43, 0)) |
			page_to_phys(other) >> 12;
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	__free_pages(other, 2);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "hgatp with a wrong root", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/* An address space built by axas_core: map, unmap, protect, alloc, write. */
static void gstage_hw_core(struct kunit *test)
{
	const u32 *fmt = test->param_value;
	struct hwv_core_scene *s;
	struct hwv_report rep;
	int ret;

	if (!riscv_has_extension_unlikely(RISCV_ISA_EXT_h))
		kunit_skip(test, "no H extension: not running in HS-mode");
	s = hwv_core_scene_build(test, *fmt, 0);
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "axas_core address space", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
	KUNIT_EXPECT_GE(test, rep.hw_probes, 3 * s->nr);
}

/*
 * Safety: a pointer to a physical address without RAM (0: the debug
 * device on QEMU's virt board) is refused by the software walk and never
 * handed to the hardware.
 */
static void gstage_hw_neg_nonram_table(struct kunit *test)
{
	struct hwv_scene *s = gstage_scene(test);
	struct hwv_report rep;
	u64 *ptep, old;
	int ret;

	KUNIT_ASSERT_EQ(test, s->r[8].size, SZ_2M);
	ptep = hwv_leaf_ptep(&s->t, s->r[8].gpa);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	old = READ_ONCE(*ptep);
	KUNIT_ASSERT_NE(test, old & GENMASK_ULL(3, 1), 0);	/* a leaf */
	WRITE_ONCE(*ptep, BIT_ULL(0));		/* a pointer to PA 0 */
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	WRITE_ONCE(*ptep, old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "pointer to PA 0", &rep);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
	KUNIT_EXPECT_EQ(test, rep.hw_probes, 0);
	KUNIT_EXPECT_GT(test, rep.hw_skipped, 0);
}

static struct kunit_case gstage_hw_cases[] = {
	KUNIT_CASE_PARAM(gstage_hw_neg_nonram_table, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_core, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_tables, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_wrong_pa, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_no_write, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_user0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_accessed0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_dirty0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_exec0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_stray, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_root_reg, gstage_format_gen_params),
	{}
};

static struct kunit_suite gstage_hw_suite = {
	.name = "axas_hw_riscv",
	.test_cases = gstage_hw_cases,
};

kunit_test_suite(gstage_hw_suite);
