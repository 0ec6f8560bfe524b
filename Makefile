# SPDX-License-Identifier: GPL-2.0
#
# imgsec: `make` builds module/imgsec.ko and userspace/imgsecctl.
# `make check` runs every test suite; `make demo` shows the main job in a VM.

KVER ?= 6.1.0-56-amd64
KDIR ?= /lib/modules/$(KVER)/build
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

CC ?= gcc
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Werror -Iinclude/uapi -Imodule \
	-DIMGSEC_VERSION=\"$(VERSION)\"
BUILD := build

# Pure code shared with the kernel module.
SHARED_SRCS := module/rpc.c module/policy_desc.c module/classify.c
CTL_SRCS := $(wildcard userspace/*.c)
CTL_LIBS := $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)

.PHONY: all module userspace tools clean check check-debug lint unit fuzz kunit e2e demo bench deps

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace: userspace/imgsecctl

userspace/imgsecctl: $(CTL_SRCS) $(wildcard $(SHARED_SRCS)) $(wildcard userspace/*.h module/*.h) include/uapi/linux/imgsec.h
	$(CC) $(USER_CFLAGS) -o $@ $(CTL_SRCS) $(wildcard module/policy_desc.c module/classify.c) $(CTL_LIBS)

# Test tools that run in the VM: static, so they need no libraries there.
TOOLS := $(patsubst %.c,%,$(wildcard tests/tools/*.c))

tools: $(TOOLS)

tests/tools/%: tests/tools/%.c $(wildcard tests/tools/*.h) include/uapi/linux/imgsec.h
	$(CC) -static -O2 -Wall -Wextra -Werror -Iinclude/uapi -o $@ $<

# imgsecctl's parser and encoder, and libmnl (which the VM has for it).
POLICY_SWAP_SRCS := userspace/genl.c userspace/policy_file.c \
	userspace/policy_print.c userspace/policy_nl.c module/policy_desc.c
tests/tools/policy_swap: tests/tools/policy_swap.c $(POLICY_SWAP_SRCS) \
		$(wildcard userspace/*.h module/*.h) include/uapi/linux/imgsec.h
	$(CC) $(USER_CFLAGS) -o $@ $< $(POLICY_SWAP_SRCS) $(CTL_LIBS)

deps:
	tests/deps.sh

lint:
	tests/lint.sh

unit:
	tests/unit/run.sh

fuzz:
	tests/fuzz/run.sh $(or $(FUZZ_SECONDS),600)

kunit:
	tests/kunit/run.sh

e2e: all tools
	tests/vm/run.sh tests/e2e/*_test.sh

bench: all tools
	tests/bench/run.sh

check:
	tests/check.sh

# Every e2e script and the hardening suites on a debug kernel (KASAN,
# kmemleak, lockdep...), built once and cached: tests/debug/run.sh.
check-debug: all tools
	tests/debug/run.sh

demo:
	tests/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD) userspace/imgsecctl $(TOOLS)

# ---- Install, DKMS, release tarball --------------------------------------
# `make install` puts imgsecctl, its man pages, the bash completion, the
# default policy and the systemd unit in place (DESTDIR and PREFIX are
# honoured); the module itself goes through DKMS: `make dkms-install`.
# README.md ("Installing on a GCEMS host") says how an operator uses them.
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/imgsec
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# Debian's place for units that packages ship (merged /usr: the same
# directory as /usr/lib/systemd/system); systemd reads both.
UNITDIR ?= /lib/systemd/system
SYSCONFDIR ?= /etc
CONF := $(DESTDIR)$(SYSCONFDIR)/imgsec/imgsec.conf
# The module is built by DKMS for DKMS_KVER (default: the running kernel).
DKMS_KVER ?= $(shell uname -r)
DKMS_SRC := /usr/src/imgsec-$(VERSION)
DKMS_FILES := dkms.conf Makefile Kbuild include/uapi/linux/imgsec.h \
	module/Kbuild $(wildcard module/*.h) \
	$(filter-out %_test.c %.mod.c,$(wildcard module/*.c))
DIST := imgsec-$(VERSION)

.PHONY: install uninstall dkms-install dkms-uninstall dist

# The installed paths in the unit and the man pages, as this install has them.
INSTALL_PATHS := s|/usr/sbin/imgsecctl|$(SBINDIR)/imgsecctl|g; \
	s|/usr/share/imgsec/|$(DATADIR)/|g; s|/etc/imgsec/|$(SYSCONFDIR)/imgsec/|g

install: userspace
	install -D -m 0755 userspace/imgsecctl $(DESTDIR)$(SBINDIR)/imgsecctl
	mkdir -p $(BUILD)
	for page in imgsec.conf.5 imgsecctl.8; do \
		sed '$(INSTALL_PATHS)' doc/$$page | gzip -9n >$(BUILD)/$$page.gz && \
		install -D -m 0644 $(BUILD)/$$page.gz \
			$(DESTDIR)$(MANDIR)/man$${page##*.}/$$page.gz || exit 1; \
	done
	install -D -m 0644 userspace/imgsecctl.bash-completion \
		$(DESTDIR)$(COMPLETIONDIR)/imgsecctl
	install -D -m 0644 etc/imgsec.conf $(DESTDIR)$(DATADIR)/imgsec.conf
	sed '$(INSTALL_PATHS)' packaging/imgsec.service >$(BUILD)/imgsec.service
	install -D -m 0644 $(BUILD)/imgsec.service $(DESTDIR)$(UNITDIR)/imgsec.service
	@# The operator's policy is never overwritten.
	@if [ -e $(CONF) ]; then \
		echo "kept $(CONF); the shipped default is $(DATADIR)/imgsec.conf"; \
	else \
		echo "install -D -m 0644 etc/imgsec.conf $(CONF)"; \
		install -D -m 0644 etc/imgsec.conf $(CONF); \
	fi
	@echo "imgsec.service is installed, not enabled: edit the roles in" \
		"$(SYSCONFDIR)/imgsec/imgsec.conf first (README.md, Installing on a GCEMS host)."

# Removes what install added. The policy in /etc goes only if it is still
# the shipped default: an edited one is the operator's, and is kept.
uninstall:
	@if [ -e $(DESTDIR)$(UNITDIR)/imgsec.service ] && command -v systemctl >/dev/null; then \
		echo "systemctl --root=$(or $(DESTDIR),/) disable imgsec.service"; \
		systemctl --root=$(or $(DESTDIR),/) disable imgsec.service 2>/dev/null || true; \
	fi
	@if [ -e $(CONF) ] && ! cmp -s $(CONF) $(DESTDIR)$(DATADIR)/imgsec.conf; then \
		echo "kept $(CONF): it differs from the shipped default"; \
	else \
		echo "rm -f $(CONF)"; rm -f $(CONF); \
		rmdir $(DESTDIR)$(SYSCONFDIR)/imgsec 2>/dev/null || true; \
	fi
	rm -f $(DESTDIR)$(SBINDIR)/imgsecctl \
		$(DESTDIR)$(MANDIR)/man5/imgsec.conf.5.gz \
		$(DESTDIR)$(MANDIR)/man8/imgsecctl.8.gz \
		$(DESTDIR)$(COMPLETIONDIR)/imgsecctl \
		$(DESTDIR)$(DATADIR)/imgsec.conf \
		$(DESTDIR)$(UNITDIR)/imgsec.service
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

# Copies the module's sources to /usr/src/imgsec-VERSION and has DKMS build
# and install it for DKMS_KVER; DKMS rebuilds it on each kernel upgrade.
# Any other version of imgsec known to DKMS is removed first (an upgrade).
dkms-install:
	@command -v dkms >/dev/null || { echo "dkms is not installed (apt-get install dkms)"; exit 1; }
	@for v in $$(dkms status -m imgsec 2>/dev/null | sed -n 's|^imgsec/\([^,:]*\)[,:].*|\1|p' | sort -u); do \
		echo "dkms remove imgsec/$$v --all"; dkms remove imgsec/$$v --all >/dev/null || exit 1; \
		[ "$$v" = "$(VERSION)" ] || rm -rf /usr/src/imgsec-$$v; \
	done
	rm -rf $(DKMS_SRC)
	for f in $(DKMS_FILES); do install -D -m 0644 $$f $(DKMS_SRC)/$$f || exit 1; done
	dkms add imgsec/$(VERSION)
	dkms build imgsec/$(VERSION) -k $(DKMS_KVER)
	dkms install imgsec/$(VERSION) -k $(DKMS_KVER)

dkms-uninstall:
	-dkms remove imgsec/$(VERSION) --all
	rm -rf $(DKMS_SRC)

# imgsec-VERSION.tar.gz of the last commit (HEAD), by `git archive`: tracked
# files only, as committed, reproducible (owner root, the commit's date).
# Uncommitted changes are not in it, and it says so. `dkms add
# ./imgsec-VERSION` takes it unpacked.
GIT_HEAD_ARCHIVE = git archive --format=tar --prefix=$(DIST)/ HEAD
GIT_DIRTY_NOTE = @git diff --quiet HEAD -- 2>/dev/null || \
	echo "note: uncommitted changes are not in it: it is HEAD, $$(git rev-parse --short HEAD)"

dist:
	@git rev-parse --git-dir >/dev/null 2>&1 || { echo "make dist needs a git checkout"; exit 1; }
	$(GIT_HEAD_ARCHIVE) | gzip -n -9 >$(DIST).tar.gz
	@echo "$(DIST).tar.gz: $$(tar -tzf $(DIST).tar.gz | grep -vc '/$$') files"
	$(GIT_DIRTY_NOTE)

# ---- Debian packages ------------------------------------------------------
# `make deb`: imgsec-dkms and imgsecctl (debian/), built by dpkg-buildpackage
# from `git archive` of HEAD unpacked in build/deb/imgsec-VERSION, so that
# nothing is written to the tree or next to it; the .debs, .dsc and source
# tarball land in build/deb. `make check-deb` installs them in a clean
# bookworm chroot (network, several minutes: tests/deploy/deb_chroot_test.sh).
DEB_DIR := $(BUILD)/deb

.PHONY: deb check-deb

deb:
	@git rev-parse --git-dir >/dev/null 2>&1 || { echo "make deb needs a git checkout"; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)
	$(GIT_HEAD_ARCHIVE) | tar -C $(DEB_DIR) -x
	cd $(DEB_DIR)/$(DIST) && dpkg-buildpackage -us -uc
	@cd $(DEB_DIR) && ls *.deb *.dsc
	$(GIT_DIRTY_NOTE)

check-deb:
	tests/deploy/deb_chroot_test.sh

# Every e2e script on 6.12 (bookworm-backports): make check runs the
# ten on the kernel interfaces that moved since 6.1 (tests/check.sh);
# all twenty would take it past its hour. deps.sh fetches its headers and
# image (KVER_EXTRA); about 31 minutes under TCG.
KVER_6_12 ?= 6.12.117+deb12-amd64
.PHONY: check-6.12
check-6.12: all tools
	tests/deps.sh
	tests/vm/run.sh --kernel $(KVER_6_12) tests/e2e/*_test.sh

# The e2e suite on Debian bullseye's 5.10: its own target, as it needs
# Debian's mirror (kernels.sh adds a pinned bullseye source for the
# headers, deps.sh unpacks the image) and some 12 minutes under TCG.
KVER_5_10 ?= 5.10.0-32-amd64
.PHONY: check-5.10
check-5.10: all tools
	tests/deploy/kernels.sh $(KVER_5_10)
	KVER_EXTRA=$(KVER_5_10) tests/deps.sh
	tests/vm/run.sh --kernel $(KVER_5_10) tests/e2e/*_test.sh
