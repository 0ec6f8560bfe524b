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
# addresses each (the roles in PAD_ROLES). A second argument "no" drops
# every "helper rpc".
bench_policy() { # N [no]
	local n=$1
	if [ "${2:-}" = no ]; then
		sed 's/ helper rpc / /' "$CONF"
	else
		cat "$CONF"
	fi
	cat <<-EOF

	# --- benchmark (tests/bench/vm_bench.sh) ---
	allow img -> gcems tcp $PORT "bench: throughput and connection rate"
	allow img -> gcems udp $FAKE_PMAP$([ "${2:-}" = no ] || echo " helper rpc") "bench: fake portmap"
	EOF
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
# loopback pass first, as in imgsec's hook.
nft_policy() { # POLICY-FILE
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
		# allow FROM -> TO PROTO PORTS [helper H]
		ports = $6; gsub(/,/, ", ", ports)
		helper = ""
		if ($7 == "helper")
			helper = ($8 == "rpc") ? " ct helper set \"rpc_" $5 "\"" : " ct helper set \"ftp\""
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
		for (f = 0; f < 2; f++) {
			if (($5 == "icmp" && f) || ($5 == "icmpv6" && !f))
				continue
			fam = f ? "v6" : "v4"; ipk = f ? "ip6" : "ip"
			rules[++nr] = sprintf("%s saddr @%s %s daddr @%s %s%s accept",
				ipk, setname($2, fam), ipk, setname($4, fam), match_, helper)
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
			print "\tset " setname(r, "v4") " { type ipv4_addr; }"
			print "\tset " setname(r, "v6") " { type ipv6_addr; }"
		}
		for (c = 0; c < 2; c++) {
			hook = c ? "output" : "input"; lo = c ? "oif" : "iif"
			print "\tchain " hook " {"
			print "\t\ttype filter hook " hook " priority filter; policy drop;"
			print "\t\t" lo " lo accept"
			print "\t\tct state established,related accept"
			print "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept"
			for (i = 1; i <= nr; i++)
				print "\t\t" rules[i]
			print "\t}"
		}
		print "}"
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
