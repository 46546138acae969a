/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 VMM carries its guests and axas_vcpu.ko (tools/qemu/run.sh
 * copies only the programs of tools/build into the test kernel): the
 * Makefile points the assembler's include path at the guest build
 * directory (GUESTS=) and at the module's (VCPU_KO=).
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
	.globl	blob_vcpu_ko, blob_vcpu_ko_end
blob_vcpu_ko:
	.incbin	"axas_vcpu.ko"
blob_vcpu_ko_end:

	.section .note.GNU-stack, "", @progbits
