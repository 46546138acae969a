// SPDX-License-Identifier: GPL-2.0
#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/io.h>
#include <linux/sched.h>

#include "axas_npt/walk.h"

struct axas_npt_walk_data {
	struct axas_npt *npt;
	const struct axas_npt_walker *walker;
	u64 addr;
	u64 end;
};

static int axas_npt_walk_table(struct axas_npt_walk_data *d, u64 *table,
			       unsigned int nr_entries, unsigned int level);

static bool axas_npt_entry_is_table(const struct axas_npt *npt, u64 pte,
				    unsigned int level)
{
	return level && npt->fmt->pte_is_table(pte, level);
}

static int axas_npt_visit_entry(struct axas_npt_walk_data *d, u64 *ptep,
				unsigned int level)
{
	const struct axas_npt_walker *w = d->walker;
	struct axas_npt_visit_ctx ctx = {
		.npt = d->npt,
		.ptep = ptep,
		.old = READ_ONCE(*ptep),
		.addr = d->addr,
		.end = d->end,
		.level = level,
		.arg = w->arg,
	};
	bool table = axas_npt_entry_is_table(d->npt, ctx.old, level);
	u64 size = axas_npt_level_size(level);
	int ret = 0;

	if (table && (w->flags & AXAS_NPT_VISIT_TABLE_PRE))
		ret = w->cb(&ctx, AXAS_NPT_VISIT_TABLE_PRE);
	else if (!table && (w->flags & AXAS_NPT_VISIT_LEAF))
		ret = w->cb(&ctx, AXAS_NPT_VISIT_LEAF);
	if (ret)
		return ret;

	/* The visitor may have installed a table here, or removed one. */
	ctx.old = READ_ONCE(*ptep);
	if (!axas_npt_entry_is_table(d->npt, ctx.old, level)) {
		d->addr = ALIGN_DOWN(d->addr, size) + size;
		return 0;
	}

	ret = axas_npt_walk_table(d, axas_npt_table_va(d->npt, ctx.old, level),
				  AXAS_NPT_PTES_PER_PAGE, level - 1);
	if (ret)
		return ret;
	if (w->flags & AXAS_NPT_VISIT_TABLE_POST)
		ret = w->cb(&ctx, AXAS_NPT_VISIT_TABLE_POST);
	return ret;
}

static int axas_npt_walk_table(struct axas_npt_walk_data *d, u64 *table,
			       unsigned int nr_entries, unsigned int level)
{
	unsigned int idx = (d->addr >> axas_npt_level_shift(level)) &
			   (nr_entries - 1);
	int ret = 0;

	for (; idx < nr_entries && d->addr < d->end; idx++) {
		ret = axas_npt_visit_entry(d, &table[idx], level);
		if (ret)
			break;
	}
	if (!level && (d->walker->flags & AXAS_NPT_WALK_MAY_SLEEP))
		cond_resched();
	return ret;
}

/**
 * axas_npt_walk() - visit every entry covering [@addr, @addr + @size)
 * @npt: the table
 * @addr: first guest-physical address
 * @size: bytes; the range must lie within the table's width
 * @w: the visitor
 *
 * Return: 0, or the first nonzero value a visitor returned.
 */
int axas_npt_walk(struct axas_npt *npt, u64 addr, u64 size, const struct axas_npt_walker *w)
{
	struct axas_npt_walk_data d = {
		.npt = npt,
		.walker = w,
		.addr = addr,
		.end = addr + size,
	};

	if (WARN_ON_ONCE(d.end < addr || d.end > BIT_ULL(npt->gpa_bits)))
		return -EINVAL;
	return axas_npt_walk_table(&d, npt->root, axas_npt_root_entries(npt),
				   npt->levels - 1);
}
