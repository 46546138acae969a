/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device address types of axas (the crate's device_addr module): the width
 * of an emulated access, I/O port and system-register addresses with
 * inclusive ranges, and half-open guest-physical ranges.
 */
#ifndef _LINUX_AXAS_TYPES_H
#define _LINUX_AXAS_TYPES_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

/**
 * enum axas_width - width of an emulated device access
 * @AXAS_WIDTH_8: one byte
 * @AXAS_WIDTH_16: two bytes
 * @AXAS_WIDTH_32: four bytes
 * @AXAS_WIDTH_64: eight bytes
 *
 * The value is log2 of the byte count.
 */
enum axas_width {
	AXAS_WIDTH_8 = 0,
	AXAS_WIDTH_16 = 1,
	AXAS_WIDTH_32 = 2,
	AXAS_WIDTH_64 = 3,
};

/**
 * axas_width_from_bytes() - the width of an access of @bytes bytes
 * @bytes: 1, 2, 4 or 8
 * @w: set to the width
 *
 * Return: 0, or -EINVAL for any other byte count.
 */
static inline int axas_width_from_bytes(size_t bytes, enum axas_width *w)
{
	switch (bytes) {
	case 1:
		*w = AXAS_WIDTH_8;
		return 0;
	case 2:
		*w = AXAS_WIDTH_16;
		return 0;
	case 4:
		*w = AXAS_WIDTH_32;
		return 0;
	case 8:
		*w = AXAS_WIDTH_64;
		return 0;
	}
	return -EINVAL;
}

/**
 * axas_width_bytes() - bytes an access of width @w covers
 * @w: the width
 *
 * Return: 1, 2, 4 or 8.
 */
static inline unsigned int axas_width_bytes(enum axas_width w)
{
	return 1U << w;
}

/**
 * axas_width_bits() - bits an access of width @w covers
 * @w: the width
 *
 * Return: 8, 16, 32 or 64.
 */
static inline unsigned int axas_width_bits(enum axas_width w)
{
	return 8U << w;
}

/**
 * axas_width_mask() - mask of the bits an access of width @w covers
 * @w: the width
 *
 * The access covers bits [0, axas_width_bits(@w)) of a 64-bit value.
 *
 * Return: GENMASK_ULL(axas_width_bits(@w) - 1, 0).
 */
static inline u64 axas_width_mask(enum axas_width w)
{
	return GENMASK_ULL(axas_width_bits(w) - 1, 0);
}

/**
 * struct axas_port_range - an inclusive range of I/O ports
 * @first: first port
 * @last: last port (inclusive)
 */
struct axas_port_range {
	u16 first;
	u16 last;
};

/**
 * struct axas_sysreg_range - an inclusive range of system-register addresses
 * @first: first address
 * @last: last address (inclusive)
 */
struct axas_sysreg_range {
	unsigned long first;
	unsigned long last;
};

/**
 * struct axas_gpa_range - a half-open guest-physical range
 * @start: first address
 * @end: first address after the range
 */
struct axas_gpa_range {
	u64 start;
	u64 end;
};

/**
 * axas_port_range_init() - build an inclusive port range
 * @r: the range
 * @first: first port
 * @last: last port
 *
 * Return: 0, or -EINVAL if @first > @last.
 */
static inline int axas_port_range_init(struct axas_port_range *r, u16 first,
				       u16 last)
{
	if (first > last)
		return -EINVAL;
	r->first = first;
	r->last = last;
	return 0;
}

/**
 * axas_port_range_contains() - is @port inside @r?
 * @r: the range
 * @port: the port
 *
 * Return: true if @r->first <= @port <= @r->last.
 */
static inline bool axas_port_range_contains(const struct axas_port_range *r,
					    u16 port)
{
	return port >= r->first && port <= r->last;
}

/**
 * axas_sysreg_range_init() - build an inclusive system-register range
 * @r: the range
 * @first: first address
 * @last: last address
 *
 * Return: 0, or -EINVAL if @first > @last.
 */
static inline int axas_sysreg_range_init(struct axas_sysreg_range *r,
					 unsigned long first,
					 unsigned long last)
{
	if (first > last)
		return -EINVAL;
	r->first = first;
	r->last = last;
	return 0;
}

/**
 * axas_sysreg_range_contains() - is @addr inside @r?
 * @r: the range
 * @addr: the system-register address
 *
 * Return: true if @r->first <= @addr <= @r->last.
 */
static inline bool
axas_sysreg_range_contains(const struct axas_sysreg_range *r,
			   unsigned long addr)
{
	return addr >= r->first && addr <= r->last;
}

/**
 * axas_gpa_range_init() - build a half-open guest-physical range
 * @r: the range
 * @start: first address
 * @size: bytes
 *
 * Return: 0, or -EINVAL if the range wraps around.
 */
static inline int axas_gpa_range_init(struct axas_gpa_range *r, u64 start,
				      u64 size)
{
	if (start + size < start)
		return -EINVAL;
	r->start = start;
	r->end = start + size;
	return 0;
}

/**
 * axas_gpa_range_size() - bytes in @r
 * @r: the range
 *
 * Return: @r->end - @r->start.
 */
static inline u64 axas_gpa_range_size(const struct axas_gpa_range *r)
{
	return r->end - r->start;
}

/**
 * axas_gpa_range_contains() - is @gpa inside @r?
 * @r: the range
 * @gpa: the address
 *
 * Return: true if @r->start <= @gpa < @r->end.
 */
static inline bool axas_gpa_range_contains(const struct axas_gpa_range *r,
					   u64 gpa)
{
	return gpa >= r->start && gpa < r->end;
}

/**
 * axas_gpa_range_overlaps() - do @a and @b share an address?
 * @a: a range
 * @b: another range
 *
 * Return: true if they intersect (empty ranges intersect nothing).
 */
static inline bool axas_gpa_range_overlaps(const struct axas_gpa_range *a,
					   const struct axas_gpa_range *b)
{
	return a->start < a->end && b->start < b->end &&
	       a->start < b->end && b->start < a->end;
}

int axas_width_snprint(char *buf, size_t len, enum axas_width w);
int axas_port_snprint(char *buf, size_t len, u16 port);
int axas_port_range_snprint(char *buf, size_t len,
			    const struct axas_port_range *r);
int axas_sysreg_snprint(char *buf, size_t len, unsigned long addr);
int axas_sysreg_range_snprint(char *buf, size_t len,
			      const struct axas_sysreg_range *r);
int axas_gpa_range_snprint(char *buf, size_t len,
			   const struct axas_gpa_range *r);

#endif /* _LINUX_AXAS_TYPES_H */
