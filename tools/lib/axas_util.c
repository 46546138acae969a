// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers shared by the axas tools and selftests.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include "axas_util.h"
#include "ptdecode.h"

int ax_parse_u64(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (shift) {
		end++;
		if (toupper((unsigned char)*end) == 'B' ||
		    toupper((unsigned char)*end) == 'I')
			end++;
		if (*end || (v << shift) >> shift != v)
			return -1;
		v <<= shift;
	}
	*val = v;
	return 0;
}

static const struct {
	const char *name;
	uint32_t flag;
} flag_names[] = {
	{ "device", AXAS_MAP_DEVICE },
	{ "uncached", AXAS_MAP_UNCACHED },
	{ "uc", AXAS_MAP_UNCACHED },
	{ "populate", AXAS_MAP_POPULATE },
	{ "nohuge", AXAS_MAP_NOHUGE },
	{ "huge", AXAS_MAP_HUGE },
	{ "none", 0 },
};

int ax_parse_flags(const char *s, uint32_t *flags)
{
	char *copy, *tok, *save = NULL;
	uint32_t f = 0;
	size_t i;
	int ret = 0;

	copy = strdup(s);
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",+|", &save); tok;
	     tok = strtok_r(NULL, ",+|", &save)) {
		for (i = 0; i < ARRAY_SIZE(flag_names); i++)
			if (!strcasecmp(tok, flag_names[i].name))
				break;
		if (i < ARRAY_SIZE(flag_names)) {
			f |= flag_names[i].flag;
			continue;
		}
		if (tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
			f |= strtoul(tok, NULL, 16);
			continue;
		}
		for (; *tok; tok++) {
			switch (tolower((unsigned char)*tok)) {
			case 'r':
				f |= AXAS_MAP_READ;
				break;
			case 'w':
				f |= AXAS_MAP_WRITE;
				break;
			case 'x':
				f |= AXAS_MAP_EXEC;
				break;
			case '-':
				break;
			default:
				ret = -1;
			}
		}
	}
	free(copy);
	*flags = f;
	return ret;
}

const char *ax_flags_str(uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s%s",
		 flags & AXAS_MAP_READ ? "r" : "-",
		 flags & AXAS_MAP_WRITE ? "w" : "-",
		 flags & AXAS_MAP_EXEC ? "x" : "-",
		 flags & AXAS_MAP_DEVICE ? ",device" : "",
		 flags & AXAS_MAP_UNCACHED ? ",uncached" : "",
		 flags & AXAS_MAP_POPULATE ? ",populate" : "",
		 flags & AXAS_MAP_NOHUGE ? ",nohuge" : "",
		 flags & AXAS_MAP_HUGE ? ",huge" : "");
	return buf;
}

int ax_parse_format(const char *s, uint32_t *format)
{
	uint64_t v;
	uint32_t f;

	for (f = 0; f <= AXAS_FMT_AMD_NPT5; f++) {
		if (!strcasecmp(s, pt_format_name(f))) {
			*format = f;
			return 0;
		}
	}
	if (!strcasecmp(s, "arm") || !strcasecmp(s, "arm_s2")) {
		*format = AXAS_FMT_ARM_S2;
		return 0;
	}
	if (ax_parse_u64(s, &v) || v > 0xffffffffu)
		return -1;
	*format = v;
	return 0;
}

const char *ax_fault_str(uint32_t result)
{
	switch (result) {
	case AXAS_FAULT_HANDLED:
		return "handled";
	case AXAS_FAULT_SPURIOUS:
		return "spurious";
	case AXAS_FAULT_NOT_MAPPED:
		return "not-mapped";
	case AXAS_FAULT_PERM:
		return "permission";
	case AXAS_FAULT_NOT_LAZY:
		return "not-lazy";
	case AXAS_FAULT_LOGGED:
		return "logged";
	default:
		return "?";
	}
}

const char *ax_kind_str(uint32_t kind)
{
	switch (kind) {
	case AXAS_REGION_LINEAR:
		return "linear";
	case AXAS_REGION_ALLOC:
		return "alloc";
	case AXAS_REGION_USER:
		return "user";
	default:
		return "?";
	}
}

