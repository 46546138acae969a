#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots one of Debian's own kernels (6.1, 6.12, 6.12 PREEMPT_RT) in QEMU
# with a busybox initramfs holding
# axas.ko and the userspace tools, loads the module, runs one command as
# root in the guest, streams the guest's output and exits with the
# command's exit status.
#
# Usage: tools/qemu/run.sh [OPTIONS] -- COMMAND [ARG...]
#   --kernel K        6.1 (default, or $AXAS_KERNEL), 6.12 or 6.12-rt
#   --kvm             use KVM instead of TCG (hangs stock kernels on these
#                     machines, whose /dev/kvm is a software-nesting device)
#   --timeout SEC     kill the guest after SEC seconds (default 900)
#   --no-load         do not insmod axas.ko before the command
#   --params 'A=B'    module parameters for insmod
#   --module PATH     the module (default for 6.1: axas.ko at the repository
#                     root, as `make` builds it; for 6.12 and 6.12-rt: built
#                     for that kernel under /var/tmp/axas/modules/<abi>)
#   --mem SIZE        guest memory (default 1G)
#   --kselftest DIR   an installed kselftest tree (run_kselftest.sh ...) to
#                     put at /axas/kselftest
#   --cpu MODEL       QEMU CPU model for TCG (default: QEMU's, qemu64);
#                     `--cpu max` gives AMD SVM with nested paging
#   --append ARGS     more kernel command-line arguments
#   --bochs           boot in Bochs 2.7 instead of QEMU: 2 CPUs of model
#                     corei7_skylake_x (Intel VMX with EPT), from an
#                     isolinux ISO, the console on the emulated COM1
#                     (tools/ci/vcpu-vmx.sh; packages bochs, bochsbios,
#                     vgabios, isolinux, syslinux-common, xorriso)
#
# In the guest: /axas/axas.ko, /axas/build/* (tools/build: the programs,
# selftests and `runas UID[:GID] CMD` for unprivileged runs), /axas/testing/*
# (the scripts of tools/testing), /axas/kselftest (with --kselftest),
# PATH=/axas/build:/bin, users root (0),
# user (1000) and nobody (65534). The command runs in /tmp (a tmpfs).
#
# It fails (exit 125, or 126 for a kernel report) if the guest never reports the command's end (a
# panic, an oops, a hang) or if the kernel log shows a BUG, WARNING, Oops,
# lockdep or other report, even when the command itself succeeded.
#
# The kernel is Debian's linux-image-<ABI>(-unsigned): for 6.1 the ABI of
# the newest installed 6.1 headers, for 6.12 and 6.12-rt the release of
# linux-source-6.12 (tools/ci/lib.sh kernel_select), downloaded with
# apt-get download and unpacked with dpkg-deb into /var/tmp/axas/qemu/ -
# never installed. The module's vermagic must name that kernel.
set -euo pipefail
AXAS_REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$AXAS_REPO/tools/ci/lib.sh"
die() { printf 'FAIL: %s\n' "$*" >&2; exit 125; }

accel=(-accel tcg)
timeout=900
load=1
params=
module=
mem=1G
append=
cpu=()
kernel=${AXAS_KERNEL:-6.1}
kselftest=
bochs=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--kvm) accel=(-accel kvm -cpu host) ;;
	--timeout) timeout=$2; shift ;;
	--no-load) load=0 ;;
	--params) params=$2; shift ;;
	--module) module=$2; shift ;;
	--mem) mem=$2; shift ;;
	--kselftest) kselftest=$2; shift ;;
	--cpu) cpu=(-cpu "$2"); shift ;;
	--append) append=" $2"; shift ;;
	--bochs) bochs=1 ;;
	--) shift; break ;;
	*) die "unknown option $1 (usage: run.sh [--kernel 6.1|6.12|6.12-rt] [--kvm] [--timeout S] [--no-load] [--params P] [--module KO] [--cpu MODEL] [--append ARGS] -- CMD...)" ;;
	esac
	shift
