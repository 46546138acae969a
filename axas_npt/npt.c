// SPDX-License-Identifier: GPL-2.0
/*
 * axas_npt: table life cycle and the operations, each a visitor of the one
 * generic walker in walk.c.
 *
 * Invariant: no table page other than the root is ever empty once a writer
 * returns. Unmap reclaims tables it empties. Every writer allocates the
 * table pages it needs before it changes anything, so a failed allocation
 * leaves the table bit for bit as it was and nothing the MMU may have seen
 * needs undoing. A writer that stops on a fatal signal leaves a prefix of
 * its range done (unmap, protect) or undoes itself (map).
 *
 * Break-before-make: splitting a huge leaf and changing the memory type of
 * a leaf go through axas_npt_break_pte() (invalid entry, then the owner's
 * invalidation for that entry's range) and axas_npt_make_pte(). Removing a
 * leaf or lowering its permissions is a single store whose invalidation the
 * caller does before it frees anything; adding permissions or filling an
 * empty entry needs none.
 */
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#if defined(CONFIG_X86_64) && !defined(CONFIG_UML)
#include <asm/pgtable.h>
#include <asm/processor.h>
#endif

#include "axas_npt/npt.h"
#include "axas_npt/fmt.h"
#include "axas_npt/walk.h"
#include <kunit/visibility.h>
#include <trace/events/axas.h>

/* Tables a fault may link: one per level below the root. */
#define AXAS_NPT_CACHE_MAX	(AXAS_NPT_MAX_LEVELS - 1)

/* Pages set aside before a fault walk, which must not allocate. */
struct axas_npt_cache {
	unsigned int nr;
	struct page *pages[AXAS_NPT_CACHE_MAX];
};

static const struct axas_npt_fmt *const axas_npt_fmts[] = {
	[AXAS_FMT_EPT4] = &axas_npt_fmt_ept4,
	[AXAS_FMT_EPT5] = &axas_npt_fmt_ept5,
	[AXAS_FMT_ARM_S2] = &axas_npt_fmt_arm_s2,
	[AXAS_FMT_SV39X4] = &axas_npt_fmt_sv39x4,
	[AXAS_FMT_SV48X4] = &axas_npt_fmt_sv48x4,
	[AXAS_FMT_SV57X4] = &axas_npt_fmt_sv57x4,
	[AXAS_FMT_AMD_NPT4] = &axas_npt_fmt_amd_npt4,
	[AXAS_FMT_AMD_NPT5] = &axas_npt_fmt_amd_npt5,
};

/**
 * axas_npt_fmt_get() - the descriptor of a format
 * @format: AXAS_FMT_* value other than AXAS_FMT_NATIVE
 *
 * Return: the descriptor, or NULL for an unknown format.
 */
const struct axas_npt_fmt *axas_npt_fmt_get(u32 format)
{
	if (format >= ARRAY_SIZE(axas_npt_fmts))
		return NULL;
	return axas_npt_fmts[format];
}

/**
 * axas_npt_native_format() - the host architecture's own format
 *
 * On AMD (and Hygon) x86 hosts the nested walk runs in the host's own
 * paging mode (KVM's get_npt_level()): AMD_NPT5 when the kernel runs with
 * 5-level paging, else AMD_NPT4.
 *
 * Return: AXAS_FMT_ARM_S2 on arm64, AXAS_FMT_SV39X4 on riscv, AMD_NPT4/5 on
 * AMD x86, else EPT4.
 */
u32 axas_npt_native_format(void)
{
	if (IS_ENABLED(CONFIG_ARM64))
		return AXAS_FMT_ARM_S2;
	if (IS_ENABLED(CONFIG_RISCV))
		return AXAS_FMT_SV39X4;
#if defined(CONFIG_X86_64) && !defined(CONFIG_UML)
	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON)
		return pgtable_l5_enabled() ? AXAS_FMT_AMD_NPT5 :
					      AXAS_FMT_AMD_NPT4;
#endif
	return AXAS_FMT_EPT4;
}

/**
 * axas_npt_resolve_format() - resolve NATIVE and a default width, and check them
 * @format: in: AXAS_FMT_*; out: never AXAS_FMT_NATIVE
 * @gpa_bits: in: 0 or a width; out: the width
 *
 * Return: 0, or -EINVAL for an unknown format or a width it cannot use.
 */
int axas_npt_resolve_format(u32 *format, u32 *gpa_bits)
{
	const struct axas_npt_fmt *fmt;
	u32 fmt_id = *format;

	if (fmt_id == AXAS_FMT_NATIVE)
		fmt_id = axas_npt_native_format();
	fmt = axas_npt_fmt_get(fmt_id);
	if (!fmt)
		return -EINVAL;
	if (!*gpa_bits)
		*gpa_bits = fmt->def_gpa_bits;
	if (*gpa_bits < (fmt->min_gpa_bits ?: fmt->def_gpa_bits) ||
	    *gpa_bits > (fmt->max_gpa_bits ?: fmt->def_gpa_bits))
		return -EINVAL;
	*format = fmt_id;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_resolve_format);

/**
 * axas_npt_prot_is_valid() - a leaf can carry these AXAS_MAP_* bits
 * @prot: permission and memory-type bits
 *
 * W without R is reserved (EPT), a misconfiguration (Arm) or reserved
 * (RISC-V); device memory is never executable (as KVM arm64 refuses).
 *
 * Return: true if every format can encode @prot.
 */
bool axas_npt_prot_is_valid(u32 prot)
{
	if (prot & ~AXAS_NPT_PROT_MASK)
		return false;
	if (!(prot & AXAS_NPT_PERM_MASK))
		return false;
	if ((prot & AXAS_MAP_WRITE) && !(prot & AXAS_MAP_READ))
		return false;
	if ((prot & AXAS_MAP_DEVICE) &&
	    (prot & (AXAS_MAP_UNCACHED | AXAS_MAP_EXEC)))
		return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_prot_is_valid);

/**
 * axas_npt_prot_fits() - a leaf of this table can carry these AXAS_MAP_* bits
 * @npt: the table
 * @prot: permission and memory-type bits
 *
 * axas_npt_prot_is_valid(), and READ wherever the format has no unreadable
 * leaf (x86 paging: execute-only is refused).
 *
 * Return: true if @npt's format can encode @prot.
 */
bool axas_npt_prot_fits(const struct axas_npt *npt, u32 prot)
{
	if (!axas_npt_prot_is_valid(prot))
		return false;
	return !npt->fmt->read_implied || (prot & AXAS_MAP_READ);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_prot_fits);

