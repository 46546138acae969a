// SPDX-License-Identifier: GPL-2.0
/*
 * What an address-space fd tells about its space outside the ioctls:
 *
 * - /proc/PID/fdinfo/FD (show_fdinfo): format, width, regions, table and
 *   data pages, tlb_gen; host addresses never (anyone who may read the fdinfo
 *   sees it).
 * - debugfs, one directory per fd as KVM has one per VM:
 *   /sys/kernel/debug/axas/<pid>-<fd>/ with "regions" (the region list) and
 *   "table" (every present leaf, decoded). Both show host physical addresses,
 *   so both are 0400 and debugfs itself is root-only. "bench" (bench.c,
 *   0600) times the lookup paths of the space in the kernel.
 *
 * The debugfs files read the space through the fd's reference: the directory
 * is removed in ->release() before that reference is dropped, and debugfs
 * waits for readers inside a file operation and fails later ones.
 */
#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include "axas_chardev/chardev.h"

static struct dentry *axdbg_root;
static DEFINE_MUTEX(axdbg_lock);

static const char *axdbg_kind(u32 kind)
{
	switch (kind) {
	case AXAS_REGION_LINEAR:
		return "linear";
	case AXAS_REGION_ALLOC:
		return "alloc";
	default:
		return "other";
	}
}

/* "rwx" and the memory type, as axasctl prints them. */
static void axdbg_prot(struct seq_file *m, u32 prot)
{
	seq_printf(m, "%c%c%c", prot & AXAS_MAP_READ ? 'r' : '-',
		   prot & AXAS_MAP_WRITE ? 'w' : '-',
		   prot & AXAS_MAP_EXEC ? 'x' : '-');
	if (prot & AXAS_MAP_DEVICE)
		seq_puts(m, ",device");
	if (prot & AXAS_MAP_UNCACHED)
		seq_puts(m, ",uncached");
}

/**
 * axas_aspace_show_fdinfo() - the show_fdinfo of an address-space fd
 * @m: the fdinfo file
 * @file: the address-space file
 *
 * One "key:\tvalue" line each, the keys of AXAS_IOC_INFO (without the host
 * physical addresses, which only the creator may be shown).
 */
void axas_aspace_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct axas_file *af = file->private_data;
	const struct axas_npt_fmt *fmt;
	struct axas_stats st;

	axas_aspace_stats(af->as, &st);
	fmt = axas_npt_fmt_get(st.format);
	seq_printf(m, "axas-format:\t%s\n", fmt ? fmt->name : "?");
	seq_printf(m, "axas-levels:\t%u\n", st.levels);
	seq_printf(m, "axas-gpa-bits:\t%u\n", st.gpa_bits);
	seq_printf(m, "axas-base:\t%#llx\n", st.base);
	seq_printf(m, "axas-length:\t%#llx\n", st.size);
	seq_printf(m, "axas-regions:\t%llu\n", st.nr_regions);
	seq_printf(m, "axas-table-pages:\t%llu\n", st.table_pages);
	seq_printf(m, "axas-data-pages:\t%llu\n", st.data_pages);
	seq_printf(m, "axas-tlb-gen:\t%llu\n", st.tlb_gen);
}

static int axdbg_regions_show(struct seq_file *m, void *unused)
{
	struct axas_aspace *as = m->private;
	struct axas_region *r;

	seq_puts(m, "# start end kind prot flags hpa\n");
	down_read(&as->lock);
	for (r = axas_region_first_after(as, as->base); r;
	     r = axas_region_next(r)) {
		seq_printf(m, "%#llx %#llx %s ", r->start, r->end,
			   axdbg_kind(r->kind));
		axdbg_prot(m, r->prot);
		seq_printf(m, " %#x %#llx\n", r->flags, r->hpa);
	}
	up_read(&as->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(axdbg_regions);

static int axdbg_leaf(const struct axas_npt_leaf *leaf, void *arg)
{
	struct seq_file *m = arg;

	seq_printf(m, "%#llx %#llx %#llx %u ", leaf->gpa, leaf->size, leaf->pa,
		   leaf->level);
	axdbg_prot(m, leaf->prot);
	seq_printf(m, " %#018llx\n", leaf->pte);
	/* A full buffer: seq_file retries with a larger one. */
	return seq_has_overflowed(m) ? -EOVERFLOW : 0;
}

static int axdbg_table_show(struct seq_file *m, void *unused)
{
	struct axas_aspace *as = m->private;
	struct axas_stats st;
	int ret;

	axas_aspace_stats(as, &st);
	seq_printf(m, "# format %s levels %u gpa_bits %u root_pa %#llx root_reg %#llx table_pages %llu\n",
		   as->npt.fmt->name, st.levels, st.gpa_bits, st.root_pa,
		   st.root_reg, st.table_pages);
	seq_puts(m, "# gpa size pa level prot pte\n");
	down_read(&as->lock);
	ret = axas_npt_visit_leaves(&as->npt, as->base, as->size, axdbg_leaf,
				    m, AXAS_NPT_WALK_SHARED);
	up_read(&as->lock);
	return ret == -EOVERFLOW ? 0 : ret;
}
DEFINE_SHOW_ATTRIBUTE(axdbg_table);

/**
 * axas_debugfs_add() - the debugfs directory of a new address-space fd
 * @af: the fd's private data
 * @fd: the fd number in the creating process
 *
 * Failures are not errors (debugfs is optional); @af->debugfs stays NULL
 * or an error pointer, which axas_debugfs_remove() accepts.
 */
void axas_debugfs_add(struct axas_file *af, int fd)
{
	char name[32];

	mutex_lock(&axdbg_lock);
	if (!axdbg_root)
		axdbg_root = debugfs_create_dir("axas", NULL);
	mutex_unlock(&axdbg_lock);

	snprintf(name, sizeof(name), "%d-%d", task_pid_nr(current), fd);
	af->debugfs = debugfs_create_dir(name, axdbg_root);
	debugfs_create_file("regions", 0400, af->debugfs, af->as,
			    &axdbg_regions_fops);
	debugfs_create_file("table", 0400, af->debugfs, af->as,
			    &axdbg_table_fops);
	axas_bench_debugfs_add(af, af->debugfs);
}

/**
 * axas_debugfs_remove() - remove the debugfs directory of an fd
 * @af: the fd's private data
 *
 * Returns once no reader is inside one of its files.
 */
void axas_debugfs_remove(struct axas_file *af)
{
	debugfs_remove(af->debugfs);
}

/**
 * axas_debugfs_exit() - remove /sys/kernel/debug/axas (module exit)
 */
void axas_debugfs_exit(void)
{
	debugfs_remove(axdbg_root);
	axdbg_root = NULL;
}
