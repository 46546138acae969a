// SPDX-License-Identifier: GPL-2.0
/*
 * The file descriptor of one address space.
 *
 * The ioctls are a table for axas_ucmd_dispatch() (ucmd.c), which reads
 * every argument size-first; the handlers here only copy fields between the
 * struct and the core.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/axas.h>
#include <kunit/visibility.h>

#include "axas_core/user.h"
#include "axas_chardev/chardev.h"

/*
 * The rights of an ioctl caller: /dev/mem's rules apply, lifted for host
 * memory by CAP_SYS_RAWIO of the caller (MAP_LINEAR, and PROTECT changing a
 * linear region's memory type). Asked only where host memory is at stake.
 */
static unsigned int axfd_ioctl_caller(void)
{
	return AXAS_CALLER_USER |
	       (capable(CAP_SYS_RAWIO) ? AXAS_CALLER_RAWIO : 0);
}

static int axfd_map_linear(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_map *m = ucmd->cmd;

	return axas_map_linear_caller(af->as, m->gpa, m->hpa, m->length,
				      m->flags, axfd_ioctl_caller());
}

static int axfd_map_alloc(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_map *m = ucmd->cmd;

	if (m->hpa)
		return -EINVAL;
	return axas_map_alloc(af->as, m->gpa, m->length, m->flags);
}

static int axfd_unmap(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_range *r = ucmd->cmd;

	if (r->flags)
		return -EINVAL;
	return axas_unmap(af->as, r->gpa, r->length);
}

static int axfd_protect(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_map *m = ucmd->cmd;

	if (m->hpa)
		return -EINVAL;
	return axas_protect_caller(af->as, m->gpa, m->length, m->flags,
				   axfd_ioctl_caller());
}

static int axfd_translate(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_translate *t = ucmd->cmd;
	struct axas_xlate x;
	int ret;

	if (t->flags)
		return -EINVAL;
	ret = axas_translate(af->as, t->gpa, &x);
	if (ret)
		return ret;
	t->hpa = af->show_pa ? x.hpa : 0;
	t->limit = x.limit;
	t->page_size = x.page_size;
	t->map_flags = x.prot;
	t->kind = x.kind;
	return axas_ucmd_respond(ucmd, sizeof(*t));
}

static int axfd_fault(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_fault *f = ucmd->cmd;
	u32 result;
	int ret;

	if (f->flags)
		return -EINVAL;
	ret = axas_handle_page_fault(af->as, f->gpa, f->access, &result);
	if (ret)
		return ret;
	f->result = result;
	return axas_ucmd_respond(ucmd, sizeof(*f));
}

static int axfd_info(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_info *i = ucmd->cmd;
	struct axas_stats st;

	if (i->flags || i->reserved)
		return -EINVAL;
	axas_aspace_stats(af->as, &st);
	i->format = st.format;
	i->levels = st.levels;
	i->gpa_bits = st.gpa_bits;
	i->base = st.base;
	i->length = st.size;
	i->root_pa = af->show_pa ? st.root_pa : 0;
	i->root_reg = af->show_pa ? st.root_reg : 0;
	i->table_pages = st.table_pages;
	i->data_pages = st.data_pages;
	i->nr_regions = st.nr_regions;
	i->tlb_gen = st.tlb_gen;
	return axas_ucmd_respond(ucmd, sizeof(*i));
}

static int axfd_dump(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_dump *d = ucmd->cmd;
	int ret;

	if (d->flags)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = axas_aspace_dump(af, u64_to_user_ptr(d->buf), &d->buf_len);
	/* ENOSPC comes with the size the image needs. */
	if (ret && ret != -ENOSPC)
		return ret;
	return axas_ucmd_respond(ucmd, sizeof(*d)) ?: ret;
}

static int axfd_map_user(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_map_user *m = ucmd->cmd;

	/*
	 * No capability: the caller can only hand over its own memory. Every
	 * check of the fields is the core's.
	 */
	return axas_map_user(af->as, m->gpa, m->length, m->user_va, m->flags);
}

static int axfd_discard(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_range *r = ucmd->cmd;

	if (r->flags)
		return -EINVAL;
	return axas_discard(af->as, r->gpa, r->length);
}

static int axfd_set_dirty_tracking(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_range *r = ucmd->cmd;

	return axas_set_dirty_tracking(af->as, r->gpa, r->length, r->flags);
}

/*
 * The report is built in kernel memory and copied out with no lock held
 * (the bitmap may be our own mmap). If the copy still fails (the bitmap was
 * unmapped meanwhile), the bits it took go back: a later call reports them.
 */
