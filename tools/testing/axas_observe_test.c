// SPDX-License-Identifier: GPL-2.0
/*
 * axas_observe_test - what an administrator sees of axas without ioctls:
 *
 * - trace: the tracepoints (include/trace/events/axas.h) enabled through
 *   tracefs; each operation's event arrives with the fields it must carry,
 *   and nothing arrives once the events are disabled (negative control);
 * - fdinfo: /proc/self/fdinfo of an address-space fd agrees with
 *   AXAS_IOC_INFO, and the /dev/axas fd shows none of it;
 * - debugfs: /sys/kernel/debug/axas/<pid>-<fd>/{regions,table} list the
 *   regions and the decoded leaves, are root-only, and go with the fd.
 *
 * tracefs and debugfs need root: those cases skip for other users (and
 * check that an unprivileged process is refused).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../lib/axas_util.h"

#define SZ_4K		0x1000ULL
#define SZ_16K		0x4000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define SZ_4G		0x100000000ULL
/* Host "MMIO" for linear maps: far above the guest's RAM, below 40 bits. */
#define LIN_HPA		(1ULL << 36)
#define RW		(AXAS_MAP_READ | AXAS_MAP_WRITE)

#define TRACING		"/sys/kernel/tracing"
#define DEBUGFS		"/sys/kernel/debug"

static bool is_root(void)
{
	return geteuid() == 0;
}

static int new_space(uint32_t format, uint64_t base, uint64_t length)
{
	int dev = open(AXAS_DEV_PATH, O_RDWR | O_CLOEXEC), fd;

	if (dev < 0)
		return -1;
	fd = ax_new(dev, format, 0, base, length);
	close(dev);
	return fd;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -1;
	close(fd);
	return ret;
}

/* The whole file in a malloc'ed NUL-terminated buffer, or NULL. */
static char *read_file(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Lines of @text containing @needle (which may start with its '\n'). */
static int count_lines(const char *text, const char *needle)
{
	const char *p = text;
	int n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p = strchr(p + 1, '\n');
		if (!p)
			break;
	}
	return n;
}

/* The value of "key:\tvalue" in an fdinfo text, or -1. */
static long long fdinfo_num(const char *text, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s:\t", key);
	p = strstr(text, pat);
	return p ? strtoll(p + strlen(pat), NULL, 0) : -1;
}

/* ---- tracepoints ---- */

FIXTURE(trace) {
	int fd;
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	self->fd = -1;
	if (!is_root()) {
		/* tracefs is root's: an unprivileged reader is refused. */
		if (!stat(TRACING "/events", &st))
			ASSERT_EQ(-1, open(TRACING "/trace", O_RDONLY));
		SKIP(return, "tracefs needs root");
	}
	if (stat(TRACING "/events", &st))
		ASSERT_EQ(0, mount("nodev", TRACING, "tracefs", 0, NULL))
			TH_LOG("mount tracefs: %s", strerror(errno));
	ASSERT_EQ(0, stat(TRACING "/events/axas", &st))
		TH_LOG("no axas events in tracefs");
	ASSERT_EQ(0, write_file(TRACING "/tracing_on", "0"));
	ASSERT_EQ(0, write_file(TRACING "/trace", ""));
	ASSERT_EQ(0, write_file(TRACING "/events/axas/enable", "1"));
	ASSERT_EQ(0, write_file(TRACING "/tracing_on", "1"));
	self->fd = new_space(AXAS_FMT_EPT4, 0, SZ_4G);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd >= 0)
		close(self->fd);
	if (is_root()) {
		write_file(TRACING "/events/axas/enable", "0");
		write_file(TRACING "/trace", "");
	}
}

