#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Floods at the GCEMS while img1 does its job: gcems runs the NFS server
# and the shipped policy (etc/imgsec.conf); img1 looks ports up (portmap
# over UDP), mounts NFS through the portmap helper and connects to GCEMS
# control (TCP 12610). That legitimate work is measured without a flood,
# then during each flood, and the numbers are printed ("# " lines):
#
#   outsider  SYNs and UDP datagrams from the outsider's own address to
#             random ports: everything is refused by the policy
#   spoofed   SYNs and UDP from random addresses of 10.0.0.0/8 to the ports
#             the IMGs use, plus SYNs and UDP that forge img2's address
#             (a source the policy allows)
#   wild      img2, an allowed IMG gone wild, from its real address: 200
#             portmap TCP connections held open with a call each, 3000 UDP
#             lookups from as many source ports, and raw SYNs to 12610 and
#             UDP to NFS and NTP
#
# What imgsec bounds, and what it leaves to conntrack:
#   - A packet the policy refuses costs a classification and a counter: its
#     conntrack entry is never confirmed (freed at once), so a refused
#     flood fills no table; the drop log (nf_log, 10 lines/s, bursts of 20)
#     and the events (1000/s, bursts of 2000) are rate limited per
#     namespace, what they leave out counted (log_suppressed,
#     events_suppressed).
#   - The portmap helper: a UDP lookup keeps its call in the conntrack
#     entry (no memory of its own); a TCP connection gets state only once
#     established and sending (a forged source cannot get one), at most
#     rpc_max_conns_per_client (32; an IPv6 client is its /64) per client
#     and rpc_max_conns (1024) per namespace, 8 pending calls each; an
#     expectation serves every lookup
#     of one client for one port (conntrack refuses a second, clashing one)
#     and 8 at most hang on one connection. Past a bound: counted
#     (overflows), never fatal.
#   - Left to conntrack and the TCP stack: how many entries a source the
#     policy allows (or whose address is forged) may create
#     (nf_conntrack_max; early drop of unassured entries when full; the
#     timeouts), the expectation table (nf_conntrack_expect_max), SYN
#     queues (syncookies). imgsec has no per-source limit on connections
#     its rules allow: nft "ct count" can add one.
#
# A flood must not make img1's mount fail: that is checked, and that at
# least $IMGSEC_TEST_LEGIT_MIN % (80) of img1's lookups and connections
# get through during each flood.
#
# Environment:
#   IMGSEC_TEST_FLOODS        which floods, in order [outsider spoofed wild]
#   IMGSEC_TEST_FLOOD_PPS     packets a second of each raw flood [0: as
#                             fast as the flood tool goes]
#   IMGSEC_TEST_FLOOD_MAX     longest a flood lasts, seconds [240]
#   IMGSEC_TEST_FLOOD_MIN     shortest, if img1 is done sooner [10]
#   IMGSEC_TEST_LOOKUPS       img1's lookups per measurement [10]
#   IMGSEC_TEST_CONNECTS      img1's connections to 12610 per measurement [30]
#   IMGSEC_TEST_LEGIT_MIN     % of them that must succeed during a flood [80]
#   IMGSEC_TEST_FLOOD_PIN     1: the floods run on the last CPU only [1]
#
# The floods' packets are processed where they are sent (veth), so an
# unpinned flood under TCG takes every CPU and measures the emulator, not
# the firewall (the debug kernel, ~300 packets/s a flood, starves img1 of
# CPU). Pinned to one CPU, as a NIC's receive queue lands on some of a
# host's CPUs, it leaves img1 the other one.
#
# Needs tests/tools/rpcsend and tests/tools/flood (make tools).
# Runs inside the test VM: tests/vm/run.sh tests/debug/flood_test.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

