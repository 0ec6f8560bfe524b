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
# point per direction, so the helper rewrites a TCP reply segment only once
# img1 has acknowledged everything before it, and rewrites a retransmission
# of the last rewritten segment again the same way (helper.c). Checked
# here: every reply arrives whole; a reply to a call sent alone names the
# public address (the uaddr grows: 192.0.2.1 -> 198.51.100.10), also when
# gcems sent it again, and opens mountd's port; tcpdump on imgnet never
# shows gcems's uaddr, on srvnet it shows gcems's; counters add up.
#
#   1. (control) a GETADDR over TCP through the public address
#   2. the same, the reply segment lost between gw and img1 (img1 drops
#      the first one): gcems retransmits it, gw rewrites it again
#   3. (control) two calls one after the other on one connection
#   4. the same, the first reply's segment lost
#   5. 8 and 9 calls one after the other on one connection, a reply lost
#   6. img1's acknowledgement of the reply lost (gcems drops it and the
#      FIN): gcems retransmits a segment img1 has; img1 does not reset
#   7. 1 and 2 again over IPv6 (DNAT66)
#   8. 2 and 8 calls in one write: the first reply is rewritten, a reply
#      sent before img1 acknowledged the one before it is not (nat_failed,
#      names gcems), none is garbage
#   9. 9 calls in one write: one over the pending-call bound, the
#      connection is untrusted (counted once as untrusted) and the helper
#      reads none of its replies: none is counted as nat_failed either
#      (nat_failed counts the replies the helper read, doc/imgsecctl.8)
#  10. 2 and 8 calls in one write, gcems's first reply lost before gw: gw
#      drops the replies that come past the gap until the first comes
#      again, and the helper keeps reading: the first names the public
#      address (fed past the gap, the helper stopped reading for good)
#  11. 2 calls in one write, img1 loses the first (rewritten) reply and
#      SACKs the second: no reset, both arrive (was tests/e2e/
#      nat_sack_repro.sh, a known failure: conntrack took the ACK for
#      invalid and gw reset the connection)
#  12. gcems's reply cut at 36 bytes (42 over IPv6: test_straddle in
#      nat_test.sh says why), its uaddr straddling two segments
#      (rewritten across them, helper.c imgsec_rpc_nat_plan()): img1
#      loses the first segment (the head, rewritten keeping its length;
#      IPv4) or the second (the rest, which takes the change of length;
#      IPv6): gcems sends it again, gw rewrites it again the same way, img1
#      reads the public address and no reset
#
# With the retransmission not rewritten again (imgsec_rpc_nat_again()
# made to return at once) 32 of the 99 checks of parts 1-9 failed on 6.1, every part
# with a loss (img1 was sent gcems's uaddr, reset the connection, or lost
# the replies after the first), none of the controls.
# Runs inside the test VM: tests/vm/run.sh tests/e2e/nat_attack_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/e2e/rpc_lib.sh
. "$(dirname "$0")/rpc_lib.sh"

# shellcheck source=tests/e2e/nat_lib.sh
. "$(dirname "$0")/nat_lib.sh"

lost_count() {
	run_in img1 nft list table inet lose |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }'
}

unlose() {
	run_in img1 nft delete table inet lose 2>/dev/null
	true
}

# tcpdump -A on both sides of gw while a test runs, from when both say
# they listen (on the debug kernel that took over 2 s).
capture() { # NAME
	local i n=0
	for i in imgnet srvnet; do
		run_in gw timeout 14 tcpdump -Z root -l -n -A -i $i tcp port 111 \
			>"$E2E_STATE/$1-$i.txt" 2>&1 &
	done
	while [ $n -lt 50 ]; do
		grep -q '^listening' "$E2E_STATE/$1-imgnet.txt" &&
			grep -q '^listening' "$E2E_STATE/$1-srvnet.txt" && break
		sleep 0.2
		n=$((n + 1))
	done
	sleep 0.5
}

# Lines of the capture on IF with the text STR.
seen() { # NAME IF STR
	grep -cF "$3" "$E2E_STATE/$1-$2.txt"
}

uaddr_of() { # ADDR PORT
	echo "$1.$(($2 >> 8)).$(($2 & 255))"
}

