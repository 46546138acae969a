/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the bare-metal guests share: the devices the VMM emulates and the
 * SBI calls they make. Nothing here is a libc.
 */
#ifndef AXAS_GUEST_H
#define AXAS_GUEST_H

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

/*
 * an ns16550-like UART: the VMM prints what is stored at THR (offset 0);
 * on x86-64 it is the I/O port UART at 0x3f8 (OUT), elsewhere MMIO
 */
#ifdef __x86_64__
#define GUEST_UART_PORT		0x3f8
#else
#define GUEST_UART		0x10000000UL
#endif

/*
 * SBI: system reset, and the experimental extension the tests report with
 * (arm64: HVC with x0 the extension, x1 the function; PSCI SYSTEM_OFF)
 */
#define SBI_EXT_SRST		0x53525354UL
#define PSCI_SYSTEM_OFF		0x84000008UL
#define GUEST_SBI_EXT_REPORT	0x08A5A500UL
#define REPORT_TOUCH		1	/* a0 pages, a1 ticks of the write pass */
#define REPORT_PROBE_FAULT	2	/* a0 stale reads, a1 last value, a2 reads */
#define REPORT_PROBE_STALE	3	/* a0 stale reads, a1 last value, a2 reads */
#define REPORT_MEMTEST		4	/* a0 bytes, a1 errors */
#define REPORT_MMIO		5	/* a0 mask of wrong loads */
/*
 * dirty.c: "pass n written" (fid n; a0 the set, a1 a sum of the words it
 * read); the VMM harvests the dirty bitmap before the next RUN
 */
#define GUEST_SBI_EXT_DIRTY	0x08A5A501UL
/* the word dirty.c stores in page i of the window in pass n */
#define GUEST_DIRTY_WORD(n, i)	(0xd1e7000000000000UL | (u64)(n) << 32 | (i))

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2);
void guest_putc(char c);
void guest_puts(const char *s);
void guest_put_hex(u64 v);
void guest_put_dec(u64 v);
void guest_report(u64 what, u64 a0, u64 a1, u64 a2);
void guest_shutdown(void);

#ifdef __x86_64__
/* the TSC; not intercepted, no offset: the host's */
static inline u64 guest_time(void)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return (u64)hi << 32 | lo;
}
#elif defined(__aarch64__)
/* the virtual counter (CNTFRQ_EL0 ticks per second) */
static inline u64 guest_time(void)
{
	u64 t;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r" (t));
	return t;
}
#else
static inline u64 guest_time(void)
{
	u64 t;

	asm volatile("rdtime %0" : "=r" (t));
	return t;
}
#endif

#endif
