/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two x86 hardware verifiers: AMD nested paging (npt_verify.c, a guest
 * run with VMRUN) and Intel EPT (ept_verify.c, a guest run with VMLAUNCH).
 * A kernel holds both; the format of the table picks one (hwv_x86.c), and
 * the CPU decides which can run: QEMU's TCG "max" CPU has SVM, Bochs's
 * corei7_skylake_x has VMX with EPT.
 */
#ifndef _AXAS_KUNIT_HWV_X86_H
#define _AXAS_KUNIT_HWV_X86_H

#include <linux/types.h>

#include "kunit/hwverify.h"

/**
 * struct hwv_x86_walker - one x86 hardware walker: the hwv_arch_*() hooks
 * for its formats, and what the shared cases ask of it
 * @absent: hwv_arch_absent()
 * @walks: hwv_arch_walks()
 * @root: hwv_arch_root()
 * @check_shape: hwv_arch_check_shape()
 * @hw_run: hwv_arch_hw_run()
 * @hw_page: hwv_arch_hw_page()
 * @hw_hole: hwv_arch_hw_hole()
 * @tests: hwv_arch_tests()
 */
struct hwv_x86_walker {
	const char *(*absent)(u32 format);
	bool (*walks)(u32 format);
	u64 (*root)(const struct hwv_table *t);
	bool (*check_shape)(const struct hwv_table *t, struct hwv_report *rep,
			    bool *hw_ok);
	int (*hw_run)(struct hwv_hw *hw);
	void (*hw_page)(struct hwv_hw *hw, u64 gpa, const struct hwv_region *r);
	void (*hw_hole)(struct hwv_hw *hw, u64 gpa);
	const struct hwv_test_arch *tests;
};

extern const struct hwv_x86_walker hwv_npt_walker, hwv_ept_walker;
extern const struct hwv_test_arch hwv_npt_test_arch, hwv_ept_test_arch;

/**
 * hwv_x86_host_format() - the NPT format this host's nested walk uses
 *
 * The nested walk runs in the host's paging mode: 5 levels when the kernel
 * runs with LA57, else 4 (QEMU's nested_pg_mode, KVM's get_npt_level()).
 *
 * Return: AXAS_FMT_AMD_NPT5 or AXAS_FMT_AMD_NPT4.
 */
u32 hwv_x86_host_format(void);

/**
 * hwv_ept_misconfigs() - EPT misconfiguration exits of the last EPT run
 *
 * A table entry the SDM calls misconfigured (W without R, a reserved
 * memory type) ends the guest with exit reason 49, not a violation; the
 * negative controls ask how many the run saw.
 *
 * Return: the count.
 */
unsigned int hwv_ept_misconfigs(void);

#endif /* _AXAS_KUNIT_HWV_X86_H */
