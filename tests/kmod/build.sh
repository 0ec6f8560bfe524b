#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test-only modules of tests/kmod for kernel KVER and print the
# directory holding the .ko files:
#
#   tests/kmod/build.sh KVER
#
# The sources are copied to $IMGSEC_CACHE/kmod-KVER (default cache
# /var/cache/imgsec), so the repo gets no build output and a second call
# rebuilds nothing. Headers as for tests/vm/build_for.sh: Debian's, or the
# tree of a kernel built here (tests/debug). Build output goes to stderr.
set -euo pipefail

KVER=${1:?usage: $0 KVER}
SRC=$(cd "$(dirname "$0")" && pwd)
CACHE=${IMGSEC_CACHE:-/var/cache/imgsec}
DIR=$CACHE/kmod-$KVER

die() { echo "kmod build: $*" >&2; exit 1; }

KDIR=/lib/modules/$KVER/build
[ -d "$KDIR/include" ] || KDIR=$CACHE/image-$KVER/root/lib/modules/$KVER/build
[ -d "$KDIR/include" ] ||
	die "no headers for $KVER: run KVER_EXTRA=$KVER tests/deps.sh"
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
# -u: only what changed, so make sees old sources as old.
cp -pu "$SRC"/Kbuild "$SRC"/*.c "$DIR/"
make -C "$KDIR" M="$DIR" modules >&2 || die "build for $KVER failed (in $DIR)"
echo "$DIR"
