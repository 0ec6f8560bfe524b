#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the initramfs the test VM boots, and print its path.
#
#   tests/vm/mkinitramfs.sh [--kernel KVER] --module KO --ctl IMGSECCTL
#
# The image is made of two gzip'd cpio layers, concatenated (the kernel
# unpacks them in order, later files replacing earlier ones):
#   base    busybox, the real tools the tests use with their libraries, the
#           Debian kernel modules the tests need, /init, python3 with the
#           few modules the kernel's ynl cli.py needs, and ynl itself.  Slow
#           to build (10-20 s on 2 cores), keyed by the kernel, the packages,
#           the binaries and python files themselves and tests/vm/*.
#   module  imgsec.ko under /lib/modules/KVER/extra, imgsecctl and the
#           modules.dep that knows imgsec.  Keyed by base + both binaries.
# Both are cached under $IMGSEC_CACHE/initramfs (default /var/cache/imgsec),
# outside the repository.  Progress goes to stderr, the path to stdout.
set -euo pipefail

KVER=${KVER:-6.1.0-56-amd64}
VMDIR=$(cd "$(dirname "$0")" && pwd)
CACHE=${IMGSEC_CACHE:-/var/cache/imgsec}
OUTDIR=$CACHE/initramfs
module=""
ctl=""

# Debian packages whose files end up in the image: their versions are part
# of the cache key, so an upgrade rebuilds the image.
PACKAGES="busybox-static bash libc6 kmod iproute2 nftables conntrack tcpdump
	netcat-openbsd rpcbind nfs-kernel-server nfs-common util-linux mount
	libmnl0 libtirpc3 libnftables1 python3.11-minimal libpython3.11-minimal
	libpython3.11-stdlib python3-yaml libyaml-0-2"

# Real binaries (not busybox applets) the tests call, as found on the host.
BINARIES="bash kmod ip bridge ss tc nft conntrack tcpdump nc.openbsd
	rpcbind rpcinfo rpc.mountd rpc.nfsd exportfs mount.nfs umount.nfs
	showmount mount umount nsenter unshare flock setsid setpriv python3"

# Kernel modules: whole directories (relative to lib/modules/KVER/kernel),
# plus single modules, plus everything these depend on.  A directory that a
# kernel lacks is skipped (fs/fscache: 6.4 moved it into fs/netfs); the
# modules that /init loads (its BASE_MODULES) and MODULE_NAMES must be there.
MODULE_DIRS="net/netfilter net/ipv4/netfilter net/ipv6/netfilter net/bridge
	net/sched net/sunrpc fs/nfs fs/nfsd fs/nfs_common fs/lockd fs/netfs
	fs/fscache"
MODULE_NAMES="veth dummy crc32c_generic libcrc32c"
BUSYBOX=/bin/busybox

# The kernel's YNL cli.py (tools/net/ynl of linux-source-6.12, unpacked by
# tests/deps.sh) goes to /usr/lib/ynl, for tests/e2e/netlink_spec_test.sh.
# Of Python, only what it imports: the modules its sources name (and yaml),
# with everything these import in turn, as the host's python3 finds them;
# sources only, the VM compiles them as it imports them.
YNL_SRC=$CACHE/netlink-6.12/tools/net/ynl
YNL_DST=/usr/lib/ynl

die() { echo "mkinitramfs: $*" >&2; exit 1; }
log() { echo "mkinitramfs: $*" >&2; }

usage() {
	echo "usage: $0 [--kernel KVER] --module IMGSEC.KO --ctl IMGSECCTL" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) KVER=${2:?}; shift 2 ;;
		--module) module=${2:?}; shift 2 ;;
		--ctl) ctl=${2:?}; shift 2 ;;
		*) usage ;;
		esac
	done
	[ -n "$module" ] && [ -n "$ctl" ] || usage
	IMAGE=$CACHE/image-$KVER/root
	KMODS=$IMAGE/lib/modules/$KVER
	[ -d "$KMODS/kernel" ] ||
		die "no kernel image for $KVER in $IMAGE: run tests/deps.sh"
	SYMVERS=/usr/src/linux-headers-$KVER/Module.symvers
	# A kernel built here has its own (tests/debug/build_kernel.sh).
	[ -f "$SYMVERS" ] || SYMVERS=$KMODS/build/Module.symvers
	[ -f "$SYMVERS" ] ||
		die "no $SYMVERS: run tests/deps.sh (KVER=$KVER)"
	[ -f "$module" ] || die "module $module not found: run 'make module'"
	[ -f "$ctl" ] || die "$ctl not found: run 'make userspace'"
}

