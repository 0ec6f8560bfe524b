#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# imgsecctl monitor as a log source: every drop line has its time, device
# and policy generation (text and --json), and monitor stays with the
# module when it goes: after "modprobe -r imgsec; modprobe imgsec", and
# after a plain rmmod, it says so and shows the next drops (not deaf),
# without loading the module again itself. SIGINT and SIGTERM end it with
# status 0; without the module at the start it fails with status 4.
#
# Runs inside the test VM: tests/vm/run.sh tests/e2e/monitor_test.sh
. "$(dirname "$0")/lib.sh"

CONF=${IMGSEC_SRC:-/src}/etc/imgsec.conf
G4=$(addr4 gcems)
JSON=$E2E_STATE/monitor.json	# monitor --json, stdout and stderr
TEXT=$E2E_STATE/monitor.txt	# monitor, stdout
NOTES=$E2E_STATE/monitor.err	# its stderr

ctl() { run_in gcems imgsecctl "$@"; }

generation() { ctl status --json | json_num generation; }

# The same as in topology_test.sh: "not loaded" stays not loaded.
block_autoload() {
	mkdir -p /run/modprobe.d &&
		echo "blacklist imgsec" >/run/modprobe.d/imgsec-e2e.conf
}
allow_autoload() { rm -f /run/modprobe.d/imgsec-e2e.conf; }
module_gone() { ! grep -q '^imgsec ' /proc/modules; }

# An outsider's connection to PORT, dropped by the shipped policy.
drop_to() { # PORT
	can_connect_tcp outsider "$G4" "$1" >/dev/null 2>&1
	true
}

# The JSON line of the drop to PORT, once there.
json_drop() { # PORT
	grep "\"event\":\"drop\".*\"dport\":$1[,}]" "$JSON" | tail -n 1
}
has_json_drop() { [ -n "$(json_drop "$1")" ]; }
text_drop() { grep " drop tcp 192.0.2.99:[0-9]* -> $G4:$1 " "$TEXT" | tail -n 1; }
has_text_drop() { [ -n "$(text_drop "$1")" ]; }

# The time of a JSON line is RFC 3339 UTC to the millisecond, and now.
json_time_ok() { # LINE
	local t secs now
	t=$(sed -n 's/.*"time":"\([^"]*\)".*/\1/p' <<<"$1")
	[[ $t =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]] ||
		{ echo "time '$t'"; return 1; }
	t=${t%.*}
	secs=$(date -u -d "${t/T/ }" +%s) || return 1
	now=$(date -u +%s)
	[ $((now - secs)) -ge -5 ] && [ $((now - secs)) -le 120 ] ||
		{ echo "time $t is $((now - secs)) s from now"; return 1; }
}

json_has() { # LINE TEXT
	grep -qF -- "$2" <<<"$1" || { echo "no $2 in $1"; return 1; }
}

# Line number of the first line of FILE matching RE, or 0.
line_of() { # FILE RE
	local n
	n=$(grep -n -m 1 -E -- "$2" "$1" | cut -d: -f1)
	echo "${n:-0}"
}

# The notice RE comes in FILE, and the drop to PORT after it.
after_notice() { # FILE RE DROP_RE
	local a b
	a=$(line_of "$1" "$2")
	b=$(grep -n -E -- "$3" "$1" | tail -n 1 | cut -d: -f1)
	[ "$a" -gt 0 ] && [ "${b:-0}" -gt "$a" ] ||
		{ echo "notice at line $a, drop at line ${b:-0} of $1"; return 1; }
}

alive() { kill -0 "$1" 2>/dev/null || { echo "pid $1 exited"; return 1; }; }

# Wait for PID (a child of this shell) to exit within 5 s; its status.
exit_status() { # PID
	local _
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1"
}

test_fields() {
	local gen line
	must ctl set-policy "$CONF"
	gen=$(generation)
	drop_to 8080
	check "json: the drop to 8080 is shown" busywait 5000 has_json_drop 8080
	line=$(json_drop 8080)
	log "json: $line"
	check "json: time in RFC 3339, UTC, milliseconds, now" json_time_ok "$line"
	check "json: ifname eth0" json_has "$line" '"ifname":"eth0"'
	check "json: ifindex" grep -qE '"ifindex":[0-9]+' <<<"$line"
	check "json: generation $gen, as status says" \
		json_has "$line" "\"generation\":$gen"
	check "json: the fields it had" json_has "$line" \
		'"family":"ipv4","proto":"tcp","saddr":"192.0.2.99"'
	check "text: the drop to 8080 is shown" busywait 5000 has_text_drop 8080
	line=$(text_drop 8080)
	log "text: $line"
	check "text: starts with the local time, ISO 8601, milliseconds" \
		grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} drop ' <<<"$line"
	check "text: device and generation" \
		grep -q " dev eth0 generation $gen\$" <<<"$line"
}

