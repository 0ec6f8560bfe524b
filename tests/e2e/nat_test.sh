#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The imgsec-rpc helper on a NAT gateway (issue 12, first part): the
# follow-up connection a portmap reply opens is translated like the portmap
# connection itself (nf_nat_follow_master, to the port the reply named),
# and an rpcbind GETADDR/GETVERSADDR reply, whose uaddr names gcems's own
# address, is rewritten to name the public address. The port is never
# rewritten: only port-preserving NAT is covered here.
#
#   img1  198.51.100.11 2001:db8:1::11 --- imgnet [gw] srvnet --- gcems
#         the gateway publishes 198.51.100.10 / 2001:db8:1::10      192.0.2.1
#         (ports 111 and 2049 DNATed to gcems)                      2001:db8::1
#
# imgsec runs on gw (placement gateway) and lets img1 reach portmap (with
# the rpc helper) and NFS on gcems, nothing else: mountd's dynamic port is
# opened by the helper's expectation only.
#
#   1. IPv6, DNAT66: a fake rpcbind (tests/tools/rpcsend serve) whose
#      GETADDR reply names the public address already: not rewritten; the
#      UDP follow-up reaches gcems through the expectation. Then a fake
#      rpcbind over TCP whose reply is cut inside its uaddr: rewritten
#      across the two segments; written with its rest cut in two again,
#      dropped, every copy (nat_failed, nothing expected)
#   5. (run second) the real rpcbind's GETADDR v3/v4 and GETVERSADDR
#      replies through the public address, over UDP and UDP6: the client
#      reads the public address in the uaddr and the follow-up reaches
#      mountd. Over TCP and TCP6 too (one call, two calls one after the
#      other on one connection; loss: nat_attack_test.sh). A TCP reply cut
#      into 36-byte segments (the uaddr straddles two), over IPv4 and IPv6,
#      is rewritten across them: the same checks hold; through a DNAT of
#      the port only, the same cut reply needs no rewrite and passes
#   2. IPv4, DNAT: GETPORT of mountd over UDP and over TCP through the
#      public address, then an RPC NULL call to the port it returned
#   3. real NFSv3 mounts through the public address, mountproto=udp and
#      mountproto=tcp (the NFS connection to 2049 matches an expectation
#      too: mount.nfs looks 2049 up); over IPv6 through DNAT66 too,
#      mountproto=udp6 and mountproto=tcp6 (GETADDR over UDP and TCP, the
#      reply rewritten)
#   4. the same with masquerade towards gcems as well (gcems has no route
#      back to img1: it sees the gateway only), and masquerade alone
#      (img1 asks gcems's own address). Masquerade is set up after the
#      hook attached the helper: before 6.0 (5.10) it took the helper off
#      again unless the entry is marked IPS_HELPER (hook.c)
#
# Before the fix (helper.c left the expectation's saved_proto at 0) every
# follow-up was translated to gcems's port 0: all the follow-ups and
# mounts here failed.
# Before the rewrite, the client read gcems's own address in every
# GETADDR reply here, the helper counted it as bad_address and opened
# nothing: part 5, UDP only then, failed all its 24 checks (55 in all).
# Runs inside the test VM: tests/vm/run.sh tests/e2e/nat_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/e2e/rpc_lib.sh
. "$(dirname "$0")/rpc_lib.sh"

# shellcheck source=tests/e2e/nat_lib.sh
. "$(dirname "$0")/nat_lib.sh"
FAKE_PORT=4046 # what the fake rpcbind announces

