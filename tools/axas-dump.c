// SPDX-License-Identifier: GPL-2.0
/*
 * axas-dump - decode a table image written by AXAS_IOC_DUMP.
 *
 * Usage: axas-dump [-v] [-r REGIONS] [FILE]
 *        (FILE "-" or absent: standard input)
 *
 * Prints the merged guest-physical ranges (ptdump style) and every problem
 * the independent decoder finds; exits 1 if there were any. With -r, the
 * region list that `axasctl regions REGIONS` saved (AXAS_IOC_GET_REGIONS)
 * labels every leaf with its region, and each region gets a count of its
 * leaves by size; a leaf outside every region is a problem.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/axas_util.h"
#include "lib/ptdecode.h"

static void *read_all(FILE *f, size_t *len);

struct labels {
	struct axas_region_info *r;
	uint32_t nr;
	unsigned long (*count)[3];	/* leaves per region by level */
	unsigned long orphans;
	int verbose;
};

static int region_of(const struct labels *lb, uint64_t gpa)
{
	uint32_t i;

	for (i = 0; i < lb->nr; i++)
		if (gpa >= lb->r[i].gpa && gpa - lb->r[i].gpa < lb->r[i].length)
			return i;
	return -1;
}

static int print_leaf(const struct pt_leaf *l, void *arg)
{
	struct labels *lb = arg;
	char prot[12], flags[64], label[96] = "";
	int i = lb->r ? region_of(lb, l->gpa) : -2;

	if (i >= 0) {
		lb->count[i][l->level < 3 ? l->level : 2]++;
		snprintf(label, sizeof(label), "  [%s %s]",
			 ax_kind_str(lb->r[i].kind),
			 ax_flags_str(lb->r[i].map_flags, flags, sizeof(flags)));
	} else if (i == -1) {
		lb->orphans++;
		snprintf(label, sizeof(label), "  [no region!]");
	}
	if (!lb->verbose)
		return 0;
	printf("  gpa 0x%016llx  pa 0x%012llx  %s  %-8s pte 0x%016llx%s\n",
	       (unsigned long long)l->gpa, (unsigned long long)l->pa,
	       l->level == 2 ? "1G" : l->level == 1 ? "2M" : "4K",
	       pt_prot_str(l->prot, prot), (unsigned long long)l->pte, label);
	return 0;
}

static int load_regions(const char *path, struct labels *lb)
{
	FILE *f = fopen(path, "rb");
	size_t len;

	if (!f)
		return -1;
	lb->r = read_all(f, &len);
	fclose(f);
	if (!lb->r || len % sizeof(*lb->r))
		return -1;
	lb->nr = len / sizeof(*lb->r);
	lb->count = calloc(lb->nr ? lb->nr : 1, sizeof(*lb->count));
	return lb->count ? 0 : -1;
}

static void *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap), *nbuf;

	while (buf) {
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap) {
			if (ferror(f))
				break;
			*len = n;
			return buf;
		}
		cap *= 2;
		nbuf = realloc(buf, cap);
		if (!nbuf)
			break;
		buf = nbuf;
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct pt_errors err = { 0 };
	struct pt_image img;
	struct labels lb = { 0 };
	const char *regions = NULL;
	int verbose = 0, opt;
	unsigned int i;
	size_t len;
	FILE *f = stdin;
	void *buf;

	while ((opt = getopt(argc, argv, "vr:h")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'r':
			regions = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-r REGIONS] [FILE]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc && strcmp(argv[optind], "-")) {
		f = fopen(argv[optind], "rb");
		if (!f) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[optind],
				strerror(errno));
			return 2;
		}
	}
	buf = read_all(f, &len);
	if (!buf) {
		fprintf(stderr, "%s: read failed\n", argv[0]);
		return 2;
	}
	if (pt_image_parse(buf, len, &img, &err)) {
		fprintf(stderr, "%s: not a table image: %s\n", argv[0],
			err.first[0]);
		return 1;
	}
	if (regions && load_regions(regions, &lb)) {
		fprintf(stderr, "%s: %s: not a region list\n", argv[0], regions);
		return 2;
	}
	pt_print_ranges(&img, stdout, &err);
	lb.verbose = verbose;
	if (verbose)
		printf("---[ leaves ]---\n");
	if (verbose || lb.r)
		pt_walk(&img, print_leaf, &lb, NULL);
	if (lb.r) {
		char flags[64];

		printf("---[ regions ]---\n");
		for (i = 0; i < lb.nr; i++)
			printf("  gpa 0x%016llx  len 0x%011llx  %-6s %-22s leaves: %lu x 4K, %lu x 2M, %lu x 1G\n",
			       (unsigned long long)lb.r[i].gpa,
			       (unsigned long long)lb.r[i].length,
			       ax_kind_str(lb.r[i].kind),
			       ax_flags_str(lb.r[i].map_flags, flags,
					    sizeof(flags)),
			       lb.count[i][0], lb.count[i][1], lb.count[i][2]);
		if (lb.orphans) {
			printf("problem: %lu leaves outside every region\n",
			       lb.orphans);
			err.count++;
		}
	}
	for (i = 0; i < err.count && i < 4; i++)
		printf("problem: %s\n", err.first[i]);
	if (err.count)
		printf("%u problem(s) found\n", err.count);
	pt_image_free(&img);
	free(buf);
	return err.count ? 1 : 0;
}