# The module must be built for the kernel the VM boots, or modprobe fails
# inside with a message that is easy to miss.
check_vermagic() {
	local vermagic
	vermagic=$(modinfo -F vermagic "$module") ||
		die "$module is not a kernel module"
	case "$vermagic" in
	"$KVER "*) ;;
	*) die "$module was built for '${vermagic%% *}', the VM boots $KVER" ;;
	esac
}

# What goes into the base, for its cache key: the kernel (its package
# version is in deps.sh's marker file name), the package versions, the very
# binaries and libraries copied, and tests/vm/* (this script, /init).
base_key() {
	local b
	{
		echo "kernel $KVER"
		ls -a "$CACHE/image-$KVER"
		# shellcheck disable=SC2086 # word splitting wanted
		dpkg-query -W $PACKAGES 2>&1
		for b in $BINARIES; do
			host_binary_files "$b"
		done | sort -u | xargs sha256sum
		sha256sum "$BUSYBOX"
		{ ynl_files; python_files; } | xargs -r sha256sum
		(cd "$VMDIR" && find . -type f -print0 | sort -z |
			xargs -0 sha256sum)
	} | sha256sum | cut -c1-16
}

# A binary's path on the host and the shared libraries it loads.
host_binary_files() { # NAME
	local path
	path=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$1") ||
		die "$1 not found on the host: run tests/deps.sh"
	echo "$path"
	ldd "$path" 2>/dev/null | grep -o '/[^ ]*' || true
}

# ynl's own files: cli.py and its lib (none when deps.sh did not unpack it).
ynl_files() {
	[ -f "$YNL_SRC/cli.py" ] || return 0
	ls "$YNL_SRC/cli.py" "$YNL_SRC"/lib/*.py
}

# The host's python files (modules, extension modules) that ynl needs, one
# a line: those loaded by importing every module its sources name, then by
# running cli.py on the spec as the test does (on the host it stops where
# the kernel has no imgsec family; argparse has imported gettext and locale
# on the way, which no import statement names).
python_files() {
	local mods
	# shellcheck disable=SC2046 # one word per file
	mods=$(sed -nE 's/^[[:space:]]*(import|from)[[:space:]]+([A-Za-z_][A-Za-z0-9_.]*).*/\2/p' \
		$(ynl_files) /dev/null | sort -u)
	# shellcheck disable=SC2086 # one word per module
	/usr/bin/python3 -E -s - "$YNL_SRC" "$VMDIR/../../doc/netlink/imgsec.yaml" \
		yaml $mods <<-'EOF' | sort -u
		import contextlib, importlib, io, os, sys
		ynl, spec = sys.argv[1:3]
		sys.path.insert(0, ynl)
		for m in sys.argv[3:]:
		    importlib.import_module(m)
		cli = os.path.join(ynl, 'cli.py')
		if os.path.exists(cli) and os.path.exists(spec):
		    sys.argv = [cli, '--spec', spec, '--no-schema', '--list-ops']
		    with contextlib.redirect_stdout(io.StringIO()), \
		            contextlib.redirect_stderr(io.StringIO()):
		        try:
		            exec(compile(open(cli).read(), cli, 'exec'),
		                 {'__name__': '__main__', '__file__': cli})
		        except BaseException:
		            pass
		for m in list(sys.modules.values()):
		    f = getattr(m, '__file__', None)
		    if f and f.startswith('/usr/lib/python3'):
		        print(f)
	EOF
}

# Copy FILE to the same path under the stage, following symlinks.
copy_file() {
	local dst=$stage$1
	mkdir -p "$(dirname "$dst")"
	rm -f "$dst" # never write through a busybox symlink
	cp -L "$1" "$dst"
}

# Copy a binary and every shared library it loads.
copy_binary() { # NAME
	local f
	for f in $(host_binary_files "$1"); do
		[ -e "$stage$f" ] || copy_file "$f"
	done
}

make_skeleton() {
	local d
	mkdir -p "$stage"/usr/{bin,sbin,lib,lib64}
	ln -s usr/bin "$stage/bin"
	ln -s usr/sbin "$stage/sbin"
	ln -s usr/lib "$stage/lib"
	ln -s usr/lib64 "$stage/lib64"
	for d in dev proc sys run tmp root etc mnt srv var/lib/nfs var/tmp; do
		mkdir -p "$stage/$d"
	done
	ln -s ../run "$stage/var/run"
	ln -s /proc/self/mounts "$stage/etc/mtab"
}

