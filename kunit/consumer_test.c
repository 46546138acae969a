// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the consumer API (SPEC 8.7): a space from a file
 * descriptor, invalidation callbacks of several consumers, the register
 * values of every format, a consumer unbinding while a writer runs, and a
 * space that outlives the VMM's file descriptor.
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/axas.h>
#ifdef CONFIG_ARM64
#include <asm/cpufeature.h>
#include <asm/sysreg.h>
#endif

#include "axas_core/aspace.h"
#include "axas_chardev/chardev.h"

#define RW	(AXAS_MAP_READ | AXAS_MAP_WRITE)

static void put_aspace_action(void *as)
{
	axas_aspace_put(as);
}

static struct axas_aspace *new_aspace(struct kunit *test, u32 format,
				      u32 gpa_bits, u64 size)
{
	struct axas_aspace *as = axas_aspace_create(format, gpa_bits, 0, size);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, put_aspace_action, as));
	return as;
}

static u64 data_pages(struct axas_aspace *as)
{
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	return st.data_pages;
}

/* ---- a consumer that records every call ------------------------------- */

#define MAX_CALLS 8

struct rec_consumer {
	struct axas_consumer c;
	int calls;
	u64 gpa[MAX_CALLS];
	u64 size[MAX_CALLS];
	/* if set: a page that must still be allocated when we are called */
	struct page *watch;
	int watch_refs;
};

static void rec_invalidate(struct axas_consumer *c, u64 gpa, u64 size)
{
	struct rec_consumer *rc = container_of(c, struct rec_consumer, c);

	if (rc->calls < MAX_CALLS) {
		rc->gpa[rc->calls] = gpa;
		rc->size[rc->calls] = size;
	}
	rc->calls++;
	if (rc->watch)
		rc->watch_refs = page_ref_count(rc->watch);
}

static const struct axas_consumer_ops rec_ops = {
	.invalidate = rec_invalidate,
};

struct bound {
	struct axas_aspace *as;
	struct axas_consumer *c;
};

static void unbind_action(void *arg)
{
	struct bound *b = arg;

	axas_consumer_unbind(b->as, b->c);
}

/* Bind @rc, unbound again when the case ends however it ends. */
static void bind_rec(struct kunit *test, struct axas_aspace *as,
		     struct rec_consumer *rc)
{
	struct bound *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	memset(rc, 0, sizeof(*rc));
	rc->c.ops = &rec_ops;
	KUNIT_ASSERT_EQ(test, axas_consumer_bind(as, &rc->c), 0);
	b->as = as;
	b->c = &rc->c;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, unbind_action, b));
}

static void reset_rec(struct rec_consumer *rc, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		rc[i].calls = 0;
		memset(rc[i].gpa, 0, sizeof(rc[i].gpa));
		memset(rc[i].size, 0, sizeof(rc[i].size));
	}
}

/* Every consumer was called exactly once, with [@gpa, @gpa + @size). */
static void expect_one_call(struct kunit *test, struct rec_consumer *rc,
			    int n, u64 gpa, u64 size, const char *what)
{
	int i;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, rc[i].calls, 1, "%s, consumer %d",
				    what, i);
		KUNIT_EXPECT_EQ_MSG(test, rc[i].gpa[0], gpa, "%s, consumer %d",
				    what, i);
		KUNIT_EXPECT_EQ_MSG(test, rc[i].size[0], size,
				    "%s, consumer %d", what, i);
	}
}

/* Some call of @rc covered the page at @gpa. */
static bool rec_covers(const struct rec_consumer *rc, u64 gpa)
{
	int i;

	for (i = 0; i < min(rc->calls, MAX_CALLS); i++) {
		if (gpa >= rc->gpa[i] && gpa + SZ_4K <= rc->gpa[i] + rc->size[i])
			return true;
	}
	return false;
}

static void expect_no_call(struct kunit *test, struct rec_consumer *rc,
			   int n, const char *what)
{
	int i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, rc[i].calls, 0, "%s, consumer %d",
				    what, i);
}

/* ---- file descriptors ---------------------------------------------------- */

static const struct file_operations other_fops = {
	.owner = THIS_MODULE,
};

static void close_fd_action(void *arg)
{
	close_fd((unsigned long)arg);
}

/* Install @file at a new fd of the test thread, closed when the case ends. */
static int install_fd(struct kunit *test, struct file *file)
{
	int fd = get_unused_fd_flags(O_CLOEXEC);

	if (fd < 0)
		fput(file);
	KUNIT_ASSERT_GE(test, fd, 0);
	fd_install(fd, file);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, close_fd_action,
						  (void *)(unsigned long)fd));
	return fd;
}

/* An fd the test thread has not opened. */
static int unused_fd(struct kunit *test)
{
	int fd = get_unused_fd_flags(0);

	KUNIT_ASSERT_GE(test, fd, 0);
	put_unused_fd(fd);
	return fd;
}