static struct page *axas_npt_alloc(struct axas_npt *npt, unsigned int order)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

	if (npt->ops && npt->ops->alloc)
		return npt->ops->alloc(npt->priv, gfp, order);
	return alloc_pages(gfp, order);
}

static int axas_npt_cache_topup(struct axas_npt *npt, struct axas_npt_cache *c,
				unsigned int want)
{
	if (WARN_ON_ONCE(want > AXAS_NPT_CACHE_MAX))
		return -EINVAL;
	while (c->nr < want) {
		struct page *page = axas_npt_alloc(npt, 0);

		if (!page)
			return -ENOMEM;
		c->pages[c->nr++] = page;
	}
	return 0;
}

static void axas_npt_cache_drain(struct axas_npt_cache *c)
{
	while (c->nr)
		__free_page(c->pages[--c->nr]);
}

static unsigned int axas_npt_levels_for(const struct axas_npt_fmt *fmt,
					unsigned int gpa_bits)
{
	unsigned int levels = 1;

	/* The fewest levels whose root fits in 1 << max_root_order pages. */
	while (axas_npt_level_shift(levels - 1) + AXAS_NPT_LEVEL_BITS +
	       fmt->max_root_order < gpa_bits)
		levels++;
	return levels;
}

/**
 * axas_npt_root_entries() - number of entries of the (possibly multi-page) root
 * @npt: the table
 *
 * Return: entries indexed by the root level.
 */
unsigned int axas_npt_root_entries(const struct axas_npt *npt)
{
	return 1U << (npt->gpa_bits - axas_npt_level_shift(npt->levels - 1));
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_root_entries);

/**
 * axas_npt_init() - create an empty table: just its root, zeroed
 * @npt: the table to initialise
 * @format: AXAS_FMT_* (NATIVE is resolved)
 * @gpa_bits: guest-physical width, 0 for the format's default
 * @ops: the owner's hooks (allocation, invalidation, yield), or NULL
 * @priv: argument of @ops
 *
 * Return: 0, -EINVAL for a bad format or width, -ENOMEM.
 */
int axas_npt_init(struct axas_npt *npt, u32 format, u32 gpa_bits,
		  const struct axas_npt_ops *ops, void *priv)
{
	unsigned int root_bits;
	struct page *root;
	int ret;

	/* table pages are allocator pages: they must be 4 KiB */
	BUILD_BUG_ON(PAGE_SIZE != SZ_4K);
	ret = axas_npt_resolve_format(&format, &gpa_bits);
	if (ret)
		return ret;

	memset(npt, 0, sizeof(*npt));
	npt->fmt = axas_npt_fmt_get(format);
	npt->gpa_bits = gpa_bits;
	npt->levels = axas_npt_levels_for(npt->fmt, gpa_bits);
	npt->ops = ops;
	npt->priv = priv;
	seqcount_init(&npt->bbm.seq);

	root_bits = gpa_bits - axas_npt_level_shift(npt->levels - 1);
	npt->root_order = root_bits > AXAS_NPT_LEVEL_BITS ?
			  root_bits - AXAS_NPT_LEVEL_BITS : 0;

	/* alloc_pages() aligns the root to its size, as every format needs */
	root = axas_npt_alloc(npt, npt->root_order);
	if (!root)
		return -ENOMEM;
	npt->root = page_address(root);
	npt->root_pa = page_to_phys(root);
	atomic_long_set(&npt->table_pages, 1L << npt->root_order);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_init);

/**
 * axas_npt_root_reg() - the register value that loads this table
 * @npt: the table
 *
 * Return: an EPTP (WB, walk length), VTTBR_EL2 (VMID 0) or hgatp (VMID 0).
 */
u64 axas_npt_root_reg(const struct axas_npt *npt)
{
	return npt->fmt->root_reg(npt);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_root_reg);

/* Link a table into an empty entry: no break, nothing to invalidate. */
static void axas_npt_link_table(struct axas_npt *npt, u64 *ptep, struct page *page)
{
	atomic_long_inc(&npt->table_pages);
	/* the zeroed (or filled) table must be visible before the pointer */
	smp_store_release(ptep, npt->fmt->mk_table(page_to_phys(page)));
}

static void axas_npt_decode_leaf(const struct axas_npt_visit_ctx *ctx,
				 struct axas_npt_leaf *leaf)
{
	const struct axas_npt_fmt *fmt = ctx->npt->fmt;

	leaf->gpa = axas_npt_ctx_entry_start(ctx);
	leaf->size = axas_npt_level_size(ctx->level);
	leaf->pa = fmt->pte_pa(ctx->old, ctx->level);
	leaf->prot = fmt->pte_prot(ctx->old);
	leaf->level = ctx->level;
	leaf->pte = ctx->old;
}

static bool axas_npt_range_is_valid(const struct axas_npt *npt, u64 gpa, u64 size)
{
	return size && IS_ALIGNED(gpa, SZ_4K) && IS_ALIGNED(size, SZ_4K) &&
	       gpa + size > gpa && gpa + size <= BIT_ULL(npt->gpa_bits);
}

/* --- destroy ------------------------------------------------------------ */

static int axas_npt_free_visit(const struct axas_npt_visit_ctx *ctx,
			       enum axas_npt_visit visit)
{
	u64 *table = axas_npt_table_va(ctx->npt, ctx->old, ctx->level);

	WRITE_ONCE(*ctx->ptep, 0);
	atomic_long_dec(&ctx->npt->table_pages);
	free_page((unsigned long)table);
	return 0;
}

/**
 * axas_npt_destroy() - free every table page, the root included
 * @npt: the table; nobody may walk it any more (an exclusive walk: the
 *	owner's write lock, if it declared one, is held)
 *
 * Data pages the leaves point to are the caller's. Reschedules as it goes.
 */
void axas_npt_destroy(struct axas_npt *npt)
{
	const struct axas_npt_walker w = {
		.cb = axas_npt_free_visit,
		.flags = AXAS_NPT_VISIT_TABLE_POST,
	};

	if (!npt->root)
		return;
	axas_npt_walk(npt, 0, BIT_ULL(npt->gpa_bits), &w);
	atomic_long_sub(1L << npt->root_order, &npt->table_pages);
	WARN_ON_ONCE(atomic_long_read(&npt->table_pages));
	free_pages((unsigned long)npt->root, npt->root_order);
	npt->root = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_destroy);

/* --- query and iteration ------------------------------------------------ */

