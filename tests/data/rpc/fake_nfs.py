#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Register NFS 100003 v3 (tcp, tcp6) at 2049 with rpcbind and answer NULL
# calls over TCP, so that mount.nfs goes on to ask for MOUNT's port.
import socket, struct, threading, sys

def rpcb_set(prog, vers, netid, uaddr, fam):
    def s(x):
        b = x.encode(); return struct.pack('>I', len(b)) + b + b'\0' * (-len(b) % 4)
    msg = struct.pack('>IIIIII', 0x1234 + len(netid), 0, 2, 100000, 3, 1) + b'\0' * 16
    msg += struct.pack('>II', prog, vers) + s(netid) + s(uaddr) + s('superuser')
    so = socket.socket(fam, socket.SOCK_DGRAM)
    so.bind(('::1' if fam == socket.AF_INET6 else '127.0.0.1', 0))
    so.sendto(msg, ('::1' if fam == socket.AF_INET6 else '127.0.0.1', 111))
    print(netid, so.recv(100).hex(), flush=True)

def serve(fam, addr):
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 2049)); ls.listen(5)
    while True:
        c, _ = ls.accept()
        try:
            while True:
                h = c.recv(4)
                if len(h) < 4: break
                n = struct.unpack('>I', h)[0] & 0x7fffffff
                body = b''
                while len(body) < n:
                    d = c.recv(n - len(body))
                    if not d: break
                    body += d
                xid = body[:4]
                rep = xid + struct.pack('>IIIII', 1, 0, 0, 0, 0)
                c.sendall(struct.pack('>I', 0x80000000 | len(rep)) + rep)
        except Exception:
            pass
        c.close()

rpcb_set(100003, 3, 'tcp', '127.0.0.1.8.1', socket.AF_INET)
rpcb_set(100003, 3, 'tcp6', '::1.8.1', socket.AF_INET6)
for fam, a in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    threading.Thread(target=serve, args=(fam, a), daemon=True).start()
threading.Event().wait(float(sys.argv[1]) if len(sys.argv) > 1 else 120)
