// SPDX-License-Identifier: GPL-2.0
/*
 * axasctl - drive one axas address space from the command line or a script.
 *
 * Usage: axasctl [-k] [COMMAND ARGS... [; COMMAND ARGS...]...]
 *        axasctl [-k] < script        (one command per line, '#' comments)
 *
 * Commands (numbers accept 0x and K/M/G/T suffixes; flags as "rw,populate"):
 *   new FORMAT BASE LENGTH [GPA_BITS]   (must come first; FORMAT: native,
 *                                        ept4, ept5, arm-s2, sv39x4, ...)
 *   map-alloc GPA LENGTH FLAGS
 *   map-linear GPA LENGTH HPA FLAGS
 *   unmap GPA LENGTH
 *   protect GPA LENGTH FLAGS
 *   fault GPA ACCESS                     (ACCESS: r, w, x, rw, ...)
 *   translate GPA
 *   info
 *   dump [FILE]                          (decoded; raw image into FILE)
 *   read GPA LENGTH                      (hex dump)
 *   write GPA TEXT                       (TEXT as bytes; "hex:0011aa" too)
 *   dirty-track GPA LENGTH on|off        (start or stop dirty tracking)
 *   dirty GPA LENGTH [keep]              (harvest: counts and dirty runs;
 *                                        keep: AXAS_DIRTY_NO_CLEAR)
 *   expect-fail ERRNO COMMAND ARGS...    (succeeds if COMMAND fails so)
 *
 * Exits 0 when every command succeeded; otherwise stops at the first
 * failure (unless -k) and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/axas_util.h"
#include "lib/ptdecode.h"

#define MAX_ARGS	16

static int dev_fd = -1;
static int as_fd = -1;

static const struct {
	const char *name;
	int err;
} errno_names[] = {
	{ "EINVAL", EINVAL }, { "E2BIG", E2BIG }, { "EEXIST", EEXIST },
	{ "EPERM", EPERM }, { "ENOMEM", ENOMEM }, { "EFAULT", EFAULT },
	{ "ENOENT", ENOENT }, { "ENOTTY", ENOTTY }, { "ENOSPC", ENOSPC },
	{ "EIO", EIO }, { "EACCES", EACCES },
};

static int usage_err(const char *cmd)
{
	fprintf(stderr, "axasctl: %s: bad arguments\n", cmd);
	errno = EINVAL;
	return -1;
}

static int need_space(void)
{
	if (as_fd < 0) {
		fprintf(stderr, "axasctl: no address space yet (use 'new')\n");
		errno = EBADF;
		return -1;
	}
	return 0;
}

static int cmd_new(int argc, char **argv)
{
	uint64_t base, length, bits = 0;
	uint32_t format;

	if (argc < 4 || argc > 5 || ax_parse_format(argv[1], &format) ||
	    ax_parse_u64(argv[2], &base) || ax_parse_u64(argv[3], &length) ||
	    (argc == 5 && ax_parse_u64(argv[4], &bits)))
		return usage_err(argv[0]);
	if (as_fd >= 0) {
		fprintf(stderr, "axasctl: one address space per run\n");
		errno = EBUSY;
		return -1;
	}
	if (dev_fd < 0) {
		dev_fd = open(AXAS_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (dev_fd < 0)
			return -1;
	}
	as_fd = ax_new(dev_fd, format, bits, base, length);
	if (as_fd < 0)
		return -1;
	printf("new: fd %d, %s [0x%llx, 0x%llx)\n", as_fd,
	       pt_format_name(format), (unsigned long long)base,
	       (unsigned long long)(base + length));
	return 0;
}

static int cmd_map(int argc, char **argv, unsigned long cmd)
{
	uint64_t gpa, length, hpa = 0;
	uint32_t flags;
	char fb[64];
	int fi = cmd == AXAS_IOC_MAP_LINEAR ? 4 : 3;

	if (argc != fi + 1 || ax_parse_u64(argv[1], &gpa) ||
	    ax_parse_u64(argv[2], &length) ||
	    (cmd == AXAS_IOC_MAP_LINEAR && ax_parse_u64(argv[3], &hpa)) ||
	    ax_parse_flags(argv[fi], &flags))
		return usage_err(argv[0]);
	if (need_space() || ax_map(as_fd, cmd, gpa, length, hpa, flags))
		return -1;
	printf("%s: [0x%llx, 0x%llx) %s\n", argv[0], (unsigned long long)gpa,
	       (unsigned long long)(gpa + length),
	       ax_flags_str(flags, fb, sizeof(fb)));
	return 0;
}

static int cmd_unmap(int argc, char **argv)
{
	uint64_t gpa, length;

	if (argc != 3 || ax_parse_u64(argv[1], &gpa) ||
	    ax_parse_u64(argv[2], &length))
		return usage_err(argv[0]);
	if (need_space() || ax_unmap(as_fd, gpa, length))
		return -1;
	printf("unmap: [0x%llx, 0x%llx)\n", (unsigned long long)gpa,
	       (unsigned long long)(gpa + length));
	return 0;
}

static int cmd_fault(int argc, char **argv)
{
	uint32_t access, result;
	uint64_t gpa;

	if (argc != 3 || ax_parse_u64(argv[1], &gpa) ||
	    ax_parse_flags(argv[2], &access))
		return usage_err(argv[0]);
	if (need_space() || ax_fault(as_fd, gpa, access, &result))
		return -1;
	printf("fault: gpa 0x%llx %s -> %s\n", (unsigned long long)gpa,
	       argv[2], ax_fault_str(result));
	return 0;
}

static int cmd_translate(int argc, char **argv)
{
	struct axas_translate t;
	uint64_t gpa;
	char fb[64];

	if (argc != 2 || ax_parse_u64(argv[1], &gpa))
		return usage_err(argv[0]);
	if (need_space() || ax_translate(as_fd, gpa, &t))
		return -1;
	printf("translate: gpa 0x%llx -> hpa 0x%llx page_size 0x%llx limit 0x%llx %s %s\n",
	       (unsigned long long)gpa, (unsigned long long)t.hpa,
	       (unsigned long long)t.page_size, (unsigned long long)t.limit,
	       ax_flags_str(t.map_flags, fb, sizeof(fb)), ax_kind_str(t.kind));
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct axas_info i;

	if (argc != 1)
		return usage_err(argv[0]);
	if (need_space() || ax_info(as_fd, &i))
		return -1;
	printf("info: format %s levels %u gpa_bits %u base 0x%llx length 0x%llx\n",
	       pt_format_name(i.format), i.levels, i.gpa_bits,
	       (unsigned long long)i.base, (unsigned long long)i.length);
	printf("info: root_pa 0x%llx root_reg 0x%llx\n",
	       (unsigned long long)i.root_pa, (unsigned long long)i.root_reg);
	printf("info: table_pages %llu data_pages %llu nr_regions %llu tlb_gen %llu\n",
	       (unsigned long long)i.table_pages,
	       (unsigned long long)i.data_pages,
	       (unsigned long long)i.nr_regions,
	       (unsigned long long)i.tlb_gen);
	return 0;
}

static int cmd_dump(int argc, char **argv)
{
	struct pt_errors err = { 0 };
	struct pt_image img;
	unsigned int i;
	size_t len;
	void *buf;
	FILE *f;
	int ret = 0;

	if (argc > 2)
		return usage_err(argv[0]);
	if (need_space() || ax_dump(as_fd, &buf, &len))
		return -1;
	if (argc == 2) {
		f = fopen(argv[1], "wb");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
			free(buf);
			return -1;
		}
		printf("dump: %zu bytes written to %s\n", len, argv[1]);
		free(buf);
		return 0;
	}
	if (pt_image_parse(buf, len, &img, &err)) {
		fprintf(stderr, "axasctl: bad image: %s\n", err.first[0]);
		free(buf);
		errno = EPROTO;
		return -1;
	}
	pt_print_ranges(&img, stdout, &err);
	for (i = 0; i < err.count && i < 4; i++)
		printf("problem: %s\n", err.first[i]);
	if (err.count) {
		errno = EPROTO;
		ret = -1;
	}
	pt_image_free(&img);
	free(buf);
	return ret;
}

/* regions [FILE]: list them; FILE gets the raw array for axas-dump -r. */
static int cmd_regions(int argc, char **argv)
{
	struct axas_region_info *r;
	char flags[64];
	uint32_t nr, i;
	FILE *f;

	if (argc > 2)
		return usage_err(argv[0]);
	if (need_space() || ax_regions(as_fd, &r, &nr))
		return -1;
	printf("regions: %u\n", nr);
	for (i = 0; i < nr; i++) {
		printf("region: gpa 0x%llx length 0x%llx %-6s %s",
		       (unsigned long long)r[i].gpa,
		       (unsigned long long)r[i].length, ax_kind_str(r[i].kind),
		       ax_flags_str(r[i].map_flags, flags, sizeof(flags)));
		if (r[i].kind == AXAS_REGION_LINEAR)
			printf(" hpa 0x%llx", (unsigned long long)r[i].hpa);
		if (r[i].kind == AXAS_REGION_USER)
			printf(" user_va 0x%llx",
			       (unsigned long long)r[i].user_va);
		printf("\n");
	}
	if (argc == 2) {
		f = fopen(argv[1], "wb");
		if (!f || fwrite(r, sizeof(*r), nr, f) != nr || fclose(f)) {
			free(r);
			return -1;
		}
	}
	free(r);
	return 0;
}

