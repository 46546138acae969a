/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu, arm64: the world-switch save area, shared by arm64_switch.S
 * and arm64.c. Two register files of A64_CTX_WORDS words each, guest
 * first: word n < 31 holds xn, then the registers the switch itself swaps
 * (the host file uses x18..x30 and these). arm64.c checks the offsets
 * against its C view with static_assert().
 */
#ifndef _AXAS_VCPU_ARM64_CTX_H
#define _AXAS_VCPU_ARM64_CTX_H

#define A64_CTX_SP_EL0		31
#define A64_CTX_PC		32	/* ELR_EL2 */
#define A64_CTX_PSTATE		33	/* SPSR_EL2 */
#define A64_CTX_TPIDR_EL0	34
#define A64_CTX_TPIDRRO_EL0	35
#define A64_CTX_WORDS		36

/* byte offsets from the start of the save area */
#define A64_G(n)		((n) * 8)
#define A64_H(n)		((A64_CTX_WORDS + (n)) * 8)

/* what ended the guest's slice: the vector it came back through */
#define A64_EXIT_SYNC		0
#define A64_EXIT_IRQ		1
#define A64_EXIT_FIQ		2
#define A64_EXIT_SERROR		3
#define A64_EXIT_AARCH32	4

#ifndef __ASSEMBLY__
struct a64_ctx;

/* arm64_switch.S */
u64 axas_a64_switch(struct a64_ctx *ctx);
extern char axas_a64_vectors[];
#endif

#endif /* _AXAS_VCPU_ARM64_CTX_H */
