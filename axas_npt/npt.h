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
 * serialised; npt_map_page() may run concurrently with other npt_map_page()
 * calls and with lockless readers; npt_query() and the walkers that only read
 * may run under rcu_read_lock() against anything. Table pages are unlinked by
 * writers and handed back on a list so that the caller can invalidate TLBs
 * before they are freed (after an RCU grace period) by npt_free_tables().
 */
#ifndef _AXAS_NPT_H
#define _AXAS_NPT_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/gfp.h>
#include <linux/sizes.h>
#include <uapi/linux/axas.h>

#define NPT_MAX_LEVELS		5
#define NPT_PAGE_SHIFT		12
#define NPT_LEVEL_BITS		9
#define NPT_PTES_PER_PAGE	512
#define NPT_MAX_LEAF_LEVEL	2	/* 1 GiB */

/* Permission and memory-type bits a leaf can carry. */
#define NPT_PROT_MASK	(AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC | \
			 AXAS_MAP_DEVICE | AXAS_MAP_UNCACHED)
#define NPT_PERM_MASK	(AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC)

static inline unsigned int npt_level_shift(unsigned int level)
{
	return NPT_PAGE_SHIFT + NPT_LEVEL_BITS * level;
}

static inline u64 npt_level_size(unsigned int level)
{
	return 1ULL << npt_level_shift(level);
}

struct npt;

/**
 * struct npt_fmt - a page-table format as data plus entry codecs
 * @id: AXAS_FMT_* value
 * @name: short printable name
 * @max_levels: levels of the deepest walk (ARM_S2 may use fewer)
 * @gpa_bits: default guest-physical width
 * @root_order: allocation order of the root (x4 formats: 2)
 * @mk_leaf: encode a leaf mapping @pa with @prot at @level
 * @mk_table: encode a pointer to the next-level table at @pa
 * @pte_is_present: entry maps something (a leaf or a table)
 * @pte_is_table: entry at @level points to a next-level table
 * @pte_pa: output address of an entry at @level
 * @pte_prot: AXAS_MAP_* bits of a leaf
 * @root_reg: the value to load into EPTP / VTTBR_EL2 / hgatp
 */
struct npt_fmt {
	u32 id;
	const char *name;
	unsigned int max_levels;
	unsigned int gpa_bits;
	unsigned int root_order;
	u64 (*mk_leaf)(u64 pa, u32 prot, unsigned int level);
	u64 (*mk_table)(u64 pa);
	bool (*pte_is_present)(u64 pte);
	bool (*pte_is_table)(u64 pte, unsigned int level);
	u64 (*pte_pa)(u64 pte, unsigned int level);
	u32 (*pte_prot)(u64 pte);
	u64 (*root_reg)(const struct npt *npt);
};

/**
 * struct npt_mm_ops - page allocation hooks (tests inject failures here)
 * @alloc: allocate zeroed pages of @order, or NULL
 * @free: free pages obtained from @alloc
 */
struct npt_mm_ops {
	struct page *(*alloc)(void *priv, gfp_t gfp, unsigned int order);
	void (*free)(void *priv, struct page *page, unsigned int order);
};

/**
 * struct npt - one nested page table
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
struct npt {
	const struct npt_fmt *fmt;
	unsigned int levels;
	unsigned int gpa_bits;
	u64 *root;
	unsigned int root_order;
	phys_addr_t root_pa;
	atomic_long_t table_pages;
	const struct npt_mm_ops *mm;
	void *mm_priv;
};

/**
 * struct npt_leaf - a decoded leaf
 * @gpa: first guest-physical address the leaf maps
 * @pa: its output address
 * @size: bytes it maps (4 KiB, 2 MiB or 1 GiB)
 * @prot: AXAS_MAP_* bits
 * @level: its level
 * @pte: the raw entry
 */
struct npt_leaf {
	u64 gpa;
	u64 pa;
	u64 size;
	u32 prot;
	unsigned int level;
	u64 pte;
};

/* Flags of npt_map(). */
#define NPT_MAP_NOHUGE	BIT(0)

const struct npt_fmt *npt_fmt_get(u32 format);
u32 npt_native_format(void);
int npt_check_gpa_bits(u32 format, u32 gpa_bits, u32 *resolved);

int npt_init(struct npt *npt, u32 format, u32 gpa_bits,
	     const struct npt_mm_ops *mm, void *mm_priv);
void npt_destroy(struct npt *npt);
u64 npt_root_reg(const struct npt *npt);
unsigned int npt_root_entries(const struct npt *npt);

int npt_map(struct npt *npt, u64 gpa, u64 pa, u64 size, u32 prot,
	    unsigned int flags);
int npt_map_page(struct npt *npt, u64 gpa, u64 pa, u32 prot);
int npt_unmap(struct npt *npt, u64 gpa, u64 size,
	      struct list_head *freed_tables, bool *removed);
int npt_protect(struct npt *npt, u64 gpa, u64 size, u32 prot,
		bool *downgraded);
int npt_query(struct npt *npt, u64 gpa, struct npt_leaf *leaf);
int npt_for_each_leaf(struct npt *npt, u64 gpa, u64 size,
		      int (*fn)(const struct npt_leaf *leaf, void *arg),
		      void *arg);
int npt_for_each_table(struct npt *npt,
		       int (*fn)(u64 pa, const void *page, void *arg),
		       void *arg);
void npt_free_tables(struct npt *npt, struct list_head *freed_tables);

#endif /* _AXAS_NPT_H */
