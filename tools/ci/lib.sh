#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Common helpers for the axas CI scripts (sourced, not run).
#
# Every cache lives under $AXAS_CACHE (default /var/tmp/axas): it survives
# between runs on one machine and is rebuilt when absent. Nothing here
# writes into the pristine 6.12 source tree.

AXAS_REPO=${AXAS_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
AXAS_CACHE=${AXAS_CACHE:-/var/tmp/axas}
SRC612=${SRC612:-$AXAS_CACHE/linux-source-6.12}
SRC612_TAR=${SRC612_TAR:-/usr/src/linux-source-6.12.tar.xz}
BUILD612=${BUILD612:-$AXAS_CACHE/build-6.12}
JOBS=${JOBS:-$(nproc)}
# Names per-clone outputs in the shared cache (several worktrees or clones
# of the repository test on one machine at once).
AXAS_REPO_ID=$(printf '%s' "$AXAS_REPO" | md5sum | cut -c1-8)

# lock NAME: holds $AXAS_CACHE/NAME.lock until the script exits, so two
# runs sharing a cache directory (several developers on one machine) take
# turns instead of corrupting each other's build.
lock() {
	mkdir -p "$AXAS_CACHE"
	exec 9>"$AXAS_CACHE/$1.lock"
	if ! flock -n 9; then
		msg "waiting for another run holding $AXAS_CACHE/$1.lock"
		flock 9
	fi
}

msg() { printf '==> %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# apt_download DIR PKG: the .deb of PKG in DIR (downloaded once, never
# installed); prints its path. Refreshes apt's package lists once if the
# download fails (they may be missing or older than the archive).
apt_download() {
	local dir=$1 pkg=$2 deb
	mkdir -p "$dir"
	deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
	if [ -z "$deb" ]; then
		if ! (cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" 2>/dev/null); then
			apt_update
			(cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg") || return 1
		fi
		deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
	fi
	[ -n "$deb" ] && echo "$deb"
}

# apt-get update, once per run.
apt_update() {
	[ -n "${AXAS_APT_UPDATED:-}" ] && return 0
	msg "apt-get update" >&2
	if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null; else sudo apt-get update -qq >/dev/null; fi
	export AXAS_APT_UPDATED=1
}

# Newest Debian 6.1 headers directory (what `make` builds against).
kdir61() {
	{ ls -d /usr/src/linux-headers-6.1.0-*-amd64 2>/dev/null || true; } | sort -V | tail -n 1
}

# The pristine 6.12 source, unpacked once from the linux-source-6.12
# package into $SRC612. Unpacked beside it and renamed, so an interrupted
# run never leaves a half tree under the final name.
ensure_src612() {
	local want tmp
	want=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
	want=${want%%-*}
	if [ -f "$SRC612/scripts/checkpatch.pl" ] && [ -f "$SRC612/tools/testing/kunit/kunit.py" ] &&
		{ [ -z "$want" ] || [ "$want" = "$(src612_version)" ]; }; then
		# Someone configured or built in it: O= builds refuse such a tree.
		[ ! -e "$SRC612/.config" ] && [ ! -d "$SRC612/include/config" ] && return 0
		msg "$SRC612 is not pristine (it has a .config): unpacking it again"
	fi
	[ -f "$SRC612_TAR" ] || die "$SRC612_TAR missing: run 'make deps' (package linux-source-6.12)"
	mkdir -p "$AXAS_CACHE"
	exec 8>"$AXAS_CACHE/src612.lock"
	flock 8
	if [ -f "$SRC612/scripts/checkpatch.pl" ] && [ "$want" = "$(src612_version)" ] &&
		[ ! -e "$SRC612/.config" ]; then
		exec 8>&-	# another run unpacked it meanwhile
		return 0
	fi
	msg "unpacking $SRC612_TAR into $SRC612 (once, ~1 min)"
	mkdir -p "$AXAS_CACHE"
	tmp=$(mktemp -d "$AXAS_CACHE/.src612.XXXXXX")
	tar -xf "$SRC612_TAR" -C "$tmp" || { rm -rf "$tmp"; die "cannot unpack $SRC612_TAR"; }
	rm -rf "$SRC612"
	mv "$tmp"/linux-source-6.12 "$SRC612" && rmdir "$tmp"
	exec 8>&-
}

# The version of the unpacked 6.12 source, e.g. 6.12.117 (empty if absent).
src612_version() {
	[ -f "$SRC612/Makefile" ] || return 0
	awk '/^VERSION =/ { v = $3 } /^PATCHLEVEL =/ { p = $3 } /^SUBLEVEL =/ { s = $3 }
		/^NAME =/ { exit } END { print v "." p "." s }' "$SRC612/Makefile"
}

# Copies the module's sources (not its build products, not tools/, not
# .git) into $1, deleting files that left the repository. The .mod.c files
# that modpost writes beside a build in the repository are build products:
# copied, they would hand one kernel's symbol versions to another's build. Files are compared
# by content, and a changed file gets the time of the copy, not its time in
# the repository: a clone whose files are older than objects built from
# another clone must still rebuild them. Unchanged files keep their time,
# so later builds there stay incremental.
sync_module_sources() {
	mkdir -p "$1"
	rsync -rlpD --checksum --delete --prune-empty-dirs \
		--exclude='/.git/' --exclude='/tools/' --exclude='/Documentation/' \
		--exclude='*.mod.c' \
		--include='*/' --include='*.c' --include='*.h' --include='*.S' \
		--include='Kbuild' --include='Kconfig' \
		--include='.kunitconfig' --include='*.kunitconfig' \
		--exclude='*' "$AXAS_REPO/" "$1/"
	# ones copied by older versions of this function
	find "$1" -maxdepth 1 -name '*.mod.c' -delete
}

# A kernel tree for kunit.py: a hard-link farm of the pristine 6.12 source
# (directories are real, files are links, so nothing written by a build can
# reach the pristine tree as long as files are replaced rather than edited
# in place), with the module at drivers/axas and hooked into drivers/Kconfig
# and drivers/Makefile. The module is a synced copy of the repository's
# sources rather than a symlink to it: out-of-tree builds leave objects in
# the repository, and make's VPATH search would find those from the
# in-tree build.
# Usage: kunit_tree DIR
kunit_tree() {
	local t=$1
	ensure_src612
	if [ "$(cat "$t/.axas-farm" 2>/dev/null)" != "$(src612_version)" ]; then
		msg "making the KUnit source tree $t (hard-link farm of $SRC612)"
		rm -rf "$t" "$t.tmp"
		mkdir -p "$(dirname "$t")"
		cp -al "$SRC612" "$t.tmp" || die "cannot make a hard-link farm of $SRC612"
		mv "$t.tmp" "$t"
		src612_version >"$t/.axas-farm"
	fi
	# Hook the module in; the files are rewritten (new inode), never
	# appended to, which would change the pristine copy through the link.
	hook_file "$t/drivers/Kconfig" "$SRC612/drivers/Kconfig" \
		'source "drivers/axas/Kconfig"' 'endmenu'
	hook_file "$t/drivers/Makefile" "$SRC612/drivers/Makefile" \
		'obj-$(CONFIG_AXAS)		+= axas/'
	sync_module_sources "$t/drivers/axas"
}

# hook_file DEST PRISTINE LINE [BEFORE]: DEST becomes PRISTINE with LINE
# added (before the last line equal to BEFORE if given, else at the end).
# DEST is only replaced when its content changes, so make sees no change.
hook_file() {
	local dest=$1 orig=$2 line=$3 before=${4:-} tmp
	tmp=$(mktemp "$dest.XXXXXX")
	if [ -n "$before" ]; then
		awk -v line="$line" -v before="$before" '
			{ l[NR] = $0 } $0 == before { last = NR }
			END { for (i = 1; i <= NR; i++) { if (i == last) print line; print l[i] } }' \
			"$orig" >"$tmp"
	else
		{ cat "$orig"; printf '%s\n' "$line"; } >"$tmp"
	fi
	if cmp -s "$tmp" "$dest"; then
		rm -f "$tmp"
	else
		chmod 644 "$tmp"
		mv -f "$tmp" "$dest"
	fi
}

# kernel_select 6.1|6.12|6.12-rt: one of the Debian kernels axas supports.
# Sets KSEL_ABI (the release, e.g. 6.12.118+deb12-amd64), KSEL_KDIR (its
# headers, ready for M= builds) and KSEL_ROOT (where its packages are
# unpacked; empty for 6.1, whose headers are installed by `make deps`).
#   6.1      the newest installed linux-headers-6.1.0-*-amd64
#   6.12     linux-headers-6.12.*+deb12-amd64 of the version of
#            linux-source-6.12 (the tree build-6.12 and KUnit use)
#   6.12-rt  the same release's PREEMPT_RT flavour (-rt-amd64)
# The 6.12 headers depend on their kernel image, so they are not installed:
# the headers, their -common(-rt) and linux-kbuild packages are downloaded
# and unpacked under $AXAS_CACHE/kernels/<abi>/, never installed.
kernel_select() {
	local flavour
	KSEL_ROOT=
	case $1 in
	6.1)
		KSEL_KDIR=${KDIR:-$(kdir61)}
		[ -n "$KSEL_KDIR" ] && [ -d "$KSEL_KDIR" ] ||
			die "no Debian 6.1 headers installed: run 'make deps'"
		KSEL_ABI=${KSEL_KDIR##*/linux-headers-}
		return 0
		;;
	6.12) flavour=amd64 ;;
	6.12-rt) flavour=rt-amd64 ;;
	*) die "unknown kernel '$1' (6.1, 6.12 or 6.12-rt)" ;;
	esac
	KSEL_ABI=$(debian612_abi "$flavour")
	KSEL_ROOT="$AXAS_CACHE/kernels/$KSEL_ABI"
	KSEL_KDIR="$KSEL_ROOT/usr/src/linux-headers-$KSEL_ABI"
	[ -f "$KSEL_ROOT/.axas-unpacked" ] && return 0
	(
		local common pkg deb upstream
		exec 7>"$AXAS_CACHE/kernel-$KSEL_ABI.lock"
		flock 7
		[ -f "$KSEL_ROOT/.axas-unpacked" ] && exit 0
		upstream=${KSEL_ABI%-amd64}
		upstream=${upstream%-rt}
		common="linux-headers-$upstream-common"
		[ "$flavour" = rt-amd64 ] && common="$common-rt"
		msg "unpacking Debian's $KSEL_ABI headers into $KSEL_ROOT (once; never installed)" >&2
		rm -rf "$KSEL_ROOT"
		mkdir -p "$KSEL_ROOT"
		for pkg in "linux-headers-$KSEL_ABI" "$common" "linux-kbuild-$upstream"; do
			deb=$(apt_download "$AXAS_CACHE/debs" "$pkg") || die "apt-get download $pkg failed"
			dpkg-deb -x "$deb" "$KSEL_ROOT" || die "cannot unpack $deb"
		done
		# The flavour's Makefile includes the -common one by its
		# installed path: point it at the unpacked copy.
		sed -i "s|^include /usr/src/|include $KSEL_ROOT/usr/src/|" "$KSEL_KDIR/Makefile"
		grep -q "^include $KSEL_ROOT/" "$KSEL_KDIR/Makefile" ||
			die "unexpected $KSEL_KDIR/Makefile: $(head -n 1 "$KSEL_KDIR/Makefile")"
		touch "$KSEL_ROOT/.axas-unpacked"
	) || exit 1
}

# debian612_abi FLAVOUR: the release of Debian's 6.12 kernel of FLAVOUR
# (amd64, rt-amd64) whose package version is linux-source-6.12's.
debian612_abi() {
	local flavour=$1 ver p
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		die "linux-source-6.12 is not installed: run 'make deps'"
	find_abi() {
		for p in $(apt-cache search --names-only "^linux-headers-6\\.12\\.[0-9]+\\+deb[0-9]+-$flavour\$" | cut -d' ' -f1); do
			if [ "$(apt-cache show "$p" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)" = "$ver" ]; then
				echo "${p#linux-headers-}"
				return 0
			fi
		done
	}
	p=$(find_abi)
	[ -n "$p" ] || { apt_update; p=$(find_abi); }
	[ -n "$p" ] || die "no linux-headers-6.12.*-$flavour package of version $ver in apt's lists"
	echo "$p"
}

# kernel_image 6.1|6.12|6.12-rt: after kernel_select, the path of the
# kernel's vmlinuz, from Debian's linux-image-<abi>(-unsigned) package
# (downloaded and unpacked once, never installed).
kernel_image() {
	local kcache="$AXAS_CACHE/qemu/$KSEL_ABI" pkg deb
	if [ ! -s "$kcache/vmlinuz" ]; then
		mkdir -p "$kcache"
		deb=
		for pkg in "linux-image-$KSEL_ABI-unsigned" "linux-image-$KSEL_ABI"; do
			msg "getting $pkg (once; never installed)" >&2
			deb=$(apt_download "$AXAS_CACHE/debs" "$pkg") && break
		done
		[ -n "$deb" ] || die "cannot download linux-image-$KSEL_ABI(-unsigned): is apt's package list current (apt-get update)?"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "./boot/vmlinuz-$KSEL_ABI" >"$kcache/vmlinuz.$$" ||
			die "no /boot/vmlinuz-$KSEL_ABI in $deb"
		mv "$kcache/vmlinuz.$$" "$kcache/vmlinuz"
	fi
	echo "$kcache/vmlinuz"
}

# module_for 6.1|6.12|6.12-rt: builds axas.ko for that kernel from a synced
# copy of the sources in $AXAS_CACHE/modules/<clone>/<abi> (incremental)
# and prints its path. The build output goes to <that directory>.log.
module_for() {
	local work log
	kernel_select "$1"
	work="$AXAS_CACHE/modules/$AXAS_REPO_ID/$KSEL_ABI"
	log="$work.log"
	mkdir -p "$work"
	(
		exec 7>"$work.lock"
		flock 7
		sync_module_sources "$work"
		make -C "$KSEL_KDIR" M="$work" -j"$JOBS" modules >"$log" 2>&1 ||
			{ tail -n 30 "$log" >&2; die "building axas.ko for $KSEL_ABI failed (log: $log)"; }
	) || exit 1
	echo "$work/axas.ko"
}

# kselftest_install DIR: builds the kselftest of axas
# (tools/testing/selftests/axas) the kernel's way and installs it into DIR
# with the kernel's runner (DIR/run_kselftest.sh, DIR/axas/...). The build
# runs in $AXAS_CACHE/kselftest-src, a hard-link farm of the pristine 6.12
# source (as for KUnit) into whose tools/testing/selftests/axas the
# repository's directory is synced, so the Makefile's `include ../lib.mk`
# is the 6.12 source's own lib.mk, used in place and never copied.
kselftest_install() {
	local dest=$1 t="$AXAS_CACHE/kselftest-src" log="$AXAS_CACHE/kselftest-build.log"
	ensure_src612
	(
		exec 7>"$AXAS_CACHE/kselftest.lock"
		flock 7
		if [ "$(cat "$t/.axas-farm" 2>/dev/null)" != "$(src612_version)" ]; then
			msg "making the kselftest source tree $t (hard-link farm of $SRC612)" >&2
			rm -rf "$t" "$t.tmp"
			cp -al "$SRC612" "$t.tmp" || die "cannot make a hard-link farm of $SRC612"
			mv "$t.tmp" "$t"
			src612_version >"$t/.axas-farm"
		fi
		rsync -rlp --checksum --delete "$AXAS_REPO/tools/testing/selftests/axas/" \
			"$t/tools/testing/selftests/axas/"
		rm -rf "$dest"
		make -C "$t/tools/testing/selftests" TARGETS=axas AXAS_REPO="$AXAS_REPO" \
			O="$AXAS_CACHE/kselftest-build" KSFT_INSTALL_PATH="$dest" \
			-j"$JOBS" install >"$log" 2>&1 ||
			{ tail -n 40 "$log" >&2; die "kselftest build failed (log: $log)"; }
		if grep -E 'warning:' "$log" >&2; then
			die "the kselftest build printed warnings (log: $log)"
		fi
	) || exit 1
}

# vcpu_x86_build DIR amd|intel: what tools/ci/vcpu-x86.sh (amd) and
# vcpu-vmx.sh (intel) run: axas.ko (make module); axas_vcpu.ko for Debian's
# 6.1 in DIR/sample, built from a scratch copy with W=1 and sparse (any
# warning fails); Debian's KVM modules of the same 6.1 image in DIR/kvm for
# the yardstick (kvm.ko, irqbypass.ko, and kvm-amd.ko with ccp.ko or
# kvm-intel.ko); the x86-64 guests and the VMM (nolibc, static), which
# carries them all and goes to tools/build/axas-vmm, since
# tools/qemu/run.sh copies only the programs of tools/build.
vcpu_x86_build() {
	local W=$1 vendor=$2 k61 bad deb mods
	mkdir -p "$W"
	k61=$(kdir61)
	[ -n "$k61" ] || die "no 6.1 kernel headers"

	msg "building axas.ko for 6.1 (make module)"
	make -s -C "$AXAS_REPO" module >"$W/axas.log" 2>&1 || { tail -n 20 "$W/axas.log"; die "axas.ko: build failed"; }

	msg "building axas_vcpu.ko for x86-64 on $(basename "$k61") (W=1 C=1)"
	rm -rf "$W/sample"
	cp -r "$AXAS_REPO/samples/axas_vcpu" "$W/sample"
	make -C "$k61" M="$W/sample" AXAS_INCLUDE="$AXAS_REPO/include" W=1 C=1 \
		KBUILD_EXTRA_SYMBOLS="$AXAS_REPO/Module.symvers" modules >"$W/sample.log" 2>&1 ||
		{ tail -n 20 "$W/sample.log"; die "axas_vcpu.ko: x86-64 build failed"; }
	bad=$(grep -iE '(warning|error):' "$W/sample.log" || true)
	[ -z "$bad" ] || { echo "$bad"; die "axas_vcpu.ko: the x86-64 build warned"; }
	modinfo -F depends "$W/sample/axas_vcpu.ko" | grep -qx axas || die "axas_vcpu.ko does not depend on axas"

	mods=(arch/x86/kvm/kvm.ko "arch/x86/kvm/kvm-$vendor.ko")
	[ "$vendor" = amd ] && mods+=(drivers/crypto/ccp/ccp.ko)
	kernel_select 6.1
	if [ ! -s "$W/kvm/kvm-$vendor.ko" ] || [ ! -s "$W/kvm/irqbypass.ko" ] ||
		{ [ "$vendor" = amd ] && [ ! -s "$W/kvm/ccp.ko" ]; } ||
		[ "$(cat "$W/kvm/abi" 2>/dev/null)" != "$KSEL_ABI" ]; then
		deb=$(apt_download "$AXAS_CACHE/debs" "linux-image-$KSEL_ABI-unsigned") ||
			die "cannot get linux-image-$KSEL_ABI-unsigned"
		rm -rf "$W/kvm" && mkdir -p "$W/kvm"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$W/kvm" --strip-components=8 \
			"${mods[@]/#/./lib/modules/$KSEL_ABI/kernel/}" || die "no kvm modules in $deb"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$W/kvm" --strip-components=7 \
			"./lib/modules/$KSEL_ABI/kernel/virt/lib/irqbypass.ko" || die "no irqbypass.ko in $deb"
		echo "$KSEL_ABI" >"$W/kvm/abi"
	fi

	msg "building tools/guest and tools/axas-vmm for x86-64 (kvm-$vendor)"
	# From scratch: the cache is shared by every clone, and a binary another
	# clone built later than these sources looks up to date to make.
	rm -rf "$W/guest" "$W/vmm"
	make -s -C "$AXAS_REPO/tools/guest" GUEST_ARCH=x86_64 OUT="$W/guest" || die "guest programs: build failed"
	make -s -C "$AXAS_REPO/tools/axas-vmm" VMM_ARCH=x86_64 OUT="$W/vmm" GUESTS="$W/guest" \
		VCPU_KO="$W/sample" KVM_KO="$W/kvm" KVM_VENDOR="$vendor" || die "axas-vmm: build failed"
	mkdir -p "$AXAS_REPO/tools/build"
	cp "$W/vmm/axas-vmm" "$AXAS_REPO/tools/build/axas-vmm"
}

# bochs_prepare DIR TREE CPUS MIB: an ISO of TREE (isolinux/isolinux.cfg
# and the files it names; isolinux's own two files are added) and a
# bochsrc in DIR for Bochs 2.7 (Debian 12): CPUS of corei7_skylake_x (VMX
# with EPT, EPT A/D, 1 GiB EPT pages; no 5-level EPT), MIB of memory.
# Bochs has no -kernel, hence the ISO. The build has no headless display
# but RFB, which does not wait for a viewer (it listens on TCP 5900 while
# running); it includes the debugger, which the command file DIR/rc ("c",
# then "quit") gets past. The sound mixer thread aborts without a sound
# card: dummy drivers. ips is what the guest's clock counts per second
# (sync=none: time follows instructions), about the speed one core
# emulates. COM1 is written to DIR/serial. Run it with bochs_start.
bochs_prepare() {
	local dir=$1 tree=$2 cpus=$3 mib=$4
	mkdir -p "$dir" "$tree/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
		"$tree/isolinux/" || die "isolinux missing: tools/ci/deps.sh isolinux syslinux-common"
	xorriso -as mkisofs -quiet -o "$dir/boot.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table "$tree" ||
		die "xorriso failed"
	cat >"$dir/bochsrc" <<EOF_RC
memory: guest=$mib, host=$mib
cpu: model=corei7_skylake_x, count=$cpus, ips=50000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$dir/boot.iso, status=inserted
boot: cdrom
display_library: rfb, options=timeout=0
com1: enabled=1, mode=file, dev=$dir/serial
clock: sync=none
magic_break: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
plugin_ctrl: speaker=false
log: $dir/bochs.log
EOF_RC
	printf 'c\nquit\n' >"$dir/rc"
	: >"$dir/serial"
}

# bochs_start DIR TIMEOUT: Bochs in the background on what bochs_prepare
# made (its messages in DIR/out); the caller waits for $!. Bochs exits
# with status 1 after an ACPI power-off ("ACPI control: soft power off"
# in DIR/out or DIR/bochs.log).
bochs_start() {
	timeout -k 10 "$2" bochs -q -rc "$1/rc" -f "$1/bochsrc" </dev/null >"$1/out" 2>&1 &
}
