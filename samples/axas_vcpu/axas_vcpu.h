/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * axas_vcpu: the userspace API of the reference vCPU sample (samples/axas_vcpu).
 *
 * Modelled on KVM's: /dev/axas_vcpu creates vCPUs, each one a file
 * descriptor with GET/SET_REGS, RUN and a shared run structure that is
 * mmap()ed from the vCPU fd (offset 0, AXAS_VCPU_GET_RUN_SIZE bytes) and
 * tells why RUN returned. Guest memory is an axas address space: the VMM
 * builds it with /dev/axas (AXAS_IOC_NEW, MAP_ALLOC, ...) and hands its fd
 * to AXAS_VCPU_CREATE.
 *
 * Register layout: RISC-V (the only backend so far). On other hosts
 * AXAS_VCPU_CREATE fails with EOPNOTSUPP.
 */
#ifndef _UAPI_LINUX_AXAS_VCPU_H
#define _UAPI_LINUX_AXAS_VCPU_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AXAS_VCPU_API_VERSION	1

/* 0xD7: free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define AXAS_VCPU_TYPE		0xD7

/**
 * struct axas_vcpu_regs - guest registers (AXAS_VCPU_GET_REGS/SET_REGS)
 * @x: general purpose registers; x[0] reads as 0 and must be 0 on SET
 * @pc: guest program counter (2-byte aligned)
 * @vsstatus: the guest's sstatus; SET accepts SIE, SPIE, SPP, SUM, MXR
 *	and UXL = 64 bit only
 * @vsatp: the guest's satp (first-stage table); MODE Bare, Sv39 or Sv48
 * @vstvec: the guest's trap vector
 * @vsscratch: the guest's sscratch
 * @vsepc: the guest's sepc
 * @vscause: the guest's scause
 * @vstval: the guest's stval
 *
 * A fresh vCPU starts at pc 0 with every register 0, vsstatus UXL = 64
 * bit and vsatp Bare (guest-physical addresses are used directly).
 */
struct axas_vcpu_regs {
	__u64 x[32];
	__u64 pc;
	__u64 vsstatus;
	__u64 vsatp;
	__u64 vstvec;
	__u64 vsscratch;
	__u64 vsepc;
	__u64 vscause;
	__u64 vstval;
};

/* struct axas_vcpu_run.exit_reason */
#define AXAS_VCPU_EXIT_UNKNOWN		0
#define AXAS_VCPU_EXIT_MMIO		1	/* guest access where no region is */
#define AXAS_VCPU_EXIT_SBI		2	/* ecall the sample does not handle */
#define AXAS_VCPU_EXIT_FAULT		3	/* access the region forbids */
#define AXAS_VCPU_EXIT_INTR		4	/* RUN ended by a signal (EINTR) */
#define AXAS_VCPU_EXIT_SHUTDOWN		5	/* SBI system reset or shutdown */
#define AXAS_VCPU_EXIT_EXCEPTION	6	/* other guest trap (illegal insn...) */
#define AXAS_VCPU_EXIT_NR		7

/**
 * struct axas_vcpu_exit_mmio - %AXAS_VCPU_EXIT_MMIO
 * @gpa: guest-physical address of the access
 * @data: the value stored (is_write) or, for a load, set by the VMM
 *	before the next RUN (the low @len bytes are used, sign- or
 *	zero-extended as the load instruction says)
 * @len: access width in bytes: 1, 2, 4 or 8
 * @is_write: 1 for a store, 0 for a load
 *
 * The next RUN completes the access and steps over the instruction.
 */
struct axas_vcpu_exit_mmio {
	__u64 gpa;
	__u64 data;
	__u32 len;
	__u32 is_write;
};

/**
 * struct axas_vcpu_exit_sbi - %AXAS_VCPU_EXIT_SBI and %AXAS_VCPU_EXIT_SHUTDOWN
 * @extension_id: a7 of the ecall
 * @function_id: a6 of the ecall
 * @args: a0..a5 of the ecall
 * @ret: a0 and a1 the guest sees after the ecall; preset to
 *	SBI_ERR_NOT_SUPPORTED (-2) and 0, the VMM may change them before
 *	the next RUN, which steps over the ecall
 */
