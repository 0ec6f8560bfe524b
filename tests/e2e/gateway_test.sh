#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Gateway placement: imgsec on a Linux router in front of the IMGs filters
# forwarded traffic only. Two subnets, the router "gw" between them:
#   imgnet  198.51.100.0/24  2001:db8:1::/64   img (.11 / ::11)
#   opsnet  203.0.113.0/24   2001:db8:2::/64   ops (.21 / ::21), intruder (.99)
# The policy lets ops reach the IMG's telnet and the IMGs send SNMP traps
# to ops; nothing else crosses, and the router's own traffic is not filtered.
# The router also publishes the IMG's FTP on its own address (DNAT
# 203.0.113.1:2121 -> img:21): passive and active FTP work through it with
# the ftp helper a rule attaches. Neighbour discovery from the intruder to
# the IMG's global address does not cross the router. Last, the router's
# policy switches to a host placement and back under traffic: each switch
# registers only the hooks the new placement uses (nft list hooks), holds
# when set-policy returns, and drops none of the allowed traffic.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/gateway_test.sh
. "$(dirname "$0")/lib.sh"

IMG=198.51.100.11
OPS=203.0.113.21
IMG6=2001:db8:1::11
GW_PUBLIC=203.0.113.1
TOOLS=${IMGSEC_SRC:-/src}/tests/tools

gw_cleanup() {
	local ns
	for ns in gw img ops intruder lan2; do
		"$IP" netns del "$ns" 2>/dev/null
	done
}

add_lan_host() { # NS BRIDGE_NS ADDR4/LEN ADDR6/LEN GW4 GW6
	local ns=$1 br=$2
	must "$IP" netns add "$ns"
	must "$IP" -n "$ns" link set lo up
	must "$IP" -n "$ns" link add eth0 type veth peer name "$ns" netns "$br"
	must "$IP" -n "$br" link set "$ns" master br0 up
	must "$IP" -n "$ns" addr add "$3" dev eth0
	must "$IP" -n "$ns" addr add "$4" dev eth0 nodad
	must "$IP" -n "$ns" link set eth0 up
	must "$IP" -n "$ns" route add default via "$5"
	must "$IP" -n "$ns" -6 route add default via "$6"
}

setup_gateway() {
	local br
	must "$IP" netns add gw
	must "$IP" -n gw link set lo up
	must run_in gw sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
	for br in imgnet opsnet; do
		must "$IP" netns add "$br"
		must "$IP" -n "$br" link set lo up
		must "$IP" -n "$br" link add br0 type bridge stp_state 0 forward_delay 0
		must "$IP" -n "$br" link set br0 up
		must "$IP" -n gw link add "$br" type veth peer name gw netns "$br"
		must "$IP" -n "$br" link set gw master br0 up
		must "$IP" -n gw link set "$br" up
	done
	must "$IP" -n gw addr add 198.51.100.1/24 dev imgnet
	must "$IP" -n gw addr add 2001:db8:1::1/64 dev imgnet nodad
	must "$IP" -n gw addr add 203.0.113.1/24 dev opsnet
	must "$IP" -n gw addr add 2001:db8:2::1/64 dev opsnet nodad
	add_lan_host img imgnet $IMG/24 $IMG6/64 198.51.100.1 2001:db8:1::1
	add_lan_host ops opsnet $OPS/24 2001:db8:2::21/64 203.0.113.1 2001:db8:2::1
	add_lan_host intruder opsnet 203.0.113.99/24 2001:db8:2::99/64 \
		203.0.113.1 2001:db8:2::1
	busywait 5000 run_in ops ping -c 1 -W 1 $IMG >/dev/null ||
		die "no route from ops to img through gw"
}

write_policy() {
	cat >/tmp/gateway.conf <<EOF
mode enforce
default reject
placement gateway
role img $IMG $IMG6
role ops $OPS 2001:db8:2::21
allow ops -> img tcp 23 "Telnet: IMG debug access"
allow img -> ops udp 162 "SNMP traps"
allow ops -> img tcp 21 helper ftp "FTP, published by the router"
allow ops -> img udp 111 helper rpc "PortMap"
EOF
}

