// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-tracking guest: the VMM tracks a window of 64 pages, and the
 * guest writes one word into each page of a known set of them, reads a
 * word of every other page (a read must not make a page dirty), then tells
 * the VMM with an SBI call, which harvests the dirty bitmap and compares
 * it with the set. Then the same with a second set. Pass n stores
 * GUEST_DIRTY_WORD(n, i) at word i of page i, so the VMM can also check
 * the contents (and a snapshot of them) word for word.
 *   a0 hart id, a1 window base (4 KiB aligned), a2 first set, a3 second
 *   set (bit i: the page at base + i * 4096)
 */
#include "guest.h"

#define PAGE_BYTES	4096UL

static void pass(u64 n, u64 base, u64 set)
{
	volatile u64 *word;
	u64 i, sum = 0;

	for (i = 0; i < 64; i++) {
		word = (volatile u64 *)(base + i * PAGE_BYTES) + i;
		if (set >> i & 1)
			*word = GUEST_DIRTY_WORD(n, i);
		else
			sum += *word;
	}
	sbi_call(GUEST_SBI_EXT_DIRTY, n, set, sum, 0);
}

int main(u64 hart __attribute__((unused)), u64 base, u64 set1, u64 set2)
{
	pass(1, base, set1);
	pass(2, base, set2);
	guest_puts("axas guest: dirty: two passes written\n");
	return 0;
}
