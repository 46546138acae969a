/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_npt - the nested page-table engine: one generic walker over a format
 * descriptor (Intel EPT, Arm stage 2, RISC-V G-stage).
 *
 * Levels are numbered from the leaf: level 0 maps 4 KiB, level 1 2 MiB,
 * level 2 1 GiB, and level (levels - 1) is the root. Permissions and memory
 * types are AXAS_MAP_* bits of the UAPI.
 *
 * The walker contract (checked in walk.c, see Documentation/design.rst):
 * - Exclusive walks (map, unmap, protect, destroy, table visits) run with
 *   the owner's lock held for writing; only they change live entries.
 * - Shared walks (axas_npt_query(), axas_npt_visit_leaves() with
 *   AXAS_NPT_WALK_SHARED, and the fault path axas_npt_map_page()) run under
 *   RCU, which the walk takes itself; the caller must already be in an RCU
 *   read-side section or hold the owner's lock, or its answer would
 *   describe pages it cannot keep. axas_npt_map_page() also needs the
 *   owner's lock (in either mode) and installs entries only with cmpxchg.
 * - Every entry is read through axas_npt_read_pte().
 * - A live entry is never replaced by a live entry of another size or
 *   memory type in one store: break (an invalid, locked entry), invalidate
 *   through &axas_npt_ops.invalidate, make.
 * Table pages a writer unlinks are handed back on a list so that the caller
 * can invalidate TLBs before they are freed (after an RCU grace period) by
 * axas_npt_free_tables().
 */
#ifndef _AXAS_NPT_H
#define _AXAS_NPT_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/gfp.h>
#include <linux/lockdep_types.h>
#include <linux/seqlock.h>
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
 * @read_implied: a present leaf is always readable (x86 paging): a prot
 *	without AXAS_MAP_READ (execute-only) cannot be encoded
 * @mk_leaf: encode a leaf mapping @pa with @prot at @level
 * @mk_table: encode a pointer to the next-level table at @pa
 * @pte_is_present: entry maps something (a leaf or a table)
 * @pte_is_table: entry at @level points to a next-level table
 * @pte_pa: output address of an entry at @level
 * @pte_prot: AXAS_MAP_* bits of a leaf
 * @root_reg: the value to load into EPTP / VTTBR_EL2 / hgatp
 * @hw_dirty: the leaf bit a write sets in hardware when the consumer turns
 *	dirty logging on (RISC-V, AMD NPT and EPT: D; Arm: S2AP[1] of a leaf
 *	with DBM), clear in a clean leaf; 0 when axas uses write protection
 *	only
 * @hw_dirty_optin: a clean leaf is writable and the CPU sets @hw_dirty only
 *	if the root register turns it on (EPT: EPTP bit 6); without that,
 *	writes through it are not seen. The owner uses @hw_dirty only when
 *	every user of the table promised to turn it on.
 * @hw_clean: bits a clean writable leaf carries besides (Arm: DBM)
 * @wp_write: the leaf bit that grants write permission
 * @wp_clear: the bits a leaf loses when write protection makes it clean
 *	(write permission, and the preset dirty bit where there is one); a
 *	leaf with them cleared is what @mk_leaf makes without AXAS_MAP_WRITE
 * @present: @pte_is_present as a mask: an entry is present if it has one
 *	of these bits (for loops over whole tables, without a call per entry)
 * @hw_sets: the leaf bits the CPU may set by itself (accessed and dirty
 *	flags) as axas's root_reg configures it; it sets them only where they
 *	are clear, so a leaf that has all of them is never written by the
 *	hardware and software may rewrite it with a plain store
 */