struct axas_npt_leaf_walk {
	axas_npt_leaf_fn fn;
	void *arg;
};

static int axas_npt_leaf_visit(const struct axas_npt_visit_ctx *ctx,
			       enum axas_npt_visit visit)
{
	struct axas_npt_leaf_walk *lw = ctx->arg;
	struct axas_npt_leaf leaf;

	if (!ctx->npt->fmt->pte_is_present(ctx->old))
		return 0;
	axas_npt_decode_leaf(ctx, &leaf);
	return lw->fn(&leaf, lw->arg);
}

/**
 * axas_npt_visit_leaves() - call @fn for every present leaf overlapping a range
 * @npt: the table
 * @gpa: first guest-physical address
 * @size: bytes
 * @fn: callback; a nonzero return stops the walk and is returned
 * @arg: its argument
 * @flags: %AXAS_NPT_WALK_SHARED: against concurrent writers, under RCU
 *	(@fn must not sleep; the caller holds RCU or the owner's lock).
 *	Otherwise exclusive: the owner's write lock is held, the walk
 *	reschedules as it goes and with %AXAS_NPT_WALK_KILLABLE stops on a
 *	fatal signal.
 *
 * Return: 0, -EINVAL for a range outside the table or bad @flags, -EINTR,
 * or what @fn returned.
 */
int axas_npt_visit_leaves(struct axas_npt *npt, u64 gpa, u64 size, axas_npt_leaf_fn fn,
			  void *arg, unsigned int flags)
{
	struct axas_npt_leaf_walk lw = { .fn = fn, .arg = arg };
	const struct axas_npt_walker w = {
		.cb = axas_npt_leaf_visit,
		.arg = &lw,
		.flags = AXAS_NPT_VISIT_LEAF | flags,
	};

	if (flags & ~(AXAS_NPT_WALK_SHARED | AXAS_NPT_WALK_KILLABLE))
		return -EINVAL;
	if (!size || gpa + size < gpa || gpa + size > BIT_ULL(npt->gpa_bits))
		return -EINVAL;
	return axas_npt_walk(npt, gpa, size, &w);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_visit_leaves);

/**
 * axas_npt_query() - the leaf mapping a guest-physical address
 * @npt: the table
 * @gpa: any guest-physical address within the table's width
 * @leaf: out: the leaf (its first gpa, output address, size, prot, level)
 *
 * A shared walk: the caller is in an RCU read-side section or holds the
 * owner's lock, or the leaf may describe pages already freed (lockdep
 * builds check it). Never sees a half-made entry: during a break it reads
 * the entry being replaced.
 *
 * Return: 0, -ENOENT if nothing maps @gpa, -EINVAL if @gpa is too wide.
 */
int axas_npt_query(struct axas_npt *npt, u64 gpa, struct axas_npt_leaf *leaf)
{
	/* No visitor: the iterator of iter.c. */
	return axas_npt_lookup(npt, gpa, leaf);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_query);

struct axas_npt_table_walk {
	axas_npt_table_fn fn;
	void *arg;
};

static int axas_npt_table_visit(const struct axas_npt_visit_ctx *ctx,
				enum axas_npt_visit visit)
{
	struct axas_npt_table_walk *tw = ctx->arg;
	u64 pa = ctx->npt->fmt->pte_pa(ctx->old, ctx->level);

	return tw->fn(pa, phys_to_virt(pa), tw->arg);
}

/**
 * axas_npt_visit_tables() - call @fn once for every page of the table
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @fn: callback with the page's physical address and contents; a nonzero
 *	return stops the walk and is returned
 * @arg: its argument
 *
 * The root comes first, one call per 4 KiB page of it, then the other
 * tables in walk order. Reschedules as it goes; stops on a fatal signal.
 *
 * Return: 0, -EINTR, or what @fn returned.
 */
int axas_npt_visit_tables(struct axas_npt *npt, axas_npt_table_fn fn, void *arg)
{
	struct axas_npt_table_walk tw = { .fn = fn, .arg = arg };
	const struct axas_npt_walker w = {
		.cb = axas_npt_table_visit,
		.arg = &tw,
		.flags = AXAS_NPT_VISIT_TABLE_PRE | AXAS_NPT_WALK_KILLABLE,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < (1U << npt->root_order); i++) {
		ret = fn(npt->root_pa + i * SZ_4K,
			 (u8 *)npt->root + i * SZ_4K, arg);
		if (ret)
			return ret;
	}
	return axas_npt_walk(npt, 0, BIT_ULL(npt->gpa_bits), &w);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_visit_tables);

/* --- map ---------------------------------------------------------------- */

struct axas_npt_map_args {
	u64 gpa;
	u64 pa;
	axas_npt_pa_fn pa_of;	/* if set, the output of each 4 KiB page */
	axas_npt_contig_fn contig;	/* with pa_of: may a block be one leaf? */
	void *pa_arg;
	u32 prot;
	unsigned int flags;
	unsigned long need;	/* table pages the map will link */
	struct list_head pages;	/* ... allocated before anything changes */
};

static u64 axas_npt_map_pa(const struct axas_npt_map_args *m, u64 gpa)
{
	if (m->pa_of)
		return m->pa_of(m->pa_arg, gpa);
	return m->pa + (gpa - m->gpa);
}

/* [@addr, @end) within one entry at @level is mapped by a leaf there. */
static bool axas_npt_map_fits(const struct axas_npt_map_args *m, u64 addr, u64 end,
			      unsigned int level)
{
	u64 size = axas_npt_level_size(level);

	if (level > AXAS_NPT_MAX_LEAF_LEVEL)
		return false;
	if (!level)
		return true;	/* the walk never splits a 4 KiB page */
	if (m->flags & AXAS_NPT_MAP_NOHUGE)
		return false;
	if (!IS_ALIGNED(addr, size) || end - addr < size)
		return false;
	if (m->contig && !m->contig(m->pa_arg, addr, size))
		return false;
	return IS_ALIGNED(axas_npt_map_pa(m, addr), size);
}

/* Table pages that mapping [@addr, @end) below an empty entry links. */
static unsigned long axas_npt_map_need(const struct axas_npt_map_args *m, u64 addr,
				       u64 end, unsigned int level)
{
	unsigned long need = 1;
	u64 child, next;

	if (axas_npt_map_fits(m, addr, end, level))
		return 0;
	child = axas_npt_level_size(level - 1);
	/* Below 2 MiB every child is a leaf: count them in one step. */
	if (level == 1)
		return need;
	for (; addr < end; addr = next) {
		next = min(ALIGN_DOWN(addr, child) + child, end);
		need += axas_npt_map_need(m, addr, next, level - 1);
	}
	return need;
}

