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
# .git) into $1, deleting files that left the repository. Files are compared
# by content, and a changed file gets the time of the copy, not its time in
# the repository: a clone whose files are older than objects built from
# another clone must still rebuild them. Unchanged files keep their time,
# so later builds there stay incremental.
sync_module_sources() {
	mkdir -p "$1"
	rsync -rlpD --checksum --delete --prune-empty-dirs \
		--exclude='/.git/' --exclude='/tools/' --exclude='/Documentation/' \
		--include='*/' --include='*.c' --include='*.h' --include='*.S' \
		--include='Kbuild' --include='Kconfig' \
		--include='.kunitconfig' --include='*.kunitconfig' \
		--exclude='*' "$AXAS_REPO/" "$1/"
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
