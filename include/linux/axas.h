/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axas in-kernel API: guest address spaces backed by nested page tables.
 *
 * An address space covers [base, base + size) and holds non-overlapping
 * regions, each either linear (gpa -> hpa at a constant offset) or alloc
 * (pages from the page allocator, populated at once or faulted in lazily).
 * Every function may be called from many threads at once; all of them may
 * sleep except where noted.
 */
#ifndef _LINUX_AXAS_H
#define _LINUX_AXAS_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <uapi/linux/axas.h>

struct address_space;
struct axas_aspace;

/**
 * struct axas_xlate - result of axas_translate()
 * @hpa: host-physical address of the gpa, offset in the page included
 * @limit: bytes from the gpa to the end of its region
 * @page_size: size of the leaf entry mapping the gpa
 * @prot: AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED of the leaf
 * @kind: AXAS_REGION_LINEAR, AXAS_REGION_ALLOC or AXAS_REGION_USER
 */
struct axas_xlate {
	u64 hpa;
	u64 limit;
	u64 page_size;
	u32 prot;
	u32 kind;
};

/**
 * struct axas_stats - a snapshot of an address space
 * @format: resolved AXAS_FMT_* value
 * @levels: levels of the table walk
 * @gpa_bits: guest-physical width of the table
 * @base: first guest-physical address
 * @size: bytes covered
 * @root_pa: physical address of the root table
 * @root_reg: EPTP / VTTBR_EL2 / hgatp value
 * @table_pages: table pages, the root included
 * @data_pages: pages allocated for alloc regions
 * @nr_regions: number of regions
 * @tlb_gen: invalidation generation (grows when a present leaf is removed
 *	or loses permissions)
 */
struct axas_stats {
	u32 format;
	u32 levels;
	u32 gpa_bits;
	u64 base;
	u64 size;
	u64 root_pa;
	u64 root_reg;
	u64 table_pages;
	u64 data_pages;
	u64 nr_regions;
	u64 tlb_gen;
};

/**
 * struct axas_invalidate_ops - TLB shootdown hook
 * @invalidate: called after mappings of [@gpa, @gpa + @size) were removed
 *	or downgraded and before any page they used is freed or reused. Called
 *	with the address space's lock held for writing: it must not call back
 *	into the address space.
 */
struct axas_invalidate_ops {
	void (*invalidate)(void *priv, u64 gpa, u64 size);
};

/* Flags of axas_access_iter(). */
#define AXAS_ACCESS_WRITE	BIT(0)	/* write to the guest (else read) */
#define AXAS_ACCESS_LINEAR	BIT(1)	/* linear regions may be accessed */
#define AXAS_ACCESS_USER	BIT(2)	/* for userspace: /dev/mem's rules apply */

struct axas_aspace *axas_aspace_create(u32 format, u32 gpa_bits, u64 base,
				       u64 size);
void axas_aspace_get(struct axas_aspace *as);
void axas_aspace_put(struct axas_aspace *as);

u64 axas_aspace_base(const struct axas_aspace *as);
u64 axas_aspace_end(const struct axas_aspace *as);
u64 axas_aspace_size(const struct axas_aspace *as);
bool axas_aspace_contains_range(const struct axas_aspace *as, u64 gpa,
				u64 size);
phys_addr_t axas_aspace_root_pa(const struct axas_aspace *as);
u64 axas_aspace_root_reg(const struct axas_aspace *as);
void axas_aspace_stats(struct axas_aspace *as, struct axas_stats *st);

int axas_map_linear(struct axas_aspace *as, u64 gpa, u64 hpa, u64 size,
		    u32 flags);
int axas_map_alloc(struct axas_aspace *as, u64 gpa, u64 size, u32 flags);
int axas_unmap(struct axas_aspace *as, u64 gpa, u64 size);
int axas_map_user(struct axas_aspace *as, u64 gpa, u64 size, u64 user_va,
		  u32 flags);
int axas_discard(struct axas_aspace *as, u64 gpa, u64 size);
int axas_get_regions(struct axas_aspace *as, struct axas_region_info *out,
		     u32 max, u32 *total);
void axas_set_host_mapping(struct axas_aspace *as,
			   struct address_space *mapping);
/* axas_host_fault(): maps the page at @gpa, frame @pfn, for the host */
typedef int (*axas_host_install_t)(void *arg, u64 gpa, unsigned long pfn);
int axas_host_fault(struct axas_aspace *as, u64 gpa, u64 start, u64 end,
		    axas_host_install_t install, void *arg);
int axas_protect(struct axas_aspace *as, u64 gpa, u64 size, u32 flags);
void axas_clear(struct axas_aspace *as);

int axas_handle_page_fault(struct axas_aspace *as, u64 gpa, u32 access,
			   u32 *result);
int axas_translate(struct axas_aspace *as, u64 gpa, struct axas_xlate *x);
int axas_translate_and_get_limit(struct axas_aspace *as, u64 gpa,
				 phys_addr_t *hpa, u64 *limit);

ssize_t axas_access_iter(struct axas_aspace *as, u64 gpa,
			 struct iov_iter *iter, unsigned int flags);
ssize_t axas_read(struct axas_aspace *as, u64 gpa, void *buf, size_t len);
ssize_t axas_write(struct axas_aspace *as, u64 gpa, const void *buf,
		   size_t len);

