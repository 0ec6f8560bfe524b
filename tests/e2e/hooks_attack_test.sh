#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hooks follow the placement (hook.c, pernet.c): an adversarial read of
# their lifetime, on the real kernel path.
#   1. many namespaces switch placement at once, with --confirm reverts
#      firing while set-policy, confirm and flush run (in->lock against the
#      revert work): every command returns, and each namespace ends with
#      the policy it was last given and only that placement's hooks
#   2. after the churn the policy in force is enforced (a server's
#      allowed port passes, another is dropped) and flush lets all pass
#   3. a namespace deleted while its revert is pending: the revert work
#      never runs on a freed namespace, nothing is left counted
#   4. rmmod while a revert is pending: the work never runs after the
#      module's code is gone; modprobe again starts clean
# The console is checked for splats by run.sh (on the debug kernel:
# lockdep, KASAN, kmemleak).
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/hooks_attack_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

CHURN_NS=${IMGSEC_TEST_CHURN_NS:-6}
CHURN_ROUNDS=${IMGSEC_TEST_CHURN_ROUNDS:-15}
SRV=10.77.0.1
CLI=10.77.0.2
HOSTS="srv cli"
for i in $(seq "$CHURN_NS"); do HOSTS="$HOSTS hk$i"; done

write_conf() { # FILE PLACEMENT
	cat >"$1" <<EOF
mode enforce
default drop
placement $2
role srv $SRV
role cli $CLI
allow cli -> srv tcp 22 "ssh"
EOF
}

HOOK_LIST=
modprobe nfnetlink_hook 2>/dev/null && HOOK_LIST=y
[ -n "$HOOK_LIST" ] || log "this kernel lists no hooks: hook lists not checked"
# A check of lib.sh's hooks_are where the kernel lists hooks; none (said
# above), not a pass, where it does not.
check_hooks() { # NAME NS EXPECTED
	[ -z "$HOOK_LIST" ] || check "$1" hooks_are "$2" "$3"
}

status_has() { # NS PATTERN
	run_in "$1" imgsecctl status | grep -q "$2"
}
no_pending() { ! status_has "$1" 'pending revert'; }

write_conf /tmp/hk-host.conf host
write_conf /tmp/hk-gw.conf gateway

# --- 1: churn -----------------------------------------------------------

# One namespace's churn: placements switched plainly and with --confirm 1
# (so that reverts fire among the next commands), confirms and flushes.
# Failures of confirm (none pending) are expected; any other is printed.
churn() { # NS
	local ns=$1 r
	for r in $(seq "$CHURN_ROUNDS"); do
		run_in "$ns" imgsecctl set-policy /tmp/hk-host.conf ||
			echo "FAILED $ns $r set host"
		run_in "$ns" imgsecctl set-policy --confirm 1 /tmp/hk-gw.conf ||
			echo "FAILED $ns $r confirm gw"
		run_in "$ns" imgsecctl set-policy --confirm 1 /tmp/hk-host.conf ||
			echo "FAILED $ns $r confirm host"
		sleep "0.$((RANDOM % 10))"
		run_in "$ns" imgsecctl confirm >/dev/null 2>&1
		run_in "$ns" imgsecctl set-policy --confirm 1 /tmp/hk-gw.conf ||
			echo "FAILED $ns $r confirm gw 2"
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
		run_in "$ns" imgsecctl flush || echo "FAILED $ns $r flush"
	done
	# The last word: gateway, no revert.
	run_in "$ns" imgsecctl set-policy /tmp/hk-gw.conf ||
		echo "FAILED $ns final"
}

for i in $(seq "$CHURN_NS"); do must "$IP" netns add "hk$i"; done
log "churn: $CHURN_NS namespaces, $CHURN_ROUNDS rounds each"
pids=
for i in $(seq "$CHURN_NS"); do
	churn "hk$i" >"$E2E_STATE/churn-$i" 2>&1 &
	pids="$pids $!"
done
hung=0
for pid in $pids; do
	# Every command returns: no deadlock between the revert work and
	# set-policy, confirm, flush, nor between namespaces.
	busywait 600000 not_running "$pid" || hung=$((hung + 1))
