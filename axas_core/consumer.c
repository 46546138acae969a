// SPDX-License-Identifier: GPL-2.0
/*
 * Consumers: hypervisor modules that run guests on an address space a VMM
 * built (SPEC 8.7). They take the space from the VMM's file descriptor,
 * bind an invalidation callback and load the registers axas computes.
 *
 * Locking: the list of consumers changes only under the space's lock held
 * for writing, and every invalidation runs under that lock (held for
 * writing, or for reading on paths that only downgrade). So a bind or
 * unbind waits for the invalidation in progress, and once
 * axas_consumer_unbind() returns no invalidation can still see the
 * consumer. Writers drop the lock at least every 2 MiB of table walked, so
 * the wait is short even behind a huge unmap.
 *
 * EPT accessed/dirty flags: a consumer that sets EPTP bit 6 says so with
 * %AXAS_CONSUMER_EPT_AD. Dirty tracking of an EPT space reads the CPU's D
 * bit only if, when tracking starts, at least one consumer is bound and
 * every bound consumer made that promise; the choice then holds until
 * nothing is tracked any more. While it holds, a consumer without the
 * promise cannot bind (-EBUSY): it would write through leaves that look
 * clean and the writes would be lost.
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include "axas_chardev/chardev.h"
#include "axas_npt/regs.h"

/**
 * axas_aspace_from_file() - the address space of an address-space file
 * @file: a file the caller holds, e.g. from fget()
 *
 * The space gets a reference of its own: it stays alive after the VMM
 * closes the file, until the caller's axas_aspace_put().
 *
 * Context: any context that may hold @file.
 * Return: the referenced space, or ERR_PTR(-EINVAL) if @file is not an
 * address-space file (e.g. /dev/axas itself).
 */
struct axas_aspace *axas_aspace_from_file(struct file *file)
{
	struct axas_aspace *as = axas_file_aspace(file);

	if (!as)
		return ERR_PTR(-EINVAL);
	axas_aspace_get(as);
	return as;
}
EXPORT_SYMBOL_GPL(axas_aspace_from_file);

/**
 * axas_aspace_fget() - the address space behind a file descriptor
 * @fd: a file descriptor of the calling process, as a VMM passes it in an
 *	ioctl
 *
 * Context: process context.
 * Return: the referenced space (drop it with axas_aspace_put()),
 * ERR_PTR(-EBADF) if @fd is not an open file descriptor, or ERR_PTR(-EINVAL)
 * if it is not an address-space file.
 */
struct axas_aspace *axas_aspace_fget(int fd)
{
	struct axas_aspace *as;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	as = axas_aspace_from_file(file);
	fput(file);
	return as;
}
EXPORT_SYMBOL_GPL(axas_aspace_fget);

/*
 * Caller holds @as->lock for writing. -EBUSY if @c lacks a promise that the
 * space's dirty tracking relies on.
 */
int axas_consumer_add(struct axas_aspace *as, struct axas_consumer *c)
{
	lockdep_assert_held_write(&as->lock);
	if (as->npt.fmt->hw_dirty_optin && as->dirty_tracked && as->dirty_hw &&
	    !(c->flags & AXAS_CONSUMER_EPT_AD))
		return -EBUSY;
	c->bound_flags = c->flags;
	list_add_tail(&c->node, &as->consumers);
	WRITE_ONCE(as->nr_consumers, as->nr_consumers + 1);
	if (c->bound_flags & AXAS_CONSUMER_EPT_AD)
		WRITE_ONCE(as->nr_ept_ad, as->nr_ept_ad + 1);
	return 0;
}

/* Caller holds @as->lock for writing; @c was added (a second del is a no-op). */
void axas_consumer_del(struct axas_aspace *as, struct axas_consumer *c)
{
	lockdep_assert_held_write(&as->lock);
	if (list_empty(&c->node))
		return;
	list_del_init(&c->node);
	WRITE_ONCE(as->nr_consumers, as->nr_consumers - 1);
	if (c->bound_flags & AXAS_CONSUMER_EPT_AD)
		WRITE_ONCE(as->nr_ept_ad, as->nr_ept_ad - 1);
	c->bound_flags = 0;
}

/* @reg, the table's own root register value, as consumers load it. */
u64 axas_consumer_root_reg(struct axas_aspace *as, u64 reg)
{
	if (as->npt.fmt->hw_dirty_optin && READ_ONCE(as->nr_ept_ad))
		reg |= AXAS_EPTP_AD;
	return reg;
}