SRC=${IMGSEC_SRC:-/src}
CONF=$SRC/etc/imgsec.conf
TOOLS=$SRC/tests/tools
RPCSEND=$TOOLS/rpcsend
FLOOD=$TOOLS/flood
G4=$(addr4 gcems)
I2=$(addr4 img2)
MNT=/mnt/flood
WORK=$E2E_STATE/flood
FLOODS=${IMGSEC_TEST_FLOODS:-outsider spoofed wild}
PPS=${IMGSEC_TEST_FLOOD_PPS:-0}
FLOOD_MAX=${IMGSEC_TEST_FLOOD_MAX:-240}
FLOOD_MIN=${IMGSEC_TEST_FLOOD_MIN:-10}
LOOKUPS=${IMGSEC_TEST_LOOKUPS:-10}
CONNECTS=${IMGSEC_TEST_CONNECTS:-30}
LEGIT_MIN=${IMGSEC_TEST_LEGIT_MIN:-80}
PIN=${IMGSEC_TEST_FLOOD_PIN:-1}
export NFS_MOUNT_TIMEOUT=60
MOUNT_OPTS=$IMG_MOUNT_OPTS4,retry=0
LOG_RATE=10 LOG_BURST=20 EVENT_RATE=1000 EVENT_BURST=2000 # <linux/imgsec.h>
PER_CLIENT=32 # rpc_max_conns_per_client, the default
T_START=$(now_ms)

for t in "$RPCSEND" "$FLOOD"; do
	[ -x "$t" ] || die "$t is missing: build it with 'make tools'"
done
mkdir -p "$WORK" || die "cannot make $WORK"

ctl() { run_in gcems imgsecctl "$@"; }

# The counters this test follows, as "name=value ...".
STATS="dropped accepted log_suppressed events_suppressed calls replies expected overflows parse_errors expect_failed tcp_states"
snapshot() {
	local json n out=
	json=$(ctl stats --json 2>/dev/null)
	for n in $STATS; do
		out="$out $n=$(json_num "$n" <<<"$json")"
	done
	out="$out ct_drop=$(ct_stat drop) ct_early_drop=$(ct_stat early_drop)"
	out="$out log_lines=$(dmesg | grep -c 'imgsec: drop')"
	# imgsecctl monitor: one line an event, after its time, and an "N
	# events suppressed" line before an event that follows some left out.
	out="$out events=$(grep -cE '^([0-9T:.+-]+ )?(drop|would-drop|expect|event-)' "$WORK/events" 2>/dev/null)"
	echo "${out# }"
}

val() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; } # NAME SNAPSHOT
delta() { echo $(($(val "$1" "$3") - $(val "$1" "$2"))); } # NAME BEFORE AFTER

ct_stat() { # FIELD of conntrack -S in gcems, summed over the CPUs
	run_in gcems conntrack -S 2>/dev/null | tr ' ' '\n' |
		sed -n "s/^$1=//p" | awk '{ s += $1 } END { print s + 0 }'
}

ct_count() { run_in gcems cat /proc/sys/net/netfilter/nf_conntrack_count; }

# Sample gcems' conntrack count and the helper's TCP states every second,
# keeping the largest, until $WORK/stop-sampler.
start_sampler() {
	rm -f "$WORK/stop-sampler"
	echo "0 0" >"$WORK/peak"
	(
		end=$(($(now_ms) + FLOOD_MAX * 1000 + 60000))
		while [ ! -e "$WORK/stop-sampler" ] && [ "$(now_ms)" -lt "$end" ]; do
			read -r c s <"$WORK/peak"
			n=$(ct_count)
			t=$(ctl stats --json 2>/dev/null | json_num tcp_states)
			[ "${n:-0}" -gt "$c" ] && c=$n
			[ "${t:-0}" -gt "$s" ] && s=$t
			echo "$c $s" >"$WORK/peak"
			sleep 1
		done
	) &
	echo $! >"$WORK/sampler.pid"
	echo $! >>"$E2E_STATE/pids"
}

stop_sampler() {
	touch "$WORK/stop-sampler"
	busywait 10000 not_running "$(cat "$WORK/sampler.pid")"
	cat "$WORK/peak"
}

# --- img1's legitimate work -------------------------------------------------

write_read_back() {
	local token file=flood-img1
	token=$(new_token)
	run_in img1 sh -c "echo $token >$MNT/$file" || return 1
	grep -qx "$token" "$NFS_EXPORT/$file" || return 1
	run_in img1 grep -qx "$token" "$MNT/$file"
}

