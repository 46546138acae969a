// SPDX-License-Identifier: GPL-2.0
/*
 * ptdecode - decode axas table images from the architecture manuals.
 *
 * Levels are numbered from the leaf: level 0 maps 4 KiB, level 1 2 MiB,
 * level 2 1 GiB; the root is level (levels - 1). Arm calls our level L its
 * level 3 - L.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ptdecode.h"

#define BIT64(n)		(1ULL << (n))
#define MASK64(hi, lo)		((~0ULL >> (63 - (hi))) & ~(BIT64(lo) - 1))

/* Intel SDM vol. 3C, 29.3.2 "EPT Translation Mechanism", tables 29-1..29-6. */
#define EPT_R			BIT64(0)
#define EPT_W			BIT64(1)
#define EPT_X			BIT64(2)
#define EPT_MT_SHIFT		3		/* leaf memory type, bits 5:3 */
#define EPT_MT_MASK		MASK64(5, 3)
#define EPT_PS			BIT64(7)	/* 2 MiB / 1 GiB leaf */
#define EPT_ADDR		MASK64(51, 12)
#define EPT_MT_UC		0
#define EPT_MT_WC		1
#define EPT_MT_WB		6
/* 29.2.6 / 25.6.11 "Extended-Page-Table Pointer (EPTP)" */
#define EPTP_MT_MASK		MASK64(2, 0)
#define EPTP_PWL_SHIFT		3		/* page-walk length - 1 */
#define EPTP_RSVD		MASK64(11, 7)

/* Arm ARM D8.3 "Translation table descriptor formats", stage 2. */
#define S2_VALID		BIT64(0)
#define S2_TABLE		BIT64(1)	/* table (L0-2) or page (L3) */
#define S2_MEMATTR_SHIFT	2
#define S2_MEMATTR		MASK64(5, 2)
#define S2_AP_R			BIT64(6)
#define S2_AP_W			BIT64(7)
#define S2_SH_SHIFT		8
#define S2_SH			MASK64(9, 8)
#define S2_AF			BIT64(10)
#define S2_CONT			BIT64(52)
#define S2_XN			MASK64(54, 53)	/* XN[1:0] (FEAT_XNX) */
#define S2_XN0			BIT64(53)	/* RES0 without FEAT_XNX */
#define S2_OA			MASK64(47, 12)
#define S2_MEMATTR_NORMAL_WB	0xf	/* outer WB, inner WB */
#define S2_MEMATTR_NORMAL_NC	0x5	/* outer NC, inner NC */
#define S2_MEMATTR_DEV_NGNRE	0x1
#define S2_SH_INNER		3
/* D19.2 VTTBR_EL2 */
#define VTTBR_BADDR		MASK64(47, 1)
#define VTTBR_VMID		MASK64(63, 48)

/* RISC-V privileged spec 12.4 (Sv39 PTE), 18.5 (G-stage), Svpbmt. */
#define RV_V			BIT64(0)
#define RV_R			BIT64(1)
#define RV_W			BIT64(2)
#define RV_X			BIT64(3)
#define RV_U			BIT64(4)
#define RV_G			BIT64(5)
#define RV_A			BIT64(6)
#define RV_D			BIT64(7)
#define RV_PPN_SHIFT		10
#define RV_PPN			MASK64(53, 10)
#define RV_RSVD			MASK64(60, 54)
#define RV_PBMT_SHIFT		61
#define RV_PBMT			MASK64(62, 61)
#define RV_N			BIT64(63)
#define RV_PBMT_NC		1
#define RV_PBMT_IO		2
/* 18.2.10 hgatp (RV64) */
#define HGATP_MODE_SHIFT	60
#define HGATP_VMID		MASK64(57, 44)
#define HGATP_PPN		MASK64(43, 0)

/*
 * AMD64 APM vol. 2, 5.4 "Page-Translation-Table Entry Fields" (long mode)
 * and 15.25 "Nested Paging": nested walks are user accesses; the host PAT
 * (as Linux programs it: slot 0 WB, 1 WC, 2 UC-, 3 UC) gives the type.
 */
