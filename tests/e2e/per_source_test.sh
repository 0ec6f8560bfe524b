#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-source limits ("per-source RATE [burst N]", imgsec.conf(5)) on the
# real kernel path: one rule for both IMGs, each source address its own
# burst (1 a minute, bursts of 3: nothing refills during the test, so the
# counts are exact). img1 opens 6 connections one after another and gets
# 3; img2, under the same rule, still gets its own 3; img1 over IPv6 is
# another source and gets 3 more. The refusals are counted per rule and
# per namespace, show prints the option back, a new policy starts with
# empty tables, and in monitor mode nothing is refused but all is counted.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/per_source_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

G4=$(addr4 gcems)
G6=$(addr6 gcems)
PORT=12610
POLICY=$E2E_STATE/per_source.conf
ctl() { run_in gcems imgsecctl "$@"; }

write_policy() { # MODE
	cat >"$POLICY" <<EOF
mode $1
default reject
role gcems 192.0.2.1 2001:db8::1
role img 192.0.2.11 192.0.2.12 2001:db8::11
allow img -> gcems tcp $PORT per-source 1/min burst 3 "each IMG its own"
EOF
}

# How many of N connections from NS to ADDR get through.
connects() { # NS ADDR N
	local i ok=0
	for ((i = 0; i < $3; i++)); do
		can_connect_tcp "$1" "$2" $PORT && ok=$((ok + 1))
	done
	echo $ok
}

hook_stat() { # NAME
	ctl stats --json | json_num "$1"
}

setup_topology
listen_tcp gcems $PORT
must modprobe imgsec

write_policy enforce
must ctl set-policy "$POLICY"
check "show prints the per-source limit back" \
	bash -c "ctl() { ip netns exec gcems imgsecctl \"\$@\"; }; ctl show | grep -q 'per-source 1/min burst 3'"

n=$(connects img1 "$G4" 6)
log "img1 (IPv4): $n of 6"
check "img1: its burst of 3, no more" test "$n" = 3
n=$(connects img2 "$G4" 4)
log "img2 (IPv4), same rule: $n of 4"
check "img2: its own burst of 3, whatever img1 did" test "$n" = 3
n=$(connects img1 "$G6" 4)
log "img1 (IPv6), another source address: $n of 4"
check "img1 over IPv6: a source of its own, 3" test "$n" = 3
n=$(hook_stat source_limited)
log "source_limited: $n"
check "the namespace counts the 5 refusals (source_limited)" test "$n" = 5
check "the shared limit counted none (limited)" \
	test "$(hook_stat limited)" = 0
check "the rule's per-source line says 5 limited" \
	bash -c "ip netns exec gcems imgsecctl stats | grep -q 'per-source 1/min burst 3: 5 limited, 0 sources evicted'"
check "JSON: the rule's per_source counters" \
	bash -c "ip netns exec gcems imgsecctl stats --json | grep -q '\"per_source\":{\"rate\":1,\"unit\":\"min\",\"burst\":3,\"limited\":5,\"evicted\":0,\"max\":null,\"capped\":0}'"

# A new policy: empty tables, so img1 has its burst again.
must ctl set-policy "$POLICY"
n=$(connects img1 "$G4" 4)
check "a new policy starts with empty tables: img1 gets 3 again" \
	test "$n" = 3

write_policy monitor
must ctl set-policy "$POLICY"
run_in gcems timeout 30 imgsecctl monitor --json >"$E2E_STATE/events.json" \
	2>&1 &
echo $! >>"$E2E_STATE/pids"
sleep 1
before=$(hook_stat source_limited)
n=$(connects img1 "$G4" 5)
log "monitor mode: img1 $n of 5, source_limited $before -> $(hook_stat source_limited)"
check "monitor mode: nothing refused" test "$n" = 5
check "monitor mode: the 2 over the limit counted" \
	test "$(($(hook_stat source_limited) - before))" = 2
check "monitor mode: the events say would-limit, over per-source" \
	busywait 3000 sh -c "test \$(grep -c '\"event\":\"would-limit\".*\"rule\":[0-9]*,\"over\":\"per-source\"}' $E2E_STATE/events.json) = 2"
summary
