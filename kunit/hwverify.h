/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware verifier: the CPU, as QEMU models it, judges a nested page
 * table against the list of regions it was meant to map.
 *
 * Arm stage 2 is checked with AT S12E1R/W at EL2 (kunit/arm64/), RISC-V
 * G-stage with HLV/HLVX/HSV in HS-mode (kunit/riscv/), AMD nested paging
 * with a guest run by VMRUN (kunit/x86/). The verifier also walks the
 * table in software with the reference decoder of
 * kunit/ref_decode.c (written from the architecture manuals, sharing
 * nothing with axas_npt; the engine's suites use the same one) for what
 * the hardware path cannot observe: execute permission on Arm, memory
 * types, A/D/U bits, reserved bits, and every leaf of the table, not just
 * the sampled ones.
 *
 * The walk, the sampling of regions and holes, hwv_verify() and the KUnit
 * case bodies are shared (kunit/hwverify/); an architecture supplies the
 * hwv_arch_*() hooks (root register, loading the table, one probe) and a
 * struct hwv_test_arch.
 */
#ifndef _AXAS_KUNIT_HWVERIFY_H
#define _AXAS_KUNIT_HWVERIFY_H

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/stdarg.h>
#include <linux/types.h>

#include <linux/axas.h>

#include "axas_npt/npt.h"

/**
 * struct hwv_region - what a table is meant to map
 * @gpa: first guest-physical address (4 KiB aligned)
 * @size: bytes (4 KiB aligned, nonzero)
 * @hpa: host-physical address @gpa maps to; the rest follows linearly
 * @prot: AXAS_MAP_* permission and memory-type bits
 *
 * Regions must not overlap. Every page of every region must be mapped;
 * everything outside the regions must not be.
 */
struct hwv_region {
	u64 gpa;
	u64 size;
	u64 hpa;
	u32 prot;
};

/**
 * struct hwv_table - the table under test, as the hardware would load it
 * @format: AXAS_FMT_ARM_S2, AXAS_FMT_SV39X4, AXAS_FMT_SV48X4, AXAS_FMT_SV57X4,
 *	AXAS_FMT_AMD_NPT4, AXAS_FMT_AMD_NPT5
 * @levels: levels walked (Arm: the start level is 4 - @levels)
 * @gpa_bits: guest-physical width the root covers
 * @root_pa: physical address of the root
 * @root_reg: the VTTBR_EL2 / hgatp / nCR3 value the table's owner would load
 * @vmid: the VMID @root_reg carries, loaded as it is; 0: none, the
 *	verifier adds its own
 * @vtcr: Arm: the VTCR_EL2 the owner would load; 0: the verifier derives
 *	one from @levels and @gpa_bits
 */
struct hwv_table {
	u32 format;
	unsigned int levels;
	unsigned int gpa_bits;
	u64 root_pa;
	u64 root_reg;
	u32 vmid;
	u64 vtcr;
};

#define HWV_MSG_LEN	200
#define HWV_LOG_MAX	12	/* failures logged to the kernel log per run */

/**
 * struct hwv_report - what a verification found
 * @hw_probes: accesses or address translations done by the hardware path
 * @hw_faults: of these, the ones that faulted as expected
 * @hw_skipped: probes left to software (no RAM behind them, emulator bugs)
 * @sw_pages: pages whose translation the software walk checked
 * @sw_leaves: leaves the software walk decoded (the whole table)
 * @hw_failures: disagreements found by the hardware path
 * @sw_failures: disagreements found by the software walk
 * @first: description of the first failure
 */
struct hwv_report {
	unsigned int hw_probes;
	unsigned int hw_faults;
	unsigned int hw_skipped;
	unsigned int sw_pages;
	unsigned int sw_leaves;
	unsigned int hw_failures;
	unsigned int sw_failures;
	char first[HWV_MSG_LEN];
};

static inline unsigned int hwv_failures(const struct hwv_report *rep)
{
	return rep->hw_failures + rep->sw_failures;
}

/* Record a failure: the first one is kept, a few are logged. */
static inline __printf(3, 4) void hwv_fail(struct hwv_report *rep, bool hw,
					   const char *fmt, ...)
{
	unsigned int n = hwv_failures(rep);
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	if (!n) {
		va_list copy;

		va_copy(copy, args);
		vsnprintf(rep->first, sizeof(rep->first), fmt, copy);
		va_end(copy);
	}
	if (n < HWV_LOG_MAX) {
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_info("axas hwverify: %pV\n", &vaf);
	}
	va_end(args);
	if (hw)
		rep->hw_failures++;
	else
		rep->sw_failures++;
}

#define hwv_hw_fail(rep, fmt, ...) hwv_fail(rep, true, "hw: " fmt, ##__VA_ARGS__)
#define hwv_sw_fail(rep, fmt, ...) hwv_fail(rep, false, "sw: " fmt, ##__VA_ARGS__)

/**
 * hwv_verify() - check a table against its regions, hardware and software
 * @t: the table
 * @regions: what it should map
 * @nr: number of @regions
 * @rep: out: counts and the first failure
 *
 * Runs the software walk first; the hardware path only runs when the
 * table is safe to hand to the walker (every table pointer is RAM, the root
 * is aligned).
 *
 * Return: 0 when the verification ran (the verdict is in @rep), -ENODEV
 * when this CPU cannot run the hardware path (not at EL2 with VHE, no H
 * extension), -EINVAL for a format this architecture does not walk.
 */
int hwv_verify(const struct hwv_table *t, const struct hwv_region *regions,
	       unsigned int nr, struct hwv_report *rep);

/**
 * hwv_leaf_ptep() - the leaf entry mapping @gpa, found by the verifier's own
 * software walk (for tests that corrupt an entry on purpose)
 * @t: the table
 * @gpa: guest-physical address
 *
 * Return: a pointer into the table, or NULL if nothing maps @gpa.
 */
u64 *hwv_leaf_ptep(const struct hwv_table *t, u64 gpa);

/**
 * hwv_lookup() - the software translation of one address
 * @t: the table
 * @gpa: guest-physical address
 * @level: out: level of the leaf found (0: 4 KiB)
 *
 * Follows only table pointers that lead to RAM.
 *
 * Return: a pointer to the leaf entry mapping @gpa, or NULL.
 */
u64 *hwv_lookup(const struct hwv_table *t, u64 gpa, unsigned int *level);

/* --- what the shared verifier (kunit/hwverify/) asks of an architecture -- */

/* What an entry is, at its level, to the hardware's walk (from ref_decode). */
enum hwv_pte_kind {
	HWV_PTE_NONE,		/* invalid: maps nothing */
	HWV_PTE_LEAF,
	HWV_PTE_TABLE,		/* points at the next level */
	HWV_PTE_BAD,		/* valid, but no legal leaf or table here */
};

/**
 * struct hwv_hw - one run of the hardware path
 * @t: the table, already loaded by the architecture
 * @regions: what it should map
 * @nr: number of @regions
 * @rep: where the verdict goes
 * @n: probes so far (varies the offset within each page)
 * @priv: the architecture's own state for the run
 */
struct hwv_hw {
	const struct hwv_table *t;
	const struct hwv_region *regions;
	unsigned int nr;
	struct hwv_report *rep;
	unsigned int n;
	void *priv;
};

/*
 * Hooks that the architecture built defines (kunit/arm64/, kunit/riscv/,
 * kunit/x86/): one architecture is compiled at a time, so they are
 * resolved at link time.
 */

/**
 * hwv_arch_absent() - why this CPU cannot walk tables of @format in hardware
 * @format: AXAS_FMT_*
 *
 * Return: NULL when it can (EL2 with VHE, the H extension, SVM with nested
 * paging, VMX with EPT of that many levels), else a reason.
 */
const char *hwv_arch_absent(u32 format);

/**
 * hwv_arch_walks() - whether the architecture walks tables of @format
 * @format: AXAS_FMT_*
 *
 * Return: true for its own formats.
 */
bool hwv_arch_walks(u32 format);

/**
 * hwv_arch_pa_is_ram() - whether the kernel and the hardware walker may
 * touch @pa (RAM in the linear map, not firmware, not MMIO)
 * @pa: physical address
 *
 * Return: true when it may.
 */
bool hwv_arch_pa_is_ram(u64 pa);

/**
 * hwv_arch_root() - the root the hardware would walk
 * @t: the table
 *
 * Return: the physical address in @t->root_reg (not @t->root_pa).
 */
u64 hwv_arch_root(const struct hwv_table *t);

/**
 * hwv_arch_check_shape() - check the format, width and root register
 * @t: the table
 * @rep: where failures go
 * @hw_ok: out: whether the table may be handed to the hardware
 *
 * Return: false when the table cannot even be walked in software.
 */
bool hwv_arch_check_shape(const struct hwv_table *t, struct hwv_report *rep,
			  bool *hw_ok);

/**
 * hwv_arch_hw_run() - the hardware path: load the table, hwv_hw_probe(),
 * probe past the width, restore the CPU's state
 * @hw: the run
 *
 * Return: 0, or -ENOMEM.
 */
int hwv_arch_hw_run(struct hwv_hw *hw);

/**
 * hwv_arch_hw_page() - probe a mapped page through the hardware
 * @hw: the run
 * @gpa: the page
 * @r: its region
 */
void hwv_arch_hw_page(struct hwv_hw *hw, u64 gpa, const struct hwv_region *r);

/**
 * hwv_arch_hw_hole() - probe an unmapped page through the hardware
 * @hw: the run
 * @gpa: the page
 */
void hwv_arch_hw_hole(struct hwv_hw *hw, u64 gpa);

/**
 * hwv_index_bits() - entry index bits of a table at @level
 * @t: the table
 * @level: 0 for the last level
 *
 * Return: 9, or at the root what the lower levels leave of the width
 * (more than 9 for a concatenated or x4 root).
 */
unsigned int hwv_index_bits(const struct hwv_table *t, unsigned int level);

/**
 * hwv_hw_probe() - probe the sampled pages of every region and the holes
 * @hw: the run (the table loaded)
 *
 * Calls hwv_arch_hw_page() for the first, last and some interior pages of
 * each region and, after checking it in software, hwv_arch_hw_hole() for
 * the pages around each region and in each hole.
 */
void hwv_hw_probe(struct hwv_hw *hw);

/* hwv_table_from_npt() - describe a table built by axas_npt. */
static inline void hwv_table_from_npt(struct hwv_table *t,
				      const struct axas_npt *npt)
{
	t->format = npt->fmt->id;
	t->levels = npt->levels;
	t->gpa_bits = npt->gpa_bits;
	t->root_pa = npt->root_pa;
	t->root_reg = axas_npt_root_reg(npt);
}

/* Index of the region holding @gpa, or -1. */
static inline int hwv_region_index(const struct hwv_region *r,
				   unsigned int nr, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (gpa >= r[i].gpa && gpa - r[i].gpa < r[i].size)
			return i;
	return -1;
}

/* Start of the first region above @gpa, or @limit. */
static inline u64 hwv_next_region(const struct hwv_region *r, unsigned int nr,
				  u64 gpa, u64 limit)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (r[i].gpa > gpa && r[i].gpa < limit)
			limit = r[i].gpa;
	return limit;
}

