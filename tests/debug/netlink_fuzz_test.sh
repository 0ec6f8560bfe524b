#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing of imgsec.ko with tests/tools/genl_fuzz: seeded random
# and mutated messages, every command, many sockets at once, from nobody
# and from user namespaces, then from root; and GET_POLICY dumps racing
# policy changes. The policy, its generation and the rpc helper settings
# of the initial namespace, probed before and after, must be unchanged
# unless the fuzzer reports a state change it was allowed to make. At the
# end the module must unload: nothing holds a reference to it.  The VM
# harness fails the run on any kernel warning, and on a debug kernel on
# any kmemleak report.
#
# Environment (run.sh passes IMGSEC_TEST_* on):
#   IMGSEC_TEST_FUZZ_MESSAGES   messages of the unprivileged run (100000)
#   IMGSEC_TEST_FUZZ_SEED       seed of all runs (20261128)
#   IMGSEC_TEST_FUZZ_ROOT_MESSAGES  messages sent as root (a twentieth of those)
#   IMGSEC_TEST_FUZZ_TIME       time limit of the unprivileged run, s (480)
#   IMGSEC_TEST_FUZZ_ROOT_TIME  time limit of the run as root, s (180)
#   IMGSEC_TEST_FUZZ_DUMP_SECS  length of the dump consistency run, s (30)
# A run that cannot send its messages in its time fails, with the rate it
# measured. The defaults fit the VM's 900 s a script under TCG on the
# debug kernel, measured on a busy 2-core host: 290 to 330 messages/s
# unprivileged, 76 to 177 as root.
#
# Runs inside the test VM, on the debug kernel with the other hardening
# suites (tests/debug/run.sh), or alone: tests/vm/run.sh
# tests/debug/netlink_fuzz_test.sh

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

SRC=${IMGSEC_SRC:-/src}
FUZZ=$SRC/tests/tools/genl_fuzz
CONF=$SRC/etc/imgsec.conf
MESSAGES=${IMGSEC_TEST_FUZZ_MESSAGES:-100000}
SEED=${IMGSEC_TEST_FUZZ_SEED:-20261128}
ROOT_MESSAGES=${IMGSEC_TEST_FUZZ_ROOT_MESSAGES:-$((MESSAGES / 20))}
FUZZ_TIME=${IMGSEC_TEST_FUZZ_TIME:-480}
ROOT_TIME=${IMGSEC_TEST_FUZZ_ROOT_TIME:-180}
DUMP_SECS=${IMGSEC_TEST_FUZZ_DUMP_SECS:-30}
# Unprivileged workers and those in user namespaces: nobody, two admins
# of namespaces of their own, and root of a user namespace that does not
# own the initial network namespace.
UNPRIV_WORKERS=nuux

# What the initial namespace looks like from outside: the policy in the
# file format, its generation, the rpc helper's settings.
probe() { # FILE
	{
		imgsecctl show
		imgsecctl status --json |
			sed -n 's/.*\("generation": *[0-9]*\).*/\1/p'
		imgsecctl rpc
	} >"$1" 2>&1
}

same_probe() { # BEFORE AFTER
	diff -u "$1" "$2" && return 0
	echo "the initial namespace changed (diff above)"
	return 1
}

# A number the fuzzer printed: "initial netns state changes: acked A silent S".
state_changes() { # OUTPUT
	sed -n 's/^total: initial netns state changes: acked \([0-9]*\) silent \([0-9]*\)$/\1 \2/p' "$1"
}

# Run the fuzzer: its report to FILE and to the console, its status to
# FUZZ_RC. genl_fuzz bounds its BUG lines; should there be more, the
# summary at the end still shows.
fuzz() { # FILE ARGS...
	local out=$1 lines
	shift
	log "genl_fuzz $*"
	"$FUZZ" "$@" >"$out" 2>&1
	FUZZ_RC=$?
	lines=$(wc -l <"$out")
	if [ "$lines" -le 400 ]; then
		cat "$out"
	else
		head -n 250 "$out"
		log "... $((lines - 350)) lines left out ..."
		tail -n 100 "$out"
	fi
}

# Did that run pass? If not, the reason is the last line printed.
fuzz_ok() { # FILE
	[ "$FUZZ_RC" = 0 ] && return 0
	echo "genl_fuzz exited with status $FUZZ_RC"
	grep -E '^(BUG|worker [0-9]+: FAILED|total: FAILED|genl_fuzz.*(FAILED|BUG))' "$1" |
		head -n 3
	return 1
}

# The rpc helper's settings as imgsecctl rpc options, from "imgsecctl rpc".
rpc_options() { # FILE
	local timeout programs
	timeout=$(sed -n 's/^expectation timeout: \([0-9]*\) s$/\1/p' "$1")
	programs=$(sed -n 's/^allowed programs://p' "$1" |
		sed 's/([^)]*)//g; s/ //g')
	echo "--timeout $timeout --programs ${programs:-none}"
}

