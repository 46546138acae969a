/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypervisor load/store helpers of the RISC-V hardware verifier
 * (gstage_trap.S). Each runs one HLV/HLVX/HSV with stvec pointing at a
 * local handler that records a trap in @trap and skips the instruction,
 * the technique of KVM's kvm_riscv_vcpu_unpriv_read(). The caller must
 * have interrupts off and hgatp, vsatp and hstatus.SPVP set up.
 */
#ifndef _AXAS_KUNIT_HWV_RISCV_H
#define _AXAS_KUNIT_HWV_RISCV_H

#include <linux/types.h>

/**
 * struct hwv_rv_trap - what the trap handler saw (offsets fixed for the .S)
 * @trapped: 1 if the access trapped, else 0
 * @scause: scause of the trap
 * @stval: stval (the guest virtual address)
 * @htval: htval (the guest physical address >> 2)
 * @htinst: htinst
 */
struct hwv_rv_trap {
	unsigned long trapped;
	unsigned long scause;
	unsigned long stval;
	unsigned long htval;
	unsigned long htinst;
};

/* set by axas_test.hwverify_qemu7=1: QEMU 7.2 cannot judge some accesses */
extern bool hwv_rv_qemu7;

unsigned long hwv_rv_hlv_d(unsigned long gpa, struct hwv_rv_trap *trap);
unsigned long hwv_rv_hlvx_hu(unsigned long gpa, struct hwv_rv_trap *trap);
void hwv_rv_hsv_d(unsigned long gpa, struct hwv_rv_trap *trap,
		  unsigned long val);
void hwv_rv_hfence_gvma_all(void);

#endif /* _AXAS_KUNIT_HWV_RISCV_H */
