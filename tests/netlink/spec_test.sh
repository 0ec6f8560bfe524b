#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# doc/netlink/imgsec.yaml, the YNL spec of the imgsec family, on the host
# (tests/lint.sh runs this): valid against the kernel's genetlink-legacy
# schema, read by ynl, rendered by ynl-gen-c.py into the same names and
# values as include/uapi/linux/imgsec.h, its structs laid out as there.
# tests/e2e/netlink_spec_test.sh checks it against the module in the VM.
#
# The schema and ynl come from linux-source-6.12 (tests/deps.sh unpacks
# Documentation/netlink and tools/net/ynl into $IMGSEC_CACHE/netlink-6.12).
# Debian's python3, with python3-yaml and python3-jsonschema (deps.list),
# whatever python3 comes first in PATH.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
cache=${IMGSEC_CACHE:-/var/cache/imgsec}
netlink=${IMGSEC_NETLINK_SRC:-$cache/netlink-6.12}
py=/usr/bin/python3

if [ ! -f "$netlink/tools/net/ynl/cli.py" ] ||
	[ ! -f "$netlink/Documentation/netlink/genetlink-legacy.yaml" ]; then
	echo "FAIL: netlink spec: no ynl or schemas in $netlink (run tests/deps.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec "$py" tests/netlink/spec_check.py doc/netlink/imgsec.yaml \
	include/uapi/linux/imgsec.h "$netlink"
