/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of every arm64 guest. The VMM enters at the image's first byte at
 * EL1h with DAIF masked and stage 1 off (guest-physical addresses used
 * directly, data accesses Device-nGnRnE: the guests are built with
 * -mstrict-align), the arguments in x0..x3 (main's, by the AAPCS64); set
 * up the stack, call main, then power off with PSCI SYSTEM_OFF over HVC.
 */
	.section .text.start, "ax"
	.globl	_start
_start:
	ldr	x9, =guest_stack_top
	mov	sp, x9
	bl	main
	bl	guest_shutdown
1:	wfi
	b	1b
	.ltorg

	.section .stack, "aw", @progbits
	.balign	16
	.space	8192
	.globl	guest_stack_top
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
