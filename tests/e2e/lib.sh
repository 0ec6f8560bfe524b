# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the end-to-end tests.  Sourced by scripts that run inside the
# test VM (tests/vm/run.sh SCRIPT), in the spirit of the kernel's
# tools/testing/selftests/net/netfilter/lib.sh: one network namespace per
# host, busywait instead of sleeps, one PASS/FAIL line per check, cleanup
# on exit.
#
# The hosts (other suites rely on these names and addresses):
#   gcems       192.0.2.1    2001:db8::1    the protected host, runs imgsec
#   img1        192.0.2.11   2001:db8::11   gateway
#   img2        192.0.2.12   2001:db8::12   gateway
#   clientview  192.0.2.21   2001:db8::21   the operator's PC
#   outsider    192.0.2.99   2001:db8::99   anyone else
# Each has eth0 (/24 and /64) on the bridge br0 of the namespace "switch".
#
# pass/fail/check count in the calling shell: call them from the script
# itself, not from a subshell or a pipeline.

set -u

if [ ! -d /imgsec-run ]; then
	echo "lib.sh: this runs inside the test VM: tests/vm/run.sh ${0}" >&2
	exit 1
fi

IP=/usr/sbin/ip # never the busybox applet
NC=/usr/bin/nc.openbsd # busybox nc has no UDP
E2E_STATE=/run/imgsec-e2e # pids, listener outputs, mounts of this script
NFS_EXPORT=/srv/nfs # the tmpfs gcems exports
# How an IMG mounts: NFS over TCP, portmap and MOUNT over UDP (Debian's
# kernel has no NFS over UDP).  mount.nfs takes proto=tcp as "IPv4 only":
# IPv6 needs the "6" protocols.
# shellcheck disable=SC2034 # used by the scripts that source this file
IMG_MOUNT_OPTS4=vers=3,proto=tcp,mountproto=udp,nolock
# shellcheck disable=SC2034 # used by the scripts that source this file
IMG_MOUNT_OPTS6=vers=3,proto=tcp6,mountproto=udp6,nolock
SWITCH=switch
HOSTS="gcems img1 img2 clientview outsider"
declare -A ADDR4=([gcems]=192.0.2.1 [img1]=192.0.2.11 [img2]=192.0.2.12
	[clientview]=192.0.2.21 [outsider]=192.0.2.99)
declare -A ADDR6=([gcems]=2001:db8::1 [img1]=2001:db8::11 [img2]=2001:db8::12
	[clientview]=2001:db8::21 [outsider]=2001:db8::99)
PASSED=0
FAILED=0

rm -rf "$E2E_STATE"
mkdir -p "$E2E_STATE"

addr4() { echo "${ADDR4[$1]}"; }
addr6() { echo "${ADDR6[$1]}"; }

# A note in the kernel log, so that the dmesg kept with the console log
# shows what the test was doing.  "IMGSEC-" keeps run.sh from reading our
# own words as kernel complaints.
kmsg() { echo "<6>IMGSEC-E2E: $*" >/dev/kmsg 2>/dev/null || true; }
log() { echo "# $*"; }

pass() { # NAME
	echo "PASS: $1"
	kmsg "PASS: $1"
	PASSED=$((PASSED + 1))
}

fail() { # NAME REASON
	echo "FAIL: $1: $2"
	kmsg "FAIL: $1"
	FAILED=$((FAILED + 1))
}

# One check: PASS when CMD succeeds, else FAIL with the last line CMD
# printed (or its exit status) as the reason.
check() { # NAME CMD...
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		pass "$name"
	else
		out=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -n 1)
		fail "$name" "${out:-exit status $rc} (${*})"
	fi
}

# The same, for what must not work.
check_not() { # NAME CMD...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		fail "$name" "succeeded, should not have: $*"
	else
		pass "$name"
	fi
}

