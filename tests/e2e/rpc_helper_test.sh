#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The imgsec-rpc conntrack helper (module/helper.c) with real tools on the
# real kernel: gcems runs an NFSv3 server behind an nft ruleset that drops
# every new connection except to portmap (111) and NFS (2049), and accepts
# what conntrack calls established or related. The helper, attached by an
# nft "ct helper" object, is what opens mountd's dynamic port.
#
#   1. IPv4 NFSv3 mount, MOUNT over UDP: fails without the helper, works
#      with it (write and read a file)
#   2. the same with MOUNT over TCP (GETPORT over TCP)
#   3. IPv6 mount (rpcbind GETADDR, universal addresses)
#   4. one lookup opens exactly one hole: img1 -> gcems:mountd, not for
#      outsider nor img2, and not after the expectation's timeout
#   4b. a hole outlives its lookup's conntrack timeout; a lookup again
#       from a new socket while the hole is open renews it
#      (no second expectation, a fresh rpc_timeout, its first lookup's
#      conntrack kept as long): a connection after the first lookup's
#      time, before the second's, gets through; a hole whose master has
#      expired is replaced by the next lookup's
#   5. programs not on the allow-list open nothing and are counted
#   5b. a client's TCP lookups one after another, more than 32 in two
#       minutes (rpc_max_conns_per_client), are each followed: a closed
#       connection's state goes at its close, not with its entry
#   6. floods (calls without replies, replies without calls, many source
#      ports) stay within the bounds (rpc_max_conns=64 for this part, and
#      32 per client), and a normal mount works afterwards; no kernel
#      warning
#
# Needs tests/tools/rpcsend (make tools) to craft the lookups and floods.
# Runs inside the test VM: tests/vm/run.sh tests/e2e/rpc_helper_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/e2e/rpc_lib.sh
. "$(dirname "$0")/rpc_lib.sh"

BLOCKED_MOUNT_TIMEOUT=${IMGSEC_TEST_BLOCKED_MOUNT_TIMEOUT:-20}
MAX_CONNS=64 # rpc_max_conns for the flood part
T_START=$(now_ms)


# The mount must fail (within SECONDS): how long it took goes to a file.
mount_blocked() { # NS SERVER OPTS MNT
	local t0 rc
	t0=$(now_ms)
	mount_nfs "$@" "$BLOCKED_MOUNT_TIMEOUT" >/dev/null 2>&1
	rc=$?
	echo "$((($(now_ms) - t0) / 1000)) s, status $rc" >"$E2E_STATE/blocked"
	if [ $rc = 0 ]; then
		nfs_umount "$4" >/dev/null 2>&1
		echo "mounted"
		return 1
	fi
}

# One mount case: blocked without the helper, works with it.
mount_case() { # NAME NS SERVER OPTS
	local name=$1 ns=$2 server=$3 opts=$4 before after n failed
	firewall without || die "cannot load the ruleset without the helper"
	check "$name: mount fails without the helper" \
		mount_blocked "$ns" "$server" "$opts" "$MNT"
	log "$name: without the helper the mount gave up after $(cat "$E2E_STATE/blocked"); firewall drops: $(dropped_count)"
	firewall with || die "cannot load the ruleset with the helper"
	before=$(rpc_stats)
	failed=$FAILED
	check "$name: mount works with the helper" \
		mount_nfs "$ns" "$server" "$opts" "$MNT" "$MOUNT_TIMEOUT"
	after=$(rpc_stats)
	log "$name: helper counters during the mount: $(for n in calls replies expected not_allowed overflows parse_errors; do printf '%s+%s ' $n "$(delta $n "$before" "$after")"; done)firewall drops: $(dropped_count)"
	log "$name: expectations now: $(expectations | tr '\n' ';')"
	if [ "$FAILED" = "$failed" ]; then
		check "$name: write and read a file" write_read_back "$ns" "$MNT"
		check "$name: umount" nfs_umount "$MNT"
	fi
	check "$name: the helper created expectations" \
		counter_is expected "$(delta expected "$before" "$after")" -ge 1
	log "$name: done ($(elapsed))"
}

# --- 1-3: mounts --------------------------------------------------------

