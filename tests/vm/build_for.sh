#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build imgsec.ko for another kernel than the pinned one, without touching
# module/imgsec.ko (the pinned build that the other suites use), and print
# the path of the .ko:
#
#   tests/vm/build_for.sh KVER
#
# What the module build reads (Kbuild, Makefile, dkms.conf, module/,
# include/: the files git knows, as DKMS would have them) is copied, with
# its timestamps, to $IMGSEC_CACHE/build-KVER/TREE (default cache
# /var/cache/imgsec; TREE is a hash of this tree's path, so that two
# checkouts neither share nor overwrite each other's build), and
# `make module KVER=KVER` runs there, so a second call only rebuilds what
# changed.  Needs /lib/modules/KVER/build (tests/deps.sh installs the
# headers of KVER_EXTRA) or, for a kernel built here (tests/debug), its
# tree under $IMGSEC_CACHE/image-KVER.  Build output goes to stderr, the path to stdout.
set -euo pipefail

KVER=${1:?usage: $0 KVER}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${IMGSEC_CACHE:-/var/cache/imgsec}
DIR=$CACHE/build-$KVER/$(printf '%s' "$REPO" | sha256sum | cut -c1-12)

die() { echo "build_for: $*" >&2; exit 1; }

# Debian's headers, or the tree of a kernel built here (the debug kernel,
# tests/debug/build_kernel.sh), laid out as an unpacked image.
KDIR=/lib/modules/$KVER/build
[ -d "$KDIR/include" ] || KDIR=$CACHE/image-$KVER/root/lib/modules/$KVER/build
[ -d "$KDIR/include" ] ||
	die "no headers for $KVER: run KVER_EXTRA=$KVER tests/deps.sh"

# The module's sources, repo-relative, one a line.
sources() {
	(cd "$REPO" &&
		{ git ls-files -co --exclude-standard 2>/dev/null ||
			find . -type f | sed 's,^\./,,'; } |
		grep -E '^(Kbuild|Makefile|dkms\.conf|module/|include/)' |
		while read -r f; do [ -f "$f" ] && echo "$f"; done)
}

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
sources | LC_ALL=C sort >"$DIR/.sources.new"
# Sources the tree no longer has go from the copy too (build outputs,
# which git ignores and so are in neither list, stay).
if [ -f "$DIR/.sources" ]; then
	LC_ALL=C comm -23 "$DIR/.sources" "$DIR/.sources.new" |
		while read -r f; do rm -f "$DIR/$f"; done
fi
(cd "$REPO" && cpio -pdmu --quiet "$DIR" <"$DIR/.sources.new")
mv "$DIR/.sources.new" "$DIR/.sources"
make -C "$DIR" -j"$(nproc)" module KVER="$KVER" KDIR="$KDIR" >&2 ||
	die "build for $KVER failed (in $DIR)"
vermagic=$(modinfo -F vermagic "$DIR/module/imgsec.ko")
case $vermagic in
"$KVER "*) ;;
*) die "$DIR/module/imgsec.ko has vermagic '$vermagic', not $KVER" ;;
esac
echo "$DIR/module/imgsec.ko"