static int cmd_dirty_track(int argc, char **argv)
{
	struct axas_range r = { .size = sizeof(r) };
	uint64_t gpa, len;

	if (argc != 4 || ax_parse_u64(argv[1], &gpa) ||
	    ax_parse_u64(argv[2], &len) ||
	    (strcmp(argv[3], "on") && strcmp(argv[3], "off")))
		return usage_err(argv[0]);
	r.gpa = gpa;
	r.length = len;
	r.flags = strcmp(argv[3], "on") ? 0 : AXAS_DIRTY_ENABLE;
	if (need_space() || ioctl(as_fd, AXAS_IOC_SET_DIRTY_TRACKING, &r))
		return -1;
	printf("dirty-track: gpa 0x%llx length 0x%llx %s\n",
	       (unsigned long long)r.gpa, (unsigned long long)r.length, argv[3]);
	return 0;
}

/* Harvest and print: how many pages were written, and where (runs). */
static int cmd_dirty(int argc, char **argv)
{
	struct axas_dirty_bitmap d = { .size = sizeof(d) };
	uint64_t pages, i, dirty = 0, runs = 0, start = 0, *bm, gpa, len;
	int in_run = 0, shown = 0;

	if (argc < 3 || argc > 4 || ax_parse_u64(argv[1], &gpa) ||
	    ax_parse_u64(argv[2], &len) ||
	    (argc == 4 && strcmp(argv[3], "keep")))
		return usage_err(argv[0]);
	d.gpa = gpa;
	d.length = len;
	if (argc == 4)
		d.flags = AXAS_DIRTY_NO_CLEAR;
	if (need_space())
		return -1;
	pages = d.length / 4096;
	bm = calloc((pages + 63) / 64 + 1, sizeof(*bm));
	if (!bm)
		return -1;
	d.bitmap = (uintptr_t)bm;
	if (ioctl(as_fd, AXAS_IOC_GET_DIRTY_BITMAP, &d)) {
		free(bm);
		return -1;
	}
	for (i = 0; i <= pages; i++) {
		int set = i < pages && (bm[i / 64] >> (i % 64) & 1);

		dirty += set;
		if (set && !in_run)
			start = i;
		if (!set && in_run) {
			runs++;
			if (shown++ < 16)
				printf("dirty-run: gpa 0x%llx pages %llu\n",
				       (unsigned long long)(d.gpa + start * 4096),
				       (unsigned long long)(i - start));
		}
		in_run = set;
	}
	printf("dirty: gpa 0x%llx pages %llu dirty %llu (%.2f%%) runs %llu%s\n",
	       (unsigned long long)d.gpa, (unsigned long long)pages,
	       (unsigned long long)dirty, pages ? 100.0 * dirty / pages : 0.0,
	       (unsigned long long)runs, argc == 4 ? " (kept)" : "");
	free(bm);
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	uint64_t gpa, length;
	ssize_t n;
	void *buf;

	if (argc != 3 || ax_parse_u64(argv[1], &gpa) ||
	    ax_parse_u64(argv[2], &length) || length > (64 << 20))
		return usage_err(argv[0]);
	if (need_space())
		return -1;
	buf = malloc(length ? length : 1);
	if (!buf)
		return -1;
	n = pread(as_fd, buf, length, gpa);
	if (n < 0) {
		free(buf);
		return -1;
	}
	printf("read: %zd of %llu bytes at 0x%llx\n", n,
	       (unsigned long long)length, (unsigned long long)gpa);
	ax_hexdump(buf, n, gpa);
	free(buf);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int cmd_write(int argc, char **argv)
{
	unsigned char *data;
	const char *s;
	uint64_t gpa;
	size_t len, i;
	ssize_t n;

	if (argc != 3 || ax_parse_u64(argv[1], &gpa))
		return usage_err(argv[0]);
	if (need_space())
		return -1;
	s = argv[2];
	if (!strncmp(s, "hex:", 4)) {
		s += 4;
		len = strlen(s) / 2;
		if (strlen(s) % 2)
			return usage_err(argv[0]);
		data = malloc(len + 1);
		if (!data)
			return -1;
		for (i = 0; i < len; i++) {
			int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				free(data);
				return usage_err(argv[0]);
			}
			data[i] = hi << 4 | lo;
		}
	} else {
		len = strlen(s);
		data = (unsigned char *)strdup(s);
		if (!data)
			return -1;
	}
	n = pwrite(as_fd, data, len, gpa);
	free(data);
	if (n < 0)
		return -1;
	printf("write: %zd of %zu bytes at 0x%llx\n", n, len,
	       (unsigned long long)gpa);
	return 0;
}

