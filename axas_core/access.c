// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory access from the host: the crate's translated byte buffer and
 * memory accessor. Runs under the lock held for reading, so regions and
 * their pages stay put while they are copied; writes into lazy regions
 * fault pages in exactly like guest faults do.
 */
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/uio.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"

/*
 * Copies run under the space's lock with page faults disabled: the host
 * buffer may be the VMM's own mmap of this space, whose fault handler
 * takes the lock. A short copy makes axas_access_iter() fault the buffer
 * in without the lock and go on.
 */
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

/* Copy within one host page of a linear region. */
static ssize_t axas_access_linear(u64 hpa, size_t len, struct iov_iter *iter,
				  bool write)
{
	size_t done;
	void *addr;

#if defined(CONFIG_HAS_IOMEM) && !defined(CONFIG_UML)
	/* RAM comes back from the direct map, anything else mapped WB. */
	addr = memremap(hpa, len, MEMREMAP_WB);
	if (!addr)
		return -EIO;
	done = axas_copy(addr, len, iter, write);
	memunmap(addr);
#else
	/* UML has no host memory but its own: every valid frame is RAM. */
	if (!pfn_valid(PHYS_PFN(hpa)))
		return -EIO;
	addr = kmap_local_page(pfn_to_page(PHYS_PFN(hpa)));
	done = axas_copy(addr + offset_in_page(hpa), len, iter, write);
	kunmap_local(addr);
#endif
	return done;
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
		__free_page(page);
		return 0;
	}
	ret = axas_npt_map_page(&as->npt, gpa & PAGE_MASK, page_to_phys(page),
				r->prot);
	if (ret) {
		__free_page(page);
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
		if (!write) {
			pagefault_disable();
			done = iov_iter_zero(len, iter);
			pagefault_enable();
			return done;
		}
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

/**
 * axas_access_iter() - copy between guest memory and an iov_iter
 * @as: the address space
 * @gpa: first guest-physical address (any alignment)
 * @iter: the host buffer; its count is the length of the transfer
 * @flags: %AXAS_ACCESS_WRITE to write to the guest (else read);
 *	%AXAS_ACCESS_LINEAR to allow access to linear regions
 *
 * Crosses pages and regions. Writes into lazy regions fault pages in;
 * reads of lazy pages never touched return zeros without allocating. User
 * regions are accessed like alloc regions, but a user region pinned
 * without %AXAS_MAP_WRITE is never written (-EPERM). The host buffer is
 * faulted in with the lock dropped, so it may be an mmap of the space.
 * Guest permissions do not apply to the host. The transfer stops at a hole,
 * a %AXAS_MAP_DEVICE region, a linear region without %AXAS_ACCESS_LINEAR,
 * or a fault on the host buffer.
 *
 * Context: may sleep.
 * Return: the bytes transferred if any; otherwise -EFAULT for a hole or a
 * bad host buffer, -EIO for a device region (or host memory that cannot be
 * mapped), -EPERM for a linear region without %AXAS_ACCESS_LINEAR, -ENOMEM,
 * or 0 when @iter is empty.
 */
ssize_t axas_access_iter(struct axas_aspace *as, u64 gpa,
			 struct iov_iter *iter, unsigned int flags)
{
	bool write = flags & AXAS_ACCESS_WRITE;
	struct axas_region *r;
	ssize_t done = 0, ret = 0;
	size_t len, n, left;

	if (flags & ~(AXAS_ACCESS_WRITE | AXAS_ACCESS_LINEAR))
		return -EINVAL;

	down_read(&as->lock);
	while ((len = iov_iter_count(iter))) {
		r = axas_region_find(as, gpa);
		if (!r) {
			ret = -EFAULT;
			break;
		}
		if (r->prot & AXAS_MAP_DEVICE) {
			ret = -EIO;
			break;
		}
		if (r->kind == AXAS_REGION_LINEAR &&
		    !(flags & AXAS_ACCESS_LINEAR)) {
			ret = -EPERM;
			break;
		}
		/* Pages pinned read-only may be shared with other users. */
		if (r->kind == AXAS_REGION_USER && write && !r->pin->writable) {
			ret = -EPERM;
			break;
		}
		len = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		len = min_t(u64, len, r->end - gpa);
		if (r->kind == AXAS_REGION_LINEAR)
			ret = axas_access_linear(r->hpa + (gpa - r->start), len,
						 iter, write);
		else
			ret = axas_access_alloc(as, r, gpa, len, iter, write);
		if (ret < 0)
			break;
		n = ret;
		done += n;
		gpa += n;
		if (n < len) {
			up_read(&as->lock);
			if (write)
				left = fault_in_iov_iter_readable(iter, len - n);
			else
				left = fault_in_iov_iter_writeable(iter, len - n);
			down_read(&as->lock);
			if (left == len - n) {
				ret = -EFAULT;
				break;
			}
		}
		ret = 0;
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
