#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM benchmark: in one boot, the same traffic between the namespaces of
# tests/e2e/lib.sh with no filter, with imgsec and with an equivalent
# nftables ruleset, and the portmap lookup rate with and without the
# imgsec-rpc helper. Prints Markdown tables (tests/bench/run.sh vm).
#
#   tests/vm/run.sh tests/bench/vm_bench.sh     (needs make all tools)
#
# (a) throughput of one TCP flow img1 -> gcems:5201 (netbench send),
# (b) new TCP connections per second img1 -> gcems:5201 (netbench conn),
# under: no filter; nftables with only "ct state established,related
# accept" (the conntrack cost alone); imgsec with the shipped policy
# (etc/imgsec.conf) plus the benchmark's rules, its img and gcems roles
# padded to N addresses each; the same policy as an nftables ruleset with
# one set per role and family. N = 10, 1000, 10000.
# (c) portmap GETPORT lookups per second img1 -> gcems, each from a new UDP
# socket, against rpcbind (mountd's port, the same every time) and against
# rpcsend's fake portmap answering a new port every time (a new
# expectation each lookup): no filter, imgsec without the helper, imgsec
# with it.
#
# Environment (IMGSEC_TEST_* pass through tests/vm/run.sh):
#   IMGSEC_TEST_BENCH_QUICK=1   a smoke run: small counts, one repetition
#   IMGSEC_TEST_BENCH_REPS      repetitions per figure, median (5)
#   IMGSEC_TEST_BENCH_MB        megabytes per throughput run (96)
#   IMGSEC_TEST_BENCH_CONNS     connections per rate run (1500)
#   IMGSEC_TEST_BENCH_LOOKUPS   lookups per rate run (1000)
#   IMGSEC_TEST_BENCH_SIZES     role sizes ("10 1000 10000")
. "$(dirname "$0")/../e2e/lib.sh"

SRC=${IMGSEC_SRC:-/src}
# shellcheck disable=SC2034 # for policies.sh
CONF=$SRC/etc/imgsec.conf
NETBENCH=$SRC/tests/tools/netbench
RPCSEND=$SRC/tests/tools/rpcsend
G4=$(addr4 gcems)
PORT=5201 # the benchmark's TCP port
FAKE_PMAP=1111 # rpcsend serve: a portmap that answers a new port each time
REPS=${IMGSEC_TEST_BENCH_REPS:-5}
MB=${IMGSEC_TEST_BENCH_MB:-96}
CONNS=${IMGSEC_TEST_BENCH_CONNS:-1500}
LOOKUPS=${IMGSEC_TEST_BENCH_LOOKUPS:-1000}
SIZES=${IMGSEC_TEST_BENCH_SIZES:-10 1000 10000}
if [ -n "${IMGSEC_TEST_BENCH_QUICK:-}" ]; then
	REPS=1 MB=8 CONNS=100 LOOKUPS=50 SIZES="10 1000"
fi
T0=$(now_ms)

if [ ! -x "$NETBENCH" ] || [ ! -x "$RPCSEND" ]; then
	die "tests/tools/netbench or rpcsend missing: run 'make tools' first"
fi

ctl() { run_in gcems imgsecctl "$@"; }
secs() { echo "$((($(now_ms) - T0) / 1000)) s"; }
note() { log "$(secs): $*"; }

# --- policies: tests/bench/policies.sh -----------------------------
. "$(dirname "$0")/policies.sh"

# --- filters ------------------------------------------------------------

# Forget every connection and expectation in gcems (and img1: its TIME_WAIT
# sockets are what limit connections; conntrack is only in gcems).
flush_conntrack() {
	run_in gcems conntrack -F -f ipv4 >/dev/null 2>&1
	run_in gcems conntrack -F -f ipv6 >/dev/null 2>&1
	run_in gcems conntrack -F expect >/dev/null 2>&1
	return 0
}

no_filter() {
	run_in gcems nft delete table inet bench 2>/dev/null
	if grep -q '^imgsec ' /proc/modules; then
		ctl flush >/dev/null 2>&1
	fi
	flush_conntrack
}

