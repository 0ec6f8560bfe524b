#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, the debug kernel of `make check-debug` and print its ABI
# name (what tests/vm/run.sh --kernel takes):
#
#   tests/debug/build_kernel.sh [--if-cached]
#
# From the pinned linux-source (tests/deps.sh unpacks it): x86_64
# defconfig + kvm_guest.config + tests/debug/kernel.config (KASAN, UBSAN,
# kmemleak, lockdep, PROVE_RCU, DEBUG_OBJECTS, SLUB_DEBUG, with netfilter,
# NFS, veth and bridge built in). The result is laid out like an unpacked
# Debian image, $IMGSEC_CACHE/image-REL/root/{boot/vmlinuz-REL,
# lib/modules/REL/build}, so that the VM harness and build_for.sh use it
# as any other kernel. Cached by the source package and the config
# fragment (their hash is in the name): a second call prints the name at
# once, a changed fragment rebuilds incrementally in the same build tree.
# About 15 minutes on 2 cores the first time. With --if-cached it builds
# nothing: it prints the name if the kernel is there, else exits 1 silently.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${IMGSEC_CACHE:-/var/cache/imgsec}
KSRC=${IMGSEC_KSRC:-$CACHE/linux-source-6.1}
FRAGMENT=$REPO/tests/debug/kernel.config
JOBS=${IMGSEC_DEBUG_JOBS:-$(nproc)}

die() { echo "debug kernel: $*" >&2; exit 1; }

[ -f "$KSRC/Makefile" ] || die "no kernel source at $KSRC (run tests/deps.sh)"
key=$( (cat "$FRAGMENT"; cd "$KSRC" && echo .done-*) | sha256sum | cut -c1-8)
KREL_SUFFIX=-imgsec-debug-$key
out=$CACHE/debug-kernel
kver=$(make -s -C "$KSRC" kernelversion)
rel=$kver$KREL_SUFFIX
image=$CACHE/image-$rel

if [ -e "$image/.done" ]; then
	echo "$rel"
	exit 0
fi
[ "${1:-}" != --if-cached ] || exit 1

exec 9>"$CACHE/debug-kernel.lock"
flock 9
# One build tree: an image made from it for another fragment is stale now.
rm -rf "$CACHE"/image-*-imgsec-debug-*
mkdir -p "$out"
echo "debug kernel: building $rel in $out (about 30 min on 2 cores)" >&2
start=$SECONDS
{
	rm -f "$out/.config"
	make -C "$KSRC" O="$out" LOCALVERSION="$KREL_SUFFIX" defconfig kvm_guest.config
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$FRAGMENT"
	make -C "$KSRC" O="$out" LOCALVERSION="$KREL_SUFFIX" olddefconfig
} >&2
# What the fragment asks for and did not get (a dependency missing) is
# said now, not found later as a test failing in an odd way.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=[ym]' "$FRAGMENT" | while read -r l; do
	grep -qx "$l" "$out/.config" || echo "$l"
done)
[ -z "$missing" ] || die "the config lacks:
$missing"
make -C "$KSRC" O="$out" LOCALVERSION="$KREL_SUFFIX" -j"$JOBS" \
	bzImage modules >&2 || die "build failed (log above)"
[ "$(cat "$out/include/config/kernel.release")" = "$rel" ] ||
	die "kernel.release is $(cat "$out/include/config/kernel.release"), not $rel"

rm -rf "$image"
mkdir -p "$image/root/boot" "$image/root/lib/modules"
cp "$out/arch/x86/boot/bzImage" "$image/root/boot/vmlinuz-$rel"
make -C "$KSRC" O="$out" LOCALVERSION="$KREL_SUFFIX" \
	INSTALL_MOD_PATH="$image/root" modules_install >&2
mkdir -p "$image/root/lib/modules/$rel/kernel"
ln -sfn "$out" "$image/root/lib/modules/$rel/build"
touch "$image/.done"
echo "debug kernel: built in $(((SECONDS - start) / 60)) min" >&2
echo "$rel"
