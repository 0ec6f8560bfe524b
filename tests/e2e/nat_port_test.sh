#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The imgsec-rpc helper and NAT, beyond port-preserving DNAT (issue 12):
# source NAT of the IMG side, and a looked-up port moved by the gateway.
#
#   img1  198.51.100.11 (.12: an outsider) --- imgnet [gw] srvnet --- gcems
#         gw publishes 198.51.100.10: 111 -> gcems 192.0.2.1:111,       192.0.2.1
#         1111 -> gcems's second address 192.0.2.3:111 ("another       192.0.2.3
#         server" behind the same public address), 2049 -> 192.0.2.1
#
#   1. port-changing NAT, fake rpcbinds (tests/tools/rpcsend serve) on
#      192.0.2.1 and 192.0.2.3, both answering port 4046. The lookup
#      through 111 opens img1 -> public:4046 (to .1). The one through 1111
#      wants the same outside port for another server: a clash. The helper
#      opens another outside port (nf_nat_exp_find_port()), and rewrites
#      the GETPORT reply (tcpdump on img1 reads the new port, on srvnet
#      gcems's 4046) and a GETADDR reply (uaddr); the follow-up to the new
#      port reaches 192.0.2.3:4046, the one to 4046 still 192.0.2.1; the
#      outsider gets nowhere. Asked again through 111, the same hole: the
#      port stays; asked again through 1111 (new sockets), the moved
#      hole is found again and renewed: no new hole per lookup
#   2. the same clash with the real rpcbind and mountd: a NULL call to
#      the moved port reaches mountd; over TCP too: a GETPORT through 1111
#      over TCP finds the hole the UDP lookup moved (the same port, by the
#      hole's protocol; its 4 bytes rewritten in the segment), a lookup
#      over TCP of the TCP port moves it to a port of its own, a reply
#      that cannot be rewritten (calls written together) is dropped, never
#      sent naming the other server's hole; the other way round (the hole
#      the other server's first), a GETADDR over TCP names the moved port
#      and the public address in its uaddr (the record grows); cut into
#      36-byte segments, that reply is rewritten across them if the moved
#      port's text is as long as gcems's port's, else dropped;
#      over UDP with the expectation table full (no moved hole can be
#      added), the reply is dropped too
#   3. imgsec on gw, which masquerades img1 towards gcems (img1 asks
#      gcems's own address): the follow-up passes for the port looked up,
#      not for another port nor over the other transport, and not from the
#      outsider (masqueraded the same way)
#   4. imgsec on gcems (placement host), gw masquerades img1 in front of
#      it (the IMG role holds the gateway's address): the expectation is
#      gw -> gcems; img1's follow-up passes, the outsider (not
#      masqueraded) does not; a real NFSv3 mount, mountproto=udp
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/nat_port_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/e2e/rpc_lib.sh
. "$(dirname "$0")/rpc_lib.sh"

# shellcheck source=tests/e2e/nat_lib.sh
. "$(dirname "$0")/nat_lib.sh"
G4B=192.0.2.3 # gcems's second address: the second server
OUT4=198.51.100.12 # img1's second address: not in the IMG role
FAKE_PORT=4046

# A NULL call to mountd v3 at ADDR:PORT from NS, from SRC (any: "-"):
# succeeds on an accepted reply.
rpc_null_from() { # NS SRC udp|tcp ADDR PORT
	local ns=$1
	shift
	run_in "$ns" timeout -k 1 12 python3 -c '
import socket, struct, sys
src, t, addr, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
xid = 0x5a5b5c5d
call = struct.pack(">10I", xid, 0, 2, 100005, 3, 0, 0, 0, 0, 0)
s = socket.socket(socket.AF_INET,
                  socket.SOCK_DGRAM if t == "udp" else socket.SOCK_STREAM)
if src != "-":
    s.bind((src, 0))
if t == "udp":
    s.settimeout(2)
    rep = b""
    for _ in range(3):
        s.sendto(call, (addr, port))
        try:
            rep = s.recv(512)
            break
        except socket.timeout:
            pass
else:
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
x, mtype, stat, _, _, acc = struct.unpack(">6I", rep[:24])
sys.exit(0 if (x, mtype, stat, acc) == (xid, 1, 0, 0) else "refused")
' "$@"
}

