#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build imgsec.ko against every supported kernel's headers, with W=1, and
# fail on any warning:
#
#   tests/deploy/kernels.sh [KVER...]
#
# Default kernels: the pinned bookworm 6.1 (KVER, 6.1.0-56-amd64), the
# newest bullseye 5.10 and the newest bookworm 6.12 (+deb12, the
# bookworm-backports/trixie series) that apt knows. Give ABI names
# (e.g. 5.10.0-32-amd64) to build those instead, or set IMGSEC_KERNELS.
# IMGSEC_SPARSE=1 also runs sparse (C=2) on every kernel; `make check`
# does that for the pinned one.
#
# Sets up what it needs, idempotently: headers are installed with apt;
# 5.10 comes from bullseye, added as its own apt source pinned to priority
# 100 (so that nothing is ever upgraded from it, only asked-for packages
# and their dependencies such as gcc-10 come from it). Each build runs in
# a copy of the tree, so module/imgsec.ko (built for the pinned kernel) is
# left alone. Prints one PASS/FAIL line per kernel, then "N passed,
# N failed"; exits non-zero when any failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pinned=${KVER:-6.1.0-56-amd64}
bullseye_list=/etc/apt/sources.list.d/imgsec-bullseye.sources
bullseye_pref=/etc/apt/preferences.d/imgsec-bullseye
export DEBIAN_FRONTEND=noninteractive

pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }

# write_if_changed FILE: stdin to FILE, unless FILE already says the same.
# Returns 0 when it wrote.
write_if_changed() {
	local new
	new=$(cat)
	[ -f "$1" ] && [ "$(cat "$1")" = "$new" ] && return 1
	printf '%s\n' "$new" >"$1"
}

setup_bullseye() {
	local wrote=0
	write_if_changed "$bullseye_list" <<-'EOF' && wrote=1
	# imgsec tests/deploy/kernels.sh: bullseye, only for the 5.10 headers
	# that the module is built against; pinned low in
	# /etc/apt/preferences.d/imgsec-bullseye.
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: bullseye
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	write_if_changed "$bullseye_pref" <<-'EOF' && wrote=1
	# imgsec tests/deploy/kernels.sh: never upgrade from bullseye; install
	# from it only what is asked for by name (linux-headers-5.10.*).
	Package: *
	Pin: release n=bullseye
	Pin-Priority: 100
	EOF
	if [ $wrote = 1 ]; then
		apt-get update -q >/dev/null || return 1
	fi
}

# newest SERIES REGEX: the newest linux-headers ABI apt knows matching REGEX.
newest() {
	apt-cache search --names-only "^linux-headers-$1\$" |
		sed 's/^linux-headers-\([^ ]*\) .*/\1/' | sort -V | tail -n 1
}

default_kernels() {
	local k510 k612
	setup_bullseye || echo "kernels: could not set up bullseye" >&2
	k510=$(newest '5\.10\.0-[0-9]+-amd64')
	k612=$(newest '6\.12\.[0-9]+\+deb12-amd64')
	if [ -z "$k510" ] || [ -z "$k612" ]; then
		apt-get update -q >/dev/null
		k510=$(newest '5\.10\.0-[0-9]+-amd64')
		k612=$(newest '6\.12\.[0-9]+\+deb12-amd64')
	fi
	echo "${k510:-5.10-unavailable} $pinned ${k612:-6.12-unavailable}"
}

install_headers() {
	local k=$1
	[ -d "/lib/modules/$k/build/include" ] && return 0
	case $k in
	5.10.*) setup_bullseye || return 1 ;;
	esac
	apt-get install -y -q --no-install-recommends "linux-headers-$k" \
		>/dev/null || {
		apt-get update -q >/dev/null &&
			apt-get install -y -q --no-install-recommends \
				"linux-headers-$k" >/dev/null
	}
}

# A copy of what the module build reads, as DKMS would have it.
copy_tree() {
	local dst=$1
	(cd "$top" &&
		{ git ls-files -co --exclude-standard 2>/dev/null ||
			find . -type f; } |
		grep -E '^(\./)?(Kbuild|Makefile|dkms\.conf|module/|include/)' |
		while read -r f; do [ -f "$f" ] && echo "$f"; done |
		cpio -pdm --quiet "$dst")
}

build_one() {
	local k=$1 dir out rc vermagic
	if ! install_headers "$k"; then
		ko "$k: cannot install linux-headers-$k"
		return
	fi
	dir=$(mktemp -d /tmp/imgsec-kbuild.XXXXXX)
	copy_tree "$dir"
	out=$(make -C "$dir" -j"$(nproc)" module KVER="$k" W=1 \
		${IMGSEC_SPARSE:+C=2} 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ ! -f "$dir/module/imgsec.ko" ]; then
		echo "$out" | grep -E 'error|warning' | head -n 40
		ko "$k: build failed (exit $rc)"
	elif echo "$out" | grep -E 'warning:|error:|sparse:' |
		grep -v 'Skipping BTF'; then
		ko "$k: builds, with warnings (W=1${IMGSEC_SPARSE:+ C=2})"
	else
		vermagic=$(modinfo -F vermagic "$dir/module/imgsec.ko")
		case $vermagic in
		"$k "*) ok "$k: builds W=1${IMGSEC_SPARSE:+ C=2} clean (vermagic $vermagic)" ;;
		*) ko "$k: vermagic is '$vermagic'" ;;
		esac
	fi
	rm -rf "$dir"
}

# Version checks live in module/compat.h only, and it is checkpatch clean
# but for LINUX_VERSION_CODE itself, which is what the file is for.
check_compat() {
	local cp others out
	others=$(cd "$top" && grep -l 'LINUX_VERSION_CODE\|KERNEL_VERSION(' \
		module/*.[ch] | grep -v '^module/compat\.h$' | grep -v '\.mod\.c$')
	if [ -z "$others" ]; then
		ok "kernel version checks only in module/compat.h"
	else
		ko "kernel version checks outside module/compat.h: $others"
	fi
	cp=$(find "${IMGSEC_CACHE:-/var/cache/imgsec}" -maxdepth 3 \
		-path '*/linux-source-*/scripts/checkpatch.pl' 2>/dev/null | head -n 1)
	if [ -z "$cp" ]; then
		ko "checkpatch.pl not found (tests/deps.sh)"
	elif out=$(cd "$top" && "$cp" --strict --no-tree --terse --quiet \
		--ignore LINUX_VERSION_CODE -f module/compat.h 2>&1); then
		ok "checkpatch --strict module/compat.h (--ignore LINUX_VERSION_CODE)"
	else
		echo "$out"
		ko "checkpatch --strict module/compat.h"
	fi
	rm -f "$top"/.checkpatch-camelcase.*
}

main() {
	local kernels k
	if [ $# -gt 0 ]; then
		kernels="$*"
	else
		kernels=${IMGSEC_KERNELS:-$(default_kernels)}
	fi
	echo "kernels: $kernels"
	for k in $kernels; do
		build_one "$k"
	done
	check_compat
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
}

main "$@"
