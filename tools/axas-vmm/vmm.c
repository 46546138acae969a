// SPDX-License-Identifier: GPL-2.0
/*
 * axas-vmm: building a guest on /dev/axas and running it on /dev/axas_vcpu.
 */
#include "sys.h"
#include "vmm.h"

const char *const vm_exit_names[AXAS_VCPU_EXIT_NR] = {
	[AXAS_VCPU_EXIT_UNKNOWN] = "unknown",
	[AXAS_VCPU_EXIT_MMIO] = "mmio",
	[AXAS_VCPU_EXIT_SBI] = "sbi",
	[AXAS_VCPU_EXIT_FAULT] = "fault",
	[AXAS_VCPU_EXIT_INTR] = "intr",
	[AXAS_VCPU_EXIT_SHUTDOWN] = "shutdown",
	[AXAS_VCPU_EXIT_EXCEPTION] = "exception",
	[AXAS_VCPU_EXIT_PIO] = "pio",
};

#ifdef __x86_64__
#define VM_DEFAULT_FORMAT	AXAS_FMT_NATIVE		/* AMD NPT, the host's depth */
#elif defined(__aarch64__)
#define VM_DEFAULT_FORMAT	AXAS_FMT_ARM_S2
#else
#define VM_DEFAULT_FORMAT	AXAS_FMT_SV39X4
#endif

int vm_open(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->space = vm->vcpu = -1;
	vm->con.echo = 1;
	vm->axas = open("/dev/axas", O_RDWR | O_CLOEXEC);
	if (vm->axas < 0)
		return -errno;
	vm->vcpudev = open("/dev/axas_vcpu", O_RDWR | O_CLOEXEC);
	if (vm->vcpudev < 0) {
		close(vm->axas);
		return -errno;
	}
	return 0;
}

/* a space (Sv39x4 unless vm->format says) over the low 4 GiB; RAM at GUEST_RAM as one alloc region */
int vm_new_space(struct vm *vm, unsigned long ram_size, unsigned int map_flags)
{
	struct axas_new n = {
		.size = sizeof(n), .format = vm->format ? vm->format : VM_DEFAULT_FORMAT,
		.base = 0, .length = 1UL << 32,
	};
	struct axas_map m = {
		.size = sizeof(m), .gpa = GUEST_RAM, .length = ram_size,
		.flags = AXAS_MAP_READ | AXAS_MAP_WRITE | AXAS_MAP_EXEC | map_flags,
	};

	vm->space = ioctl(vm->axas, AXAS_IOC_NEW, &n);
	if (vm->space < 0)
		return -errno;
	if (ioctl(vm->space, AXAS_IOC_MAP_ALLOC, &m) < 0)
		return -errno;
	vm->ram_size = ram_size;
	return 0;
}

long read_file(const char *path, char **buf)
{
	long len = 0, cap = 1 << 16, n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	*buf = malloc(cap);
	while (*buf && (n = read(fd, *buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap)
			*buf = realloc(*buf, cap *= 2);
	}
	close(fd);
	return *buf ? len : -ENOMEM;
}

/* the guest image at the start of RAM, written through the space fd */
long vm_load(struct vm *vm, const char *path)
{
	char *img;
	long len = read_file(path, &img), done;

	if (len < 0)
		return len;
	done = pwrite(vm->space, img, len, GUEST_RAM);
	free(img);
	if (done != len)
		return done < 0 ? -errno : -EIO;
	vm->image_len = len;
	return len;
}

int vm_create_vcpu(struct vm *vm)
{
	long size = ioctl(vm->vcpudev, AXAS_VCPU_GET_RUN_SIZE, 0);

	if (size <= 0)
		return -errno;
	vm->vcpu = ioctl(vm->vcpudev, AXAS_VCPU_CREATE, (void *)(long)vm->space);
	if (vm->vcpu < 0)
		return -errno;
	vm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return -errno;
	}
	return 0;
}

#ifdef __x86_64__
/*
 * 64-bit mode at the image, CR3 at its page tables (identity, 4 GiB);
 * RDI, RSI, RDX, RCX the guest's arguments (a0: cpu id)
 */
int vm_set_entry(struct vm *vm, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3)
{
	struct axas_vcpu_regs r;

	if (ioctl(vm->vcpu, AXAS_VCPU_GET_REGS, &r) < 0)
		return -errno;
	r.rip = GUEST_RAM;
	r.cr0 = 0x80000011;	/* PG, ET, PE */
	r.cr4 = 0x20;		/* PAE */
	r.efer = 0x100;		/* LME */
	r.cr3 = GUEST_X86_CR3;
	r.rflags = 2;
	r.gpr[7] = a0;
	r.gpr[6] = a1;
	r.gpr[2] = a2;
	r.gpr[1] = a3;
	return ioctl(vm->vcpu, AXAS_VCPU_SET_REGS, &r) < 0 ? -errno : 0;
}
#elif defined(__aarch64__)
/* EL1h as created, pc at the image, x0..x3 the guest's arguments (x0: cpu id) */
int vm_set_entry(struct vm *vm, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3)
{
	struct axas_vcpu_regs r;

	if (ioctl(vm->vcpu, AXAS_VCPU_GET_REGS, &r) < 0)
		return -errno;
	r.pc = GUEST_RAM;
	r.x[0] = a0;
	r.x[1] = a1;
	r.x[2] = a2;
	r.x[3] = a3;
	return ioctl(vm->vcpu, AXAS_VCPU_SET_REGS, &r) < 0 ? -errno : 0;
}
#else
/* pc at the image, a0..a3 the guest's arguments (a0: hart id) */
int vm_set_entry(struct vm *vm, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3)
{
	struct axas_vcpu_regs r;

	if (ioctl(vm->vcpu, AXAS_VCPU_GET_REGS, &r) < 0)
		return -errno;
	r.pc = GUEST_RAM;
	r.x[10] = a0;
	r.x[11] = a1;
	r.x[12] = a2;
	r.x[13] = a3;
	return ioctl(vm->vcpu, AXAS_VCPU_SET_REGS, &r) < 0 ? -errno : 0;
}
#endif

