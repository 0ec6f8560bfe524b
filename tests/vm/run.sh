#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in qemu with imgsec.ko and the test tools, and run
# test scripts inside, one boot for all of them.
#
#   tests/vm/run.sh [--kvm|--tcg|--icount] [--kernel KVER] SCRIPT...
#
# KVER is the Debian kernel ABI to boot, 6.1.0-56-amd64 (the pinned one)
# by default; tests/deps.sh unpacks its image (the pinned one and those in
# KVER_EXTRA, 6.12.117+deb12-amd64).  For the pinned kernel the module is
# module/imgsec.ko ('make module'); for any other, unless IMGSEC_VM_MODULE
# names one, run.sh builds it first with tests/vm/build_for.sh KVER, in a
# copy of the sources under $IMGSEC_CACHE/build-KVER, so module/imgsec.ko
# stays the pinned build. The test-only modules of tests/kmod are built for
# KVER too (tests/kmod/build.sh) and go to /src/tests/kmod.
#
# Each SCRIPT (any path) runs in the VM as root from /src, a copy of this
# repository (so /tests/e2e/lib.sh exists there), with a clean state between
# scripts.  Its output is streamed here live.
#
# --icount counts instead of timing: qemu TCG with `-icount
# shift=0,sleep=off` and ONE vCPU. The guest clock then advances exactly
# one nanosecond per guest instruction executed and skips idle time, so
# CLOCK_MONOTONIC read in the guest counts guest instructions, whatever else
# the host runs (tests/bench uses it). One vCPU because with -smp 2 and
# icount the 6.1 guest hangs at "smp: Bringing up secondary CPUs" (qemu
# 7.2). It is slower than plain TCG
# (one host thread), needs TCG (not with --kvm), and a qemu instruction is
# not a CPU cycle: only ratios of instruction counts mean something. Inside
# the guest, time limits (IMGSEC_VM_SCRIPT_TIMEOUT, sleeps) count in these
# guest seconds; the hard limit on qemu stays in host seconds.
#
# Exit status: 0 when every script exited 0 and the kernel logged no
# warning; otherwise the status of the first script that failed, 1 for a
# kernel warning or a VM that stopped early, 124 when the hard timeout hit.
#
# Environment:
#   IMGSEC_VM_ACCEL=kvm|tcg  force the accelerator (default: probe KVM, cached
#                            per host boot, else TCG)
#   IMGSEC_VM_SCRIPT_TIMEOUT=S  time limit of each script, enforced inside
#                            the VM (900 under TCG, 300 under KVM): past it
#                            the script is stopped and the next one runs
#   IMGSEC_VM_TIMEOUT=S      hard limit for the whole VM, qemu is killed past
#                            it (default: the scripts' limits added, + 120)
#   IMGSEC_VM_MEM=MB         guest memory (2048)
#   IMGSEC_VM_APPEND=ARGS    more kernel command line
#   IMGSEC_VM_LOG=FILE       where to keep the console log (default under
#                            $IMGSEC_CACHE/logs)
#   IMGSEC_VM_MODULE, IMGSEC_VM_CTL  imgsec.ko and imgsecctl to test (default:
#                            module/imgsec.ko, or build_for.sh's build for
#                            another kernel; userspace/imgsecctl)
#   IMGSEC_VM_CARRY=PATHS    build outputs to copy to /src as well (repo-
#                            relative; tests/tools always goes)
#   IMGSEC_TEST_*            passed on to the scripts in the VM
#   IMGSEC_CACHE             cache directory (/var/cache/imgsec)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${IMGSEC_CACHE:-/var/cache/imgsec}
PINNED=6.1.0-56-amd64
KVER=${KVER:-$PINNED}
ACCEL=${IMGSEC_VM_ACCEL:-}
ICOUNT=
MEM=${IMGSEC_VM_MEM:-2048}
MODULE=${IMGSEC_VM_MODULE:-}
CTL=${IMGSEC_VM_CTL:-$REPO/userspace/imgsecctl}
QEMU=qemu-system-x86_64
SCRIPTS=()

# Kernel messages (they carry a "[ seconds]" stamp, our lines do not) that
# fail the run.
BAD_KERNEL='\[ *[0-9]+\.[0-9]+\].*(WARNING:|BUG:|Oops|KASAN|UBSAN|kernel BUG|Kernel panic|general protection fault|Call Trace:)'

die() { echo "vm: $*" >&2; exit 1; }
say() { echo "vm: $*"; }