# A NULL call to mountd v3 at ADDR:PORT from img1: succeeds on an accepted,
# successful reply. Not rpcinfo: even told the port (-n), it asks rpcbind
# first and calls the address the uaddr names, gcems's own.
rpc_null() { # udp|tcp ADDR PORT
	run_in img1 timeout -k 1 10 python3 -c '
import socket, struct, sys
t, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
xid = 0x1a2b3c4d
# xid, CALL, RPC 2, MOUNT v3, NULL, AUTH_NULL credential and verifier
call = struct.pack(">10I", xid, 0, 2, 100005, 3, 0, 0, 0, 0, 0)
if t == "udp":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    for _ in range(3):
        s.sendto(call, (addr, port))
        try:
            rep = s.recv(512)
            break
        except socket.timeout:
            rep = b""
else:
    # Not create_connection(): the VM has no idna codec for its lookup.
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((addr, port))
    s.sendall(struct.pack(">I", 0x80000000 | len(call)) + call)
    rep = b""
    while len(rep) < 28:
        d = s.recv(512)
        if not d:
            break
        rep += d
    rep = rep[4:]
if len(rep) < 24:
    sys.exit("no reply")
# xid, REPLY, MSG_ACCEPTED, verifier, SUCCESS
x, mtype, stat, _, _, acc = struct.unpack(">6I", rep[:24])
sys.exit(0 if (x, mtype, stat, acc) == (xid, 1, 0, 0) else "refused")
' "$@"
}

# The NFS connection on gcems comes from ADDR.
server_sees() { # ADDR
	local a=$1
	case $a in *:*) a="[$a]" ;; esac
	run_in gcems ss -Htn state established '( sport = :2049 )' |
		grep -qF " $a:" ||
		{ echo "gcems's NFS peers: $(run_in gcems ss -Htn state established '( sport = :2049 )' | tr '\n' ';')"; return 1; }
}

mount_through() { # NAME OPTS [PEER [PUBLIC]]
	local name=$1 opts=$2 failed=$FAILED pub=${4:-$PUB4}
	check "$name: mount through $pub" \
		mount_nfs img1 "$pub" "$opts" "$MNT" "$MOUNT_TIMEOUT"
	log "$name: gw expectations: $(gw_expectations | tr '\n' ';')"
	[ "$FAILED" = "$failed" ] || return
	[ -z "${3:-}" ] || check "$name: gcems sees the NFS client as $3" \
		server_sees "$3"
	check "$name: write and read a file" write_read_back img1 "$MNT"
	check "$name: umount" nfs_umount "$MNT"
}

# --- 1: IPv6 through DNAT66, a fake rpcbind -------------------------------

# A real rpcbind answers GETADDR with the address the call reached, gcems's
# own, which the helper does not rewrite yet: that would open nothing. The
# fake one names the public address, as the client must be told.
test_ipv6() {
	local port e0 e1
	# rpc_lib.sh's serve listens on 0.0.0.0: this one on [::].
	"$IP" netns exec gcems "$RPCSEND" -T 120 -n 100000 -A $FAKE_PORT \
		-H $PUB6 serve :: >"$E2E_STATE/serve.out" 2>&1 &
	echo $! >"$E2E_STATE/serve.pid"
	echo $! >>"$E2E_STATE/pids"
	busywait 5000 listening gcems udp 111 || die "fake rpcbind did not start"
	listen_udp gcems $FAKE_PORT
	gw_flush
	e0=$(gw_counter expected)
	port=$(lookup img1 $PUB6 -v 4 -P 100005 -V 3 -x udp)
	e1=$(gw_counter expected)
	check "ipv6: GETADDR mountd/udp6 through $PUB6 answered ($port)" \
		test "${port:-0}" = $FAKE_PORT
	check "ipv6: gw expects img1 -> [$PUB6]:$FAKE_PORT/udp" \
		gw_expects $IMG6 $PUB6 $FAKE_PORT 17
	check "ipv6: counted as expected on gw" \
		counter_is expected "$((${e1:-0} - ${e0:-0}))" -eq 1
	check "ipv6: the UDP follow-up reaches gcems through DNAT66" \
		can_send_udp img1 $PUB6 $FAKE_PORT
	stop_serve
}

# --- 2: IPv4 through DNAT, GETPORT and the follow-up ---------------------

