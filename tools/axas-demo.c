// SPDX-License-Identifier: GPL-2.0
/*
 * axas-demo - a toy VMM that builds a guest memory map through /dev/axas.
 *
 * The guest gets 256 MiB of lazily allocated RAM at 0, a boot image written
 * into it with pwrite(), a read-only firmware ROM just below 4 GiB and a
 * device MMIO window mapped linear onto host MMIO space. It then replays a
 * stream of guest faults the way a vCPU loop would, translates a few
 * addresses, reads the boot image back and prints the decoded table.
 *
 * Usage: axas-demo [FORMAT]   (default: native)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/axas_util.h"
#include "lib/ptdecode.h"

#define GUEST_SIZE	(4ULL << 30)
#define RAM_BASE	0x0ULL
#define RAM_SIZE	(256ULL << 20)
#define BOOT_GPA	0x200000ULL		/* 2 MiB, where the image goes */
#define ROM_BASE	0xfff00000ULL		/* last MiB below 4 GiB */
#define ROM_SIZE	(1ULL << 20)
#define MMIO_GPA	0xd0000000ULL
#define MMIO_FALLBACK	0xfebf0000ULL

static int fails;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("  FAILED: " __VA_ARGS__);			\
		printf(" (%s)\n", strerror(errno));			\
		fails++;						\
	}								\
} while (0)

/*
 * Host MMIO for the device window: a top-level /proc/iomem entry above
 * 1 MiB that is not System RAM, page aligned, at least @len bytes; a PCI
 * bus window if there is one (reading /proc/iomem needs root).
 */
static uint64_t pick_mmio_hpa(uint64_t len)
{
	unsigned long long start, end, best = 0;
	char line[256], name[200];
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return MMIO_FALLBACK;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == ' ')
			continue;
		if (sscanf(line, "%llx-%llx : %199[^\n]", &start, &end,
			   name) != 3)
			continue;
		if (!start || strstr(name, "System RAM") ||
		    strstr(name, "Kernel") || (start & 0xfff) ||
		    end + 1 - start < len || start < (1ULL << 20))
			continue;
		if (strstr(name, "PCI Bus")) {
			best = start;
			break;
		}
		if (!best)
			best = start;
	}
	fclose(f);
	return best ? best : MMIO_FALLBACK;
}

static void print_info(int fd, const char *when)
{
	struct axas_info i;

	if (ax_info(fd, &i)) {
		CHECK(0, "INFO");
		return;
	}
	printf("  [%s] table_pages=%llu data_pages=%llu regions=%llu tlb_gen=%llu\n",
	       when, (unsigned long long)i.table_pages,
	       (unsigned long long)i.data_pages,
	       (unsigned long long)i.nr_regions,
	       (unsigned long long)i.tlb_gen);
}

static void fill_boot_image(unsigned char *img, size_t len)
{
	static const char banner[] = "axas-demo boot image: hello, guest!";
	size_t i;

	for (i = 0; i < len; i++)
		img[i] = (unsigned char)(i * 7 + 3);
	memcpy(img, banner, sizeof(banner));
}

