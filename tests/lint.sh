#!/bin/bash
# checkpatch --strict on the kernel sources, and the kernel's semantic
# patches (make coccicheck) on module/, both from the pinned linux-source;
# the netlink spec, doc/netlink/imgsec.yaml (tests/netlink/spec_test.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
cache=${IMGSEC_CACHE:-/var/cache/imgsec}
checkpatch=$(ls "$cache"/linux-source-*/scripts/checkpatch.pl 2>/dev/null | head -n 1)
if [ -z "$checkpatch" ]; then
	echo "FAIL: lint: checkpatch.pl not found under $cache (run tests/deps.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi

pass=0 fail=0
for f in module/*.[ch] include/uapi/linux/imgsec.h tests/kmod/*.c; do
	# kbuild's generated imgsec.mod.c is not ours.
	case $f in *.mod.c) continue ;; esac
	# compat.h exists to hold the version checks (tests/deploy/kernels.sh
	# makes sure no other file has one).
	ignore=FILE_PATH_CHANGES
	[ "$f" = module/compat.h ] && ignore=$ignore,LINUX_VERSION_CODE
	if out=$("$checkpatch" --strict --no-tree --terse --quiet \
		--ignore "$ignore" -f "$f" 2>&1); then
		pass=$((pass + 1))
	else
		echo "FAIL: checkpatch $f"
		echo "$out"
		fail=$((fail + 1))
	fi
done
rm -f .checkpatch-camelcase.*
echo "checkpatch --strict: $pass files clean"

# coccicheck prints its findings as "FILE:LINE:COL-COL: ..."; anything else
# it says is progress, or spatch's notes on the semantic patches themselves.
ksrc=$(dirname "$(dirname "$checkpatch")")
if out=$(make -s -C "$ksrc" coccicheck MODE=report M="$PWD/module" \
	J="$(nproc)" 2>&1); then
	found=$(grep -E "^$PWD/module/[^:]+:[0-9]+:" <<<"$out")
	if [ -z "$found" ]; then
		echo "coccicheck: module/ clean ($(grep -c '^/usr/bin/spatch' <<<"$out") semantic patches)"
		pass=$((pass + 1))
	else
		echo "FAIL: coccicheck"
		echo "$found"
		fail=$((fail + 1))
	fi
else
	echo "FAIL: coccicheck did not run (coccinelle and ocaml-nox: tests/deps.sh)"
	tail -n 5 <<<"$out"
	fail=$((fail + 1))
fi

# Every shell script of the repository, at shellcheck's warning level: the
# *.sh files, and any other file whose first line names a shell (.ci/run,
# tests/vm/init) or that gives shellcheck its shell (a sourced file). Git's
# list when there is one (not build outputs), new files included.
shell_scripts() {
	local f
	{ git ls-files --cached --others --exclude-standard 2>/dev/null ||
		find . -path ./.git -prune -o -path ./build -prune -o -type f -print |
		sed 's|^\./||'; } |
		while read -r f; do
			[ -f "$f" ] || continue
			case $f in
			*.sh) echo "$f" ;;
			*) head -n 1 "$f" | grep -qE '^#!.*[/ ](ba|da|k|z)?sh( |$)' ||
				grep -q '^# shellcheck shell=' "$f" || continue
				echo "$f" ;;
			esac
		done
}
if ! command -v shellcheck >/dev/null; then
	echo "FAIL: shellcheck not installed (tests/deps.sh)"
	fail=$((fail + 1))
else
	mapfile -t scripts < <(shell_scripts)
	if out=$(shellcheck -S warning -f gcc "${scripts[@]}" 2>&1); then
		echo "shellcheck -S warning: ${#scripts[@]} scripts clean"
		pass=$((pass + 1))
	else
		echo "FAIL: shellcheck -S warning"
		echo "$out"
		fail=$((fail + 1))
	fi
fi

# doc/netlink/imgsec.yaml: the kernel's netlink schema, ynl, the uapi header
# (its own PASS:/FAIL: lines, counted here).
out=$(tests/netlink/spec_test.sh 2>&1)
rc=$?
grep -v -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out"
pass=$((pass + $(grep -c '^PASS:' <<<"$out")))
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL:' <<<"$out"; then
	echo "FAIL: tests/netlink/spec_test.sh exited with status $rc"
	fail=$((fail + 1))
fi
fail=$((fail + $(grep -c '^FAIL:' <<<"$out")))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