struct axas_npt_fmt {
	u32 id;
	const char *name;
	unsigned int min_gpa_bits;
	unsigned int max_gpa_bits;
	unsigned int def_gpa_bits;
	unsigned int max_pa_bits;
	unsigned int max_root_order;
	bool read_implied;
	u64 (*mk_leaf)(u64 pa, u32 prot, unsigned int level);
	u64 (*mk_table)(u64 pa);
	bool (*pte_is_present)(u64 pte);
	bool (*pte_is_table)(u64 pte, unsigned int level);
	u64 (*pte_pa)(u64 pte, unsigned int level);
	u32 (*pte_prot)(u64 pte);
	u64 (*root_reg)(const struct axas_npt *npt);
	u64 hw_dirty;
	bool hw_dirty_optin;
	u64 hw_clean;
	u64 wp_write;
	u64 wp_clear;
	u64 present;
	u64 hw_sets;
};

/*
 * An invalid entry that a writer is breaking: the hardware sees an invalid
 * entry (bit 0 clear is invalid on Arm and RISC-V, bits 2:0 clear on EPT,
 * and bit 58 is ignored in an invalid entry by all three). Lockless readers
 * that meet it read the entry it replaced from &axas_npt.bbm instead.
 */
#define AXAS_NPT_PTE_LOCKED	BIT_ULL(58)

/* Walker flags (also accepted by axas_npt_visit_leaves() and axas_npt_map()). */
#define AXAS_NPT_WALK_SHARED	BIT(8)	/* lockless/fault walk, under RCU */
#define AXAS_NPT_WALK_YIELD	BIT(9)	/* writer: &axas_npt_ops.yield every 2 MiB */
#define AXAS_NPT_WALK_KILLABLE	BIT(10)	/* writer: stop with -EINTR on a fatal signal */

/**
 * struct axas_npt_ops - what the owner of a table provides
 * @alloc: allocate zeroed pages of @order with @gfp, or return NULL.
 *	Pages are always freed with __free_pages(), possibly after an RCU
 *	grace period. NULL: the page allocator.
 * @invalidate: invalidate TLB and walk-cache entries for
 *	[@gpa, @gpa + @size). Called by writers in the middle of a walk
 *	between the break and the make of an entry, and before a writer walk
 *	yields with removed leaves or unlinked tables pending. May be NULL.
 * @yield: called by a writer walk with %AXAS_NPT_WALK_YIELD at least every
 *	2 MiB of table walked (512 entries), and every 16 entries while
 *	@contended says so: drop the owner's lock, reschedule, take it again.
 *	Only shared walks (faults, lookups) may run meanwhile. May be NULL
 *	(then the walk only reschedules).
 * @contended: somebody waits for the owner's lock, or the CPU is wanted.
 *	May be NULL.
 */
struct axas_npt_ops {
	struct page *(*alloc)(void *priv, gfp_t gfp, unsigned int order);
	void (*invalidate)(void *priv, u64 gpa, u64 size);
	void (*yield)(void *priv);
	bool (*contended)(void *priv);
};

/**
 * struct axas_npt_bbm - the entry a writer is breaking
 * @seq: lets lockless readers read @ptep and @old together
 * @ptep: the entry that holds %AXAS_NPT_PTE_LOCKED, or NULL
 * @old: what it held before
 */
struct axas_npt_bbm {
	seqcount_t seq;
	u64 *ptep;
	u64 old;
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
 * @ops: the owner's hooks, or NULL
 * @priv: argument of @ops
 * @bbm: the entry being broken, for lockless readers
 * @lock_map: the owner's lock, checked by the walker (lockdep only)
 * @contract_splats: contract violations seen (lockdep only)
 * @contract_quiet: count violations without a splat (a test that provokes
 *	one on purpose; lockdep only)
 */
struct axas_npt {
	const struct axas_npt_fmt *fmt;
	unsigned int levels;
	unsigned int gpa_bits;
	u64 *root;
	unsigned int root_order;
	phys_addr_t root_pa;
	atomic_long_t table_pages;
	const struct axas_npt_ops *ops;
	void *priv;
	struct axas_npt_bbm bbm;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map *lock_map;
	atomic_t contract_splats;
	bool contract_quiet;
#endif
};

/**
 * axas_npt_set_lock() - tell the walker which lock its owner serialises with
 * @npt: the table
 * @map: the lock's lockdep map (e.g. &rwsem.dep_map)
 *
 * Exclusive walks then assert it is held for writing, the fault path that
 * it is held, shared walks that it or RCU is held.
 */
static inline void axas_npt_set_lock(struct axas_npt *npt, struct lockdep_map *map)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	npt->lock_map = map;
#endif
}

