/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of every guest: the VMM passes its arguments in a0..a3; set up
 * the stack, call main(a0, a1, a2, a3), then power off through SBI.
 */
	.section .text.start, "ax"
	.globl	_start
_start:
	la	sp, guest_stack_top
	call	main
	call	guest_shutdown
1:	j	1b

	.section .stack, "aw", @progbits
	.balign	16
	.space	8192
	.globl	guest_stack_top
guest_stack_top:
