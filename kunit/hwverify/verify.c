// SPDX-License-Identifier: GPL-2.0
/*
 * The architecture-neutral half of the hardware verifier: the software walk
 * of the whole table, the software translation of single pages, the
 * sampling of regions and holes for the hardware path, and hwv_verify()
 * itself. What an entry means comes from the reference decoder of
 * kunit/ref_decode.c, the same oracle the engine's suites use (written
 * from the manuals, sharing nothing with axas_npt's codecs): there is no
 * third decoder here. How a table is loaded and how a probe is judged
 * come from the architecture's hwv_arch_*() hooks (kunit/arm64/,
 * kunit/riscv/).
 */
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "kunit/hwverify.h"
#include "kunit/ref_decode.h"

struct hwv_walk {
	const struct hwv_table *t;
	struct axas_npt_ref_geom g;
	const struct hwv_region *regions;
	unsigned int nr;
	struct hwv_report *rep;
	u64 *mapped;		/* bytes mapped per region */
	bool unsafe;		/* a table pointer the hardware must not see */
};

/* Address bits below the entries of @level: 12 for the last level. */
static unsigned int hwv_shift(unsigned int level)
{
	return 12 + 9 * level;
}

unsigned int hwv_index_bits(const struct hwv_table *t, unsigned int level)
{
	if (level != t->levels - 1)
		return 9;
	return t->gpa_bits - hwv_shift(level);
}

/* How the hardware's walk treats @pte at @level, as the reference reads it. */
static enum hwv_pte_kind hwv_kind(const struct axas_npt_ref_entry *e)
{
	switch (e->shape) {
	case AXAS_NPT_REF_NONE:
		return HWV_PTE_NONE;
	case AXAS_NPT_REF_TABLE:
		return HWV_PTE_TABLE;
	case AXAS_NPT_REF_LEAF:
		return HWV_PTE_LEAF;
	default:
		return HWV_PTE_BAD;
	}
}

static int hwv_geom(const struct hwv_table *t, struct axas_npt_ref_geom *g)
{
	return axas_npt_ref_geom_init(g, t->format, t->gpa_bits);
}

/*
 * A leaf (level 0: 4 KiB) at @gpa: the rules of its format, its output,
 * and every bit against the leaf the manuals prescribe for its region.
 */
static void hwv_check_leaf(struct hwv_walk *w, u64 gpa, unsigned int level,
			   u64 pte, const struct axas_npt_ref_entry *e)
{
	struct hwv_report *rep = w->rep;
	u64 size = BIT_ULL(hwv_shift(level));
	u64 pa = e->pa, want, free;
	const struct hwv_region *r;
	int idx;

	rep->sw_leaves++;
	if (e->kind == AXAS_NPT_REF_BAD)
		hwv_sw_fail(rep, "gpa %#llx: leaf %#llx: %s", gpa, pte, e->why);
	if (pa & (size - 1))
		hwv_sw_fail(rep, "gpa %#llx: level-%u leaf output %#llx not aligned to %#llx",
			    gpa, level, pa, size);
	idx = hwv_region_index(w->regions, w->nr, gpa);
	r = idx < 0 ? NULL : &w->regions[idx];
	if (r) {
		want = axas_npt_ref_leaf_pte(&w->g, pa, r->prot, level);
		free = axas_npt_ref_leaf_free_bits(&w->g, r->prot);
		if ((pte ^ want) & ~free)
			hwv_sw_fail(rep, "gpa %#llx: leaf %#llx, manuals: %#llx for prot %#x",
				    gpa, pte, want, r->prot);
	}
	if (!r) {
		hwv_sw_fail(rep, "gpa %#llx: leaf %#llx outside every region",
			    gpa, pte);
		return;
	}
	if (gpa + size > r->gpa + r->size) {
		hwv_sw_fail(rep, "gpa %#llx: %#llx-byte leaf runs past its region's end %#llx",
			    gpa, size, r->gpa + r->size);
		return;
	}
	w->mapped[idx] += size;
	if (pa != r->hpa + (gpa - r->gpa))
		hwv_sw_fail(rep, "gpa %#llx: maps pa %#llx, region says %#llx",
			    gpa, pa, r->hpa + (gpa - r->gpa));
}

