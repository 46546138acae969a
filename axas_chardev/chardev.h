/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_chardev - /dev/axas and the per-address-space file descriptors.
 */
#ifndef _AXAS_CHARDEV_H
#define _AXAS_CHARDEV_H

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/axas.h>

struct axas_aspace;
struct dentry;
struct file;
struct seq_file;

/**
 * struct axas_file - private data of an address-space file descriptor
 * @as: the address space; the file holds one reference
 * @show_pa: the creator had CAP_SYS_ADMIN: host physical addresses are shown
 *	(judged once, from the creator's credentials, as pagemap does)
 * @rawio: the creator had CAP_SYS_RAWIO: pread/pwrite reach linear regions
 *	(judged once at AXAS_IOC_NEW; whoever holds the fd holds the right)
 * @debugfs: its debugfs directory (debugfs.c), or NULL or an error pointer
 */
struct axas_file {
	struct axas_aspace *as;
	bool show_pa;
	bool rawio;
	struct dentry *debugfs;
};

/*
 * Every argument struct of every ioctl, on /dev/axas and on address-space
 * fds: the dispatcher copies the caller's struct into one of these on its
 * stack. AXAS_IOCTL_OP() refuses at build time a struct that does not fit.
 */
union axas_ucmd_buffer {
	struct axas_new new;
	struct axas_map map;
	struct axas_range range;
	struct axas_translate translate;
	struct axas_fault fault;
	struct axas_info info;
	struct axas_dump dump;
	struct axas_map_user map_user;
	struct axas_regions regions;
	struct axas_dirty_bitmap dirty_bitmap;
};

/**
 * struct axas_ucmd - one ioctl call being served
 * @af: the address-space file, NULL for /dev/axas
 * @ubuffer: the caller's argument as a user pointer
 * @arg: the raw argument (ioctls that take a number, not a struct)
 * @user_size: the size the caller passed (the struct's first field)
 * @cmd: the caller's struct in kernel memory (NULL without a struct)
 */
struct axas_ucmd {
	struct axas_file *af;
	void __user *ubuffer;
	unsigned long arg;
	u32 user_size;
	void *cmd;
};

/**
 * struct axas_ioctl_op - one entry of an ioctl table
 * @size: sizeof the struct this kernel knows; 0 for an ioctl without one
 * @min_size: the smallest size userspace may pass (the struct's first
 *	version, up to its last field)
 * @execute: the handler
 *
 * A table is indexed by _IOC_NR(cmd) minus the table's first number. Every
 * axas ioctl is _IO(AXAS_TYPE, nr), so the index alone names the ioctl.
 */
struct axas_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	int (*execute)(struct axas_ucmd *ucmd);
};

/* An ioctl whose argument is @_struct, first version ending at @_last. */
#define AXAS_IOCTL_OP(_base, _ioctl, _fn, _struct, _last)		\
	[_IOC_NR(_ioctl) - (_base)] = {					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union axas_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.execute = _fn,						\
	}

/* An ioctl whose argument is a number (or nothing), not a struct. */
#define AXAS_IOCTL_OP_NUM(_base, _ioctl, _fn)				\
	[_IOC_NR(_ioctl) - (_base)] = {					\
		.execute = _fn,						\
	}

long axas_ucmd_dispatch(const struct axas_ioctl_op *ops, unsigned int nr_ops,
			unsigned int base, struct axas_file *af,
			unsigned int cmd, unsigned long arg);
int axas_ucmd_respond(struct axas_ucmd *ucmd, size_t len);

int axas_aspace_fd_create(u32 format, u32 gpa_bits, u64 base, u64 length);
struct axas_aspace *axas_file_aspace(struct file *file);
long axas_aspace_dump(struct axas_file *af, void __user *buf, u64 *buf_len);

/* mmap.c */
struct vm_area_struct;
struct file *axas_file_create(const char *name,
			      const struct file_operations *fops,
			      void *priv);
void axas_file_released(void);
int axas_aspace_mmap(struct file *file, struct vm_area_struct *vma);
/* debugfs.c */
void axas_aspace_show_fdinfo(struct seq_file *m, struct file *file);
void axas_debugfs_add(struct axas_file *af, int fd);
void axas_debugfs_remove(struct axas_file *af);
void axas_debugfs_exit(void);
/* bench.c */
void axas_bench_debugfs_add(struct axas_file *af, struct dentry *dir);

#endif /* _AXAS_CHARDEV_H */