# modprobe -r, modprobe: both monitors say so and show the next drop.
test_reload() {
	local gen
	must ctl flush
	check "modprobe -r imgsec, monitors listening" modprobe -r imgsec
	check "json: module-unloaded" busywait 5000 \
		grep -qE '^\{"event":"module-unloaded","time":"[^"]+"\}$' "$JSON"
	check "text: unloaded, on standard error" busywait 5000 \
		grep -q 'imgsecctl: monitor: the imgsec module was unloaded; waiting' "$NOTES"
	check "json monitor still running" alive "$JPID"
	check "text monitor still running" alive "$TPID"
	check "modprobe imgsec again" modprobe imgsec
	check "json: module-loaded" busywait 5000 \
		grep -qE '^\{"event":"module-loaded","time":"[^"]+"\}$' "$JSON"
	check "text: loaded again, listening" busywait 5000 \
		grep -q 'imgsecctl: monitor: the imgsec module was loaded again; listening' "$NOTES"
	must ctl set-policy "$CONF"
	gen=$(generation)
	drop_to 8081
	check "json: a drop after the reload is shown (not deaf)" \
		busywait 5000 has_json_drop 8081
	check "json: after the notice, with generation $gen of the new module" \
		after_notice "$JSON" '"module-loaded"' "\"dport\":8081,.*\"generation\":$gen\}"
	check "text: a drop after the reload is shown (not deaf)" \
		busywait 5000 has_text_drop 8081
	log "$(cat "$NOTES")"
}

# A plain rmmod: the same, and monitor does not load the module again.
test_rmmod() {
	local n
	must ctl flush
	n=$(grep -c '"module-unloaded"' "$JSON")
	check "rmmod imgsec, monitors listening" rmmod imgsec
	check "json: module-unloaded again" busywait 5000 \
		test "$(grep -c '"module-unloaded"' "$JSON")" -gt "$n"
	sleep 2
	check "monitor does not load the module again" module_gone
	check "json monitor still running" alive "$JPID"
	n=$(grep -c '"module-loaded"' "$JSON")
	check "modprobe imgsec" modprobe imgsec
	check "json: module-loaded again" busywait 5000 \
		test "$(grep -c '"module-loaded"' "$JSON")" -gt "$n"
	must ctl set-policy "$CONF"
	drop_to 8082
	check "json: a drop after rmmod and modprobe is shown" \
		busywait 5000 has_json_drop 8082
	check "text: a drop after rmmod and modprobe is shown" \
		busywait 5000 has_text_drop 8082
	check "nothing on standard error of the json monitor" \
		sh -c "! grep -v '^{' '$JSON'"
}

test_signals() {
	local rc
	kill -TERM "$TPID"
	exit_status "$TPID"
	rc=$?
	check "SIGTERM: text monitor exits with status 0" test "$rc" = 0
	kill -INT "$JPID"
	exit_status "$JPID"
	rc=$?
	check "SIGINT: json monitor exits with status 0" test "$rc" = 0
}

test_not_loaded() {
	local out rc
	must ctl flush
	must rmmod imgsec
	block_autoload
	out=$(run_in gcems timeout 10 imgsecctl monitor --json 2>&1)
	rc=$?
	check "without the module: exit status 4 ($rc: $out)" test "$rc" = 4
	allow_autoload
	must modprobe imgsec
}

setup_topology
must modprobe imgsec
listen_tcp gcems 8080
listen_tcp gcems 8081
listen_tcp gcems 8082
# Not through run_in (a function: $! would be a subshell's): ip netns
# exec execs imgsecctl, so the pids are imgsecctl's, for the signals.
"$IP" netns exec gcems imgsecctl monitor --json >"$JSON" 2>&1 &
JPID=$!
echo "$JPID" >>"$E2E_STATE/pids"
"$IP" netns exec gcems imgsecctl monitor >"$TEXT" 2>"$NOTES" &
TPID=$!
echo "$TPID" >>"$E2E_STATE/pids"
sleep 1
test_fields
test_reload
test_rmmod
test_signals
test_not_loaded
summary