static void fget_errors_test(struct kunit *test)
{
	struct file *other;
	struct axas_aspace *as;
	int fd;

	KUNIT_EXPECT_EQ(test, PTR_ERR(axas_aspace_fget(-1)), -EBADF);
	KUNIT_EXPECT_EQ(test, PTR_ERR(axas_aspace_fget(INT_MAX)), -EBADF);
	KUNIT_EXPECT_EQ(test, PTR_ERR(axas_aspace_fget(unused_fd(test))),
			-EBADF);

	/* an anon inode file of someone else: same kind of inode, not ours */
	other = anon_inode_getfile("axas-test-other", &other_fops, NULL,
				   O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	KUNIT_EXPECT_EQ(test, PTR_ERR(axas_aspace_from_file(other)), -EINVAL);
	fd = install_fd(test, other);
	KUNIT_EXPECT_EQ(test, PTR_ERR(axas_aspace_fget(fd)), -EINVAL);

	/* a consumer needs a callback */
	as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	{
		static const struct axas_consumer_ops no_cb = { };
		struct axas_consumer c = { .ops = NULL };

		KUNIT_EXPECT_EQ(test, axas_consumer_bind(as, &c), -EINVAL);
		c.ops = &no_cb;
		KUNIT_EXPECT_EQ(test, axas_consumer_bind(as, &c), -EINVAL);
		KUNIT_EXPECT_TRUE(test, list_empty(&as->consumers));
	}
}

/* Creates a space file the way AXAS_IOC_NEW does: an fd of the caller. */
static int new_space_fd(struct kunit *test, u32 format, u64 size)
{
	int fd = axas_aspace_fd_create(format, 0, 0, size);

	KUNIT_ASSERT_GE(test, fd, 0);
	return fd;
}

static void fget_space_test(struct kunit *test)
{
	struct axas_aspace *as, *as2;
	struct file *file;
	unsigned int refs;
	u8 buf[8] = "consumer";
	u8 back[8] = { 0 };
	int fd;

	fd = new_space_fd(test, AXAS_FMT_SV39X4, SZ_1G);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, close_fd_action,
						  (void *)(unsigned long)fd));
	as = axas_aspace_fget(fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, put_aspace_action, as));
	/* the file's reference and ours */
	KUNIT_EXPECT_EQ(test, kref_read(&as->ref), 2);

	file = fget(fd);
	KUNIT_ASSERT_NOT_NULL(test, file);
	as2 = axas_aspace_from_file(file);
	fput(file);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as2);
	KUNIT_EXPECT_PTR_EQ(test, as2, as);
	refs = kref_read(&as->ref);
	KUNIT_EXPECT_EQ(test, refs, 3);
	axas_aspace_put(as2);
	KUNIT_EXPECT_EQ(test, kref_read(&as->ref), 2);

	/* it is the space the fd drives */
	KUNIT_EXPECT_EQ(test, axas_aspace_size(as), SZ_1G);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_2M, SZ_64K, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_write(as, SZ_2M + 8, buf, sizeof(buf)),
			sizeof(buf));
	file = fget(fd);
	KUNIT_ASSERT_NOT_NULL(test, file);
	{
		loff_t pos = SZ_2M + 8;

		KUNIT_EXPECT_EQ(test, kernel_read(file, back, sizeof(back),
						  &pos), sizeof(back));
	}
	fput(file);
	KUNIT_EXPECT_EQ(test, memcmp(buf, back, sizeof(buf)), 0);
}

/* ---- invalidation -------------------------------------------------------- */

#define NR_REC 3

static void invalidate_ranges_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_ARM_S2, 40, SZ_1G);
	struct rec_consumer *rc;
	struct axas_xlate x;
	struct page *page;
	u32 result;
	int i;

	rc = kunit_kcalloc(test, NR_REC, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	for (i = 0; i < NR_REC; i++)
		bind_rec(test, as, &rc[i]);
	/* binding twice is refused, the others stay bound */
	KUNIT_EXPECT_EQ(test, axas_consumer_bind(as, &rc[1].c), -EBUSY);

	/* installs never invalidate: populate, lazy fault, linear, upgrade */
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_1M,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_4M, SZ_1M,
					     AXAS_MAP_READ), 0);
	KUNIT_ASSERT_EQ(test, axas_handle_page_fault(as, SZ_4M + SZ_8K,
						     AXAS_MAP_READ, &result),
			0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_HANDLED);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_512M, SZ_1G, SZ_4M, RW),
			0);
	KUNIT_ASSERT_EQ(test, axas_protect(as, SZ_4M, SZ_1M, RW), 0);
	expect_no_call(test, rc, NR_REC, "install");

	/* unmap of present leaves: the exact range, before the page is freed */
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_64K, &x), 0);
	page = pfn_to_page(PHYS_PFN(x.hpa));
	get_page(page);
	for (i = 0; i < NR_REC; i++)
		rc[i].watch = page;
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_64K - SZ_4K, SZ_16K), 0);
	expect_one_call(test, rc, NR_REC, SZ_64K - SZ_4K, SZ_16K, "unmap");
	for (i = 0; i < NR_REC; i++) {
		/* axas still held the page while we were told */
		KUNIT_EXPECT_EQ(test, rc[i].watch_refs, 2);
		rc[i].watch = NULL;
	}
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	put_page(page);
	KUNIT_EXPECT_EQ(test, data_pages(as), 256 - 4 + 1);

	/* protect that removes a permission */
	reset_rec(rc, NR_REC);
	KUNIT_ASSERT_EQ(test, axas_protect(as, SZ_128K, SZ_8K, AXAS_MAP_READ),
			0);
	expect_one_call(test, rc, NR_REC, SZ_128K, SZ_8K, "protect");

	/* a lazy region's unfaulted pages: nothing to flush */
	reset_rec(rc, NR_REC);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_4M + SZ_64K, SZ_64K), 0);
	expect_no_call(test, rc, NR_REC, "unmap of lazy pages");

	/* unbinding one leaves the others called */
	reset_rec(rc, NR_REC);
	axas_consumer_unbind(as, &rc[1].c);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_256K, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, rc[1].calls, 0);
	expect_one_call(test, &rc[0], 1, SZ_256K, SZ_4K, "unmap, 1 unbound");
	expect_one_call(test, &rc[2], 1, SZ_256K, SZ_4K, "unmap, 1 unbound");
	/* and it may bind again */
	KUNIT_EXPECT_EQ(test, axas_consumer_bind(as, &rc[1].c), 0);

	/*
	 * clear: one call for the whole space, or (a writer that lets go of
	 * the lock on the way) several, each flushed before the lock is
	 * dropped. Either way every page that was present is covered, and
	 * every consumer hears the same.
	 */
	reset_rec(rc, NR_REC);
	axas_clear(as);
	for (i = 0; i < NR_REC; i++) {
		static const u64 present[] = {
			0, SZ_1M - SZ_4K, SZ_4M + SZ_8K, SZ_512M,
			SZ_512M + SZ_4M - SZ_4K,
		};
		unsigned int j;

		KUNIT_ASSERT_GE(test, rc[i].calls, 1);
		KUNIT_ASSERT_LE(test, rc[i].calls, MAX_CALLS);
		KUNIT_EXPECT_EQ(test, rc[i].calls, rc[0].calls);
		for (j = 0; j < rc[i].calls; j++) {
			KUNIT_EXPECT_LE(test, rc[i].gpa[j] + rc[i].size[j],
					SZ_1G);
			KUNIT_EXPECT_EQ(test, rc[i].gpa[j], rc[0].gpa[j]);
			KUNIT_EXPECT_EQ(test, rc[i].size[j], rc[0].size[j]);
		}
		for (j = 0; j < ARRAY_SIZE(present); j++)
			KUNIT_EXPECT_TRUE_MSG(test,
					      rec_covers(&rc[i], present[j]),
					      "clear, consumer %d, gpa %#llx",
					      i, present[j]);
	}
	KUNIT_EXPECT_EQ(test, data_pages(as), 0);
}

