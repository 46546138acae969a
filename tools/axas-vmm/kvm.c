// SPDX-License-Identifier: GPL-2.0
/*
 * The yardstick: the same guest on KVM RISC-V (or, further down, x86-64
 * kvm_amd and arm64 KVM), for make bench only. The
 * smallest VMM KVM allows: KVM_CREATE_VM, one memory slot of anonymous
 * memory at GUEST_RAM, one vCPU, KVM_RUN; the UART and the report calls as
 * in vmm.c. KVM handles SBI system reset itself (KVM_EXIT_SYSTEM_EVENT).
 */
#include "sys.h"
#include "kvm.h"
#include "vmm.h"

#if defined(__x86_64__)
/*
 * x86-64: kvm_amd with nested paging. The guest is entered like on axas
 * (vm_set_entry() in vmm.c): long mode, CR3 at the image's page tables,
 * arguments in RDI, RSI, RDX, RCX. KVM handles VMMCALL itself (the report
 * calls are lost: the bench times whole runs); the guest's HLT after its
 * shutdown call ends the run (no in-kernel irqchip: KVM_EXIT_HLT).
 */
#include <linux/kvm.h>

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

static int kvm_entry(int kvm, int vcpu, const unsigned long *args)
{
	struct kvm_sregs sr;
	struct kvm_regs r;

	if (kvm_cpuid(kvm, vcpu) || ioctl(vcpu, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	kvm_seg(&sr.cs, 0x08, 1);
	kvm_seg(&sr.ds, 0x10, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.cr0 = 0x80000031;
	sr.cr4 = 0x20;
	sr.efer = 0x500;	/* LME, LMA */
	sr.cr3 = GUEST_X86_CR3;
	if (ioctl(vcpu, KVM_SET_SREGS, &sr) < 0)
		return -errno;
	memset(&r, 0, sizeof(r));
	r.rip = GUEST_RAM;
	r.rflags = 2;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.rcx = args[3];
	return ioctl(vcpu, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

/* 0 once the guest halted after its work; -errno otherwise. *ns: KVM_RUN loop time */
int kvm_run_guest(const char *image, unsigned long ram_size, const unsigned long *args,
		  struct guest_console *con, unsigned long long *ns)
{
	struct kvm_userspace_memory_region slot = { .slot = 0 };
	int kvm, vm = -1, vcpu = -1, ret = -EIO;
	struct kvm_run *run = MAP_FAILED;
	long run_size = 0, len;
	unsigned long long t0;
	void *ram = MAP_FAILED;
	char *img = NULL, *io;

	*ns = 0;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	len = read_file(image, &img);
	if (len < 0) {
		ret = len;
		goto out;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm < 0 || ram == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	memcpy(ram, img, len);
	slot.guest_phys_addr = GUEST_RAM;
	slot.memory_size = ram_size;
	slot.userspace_addr = (unsigned long)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0 ||
	    (vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0) {
		ret = -errno;
		goto out;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	ret = kvm_entry(kvm, vcpu, args);
	if (ret)
		goto out;
	ret = -EIO;
	t0 = now_ns();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			ret = -errno;
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO) {
			io = (char *)run + run->io.data_offset;
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == GUEST_UART_PORT)
				console_store(con, GUEST_UART, *io);
			else if (run->io.direction == KVM_EXIT_IO_IN)
				*io = run->io.port == GUEST_UART_PORT + 5 ? 0x60 : 0;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT) {
			ret = 0;
			break;
		}
		printf("kvm: unexpected exit %d\n", run->exit_reason);
		break;
	}
	*ns = now_ns() - t0;
out:
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (vcpu >= 0)
		close(vcpu);
	if (ram != MAP_FAILED)
		munmap(ram, ram_size);
	if (vm >= 0)
		close(vm);
	close(kvm);
	free(img);
	return ret;
}
#elif defined(__aarch64__)
/*
 * arm64: KVM built into the same kernel, which runs at EL2 with VHE. The
 * guest is entered like on axas (vm_set_entry() in vmm.c): EL1h, DAIF
 * masked, stage 1 off, pc at the image, arguments in x0..x3. KVM handles
 * PSCI SYSTEM_OFF itself (KVM_EXIT_SYSTEM_EVENT); the report HVC is
 * forwarded to this VMM with an SMCCC filter (KVM_EXIT_HYPERCALL), so the
 * guest's own first-touch ticks reach the bench as on axas_vcpu.
 */
#include <linux/kvm.h>

#define ARM_CORE(name)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(name))

static int kvm_reg(int vcpu, unsigned long cmd, unsigned long long id, unsigned long long *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (unsigned long)val };

	return ioctl(vcpu, cmd, &r) < 0 ? -errno : 0;
}

static int kvm_entry(int vm, int vcpu, const unsigned long *args)
{
	struct kvm_vcpu_init init;
	unsigned long long v;
	int i;

	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	v = GUEST_RAM;
	if (kvm_reg(vcpu, KVM_SET_ONE_REG, ARM_CORE(regs.pc), &v))
		return -errno;
	for (i = 0; i < 4; i++) {
		v = args[i];
		if (kvm_reg(vcpu, KVM_SET_ONE_REG, ARM_CORE(regs.regs[i]), &v))
			return -errno;
	}
	return 0;
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

static void kvm_report(int vcpu, struct guest_console *con)
{
	unsigned long long x[5] = { 0 }, ret = 0;
	int i;

	for (i = 1; i < 5; i++)
		kvm_reg(vcpu, KVM_GET_ONE_REG, ARM_CORE(regs.regs[i]), &x[i]);
	console_sbi(con, GUEST_SBI_EXT_REPORT, x[1], &x[2]);
	kvm_reg(vcpu, KVM_SET_ONE_REG, ARM_CORE(regs.regs[0]), &ret);
}

/* 0 once the guest powered off; -errno otherwise. *ns: KVM_RUN loop time */
int kvm_run_guest(const char *image, unsigned long ram_size, const unsigned long *args,
		  struct guest_console *con, unsigned long long *ns)
{
	struct kvm_userspace_memory_region slot = { .slot = 0 };
	int kvm, vm = -1, vcpu = -1, ret = -EIO;
	struct kvm_run *run = MAP_FAILED;
	long run_size = 0, len;
	unsigned long long t0;
	void *ram = MAP_FAILED;
	char *img = NULL;

	*ns = 0;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	len = read_file(image, &img);
	if (len < 0) {
		ret = len;
		goto out;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm < 0 || ram == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	memcpy(ram, img, len);
	slot.guest_phys_addr = GUEST_RAM;
	slot.memory_size = ram_size;
	slot.userspace_addr = (unsigned long)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		ret = -errno;
		goto out;
	}
	if (kvm_forward_reports(vm))
		printf("kvm: no SMCCC filter (%d): the guest's reports are lost\n", errno);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || run_size <= 0) {
		ret = -errno;
		goto out;
	}
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	ret = kvm_entry(vm, vcpu, args);
	if (ret)
		goto out;
	ret = -EIO;
	t0 = now_ns();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			ret = -errno;
			break;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write) {
			console_store(con, run->mmio.phys_addr, run->mmio.data[0]);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			if (run->mmio.phys_addr == GUEST_UART + 5)
				run->mmio.data[0] = 0x60;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HYPERCALL) {
			kvm_report(vcpu, con);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
			ret = 0;
			break;
		}
		printf("kvm: unexpected exit %d\n", run->exit_reason);
		break;
	}
	*ns = now_ns() - t0;
out:
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (vcpu >= 0)
		close(vcpu);
	if (ram != MAP_FAILED)
		munmap(ram, ram_size);
	if (vm >= 0)
		close(vm);
	close(kvm);
	free(img);
	return ret;
}
#elif !defined(__riscv)
/* no KVM yardstick on other hosts */
int kvm_run_guest(const char *image, unsigned long ram_size, const unsigned long *args,
		  struct guest_console *con, unsigned long long *ns)
{
	return -ENOSYS;
}
#else
#include <linux/kvm.h>

static int kvm_set_reg(int vcpu, unsigned long idx, unsigned long val)
{
	struct kvm_one_reg r = {
		.id = KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | idx,
		.addr = (unsigned long)&val,
	};

	return ioctl(vcpu, KVM_SET_ONE_REG, &r);
}

#define CORE(name)	KVM_REG_RISCV_CORE_REG(name)

/* 0 once the guest powered off; -errno otherwise. *ns: KVM_RUN loop time */
int kvm_run_guest(const char *image, unsigned long ram_size, const unsigned long *args,
		  struct guest_console *con, unsigned long long *ns)
{
	struct kvm_userspace_memory_region slot = { .slot = 0 };
	int kvm, vm = -1, vcpu = -1, ret = -EIO;
	struct kvm_run *run = MAP_FAILED;
	long run_size = 0, len;
	unsigned long long t0;
	void *ram = MAP_FAILED;
	char *img = NULL;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	len = read_file(image, &img);
	if (len < 0) {
		ret = len;
		goto out;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm < 0 || ram == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	memcpy(ram, img, len);
	slot.guest_phys_addr = GUEST_RAM;
	slot.memory_size = ram_size;
	slot.userspace_addr = (unsigned long)ram;
	vcpu = -1;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0 ||
	    (vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0) {
		ret = -errno;
		goto out;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || kvm_set_reg(vcpu, CORE(regs.pc), GUEST_RAM) ||
	    kvm_set_reg(vcpu, CORE(regs.a0), args[0]) || kvm_set_reg(vcpu, CORE(regs.a1), args[1]) ||
	    kvm_set_reg(vcpu, CORE(regs.a2), args[2]) || kvm_set_reg(vcpu, CORE(regs.a3), args[3])) {
		ret = -errno;
		goto out;
	}
	t0 = now_ns();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			ret = -errno;
			break;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write) {
			console_store(con, run->mmio.phys_addr, run->mmio.data[0]);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			if (run->mmio.phys_addr == GUEST_UART + 5)
				run->mmio.data[0] = 0x60;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_RISCV_SBI) {
			unsigned long long a[3] = { run->riscv_sbi.args[0],
						    run->riscv_sbi.args[1],
						    run->riscv_sbi.args[2] };

			run->riscv_sbi.ret[0] = console_sbi(con, run->riscv_sbi.extension_id,
							    run->riscv_sbi.function_id, a) ? 0 : -2;
			run->riscv_sbi.ret[1] = 0;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
			ret = 0;
			break;
		}
		printf("kvm: unexpected exit %d\n", run->exit_reason);
		break;
	}
	*ns = now_ns() - t0;
out:
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (vcpu >= 0)
		close(vcpu);
	if (ram != MAP_FAILED)
		munmap(ram, ram_size);
	if (vm >= 0)
		close(vm);
	close(kvm);
	free(img);
	return ret;
}
#endif
