// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO decoder test, arm64: every load and store width the vCPU
 * decodes from the data-abort syndrome (ISV, SAS, SSE, SRT, SF), at a test
 * device the VMM emulates. The VMM answers every load with MMIO_ANSWER;
 * the guest checks the zero or sign extension of each result into W and
 * X registers, the VMM checks the width and data of each store (XZR too).
 * Last, an LDP at the device: a syndrome without ISV, which must exit as
 * an exception (the VMM steps over it). Reports a bit mask of the loads
 * that came back wrong.
 *   x0 cpu id, x1 device address
 */
#include "guest.h"

#define MMIO_ANSWER	0x8899aabbccddeeffUL

#define LOAD(insn, reg, addr) ({					\
	u64 __v;							\
	asm volatile(insn " %" reg "0, [%1]"				\
		     : "=r" (__v) : "r" (addr) : "memory");		\
	__v; })

int main(u64 cpu __attribute__((unused)), u64 dev)
{
	static const u64 want[9] = {
		0xffUL,			/* ldrb w */
		0xffffffffffffffffUL,	/* ldrsb x */
		0xffffffffUL,		/* ldrsb w */
		0xeeffUL,		/* ldrh w */
		0xffffffffffffeeffUL,	/* ldrsh x */
		0xffffeeffUL,		/* ldrsh w */
		0xccddeeffUL,		/* ldr w */
		0xffffffffccddeeffUL,	/* ldrsw x */
		MMIO_ANSWER,		/* ldr x */
	};
	u64 got[9], bad = 0, p0, p1;
	int i;

	/* a W destination: the upper half of the X register must come back 0 */
	got[0] = LOAD("ldrb", "w", dev);
	got[1] = LOAD("ldrsb", "x", dev);
	got[2] = LOAD("ldrsb", "w", dev);
	got[3] = LOAD("ldrh", "w", dev);
	got[4] = LOAD("ldrsh", "x", dev);
	got[5] = LOAD("ldrsh", "w", dev);
	got[6] = LOAD("ldr", "w", dev);
	got[7] = LOAD("ldrsw", "x", dev);
	got[8] = LOAD("ldr", "x", dev);
	for (i = 0; i < 9; i++)
		if (got[i] != want[i])
			bad |= 1UL << i;

	asm volatile("strb %w0, [%1]" : : "r" (0x11UL), "r" (dev) : "memory");
	asm volatile("strh %w0, [%1]" : : "r" (0x2233UL), "r" (dev) : "memory");
	asm volatile("str %w0, [%1]" : : "r" (0x44556677UL), "r" (dev) : "memory");
	asm volatile("str %0, [%1]" : : "r" (0x0123456789abcdefUL), "r" (dev) : "memory");
	asm volatile("stur %w0, [%1]" : : "r" (0xffffffff8899aabbUL), "r" (dev) : "memory");
	asm volatile("str xzr, [%0]" : : "r" (dev) : "memory");
	/* no syndrome for a pair: an exception exit */
	asm volatile("ldp %0, %1, [%2]" : "=r" (p0), "=r" (p1) : "r" (dev) : "memory");
	guest_report(REPORT_MMIO, bad, 0, 0);
	return 0;
}