/*
 * Splitting a huge leaf: the pages outside the cut keep translating, the
 * consumers hear about the cut range last. A break-before-make of the
 * whole block may come first; any other call would be a bug.
 */
static void invalidate_split_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_SV48X4, 0,
					    4ULL * SZ_1G);
	const u64 block = SZ_1G + SZ_2M, hpa = 0x80000000ULL;
	struct rec_consumer *rc;
	struct axas_xlate x;
	int i, j;

	rc = kunit_kcalloc(test, 2, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, hpa, SZ_8M, RW), 0);
	KUNIT_ASSERT_EQ(test, axas_translate(as, block, &x), 0);
	KUNIT_ASSERT_EQ(test, x.page_size, SZ_2M);
	for (i = 0; i < 2; i++)
		bind_rec(test, as, &rc[i]);

	/* unmap 4 KiB out of a 2 MiB leaf */
	KUNIT_ASSERT_EQ(test, axas_unmap(as, block + SZ_64K, SZ_4K), 0);
	/* downgrade 8 KiB of the next block */
	KUNIT_ASSERT_EQ(test, axas_translate(as, block + SZ_2M, &x), 0);
	KUNIT_ASSERT_EQ(test, x.page_size, SZ_2M);
	for (i = 0; i < 2; i++) {
		struct rec_consumer *r = &rc[i];

		KUNIT_ASSERT_GE(test, r->calls, 1);
		KUNIT_ASSERT_LE(test, r->calls, 2);
		KUNIT_EXPECT_EQ(test, r->gpa[r->calls - 1], block + SZ_64K);
		KUNIT_EXPECT_EQ(test, r->size[r->calls - 1], SZ_4K);
		for (j = 0; j < r->calls - 1; j++) {
			KUNIT_EXPECT_EQ(test, r->gpa[j], block);
			KUNIT_EXPECT_EQ(test, r->size[j], SZ_2M);
		}
	}
	KUNIT_EXPECT_EQ(test, rc[0].calls, rc[1].calls);
	KUNIT_ASSERT_EQ(test, axas_translate(as, block + SZ_64K + SZ_4K, &x),
			0);
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_4K);
	KUNIT_EXPECT_EQ(test, x.hpa, hpa + SZ_2M + SZ_64K + SZ_4K);
	KUNIT_EXPECT_EQ(test, axas_translate(as, block + SZ_64K, &x), -ENOENT);

	reset_rec(rc, 2);
	KUNIT_ASSERT_EQ(test, axas_protect(as, block + SZ_2M + SZ_1M, SZ_8K,
					   AXAS_MAP_READ), 0);
	for (i = 0; i < 2; i++) {
		struct rec_consumer *r = &rc[i];

		KUNIT_ASSERT_GE(test, r->calls, 1);
		KUNIT_ASSERT_LE(test, r->calls, 2);
		KUNIT_EXPECT_EQ(test, r->gpa[r->calls - 1],
				block + SZ_2M + SZ_1M);
		KUNIT_EXPECT_EQ(test, r->size[r->calls - 1], SZ_8K);
		for (j = 0; j < r->calls - 1; j++) {
			KUNIT_EXPECT_EQ(test, r->gpa[j], block + SZ_2M);
			KUNIT_EXPECT_EQ(test, r->size[j], SZ_2M);
		}
	}
	KUNIT_ASSERT_EQ(test, axas_translate(as, block + SZ_2M + SZ_1M, &x),
			0);
	KUNIT_EXPECT_EQ(test, x.prot, AXAS_MAP_READ);
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_4K);
}

/* The single-hook API is one more consumer: both are told. */
struct legacy_log {
	int calls;
	u64 gpa;
	u64 size;
};

static void legacy_record(void *priv, u64 gpa, u64 size)
{
	struct legacy_log *log = priv;

	log->calls++;
	log->gpa = gpa;
	log->size = size;
}

static const struct axas_invalidate_ops legacy_ops = {
	.invalidate = legacy_record,
};

