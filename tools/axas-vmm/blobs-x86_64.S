/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 VMM carries its guests, axas_vcpu.ko and KVM's modules (tools/qemu/run.sh
 * copies only the programs of tools/build into the test kernel): the
 * Makefile points the assembler's include path at the guest build
 * directory (GUESTS=), at the module's (VCPU_KO=) and at Debian's KVM
 * modules for the yardstick (KVM_KO=: kvm.ko, kvm-amd.ko, irqbypass.ko, ccp.ko;
 * or, with KVM_INTEL defined, kvm.ko, kvm-intel.ko, irqbypass.ko and no ccp).
 */
	.section .rodata, "a"
	.balign	16
	.globl	blob_banner, blob_banner_end
blob_banner:
	.incbin	"banner.bin"
blob_banner_end:
	.balign	16
	.globl	blob_probe, blob_probe_end
blob_probe:
	.incbin	"probe.bin"
blob_probe_end:
	.balign	16
	.globl	blob_memtest, blob_memtest_end
blob_memtest:
	.incbin	"memtest.bin"
blob_memtest_end:
	.balign	16
	.globl	blob_mmio, blob_mmio_end
blob_mmio:
	.incbin	"mmio-x86_64.bin"
blob_mmio_end:
	.balign	16
	.globl	blob_dirty, blob_dirty_end
blob_dirty:
	.incbin	"dirty.bin"
blob_dirty_end:
	.balign	16
	.globl	blob_kvm, blob_kvm_end, blob_kvm_vendor, blob_kvm_vendor_end
	.globl	blob_irqbypass, blob_irqbypass_end, blob_ccp, blob_ccp_end
blob_kvm:
	.incbin	"kvm.ko"
blob_kvm_end:
	.balign	16
blob_kvm_vendor:
	.ifdef	KVM_INTEL
	.incbin	"kvm-intel.ko"
	.else
	.incbin	"kvm-amd.ko"
	.endif
blob_kvm_vendor_end:
	.balign	16
blob_irqbypass:
	.incbin	"irqbypass.ko"
blob_irqbypass_end:
	.balign	16
blob_ccp:
	.ifndef	KVM_INTEL
	.incbin	"ccp.ko"
	.endif
blob_ccp_end:
	.balign	16
	.globl	blob_vcpu_ko, blob_vcpu_ko_end
blob_vcpu_ko:
	.incbin	"axas_vcpu.ko"
blob_vcpu_ko_end:

	.section .note.GNU-stack, "", @progbits