publish_ftp() {
	run_in gw nft -f - <<-EOF
	table ip publish {
		chain pre {
			type nat hook prerouting priority dstnat;
			ip daddr $GW_PUBLIC tcp dport 2121 dnat to $IMG:21
		}
	}
	EOF
}

# The IMG's scripted FTP server announces its own address in the 227; the
# client must see the router's, which nf_nat_ftp writes in (a longer or
# shorter text: the sequence adjustment the helper needs).
ftp_passive_nat() {
	local port=10021 reply
	listen_tcp img $port
	ftp_server img "227 Entering Passive Mode (198,51,100,11,39,37)." ||
		return 1
	reply=$(ftp_client ops $GW_PUBLIC 2121 PASV | grep '^227 ') ||
		{ echo "no 227 reply"; return 1; }
	grep -q '(203,0,113,1,39,37)' <<<"$reply" ||
		{ echo "227 not rewritten: $reply"; return 1; }
	can_connect_tcp ops $GW_PUBLIC $port
}

# Active: the client says PORT, the IMG connects back from port 20.
ftp_active_nat() {
	local token
	listen_tcp ops 40021
	ftp_server img "331 ok" "200 ok" || return 1
	ftp_client ops $GW_PUBLIC 2121 "USER anonymous" \
		"PORT 203,0,113,21,156,85" | grep -q '^200 ' ||
		{ echo "no reply to PORT"; return 1; }
	token=$(new_token)
	echo "$token" | run_in img timeout 6 "$NC" -n -w 3 -p 20 $OPS 40021 ||
		{ echo "the data connection to ops was refused"; return 1; }
	busywait 2000 received tcp 40021 "$token"
}

# ops asks img's portmap (which does not run: the call stays pending); the
# intruder, on ops's side, forges img's reply naming port 2222 and sends it
# through the router, which forwards it back to ops: conntrack takes it for
# the reply. It must open nothing: it came in by ops's own interface.
spoof_reply() {
	local sport pid
	run_in ops timeout -k 2 10 "$TOOLS/rpcsend" -T 6 -X 4660 -P 100005 -x tcp \
		getport $IMG >/dev/null 2>&1 &
	pid=$!
	sleep 1
	sport=$(run_in gw conntrack -L -p udp --dport 111 2>/dev/null |
		sed -n 's/.* sport=\([0-9]*\) dport=111 .*/\1/p' | head -n 1)
	must run_in intruder "$IP" route replace $OPS/32 via 203.0.113.1
	must run_in intruder "$TOOLS/rpcsend" -H $IMG -p 111 -B "${sport:-1}" \
		-X 4660 -A 2222 spoof $OPS
	sleep 1
	wait "$pid"
	log "ops's portmap call from port ${sport:-?}; gw's expectations after the forged reply: $(run_in gw conntrack -L expect 2>/dev/null | tr '\n' ';')"
}

