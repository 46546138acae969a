// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl dispatcher shared by /dev/axas and the address-space file
 * descriptors (iommufd's design): each device has a table indexed by the
 * ioctl's number, each entry names the handler and the argument struct's
 * size and minimum size, and one reader copies every argument in, size
 * first. Adding an ioctl is one table line and its handler.
 */
#include <linux/align.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "axas_chardev/chardev.h"

/*
 * The argument lives on the dispatcher's stack: keep it small. New structs
 * grow it; this is the bound a review should notice being raised.
 */
static_assert(sizeof(union axas_ucmd_buffer) <= 128);

/*
 * The hot ioctls (TRANSLATE, FAULT) copy a few dozen bytes each way. The
 * general copy costs a size read, a copy whose length is not a constant (so
 * hardened usercopy checks the stack buffer each time) and the same again
 * out: several times the lookup itself. When the caller's struct has the
 * size this kernel knows, one user access section of 8-byte loads reads it
 * all, the size field included, as copy_struct_from_user() would have.
 * Anything else (another size, a fault, an unaligned pointer) goes the
 * general way, which decides the errno.
 */
static bool axas_ucmd_words_ok(const void __user *ubuf, unsigned int size)
{
	return IS_ALIGNED((unsigned long)ubuf, sizeof(u64)) &&
	       IS_ALIGNED(size, sizeof(u64));
}

static bool axas_ucmd_read_exact(struct axas_ucmd *ucmd,
				 const struct axas_ioctl_op *op,
				 union axas_ucmd_buffer *buf)
{
	const u64 __user *src = ucmd->ubuffer;
	u64 *dst = (u64 *)buf;
	unsigned int i;

	if (!axas_ucmd_words_ok(src, op->size) ||
	    !user_access_begin(src, op->size))
		return false;
	for (i = 0; i < op->size / sizeof(u64); i++)
		unsafe_get_user(dst[i], &src[i], fault);
	user_access_end();
	/* The size field is the struct's first: read with the rest. */
	if (*(u32 *)buf != op->size)
		return false;
	ucmd->user_size = op->size;
	ucmd->cmd = buf;
	return true;
fault:
	user_access_end();
	return false;
}

/*
 * Read the caller's struct the way copy_struct_from_user() does, size
 * first: below the first version is -EINVAL, above a page is -E2BIG (as
 * clone3() and openat2() cap it, so that a huge size cannot make the kernel
 * scan megabytes for nonzero bytes), nonzero bytes beyond what this kernel
 * knows are -E2BIG, and what the caller did not pass reads as zero.
 */
static int axas_ucmd_copy_in(struct axas_ucmd *ucmd,
			     const struct axas_ioctl_op *op,
			     union axas_ucmd_buffer *buf)
{
	int ret;

	/* The usual case: the caller's struct is this kernel's. */
	if (axas_ucmd_read_exact(ucmd, op, buf))
		return 0;
	if (get_user(ucmd->user_size, (u32 __user *)ucmd->ubuffer))
		return -EFAULT;
	if (ucmd->user_size < op->min_size)
		return -EINVAL;
	if (ucmd->user_size > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(buf, op->size, ucmd->ubuffer,
				    ucmd->user_size);
	if (ret)
		return ret;
	ucmd->cmd = buf;
	return 0;
}

/**
 * axas_ucmd_dispatch() - serve one ioctl from a table
 * @ops: the table, indexed by _IOC_NR(cmd) - @base
 * @nr_ops: entries in @ops
 * @base: _IOC_NR() of the table's first entry
 * @af: the address-space file, NULL for /dev/axas
 * @cmd: the ioctl number
 * @arg: its argument
 *
 * Return: what the handler returned, -ENOTTY for an ioctl the table does
 * not hold (a wrong type, direction or size encoded in @cmd included), or
 * the reader's -EFAULT, -EINVAL or -E2BIG.
 */
long axas_ucmd_dispatch(const struct axas_ioctl_op *ops, unsigned int nr_ops,
			unsigned int base, struct axas_file *af,
			unsigned int cmd, unsigned long arg)
{
	struct axas_ucmd ucmd = {
		.af = af,
		.ubuffer = (void __user *)arg,
		.arg = arg,
	};
	const struct axas_ioctl_op *op;
	union axas_ucmd_buffer buf;
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (nr < base || nr - base >= nr_ops)
		return -ENOTTY;
	op = &ops[nr - base];
	/* Another type, a direction or a size encoded: not ours. */
	if (!op->execute || cmd != _IO(AXAS_TYPE, nr))
		return -ENOTTY;
	if (op->size) {
		ret = axas_ucmd_copy_in(&ucmd, op, &buf);
		if (ret)
			return ret;
	}
	return op->execute(&ucmd);
}
EXPORT_SYMBOL_IF_KUNIT(axas_ucmd_dispatch);

/**
 * axas_ucmd_respond() - copy a handler's output back to the caller
 * @ucmd: the call
 * @len: sizeof the struct this kernel knows
 *
 * Writes at most the size the caller passed: an older caller gets the
 * fields it knows, bytes of a newer caller beyond @len stay untouched.
 *
 * Return: 0 or -EFAULT.
 */
int axas_ucmd_respond(struct axas_ucmd *ucmd, size_t len)
{
	u64 __user *dst = ucmd->ubuffer;
	const u64 *src = ucmd->cmd;
	unsigned int i;

	/* The caller's struct is this kernel's: as axas_ucmd_read_exact(). */
	if (ucmd->user_size == len && axas_ucmd_words_ok(dst, len)) {
		if (!user_write_access_begin(dst, len))
			return -EFAULT;
		for (i = 0; i < len / sizeof(u64); i++)
			unsafe_put_user(src[i], &dst[i], fault);
		user_write_access_end();
		return 0;
	}
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, len)))
		return -EFAULT;
	return 0;
fault:
	user_write_access_end();
	return -EFAULT;
}
EXPORT_SYMBOL_IF_KUNIT(axas_ucmd_respond);
