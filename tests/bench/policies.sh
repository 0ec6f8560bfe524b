# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Policies of the VM benchmarks (vm_bench.sh, icount_bench.sh), sourced:
# the shipped policy with the benchmark's rules and padded roles, and the
# same policy as an nftables ruleset with hash sets. The caller sets CONF
# (etc/imgsec.conf in the VM), PORT (the benchmark's TCP port), FAKE_PMAP
# (a UDP port with "helper rpc") and may set PAD_ROLES (the roles that
# bench_policy pads to N, "img gcems" by default).

# --- policies ---------------------------------------------------------

# N addresses for role R (1 or 2) as "role" lines: half 10.R.x.y, half
# 2001:db8:ffff::R:x; nothing here collides with the topology.
pad_role() { # NAME R N
	awk -v name="$1" -v r="$2" -v n="$3" 'BEGIN {
		for (i = 0; i < n; i++) {
			if (i % 2 == 0)
				a = sprintf("10.%d.%d.%d", r, int(i / 256) % 256, i % 256)
			else
				a = sprintf("2001:db8:ffff::%x:%x", r, i)
			line = line " " a
			if (++k == 40 || i == n - 1) {
				print "role " name line
				line = ""; k = 0
			}
		}
	}'
}

# The shipped policy plus the benchmark's rules, img and gcems padded to N
# addresses each (the roles in PAD_ROLES), PAD_RULES rules (0) before the
# benchmark's. A second argument "no" drops every "helper rpc". BENCH_OPTS
# (e.g. "limit 20000/s burst 1000") goes on the benchmark's TCP rule;
# BENCH_IMG_EXTRA (addresses) joins the img role.
bench_policy() { # N [no]
	local n=$1
	if [ "${2:-}" = no ]; then
		sed 's/ helper rpc / /' "$CONF"
	else
		cat "$CONF"
	fi
	# PAD_RULES rules more, before the benchmark's: ports nobody uses.
	awk -v k="${PAD_RULES:-0}" 'BEGIN {
		for (i = 0; i < k; i++)
			printf "allow img -> gcems tcp %d \"bench: padding\"\n", 30000 + i
	}'
	cat <<-EOF

	# --- benchmark (tests/bench/vm_bench.sh) ---
	allow img -> gcems tcp $PORT${BENCH_OPTS:+ $BENCH_OPTS} "bench: throughput and connection rate"
	allow img -> gcems udp $FAKE_PMAP$([ "${2:-}" = no ] || echo " helper rpc") "bench: fake portmap"
	EOF
	[ -z "${BENCH_IMG_EXTRA:-}" ] || echo "role img $BENCH_IMG_EXTRA"
	# The shipped policy has 4 img and 2 gcems addresses.
	case " ${PAD_ROLES:-img gcems} " in *" img "*)
		[ "$n" -gt 4 ] && pad_role img 1 $((n - 4)) ;;
	esac
	case " ${PAD_ROLES:-img gcems} " in *" gcems "*)
		[ "$n" -gt 2 ] && pad_role gcems 2 $((n - 2)) ;;
	esac
	return 0
}

