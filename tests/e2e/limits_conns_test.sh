#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A rule's limit charges only the packet that opens a connection (found by
# the adversarial review of the limits, helper 23): not the segments of a
# connection open before the first policy (A), an invalid segment of an
# admitted one (B; B-control: the same without a limit), the connections
# conntrack picks up again after a flush (C), nor the later datagrams of a
# UDP flow with no reply (D). Before the fix, A and C were reset under
# default reject, B's connection too, and D passed 3 of 10 datagrams.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/limits_conns_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

G4=$(addr4 gcems)
PORT=5000
UPORT=5140
POLICY=$E2E_STATE/p.conf
ctl() { run_in gcems imgsecctl "$@"; }

cat >$E2E_STATE/udprecv.py <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((b'0.0.0.0', int(sys.argv[1])))
out = open(sys.argv[2], 'a', buffering=1)
while True:
    d, a = s.recvfrom(100)
    out.write(d.decode() + '\n')
EOF

cat >$E2E_STATE/client.py <<'EOF'
import socket, struct, sys, time, os
mode, G, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
GB = G.encode()
def conn():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect((GB, PORT))
    return s


def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff

def exchange(s, msg):
    s.settimeout(3)
    try:
        s.sendall(msg)
        got = b''
        while len(got) < len(msg):
            d = s.recv(100)
            if not d: return 'closed'
            got += d
        return 'ok' if got == msg else 'mismatch'
    except Exception as e:
        return 'error:%s' % e

if mode == 'inject':
    sn = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    sn.bind(('eth0', 0))
    s = conn()
    lip, lport = s.getsockname()
    print('first exchange:', exchange(s, b'hello'), flush=True)
    time.sleep(0.3)
    sn.setblocking(False)
    rcv_nxt = snd_nxt = None
    while True:
        try: f = sn.recv(65535)
        except BlockingIOError: break
        ip = f[14:]
        if ip[9] != 6: continue
        ihl = (ip[0] & 15) * 4; tot = struct.unpack('!H', ip[2:4])[0]
        tcp = ip[ihl:]
        sp, dp, seq, ack = struct.unpack('!HHII', tcp[:12])
        doff = (tcp[12] >> 4) * 4; flags = tcp[13]
        if socket.inet_ntoa(ip[12:16]) == G and sp == PORT and dp == lport:
            rcv_nxt = (seq + tot - ihl - doff + (1 if flags & 3 else 0)) & 0xffffffff
            snd_nxt = ack
    print('rcv_nxt', rcv_nxt, 'snd_nxt', snd_nxt, flush=True)
    seq = (snd_nxt + 2**30) & 0xffffffff   # far past the receiver's window
    payload = b'x'
    hdr = struct.pack('!HHIIBBHHH', lport, PORT, seq, rcv_nxt, 5 << 4, 0x18, 1024, 0, 0)
    pseudo = socket.inet_aton(lip) + socket.inet_aton(G) + struct.pack('!BBH', 0, 6, len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    hdr = hdr[:16] + struct.pack('!H', c) + hdr[18:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    r.sendto(hdr + payload, (GB, 0))
    time.sleep(1)
    print('after injection:', exchange(s, b'again'), flush=True)
elif mode == 'hold':
    n, go = int(sys.argv[4]), sys.argv[5]
    conns = [conn() for _ in range(n)]
    print('before:', ' '.join(exchange(s, b'hi') for s in conns), flush=True)
    while not os.path.exists(go): time.sleep(0.1)
    res = []
    for s in conns:
        res.append(exchange(s, b'again'))
    print('after:', ' '.join(res), flush=True)
elif mode == 'udp':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(10):
        s.sendto(b'd%d' % i, (GB, PORT)); time.sleep(0.1)
EOF

write_policy() { # MODE LIMIT [UDP LIMIT]
	cat >"$POLICY" <<EOF
mode $1
default reject
role gcems 192.0.2.1
role img1 192.0.2.11
allow img1 -> gcems tcp $PORT $2 "img1"
allow img1 -> gcems udp $UPORT ${3:-} "udp one-way"
EOF
}

setup_topology
must modprobe imgsec
start_echo_server $PORT
run_in gcems python3 $E2E_STATE/udprecv.py $UPORT $E2E_STATE/udp.out >/dev/null 2>&1 &
echo $! >>$E2E_STATE/pids
log "A: connections open before the first policy (picked up in the middle)"
run_in img1 python3 $E2E_STATE/client.py hold "$G4" $PORT 3 $E2E_STATE/go >$E2E_STATE/hold.out 2>&1 &
hold=$!
sleep 2
cat $E2E_STATE/hold.out
write_policy enforce "limit 1/min burst 1"
must ctl set-policy "$POLICY"
touch $E2E_STATE/go
wait $hold
cat $E2E_STATE/hold.out
check "A: established connections survive a limited policy's arrival" \
	grep -q '^after: ok ok ok$' $E2E_STATE/hold.out

log "B: out-of-window segment on an established, admitted connection"
write_policy enforce "limit 1/min burst 1"
must ctl set-policy "$POLICY"
run_in img1 python3 $E2E_STATE/client.py inject "$G4" $PORT >$E2E_STATE/inj.out 2>&1
cat $E2E_STATE/inj.out
check "B: the admitted connection survives an invalid segment (limit on)" \
	grep -q '^after injection: ok' $E2E_STATE/inj.out

log "B-control: the same without the limit"
write_policy enforce ""
must ctl set-policy "$POLICY"
run_in img1 python3 $E2E_STATE/client.py inject "$G4" $PORT >$E2E_STATE/inj2.out 2>&1
cat $E2E_STATE/inj2.out
check "B-control: survives without the limit" \
	grep -q '^after injection: ok' $E2E_STATE/inj2.out

log "C: conntrack entries lost (conntrack -F) under a limited rule"
write_policy enforce "limit 1/min burst 3"
must ctl set-policy "$POLICY"
rm -f $E2E_STATE/go
run_in img1 python3 $E2E_STATE/client.py hold "$G4" $PORT 3 $E2E_STATE/go >$E2E_STATE/hold2.out 2>&1 &
hold=$!
sleep 2
run_in gcems conntrack -F >/dev/null 2>&1
touch $E2E_STATE/go
wait $hold
cat $E2E_STATE/hold2.out
check "C: established connections survive a conntrack flush under a limit" \
	grep -q '^after: ok ok ok$' $E2E_STATE/hold2.out

log "D: one UDP flow, one socket, 10 datagrams in 1 s, limit 2/s burst 2"
write_policy enforce "" "limit 2/s burst 2"
must ctl set-policy "$POLICY"
: >$E2E_STATE/udp.out
run_in img1 python3 $E2E_STATE/client.py udp "$G4" $UPORT
sleep 1
check "D: one UDP flow with no reply pays its rule's limit once: 10 of 10 datagrams" \
	test "$(grep -c . $E2E_STATE/udp.out)" = 10
summary
