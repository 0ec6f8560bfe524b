// sources: module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer differential target for the classifier's address tables.
 *
 * The input is a policy and packets: byte 0 picks how slots are scaled
 * (the real reciprocal_scale, or every key to the last slot, slot 0 or the
 * middle: worst clustering and wrap-around); then records of 3 bytes, a
 * prefix each (role 0..63 and family; length; address seed spread over a
 * small universe so that prefixes nest and repeat), up to a 0xff byte;
 * then packets of 2 bytes. Every packet's whole role mask, found by the
 * tables, must equal a naive scan of the policy; a policy the validator
 * refuses (a duplicate) is skipped.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude/uapi \
 *		-Imodule tests/fuzz/fuzz_classify.c module/policy_desc.c \
 *		-o fuzz_classify
 */
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portable.h"
#include "../unit/naive_roles.h"

static int hook_mode;

static u32 hook_scale(u32 val, u32 n)
{
	switch (hook_mode) {
	case 1:
		return n - 1;
	case 2:
		return 0;
	case 3:
		return n / 2;
	default:
		return (u32)(((u64)val * n) >> 32);
	}
}

#define reciprocal_scale(val, n) hook_scale(val, n)
#include "../../module/classify.c"
#undef reciprocal_scale

#define MAX_PFX 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seed @s into 10.0.x.y or 2001:db8::x:y, with bits in odd places. */
static void spread(u8 *a, int family, u32 s)
{
	memset(a, 0, 16);
	a[0] = family == 4 ? 10 : 0x20;
	if (family == 6) {
		a[1] = 0x01;
		a[3] = s & 0x80 ? 0xb8 : 0;
		a[8] = s & 0x40 ? 0x80 : 0;
	}
	a[family == 4 ? 2 : 14] = s >> 8 & 0x0f;
	a[family == 4 ? 3 : 15] = s & 0x3f;
	a[1 + (s >> 12) % 3] |= s & 0x100 ? 0x10 : 0;
}

static void roles_alloc(struct imgsec_policy_desc *p, struct imgsec_prefix *pool)
{
	u32 r;

	p->nroles = IMGSEC_MAX_ROLES;
	for (r = 0; r < p->nroles; r++) {
		snprintf(p->roles[r].name, IMGSEC_NAME_LEN, "r%u", r);
		p->roles[r].prefixes = pool + r * MAX_PFX;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imgsec_prefix pool[IMGSEC_MAX_ROLES * MAX_PFX];
	static struct imgsec_policy_desc p;
	struct imgsec_policy_error err;
	struct imgsec_classifier *c;
	struct imgsec_prefix *pfx;
	size_t pos = 1, total = 0;
	u64 want, got;
	u32 r, i;
	int family;
	u8 a[16];

	if (size < 1)
		return 0;
	memset(&p, 0, sizeof(p));
	roles_alloc(&p, pool);
	hook_mode = data[0] % 4;
	for (; pos + 3 <= size && data[pos] != 0xff && total < MAX_PFX;
	     pos += 3, total++) {
		r = data[pos] & 63;
		family = data[pos] & 64 ? 6 : 4;
		pfx = &p.roles[r].prefixes[p.roles[r].nprefixes++];
		memset(pfx, 0, sizeof(*pfx));
		pfx->family = family == 4 ? AF_INET : AF_INET6;
		pfx->plen = data[pos + 1] % (family == 4 ? 33 : 129);
		spread(pfx->addr, family, data[pos + 2] |
		       (data[pos] & 0x80) << 1 | (data[pos + 1] & 0xc0) << 3);
		for (i = pfx->plen; i < 128; i++)
			pfx->addr[i / 8] &= ~(0x80 >> (i % 8));
	}
	if (imgsec_policy_validate(&p, &err))
		return 0;
	if (imgsec_classifier_build(&p, &c))
		abort();
	for (pos++; pos + 2 <= size; pos += 2) {
		family = data[pos] & 1 ? 6 : 4;
		spread(a, family, data[pos + 1] | (data[pos] & 0xfe) << 7);
		want = naive_roles(&p, family, a);
		got = addr_roles(&c->addrs[family == 6], a, family == 6);
		if (got != want) {
			fprintf(stderr, "mode %d: got %llx want %llx\n",
				hook_mode, (unsigned long long)got,
				(unsigned long long)want);
			abort();
		}
	}
	imgsec_classifier_free(c);
	return 0;
}
