#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# doc/netlink/imgsec.yaml against the real module: the kernel's own YNL
# cli.py (tools/net/ynl of linux-source-6.12, put in the image by
# tests/vm/mkinitramfs.sh) drives imgsec with the spec, and what it decodes
# must be what imgsecctl says: get-status, get-stats, the get-policy dump,
# get-rpc, an event, and a set-policy with a bad value that comes back with
# the kernel's extack.  An attribute of the wrong number or type in the spec
# fails here (a field missing, misnamed, of another value, or cli.py unable
# to decode the reply).  The schema itself is checked on the host
# (tests/netlink/spec_test.sh, in tests/lint.sh): cli.py runs --no-schema,
# the VM has no jsonschema.
#
# Two namespaces of its own: nlspec (192.0.2.1, the "gcems" of the shipped
# policy) and nlpeer (192.0.2.11, an "img"), on a veth pair, IPv4 only.
# Run it with tests/vm/run.sh.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
SPEC=${IMGSEC_TEST_NETLINK_SPEC:-$SRC/doc/netlink/imgsec.yaml}
YNL=/usr/lib/ynl/cli.py
COMPARE=$SRC/tests/netlink/compare.py
NS=nlspec
PEER=nlpeer
POLICY=$E2E_STATE/policy.conf

# cli.py in NS, JSON out.
ynl() {
	run_in "$NS" python3 "$YNL" --spec "$SPEC" --no-schema --output-json "$@"
}
ctl() { run_in "$NS" imgsecctl "$@"; }

# compare.py WHAT YNL_ARGS... -- CTL_ARGS...
agree() { # WHAT
	local what=$1 y c a
	shift
	a=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	y=$(ynl "${a[@]}" 2>&1) || { echo "cli.py failed: $y"; return 1; }
	c=$(ctl "$@" 2>&1) || { echo "imgsecctl failed: $c"; return 1; }
	python3 "$COMPARE" "$what" "$y" "$c"
}

cleanup() {
	"$IP" netns del "$NS" 2>/dev/null
	"$IP" netns del "$PEER" 2>/dev/null
	rmmod imgsec 2>/dev/null
}
trap cleanup EXIT

setup() {
	local ns
	[ -f "$YNL" ] || die "no $YNL in the image (tests/deps.sh unpacks ynl)"
	must modprobe imgsec
	for ns in "$NS" "$PEER"; do
		must "$IP" netns add "$ns"
		must "$IP" -n "$ns" link set lo up
		must run_in "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		must run_in "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
	must "$IP" -n "$NS" link add eth0 type veth peer name eth0 netns "$PEER"
	must "$IP" -n "$NS" addr add 192.0.2.1/24 dev eth0
	must "$IP" -n "$PEER" addr add 192.0.2.11/24 dev eth0
	must "$IP" -n "$NS" link set eth0 up
	must "$IP" -n "$PEER" link set eth0 up
}

# The shipped policy with other header values: MODE DEFAULT PLACEMENT, and
# two rules more.
# Two of them (monitor reject host, enforce reject gateway) tell any two of
# the three attributes apart, were their numbers swapped in the spec.
write_policy() {
	sed -e "s/^mode .*/mode $1/" -e "s/^default .*/default $2/" \
		-e "s/^placement .*/placement $3/" "$SRC/etc/imgsec.conf" >"$POLICY"
	# And the per-source options, which the shipped file has none of: a
	# rate with a cap, a cap alone (the dump's source-* attributes).
	cat >>"$POLICY" <<EOF
allow img -> gcems tcp 40001 limit 50/s per-source 5/s burst 10 max 64 "ynl"
allow img -> gcems tcp 40002 per-source max 8
EOF
}

test_tools() {
	check "python3 and PyYAML in the VM" python3 -c 'import yaml'
	check "cli.py reads the spec (--list-ops)" ynl --list-ops
}

test_status() {
	check "get-status, no policy: as imgsecctl status" \
		agree status --do get-status -- -j status
	write_policy monitor reject host
	must ctl set-policy "$POLICY"
	check "get-status, monitor/reject/host: as imgsecctl status" \
		agree status --do get-status -- -j status
	write_policy enforce reject gateway
	must ctl set-policy --confirm 600 "$POLICY"
	check "get-status, enforce/reject/gateway, revert pending: as imgsecctl" \
		agree status --do get-status -- -j status
	check "confirm through cli.py" ynl --do confirm
	check "get-status after confirm: no revert pending, as imgsecctl" \
		agree status --do get-status -- -j status
}

# Some traffic, so that counters differ: the peer (an "img") sends to NFS
# over UDP (a rule), and to TCP 7 (no rule: rejected).
make_traffic() {
	local i
	for i in 1 2 3; do
		echo x | run_in "$PEER" "$NC" -u -w 1 -p $((40000 + i)) \
			192.0.2.1 2049 >/dev/null 2>&1
	done
	run_in "$PEER" "$NC" -z -w 1 192.0.2.1 7 >/dev/null 2>&1
	return 0
}

