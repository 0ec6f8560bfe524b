#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-deb`: the Debian packages as an admin uses them, in a clean
# bookworm chroot (mmdebstrap, minbase, from Debian's mirror), with the
# headers of the pinned kernel (KVER, at the host's version of
# linux-headers-KVER) and openssl (DKMS signs with a key it makes):
#
#   1. `apt install ./imgsec-dkms_*.deb ./imgsecctl_*.deb` (what README.md
#      says) pulls in DKMS, which builds imgsec for KVER: `dkms status`,
#      modinfo, `imgsecctl --version`, the conffile, the unit installed and
#      not enabled.
#   2. `apt purge` of both leaves no file of theirs (no path naming imgsec,
#      no module, no DKMS tree, no unit link).
#   3. An upgrade from the previous release (the same sources built as
#      VERSION~prev1, shipping another default policy): the operator's
#      edited policy and enabled unit survive it, the new default lands in
#      imgsec.conf.dpkg-dist, DKMS holds the new version only.
#   4. A kernel upgrade: what the headers' postinst runs
#      (/etc/kernel/header_postinst.d/dkms) builds imgsec again.
#   5. Purge after all that: nothing left again.
#   6. The module DKMS built in step 1, with the packaged imgsecctl, goes
#      to the test VM (tests/vm/run.sh), where tests/deploy/vm_boot_test.sh
#      loads it and runs the unit's commands, as tests/deploy/dkms_test.sh
#      does for `make dkms-install`.
#
# Needs root and the network. The base chroot (a tarball) and the packages
# apt downloads are kept in $IMGSEC_CACHE/deb-chroot, so that a rerun
# downloads little; the tarball is made again when older than a week.
# Measured on 2 cores, VM under TCG: 2 minutes from an empty cache (about
# 110 MB downloaded), 1.5 with a warm one. IMGSEC_DEB_VM=0 skips the VM. Prints PASS/FAIL lines, then
# "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export LC_ALL=C.UTF-8
KVER=${KVER:-6.1.0-56-amd64}
MIRROR=${IMGSEC_DEB_MIRROR:-http://deb.debian.org/debian}
SECURITY=${IMGSEC_DEB_SECURITY:-http://deb.debian.org/debian-security}
CACHE=${IMGSEC_CACHE:-/var/cache/imgsec}/deb-chroot
BASE=$CACHE/bookworm-minbase.tar
ARCHIVES=$CACHE/archives
V=$(git show HEAD:dkms.conf | sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p')
PREV=$V~prev1
ARCH=$(dpkg --print-architecture)
tmp=$(mktemp -d /tmp/imgsec-debchroot.XXXXXX)
root=$tmp/root
started=$(date +%s)

. "$top/tests/deploy/lib.sh"
finish() {
	echo "deb-chroot: $(($(date +%s) - started)) s"
	summary
	exit
}
step() { echo "--- $* ($(($(date +%s) - started)) s)"; }

cleanup() {
	# The mounts live in the namespace of each in_root call and die with
	# it; should one be left, remove nothing under it.
	if findmnt -rno TARGET | grep -q "^$root/"; then
		echo "deb-chroot: mounts left under $root, not removing $tmp" >&2
		return
	fi
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

# in_root CMD...: run CMD in the chroot, with /proc, /dev and apt's
# download cache mounted, in a mount namespace of its own.
in_root() {
	unshare --mount --propagation private --fork -- \
		/bin/bash -c 'r=$1; c=$2; shift 2
			mount -t proc proc "$r/proc" &&
			mount --rbind /dev "$r/dev" &&
			mount -t tmpfs tmpfs "$r/run" &&
			mount --bind "$c" "$r/var/cache/apt/archives" &&
			exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
				HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' \
		_ "$root" "$ARCHIVES" "$@"
}
# run_logged WHAT CMD...: PASS, or FAIL with the end of its output.
run_logged() {
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok "$what"
	else
		tail -n 40 "$tmp/out"
		ko "$what (exit $?)"
		return 1
	fi
}

for tool in mmdebstrap dpkg-buildpackage unshare; do
	command -v "$tool" >/dev/null ||
		{ ko "$tool is not installed (tests/deps.sh)"; finish; }
done
kpkgver=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER" 2>/dev/null)
[ -n "$kpkgver" ] ||
	{ ko "linux-headers-$KVER is not installed here (tests/deps.sh)"; finish; }
check "$PREV sorts before $V" dpkg --compare-versions "$PREV" lt "$V"

# --- The packages: this version (make deb) and the previous one.
step "make deb"
run_logged "make deb ($V)" make -s deb || finish
debs=("build/deb/imgsec-dkms_${V}_all.deb" "build/deb/imgsecctl_${V}_$ARCH.deb")
# The previous release: the same sources as $PREV, whose default policy
# differs from this one's (so that dpkg has a conffile question to ask).
step "build $PREV"
mkdir -p "$tmp/prev"
git archive --prefix="imgsec-$PREV/" HEAD | tar -C "$tmp/prev" -x
p=$tmp/prev/imgsec-$PREV
sed -i "s/^PACKAGE_VERSION=\".*\"/PACKAGE_VERSION=\"$PREV\"/" "$p/dkms.conf"
sed -i "1s/^imgsec ([^)]*)/imgsec ($PREV)/" "$p/debian/changelog"
echo "# the default policy of imgsec $PREV" >>"$p/etc/imgsec.conf"
run_logged "the previous release, $PREV, builds" \
	bash -c "cd '$p' && dpkg-buildpackage -us -uc -b" || finish
prev_debs=("$tmp/prev/imgsec-dkms_${PREV}_all.deb" "$tmp/prev/imgsecctl_${PREV}_$ARCH.deb")

# --- The chroot: minbase bookworm (cached), then what an admin has first.
mkdir -p "$CACHE" "$ARCHIVES"
if [ -f "$BASE" ] && [ -z "$(find "$BASE" -mtime +7)" ]; then
	ok "base chroot: $BASE (cached)"
else
	step "mmdebstrap"
	rm -rf "$BASE" "$BASE.tmp"
	run_logged "base chroot: mmdebstrap --variant=minbase bookworm ($MIRROR)" \
		mmdebstrap --variant=minbase --format=tar bookworm "$BASE.tmp" \
		"deb $MIRROR bookworm main" \
		"deb $MIRROR bookworm-updates main" \
		"deb $SECURITY bookworm-security main" || finish
	mv "$BASE.tmp" "$BASE"
fi
mkdir -p "$root"
tar -C "$root" -xf "$BASE" || { ko "unpack $BASE"; finish; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "${prev_debs[@]}" "$root/tmp/debs/"
chmod -R a+rX "$root/tmp/debs"

step "headers"
# README, step 1: the headers of the kernel (here KVER, pinned); and what
# a standard install has: openssl, with which DKMS makes its signing key,
# and systemd (systemctl enable).
in_root apt-get -q update >"$tmp/out" 2>&1 ||
	{ tail -n 20 "$tmp/out"; ko "apt-get update in the chroot"; finish; }
run_logged "chroot: apt-get install linux-headers-$KVER=$kpkgver openssl systemd" \
	in_root apt-get install -y -q --no-install-recommends \
	"linux-headers-$KVER=$kpkgver" openssl systemd || finish

# paths_of_ours: every path in the chroot that names imgsec, but the
# packages we install from (/tmp/debs) and apt's and dpkg's logs.
paths_of_ours() {
	(cd "$root" && find . -xdev -path ./proc -prune -o -path ./tmp/debs -prune \
		-o -path ./var/log -prune -o -path ./var/cache/apt/archives -prune \
		-o -name '*imgsec*' -print) | sort
}
status() { in_root dkms status -m imgsec 2>/dev/null; }
ko_path=/lib/modules/$KVER/updates/dkms/imgsec.ko
enabled_link=/etc/systemd/system/sysinit.target.wants/imgsec.service

check_purged() { # WHEN
	local left
	check "$1: dpkg has no imgsec package, not even its conffiles" \
		bash -c "! chroot '$root' dpkg-query -W -f '\${db:Status-Status}\n' 'imgsec*' 2>/dev/null | grep -qvx not-installed"
	check "$1: dkms status knows no imgsec" [ -z "$(status)" ]
	check "$1: $ko_path is gone, depmod forgot it" \
		bash -c "[ ! -e '$root$ko_path' ] && ! grep -q imgsec '$root/lib/modules/$KVER/modules.dep'"
	left=$(paths_of_ours)
	if [ -z "$left" ]; then
		ok "$1: no path in the chroot names imgsec (/etc/imgsec, the unit and its links, /usr/src, /var/lib/dkms...)"
	else
		echo "$left" | head -n 20
		ko "$1: files left (above)"
	fi
}

# --- 1. Install, as README.md says. Without Recommends here: dkms's would
# bring linux-headers-amd64, the newest kernel's headers, not the pinned.
step "install $V"
run_logged "apt install ./imgsec-dkms_${V}_all.deb ./imgsecctl_${V}_$ARCH.deb" \
	in_root apt install -y -q --no-install-recommends \
	"/tmp/debs/imgsec-dkms_${V}_all.deb" "/tmp/debs/imgsecctl_${V}_$ARCH.deb"
check "dkms was pulled in by imgsec-dkms" \
	bash -c "chroot '$root' dpkg-query -W -f '\${Status}' dkms | grep -q 'ok installed'"
st=$(status)
echo "    dkms status: $st"
check "dkms status: imgsec/$V, $KVER, $(uname -m): installed" \
	grep -q "^imgsec/$V, $KVER, [^:]*: installed" <<<"$st"
check "the module is in $ko_path, for $KVER, version $V" \
	bash -c "[ -f '$root$ko_path' ] &&
		[ \"\$(modinfo -F vermagic '$root$ko_path' | cut -d' ' -f1)\" = '$KVER' ] &&
		[ \"\$(modinfo -F version '$root$ko_path')\" = '$V' ]"
check "modprobe -S $KVER imgsec resolves to it (depmod ran)" \
	bash -c "chroot '$root' modprobe -S '$KVER' --show-depends imgsec | grep -q 'insmod $ko_path'"
got=$(in_root imgsecctl --version 2>&1)
check "imgsecctl --version in the chroot: '$got'" grep -qw -- "$V" <<<"$got"
check "/etc/imgsec/imgsec.conf is a conffile of imgsecctl" \
	bash -c "chroot '$root' dpkg-query -W -f '\${Conffiles}\n' imgsecctl | grep -q '^ /etc/imgsec/imgsec.conf '"
check "/etc/imgsec/imgsec.conf is the shipped policy, and imgsecctl accepts it" \
	bash -c "git show HEAD:etc/imgsec.conf | cmp -s - '$root/etc/imgsec/imgsec.conf' &&
		chroot '$root' imgsecctl check /etc/imgsec/imgsec.conf >/dev/null"
check "the unit is installed: /lib/systemd/system/imgsec.service" \
	[ -f "$root/lib/systemd/system/imgsec.service" ]
check "the unit is not enabled (no $enabled_link)" \
	bash -c "[ ! -e '$root$enabled_link' ] && ! find '$root/etc/systemd' -name imgsec.service | grep -q ."
check "man imgsecctl and imgsec.conf(5) are installed" \
	bash -c "[ -f '$root/usr/share/man/man8/imgsecctl.8.gz' ] && [ -f '$root/usr/share/man/man5/imgsec.conf.5.gz' ]"
cp "$root$ko_path" "$tmp/imgsec.ko" 2>/dev/null	# for the VM, step 6
cp "$root/usr/sbin/imgsecctl" "$tmp/imgsecctl" 2>/dev/null

# --- 2. Purge.
step "purge"
run_logged "apt purge imgsec-dkms imgsecctl" \
	in_root apt-get purge -y -q imgsec-dkms imgsecctl
check_purged "after purge"

# --- 3. Upgrade from the previous release, policy edited, unit enabled.
step "install $PREV"
run_logged "apt install the previous release, $PREV" \
	in_root apt install -y -q --no-install-recommends \
	"/tmp/debs/imgsec-dkms_${PREV}_all.deb" "/tmp/debs/imgsecctl_${PREV}_$ARCH.deb"
check "dkms status: imgsec/$PREV, $KVER: installed" \
	grep -q "^imgsec/$PREV, $KVER, [^:]*: installed" <<<"$(status)"
echo "# edited by the operator" >>"$root/etc/imgsec/imgsec.conf"
cp "$root/etc/imgsec/imgsec.conf" "$tmp/edited"
in_root systemctl enable imgsec.service >"$tmp/out" 2>&1 || cat "$tmp/out"
check "the operator enabled the unit ($enabled_link)" [ -L "$root$enabled_link" ]
step "upgrade to $V"
# --force-confold answers dpkg's question (the policy was edited, and the
# package ships another default) as an admin who keeps his would.
run_logged "upgrade: apt install ./imgsec-dkms_${V}_all.deb ./imgsecctl_${V}_$ARCH.deb (--force-confold)" \
	in_root apt install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"/tmp/debs/imgsec-dkms_${V}_all.deb" "/tmp/debs/imgsecctl_${V}_$ARCH.deb"
check "upgrade: the edited /etc/imgsec/imgsec.conf is kept" \
	cmp -s "$tmp/edited" "$root/etc/imgsec/imgsec.conf"
check "upgrade: dpkg asked, and left the new default as imgsec.conf.dpkg-dist" \
	bash -c "git show HEAD:etc/imgsec.conf | cmp -s - '$root/etc/imgsec/imgsec.conf.dpkg-dist'"
check "upgrade: the new default is in /usr/share/imgsec/imgsec.conf" \
	bash -c "git show HEAD:etc/imgsec.conf | cmp -s - '$root/usr/share/imgsec/imgsec.conf'"
check "upgrade: the unit is still enabled" [ -L "$root$enabled_link" ]
st=$(status)
echo "    dkms status: $st"
check "upgrade: dkms status is imgsec/$V, $KVER: installed, and only that" \
	bash -c "grep -q '^imgsec/$V, $KVER, [^:]*: installed' <<<'$st' && [ \$(wc -l <<<'$st') = 1 ]"
check "upgrade: /usr/src/imgsec-$PREV is gone" [ ! -e "$root/usr/src/imgsec-$PREV" ]
check "upgrade: the module in $ko_path is version $V" \
	[ "$(modinfo -F version "$root$ko_path" 2>/dev/null)" = "$V" ]
got=$(in_root imgsecctl --version 2>&1)
check "upgrade: imgsecctl --version: '$got'" grep -qw -- "$V" <<<"$got"

# --- 4. A kernel upgrade: the new kernel's headers' postinst runs DKMS's
# hook for it (here the same KVER, its build undone first: bookworm has
# no other kernel with headers to install).
step "kernel upgrade"
in_root dkms unbuild "imgsec/$V" -k "$KVER" >/dev/null 2>&1
check "dkms unbuild -k $KVER: the module is gone, imgsec/$V stays added" \
	test ! -e "$root$ko_path" -a "$(status)" = "imgsec/$V: added"
run_logged "/etc/kernel/header_postinst.d/dkms $KVER (as a headers package's postinst)" \
	in_root /etc/kernel/header_postinst.d/dkms "$KVER"
check "autoinstall: dkms status is imgsec/$V, $KVER: installed again" \
	grep -q "^imgsec/$V, $KVER, [^:]*: installed" <<<"$(status)"

# --- 5. Purge, after all that.
step "purge"
run_logged "apt purge imgsec-dkms imgsecctl" \
	in_root apt-get purge -y -q imgsec-dkms imgsecctl
check "purge: the edited policy and its .dpkg-dist are gone" \
	[ ! -e "$root/etc/imgsec" ]
check "purge: the operator's enable link is gone" [ ! -e "$root$enabled_link" ]
check_purged "after upgrade and purge"

# --- 6. The module DKMS built in the chroot, loaded in the VM. The VM's
# half, tests/deploy/vm_boot_test.sh, runs as it is at HEAD, in the tree the
# packages were built from (build/deb/imgsec-VERSION, `git archive HEAD`),
# so that the test matches the imgsecctl under test even when the working
# tree is ahead of HEAD.
if [ "${IMGSEC_DEB_VM:-1}" != 0 ]; then
	step "VM"
	cat >"$tmp/deb_vm_boot_test.sh" <<-EOF
	#!/bin/bash
	# tests/deploy/vm_boot_test.sh of HEAD, on the tree packaged.
	export IMGSEC_SRC=/src/build/deb/imgsec-$V
	exec bash "\$IMGSEC_SRC/tests/deploy/vm_boot_test.sh"
	EOF
	if [ -f "$tmp/imgsec.ko" ] && [ -x "$tmp/imgsecctl" ] &&
		IMGSEC_VM_MODULE=$tmp/imgsec.ko IMGSEC_VM_CTL=$tmp/imgsecctl \
			IMGSEC_VM_CARRY=build/deb/imgsec-$V KVER=$KVER \
			tests/vm/run.sh "$tmp/deb_vm_boot_test.sh" >"$tmp/vm" 2>&1; then
		ok "VM: the module DKMS built from imgsec-dkms loads; the packaged imgsecctl applies the policy"
	else
		ko "VM: the module from imgsec-dkms / the packaged imgsecctl (log below)"
	fi
	sed 's/^/    vm| /' "$tmp/vm" 2>/dev/null | grep -E 'PASS|FAIL|passed|vm: ' | tail -n 25
fi
finish
