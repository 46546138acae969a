// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: G-stage tables built by axas_npt, judged by the CPU (QEMU with the
 * H extension) through HLV/HLVX/HSV, for Sv39x4 (both halves of its 2 TiB),
 * Sv48x4 and Sv57x4; and negative controls that the verifier must reject.
 * The case bodies are shared with arm64 (kunit/hwverify/cases.c); here are
 * the G-stage specifics.
 */
#include <kunit/test.h>
#include <linux/bits.h>

#include "kunit/hwverify.h"
#include "kunit/riscv/hwv_riscv.h"

static const u32 gstage_formats[] = {
	AXAS_FMT_SV39X4, AXAS_FMT_SV48X4, AXAS_FMT_SV57X4,
};

static void gstage_format_desc(const u32 *fmt, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 axas_npt_fmt_get(*fmt)->name);
}

KUNIT_ARRAY_PARAM(gstage_format, gstage_formats, gstage_format_desc);

/* each format has one width: 0 asks for it */
void hwv_arch_param(const void *value, u32 *format, u32 *gpa_bits)
{
	*format = *(const u32 *)value;
	*gpa_bits = 0;
}

/* HLV, HLVX and HSV on at least one page of each region. */
static void gstage_expect_tables(struct kunit *test,
				 const struct hwv_scene *s,
				 const struct hwv_report *rep)
{
	KUNIT_EXPECT_EQ(test, s->t.levels, 3 + s->t.format - AXAS_FMT_SV39X4);
	KUNIT_EXPECT_GE(test, rep->hw_probes, 3 * s->nr);
	/*
	 * Pages the kernel must not touch are left to software: reserved
	 * pages (firmware, device tree) among the samples of the 1 GiB RAM
	 * block; with QEMU 7.2 also the upper half of Sv39x4.
	 */
	if (!hwv_rv_qemu7)
		KUNIT_EXPECT_LE(test, rep->hw_skipped, HWV_SAMPLES + 2);
	else if (test->status != KUNIT_FAILURE)
		kunit_mark_skipped(test, "QEMU 7.2: %u of %u probes left to software",
				   rep->hw_skipped, rep->hw_probes + rep->hw_skipped);
}

static void gstage_expect_core(struct kunit *test, unsigned int nr,
			       const struct hwv_report *rep)
{
	KUNIT_EXPECT_GE(test, rep->hw_probes, 3 * nr);
}

/* hgatp keeps its MODE; its PPN is the other root's. */
static u64 gstage_root_reg(u64 reg, u64 root_pa)
{
	return (reg & ~GENMASK_ULL(43, 0)) | root_pa >> 12;
}

static const struct hwv_test_arch gstage_test_arch = {
	.expect_tables = gstage_expect_tables,
	.expect_core = gstage_expect_core,
	.root_order = 2,	/* 16 KiB, naturally aligned */
	.root_reg = gstage_root_reg,
	.root_what = "hgatp with a wrong root",
	.table_at_pa0 = BIT_ULL(0),	/* V alone: a pointer to PA 0 */
};

const struct hwv_test_arch *hwv_arch_tests(u32 format)
{
	return &gstage_test_arch;
}

/* QEMU 7.2 has no svade and checks R for HLVX: only software sees those */
static enum hwv_hw_sees gstage_sees(void)
{
	return hwv_rv_qemu7 ? HWV_HW_MAY_SEE : HWV_HW_SEES;
}

/*
 * Negative controls on raw entries: clear one bit of a leaf the engine
 * built. G-stage accesses are user accesses, so U = 0 faults; with svade,
 * so do A = 0 and D = 0 on a write; HLVX needs X.
 */
static void gstage_hw_neg_user0(struct kunit *test)
{
	hwv_hw_neg_raw(test, 0, BIT_ULL(4), 0, "leaf with U = 0", HWV_HW_SEES);
}

static void gstage_hw_neg_accessed0(struct kunit *test)
{
	hwv_hw_neg_raw(test, 1, BIT_ULL(6), 0, "leaf with A = 0",
		       gstage_sees());
}

static void gstage_hw_neg_dirty0(struct kunit *test)
{
	hwv_hw_neg_raw(test, 0, BIT_ULL(7), 0, "writable leaf with D = 0",
		       gstage_sees());
}

static void gstage_hw_neg_exec0(struct kunit *test)
{
	hwv_hw_neg_raw(test, 2, BIT_ULL(3), 0, "R+X leaf without X",
		       gstage_sees());
}

static struct kunit_case gstage_hw_cases[] = {
	KUNIT_CASE_PARAM(hwv_hw_neg_nonram_table, gstage_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_core, gstage_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_tables, gstage_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_wrong_pa, gstage_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_no_write, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_user0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_accessed0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_dirty0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(gstage_hw_neg_exec0, gstage_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_stray, gstage_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_neg_root_reg, gstage_format_gen_params),
	KUNIT_CASE_PARAM(hwv_hw_consumer_regs, gstage_format_gen_params),
	{}
};

static struct kunit_suite gstage_hw_suite = {
	.name = "axas_hw_riscv",
	.test_cases = gstage_hw_cases,
};

kunit_test_suite(gstage_hw_suite);
