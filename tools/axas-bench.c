// SPDX-License-Identifier: GPL-2.0
/*
 * axas-bench: speed and memory of axas against the kernel's own page-table
 * code doing the same work in the same run.
 *
 *   populate   MAP_ALLOC|POPULATE          vs MADV_POPULATE_WRITE, 4 KiB pages
 *   fault      AXAS_IOC_FAULT per page     vs first touch of anonymous pages
 *   translate  AXAS_IOC_TRANSLATE per page vs pread(/proc/self/pagemap)
 *   unmap      AXAS_IOC_UNMAP              vs munmap
 *   tables     table pages per GiB         vs PageTables in /proc/meminfo
 *   parallel   faults from N threads on one address space
 *   latency    fault latency (median, p99) on an idle space, and on the
 *              same space while another thread maps and unmaps a large
 *              linear range with 4 KiB leaves in a loop (the writer drops
 *              the lock every 2 MiB of table, so faults do not wait for it)
 *
 * Usage: axas-bench [-m MiB] [-t threads] [-w GiB]   (-w 0: no latency run)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/axas.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE		4096ULL
#define GPA_BASE	(1ULL << 32)

static int dev_fd;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int new_space(uint64_t length)
{
	struct axas_new n = {
		.size = sizeof(n), .format = AXAS_FMT_EPT4,
		.base = 0, .length = length,
	};
	int fd = ioctl(dev_fd, AXAS_IOC_NEW, &n);

	if (fd < 0)
		die("AXAS_IOC_NEW");
	return fd;
}

static void map_alloc(int fd, uint64_t gpa, uint64_t len, uint32_t flags)
{
	struct axas_map m = {
		.size = sizeof(m), .flags = flags, .gpa = gpa, .length = len,
	};

	if (ioctl(fd, AXAS_IOC_MAP_ALLOC, &m))
		die("AXAS_IOC_MAP_ALLOC");
}

static void map_linear(int fd, uint64_t gpa, uint64_t hpa, uint64_t len,
		       uint32_t flags)
{
	struct axas_map m = {
		.size = sizeof(m), .flags = flags, .gpa = gpa, .length = len,
		.hpa = hpa,
	};

	if (ioctl(fd, AXAS_IOC_MAP_LINEAR, &m))
		die("AXAS_IOC_MAP_LINEAR");
}

static void unmap(int fd, uint64_t gpa, uint64_t len)
{
	struct axas_range r = { .size = sizeof(r), .gpa = gpa, .length = len };

	if (ioctl(fd, AXAS_IOC_UNMAP, &r))
		die("AXAS_IOC_UNMAP");
}

static void info(int fd, struct axas_info *in)
{
	memset(in, 0, sizeof(*in));
	in->size = sizeof(*in);
	if (ioctl(fd, AXAS_IOC_INFO, in))
		die("AXAS_IOC_INFO");
}

static uint32_t fault(int fd, uint64_t gpa, uint32_t access)
{
	struct axas_fault f = {
		.size = sizeof(f), .gpa = gpa, .access = access,
	};

	if (ioctl(fd, AXAS_IOC_FAULT, &f))
		die("AXAS_IOC_FAULT");
	return f.result;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == ':')
			val = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return val;
}

static void row(const char *what, uint64_t pages, double axas_ns,
		double kern_ns, const char *kern_what)
{
	printf("%-10s %8llu pages  axas %8.0f ns/page  %-22s %8.0f ns/page  ratio %.2f\n",
	       what, (unsigned long long)pages, axas_ns / pages, kern_what,
	       kern_ns / pages, axas_ns / kern_ns);
}

static void bench_populate_unmap(uint64_t len)
{
	uint64_t pages = len / PAGE;
	struct axas_info in;
	long pt0, pt1;
	double t0, t_axas, t_kern, t_unmap, t_munmap;
	char *p;
	int fd = new_space(GPA_BASE + len);

	t0 = now_ns();
	map_alloc(fd, GPA_BASE, len, AXAS_MAP_READ | AXAS_MAP_WRITE |
		  AXAS_MAP_POPULATE);
	t_axas = now_ns() - t0;
	info(fd, &in);

	/*
	 * The same work for the kernel: 4 KiB pages (no THP, as axas
	 * populates with 4 KiB leaves), zeroed, charged, page tables built.
	 */
	pt0 = meminfo_kb("PageTables");
	t0 = now_ns();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (madvise(p, len, MADV_NOHUGEPAGE) ||
	    madvise(p, len, MADV_POPULATE_WRITE))
		die("madvise");
	t_kern = now_ns() - t0;
	pt1 = meminfo_kb("PageTables");
	row("populate", pages, t_axas, t_kern, "MADV_POPULATE_WRITE");

	printf("%-10s axas %llu table pages (%.1f KiB per MiB mapped)  kernel PageTables +%ld KiB (%.1f KiB per MiB)\n",
	       "tables", (unsigned long long)in.table_pages,
	       in.table_pages * 4.0 / (len >> 20), pt1 - pt0,
	       (double)(pt1 - pt0) / (len >> 20));

	t0 = now_ns();
	unmap(fd, GPA_BASE, len);
	t_unmap = now_ns() - t0;
	t0 = now_ns();
	munmap(p, len);
	t_munmap = now_ns() - t0;
	row("unmap", pages, t_unmap, t_munmap, "munmap");
	close(fd);
}

