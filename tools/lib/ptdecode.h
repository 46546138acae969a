/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptdecode - an independent reader of axas table images (AXAS_IOC_DUMP).
 *
 * Every entry is decoded from the architecture manuals, not from the
 * module's sources: Intel SDM vol. 3C ch. 29 (EPT), Arm ARM D8 (VMSAv8-64
 * stage 2, 4 KiB granule), RISC-V privileged spec ch. 18 (G-stage, Svpbmt).
 */
#ifndef AXAS_TOOLS_PTDECODE_H
#define AXAS_TOOLS_PTDECODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/axas.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define PT_PAGE_SIZE	4096u
#define PT_HDR_SIZE	64u
#define PT_REC_SIZE	(8u + PT_PAGE_SIZE)

/* One table page of the image. */
struct pt_page {
	uint64_t pa;
	const uint64_t *ent;	/* 512 entries, little-endian on disk */
	int refs;		/* times reached by the walk */
};

/* A parsed image; the pages point into the caller's buffer. */
struct pt_image {
	uint32_t format;
	uint32_t levels;
	uint32_t gpa_bits;
	uint64_t root_pa;
	uint64_t root_reg;
	uint64_t nr_pages;
	struct pt_page *pages;	/* sorted by pa */
};

/* A decoded leaf. */
struct pt_leaf {
	uint64_t gpa;
	uint64_t pa;
	uint64_t size;
	uint32_t prot;		/* AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED */
	unsigned int level;	/* 0 = 4 KiB */
	uint64_t pte;
};

/* Problems found while decoding: counted, the first few kept as text. */
struct pt_errors {
	unsigned int count;
	char first[4][160];
};

const char *pt_format_name(uint32_t format);

/* Levels and root size the manuals prescribe for a format and width. */
int pt_expected_levels(uint32_t format, uint32_t gpa_bits);
unsigned int pt_root_entries(uint32_t levels, uint32_t gpa_bits);

int pt_image_parse(const void *buf, size_t len, struct pt_image *img,
		   struct pt_errors *err);
void pt_image_free(struct pt_image *img);

/*
 * Walk every leaf in guest-physical order, checking every entry on the way
 * (reserved bits, attributes the SPEC requires, tables reached exactly once,
 * root register). @fn may be NULL; a nonzero return from it stops the walk.
 * Returns the number of leaves, or -1 when @fn stopped the walk.
 */
long pt_walk(struct pt_image *img, int (*fn)(const struct pt_leaf *l, void *arg),
	     void *arg, struct pt_errors *err);

/* "RWX", "R--", ... plus " DEV"/" NC" into @buf (at least 12 bytes). */
const char *pt_prot_str(uint32_t prot, char *buf);

/* Print merged ranges, ptdump style. Returns the number of leaves. */
long pt_print_ranges(struct pt_image *img, FILE *out, struct pt_errors *err);

void pt_err(struct pt_errors *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* AXAS_TOOLS_PTDECODE_H */