static void legacy_hook_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	struct legacy_log log = { 0 };
	struct rec_consumer *rc;

	rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	bind_rec(test, as, rc);
	KUNIT_ASSERT_EQ(test, axas_register_invalidate(as, &legacy_ops, &log),
			0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_64K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_8K, SZ_8K), 0);
	KUNIT_EXPECT_EQ(test, log.calls, 1);
	KUNIT_EXPECT_EQ(test, log.gpa, SZ_8K);
	KUNIT_EXPECT_EQ(test, log.size, SZ_8K);
	expect_one_call(test, rc, 1, SZ_8K, SZ_8K, "with a legacy hook");

	axas_unregister_invalidate(as);
	reset_rec(rc, 1);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, 0, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, log.calls, 1);
	expect_one_call(test, rc, 1, 0, SZ_4K, "legacy hook gone");
	/* registering again works, and a stray unregister is harmless */
	KUNIT_EXPECT_EQ(test, axas_register_invalidate(as, &legacy_ops, &log),
			0);
	axas_unregister_invalidate(as);
	axas_unregister_invalidate(as);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&as->consumers), 1);
}

/* ---- a consumer unbinding while a writer runs ------------------------- */

enum { RACE_UNBOUND, RACE_BOUND };

struct race_consumer {
	struct axas_consumer c;
	int state;		/* RACE_*, written by the binding thread */
	atomic_t calls;
	atomic_t late;		/* calls that ran (or ended) after unbind */
	atomic_t in_call;	/* a call is sleeping in the callback */
	atomic_t contended;	/* unbinds that began during a call */
};

struct race {
	struct axas_aspace *as;
	struct race_consumer rc[2];
	struct completion done[3];
	atomic_t stop;
	atomic_t writer_ops;
	atomic_t binds;
	int writer_err;
};

static void race_invalidate(struct axas_consumer *c, u64 gpa, u64 size)
{
	struct race_consumer *rc = container_of(c, struct race_consumer, c);

	if (READ_ONCE(rc->state) != RACE_BOUND)
		atomic_inc(&rc->late);
	atomic_inc(&rc->calls);
	/* A flush may sleep (IPIs, waiting for other CPUs): widen the window. */
	atomic_inc(&rc->in_call);
	usleep_range(20, 50);
	atomic_dec(&rc->in_call);
	if (READ_ONCE(rc->state) != RACE_BOUND)
		atomic_inc(&rc->late);
}

static const struct axas_consumer_ops race_ops = {
	.invalidate = race_invalidate,
};

static int race_writer_fn(void *arg)
{
	struct race *r = arg;
	int ret = 0;

	while (!atomic_read(&r->stop)) {
		ret = axas_map_alloc(r->as, 0, SZ_64K, RW | AXAS_MAP_POPULATE);
		if (!ret)
			ret = axas_protect(r->as, 0, SZ_32K, AXAS_MAP_READ);
		if (!ret)
			ret = axas_unmap(r->as, 0, SZ_64K);
		if (ret)
			break;
		atomic_inc(&r->writer_ops);
		cond_resched();
	}
	r->writer_err = ret;
	complete(&r->done[2]);
	return 0;
}

struct binder_arg {
	struct race *r;
	int idx;
};

static int race_bind_loop(void *arg)
{
	struct binder_arg *ba = arg;
	struct race *r = ba->r;
	struct race_consumer *rc = &r->rc[ba->idx];

	while (!atomic_read(&r->stop)) {
		WRITE_ONCE(rc->state, RACE_BOUND);
		if (axas_consumer_bind(r->as, &rc->c)) {
			WRITE_ONCE(rc->state, RACE_UNBOUND);
			atomic_inc(&rc->late);
			break;
		}
		atomic_inc(&r->binds);
		usleep_range(50, 200);
		if (atomic_read(&rc->in_call))
			atomic_inc(&rc->contended);
		axas_consumer_unbind(r->as, &rc->c);
		/* From here the callback must neither run nor be running. */
		WRITE_ONCE(rc->state, RACE_UNBOUND);
		usleep_range(20, 100);
	}
	complete(&r->done[ba->idx]);
	return 0;
}

static void unbind_race_test(struct kunit *test)
{
	struct race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct binder_arg *ba = kunit_kcalloc(test, 2, sizeof(*ba),
					      GFP_KERNEL);
	struct task_struct *task;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, ba);
	r->as = new_aspace(test, AXAS_FMT_SV39X4, 0, SZ_1G);
	for (i = 0; i < 3; i++)
		init_completion(&r->done[i]);
	for (i = 0; i < 2; i++) {
		r->rc[i].c.ops = &race_ops;
		ba[i].r = r;
		ba[i].idx = i;
		task = kthread_run(race_bind_loop, &ba[i], "axas-bind/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	task = kthread_run(race_writer_fn, r, "axas-writer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));

	msleep(1500);
	atomic_set(&r->stop, 1);
	for (i = 0; i < 3; i++)
		wait_for_completion(&r->done[i]);

	KUNIT_EXPECT_EQ(test, r->writer_err, 0);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&r->rc[i].late), 0,
				    "consumer %d called after unbind", i);
		/* the race was run: both sides did real work */
		KUNIT_EXPECT_GT(test, atomic_read(&r->rc[i].calls), 10);
	}
	KUNIT_EXPECT_GT(test, atomic_read(&r->writer_ops), 10);
	KUNIT_EXPECT_GT(test, atomic_read(&r->binds), 10);
	/* and unbind did meet a callback in progress */
	KUNIT_EXPECT_GT(test, atomic_read(&r->rc[0].contended) +
			atomic_read(&r->rc[1].contended), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&r->as->consumers));
	kunit_info(test,
		   "writer ops %d, binds %d, calls %d + %d, unbinds during a call %d + %d",
		   atomic_read(&r->writer_ops), atomic_read(&r->binds),
		   atomic_read(&r->rc[0].calls), atomic_read(&r->rc[1].calls),
		   atomic_read(&r->rc[0].contended),
		   atomic_read(&r->rc[1].contended));
}

