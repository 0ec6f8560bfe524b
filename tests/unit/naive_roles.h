/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The roles of an address by the policy's definition, a scan of every
 * prefix: the oracle the classifier's tables are checked against
 * (tests/unit/test_classify*.c, tests/fuzz/fuzz_classify.c).
 */
#ifndef IMGSEC_TEST_NAIVE_ROLES_H
#define IMGSEC_TEST_NAIVE_ROLES_H

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_desc.h"

static inline bool prefix_contains(const struct imgsec_prefix *pfx,
				   int family, const u8 *addr)
{
	unsigned int full = pfx->plen / 8, rest = pfx->plen % 8;

	if ((pfx->family == AF_INET) != (family == 4) ||
	    memcmp(pfx->addr, addr, full))
		return false;
	return !rest || !((pfx->addr[full] ^ addr[full]) & (0xff00 >> rest));
}

static inline u64 naive_roles(const struct imgsec_policy_desc *p, int family,
			      const u8 *addr)
{
	u64 roles = 0;
	u32 r, i;

	for (r = 0; r < p->nroles; r++)
		for (i = 0; i < p->roles[r].nprefixes; i++)
			if (prefix_contains(&p->roles[r].prefixes[i], family,
					    addr))
				roles |= 1ULL << r;
	return roles;
}

#endif
