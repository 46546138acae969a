// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the device address types (include/linux/axas_types.h).
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/axas_types.h>

static void width_test(struct kunit *test)
{
	static const struct {
		size_t bytes;
		enum axas_width w;
		unsigned int bits;
		u64 mask;
		const char *name;
	} ok[] = {
		{ 1, AXAS_WIDTH_8, 8, 0xffULL, "u8" },
		{ 2, AXAS_WIDTH_16, 16, 0xffffULL, "u16" },
		{ 4, AXAS_WIDTH_32, 32, 0xffffffffULL, "u32" },
		{ 8, AXAS_WIDTH_64, 64, ~0ULL, "u64" },
	};
	static const size_t bad[] = { 0, 3, 5, 6, 7, 9, 16, 32, 64, 128,
				      SIZE_MAX };
	enum axas_width w;
	unsigned int i;
	char buf[16];

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		w = AXAS_WIDTH_64 + 1;
		KUNIT_EXPECT_EQ(test, axas_width_from_bytes(ok[i].bytes, &w), 0);
		KUNIT_EXPECT_EQ(test, w, ok[i].w);
		KUNIT_EXPECT_EQ(test, axas_width_bytes(w), ok[i].bytes);
		KUNIT_EXPECT_EQ(test, axas_width_bits(w), ok[i].bits);
		KUNIT_EXPECT_EQ(test, axas_width_mask(w), ok[i].mask);
		KUNIT_EXPECT_EQ(test, axas_width_snprint(buf, sizeof(buf), w),
				(int)strlen(ok[i].name));
		KUNIT_EXPECT_STREQ(test, buf, ok[i].name);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		w = AXAS_WIDTH_16;
		KUNIT_EXPECT_EQ_MSG(test, axas_width_from_bytes(bad[i], &w),
				    -EINVAL, "bytes %zu", bad[i]);
		KUNIT_EXPECT_EQ(test, w, AXAS_WIDTH_16);
	}
}

static void port_test(struct kunit *test)
{
	struct axas_port_range r = { 0 };
	char buf[32];

	KUNIT_EXPECT_EQ(test, axas_port_range_init(&r, 0x3ff, 0x3f8), -EINVAL);
	KUNIT_EXPECT_EQ(test, r.first, 0);
	KUNIT_ASSERT_EQ(test, axas_port_range_init(&r, 0x3f8, 0x3ff), 0);
	KUNIT_EXPECT_FALSE(test, axas_port_range_contains(&r, 0x3f7));
	KUNIT_EXPECT_TRUE(test, axas_port_range_contains(&r, 0x3f8));
	KUNIT_EXPECT_TRUE(test, axas_port_range_contains(&r, 0x3ff));
	KUNIT_EXPECT_FALSE(test, axas_port_range_contains(&r, 0x400));

	/* a single port and the whole 16-bit space are valid ranges */
	KUNIT_ASSERT_EQ(test, axas_port_range_init(&r, 0x80, 0x80), 0);
	KUNIT_EXPECT_TRUE(test, axas_port_range_contains(&r, 0x80));
	KUNIT_EXPECT_FALSE(test, axas_port_range_contains(&r, 0x81));
	KUNIT_ASSERT_EQ(test, axas_port_range_init(&r, 0, 0xffff), 0);
	KUNIT_EXPECT_TRUE(test, axas_port_range_contains(&r, 0xffff));
	KUNIT_EXPECT_TRUE(test, axas_port_range_contains(&r, 0));

	axas_port_snprint(buf, sizeof(buf), 0x3f8);
	KUNIT_EXPECT_STREQ(test, buf, "port 0x3f8");
	KUNIT_ASSERT_EQ(test, axas_port_range_init(&r, 0x3f8, 0x3ff), 0);
	KUNIT_EXPECT_EQ(test, axas_port_range_snprint(buf, sizeof(buf), &r),
			(int)strlen("port [0x3f8, 0x3ff]"));
	KUNIT_EXPECT_STREQ(test, buf, "port [0x3f8, 0x3ff]");
	/* truncation keeps the buffer terminated and reports what fits */
	KUNIT_EXPECT_EQ(test, axas_port_range_snprint(buf, 8, &r), 7);
	KUNIT_EXPECT_STREQ(test, buf, "port [0");
}