# Lookups, a mount (write, read, umount) and connections to 12610, one
# after the other. Sets L_* and prints one line; returns 1 if the mount
# failed.
legit() { # TAG
	local t0 ok=0 out
	t0=$(now_ms)
	for _ in $(seq 1 "$LOOKUPS"); do
		run_in img1 timeout -k 2 10 "$RPCSEND" -T 5 getport "$G4" \
			>/dev/null 2>&1 && ok=$((ok + 1))
	done
	L_LOOKUPS=$ok
	L_LOOKUP_MS=$(($(now_ms) - t0))
	t0=$(now_ms)
	L_MOUNT=failed
	L_UMOUNT=-
	if nfs_mount img1 "$G4" "$MOUNT_OPTS" "$MNT"; then
		if write_read_back; then L_MOUNT=ok; else L_MOUNT="no-io"; fi
		# lib.sh gives umount 30 s, then unmounts lazily.
		if nfs_umount "$MNT"; then L_UMOUNT=ok; else L_UMOUNT="over 30 s"; fi
	fi
	L_MOUNT_MS=$(($(now_ms) - t0))
	out=$(run_in img1 "$FLOOD" -t "legit-$1" -p 12610 -n "$CONNECTS" \
		-w 3000 -d 120 tcp "$G4" 2>&1)
	L_CONNECTS=$(sed -n 's/^port=12610 tried=[0-9]* ok=\([0-9]*\)$/\1/p' <<<"$out")
	L_CONNECT_MS=$(sed -n 's/^flood .* ms=\([0-9]*\) .*/\1/p' <<<"$out")
	L_CONNECT_LAT=$(sed -n 's/^connect_ms avg=\([0-9]*\) max=\([0-9]*\)$/avg \1 ms, max \2 ms/p' <<<"$out")
	L_TOKENS=$(grep -c "^legit-$1 12610 " "$E2E_STATE/listen-tcp-12610.gcems.out")
	log "$1: img1 lookups ${L_LOOKUPS}/$LOOKUPS in $L_LOOKUP_MS ms; mount $L_MOUNT (umount $L_UMOUNT) in $L_MOUNT_MS ms; 12610: ${L_CONNECTS:-0}/$CONNECTS connected (${L_TOKENS} tokens received) in ${L_CONNECT_MS:-?} ms (${L_CONNECT_LAT:-no latency})"
	[ "$L_MOUNT" = ok ]
}

pct() { echo $((100 * ${1:-0} / $2)); } # N OF

# The checks of one flood, from legit's L_* and the baseline's B_*.
legit_checks() { # TAG
	check "$1: img1 mounts NFS (write, read) during the flood" \
		test "$L_MOUNT" = ok
	check "$1: img1's lookups answered: $(pct "$L_LOOKUPS" "$LOOKUPS")% (baseline $(pct "$B_LOOKUPS" "$LOOKUPS")%), at least $LEGIT_MIN%" \
		test "$(pct "$L_LOOKUPS" "$LOOKUPS")" -ge "$LEGIT_MIN"
	check "$1: img1 reaches 12610: $(pct "$L_TOKENS" "$CONNECTS")% (baseline $(pct "$B_TOKENS" "$CONNECTS")%), at least $LEGIT_MIN%" \
		test "$(pct "$L_TOKENS" "$CONNECTS")" -ge "$LEGIT_MIN"
	log "$1: time against the baseline: lookups $L_LOOKUP_MS/$B_LOOKUP_MS ms, mount $L_MOUNT_MS/$B_MOUNT_MS ms, connections ${L_CONNECT_MS:-?}/${B_CONNECT_MS:-?} ms"
}

# --- the floods ------------------------------------------------------------

# The command prefix that runs a flood on the last CPU (taskset: util-linux
# or busybox, a hex mask), or nothing.
pin() {
	local n
	n=$(grep -c '^processor' /proc/cpuinfo)
	[ "$PIN" = 1 ] && [ "$n" -ge 2 ] && command -v taskset >/dev/null &&
		echo "taskset $(printf '0x%x' $((1 << (n - 1))))"
}
PINNED=$(pin)

# Start raw floods (flood syn|udp OPTIONS... in NS), each to $WORK/NAME.out.
start_flood() { # NAME NS FLOOD-ARGS...
	local name=$1 ns=$2
	shift 2
	# shellcheck disable=SC2086 # $PINNED is a command prefix or nothing
	$PINNED "$IP" netns exec "$ns" "$FLOOD" -r "$PPS" -d "$FLOOD_MAX" "$@" \
		>"$WORK/$name.out" 2>&1 &
	echo $! >>"$WORK/floods.pids"
	echo $! >>"$E2E_STATE/pids"
}

