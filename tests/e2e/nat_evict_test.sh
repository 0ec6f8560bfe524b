#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A rewritten TCP reply outlives its connection's helper state (issue: the
# review of tcp-nat). gw keeps the last rewritten reply segment in the
# connection's state (rpc_conn.h) to rewrite gcems's retransmission of it
# again; states are bounded (rpc_max_conns) and the least recently used is
# evicted. Evicted after the rewrite and before img1 has the segment, the
# retransmission must not reach img1 unrewritten (gcems's uaddr, a record
# mark of the old length, numbered by seqadj for the rewritten one):
#
#   img1  198.51.100.11 --- imgnet [gw] srvnet --- gcems 192.0.2.1
#
#   1. img1 drops the reply segments (gcems retransmits, backing off);
#      once gw rewrote the reply, a second connection from img1 takes the
#      only state (rpc_max_conns=1), evicting the first's; then img1 stops
#      dropping.
#   2. The lookup's reply, if any, names the public address; tcpdump on
#      imgnet never shows gcems's uaddr. With the state gone gw cannot
#      rewrite the retransmission and drops it: the lookup times out.
# Runs inside the test VM: tests/vm/run.sh tests/e2e/nat_evict_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/e2e/rpc_lib.sh
. "$(dirname "$0")/rpc_lib.sh"

# shellcheck source=tests/e2e/nat_lib.sh
. "$(dirname "$0")/nat_lib.sh"

PARAM=/sys/module/imgsec/parameters/rpc_max_conns

setup_nat_gateway

gw_flush
echo 1 >"$PARAM"
# All but those to the evicting connection (img1 port 30000, below).
must lose_replies 999999 30000
run_in gw timeout 20 tcpdump -Z root -l -n -A -i imgnet tcp port 111 \
	>"$E2E_STATE/evict-imgnet.txt" 2>&1 &
n=0
while [ $n -lt 50 ] && ! grep -q '^listening' "$E2E_STATE/evict-imgnet.txt"; do
	sleep 0.2
	n=$((n + 1))
done
sleep 0.5
r0=$(gw_counter nat_rewritten)
o0=$(gw_counter overflows)
lookup img1 "$PUB4" -U -P 100005 -V 3 -t tcp -x tcp -v 4 -T 8 \
	>"$E2E_STATE/evict.out" 2>&1 &
lk=$!
n=0
while [ $n -lt 40 ]; do
	[ "$(gw_counter nat_rewritten)" -gt "${r0:-0}" ] 2>/dev/null && break
	sleep 0.1
	n=$((n + 1))
done
log "rewritten after $n polls; evicting"
run_in img1 timeout 8 "$RPCSEND" -t tcp -n 1 -B 30000 flood "$PUB4" >/dev/null 2>&1
o1=$(gw_counter overflows)
# Only now may img1 have a copy: the next one comes after the eviction.
run_in img1 nft list table inet lose | grep counter
run_in img1 nft delete table inet lose
wait $lk
kill %1 2>/dev/null
wait
out=$(cat "$E2E_STATE/evict.out")
port=$(sed -n 's/^\([0-9][0-9]*\) .*/\1/p' <<<"$out" | head -n 1)
up="$PUB4.$((${port:-0} >> 8)).$((${port:-0} & 255))"
log "lookup: '$(tr '\n' ';' <<<"$out")', overflows +$((${o1:-0} - ${o0:-0}))"
log "imgnet: $(grep 'IP ' "$E2E_STATE/evict-imgnet.txt" | tr '\n' ';')"
check "no reply: gw dropped what it could not rewrite again" \
	test -z "$port"
check "a state was evicted (overflows +1)" test "$((${o1:-0} - ${o0:-0}))" -ge 1
check_not "imgnet: img1 is never sent gcems's uaddr ($G4.*)" \
	grep -qF "$G4." "$E2E_STATE/evict-imgnet.txt"
check_not "img1 read gcems's uaddr" grep -qF " $G4." "$E2E_STATE/evict.out"
check_not "img1 read a port with something other than $up" \
	sh -c "grep '^[0-9]' '$E2E_STATE/evict.out' | grep -vqxF '${port:-0} $up'"
echo 1024 >"$PARAM"
log "total $(elapsed)"
summary
