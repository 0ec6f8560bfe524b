#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Attacks on the reuse of an open hole (module/helper.c,
# imgsec_rpc_hole_reuse()): a lookup that finds the hole its reply would
# open renews it instead of opening another. gcems as in
# rpc_helper_test.sh (real rpcbind and mountd, the helper attached by nft),
# rpc_timeout T = IMGSEC_TEST_HOLE_TIMEOUT (6 s; 30 on the debug kernel,
# whose lookups and conntrack dumps take seconds), lookups again at T/2:
#
#   1. another client's lookup does not renew img1's hole: img2 gets a
#      hole of its own, img1's keeps its first time and closes then
#   2. a hole opened by a lookup over UDP (portmap v2 GETPORT asks for the
#      TCP port) is the same hole a lookup over TCP would open: the TCP
#      lookup renews it (a connection after the first lookup's time gets
#      through), and the other way round. Before: the helpers differ (one
#      per transport), so it was not "ours": -EBUSY, the port told,
#      nothing renewed
#   3. the same across transports when the first lookup's conntrack has
#      expired (its timeout cut by ctnetlink: the helper keeps it as long as
#      its hole; not yet collected): the hole is replaced by the TCP
#      lookup's, and a connection after the old entry is collected gets
#      through. Before: -EBUSY, the client told a port whose hole closes
#      with the expired entry
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/hole_attack_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/e2e/rpc_lib.sh
. "$(dirname "$0")/rpc_lib.sh"

T_START=$(now_ms)
# The debug kernel (tests/debug/run.sh, every e2e script) is ~3x slower.
case $(uname -r) in
*debug*) T=${IMGSEC_TEST_HOLE_TIMEOUT:-30} ;;
*) T=${IMGSEC_TEST_HOLE_TIMEOUT:-6} ;;
esac
HALF=$((T * 500)) # ms

# Seconds left to the hole SRC -> G4:DPORT/tcp.
# Both read "conntrack -L expect" lines on stdin.
hole_left() { # SRC DPORT
	awk -v m="proto=6 src=$1 dst=$G4 sport=0 dport=$2 " \
		'index($0, m) { print $1; exit }'
}

# Source port of the master of the hole SRC -> G4:DPORT/tcp.
hole_master() { # SRC DPORT
	grep "proto=6 src=$1 dst=$G4 sport=0 dport=$2 " |
		sed -n 's/.* master-src=[^ ]* master-dst=[^ ]* sport=\([0-9]*\) .*/\1/p' |
		head -n 1
}

# Sleep until T0_MS + MS.
sleep_until() { # T0_MS MS
	local left=$(($1 + $2 - $(now_ms)))
	[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
}

# Expired entries are collected by a dump (ctnetlink kills them).
collect_expired() { run_in gcems conntrack -L >/dev/null 2>&1; }

kernel_quiet() {
	local bad
	bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|general protection|Call Trace:' |
		grep -v IMGSEC-)
	[ -z "$bad" ] || { echo "$bad" | head -n 5; return 1; }
}

# --- 1: another client ----------------------------------------------------

test_other_client() {
	local port port2 t0 l1 l2 i1 i2 e
	firewall with || die "cannot load the ruleset"
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	t0=$(now_ms)
	check "other client: img1's lookup answered ($port)" test "${port:-0}" -gt 0
	[ "${port:-0}" -gt 0 ] || return
	sleep_until "$t0" "$HALF"
	port2=$(lookup img2 "$G4" -P 100005 -V 3 -x tcp)
	i1=$(addr4 img1)
	i2=$(addr4 img2)
	e=$(expectations)
	l1=$(hole_left "$i1" "$port" <<<"$e")
	l2=$(hole_left "$i2" "$port" <<<"$e")
	log "other client: after img2's lookup: $(tr '\n' ';' <<<"$e")"
	check "other client: img2's lookup answered the same port ($port2)" \
		test "${port2:-0}" = "$port"
	check "other client: two holes, one each" test "$(grep -c . <<<"$e")" = 2
	check "other client: img1's hole is not renewed by img2 (${l1:-?} s left, <= $((T / 2)))" \
		test "${l1:-99}" -le $((T / 2))
	check "other client: img2's hole has its own time (${l2:-?} s left, > $((T / 2)))" \
		test "${l2:-0}" -gt $((T / 2))
	sleep_until "$t0" $((T * 1000 + 1000))
	collect_expired
	# img2 first: a dropped SYN takes nc 3 s, past img2's time.
	check "other client: img2 still connects" tcp_open img2 "$G4" "$port"
	check_not "other client: img1 cannot connect after its own hole's time" \
		tcp_open img1 "$G4" "$port"
	flush_expectations
}

