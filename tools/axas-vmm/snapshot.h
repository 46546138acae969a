/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas-vmm: dirty tracking helpers, snapshots of guest RAM (snapshot.c)
 * and the end-to-end test of both with a running guest (dirty.c).
 */
#ifndef AXAS_VMM_SNAPSHOT_H
#define AXAS_VMM_SNAPSHOT_H

#include "vmm.h"

/*
 * A snapshot file (native byte order): a header, the region list as
 * AXAS_IOC_GET_REGIONS gives it, then page records in the order they were
 * saved. A full pass writes every page of every alloc region that is not
 * all zero; an incremental pass appends the pages a dirty bitmap names.
 * Restoring replays the records in order, so the last copy of a page wins.
 */
#define SNAP_MAGIC	0x50414e5353415841ULL	/* "AXASSNAP" */
#define SNAP_VERSION	1

struct snap_header {
	unsigned long long magic;
	unsigned int version;
	unsigned int format;
	unsigned int gpa_bits;
	unsigned int nr_regions;
	unsigned long long base;
	unsigned long long length;
};

struct snap_record {
	unsigned long long gpa;
	unsigned long long pass;	/* 0: the full pass, then 1, 2, ... */
};

int vm_dirty_track(int space, unsigned long gpa, unsigned long len, int on);
int vm_dirty_get(int space, unsigned long gpa, unsigned long len,
		 unsigned long long *bitmap, unsigned int flags);

int snap_save_full(int space, int fd, unsigned long *pages);
int snap_save_dirty(int space, int fd, unsigned long gpa, unsigned long len,
		    const unsigned long long *bitmap, unsigned long long pass,
		    unsigned long *pages);
int snap_restore(int axas, int fd, unsigned long long last_pass,
		 unsigned long *pages);

typedef void (*tap_fn)(int ok, const char *fmt, ...);
void test_dirty(tap_fn tap, int expect_hw, const char *mode);

#endif