make_etc() {
	local f
	for f in netconfig protocols services rpc; do
		copy_file "/etc/$f"
	done
	cat >"$stage/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/bash
		_rpc:x:103:65534::/run/rpcbind:/usr/sbin/nologin
		statd:x:104:65534::/var/lib/nfs:/usr/sbin/nologin
		nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
	EOF
	cat >"$stage/etc/group" <<-'EOF'
		root:x:0:
		nogroup:x:65534:
	EOF
	printf 'passwd: files\ngroup: files\nhosts: files\n' \
		>"$stage/etc/nsswitch.conf"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$stage/etc/hosts"
	echo imgsec-vm >"$stage/etc/hostname"
	: >"$stage/etc/exports"
	: >"$stage/var/lib/nfs/etab"
	: >"$stage/var/lib/nfs/rmtab"
}

install_binaries() {
	local b
	for b in $BINARIES; do
		copy_binary "$b"
	done
	# kmod is one binary behind the usual names.
	for b in modprobe insmod rmmod lsmod depmod modinfo; do
		rm -f "$stage/usr/sbin/$b"
		ln -s ../bin/kmod "$stage/usr/sbin/$b"
	done
	ln -s nc.openbsd "$stage/usr/bin/nc"
	install_python
	copy_file "$BUSYBOX"
	# Busybox fills in whatever is still missing (sh, ping, ps, ...).
	for b in $("$BUSYBOX" --list); do
		[ -e "$stage/usr/bin/$b" ] || [ -e "$stage/usr/sbin/$b" ] ||
			[ -L "$stage/usr/bin/$b" ] || ln -s busybox "$stage/usr/bin/$b"
	done
}

# python3 (a binary of BINARIES) gets its modules, and ynl; .py files keep
# their times (a __pycache__ the VM writes stays valid).
install_python() {
	local f lib
	for f in $(python_files); do
		case $f in
		*.so)
			for lib in "$f" $(ldd "$f" 2>/dev/null |
				grep -o '/[^ ]*' || true); do
				[ -e "$stage$lib" ] || copy_file "$lib"
			done ;;
		*)
			mkdir -p "$stage$(dirname "$f")"
			cp -pL "$f" "$stage$f" ;;
		esac
	done
	if [ -z "$(ynl_files)" ]; then
		log "no ynl in $YNL_SRC (tests/deps.sh): the VM gets none"
		return
	fi
	mkdir -p "$stage$YNL_DST/lib"
	cp "$YNL_SRC/cli.py" "$stage$YNL_DST/"
	cp "$YNL_SRC"/lib/*.py "$stage$YNL_DST/lib/"
	log "python3: $(python_files | wc -l) modules; ynl in $YNL_DST"
}

# A list variable of /init (NAME="word word ...", maybe over several lines).
init_list() { # NAME
	sed -n "/^$1=\"/,/\"/p" "$VMDIR/init" | tr '\n\t' '  ' |
		sed "s/^$1=\"\([^\"]*\)\".*/\1/"
}

# The modules the VM cannot do without, checked against the kernel's tree
# (FULL, with its modules.dep), printed one a line: MODULE_NAMES and
# /init's BASE_MODULES, less those of its MAYBE_BUILTIN that the kernel
# has no module of (/init skips them the same way).  Modules built into
# the kernel count as present (modinfo says "(builtin)").
required_modules() { # FULL
	local m missing=""
	for m in $MODULE_NAMES $(init_list BASE_MODULES); do
		if ! modinfo -b "$1" -k "$KVER" -F filename "$m" \
			>/dev/null 2>&1; then
			case " $(init_list MAYBE_BUILTIN) " in
			*" $m "*) log "$m is no module in $KVER, skipped"
				continue ;;
			esac
			missing="$missing $m"
		fi
		echo "$m"
	done
	[ -z "$missing" ] ||
		die "the $KVER modules lack what the VM needs:$missing"
}