# SIGTERM: each flood prints what it sent and stops; not before it has run
# FLOOD_MIN seconds since T0.
stop_floods() { # T0
	local pid left
	left=$(($1 + FLOOD_MIN * 1000 - $(now_ms)))
	[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
	for pid in $(cat "$WORK/floods.pids" 2>/dev/null); do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $(cat "$WORK/floods.pids" 2>/dev/null); do
		busywait 20000 not_running "$pid" || kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	: >"$WORK/floods.pids"
}

flood_summary() { # NAME...: "name: sent N at R pps; ..."
	local n line out=
	for n in "$@"; do
		line=$(grep '^flood ' "$WORK/$n.out" | tail -n 1)
		out="$out$n: sent $(sed -n 's/.* sent=\([0-9]*\) .*/\1/p' <<<"$line") in $(sed -n 's/.* ms=\([0-9]*\) .*/\1/p' <<<"$line") ms ($(sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$line") pps); "
	done
	echo "${out%; }"
}

flood_sent() { # NAME...: packets sent by these floods
	local n s total=0
	for n in "$@"; do
		s=$(grep '^flood ' "$WORK/$n.out" | tail -n 1 | sed -n 's/.* sent=\([0-9]*\) .*/\1/p')
		total=$((total + ${s:-0}))
	done
	echo $total
}

# The reports of a flood of refused packets stay within their rate limits.
report_checks() { # TAG BEFORE AFTER SECONDS
	local tag=$1 lines events
	lines=$(delta log_lines "$2" "$3")
	events=$(delta events "$2" "$3")
	log "$tag: drop log lines $lines (+$(delta log_suppressed "$2" "$3") suppressed), events $events (+$(delta events_suppressed "$2" "$3") suppressed) in $4 s"
	check "$tag: drop log lines within the rate limit ($lines <= $LOG_BURST + $LOG_RATE/s x $4 s)" \
		test "$lines" -le $((LOG_BURST + LOG_RATE * ($4 + 1)))
	check "$tag: the log lines left out are counted" \
		test "$(delta log_suppressed "$2" "$3")" -gt 0
	check "$tag: events within the rate limit ($events <= $EVENT_BURST + $EVENT_RATE/s x $4 s)" \
		test "$events" -le $((EVENT_BURST + EVENT_RATE * ($4 + 1)))
}

flood_outsider() {
	local s0 s1 t0 secs peak sent c0
	c0=$(ct_count)
	s0=$(snapshot)
	: >"$WORK/floods.pids"
	start_sampler
	t0=$(now_ms)
	start_flood o-syn outsider -s "$(addr4 outsider)/32" -p 1-65535 syn "$G4"
	start_flood o-udp outsider -s "$(addr4 outsider)/32" -p 1-65535 udp "$G4"
	sleep 2
	legit outsider
	stop_floods "$t0"
	secs=$((($(now_ms) - t0 + 999) / 1000))
	peak=$(stop_sampler)
	s1=$(snapshot)
	sent=$(flood_sent o-syn o-udp)
	log "outsider: $(flood_summary o-syn o-udp)"
	log "outsider: imgsec dropped +$(delta dropped "$s0" "$s1"); gcems conntrack entries: $c0 before, at most ${peak% *} during; conntrack drops +$(delta ct_drop "$s0" "$s1")"
	legit_checks outsider
	check "outsider: the flood was refused by imgsec ($(delta dropped "$s0" "$s1") drops for $sent packets)" \
		test "$(delta dropped "$s0" "$s1")" -ge $((sent * 9 / 10)) -a "$sent" -gt 0
	check "outsider: refused packets took no conntrack entry (peak ${peak% *}, $sent packets)" \
		test "${peak% *}" -lt $((c0 + 300))
	report_checks outsider "$s0" "$s1" "$secs"
}