/* The one way an entry is read: once, untorn, never cached by the compiler. */
static inline u64 axas_npt_read_pte(const u64 *ptep)
{
	return READ_ONCE(*ptep);
}

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

/* A split needs one table per level below the cut leaf, at both ends. */
#define AXAS_NPT_SPLIT_MAX	(2 * AXAS_NPT_MAX_LEAF_LEVEL)

/**
 * struct axas_npt_gather - a writer's state: what it removed, for the caller
 * @tables: table pages unlinked from the table (linked through page->lru);
 *	free them with axas_npt_free_tables() after invalidating TLBs
 * @leaf_removed: if set, called for every present leaf axas_npt_unmap() clears
 * @arg: argument of @leaf_removed
 * @flags: %AXAS_NPT_WALK_YIELD and %AXAS_NPT_WALK_KILLABLE for the walk
 * @flush: set when a present leaf was removed, lost permissions or changed
 *	memory type during the operation (the tlb_gen rule)
 * @need_inv: removed or downgraded leaves or unlinked tables wait for an
 *	invalidation: the caller must invalidate before freeing
 * @inv_start: while @need_inv, the range they cover (an unlinked table:
 *	all it translated)
 * @inv_end: ...
 * @stopped_at: where a killable walk stopped (-EINTR): everything below
 *	was done, nothing from here on
 * @nr_split: pages in @split
 * @split: tables set aside for splits before anything changes
 * @spare: more such tables, for walks that split every huge leaf of a
 *	range (axas_npt_clean()); linked through page->lru
 */
struct axas_npt_gather {
	struct list_head tables;
	void (*leaf_removed)(const struct axas_npt_leaf *leaf, void *arg);
	void *arg;
	unsigned int flags;
	bool flush;
	bool need_inv;
	u64 inv_start;
	u64 inv_end;
	u64 stopped_at;
	unsigned int nr_split;
	struct page *split[AXAS_NPT_SPLIT_MAX];
	struct list_head spare;
};

