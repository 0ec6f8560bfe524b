/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * imgsec generic netlink ABI: the contract between imgsec.ko and imgsecctl.
 *
 * Family IMGSEC_GENL_NAME, version IMGSEC_GENL_VERSION. Everything is per
 * network namespace. Who may do what:
 *   - change a namespace's policy (SET_POLICY, FLUSH, CONFIRM), read it
 *     (GET_POLICY) or listen to its events (group IMGSEC_MCGRP_EVENTS):
 *     CAP_NET_ADMIN in the user namespace owning the network namespace;
 *   - change the rpc helper's settings (SET_RPC), which are global:
 *     CAP_NET_ADMIN in the initial user namespace;
 *   - GET_STATUS, GET_STATS, GET_RPC: anyone in the namespace (versions,
 *     counters and settings, no addresses). IMGSEC_A_NETNS_COUNT, which
 *     describes the whole host, only goes to CAP_NET_ADMIN in the initial
 *     user namespace.
 *
 * A policy travels as IMGSEC_A_POLICY nests ("slices"): one attribute
 * holds at most 64 KiB, so a large policy takes several, in one message.
 *   IMGSEC_POLICY_A_MODE, _DEFAULT, _PLACEMENT   enum values below; in any
 *                           slice, the last one wins
 *   IMGSEC_POLICY_A_ROLES   nest of IMGSEC_ROLE_A_* nests (type ignored),
 *                           at most one per slice (as _RULES).
 *                           A role nest without IMGSEC_ROLE_A_INDEX is the
 *                           next role; with it, the same index as the nest
 *                           before continues that role (more prefixes),
 *                           the next index starts a new one. A role's
 *                           first nest carries its name.
 *   IMGSEC_POLICY_A_RULES   nest of IMGSEC_RULE_A_* nests (type ignored),
 *                           in order (IMGSEC_RULE_A_INDEX, if given, must
 *                           be the rule's position); first match wins
 * GET_STATUS answers IMGSEC_A_VERSION, _NETNS_COUNT, _GENERATION, and
 * IMGSEC_A_PENDING_SECS while a revert is pending and an IMGSEC_A_POLICY
 * with the header attributes only while a policy is active.
 * GET_POLICY is a dump: each message carries IMGSEC_A_GENERATION and one
 * slice (header, role slices with IMGSEC_ROLE_A_INDEX, rules with
 * IMGSEC_RULE_A_INDEX and counters); a reader joins them and restarts if
 * NLM_F_DUMP_INTR is set. No message: no policy.
 */
#ifndef _UAPI_LINUX_IMGSEC_H
#define _UAPI_LINUX_IMGSEC_H

#include <linux/types.h>

#define IMGSEC_GENL_NAME	"imgsec"
/*
 * 2: rules take IMGSEC_RULE_A_PORTS_TEXT and limits (version 1 refuses);
 * 3: and per-source limits, IMGSEC_RULE_A_SOURCE_* (version 2 refuses),
 *    their rate and their cap (IMGSEC_RULE_A_SOURCE_MAX)
 */
#define IMGSEC_GENL_VERSION	3
#define IMGSEC_MCGRP_EVENTS	"events"

/* Name of the conntrack helper, for "ct helper" objects in nftables. */
#define IMGSEC_RPC_HELPER_NAME	"imgsec-rpc"

/* Limits, enforced by the kernel and by imgsecctl alike. */
#define IMGSEC_NAME_LEN		32	/* role name, with its NUL */
#define IMGSEC_COMMENT_LEN	128	/* rule comment, with its NUL */
#define IMGSEC_PORTS_TEXT_LEN	128	/* rule's ports as written, with NUL */
#define IMGSEC_MAX_ROLES	64
#define IMGSEC_MAX_PREFIXES	65536	/* addresses and prefixes, all roles */
#define IMGSEC_MAX_RULES	1024
#define IMGSEC_MAX_PORT_RANGES	32	/* per rule */
#define IMGSEC_MAX_ICMP_TYPE	255
#define IMGSEC_MAX_RPC_PROGRAMS	16	/* RPC program allow-list */
#define IMGSEC_MAX_CONFIRM_SECS	3600
#define IMGSEC_MAX_RPC_TIMEOUT	3600	/* seconds */
#define IMGSEC_MAX_LIMIT_RATE	1000000	/* rule limit: connections a unit */
#define IMGSEC_MAX_LIMIT_BURST	1000000	/* rule limit: its burst */
/*
 * Per-source limits (IMGSEC_RULE_A_SOURCE_*): each such rule keeps a table
 * of IMGSEC_SOURCE_SLOTS sources (40 bytes each, 160 KiB a rule), the
 * least recently seen evicted when full; at most IMGSEC_MAX_SOURCE_RULES
 * rules of a policy have one (5 MiB a policy).
 */
#define IMGSEC_SOURCE_SLOTS	4096
#define IMGSEC_MAX_SOURCE_RULES	32
/*
 * A per-source cap on concurrent connections (IMGSEC_RULE_A_SOURCE_MAX):
 * connections a source may have open under the rule, counted by the
 * kernel's nf_conncount (bounded by conntrack's own table). The rules with
 * one count towards IMGSEC_MAX_SOURCE_RULES too.
 */
#define IMGSEC_MAX_SOURCE_CONNS	1000000

/*
 * What the packet path reports, per network namespace: at most RATE a
 * second, bursts of BURST; the rest is counted (IMGSEC_STATS_A_*_SUPPRESSED)
 * and the next event carries IMGSEC_EVENT_A_SUPPRESSED.
 */
#define IMGSEC_LOG_RATE		10	/* kernel log lines (nf_log) */
#define IMGSEC_LOG_BURST	20
#define IMGSEC_EVENT_RATE	1000	/* IMGSEC_CMD_EVENT messages */
#define IMGSEC_EVENT_BURST	2000

/*
 * Where the policy hook sits (IPv4 and IPv6, input/output or forward):
 * after conntrack, DNAT and the usual filter chains (priority 0, nft
 * "filter"), so those see a packet first and a drop of theirs is final;
 * before SNAT (100) and conntrack's confirmation, so a helper a rule
 * attaches sees the connection's first packet.
 */
#define IMGSEC_HOOK_PRIORITY	10

enum imgsec_cmd {
	IMGSEC_CMD_UNSPEC,
	IMGSEC_CMD_GET_STATUS,	/* -> version, counters */
	IMGSEC_CMD_SET_POLICY,	/* IMGSEC_A_POLICY [, IMGSEC_A_CONFIRM_SECS] */
	IMGSEC_CMD_GET_POLICY,	/* dump */
	IMGSEC_CMD_FLUSH,	/* back to "no policy": pass everything */
	IMGSEC_CMD_CONFIRM,	/* keep a policy set with IMGSEC_A_CONFIRM_SECS */
	IMGSEC_CMD_GET_STATS,	/* -> IMGSEC_A_STATS, IMGSEC_A_RPC_STATS */
	IMGSEC_CMD_SET_RPC,	/* IMGSEC_A_RPC */
	IMGSEC_CMD_GET_RPC,	/* -> IMGSEC_A_RPC */
	IMGSEC_CMD_EVENT,	/* multicast only: IMGSEC_A_EVENT */
	__IMGSEC_CMD_MAX
};

#define IMGSEC_CMD_MAX (__IMGSEC_CMD_MAX - 1)

enum imgsec_attr {
	IMGSEC_A_UNSPEC,
	IMGSEC_A_VERSION,	/* string: module version */
	IMGSEC_A_NETNS_COUNT,	/* u32: namespaces, for the host admin */
	IMGSEC_A_POLICY,	/* nest: IMGSEC_POLICY_A_* */
	IMGSEC_A_GENERATION,	/* u32: bumped on every policy change */
	IMGSEC_A_CONFIRM_SECS,	/* u32: revert unless confirmed in time */
	IMGSEC_A_PENDING_SECS,	/* u32: seconds left before a revert */
	IMGSEC_A_STATS,		/* nest: IMGSEC_STATS_A_* */
	IMGSEC_A_RPC_STATS,	/* nest: IMGSEC_RPC_STATS_A_* */
	IMGSEC_A_RPC,		/* nest: IMGSEC_RPC_A_* */
	IMGSEC_A_EVENT,		/* nest: IMGSEC_EVENT_A_* */
	__IMGSEC_A_MAX
};

#define IMGSEC_A_MAX (__IMGSEC_A_MAX - 1)

enum imgsec_mode {
	IMGSEC_MODE_ENFORCE,
	IMGSEC_MODE_MONITOR,	/* log and count what would be dropped */
	__IMGSEC_MODE_MAX
};

enum imgsec_action {
	IMGSEC_ACTION_DROP,
	IMGSEC_ACTION_REJECT,	/* TCP reset / ICMP port unreachable */
	__IMGSEC_ACTION_MAX
};

enum imgsec_placement {
	IMGSEC_PLACEMENT_HOST,		/* input and output of this host */
	IMGSEC_PLACEMENT_GATEWAY,	/* forwarded traffic */
	__IMGSEC_PLACEMENT_MAX
};

enum imgsec_helper {
	IMGSEC_HELPER_NONE,
	IMGSEC_HELPER_RPC,	/* imgsec-rpc: portmap/rpcbind */
	IMGSEC_HELPER_FTP,	/* the kernel's nf_conntrack_ftp */
	__IMGSEC_HELPER_MAX
};

/*
 * The unit of a rule's new-connection limit (IMGSEC_RULE_A_LIMIT_*): a
 * rule admits at most RATE new connections a UNIT, in bursts of up to
 * BURST; the rest meet the policy's default action (in monitor mode they
 * are reported and counted, and pass).
 */
enum imgsec_limit_unit {
	IMGSEC_LIMIT_UNIT_SECOND,
	IMGSEC_LIMIT_UNIT_MINUTE,
	__IMGSEC_LIMIT_UNIT_MAX
};

enum imgsec_policy_attr {
	IMGSEC_POLICY_A_UNSPEC,
	IMGSEC_POLICY_A_MODE,		/* u8: enum imgsec_mode */
	IMGSEC_POLICY_A_DEFAULT,	/* u8: enum imgsec_action */
	IMGSEC_POLICY_A_PLACEMENT,	/* u8: enum imgsec_placement */
	IMGSEC_POLICY_A_ROLES,		/* nest of nests: IMGSEC_ROLE_A_* */
	IMGSEC_POLICY_A_RULES,		/* nest of nests: IMGSEC_RULE_A_* */
	__IMGSEC_POLICY_A_MAX
};

#define IMGSEC_POLICY_A_MAX (__IMGSEC_POLICY_A_MAX - 1)

/* One address or prefix, as carried in IMGSEC_ROLE_A_PREFIX. */
struct imgsec_prefix {
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 plen;		/* 0..32 or 0..128; host bits must be zero */
	__u8 pad[2];
	__u8 addr[16];		/* network order; IPv4 in the first 4 bytes */
};

enum imgsec_role_attr {
	IMGSEC_ROLE_A_UNSPEC,
	IMGSEC_ROLE_A_INDEX,	/* u32: in dumps, the role a slice belongs to */
	IMGSEC_ROLE_A_NAME,	/* string: [a-z0-9_-], < IMGSEC_NAME_LEN */
	IMGSEC_ROLE_A_PREFIX,	/* binary struct imgsec_prefix, repeated */
	__IMGSEC_ROLE_A_MAX
};

#define IMGSEC_ROLE_A_MAX (__IMGSEC_ROLE_A_MAX - 1)

/*
 * Destination ports of a TCP or UDP rule; for ICMP and ICMPv6 rules,
 * message types (0..IMGSEC_MAX_ICMP_TYPE), which the hook matches as ports.
 */
struct imgsec_port_range {
	__u16 lo;		/* host order, lo <= hi, 1..65535 */
	__u16 hi;
};

enum imgsec_rule_attr {
	IMGSEC_RULE_A_UNSPEC,
	IMGSEC_RULE_A_FROM,	/* u8: role index of the connection's source */
	IMGSEC_RULE_A_TO,	/* u8: role index of its destination */
	IMGSEC_RULE_A_PROTO,	/* u8: IPPROTO_TCP, _UDP, _ICMP or _ICMPV6 */
	IMGSEC_RULE_A_PORTS,	/* binary struct imgsec_port_range[]; ICMP: types */
	IMGSEC_RULE_A_HELPER,	/* u8: enum imgsec_helper */
	IMGSEC_RULE_A_COMMENT,	/* string, < IMGSEC_COMMENT_LEN */
	IMGSEC_RULE_A_INDEX,	/* u32: in dumps, position of the rule */
	IMGSEC_RULE_A_PACKETS,	/* u64: in dumps, new connections matched */
	IMGSEC_RULE_A_BYTES,	/* u64: in dumps, bytes of those packets */
	IMGSEC_RULE_A_PAD,
	IMGSEC_RULE_A_PORTS_TEXT, /* string: the ports as written, for show */
	/* A new-connection limit: all three, or none (no limit). */
	IMGSEC_RULE_A_LIMIT_RATE,  /* u32: 1..IMGSEC_MAX_LIMIT_RATE */
	IMGSEC_RULE_A_LIMIT_UNIT,  /* u8: enum imgsec_limit_unit */
	IMGSEC_RULE_A_LIMIT_BURST, /* u32: 1..IMGSEC_MAX_LIMIT_BURST */
	IMGSEC_RULE_A_LIMITED,	/* u64: in dumps, new connections over it */
	/* A per-source limit: rate, unit and burst all, or none of them. */
	IMGSEC_RULE_A_SOURCE_RATE,  /* u32: 1..IMGSEC_MAX_LIMIT_RATE */
	IMGSEC_RULE_A_SOURCE_UNIT,  /* u8: enum imgsec_limit_unit */
	IMGSEC_RULE_A_SOURCE_BURST, /* u32: 1..IMGSEC_MAX_LIMIT_BURST */
	IMGSEC_RULE_A_SOURCE_LIMITED, /* u64: in dumps, over a source's limit */
	IMGSEC_RULE_A_SOURCE_EVICTED, /* u64: in dumps, sources evicted */
	/* A per-source cap on concurrent connections, with or without a rate. */
	IMGSEC_RULE_A_SOURCE_MAX,   /* u32: 1..IMGSEC_MAX_SOURCE_CONNS */
	IMGSEC_RULE_A_SOURCE_CAPPED, /* u64: in dumps, refused by the cap */
	__IMGSEC_RULE_A_MAX
};

#define IMGSEC_RULE_A_MAX (__IMGSEC_RULE_A_MAX - 1)

/* Per-namespace counters of the policy hook, all u64. */
enum imgsec_stats_attr {
	IMGSEC_STATS_A_UNSPEC,
	IMGSEC_STATS_A_PAD,
	IMGSEC_STATS_A_ESTABLISHED,	/* passed as established/related */
	IMGSEC_STATS_A_ACCEPTED,	/* new, matched a rule */
	IMGSEC_STATS_A_DROPPED,		/* new, no rule, dropped or rejected */
	IMGSEC_STATS_A_WOULD_DROP,	/* new, no rule, passed in monitor mode */
	IMGSEC_STATS_A_INVALID,		/* conntrack said invalid */
	IMGSEC_STATS_A_UNFILTERED,	/* loopback, ND, MLD, IGMP */
	IMGSEC_STATS_A_LOG_SUPPRESSED,	/* log lines over IMGSEC_LOG_RATE */
	IMGSEC_STATS_A_EVENTS_SUPPRESSED, /* events over IMGSEC_EVENT_RATE */
	IMGSEC_STATS_A_LIMITED,		/* new, over its rule's limit */
	IMGSEC_STATS_A_SOURCE_LIMITED,	/* new, over its source's limit */
	IMGSEC_STATS_A_SOURCE_CAPPED,	/* new, its source at its cap */
	__IMGSEC_STATS_A_MAX
};

#define IMGSEC_STATS_A_MAX (__IMGSEC_STATS_A_MAX - 1)

/* Per-namespace counters of the imgsec-rpc helper, all u64. */
enum imgsec_rpc_stats_attr {
	IMGSEC_RPC_STATS_A_UNSPEC,
	IMGSEC_RPC_STATS_A_PAD,
	IMGSEC_RPC_STATS_A_CALLS,		/* lookup calls remembered */
	IMGSEC_RPC_STATS_A_REPLIES,		/* replies matched to a call */
	IMGSEC_RPC_STATS_A_EXPECTED,		/* expectations created */
	IMGSEC_RPC_STATS_A_NOT_ALLOWED,		/* program not on allow-list */
	IMGSEC_RPC_STATS_A_UNMATCHED,		/* reply with no pending call */
	IMGSEC_RPC_STATS_A_PARSE_ERRORS,	/* record not understood */
	IMGSEC_RPC_STATS_A_OVERFLOWS,		/* pending or memory bound hit */
	IMGSEC_RPC_STATS_A_NOT_REGISTERED,	/* port 0 / empty uaddr */
	IMGSEC_RPC_STATS_A_BAD_ADDRESS,		/* uaddr host is not the server */
	IMGSEC_RPC_STATS_A_EXPECT_FAILED,	/* conntrack refused it */
	IMGSEC_RPC_STATS_A_UNTRUSTED,		/* flows it stopped trusting */
	IMGSEC_RPC_STATS_A_WRONG_SIDE,		/* "replies" from the client's side */
	IMGSEC_RPC_STATS_A_TCP_STATES,		/* TCP connections followed now */
	IMGSEC_RPC_STATS_A_FIRST_DROPPED,	/* UDP first packets untracked */
	IMGSEC_RPC_STATS_A_NAT_REWRITTEN,	/* replies rewritten for NAT */
	IMGSEC_RPC_STATS_A_NAT_FAILED,		/* replies NAT needed rewritten, not */
	IMGSEC_RPC_STATS_A_NAT_GAPS,		/* reply segments past a gap dropped */
	__IMGSEC_RPC_STATS_A_MAX
};

#define IMGSEC_RPC_STATS_A_MAX (__IMGSEC_RPC_STATS_A_MAX - 1)

/* Settings of the imgsec-rpc helper (global, not per namespace). */
enum imgsec_rpc_attr {
	IMGSEC_RPC_A_UNSPEC,
	IMGSEC_RPC_A_TIMEOUT,	/* u32: expectation lifetime, seconds */
	IMGSEC_RPC_A_PROGRAMS,	/* binary array of u32: allowed programs */
	__IMGSEC_RPC_A_MAX
};

#define IMGSEC_RPC_A_MAX (__IMGSEC_RPC_A_MAX - 1)

enum imgsec_event_type {
	IMGSEC_EVENT_DROP,		/* or would-drop in monitor mode */
	IMGSEC_EVENT_EXPECT,		/* the rpc helper opened a port */
	IMGSEC_EVENT_LIMIT,		/* over a rule's limit (or would be) */
	__IMGSEC_EVENT_MAX
};

/* Which of its rule's limits a limit event's connection was over. */
enum imgsec_limit_kind {
	IMGSEC_LIMIT_RULE,		/* the rule's "limit", shared */
	IMGSEC_LIMIT_SOURCE_RATE,	/* its source's "per-source RATE" */
	IMGSEC_LIMIT_SOURCE_MAX,	/* its source's "per-source max M" */
	__IMGSEC_LIMIT_MAX
};

/*
 * One IMGSEC_CMD_EVENT, multicast to IMGSEC_MCGRP_EVENTS. The attributes
 * from IMGSEC_EVENT_A_PAD on came later: a reader takes events with or
 * without them. A drop names the device the packet came in on (input,
 * forward) or was to go out of (output); an expectation names none.
 */
enum imgsec_event_attr {
	IMGSEC_EVENT_A_UNSPEC,
	IMGSEC_EVENT_A_TYPE,	/* u8: enum imgsec_event_type */
	IMGSEC_EVENT_A_FAMILY,	/* u8: AF_INET or AF_INET6 */
	IMGSEC_EVENT_A_PROTO,	/* u8 */
	IMGSEC_EVENT_A_SADDR,	/* binary, 4 or 16 bytes */
	IMGSEC_EVENT_A_DADDR,	/* binary, 4 or 16 bytes */
	IMGSEC_EVENT_A_SPORT,	/* u16, 0 for "any" */
	IMGSEC_EVENT_A_DPORT,	/* u16 */
	IMGSEC_EVENT_A_MONITOR,	/* flag: monitor mode, nothing was dropped */
	IMGSEC_EVENT_A_PROGRAM,	/* u32: rpc program of an expectation */
	IMGSEC_EVENT_A_SUPPRESSED, /* u32: events left out before this one */
	IMGSEC_EVENT_A_PAD,
	IMGSEC_EVENT_A_TIME_NS,	/* u64: CLOCK_REALTIME of the event, ns */
	IMGSEC_EVENT_A_IFINDEX,	/* u32: drops: the device, see above */
	IMGSEC_EVENT_A_IFNAME,	/* string: its name, < IFNAMSIZ */
	IMGSEC_EVENT_A_GENERATION, /* u32: IMGSEC_A_GENERATION of the policy */
	IMGSEC_EVENT_A_RULE,	/* u32: a limit's rule, by index */
	IMGSEC_EVENT_A_LIMIT,	/* u8: enum imgsec_limit_kind of a limit */
	__IMGSEC_EVENT_A_MAX
};

#define IMGSEC_EVENT_A_MAX (__IMGSEC_EVENT_A_MAX - 1)

#endif /* _UAPI_LINUX_IMGSEC_H */