int axas_dump_tables(struct axas_aspace *as,
		     int (*emit)(void *arg, const struct axas_stats *st,
				 u64 pa, const void *page),
		     void *arg);

/* Dirty tracking (SPEC 8.8); what axas_dirty_hw_needs() answers. */
#define AXAS_DIRTY_HW_NONE	0	/* write protection: writes fault */
#define AXAS_DIRTY_HW_ADUE	1	/* RISC-V: Svadu, menvcfg.ADUE (SBI FWFT) */
#define AXAS_DIRTY_HW_HD	2	/* Arm: set VTCR_EL2.HD */
#define AXAS_DIRTY_HW_AMD	3	/* AMD NPT: the CPU sets D by itself */
#define AXAS_DIRTY_HW_EPT_AD	4	/* EPT: EPTP bit 6, every consumer */

int axas_set_dirty_tracking(struct axas_aspace *as, u64 gpa, u64 size,
			    u32 flags);
int axas_get_dirty_bitmap(struct axas_aspace *as, u64 gpa, u64 size,
			  unsigned long *bitmap, u32 flags);
void axas_mark_dirty(struct axas_aspace *as, u64 gpa, u64 size);
void axas_mark_dirty_bitmap(struct axas_aspace *as, u64 gpa,
			    const unsigned long *bitmap, unsigned long nbits);
u32 axas_dirty_hw_needs(struct axas_aspace *as);
void axas_dirty_stats(struct axas_aspace *as, u64 *tracked, u64 *logged);

int axas_register_invalidate(struct axas_aspace *as,
			     const struct axas_invalidate_ops *ops,
			     void *priv);
void axas_unregister_invalidate(struct axas_aspace *as);

/* ---- Consumers: hypervisor modules that run guests on a space (SPEC 8.7) */

struct file;
struct axas_consumer;

/**
 * struct axas_consumer_ops - what a consumer is told
 * @invalidate: [@gpa, @gpa + @size) was broken, removed or downgraded:
 *	flush it from every TLB and walk cache that may hold it (every hart,
 *	CPU or PE that may run the consumer's VMID) before returning. It is
 *	called before any page that was mapped there, table or data, can be
 *	freed or reused. Called in process context with the space's lock held
 *	(for writing, or for reading on paths that only downgrade): it may
 *	sleep and wait for other CPUs, but must not call back into the space
 *	(no map, unmap, fault, read, write, bind or unbind). Two calls for
 *	one space overlap only when both come from paths holding the lock
 *	for reading.
 */
struct axas_consumer_ops {
	void (*invalidate)(struct axas_consumer *c, u64 gpa, u64 size);
};

/*
 * Flags of &struct axas_consumer. AXAS_CONSUMER_EPT_AD: the consumer runs
 * this EPT space with accessed/dirty flags on (EPTP bit 6, which
 * axas_aspace_hw_regs() then returns set), so dirty tracking may leave
 * leaves writable and read the CPU's D bit (bit 9).
 */
#define AXAS_CONSUMER_EPT_AD	BIT(0)

/**
 * struct axas_consumer - an invalidation client, embedded in the consumer's
 *	own object (container_of() gets back to it in @ops->invalidate)
 * @ops: the consumer's callbacks; set before axas_consumer_bind()
 * @flags: AXAS_CONSUMER_* promises, set before axas_consumer_bind() and
 *	left alone while bound (axas reads them once, at the bind)
 * @node: private to axas (entry in the space's list of consumers)
 * @bound_flags: private to axas (@flags as the bind took them)
 */
struct axas_consumer {
	const struct axas_consumer_ops *ops;
	u32 flags;
	struct list_head node;
	u32 bound_flags;
};

/**
 * struct axas_hw_regs - register values that load a space on the hardware
 * @format: the resolved AXAS_FMT_* value (never AXAS_FMT_NATIVE)
 * @vmid: the VMID the values carry, as asked
 * @root_reg: EPTP (memory type WB, walk length - 1, and bit 6, A/D
 *	enable, while a consumer bound with AXAS_CONSUMER_EPT_AD); nCR3 (AMD NPT: the
 *	root's address; the ASID is the VMCB's); VTTBR_EL2 with BADDR
 *	and the VMID in bits 63:48; or hgatp with MODE, the VMID (bits 57:44
 *	in RV64) and the root's PPN
 * @vtcr: Arm stage 2 only, else 0: VTCR_EL2 with T0SZ, SL0, IRGN0, ORGN0,
 *	SH0, TG0 (4 KiB), PS (the host's PARange on arm64; elsewhere the
 *	smallest PS that covers the space's gpa_bits), VS if @vmid > 255, and
 *	RES1 bit 31. The consumer ORs in the fields axas does not own (HA, HD,
 *	NSW, NSA, ...) if it wants them.
 */
struct axas_hw_regs {
	u32 format;
	u32 vmid;
	u64 root_reg;
	u64 vtcr;
};

struct axas_aspace *axas_aspace_fget(int fd);
struct axas_aspace *axas_aspace_from_file(struct file *file);
int axas_consumer_bind(struct axas_aspace *as, struct axas_consumer *c);
void axas_consumer_unbind(struct axas_aspace *as, struct axas_consumer *c);
int axas_aspace_hw_regs(struct axas_aspace *as, u32 vmid,
			struct axas_hw_regs *regs);

#endif /* _LINUX_AXAS_H */
