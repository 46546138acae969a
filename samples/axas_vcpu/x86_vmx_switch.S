/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu, x86-64 Intel VMX world switch.
 *
 * int axas_vmx_enter(unsigned long *gpr)
 *
 * Called with interrupts disabled, in VMX root operation, with the vCPU's
 * VMCS current and clear (every entry is a VMLAUNCH: the VMCS is cleared
 * after each exit). Sets the VMCS's host RSP and RIP to this frame and to
 * the instruction after VMLAUNCH, loads the guest's registers from gpr[]
 * (encoding order; RSP lives in the VMCS) and launches the guest. A VM
 * exit lands after VMLAUNCH with RFLAGS = 2; a VMLAUNCH that fails falls
 * through to the same place with CF or ZF set. Either way the registers
 * go back to gpr[] (unchanged guest values after a failure).
 * Returns 0 after a VM exit, 1 when VMLAUNCH or a VMWRITE failed.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

#define G(n)		((n) * 8)
#define VMCS_HOST_RSP	0x6c14
#define VMCS_HOST_RIP	0x6c16

	.text
SYM_FUNC_START(axas_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* gpr, at 0(%rsp) while the guest runs */
	push	%rdi

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lwrite_failed
	lea	.Lvmexit(%rip), %rdx
	mov	$VMCS_HOST_RIP, %eax
	vmwrite	%rdx, %rax
	jbe	.Lwrite_failed

	mov	%rdi, %rax
	mov	G(1)(%rax), %rcx
	mov	G(2)(%rax), %rdx
	mov	G(3)(%rax), %rbx
	mov	G(5)(%rax), %rbp
	mov	G(6)(%rax), %rsi
	mov	G(7)(%rax), %rdi
	mov	G(8)(%rax), %r8
	mov	G(9)(%rax), %r9
	mov	G(10)(%rax), %r10
	mov	G(11)(%rax), %r11
	mov	G(12)(%rax), %r12
	mov	G(13)(%rax), %r13
	mov	G(14)(%rax), %r14
	mov	G(15)(%rax), %r15
	mov	G(0)(%rax), %rax
	vmlaunch
.Lvmexit:
	/* flags from here to setbe: MOV, PUSH and POP leave them alone */
	push	%rax
	mov	8(%rsp), %rax
	mov	%rcx, G(1)(%rax)
	mov	%rdx, G(2)(%rax)
	mov	%rbx, G(3)(%rax)
	mov	%rbp, G(5)(%rax)
	mov	%rsi, G(6)(%rax)
	mov	%rdi, G(7)(%rax)
	mov	%r8, G(8)(%rax)
	mov	%r9, G(9)(%rax)
	mov	%r10, G(10)(%rax)
	mov	%r11, G(11)(%rax)
	mov	%r12, G(12)(%rax)
	mov	%r13, G(13)(%rax)
	mov	%r14, G(14)(%rax)
	mov	%r15, G(15)(%rax)
	popq	G(0)(%rax)
	setbe	%al
	movzbl	%al, %eax
	/* no guest value may steer host speculation */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	jmp	.Lout

.Lwrite_failed:
	mov	$1, %eax
.Lout:
	add	$8, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(axas_vmx_enter)
