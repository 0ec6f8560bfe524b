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

# shellcheck source=tests/e2e/nat_lib.sh
. "$(dirname "$0")/nat_lib.sh"

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
