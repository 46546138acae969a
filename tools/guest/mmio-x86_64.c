// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 MMIO decoder test (mmio.c's counterpart): the MOV loads and
 * stores the SVM backend decodes, at a test device the VMM emulates. The
 * VMM answers every load with MMIO_ANSWER; the guest checks each result
 * (8- and 16-bit loads keep the register's other bits, 32-bit ones clear
 * the upper half, MOVZX/MOVSX extend), the VMM checks the width and data
 * of each store. Reports a bit mask of the loads that came back wrong.
 *   rdi cpu id, rsi device address
 */
#include "guest.h"

#define MMIO_ANSWER	0x8899aabbccddeeffUL
#define FILL		0x1122334455667788UL

#define LOAD(insn, addr, init) ({					\
	u64 __v = (init);						\
	asm volatile(insn : "+a" (__v) : "b" (addr) : "memory");	\
	__v; })

int main(u64 cpu __attribute__((unused)), u64 dev)
{
	u64 bad = 0, v;
	int i = 0;

	/* stores: 1, 2, 4, 8 bytes; then 4 and 8 from r9 (REX.R) */
	asm volatile("movb %b0, (%1)" : : "a" (0x11UL), "b" (dev) : "memory");
	asm volatile("movw %w0, (%1)" : : "a" (0x2233UL), "b" (dev) : "memory");
	asm volatile("movl %k0, (%1)" : : "a" (0x44556677UL), "b" (dev) : "memory");
	asm volatile("movq %0, (%1)" : : "a" (0x0123456789abcdefUL), "b" (dev) : "memory");
	asm volatile("mov %0, %%r9\n\tmovl %%r9d, (%1)"
		     : : "r" (0x8899aabbUL), "b" (dev) : "r9", "memory");
	asm volatile("mov %0, %%r9\n\tmovq %%r9, (%1)"
		     : : "r" (0xfedcba9876543210UL), "b" (dev) : "r9", "memory");

	/* loads: each result against what the instruction must give */
	v = LOAD("movb (%1), %b0", dev, FILL);
	bad |= (u64)(v != 0x11223344556677ffUL) << i++;
	v = LOAD("movw (%1), %w0", dev, FILL);
	bad |= (u64)(v != 0x112233445566eeffUL) << i++;
	v = LOAD("movl (%1), %k0", dev, FILL);
	bad |= (u64)(v != 0xccddeeffUL) << i++;
	v = LOAD("movq (%1), %0", dev, FILL);
	bad |= (u64)(v != MMIO_ANSWER) << i++;
	v = LOAD("movzbl (%1), %k0", dev, FILL);
	bad |= (u64)(v != 0xffUL) << i++;
	v = LOAD("movzwl (%1), %k0", dev, FILL);
	bad |= (u64)(v != 0xeeffUL) << i++;
	v = LOAD("movsbq (%1), %0", dev, FILL);
	bad |= (u64)(v != ~0UL) << i++;
	v = LOAD("movswq (%1), %0", dev, FILL);
	bad |= (u64)(v != 0xffffffffffffeeffUL) << i++;
	asm volatile("mov %1, %%r10\n\tmovl (%2), %%r10d\n\tmov %%r10, %0"
		     : "=r" (v) : "r" (FILL), "b" (dev) : "r10", "memory");
	bad |= (u64)(v != 0xccddeeffUL) << i++;

	guest_report(REPORT_MMIO, bad, 0, 0);
	guest_puts(bad ? "axas guest: mmio: WRONG loads\n" : "axas guest: mmio: ok\n");
	return 0;
}
