// SPDX-License-Identifier: GPL-2.0
/*
 * One inode per address space, and the VMM's mmap of it.
 *
 * The kernel's shared anonymous inode would put every address space's
 * mappings in one address_space, so a zap for one space would hit them
 * all. As DRM does for its devices, axas has a small internal filesystem
 * and gives each address-space file an inode of its own from it: the
 * inode's i_mapping holds exactly the VMM mappings of that space, and
 * unmap_mapping_range() on it (axas_zap_host()) removes a page from every
 * one of them. The filesystem is mounted while a file of it is open.
 *
 * The fault handler inserts the page the table maps with vm_insert_page()
 * (a reference per mapping, as drivers that map their own pages do), under
 * the space's lock, so an unmap or discard (which takes the lock for
 * writing and zaps before it frees) never races with an insertion. The
 * mappings are VM_IO: get_user_pages() refuses them, so an alloc page
 * cannot be pinned into another space through them.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/sizes.h>
#include <linux/axas.h>

#include "axas_chardev/chardev.h"

#define AXAS_FS_MAGIC	0x41584153	/* "AXAS" */

static struct vfsmount *axfs_mnt;
static int axfs_count;

static int axfs_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, AXAS_FS_MAGIC);

	return ctx ? 0 : -ENOMEM;
}

static struct file_system_type axfs_type = {
	.name		= "axas",
	.owner		= THIS_MODULE,
	.init_fs_context = axfs_init_fs_context,
	.kill_sb	= kill_anon_super,
};

/**
 * axas_file_create() - a file with an inode of its own
 * @name: shown in /proc/PID/fd as anon_inode:@name
 * @fops: its operations
 * @priv: its private_data
 *
 * Release it with fput(); its ->release() must call axas_file_released().
 *
 * Return: the file (O_RDWR), or an ERR_PTR().
 */
struct file *axas_file_create(const char *name,
			      const struct file_operations *fops, void *priv)
{
	struct inode *inode;
	struct file *file;
	int ret;

	/* alloc_file_pseudo() does not take it; __fput() drops it. */
	if (!try_module_get(fops->owner))
		return ERR_PTR(-ENOENT);
	ret = simple_pin_fs(&axfs_type, &axfs_mnt, &axfs_count);
	if (ret) {
		file = ERR_PTR(ret);
		goto put_module;
	}
	inode = alloc_anon_inode(axfs_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		file = ERR_CAST(inode);
		goto unpin;
	}
	file = alloc_file_pseudo(inode, axfs_mnt, name, O_RDWR, fops);
	if (IS_ERR(file)) {
		iput(inode);
		goto unpin;
	}
	file->private_data = priv;
	return file;
unpin:
	simple_release_fs(&axfs_mnt, &axfs_count);
put_module:
	module_put(fops->owner);
	return file;
}

/**
 * axas_file_released() - drop what axas_file_create() took
 *
 * Called from the file's ->release().
 */
void axas_file_released(void)
{
	simple_release_fs(&axfs_mnt, &axfs_count);
}

/*
 * Fault-around: a fault also maps the pages already allocated in the
 * aligned 64 KiB around it (the kernel's own fault_around_bytes), so a VMM
 * reading populated guest RAM takes one fault per 16 pages, as it would on
 * a file.
 */
#define AXFD_FAULT_AROUND	SZ_64K

static int axfd_insert_page(void *arg, u64 gpa, unsigned long pfn)
{
	struct vm_fault *vmf = arg;
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr;
	int ret;

	addr = vma->vm_start + (((gpa >> PAGE_SHIFT) - vma->vm_pgoff) << PAGE_SHIFT);
	ret = vm_insert_page(vma, addr, pfn_to_page(pfn));
	/* -EBUSY: mapped already (by another thread of the VMM, or before) */
	return ret == -EBUSY ? 0 : ret;
}

static vm_fault_t axfd_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct axas_file *af = vma->vm_file->private_data;
	u64 gpa = (u64)vmf->pgoff << PAGE_SHIFT;
	u64 first = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 last = first + (vma->vm_end - vma->vm_start);
	u64 start = ALIGN_DOWN(gpa, AXFD_FAULT_AROUND);
	int ret;

	ret = axas_host_fault(af->as, gpa, max(start, first),
			      min(start + AXFD_FAULT_AROUND, last),
			      axfd_insert_page, vmf);
	if (ret == -ENOMEM)
		return VM_FAULT_OOM;
	if (ret)
		return VM_FAULT_SIGBUS;	/* not an alloc region */
	return VM_FAULT_NOPAGE;
}

static const struct vm_operations_struct axfd_vm_ops = {
	.fault		= axfd_vm_fault,
};

/**
 * axas_aspace_mmap() - mmap of an address-space fd: file offset = gpa
 * @file: the address-space file
 * @vma: the new mapping
 *
 * Only shared mappings: a private one would give the VMM copies the guest
 * never sees.
 *
 * Return: 0 or -EINVAL.
 */
int axas_aspace_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
#ifdef AXAS_HAVE_VM_FLAGS_SET	/* Kbuild: vm_flags became const in 6.3 */
	vm_flags_set(vma, VM_MIXEDMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_MIXEDMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_ops = &axfd_vm_ops;
	return 0;
}
