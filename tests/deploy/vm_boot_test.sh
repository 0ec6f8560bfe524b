#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (tests/vm/run.sh), with the imgsec.ko that DKMS
# built and signed on the host handed in as IMGSEC_VM_MODULE (see
# tests/deploy/dkms_test.sh): that `modprobe imgsec` loads that copy, and
# that the commands of packaging/imgsec.service, run as systemd would run
# them at boot and on reload, apply the shipped policy. Prints PASS/FAIL
# lines, then "N passed, N failed".
set -uo pipefail

src=${IMGSEC_SRC:-/src}
unit=$src/packaging/imgsec.service
pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }

# The unit's command lines (Exec*=), as systemd would run them.
unit_cmd() { sed -n "s/^$1=//p" "$unit"; }

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$src/dkms.conf")
signer=$(modinfo -F signer imgsec 2>/dev/null)
if [ "$signer" = "DKMS module signing key" ]; then
	ok "the imgsec.ko modprobe finds is DKMS's (signer: $signer)"
else
	ko "modprobe's imgsec.ko is not DKMS's (signer: '$signer')"
fi

# Boot: what systemd runs for "systemctl start imgsec" (the policy file is
# the shipped default, as "make install" puts it in /etc).
mkdir -p /etc/imgsec
cp "$src/etc/imgsec.conf" /etc/imgsec/imgsec.conf
pre=$(unit_cmd ExecStartPre) start=$(unit_cmd ExecStart)
reload=$(unit_cmd ExecReload)
if $pre; then ok "ExecStartPre: $pre"; else ko "ExecStartPre: $pre"; fi
if [ -d /sys/module/imgsec ] &&
	[ "$(cat /sys/module/imgsec/version)" = "$version" ]; then
	ok "imgsec $version is loaded"
else
	ko "imgsec $version is not loaded"
fi
if $start; then ok "ExecStart: $start"; else ko "ExecStart: $start"; fi
gen=$(imgsecctl status --json 2>/dev/null | sed -n 's/.*"generation": *\([0-9]*\).*/\1/p')
if imgsecctl show | grep -q '^mode enforce'; then
	ok "the policy is active after ExecStart"
else
	ko "no policy after ExecStart"
fi

# Reload: a broken file is refused and the running policy stays.
echo "this is not a policy" >>/etc/imgsec/imgsec.conf
if $reload 2>/dev/null; then
	ko "ExecReload accepted a broken file"
else
	ok "ExecReload refuses a broken file"
fi
if imgsecctl show | grep -q '^mode enforce'; then
	ok "the policy stays after a refused reload"
else
	ko "the policy went away after a refused reload"
fi
cp "$src/etc/imgsec.conf" /etc/imgsec/imgsec.conf
if $reload; then ok "ExecReload: $reload"; else ko "ExecReload: $reload"; fi
gen2=$(imgsecctl status --json 2>/dev/null | sed -n 's/.*"generation": *\([0-9]*\).*/\1/p')
if [ -n "$gen" ] && [ -n "$gen2" ] && [ "$gen2" -gt "$gen" ]; then
	ok "reload replaced the policy (generation $gen -> $gen2)"
else
	ko "reload did not replace the policy (generation '$gen' -> '$gen2')"
fi

# Stop: the unit has no ExecStop, so the policy outlives "systemctl stop".
if [ -z "$(unit_cmd ExecStop)" ]; then
	ok "the unit has no ExecStop: stop leaves the policy in place"
else
	ko "the unit has an ExecStop"
fi
# A file with no rule would drop everything, SSH included: the unit's
# ExecStart refuses it (the unit fails) and the host stays unfiltered.
imgsecctl flush
printf 'mode enforce\nrole gcems 192.0.2.1\n' >/etc/imgsec/imgsec.conf
if $start 2>/tmp/norule.err; then
	ko "ExecStart applied a policy with no rule"
elif grep -q 'refused: the policy has no rule' /tmp/norule.err &&
	imgsecctl status | grep -q '^policy: none'; then
	ok "ExecStart refuses a policy with no rule; nothing is filtered"
else
	ko "ExecStart with no rule: $(cat /tmp/norule.err; imgsecctl status)"
fi
if modprobe -r imgsec; then ok "modprobe -r imgsec"; else ko "modprobe -r imgsec"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