usage() {
	sed -n '4,/^set /{/^#/s/^# \{0,1\}//p}' "$0" >&2
	exit "${1:-2}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kvm) ACCEL=kvm ;;
		--tcg) ACCEL=tcg ;;
		--icount) ICOUNT=1 ;;
		--kernel) KVER=${2:?--kernel needs a version}; shift ;;
		-h|--help) usage 0 ;;
		-*) echo "vm: unknown option $1" >&2; usage ;;
		*) SCRIPTS+=("$1") ;;
		esac
		shift
	done
	[ ${#SCRIPTS[@]} -gt 0 ] || usage
	local s
	for s in "${SCRIPTS[@]}"; do
		[ -f "$s" ] || die "no such script: $s"
	done
	case $ACCEL in
	''|kvm|tcg) ;;
	*) die "IMGSEC_VM_ACCEL must be kvm or tcg, not '$ACCEL'" ;;
	esac
	if [ -n "$ICOUNT" ]; then
		[ "$ACCEL" != kvm ] || die "--icount needs TCG, not KVM"
		ACCEL=tcg
	fi
}

check_inputs() {
	command -v "$QEMU" >/dev/null || die "$QEMU missing: run tests/deps.sh"
	VMLINUZ=$CACHE/image-$KVER/root/boot/vmlinuz-$KVER
	[ -f "$VMLINUZ" ] || die "no kernel $VMLINUZ: run tests/deps.sh"
	if [ -z "$MODULE" ] && [ "$KVER" != "$PINNED" ]; then
		say "building imgsec.ko for $KVER (tests/vm/build_for.sh)"
		MODULE=$("$REPO/tests/vm/build_for.sh" "$KVER" \
			2>"$tmp/build.log") || {
			tail -n 30 "$tmp/build.log" >&2
			die "imgsec.ko does not build for $KVER"
		}
	fi
	MODULE=${MODULE:-$REPO/module/imgsec.ko}
	[ -f "$MODULE" ] ||
		die "$MODULE is missing: build it first with 'make module'"
	KMODS=$("$REPO/tests/kmod/build.sh" "$KVER" 2>"$tmp/kmod.log") || {
		tail -n 30 "$tmp/kmod.log" >&2
		die "the test modules of tests/kmod do not build for $KVER"
	}
	[ -x "$CTL" ] ||
		die "$CTL is missing: build it first with 'make userspace'"
}

# One short boot with KVM: the kernel, without an initramfs, panics at once
# ("VFS: Unable to mount root"), and -no-reboot turns that into an exit.
# Where KVM is broken qemu aborts or hangs instead.  The answer holds until
# the host reboots.
probe_kvm() {
	local cache=$CACHE/kvm-probe boot_id out
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		ACCEL=tcg
		return
	fi
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	if [ -f "$cache" ] && [ "$(cut -d' ' -f1 "$cache")" = "$boot_id" ]; then
		ACCEL=$(cut -d' ' -f2 "$cache")
		return
	fi
	say "probing KVM (cached in $cache)"
	out=$(timeout -k 2 30 "$QEMU" -accel kvm -cpu host -m 256 -nodefaults \
		-no-user-config -display none -no-reboot -serial stdio \
		-kernel "$VMLINUZ" -append "console=ttyS0 panic=-1" \
		</dev/null 2>&1 || true)
	if grep -q 'Kernel panic' <<<"$out"; then
		ACCEL=kvm
	else
		ACCEL=tcg
	fi
	mkdir -p "$CACHE"
	echo "$boot_id $ACCEL" >"$cache"
}

# The repository's files as git sees them (tracked and untracked, not
# ignored, so no build outputs), NUL separated.  Read-only use of git.
source_files() {
	if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$REPO" ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do
				[ -f "$REPO/$f" ] && printf '%s\0' "$f"
			done
	else
		(cd "$REPO" && find . -path ./.git -prune -o -path ./build \
			-prune -o -type f ! -name '*.ko' ! -name '*.o' -print0)
	fi
}

# What goes to /src: the sources, plus the built test tools (tests/tools,
# `make tools`) and whatever IMGSEC_VM_CARRY names (repo-relative paths,
# space separated), which git ignores as build outputs.
repo_files() {
	local p
	{
		source_files
		for p in tests/tools ${IMGSEC_VM_CARRY:-}; do
			[ -e "$REPO/$p" ] || continue
			(cd "$REPO" && find "$p" -type f ! -name '*.o' -print0)
		done
	} | sort -zu
}

