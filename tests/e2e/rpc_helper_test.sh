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
#   5. programs not on the allow-list open nothing and are counted
#   6. floods (calls without replies, replies without calls, many source
#      ports) stay within the bounds (rpc_max_conns=64 for this part), and
#      a normal mount works afterwards; no kernel warning
#
# Needs tests/tools/rpcsend (make tools) to craft the lookups and floods.
# Runs inside the test VM: tests/vm/run.sh tests/e2e/rpc_helper_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

G4=$(addr4 gcems)
G6=$(addr6 gcems)
MNT=/mnt/rpc
# retry=0: a mount that cannot reach mountd gives up after one try.
OPTS_UDP=vers=3,proto=tcp,mountproto=udp,nolock,retry=0
OPTS_TCP=vers=3,proto=tcp,mountproto=tcp,nolock,retry=0
OPTS6=vers=3,proto=tcp6,mountproto=udp6,nolock,retry=0
BLOCKED_MOUNT_TIMEOUT=${IMGSEC_TEST_BLOCKED_MOUNT_TIMEOUT:-20}
MOUNT_TIMEOUT=${IMGSEC_TEST_MOUNT_TIMEOUT:-40}
MAX_CONNS=64 # rpc_max_conns for the flood part
T_START=$(now_ms)

find_rpcsend() {
	local f
	for f in "${IMGSEC_TEST_RPCSEND:-}" "${IMGSEC_SRC:-/src}/tests/tools/rpcsend" \
		"$(dirname "$0")/../tools/rpcsend" "$(command -v rpcsend)"; do
		[ -n "$f" ] && [ -x "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
RPCSEND=$(find_rpcsend) ||
	die "tests/tools/rpcsend is not in the VM: build it with 'make tools' (and have tests/vm/run.sh carry it)"

elapsed() { echo "$((($(now_ms) - T_START) / 1000)) s"; }
ctl() { run_in gcems imgsecctl "$@"; }

# --- the ruleset on gcems -----------------------------------------------

# ruleset with|without: the firewall of gcems, with or without the lines
# that attach the helper; nothing else differs.
ruleset() {
	local assign=
	if [ "$1" = with ]; then
		assign='udp dport 111 ct helper set "rpc_udp"
		tcp dport 111 ct helper set "rpc_tcp"'
	fi
	cat <<-EOF
	table inet rpctest
	delete table inet rpctest
	table inet rpctest {
		ct helper rpc_udp {
			type "imgsec-rpc" protocol udp
			l3proto inet
		}
		ct helper rpc_tcp {
			type "imgsec-rpc" protocol tcp
			l3proto inet
		}
		chain pre {
			type filter hook prerouting priority filter; policy accept;
			$assign
		}
		chain input {
			type filter hook input priority filter; policy drop;
			iif lo accept
			ct state established,related accept
			icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept
			ct state new tcp dport { 111, 2049 } accept
			ct state new udp dport { 111, 2049 } accept
			counter comment "dropped"
		}
	}
	EOF
}

# Load the ruleset and forget every connection and expectation, so that
# nothing opened before carries over.
firewall() { # with|without
	ruleset "$1" | run_in gcems nft -f - || return 1
	flush_conntrack
}

# Every family at once (conntrack -F expect takes no -f).
flush_expectations() {
	run_in gcems conntrack -F expect >/dev/null 2>&1
	[ -z "$(expectations)" ] || { echo "expectations left after a flush"; return 1; }
}

flush_conntrack() {
	run_in gcems conntrack -F -f ipv4 >/dev/null 2>&1
	run_in gcems conntrack -F -f ipv6 >/dev/null 2>&1
	flush_expectations
}

dropped_count() {
	run_in gcems nft list chain inet rpctest input |
		sed -n 's/.*counter packets \([0-9]*\) .*comment "dropped".*/\1/p'
}

# --- what the helper did ------------------------------------------------

# Both families: conntrack lists IPv4 only unless told otherwise.
expectations() {
	{
		run_in gcems conntrack -L expect -f ipv4
		run_in gcems conntrack -L expect -f ipv6
	} 2>/dev/null | grep .
}
n_expectations() { expectations | wc -l; }

no_expectation() {
	local e
	e=$(expectations)
	[ -z "$e" ] || { echo "expectations: $e"; return 1; }
}

# Exactly one expectation, for SRC -> DST:DPORT over PROTO (6 or 17), any
# source port.
only_expectation() { # SRC DST DPORT PROTO
	local e n
	e=$(expectations)
	n=$(grep -c . <<<"$e")
	[ "$n" = 1 ] || { echo "$n expectations: $e"; return 1; }
	grep -q "proto=$4 src=$1 dst=$2 sport=0 dport=$3 " <<<"$e" ||
		{ echo "not $1 -> $2:$3/$4: $e"; return 1; }
}

# The helper's counters in gcems as "name=value ...", from one
# "imgsecctl stats --json" (NA for a counter it did not give).
rpc_stats() {
	local json n v out=
	json=$(ctl stats --json 2>/dev/null | tr ',{}' '\n\n\n')
	for n in calls replies expected not_allowed unmatched parse_errors \
		overflows not_registered bad_address expect_failed; do
		v=$(sed -n "s/^ *\"$n\": *\([0-9][0-9]*\).*/\1/p" <<<"$json" |
			head -n 1)
		out="$out $n=${v:-NA}"
	done
	echo "${out# }"
}

# Difference of counter NAME between two rpc_stats lines.
delta() { # NAME BEFORE AFTER
	local a b
	a=$(tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p")
	b=$(tr ' ' '\n' <<<"$3" | sed -n "s/^$1=//p")
	case "$a$b" in
	*NA*|'') echo NA ;;
	*) echo $((b - a)) ;;
	esac
}

# That counter delta D satisfies "D OP N" (OP: -eq, -ge, -le...).
counter_is() { # WHAT D OP N
	[ "$2" != NA ] || { echo "$1: imgsecctl stats gave no value"; return 1; }
	case $3 in
	-eq) [ "$2" -eq "$4" ] ;;
	-ge) [ "$2" -ge "$4" ] ;;
	-le) [ "$2" -le "$4" ] ;;
	*) false ;;
	esac || { echo "$1 changed by $2, expected $3 $4"; return 1; }
}