int ax_new(int dev, uint32_t format, uint32_t gpa_bits, uint64_t base,
	   uint64_t length)
{
	struct axas_new n = {
		.size = sizeof(n),
		.format = format,
		.gpa_bits = gpa_bits,
		.base = base,
		.length = length,
	};

	return ioctl(dev, AXAS_IOC_NEW, &n);
}

int ax_map(int fd, unsigned long cmd, uint64_t gpa, uint64_t length,
	   uint64_t hpa, uint32_t flags)
{
	struct axas_map m = {
		.size = sizeof(m),
		.flags = flags,
		.gpa = gpa,
		.length = length,
		.hpa = hpa,
	};

	return ioctl(fd, cmd, &m);
}

int ax_unmap(int fd, uint64_t gpa, uint64_t length)
{
	struct axas_range r = {
		.size = sizeof(r),
		.gpa = gpa,
		.length = length,
	};

	return ioctl(fd, AXAS_IOC_UNMAP, &r);
}

int ax_fault(int fd, uint64_t gpa, uint32_t access, uint32_t *result)
{
	struct axas_fault f = {
		.size = sizeof(f),
		.gpa = gpa,
		.access = access,
	};
	int ret;

	ret = ioctl(fd, AXAS_IOC_FAULT, &f);
	if (!ret && result)
		*result = f.result;
	return ret;
}

int ax_translate(int fd, uint64_t gpa, struct axas_translate *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->gpa = gpa;
	return ioctl(fd, AXAS_IOC_TRANSLATE, t);
}

int ax_info(int fd, struct axas_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, AXAS_IOC_INFO, info);
}

int ax_regions(int fd, struct axas_region_info **out, uint32_t *nr)
{
	struct axas_region_info *r = NULL, *nr_buf;
	struct axas_regions g;
	uint32_t want = 0;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		memset(&g, 0, sizeof(g));
		g.size = sizeof(g);
		g.nr_regions = want;
		g.regions = (uintptr_t)r;
		if (!ioctl(fd, AXAS_IOC_GET_REGIONS, &g)) {
			*out = r;
			*nr = g.nr_regions;
			return 0;
		}
		if (errno != ENOSPC)
			break;
		want = g.nr_regions;
		nr_buf = realloc(r, (want ? want : 1) * sizeof(*r));
		if (!nr_buf)
			break;
		r = nr_buf;
	}
	free(r);
	return -1;
}

int ax_dump(int fd, void **bufp, size_t *lenp)
{
	struct axas_dump d;
	size_t len = 64 + 16 * (8 + 4096);
	void *buf = NULL, *nbuf;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		nbuf = realloc(buf, len);
		if (!nbuf) {
			free(buf);
			errno = ENOMEM;
			return -1;
		}
		buf = nbuf;
		memset(&d, 0, sizeof(d));
		d.size = sizeof(d);
		d.buf = (uintptr_t)buf;
		d.buf_len = len;
		if (!ioctl(fd, AXAS_IOC_DUMP, &d)) {
			*bufp = buf;
			*lenp = d.buf_len;
			return 0;
		}
		if (errno != ENOSPC || d.buf_len <= len) {
			int e = errno;

			free(buf);
			errno = e;
			return -1;
		}
		len = d.buf_len;
	}
	free(buf);
	errno = EAGAIN;
	return -1;
}

void ax_hexdump(const void *buf, size_t len, uint64_t addr)
{
	const unsigned char *p = buf;
	size_t i, j;

	for (i = 0; i < len; i += 16) {
		printf("%016llx ", (unsigned long long)(addr + i));
		for (j = i; j < i + 16; j++) {
			if (j < len)
				printf(" %02x", p[j]);
			else
				printf("   ");
		}
		printf("  |");
		for (j = i; j < i + 16 && j < len; j++)
			putchar(isprint(p[j]) ? p[j] : '.');
		printf("|\n");
	}
}
