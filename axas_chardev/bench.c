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
 * and reading the file gives the last run's figures in ns per call (the
 * median over chunks of calls; see axbench_run()). GPA must
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
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/axas.h>

#include "axas_chardev/chardev.h"

/* A run is at most this many calls of each kind: a few seconds under TCG. */
#define AXBENCH_MAX_CALLS	1000000U

/* Calls made of each kind, and the median time of a chunk of each. */
struct axbench_result {
	u32 calls;
	u64 translate_ns;
	u64 fault_ns;
	u64 gup_ns;
};

/* One run at a time, whatever space it is on; the last run's result. */
static DEFINE_MUTEX(axbench_lock);
static struct axbench_result axbench_last;

/*
 * The machine these figures come from is shared: load moves within a few
 * milliseconds. The three kinds take turns in chunks of AXBENCH_CHUNK calls
 * and each one's figure is the median of its chunks, so that all three see
 * the same load and a chunk that was preempted does not count.
 */
#define AXBENCH_CHUNK		100

enum { AXBENCH_TRANSLATE, AXBENCH_FAULT, AXBENCH_GUP, AXBENCH_KINDS };

static int axbench_chunk(struct axas_aspace *as, int kind, u64 gpa,
			 unsigned long va, u64 *ns)
{
	struct axas_xlate x;
	struct page *page;
	u64 t0 = ktime_get_ns();
	u32 i, result;
	int ret = 0;

	for (i = 0; i < AXBENCH_CHUNK && !ret; i++) {
		switch (kind) {
		case AXBENCH_TRANSLATE:
			ret = axas_translate(as, gpa, &x);
			break;
		case AXBENCH_FAULT:
			ret = axas_handle_page_fault(as, gpa, AXAS_MAP_READ,
						     &result);
			/* Only the spurious path is measured. */
			if (!ret && result != AXAS_FAULT_SPURIOUS)
				ret = -ENOENT;
			break;
		default:
			if (get_user_pages_fast(va, 1, 0, &page) != 1) {
				ret = -EFAULT;
				break;
			}
			put_page(page);
			break;
		}
	}
	*ns = ktime_get_ns() - t0;
	return ret;
}

static int axbench_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int axbench_run(struct axas_aspace *as, u64 gpa, unsigned long va,
		       struct axbench_result *res)
{
	u32 chunks = DIV_ROUND_UP(res->calls, AXBENCH_CHUNK), c;
	u64 *ns[AXBENCH_KINDS], med[AXBENCH_KINDS];
	int kind, ret = 0;

	ns[0] = kvmalloc_array(chunks * AXBENCH_KINDS, sizeof(u64), GFP_KERNEL);
	if (!ns[0])
		return -ENOMEM;
	for (kind = 1; kind < AXBENCH_KINDS; kind++)
		ns[kind] = ns[0] + kind * chunks;
	for (c = 0; c < chunks && !ret; c++) {
		for (kind = 0; kind < AXBENCH_KINDS && !ret; kind++)
			ret = axbench_chunk(as, kind, gpa, va, &ns[kind][c]);
		cond_resched();
	}
	for (kind = 0; kind < AXBENCH_KINDS && !ret; kind++) {
		sort(ns[kind], chunks, sizeof(u64), axbench_cmp, NULL);
		med[kind] = ns[kind][chunks / 2];
	}
	kvfree(ns[0]);
	if (ret)
		return ret;
	res->calls = chunks * AXBENCH_CHUNK;
	res->translate_ns = med[AXBENCH_TRANSLATE];
	res->fault_ns = med[AXBENCH_FAULT];
	res->gup_ns = med[AXBENCH_GUP];
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
	ret = axbench_run(as, gpa, va, &res);
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
		   res.calls, div_u64(res.translate_ns, AXBENCH_CHUNK),
		   div_u64(res.fault_ns, AXBENCH_CHUNK),
		   div_u64(res.gup_ns, AXBENCH_CHUNK));
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
