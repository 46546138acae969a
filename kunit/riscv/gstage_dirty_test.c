// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: dirty tracking judged by the CPU. The G-stage table of an axas_core
 * space with tracking on is loaded into hgatp and HSV.D stores through it.
 *
 * axas_hw_riscv_dirty: QEMU runs without Svadu (svadu=false, svade=true),
 * so a store to a clean page is a store guest-page fault in both modes: D
 * clear (the hardware encoding) or W removed (write protection). The fault
 * is resolved as a hypervisor would, by axas_handle_page_fault()
 * (AXAS_FAULT_LOGGED); the store then goes through, and the harvest reports
 * exactly the stored pages and makes them fault again. Negative controls: a
 * store before tracking starts and one outside the tracked range never
 * fault.
 *
 * axas_hw_riscv_svadu: the case for a CPU with Svadu. G-stage updates of A
 * and D follow menvcfg.ADUE (Svadu; henvcfg.ADUE governs the VS-stage
 * only), which the firmware owns; henvcfg.ADUE reads as zero while
 * menvcfg.ADUE is clear, which is how the test sees the machine's mode.
 * tools/ci/kunit-cross.sh boots the kernel a second time with
 * svadu=true,svade=false and axas_test.hwverify_svadu=1; there a store to
 * a clean page must not fault, the CPU must set D in the leaf, and the
 * harvest must report exactly the stored pages. In the first boot the
 * same case asserts that ADUE cannot be set and that the store faults.
 * Negative controls, asserted to trap: the same store through a
 * write-protected leaf, and the store after ADUE was turned off through
 * SBI FWFT PTE_AD_HW_UPDATING (OpenSBI 1.5 and later); ADUE is turned on
 * again the same way and the store goes through without a trap.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/irqflags.h>
#include <linux/sizes.h>
#include <linux/axas.h>

#include <asm/csr.h>
#include <asm/sbi.h>

#include "axas_core/aspace.h"
#include "kunit/hwverify.h"
#include "kunit/ref_decode.h"
#include "kunit/riscv/hwv_riscv.h"

#define DT_HGATP_VMID		GENMASK_ULL(57, 44)
#define DT_VMID			0x33
#define DT_CAUSE_STORE_GPF	23
#define DT_RW			(AXAS_MAP_READ | AXAS_MAP_WRITE)
#define DT_BASE			SZ_1M
#define DT_PTE_D		BIT_ULL(7)
#define DT_ENVCFG_ADUE		BIT_ULL(61)
/* SBI firmware features (FWFT): SET of feature PTE_AD_HW_UPDATING */
#define DT_SBI_EXT_FWFT		0x46574654
#define DT_SBI_FWFT_SET		0
#define DT_FWFT_PTE_AD_HW	4

static bool dt_rv_svadu;
module_param_named(hwverify_svadu, dt_rv_svadu, bool, 0444);
MODULE_PARM_DESC(hwverify_svadu,
		 "the CPU has Svadu and the firmware set menvcfg.ADUE: G-stage stores set D without a fault");

static const bool dt_rv_modes[] = { false, true };

static void dt_rv_desc(const bool *wp, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *wp ? "write-protect" : "d-clear");
}

KUNIT_ARRAY_PARAM(dt_rv, dt_rv_modes, dt_rv_desc);

/*
 * One HSV.D of @val at @gpa through @as's table, as VS-mode with VS-stage
 * Bare. Return: true if it trapped (then it must be the G-stage's store
 * fault for @gpa).
 */
static bool dt_rv_store(struct kunit *test, struct axas_aspace *as, u64 gpa,
			u64 val)
{
	struct hwv_rv_trap trap = { 0 };
	unsigned long flags, hgatp, vsatp, hstatus;
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	local_irq_save(flags);
	hgatp = csr_read(CSR_HGATP);
	vsatp = csr_read(CSR_VSATP);
	hstatus = csr_read(CSR_HSTATUS);
	csr_write(CSR_VSATP, 0);
	csr_write(CSR_HSTATUS, hstatus | HSTATUS_SPVP);
	csr_write(CSR_HGATP, st.root_reg | FIELD_PREP(DT_HGATP_VMID, DT_VMID));
	hwv_rv_hfence_gvma_all();

	hwv_rv_hsv_d(gpa, &trap, val);

	hwv_rv_hfence_gvma_all();
	csr_write(CSR_HGATP, hgatp);
	csr_write(CSR_VSATP, vsatp);
	csr_write(CSR_HSTATUS, hstatus);
	hwv_rv_hfence_gvma_all();
	local_irq_restore(flags);

	if (!trap.trapped)
		return false;
	KUNIT_EXPECT_EQ(test, trap.scause, DT_CAUSE_STORE_GPF);
	KUNIT_EXPECT_EQ(test, trap.htval, gpa >> 2);
	return true;
}

static void dt_rv_put(void *as)
{
	axas_aspace_put(as);
}