/* The range must be empty; count the tables the map walk will link. */
static int axas_npt_map_count_visit(const struct axas_npt_visit_ctx *ctx,
				    enum axas_npt_visit visit)
{
	struct axas_npt_map_args *m = ctx->arg;
	u64 end = axas_npt_ctx_entry_start(ctx) + axas_npt_level_size(ctx->level);

	if (ctx->npt->fmt->pte_is_present(ctx->old))
		return -EEXIST;
	m->need += axas_npt_map_need(m, ctx->addr, min(end, ctx->end), ctx->level);
	return 0;
}

/*
 * Every format keeps the output address of a 4 KiB leaf in one field of
 * its own, so consecutive pages differ by a constant: encode the first two
 * and add. The last entry is encoded in full too and compared, so that a
 * format for which this does not hold is filled entry by entry instead.
 */
static bool axas_npt_map_fill_linear(const struct axas_npt_fmt *fmt,
				     const struct axas_npt_map_args *m,
				     u64 addr, u64 end, u64 *ptes)
{
	u64 pa = axas_npt_map_pa(m, addr);
	u64 first = fmt->mk_leaf(pa, m->prot, 0);
	u64 step = fmt->mk_leaf(pa + SZ_4K, m->prot, 0) - first;
	unsigned int i, n = (end - addr) >> AXAS_NPT_PAGE_SHIFT;

	if (n < 2)
		return false;
	for (i = 0; i < n; i++)
		ptes[i] = first + i * step;
	return ptes[n - 1] == fmt->mk_leaf(pa + (u64)(n - 1) * SZ_4K, m->prot, 0);
}

/*
 * A new last-level table gets all its leaves in [@ctx->addr, @ctx->end) in
 * one pass before it is linked (nobody can see it yet), instead of one
 * visit per entry after.
 */
static void axas_npt_map_fill(const struct axas_npt_visit_ctx *ctx,
			      const struct axas_npt_map_args *m, u64 *table)
{
	const struct axas_npt_fmt *fmt = ctx->npt->fmt;
	u64 end = axas_npt_ctx_entry_start(ctx) + axas_npt_level_size(1);
	unsigned int i = (ctx->addr >> AXAS_NPT_PAGE_SHIFT) &
			 (AXAS_NPT_PTES_PER_PAGE - 1);
	u64 gpa;

	end = min(end, ctx->end);
	if (!m->pa_of && axas_npt_map_fill_linear(fmt, m, ctx->addr, end, &table[i]))
		return;
	for (gpa = ctx->addr; gpa < end; gpa += SZ_4K, i++)
		table[i] = fmt->mk_leaf(axas_npt_map_pa(m, gpa), m->prot, 0);
}

static int axas_npt_map_visit(const struct axas_npt_visit_ctx *ctx,
			      enum axas_npt_visit visit)
{
	struct axas_npt_map_args *m = ctx->arg;
	struct axas_npt *npt = ctx->npt;
	struct page *page;

	if (WARN_ON_ONCE(npt->fmt->pte_is_present(ctx->old)))
		return -EEXIST;
	if (axas_npt_map_fits(m, ctx->addr, ctx->end, ctx->level)) {
		/* An empty entry: no break, nothing to invalidate. */
		WRITE_ONCE(*ctx->ptep,
			   npt->fmt->mk_leaf(axas_npt_map_pa(m, ctx->addr), m->prot,
					     ctx->level));
		return 0;
	}
	page = list_first_entry_or_null(&m->pages, struct page, lru);
	if (WARN_ON_ONCE(!ctx->level || !page))
		return -EINVAL;
	list_del(&page->lru);
	if (ctx->level == 1) {
		axas_npt_map_fill(ctx, m, page_address(page));
		axas_npt_link_table(npt, ctx->ptep, page);
		return AXAS_NPT_VISIT_SKIP;
	}
	axas_npt_link_table(npt, ctx->ptep, page);
	return 0;
}

static int axas_npt_unmap_walk(struct axas_npt *npt, u64 gpa, u64 size,
			       struct axas_npt_gather *g);

/*
 * A map stopped by a fatal signal takes back what it wrote below
 * @g->stopped_at. The leaves were live (the hardware may have used them),
 * so they are invalidated before the tables go and before the caller frees
 * the pages they pointed to.
 */
static void axas_npt_map_undo(struct axas_npt *npt, u64 gpa, struct axas_npt_gather *g)
{
	u64 done = g->stopped_at - gpa;

	g->flags &= ~AXAS_NPT_WALK_KILLABLE;
	if (done)
		WARN_ON_ONCE(axas_npt_unmap_walk(npt, gpa, done, g));
	if (g->need_inv)
		axas_npt_invalidate(npt, gpa, done);
	axas_npt_free_tables(g);
}

/*
 * Every table page comes first: once the walk links a table or writes a
 * leaf, the MMU may cache it, and undoing that would need the caller's TLB
 * invalidation before the tables could be freed.
 */
static int axas_npt_map_range(struct axas_npt *npt, struct axas_npt_map_args *m, u64 gpa,
			      u64 size)
{
	unsigned int wflags = m->flags & (AXAS_NPT_WALK_YIELD | AXAS_NPT_WALK_KILLABLE);
	struct axas_npt_gather g;
	const struct axas_npt_walker count_w = {
		.cb = axas_npt_map_count_visit,
		.arg = m,
		.flags = AXAS_NPT_VISIT_LEAF | wflags,
		.gather = &g,
	};
	const struct axas_npt_walker w = {
		.cb = axas_npt_map_visit,
		.arg = m,
		.flags = AXAS_NPT_VISIT_LEAF | AXAS_NPT_WALK_SKIPS | wflags,
		.gather = &g,
	};
	struct page *page, *next;
	unsigned long i;
	int ret;

	axas_npt_gather_init(&g);
	g.flags = wflags;
	INIT_LIST_HEAD(&m->pages);
	ret = axas_npt_walk(npt, gpa, size, &count_w);
	for (i = 0; !ret && i < m->need; i++) {
		page = axas_npt_alloc(npt, 0);
		if (!page)
			ret = -ENOMEM;
		else
			list_add(&page->lru, &m->pages);
		if (!ret && (wflags & AXAS_NPT_WALK_KILLABLE) &&
		    fatal_signal_pending(current))
			ret = -EINTR;
		/* Nothing changed yet: others may come in as they would mid-walk. */
		if (!ret && axas_npt_should_yield(npt, wflags, i + 1))
			npt->ops->yield(npt->priv);
	}
	if (!ret) {
		ret = axas_npt_walk(npt, gpa, size, &w);
		if (ret == -EINTR)
			axas_npt_map_undo(npt, gpa, &g);
	}
	WARN_ON_ONCE(ret && ret != -EEXIST && ret != -ENOMEM && ret != -EINTR);
	list_for_each_entry_safe(page, next, &m->pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	return ret;
}

#define AXAS_NPT_MAP_FLAGS	(AXAS_NPT_MAP_NOHUGE | AXAS_NPT_WALK_YIELD | \
				 AXAS_NPT_WALK_KILLABLE)