# The kernel modules: the directories above and their dependencies, found
# with modprobe --show-depends on a hard-linked copy of the whole tree.
install_kernel_modules() {
	local full=$tmp/full names dst f d
	mkdir -p "$full/lib/modules"
	cp -al "$KMODS" "$full/lib/modules/$KVER" 2>/dev/null ||
		cp -a "$KMODS" "$full/lib/modules/$KVER"
	depmod -b "$full" "$KVER"
	names=$(required_modules "$full")
	for d in $MODULE_DIRS; do
		if [ ! -d "$KMODS/kernel/$d" ]; then
			log "no $d in the $KVER modules, skipped"
			continue
		fi
		names="$names $(find "$KMODS/kernel/$d" -name '*.ko*' \
			-exec basename {} \; | sed 's/\.ko.*//')"
	done
	# shellcheck disable=SC2086 # one word per module name
	modprobe -d "$full" -S "$KVER" --show-depends -a $names |
		sed -n 's/^insmod \([^ ]*\).*/\1/p' | sort -u >"$tmp/modules"
	dst=$stage/lib/modules/$KVER
	mkdir -p "$dst"
	cp "$KMODS"/modules.builtin* "$KMODS/modules.order" "$dst/"
	while read -r f; do
		f=${f#"$full/lib/modules/$KVER/"}
		mkdir -p "$dst/$(dirname "$f")"
		cp "$KMODS/$f" "$dst/$f"
	done <"$tmp/modules"
	depmod -b "$stage" "$KVER"
	log "$(wc -l <"$tmp/modules") kernel modules"
}

pack() { # DIR OUT: a gzip'd newc cpio of DIR's content, owned by root
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$2"
}

build_base() { # OUT
	stage=$tmp/base
	make_skeleton
	make_etc
	install_binaries
	install_kernel_modules
	install -m 0755 "$VMDIR/init" "$stage/init"
	pack "$stage" "$1"
}

# The module layer: imgsec.ko, imgsecctl, and modules.dep & co. computed over
# the base's modules plus imgsec.ko (depmod needs them all).  Paths are under
# usr/ because the base's /lib is a symlink to usr/lib.
build_module_layer() { # BASE_CPIO OUT
	local layer=$tmp/module full=$tmp/depmod unknown lib
	local mods=usr/lib/modules/$KVER
	mkdir -p "$layer/$mods/extra" "$layer/usr/sbin" "$full"
	install -m 0644 "$module" "$layer/$mods/extra/imgsec.ko"
	install -m 0755 "$ctl" "$layer/usr/sbin/imgsecctl"
	zcat "$1" | (cd "$full" && cpio -id --quiet "$mods/*" "usr/lib*/*.so*")
	# imgsecctl's libraries that the base lacks (libmnl is there already).
	for lib in $(ldd "$ctl" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$full$lib" ] || [ -e "$full/usr$lib" ] || {
			mkdir -p "$layer/usr$(dirname "${lib#/usr}")"
			cp -L "$lib" "$layer/usr${lib#/usr}"
		}
	done
	cp -r "$layer/$mods/extra" "$full/$mods/"
	# Unknown symbols mean a dependency missing from MODULE_DIRS: say so
	# here rather than as a modprobe failure inside the VM.  The kernel's
	# own exports come from the headers' Module.symvers (Debian's
	# System.map is a stub).
	awk '$3 == "vmlinux"' "$SYMVERS" >"$tmp/vmlinux.symvers"
	unknown=$(depmod -e -E "$tmp/vmlinux.symvers" -b "$full/usr" \
		"$KVER" 2>&1 | grep 'imgsec.ko.*unknown symbol' || true)
	[ -z "$unknown" ] ||
		die "imgsec.ko needs symbols that no module in the image has:
$unknown
(add the module that exports them to MODULE_DIRS in $0)"
	cp "$full/$mods"/modules.* "$layer/$mods/"
	pack "$layer" "$2"
}

# Keep the few newest files matching a pattern, drop the rest.
prune() { # PATTERN KEEP
	# shellcheck disable=SC2012 # names are ours, no odd characters
	ls -t "$OUTDIR"/$1 2>/dev/null | tail -n +$(($2 + 1)) |
		xargs -r rm -f
}

main() {
	local key modkey base full start
	parse_args "$@"
	check_vermagic
	mkdir -p "$OUTDIR"
	exec 9>"$OUTDIR/.lock"
	# One builder at a time; the others then reuse its work.
	flock -n 9 || { log "waiting for another build to finish"; flock 9; }
	tmp=$(mktemp -d "$OUTDIR/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT

	key=$(base_key)
	base=$OUTDIR/base-$key.cpio.gz
	if [ ! -s "$base" ]; then
		start=$SECONDS
		log "building base image $base"
		build_base "$tmp/base.cpio.gz"
		mv "$tmp/base.cpio.gz" "$base"
		log "base built in $((SECONDS - start)) s"
		prune 'base-*.cpio.gz' 3
	fi

	modkey=$( (echo "$key"; sha256sum <"$module"; sha256sum <"$ctl") |
		sha256sum | cut -c1-16)
	full=$OUTDIR/full-$modkey.cpio.gz
	if [ ! -s "$full" ]; then
		build_module_layer "$base" "$tmp/module.cpio.gz"
		cat "$base" "$tmp/module.cpio.gz" >"$tmp/full.cpio.gz"
		mv "$tmp/full.cpio.gz" "$full"
		prune 'full-*.cpio.gz' 5
	fi
	touch "$full" "$base" # newest first for prune
	echo "$full"
}

main "$@"