/* The encoding of @prot's memory type: @device, @uncached or @normal. */
static inline u32 hwv_memtype(u32 prot, u32 device, u32 uncached, u32 normal)
{
	if (prot & AXAS_MAP_DEVICE)
		return device;
	return prot & AXAS_MAP_UNCACHED ? uncached : normal;
}

#define HWV_SAMPLES	12	/* interior pages probed per region */

/*
 * Page indexes probed in a region of @pages pages: the first, the last and
 * up to HWV_SAMPLES in between, at a stride that is not a power of two so
 * that the samples fall at different offsets within huge leaves.
 * Usage: for (i = 0; i < pages; i = hwv_next_sample(pages, i)).
 */
static inline u64 hwv_next_sample(u64 pages, u64 i)
{
	u64 stride = pages / (HWV_SAMPLES + 1) | 1;

	if (i == pages - 1)
		return pages;
	if (i + stride >= pages - 1)
		return pages - 1;
	return i + stride;
}

/* An 8-byte aligned offset within a page, different for each probe. */
static inline unsigned int hwv_probe_offset(u64 gpa, unsigned int n)
{
	return ((gpa >> 12) * 0x238 + n * 0x58) & 0xff8;
}

/*
 * Guest-physical pages outside every region probed for faults: the page
 * just below and just above each region, and the first, middle and last
 * page of each hole up to @top. Calls @fn(gpa, arg) for each, at most once
 * for each hole boundary.
 */