static void bench_fault_translate(uint64_t len)
{
	uint64_t pages = len / PAGE, i;
	double t0, t_axas, t_kern;
	volatile char *p;
	uint64_t entry;
	int fd = new_space(GPA_BASE + len), pm;

	map_alloc(fd, GPA_BASE, len, AXAS_MAP_READ | AXAS_MAP_WRITE);
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		if (fault(fd, GPA_BASE + i * PAGE, AXAS_MAP_WRITE) !=
		    AXAS_FAULT_HANDLED) {
			fprintf(stderr, "fault: unexpected result\n");
			exit(1);
		}
	t_axas = now_ns() - t0;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	madvise((void *)p, len, MADV_NOHUGEPAGE);
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		p[i * PAGE] = 1;
	t_kern = now_ns() - t0;
	row("fault", pages, t_axas, t_kern, "anonymous first touch");

	t0 = now_ns();
	for (i = 0; i < pages; i++) {
		struct axas_translate x = {
			.size = sizeof(x), .gpa = GPA_BASE + i * PAGE,
		};

		if (ioctl(fd, AXAS_IOC_TRANSLATE, &x))
			die("AXAS_IOC_TRANSLATE");
	}
	t_axas = now_ns() - t0;

	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		die("/proc/self/pagemap");
	t0 = now_ns();
	for (i = 0; i < pages; i++) {
		uint64_t va = (uint64_t)(uintptr_t)p + i * PAGE;

		if (pread(pm, &entry, sizeof(entry), va / PAGE * 8) != 8)
			die("pagemap");
	}
	t_kern = now_ns() - t0;
	row("translate", pages, t_axas, t_kern, "pread(pagemap)");
	close(pm);
	munmap((void *)p, len);
	close(fd);
}

struct worker {
	int fd;
	uint64_t first;
	uint64_t pages;
	int stride;
};

static void *fault_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t i;

	for (i = 0; i < w->pages; i++)
		fault(w->fd, GPA_BASE + (w->first + i * w->stride) * PAGE,
		      AXAS_MAP_WRITE);
	return NULL;
}

