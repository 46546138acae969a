// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory access from the host: the crate's translated byte buffer and
 * memory accessor, and pread/pwrite of address-space file descriptors.
 *
 * The transfer goes one chunk at a time - at most a page, never across a
 * region, a page or a boundary between host RAM and anything else - under
 * the address-space lock held for reading, so regions and their pages stay
 * put while they are copied. The caller's buffer is copied with page faults
 * disabled: a buffer backed by userfaultfd or FUSE never holds the lock
 * while it waits, so it cannot stall the writers of the space. When a copy
 * falls short, the lock is dropped, the buffer faulted in, and the transfer
 * goes on. Writes into lazy regions fault pages in as guest faults do.
 *
 * Linear regions are host-physical memory: /dev/mem by another name, with
 * /dev/mem's rules for callers acting for userspace (AXAS_ACCESS_USER),
 * checked when each chunk is accessed and not only at MAP_LINEAR: kernel
 * lockdown, ranges a driver holds exclusive (or busy, with
 * CONFIG_IO_STRICT_DEVMEM), and System RAM unless allow_ram_linear (memory
 * hotplug can make RAM of a hole after the map). RAM is reached through the
 * kernel's own mapping; anything else through ioremap() and
 * memcpy_fromio()/memcpy_toio(), never through a cacheable mapping of MMIO.
 */
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/axas.h>
#include <kunit/visibility.h>

#include "axas_core/aspace.h"
#include "axas_core/user.h"

bool axas_allow_ram_linear;
EXPORT_SYMBOL_IF_KUNIT(axas_allow_ram_linear);
module_param_named(allow_ram_linear, axas_allow_ram_linear, bool, 0444);
MODULE_PARM_DESC(allow_ram_linear,
		 "Allow linear regions over host System RAM for userspace (set at load time only; default: no)");

/* ---- what the host memory behind a linear region is ---- */

static int axas_first_res(struct resource *res, void *arg)
{
	*(struct resource *)arg = *res;
	return 1;
}

/*
 * How many bytes from @hpa (at most @len) are of one kind, System RAM or
 * not; *@ram tells which. Resource boundaries need not be page aligned (on
 * x86 the RAM below 640 KiB ends at 0x9fc00, inside a page), and one
 * mapping must never cover both kinds. A hole next to RAM is not RAM
 * (region_intersects() would not tell: it ignores holes).
 */
size_t axas_host_span(u64 hpa, size_t len, bool *ram)
{
	struct resource res;

	if (walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM, hpa,
				hpa + len - 1, &res, axas_first_res) <= 0) {
#ifdef CONFIG_UML
		/* UML lists no System RAM: its own frames are the RAM. */
		*ram = pfn_valid(PHYS_PFN(hpa));
#else
		*ram = false;
#endif
		return len;
	}
	if (res.start > hpa) {
		*ram = false;
		return res.start - hpa;
	}
	*ram = true;
	return min_t(u64, len, res.end + 1 - hpa);
}
EXPORT_SYMBOL_IF_KUNIT(axas_host_span);

static int axas_res_exclusive(struct resource *res, void *arg)
{
	/* RAM is allow_ram_linear's matter, unless a driver owns it. */
	if ((res->flags & IORESOURCE_SYSTEM_RAM) == IORESOURCE_SYSTEM_RAM &&
	    !(res->flags & IORESOURCE_EXCLUSIVE))
		return 0;
	if (res->flags & IORESOURCE_EXCLUSIVE)
		return 1;
	return IS_ENABLED(CONFIG_IO_STRICT_DEVMEM) &&
	       (res->flags & IORESOURCE_BUSY);
}

/*
 * Does a driver hold part of [@hpa, @hpa + @size) for itself? The rule of
 * iomem_is_exclusive() (which modules cannot call), for a whole range: a
 * resource marked IORESOURCE_EXCLUSIVE, or with CONFIG_IO_STRICT_DEVMEM any
 * busy one. As x86's devmem_is_allowed() does, the first MiB (BIOS data
 * and tables) is exempt on x86.
 */
