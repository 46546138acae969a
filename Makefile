# SPDX-License-Identifier: GPL-2.0
#
# axas: out-of-tree build and the project's two commands.
#
#   make          build axas.ko against KDIR (default: newest Debian 6.1 headers)
#   make demo     install what is needed, build, boot Debian 6.1 in QEMU, run the demo VMM
#   make check    install what is needed and run every test (this is what CI runs)
#
# The kernel's build system reads Kbuild, not this file.

REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KDIR ?= $(shell ls -d /usr/src/linux-headers-6.1.0-*-amd64 2>/dev/null | sort -V | tail -n 1)
JOBS ?= $(shell nproc)

CI := $(REPO)/tools/ci

.PHONY: all module tools clean deps demo check qemu \
	build-6.1 build-6.12 build-all checkpatch kunit kunit-cross selftests bench help

all: module

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)/" || { \
		echo "No kernel headers (KDIR='$(KDIR)'): run 'make deps' or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(REPO) CONFIG_AXAS=m modules

# The selftests may include kselftest_harness.h from the 6.12 source.
tools:
	@bash -c '. $(CI)/lib.sh && ensure_src612'
	$(MAKE) -C $(REPO)/tools all

clean:
	@if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(REPO) CONFIG_AXAS=m clean; fi
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

# KUnit suites under UML (kunit.py from the 6.12 source).
kunit: deps
	@$(CI)/kunit.sh

# KUnit suites under QEMU for arm64 and riscv.
kunit-cross: deps
	@bash $(CI)/kunit-cross.sh

# Userspace selftests against the module loaded in Debian 6.1 under QEMU.
selftests: deps
	@$(CI)/selftests.sh

demo: deps
	@$(MAKE) --no-print-directory module
	@$(MAKE) --no-print-directory -C $(REPO)/tools progs
	@if [ ! -x $(REPO)/tools/build/axas-demo ]; then \
		echo "tools/build/axas-demo does not exist yet (tools/axas-demo.c is not written): no demo to run" >&2; \
		exit 1; fi
	@$(REPO)/tools/qemu/run.sh --timeout 300 -- axas-demo

check: deps
	@$(CI)/check.sh

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

help:
	@echo 'make              axas.ko against KDIR (default: newest Debian 6.1 headers)'
	@echo 'make demo         build, boot Debian 6.1 in QEMU, run the demo VMM (tools/axas-demo.c)'
	@echo 'make check        every test, stops at the first failure (what CI runs)'
	@echo 'make deps         install the Debian packages the builds and tests need'
	@echo 'make tools        userspace programs and selftests into tools/build/'
	@echo 'make build-6.1    warning-free W=1 C=1 build on the 6.1 headers (build-6.12, build-all)'
	@echo 'make checkpatch   checkpatch.pl --strict over the kernel sources'
	@echo 'make kunit        KUnit under UML (tools/ci/kunit.sh for one suite)'
	@echo 'make kunit-cross  KUnit under QEMU for arm64 and riscv'
	@echo 'make selftests    userspace selftests in Debian 6.1 under QEMU'
	@echo "make qemu CMD='...'  any command in the QEMU guest, module loaded"
	@echo "make bench        axas-bench in the guest: axas against the kernel's own page tables"
	@echo 'make clean        remove build products'