# A token in a datagram from NS (from SRC) to ADDR:PORT reaches a
# listener on LPORT (lib.sh's start_listener; default PORT): behind a
# moved port, the server's real port.
can_send_from() { # NS SRC ADDR PORT [LPORT]
	local token
	token=$(new_token)
	echo "$token" | run_in "$1" timeout 10 "$NC" -n -u -w 1 -s "$2" "$3" "$4" \
		>/dev/null 2>&1
	busywait 2000 received udp "${5:-$4}" "$token"
}

# gw's connection img1 -> public:PORT/udp is translated to SERVER:SPORT.
gw_translates() { # PORT SERVER SPORT
	run_in gw conntrack -L -p udp --orig-src $IMG4 --orig-port-dst "$1" 2>/dev/null |
		grep -q "src=$2 dst=[0-9.]* sport=$3 " ||
		{ echo "gw's entries to port $1: $(run_in gw conntrack -L -p udp --orig-port-dst "$1" 2>/dev/null | tr '\n' ';')"; return 1; }
}

# A lookup from img1 (LOOKUP-OPTIONS): its output in OUT, and what it
# changed on gw: DR nat_rewritten, DF nat_failed, DN expectations.
gw_lookup() { # ADDR LOOKUP-OPTIONS...
	local r f n
	r=$(gw_counter nat_rewritten)
	f=$(gw_counter nat_failed)
	n=$(gw_expectations | wc -l)
	OUT=$(lookup img1 "$@")
	DR=$(($(gw_counter nat_rewritten) - ${r:-0}))
	DF=$(($(gw_counter nat_failed) - ${f:-0}))
	DN=$(($(gw_expectations | wc -l) - n))
}

# gw's connection img1 -> public:PORT/tcp is translated to SERVER:SPORT.
gw_translates_tcp() { # PORT SERVER SPORT
	run_in gw conntrack -L -p tcp --orig-src $IMG4 --orig-port-dst "$1" 2>/dev/null |
		grep -q "src=$2 dst=[0-9.]* sport=$3 " ||
		{ echo "gw's entries to port $1: $(run_in gw conntrack -L -p tcp --orig-port-dst "$1" 2>/dev/null | tr '\n' ';')"; return 1; }
}

# gw's entry for img1 -> ...:PORT/udp gets its replies at ADDR (masquerade).
gw_translates_to() { # PORT ADDR
	run_in gw conntrack -L -p udp --orig-src $IMG4 --orig-port-dst "$1" 2>/dev/null |
		grep -q "dst=$2 sport=$1 " ||
		{ echo "gw's entries to port $1: $(run_in gw conntrack -L -p udp --orig-port-dst "$1" 2>/dev/null | tr '\n' ';')"; return 1; }
}

# Seconds gw's hole img1 -> $PUB4:PORT/udp has left.
moved_left() { # PORT
	gw_expectations | awk -v m="proto=17 src=$IMG4 dst=$PUB4 sport=0 dport=$1 " \
		'index($0, m) { print $1; exit }'
}

gcems_expects() { # SRC DST DPORT
	run_in gcems conntrack -L expect 2>/dev/null |
		grep -q "proto=17 src=$1 dst=$2 sport=0 dport=$3 " ||
		{ echo "gcems expects: $(run_in gcems conntrack -L expect 2>/dev/null | tr '\n' ';')"; return 1; }
}

# Both fake rpcbinds listen.
two_rpcbinds() {
	[ "$(run_in gcems ss -Hlnu 'sport = :111' | grep -c .)" = 2 ]
}