static void sysreg_test(struct kunit *test)
{
	struct axas_sysreg_range r;
	char buf[48];

	KUNIT_EXPECT_EQ(test, axas_sysreg_range_init(&r, 2, 1), -EINVAL);
	KUNIT_ASSERT_EQ(test, axas_sysreg_range_init(&r, 0xc000, 0xc0ff), 0);
	KUNIT_EXPECT_FALSE(test, axas_sysreg_range_contains(&r, 0xbfff));
	KUNIT_EXPECT_TRUE(test, axas_sysreg_range_contains(&r, 0xc000));
	KUNIT_EXPECT_TRUE(test, axas_sysreg_range_contains(&r, 0xc0ff));
	KUNIT_EXPECT_FALSE(test, axas_sysreg_range_contains(&r, 0xc100));
	KUNIT_ASSERT_EQ(test, axas_sysreg_range_init(&r, 0, ULONG_MAX), 0);
	KUNIT_EXPECT_TRUE(test, axas_sysreg_range_contains(&r, ULONG_MAX));

	axas_sysreg_snprint(buf, sizeof(buf), 0x30c0);
	KUNIT_EXPECT_STREQ(test, buf, "sysreg 0x30c0");
	KUNIT_ASSERT_EQ(test, axas_sysreg_range_init(&r, 0x10, 0x1f), 0);
	axas_sysreg_range_snprint(buf, sizeof(buf), &r);
	KUNIT_EXPECT_STREQ(test, buf, "sysreg [0x10, 0x1f]");
}

static void gpa_range_test(struct kunit *test)
{
	struct axas_gpa_range a, b;
	char buf[64];

	KUNIT_EXPECT_EQ(test, axas_gpa_range_init(&a, ~0ULL - 0xfff, 0x2000),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, axas_gpa_range_init(&a, 0x1000, 0x2000), 0);
	KUNIT_EXPECT_EQ(test, axas_gpa_range_size(&a), 0x2000);
	KUNIT_EXPECT_FALSE(test, axas_gpa_range_contains(&a, 0xfff));
	KUNIT_EXPECT_TRUE(test, axas_gpa_range_contains(&a, 0x1000));
	KUNIT_EXPECT_TRUE(test, axas_gpa_range_contains(&a, 0x2fff));
	/* half-open: the end is outside */
	KUNIT_EXPECT_FALSE(test, axas_gpa_range_contains(&a, 0x3000));

	KUNIT_ASSERT_EQ(test, axas_gpa_range_init(&b, 0x3000, 0x1000), 0);
	KUNIT_EXPECT_FALSE(test, axas_gpa_range_overlaps(&a, &b));
	KUNIT_ASSERT_EQ(test, axas_gpa_range_init(&b, 0x2fff, 0x1000), 0);
	KUNIT_EXPECT_TRUE(test, axas_gpa_range_overlaps(&a, &b));
	KUNIT_EXPECT_TRUE(test, axas_gpa_range_overlaps(&b, &a));
	KUNIT_ASSERT_EQ(test, axas_gpa_range_init(&b, 0x1800, 0), 0);
	KUNIT_EXPECT_FALSE(test, axas_gpa_range_overlaps(&a, &b));

	axas_gpa_range_snprint(buf, sizeof(buf), &a);
	KUNIT_EXPECT_STREQ(test, buf, "gpa [0x1000, 0x3000)");
}

static struct kunit_case axas_types_cases[] = {
	KUNIT_CASE(width_test),
	KUNIT_CASE(port_test),
	KUNIT_CASE(sysreg_test),
	KUNIT_CASE(gpa_range_test),
	{}
};

static struct kunit_suite axas_types_suite = {
	.name = "axas_types",
	.test_cases = axas_types_cases,
};

kunit_test_suite(axas_types_suite);
