/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of axas: the operations of an address space as they enter
 * and leave the core, and what the page-table engine does on their behalf.
 *
 * Every event names its space by the address of its page table (hashed in
 * the trace output like every %p), so the events of one space can be told
 * apart and joined: the split event, raised by the engine, only knows the
 * table. The events take the core's own structures, so this header is for
 * axas' sources only. Region kinds, fault results and flags that came after
 * SPEC version 1 are listed by value (user regions 3, result "logged" 6,
 * HUGE 1 << 10): the UAPI header may not name them yet.
 * Documentation/observability.rst shows a tracing session.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM axas

#if !defined(_TRACE_AXAS_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_AXAS_H

#include <linux/tracepoint.h>
#include <uapi/linux/axas.h>

#include "axas_core/aspace.h"
#include "axas_npt/walk.h"

/* AXAS_MAP_* bits by name (permissions, memory type, region flags). */
#define axas_show_map_flags(flags)					\
	__print_flags(flags, "|",					\
		      { AXAS_MAP_READ, "R" }, { AXAS_MAP_WRITE, "W" },	\
		      { AXAS_MAP_EXEC, "X" },				\
		      { AXAS_MAP_DEVICE, "DEVICE" },			\
		      { AXAS_MAP_UNCACHED, "UNCACHED" },			\
		      { AXAS_MAP_POPULATE, "POPULATE" },			\
		      { AXAS_MAP_NOHUGE, "NOHUGE" },			\
		      { 1U << 10, "HUGE" })

/* A new region (@r: its shape) and whether it was added. */
TRACE_EVENT(axas_map,
	    TP_PROTO(const struct axas_aspace *as, const struct axas_region *r,
		     int ret),
	    TP_ARGS(as, r, ret),
	    TP_STRUCT__entry(__field(const void *, space)
			     __field(u64, gpa)
			     __field(u64, size)
			     __field(u64, hpa)
			     __field(u32, kind)
			     __field(u32, flags)
			     __field(int, ret)),
	    TP_fast_assign(__entry->space = &as->npt;
			   __entry->gpa = r->start;
			   __entry->size = r->end - r->start;
			   __entry->hpa = r->hpa;
			   __entry->kind = r->kind;
			   __entry->flags = r->prot | r->flags;
			   __entry->ret = ret;),
	    TP_printk("space=%p gpa=%#llx size=%#llx hpa=%#llx kind=%s flags=%s ret=%d",
		      __entry->space, __entry->gpa, __entry->size, __entry->hpa,
		      __print_symbolic(__entry->kind,
				       { AXAS_REGION_LINEAR, "linear" },
				       { AXAS_REGION_ALLOC, "alloc" },
				       { 3, "user" }),
		      axas_show_map_flags(__entry->flags),
		      __entry->ret)
);

TRACE_EVENT(axas_unmap,
	    TP_PROTO(const struct axas_aspace *as, u64 gpa, u64 size, int ret),
	    TP_ARGS(as, gpa, size, ret),
	    TP_STRUCT__entry(__field(const void *, space)
			     __field(u64, gpa)
			     __field(u64, size)
			     __field(int, ret)),
	    TP_fast_assign(__entry->space = &as->npt;
			   __entry->gpa = gpa;
			   __entry->size = size;
			   __entry->ret = ret;),
	    TP_printk("space=%p gpa=%#llx size=%#llx ret=%d",
		      __entry->space, __entry->gpa, __entry->size,
		      __entry->ret)
);

TRACE_EVENT(axas_protect,
	    TP_PROTO(const struct axas_aspace *as, u64 gpa, u64 size,
		     u32 flags, int ret),
	    TP_ARGS(as, gpa, size, flags, ret),
	    TP_STRUCT__entry(__field(const void *, space)
			     __field(u64, gpa)
			     __field(u64, size)
			     __field(u32, flags)
			     __field(int, ret)),
	    TP_fast_assign(__entry->space = &as->npt;
			   __entry->gpa = gpa;
			   __entry->size = size;
			   __entry->flags = flags;
			   __entry->ret = ret;),
	    TP_printk("space=%p gpa=%#llx size=%#llx flags=%s ret=%d",
		      __entry->space, __entry->gpa, __entry->size,
		      axas_show_map_flags(__entry->flags),
		      __entry->ret)
);

