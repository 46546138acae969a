// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: AMD nested page tables built by axas_npt, judged by the CPU (QEMU
 * TCG with -cpu max: SVM with nested paging) through a guest run with
 * VMRUN; and negative controls that the verifier must reject. The nested
 * walk runs in the host's paging mode, so a boot tests the width of its
 * own mode: AMD_NPT5 with 5-level paging, AMD_NPT4 with no5lvl
 * (tools/ci/kunit-cross.sh boots both). The case bodies are shared with
 * arm64 and riscv (kunit/hwverify/cases.c); here are the NPT specifics.
 */
#include <kunit/test.h>
#include <linux/bits.h>

#include <asm/processor.h>

#include "kunit/hwverify.h"
#include "kunit/x86/hwv_x86.h"

static const u32 npt_formats[] = { AXAS_FMT_AMD_NPT4, AXAS_FMT_AMD_NPT5 };

/* The host's own width only: the other one is the other boot's. */
static const void *npt_format_gen_params(const void *prev, char *desc)
{
	const u32 *f = prev ? (const u32 *)prev + 1 : npt_formats;

	for (; f < npt_formats + ARRAY_SIZE(npt_formats); f++) {
		if (*f != hwv_x86_host_format())
			continue;
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
			 axas_npt_fmt_get(*f)->name);
		return f;
	}
	return NULL;
}

/* Every region NPT4 has is within phys-bits=52; NPT5's upper half is not. */
static void npt_expect_tables(struct kunit *test, const struct hwv_scene *s,
			      const struct hwv_report *rep)
{
	unsigned int reach = hwv_x86_expect_reach(test, s, rep);

	/*
	 * With phys-bits=52 (kunit/qemu_configs/x86_svm.py) a guest reaches
	 * all of NPT4's 48 bits: only reserved RAM under the 1 GiB leaf and
	 * the guest's own pages are left to software. NPT5's upper half
	 * (bit 56 and up) lies beyond any MAXPHYADDR.
	 */
	if (s->t.format == AXAS_FMT_AMD_NPT4) {
		KUNIT_EXPECT_EQ(test, reach, s->nr);
		KUNIT_EXPECT_LE(test, rep->hw_skipped, HWV_SAMPLES + 4);
	}
}

static u64 npt_root_reg(u64 reg, u64 root_pa)
{
	return root_pa;
}

const struct hwv_test_arch hwv_npt_test_arch = {
	.expect_tables = npt_expect_tables,
	.expect_core = hwv_x86_expect_core,
	.root_order = 0,
	.root_reg = npt_root_reg,
	.root_what = "nCR3 with a wrong root",
	/* P, R/W, U, A: a pointer to a next-level table at PA 0 */
	.table_at_pa0 = BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(2) | BIT_ULL(5),
};

/*
 * Negative controls on raw entries: change one bit of a leaf the engine
 * built. Nested walks are user accesses, so U = 0 faults; NX stops a
 * fetch; bits 20:13 of a 2 MiB leaf are reserved. QEMU sets a missing A
 * itself, so only the software walk sees A = 0.
 */
static void npt_hw_neg_user0(struct kunit *test)
{
	hwv_hw_neg_raw(test, 0, BIT_ULL(2), 0, "leaf with U = 0", HWV_HW_SEES);
}

static void npt_hw_neg_nx(struct kunit *test)
{
	hwv_hw_neg_raw(test, 2, 0, BIT_ULL(63), "R+X leaf with NX",
		       HWV_HW_SEES);
}

static void npt_hw_neg_rsvd(struct kunit *test)
{
	/* region 8: the 2 MiB leaf, in the upper half of the space */
	u64 gpa = BIT_ULL(axas_npt_fmt_get(hwv_x86_host_format())->def_gpa_bits - 1);

	hwv_hw_neg_raw(test, 8, 0, BIT_ULL(13),
		       "2 MiB leaf with reserved bit 13",
		       hwv_x86_reachable(gpa) ? HWV_HW_SEES : HWV_HW_BLIND);
}

static void npt_hw_neg_accessed0(struct kunit *test)
{
	hwv_hw_neg_raw(test, 1, BIT_ULL(5), 0, "leaf with A = 0",
		       HWV_HW_BLIND);
}

/* U = 0 in the root's pointer above the first regions: all of them fault. */
static void npt_hw_neg_table_user0(struct kunit *test)
{
	u32 format = *(const u32 *)test->param_value;
	struct hwv_scene *s;
	struct hwv_report rep;
	u64 *root, old;
	int ret;

	if (hwv_arch_absent(format))
		kunit_skip(test, "%s", hwv_arch_absent(format));
	s = hwv_scene_build(test, format, 0);
	root = phys_to_virt(s->t.root_pa);
	old = READ_ONCE(root[0]);
	KUNIT_ASSERT_EQ(test, old & BIT_ULL(2), BIT_ULL(2));
	WRITE_ONCE(root[0], old & ~BIT_ULL(2));
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	WRITE_ONCE(root[0], old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "root pointer with U = 0", &rep);
	/* every page of regions 0..6 reads through root[0] */
	KUNIT_EXPECT_GE(test, rep.hw_failures, 7);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

static struct kunit_case npt_hw_cases[] = {
	KUNIT_CASE_PARAM(hwv_hw_neg_nonram_table, npt_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_core, npt_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_tables, npt_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_wrong_pa, npt_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_no_write, npt_format_gen_params),
	KUNIT_CASE_PARAM(npt_hw_neg_user0, npt_format_gen_params),
	KUNIT_CASE_PARAM(npt_hw_neg_table_user0, npt_format_gen_params),
	KUNIT_CASE_PARAM(npt_hw_neg_nx, npt_format_gen_params),
	KUNIT_CASE_PARAM(npt_hw_neg_rsvd, npt_format_gen_params),
	KUNIT_CASE_PARAM(npt_hw_neg_accessed0, npt_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_stray, npt_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_root_reg, npt_format_gen_params),
	{}
};

static struct kunit_suite npt_hw_suite = {
	.name = "axas_hw_x86",
	.test_cases = npt_hw_cases,
};

kunit_test_suite(npt_hw_suite);
