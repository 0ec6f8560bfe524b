#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build and run every tests/unit/test_*.c with ASan and UBSan.
#
# Each test file names the module sources it needs on a line
#	// sources: module/rpc.c module/other.c
# Every binary prints PASS/FAIL lines and "N passed, N failed"; this script
# sums them and prints one last "N passed, N failed" line. It exits non-zero
# if any test failed or any binary did not build or did not finish cleanly.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${IMGSEC_BUILD:-$root/build}/unit
CC=${CC:-gcc}
CFLAGS=(-std=gnu11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer
	"-fsanitize=address,undefined" -fno-sanitize-recover=all
	-I"$root/include/uapi" -I"$root/module"
	-DTEST_DATA_DIR="\"$root/tests/data\"")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$out"
cd "$root" || exit 1
passed=0
failed=0
for t in tests/unit/test_*.c; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .c)
	read -ra srcs < <(sed -n 's|^// sources:||p' "$t" | head -n 1)
	if ! "$CC" "${CFLAGS[@]}" -o "$out/$name" "$t" "${srcs[@]}"; then
		echo "FAIL: $name: does not build"
		failed=$((failed + 1))
		continue
	fi
	log="$out/$name.log"
	"$out/$name" >"$log" 2>&1
	rc=$?
	grep -aE '^(PASS|FAIL):' "$log"
	summary=$(tail -n 1 "$log")
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	fi
	if [ $rc -ne 0 ] && ! [[ $summary =~ ^[0-9]+\ passed,\ [1-9] ]]; then
		# Crashed or a sanitizer stopped it: show why, count it.
		echo "FAIL: $name: exit status $rc"
		grep -avE '^(PASS|FAIL):' "$log" | tail -n 40
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