#define NPT_P			BIT64(0)
#define NPT_RW			BIT64(1)
#define NPT_US			BIT64(2)
#define NPT_PWT			BIT64(3)
#define NPT_PCD			BIT64(4)
#define NPT_A			BIT64(5)
#define NPT_D			BIT64(6)
#define NPT_PS			BIT64(7)	/* above level 0: 2 MiB / 1 GiB leaf */
#define NPT_PAT_4K		BIT64(7)
#define NPT_PAT_HUGE		BIT64(12)
#define NPT_ADDR		MASK64(51, 12)
#define NPT_NX			BIT64(63)
#define NCR3_RSVD		(MASK64(11, 0) | MASK64(63, 52))

enum pt_kind { PT_NONE, PT_TABLE, PT_LEAF, PT_BAD };

static const char *const fmt_names[] = {
	[AXAS_FMT_NATIVE] = "native",
	[AXAS_FMT_EPT4] = "ept4",
	[AXAS_FMT_EPT5] = "ept5",
	[AXAS_FMT_ARM_S2] = "arm-s2",
	[AXAS_FMT_SV39X4] = "sv39x4",
	[AXAS_FMT_SV48X4] = "sv48x4",
	[AXAS_FMT_SV57X4] = "sv57x4",
	[AXAS_FMT_AMD_NPT4] = "amd-npt4",
	[AXAS_FMT_AMD_NPT5] = "amd-npt5",
};

const char *pt_format_name(uint32_t format)
{
	if (format < ARRAY_SIZE(fmt_names))
		return fmt_names[format];
	return "unknown";
}

void pt_err(struct pt_errors *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	if (err->count < ARRAY_SIZE(err->first)) {
		va_start(ap, fmt);
		vsnprintf(err->first[err->count], sizeof(err->first[0]), fmt,
			  ap);
		va_end(ap);
	}
	err->count++;
}

static unsigned int level_shift(unsigned int level)
{
	return 12 + 9 * level;
}

int pt_expected_levels(uint32_t format, uint32_t gpa_bits)
{
	int levels;

	switch (format) {
	case AXAS_FMT_EPT4:
		return gpa_bits == 48 ? 4 : -1;
	case AXAS_FMT_EPT5:
		return gpa_bits == 57 ? 5 : -1;
	case AXAS_FMT_SV39X4:
		return gpa_bits == 41 ? 3 : -1;
	case AXAS_FMT_SV48X4:
		return gpa_bits == 50 ? 4 : -1;
	case AXAS_FMT_SV57X4:
		return gpa_bits == 59 ? 5 : -1;
	case AXAS_FMT_AMD_NPT4:
		return gpa_bits == 48 ? 4 : -1;
	case AXAS_FMT_AMD_NPT5:
		return gpa_bits == 57 ? 5 : -1;
	case AXAS_FMT_ARM_S2:
		/*
		 * D8.2: with a 4 KiB granule the initial lookup may resolve up
		 * to 4 extra bits by concatenating up to 16 tables; the start
		 * level is the deepest one whose root then covers the IPA.
		 */
		if (gpa_bits < 32 || gpa_bits > 48)
			return -1;
		for (levels = 2; levels <= 4; levels++)
			if ((int)gpa_bits - 12 - 9 * (levels - 1) <= 13)
				return levels;
		return -1;
	default:
		return -1;
	}
}

unsigned int pt_root_entries(uint32_t levels, uint32_t gpa_bits)
{
	int bits = (int)gpa_bits - (int)level_shift(levels - 1);

	if (bits < 1 || bits > 13)
		return 0;
	return 1u << bits;
}

static int page_cmp(const void *a, const void *b)
{
	const struct pt_page *x = a, *y = b;

	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int pt_image_parse(const void *buf, size_t len, struct pt_image *img,
		   struct pt_errors *err)
{
	const unsigned char *p = buf;
	uint64_t i;

	memset(img, 0, sizeof(*img));
	if (len < PT_HDR_SIZE) {
		pt_err(err, "image too short (%zu bytes)", len);
		return -1;
	}
	if (get_le32(p) != AXAS_DUMP_MAGIC) {
		pt_err(err, "bad magic 0x%08x", get_le32(p));
		return -1;
	}
	if ((p[4] | p[5] << 8) != AXAS_DUMP_VERSION) {
		pt_err(err, "unknown version %u", p[4] | p[5] << 8);
		return -1;
	}
	img->format = p[6] | p[7] << 8;
	img->levels = get_le32(p + 8);
	img->gpa_bits = get_le32(p + 12);
	img->root_pa = get_le64(p + 16);
	img->root_reg = get_le64(p + 24);
	img->nr_pages = get_le64(p + 32);
	for (i = 40; i < PT_HDR_SIZE; i++)
		if (p[i])
			pt_err(err, "header padding byte %llu is not zero",
			       (unsigned long long)i);
	if (img->format < AXAS_FMT_EPT4 || img->format > AXAS_FMT_AMD_NPT5) {
		pt_err(err, "unknown format %u", img->format);
		return -1;
	}
	if (pt_expected_levels(img->format, img->gpa_bits) != (int)img->levels)
		pt_err(err, "%s with %u gpa bits must walk %d levels, not %u",
		       pt_format_name(img->format), img->gpa_bits,
		       pt_expected_levels(img->format, img->gpa_bits),
		       img->levels);
	if (img->levels < 1 || img->levels > 5 ||
	    !pt_root_entries(img->levels, img->gpa_bits)) {
		pt_err(err, "unusable geometry: %u levels, %u bits",
		       img->levels, img->gpa_bits);
		return -1;
	}
	if (img->nr_pages > (len - PT_HDR_SIZE) / PT_REC_SIZE ||
	    len != PT_HDR_SIZE + img->nr_pages * PT_REC_SIZE) {
		pt_err(err, "image is %zu bytes, header promises %llu pages",
		       len, (unsigned long long)img->nr_pages);
		return -1;
	}
	img->pages = calloc(img->nr_pages ? img->nr_pages : 1,
			    sizeof(*img->pages));
	if (!img->pages) {
		pt_err(err, "out of memory");
		return -1;
	}
	for (i = 0; i < img->nr_pages; i++) {
		const unsigned char *rec = p + PT_HDR_SIZE + i * PT_REC_SIZE;

		img->pages[i].pa = get_le64(rec);
		img->pages[i].ent = (const uint64_t *)(rec + 8);
		if (img->pages[i].pa & (PT_PAGE_SIZE - 1))
			pt_err(err, "page record %llu: pa 0x%llx not aligned",
			       (unsigned long long)i,
			       (unsigned long long)img->pages[i].pa);
	}
	if (img->nr_pages && img->pages[0].pa != img->root_pa)
		pt_err(err, "first page 0x%llx is not the root 0x%llx",
		       (unsigned long long)img->pages[0].pa,
		       (unsigned long long)img->root_pa);
	qsort(img->pages, img->nr_pages, sizeof(*img->pages), page_cmp);
	for (i = 1; i < img->nr_pages; i++)
		if (img->pages[i].pa == img->pages[i - 1].pa)
			pt_err(err, "page 0x%llx appears twice",
			       (unsigned long long)img->pages[i].pa);
	return 0;
}

void pt_image_free(struct pt_image *img)
{
	free(img->pages);
	img->pages = NULL;
}

static struct pt_page *find_page(struct pt_image *img, uint64_t pa)
{
	struct pt_page key = { .pa = pa };

	return bsearch(&key, img->pages, img->nr_pages, sizeof(key), page_cmp);
}

static uint64_t ent_at(const struct pt_page *pg, unsigned int i)
{
	return get_le64((const unsigned char *)&pg->ent[i]);
}

/* Decode one entry. *@prot gets the leaf's (or table's) permissions. */
static enum pt_kind dec_ept(uint64_t pte, unsigned int level, uint64_t gpa,
			    uint64_t *pa, uint32_t *prot, struct pt_errors *err)
{
	uint64_t mt, lowmask;

	if (!(pte & (EPT_R | EPT_W | EPT_X)))
		return PT_NONE;
	*prot = (pte & EPT_R ? AXAS_MAP_READ : 0) |
		(pte & EPT_W ? AXAS_MAP_WRITE : 0) |
		(pte & EPT_X ? AXAS_MAP_EXEC : 0);
	if ((pte & EPT_W) && !(pte & EPT_R)) {
		pt_err(err, "ept: gpa 0x%llx level %u: W without R (misconfig) pte 0x%llx",
		       (unsigned long long)gpa, level, (unsigned long long)pte);
		return PT_BAD;
	}
	if (level == 0 || ((pte & EPT_PS) && level <= 2)) {
		lowmask = MASK64(level_shift(level) - 1, 12);
		if (level && (pte & lowmask)) {
			pt_err(err, "ept: gpa 0x%llx: huge leaf with reserved address bits pte 0x%llx",
			       (unsigned long long)gpa,
			       (unsigned long long)pte);
			return PT_BAD;
		}
		if (level && !(pte & EPT_PS)) {
			pt_err(err, "ept: level %u leaf without PS", level);
			return PT_BAD;
		}
		mt = (pte & EPT_MT_MASK) >> EPT_MT_SHIFT;
		if (mt == EPT_MT_UC)
			*prot |= AXAS_MAP_DEVICE;
		else if (mt == EPT_MT_WC)
			*prot |= AXAS_MAP_UNCACHED;
		else if (mt != EPT_MT_WB)
			pt_err(err, "ept: gpa 0x%llx: memory type %llu is not UC/WC/WB",
			       (unsigned long long)gpa,
			       (unsigned long long)mt);
		*pa = pte & EPT_ADDR & ~lowmask;
		return PT_LEAF;
	}
	if (pte & EPT_PS) {
		pt_err(err, "ept: level %u entry with PS (reserved) pte 0x%llx",
		       level, (unsigned long long)pte);
		return PT_BAD;
	}
	if (pte & MASK64(6, 3)) {
		pt_err(err, "ept: non-leaf entry with reserved bits 6:3 pte 0x%llx",
		       (unsigned long long)pte);
		return PT_BAD;
	}
	*pa = pte & EPT_ADDR;
	return PT_TABLE;
}

static enum pt_kind dec_arm(uint64_t pte, unsigned int level, uint64_t gpa,
			    uint64_t *pa, uint32_t *prot, struct pt_errors *err)
{
	uint64_t attr, lowmask;

	if (!(pte & S2_VALID))
		return PT_NONE;
	*prot = 0;
	if (level > 0 && (pte & S2_TABLE)) {
		*pa = pte & S2_OA;
		return PT_TABLE;
	}
	if (level == 0 && !(pte & S2_TABLE)) {
		pt_err(err, "arm: gpa 0x%llx: level 3 descriptor with bit 1 clear (reserved)",
		       (unsigned long long)gpa);
		return PT_BAD;
	}
	if (level > 2) {
		pt_err(err, "arm: gpa 0x%llx: block at level 0 (not allowed with 4K granule)",
		       (unsigned long long)gpa);
		return PT_BAD;
	}
	lowmask = MASK64(level_shift(level) - 1, 12);
	if (level && (pte & lowmask)) {
		pt_err(err, "arm: gpa 0x%llx: block with RES0 address bits pte 0x%llx",
		       (unsigned long long)gpa, (unsigned long long)pte);
		return PT_BAD;
	}
	if (!(pte & S2_AF))
		pt_err(err, "arm: gpa 0x%llx: AF clear", (unsigned long long)gpa);
	if (pte & S2_CONT)
		pt_err(err, "arm: gpa 0x%llx: contiguous bit set",
		       (unsigned long long)gpa);
	/* XN[0] alone would leave the page executable at one EL. */
	if (pte & S2_XN0)
		pt_err(err, "arm: gpa 0x%llx: XN[0] set (XN must be 0b00 or 0b10)",
		       (unsigned long long)gpa);
	*prot = (pte & S2_AP_R ? AXAS_MAP_READ : 0) |
		(pte & S2_AP_W ? AXAS_MAP_WRITE : 0) |
		(pte & S2_XN ? 0 : AXAS_MAP_EXEC);
	if ((pte & S2_AP_W) && !(pte & S2_AP_R)) {
		pt_err(err, "arm: gpa 0x%llx: S2AP write-only", (unsigned long long)gpa);
		return PT_BAD;
	}
	attr = (pte & S2_MEMATTR) >> S2_MEMATTR_SHIFT;
	if (attr == S2_MEMATTR_DEV_NGNRE) {
		*prot |= AXAS_MAP_DEVICE;
	} else if (attr == S2_MEMATTR_NORMAL_NC) {
		*prot |= AXAS_MAP_UNCACHED;
	} else if (attr == S2_MEMATTR_NORMAL_WB) {
		if (((pte & S2_SH) >> S2_SH_SHIFT) != S2_SH_INNER)
			pt_err(err, "arm: gpa 0x%llx: normal memory not inner shareable",
			       (unsigned long long)gpa);
	} else {
		pt_err(err, "arm: gpa 0x%llx: MemAttr 0x%llx unexpected",
		       (unsigned long long)gpa, (unsigned long long)attr);
	}
	*pa = pte & S2_OA & ~lowmask;
	return PT_LEAF;
}

static enum pt_kind dec_rv(uint64_t pte, unsigned int level, uint64_t gpa,
			   uint64_t *pa, uint32_t *prot, struct pt_errors *err)
{
	uint64_t pbmt, lowmask;

	if (!(pte & RV_V))
		return PT_NONE;
	*prot = 0;
	if (pte & (RV_RSVD | RV_N)) {
		pt_err(err, "riscv: gpa 0x%llx: reserved bits 63/60:54 set pte 0x%llx",
		       (unsigned long long)gpa, (unsigned long long)pte);
		return PT_BAD;
	}
	pbmt = (pte & RV_PBMT) >> RV_PBMT_SHIFT;
	*pa = ((pte & RV_PPN) >> RV_PPN_SHIFT) << 12;
	if (!(pte & (RV_R | RV_W | RV_X))) {
		if (level == 0) {
			pt_err(err, "riscv: gpa 0x%llx: pointer at the last level",
			       (unsigned long long)gpa);
			return PT_BAD;
		}
		if (pte & (RV_U | RV_A | RV_D) || pbmt)
			pt_err(err, "riscv: non-leaf with U/A/D/PBMT set (reserved) pte 0x%llx",
			       (unsigned long long)pte);
		return PT_TABLE;
	}
	if ((pte & RV_W) && !(pte & RV_R)) {
		pt_err(err, "riscv: gpa 0x%llx: W without R (reserved)",
		       (unsigned long long)gpa);
		return PT_BAD;
	}
	lowmask = MASK64(level_shift(level) - 1, 12);
	if (level && (*pa & lowmask)) {
		pt_err(err, "riscv: gpa 0x%llx: misaligned superpage pte 0x%llx",
		       (unsigned long long)gpa, (unsigned long long)pte);
		return PT_BAD;
	}
	if (!(pte & RV_U))
		pt_err(err, "riscv: gpa 0x%llx: G-stage leaf without U",
		       (unsigned long long)gpa);
	if (!(pte & RV_A))
		pt_err(err, "riscv: gpa 0x%llx: leaf without A",
		       (unsigned long long)gpa);
	if ((pte & RV_W) && !(pte & RV_D))
		pt_err(err, "riscv: gpa 0x%llx: writable leaf without D",
		       (unsigned long long)gpa);
	if (pte & RV_G)
		pt_err(err, "riscv: gpa 0x%llx: G set on a G-stage leaf",
		       (unsigned long long)gpa);
	*prot = (pte & RV_R ? AXAS_MAP_READ : 0) |
		(pte & RV_W ? AXAS_MAP_WRITE : 0) |
		(pte & RV_X ? AXAS_MAP_EXEC : 0);
	if (pbmt == RV_PBMT_IO)
		*prot |= AXAS_MAP_DEVICE;
	else if (pbmt == RV_PBMT_NC)
		*prot |= AXAS_MAP_UNCACHED;
	else if (pbmt)
		pt_err(err, "riscv: gpa 0x%llx: PBMT 3 is reserved",
		       (unsigned long long)gpa);
	return PT_LEAF;
}

static enum pt_kind dec_npt(uint64_t pte, unsigned int level, uint64_t gpa,
			    uint64_t *pa, uint32_t *prot, struct pt_errors *err)
{
	uint64_t lowmask, pat;
	unsigned int slot;

	if (!(pte & NPT_P))
		return PT_NONE;
	*prot = 0;
	/* every level: a nested walk is a user access, A preset */
	if (!(pte & NPT_US))
		pt_err(err, "amd-npt: gpa 0x%llx level %u: U clear (nested walks are user accesses) pte 0x%llx",
		       (unsigned long long)gpa, level, (unsigned long long)pte);
	if (!(pte & NPT_A))
		pt_err(err, "amd-npt: gpa 0x%llx level %u: A clear pte 0x%llx",
		       (unsigned long long)gpa, level, (unsigned long long)pte);
	if (level && !(pte & NPT_PS)) {
		/* a pointer: grants all, so that the leaf decides */
		if (!(pte & NPT_RW) || (pte & NPT_NX) || (pte & (NPT_PCD | NPT_PWT)))
			pt_err(err, "amd-npt: gpa 0x%llx level %u: pointer restricts or caches oddly pte 0x%llx",
			       (unsigned long long)gpa, level,
			       (unsigned long long)pte);
		*pa = pte & NPT_ADDR;
		return PT_TABLE;
	}
	if (level > 2) {
		pt_err(err, "amd-npt: gpa 0x%llx: PS at level %u (reserved)",
		       (unsigned long long)gpa, level);
		return PT_BAD;
	}
	lowmask = level ? MASK64(level_shift(level) - 1, 13) : 0;
	if (pte & lowmask) {
		pt_err(err, "amd-npt: gpa 0x%llx: huge leaf with reserved address bits pte 0x%llx",
		       (unsigned long long)gpa, (unsigned long long)pte);
		return PT_BAD;
	}
	pat = level ? NPT_PAT_HUGE : NPT_PAT_4K;
	slot = (pte & pat ? 4 : 0) | (pte & NPT_PCD ? 2 : 0) |
	       (pte & NPT_PWT ? 1 : 0);
	*prot = AXAS_MAP_READ | (pte & NPT_RW ? AXAS_MAP_WRITE : 0) |
		(pte & NPT_NX ? 0 : AXAS_MAP_EXEC);
	if ((pte & NPT_RW) && !(pte & NPT_D))
		pt_err(err, "amd-npt: gpa 0x%llx: writable leaf without D",
		       (unsigned long long)gpa);
	if (slot == 3)
		*prot |= AXAS_MAP_DEVICE;
	else if (slot == 1)
		*prot |= AXAS_MAP_UNCACHED;
	else if (slot)
		pt_err(err, "amd-npt: gpa 0x%llx: PAT slot %u is not WB/WC/UC",
		       (unsigned long long)gpa, slot);
	*pa = pte & NPT_ADDR & ~(lowmask | (level ? NPT_PAT_HUGE : 0));
	return PT_LEAF;
}

static enum pt_kind dec_entry(uint32_t format, uint64_t pte, unsigned int level,
			      uint64_t gpa, uint64_t *pa, uint32_t *prot,
			      struct pt_errors *err)
{
	switch (format) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		return dec_ept(pte, level, gpa, pa, prot, err);
	case AXAS_FMT_ARM_S2:
		return dec_arm(pte, level, gpa, pa, prot, err);
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		return dec_npt(pte, level, gpa, pa, prot, err);
	default:
		return dec_rv(pte, level, gpa, pa, prot, err);
	}
}