/**
 * axas_npt_map() - map [@gpa, @gpa + @size) to [@pa, @pa + @size)
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @pa: first output address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned, nonzero
 * @prot: AXAS_MAP_* permission and memory-type bits
 * @flags: %AXAS_NPT_MAP_NOHUGE for 4 KiB leaves only;
 *	%AXAS_NPT_WALK_YIELD to let the owner drop its lock every 2 MiB;
 *	%AXAS_NPT_WALK_KILLABLE to give up on a fatal signal
 *
 * Uses the largest leaf (4 KiB, 2 MiB, 1 GiB) that the alignment of both
 * addresses allows. The table pages are allocated before anything is
 * linked: on failure the table is exactly as it was. A map stopped by a
 * fatal signal removes what it mapped and invalidates it before returning.
 *
 * Return: 0, -EINVAL for bad arguments, -EEXIST if part of the range is
 * mapped already, -ENOMEM, -EINTR.
 */
int axas_npt_map(struct axas_npt *npt, u64 gpa, u64 pa, u64 size, u32 prot,
		 unsigned int flags)
{
	struct axas_npt_map_args m = {
		.gpa = gpa, .pa = pa, .prot = prot, .flags = flags,
	};

	if (!axas_npt_range_is_valid(npt, gpa, size) || !IS_ALIGNED(pa, SZ_4K) ||
	    !axas_npt_prot_fits(npt, prot) || (flags & ~AXAS_NPT_MAP_FLAGS) ||
	    pa + size < pa || pa + size > BIT_ULL(npt->fmt->max_pa_bits))
		return -EINVAL;
	return axas_npt_map_range(npt, &m, gpa, size);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_map);

/**
 * axas_npt_map_each() - map [@gpa, @gpa + @size) page by page to scattered pages
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned, nonzero
 * @prot: AXAS_MAP_* permission and memory-type bits
 * @pa_of: returns the 4 KiB aligned output address of a page; called once
 *	per page, in ascending order, only after every table page was
 *	allocated (so it is never called when the map fails for lack of memory)
 * @arg: argument of @pa_of
 * @flags: %AXAS_NPT_WALK_YIELD and %AXAS_NPT_WALK_KILLABLE as for axas_npt_map()
 *
 * Like axas_npt_map() with 4 KiB leaves, for pages that are not contiguous (the
 * populate of an alloc region).
 *
 * Return: 0, -EINVAL, -EEXIST, -ENOMEM or -EINTR, with the table unchanged
 * (and invalidated if it ever held a leaf) on error.
 */
int axas_npt_map_each(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		      axas_npt_pa_fn pa_of, void *arg, unsigned int flags)
{
	struct axas_npt_map_args m = {
		.gpa = gpa, .pa_of = pa_of, .pa_arg = arg, .prot = prot,
		.flags = AXAS_NPT_MAP_NOHUGE | flags,
	};

	if (!axas_npt_range_is_valid(npt, gpa, size) || !axas_npt_prot_fits(npt, prot) ||
	    (flags & ~AXAS_NPT_MAP_FLAGS))
		return -EINVAL;
	return axas_npt_map_range(npt, &m, gpa, size);
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_map_each);

/**
 * axas_npt_map_pages() - map [@gpa, @gpa + @size) to pages found by lookup
 * @npt: the table (writers excluded)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned, nonzero
 * @prot: AXAS_MAP_* permission and memory-type bits
 * @pa_of: the 4 KiB aligned output address of the page at a gpa; unlike
 *	axas_npt_map_each() it may be called any number of times, in any order
 * @contig: whether the block [gpa, gpa + size) (2 MiB or 1 GiB, aligned)
 *	is one physically contiguous run starting at pa_of(gpa)
 * @arg: argument of @pa_of and @contig
 * @flags: %AXAS_NPT_WALK_YIELD, %AXAS_NPT_WALK_KILLABLE as for axas_npt_map()
 *
 * Uses a 2 MiB or 1 GiB leaf for every aligned block that @contig accepts
 * and whose output is aligned alike, 4 KiB leaves elsewhere (pinned user
 * memory, huge alloc pages). Tables come first, as in axas_npt_map().
 *
 * Return: 0, -EINVAL, -EEXIST, -ENOMEM or -EINTR, with the table unchanged
 * on error.
 */
int axas_npt_map_pages(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		       axas_npt_pa_fn pa_of, axas_npt_contig_fn contig,
		       void *arg, unsigned int flags)
{
	struct axas_npt_map_args m = {
		.gpa = gpa, .pa_of = pa_of, .contig = contig, .pa_arg = arg,
		.prot = prot, .flags = flags,
	};

	if (!axas_npt_range_is_valid(npt, gpa, size) ||
	    !axas_npt_prot_fits(npt, prot) || !contig ||
	    (flags & ~AXAS_NPT_MAP_FLAGS))
		return -EINVAL;
	return axas_npt_map_range(npt, &m, gpa, size);
}

/* --- the lazy fault path: one page, concurrent with itself -------------- */

struct axas_npt_probe {
	unsigned int level;
	u64 pte;
};

static int axas_npt_probe_visit(const struct axas_npt_visit_ctx *ctx,
				enum axas_npt_visit visit)
{
	struct axas_npt_probe *p = ctx->arg;

	p->level = ctx->level;
	p->pte = ctx->old;
	return 0;
}

/* The entry (leaf or empty) that holds @gpa, and its level. */
static int axas_npt_probe(struct axas_npt *npt, u64 gpa, unsigned int flags,
			  struct axas_npt_probe *probe)
{
	const struct axas_npt_walker w = {
		.cb = axas_npt_probe_visit,
		.arg = probe,
		.flags = AXAS_NPT_VISIT_LEAF | flags,
	};

