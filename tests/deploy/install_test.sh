#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` / `make uninstall` into a scratch DESTDIR, on the host (no
# module is loaded): the exact list of files, their modes, that a reinstall
# keeps an edited policy and uninstall keeps it too, that the systemd unit
# passes `systemd-analyze verify`, that the man pages render without a
# warning, that the completion completes the subcommands imgsecctl has.
# Prints PASS/FAIL lines, then "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
D=$(mktemp -d /tmp/imgsec-destdir.XXXXXX)
trap 'rm -rf "$D"' EXIT
export LC_ALL=C.UTF-8

. "$top/tests/deploy/lib.sh"

# What `make install` must lay out with PREFIX=/usr, as "mode path".
expected() {
	cat <<-'EOF'
	-rw-r--r-- etc/imgsec/imgsec.conf
	-rw-r--r-- lib/systemd/system/imgsec.service
	-rwxr-xr-x usr/sbin/imgsecctl
	-rw-r--r-- usr/share/bash-completion/completions/imgsecctl
	-rw-r--r-- usr/share/imgsec/imgsec.conf
	-rw-r--r-- usr/share/man/man5/imgsec.conf.5.gz
	-rw-r--r-- usr/share/man/man8/imgsecctl.8.gz
	EOF
}
files() { (cd "$D" && find . ! -type d -printf '%M %P\n' | sort -k2); }

# 1. install
if ! out=$(make -s install DESTDIR="$D" 2>&1); then
	echo "$out"
	ko "make install DESTDIR=$D"
	echo "$pass passed, $fail failed"
	exit 1
fi
ok "make install DESTDIR=..."
if diff -u <(expected) <(files); then
	ok "install lays out exactly the listed files, with their modes"
else
	ko "install file list (diff above: - expected, + installed)"
fi
check "installed policy is the shipped default" \
	cmp -s etc/imgsec.conf "$D/etc/imgsec/imgsec.conf"
check "installed imgsecctl runs (--version)" \
	"$D/usr/sbin/imgsecctl" --version
check "installed imgsecctl accepts the installed policy" \
	"$D/usr/sbin/imgsecctl" check "$D/etc/imgsec/imgsec.conf"

# 2. the systemd unit: verify resolves ExecStart= paths inside --root, and
# runs man(1) for each Documentation=man: (so MANPATH proves the pages).
mkdir -p "$D/sbin"
cp /sbin/modprobe "$D/sbin/modprobe"	# scaffolding, not installed
if out=$(cd / && MANPATH="$D/usr/share/man" systemd-analyze verify \
	--root="$D" imgsec.service 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify imgsec.service (with its man pages)"
else
	echo "$out"
	ko "systemd-analyze verify imgsec.service"
fi
rm -rf "$D/sbin"
check "unit runs the installed imgsecctl" \
	grep -qx 'ExecStart=/usr/sbin/imgsecctl set-policy /etc/imgsec/imgsec.conf' \
	"$D/lib/systemd/system/imgsec.service"
check "unit fails visibly without the policy file (AssertPathExists)" \
	bash -c "grep -qx 'AssertPathExists=/etc/imgsec/imgsec.conf' '$D/lib/systemd/system/imgsec.service' &&
		! grep -q '^Condition' '$D/lib/systemd/system/imgsec.service'"
check "unit has no ExecStop (stop never opens the firewall)" \
	bash -c "! grep -q '^ExecStop' '$D/lib/systemd/system/imgsec.service'"

# 3. man pages: groff with every warning, and man -l as a user runs it.
for page in man5/imgsec.conf.5.gz man8/imgsecctl.8.gz; do
	f=$D/usr/share/man/$page
	if err=$(zcat "$f" | groff -man -ww -Tutf8 2>&1 >/dev/null) &&
		[ -z "$err" ]; then
		ok "groff -man -ww renders $page without a warning"
	else
		echo "$err"
		ko "groff -man -ww $page"
	fi
	if err=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null) &&
		[ -z "$err" ]; then
		ok "man --warnings -l $page is silent"
	else
		echo "$err"
		ko "man --warnings -l $page"
	fi
done

