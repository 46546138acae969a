// SPDX-License-Identifier: GPL-2.0
/*
 * axas-vmm: runs riscv64 guests on axas address spaces with the reference
 * vCPU module, and is the /init of the riscv64 test kernel of
 * tools/ci/vcpu-riscv.sh (pid 1: mounts, loads the modules, runs the mode
 * given after "--" on the kernel command line, unloads, powers off):
 *
 *   test    the end-to-end tests, TAP lines (make check)
 *   bench   64 MiB first touch: axas_vcpu against KVM (make bench)
 *   demo    the banner guest (make demo)
 *   nohyp   a kernel without the backend's hardware: CREATE is EOPNOTSUPP
 *
 * As a program: axas-vmm GUEST.bin [MiB-to-touch]   (banner-style guests)
 */
#include <stdarg.h>

#include "sys.h"
#include "kvm.h"
#include "vmm.h"
#include "snapshot.h"

#define MIB		(1UL << 20)
#define PAGE		4096UL
#ifdef __x86_64__
/* the guest's clock is the TSC: its rate is the host's, taken as 1 GHz for windows */
#define TIMEBASE_HZ	1000000000ULL
#define CONSOLE_EXIT	AXAS_VCPU_EXIT_PIO
#define BANNER_HELLO	"axas guest: hello from x86-64 guest mode on an axas nested page table (cpu 0)\n"
#elif defined(__aarch64__)
/* the guest reads the virtual counter: the rate is CNTFRQ_EL0, readable here too */
static unsigned long long cntfrq(void)
{
	unsigned long long f;

	asm volatile("mrs %0, cntfrq_el0" : "=r" (f));
	return f;
}

#define TIMEBASE_HZ	cntfrq()
#define CONSOLE_EXIT	AXAS_VCPU_EXIT_MMIO
#define BANNER_HELLO	"axas guest: hello from EL1 on an axas stage-2 table (cpu 0)\n"
#else
#define TIMEBASE_HZ	10000000ULL	/* QEMU virt: the time CSR counts at 10 MHz */
#define CONSOLE_EXIT	AXAS_VCPU_EXIT_MMIO
#define BANNER_HELLO	"axas guest: hello from VS-mode on an axas G-stage table (hart 0)\n"
#endif
#define PROBE_READY	0x52454144590a0a0aULL
#define PROBE_UNMAPPED	0x554e4d4150504544ULL
#define PROBE_ANSWER	0x414e535745520a0aULL
#define PROBE_ENOUGH	10000
#define PROBE_OLD	0xa5a5a5a5c3c3c3c3ULL
#define REPORT_TOUCH		1
#define REPORT_PROBE_FAULT	2
#define REPORT_PROBE_STALE	3
#define REPORT_MEMTEST		4
#define REPORT_MMIO		5
#define MMIO_DEV		0x10001000UL
#define MMIO_ANSWER		0x8899aabbccddeeffULL

static int tests, failed;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!ok)
		failed++;
	printf("%sok %d - ", ok ? "" : "not ", tests);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	printf("\n");
}

static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	printf("\n");
}

static unsigned long pages_of(unsigned long len)
{
	return (len + PAGE - 1) / PAGE;
}

/* a space with ram_size of RAM, the guest loaded, a vCPU */
static int guest_vm(struct vm *vm, const char *guest, unsigned long ram_size)
{
	int ret = vm_open(vm);

	if (ret)
		return ret;
	ret = vm_new_space(vm, ram_size, 0);
	if (!ret)
		ret = vm_load(vm, guest) < 0 ? -EIO : 0;
	if (!ret)
		ret = vm_create_vcpu(vm);
	if (ret)
		note("setting up %s: error %d", guest, ret);
	return ret;
}

/* nolibc has no strstr() */
static const char *find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return hay;
	return NULL;
}

static int strspn_blank(const char *s)
{
	int n = 0;

	while (s[n] == ' ')
		n++;
	return n;
}

#ifdef __x86_64__
/* Is axas_vcpu's boolean parameter @name on? */
static int param_on(const char *name)
{
	char path[96] = "/sys/module/axas_vcpu/parameters/", c = 0;
	int fd;

	strlcat(path, name, sizeof(path));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y';
}
#endif

static int set_param(const char *name, int on)
{
	char path[96] = "/sys/module/axas_vcpu/parameters/";
	int fd, ok;

	strlcat(path, name, sizeof(path));
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ok = write(fd, on ? "1\n" : "0\n", 2) == 2;
	close(fd);
	return ok ? 0 : -EIO;
}

static int console_has(struct vm *vm, const char *s)
{
	vm->con.out[vm->con.out_len] = 0;
	return find(vm->con.out, s) != NULL;
}

/* ---- the tests */

static void test_api(void)
{
	struct vm vm;
	int ret = vm_open(&vm);

	tap(!ret && ioctl(vm.vcpudev, AXAS_VCPU_GET_API_VERSION, 0) == AXAS_VCPU_API_VERSION &&
	    ioctl(vm.vcpudev, AXAS_VCPU_GET_RUN_SIZE, 0) == 4096 &&
	    ioctl(vm.vcpudev, AXAS_VCPU_RUN, 0) < 0 && errno == ENOTTY,
	    "api: /dev/axas_vcpu version 1, run size 4096, a vCPU ioctl on it is ENOTTY");
	if (!ret)
		vm_close(&vm);
}

#ifdef __x86_64__
/* an Intel host (Bochs): VMX with EPT, else AMD SVM with NPT */
static int host_intel(void)
{
	unsigned int a = 0, b, c, d;

	asm volatile("cpuid" : "+a" (a), "=b" (b), "=c" (c), "=d" (d));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;	/* GenuineIntel */
}

#endif

/* a space of a format the backend does not walk: EPT4 (AMD NPT4 on Intel) */
static void test_bad_fds(void)
{
	struct axas_new n = { .size = sizeof(n), .format = AXAS_FMT_EPT4, .length = 1UL << 32 };
	int ebadf, einval_self, einval_axas, einval_ept, ept;
	struct vm vm;

	if (vm_open(&vm)) {
		tap(0, "bad fds: cannot open the devices");
		return;
	}
	ebadf = ioctl(vm.vcpudev, AXAS_VCPU_CREATE, (void *)999L) < 0 && errno == EBADF;
	einval_self = ioctl(vm.vcpudev, AXAS_VCPU_CREATE, (void *)(long)vm.vcpudev) < 0 &&
		      errno == EINVAL;
	einval_axas = ioctl(vm.vcpudev, AXAS_VCPU_CREATE, (void *)(long)vm.axas) < 0 &&
		      errno == EINVAL;
#ifdef __x86_64__
	if (host_intel())
		n.format = AXAS_FMT_AMD_NPT4;
#endif
	ept = ioctl(vm.axas, AXAS_IOC_NEW, &n);
	einval_ept = ept >= 0 && ioctl(vm.vcpudev, AXAS_VCPU_CREATE, (void *)(long)ept) < 0 &&
		     errno == EINVAL;
	tap(ebadf && einval_self && einval_axas && einval_ept,
	    "bad fds: CREATE on a closed fd is EBADF; on /dev/axas_vcpu, /dev/axas or a space of a format the CPU does not walk (EPT4; AMD NPT4 on Intel) is EINVAL (%d %d %d %d)",
	    ebadf, einval_self, einval_axas, einval_ept);
	if (ept >= 0)
		close(ept);
	vm_close(&vm);
}