	return axas_npt_walk(npt, ALIGN_DOWN(gpa, SZ_4K), SZ_4K, &w);
}

struct axas_npt_page_args {
	u64 leaf;
	unsigned int level;
	struct axas_npt_cache *cache;
};

static int axas_npt_map_page_visit(const struct axas_npt_visit_ctx *ctx,
				   enum axas_npt_visit visit)
{
	struct axas_npt_page_args *a = ctx->arg;
	struct axas_npt *npt = ctx->npt;
	struct page *page;
	u64 table;

	/* Only empty entries are filled: no break, no invalidation. */
	if (ctx->level == a->level)
		return cmpxchg(ctx->ptep, 0, a->leaf) ? -EEXIST : 0;
	if (npt->fmt->pte_is_present(ctx->old))
		return -EEXIST;		/* a huge leaf */
	if (ctx->level < a->level)
		return -EEXIST;		/* smaller leaves below: raced a fault */
	if (!a->cache->nr)
		return -EAGAIN;		/* a writer came and went? count again */

	page = a->cache->pages[a->cache->nr - 1];
	table = npt->fmt->mk_table(page_to_phys(page));
	/* cmpxchg orders the zeroed page before the pointer */
	if (!cmpxchg(ctx->ptep, 0, table)) {
		a->cache->nr--;
		atomic_long_inc(&npt->table_pages);
		return 0;
	}
	/* Lost a race: descend into the winner's table, if it is one. */
	return npt->fmt->pte_is_table(axas_npt_read_pte(ctx->ptep), ctx->level) ?
	       0 : -EEXIST;
}

/**
 * axas_npt_map_leaf() - install one leaf of a level, racing other such calls
 * @npt: the table (a shared walk that installs: the owner's lock is held in
 *	either mode, so map/unmap/protect are excluded; other
 *	axas_npt_map_leaf() calls, axas_npt_query() and lockless readers
 *	allowed)
 * @gpa: guest-physical address, aligned to the leaf's size
 * @pa: output address, aligned to the leaf's size
 * @prot: AXAS_MAP_* bits
 * @level: 0 for a 4 KiB leaf, 1 for 2 MiB, 2 for 1 GiB
 *
 * The tables the path lacks are allocated before anything is linked, so a
 * failure changes nothing. Tables and the leaf are published with cmpxchg:
 * of two racing calls for one entry exactly one succeeds. The entry must be
 * empty: a table below it (pages mapped by smaller leaves) is -EEXIST too.
 *
 * Return: 0, -EEXIST if the entry is in use (a leaf, a bigger leaf or a
 * table), -EINVAL for bad arguments, -ENOMEM.
 */
int axas_npt_map_leaf(struct axas_npt *npt, u64 gpa, u64 pa, u32 prot,
		      unsigned int level)
{
	const unsigned int flags = AXAS_NPT_WALK_SHARED | AXAS_NPT_WALK_INSTALL;
	struct axas_npt_cache cache = { 0 };
	struct axas_npt_page_args a = { .cache = &cache, .level = level };
	u64 size = axas_npt_level_size(level);
	struct axas_npt_iter it;
	const struct axas_npt_walker map_w = {
		.cb = axas_npt_map_page_visit,
		.arg = &a,
		.flags = AXAS_NPT_VISIT_LEAF | flags,
	};
	int ret;

	if (level > AXAS_NPT_MAX_LEAF_LEVEL ||
	    !axas_npt_range_is_valid(npt, gpa, size) ||
	    !IS_ALIGNED(gpa, size) || !IS_ALIGNED(pa, size) ||
	    !axas_npt_prot_fits(npt, prot) ||
	    pa + size > BIT_ULL(npt->fmt->max_pa_bits))
		return -EINVAL;
	a.leaf = npt->fmt->mk_leaf(pa, prot, level);

	do {
		/*
		 * One descent by iteration. Where the path is there already
		 * (every fault but the first in a table's span) the entry is
		 * filled at once; else the missing tables are counted from
		 * the level it stopped at and the walk links them.
		 */
		axas_npt_walk_begin(npt, flags);
		axas_npt_iter_descend(&it, npt, gpa);
		if (npt->fmt->pte_is_present(it.pte) || it.level < level)
			ret = -EEXIST;
		else if (it.level == level)
			ret = cmpxchg(it.ptep, 0, a.leaf) ? -EEXIST : 0;
		else
			ret = -EAGAIN;
		axas_npt_walk_end(npt, flags);
		if (ret != -EAGAIN)
			break;
		ret = axas_npt_cache_topup(npt, &cache, it.level - level);
		if (ret)
			break;
		ret = axas_npt_walk(npt, gpa, SZ_4K, &map_w);
	} while (ret == -EAGAIN);

	axas_npt_cache_drain(&cache);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_map_page);

/**
 * axas_npt_map_page() - install one 4 KiB leaf, racing other axas_npt_map_page() calls
 * @npt: the table (map/unmap/protect excluded; other axas_npt_map_page() calls,
 *	axas_npt_query() and lockless readers allowed)
 * @gpa: guest-physical address, 4 KiB aligned
 * @pa: output address, 4 KiB aligned
 * @prot: AXAS_MAP_* bits
 *
 * axas_npt_map_leaf() at level 0.
 *
 * Return: 0, -EEXIST if the page is mapped already (or by a huge leaf),
 * -EINVAL for bad arguments, -ENOMEM.
 */
int axas_npt_map_page(struct axas_npt *npt, u64 gpa, u64 pa, u32 prot)
{
	return axas_npt_map_leaf(npt, gpa, pa, prot, 0);
}

/**
 * axas_npt_probe_level() - the level at which a lookup of @gpa ends empty
 * @npt: the table (a shared walk: the owner's lock or RCU held)
 * @gpa: guest-physical address within the table's width
 *
 * Return: the level of the empty entry the walk for @gpa reached (0: a
 * last-level table exists; 1: the 2 MiB entry is empty, ...), -EEXIST if a
 * leaf maps @gpa, -EINVAL if @gpa is too wide.
 */
int axas_npt_probe_level(struct axas_npt *npt, u64 gpa)
{
	struct axas_npt_probe probe;
	int ret;

	if (!axas_npt_range_is_valid(npt, ALIGN_DOWN(gpa, SZ_4K), SZ_4K))
		return -EINVAL;
	ret = axas_npt_probe(npt, ALIGN_DOWN(gpa, SZ_4K), AXAS_NPT_WALK_SHARED,
			     &probe);
	if (ret)
		return ret;
	return npt->fmt->pte_is_present(probe.pte) ? -EEXIST : probe.level;
}

