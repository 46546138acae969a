// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: Intel EPT tables built by axas_npt, judged by the CPU through a
 * guest run with VMLAUNCH (Bochs 2.7, corei7_skylake_x: VMX with EPT; QEMU
 * has no VMX, so under QEMU every case skips). tools/ci/kunit-cross.sh
 * boots the x86_64 KUnit kernel in Bochs for this suite. Bochs 2.7 has no
 * 5-level EPT, so EPT5 skips there and stays judged in software (the
 * engine's suites). The case bodies are shared with the other verifiers
 * (kunit/hwverify/cases.c); here are the EPT specifics and the negative
 * controls the SDM defines: a missing R (violation), W without R and a
 * reserved memory type (misconfigurations), X removed (a fetch violation).
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/sizes.h>

#include <asm/processor.h>

#include "kunit/hwverify.h"
#include "kunit/x86/hwv_x86.h"

static const u32 ept_formats[] = { AXAS_FMT_EPT4, AXAS_FMT_EPT5 };

static void ept_format_desc(const u32 *fmt, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 axas_npt_fmt_get(*fmt)->name);
}

KUNIT_ARRAY_PARAM(ept_format, ept_formats, ept_format_desc);

static u64 ept_root_reg(u64 reg, u64 root_pa)
{
	return (reg & ~GENMASK_ULL(51, 12)) | root_pa;
}

/*
 * Bochs's MAXPHYADDR keeps the upper half of the 48-bit space out of a
 * guest's reach: hwv_x86_expect_reach() asks for the regions below it.
 */
static void ept_expect_tables(struct kunit *test, const struct hwv_scene *s,
			      const struct hwv_report *rep)
{
	hwv_x86_expect_reach(test, s, rep);
}

const struct hwv_test_arch hwv_ept_test_arch = {
	.expect_tables = ept_expect_tables,
	.expect_core = hwv_x86_expect_core,
	.root_order = 0,
	.root_reg = ept_root_reg,
	.root_what = "EPTP with a wrong root",
	/* R, W, X: a pointer to a next-level table at PA 0 */
	.table_at_pa0 = BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(2),
};

/* EPT entry bits (SDM Vol. 3C, EPT paging-structure entries) */
#define EPT_R		BIT_ULL(0)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_UC	0
#define EPT_MT_RSVD2	(2ULL << 3)	/* 2, 3 and 7 are reserved */
#define EPT_MT_RSVD7	(7ULL << 3)
#define EPT_MT_WB	(6ULL << 3)

/*
 * A negative control on one leaf, and how many EPT misconfiguration exits
 * it must cause: none for a violation, some for an entry the SDM forbids.
 */
static void ept_neg(struct kunit *test, unsigned int region, u64 clear,
		    u64 set, const char *what, enum hwv_hw_sees sees,
		    bool misconfig)
{
	unsigned int before = hwv_ept_misconfigs();

	hwv_hw_neg_raw(test, region, clear, set, what, sees);
	if (test->status == KUNIT_SKIPPED)
		return;
	if (misconfig)
		KUNIT_EXPECT_GT(test, hwv_ept_misconfigs(), before);
	else
		KUNIT_EXPECT_EQ(test, hwv_ept_misconfigs(), before);
}

/* Region 1 is read-only: without R nothing is left, a read violates. */
static void ept_hw_neg_no_read(struct kunit *test)
{
	ept_neg(test, 1, EPT_R, 0, "read-only leaf without R", HWV_HW_SEES,
		false);
}

/* Region 0 is read-write: W without R is a misconfiguration. */
static void ept_hw_neg_w_without_r(struct kunit *test)
{
	ept_neg(test, 0, EPT_R, 0, "leaf with W but no R", HWV_HW_SEES, true);
}

static void ept_hw_neg_memtype_rsvd(struct kunit *test)
{
	ept_neg(test, 0, EPT_MT_WB, EPT_MT_RSVD2,
		"leaf with reserved memory type 2", HWV_HW_SEES, true);
}

static void ept_hw_neg_memtype_rsvd7(struct kunit *test)
{
	ept_neg(test, 1, EPT_MT_WB, EPT_MT_RSVD7,
		"leaf with reserved memory type 7", HWV_HW_SEES, true);
}

/* Region 2 is R+X: without X the fetch violates, the read still passes. */
static void ept_hw_neg_no_exec(struct kunit *test)
{
	ept_neg(test, 2, EPT_X, 0, "R+X leaf without X", HWV_HW_SEES, false);
}

/* A valid but wrong memory type: no access can tell, the software walk can. */
static void ept_hw_neg_uncached(struct kunit *test)
{
	ept_neg(test, 0, EPT_MT_WB, EPT_MT_UC, "write-back leaf made UC",
		HWV_HW_BLIND, false);
}