#ifdef __x86_64__
static void test_regs(void)
{
	struct axas_vcpu_regs r, bad, back;
	int fresh, e[5], i, okset;
	struct vm vm;

	if (guest_vm(&vm, "/guest/banner.bin", 4 * MIB)) {
		tap(0, "registers: no vCPU");
		return;
	}
	ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &r);
	fresh = r.rip == 0 && r.cr0 == 0x31 && r.cr4 == 0 && r.efer == 0 && r.rflags == 2 &&
		r.gpr[0] == 0;
	for (i = 0; i < 5; i++) {
		bad = r;
		switch (i) {
		case 0: bad.cr0 = 0x10; break;			/* no PE */
		case 1: bad.cr0 |= 0x80000000; break;		/* PG without LME/PAE */
		case 2: bad.cr4 = 1ULL << 12; break;		/* LA57 */
		case 3: bad.efer = 1ULL << 12; break;		/* SVME */
		default: bad.rflags |= 1ULL << 17; break;	/* VM */
		}
		e[i] = ioctl(vm.vcpu, AXAS_VCPU_SET_REGS, &bad) < 0 && errno == EINVAL;
	}
	r.rip = GUEST_RAM + 3;
	r.gpr[15] = 0x1234567890abcdefULL;
	r.gpr[4] = 0x8000;
	r.cr0 = 0x80000031;	/* PG, NE, ET, PE */
	r.cr4 = 0x20;
	r.efer = 0x100;
	r.cr3 = GUEST_X86_CR3;
	okset = ioctl(vm.vcpu, AXAS_VCPU_SET_REGS, &r) == 0 &&
		ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &back) == 0;
	r.efer |= 0x400;	/* LMA follows PG and LME */
	okset = okset && !memcmp(&r, &back, sizeof(r));
	tap(fresh && e[0] && e[1] && e[2] && e[3] && e[4] && okset,
	    "registers: fresh vCPU at rip 0 in 32-bit protected mode; no PE, PG without LME, CR4.LA57, EFER.SVME, RFLAGS.VM are EINVAL (%d%d%d%d%d); a valid long-mode set reads back with LMA",
	    e[0], e[1], e[2], e[3], e[4]);
	vm_close(&vm);
}
#elif defined(__aarch64__)
static void test_regs(void)
{
	struct axas_vcpu_regs r, bad, back;
	int fresh, e[5], i, okset;
	struct vm vm;

	if (guest_vm(&vm, "/guest/banner.bin", 4 * MIB)) {
		tap(0, "registers: no vCPU");
		return;
	}
	ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &r);
	/* EL1h, DAIF masked; SCTLR_EL1 RES1 bits only: M (stage 1) clear */
	fresh = r.pc == 0 && r.pstate == 0x3c5 && !(r.sctlr_el1 & 1) && r.sctlr_el1 &&
		r.x[0] == 0 && r.ttbr0_el1 == 0;
	for (i = 0; i < 5; i++) {
		bad = r;
		switch (i) {
		case 0: bad.pc = GUEST_RAM + 2; break;		/* unaligned */
		case 1: bad.pstate = 0x3c9; break;		/* EL2h */
		case 2: bad.pstate = 0x3d3; break;		/* AArch32 SVC */
		case 3: bad.pstate |= 1ULL << 21; break;	/* SS */
		default: bad.pstate = 0x3c6; break;		/* mode 6: reserved */
		}
		e[i] = ioctl(vm.vcpu, AXAS_VCPU_SET_REGS, &bad) < 0 && errno == EINVAL;
	}
	r.pc = GUEST_RAM + 4;
	r.x[30] = 0x1234567890abcdefULL;
	r.pstate = 0x80000004;		/* N, EL1t */
	r.sp_el1 = GUEST_RAM + 0x8000;
	r.vbar_el1 = GUEST_RAM + 0x800;
	r.tpidr_el1 = 77;
	okset = ioctl(vm.vcpu, AXAS_VCPU_SET_REGS, &r) == 0 &&
		ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &back) == 0 && !memcmp(&r, &back, sizeof(r));
	tap(fresh && e[0] && e[1] && e[2] && e[3] && e[4] && okset,
	    "registers: fresh vCPU at pc 0 in EL1h, DAIF masked, stage 1 off; unaligned pc, EL2h, AArch32, PSTATE.SS, a reserved mode are EINVAL (%d%d%d%d%d); a valid set reads back",
	    e[0], e[1], e[2], e[3], e[4]);
	vm_close(&vm);
}
#else
static void test_regs(void)
{
	struct axas_vcpu_regs r, bad, back;
	int fresh, e[5], i, okset;
	struct vm vm;

	if (guest_vm(&vm, "/guest/banner.bin", 4 * MIB)) {
		tap(0, "registers: no vCPU");
		return;
	}
	ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &r);
	fresh = r.pc == 0 && r.vsatp == 0 && r.vsstatus == (2ULL << 32) && r.x[10] == 0;
	for (i = 0; i < 5; i++) {
		bad = r;
		switch (i) {
		case 0: bad.x[0] = 1; break;
		case 1: bad.pc = GUEST_RAM + 1; break;
		case 2: bad.vsatp = 5ULL << 60; break;
		case 3: bad.vsstatus |= 1ULL << 63; break;
		default: bad.vsstatus = 1ULL << 32; break;
		}
		e[i] = ioctl(vm.vcpu, AXAS_VCPU_SET_REGS, &bad) < 0 && errno == EINVAL;
	}
	r.pc = GUEST_RAM + 2;
	r.x[31] = 0x1234567890abcdefULL;
	r.vsatp = 8ULL << 60 | 0x1234;
	r.vsscratch = 77;
	okset = ioctl(vm.vcpu, AXAS_VCPU_SET_REGS, &r) == 0 &&
		ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &back) == 0 && !memcmp(&r, &back, sizeof(r));
	tap(fresh && e[0] && e[1] && e[2] && e[3] && e[4] && okset,
	    "registers: fresh vCPU at pc 0, vsatp Bare, UXL 64; x0 != 0, odd pc, vsatp mode 5, SD in vsstatus, UXL 32 are EINVAL (%d%d%d%d%d); a valid set reads back",
	    e[0], e[1], e[2], e[3], e[4]);
	vm_close(&vm);
}
#endif

