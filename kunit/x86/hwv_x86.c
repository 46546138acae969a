// SPDX-License-Identifier: GPL-2.0
/*
 * The hwv_arch_*() hooks of x86: each is answered by the walker of the
 * table's format, AMD nested paging or Intel EPT (kunit/x86/hwv_x86.h).
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "kunit/hwverify.h"
#include "kunit/x86/hwv_x86.h"

static const struct hwv_x86_walker *hwv_x86_walker(u32 format)
{
	return format == AXAS_FMT_EPT4 || format == AXAS_FMT_EPT5 ?
	       &hwv_ept_walker : &hwv_npt_walker;
}

const char *hwv_arch_absent(u32 format)
{
	return hwv_x86_walker(format)->absent(format);
}

bool hwv_arch_walks(u32 format)
{
	return hwv_x86_walker(format)->walks(format);
}

bool hwv_arch_pa_is_ram(u64 pa)
{
	unsigned long pfn = PHYS_PFN(pa);

	return pfn_valid(pfn) && page_is_ram(pfn) &&
	       !PageReserved(pfn_to_page(pfn));
}

u64 hwv_arch_root(const struct hwv_table *t)
{
	return hwv_x86_walker(t->format)->root(t);
}

bool hwv_arch_check_shape(const struct hwv_table *t, struct hwv_report *rep,
			  bool *hw_ok)
{
	return hwv_x86_walker(t->format)->check_shape(t, rep, hw_ok);
}

int hwv_arch_hw_run(struct hwv_hw *hw)
{
	return hwv_x86_walker(hw->t->format)->hw_run(hw);
}

/*
 * Fetch: on an executable page the hypercall is planted at the probe (and
 * taken out again), so that the guest returns at once from there.
 */
static void hwv_x86_fetch(struct hwv_hw *hw, const struct hwv_x86_guest *g,
			  u64 gpa, u64 gva, u8 *host,
			  const struct hwv_region *r)
{
	u8 saved[4];
	bool ok;

	hw->rep->hw_probes++;
	if (!(r->prot & AXAS_MAP_EXEC)) {
		if (g->run(hw, HWV_X86_JUMP, gva, 0))
			g->expect_fault(hw, gpa, "fetch from non-executable",
					AXAS_MAP_EXEC, r->prot);
		return;
	}
	memcpy(saved, host, g->call_len);
	memcpy(host, g->call, g->call_len);
	ok = g->run(hw, HWV_X86_JUMP, gva, 0);
	memcpy(host, saved, g->call_len);
	if (ok && g->passed(hw, gpa, "fetch") && g->rip(hw) != gva &&
	    g->rip(hw) != gva + g->call_len)
		hwv_hw_fail(hw->rep, "fetch gpa %#llx: hypercall at rip %#llx, planted at %#llx",
			    gpa, g->rip(hw), gva);
}

/*
 * An execute-only page (EPT where the CPU has it; x86 paging has none): a
 * read and a write fault, a fetch reaches the hypercall planted in this
 * very page.
 */
static void hwv_x86_exec_only(struct hwv_hw *hw, const struct hwv_x86_guest *g,
			      u64 gpa, u64 gva, u64 *host,
			      const struct hwv_region *r)
{
	hw->rep->hw_probes++;
	if (g->run(hw, HWV_X86_READ, gva, 0))
		g->expect_fault(hw, gpa, "read of execute-only", AXAS_MAP_READ,
				r->prot);
	hwv_x86_fetch(hw, g, gpa, gva, (u8 *)host, r);
	hw->rep->hw_probes++;
	if (g->run(hw, HWV_X86_WRITE, gva, READ_ONCE(*host)))
		g->expect_fault(hw, gpa, "write to execute-only",
				AXAS_MAP_WRITE, r->prot);
}

