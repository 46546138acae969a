/* SPDX-License-Identifier: GPL-2.0 */
/* The format descriptors, one per AXAS_FMT_* value. */
#ifndef _AXAS_NPT_FMT_H
#define _AXAS_NPT_FMT_H

#include "axas_npt/npt.h"

extern const struct axas_npt_fmt axas_npt_fmt_ept4;
extern const struct axas_npt_fmt axas_npt_fmt_ept5;
extern const struct axas_npt_fmt axas_npt_fmt_arm_s2;
extern const struct axas_npt_fmt axas_npt_fmt_sv39x4;
extern const struct axas_npt_fmt axas_npt_fmt_sv48x4;
extern const struct axas_npt_fmt axas_npt_fmt_sv57x4;
extern const struct axas_npt_fmt axas_npt_fmt_amd_npt4;
extern const struct axas_npt_fmt axas_npt_fmt_amd_npt5;

#endif /* _AXAS_NPT_FMT_H */
