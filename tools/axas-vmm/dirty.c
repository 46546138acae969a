// SPDX-License-Identifier: GPL-2.0
/*
 * axas-vmm: dirty tracking proven by a running guest, and a snapshot of its
 * RAM restored bit for bit (SPEC 8.8, issue #12).
 *
 * The guest (tools/guest/dirty.c) writes a known set of pages of a 64-page
 * window in two passes and stops after each with an SBI call. The VMM
 * tracks all of RAM; at each stop it harvests the bitmap, which must name
 * exactly the pages of that pass in the window and nothing outside it but
 * the guest image's own pages (its stack). A full snapshot is taken before
 * the guest starts, an incremental pass at each stop and one after the
 * guest powered off, each copying only the pages the harvest named. The
 * snapshot is restored into a new space and compared with the guest's RAM
 * page by page; the negative control restores only the full pass, which
 * must differ exactly in the window's written pages.
 *
 * Write faults that tracking logged reach the VMM as FAULT exits with
 * AXAS_FAULT_LOGGED (the backends leave them to the VMM) and are counted:
 * none where the CPU sets the dirty state itself (Svadu, AMD NPT's D,
 * Arm's DBM with VTCR_EL2.HD), one per written page and pass with write
 * protection.
 */
#include "sys.h"
#include "snapshot.h"

#define D_PAGE		4096UL
#define D_RAM		(4UL << 20)
#define D_PAGES		(D_RAM / D_PAGE)
#define D_WORDS		(D_PAGES / 64)
#define D_WIN_WORD	4	/* the window: RAM + 1 MiB, page 256 = word 4 */
#define D_WINDOW	(GUEST_RAM + D_WIN_WORD * 64 * D_PAGE)
#define D_SET1		0x80000000000f0a53ULL
#define D_SET2		0x0000ff0000000a5cULL
#define D_MAX_LOGGED	100000
#define GUEST_SBI_EXT_DIRTY	0x08A5A501UL
/* the word the guest stores at word i of page i in pass n */
#define DIRTY_WORD(n, i) (0xd1e7000000000000ULL | (unsigned long long)(n) << 32 | (i))

static const char snap_path[] = "/axas-snapshot.bin";

