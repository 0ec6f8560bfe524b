#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make demo` shows, inside the test VM: the shipped policy (the
# vendor's port table) on gcems, an IMG mounting NFS through the portmap
# helper, ClientView reaching its ports, an outsider refused.
. "$(dirname "$0")/../e2e/lib.sh"

CONF=${IMGSEC_SRC:-/src}/etc/imgsec.conf
G4=$(addr4 gcems)

step() { printf '\n==> %s\n' "$*"; }
show() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/    /'; }
not() { ! "$@"; }

outcome() { # WHAT CMD...: say what happened, as an operator would see it
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		pass "$what"
	else
		fail "$what" "did not happen"
	fi
}

step "Hosts: gcems $G4, img1 $(addr4 img1), img2 $(addr4 img2), clientview $(addr4 clientview), outsider $(addr4 outsider)"
setup_topology
start_nfs_server
for port in 22 2623 12610; do
	listen_tcp gcems $port
done

step "Load the module: it passes everything until a policy is set"
show modprobe imgsec
# gcems is a network namespace here: as with nft's log, its drops reach the
# kernel log only with nf_log_all_netns (a GCEMS host filters in its own).
show sysctl -w net.netfilter.nf_log_all_netns=1
show run_in gcems imgsecctl status

step "Apply the vendor's port table (etc/imgsec.conf) on gcems"
show run_in gcems imgsecctl check "$CONF"
show run_in gcems imgsecctl set-policy "$CONF"
show run_in gcems imgsecctl show

step "img1 mounts NFS from gcems: portmap (111) hands out mountd's dynamic port, imgsec-rpc opens it for img1 only"
outcome "img1 mounts gcems:/srv/nfs over NFSv3" \
	nfs_mount img1 "$G4" vers=3,proto=tcp,mountproto=udp,nolock /mnt/img1
echo "written by img1" >/mnt/img1/hello 2>/dev/null
outcome "img1 writes a file that gcems sees" grep -q img1 "$NFS_EXPORT/hello"
nfs_umount /mnt/img1

step "ClientView reaches its ports on gcems"
outcome "clientview -> gcems ssh (22)" can_connect_tcp clientview "$G4" 22
outcome "clientview -> gcems ClientView data (2623)" can_connect_tcp clientview "$G4" 2623

step "The outsider is refused"
outcome "outsider -> gcems ssh (22) refused" not can_connect_tcp outsider "$G4" 22
outcome "outsider -> gcems GCEMS control (12610) refused" not can_connect_tcp outsider "$G4" 12610
outcome "outsider -> portmap refused" not run_in outsider timeout 15 rpcinfo -p "$G4"

step "Counters"
show run_in gcems imgsecctl stats
dmesg | grep 'imgsec: drop' | tail -n 3 | sed 's/^/    kernel: /'
echo
summary