/**
 * axas_consumer_bind() - have a consumer told of every invalidation
 * @as: the address space; the caller holds a reference for as long as @c
 *	is bound
 * @c: the consumer, @c->ops and @c->flags set; @c->node is initialised
 *	here
 *
 * From the return on, @c->ops->invalidate is called for every range whose
 * mappings are broken, removed or downgraded, before any page they used is
 * freed. Several consumers may be bound to one space (each is called, in
 * the order they were bound); a consumer is bound to one space at a time.
 *
 * %AXAS_CONSUMER_EPT_AD in @c->flags (EPT spaces only) promises that the
 * consumer runs the space with EPTP bit 6 set (axas_aspace_hw_regs() then
 * returns it so); with every bound consumer's promise, dirty tracking
 * started afterwards uses the CPU's D bit (axas_dirty_hw_needs() answers
 * %AXAS_DIRTY_HW_EPT_AD). The flags are read here once; to change them,
 * unbind and bind again.
 *
 * Context: process context, may sleep (waits for a writer in progress). Not
 * from inside an invalidate callback.
 * Return: 0; -EINVAL if @c has no invalidate callback, unknown flags, or
 * %AXAS_CONSUMER_EPT_AD on a space that is not EPT; -EBUSY if @c is
 * already bound to @as, or if @c lacks %AXAS_CONSUMER_EPT_AD while dirty
 * tracking of the space uses the EPT D bit (stop tracking everywhere
 * first; it restarts with write protection).
 */
int axas_consumer_bind(struct axas_aspace *as, struct axas_consumer *c)
{
	struct axas_consumer *pos;
	int ret = 0;

	if (!c || !c->ops || !c->ops->invalidate ||
	    (c->flags & ~AXAS_CONSUMER_EPT_AD))
		return -EINVAL;
	if ((c->flags & AXAS_CONSUMER_EPT_AD) && !as->npt.fmt->hw_dirty_optin)
		return -EINVAL;
	down_write(&as->lock);
	list_for_each_entry(pos, &as->consumers, node) {
		if (pos == c) {
			ret = -EBUSY;
			goto out;
		}
	}
	ret = axas_consumer_add(as, c);
out:
	up_write(&as->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(axas_consumer_bind);

/**
 * axas_consumer_unbind() - stop telling a consumer
 * @as: the address space @c was bound to
 * @c: a consumer axas_consumer_bind() accepted
 *
 * When this returns, @c->ops->invalidate is not running and will never be
 * called again for @as: the consumer may free @c and stop running guests
 * on the table. Unbind before dropping the reference on @as: the last
 * reference frees the table without telling anyone.
 *
 * Context: process context, may sleep (waits for a writer in progress). Not
 * from inside an invalidate callback.
 */
void axas_consumer_unbind(struct axas_aspace *as, struct axas_consumer *c)
{
	down_write(&as->lock);
	axas_consumer_del(as, c);
	up_write(&as->lock);
}
EXPORT_SYMBOL_GPL(axas_consumer_unbind);

/**
 * axas_aspace_hw_regs() - every register value that loads the space
 * @as: the address space
 * @vmid: the VMID the consumer chose for the guest (EPT: 0)
 * @regs: filled in (zeroed on error)
 *
 * EPTP for EPT (memory type WB, walk length, and bit 6 while a consumer
 * bound with %AXAS_CONSUMER_EPT_AD: call this after axas_consumer_bind());
 * VTTBR_EL2 with @vmid in bits 63:48 and VTCR_EL2 (T0SZ, SL0, IRGN0/ORGN0
 * write-back read/write-allocate, SH0 inner shareable, TG0 4 KiB, PS from
 * the host's PARange, VS when @vmid needs 16 bits) for Arm stage 2; hgatp
 * with @vmid in bits 57:44 for RISC-V. The root never moves, so the values
 * hold for the space's life (EPTP bit 6 aside, which follows the binds).
 *
 * On RISC-V the hart may implement fewer VMID bits than 14 (VMIDLEN): the
 * consumer detects that as KVM does (write all ones to hgatp.VMID, read
 * back) and picks @vmid below it.
 *
 * Context: any.
 * Return: 0, or -EINVAL if @vmid does not fit the format (EPT: must be 0;
 * Arm: 16 bits, 8 on an arm64 host without 16-bit VMIDs; RISC-V: 14 bits),
 * or, on an arm64 host, the space's gpa_bits exceed the host's PARange.
 */
int axas_aspace_hw_regs(struct axas_aspace *as, u32 vmid,
			struct axas_hw_regs *regs)
{
	int ret;

	memset(regs, 0, sizeof(*regs));
	ret = axas_npt_hw_regs(&as->npt, vmid, &regs->root_reg, &regs->vtcr);
	if (ret) {
		regs->root_reg = 0;
		regs->vtcr = 0;
		return ret;
	}
	regs->root_reg = axas_consumer_root_reg(as, regs->root_reg);
	regs->format = as->npt.fmt->id;
	regs->vmid = vmid;
	return 0;
}
EXPORT_SYMBOL_GPL(axas_aspace_hw_regs);
