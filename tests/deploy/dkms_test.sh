#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS on the host, for the pinned kernel (KVER, 6.1.0-56-amd64) whose
# headers are installed: `make dkms-install` adds, builds and installs
# imgsec into /lib/modules/KVER/updates/dkms (harmless here: this host
# never boots that kernel), `dkms status` says so, modprobe would load that
# copy; `make dkms-uninstall` takes it all away. Then the operator's way
# from a release tarball: `make dist`, unpack, `dkms install ./imgsec-V`.
# DKMS also builds the module for every other kernel whose headers are
# installed (tests/deploy/kernels.sh installs 5.10 and 6.12).
#
# Last, unless IMGSEC_DKMS_VM=0: the module DKMS built and signed is handed
# to the test VM (tests/vm/run.sh, IMGSEC_VM_MODULE), where `modprobe
# imgsec` loads it and the unit's commands apply the policy
# (tests/deploy/vm_boot_test.sh).
#
# Needs root and the dkms package. Leaves DKMS as it found it, but for an
# imgsec it had before (removed). Prints PASS/FAIL lines, then
# "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
KVER=${KVER:-6.1.0-56-amd64}
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
KO=/lib/modules/$KVER/updates/dkms/imgsec.ko
tmp=$(mktemp -d /tmp/imgsec-dkms.XXXXXX)

. "$top/tests/deploy/lib.sh"

cleanup() {
	local v
	for v in $(dkms status -m imgsec 2>/dev/null |
		sed -n 's|^imgsec/\([^,:]*\)[,:].*|\1|p' | sort -u); do
		dkms remove "imgsec/$v" --all >/dev/null 2>&1
		rm -rf "/usr/src/imgsec-$v"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

status() { dkms status -m imgsec 2>/dev/null; }

if ! command -v dkms >/dev/null; then
	ko "dkms is not installed (tests/deps.sh installs it)"
	finish
fi
if [ ! -d "/lib/modules/$KVER/build/include" ]; then
	ko "no headers for $KVER (tests/deps.sh)"
	finish
fi
cleanup
mkdir -p "$tmp"

# 1. make dkms-install, twice (the second is a reinstall of the same version).
for round in install reinstall; do
	if make -s dkms-install DKMS_KVER="$KVER" >"$tmp/out" 2>&1; then
		ok "make dkms-install ($round)"
	else
		cat "$tmp/out"
		cat /var/lib/dkms/imgsec/"$VERSION"/build/make.log 2>/dev/null
		ko "make dkms-install ($round)"
		finish
	fi
done
check "dkms status: imgsec/$VERSION, $KVER: installed" \
	grep -q "^imgsec/$VERSION, $KVER, [^:]*: installed" <(status)
check "dkms status lists one imgsec, once" [ "$(status | wc -l)" = 1 ]
check "/usr/src/imgsec-$VERSION holds only the module's sources" \
	bash -c "cd /usr/src/imgsec-$VERSION && ! find . -type f | grep -vE '^\./(dkms\.conf|Makefile|Kbuild|include/uapi/linux/imgsec\.h|module/(Kbuild|[a-z_]+\.[ch]))$' && ! ls module/*_test.c 2>/dev/null"
check "the module is installed in $KO" [ -f "$KO" ]
check "vermagic is $KVER" \
	grep -q "^$KVER " <(modinfo -F vermagic "$KO")
check "modinfo version is $VERSION" \
	[ "$(modinfo -F version "$KO")" = "$VERSION" ]
check "modprobe -S $KVER imgsec resolves to the DKMS copy" \
	grep -qx "insmod $KO *" <(modprobe -S "$KVER" --show-depends imgsec)
cp "$KO" "$tmp/imgsec.ko"	# for the VM, below

# 2. make dkms-uninstall
if make -s dkms-uninstall >"$tmp/out" 2>&1; then
	ok "make dkms-uninstall"
else
	cat "$tmp/out"
	ko "make dkms-uninstall"
fi
check "dkms status no longer knows imgsec" [ -z "$(status)" ]
check "the module is gone from $KO" [ ! -e "$KO" ]
check "/usr/src/imgsec-$VERSION is gone" [ ! -e "/usr/src/imgsec-$VERSION" ]
check "modprobe -S $KVER imgsec finds nothing" \
	bash -c "! modprobe -S '$KVER' --show-depends imgsec >/dev/null 2>&1"

# 3. From the release tarball, as an operator without a git checkout.
if make -s dist >"$tmp/out" 2>&1 && [ -f "imgsec-$VERSION.tar.gz" ]; then
	ok "make dist: $(tail -n 1 "$tmp/out")"
	mv "imgsec-$VERSION.tar.gz" "$tmp/"
else
	cat "$tmp/out"
	ko "make dist"
fi
if tar -C "$tmp" -xzf "$tmp/imgsec-$VERSION.tar.gz" 2>/dev/null &&
	dkms add "$tmp/imgsec-$VERSION" >"$tmp/out" 2>&1 &&
	dkms install "imgsec/$VERSION" -k "$KVER" >>"$tmp/out" 2>&1; then
	ok "tarball: dkms add ./imgsec-$VERSION && dkms install -k $KVER"
else
	cat "$tmp/out"
	ko "tarball: dkms add/install"
fi
check "tarball: dkms status says installed" \
	grep -q "^imgsec/$VERSION, $KVER, [^:]*: installed" <(status)

# 4. DKMS builds it for the other kernels whose headers are here, as its
# autoinstall does after a kernel upgrade.
for d in /lib/modules/*/build; do
	k=$(basename "$(dirname "$d")")
	[ "$k" = "$KVER" ] && continue
	[ -d "$d/include" ] || continue
	if dkms build "imgsec/$VERSION" -k "$k" >"$tmp/out" 2>&1; then
		ok "dkms build for $k"
	else
		cat "$tmp/out"
		ko "dkms build for $k"
	fi
done
dkms remove "imgsec/$VERSION" --all >/dev/null 2>&1
rm -rf "/usr/src/imgsec-$VERSION"
check "dkms remove --all leaves no imgsec" [ -z "$(status)" ]

# 5. In the VM: modprobe loads the DKMS-built copy; the unit's commands work.
if [ "${IMGSEC_DKMS_VM:-1}" != 0 ]; then
	make -s userspace >/dev/null 2>&1
	if IMGSEC_VM_MODULE=$tmp/imgsec.ko KVER=$KVER \
		tests/vm/run.sh tests/deploy/vm_boot_test.sh >"$tmp/vm" 2>&1; then
		ok "VM: the DKMS-built module loads and the unit's commands apply the policy"
	else
		ko "VM: DKMS-built module / unit commands (log below)"
	fi
	sed 's/^/    vm| /' "$tmp/vm" | grep -E 'PASS|FAIL|passed|vm: ' | tail -n 25
fi
finish