# GETADDRs of mountd over TCP, N calls one after the other on one
# connection, the first LOST reply segments dropped by img1: every reply
# names the public address PUB, each counted as nat_rewritten, mountd's
# port is expected on gw; on the wire img1 is never sent gcems's uaddr,
# and with a loss gw rewrote gcems's retransmission too.
getaddr_tcp() { # NAME N LOST [PUB G]
	local name=$1 n=$2 lost=$3 pub=${4:-$PUB4} g=${5:-$G4} out r0 r1 f0 f1 l
	local port up ug img
	img=$([ "$pub" = "$PUB6" ] && echo $IMG6 || echo $IMG4)
	gw_flush
	[ "$lost" = 0 ] || must lose_replies "$lost"
	capture lose
	r0=$(gw_counter nat_rewritten)
	f0=$(gw_counter nat_failed)
	out=$(lookup img1 "$pub" -U -P 100005 -V 3 -t tcp -x tcp -v 4 -n "$n")
	r1=$(gw_counter nat_rewritten)
	f1=$(gw_counter nat_failed)
	l=$(lost_count 2>/dev/null)
	unlose
	wait
	port=$(head -n 1 <<<"$out")
	port=${port%% *}
	up=$(uaddr_of "$pub" "${port:-0}")
	ug=$(uaddr_of "$g" "${port:-0}")
	log "$name: rpcsend: '$(tr '\n' ';' <<<"$out")' lost ${l:-0}, nat_rewritten +$((${r1:-0} - ${r0:-0})), nat_failed +$((${f1:-0} - ${f0:-0})); imgnet: $(seen lose imgnet "$up") x $up, $(seen lose imgnet "$ug") x $ug; srvnet: $(seen lose srvnet "$ug") x $ug"
	[ "$lost" = 0 ] || check "$name: img1 dropped a reply segment (${l:-0})" \
		test "${l:-0}" -ge 1
	check "$name: $n replies, each names the public $up" \
		test "$(grep -c . <<<"$out")" = "$n" -a \
		"$(grep -cxF "${port:-0} $up" <<<"$out")" = "$n"
	check "$name: each counted as nat_rewritten on gw" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq "$n"
	check "$name: none as nat_failed" \
		counter_is nat_failed "$((${f1:-0} - ${f0:-0}))" -eq 0
	check "$name: gw expects img1 -> $pub:$port/tcp" \
		gw_expects "$img" "$pub" "${port:-0}" 6
	check "$name: srvnet: gcems's replies name $ug" \
		test "$(seen lose srvnet "$ug")" -ge "$((n + (lost > 0)))"
	check "$name: imgnet: img1 is sent $up (retransmissions too)" \
		test "$(seen lose imgnet "$up")" -ge "$((n + (lost > 0)))"
	check_not "$name: imgnet: never $ug" \
		grep -qF "$ug" "$E2E_STATE/lose-imgnet.txt"
	check_not "$name: imgnet: img1 resets nothing" \
		grep -q "$img\.[0-9]* > .*Flags \[R" "$E2E_STATE/lose-imgnet.txt"
	grep -q 'Flags \[R' "$E2E_STATE/lose-imgnet.txt" &&
		log "$name: imgnet: $(grep 'IP6\? ' "$E2E_STATE/lose-imgnet.txt" | tr '\n' ';')"
	true
}

