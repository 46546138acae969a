// SPDX-License-Identifier: GPL-2.0
/*
 * The hwv_arch_*() hooks of x86: each is answered by the walker of the
 * table's format, AMD nested paging or Intel EPT (kunit/x86/hwv_x86.h).
 */
#include <linux/mm.h>

#include "kunit/hwverify.h"
#include "kunit/x86/hwv_x86.h"

static const struct hwv_x86_walker *hwv_x86_walker(u32 format)
{
	return format == AXAS_FMT_EPT4 || format == AXAS_FMT_EPT5 ?
	       &hwv_ept_walker : &hwv_npt_walker;
}

const char *hwv_arch_absent(u32 format)
{
	return hwv_x86_walker(format)->absent(format);
}

bool hwv_arch_walks(u32 format)
{
	return hwv_x86_walker(format)->walks(format);
}

bool hwv_arch_pa_is_ram(u64 pa)
{
	unsigned long pfn = PHYS_PFN(pa);

	return pfn_valid(pfn) && page_is_ram(pfn) &&
	       !PageReserved(pfn_to_page(pfn));
}

u64 hwv_arch_root(const struct hwv_table *t)
{
	return hwv_x86_walker(t->format)->root(t);
}

bool hwv_arch_check_shape(const struct hwv_table *t, struct hwv_report *rep,
			  bool *hw_ok)
{
	return hwv_x86_walker(t->format)->check_shape(t, rep, hw_ok);
}

int hwv_arch_hw_run(struct hwv_hw *hw)
{
	return hwv_x86_walker(hw->t->format)->hw_run(hw);
}

void hwv_arch_hw_page(struct hwv_hw *hw, u64 gpa, const struct hwv_region *r)
{
	hwv_x86_walker(hw->t->format)->hw_page(hw, gpa, r);
}

void hwv_arch_hw_hole(struct hwv_hw *hw, u64 gpa)
{
	hwv_x86_walker(hw->t->format)->hw_hole(hw, gpa);
}

/* Both suites' parameters are an AXAS_FMT_* at its default width. */
void hwv_arch_param(const void *value, u32 *format, u32 *gpa_bits)
{
	*format = *(const u32 *)value;
	*gpa_bits = 0;
}

const struct hwv_test_arch *hwv_arch_tests(u32 format)
{
	return hwv_x86_walker(format)->tests;
}
