// SPDX-License-Identifier: GPL-2.0
/* The guests' runtime: console output through the UART, SBI calls. */
#include "guest.h"

#ifdef __x86_64__
/* VMMCALL: RAX extension, RBX function, RCX RDX RSI arguments; RAX RDX back */
struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2)
{
	u64 r_ax = ext, r_dx = a1;
	struct sbiret ret;

	asm volatile("vmmcall"
		     : "+a" (r_ax), "+d" (r_dx)
		     : "b" (fid), "c" (a0), "S" (a2)
		     : "memory");
	ret.error = r_ax;
	ret.value = r_dx;
	return ret;
}

void guest_putc(char c)
{
	asm volatile("outb %b0, %w1" : : "a" (c), "Nd" (GUEST_UART_PORT));
}
#elif defined(__aarch64__)
/* HVC: x0 extension, x1 function, x2..x4 arguments; x0 x1 back */
struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2)
{
	register u64 r0 asm("x0") = ext;
	register u64 r1 asm("x1") = fid;
	register u64 r2 asm("x2") = a0;
	register u64 r3 asm("x3") = a1;
	register u64 r4 asm("x4") = a2;
	struct sbiret ret;

	asm volatile("hvc #0"
		     : "+r" (r0), "+r" (r1)
		     : "r" (r2), "r" (r3), "r" (r4)
		     : "memory");
	ret.error = r0;
	ret.value = r1;
	return ret;
}

void guest_putc(char c)
{
	*(volatile u8 *)GUEST_UART = c;
}
#else
struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2)
{
	register u64 r_a0 asm("a0") = a0;
	register u64 r_a1 asm("a1") = a1;
	register u64 r_a2 asm("a2") = a2;
	register u64 r_a6 asm("a6") = fid;
	register u64 r_a7 asm("a7") = ext;
	struct sbiret ret;

	asm volatile("ecall"
		     : "+r" (r_a0), "+r" (r_a1)
		     : "r" (r_a2), "r" (r_a6), "r" (r_a7)
		     : "memory");
	ret.error = r_a0;
	ret.value = r_a1;
	return ret;
}

void guest_putc(char c)
{
	*(volatile u8 *)GUEST_UART = c;
}
#endif

void guest_puts(const char *s)
{
	while (*s)
		guest_putc(*s++);
}

void guest_put_hex(u64 v)
{
	int i;

	guest_puts("0x");
	for (i = 60; i >= 0; i -= 4)
		guest_putc("0123456789abcdef"[(v >> i) & 15]);
}

void guest_put_dec(u64 v)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		guest_putc(buf[--n]);
}

void guest_report(u64 what, u64 a0, u64 a1, u64 a2)
{
	sbi_call(GUEST_SBI_EXT_REPORT, what, a0, a1, a2);
}

void guest_shutdown(void)
{
#ifdef __aarch64__
	/* PSCI SYSTEM_OFF (x0 is the function ID) */
	sbi_call(PSCI_SYSTEM_OFF, 0, 0, 0, 0);
#else
	/* SRST: shutdown, no reason */
	sbi_call(SBI_EXT_SRST, 0, 0, 0, 0);
#endif
	for (;;) {
#ifdef __x86_64__
		/* KVM takes VMMCALL itself: its VMM sees HLT */
		asm volatile("hlt");
#endif
	}
}