flood_spoofed() {
	local s0 s1 t0 secs peak c0 sent
	c0=$(ct_count)
	s0=$(snapshot)
	: >"$WORK/floods.pids"
	start_sampler
	t0=$(now_ms)
	start_flood s-syn outsider -s 10.0.0.0/8 -p 111,2049,12610,22,21 syn "$G4"
	start_flood s-udp outsider -s 10.0.0.0/8 -p 111,2049,123,1812,162 udp "$G4"
	# img2's address, forged: the policy lets these in.
	start_flood s-syn-img2 outsider -s "$I2/32" -p 12610 syn "$G4"
	start_flood s-udp-img2 outsider -s "$I2/32" -p 111,2049,123 udp "$G4"
	sleep 2
	legit spoofed
	stop_floods "$t0"
	secs=$((($(now_ms) - t0 + 999) / 1000))
	peak=$(stop_sampler)
	s1=$(snapshot)
	sent=$(flood_sent s-syn s-udp)
	log "spoofed: $(flood_summary s-syn s-udp s-syn-img2 s-udp-img2)"
	log "spoofed: imgsec dropped +$(delta dropped "$s0" "$s1"), accepted +$(delta accepted "$s0" "$s1") (img2's forged address is allowed); helper parse_errors +$(delta parse_errors "$s0" "$s1") (junk to 111)"
	log "spoofed: gcems conntrack entries: $c0 before, at most ${peak% *} during, of nf_conntrack_max $(cat /proc/sys/net/netfilter/nf_conntrack_max) (conntrack's to bound); drops +$(delta ct_drop "$s0" "$s1"), early drops +$(delta ct_early_drop "$s0" "$s1")"
	legit_checks spoofed
	check "spoofed: random sources refused by imgsec ($(delta dropped "$s0" "$s1") drops for $sent packets)" \
		test "$(delta dropped "$s0" "$s1")" -ge $((sent * 9 / 10)) -a "$sent" -gt 0
	check "spoofed: junk to portmap from the forged IMG read and counted (parse_errors +$(delta parse_errors "$s0" "$s1")), no bound hit (overflows +$(delta overflows "$s0" "$s1"))" \
		test "$(delta parse_errors "$s0" "$s1")" -gt 0 -a "$(delta overflows "$s0" "$s1")" = 0
	report_checks spoofed "$s0" "$s1" "$secs"
}

states_at_least() { [ "$(ctl stats --json | json_num tcp_states)" -ge "$1" ]; } # N

img2_expectations() {
	run_in gcems conntrack -L expect -f ipv4 2>/dev/null | grep -c "src=$I2 "
}

img1_tcp_lookup_opens() {
	local s0 s1 port
	s0=$(ctl stats --json | json_num expected)
	port=$(run_in img1 timeout -k 2 10 "$RPCSEND" -T 3 -t tcp -x tcp getport "$G4")
	s1=$(ctl stats --json | json_num expected)
	[ "${port:-0}" -gt 0 ] || { echo "no answer"; return 1; }
	run_in gcems conntrack -L expect -f ipv4 2>/dev/null |
		grep -q "src=$(addr4 img1) .*dport=$port " ||
		{ echo "no expectation for img1 to $port (expected $s0 -> $s1)"; return 1; }
}

flood_wild() {
	local s0 s1 t0 secs peak c0 e held sent
	c0=$(ct_count)
	s0=$(snapshot)
	: >"$WORK/floods.pids"
	start_sampler
	t0=$(now_ms)
	# 200 portmap TCP connections, each with a call, held 120 s; it says
	# "sent N calls ..." once they are all open.
	# shellcheck disable=SC2086 # $PINNED is a command prefix or nothing
	$PINNED "$IP" netns exec img2 timeout -k 2 300 "$RPCSEND" -t tcp -x tcp \
		-n 200 -k 120 -B 30000 flood "$G4" >"$WORK/w-held.out" 2>&1 &
	held=$!
	echo $held >>"$E2E_STATE/pids"
	start_flood w-syn img2 -s "$I2/32" -p 12610 syn "$G4"
	start_flood w-udp img2 -s "$I2/32" -p 2049,123 udp "$G4"
	# shellcheck disable=SC2086 # $PINNED is a command prefix or nothing
	$PINNED "$IP" netns exec img2 timeout -k 2 300 "$RPCSEND" -q -n 3000 \
		-B 40000 flood "$G4" >"$WORK/w-lookups.out" 2>&1 &
	echo $! >>"$WORK/floods.pids"
	busywait 180000 grep -q '^sent ' "$WORK/w-held.out" ||
		log "wild: img2 has not opened its 200 connections in 180 s"
	sent=$(sed -n 's/^sent \([0-9]*\) calls.*/\1/p' "$WORK/w-held.out")
	check "wild: while img2 holds its connections, img1's TCP lookup gets followed and opens its port" \
		img1_tcp_lookup_opens
	legit wild
	e=$(img2_expectations)
	stop_floods "$t0"
	kill "$held" 2>/dev/null
	wait "$held" 2>/dev/null
	secs=$((($(now_ms) - t0 + 999) / 1000))
	peak=$(stop_sampler)
	s1=$(snapshot)
	log "wild: $(flood_summary w-syn w-udp)"
	log "wild: img2's portmap: ${sent:-?} of 200 TCP connections open with a call, 3000 UDP lookups; helper calls +$(delta calls "$s0" "$s1"), overflows +$(delta overflows "$s0" "$s1"), TCP states at most ${peak#* } (img2's bound $PER_CLIENT, img1's lookups besides), expectations for img2 $e"
	log "wild: gcems conntrack entries: $c0 before, at most ${peak% *} during, of nf_conntrack_max $(cat /proc/sys/net/netfilter/nf_conntrack_max); drops +$(delta ct_drop "$s0" "$s1"), early drops +$(delta ct_early_drop "$s0" "$s1")"
	legit_checks wild
	# img1's own TCP lookups (a few at a time) come on top of img2's.
	check "wild: of img2's connections (${sent:-not all} open) at most $PER_CLIENT followed (TCP states at most ${peak#* }), the rest refused and counted (overflows +$(delta overflows "$s0" "$s1"))" \
		test "${peak#* }" -le $((PER_CLIENT + 10)) -a "$(delta overflows "$s0" "$s1")" -gt 0 \
		-a "$(delta overflows "$s0" "$s1")" -ge $((${sent:-0} - PER_CLIENT))
	check "wild: 3000 lookups of img2 hold at most a few expectations ($e)" \
		test "$e" -le 4
}