static int axfd_get_dirty_bitmap(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_dirty_bitmap *d = ucmd->cmd;
	unsigned long nbits, i, words, *bits;
	struct axas_stats st;
	int ret;

	if (d->flags & ~AXAS_DIRTY_NO_CLEAR)
		return -EINVAL;
	/* The core checks the range; this bounds the buffer first. */
	axas_aspace_stats(af->as, &st);
	if (!d->length || d->length > st.size)
		return -EINVAL;
	nbits = d->length >> PAGE_SHIFT;
	words = BITS_TO_LONGS(nbits);
	bits = kvcalloc(words, sizeof(*bits), GFP_KERNEL_ACCOUNT);
	if (!bits)
		return -ENOMEM;
	/* A bitmap that cannot take the report fails before anything changes. */
	if (clear_user(u64_to_user_ptr(d->bitmap), words * sizeof(*bits))) {
		ret = -EFAULT;
		goto out;
	}
	ret = axas_get_dirty_bitmap(af->as, d->gpa, d->length, bits, d->flags);
	if (ret)
		goto out;
	/* 64-bit only (Kconfig): a long is the __u64 word of the ABI. */
	for (i = 0; i < words; i++)
		bits[i] = (__force unsigned long)cpu_to_le64(bits[i]);
	if (copy_to_user(u64_to_user_ptr(d->bitmap), bits,
			 words * sizeof(*bits))) {
		for (i = 0; i < words; i++)
			bits[i] = le64_to_cpu((__force __le64)bits[i]);
		if (!(d->flags & AXAS_DIRTY_NO_CLEAR))
			axas_mark_dirty_bitmap(af->as, d->gpa, bits, nbits);
		ret = -EFAULT;
	}
out:
	kvfree(bits);
	return ret;
}

static int axfd_get_regions(struct axas_ucmd *ucmd)
{
	struct axas_file *af = ucmd->af;
	struct axas_regions *g = ucmd->cmd;
	struct axas_region_info *buf;
	struct axas_stats st;
	u32 n, total, i;
	int ret;

	if (g->flags || g->reserved)
		return -EINVAL;
	/* Copied out after the lock is dropped: @regions may be our mmap. */
	for (;;) {
		axas_aspace_stats(af->as, &st);
		n = min_t(u64, g->nr_regions, st.nr_regions);
		buf = NULL;
		if (n) {
			buf = kvmalloc_array(n, sizeof(*buf), GFP_KERNEL_ACCOUNT);
			if (!buf)
				return -ENOMEM;
		}
		ret = axas_get_regions(af->as, buf, n, &total);
		/* Regions added meanwhile, and the caller has room: again. */
		if (ret != -ENOSPC || total > g->nr_regions)
			break;
		kvfree(buf);
	}
	if (!ret) {
		for (i = 0; i < total; i++)
			if (!af->show_pa)
				buf[i].hpa = 0;
		if (total && copy_to_user(u64_to_user_ptr(g->regions), buf,
					  array_size(total, sizeof(*buf))))
			ret = -EFAULT;
	}
	kvfree(buf);
	if (ret && ret != -ENOSPC)
		return ret;
	/* ENOSPC comes with the number of regions. */
	g->nr_regions = total;
	return axas_ucmd_respond(ucmd, sizeof(*g)) ?: ret;
}

#define AXFD_CMD_BASE	_IOC_NR(AXAS_IOC_MAP_LINEAR)

static const struct axas_ioctl_op axfd_ioctl_ops[] = {
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_MAP_LINEAR, axfd_map_linear,
		      struct axas_map, hpa),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_MAP_ALLOC, axfd_map_alloc,
		      struct axas_map, hpa),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_UNMAP, axfd_unmap,
		      struct axas_range, length),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_PROTECT, axfd_protect,
		      struct axas_map, hpa),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_TRANSLATE, axfd_translate,
		      struct axas_translate, kind),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_FAULT, axfd_fault,
		      struct axas_fault, result),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_INFO, axfd_info,
		      struct axas_info, tlb_gen),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_DUMP, axfd_dump,
		      struct axas_dump, buf_len),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_MAP_USER, axfd_map_user,
		      struct axas_map_user, user_va),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_DISCARD, axfd_discard,
		      struct axas_range, length),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_GET_REGIONS, axfd_get_regions,
		      struct axas_regions, regions),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_SET_DIRTY_TRACKING,
		      axfd_set_dirty_tracking, struct axas_range, length),
	AXAS_IOCTL_OP(AXFD_CMD_BASE, AXAS_IOC_GET_DIRTY_BITMAP,
		      axfd_get_dirty_bitmap, struct axas_dirty_bitmap, bitmap),
};

