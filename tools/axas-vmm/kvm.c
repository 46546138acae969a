// SPDX-License-Identifier: GPL-2.0
/*
 * The yardstick: the same guest on KVM RISC-V, for make bench only. The
 * smallest VMM KVM allows: KVM_CREATE_VM, one memory slot of anonymous
 * memory at GUEST_RAM, one vCPU, KVM_RUN; the UART and the report calls as
 * in vmm.c. KVM handles SBI system reset itself (KVM_EXIT_SYSTEM_EVENT).
 */
#include "sys.h"
#include "kvm.h"
#include "vmm.h"

#ifndef __riscv
/* the KVM yardstick exists for riscv64 only so far */
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
