/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_vcpu, riscv64: the world-switch save area, shared by riscv_switch.S
 * and riscv.c. Two register files of RV_CTX_WORDS words each, guest first:
 * word n < 32 holds xn (x0 unused), then sepc and the CSRs the switch swaps.
 * riscv.c checks these offsets against its C view with static_assert().
 */
#ifndef _AXAS_VCPU_RISCV_CTX_H
#define _AXAS_VCPU_RISCV_CTX_H

#define RV_CTX_SEPC		32
#define RV_CTX_SSTATUS		33
#define RV_CTX_HSTATUS		34
#define RV_CTX_SCOUNTEREN	35
#define RV_CTX_STVEC		36
#define RV_CTX_SSCRATCH		37
#define RV_CTX_WORDS		38

/* byte offsets from the start of the save area */
#define RV_G(n)			((n) * 8)
#define RV_H(n)			((RV_CTX_WORDS + (n)) * 8)

#ifndef __ASSEMBLY__
struct rv_ctx;

/* riscv_switch.S */
void axas_rv_switch(struct rv_ctx *ctx);
unsigned long axas_rv_hlvx_hu(unsigned long gpa, unsigned long *cause);
#endif

#endif /* _AXAS_VCPU_RISCV_CTX_H */
