#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: run the benchmark sections and print their results as
# Markdown, ready to paste into BENCHMARKS.md.
#
#	tests/bench/run.sh [-q] [SECTION...]
#
# -q runs each section briefly (a smoke test; numbers not for reporting).
# With no SECTION, all of them run, in the order of SECTIONS below. A section
# is a function bench_NAME that builds what it needs under $out and prints
# one Markdown section; add new ones (VM throughput, nftables comparison)
# the same way and list them in SECTIONS.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${IMGSEC_BUILD:-$root/build}/bench
CC=${CC:-gcc}
quick=

SECTIONS=(classifier)

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	echo "Machine: ${cpu:-unknown CPU}, $(nproc) CPUs, kernel $(uname -r)," \
		"$(. /etc/os-release && echo "$PRETTY_NAME"), $($CC --version | head -n 1)"
}

# The pure classifier in userspace: the same module/classify.c as the kernel.
bench_classifier() {
	echo "## Classifier (userspace, same code as the kernel)"
	echo
	"$CC" -std=gnu11 -O2 -Wall -Wextra -Werror \
		-I"$root/include/uapi" -I"$root/module" \
		-o "$out/bench_classify" "$root/tests/bench/bench_classify.c" \
		"$root/module/classify.c" "$root/module/policy_desc.c"
	machine
	echo
	"$out/bench_classify" ${quick:+-q}
	echo
}

if [ "${1:-}" = -q ]; then
	quick=1
	shift
fi
[ $# -gt 0 ] || set -- "${SECTIONS[@]}"
for s in "$@"; do
	if ! declare -F "bench_$s" >/dev/null; then
		echo "unknown section: $s (have: ${SECTIONS[*]})" >&2
		exit 2
	fi
done
mkdir -p "$out"
for s in "$@"; do
	"bench_$s"
done