int main(int argc, char **argv)
{
	static const struct {
		uint64_t gpa;
		uint32_t access;
		const char *what;
	} faults[] = {
		{ ROM_BASE + 0xfff0, AXAS_MAP_EXEC, "reset vector fetch in ROM" },
		{ BOOT_GPA, AXAS_MAP_EXEC, "jump to boot image" },
		{ 0x1000, AXAS_MAP_READ | AXAS_MAP_WRITE, "zero page write" },
		{ 0x1008, AXAS_MAP_READ, "zero page read again" },
		{ 0x7ff000, AXAS_MAP_WRITE, "stack push" },
		{ 0x7ff010, AXAS_MAP_WRITE, "stack, same page" },
		{ 0x4000000, AXAS_MAP_READ, "heap read" },
		{ ROM_BASE + 0x100, AXAS_MAP_WRITE, "write to ROM" },
		{ MMIO_GPA + 0x10, AXAS_MAP_WRITE, "device register write" },
		{ 0x80000000, AXAS_MAP_READ, "access to a hole" },
	};
	uint64_t mmio_hpa, mmio_len = 0x4000;
	uint32_t format = AXAS_FMT_NATIVE, result;
	struct axas_translate t;
	struct pt_errors err = { 0 };
	struct pt_image img;
	unsigned char *boot, *back;
	size_t boot_len = 3 * 4096 + 100, dlen;
	char fb[64];
	void *dump;
	int dev, fd, mask;
	unsigned int i;
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && ax_parse_format(argv[1], &format)) {
		fprintf(stderr, "usage: %s [native|ept4|ept5|arm-s2|sv39x4|sv48x4|sv57x4|amd-npt4|amd-npt5]\n",
			argv[0]);
		return 2;
	}

	dev = open(AXAS_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror(AXAS_DEV_PATH);
		return 1;
	}
	printf("axas-demo: API version %d, formats mask 0x%x\n",
	       ioctl(dev, AXAS_IOC_GET_API_VERSION, 0),
	       mask = ioctl(dev, AXAS_IOC_CHECK_EXTENSION, AXAS_CAP_FORMATS));
	(void)mask;

	fd = ax_new(dev, format, 0, 0, GUEST_SIZE);
	if (fd < 0) {
		perror("AXAS_IOC_NEW");
		return 1;
	}
	close(dev);	/* the address-space fd lives on its own */
	printf("axas-demo: guest address space [0, 4 GiB), format %s\n",
	       pt_format_name(format));
	print_info(fd, "empty");

	printf("\n== guest memory map ==\n");
	CHECK(!ax_map(fd, AXAS_IOC_MAP_ALLOC, RAM_BASE, RAM_SIZE, 0,
		      AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC),
	      "map RAM");
	printf("  RAM   [0x%09llx, 0x%09llx) rwx, lazily allocated\n",
	       RAM_BASE, RAM_BASE + RAM_SIZE);
	CHECK(!ax_map(fd, AXAS_IOC_MAP_ALLOC, ROM_BASE, ROM_SIZE, 0,
		      AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_POPULATE),
	      "map ROM");
	mmio_hpa = pick_mmio_hpa(mmio_len);
	if (ax_map(fd, AXAS_IOC_MAP_LINEAR, MMIO_GPA, mmio_len, mmio_hpa,
		   AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_DEVICE))
		printf("  MMIO  linear map of host 0x%llx refused: %s\n",
		       (unsigned long long)mmio_hpa, strerror(errno));
	else
		printf("  MMIO  [0x%09llx, 0x%09llx) rw device -> host MMIO 0x%llx\n",
		       MMIO_GPA, MMIO_GPA + mmio_len,
		       (unsigned long long)mmio_hpa);

	/* Firmware goes in while the ROM is writable, then it is sealed. */
	n = pwrite(fd, "\xea\x5b\xe0\x00\xf0", 5, ROM_BASE + 0xfff0);
	CHECK(n == 5, "pwrite ROM");
	CHECK(!ax_map(fd, AXAS_IOC_PROTECT, ROM_BASE, ROM_SIZE, 0,
		      AXAS_MAP_READ | AXAS_MAP_EXEC), "protect ROM");
	printf("  ROM   [0x%09llx, 0x%09llx) populated, firmware written, now r-x\n",
	       ROM_BASE, ROM_BASE + ROM_SIZE);

	boot = malloc(boot_len);
	back = malloc(boot_len);
	if (!boot || !back)
		return 1;
	fill_boot_image(boot, boot_len);
	n = pwrite(fd, boot, boot_len, BOOT_GPA);
	CHECK(n == (ssize_t)boot_len, "pwrite boot image");
	printf("  boot image: %zd bytes written at 0x%llx\n", n, BOOT_GPA);
	print_info(fd, "mapped");

	printf("\n== guest faults ==\n");
	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		if (ax_fault(fd, faults[i].gpa, faults[i].access, &result)) {
			CHECK(0, "FAULT 0x%llx", (unsigned long long)faults[i].gpa);
			continue;
		}
		printf("  gpa 0x%09llx %-3s %-28s -> %s\n",
		       (unsigned long long)faults[i].gpa,
		       ax_flags_str(faults[i].access, fb, sizeof(fb)),
		       faults[i].what, ax_fault_str(result));
	}
	print_info(fd, "after faults");

	printf("\n== translations ==\n");
	{
		static const uint64_t gpas[] = {
			0x1234, BOOT_GPA + 0x10, ROM_BASE + 0xfff0,
			MMIO_GPA + 0x10, 0x5000,
		};

		for (i = 0; i < ARRAY_SIZE(gpas); i++) {
			if (ax_translate(fd, gpas[i], &t)) {
				printf("  gpa 0x%09llx -> (%s)\n",
				       (unsigned long long)gpas[i],
				       strerror(errno));
				continue;
			}
			printf("  gpa 0x%09llx -> hpa 0x%llx, %s leaf, %s %s, %llu bytes to region end\n",
			       (unsigned long long)gpas[i],
			       (unsigned long long)t.hpa,
			       t.page_size >= (1 << 30) ? "1G" :
			       t.page_size >= (1 << 21) ? "2M" : "4K",
			       ax_flags_str(t.map_flags, fb, sizeof(fb)),
			       ax_kind_str(t.kind),
			       (unsigned long long)t.limit);
		}
	}

	printf("\n== guest memory ==\n");
	memset(back, 0, boot_len);
	n = pread(fd, back, boot_len, BOOT_GPA);
	CHECK(n == (ssize_t)boot_len && !memcmp(back, boot, boot_len),
	      "boot image read back");
	printf("  boot image read back: %s (\"%.20s...\")\n",
	       n == (ssize_t)boot_len && !memcmp(back, boot, boot_len) ?
	       "identical" : "MISMATCH", back);
	n = pread(fd, back, 4096, 0x6000000);
	printf("  untouched RAM at 0x6000000 reads %zd bytes of zeros, nothing allocated\n",
	       n);
	n = pread(fd, back, 16, MMIO_GPA);
	printf("  pread of the device window: %s\n",
	       n < 0 ? strerror(errno) : "allowed?!");
	CHECK(!ax_unmap(fd, 0x7ff000, 0x1000), "unmap stack page");
	printf("  stack page 0x7ff000 unmapped (balloon): its page is freed, tlb_gen grows\n");
	print_info(fd, "after unmap");

	printf("\n== table dump ==\n");
	if (ax_dump(fd, &dump, &dlen)) {
		printf("  DUMP: %s\n", strerror(errno));
	} else if (pt_image_parse(dump, dlen, &img, &err)) {
		printf("  bad image: %s\n", err.first[0]);
		fails++;
	} else {
		pt_print_ranges(&img, stdout, &err);
		for (i = 0; i < err.count && i < 4; i++)
			printf("  problem: %s\n", err.first[i]);
		fails += err.count;
		pt_image_free(&img);
		free(dump);
	}

	free(boot);
	free(back);
	close(fd);
	printf("\naxas-demo: %s\n", fails ? "FAILED" : "done");
	return fails ? 1 : 0;
}