static void test_banner(void)
{
	unsigned long base = GUEST_RAM + MIB, mib = 8, seed = 0x5eed0000cafeULL, img_pages;
	unsigned long long w, zero = 1;
	struct axas_vcpu_stats *s;
	struct axas_info info;
	int r, good = 1, i, out_ok;
	struct vm vm;

	if (guest_vm(&vm, "/guest/banner.bin", 16 * MIB) || vm_set_entry(&vm, 0, base, mib, seed)) {
		tap(0, "banner: setup failed");
		return;
	}
	img_pages = pages_of(vm.image_len);
	r = vm_run(&vm);
	vm_summary(&vm, "banner");
	s = &vm.run->stats;
	out_ok = console_has(&vm, BANNER_HELLO) &&
		 console_has(&vm, "axas guest: touched 8 MiB at 0x0000000080100000: pattern read back ok\n");
	tap(r == AXAS_VCPU_EXIT_SHUTDOWN && out_ok,
	    "banner: the guest printed its banner and read its 8 MiB pattern back, then powered off (exit %d)", r);
	tap(vm.con.report[REPORT_TOUCH].valid && vm.con.report[REPORT_TOUCH].a[0] == mib * 256 &&
	    vm.con.report[REPORT_TOUCH].a[2] == 0,
	    "banner: the guest touched %llu pages, %llu mismatches",
	    vm.con.report[REPORT_TOUCH].a[0], vm.con.report[REPORT_TOUCH].a[2]);
	/* INFO first: the arguments below are evaluated in no set order */
	r = vm_info(&vm, &info) ? -1 : r;
	tap(r >= 0 && info.data_pages == img_pages + mib * 256,
	    "banner: INFO data_pages %llu == %lu image pages + %lu touched", info.data_pages,
	    img_pages, mib * 256);
	tap(s->guest_faults == mib * 256 && s->exits[CONSOLE_EXIT] == vm.con.uart_stores &&
	    s->exits[AXAS_VCPU_EXIT_SBI] == 1 && s->exits[AXAS_VCPU_EXIT_SHUTDOWN] == 1,
	    "banner: %llu guest-page faults resolved in the kernel without an exit; exits: %s %llu (== %lu UART stores), sbi %llu, shutdown %llu",
	    s->guest_faults, vm_exit_names[CONSOLE_EXIT], s->exits[CONSOLE_EXIT], vm.con.uart_stores,
	    s->exits[AXAS_VCPU_EXIT_SBI], s->exits[AXAS_VCPU_EXIT_SHUTDOWN]);
	for (i = 0; i < (int)(mib * 256); i += 97) {
		unsigned long gpa = base + i * PAGE;

		if (pread(vm.space, &w, 8, gpa) != 8 || w != (gpa ^ seed))
			good = 0;
	}
	if (pread(vm.space, &zero, 8, base + mib * MIB) != 8)
		zero = 1;
	vm_info(&vm, &info);
	tap(good && zero == 0 && info.data_pages == img_pages + mib * 256,
	    "banner: a VMM pread after the run sees what the guest wrote; an untouched page reads 0 and allocates nothing");
	vm_close(&vm);
}

/* what the mmio guest did at the test device */
struct mmio_log {
	int loads, stores;
	unsigned long long got[8][2];	/* the stores' width and data */
};

/* answers a load at the test device or records a store; 0: not such an exit */
static int mmio_device_exit(struct vm *vm, int r, struct mmio_log *log)
{
	if (r != AXAS_VCPU_EXIT_MMIO || vm->run->mmio.gpa != MMIO_DEV)
		return 0;
	if (!vm->run->mmio.is_write) {
		vm->run->mmio.data = MMIO_ANSWER;
		log->loads++;
	} else if (log->stores < 8) {
		log->got[log->stores][0] = vm->run->mmio.len;
		log->got[log->stores][1] = vm->run->mmio.data;
		log->stores++;
	}
	return 1;
}

/* the guest's 9 loads and 6 stores, the stores of the width and data in want */
static int mmio_log_check(const struct mmio_log *log, const unsigned long long want[6][2])
{
	int i;

	if (log->loads != 9 || log->stores != 6)
		return 0;
	for (i = 0; i < 6; i++)
		if (log->got[i][0] != want[i][0] || log->got[i][1] != want[i][1]) {
			note("mmio: store %d: len %llu data 0x%llx, expected len %llu data 0x%llx",
			     i, log->got[i][0], log->got[i][1], want[i][0], want[i][1]);
			return 0;
		}
	return 1;
}

#ifdef __x86_64__
/*
 * every load and store the x86 backends decode, at a test device; neither
 * QEMU (SVM) nor Bochs (VMX) gives the instruction bytes, so each one is
 * read from guest memory
 */
static void test_mmio_x86(void)
{
	static const unsigned long long want[6][2] = {
		{ 1, 0x11 }, { 2, 0x2233 }, { 4, 0x44556677 }, { 8, 0x0123456789abcdefULL },
		{ 4, 0x8899aabb }, { 8, 0xfedcba9876543210ULL },
	};
	struct mmio_log log = { 0 };
	struct vm vm;
	int r, ok;

	if (guest_vm(&vm, "/guest/mmio.bin", 4 * MIB) || vm_set_entry(&vm, 0, MMIO_DEV, 0, 0)) {
		tap(0, "mmio: setup failed");
		return;
	}
	do
		r = vm_run(&vm);
	while (mmio_device_exit(&vm, r, &log));
	ok = r == AXAS_VCPU_EXIT_SHUTDOWN && mmio_log_check(&log, want);
	vm_summary(&vm, "mmio");
	tap(ok && vm.con.report[REPORT_MMIO].valid && vm.con.report[REPORT_MMIO].a[0] == 0 &&
	    vm.run->stats.insn_reads == 15,
	    "mmio: mov 8/16/32/64-bit loads (a REX register too), movzx and movsx read the VMM's value right (wrong: mask 0x%llx); mov stores of 1, 2, 4, 8 bytes give the VMM width and data (%d loads, %d stores, %llu read from guest memory)",
	    vm.con.report[REPORT_MMIO].a[0], log.loads, log.stores, vm.run->stats.insn_reads);
	vm_close(&vm);
}

/*
 * VMX: an EPT misconfiguration exits as EXCEPTION with scause 49 (the exit
 * reason) and the guest-physical address in htval. axas never builds one;
 * axas_vcpu's test_ept_misconfig plants an entry with W but no R on the
 * path of the mmio guest's first access. The control: with the parameter
 * off, the same access (retried by the next RUN) exits as MMIO.
 */
static void test_ept_misconfig(void)
{
	unsigned long long scause = 0, htval = 0;
	int p, r1, r2;
	struct vm vm;

	if (guest_vm(&vm, "/guest/mmio.bin", 4 * MIB) || vm_set_entry(&vm, 0, MMIO_DEV, 0, 0)) {
		tap(0, "EPT misconfiguration: setup failed");
		return;
	}
	p = set_param("test_ept_misconfig", 1);
	r1 = vm_run(&vm);
	if (r1 == AXAS_VCPU_EXIT_EXCEPTION) {
		scause = vm.run->exception.scause;
		htval = vm.run->exception.htval;
	}
	set_param("test_ept_misconfig", 0);
	tap(!p && r1 == AXAS_VCPU_EXIT_EXCEPTION && scause == 49 && htval == MMIO_DEV,
	    "EPT misconfiguration: an entry with W but no R on the path of an access exits EXCEPTION, scause %llu (want 49), htval 0x%llx (exit %d, param %d)",
	    scause, htval, r1, p);
	r2 = vm_run(&vm);
	tap(r2 == AXAS_VCPU_EXIT_MMIO && vm.run->mmio.gpa == MMIO_DEV,
	    "EPT misconfiguration: with the entry gone the same access exits MMIO at 0x%llx (exit %d)",
	    r2 == AXAS_VCPU_EXIT_MMIO ? (unsigned long long)vm.run->mmio.gpa : 0ULL, r2);
	vm_close(&vm);
}
#elif defined(__aarch64__)
/*
 * every load and store width the arm64 backend decodes from the syndrome,
 * at a test device; then an LDP, whose syndrome has no ISV: an exception
 * exit, stepped over by the VMM
 */
