#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kunit/run.sh [KUNIT_PY_ARGS...]
#
# Runs imgsec's KUnit suites (module/*_test.c) under User Mode Linux with
# tools/testing/kunit/kunit.py from the pinned linux-source (tests/deps.sh
# unpacks it). module/ is grafted into that tree as net/imgsec (a symlink,
# plus one line in net/Kconfig and one in net/Makefile), idempotently and
# without touching anything else there, so checkpatch and other users of
# the tree are unaffected. The build directory lives outside the repo and is
# reused: a cold build takes minutes, a rerun seconds.
#
# Extra arguments go to `kunit.py run` (e.g. a filter glob: imgsec_rpc).
# Ends with one line "N passed, N failed", counting tests as kunit.py does
# (cases, and each parameter of a parameterised case); a suite that
# crashed, did not run or ran nothing counts as failed, a skipped test too,
# and so does a run with no test at all. Exits non-zero on any failure.
#
# Environment: IMGSEC_CACHE (/var/cache/imgsec), IMGSEC_KSRC (the source
# tree), IMGSEC_KUNIT_BUILD (the build directory), IMGSEC_KUNIT_JOBS
# (nproc), IMGSEC_KUNIT_TIMEOUT (seconds for the run, not the build: 300).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cache=${IMGSEC_CACHE:-/var/cache/imgsec}
ksrc=${IMGSEC_KSRC:-$cache/linux-source-6.1}
build=${IMGSEC_KUNIT_BUILD:-$cache/kunit-build}
jobs=${IMGSEC_KUNIT_JOBS:-$(nproc)}
timeout=${IMGSEC_KUNIT_TIMEOUT:-300}
kunitconfig=$repo/module/.kunitconfig