static int run_cmd(int argc, char **argv);

static int cmd_expect_fail(int argc, char **argv)
{
	unsigned int i;
	int want = -1;

	if (argc < 3)
		return usage_err(argv[0]);
	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (!strcmp(argv[1], errno_names[i].name))
			want = errno_names[i].err;
	if (want < 0)
		return usage_err(argv[0]);
	if (!run_cmd(argc - 2, argv + 2)) {
		fprintf(stderr, "axasctl: %s succeeded, expected %s\n",
			argv[2], argv[1]);
		errno = EPROTO;
		return -1;
	}
	if (errno != want) {
		fprintf(stderr, "axasctl: %s failed with %s, expected %s\n",
			argv[2], strerror(errno), argv[1]);
		return -1;
	}
	printf("expect-fail: %s failed with %s as expected\n", argv[2],
	       argv[1]);
	return 0;
}

static int run_cmd(int argc, char **argv)
{
	const char *c = argv[0];

	if (!strcmp(c, "new"))
		return cmd_new(argc, argv);
	if (!strcmp(c, "map-alloc"))
		return cmd_map(argc, argv, AXAS_IOC_MAP_ALLOC);
	if (!strcmp(c, "map-linear"))
		return cmd_map(argc, argv, AXAS_IOC_MAP_LINEAR);
	if (!strcmp(c, "protect"))
		return cmd_map(argc, argv, AXAS_IOC_PROTECT);
	if (!strcmp(c, "unmap"))
		return cmd_unmap(argc, argv);
	if (!strcmp(c, "fault"))
		return cmd_fault(argc, argv);
	if (!strcmp(c, "translate"))
		return cmd_translate(argc, argv);
	if (!strcmp(c, "info"))
		return cmd_info(argc, argv);
	if (!strcmp(c, "dump"))
		return cmd_dump(argc, argv);
	if (!strcmp(c, "regions"))
		return cmd_regions(argc, argv);
	if (!strcmp(c, "read"))
		return cmd_read(argc, argv);
	if (!strcmp(c, "write"))
		return cmd_write(argc, argv);
	if (!strcmp(c, "dirty-track"))
		return cmd_dirty_track(argc, argv);
	if (!strcmp(c, "dirty"))
		return cmd_dirty(argc, argv);
	if (!strcmp(c, "expect-fail"))
		return cmd_expect_fail(argc, argv);
	fprintf(stderr, "axasctl: unknown command '%s'\n", c);
	errno = EINVAL;
	return -1;
}