/* Every event, one line each, exactly where and as expected. */
TEST_F(trace, events_and_fields)
{
	static const char *const events[] = {
		"axas_map", "axas_unmap", "axas_protect", "axas_fault",
		"axas_invalidate", "axas_split",
	};
	char path[128], space[40], *tr, *fmt;
	struct axas_info info;
	uint32_t res;
	const char *p;
	unsigned int i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), TRACING "/events/axas/%s/format",
			 events[i]);
		fmt = read_file(path);
		ASSERT_TRUE(fmt != NULL) TH_LOG("no event %s", events[i]);
		EXPECT_TRUE(strstr(fmt, "field:const void * space;") != NULL)
			TH_LOG("%s has no space field", events[i]);
		free(fmt);
	}

	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, 0, SZ_2M, 0, RW));
	ASSERT_EQ(-1, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, 0x1000, SZ_4K, 0, RW));
	ASSERT_EQ(EEXIST, errno);
	ASSERT_EQ(0, ax_fault(self->fd, 0x1000, AXAS_MAP_WRITE, &res));
	ASSERT_EQ(AXAS_FAULT_HANDLED, res);
	ASSERT_EQ(0, ax_fault(self->fd, 0x1234, AXAS_MAP_READ, &res));
	ASSERT_EQ(AXAS_FAULT_SPURIOUS, res);
	ASSERT_EQ(0, ax_fault(self->fd, 0x10000000, AXAS_MAP_READ, &res));
	ASSERT_EQ(AXAS_FAULT_NOT_MAPPED, res);
	ASSERT_EQ(0, ax_fault(self->fd, 0x2000, AXAS_MAP_EXEC, &res));
	ASSERT_EQ(AXAS_FAULT_PERM, res);
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_LINEAR, SZ_1G, SZ_2M,
			    LIN_HPA, RW));
	/* Cuts the 2 MiB leaf: split, then invalidation of the range. */
	ASSERT_EQ(0, ax_unmap(self->fd, SZ_1G + SZ_4K, SZ_4K));
	/* Downgrades the faulted-in page: invalidation. */
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_PROTECT, 0, SZ_2M, 0,
			    AXAS_MAP_READ));
	ASSERT_EQ(0, ax_unmap(self->fd, 0, SZ_4G));
	ASSERT_EQ(0, ax_info(self->fd, &info));

	ASSERT_EQ(0, write_file(TRACING "/tracing_on", "0"));
	tr = read_file(TRACING "/trace");
	ASSERT_TRUE(tr != NULL);
	TH_LOG("trace:\n%s", strstr(tr, "axas_") ? strstr(tr, "axas_") : tr);

	/* All events name one space, the fd's. */
	p = strstr(tr, "axas_map: space=");
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(1, sscanf(p, "axas_map: space=%39s", space));
	snprintf(path, sizeof(path), "space=%s ", space);
	EXPECT_EQ(count_lines(tr, ": space="), count_lines(tr, path));

	EXPECT_EQ(3, count_lines(tr, "axas_map: "));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x0 size=0x200000 hpa=0x0 kind=alloc flags=R|W ret=0"));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x1000 size=0x1000 hpa=0x0 kind=alloc flags=R|W ret=-17"));
	snprintf(path, sizeof(path),
		 "gpa=0x40000000 size=0x200000 hpa=%#llx kind=linear flags=R|W ret=0",
		 LIN_HPA);
	EXPECT_EQ(1, count_lines(tr, path));

	EXPECT_EQ(4, count_lines(tr, "axas_fault: "));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x1000 access=W result=handled ret=0"));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x1234 access=R result=spurious ret=0"));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x10000000 access=R result=not-mapped ret=0"));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x2000 access=X result=perm ret=0"));

	EXPECT_EQ(1, count_lines(tr, "axas_split: "));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x40000000 size=0x200000 level=1 old_pte="));

	EXPECT_EQ(2, count_lines(tr, "axas_unmap: "));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x40001000 size=0x1000 ret=0"));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x0 size=0x100000000 ret=0"));
	EXPECT_EQ(1, count_lines(tr, "axas_protect: "));
	EXPECT_EQ(1, count_lines(tr, "gpa=0x0 size=0x200000 flags=R ret=0"));

	/*
	 * Every invalidation leaving the core (axas_tlb_invalidate()): the
	 * break of break-before-make before the split it makes room for,
	 * the removed page, the downgrade, and the final unmap's tables and
	 * leaves, tlb_gen never going back; none hooked.
	 */
	EXPECT_LT(3, count_lines(tr, "axas_invalidate: "));
	p = strstr(tr, "gpa=0x40000000 size=0x200000 tlb_gen=0 hooked=0");
	EXPECT_TRUE(p && strstr(tr, "axas_split: ") && p < strstr(tr, "axas_split: "))
		TH_LOG("no break of the 2 MiB leaf before its split");
	EXPECT_EQ(1, count_lines(tr, "gpa=0x40001000 size=0x1000 tlb_gen=1 hooked=0"));
	p = strstr(tr, "axas_unmap: ");
	EXPECT_TRUE(p && strstr(p, "gpa=0x0 size=0x200000 tlb_gen=2 hooked=0") &&
		    strstr(p, "gpa=0x0 size=0x200000 tlb_gen=2 hooked=0") <
		    strstr(tr, "axas_protect: "))
		TH_LOG("no invalidation of the downgraded page inside protect");
	snprintf(path, sizeof(path), "gpa=0x0 size=0x100000000 tlb_gen=%llu hooked=0",
		 (unsigned long long)info.tlb_gen);
	EXPECT_EQ(1, count_lines(tr, path));
	EXPECT_EQ(0, count_lines(tr, "hooked=1"));
	{
		unsigned long long gen, last = 0;
		const char *q = tr;

		while ((q = strstr(q, " tlb_gen="))) {
			gen = strtoull(q + 9, NULL, 10);
			EXPECT_LE(last, gen);
			last = gen;
			q++;
		}
		EXPECT_EQ(info.tlb_gen, last);
	}
	EXPECT_EQ(3, info.tlb_gen);
	free(tr);

	/* Negative control: disabled events record nothing. */
	ASSERT_EQ(0, write_file(TRACING "/events/axas/enable", "0"));
	ASSERT_EQ(0, write_file(TRACING "/trace", ""));
	ASSERT_EQ(0, write_file(TRACING "/tracing_on", "1"));
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, 0, SZ_2M, 0, RW));
	ASSERT_EQ(0, ax_fault(self->fd, 0x1000, AXAS_MAP_WRITE, &res));
	ASSERT_EQ(0, write_file(TRACING "/tracing_on", "0"));
	tr = read_file(TRACING "/trace");
	ASSERT_TRUE(tr != NULL);
	EXPECT_EQ(0, count_lines(tr, "axas_"));
	free(tr);
}

