/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * axas - nested (second-stage) page tables for userspace VMMs.
 *
 * Every ioctl argument starts with "__u32 size; __u32 flags;". The kernel
 * reads the struct the way copy_struct_from_user() does: a shorter struct is
 * zero-extended, a longer one is accepted only when the extra bytes are zero.
 */
#ifndef _UAPI_LINUX_AXAS_H
#define _UAPI_LINUX_AXAS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** AXAS_API_VERSION - value returned by %AXAS_IOC_GET_API_VERSION */
#define AXAS_API_VERSION	1

/*
 * AXAS_TYPE - the ioctl type of every axas ioctl. 0xB9 is free in the
 * kernel's Documentation/userspace-api/ioctl/ioctl-number.rst (0xAE, which
 * axas used before version 1 was frozen, is KVM's). Numbers within the type
 * never change; new ioctls take the next free number of their device.
 */
#define AXAS_TYPE		0xB9

/**
 * enum axas_format - page-table formats
 * @AXAS_FMT_NATIVE: the host architecture's own format
 * @AXAS_FMT_EPT4: Intel VMX EPT, 4 levels, 48-bit guest-physical
 * @AXAS_FMT_EPT5: Intel VMX EPT, 5 levels, 57-bit guest-physical
 * @AXAS_FMT_ARM_S2: Arm VMSAv8-64 stage 2, 4 KiB granule, 32..48 bits
 * @AXAS_FMT_SV39X4: RISC-V G-stage Sv39x4, 41-bit guest-physical
 * @AXAS_FMT_SV48X4: RISC-V G-stage Sv48x4, 50-bit guest-physical
 * @AXAS_FMT_SV57X4: RISC-V G-stage Sv57x4, 59-bit guest-physical
 * @AXAS_FMT_AMD_NPT4: AMD nested paging, 4 levels, 48-bit guest-physical
 * @AXAS_FMT_AMD_NPT5: AMD nested paging, 5 levels, 57-bit guest-physical
 *
 * AMD nested tables are x86 page tables: every leaf is readable, so a
 * mapping of theirs must include %AXAS_MAP_READ (execute-only: EINVAL).
 */
enum axas_format {
	AXAS_FMT_NATIVE = 0,
	AXAS_FMT_EPT4 = 1,
	AXAS_FMT_EPT5 = 2,
	AXAS_FMT_ARM_S2 = 3,
	AXAS_FMT_SV39X4 = 4,
	AXAS_FMT_SV48X4 = 5,
	AXAS_FMT_SV57X4 = 6,
	AXAS_FMT_AMD_NPT4 = 7,
	AXAS_FMT_AMD_NPT5 = 8,
};

/* Capabilities for AXAS_IOC_CHECK_EXTENSION. */
/** AXAS_CAP_FORMATS - returns the mask (1 << format) of supported formats */
#define AXAS_CAP_FORMATS	1
/** AXAS_CAP_MAP_USER - %AXAS_IOC_MAP_USER: the caller's memory as guest RAM */
#define AXAS_CAP_MAP_USER	2
/** AXAS_CAP_MMAP - mmap() of an address-space fd (offset = gpa) */
#define AXAS_CAP_MMAP		3
/** AXAS_CAP_DISCARD - %AXAS_IOC_DISCARD: free pages, keep the regions */
#define AXAS_CAP_DISCARD	4
/** AXAS_CAP_REGIONS - %AXAS_IOC_GET_REGIONS */
#define AXAS_CAP_REGIONS	5
/** AXAS_CAP_HUGE_ALLOC - %AXAS_MAP_HUGE on %AXAS_IOC_MAP_ALLOC */
#define AXAS_CAP_HUGE_ALLOC	6
/**
 * AXAS_CAP_DIRTY_TRACKING - %AXAS_IOC_SET_DIRTY_TRACKING and
 * %AXAS_IOC_GET_DIRTY_BITMAP
 */
#define AXAS_CAP_DIRTY_TRACKING	7
/**
 * AXAS_CAP_CONSUMER - an in-kernel consumer (a hypervisor module) can take
 * an address-space fd, bind invalidation callbacks and load the space's
 * registers (Documentation/kernel-api.rst, "Consumers")
 */
#define AXAS_CAP_CONSUMER	8