static void test_mmio_arm64(void)
{
	static const unsigned long long want[6][2] = {
		{ 1, 0x11 }, { 2, 0x2233 }, { 4, 0x44556677 }, { 8, 0x0123456789abcdefULL },
		{ 4, 0x8899aabb }, { 8, 0 },
	};
	struct mmio_log log = { 0 };
	unsigned long long esr = 0;
	int r, ok, ldp = 0;
	struct axas_vcpu_regs regs;
	struct vm vm;

	if (guest_vm(&vm, "/guest/mmio.bin", 4 * MIB) || vm_set_entry(&vm, 0, MMIO_DEV, 0, 0)) {
		tap(0, "mmio: setup failed");
		return;
	}
	for (;;) {
		r = vm_run(&vm);
		if (r == AXAS_VCPU_EXIT_EXCEPTION && !ldp) {
			/* the LDP: data abort from EL1 (EC 0x24), ISV (bit 24) clear */
			esr = vm.run->exception.scause;
			ldp = 1;
			if ((esr >> 26) != 0x24 || (esr & (1 << 24)) ||
			    vm.run->exception.htval != MMIO_DEV ||
			    ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &regs) < 0)
				break;
			regs.pc += 4;
			if (ioctl(vm.vcpu, AXAS_VCPU_SET_REGS, &regs) < 0)
				break;
			continue;
		}
		if (!mmio_device_exit(&vm, r, &log))
			break;
	}
	ok = r == AXAS_VCPU_EXIT_SHUTDOWN && ldp && mmio_log_check(&log, want);
	vm_summary(&vm, "mmio");
	tap(ok && vm.con.report[REPORT_MMIO].valid && vm.con.report[REPORT_MMIO].a[0] == 0,
	    "mmio: ldrb ldrsb(x,w) ldrh ldrsh(x,w) ldr(w) ldrsw ldr(x) read the VMM's value extended right (wrong: mask 0x%llx); strb strh str(w,x) stur str xzr give the VMM width and data (%d loads, %d stores); an LDP (no ISV, ESR 0x%llx) exits as an exception",
	    vm.con.report[REPORT_MMIO].a[0], log.loads, log.stores, esr);
	vm_close(&vm);
}
#else
/* every load and store width and form the vCPU decodes, at a test device */
static void test_mmio(int hlvx)
{
	static const unsigned long long want[6][2] = {
		{ 1, 0x11 }, { 2, 0x2233 }, { 4, 0x44556677 }, { 8, 0x0123456789abcdefULL },
		{ 4, 0x8899aabb }, { 8, 0xfedcba9876543210ULL },
	};
	struct mmio_log log = { 0 };
	struct vm vm;
	int r, ok;

	if (set_param("test_no_htinst", hlvx) || guest_vm(&vm, "/guest/mmio.bin", 4 * MIB) ||
	    vm_set_entry(&vm, 0, MMIO_DEV, 0, 0)) {
		tap(0, "mmio: setup failed");
		return;
	}
	do
		r = vm_run(&vm);
	while (mmio_device_exit(&vm, r, &log));
	ok = r == AXAS_VCPU_EXIT_SHUTDOWN && mmio_log_check(&log, want);
	vm_summary(&vm, hlvx ? "mmio, decoded with HLVX" : "mmio");
	/* QEMU gives htinst: every access decoded from it, or (test) with HLVX */
	tap(ok && vm.con.report[REPORT_MMIO].valid && vm.con.report[REPORT_MMIO].a[0] == 0 &&
	    vm.run->stats.insn_reads == (hlvx ? 15 : 0),
	    "mmio (%s): lb lbu lh lhu lw lwu ld c.lw c.ld read the VMM's value extended right (wrong: mask 0x%llx); sb sh sw sd c.sw c.sd give the VMM width and data (%d loads, %d stores, %llu read with HLVX)",
	    hlvx ? "instruction read with HLVX.HU" : "htinst", vm.con.report[REPORT_MMIO].a[0],
	    log.loads, log.stores, vm.run->stats.insn_reads);
	vm_close(&vm);
	set_param("test_no_htinst", 0);
}
#endif

static void test_readonly(void)
{
	unsigned long base = GUEST_RAM + MIB, ro = base + 5 * PAGE;
	int r1, r2, p;
	struct vm vm;

	if (guest_vm(&vm, "/guest/banner.bin", 4 * MIB) || vm_set_entry(&vm, 0, base, 1, 7)) {
		tap(0, "read-only page: setup failed");
		return;
	}
	p = vm_range(&vm, AXAS_IOC_PROTECT, ro, PAGE, AXAS_MAP_READ);
	vm.con.echo = 0;
	r1 = vm_run(&vm);
	tap(!p && r1 == AXAS_VCPU_EXIT_FAULT && vm.run->fault.gpa == ro &&
	    vm.run->fault.access == AXAS_MAP_WRITE && vm.run->fault.result == AXAS_FAULT_PERM,
	    "read-only page: the guest's write exits FAULT at 0x%llx, access %u, result %u (PROTECT %d)",
	    vm.run->fault.gpa, vm.run->fault.access, vm.run->fault.result, p);
	p = vm_range(&vm, AXAS_IOC_PROTECT, ro, PAGE, AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC);
	r2 = vm_run(&vm);
	tap(!p && r2 == AXAS_VCPU_EXIT_SHUTDOWN && console_has(&vm, "pattern read back ok"),
	    "read-only page: made writable again, RUN retries the store and the guest completes");
	vm_close(&vm);
}

