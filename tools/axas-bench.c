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
 * Guest RAM (-g runs only these):
 *   huge       AXAS_MAP_HUGE first touch, FAULT per 2 MiB
 *                                          vs THP first touch (MADV_HUGEPAGE)
 *                                          and axas 4 KiB FAULT per page
 *   map-user   MAP_USER of populated memory vs mlock of the same memory
 *   vmm-touch  first touch through an mmap of the space
 *                                          vs first touch of anonymous pages
 *                                          (medians of 3 alternating rounds)
 *   memcpy     memcpy through the mmap      vs pread in 4 KiB calls,
 *                                          and the same two for a memfd
 *                                          (the kernel's shmem): the most
 *                                          pread can lose on this CPU
 *   first-pass memcpy through a fresh mmap of populated guest RAM (VMM
 *              faults, fault-around)       vs the same for the memfd
 *   read8      an 8-byte load per page through the mmap
 *                                          vs an 8-byte pread per page
 *                                          (and the same for the memfd)
 *
 * Hot paths (-H runs only these), medians of 5 runs in one boot:
 *   FAULT (spurious) and TRANSLATE ioctls  vs a null ioctl on the same fd
 *   MAP_LINEAR|NOHUGE + UNMAP per entry    vs mprotect twice, per PTE
 *   in-kernel axas_translate() and spurious axas_handle_page_fault()
 *                                          vs get_user_pages_fast() of one
 *                                          page (debugfs "bench" file)
 *   TRANSLATE from 2 threads over 1 while a third maps and unmaps
 *                                          vs the same for the null ioctl
 *
 * Dirty tracking (-D runs only these), against soft-dirty of the same
 * amount of process memory in the same boot:
 *   arm        SET_DIRTY_TRACKING of populated memory
 *                                          vs echo 4 > /proc/self/clear_refs
 *   harvest    GET_DIRTY_BITMAP with 1% of the pages written
 *                                          vs reading /proc/self/pagemap
 *   logged     a tracked write (FAULT ioctl, AXAS_FAULT_LOGGED) per page
 *                                          vs a write fault on a soft-dirty
 *                                          clean page
 *
 * Usage: axas-bench [-m MiB] [-t threads] [-w GiB] [-u MiB] [-d MiB] [-G MiB] [-g] [-H] [-D] [-c]
 *        (-w 0: no latency run; -u: MAP_USER size; -d: dirty-tracking size;
 *         -G: HUGE first-touch size, a multiple of 2;
 *         -g: guest RAM only; -H: hot paths only; -D: dirty tracking only;
 *         -c: only the memfd half of the memcpy row, without /dev/axas, so
 *         that it can run on the host's own CPU)
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
	/* a hint: a kernel without THP (PREEMPT_RT) refuses it, EINVAL */
	madvise(p, len, MADV_NOHUGEPAGE);
	if (madvise(p, len, MADV_POPULATE_WRITE))
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

/* ---- hot paths: each beside the null ioctl or the kernel, medians ------- */

#define HOT_REPS	5
#define HOT_CALLS	20000
#define HOT_PAGES	64		/* the pages the lookups cycle over */
#define HOT_MAP_LEN	(64ULL << 20)	/* 16384 entries of 4 KiB */
#define HOT_MAP_GPA	(1ULL << 40)
#define HOT_MAP_HPA	(64ULL << 30)	/* not RAM: axas only builds the table */
#define HOT_NULL_IOC	_IO(AXAS_TYPE, 0x7f)	/* no such ioctl: -ENOTTY */

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ns per call of one ioctl over the HOT_PAGES pages, @calls times. */
static double hot_ioctl_n(int fd, unsigned long cmd, int calls)
{
	struct axas_translate x;
	struct axas_fault f;
	double t0 = now_ns();
	int i;

	for (i = 0; i < calls; i++) {
		uint64_t gpa = GPA_BASE + (i % HOT_PAGES) * PAGE;

		if (cmd == AXAS_IOC_TRANSLATE) {
			x = (struct axas_translate){ .size = sizeof(x), .gpa = gpa };
			if (ioctl(fd, cmd, &x))
				die("AXAS_IOC_TRANSLATE");
		} else if (cmd == AXAS_IOC_FAULT) {
			f = (struct axas_fault){ .size = sizeof(f), .gpa = gpa,
						 .access = AXAS_MAP_READ };
			if (ioctl(fd, cmd, &f) || f.result != AXAS_FAULT_SPURIOUS)
				die("AXAS_IOC_FAULT (spurious)");
		} else if (ioctl(fd, cmd, &x) != -1 || errno != ENOTTY) {
			die("null ioctl");
		}
	}
	return (now_ns() - t0) / calls;
}

/*
 * The machine is shared and its load moves within a second: the three
 * ioctls take turns in chunks of HOT_CALLS / HOT_CHUNKS calls, and each
 * one's figure is the median of its chunks, so that they see the same load.
 */
#define HOT_CHUNKS	200

static void hot_ioctls(int fd, double *nul, double *flt, double *xl)
{
	double c_nul[HOT_CHUNKS], c_flt[HOT_CHUNKS], c_xl[HOT_CHUNKS];
	int c, n = HOT_CALLS / HOT_CHUNKS;

	for (c = 0; c < HOT_CHUNKS; c++) {
		c_nul[c] = hot_ioctl_n(fd, HOT_NULL_IOC, n);
		c_flt[c] = hot_ioctl_n(fd, AXAS_IOC_FAULT, n);
		c_xl[c] = hot_ioctl_n(fd, AXAS_IOC_TRANSLATE, n);
	}
	*nul = median(c_nul, HOT_CHUNKS);
	*flt = median(c_flt, HOT_CHUNKS);
	*xl = median(c_xl, HOT_CHUNKS);
}

/* The in-kernel figures of the space's debugfs "bench" file, or 0. */
static int hot_kernel(int fd, void *va, double *out)
{
	char path[96], buf[160];
	unsigned int calls;
	unsigned long long t, f, g;
	int bfd, n;

	snprintf(path, sizeof(path), "/sys/kernel/debug/axas/%d-%d/bench",
		 (int)getpid(), fd);
	bfd = open(path, O_RDWR);
	if (bfd < 0)
		return 0;
	n = snprintf(buf, sizeof(buf), "%llx %llx %u", GPA_BASE,
		     (unsigned long long)(uintptr_t)va, HOT_CALLS);
	if (write(bfd, buf, n) != n)
		die("bench write");
	n = pread(bfd, buf, sizeof(buf) - 1, 0);
	close(bfd);
	if (n <= 0)
		die("bench read");
	buf[n] = '\0';
	if (sscanf(buf, "calls %u translate_ns %llu fault_ns %llu gup_ns %llu",
		   &calls, &t, &f, &g) != 4)
		return 0;
	out[0] = t;
	out[1] = f;
	out[2] = g;
	return 1;
}

static void hot_row(const char *what, double a, const char *ref_what,
		    double ref, const char *goal)
{
	printf("%-34s %9.0f ns  %-32s %9.0f ns  ratio %5.2f  (goal %s)\n",
	       what, a, ref_what, ref, a / ref, goal);
}

/*
 * Lookups from two threads while a third maps and unmaps 4 KiB leaves in
 * the same space: throughput with two threads over one, for TRANSLATE and,
 * as the ceiling the machine allows, for the null ioctl.
 */
#define HOT_PAR_MS	200

struct hot_thread {
	int fd;
	unsigned long cmd;
	volatile int *stop;
	uint64_t calls;
};

static void *hot_loop(void *arg)
{
	struct hot_thread *h = arg;

	while (!*h->stop) {
		hot_ioctl_n(h->fd, h->cmd, 100);
		h->calls += 100;
	}
	return NULL;
}

static void *hot_writer(void *arg)
{
	struct hot_thread *h = arg;

	while (!*h->stop) {
		map_linear(h->fd, HOT_MAP_GPA, HOT_MAP_HPA, HOT_MAP_LEN,
			   AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_NOHUGE);
		unmap(h->fd, HOT_MAP_GPA, HOT_MAP_LEN);
		h->calls++;
	}
	return NULL;
}

/* Calls per second of @n threads issuing @cmd. */
static double hot_rate(int fd, unsigned long cmd, int n)
{
	volatile int stop = 0;
	struct hot_thread h[2];
	pthread_t tid[2];
	double t0, rate = 0;
	int i;

	for (i = 0; i < n; i++) {
		h[i] = (struct hot_thread){ .fd = fd, .cmd = cmd, .stop = &stop };
		pthread_create(&tid[i], NULL, hot_loop, &h[i]);
	}
	t0 = now_ns();
	usleep(HOT_PAR_MS * 1000);
	stop = 1;
	for (i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		rate += h[i].calls;
	}
	return rate * 1e9 / (now_ns() - t0);
}

static void bench_hot_parallel(int fd)
{
	double xs[HOT_REPS], ns[HOT_REPS];
	volatile int stop = 0;
	struct hot_thread w = { .fd = fd, .stop = &stop };
	pthread_t wtid;
	int r;

	pthread_create(&wtid, NULL, hot_writer, &w);
	for (r = 0; r < HOT_REPS; r++) {
		double x1 = hot_rate(fd, AXAS_IOC_TRANSLATE, 1);
		double n1 = hot_rate(fd, HOT_NULL_IOC, 1);
		double x2 = hot_rate(fd, AXAS_IOC_TRANSLATE, 2);
		double n2 = hot_rate(fd, HOT_NULL_IOC, 2);

		xs[r] = x2 / x1;
		ns[r] = n2 / n1;
	}
	stop = 1;
	pthread_join(wtid, NULL);
	printf("%-34s %9.2fx     %-32s %9.2fx     ratio %5.2f  (goal >= 1.6x, ratio >= 1.0; %llu map+unmap cycles meanwhile)\n",
	       "TRANSLATE, 2 threads / 1, writer", median(xs, HOT_REPS),
	       "null ioctl, 2 threads / 1", median(ns, HOT_REPS),
	       median(xs, HOT_REPS) / median(ns, HOT_REPS),
	       (unsigned long long)w.calls);
}

static void bench_hot(void)
{
	double nul[HOT_REPS], xl[HOT_REPS], flt[HOT_REPS], map[HOT_REPS];
	double mprot[HOT_REPS], kx[HOT_REPS], kf[HOT_REPS], kg[HOT_REPS];
	uint64_t entries = HOT_MAP_LEN / PAGE, i;
	double t0, k[3] = { 0 };
	int fd, r, have_k = 1;
	char *p;

	fd = new_space(HOT_MAP_GPA + HOT_MAP_LEN);
	map_alloc(fd, GPA_BASE, HOT_PAGES * PAGE, AXAS_MAP_READ | AXAS_MAP_WRITE);
	for (i = 0; i < HOT_PAGES; i++)
		if (fault(fd, GPA_BASE + i * PAGE, AXAS_MAP_WRITE) !=
		    AXAS_FAULT_HANDLED)
			die("fault in");
	p = mmap(NULL, HOT_MAP_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, HOT_MAP_LEN, MADV_NOHUGEPAGE);	/* a hint, as above */
	if (madvise(p, HOT_MAP_LEN, MADV_POPULATE_WRITE))
		die("madvise");

	for (r = 0; r < HOT_REPS; r++) {
		hot_ioctls(fd, &nul[r], &flt[r], &xl[r]);

		t0 = now_ns();
		map_linear(fd, HOT_MAP_GPA, HOT_MAP_HPA, HOT_MAP_LEN,
			   AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_NOHUGE);
		unmap(fd, HOT_MAP_GPA, HOT_MAP_LEN);
		map[r] = (now_ns() - t0) / entries;
		t0 = now_ns();
		if (mprotect(p, HOT_MAP_LEN, PROT_READ) ||
		    mprotect(p, HOT_MAP_LEN, PROT_READ | PROT_WRITE))
			die("mprotect");
		mprot[r] = (now_ns() - t0) / entries;

		if (have_k)
			have_k = hot_kernel(fd, p, k);
		kx[r] = k[0];
		kf[r] = k[1];
		kg[r] = k[2];
	}

	printf("hot paths: medians of %d runs, %d calls each (map: %llu entries)\n",
	       HOT_REPS, HOT_CALLS, (unsigned long long)entries);
	hot_row("FAULT ioctl, spurious", median(flt, HOT_REPS),
		"null ioctl", median(nul, HOT_REPS), "<= 1.5");
	hot_row("TRANSLATE ioctl", median(xl, HOT_REPS),
		"null ioctl", median(nul, HOT_REPS), "<= 1.5");
	hot_row("MAP_LINEAR|NOHUGE + UNMAP /entry", median(map, HOT_REPS),
		"mprotect x2 /PTE", median(mprot, HOT_REPS), "<= 1.0");
	if (!have_k) {
		printf("(no /sys/kernel/debug/axas/<pid>-<fd>/bench: no in-kernel figures)\n");
	} else {
		hot_row("in-kernel axas_translate()", median(kx, HOT_REPS),
			"get_user_pages_fast(1)+put", median(kg, HOT_REPS),
			"<= 1.0");
		hot_row("in-kernel page fault, spurious", median(kf, HOT_REPS),
			"get_user_pages_fast(1)+put", median(kg, HOT_REPS), "-");
	}
	bench_hot_parallel(fd);
	munmap(p, HOT_MAP_LEN);
	close(fd);
}

/* ---- guest RAM ---------------------------------------------------------- */

#define SZ_2M		(2ULL << 20)
#define RW		(AXAS_MAP_READ | AXAS_MAP_WRITE)

static void *map_aligned(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap");
	a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + align - a);
	return a;
}

static void ratio_row(const char *what, double a, const char *a_what,
		      double b, const char *b_what, double goal)
{
	printf("%-10s %-26s %9.1f ms  %-30s %9.1f ms  ratio %.2f (goal <= %.2f)\n",
	       what, a_what, a / 1e6, b_what, b / 1e6, a / b, goal);
}

/* Write "always" to the THP switch if we can; returns the old mode. */
static void thp_always(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "w");

	if (f) {
		fputs("always", f);
		fclose(f);
	}
}

