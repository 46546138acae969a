// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry points and the /dev/axas device.
 *
 * /dev/axas only creates address spaces; everything else happens on the
 * file descriptor AXAS_IOC_NEW returns (KVM's VM-fd pattern).
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>
#include <linux/axas.h>

#include "axas_npt/npt.h"
#include "axas_chardev/chardev.h"

bool axas_allow_ram_linear;
module_param_named(allow_ram_linear, axas_allow_ram_linear, bool, 0644);
MODULE_PARM_DESC(allow_ram_linear,
		 "Allow AXAS_IOC_MAP_LINEAR over host System RAM (default: no)");

/* Bit (1 << format) for every format value AXAS_IOC_NEW accepts. */
static u32 axdev_formats_mask(void)
{
	u32 mask = 0, fmt;

	for (fmt = 0; fmt < 32; fmt++) {
		u32 f = fmt, bits = 0;

		if (!axas_npt_resolve_format(&f, &bits))
			mask |= BIT(fmt);
	}
	return mask;
}

static long axdev_check_extension(unsigned long cap)
{
	switch (cap) {
	case AXAS_CAP_FORMATS:
		return axdev_formats_mask();
	default:
		return 0;
	}
}

static long axdev_new(void __user *uarg)
{
	struct axas_new new;
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < offsetofend(struct axas_new, length))
		return -EINVAL;
	ret = copy_struct_from_user(&new, sizeof(new), uarg, usize);
	if (ret)
		return ret;
	if (new.flags)
		return -EINVAL;
	return axas_aspace_fd_create(new.format, new.gpa_bits, new.base,
				     new.length);
}

static long axdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case AXAS_IOC_GET_API_VERSION:
		/* The argument is ignored: callers often pass none at all. */
		return AXAS_API_VERSION;
	case AXAS_IOC_CHECK_EXTENSION:
		return axdev_check_extension(arg);
	case AXAS_IOC_NEW:
		return axdev_new((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations axdev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= axdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice axdev_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "axas",
	.fops	= &axdev_fops,
	.mode	= 0600,
};

static int __init axas_init(void)
{
	return misc_register(&axdev_misc);
}

static void __exit axas_exit(void)
{
	misc_deregister(&axdev_misc);
	axas_debugfs_exit();
	/*
	 * Address spaces free their table pages through RCU callbacks that
	 * live in this module's text: wait for them before it goes away.
	 */
	rcu_barrier();
}

module_init(axas_init);
module_exit(axas_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("axas: nested page tables for userspace VMMs");
