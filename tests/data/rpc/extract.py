#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Extract one portmap/rpcbind exchange from a pcap into sample files.

usage: extract.py PCAP FLOW NAME     (run in tests/data/rpc)
       extract.py PCAP               (list the flows)

Reads a Linux loopback capture (DLT_EN10MB, IPv4 or IPv6) of port 111.
Flows are numbered from 0 in order of appearance: a UDP flow is one call
datagram and the reply with the same xid; a TCP flow is one connection.
Writes NAME.call.udp.bin / NAME.reply.udp.bin (the datagram payloads) or
NAME.call.tcp.bin / NAME.reply.tcp.bin (the byte stream of one direction,
record marks included, reassembled in sequence order).
"""
import struct
import sys


def frames(path):
    d = open(path, 'rb').read()
    assert struct.unpack('<I', d[:4])[0] == 0xa1b2c3d4, 'not a pcap'
    assert struct.unpack('<I', d[20:24])[0] == 1, 'not DLT_EN10MB'
    off = 24
    while off < len(d):
        incl = struct.unpack('<I', d[off + 8:off + 12])[0]
        yield d[off + 16:off + 16 + incl]
        off += 16 + incl


def transport(frame):
    et = struct.unpack('>H', frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800:
        tot = struct.unpack('>H', ip[2:4])[0]
        proto, src, dst, l4 = ip[9], ip[12:16], ip[16:20], ip[(ip[0] & 15) * 4:tot]
    elif et == 0x86dd:
        plen = struct.unpack('>H', ip[4:6])[0]
        proto, src, dst, l4 = ip[6], ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    sport, dport = struct.unpack('>HH', l4[:4])
    if proto == 17:
        return 'udp', (src, sport, dst, dport), None, l4[8:]
    if proto == 6:
        seq = struct.unpack('>I', l4[4:8])[0]
        return 'tcp', (src, sport, dst, dport), seq, l4[(l4[12] >> 4) * 4:]
    return None


def flows(path):
    out = []          # [kind, {'call': bytes, 'reply': bytes}]
    udp_open = {}     # (client, xid) -> flow
    tcp = {}          # connection key -> flow
    for fr in frames(path):
        t = transport(fr)
        if not t or not t[3]:
            continue
        kind, (src, sport, dst, dport), seq, data = t
        side = 'call' if dport == 111 else 'reply'
        client = (src, sport) if side == 'call' else (dst, dport)
        if kind == 'udp':
            key = (client, data[:4])
            if side == 'call' and key not in udp_open:
                udp_open[key] = ['udp', {'call': data, 'reply': b''}]
                out.append(udp_open[key])
            elif side == 'reply' and key in udp_open:
                udp_open.pop(key)[1]['reply'] = data
            continue
        if client not in tcp:
            tcp[client] = ['tcp', {'call': {}, 'reply': {}}]
            out.append(tcp[client])
        tcp[client][1][side][seq] = data   # a retransmission overwrites
    for f in out:
        if f[0] == 'tcp':
            for side, segs in f[1].items():
                f[1][side] = b''.join(segs[s] for s in sorted(segs))
    return out


def main():
    fl = flows(sys.argv[1])
    if len(sys.argv) == 2:
        for i, (kind, d) in enumerate(fl):
            print(i, kind, d['call'].hex(), d['reply'].hex())
        return
    kind, d = fl[int(sys.argv[2])]
    for side in ('call', 'reply'):
        with open('%s.%s.%s.bin' % (sys.argv[3], side, kind), 'wb') as f:
            f.write(d[side])


main()
