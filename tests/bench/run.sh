#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: run the benchmark sections and print their results as
# Markdown, ready to paste into BENCHMARKS.md.
#
#	tests/bench/run.sh [-q] [SECTION...]
#
# -q runs each section briefly (a smoke test; numbers not for reporting;
# the icount section boots once instead of twice).
# With no SECTION, all of them run, in the order of SECTIONS below. A section
# is a function bench_NAME that builds what it needs under $out and prints
# one Markdown section; add new ones the same way and list them in SECTIONS.
# The vm section boots the test VM (tests/vm/run.sh): it needs `make all
# tools` and takes several minutes under TCG.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${IMGSEC_BUILD:-$root/build}/bench
CC=${CC:-gcc}
quick=

# vm (wall-clock rates, 2 vCPUs) is not in the default list: under TCG its
# figures moved by 30 points between runs; icount replaces it. Run it by
# name on a KVM host.
SECTIONS=(classifier rpc icount xcheck)

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	echo "Machine: ${cpu:-unknown CPU}, $(nproc) CPUs, kernel $(uname -r)," \
		"$(. /etc/os-release && echo "$PRETTY_NAME"), $($CC --version | head -n 1)"
}

# The pure classifier in userspace: the same module/classify.c as the kernel.
bench_classifier() {
	echo "## Classifier (userspace, same code as the kernel)"
	echo
	"$CC" -std=gnu11 -O2 -Wall -Wextra -Werror \
		-I"$root/include/uapi" -I"$root/module" \
		-o "$out/bench_classify" "$root/tests/bench/bench_classify.c" \
		"$root/module/classify.c" "$root/module/policy_desc.c"
	machine
	echo
	"$out/bench_classify" ${quick:+-q}
	echo
}

# The RPC parsers in userspace: the same module/rpc.c as the kernel, on the
# packets captured from real clients in tests/data/rpc.
bench_rpc() {
	echo "## RPC helper parsing (userspace, same code as the kernel)"
	echo
	"$CC" -std=gnu11 -O2 -Wall -Wextra -Werror \
		-I"$root/include/uapi" -I"$root/module" \
		-o "$out/bench_rpc" "$root/tests/bench/bench_rpc.c" \
		"$root/module/rpc.c"
	machine
	echo
	"$out/bench_rpc" ${quick:+-q} "$root/tests/data/rpc"
	echo
}

# The VM benchmark (tests/bench/vm_bench.sh): throughput, connection rate
# and portmap lookup rate through imgsec, nftables and no filter, in one
# boot. The console goes to $out/vm.log; the report is what the script
# prints between its markers.
bench_vm() {
	local log=$out/vm.log rc=0
	echo "## VM: throughput, connection rate, portmap lookups"
	echo
	machine
	if [ ! -x "$root/tests/tools/netbench" ] ||
		[ ! -x "$root/tests/tools/rpcsend" ]; then
		echo "tests/tools/netbench or rpcsend missing: run 'make tools'" >&2
		return 1
	fi
	# Other VMs on the same CPUs change the figures: say how loaded it was.
	echo "Host before the VM: load average $(cut -d' ' -f1-3 /proc/loadavg)," \
		"$(pgrep -c qemu-system || true) other qemu process(es)"
	IMGSEC_TEST_BENCH_QUICK=$quick IMGSEC_VM_SCRIPT_TIMEOUT=${IMGSEC_VM_SCRIPT_TIMEOUT:-720} \
		"$root/tests/vm/run.sh" "$root/tests/bench/vm_bench.sh" >"$log" 2>&1 || rc=$?
	echo "Host after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	sed -n '/IMGSEC-BENCH-REPORT-BEGIN/,/IMGSEC-BENCH-REPORT-END/p' "$log" |
		sed '1d;$d'
	grep -a '^vm: \(PASS\|FAIL\)' "$log" | tail -n 1 | sed 's/^vm: /VM run: /'
	echo
	if [ $rc != 0 ]; then
		echo "the VM run failed (status $rc), console log: $log" >&2
		grep -a '^FAIL' "$log" >&2 || true
		return $rc
	fi
}

# The instruction-counting VM benchmark (tests/bench/icount_bench.sh, issue
# 11): booted twice under tests/vm/run.sh --icount, each boot's medians
# side by side with the spread between the boots. Console logs in
# $out/icount.N.log.
bench_icount() {
	local boots=2 b rc=0 raw=$out/icount.raw
	[ -z "$quick" ] || boots=1
	echo "## Kernel path in the VM, counted in guest instructions (qemu -icount)"
	echo
	machine
	[ -x "$root/tests/tools/netbench" ] ||
		{ echo "tests/tools/netbench missing: run 'make tools'" >&2; return 1; }
	"$CC" -static -O2 -Wall -Wextra -Werror -o "$out/iload" \
		"$root/tests/bench/iload.c"
	# tests/vm/run.sh carries repo-relative paths.
	local carry=${out#"$root"/}/iload
	[ "$carry" != "$out/iload" ] ||
		{ echo "IMGSEC_BUILD must be inside the repository for icount" >&2; return 1; }
	: >"$raw"
	for b in $(seq "$boots"); do
		IMGSEC_TEST_BENCH_QUICK=$quick IMGSEC_VM_CARRY=$carry \
			IMGSEC_TEST_BENCH_ILOAD=/src/$carry \
			IMGSEC_VM_SCRIPT_TIMEOUT=${IMGSEC_VM_SCRIPT_TIMEOUT:-100000} \
			IMGSEC_VM_TIMEOUT=${IMGSEC_VM_TIMEOUT:-3600} \
			"$root/tests/vm/run.sh" --icount "$root/tests/bench/icount_bench.sh" \
			>"$out/icount.$b.log" 2>&1 || rc=$?
		{ grep -a '^IBENCH ' "$out/icount.$b.log" || true; } | sed "s/^/$b /" >>"$raw"
		echo "Boot $b: $(grep -a '^IBENCH-META' "$out/icount.$b.log" | head -n 1 | cut -d' ' -f2-);" \
			"$(grep -a '^vm: \(PASS\|FAIL\)' "$out/icount.$b.log" | tail -n 1 | sed 's/^vm: //')"
		if [ $rc != 0 ]; then
			echo "boot $b failed (status $rc), console log: $out/icount.$b.log" >&2
			grep -a '^FAIL' "$out/icount.$b.log" >&2 || true
			return $rc
		fi
	done
	echo
	icount_tables "$raw" "$boots" "$out/icount-conn.dat"
	# The plot of the curve, where gnuplot is installed.
	if [ -s "$out/icount-conn.dat" ] && command -v gnuplot >/dev/null; then
		gnuplot -e "set terminal png size 800,500; set output '$out/icount-conn.png';
			set logscale xy; set xlabel 'img role addresses';
			set ylabel 'guest instructions per new TCP connection';
			set key top left;
			set title 'New connection img1 -> gcems under qemu -icount';
			plot '$out/icount-conn.dat' using 1:2 with linespoints title 'imgsec',
			     '' using 1:3 with linespoints title 'nftables hash sets',
			     '' using 1:4 with linespoints title 'nftables without sets',
			     '' using 1:5 with linespoints title 'nftables verdict maps'" &&
			echo "Plot: $out/icount-conn.png" && echo
	fi
}

# The tables from "BOOT IBENCH METRIC CONFIG MEDIAN MIN MAX ROUNDS" lines.
icount_tables() { # RAW BOOTS [CURVE-DATA-FILE]
	awk -v boots="$2" -v curve="${3:-}" '
	{ v[$3, $4, $1] = $5; lo[$3, $4, $1] = $6; hi[$3, $4, $1] = $7 }
	function mean(m, c,   b, s, n) {
		for (b = 1; b <= boots; b++) if ((m, c, b) in v) { s += v[m, c, b]; n++ }
		return n ? s / n : 0
	}
	# the figures of each boot, the spread between boots, and the widest
	# spread of the rounds inside one boot ((max - min) / median)
	function cols(m, c, scale, unit,   b, s, a, z, w, r) {
		s = ""
		for (b = 1; b <= boots; b++)
			s = s sprintf(" %s |", ((m, c, b) in v) ? fmt(v[m, c, b] * scale, unit) : "-")
		if (boots > 1) {
			if (((m, c, 1) in v) && ((m, c, 2) in v) && v[m, c, 1] + v[m, c, 2]) {
				a = v[m, c, 1]; z = v[m, c, 2]
				s = s sprintf(" %.2f %% |", 200 * (a > z ? a - z : z - a) / (a + z))
			} else
				s = s " - |"
		}
		w = 0
		for (b = 1; b <= boots; b++)
			if (((m, c, b) in v) && v[m, c, b] > 0) { r = (hi[m, c, b] - lo[m, c, b]) / v[m, c, b]; if (r > w) w = r }
		return s sprintf(" %.2f %% |", 100 * w)
	}
	function fmt(x, unit) {
		if (x == 0) return "-"
		if (unit == "M") return sprintf("%.2f M", x / 1e6)
		return sprintf("%.1f k", x / 1e3)
	}
	function kb(c) {
		return ((("kmem-kb", c, 1) in v)) ? sprintf("%.0f", mean("kmem-kb", c)) : "-"
	}
	# bytes of kernel memory per img address added to the seed policy
	function per_addr(c, n,   base) {
		base = c
		sub(/-[^-]*$/, "-seed", base)
		if (n == "seed" || !(("kmem-kb", c, 1) in v) || !(("kmem-kb", base, 1) in v))
			return "-"
		return sprintf("%.0f", (mean("kmem-kb", c) - mean("kmem-kb", base)) * 1024 / (n - 4))
	}
	function ratio(m, a, b,   x, y) {
		x = mean(m, a); y = mean(m, b)
		return (x && y) ? sprintf("%.3f", x / y) : "-"
	}
	function head(what,   b, s) {
		s = "| " what " |"
		for (b = 1; b <= boots; b++) s = s " boot " b " |"
		if (boots > 1) s = s " spread |"
		return s " rounds |"
	}
	function rule(n, extra,   b, s) {
		s = "|---|"
		for (b = 1; b <= boots + (boots > 1) + 1 + extra; b++) s = s "---:|"
		return s
	}
	function name(c) {
		if (c == "none") return "no filter"
		if (c == "none-end") return "no filter, again at the end (imgsec reloaded)"
		if (c == "ct-held") return "conntrack on, no rule (imgsec policy flushed)"
		if (c == "nft-ct") return "nft `ct state` only"
		if (c == "imgsec-seed") return "imgsec, shipped policy (4 img addresses)"
		if (c == "nft-seed") return "nft, same policy with hash sets"
		if (c == "nftns-seed") return "nft without sets, same policy"
		if (c ~ /^nftns-/) return "nft without sets, img role " substr(c, 7) " addresses"
		if (c == "nftvm-seed") return "nft, same policy as verdict maps"
		if (c ~ /^nftvm-rules/) return "nft verdict maps, " substr(c, 12) " rules"
		if (c ~ /^nftvm-/) return "nft verdict maps, img role " substr(c, 7) " addresses"
		if (c ~ /^imgsec-rules/) return "imgsec, " substr(c, 13) " rules"
		if (c ~ /^nft-rules/) return "nft hash sets, " substr(c, 10) " rules"
		if (c ~ /^imgsec-/) return "imgsec, img role " substr(c, 8) " addresses"
		if (c ~ /^nft-/) return "nft hash sets, img role " substr(c, 5) " addresses"
		return c
	}
	{ seen[$4] = 1; if (!(($3, $4) in order)) { order[$3, $4] = ++no[$3]; byno[$3, no[$3]] = $4 } }
	END {
		print "Guest instructions per operation (under -icount, one guest nanosecond"
		print "is one guest instruction), whole guest: client, server, kernel."
		print "A qemu instruction is not a CPU cycle: compare ratios, not the counts."
		print "\"spread\": between the two boots; \"rounds\": the widest (max - min) /"
		print "median of the rounds inside one boot."
		print ""
		print "### New TCP connection img1 -> gcems (connect, shutdown, server closes, close), per connection"
		print ""
		print head("filter") " per 100 | vs no filter | vs nft ct only | vs nft sets, same policy | vs nft verdict maps |"
		print rule(0, 5)
		for (i = 1; i <= no["conn"]; i++) {
			c = byno["conn", i]
			vs = vm = "-"
			if (c ~ /^imgsec-/) {
				vs = ratio("conn", c, "nft-" substr(c, 8))
				vm = ratio("conn", c, "nftvm-" substr(c, 8))
			}
			printf "| %s |%s %s | %s | %s | %s | %s |\n", name(c), cols("conn", c, 1, "k"),
				fmt(mean("conn", c) * 100, "M"), ratio("conn", c, "none"),
				ratio("conn", c, "nft-ct"), vs, vm
		}
		print ""
		for (i = 1; i <= no["conn"]; i++) {
			c = byno["conn", i]
			if (c ~ /^imgsec-([0-9]|rules)/) printf "imgsec flat: %s / shipped policy = %s. ", c, ratio("conn", c, "imgsec-seed")
			if (c ~ /^nft-([0-9]|rules)/) printf "nft flat: %s / same policy = %s. ", c, ratio("conn", c, "nft-seed")
			if (c ~ /^nftvm-([0-9]|rules)/) printf "nft verdict maps flat: %s / same policy = %s. ", c, ratio("conn", c, "nftvm-seed")
		}
		print ""
		print ""
		# The curve: per img role size, connection and load, imgsec and nft.
		ns = 0
		for (i = 1; i <= no["conn"]; i++) {
			c = byno["conn", i]
			if (c ~ /^imgsec-([0-9]+|seed)$/) sz[++ns] = substr(c, 8)
		}
		if (ns > 2) {
			print "### Against the size of the img role"
			print ""
			print "Per new connection and per load (instructions, mean of the boots);"
			print "kmem: kernel memory of the policy, kB (mem part, median of its loads,"
			print "mean of the boots); per address: its growth over the seed policy, per"
			print "img address added. \"seed\": the shipped policy, 4 img addresses."
			print ""
			print "| img addresses | imgsec conn | nft sets conn | imgsec / nft | imgsec / smallest | nft vmaps conn | imgsec / vmaps | nft no sets conn | imgsec load | nft load | imgsec / nft | kmem imgsec | kmem nft | imgsec B / address | nft B / address |"
			print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
			for (k = 1; k <= ns; k++) {
				a = "imgsec-" sz[k]; z = "nft-" sz[k]
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
					(sz[k] == "seed" ? "4 (seed)" : sz[k]),
					fmt(mean("conn", a), "k"), fmt(mean("conn", z), "k"),
					ratio("conn", a, z), ratio("conn", a, "imgsec-seed"),
					fmt(mean("conn", "nftvm-" sz[k]), "k"),
					ratio("conn", a, "nftvm-" sz[k]),
					fmt(mean("conn", "nftns-" sz[k]), "k"),
					fmt(mean("load", a), "M"), fmt(mean("load", z), "M"),
					ratio("load", a, z),
					kb(a), kb(z), per_addr(a, sz[k]), per_addr(z, sz[k])
				if (curve != "")
					printf "%s %.0f %.0f %s %s\n", (sz[k] == "seed" ? 4 : sz[k]),
						mean("conn", a), mean("conn", z),
						mean("conn", "nftns-" sz[k]) ? sprintf("%.0f", mean("conn", "nftns-" sz[k])) : "NaN",
						mean("conn", "nftvm-" sz[k]) ? sprintf("%.0f", mean("conn", "nftvm-" sz[k])) : "NaN" > curve
			}
			print ""
		}
		print "### One TCP transfer img1 -> gcems, per transfer"
		print ""
		print head("filter") " vs no filter | vs nft ct only |"
		print rule(0, 2)
		for (i = 1; i <= no["send"]; i++) {
			c = byno["send", i]
			printf "| %s |%s %s | %s |\n", name(c), cols("send", c, 1, "M"),
				ratio("send", c, "none"), ratio("send", c, "nft-ct")
		}
		print ""
		print "### Loading the policy (one measurement per boot)"
		print ""
		print "The load command alone in gcems: `imgsecctl set-policy` or `nft -f`"
		print "(process start included), guest instructions."
		print ""
		print head("filter") " imgsec / nft |"
		print rule(0, 1)
		for (i = 1; i <= no["load"]; i++) {
			c = byno["load", i]
			vs = "-"
			if (c ~ /^imgsec-/) vs = ratio("load", c, "nft-" substr(c, 8))
			printf "| %s |%s %s |\n", name(c), cols("load", c, 1, "M"), vs
		}
		print ""
		print "### Portmap GETPORT lookup img1 -> gcems rpcbind, each from a new socket (a new conntrack)"
		print ""
		print head("lookup, filter") " vs no helper |"
		print rule(0, 1)
		split("rpc-udp rpc-tcp", ms, " ")
		for (k = 1; k <= 2; k++) {
			m = ms[k]
			for (i = 1; i <= no[m]; i++) {
				c = byno[m, i]
				vs = "-"
				if (c == "nft-rpc-helper") vs = ratio(m, c, "nft-rpc")
				if (c == "imgsec-helper") vs = ratio(m, c, "imgsec-nohelper")
				n = c
				if (c == "nft-rpc") n = "nft drop policy, 111 open, no helper"
				if (c == "nft-rpc-helper") n = "the same + `ct helper set` imgsec-rpc"
				if (c == "imgsec-nohelper") n = "imgsec shipped policy without helper rpc"
				if (c == "imgsec-helper") n = "imgsec shipped policy (helper rpc)"
				printf "| %s, %s |%s %s |\n", (m == "rpc-udp" ? "UDP" : "TCP"), n, cols(m, c, 1, "k"), vs
			}
		}
		print ""
		if (no["flood-syn"] || no["flood-udp"]) {
			print "### Outsider flood from spoofed sources of a /16, per packet (sender included)"
			print ""
			print head("flood, filter") " vs nft sets |"
			print rule(0, 1)
			split("flood-syn flood-udp", ms, " ")
			for (k = 1; k <= 2; k++) {
				m = ms[k]
				for (i = 1; i <= no[m]; i++) {
					c = byno[m, i]
					n = (c == "none") ? "no filter (answered: RST, ICMP)" : name(c) ", dropped"
					printf "| %s, %s |%s %s |\n", (m == "flood-syn" ? "TCP SYN" : "UDP"), n,
						cols(m, c, 1, "k"), (c == "imgsec-seed") ? ratio(m, c, "nft-seed") : "-"
				}
			}
			print ""
		}
		if (no["during-udp"] || no["during-tcp"]) {
			print "### Portmap lookups during an outsider flood, imgsec shipped policy, per lookup"
			print ""
			print "\"alone\": the lookups alone; \"during\": each after 20 spoofed packets of a flood,"
			print "sent by the same process, less what the flood alone costs (icount_bench.sh, during_rounds)."
			print "Goal: within 10 %."
			print ""
			print head("lookup, flood") " during / alone |"
			print rule(0, 1)
			split("during-udp during-tcp", ms, " ")
			split("syn udp", fs, " ")
			for (k = 1; k <= 2; k++) {
				m = ms[k]
				for (j = 1; j <= 2; j++) {
					f = fs[j]
					n = (m == "during-udp" ? "UDP" : "TCP") " GETPORT"
					printf "| %s, alone |%s - |\n", n, cols(m, "alone-" f, 1, "k")
					printf "| %s, during a %s flood |%s %s |\n", n, (f == "syn" ? "SYN" : "UDP"),
						cols(m, f, 1, "k"), ratio(m, f, "alone-" f)
				}
			}
			print ""
		}
		if (no["lconn"]) {
			print "### Rate limits on the benchmark rule: new TCP connection img1 -> gcems, per connection"
			print ""
			print "Shipped policy, 198.18.0.1 added to the img role; limits of 20,000/s burst 1,000"
			print "(nothing refused: the cost of the bucket). nft: `limit rate`, and a dynamic set"
			print "of 4096 sources with a limit per element (`meter`). `per-source max 1000`: at"
			print "most 1,000 open per source (one is open at a time here); nft: a dynamic set"
			print "counting each source'"'"'s connections (`ct count 1000`), nf_conncount as imgsec."
			print ""
			print head("limit, filter") " vs same filter, no limit | imgsec / nft |"
			print rule(0, 2)
			for (i = 1; i <= no["lconn"]; i++) {
				c = byno["lconn", i]
				split(c, p, "-")
				printf "| %s |%s %s | %s |\n", lname(c), cols("lconn", c, 1, "k"),
					(p[1] == "lbase") ? "-" : ratio("lconn", c, "lbase-" p[2]),
					(p[2] == "imgsec") ? ratio("lconn", c, p[1] "-nft") : "-"
			}
			print ""
		}
		if (no["lflood"]) {
			print "### Over the limit: SYN flood from one img-role source (198.18.0.1), per refused packet (sender included); first rows: the same from a source in no role, dropped; `max 1`: the first SYN'"'"'s half-open connection keeps the source at its cap"
			print ""
			print head("limit, filter") " imgsec / nft |"
			print rule(0, 1)
			for (i = 1; i <= no["lflood"]; i++) {
				c = byno["lflood", i]
				split(c, p, "-")
				printf "| %s |%s %s |\n", (p[1] == "lbase") ? "no limit, from 198.18.0.2 (no role): dropped, " (p[2] == "nft" ? "nft hash sets" : "imgsec") : lname(c),
					cols("lflood", c, 1, "k"),
					(p[2] == "imgsec") ? ratio("lflood", c, p[1] "-nft") : "-"
			}
			print ""
		}
	}
	function lname(c,   p, w) {
		split(c, p, "-")
		if (p[1] == "lbase") w = "no limit"
		if (p[1] == "limit") w = "`limit 20000/s burst 1000`"
		if (p[1] == "persrc") w = "`per-source 20000/s burst 1000`"
		if (p[1] == "limlow") w = "`limit 1/min burst 1`"
		if (p[1] == "pslow") w = "`per-source 1/min burst 1`"
		if (p[1] == "cap") w = "`per-source max 1000`"
		if (p[1] == "caplow") w = "`per-source max 1`"
		if (p[2] == "nft") {
			if (p[1] == "lbase") return w ", nft hash sets"
			if (p[1] ~ /^(limit|limlow)$/) return w ", nft `limit rate`"
			if (p[1] ~ /^cap/) return w ", nft dynamic set (`ct count`)"
			return w ", nft dynamic set (`meter`)"
		}
		return w ", imgsec"
	}' "$1"
}

# The instrument against the real CPU (issue 11): the same static
# bench_classify (-q) on the host (ns) and in an icount VM (guest
# instructions), and one ratio from each: the dearest lookup (10,000
# addresses, 1,000 rules, hit) over the cheapest (10, 10).
bench_xcheck() {
	local log=$out/xcheck.log carry rc=0
	echo "## Cross-check: instructions under icount against time on this CPU"
	echo
	machine
	"$CC" -static -std=gnu11 -O2 -Wall -Wextra -Werror \
		-I"$root/include/uapi" -I"$root/module" \
		-o "$out/bench_classify_static" "$root/tests/bench/bench_classify.c" \
		"$root/module/classify.c" "$root/module/policy_desc.c"
	carry=${out#"$root"/}/bench_classify_static
	"$out/bench_classify_static" -q >"$out/xcheck.host"
	IMGSEC_VM_CARRY=$carry IMGSEC_TEST_BENCH_CLASSIFY=/src/$carry \
		IMGSEC_VM_TIMEOUT=${IMGSEC_VM_TIMEOUT:-900} \
		"$root/tests/vm/run.sh" --icount "$root/tests/bench/xcheck_vm.sh" \
		>"$log" 2>&1 || rc=$?
	sed -n '/IMGSEC-XCHECK-BEGIN/,/IMGSEC-XCHECK-END/p' "$log" | sed '1d;$d' \
		>"$out/xcheck.vm"
	if [ $rc != 0 ] || [ ! -s "$out/xcheck.vm" ]; then
		echo "the VM run failed (status $rc), console log: $log" >&2
		return 1
	fi
	echo
	echo "On the host (ns per lookup, one run):"
	echo
	grep '^|' "$out/xcheck.host"
	echo
	echo "In the VM under -icount (guest instructions per lookup, one run):"
	echo
	grep '^|' "$out/xcheck.vm"
	echo
	# imgsec hit: column 3 of the rows "10 | 10" and "10000 | 1000".
	awk -F'|' 'FNR == 1 { f++ }
		$2 + 0 == 10 && $3 + 0 == 10 { lo[f] = $4 }
		$2 + 0 == 10000 && $3 + 0 == 1000 { hi[f] = $4 }
		END { if (lo[1] > 0 && lo[2] > 0)
			printf "imgsec hit, 10,000 addresses and 1,000 rules over 10 and 10: %.2fx in time on this CPU, %.2fx in guest instructions.\n", hi[1] / lo[1], hi[2] / lo[2] }' \
		"$out/xcheck.host" "$out/xcheck.vm"
	echo
}

if [ "${1:-}" = -q ]; then
	quick=1
	shift
fi
[ $# -gt 0 ] || set -- "${SECTIONS[@]}"
for s in "$@"; do
	if ! declare -F "bench_$s" >/dev/null; then
		echo "unknown section: $s (have: ${SECTIONS[*]})" >&2
		exit 2
	fi
done
mkdir -p "$out"
# Each section on its own: one that fails does not stop the others. The
# count goes to stderr (make check's bench suite reads it; the Markdown on
# stdout stays clean).
passed=0 failed=0
for s in "$@"; do
	set +e
	(set -e; "bench_$s")
	rc=$?
	set -e
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
	else
		echo "FAIL: bench section $s (status $rc)" >&2
		failed=$((failed + 1))
	fi
done
echo "bench: $passed passed, $failed failed" >&2
[ $failed = 0 ]
