# shellcheck shell=bash
# Its globals are for the scripts that source it:
# shellcheck disable=SC2034
# SPDX-License-Identifier: GPL-2.0
#
# What the tests of the imgsec-rpc helper share (rpc_helper_test.sh,
# hardening_test.sh): an nft ruleset on gcems that attaches the helper, the
# expectations and counters it leaves, lookups with tests/tools/rpcsend,
# mounts. Sourced after lib.sh.

G4=$(addr4 gcems)
G6=$(addr6 gcems)
MNT=/mnt/rpc
# retry=0: a mount that cannot reach mountd gives up after one try.
OPTS_UDP=vers=3,proto=tcp,mountproto=udp,nolock,retry=0
OPTS_TCP=vers=3,proto=tcp,mountproto=tcp,nolock,retry=0
OPTS6=vers=3,proto=tcp6,mountproto=udp6,nolock,retry=0
MOUNT_TIMEOUT=${IMGSEC_TEST_MOUNT_TIMEOUT:-40}

find_rpcsend() {
	local f
	for f in "${IMGSEC_TEST_RPCSEND:-}" "${IMGSEC_SRC:-/src}/tests/tools/rpcsend" \
		"$(dirname "$0")/../tools/rpcsend" "$(command -v rpcsend)"; do
		[ -n "$f" ] && [ -x "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
RPCSEND=$(find_rpcsend) ||
	die "tests/tools/rpcsend is not in the VM: build it with 'make tools' (and have tests/vm/run.sh carry it)"

ctl() { run_in gcems imgsecctl "$@"; }

# --- the ruleset on gcems -----------------------------------------------

# ruleset with|without: the firewall of gcems, with or without the lines
# that attach the helper; nothing else differs.
ruleset() {
	local assign=
	if [ "$1" = with ]; then
		assign='udp dport 111 ct helper set "rpc_udp"
		tcp dport 111 ct helper set "rpc_tcp"'
	fi
	cat <<-EOF
	table inet rpctest
	delete table inet rpctest
	table inet rpctest {
		ct helper rpc_udp {
			type "imgsec-rpc" protocol udp
			l3proto inet
		}
		ct helper rpc_tcp {
			type "imgsec-rpc" protocol tcp
			l3proto inet
		}
		chain pre {
			type filter hook prerouting priority filter; policy accept;
			$assign
		}
		chain input {
			type filter hook input priority filter; policy drop;
			iif lo accept
			ct state established,related accept
			icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept
			ct state new tcp dport { 111, 2049 } accept
			ct state new udp dport { 111, 2049 } accept
			counter comment "dropped"
		}
	}
	EOF
}

# Load the ruleset and forget every connection and expectation, so that
# nothing opened before carries over.
firewall() { # with|without
	ruleset "$1" | run_in gcems nft -f - || return 1
	flush_conntrack
}

# Every family at once (conntrack -F expect takes no -f).
flush_expectations() {
	run_in gcems conntrack -F expect >/dev/null 2>&1
	[ -z "$(expectations)" ] || { echo "expectations left after a flush"; return 1; }
}

flush_conntrack() {
	run_in gcems conntrack -F -f ipv4 >/dev/null 2>&1
	run_in gcems conntrack -F -f ipv6 >/dev/null 2>&1
	flush_expectations
}

dropped_count() {
	run_in gcems nft list chain inet rpctest input |
		sed -n 's/.*counter packets \([0-9]*\) .*comment "dropped".*/\1/p'
}

# --- what the helper did ------------------------------------------------

# Both families: conntrack lists IPv4 only unless told otherwise.
expectations() {
	{
		run_in gcems conntrack -L expect -f ipv4
		run_in gcems conntrack -L expect -f ipv6
	} 2>/dev/null | grep .
}
n_expectations() { expectations | wc -l; }

no_expectation() {
	local e
	e=$(expectations)
	[ -z "$e" ] || { echo "expectations: $e"; return 1; }
}

# Exactly one expectation, for SRC -> DST:DPORT over PROTO (6 or 17), any
# source port.
only_expectation() { # SRC DST DPORT PROTO
	local e n
	e=$(expectations)
	n=$(grep -c . <<<"$e")
	[ "$n" = 1 ] || { echo "$n expectations: $e"; return 1; }
	grep -q "proto=$4 src=$1 dst=$2 sport=0 dport=$3 " <<<"$e" ||
		{ echo "not $1 -> $2:$3/$4: $e"; return 1; }
}

# The helper's counters in gcems as "name=value ...", from one
# "imgsecctl stats --json" (NA for a counter it did not give).
rpc_stats() {
	local json n v out=
	json=$(ctl stats --json 2>/dev/null | tr ',{}' '\n\n\n')
	for n in calls replies expected not_allowed unmatched parse_errors \
		overflows not_registered bad_address expect_failed untrusted \
		wrong_side tcp_states first_dropped; do
		v=$(sed -n "s/^ *\"$n\": *\([0-9][0-9]*\).*/\1/p" <<<"$json" |
			head -n 1)
		out="$out $n=${v:-NA}"
	done
	echo "${out# }"
}

# Difference of counter NAME between two rpc_stats lines.
delta() { # NAME BEFORE AFTER
	local a b
	a=$(tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p")
	b=$(tr ' ' '\n' <<<"$3" | sed -n "s/^$1=//p")
	case "$a$b" in
	*NA*|'') echo NA ;;
	*) echo $((b - a)) ;;
	esac
}

# That counter delta D satisfies "D OP N" (OP: -eq, -ge, -le...).
counter_is() { # WHAT D OP N
	[ "$2" != NA ] || { echo "$1: imgsecctl stats gave no value"; return 1; }
	case $3 in
	-eq) [ "$2" -eq "$4" ] ;;
	-ge) [ "$2" -ge "$4" ] ;;
	-le) [ "$2" -le "$4" ] ;;
	*) false ;;
	esac || { echo "$1 changed by $2, expected $3 $4"; return 1; }
}