static long axfd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return axas_ucmd_dispatch(axfd_ioctl_ops, ARRAY_SIZE(axfd_ioctl_ops),
				  AXFD_CMD_BASE, file->private_data, cmd, arg);
}

/*
 * pread/pwrite. No capability is asked here: a setuid program writing to a
 * file descriptor it was handed must not lend it its privileges (a confused
 * deputy). The right to reach linear regions was decided when the space was
 * created, from the creator's CAP_SYS_RAWIO, and travels with the fd.
 */
static ssize_t axfd_rw_iter(struct kiocb *iocb, struct iov_iter *iter,
			    unsigned int flags)
{
	struct axas_file *af = iocb->ki_filp->private_data;
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	flags |= AXAS_ACCESS_USER;
	if (af->rawio)
		flags |= AXAS_ACCESS_LINEAR;
	ret = axas_access_iter(af->as, iocb->ki_pos, iter, flags);
	if (ret > 0)
		iocb->ki_pos += ret;
	return ret;
}

static ssize_t axfd_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return axfd_rw_iter(iocb, to, 0);
}

static ssize_t axfd_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return axfd_rw_iter(iocb, from, AXAS_ACCESS_WRITE);
}

static loff_t axfd_llseek(struct file *file, loff_t offset, int whence)
{
	struct axas_file *af = file->private_data;
	loff_t end = axas_aspace_end(af->as);

	return generic_file_llseek_size(file, offset, whence, end, end);
}

static int axfd_release(struct inode *inode, struct file *file)
{
	struct axas_file *af = file->private_data;

	/* No mapping of the file is left (each held a reference to it). */
	axas_set_host_mapping(af->as, NULL);
	axas_debugfs_remove(af);
	axas_aspace_put(af->as);
	kfree(af);
	axas_file_released();
	return 0;
}

static const struct file_operations axfd_fops = {
	.owner		= THIS_MODULE,
	.release	= axfd_release,
	.unlocked_ioctl	= axfd_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.read_iter	= axfd_read_iter,
	.write_iter	= axfd_write_iter,
	.llseek		= axfd_llseek,
	.mmap		= axas_aspace_mmap,
	.show_fdinfo	= axas_aspace_show_fdinfo,
};

/**
 * axas_file_aspace() - the address space behind an address-space file
 * @file: any file
 *
 * For axas_aspace_from_file(): the core cannot recognise the files the
 * character device makes.
 *
 * Return: the space @file holds a reference on (valid for as long as the
 * caller holds @file), or NULL if @file is not an address-space file.
 */
struct axas_aspace *axas_file_aspace(struct file *file)
{
	struct axas_file *af;

	if (file->f_op != &axfd_fops)
		return NULL;
	af = file->private_data;
	return af->as;
}

/**
 * axas_aspace_fd_create() - create an address space and its file descriptor
 * @format: AXAS_FMT_* value
 * @gpa_bits: guest-physical width, 0 for the format's default
 * @base: first guest-physical address
 * @length: bytes covered
 *
 * Return: the new O_CLOEXEC file descriptor, or a negative errno.
 */
int axas_aspace_fd_create(u32 format, u32 gpa_bits, u64 base, u64 length)
{
	struct axas_file *af;
	struct file *file;
	int fd, ret;

	af = kzalloc(sizeof(*af), GFP_KERNEL_ACCOUNT);
	if (!af)
		return -ENOMEM;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto free_af;
	}

	af->as = axas_aspace_create(format, gpa_bits, base, length);
	if (IS_ERR(af->as)) {
		ret = PTR_ERR(af->as);
		goto put_fd;
	}
	/* Data pages count against the creator's RLIMIT_MEMLOCK. */
	axas_aspace_charge_caller(af->as);

	/* An inode of its own: its i_mapping holds this space's mmaps. */
	file = axas_file_create("axas-aspace", &axfd_fops, af);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto put_as;
	}
	axas_set_host_mapping(af->as, file->f_mapping);
	/*
	 * Judged once, from the creator's credentials (as pagemap does):
	 * whoever holds the fd later has these rights.
	 */
	af->show_pa = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	af->rawio = file_ns_capable(file, &init_user_ns, CAP_SYS_RAWIO);
	/* pread/pwrite at offset = gpa; anon inodes do not get these. */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
#ifdef FMODE_LSEEK
	file->f_mode |= FMODE_LSEEK;
#endif

	/* From here on ->release() owns af and the address space. */
	axas_debugfs_add(af, fd);
	fd_install(fd, file);
	return fd;

put_as:
	axas_aspace_put(af->as);
put_fd:
	put_unused_fd(fd);
free_af:
	kfree(af);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(axas_aspace_fd_create);