test_mounts() {
	mount_case "ipv4 mountproto=udp" img1 "$G4" "$OPTS_UDP"
	mount_case "ipv4 mountproto=tcp" img1 "$G4" "$OPTS_TCP"
	mount_case "ipv6 mountproto=udp6 (GETADDR)" img1 "$G6" "$OPTS6"
}

# --- 4: one hole, for one client, for a while ---------------------------

test_narrow() {
	local port e timeout
	firewall with || die "cannot load the ruleset"
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	check "lookup: img1 GETPORT mountd/tcp answered ($port)" \
		test "${port:-0}" -gt 0
	[ "${port:-0}" -gt 0 ] || return
	check "lookup: exactly one expectation, img1 -> gcems:$port/tcp" \
		only_expectation "$(addr4 img1)" "$G4" "$port" 6
	check_not "outsider cannot reach mountd tcp $port" \
		tcp_open outsider "$G4" "$port"
	check_not "img2 cannot use img1's expectation" tcp_open img2 "$G4" "$port"
	check "img1's expectation is still there" \
		only_expectation "$(addr4 img1)" "$G4" "$port" 6
	check "img1 reaches mountd tcp $port" tcp_open img1 "$G4" "$port"
	log "after img1's connection: $(n_expectations) expectation(s)"

	# A fresh lookup, with no earlier expectation for the same port.
	flush_expectations
	timeout=$(ctl rpc 2>/dev/null | sed -n 's/^expectation timeout: \([0-9]*\) s$/\1/p')
	log "rpc helper settings: $(ctl rpc 2>&1 | tr '\n' ';')"
	check "imgsecctl rpc --timeout 3" ctl rpc --timeout 3
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	e=$(expectations)
	log "expectation: $e"
	check "timeout 3: the expectation has at most 3 s to live" \
		test "$(awk '{ print $1; exit }' <<<"$e")" -le 3
	check "timeout 3: gone after 3 s" busywait 6000 no_expectation
	check_not "timeout 3: img1 cannot reach mountd after the timeout" \
		tcp_open img1 "$G4" "$port"
	check "imgsecctl rpc --timeout ${timeout:-30} (restored)" \
		ctl rpc --timeout "${timeout:-30}"
}

# --- 4b: a lookup again renews the hole -------------------------------------

# Seconds the only expectation has left (conntrack -L expect's first field).
expect_left() { expectations | awk '{ print $1; exit }'; }

# The source port of the only expectation's master (the lookup's socket).
expect_master() { expectations | sed -n 's/.* master-src=[^ ]* master-dst=[^ ]* sport=\([0-9]*\) .*/\1/p' | head -n 1; }

