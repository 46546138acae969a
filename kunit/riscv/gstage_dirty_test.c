// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: dirty tracking judged by the CPU. The G-stage table of an axas_core
 * space with tracking on is loaded into hgatp and HSV.D stores through it.
 * QEMU runs without Svadu (svadu=false, svade=true), so a store to a clean
 * page is a store guest-page fault in both modes: D clear (the hardware
 * encoding) or W removed (write protection). The fault is resolved as a
 * hypervisor would, by axas_handle_page_fault() (AXAS_FAULT_LOGGED); the
 * store then goes through, and the harvest reports exactly the stored
 * pages and makes them fault again. Negative controls: a store before
 * tracking starts and one outside the tracked range never fault.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/irqflags.h>
#include <linux/sizes.h>
#include <linux/axas.h>

#include <asm/csr.h>

#include "axas_core/aspace.h"
#include "kunit/hwverify.h"
#include "kunit/riscv/hwv_riscv.h"

#define DT_HGATP_VMID		GENMASK_ULL(57, 44)
#define DT_VMID			0x33
#define DT_CAUSE_STORE_GPF	23
#define DT_RW			(AXAS_MAP_READ | AXAS_MAP_WRITE)
#define DT_BASE			SZ_1M

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

	if (hwv_arch_absent())
		kunit_skip(test, "%s", hwv_arch_absent());
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

static struct kunit_case gstage_dirty_cases[] = {
	KUNIT_CASE_PARAM(gstage_dirty_test, dt_rv_gen_params),
	{}
};

static struct kunit_suite gstage_dirty_suite = {
	.name = "axas_hw_riscv_dirty",
	.test_cases = gstage_dirty_cases,
};

kunit_test_suite(gstage_dirty_suite);
