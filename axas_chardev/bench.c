// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel figures for the lookup paths, beside the kernel's own walk of a
 * user address in the same run: /sys/kernel/debug/axas/<pid>-<fd>/bench.
 *
 * Writing "GPA VA N" times N calls each of
 *   axas_translate() of GPA,
 *   axas_handle_page_fault() of GPA for reading (spurious when the page is
 *   mapped already: the caller faults it in first),
 *   get_user_pages_fast() of the one page at VA in the writer's own address
 *   space, and put_page() (the kernel's lockless single-page walk),
 * and reading the file gives the last run's figures in ns per call. GPA must
 * be mapped (-ENOENT otherwise) and VA populated. tools/axas-bench.c uses it.
 * Root only, as the rest of debugfs.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/axas.h>

#include "axas_chardev/chardev.h"

/* A run is at most this many calls of each kind: a few seconds under TCG. */
#define AXBENCH_MAX_CALLS	1000000U

struct axbench_result {
	u32 calls;
	u64 translate_ns;
	u64 fault_ns;
	u64 gup_ns;
};

/* One run at a time, whatever space it is on; the last run's result. */
static DEFINE_MUTEX(axbench_lock);
static struct axbench_result axbench_last;

static int axbench_translate(struct axas_aspace *as, u64 gpa, u32 n, u64 *ns)
{
	struct axas_xlate x;
	u64 t0 = ktime_get_ns();
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = axas_translate(as, gpa, &x);
		if (ret)
			return ret;
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

static int axbench_fault(struct axas_aspace *as, u64 gpa, u32 n, u64 *ns)
{
	u64 t0 = ktime_get_ns();
	u32 i, result;
	int ret;

	for (i = 0; i < n; i++) {
		ret = axas_handle_page_fault(as, gpa, AXAS_MAP_READ, &result);
		if (ret)
			return ret;
		/* Only the spurious path is measured: the page must be there. */
		if (result != AXAS_FAULT_SPURIOUS)
			return -ENOENT;
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

static int axbench_gup(unsigned long va, u32 n, u64 *ns)
{
	struct page *page;
	u64 t0 = ktime_get_ns();
	u32 i;

	for (i = 0; i < n; i++) {
		if (get_user_pages_fast(va, 1, 0, &page) != 1)
			return -EFAULT;
		put_page(page);
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

static ssize_t axbench_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct axas_aspace *as = file_inode(file)->i_private;
	struct axbench_result res = { 0 };
	unsigned long long gpa, va;
	char buf[64];
	int ret;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%llx %llx %u", &gpa, &va, &res.calls) != 3 ||
	    !res.calls || res.calls > AXBENCH_MAX_CALLS)
		return -EINVAL;

	mutex_lock(&axbench_lock);
	ret = axbench_translate(as, gpa, res.calls, &res.translate_ns);
	cond_resched();
	if (!ret)
		ret = axbench_fault(as, gpa, res.calls, &res.fault_ns);
	cond_resched();
	if (!ret)
		ret = axbench_gup(va, res.calls, &res.gup_ns);
	if (!ret)
		axbench_last = res;
	mutex_unlock(&axbench_lock);
	return ret ?: len;
}

static int axbench_show(struct seq_file *m, void *unused)
{
	struct axbench_result res;

	mutex_lock(&axbench_lock);
	res = axbench_last;
	mutex_unlock(&axbench_lock);
	if (!res.calls)
		return -ENODATA;
	seq_printf(m, "calls %u translate_ns %llu fault_ns %llu gup_ns %llu\n",
		   res.calls, div_u64(res.translate_ns, res.calls),
		   div_u64(res.fault_ns, res.calls),
		   div_u64(res.gup_ns, res.calls));
	return 0;
}

static int axbench_open(struct inode *inode, struct file *file)
{
	return single_open(file, axbench_show, inode->i_private);
}

static const struct file_operations axbench_fops = {
	.owner		= THIS_MODULE,
	.open		= axbench_open,
	.read		= seq_read,
	.write		= axbench_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/**
 * axas_bench_debugfs_add() - the "bench" file of an address-space fd
 * @af: the fd's private data
 * @dir: its debugfs directory
 */
void axas_bench_debugfs_add(struct axas_file *af, struct dentry *dir)
{
	debugfs_create_file("bench", 0600, dir, af->as, &axbench_fops);
}
