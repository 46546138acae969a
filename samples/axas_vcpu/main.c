// SPDX-License-Identifier: GPL-2.0
/*
 * axas_vcpu: a reference hypervisor module built on axas.
 *
 * /dev/axas_vcpu creates vCPUs that run a guest on the G-stage (RISC-V),
 * stage-2 (arm64), AMD NPT or EPT (x86-64) table of an axas address space.
 * It uses only axas's exported consumer API (include/linux/axas.h, SPEC section 8.7):
 *
 *   axas_aspace_fget()         the space from the fd the VMM passes
 *   axas_consumer_bind()       the invalidation callback: fence the TLBs
 *   axas_aspace_hw_regs()      hgatp, VTTBR_EL2/VTCR_EL2, nCR3 or EPTP for the
 *                              VMID/ASID the backend chose
 *   axas_handle_page_fault()   resolve guest faults on lazy RAM
 *
 * The userspace API (axas_vcpu.h) follows KVM's: a vCPU fd, GET/SET_REGS,
 * RUN and an mmap()ed run structure with the exit reason.
 */
#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vcpu.h"

static_assert(sizeof(struct axas_vcpu_run) <= PAGE_SIZE);

bool axas_vcpu_test_no_invalidate;
module_param_named(test_no_invalidate, axas_vcpu_test_no_invalidate, bool, 0644);
MODULE_PARM_DESC(test_no_invalidate,
		 "TEST ONLY: ignore axas's invalidation callbacks (stale TLB entries survive; the negative control of the invalidation test)");

bool axas_vcpu_test_quiet;
module_param_named(test_quiet, axas_vcpu_test_quiet, bool, 0644);
MODULE_PARM_DESC(test_quiet,
		 "TEST ONLY: keep host interrupts from ending the guest's slice (RISC-V: S-level interrupts masked; arm64: HCR_EL2.IMO/FMO clear, so they wait at the guest's masked EL1), so only the guest's own traps end it");

bool axas_vcpu_test_no_htinst;
module_param_named(test_no_htinst, axas_vcpu_test_no_htinst, bool, 0644);
MODULE_PARM_DESC(test_no_htinst,
		 "TEST ONLY: decode MMIO accesses from guest memory (HLVX) even when the CPU gives a transformed instruction in htinst");

static void axas_vcpu_invalidate(struct axas_consumer *c, u64 gpa, u64 size)
{
	struct axas_vcpu *vcpu = container_of(c, struct axas_vcpu, consumer);

	atomic64_inc(&vcpu->invalidations);
	if (READ_ONCE(axas_vcpu_test_no_invalidate))
		return;
	axas_vcpu_arch_invalidate(vcpu, gpa, size);
}

static const struct axas_consumer_ops axas_vcpu_consumer_ops = {
	.invalidate = axas_vcpu_invalidate,
};

static int axas_vcpu_release(struct inode *inode, struct file *file)
{
	struct axas_vcpu *vcpu = file->private_data;

	/* no callback after this: the backend state can go */
	axas_consumer_unbind(vcpu->as, &vcpu->consumer);
	axas_vcpu_arch_destroy(vcpu);
	axas_aspace_put(vcpu->as);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	return 0;
}

/**
 * axas_vcpu_run_loop() - the loop of one RUN, for every backend
 * @vcpu: the vCPU, whose backend has completed the exit the VMM saw
 * @enter_and_handle: enters the guest once and handles its exit: > 0 to
 *	enter again, 0 for an exit the VMM must see, < 0 if RUN fails
 *
 * A pending signal ends the RUN with exit INTR before the next entry.
 *
 * Return: 0 (the exit is in the run structure), -EINTR, or the error.
 */
int axas_vcpu_run_loop(struct axas_vcpu *vcpu,
		       int (*enter_and_handle)(struct axas_vcpu *vcpu))
{
	struct axas_vcpu_run *run = vcpu->run;
	int ret;

	run->exit_reason = AXAS_VCPU_EXIT_UNKNOWN;
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = AXAS_VCPU_EXIT_INTR;
			return -EINTR;
		}
		cond_resched();
		run->stats.entries++;
		ret = enter_and_handle(vcpu);
		if (ret <= 0)
			return ret;
	}
}

