/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas_chardev - /dev/axas and the per-address-space file descriptors.
 */
#ifndef _AXAS_CHARDEV_H
#define _AXAS_CHARDEV_H

#include <linux/types.h>

struct axas_aspace;
struct dentry;
struct file;
struct seq_file;

/**
 * struct axas_file - private data of an address-space file descriptor
 * @as: the address space; the file holds one reference
 * @show_pa: the creator had CAP_SYS_ADMIN: host physical addresses are shown
 *	(judged once, from the creator's credentials, as pagemap does)
 * @rawio: the creator had CAP_SYS_RAWIO
 * @debugfs: its debugfs directory (debugfs.c), or NULL or an error pointer
 */
struct axas_file {
	struct axas_aspace *as;
	bool show_pa;
	bool rawio;
	struct dentry *debugfs;
};

extern bool axas_allow_ram_linear;

int axas_aspace_fd_create(u32 format, u32 gpa_bits, u64 base, u64 length);
long axas_aspace_dump(struct axas_file *af, void __user *buf, u64 *buf_len);

/* debugfs.c */
void axas_aspace_show_fdinfo(struct seq_file *m, struct file *file);
void axas_debugfs_add(struct axas_file *af, int fd);
void axas_debugfs_remove(struct axas_file *af);
void axas_debugfs_exit(void);

#endif /* _AXAS_CHARDEV_H */