/*
 * Negative control for unbind_race_test: the same check catches a consumer
 * dropped from the list without the lock, i.e. while a writer is calling it.
 */
static void unbind_race_control_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	struct race_consumer *rc = kunit_kzalloc(test, sizeof(*rc),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rc);
	rc->c.ops = &race_ops;
	WRITE_ONCE(rc->state, RACE_BOUND);
	KUNIT_ASSERT_EQ(test, axas_consumer_bind(as, &rc->c), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_8K,
					     RW | AXAS_MAP_POPULATE), 0);
	/* a buggy "unbind" that only flips the state */
	WRITE_ONCE(rc->state, RACE_UNBOUND);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, 0, SZ_8K), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rc->late), 2);
	axas_consumer_unbind(as, &rc->c);
}

/* ---- the space outlives the VMM's fd --------------------------------- */

static void outlive_fd_test(struct kunit *test)
{
	struct axas_aspace *as;
	struct rec_consumer *rc;
	struct page *data, *table;
	struct axas_xlate x;
	u64 pattern = 0x61786173636f6e73ULL, back = 0;
	u32 result;
	int fd;

	rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	/* EPT4: a one-page root, so one reference pins it */
	fd = new_space_fd(test, AXAS_FMT_EPT4, SZ_1G);
	as = axas_aspace_fget(fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	rc->c.ops = &rec_ops;
	KUNIT_ASSERT_EQ(test, axas_consumer_bind(as, &rc->c), 0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_2M, RW), 0);

	/* the VMM closes its fd; the file is released */
	KUNIT_EXPECT_EQ(test, close_fd(fd), 0);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, kref_read(&as->ref), 1);

	/* the consumer keeps running the guest: faults, memory, unmap */
	KUNIT_ASSERT_EQ(test, axas_handle_page_fault(as, SZ_1M, AXAS_MAP_WRITE,
						     &result), 0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_HANDLED);
	KUNIT_ASSERT_EQ(test, axas_write(as, SZ_1M + 16, &pattern,
					 sizeof(pattern)), sizeof(pattern));
	KUNIT_ASSERT_EQ(test, axas_read(as, SZ_1M + 16, &back, sizeof(back)),
			sizeof(back));
	KUNIT_EXPECT_EQ(test, back, pattern);
	KUNIT_ASSERT_EQ(test, axas_handle_page_fault(as, SZ_4K, AXAS_MAP_READ,
						     &result), 0);
	KUNIT_ASSERT_EQ(test, axas_unmap(as, SZ_4K, SZ_4K), 0);
	expect_one_call(test, rc, 1, SZ_4K, SZ_4K, "after close");
	KUNIT_EXPECT_EQ(test, data_pages(as), 1);

	/* hold the data page and the root: the last put must let go of both */
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_1M, &x), 0);
	data = pfn_to_page(PHYS_PFN(x.hpa));
	table = pfn_to_page(PHYS_PFN(axas_aspace_root_pa(as)));
	get_page(data);
	get_page(table);
	KUNIT_EXPECT_EQ(test, page_ref_count(data), 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(table), 2);

	axas_consumer_unbind(as, &rc->c);
	axas_aspace_put(as);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, page_ref_count(data), 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(table), 1);
	put_page(data);
	put_page(table);
}

/* ---- register values ------------------------------------------------------ */

static const u32 hw_formats[] = {
	AXAS_FMT_EPT4, AXAS_FMT_EPT5, AXAS_FMT_SV39X4, AXAS_FMT_SV48X4,
	AXAS_FMT_SV57X4,
};

/* Bits of EPTP (Intel SDM 25.6.11): memory type 2:0, walk length 5:3. */
static void hw_regs_ept_riscv_test(struct kunit *test)
{
	struct axas_hw_regs regs;
	struct axas_aspace *as;
	unsigned int i;
	u64 pa;

	for (i = 0; i < ARRAY_SIZE(hw_formats); i++) {
		u32 fmt = hw_formats[i];
		bool ept = fmt == AXAS_FMT_EPT4 || fmt == AXAS_FMT_EPT5;
		u32 vmids[] = { 0, 1, 0x155, 0x3fff };
		unsigned int v;

		as = new_aspace(test, fmt, 0, SZ_1G);
		pa = axas_aspace_root_pa(as);
		for (v = 0; v < ARRAY_SIZE(vmids); v++) {
			int ret = axas_aspace_hw_regs(as, vmids[v], &regs);

			if (ept && vmids[v]) {
				KUNIT_EXPECT_EQ(test, ret, -EINVAL);
				KUNIT_EXPECT_EQ(test, regs.root_reg, 0);
				continue;
			}
			KUNIT_ASSERT_EQ(test, ret, 0);
			KUNIT_EXPECT_EQ(test, regs.format, fmt);
			KUNIT_EXPECT_EQ(test, regs.vmid, vmids[v]);
			KUNIT_EXPECT_EQ(test, regs.vtcr, 0);
			if (ept) {
				KUNIT_EXPECT_EQ(test, regs.root_reg & 7, 6);
				KUNIT_EXPECT_EQ(test, (regs.root_reg >> 3) & 7,
						fmt == AXAS_FMT_EPT4 ? 3 : 4);
				/* A/D bit 6 and bits 11:7 stay clear */
				KUNIT_EXPECT_EQ(test, regs.root_reg & 0xfc0, 0);
				KUNIT_EXPECT_EQ(test, regs.root_reg & ~0xfffULL,
						pa);
				continue;
			}
			/* hgatp, RV64: MODE 63:60, VMID 57:44, PPN 43:0 */
			KUNIT_EXPECT_EQ(test, regs.root_reg >> 60,
					8 + (fmt - AXAS_FMT_SV39X4));
			KUNIT_EXPECT_EQ(test, (regs.root_reg >> 58) & 3, 0);
			KUNIT_EXPECT_EQ(test, (regs.root_reg >> 44) & 0x3fff,
					vmids[v]);
			KUNIT_EXPECT_EQ(test,
					(regs.root_reg & (BIT_ULL(44) - 1)) << 12,
					pa);
			/* the VMID-0 value is the one INFO reports */
			if (!vmids[v])
				KUNIT_EXPECT_EQ(test, regs.root_reg,
						axas_aspace_root_reg(as));
		}
		if (!ept) {
			KUNIT_EXPECT_EQ(test, axas_aspace_hw_regs(as, 0x4000,
								  &regs),
					-EINVAL);
			KUNIT_EXPECT_EQ(test, regs.root_reg, 0);
			KUNIT_EXPECT_EQ(test, axas_aspace_hw_regs(as, U32_MAX,
								  &regs),
					-EINVAL);
		}
	}
}