done
check "churn: every namespace's commands returned" test "$hung" -eq 0
check "churn: no command failed" \
	sh -c "! grep -h FAILED $E2E_STATE/churn-*"
grep -h FAILED "$E2E_STATE"/churn-* | head -n 5
for i in $(seq "$CHURN_NS"); do
	check "churn hk$i: the last policy in force, no revert pending" \
		sh -c "$IP netns exec hk$i imgsecctl status | grep -q 'gateway placement' &&
			! $IP netns exec hk$i imgsecctl status | grep -q 'pending revert'"
	check_hooks "churn hk$i: only the forward hooks" "hk$i" "$GW_HOOKS"
done
# A revert armed in the churn that fired late would change the last word.
sleep 2
check "churn: 2 s later still the gateway policy everywhere" \
	sh -c "for i in \$(seq $CHURN_NS); do
		$IP netns exec hk\$i imgsecctl status | grep -q 'gateway placement' || exit 1
	done"

# --- 2: enforced after the churn -----------------------------------------

must "$IP" netns add srv
must "$IP" netns add cli
must "$IP" -n srv link set lo up
must "$IP" -n cli link set lo up
must "$IP" -n srv link add eth0 type veth peer name eth0 netns cli
must "$IP" -n srv addr add "$SRV/24" dev eth0
must "$IP" -n cli addr add "$CLI/24" dev eth0
must "$IP" -n srv link set eth0 up
must "$IP" -n cli link set eth0 up
listen_tcp srv 22
listen_tcp srv 23
busywait 3000 listening srv tcp 22
busywait 3000 listening srv tcp 23
for r in 1 2 3; do
	must run_in srv imgsecctl set-policy /tmp/hk-host.conf
	must run_in srv imgsecctl set-policy --confirm 1 /tmp/hk-gw.conf
	must run_in srv imgsecctl set-policy --confirm 1 /tmp/hk-host.conf
	busywait 5000 no_pending srv
done
check "enforce: after reverts the host policy is in force" \
	status_has srv 'host placement'
check_hooks "enforce: only the host hooks" srv "$HOST_HOOKS"
check "enforce: cli -> srv 22 allowed" can_connect_tcp cli $SRV 22
check_not "enforce: cli -> srv 23 dropped" can_connect_tcp cli $SRV 23
must run_in srv imgsecctl flush
check_hooks "enforce: flush takes every hook out" srv ""
check "enforce: after flush cli -> srv 23 passes" can_connect_tcp cli $SRV 23

# --- 3: netns deleted with a revert pending ------------------------------

count() { imgsecctl status --json | json_num namespaces; }
before=$(count)
for i in $(seq "$CHURN_NS"); do
	must run_in "hk$i" imgsecctl set-policy /tmp/hk-host.conf
	must run_in "hk$i" imgsecctl set-policy --confirm 1 /tmp/hk-gw.conf
	must "$IP" netns del "hk$i"
done
count_is() { [ "$(count)" = "$1" ]; }
check "netns exit: the $CHURN_NS namespaces go ($before before)" \
	busywait 20000 count_is $((before - CHURN_NS))
# Past their deadlines: a revert work left armed would run now.
sleep 2

# --- 4: rmmod with a revert pending ---------------------------------------

must "$IP" netns add hk1
must run_in hk1 imgsecctl set-policy /tmp/hk-host.conf
must run_in hk1 imgsecctl set-policy --confirm 1 /tmp/hk-gw.conf
must run_in srv imgsecctl set-policy /tmp/hk-gw.conf
must run_in srv imgsecctl set-policy --confirm 1 /tmp/hk-host.conf
check "rmmod: with reverts pending" rmmod imgsec
# Past the deadline: a work left armed would run freed code.
sleep 2
check "rmmod: modprobe again" modprobe imgsec
check "rmmod: no policy afterwards" \
	status_has hk1 'policy: none'
check_hooks "rmmod: no hook afterwards" hk1 ""
check "rmmod: srv passes all afterwards" can_connect_tcp cli $SRV 23

summary