typedef void (*hwv_probe_fn)(u64 gpa, void *arg);

static inline void hwv_probe_holes(const struct hwv_region *r,
				   unsigned int nr, u64 top,
				   hwv_probe_fn fn, void *arg)
{
	u64 start = 0;

	for (;;) {
		u64 end;
		int in;

		/* skip regions starting at @start */
		while (start < top && (in = hwv_region_index(r, nr, start)) >= 0)
			start = r[in].gpa + r[in].size;
		if (start >= top)
			break;
		end = hwv_next_region(r, nr, start, top);
		fn(start, arg);
		if (end - start > 2 * SZ_4K)
			fn(start + ((end - start) / 2 & ~(u64)(SZ_4K - 1)),
			   arg);
		if (end - start > SZ_4K)
			fn(end - SZ_4K, arg);
		start = end;
	}
}

/* --- scaffolding shared by the per-architecture KUnit suites ------------- */

#define HWV_MAX_REGIONS		12
#define HWV_SMALL_ORDER		5	/* 32 data pages for the 4 KiB regions */

/**
 * struct hwv_scene - a table built with axas_npt over real kernel pages
 * @npt: the table
 * @t: how the verifier sees it
 * @small: 4 KiB data pages, filled with hwv_pattern()
 * @huge: a 2 MiB naturally aligned data block, filled likewise
 * @r: the regions mapped, in the order they were mapped
 * @nr: number of @r
 */
