# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The PASS/FAIL bookkeeping the deploy tests share; sourced, not run.
#	ok/ko WHAT          count and print one check
#	check WHAT CMD...   PASS when CMD succeeds
#	summary             "N passed, N failed"; its status is the verdict
#	finish              summary, then exit with its status

pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else ko "$what"; fi
}
summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
finish() {
	summary
	exit
}