# The ports named in the GETPORT replies from ADDR:SPORT in a pcap: the
# last 4 bytes of each UDP payload (Ethernet, IPv4).
pcap_ports() { # FILE ADDR SPORT
	python3 - "$@" <<-'EOF'
	import socket, struct, sys
	data = open(sys.argv[1], "rb").read()
	want, sport = socket.inet_aton(sys.argv[2]), int(sys.argv[3])
	off = 24
	while off + 16 <= len(data):
	    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
	    pkt = data[off + 16:off + 16 + incl]
	    off += 16 + incl
	    if len(pkt) < 34 or pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
	        continue
	    ihl = (pkt[14] & 15) * 4
	    udp = pkt[14 + ihl:]
	    if pkt[26:30] != want or len(udp) < 12:
	        continue
	    if struct.unpack(">H", udp[0:2])[0] != sport:
	        continue
	    print(struct.unpack(">I", udp[-4:])[0])
	EOF
}

publish_two() {
	run_in gw nft -f - <<-EOF
	table ip nat4 {
		chain pre {
			type nat hook prerouting priority dstnat;
			ip daddr $PUB4 udp dport { 111, 2049 } dnat to $G4
			ip daddr $PUB4 tcp dport { 111, 2049 } dnat to $G4
			ip daddr $PUB4 udp dport 1111 dnat to $G4B:111
			ip daddr $PUB4 tcp dport 1111 dnat to $G4B:111
		}
		chain post {
			type nat hook postrouting priority srcnat;
		}
	}
	EOF
}

write_gw_policy() {
	cat >/tmp/natport.conf <<-EOF
	mode enforce
	default reject
	placement gateway
	role img $IMG4
	role gcems $G4 $G4B
	allow img -> gcems udp 111 helper rpc "PortMap"
	allow img -> gcems tcp 111 helper rpc "PortMap over TCP"
	allow img -> gcems tcp 2049 "NFS over TCP"
	EOF
}

fake_rpcbind() { # ADDR
	"$IP" netns exec gcems "$RPCSEND" -T 120 -n 100000 -A $FAKE_PORT \
		serve "$1" >"$E2E_STATE/serve-$1.out" 2>&1 &
	echo $! >"$E2E_STATE/serve-$1.pid"
	echo $! >>"$E2E_STATE/pids"
}

# --- 1: a clash, fake rpcbinds ---------------------------------------------

