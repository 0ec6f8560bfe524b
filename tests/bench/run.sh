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
# one Markdown section; add new ones the same way and list them in SECTIONS.
# The vm section boots the test VM (tests/vm/run.sh): it needs `make all
# tools` and takes several minutes under TCG.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${IMGSEC_BUILD:-$root/build}/bench
CC=${CC:-gcc}
quick=

SECTIONS=(classifier rpc vm)

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

# The RPC parsers in userspace: the same module/rpc.c as the kernel, on the
# packets captured from real clients in tests/data/rpc.
bench_rpc() {
	echo "## RPC helper parsing (userspace, same code as the kernel)"
	echo
	"$CC" -std=gnu11 -O2 -Wall -Wextra -Werror \
		-I"$root/include/uapi" -I"$root/module" \
		-o "$out/bench_rpc" "$root/tests/bench/bench_rpc.c" \
		"$root/module/rpc.c"
	machine
	echo
	"$out/bench_rpc" ${quick:+-q} "$root/tests/data/rpc"
	echo
}

# The VM benchmark (tests/bench/vm_bench.sh): throughput, connection rate
# and portmap lookup rate through imgsec, nftables and no filter, in one
# boot. The console goes to $out/vm.log; the report is what the script
# prints between its markers.
bench_vm() {
	local log=$out/vm.log rc=0
	echo "## VM: throughput, connection rate, portmap lookups"
	echo
	machine
	if [ ! -x "$root/tests/tools/netbench" ] ||
		[ ! -x "$root/tests/tools/rpcsend" ]; then
		echo "tests/tools/netbench or rpcsend missing: run 'make tools'" >&2
		return 1
	fi
	# Other VMs on the same CPUs change the figures: say how loaded it was.
	echo "Host before the VM: load average $(cut -d' ' -f1-3 /proc/loadavg)," \
		"$(pgrep -c qemu-system || true) other qemu process(es)"
	IMGSEC_TEST_BENCH_QUICK=$quick IMGSEC_VM_SCRIPT_TIMEOUT=${IMGSEC_VM_SCRIPT_TIMEOUT:-720} \
		"$root/tests/vm/run.sh" "$root/tests/bench/vm_bench.sh" >"$log" 2>&1 || rc=$?
	echo "Host after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	sed -n '/IMGSEC-BENCH-REPORT-BEGIN/,/IMGSEC-BENCH-REPORT-END/p' "$log" |
		sed '1d;$d'
	grep -a '^vm: \(PASS\|FAIL\)' "$log" | tail -n 1 | sed 's/^vm: /VM run: /'
	echo
	if [ $rc != 0 ]; then
		echo "the VM run failed (status $rc), console log: $log" >&2
		grep -a '^FAIL' "$log" >&2 || true
		return $rc
	fi
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
