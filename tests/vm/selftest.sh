#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the VM harness itself (tests/vm/run.sh), run on the host: that a
# script's status comes back, that each script starts from a clean state,
# that a kernel warning, a missing module and the hard timeout all fail the
# run, that a script past its time limit is stopped, and lib.sh's probes
# (lib_selftest.sh).  Five boots: about four minutes under TCG.
set -u

VMDIR=$(cd "$(dirname "$0")" && pwd)
RUN=$VMDIR/run.sh
PASSED=0
FAILED=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS: $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $1: $2"; FAILED=$((FAILED + 1)); }

# Run run.sh with ARGS, expect exit status WANT and, if given, a line
# matching PATTERN in its output.
expect() { # NAME WANT PATTERN RUN_ARGS...
	local name=$1 want=$2 pattern=$3 rc
	shift 3
	"$RUN" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit status $rc, want $want; output in $tmp/out:"
		tail -n 20 "$tmp/out"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out"; then
		fail "$name" "no line matching '$pattern'"
		tail -n 20 "$tmp/out"
	else
		pass "$name"
	fi
}

# A line matching PATTERN in the output of the last expect.
saw() { # NAME PATTERN
	if grep -qE -- "$2" "$tmp/out"; then
		pass "$1"
	else
		fail "$1" "no line matching '$2'"
	fi
}

write_scripts() {
	# Leaves a namespace, a process and a loaded module behind.
	cat >"$tmp/messy.sh" <<-'EOF'
		#!/bin/bash
		/usr/sbin/ip netns add leftover || exit 1
		sleep 1000 &
		modprobe imgsec || exit 1
		[ -f /tests/e2e/lib.sh ] || { echo "no /tests/e2e/lib.sh"; exit 1; }
		echo "messy: done"
	EOF
	# Fails unless the state is clean again; not executable: run by bash.
	cat >"$tmp/clean.sh" <<-'EOF'
		[ -z "$(/usr/sbin/ip netns list)" ] || { echo "netns left"; exit 5; }
		ps | grep -q '[s]leep 1000' && { echo "process left"; exit 5; }
		grep -q '^imgsec ' /proc/modules && { echo "module left"; exit 5; }
		echo "clean: state is clean"
	EOF
	printf '#!/bin/sh\necho "status 3 coming"\nexit 3\n' >"$tmp/three.sh"
	# A line as the kernel writes a WARN_ON(), timestamp and all.
	printf '#!/bin/sh\necho "<4>WARNING: CPU: 0 PID: 1 at fake.c:1" >/dev/kmsg\n' \
		>"$tmp/warn.sh"
	printf '#!/bin/sh\nsleep 1000\n' >"$tmp/hang.sh"
	chmod +x "$tmp/messy.sh" "$tmp/three.sh" "$tmp/warn.sh" "$tmp/hang.sh"
}

write_scripts
IMGSEC_VM_MODULE=/nonexistent/imgsec.ko \
	expect "a missing module fails before booting" 1 'is missing' \
	"$tmp/clean.sh"
expect "status of the first failing script, clean state between scripts" \
	3 'clean: state is clean' "$tmp/messy.sh" "$tmp/clean.sh" \
	"$VMDIR/lib_selftest.sh" "$tmp/three.sh"
saw "lib.sh's probes pass in the VM" '^1[0-9] passed, 0 failed'
expect "a kernel warning fails the run" 1 'the kernel complained' \
	"$tmp/warn.sh"
IMGSEC_VM_SCRIPT_TIMEOUT=20 \
	expect "a script past its time limit is stopped" 143 'time limit of 20 s' \
	"$tmp/hang.sh" "$tmp/clean.sh"
saw "the next script still runs" 'ok: .*clean.sh'
IMGSEC_VM_TIMEOUT=60 \
	expect "the hard timeout kills the VM" 124 'hard timeout' "$tmp/hang.sh"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
