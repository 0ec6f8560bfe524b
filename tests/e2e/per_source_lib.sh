# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# What the per-source cap tests share (per_source_max_test.sh,
# per_source_max_attack_test.sh), sourced after lib.sh: the port of gcems's
# echo server (lib.sh's start_echo_server), and the policy that puts the
# IMGs' TCP connections to it under the option being tested.

PORT=5000

# Load on gcems, in MODE, the policy that lets the IMGs (img1 and img2 over
# IPv4, img1 over IPv6) reach gcems's PORT over TCP under OPTION (the
# per-source options, imgsec.conf(5)); anything else is rejected.
set_per_source_policy() { # MODE OPTION COMMENT
	local policy=$E2E_STATE/per_source.conf
	cat >"$policy" <<EOP
mode $1
default reject
role gcems 192.0.2.1 2001:db8::1
role img 192.0.2.11 192.0.2.12 2001:db8::11
allow img -> gcems tcp $PORT $2 "$3"
EOP
	must run_in gcems imgsecctl set-policy "$policy"
}