/* RUN, GET_REGS and SET_REGS own the vCPU while they work */
static bool axas_vcpu_claim(struct axas_vcpu *vcpu)
{
	return atomic_cmpxchg_acquire(&vcpu->running, 0, 1) == 0;
}

static void axas_vcpu_unclaim(struct axas_vcpu *vcpu)
{
	atomic_set_release(&vcpu->running, 0);
}

static long axas_vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct axas_vcpu *vcpu = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct axas_vcpu_regs regs;
	long ret;

	switch (cmd) {
	case AXAS_VCPU_RUN:
	case AXAS_VCPU_GET_REGS:
	case AXAS_VCPU_SET_REGS:
		break;
	default:
		return -ENOTTY;
	}
	if (!axas_vcpu_claim(vcpu))
		return -EBUSY;
	switch (cmd) {
	case AXAS_VCPU_RUN:
		ret = arg ? -EINVAL : axas_vcpu_arch_run(vcpu);
		vcpu->run->stats.invalidations = atomic64_read(&vcpu->invalidations);
		if (ret == 0 || ret == -EINTR)
			vcpu->run->stats.exits[vcpu->run->exit_reason]++;
		break;
	case AXAS_VCPU_GET_REGS:
		memset(&regs, 0, sizeof(regs));
		axas_vcpu_arch_get_regs(vcpu, &regs);
		ret = copy_to_user(uarg, &regs, sizeof(regs)) ? -EFAULT : 0;
		break;
	default:
		if (copy_from_user(&regs, uarg, sizeof(regs)))
			ret = -EFAULT;
		else
			ret = axas_vcpu_arch_set_regs(vcpu, &regs);
		break;
	}
	axas_vcpu_unclaim(vcpu);
	return ret;
}

static int axas_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct axas_vcpu *vcpu = file->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	return vm_insert_page(vma, vma->vm_start, virt_to_page(vcpu->run));
}

static const struct file_operations axas_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = axas_vcpu_release,
	.unlocked_ioctl = axas_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = axas_vcpu_mmap,
	.llseek = noop_llseek,
};

static int axas_vcpu_create(int space_fd)
{
	struct axas_vcpu *vcpu;
	int ret, fd;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->as = axas_aspace_fget(space_fd);
	if (IS_ERR(vcpu->as)) {
		ret = PTR_ERR(vcpu->as);
		goto err_free;
	}
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run) {
		ret = -ENOMEM;
		goto err_put;
	}
	ret = axas_vcpu_arch_create(vcpu);
	if (ret)
		goto err_run;
	vcpu->consumer.ops = &axas_vcpu_consumer_ops;
	ret = axas_consumer_bind(vcpu->as, &vcpu->consumer);
	if (ret)
		goto err_arch;
	fd = anon_inode_getfd("axas-vcpu", &axas_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_unbind;
	}
	return fd;

err_unbind:
	axas_consumer_unbind(vcpu->as, &vcpu->consumer);
err_arch:
	axas_vcpu_arch_destroy(vcpu);
err_run:
	free_page((unsigned long)vcpu->run);
err_put:
	axas_aspace_put(vcpu->as);
err_free:
	kfree(vcpu);
	return ret;
}

static long axas_vcpu_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case AXAS_VCPU_GET_API_VERSION:
		return AXAS_VCPU_API_VERSION;
	case AXAS_VCPU_GET_RUN_SIZE:
		return PAGE_SIZE;
	case AXAS_VCPU_CREATE:
		if (arg > INT_MAX)
			return -EBADF;
		return axas_vcpu_create((int)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations axas_vcpu_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = axas_vcpu_dev_ioctl,
	.compat_ioctl = axas_vcpu_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice axas_vcpu_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "axas_vcpu",
	.fops = &axas_vcpu_dev_fops,
};

static int __init axas_vcpu_init(void)
{
	int ret;

	ret = axas_vcpu_arch_init();
	if (ret)
		return ret;
	ret = misc_register(&axas_vcpu_dev);
	if (ret)
		axas_vcpu_arch_exit();
	return ret;
}
module_init(axas_vcpu_init);

static void __exit axas_vcpu_exit(void)
{
	misc_deregister(&axas_vcpu_dev);
	axas_vcpu_arch_exit();
}
module_exit(axas_vcpu_exit);

MODULE_DESCRIPTION("axas reference vCPU: guests on axas nested page tables");
MODULE_LICENSE("GPL");