# --- main -------------------------------------------------------------------

setup_topology
must run_in img1 sysctl -q -w net.ipv4.tcp_syn_retries=4
# img2's connections that meet a full table give up in 7 s, not 2 min.
must run_in img2 sysctl -q -w net.ipv4.tcp_syn_retries=2
# nf_log_syslog first: imgsec takes the packet logger at load. Log lines
# from a namespace other than the host's need nf_log_all_netns.
modprobe nf_log_syslog 2>/dev/null
must sysctl -q -w net.netfilter.nf_log_all_netns=1
must modprobe imgsec
start_nfs_server
must ctl set-policy "$CONF"
listen_tcp gcems 12610
run_in gcems imgsecctl monitor >"$WORK/events" 2>&1 &
echo $! >>"$E2E_STATE/pids"
log "kernel $(uname -r), $(grep -c '^processor' /proc/cpuinfo) CPUs; nf_conntrack_max $(cat /proc/sys/net/netfilter/nf_conntrack_max), nf_conntrack_expect_max $(cat /proc/sys/net/netfilter/nf_conntrack_expect_max); rpc_max_conns $(cat /sys/module/imgsec/parameters/rpc_max_conns), per client $(cat /sys/module/imgsec/parameters/rpc_max_conns_per_client); flood rate ${PPS} pps (0: unpaced)"
log "floods run under: ${PINNED:-no CPU pinning}; set up in $(elapsed)"

legit baseline
B_LOOKUPS=$L_LOOKUPS B_LOOKUP_MS=$L_LOOKUP_MS B_MOUNT_MS=$L_MOUNT_MS
B_TOKENS=$L_TOKENS B_CONNECT_MS=$L_CONNECT_MS
check "baseline: img1 mounts NFS (write, read, umount)" \
	test "$L_MOUNT/$L_UMOUNT" = ok/ok
check "baseline: all of img1's lookups answered ($L_LOOKUPS/$LOOKUPS)" \
	test "$L_LOOKUPS" = "$LOOKUPS"
check "baseline: all of img1's connections to 12610 arrived ($L_TOKENS/$CONNECTS)" \
	test "$L_TOKENS" = "$CONNECTS"

for f in $FLOODS; do
	case $f in
	outsider | spoofed | wild)
		log "--- flood: $f ($(elapsed))"
		"flood_$f"
		;;
	*) fail "IMGSEC_TEST_FLOODS" "no flood named '$f'" ;;
	esac
done
log "--- after the floods ($(elapsed))"
legit after
check "after the floods: img1 mounts NFS" test "$L_MOUNT" = ok

echo "# imgsecctl stats in gcems:"
ctl stats 2>&1 | sed -n '1,/^  rules:/p' | sed 's/^/#   /'
log "total $(elapsed)"
summary
