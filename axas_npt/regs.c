// SPDX-License-Identifier: GPL-2.0
/*
 * The register values that load a table with a VMID: EPTP, VTTBR_EL2 plus
 * VTCR_EL2, hgatp. The VMID-less base value is the format's own root_reg;
 * this file adds the VMID and, for Arm, the translation control register.
 */
#include <linux/bitfield.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#ifdef CONFIG_ARM64
#include <asm/cpufeature.h>
#include <asm/sysreg.h>
#endif

#include "axas_npt/npt.h"
#include "axas_npt/regs.h"

/* VTCR_EL2.PS (and ID_AA64MMFR0_EL1.PARange) encodings, 0b000..0b110. */
static const u8 axas_ps_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

/*
 * The widest PS a 4 KiB-granule table without FEAT_LPA2 (VTCR_EL2.DS == 0)
 * can use: 48 bits, as KVM caps PARange (kvm_get_parange()).
 */
#define AXAS_PS_4K_MAX		5

/**
 * axas_npt_ps_bits() - physical address width of a PS/PARange encoding
 * @encoding: VTCR_EL2.PS value
 *
 * Return: the width in bits, or 0 for a reserved encoding.
 */
unsigned int axas_npt_ps_bits(unsigned int encoding)
{
	return encoding < ARRAY_SIZE(axas_ps_bits) ? axas_ps_bits[encoding] : 0;
}

#ifdef CONFIG_ARM64
/* ID_AA64MMFR0_EL1 and ID_AA64MMFR1_EL1 (Arm ARM D19.2). */
#define AXAS_MMFR0_PARANGE	GENMASK_ULL(3, 0)
#define AXAS_MMFR1_VMIDBITS	GENMASK_ULL(7, 4)
#define AXAS_MMFR1_VMIDBITS_16	2

/* The host's PARange (system-wide sanitised value), as a PS encoding. */
static unsigned int axas_host_ps(unsigned int gpa_bits)
{
	u64 mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);

	return min_t(unsigned int, FIELD_GET(AXAS_MMFR0_PARANGE, mmfr0),
		     AXAS_PS_4K_MAX);
}

static u32 axas_host_vmid_max(void)
{
	u64 mmfr1 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR1_EL1);

	if (FIELD_GET(AXAS_MMFR1_VMIDBITS, mmfr1) == AXAS_MMFR1_VMIDBITS_16)
		return AXAS_ARM_VMID_MAX;
	return AXAS_ARM_VMID8_MAX;
}
#else
/*
 * Not an Arm host: there is no PARange to read. The smallest PS that covers
 * the table's input width keeps the configuration one an Arm CPU accepts
 * (KVM never gives a VM more IPA bits than PA bits).
 */
static unsigned int axas_host_ps(unsigned int gpa_bits)
{
	unsigned int ps = 0;

	while (ps < AXAS_PS_4K_MAX && axas_ps_bits[ps] < gpa_bits)
		ps++;
	return ps;
}

static u32 axas_host_vmid_max(void)
{
	return AXAS_ARM_VMID_MAX;
}
#endif

static int axas_arm_regs(const struct axas_npt *npt, u32 vmid, u64 *root_reg,
			 u64 *vtcr)
{
	unsigned int ps = axas_host_ps(npt->gpa_bits);
	/* Arm numbers levels from the root (0) down to the page (3). */
	unsigned int start_level = 4 - npt->levels;

	if (vmid > axas_host_vmid_max())
		return -EINVAL;
	/* An IPA wider than the PA range is a configuration KVM refuses. */
	if (npt->gpa_bits > axas_npt_ps_bits(ps))
		return -EINVAL;
	if (WARN_ON_ONCE(start_level > AXAS_VTCR_SL0_4K_BASE))
		return -EINVAL;

	*root_reg = (axas_npt_root_reg(npt) & AXAS_VTTBR_BADDR) |
		    FIELD_PREP(AXAS_VTTBR_VMID, vmid);
	*vtcr = FIELD_PREP(AXAS_VTCR_T0SZ, 64 - npt->gpa_bits) |
		FIELD_PREP(AXAS_VTCR_SL0, AXAS_VTCR_SL0_4K_BASE - start_level) |
		FIELD_PREP(AXAS_VTCR_IRGN0, AXAS_VTCR_RGN_WBWA) |
		FIELD_PREP(AXAS_VTCR_ORGN0, AXAS_VTCR_RGN_WBWA) |
		FIELD_PREP(AXAS_VTCR_SH0, AXAS_VTCR_SH_INNER) |
		FIELD_PREP(AXAS_VTCR_TG0, AXAS_VTCR_TG0_4K) |
		FIELD_PREP(AXAS_VTCR_PS, ps) |
		AXAS_VTCR_RES1;
	if (vmid > AXAS_ARM_VMID8_MAX)
		*vtcr |= AXAS_VTCR_VS;
	return 0;
}

/**
 * axas_npt_hw_regs() - the registers that load @npt with a VMID
 * @npt: the table
 * @vmid: the VMID (EPT: must be 0, the VPID is the hypervisor's own)
 * @root_reg: EPTP, nCR3 (AMD; @vmid is the ASID, which the VMCB holds),
 *	VTTBR_EL2 with @vmid, or hgatp with @vmid
 * @vtcr: VTCR_EL2 for Arm stage 2, else 0
 *
 * Return: 0, or -EINVAL if @vmid does not fit the format (or, on arm64,
 * the host's VMIDBits), or the table is wider than the host's PARange.
 */
int axas_npt_hw_regs(const struct axas_npt *npt, u32 vmid, u64 *root_reg,
		     u64 *vtcr)
{
	*root_reg = 0;
	*vtcr = 0;
	switch (npt->fmt->id) {
	case AXAS_FMT_EPT4:
	case AXAS_FMT_EPT5:
		if (vmid)
			return -EINVAL;
		*root_reg = axas_npt_root_reg(npt);
		return 0;
	case AXAS_FMT_AMD_NPT4:
	case AXAS_FMT_AMD_NPT5:
		/* nCR3; the ASID (@vmid) goes into the VMCB, not the register */
		*root_reg = axas_npt_root_reg(npt);
		return 0;
	case AXAS_FMT_ARM_S2:
		return axas_arm_regs(npt, vmid, root_reg, vtcr);
	case AXAS_FMT_SV39X4:
	case AXAS_FMT_SV48X4:
	case AXAS_FMT_SV57X4:
		if (vmid > AXAS_RISCV_VMID_MAX)
			return -EINVAL;
		*root_reg = axas_npt_root_reg(npt) |
			    FIELD_PREP(AXAS_HGATP_VMID, vmid);
		return 0;
	}
	WARN_ON_ONCE(1);
	return -EINVAL;
}
