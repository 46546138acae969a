/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_npt - the nested page-table engine: one generic walker over a format
 * descriptor (Intel EPT, Arm stage 2, RISC-V G-stage).
 *
 * Levels are numbered from the leaf: level 0 maps 4 KiB, level 1 2 MiB,
 * level 2 1 GiB, and level (levels - 1) is the root. Permissions and memory
 * types are AXAS_MAP_* bits of the UAPI.
 *
 * Locking is the caller's: map/unmap/protect/destroy are writers and must be
 * serialised; axas_npt_map_page() may run concurrently with other axas_npt_map_page()
 * calls and with lockless readers; axas_npt_query() and the walkers that only read
 * may run under rcu_read_lock() against anything. Table pages are unlinked by
 * writers and handed back on a list so that the caller can invalidate TLBs
 * before they are freed (after an RCU grace period) by axas_npt_free_tables().
 */
#ifndef _AXAS_NPT_H
#define _AXAS_NPT_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/gfp.h>
#include <linux/sizes.h>
#include <uapi/linux/axas.h>

#define AXAS_NPT_MAX_LEVELS		5
#define AXAS_NPT_PAGE_SHIFT		12
#define AXAS_NPT_LEVEL_BITS		9
#define AXAS_NPT_PTES_PER_PAGE	512
#define AXAS_NPT_MAX_LEAF_LEVEL	2	/* 1 GiB */

/* Permission and memory-type bits a leaf can carry. */
#define AXAS_NPT_PROT_MASK	(AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC | \
				 AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED)
#define AXAS_NPT_PERM_MASK	(AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC)

static inline unsigned int axas_npt_level_shift(unsigned int level)
{
	return AXAS_NPT_PAGE_SHIFT + AXAS_NPT_LEVEL_BITS * level;
}

static inline u64 axas_npt_level_size(unsigned int level)
{
	return 1ULL << axas_npt_level_shift(level);
}

struct axas_npt;

/**
 * struct axas_npt_fmt - a page-table format as data plus entry codecs
 * @id: AXAS_FMT_* value
 * @name: short printable name
 * @min_gpa_bits: narrowest guest-physical width accepted (0: only the default)
 * @max_gpa_bits: widest guest-physical width accepted (0: only the default)
 * @def_gpa_bits: width used when the caller asks for 0
 * @max_pa_bits: widest output address an entry can hold
 * @max_root_order: the root may be up to 1 << @max_root_order contiguous
 *	pages (x4 formats: 2, Arm concatenated tables: 4). The number of
 *	levels is the smallest that keeps the root within that size.
 * @mk_leaf: encode a leaf mapping @pa with @prot at @level
 * @mk_table: encode a pointer to the next-level table at @pa
 * @pte_is_present: entry maps something (a leaf or a table)
 * @pte_is_table: entry at @level points to a next-level table
 * @pte_pa: output address of an entry at @level
 * @pte_prot: AXAS_MAP_* bits of a leaf
 * @root_reg: the value to load into EPTP / VTTBR_EL2 / hgatp
 */
struct axas_npt_fmt {
	u32 id;
	const char *name;
	unsigned int min_gpa_bits;
	unsigned int max_gpa_bits;
	unsigned int def_gpa_bits;
	unsigned int max_pa_bits;
	unsigned int max_root_order;
	u64 (*mk_leaf)(u64 pa, u32 prot, unsigned int level);
	u64 (*mk_table)(u64 pa);
	bool (*pte_is_present)(u64 pte);
	bool (*pte_is_table)(u64 pte, unsigned int level);
	u64 (*pte_pa)(u64 pte, unsigned int level);
	u32 (*pte_prot)(u64 pte);
	u64 (*root_reg)(const struct axas_npt *npt);
};

/**
 * struct axas_npt_mm_ops - page allocation hook (tests inject failures here)
 * @alloc: allocate zeroed pages of @order with @gfp, or return NULL.
 *	Pages are always freed with __free_pages(), possibly after an RCU
 *	grace period.
 */
struct axas_npt_mm_ops {
	struct page *(*alloc)(void *priv, gfp_t gfp, unsigned int order);
};

/**
 * struct axas_npt - one nested page table
 * @fmt: its format
 * @levels: levels walked (root level is @levels - 1)
 * @gpa_bits: guest-physical width covered by the root
 * @root: the root table (1 << @root_order contiguous pages)
 * @root_order: allocation order of @root
 * @root_pa: physical address of @root
 * @table_pages: pages of the table currently linked, the root included
 * @mm: allocation hooks, or NULL for the page allocator
 * @mm_priv: argument of @mm
 */