/* VTCR_EL2.PS / ID_AA64MMFR0_EL1.PARange encodings (Arm ARM D19.2). */
static const unsigned int ps_bits[] = { 32, 36, 40, 42, 44, 48 };

/* The PS axas must choose, computed here independently. */
static unsigned int expected_ps(unsigned int gpa_bits)
{
#ifdef CONFIG_ARM64
	u64 mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);

	return min_t(unsigned int, mmfr0 & 0xf, 5);
#else
	unsigned int ps = 0;

	while (ps_bits[ps] < gpa_bits)
		ps++;
	return ps;
#endif
}

static u32 expected_vmid_max(void)
{
#ifdef CONFIG_ARM64
	u64 mmfr1 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR1_EL1);

	return ((mmfr1 >> 4) & 0xf) == 2 ? 0xffff : 0xff;
#else
	return 0xffff;
#endif
}

static void hw_regs_arm_test(struct kunit *test)
{
	static const unsigned int widths[] = { 32, 33, 36, 39, 40, 42, 44, 47,
					       48 };
	static const u32 vmids[] = { 0, 1, 0xff, 0x100, 0xabcd, 0xffff };
	struct axas_hw_regs regs;
	struct axas_aspace *as;
	unsigned int i, v;

	for (i = 0; i < ARRAY_SIZE(widths); i++) {
		unsigned int bits = widths[i], ps = expected_ps(bits);
		unsigned int levels, start, sl0, root_pages;
		u64 vtcr, pa;

		as = new_aspace(test, AXAS_FMT_ARM_S2, bits, SZ_1G);
		pa = axas_aspace_root_pa(as);
		levels = as->npt.levels;
		for (v = 0; v < ARRAY_SIZE(vmids); v++) {
			int ret = axas_aspace_hw_regs(as, vmids[v], &regs);

			if (vmids[v] > expected_vmid_max() ||
			    bits > ps_bits[ps]) {
				KUNIT_EXPECT_EQ(test, ret, -EINVAL);
				KUNIT_EXPECT_EQ(test, regs.root_reg, 0);
				KUNIT_EXPECT_EQ(test, regs.vtcr, 0);
				continue;
			}
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%u bits vmid %#x",
					    bits, vmids[v]);
			KUNIT_EXPECT_EQ(test, regs.format, AXAS_FMT_ARM_S2);
			KUNIT_EXPECT_EQ(test, regs.vmid, vmids[v]);
			/* VTTBR_EL2: VMID 63:48, BADDR 47:1, CnP 0 clear */
			KUNIT_EXPECT_EQ(test, regs.root_reg >> 48, vmids[v]);
			KUNIT_EXPECT_EQ(test, regs.root_reg & GENMASK_ULL(47, 0),
					pa);
			vtcr = regs.vtcr;
			KUNIT_EXPECT_EQ(test, vtcr & 0x3f, 64 - bits);
			sl0 = (vtcr >> 6) & 3;
			KUNIT_EXPECT_EQ(test, (vtcr >> 8) & 3, 1);   /* IRGN0 */
			KUNIT_EXPECT_EQ(test, (vtcr >> 10) & 3, 1);  /* ORGN0 */
			KUNIT_EXPECT_EQ(test, (vtcr >> 12) & 3, 3);  /* SH0 */
			KUNIT_EXPECT_EQ(test, (vtcr >> 14) & 3, 0);  /* TG0 */
			KUNIT_EXPECT_EQ(test, (vtcr >> 16) & 7, ps); /* PS */
			KUNIT_EXPECT_EQ(test, (vtcr >> 19) & 1,
					vmids[v] > 0xff);	     /* VS */
			KUNIT_EXPECT_EQ(test, (vtcr >> 31) & 1, 1);  /* RES1 */
			/* nothing else: HA, HD, DS, NSW, ... are not ours */
			KUNIT_EXPECT_EQ(test, vtcr & ~(GENMASK_ULL(19, 0) |
						       BIT_ULL(31)), 0);
			/*
			 * 4 KiB granule: SL0 0/1/2 starts the walk at level
			 * 2/1/0; the start level resolves 12 + 9 * (4 - start)
			 * bits with one table, up to 4 more with 16
			 * concatenated tables (Arm ARM D8.2, "concatenated
			 * translation tables").
			 */
			start = 2 - sl0;
			KUNIT_EXPECT_LE(test, sl0, 2);
			KUNIT_EXPECT_EQ(test, levels, 4 - start);
			KUNIT_EXPECT_GE(test, bits, 12 + 9 * (3 - start) + 1);
			KUNIT_EXPECT_LE(test, bits, 12 + 9 * (4 - start) + 4);
			root_pages = bits > 12 + 9 * (4 - start) ?
				     1U << (bits - 12 - 9 * (4 - start)) : 1;
			KUNIT_EXPECT_EQ(test, root_pages,
					1U << as->npt.root_order);
			/* the root is aligned to its size (BADDR rule) */
			KUNIT_EXPECT_EQ(test, pa & (root_pages * SZ_4K - 1), 0);
		}
		KUNIT_EXPECT_EQ(test, axas_aspace_hw_regs(as, 0x10000, &regs),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, regs.root_reg, 0);
	}
}