static inline void axas_npt_gather_init(struct axas_npt_gather *g)
{
	INIT_LIST_HEAD(&g->tables);
	g->leaf_removed = NULL;
	g->arg = NULL;
	g->flags = 0;
	g->flush = false;
	g->need_inv = false;
	g->inv_start = 0;
	g->inv_end = 0;
	g->stopped_at = 0;
	g->nr_split = 0;
	INIT_LIST_HEAD(&g->spare);
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
bool axas_npt_prot_fits(const struct axas_npt *npt, u32 prot);

int axas_npt_init(struct axas_npt *npt, u32 format, u32 gpa_bits,
		  const struct axas_npt_ops *ops, void *priv);
void axas_npt_destroy(struct axas_npt *npt);
u64 axas_npt_root_reg(const struct axas_npt *npt);
unsigned int axas_npt_root_entries(const struct axas_npt *npt);

int axas_npt_map(struct axas_npt *npt, u64 gpa, u64 pa, u64 size, u32 prot,
		 unsigned int flags);
int axas_npt_map_each(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		      axas_npt_pa_fn pa_of, void *arg, unsigned int flags);
int axas_npt_map_pages(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		       axas_npt_pa_fn pa_of, axas_npt_contig_fn contig,
		       void *arg, unsigned int flags);
int axas_npt_map_page(struct axas_npt *npt, u64 gpa, u64 pa, u32 prot);
int axas_npt_map_leaf(struct axas_npt *npt, u64 gpa, u64 pa, u32 prot,
		      unsigned int level);
int axas_npt_probe_level(struct axas_npt *npt, u64 gpa);
int axas_npt_unmap(struct axas_npt *npt, u64 gpa, u64 size, struct axas_npt_gather *g);
int axas_npt_protect(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		     struct axas_npt_gather *g);
int axas_npt_query(struct axas_npt *npt, u64 gpa, struct axas_npt_leaf *leaf);
int axas_npt_visit_leaves(struct axas_npt *npt, u64 gpa, u64 size, axas_npt_leaf_fn fn,
			  void *arg, unsigned int flags);
int axas_npt_prepare_splits(struct axas_npt *npt, u64 gpa, u64 size,
			    struct axas_npt_gather *g);
int axas_npt_visit_tables(struct axas_npt *npt, axas_npt_table_fn fn, void *arg);
void axas_npt_free_tables(struct axas_npt_gather *g);

/*
 * Dirty logging (dirty.c). A clean leaf makes the next guest write visible:
 * with %AXAS_NPT_DIRTY_HW the format's hardware dirty bit is cleared (the
 * hardware sets it again, or faults where the consumer did not turn
 * hardware updates on); without it write permission is removed and the
 * write faults. Only 4 KiB leaves are ever clean.
 */
#define AXAS_NPT_DIRTY_HW	BIT(0)	/* use &axas_npt_fmt.hw_dirty */
#define AXAS_NPT_DIRTY_PEEK	BIT(1)	/* report dirty leaves, change nothing */

/* Called for each dirty range a walk finds. */
typedef void (*axas_npt_dirty_fn)(void *arg, u64 gpa, u64 size);

static inline bool axas_npt_has_hw_dirty(const struct axas_npt *npt)
{
	return npt->fmt->hw_dirty;
}

unsigned long axas_npt_split_all_need(struct axas_npt *npt, u64 gpa, u64 size);
int axas_npt_spare_alloc(struct axas_npt *npt, unsigned long nr,
			 struct axas_npt_gather *g);
void axas_npt_spare_drain(struct axas_npt_gather *g);
int axas_npt_clean(struct axas_npt *npt, u64 gpa, u64 size, unsigned int flags,
		   axas_npt_dirty_fn report, void *arg, struct axas_npt_gather *g);
void axas_npt_restore(struct axas_npt *npt, u64 gpa, u64 size, u32 prot,
		      struct axas_npt_gather *g);
int axas_npt_set_dirty(struct axas_npt *npt, u64 gpa, unsigned int flags);
bool axas_npt_leaf_is_clean(const struct axas_npt *npt,
			    const struct axas_npt_leaf *leaf, unsigned int flags);

/* --- lookups by iteration (iter.c) -------------------------------------- */

/**
 * struct axas_npt_iter - a lockless descent towards one address
 * @npt: the table
 * @gpa: the address looked up
 * @level: level of @ptep
 * @ptep: the entry for @gpa at @level
 * @pte: its value as read (for a locked entry, the entry it replaces)
 *
 * Only valid inside a shared walk (axas_npt_walk_begin() with
 * %AXAS_NPT_WALK_SHARED): the tables it points into are freed after an RCU
 * grace period.
 */
struct axas_npt_iter {
	struct axas_npt *npt;
	u64 gpa;
	unsigned int level;
	u64 *ptep;
	u64 pte;
};

void axas_npt_iter_start(struct axas_npt_iter *it, struct axas_npt *npt, u64 gpa);
bool axas_npt_iter_down(struct axas_npt_iter *it);
void axas_npt_iter_descend(struct axas_npt_iter *it, struct axas_npt *npt,
			   u64 gpa);
int axas_npt_lookup(struct axas_npt *npt, u64 gpa, struct axas_npt_leaf *leaf);

#endif /* _AXAS_NPT_H */
