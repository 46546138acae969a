// SPDX-License-Identifier: GPL-2.0
/*
 * axas-dump - decode a table image written by AXAS_IOC_DUMP.
 *
 * Usage: axas-dump [-v] [FILE]    (FILE "-" or absent: standard input)
 *
 * Prints the merged guest-physical ranges (ptdump style) and every problem
 * the independent decoder finds; exits 1 if there were any.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ptdecode.h"

static int print_leaf(const struct pt_leaf *l, void *arg)
{
	char prot[12];

	(void)arg;
	printf("  gpa 0x%016llx  pa 0x%012llx  %s  %-8s pte 0x%016llx\n",
	       (unsigned long long)l->gpa, (unsigned long long)l->pa,
	       l->level == 2 ? "1G" : l->level == 1 ? "2M" : "4K",
	       pt_prot_str(l->prot, prot), (unsigned long long)l->pte);
	return 0;
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
	int verbose = 0, opt;
	unsigned int i;
	size_t len;
	FILE *f = stdin;
	void *buf;

	while ((opt = getopt(argc, argv, "vh")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [FILE]\n", argv[0]);
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
	pt_print_ranges(&img, stdout, &err);
	if (verbose) {
		printf("---[ leaves ]---\n");
		pt_walk(&img, print_leaf, NULL, NULL);
	}
	for (i = 0; i < err.count && i < 4; i++)
		printf("problem: %s\n", err.first[i]);
	if (err.count)
		printf("%u problem(s) found\n", err.count);
	pt_image_free(&img);
	free(buf);
	return err.count ? 1 : 0;
}
