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
#include "axas_core/user.h"
#include "axas_chardev/chardev.h"

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

static int axdev_get_api_version(struct axas_ucmd *ucmd)
{
	/* The argument is ignored: callers often pass none at all. */
	return AXAS_API_VERSION;
}

static int axdev_check_extension(struct axas_ucmd *ucmd)
{
	switch (ucmd->arg) {
	case AXAS_CAP_FORMATS:
		return axdev_formats_mask();
	case AXAS_CAP_MAP_USER:
	case AXAS_CAP_MMAP:
	case AXAS_CAP_DISCARD:
	case AXAS_CAP_REGIONS:
	case AXAS_CAP_HUGE_ALLOC:
	case AXAS_CAP_DIRTY_TRACKING:
	case AXAS_CAP_CONSUMER:
		return 1;
	default:
		return 0;
	}
}

static int axdev_new(struct axas_ucmd *ucmd)
{
	struct axas_new *new = ucmd->cmd;

	if (new->flags)
		return -EINVAL;
	return axas_aspace_fd_create(new->format, new->gpa_bits, new->base,
				     new->length);
}

#define AXDEV_CMD_BASE	_IOC_NR(AXAS_IOC_GET_API_VERSION)

static const struct axas_ioctl_op axdev_ioctl_ops[] = {
	AXAS_IOCTL_OP_NUM(AXDEV_CMD_BASE, AXAS_IOC_GET_API_VERSION,
			  axdev_get_api_version),
	AXAS_IOCTL_OP_NUM(AXDEV_CMD_BASE, AXAS_IOC_CHECK_EXTENSION,
			  axdev_check_extension),
	AXAS_IOCTL_OP(AXDEV_CMD_BASE, AXAS_IOC_NEW, axdev_new,
		      struct axas_new, length),
};

static long axdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return axas_ucmd_dispatch(axdev_ioctl_ops, ARRAY_SIZE(axdev_ioctl_ops),
				  AXDEV_CMD_BASE, NULL, cmd, arg);
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
	int ret;

	ret = axas_core_init();
	if (ret)
		return ret;
	ret = misc_register(&axdev_misc);
	if (ret)
		axas_core_exit();
	return ret;
}

static void __exit axas_exit(void)
{
	misc_deregister(&axdev_misc);
	axas_debugfs_exit();
	axas_core_exit();
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
