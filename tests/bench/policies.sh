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

# What both nftables translations print first (an awk function): the
# table, emptied, and the helper objects.
# shellcheck disable=SC2016 # awk's text
NFT_HEAD_AWK='
function nft_head() {
	print "table inet bench"
	print "delete table inet bench"
	print "table inet bench {"
	print "\tct helper ftp { type \"ftp\" protocol tcp; l3proto inet; }"
	print "\tct helper rpc_udp { type \"imgsec-rpc\" protocol udp; l3proto inet; }"
	print "\tct helper rpc_tcp { type \"imgsec-rpc\" protocol tcp; l3proto inet; }"
}
# The start of base chain input (0) or output (1): what passes first, as in
# imgsec'"'"'s hook.
function nft_chain(out,   hook, lo) {
	hook = out ? "output" : "input"; lo = out ? "oif" : "iif"
	print "\tchain " hook " {"
	print "\t\ttype filter hook " hook " priority filter; policy drop;"
	print "\t\t" lo " lo accept"
	print "\t\tct state established,related accept"
	print "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept"
}'

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
	awk "$NFT_HEAD_AWK"'
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
		nft_head()
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
			nft_chain(c)
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

# The same policy as nftables written for speed, as an nftables expert
# would: verdict maps instead of a rule list, so a packet costs the same
# three lookups whatever the number of rules. The source's map jumps to
# the chain of the source's set of roles; that chain's destination map
# jumps to the chain of the pair of role sets, where one concatenated
# interval set holds every TCP and UDP port the pair's rules allow (rules
# with a helper, and ICMP rules, stay lines there). An address in several
# roles (img and peer-img) gets a chain for that set of roles. No limits.
nft_vmap_policy() { # POLICY-FILE
	awk "$NFT_HEAD_AWK"'
	function strip(s) {
		gsub(/"[^"]*"/, "", s)
		sub(/#.*/, "", s)
		return s
	}
	function fam(a) { return index(a, ":") ? "v6" : "v4" }
	# the elements of map M, 500 to a line
	function elements(m, n,   i, j, line) {
		for (i = 1; i <= n; i += 500) {
			line = el[m, i]
			for (j = i + 1; j < i + 500 && j <= n; j++)
				line = line ", " el[m, j]
			print "add element inet bench " m " { " line " }"
		}
	}
	function map(m, t) {
		printf "\tmap %s { type %s : verdict;%s }\n", m, t,
			(m in interval) ? " flags interval;" : ""
	}
	{ $0 = strip($0) }
	$1 == "role" {
		if (!($2 in rid))
			rid[$2] = ++nroles
		for (i = 3; i <= NF; i++) {
			if (!($i in seen)) {
				seen[$i] = 1
				addr[++na] = $i
			}
			in_role[$i, rid[$2]] = 1
		}
	}
	$1 == "allow" {
		from[++nr] = rid[$2]; to[nr] = rid[$4]; proto[nr] = $5
		ports[nr] = $6; helper[nr] = ""
		for (i = 7; i <= NF; i++)
			if ($i == "helper")
				helper[nr] = ($(i + 1) == "rpc") ? "rpc_" $5 : "ftp"
	}
	END {
		# each address: the set of its roles, a combination
		for (i = 1; i <= na; i++) {
			key = ""
			for (k = 1; k <= nroles; k++)
				if ((addr[i], k) in in_role)
					key = key "," k
			if (!(key in cid)) {
				cid[key] = ++nc
				for (k = 1; k <= nroles; k++)
					has[nc, k] = ((addr[i], k) in in_role)
			}
			comb[i] = cid[key]
		}
		nft_head()
		# a chain per pair of combinations that rules join
		for (c = 1; c <= nc; c++)
			for (d = 1; d <= nc; d++) {
				body = ""; elems = ""
				for (r = 1; r <= nr; r++) {
					if (!has[c, from[r]] || !has[d, to[r]])
						continue
					p = ports[r]
					line = ""
					if (proto[r] == "icmp" || proto[r] == "icmpv6") {
						gsub(/echo/, "echo-request", p); gsub(/,/, ", ", p)
						line = "\t\t" proto[r] " type { " p " } accept\n"
					} else if (helper[r] != "") {
						gsub(/,/, ", ", p)
						line = "\t\t" proto[r] " dport { " p " } ct helper set \"" helper[r] "\" accept\n"
					}
					# roles that share a chain share their rules: once each
					if (line != "") {
						if (!((c, d, line) in once))
							body = body line
						once[c, d, line] = 1
						continue
					}
					n = split(p, pp, ",")
					for (k = 1; k <= n; k++) {
						e = proto[r] " . " pp[k]
						if (!((c, d, e) in once))
							elems = elems (elems == "" ? "" : ", ") e
						once[c, d, e] = 1
					}
				}
				if (body elems == "")
					continue
				pair[c, d] = 1
				if (elems != "") {
					printf "\tset pp_%d_%d { type inet_proto . inet_service; flags interval; elements = { %s }; }\n", c, d, elems
					body = body "\t\tmeta l4proto . th dport @pp_" c "_" d " accept\n"
				}
				printf "\tchain p_%d_%d {\n%s\t}\n", c, d, body
				src[c] = 1
			}
		# the maps: sources to their combination, destinations to the pair
		for (i = 1; i <= na; i++) {
			a = addr[i]; f = fam(a)
			if (comb[i] in src) {
				m = "src_" f
				el[m, ++nel[m]] = a " : jump s_" comb[i]
				if (index(a, "/")) interval[m] = 1
			}
			for (c = 1; c <= nc; c++)
				if ((c, comb[i]) in pair) {
					m = "dst_" c "_" f
					el[m, ++nel[m]] = a " : jump p_" c "_" comb[i]
					if (index(a, "/")) interval[m] = 1
				}
		}
		map("src_v4", "ipv4_addr"); map("src_v6", "ipv6_addr")
		for (c = 1; c <= nc; c++) {
			if (!(c in src))
				continue
			map("dst_" c "_v4", "ipv4_addr"); map("dst_" c "_v6", "ipv6_addr")
			print "\tchain s_" c " {"
			print "\t\tip daddr vmap @dst_" c "_v4"
			print "\t\tip6 daddr vmap @dst_" c "_v6"
			print "\t}"
		}
		for (h = 0; h < 2; h++) {
			nft_chain(h)
			print "\t\tip saddr vmap @src_v4"
			print "\t\tip6 saddr vmap @src_v6"
			print "\t}"
		}
		print "}"
		for (k in nel)
			elements(k, nel[k])
	}' "$1"
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