/* Counting faults by result, as Documentation/design.rst shows it. */
TEST_F(trace, fault_histogram)
{
	uint32_t res;
	char *hist;
	int i;

	ASSERT_EQ(0, write_file(TRACING "/events/axas/axas_fault/trigger",
				"hist:keys=result:vals=hitcount"));
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, 0, SZ_2M, 0, RW));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, ax_fault(self->fd, i * SZ_4K, AXAS_MAP_WRITE, &res));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, ax_fault(self->fd, i * SZ_4K, AXAS_MAP_READ, &res));
	ASSERT_EQ(0, ax_fault(self->fd, SZ_1G, AXAS_MAP_READ, &res));
	hist = read_file(TRACING "/events/axas/axas_fault/hist");
	write_file(TRACING "/events/axas/axas_fault/trigger",
		   "!hist:keys=result:vals=hitcount");
	ASSERT_TRUE(hist != NULL);
	TH_LOG("hist:\n%s", hist);
	/* result 1 (handled) 5 times, 2 (spurious) 3 times, 3 once. */
	EXPECT_TRUE(strstr(hist, "{ result:          1 } hitcount:          5") != NULL);
	EXPECT_TRUE(strstr(hist, "{ result:          2 } hitcount:          3") != NULL);
	EXPECT_TRUE(strstr(hist, "{ result:          3 } hitcount:          1") != NULL);
	free(hist);
}

