// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of what axas_core does for callers acting for userspace: the
 * /dev/mem rules of linear regions (RAWIO, exclusive ranges, System RAM at
 * map and at access time, one kind of host memory per mapping), the right
 * PROTECT needs to retype a linear region, the locked_vm budget of data
 * pages, errno order, fault injection through should_fail(), and
 * TRANSLATE against a writer that replaces regions.
 *
 * Fake host memory is described by resources inserted into iomem_resource
 * far above any RAM the test kernel has, and removed again.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/user.h>
#include <linux/sizes.h>
#include <linux/uio.h>
#include <linux/axas.h>

#include "axas_core/aspace.h"
#include "axas_core/user.h"

#define RW	(AXAS_MAP_READ | AXAS_MAP_WRITE)
#define USER	AXAS_CALLER_USER
#define RAWIO	AXAS_CALLER_RAWIO

/* Fake host memory: far above the RAM of any test kernel, below 48 bits. */
#define FAKE_BASE	0x7f0000000000ULL

static void ut_put_aspace(void *as)
{
	axas_aspace_put(as);
}

static struct axas_aspace *ut_aspace(struct kunit *test)
{
	struct axas_aspace *as;

	as = axas_aspace_create(AXAS_FMT_EPT4, 0, 0, SZ_4G);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, as);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, ut_put_aspace, as));
	return as;
}

static struct axas_stats ut_stats(struct axas_aspace *as)
{
	struct axas_stats st;

	axas_aspace_stats(as, &st);
	return st;
}

static void ut_release_res(void *res)
{
	release_resource(res);
}

/* Insert a resource for the rest of the test case. */
static void ut_add_res(struct kunit *test, u64 start, u64 size,
		       const char *name, unsigned long flags)
{
	struct resource *res = kunit_kzalloc(test, sizeof(*res), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, res);
	res->start = start;
	res->end = start + size - 1;
	res->name = name;
	res->flags = flags;
	KUNIT_ASSERT_EQ(test, insert_resource(&iomem_resource, res), 0);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, ut_release_res, res));
}

/*
 * RAM that ends inside a page (x86's 0x9fc00): a span never covers both
 * kinds, so memremap()'s mixed-range WARN can never be reached.
 */
static void ut_host_span_splits(struct kunit *test)
{
	const u64 x = FAKE_BASE;
	bool ram = false;

	ut_add_res(test, x, 0xc00, "axas test RAM", IORESOURCE_SYSTEM_RAM |
		   IORESOURCE_BUSY);
	ut_add_res(test, x + 0xc00, 0x400 + SZ_4K, "axas test reserved",
		   IORESOURCE_MEM | IORESOURCE_BUSY);

	KUNIT_EXPECT_EQ(test, axas_host_span(x, SZ_4K, &ram), 0xc00);
	KUNIT_EXPECT_TRUE(test, ram);
	KUNIT_EXPECT_EQ(test, axas_host_span(x + 0x800, 0x800, &ram), 0x400);
	KUNIT_EXPECT_TRUE(test, ram);
	KUNIT_EXPECT_EQ(test, axas_host_span(x + 0xc00, 0x400, &ram), 0x400);
	KUNIT_EXPECT_FALSE(test, ram);
	/* reserved, then nothing at all: both not RAM, one span */
	KUNIT_EXPECT_EQ(test, axas_host_span(x + SZ_4K, SZ_4K, &ram), SZ_4K);
	KUNIT_EXPECT_FALSE(test, ram);
	/* entirely inside the RAM: untouched */
	KUNIT_EXPECT_EQ(test, axas_host_span(x + 0x100, 0x100, &ram), 0x100);
	KUNIT_EXPECT_TRUE(test, ram);
	/* a hole first, then RAM: the hole ends at the RAM */
	ut_add_res(test, x + 0x10800, 0x800, "axas test RAM 2",
		   IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY);
	KUNIT_EXPECT_EQ(test, axas_host_span(x + 0x10000, SZ_4K, &ram), 0x800);
	KUNIT_EXPECT_FALSE(test, ram);
}