summary() {
	echo "$PASSED passed, $FAILED failed"
	# Nothing checked is no success either.
	[ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
}

# Give up on the whole script: what follows cannot run.
die() { # REASON
	fail setup "$*"
	summary
	exit 1
}

# Run CMD and die if it fails: for set-up steps.
must() { # CMD...
	local out
	out=$("$@" 2>&1) || die "'$*' failed: $out"
	[ -z "$out" ] || printf '%s\n' "$out"
}

run_in() { # NS CMD...
	local ns=$1
	shift
	"$IP" netns exec "$ns" "$@"
}

now_ms() { echo $((${EPOCHREALTIME//[.,]/} / 1000)); }

# Seconds since T_START (a script's now_ms at its start).
elapsed() { echo "$((($(now_ms) - T_START) / 1000)) s"; }

# The first "KEY": N of the JSON on stdin.
json_num() { # KEY
	tr ',{}' '\n\n\n' | sed -n "s/^ *\"$1\": *\([0-9][0-9]*\).*/\1/p" |
		head -n 1
}

# Retry CMD until it succeeds or TIMEOUT_MS passes.
busywait() { # TIMEOUT_MS CMD...
	local timeout_ms=$1 start
	shift
	start=$(now_ms)
	while :; do
		"$@" && return 0
		[ $(($(now_ms) - start)) -lt "$timeout_ms" ] || return 1
		sleep 0.1
	done
}

# --- topology ---------------------------------------------------------

add_host() { # NAME
	local h=$1
	must "$IP" netns add "$h"
	must "$IP" -n "$h" link set lo up
	must "$IP" -n "$h" link add eth0 type veth peer name "$h" netns "$SWITCH"
	must "$IP" -n "$SWITCH" link set "$h" master br0 up
	must "$IP" -n "$h" addr add "$(addr4 "$h")/24" dev eth0
	# nodad: usable at once, no 1-2 s of duplicate address detection.
	must "$IP" -n "$h" addr add "$(addr6 "$h")/64" dev eth0 nodad
	must "$IP" -n "$h" link set eth0 up
}

link_up() { # NS
	"$IP" -n "$1" -br link show dev eth0 | grep -q ' UP '
}

setup_topology() {
	must "$IP" netns add "$SWITCH"
	# The switch only forwards frames: no IPv6 link-local chatter there.
	must run_in "$SWITCH" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	must "$IP" -n "$SWITCH" link set lo up
	# No STP, no forward delay, no multicast snooping: ports forward at
	# once and neighbour discovery is never filtered.
	must "$IP" -n "$SWITCH" link add br0 type bridge stp_state 0 \
		forward_delay 0 mcast_snooping 0
	must "$IP" -n "$SWITCH" link set br0 up
	local h
	for h in $HOSTS; do
		add_host "$h"
	done
	for h in $HOSTS; do
		busywait 5000 link_up "$h" || die "eth0 of $h is not up"
	done
	log "topology: $HOSTS on br0"
}

# --- NFS server on gcems ----------------------------------------------

write_exports() {
	local opts=rw,sync,no_subtree_check,no_root_squash,fsid=1 h line
	line=$NFS_EXPORT
	for h in img1 img2; do
		line="$line $(addr4 $h)($opts) $(addr6 $h)($opts)"
	done
	echo "$line" >/etc/exports
}

# rpcbind, mountd and nfsd (v3 only) in gcems, all from one shell: "ip netns
# exec" gives each command its own mount namespace, and the nfsd filesystem
# mounted there must be the one rpc.nfsd and exportfs see.  mountd takes
# whatever port it gets, as on a real server.
start_nfs_server() {
	must mkdir -p "$NFS_EXPORT"
	must mount -t tmpfs -o size=64m,mode=0777 imgsec-export "$NFS_EXPORT"
	write_exports
	must run_in gcems sh -c '
		set -e
		state=$1
		mount -t nfsd nfsd /proc/fs/nfsd
		rm -f /run/rpcbind.sock
		rpcbind -f >"$state/rpcbind.log" 2>&1 &
		echo $! >"$state/rpcbind.pid"
		i=0
		until [ -S /run/rpcbind.sock ]; do
			i=$((i + 1))
			[ $i -lt 100 ] || { echo "rpcbind did not start"; exit 1; }
			sleep 0.1
		done
		exportfs -ra
		rpc.mountd -F -N 4 >"$state/mountd.log" 2>&1 &
		echo $! >"$state/mountd.pid"
		rpc.nfsd -N 4 4
	' sh "$E2E_STATE"
	touch "$E2E_STATE/nfs-server"
	busywait 10000 nfs_server_ready ||
		die "NFS server not registered with rpcbind: $(run_in gcems rpcinfo -p 127.0.0.1 2>&1 | tail -n 3)"
	log "NFS server: $NFS_EXPORT exported by gcems (v3)"
}

nfs_server_ready() {
	local map
	map=$(run_in gcems rpcinfo -p 127.0.0.1 2>/dev/null) || return 1
	grep -q ' 100003 .* tcp ' <<<"$map" && grep -q ' 100005 .* udp ' <<<"$map"
}

stop_nfs_server() {
	[ -e "$E2E_STATE/nfs-server" ] || return 0
	run_in gcems sh -c '
		mount -t nfsd nfsd /proc/fs/nfsd 2>/dev/null
		rpc.nfsd 0
		exportfs -au' >/dev/null 2>&1
	kill_pidfile "$E2E_STATE/mountd.pid"
	kill_pidfile "$E2E_STATE/rpcbind.pid"
	rm -f /run/rpcbind.sock "$E2E_STATE/nfs-server"
	umount -l "$NFS_EXPORT" 2>/dev/null
	: >/etc/exports
}

kill_pidfile() { # FILE
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	busywait 2000 not_running "$pid" || kill -9 "$pid" 2>/dev/null
	rm -f "$1"
}

not_running() { ! kill -0 "$1" 2>/dev/null; }

# --- NFS client ---------------------------------------------------------

# Mount SERVER's export on MNT from namespace NS.  SERVER is an address
# (the export is $NFS_EXPORT) or ADDR:/path, [v6addr]:/path.  The mount is
# made in the VM's own mount namespace with only the network namespace of
# NS, so it stays after this function (a mount made under "ip netns exec"
# dies with its command) and its traffic is NS's.  A mount that cannot
# reach its server gives up after $NFS_MOUNT_TIMEOUT s (60); add retry=0
# to OPTS to fail faster.
nfs_mount() { # NS SERVER OPTS MNT
	local ns=$1 server=$2 opts=$3 mnt=$4 src
	case $server in
	*:/*) src=$server ;;
	*:*) src="[$server]:$NFS_EXPORT" ;;
	*) src="$server:$NFS_EXPORT" ;;
	esac
	mkdir -p "$mnt" || return 1
	timeout "${NFS_MOUNT_TIMEOUT:-60}" nsenter --net="/run/netns/$ns" \
		/usr/bin/mount -t nfs -o "$opts" "$src" "$mnt" || return 1
	echo "$ns $mnt" >>"$E2E_STATE/mounts"
}

nfs_umount() { # MNT
	local mnt=$1 ns
	ns=$(awk -v m="$mnt" '$2 == m { print $1 }' "$E2E_STATE/mounts" 2>/dev/null)
	sed -i "\\| $mnt\$|d" "$E2E_STATE/mounts" 2>/dev/null
	if [ -n "$ns" ] &&
		timeout 30 nsenter --net="/run/netns/$ns" /usr/bin/umount "$mnt"; then
		return 0
	fi
	umount -f -l "$mnt"
	return 1
}

# --- listeners and probes -------------------------------------------------

# A listener writes what it receives to listen-PROTO-PORT.NS.out; a probe
# sends a fresh token and succeeds only once the token is in such a file,
# so "connected" means data really reached the listener.  Listeners are on
# [::] and take IPv4 as well.
start_listener() { # NS PROTO PORT
	local ns=$1 proto=$2 port=$3 udp=
	[ "$proto" = udp ] && udp=-u
	: >"$E2E_STATE/listen-$proto-$port.$ns.out"
	# shellcheck disable=SC2086 # $udp is one flag or nothing
	run_in "$ns" "$NC" -6 -n -k -l $udp "$port" </dev/null \
		>>"$E2E_STATE/listen-$proto-$port.$ns.out" 2>&1 &
	echo $! >>"$E2E_STATE/pids"
	busywait 5000 listening "$ns" "$proto" "$port" ||
		die "no $proto listener on port $port in $ns"
}

listening() { # NS PROTO PORT
	run_in "$1" ss -Hln --"$2" "sport = :$3" | grep -q .
}

listen_tcp() { start_listener "$1" tcp "$2"; } # NS PORT
listen_udp() { start_listener "$1" udp "$2"; } # NS PORT

new_token() { echo "imgsec-token-$$-$RANDOM$RANDOM-$(now_ms)"; }

received() { # PROTO PORT TOKEN
	grep -qsF -- "$3" "$E2E_STATE"/listen-"$1"-"$2".*.out
}

can_connect_tcp() { # NS ADDR PORT
	local token
	token=$(new_token)
	echo "$token" | run_in "$1" timeout 10 "$NC" -n -N -w 3 "$2" "$3" \
		>/dev/null 2>&1 || return 1
	busywait 2000 received tcp "$3" "$token"
}

can_send_udp() { # NS ADDR PORT
	local token
	token=$(new_token)
	echo "$token" | run_in "$1" timeout 10 "$NC" -n -u -w 1 "$2" "$3" \
		>/dev/null 2>&1
	busywait 2000 received udp "$3" "$token"
}

# --- a scripted FTP dialog -------------------------------------------------

# conntrack's ftp helper reads a command or a reply at the start of a TCP
# segment that follows a line end it saw (never the first line of a
# direction). So each line here is sent only once what it answers has
# arrived: every line gets a segment of its own, however slow the VM.

# One connection on NS:21: a greeting, then REPLY n for client line n;
# port 21 is free again a second after the last reply.
ftp_server() { # NS REPLY...
	local ns=$1
	shift
	run_in "$ns" bash -c '
		coproc /usr/bin/nc.openbsd -n -l 21
		trap "kill $COPROC_PID 2>/dev/null" EXIT
		printf "220 imgsec test\r\n" >&"${COPROC[1]}"
		for reply; do
			read -r -t 20 line <&"${COPROC[0]}" || exit 1
			printf "%s\r\n" "$reply" >&"${COPROC[1]}"
		done
		sleep 1' sh "$@" >/dev/null 2>&1 &
	echo $! >>"$E2E_STATE/pids"
	busywait 5000 listening "$ns" tcp 21
}

# Connect from NS to ADDR:PORT, say each LINE after the server's previous
# line; print the server's lines.
ftp_client() { # NS ADDR PORT LINE...
	local ns=$1
	shift
	run_in "$ns" timeout 30 bash -c '
		coproc /usr/bin/nc.openbsd -n "$1" "$2"
		shift 2
		read -r -t 20 line <&"${COPROC[0]}" && echo "$line"
		for l; do
			printf "%s\r\n" "$l" >&"${COPROC[1]}"
			read -r -t 20 line <&"${COPROC[0]}" && echo "$line"
		done' sh "$@"
}

# --- cleanup ------------------------------------------------------------

# An echo server on gcems, TCP PORT, IPv4 and IPv6 (a dual-stack socket),
# that keeps every connection open until its client closes; up and
# listening when this returns.
start_echo_server() { # PORT
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
	run_in gcems python3 "$E2E_STATE/server.py" "$1" \
		2>"$E2E_STATE/server.err" &
	echo $! >>"$E2E_STATE/pids"
	busywait 30000 listening gcems tcp "$1" ||
		die "no server on $1: $(cat "$E2E_STATE/server.err")"
}

# imgsec's hooks in NS as "FAMILY/HOOK" words, from the kernel's own list
# (nft list hooks): what the registered set really is. The list needs
# nfnetlink_hook, which 6.12 has and Debian's 6.1 has not: modprobe it
# first, and check nothing where it cannot load.
imgsec_hooks() { # NS
	local family
	for family in ip ip6; do
		run_in "$1" nft list hooks "$family" | awk -v f="$family" '
			$1 == "hook" { hook = $2 }
			/imgsec_hook/ { printf "%s/%s ", f, hook }'
	done
}

# Whether imgsec's hooks in NS are EXPECTED (imgsec_hooks's words); which
# they are if not.
hooks_are() { # NS EXPECTED
	local got
	got=$(imgsec_hooks "$1")
	[ "$got" = "$2" ] ||
		{ echo "imgsec hooks in $1: '$got', expected '$2'"; return 1; }
}

# imgsec_hooks's words for each placement (pernet.c).
# shellcheck disable=SC2034 # used by the scripts that source this file
HOST_HOOKS="ip/input ip/output ip6/input ip6/output "
# shellcheck disable=SC2034 # used by the scripts that source this file
GW_HOOKS="ip/forward ip6/forward "

cleanup() {
	local rc=$? mnt pid h
	set +e
	if [ -f "$E2E_STATE/mounts" ]; then
		for mnt in $(awk '{ print $2 }' "$E2E_STATE/mounts"); do
			nfs_umount "$mnt" >/dev/null 2>&1
		done
	fi
	stop_nfs_server
	for pid in $(cat "$E2E_STATE/pids" 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	for h in $HOSTS $SWITCH; do
		"$IP" netns del "$h" 2>/dev/null
	done
	rm -rf "$E2E_STATE"
	exit "$rc"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