/* ---- fdinfo ---- */

FIXTURE(fdinfo) {
	int fd;
};

FIXTURE_VARIANT(fdinfo) {
	uint32_t format;
	const char *name;
	unsigned int gpa_bits;
	uint64_t length;
};

FIXTURE_VARIANT_ADD(fdinfo, ept4) {
	.format = AXAS_FMT_EPT4, .name = "ept4", .gpa_bits = 48,
	.length = SZ_4G,
};

FIXTURE_VARIANT_ADD(fdinfo, sv39x4) {
	.format = AXAS_FMT_SV39X4, .name = "sv39x4", .gpa_bits = 41,
	.length = SZ_4G,
};

FIXTURE_VARIANT_ADD(fdinfo, arm_s2) {
	.format = AXAS_FMT_ARM_S2, .name = "arm-s2", .gpa_bits = 40,
	.length = SZ_4G,
};

FIXTURE_SETUP(fdinfo)
{
	self->fd = new_space(variant->format, 0, variant->length);
	ASSERT_LE(0, self->fd) TH_LOG("NEW: %s", strerror(errno));
}

FIXTURE_TEARDOWN(fdinfo)
{
	close(self->fd);
}

static char *fdinfo_of(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return read_file(path);
}

TEST_F(fdinfo, agrees_with_info)
{
	struct axas_info info;
	uint32_t res;
	char want[64], *t;
	int dev;

	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, 0, SZ_16K, 0,
			    RW | AXAS_MAP_POPULATE));
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, SZ_2M, SZ_2M, 0, RW));
	ASSERT_EQ(0, ax_fault(self->fd, SZ_2M, AXAS_MAP_WRITE, &res));
	ASSERT_EQ(0, ax_unmap(self->fd, SZ_4K, SZ_4K));
	ASSERT_EQ(0, ax_info(self->fd, &info));

	t = fdinfo_of(self->fd);
	ASSERT_TRUE(t != NULL);
	TH_LOG("fdinfo:\n%s", t);
	snprintf(want, sizeof(want), "\naxas-format:\t%s\n", variant->name);
	EXPECT_TRUE(strstr(t, want) != NULL);
	EXPECT_EQ(variant->gpa_bits, fdinfo_num(t, "axas-gpa-bits"));
	EXPECT_EQ(info.gpa_bits, fdinfo_num(t, "axas-gpa-bits"));
	EXPECT_EQ(info.levels, fdinfo_num(t, "axas-levels"));
	EXPECT_EQ(0, fdinfo_num(t, "axas-base"));
	EXPECT_EQ(variant->length, (uint64_t)fdinfo_num(t, "axas-length"));
	/* [0,4K) [8K,16K) populated, [2M,4M) lazy with one page. */
	EXPECT_EQ(3, fdinfo_num(t, "axas-regions"));
	EXPECT_EQ(info.nr_regions, fdinfo_num(t, "axas-regions"));
	EXPECT_EQ(4, fdinfo_num(t, "axas-data-pages"));
	EXPECT_EQ(info.data_pages, fdinfo_num(t, "axas-data-pages"));
	EXPECT_EQ(info.table_pages, fdinfo_num(t, "axas-table-pages"));
	EXPECT_LT(1, fdinfo_num(t, "axas-table-pages"));
	EXPECT_EQ(1, fdinfo_num(t, "axas-tlb-gen"));
	EXPECT_EQ(info.tlb_gen, fdinfo_num(t, "axas-tlb-gen"));
	/* No host physical address, whoever reads it. */
	EXPECT_TRUE(strstr(t, "root") == NULL);
	free(t);

	/* The /dev/axas fd is not an address space. */
	dev = open(AXAS_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	t = fdinfo_of(dev);
	ASSERT_TRUE(t != NULL);
	EXPECT_TRUE(strstr(t, "axas-") == NULL);
	free(t);
	close(dev);
}

