// SPDX-License-Identifier: GPL-2.0
/*
 * The invalidation probe: reads one page in a tight loop, with no exit,
 * while the VMM (on another hart) UNMAPs it. Each iteration first reads
 * the word the VMM sets once its UNMAP has returned, then the page:
 *  - if the unmap reached this hart's TLB before UNMAP returned, the first
 *    read after the VMM's word is set faults; the hypervisor finds no
 *    region and exits to the VMM as MMIO, which answers PROBE_ANSWER: the
 *    guest saw 0 stale reads;
 *  - if not, the guest goes on reading through its stale TLB entry: the
 *    old data, or whatever the freed page's next owner wrote there. Such
 *    reads are counted (the loop stops at PROBE_ENOUGH of them).
 *   a0 hart id, a1 page read, a2 flag page (word 0: guest ready, word 1:
 *   the VMM's "unmapped"), a3 window in timer ticks
 * Reports PROBE_FAULT or PROBE_STALE: stale reads, the last value read
 * before the answer (or the last stale value), all reads.
 */
#include "guest.h"

#define PROBE_READY	0x52454144590a0a0aUL
#define PROBE_UNMAPPED	0x554e4d4150504544UL
#define PROBE_ANSWER	0x414e535745520a0aUL
#define PROBE_ENOUGH	10000

int main(u64 hart __attribute__((unused)), u64 page, u64 flag, u64 window)
{
	volatile u64 *p = (volatile u64 *)page, *f = (volatile u64 *)flag;
	u64 v, last = *p, n = 0, stale = 0, t0;

	f[0] = PROBE_READY;
	t0 = guest_time();
	for (;;) {
		u64 unmapped = f[1] == PROBE_UNMAPPED;

		v = *p;
		n++;
		if (v == PROBE_ANSWER)
			break;
		last = v;
		if (unmapped && ++stale >= PROBE_ENOUGH)
			break;
		if (!(n & 1023) && guest_time() - t0 > window)
			break;
	}
	guest_report(v == PROBE_ANSWER ? REPORT_PROBE_FAULT : REPORT_PROBE_STALE,
		     stale, last, n);
	return 0;
}
