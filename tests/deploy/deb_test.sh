#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, on the host, in a minute or two (the `deb` suite of
# make check): `make deb` builds imgsec-dkms and imgsecctl from HEAD in
# build/deb and writes nothing into the tree or next to it; lintian finds no
# error and no warning in the .dsc and the .debs; the versions agree
# (debian/changelog, dkms.conf); each package holds exactly what it should,
# as committed (the module's sources for DKMS; the tool, man pages,
# completion, policy as a conffile, unit); the unit is neither enabled nor
# started by the maintainer scripts. And `make dist`: tracked files only,
# as committed, byte for byte reproducible.
#
# Installing the packages (DKMS build, upgrade, purge, the module in the
# VM) is tests/deploy/deb_chroot_test.sh, `make check-deb`.
# Prints PASS/FAIL lines, then "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export LC_ALL=C.UTF-8
DEB=$top/build/deb
tmp=$(mktemp -d /tmp/imgsec-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

. "$top/tests/deploy/lib.sh"

for tool in dpkg-buildpackage dh dh_dkms lintian; do
	command -v "$tool" >/dev/null ||
		{ ko "$tool is not installed (tests/deps.sh)"; finish; }
done

# 1. One version: dkms.conf's PACKAGE_VERSION, debian/changelog's (HEAD).
V=$(git show HEAD:dkms.conf | sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p')
git show HEAD:debian/changelog >"$tmp/changelog"
CV=$(dpkg-parsechangelog -l "$tmp/changelog" -S Version)
check "debian/changelog's version ($CV) is dkms.conf's PACKAGE_VERSION ($V)" \
	test -n "$V" -a "$CV" = "$V"
ARCH=$(dpkg --print-architecture)

# 2. make deb, from HEAD, into build/deb; nothing in the tree or beside it.
parent=$(dirname "$top")
strays() { # what a build could leave in the tree's debian/ or next to it
	git status --porcelain --ignored --untracked-files=all -- debian
	find "$parent" -maxdepth 1 -newer "$tmp/changelog" \
		\( -name '*.deb' -o -name '*.dsc' -o -name '*.changes' \
		-o -name '*.buildinfo' -o -name 'imgsec_*' \) -print
}
strays >"$tmp/strays.before"
start=$(date +%s)
if make -s deb >"$tmp/build.log" 2>&1; then
	ok "make deb ($(($(date +%s) - start)) s)"
else
	tail -n 40 "$tmp/build.log"
	ko "make deb (log above)"
	finish
fi
DSC=$DEB/imgsec_$V.dsc
DKMS_DEB=$DEB/imgsec-dkms_${V}_all.deb
CTL_DEB=$DEB/imgsecctl_${V}_$ARCH.deb
for f in "$DSC" "$DEB/imgsec_$V.tar.xz" "$DKMS_DEB" "$CTL_DEB"; do
	check "built ${f#"$top"/}" [ -f "$f" ]
done
strays >"$tmp/strays.after"
if diff "$tmp/strays.before" "$tmp/strays.after" >"$tmp/strays.diff"; then
	ok "make deb leaves nothing in debian/ or in $parent"
else
	cat "$tmp/strays.diff"
	ko "make deb left files behind (above)"
fi
if [ ! -f "$DKMS_DEB" ] || [ ! -f "$CTL_DEB" ] || [ ! -f "$DSC" ]; then
	finish
fi

# 3. lintian: nothing above informational. Overrides, each with its reason,
# live in debian/*lintian-overrides; I: and overridden (O:) tags are shown.
lintian --display-info --show-overrides --fail-on error,warning \
	"$DSC" "$DEB"/*.deb >"$tmp/lintian" 2>&1
rc=$?
grep -v 'running with root privileges is not recommended' "$tmp/lintian" |
	sed 's/^/    lintian| /'
if [ "$rc" -eq 0 ] && ! grep -q '^[EW]: ' "$tmp/lintian"; then
	ok "lintian: no error, no warning on the .dsc and $(find "$DEB" -maxdepth 1 -name '*.deb' | wc -l) .debs ($(grep -c '^I: ' "$tmp/lintian") info tags)"
else
	ko "lintian (exit $rc; tags above)"
fi

# 4. The source package: 3.0 (native), HEAD's tracked files exactly (but
# .gitignore, which dpkg-source leaves out of every source package).
check ".dsc: Format 3.0 (native)" grep -qx 'Format: 3.0 (native)' "$DSC"
git ls-tree -r --name-only HEAD | sort >"$tmp/head.files"
grep -vx '.gitignore' "$tmp/head.files" >"$tmp/head.src.files"
tar -tJf "$DEB/imgsec_$V.tar.xz" | sed -n "s|^imgsec-$V/||p" |
	grep -v '/$' | grep -v '^$' | sort >"$tmp/src.files"
if diff -u "$tmp/head.src.files" "$tmp/src.files" >"$tmp/d"; then
	ok "source tarball: HEAD's $(wc -l <"$tmp/src.files") tracked files, nothing else"
else
	head -n 20 "$tmp/d"
	ko "source tarball differs from HEAD's files (- HEAD, + tarball)"
fi

field() { dpkg-deb -f "$1" "$2"; }
ls_deb() { # "mode owner path" of the files (not directories) in a .deb
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $1, $2, $6 }'
}

# 5. imgsec-dkms: the module's sources as committed, and DKMS's scripts.
check "imgsec-dkms: version $V, Architecture all" \
	[ "$(field "$DKMS_DEB" Version)/$(field "$DKMS_DEB" Architecture)" = "$V/all" ]
check "imgsec-dkms depends on dkms (>= 3.0.3-4~, for BUILD_EXCLUSIVE_CONFIG)" \
	grep -q 'dkms (>= 3.0.3-4~)' <<<"$(field "$DKMS_DEB" Depends)"
# What DKMS needs, as the Makefile's DKMS_FILES and tests/deploy/dkms_test.sh
# say: dkms.conf, the Makefile, the Kbuild files, the uapi header and the
# module's sources but its KUnit tests.
grep -E '^(dkms\.conf|Makefile|Kbuild|include/uapi/linux/imgsec\.h|module/Kbuild|module/[a-z_]+\.[ch])$' \
	"$tmp/head.files" | grep -v '_test\.c$' |
	sed "s|^|-rw-r--r-- root/root usr/src/imgsec-$V/|" >"$tmp/want"
printf '%s\n' "-rw-r--r-- root/root usr/share/doc/imgsec-dkms/changelog.gz" \
	"-rw-r--r-- root/root usr/share/doc/imgsec-dkms/copyright" >>"$tmp/want"
if diff -u <(sort -k3 "$tmp/want") <(ls_deb "$DKMS_DEB" | sort -k3) >"$tmp/d"; then
	ok "imgsec-dkms holds exactly /usr/src/imgsec-$V (the module's sources) and its docs, root-owned"
else
	cat "$tmp/d"
	ko "imgsec-dkms file list (- expected, + in the .deb)"
fi
rm -rf "$tmp/dkms"
dpkg-deb -x "$DKMS_DEB" "$tmp/dkms"
same=0 differ=0
while read -r f; do
	if git show "HEAD:$f" | cmp -s - "$tmp/dkms/usr/src/imgsec-$V/$f"; then
		same=$((same + 1))
	else
		echo "    differs from HEAD: $f"
		differ=$((differ + 1))
	fi
done < <(sed -n "s|.* usr/src/imgsec-$V/||p" "$tmp/want")
check "imgsec-dkms: its $same sources are HEAD's, byte for byte" [ "$differ" = 0 ]
dpkg-deb -e "$DKMS_DEB" "$tmp/dkms.ctl"
check "imgsec-dkms postinst: DKMS adds, builds and installs imgsec $V" \
	grep -q "^DKMS_VERSION=$V$" "$tmp/dkms.ctl/postinst"
check "imgsec-dkms prerm: dkms remove of imgsec $V on remove and upgrade" \
	grep -qF 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$tmp/dkms.ctl/prerm"
check "imgsec-dkms: dkms.conf asks for AUTOINSTALL (rebuilt on kernel upgrades)" \
	grep -qx 'AUTOINSTALL="yes"' "$tmp/dkms/usr/src/imgsec-$V/dkms.conf"

# 6. imgsecctl: what make install lays out, the policy a conffile.
check "imgsecctl: version $V, Architecture $ARCH" \
	[ "$(field "$CTL_DEB" Version)/$(field "$CTL_DEB" Architecture)" = "$V/$ARCH" ]
check "imgsecctl depends on libmnl0 (shlibs)" \
	grep -q 'libmnl0' <<<"$(field "$CTL_DEB" Depends)"
cat >"$tmp/want" <<-'EOF'
	-rw-r--r-- root/root etc/imgsec/imgsec.conf
	-rw-r--r-- root/root lib/systemd/system/imgsec.service
	-rwxr-xr-x root/root usr/sbin/imgsecctl
	-rw-r--r-- root/root usr/share/bash-completion/completions/imgsecctl
	-rw-r--r-- root/root usr/share/doc/imgsecctl/README.md.gz
	-rw-r--r-- root/root usr/share/doc/imgsecctl/changelog.gz
	-rw-r--r-- root/root usr/share/doc/imgsecctl/copyright
	-rw-r--r-- root/root usr/share/imgsec/imgsec.conf
	-rw-r--r-- root/root usr/share/lintian/overrides/imgsecctl
	-rw-r--r-- root/root usr/share/man/man5/imgsec.conf.5.gz
	-rw-r--r-- root/root usr/share/man/man8/imgsecctl.8.gz
EOF
if diff -u "$tmp/want" <(ls_deb "$CTL_DEB" | sort -k3) >"$tmp/d"; then
	ok "imgsecctl holds exactly the files of make install, and its docs, root-owned"
else
	cat "$tmp/d"
	ko "imgsecctl file list (- expected, + in the .deb)"
fi
rm -rf "$tmp/ctl"
dpkg-deb -x "$CTL_DEB" "$tmp/ctl"
dpkg-deb -e "$CTL_DEB" "$tmp/ctl.ctl"
check "imgsecctl: /etc/imgsec/imgsec.conf is its one conffile" \
	[ "$(cat "$tmp/ctl.ctl/conffiles" 2>/dev/null)" = /etc/imgsec/imgsec.conf ]
check "imgsecctl: the policy in /etc and /usr/share/imgsec is HEAD's etc/imgsec.conf" \
	bash -c "git show HEAD:etc/imgsec.conf >'$tmp/conf' &&
		cmp -s '$tmp/conf' '$tmp/ctl/etc/imgsec/imgsec.conf' &&
		cmp -s '$tmp/conf' '$tmp/ctl/usr/share/imgsec/imgsec.conf'"
check "imgsecctl: the unit is HEAD's packaging/imgsec.service" \
	bash -c "git show HEAD:packaging/imgsec.service |
		cmp -s - '$tmp/ctl/lib/systemd/system/imgsec.service'"
got=$("$tmp/ctl/usr/sbin/imgsecctl" --version 2>&1)
check "the packaged imgsecctl --version says $V ('$got')" \
	grep -qw -- "$V" <<<"$got"
check "the packaged imgsecctl accepts the packaged policy" \
	"$tmp/ctl/usr/sbin/imgsecctl" check "$tmp/ctl/etc/imgsec/imgsec.conf"
check "the packaged imgsecctl is hardened (BIND_NOW, read-only relocations)" \
	bash -c "readelf -d '$tmp/ctl/usr/sbin/imgsecctl' | grep -q 'FLAGS.*BIND_NOW' &&
		readelf -l '$tmp/ctl/usr/sbin/imgsecctl' | grep -q GNU_RELRO"
# dh_installsystemd --no-enable --no-start: the postinst only re-creates the
# links of a unit the operator had enabled, and nothing starts, restarts or
# stops it.
check "imgsecctl: no maintainer script starts, restarts or stops the unit" \
	bash -c "! cat '$tmp/ctl.ctl'/*inst '$tmp/ctl.ctl'/*rm 2>/dev/null |
		grep -E 'deb-systemd-invoke|systemctl.* (start|restart|stop)'"
check "imgsecctl postinst enables the unit only if it was enabled before" \
	awk '/deb-systemd-helper enable/ && prev !~ /was-enabled/ { bad = 1 }
		NF && $1 !~ /^#/ { prev = $0 } END { exit bad }' "$tmp/ctl.ctl/postinst"

# 7. make dist: git archive of HEAD. A new file git does not ignore is not
# in it, nor an uncommitted change; two runs give the same bytes.
probe=debian/.dist-probe.$$
echo "not committed" >"$probe"
if make -s dist >"$tmp/dist.log" 2>&1 && [ -f "imgsec-$V.tar.gz" ]; then
	ok "make dist: $(head -n 1 "$tmp/dist.log")"
	tar -tzf "imgsec-$V.tar.gz" | sed -n "s|^imgsec-$V/||p" |
		grep -v '/$' | grep -v '^$' | sort >"$tmp/dist.files"
	if diff -u "$tmp/head.files" "$tmp/dist.files" >"$tmp/d"; then
		ok "make dist: HEAD's tracked files exactly (an untracked file is not in it)"
	else
		head -n 20 "$tmp/d"
		ko "make dist: files differ from HEAD's (- HEAD, + tarball)"
	fi
	check "make dist: each file as committed (git archive's commit id in the tarball)" \
		[ "$(gzip -dc "imgsec-$V.tar.gz" | git get-tar-commit-id)" = "$(git rev-parse HEAD)" ]
	sum1=$(sha256sum <"imgsec-$V.tar.gz")
	sleep 1
	make -s dist >/dev/null 2>&1
	check "make dist is reproducible (same sha256 twice)" \
		[ "$sum1" = "$(sha256sum <"imgsec-$V.tar.gz")" ]
	rm -f "imgsec-$V.tar.gz"
else
	cat "$tmp/dist.log"
	ko "make dist"
fi
rm -f "$probe"
finish