/* ---- debugfs ---- */

FIXTURE(debugfs) {
	int fd;
	char dir[128];
};

FIXTURE_SETUP(debugfs)
{
	struct stat st;

	self->fd = -1;
	if (!is_root()) {
		/* debugfs is root's: an unprivileged reader is refused. */
		EXPECT_EQ(-1, open(DEBUGFS "/axas", O_RDONLY | O_DIRECTORY));
		SKIP(return, "debugfs needs root");
	}
	if (stat(DEBUGFS "/axas", &st) && stat(DEBUGFS "/tracing", &st))
		ASSERT_EQ(0, mount("nodev", DEBUGFS, "debugfs", 0, NULL))
			TH_LOG("mount debugfs: %s", strerror(errno));
	self->fd = new_space(AXAS_FMT_EPT4, 0, SZ_4G);
	ASSERT_LE(0, self->fd);
	snprintf(self->dir, sizeof(self->dir), DEBUGFS "/axas/%d-%d",
		 getpid(), self->fd);
}

FIXTURE_TEARDOWN(debugfs)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(debugfs, regions_and_table)
{
	char path[192], line[160], *t;
	struct stat st;
	uint32_t res;
	pid_t pid;
	int status;

	ASSERT_EQ(0, stat(self->dir, &st)) TH_LOG("no %s", self->dir);
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, 0, SZ_16K, 0,
			    RW | AXAS_MAP_POPULATE));
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_ALLOC, SZ_2M, SZ_2M, 0,
			    AXAS_MAP_READ));
	ASSERT_EQ(0, ax_fault(self->fd, SZ_2M + SZ_4K, AXAS_MAP_READ, &res));
	ASSERT_EQ(0, ax_map(self->fd, AXAS_IOC_MAP_LINEAR, SZ_1G, SZ_2M,
			    LIN_HPA, RW | AXAS_MAP_EXEC));

	snprintf(path, sizeof(path), "%s/regions", self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0400, st.st_mode & 0777);
	t = read_file(path);
	ASSERT_TRUE(t != NULL);
	TH_LOG("regions:\n%s", t);
	EXPECT_EQ(3, count_lines(t, "0x"));
	EXPECT_TRUE(strstr(t, "\n0x0 0x4000 alloc rw- 0x100 0x0\n") != NULL);
	EXPECT_TRUE(strstr(t, "\n0x200000 0x400000 alloc r-- 0x0 0x0\n") != NULL);
	snprintf(line, sizeof(line), "\n0x40000000 0x40200000 linear rwx 0x0 %#llx\n",
		 LIN_HPA);
	EXPECT_TRUE(strstr(t, line) != NULL);
	free(t);

	snprintf(path, sizeof(path), "%s/table", self->dir);
	t = read_file(path);
	ASSERT_TRUE(t != NULL);
	TH_LOG("table:\n%s", t);
	EXPECT_TRUE(strstr(t, "# format ept4 levels 4 gpa_bits 48") != NULL);
	/* 4 populated pages, 1 faulted-in page, 1 huge leaf. */
	EXPECT_EQ(6, count_lines(t, "\n0x"));
	EXPECT_EQ(5, count_lines(t, " 0x1000 0x"));
	EXPECT_TRUE(strstr(t, "\n0x201000 0x1000 0x") != NULL);
	snprintf(line, sizeof(line), "\n0x40000000 0x200000 %#llx 1 rwx 0x", LIN_HPA);
	EXPECT_TRUE(strstr(t, line) != NULL);
	free(t);

	/* Root only, even for a reader that can reach the directory. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(open(path, O_RDONLY) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* The directory goes with the fd. */
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-1, stat(self->dir, &st));
	EXPECT_EQ(ENOENT, errno);
}

TEST_HARNESS_MAIN
