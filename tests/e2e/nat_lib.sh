# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The gateway topology of nat_test.sh, nat_attack_test.sh and
# nat_evict_test.sh (and nat_port_test.sh), sourced after
# lib.sh and rpc_lib.sh: img1 -- gw (DNAT of a public address to gcems,
# imgsec on it) -- gcems, and the helpers they use.

# No switch here: three namespaces, two links. lib.sh's cleanup removes
# these.
# shellcheck disable=SC2034 # HOSTS, SWITCH and T_START: for lib.sh
HOSTS="gcems img1 gw"
# shellcheck disable=SC2034
SWITCH=nat-none
IMG4=198.51.100.11
IMG6=2001:db8:1::11
PUB4=198.51.100.10
PUB6=2001:db8:1::10
GW4=192.0.2.254 # the gateway on gcems's side (masquerade)
GW6=2001:db8::fe
ETHFEAT=$(dirname "$RPCSEND")/ethfeat
[ -x "$ETHFEAT" ] || die "$ETHFEAT is missing: make tools"
# shellcheck disable=SC2034
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

# The whole set-up of a test through gw: the topology, the published ports,
# write_policy's policy on gw, and gcems's NFS server. Counts one check.
setup_nat_gateway() {
	setup_nat_topology
	must publish
	write_policy
	check "modprobe imgsec" modprobe imgsec
	must run_in gw imgsecctl set-policy /tmp/nat.conf
	start_nfs_server
	log "set up in $(elapsed)"
}

# gcems's TCP segments to img1 cut at MSS - 12 bytes (36 by default): gw
# clamps the MSS in img1's SYNs (timestamps take 12; no IPv6 route MTU is
# below 1280), gcems segments in software (TSO off) so that gw sees them.
cut_replies() { # [MSS]
	run_in gw nft -f - <<-EOT || return
	table inet clamp {
		chain mss {
			type filter hook forward priority mangle;
			tcp flags syn tcp option maxseg size set ${1:-48}
		}
	}
	EOT
	run_in gcems "$ETHFEAT" eth0 tso off
}

uncut_replies() {
	run_in gcems "$ETHFEAT" eth0 tso on
	run_in gw nft delete table inet clamp
}

# img1 drops the first N data segments from the public address's port 111
# (the rewritten reply), so that gcems retransmits them; with SPARE, none
# of those to img1's port SPARE.
lose_replies() { # N [SPARE]
	local spare=${2:+tcp dport != $2}
	run_in img1 nft -f - <<-EOT
	table inet lose {
		chain in {
			type filter hook input priority filter;
			ip saddr $PUB4 tcp sport 111 $spare meta length > 60 numgen inc mod 1000000 < $1 counter drop
			ip6 saddr $PUB6 tcp sport 111 $spare meta length > 100 numgen inc mod 1000000 < $1 counter drop
		}
	}
	EOT
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