# Sleep until T0_MS + MS.
sleep_until() { # T0_MS MS
	local left=$(($1 + $2 - $(now_ms)))
	[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
}

# A client looks up mountd, again from a new socket (a new conntrack, the
# hole's master is the first) before its hole expires, then connects after
# the first lookup's rpc_timeout (10 s) but before the second's. The
# lookups' UDP conntracks time out after 8 s (nf_conntrack_udp_timeout in
# gcems): the hole dies with its master unless the master is kept as long
# as the renewed hole; conntrack -L removes expired entries at once.
test_renew() {
	local port port2 t0 t1 left s0 s1 udp_timeout m1 m2
	firewall with || die "cannot load the ruleset"
	flush_expectations
	udp_timeout=$(run_in gcems sysctl -n net.netfilter.nf_conntrack_udp_timeout)
	check "renew: imgsecctl rpc --timeout 10" ctl rpc --timeout 10
	check "renew: gcems nf_conntrack_udp_timeout=8" \
		run_in gcems sysctl -q -w net.netfilter.nf_conntrack_udp_timeout=8
	s0=$(rpc_stats)
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	t0=$(now_ms)
	check "renew: first lookup answered ($port)" test "${port:-0}" -gt 0
	[ "${port:-0}" -gt 0 ] || return
	log "renew: first lookup: $(expectations)"
	sleep_until "$t0" 5000
	t1=$(now_ms)
	port2=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	left=$(expect_left)
	s1=$(rpc_stats)
	log "renew: second lookup $(((t1 - t0) / 1000)).$((((t1 - t0) % 1000) / 100)) s later: $(expectations)"
	check "renew: second lookup answered the same port ($port2)" \
		test "${port2:-0}" = "$port"
	check "renew: still exactly one expectation" \
		only_expectation "$(addr4 img1)" "$G4" "$port" 6
	check "renew: the expectation has a fresh timeout (${left:-?} s left, > 6)" \
		test "${left:-0}" -gt 6
	check "renew: both lookups count as expected" \
		counter_is expected "$(delta expected "$s0" "$s1")" -eq 2
	sleep_until "$t0" 12000
	log "renew: $(run_in gcems conntrack -L -p udp --dport 111 2>/dev/null | grep -c .) portmap conntrack(s) after 12 s: $(expectations)"
	check "renew: img1 reaches mountd after the first lookup's timeout" \
		tcp_open img1 "$G4" "$port"
	log "renew: connected $((($(now_ms) - t0) / 100)) ds after the first lookup"
	flush_expectations

	# A fresh hole outlives its lookup's UDP conntrack timeout (4 s): the
	# lookup's entry is kept as long as its hole (10 s), else the hole
	# would die with it once the entry is collected (a conntrack dump
	# collects expired entries at once).
	check "keep: gcems nf_conntrack_udp_timeout=4" \
		run_in gcems sysctl -q -w net.netfilter.nf_conntrack_udp_timeout=4
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	t0=$(now_ms)
	check "keep: lookup answered ($port)" test "${port:-0}" -gt 0
	sleep_until "$t0" 5000
	run_in gcems conntrack -L >/dev/null 2>&1
	check "keep: 5 s after the lookup, past its conntrack timeout, its hole is open" \
		only_expectation "$(addr4 img1)" "$G4" "$port" 6
	check "keep: img1 reaches mountd through it" tcp_open img1 "$G4" "$port"
	flush_expectations

	# The first lookup's conntrack expires (its timeout set to 1 s by
	# ctnetlink; a packet of its own would set it to the UDP timeout, 2 s)
	# before its hole (10 s) and before the second lookup: that hole goes
	# with it, so the second lookup replaces it with one of its own (else
	# -EBUSY, the client told a port whose hole closes when the old entry
	# is collected).
	check "renew: gcems nf_conntrack_udp_timeout=2" \
		run_in gcems sysctl -q -w net.netfilter.nf_conntrack_udp_timeout=2
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	m1=$(expect_master)
	check "renew: the first lookup's conntrack timeout set to 1 s" \
		run_in gcems conntrack -U -p udp --orig-src "$(addr4 img1)" \
		--dport 111 --timeout 1
	t0=$(now_ms)
	sleep_until "$t0" 2000
	port2=$(lookup img1 "$G4" -P 100005 -V 3 -x tcp)
	# At once, as a client does.
	check "renew: img1 reaches mountd through it" tcp_open img1 "$G4" "$port"
	m2=$(expect_master)
	log "renew: master's source port ${m1:-none}, after its expiry and a lookup again ${m2:-none}: $(expectations)"
	check "renew: a lookup after the first one's conntrack expired answered ($port2)" \
		test "${port2:-0}" = "${port:-x}"
	check "renew: its hole is the second lookup's (master port ${m2:-none}, not ${m1:-none})" \
		test -n "$m2" -a "$m2" != "$m1"
	check "renew: nf_conntrack_udp_timeout restored" \
		run_in gcems sysctl -q -w net.netfilter.nf_conntrack_udp_timeout="${udp_timeout:-30}"
	check "renew: imgsecctl rpc --timeout 30 (restored)" ctl rpc --timeout 30
	flush_expectations
}

# --- 5: the allow-list --------------------------------------------------

test_allow_list() {
	local s0 s1 port map
	firewall with || die "cannot load the ruleset"
	map=$(run_in gcems rpcinfo -p 127.0.0.1 2>&1)
	grep -q ' 100021 ' <<<"$map" ||
		log "nlockmgr (100021) not registered on gcems: $map"

	s0=$(rpc_stats)
	port=$(lookup img1 "$G4" -P 100021 -V 4 -x tcp)
	check "GETPORT nlockmgr/tcp answered ($port)" test "${port:-0}" -gt 0
	check "GETPORT nlockmgr: no expectation" no_expectation
	[ "${port:-0}" -gt 0 ] &&
		check_not "img1 cannot reach nlockmgr tcp $port" \
			tcp_open img1 "$G4" "$port"
	# libtirpc blocks signals during a call: SIGKILL ends it.
	check_not "rpcinfo -T tcp gcems 100021 4 (rpcbind lookup, then call) fails" \
		run_in img1 timeout -k 1 6 rpcinfo -T tcp "$G4" 100021 4
	check "rpcinfo lookup of nlockmgr: no expectation" no_expectation
	port=$(lookup img1 "$G6" -v 4 -P 100021 -V 4 -x udp)
	check "ipv6 GETADDR nlockmgr/udp6 answered ($port)" test "${port:-0}" -gt 0
	check "ipv6 GETADDR nlockmgr: no expectation" no_expectation
	lookup img1 "$G4" -P 100024 -V 1 >/dev/null # status: not registered
	s1=$(rpc_stats)
	check "not_allowed counts the 4 lookups (nlockmgr x3, status)" \
		counter_is not_allowed "$(delta not_allowed "$s0" "$s1")" -ge 4
	check "not_allowed lookups make no calls pending" \
		counter_is calls "$(delta calls "$s0" "$s1")" -eq 0

	check "rpcinfo -p gcems (DUMP) from img1 works" \
		run_in img1 timeout -k 1 10 rpcinfo -p "$G4"
	check "rpcinfo -p: no expectation" no_expectation

	s0=$(rpc_stats)
	port=$(lookup img1 "$G4" -P 100000 -V 2 -x udp)
	check "GETPORT portmap itself answered ($port)" test "${port:-0}" = 111
	check "GETPORT portmap: no expectation" no_expectation
	s1=$(rpc_stats)
	# rpcinfo -p asks for portmap itself first: no lookup to act on,
	# so not counted as one (the parser says RPC_NOT_LOOKUP).
	check "GETPORT portmap is not taken as a lookup" \
		counter_is calls "$(delta calls "$s0" "$s1")" -eq 0

	check "imgsecctl rpc --programs 100005,100003,100021" \
		ctl rpc --programs 100005,100003,100021
	port=$(lookup img1 "$G4" -P 100021 -V 4 -x tcp)
	check "nlockmgr allowed: its port $port is expected" \
		only_expectation "$(addr4 img1)" "$G4" "${port:-0}" 6
	check "imgsecctl rpc --programs 100005,100003 (restored)" \
		ctl rpc --programs 100005,100003
	flush_expectations
}

# --- 6: floods ------------------------------------------------------------

portmap_conntracks() {
	run_in gcems conntrack -L -p udp --dport 111 2>/dev/null | wc -l
}

few_portmap_conntracks() { [ "$(portmap_conntracks)" -lt 8 ]; }

tcp_states_gone() {
	[ "$(tr ' ' '\n' <<<"$(rpc_stats)" | sed -n 's/^tcp_states=//p')" = 0 ]
}

# Entries of closed portmap connections, in TIME_WAIT for two minutes.
time_wait_entries() {
	run_in gcems conntrack -L -p tcp --dport 111 2>/dev/null | grep -c TIME_WAIT
}

kernel_quiet() {
	local bad
	bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|general protection|Call Trace:' |
		grep -v IMGSEC-)
	[ -z "$bad" ] || { echo "$bad" | head -n 5; return 1; }
}