# After a run that may have changed the initial namespace: what it was.
restore() { # PROBE_BEFORE
	# shellcheck disable=SC2046 # options, split on purpose
	must imgsecctl rpc $(rpc_options "$1")
	must imgsecctl set-policy "$CONF"
}

# Fuzzing from nobody and from user namespaces: nothing of this may
# change the initial namespace.
test_unprivileged() {
	local out=$E2E_STATE/unpriv.out changes
	probe "$E2E_STATE/before"
	fuzz "$out" -s "$SEED" -n "$MESSAGES" -w "$UNPRIV_WORKERS" -t "$FUZZ_TIME"
	check "fuzz: $MESSAGES messages, seed $SEED, workers $UNPRIV_WORKERS: no bug, no tool failure" \
		fuzz_ok "$out"
	changes=$(state_changes "$out")
	check "fuzz: the fuzzer reported its state changes" test -n "$changes"
	probe "$E2E_STATE/after"
	if [ "$changes" = "0 0" ]; then
		check "fuzz: no state change reported, and the initial namespace's policy, generation and rpc settings are unchanged" \
			same_probe "$E2E_STATE/before" "$E2E_STATE/after"
	else
		fail "fuzz: unprivileged senders changed the initial namespace" \
			"acked/silent: $changes"
		log "re-setting the known policy"
		restore "$E2E_STATE/before"
	fi
}

# Fuzzing as root in the initial namespace (and from a namespace of its
# own beside it): here valid changes go through; the fuzzer checks each
# one against the generation. Then the known state comes back.
test_root() {
	local out=$E2E_STATE/root.out changes
	probe "$E2E_STATE/before"
	fuzz "$out" -s $((SEED + 1)) -n "$ROOT_MESSAGES" -w ru -t "$ROOT_TIME"
	check "fuzz: $ROOT_MESSAGES messages as root, seed $((SEED + 1)), workers ru: no bug, no tool failure" \
		fuzz_ok "$out"
	changes=$(state_changes "$out")
	check "fuzz as root: the fuzzer reported its state changes" \
		test -n "$changes"
	probe "$E2E_STATE/after"
	if [ "$changes" = "0 0" ]; then
		check "fuzz as root: no state change reported, and none happened" \
			same_probe "$E2E_STATE/before" "$E2E_STATE/after"
	else
		log "root changed the initial namespace (acked/silent: $changes): re-setting the known policy and rpc settings"
		restore "$E2E_STATE/before"
		probe "$E2E_STATE/restored"
		# Only the generation may differ from before.
		grep -v '"generation"' "$E2E_STATE/before" >"$E2E_STATE/before.nogen"
		grep -v '"generation"' "$E2E_STATE/restored" >"$E2E_STATE/restored.nogen"
		check "fuzz as root: the known policy and rpc settings are back" \
			same_probe "$E2E_STATE/before.nogen" "$E2E_STATE/restored.nogen"
	fi
}

test_dumps() {
	fuzz "$E2E_STATE/dump.out" -s "$SEED" -D "$DUMP_SECS"
	check "dumps: ${DUMP_SECS} s of GET_POLICY dumps racing SET_POLICY, every uninterrupted dump one whole policy" \
		fuzz_ok "$E2E_STATE/dump.out"
}

# Socket buffer limits as they were, whatever way the script ends (then
# lib.sh's cleanup, with the script's status).
SAVED_SYSCTLS=
restore_sysctls() {
	local rc=$?
	# shellcheck disable=SC2086 # NAME=VALUE words
	[ -z "$SAVED_SYSCTLS" ] || sysctl -q -w $SAVED_SYSCTLS
	(exit $rc)
}
trap 'restore_sysctls; cleanup' EXIT

unload() {
	local refs
	refs=$(cat /sys/module/imgsec/refcnt 2>/dev/null)
	log "imgsec reference count before rmmod: ${refs:-?}"
	rmmod imgsec || return 1
	! grep -q '^imgsec ' /proc/modules
}

main() {
	[ -x "$FUZZ" ] || die "$FUZZ is missing: run 'make tools'"
	must modprobe imgsec
	# Let everyone's sockets take datagrams of more prefixes than the
	# kernel accepts (1.6 MB); root could force it, nobody cannot.
	SAVED_SYSCTLS="net.core.wmem_max=$(sysctl -n net.core.wmem_max) net.core.rmem_max=$(sysctl -n net.core.rmem_max)"
	must sysctl -q -w net.core.wmem_max=4194304 net.core.rmem_max=4194304
	must imgsecctl set-policy "$CONF"
	kmsg "fuzz: seed $SEED"
	test_unprivileged
	test_root
	test_dumps
	check "rmmod imgsec after fuzzing: no reference left" unload
	summary
}

main
