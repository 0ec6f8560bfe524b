#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shipped policy (etc/imgsec.conf, the vendor's port table) on gcems:
# for every row, the allowed direction connects, while the outsider and the
# wrong direction are refused. Then: monitor mode, bad input changes
# nothing, non-admins are refused, --confirm reverts, flush passes all.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/policy_test.sh
. "$(dirname "$0")/lib.sh"

CONF=${IMGSEC_SRC:-/src}/etc/imgsec.conf
G4=$(addr4 gcems)
G6=$(addr6 gcems)

ctl() { run_in gcems imgsecctl "$@"; } # imgsecctl in the namespace of gcems

# allowed_tcp NAME FROM TO PORT: FROM reaches TO:PORT; the same port is
# refused from the outsider (to gcems) or towards it (from gcems: gcems'
# own output is filtered too), and in the wrong direction, TO -> FROM.
allowed_tcp() { allowed tcp "$@"; }
allowed_udp() { allowed udp "$@"; }

allowed() { # PROTO NAME FROM TO PORT
	local proto=$1 name=$2 from=$3 to=$4 port=$5 probe=can_connect_tcp
	[ "$proto" = udp ] && probe=can_send_udp
	start_listener "$to" "$proto" "$port"
	start_listener "$from" "$proto" "$port"
	check "$name: $from -> $to $proto $port" \
		$probe "$from" "$(addr4 "$to")" "$port"
	if [ "$to" = gcems ]; then
		check_not "$name: outsider -> gcems $proto $port refused" \
			$probe outsider "$G4" "$port"
	else
		start_listener outsider "$proto" "$port"
		check_not "$name: gcems -> outsider $proto $port refused" \
			$probe gcems "$(addr4 outsider)" "$port"
	fi
	check_not "$name: $to -> $from $proto $port refused" \
		$probe "$to" "$(addr4 "$from")" "$port"
}

stat_of() { # NAME: a counter from "imgsecctl stats --json"
	ctl stats --json | tr ',{}' '\n\n\n' | sed -n "s/^ *\"$1\": *\([0-9]*\).*/\1/p" |
		head -n 1
}

# FTP through the kernel's ftp helper, attached by the policy: a scripted
# server announces a passive port (227), the client then connects to it
# as a related connection; an unannounced port stays closed.
ftp_passive() {
	local port=10021
	listen_tcp gcems $port
	ftp_server gcems "227 Entering Passive Mode (192,0,2,1,39,37)." ||
		return 1
	ftp_client img1 "$G4" 21 PASV | grep -q '^227 ' || return 1
	can_connect_tcp img1 "$G4" $port || return 1
	busywait 5000 eval '! listening gcems tcp 21'
}

test_rows() {
	# Connections between IMG and GCEMS. The scripted FTP server takes
	# port 21 first, for one connection.
	check "FTP passive data port opened by the ftp helper" ftp_passive
	allowed_tcp "FTP control" img1 gcems 21
	allowed_tcp "FTP data (active, port 20)" img1 gcems 20
	check_not "FTP: unannounced high port stays closed" \
		can_connect_tcp img1 "$G4" 10022
	allowed_tcp "Telnet" gcems img1 23
	allowed_udp "NFS" img1 gcems 2049
	# nfsd itself listens on TCP 2049.
	check "NFS over TCP: img2 -> gcems tcp 2049" \
		run_in img2 "$NC" -z -n -w 3 "$G4" 2049
	check_not "NFS over TCP: outsider -> gcems tcp 2049 refused" \
		run_in outsider "$NC" -z -n -w 3 "$G4" 2049
	allowed_udp "RADIUS authentication" img1 gcems 1812
	allowed_udp "RADIUS accounting" img2 gcems 1813
	allowed_udp "SNMP requests" gcems img1 161
	allowed_tcp "SNMP requests over TCP" gcems img2 161
	allowed_udp "SNMP traps" img1 gcems 162
	allowed_tcp "SNMP traps over TCP" img1 gcems 162
	allowed_tcp "GCEMS control" img1 gcems 12610
	allowed_udp "NTP" img2 gcems 123

	# Connections to the GCEMS server.
	allowed_tcp "SSH" clientview gcems 22
	allowed_tcp "VNC" clientview gcems 5901
	allowed_tcp "HTTP (support)" clientview gcems 80
	allowed_tcp "GCEMS application" clientview gcems 1312
	allowed_tcp "ClientView data" clientview gcems 2623
	allowed_tcp "ClientView FTP, first of range" clientview gcems 2428
	allowed_tcp "ClientView FTP, last of range" clientview gcems 2433
	allowed_tcp "ClientView signaling" clientview gcems 2624
	allowed_tcp "ClientView authentication" clientview gcems 1098
	allowed_tcp "ClientView authentication" clientview gcems 1099

	# Roles hold: an IMG is no ClientView, nor the other way round.
	listen_tcp gcems 2434
	check_not "ClientView range ends at 2433" \
		can_connect_tcp clientview "$G4" 2434
	check_not "an IMG is not a ClientView (tcp 2623)" \
		can_connect_tcp img1 "$G4" 2623
	check_not "ClientView is not an IMG (tcp 12610)" \
		can_connect_tcp clientview "$G4" 12610
}

test_ipv6() {
	check "IPv6: clientview -> gcems ssh" \
		can_connect_tcp clientview "$G6" 22
	check "IPv6: img1 -> gcems GCEMS control" \
		can_connect_tcp img1 "$G6" 12610
	check_not "IPv6: outsider -> gcems ssh refused" \
		can_connect_tcp outsider "$G6" 22
	# img2 has not spoken IPv6 to gcems yet: neighbour discovery must pass.
	check "IPv6: img2 -> gcems GCEMS control (neighbour discovery passes)" \
		can_connect_tcp img2 "$G6" 12610
}

test_nfs_through_portmap() {
	local mnt=/mnt/policy-nfs
	check "NFS mount from img1 through the portmap row" \
		nfs_mount img1 "$G4" vers=3,proto=tcp,mountproto=udp,nolock $mnt
	check "file written over NFS" sh -c "echo hello >$mnt/policy-test"
	check "file seen on the server" grep -q hello "$NFS_EXPORT/policy-test"
	nfs_umount $mnt
	check "rpc helper opened the mount port" \
		test "$(stat_of expected)" -ge 1
	check "img1 reaches portmap (rpcinfo -p)" \
		run_in img1 timeout 20 rpcinfo -p "$G4"
	check_not "outsider does not reach portmap (rpcinfo -p)" \
		run_in outsider timeout 20 rpcinfo -p "$G4"
}

# SS7 is between IMGs: it never crosses gcems. The same file, set in
# img2's own namespace (imgsec is per namespace), shows that row.
test_ss7() {
	must run_in img2 imgsecctl set-policy "$CONF"
	listen_udp img2 34867
	check "SS7: img1 -> img2 udp 34867" can_send_udp img1 "$(addr4 img2)" 34867
	check_not "SS7: outsider -> img2 udp 34867 refused" \
		can_send_udp outsider "$(addr4 img2)" 34867
	must run_in img2 imgsecctl flush
}

# Ping under the shipped policy: what monitoring and the operators need
# passes (gcems -> img, clientview and support -> gcems, both families),
# nothing else; and IGMP leaves gcems without a rule.
pings() { # FROM ADDR
	run_in "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1
}

test_icmp() {
	local before after
	must ctl set-policy "$CONF"
	check "ping: gcems -> img1 (icmp echo)" pings gcems "$(addr4 img1)"
	check "ping: gcems -> img1 over IPv6 (icmpv6 echo)" \
		pings gcems "$(addr6 img1)"
	check "ping: clientview -> gcems" pings clientview "$G4"
	check "ping: clientview -> gcems over IPv6" pings clientview "$G6"
	before=$(stat_of dropped)
	check_not "ping: outsider -> gcems refused" pings outsider "$G4"
	check_not "ping: outsider -> gcems over IPv6 refused" \
		pings outsider "$G6"
	check_not "ping: img1 -> gcems refused (no rule that way)" \
		pings img1 "$G4"
	check_not "ping: gcems -> outsider refused (its own output too)" \
		pings gcems "$(addr4 outsider)"
	after=$(stat_of dropped)
	check "ping: the refused echoes are counted as dropped ($before -> $after)" \
		test "$((after - before))" -ge 4
	# Joining a group sends an IGMP report (TTL 1, to the group): it
	# must leave gcems although no rule names IGMP.
	run_in img1 timeout 10 tcpdump -Z root -l -n -i eth0 -c 1 \
		"igmp and src $G4" >/tmp/igmp.out 2>/dev/null &
	echo $! >>"$E2E_STATE/pids"
	sleep 1
	must run_in gcems "$IP" addr add 239.1.2.3/32 dev eth0 autojoin
	check "IGMP: gcems' membership report leaves the host" \
		busywait 8000 grep -q "igmp" /tmp/igmp.out
	must run_in gcems "$IP" addr del 239.1.2.3/32 dev eth0
}

# ICMP is matched per family: protocol 1 over IPv6 or 58 over IPv4 carries
# no message of either (conntrack gives it no entry) and no icmp or icmpv6
# rule may let it through. A raw listener on gcems would see it.
cat >/tmp/rawrecv.py <<'PY'
import select, socket, sys, time
s = socket.socket(int(sys.argv[1]), socket.SOCK_RAW, int(sys.argv[2]))
end = time.time() + float(sys.argv[4])
with open(sys.argv[3], "w") as out:
    while time.time() < end:
        if select.select([s], [], [], 0.2)[0]:
            out.write(repr(s.recv(4096)) + "\n")
            out.flush()
PY
cat >/tmp/rawsend.py <<'PY'
import socket, sys
s = socket.socket(int(sys.argv[1]), socket.SOCK_RAW, int(sys.argv[2]))
s.sendto(bytes([int(sys.argv[4]), 0, 0, 0, 0, 1, 0, 1]) + b"imgsec-raw",
         (sys.argv[3], 0))
PY

raw_reaches() { # FAMILY(2|10) PROTO ADDR TYPE
	rm -f /tmp/raw.out
	run_in gcems timeout 10 python3 /tmp/rawrecv.py "$1" "$2" /tmp/raw.out 4 &
	sleep 1.5
	run_in clientview python3 /tmp/rawsend.py "$1" "$2" "$3" "$4"
	wait $!
	grep -q imgsec-raw /tmp/raw.out
}

test_icmp_families() {
	must ctl set-policy "$CONF"
	check "icmp: a real echo over IPv4 still reaches the raw listener" \
		raw_reaches 2 1 "$G4" 8
	check_not "icmp: protocol 1 (type 8) over IPv6 matches no icmp rule" \
		raw_reaches 10 1 "$G6" 8
	check_not "icmp: protocol 58 (type 128) over IPv4 matches no icmpv6 rule" \
		raw_reaches 2 58 "$G4" 128
}

# A TCP connection open before the first policy is picked up by conntrack
# in the middle, from whichever side speaks first. The server speaking
# first (sshd printing "policy applied") must neither freeze nor, with
# default reject, be reset. Each case in a namespace conntrack has never
# followed: gcems before its first policy, img2 before its own.
cat >/tmp/pick_srv.py <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
c, _ = s.accept()
s.close()
open(sys.argv[2], "w").write("accepted\n")
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
c.sendall(b"server-first\n")
time.sleep(7)
PY
cat >/tmp/pick_cli.py <<'PY'
import socket, sys
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect((sys.argv[1], int(sys.argv[2])))
c.settimeout(6)
try:
    print("got %r" % c.recv(100))
except Exception as e:
    print("error %r" % e)
PY

pickup() { # NAME SERVER-NS ADDR PORT POLICY
	local name=$1 ns=$2 addr=$3 port=$4 conf=$5 cpid
	rm -f /tmp/go.$port /tmp/srv.$port.log
	run_in "$ns" timeout 20 python3 /tmp/pick_srv.py "$port" \
		/tmp/srv.$port.log /tmp/go.$port &
	sleep 1
	run_in clientview timeout 15 python3 /tmp/pick_cli.py "$addr" "$port" \
		>/tmp/cli.$port.log 2>&1 &
	cpid=$!
	busywait 5000 grep -q accepted /tmp/srv.$port.log
	must run_in "$ns" imgsecctl set-policy "$conf"
	touch /tmp/go.$port
	wait $cpid
	check "$name: the server's first data reaches the client, no reset ($(cat /tmp/cli.$port.log))" \
		grep -q "got b'server-first" /tmp/cli.$port.log
}

test_pickup() {
	pickup "pickup (default drop)" gcems "$G4" 22 "$CONF"
	cat >/tmp/pick_reject.conf <<-EOF
	default reject
	role srv $(addr4 img2)
	role cv $(addr4 clientview)
	allow cv -> srv tcp 2222
	EOF
	pickup "pickup (default reject)" img2 "$(addr4 img2)" 2222 \
		/tmp/pick_reject.conf
	must run_in img2 imgsecctl flush
}

test_monitor() {
	local before after
	must sh -c "sed 's/^mode enforce/mode monitor/' $CONF >/tmp/monitor.conf"
	must ctl set-policy /tmp/monitor.conf
	before=$(stat_of would_drop)
	listen_tcp gcems 8080
	# imgsecctl monitor prints the kernel's events as they come.
	run_in gcems imgsecctl monitor >/tmp/events.out 2>&1 &
	echo $! >>"$E2E_STATE/pids"
	sleep 1
	check "monitor: outsider reaches an unlisted port" \
		can_connect_tcp outsider "$G4" 8080
	check "monitor: imgsecctl monitor shows the would-be drop live" \
		busywait 3000 grep -q "192.0.2.99.*8080" /tmp/events.out
	after=$(stat_of would_drop)
	check "monitor: counted as would-drop ($before -> $after)" \
		test "${after:-0}" -gt "${before:-0}"
	# nf_log's rule: a namespace other than the host's logs only with
	# nf_log_all_netns (test_reports in hardening_test.sh checks both).
	must sysctl -q -w net.netfilter.nf_log_all_netns=1
	check "monitor: a second would-be drop" \
		can_connect_tcp outsider "$G4" 8080
	check "monitor: logged with the imgsec: prefix (nf_log_all_netns=1)" \
		busywait 3000 sh -c "dmesg | grep -q 'imgsec: would drop IN=eth0 .*SRC=192.0.2.99 .*DPT=8080'"
	must sysctl -q -w net.netfilter.nf_log_all_netns=0
}

test_bad_input() {
	local before after rc
	must ctl set-policy "$CONF"
	before=$(ctl show)
	printf 'mode enforce\nrole a 192.0.2.1\nallow a -> b tcp 22\n' >/tmp/bad.conf
	ctl set-policy /tmp/bad.conf >/tmp/bad.out 2>&1
	rc=$?
	check "bad policy file refused (exit 3)" test $rc = 3
	check "bad policy file: error names file:line:col" \
		grep -q 'bad.conf:3:' /tmp/bad.out
	after=$(ctl show)
	check "bad policy file changed nothing" test "$before" = "$after"
	check "SSH still allowed after the refused file" \
		can_connect_tcp clientview "$G4" 22
	# Malformed netlink messages, one fault each (tests/tools/genl_bad.c):
	# its own PASS/FAIL lines count with ours; a missing tool is a failure,
	# not 28 checks fewer.
	local bad=${IMGSEC_SRC:-/src}/tests/tools/genl_bad
	check "tests/tools/genl_bad is built (make tools)" test -x "$bad"
	run_in gcems "$bad" >/tmp/genl_bad.out 2>&1
	check "genl_bad ran to its summary" \
		grep -qE '^[0-9]+ passed, [0-9]+ failed$' /tmp/genl_bad.out
	grep -E '^(PASS|FAIL): ' /tmp/genl_bad.out
	PASSED=$((PASSED + $(grep -c '^PASS: ' /tmp/genl_bad.out)))
	FAILED=$((FAILED + $(grep -c '^FAIL: ' /tmp/genl_bad.out)))
	# Its last, well-formed message replaced our policy: put it back.
	must ctl set-policy "$CONF"
}

# set-policy must not cut the SSH session it runs in: SSH_CONNECTION (set
# by hand here, as sshd would) names the peer; what the tool predicts is
# then checked against what the kernel does.
gen() { ctl status --json | json_num generation; }

test_lockout() {
	local o4 c4 g1 rc holder
	o4=$(addr4 outsider) c4=$(addr4 clientview)
	must ctl set-policy "$CONF"
	g1=$(gen)
	run_in gcems env SSH_CONNECTION="$o4 40000 $G4 22" \
		imgsecctl set-policy "$CONF" >/tmp/lock.out 2>&1
	rc=$?
	check "lockout: a policy cutting this SSH session is refused (exit $rc)" \
		test $rc = 1
	check "lockout: the refusal names the peer, address and port" \
		grep -q "refused: the policy drops new SSH connections from $o4, .* to $G4 port 22" /tmp/lock.out
	check "lockout: the refusal changed nothing (generation $g1)" \
		test "$(gen)" = "$g1"
	# sudo drops the variable: it is found in a parent process.
	run_in gcems env SSH_CONNECTION="$o4 40000 $G4 22" sh -c \
		'env -u SSH_CONNECTION imgsecctl set-policy "$1"; exit $?' sh \
		"$CONF" >/tmp/lock.out 2>&1
	rc=$?
	check "lockout: found in a parent's environment too (exit $rc)" \
		sh -c "test $rc = 1 && grep -q 'refused: the policy drops' /tmp/lock.out"
	run_in gcems env SSH_CONNECTION="$c4 40000 $G4 22" \
		imgsecctl set-policy "$CONF" >/tmp/lock.out 2>&1
	check "lockout: a session the policy lets back in is not refused" \
		test $? = 0
	check "lockout: ... and the kernel does let it in" \
		can_connect_tcp clientview "$G4" 22
	run_in gcems env SSH_CONNECTION="$o4 40000 $G4 22" \
		imgsecctl set-policy --force "$CONF" >/tmp/lock.out 2>&1
	check "lockout: --force applies it, with a warning" \
		sh -c "test $? = 0 && grep -q 'warning: (--force) the policy drops new SSH' /tmp/lock.out"
	check_not "lockout: ... and the kernel drops what the check said" \
		can_connect_tcp outsider "$G4" 22
	printf 'mode enforce\ndefault drop\n' >/tmp/norule.conf
	g1=$(gen)
	ctl set-policy /tmp/norule.conf >/tmp/lock.out 2>&1
	rc=$?
	check "lockout: a policy with no rule is refused (exit $rc)" \
		sh -c "test $rc = 1 && grep -q 'refused: the policy has no rule' /tmp/lock.out"
	check "lockout: ... and changed nothing (generation $g1)" \
		test "$(gen)" = "$g1"
	check "lockout: check warns about it, exit 0" \
		sh -c "$IP netns exec gcems imgsecctl check /tmp/norule.conf >/tmp/lock.out 2>&1 && grep -q '^warning: the policy has no rule' /tmp/lock.out"
	# systemctl reload runs set-policy with no SSH_CONNECTION: the SSH
	# sessions open to gcems are checked all the same. One from img1,
	# which the shipped policy does not let back in:
	must ctl flush
	"$IP" netns exec img1 timeout 60 "$NC" -n -d "$G4" 22 >/dev/null 2>&1 &
	holder=$!
	busywait 5000 sh -c "$IP netns exec gcems ss -Htn state established '( sport = :22 )' | grep -q ."
	ctl set-policy "$CONF" >/tmp/lock.out 2>&1
	rc=$?
	check "lockout: an open SSH session from img1 refuses the policy (exit $rc)" \
		sh -c "test $rc = 1 && grep -q 'refused: the policy drops new SSH connections from $(addr4 img1), the peer of an open SSH session to this host' /tmp/lock.out"
	must ctl set-policy --force "$CONF"
	kill "$holder"
	wait "$holder" 2>/dev/null
}

# Drift detection: diff says whether the loaded policy is the file's, and
# how not; check --print is the canonical form show prints once loaded.
test_diff() {
	local rc
	must ctl set-policy "$CONF"
	ctl diff "$CONF" >/tmp/diff.out 2>&1
	rc=$?
	check "diff: the loaded file is no drift (exit $rc, no output)" \
		sh -c "test $rc = 0 && ! test -s /tmp/diff.out"
	grep -v '"Telnet: IMG debug access"' "$CONF" >/tmp/drift.conf
	ctl diff /tmp/drift.conf >/tmp/diff.out 2>&1
	rc=$?
	check "diff: a rule gone from the file is drift (exit $rc)" test $rc = 1
	check "diff: ... shown as a removed line of a unified diff" \
		sh -c "grep -q '^--- loaded policy' /tmp/diff.out && grep -q '^-allow gcems  *-> img  *tcp 23 .*Telnet' /tmp/diff.out && ! grep -q '^+allow' /tmp/diff.out"
	check "check --print is what show prints once loaded" \
		sh -c "$IP netns exec gcems imgsecctl check --print $CONF >/tmp/print.out && $IP netns exec gcems imgsecctl show | cmp -s - /tmp/print.out"
	# Port names go through the kernel as written, and count as drift.
	sed -e 's/ tcp 22 / tcp ssh /' -e 's/ tcp 20,21 / tcp ftp-data,ftp /' \
		"$CONF" >/tmp/names.conf
	must ctl set-policy /tmp/names.conf
	ctl show >/tmp/show.out
	check "show: port names as the file wrote them" \
		sh -c "grep -q '^allow img  *-> gcems  *tcp ftp-data,ftp  *helper ftp ' /tmp/show.out && test \$(grep -c '^allow .* tcp ssh  *\"SSH' /tmp/show.out) = 2"
	check "show --json: ports_text as written, ports as numbers" \
		sh -c "$IP netns exec gcems imgsecctl -j show | grep -q '\"ports\":\\[{\"lo\":22,\"hi\":22}\\],\"ports_text\":\"ssh\"'"
	ctl diff /tmp/names.conf >/tmp/diff.out 2>&1
	rc=$?
	check "diff: the file with names is what is loaded (exit $rc)" test $rc = 0
	ctl diff "$CONF" >/tmp/diff.out 2>&1
	rc=$?
	check "diff: 22 for ssh is drift, shown (exit $rc)" \
		sh -c "test $rc = 1 && grep -q '^-allow .* tcp ssh ' /tmp/diff.out && grep -q '^+allow .* tcp 22 ' /tmp/diff.out"
	must ctl set-policy "$CONF"
	must ctl flush
	ctl diff "$CONF" >/tmp/diff.out 2>&1
	rc=$?
	check "diff: no policy loaded is drift, said so (exit $rc)" \
		sh -c "test $rc = 1 && grep -q 'no policy is loaded' /tmp/diff.out && grep -q '^+allow' /tmp/diff.out"
	ctl diff /tmp/nonexistent.conf >/dev/null 2>&1
	rc=$?
	check "diff: a file that cannot be read is exit 3 (got $rc)" test $rc = 3
	must ctl set-policy "$CONF"
}

# As the unprivileged user nobody, in gcems.
as_nobody() { run_in gcems setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

test_non_admin() {
	local rc
	as_nobody imgsecctl status >/tmp/status.out 2>&1
	check "non-admin may read the status" test $? = 0
	as_nobody imgsecctl set-policy "$CONF" >/tmp/eperm.out 2>&1
	rc=$?
	check "non-admin set-policy refused, exit 1 (got $rc)" test $rc = 1
	check "non-admin set-policy: permission denied, in plain words" \
		grep -q 'permission denied.*CAP_NET_ADMIN' /tmp/eperm.out
	as_nobody imgsecctl flush >/tmp/eperm.out 2>&1
	rc=$?
	check "non-admin flush refused, exit 1 (got $rc)" test $rc = 1
	check "policy still active after the non-admin attempts" \
		sh -c "$IP netns exec gcems imgsecctl show | grep -q '^allow'"
}

test_confirm() {
	# A policy without the SSH rules locks the operator out...
	grep -v 'tcp 22 ' "$CONF" >/tmp/nossh.conf
	must ctl set-policy "$CONF"
	# 15 s: a refused probe takes a few, more on a slow (debug) kernel.
	must ctl set-policy --confirm 15 /tmp/nossh.conf
	check "confirm: revert pending" sh -c "$IP netns exec gcems imgsecctl status | grep -qi 'revert'"
	check_not "confirm: SSH refused by the unconfirmed policy" \
		can_connect_tcp clientview "$G4" 22
	# ...and gets it back when nobody confirms.
	check "confirm: previous policy back after the timeout" \
		busywait 30000 can_connect_tcp clientview "$G4" 22
	must ctl set-policy --confirm 30 /tmp/nossh.conf
	must ctl confirm
	sleep 1
	check_not "confirm: a confirmed policy stays" \
		can_connect_tcp clientview "$G4" 22
}

test_flush() {
	must ctl flush
	listen_tcp gcems 8081
	check "flush: everything passes again" can_connect_tcp outsider "$G4" 8081
	check "flush: show says so" sh -c "$IP netns exec gcems imgsecctl show | grep -qi 'no policy'"
}

setup_topology
start_nfs_server
must modprobe imgsec
check "policy file checks" ctl check "$CONF"
test_pickup
must ctl set-policy "$CONF"
ctl show | head -n 5
test_rows
test_ipv6
test_nfs_through_portmap
test_ss7
test_icmp
test_icmp_families
test_monitor
test_bad_input
test_lockout
test_diff
test_non_admin
test_confirm
test_flush
ctl stats
summary