# Every failure before the suites run still ends with a summary line.
die() {
	echo "kunit: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ -f "$ksrc/tools/testing/kunit/kunit.py" ] ||
	die "no kernel source tree at $ksrc (run tests/deps.sh)"
for tool in python3 make gcc flex bison bc flock; do
	command -v "$tool" >/dev/null || die "$tool is missing (run tests/deps.sh)"
done
ksrc=$(cd "$ksrc" && pwd -P)
mkdir -p "$build"
build=$(cd "$build" && pwd -P)
case "$build/" in
"$repo"/*) die "build directory $build must be outside the repo" ;;
esac

# One run at a time per source tree (the graft is shared) and per build
# directory (two builds in one directory corrupt it).
exec 8>"$ksrc/.imgsec-kunit.lock" 9>"$build.lock"
for fd in 8 9; do
	flock -n "$fd" || {
		echo "kunit: waiting for another run (lock $fd)..."
		flock "$fd"
	}
done

# A build directory made from another source tree (a new linux-source
# package unpacked over the old one) is stale in ways make cannot see.
stamp="$ksrc $(cd "$ksrc" && echo .done-*)"
if [ -f "$build/.imgsec-ksrc" ] && [ "$(cat "$build/.imgsec-ksrc")" != "$stamp" ]; then
	echo "kunit: source tree changed, starting a clean build in $build"
	find "$build" -mindepth 1 -delete
fi
echo "$stamp" >"$build/.imgsec-ksrc"

# Graft module/ into the tree as net/imgsec. The symlink follows this
# checkout (CI runs from a fresh clone elsewhere); the Kconfig and
# Makefile lines are added once.
link=$ksrc/net/imgsec
if [ -e "$link" ] && [ ! -L "$link" ]; then
	die "$link exists and is not our symlink; refusing to touch it"
fi
if [ "$(readlink "$link" 2>/dev/null)" != "$repo/module" ]; then
	ln -sfn "$repo/module" "$link"
fi
kline='source "net/imgsec/Kconfig"'
if ! grep -qxF "$kline" "$ksrc/net/Kconfig"; then
	if grep -qxF 'source "net/netfilter/Kconfig"' "$ksrc/net/Kconfig"; then
		sed -i "\\|^source \"net/netfilter/Kconfig\"\$|a $kline" "$ksrc/net/Kconfig"
	else
		echo "$kline" >>"$ksrc/net/Kconfig"
	fi
fi
# shellcheck disable=SC2016 # a make variable, not a shell one
mline='obj-$(CONFIG_IMGSEC) += imgsec/'
grep -qxF "$mline" "$ksrc/net/Makefile" || echo "$mline" >>"$ksrc/net/Makefile"

# The suite files as they are now: one written during the build does not count.
shopt -s nullglob
test_files=("$repo"/module/*_test.c)
shopt -u nullglob
export IMGSEC_KUNIT_TEST_FILES
IMGSEC_KUNIT_TEST_FILES=$(printf '%s\n' "${test_files[@]}")

log=$build/test.log
rm -f "$log"
start=$(date +%s)
rc=0
(cd "$ksrc" && python3 tools/testing/kunit/kunit.py run \
	--build_dir="$build" --kunitconfig="$kunitconfig" \
	--jobs="$jobs" --timeout="$timeout" "$@") || rc=$?
echo "kunit: kunit.py exited $rc after $(($(date +%s) - start)) s"

# Count from the kernel's own KTAP output, with kunit.py's parser.
python3 - "$ksrc/tools/testing/kunit" "$log" "$rc" "$@" <<'EOF'
import contextlib, fnmatch, io, os, re, sys

kunit_dir, log, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
kunit_args = sys.argv[4:]
test_files = os.environ['IMGSEC_KUNIT_TEST_FILES'].split('\n')

# The suites that must report: every kunit_suite named in module/*_test.c,
# less those a filter glob given to kunit.py leaves out.
expected = []
for path in filter(None, test_files):
    try:
        with open(path, errors='replace') as f:
            src = f.read()
    except OSError:
        continue
    for body in re.findall(r'struct\s+kunit_suite\s+\w+\s*=\s*\{(.*?)\};', src, re.S):
        m = re.search(r'\.name\s*=\s*"([^"]+)"', body)
        if m:
            expected.append(m.group(1))
takes_value = {'--build_dir', '--make_options', '--kunitconfig', '--kconfig_add',
               '--arch', '--cross_compile', '--qemu_config', '--qemu_args', '--jobs',
               '--timeout', '--filter', '--filter_action', '--kernel_args',
               '--run_isolated'}
prev = ''
for arg in kunit_args:
    if arg.startswith('--filter') or arg.startswith('--run_isolated'):
        expected = []		# attribute filters: count only what ran
    elif not arg.startswith('-') and prev not in takes_value:
        suite_glob = arg.split('.')[0]
        expected = [e for e in expected if fnmatch.fnmatchcase(e, suite_glob)]
    prev = arg
print('kunit: suites expected from module/*_test.c: ' + (' '.join(expected) or '(none)'))
sys.path.insert(0, kunit_dir)
# kunit_printer binds sys.stdout at import: import (and parse) silently,
# kunit.py has already shown the results.
with contextlib.redirect_stdout(io.StringIO()):
    import kunit_parser
    from kunit_parser import TestStatus

passed = failed = 0
problems = []

if not os.path.exists(log):
    failed = max(1, len(expected))
    problems.append('no kernel output: configuration or build failed (see above)')
else:
    with open(log, errors='backslashreplace') as f, \
         contextlib.redirect_stdout(io.StringIO()):
        root = kunit_parser.parse_run_tests(f.readlines())
    def count(test, where):
        """(passed, failed) over the leaves under test: cases, or the
        parameters of a parameterised case, as kunit.py counts them."""
        if not test.subtests:
            if test.status == TestStatus.SUCCESS:
                return 1, 0
            problems.append(f'{where}: {test.status.name}')
            return 0, 1
        ok = bad = 0
        for sub in test.subtests:
            o, b = count(sub, f'{where}.{sub.name or "<unnamed>"}')
            ok, bad = ok + o, bad + b
        missing = (test.expected_count or 0) - len(test.subtests)
        if missing > 0:
            bad += missing
            problems.append(f'{where}: {missing} test(s) never reported (crash?)')
        if bad == 0 and test.status != TestStatus.SUCCESS:
            bad = 1
            problems.append(f'{where}: {test.status.name}')
        return ok, bad

    suites = root.subtests
    seen = set()
    for suite in suites:
        name = suite.name or '<unnamed>'
        seen.add(suite.name)
        ok, bad = count(suite, name)
        if ok + bad == 0:
            bad = 1
            problems.append(f'{name}: no test ran')
        print(f'kunit: {name}: {ok} passed, {bad} failed')
        passed += ok
        failed += bad
    unseen = [name for name in expected if name not in seen]
    for name in unseen:
        problems.append(f'{name}: suite did not run (not built, or crashed before it)')
    unreported = (root.expected_count or 0) - len(suites)
    if unreported > 0:
        problems.append(f'{unreported} suite(s) announced but never reported (crash?)')
    failed += max(len(unseen), unreported)
    if root.status in (TestStatus.TEST_CRASHED, TestStatus.FAILURE_TO_PARSE_TESTS) and failed == 0:
        failed += 1
        problems.append(f'kernel run: {root.status.name}')

if passed + failed == 0:
    failed = 1
    problems.append('no test ran at all')
if rc != 0 and failed == 0:
    failed = 1
    problems.append(f'kunit.py exited {rc}')
for p in problems:
    print(f'kunit: FAIL {p}')
if failed and os.path.exists(log):
    print(f'kunit: kernel log: {log}')
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
EOF
