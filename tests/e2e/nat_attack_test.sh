#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Attacks on the helper's NAT reply rewrite (issue 12, an adversarial
# review of branch nat-rewrite), on nat_test.sh's gateway topology:
#
#   img1  198.51.100.11 --- imgnet [gw] srvnet --- gcems 192.0.2.1
#         the gateway publishes 198.51.100.10 (111 and 2049 DNATed to gcems)
#
# The review found that a rewritten TCP reply segment lost between gw and
# img1 went out unrewritten when gcems retransmitted it (the stream
# follower had read those bytes), and seqadj then shifted what followed:
# img1 read gcems's own address, or garbage. seqadj keeps one correction
# point per direction, so re-doing the rewrite is not enough once a later
# segment was rewritten (part 4). The helper therefore does not rewrite
# over TCP (UDP only): a TCP reply behind DNAT is counted as nat_failed,
# opens nothing, and reaches img1 as gcems sent it. What is checked here
# is that the stream stays whole under loss: every reply arrives, each
# names gcems's own address (never the public one, never garbage), every
# one is counted as nat_failed, none as nat_rewritten, nothing is expected.
#
#   1. (control) a GETADDR over TCP through the public address
#   2. the same, the reply segment lost between gw and img1 (img1 drops
#      the first one): gcems retransmits it
#   3. (control) two calls on one connection
#   4. two calls on one connection, the first reply's segment lost
#   5. 8 calls in one write (RPC_MAX_PENDING)
#   6. 1 and 2 again over IPv6 (DNAT66)
#   7. 9 calls in one write: one over the pending-call bound, the
#      connection is untrusted (counted once as untrusted) and the helper
#      reads none of its replies: none is counted as nat_failed either
#      (nat_failed counts the replies the helper read, doc/imgsecctl.8)
#
# Against the helper before d08c18d (TCP replies rewritten) 30 of these
# 44 checks fail on 6.1: every TCP reply was rewritten and opened a hole,
# and with a reply segment lost img1 read gcems's address in the
# retransmission (parts 2, 6) or no reply at all (part 4: the stream broke).
# Runs inside the test VM: tests/vm/run.sh tests/e2e/nat_attack_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/e2e/rpc_lib.sh
. "$(dirname "$0")/rpc_lib.sh"

# The topology and helpers below are nat_test.sh's.
HOSTS="gcems img1 gw"
SWITCH=nat-none
IMG4=198.51.100.11
IMG6=2001:db8:1::11
PUB4=198.51.100.10
PUB6=2001:db8:1::10
GW4=192.0.2.254 # the gateway on gcems's side (masquerade)
GW6=2001:db8::fe
ETHFEAT=$(dirname "$RPCSEND")/ethfeat
[ -x "$ETHFEAT" ] || die "$ETHFEAT is missing: make tools"
T_START=$(now_ms)

# gcems exports to img1, and to the gateway for the masquerade part.
write_exports() {
	local opts=rw,sync,no_subtree_check,no_root_squash,fsid=1
	echo "$NFS_EXPORT $IMG4($opts) $IMG6($opts) $GW4($opts) $GW6($opts)" \
		>/etc/exports
}

link() { # NS IFNAME PEER_NS PEER_IFNAME
	must "$IP" -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	must "$IP" -n "$1" link set "$2" up
	must "$IP" -n "$3" link set "$4" up
}

