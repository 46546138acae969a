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

#include <linux/sizes.h>
#include <linux/types.h>

#include <asm/processor.h>

#include "kunit/hwverify.h"

/*
 * Both walkers run the same probe guest, 64-bit at CPL 0 with its own
 * page tables: entry points in its code page (RAX is the address, RSP the
 * data), each ending in the vendor's hypercall; a 1 GiB window of its
 * page tables at HWV_X86_WINDOW maps the block of the address under test.
 */
#define HWV_X86_READ	0x00	/* mov (%rax),%rax; hypercall */
#define HWV_X86_WRITE	0x10	/* mov %rsp,(%rax); hypercall */
#define HWV_X86_JUMP	0x20	/* jmp *%rax */
#define HWV_X86_WINDOW	SZ_1G	/* guest-virtual base of the probe window */

/**
 * struct hwv_x86_guest - how a walker runs the probe guest (hw->priv is
 * the walker's run)
 * @run: one entry at @entry with RAX = @rax, RSP = @rsp, to its exit;
 *	false when the CPU refused the entry (a failure is recorded)
 * @passed: the guest reached its hypercall; else a failure naming @what
 *	is recorded
 * @expect_fault: the exit must be the walker's nested fault at @gpa for
 *	@access (AXAS_MAP_READ, _WRITE or _EXEC) on a page whose leaf grants
 *	@prot (0: unmapped); counted in hw_faults, else a failure
 * @rax: RAX at the last exit
 * @rip: RIP of the last exit's hypercall (or just past it)
 * @window: points the window at @gpa's 1 GiB block; the guest-virtual
 *	address of @gpa
 * @probe_ok: a guest can form @gpa (below MAXPHYADDR) and it is not one
 *	of the guest's own pages
 * @call: the hypercall's bytes, planted at a fetch probe
 * @call_len: their number
 */
struct hwv_x86_guest {
	bool (*run)(struct hwv_hw *hw, unsigned int entry, u64 rax, u64 rsp);
	bool (*passed)(struct hwv_hw *hw, u64 gpa, const char *what);
	void (*expect_fault)(struct hwv_hw *hw, u64 gpa, const char *what,
			     u32 access, u32 prot);
	u64 (*rax)(struct hwv_hw *hw);
	u64 (*rip)(struct hwv_hw *hw);
	u64 (*window)(struct hwv_hw *hw, u64 gpa);
	bool (*probe_ok)(struct hwv_hw *hw, u64 gpa);
	const u8 *call;
	unsigned int call_len;
};

/**
 * struct hwv_x86_walker - one x86 hardware walker: the hwv_arch_*() hooks
 * for its formats, and what the shared cases ask of it
 * @absent: hwv_arch_absent()
 * @walks: hwv_arch_walks()
 * @root: hwv_arch_root()
 * @check_shape: hwv_arch_check_shape()
 * @hw_run: hwv_arch_hw_run()
 * @guest: its probe guest, for hwv_arch_hw_page() and hwv_arch_hw_hole()
 * @tests: hwv_arch_tests()
 */
struct hwv_x86_walker {
	const char *(*absent)(u32 format);
	bool (*walks)(u32 format);
	u64 (*root)(const struct hwv_table *t);
	bool (*check_shape)(const struct hwv_table *t, struct hwv_report *rep,
			    bool *hw_ok);
	int (*hw_run)(struct hwv_hw *hw);
	const struct hwv_x86_guest *guest;
	const struct hwv_test_arch *tests;
};

extern const struct hwv_x86_walker hwv_npt_walker, hwv_ept_walker;
extern const struct hwv_test_arch hwv_npt_test_arch, hwv_ept_test_arch;

/* Guest-physical addresses a guest can form: below MAXPHYADDR. */
static inline bool hwv_x86_reachable(u64 gpa)
{
	return gpa < BIT_ULL(boot_cpu_data.x86_phys_bits);
}

/**
 * hwv_x86_expect_reach() - a guest probed every region it can reach
 * @test: the case
 * @s: the scene of hwv_scene_build()
 * @rep: its report
 *
 * Read, fetch and write of at least one page of each region below
 * MAXPHYADDR, and at least the seven regions below 4 MiB reachable.
 *
 * Return: how many regions a guest can reach.
 */
unsigned int hwv_x86_expect_reach(struct kunit *test, const struct hwv_scene *s,
				  const struct hwv_report *rep);

/* hwv_test_arch.expect_core of both: the linear regions at the bottom. */
void hwv_x86_expect_core(struct kunit *test, unsigned int nr,
			 const struct hwv_report *rep);

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
 * hwv_ept_misconfigs() - EPT misconfiguration exits seen since boot
 *
 * A table entry the SDM calls misconfigured (W without R, a reserved
 * memory type) ends the guest with exit reason 49, not a violation; the
 * negative controls compare the count before and after their runs.
 *
 * Return: the count.
 */
unsigned int hwv_ept_misconfigs(void);

#endif /* _AXAS_KUNIT_HWV_X86_H */
