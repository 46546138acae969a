// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit case bodies shared by the hardware-verifier suites of every
 * architecture (kunit/arm64/s2_hw_test.c, kunit/riscv/gstage_hw_test.c):
 * tables built by axas_npt and axas_core must pass, and negative controls
 * (a wrong output address, a missing permission, a stray page, a wrong
 * root, a corrupted entry) must make the verifier fail. What differs by
 * architecture comes from its struct hwv_test_arch and hwv_arch_*() hooks.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "kunit/hwverify.h"
#include "axas_npt/regs.h"

/* The case's table, or a skip when this CPU has no hardware path. */
static struct hwv_scene *hwv_test_scene(struct kunit *test)
{
	u32 format, gpa_bits;
	struct hwv_scene *s;

	hwv_arch_param(test->param_value, &format, &gpa_bits);
	if (hwv_arch_absent(format))
		kunit_skip(test, "%s", hwv_arch_absent(format));
	s = hwv_scene_build(test, format, gpa_bits);
	/* the table is the one the parameter asks for */
	KUNIT_ASSERT_EQ(test, s->t.format, format);
	if (gpa_bits)
		KUNIT_ASSERT_EQ(test, s->t.gpa_bits, gpa_bits);
	return s;
}

static void hwv_test_verify(struct kunit *test, const struct hwv_table *t,
			    const struct hwv_region *r, unsigned int nr,
			    const char *what, struct hwv_report *rep)
{
	int ret = hwv_verify(t, r, nr, rep);

	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, what, rep);
}

/* Leaves the engine must have used for the scene's regions. */
static unsigned int hwv_expected_leaves(const struct hwv_scene *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr; i++) {
		u64 size = s->r[i].size;

		/* two levels (Arm, 32 bits) have no 1 GiB leaves */
		if (size == SZ_1G && s->t.levels == 2)
			n += SZ_1G / SZ_2M;
		else if (size == SZ_1G || size == SZ_2M)
			n++;
		else
			n += size / SZ_4K;
	}
	return n;
}

/**
 * hwv_hw_tables() - the table as built matches its regions, on the
 * hardware and in software, and the run covered what it claims
 * @test: the case; its parameter picks the format and width
 */
