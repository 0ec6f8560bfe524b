#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cross-check of the icount instrument (issue 11): the userspace
# classifier benchmark (tests/bench/bench_classify.c, static) run in the VM
# under tests/vm/run.sh --icount, where its "ns" are guest instructions
# (thread CPU time advances one nanosecond per guest instruction).
# tests/bench/run.sh xcheck runs it and compares with the same binary on
# the host's CPU. IMGSEC_TEST_BENCH_CLASSIFY names the binary in the VM.
. "$(dirname "$0")/../e2e/lib.sh"

BIN=${IMGSEC_TEST_BENCH_CLASSIFY:-/src/build/bench/bench_classify_static}
[ -x "$BIN" ] || die "$BIN missing (tests/bench/run.sh xcheck builds it)"
echo "IMGSEC-XCHECK-BEGIN"
"$BIN" -q && pass "bench_classify under icount"
echo "IMGSEC-XCHECK-END"
summary