# How many of the intruder's ICMPv6 code 7 packets (ndsend) reached img,
# past its router: a counter in img's own input.
nd_arrived() {
	run_in img nft list counter inet probe nd |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

nd_crosses_router() {
	run_in img nft -f - <<-EOF || return 2
	table inet probe {
		counter nd { }
		chain in {
			type filter hook input priority 0;
			icmpv6 code 7 icmpv6 type { nd-neighbor-solicit, mld-listener-report } counter name nd
		}
	}
	EOF
	run_in intruder "$TOOLS/ndsend" -c 7 -h 255 ns $IMG6
	run_in intruder "$TOOLS/ndsend" -c 7 -h 255 mld $IMG6
	sleep 1
	log "ND/MLD from the intruder that reached img: $(nd_arrived)"
	[ "$(nd_arrived)" != 0 ]
}

# "Connection refused" within the timeout: a reset came back.
refused_at_once() { # NS ADDR PORT
	run_in "$1" timeout 5 "$NC" -n -v -z -w 4 "$2" "$3" 2>&1 | grep -q refused
}

# Debian's 6.1 kernel has no nfnetlink_hook (6.12's has): there the list
# is not checked (said so in the output); KUnit checks the same on 6.1.
HOOK_LIST=

check_hooks() { # NAME EXPECTED
	if [ -n "$HOOK_LIST" ]; then
		check "$1" hooks_are gw "$2"
	else
		log "not checked (this kernel lists no hooks): $1"
	fi
}

write_host_policy() {
	cat >/tmp/gw-host.conf <<EOF
mode enforce
default reject
placement host
role gw 203.0.113.1 2001:db8:2::1
role ops $OPS 2001:db8:2::21
allow ops -> gw tcp 22 "SSH to the router"
EOF
}

# While the placement switches: new connections from ops to img's telnet,
# one after another (both policies let them through: the host one does not
# filter forwarded traffic), each line "ok" or "failed" in FILE.
connect_loop() { # FILE
	local token rc
	while [ ! -e "$E2E_STATE/stop-loop" ]; do
		token=$(new_token)
		echo "$token" | run_in ops timeout 10 "$NC" -n -N -w 3 $IMG 23 \
			>/dev/null 2>&1
		rc=$?
		if busywait 2000 received tcp 23 "$token"; then
			echo "ok $(now_ms)"
		else
			echo "failed $(now_ms) nc=$rc $token"
		fi
	done >"$1"
}

# One flow open across the switches (telnet's listener takes one
# connection at a time: the loop's): SNMP traps from img to ops, a
# datagram every 0.2 s from one source port, one conntrack entry.
stream_across() { # TAG LINES
	local i
	for i in $(seq "$2"); do
		echo "$1-$i"
		sleep 0.2
	done | run_in img timeout 60 "$NC" -n -u -w 2 $OPS 162 >/dev/null 2>&1
}

stream_complete() { # TAG LINES
	local i
	for i in $(seq "$2"); do
		received udp 162 "$1-$i" ||
			{ echo "datagram $i of $2 missing"; return 1; }
	done
}

# Each switch holds from the moment set-policy returns.
switch_to_host() { # ROUND
	log "switch $1 to host at $(now_ms)"
	check "switch $1: to host placement" \
		run_in gw imgsecctl set-policy /tmp/gw-host.conf
	check_hooks "switch $1: only the host hooks are registered" \
		"$HOST_HOOKS"
	check_not "switch $1: at once the router's input is filtered (intruder -> gw ssh)" \
		can_connect_tcp intruder 203.0.113.1 22
	check "switch $1: ops -> gw ssh allowed" \
		can_connect_tcp ops 203.0.113.1 22
	check "switch $1: forwarded traffic is not filtered (intruder -> img 24)" \
		can_connect_tcp intruder $IMG 24
}

switch_to_gateway() { # ROUND
	log "switch $1 to gateway at $(now_ms)"
	check "switch $1: back to gateway placement" \
		run_in gw imgsecctl set-policy /tmp/gateway.conf
	check_hooks "switch $1: only the forward hooks are registered" \
		"$GW_HOOKS"
	check_not "switch $1: at once forwarded traffic is filtered (intruder -> img 24)" \
		can_connect_tcp intruder $IMG 24
	check_not "switch $1: over IPv6 too" can_connect_tcp intruder $IMG6 24
	check "switch $1: the router's input is not filtered (intruder -> gw ssh)" \
		can_connect_tcp intruder 203.0.113.1 22
}

not_pending() { # NS
	! run_in "$1" imgsecctl status | grep -qi 'pending revert'
}

# A host policy set with --confirm over the gateway one: while its revert
# is pending both placements' hooks are in place, the host policy alone
# is enforced; when the timer restores the gateway policy its forward
# hooks enforce it at once, with nothing to register (nothing can fail).
pending_switch() {
	check "pending: host placement with --confirm 8" \
		run_in gw imgsecctl set-policy --confirm 8 /tmp/gw-host.conf
	check_hooks "pending: the hooks of both placements are registered" \
		"ip/input ip/forward ip/output ip6/input ip6/forward ip6/output "
	check_not "pending: the host policy filters the router's input" \
		can_connect_tcp intruder 203.0.113.1 22
	check "pending: forwarded traffic is not filtered" \
		can_connect_tcp intruder $IMG 24
	check "pending: the revert restores the gateway policy" \
		busywait 20000 not_pending gw
	check "pending: after the revert, gateway placement in force" \
		sh -c "$IP netns exec gw imgsecctl status | grep -q 'gateway placement'"
	check_not "pending: after the revert forwarded traffic is filtered at once" \
		can_connect_tcp intruder $IMG 24
	check_not "pending: over IPv6 too" can_connect_tcp intruder $IMG6 24
	check "pending: after the revert the router's input is not filtered" \
		can_connect_tcp intruder 203.0.113.1 22
	check_hooks "pending: after the revert only the forward hooks" \
		"$GW_HOOKS"
}

placement_switches() {
	local loop stream rounds=3 i oks fails
	write_host_policy
	# nft list hooks asks the kernel's nfnetlink_hook.
	modprobe nfnetlink_hook 2>/dev/null && HOOK_LIST=y
	check_hooks "placement: the gateway policy has only the forward hooks" \
		"$GW_HOOKS"
	rm -f "$E2E_STATE/stop-loop"
	connect_loop "$E2E_STATE/loop.out" &
	loop=$!
	stream_across stream 40 &
	stream=$!
	for i in $(seq $rounds); do
		switch_to_host "$i"
		switch_to_gateway "$i"
	done
	touch "$E2E_STATE/stop-loop"
	wait "$loop"
	wait "$stream"
	oks=$(grep -c '^ok ' "$E2E_STATE/loop.out")
	fails=$(grep -c '^failed ' "$E2E_STATE/loop.out")
	grep '^failed ' "$E2E_STATE/loop.out"
	log "connections ops -> img during the switches: $oks passed, $fails failed"
	check "placement: no allowed connection failed during $((rounds * 2)) switches ($oks passed)" \
		test "$oks" -ge "$rounds" -a "$fails" -eq 0
	check "placement: a connection open across the switches lost nothing" \
		stream_complete stream 40
	pending_switch
	must run_in gw imgsecctl flush
	check_hooks "placement: flush takes every hook out" ""
}

trap 'rc=$?; gw_cleanup; (exit $rc); cleanup' EXIT
setup_gateway
write_policy
must modprobe imgsec
must publish_ftp
must run_in gw imgsecctl set-policy /tmp/gateway.conf
listen_tcp img 23
listen_tcp img 24
listen_udp ops 162
listen_tcp gw 22

check "gateway: ops -> img telnet is forwarded" can_connect_tcp ops $IMG 23
check "gateway: over IPv6 too" can_connect_tcp ops $IMG6 23
check_not "gateway: intruder -> img telnet refused" \
	can_connect_tcp intruder $IMG 23
check_not "gateway: ops -> img port 24 refused" can_connect_tcp ops $IMG 24
check "gateway: img -> ops SNMP trap is forwarded" can_send_udp img $OPS 162
check "gateway: refused with a TCP reset, not a silent drop (default reject)" \
	refused_at_once intruder $IMG 23
check "gateway: the router's own input is not filtered" \
	can_connect_tcp ops 203.0.113.1 22
check "gateway: passive FTP through DNAT (227 rewritten, data connection)" \
	ftp_passive_nat
check "gateway: active FTP through DNAT (PORT, connection back from 20)" \
	ftp_active_nat
check_not "gateway: the intruder's neighbour solicitation and MLD report to img do not cross" \
	nd_crosses_router
listen_tcp img 2222
check_not "gateway: ops cannot reach img tcp 2222" can_connect_tcp ops $IMG 2222
spoof_reply
check_not "gateway: a portmap reply forged on the client's side opens nothing" \
	can_connect_tcp ops $IMG 2222
wrong=$(run_in gw imgsecctl stats --json | tr ',{}' '\n\n\n' |
	sed -n 's/^ *"wrong_side": *\([0-9]*\).*/\1/p' | head -n 1)
check "gateway: it is counted as from the wrong side ($wrong)" \
	test "${wrong:-0}" -ge 1
dropped=$(run_in gw imgsecctl stats --json | tr ',{}' '\n\n\n' |
	sed -n 's/^ *"dropped": *\([0-9]*\).*/\1/p' | head -n 1)
check "gateway: refusals counted ($dropped)" test "${dropped:-0}" -ge 2
check "gateway: the IMGs' own namespace has no policy" \
	sh -c "$IP netns exec img imgsecctl show | grep -qi 'no policy'"
placement_switches
summary
