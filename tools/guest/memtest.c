// SPDX-License-Identifier: GPL-2.0
/*
 * The memory-test guest: over [base, base + size), every 8-byte word
 * written with its own address xor a seed, then checked; then the same
 * with the complement. Reports bytes and errors, prints, powers off.
 *   a0 hart id, a1 base, a2 size in bytes, a3 seed
 */
#include "guest.h"

static u64 pass(u64 base, u64 size, u64 seed)
{
	volatile u64 *p, *end = (volatile u64 *)(base + size);
	u64 errors = 0;

	for (p = (volatile u64 *)base; p < end; p++)
		*p = (u64)p ^ seed;
	for (p = (volatile u64 *)base; p < end; p++)
		if (*p != ((u64)p ^ seed))
			errors++;
	return errors;
}

int main(u64 hart __attribute__((unused)), u64 base, u64 size, u64 seed)
{
	u64 errors;

	errors = pass(base, size, seed);
	errors += pass(base, size, ~seed);
	guest_report(REPORT_MEMTEST, size, errors, 0);
	guest_puts("axas guest: memtest of ");
	guest_put_dec(size >> 20);
	guest_puts(" MiB at ");
	guest_put_hex(base);
	guest_puts(errors ? ": ERRORS\n" : ": ok\n");
	return 0;
}
