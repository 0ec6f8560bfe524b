#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of tests/e2e/lib.sh's probes, inside the VM (tests/vm/selftest.sh
# runs it): a probe must succeed only when its data reached the listener,
# and fail for a closed port and for a port a firewall drops, over IPv4
# and IPv6.

# shellcheck source=tests/e2e/lib.sh
. /tests/e2e/lib.sh

# Drop everything to PORT on gcems' input, so only the firewall says no.
drop_port() { # PORT
	run_in gcems nft -f - <<-EOF
		table inet selftest {
			chain input {
				type filter hook input priority 0;
				tcp dport $1 drop
				udp dport $1 drop
			}
		}
	EOF
}

setup_topology
listen_tcp gcems 5001
listen_udp gcems 5001
listen_tcp gcems 5002
listen_udp gcems 5002
drop_port 5002 || die "nft ruleset refused"

for fam in 4 6; do
	a=$(addr$fam gcems)
	check "tcp v$fam to an open port" can_connect_tcp img1 "$a" 5001
	check "udp v$fam to an open port" can_send_udp img1 "$a" 5001
	check_not "tcp v$fam to a closed port" can_connect_tcp img1 "$a" 5003
	check_not "udp v$fam to a closed port" can_send_udp img1 "$a" 5003
	check_not "tcp v$fam to a dropped port" can_connect_tcp img1 "$a" 5002
	check_not "udp v$fam to a dropped port" can_send_udp img1 "$a" 5002
done
check "the listener got data from two hosts" can_send_udp img2 "$(addr4 gcems)" 5001
check "busywait gives up" eval '! busywait 300 false'
summary
