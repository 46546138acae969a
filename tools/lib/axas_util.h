/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the axas tools and selftests.
 */
#ifndef AXAS_TOOLS_UTIL_H
#define AXAS_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/axas.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define AXAS_DEV_PATH	"/dev/axas"

/* Parse "0x1000", "4096", "2M", "1G", "16K", "1T". Returns 0 or -1. */
int ax_parse_u64(const char *s, uint64_t *val);

/*
 * Parse mapping flags: letters "rwx" and words "device", "uc"/"uncached",
 * "populate", "nohuge", "none", joined by ',' or '+' ("rw,populate").
 * Returns 0 or -1.
 */
int ax_parse_flags(const char *s, uint32_t *flags);
/* Print flags back in the same syntax into @buf (at least 48 bytes). */
const char *ax_flags_str(uint32_t flags, char *buf, size_t len);

/* Format by name ("ept4", "arm-s2", "sv39x4", "native") or number. */
int ax_parse_format(const char *s, uint32_t *format);

const char *ax_fault_str(uint32_t result);
const char *ax_kind_str(uint32_t kind);

/* AXAS_IOC_NEW on an open /dev/axas; returns the fd or -1 (errno set). */
int ax_new(int dev, uint32_t format, uint32_t gpa_bits, uint64_t base,
	   uint64_t length);
int ax_map(int fd, unsigned long cmd, uint64_t gpa, uint64_t length,
	   uint64_t hpa, uint32_t flags);
int ax_unmap(int fd, uint64_t gpa, uint64_t length);
int ax_fault(int fd, uint64_t gpa, uint32_t access, uint32_t *result);
int ax_translate(int fd, uint64_t gpa, struct axas_translate *t);
int ax_info(int fd, struct axas_info *info);

/*
 * AXAS_IOC_GET_REGIONS into a malloc'ed array (NULL when there are none),
 * growing it on ENOSPC. Returns 0 with the array and its count, or -1.
 */
int ax_regions(int fd, struct axas_region_info **out, uint32_t *nr);

/*
 * AXAS_IOC_DUMP into a malloc'ed buffer, growing it on ENOSPC.
 * Returns 0 with the buffer and its length set, or -1 (errno set).
 */
int ax_dump(int fd, void **buf, size_t *len);

/* Hex dump @len bytes with addresses starting at @addr. */
void ax_hexdump(const void *buf, size_t len, uint64_t addr);

#endif /* AXAS_TOOLS_UTIL_H */
