// SPDX-License-Identifier: GPL-2.0
/*
 * The invalidation probe: reads one page in a tight loop, with no exit,
 * while the VMM (on another hart) UNMAPs it. Each iteration first reads
 * the word the VMM sets once its UNMAP has returned, then the page:
 *  - if the unmap reached this hart's TLB before UNMAP returned, every
 *    read after the VMM's word is set faults; the hypervisor finds no
 *    region and exits to the VMM as MMIO, which answers with a new value:
 *    the guest saw 0 stale reads;
 *  - if not, the guest goes on reading the old data from its TLB: stale
 *    reads, counted (the loop stops at PROBE_ENOUGH of them).
 *   a0 hart id, a1 page read, a2 flag page (word 0: guest ready, word 1:
 *   the VMM's "unmapped"), a3 window in timer ticks
 */
#include "guest.h"

#define PROBE_READY	0x52454144590a0a0aUL
#define PROBE_UNMAPPED	0x554e4d4150504544UL
#define PROBE_ENOUGH	10000

int main(u64 hart __attribute__((unused)), u64 page, u64 flag, u64 window)
{
	volatile u64 *p = (volatile u64 *)page, *f = (volatile u64 *)flag;
	u64 old = *p, v, n = 0, stale = 0, t0;

	f[0] = PROBE_READY;
	t0 = guest_time();
	for (;;) {
		u64 unmapped = f[1] == PROBE_UNMAPPED;

		v = *p;
		n++;
		if (v != old)
			break;
		if (unmapped && ++stale >= PROBE_ENOUGH)
			break;
		if (!(n & 1023) && guest_time() - t0 > window)
			break;
	}
	guest_report(v != old ? REPORT_PROBE_FAULT : REPORT_PROBE_STALE, stale, v, n);
	return 0;
}