static void bench_parallel(uint64_t len, int threads)
{
	uint64_t pages = len / PAGE;
	pthread_t tid[64];
	struct worker w[64];
	double t0, t_one, t_many;
	struct axas_info in;
	int fd, i;

	fd = new_space(GPA_BASE + len);
	map_alloc(fd, GPA_BASE, len, AXAS_MAP_READ | AXAS_MAP_WRITE);
	w[0] = (struct worker){ .fd = fd, .first = 0, .pages = pages,
				.stride = 1 };
	t0 = now_ns();
	fault_worker(&w[0]);
	t_one = now_ns() - t0;
	close(fd);

	fd = new_space(GPA_BASE + len);
	map_alloc(fd, GPA_BASE, len, AXAS_MAP_READ | AXAS_MAP_WRITE);
	t0 = now_ns();
	for (i = 0; i < threads; i++) {
		w[i] = (struct worker){ .fd = fd, .first = i,
					.pages = pages / threads,
					.stride = threads };
		pthread_create(&tid[i], NULL, fault_worker, &w[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	t_many = now_ns() - t0;
	info(fd, &in);
	printf("%-10s %8llu pages  1 thread %8.0f ns/page  %d threads %8.0f ns/page  speed-up %.2f  data_pages %llu\n",
	       "parallel", (unsigned long long)pages, t_one / pages, threads,
	       t_many / pages, t_one / t_many,
	       (unsigned long long)in.data_pages);
	close(fd);
}

/* The writer of the latency run: map and unmap a large range, again and again. */
struct writer {
	int fd;
	uint64_t gpa, hpa, len;
	volatile int stop;
	volatile int started;
	int cycles;
	double ns;
};

static void *writer_loop(void *arg)
{
	struct writer *w = arg;
	double t0;

	while (!w->stop) {
		t0 = now_ns();
		w->started = 1;
		map_linear(w->fd, w->gpa, w->hpa, w->len,
			   AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_NOHUGE);
		unmap(w->fd, w->gpa, w->len);
		w->ns += now_ns() - t0;
		w->cycles++;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define LAT_PAGES	8192		/* 32 MiB of lazy pages per round */
#define LAT_ROUNDS	4
#define LAT_GPA		GPA_BASE
#define WRITER_GPA	(16ULL << 30)
#define WRITER_HPA	(64ULL << 30)	/* not RAM: axas only builds the table */

/* Fault every page of a fresh lazy region, each fault timed on its own. */
static void fault_rounds(int fd, double *lat)
{
	uint64_t i, r, n = 0;
	double t0;

	for (r = 0; r < LAT_ROUNDS; r++) {
		map_alloc(fd, LAT_GPA, LAT_PAGES * PAGE,
			  AXAS_MAP_READ | AXAS_MAP_WRITE);
		for (i = 0; i < LAT_PAGES; i++) {
			t0 = now_ns();
			if (fault(fd, LAT_GPA + i * PAGE, AXAS_MAP_WRITE) !=
			    AXAS_FAULT_HANDLED) {
				fprintf(stderr, "fault at %#llx not handled\n",
					(unsigned long long)(LAT_GPA + i * PAGE));
				exit(1);
			}
			lat[n++] = now_ns() - t0;
		}
		unmap(fd, LAT_GPA, LAT_PAGES * PAGE);
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
}

static void bench_latency(uint64_t writer_len)
{
	uint64_t n = LAT_PAGES * LAT_ROUNDS;
	double *idle = calloc(n, sizeof(double));
	double *busy = calloc(n, sizeof(double));
	struct writer w = { .gpa = WRITER_GPA, .hpa = WRITER_HPA,
			    .len = writer_len };
	pthread_t tid;
	int fd;

	if (!idle || !busy)
		die("calloc");
	fd = new_space(WRITER_GPA + writer_len);
	w.fd = fd;
	fault_rounds(fd, idle);

	pthread_create(&tid, NULL, writer_loop, &w);
	while (!w.started)
		usleep(100);
	usleep(20000);		/* well inside its first map */
	fault_rounds(fd, busy);
	w.stop = 1;
	pthread_join(tid, NULL);
	close(fd);

	printf("%-10s %8llu faults  idle: median %6.1f us  p99 %6.1f us  max %7.1f us\n",
	       "latency", (unsigned long long)n, idle[n / 2] / 1e3,
	       idle[n * 99 / 100] / 1e3, idle[n - 1] / 1e3);
	printf("%-10s %8s         busy: median %6.1f us  p99 %6.1f us  max %7.1f us"
	       "  p99 ratio %.2f  (%llu GiB map+unmap, 4 KiB leaves: %d cycles, %.0f ms each)\n",
	       "", "", busy[n / 2] / 1e3, busy[n * 99 / 100] / 1e3,
	       busy[n - 1] / 1e3, busy[n * 99 / 100] / idle[n * 99 / 100],
	       (unsigned long long)(writer_len >> 30), w.cycles,
	       w.cycles ? w.ns / w.cycles / 1e6 : 0.0);
	free(idle);
	free(busy);
}

int main(int argc, char **argv)
{
	uint64_t mib = 64, writer_gib = 8;
	int threads = 2, opt;

	while ((opt = getopt(argc, argv, "m:t:w:")) != -1) {
		switch (opt) {
		case 'm':
			mib = strtoull(optarg, NULL, 0);
			break;
		case 't':
			threads = atoi(optarg);
			if (threads < 1 || threads > 64)
				threads = 2;
			break;
		case 'w':
			writer_gib = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-m MiB] [-t threads] [-w GiB]\n",
				argv[0]);
			return 2;
		}
	}
	dev_fd = open("/dev/axas", O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die("/dev/axas");
	printf("axas-bench: %llu MiB, 4 KiB pages, EPT4; kernel baseline in the same run\n",
	       (unsigned long long)mib);
	bench_populate_unmap(mib << 20);
	bench_fault_translate(mib << 20);
	bench_parallel(mib << 20, threads);
	if (writer_gib)
		bench_latency(writer_gib << 30);
	return 0;
}