static void gstage_dirty_test(struct kunit *test)
{
	const bool *wp = test->param_value;
	u64 p3 = DT_BASE + 3 * SZ_4K, p5 = DT_BASE + 5 * SZ_4K;
	u64 outside = DT_BASE + SZ_32K + SZ_4K, val = 0;
	unsigned long bits[1] = { 0 };
	struct axas_aspace *as;
	u32 result = 0;

	if (hwv_arch_absent(AXAS_FMT_SV39X4))
		kunit_skip(test, "%s", hwv_arch_absent(AXAS_FMT_SV39X4));
	as = axas_aspace_create(AXAS_FMT_SV39X4, 0, 0, SZ_4G);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, dt_rv_put, as));
	axas_test_dirty_wp(as, *wp);
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, DT_BASE, SZ_64K,
						DT_RW | AXAS_MAP_POPULATE));
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as),
			*wp ? AXAS_DIRTY_HW_NONE : AXAS_DIRTY_HW_ADUE);

	/* negative control: untracked pages take stores */
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p3, 1));
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, DT_BASE, SZ_32K,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_TRUE(test, dt_rv_store(test, as, p3, 0x1234));
	KUNIT_EXPECT_TRUE(test, dt_rv_store(test, as, p5, 0x5678));
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, outside, 2));

	/* the vCPU loop resolves the faults; the stores then go through */
	KUNIT_ASSERT_EQ(test, 0, axas_handle_page_fault(as, p3, AXAS_MAP_WRITE,
							&result));
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_LOGGED);
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p3, 0x1234));
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p3, 0x4321));
	KUNIT_EXPECT_TRUE(test, dt_rv_store(test, as, p5, 0x5678));
	KUNIT_ASSERT_EQ(test, 8, axas_read(as, p3, &val, 8));
	KUNIT_EXPECT_EQ(test, val, 0x4321);

	/* exactly the page the guest wrote; the harvest re-arms it */
	KUNIT_ASSERT_EQ(test, 0, axas_get_dirty_bitmap(as, DT_BASE, SZ_32K,
						       bits, 0));
	KUNIT_EXPECT_EQ(test, bits[0], BIT(3));
	KUNIT_EXPECT_TRUE(test, dt_rv_store(test, as, p3, 0x9999));
	KUNIT_ASSERT_EQ(test, 8, axas_read(as, p3, &val, 8));
	KUNIT_EXPECT_EQ(test, val, 0x4321);

	/* stopped: stores go through again */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, DT_BASE, SZ_32K, 0));
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p5, 0x5678));
}

/*
 * Try to turn on hardware A/D updating in henvcfg. Return: whether the bit
 * stuck, i.e. whether menvcfg.ADUE is set and G-stage stores set D.
 */
static bool dt_rv_adue(void)
{
	unsigned long old = csr_read(CSR_HENVCFG);
	bool on;

	csr_write(CSR_HENVCFG, old | DT_ENVCFG_ADUE);
	on = csr_read(CSR_HENVCFG) & DT_ENVCFG_ADUE;
	if (!on)
		csr_write(CSR_HENVCFG, old);
	return on;
}

/* SBI FWFT: ask the firmware to set menvcfg.ADUE to @on. Return: SBI error. */
static long dt_rv_fwft_adue(bool on)
{
	struct sbiret ret;

	ret = sbi_ecall(DT_SBI_EXT_FWFT, DT_SBI_FWFT_SET, DT_FWFT_PTE_AD_HW, on,
			0, 0, 0, 0);
	return ret.error;
}

/* The G-stage leaf of @gpa, as the reference decoder reads it. */
static u64 dt_rv_pte(struct kunit *test, struct axas_aspace *as, u64 gpa)
{
	struct axas_npt_ref_leaf leaf;
	struct axas_npt_ref_geom g;
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	KUNIT_ASSERT_EQ(test, 0,
			axas_npt_ref_geom_init(&g, st.format, st.gpa_bits));
	KUNIT_ASSERT_EQ(test, 0, axas_npt_ref_translate(&g, st.root_pa, gpa,
							&leaf));
	KUNIT_ASSERT_EQ(test, leaf.size, SZ_4K);
	return leaf.pte;
}