setup_nat_topology() {
	local ns
	for ns in $HOSTS; do
		must "$IP" netns add "$ns"
		must "$IP" -n "$ns" link set lo up
	done
	must run_in gw sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
	link img1 eth0 gw imgnet
	link gcems eth0 gw srvnet
	must "$IP" -n img1 addr add $IMG4/24 dev eth0
	must "$IP" -n img1 addr add $IMG6/64 dev eth0 nodad
	must "$IP" -n img1 route add default via 198.51.100.1
	must "$IP" -n img1 -6 route add default via 2001:db8:1::1
	must "$IP" -n gw addr add 198.51.100.1/24 dev imgnet
	must "$IP" -n gw addr add $PUB4/24 dev imgnet
	must "$IP" -n gw addr add 2001:db8:1::1/64 dev imgnet nodad
	must "$IP" -n gw addr add $PUB6/64 dev imgnet nodad
	must "$IP" -n gw addr add $GW4/24 dev srvnet
	must "$IP" -n gw addr add $GW6/64 dev srvnet nodad
	must "$IP" -n gcems addr add "$G4/24" dev eth0
	must "$IP" -n gcems addr add "$G6/64" dev eth0 nodad
	must "$IP" -n gcems route add default via $GW4
	must "$IP" -n gcems -6 route add default via $GW6
	# A kernel MNT call over TCP whose SYNs go nowhere is not killable
	# for 180 s (see rpc_helper_test.sh): 4 SYN retries bound it.
	must run_in img1 sysctl -q -w net.ipv4.tcp_syn_retries=4
	busywait 5000 run_in img1 ping -c 1 -W 1 "$G4" >/dev/null ||
		die "no route from img1 to gcems through gw"
	busywait 5000 run_in img1 ping -c 1 -W 1 "$G6" >/dev/null ||
		die "no IPv6 route from img1 to gcems through gw"
}

# The public address's portmap and NFS ports lead to gcems.
publish() {
	run_in gw nft -f - <<-EOF
	table ip nat4 {
		chain pre {
			type nat hook prerouting priority dstnat;
			ip daddr $PUB4 udp dport { 111, 2049 } dnat to $G4
			ip daddr $PUB4 tcp dport { 111, 2049 } dnat to $G4
		}
		chain post {
			type nat hook postrouting priority srcnat;
		}
	}
	table ip6 nat6 {
		chain pre {
			type nat hook prerouting priority dstnat;
			ip6 daddr $PUB6 udp dport { 111, 2049 } dnat to $G6
			ip6 daddr $PUB6 tcp dport { 111, 2049 } dnat to $G6
		}
	}
	EOF
}

write_policy() {
	cat >/tmp/nat.conf <<-EOF
	mode enforce
	default reject
	placement gateway
	role img $IMG4 $IMG6
	role gcems $G4 $G6
	allow img -> gcems udp 111 helper rpc "PortMap"
	allow img -> gcems tcp 111 helper rpc "PortMap over TCP"
	allow img -> gcems tcp 2049 "NFS over TCP"
	EOF
}

# Start each part afresh: no connection nor expectation of the last.
gw_flush() {
	run_in gw conntrack -F -f ipv4 >/dev/null 2>&1
	run_in gw conntrack -F -f ipv6 >/dev/null 2>&1
	run_in gw conntrack -F expect >/dev/null 2>&1
}

gw_expectations() {
	{
		run_in gw conntrack -L expect -f ipv4
		run_in gw conntrack -L expect -f ipv6
	} 2>/dev/null | grep .
}

# The helper's expectation on gw: img1 -> the public address:PORT.
gw_expects() { # SRC DST DPORT PROTO
	gw_expectations | grep -q "proto=$4 src=$1 dst=$2 sport=0 dport=$3 " ||
		{ echo "no $1 -> $2:$3/$4 in: $(gw_expectations | tr '\n' ';')"; return 1; }
}

gw_counter() { # NAME
	run_in gw imgsecctl stats --json 2>/dev/null | json_num "$1"
}

# img1 drops the first N data segments from the public address's port 111
# (the rewritten reply), so that gcems retransmits them.
lose_replies() { # N
	run_in img1 nft -f - <<-EOT
	table inet lose {
		chain in {
			type filter hook input priority filter;
			ip saddr $PUB4 tcp sport 111 meta length > 60 numgen inc mod 1000000 < $1 counter drop
			ip6 saddr $PUB6 tcp sport 111 meta length > 100 numgen inc mod 1000000 < $1 counter drop
		}
	}
	EOT
}

lost_count() {
	run_in img1 nft list table inet lose |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }'
}

unlose() {
	run_in img1 nft delete table inet lose 2>/dev/null
	true
}

