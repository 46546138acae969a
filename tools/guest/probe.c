// SPDX-License-Identifier: GPL-2.0
/*
 * The invalidation probe: reads one page in a tight loop, with no exit,
 * and watches for the value to change. The VMM (on another hart) UNMAPs
 * the page while the loop runs: once the unmap has reached this hart's
 * TLB the next read faults, the hypervisor finds no region and exits to
 * the VMM as MMIO, which answers with a value that differs. If the window
 * ends first, the guest read the old data all along: stale TLB.
 *   a0 hart id, a1 page read, a2 page the ready flag is written to,
 *   a3 window in timer ticks
 */
#include "guest.h"

#define PROBE_READY	0x52454144590a0a0aUL

int main(u64 hart __attribute__((unused)), u64 page, u64 flag, u64 window)
{
	volatile u64 *p = (volatile u64 *)page;
	u64 old = *p, v = old, n = 0, t0;

	*(volatile u64 *)flag = PROBE_READY;
	t0 = guest_time();
	do {
		v = *p;
		n++;
	} while (v == old && guest_time() - t0 < window);
	if (v != old)
		guest_report(REPORT_PROBE_FAULT, n, v, guest_time() - t0);
	else
		guest_report(REPORT_PROBE_STALE, n, v, guest_time() - t0);
	return 0;
}