static void check_root_reg(const struct pt_image *img, struct pt_errors *err)
{
	uint64_t reg = img->root_reg, root_bytes;
	unsigned int mode;

	root_bytes = (uint64_t)pt_root_entries(img->levels, img->gpa_bits) * 8;
	if (root_bytes < PT_PAGE_SIZE)
		root_bytes = PT_PAGE_SIZE;
	if (img->root_pa & (root_bytes - 1))
		pt_err(err, "root 0x%llx not aligned to its %llu bytes",
		       (unsigned long long)img->root_pa,
		       (unsigned long long)root_bytes);

	switch (img->format) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		if ((reg & EPTP_MT_MASK) != EPT_MT_WB ||
		    ((reg >> EPTP_PWL_SHIFT) & 7) != img->levels - 1 ||
		    (reg & EPTP_RSVD) || (reg & EPT_ADDR) != img->root_pa ||
		    (reg & MASK64(63, 52)))
			pt_err(err, "EPTP 0x%llx does not match root 0x%llx / %u levels / WB",
			       (unsigned long long)reg,
			       (unsigned long long)img->root_pa, img->levels);
		break;
	case AXAS_FMT_ARM_S2:
		if ((reg & VTTBR_BADDR) != img->root_pa || (reg & VTTBR_VMID))
			pt_err(err, "VTTBR_EL2 0x%llx does not match root 0x%llx, VMID 0",
			       (unsigned long long)reg,
			       (unsigned long long)img->root_pa);
		break;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		/* nCR3: the root, no PCD/PWT, nothing above bit 51 */
		if ((reg & NPT_ADDR) != img->root_pa || (reg & NCR3_RSVD))
			pt_err(err, "nCR3 0x%llx does not match root 0x%llx",
			       (unsigned long long)reg,
			       (unsigned long long)img->root_pa);
		break;
	default:
		mode = reg >> HGATP_MODE_SHIFT;
		if (mode != 8 + (img->format - AXAS_FMT_SV39X4) ||
		    (reg & HGATP_VMID) ||
		    ((reg & HGATP_PPN) << 12) != img->root_pa)
			pt_err(err, "hgatp 0x%llx does not match root 0x%llx / mode %u",
			       (unsigned long long)reg,
			       (unsigned long long)img->root_pa,
			       8 + (img->format - AXAS_FMT_SV39X4));
		break;
	}
}