# --- 2: across transports -------------------------------------------------

# A lookup over FIRST (udp|tcp), again over the other T/2 later: renewed.
cross_case() { # FIRST
	local first=$1 second=tcp o1='' o2='-t tcp' port port2 t0 left m1 m2 i1 e
	[ "$first" = tcp ] && { second=udp; o1='-t tcp'; o2=''; }
	firewall with || die "cannot load the ruleset"
	i1=$(addr4 img1)
	# shellcheck disable=SC2086 # $o1/$o2: an option or nothing
	port=$(lookup img1 "$G4" $o1 -P 100005 -V 3 -x tcp)
	t0=$(now_ms)
	check "cross $first: lookup over $first answered ($port)" test "${port:-0}" -gt 0
	[ "${port:-0}" -gt 0 ] || return
	m1=$(expectations | hole_master "$i1" "$port")
	sleep_until "$t0" "$HALF"
	# shellcheck disable=SC2086
	port2=$(lookup img1 "$G4" $o2 -P 100005 -V 3 -x tcp)
	e=$(expectations)
	left=$(hole_left "$i1" "$port" <<<"$e")
	m2=$(hole_master "$i1" "$port" <<<"$e")
	log "cross $first: after the lookup over $second: $(tr '\n' ';' <<<"$e")"
	check "cross $first: the lookup over $second answered the same port ($port2)" \
		test "${port2:-0}" = "$port"
	check "cross $first: still exactly one expectation" \
		test "$(grep -c . <<<"$e")" = 1
	check "cross $first: the lookup over $second renewed it (${left:-?} s left, > $((T / 2)))" \
		test "${left:-0}" -gt $((T / 2))
	check "cross $first: still the first lookup's hole (master port ${m2:-none}, ${m1:-none})" \
		test -n "$m1" -a "$m2" = "$m1"
	if [ "$first" = udp ]; then
		sleep_until "$t0" $((T * 1250))
		check "cross $first: img1 connects after the first lookup's time" \
			tcp_open img1 "$G4" "$port"
	fi
	flush_expectations
}

# The first lookup's entry (UDP) expires before the lookup over TCP.
cross_expired() {
	local port port2 t0 m1 m2 i1 udp_timeout
	firewall with || die "cannot load the ruleset"
	i1=$(addr4 img1)
	udp_timeout=$(run_in gcems sysctl -n net.netfilter.nf_conntrack_udp_timeout)
	check "cross expired: gcems nf_conntrack_udp_timeout=2" \
		run_in gcems sysctl -q -w net.netfilter.nf_conntrack_udp_timeout=2
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	m1=$(expectations | hole_master "$i1" "$port")
	# The helper keeps a hole's master as long as the hole: expired by
	# hand (as a packet of its own could shorten it), 1 s.
	check "cross expired: the first lookup's conntrack timeout set to 1 s" \
		run_in gcems conntrack -U -p udp --orig-src "$i1" --dport 111 \
		--timeout 1
	t0=$(now_ms)
	# 2 s whatever T: not collected yet (by gc_worker) that soon, and
	# expectations() dumps expectations only.
	sleep_until "$t0" 2000
	port2=$(lookup img1 "$G4" -t tcp -P 100005 -V 3 -x tcp)
	m2=$(expectations | hole_master "$i1" "$port")
	log "cross expired: after the lookup over tcp: $(expectations | tr '\n' ';')"
	check "cross expired: the lookup over tcp answered the same port ($port2)" \
		test "${port2:-0}" = "${port:-x}"
	check "cross expired: the hole is the tcp lookup's (master port ${m2:-none}, not ${m1:-none})" \
		test -n "$m2" -a "$m2" != "$m1"
	collect_expired
	check "cross expired: img1 connects once the expired entry is collected" \
		tcp_open img1 "$G4" "$port"
	check "cross expired: nf_conntrack_udp_timeout restored" \
		run_in gcems sysctl -q -w net.netfilter.nf_conntrack_udp_timeout="${udp_timeout:-30}"
	flush_expectations
}

# --- main ---------------------------------------------------------------

setup_topology
check "modprobe imgsec" modprobe imgsec
start_nfs_server
check "imgsecctl rpc --timeout $T" ctl rpc --timeout "$T"
log "set up in $(elapsed)"

test_other_client
log "other client done ($(elapsed))"
cross_case udp
cross_case tcp
log "cross transport done ($(elapsed))"
cross_expired
log "cross expired done ($(elapsed))"
check "no kernel warning" kernel_quiet
log "total $(elapsed)"
summary