struct hwv_scene {
	struct axas_npt npt;
	struct hwv_table t;
	struct page *small;
	struct page *huge;
	struct hwv_region r[HWV_MAX_REGIONS];
	unsigned int nr;
};

/* Data every page holds: a function of its host-physical address. */
static inline u64 hwv_pattern(u64 pa)
{
	return (pa * 0x9e3779b97f4a7c15ULL) ^ 0xa5a5c3c3f0f00ff0ULL;
}

static inline void hwv_fill(struct page *page, unsigned int order)
{
	u64 pa = page_to_phys(page), i;
	u64 *va = page_address(page);

	for (i = 0; i < (PAGE_SIZE << order) / 8; i++)
		va[i] = hwv_pattern(pa + 8 * i);
}

/*
 * The data pages of a scene, filled with hwv_pattern(): 2^HWV_SMALL_ORDER
 * 4 KiB pages and a naturally aligned 2 MiB block. The caller frees them
 * (its KUnit action runs even when an assertion here ends the case).
 */
static inline void hwv_data_alloc(struct kunit *test, struct page **small,
				  struct page **huge)
{
	*small = alloc_pages(GFP_KERNEL, HWV_SMALL_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, *small);
	*huge = alloc_pages(GFP_KERNEL | __GFP_NOWARN, get_order(SZ_2M));
	KUNIT_ASSERT_NOT_NULL(test, *huge);
	hwv_fill(*small, HWV_SMALL_ORDER);
	hwv_fill(*huge, get_order(SZ_2M));
}

static inline u64 hwv_small_pa(const struct hwv_scene *s, unsigned int i)
{
	return page_to_phys(s->small) + (u64)i * SZ_4K;
}

static inline void hwv_scene_add(struct kunit *test, struct hwv_scene *s,
				 u64 gpa, u64 size, u64 hpa, u32 prot)
{
	struct hwv_region *r = &s->r[s->nr];
	int ret;

	KUNIT_ASSERT_LT(test, s->nr, HWV_MAX_REGIONS);
	ret = axas_npt_map(&s->npt, gpa, hpa, size, prot, 0);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "axas_npt_map gpa %#llx size %#llx",
			    gpa, size);
	*r = (struct hwv_region){
		.gpa = gpa, .size = size, .hpa = hpa, .prot = prot,
	};
	s->nr++;
}