static void hwv_walk_table(struct hwv_walk *w, const u64 *table,
			   unsigned int level, u64 base);

/* One entry of a table at @level, covering from @gpa. */
static void hwv_walk_entry(struct hwv_walk *w, u64 pte, unsigned int level,
			   u64 gpa)
{
	struct axas_npt_ref_entry e;
	u64 next;

	axas_npt_ref_decode(&w->g, pte, level, &e);
	switch (hwv_kind(&e)) {
	case HWV_PTE_NONE:
		if (e.kind == AXAS_NPT_REF_BAD)
			hwv_sw_fail(w->rep, "gpa %#llx: %#llx: %s", gpa, pte, e.why);
		return;
	case HWV_PTE_LEAF:
		hwv_check_leaf(w, gpa, level, pte, &e);
		return;
	case HWV_PTE_BAD:
		hwv_sw_fail(w->rep, "gpa %#llx: %#llx is no leaf or table at level %u",
			    gpa, pte, level);
		return;
	case HWV_PTE_TABLE:
		break;
	}
	/* The hardware follows the pointer whatever rule it breaks. */
	if (e.kind == AXAS_NPT_REF_BAD)
		hwv_sw_fail(w->rep, "gpa %#llx: table entry %#llx: %s", gpa, pte, e.why);
	next = e.pa;
	if (!hwv_arch_pa_is_ram(next)) {
		hwv_sw_fail(w->rep, "gpa %#llx: table pointer %#llx leads outside RAM",
			    gpa, pte);
		w->unsafe = true;
		return;
	}
	hwv_walk_table(w, phys_to_virt(next), level - 1, gpa);
}

static void hwv_walk_table(struct hwv_walk *w, const u64 *table,
			   unsigned int level, u64 base)
{
	unsigned int i, n = 1U << hwv_index_bits(w->t, level);

	for (i = 0; i < n; i++)
		hwv_walk_entry(w, READ_ONCE(table[i]), level,
			       base + ((u64)i << hwv_shift(level)));
}

u64 *hwv_lookup(const struct hwv_table *t, u64 gpa, unsigned int *level)
{
	u64 *table = phys_to_virt(hwv_arch_root(t));
	struct axas_npt_ref_geom g;
	struct axas_npt_ref_entry e;
	int l;

	if (gpa >> t->gpa_bits || hwv_geom(t, &g))
		return NULL;
	for (l = t->levels - 1; l >= 0; l--) {
		u64 mask = BIT_ULL(hwv_index_bits(t, l)) - 1;
		u64 *ptep = &table[(gpa >> hwv_shift(l)) & mask];

		axas_npt_ref_decode(&g, READ_ONCE(*ptep), l, &e);
		if (hwv_kind(&e) == HWV_PTE_LEAF) {
			*level = l;
			return ptep;
		}
		if (hwv_kind(&e) != HWV_PTE_TABLE || !hwv_arch_pa_is_ram(e.pa))
			return NULL;
		table = phys_to_virt(e.pa);
	}
	return NULL;
}

u64 *hwv_leaf_ptep(const struct hwv_table *t, u64 gpa)
{
	unsigned int level;

	return hwv_lookup(t, gpa, &level);
}