# All 150 flood connections have been seen: followed or overflowed.
tcp_flood_counted() { # STATS_BEFORE
	local now
	now=$(rpc_stats)
	[ $(($(delta calls "$1" "$now") + $(delta overflows "$1" "$now"))) -ge 150 ]
}

# A TCP lookup's state goes when its connection closes, not with its entry
# (two minutes in TIME_WAIT): a client that looks up over a new connection
# each time, more than rpc_max_conns_per_client (32) times in two minutes,
# is followed every time (it was not after its 32nd).
test_closed_tcp() {
	local s0 s1 port ok=0 n=34
	firewall with || die "cannot load the ruleset"
	s0=$(rpc_stats)
	for _ in $(seq $n); do
		port=$(lookup img1 "$G4" -t tcp -P 100005 -x tcp)
		[ "${port:-0}" -gt 0 ] && ok=$((ok + 1))
	done
	s1=$(rpc_stats)
	check "$n TCP lookups one after another: all answered ($ok)" \
		test "$ok" = $n
	check "$n TCP lookups one after another: each followed" \
		counter_is calls "$(delta calls "$s0" "$s1")" -eq $n
	check "$n TCP lookups one after another: each reply read" \
		counter_is replies "$(delta replies "$s0" "$s1")" -eq $n
	check "$n TCP lookups one after another: no overflow" \
		counter_is overflows "$(delta overflows "$s0" "$s1")" -eq 0
	check "their connections closed: no TCP state left" \
		busywait 5000 tcp_states_gone
	check "their entries are kept, in TIME_WAIT ($(time_wait_entries))" \
		test "$(time_wait_entries)" -ge 32
	flush_expectations
}