/*
 * 2 MiB and 1 GiB leaves where every MAXPHYADDR reaches them (the shared
 * scene puts them in the upper half of the space): a read-only 1 GiB leaf
 * over the RAM block holding the data pages (the guest must not write the
 * kernel's memory), a 2 MiB leaf, and the same 2 MiB block again in 4 KiB
 * leaves with a read-only page inside, all probed by the guest.
 */
static void ept_hw_huge_low(struct kunit *test)
{
	const u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	u32 format = *(const u32 *)test->param_value;
	struct hwv_scene *s;
	struct hwv_report rep;
	unsigned int level;
	u64 ram1g;
	int ret;

	if (hwv_arch_absent(format))
		kunit_skip(test, "%s", hwv_arch_absent(format));
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hwv_scene_free, s), 0);
	KUNIT_ASSERT_EQ(test, axas_npt_init(&s->npt, format, 0, NULL, NULL), 0);
	hwv_data_alloc(test, &s->small, &s->huge);
	ram1g = ALIGN_DOWN(hwv_small_pa(s, 0), SZ_1G);

	hwv_scene_add(test, s, SZ_1G, SZ_1G, ram1g, AXAS_MAP_READ);
	hwv_scene_add(test, s, SZ_8M, SZ_2M, page_to_phys(s->huge), rw);
	/* 4 KiB leaves: a 2 MiB block with a read-only page inside */
	hwv_scene_add(test, s, SZ_16M, SZ_64K, page_to_phys(s->huge),
		      AXAS_MAP_READ | AXAS_MAP_EXEC);
	hwv_scene_add(test, s, SZ_16M + SZ_64K, SZ_4K,
		      page_to_phys(s->huge) + SZ_64K, AXAS_MAP_READ);
	hwv_scene_add(test, s, SZ_16M + SZ_64K + SZ_4K, SZ_2M - SZ_64K - SZ_4K,
		      page_to_phys(s->huge) + SZ_64K + SZ_4K,
		      AXAS_MAP_READ | AXAS_MAP_EXEC);
	hwv_table_from_npt(&s->t, &s->npt);

	KUNIT_ASSERT_NOT_NULL(test, hwv_lookup(&s->t, SZ_1G + SZ_2M, &level));
	KUNIT_EXPECT_EQ(test, level, 2);
	KUNIT_ASSERT_NOT_NULL(test, hwv_lookup(&s->t, SZ_8M, &level));
	KUNIT_EXPECT_EQ(test, level, 1);
	KUNIT_ASSERT_NOT_NULL(test, hwv_lookup(&s->t, SZ_16M, &level));
	KUNIT_EXPECT_EQ(test, level, 0);

	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "2 MiB and 1 GiB leaves below 4 GiB", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
	/* every sampled page of the five regions; RAM holes in the 1 GiB are skipped */
	KUNIT_EXPECT_GE(test, rep.hw_probes, 3 * 5);
	KUNIT_EXPECT_GE(test, rep.hw_faults, 5);

	/*
	 * Negative control: the 2 MiB leaf one page off. (The 1 GiB leaf maps
	 * whatever the kernel holds there, mostly zeroes: a page off, its
	 * reads agree all the same; only the software walk would object.)
	 */
	s->r[1].hpa += SZ_4K;
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "2 MiB leaf, list one page off", &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

static struct kunit_case ept_hw_cases[] = {
	KUNIT_CASE_PARAM(hwv_hw_neg_nonram_table, ept_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_core, ept_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_tables, ept_format_gen_params),
	KUNIT_CASE_PARAM(ept_hw_huge_low, ept_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_wrong_pa, ept_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_no_write, ept_format_gen_params),
	KUNIT_CASE_PARAM(ept_hw_neg_no_read, ept_format_gen_params),
	KUNIT_CASE_PARAM(ept_hw_neg_w_without_r, ept_format_gen_params),
	KUNIT_CASE_PARAM(ept_hw_neg_memtype_rsvd, ept_format_gen_params),
	KUNIT_CASE_PARAM(ept_hw_neg_memtype_rsvd7, ept_format_gen_params),
	KUNIT_CASE_PARAM(ept_hw_neg_no_exec, ept_format_gen_params),
	KUNIT_CASE_PARAM(ept_hw_neg_uncached, ept_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_stray, ept_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_root_reg, ept_format_gen_params),
	{}
};

static struct kunit_suite ept_hw_suite = {
	.name = "axas_hw_vmx",
	.test_cases = ept_hw_cases,
};

kunit_test_suite(ept_hw_suite);