/* --- unmap and protect: splits come from pages set aside beforehand ----- */

/*
 * Replace a huge leaf by a table of equal leaves: break (the leaf becomes
 * invalid and its range is invalidated), then make (the filled table), from
 * a page of @ctx->gather's @split or @spare. The
 * Arm ARM forbids changing the block size of a live entry in one store
 * (TLB conflict aborts); on x86 it is the iTLB-multihit hazard.
 */
int axas_npt_split(const struct axas_npt_visit_ctx *ctx)
{
	const struct axas_npt_fmt *fmt = ctx->npt->fmt;
	struct axas_npt_gather *g = ctx->gather;
	u64 pa = fmt->pte_pa(ctx->old, ctx->level);
	u32 prot = fmt->pte_prot(ctx->old);
	u64 step = axas_npt_level_size(ctx->level - 1);
	struct page *page;
	u64 *table;
	int i;

	if (g && g->nr_split) {
		page = g->split[--g->nr_split];
	} else if (g && !list_empty(&g->spare)) {
		page = list_first_entry(&g->spare, struct page, lru);
		list_del(&page->lru);
	} else {
		WARN_ON_ONCE(1);
		return -ENOMEM;
	}
	table = page_address(page);
	for (i = 0; i < AXAS_NPT_PTES_PER_PAGE; i++)
		table[i] = fmt->mk_leaf(pa + i * step, prot, ctx->level - 1);

	axas_npt_break_pte(ctx);
	atomic_long_inc(&ctx->npt->table_pages);
	axas_npt_make_pte(ctx, fmt->mk_table(page_to_phys(page)));
	trace_axas_split(ctx);
	return 0;
}

/* Tables needed to split the leaf that a boundary @addr cuts, if any. */
static unsigned int axas_npt_split_need(struct axas_npt *npt, u64 addr, u64 probe)
{
	struct axas_npt_probe p;

	if (axas_npt_probe(npt, probe, 0, &p) || !npt->fmt->pte_is_present(p.pte))
		return 0;
	if (!p.level || IS_ALIGNED(addr, axas_npt_level_size(p.level)))
		return 0;
	return p.level;
}

static void axas_npt_split_drain(struct axas_npt_gather *g)
{
	while (g->nr_split)
		__free_page(g->split[--g->nr_split]);
}

/**
 * axas_npt_prepare_splits() - set aside the tables a range's splits need
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned
 * @g: initialised gather that the next axas_npt_unmap() or
 *	axas_npt_protect() of this range (which drain it) will use
 *
 * Lets a caller do everything that can fail before it changes anything of
 * its own (axas_npt_unmap() and axas_npt_protect() call it themselves).
 *
 * Return: 0 or -ENOMEM (nothing set aside).
 */
int axas_npt_prepare_splits(struct axas_npt *npt, u64 gpa, u64 size,
			    struct axas_npt_gather *g)
{
	unsigned int need = axas_npt_split_need(npt, gpa, gpa) +
			    axas_npt_split_need(npt, gpa + size, gpa + size - 1);
	struct page *page;

	if (WARN_ON_ONCE(need > AXAS_NPT_SPLIT_MAX))
		return -EINVAL;
	while (g->nr_split < need) {
		page = axas_npt_alloc(npt, 0);
		if (!page) {
			axas_npt_split_drain(g);
			return -ENOMEM;
		}
		g->split[g->nr_split++] = page;
	}
	return 0;
}

static bool axas_npt_table_is_empty(const u64 *table)
{
	int i;

	for (i = 0; i < AXAS_NPT_PTES_PER_PAGE; i++)
		if (axas_npt_read_pte(&table[i]))
			return false;
	return true;
}

static int axas_npt_reclaim_table(const struct axas_npt_visit_ctx *ctx)
{
	u64 *table = axas_npt_table_va(ctx->npt, ctx->old, ctx->level);
	struct axas_npt_gather *g = ctx->gather;

	/* Fully covered tables were emptied by the walk: no need to look. */
	if (!axas_npt_ctx_covers_entry(ctx) && !axas_npt_table_is_empty(table))
		return 0;
	WRITE_ONCE(*ctx->ptep, 0);
	atomic_long_dec(&ctx->npt->table_pages);
	list_add_tail(&virt_to_page(table)->lru, &g->tables);
	axas_npt_gather_pending(ctx);
	return 0;
}

/*
 * A last-level table the range covers goes as a whole: one pass reports its
 * leaves, then the table is unlinked with them in it. Nothing can reach it
 * any more but lockless readers that already hold it (they see the leaves
 * as they were before the unmap, which they may) and walk caches, which are
 * invalidated before it is freed, an RCU grace period later.
 */
static int axas_npt_unmap_table(const struct axas_npt_visit_ctx *ctx)
{
	const struct axas_npt_fmt *fmt = ctx->npt->fmt;
	u64 *table = axas_npt_table_va(ctx->npt, ctx->old, ctx->level);
	struct axas_npt_gather *g = ctx->gather;
	u64 gpa = axas_npt_ctx_entry_start(ctx);
	struct axas_npt_leaf leaf;
	unsigned int i;
	u64 pte;

	for (i = 0; i < AXAS_NPT_PTES_PER_PAGE; i++, gpa += SZ_4K) {
		pte = axas_npt_read_pte(&table[i]);
		if (!fmt->pte_is_present(pte))
			continue;
		g->flush = true;
		if (!g->leaf_removed)
			continue;
		leaf.gpa = gpa;
		leaf.size = SZ_4K;
		leaf.pa = fmt->pte_pa(pte, 0);
		leaf.prot = fmt->pte_prot(pte);
		leaf.level = 0;
		leaf.pte = pte;
		g->leaf_removed(&leaf, g->arg);
	}
	WRITE_ONCE(*ctx->ptep, 0);
	atomic_long_dec(&ctx->npt->table_pages);
	list_add_tail(&virt_to_page(table)->lru, &g->tables);
	axas_npt_gather_pending(ctx);
	return AXAS_NPT_VISIT_SKIP;
}

static int axas_npt_unmap_visit(const struct axas_npt_visit_ctx *ctx,
				enum axas_npt_visit visit)
{
	struct axas_npt_gather *g = ctx->gather;
	struct axas_npt_leaf leaf;

