#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build every tests/fuzz/fuzz_*.c as a libFuzzer target (ASan, UBSan) and
# run each for SECONDS / number of targets, starting from the seed corpus
# tests/data/<target>/ (never written to: new inputs go to build/fuzz/).
#
#	tests/fuzz/run.sh SECONDS
#
# Each target names the sources it needs on a line
#	// sources: module/rpc.c
# and may have a dictionary, tests/fuzz/<target>.dict or, without the
# "fuzz_" prefix, tests/fuzz/<name>.dict.
# Prints PASS/FAIL per target and a last line "N passed, N failed"; exits
# non-zero if a target does not build or finds a crash, leak or timeout
# (the input is kept as build/fuzz/<target>/crash-*; replay it with
# build/fuzz/<target>/<target> FILE).
set -uo pipefail

seconds=${1:?usage: $0 SECONDS}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${IMGSEC_BUILD:-$root/build}/fuzz
CC=${FUZZ_CC:-clang}
CFLAGS=(-std=gnu11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer
	"-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=all
	-I"$root/include/uapi" -I"$root/module" -I"$root/userspace")

cd "$root" || exit 1
targets=(tests/fuzz/fuzz_*.c)
[ -e "${targets[0]}" ] || { echo "0 passed, 0 failed"; exit 0; }
per=$((seconds / ${#targets[@]}))
[ "$per" -ge 1 ] || per=1
passed=0
failed=0
for t in "${targets[@]}"; do
	name=$(basename "$t" .c)
	dir=$out/$name
	mkdir -p "$dir/corpus"
	read -ra srcs < <(sed -n 's|^// sources:||p' "$t" | head -n 1)
	if ! "$CC" "${CFLAGS[@]}" -o "$dir/$name" "$t" "${srcs[@]}"; then
		echo "FAIL: $name: does not build"
		failed=$((failed + 1))
		continue
	fi
	seeds=()
	[ -d "tests/data/$name" ] && seeds=("tests/data/$name")
	dict=()
	for d in "tests/fuzz/$name.dict" "tests/fuzz/${name#fuzz_}.dict"; do
		[ -e "$d" ] && dict=(-dict="$d") && break
	done
	rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
	"$dir/$name" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/" "${dict[@]}" \
		"$dir/corpus" "${seeds[@]}" >"$dir/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	cov=$(grep -oE 'cov: [0-9]+' "$dir/log" | tail -n 1)
	if [ $rc -eq 0 ] && ! ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
		"$dir"/oom-* >/dev/null 2>&1; then
		echo "PASS: $name: ${execs:-?} runs, ${rate:-?}/s, $cov, ${per}s"
		passed=$((passed + 1))
	else
		echo "FAIL: $name: exit status $rc"
		grep -E 'ERROR|SUMMARY|==[0-9]+==|\.c:[0-9]+:' "$dir/log" | head -n 20
		ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
			"$dir"/oom-* 2>/dev/null
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
