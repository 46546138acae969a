/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one generic walker of axas_npt. A walk visits every entry that covers
 * [addr, end) from the root down and calls a visitor:
 *   AXAS_NPT_VISIT_TABLE_PRE  on an entry pointing to a table, before descending;
 *   AXAS_NPT_VISIT_LEAF       on a leaf or an empty entry;
 *   AXAS_NPT_VISIT_TABLE_POST on an entry pointing to a table, after its subtree.
 * The entry is re-read after a LEAF or TABLE_PRE visitor returns, so a
 * visitor may install a table (to map below it or to split a huge leaf) and
 * the walk then descends into it.
 *
 * A walk is shared (AXAS_NPT_WALK_SHARED: under RCU, entries may change
 * under it) or exclusive (the owner's lock held for writing). The walker
 * checks this contract at axas_npt_walk_begin(); see npt.h.
 */
#ifndef _AXAS_NPT_WALK_H
#define _AXAS_NPT_WALK_H

#include <linux/align.h>
#include <linux/io.h>

#include "axas_npt/npt.h"

enum axas_npt_visit {
	AXAS_NPT_VISIT_LEAF		= BIT(0),
	AXAS_NPT_VISIT_TABLE_PRE	= BIT(1),
	AXAS_NPT_VISIT_TABLE_POST	= BIT(2),
};

/* Internal walker flag: a shared walk that installs entries (faults). */
#define AXAS_NPT_WALK_INSTALL	BIT(11)
/*
 * Internal walker flag: the visitor may return AXAS_NPT_VISIT_SKIP from a
 * LEAF or TABLE_PRE visit to say it dealt with the entry's whole range (it
 * filled a new last-level table, or took a covered one down): the walk
 * goes on after the entry without descending into it, and counts it as a
 * table's worth of entries for its yields.
 */
#define AXAS_NPT_WALK_SKIPS	BIT(12)
#define AXAS_NPT_VISIT_SKIP	1

/*
 * Entries an exclusive walk visits between two yields: 2 MiB of 4 KiB
 * leaves; and between two looks at whether someone waits for the lock.
 */
#define AXAS_NPT_YIELD_EVERY	AXAS_NPT_PTES_PER_PAGE
#define AXAS_NPT_YIELD_CHECK	16

/**
 * struct axas_npt_visit_ctx - what a visitor sees
 * @npt: the table
 * @ptep: the entry
 * @old: the entry as read before the visitor was called
 * @addr: the walk's current address (the first entry may start below it)
 * @end: end of the walk (exclusive)
 * @level: level of the entry
 * @arg: the walker's argument
 * @gather: the writer's gather, or NULL
 */
struct axas_npt_visit_ctx {
	struct axas_npt *npt;
	u64 *ptep;
	u64 old;
	u64 addr;
	u64 end;
	unsigned int level;
	void *arg;
	struct axas_npt_gather *gather;
};

/**
 * struct axas_npt_walker - a visitor and what it wants to see
 * @cb: the visitor; a nonzero return stops the walk and is returned
 * @arg: passed in &struct axas_npt_visit_ctx.arg
 * @flags: AXAS_NPT_VISIT_* bits and AXAS_NPT_WALK_* bits
 * @gather: a writer's gather: invalidations it holds are done before the
 *	walk yields, and a killable walk records in it where it stopped
 */
struct axas_npt_walker {
	int (*cb)(const struct axas_npt_visit_ctx *ctx, enum axas_npt_visit visit);
	void *arg;
	unsigned int flags;
	struct axas_npt_gather *gather;
};

int axas_npt_walk(struct axas_npt *npt, u64 addr, u64 size, const struct axas_npt_walker *w);
void axas_npt_walk_begin(struct axas_npt *npt, unsigned int flags);
void axas_npt_walk_end(struct axas_npt *npt, unsigned int flags);
void axas_npt_invalidate(struct axas_npt *npt, u64 gpa, u64 size);
u64 axas_npt_read_shared(struct axas_npt *npt, u64 *ptep);
void axas_npt_break_pte(const struct axas_npt_visit_ctx *ctx);
void axas_npt_make_pte(const struct axas_npt_visit_ctx *ctx, u64 pte);
void axas_npt_gather_pending(const struct axas_npt_visit_ctx *ctx);
int axas_npt_split(const struct axas_npt_visit_ctx *ctx);
bool axas_npt_should_yield(struct axas_npt *npt, unsigned int flags, unsigned long count);

static inline u64 *axas_npt_table_va(const struct axas_npt *npt, u64 pte,
				     unsigned int level)
{
	return phys_to_virt(npt->fmt->pte_pa(pte, level));
}

/* The entry covers [ctx_entry_start, ctx_entry_start + size) */
static inline u64 axas_npt_ctx_entry_start(const struct axas_npt_visit_ctx *ctx)
{
	return ALIGN_DOWN(ctx->addr, axas_npt_level_size(ctx->level));
}

/* The walk's range covers the whole entry. */
static inline bool axas_npt_ctx_covers_entry(const struct axas_npt_visit_ctx *ctx)
{
	u64 size = axas_npt_level_size(ctx->level);

	return IS_ALIGNED(ctx->addr, size) && ctx->end - ctx->addr >= size;
}

#endif /* _AXAS_NPT_WALK_H */