static unsigned int popcount(unsigned long long v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* what one harvest saw */
struct d_pass {
	int done;
	unsigned long long window;	/* the window's bits */
	unsigned int image;		/* dirty pages of the guest image */
	unsigned int stray;		/* dirty pages elsewhere */
	unsigned int total;
	unsigned long logged;		/* logged faults in the window before it */
	unsigned long copied;		/* pages the incremental pass copied */
};

static void d_count(struct d_pass *p, const unsigned long long *bm,
		    unsigned long image_pages)
{
	unsigned long i;

	p->window = bm[D_WIN_WORD];
	for (i = 0; i < D_PAGES; i++) {
		if (!(bm[i / 64] >> (i % 64) & 1))
			continue;
		p->total++;
		if (i < image_pages)
			p->image++;
		else if (i / 64 != D_WIN_WORD)
			p->stray++;
	}
	p->done = 1;
}

/* pages of two spaces' RAM that differ; *window: which of the window's */
static unsigned long d_compare(int a, int b, unsigned long long *window)
{
	static unsigned char pa[D_PAGE], pb[D_PAGE];
	unsigned long i, diff = 0;

	*window = 0;
	for (i = 0; i < D_PAGES; i++) {
		if (pread(a, pa, D_PAGE, GUEST_RAM + i * D_PAGE) != (ssize_t)D_PAGE ||
		    pread(b, pb, D_PAGE, GUEST_RAM + i * D_PAGE) != (ssize_t)D_PAGE ||
		    memcmp(pa, pb, D_PAGE)) {
			diff++;
			if (i / 64 == D_WIN_WORD)
				*window |= 1ULL << (i % 64);
		}
	}
	return diff;
}

/* word i of window page i holds what the last pass that wrote it stored */
static unsigned int d_bad_words(int space)
{
	unsigned long long v, want;
	unsigned int i, bad = 0;

	for (i = 0; i < 64; i++) {
		want = D_SET2 >> i & 1 ? DIRTY_WORD(2, i) :
		       D_SET1 >> i & 1 ? DIRTY_WORD(1, i) : 0;
		if (pread(space, &v, 8, D_WINDOW + i * D_PAGE + i * 8) != 8 || v != want)
			bad++;
	}
	return bad;
}

static void d_restore_check(tap_fn tap, struct vm *vm, int fd, const char *mode,
			    unsigned long full, const struct d_pass *p,
			    unsigned long image_pages)
{
	unsigned long restored = 0, diff;
	unsigned long long window;
	int ns;

	lseek(fd, 0, SEEK_SET);
	ns = snap_restore(vm->axas, fd, 3, &restored);
	diff = ns >= 0 ? d_compare(vm->space, ns, &window) : D_PAGES;
	tap(ns >= 0 && diff == 0 && restored == full + p[1].copied + p[2].copied + p[3].copied,
	    "snapshot (%s): full pass %lu pages, incremental passes %lu + %lu + %lu pages; restored into a new space (%d), %lu of %lu pages differ from the guest's RAM",
	    mode, full, p[1].copied, p[2].copied, p[3].copied, ns, diff, D_PAGES);
	if (ns >= 0)
		close(ns);

	/* negative control: without the incremental passes the writes are missing */
	lseek(fd, 0, SEEK_SET);
	ns = snap_restore(vm->axas, fd, 0, &restored);
	diff = ns >= 0 ? d_compare(vm->space, ns, &window) : 0;
	tap(ns >= 0 && restored == full && window == (D_SET1 | D_SET2) &&
	    diff >= popcount(window) && diff <= popcount(window) + image_pages,
	    "snapshot (%s), negative control: the full pass alone (%lu pages) differs in %lu pages, in the window exactly 0x%llx (written: 0x%llx)",
	    mode, restored, diff, window, D_SET1 | D_SET2);
	if (ns >= 0)
		close(ns);
}

/*
 * expect_hw: 1 if the CPU sets the dirty state itself (no logged faults),
 * 0 for write protection, -1 to decide by the space's format
 */
void test_dirty(tap_fn tap, int expect_hw, const char *mode)
{
	static unsigned long long bm[D_WORDS];
	struct d_pass p[4] = { { 0 } };
	unsigned long logged = 0, logged_win = 0, full = 0, image_pages, want;
	unsigned long long n, gpa;
	struct axas_info info;
	struct vm vm;
	int r, fd = -1, ret, i, ok;

	ret = vm_open(&vm);
	if (!ret)
		ret = vm_new_space(&vm, D_RAM, AXAS_MAP_POPULATE);
	if (!ret)
		ret = vm_load(&vm, "/guest/dirty.bin") < 0 ? -EIO : 0;
	if (!ret)
		ret = vm_create_vcpu(&vm);
	if (ret) {
		tap(0, "dirty (%s): setup failed (%d)", mode, ret);
		return;
	}
	vm.con.echo = 0;
	image_pages = (vm.image_len + D_PAGE - 1) / D_PAGE;
	/* -1: by the format (x86: AMD NPT sets D, EPT is write-protected) */
	if (expect_hw < 0)
		expect_hw = vm_info(&vm, &info) ||
			    (info.format != AXAS_FMT_EPT4 && info.format != AXAS_FMT_EPT5);

	/* armed over all of RAM: what was written before is not reported */
	ret = vm_dirty_track(vm.space, GUEST_RAM, D_RAM, 1);
	if (!ret)
		ret = vm_dirty_get(vm.space, GUEST_RAM, D_RAM, bm, 0);
	for (i = 0, n = 0; i < (int)D_WORDS; i++)
		n |= bm[i];
	tap(!ret && !n, "dirty (%s): tracking 4 MiB of RAM, the first harvest is empty (%d, 0x%llx)",
	    mode, ret, n);

	fd = open(snap_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ret = fd < 0 ? -errno : snap_save_full(vm.space, fd, &full);
	/* only the image is not zero yet (its stack and data may be) */
	tap(!ret && full >= 1 && full <= image_pages,
	    "snapshot (%s): full pass into %s: %lu non-zero pages of %lu, the image has %lu (%d)",
	    mode, snap_path, full, D_PAGES, image_pages, ret);

	vm_set_entry(&vm, 0, D_WINDOW, D_SET1, D_SET2);
	for (;;) {
		r = vm_run(&vm);
		if (r == AXAS_VCPU_EXIT_FAULT && vm.run->fault.result == AXAS_FAULT_LOGGED &&
		    vm.run->fault.access == AXAS_MAP_WRITE && logged < D_MAX_LOGGED) {
			gpa = vm.run->fault.gpa;
			logged++;
			if (gpa >= D_WINDOW && gpa < D_WINDOW + 64 * D_PAGE)
				logged_win++;
			continue;
		}
		if (r != AXAS_VCPU_EXIT_SBI || vm.run->sbi.extension_id != GUEST_SBI_EXT_DIRTY)
			break;
		n = vm.run->sbi.function_id;
		if (n < 1 || n > 2 || p[n].done)
			break;
		ret = vm_dirty_get(vm.space, GUEST_RAM, D_RAM, bm, 0);
		if (ret)
			break;
		d_count(&p[n], bm, image_pages);
		p[n].logged = logged_win;
		if (fd >= 0)
			snap_save_dirty(vm.space, fd, GUEST_RAM, D_RAM, bm, n, &p[n].copied);
		vm.run->sbi.ret[0] = 0;
		vm.run->sbi.ret[1] = 0;
	}
	/* the last pass, with the vCPU stopped */
	if (!vm_dirty_get(vm.space, GUEST_RAM, D_RAM, bm, 0)) {
		d_count(&p[3], bm, image_pages);
		if (fd >= 0)
			snap_save_dirty(vm.space, fd, GUEST_RAM, D_RAM, bm, 3, &p[3].copied);
	}
	tap(r == AXAS_VCPU_EXIT_SHUTDOWN && p[1].done && p[2].done,
	    "dirty (%s): the guest ran both passes and powered off (exit %d, %lu logged write faults)",
	    mode, r, logged);
	for (i = 1; i <= 2; i++)
		tap(p[i].window == (i == 1 ? D_SET1 : D_SET2) && !p[i].stray &&
		    p[i].copied == p[i].total,
		    "dirty (%s): pass %d: the window's bitmap 0x%016llx == the pages written 0x%016llx; outside it %u pages of the image (its stack), %u others; the incremental pass copied %lu of %u dirty pages",
		    mode, i, p[i].window, i == 1 ? D_SET1 : D_SET2, p[i].image, p[i].stray,
		    p[i].copied, p[i].total);
	tap(p[3].window == 0 && !p[3].stray && p[3].copied == p[3].total,
	    "dirty (%s): after power-off: window 0x%llx, %u image pages (stack), %u others",
	    mode, p[3].window, p[3].image, p[3].stray);
	want = expect_hw ? 0 : popcount(D_SET1) + popcount(D_SET2);
	ok = p[1].logged == (expect_hw ? 0 : popcount(D_SET1)) && logged_win == want;
	tap(ok, "dirty (%s): %lu logged write faults in the window (%lu in pass 1), expected %lu: %s",
	    mode, logged_win, p[1].logged, want,
	    expect_hw ? "the CPU set the dirty state itself" : "one per written page and pass");
	i = d_bad_words(vm.space);
	tap(!i, "dirty (%s): the guest's words in the window read back through the space fd (%d wrong)",
	    mode, i);

	if (fd >= 0) {
		d_restore_check(tap, &vm, fd, mode, full, p, image_pages);
		close(fd);
		unlink(snap_path);
	}
	vm_dirty_track(vm.space, GUEST_RAM, D_RAM, 0);
	vm_close(&vm);
}