# The same policy as nftables: one set per role and family, per rule one
# line per family, in input and output (placement host); conntrack, ND and
# loopback pass first, as in imgsec's hook. With "nosets", no set: per rule
# one line per pair of addresses of its two roles (what a translation to
# iptables without ipset would be).
# A rule's limits become nft's: "per-source R/U burst N" a dynamic set of
# 4096 sources per rule and family (`add @ps_K_v4 { ip saddr limit rate
# ... }`, what `meter` is now), asked first as imgsec does; "per-source
# [R/U [burst N]] max M" also (or only) a dynamic set counting each
# source's connections (`add @cc_K_v4 { ip saddr ct count M }`: matches
# while the source has at most M, nf_conncount as imgsec); "limit R/U
# burst N" `limit rate R/second burst N packets` (the burst always said:
# nft's default is 5, imgsec's the rate). A limited rule is followed by
# the same match with only a counter and no verdict: what the limits
# refused counts there on its way to the drop policy (only refused
# packets reach it; the benchmarks read it), unless NFT_LIMIT_COUNTER=no.
nft_policy() { # POLICY-FILE [nosets]
	awk '
	function strip(s) {
		gsub(/"[^"]*"/, "", s)
		sub(/#.*/, "", s)
		return s
	}
	function setname(role, fam) { gsub(/-/, "_", role); return role "_" fam }
	{ $0 = strip($0) }
	$1 == "role" {
		for (i = 3; i <= NF; i++) {
			fam = index($i, ":") ? "v6" : "v4"
			s = setname($2, fam)
			# one array entry each: appending to one string is
			# quadratic (minutes for 65,000 addresses in the VM)
			elem[s, ++nel[s]] = $i
			roles[$2] = 1
		}
	}
	$1 == "allow" {
		# allow FROM -> TO PROTO PORTS [limit R [burst N]]
		#	[per-source R [burst N]] [helper H], in any order
		ports = $6; gsub(/,/, ", ", ports)
		helper = ""; lim = ""; psrc = ""; pcap = ""
		for (i = 7; i <= NF; i++) {
			if ($i == "helper") {
				helper = ($(i + 1) == "rpc") ? " ct helper set \"rpc_" $5 "\"" : " ct helper set \"ftp\""
				i++
			} else if ($i == "per-source" && $(i + 1) == "max") {
				pcap = $(i + 2); i += 2
			} else if ($i == "limit" || $i == "per-source") {
				kind = $i; rate = $(i + 1); i++
				split(rate, ru, "/")
				unit = (ru[2] ~ /^m/) ? "minute" : "second"
				burst = ru[1]
				if ($(i + 1) == "burst") { burst = $(i + 2); i += 2 }
				stmt = "limit rate " ru[1] "/" unit " burst " burst " packets"
				if (kind == "limit")
					lim = " " stmt
				else
					psrc = stmt
				if (kind == "per-source" && $(i + 1) == "max") {
					pcap = $(i + 2); i += 2
				}
			}
		}
		# ICMP rules (icmp TYPE[,TYPE]) are for one family; the policy
		# names "echo", nftables "echo-request".
		match_ = $5 " dport { " ports " }"
		if ($5 == "icmp" || $5 == "icmpv6") {
			nt = split($6, types, ",")
			ports = ""
			for (i = 1; i <= nt; i++)
				ports = ports (i > 1 ? ", " : "") (types[i] == "echo" ? "echo-request" : types[i])
			match_ = $5 " type { " ports " }"
		}
		if (psrc != "")
			nps++
		if (pcap != "")
			ncc++
		for (f = 0; f < 2; f++) {
			if (($5 == "icmp" && f) || ($5 == "icmpv6" && !f))
				continue
			fam = f ? "v6" : "v4"; ipk = f ? "ip6" : "ip"
			rfrom[++nr] = setname($2, fam); rto[nr] = setname($4, fam)
			rip[nr] = ipk; rmatch[nr] = match_
			ps = ""
			if (psrc != "") {
				psets[nr] = "ps_" nps "_" fam
				pstype[nr] = f ? "ipv6_addr" : "ipv4_addr"
				ps = " add @" psets[nr] " { " ipk " saddr " psrc " }"
			}
			if (pcap != "") {
				csets[nr] = "cc_" ncc "_" fam
				pstype[nr] = f ? "ipv6_addr" : "ipv4_addr"
				ps = ps " add @" csets[nr] " { " ipk " saddr ct count " pcap " }"
			}
			rlimited[nr] = (ps lim != "")
			rtail[nr] = match_ ps lim helper " accept"
		}
	}
	END {
		print "table inet bench"
		print "delete table inet bench"
		print "table inet bench {"
		print "\tct helper ftp { type \"ftp\" protocol tcp; l3proto inet; }"
		print "\tct helper rpc_udp { type \"imgsec-rpc\" protocol udp; l3proto inet; }"
		print "\tct helper rpc_tcp { type \"imgsec-rpc\" protocol tcp; l3proto inet; }"
		for (r in roles) {
			if (nosets)
				break
			print "\tset " setname(r, "v4") " { type ipv4_addr; }"
			print "\tset " setname(r, "v6") " { type ipv6_addr; }"
		}
		for (i = 1; i <= nr; i++) {
			if (i in psets)
				print "\tset " psets[i] " { type " pstype[i] "; size 4096; flags dynamic; }"
			if (i in csets)
				print "\tset " csets[i] " { type " pstype[i] "; size 4096; flags dynamic; }"
		}
		for (c = 0; c < 2; c++) {
			hook = c ? "output" : "input"; lo = c ? "oif" : "iif"
			print "\tchain " hook " {"
			print "\t\ttype filter hook " hook " priority filter; policy drop;"
			print "\t\t" lo " lo accept"
			print "\t\tct state established,related accept"
			print "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept"
			for (i = 1; i <= nr; i++) {
				if (!nosets) {
					printf "\t\t%s saddr @%s %s daddr @%s %s\n",
						rip[i], rfrom[i], rip[i], rto[i], rtail[i]
					if (rlimited[i] && !nocounter)
						printf "\t\t%s saddr @%s %s daddr @%s %s counter\n",
							rip[i], rfrom[i], rip[i], rto[i], rmatch[i]
					continue
				}
				for (a = 1; a <= nel[rfrom[i]]; a++)
					for (b = 1; b <= nel[rto[i]]; b++)
						printf "\t\t%s saddr %s %s daddr %s %s\n",
							rip[i], elem[rfrom[i], a], rip[i],
							elem[rto[i], b], rtail[i]
			}
			print "\t}"
		}
		print "}"
		if (nosets)
			exit
		# Elements in chunks: one command line stays short.
		for (s in nel) {
			n = nel[s]
			for (i = 1; i <= n; i += 500) {
				line = elem[s, i]
				for (j = i + 1; j < i + 500 && j <= n; j++)
					line = line ", " elem[s, j]
				print "add element inet bench " s " { " line " }"
			}
		}
	}' nosets="${2:+1}" nocounter="$([ "${NFT_LIMIT_COUNTER:-}" != no ] || echo 1)" "$1"
}

# nftables with conntrack and nothing else: what every stateful filter pays.
nft_ct_only() {
	cat <<-'EOF'
	table inet bench
	delete table inet bench
	table inet bench {
		chain input {
			type filter hook input priority filter; policy accept;
			ct state established,related accept
		}
		chain output {
			type filter hook output priority filter; policy accept;
			ct state established,related accept
		}
	}
	EOF
}
