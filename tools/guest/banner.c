// SPDX-License-Identifier: GPL-2.0
/*
 * The banner guest: says hello through the UART, then touches
 * [base, base + mib MiB) one 8-byte word per 4 KiB page with a pattern
 * (gpa ^ seed) and reads every word back. Reports the pages and the ticks
 * of the write pass (first touch: each page is a guest-page fault the
 * hypervisor resolves), prints the result and powers off.
 *   a0 hart id, a1 base, a2 MiB, a3 seed
 */
#include "guest.h"

int main(u64 hart, u64 base, u64 mib, u64 seed)
{
	u64 pages = mib << 8, bad = 0, t0, t1, i;
	volatile u64 *p;

#ifdef __x86_64__
	guest_puts("axas guest: hello from x86-64 guest mode on an axas nested page table (cpu ");
#elif defined(__aarch64__)
	guest_puts("axas guest: hello from EL1 on an axas stage-2 table (cpu ");
#else
	guest_puts("axas guest: hello from VS-mode on an axas G-stage table (hart ");
#endif
	guest_put_dec(hart);
	guest_puts(")\n");

	t0 = guest_time();
	for (i = 0; i < pages; i++) {
		p = (volatile u64 *)(base + (i << 12));
		*p = (u64)p ^ seed;
	}
	t1 = guest_time();
	for (i = 0; i < pages; i++) {
		p = (volatile u64 *)(base + (i << 12));
		if (*p != ((u64)p ^ seed))
			bad++;
	}
	guest_report(REPORT_TOUCH, pages, t1 - t0, bad);
	guest_puts("axas guest: touched ");
	guest_put_dec(mib);
	guest_puts(" MiB at ");
	guest_put_hex(base);
	guest_puts(bad ? ": MISMATCH\n" : ": pattern read back ok\n");
	return 0;
}
