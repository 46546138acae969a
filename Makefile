# SPDX-License-Identifier: GPL-2.0
#
# axas: out-of-tree build and the project's two commands.
#
#   make          build axas.ko against KDIR (default: newest Debian 6.1 headers)
#   make demo     install what is needed, build, boot Debian 6.1 in QEMU, run the demo VMM
#   make check    install what is needed and run every test (this is what CI runs)
#   make check-full   make check, then Bochs once more: kvm_intel coexistence and the VMX yardstick
#
# The kernel's build system reads Kbuild, not this file.

REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KDIR ?= $(shell ls -d /usr/src/linux-headers-6.1.0-*-amd64 2>/dev/null | sort -V | tail -n 1)
JOBS ?= $(shell nproc)
AXAS_CACHE ?= /var/tmp/axas

CI := $(REPO)/tools/ci

.PHONY: all module tools clean deps demo check qemu \
	build-6.1 build-6.12 build-all checkpatch kernel-doc kunit kunit-cross selftests \
	package bench help \
	bench-vcpu vcpu-riscv vcpu-x86 vcpu-arm64 bench-vcpu-arm64 check-full vcpu-vmx

all: module

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)/" || { \
		echo "No kernel headers (KDIR='$(KDIR)'): run 'make deps' or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(REPO) modules

# The selftests may include kselftest_harness.h from the 6.12 source.
tools:
	@bash -c '. $(CI)/lib.sh && ensure_src612'
	$(MAKE) -C $(REPO)/tools all

clean:
	@if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(REPO) clean; fi
	$(MAKE) -C $(REPO)/tools clean

# Installs the Debian packages the builds and tests need (idempotent, quiet
# when everything is there).
deps:
	@$(CI)/deps.sh

# Warning-free builds: W=1 and sparse (C=1); any "warning:" fails.
build-6.1: deps
	@$(CI)/build.sh 6.1

build-6.12: deps
	@$(CI)/build.sh 6.12

build-all: build-6.1 build-6.12

checkpatch: deps
	@$(CI)/checkpatch.sh

# kernel-doc -none -Wall over every header and .c file.
kernel-doc: deps
	@$(CI)/kernel-doc.sh

# The Debian package axas-dkms: build, install, DKMS builds for 6.1, 6.12, 6.12-rt.
package: deps
	@$(CI)/package.sh

# KUnit suites under UML (kunit.py from the 6.12 source).
kunit: deps
	@$(CI)/kunit.sh

# KUnit suites under QEMU for arm64 and riscv.
kunit-cross: deps
	@bash $(CI)/kunit-cross.sh

# Userspace selftests against the module loaded in Debian 6.1, 6.12 and
# 6.12-rt under QEMU (KERNELS='6.12-rt' for one of them).
selftests: deps
	@$(CI)/selftests.sh $(KERNELS)

demo: deps
	@$(MAKE) --no-print-directory module
	@$(MAKE) --no-print-directory -C $(REPO)/tools progs
	@if [ ! -x $(REPO)/tools/build/axas-demo ]; then \
		echo "tools/build/axas-demo does not exist yet (tools/axas-demo.c is not written): no demo to run" >&2; \
		exit 1; fi
	@$(REPO)/tools/qemu/run.sh --timeout 300 -- axas-demo
	@if [ -x $(AXAS_CACHE)/cross-gcc/bin/riscv64-linux-gnu-gcc ] && \
	    [ -x $(AXAS_CACHE)/qemu10/usr/bin/qemu-system-riscv64 ]; then \
		echo; echo "==== second act: a riscv64 guest on an axas G-stage table ===="; \
		$(CI)/vcpu-riscv.sh demo; \
	else echo "(second act skipped: no riscv64 cross compiler or QEMU 10 in $(AXAS_CACHE); make kunit-cross fetches them)"; fi

check: deps
	@$(CI)/check.sh

check-full: deps
	@$(CI)/check.sh full