# A GETADDR of mountd over TCP (-r N calls on one connection), the first
# LOST reply segments dropped by img1: every reply arrives and names
# gcems's own address G (TCP replies are not rewritten), each counted as
# nat_failed, and nothing is opened.
getaddr_tcp() { # NAME N LOST [PUB G]
	local name=$1 n=$2 lost=$3 pub=${4:-$PUB4} g=${5:-$G4} out r0 r1 f0 f1 l
	gw_flush
	[ "$lost" = 0 ] || must lose_replies "$lost"
	run_in gw timeout 6 tcpdump -Z root -l -n -i imgnet tcp port 111 \
		>"$E2E_STATE/lose.txt" 2>&1 &
	sleep 2
	r0=$(gw_counter nat_rewritten)
	f0=$(gw_counter nat_failed)
	out=$(lookup img1 "$pub" -U -P 100005 -V 3 -t tcp -x tcp -v 4 -r "$n")
	r1=$(gw_counter nat_rewritten)
	f1=$(gw_counter nat_failed)
	l=$(lost_count 2>/dev/null)
	unlose
	wait
	log "$name: tcpdump on imgnet: $(grep -v '^tcpdump\|^listening\|packets' "$E2E_STATE/lose.txt" | tr '\n' ';')"
	log "$name: rpcsend: '$(tr '\n' ';' <<<"$out")' lost ${l:-0}, nat_rewritten +$((${r1:-0} - ${r0:-0})), nat_failed +$((${f1:-0} - ${f0:-0}))"
	[ "$lost" = 0 ] || check "$name: img1 dropped a reply segment (${l:-0})" \
		test "${l:-0}" -ge 1
	check "$name: $n replies, each names gcems's own $g (got: $(tr '\n' ';' <<<"$out"))" \
		test "$(grep -c . <<<"$out")" = "$n" -a \
		"$(grep -cF " $g." <<<"$out")" = "$n"
	check_not "$name: none names $pub" \
		grep -qF " $pub." <<<"$out"
	check "$name: each counted as nat_failed on gw" \
		counter_is nat_failed "$((${f1:-0} - ${f0:-0}))" -eq "$n"
	check "$name: none as nat_rewritten" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq 0
	check_not "$name: nothing expected on gw" gw_expectations
}

# More calls pending than the helper keeps: the connection is untrusted,
# no reply is read, so none is rewritten nor counted as nat_failed.
over_pending() {
	local out f0 f1 r0 r1 u0 u1 b
	gw_flush
	r0=$(gw_counter nat_rewritten)
	f0=$(gw_counter nat_failed)
	u0=$(gw_counter untrusted)
	out=$(lookup img1 $PUB4 -U -P 100005 -V 3 -t tcp -x tcp -v 4 -r 9)
	r1=$(gw_counter nat_rewritten)
	f1=$(gw_counter nat_failed)
	u1=$(gw_counter untrusted)
	b=$(grep -cF " $G4." <<<"$out")
	log "9 calls: $b replies name $G4, nat_rewritten +$((${r1:-0} - ${r0:-0})), nat_failed +$((${f1:-0} - ${f0:-0})), untrusted +$((${u1:-0} - ${u0:-0}))"
	check "9 calls: img1 got 9 replies, each names $G4 ($b)" \
		test "$(grep -c . <<<"$out")" = 9 -a "$b" = 9
	check "9 calls: the connection counted as untrusted once" \
		counter_is untrusted "$((${u1:-0} - ${u0:-0}))" -eq 1
	check "9 calls: no reply counted as nat_failed (none read)" \
		counter_is nat_failed "$((${f1:-0} - ${f0:-0}))" -eq 0
	check "9 calls: none as nat_rewritten" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq 0
	check_not "9 calls: nothing expected on gw" gw_expectations
}

setup_nat_topology
must publish
write_policy
check "modprobe imgsec" modprobe imgsec
must run_in gw imgsecctl set-policy /tmp/nat.conf
start_nfs_server
log "set up in $(elapsed)"

getaddr_tcp "control" 1 0
getaddr_tcp "reply lost, retransmitted" 1 1
getaddr_tcp "2 calls (control)" 2 0
getaddr_tcp "2 calls, first reply lost" 2 1
getaddr_tcp "8 calls in one write" 8 0
getaddr_tcp "ipv6 (control)" 1 0 $PUB6 "$G6"
getaddr_tcp "ipv6 reply lost, retransmitted" 1 1 $PUB6 "$G6"
over_pending

echo "# imgsecctl stats in gw:"
run_in gw imgsecctl stats 2>&1 | sed 's/^/#   /'
log "total $(elapsed)"
summary