static void gstage_svadu_test(struct kunit *test)
{
	u64 p2 = DT_BASE + 2 * SZ_4K, p6 = DT_BASE + 6 * SZ_4K;
	u64 p7 = DT_BASE + 7 * SZ_4K, val = 0;
	struct axas_aspace *as, *wp;
	unsigned long bits[1] = { 0 };
	bool adue;
	long fwft;

	if (hwv_arch_absent(AXAS_FMT_SV39X4))
		kunit_skip(test, "%s", hwv_arch_absent(AXAS_FMT_SV39X4));
	as = axas_aspace_create(AXAS_FMT_SV39X4, 0, 0, SZ_4G);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, dt_rv_put, as));
	wp = axas_aspace_create(AXAS_FMT_SV39X4, 0, 0, SZ_4G);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wp);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, dt_rv_put, wp));
	axas_test_dirty_wp(wp, true);
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, DT_BASE, SZ_64K,
						DT_RW | AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(wp, DT_BASE, SZ_64K,
						DT_RW | AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_ADUE);
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, DT_BASE, SZ_32K,
							 AXAS_DIRTY_ENABLE));
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(wp, DT_BASE, SZ_32K,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, dt_rv_pte(test, as, p2) & DT_PTE_D, 0);

	adue = dt_rv_adue();
	kunit_info(test, "henvcfg.ADUE %s; expected %s (hwverify_svadu=%d)\n",
		   adue ? "sticks" : "reads 0", dt_rv_svadu ? "on" : "off",
		   dt_rv_svadu);
	KUNIT_ASSERT_EQ(test, adue, dt_rv_svadu);
	if (!adue) {
		/* without Svadu the clean leaf faults: the other suite's path */
		KUNIT_EXPECT_TRUE(test, dt_rv_store(test, as, p2, 0x2222));
		KUNIT_EXPECT_EQ(test, dt_rv_pte(test, as, p2) & DT_PTE_D, 0);
		return;
	}

	/* negative control: a write-protected leaf traps even with ADUE */
	KUNIT_EXPECT_TRUE(test, dt_rv_store(test, wp, p2, 0x2222));

	/* the CPU sets D itself: no trap, D in the leaf, the data written */
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p2, 0x2222));
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p6, 0x6666));
	KUNIT_EXPECT_NE(test, dt_rv_pte(test, as, p2) & DT_PTE_D, 0);
	KUNIT_EXPECT_NE(test, dt_rv_pte(test, as, p6) & DT_PTE_D, 0);
	KUNIT_EXPECT_EQ(test, dt_rv_pte(test, as, p7) & DT_PTE_D, 0);
	KUNIT_ASSERT_EQ(test, 8, axas_read(as, p6, &val, 8));
	KUNIT_EXPECT_EQ(test, val, 0x6666);

	/* exactly the stored pages; the harvest clears D */
	bits[0] = 0;	/* the caller zeroes the bitmap */
	KUNIT_ASSERT_EQ(test, 0, axas_get_dirty_bitmap(as, DT_BASE, SZ_32K,
						       bits, 0));
	KUNIT_EXPECT_EQ(test, bits[0], BIT(2) | BIT(6));
	KUNIT_EXPECT_EQ(test, dt_rv_pte(test, as, p2) & DT_PTE_D, 0);
	KUNIT_EXPECT_EQ(test, dt_rv_pte(test, as, p6) & DT_PTE_D, 0);

	/* second round: another set, again without a trap */
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p7, 0x7777));
	bits[0] = 0;	/* the caller zeroes the bitmap */
	KUNIT_ASSERT_EQ(test, 0, axas_get_dirty_bitmap(as, DT_BASE, SZ_32K,
						       bits, 0));
	KUNIT_EXPECT_EQ(test, bits[0], BIT(7));

	/* negative control: ADUE off through the firmware, the store traps */
	fwft = dt_rv_fwft_adue(false);
	KUNIT_ASSERT_EQ_MSG(test, fwft, 0,
			    "SBI FWFT PTE_AD_HW_UPDATING (OpenSBI >= 1.5) refused");
	KUNIT_EXPECT_FALSE(test, dt_rv_adue());
	KUNIT_EXPECT_TRUE(test, dt_rv_store(test, as, p2, 0x2323));
	KUNIT_EXPECT_EQ(test, dt_rv_pte(test, as, p2) & DT_PTE_D, 0);
	KUNIT_EXPECT_EQ(test, dt_rv_fwft_adue(true), 0);
	KUNIT_EXPECT_TRUE(test, dt_rv_adue());
	KUNIT_EXPECT_FALSE(test, dt_rv_store(test, as, p2, 0x2424));
	bits[0] = 0;	/* the caller zeroes the bitmap */
	KUNIT_ASSERT_EQ(test, 0, axas_get_dirty_bitmap(as, DT_BASE, SZ_32K,
						       bits, 0));
	KUNIT_EXPECT_EQ(test, bits[0], BIT(2));
}

static struct kunit_case gstage_dirty_cases[] = {
	KUNIT_CASE_PARAM(gstage_dirty_test, dt_rv_gen_params),
	{}
};

static struct kunit_case gstage_svadu_cases[] = {
	KUNIT_CASE(gstage_svadu_test),
	{}
};

static struct kunit_suite gstage_svadu_suite = {
	.name = "axas_hw_riscv_svadu",
	.test_cases = gstage_svadu_cases,
};

static struct kunit_suite gstage_dirty_suite = {
	.name = "axas_hw_riscv_dirty",
	.test_cases = gstage_dirty_cases,
};

kunit_test_suites(&gstage_dirty_suite, &gstage_svadu_suite);
