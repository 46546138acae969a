/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu, arm64: entering the guest at EL1 from a VHE host at EL2 and
 * coming back.
 *
 * axas_a64_switch(ctx) is called with DAIF masked and HCR_EL2, VTTBR_EL2,
 * VTCR_EL2, the guest's EL1 registers and VBAR_EL2 = axas_a64_vectors
 * already loaded. It keeps the host's x18..x30, SP_EL0 (the kernel's
 * `current`), TPIDR_EL0 and TPIDRRO_EL0 in the host half of ctx, puts ctx
 * at the top of the stack, loads the guest's registers and ELR/SPSR_EL2
 * and leaves with ERET. An exception from the guest (a lower EL) lands in
 * axas_a64_vectors on the same SP_EL2, so the stack slot gives ctx back:
 * the guest's registers are stored, the host's reloaded, and the call
 * returns which vector was taken (A64_EXIT_*). ESR_EL2, FAR_EL2 and
 * HPFAR_EL2 are read by the caller; DAIF is still masked.
 */
#include <linux/linkage.h>
#include <asm/assembler.h>

#include "arm64_ctx.h"

	.text

SYM_FUNC_START(axas_a64_switch)
	sub	sp, sp, #16
	str	x0, [sp]

	/* host: what the C caller expects to survive (x18: shadow call stack) */
	add	x4, x0, #A64_H(0)
	str	x18, [x4, #A64_G(18)]
	stp	x19, x20, [x4, #A64_G(19)]
	stp	x21, x22, [x4, #A64_G(21)]
	stp	x23, x24, [x4, #A64_G(23)]
	stp	x25, x26, [x4, #A64_G(25)]
	stp	x27, x28, [x4, #A64_G(27)]
	stp	x29, x30, [x4, #A64_G(29)]
	mrs	x1, sp_el0
	mrs	x2, tpidr_el0
	mrs	x3, tpidrro_el0
	str	x1, [x4, #A64_G(A64_CTX_SP_EL0)]
	stp	x2, x3, [x4, #A64_G(A64_CTX_TPIDR_EL0)]

	/* guest: the registers EL1 shares with EL0 and the host, pc, pstate */
	ldr	x1, [x0, #A64_G(A64_CTX_SP_EL0)]
	ldp	x2, x3, [x0, #A64_G(A64_CTX_TPIDR_EL0)]
	msr	sp_el0, x1
	msr	tpidr_el0, x2
	msr	tpidrro_el0, x3
	ldp	x1, x2, [x0, #A64_G(A64_CTX_PC)]
	msr	elr_el2, x1
	msr	spsr_el2, x2

	/* guest general purpose registers, x0 last */
	ldp	x1, x2, [x0, #A64_G(1)]
	ldp	x3, x4, [x0, #A64_G(3)]
	ldp	x5, x6, [x0, #A64_G(5)]
	ldp	x7, x8, [x0, #A64_G(7)]
	ldp	x9, x10, [x0, #A64_G(9)]
	ldp	x11, x12, [x0, #A64_G(11)]
	ldp	x13, x14, [x0, #A64_G(13)]
	ldp	x15, x16, [x0, #A64_G(15)]
	ldp	x17, x18, [x0, #A64_G(17)]
	ldp	x19, x20, [x0, #A64_G(19)]
	ldp	x21, x22, [x0, #A64_G(21)]
	ldp	x23, x24, [x0, #A64_G(23)]
	ldp	x25, x26, [x0, #A64_G(25)]
	ldp	x27, x28, [x0, #A64_G(27)]
	ldp	x29, x30, [x0, #A64_G(29)]
	ldr	x0, [x0, #A64_G(0)]
	eret
	/* no speculation past the ERET */
	dsb	nsh
	isb
SYM_FUNC_END(axas_a64_switch)

/* a vector entry: guest x0, x1 onto the stack, x1 = the exit code */
.macro a64_vector code
	.balign	128
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\code
	b	.La64_exit
.endm

/*
 * An exception at EL2 itself while the vectors are loaded is a bug of the
 * switch (DAIF is masked there): stop this CPU rather than run on.
 */
.macro a64_vector_bug
	.balign	128
1:	wfe
	b	1b
.endm

	.balign	2048
SYM_CODE_START(axas_a64_vectors)
	/* current EL with SP_EL0, current EL with SP_EL2 */
	a64_vector_bug
	a64_vector_bug
	a64_vector_bug
	a64_vector_bug
	a64_vector_bug
	a64_vector_bug
	a64_vector_bug
	a64_vector_bug
	/* lower EL, AArch64: the guest */
	a64_vector A64_EXIT_SYNC
	a64_vector A64_EXIT_IRQ
	a64_vector A64_EXIT_FIQ
	a64_vector A64_EXIT_SERROR
	/* lower EL, AArch32: HCR_EL2.RW is set, so never */
	a64_vector A64_EXIT_AARCH32
	a64_vector A64_EXIT_AARCH32
	a64_vector A64_EXIT_AARCH32
	a64_vector A64_EXIT_AARCH32
	.balign	128

.La64_exit:
	/* the stack: guest x0 and x1, then ctx */
	ldr	x0, [sp, #16]
	stp	x2, x3, [x0, #A64_G(2)]
	stp	x4, x5, [x0, #A64_G(4)]
	stp	x6, x7, [x0, #A64_G(6)]
	stp	x8, x9, [x0, #A64_G(8)]
	stp	x10, x11, [x0, #A64_G(10)]
	stp	x12, x13, [x0, #A64_G(12)]
	stp	x14, x15, [x0, #A64_G(14)]
	stp	x16, x17, [x0, #A64_G(16)]
	stp	x18, x19, [x0, #A64_G(18)]
	stp	x20, x21, [x0, #A64_G(20)]
	stp	x22, x23, [x0, #A64_G(22)]
	stp	x24, x25, [x0, #A64_G(24)]
	stp	x26, x27, [x0, #A64_G(26)]
	stp	x28, x29, [x0, #A64_G(28)]
	str	x30, [x0, #A64_G(30)]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #A64_G(0)]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #A64_G(A64_CTX_PC)]

	/* guest SP_EL0 and thread registers out, the host's back */
	mrs	x2, sp_el0
	mrs	x3, tpidr_el0
	mrs	x4, tpidrro_el0
	str	x2, [x0, #A64_G(A64_CTX_SP_EL0)]
	stp	x3, x4, [x0, #A64_G(A64_CTX_TPIDR_EL0)]
	add	x5, x0, #A64_H(0)
	ldr	x2, [x5, #A64_G(A64_CTX_SP_EL0)]
	ldp	x3, x4, [x5, #A64_G(A64_CTX_TPIDR_EL0)]
	msr	sp_el0, x2
	msr	tpidr_el0, x3
	msr	tpidrro_el0, x4

	/* the host file has the guest file's layout: A64_G offsets from x5 */
	ldr	x18, [x5, #A64_G(18)]
	ldp	x19, x20, [x5, #A64_G(19)]
	ldp	x21, x22, [x5, #A64_G(21)]
	ldp	x23, x24, [x5, #A64_G(23)]
	ldp	x25, x26, [x5, #A64_G(25)]
	ldp	x27, x28, [x5, #A64_G(27)]
	ldp	x29, x30, [x5, #A64_G(29)]
	add	sp, sp, #16
	mov	x0, x1
	ret
SYM_CODE_END(axas_a64_vectors)