static void test_memtest(void)
{
	unsigned long ram = 16 * MIB, base, size;
	struct axas_info info;
	struct vm vm;
	int r;

	if (guest_vm(&vm, "/guest/memtest.bin", ram)) {
		tap(0, "memtest: setup failed");
		return;
	}
	base = GUEST_RAM + pages_of(vm.image_len) * PAGE;
	size = GUEST_RAM + ram - base;
	vm_set_entry(&vm, 0, base, size, 0x1badb002);
	r = vm_run(&vm);
	vm_summary(&vm, "memtest");
	if (vm_info(&vm, &info))
		info.data_pages = 0;
	tap(r == AXAS_VCPU_EXIT_SHUTDOWN && vm.con.report[REPORT_MEMTEST].valid &&
	    vm.con.report[REPORT_MEMTEST].a[0] == size && vm.con.report[REPORT_MEMTEST].a[1] == 0 &&
	    info.data_pages == ram / PAGE,
	    "memtest: every word of the RAM region after the image (%lu bytes) twice, %llu errors; data_pages %llu == all %lu pages",
	    size, vm.con.report[REPORT_MEMTEST].a[1], info.data_pages, ram / PAGE);
	vm_close(&vm);
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * The probe guest reads one page in a loop. A second process (sharing the
 * vCPU fd), once the guest has written its ready word, tries RUN and
 * GET_REGS (EBUSY), then signals us: RUN returns EINTR; paused, we UNMAP
 * the page and resume: the next read exits MMIO.
 */
static void test_pause(void)
{
	unsigned long page = GUEST_RAM + 4 * MIB, flag = GUEST_RAM + 5 * MIB;
	unsigned long long old = PROBE_OLD;
	int r1, r2 = -1, r3 = -1, status = -1, u = -1;
	unsigned long long mmio_gpa = 0;
	struct axas_vcpu_regs regs;
	struct vm vm;
	pid_t child;

	if (guest_vm(&vm, "/guest/probe.bin", 8 * MIB) || pwrite(vm.space, &old, 8, page) != 8 ||
	    vm_set_entry(&vm, 0, page, flag, 600 * TIMEBASE_HZ)) {
		tap(0, "pause: setup failed");
		return;
	}
	vmm_signal(VMM_SIGUSR1, on_signal);
	child = fork();
	if (child == 0) {
		unsigned long long v = 0, deadline = now_ns() + 20000000000ULL;
		int busy_run, busy_regs;

		/* the guest wrote its ready word: the parent is inside RUN */
		while (v != PROBE_READY && now_ns() < deadline)
			pread(vm.space, &v, 8, flag);
		busy_run = ioctl(vm.vcpu, AXAS_VCPU_RUN, 0) < 0 && errno == EBUSY;
		busy_regs = ioctl(vm.vcpu, AXAS_VCPU_GET_REGS, &regs) < 0 && errno == EBUSY;
		kill(getppid(), VMM_SIGUSR1);
		exit(busy_run | busy_regs << 1);
	}
	r1 = vm_run(&vm);
	waitpid(child, &status, 0);
	tap(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	    "two at once: RUN and GET_REGS on a running vCPU are EBUSY (child status 0x%x)", status);
	tap(r1 == AXAS_VCPU_EXIT_INTR && vm.run->exit_reason == AXAS_VCPU_EXIT_INTR,
	    "pause: a signal ends RUN with EINTR, exit reason INTR (got %d)", r1);
	if (r1 == AXAS_VCPU_EXIT_INTR) {
		u = vm_range(&vm, AXAS_IOC_UNMAP, page, PAGE, 0);
		r2 = vm_run(&vm);
	}
	if (r2 == AXAS_VCPU_EXIT_MMIO)
		mmio_gpa = vm.run->mmio.gpa;
	if (r2 == AXAS_VCPU_EXIT_MMIO && mmio_gpa == page && !vm.run->mmio.is_write &&
	    vm.run->mmio.len == 8) {
		vm.run->mmio.data = PROBE_ANSWER;
		r3 = vm_run(&vm);
	}
	tap(!u && r2 == AXAS_VCPU_EXIT_MMIO && r3 == AXAS_VCPU_EXIT_SHUTDOWN &&
	    vm.con.report[REPORT_PROBE_FAULT].valid &&
	    vm.con.report[REPORT_PROBE_FAULT].a[1] == PROBE_OLD,
	    "pause: UNMAP of the page the paused guest reads; resumed, its next 8-byte load exits MMIO at 0x%llx and gets the VMM's value",
	    mmio_gpa);
	vm_close(&vm);
}

static void test_closed_space(void)
{
	struct vm vm;
	int r;

	if (guest_vm(&vm, "/guest/banner.bin", 4 * MIB) || vm_set_entry(&vm, 0, GUEST_RAM + MIB, 2, 3)) {
		tap(0, "closed space: setup failed");
		return;
	}
	close(vm.space);
	vm.space = -1;
	vm.con.echo = 0;
	r = vm_run(&vm);
	tap(r == AXAS_VCPU_EXIT_SHUTDOWN && console_has(&vm, "touched 2 MiB") &&
	    console_has(&vm, "pattern read back ok") && vm.run->stats.guest_faults == 512,
	    "closed space: the VMM closed the space fd before RUN; the vCPU's reference keeps it: the guest faults in 512 pages and completes");
	vm_close(&vm);
}

/*
 * Invalidation under a running guest. This process, on hart 0, runs the
 * probe guest in the test-only quiet mode (no S-level host interrupt can
 * take hart 0 out of the guest, so QEMU's TLB for hart 0 is not flushed
 * by a V=1 -> V=0 switch, or on arm64 by the HCR_EL2 writes of an exit;
 * see Documentation/vcpu-sample.rst). A child on
 * hart 1 waits for the guest's ready word, UNMAPs the page the guest
 * reads, then writes "unmapped" into a word the guest reads before each
 * read of the page. With the callback, axas_vcpu has fenced the VMID on
 * hart 0 before UNMAP returned: no read after the guest sees "unmapped"
 * returns the old data (the next one faults). Without it (the negative
 * control) the guest goes on reading the old data from its TLB.
 */
struct probe_result {
	int exit1, exit2, setup;
	unsigned long long latency_ns;
	int fault, stale_report;
	unsigned long long stale, value, reads;
};

static void probe_unmap(int negative, struct probe_result *res)
{
	unsigned long page = GUEST_RAM + 4 * MIB, flag = GUEST_RAM + 5 * MIB;
	unsigned long long old = PROBE_OLD, t_unmap = 0, t_exit = 0, t_run, t_child[3];
	int pipefd[2], donefd[2], status;
	struct guest_report *rep;
	struct vm vm;
	pid_t child;

	memset(res, 0, sizeof(*res));
	res->exit1 = res->exit2 = -1;
	res->setup = set_param("test_quiet", 1) || set_param("test_no_invalidate", negative) ||
		     guest_vm(&vm, "/guest/probe.bin", 8 * MIB) ||
		     pwrite(vm.space, &old, 8, page) != 8 ||
		     vm_set_entry(&vm, 0, page, flag, 10 * TIMEBASE_HZ) || pipe(pipefd) ||
		     pipe(donefd);
	if (res->setup)
		return;
	/*
	 * The child never runs on hart 0 and does nothing that could send
	 * hart 0 an IPI (such as a TLB shootdown of its address space when it
	 * exits) until the guest is done: it waits on a pipe.
	 */
	pin_to_cpus(1UL << 1);
	child = fork();
	if (child == 0) {
		unsigned long long v = 0, t[3], done = PROBE_UNMAPPED;
		unsigned long long deadline = now_ns() + 20000000000ULL;
		char c;

		while (v != PROBE_READY && now_ns() < deadline)
			pread(vm.space, &v, 8, flag);
		t[0] = now_ns();
		if (v != PROBE_READY || vm_range(&vm, AXAS_IOC_UNMAP, page, PAGE, 0))
			t[1] = 0;
		else
			t[1] = now_ns();
		pwrite(vm.space, &done, 8, flag + 8);
		t[2] = now_ns();
		write(pipefd[1], t, sizeof(t));
		read(donefd[0], &c, 1);
		exit(0);
	}
	pin_to_cpus(1UL << 0);
	t_run = now_ns();
	res->exit1 = vm_run(&vm);
	t_exit = now_ns();
	if (res->exit1 == AXAS_VCPU_EXIT_MMIO && vm.run->mmio.gpa == page && !vm.run->mmio.is_write) {
		res->fault = 1;
		vm.run->mmio.data = PROBE_ANSWER;
		res->exit2 = vm_run(&vm);
	}
	if (read(pipefd[0], t_child, sizeof(t_child)) != sizeof(t_child))
		memset(t_child, 0, sizeof(t_child));
	t_unmap = t_child[1];
	if (t_unmap)
		note("probe: RUN at 0, the child saw the guest ready at %llu us, UNMAP returned at %llu us, \"unmapped\" written at %llu us; RUN returned at %llu us",
		     (t_child[0] - t_run) / 1000, (t_child[1] - t_run) / 1000,
		     (t_child[2] - t_run) / 1000, (t_exit - t_run) / 1000);
	write(donefd[1], "x", 1);
	waitpid(child, &status, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	close(donefd[0]);
	close(donefd[1]);
	if (t_unmap && t_exit > t_unmap)
		res->latency_ns = t_exit - t_unmap;
	res->stale_report = vm.con.report[REPORT_PROBE_STALE].valid;
	rep = &vm.con.report[res->stale_report ? REPORT_PROBE_STALE : REPORT_PROBE_FAULT];
	res->stale = rep->a[0];
	res->value = rep->a[1];
	res->reads = rep->a[2];
	if (!t_unmap)
		res->setup = 1;
	vm_summary(&vm, negative ? "probe, callback disabled" : "probe");
	vm_close(&vm);
	pin_to_cpus(~0UL);
	set_param("test_quiet", 0);
	set_param("test_no_invalidate", 0);
}

static void test_invalidation(void)
{
	struct probe_result pos, neg;

	probe_unmap(0, &pos);
	tap(!pos.setup && pos.fault && pos.exit2 == AXAS_VCPU_EXIT_SHUTDOWN && !pos.stale_report &&
	    pos.stale == 0 && pos.value == PROBE_OLD,
	    "invalidation: hart 1 UNMAPs the page the guest on hart 0 reads in a loop without exits: %llu stale reads after UNMAP returned, the next read faulted (%llu reads, MMIO exit %llu us after UNMAP returned)",
	    pos.stale, pos.reads, pos.latency_ns / 1000);
	probe_unmap(1, &neg);
	tap(!neg.setup && !neg.fault && neg.stale_report && neg.stale >= PROBE_ENOUGH,
	    "invalidation, negative control: with the callback disabled the guest read the unmapped page %llu times after UNMAP returned, no fault (%s, %llu reads)",
	    neg.stale, neg.value == PROBE_OLD ? "its old data" : "the freed page's new content",
	    neg.reads);
	if (neg.fault)
		note("negative control: the guest faulted %llu us after UNMAP returned, after %llu stale reads: something flushed hart 0's TLB",
		     neg.latency_ns / 1000, neg.stale);
}

/* ---- the modes */

static int run_tests(void)
{
	test_api();
	test_bad_fds();
	test_regs();
	test_banner();
	test_readonly();
#ifdef __x86_64__
	test_mmio_x86();
	if (host_intel())
		test_ept_misconfig();
#elif defined(__aarch64__)
	test_mmio_arm64();
#else
	test_mmio(0);
	test_mmio(1);
#endif
	test_memtest();
	test_pause();
	test_closed_space();
	test_invalidation();
#ifdef __x86_64__
	if (host_intel() && param_on("ept_ad")) {
		/* EPT with A/D flags: the CPU sets D; without, write protection */
		test_dirty(tap, 1, "EPT A/D, EPTP bit 6");
		if (set_param("test_no_ept_ad", 1))
			tap(0, "dirty: cannot set axas_vcpu's test_no_ept_ad");
		else
			test_dirty(tap, 0, "EPT without A/D: write faults");
		set_param("test_no_ept_ad", 0);
	} else {
		/* the native format: AMD NPT sets D itself, EPT write-protects */
		test_dirty(tap, -1, "x86-64 native format");
	}
#elif defined(__aarch64__)
	test_dirty(tap, 1, "DBM, VTCR_EL2.HD");
	/* the same with HD off: the write-protect path */
	if (set_param("test_no_hd", 1))
		tap(0, "dirty: cannot set axas_vcpu's test_no_hd");
	else
		test_dirty(tap, 0, "DBM without HD: write faults");
	set_param("test_no_hd", 0);
#else
	test_dirty(tap, 1, "Svadu");
#endif
	return failed;
}

static int bench_axas(unsigned int format, unsigned long mib, int echo,
		      unsigned long long *touch_ns, unsigned long long *run_ns)
{
	unsigned long base = GUEST_RAM + MIB;
	unsigned long long t0;
	struct vm vm;
	int r, ret;

	ret = vm_open(&vm);
	vm.format = format;
	if (!ret)
		ret = vm_new_space(&vm, mib * MIB + 2 * MIB, 0);
	if (!ret)
		ret = vm_load(&vm, "/guest/banner.bin") < 0 ? -EIO : 0;
	if (!ret)
		ret = vm_create_vcpu(&vm);
	if (ret || vm_set_entry(&vm, 0, base, mib, 42))
		return -1;
	vm.con.echo = echo;
	t0 = now_ns();
	r = vm_run(&vm);
	*run_ns = now_ns() - t0;
	*touch_ns = vm.con.report[REPORT_TOUCH].a[1] * (1000000000ULL / TIMEBASE_HZ);
	if (echo)
		vm_summary(&vm, "bench");
	vm_close(&vm);
	return r == AXAS_VCPU_EXIT_SHUTDOWN && vm.con.report[REPORT_TOUCH].a[2] == 0 ? 0 : -1;
}

static int bench_kvm(unsigned long mib, int echo, unsigned long long *touch_ns,
		     unsigned long long *run_ns)
{
	unsigned long args[4] = { 0, GUEST_RAM + MIB, mib, 42 };
	struct guest_console con;
	int r;

	memset(&con, 0, sizeof(con));
	con.echo = echo;
	r = kvm_run_guest("/guest/banner.bin", mib * MIB + 2 * MIB, args, &con, run_ns);
	*touch_ns = con.report[REPORT_TOUCH].a[1] * (1000000000ULL / TIMEBASE_HZ);
#ifdef __x86_64__
	/* KVM takes the report VMMCALL itself: the guest's own words decide */
	con.out[con.out_len] = 0;
	return r == 0 && find(con.out, "pattern read back ok") ? 0 : -1;
#endif
	return r == 0 && con.report[REPORT_TOUCH].valid && con.report[REPORT_TOUCH].a[2] == 0 ? 0 : -1;
}

static int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = finit_module(fd, "", 0);
	close(fd);
	return ret ? -errno : 0;
}

#define BENCH_RUNS	3

struct bench_row {
	const char *name;
	unsigned long long touch, run;	/* best of BENCH_RUNS, ns */
};

static int bench_one(struct bench_row *row, int kvm, unsigned int format, unsigned long mib)
{
	unsigned long long touch, run;
	int i, err = 0;

	row->touch = row->run = ~0ULL;
	for (i = 0; i < BENCH_RUNS; i++) {
		if (kvm)
			err |= bench_kvm(mib, i == 0, &touch, &run);
		else
			err |= bench_axas(format, mib, i == 0, &touch, &run);
#ifdef __x86_64__
		/* the guest's TSC rate is unknown here: whole runs only */
		printf("bench: %s run %d: whole run %llu ms\n", row->name, i + 1, run / 1000000);
#else
		printf("bench: %s run %d: first touch %llu ns/page, whole run %llu ms\n",
		       row->name, i + 1, touch / (mib * 256), run / 1000000);
#endif
		if (touch < row->touch)
			row->touch = touch;
		if (run < row->run)
			row->run = run;
	}
	return err;
}

static void bench_ratio(const char *what, unsigned long long a, unsigned long long k)
{
	printf("%s %llu.%llu%llu x", what, a / k, a * 10 / k % 10, a * 100 / k % 10);
}

#ifdef __x86_64__
/*
 * Coexistence with KVM: while a KVM VM exists, KVM holds VMX (or SVM) on
 * every CPU (6.1 enables it when the VM is created) and RUN refuses with
 * EBUSY rather than share it; once the VM is closed the guest runs.
 */
static int bench_coexist(const char *kvm_name)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vmfd = -1, busy = 0, again;
	struct vm vm;

	if (kvm < 0 || guest_vm(&vm, "/guest/banner.bin", 4 * MIB) ||
	    vm_set_entry(&vm, 0, GUEST_RAM + MIB, 1, 1)) {
		printf("bench: coexistence: setup failed (%d)\n", errno);
		return 1;
	}
	vm.con.echo = 0;
	vmfd = ioctl(kvm, _IO(0xAE, 0x01), 0);		/* KVM_CREATE_VM */
	if (vmfd >= 0) {
		busy = ioctl(vm.vcpu, AXAS_VCPU_RUN, 0) < 0 && errno == EBUSY;
		close(vmfd);
	}
	close(kvm);
	again = vm_run(&vm) == AXAS_VCPU_EXIT_SHUTDOWN;
	printf("bench: coexistence with %s: RUN while a KVM VM exists is %s; with the VM closed the guest %s\n",
	       kvm_name, busy ? "EBUSY" : "not refused (wrong)",
	       again ? "runs to its power-off" : "does not run (wrong)");
	vm_close(&vm);
	return busy && again ? 0 : 1;
}