# 4. bash completion: loads, and offers exactly imgsecctl's commands.
comp=$D/usr/share/bash-completion/completions/imgsecctl
# shellcheck disable=SC2016
got=$(bash --norc --noprofile -c '
	source "$1" || exit 1
	fn=$(complete -p imgsecctl | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
	[ -n "$fn" ] || exit 1
	COMP_WORDS=(imgsecctl ""); COMP_CWORD=1
	"$fn" imgsecctl "" imgsecctl
	printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$comp")
want=$("$D/usr/sbin/imgsecctl" --help 2>&1 |
	sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p' | sort)
if [ -n "$got" ] && [ "$got" = "$want" ]; then
	ok "completion loads and offers the $(echo "$got" | wc -l) commands of imgsecctl --help"
else
	diff <(echo "$want") <(echo "$got")
	ko "completion of the command word (- imgsecctl --help, + completion)"
fi
# shellcheck disable=SC2016
got=$(bash --norc --noprofile -c '
	source "$1"
	COMP_WORDS=(imgsecctl se); COMP_CWORD=1
	_imgsecctl imgsecctl se imgsecctl
	echo "${COMPREPLY[*]}"' _ "$comp")
check "completion of 'imgsecctl se' is 'set-policy'" [ "$got" = "set-policy" ]
# shellcheck disable=SC2016
got=$(bash --norc --noprofile -c '
	source "$1"
	COMP_WORDS=(imgsecctl --j); COMP_CWORD=1
	_imgsecctl imgsecctl --j imgsecctl
	echo "${COMPREPLY[*]}"' _ "$comp")
check "completion of 'imgsecctl --j' is '--json'" [ "$got" = "--json" ]
mkdir -p "$D/tmp/a dir"
: >"$D/tmp/a dir/my policy.conf"
# shellcheck disable=SC2016
got=$(cd "$D/tmp/a dir" && bash --norc --noprofile -c '
	source "$1"
	COMP_WORDS=(imgsecctl check my); COMP_CWORD=2
	_imgsecctl imgsecctl my check
	printf "%s|" "${COMPREPLY[@]}"' _ "$comp")
rm -rf "$D/tmp"
check "completion keeps a file name with a blank whole ('$got')" \
	[ "$got" = "my policy.conf|" ]
# shellcheck disable=SC2016
check "imgsecctl --help >/dev/full fails (a write error is an error)" \
	bash -c '! "$1" --help >/dev/full 2>/dev/null' _ "$D/usr/sbin/imgsecctl"

# 5. reinstall keeps an edited policy.
echo "# edited by the operator" >>"$D/etc/imgsec/imgsec.conf"
cp "$D/etc/imgsec/imgsec.conf" "$D/edited"
if out=$(make -s install DESTDIR="$D" 2>&1) &&
	cmp -s "$D/edited" "$D/etc/imgsec/imgsec.conf"; then
	ok "reinstall keeps the edited /etc/imgsec/imgsec.conf"
else
	echo "$out"
	ko "reinstall overwrote the edited policy"
fi
check "reinstall says where the new default is" \
	grep -q "kept .*imgsec.conf; the shipped default is /usr/share/imgsec/imgsec.conf" \
	<<<"$out"

# 6. uninstall removes everything install added but the edited policy,
# and the operator's "systemctl enable" (no dangling link is left).
rm -f "$D/edited"
systemctl --root="$D" enable imgsec.service >/dev/null 2>&1
check "systemctl --root enable links the unit into sysinit.target" \
	[ -L "$D/etc/systemd/system/sysinit.target.wants/imgsec.service" ]
if out=$(make -s uninstall DESTDIR="$D" 2>&1); then
	ok "make uninstall DESTDIR=..."
else
	echo "$out"
	ko "make uninstall DESTDIR=..."
fi
left=$(cd "$D" && find . ! -type d -printf '%P\n')
check "uninstall leaves only the edited policy" \
	[ "$left" = "etc/imgsec/imgsec.conf" ]

# 7. an unedited policy goes with uninstall, and nothing at all is left.
rm -f "$D/etc/imgsec/imgsec.conf"
make -s install DESTDIR="$D" >/dev/null 2>&1
make -s uninstall DESTDIR="$D" >/dev/null 2>&1
left=$(cd "$D" && find . ! -type d -printf '%P\n')
check "install then uninstall leaves no file (unedited policy removed)" \
	[ -z "$left" ]

# 8. PREFIX is honoured.
make -s install DESTDIR="$D" PREFIX=/usr/local >/dev/null 2>&1
check "PREFIX=/usr/local: imgsecctl in /usr/local/sbin" \
	[ -x "$D/usr/local/sbin/imgsecctl" ]
check "PREFIX=/usr/local: the unit runs /usr/local/sbin/imgsecctl" \
	grep -q '^ExecStart=/usr/local/sbin/imgsecctl ' \
	"$D/lib/systemd/system/imgsec.service"
make -s uninstall DESTDIR="$D" PREFIX=/usr/local >/dev/null 2>&1

# 9. the man pages name the paths of the install (SYSCONFDIR, DATADIR).
make -s install DESTDIR="$D" PREFIX=/usr/local SYSCONFDIR=/usr/local/etc \
	>/dev/null 2>&1
check "SYSCONFDIR=/usr/local/etc: imgsecctl(8) names /usr/local/etc/imgsec/imgsec.conf" \
	bash -c "zcat '$D/usr/local/share/man/man8/imgsecctl.8.gz' |
		grep -q '^imgsecctl check /usr/local/etc/imgsec/imgsec.conf'"
check "SYSCONFDIR=/usr/local/etc: imgsec.conf(5) names no /etc/imgsec" \
	bash -c "! zcat '$D/usr/local/share/man/man5/imgsec.conf.5.gz' |
		grep -q '[^l]/etc/imgsec/'"
make -s uninstall DESTDIR="$D" PREFIX=/usr/local SYSCONFDIR=/usr/local/etc \
	>/dev/null 2>&1
left=$(cd "$D" && find . ! -type d -printf '%P\n')
check "PREFIX=/usr/local: uninstall leaves no file" [ -z "$left" ]

summary
