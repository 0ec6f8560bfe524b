/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compiled form of a policy: answers "which rule allows a new connection
 * from saddr to daddr, proto, dport" in time that does not grow with the
 * number of addresses or rules. Built once per policy, then read-only, so
 * that packets can use it under RCU with no locks. Pure code: also built in
 * userspace for unit tests and benchmarks.
 */
#ifndef _IMGSEC_CLASSIFY_H
#define _IMGSEC_CLASSIFY_H

#include "policy_desc.h"

struct imgsec_classifier;

/* Compile a validated policy. 0, or -ENOMEM. @p is not kept. */
int imgsec_classifier_build(const struct imgsec_policy_desc *p,
			    struct imgsec_classifier **out);

void imgsec_classifier_free(struct imgsec_classifier *c);

/*
 * Index of the first rule allowing the connection, or -1. @family is 4 or 6;
 * addresses in network order (4 or 16 bytes); @dport in host order.
 */
int imgsec_classify(const struct imgsec_classifier *c, u8 family,
		    const u8 *saddr, const u8 *daddr, u8 proto, u16 dport);

#endif /* _IMGSEC_CLASSIFY_H */