/*
 * kvm_amd (NPT) or kvm_intel (EPT) of the Debian image against axas_vcpu
 * on the same host's format: whole runs. /kvm_vendor.ko is the vendor's
 * module; /ccp.ko (kvm_amd's dependency) is empty on Intel.
 */
static int run_bench(void)
{
	int intel = host_intel();
	struct bench_row rows[2] = {
		{ .name = intel ? "axas_vcpu EPT4" : "axas_vcpu AMD NPT" },
		{ .name = intel ? "kvm_intel (EPT)" : "kvm_amd (NPT)" },
	};
	unsigned long mib = 64, pages = mib * 256;
	int i, err = 0;

	err |= bench_one(&rows[0], 0, AXAS_FMT_NATIVE, mib);
	if (load_module("/irqbypass.ko") || load_module("/kvm.ko") ||
	    (!intel && load_module("/ccp.ko")) || load_module("/kvm_vendor.ko")) {
		printf("bench: cannot load irqbypass, kvm, %s (%d)\n",
		       intel ? "kvm_intel" : "ccp, kvm_amd", errno);
		return 1;
	}
	err |= bench_coexist(rows[1].name);
	err |= bench_one(&rows[1], 1, 0, mib);
	delete_module(intel ? "kvm_intel" : "kvm_amd", 0);
	if (!intel)
		delete_module("ccp", 0);
	delete_module("kvm", 0);
	delete_module("irqbypass", 0);
	printf("bench: 64 MiB of fresh guest RAM touched once per page (%lu pages), best of %d runs, %s, 2 CPUs:\n",
	       pages, BENCH_RUNS,
	       intel ? "Bochs 2.7 corei7_skylake_x" : "QEMU 7.2 TCG -cpu max");
	for (i = 0; i < 2; i++) {
		printf("bench:   %s: whole run %llu ms, %llu ns per page", rows[i].name,
		       rows[i].run / 1000000, rows[i].run / pages);
		if (i == 0) {
			bench_ratio(";", rows[0].run, rows[1].run);
			printf(" of KVM");
		}
		printf("\n");
	}
	return err ? 1 : 0;
}
#elif defined(__aarch64__)
/* KVM is built into the arm64 kernel: no module to load */
static int run_bench(void)
{
	struct bench_row rows[2] = { { .name = "axas_vcpu Arm stage 2" }, { .name = "kvm (VHE)" } };
	unsigned long mib = 64, pages = mib * 256;
	int i, err = 0;

	err |= bench_one(&rows[0], 0, AXAS_FMT_ARM_S2, mib);
	err |= bench_one(&rows[1], 1, 0, mib);
	printf("bench: 64 MiB of fresh guest RAM touched once per page (%lu pages), best of %d runs, QEMU 7.2 TCG -M virt,virtualization=on -cpu max, -smp 2:\n",
	       pages, BENCH_RUNS);
	for (i = 0; i < 2; i++) {
		printf("bench:   %s: first touch %llu ns/page, whole run %llu ms",
		       rows[i].name, rows[i].touch / pages, rows[i].run / 1000000);
		if (i == 0) {
			bench_ratio(";", rows[0].touch, rows[1].touch);
			bench_ratio(",", rows[0].run, rows[1].run);
			printf(" of KVM");
		}
		printf("\n");
	}
	return err ? 1 : 0;
}
#else
static int run_bench(void)
{
	struct bench_row rows[3] = {
		{ .name = "axas_vcpu Sv39x4" }, { .name = "axas_vcpu Sv57x4" },
		{ .name = "kvm (Sv57x4)" },
	};
	unsigned long mib = 64, pages = mib * 256;
	int i, err = 0;

	err |= bench_one(&rows[0], 0, AXAS_FMT_SV39X4, mib);
	err |= bench_one(&rows[1], 0, AXAS_FMT_SV57X4, mib);
	if (load_module("/kvm.ko")) {
		printf("bench: cannot load kvm.ko (%d)\n", errno);
		return 1;
	}
	err |= bench_one(&rows[2], 1, 0, mib);
	delete_module("kvm", 0);
	printf("bench: 64 MiB of fresh guest RAM touched once per page (%lu pages), best of %d runs, QEMU 10 TCG, -smp 2:\n",
	       pages, BENCH_RUNS);
	for (i = 0; i < 3; i++) {
		printf("bench:   %s: first touch %llu ns/page, whole run %llu ms",
		       rows[i].name, rows[i].touch / pages, rows[i].run / 1000000);
		if (i < 2) {
			bench_ratio(";", rows[i].touch, rows[2].touch);
			bench_ratio(",", rows[i].run, rows[2].run);
			printf(" of KVM");
		}
		printf("\n");
	}
	return err ? 1 : 0;
}
#endif