struct axas_npt {
	const struct axas_npt_fmt *fmt;
	unsigned int levels;
	unsigned int gpa_bits;
	u64 *root;
	unsigned int root_order;
	phys_addr_t root_pa;
	atomic_long_t table_pages;
	const struct axas_npt_mm_ops *mm;
	void *mm_priv;
};

/**
 * struct axas_npt_leaf - a decoded leaf
 * @gpa: first guest-physical address the leaf maps
 * @pa: its output address
 * @size: bytes it maps (4 KiB, 2 MiB or 1 GiB)
 * @prot: AXAS_MAP_* bits
 * @level: its level
 * @pte: the raw entry
 */
struct axas_npt_leaf {
	u64 gpa;
	u64 pa;
	u64 size;
	u32 prot;
	unsigned int level;
	u64 pte;
};

/**
 * struct axas_npt_gather - what a writer removed, for the caller to act on
 * @tables: table pages unlinked from the table (linked through page->lru);
 *	free them with axas_npt_free_tables() after invalidating TLBs
 * @leaf_removed: if set, called for every present leaf axas_npt_unmap() clears
 * @arg: argument of @leaf_removed
 * @flush: set when a present leaf was removed or lost permissions (or
 *	changed memory type): the caller must invalidate before freeing
 */
struct axas_npt_gather {
	struct list_head tables;
	void (*leaf_removed)(const struct axas_npt_leaf *leaf, void *arg);
	void *arg;
	bool flush;
};

static inline void axas_npt_gather_init(struct axas_npt_gather *g)
{
	INIT_LIST_HEAD(&g->tables);
	g->leaf_removed = NULL;
	g->arg = NULL;
	g->flush = false;
}

/* Callbacks of axas_npt_visit_leaves() and axas_npt_visit_tables(). */
typedef int (*axas_npt_leaf_fn)(const struct axas_npt_leaf *leaf, void *arg);
typedef int (*axas_npt_table_fn)(u64 pa, const void *page, void *arg);
/* Output address of each page of axas_npt_map_each(). */
typedef u64 (*axas_npt_pa_fn)(void *arg, u64 gpa);
/* axas_npt_map_pages(): is [gpa, gpa + size) one contiguous output run? */
typedef bool (*axas_npt_contig_fn)(void *arg, u64 gpa, u64 size);

/* Flags of axas_npt_map(). */
#define AXAS_NPT_MAP_NOHUGE	BIT(0)

const struct axas_npt_fmt *axas_npt_fmt_get(u32 format);
u32 axas_npt_native_format(void);
int axas_npt_resolve_format(u32 *format, u32 *gpa_bits);
bool axas_npt_prot_is_valid(u32 prot);

int axas_npt_init(struct axas_npt *npt, u32 format, u32 gpa_bits,
		  const struct axas_npt_mm_ops *mm, void *mm_priv);
void axas_npt_destroy(struct axas_npt *npt);
u64 axas_npt_root_reg(const struct axas_npt *npt);
unsigned int axas_npt_root_entries(const struct axas_npt *npt);

int axas_npt_map(struct axas_npt *npt, u64 gpa, u64 pa, u64 size, u32 prot,
		 unsigned int flags);
int axas_npt_map_each(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		      axas_npt_pa_fn pa_of, void *arg);
int axas_npt_map_pages(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		       axas_npt_pa_fn pa_of, axas_npt_contig_fn contig,
		       void *arg);
int axas_npt_map_page(struct axas_npt *npt, u64 gpa, u64 pa, u32 prot);
int axas_npt_map_leaf(struct axas_npt *npt, u64 gpa, u64 pa, u32 prot,
		      unsigned int level);
int axas_npt_probe_level(struct axas_npt *npt, u64 gpa);
int axas_npt_unmap(struct axas_npt *npt, u64 gpa, u64 size, struct axas_npt_gather *g);
int axas_npt_protect(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		     struct axas_npt_gather *g);
int axas_npt_query(struct axas_npt *npt, u64 gpa, struct axas_npt_leaf *leaf);
int axas_npt_visit_leaves(struct axas_npt *npt, u64 gpa, u64 size, axas_npt_leaf_fn fn,
			  void *arg);
int axas_npt_visit_tables(struct axas_npt *npt, axas_npt_table_fn fn, void *arg);
void axas_npt_free_tables(struct axas_npt_gather *g);

#endif /* _AXAS_NPT_H */