/*
 * One round of each first touch. The guest's memory is backed by the
 * emulator lazily: every round after the first finds it backed, so the
 * caller runs two and keeps the second.
 */
static void huge_round(uint64_t len, double *t_huge, double *t_small,
		       double *t_thp, long *thp_mib)
{
	uint64_t blocks = len / SZ_2M, pages = len / PAGE, i;
	double t0;
	long thp0, thp1;
	struct axas_info in;
	volatile char *p;
	int fd;

	fd = new_space(GPA_BASE + len);
	map_alloc(fd, GPA_BASE, len, RW | AXAS_MAP_HUGE);
	t0 = now_ns();
	for (i = 0; i < blocks; i++)
		if (fault(fd, GPA_BASE + i * SZ_2M, AXAS_MAP_WRITE) !=
		    AXAS_FAULT_HANDLED) {
			fprintf(stderr, "huge: unexpected fault result\n");
			exit(1);
		}
	*t_huge = now_ns() - t0;
	info(fd, &in);
	if (in.data_pages != pages) {
		fprintf(stderr, "huge: %llu data pages, want %llu\n",
			(unsigned long long)in.data_pages,
			(unsigned long long)pages);
		exit(1);
	}
	close(fd);

	fd = new_space(GPA_BASE + len);
	map_alloc(fd, GPA_BASE, len, RW);
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		fault(fd, GPA_BASE + i * PAGE, AXAS_MAP_WRITE);
	*t_small = now_ns() - t0;
	close(fd);

	thp_always();
	p = map_aligned(len, SZ_2M);
	madvise((void *)p, len, MADV_HUGEPAGE);
	thp0 = meminfo_kb("AnonHugePages");
	t0 = now_ns();
	for (i = 0; i < blocks; i++)
		p[i * SZ_2M] = 1;
	*t_thp = now_ns() - t0;
	thp1 = meminfo_kb("AnonHugePages");
	munmap((void *)p, len);
	*thp_mib = (thp1 - thp0) >> 10;
}

