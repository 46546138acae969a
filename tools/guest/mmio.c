// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO decoder test: every load and store width the vCPU decodes,
 * 32-bit and compressed forms, at a test device the VMM emulates. The VMM
 * answers every load with MMIO_ANSWER; the guest checks the sign or zero
 * extension of each result, the VMM checks the width and data of each
 * store. Reports a bit mask of the loads that came back wrong.
 *   a0 hart id, a1 device address
 */
#include "guest.h"

#define MMIO_ANSWER	0x8899aabbccddeeffUL

/* one 32-bit (norvc) load */
#define LOAD32(insn, addr) ({						\
	u64 __v;							\
	asm volatile(".option push\n.option norvc\n"			\
		     insn " %0, 0(%1)\n.option pop"			\
		     : "=r" (__v) : "r" (addr) : "memory");		\
	__v; })

#define STORE32(insn, addr, val)					\
	asm volatile(".option push\n.option norvc\n"			\
		     insn " %0, 0(%1)\n.option pop"			\
		     : : "r" (val), "r" (addr) : "memory")

static u64 c_lw(u64 addr)
{
	register u64 a asm("a5") = addr;
	register u64 v asm("a4");

	asm volatile("c.lw a4, 0(a5)" : "=r" (v) : "r" (a) : "memory");
	return v;
}

static u64 c_ld(u64 addr)
{
	register u64 a asm("a5") = addr;
	register u64 v asm("a4");

	asm volatile("c.ld a4, 0(a5)" : "=r" (v) : "r" (a) : "memory");
	return v;
}

static void c_sw(u64 addr, u64 val)
{
	register u64 a asm("a5") = addr;
	register u64 v asm("a4") = val;

	asm volatile("c.sw a4, 0(a5)" : : "r" (v), "r" (a) : "memory");
}

static void c_sd(u64 addr, u64 val)
{
	register u64 a asm("a5") = addr;
	register u64 v asm("a4") = val;

	asm volatile("c.sd a4, 0(a5)" : : "r" (v), "r" (a) : "memory");
}

int main(u64 hart __attribute__((unused)), u64 dev)
{
	const u64 want[9] = {
		0xffffffffffffffffUL,	/* lb */
		0xffUL,			/* lbu */
		0xffffffffffffeeffUL,	/* lh */
		0xeeffUL,		/* lhu */
		0xffffffffccddeeffUL,	/* lw */
		0xccddeeffUL,		/* lwu */
		MMIO_ANSWER,		/* ld */
		0xffffffffccddeeffUL,	/* c.lw */
		MMIO_ANSWER,		/* c.ld */
	};
	u64 got[9], bad = 0;
	int i;

	got[0] = LOAD32("lb", dev);
	got[1] = LOAD32("lbu", dev);
	got[2] = LOAD32("lh", dev);
	got[3] = LOAD32("lhu", dev);
	got[4] = LOAD32("lw", dev);
	got[5] = LOAD32("lwu", dev);
	got[6] = LOAD32("ld", dev);
	got[7] = c_lw(dev);
	got[8] = c_ld(dev);
	for (i = 0; i < 9; i++)
		if (got[i] != want[i])
			bad |= 1UL << i;

	STORE32("sb", dev, 0x11UL);
	STORE32("sh", dev, 0x2233UL);
	STORE32("sw", dev, 0x44556677UL);
	STORE32("sd", dev, 0x0123456789abcdefUL);
	c_sw(dev, 0x8899aabbUL);
	c_sd(dev, 0xfedcba9876543210UL);
	guest_report(REPORT_MMIO, bad, 0, 0);
	return 0;
}
