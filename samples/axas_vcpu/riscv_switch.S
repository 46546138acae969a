/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu, riscv64: entering the guest in VS-mode and coming back.
 *
 * axas_rv_switch(ctx) is called with interrupts disabled and hgatp, the VS
 * CSRs and the H delegation CSRs already loaded. It keeps the host's
 * callee-saved registers, sstatus, hstatus, scounteren, stvec and sscratch
 * in the host half of ctx, points stvec at its own return path and sscratch
 * at ctx, loads the guest's registers and leaves with sret (hstatus.SPV = 1
 * in the guest's hstatus makes that an entry into VS-mode). Any trap from
 * the guest then lands at .Lrv_trap in HS-mode: it stores the guest's
 * registers, puts the host's back and returns to the caller, which reads
 * scause, stval, htval and htinst itself (interrupts are still disabled).
 *
 * axas_rv_hlvx_hu(gpa, &cause) reads 16 bits of guest instruction memory
 * with HLVX.HU; a trap there is caught (cause set, result 0).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/csr.h>

#include "riscv_ctx.h"

	.text
	.option norelax

SYM_FUNC_START(axas_rv_switch)
	/* host: what the C caller expects to survive */
	REG_S	ra, RV_H(1)(a0)
	REG_S	sp, RV_H(2)(a0)
	REG_S	gp, RV_H(3)(a0)
	REG_S	tp, RV_H(4)(a0)
	REG_S	s0, RV_H(8)(a0)
	REG_S	s1, RV_H(9)(a0)
	REG_S	s2, RV_H(18)(a0)
	REG_S	s3, RV_H(19)(a0)
	REG_S	s4, RV_H(20)(a0)
	REG_S	s5, RV_H(21)(a0)
	REG_S	s6, RV_H(22)(a0)
	REG_S	s7, RV_H(23)(a0)
	REG_S	s8, RV_H(24)(a0)
	REG_S	s9, RV_H(25)(a0)
	REG_S	s10, RV_H(26)(a0)
	REG_S	s11, RV_H(27)(a0)

	/* swap the CSRs: guest values in, host values kept */
	REG_L	t0, RV_G(RV_CTX_SSTATUS)(a0)
	REG_L	t1, RV_G(RV_CTX_HSTATUS)(a0)
	REG_L	t2, RV_G(RV_CTX_SCOUNTEREN)(a0)
	REG_L	t3, RV_G(RV_CTX_SEPC)(a0)
	la	t4, .Lrv_trap
	csrrw	t0, CSR_SSTATUS, t0
	csrrw	t1, CSR_HSTATUS, t1
	csrrw	t2, CSR_SCOUNTEREN, t2
	csrrw	t4, CSR_STVEC, t4
	csrrw	t5, CSR_SSCRATCH, a0
	csrw	CSR_SEPC, t3
	REG_S	t0, RV_H(RV_CTX_SSTATUS)(a0)
	REG_S	t1, RV_H(RV_CTX_HSTATUS)(a0)
	REG_S	t2, RV_H(RV_CTX_SCOUNTEREN)(a0)
	REG_S	t4, RV_H(RV_CTX_STVEC)(a0)
	REG_S	t5, RV_H(RV_CTX_SSCRATCH)(a0)

	/* guest registers, a0 (x10) last */
	REG_L	x1, RV_G(1)(a0)
	REG_L	x2, RV_G(2)(a0)
	REG_L	x3, RV_G(3)(a0)
	REG_L	x4, RV_G(4)(a0)
	REG_L	x5, RV_G(5)(a0)
	REG_L	x6, RV_G(6)(a0)
	REG_L	x7, RV_G(7)(a0)
	REG_L	x8, RV_G(8)(a0)
	REG_L	x9, RV_G(9)(a0)
	REG_L	x11, RV_G(11)(a0)
	REG_L	x12, RV_G(12)(a0)
	REG_L	x13, RV_G(13)(a0)
	REG_L	x14, RV_G(14)(a0)
	REG_L	x15, RV_G(15)(a0)
	REG_L	x16, RV_G(16)(a0)
	REG_L	x17, RV_G(17)(a0)
	REG_L	x18, RV_G(18)(a0)
	REG_L	x19, RV_G(19)(a0)
	REG_L	x20, RV_G(20)(a0)
	REG_L	x21, RV_G(21)(a0)
	REG_L	x22, RV_G(22)(a0)
	REG_L	x23, RV_G(23)(a0)
	REG_L	x24, RV_G(24)(a0)
	REG_L	x25, RV_G(25)(a0)
	REG_L	x26, RV_G(26)(a0)
	REG_L	x27, RV_G(27)(a0)
	REG_L	x28, RV_G(28)(a0)
	REG_L	x29, RV_G(29)(a0)
	REG_L	x30, RV_G(30)(a0)
	REG_L	x31, RV_G(31)(a0)
	REG_L	x10, RV_G(10)(a0)
	sret

	/* stvec needs 4-byte alignment (direct mode) */
	.balign	4
