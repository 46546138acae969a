/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few system calls axas-vmm needs that nolibc (the kernel's
 * tools/include/nolibc, included on the command line) does not wrap.
 */
#ifndef AXAS_VMM_SYS_H
#define AXAS_VMM_SYS_H

#include <linux/time.h>

#define VMM_SIGUSR1	10
#define VMM_SIGALRM	14

static inline ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return __sysret(my_syscall4(__NR_pread64, fd, buf, n, off));
}

static inline ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return __sysret(my_syscall4(__NR_pwrite64, fd, buf, n, off));
}

static inline int finit_module(int fd, const char *params, int flags)
{
	return __sysret(my_syscall3(__NR_finit_module, fd, params, flags));
}

static inline int delete_module(const char *name, int flags)
{
	return __sysret(my_syscall2(__NR_delete_module, name, flags));
}

/* run only on the CPUs in mask (bit n: CPU n) */
static inline int pin_to_cpus(unsigned long mask)
{
	return __sysret(my_syscall3(__NR_sched_setaffinity, 0, sizeof(mask), &mask));
}

#ifdef __x86_64__
/* x86-64 needs sa_restorer: the return from the handler is rt_sigreturn */
#define VMM_SA_RESTORER	0x04000000UL

__attribute__((naked)) static void vmm_sigreturn(void)
{
	asm volatile("mov $15, %eax\n\tsyscall");
}

struct vmm_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static inline int vmm_signal(int sig, void (*handler)(int))
{
	struct vmm_sigaction sa = {
		.handler = handler, .flags = VMM_SA_RESTORER, .restorer = vmm_sigreturn,
	};
#elif defined(__aarch64__)
/* arm64 has sa_restorer; without SA_RESTORER the vDSO's trampoline returns */
struct vmm_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static inline int vmm_signal(int sig, void (*handler)(int))
{
	struct vmm_sigaction sa = { .handler = handler };
#else
/* the generic struct sigaction of the kernel (no sa_restorer on riscv) */
struct vmm_sigaction {
	void (*handler)(int);
	unsigned long flags;
	unsigned long mask;
};

static inline int vmm_signal(int sig, void (*handler)(int))
{
	struct vmm_sigaction sa = { .handler = handler };
#endif

	return __sysret(my_syscall4(__NR_rt_sigaction, sig, &sa, NULL, sizeof(sa.mask)));
}

/* SIGALRM after ms milliseconds (0: cancel) */
static inline int vmm_alarm_ms(long ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 },
	};

	return __sysret(my_syscall3(__NR_setitimer, ITIMER_REAL, &it, NULL));
}

static inline unsigned long long now_ns(void)
{
	struct timespec ts;

	my_syscall2(__NR_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif
