# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# What the per-source cap tests share (per_source_max_test.sh,
# per_source_max_attack_test.sh), sourced after lib.sh: gcems's echo server
# on PORT, and the policy that puts the IMGs' TCP connections to it under
# the option being tested.

PORT=5000

# An echo server on gcems, PORT, IPv4 and IPv6 (a dual-stack socket), that
# keeps every connection open until its client closes; up and listening
# when this returns.
start_echo_server() {
	cat >"$E2E_STATE/server.py" <<'EOS'
import os, socket, sys
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(('::', int(sys.argv[1])))
ls.listen(64)
while True:
    c, _ = ls.accept()
    if os.fork() == 0:
        ls.close()
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        os._exit(0)
    c.close()
EOS
	run_in gcems python3 "$E2E_STATE/server.py" "$PORT" &
	echo $! >>"$E2E_STATE/pids"
	busywait 30000 listening gcems tcp "$PORT" || die "no server on $PORT"
}

# Load on gcems, in MODE, the policy that lets the IMGs (img1 and img2 over
# IPv4, img1 over IPv6) reach gcems's PORT over TCP under OPTION (the
# per-source options, imgsec.conf(5)); anything else is rejected.
set_per_source_policy() { # MODE OPTION COMMENT
	local policy=$E2E_STATE/per_source.conf
	cat >"$policy" <<EOP
mode $1
default reject
role gcems 192.0.2.1 2001:db8::1
role img 192.0.2.11 192.0.2.12 2001:db8::11
allow img -> gcems tcp $PORT $2 "$3"
EOP
	must run_in gcems imgsecctl set-policy "$policy"
}
