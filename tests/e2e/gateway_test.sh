#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Gateway placement: imgsec on a Linux router in front of the IMGs filters
# forwarded traffic only. Two subnets, the router "gw" between them:
#   imgnet  198.51.100.0/24  2001:db8:1::/64   img (.11 / ::11)
#   opsnet  203.0.113.0/24   2001:db8:2::/64   ops (.21 / ::21), intruder (.99)
# The policy lets ops reach the IMG's telnet and the IMGs send SNMP traps
# to ops; nothing else crosses, and the router's own traffic is not filtered.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/gateway_test.sh
. "$(dirname "$0")/lib.sh"

IMG=198.51.100.11
OPS=203.0.113.21
IMG6=2001:db8:1::11

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
EOF
}

# "Connection refused" within the timeout: a reset came back.
refused_at_once() { # NS ADDR PORT
	run_in "$1" timeout 5 "$NC" -n -v -z -w 4 "$2" "$3" 2>&1 | grep -q refused
}

trap 'rc=$?; gw_cleanup; (exit $rc); cleanup' EXIT
setup_gateway
write_policy
must modprobe imgsec
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
dropped=$(run_in gw imgsecctl stats --json | tr ',{}' '\n\n\n' |
	sed -n 's/^ *"dropped": *\([0-9]*\).*/\1/p' | head -n 1)
check "gateway: refusals counted ($dropped)" test "${dropped:-0}" -ge 2
check "gateway: the IMGs' own namespace has no policy" \
	sh -c "$IP netns exec img imgsecctl show | grep -qi 'no policy'"
summary
