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

.PHONY: all module userspace clean check lint unit fuzz kunit e2e demo bench deps

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace: userspace/imgsecctl

userspace/imgsecctl: $(CTL_SRCS) $(wildcard $(SHARED_SRCS)) $(wildcard userspace/*.h module/*.h) include/uapi/linux/imgsec.h
	$(CC) $(USER_CFLAGS) -o $@ $(CTL_SRCS) $(wildcard module/policy_desc.c) $(CTL_LIBS)

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

e2e: all
	tests/vm/run.sh tests/e2e/*_test.sh

bench: all
	tests/bench/run.sh

check:
	tests/check.sh

demo:
	tests/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD) userspace/imgsecctl