test_getport() { # NAME udp|tcp: the transport of the lookup and of mountd
	local name=$1 t=$2 port proto=17
	[ "$t" = tcp ] && proto=6
	gw_flush
	port=$(lookup img1 $PUB4 -t "$t" -P 100005 -V 3 -x "$t")
	check "$name $t: GETPORT mountd/$t through $PUB4 answered ($port)" \
		test "${port:-0}" -gt 0
	[ "${port:-0}" -gt 0 ] || return
	check "$name $t: gw expects img1 -> $PUB4:$port/$t" \
		gw_expects $IMG4 $PUB4 "$port" $proto
	check "$name $t: mountd answers at $PUB4:$port (translated to gcems:$port)" \
		rpc_null "$t" $PUB4 "$port"
	log "$name $t: gw's entry of that call: $(run_in gw conntrack -L -p "$t" --orig-port-dst "$port" 2>/dev/null | tr '\n' ';')"
	# nc, not rpcinfo: rpcinfo asks rpcbind first even when told the
	# port, and that lookup, untranslated, would open this port.
	if [ "$t" = tcp ]; then
		check_not "$name tcp: img1 -> gcems:$port untranslated is refused (only the NATed port is open)" \
			tcp_open img1 "$G4" "$port"
	fi
}

# --- 5: GETADDR through DNAT, the reply rewritten -------------------------

