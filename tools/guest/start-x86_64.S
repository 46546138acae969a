/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of every x86-64 guest. The VMM enters at the image's first byte in
 * 64-bit mode, with CR3 at guest_pml4 (the image's second page) and the
 * arguments in RDI, RSI, RDX, RCX (main's, by the SysV ABI); set up the
 * stack, call main, then power off with the SRST VMMCALL.
 *
 * The page tables identity-map the low 4 GiB with 1 GiB pages (accessed
 * and dirty preset, so that the guest's walks write nothing).
 */
	.section .text.start, "ax"
	.code64
	.globl	_start
_start:
	movabs	$guest_stack_top, %rsp
	movabs	$main, %rax
	call	*%rax
	movabs	$guest_shutdown, %rax
	call	*%rax
1:	hlt
	jmp	1b

	.balign	4096
	.globl	guest_pml4
guest_pml4:
	.quad	guest_pdpt + 0x23		/* P, RW, A */
	.fill	511, 8, 0
guest_pdpt:
	.quad	0x00000000 + 0xe3		/* P, RW, A, D, PS: 1 GiB */
	.quad	0x40000000 + 0xe3
	.quad	0x80000000 + 0xe3
	.quad	0xc0000000 + 0xe3
	.fill	508, 8, 0

	.section .stack, "aw", @progbits
	.balign	16
	.space	8192
	.globl	guest_stack_top
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