void hwv_hw_tables(struct kunit *test)
{
	struct hwv_scene *s = hwv_test_scene(test);
	struct hwv_report rep;

	hwv_test_verify(test, &s->t, s->r, s->nr, "as built", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
	KUNIT_EXPECT_GE(test, rep.hw_faults, 2 * s->nr);
	KUNIT_EXPECT_EQ(test, rep.sw_leaves, hwv_expected_leaves(s));
	hwv_arch_tests(s->t.format)->expect_tables(test, s, &rep);
}

/**
 * hwv_hw_core() - an address space built by axas_core (map, unmap,
 * protect, alloc, write) passes
 * @test: the case; its parameter picks the format and width
 */
void hwv_hw_core(struct kunit *test)
{
	struct hwv_core_scene *s;
	struct hwv_report rep;
	u32 format, gpa_bits;

	hwv_arch_param(test->param_value, &format, &gpa_bits);
	if (hwv_arch_absent(format))
		kunit_skip(test, "%s", hwv_arch_absent(format));
	s = hwv_core_scene_build(test, format, gpa_bits);
	hwv_test_verify(test, &s->t, s->r, s->nr, "axas_core address space",
			&rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
	hwv_arch_tests(s->t.format)->expect_core(test, s->nr, &rep);
}

/*
 * Verify the scene's table against a changed copy of its region list:
 * both the hardware path and the software walk must object.
 */
static void hwv_test_neg_regions(struct kunit *test, struct hwv_scene *s,
				 const struct hwv_region *r, const char *what)
{
	struct hwv_report rep;

	hwv_test_verify(test, &s->t, r, s->nr, what, &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/**
 * hwv_hw_neg_wrong_pa() - negative control: one region's output address
 * is off by a page
 * @test: the case
 */
void hwv_hw_neg_wrong_pa(struct kunit *test)
{
	struct hwv_scene *s = hwv_test_scene(test);
	struct hwv_region r[HWV_MAX_REGIONS];

	memcpy(r, s->r, sizeof(r));
	r[0].hpa += SZ_4K;
	hwv_test_neg_regions(test, s, r, "wrong output address");
}

/**
 * hwv_hw_neg_no_write() - negative control: the table lacks the write
 * permission the list wants
 * @test: the case
 */
void hwv_hw_neg_no_write(struct kunit *test)
{
	struct hwv_scene *s = hwv_test_scene(test);
	struct hwv_region r[HWV_MAX_REGIONS];

	memcpy(r, s->r, sizeof(r));
	KUNIT_ASSERT_EQ(test, r[1].prot, AXAS_MAP_READ);
	r[1].prot |= AXAS_MAP_WRITE;
	hwv_test_neg_regions(test, s, r, "missing write permission");
}

/**
 * hwv_hw_neg_stray() - negative control: a page mapped next to a region,
 * not in the list
 * @test: the case
 */
void hwv_hw_neg_stray(struct kunit *test)
{
	struct hwv_scene *s = hwv_test_scene(test);
	int ret;

	ret = axas_npt_map(&s->npt, s->r[0].gpa + s->r[0].size,
			   hwv_small_pa(s, 31), SZ_4K, AXAS_MAP_READ, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_test_neg_regions(test, s, s->r, "stray page");
}

/**
 * hwv_hw_neg_root_reg() - negative control: the root register points at
 * another (empty) root
 * @test: the case
 */
void hwv_hw_neg_root_reg(struct kunit *test)
{
	struct hwv_scene *s = hwv_test_scene(test);
	const struct hwv_test_arch *ta = hwv_arch_tests(s->t.format);
	unsigned int order = ta->root_order;
	struct hwv_report rep;
	struct page *other;
	int ret;

	other = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
	KUNIT_ASSERT_NOT_NULL(test, other);
	s->t.root_reg = ta->root_reg(s->t.root_reg, page_to_phys(other));
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	__free_pages(other, order);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, ta->root_what, &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
}

/* Needs 16 bits on Arm (VTCR_EL2.VS), fits RISC-V's 14. */
#define HWV_CONSUMER_VMID	0x1a5

/* The scene's table as a consumer loads it (axas_aspace_hw_regs()). */
static void hwv_consumer_table(struct kunit *test, struct hwv_scene *s)
{
	u64 root_reg, vtcr;

	KUNIT_ASSERT_EQ(test, axas_npt_hw_regs(&s->npt, HWV_CONSUMER_VMID,
					       &root_reg, &vtcr), 0);
	s->t.root_reg = root_reg;
	s->t.vtcr = vtcr;
	s->t.vmid = HWV_CONSUMER_VMID;
}

/**
 * hwv_hw_consumer_regs() - the registers of the consumer API (hgatp, or
 * VTTBR_EL2 and VTCR_EL2, with a VMID) make the hardware walk the table as
 * built, and read back as written
 * @test: the case; its parameter picks the format and width
 */
void hwv_hw_consumer_regs(struct kunit *test)
{
	struct hwv_scene *s = hwv_test_scene(test);
	struct hwv_report rep;

	hwv_consumer_table(test, s);
	hwv_test_verify(test, &s->t, s->r, s->nr, "consumer registers", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);
	hwv_arch_tests(s->t.format)->expect_tables(test, s, &rep);
}

/**
 * hwv_hw_neg_consumer_regs() - negative control: the consumer's registers
 * changed by @skew; the hardware must object
 * @test: the case; its parameter picks the format and width
 * @skew: changes the registers in @t
 * @what: log line
 */
void hwv_hw_neg_consumer_regs(struct kunit *test,
			      void (*skew)(struct hwv_table *t),
			      const char *what)
{
	struct hwv_scene *s = hwv_test_scene(test);
	struct hwv_report rep;

	hwv_consumer_table(test, s);
	skew(&s->t);
	hwv_test_verify(test, &s->t, s->r, s->nr, what, &rep);
	KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
}

/**
 * hwv_hw_neg_raw() - negative control: change bits of a leaf the engine
 * built; the software walk must notice, the hardware as @sees says
 * @test: the case
 * @region: index of the scene region whose first leaf is changed
 * @clear: bits the leaf must have, cleared
 * @set: bits then set
 * @what: log line
 * @sees: what the hardware path must make of it
 *
 * The entry is restored before any assertion can end the case (the table
 * must stay walkable by axas_npt_destroy()), and the restored table must pass.
 */
void hwv_hw_neg_raw(struct kunit *test, unsigned int region, u64 clear,
		    u64 set, const char *what, enum hwv_hw_sees sees)
{
	struct hwv_scene *s = hwv_test_scene(test);
	unsigned int hw_failures;
	struct hwv_report rep;
	u64 *ptep, old;
	int ret;

	ptep = hwv_leaf_ptep(&s->t, s->r[region].gpa);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	old = READ_ONCE(*ptep);
	KUNIT_ASSERT_EQ(test, old & clear, clear);
	WRITE_ONCE(*ptep, (old & ~clear) | set);
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	WRITE_ONCE(*ptep, old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, what, &rep);
	if (sees == HWV_HW_SEES)
		KUNIT_EXPECT_GT(test, rep.hw_failures, 0);
	else if (sees == HWV_HW_BLIND)
		KUNIT_EXPECT_EQ(test, rep.hw_failures, 0);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
	hw_failures = rep.hw_failures;

	/* and with the entry back the same table passes again */
	hwv_test_verify(test, &s->t, s->r, s->nr, "restored", &rep);
	KUNIT_EXPECT_EQ_MSG(test, hwv_failures(&rep), 0, "%s", rep.first);

	/*
	 * The hardware half of this control was not asserted: say so (SKIP,
	 * with what it saw) rather than pass. A failure above stays a failure.
	 */
	if (sees == HWV_HW_MAY_SEE && test->status != KUNIT_FAILURE)
		kunit_mark_skipped(test, "%s: emulator cannot judge it; %u hw failures unasserted",
				   what, hw_failures);
}

/**
 * hwv_hw_neg_nonram_table() - safety: a table pointer to a physical
 * address without RAM is refused by the software walk and never handed to
 * the hardware walker (on Arm its external abort would kill the kernel)
 * @test: the case
 *
 * PA 0 is flash on QEMU's arm64 virt board, the debug device on riscv's.
 */
void hwv_hw_neg_nonram_table(struct kunit *test)
{
	struct hwv_scene *s = hwv_test_scene(test);
	struct hwv_report rep;
	unsigned int level;
	u64 *ptep, old;
	int ret;

	KUNIT_ASSERT_EQ(test, s->r[8].size, SZ_2M);
	ptep = hwv_lookup(&s->t, s->r[8].gpa, &level);
	KUNIT_ASSERT_NOT_NULL(test, ptep);
	KUNIT_ASSERT_EQ(test, level, 1);	/* a 2 MiB leaf */
	old = READ_ONCE(*ptep);
	WRITE_ONCE(*ptep, hwv_arch_tests(s->t.format)->table_at_pa0);
	ret = hwv_verify(&s->t, s->r, s->nr, &rep);
	WRITE_ONCE(*ptep, old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_report_log(test, "table pointer to PA 0", &rep);
	KUNIT_EXPECT_GT(test, rep.sw_failures, 0);
	KUNIT_EXPECT_EQ(test, rep.hw_probes, 0);
	KUNIT_EXPECT_GT(test, rep.hw_skipped, 0);
}