/* The software translation of @gpa agrees with region @r (NULL: a hole). */
static void hwv_sw_page(const struct hwv_table *t, struct hwv_report *rep,
			u64 gpa, const struct hwv_region *r)
{
	unsigned int level;
	u64 *ptep = hwv_lookup(t, gpa, &level);
	struct axas_npt_ref_geom g;
	struct axas_npt_ref_entry e;
	u64 pa, want;

	rep->sw_pages++;
	if (!r) {
		if (ptep)
			hwv_sw_fail(rep, "gpa %#llx: mapped (%#llx), no region",
				    gpa, *ptep);
		return;
	}
	want = r->hpa + (gpa - r->gpa);
	if (!ptep) {
		hwv_sw_fail(rep, "gpa %#llx: not mapped, region says pa %#llx",
			    gpa, want);
		return;
	}
	if (hwv_geom(t, &g))
		return;
	axas_npt_ref_decode(&g, READ_ONCE(*ptep), level, &e);
	pa = e.pa + (gpa & (BIT_ULL(hwv_shift(level)) - 1));
	if (pa != want)
		hwv_sw_fail(rep, "gpa %#llx: translates to %#llx, want %#llx",
			    gpa, pa, want);
}

/* Each region fully mapped by the walk; its sampled pages in software. */
static void hwv_sw_regions(struct hwv_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		const struct hwv_region *r = &w->regions[i];
		u64 pages = r->size >> 12, p;

		if (w->mapped[i] != r->size)
			hwv_sw_fail(w->rep, "region %u (gpa %#llx): %#llx of %#llx bytes mapped",
				    i, r->gpa, w->mapped[i], r->size);
		for (p = 0; p < pages; p = hwv_next_sample(pages, p))
			hwv_sw_page(w->t, w->rep, r->gpa + (p << 12), r);
	}
}

static void hwv_hw_hole(u64 gpa, void *arg)
{
	struct hwv_hw *hw = arg;

	hwv_sw_page(hw->t, hw->rep, gpa, NULL);
	hwv_arch_hw_hole(hw, gpa);
}

void hwv_hw_probe(struct hwv_hw *hw)
{
	unsigned int i;

	for (i = 0; i < hw->nr; i++) {
		const struct hwv_region *r = &hw->regions[i];
		u64 pages = r->size >> 12, p;

		for (p = 0; p < pages; p = hwv_next_sample(pages, p))
			hwv_arch_hw_page(hw, r->gpa + (p << 12), r);
	}
	hwv_probe_holes(hw->regions, hw->nr, BIT_ULL(hw->t->gpa_bits),
			hwv_hw_hole, hw);
}

/* The hardware path, for a table the software walk found safe to load. */
static int hwv_hw_verify(const struct hwv_walk *w)
{
	struct hwv_hw hw = {
		.t = w->t, .regions = w->regions, .nr = w->nr, .rep = w->rep,
	};

	return hwv_arch_hw_run(&hw);
}

int hwv_verify(const struct hwv_table *t, const struct hwv_region *regions,
	       unsigned int nr, struct hwv_report *rep)
{
	struct hwv_walk w = {
		.t = t, .regions = regions, .nr = nr, .rep = rep,
	};
	bool hw_ok;
	int ret = 0;

	memset(rep, 0, sizeof(*rep));
	if (hwv_arch_absent(t->format))
		return -ENODEV;
	if (!hwv_arch_walks(t->format))
		return -EINVAL;
	if (!hwv_arch_check_shape(t, rep, &hw_ok))
		return 0;
	if (hwv_geom(t, &w.g)) {
		hwv_sw_fail(rep, "format %u with %u bits: no such geometry in the manuals",
			    t->format, t->gpa_bits);
		return 0;
	}
	w.mapped = kcalloc(nr ?: 1, sizeof(*w.mapped), GFP_KERNEL);
	if (!w.mapped)
		return -ENOMEM;

	/* Every pointer is checked before the hardware may follow any. */
	hwv_walk_table(&w, phys_to_virt(hwv_arch_root(t)), t->levels - 1, 0);
	hwv_sw_regions(&w);

	if (hw_ok && !w.unsafe)
		ret = hwv_hw_verify(&w);
	else
		rep->hw_skipped++;
	kfree(w.mapped);
	return ret;
}
