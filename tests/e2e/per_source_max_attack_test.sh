#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Attacks on the per-source cap ("per-source max M", imgsec.conf(5)).
# nf_conncount counts a TCP connection until conntrack sees it closed
# (CLOSE, TIME_WAIT); conntrack and the server's stack can disagree.
# img1 (cap 2) opens A, then sends on A a RST with A's exact sequence
# number carrying an IP option (loose source route) that gcems's stack
# refuses after conntrack has seen it: conntrack says A is closed, the
# server's socket is not. Before the fix img1 then opened B and C (3 open
# under a cap of 2) and kept A alive, uncounted, for as long as it sent on
# it (each segment refreshed conntrack's CLOSE entry; once that expired,
# the next segment was picked up midstream, uncounted). The cap must hold:
# a connection picked up midstream counts against its source's cap (round
# 1: A, idle until its entry expired, then over the cap), and data on a
# connection conntrack saw closed is dropped under a capped rule (round 2:
# D, closed for conntrack, then E at the cap).
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/per_source_max_attack_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/per_source_lib.sh
. "$(dirname "$0")/per_source_lib.sh"

G4=$(addr4 gcems)
ctl() { run_in gcems imgsecctl "$@"; }

# img1's side: A, the RST conntrack sees and gcems's stack refuses, then
# B and C, then whether A still echoes (now, and after conntrack's CLOSE
# timeout of 10 s). Prints "NAME 1|0" lines.
cat >"$E2E_STATE/attack.py" <<'EOS'
import socket, struct, sys, time
dst, port = sys.argv[1], int(sys.argv[2])
TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ = 19, 20, 21
TCP_RECV_QUEUE, TCP_SEND_QUEUE = 1, 2

def echo(s, tok, timeout):
    s.settimeout(timeout)
    try:
        s.sendall(tok)
        got = b''
        while len(got) < len(tok):
            d = s.recv(4096)
            if not d:
                return 0
            got += d
        return int(got == tok)
    except OSError:
        return 0

def connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((dst, port))
    except OSError:
        return None
    return s

def queue_seq(s, q):
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, q)
    return struct.unpack('I', s.getsockopt(socket.IPPROTO_TCP,
                                           TCP_QUEUE_SEQ, 4))[0]

def csum(b):
    if len(b) % 2:
        b += b'\0'
    n = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while n >> 16:
        n = (n & 0xffff) + (n >> 16)
    return ~n & 0xffff

def rst_with_lsrr(s):
    src, sport = s.getsockname()
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    seq = queue_seq(s, TCP_SEND_QUEUE)
    ack = queue_seq(s, TCP_RECV_QUEUE)
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 0)
    time.sleep(0.5)
    saddr, daddr = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack('!HHIIBBHHH', sport, port, seq, ack, 5 << 4,
                      0x14, 0, 0, 0)
    pseudo = saddr + daddr + struct.pack('!BBH', 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
    # Loose source route through gcems itself, then end of options.
    opt = struct.pack('!BBB', 0x83, 7, 4) + daddr + b'\0'
    ihl = (20 + len(opt)) // 4
    ip = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, 20 + len(opt) +
                     len(tcp), 1, 0, 64, 6, 0, saddr, daddr)
    ip = ip[:10] + struct.pack('!H', csum(ip + opt)) + ip[12:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(ip + opt + tcp, (dst, 0))

def silent_close(s):
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    s.close()

# Round 1: A closed for conntrack only, B and C take the cap; A, idle
# until its CLOSE entry expires, is then picked up midstream.
a = connect()
print('A_open', int(a is not None and echo(a, b'a0', 5) == 1), flush=True)
rst_with_lsrr(a)
time.sleep(1)
b, c = connect(), connect()
print('B_echo', int(b is not None and echo(b, b'b0', 5) == 1), flush=True)
print('C_echo', int(c is not None and echo(c, b'c0', 5) == 1), flush=True)
time.sleep(13)
print('A_picked_up', echo(a, b'a1', 8), flush=True)
# Round 2: A gone without a word, C closed: D, closed for conntrack only,
# then E takes the cap; data on D while its CLOSE entry lives.
silent_close(a)
c.close()
time.sleep(2)
d = connect()
print('D_open', int(d is not None and echo(d, b'd0', 5) == 1), flush=True)
rst_with_lsrr(d)
time.sleep(1)
e = connect()
print('E_echo', int(e is not None and echo(e, b'e0', 5) == 1), flush=True)
print('D_in_close', echo(d, b'd1', 5), flush=True)
print('B_still', echo(b, b'b1', 5), flush=True)
print('done', flush=True)
time.sleep(int(sys.argv[3]))
EOS

# A RESULT line of the attack's output (1 or 0).
result() { # NAME
	sed -n "s/^$1 //p" "$E2E_STATE/attack.out"
}

# img1's connections gcems's server has established.
server_holds() {
	run_in gcems ss -Htn state established "( sport = :$PORT )" |
		grep -c "$(addr4 img1)"
}

setup_topology
start_echo_server "$PORT"
must modprobe imgsec
set_per_source_policy enforce "per-source max 2" "cap of 2"

run_in img1 python3 "$E2E_STATE/attack.py" "$G4" $PORT 30 \
	>"$E2E_STATE/attack.out" 2>&1 &
echo $! >>"$E2E_STATE/pids"
busywait 120000 grep -q '^done' "$E2E_STATE/attack.out" ||
	log "attack did not finish: $(cat "$E2E_STATE/attack.out")"
log "attack: $(tr '\n' ' ' <"$E2E_STATE/attack.out")"
log "server holds $(server_holds) of img1's connections"
log "conntrack: $(run_in gcems conntrack -L -p tcp --dport $PORT 2>/dev/null | tr '\n' '|')"
check "A opened and echoed (under the cap of 2)" test "$(result A_open)" = 1
check "B and C opened (A closed for conntrack: no longer counted)" \
	test "$(result B_echo)$(result C_echo)" = 11
check "A, picked up midstream after its entry expired, is over the cap: no data" \
	test "$(result A_picked_up)" = 0
check "round 2: D opened (A gone, C closed)" test "$(result D_open)" = 1
check "round 2: E opened (D closed for conntrack)" test "$(result E_echo)" = 1
check "D, closed for conntrack only, carries no data" \
	test "$(result D_in_close)" = 0
check "B, within the cap all along, still echoes" test "$(result B_still)" = 1
n=$(ctl stats --json | json_num source_capped)
log "source_capped: $n"
check "the midstream pickups over the cap are counted (source_capped)" \
	test "$n" -ge 1
summary