# The real rpcbind names the address the call reached, gcems's own: the
# helper rewrites the uaddr to the public address (its length changes:
# 192.0.2.1 -> 198.51.100.10), and the follow-up to it is translated back.
# Before the rewrite the client was told gcems's address and the helper
# counted the reply as bad_address and opened nothing.
test_getaddr() { # NAME udp|tcp PUB G REPLIES RPCSEND-OPTIONS...
	local name=$1 t=$2 pub=$3 g=$4 n=$5 out port uaddr r0 r1 b0 b1 proto=17
	shift 5
	[ "$t" = tcp ] && proto=6
	gw_flush
	r0=$(gw_counter nat_rewritten)
	b0=$(gw_counter bad_address)
	out=$(lookup img1 "$pub" -U -P 100005 -V 3 -t "$t" -x "$t" "$@")
	r1=$(gw_counter nat_rewritten)
	b1=$(gw_counter bad_address)
	log "$name: rpcsend: '$(tr '\n' ';' <<<"$out")'"
	check "$name: $n replies, each names $pub (not $g)" \
		test "$(grep -c " $pub\.[0-9]*\.[0-9]*\$" <<<"$out")" = "$n"
	out=$(head -n 1 <<<"$out")
	port=${out%% *}
	uaddr=${out#* }
	check "$name: with mountd's port ($port)" \
		test "$(( ${port:-0} ))" -gt 0 -a \
		"${uaddr#"$pub".}" = "$((${port:-0} >> 8)).$((${port:-0} & 255))"
	check "$name: counted as nat_rewritten on gw" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq "$n"
	check "$name: not as bad_address" \
		counter_is bad_address "$((${b1:-0} - ${b0:-0}))" -eq 0
	check "$name: gw expects img1 -> $pub:$port/$t" \
		gw_expects "$([ "$pub" = $PUB6 ] && echo $IMG6 || echo $IMG4)" \
		"$pub" "${port:-0}" $proto
	check "$name: mountd answers at $pub:$port" \
		rpc_null "$t" "$pub" "${port:-0}"
}

# A fake rpcbind over TCP on gcems's port 111 (before the real one
# starts): its GETADDR reply names gcems and FAKE_PORT, and cut_replies
# cuts it at 36 bytes, the uaddr straddling two segments (the head, then
# the rest: helper.c, imgsec_rpc_nat_plan()).
#  - written at once (no CUT): rewritten across the two (control);
#  - written in two, the first CUT=38 bytes (the head and 2 bytes of the
#    rest), then the rest: those 2 bytes would reach img1 as they came
#    after the rewritten head, and a later copy of the rest, rewritten,
#    would not replace them. gw refuses the segment, every copy: no reply
#    reaches img1 (its call times out), nat_failed +1, nothing expected.
test_fake_cut() { # NAME [CUT]
	local name=$1 cut=${2:-} out r0 r1 f0 f1
	gw_flush
	"$IP" netns exec gcems "$RPCSEND" -t tcp -T 20 -A $FAKE_PORT \
		${cut:+-C "$cut"} serve $G4 >"$E2E_STATE/serve.out" 2>&1 &
	echo $! >"$E2E_STATE/serve.pid"
	echo $! >>"$E2E_STATE/pids"
	busywait 5000 listening gcems tcp 111 || die "fake rpcbind did not start"
	must cut_replies
	r0=$(gw_counter nat_rewritten)
	f0=$(gw_counter nat_failed)
	out=$(lookup img1 $PUB4 -U -P 100005 -V 3 -t tcp -x tcp -v 4)
	r1=$(gw_counter nat_rewritten)
	f1=$(gw_counter nat_failed)
	must uncut_replies
	stop_serve
	log "$name: rpcsend '$out', nat_rewritten +$((${r1:-0} - ${r0:-0})), nat_failed +$((${f1:-0} - ${f0:-0}))"
	if [ -z "$cut" ]; then
		check "$name: the reply names $PUB4.$((FAKE_PORT >> 8)).$((FAKE_PORT & 255))" \
			test "$out" = "$FAKE_PORT $PUB4.$((FAKE_PORT >> 8)).$((FAKE_PORT & 255))"
		check "$name: nat_rewritten +1, nat_failed +0" \
			test "$((${r1:-0} - ${r0:-0})) $((${f1:-0} - ${f0:-0}))" = "1 0"
		check "$name: gw expects img1 -> $PUB4:$FAKE_PORT/tcp" \
			gw_expects $IMG4 $PUB4 $FAKE_PORT 6
	else
		check "$name: no reply reaches img1 ('$out')" test -z "$out"
		check "$name: nat_failed +1, nat_rewritten +0" \
			test "$((${r1:-0} - ${r0:-0})) $((${f1:-0} - ${f0:-0}))" = "0 1"
		check_not "$name: nothing expected on gw" gw_expectations
	fi
}

# TCP: the reply's segments are cut at MSS - 12 bytes (cut_replies), so
# the uaddr straddles two segments: tcpdump on gw shows gcems's reply cut,
# a segment of MSS - 12 bytes first. The record is rewritten across them
# (helper.c, imgsec_rpc_nat_plan()): test_getaddr's checks hold as for a
# reply whole in one segment. Over IPv6 the first 4 characters, "2001",
# begin the public address too: a reply that may name it already is not
# rewritten so, and MSS 54 puts 10 in the head ("2001:db8::"), which tell
# gcems's. Losses: nat_attack_test.sh.
test_straddle() { # NAME PUB G MSS
	local name=$1 pub=$2 g=$3 mss=$4 cap=$E2E_STATE/straddle.pcap.txt
	must cut_replies "$mss"
	run_in gw timeout 8 tcpdump -Z root -l -n -i srvnet tcp port 111 >"$cap" 2>&1 &
	busywait 3000 grep -q '^listening' "$cap"
	test_getaddr "$name" tcp "$pub" "$g" 1 -v 4
	log "$name: tcpdump on gw: $(tr '\n' ';' <"$cap")"
	must uncut_replies
	check "$name: gcems's reply came cut, $((mss - 12)) bytes first" \
		grep -q "^.* $g\.111 > .* length $((mss - 12))\$" "$cap"
}


# DNAT of the port only (gw: $G4:1112 -> :111), the reply cut as in
# test_straddle: it names gcems's own address, the one img1 asked, and
# needs no rewrite. (Before the review of the straddle rewrite, its head
# was rewritten in vain and the rest refused: the connection stalled.)
test_straddle_port_only() {
	local out port
	must run_in gw nft add rule ip nat4 pre ip daddr $G4 tcp dport 1112 dnat to :111
	must cut_replies
	gw_flush
	out=$(lookup img1 $G4 -p 1112 -U -P 100005 -V 3 -t tcp -x tcp -v 4)
	must uncut_replies
	port=${out%% *}
	log "straddle, port only: rpcsend '$out'"
	check "straddle, port only: the reply names $G4 as it came" \
		test "$out" = "${port:-0} $G4.$((${port:-0} >> 8)).$((${port:-0} & 255))"
	check "straddle, port only: gw expects img1 -> $G4:$port/tcp" \
		gw_expects $IMG4 $G4 "${port:-0}" 6
	check "straddle, port only: mountd answers at $G4:$port" \
		rpc_null tcp $G4 "${port:-0}"
}

# On the wire: gcems's reply names its own address (srvnet), the one img1
# gets names the public address (imgnet). tcpdump -A shows the uaddr.
test_wire() {
	local out port u4 g4 i
	for i in srvnet imgnet; do
		run_in gw timeout 8 tcpdump -Z root -l -n -A -i $i udp port 111 \
			>"$E2E_STATE/wire-$i.txt" 2>&1 &
	done
	sleep 2
	gw_flush
	out=$(lookup img1 $PUB4 -U -P 100005 -V 3 -x udp -v 4)
	port=${out%% *}
	sleep 1
	u4="$PUB4.$((${port:-0} >> 8)).$((${port:-0} & 255))"
	g4="$G4.$((${port:-0} >> 8)).$((${port:-0} & 255))"
	log "wire: srvnet: $(grep -F -c "$g4" "$E2E_STATE/wire-srvnet.txt") lines with $g4, imgnet: $(grep -F -c "$u4" "$E2E_STATE/wire-imgnet.txt") with $u4"
	check "wire: gcems's reply names $g4 (srvnet)" \
		grep -qF "$g4" "$E2E_STATE/wire-srvnet.txt"
	check "wire: img1 receives $u4 (imgnet)" \
		grep -qF "$u4" "$E2E_STATE/wire-imgnet.txt"
	check_not "wire: and not $g4" \
		grep -qF "$g4" "$E2E_STATE/wire-imgnet.txt"
}

gw_tcp_states_gone() { [ "$(gw_counter tcp_states)" = 0 ]; }

# TCP lookups one after another through DNAT, more than
# rpc_max_conns_per_client (32) in two minutes: each followed and
# rewritten (a connection's state goes once the client has the server's
# FIN, not with its entry), and no state left after them.
test_tcp_in_a_row() {
	local n=34 r0 r1 ok=0
	gw_flush
	r0=$(gw_counter nat_rewritten)
	for _ in $(seq $n); do
		lookup img1 $PUB4 -U -P 100005 -V 3 -t tcp -x tcp -v 4 |
			grep -q " $PUB4\.[0-9]*\.[0-9]*\$" && ok=$((ok + 1))
	done
	r1=$(gw_counter nat_rewritten)
	check "$n TCP lookups in a row: each reply names $PUB4 ($ok)" \
		test "$ok" = $n
	check "$n TCP lookups in a row: each counted as nat_rewritten" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq $n
	check "$n TCP lookups in a row: no TCP state left on gw" \
		busywait 5000 gw_tcp_states_gone
}

test_rewrite() {
	test_wire
	test_getaddr "getaddr v4" udp $PUB4 "$G4" 1 -v 4
	test_getaddr "getaddr v3" udp $PUB4 "$G4" 1 -v 3
	test_getaddr "getversaddr" udp $PUB4 "$G4" 1 -v 4 -g
	test_getaddr "getaddr udp6" udp $PUB6 "$G6" 1 -v 4
	test_getaddr "getaddr v4 tcp" tcp $PUB4 "$G4" 1 -v 4
	test_getaddr "getversaddr tcp" tcp $PUB4 "$G4" 1 -v 4 -g
	test_getaddr "getaddr tcp6" tcp $PUB6 "$G6" 1 -v 4
	test_getaddr "getaddr v4 tcp, 2 calls" tcp $PUB4 "$G4" 2 -v 4 -n 2
	test_tcp_in_a_row
	test_straddle "straddle" $PUB4 "$G4" 48
	test_straddle "straddle tcp6" $PUB6 "$G6" 54
	test_straddle_port_only
}

# --- 4: masquerade too ------------------------------------------------------

test_masquerade() {
	local port out r0 r1
	must run_in gw nft add rule ip nat4 post oifname srvnet masquerade
	must "$IP" -n gcems route del default
	gw_flush
	check_not "masquerade: gcems has no route to img1" \
		run_in gcems ping -c 1 -W 1 $IMG4
	test_getport masquerade tcp
	mount_through "masquerade mountproto=udp" "$OPTS_UDP" $GW4
	# Source NAT alone: img1 asks gcems's own address.
	gw_flush
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x udp)
	check "masquerade only: gw expects img1 -> gcems:${port:-?}/udp" \
		gw_expects $IMG4 "$G4" "${port:-0}" 17
	check "masquerade only: mountd answers at gcems:${port:-?} over UDP" \
		rpc_null udp "$G4" "${port:-0}"
	# GETADDR: the uaddr names what img1 asked, gcems: not rewritten.
	gw_flush
	r0=$(gw_counter nat_rewritten)
	out=$(lookup img1 "$G4" -U -v 4 -P 100005 -V 3 -x udp)
	r1=$(gw_counter nat_rewritten)
	port=${out%% *}
	port=${port:-0}
	check "masquerade only: GETADDR names gcems (${out#* })" \
		test "${out#* }" = "$G4.$((port >> 8)).$((port & 255))"
	check "masquerade only: nothing rewritten" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq 0
	check "masquerade only: gw expects img1 -> gcems:$port/udp" \
		gw_expects $IMG4 "$G4" "$port" 17
}