void console_store(struct guest_console *con, unsigned long gpa, unsigned long data)
{
	char c = data;

	if (gpa != GUEST_UART)
		return;
	con->uart_stores++;
	if (con->out_len < (int)sizeof(con->out) - 1)
		con->out[con->out_len++] = c;
	if (c != '\n' && con->line_len < (int)sizeof(con->line) - 1) {
		con->line[con->line_len++] = c;
		return;
	}
	con->line[con->line_len] = 0;
	if (c == '\n' || con->line_len) {
		if (con->echo)
			printf("guest: %s\n", con->line);
		con->line_len = 0;
	}
}

/* 1 if the call was the console's (report or legacy putchar), 0 if not */
int console_sbi(struct guest_console *con, unsigned long ext, unsigned long fid,
		const unsigned long long *args)
{
	if (ext == GUEST_SBI_EXT_REPORT && fid < GUEST_NR_REPORTS) {
		con->report[fid].valid = 1;
		con->report[fid].a[0] = args[0];
		con->report[fid].a[1] = args[1];
		con->report[fid].a[2] = args[2];
		return 1;
	}
	if (ext == SBI_EXT_LEGACY_PUTCHAR) {
		console_store(con, GUEST_UART, args[0]);
		return 1;
	}
	return 0;
}

/*
 * RUN until something the VMM itself does not handle: returns the exit
 * reason (SHUTDOWN, FAULT, INTR, EXCEPTION, or MMIO/SBI it does not know),
 * or -errno if RUN failed otherwise.
 */
int vm_run(struct vm *vm)
{
	struct axas_vcpu_run *run = vm->run;

	for (;;) {
		if (ioctl(vm->vcpu, AXAS_VCPU_RUN, 0) < 0) {
			if (errno == EINTR && run->exit_reason == AXAS_VCPU_EXIT_INTR)
				return AXAS_VCPU_EXIT_INTR;
			return -errno;
		}
		switch (run->exit_reason) {
		case AXAS_VCPU_EXIT_MMIO:
			if (run->mmio.gpa == GUEST_UART && run->mmio.is_write) {
				console_store(&vm->con, run->mmio.gpa, run->mmio.data);
				continue;
			}
			if (run->mmio.gpa == GUEST_UART + 5 && !run->mmio.is_write) {
				run->mmio.data = 0x60;	/* THR empty, idle */
				continue;
			}
			return AXAS_VCPU_EXIT_MMIO;
		case AXAS_VCPU_EXIT_PIO:
			if (run->pio.port == GUEST_UART_PORT && run->pio.is_write) {
				console_store(&vm->con, GUEST_UART, run->pio.data);
				continue;
			}
			if (run->pio.port == GUEST_UART_PORT + 5 && !run->pio.is_write) {
				run->pio.data = 0x60;	/* THR empty, idle */
				continue;
			}
			return AXAS_VCPU_EXIT_PIO;
		case AXAS_VCPU_EXIT_SBI:
			if (console_sbi(&vm->con, run->sbi.extension_id,
					run->sbi.function_id, run->sbi.args)) {
				run->sbi.ret[0] = 0;
				continue;
			}
			return AXAS_VCPU_EXIT_SBI;
		default:
			return run->exit_reason;
		}
	}
}

int vm_info(struct vm *vm, struct axas_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(vm->space, AXAS_IOC_INFO, info) < 0 ? -errno : 0;
}

/* UNMAP (flags unused) or PROTECT (flags: AXAS_MAP_*) */
int vm_range(struct vm *vm, unsigned long cmd, unsigned long gpa,
	     unsigned long len, unsigned int flags)
{
	struct axas_map m = { .size = sizeof(m), .flags = flags, .gpa = gpa, .length = len };
	struct axas_range r = { .size = sizeof(r), .gpa = gpa, .length = len };

	if (cmd == AXAS_IOC_UNMAP)
		return ioctl(vm->space, cmd, &r) < 0 ? -errno : 0;
	return ioctl(vm->space, cmd, &m) < 0 ? -errno : 0;
}

void vm_summary(struct vm *vm, const char *name)
{
	struct axas_vcpu_stats *s = &vm->run->stats;
	struct axas_info info;
	int i;

	printf("vmm: %s: %llu entries, %llu guest-page faults resolved in the kernel, %llu spurious, %llu host-interrupt exits, %llu invalidations, %llu MMIO instructions read from guest memory\n",
	       name, s->entries, s->guest_faults, s->spurious_faults, s->irq_exits,
	       s->invalidations, s->insn_reads);
	printf("vmm: %s: exits to the VMM:", name);
	for (i = 0; i < AXAS_VCPU_EXIT_NR; i++)
		if (s->exits[i])
			printf(" %s %llu", vm_exit_names[i], s->exits[i]);
	printf("\n");
	if (vm->space >= 0 && !vm_info(vm, &info))
		printf("vmm: %s: space: table_pages %llu, data_pages %llu, tlb_gen %llu\n",
		       name, info.table_pages, info.data_pages, info.tlb_gen);
}

void vm_close(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, 4096);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->space >= 0)
		close(vm->space);
	close(vm->vcpudev);
	close(vm->axas);
	vm->run = NULL;
	vm->vcpu = vm->space = -1;
}