.Lrv_trap:
	/* a0 <-> sscratch: ctx in a0, the guest's a0 in sscratch */
	csrrw	a0, CSR_SSCRATCH, a0
	REG_S	x1, RV_G(1)(a0)
	REG_S	x2, RV_G(2)(a0)
	REG_S	x3, RV_G(3)(a0)
	REG_S	x4, RV_G(4)(a0)
	REG_S	x5, RV_G(5)(a0)
	REG_S	x6, RV_G(6)(a0)
	REG_S	x7, RV_G(7)(a0)
	REG_S	x8, RV_G(8)(a0)
	REG_S	x9, RV_G(9)(a0)
	REG_S	x11, RV_G(11)(a0)
	REG_S	x12, RV_G(12)(a0)
	REG_S	x13, RV_G(13)(a0)
	REG_S	x14, RV_G(14)(a0)
	REG_S	x15, RV_G(15)(a0)
	REG_S	x16, RV_G(16)(a0)
	REG_S	x17, RV_G(17)(a0)
	REG_S	x18, RV_G(18)(a0)
	REG_S	x19, RV_G(19)(a0)
	REG_S	x20, RV_G(20)(a0)
	REG_S	x21, RV_G(21)(a0)
	REG_S	x22, RV_G(22)(a0)
	REG_S	x23, RV_G(23)(a0)
	REG_S	x24, RV_G(24)(a0)
	REG_S	x25, RV_G(25)(a0)
	REG_S	x26, RV_G(26)(a0)
	REG_S	x27, RV_G(27)(a0)
	REG_S	x28, RV_G(28)(a0)
	REG_S	x29, RV_G(29)(a0)
	REG_S	x30, RV_G(30)(a0)
	REG_S	x31, RV_G(31)(a0)

	/* guest CSRs out, host CSRs back */
	REG_L	t0, RV_H(RV_CTX_STVEC)(a0)
	REG_L	t1, RV_H(RV_CTX_SSCRATCH)(a0)
	REG_L	t2, RV_H(RV_CTX_SCOUNTEREN)(a0)
	REG_L	t3, RV_H(RV_CTX_HSTATUS)(a0)
	REG_L	t4, RV_H(RV_CTX_SSTATUS)(a0)
	csrw	CSR_STVEC, t0
	csrrw	t1, CSR_SSCRATCH, t1
	csrrw	t2, CSR_SCOUNTEREN, t2
	csrrw	t3, CSR_HSTATUS, t3
	csrrw	t4, CSR_SSTATUS, t4
	csrr	t5, CSR_SEPC
	REG_S	t1, RV_G(10)(a0)
	REG_S	t2, RV_G(RV_CTX_SCOUNTEREN)(a0)
	REG_S	t3, RV_G(RV_CTX_HSTATUS)(a0)
	REG_S	t4, RV_G(RV_CTX_SSTATUS)(a0)
	REG_S	t5, RV_G(RV_CTX_SEPC)(a0)

	/* host registers */
	REG_L	ra, RV_H(1)(a0)
	REG_L	sp, RV_H(2)(a0)
	REG_L	gp, RV_H(3)(a0)
	REG_L	tp, RV_H(4)(a0)
	REG_L	s0, RV_H(8)(a0)
	REG_L	s1, RV_H(9)(a0)
	REG_L	s2, RV_H(18)(a0)
	REG_L	s3, RV_H(19)(a0)
	REG_L	s4, RV_H(20)(a0)
	REG_L	s5, RV_H(21)(a0)
	REG_L	s6, RV_H(22)(a0)
	REG_L	s7, RV_H(23)(a0)
	REG_L	s8, RV_H(24)(a0)
	REG_L	s9, RV_H(25)(a0)
	REG_L	s10, RV_H(26)(a0)
	REG_L	s11, RV_H(27)(a0)
	ret
SYM_FUNC_END(axas_rv_switch)

/*
 * unsigned long axas_rv_hlvx_hu(unsigned long gpa, unsigned long *cause)
 * Interrupts disabled, the vCPU's hgatp loaded. *cause = 0, or the trap's
 * scause (then the result is 0).
 */
SYM_FUNC_START(axas_rv_hlvx_hu)
	REG_S	zero, 0(a1)
	la	t0, .Lrv_hlvx_trap
	csrrw	t0, CSR_STVEC, t0
	/* hlvx.hu a0, (a0) */
	.insn	r 0x73, 0x4, 0x32, a0, a0, x3
	csrw	CSR_STVEC, t0
	ret

	.balign	4
.Lrv_hlvx_trap:
	/* step over the 4-byte HLVX.HU, report the cause, no value */
	csrr	t1, CSR_SCAUSE
	REG_S	t1, 0(a1)
	csrr	t1, CSR_SEPC
	addi	t1, t1, 4
	csrw	CSR_SEPC, t1
	li	a0, 0
	sret
SYM_FUNC_END(axas_rv_hlvx_hu)
