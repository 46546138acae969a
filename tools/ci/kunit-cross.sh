#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the hardware-verifier KUnit suites (kunit/arm64, kunit/riscv,
# kunit/x86) in arm64, riscv64 and x86_64 kernels under QEMU (TCG, never
# KVM), with the kernel's kunit.py from the 6.12 source:
#   arm64: kernel at EL2 with VHE (-machine virt,virtualization=on), the
#          tables judged by AT S12E1R/W;
#   riscv: HS-mode (-cpu rv64,h=true,...), the tables judged by HLV/HSV, on
#          QEMU 10 unpacked from Debian's bookworm-backports into
#          $AXAS_QEMU10 (Debian 12's QEMU 7.2 cannot translate the upper
#          half of Sv39x4; if QEMU 10 cannot be had, the run falls back to
#          7.2 and says which checks it skipped);
#   x86_64: -cpu max (SVM with nested paging), AMD NPT tables judged by a
#          guest run with VMRUN. The nested walk uses the host's paging
#          mode, so the kernel boots twice: with no5lvl (every suite, NPT4
#          on the hardware) and with 5-level paging (axas_hw_x86 only, NPT5).
#
#   tools/ci/kunit-cross.sh              every architecture
#   tools/ci/kunit-cross.sh riscv        one of them
#   AXAS_CROSS_FILTER='axas_hw*' tools/ci/...  only the hardware verifiers
#                                        (default: every axas suite, so the
#                                        engine and core also run on arm64
#                                        and riscv kernels)
#   AXAS_QEMU10=none tools/ci/...        riscv on QEMU 7.2 (the fallback)
#
# Build directories persist in $AXAS_CACHE/kunit-{arm64,riscv,x86_64}.
# The exit status is non-zero when a case fails or skips, nothing ran, the
# kernel crashed, or its log shows a BUG/WARNING report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

QEMU10=${AXAS_QEMU10:-$AXAS_CACHE/qemu10}
export AXAS_QEMU10=$QEMU10
filter=${AXAS_CROSS_FILTER:-axas*}
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(arm64 riscv x86_64)

CROSS_GCC=${AXAS_CROSS_GCC:-$AXAS_CACHE/cross-gcc}

# One run at a time: the tree and the build directories are shared.
mkdir -p "$AXAS_CACHE"
exec 9>"$AXAS_CACHE/kunit-cross.lock"
if ! flock -n 9; then
	msg "waiting for another kunit-cross run to finish"
	flock 9
fi

"$(dirname "$0")/deps.sh" binutils-aarch64-linux-gnu binutils-riscv64-linux-gnu \
	qemu-system-arm qemu-system-misc qemu-system-x86

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

install_cross_gcc
export PATH="$CROSS_GCC/bin:$PATH"

tree="$AXAS_CACHE/cross-src"
kunit_tree "$tree"

rc_all=0

# One boot: kunit.py run (build and boot) or exec (boot the last build).
# $1: run|exec, $2: label, $3: filter, rest: extra kunit.py arguments.
kunit_boot() {
	local mode=$1 label=$2 glob=$3 rc=0 summary passed failed skipped reports
	shift 3
	local log="$build_dir.$label.out"
	local args=(--arch="$arch" --qemu_config="$qconf" --build_dir="$build_dir"
		    --timeout=600 --kernel_args=panic_on_warn=1 "$@")
	[ -z "$cross" ] || args+=(--cross_compile="$cross")
	[ "$mode" = exec ] ||
		args+=(--kunitconfig="$tree/drivers/axas/kunit/$kconf.kunitconfig" --jobs="$JOBS")
	msg "KUnit on $label under QEMU (build dir $build_dir)"
	(cd "$tree" && nice python3 tools/testing/kunit/kunit.py "$mode" \
		"${args[@]}" "$glob") >"$log" 2>&1 || rc=$?
	# the configuration and build chatter only when it failed
	if [ "$rc" -ne 0 ] && ! grep -q 'Testing complete' "$log"; then
		tail -n 60 "$log"
	else
		sed -n '/Starting KUnit Kernel/,$p' "$log" | grep -v '^Running tests with:\|^\$ qemu'
		grep '^axas:' "$log" || true
	fi

	summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -n 1 || true)
	count() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
	passed=$(count passed)
	failed=$(( $(count failed) + $(count crashed) + $(count errors) ))
	skipped=$(count skipped)
	reports=
	if [ -f "$build_dir/test.log" ]; then
		reports=$(grep -nE 'BUG:|WARNING:|Oops|Unable to handle|Kernel panic|SError' \
			"$build_dir/test.log" || true)
	fi
	echo "kunit-$label: $passed passed, $failed failed, $skipped skipped"
	if [ -z "$summary" ]; then
		echo "FAIL: kunit-$label: no result (build or boot failed, see $log)" >&2
		rc_all=1
	elif [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$skipped" -ne 0 ] ||
	     [ "$passed" -eq 0 ]; then
		echo "FAIL: kunit-$label: kunit.py exit $rc, $failed failed, $skipped skipped, $passed passed" >&2
		rc_all=1
	fi
	if [ -n "$reports" ]; then
		echo "$reports"
		echo "FAIL: kunit-$label: the kernel log ($build_dir/test.log) has BUG/WARNING reports" >&2
		rc_all=1
	fi
}

for arch in "${arches[@]}"; do
	kconf=$arch
	case $arch in
	arm64)
		cross=aarch64-linux-gnu-
		qconf=$AXAS_REPO/kunit/qemu_configs/arm64_vhe.py
		;;
	riscv)
		cross=riscv64-linux-gnu-
		qconf=$AXAS_REPO/kunit/qemu_configs/riscv_h.py
		install_qemu10
		;;
	x86_64)
		cross=		# the host's gcc
		kconf=x86
		qconf=$AXAS_REPO/kunit/qemu_configs/x86_svm.py
		;;
	*)
		die "unknown architecture '$arch' (arm64, riscv or x86_64)"
		;;
	esac
	build_dir="$AXAS_CACHE/kunit-$arch"
	mkdir -p "$build_dir"
	# The tree is synced from whichever clone ran last, keeping file times:
	# an object newer than a source from another clone would look up to
	# date. Rebuild the module whenever its sources differ from last time.
	src_hash=$(cd "$tree/drivers/axas" && find . -type f | LC_ALL=C sort | xargs sha1sum | sha1sum)
	if [ "$src_hash" != "$(cat "$build_dir/.axas-src-hash" 2>/dev/null)" ]; then
		rm -rf "$build_dir/drivers/axas"
		echo "$src_hash" >"$build_dir/.axas-src-hash"
	fi
	if [ "$arch" = x86_64 ]; then
		# NPT4 needs a 4-level host, NPT5 a 5-level one
		kunit_boot run x86_64-4level "$filter" --kernel_args=no5lvl
		case axas_hw_x86 in
		$filter) kunit_boot exec x86_64-5level 'axas_hw_x86*' ;;
		esac
	else
		kunit_boot run "$arch" "$filter"
	fi
done
exit "$rc_all"