/*
 * The emulator backs guest memory on first use: touch (and free) most of
 * the guest's free memory once, so that no measured run pays for that and
 * every run finds its memory equally warm.
 */
static void warm_guest_memory(void)
{
	long avail = meminfo_kb("MemAvailable");
	size_t len;
	char *p;

	if (avail < (256 << 10))
		return;
	len = (size_t)(avail - (192 << 10)) << 10;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return;
	madvise(p, len, MADV_POPULATE_WRITE);
	munmap(p, len);
	printf("guest RAM: %zu MiB of guest memory touched once before the runs\n",
	       len >> 20);
}

static void bench_huge(uint64_t len)
{
	double t_huge, t_small, t_thp;
	long thp_mib;

	huge_round(len, &t_huge, &t_small, &t_thp, &thp_mib);
	huge_round(len, &t_huge, &t_small, &t_thp, &thp_mib);
	printf("huge       %llu MiB first touch (second round): THP gave %ld of %llu MiB\n",
	       (unsigned long long)(len >> 20), thp_mib,
	       (unsigned long long)(len >> 20));
	ratio_row("huge", t_huge, "axas HUGE, FAULT per 2M", t_thp,
		  "THP first touch", 1.0);
	ratio_row("huge", t_huge, "axas HUGE, FAULT per 2M", t_small,
		  "axas 4K, FAULT per 4K", 0.3);
}

