#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cross toolchains the riscv64/arm64 runs share (sourced after lib.sh
# by kunit-cross.sh and vcpu-riscv.sh, not run):
#   install_cross_gcc   gcc-12 for aarch64 and riscv64 unpacked into $CROSS_GCC
#   install_qemu10      QEMU 10 + OpenSBI from bookworm-backports in $QEMU10
# Both are downloaded once and never installed into the system.

QEMU10=${AXAS_QEMU10:-$AXAS_CACHE/qemu10}
export AXAS_QEMU10=$QEMU10
CROSS_GCC=${AXAS_CROSS_GCC:-$AXAS_CACHE/cross-gcc}

# Two scripts may want the same tool at once (kunit-cross.sh and
# vcpu-riscv.sh hold different locks): the installers take this one (fd 7),
# and check again once they hold it.
cross_tools_lock() {
	mkdir -p "$AXAS_CACHE"
	exec 7>"$AXAS_CACHE/cross-tools.lock"
	flock 7
}

cross_gcc_ok() {
	local a
	for a in aarch64 riscv64; do
		echo 'int f(int x) { return x; }' |
			"$CROSS_GCC/bin/$a-linux-gnu-gcc" -x c -c -o /dev/null - 2>/dev/null || return 1
	done
}

# The cross compilers (gcc-12-{aarch64,riscv64}-linux-gnu and their cpp),
# downloaded and unpacked into $CROSS_GCC rather than installed: Debian 12's
# gcc-multilib, which the 32-bit selftests need, conflicts with every cross
# gcc package, so apt would remove one for the other. The assembler and
# linker come from the binutils packages, which conflict with nothing.
install_cross_gcc() {
	cross_gcc_ok && return 0
	cross_tools_lock
	cross_gcc_ok && { exec 7>&-; return 0; }
	local work a
	work=$(mktemp -d "$AXAS_CACHE/.cross-gcc.XXXXXX")
	msg "unpacking the arm64 and riscv64 cross compilers into $CROSS_GCC"
	local pkgs=(gcc-12-aarch64-linux-gnu cpp-12-aarch64-linux-gnu
		    gcc-12-riscv64-linux-gnu cpp-12-riscv64-linux-gnu)
	# stale package lists name versions the mirror no longer has: refresh once
	if ! (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "${pkgs[@]}" >/dev/null); then
		apt-get update -qq >/dev/null || true
		(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "${pkgs[@]}" >/dev/null) ||
			{ rm -rf "$work"; die "cannot download the cross compilers"; }
	fi
	mkdir -p "$work/root/bin"
	for deb in "$work"/*.deb; do
		dpkg-deb -x "$deb" "$work/root"
	done
	for a in aarch64 riscv64; do
		ln -s "../usr/bin/$a-linux-gnu-gcc-12" "$work/root/bin/$a-linux-gnu-gcc"
		# the relocated driver looks for as/ld under its own prefix
		ln -s "/usr/$a-linux-gnu" "$work/root/usr/$a-linux-gnu"
	done
	rm -rf "$CROSS_GCC"
	mv "$work/root" "$CROSS_GCC"
	rm -rf "$work"
	exec 7>&-
	cross_gcc_ok || die "the unpacked cross compilers in $CROSS_GCC do not work"
}

qemu10_ok() {
	[ -x "$QEMU10/usr/bin/qemu-system-riscv64" ] &&
		[ -f "$QEMU10/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin" ] &&
		"$QEMU10/usr/bin/qemu-system-riscv64" --version 2>/dev/null | grep -q 'version 10\.'
}

# QEMU 10 for riscv: qemu-system-riscv, qemu-system-data and opensbi (it
# needs >= 1.5) from bookworm-backports, downloaded with a private apt
# source and lists (the system's apt configuration is not touched) and
# unpacked, never installed.
install_qemu10() {
	qemu10_ok && return 0
	[ "$QEMU10" != none ] || return 0	# AXAS_QEMU10=none: test the fallback
	cross_tools_lock
	qemu10_ok && { exec 7>&-; return 0; }
	_install_qemu10
	exec 7>&-
}

_install_qemu10() {
	local work apt_opts
	work=$(mktemp -d "$AXAS_CACHE/.qemu10.XXXXXX")
	mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" \
		>"$work/backports.list"
	apt_opts=(-o "Dir::Etc::sourcelist=$work/backports.list" -o Dir::Etc::sourceparts=-
		  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
		  -o APT::Sandbox::User=root)
	msg "downloading QEMU 10 (riscv) from bookworm-backports into $QEMU10"
	if ! apt-get "${apt_opts[@]}" update -qq >/dev/null ||
	   ! (cd "$work/debs" && apt-get "${apt_opts[@]}" download -qq \
		qemu-system-riscv qemu-system-data opensbi >/dev/null); then
		rm -rf "$work"
		echo "WARNING: QEMU 10 could not be downloaded; riscv runs on Debian 12's QEMU 7.2" >&2
		return 0
	fi
	for deb in "$work"/debs/*.deb; do
		dpkg-deb -x "$deb" "$work/root"
	done
	# Debian 12 must satisfy every shared library of the backported binary.
	local missing
	missing=$(ldd "$work/root/usr/bin/qemu-system-riscv64" | grep 'not found' || true)
	if [ -n "$missing" ]; then
		echo "$missing" >&2
		rm -rf "$work"
		echo "WARNING: QEMU 10 needs libraries Debian 12 lacks; riscv runs on QEMU 7.2" >&2
		return 0
	fi
	rm -rf "$QEMU10"
	mkdir -p "$(dirname "$QEMU10")"
	mv "$work/root" "$QEMU10"
	rm -rf "$work"
	qemu10_ok || echo "WARNING: the unpacked QEMU 10 does not run; riscv runs on QEMU 7.2" >&2
}