/*
 * A kernel without the backend's hardware (arm64: booted with
 * kvm-arm.mode=nvhe, so it runs at EL1): the module loads, the device
 * answers, but CREATE is EOPNOTSUPP.
 */
static int run_nohyp(void)
{
	struct vm vm;
	int fd = -1, err = 0, ret = vm_open(&vm);

	if (!ret)
		ret = vm_new_space(&vm, 4 * MIB, 0);
	if (!ret) {
		fd = ioctl(vm.vcpudev, AXAS_VCPU_CREATE, (void *)(long)vm.space);
		err = fd < 0 ? errno : 0;
	}
	tap(!ret && fd < 0 && err == EOPNOTSUPP &&
	    ioctl(vm.vcpudev, AXAS_VCPU_GET_API_VERSION, 0) == AXAS_VCPU_API_VERSION,
	    "no hypervisor mode: the module loads and answers, CREATE on a valid space is EOPNOTSUPP (setup %d, errno %d)",
	    ret, err);
	if (fd >= 0)
		close(fd);
	if (!ret)
		vm_close(&vm);
	return 0;
}

static int run_demo(void)
{
	unsigned long long t0 = now_ns();
	struct axas_info info;
	struct vm vm;
	int r;

#ifdef __aarch64__
	printf("axas-vmm: demo: an Arm stage-2 space with 32 MiB of lazy RAM at 0x80000000, the banner guest loaded with pwrite, one vCPU\n");
#elif defined(__x86_64__)
	printf("axas-vmm: demo: a space of the host's format (%s) with 32 MiB of lazy RAM at 0x80000000, the banner guest loaded with pwrite, one vCPU\n",
	       host_intel() ? "EPT4" : "AMD NPT");
#else
	printf("axas-vmm: demo: a Sv39x4 space with 32 MiB of lazy RAM at 0x80000000, the banner guest loaded with pwrite, one vCPU\n");
#endif
	if (guest_vm(&vm, "/guest/banner.bin", 32 * MIB) ||
	    vm_set_entry(&vm, 0, GUEST_RAM + MIB, 16, 1))
		return 1;
	vm_info(&vm, &info);
	printf("axas-vmm: demo: before the run: table_pages %llu, data_pages %llu (the image)\n",
	       info.table_pages, info.data_pages);
	r = vm_run(&vm);
	vm_summary(&vm, "demo");
	printf("axas-vmm: demo: guest %s after %llu ms\n",
	       r == AXAS_VCPU_EXIT_SHUTDOWN ? "powered off" : "stopped unexpectedly",
	       (now_ns() - t0) / 1000000);
	vm_close(&vm);
	return r == AXAS_VCPU_EXIT_SHUTDOWN ? 0 : 1;
}