# --- clients ------------------------------------------------------------

# rpcsend getport from NS to ADDR: prints the port rpcbind answered.
lookup() { # NS ADDR RPCSEND-OPTIONS...
	local ns=$1 addr=$2
	shift 2
	run_in "$ns" timeout -k 2 10 "$RPCSEND" -T 3 "$@" getport "$addr"
}

tcp_open() { # NS ADDR PORT
	run_in "$1" timeout -k 2 8 "$NC" -n -z -w 3 "$2" "$3"
}

# Mount like lib.sh's nfs_mount, but bounded for sure: mount.nfs does not
# die of SIGTERM while the kernel retries, so SIGKILL follows.
mount_nfs() { # NS SERVER OPTS MNT SECONDS
	local src=$2:$NFS_EXPORT
	case $2 in *:*) src="[$2]:$NFS_EXPORT" ;; esac
	mkdir -p "$4" || return 1
	timeout -k 2 "$5" nsenter --net="/run/netns/$1" \
		/usr/bin/mount -t nfs -o "$3" "$src" "$4" || return 1
	echo "$1 $4" >>"$E2E_STATE/mounts"
}

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

# Write a token through the mount, read it on the server's export and
# back through the mount.
write_read_back() { # NS MNT
	local token file=rpc-$1
	token=$(new_token)
	run_in "$1" sh -c "echo $token >$2/$file" || return 1
	grep -qx "$token" "$NFS_EXPORT/$file" ||
		{ echo "server side has '$(cat "$NFS_EXPORT/$file" 2>&1)'"; return 1; }
	run_in "$1" grep -qx "$token" "$2/$file" ||
		{ echo "read back through the mount failed"; return 1; }
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

# rpcsend's fake portmap on gcems:111, in place of rpcbind.
serve() { # RPCSEND-OPTIONS...
	"$IP" netns exec gcems "$RPCSEND" -T 120 -n 100000 "$@" serve 0.0.0.0 \
		>"$E2E_STATE/serve.out" 2>&1 &
	echo $! >"$E2E_STATE/serve.pid"
	echo $! >>"$E2E_STATE/pids"
	busywait 5000 listening gcems udp 111
}

stop_serve() {
	kill_pidfile "$E2E_STATE/serve.pid"
	log "fake portmap: $(tail -n 1 "$E2E_STATE/serve.out")"
}

reload_module() { # MODPROBE-ARGS...
	run_in gcems nft delete table inet rpctest 2>/dev/null
	flush_conntrack
	rmmod imgsec || return 1
	modprobe imgsec "$@"
}

portmap_conntracks() {
	run_in gcems conntrack -L -p udp --dport 111 2>/dev/null | wc -l
}

few_portmap_conntracks() { [ "$(portmap_conntracks)" -lt 8 ]; }

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
	check "1000 pending calls on one connection: >= 992 overflows (8 kept)" \
		counter_is overflows "$(delta overflows "$s0" "$s1")" -ge 992
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
	check "150 held TCP connections: at most $MAX_CONNS followed" \
		counter_is calls "$(delta calls "$s0" "$s1")" -le $MAX_CONNS
	check "150 held TCP connections: the rest counted as overflows" \
		counter_is overflows "$(delta overflows "$s0" "$s1")" -ge $((150 - MAX_CONNS))
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
test_allow_list
log "allow-list done ($(elapsed))"
test_flood
log "flood done ($(elapsed))"

echo "# imgsecctl stats in gcems:"
ctl stats 2>&1 | sed 's/^/#   /'
log "total $(elapsed)"
summary