static int map_user(int fd, uint64_t gpa, uint64_t len, void *va)
{
	struct axas_map_user m = {
		.size = sizeof(m), .flags = RW, .gpa = gpa, .length = len,
		.user_va = (uintptr_t)va,
	};

	return ioctl(fd, AXAS_IOC_MAP_USER, &m);
}

static void bench_map_user(uint64_t len)
{
	double t0, t_map, t_mlock;
	char *p = map_aligned(len, SZ_2M);
	int fd = new_space(GPA_BASE + len);

	/* already populated memory, 4 KiB pages: the pin does the work */
	madvise(p, len, MADV_NOHUGEPAGE);
	if (madvise(p, len, MADV_POPULATE_WRITE))
		die("MADV_POPULATE_WRITE");
	t0 = now_ns();
	if (map_user(fd, GPA_BASE, len, p))
		die("AXAS_IOC_MAP_USER");
	t_map = now_ns() - t0;
	unmap(fd, GPA_BASE, len);
	close(fd);
	t0 = now_ns();
	if (mlock(p, len))
		die("mlock");
	t_mlock = now_ns() - t0;
	munlock(p, len);
	munmap(p, len);
	printf("map-user   %llu MiB of populated anonymous memory\n",
	       (unsigned long long)(len >> 20));
	ratio_row("map-user", t_map, "MAP_USER", t_mlock, "mlock", 1.5);
}

