/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas-vmm: a small VMM on /dev/axas (guest memory) and /dev/axas_vcpu
 * (the reference vCPU of samples/axas_vcpu), for riscv64 guests.
 *
 * Guest physical map (the same on KVM, see kvm.c):
 *   0x10000000  UART: a store to offset 0 (THR) prints a character; a load
 *               of offset 5 (LSR) says "transmitter empty"
 *   0x80000000  RAM: an axas alloc region, lazy unless asked otherwise; the
 *               guest image is pwrite()n at its start and entered there
 */
#ifndef AXAS_VMM_H
#define AXAS_VMM_H

#include <linux/axas.h>
#include "axas_vcpu.h"

#define GUEST_UART		0x10000000UL
#define GUEST_RAM		0x80000000UL
/* x86-64: the UART is the I/O port UART (THR 0x3f8, LSR 0x3fd) */
#define GUEST_UART_PORT		0x3f8
/* x86-64: the guest image's own page tables (tools/guest/start-x86_64.S) */
#define GUEST_X86_CR3		(GUEST_RAM + 0x1000)
#define GUEST_SBI_EXT_REPORT	0x08A5A500UL
#define GUEST_NR_REPORTS	8
#define SBI_EXT_LEGACY_PUTCHAR	0x1UL

/* one guest report (the SBI extension above; fid = what) */
struct guest_report {
	int valid;
	unsigned long long a[3];
};

/* what the guest printed, and the last report of each kind */
struct guest_console {
	char out[4096];
	int out_len;
	char line[160];
	int line_len;
	int echo;		/* print each line as "guest: ..." */
	unsigned long uart_stores;
	struct guest_report report[GUEST_NR_REPORTS];
};

struct vm {
	int axas;		/* /dev/axas */
	int space;		/* address-space fd (-1 once closed) */
	int vcpudev;		/* /dev/axas_vcpu */
	int vcpu;		/* vCPU fd */
	struct axas_vcpu_run *run;
	unsigned int format;	/* AXAS_FMT_*, 0: Sv39x4 (x86-64: the native format) */
	unsigned long ram_size;
	unsigned long image_len;
	struct guest_console con;
};

int vm_open(struct vm *vm);
int vm_new_space(struct vm *vm, unsigned long ram_size, unsigned int map_flags);
long vm_load(struct vm *vm, const char *path);
int vm_create_vcpu(struct vm *vm);
int vm_set_entry(struct vm *vm, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3);
int vm_run(struct vm *vm);
int vm_info(struct vm *vm, struct axas_info *info);
int vm_range(struct vm *vm, unsigned long cmd, unsigned long gpa,
	     unsigned long len, unsigned int flags);
void vm_close(struct vm *vm);
void vm_summary(struct vm *vm, const char *name);

/* the guest console (shared with the KVM VMM) */
void console_store(struct guest_console *con, unsigned long gpa, unsigned long data);
int console_sbi(struct guest_console *con, unsigned long ext, unsigned long fid,
		const unsigned long long *args);
long read_file(const char *path, char **buf);

extern const char *const vm_exit_names[AXAS_VCPU_EXIT_NR];

#endif