test_flood() {
	local s0 s1 n t0 out
	check "reload imgsec with rpc_max_conns=$MAX_CONNS" \
		reload_module rpc_max_conns=$MAX_CONNS
	check "rpc_max_conns is $MAX_CONNS" \
		grep -qx $MAX_CONNS /sys/module/imgsec/parameters/rpc_max_conns
	firewall with || die "cannot load the ruleset"
	stop_nfs_server

	# A server answers 20 calls, one after the other on one socket, with
	# 20 different ports: the helper keeps at most max_expected (8)
	# expectations per portmap connection.
	serve -A 40000 -I || die "fake portmap did not start"
	n=$(lookup img1 "$G4" -n 20 | wc -l)
	log "img1: 20 lookups on one socket, $n answered"
	n=$(n_expectations)
	check "20 answered lookups on one connection: $n expectations, at most 8" \
		test "$n" -ge 1 -a "$n" -le 8
	stop_serve
	flush_expectations

	# A lying server: portmap's own port, port 0, a third host in the
	# uaddr. Nothing may be expected.
	s0=$(rpc_stats)
	serve -A 111 || die "fake portmap did not start"
	lookup img1 "$G4" >/dev/null
	stop_serve
	serve -A 0 || die "fake portmap did not start"
	lookup img1 "$G4" >/dev/null
	stop_serve
	serve -A 2049 -H "$(addr4 outsider)" || die "fake portmap did not start"
	lookup img1 "$G4" -v 4 >/dev/null
	stop_serve
	s1=$(rpc_stats)
	check "lying portmap (port 111, port 0, uaddr of a third host): no expectation" \
		no_expectation
	check "lying portmap: port 111 and the third host count as bad_address" \
		counter_is bad_address "$(delta bad_address "$s0" "$s1")" -eq 2
	check "lying portmap: port 0 counts as not_registered" \
		counter_is not_registered "$(delta not_registered "$s0" "$s1")" -eq 1

	# From here on the fake portmap never answers, but sends 2 forged
	# replies (random xids) for every call.
	serve -f 2 || die "fake portmap did not start"
	s0=$(rpc_stats)
	t0=$(now_ms)
	log "outsider: $(run_in outsider timeout -k 2 60 "$RPCSEND" -n 1000 -T 1 xids "$G4" 2>&1)"
	s1=$(rpc_stats)
	log "1000 calls, one socket: $(($(now_ms) - t0)) ms; $s1"
	check "1000 pending calls on one connection: all seen" \
		counter_is calls "$(delta calls "$s0" "$s1")" -eq 1000
	check "1000 calls at once on one socket: its flow is no longer trusted" \
		counter_is untrusted "$(delta untrusted "$s0" "$s1")" -eq 1
	check "forged replies to them: counted unmatched" \
		counter_is unmatched "$(delta unmatched "$s0" "$s1")" -ge 1
	check "forged replies: no reply matched" \
		counter_is replies "$(delta replies "$s0" "$s1")" -eq 0

	s0=$s1
	log "outsider: $(run_in outsider timeout -k 2 60 "$RPCSEND" -n 1000 forge "$G4" 2>&1)"
	s1=$(rpc_stats)
	check "1000 client-sent replies: counted, nothing matched" \
		counter_is replies "$(delta replies "$s0" "$s1")" -eq 0
	log "1000 client-sent replies: $(for c in parse_errors unmatched overflows; do printf '%s+%s ' $c "$(delta $c "$s0" "$s1")"; done)"

	s0=$s1
	t0=$(now_ms)
	out=$(run_in outsider timeout -k 2 120 "$RPCSEND" -n 3000 -B 20000 flood "$G4")
	s1=$(rpc_stats)
	log "$out in $(($(now_ms) - t0)) ms; $(portmap_conntracks) portmap conntracks on gcems"
	log "$s1"
	# UDP keeps its pending call in the conntrack entry: a flood of
	# forgeable UDP costs the helper no memory and cannot crowd out others.
	check "3000 UDP calls from 3000 source ports: each followed, no memory" \
		counter_is calls "$(delta calls "$s0" "$s1")" -eq 3000
	check "3000 UDP calls from 3000 source ports: no overflow" \
		counter_is overflows "$(delta overflows "$s0" "$s1")" -eq 0
	check "after the floods: no expectation" no_expectation
	check "after the floods: nothing expected" \
		counter_is expected "$(delta expected "$s0" "$s1")" -eq 0
	stop_serve

	# The real server again: a normal client must still get its mount.
	start_nfs_server

	# TCP state is allocated (once the client sends) and bounded: hold
	# 150 connections open, at most $MAX_CONNS are followed.
	s0=$(rpc_stats)
	run_in outsider timeout -k 2 60 "$RPCSEND" -t tcp -n 150 -k 8 -B 30000 \
		flood "$G4" >/dev/null 2>&1 &
	busywait 40000 tcp_flood_counted "$s0"
	s1=$(rpc_stats)
	# One client: rpc_max_conns_per_client (32) holds before the
	# namespace's $MAX_CONNS.
	check "150 held TCP connections from one client: at most 32 followed" \
		counter_is calls "$(delta calls "$s0" "$s1")" -le 32
	check "150 held TCP connections: the rest counted as overflows" \
		counter_is overflows "$(delta overflows "$s0" "$s1")" -ge $((150 - 32))
	wait
	s0=$(rpc_stats)
	check "right after the flood (its conntracks alive): img1 mounts" \
		mount_nfs img1 "$G4" "$OPTS_UDP" "$MNT" "$MOUNT_TIMEOUT"
	s1=$(rpc_stats)
	log "that mount: $(for c in calls replies expected overflows; do printf '%s+%s ' $c "$(delta $c "$s0" "$s1")"; done)with $(portmap_conntracks) portmap conntracks alive"
	nfs_umount "$MNT" >/dev/null 2>&1
	t0=$(now_ms)
	busywait 60000 few_portmap_conntracks
	log "the flood's conntracks expired after another $((($(now_ms) - t0) / 1000)) s"
	n=$FAILED
	check "after the flood's conntracks expired: img1 mounts" \
		mount_nfs img1 "$G4" "$OPTS_UDP" "$MNT" "$MOUNT_TIMEOUT"
	if [ "$FAILED" = "$n" ]; then
		check "after the flood: write and read a file" \
			write_read_back img1 "$MNT"
		check "after the flood: umount" nfs_umount "$MNT"
	fi
	check "no kernel warning" kernel_quiet
}

