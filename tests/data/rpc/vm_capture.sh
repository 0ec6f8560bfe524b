#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run with: tests/vm/run.sh tests/data/rpc/vm_capture.sh > LOG, then
#   grep IMGSEC-PCAP LOG | sed 's/.*IMGSEC-PCAP //' | tr -d ' \r\n' | xxd -r -p > pcap/vm_kernel.pcap
# Capture the kernel NFS client's own rpcbind queries (mount -i: no
# mount.nfs, the kernel asks portmap/rpcbind itself) on gcems' eth0.
. /src/tests/e2e/lib.sh
setup_topology
start_nfs_server
run_in gcems tcpdump -Z root -i eth0 -U -s 0 -w /tmp/k.pcap port 111 >/tmp/td.log 2>&1 &
tdpid=$!
sleep 2
mkdir -p /mnt/k4 /mnt/k6 /mnt/m4
# The kernel's mount path: MOUNT over UDP, NFS over TCP, IPv4 then IPv6.
timeout 60 nsenter --net=/run/netns/img1 /usr/bin/mount -i -t nfs \
	-o vers=3,proto=tcp,mountproto=udp,nolock,addr=192.0.2.1 \
	192.0.2.1:/srv/nfs /mnt/k4; echo "IMGSEC-CAP k4 rc=$?"
timeout 60 nsenter --net=/run/netns/img1 /usr/bin/mount -i -t nfs \
	-o vers=3,proto=tcp6,mountproto=udp6,nolock,addr=2001:db8::1 \
	'[2001:db8::1]:/srv/nfs' /mnt/k6; echo "IMGSEC-CAP k6 rc=$?"
# mount.nfs, for comparison (TCP MOUNT).
timeout 60 nsenter --net=/run/netns/img2 /usr/bin/mount -t nfs \
	-o vers=3,proto=tcp,mountproto=tcp,nolock \
	192.0.2.1:/srv/nfs /mnt/m4; echo "IMGSEC-CAP m4 rc=$?"
sleep 2
kill $tdpid; sleep 1
umount /mnt/k4 /mnt/k6 /mnt/m4
cat /tmp/td.log
uname -r
mount.nfs -V 2>&1 | head -1
od -An -tx1 -v /tmp/k.pcap | sed 's/^/IMGSEC-PCAP /'
stop_nfs_server
exit 0