	if (visit == AXAS_NPT_VISIT_TABLE_POST)
		return axas_npt_reclaim_table(ctx);
	if (visit == AXAS_NPT_VISIT_TABLE_PRE)
		return ctx->level == 1 && axas_npt_ctx_covers_entry(ctx) ?
		       axas_npt_unmap_table(ctx) : 0;
	if (!ctx->npt->fmt->pte_is_present(ctx->old))
		return 0;
	if (!axas_npt_ctx_covers_entry(ctx))
		return axas_npt_split(ctx);

	/* Live to invalid is a break; the caller invalidates before freeing. */
	WRITE_ONCE(*ctx->ptep, 0);
	g->flush = true;
	axas_npt_gather_pending(ctx);
	if (g->leaf_removed) {
		axas_npt_decode_leaf(ctx, &leaf);
		g->leaf_removed(&leaf, g->arg);
	}
	return 0;
}

static int axas_npt_unmap_walk(struct axas_npt *npt, u64 gpa, u64 size,
			       struct axas_npt_gather *g)
{
	const struct axas_npt_walker w = {
		.cb = axas_npt_unmap_visit,
		.flags = AXAS_NPT_VISIT_LEAF | AXAS_NPT_VISIT_TABLE_PRE |
			 AXAS_NPT_VISIT_TABLE_POST | AXAS_NPT_WALK_SKIPS |
			 (g->flags & (AXAS_NPT_WALK_YIELD | AXAS_NPT_WALK_KILLABLE)),
		.gather = g,
	};

	return axas_npt_walk(npt, gpa, size, &w);
}

/**
 * axas_npt_unmap() - remove every leaf in [@gpa, @gpa + @size)
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned; holes are fine
 * @g: initialised gather: receives the unlinked tables and the flush flags,
 *	its @leaf_removed is called for each removed leaf, and its @flags may
 *	ask for %AXAS_NPT_WALK_YIELD and %AXAS_NPT_WALK_KILLABLE
 *
 * Huge leaves the range cuts are split first, break-before-make, into
 * tables of equal leaves, so the rest keeps translating; tables left empty
 * are unlinked onto @g->tables. The split tables are allocated before
 * anything changes. A killable unmap stopped by a fatal signal has removed
 * exactly [@gpa, @g->stopped_at).
 *
 * Return: 0, -EINVAL, -ENOMEM with the table unchanged, or -EINTR.
 */
int axas_npt_unmap(struct axas_npt *npt, u64 gpa, u64 size, struct axas_npt_gather *g)
{
	int ret;

	if (!axas_npt_range_is_valid(npt, gpa, size))
		return -EINVAL;
	ret = axas_npt_prepare_splits(npt, gpa, size, g);
	if (!ret)
		ret = axas_npt_unmap_walk(npt, gpa, size, g);
	axas_npt_split_drain(g);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_unmap);

/* Losing a permission or changing the memory type needs a TLB flush. */
static bool axas_npt_prot_needs_flush(u32 old, u32 new)
{
	return (old & ~new & AXAS_NPT_PERM_MASK) ||
	       ((old ^ new) & (AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED));
}

static int axas_npt_protect_visit(const struct axas_npt_visit_ctx *ctx,
				  enum axas_npt_visit visit)
{
	const struct axas_npt_fmt *fmt = ctx->npt->fmt;
	struct axas_npt_gather *g = ctx->gather;
	u32 prot = *(u32 *)ctx->arg;
	u32 old_prot;
	u64 new;

	if (!fmt->pte_is_present(ctx->old))
		return 0;
	if (!axas_npt_ctx_covers_entry(ctx))
		return axas_npt_split(ctx);

	new = fmt->mk_leaf(fmt->pte_pa(ctx->old, ctx->level), prot, ctx->level);
	if (new == ctx->old)
		return 0;
	old_prot = fmt->pte_prot(ctx->old);
	if (axas_npt_prot_needs_flush(old_prot, prot))
		g->flush = true;
	if ((old_prot ^ prot) & (AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED)) {
		/* A new memory type: break, invalidate, make. */
		axas_npt_break_pte(ctx);
		axas_npt_make_pte(ctx, new);
		return 0;
	}
	/* Same memory type: permissions may change in place. */
	WRITE_ONCE(*ctx->ptep, new);
	if (old_prot & ~prot & AXAS_NPT_PERM_MASK)
		axas_npt_gather_pending(ctx);
	return 0;
}

/**
 * axas_npt_protect() - give every present leaf in a range new AXAS_MAP_* bits
 * @npt: the table (an exclusive walk: the owner's write lock is held)
 * @gpa: first guest-physical address, 4 KiB aligned
 * @size: bytes, 4 KiB aligned; entries not present are left alone
 * @prot: the new permission and memory-type bits
 * @g: initialised gather: @g->flush is set if a leaf lost a permission or
 *	changed memory type, @g->need_inv while a lost permission waits for
 *	the caller's invalidation; its @flags may ask for %AXAS_NPT_WALK_YIELD
 *
 * Huge leaves the range cuts are split first (break-before-make), from
 * pages allocated before anything changes; a leaf that changes memory type
 * is broken, invalidated and made anew. Permission changes are done in
 * place. Never stops on a signal: a half-protected range would disagree
 * with its region.
 *
 * Return: 0, -EINVAL, or -ENOMEM with the table unchanged.
 */
int axas_npt_protect(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		     struct axas_npt_gather *g)
{
	const struct axas_npt_walker w = {
		.cb = axas_npt_protect_visit,
		.arg = &prot,
		.flags = AXAS_NPT_VISIT_LEAF | (g->flags & AXAS_NPT_WALK_YIELD),
		.gather = g,
	};
	int ret;

	if (!axas_npt_range_is_valid(npt, gpa, size) || !axas_npt_prot_fits(npt, prot)) {
		axas_npt_split_drain(g);
		return -EINVAL;
	}
	ret = axas_npt_prepare_splits(npt, gpa, size, g);
	if (!ret)
		ret = axas_npt_walk(npt, gpa, size, &w);
	axas_npt_split_drain(g);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_protect);

static void axas_npt_free_table_rcu(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

/**
 * axas_npt_free_tables() - free the table pages a writer unlinked
 * @g: the gather they were collected in
 *
 * Call after the TLBs were invalidated. Lockless walkers may still be
 * looking at the pages, so they go back to the allocator after an RCU grace
 * period; module exit must rcu_barrier().
 */
void axas_npt_free_tables(struct axas_npt_gather *g)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &g->tables, lru) {
		list_del(&page->lru);
		call_rcu(&page->rcu_head, axas_npt_free_table_rcu);
	}
}
EXPORT_SYMBOL_IF_KUNIT(axas_npt_free_tables);