bool axas_host_exclusive(u64 hpa, u64 size)
{
	u64 end = hpa + size - 1;

	if (IS_ENABLED(CONFIG_X86)) {
		if (end < SZ_1M)
			return false;
		hpa = max_t(u64, hpa, SZ_1M);
	}
	return walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_MEM, hpa, end,
				   NULL, axas_res_exclusive) > 0;
}
EXPORT_SYMBOL_IF_KUNIT(axas_host_exclusive);

/**
 * axas_linear_host_check() - may this caller have host memory mapped?
 * @hpa: first host-physical address
 * @size: bytes
 * @caller: AXAS_CALLER_* bits; 0 for an in-kernel caller
 *
 * For a caller acting for userspace: it needs %AXAS_CALLER_RAWIO, the
 * kernel must not be locked down (LOCKDOWN_DEV_MEM), no driver may hold part
 * of the range exclusively, and none of it may be System RAM unless the
 * module was loaded with allow_ram_linear. In-kernel callers are trusted.
 *
 * Return: 0 or -EPERM.
 */
int axas_linear_host_check(u64 hpa, u64 size, unsigned int caller)
{
	int ret;

	if (!(caller & AXAS_CALLER_USER))
		return 0;
	if (!(caller & AXAS_CALLER_RAWIO))
		return -EPERM;
	ret = security_locked_down(LOCKDOWN_DEV_MEM);
	if (ret)
		return ret;
	if (axas_host_exclusive(hpa, size))
		return -EPERM;
	if (!READ_ONCE(axas_allow_ram_linear) &&
	    region_intersects(hpa, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return -EPERM;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(axas_linear_host_check);

/* ---- copies that never fault while the lock is held ---- */

static size_t axas_copy(void *addr, size_t len, struct iov_iter *iter,
			bool write)
{
	size_t done;

	pagefault_disable();
	if (write)
		done = copy_from_iter(addr, len, iter);
	else
		done = copy_to_iter(addr, len, iter);
	pagefault_enable();
	return done;
}

static size_t axas_zero(size_t len, struct iov_iter *iter)
{
	size_t done;

	pagefault_disable();
	done = iov_iter_zero(len, iter);
	pagefault_enable();
	return done;
}

/* RAM behind a linear region, within one page. */
static ssize_t axas_copy_ram(u64 hpa, size_t len, struct iov_iter *iter,
			     bool write)
{
	size_t done;
	void *addr;

	if (!pfn_valid(PHYS_PFN(hpa)))
		return -EIO;
	addr = kmap_local_page(pfn_to_page(PHYS_PFN(hpa)));
	done = axas_copy(addr + offset_in_page(hpa), len, iter, write);
	kunmap_local(addr);
	return done;
}

/* Anything else behind a linear region: uncached, through a bounce. */
static ssize_t axas_copy_io(u64 hpa, size_t len, struct iov_iter *iter,
			    bool write)
{
#if defined(CONFIG_HAS_IOMEM) && !defined(CONFIG_UML)
	u8 bounce[128];
	void __iomem *io;
	size_t done, n, c;

	io = ioremap(hpa, len);
	if (!io)
		return -EIO;
	for (done = 0; done < len; done += c) {
		n = min(len - done, sizeof(bounce));
		if (write) {
			c = axas_copy(bounce, n, iter, true);
			memcpy_toio(io + done, bounce, c);
		} else {
			memcpy_fromio(bounce, io + done, n);
			c = axas_copy(bounce, n, iter, false);
		}
		if (c < n) {
			done += c;
			break;
		}
	}
	iounmap(io);
	return done;
#else
	return -EIO;
#endif
}

/* Copy within one host page of a linear region: one kind of memory. */
static ssize_t axas_access_linear(u64 hpa, size_t len, struct iov_iter *iter,
				  unsigned int flags)
{
	bool write = flags & AXAS_ACCESS_WRITE;
	bool ram;
	int ret;

	len = min_t(size_t, len, PAGE_SIZE - offset_in_page(hpa));
	len = axas_host_span(hpa, len, &ram);
	if (flags & AXAS_ACCESS_USER) {
		ret = security_locked_down(LOCKDOWN_DEV_MEM);
		if (ret)
			return ret;
		if (axas_host_exclusive(hpa, len))
			return -EPERM;
		if (ram && !READ_ONCE(axas_allow_ram_linear))
			return -EPERM;
	}
	if (ram)
		return axas_copy_ram(hpa, len, iter, write);
	return axas_copy_io(hpa, len, iter, write);
}

/*
 * Write to a lazy page never touched: fill a fresh page first and map it
 * only when something was copied, so that a bad host buffer leaves the
 * space as it was. Returns -EEXIST when a racing fault mapped the page.
 */
static ssize_t axas_write_new_page(struct axas_aspace *as,
				   const struct axas_region *r, u64 gpa,
				   size_t len, struct iov_iter *iter)
{
	struct page *page;
	size_t done;
	void *addr;
	int ret;

	page = axas_alloc_data_page(as, 0);
	if (!page)
		return -ENOMEM;
	addr = kmap_local_page(page);
	done = axas_copy(addr + offset_in_page(gpa), len, iter, true);
	kunmap_local(addr);
	if (!done) {
		axas_put_data_page(as, page);
		return 0;
	}
	ret = axas_npt_map_page(&as->npt, gpa & PAGE_MASK, page_to_phys(page),
				r->prot);
	if (ret) {
		axas_put_data_page(as, page);
		iov_iter_revert(iter, done);
		return ret;
	}
	atomic_long_inc(&as->data_pages);
	return done;
}

/* Copy within one page of an alloc region. */
static ssize_t axas_access_alloc(struct axas_aspace *as,
				 const struct axas_region *r, u64 gpa,
				 size_t len, struct iov_iter *iter, bool write)
{
	struct axas_npt_leaf leaf;
	struct page *page;
	ssize_t ret;
	size_t done;
	void *addr;

	for (;;) {
		rcu_read_lock();
		ret = axas_npt_query(&as->npt, gpa, &leaf);
		rcu_read_unlock();
		if (!ret)
			break;
		/* Never touched: reads see zeros and allocate nothing. */
		if (!write)
			return axas_zero(len, iter);
		/* A 2 MiB block's first touch maps the whole block. */
		if (axas_block_is_huge(r, gpa)) {
			u32 result;

			ret = axas_fault_in_locked(as, r, gpa, &result);
			if (ret)
				return ret;
			continue;
		}
		ret = axas_write_new_page(as, r, gpa, len, iter);
		if (ret != -EEXIST)
			return ret;
	}
	page = pfn_to_page(PHYS_PFN(leaf.pa + (gpa - leaf.gpa)));
	addr = kmap_local_page(page);
	done = axas_copy(addr + offset_in_page(gpa), len, iter, write);
	kunmap_local(addr);
	return done;
}

/* One chunk at @gpa, under the lock: bytes copied (0: the buffer faulted). */
static ssize_t axas_access_chunk(struct axas_aspace *as, u64 gpa,
				 struct iov_iter *iter, unsigned int flags)
{
	struct axas_region *r;
	ssize_t ret;
	size_t len;

	r = axas_region_find(as, gpa);
	if (!r)
		return -EFAULT;
	if (r->prot & AXAS_MAP_DEVICE)
		return -EIO;
	if (r->kind == AXAS_REGION_LINEAR && !(flags & AXAS_ACCESS_LINEAR))
		return -EPERM;
	/* Pages pinned read-only may be shared with other users. */
	if (r->kind == AXAS_REGION_USER && (flags & AXAS_ACCESS_WRITE) &&
	    !r->pin->writable)
		return -EPERM;
	len = min_t(u64, iov_iter_count(iter), PAGE_SIZE - offset_in_page(gpa));
	len = min_t(u64, len, r->end - gpa);
	if (r->kind == AXAS_REGION_LINEAR)
		return axas_access_linear(r->hpa + (gpa - r->start), len, iter,
					  flags);
	ret = axas_access_alloc(as, r, gpa, len, iter,
				flags & AXAS_ACCESS_WRITE);
	/* Host writes count for dirty tracking as guest writes do. */
	if (ret > 0 && (flags & AXAS_ACCESS_WRITE))
		axas_mark_dirty(as, gpa, ret);
	return ret;
}

/**
 * axas_access_iter() - copy between guest memory and an iov_iter
 * @as: the address space
 * @gpa: first guest-physical address (any alignment)
 * @iter: the host buffer; its count is the length of the transfer
 * @flags: %AXAS_ACCESS_WRITE to write to the guest (else read);
 *	%AXAS_ACCESS_LINEAR to allow access to linear regions;
 *	%AXAS_ACCESS_USER when acting for userspace (/dev/mem's rules apply
 *	to linear regions)
 *
 * Crosses pages and regions. Writes into lazy regions fault pages in (a
 * whole 2 MiB page in a block of an %AXAS_MAP_HUGE region); reads of lazy
 * pages never touched return zeros without allocating. User regions are
 * accessed like alloc regions, except that one pinned without
 * %AXAS_MAP_WRITE is never written (-EPERM). Guest permissions do not
 * apply to the host. The transfer stops at a hole,
 * a %AXAS_MAP_DEVICE region, a linear region without %AXAS_ACCESS_LINEAR,
 * host memory the rules refuse, or a host buffer that cannot be faulted in.
 * The host buffer is never touched while the space's lock is held.
 *
 * Context: may sleep; a fatal signal ends the transfer.
 * Return: the bytes transferred if any; otherwise -EFAULT for a hole or a
 * bad host buffer, -EIO for a device region (or host memory that cannot be
 * mapped), -EPERM for a linear region without %AXAS_ACCESS_LINEAR or host
 * memory the rules refuse, -ENOMEM, -EINTR, or 0 when @iter is empty.
 */
ssize_t axas_access_iter(struct axas_aspace *as, u64 gpa,
			 struct iov_iter *iter, unsigned int flags)
{
	bool write = flags & AXAS_ACCESS_WRITE;
	ssize_t done = 0, ret = 0;
	size_t left;

	if (flags & ~(AXAS_ACCESS_WRITE | AXAS_ACCESS_LINEAR |
		      AXAS_ACCESS_USER))
		return -EINVAL;
	if (!iov_iter_count(iter))
		return 0;

	if (down_read_killable(&as->lock))
		return -EINTR;
	while ((left = iov_iter_count(iter))) {
		ret = axas_access_chunk(as, gpa, iter, flags);
		if (ret < 0)
			break;
		if (ret) {
			done += ret;
			gpa += ret;
			ret = 0;
			continue;
		}
		/* The host buffer faulted: fault it in without the lock. */
		up_read(&as->lock);
		left = min_t(size_t, left, PAGE_SIZE);
		if (!user_backed_iter(iter) ||
		    (write ? fault_in_iov_iter_readable(iter, left) :
			     fault_in_iov_iter_writeable(iter, left)) == left)
			return done ? done : -EFAULT;
		if (fatal_signal_pending(current) ||
		    down_read_killable(&as->lock))
			return done ? done : -EINTR;
	}
	up_read(&as->lock);
	return done ? done : ret;
}
EXPORT_SYMBOL_GPL(axas_access_iter);

/**
 * axas_read() - read guest memory into a kernel buffer
 * @as: the address space
 * @gpa: first guest-physical address
 * @buf: destination
 * @len: bytes to read
 *
 * As axas_access_iter() with %AXAS_ACCESS_LINEAR: in-kernel callers may
 * read linear regions.
 *
 * Context: may sleep.
 * Return: bytes read, or a negative errno as axas_access_iter().
 */
ssize_t axas_read(struct axas_aspace *as, u64 gpa, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	return axas_access_iter(as, gpa, &iter, AXAS_ACCESS_LINEAR);
}
EXPORT_SYMBOL_GPL(axas_read);

/**
 * axas_write() - write a kernel buffer to guest memory
 * @as: the address space
 * @gpa: first guest-physical address
 * @buf: source
 * @len: bytes to write
 *
 * As axas_access_iter() with %AXAS_ACCESS_WRITE and %AXAS_ACCESS_LINEAR:
 * lazy pages are faulted in, linear regions are written.
 *
 * Context: may sleep.
 * Return: bytes written, or a negative errno as axas_access_iter().
 */
ssize_t axas_write(struct axas_aspace *as, u64 gpa, const void *buf,
		   size_t len)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, len);
	return axas_access_iter(as, gpa, &iter,
				AXAS_ACCESS_WRITE | AXAS_ACCESS_LINEAR);
}
EXPORT_SYMBOL_GPL(axas_write);