/* Write a value that differs, check it landed, put the old one back. */
static void hwv_x86_write(struct hwv_hw *hw, const struct hwv_x86_guest *g,
			  u64 gpa, u64 gva, u64 *host, u64 hpa)
{
	u64 host_val = READ_ONCE(*host), val = ~host_val ^ gpa;

	if (!g->run(hw, HWV_X86_WRITE, gva, val) || !g->passed(hw, gpa, "write"))
		return;
	if (READ_ONCE(*host) != val)
		hwv_hw_fail(hw->rep, "write gpa %#llx: host pa %#llx holds %#llx, want %#llx",
			    gpa, hpa, READ_ONCE(*host), val);
	if (!g->run(hw, HWV_X86_WRITE, gva, host_val) ||
	    !g->passed(hw, gpa, "restoring write") || READ_ONCE(*host) != host_val)
		hwv_hw_fail(hw->rep, "write gpa %#llx: restoring failed", gpa);
}

/* One mapped page: read; then, once the read proved where it lands, fetch and write. */
void hwv_arch_hw_page(struct hwv_hw *hw, u64 gpa, const struct hwv_region *r)
{
	const struct hwv_x86_guest *g = hwv_x86_walker(hw->t->format)->guest;
	unsigned int off = hwv_probe_offset(gpa, hw->n++);
	u64 hpa = r->hpa + (gpa - r->gpa) + off;
	struct hwv_report *rep = hw->rep;
	u64 *host, host_val, val, gva;

	if (!g->probe_ok(hw, gpa) || !hwv_arch_pa_is_ram(hpa)) {
		rep->hw_skipped++;
		return;
	}
	host = phys_to_virt(hpa);
	gpa += off;
	gva = g->window(hw, gpa);
	if (!(r->prot & AXAS_MAP_READ)) {
		hwv_x86_exec_only(hw, g, gpa, gva, host, r);
		return;
	}

	rep->hw_probes++;
	host_val = READ_ONCE(*host);
	if (!g->run(hw, HWV_X86_READ, gva, 0) || !g->passed(hw, gpa, "read"))
		return;
	val = g->rax(hw);
	if (val != host_val && val != READ_ONCE(*host)) {
		hwv_hw_fail(rep, "read gpa %#llx: %#llx, host pa %#llx holds %#llx",
			    gpa, val, hpa, host_val);
		return;
	}

	/* the read proved that @gpa reaches this very page */
	hwv_x86_fetch(hw, g, gpa, gva, (u8 *)host, r);

	rep->hw_probes++;
	if (r->prot & AXAS_MAP_WRITE) {
		hwv_x86_write(hw, g, gpa, gva, host, hpa);
		return;
	}
	/* the value already there: harmless should the store land */
	if (g->run(hw, HWV_X86_WRITE, gva, READ_ONCE(*host)))
		g->expect_fault(hw, gpa, "write to read-only", AXAS_MAP_WRITE,
				r->prot);
}

void hwv_arch_hw_hole(struct hwv_hw *hw, u64 gpa)
{
	const struct hwv_x86_guest *g = hwv_x86_walker(hw->t->format)->guest;
	u64 gva;

	if (!g->probe_ok(hw, gpa)) {
		hw->rep->hw_skipped++;
		return;
	}
	gpa += hwv_probe_offset(gpa, hw->n++);
	gva = g->window(hw, gpa);
	hw->rep->hw_probes++;
	if (g->run(hw, HWV_X86_READ, gva, 0))
		g->expect_fault(hw, gpa, "read of unmapped", AXAS_MAP_READ, 0);
}

/* Both suites' parameters are an AXAS_FMT_* at its default width. */
void hwv_arch_param(const void *value, u32 *format, u32 *gpa_bits)
{
	*format = *(const u32 *)value;
	*gpa_bits = 0;
}

const struct hwv_test_arch *hwv_arch_tests(u32 format)
{
	return hwv_x86_walker(format)->tests;
}

unsigned int hwv_x86_expect_reach(struct kunit *test, const struct hwv_scene *s,
				  const struct hwv_report *rep)
{
	unsigned int i, reach = 0;

	for (i = 0; i < s->nr; i++)
		reach += hwv_x86_reachable(s->r[i].gpa);
	KUNIT_EXPECT_GE(test, reach, 7);
	KUNIT_EXPECT_GE(test, rep->hw_probes, 3 * reach);
	return reach;
}

void hwv_x86_expect_core(struct kunit *test, unsigned int nr,
			 const struct hwv_report *rep)
{
	KUNIT_EXPECT_GE(test, rep->hw_probes, 15);
}
