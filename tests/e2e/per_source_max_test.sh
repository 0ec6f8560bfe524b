#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The per-source cap on concurrent connections ("per-source RATE max M",
# "per-source max M", imgsec.conf(5)) on the real kernel path, through the
# kernel's nf_conncount. Under "per-source 100/s max 4" (the rate never
# bites here) img1 holds 4 long-lived TCP connections; its next 3 are
# refused (default reject: a reset) and counted per rule and per namespace;
# img2 under the same rule, and img1 over IPv6 (another source address),
# still connect. Then one of img1's 4 closes and a new one is admitted:
# neither the closed connection nor the 3 refused ones still count (each
# refused connection was counted by nf_conncount before the hook refused
# it; its entry must go with its conntrack entry, or img1 would stay
# capped). In monitor mode ("per-source max 2") the third passes, is
# counted, and monitor reports it as would-limit with its rule.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/per_source_max_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/per_source_lib.sh
. "$(dirname "$0")/per_source_lib.sh"

G4=$(addr4 gcems)
G6=$(addr6 gcems)
HOLDERS=$E2E_STATE/holders
: >"$HOLDERS"
ctl() { run_in gcems imgsecctl "$@"; }

# Open a connection from img1 to ADDR that stays open (nc -d: no stdin,
# no end) until its process is killed; its pid goes to $HOLDERS.
hold() { # ADDR
	(exec "$IP" netns exec img1 "$NC" -n -d "$1" $PORT >/dev/null 2>&1) &
	echo $! >>"$E2E_STATE/pids"
	echo $! >>"$HOLDERS"
}

# Whether a new connection from NS to ADDR gets its token echoed back (the
# server is ours, not lib.sh's listener: can_connect_tcp cannot see it).
echoes() { # NS ADDR PORT
	local token out
	token=$(new_token)
	out=$(echo "$token" | run_in "$1" timeout 10 "$NC" -n -N -w 3 "$2" "$3" \
		2>/dev/null)
	test "$out" = "$token"
}

# img1's established connections to gcems:PORT, as its own stack sees them.
held() { run_in img1 ss -Htn state established "dport = :$PORT" | wc -l; }
held_is() { test "$(held)" = "$1"; }

# Conntrack entries (in gcems, where the hook is) of PORT, ESTABLISHED.
established() {
	run_in gcems conntrack -L -p tcp --dport $PORT --state ESTABLISHED \
		2>/dev/null | grep -c ESTABLISHED
}
established_is() { test "$(established)" = "$1"; }

# nf_conncount loaded, or built in (the debug kernel, tests/debug).
conncount_loaded() {
	grep -q '^nf_conncount ' /proc/modules ||
		/usr/sbin/modinfo -F filename nf_conncount 2>/dev/null |
		grep -q builtin
}

hook_stat() { # NAME
	ctl stats --json | json_num "$1"
}

# Kill the holders, wait until gcems's conntrack has none established.
release_all() {
	local pid
	while read -r pid; do
		kill "$pid" 2>/dev/null
	done <"$HOLDERS"
	: >"$HOLDERS"
	busywait 20000 established_is 0 || log "still established: $(established)"
}

setup_topology
start_echo_server "$PORT"
must modprobe imgsec
check "imgsec pulled in nf_conncount (modprobe resolved it)" \
	conncount_loaded

set_per_source_policy enforce "per-source 100/s max 4" "each IMG its own cap"
check "show prints the cap back" \
	bash -c "ip netns exec gcems imgsecctl show | grep -q 'per-source 100/s max 4'"

for i in 1 2 3 4; do
	hold "$G4"
	busywait 20000 held_is $i || break
done
n=$(held)
log "img1 holds $n connections"
check "img1: 4 connections open (up to its cap)" test "$n" = 4
check "gcems's conntrack: 4 established" busywait 20000 established_is 4

for i in 1 2 3; do
	check_not "img1: connection $((i + 4)) refused (its cap is 4)" \
		echoes img1 "$G4" $PORT
done
check "img1 still holds its 4" held_is 4
n=$(hook_stat source_capped)
log "source_capped: $n"
check "the namespace counts the 3 refusals (source_capped)" test "$n" = 3
check "neither limit counted them (limited, source_limited)" \
	test "$(hook_stat limited)/$(hook_stat source_limited)" = 0/0
check "the rule's line says 3 capped" \
	bash -c "ip netns exec gcems imgsecctl stats | grep -q 'per-source 100/s max 4: 0 limited, 0 sources evicted, 3 capped'"
check "JSON: the rule's per_source counters" \
	bash -c "ip netns exec gcems imgsecctl stats --json | grep -q '\"per_source\":{\"rate\":100,\"unit\":\"s\",\"burst\":100,\"limited\":0,\"evicted\":0,\"max\":4,\"capped\":3}'"

check "img2, same rule, another source: connects" \
	echoes img2 "$G4" $PORT
check "img1 over IPv6, another source address: connects" \
	echoes img1 "$G6" $PORT

# One of the 4 closes: the next is admitted, the one after refused again.
kill "$(head -n 1 "$HOLDERS")"
sed -i 1d "$HOLDERS"
check "one closed: gcems's conntrack has 3 established" \
	busywait 20000 established_is 3
hold "$G4"
check "img1: a new connection is admitted in its place" \
	busywait 20000 held_is 4
check_not "img1: and the one after it refused again" \
	echoes img1 "$G4" $PORT
check "4 refusals counted in all" test "$(hook_stat source_capped)" = 4

# A new policy counts only what opens under it: img1's 4 are not in it.
release_all
set_per_source_policy monitor "per-source max 2" "each IMG its own cap"
run_in gcems timeout 30 imgsecctl monitor --json >"$E2E_STATE/events.json" \
	2>&1 &
echo $! >>"$E2E_STATE/pids"
sleep 1
before=$(hook_stat source_capped)
hold "$G4"
hold "$G4"
busywait 20000 held_is 2
check "monitor mode: img1 at its cap of 2" held_is 2
check "monitor mode: a third passes" echoes img1 "$G4" $PORT
check "monitor mode: and is counted as capped" \
	test "$(($(hook_stat source_capped) - before))" = 1
check "monitor mode: the rule's line" \
	bash -c "ip netns exec gcems imgsecctl stats | grep -q 'per-source max 2: 1 capped'"
check "monitor: the event says would-limit, the rule, over per-source-max" \
	busywait 3000 grep -q "\"event\":\"would-limit\".*\"dport\":$PORT.*\"rule\":0,\"over\":\"per-source-max\"" \
	"$E2E_STATE/events.json"
release_all
summary