/*
 * Mapping flags (struct axas_map.flags; the first five also in
 * struct axas_translate.map_flags and struct axas_fault.access). A mapping
 * needs at least one of READ/WRITE/EXEC, and WRITE needs READ.
 */
#define AXAS_MAP_READ		(1U << 0)	/* guest may read */
#define AXAS_MAP_WRITE		(1U << 1)	/* guest may write */
#define AXAS_MAP_EXEC		(1U << 2)	/* guest may execute */
#define AXAS_MAP_DEVICE		(1U << 3)	/* device memory; no EXEC */
#define AXAS_MAP_UNCACHED	(1U << 4)	/* normal non-cacheable */
#define AXAS_MAP_POPULATE	(1U << 8)	/* MAP_ALLOC: allocate now */
#define AXAS_MAP_NOHUGE		(1U << 9)	/* MAP_LINEAR: 4 KiB leaves */
#define AXAS_MAP_HUGE		(1U << 10)	/* MAP_ALLOC: 2 MiB pages */

/* Region kinds (struct axas_translate.kind). */
#define AXAS_REGION_LINEAR	1
#define AXAS_REGION_ALLOC	2
#define AXAS_REGION_USER	3	/* the VMM's own memory, pinned */

/* Fault results (struct axas_fault.result). */
#define AXAS_FAULT_HANDLED	1	/* a page was allocated and mapped */
#define AXAS_FAULT_SPURIOUS	2	/* already mapped with enough permission */
#define AXAS_FAULT_NOT_MAPPED	3	/* no region covers the address */
#define AXAS_FAULT_PERM		4	/* the region forbids this access */
#define AXAS_FAULT_NOT_LAZY	5	/* linear or populated region */
#define AXAS_FAULT_LOGGED	6	/* a tracked write: marked dirty, writable */

/**
 * struct axas_new - argument of %AXAS_IOC_NEW
 * @size: sizeof(struct axas_new) as the caller compiled it
 * @flags: must be 0
 * @format: an &enum axas_format value
 * @gpa_bits: guest-physical width; 0 selects the format's default
 * @base: first guest-physical address of the space (4 KiB aligned)
 * @length: size of the space in bytes (4 KiB aligned, nonzero)
 */
struct axas_new {
	__u32 size;
	__u32 flags;
	__u32 format;
	__u32 gpa_bits;
	__aligned_u64 base;
	__aligned_u64 length;
};

/**
 * struct axas_map - argument of MAP_LINEAR, MAP_ALLOC and PROTECT
 * @size: sizeof(struct axas_map) as the caller compiled it
 * @flags: AXAS_MAP_* bits
 * @gpa: first guest-physical address (4 KiB aligned)
 * @length: bytes to map (4 KiB aligned, nonzero)
 * @hpa: host-physical address for MAP_LINEAR; must be 0 otherwise
 */
struct axas_map {
	__u32 size;
	__u32 flags;
	__aligned_u64 gpa;
	__aligned_u64 length;
	__aligned_u64 hpa;
};

/**
 * struct axas_range - argument of %AXAS_IOC_UNMAP
 * @size: sizeof(struct axas_range) as the caller compiled it
 * @flags: must be 0
 * @gpa: first guest-physical address (4 KiB aligned)
 * @length: bytes to unmap (4 KiB aligned, nonzero)
 */
struct axas_range {
	__u32 size;
	__u32 flags;
	__aligned_u64 gpa;
	__aligned_u64 length;
};

/**
 * struct axas_translate - argument of %AXAS_IOC_TRANSLATE
 * @size: sizeof(struct axas_translate) as the caller compiled it
 * @flags: must be 0
 * @gpa: in: the guest-physical address to translate (any alignment)
 * @hpa: out: host-physical address, including the offset in the page
 *	(0 unless the file was opened with CAP_SYS_ADMIN)
 * @limit: out: bytes from @gpa to the end of its region
 * @page_size: out: size of the leaf entry that maps @gpa
 * @map_flags: out: AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED of the leaf
 * @kind: out: AXAS_REGION_LINEAR or AXAS_REGION_ALLOC
 */
struct axas_translate {
	__u32 size;
	__u32 flags;
	__aligned_u64 gpa;
	__aligned_u64 hpa;
	__aligned_u64 limit;
	__aligned_u64 page_size;
	__u32 map_flags;
	__u32 kind;
};