/* Run one command; report a failure. Returns 0 or 1. */
static int run_one(int argc, char **argv)
{
	if (!argc)
		return 0;
	if (run_cmd(argc, argv)) {
		fprintf(stderr, "axasctl: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	return 0;
}

static int run_line(char *line)
{
	char *argv[MAX_ARGS + 1], *save = NULL, *tok;
	int argc = 0;

	tok = strchr(line, '#');
	if (tok)
		*tok = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == MAX_ARGS)
			return usage_err(argv[0]) ? 1 : 0;
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	return run_one(argc, argv);
}

int main(int argc, char **argv)
{
	int keep_going = 0, failed = 0, start, i;
	char line[1024];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-k")) {
		keep_going = 1;
		argv++;
		argc--;
	}
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fprintf(stderr,
			"usage: axasctl [-k] [CMD ARGS... [; CMD ARGS...]...]\n"
			"       axasctl [-k] < script\n"
			"commands: new FORMAT BASE LENGTH [GPA_BITS] | map-alloc GPA LEN FLAGS |\n"
			"  map-linear GPA LEN HPA FLAGS | unmap GPA LEN | protect GPA LEN FLAGS |\n"
			"  fault GPA ACCESS | translate GPA | info | dump [FILE] |\n"
			"  regions [FILE] | dirty-track GPA LEN on|off | dirty GPA LEN [keep] |\n"
			"  read GPA LEN | write GPA TEXT|hex:.. | expect-fail ERRNO CMD ...\n");
		return 0;
	}
	if (argc == 1) {
		while (fgets(line, sizeof(line), stdin)) {
			failed |= run_line(line);
			if (failed && !keep_going)
				break;
		}
		return failed;
	}
	for (start = 1, i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], ";"))
			continue;
		argv[i == argc ? argc : i] = NULL;
		failed |= run_one(i - start, argv + start);
		if (failed && !keep_going)
			break;
		start = i + 1;
	}
	return failed;
}
