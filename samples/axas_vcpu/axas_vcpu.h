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
 * Register layout: per architecture, as in KVM (RISC-V, x86-64 for the
 * AMD SVM and Intel VMX backends, arm64 for the EL2/VHE backend). On
 * hosts without a backend AXAS_VCPU_CREATE fails with EOPNOTSUPP.
 */
#ifndef _UAPI_LINUX_AXAS_VCPU_H
#define _UAPI_LINUX_AXAS_VCPU_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AXAS_VCPU_API_VERSION	1

/* 0xD7: free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define AXAS_VCPU_TYPE		0xD7

#if defined(__x86_64__)
/**
 * struct axas_vcpu_regs - guest registers (AXAS_VCPU_GET_REGS/SET_REGS), x86-64
 * @gpr: general purpose registers in the order of their encoding: RAX,
 *	RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15
 * @rip: guest instruction pointer
 * @rflags: guest RFLAGS (bit 1 reads as 1; SET forces it, and refuses
 *	VM, VIF, VIP and the reserved bits)
 * @cr0: PE must be set; with PG the guest runs in long mode, which needs
 *	@efer LME and @cr4 PAE
 * @cr3: the guest's own page-table root (with CR0.PG)
 * @cr4: SET accepts PSE, PAE, PGE, OSFXSR, OSXMMEXCPT only
 * @efer: SET accepts LME and NX (LMA follows CR0.PG and LME)
 *
 * A fresh vCPU starts at rip 0 in 32-bit protected mode without paging
 * (CR0 = PE | ET | NE), with flat 4 GiB code and data segments and every
 * other register 0. Long mode (CR0.PG with EFER.LME) gives 64-bit flat
 * segments instead.
 */
struct axas_vcpu_regs {
	__u64 gpr[16];
	__u64 rip;
	__u64 rflags;
	__u64 cr0;
	__u64 cr3;
	__u64 cr4;
	__u64 efer;
};
#elif defined(__aarch64__)
/**
 * struct axas_vcpu_regs - guest registers (AXAS_VCPU_GET_REGS/SET_REGS), arm64
 * @x: general purpose registers x0..x30
 * @pc: guest program counter (4-byte aligned)
 * @pstate: guest PSTATE (SPSR layout); SET accepts NZCV, DAIF and the
 *	AArch64 modes EL0t, EL1t and EL1h only
 * @sp_el0: the guest's SP_EL0
 * @sp_el1: the guest's SP_EL1
 * @elr_el1: the guest's ELR_EL1
 * @spsr_el1: the guest's SPSR_EL1
 * @sctlr_el1: the guest's SCTLR_EL1 (M clear: stage 1 off, guest-physical
 *	addresses used directly)
 * @tcr_el1: the guest's TCR_EL1
 * @ttbr0_el1: the guest's TTBR0_EL1
 * @ttbr1_el1: the guest's TTBR1_EL1
 * @mair_el1: the guest's MAIR_EL1
 * @vbar_el1: the guest's VBAR_EL1
 * @esr_el1: the guest's ESR_EL1
 * @far_el1: the guest's FAR_EL1
 * @tpidr_el1: the guest's TPIDR_EL1
 *
 * A fresh vCPU starts at pc 0 in EL1h with DAIF masked, SCTLR_EL1 with
 * its RES1 bits only (stage 1 off) and every other register 0.
 */
struct axas_vcpu_regs {
	__u64 x[31];
	__u64 pc;
	__u64 pstate;
	__u64 sp_el0;
	__u64 sp_el1;
	__u64 elr_el1;
	__u64 spsr_el1;
	__u64 sctlr_el1;
	__u64 tcr_el1;
	__u64 ttbr0_el1;
	__u64 ttbr1_el1;
	__u64 mair_el1;
	__u64 vbar_el1;
	__u64 esr_el1;
	__u64 far_el1;
	__u64 tpidr_el1;
};
#else
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
#endif

/* struct axas_vcpu_run.exit_reason */
#define AXAS_VCPU_EXIT_UNKNOWN		0
#define AXAS_VCPU_EXIT_MMIO		1	/* guest access where no region is */
#define AXAS_VCPU_EXIT_SBI		2	/* ecall the sample does not handle */
#define AXAS_VCPU_EXIT_FAULT		3	/* access the region forbids */
#define AXAS_VCPU_EXIT_INTR		4	/* RUN ended by a signal (EINTR) */
#define AXAS_VCPU_EXIT_SHUTDOWN		5	/* SBI system reset or shutdown */
#define AXAS_VCPU_EXIT_EXCEPTION	6	/* other guest trap (illegal insn...) */
#define AXAS_VCPU_EXIT_PIO		7	/* x86 IN or OUT */
#define AXAS_VCPU_EXIT_NR		8

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
 * @extension_id: a7 of the ecall (x86 VMMCALL: RAX; arm64 HVC: x0, the
 *	SMCCC function ID)
 * @function_id: a6 of the ecall (x86: RBX; arm64: x1)
 * @args: a0..a5 of the ecall (x86: RCX, RDX, RSI, RDI, R8, R9; arm64:
 *	x2..x7)
 * @ret: a0 and a1 (x86: RAX and RDX; arm64: x0 and x1) the guest sees
 *	after the call; preset to
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
 * struct axas_vcpu_exit_pio - %AXAS_VCPU_EXIT_PIO (x86: IN or OUT)
 * @port: the I/O port
 * @len: access width in bytes: 1, 2 or 4
 * @is_write: 1 for OUT, 0 for IN
 * @reserved: zero
 * @data: the value written (OUT) or, for IN, set by the VMM before the
 *	next RUN (the low @len bytes are used)
 *
 * String and REP forms exit as %AXAS_VCPU_EXIT_EXCEPTION. The next RUN
 * completes the access and steps over the instruction.
 */
struct axas_vcpu_exit_pio {
	__u16 port;
	__u8 len;
	__u8 is_write;
	__u32 reserved;
	__u64 data;
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
 * @insn_reads: MMIO accesses decoded from the guest's memory (HLVX on
 *	RISC-V, axas_read() at RIP on x86) because the CPU gave no transformed
 *	instruction (htinst) or no instruction bytes (SVM decode assists)
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
 * @exception: valid for %AXAS_VCPU_EXIT_EXCEPTION (x86: @scause is the
 *	SVM exit code, @stval and @htval EXITINFO1 and EXITINFO2, @htinst the
 *	guest's RIP; arm64: @scause is ESR_EL2, @stval FAR_EL2, @htval the
 *	faulting guest-physical address from HPFAR_EL2 for stage-2 aborts,
 *	@htinst the guest's pc)
 * @pio: valid for %AXAS_VCPU_EXIT_PIO
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
		struct axas_vcpu_exit_pio pio;
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