struct axas_vcpu_exit_sbi {
	__u64 extension_id;
	__u64 function_id;
	__u64 args[6];
	__u64 ret[2];
};

/**
 * struct axas_vcpu_exit_fault - %AXAS_VCPU_EXIT_FAULT
 * @gpa: guest-physical address of the access
 * @access: AXAS_MAP_READ, _WRITE or _EXEC: what the guest needed
 * @result: AXAS_FAULT_* result of axas_handle_page_fault() (_PERM, or
 *	_NOT_LAZY for a linear or populated region that lacks the entry)
 *
 * The next RUN retries the access (after, say, an AXAS_IOC_PROTECT).
 */
struct axas_vcpu_exit_fault {
	__u64 gpa;
	__u32 access;
	__u32 result;
};

/**
 * struct axas_vcpu_exit_exception - %AXAS_VCPU_EXIT_EXCEPTION
 * @scause: trap cause
 * @stval: trap value
 * @htval: guest-physical address >> 2 for guest-page faults
 * @htinst: transformed instruction, if the CPU provides one
 */
struct axas_vcpu_exit_exception {
	__u64 scause;
	__u64 stval;
	__u64 htval;
	__u64 htinst;
};

/**
 * struct axas_vcpu_stats - counters of one vCPU since its creation
 * @entries: guest entries
 * @exits: exits to the VMM, by AXAS_VCPU_EXIT_* reason
 * @guest_faults: guest-page faults resolved in the kernel (HANDLED:
 *	a page was allocated and mapped)
 * @spurious_faults: guest-page faults that found the page present
 * @irq_exits: guest exits caused by host interrupts
 * @invalidations: invalidation callbacks received from axas
 * @insn_reads: MMIO accesses decoded from the guest's memory (HLVX)
 *	because the CPU gave no transformed instruction in htinst
 */
struct axas_vcpu_stats {
	__u64 entries;
	__u64 exits[AXAS_VCPU_EXIT_NR];
	__u64 guest_faults;
	__u64 spurious_faults;
	__u64 irq_exits;
	__u64 invalidations;
	__u64 insn_reads;
};

/**
 * struct axas_vcpu_run - shared run structure (mmap of the vCPU fd)
 * @exit_reason: AXAS_VCPU_EXIT_* of the last RUN
 * @reserved: zero
 * @mmio: valid for %AXAS_VCPU_EXIT_MMIO
 * @sbi: valid for %AXAS_VCPU_EXIT_SBI and %AXAS_VCPU_EXIT_SHUTDOWN
 * @fault: valid for %AXAS_VCPU_EXIT_FAULT
 * @exception: valid for %AXAS_VCPU_EXIT_EXCEPTION
 * @pad: size of the union
 * @stats: counters, updated by the kernel at every exit
 */
struct axas_vcpu_run {
	__u32 exit_reason;
	__u32 reserved;
	union {
		struct axas_vcpu_exit_mmio mmio;
		struct axas_vcpu_exit_sbi sbi;
		struct axas_vcpu_exit_fault fault;
		struct axas_vcpu_exit_exception exception;
		__u64 pad[32];
	};
	struct axas_vcpu_stats stats;
};

/* /dev/axas_vcpu */
#define AXAS_VCPU_GET_API_VERSION	_IO(AXAS_VCPU_TYPE, 0x00)
/* argument: an axas address-space fd; returns a vCPU fd (O_CLOEXEC) */
#define AXAS_VCPU_CREATE		_IO(AXAS_VCPU_TYPE, 0x01)
/* returns the size to mmap() from a vCPU fd */
#define AXAS_VCPU_GET_RUN_SIZE		_IO(AXAS_VCPU_TYPE, 0x02)

/* vCPU fd */
#define AXAS_VCPU_RUN			_IO(AXAS_VCPU_TYPE, 0x10)
#define AXAS_VCPU_GET_REGS		_IOR(AXAS_VCPU_TYPE, 0x11, struct axas_vcpu_regs)
#define AXAS_VCPU_SET_REGS		_IOW(AXAS_VCPU_TYPE, 0x12, struct axas_vcpu_regs)

#endif /* _UAPI_LINUX_AXAS_VCPU_H */
