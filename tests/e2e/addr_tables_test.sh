#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The address tables at the limit: the shipped policy plus 65,500 more
# addresses and prefixes in role clientview (either family, nested /8 /16
# /24 /25 /48 /64 prefixes and hosts: tables of ~87,000 slots, vmalloc'ed,
# 65,536 entries), loaded, replaced by the small policy, loaded again and
# flushed, three rounds. After each load: clientview's SSH still passes in
# either family, the outsider (192.0.2.99, next to a /25 of clientview's)
# is still refused. Under the debug kernel: no KASAN or leak report.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/addr_tables_test.sh
. "$(dirname "$0")/lib.sh"

CONF=${IMGSEC_SRC:-/src}/etc/imgsec.conf
BIG=/tmp/addr-tables.conf
G4=$(addr4 gcems)
G6=$(addr6 gcems)

ctl() { run_in gcems imgsecctl "$@"; }

# 65,498 more prefixes, 200 to a line (lines are at most 4096 bytes): with
# the 16 of the shipped file and the 6 nested ones, 65,520 of 65,536.
write_big() {
	cp "$CONF" $BIG
	echo "role clientview 10.0.0.0/8 10.1.0.0/16 10.1.2.0/24 192.0.2.128/25" \
		"2001:db8:100::/48 2001:db8:100:1::/64" >>$BIG
	awk 'BEGIN {
		for (k = 0; k < 65498; k++) {
			if (k % 200 == 0)
				printf "%srole clientview", k ? "\n" : ""
			m = int(k / 2)
			if (k % 2)
				printf " 2001:db8:100:%d::%x", m % 2, m
			else
				printf " 10.%d.%d.%d", m % 3, int(m / 256) % 256, m % 256
		}
		printf "\n"
	}' >>$BIG
}

check_load() { # ROUND
	listen_tcp gcems 22
	check "round $1: clientview -> gcems ssh" \
		can_connect_tcp clientview "$G4" 22
	check "round $1: clientview -> gcems ssh over IPv6" \
		can_connect_tcp clientview "$G6" 22
	check_not "round $1: outsider -> gcems ssh refused" \
		can_connect_tcp outsider "$G4" 22
	check_not "round $1: outsider -> gcems ssh over IPv6 refused" \
		can_connect_tcp outsider "$G6" 22
}

setup_topology
must modprobe imgsec
write_big
log "$(grep -o ' [0-9a-f:.]*[0-9]' $BIG | grep -c .) words of addresses"
check "big policy file checks" ctl check $BIG
for round in 1 2 3; do
	check "round $round: big policy loads" ctl set-policy $BIG
	check "round $round: show counts it" \
		sh -c "$IP netns exec gcems imgsecctl show | grep -c '10\\.' | grep -qv '^0$'"
	check_load "$round"
	check "round $round: replaced by the small policy" \
		ctl set-policy "$CONF"
	check "round $round: big policy again" ctl set-policy $BIG
	check "round $round: flushed" ctl flush
done
summary
