/* SPDX-License-Identifier: GPL-2.0 */
/* The registers a hypervisor loads to run a guest on a table. */
#ifndef _AXAS_NPT_REGS_H
#define _AXAS_NPT_REGS_H

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/types.h>

#include "axas_npt/npt.h"

/*
 * EPTP (Intel SDM Vol. 3C, 25.6.11 "Extended-Page-Table Pointer"): bit 6
 * turns the accessed and dirty flags of EPT entries on.
 */
#define AXAS_EPTP_AD		BIT_ULL(6)

/*
 * VTTBR_EL2 (Arm ARM D19.2 "VTTBR_EL2, Virtualization Translation Table
 * Base Register"): VMID in 63:48; with VTCR_EL2.VS == 0 only 55:48 count.
 */
#define AXAS_VTTBR_VMID		GENMASK_ULL(63, 48)
#define AXAS_VTTBR_BADDR	GENMASK_ULL(47, 1)

/*
 * VTCR_EL2 (Arm ARM D19.2 "VTCR_EL2, Virtualization Translation Control
 * Register"), the fields axas fills.
 */
#define AXAS_VTCR_T0SZ		GENMASK_ULL(5, 0)
#define AXAS_VTCR_SL0		GENMASK_ULL(7, 6)
#define AXAS_VTCR_IRGN0		GENMASK_ULL(9, 8)
#define AXAS_VTCR_ORGN0		GENMASK_ULL(11, 10)
#define AXAS_VTCR_SH0		GENMASK_ULL(13, 12)
#define AXAS_VTCR_TG0		GENMASK_ULL(15, 14)
#define AXAS_VTCR_PS		GENMASK_ULL(18, 16)
#define AXAS_VTCR_VS		BIT_ULL(19)
#define AXAS_VTCR_RES1		BIT_ULL(31)

#define AXAS_VTCR_RGN_WBWA	1	/* Normal, write-back read/write-allocate */
#define AXAS_VTCR_SH_INNER	3	/* inner shareable */
#define AXAS_VTCR_TG0_4K	0
/* SL0 with a 4 KiB granule: 0 starts at level 2, 1 at level 1, 2 at 0. */
#define AXAS_VTCR_SL0_4K_BASE	2

/*
 * hgatp, RV64 (RISC-V Privileged ISA, hypervisor extension, "Hypervisor
 * Guest Address Translation and Protection Register (hgatp)"): MODE 63:60,
 * VMID 57:44 (VMIDLEN at most 14), PPN 43:0.
 */
#define AXAS_HGATP_MODE		GENMASK_ULL(63, 60)
#define AXAS_HGATP_VMID		GENMASK_ULL(57, 44)
#define AXAS_HGATP_PPN		GENMASK_ULL(43, 0)

/* VMID limits per format. */
#define AXAS_ARM_VMID_MAX	GENMASK(15, 0)
#define AXAS_ARM_VMID8_MAX	GENMASK(7, 0)
#define AXAS_RISCV_VMID_MAX	GENMASK(13, 0)

unsigned int axas_npt_ps_bits(unsigned int encoding);
int axas_npt_hw_regs(const struct axas_npt *npt, u32 vmid, u64 *root_reg,
		     u64 *vtcr);

#endif /* _AXAS_NPT_REGS_H */