/* Ranges a driver holds exclusively are refused to userspace only. */
static void ut_exclusive_refused(struct kunit *test)
{
	struct axas_aspace *as = ut_aspace(test);
	const u64 x = FAKE_BASE + SZ_1G;
	struct axas_stats before;

	ut_add_res(test, x, SZ_8K, "axas test exclusive", IORESOURCE_MEM |
		   IORESOURCE_BUSY | IORESOURCE_EXCLUSIVE);
	ut_add_res(test, x + SZ_64K, SZ_4K, "axas test busy",
		   IORESOURCE_MEM | IORESOURCE_BUSY);

	KUNIT_EXPECT_TRUE(test, axas_host_exclusive(x, SZ_4K));
	KUNIT_EXPECT_TRUE(test, axas_host_exclusive(x - SZ_4K, SZ_8K));
	KUNIT_EXPECT_FALSE(test, axas_host_exclusive(x - SZ_4K, SZ_4K));
	KUNIT_EXPECT_FALSE(test, axas_host_exclusive(x + SZ_8K, SZ_4K));
	/* busy without EXCLUSIVE: only under CONFIG_IO_STRICT_DEVMEM */
	KUNIT_EXPECT_EQ(test, axas_host_exclusive(x + SZ_64K, SZ_4K),
			IS_ENABLED(CONFIG_IO_STRICT_DEVMEM));

	KUNIT_EXPECT_EQ(test, axas_linear_host_check(x, SZ_4K, USER | RAWIO),
			-EPERM);
	KUNIT_EXPECT_EQ(test, axas_linear_host_check(x - SZ_64K, SZ_64K,
						     USER | RAWIO), 0);
	KUNIT_EXPECT_EQ(test, axas_linear_host_check(x, SZ_4K, 0), 0);

	before = ut_stats(as);
	KUNIT_EXPECT_EQ(test, axas_map_linear_caller(as, SZ_1G, x - SZ_4K,
						     SZ_8K, RW, USER | RAWIO),
			-EPERM);
	KUNIT_EXPECT_EQ(test, ut_stats(as).nr_regions, before.nr_regions);
	KUNIT_EXPECT_EQ(test, ut_stats(as).table_pages, before.table_pages);
	/* the in-kernel API trusts its caller */
	KUNIT_EXPECT_EQ(test, axas_map_linear(as, SZ_1G, x, SZ_8K, RW), 0);
}

/*
 * System RAM: refused to userspace unless allow_ram_linear, at map time
 * and again at access time (a region mapped when the range was not RAM, or
 * by the kernel, is still refused to pread/pwrite once it is RAM).
 */
static void ut_ram_refused(struct kunit *test)
{
	struct axas_aspace *as = ut_aspace(test);
	const u64 x = FAKE_BASE + SZ_2G;
	bool saved = axas_allow_ram_linear;
	struct kvec kv;
	struct iov_iter iter;
	struct page *host;
	char buf[8] = "";
	ssize_t ret;

	ut_add_res(test, x, SZ_64K, "axas test RAM", IORESOURCE_SYSTEM_RAM |
		   IORESOURCE_BUSY);
	axas_allow_ram_linear = false;
	KUNIT_EXPECT_EQ(test, axas_linear_host_check(x + SZ_4K, SZ_4K,
						     USER | RAWIO), -EPERM);
	KUNIT_EXPECT_EQ(test, axas_linear_host_check(x - SZ_4K, SZ_8K,
						     USER | RAWIO), -EPERM);
	KUNIT_EXPECT_EQ(test, axas_linear_host_check(x + SZ_64K, SZ_4K,
						     USER | RAWIO), 0);
	axas_allow_ram_linear = true;
	KUNIT_EXPECT_EQ(test, axas_linear_host_check(x, SZ_64K, USER | RAWIO),
			0);
	axas_allow_ram_linear = false;

	/* A page of the test kernel's own RAM, mapped by the kernel. */
	host = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, host);
	memcpy(page_address(host), "hostram", 8);
	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1M, page_to_phys(host),
					      SZ_4K, RW), 0);
	kv.iov_base = buf;
	kv.iov_len = sizeof(buf);
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, sizeof(buf));
	ret = axas_access_iter(as, SZ_1M, &iter,
			       AXAS_ACCESS_LINEAR | AXAS_ACCESS_USER);
	KUNIT_EXPECT_EQ(test, ret, -EPERM);
	/* negative control: the kernel reads it, and so may userspace once allowed */
	KUNIT_EXPECT_EQ(test, axas_read(as, SZ_1M, buf, sizeof(buf)), 8);
	KUNIT_EXPECT_STREQ(test, buf, "hostram");
	axas_allow_ram_linear = true;
	memset(buf, 0, sizeof(buf));
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, sizeof(buf));
	ret = axas_access_iter(as, SZ_1M, &iter,
			       AXAS_ACCESS_LINEAR | AXAS_ACCESS_USER);
	KUNIT_EXPECT_EQ(test, ret, 8);
	KUNIT_EXPECT_STREQ(test, buf, "hostram");
	axas_allow_ram_linear = saved;
	axas_unmap(as, SZ_1M, SZ_4K);
	__free_page(host);
}

/*
 * Errno order: every argument check (-EINVAL) before the right (-EPERM),
 * on every architecture; FAULT with access 0 is -EINVAL wherever gpa is.
 */