/*
 * nCR3 (AMD APM Vol. 2, 15.25.4): the root's address, PWT/PCD and the other
 * low bits clear. The ASID is the VMCB's, so every VMID is accepted and
 * changes nothing in the register.
 */
static void hw_regs_amd_test(struct kunit *test)
{
	static const u32 fmts[] = { AXAS_FMT_AMD_NPT4, AXAS_FMT_AMD_NPT5 };
	static const u32 vmids[] = { 0, 1, 0x8000, U32_MAX };
	struct axas_hw_regs regs;
	struct axas_aspace *as;
	unsigned int i, v;

	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		as = new_aspace(test, fmts[i], 0, SZ_1G);
		for (v = 0; v < ARRAY_SIZE(vmids); v++) {
			KUNIT_ASSERT_EQ(test, axas_aspace_hw_regs(as, vmids[v], &regs), 0);
			KUNIT_EXPECT_EQ(test, regs.format, fmts[i]);
			KUNIT_EXPECT_EQ(test, regs.vmid, vmids[v]);
			KUNIT_EXPECT_EQ(test, regs.vtcr, 0);
			KUNIT_EXPECT_EQ(test, regs.root_reg, axas_aspace_root_pa(as));
			KUNIT_EXPECT_EQ(test, regs.root_reg & 0xfff, 0);
			KUNIT_EXPECT_EQ(test, regs.root_reg, axas_aspace_root_reg(as));
		}
	}
}

/* The native format resolves; the VMID-0 values match INFO's root_reg. */
static void hw_regs_native_test(struct kunit *test)
{
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_NATIVE, 0, SZ_1G);
	struct axas_hw_regs regs;
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	KUNIT_ASSERT_EQ(test, axas_aspace_hw_regs(as, 0, &regs), 0);
	KUNIT_EXPECT_NE(test, regs.format, AXAS_FMT_NATIVE);
	KUNIT_EXPECT_EQ(test, regs.format, st.format);
	KUNIT_EXPECT_EQ(test, regs.root_reg, st.root_reg);
}

/* ---- EPT accessed/dirty flags: the consumers' promise ------------------ */

/* Bind @c with @flags; 0 or the errno. Unbound at the end if it bound. */
static int bind_flags(struct kunit *test, struct axas_aspace *as,
		      struct rec_consumer *rc, u32 flags)
{
	struct bound *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	int ret;

	KUNIT_EXPECT_NOT_NULL(test, b);
	if (!b)
		return -ENOMEM;
	memset(rc, 0, sizeof(*rc));
	rc->c.ops = &rec_ops;
	rc->c.flags = flags;
	ret = axas_consumer_bind(as, &rc->c);
	if (ret)
		return ret;
	b->as = as;
	b->c = &rc->c;
	KUNIT_EXPECT_EQ(test, 0, kunit_add_action_or_reset(test, unbind_action, b));
	return 0;
}

static unsigned int nr_bound(struct axas_aspace *as)
{
	struct axas_consumer *c;
	unsigned int n = 0;

	down_read(&as->lock);
	list_for_each_entry(c, &as->consumers, node)
		n++;
	up_read(&as->lock);
	return n;
}

/*
 * EPTP (SDM Vol. 3C, "Extended-Page-Table Pointer"): memory type 2:0 (6,
 * WB), walk length - 1 in 5:3, A/D enable bit 6, 11:7 reserved, the root
 * in 51:12.
 */
static void expect_eptp(struct kunit *test, struct axas_aspace *as, bool ad)
{
	struct axas_hw_regs regs;
	struct axas_stats st;

	KUNIT_ASSERT_EQ(test, 0, axas_aspace_hw_regs(as, 0, &regs));
	KUNIT_EXPECT_EQ(test, regs.root_reg & 7, 6);
	KUNIT_EXPECT_EQ(test, (regs.root_reg >> 3) & 7, 3);
	KUNIT_EXPECT_EQ(test, !!(regs.root_reg & BIT_ULL(6)), ad);
	KUNIT_EXPECT_EQ(test, regs.root_reg & 0xf80, 0);
	KUNIT_EXPECT_EQ(test, regs.root_reg & ~0xfffULL, axas_aspace_root_pa(as));
	KUNIT_EXPECT_EQ(test, axas_aspace_root_reg(as), regs.root_reg);
	/* INFO describes the table, as before: no bit 6 */
	axas_aspace_stats(as, &st);
	KUNIT_EXPECT_EQ(test, st.root_reg, regs.root_reg & ~BIT_ULL(6));
}