struct walk_ctx {
	struct pt_image *img;
	int (*fn)(const struct pt_leaf *l, void *arg);
	void *arg;
	struct pt_errors *err;
	long leaves;
	bool stop;
};

static void walk_table(struct walk_ctx *w, const struct pt_page *pg,
		       unsigned int level, uint64_t gpa, uint32_t perm);

static void visit(struct walk_ctx *w, uint64_t pte, unsigned int level,
		  uint64_t gpa, uint32_t perm)
{
	struct pt_leaf leaf;
	struct pt_page *next;
	uint64_t pa;
	uint32_t prot;
	bool is_ept = w->img->format <= AXAS_FMT_EPT5;

	switch (dec_entry(w->img->format, pte, level, gpa, &pa, &prot,
			  w->err)) {
	case PT_NONE:
	case PT_BAD:
		return;
	case PT_TABLE:
		next = find_page(w->img, pa);
		if (!next) {
			pt_err(w->err, "gpa 0x%llx level %u: table 0x%llx missing from image",
			       (unsigned long long)gpa, level,
			       (unsigned long long)pa);
			return;
		}
		if (next->refs++) {
			pt_err(w->err, "table 0x%llx reached twice",
			       (unsigned long long)pa);
			return;
		}
		/* EPT permissions are the AND of every level (SDM 29.3.3). */
		walk_table(w, next, level - 1, gpa,
			   is_ept ? (perm & prot) : perm);
		return;
	case PT_LEAF:
		leaf.gpa = gpa;
		leaf.pa = pa;
		leaf.size = 1ULL << level_shift(level);
		leaf.prot = is_ept ? (prot & (perm | AXAS_MAP_DEVICE |
					      AXAS_MAP_UNCACHED)) : prot;
		leaf.level = level;
		leaf.pte = pte;
		w->leaves++;
		if (w->fn && w->fn(&leaf, w->arg))
			w->stop = true;
		return;
	}
}