/*
 * Free memory in KiB: the free pages of every zone plus the pages waiting
 * in per-CPU lists (freed, but not counted in MemFree until drained), from
 * /proc/zoneinfo.
 */
static long free_kib(void)
{
	static char buf[16384];
	const char *p;
	int fd = open("/proc/zoneinfo", O_RDONLY);
	long n, total = 0, got = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	for (p = buf; (p = find(p, "pages free")); p += 10)
		total += atol(p + 10 + strspn_blank(p + 10));
	for (p = buf; (p = find(p, "count:")); p += 6)
		total += atol(p + 6 + strspn_blank(p + 6));
	return total * 4;
}

#ifdef __x86_64__
/* the guests and axas_vcpu.ko, built into the x86-64 VMM (blobs-x86_64.S) */
extern const char blob_banner[], blob_banner_end[], blob_probe[], blob_probe_end[];
extern const char blob_memtest[], blob_memtest_end[], blob_vcpu_ko[], blob_vcpu_ko_end[];
extern const char blob_mmio[], blob_mmio_end[], blob_kvm[], blob_kvm_end[];
extern const char blob_kvm_vendor[], blob_kvm_vendor_end[], blob_irqbypass[], blob_irqbypass_end[];
extern const char blob_ccp[], blob_ccp_end[], blob_dirty[], blob_dirty_end[];

static int put_file(const char *path, const char *p, const char *end)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, p, end - p) == end - p;
	close(fd);
	return ok ? 0 : -EIO;
}

static int unpack(void)
{
	mkdir("/guest", 0755);
	return put_file("/guest/banner.bin", blob_banner, blob_banner_end) ||
	       put_file("/guest/probe.bin", blob_probe, blob_probe_end) ||
	       put_file("/guest/memtest.bin", blob_memtest, blob_memtest_end) ||
	       put_file("/guest/mmio.bin", blob_mmio, blob_mmio_end) ||
	       put_file("/guest/dirty.bin", blob_dirty, blob_dirty_end) ||
	       put_file("/kvm.ko", blob_kvm, blob_kvm_end) ||
	       put_file("/kvm_vendor.ko", blob_kvm_vendor, blob_kvm_vendor_end) ||
	       put_file("/irqbypass.ko", blob_irqbypass, blob_irqbypass_end) ||
	       put_file("/ccp.ko", blob_ccp, blob_ccp_end) ||
	       put_file("/axas_vcpu.ko", blob_vcpu_ko, blob_vcpu_ko_end);
}
#else
static int unpack(void)
{
	return 0;
}
#endif

/*
 * As /init (pid 1) or, with --harness, as the command of tools/qemu/run.sh,
 * which has loaded axas.ko and mounted everything already.
 */
static int init_main(const char *mode, int harness)
{
	long free_before, free_after;
	int ret = 0, unload;

	if (!harness) {
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		mount("proc", "/proc", "proc", 0, NULL);
		mount("sysfs", "/sys", "sysfs", 0, NULL);
	}
	printf("axas-vmm: %s, mode %s\n", harness ? "under the harness" : "/init", mode);
	if (unpack()) {
		printf("not ok 1 - cannot unpack the guests (%d)\n", errno);
		goto out;
	}
	free_before = free_kib();
	if ((!harness && load_module("/axas.ko")) || load_module("/axas_vcpu.ko")) {
		printf("not ok 1 - modules: cannot load axas.ko and axas_vcpu.ko (%d)\n", errno);
		goto out;
	}
	if (!strcmp(mode, "bench"))
		ret = run_bench();
	else if (!strcmp(mode, "demo"))
		ret = run_demo();
	else if (!strcmp(mode, "nohyp"))
		ret = run_nohyp();
	else
		ret = run_tests();

	unload = delete_module("axas_vcpu", 0) == 0 && delete_module("axas", 0) == 0;
	free_after = free_kib();
	if (!strcmp(mode, "test") || !strcmp(mode, "nohyp")) {
		tap(unload, "modules: axas_vcpu and axas unload");
		tap(free_before > 0 && free_after > 0 && free_before - free_after < 1024,
		    "nothing leaked: %ld KiB free (buddy + per-CPU lists) before loading, %ld KiB after unloading",
		    free_before, free_after);
		printf("1..%d\n", tests);
	}
out:
	printf("axas-vmm: done (%s, %d failed)\n", mode, failed + ret);
	if (harness)
		return failed + ret ? 1 : 0;
	reboot(LINUX_REBOOT_CMD_POWER_OFF);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 2 ? atol(argv[2]) : 8;
	struct vm vm;
	int r;

	if (getpid() == 1)
		return init_main(argc > 1 ? argv[1] : "test", 0);
	if (argc > 1 && !strcmp(argv[1], "--harness"))
		return init_main(argc > 2 ? argv[2] : "test", 1);
	if (argc < 2) {
		printf("usage: axas-vmm GUEST.bin [MiB to touch]\n");
		return 2;
	}
	if (guest_vm(&vm, argv[1], mib * MIB + 2 * MIB) ||
	    vm_set_entry(&vm, 0, GUEST_RAM + MIB, mib, 1))
		return 1;
	r = vm_run(&vm);
	printf("axas-vmm: exit %s\n", r >= 0 && r < AXAS_VCPU_EXIT_NR ? vm_exit_names[r] : "error");
	vm_summary(&vm, argv[1]);
	vm_close(&vm);
	return r == AXAS_VCPU_EXIT_SHUTDOWN ? 0 : 1;
}
