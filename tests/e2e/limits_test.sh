#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-rule new-connection limits ("limit RATE [burst N]", imgsec.conf(5))
# on the real kernel path. img1, an allowed IMG, opens connections to the
# GCEMS control port as fast as it can, and the outsider sends a SYN flood,
# while img2 reaches the same port under a rule and a limit of its own and
# mounts NFS (no limit there): the legitimate flows succeed, and img1's
# rule admits its rate, within 10 %, measured with the kernel's own
# counters over an interval where the bucket's burst is long spent. The
# same measurement with the limit removed must fail that check (the test
# can fail), and in monitor mode the limit only counts and reports.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/limits_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TOOLS=${IMGSEC_SRC:-/src}/tests/tools
POLICY=$E2E_STATE/limits.conf
G4=$(addr4 gcems)
PORT=12610
# img1's limit, new connections a second: far below what it reaches without
# one (about 22/s under TCG, against a listener that takes one at a time).
RATE=8
BURST=4
FLOOD_SECS=16
MEASURE_AFTER_S=3 # the burst is spent long before
MEASURE_MIN_S=8

[ -x "$TOOLS/flood" ] || die "$TOOLS/flood is missing: make tools"

ctl() { run_in gcems imgsecctl "$@"; }

# The policy: img1's and img2's control connections under limits of their
# own, NFS without. MODE: enforce or monitor; LIMIT: img1's limit, or "".
write_policy() { # MODE LIMIT
	cat >"$POLICY" <<EOF
mode $1
default reject
role gcems 192.0.2.1
role img1 192.0.2.11
role img2 192.0.2.12
role img 192.0.2.11 192.0.2.12
allow img1 -> gcems tcp $PORT $2 "img1: the flooder"
allow img2 -> gcems tcp $PORT limit 5/s burst 5 "img2: its own limit"
allow img -> gcems udp 111 helper rpc
allow img -> gcems tcp 111 helper rpc
allow img -> gcems tcp 2049
EOF
}

# "imgsecctl stats" rule line N: packets ($7) or limited ($9) of rule N.
rule_count() { # N packets|limited
	local col=7
	[ "$2" = limited ] && col=9
	ctl stats | awk -v n="$1" -v c=$col '$1 == n && $3 == "->" { print $c }'
}

hook_stat() { # NAME
	ctl stats --json | json_num "$1"
}

# img1 floods: two processes, so that the offered load stays far above
# RATE whatever the emulation's pace (a refused connect is reset at once).
start_flood() {
	local i
	for i in 1 2; do
		run_in img1 "$TOOLS/flood" -d $FLOOD_SECS -w 300 -t "img1-$i" \
			-p $PORT tcp "$G4" >"$E2E_STATE/flood-$i.out" 2>&1 &
		echo $! >>"$E2E_STATE/pids"
		echo $! >"$E2E_STATE/flood-$i.pid"
	done
}

wait_flood() {
	local i
	for i in 1 2; do
		wait "$(cat "$E2E_STATE/flood-$i.pid")" 2>/dev/null
	done
}

# Rule 0's admitted connections a second, over at least MEASURE_MIN_S of
# the flood, from the kernel's counter; CMD... runs in between (the
# legitimate flows). Sets RATE_X100, ADMITTED and MS.
measure() { # CMD...
	local p1 p2 t1 t2
	sleep $MEASURE_AFTER_S
	p1=$(rule_count 0 packets)
	t1=$(now_ms)
	"$@"
	while [ $(($(now_ms) - t1)) -lt $((MEASURE_MIN_S * 1000)) ]; do
		sleep 0.2
	done
	p2=$(rule_count 0 packets)
	t2=$(now_ms)
	RATE_X100=$(((p2 - p1) * 100000 / (t2 - t1)))
	ADMITTED=$((p2 - p1))
	MS=$((t2 - t1))
}

rate_text() { echo "$((RATE_X100 / 100)).$((RATE_X100 % 100))/s"; }

# Within 10 % of RATE, the rate times 100.
within_10pct() { # RATE_X100
	local want=$((RATE * 100))
	[ "$1" -ge $((want * 90 / 100)) ] && [ "$1" -le $((want * 110 / 100)) ]
}

# What img2 and NFS do during the flood: each must succeed.
legitimate_flows() {
	check "during the flood: img2 reaches $PORT under its own limit" \
		can_connect_tcp img2 "$G4" $PORT
	check "during the flood: img2 mounts NFS (no limit on its rows)" \
		nfs_mount img2 "$G4" "$IMG_MOUNT_OPTS4,retry=0" /mnt/img2
	check "during the flood: img2 reads the export" \
		ls /mnt/img2
	nfs_umount /mnt/img2
}

