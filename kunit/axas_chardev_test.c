// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the ioctl dispatcher shared by /dev/axas and the
 * address-space fds (axas_chardev/ucmd.c): the table lookup by _IOC_NR, the
 * size-first reader with copy_struct_from_user() semantics and the page
 * cap, and the response helper. The argument lives in user memory mapped
 * into the test thread (kunit_vm_mmap()).
 */
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/axas.h>

#include "axas_chardev/chardev.h"

/* A table of its own, at numbers no device uses. */
#define CT_BASE		0x60
#define CT_IOC_RANGE	_IO(AXAS_TYPE, CT_BASE)
#define CT_IOC_HOLE	_IO(AXAS_TYPE, CT_BASE + 1)
#define CT_IOC_NUM	_IO(AXAS_TYPE, CT_BASE + 2)

static struct axas_range ct_seen;
static u32 ct_seen_size;
static int ct_calls;

/* Records what it was given, answers with gpa + 1 and length 0x42. */
static int ct_range(struct axas_ucmd *ucmd)
{
	struct axas_range *r = ucmd->cmd;

	ct_calls++;
	ct_seen = *r;
	ct_seen_size = ucmd->user_size;
	r->gpa++;
	r->length = 0x42;
	return axas_ucmd_respond(ucmd, sizeof(*r));
}

static int ct_num(struct axas_ucmd *ucmd)
{
	ct_calls++;
	return ucmd->cmd ? -EIO : (int)ucmd->arg;
}

static const struct axas_ioctl_op ct_ops[] = {
	/* first version ends at gpa: 16 bytes */
	AXAS_IOCTL_OP(CT_BASE, CT_IOC_RANGE, ct_range, struct axas_range, gpa),
	AXAS_IOCTL_OP_NUM(CT_BASE, CT_IOC_NUM, ct_num),
};

struct ct_ctx {
	u8 __user *ubuf;
	u8 *kbuf;		/* two pages */
};

static int ct_init(struct kunit *test)
{
	struct ct_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->kbuf = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->kbuf);
	addr = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE + SZ_4K,
			     PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
			     0);
	if (IS_ERR_VALUE(addr))
		kunit_skip(test, "no user memory for the test thread");
	c->ubuf = (u8 __user *)addr;
	test->priv = c;
	ct_calls = 0;
	return 0;
}

/* Put @len bytes of @c->kbuf, with @usize as the first field, at ubuf. */
static long ct_call(struct kunit *test, unsigned int cmd, u32 usize,
		    size_t len)
{
	struct ct_ctx *c = test->priv;

	memcpy(c->kbuf, &usize, sizeof(usize));
	KUNIT_ASSERT_EQ(test, copy_to_user(c->ubuf, c->kbuf, len), 0);
	return axas_ucmd_dispatch(ct_ops, ARRAY_SIZE(ct_ops), CT_BASE, NULL,
				  cmd, (unsigned long)c->ubuf);
}

static void ct_fill(struct ct_ctx *c, size_t len)
{
	struct axas_range r = { .flags = 3, .gpa = 0x1000, .length = 0x2000 };

	memset(c->kbuf, 0, len);
	memcpy(c->kbuf, &r, sizeof(r));
}

static void ct_sizes(struct kunit *test)
{
	struct ct_ctx *c = test->priv;
	struct axas_range out;

	/* below the first version: EINVAL, the handler never runs */
	ct_fill(c, 64);
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, 0, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, 15, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, ct_calls, 0);

	/* the first version: length reads as zero, nothing written past 16 */
	ct_fill(c, 64);
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, 16, 64), 0);
	KUNIT_EXPECT_EQ(test, ct_seen_size, 16);
	KUNIT_EXPECT_EQ(test, ct_seen.gpa, 0x1000);
	KUNIT_EXPECT_EQ(test, ct_seen.length, 0);
	KUNIT_EXPECT_EQ(test, ct_seen.flags, 3);
	KUNIT_ASSERT_EQ(test, copy_from_user(&out, c->ubuf, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, out.gpa, 0x1001);
	KUNIT_EXPECT_EQ(test, out.length, 0x2000);

	/* longer, zero tail: accepted, the tail stays untouched */
	ct_fill(c, 64);
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, 40, 64), 0);
	KUNIT_EXPECT_EQ(test, ct_seen.length, 0x2000);
	KUNIT_ASSERT_EQ(test, copy_from_user(&out, c->ubuf, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, out.length, 0x42);

	/* one nonzero byte at the end of the tail: E2BIG */
	ct_fill(c, 64);
	c->kbuf[39] = 1;
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, 40, 64), -E2BIG);

	/* a page is the limit, zeros or not */
	ct_fill(c, PAGE_SIZE + 8);
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, PAGE_SIZE,
				      PAGE_SIZE + 8), 0);
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, PAGE_SIZE + 1,
				      PAGE_SIZE + 8), -E2BIG);
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_RANGE, U32_MAX,
				      PAGE_SIZE + 8), -E2BIG);
	KUNIT_EXPECT_EQ(test, ct_calls, 3);
}

static void ct_lookup(struct kunit *test)
{
	struct ct_ctx *c = test->priv;

	ct_fill(c, 64);
	/* a hole in the table, numbers outside it, foreign encodings */
	KUNIT_EXPECT_EQ(test, ct_call(test, CT_IOC_HOLE, 24, 64), -ENOTTY);
	KUNIT_EXPECT_EQ(test, ct_call(test, _IO(AXAS_TYPE, CT_BASE + 3), 24,
				      64), -ENOTTY);
	KUNIT_EXPECT_EQ(test, ct_call(test, _IO(AXAS_TYPE, CT_BASE - 1), 24,
				      64), -ENOTTY);
	KUNIT_EXPECT_EQ(test, ct_call(test, _IO(0xAE, CT_BASE), 24, 64),
			-ENOTTY);
	KUNIT_EXPECT_EQ(test, ct_call(test, _IOWR(AXAS_TYPE, CT_BASE,
						  struct axas_range), 24, 64),
			-ENOTTY);
	KUNIT_EXPECT_EQ(test, ct_calls, 0);
	/* a number argument is passed through, nothing is read */
	KUNIT_EXPECT_EQ(test, axas_ucmd_dispatch(ct_ops, ARRAY_SIZE(ct_ops),
						 CT_BASE, NULL, CT_IOC_NUM, 77),
			77);
	KUNIT_EXPECT_EQ(test, ct_calls, 1);
	/* a struct argument at a bad address */
	KUNIT_EXPECT_EQ(test, axas_ucmd_dispatch(ct_ops, ARRAY_SIZE(ct_ops),
						 CT_BASE, NULL, CT_IOC_RANGE,
						 8), -EFAULT);
}

static struct kunit_case axas_chardev_cases[] = {
	KUNIT_CASE(ct_sizes),
	KUNIT_CASE(ct_lookup),
	{}
};

static struct kunit_suite axas_chardev_suite = {
	.name = "axas_chardev",
	.init = ct_init,
	.test_cases = axas_chardev_cases,
};

kunit_test_suite(axas_chardev_suite);