static void ut_errno_order(struct kunit *test)
{
	struct axas_aspace *as = ut_aspace(test);
	u32 result = 0;

	/* wider than any host: the core's width check, not the capability */
	KUNIT_EXPECT_EQ(test, axas_map_linear_caller(as, SZ_1G, 1ULL << 62,
						     SZ_4K, RW, USER), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_map_linear_caller(as, SZ_1G, SZ_1G + 1,
						     SZ_4K, RW, USER), -EINVAL);
	KUNIT_EXPECT_EQ(test, axas_map_linear_caller(as, SZ_1G, SZ_1G, SZ_4K,
						     AXAS_MAP_WRITE, USER),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_map_linear_caller(as, SZ_4G, SZ_1G, SZ_4K,
						     RW, USER), -EINVAL);
	/* a valid request without the right */
	KUNIT_EXPECT_EQ(test, axas_map_linear_caller(as, SZ_1G, FAKE_BASE,
						     SZ_4K, RW, USER), -EPERM);
	KUNIT_EXPECT_EQ(test, ut_stats(as).nr_regions, 0);

	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_1G, 0, &result),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_1T, 0, &result),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_1T,
						     AXAS_MAP_READ, &result), 0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_NOT_MAPPED);
}

/* Retyping a linear region needs the right MAP_LINEAR needs. */
static void ut_protect_retype(struct kunit *test)
{
	struct axas_aspace *as = ut_aspace(test);
	struct axas_xlate x;
	struct axas_stats before;

	KUNIT_ASSERT_EQ(test, axas_map_linear(as, SZ_1G, FAKE_BASE, SZ_2M, RW),
			0);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, SZ_2M,
					     RW | AXAS_MAP_POPULATE), 0);
	before = ut_stats(as);

	KUNIT_EXPECT_EQ(test, axas_protect_caller(as, SZ_1G, SZ_4K,
						  RW | AXAS_MAP_UNCACHED, USER),
			-EPERM);
	KUNIT_EXPECT_EQ(test, axas_protect_caller(as, SZ_1G + SZ_4K, SZ_4K,
						  AXAS_MAP_READ |
						  AXAS_MAP_DEVICE, USER),
			-EPERM);
	/* a hole in the range still wins: ENOENT */
	KUNIT_EXPECT_EQ(test, axas_protect_caller(as, 0, SZ_1G + SZ_2M,
						  RW | AXAS_MAP_UNCACHED, USER),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, ut_stats(as).tlb_gen, before.tlb_gen);
	KUNIT_EXPECT_EQ(test, ut_stats(as).nr_regions, before.nr_regions);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_1G, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, RW);
	KUNIT_EXPECT_EQ(test, x.page_size, SZ_2M);

	/* permissions alone, alloc regions, or with the right: allowed */
	KUNIT_EXPECT_EQ(test, axas_protect_caller(as, SZ_1G, SZ_4K,
						  AXAS_MAP_READ, USER), 0);
	KUNIT_EXPECT_EQ(test, axas_protect_caller(as, 0, SZ_4K,
						  RW | AXAS_MAP_UNCACHED, USER),
			0);
	KUNIT_EXPECT_EQ(test, axas_protect_caller(as, SZ_1G + SZ_4K, SZ_4K,
						  RW | AXAS_MAP_UNCACHED,
						  USER | RAWIO), 0);
	KUNIT_ASSERT_EQ(test, axas_translate(as, SZ_1G + SZ_4K, &x), 0);
	KUNIT_EXPECT_EQ(test, x.prot, RW | AXAS_MAP_UNCACHED);
}

/* Data pages against the creator's budget (RLIMIT_MEMLOCK). */
static void ut_data_pages_charged(struct kunit *test)
{
	struct axas_aspace *as = ut_aspace(test);
	struct axas_stats before;
	u32 result = 0;
	long base;

	__axas_aspace_charge_to(as, get_uid(current_user()), 8);
	base = atomic_long_read(as->acct_vm);

	before = ut_stats(as);
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, 0, 9 * SZ_4K,
					     RW | AXAS_MAP_POPULATE), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ut_stats(as).data_pages, 0);
	KUNIT_EXPECT_EQ(test, ut_stats(as).table_pages, before.table_pages);
	KUNIT_EXPECT_EQ(test, ut_stats(as).nr_regions, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(as->acct_vm), base);

	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, 0, 6 * SZ_4K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(as->acct_vm), base + 6);
	KUNIT_ASSERT_EQ(test, axas_map_alloc(as, SZ_1M, SZ_1M, RW), 0);
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_1M, AXAS_MAP_READ,
						     &result), 0);
	KUNIT_EXPECT_EQ(test, result, AXAS_FAULT_HANDLED);
	KUNIT_EXPECT_EQ(test, axas_write(as, SZ_1M + SZ_4K, "x", 1), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(as->acct_vm), base + 8);
	/* the budget is spent: faults and writes fail, nothing changes */
	KUNIT_EXPECT_EQ(test, axas_handle_page_fault(as, SZ_1M + SZ_8K,
						     AXAS_MAP_READ, &result),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, axas_write(as, SZ_1M + SZ_8K, "x", 1), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ut_stats(as).data_pages, 8);
	/* freeing gives it back */
	KUNIT_ASSERT_EQ(test, axas_unmap(as, 0, SZ_8K), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(as->acct_vm), base + 6);
	KUNIT_EXPECT_EQ(test, axas_write(as, SZ_1M + SZ_8K, "x", 1), 1);
	axas_clear(as);
	KUNIT_EXPECT_EQ(test, atomic_long_read(as->acct_vm), base);
	KUNIT_EXPECT_EQ(test, ut_stats(as).data_pages, 0);
}