/*
 * The same @len bytes read twice: one memcpy() through the mapping (warm:
 * a first memcpy faults the pages in), then pread() in 4 KiB calls into
 * the same buffer. Prints the speed-up and returns it.
 */
static double copy_vs_pread(const char *what, int fd, off_t off,
			    const char *map, char *buf, uint64_t len)
{
	uint64_t i;
	double t0, t_copy, t_pread;

	memcpy(buf, map, len);
	t0 = now_ns();
	memcpy(buf, map, len);
	t_copy = now_ns() - t0;
	t0 = now_ns();
	for (i = 0; i < len / PAGE; i++)
		if (pread(fd, buf + i * PAGE, PAGE, off + i * PAGE) !=
		    (ssize_t)PAGE)
			die("pread");
	t_pread = now_ns() - t0;
	printf("%-10s %-26s %9.1f ms  %-30s %9.1f ms  speed-up %.1fx\n",
	       what, "memcpy via mmap", t_copy / 1e6, "pread, 4 KiB per call",
	       t_pread / 1e6, t_pread / t_copy);
	return t_pread / t_copy;
}

/*
 * What a VMM does most: small reads (a virtio descriptor, a ring index),
 * one 8-byte word per page, through the mapping or a pread each. The copy
 * no longer hides the system call. Each word read is first given a value
 * of its own, and both ways must read the same words.
 */
