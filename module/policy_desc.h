/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy as plain data: what imgsecctl parses from a file and sends, and
 * what the kernel decodes from netlink and compiles into a classifier. The
 * checks here run on both sides, so the two can never disagree on what is
 * valid. Limits are in <linux/imgsec.h>.
 */
#ifndef _IMGSEC_POLICY_DESC_H
#define _IMGSEC_POLICY_DESC_H

#include "portable.h"
#include <linux/imgsec.h>

struct imgsec_role_desc {
	char name[IMGSEC_NAME_LEN];
	u32 nprefixes;
	struct imgsec_prefix *prefixes;	/* owned, imgsec_zalloc'ed */
};

struct imgsec_rule_desc {
	u8 from;		/* role index */
	u8 to;			/* role index */
	u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	u8 helper;		/* enum imgsec_helper */
	u8 nports;
	u8 limit_unit;		/* enum imgsec_limit_unit */
	u32 limit_rate;		/* new connections a unit; 0: no limit */
	u32 limit_burst;	/* 1.., with a rate; else 0 */
	u8 source_unit;		/* per-source limit: enum imgsec_limit_unit */
	u32 source_rate;	/* new connections a unit per source; 0: none */
	u32 source_burst;	/* 1.., with a rate; else 0 */
	u32 source_max;		/* per-source cap on open connections; 0: none */
	struct imgsec_port_range ports[IMGSEC_MAX_PORT_RANGES];
	char comment[IMGSEC_COMMENT_LEN];
	char ports_text[IMGSEC_PORTS_TEXT_LEN];	/* opaque to the kernel */
};

struct imgsec_policy_desc {
	u8 mode;		/* enum imgsec_mode */
	u8 default_action;	/* enum imgsec_action */
	u8 placement;		/* enum imgsec_placement */
	u32 nroles;
	struct imgsec_role_desc roles[IMGSEC_MAX_ROLES];
	u32 nrules;
	struct imgsec_rule_desc *rules;	/* owned, imgsec_zalloc'ed */
};

/* Where a policy fails validation, for a precise error message. */
struct imgsec_policy_error {
	const char *msg;	/* static string */
	int role;		/* offending role index, or -1 */
	int prefix;		/* offending prefix index in that role, or -1 */
	int rule;		/* offending rule index, or -1 */
};

/*
 * 0 if @p is complete and within limits, else -EINVAL and @err filled; or
 * -ENOMEM (@err->msg "out of memory") if the duplicate-prefix check cannot
 * get its temporary table (up to 512 KiB).
 */
int imgsec_policy_validate(const struct imgsec_policy_desc *p,
			   struct imgsec_policy_error *err);

/* Free what @p owns (not @p itself) and zero it. */
void imgsec_policy_desc_release(struct imgsec_policy_desc *p);

#endif /* _IMGSEC_POLICY_DESC_H */