/*
 * A fault as the core answered it: the AXAS_FAULT_* value *@result when
 * @ret is 0; when the call failed, result 0 ("none") and the errno.
 */
TRACE_EVENT(axas_fault,
	    TP_PROTO(const struct axas_aspace *as, u64 gpa, u32 access,
		     const u32 *result, int ret),
	    TP_ARGS(as, gpa, access, result, ret),
	    TP_STRUCT__entry(__field(const void *, space)
			     __field(u64, gpa)
			     __field(u32, access)
			     __field(u32, result)
			     __field(int, ret)),
	    TP_fast_assign(__entry->space = &as->npt;
			   __entry->gpa = gpa;
			   __entry->access = access;
			   __entry->result = ret ? 0 : *result;
			   __entry->ret = ret;),
	    TP_printk("space=%p gpa=%#llx access=%s result=%s ret=%d",
		      __entry->space, __entry->gpa,
		      axas_show_map_flags(__entry->access),
		      __print_symbolic(__entry->result, { 0, "none" },
				       { AXAS_FAULT_HANDLED, "handled" },
				       { AXAS_FAULT_SPURIOUS, "spurious" },
				       { AXAS_FAULT_NOT_MAPPED, "not-mapped" },
				       { AXAS_FAULT_PERM, "perm" },
				       { AXAS_FAULT_NOT_LAZY, "not-lazy" },
				       { 6, "logged" }),
		      __entry->ret)
);

/*
 * Invalidation leaving the core for [@gpa, @gpa + @size) through
 * axas_tlb_invalidate(): a break of break-before-make, a present leaf
 * removed or downgraded, or table pages unlinked. hooked tells whether a
 * consumer is bound to hear it.
 */
TRACE_EVENT(axas_invalidate,
	    TP_PROTO(const struct axas_aspace *as, u64 gpa, u64 size),
	    TP_ARGS(as, gpa, size),
	    TP_STRUCT__entry(__field(const void *, space)
			     __field(u64, gpa)
			     __field(u64, size)
			     __field(u64, tlb_gen)
			     __field(bool, hooked)),
	    TP_fast_assign(__entry->space = &as->npt;
			   __entry->gpa = gpa;
			   __entry->size = size;
			   __entry->tlb_gen = atomic64_read(&as->tlb_gen);
			   __entry->hooked = !list_empty(&as->consumers);),
	    TP_printk("space=%p gpa=%#llx size=%#llx tlb_gen=%llu hooked=%d",
		      __entry->space, __entry->gpa, __entry->size,
		      __entry->tlb_gen, __entry->hooked)
);

/*
 * The engine replaced the huge leaf @ctx visits (level 1: 2 MiB, 2: 1 GiB)
 * by a table of smaller leaves.
 */
TRACE_EVENT(axas_split,
	    TP_PROTO(const struct axas_npt_visit_ctx *ctx),
	    TP_ARGS(ctx),
	    TP_STRUCT__entry(__field(const void *, space)
			     __field(u64, gpa)
			     __field(u64, size)
			     __field(u64, old_pte)
			     __field(unsigned int, level)),
	    TP_fast_assign(__entry->space = ctx->npt;
			   __entry->size = axas_npt_level_size(ctx->level);
			   __entry->gpa = ctx->addr & ~(__entry->size - 1);
			   __entry->old_pte = ctx->old;
			   __entry->level = ctx->level;),
	    TP_printk("space=%p gpa=%#llx size=%#llx level=%u old_pte=%#llx",
		      __entry->space, __entry->gpa, __entry->size,
		      __entry->level, __entry->old_pte)
);

#endif /* _TRACE_AXAS_H */

/* This part must be outside the multi-read protection. */
#include <trace/define_trace.h>
