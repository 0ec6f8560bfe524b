/* SPDX-License-Identifier: GPL-2.0 */
/*
 * imgsec's netlink attributes to and from C structs (the ABI is
 * <linux/imgsec.h>): a policy desc into one SET_POLICY message of
 * IMGSEC_A_POLICY slices, the GET_POLICY dump joined back into a desc with
 * per-rule counters, and the
 * replies of GET_STATUS, GET_STATS, GET_RPC and the events. Everything the
 * kernel sends is length-checked; nothing here does I/O.
 */
#ifndef _IMGSECCTL_POLICY_NL_H
#define _IMGSECCTL_POLICY_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy_desc.h"

struct nlmsghdr;

/* Why a kernel message was not understood, or a policy cannot be sent. */
#define POLICY_NL_ERRLEN	256

struct rule_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t limited;	/* over the rule's limit */
	uint64_t source_limited; /* over their source's limit */
	uint64_t source_evicted; /* sources evicted from its table */
	uint64_t source_capped;	/* their source at its cap (max) */
};

/* The GET_POLICY dump, joined. */
struct policy_dump {
	bool active;			/* the kernel holds a policy */
	bool have_generation;
	uint32_t generation;
	struct imgsec_policy_desc desc;	/* valid when active */
	struct rule_counters *counters;	/* desc.nrules of them */
	char err[POLICY_NL_ERRLEN];

	/* Joining state. */
	bool have_mode, have_default, have_placement;
	bool role_named[IMGSEC_MAX_ROLES];
	uint32_t prefix_cap[IMGSEC_MAX_ROLES];
	uint32_t nprefixes;		/* all roles */
	uint8_t *rule_seen;		/* IMGSEC_MAX_RULES flags */
};

void policy_dump_init(struct policy_dump *d);
void policy_dump_release(struct policy_dump *d);
/* struct genl_dump_ops callbacks; @data is the struct policy_dump. */
void policy_dump_reset(void *data);
int policy_dump_msg(const struct nlmsghdr *nlh, void *data);
/*
 * After the dump: check that every role and rule came, and that the policy
 * is valid. Returns 0 or -EBADMSG with d->err set.
 */
int policy_dump_finish(struct policy_dump *d);

/*
 * The most bytes of one IMGSEC_A_POLICY slice of a SET_POLICY message: a
 * netlink attribute holds at most 65535, so a large policy takes several.
 */
#define POLICY_NL_SLICE_MAX	60000

/*
 * Drop from @p what a module whose family is at @version cannot keep: port
 * names (IMGSEC_RULE_A_PORTS_TEXT) before version 2, whose strict parser
 * refuses the attribute. Returns whether anything was dropped.
 */
bool policy_nl_fit_version(struct imgsec_policy_desc *p, uint32_t version);
/*
 * Whether a rule of @p has a per-source limit (rate or max), which a module before family
 * version 3 refuses (nothing can be dropped: it would lift a limit).
 */
bool policy_has_source_limits(const struct imgsec_policy_desc *p);

/* An upper bound on the bytes of a SET_POLICY message for @p. */
size_t policy_nl_msg_size(const struct imgsec_policy_desc *p);
/*
 * Append @p to @nlh (a buffer of @buflen bytes) as IMGSEC_A_POLICY slices
 * of at most POLICY_NL_SLICE_MAX bytes: the header in the first, then the
 * roles, then the rules, each role and rule nest with its index, a role
 * longer than a slice continued in the next one under the same index.
 * The message is as large as the policy needs (about 2.0 MB at the
 * limits); the socket must be allowed to send it (genl_allow_send()).
 * Returns 0, or -EMSGSIZE with @err set when @buflen is too small (never
 * with policy_nl_msg_size(@p) bytes).
 */
int policy_nl_put(struct nlmsghdr *nlh, size_t buflen,
		  const struct imgsec_policy_desc *p, char *err,
		  size_t errlen);
/*
 * Name the attribute at byte @offset of a SET_POLICY message @nlh built by
 * policy_nl_put(), e.g. "rule 3, attribute ports". Returns false if none.
 */
bool policy_nl_describe_offset(const struct nlmsghdr *nlh, uint32_t offset,
			       char *buf, size_t len);

struct imgsec_status {
	char version[64];
	bool has_netns_count;
	uint32_t netns_count;
	bool has_generation;
	uint32_t generation;
	uint32_t pending_secs;		/* 0: no revert pending */
	bool has_policy;		/* a policy is active */
	uint8_t mode, default_action, placement;
};

struct imgsec_stats {
	bool has_hook;
	bool hook_set[IMGSEC_STATS_A_MAX + 1];
	uint64_t hook[IMGSEC_STATS_A_MAX + 1];
	bool has_rpc;
	bool rpc_set[IMGSEC_RPC_STATS_A_MAX + 1];
	uint64_t rpc[IMGSEC_RPC_STATS_A_MAX + 1];
};

struct imgsec_rpc_settings {
	bool has_timeout;
	uint32_t timeout_secs;
	bool has_programs;
	unsigned int nprograms;
	uint32_t programs[IMGSEC_MAX_RPC_PROGRAMS];
};

struct imgsec_event {
	uint8_t type;			/* enum imgsec_event_type */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t proto;
	bool has_saddr, has_daddr;
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	bool monitor;
	bool has_program;
	uint32_t program;
	uint32_t suppressed;		/* events left out before this one */
	/* From newer modules; an older one sends none of them. */
	bool has_time;
	uint64_t time_ns;		/* CLOCK_REALTIME, ns since the epoch */
	bool has_ifindex;
	uint32_t ifindex;
	char ifname[16];		/* IFNAMSIZ; "" if not given */
	bool has_generation;
	uint32_t generation;		/* of the policy, as in status */
	bool has_rule;
	uint32_t rule;			/* a limit's rule, by index */
	bool has_limit;
	uint8_t limit;			/* enum imgsec_limit_kind */
};

/* Reply decoders, mnl_cb_t callbacks: MNL_CB_OK, or MNL_CB_ERROR. */
int status_parse(const struct nlmsghdr *nlh, void *status);
int stats_parse(const struct nlmsghdr *nlh, void *stats);
int rpc_settings_parse(const struct nlmsghdr *nlh, void *rpc);
/* Decodes into @event; a message that is not an event gives -ENOENT. */
int event_parse(const struct nlmsghdr *nlh, struct imgsec_event *event);

/* The IMGSEC_A_RPC nest of SET_RPC. Returns 0 or -EMSGSIZE. */
int rpc_settings_put(struct nlmsghdr *nlh, size_t buflen,
		     const struct imgsec_rpc_settings *rpc);

#endif /* _IMGSECCTL_POLICY_NL_H */