test_fake_clash() {
	local port p2 out uaddr r0 r1 e0 e1 n0 n1 t0 t1 ports d1 d2
	fake_rpcbind "$G4"
	fake_rpcbind $G4B
	busywait 5000 two_rpcbinds || die "fake rpcbinds did not start"
	listen_udp gcems $FAKE_PORT
	gw_flush
	port=$(lookup img1 $PUB4 -P 100005 -V 3 -x udp)
	check "clash: GETPORT through $PUB4:111 answered $FAKE_PORT (${port:-none})" \
		test "${port:-0}" = $FAKE_PORT
	check "clash: gw expects img1 -> $PUB4:$FAKE_PORT/udp" \
		gw_expects $IMG4 $PUB4 $FAKE_PORT 17
	run_in img1 timeout 8 tcpdump -Z root -U -n -i eth0 -w "$E2E_STATE/c-img1.pcap" udp port 1111 >/dev/null 2>&1 &
	d1=$!
	run_in gw timeout 8 tcpdump -Z root -U -n -i srvnet -w "$E2E_STATE/c-srv.pcap" udp port 111 >/dev/null 2>&1 &
	d2=$!
	sleep 2
	r0=$(gw_counter nat_rewritten)
	p2=$(lookup img1 $PUB4 -p 1111 -P 100005 -V 3 -x udp)
	r1=$(gw_counter nat_rewritten)
	sleep 1
	wait "$d1" "$d2" # timeout 8 ends them
	check "clash: GETPORT through $PUB4:1111 names another port (${p2:-none})" \
		test "${p2:-0}" -ge 1024 -a "${p2:-0}" != $FAKE_PORT
	check "clash: counted as nat_rewritten on gw" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq 1
	ports=$(pcap_ports "$E2E_STATE/c-img1.pcap" $PUB4 1111 | tr '\n' ' ')
	log "clash: tcpdump on img1: replies name ports: $ports"
	check "clash: tcpdump on img1 reads port ${p2:-?} in the reply" \
		test "$ports" = "${p2:-x} "
	ports=$(pcap_ports "$E2E_STATE/c-srv.pcap" $G4B 111 | tr '\n' ' ')
	log "clash: tcpdump on srvnet: $G4B's replies name ports: $ports"
	check "clash: tcpdump on srvnet reads $FAKE_PORT in $G4B's reply" \
		test "$ports" = "$FAKE_PORT "
	check "clash: gw expects img1 -> $PUB4:${p2:-?}/udp as well" \
		gw_expects $IMG4 $PUB4 "${p2:-0}" 17
	check "clash: the follow-up to $PUB4:${p2:-?} reaches gcems:$FAKE_PORT" \
		can_send_from img1 $IMG4 $PUB4 "${p2:-0}" $FAKE_PORT
	check "clash: ... translated to $G4B:$FAKE_PORT on gw" \
		gw_translates "${p2:-0}" $G4B $FAKE_PORT
	check "clash: the follow-up to $PUB4:$FAKE_PORT reaches gcems" \
		can_send_from img1 $IMG4 $PUB4 $FAKE_PORT
	check "clash: ... translated to $G4:$FAKE_PORT on gw" \
		gw_translates $FAKE_PORT "$G4" $FAKE_PORT
	check_not "clash: the outsider $OUT4 does not get through to $PUB4:${p2:-?}" \
		can_send_from img1 $OUT4 $PUB4 "${p2:-0}" $FAKE_PORT
	# Asked again through 1111, each time from a new socket (a new
	# master): the moved hole is found again, not one more opened each
	# time (before: a new random port per lookup, 12 lookups 12 holes,
	# up to nf_ct_expect_max, when every other lookup fails).
	# Each also renews the moved hole (the -EBUSY path, as a hole found
	# before allocating is): a fresh rpc_timeout, not the first one's.
	sleep 2
	n0=$(gw_expectations | grep -c "dst=$PUB4 ")
	t0=$(moved_left "${p2:-0}")
	r0=$(gw_counter nat_rewritten)
	e0=$(gw_counter expected)
	out=
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
		out="$out$(lookup img1 $PUB4 -p 1111 -P 100005 -V 3 -x udp) "
	done
	r1=$(gw_counter nat_rewritten)
	e1=$(gw_counter expected)
	n1=$(gw_expectations | grep -c "dst=$PUB4 ")
	t1=$(moved_left "${p2:-0}")
	check "moved again: the moved hole is renewed (${t0:-?} s left before, ${t1:-?} s after)" \
		test "${t1:-0}" -gt "${t0:-99999}"
	check "moved again: 12 lookups through 1111 all name ${p2:-?} ($out)" \
		test "$out" = "$(printf "${p2:-x} %.0s" 1 2 3 4 5 6 7 8 9 10 11 12)"
	check "moved again: no more holes to $PUB4 ($n0 before, $n1 after)" \
		test "$n0" = "$n1"
	check "moved again: 12 replies rewritten, 12 expected" \
		test "$((${r1:-0} - ${r0:-0})) $((${e1:-0} - ${e0:-0}))" = "12 12"
	check "moved again: the follow-up to $PUB4:${p2:-?} still reaches gcems:$FAKE_PORT" \
		can_send_from img1 $IMG4 $PUB4 "${p2:-0}" $FAKE_PORT
	# The same IMG asking again, from another socket, for the same hole
	# (same server, same port): -EBUSY again, but no clash, no move.
	r0=$(gw_counter nat_rewritten)
	e0=$(gw_counter expected)
	port=$(lookup img1 $PUB4 -P 100005 -V 3 -x udp)
	r1=$(gw_counter nat_rewritten)
	e1=$(gw_counter expected)
	check "same hole: a second lookup through :111 keeps $FAKE_PORT (${port:-none})" \
		test "${port:-0}" = $FAKE_PORT
	check "same hole: not rewritten" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq 0
	check "same hole: counted as expected" \
		counter_is expected "$((${e1:-0} - ${e0:-0}))" -eq 1
	# GETADDR: the uaddr names $G4B (behind DNAT): address and port
	# rewritten.
	r0=$(gw_counter nat_rewritten)
	out=$(lookup img1 $PUB4 -p 1111 -U -v 4 -P 100005 -V 3 -x udp)
	r1=$(gw_counter nat_rewritten)
	port=${out%% *}
	uaddr=${out#* }
	check "clash getaddr: the uaddr names $PUB4 and the moved port ${p2:-?} ($out)" \
		test "${port:-0}" = "${p2:-x}" -a \
		"$uaddr" = "$PUB4.$((${port:-0} >> 8)).$((${port:-0} & 255))"
	check "clash getaddr: counted as nat_rewritten" \
		counter_is nat_rewritten "$((${r1:-0} - ${r0:-0}))" -eq 1
	check "clash getaddr: the follow-up to $PUB4:${port:-?} reaches $G4B:$FAKE_PORT" \
		can_send_from img1 $IMG4 $PUB4 "${port:-0}" $FAKE_PORT
	check "clash getaddr: ... translated to $G4B:$FAKE_PORT on gw" \
		gw_translates "${port:-0}" $G4B $FAKE_PORT
	kill_pidfile "$E2E_STATE/serve-$G4.pid"
	kill_pidfile "$E2E_STATE/serve-$G4B.pid"
}

# --- 2: a clash, the real rpcbind ------------------------------------------

test_real_clash() {
	local port p2
	gw_flush
	port=$(lookup img1 $PUB4 -P 100005 -V 3 -x udp)
	check "real clash: GETPORT mountd through $PUB4:111 (${port:-none})" \
		test "${port:-0}" -gt 0
	p2=$(lookup img1 $PUB4 -p 1111 -P 100005 -V 3 -x udp)
	check "real clash: through $PUB4:1111 another port (${p2:-none})" \
		test "${p2:-0}" -ge 1024 -a "${p2:-0}" != "${port:-0}"
	check "real clash: mountd answers at $PUB4:${p2:-?} (translated to $G4B:${port:-?})" \
		rpc_null_from img1 $IMG4 udp $PUB4 "${p2:-0}"
	check "real clash: ... translated to $G4B:${port:-?} on gw" \
		gw_translates "${p2:-0}" $G4B "${port:-0}"
	check "real clash: mountd answers at $PUB4:${port:-?} (to $G4)" \
		rpc_null_from img1 $IMG4 udp $PUB4 "${port:-0}"
	check_not "real clash: not to the outsider at $PUB4:${p2:-?}" \
		rpc_null_from img1 $OUT4 udp $PUB4 "${p2:-0}"
	# Over TCP, asking the UDP port: the hole the UDP lookup moved.
	gw_lookup $PUB4 -p 1111 -t tcp -P 100005 -V 3 -x udp
	check "real clash tcp: GETPORT over tcp names the moved port ${p2:-?} ($OUT)" \
		test "${OUT:-0}" = "${p2:-x}"
	check "real clash tcp: nat_rewritten +1, nat_failed +0, the same hole ($DR $DF $DN)" \
		test "$DR $DF $DN" = "1 0 0"
	check "real clash tcp: mountd answers at $PUB4:${p2:-?}" \
		rpc_null_from img1 $IMG4 udp $PUB4 "${p2:-0}"
}

# The real rpcbind over TCP, asking mountd's TCP port: through 111 (to
# gcems) then 1111 (to the second server), a clash, a move; then four
# calls in one write.
test_real_clash_tcp() {
	local t1 t2 n
	t1=$(lookup img1 $PUB4 -t tcp -P 100005 -V 3 -x tcp)
	gw_lookup $PUB4 -p 1111 -t tcp -P 100005 -V 3 -x tcp
	t2=$OUT
	check "real clash tcp/tcp: through 1111 another port (${t1:-none}, ${t2:-none})" \
		test "${t2:-0}" -ge 1024 -a "${t2:-0}" != "${t1:-0}" -a "${t1:-0}" -gt 0
	check "real clash tcp/tcp: nat_rewritten +1, nat_failed +0, one hole more ($DR $DF $DN)" \
		test "$DR $DF $DN" = "1 0 1"
	check "real clash tcp/tcp: mountd answers at $PUB4:${t2:-?} over tcp" \
		rpc_null_from img1 $IMG4 tcp $PUB4 "${t2:-0}"
	check "real clash tcp/tcp: ... translated to $G4B:${t1:-?} on gw" \
		gw_translates_tcp "${t2:-0}" $G4B "${t1:-0}"
	check_not "real clash tcp/tcp: not to the outsider at $PUB4:${t2:-?}" \
		rpc_null_from img1 $OUT4 tcp $PUB4 "${t2:-0}"
	# Every reply that reaches img1 names the moved port; one that could
	# not be rewritten (sent before the client acknowledged the one
	# before it; rpcbind here mostly waits for that, so this need not
	# happen: test_refused makes it happen) would name ${t1}, the other
	# server's hole: dropped, never sent so.
	gw_lookup $PUB4 -p 1111 -t tcp -P 100005 -V 3 -x tcp -r 4
	n=$(grep -c . <<<"$OUT")
	log "real clash pipelined: '$(tr '\n' ';' <<<"$OUT")', nat_rewritten +$DR, nat_failed +$DF"
	check_not "real clash pipelined: no reply names ${t1:-?}" \
		grep -qx "${t1:-x}" <<<"$OUT"
	check "real clash pipelined: each reply names ${t2:-?}, at most one per rewrite" \
		test "$(grep -cx "${t2:-x}" <<<"$OUT")" = "$n" -a "$n" -le "$DR"
	check "real clash pipelined: 4 replies, each rewritten or nat_failed ($DR + $DF)" \
		test "$((DR + DF))" = 4
}

# The length of PORT's text in a uaddr: ".P1.P2".
port_text_len() { # PORT
	local t=".$(($1 >> 8)).$(($1 & 255))"
	echo ${#t}
}

# img1's hole to public:P (mountd's port over PROTO) is made the second
# server's: asked through 1111 first. Prints P.
second_server_first() { # udp|tcp
	gw_flush
	lookup img1 $PUB4 -p 1111 -t "$1" -P 100005 -V 3 -x "$1"
}

# Asked through 111 then, gcems's real port P must move. A GETADDR over
# TCP: rpcbind names gcems's own address, the uaddr is rewritten (it
# grows) to the public address and a moved port. Cut into 36-byte
# segments (as nat_test.sh's straddle) the uaddr straddles two: the first
# segment, rewritten before the port is known, tells the uaddr's length
# for gcems's port P (helper.c, imgsec_rpc_nat_plan()). The moved port
# (the same as the lookup before, by its hash) fits it if its text is as
# long, and the reply names it; if not, the rest is dropped, every copy:
# as it came it would name P, the second server's hole. Which one is
# known from the moved port. Over UDP with the expectation table
# full (nf_conntrack_expect_max, set in the VM's own namespace, counted
# per namespace) no moved hole can be added: the reply is dropped (before:
# passed as it came, naming P).
test_refused() {
	local p port emax
	p=$(second_server_first tcp)
	gw_lookup $PUB4 -t tcp -U -v 4 -P 100005 -V 3 -x tcp
	port=${OUT%% *}
	check "tcp getaddr: through 1111 first, a hole to $G4B (${p:-none})" \
		test "${p:-0}" -gt 0
	check "tcp getaddr: through 111 the uaddr names $PUB4 and a moved port ($OUT)" \
		test "${port:-0}" -ge 1024 -a "${port:-0}" != "${p:-0}" -a \
		"${OUT#* }" = "$PUB4.$((${port:-0} >> 8)).$((${port:-0} & 255))"
	check "tcp getaddr: nat_rewritten +1, one hole more ($DR $DN)" \
		test "$DR $DN" = "1 1"
	check "tcp getaddr: mountd answers at $PUB4:${port:-?} over tcp" \
		rpc_null_from img1 $IMG4 tcp $PUB4 "${port:-0}"
	check "tcp getaddr: ... translated to $G4:${p:-?} on gw" \
		gw_translates_tcp "${port:-0}" "$G4" "${p:-0}"

	p=$(second_server_first tcp)
	must cut_replies
	gw_lookup $PUB4 -t tcp -U -v 4 -P 100005 -V 3 -x tcp
	must uncut_replies
	check "straddle: through 1111 first, a hole to $G4B (${p:-none})" \
		test "${p:-0}" -gt 0
	if [ "$(port_text_len "${port:-0}")" = "$(port_text_len "${p:-0}")" ]; then
		check "straddle: the uaddr names $PUB4 and the moved port $port, as long as $p ($OUT)" \
			test "$OUT" = "$port $PUB4.$((${port:-0} >> 8)).$((${port:-0} & 255))"
		check "straddle: nat_rewritten +1, one hole more ($DR $DN)" \
			test "$DR $DN" = "1 1"
	else
		check "straddle: the moved port $port longer or shorter than $p: no reply reaches img1 ('$OUT')" \
			test -z "$OUT"
		check "straddle: nat_failed +1, no hole more ($DF $DN)" \
			test "$DF $DN" = "1 0"
	fi

	p=$(second_server_first udp)
	emax=$(sysctl -n net.netfilter.nf_conntrack_expect_max)
	must sysctl -q -w net.netfilter.nf_conntrack_expect_max="$(gw_expectations | wc -l)"
	gw_lookup $PUB4 -P 100005 -V 3 -x udp
	must sysctl -q -w net.netfilter.nf_conntrack_expect_max="$emax"
	check "table full: through 1111 first, a hole to $G4B (${p:-none})" \
		test "${p:-0}" -gt 0
	check "table full: no reply reaches img1 ('$OUT')" test -z "$OUT"
	check "table full: counted as nat_failed, no hole more ($DF $DN)" \
		test "$DF $DN" = "1 0"
	port=$(lookup img1 $PUB4 -P 100005 -V 3 -x udp)
	check "table full: the limit back, a moved port (${port:-none})" \
		test "${port:-0}" -ge 1024 -a "${port:-0}" != "${p:-0}"
}

# --- 3: imgsec on the gateway, which masquerades img1 ------------------------

test_gw_masquerade() {
	local port tport
	tport=$(lookup gcems 127.0.0.1 -P 100005 -V 3 -x tcp)
	check "gw masquerade: control: mountd answers over TCP on gcems ($tport)" \
		rpc_null_from gcems - tcp 127.0.0.1 "${tport:-0}"
	listen_udp gcems 2050
	must run_in gw nft add rule ip nat4 post oifname srvnet masquerade
	gw_flush
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x udp)
	check "gw masquerade: GETPORT mountd/udp at $G4 (${port:-none})" \
		test "${port:-0}" -gt 0
	check "gw masquerade: gw expects img1 -> $G4:${port:-?}/udp" \
		gw_expects $IMG4 "$G4" "${port:-0}" 17
	check "gw masquerade: mountd answers img1 at $G4:${port:-?}/udp" \
		rpc_null_from img1 $IMG4 udp "$G4" "${port:-0}"
	check "gw masquerade: gcems saw the gateway (gw's entry replies to $GW4)" \
		gw_translates_to "${port:-0}" $GW4
	check_not "gw masquerade: not mountd over TCP (not looked up, port $tport)" \
		rpc_null_from img1 $IMG4 tcp "$G4" "$tport"
	check_not "gw masquerade: not to another port (2050)" \
		can_send_from img1 $IMG4 "$G4" 2050
	check_not "gw masquerade: not from the outsider $OUT4" \
		rpc_null_from img1 $OUT4 udp "$G4" "${port:-0}"
	must run_in gw nft flush chain ip nat4 post
}

# --- 4: imgsec on gcems, behind a gateway that masquerades img1 --------------

test_host_behind_snat() {
	local port tport
	tport=$(lookup gcems 127.0.0.1 -P 100005 -V 3 -x tcp)
	must run_in gw imgsecctl flush
	must run_in gw nft add rule ip nat4 post ip saddr $IMG4 oifname srvnet masquerade
	cat >/tmp/natport-host.conf <<-EOF
	mode enforce
	default reject
	placement host
	role img $GW4
	role gcems $G4
	allow img -> gcems udp 111 helper rpc "PortMap"
	allow img -> gcems tcp 111 helper rpc "PortMap over TCP"
	allow img -> gcems tcp 2049 "NFS over TCP"
	EOF
	must run_in gcems imgsecctl set-policy /tmp/natport-host.conf
	run_in gcems conntrack -F >/dev/null 2>&1
	run_in gcems conntrack -F expect >/dev/null 2>&1
	gw_flush
	port=$(lookup img1 "$G4" -P 100005 -V 3 -x udp)
	check "host: GETPORT mountd/udp at $G4 (${port:-none})" \
		test "${port:-0}" -gt 0
	check "host: gcems expects $GW4 -> $G4:${port:-?}/udp" \
		gcems_expects $GW4 "$G4" "${port:-0}"
	check "host: mountd answers img1 (seen as $GW4)" \
		rpc_null_from img1 $IMG4 udp "$G4" "${port:-0}"
	check_not "host: not mountd over TCP (not looked up, port $tport)" \
		rpc_null_from img1 $IMG4 tcp "$G4" "$tport"
	check_not "host: not from the outsider $OUT4 (not masqueraded)" \
		rpc_null_from img1 $OUT4 udp "$G4" "${port:-0}"
	run_in gcems conntrack -F expect >/dev/null 2>&1
	check "host: mount mountproto=udp through the gateway's SNAT" \
		mount_nfs img1 "$G4" "$OPTS_UDP" "$MNT" "$MOUNT_TIMEOUT"
	check "host: write and read a file" write_read_back img1 "$MNT"
	check "host: umount" nfs_umount "$MNT"
	log "host: gcems stats: $(run_in gcems imgsecctl stats --json 2>/dev/null | tr -d '\n' | head -c 600)"
}

# --- main ---------------------------------------------------------------

setup_nat_topology
must "$IP" -n gcems addr add $G4B/24 dev eth0
must "$IP" -n img1 addr add $OUT4/24 dev eth0
must publish_two
write_gw_policy
# Part 1's holes must outlive it on the debug kernel (3 times slower):
# at 30 s the first one expired before the same-hole checks there.
check "modprobe imgsec" modprobe imgsec rpc_timeout=120
must run_in gw imgsecctl set-policy /tmp/natport.conf
log "set up in $(elapsed)"

test_fake_clash
log "fake clash done ($(elapsed))"
start_nfs_server
test_real_clash
test_real_clash_tcp
test_refused
log "real clash done ($(elapsed))"
test_gw_masquerade
log "gw masquerade done ($(elapsed))"
test_host_behind_snat
log "host behind SNAT done ($(elapsed))"

echo "# imgsecctl stats in gw:"
run_in gw imgsecctl stats 2>&1 | sed 's/^/#   /' | head -40
log "total $(elapsed)"
summary
