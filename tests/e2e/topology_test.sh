#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ground every e2e suite stands on, checked without any firewall: the
# hosts reach gcems over IPv4 and IPv6, img1 and img2 mount gcems' export
# over NFSv3 (portmap and MOUNT over UDP, NFS over TCP), and imgsec.ko loads,
# answers imgsecctl, and unloads.  Run it with tests/vm/run.sh.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

test_ping() {
	local h
	for h in img1 img2 clientview outsider; do
		check "ping $h -> gcems ipv4" busywait 5000 \
			run_in "$h" ping -4 -c 1 -W 1 "$(addr4 gcems)"
		check "ping $h -> gcems ipv6" busywait 5000 \
			run_in "$h" ping -6 -c 1 -W 1 "$(addr6 gcems)"
	done
}

# Write a token through the client's mount, read it back on the server's
# side (the exported tmpfs itself), and through the mount again.
write_read_back() { # NS MNT
	local token file
	token=$(new_token)
	file=topology-$1
	run_in "$1" sh -c "echo $token >$2/$file" || return 1
	grep -qx "$token" "$NFS_EXPORT/$file" ||
		{ echo "server side has '$(cat "$NFS_EXPORT/$file")'"; return 1; }
	run_in "$1" grep -qx "$token" "$2/$file" ||
		{ echo "read back through the mount failed"; return 1; }
}

exports_listed() { # NS
	run_in "$1" showmount -e "$(addr4 gcems)" | grep -q "^$NFS_EXPORT "
}

test_nfs() {
	start_nfs_server
	check "showmount -e from img1 lists $NFS_EXPORT" exports_listed img1
	check "nfsv3 mount img1 -> gcems ipv4 ($IMG_MOUNT_OPTS4)" \
		nfs_mount img1 "$(addr4 gcems)" "$IMG_MOUNT_OPTS4" /mnt/img1
	check "nfs write on img1, read on gcems" write_read_back img1 /mnt/img1
	check "nfs umount img1" nfs_umount /mnt/img1
	check "nfsv3 mount img2 -> gcems ipv6 ($IMG_MOUNT_OPTS6)" \
		nfs_mount img2 "$(addr6 gcems)" "$IMG_MOUNT_OPTS6" /mnt/img2
	check "nfs write on img2, read on gcems" write_read_back img2 /mnt/img2
	check "nfs umount img2" nfs_umount /mnt/img2
}

# imgsecctl status must print the module's version.
status_shows_version() { # [NS]
	local out version
	if [ $# = 1 ]; then
		out=$(run_in "$1" imgsecctl status 2>&1) || { echo "$out"; return 1; }
	else
		out=$(imgsecctl status 2>&1) || { echo "$out"; return 1; }
	fi
	version=$(cat /sys/module/imgsec/version 2>/dev/null)
	if [ -n "$version" ]; then
		grep -qF -- "$version" <<<"$out" ||
			{ echo "no version $version in: $out"; return 1; }
	else
		grep -qE '[0-9]+\.[0-9]+' <<<"$out" ||
			{ echo "no version in: $out"; return 1; }
	fi
}

# Without the module, imgsecctl says so in one line and fails.
status_fails_cleanly() {
	local out rc
	out=$(imgsecctl status 2>&1)
	rc=$?
	[ $rc != 0 ] || { echo "exit status 0: $out"; return 1; }
	[ -n "$out" ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] ||
		{ echo "not one line: $out"; return 1; }
}

module_gone() { ! grep -q '^imgsec ' /proc/modules; }

# The module asks to be loaded on demand when its genl family is looked up
# (MODULE_ALIAS_GENL_FAMILY): blacklisting its aliases is how "not loaded"
# stays not loaded while imgsecctl looks.  kmod reads /run/modprobe.d too.
block_autoload() {
	mkdir -p /run/modprobe.d &&
		echo "blacklist imgsec" >/run/modprobe.d/imgsec-e2e.conf
}
allow_autoload() { rm -f /run/modprobe.d/imgsec-e2e.conf; }

test_module() {
	check "modprobe imgsec" modprobe imgsec
	check "imgsecctl status shows the version" status_shows_version
	check "imgsecctl status in netns gcems" status_shows_version gcems
	check "rmmod imgsec" rmmod imgsec
	check "imgsec unloaded" module_gone
	block_autoload
	check "imgsecctl status without the module fails in one line" \
		status_fails_cleanly
	log "imgsecctl status without the module says: $(imgsecctl status 2>&1)"
	allow_autoload
	check "imgsec still unloaded" module_gone
}

setup_topology
test_ping
test_nfs
test_module
summary
