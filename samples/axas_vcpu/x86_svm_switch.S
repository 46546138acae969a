/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu, x86-64 AMD SVM world switch.
 *
 * void axas_svm_enter(u64 vmcb_pa, u64 host_pa, unsigned long *gpr,
 *		       unsigned long irqs)
 *
 * Called with interrupts disabled and GIF clear (clgi). Saves the host's
 * VMSAVE state (FS, GS, TR, LDTR with their hidden parts, KernelGSBase,
 * the SYSCALL and SYSENTER MSRs) to host_pa, loads the guest's from the
 * VMCB, optionally sets IF (irqs != 0: a host interrupt then ends the
 * guest's slice through the INTR intercept, taken by the caller once GIF
 * is set again), loads the guest's registers from gpr[] (encoding order;
 * RAX and RSP live in the VMCB) and runs the guest. After #VMEXIT (host
 * RAX, RSP, RFLAGS, CR0/3/4, EFER, segments come back from the host save
 * area) the guest's registers go back to gpr[], IF is cleared, the
 * guest's VMSAVE state is stored and the host's reloaded. GIF stays clear.
 */
#include <linux/linkage.h>
#include <asm/frame.h>
#include <asm/nospec-branch.h>

#define G(n)	((n) * 8)

	.text
SYM_FUNC_START(axas_svm_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* 16(%rsp) host_pa, 8(%rsp) gpr, 0(%rsp) vmcb_pa */
	push	%rsi
	push	%rdx
	push	%rdi

	mov	%rsi, %rax
	vmsave	%rax
	mov	%rdi, %rax
	vmload	%rax
	test	%rcx, %rcx
	jz	1f
	sti
1:
	mov	8(%rsp), %rax
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
	mov	(%rsp), %rax
	vmrun	%rax
	cli

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
	/* no guest value may steer host speculation */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	mov	(%rsp), %rax
	vmsave	%rax
	mov	16(%rsp), %rax
	vmload	%rax

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(axas_svm_enter)