# gcems drops img1's first acknowledgements after the handshake (pure ACK,
# FIN, and two more: on the debug kernel img1's FIN went out again, with
# the ACK, before gcems's timer fired): gcems retransmits the reply img1
# already has, gw rewrites it again, and img1 takes it as the copy it is
# (no reset, no garbage).
ack_lost() {
	local out r0 r1 port up ug l
	gw_flush
	must run_in gcems nft -f - <<-EOT
	table inet loseack {
		chain in {
			type filter hook input priority filter;
			ip saddr $IMG4 tcp dport 111 meta length < 60 tcp flags & (syn|rst) == 0 numgen inc mod 1000000 1-4 counter drop
		}
	}
	EOT
	capture ack
	r0=$(gw_counter nat_rewritten)
	out=$(lookup img1 $PUB4 -U -P 100005 -V 3 -t tcp -x tcp -v 4)
	sleep 3
	r1=$(gw_counter nat_rewritten)
	l=$(run_in gcems nft list table inet loseack |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	run_in gcems nft delete table inet loseack
	wait
	port=${out%% *}
	up=$(uaddr_of $PUB4 "${port:-0}")
	ug=$(uaddr_of "$G4" "${port:-0}")
	log "ack lost: rpcsend '$out', gcems dropped ${l:-0}; srvnet $(seen ack srvnet "$ug") x $ug; imgnet $(seen ack imgnet "$up") x $up, $(seen ack imgnet "$ug") x $ug: $(grep -v '^tcpdump\|^listening\|packets' "$E2E_STATE/ack-imgnet.txt" | grep 'IP ' | tr '\n' ';')"
	check "ack lost: gcems dropped img1's ACKs (${l:-0})" test "${l:-0}" -ge 1
	check "ack lost: the reply names $up" test "$out" = "${port:-0} $up"
	check "ack lost: gcems sent the reply again (srvnet)" \
		test "$(seen ack srvnet "$ug")" -ge 2
	check "ack lost: img1 is sent $up each time (imgnet)" \
		test "$(seen ack imgnet "$up")" -ge 2
	check_not "ack lost: imgnet: never $ug" \
		grep -qF "$ug" "$E2E_STATE/ack-imgnet.txt"
	check_not "ack lost: imgnet: img1 resets nothing" \
		grep -q "$IMG4\.[0-9]* > .*Flags \[R" "$E2E_STATE/ack-imgnet.txt"
	check "ack lost: counted once as nat_rewritten" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq 1
}

# N calls in one write (part NAME): all replies arrive, the first names the
# public address; each names it or gcems (never anything else), as counted.
pipelined() { # N [NAME]
	local n=$1 name=${2:-$1 in one write} out r0 r1 f0 f1 p g
	gw_flush
	r0=$(gw_counter nat_rewritten)
	f0=$(gw_counter nat_failed)
	out=$(lookup img1 $PUB4 -U -P 100005 -V 3 -t tcp -x tcp -v 4 -r "$n")
	r1=$(gw_counter nat_rewritten)
	f1=$(gw_counter nat_failed)
	p=$(grep -cF " $PUB4." <<<"$out")
	g=$(grep -cF " $G4." <<<"$out")
	log "$name: '$(tr '\n' ';' <<<"$out")', nat_rewritten +$((${r1:-0} - ${r0:-0})), nat_failed +$((${f1:-0} - ${f0:-0}))"
	check "$name: $n replies, each names $PUB4 or $G4 ($p, $g)" \
		test "$(grep -c . <<<"$out")" = "$n" -a "$((p + g))" = "$n"
	check "$name: the first names $PUB4" \
		grep -qF " $PUB4." <<<"$(head -n 1 <<<"$out")"
	check "$name: nat_rewritten +$p" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq "$p"
	check "$name: nat_failed +$g" \
		counter_is nat_failed "$((${f1:-0} - ${f0:-0}))" -eq "$g"
}

# pipelined N with gcems's first reply segment lost before gw (gw drops it
# as it comes in, before conntrack sees it): the next comes to gw past a
# gap. Fed to the helper it would stop the stream for good and the first
# reply, sent again, would reach img1 unrewritten (gcems's uaddr). gw drops
# what comes past the gap until gcems sends the first again (nat_gaps).
gap_lost() { # N
	local n=$1 name="$1 in one write, gap" h0 h1 l
	must run_in gw nft -f - <<-EOT
	table inet losesrv {
		chain pre {
			type filter hook prerouting priority raw - 10;
			iifname srvnet meta nfproto ipv4 tcp sport 111 meta length > 60 numgen inc mod 1000000 < 1 counter drop
		}
	}
	EOT
	h0=$(gw_counter nat_gaps)
	pipelined "$n" "$name"
	h1=$(gw_counter nat_gaps)
	l=$(run_in gw nft list table inet losesrv |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	run_in gw nft delete table inet losesrv
	log "$name: gw dropped ${l:-0} coming in, nat_gaps +$((${h1:-0} - ${h0:-0}))"
	check "$name: gw lost gcems's first reply (${l:-0})" \
		test "${l:-0}" = 1
	check "$name: gw dropped what came past it (nat_gaps)" \
		counter_is nat_gaps "$((${h1:-0} - ${h0:-0}))" -ge 1
}

# pipelined 2 with img1 losing the first reply (rewritten, 4 bytes longer)
# and getting the second: its duplicate ACK carries a SACK block past the
# correction point. conntrack took that ACK for invalid (it takes every
# block back by the ACK's own offset), and gw's own stack reset the
# connection: img1 got no reply at all. With the client's side of the
# window check liberal until img1 acknowledges the rewritten segment, both
# replies arrive, the first rewritten when gcems sends it again.
sack_lost() {
	local l
	must lose_replies 1
	capture sack
	pipelined 2 sack
	l=$(lost_count 2>/dev/null)
	unlose
	wait
	log "sack: img1 lost ${l:-0}; imgnet: $(grep 'IP ' "$E2E_STATE/sack-imgnet.txt" | cut -c1-110 | tr '\n' ';')"
	check "sack: img1 lost the first reply (${l:-0})" test "${l:-0}" = 1
	check "sack: img1 sent a SACK block (imgnet)" \
		grep -q "$IMG4\.[0-9]* > .*sack 1" "$E2E_STATE/sack-imgnet.txt"
	check_not "sack: imgnet: no reset either way" \
		grep -q "Flags \[R" "$E2E_STATE/sack-imgnet.txt"
}

# Part 12: cut_replies MSS, and img1 drops gcems's NTH (0: the head, 1: the
# rest) reply segment with data (longer than any SYN-ACK). The reply still names the public address
# (a head or rest sent again unrewritten would give img1 a record whose
# mark, length and characters disagree), counted once, mountd's port
# expected, and gcems's segments are sent again on both sides of gw.
straddle_lost() { # NAME PUB G NTH MSS
	local name=$1 pub=$2 g=$3 nth=$4 mss=$5 out r0 r1 f0 f1 l port up img
	img=$([ "$pub" = "$PUB6" ] && echo $IMG6 || echo $IMG4)
	gw_flush
	must cut_replies "$mss"
	must run_in img1 nft -f - <<-EOT
	table inet lose {
		chain in {
			type filter hook input priority filter;
			ip saddr $PUB4 tcp sport 111 meta length > 60 numgen inc mod 1000000 $nth counter drop
			ip6 saddr $PUB6 tcp sport 111 meta length > 80 numgen inc mod 1000000 $nth counter drop
		}
	}
	EOT
	capture cut
	r0=$(gw_counter nat_rewritten)
	f0=$(gw_counter nat_failed)
	out=$(lookup img1 "$pub" -U -P 100005 -V 3 -t tcp -x tcp -v 4)
	r1=$(gw_counter nat_rewritten)
	f1=$(gw_counter nat_failed)
	l=$(lost_count 2>/dev/null)
	unlose
	must uncut_replies
	wait
	port=${out%% *}
	up=$(uaddr_of "$pub" "${port:-0}")
	log "$name: rpcsend '$out', img1 lost ${l:-0}; imgnet: $(grep 'IP6\? ' "$E2E_STATE/cut-imgnet.txt" | cut -c1-120 | tr '\n' ';')"
	check "$name: img1 lost one reply segment (${l:-0})" test "${l:-0}" = 1
	check "$name: the reply names $up" test "$out" = "${port:-0} $up"
	check "$name: counted once as nat_rewritten, not as nat_failed" \
		test "$((${r1:-0} - ${r0:-0})) $((${f1:-0} - ${f0:-0}))" = "1 0"
	check "$name: gw expects img1 -> $pub:$port/tcp" \
		gw_expects "$img" "$pub" "${port:-0}" 6
	check "$name: srvnet: gcems sent 3 segments with data or more" \
		test "$(grep -c "$g\.111 > .* length [1-9]" "$E2E_STATE/cut-srvnet.txt")" -ge 3
	check "$name: imgnet: so did gw, the first of $((mss - 12)) bytes" \
		test "$(grep -c "$pub\.111 > .* length [1-9]" "$E2E_STATE/cut-imgnet.txt")" -ge 3 -a \
		"$(grep -m1 "$pub\.111 > .* length [1-9]" "$E2E_STATE/cut-imgnet.txt" | sed 's/.* length //')" = $((mss - 12))
	check_not "$name: imgnet: img1 resets nothing" \
		grep -q "Flags \[R" "$E2E_STATE/cut-imgnet.txt"
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

setup_nat_gateway

getaddr_tcp "control" 1 0
getaddr_tcp "reply lost, retransmitted" 1 1
getaddr_tcp "2 calls (control)" 2 0
getaddr_tcp "2 calls, first reply lost" 2 1
getaddr_tcp "8 calls, first reply lost" 8 1
getaddr_tcp "9 calls, 2 replies lost" 9 2
ack_lost
getaddr_tcp "ipv6 (control)" 1 0 $PUB6 "$G6"
getaddr_tcp "ipv6 reply lost, retransmitted" 1 1 $PUB6 "$G6"
getaddr_tcp "ipv6 2 calls, first reply lost" 2 1 $PUB6 "$G6"
pipelined 2
pipelined 8
gap_lost 2
gap_lost 8
sack_lost
straddle_lost "straddle, head lost" $PUB4 "$G4" 0 48
straddle_lost "straddle tcp6, rest lost" $PUB6 "$G6" 1 54
over_pending

echo "# imgsecctl stats in gw:"
run_in gw imgsecctl stats 2>&1 | sed 's/^/#   /'
log "total $(elapsed)"
summary
