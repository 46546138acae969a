/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reference decoder for the tables axas_npt builds, written from the
 * architecture manuals and sharing no code with the engine: the tests judge
 * the engine's entries with it, never with the engine's own codecs.
 *
 * Levels are numbered as in axas_npt/npt.h: 0 maps 4 KiB, 1 maps 2 MiB,
 * 2 maps 1 GiB; the root is level (levels - 1).
 */
#ifndef _AXAS_KUNIT_REF_DECODE_H
#define _AXAS_KUNIT_REF_DECODE_H

#include <linux/types.h>

/**
 * struct axas_npt_ref_geom - the shape a format must have, from the manuals
 * @format: AXAS_FMT_* value
 * @gpa_bits: guest-physical width (resolved, never 0)
 * @levels: levels of the walk
 * @root_entries: entries of the root table (concatenated tables included)
 * @root_pages: 4 KiB pages of the root
 * @max_leaf_level: highest level that holds a leaf (at most 1 GiB)
 * @pa_bits: widest output address an entry holds (EPT: MAXPHYADDR up to
 *	52; Arm 4 KiB granule without LPA2: 48; RISC-V PPN[53:10]: 56)
 * @ept_ad: EPT only, set by the caller after axas_npt_ref_geom_init(): the
 *	EPTP the table runs with has bit 6 (accessed and dirty flags), so a
 *	writable leaf with D (bit 9) clear is clean: the CPU sets D on the
 *	next write through it. Without it bits 8 and 9 are ignored.
 * @always_readable: every present leaf is readable (x86 paging): a
 *	mapping without READ cannot be expressed
 */
struct axas_npt_ref_geom {
	u32 format;
	unsigned int gpa_bits;
	unsigned int levels;
	unsigned int root_entries;
	unsigned int root_pages;
	unsigned int max_leaf_level;
	unsigned int pa_bits;
	bool ept_ad;
	bool always_readable;
};

/**
 * struct axas_npt_ref_leaf - a leaf as the reference decoder reads it
 * @gpa: first guest-physical address it maps
 * @pa: output address
 * @size: bytes mapped
 * @prot: AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED
 * @level: level of the entry
 * @pte: the raw entry
 * @clean: writable, and the next write is seen (a dirty bit the CPU sets,
 *	or a fault without the hardware feature); @prot shows what the CPU
 *	allows without that feature
 * @ptep: where the entry is (tests act as the CPU through it)
 */
struct axas_npt_ref_leaf {
	u64 gpa;
	u64 pa;
	u64 size;
	u32 prot;
	unsigned int level;
	u64 pte;
	bool clean;
	u64 *ptep;
};

enum axas_npt_ref_kind {
	AXAS_NPT_REF_NONE,
	AXAS_NPT_REF_TABLE,
	AXAS_NPT_REF_LEAF,
	AXAS_NPT_REF_BAD,
};

/**
 * struct axas_npt_ref_entry - one decoded entry
 * @kind: what the hardware would make of it, BAD if it breaks a rule
 * @shape: how the hardware's walk treats it whatever rule it breaks: NONE
 *	(invalid), TABLE (it follows @pa), LEAF, or BAD (a fault: a block at
 *	a level without blocks, a pointer at the last level)
 * @pa: next table (TABLE) or output address (LEAF)
 * @prot: AXAS_MAP_* bits of a LEAF
 * @clean: a LEAF the next write marks dirty (see &struct axas_npt_ref_leaf)
 * @why: for BAD, the rule the entry breaks
 */
struct axas_npt_ref_entry {
	enum axas_npt_ref_kind kind;
	enum axas_npt_ref_kind shape;
	u64 pa;
	u32 prot;
	bool clean;
	const char *why;
};

/**
 * struct axas_npt_ref_walk - a full walk of a table by the reference decoder
 * @g: the geometry to walk with
 * @page_ok: optional; says whether @pa is a table page the table owns
 * @page_arg: argument of @page_ok
 * @leaf: optional; called for every leaf, in address order; nonzero stops
 * @table: optional; called for every 4 KiB table page, root pages included
 * @arg: argument of @leaf and @table
 * @nr_tables: 4 KiB table pages seen, root pages included
 * @nr_leaves: leaves seen
 * @nr_bad: entries that break a rule of the format
 * @bad: description of the first of them
 */
struct axas_npt_ref_walk {
	const struct axas_npt_ref_geom *g;
	bool (*page_ok)(void *page_arg, u64 pa);
	void *page_arg;
	int (*leaf)(void *arg, const struct axas_npt_ref_leaf *leaf);
	int (*table)(void *arg, u64 pa, const u64 *page);
	void *arg;
	unsigned long nr_tables;
	unsigned long nr_leaves;
	unsigned long nr_bad;
	char bad[192];
};

int axas_npt_ref_geom_init(struct axas_npt_ref_geom *g, u32 format, u32 gpa_bits);
void axas_npt_ref_decode(const struct axas_npt_ref_geom *g, u64 pte, unsigned int level,
			 struct axas_npt_ref_entry *e);
bool axas_npt_ref_pte_is_valid(const struct axas_npt_ref_geom *g, u64 pte);
u64 axas_npt_ref_leaf_pte(const struct axas_npt_ref_geom *g, u64 pa, u32 prot,
			  unsigned int level);
u64 axas_npt_ref_leaf_free_bits(const struct axas_npt_ref_geom *g, u32 prot);
const char *axas_npt_ref_check_root_reg(const struct axas_npt_ref_geom *g, u64 root_pa,
					u64 reg);
const u64 *axas_npt_ref_table_va(u64 pa);
int axas_npt_ref_walk_all(struct axas_npt_ref_walk *w, u64 root_pa);
int axas_npt_ref_translate(const struct axas_npt_ref_geom *g, u64 root_pa, u64 gpa,
			   struct axas_npt_ref_leaf *leaf);

u64 axas_npt_ref_hw_dirty_bit(u32 format);

#endif /* _AXAS_KUNIT_REF_DECODE_H */