# Apply FILTER (none, nft-ct, imgsec-N, imgsec-N-nohelper, nft-N); print
# the seconds it took to load.
apply() { # FILTER
	local t
	no_filter
	t=$(now_ms)
	case $1 in
	none) ;;
	nft-ct) nft_ct_only | run_in gcems nft -f - >&2 || return 1 ;;
	imgsec-*-nohelper)
		local n=${1#imgsec-}
		n=${n%-nohelper}
		bench_policy "$n" no >/tmp/bench.conf
		ctl set-policy /tmp/bench.conf >&2 || return 1
		;;
	imgsec-*)
		bench_policy "${1#imgsec-}" >/tmp/bench.conf
		ctl set-policy /tmp/bench.conf >&2 || return 1
		;;
	nft-*)
		bench_policy "${1#nft-}" >/tmp/bench.conf
		nft_policy /tmp/bench.conf >/tmp/bench.nft
		run_in gcems nft -f /tmp/bench.nft >&2 || return 1
		;;
	*) return 1 ;;
	esac
	awk -v ms=$(($(now_ms) - t)) 'BEGIN { printf "%.1f", ms / 1000 }'
}

# Is a filter really there? The outsider must not reach the port.
outsider_refused() {
	! run_in outsider timeout 5 "$NC" -z -n -w 1 "$G4" $PORT >/dev/null 2>&1
}

# --- measuring ------------------------------------------------------------

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "NA" }'; }
# The values of KEY in netbench lines (stdin), one a line.
values() { grep -o "\(^\| \)$1=[^ ]*" | sed 's/.*=//'; } # KEY
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.0f %%", 100 * a / b }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'; }
mean2() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA") print "NA"; else printf "%.1f", (a + b) / 2 }'; }

# One netbench client run from img1, its line appended to FILE.
client() { # FILE NETBENCH-ARGS...
	local f=$1 out
	shift
	out=$(run_in img1 timeout 60 "$NETBENCH" "$@" 2>&1)
	echo "# $out"
	echo "$out" >>"$f"
	flush_conntrack
}

# --- (a), (b) -----------------------------------------------------------

# A block: the filter applied once, one untimed warm-up (TCG translates
# each new code path on first use: the first runs are several times
# slower), then REPS x (one bulk transfer, one connection-rate run).
# Medians go to TPUT, CPUMB, RATE, CPUCONN, LOAD under KEY.
declare -A TPUT CPUMB RATE CPUCONN LOAD
block() { # FILTER KEY
	local f=$1 k=$2 runs=$E2E_STATE/runs.$2 load
	note "block $k: filter $f"
	if ! load=$(apply "$f"); then
		fail "apply $f" "could not apply"
		return
	fi
	if [ "$f" != none ] && [ "$f" != nft-ct ]; then
		check "$f: outsider refused" outsider_refused
	fi
	: >"$runs"
	client /dev/null send -p $PORT -m 16 -T 30 "$G4"
	client /dev/null conn -p $PORT -n 300 -T 30 "$G4"
	for _ in $(seq "$REPS"); do
		client "$runs.send" send -p $PORT -m "$MB" -T 30 "$G4"
		client "$runs.conn" conn -p $PORT -n "$CONNS" -T 30 "$G4"
	done
	TPUT[$k]=$(values MBps <"$runs.send" | median)
	CPUMB[$k]=$(per "$(values cpu_ms <"$runs.send" | median)" "$MB")
	RATE[$k]=$(values rate <"$runs.conn" | median)
	CPUCONN[$k]=$(per "$(values cpu_ms <"$runs.conn" | median)" \
		"$(values n <"$runs.conn" | median)")
	LOAD[$k]=$load
	if [ "$(grep -c 'complete=1' "$runs.send")" = "$REPS" ] &&
		[ "$(values failed <"$runs.conn" | sort -u)" = 0 ]; then
		pass "$f: every transfer and connection completed"
	else
		fail "$f" "incomplete transfers or failed connections"
	fi
}

# Every filter between two no-filter blocks: each is compared with the
# mean of its neighbours, which takes out the drift of a loaded host.
bench_tcp() {
	local filters=(nft-ct) n i=0
	for n in $SIZES; do
		filters+=("imgsec-$n")
	done
	for n in $SIZES; do
		filters+=("nft-$n")
	done
	block none none0
	for f in "${filters[@]}"; do
		block "$f" "$f"
		i=$((i + 1))
		block none "none$i"
	done
	no_filter
	print_tcp "${filters[@]}" >>"$REPORT"
}

