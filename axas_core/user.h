/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_core entry points for callers acting for userspace (the character
 * device). They apply the rules /dev/mem applies to host-physical memory on
 * top of the in-kernel API, whose callers are trusted. Not exported.
 */
#ifndef _AXAS_CORE_USER_H
#define _AXAS_CORE_USER_H

#include <linux/bits.h>
#include <linux/types.h>

struct axas_aspace;

/*
 * Who asks. In-kernel callers pass 0 to the *_caller() functions (or call
 * the exported API, which does): none of the rules below applies to them.
 */
#define AXAS_CALLER_USER	BIT(0)	/* acting for userspace: /dev/mem's rules */
#define AXAS_CALLER_RAWIO	BIT(1)	/* holds the right to host-physical memory */

/* Module parameter allow_ram_linear (read-only after load). */
extern bool axas_allow_ram_linear;

int axas_core_init(void);
void axas_core_exit(void);

void axas_aspace_charge_caller(struct axas_aspace *as);

int axas_linear_host_check(u64 hpa, u64 size, unsigned int caller);
size_t axas_host_span(u64 hpa, size_t len, bool *ram);
bool axas_host_exclusive(u64 hpa, u64 size);
int axas_map_linear_caller(struct axas_aspace *as, u64 gpa, u64 hpa,
			   u64 size, u32 flags, unsigned int caller);
int axas_protect_caller(struct axas_aspace *as, u64 gpa, u64 size, u32 flags,
			unsigned int caller);

#endif /* _AXAS_CORE_USER_H */