counted() { # the hook counted the traffic: accepted and dropped
	local out
	out=$(ctl -j stats) || return 1
	if [ "$(json_num accepted <<<"$out")" -gt 0 ] &&
		[ "$(json_num dropped <<<"$out")" -gt 0 ]; then
		return 0
	fi
	echo "counters: $out"
	return 1
}

test_stats() {
	write_policy enforce reject host
	must ctl set-policy "$POLICY"
	make_traffic
	check "the hook counted accepted and dropped connections" counted
	check "get-stats: as imgsecctl stats" \
		agree stats --do get-stats -- -j stats
}

test_dump() {
	check "get-policy dump: roles, rules and counters as imgsecctl show" \
		agree policy --dump get-policy -- -j show
	check "get-rpc: as imgsecctl rpc" agree rpc --do get-rpc -- -j rpc
}

# A bad value: mode 7 (enum imgsec_mode has 2).  The kernel's policy
# refuses it with an extack naming the attribute, which cli.py decodes
# with the spec into a path of attribute names.
bad_set() {
	local out gen_before gen_after
	gen_before=$(ctl -j status | json_num generation)
	out=$(ynl --do set-policy --json '{"policy": {"mode": 7}}' 2>&1) &&
		{ echo "accepted: $out"; return 1; }
	grep -q "^Netlink error: Numerical result out of range" <<<"$out" ||
		{ echo "not ERANGE: $out"; return 1; }
	grep -q "'msg': 'integer out of range'" <<<"$out" ||
		{ echo "no extack message: $out"; return 1; }
	grep -q "'bad-attr': '.policy.mode'" <<<"$out" ||
		{ echo "extack does not point at .policy.mode: $out"; return 1; }
	gen_after=$(ctl -j status | json_num generation)
	[ "$gen_before" = "$gen_after" ] ||
		{ echo "generation $gen_before -> $gen_after"; return 1; }
}

# A set-rpc with a timeout over max-rpc-timeout: refused, settings kept.
bad_rpc() {
	local out
	out=$(ynl --do set-rpc --json '{"rpc": {"timeout": 3601}}' 2>&1) &&
		{ echo "accepted: $out"; return 1; }
	grep -q "'bad-attr': '.rpc.timeout'" <<<"$out" ||
		{ echo "extack does not point at .rpc.timeout: $out"; return 1; }
}

test_errors() {
	log "cli.py on mode 7: $(ynl --do set-policy --json \
		'{"policy": {"mode": 7}}' 2>&1 | tr '\n\t' '  ')"
	check "bad set-policy: ERANGE, extack message and .policy.mode" bad_set
	check "bad set-rpc: extack points at .rpc.timeout" bad_rpc
}

# One drop event: cli.py subscribes, sleeps while the peer is refused,
# then prints what came.  (No --do with it: ynl 6.12's cli.py trips over
# an event that comes while it waits for a reply.)
event_seen() {
	local out pid gen
	gen=$(ctl -j status | json_num generation)
	ynl --subscribe events --sleep 8 >"$E2E_STATE/events" 2>&1 &
	pid=$!
	sleep 4
	run_in "$PEER" "$NC" -z -w 1 192.0.2.1 7 >/dev/null 2>&1
	sleep 1
	run_in "$PEER" "$NC" -z -w 1 192.0.2.1 7 >/dev/null 2>&1
	wait "$pid" || { cat "$E2E_STATE/events"; return 1; }
	out=$(tail -n 1 "$E2E_STATE/events")
	python3 - "$out" "$gen" <<-'EOF'
		import json, sys
		evs = [m['msg']['event'] for m in json.loads(sys.argv[1])
		       if m['name'] == 'event']
		want = {'type': 'drop', 'family': 2, 'proto': 6,
		        'saddr': '192.0.2.11', 'daddr': '192.0.2.1', 'dport': 7}
		# Later attributes: an event may lack them, never get them wrong.
		later = {'generation': int(sys.argv[2]), 'ifname': 'eth0'}
		for e in evs:
		    got = {k: e.get(k) for k in want}
		    if (got == want and e.get('sport', 0) > 0 and
		            'monitor' not in e and
		            all(e[k] == v for k, v in later.items() if k in e)):
		        sys.exit(0)
		print('no drop event as', want, 'in', evs)
		sys.exit(1)
	EOF
}

test_event() {
	check "event: a drop, decoded field by field" event_seen
}

setup
test_tools
test_status
test_stats
test_dump
test_errors
test_event
check "flush through cli.py" ynl --do flush
check "no policy after flush: as imgsecctl status" \
	agree status --do get-status -- -j status
summary
