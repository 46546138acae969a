// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: Arm stage-2 tables built by axas_npt, judged by the CPU (QEMU at
 * EL2 with VHE) through AT S12E1R/W, for every input size from 32 to 48
 * bits (every start level and concatenation count); and negative controls
 * that the verifier must reject. The case bodies are shared with riscv
 * (kunit/hwverify/cases.c); here are the stage-2 specifics.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/bits.h>

#include "kunit/hwverify.h"

/* start level 2 x4 tables, 1, 1 x2, 0 (32 entries), 0 */
static const u32 s2_widths[] = { 32, 36, 40, 44, 48 };

static void s2_width_desc(const u32 *bits, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "arm-s2 %u bits", *bits);
}

KUNIT_ARRAY_PARAM(s2_width, s2_widths, s2_width_desc);

void hwv_arch_param(const void *value, u32 *format, u32 *gpa_bits)
{
	*format = AXAS_FMT_ARM_S2;
	*gpa_bits = *(const u32 *)value;
}

/* AT S12E1R and S12E1W on the first and last page of each region. */
static void s2_expect_tables(struct kunit *test, const struct hwv_scene *s,
			     const struct hwv_report *rep)
{
	KUNIT_EXPECT_EQ(test, rep->hw_skipped, 0);
	KUNIT_EXPECT_GE(test, rep->hw_probes, 2 * 2 * s->nr);
}

static void s2_expect_core(struct kunit *test, unsigned int nr,
			   const struct hwv_report *rep)
{
	KUNIT_EXPECT_EQ(test, rep->hw_skipped, 0);
	KUNIT_EXPECT_GE(test, rep->hw_probes, 2 * nr);
}

/* VTTBR_EL2 is the root's address (BADDR) with VMID 0 and CnP 0. */
static u64 s2_root_reg(u64 reg, u64 root_pa)
{
	return root_pa;
}

static const struct hwv_test_arch s2_test_arch = {
	.expect_tables = s2_expect_tables,
	.expect_core = s2_expect_core,
	.root_order = 4,	/* 16 pages: aligned for any concatenation */
	.root_reg = s2_root_reg,
	.root_what = "VTTBR with a wrong root",
	.table_at_pa0 = 3,	/* valid, table: next level at PA 0 */
};

const struct hwv_test_arch *hwv_arch_tests(u32 format)
{
	return &s2_test_arch;
}

/*
 * Negative controls on raw descriptors. AF = 0 is an access-flag fault
 * (VTCR_EL2.HA = 0) and MemAttr shows in PAR_EL1.ATTR; XN is seen by the
 * software walk only (AT cannot ask about execution).
 */
static void s2_hw_neg_af0(struct kunit *test)
{
	hwv_hw_neg_raw(test, 0, BIT_ULL(10), 0, "leaf with AF = 0",
		       HWV_HW_SEES);
}

static void s2_hw_neg_device(struct kunit *test)
{
	/* MemAttr 0b1111 (Normal WB) -> 0b0001 (Device-nGnRE) */
	hwv_hw_neg_raw(test, 0, GENMASK_ULL(5, 2), BIT_ULL(2),
		       "normal leaf made device", HWV_HW_SEES);
}

static void s2_hw_neg_xn(struct kunit *test)
{
	hwv_hw_neg_raw(test, 2, 0, BIT_ULL(54), "R+X leaf with XN",
		       HWV_HW_BLIND);
}

/*
 * The consumer's VTCR_EL2 with SL0 one level later: the start level then
 * needs more than 16 concatenated tables, a configuration the CPU refuses
 * before it reads any memory (a level-0 translation fault).
 */
static void s2_skew_sl0(struct hwv_table *t)
{
	u64 sl0 = FIELD_GET(GENMASK_ULL(7, 6), t->vtcr);

	t->vtcr &= ~GENMASK_ULL(7, 6);
	t->vtcr |= FIELD_PREP(GENMASK_ULL(7, 6), (sl0 + 3) & 3);
}

static void s2_hw_neg_consumer_sl0(struct kunit *test)
{
	hwv_hw_neg_consumer_regs(test, s2_skew_sl0,
				 "consumer VTCR_EL2 with SL0 one level late");
}

static struct kunit_case s2_hw_cases[] = {
	KUNIT_CASE_PARAM(hwv_hw_neg_nonram_table, s2_width_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_core, s2_width_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_tables, s2_width_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_wrong_pa, s2_width_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_no_write, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_af0, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_device, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_xn, s2_width_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_stray, s2_width_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_root_reg, s2_width_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_consumer_regs, s2_width_gen_params),
	KUNIT_CASE_PARAM(s2_hw_neg_consumer_sl0, s2_width_gen_params),
	{}
};

static struct kunit_suite s2_hw_suite = {
	.name = "axas_hw_arm64",
	.test_cases = s2_hw_cases,
};

kunit_test_suite(s2_hw_suite);