static void walk_table(struct walk_ctx *w, const struct pt_page *pg,
		       unsigned int level, uint64_t gpa, uint32_t perm)
{
	unsigned int i;

	for (i = 0; i < 512 && !w->stop; i++)
		visit(w, ent_at(pg, i), level,
		      gpa + ((uint64_t)i << level_shift(level)), perm);
}

long pt_walk(struct pt_image *img, int (*fn)(const struct pt_leaf *l, void *arg),
	     void *arg, struct pt_errors *err)
{
	struct walk_ctx w = { .img = img, .fn = fn, .arg = arg, .err = err };
	unsigned int entries, root_pages, p, i, level = img->levels - 1;
	const uint32_t all = AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC;
	struct pt_page *pg;
	uint64_t n;

	for (n = 0; n < img->nr_pages; n++)
		img->pages[n].refs = 0;
	check_root_reg(img, err);
	entries = pt_root_entries(img->levels, img->gpa_bits);
	root_pages = entries > 512 ? entries / 512 : 1;
	for (p = 0; p < root_pages && !w.stop; p++) {
		pg = find_page(img, img->root_pa + (uint64_t)p * PT_PAGE_SIZE);
		if (!pg) {
			pt_err(err, "root page %u (0x%llx) missing", p,
			       (unsigned long long)(img->root_pa +
						    p * PT_PAGE_SIZE));
			continue;
		}
		pg->refs++;
		for (i = 0; i < 512 && !w.stop; i++) {
			uint64_t idx = (uint64_t)p * 512 + i;
			uint64_t pte = ent_at(pg, i);

			if (idx >= entries) {
				if (pte)
					pt_err(err, "root entry %llu beyond the %u-entry root is set",
					       (unsigned long long)idx, entries);
				continue;
			}
			visit(&w, pte, level, idx << level_shift(level), all);
		}
	}
	for (n = 0; n < img->nr_pages && !w.stop; n++)
		if (img->pages[n].refs != 1)
			pt_err(err, "page 0x%llx reached %d times",
			       (unsigned long long)img->pages[n].pa,
			       img->pages[n].refs);
	return w.stop ? -1 : w.leaves;
}