static double load_vs_pread8(const char *what, int fd, off_t off,
			     char *map, uint64_t len)
{
	uint64_t pages = len / PAGE, i, sum = 0, w;
	double t0, t_load, t_pread;

	for (i = 0; i < pages; i++)
		*(uint64_t *)(map + i * PAGE + 8 * (i & 511)) =
			(i + 1) * 0x9e3779b97f4a7c15ull;
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		sum += *(volatile uint64_t *)(map + i * PAGE + 8 * (i & 511));
	t_load = now_ns() - t0;
	t0 = now_ns();
	for (i = 0; i < pages; i++) {
		if (pread(fd, &w, 8, off + i * PAGE + 8 * (i & 511)) != 8)
			die("pread of 8 bytes");
		sum -= w;
	}
	t_pread = now_ns() - t0;
	if (sum)
		die("8-byte reads: mmap and pread disagree");
	printf("%-10s %-26s %9.1f ms  %-30s %9.1f ms  speed-up %.1fx\n",
	       what, "8-byte loads via mmap", t_load / 1e6,
	       "pread of 8 bytes per word", t_pread / 1e6, t_pread / t_load);
	return t_pread / t_load;
}

/*
 * The kernel's own shared memory (a memfd, shmem) read both ways: the
 * most a copy through a mapping can gain over pread() of the same bytes
 * on this CPU, since pread() is a system call plus the same copy. It
 * needs no /dev/axas, so `axas-bench -c` runs it on the host's own
 * hardware.
 */
static double bench_shmem_copy(uint64_t len, double *first)
{
	int fd = memfd_create("axas-bench", 0);
	char *buf = malloc(len), *m;
	double gain, t0;

	if (fd < 0 || !buf || ftruncate(fd, len))
		die("memfd");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap of the memfd");
	memset(m, 3, len);
	/* a fresh mapping of the populated file: the first pass faults */
	munmap(m, len);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap of the memfd");
	memset(buf, 1, len);
	t0 = now_ns();
	memcpy(buf, m, len);
	*first = now_ns() - t0;
	printf("memcpy-shm %llu MiB: first pass through a fresh mmap (faults included) %.1f ms\n",
	       (unsigned long long)(len >> 20), *first / 1e6);
	gain = copy_vs_pread("memcpy-shm", fd, 0, m, buf, len);
	printf("memcpy-shm the kernel's shmem (memfd) read both ways: the ceiling of the memcpy row on this CPU\n");
	load_vs_pread8("read8-shm", fd, 0, m, len);
	munmap(m, len);
	close(fd);
	free(buf);
	return gain;
}

/* Rounds of the VMM first touch, each side alternating first: medians. */
#define TOUCH_ROUNDS	3

/* One first touch of @len of lazy guest RAM through a fresh mmap, in ns. */
static double vmm_touch_round(int fd, uint64_t len)
{
	volatile char *m;
	uint64_t i;
	double t0;

	map_alloc(fd, GPA_BASE, len, RW);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, GPA_BASE);
	if (m == MAP_FAILED)
		die("mmap of the space");
	t0 = now_ns();
	for (i = 0; i < len / PAGE; i++)
		m[i * PAGE] = 1;
	t0 = now_ns() - t0;
	munmap((void *)m, len);
	unmap(fd, GPA_BASE, len);
	return t0;
}

/* The same for anonymous memory (4 KiB pages), in ns. */
static double anon_touch_round(uint64_t len)
{
	volatile char *a;
	uint64_t i;
	double t0;

	a = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		die("mmap");
	madvise((void *)a, len, MADV_NOHUGEPAGE);
	t0 = now_ns();
	for (i = 0; i < len / PAGE; i++)
		a[i * PAGE] = 1;
	t0 = now_ns() - t0;
	munmap((void *)a, len);
	return t0;
}