# --- main ---------------------------------------------------------------

setup_topology
# A kernel MNT call over TCP whose SYNs are dropped is not killable: the
# mount waits for the connect to give up, 180 s with the default timeo
# (TCP_USER_TIMEOUT = timeo * (retrans + 1)). 4 SYN retries (31 s) keep
# a mount that the helper fails to open bounded.
must run_in img1 sysctl -q -w net.ipv4.tcp_syn_retries=4
check "modprobe imgsec" modprobe imgsec
check "rpc_timeout defaults to 30" \
	grep -qx 30 /sys/module/imgsec/parameters/rpc_timeout
start_nfs_server
log "rpcbind on gcems: $(run_in gcems rpcinfo -p 127.0.0.1 | grep -E 'mountd|nlockmgr' | tr -s ' ' | tr '\n' ';')"
log "set up in $(elapsed)"

test_mounts
log "mounts done ($(elapsed))"
test_narrow
log "narrow done ($(elapsed))"
test_renew
log "renew done ($(elapsed))"
test_allow_list
log "allow-list done ($(elapsed))"
test_closed_tcp
log "closed TCP done ($(elapsed))"
test_flood
log "flood done ($(elapsed))"

echo "# imgsecctl stats in gcems:"
ctl stats 2>&1 | sed 's/^/#   /'
log "total $(elapsed)"
summary