print_tcp() { # FILTER...
	local f i=0 n name t0 r0 tmin tmax rmin rmax
	echo "### Throughput and new connections, img1 -> gcems tcp $PORT"
	echo
	echo "Median of $REPS runs each: $MB MB over one connection (MB/s); $CONNS"
	echo "connections opened and closed one after the other (conn/s). \"none\":"
	echo "mean of the no-filter blocks just before and just after; ratios"
	echo "against it. CPU: busy time of both vCPUs per MB and per connection."
	echo
	echo "| filter | addrs/role | load s | MB/s | none | ratio | CPU ms/MB | conn/s | none | ratio | CPU ms/conn |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for f in "$@"; do
		case $f in
		nft-ct) name="nftables: conntrack only"; n=- ;;
		imgsec-*) name="imgsec"; n=${f#imgsec-} ;;
		nft-*) name="nftables sets"; n=${f#nft-} ;;
		esac
		t0=$(mean2 "${TPUT[none$i]}" "${TPUT[none$((i + 1))]}")
		r0=$(mean2 "${RATE[none$i]}" "${RATE[none$((i + 1))]}")
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
			"$name" "$n" "${LOAD[$f]}" "${TPUT[$f]}" "$t0" \
			"$(ratio "${TPUT[$f]}" "$t0")" "${CPUMB[$f]}" \
			"${RATE[$f]}" "$r0" "$(ratio "${RATE[$f]}" "$r0")" \
			"${CPUCONN[$f]}"
		i=$((i + 1))
	done
	tmin=$(for i in $(seq 0 $#); do echo "${TPUT[none$i]}"; done | sort -g | head -n 1)
	tmax=$(for i in $(seq 0 $#); do echo "${TPUT[none$i]}"; done | sort -g | tail -n 1)
	rmin=$(for i in $(seq 0 $#); do echo "${RATE[none$i]}"; done | sort -g | head -n 1)
	rmax=$(for i in $(seq 0 $#); do echo "${RATE[none$i]}"; done | sort -g | tail -n 1)
	echo
	echo "No filter, the $(($# + 1)) blocks in run order: MB/s" \
		"$(for i in $(seq 0 $#); do printf '%s ' "${TPUT[none$i]}"; done)(range $tmin-$tmax);" \
		"conn/s $(for i in $(seq 0 $#); do printf '%s ' "${RATE[none$i]}"; done)(range $rmin-$rmax)."
	echo
}

# --- (c) ----------------------------------------------------------------

# The helper's counter NAME in gcems (0 without imgsec or policy).
rpc_stat() { # NAME
	local v
	v=$(ctl stats --json 2>/dev/null | tr ',{}' '\n' |
		sed -n "s/^ *\"$1\": *\([0-9][0-9]*\).*/\1/p" | head -n 1)
	echo "${v:-0}"
}

expectations() {
	{
		run_in gcems conntrack -L expect -f ipv4
		run_in gcems conntrack -L expect -f ipv6
	} 2>/dev/null | grep -c .
}

# One run of COUNT lookups to PORT under FILTER; the netbench line gets
# the helper's counters and the expectations conntrack lists appended.
lookups() { # FILTER PORT COUNT FILE
	local f=$1 e0 x0 out
	apply "$f" >/dev/null || { echo "# cannot apply $f"; return 1; }
	e0=$(rpc_stat expected)
	x0=$(rpc_stat expect_failed)
	out=$(run_in img1 timeout 60 "$NETBENCH" rpc -p "$2" -n "$3" -T 30 "$G4" 2>&1)
	out="$out expected=$(($(rpc_stat expected) - e0)) failed=$(($(rpc_stat expect_failed) - x0)) listed=$(expectations)"
	echo "# $f :$2: $out"
	echo "$out" >>"$4"
	flush_conntrack
}

start_fake_portmap() {
	run_in gcems "$RPCSEND" -q -T 900 -n 100000 -p $FAKE_PMAP -A 20000 -I \
		serve 0.0.0.0 >"$E2E_STATE/serve.out" 2>&1 &
	echo $! >>"$E2E_STATE/pids"
	busywait 5000 listening gcems udp $FAKE_PMAP ||
		die "rpcsend serve did not start"
}

# Rounds: each round runs every (server, filter) once, in turn, so that
# all of them see the same conditions; imgsec's small policy loads in a
# fraction of a second. One untimed round first, to warm up.
bench_rpc() {
	local n=${SIZES%% *} s f r runs=$E2E_STATE/lookups
	local configs=(none "imgsec-$n-nohelper" "imgsec-$n")
	start_nfs_server
	start_fake_portmap
	note "lookups: warm-up round"
	for s in 111 $FAKE_PMAP; do
		for f in "${configs[@]}"; do
			lookups "$f" "$s" 100 /dev/null
		done
	done
	for r in $(seq "$REPS"); do
		note "lookups: round $r"
		for s in 111 $FAKE_PMAP; do
			for f in "${configs[@]}"; do
				lookups "$f" "$s" "$LOOKUPS" "$runs.$s.$f"
			done
		done
	done
	no_filter
	for s in 111 $FAKE_PMAP; do
		for f in "${configs[@]}"; do
			if [ "$(values replies <"$runs.$s.$f" | sort -u)" = "$LOOKUPS" ]; then
				pass "lookups :$s $f: every call answered"
			else
				fail "lookups :$s $f" "calls without a reply"
			fi
		done
	done
	print_rpc "$n" "$runs" "${configs[@]}" >>"$REPORT"
}

print_rpc() { # N RUNS-PREFIX NONE NOHELPER HELPER
	local n=$1 runs=$2 s f rate base nohelper cpu fl
	shift 2
	echo "### Portmap GETPORT lookups, img1 -> gcems udp, each from a new socket"
	echo
	echo "Median of $REPS rounds of $LOOKUPS lookups per row, the rows of a round"
	echo "run in turn. imgsec: the policy of the table above with $n addresses"
	echo "per role, with and without \"helper rpc\"; \"time vs no helper\": time per"
	echo "lookup with the helper over time without it. expected: the helper's"
	echo "counter per run; listed: expectations conntrack lists after a run."
	echo
	echo "| server | filter | lookups/s | vs none | time vs no helper | CPU ms/lookup | expected | expect failed | listed |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for s in 111 $FAKE_PMAP; do
		base=$(values rate <"$runs.$s.$1" | median)
		nohelper=$(values rate <"$runs.$s.$2" | median)
		for f in "$@"; do
			rate=$(values rate <"$runs.$s.$f" | median)
			cpu=$(per "$(values cpu_ms <"$runs.$s.$f" | median)" "$LOOKUPS")
			case $f in
			none) fl="no filter" ;;
			*-nohelper) fl="imgsec, no helper" ;;
			*) fl="imgsec + helper" ;;
			esac
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				"$([ "$s" = 111 ] && echo "rpcbind :111 (same port)" || echo "fake :$s (new port each)")" \
				"$fl" "$rate" "$(ratio "$rate" "$base")" \
				"$([ "$f" = "$3" ] && ratio "$nohelper" "$rate" || echo -)" \
				"$cpu" \
				"$([ "$f" = none ] && echo - || values expected <"$runs.$s.$f" | median)" \
				"$([ "$f" = none ] && echo - || values failed <"$runs.$s.$f" | median)" \
				"$(values listed <"$runs.$s.$f" | median)"
		done
	done
	echo
}

# --- main -----------------------------------------------------------------

setup_topology
# Connections: img1 closes first and keeps TIME_WAIT; give it room.
must run_in img1 sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" \
	net.ipv4.tcp_tw_reuse=1
# Global, set from the VM's own namespace: the fake portmap makes one
# expectation per lookup (the default bound is 4 per conntrack bucket/256).
must sysctl -q -w net.netfilter.nf_conntrack_expect_max=65536
must modprobe imgsec
run_in gcems "$NETBENCH" sink -p $PORT -T 900 >/dev/null 2>&1 &
echo $! >>"$E2E_STATE/pids"
busywait 5000 listening gcems tcp $PORT || die "no netbench sink in gcems"

REPORT=$E2E_STATE/report.md
echo "VM: kernel $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB" >"$REPORT"
echo >>"$REPORT"
bench_tcp
bench_rpc
note "done"
# tests/bench/run.sh takes what is between the markers.
echo "IMGSEC-BENCH-REPORT-BEGIN"
cat "$REPORT"
echo "IMGSEC-BENCH-REPORT-END"
summary