# The QEMU harness with any command: make qemu CMD='axasctl ...'
qemu: deps
	@$(MAKE) --no-print-directory module
	@$(MAKE) --no-print-directory -C $(REPO)/tools progs
	@$(REPO)/tools/qemu/run.sh -- $(or $(CMD),sh -c 'lsmod; ls -l /dev/axas')

# Speed and memory against the kernel's own page-table code, in the guest.
bench: deps
	@$(MAKE) --no-print-directory module
	@$(MAKE) --no-print-directory -C $(REPO)/tools progs
	@$(REPO)/tools/qemu/run.sh --mem 3G -- axas-bench $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-vcpu

# The yardstick: the same guest touching 64 MiB on axas_vcpu and on KVM
# (riscv64, then x86-64 with kvm_amd, then arm64 at EL2 with VHE).
bench-vcpu: deps
	@$(CI)/vcpu-riscv.sh bench
	@$(CI)/vcpu-x86.sh bench
	@$(CI)/vcpu-vmx.sh bench
	@$(CI)/vcpu-arm64.sh bench

# End to end: a riscv64 guest on axas tables (part of make check).
vcpu-riscv: deps
	@$(CI)/vcpu-riscv.sh

# End to end: an x86-64 guest on AMD NPT tables with SVM (part of make check).
vcpu-x86: deps
	@$(CI)/vcpu-x86.sh

# End to end on Intel VMX with EPT: Debian's 6.1 in Bochs 2.7 (part of make check)
vcpu-vmx: deps
	@$(CI)/vcpu-vmx.sh

# End to end: an arm64 guest at EL1 on Arm stage-2 tables, from a VHE host
# at EL2 (QEMU virt,virtualization=on); not yet part of make check.
vcpu-arm64: deps
	@$(CI)/vcpu-arm64.sh

# The arm64 yardstick: 64 MiB first touch on axas_vcpu and on KVM (VHE).
bench-vcpu-arm64: deps
	@$(CI)/vcpu-arm64.sh bench

help:
	@echo 'make              axas.ko against KDIR (default: newest Debian 6.1 headers)'
	@echo 'make demo         build, boot Debian 6.1 in QEMU, run the demo VMM (tools/axas-demo.c)'
	@echo 'make check        every test, stops at the first failure (what CI runs)'
	@echo 'make deps         install the Debian packages the builds and tests need'
	@echo 'make tools        userspace programs and selftests into tools/build/'
	@echo 'make build-6.1    warning-free W=1 C=1 build on the 6.1 headers (build-6.12, build-all)'
	@echo 'make checkpatch   checkpatch.pl --strict over the kernel sources'
	@echo 'make kernel-doc   scripts/kernel-doc -Wall over the kernel sources'
	@echo 'make package      the axas-dkms Debian package: build, install, DKMS builds'
	@echo 'make kunit        KUnit under UML (tools/ci/kunit.sh for one suite)'
	@echo 'make kunit-cross  KUnit under QEMU for arm64, riscv, x86_64'
	@echo 'make selftests    userspace selftests in Debian 6.1, 6.12, 6.12-rt under QEMU'
	@echo "make qemu CMD='...'  any command in the QEMU guest, module loaded"
	@echo "make bench        axas-bench in the guest: axas against the kernel's own page tables,"
	@echo "                  then bench-vcpu: a guest's first touch on axas_vcpu vs KVM (riscv64, x86-64 SVM and VMX, arm64)"
	@echo 'make vcpu-riscv   a riscv64 guest on axas tables, end to end (part of make check)'
	@echo 'make vcpu-x86     an x86-64 guest on AMD NPT tables with SVM, end to end (part of make check)'
	@echo 'make vcpu-arm64   an arm64 guest on stage-2 tables from an EL2 VHE host, end to end (part of make check)'
	@echo 'make vcpu-vmx     an x86-64 guest on EPT tables with Intel VMX in Bochs, end to end (make check)'
	@echo 'make check-full   make check, then the kvm_intel coexistence check and VMX yardstick in Bochs'
	@echo 'make bench-vcpu-arm64  the arm64 guest'"'"'s 64 MiB first touch on axas_vcpu vs KVM'
	@echo 'make clean        remove build products'