static inline void hwv_scene_free(void *arg)
{
	struct hwv_scene *s = arg;

	if (s->npt.root)
		axas_npt_destroy(&s->npt);
	if (s->small)
		__free_pages(s->small, HWV_SMALL_ORDER);
	if (s->huge)
		__free_pages(s->huge, get_order(SZ_2M));
}

/**
 * hwv_scene_build() - a table of @format/@gpa_bits with every kind of region
 * @test: the case (owns the scene; freed when it ends, even on failure)
 * @format: AXAS_FMT_*
 * @gpa_bits: width, 0 for the format's default
 *
 * Regions: 4 KiB pages with each permission set and memory type near 0, a
 * run straddling a 2 MiB boundary, a 2 MiB leaf and a first page in the
 * upper half of the space (bit 40 for Sv39x4), a 1 GiB read-only leaf over
 * the host RAM block holding the data pages, and the last page of the space.
 *
 * Return: the scene (never NULL: allocation failures fail the case).
 */
static inline struct hwv_scene *hwv_scene_build(struct kunit *test,
						u32 format, u32 gpa_bits)
{
	struct hwv_scene *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	const u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	u64 top, half, ram1g;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	ret = kunit_add_action_or_reset(test, hwv_scene_free, s);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = axas_npt_init(&s->npt, format, gpa_bits, NULL, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_data_alloc(test, &s->small, &s->huge);

	top = BIT_ULL(s->npt.gpa_bits);
	half = top / 2;
	ram1g = ALIGN_DOWN(hwv_small_pa(s, 0), SZ_1G);

	hwv_scene_add(test, s, 0, SZ_16K, hwv_small_pa(s, 0), rw);
	hwv_scene_add(test, s, SZ_64K, SZ_16K, hwv_small_pa(s, 4),
		      AXAS_MAP_READ);
	hwv_scene_add(test, s, 2 * SZ_64K, SZ_8K, hwv_small_pa(s, 8),
		      AXAS_MAP_READ | AXAS_MAP_EXEC);
	/* execute-only where the format has it (not on x86 paging) */
	hwv_scene_add(test, s, 3 * SZ_64K, SZ_4K, hwv_small_pa(s, 10),
		      axas_npt_prot_fits(&s->npt, AXAS_MAP_EXEC) ?
		      AXAS_MAP_EXEC : AXAS_MAP_READ | AXAS_MAP_EXEC);
	hwv_scene_add(test, s, 4 * SZ_64K, SZ_8K, hwv_small_pa(s, 11),
		      rw | AXAS_MAP_DEVICE);
	hwv_scene_add(test, s, 5 * SZ_64K, SZ_8K, hwv_small_pa(s, 13),
		      AXAS_MAP_READ | AXAS_MAP_UNCACHED);
	hwv_scene_add(test, s, SZ_2M - SZ_8K, SZ_16K, hwv_small_pa(s, 16),
		      rw | AXAS_MAP_EXEC);
	hwv_scene_add(test, s, half, SZ_8K, hwv_small_pa(s, 21),
		      AXAS_MAP_READ);
	hwv_scene_add(test, s, half + SZ_2M, SZ_2M, page_to_phys(s->huge), rw);
	hwv_scene_add(test, s, half - SZ_1G, SZ_1G, ram1g, AXAS_MAP_READ);
	hwv_scene_add(test, s, top - SZ_4K, SZ_4K, hwv_small_pa(s, 20), rw);

	hwv_table_from_npt(&s->t, &s->npt);
	return s;
}

/* --- the same, for an address space built by axas_core ------------------ */

#define HWV_CORE_MAX_REGIONS	32

/**
 * struct hwv_core_scene - an axas_core address space over real kernel pages
 * @as: the address space
 * @t: how the verifier sees its table
 * @small: 4 KiB data pages for a linear region
 * @huge: a 2 MiB block for a linear region, split by unmap and protect
 * @alloc_gpa: first page of the populated alloc region
 * @r: what axas_translate() says is mapped, page runs coalesced
 * @nr: number of @r
 */
struct hwv_core_scene {
	struct axas_aspace *as;
	struct hwv_table t;
	struct page *small;
	struct page *huge;
	u64 alloc_gpa;
	struct hwv_region r[HWV_CORE_MAX_REGIONS];
	unsigned int nr;
};

static inline void hwv_core_scene_free(void *arg)
{
	struct hwv_core_scene *s = arg;

	if (!IS_ERR_OR_NULL(s->as))
		axas_aspace_put(s->as);
	if (s->small)
		__free_pages(s->small, HWV_SMALL_ORDER);
	if (s->huge)
		__free_pages(s->huge, get_order(SZ_2M));
}

/*
 * Append what the address space maps in [gpa, gpa + size) to the region
 * list, one translate per page, runs with contiguous output and equal
 * permissions merged.
 */
static inline void hwv_core_collect(struct kunit *test,
				    struct hwv_core_scene *s, u64 gpa, u64 size)
{
	u64 end = gpa + size;

	for (; gpa < end; gpa += SZ_4K) {
		struct hwv_region *last = s->nr ? &s->r[s->nr - 1] : NULL;
		struct axas_xlate x;

		if (axas_translate(s->as, gpa, &x))
			continue;
		if (last && last->gpa + last->size == gpa &&
		    last->hpa + last->size == x.hpa && last->prot == x.prot) {
			last->size += SZ_4K;
			continue;
		}
		KUNIT_ASSERT_LT(test, s->nr, HWV_CORE_MAX_REGIONS);
		s->r[s->nr++] = (struct hwv_region){
			.gpa = gpa, .size = SZ_4K, .hpa = x.hpa, .prot = x.prot,
		};
	}
}

/**
 * hwv_core_scene_build() - an address space shaped by the core's operations
 * @test: the case (owns the scene)
 * @format: AXAS_FMT_*
 * @gpa_bits: width, 0 for the format's default
 *
 * A 2 MiB linear leaf split by unmapping one page and protecting 8 KiB of
 * it to read-only, a 16 KiB uncached linear region, and 8 populated alloc
 * pages at the top of the space written through axas_write(). The region
 * list is what axas_translate() reports, checked here against what the
 * operations should have produced.
 *
 * Return: the scene.
 */
static inline struct hwv_core_scene *
hwv_core_scene_build(struct kunit *test, u32 format, u32 gpa_bits)
{
	struct hwv_core_scene *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	const u32 rw = AXAS_MAP_READ | AXAS_MAP_WRITE;
	const u64 lin = SZ_4M, hole = SZ_4M + SZ_64K, ro = SZ_4M + SZ_1M;
	struct axas_stats st;
	struct axas_xlate x;
	u64 top, *buf, i;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	ret = kunit_add_action_or_reset(test, hwv_core_scene_free, s);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hwv_data_alloc(test, &s->small, &s->huge);

	/* the whole width: its first and last pages are used */
	KUNIT_ASSERT_EQ(test, axas_npt_resolve_format(&format, &gpa_bits), 0);
	s->as = axas_aspace_create(format, gpa_bits, 0, BIT_ULL(gpa_bits));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s->as);
	axas_aspace_stats(s->as, &st);
	top = BIT_ULL(st.gpa_bits);

	ret = axas_map_linear(s->as, lin, page_to_phys(s->huge), SZ_2M,
			      rw | AXAS_MAP_EXEC);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = axas_unmap(s->as, hole, SZ_4K);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = axas_protect(s->as, ro, SZ_8K, AXAS_MAP_READ);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = axas_map_linear(s->as, SZ_64K, page_to_phys(s->small), SZ_16K,
			      AXAS_MAP_READ | AXAS_MAP_UNCACHED);
	KUNIT_ASSERT_EQ(test, ret, 0);
	s->alloc_gpa = top - SZ_32K;
	ret = axas_map_alloc(s->as, s->alloc_gpa, SZ_32K,
			     rw | AXAS_MAP_POPULATE);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/* guest data written by the core, read back by the hardware */
	buf = kunit_kmalloc(test, SZ_32K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < SZ_32K / 8; i++)
		buf[i] = hwv_pattern(s->alloc_gpa + 8 * i) ^ 0x1234;
	KUNIT_ASSERT_EQ(test, axas_write(s->as, s->alloc_gpa, buf, SZ_32K),
			(ssize_t)SZ_32K);

	hwv_core_collect(test, s, SZ_64K, SZ_16K);
	hwv_core_collect(test, s, lin, SZ_2M);
	hwv_core_collect(test, s, s->alloc_gpa, SZ_32K);

	/* what the operations must have left */
	KUNIT_ASSERT_EQ(test, axas_translate(s->as, hole, &x), -ENOENT);
	KUNIT_ASSERT_EQ(test, axas_translate(s->as, ro + SZ_4K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, AXAS_MAP_READ);
	KUNIT_EXPECT_EQ(test, x.hpa, page_to_phys(s->huge) + (ro + SZ_4K - lin));
	KUNIT_ASSERT_EQ(test, axas_translate(s->as, s->alloc_gpa + SZ_4K, &x),
			0);
	KUNIT_EXPECT_EQ(test, *(u64 *)phys_to_virt(x.hpa),
			hwv_pattern(s->alloc_gpa + SZ_4K) ^ 0x1234);

	s->t.format = st.format;
	s->t.levels = st.levels;
	s->t.gpa_bits = st.gpa_bits;
	s->t.root_pa = st.root_pa;
	s->t.root_reg = st.root_reg;
	return s;
}

/* Log what a verification did. */
static inline void hwv_report_log(struct kunit *test, const char *what,
				  const struct hwv_report *rep)
{
	kunit_info(test,
		   "%s: hw %u probes (%u faults as expected, %u left to software), sw %u pages %u leaves; failures hw %u sw %u%s%s\n",
		   what, rep->hw_probes, rep->hw_faults, rep->hw_skipped,
		   rep->sw_pages, rep->sw_leaves, rep->hw_failures,
		   rep->sw_failures, hwv_failures(rep) ? ", first: " : "",
		   rep->first);
}

/* --- test cases shared by the per-architecture suites (kunit/hwverify/) -- */

/* What the hardware path must make of a corrupted entry. */
enum hwv_hw_sees {
	HWV_HW_BLIND,		/* nothing: only the software walk can tell */
	HWV_HW_SEES,		/* at least one failure */
	HWV_HW_MAY_SEE,		/* depends on the emulator: not asserted */
};

/**
 * struct hwv_test_arch - what the shared test cases ask of a hardware walker
 * @expect_tables: the coverage the hardware path must show on the table of
 *	hwv_scene_build()
 * @expect_core: the same for the table of hwv_core_scene_build()
 * @root_order: allocation order of an empty root that any table may use
 * @root_reg: @reg pointing at the root @root_pa instead of its own
 * @root_what: log line of the wrong-root case
 * @table_at_pa0: an entry that points at a next-level table at PA 0
 */
struct hwv_test_arch {
	void (*expect_tables)(struct kunit *test, const struct hwv_scene *s,
			      const struct hwv_report *rep);
	void (*expect_core)(struct kunit *test, unsigned int nr,
			    const struct hwv_report *rep);
	unsigned int root_order;
	u64 (*root_reg)(u64 reg, u64 root_pa);
	const char *root_what;
	u64 table_at_pa0;
};

/*
 * Defined by the one architecture built, next to its suites: the format
 * and width a case's parameter value stands for, and what the cases ask of
 * the hardware that walks that format (x86 has two: AMD NPT and Intel EPT).
 */
void hwv_arch_param(const void *value, u32 *format, u32 *gpa_bits);
const struct hwv_test_arch *hwv_arch_tests(u32 format);

/* KUnit cases, parameterized by the architecture's generator. */
void hwv_hw_tables(struct kunit *test);
void hwv_hw_core(struct kunit *test);
void hwv_hw_neg_wrong_pa(struct kunit *test);
void hwv_hw_neg_no_write(struct kunit *test);
void hwv_hw_neg_stray(struct kunit *test);
void hwv_hw_neg_root_reg(struct kunit *test);
void hwv_hw_consumer_regs(struct kunit *test);
void hwv_hw_neg_consumer_regs(struct kunit *test,
			      void (*skew)(struct hwv_table *t),
			      const char *what);
void hwv_hw_neg_nonram_table(struct kunit *test);
void hwv_hw_neg_raw(struct kunit *test, unsigned int region, u64 clear,
		    u64 set, const char *what, enum hwv_hw_sees sees);

#endif /* _AXAS_KUNIT_HWVERIFY_H */
