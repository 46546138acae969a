// SPDX-License-Identifier: GPL-2.0
/*
 * The yardstick: the same guest on KVM (RISC-V, x86-64 with kvm_amd or
 * kvm_intel, arm64), for make bench only. The smallest VMM KVM allows:
 * KVM_CREATE_VM, one memory slot of anonymous memory at GUEST_RAM, one
 * vCPU, KVM_RUN; the UART and the report calls as in vmm.c.
 *
 * kvm_run_guest() is the same on every host. What differs is how the vCPU
 * is entered (kvm_arch_entry(), like vm_set_entry() in vmm.c) and which
 * exits a guest makes (kvm_arch_exit()).
 */
#include "sys.h"
#include "kvm.h"
#include "vmm.h"

#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
#include <linux/kvm.h>

struct kvm_guest {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	long run_size;
	void *ram;
	unsigned long ram_size;
	char *img;
};

/* what an exit asks of the run loop */
enum { RUN_DONE, RUN_AGAIN, RUN_STRANGE };
#endif

#if defined(__aarch64__) || defined(__riscv)
/* the UART of vmm.c, reached by MMIO (arm64, RISC-V) */
static int kvm_uart_mmio(struct kvm_run *run, struct guest_console *con)
{
	if (run->mmio.is_write) {
		console_store(con, run->mmio.phys_addr, run->mmio.data[0]);
		return RUN_AGAIN;
	}
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (run->mmio.phys_addr == GUEST_UART + 5)
		run->mmio.data[0] = 0x60;	/* line status: transmitter empty */
	return RUN_AGAIN;
}
#endif

#if defined(__x86_64__)
/*
 * x86-64: kvm_amd with nested paging, or kvm_intel with EPT. The guest is
 * entered like on axas: long mode, CR3 at the image's page tables,
 * arguments in RDI, RSI, RDX, RCX. KVM handles VMMCALL/VMCALL itself (the
 * report calls are lost: the bench times whole runs); the guest's HLT
 * after its shutdown call ends the run (no in-kernel irqchip:
 * KVM_EXIT_HLT).
 */
static void kvm_seg(struct kvm_segment *s, unsigned short sel, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = code ? 11 : 3;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

static int kvm_cpuid(int kvm, int vcpu)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} cpuid = { .c.nent = 100 };

	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0)
		return -errno;
	return ioctl(vcpu, KVM_SET_CPUID2, &cpuid) < 0 ? -errno : 0;
}