/**
 * struct axas_fault - argument of %AXAS_IOC_FAULT
 * @size: sizeof(struct axas_fault) as the caller compiled it
 * @flags: must be 0
 * @gpa: in: the faulting guest-physical address (any alignment)
 * @access: in: AXAS_MAP_READ/WRITE/EXEC bits the guest needed
 * @result: out: one of the AXAS_FAULT_* values
 */
struct axas_fault {
	__u32 size;
	__u32 flags;
	__aligned_u64 gpa;
	__u32 access;
	__u32 result;
};

/**
 * struct axas_info - argument of %AXAS_IOC_INFO
 * @size: sizeof(struct axas_info) as the caller compiled it
 * @flags: must be 0
 * @format: out: the resolved format (never %AXAS_FMT_NATIVE)
 * @levels: out: levels of the table walk
 * @gpa_bits: out: guest-physical width of the table
 * @reserved: must be 0
 * @base: out: first guest-physical address of the space
 * @length: out: size of the space in bytes
 * @root_pa: out: physical address of the root table (0 without CAP_SYS_ADMIN)
 * @root_reg: out: EPTP, VTTBR_EL2 or hgatp value (0 without CAP_SYS_ADMIN)
 * @table_pages: out: pages of the table, the root included
 * @data_pages: out: pages allocated for alloc regions
 * @nr_regions: out: number of regions
 * @tlb_gen: out: grows whenever a present leaf is removed or downgraded
 */
struct axas_info {
	__u32 size;
	__u32 flags;
	__u32 format;
	__u32 levels;
	__u32 gpa_bits;
	__u32 reserved;
	__aligned_u64 base;
	__aligned_u64 length;
	__aligned_u64 root_pa;
	__aligned_u64 root_reg;
	__aligned_u64 table_pages;
	__aligned_u64 data_pages;
	__aligned_u64 nr_regions;
	__aligned_u64 tlb_gen;
};

/**
 * struct axas_dump - argument of %AXAS_IOC_DUMP
 * @size: sizeof(struct axas_dump) as the caller compiled it
 * @flags: must be 0
 * @buf: user pointer to the buffer receiving the table image
 * @buf_len: in: bytes available at @buf; out: size of the image
 */
struct axas_dump {
	__u32 size;
	__u32 flags;
	__aligned_u64 buf;
	__aligned_u64 buf_len;
};

/**
 * struct axas_map_user - argument of %AXAS_IOC_MAP_USER
 * @size: sizeof(struct axas_map_user) as the caller compiled it
 * @flags: AXAS_MAP_READ/WRITE/EXEC/UNCACHED
 * @gpa: first guest-physical address (4 KiB aligned)
 * @length: bytes to map (4 KiB aligned, nonzero)
 * @user_va: the caller's memory that becomes guest RAM (4 KiB aligned)
 */
struct axas_map_user {
	__u32 size;
	__u32 flags;
	__aligned_u64 gpa;
	__aligned_u64 length;
	__aligned_u64 user_va;
};

/**
 * struct axas_region_info - one entry written by %AXAS_IOC_GET_REGIONS
 * @gpa: first guest-physical address of the region
 * @length: bytes the region covers
 * @hpa: linear regions: host-physical address of @gpa (0 unless the file
 *	was opened with CAP_SYS_ADMIN); 0 for other kinds
 * @user_va: user regions: the VMM address of @gpa; 0 for other kinds
 * @map_flags: AXAS_MAP_READ/WRITE/EXEC/DEVICE/UNCACHED of the region, plus
 *	AXAS_MAP_POPULATE, AXAS_MAP_HUGE and AXAS_MAP_NOHUGE as it was created
 * @kind: AXAS_REGION_LINEAR, AXAS_REGION_ALLOC or AXAS_REGION_USER
 */
struct axas_region_info {
	__aligned_u64 gpa;
	__aligned_u64 length;
	__aligned_u64 hpa;
	__aligned_u64 user_va;
	__u32 map_flags;
	__u32 kind;
};

/**
 * struct axas_regions - argument of %AXAS_IOC_GET_REGIONS
 * @size: sizeof(struct axas_regions) as the caller compiled it
 * @flags: must be 0
 * @nr_regions: in: entries available at @regions; out: number of regions
 *	(also when the call fails with ENOSPC)
 * @reserved: must be 0
 * @regions: user pointer to an array of &struct axas_region_info, filled in
 *	order of guest-physical address
 */