static void bench_vmm(uint64_t len)
{
	double t0, t_copy, gain, ceiling, t_shm_first;
	double t_axas[TOUCH_ROUNDS], t_anon[TOUCH_ROUNDS];
	volatile char *m;
	char *buf = malloc(len);
	int fd = new_space(GPA_BASE + len);
	int r;

	if (!buf)
		die("malloc");
	memset(buf, 1, len);
	/* rounds move by tens of percent here: alternate, keep the medians */
	for (r = 0; r < TOUCH_ROUNDS; r++) {
		if (r & 1) {
			t_anon[r] = anon_touch_round(len);
			t_axas[r] = vmm_touch_round(fd, len);
		} else {
			t_axas[r] = vmm_touch_round(fd, len);
			t_anon[r] = anon_touch_round(len);
		}
	}
	ratio_row("vmm-touch", median(t_axas, TOUCH_ROUNDS),
		  "first touch via mmap", median(t_anon, TOUCH_ROUNDS),
		  "anonymous first touch", 1.2);

	/* populated guest RAM, mapped: memcpy vs pread per 4 KiB */
	map_alloc(fd, GPA_BASE, len, RW | AXAS_MAP_POPULATE);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, GPA_BASE);
	if (m == MAP_FAILED)
		die("mmap of the space");
	t0 = now_ns();
	memcpy(buf, (void *)m, len);
	t_copy = now_ns() - t0;
	printf("memcpy     %llu MiB: first pass through a fresh mmap (faults included) %.1f ms\n",
	       (unsigned long long)(len >> 20), t_copy / 1e6);
	gain = copy_vs_pread("memcpy", fd, GPA_BASE, (void *)m, buf, len);
	load_vs_pread8("read8", fd, GPA_BASE, (void *)m, len);
	ceiling = bench_shmem_copy(len, &t_shm_first);
	printf("memcpy     speed-up %.1fx against the kernel's %.1fx for shmem: %.2f of the ceiling (goal >= 10x, see README)\n",
	       gain, ceiling, gain / ceiling);
	printf("%-10s %-26s %9.1f ms  %-30s %9.1f ms  ratio %.2f\n", "first-pass",
	       "memcpy, fresh mmap", t_copy / 1e6, "the same for the memfd",
	       t_shm_first / 1e6, t_copy / t_shm_first);
	munmap((void *)m, len);
	close(fd);
	free(buf);
}

static void dirty_set(int fd, uint64_t gpa, uint64_t len, uint32_t flags)
{
	struct axas_range r = { .size = sizeof(r), .flags = flags, .gpa = gpa,
				.length = len };

	if (ioctl(fd, AXAS_IOC_SET_DIRTY_TRACKING, &r))
		die("SET_DIRTY_TRACKING");
}

static void clear_refs(void)
{
	int f = open("/proc/self/clear_refs", O_WRONLY);

	if (f < 0 || write(f, "4", 1) != 1)
		die("/proc/self/clear_refs");
	close(f);
}

/* Soft-dirty pages of [va, va + len) from pagemap (bit 55). */
static uint64_t pagemap_soft_dirty(int pm, const char *va, uint64_t len,
				   uint64_t *buf)
{
	uint64_t pages = len / PAGE, i, n = 0;
	size_t bytes = pages * 8;

	if (pread(pm, buf, bytes, (uintptr_t)va / PAGE * 8) != (ssize_t)bytes)
		die("pagemap");
	for (i = 0; i < pages; i++)
		n += buf[i] >> 55 & 1;
	return n;
}