static int kvm_arch_entry(struct kvm_guest *g, const unsigned long *args)
{
	struct kvm_sregs sr;
	struct kvm_regs r;

	if (kvm_cpuid(g->kvm, g->vcpu) || ioctl(g->vcpu, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	kvm_seg(&sr.cs, 0x08, 1);
	kvm_seg(&sr.ds, 0x10, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.cr0 = 0x80000031;
	sr.cr4 = 0x20;
	sr.efer = 0x500;	/* LME, LMA */
	sr.cr3 = GUEST_X86_CR3;
	if (ioctl(g->vcpu, KVM_SET_SREGS, &sr) < 0)
		return -errno;
	memset(&r, 0, sizeof(r));
	r.rip = GUEST_RAM;
	r.rflags = 2;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.rcx = args[3];
	return ioctl(g->vcpu, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

static int kvm_arch_exit(struct kvm_guest *g, struct guest_console *con)
{
	struct kvm_run *run = g->run;
	char *io;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		io = (char *)run + run->io.data_offset;
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == GUEST_UART_PORT)
			console_store(con, GUEST_UART, *io);
		else if (run->io.direction == KVM_EXIT_IO_IN)
			*io = run->io.port == GUEST_UART_PORT + 5 ? 0x60 : 0;
		return RUN_AGAIN;
	case KVM_EXIT_HLT:
		return RUN_DONE;
	}
	return RUN_STRANGE;
}
#elif defined(__aarch64__)
/*
 * arm64: KVM built into the same kernel, which runs at EL2 with VHE. The
 * guest is entered like on axas: EL1h, DAIF masked, stage 1 off, pc at
 * the image, arguments in x0..x3. KVM handles PSCI SYSTEM_OFF itself
 * (KVM_EXIT_SYSTEM_EVENT); the report HVC is forwarded to this VMM with
 * an SMCCC filter (KVM_EXIT_HYPERCALL), so the guest's own first-touch
 * ticks reach the bench as on axas_vcpu.
 */
#define ARM_CORE(name)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(name))

static int kvm_reg(int vcpu, unsigned long cmd, unsigned long long id, unsigned long long *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (unsigned long)val };

	return ioctl(vcpu, cmd, &r) < 0 ? -errno : 0;
}

/* the report HVC to this VMM: KVM_EXIT_HYPERCALL (Linux 6.4 and later) */
static int kvm_forward_reports(int vm)
{
	struct kvm_smccc_filter f = {
		.base = GUEST_SBI_EXT_REPORT, .nr_functions = 1,
		.action = KVM_SMCCC_FILTER_FWD_TO_USER,
	};
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VM_SMCCC_CTRL, .attr = KVM_ARM_VM_SMCCC_FILTER,
		.addr = (unsigned long)&f,
	};

	return ioctl(vm, KVM_SET_DEVICE_ATTR, &attr) < 0 ? -errno : 0;
}

static int kvm_arch_entry(struct kvm_guest *g, const unsigned long *args)
{
	struct kvm_vcpu_init init;
	unsigned long long v;
	int i;

	if (kvm_forward_reports(g->vm))
		printf("kvm: no SMCCC filter (%d): the guest's reports are lost\n", errno);
	if (ioctl(g->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(g->vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	v = GUEST_RAM;
	if (kvm_reg(g->vcpu, KVM_SET_ONE_REG, ARM_CORE(regs.pc), &v))
		return -errno;
	for (i = 0; i < 4; i++) {
		v = args[i];
		if (kvm_reg(g->vcpu, KVM_SET_ONE_REG, ARM_CORE(regs.regs[i]), &v))
			return -errno;
	}
	return 0;
}

static void kvm_report(int vcpu, struct guest_console *con)
{
	unsigned long long x[5] = { 0 }, ret = 0;
	int i;

	for (i = 1; i < 5; i++)
		kvm_reg(vcpu, KVM_GET_ONE_REG, ARM_CORE(regs.regs[i]), &x[i]);
	console_sbi(con, GUEST_SBI_EXT_REPORT, x[1], &x[2]);
	kvm_reg(vcpu, KVM_SET_ONE_REG, ARM_CORE(regs.regs[0]), &ret);
}

static int kvm_arch_exit(struct kvm_guest *g, struct guest_console *con)
{
	switch (g->run->exit_reason) {
	case KVM_EXIT_MMIO:
		return kvm_uart_mmio(g->run, con);
	case KVM_EXIT_HYPERCALL:
		kvm_report(g->vcpu, con);
		return RUN_AGAIN;
	case KVM_EXIT_SYSTEM_EVENT:
		return RUN_DONE;
	}
	return RUN_STRANGE;
}
#elif defined(__riscv)
/*
 * RISC-V: KVM with the H extension. The guest is entered like on axas:
 * VS-mode, pc at the image, arguments in a0..a3. The SBI calls KVM does
 * not handle itself (the console, the reports) come to this VMM
 * (KVM_EXIT_RISCV_SBI); system reset ends the run (KVM_EXIT_SYSTEM_EVENT).
 */
#define CORE(name)	KVM_REG_RISCV_CORE_REG(name)

static int kvm_set_reg(int vcpu, unsigned long idx, unsigned long val)
{
	struct kvm_one_reg r = {
		.id = KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | idx,
		.addr = (unsigned long)&val,
	};

	return ioctl(vcpu, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

static int kvm_arch_entry(struct kvm_guest *g, const unsigned long *args)
{
	static const unsigned long arg_reg[4] = {
		CORE(regs.a0), CORE(regs.a1), CORE(regs.a2), CORE(regs.a3),
	};
	int i, ret = kvm_set_reg(g->vcpu, CORE(regs.pc), GUEST_RAM);

	for (i = 0; i < 4 && !ret; i++)
		ret = kvm_set_reg(g->vcpu, arg_reg[i], args[i]);
	return ret;
}

static int kvm_arch_exit(struct kvm_guest *g, struct guest_console *con)
{
	struct kvm_run *run = g->run;
	unsigned long long a[3];

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		return kvm_uart_mmio(run, con);
	case KVM_EXIT_RISCV_SBI:
		a[0] = run->riscv_sbi.args[0];
		a[1] = run->riscv_sbi.args[1];
		a[2] = run->riscv_sbi.args[2];
		run->riscv_sbi.ret[0] = console_sbi(con, run->riscv_sbi.extension_id,
						    run->riscv_sbi.function_id, a) ? 0 : -2;
		run->riscv_sbi.ret[1] = 0;
		return RUN_AGAIN;
	case KVM_EXIT_SYSTEM_EVENT:
		return RUN_DONE;
	}
	return RUN_STRANGE;
}
#endif

#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
static void kvm_guest_close(struct kvm_guest *g)
{
	if (g->run != MAP_FAILED)
		munmap(g->run, g->run_size);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->ram != MAP_FAILED)
		munmap(g->ram, g->ram_size);
	if (g->vm >= 0)
		close(g->vm);
	if (g->kvm >= 0)
		close(g->kvm);
	free(g->img);
}

/* a VM with the image at GUEST_RAM and one vCPU, not yet entered */
static int kvm_guest_open(struct kvm_guest *g, const char *image, unsigned long ram_size)
{
	struct kvm_userspace_memory_region slot = { .slot = 0 };
	long len;

	*g = (struct kvm_guest){ .kvm = -1, .vm = -1, .vcpu = -1, .run = MAP_FAILED,
				 .ram = MAP_FAILED, .ram_size = ram_size };
	len = read_file(image, &g->img);
	if (len < 0)
		return len;
	g->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g->kvm < 0)
		return -errno;
	g->vm = ioctl(g->kvm, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return -errno;
	g->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g->ram == MAP_FAILED)
		return -errno;
	memcpy(g->ram, g->img, len);
	slot.guest_phys_addr = GUEST_RAM;
	slot.memory_size = ram_size;
	slot.userspace_addr = (unsigned long)g->ram;
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return -errno;
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	g->run_size = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (g->vcpu < 0 || g->run_size <= 0)
		return -errno;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	return g->run == MAP_FAILED ? -errno : 0;
}

/*
 * 0 once the guest ended its run (HLT on x86, system reset or PSCI
 * SYSTEM_OFF elsewhere); -errno otherwise. *ns: time in the KVM_RUN loop.
 */
int kvm_run_guest(const char *image, unsigned long ram_size, const unsigned long *args,
		  struct guest_console *con, unsigned long long *ns)
{
	struct kvm_guest g;
	unsigned long long t0;
	int ret;

	*ns = 0;
	ret = kvm_guest_open(&g, image, ram_size);
	if (!ret)
		ret = kvm_arch_entry(&g, args);
	if (ret)
		goto out;
	t0 = now_ns();
	for (;;) {
		if (ioctl(g.vcpu, KVM_RUN, 0) < 0) {
			ret = -errno;
			break;
		}
		ret = kvm_arch_exit(&g, con);
		if (ret == RUN_AGAIN)
			continue;
		if (ret == RUN_STRANGE) {
			printf("kvm: unexpected exit %d\n", g.run->exit_reason);
			ret = -EIO;
		}
		break;
	}
	*ns = now_ns() - t0;
out:
	kvm_guest_close(&g);
	return ret;
}
#else
/* no KVM yardstick on other hosts */
int kvm_run_guest(const char *image, unsigned long ram_size, const unsigned long *args,
		  struct guest_console *con, unsigned long long *ns)
{
	*ns = 0;
	return -ENOSYS;
}
#endif
