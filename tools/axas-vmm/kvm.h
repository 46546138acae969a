/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AXAS_VMM_KVM_H
#define AXAS_VMM_KVM_H

struct guest_console;

int kvm_run_guest(const char *image, unsigned long ram_size, const unsigned long *args,
		  struct guest_console *con, unsigned long long *ns);

#endif