static void bench_dirty(uint64_t len)
{
	uint64_t pages = len / PAGE, i, n, *bm, *pmbuf;
	double t0, t_arm, t_clear, t_get, t_pm, t_log, t_sd;
	struct axas_dirty_bitmap d = { .size = sizeof(d), .length = len };
	int fd = new_space(len), pm;
	char *mem;

	bm = calloc(pages / 64 + 1, 8);
	pmbuf = malloc(pages * 8);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (!bm || !pmbuf || mem == MAP_FAILED || pm < 0)
		die("dirty bench setup");
	madvise(mem, len, MADV_NOHUGEPAGE);
	memset(mem, 1, len);
	map_alloc(fd, 0, len, AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_POPULATE);
	d.bitmap = (uintptr_t)bm;

	/* arming: every page made clean */
	t0 = now_ns();
	dirty_set(fd, 0, len, AXAS_DIRTY_ENABLE);
	t_arm = now_ns() - t0;
	t0 = now_ns();
	clear_refs();
	t_clear = now_ns() - t0;
	ratio_row("arm", t_arm, "SET_DIRTY_TRACKING", t_clear,
		  "clear_refs 4 (soft-dirty)", 1.0);

	/* 1% written, then harvested */
	for (i = 0; i < pages; i += 100) {
		if (fault(fd, i * PAGE, AXAS_MAP_WRITE) != AXAS_FAULT_LOGGED)
			die("tracked write not logged");
		mem[i * PAGE] = 2;
	}
	t0 = now_ns();
	if (ioctl(fd, AXAS_IOC_GET_DIRTY_BITMAP, &d))
		die("GET_DIRTY_BITMAP");
	t_get = now_ns() - t0;
	for (i = 0, n = 0; i < pages / 64 + 1; i++)
		n += __builtin_popcountll(bm[i]);
	if (n != (pages + 99) / 100)
		die("harvest: wrong number of dirty pages");
	t0 = now_ns();
	n = pagemap_soft_dirty(pm, mem, len, pmbuf);
	t_pm = now_ns() - t0;
	if (n < (pages + 99) / 100)
		die("pagemap: soft-dirty pages missing");
	ratio_row("harvest", t_get, "GET_DIRTY_BITMAP (1%)", t_pm,
		  "pagemap read (soft-dirty)", 0.5);

	/* a logged write per page, against a soft-dirty write fault */
	clear_refs();
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		if (fault(fd, i * PAGE, AXAS_MAP_WRITE) != AXAS_FAULT_LOGGED &&
		    i % 100)
			die("tracked write not logged");
	t_log = now_ns() - t0;
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		mem[i * PAGE] = 3;
	t_sd = now_ns() - t0;
	row("logged", pages, t_log, t_sd, "soft-dirty write fault");

	munmap(mem, len);
	close(pm);
	close(fd);
	free(bm);
	free(pmbuf);
}

int main(int argc, char **argv)
{
	uint64_t mib = 64, writer_gib = 8, huge_mib = 256, user_mib = 1024;
	uint64_t dirty_mib = 1024;
	int threads = 2, opt, only_ram = 0, only_hot = 0, only_dirty = 0;
	int only_shm = 0;

	while ((opt = getopt(argc, argv, "m:t:w:u:d:G:gHDc")) != -1) {
		switch (opt) {
		case 'G':
			huge_mib = strtoull(optarg, NULL, 0) & ~1ull;
			if (!huge_mib)
				huge_mib = 2;
			break;
		case 'c':
			only_shm = 1;
			break;
		case 'd':
			dirty_mib = strtoull(optarg, NULL, 0);
			break;
		case 'D':
			only_dirty = 1;
			break;
		case 'g':
			only_ram = 1;
			break;
		case 'H':
			only_hot = 1;
			break;
		case 'u':
			user_mib = strtoull(optarg, NULL, 0);
			break;
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
			fprintf(stderr, "usage: %s [-m MiB] [-t threads] [-w GiB] [-u MiB] [-d MiB] [-G MiB] [-g] [-H] [-D] [-c]\n",
				argv[0]);
			return 2;
		}
	}
	if (only_shm) {
		double first;

		bench_shmem_copy(mib << 20, &first);
		return 0;
	}
	dev_fd = open("/dev/axas", O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die("/dev/axas");
	printf("axas-bench: %llu MiB, 4 KiB pages, EPT4; kernel baseline in the same run\n",
	       (unsigned long long)mib);
	if (only_dirty || (!only_ram && !only_hot)) {
		printf("dirty tracking: %llu MiB\n", (unsigned long long)dirty_mib);
		bench_dirty(dirty_mib << 20);
	}
	if (only_dirty)
		return 0;
	if (!only_ram)
		bench_hot();
	if (only_hot)
		return 0;
	if (!only_ram) {
		bench_populate_unmap(mib << 20);
		bench_fault_translate(mib << 20);
		bench_parallel(mib << 20, threads);
		if (writer_gib)
			bench_latency(writer_gib << 30);
	}
	printf("guest RAM: HUGE %llu MiB, MAP_USER %llu MiB, mmap %llu MiB\n",
	       (unsigned long long)huge_mib, (unsigned long long)user_mib,
	       (unsigned long long)mib);
	warm_guest_memory();
	bench_huge(huge_mib << 20);
	bench_map_user(user_mib << 20);
	bench_vmm(mib << 20);
	return 0;
}