# --- main ---------------------------------------------------------------

setup_nat_topology
must publish
write_policy
check "modprobe imgsec" modprobe imgsec
must run_in gw imgsecctl set-policy /tmp/nat.conf
log "set up in $(elapsed)"

test_ipv6
test_fake_cut "fake cut (control)"
test_fake_cut "fake cut, the rest in two" 38
log "ipv6 done ($(elapsed))"
start_nfs_server
log "rpcbind on gcems: $(run_in gcems rpcinfo -p 127.0.0.1 | grep -E 'mountd' | tr -s ' ' | tr '\n' ';')"
test_rewrite
log "rewrite done ($(elapsed))"
test_getport dnat udp
test_getport dnat tcp
log "getport done ($(elapsed))"

# --- 3: mounts through DNAT ---------------------------------------------
gw_flush
mount_through "dnat mountproto=udp" "$OPTS_UDP" $IMG4
gw_flush
mount_through "dnat mountproto=tcp" "$OPTS_TCP" $IMG4
# IPv6: mount.nfs asks rpcbind GETADDR (uaddrs), rewritten on gw.
gw_flush
mount_through "dnat66 mountproto=udp6" "vers=3,proto=tcp6,mountproto=udp6,nolock,retry=0" $IMG6 $PUB6
# mountproto=tcp6: GETADDR of mountd over TCP, rewritten on gw.
gw_flush
r0=$(gw_counter nat_rewritten)
f0=$(gw_counter nat_failed)
mount_through "dnat66 mountproto=tcp6" "vers=3,proto=tcp6,mountproto=tcp6,nolock,retry=0" $IMG6 $PUB6
r1=$(gw_counter nat_rewritten)
f1=$(gw_counter nat_failed)
log "dnat66 mountproto=tcp6: nat_rewritten +$((${r1:-0} - ${r0:-0})), nat_failed +$((${f1:-0} - ${f0:-0}))"
check "dnat66 mountproto=tcp6: counted as nat_rewritten on gw" \
	counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -ge 1
check "dnat66 mountproto=tcp6: not as nat_failed" \
	counter_is nat_failed "$((${f1:-0} - ${f0:-0}))" -eq 0
log "mounts done ($(elapsed))"
test_masquerade
log "masquerade done ($(elapsed))"

echo "# imgsecctl stats in gw:"
run_in gw imgsecctl stats 2>&1 | sed 's/^/#   /'
log "total $(elapsed)"
summary
