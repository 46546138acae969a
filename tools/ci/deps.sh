#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian 12 packages that building and testing axas need.
# Idempotent: prints nothing and touches nothing when all are installed.
# Extra packages can be asked for as arguments (used by other CI scripts).
set -euo pipefail

pkgs=(
	# out-of-tree build against Debian's 6.1 headers, with sparse
	make gcc libc6-dev linux-headers-amd64 sparse
	# the 6.12 tree: module build, checkpatch, kunit.py (UML)
	linux-source-6.12 linux-config-6.12 xz-utils bc flex bison
	libelf-dev libssl-dev perl python3 rsync
	# the QEMU harness: Debian's 6.1 kernel (downloaded, never
	# installed), a busybox initramfs
	qemu-system-x86 busybox-static cpio kmod apt dpkg
	# selftests: the UAPI header is also compiled as C++, and 32-bit
	# builds of the selftests test compat_ioctl (gcc-12-multilib, not the
	# gcc-multilib metapackage, which conflicts with the cross compilers)
	g++ gcc-12-multilib
	# the Debian package (tools/ci/package.sh) and BTF for the 6.12
	# kernels' modules (pahole)
	dkms dh-dkms debhelper dpkg-dev dwarves
	"$@"
)

missing=()
for p in "${pkgs[@]}"; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "==> installing Debian packages: ${missing[*]}"
sudo=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "FAIL: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "==> installed"