struct axas_regions {
	__u32 size;
	__u32 flags;
	__u32 nr_regions;
	__u32 reserved;
	__aligned_u64 regions;
};

/* Table image written by AXAS_IOC_DUMP (little-endian). */
#define AXAS_DUMP_MAGIC		0x54505841	/* "AXPT" */
#define AXAS_DUMP_VERSION	1

/**
 * struct axas_dump_header - first 64 bytes of a table image
 * @magic: %AXAS_DUMP_MAGIC
 * @version: %AXAS_DUMP_VERSION
 * @format: &enum axas_format value (1..6)
 * @levels: levels walked
 * @gpa_bits: guest-physical width
 * @root_pa: physical address of the root (first page of a multi-page root)
 * @root_reg: EPTP, VTTBR_EL2 or hgatp value
 * @nr_pages: number of page records that follow; each is a __u64 physical
 *	address followed by the 4096 bytes of that table page
 * @pad: zero
 */
struct axas_dump_header {
	__u32 magic;
	__u16 version;
	__u16 format;
	__u32 levels;
	__u32 gpa_bits;
	__u64 root_pa;
	__u64 root_reg;
	__u64 nr_pages;
	__u64 pad[3];
};

/* struct axas_range.flags of %AXAS_IOC_SET_DIRTY_TRACKING */
#define AXAS_DIRTY_ENABLE	(1U << 0)	/* start tracking (else stop) */
/* struct axas_dirty_bitmap.flags */
#define AXAS_DIRTY_NO_CLEAR	(1U << 0)	/* report, but keep the pages dirty */

/**
 * struct axas_dirty_bitmap - argument of %AXAS_IOC_GET_DIRTY_BITMAP
 * @size: sizeof(struct axas_dirty_bitmap) as the caller compiled it
 * @flags: 0 or %AXAS_DIRTY_NO_CLEAR
 * @gpa: first guest-physical address (4 KiB aligned)
 * @length: bytes (4 KiB aligned, nonzero)
 * @bitmap: user pointer to length / 4096 bits rounded up to whole __u64
 *	words; bit i of the little-endian __u64 array is the page at
 *	gpa + i * 4096, set if it was written since tracking started or the
 *	last report that cleared it
 */
struct axas_dirty_bitmap {
	__u32 size;
	__u32 flags;
	__aligned_u64 gpa;
	__aligned_u64 length;
	__aligned_u64 bitmap;
};

/* ioctls on /dev/axas */
#define AXAS_IOC_GET_API_VERSION	_IO(AXAS_TYPE, 0x00)
#define AXAS_IOC_CHECK_EXTENSION	_IO(AXAS_TYPE, 0x01)
#define AXAS_IOC_NEW			_IO(AXAS_TYPE, 0x02)

/* ioctls on an address-space file descriptor */
#define AXAS_IOC_MAP_LINEAR		_IO(AXAS_TYPE, 0x10)
#define AXAS_IOC_MAP_ALLOC		_IO(AXAS_TYPE, 0x11)
#define AXAS_IOC_UNMAP			_IO(AXAS_TYPE, 0x12)
#define AXAS_IOC_PROTECT		_IO(AXAS_TYPE, 0x13)
#define AXAS_IOC_TRANSLATE		_IO(AXAS_TYPE, 0x14)
#define AXAS_IOC_FAULT			_IO(AXAS_TYPE, 0x15)
#define AXAS_IOC_INFO			_IO(AXAS_TYPE, 0x16)
#define AXAS_IOC_DUMP			_IO(AXAS_TYPE, 0x17)
#define AXAS_IOC_MAP_USER		_IO(AXAS_TYPE, 0x18)
#define AXAS_IOC_DISCARD		_IO(AXAS_TYPE, 0x19)
#define AXAS_IOC_GET_REGIONS		_IO(AXAS_TYPE, 0x1a)
#define AXAS_IOC_SET_DIRTY_TRACKING	_IO(AXAS_TYPE, 0x1b)
#define AXAS_IOC_GET_DIRTY_BITMAP	_IO(AXAS_TYPE, 0x1c)

#endif /* _UAPI_LINUX_AXAS_H */