# --- clients ------------------------------------------------------------

# rpcsend getport from NS to ADDR: prints the port rpcbind answered.
lookup() { # NS ADDR RPCSEND-OPTIONS...
	local ns=$1 addr=$2
	shift 2
	run_in "$ns" timeout -k 2 10 "$RPCSEND" -T 3 "$@" getport "$addr"
}

tcp_open() { # NS ADDR PORT
	run_in "$1" timeout -k 2 8 "$NC" -n -z -w 3 "$2" "$3"
}

# Mount like lib.sh's nfs_mount, but bounded for sure: mount.nfs does not
# die of SIGTERM while the kernel retries, so SIGKILL follows.
mount_nfs() { # NS SERVER OPTS MNT SECONDS
	local src=$2:$NFS_EXPORT
	case $2 in *:*) src="[$2]:$NFS_EXPORT" ;; esac
	mkdir -p "$4" || return 1
	timeout -k 2 "$5" nsenter --net="/run/netns/$1" \
		/usr/bin/mount -t nfs -o "$3" "$src" "$4" || return 1
	echo "$1 $4" >>"$E2E_STATE/mounts"
}

# Write a token through the mount, read it on the server's export and
# back through the mount.
write_read_back() { # NS MNT
	local token file=rpc-$1
	token=$(new_token)
	run_in "$1" sh -c "echo $token >$2/$file" || return 1
	grep -qx "$token" "$NFS_EXPORT/$file" ||
		{ echo "server side has '$(cat "$NFS_EXPORT/$file" 2>&1)'"; return 1; }
	run_in "$1" grep -qx "$token" "$2/$file" ||
		{ echo "read back through the mount failed"; return 1; }
}

# --- a fake portmap --------------------------------------------------------

# rpcsend's fake portmap on gcems:111, in place of rpcbind.
serve() { # RPCSEND-OPTIONS...
	"$IP" netns exec gcems "$RPCSEND" -T 120 -n 100000 "$@" serve 0.0.0.0 \
		>"$E2E_STATE/serve.out" 2>&1 &
	echo $! >"$E2E_STATE/serve.pid"
	echo $! >>"$E2E_STATE/pids"
	busywait 5000 listening gcems udp 111
}

stop_serve() {
	kill_pidfile "$E2E_STATE/serve.pid"
	log "fake portmap: $(tail -n 1 "$E2E_STATE/serve.out")"
}

# A namespace that held a "ct helper" object of imgsec-rpc lets go of
# the module once it is dismantled, which the kernel does a little later.
reload_module() { # MODPROBE-ARGS...
	run_in gcems nft delete table inet rpctest 2>/dev/null
	flush_conntrack
	busywait 10000 rmmod imgsec 2>/dev/null || rmmod imgsec || return 1
	modprobe imgsec "$@"
}
