/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HLV.D, HLVX.HU, HSV.D and HFENCE.GVMA for the G-stage verifier, each
 * under a temporary stvec (see hwv_riscv.h). The instructions are emitted
 * with .insn so that no assembler support for the H extension is needed
 * (encodings: RISC-V Privileged ISA, hypervisor instructions, opcode
 * SYSTEM, funct3 100 for the loads and stores, 000 for HFENCE.GVMA).
 *
 * Register use: a0 = guest physical address (and the loaded value),
 * a1 = struct hwv_rv_trap *, a2 = value to store, t1 = the saved stvec.
 * The handler only touches t0 and the record, so t1 survives a trap.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/csr.h>

#define TRAP_TRAPPED	0
#define TRAP_SCAUSE	8
#define TRAP_STVAL	16
#define TRAP_HTVAL	24
#define TRAP_HTINST	32

	.text
	.option	push
	.option	norvc

/*
 * Entered on the trap of one of the accesses below: record it and resume
 * after the (4-byte) faulting instruction. stvec needs 4-byte alignment.
 */
	.balign	4
SYM_CODE_START_LOCAL(hwv_rv_trap_entry)
	li	t0, 1
	sd	t0, TRAP_TRAPPED(a1)
	csrr	t0, CSR_SCAUSE
	sd	t0, TRAP_SCAUSE(a1)
	csrr	t0, CSR_STVAL
	sd	t0, TRAP_STVAL(a1)
	csrr	t0, CSR_HTVAL
	sd	t0, TRAP_HTVAL(a1)
	csrr	t0, CSR_HTINST
	sd	t0, TRAP_HTINST(a1)
	csrr	t0, CSR_SEPC
	addi	t0, t0, 4
	csrw	CSR_SEPC, t0
	sret
SYM_CODE_END(hwv_rv_trap_entry)

/* unsigned long hwv_rv_hlv_d(unsigned long gpa, struct hwv_rv_trap *trap) */
SYM_FUNC_START(hwv_rv_hlv_d)
	sd	zero, TRAP_TRAPPED(a1)
	la	t1, hwv_rv_trap_entry
	csrrw	t1, CSR_STVEC, t1
	mv	t2, a0
	li	a0, 0
	.insn	r 0x73, 4, 0x36, a0, t2, x0	/* hlv.d a0, (t2) */
	csrw	CSR_STVEC, t1
	ret
SYM_FUNC_END(hwv_rv_hlv_d)

/* unsigned long hwv_rv_hlvx_hu(unsigned long gpa, struct hwv_rv_trap *trap) */
SYM_FUNC_START(hwv_rv_hlvx_hu)
	sd	zero, TRAP_TRAPPED(a1)
	la	t1, hwv_rv_trap_entry
	csrrw	t1, CSR_STVEC, t1
	mv	t2, a0
	li	a0, 0
	.insn	r 0x73, 4, 0x32, a0, t2, x3	/* hlvx.hu a0, (t2) */
	csrw	CSR_STVEC, t1
	ret
SYM_FUNC_END(hwv_rv_hlvx_hu)

/*
 * void hwv_rv_hsv_d(unsigned long gpa, struct hwv_rv_trap *trap,
 *		     unsigned long val)
 */
SYM_FUNC_START(hwv_rv_hsv_d)
	sd	zero, TRAP_TRAPPED(a1)
	la	t1, hwv_rv_trap_entry
	csrrw	t1, CSR_STVEC, t1
	.insn	r 0x73, 4, 0x37, x0, a0, a2	/* hsv.d a2, (a0) */
	csrw	CSR_STVEC, t1
	ret
SYM_FUNC_END(hwv_rv_hsv_d)

/* void hwv_rv_hfence_gvma_all(void): every guest address, every VMID */
SYM_FUNC_START(hwv_rv_hfence_gvma_all)
	.insn	r 0x73, 0, 0x31, x0, x0, x0	/* hfence.gvma x0, x0 */
	ret
SYM_FUNC_END(hwv_rv_hfence_gvma_all)

	.option	pop
