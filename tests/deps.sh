#!/bin/bash
# Install, idempotently, every Debian package that imgsec's build and tests
# need, with the kernel headers, image and source pinned to one ABI (KVER).
# The kernels of KVER_EXTRA (space separated ABIs; empty for none) get their
# headers and image too, for tests/vm/run.sh --kernel KVER.
set -euo pipefail

KVER=${KVER:-6.1.0-56-amd64}
KVER_EXTRA=${KVER_EXTRA-6.12.117+deb12-amd64}
here=$(cd "$(dirname "$0")" && pwd)
cache=${IMGSEC_CACHE:-/var/cache/imgsec}

mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/deps.list")
pkgs+=("linux-headers-$KVER")
for k in $KVER_EXTRA; do
	pkgs+=("linux-headers-$k")
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# linux-source and the image of exactly the headers' version.
kpkgver=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER")
kseries=$(echo "$KVER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
if ! dpkg-query -W -f '${Version}' "linux-source-$kseries" 2>/dev/null |
	grep -qx "$kpkgver"; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends \
		"linux-source-$kseries=$kpkgver"
fi

# The image is only unpacked (the VM boots it), never installed on the host;
# it is the version of the headers.
unpack_image() { # KVER
	local ver img="$cache/image-$1"
	ver=$(dpkg-query -W -f '${Version}' "linux-headers-$1")
	if [ ! -e "$img/.done-$ver" ]; then
		rm -rf "$img"
		mkdir -p "$img"
		(cd "$img" && apt-get download "linux-image-$1=$ver" &&
			dpkg-deb -x linux-image-*.deb root &&
			rm -f linux-image-*.deb)
		touch "$img/.done-$ver"
	fi
}
for k in "$KVER" $KVER_EXTRA; do
	unpack_image "$k"
done

# The kernel source tree: checkpatch, and the UML build for KUnit.
src="$cache/linux-source-$kseries"
if [ ! -e "$src/.done-$kpkgver" ]; then
	rm -rf "$src"
	tar -C "$cache" -xf "/usr/src/linux-source-$kseries.tar.xz"
	touch "$src/.done-$kpkgver"
fi

# The netlink spec tools of a newer kernel (YNL_KVER, one of KVER_EXTRA by
# default): the YAML schemas of Documentation/netlink, for tests/netlink, and
# tools/net/ynl (cli.py), which tests/vm/mkinitramfs.sh puts in the VM for
# tests/e2e/netlink_spec_test.sh.  linux-source of exactly the version of that
# kernel's headers; only those two directories come out of its tarball.
YNL_KVER=${YNL_KVER:-6.12.117+deb12-amd64}
yseries=$(echo "$YNL_KVER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
ypkgver=$(dpkg-query -W -f '${Version}' "linux-headers-$YNL_KVER" 2>/dev/null ||
	apt-cache show --no-all-versions "linux-headers-$YNL_KVER" |
	sed -n 's/^Version: //p')
[ -n "$ypkgver" ] || { echo "deps: no linux-headers-$YNL_KVER" >&2; exit 1; }
if ! dpkg-query -W -f '${Version}' "linux-source-$yseries" 2>/dev/null |
	grep -qx "$ypkgver"; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends \
		"linux-source-$yseries=$ypkgver"
fi
ynl="$cache/netlink-$yseries"
if [ ! -e "$ynl/.done-$ypkgver" ]; then
	rm -rf "$ynl"
	mkdir -p "$ynl"
	tar -C "$ynl" --strip-components=1 \
		-xf "/usr/src/linux-source-$yseries.tar.xz" \
		"linux-source-$yseries/Documentation/netlink" \
		"linux-source-$yseries/tools/net/ynl"
	touch "$ynl/.done-$ypkgver"
fi
echo "deps: ok (kernel $KVER, package $kpkgver${KVER_EXTRA:+; also $KVER_EXTRA}, cache $cache)"