/* Allocation failures come from the fault-injection framework. */
static void ut_fail_nth(struct kunit *test)
{
	struct axas_aspace *as = ut_aspace(test);
	struct axas_stats before = ut_stats(as);

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	/* the third site: region, table pages or data page - all count */
	axas_test_fail_nth(as, 3);
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, 0, SZ_64K,
					     RW | AXAS_MAP_POPULATE), -ENOMEM);
	KUNIT_EXPECT_EQ(test, axas_test_fail_left(as), 0);
	axas_test_fail_nth(as, 0);
	KUNIT_EXPECT_EQ(test, ut_stats(as).data_pages, 0);
	KUNIT_EXPECT_EQ(test, ut_stats(as).table_pages, before.table_pages);
	KUNIT_EXPECT_EQ(test, ut_stats(as).nr_regions, 0);
	/* the count belongs to the task: injection off, the call works */
	KUNIT_EXPECT_EQ(test, axas_test_fail_left(as), 0);
	KUNIT_EXPECT_EQ(test, axas_map_alloc(as, 0, SZ_64K,
					     RW | AXAS_MAP_POPULATE), 0);
	KUNIT_EXPECT_EQ(test, ut_stats(as).data_pages, 16);
}

/*
 * TRANSLATE while a writer flips one gpa between an alloc region and a
 * linear region: a result never pairs one's region (kind, limit) with the
 * other's leaf (hpa). Needs a second CPU to race at all.
 */
struct ut_flip {
	struct axas_aspace *as;
	bool stop;
	unsigned long flips;
	u64 lin_hpa;
};

static int ut_flipper(void *arg)
{
	struct ut_flip *f = arg;

	while (!READ_ONCE(f->stop)) {
		axas_map_linear(f->as, SZ_1G, f->lin_hpa, SZ_4K, RW);
		axas_unmap(f->as, SZ_1G, SZ_4K);
		axas_map_alloc(f->as, SZ_1G, SZ_8K, RW | AXAS_MAP_POPULATE);
		axas_unmap(f->as, SZ_1G, SZ_8K);
		f->flips++;
		cond_resched();
	}
	return 0;
}

static void ut_translate_never_mixes(struct kunit *test)
{
	struct ut_flip f = { .lin_hpa = FAKE_BASE };
	struct task_struct *t;
	unsigned long i, seen = 0, bad = 0;
	struct axas_xlate x;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs to race");
	f.as = ut_aspace(test);
	t = kthread_run(ut_flipper, &f, "axas-flip");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < 2000000 && (i < 1000 || f.flips < 2000); i++) {
		if (axas_translate(f.as, SZ_1G, &x))
			continue;
		seen++;
		if (x.kind == AXAS_REGION_LINEAR)
			bad += x.hpa != f.lin_hpa || x.limit != SZ_4K;
		else
			bad += x.hpa == f.lin_hpa || x.limit != SZ_8K;
	}
	WRITE_ONCE(f.stop, true);
	kthread_stop(t);
	kunit_info(test, "%lu lookups mapped, %lu flips", seen, f.flips);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_GT(test, seen, 0);
}

static struct kunit_case axas_user_cases[] = {
	KUNIT_CASE(ut_host_span_splits),
	KUNIT_CASE(ut_exclusive_refused),
	KUNIT_CASE(ut_ram_refused),
	KUNIT_CASE(ut_errno_order),
	KUNIT_CASE(ut_protect_retype),
	KUNIT_CASE(ut_data_pages_charged),
	KUNIT_CASE(ut_fail_nth),
	KUNIT_CASE_SLOW(ut_translate_never_mixes),
	{}
};

static struct kunit_suite axas_user_suite = {
	.name = "axas_user",
	.test_cases = axas_user_cases,
};

kunit_test_suite(axas_user_suite);
