#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: every e2e script (tests/e2e/*_test.sh) and the
# hardening suites (tests/debug/*_test.sh: faults under traffic, floods,
# netlink fuzzing) in one boot of the debug kernel: KASAN, UBSAN,
# kmemleak, lockdep, PROVE_RCU, DEBUG_OBJECTS, SLUB_DEBUG
# (tests/debug/build_kernel.sh builds it the first time, about 15 minutes
# on 2 cores, then it is cached). The run fails on any splat on the
# console, and on any kmemleak report after the last script. Ends with one
# line "N passed, N failed", the sum of the scripts' own.
#
#   tests/debug/run.sh [SCRIPT...]     (default: all of them)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

rel=$(tests/debug/build_kernel.sh) || {
	echo "debug: the debug kernel does not build"
	echo "0 passed, 1 failed"
	exit 1
}
[ $# -gt 0 ] || set -- tests/e2e/*_test.sh tests/debug/*_test.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# KASAN's shadow needs memory; slub_nomerge gives imgsec's slab cache a
# line of its own in /proc/slabinfo, for the leak checks. The kernel's
# checks make it about 3 times slower: scripts get 40 minutes each.
# no5lvl: qemu's "-cpu max" offers 5-level paging, and 6.1's identify_cpu()
# clears the boot CPU's LA57 flag for a moment; an interrupt then makes
# KASAN call every direct-map address wild, a boot-time splat that fails
# the run and turns lockdep off (seen once in CI, 2026-11-28).
IMGSEC_VM_MEM=${IMGSEC_VM_MEM:-3072} \
IMGSEC_VM_SCRIPT_TIMEOUT=${IMGSEC_VM_SCRIPT_TIMEOUT:-2400} \
IMGSEC_VM_APPEND="slub_nomerge no5lvl ${IMGSEC_VM_APPEND:-}" \
	tests/vm/run.sh --kernel "$rel" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
	END { printf "debug: %d passed, %d failed\n", p, f }' "$log"
exit "$rc"
