// SPDX-License-Identifier: GPL-2.0
/*
 * axas-vmm: snapshots of guest RAM. A full pass saves the region list and
 * every page of the alloc regions that is not all zero; incremental passes
 * append the pages a dirty bitmap (AXAS_IOC_GET_DIRTY_BITMAP) names, so a
 * VMM copies everything once while the guest runs and then only what it
 * wrote since. Restoring builds a new space with the same format, range
 * and regions and writes the records into it in file order.
 *
 * Linear and user regions are memory the VMM does not own through axas:
 * a space that has them is refused (EOPNOTSUPP).
 */
#include "sys.h"
#include "snapshot.h"

#define SNAP_PAGE		4096UL
#define SNAP_MAX_REGIONS	64

int vm_dirty_track(int space, unsigned long gpa, unsigned long len, int on)
{
	struct axas_range r = {
		.size = sizeof(r), .flags = on ? AXAS_DIRTY_ENABLE : 0,
		.gpa = gpa, .length = len,
	};

	return ioctl(space, AXAS_IOC_SET_DIRTY_TRACKING, &r) < 0 ? -errno : 0;
}

/* bitmap: len / 4096 bits in whole 64-bit words (the kernel zeroes them) */
int vm_dirty_get(int space, unsigned long gpa, unsigned long len,
		 unsigned long long *bitmap, unsigned int flags)
{
	struct axas_dirty_bitmap d = {
		.size = sizeof(d), .flags = flags, .gpa = gpa, .length = len,
		.bitmap = (unsigned long)bitmap,
	};

	return ioctl(space, AXAS_IOC_GET_DIRTY_BITMAP, &d) < 0 ? -errno : 0;
}

static int put(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -EIO;
}

static int get(int fd, void *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, (char *)p + got, n - got);
		if (r <= 0)
			return r < 0 ? -errno : (got ? -EIO : -ENODATA);
		got += r;
	}
	return 0;
}

/* one page record; with skip_zero an all-zero page is left out */
static int snap_put_page(int space, int fd, unsigned long long gpa,
			 unsigned long long pass, int skip_zero,
			 unsigned long *pages)
{
	static unsigned long long buf[SNAP_PAGE / 8];
	struct snap_record rec = { .gpa = gpa, .pass = pass };
	unsigned long i;

	if (pread(space, buf, SNAP_PAGE, gpa) != (ssize_t)SNAP_PAGE)
		return -EIO;
	if (skip_zero) {
		for (i = 0; i < SNAP_PAGE / 8 && !buf[i]; i++)
			;
		if (i == SNAP_PAGE / 8)
			return 0;
	}
	if (put(fd, &rec, sizeof(rec)) || put(fd, buf, SNAP_PAGE))
		return -EIO;
	(*pages)++;
	return 0;
}

/* the full pass into an empty file: header, regions, the pages */
int snap_save_full(int space, int fd, unsigned long *pages)
{
	static struct axas_region_info ri[SNAP_MAX_REGIONS];
	struct axas_regions q = {
		.size = sizeof(q), .nr_regions = SNAP_MAX_REGIONS,
		.regions = (unsigned long)ri,
	};
	struct axas_info info = { .size = sizeof(info) };
	struct snap_header h = { .magic = SNAP_MAGIC, .version = SNAP_VERSION };
	unsigned long long gpa;
	unsigned int i;
	int ret;

	*pages = 0;
	if (ioctl(space, AXAS_IOC_INFO, &info) < 0 ||
	    ioctl(space, AXAS_IOC_GET_REGIONS, &q) < 0)
		return -errno;
	for (i = 0; i < q.nr_regions; i++)
		if (ri[i].kind != AXAS_REGION_ALLOC)
			return -EOPNOTSUPP;
	h.format = info.format;
	h.gpa_bits = info.gpa_bits;
	h.base = info.base;
	h.length = info.length;
	h.nr_regions = q.nr_regions;
	if (put(fd, &h, sizeof(h)) || put(fd, ri, q.nr_regions * sizeof(ri[0])))
		return -EIO;
	for (i = 0; i < q.nr_regions; i++)
		for (gpa = ri[i].gpa; gpa < ri[i].gpa + ri[i].length; gpa += SNAP_PAGE) {
			ret = snap_put_page(space, fd, gpa, 0, 1, pages);
			if (ret)
				return ret;
		}
	return 0;
}

/* an incremental pass: the pages of [gpa, gpa + len) set in bitmap */
int snap_save_dirty(int space, int fd, unsigned long gpa, unsigned long len,
		    const unsigned long long *bitmap, unsigned long long pass,
		    unsigned long *pages)
{
	unsigned long i;
	int ret;

	*pages = 0;
	for (i = 0; i < len / SNAP_PAGE; i++) {
		if (!(bitmap[i / 64] >> (i % 64) & 1))
			continue;
		ret = snap_put_page(space, fd, gpa + i * SNAP_PAGE, pass, 0, pages);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A new space from the snapshot at the start of fd, with the records of
 * passes 0..last_pass. Returns the space fd or -errno; *pages: records
 * written.
 */
int snap_restore(int axas, int fd, unsigned long long last_pass,
		 unsigned long *pages)
{
	static struct axas_region_info ri[SNAP_MAX_REGIONS];
	static unsigned char buf[SNAP_PAGE];
	struct snap_header h;
	struct axas_new n = { .size = sizeof(n) };
	struct snap_record rec;
	unsigned int i;
	int space, ret;

	*pages = 0;
	if (get(fd, &h, sizeof(h)))
		return -EIO;
	if (h.magic != SNAP_MAGIC || h.version != SNAP_VERSION ||
	    h.nr_regions > SNAP_MAX_REGIONS)
		return -EINVAL;
	if (get(fd, ri, h.nr_regions * sizeof(ri[0])))
		return -EIO;
	n.format = h.format;
	n.gpa_bits = h.gpa_bits;
	n.base = h.base;
	n.length = h.length;
	space = ioctl(axas, AXAS_IOC_NEW, &n);
	if (space < 0)
		return -errno;
	for (i = 0; i < h.nr_regions; i++) {
		struct axas_map m = {
			.size = sizeof(m), .flags = ri[i].map_flags,
			.gpa = ri[i].gpa, .length = ri[i].length,
		};

		if (ioctl(space, AXAS_IOC_MAP_ALLOC, &m) < 0) {
			ret = -errno;
			goto err;
		}
	}
	for (;;) {
		ret = get(fd, &rec, sizeof(rec));
		if (ret == -ENODATA)
			break;
		if (ret || get(fd, buf, SNAP_PAGE)) {
			ret = -EIO;
			goto err;
		}
		if (rec.pass > last_pass)
			break;
		if (pwrite(space, buf, SNAP_PAGE, rec.gpa) != (ssize_t)SNAP_PAGE) {
			ret = -EIO;
			goto err;
		}
		(*pages)++;
	}
	return space;
err:
	close(space);
	return ret;
}