done
[ $# -gt 0 ] || die "no command (usage: run.sh [OPTIONS] -- CMD...)"

# --- the kernel: Debian's image for the chosen release
kernel_select "$kernel"
abi=$KSEL_ABI
vmlinuz=$(kernel_image)
if [ -z "$module" ]; then
	if [ "$kernel" = 6.1 ]; then
		module="$AXAS_REPO/axas.ko"
	elif [ $load -eq 1 ]; then
		msg "building axas.ko for $abi"
		module=$(module_for "$kernel")
	fi
fi

# --- the module must be built for that kernel
if [ $load -eq 1 ]; then
	[ -f "$module" ] || die "$module missing: run 'make' first"
	vermagic=$(modinfo -F vermagic "$module" 2>/dev/null || strings "$module" | sed -n 's/^vermagic=//p')
	case $vermagic in
	"$abi "*) ;;
	*) die "$module was built for '${vermagic%% *}', the guest kernel is $abi: rebuild it for that kernel" ;;
	esac
fi

# --- the initramfs
# Kernel log lines that fail a run (the console's quiet level hides
# KERN_WARNING, so /init greps dmesg after the command).
KERNEL_PROBLEMS='BUG:|WARNING:|Oops|general protection|kernel BUG|possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage|UBSAN:|refcount_t:|list_(add|del) corruption'
[ -x /bin/busybox ] || die "busybox missing: run 'make deps' (busybox-static)"
work=$(mktemp -d "${TMPDIR:-/tmp}/axas-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,etc,axas/build,axas/testing}
cp /bin/busybox "$root/bin/busybox"
[ $load -eq 1 ] && cp "$module" "$root/axas/axas.ko"
if [ -d "$AXAS_REPO/tools/build" ]; then
	find "$AXAS_REPO/tools/build" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/axas/build/" \;
fi
if [ -d "$AXAS_REPO/tools/testing" ]; then
	find "$AXAS_REPO/tools/testing" -maxdepth 1 -type f ! -name '*.[ch]' -exec cp -p {} "$root/axas/testing/" \;
fi
if [ -n "$kselftest" ]; then
	[ -f "$kselftest/run_kselftest.sh" ] || die "$kselftest has no run_kselftest.sh"
	cp -a "$kselftest" "$root/axas/kselftest"
fi
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:unprivileged user:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
user:x:1000:
nogroup:x:65534:
GROUP

# The command, quoted for the guest's sh.
{
	printf '#!/bin/sh\n'
	for a in "$@"; do printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"; done
	printf '\n'
} >"$root/axas/cmd"

cat >"$root/init" <<EOF_INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/axas/build:/bin:/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# What udev would add: the runner of kselftest writes to /dev/stdout.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo "AXAS-HARNESS: booted in \$(cut -d' ' -f1 /proc/uptime) s"
rc=0
if [ $load -eq 1 ]; then
	insmod /axas/axas.ko $params || rc=\$?
	[ \$rc -eq 0 ] || echo "AXAS-HARNESS: insmod failed (\$rc)"
fi
if [ \$rc -eq 0 ]; then
	cd /tmp
	sh /axas/cmd
	rc=\$?
fi
# Kernel reports the console's quiet level hides (WARNING is KERN_WARNING).
if dmesg | grep -qE '$KERNEL_PROBLEMS'; then
	dmesg | sed -n -E '/$KERNEL_PROBLEMS/,+25p' | sed 's/^/AXAS-KERNEL: /'
fi
echo "AXAS-HARNESS-EXIT: \$rc"
$([ $bochs -eq 1 ] && echo 'sleep 0.1; poweroff -f' || echo 'reboot -f')
EOF_INIT
chmod 755 "$root/init" "$root/axas/cmd"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initrd"

# --- boot
console_filter() {
	sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g'
}

# The kernel and the initramfs boot from an ISO (tools/ci/lib.sh
# bochs_prepare); Bochs exits (with status 1) when the guest powers off
# through ACPI; the console is COM1 written to a file, streamed meanwhile.
# /init sleeps 0.1 s before its power-off, so that the UART sends the last
# lines (at 115200 baud, 17 ms for 200 bytes): idle time is slow in Bochs
# with two CPUs (one guest second took about 90 s here).
boot_bochs() {
	local iso="$work/iso" bx="$work/bochs" pid
	mkdir -p "$iso/isolinux"
	cp "$vmlinuz" "$iso/isolinux/vmlinuz"
	cp "$work/initrd" "$iso/isolinux/initrd"
	# Two boot parameters keep Bochs's model out of the kernel log, which
	# fails a run: its corei7_skylake_x has no RETBleed mitigation the
	# kernel likes (mitigations=off), and its CPUID leaf 0xD gives XSAVE
	# sizes that disagree with the components' offsets, a WARNING in
	# fpu__init_system_xstate() (noxsave: the kernel uses FXSAVE).
	cat >"$iso/isolinux/isolinux.cfg" <<EOF_CFG
default linux
prompt 0
timeout 0
label linux
  kernel vmlinuz
  append initrd=initrd console=ttyS0 quiet panic=-1 oops=panic softlockup_panic=1 mitigations=off noxsave$append
EOF_CFG
	bochs_prepare "$bx" "$iso" 2 1024
	msg "booting Debian $abi in Bochs (corei7_skylake_x, 2 CPUs, timeout ${timeout}s): $*"
	bochs_start "$bx" "$timeout"
	pid=$!
	tail -n +1 -F --pid=$pid "$bx/serial" 2>/dev/null | console_filter | tee "$log" || true
	wait $pid || qrc=$?
	# a normal power-off ends Bochs with status 1
	[ "$qrc" -eq 1 ] && grep -q 'ACPI control: soft power off' "$bx/out" "$bx/bochs.log" && qrc=0
	if [ "$qrc" -ne 0 ]; then
		echo "==> Bochs exited with $qrc; its last messages:"
		grep -hE '(PANIC|ERROR|>>)' "$bx/out" "$bx/bochs.log" 2>/dev/null | tail -n 20 || true
	fi
}

# The RT kernel patches its text (static calls, int3 + IPI) while the other
# vCPU runs; under multi-threaded TCG that once left CPU 1 executing a stale
# int3 (an Oops in sched_clock_cpu at 2 s of boot, 2026-12-02). One TCG
# thread makes cross-modifying code coherent; both vCPUs still interleave.
if [ "$kernel" = 6.12-rt ] && [ "${accel[*]}" = "-accel tcg" ]; then
	accel=(-accel tcg,thread=single)
fi
log="$work/console.log"
start=$(date +%s.%N)
stdin=/dev/null
[ -t 0 ] && stdin=/dev/stdin
qrc=0
if [ $bochs -eq 1 ]; then
	boot_bochs
else
msg "booting Debian $abi in QEMU (${accel[*]}, timeout ${timeout}s): $*"
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 "${accel[@]}" "${cpu[@]}" -m "$mem" -smp 2 \
	-nographic -no-reboot -net none -kernel "$vmlinuz" -initrd "$work/initrd" \
	-append "console=ttyS0 quiet panic=-1 oops=panic softlockup_panic=1$append" <"$stdin" 2>&1 |
	console_filter | tee "$log" || qrc=$?
fi
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
printf '==> guest ran for %.1f s\n' "$elapsed"

rc=$(sed -n 's/^AXAS-HARNESS-EXIT: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$rc" ]; then
	grep -qE 'Kernel panic|BUG:|Oops' "$log" && die "the guest kernel crashed (see the console output above)"
	[ "$qrc" -eq 124 ] && die "the guest did not finish within ${timeout}s"
	die "the guest ended without reporting the command's exit status"
fi
if grep -q '^AXAS-KERNEL: ' "$log"; then
	echo "FAIL: the guest kernel log has BUG/WARNING/Oops/lockdep reports (AXAS-KERNEL lines above); the command exited with $rc" >&2
	exit 126
fi
exit "$rc"
