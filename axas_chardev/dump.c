// SPDX-License-Identifier: GPL-2.0
/*
 * AXAS_IOC_DUMP: the table image of SPEC section 5.
 *
 * The image is a 64-byte header followed by one record per table page: the
 * page's physical address and its 4096 bytes. It is written straight to the
 * user buffer while the core walks the table, so the header must be sized
 * from the snapshot the core hands to the first callback, which is taken
 * under the same lock as the walk. The lock is held while the user buffer
 * is written, so it is written with page faults disabled: a buffer backed
 * by userfaultfd or FUSE must not stall the space's writers. When a write
 * faults, the lock is dropped, the rest of the buffer faulted in, and the
 * dump starts again. DUMP needs CAP_SYS_ADMIN of the caller,
 * and the table entries themselves hold physical addresses, so nothing is
 * hidden here.
 */
#include <linux/minmax.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/axas.h>

#include "axas_chardev/chardev.h"

#define AXDUMP_REC_SIZE		(sizeof(__le64) + SZ_4K)

/* struct axas_dump_header with its byte order spelled out. */
struct axdump_hdr {
	__le32 magic;
	__le16 version;
	__le16 format;
	__le32 levels;
	__le32 gpa_bits;
	__le64 root_pa;
	__le64 root_reg;
	__le64 nr_pages;
	__le64 pad[3];
};

#define AXDUMP_HDR_SIZE		sizeof(struct axdump_hdr)
static_assert(sizeof(struct axdump_hdr) == 64);
static_assert(sizeof(struct axas_dump_header) == 64);

struct axdump_ctx {
	void __user *buf;
	u64 buf_len;
	u64 needed;
	u64 written;
	u64 nr_pages;
	bool started;
	bool faulted;
};

/* Write to the user buffer without faulting (the space's lock is held). */
static int axdump_copy(struct axdump_ctx *ctx, u64 off, const void *src,
		       size_t len)
{
	unsigned long left;

	pagefault_disable();
	left = copy_to_user(ctx->buf + off, src, len);
	pagefault_enable();
	if (left) {
		ctx->faulted = true;
		return -EFAULT;
	}
	return 0;
}

static void axdump_fill_header(struct axdump_hdr *hdr,
			       const struct axas_stats *st)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = cpu_to_le32(AXAS_DUMP_MAGIC);
	hdr->version = cpu_to_le16(AXAS_DUMP_VERSION);
	hdr->format = cpu_to_le16(st->format);
	hdr->levels = cpu_to_le32(st->levels);
	hdr->gpa_bits = cpu_to_le32(st->gpa_bits);
	hdr->root_pa = cpu_to_le64(st->root_pa);
	hdr->root_reg = cpu_to_le64(st->root_reg);
	hdr->nr_pages = cpu_to_le64(st->table_pages);
}

static int axdump_emit(void *arg, const struct axas_stats *st, u64 pa,
		       const void *page)
{
	struct axdump_ctx *ctx = arg;
	__le64 pa_le;

	if (!ctx->started) {
		struct axdump_hdr hdr;

		ctx->started = true;
		ctx->needed = AXDUMP_HDR_SIZE +
			      st->table_pages * AXDUMP_REC_SIZE;
		if (ctx->needed > ctx->buf_len)
			return -ENOSPC;
		axdump_fill_header(&hdr, st);
		if (axdump_copy(ctx, 0, &hdr, sizeof(hdr)))
			return -EFAULT;
		ctx->written = AXDUMP_HDR_SIZE;
	}
	/* Never write past what the header promised. */
	if (ctx->written + AXDUMP_REC_SIZE > ctx->needed)
		return -EAGAIN;

	pa_le = cpu_to_le64(pa);
	if (axdump_copy(ctx, ctx->written, &pa_le, sizeof(pa_le)) ||
	    axdump_copy(ctx, ctx->written + sizeof(pa_le), page, SZ_4K))
		return -EFAULT;
	ctx->written += AXDUMP_REC_SIZE;
	ctx->nr_pages++;
	return 0;
}

/**
 * axas_aspace_dump() - write the table image of an address space
 * @af: the address-space file
 * @buf: user buffer
 * @buf_len: in: bytes at @buf; out: the image size (also on -ENOSPC)
 *
 * Return: 0, -ENOSPC when @buf is too small, or another negative errno
 * (-EFAULT for a buffer that cannot be written, -EINTR).
 */
long axas_aspace_dump(struct axas_file *af, void __user *buf, u64 *buf_len)
{
	struct axdump_ctx ctx;
	size_t want;
	int ret;

	for (;;) {
		ctx = (struct axdump_ctx){ .buf = buf, .buf_len = *buf_len };
		ret = axas_dump_tables(af->as, axdump_emit, &ctx);
		if (!ctx.faulted)
			break;
		/* Fault the rest of the image in without the lock, retry. */
		want = min_t(u64, ctx.needed - ctx.written, SZ_1G);
		if (fault_in_writeable(buf + ctx.written, want))
			return -EFAULT;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	if (ret == -ENOSPC)
		*buf_len = ctx.needed;
	if (ret)
		return ret;
	if (WARN_ON_ONCE(ctx.written != ctx.needed))
		return -EAGAIN;
	*buf_len = ctx.written;
	return 0;
}