test_show() {
	check "show prints the limits as written" \
		sh -c "$IP netns exec gcems imgsecctl show | grep -q 'tcp $PORT *limit $RATE/s burst $BURST'"
	check "show --json has the limit" \
		sh -c "$IP netns exec gcems imgsecctl show --json | grep -q '\"limit\":{\"rate\":$RATE,\"unit\":\"s\",\"burst\":$BURST}'"
}

test_enforce() {
	local limited0 limited1 flood_ok syn
	log "enforce: img1 floods $PORT (limit $RATE/s burst $BURST), outsider SYN flood"
	limited0=$(hook_stat limited)
	run_in outsider "$TOOLS/flood" -s "$(addr4 outsider)/32" -p $PORT \
		-r 300 -d $FLOOD_SECS syn "$G4" >"$E2E_STATE/syn.out" 2>&1 &
	syn=$!
	echo $syn >>"$E2E_STATE/pids"
	start_flood
	measure legitimate_flows
	log "enforce: img1's rule admitted $ADMITTED in $MS ms: $(rate_text) (limit $RATE/s)"
	check "the measurement lay inside the flood" \
		test $((MEASURE_AFTER_S * 1000 + MS)) -lt $((FLOOD_SECS * 1000))
	check "img1 is capped at its limit within 10 % ($(rate_text))" \
		within_10pct "$RATE_X100"
	wait_flood
	wait $syn
	limited1=$(hook_stat limited)
	flood_ok=$(sed -n 's/^port=.* ok=\([0-9]*\).*/\1/p' "$E2E_STATE"/flood-*.out |
		awk '{ s += $1 } END { print s + 0 }')
	log "enforce: flooders connected $flood_ok times; limited $((limited1 - limited0)); $(grep -h '^flood' "$E2E_STATE/syn.out")"
	check "the flood went far over the limit (limited > 4 x admitted)" \
		test $((limited1 - limited0)) -gt $((4 * ADMITTED))
	check "the rule counts what it refused (limited)" \
		test "$(rule_count 0 limited)" -ge $((limited1 - limited0))
	check "the outsider's SYNs met the default action (dropped)" \
		test "$(hook_stat dropped)" -gt 100
	check "img2 still connects after the flood" \
		can_connect_tcp img2 "$G4" $PORT
}

# The same flood without the limit: the check above must fail.
test_without_limit() {
	write_policy enforce ""
	must ctl set-policy "$POLICY"
	start_flood
	measure true
	wait_flood
	log "no limit: img1's rule admitted $ADMITTED in $MS ms: $(rate_text)"
	check_not "without the limit the 10 % check fails ($(rate_text))" \
		within_10pct "$RATE_X100"
}

# Monitor mode: over the limit is counted and reported, nothing refused.
test_monitor() {
	local limited0 mon
	write_policy monitor "limit $RATE/s burst $BURST"
	must ctl set-policy "$POLICY"
	run_in gcems timeout $((FLOOD_SECS + 2)) imgsecctl monitor --json \
		>"$E2E_STATE/events.json" 2>&1 &
	mon=$!
	echo $mon >>"$E2E_STATE/pids"
	sleep 1
	limited0=$(hook_stat limited)
	start_flood
	measure true
	wait_flood
	wait $mon
	log "monitor: img1's rule passed $ADMITTED in $MS ms: $(rate_text)"
	check "monitor: over the limit passes (1.5 times the limit or more)" \
		test "$RATE_X100" -gt $((RATE * 150))
	check "monitor: and is counted as limited" \
		test "$(hook_stat limited)" -gt "$limited0"
	check "monitor: events say would-limit, the rule, over its limit" \
		grep -q '"event":"would-limit".*"dport":12610.*"rule":0,"over":"limit"' \
		"$E2E_STATE/events.json"
	check_not "monitor: nothing dropped by the limit (no limit event)" \
		grep -q '"event":"limit"' "$E2E_STATE/events.json"
}

test_bad_input() {
	local gen
	gen=$(ctl status --json | json_num generation)
	printf 'role a 192.0.2.11\nrole g 192.0.2.1\nallow a -> g tcp 1 limit 0/s\n' \
		>"$E2E_STATE/bad.conf"
	check_not "limit 0/s is refused" ctl set-policy "$E2E_STATE/bad.conf"
	printf 'role a 192.0.2.11\nrole g 192.0.2.1\nallow a -> g tcp 1 limit 5/s burst 1000001\n' \
		>"$E2E_STATE/bad.conf"
	check_not "a burst over 1000000 is refused" \
		ctl set-policy "$E2E_STATE/bad.conf"
	check "a refused policy changes nothing" \
		test "$(ctl status --json | json_num generation)" = "$gen"
}

setup_topology
start_nfs_server
must modprobe imgsec
listen_tcp gcems $PORT
write_policy enforce "limit $RATE/s burst $BURST"
must ctl set-policy "$POLICY"
test_show
test_enforce
test_bad_input
test_without_limit
test_monitor
ctl stats
summary
