/* SPDX-License-Identifier: GPL-2.0 */
/* The AMD nested-paging verifier (npt_verify.c) for its suite. */
#ifndef _AXAS_KUNIT_HWV_X86_H
#define _AXAS_KUNIT_HWV_X86_H

#include <linux/types.h>

/**
 * hwv_x86_host_format() - the NPT format this host's nested walk uses
 *
 * The nested walk runs in the host's paging mode: 5 levels when the kernel
 * runs with LA57, else 4 (QEMU's nested_pg_mode, KVM's get_npt_level()).
 *
 * Return: AXAS_FMT_AMD_NPT5 or AXAS_FMT_AMD_NPT4.
 */
u32 hwv_x86_host_format(void);

#endif /* _AXAS_KUNIT_HWV_X86_H */