const char *pt_prot_str(uint32_t prot, char *buf)
{
	snprintf(buf, 12, "%c%c%c %s",
		 prot & AXAS_MAP_READ ? 'R' : '-',
		 prot & AXAS_MAP_WRITE ? 'W' : '-',
		 prot & AXAS_MAP_EXEC ? 'X' : '-',
		 prot & AXAS_MAP_DEVICE ? "DEV" :
		 prot & AXAS_MAP_UNCACHED ? "NC " : "WB ");
	return buf;
}

struct print_ctx {
	FILE *out;
	bool open;
	uint64_t gpa, end, pa;
	uint32_t prot;
	bool pa_contig;
	unsigned long count[3];
};

static void size_str(uint64_t size, char *buf, size_t len)
{
	if (size >= (1ULL << 30) && !(size & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%lluG", (unsigned long long)(size >> 30));
	else if (size >= (1ULL << 20) && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%lluM", (unsigned long long)(size >> 20));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)(size >> 10));
}

static void flush_range(struct print_ctx *c)
{
	static const char *const sz[] = { "4K", "2M", "1G" };
	char prot[12], size[24];
	int i;

	if (!c->open)
		return;
	size_str(c->end - c->gpa, size, sizeof(size));
	fprintf(c->out, "0x%016llx-0x%016llx %7s  %s  ",
		(unsigned long long)c->gpa, (unsigned long long)c->end, size,
		pt_prot_str(c->prot, prot));
	if (c->pa_contig)
		fprintf(c->out, "-> 0x%012llx ", (unsigned long long)c->pa);
	else
		fprintf(c->out, "-> (scattered)  ");
	for (i = 2; i >= 0; i--)
		if (c->count[i])
			fprintf(c->out, " %lu x %s", c->count[i], sz[i]);
	fputc('\n', c->out);
	c->open = false;
}

static int print_leaf(const struct pt_leaf *l, void *arg)
{
	struct print_ctx *c = arg;

	/* Like the kernel's ptdump: one line per run of equal attributes. */
	if (c->open && (l->gpa != c->end || l->prot != c->prot))
		flush_range(c);
	if (c->open && l->pa != c->pa + (c->end - c->gpa))
		c->pa_contig = false;
	if (!c->open) {
		c->open = true;
		c->pa_contig = true;
		c->gpa = l->gpa;
		c->end = l->gpa;
		c->pa = l->pa;
		c->prot = l->prot;
		memset(c->count, 0, sizeof(c->count));
	}
	c->end += l->size;
	if (l->level < 3)
		c->count[l->level]++;
	return 0;
}

long pt_print_ranges(struct pt_image *img, FILE *out, struct pt_errors *err)
{
	struct print_ctx c = { .out = out };
	long n;

	fprintf(out, "---[ %s table: %u levels, %u gpa bits, %llu table pages, root 0x%llx, root_reg 0x%llx ]---\n",
		pt_format_name(img->format), img->levels, img->gpa_bits,
		(unsigned long long)img->nr_pages,
		(unsigned long long)img->root_pa,
		(unsigned long long)img->root_reg);
	n = pt_walk(img, print_leaf, &c, err);
	flush_range(&c);
	fprintf(out, "---[ %ld leaves ]---\n", n);
	return n;
}