# The path a script has inside the VM: its place in /src when it is part
# of the copied tree (so it can source files beside it), else a copy.
script_vm_path() { # LAYER N SCRIPT
	local abs rel
	abs=$(realpath "$3")
	rel=${abs#"$REPO"/}
	if [ "$rel" != "$abs" ] && [ -f "$1/src/$rel" ]; then
		echo "/src/$rel"
	else
		mkdir -p "$1/imgsec-run/scripts/$2"
		cp "$abs" "$1/imgsec-run/scripts/$2/"
		echo "/imgsec-run/scripts/$2/$(basename "$abs")"
	fi
}

# The per-run layer: the repository at /src (and /tests), the scripts, the
# list /init runs, and the IMGSEC_TEST_* environment.
build_run_layer() { # DIR OUT
	local dir=$1 n=0 s var
	mkdir -p "$dir/src" "$dir/imgsec-run"
	(cd "$REPO" && repo_files | cpio -0 -pdm --quiet "$dir/src")
	cp "$KMODS"/*.ko "$dir/src/tests/kmod/"
	ln -s src/tests "$dir/tests"
	for s in "${SCRIPTS[@]}"; do
		n=$((n + 1))
		printf '%s\t%s\n' "$s" "$(script_vm_path "$dir" "$n" "$s")"
	done >"$dir/imgsec-run/list"
	{
		echo "IMGSEC_VM_SCRIPT_TIMEOUT=$SCRIPT_TIMEOUT"
		for var in $(compgen -e | grep '^IMGSEC_TEST_' || true); do
			printf "export %s='%s'\n" "$var" \
				"$(printf '%s' "${!var}" | sed "s/'/'\\\\''/g")"
		done
	} >"$dir/imgsec-run/env"
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

# Console lines to the log file, and the interesting ones to the terminal:
# everything from /init on, except the kernel log dumped at the end.
stream_console() { # LOG
	local line shown=0
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >>"$1"
		case $line in
		*"IMGSEC-VM: init start"*) shown=1 ;;
		*"IMGSEC-VM: dmesg begin"*) shown=0 ;;
		*"IMGSEC-VM: dmesg end"*) shown=1; continue ;;
		esac
		[ $shown = 1 ] && printf '%s\n' "$line"
	done
	return 0
}

qemu_args() { # INITRD RESULTS
	local accel=(-accel tcg -cpu max)
	[ "$ACCEL" = kvm ] && accel=(-accel kvm -cpu host)
	local smp=2
	# --icount: guest time counts instructions; one vCPU (see the top).
	if [ -n "$ICOUNT" ]; then
		# shellcheck disable=SC2054 # the commas are qemu's
		accel+=(-icount shift=0,sleep=off)
		smp=1
	fi
	QEMU_ARGS=("${accel[@]}" -m "$MEM" -smp "$smp" -nodefaults -no-user-config
		-display none -no-reboot -monitor none
		-serial stdio -serial "file:$2"
		-kernel "$VMLINUZ" -initrd "$1"
		-append "console=ttyS0 panic=-1 printk.devkmsg=on ${IMGSEC_VM_APPEND:-}")
	# ttyS1 carries only /init's result lines.  panic=-1 and -no-reboot
	# turn a panic into a prompt exit; devkmsg=on lets tests note their
	# steps in the kernel log (/dev/kmsg) without rate limiting.
}

# What happened to each script, from the lines /init wrote on ttyS1; an
# end line missing there is looked for in the console's own ("IMGSEC-VM:
# end N: NAME: exit status RC"), as long as a kernel message did not cut it.
# STATUS becomes the status of the first script that failed.
script_results() { # RESULTS LOG
	local n=0 s rc
	for s in "${SCRIPTS[@]}"; do
		n=$((n + 1))
		rc=$(sed -n "s/^IMGSEC-RESULT end $n \([0-9]*\)\$/\1/p" "$1")
		[ -n "$rc" ] || rc=$(tr -d '\r' <"$2" |
			sed -n "s/^IMGSEC-VM: end $n: .*: exit status \([0-9]*\)\$/\1/p")
		if [ -n "$rc" ] && [ "$rc" = 0 ]; then
			say "ok: $s"
		elif [ -n "$rc" ]; then
			say "FAIL: $s exited with status $rc"
		elif grep -q "^IMGSEC-RESULT begin $n " "$1"; then
			say "FAIL: $s did not finish"
			rc=1
		else
			say "FAIL: $s did not run"
			rc=1
		fi
		[ "$STATUS" != 0 ] || STATUS=$rc
	done
}

# Did the VM get to the end, and in time?
vm_outcome() { # RESULTS LOG TIMED_OUT
	if grep -qx 'IMGSEC-RESULT done' "$1"; then
		if [ "$3" = 1 ]; then
			say "FAIL: every script ran, but the VM hung until the timeout"
			[ "$STATUS" != 0 ] || STATUS=124
		fi
		return
	fi
	if [ "$3" = 1 ]; then
		say "FAIL: hard timeout (${TIMEOUT} s) hit, qemu killed"
		STATUS=124
	else
		say "FAIL: the VM stopped before the end of the run"
		[ "$STATUS" != 0 ] || STATUS=1
	fi
	say "the console's last lines:"
	tail -n 15 "$2" | sed 's/^/  /'
}

# Kernel warnings, bugs, oopses anywhere on the console fail the run.
kernel_complaints() { # LOG
	local bad
	bad=$(grep -aE "$BAD_KERNEL" "$1" | grep -v 'IMGSEC-' | sort -u || true)
	[ -n "$bad" ] || return 0
	say "FAIL: the kernel complained:"
	printf '%s\n' "$bad" | head -n 20 | sed 's/^/  /'
	[ "$STATUS" != 0 ] || STATUS=1
}

# A kernel with kmemleak (the debug kernel) reports leaks at the end.
kernel_leaks() { # RESULTS
	local n
	n=$(sed -n 's/^IMGSEC-RESULT kmemleak \([0-9]*\)$/\1/p' "$1")
	[ -n "$n" ] || return 0
	if [ "$n" = 0 ]; then
		say "kmemleak: no leak"
		return 0
	fi
	say "FAIL: kmemleak found $n unreferenced object(s) (console log)"
	[ "$STATUS" != 0 ] || STATUS=1
}

check_results() { # RESULTS LOG TIMED_OUT
	tr -d '\r' <"$1" >"$1.txt"
	STATUS=0
	script_results "$1.txt" "$2"
	vm_outcome "$1.txt" "$2" "$3"
	kernel_complaints "$2"
	kernel_leaks "$1.txt"
	mv "$1.txt" "$1"
}

main() {
	local tmp log results initrd rc timed_out=0 start
	parse_args "$@"
	tmp=$(mktemp -d)
	# $tmp is local to main: expand it now, the trap runs after main returns.
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	check_inputs
	[ -n "$ACCEL" ] || probe_kvm
	SCRIPT_TIMEOUT=${IMGSEC_VM_SCRIPT_TIMEOUT:-$([ "$ACCEL" = kvm ] && echo 300 || echo 900)}
	TIMEOUT=${IMGSEC_VM_TIMEOUT:-$((${#SCRIPTS[@]} * SCRIPT_TIMEOUT + 120))}

	mkdir -p "$CACHE/logs"
	log=${IMGSEC_VM_LOG:-$CACHE/logs/vm-$(date +%Y%m%d-%H%M%S)-$$.log}
	results=$log.results
	: >"$log"
	: >"$results"
	# shellcheck disable=SC2012 # our own file names
	ls -t "$CACHE"/logs/vm-*.log 2>/dev/null | tail -n +21 |
		while read -r f; do rm -f "$f" "$f.results"; done

	start=$(date +%s)
	initrd=$("$REPO/tests/vm/mkinitramfs.sh" --kernel "$KVER" \
		--module "$MODULE" --ctl "$CTL")
	build_run_layer "$tmp/run" "$tmp/run.cpio.gz"
	cat "$initrd" "$tmp/run.cpio.gz" >"$tmp/initrd"

	qemu_args "$tmp/initrd" "$results"
	say "booting $KVER under $ACCEL${ICOUNT:+ with -icount (1 vCPU)}, ${#SCRIPTS[@]} script(s), console log: $log"
	set +e
	timeout -k 10 "$TIMEOUT" "$QEMU" "${QEMU_ARGS[@]}" </dev/null 2>&1 |
		stream_console "$log"
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		timed_out=1
	elif [ "$rc" != 0 ]; then
		say "qemu exited with status $rc"
	fi

	check_results "$results" "$log" "$timed_out"
	say "$([ "$STATUS" = 0 ] && echo PASS || echo FAIL): ${#SCRIPTS[@]} script(s) in $(($(date +%s) - start)) s under $ACCEL${ICOUNT:+ -icount}; console log: $log"
	exit "$STATUS"
}

main "$@"