static void ept_ad_optin_test(struct kunit *test)
{
	static const u32 not_ept[] = {
		AXAS_FMT_ARM_S2, AXAS_FMT_SV39X4, AXAS_FMT_AMD_NPT4,
	};
	struct axas_aspace *as = new_aspace(test, AXAS_FMT_EPT4, 0, SZ_1G);
	struct legacy_log log = { 0 };
	struct rec_consumer *rc;
	u64 gen;
	int i;

	rc = kunit_kcalloc(test, 3, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	/* unknown flags; the promise on a format that has no EPTP */
	KUNIT_EXPECT_EQ(test, bind_flags(test, as, &rc[0], BIT(1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, bind_flags(test, as, &rc[0], BIT(31)), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(not_ept); i++) {
		struct axas_aspace *o = new_aspace(test, not_ept[i], 0, SZ_1G);

		KUNIT_EXPECT_EQ(test, bind_flags(test, o, &rc[0],
						 AXAS_CONSUMER_EPT_AD), -EINVAL);
		KUNIT_EXPECT_EQ(test, nr_bound(o), 0);
	}
	KUNIT_EXPECT_EQ(test, nr_bound(as), 0);
	expect_eptp(test, as, false);
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_NONE);

	/* one consumer with the promise: EPTP bit 6, the D bit */
	KUNIT_ASSERT_EQ(test, 0, bind_flags(test, as, &rc[0], AXAS_CONSUMER_EPT_AD));
	expect_eptp(test, as, true);
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_EPT_AD);
	/* one without it, while nothing is tracked: write protection */
	KUNIT_ASSERT_EQ(test, 0, bind_flags(test, as, &rc[1], 0));
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_NONE);
	expect_eptp(test, as, true);
	axas_consumer_unbind(as, &rc[1].c);
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_EPT_AD);

	/* tracking starts with the D bit: a consumer without the promise waits */
	KUNIT_ASSERT_EQ(test, 0, axas_map_alloc(as, 0, SZ_64K,
						AXAS_MAP_READ | AXAS_MAP_WRITE |
						AXAS_MAP_POPULATE));
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, 0, SZ_64K,
							 AXAS_DIRTY_ENABLE));
	gen = atomic64_read(&as->tlb_gen);
	KUNIT_EXPECT_EQ(test, bind_flags(test, as, &rc[1], 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, axas_register_invalidate(as, &legacy_ops, &log),
			-EBUSY);
	KUNIT_EXPECT_NULL(test, as->inv_ops);
	KUNIT_EXPECT_EQ(test, nr_bound(as), 1);
	KUNIT_EXPECT_EQ(test, as->nr_consumers, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&as->tlb_gen), gen);
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_EPT_AD);
	/* a second promise is welcome */
	KUNIT_ASSERT_EQ(test, 0, bind_flags(test, as, &rc[2], AXAS_CONSUMER_EPT_AD));
	/* leaving is always fine; the mode holds while pages are tracked */
	axas_consumer_unbind(as, &rc[0].c);
	axas_consumer_unbind(as, &rc[2].c);
	KUNIT_EXPECT_EQ(test, nr_bound(as), 0);
	expect_eptp(test, as, false);
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_EPT_AD);
	KUNIT_EXPECT_EQ(test, bind_flags(test, as, &rc[1], 0), -EBUSY);
	/* changing the promise is an unbind and a bind: the same rule */
	KUNIT_ASSERT_EQ(test, 0, bind_flags(test, as, &rc[0], AXAS_CONSUMER_EPT_AD));
	axas_consumer_unbind(as, &rc[0].c);
	KUNIT_EXPECT_EQ(test, bind_flags(test, as, &rc[0], 0), -EBUSY);

	/* once nothing is tracked, anyone binds; tracking then write-protects */
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, 0, SZ_64K, 0));
	KUNIT_ASSERT_EQ(test, 0, bind_flags(test, as, &rc[0], AXAS_CONSUMER_EPT_AD));
	KUNIT_ASSERT_EQ(test, 0, bind_flags(test, as, &rc[1], 0));
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, 0, SZ_64K,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_NONE);
	/* the plain consumer leaves: still write protection until a restart */
	axas_consumer_unbind(as, &rc[1].c);
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_NONE);
	KUNIT_EXPECT_EQ(test, axas_register_invalidate(as, &legacy_ops, &log), 0);
	axas_unregister_invalidate(as);
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, 0, SZ_64K, 0));
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, 0, SZ_64K,
							 AXAS_DIRTY_ENABLE));
	KUNIT_EXPECT_EQ(test, axas_dirty_hw_needs(as), AXAS_DIRTY_HW_EPT_AD);
	KUNIT_ASSERT_EQ(test, 0, axas_set_dirty_tracking(as, 0, SZ_64K, 0));
	KUNIT_EXPECT_EQ(test, as->nr_consumers, 1);
	KUNIT_EXPECT_EQ(test, as->nr_ept_ad, 1);
}

static struct kunit_case axas_consumer_cases[] = {
	KUNIT_CASE(fget_errors_test),
	KUNIT_CASE(fget_space_test),
	KUNIT_CASE(invalidate_ranges_test),
	KUNIT_CASE(invalidate_split_test),
	KUNIT_CASE(legacy_hook_test),
	KUNIT_CASE(unbind_race_control_test),
	KUNIT_CASE_SLOW(unbind_race_test),
	KUNIT_CASE(outlive_fd_test),
	KUNIT_CASE(hw_regs_ept_riscv_test),
	KUNIT_CASE(hw_regs_arm_test),
	KUNIT_CASE(hw_regs_amd_test),
	KUNIT_CASE(hw_regs_native_test),
	KUNIT_CASE(ept_ad_optin_test),
	{}
};

static struct kunit_suite axas_consumer_suite = {
	.name = "axas_consumer",
	.test_cases = axas_consumer_cases,
};

kunit_test_suite(axas_consumer_suite);
