// SPDX-License-Identifier: GPL-2.0
/*
 * genl_fuzz: a seeded fuzzer for the "imgsec" generic netlink family, and a
 * check that GET_POLICY dumps never join pieces of two policies.
 *
 *   genl_fuzz [-s SEED] [-n MESSAGES] [-w WORKERS] [-k SOCKETS] [-t SECS]
 *   genl_fuzz -D SECS [-s SEED] [-N]
 *   genl_fuzz -s SEED [-w WORKERS] [-k SOCKETS] -r WORKER:MESSAGE
 *
 * Fuzzing (the default): WORKERS is a string, one letter a process, each
 * with SOCKETS netlink sockets of its own (default "rnux", 3):
 *   r  root in the initial namespaces;
 *   n  nobody (65534) in the initial namespaces; one of its sockets was
 *      opened while it was still root (the socket's opener is privileged,
 *      the sender is not);
 *   u  nobody in a fresh user and network namespace: admin of its own
 *      network namespace, of nothing else;
 *   x  nobody in a fresh user namespace only: "root" there, but the
 *      network namespace is the initial one, owned by the initial user
 *      namespace.
 * They draw on one pool of MESSAGES netlink messages (default 100000;
 * the quicker ones send more), stopping at SECS (-t) if given: every
 * IMGSEC_CMD_*, unknown commands and IMGSEC_CMD_EVENT; well-formed
 * policies cut into slices; the same with a fault (role nests out of
 * order, too many roles, rules or prefixes, ...); mutations of well-formed
 * SET_POLICY and SET_RPC messages (flipped bytes, truncation, duplicated or
 * deleted attributes, nla_len lies); random attribute trees; header
 * garbage (nlmsg_len lies, odd flags, several messages in one datagram).
 * Every reply is read back without blocking: genetlink runs a request
 * within send(), so its answer is queued when send() returns.
 *
 * What is checked while fuzzing (a failure is a "BUG" line on stderr,
 * with the worker, the message number and the command that prints that
 * datagram again: a worker's datagrams depend on the seed, the workers
 * and the socket count only, so -r W:N regenerates, offline, the
 * datagram of worker W that holds its message N, in hex):
 *   - nobody and "x" get no admin command through (SET_POLICY, GET_POLICY,
 *     FLUSH, CONFIRM, SET_RPC), and cannot join the events group;
 *   - "u" gets no SET_RPC through (the helper settings are global);
 *   - only root of the initial user namespace sees IMGSEC_A_NETNS_COUNT;
 *   - a worker alone as admin of its network namespace (the one "r", each
 *     "u") reads the generation after each state-changing datagram: a
 *     refused message must leave it alone, an accepted SET_POLICY or FLUSH
 *     must bump it by one (a --confirm revert, which the kernel runs on
 *     its own, may add one, near the deadline the kernel announced).
 * And of the fuzzer itself: most of the well-formed policies a namespace
 * admin sends must be accepted, else it only scratches the parser.
 * Counted and printed: messages, acks, errors by errno, dumps, and the
 * state-changing commands (SET_POLICY, FLUSH, CONFIRM, SET_RPC) that
 * succeeded in the initial network namespace, acked or silently (sent
 * without NLM_F_ACK and answered by no error): a caller that compares the
 * policy before and after knows whether it may have changed.
 *
 * Dump consistency (-D SECS): in a new network namespace (-N: the current
 * one), one process sets two large policies, A and B, in turn, as fast as
 * the kernel takes them, while two others dump GET_POLICY in a loop (one
 * with a small receive buffer: many messages a dump). Every dump that
 * completed without NLM_F_DUMP_INTR must be exactly the policy its
 * generation was set with, all its messages with that generation.
 *
 * Exit status: 0 all well; 1 the tool itself failed (no module, no user
 * namespaces, a worker hung, fewer messages sent than asked, a dump run
 * that never raced a set); 2 usage; 3 the kernel misbehaved (BUG lines).
 * Kernel refusals are the expected answers, not failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/imgsec.h>

#define NOBODY		65534
#define MAX_WORKERS	16
#define MAX_SOCKS	8
#define MAX_SUBS	64		/* messages the kernel may see in a datagram */
#define MSG_CAP		(2u << 20)	/* room for > IMGSEC_MAX_PREFIXES prefixes */
#define SNDBUF		(4 << 20)	/* asked for; wmem_max caps it */
#define RECV_SIZE	(1u << 17)
#define ERRNO_SLOTS	600		/* kernel-internal codes (512+) too */
#define DRAIN_MAX	4096		/* recv() calls after one send */
#define PROBE_MS	20000
#define NONE		((size_t)-1)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef NLM_F_DUMP_INTR
#define NLM_F_DUMP_INTR	0x10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK	11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* ---- seeded PRNG (splitmix64): the messages depend on the seed only ---- */

static uint64_t rng;

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(void)
{
	return splitmix(&rng) >> 32;
}

/* Uniform in [0, n). */
static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(((uint64_t)rnd() * n) >> 32) : 0;
}

/* True once in @n. */
static bool oneof(uint32_t n)
{
	return below(n) == 0;
}

static bool pct(uint32_t p)
{
	return below(100) < p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- building messages: several netlink messages to a datagram ---- */

struct msg {
	unsigned char *buf;
	size_t len;
	size_t cap;	/* what this datagram may grow to */
	size_t start;	/* of the netlink message being built */
	bool full;	/* something did not fit and was left out */
};

static size_t put_raw(struct msg *m, uint16_t type, const void *data,
		      size_t len, size_t claimed)
{
	size_t off = m->len, total = NLA_ALIGN(NLA_HDRLEN + len);
	struct nlattr *a;

	if (off + total > m->cap) {
		m->full = true;
		return NONE;
	}
	a = (struct nlattr *)(m->buf + off);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + claimed);
	memset(a + 1, 0, total - NLA_HDRLEN);
	if (data && len)
		memcpy(a + 1, data, len);
	m->len += total;
	return off;
}

static size_t put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	return put_raw(m, type, data, len, len);
}

static void put_u8(struct msg *m, uint16_t type, uint8_t v)
{
	put(m, type, &v, 1);
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, 4);
}

static size_t nest_start(struct msg *m, uint16_t type)
{
	return put(m, type | NLA_F_NESTED, NULL, 0);
}

/* Past 64 KiB nla_len wraps: a lie the well-formed builders never tell. */
static void nest_end(struct msg *m, size_t off)
{
	if (off != NONE)
		((struct nlattr *)(m->buf + off))->nla_len =
			(uint16_t)(m->len - off);
}

static struct nlmsghdr *msg_hdr(const struct msg *m)
{
	return (struct nlmsghdr *)(m->buf + m->start);
}

static void msg_begin(struct msg *m, uint16_t type, uint16_t flags,
		      uint32_t seq, uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	m->len = NLMSG_ALIGN(m->len);
	m->start = m->len;
	nlh = msg_hdr(m);
	memset(nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = (struct genlmsghdr *)(nlh + 1);
	g->cmd = cmd;
	g->version = IMGSEC_GENL_VERSION;
	m->len += NLMSG_HDRLEN + GENL_HDRLEN;
}

static void msg_end(struct msg *m)
{
	msg_hdr(m)->nlmsg_len = m->len - m->start;
}

static void msg_reset(struct msg *m, size_t cap)
{
	m->len = 0;
	m->start = 0;
	m->full = false;
	m->cap = cap < MSG_CAP ? cap : MSG_CAP;
}

/* ---- values: mostly plausible, often on a boundary ---- */

static const uint32_t edge32[] = {
	0, 1, 2, 3, 6, 17, 31, 32, 63, 64, 65, 127, 128, 255, 256, 1023,
	1024, 1025, 3599, 3600, 3601, 65535, 65536, 100000, 100003, 100005,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};

static uint32_t any32(void)
{
	return pct(60) ? edge32[below(ARRAY_SIZE(edge32))] : rnd();
}

static uint8_t any8(void)
{
	static const uint8_t edge[] = { 0, 1, 2, 3, 6, 17, 63, 64, 127, 128,
					254, 255 };

	return pct(70) ? edge[below(ARRAY_SIZE(edge))] : (uint8_t)rnd();
}

static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";

static const size_t edge_len[] = { 30, 31, 32, 33, 126, 127, 128, 129, 300 };
static const char *const bad_names[] = {
	"Bad Name", "9lives", "a b", "-x", "r\xc3\xa9", "a\0b",
};

/* A string attribute's payload, NUL or not; returns its length. */
static size_t any_string(char *out, size_t max)
{
	size_t len, i;

	switch (below(8)) {
	case 0:
		return 0;
	case 1:
		out[0] = 0;
		return 1;
	case 2:	/* no NUL at all */
		len = 1 + below(40);
		for (i = 0; i < len; i++)
			out[i] = 'a' + below(26);
		return len;
	case 3:	/* around the limits of names and comments */
		len = edge_len[below(ARRAY_SIZE(edge_len))];
		len = len < max ? len : max - 1;
		memset(out, 'a' + below(26), len);
		out[len] = 0;
		return len + 1;
	case 4:
		len = 1 + below(32);
		for (i = 0; i < len; i++)
			out[i] = (char)rnd();
		return len;
	case 5:
		return 1 + snprintf(out, max, "%s",
				    bad_names[below(ARRAY_SIZE(bad_names))]);
	default:
		len = 1 + below(20);
		out[0] = 'a' + below(26);
		for (i = 1; i < len; i++)
			out[i] = name_chars[below(sizeof(name_chars) - 1)];
		out[len] = 0;
		return len + 1;
	}
}

/* Prefix @i of role @role in the policy of @salt: unique within the role. */
static void make_prefix(struct imgsec_prefix *p, uint32_t salt,
			uint32_t role, uint32_t i)
{
	memset(p, 0, sizeof(*p));
	if (role & 1) {
		p->family = 10;		/* AF_INET6: 2001:db8:SALT:ROLE::I/128 */
		p->plen = 128;
		p->addr[0] = 0x20;
		p->addr[1] = 0x01;
		p->addr[2] = 0x0d;
		p->addr[3] = 0xb8;
		p->addr[5] = (uint8_t)salt;
		p->addr[7] = (uint8_t)role;
		p->addr[12] = i >> 24;
		p->addr[13] = i >> 16;
		p->addr[14] = i >> 8;
		p->addr[15] = i;
	} else {
		p->family = 2;		/* AF_INET: 10+SALT.ROLE.I/32 */
		p->plen = 32;
		p->addr[0] = 10 + salt % 100;
		p->addr[1] = (uint8_t)role;
		p->addr[2] = (uint8_t)(i >> 8);
		p->addr[3] = (uint8_t)i;
	}
}

/* A prefix with one thing wrong, or random bytes. */
static void bad_prefix(struct imgsec_prefix *p)
{
	make_prefix(p, below(256), below(64), rnd());
	switch (below(6)) {
	case 0:
		p->family = any8();
		break;
	case 1:
		p->plen = 33 + below(223);
		break;
	case 2:
		p->pad[below(2)] = 1 + below(255);
		break;
	case 3:
		p->plen = below(p->plen);	/* host bits now set */
		p->addr[15] |= 1;
		p->addr[3] |= 1;
		break;
	case 4:
		p->addr[4 + below(12)] = 1 + below(255);
		break;
	default:
		for (size_t i = 0; i < sizeof(*p); i++)
			((uint8_t *)p)[i] = rnd();
	}
}

static size_t any_ports(struct imgsec_port_range *r, size_t max)
{
	size_t n = pct(80) ? 1 + below(4) : below(IMGSEC_MAX_PORT_RANGES + 9);
	size_t i;

	n = n < max ? n : max;
	for (i = 0; i < n; i++) {
		r[i].lo = pct(85) ? 1 + below(65535) : (uint16_t)any32();
		r[i].hi = pct(85) ? r[i].lo + below(65536 - r[i].lo) :
				    (uint16_t)any32();
	}
	return n * sizeof(*r) + (pct(5) ? 1 + below(3) : 0);
}

static const uint32_t programs[] = {
	100003, 100005, 100021, 100024, 100227, 100011, 390113, 200000,
};

static size_t any_programs(uint32_t *p, size_t max)
{
	size_t n = below(IMGSEC_MAX_RPC_PROGRAMS + 4), i;

	n = n < max ? n : max;
	for (i = 0; i < n; i++)
		p[i] = pct(85) ? programs[below(ARRAY_SIZE(programs))] :
				 any32();
	return n * 4 + (pct(5) ? 1 + below(3) : 0);
}

/* ---- random attribute trees, led by the shape of the real ones ---- */

enum kind { K_NONE, K_U8, K_U16, K_U32, K_U64, K_STR, K_BIN, K_PREFIX,
	    K_PORTS, K_PROGS, K_FLAG, K_NEST, K_LIST, K_COUNT };

struct schema;

struct field {
	uint8_t kind;
	const struct schema *sub;	/* K_NEST, K_LIST: what is inside */
};

struct schema {
	uint16_t max;
	const struct field *f;		/* by attribute type, 0..max */
};

static const struct field role_f[] = {
	[IMGSEC_ROLE_A_INDEX] = { K_U32 },
	[IMGSEC_ROLE_A_NAME] = { K_STR },
	[IMGSEC_ROLE_A_PREFIX] = { K_PREFIX },
};

static const struct schema role_s = { IMGSEC_ROLE_A_MAX, role_f };

static const struct field rule_f[] = {
	[IMGSEC_RULE_A_FROM] = { K_U8 },
	[IMGSEC_RULE_A_TO] = { K_U8 },
	[IMGSEC_RULE_A_PROTO] = { K_U8 },
	[IMGSEC_RULE_A_PORTS] = { K_PORTS },
	[IMGSEC_RULE_A_HELPER] = { K_U8 },
	[IMGSEC_RULE_A_COMMENT] = { K_STR },
	[IMGSEC_RULE_A_PORTS_TEXT] = { K_STR },
	[IMGSEC_RULE_A_INDEX] = { K_U32 },
	[IMGSEC_RULE_A_PACKETS] = { K_U64 },
	[IMGSEC_RULE_A_BYTES] = { K_U64 },
	[IMGSEC_RULE_A_PAD] = { K_BIN },
	[IMGSEC_RULE_A_LIMIT_RATE] = { K_U32 },
	[IMGSEC_RULE_A_LIMIT_UNIT] = { K_U8 },
	[IMGSEC_RULE_A_LIMIT_BURST] = { K_U32 },
	[IMGSEC_RULE_A_LIMITED] = { K_U64 },
	[IMGSEC_RULE_A_SOURCE_RATE] = { K_U32 },
	[IMGSEC_RULE_A_SOURCE_UNIT] = { K_U8 },
	[IMGSEC_RULE_A_SOURCE_BURST] = { K_U32 },
	[IMGSEC_RULE_A_SOURCE_LIMITED] = { K_U64 },
	[IMGSEC_RULE_A_SOURCE_EVICTED] = { K_U64 },
	[IMGSEC_RULE_A_SOURCE_MAX] = { K_U32 },
	[IMGSEC_RULE_A_SOURCE_CAPPED] = { K_U64 },
};

static const struct schema rule_s = { IMGSEC_RULE_A_MAX, rule_f };

static const struct field policy_f[] = {
	[IMGSEC_POLICY_A_MODE] = { K_U8 },
	[IMGSEC_POLICY_A_DEFAULT] = { K_U8 },
	[IMGSEC_POLICY_A_PLACEMENT] = { K_U8 },
	[IMGSEC_POLICY_A_ROLES] = { K_LIST, &role_s },
	[IMGSEC_POLICY_A_RULES] = { K_LIST, &rule_s },
};

static const struct schema policy_s = { IMGSEC_POLICY_A_MAX, policy_f };

static const struct field rpc_f[] = {
	[IMGSEC_RPC_A_TIMEOUT] = { K_U32 },
	[IMGSEC_RPC_A_PROGRAMS] = { K_PROGS },
};

static const struct schema rpc_s = { IMGSEC_RPC_A_MAX, rpc_f };

static const struct field u64_f[] = {
	[1] = { K_U64 }, [2] = { K_U64 }, [3] = { K_U64 }, [4] = { K_U64 },
	[5] = { K_U64 }, [6] = { K_U64 }, [7] = { K_U64 }, [8] = { K_U64 },
	[9] = { K_U64 }, [10] = { K_U64 }, [11] = { K_U64 }, [12] = { K_U64 },
};

static const struct schema stats_s = { 12, u64_f };

static const struct field event_f[] = {
	[IMGSEC_EVENT_A_TYPE] = { K_U8 },
	[IMGSEC_EVENT_A_FAMILY] = { K_U8 },
	[IMGSEC_EVENT_A_PROTO] = { K_U8 },
	[IMGSEC_EVENT_A_SADDR] = { K_BIN },
	[IMGSEC_EVENT_A_DADDR] = { K_BIN },
	[IMGSEC_EVENT_A_SPORT] = { K_U16 },
	[IMGSEC_EVENT_A_DPORT] = { K_U16 },
	[IMGSEC_EVENT_A_MONITOR] = { K_FLAG },
	[IMGSEC_EVENT_A_PROGRAM] = { K_U32 },
	[IMGSEC_EVENT_A_SUPPRESSED] = { K_U32 },
};

static const struct schema event_s = { IMGSEC_EVENT_A_MAX, event_f };

static const struct field top_f[] = {
	[IMGSEC_A_VERSION] = { K_STR },
	[IMGSEC_A_NETNS_COUNT] = { K_U32 },
	[IMGSEC_A_POLICY] = { K_NEST, &policy_s },
	[IMGSEC_A_GENERATION] = { K_U32 },
	[IMGSEC_A_CONFIRM_SECS] = { K_U32 },
	[IMGSEC_A_PENDING_SECS] = { K_U32 },
	[IMGSEC_A_STATS] = { K_NEST, &stats_s },
	[IMGSEC_A_RPC_STATS] = { K_NEST, &stats_s },
	[IMGSEC_A_RPC] = { K_NEST, &rpc_s },
	[IMGSEC_A_EVENT] = { K_NEST, &event_s },
};

static const struct schema top_s = { IMGSEC_A_MAX, top_f };

/* How many attributes a nest gets: few, sometimes hundreds. */
static unsigned int any_count(void)
{
	uint32_t r = below(100);

	if (r < 8)
		return 0;
	if (r < 85)
		return 1 + below(5);
	if (r < 97)
		return 6 + below(30);
	return 50 + below(400);
}

static uint16_t wild_type(void)
{
	static const uint16_t t[] = { 0, 11, 12, 13, 31, 255, 256, 0x3fff };

	return pct(70) ? t[below(ARRAY_SIZE(t))] : (uint16_t)below(0x4000);
}

/* Make the attribute at @off claim a length it does not have. */
static void lie(struct msg *m, size_t off)
{
	struct nlattr *a;

	if (off == NONE)
		return;
	a = (struct nlattr *)(m->buf + off);
	switch (below(5)) {
	case 0:
		a->nla_len = below(NLA_HDRLEN);
		break;
	case 1:
		a->nla_len += 1 + below(8);
		break;
	case 2:
		a->nla_len = a->nla_len > NLA_HDRLEN ?
			     NLA_HDRLEN + below(a->nla_len - NLA_HDRLEN) : 0;
		break;
	case 3:
		a->nla_len += 4 * (1 + below(64));
		break;
	default:
		a->nla_len = (uint16_t)rnd();
	}
}

static size_t any_payload(int kind, unsigned char *p, size_t max)
{
	uint64_t v64;

	switch (kind) {
	case K_U8:
		p[0] = any8();
		return pct(90) ? 1 : below(9);
	case K_U16:
		*(uint16_t *)p = (uint16_t)any32();
		return pct(90) ? 2 : below(9);
	case K_U32:
		*(uint32_t *)p = any32();
		return pct(90) ? 4 : below(9);
	case K_U64:
		v64 = (uint64_t)any32() << 32 | any32();
		memcpy(p, &v64, 8);
		return pct(90) ? 8 : below(12);
	case K_STR:
		return any_string((char *)p, max);
	case K_PREFIX:
		if (pct(70))
			make_prefix((struct imgsec_prefix *)p, below(256),
				    below(64), below(65536));
		else
			bad_prefix((struct imgsec_prefix *)p);
		return pct(92) ? sizeof(struct imgsec_prefix) : below(40);
	case K_PORTS:
		return any_ports((struct imgsec_port_range *)p,
				 max / sizeof(struct imgsec_port_range) - 1);
	case K_PROGS:
		return any_programs((uint32_t *)p, max / 4 - 1);
	case K_FLAG:
		return 0;
	default: {
		size_t len = pct(80) ? below(64) : below(max);

		for (size_t i = 0; i < len; i++)
			p[i] = rnd();
		return len;
	}
	}
}

static void any_tree(struct msg *m, const struct schema *s, int depth);

static void any_attr(struct msg *m, const struct schema *s, int depth)
{
	unsigned char payload[512] = { 0 };
	const struct field *f = NULL;
	unsigned int n;
	uint16_t type, flags = 0;
	size_t off, item;
	int kind;

	type = s && pct(88) ? 1 + below(s->max) : wild_type();
	if (s && type <= s->max)
		f = &s->f[type];
	kind = f && f->kind && pct(85) ? f->kind : 1 + (int)below(K_COUNT - 1);
	if (depth <= 0 && (kind == K_NEST || kind == K_LIST))
		kind = K_BIN;
	if ((kind == K_NEST || kind == K_LIST) ? pct(95) : oneof(40))
		flags |= NLA_F_NESTED;
	if (oneof(50))
		flags |= NLA_F_NET_BYTEORDER;
	if (kind == K_NEST) {
		off = put(m, type | flags, NULL, 0);
		any_tree(m, f ? f->sub : NULL, depth - 1);
		nest_end(m, off);
	} else if (kind == K_LIST) {
		off = put(m, type | flags, NULL, 0);
		for (n = any_count(); n && !m->full; n--) {
			item = nest_start(m, pct(90) ? 1 : wild_type());
			any_tree(m, f ? f->sub : NULL, depth - 1);
			nest_end(m, item);
		}
		nest_end(m, off);
	} else {
		off = put(m, type | flags, payload,
			  any_payload(kind, payload, sizeof(payload)));
	}
	if (oneof(30))
		lie(m, off);
}

static void any_tree(struct msg *m, const struct schema *s, int depth)
{
	unsigned int n;

	for (n = any_count(); n && !m->full; n--)
		any_attr(m, s, depth);
}

/* ---- well-formed policies, and faults to put into them ---- */

struct role_m {
	char name[IMGSEC_NAME_LEN];
	uint32_t nprefixes;		/* make_prefix(salt, role, 0..n-1) */
};

struct rule_m {
	uint8_t from, to, proto, helper, nports, limit_unit;
	uint32_t limit_rate, limit_burst;	/* 0: no limit */
	struct imgsec_port_range ports[IMGSEC_MAX_PORT_RANGES];
	char comment[IMGSEC_COMMENT_LEN];
	char ports_text[IMGSEC_PORTS_TEXT_LEN];
};

struct model {
	uint8_t mode, def, placement;
	uint32_t salt;
	uint32_t nroles;
	struct role_m roles[IMGSEC_MAX_ROLES + 1];
	uint32_t nrules;
	struct rule_m rules[IMGSEC_MAX_RULES + 1];
};

static void model_rule(struct model *p, struct rule_m *r, uint32_t j)
{
	uint32_t k;

	memset(r, 0, sizeof(*r));
	r->from = below(p->nroles);
	r->to = below(p->nroles);
	r->proto = pct(50) ? 6 : 17;
	r->helper = below(10) < 7 ? IMGSEC_HELPER_NONE :
		    r->proto == 6 && pct(50) ? IMGSEC_HELPER_FTP :
					       IMGSEC_HELPER_RPC;
	r->nports = 1 + below(4);
	for (k = 0; k < r->nports; k++) {
		r->ports[k].lo = 1 + below(65535);
		r->ports[k].hi = r->ports[k].lo + below(pct(50) ? 1 : 100);
		if (r->ports[k].hi < r->ports[k].lo)
			r->ports[k].hi = 65535;
	}
	if (pct(70))
		snprintf(r->comment, sizeof(r->comment),
			 "rule %u of policy %u%.*s", j, p->salt,
			 (int)below(60),
			 "-----------------------------------------------------------");
	/* any text up to the limit: the kernel keeps it, unread */
	if (pct(50))
		memset(r->ports_text, 'a' + below(26),
		       below(IMGSEC_PORTS_TEXT_LEN));
	/* a new-connection limit, at its bounds now and then */
	if (pct(30)) {
		r->limit_rate = pct(10) ? IMGSEC_MAX_LIMIT_RATE :
			1 + below(IMGSEC_MAX_LIMIT_RATE);
		r->limit_unit = below(__IMGSEC_LIMIT_UNIT_MAX);
		r->limit_burst = pct(10) ? IMGSEC_MAX_LIMIT_BURST :
			1 + below(IMGSEC_MAX_LIMIT_BURST);
	}
}

/* A random valid policy; @big: sizes of the dump test, else small. */
static void model_random(struct model *p, uint32_t salt, bool big)
{
	uint32_t i;

	memset(p, 0, offsetof(struct model, rules));
	p->salt = salt;
	p->mode = below(__IMGSEC_MODE_MAX);
	p->def = below(__IMGSEC_ACTION_MAX);
	p->placement = below(__IMGSEC_PLACEMENT_MAX);
	p->nroles = big ? 40 + below(25) :
		    pct(95) ? 1 + below(6) : 1 + below(IMGSEC_MAX_ROLES);
	for (i = 0; i < p->nroles; i++) {
		snprintf(p->roles[i].name, IMGSEC_NAME_LEN, "%c%u-s%u",
			 'a' + (i + salt) % 26, i, salt);
		p->roles[i].nprefixes = big ? 20 + below(30) :
					pct(97) ? 1 + below(8) : 1 + below(300);
	}
	p->nrules = big ? 500 + below(300) :
		    pct(97) ? 1 + below(8) : 1 + below(IMGSEC_MAX_RULES);
	for (i = 0; i < p->nrules; i++)
		model_rule(p, &p->rules[i], i);
}

/* Faults an encoded policy may carry; FT_OK is none. */
enum fault {
	FT_OK, FT_ROLE_SKIP, FT_ROLE_BACK, FT_NO_NAME, FT_CONT_NO_INDEX,
	FT_RULE_INDEX, FT_RULE_MISSING, FT_DUP_LIST, FT_MANY_ROLES, FT_MANY_RULES,
	FT_MANY_PREFIXES, FT_BAD_REF, FT_DUP_PREFIX, FT_DUP_NAME, FT_BAD_PREFIX,
	FT_BAD_HEADER, FT_NO_POLICY, FT_UNKNOWN_TOP, FT_CONFIRM, FT_BAD_LIMIT,
	FT_COUNT
};

/* The policy being cut into slices, and its open nests. */
struct enc {
	struct msg *m;
	const struct model *p;
	size_t max;		/* bytes a slice may take */
	size_t slice, list, item;
	uint16_t list_type;
	unsigned int lists;	/* list types opened in this slice */
	int fault;
	int split;		/* percent: cut a slice before an item anyway */
	bool index_always;	/* every role and rule nest says its index */
	uint32_t fault_at;	/* role or rule the fault goes to */
};

static void enc_close(struct enc *e, size_t *nest)
{
	nest_end(e->m, *nest);
	*nest = NONE;
}

static void enc_close_all(struct enc *e)
{
	enc_close(e, &e->item);
	enc_close(e, &e->list);
	enc_close(e, &e->slice);
}

static void enc_slice(struct enc *e)
{
	enc_close_all(e);
	e->slice = nest_start(e->m, IMGSEC_A_POLICY);
	e->lists = 0;
}

static bool enc_room(const struct enc *e, size_t n)
{
	return e->slice != NONE && e->m->len - e->slice + n <= e->max;
}

/* Open list @type with room for @need more bytes, in a new slice if need be. */
static void enc_list(struct enc *e, uint16_t type, size_t need)
{
	bool cut = pct(e->split);

	enc_close(e, &e->item);
	if (e->list != NONE && e->list_type == type && enc_room(e, need) &&
	    !cut)
		return;
	enc_close(e, &e->list);
	/* One list of a type a slice: the kernel reads the last one only. */
	if (!enc_room(e, NLA_HDRLEN + need) || cut || (e->lists & 1u << type))
		enc_slice(e);
	e->list = nest_start(e->m, type);
	e->list_type = type;
	e->lists |= 1u << type;
	/*
	 * FT_DUP_LIST: a second list of the same type in this slice, which
	 * the kernel reads instead of the first.
	 */
	if (e->fault == FT_DUP_LIST && oneof(4)) {
		size_t item = nest_start(e->m, 1);

		put(e->m, IMGSEC_ROLE_A_NAME, "dup", 4);
		nest_end(e->m, item);
		enc_close(e, &e->list);
		e->list = nest_start(e->m, type);
	}
}

static void enc_header(struct enc *e)
{
	uint8_t mode = e->p->mode, def = e->p->def, place = e->p->placement;

	if (e->fault == FT_BAD_HEADER) {
		switch (below(3)) {
		case 0:
			mode = __IMGSEC_MODE_MAX + below(250);
			break;
		case 1:
			def = __IMGSEC_ACTION_MAX + below(250);
			break;
		default:
			place = __IMGSEC_PLACEMENT_MAX + below(250);
		}
	}
	enc_close(e, &e->item);
	enc_close(e, &e->list);
	if (!enc_room(e, 3 * 8))
		enc_slice(e);
	put_u8(e->m, IMGSEC_POLICY_A_MODE, mode);
	put_u8(e->m, IMGSEC_POLICY_A_DEFAULT, def);
	put_u8(e->m, IMGSEC_POLICY_A_PLACEMENT, place);
}

/* The first nest of role @r, or a continuation (@first false). */
static void enc_role_nest(struct enc *e, uint32_t r, bool first)
{
	const char *name = e->p->roles[r].name;
	bool at = r == e->fault_at;
	uint32_t index = r;

	enc_list(e, IMGSEC_POLICY_A_ROLES, 64);
	e->item = nest_start(e->m, pct(90) ? 1 : below(0x4000));
	if (first && at && e->fault == FT_ROLE_SKIP)
		index = r + 1;
	if (first && at && e->fault == FT_ROLE_BACK && r >= 2)
		index = r - 2;
	if (!(at && e->fault == FT_CONT_NO_INDEX && !first) &&
	    (!first || e->index_always || index != r))
		put_u32(e->m, IMGSEC_ROLE_A_INDEX, index);
	if ((first && !(at && e->fault == FT_NO_NAME)) || oneof(8)) {
		if (at && e->fault == FT_DUP_NAME && r > 0)
			name = e->p->roles[r - 1].name;
		put(e->m, IMGSEC_ROLE_A_NAME, name, strlen(name) + 1);
	}
}

/*
 * FT_MANY_PREFIXES: in a huge message (2 MiB), one more than the kernel's
 * limit, or exactly the limit (a valid policy, the largest there is);
 * else a few thousand.
 */
static uint32_t many_prefixes(const struct enc *e)
{
	uint32_t others = 0, r;

	if (e->m->cap < MSG_CAP)
		return 2000 + below(6000);
	for (r = 0; r < e->p->nroles; r++)
		if (r != e->fault_at)
			others += e->p->roles[r].nprefixes;
	return pct(50) ? IMGSEC_MAX_PREFIXES + 1 : IMGSEC_MAX_PREFIXES - others;
}

static void enc_roles(struct enc *e)
{
	const size_t pfx = NLA_HDRLEN + sizeof(struct imgsec_prefix);
	struct imgsec_prefix prefix;
	uint32_t r, i, n;

	for (r = 0; r < e->p->nroles && !e->m->full; r++) {
		bool at = r == e->fault_at;

		enc_role_nest(e, r, true);
		n = e->p->roles[r].nprefixes;
		if (e->fault == FT_MANY_PREFIXES && at)
			n = many_prefixes(e);
		for (i = 0; i < n && !e->m->full; i++) {
			/*
			 * A role continued in another nest, maybe another
			 * slice: by need, by chance, or for the fault.
			 */
			if (!enc_room(e, pfx) ||
			    (i && (oneof(200) ||
				   (at && i == 1 && e->fault == FT_CONT_NO_INDEX))))
				enc_role_nest(e, r, false);
			make_prefix(&prefix, e->p->salt, r, i);
			if (r == e->fault_at && i == n - 1) {
				if (e->fault == FT_DUP_PREFIX && i > 0)
					make_prefix(&prefix, e->p->salt, r, 0);
				if (e->fault == FT_BAD_PREFIX)
					bad_prefix(&prefix);
			}
			put(e->m, IMGSEC_ROLE_A_PREFIX, &prefix, sizeof(prefix));
		}
		enc_close(e, &e->item);
	}
}

/*
 * A rule's limit, all three attributes; FT_BAD_LIMIT: one of them left
 * out, or a value out of its bounds.
 */
static void enc_limit(struct enc *e, const struct rule_m *rule, bool bad)
{
	uint32_t rate = rule->limit_rate, burst = rule->limit_burst;
	uint8_t unit = rule->limit_unit;
	unsigned int skip = 3;

	if (!rate && !bad)
		return;
	if (bad) {
		rate = rate ? rate : 1;
		burst = burst ? burst : 1;
		switch (below(6)) {
		case 0:
			rate = 0;
			break;
		case 1:
			rate = IMGSEC_MAX_LIMIT_RATE + 1 + below(1000);
			break;
		case 2:
			burst = pct(50) ? 0 : IMGSEC_MAX_LIMIT_BURST + 1;
			break;
		case 3:
			unit = __IMGSEC_LIMIT_UNIT_MAX + below(10);
			break;
		default:
			skip = below(3);
			break;
		}
	}
	if (skip != 0)
		put_u32(e->m, IMGSEC_RULE_A_LIMIT_RATE, rate);
	if (skip != 1)
		put_u8(e->m, IMGSEC_RULE_A_LIMIT_UNIT, unit);
	if (skip != 2)
		put_u32(e->m, IMGSEC_RULE_A_LIMIT_BURST, burst);
}

static void enc_rule(struct enc *e, const struct rule_m *rule, uint32_t j)
{
	bool at = j == e->fault_at;
	uint8_t to = rule->to;

	enc_list(e, IMGSEC_POLICY_A_RULES, 64 + 4 * rule->nports +
		 sizeof(rule->comment) + sizeof(rule->ports_text));
	e->item = nest_start(e->m, pct(90) ? 1 : below(0x4000));
	if (e->index_always || (at && e->fault == FT_RULE_INDEX))
		put_u32(e->m, IMGSEC_RULE_A_INDEX,
			at && e->fault == FT_RULE_INDEX ? j + 1 + below(3) : j);
	if (at && e->fault == FT_BAD_REF)
		to = e->p->nroles + below(IMGSEC_MAX_ROLES - e->p->nroles + 1);
	put_u8(e->m, IMGSEC_RULE_A_FROM, rule->from);
	if (!(at && e->fault == FT_RULE_MISSING))
		put_u8(e->m, IMGSEC_RULE_A_TO, to);
	put_u8(e->m, IMGSEC_RULE_A_PROTO, rule->proto);
	put(e->m, IMGSEC_RULE_A_PORTS, rule->ports,
	    rule->nports * sizeof(rule->ports[0]));
	if (rule->helper || pct(50))
		put_u8(e->m, IMGSEC_RULE_A_HELPER, rule->helper);
	if (rule->comment[0] || pct(30))
		put(e->m, IMGSEC_RULE_A_COMMENT, rule->comment,
		    strlen(rule->comment) + 1);
	if (rule->ports_text[0])
		put(e->m, IMGSEC_RULE_A_PORTS_TEXT, rule->ports_text,
		    strlen(rule->ports_text) + 1);
	enc_limit(e, rule, at && e->fault == FT_BAD_LIMIT);
	enc_close(e, &e->item);
}

static void enc_rules(struct enc *e)
{
	uint32_t j, n = e->p->nrules;

	if (e->fault == FT_MANY_RULES)
		n = IMGSEC_MAX_RULES + 1;
	for (j = 0; j < n && !e->m->full; j++)
		enc_rule(e, &e->p->rules[j % e->p->nrules], j);
}

/*
 * IMGSEC_A_POLICY slices of at most @max bytes for @p, with @fault, into
 * the message being built. The header goes in the first slice or the
 * last; roles before rules, or rules first (the kernel checks references
 * once all is read, so both are valid).
 */
static void encode_policy(struct msg *m, const struct model *p, int fault,
			  size_t max, int split)
{
	struct enc e = {
		.m = m, .p = p, .max = max, .slice = NONE, .list = NONE,
		.item = NONE, .fault = fault, .split = split,
		.index_always = pct(50),
	};
	bool header_last = pct(30), rules_first = pct(15);

	e.fault_at = fault == FT_RULE_INDEX || fault == FT_RULE_MISSING ||
		     fault == FT_BAD_REF || fault == FT_BAD_LIMIT ?
		     below(p->nrules) : below(p->nroles);
	if (fault == FT_CONT_NO_INDEX || fault == FT_MANY_PREFIXES)
		e.split = e.split > 30 ? e.split : 30;
	enc_slice(&e);
	if (!header_last)
		enc_header(&e);
	if (rules_first)
		enc_rules(&e);
	enc_roles(&e);
	if (!rules_first)
		enc_rules(&e);
	if (header_last || oneof(10))
		enc_header(&e);
	if (oneof(20))		/* an empty slice changes nothing */
		enc_slice(&e);
	enc_close_all(&e);
}

/* A model with the fault's sizes: more roles than allowed, for one. */
static void model_for_fault(struct model *p, int fault)
{
	uint32_t i;

	model_random(p, below(256), false);
	if (fault == FT_MANY_ROLES) {
		p->nroles = IMGSEC_MAX_ROLES + 1;
		for (i = 0; i < p->nroles; i++) {
			snprintf(p->roles[i].name, IMGSEC_NAME_LEN, "m%u", i);
			p->roles[i].nprefixes = 1;
		}
	}
}

/* ---- mutating a message: walk its attributes, then change them ---- */

struct apos {
	uint32_t off;
	int16_t parent;		/* index in the walk, -1 for top level */
};

/* Attributes that look nested (NLA_F_NESTED, sane lengths) are entered. */
static int walk(const unsigned char *buf, size_t off, size_t end, int parent,
		struct apos *a, int n, int max)
{
	const struct nlattr *at;
	int self;

	while (off + NLA_HDRLEN <= end && n < max) {
		at = (const struct nlattr *)(buf + off);
		if (at->nla_len < NLA_HDRLEN || off + at->nla_len > end)
			break;
		self = n;
		a[n].off = off;
		a[n++].parent = parent;
		if (at->nla_type & NLA_F_NESTED)
			n = walk(buf, off + NLA_HDRLEN, off + at->nla_len, self,
				 a, n, max);
		off += NLA_ALIGN(at->nla_len);
	}
	return n;
}

/* Grow or shrink every nest around attribute @i by @delta bytes. */
static bool adjust_parents(struct msg *m, const struct apos *a, int i,
			   long delta)
{
	struct nlattr *at;
	int p;

	for (p = a[i].parent; p >= 0; p = a[p].parent) {
		at = (struct nlattr *)(m->buf + a[p].off);
		if ((long)at->nla_len + delta > 0xffff ||
		    (long)at->nla_len + delta < NLA_HDRLEN)
			return false;
	}
	for (p = a[i].parent; p >= 0; p = a[p].parent) {
		at = (struct nlattr *)(m->buf + a[p].off);
		at->nla_len += delta;
	}
	return true;
}

static void insert_bytes(struct msg *m, size_t at, const void *src, size_t n)
{
	memmove(m->buf + at + n, m->buf + at, m->len - at);
	memcpy(m->buf + at, src, n);
	m->len += n;
}

static void mutate_attr(struct msg *m, struct apos *a, int n)
{
	static unsigned char copy[65536 + 4];
	int i = below(n);
	struct nlattr *at = (struct nlattr *)(m->buf + a[i].off);
	size_t size = NLA_ALIGN(at->nla_len), end = a[i].off + size;

	if (end > m->len)
		return;
	switch (below(6)) {
	case 0:	/* duplicate it, right behind itself */
		if (m->len + size > m->cap || !adjust_parents(m, a, i, size))
			return;
		memcpy(copy, at, size);
		insert_bytes(m, end, copy, size);
		break;
	case 1:	/* delete it */
		if (!adjust_parents(m, a, i, -(long)size))
			return;
		memmove(m->buf + a[i].off, m->buf + end, m->len - end);
		m->len -= size;
		break;
	case 2:
		lie(m, a[i].off);
		break;
	case 3:	/* another type, or the nested bit flipped */
		if (pct(50))
			at->nla_type ^= NLA_F_NESTED;
		else
			at->nla_type = (at->nla_type & NLA_F_NESTED) |
				       (pct(50) ? (at->nla_type + 1) & 0x3fff :
						  wild_type());
		break;
	case 4: {	/* a random attribute after it */
		unsigned char tmp[64];
		size_t len = below(40);

		for (size_t k = 0; k < len; k++)
			tmp[k] = rnd();
		((struct nlattr *)tmp)->nla_len = len;
		((struct nlattr *)tmp)->nla_type = wild_type();
		len = NLA_ALIGN(len < NLA_HDRLEN ? NLA_HDRLEN : len);
		((struct nlattr *)tmp)->nla_len = len;
		if (m->len + len > m->cap || !adjust_parents(m, a, i, len))
			return;
		insert_bytes(m, end, tmp, len);
		break;
	}
	default:	/* a byte of its payload */
		if (at->nla_len > NLA_HDRLEN)
			m->buf[a[i].off + NLA_HDRLEN +
			       below(at->nla_len - NLA_HDRLEN)] = any8();
	}
}

/*
 * Mutate the message being built, from its genetlink header on (the
 * family id and the sequence number stay: the family must stay ours,
 * the answer must find its request).
 */
static void mutate(struct msg *m, int rounds, bool *keep_len)
{
	static struct apos a[4096];
	size_t body = m->start + NLMSG_HDRLEN;
	int n;

	while (rounds--) {
		n = walk(m->buf, body + GENL_HDRLEN, m->len, -1, a, 0,
			 ARRAY_SIZE(a));
		switch (below(8)) {
		case 0:	/* a bit */
			m->buf[body + below(m->len - body)] ^= 1 << below(8);
			break;
		case 1:	/* a byte */
			m->buf[body + below(m->len - body)] = any8();
			break;
		case 2:	/* cut short, anywhere */
			m->len = body + below(m->len - body + 1);
			break;
		case 3:	/* the length of the netlink message */
			msg_end(m);
			msg_hdr(m)->nlmsg_len = pct(50) ?
				below(msg_hdr(m)->nlmsg_len + 64) : rnd();
			*keep_len = true;
			break;
		default:
			if (n)
				mutate_attr(m, a, n);
		}
	}
}

/* ---- the fuzzer's messages ---- */

static uint16_t family;
static uint32_t events_group;

static bool state_changing(int cmd)
{
	return cmd == IMGSEC_CMD_SET_POLICY || cmd == IMGSEC_CMD_FLUSH ||
	       cmd == IMGSEC_CMD_CONFIRM || cmd == IMGSEC_CMD_SET_RPC;
}

static bool admin_only(int cmd)
{
	return state_changing(cmd) || cmd == IMGSEC_CMD_GET_POLICY;
}

static uint16_t any_flags(int cmd)
{
	uint16_t f = NLM_F_REQUEST;
	uint32_t r = below(100);

	if (r < 70)
		f |= NLM_F_ACK;
	else if (r < 80)
		;
	else if (r < 88)
		f |= NLM_F_DUMP | (pct(50) ? NLM_F_ACK : 0);
	else if (r < 93)
		f = pct(50) ? NLM_F_ACK : 0;	/* not a request */
	else
		f = (uint16_t)rnd() | (pct(80) ? NLM_F_REQUEST : 0);
	if (cmd == IMGSEC_CMD_GET_POLICY && pct(85))
		f |= NLM_F_DUMP;
	return f;
}

static int any_cmd(void)
{
	if (pct(85))
		return below(__IMGSEC_CMD_MAX + 1);	/* EVENT and MAX too */
	return pct(50) ? __IMGSEC_CMD_MAX + below(8) : (int)(uint8_t)rnd();
}

static void rpc_settings(struct msg *m, bool valid)
{
	uint32_t progs[IMGSEC_MAX_RPC_PROGRAMS + 4];
	size_t off = nest_start(m, IMGSEC_A_RPC), n, i;

	if (pct(80))
		put_u32(m, IMGSEC_RPC_A_TIMEOUT,
			valid ? 1 + below(IMGSEC_MAX_RPC_TIMEOUT) : any32());
	if (pct(80)) {
		if (valid) {
			n = below(IMGSEC_MAX_RPC_PROGRAMS + 1);
			for (i = 0; i < n; i++)
				progs[i] = programs[below(ARRAY_SIZE(programs))];
			n *= 4;
		} else {
			n = any_programs(progs, ARRAY_SIZE(progs));
		}
		put(m, IMGSEC_RPC_A_PROGRAMS, progs, n);
	}
	nest_end(m, off);
}

static uint32_t any_confirm(void)
{
	/* Short deadlines revert during the run: a few, not many. */
	return pct(90) ? 60 + below(IMGSEC_MAX_CONFIRM_SECS - 59) :
	       pct(80) ? 1 + below(3) : any32();
}

enum { MK_VALID, MK_MUTATED, MK_FAULT, MK_RPC, MK_TREE, MK_SIMPLE, MK_COUNT };

static const char *const mk_name[MK_COUNT] = {
	"valid", "mutated", "fault", "rpc", "tree", "simple",
};

/*
 * What a datagram is to be: anything; one policy with more prefixes than
 * the kernel takes (2 MiB); one well-formed policy with a 1 s --confirm;
 * commands that change nothing, while such a revert is due.
 */
enum { C_ANY, C_HUGE, C_REVERT, C_QUIET };

static const uint8_t quiet_cmds[] = {
	IMGSEC_CMD_UNSPEC, IMGSEC_CMD_GET_STATUS, IMGSEC_CMD_GET_POLICY,
	IMGSEC_CMD_GET_STATS, IMGSEC_CMD_GET_RPC, IMGSEC_CMD_EVENT,
	__IMGSEC_CMD_MAX, 200,
};

/* One netlink message into @m, with @seq, for @mode; returns its kind. */
static int compose(struct msg *m, uint32_t seq, int mode)
{
	static struct model model;
	uint32_t r = below(100);
	bool keep_len = false, huge = mode == C_HUGE;
	int mk, cmd, fault = FT_OK;
	uint16_t type = family;

	mk = huge ? MK_FAULT : r < 12 ? MK_VALID : r < 35 ? MK_MUTATED :
	     r < 50 ? MK_FAULT : r < 58 ? MK_RPC : r < 80 ? MK_TREE : MK_SIMPLE;
	if (mode == C_REVERT)
		mk = MK_VALID;
	if (mode == C_QUIET)
		mk = r < 50 ? MK_TREE : MK_SIMPLE;
	cmd = mk == MK_RPC ? IMGSEC_CMD_SET_RPC :
	      mk <= MK_FAULT ? IMGSEC_CMD_SET_POLICY : any_cmd();
	if (mk == MK_MUTATED && pct(15))
		cmd = IMGSEC_CMD_SET_RPC;
	if (mode == C_QUIET)
		cmd = quiet_cmds[below(ARRAY_SIZE(quiet_cmds))];
	if (oneof(100) && mode == C_ANY) /* not ours: no such family, control */
		type = pct(50) ? 0xfff0 : below(NLMSG_MIN_TYPE);
	msg_begin(m, type, huge || mode == C_REVERT ||
		  (mk <= MK_RPC && pct(85)) ?
		  NLM_F_REQUEST | NLM_F_ACK : any_flags(cmd), seq, cmd);
	if (oneof(30))
		((struct genlmsghdr *)(msg_hdr(m) + 1))->version = rnd();
	if (oneof(40))
		((struct genlmsghdr *)(msg_hdr(m) + 1))->reserved = rnd();
	if (oneof(50))
		msg_hdr(m)->nlmsg_pid = rnd();

	if (mk == MK_FAULT)
		fault = huge ? FT_MANY_PREFIXES : 1 + (int)below(FT_COUNT - 1);
	if (mk == MK_VALID || mk == MK_FAULT ||
	    (mk == MK_MUTATED && cmd == IMGSEC_CMD_SET_POLICY)) {
		if (mode == C_REVERT)
			put_u32(m, IMGSEC_A_CONFIRM_SECS, 1);
		else if (fault == FT_CONFIRM || (fault == FT_OK && pct(15)))
			put_u32(m, IMGSEC_A_CONFIRM_SECS,
				fault == FT_CONFIRM ? any32() : any_confirm());
		if (fault == FT_UNKNOWN_TOP)
			put_u32(m, IMGSEC_A_MAX + 1 + below(100), any32());
		model_for_fault(&model, fault);
		if (fault != FT_NO_POLICY)
			encode_policy(m, &model, fault,
				      pct(70) ? 60000 : 200 + below(4000),
				      pct(70) ? 0 : below(40));
	} else if (mk == MK_RPC || mk == MK_MUTATED) {
		rpc_settings(m, pct(60));
	} else if (mk == MK_TREE) {
		any_tree(m, &top_s, 1 + below(4));
	} else if (pct(30)) {
		any_tree(m, &top_s, 1);
	}
	if (mk == MK_MUTATED)
		mutate(m, 1 + below(4), &keep_len);
	if (m->len - m->start < NLMSG_HDRLEN)
		m->len = m->start + NLMSG_HDRLEN;
	if (!keep_len)
		msg_end(m);
	return mk;
}

/*
 * The messages the kernel will find in a datagram, as netlink_rcv_skb()
 * cuts it, whatever our builder meant: that is what gets answered.
 */
struct sub {
	size_t off, len;	/* where it is in the datagram */
	uint32_t seq;
	int cmd;		/* -1: not a genetlink message of ours */
	uint16_t flags;
	bool processed;		/* handed to genetlink at all */
	bool acked, errored, data, done, intr;
	int err;
	char ext[80];		/* the extended ack's message, if any */
};

static int split_datagram(const unsigned char *buf, size_t len,
			  struct sub *s, int max)
{
	const struct nlmsghdr *nlh;
	size_t off = 0, step;
	int n = 0;

	while (len - off >= NLMSG_HDRLEN && n < max) {
		nlh = (const struct nlmsghdr *)(buf + off);
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len - off)
			break;
		memset(&s[n], 0, sizeof(s[n]));
		s[n].off = off;
		s[n].len = nlh->nlmsg_len;
		s[n].seq = nlh->nlmsg_seq;
		s[n].flags = nlh->nlmsg_flags;
		s[n].processed = (nlh->nlmsg_flags & NLM_F_REQUEST) &&
				 nlh->nlmsg_type >= NLMSG_MIN_TYPE;
		s[n].cmd = nlh->nlmsg_type == family &&
			   nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN ?
			   ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd : -1;
		n++;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		off += step < len - off ? step : len - off;
	}
	return n;
}

/* ---- netlink sockets ---- */

static int nl_open(int rcvbuf, bool ext_ack, bool cap_ack)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1, sndbuf = SNDBUF;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	/* Root may force past wmem_max; the others get what they get. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (ext_ack)
		setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (cap_ack)
		setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

static unsigned char rbuf[RECV_SIZE];
/* What transact() reads at once: the kernel sizes dump messages by it. */
static size_t recv_size = RECV_SIZE;

/* One datagram, waiting at most @ms; its length, 0 on timeout, -errno. */
static ssize_t nl_recv(int fd, int ms, size_t size, bool *trunc)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct iovec iov = { rbuf, size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	for (;;) {
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n >= 0) {
			*trunc = mh.msg_flags & MSG_TRUNC;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || ms <= 0)
			return -errno;
		n = poll(&pfd, 1, ms);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* A top-level attribute of a genetlink message, or NULL. */
static const struct nlattr *genl_attr(const struct nlmsghdr *nlh,
				      uint16_t type)
{
	const struct nlattr *a;
	size_t off;

	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= nlh->nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	}
	return NULL;
}

typedef int (*reply_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * Send @m and read until its ack, error or NLMSG_DONE: for requests that
 * must get an answer (probes, the dump test). Returns the error (0 or
 * -errno) or -ETIMEDOUT; @fn sees every other message of that sequence.
 */
static int transact(int fd, struct msg *m, reply_fn fn, void *arg,
		    int (*between)(void))
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)m->buf;
	const struct nlmsghdr *nlh;
	uint32_t seq = req->nlmsg_seq;
	bool trunc;
	ssize_t n;
	int ret;

	if (send(fd, m->buf, m->len, 0) < 0)
		return -errno;
	for (;;) {
		n = nl_recv(fd, PROBE_MS, recv_size, &trunc);
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return n;
		if (trunc)
			return -EMSGSIZE;
		for (nlh = (const struct nlmsghdr *)rbuf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)
					NLMSG_DATA(nlh))->error;
			ret = fn ? fn(nlh, arg) : 0;
			if (ret)
				return ret;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
		}
		if (between)
			between();
	}
}

static uint32_t setup_seq = 0x40000000;

static int family_reply(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a = genl_attr(nlh, CTRL_ATTR_FAMILY_ID), *grps, *g, *x;
	size_t off, goff;

	(void)arg;
	if (a)
		family = *(const uint16_t *)(a + 1);
	grps = genl_attr(nlh, CTRL_ATTR_MCAST_GROUPS);
	if (!grps)
		return 0;
	/* Nested twice: a list of groups, each with a name and an id. */
	for (off = NLA_HDRLEN; off + NLA_HDRLEN <= grps->nla_len;
	     off += NLA_ALIGN(g->nla_len)) {
		uint32_t id = 0;
		bool ours = false;

		g = (const struct nlattr *)((const char *)grps + off);
		if (g->nla_len < NLA_HDRLEN)
			break;
		for (goff = NLA_HDRLEN; goff + NLA_HDRLEN <= g->nla_len;
		     goff += NLA_ALIGN(x->nla_len)) {
			x = (const struct nlattr *)((const char *)g + goff);
			if (x->nla_len < NLA_HDRLEN)
				break;
			if (x->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				id = *(const uint32_t *)(x + 1);
			if (x->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
			    !strcmp((const char *)(x + 1), IMGSEC_MCGRP_EVENTS))
				ours = true;
		}
		if (ours)
			events_group = id;
	}
	return 0;
}

static int resolve_family(void)
{
	static unsigned char buf[4096];
	struct msg m = { .buf = buf };
	int fd = nl_open(0, false, true), ret;

	if (fd < 0)
		return -errno;
	msg_reset(&m, sizeof(buf));
	msg_begin(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, ++setup_seq,
		  CTRL_CMD_GETFAMILY);
	put(&m, CTRL_ATTR_FAMILY_NAME, IMGSEC_GENL_NAME,
	    sizeof(IMGSEC_GENL_NAME));
	msg_end(&m);
	ret = transact(fd, &m, family_reply, NULL, NULL);
	close(fd);
	if (ret == 0 && !family)
		ret = -ENOENT;
	return ret;
}

struct status {
	uint32_t generation, pending;
	bool netns_count;
};

static int status_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct status *st = arg;
	const struct nlattr *a;

	if (nlh->nlmsg_type != family)
		return 0;
	a = genl_attr(nlh, IMGSEC_A_GENERATION);
	if (!a)
		return -EBADMSG;
	st->generation = *(const uint32_t *)(a + 1);
	a = genl_attr(nlh, IMGSEC_A_PENDING_SECS);
	st->pending = a ? *(const uint32_t *)(a + 1) : 0;
	st->netns_count = genl_attr(nlh, IMGSEC_A_NETNS_COUNT);
	return 0;
}

static int get_status(int fd, struct status *st)
{
	unsigned char buf[64];
	struct msg m = { .buf = buf };

	msg_reset(&m, sizeof(buf));
	msg_begin(&m, family, NLM_F_REQUEST | NLM_F_ACK, ++setup_seq,
		  IMGSEC_CMD_GET_STATUS);
	msg_end(&m);
	st->generation = ~0u;
	return transact(fd, &m, status_reply, st, NULL);
}

/* ---- workers ---- */

struct wstats {
	char kind;
	bool gencheck;
	bool failed;
	char why[200];
	double secs;
	uint64_t msgs, sends, send_err, acks, errors, replies, silent, unknown;
	uint64_t overruns, truncated, dumps, dump_intr, late;
	uint64_t state_ok, initns_acked, initns_silent;
	uint64_t probes, checks, bugs, reverts;
	uint64_t joins_ok, joins_refused, reopens, huge;
	uint64_t valid_sent, valid_ok;	/* well-formed SET_POLICY alone */
	uint64_t valid_err[ERRNO_SLOTS];	/* and why the others were refused */
	uint64_t episodes, reverts_seen;	/* --confirm 1, then reads only */
	uint64_t valid_shown;
	uint64_t by_kind[MK_COUNT];
	uint64_t err[ERRNO_SLOTS];	/* NLMSG_ERROR codes; last: others */
	uint64_t serr[ERRNO_SLOTS];	/* send() errnos */
};

struct shared {
	struct wstats w[MAX_WORKERS];
	uint64_t sent;			/* messages, all workers: the pool */
	/* the dump test */
	uint64_t sets;			/* sets acked so far (atomic) */
	int stop;			/* the dump test ends (atomic) */
	uint32_t gen0;
	uint64_t set_failures;
	uint64_t dumps, consistent[2], interrupted, overlapped, mixed, empty;
	uint64_t msgs_min, msgs_max, msgs_total;
	bool failed;
	char why[200];
};

static struct shared *sh;

struct worker {
	int index;
	char kind;
	struct wstats *st;
	bool initns;		/* in the initial network namespace */
	bool unpriv;		/* no right to any admin command */
	int socks[MAX_SOCKS];
	int nsocks;
	int probe;		/* a clean socket for generation reads */
	uint32_t seq[MAX_SOCKS];
	uint32_t gen;		/* as last read */
	double revert_due;	/* when a pending revert falls due, or 0 */
	int quiet;		/* datagrams of reads left before a revert */
	double quiet_until;	/* and when the reads end */
	bool verify;		/* then check that the revert happened */
	uint64_t reverts;	/* st->reverts when the episode began */
	uint64_t msg_no;
	double deadline;
};

static void tool_fail(struct wstats *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tool_fail(struct wstats *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
	st->failed = true;
}

/* @len bytes in hex, 32 a line, at most @max of them, into @f. */
static void hexdump(FILE *f, const unsigned char *buf, size_t len,
		    size_t max)
{
	size_t i;

	max = len < max ? len : max;
	for (i = 0; i < max; i++)
		fprintf(f, "%02x%s", buf[i], i % 32 == 31 ? "\n" : "");
	if (max % 32)
		fprintf(f, "\n");
	if (max < len)
		fprintf(f, "(%zu more bytes)\n", len - max);
}

static uint64_t seed;
static const char *kinds = "rnux";
static int nsocks = 3;
/* -r: regenerate a worker's datagrams, send nothing (see worker_step) */
static bool replay;

/* Past these, a worker counts its BUGs without printing them. */
#define BUGS_SHOWN	20
#define BUGS_DUMPED	2	/* with the datagram in hex */

static void bug(struct worker *w, const struct msg *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A kernel misbehaviour: what, where, and how to get the datagram back
 * (a worker's datagrams depend on the seed and its place only).
 */
static void bug(struct worker *w, const struct msg *m, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	FILE *f;

	if (++w->st->bugs > BUGS_SHOWN)
		return;
	/* One write: the workers share stderr. */
	f = fmemopen(text, sizeof(text), "w");
	if (!f)
		return;
	fprintf(f, "BUG: seed %llu worker %d (%c) message %llu: ",
		(unsigned long long)seed, w->index, w->kind,
		(unsigned long long)w->msg_no);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, " [replay: genl_fuzz -s %llu -w %s -k %d -r %d:%llu]\n",
		(unsigned long long)seed, kinds, nsocks, w->index,
		(unsigned long long)w->msg_no);
	if (m && w->st->bugs <= BUGS_DUMPED) {
		fprintf(f, "datagram of %zu bytes:\n", m->len);
		hexdump(f, m->buf, m->len, 512);
	}
	if (w->st->bugs == BUGS_SHOWN)
		fprintf(f, "BUG: worker %d: more are counted, not shown\n",
			w->index);
	fclose(f);
	text[sizeof(text) - 1] = 0;
	if (write(2, text, strlen(text)) < 0)
		return;
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	/* Else /proc/self/uid_map belongs to root and cannot be written. */
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* As nobody: a user namespace of one's own, where nobody is root. */
static int enter_userns(bool newnet)
{
	if (unshare(CLONE_NEWUSER | (newnet ? CLONE_NEWNET : 0)) < 0)
		return -errno;
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 65534 1") ||
	    write_file("/proc/self/gid_map", "0 65534 1"))
		return -errno ? -errno : -EIO;
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		return -errno;
	return 0;
}

static int sock_open_random(void)
{
	static const int rcvbufs[] = { 0, 0, 0, 1024, 8192, 65536 };
	int rcvbuf = rcvbufs[below(ARRAY_SIZE(rcvbufs))];
	bool ext_ack = pct(70), cap_ack = pct(50);

	return replay ? 1000 : nl_open(rcvbuf, ext_ack, cap_ack);
}

static int worker_setup(struct worker *w)
{
	int i, ret, early = -1;

	if (replay) {
		for (i = 0; i < w->nsocks; i++)
			w->socks[i] = sock_open_random();
		return 0;
	}
	if (w->kind != 'r') {
		/*
		 * A socket opened by root, used by nobody: both must be
		 * privileged for an admin command.
		 */
		if (w->kind == 'n')
			early = sock_open_random();
		ret = drop_to_nobody();
		if (ret)
			return tool_fail(w->st, "cannot become nobody: %s",
					 strerror(-ret)), -1;
	}
	if (w->kind == 'u' || w->kind == 'x') {
		ret = enter_userns(w->kind == 'u');
		if (ret)
			return tool_fail(w->st, "unshare(CLONE_NEWUSER%s) as nobody: %s",
					 w->kind == 'u' ? "|CLONE_NEWNET" : "",
					 strerror(-ret)), -1;
	}
	for (i = 0; i < w->nsocks; i++) {
		w->socks[i] = i == 0 && early >= 0 ? early : sock_open_random();
		if (w->socks[i] < 0)
			return tool_fail(w->st, "netlink socket: %s",
					 strerror(errno)), -1;
	}
	w->probe = nl_open(0, false, true);
	if (w->probe < 0)
		return tool_fail(w->st, "netlink socket: %s", strerror(errno)), -1;
	return 0;
}

static void count_err(uint64_t *slots, int e)
{
	slots[e > 0 && e < ERRNO_SLOTS - 1 ? e : ERRNO_SLOTS - 1]++;
}

static struct sub *find_sub(struct sub *s, int n, uint32_t seq)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].seq == seq)
			return &s[i];
	return NULL;
}

/* A data message in answer to one of ours: is it one it may get? */
static void check_data(struct worker *w, const struct msg *m,
		       const struct nlmsghdr *nlh, size_t len)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);

	if (len < NLMSG_HDRLEN + GENL_HDRLEN || nlh->nlmsg_type != family)
		return;
	if (w->unpriv && admin_only(g->cmd))
		bug(w, m, "an unprivileged sender got a %s reply (cmd %u)",
		    g->cmd == IMGSEC_CMD_GET_POLICY ? "GET_POLICY" : "data",
		    g->cmd);
	if (g->cmd == IMGSEC_CMD_GET_STATUS && w->kind != 'r' &&
	    len == nlh->nlmsg_len && genl_attr(nlh, IMGSEC_A_NETNS_COUNT))
		bug(w, m, "IMGSEC_A_NETNS_COUNT went to a sender who is not the host's admin");
}

/* NLMSGERR_ATTR_MSG of an error, after the request it echoes. */
static void ext_msg(const struct nlmsghdr *nlh, size_t len, char *out,
		    size_t size)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const struct nlattr *a;
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	while (off + NLA_HDRLEN <= len) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(out, size, "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)(a + 1));
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

static void on_reply(struct worker *w, const struct msg *m, struct sub *s,
		     int ns, const struct nlmsghdr *nlh, size_t len)
{
	struct sub *sub = find_sub(s, ns, nlh->nlmsg_seq);
	struct wstats *st = w->st;
	int e;

	if (!sub) {
		st->late++;	/* answers to a datagram not read at the time */
		return;
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		sub->intr = true;
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		if (len < NLMSG_HDRLEN + sizeof(int))
			return;
		e = -((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
		if (e == 0) {
			sub->acked = true;
			st->acks++;
		} else {
			sub->errored = true;
			sub->err = e;
			st->errors++;
			count_err(st->err, e);
			if (len >= NLMSG_HDRLEN + sizeof(struct nlmsgerr))
				ext_msg(nlh, len, sub->ext, sizeof(sub->ext));
		}
		return;
	case NLMSG_DONE:
		sub->done = true;
		st->dumps++;
		st->dump_intr += sub->intr;
		return;
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return;
	}
	sub->data = true;
	st->replies++;
	check_data(w, m, nlh, len);
}

/*
 * Read all that is queued. The kernel answered within send(), and goes on
 * with a dump as we read, so this ends when the dump does. False if some
 * answer may have been lost (ENOBUFS).
 */
static bool drain(struct worker *w, int fd, const struct msg *m,
		  struct sub *s, int ns)
{
	const struct nlmsghdr *nlh;
	bool trunc, complete = true;
	ssize_t n;
	size_t off;
	int i;

	for (i = 0; i < DRAIN_MAX; i++) {
		n = nl_recv(fd, 0, sizeof(rbuf), &trunc);
		if (n == -EAGAIN)
			return complete;
		if (n == -ENOBUFS) {
			w->st->overruns++;
			complete = false;
			continue;
		}
		if (n < 0) {
			tool_fail(w->st, "recv: %s", strerror(-n));
			return false;
		}
		w->st->truncated += trunc;
		/*
		 * Truncated: an ack that echoes a huge request. Its head
		 * (the error code) is all we need.
		 */
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)n;
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			nlh = (const struct nlmsghdr *)(rbuf + off);
			if (nlh->nlmsg_len < NLMSG_HDRLEN)
				break;
			on_reply(w, m, s, ns, nlh,
				 nlh->nlmsg_len <= n - off ? nlh->nlmsg_len :
							     n - off);
			if (nlh->nlmsg_len > n - off)
				break;
		}
	}
	tool_fail(w->st, "more than %d datagrams after one send", DRAIN_MAX);
	return false;
}

/* Changes of the generation a datagram's outcome accounts for. */
struct expect {
	uint32_t bumps;		/* accepted SET_POLICY and FLUSH */
	uint32_t confirm;	/* shortest --confirm of those, seconds */
	bool unsure;		/* an outcome we could not see */
	bool state;		/* it had a state-changing command */
	double sent;		/* when */
};

/*
 * The IMGSEC_A_CONFIRM_SECS the kernel took from a message it accepted
 * (the last one at the top level), or 0.
 */
static uint32_t confirm_of(const unsigned char *buf, const struct sub *s)
{
	const struct nlmsghdr *nlh = (const void *)(buf + s->off);
	const struct nlattr *a;
	uint32_t secs = 0;
	size_t off;

	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= s->len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > s->len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == IMGSEC_A_CONFIRM_SECS &&
		    a->nla_len == NLA_HDRLEN + 4)
			memcpy(&secs, a + 1, 4);
	}
	return secs;
}

static void account(struct worker *w, const struct msg *m, struct sub *s,
		    int ns, bool complete, struct expect *ex)
{
	struct wstats *st = w->st;
	bool ok;
	int i;

	for (i = 0; i < ns; i++) {
		if (!s[i].processed || s[i].cmd < 0 || !state_changing(s[i].cmd))
			continue;
		ex->state = true;
		if (!complete) {
			st->unknown++;
			ex->unsure = true;
			continue;
		}
		/*
		 * Processed, no error, no ack asked for: it succeeded. A
		 * dump flag on a doit command is refused with an error.
		 */
		ok = s[i].acked || (!s[i].errored && !s[i].data);
		if (!s[i].acked && ok)
			st->silent++;
		if (!ok)
			continue;
		st->state_ok++;
		if (w->initns) {
			if (s[i].acked)
				st->initns_acked++;
			else
				st->initns_silent++;
		}
		if (s[i].cmd == IMGSEC_CMD_SET_POLICY ||
		    s[i].cmd == IMGSEC_CMD_FLUSH)
			ex->bumps++;
		if (s[i].cmd == IMGSEC_CMD_SET_POLICY &&
		    confirm_of(m->buf, &s[i]) &&
		    (!ex->confirm || confirm_of(m->buf, &s[i]) < ex->confirm))
			ex->confirm = confirm_of(m->buf, &s[i]);
		if (w->unpriv)
			bug(w, m, "cmd %d from an unprivileged sender was %s",
			    s[i].cmd, s[i].acked ? "acked" : "not refused");
		if (w->kind == 'u' && s[i].cmd == IMGSEC_CMD_SET_RPC)
			bug(w, m, "SET_RPC from a user namespace was %s",
			    s[i].acked ? "acked" : "not refused");
	}
	for (i = 0; i < ns && complete; i++)
		if (s[i].processed && s[i].cmd == IMGSEC_CMD_GET_POLICY &&
		    w->unpriv && (s[i].data || s[i].done))
			bug(w, m, "GET_POLICY dumped to an unprivileged sender");
}

/* Slack around a revert's deadline: whole seconds, timers, workqueues. */
#define REVERT_EARLY	2.0
#define REVERT_LATE	30.0

/*
 * Alone as admin of our namespace: the generation moves only by what we
 * did, plus one for a --confirm revert, which the kernel runs on its own
 * when the deadline it reported (IMGSEC_A_PENDING_SECS) is near: excused
 * there only, and once.
 */
static void check_generation(struct worker *w, const struct msg *m,
			     const struct expect *ex)
{
	double t;
	struct status st;
	uint32_t delta;
	bool revert;
	int ret;

	ret = get_status(w->probe, &st);
	w->st->probes++;
	if (ret) {
		tool_fail(w->st, "GET_STATUS on a clean socket: %s",
			  strerror(-ret));
		return;
	}
	t = now();
	revert = w->revert_due && t >= w->revert_due - REVERT_EARLY &&
		 t <= w->revert_due + REVERT_LATE;
	/* A --confirm of this very datagram may be due already. */
	if (ex->confirm && t - ex->sent >= ex->confirm - REVERT_EARLY)
		revert = true;
	delta = st.generation - w->gen;
	w->gen = st.generation;
	if (!ex->unsure) {
		w->st->checks++;
		if (revert && delta == ex->bumps + 1) {
			w->st->reverts++;
			w->revert_due = 0;
		} else if (delta != ex->bumps) {
			bug(w, m, "generation moved by %u, expected %u%s (%s)",
			    delta, ex->bumps,
			    revert ? " or one more for a revert" : "",
			    delta > ex->bumps ? "refused but changed" :
						"accepted but unchanged");
		}
	}
	/* No revert pending well before its deadline: it was cancelled. */
	if (st.pending)
		w->revert_due = t + st.pending;
	else if (w->revert_due && (t < w->revert_due - REVERT_EARLY ||
				   t > w->revert_due + REVERT_LATE))
		w->revert_due = 0;
}

static void try_join(struct worker *w, int fd)
{
	uint32_t grp = pct(90) ? events_group : below(64);
	bool leave = oneof(5);
	int ret;

	if (!grp || replay)
		return;
	/* Leaving a group is anyone's right: only joins are checked. */
	if (leave) {
		setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &grp,
			   sizeof(grp));
		return;
	}
	ret = setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
			 sizeof(grp));
	if (grp != events_group)
		return;
	if (ret == 0) {
		w->st->joins_ok++;
		if (w->unpriv)
			bug(w, NULL, "an unprivileged sender joined the events group");
	} else {
		w->st->joins_refused++;
	}
}

/* Several messages, one datagram; sometimes raw garbage instead. */
static int compose_datagram(struct worker *w, struct msg *m, int sock,
			    int mode, int *kind)
{
	bool one = mode == C_HUGE || mode == C_REVERT;
	int n = pct(92) || one ? 1 : 2 + below(5), i, mk;
	size_t k;

	*kind = -1;
	msg_reset(m, mode == C_HUGE ? MSG_CAP : 256 * 1024);
	if (mode == C_ANY && oneof(200)) { /* too short for a netlink message */
		m->len = below(NLMSG_HDRLEN + 8);
		for (k = 0; k < m->len; k++)
			m->buf[k] = rnd();
		return 1;
	}
	for (i = 0; i < n && !m->full; i++) {
		mk = compose(m, ++w->seq[sock], mode);
		w->st->by_kind[mk]++;
		*kind = n == 1 ? mk : -1;
	}
	w->st->huge += mode == C_HUGE;
	return n;
}

/*
 * The end of a revert episode: a well-formed policy set with a 1 s
 * --confirm, then reads only, past the deadline. The kernel must have put
 * the previous policy back: the generation one up, nothing pending.
 */
static void verify_revert(struct worker *w)
{
	double limit = now() + REVERT_LATE;
	struct status st;
	uint32_t delta;
	int ret;

	for (;;) {
		ret = get_status(w->probe, &st);
		w->st->probes++;
		if (ret) {
			tool_fail(w->st, "GET_STATUS on a clean socket: %s",
				  strerror(-ret));
			return;
		}
		delta = st.generation - w->gen;
		/* Seen already, if the check after the set came late. */
		if ((delta == 1 || (!delta && w->st->reverts > w->reverts)) &&
		    !st.pending) {
			w->st->reverts_seen++;
			break;
		}
		if (delta) {
			bug(w, NULL, "after a 1 s --confirm and reads only, the generation moved by %u",
			    delta);
			break;
		}
		if (now() > limit) {
			bug(w, NULL, "a policy set with a 1 s --confirm was not reverted (%u s still pending)",
			    st.pending);
			break;
		}
		usleep(50000);
	}
	w->gen = st.generation;
	w->revert_due = 0;
}

/* Send a datagram, read its answers, check what they say. */
static void send_and_check(struct worker *w, struct msg *m, int fd,
			   int mode, int kind, bool keep, bool sample)
{
	struct sub subs[MAX_SUBS];
	struct expect ex = { 0 };
	bool complete;
	int ns;

	ns = split_datagram(m->buf, m->len, subs, MAX_SUBS);
	w->st->sends++;
	ex.sent = now();
	if (send(fd, m->buf, m->len, 0) < 0) {
		w->st->send_err++;
		count_err(w->st->serr, errno);
		return;
	}
	complete = !keep && drain(w, fd, m, subs, ns);
	if (w->st->failed)
		return;
	account(w, m, subs, ns, complete, &ex);
	/* Does the fuzzer get past the parser at all? */
	if (kind == MK_VALID && ns == 1 && complete && subs[0].processed &&
	    subs[0].cmd == IMGSEC_CMD_SET_POLICY) {
		w->st->valid_sent++;
		w->st->valid_ok += subs[0].acked ||
				   (!subs[0].errored && !subs[0].data);
		if (subs[0].errored)
			count_err(w->st->valid_err, subs[0].err);
		/* Some are refused (flags, sizes): say why, now and then. */
		if (subs[0].errored && !w->unpriv &&
		    w->st->valid_shown++ < 3)
			printf("worker %d: message %llu, a well-formed SET_POLICY, refused: %s (%s)\n",
			       w->index, (unsigned long long)w->msg_no,
			       strerrorname_np(subs[0].err) ?: "?",
			       subs[0].ext[0] ? subs[0].ext : "no message");
	}
	if (mode == C_REVERT)
		w->verify &= complete && ns == 1 && subs[0].acked;
	/* After a state change, and now and then after anything else. */
	if (w->st->gencheck && (ex.state || (sample && mode != C_QUIET)))
		check_generation(w, m, &ex);
}

/*
 * One datagram. Every random choice is drawn whatever the kernel answers,
 * so that a worker's datagrams depend on the seed alone: replay (-r)
 * makes the same draws and sends nothing. That holds for the revert
 * episodes of those alone as admin of their namespace too: a well-formed
 * policy with a 1 s --confirm, then 30 datagrams that change nothing,
 * then, past the deadline, a check that the kernel reverted it (or,
 * before it, the fuzzing goes on and races the timer).
 */
static void worker_step(struct worker *w, struct msg *m)
{
	int sock = below(w->nsocks), fd, n, kind, mode = C_ANY;
	bool reopen = oneof(500), join = oneof(300), huge = oneof(4000);
	bool episode = oneof(800), racing = pct(30), keep, sample;
	double wait = racing ? below(1000) / 1000.0 : 1.2;

	if (w->quiet)
		mode = C_QUIET;
	else if (huge)
		mode = C_HUGE;
	else if (episode && w->st->gencheck)
		mode = C_REVERT;
	if (reopen) {	/* a new socket, maybe in the middle of a dump */
		if (!replay)
			close(w->socks[sock]);
		w->socks[sock] = sock_open_random();
		if (w->socks[sock] < 0) {
			tool_fail(w->st, "netlink socket: %s", strerror(errno));
			return;
		}
		w->st->reopens++;
	}
	fd = w->socks[sock];
	if (join)
		try_join(w, fd);
	n = compose_datagram(w, m, sock, mode, &kind);
	/* Now and then leave the answers queued: full sockets, overruns. */
	keep = oneof(40);
	sample = oneof(50);
	w->msg_no += n;
	w->st->msgs += n;
	if (mode == C_QUIET)
		w->quiet--;
	if (mode == C_REVERT) {
		w->quiet = 30;
		w->quiet_until = now() + wait;
		w->verify = !racing;
		w->reverts = w->st->reverts;
		w->st->episodes++;
	}
	if (replay)
		return;
	__atomic_fetch_add(&sh->sent, n, __ATOMIC_SEQ_CST);
	send_and_check(w, m, fd, mode, kind, keep, sample);
	if (mode == C_QUIET && !w->quiet && !w->st->failed) {
		while (now() < w->quiet_until)
			usleep(20000);
		if (w->verify)
			verify_revert(w);
	}
}

/* -r W:N: the datagram of worker @w that holds its message @no, in hex. */
static int replay_worker(struct worker *w, uint64_t no)
{
	static unsigned char buf[MSG_CAP + 65536];
	struct msg m = { .buf = buf };

	replay = true;
	worker_setup(w);
	while (w->msg_no < no)
		worker_step(w, &m);
	printf("seed %llu worker %d (%c) messages up to %llu: a datagram of %zu bytes\n",
	       (unsigned long long)seed, w->index, w->kind,
	       (unsigned long long)w->msg_no, m.len);
	hexdump(stdout, m.buf, m.len, m.len);
	return 0;
}

static void worker_run(struct worker *w, uint64_t count)
{
	static unsigned char buf[MSG_CAP + 65536];
	struct msg m = { .buf = buf };
	struct status st;
	double t0 = now();
	int ret;

	if (worker_setup(w))
		return;
	ret = get_status(w->probe, &st);
	if (ret) {
		tool_fail(w->st, "GET_STATUS: %s", strerror(-ret));
		return;
	}
	w->gen = st.generation;
	if (st.pending)
		w->revert_due = now() + st.pending;
	/* The quick ones send more: the run lasts as long as it must. */
	while (__atomic_load_n(&sh->sent, __ATOMIC_SEQ_CST) < count &&
	       !w->st->failed && now() < w->deadline)
		worker_step(w, &m);
	w->st->secs = now() - t0;
}

/* ---- reports ---- */

static void print_errnos(const char *what, const uint64_t *slots)
{
	const char *name;
	int e;

	printf("%s:", what);
	for (e = 1; e < ERRNO_SLOTS; e++) {
		if (!slots[e])
			continue;
		name = e == ERRNO_SLOTS - 1 ? "other" : strerrorname_np(e);
		if (name)
			printf(" %s %llu", name, (unsigned long long)slots[e]);
		else
			printf(" errno%d %llu", e, (unsigned long long)slots[e]);
	}
	printf("\n");
}

static const char *kind_name(char kind)
{
	switch (kind) {
	case 'r': return "root, initial namespaces";
	case 'n': return "nobody, initial namespaces";
	case 'u': return "nobody, own user+net namespace";
	default: return "nobody, own user namespace, initial netns";
	}
}

static void print_worker(int i, const struct wstats *s)
{
	printf("worker %d (%c: %s): %llu msgs in %llu sends, %.1f s; acked %llu, errors %llu, data %llu, silent %llu, unknown %llu, overruns %llu, late %llu; dumps %llu (interrupted %llu); state changes ok %llu (initial netns: acked %llu, silent %llu); generation checks %llu (reverts %llu); --confirm 1 episodes %llu, reverts verified %llu; events group joins %llu ok, %llu refused; well-formed SET_POLICY accepted %llu of %llu; reopens %llu, huge %llu; bugs %llu\n",
	       i, s->kind, kind_name(s->kind),
	       (unsigned long long)s->msgs, (unsigned long long)s->sends,
	       s->secs, (unsigned long long)s->acks,
	       (unsigned long long)s->errors, (unsigned long long)s->replies,
	       (unsigned long long)s->silent, (unsigned long long)s->unknown,
	       (unsigned long long)s->overruns, (unsigned long long)s->late,
	       (unsigned long long)s->dumps, (unsigned long long)s->dump_intr,
	       (unsigned long long)s->state_ok,
	       (unsigned long long)s->initns_acked,
	       (unsigned long long)s->initns_silent,
	       (unsigned long long)s->checks, (unsigned long long)s->reverts,
	       (unsigned long long)s->episodes,
	       (unsigned long long)s->reverts_seen,
	       (unsigned long long)s->joins_ok,
	       (unsigned long long)s->joins_refused,
	       (unsigned long long)s->valid_ok,
	       (unsigned long long)s->valid_sent,
	       (unsigned long long)s->reopens, (unsigned long long)s->huge,
	       (unsigned long long)s->bugs);
	if (s->failed)
		printf("worker %d: FAILED: %s\n", i, s->why);
}

static int report(int nw, uint64_t asked, double secs)
{
	struct wstats t = { 0 };
	const struct wstats *s;
	bool failed = false;
	int i, k, e;

	for (i = 0; i < nw; i++) {
		s = &sh->w[i];
		print_worker(i, s);
		failed |= s->failed;
		/*
		 * An admin whose well-formed policies are all refused
		 * fuzzes the parser's first lines only.
		 */
		if ((s->kind == 'r' || s->kind == 'u') && s->valid_sent >= 20 &&
		    s->valid_ok * 2 < s->valid_sent) {
			printf("worker %d: FAILED: only %llu of %llu well-formed SET_POLICY accepted\n",
			       i, (unsigned long long)s->valid_ok,
			       (unsigned long long)s->valid_sent);
			failed = true;
		}
		t.msgs += s->msgs;
		t.sends += s->sends;
		t.send_err += s->send_err;
		t.acks += s->acks;
		t.errors += s->errors;
		t.replies += s->replies;
		t.silent += s->silent;
		t.unknown += s->unknown;
		t.overruns += s->overruns;
		t.dumps += s->dumps;
		t.dump_intr += s->dump_intr;
		t.initns_acked += s->initns_acked;
		t.initns_silent += s->initns_silent;
		t.checks += s->checks;
		t.bugs += s->bugs;
		t.episodes += s->episodes;
		t.reverts_seen += s->reverts_seen;
		t.valid_sent += s->valid_sent;
		t.valid_ok += s->valid_ok;
		for (k = 0; k < MK_COUNT; k++)
			t.by_kind[k] += s->by_kind[k];
		for (e = 0; e < ERRNO_SLOTS; e++) {
			t.err[e] += s->err[e];
			t.serr[e] += s->serr[e];
			if (s->kind == 'r' || s->kind == 'u')
				t.valid_err[e] += s->valid_err[e];
		}
	}
	printf("total: %llu messages in %llu sends (%llu refused by send) in %.1f s, %.0f messages/s; acked %llu, errors %llu, data %llu, silent %llu, unknown %llu, overruns %llu; dumps %llu, interrupted %llu\n",
	       (unsigned long long)t.msgs, (unsigned long long)t.sends,
	       (unsigned long long)t.send_err, secs, t.msgs / secs,
	       (unsigned long long)t.acks, (unsigned long long)t.errors,
	       (unsigned long long)t.replies, (unsigned long long)t.silent,
	       (unsigned long long)t.unknown, (unsigned long long)t.overruns,
	       (unsigned long long)t.dumps, (unsigned long long)t.dump_intr);
	printf("total kinds:");
	for (k = 0; k < MK_COUNT; k++)
		printf(" %s %llu", mk_name[k], (unsigned long long)t.by_kind[k]);
	printf("\n");
	print_errnos("total errors", t.err);
	print_errnos("total send errors", t.serr);
	print_errnos("total well-formed SET_POLICY of admins refused", t.valid_err);
	printf("total: initial netns state changes: acked %llu silent %llu\n",
	       (unsigned long long)t.initns_acked,
	       (unsigned long long)t.initns_silent);
	printf("total: generation checks %llu, --confirm 1 episodes %llu, reverts verified %llu, bugs %llu\n",
	       (unsigned long long)t.checks, (unsigned long long)t.episodes,
	       (unsigned long long)t.reverts_seen, (unsigned long long)t.bugs);
	if (!failed && t.msgs < asked) {
		printf("total: FAILED: %llu of %llu messages sent in the time given\n",
		       (unsigned long long)t.msgs, (unsigned long long)asked);
		failed = true;
	}
	if (t.bugs)
		return 3;
	return failed ? 1 : 0;
}

/* Wait for the children, killing them past @deadline. */
static bool reap(pid_t *pids, int n, double deadline)
{
	bool hung = false;
	int i, left = n, status;
	pid_t pid;

	while (left) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			for (i = 0; i < n; i++)
				if (pids[i] == pid)
					pids[i] = 0;
			left--;
			continue;
		}
		if (now() > deadline) {
			for (i = 0; i < n; i++) {
				if (pids[i]) {
					fprintf(stderr, "genl_fuzz: child %d hung, killed\n", i);
					kill(pids[i], SIGKILL);
				}
			}
			hung = true;
			deadline += 1e9;
		}
		usleep(20000);
	}
	return !hung;
}

/* Worker @i of the -w string; its own stream of random numbers. */
static void worker_init(struct worker *w, int i, double deadline)
{
	int k;

	memset(w, 0, sizeof(*w));
	w->index = i;
	w->kind = kinds[i];
	w->st = &sh->w[i];
	w->st->kind = kinds[i];
	/* Two roots in one namespace would blur each other's view. */
	w->st->gencheck = kinds[i] == 'u' ||
			  (kinds[i] == 'r' && !strchr(strchr(kinds, 'r') + 1, 'r'));
	w->initns = kinds[i] != 'u';
	w->unpriv = kinds[i] == 'n' || kinds[i] == 'x';
	w->nsocks = nsocks;
	w->deadline = deadline;
	rng = seed;
	for (k = 0; k <= i; k++)
		rng = splitmix(&rng);
}

static int fuzz(uint64_t count, double limit)
{
	int nw = strlen(kinds), i, ret;
	pid_t pids[MAX_WORKERS];
	double t0 = now();

	printf("genl_fuzz: seed %llu, %llu messages, workers \"%s\", %d sockets each, family %u, events group %u\n",
	       (unsigned long long)seed, (unsigned long long)count, kinds,
	       nsocks, family, events_group);
	fflush(stdout);
	for (i = 0; i < nw; i++) {
		sh->w[i].kind = kinds[i];
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("genl_fuzz: fork");
			return 1;
		}
		if (pids[i] == 0) {
			struct worker w;

			worker_init(&w, i, limit ? t0 + limit : 1e18);
			worker_run(&w, count);
			fflush(NULL);
			_exit(0);
		}
	}
	if (!reap(pids, nw, limit ? t0 + limit + 120 : 1e18)) {
		printf("genl_fuzz: FAILED: a worker hung\n");
		report(nw, count, now() - t0);
		return 1;
	}
	ret = report(nw, count, now() - t0);
	printf("genl_fuzz: %s\n", ret == 0 ? "PASS" : ret == 3 ? "BUG" : "FAILED");
	return ret;
}

/* ---- dump consistency ---- */

static struct model *pol[2];	/* A and B */

/* A dump joined back together, as the kernel cut it. */
struct dumped {
	bool header;
	uint8_t mode, def, placement;
	int nroles, nrules;
	struct role_m roles[IMGSEC_MAX_ROLES];
	struct imgsec_prefix *prefixes[IMGSEC_MAX_ROLES];
	uint32_t cap[IMGSEC_MAX_ROLES];
	struct rule_m rules[IMGSEC_MAX_RULES];
	uint32_t generation;
	bool have_gen, mixed_gen, intr;
	int msgs;
	char error[160];
};

static void dumped_reset(struct dumped *d)
{
	int i;

	for (i = 0; i < IMGSEC_MAX_ROLES; i++)
		d->roles[i].nprefixes = 0;
	d->header = false;
	d->nroles = 0;
	d->nrules = 0;
	d->have_gen = false;
	d->mixed_gen = false;
	d->intr = false;
	d->msgs = 0;
	d->error[0] = 0;
}

#define for_each_attr(a, start, len)					\
	for (a = (const struct nlattr *)(start);			\
	     (const char *)a + NLA_HDRLEN <= (const char *)(start) + (len) && \
	     a->nla_len >= NLA_HDRLEN &&					\
	     (const char *)a + a->nla_len <= (const char *)(start) + (len); \
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len)))

#define PAYLOAD(a)	((const void *)((a) + 1))
#define PLEN(a)		((size_t)(a)->nla_len - NLA_HDRLEN)

static void dump_error(struct dumped *d, const char *what)
{
	if (!d->error[0])
		snprintf(d->error, sizeof(d->error), "%s", what);
}

static void dumped_role(struct dumped *d, const struct nlattr *nest)
{
	const struct nlattr *a;
	uint32_t index = ~0u;
	struct role_m *r;

	for_each_attr(a, PAYLOAD(nest), PLEN(nest))
		if (a->nla_type == IMGSEC_ROLE_A_INDEX && PLEN(a) == 4)
			index = *(const uint32_t *)PAYLOAD(a);
	if (index >= IMGSEC_MAX_ROLES ||
	    (index != (uint32_t)d->nroles && index + 1 != (uint32_t)d->nroles)) {
		dump_error(d, "role nest with a missing or unordered index");
		return;
	}
	d->nroles = index + 1;
	r = &d->roles[index];
	for_each_attr(a, PAYLOAD(nest), PLEN(nest)) {
		if (a->nla_type == IMGSEC_ROLE_A_NAME)
			snprintf(r->name, sizeof(r->name), "%.*s",
				 (int)PLEN(a), (const char *)PAYLOAD(a));
		if (a->nla_type != IMGSEC_ROLE_A_PREFIX)
			continue;
		if (PLEN(a) != sizeof(struct imgsec_prefix)) {
			dump_error(d, "prefix of a wrong size");
			return;
		}
		if (r->nprefixes == d->cap[index]) {
			d->cap[index] = d->cap[index] ? 2 * d->cap[index] : 64;
			d->prefixes[index] =
				realloc(d->prefixes[index],
					d->cap[index] * sizeof(struct imgsec_prefix));
			if (!d->prefixes[index]) {
				perror("genl_fuzz: realloc");
				exit(1);
			}
		}
		memcpy(&d->prefixes[index][r->nprefixes++], PAYLOAD(a),
		       sizeof(struct imgsec_prefix));
	}
}

static void dumped_rule(struct dumped *d, const struct nlattr *nest)
{
	const struct nlattr *a;
	struct rule_m *r;
	uint32_t index = ~0u;

	for_each_attr(a, PAYLOAD(nest), PLEN(nest))
		if (a->nla_type == IMGSEC_RULE_A_INDEX && PLEN(a) == 4)
			index = *(const uint32_t *)PAYLOAD(a);
	if (index != (uint32_t)d->nrules || index >= IMGSEC_MAX_RULES) {
		dump_error(d, "rule nest with a missing or unordered index");
		return;
	}
	r = &d->rules[d->nrules++];
	memset(r, 0, sizeof(*r));
	for_each_attr(a, PAYLOAD(nest), PLEN(nest)) {
		const uint8_t *v = PAYLOAD(a);

		switch (a->nla_type) {
		case IMGSEC_RULE_A_FROM:
			r->from = *v;
			break;
		case IMGSEC_RULE_A_TO:
			r->to = *v;
			break;
		case IMGSEC_RULE_A_PROTO:
			r->proto = *v;
			break;
		case IMGSEC_RULE_A_HELPER:
			r->helper = *v;
			break;
		case IMGSEC_RULE_A_PORTS:
			r->nports = PLEN(a) / sizeof(r->ports[0]);
			if (r->nports > IMGSEC_MAX_PORT_RANGES) {
				dump_error(d, "too many port ranges");
				return;
			}
			memcpy(r->ports, v, r->nports * sizeof(r->ports[0]));
			break;
		case IMGSEC_RULE_A_COMMENT:
			snprintf(r->comment, sizeof(r->comment), "%.*s",
				 (int)PLEN(a), (const char *)v);
			break;
		case IMGSEC_RULE_A_PORTS_TEXT:
			snprintf(r->ports_text, sizeof(r->ports_text), "%.*s",
				 (int)PLEN(a), (const char *)v);
			break;
		case IMGSEC_RULE_A_LIMIT_RATE:
			memcpy(&r->limit_rate, v, sizeof(r->limit_rate));
			break;
		case IMGSEC_RULE_A_LIMIT_UNIT:
			r->limit_unit = *v;
			break;
		case IMGSEC_RULE_A_LIMIT_BURST:
			memcpy(&r->limit_burst, v, sizeof(r->limit_burst));
			break;
		}
	}
}

static int dump_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct dumped *d = arg;
	const struct nlattr *a, *p, *item;
	uint32_t gen;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		d->intr = true;
	if (nlh->nlmsg_type != family)
		return 0;
	d->msgs++;
	a = genl_attr(nlh, IMGSEC_A_GENERATION);
	if (!a) {
		dump_error(d, "a dump message without IMGSEC_A_GENERATION");
		return 0;
	}
	gen = *(const uint32_t *)PAYLOAD(a);
	if (d->have_gen && gen != d->generation)
		d->mixed_gen = true;
	d->generation = gen;
	d->have_gen = true;
	p = genl_attr(nlh, IMGSEC_A_POLICY);
	if (!p)
		return 0;
	for_each_attr(a, PAYLOAD(p), PLEN(p)) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case IMGSEC_POLICY_A_MODE:
			d->mode = *(const uint8_t *)PAYLOAD(a);
			d->header = true;
			break;
		case IMGSEC_POLICY_A_DEFAULT:
			d->def = *(const uint8_t *)PAYLOAD(a);
			break;
		case IMGSEC_POLICY_A_PLACEMENT:
			d->placement = *(const uint8_t *)PAYLOAD(a);
			break;
		case IMGSEC_POLICY_A_ROLES:
			for_each_attr(item, PAYLOAD(a), PLEN(a))
				dumped_role(d, item);
			break;
		case IMGSEC_POLICY_A_RULES:
			for_each_attr(item, PAYLOAD(a), PLEN(a))
				dumped_rule(d, item);
			break;
		}
	}
	return 0;
}

/* NULL when @d is exactly @p, else what differs first. */
static const char *dump_differs(const struct dumped *d, const struct model *p)
{
	struct imgsec_prefix want;
	const struct rule_m *a, *b;
	int i;
	uint32_t k;

	if (!d->header || d->mode != p->mode || d->def != p->def ||
	    d->placement != p->placement)
		return "header";
	if (d->nroles != (int)p->nroles)
		return "number of roles";
	for (i = 0; i < d->nroles; i++) {
		if (strcmp(d->roles[i].name, p->roles[i].name))
			return "a role name";
		if (d->roles[i].nprefixes != p->roles[i].nprefixes)
			return "a role's number of prefixes";
		for (k = 0; k < p->roles[i].nprefixes; k++) {
			make_prefix(&want, p->salt, i, k);
			if (memcmp(&want, &d->prefixes[i][k], sizeof(want)))
				return "a prefix";
		}
	}
	if (d->nrules != (int)p->nrules)
		return "number of rules";
	for (i = 0; i < d->nrules; i++) {
		a = &d->rules[i];
		b = &p->rules[i];
		if (a->from != b->from || a->to != b->to ||
		    a->proto != b->proto || a->helper != b->helper ||
		    a->nports != b->nports ||
		    memcmp(a->ports, b->ports, a->nports * sizeof(a->ports[0])) ||
		    strcmp(a->comment, b->comment) ||
		    strcmp(a->ports_text, b->ports_text) ||
		    a->limit_rate != b->limit_rate ||
		    a->limit_unit != b->limit_unit ||
		    a->limit_burst != b->limit_burst)
			return "a rule";
	}
	return NULL;
}

static void dump_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void dump_fail(const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	if (__atomic_fetch_add(&sh->mixed, 1, __ATOMIC_SEQ_CST) >= BUGS_SHOWN)
		return;
	n = snprintf(text, sizeof(text), "BUG: seed %llu dump test: ",
		     (unsigned long long)seed);
	va_start(ap, fmt);
	n += vsnprintf(text + n, sizeof(text) - n - 1, fmt, ap);
	va_end(ap);
	n = n < (int)sizeof(text) - 2 ? n : (int)sizeof(text) - 2;
	text[n++] = '\n';
	/* One write: two dumpers share stderr. */
	if (write(2, text, n) < 0)
		return;
}

static bool stopped(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST);
}

static void shared_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void shared_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->why, sizeof(sh->why), fmt, ap);
	va_end(ap);
	sh->failed = true;
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
}

static uint64_t whole_dumps(void)
{
	return __atomic_load_n(&sh->consistent[0], __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&sh->consistent[1], __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&sh->mixed, __ATOMIC_SEQ_CST);
}

/*
 * Half the time after a set, wait (half a second at most) for a dump to
 * end uninterrupted: on a slow kernel sets back to back would interrupt
 * every dump, and a dump that never ends whole checks nothing.
 */
static void let_a_dump_end(double deadline)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t n = whole_dumps();
	double until = now() + 0.5;

	if (until > deadline)
		until = deadline;
	if (!pct(50))
		return;
	while (!stopped() && now() < until && whole_dumps() == n)
		nanosleep(&ms, NULL);
}

static void setter(struct msg *set[2], double deadline)
{
	int fd = nl_open(0, true, true), ret;
	uint64_t k = 0;

	if (fd < 0) {
		shared_fail("netlink socket: %s", strerror(errno));
		return;
	}
	while (!stopped() && now() < deadline) {
		ret = transact(fd, set[k % 2], NULL, NULL, NULL);
		if (ret) {
			shared_fail("SET_POLICY of policy %c refused: %s",
				    "AB"[k % 2], strerror(-ret));
			return;
		}
		__atomic_store_n(&sh->sets, ++k, __ATOMIC_SEQ_CST);
		let_a_dump_end(deadline);
	}
}

/* Between two reads of a dump, sometimes: let the setter in. */
static int dump_pause(void)
{
	struct timespec ts = { 0, below(2000) * 1000 };

	if (pct(30))
		nanosleep(&ts, NULL);
	return 0;
}

static bool atomic_cas(uint64_t *p, uint64_t *old, uint64_t v)
{
	return __atomic_compare_exchange_n(p, old, v, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

static void atomic_max(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_SEQ_CST);

	while (v > old && !atomic_cas(p, &old, v))
		;
}

static void atomic_min(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_SEQ_CST);

	while (v < old && !atomic_cas(p, &old, v))
		;
}

static void check_dump(struct dumped *d, uint64_t sets_before)
{
	uint64_t sets_after = __atomic_load_n(&sh->sets, __ATOMIC_SEQ_CST);
	uint32_t k;
	int which;
	const char *diff[2];

	__atomic_fetch_add(&sh->dumps, 1, __ATOMIC_SEQ_CST);
	if (sets_after != sets_before)
		__atomic_fetch_add(&sh->overlapped, 1, __ATOMIC_SEQ_CST);
	if (d->intr) {
		__atomic_fetch_add(&sh->interrupted, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if (!d->msgs) {
		__atomic_fetch_add(&sh->empty, 1, __ATOMIC_SEQ_CST);
		dump_fail("a dump without NLM_F_DUMP_INTR had no policy at all (sets %llu..%llu)",
			  (unsigned long long)sets_before,
			  (unsigned long long)sets_after);
		return;
	}
	__atomic_fetch_add(&sh->msgs_total, d->msgs, __ATOMIC_SEQ_CST);
	atomic_max(&sh->msgs_max, d->msgs);
	atomic_min(&sh->msgs_min, d->msgs);
	if (d->error[0]) {
		dump_fail("a dump without NLM_F_DUMP_INTR is malformed: %s",
			  d->error);
		return;
	}
	if (d->mixed_gen) {
		dump_fail("a dump without NLM_F_DUMP_INTR has messages of two generations");
		return;
	}
	diff[0] = dump_differs(d, pol[0]);
	diff[1] = dump_differs(d, pol[1]);
	if (diff[0] && diff[1]) {
		dump_fail("a dump without NLM_F_DUMP_INTR, generation %u, is neither policy (vs A: %s; vs B: %s; %d messages)",
			  d->generation, diff[0], diff[1], d->msgs);
		return;
	}
	which = diff[0] ? 1 : 0;
	/* The k-th set since gen0 was policy (k - 1) % 2. */
	k = d->generation - sh->gen0;
	if (k == 0 || (int)((k - 1) % 2) != which) {
		dump_fail("generation %u is set %u after the start, but the dump shows policy %c",
			  d->generation, k, "AB"[which]);
		return;
	}
	__atomic_fetch_add(&sh->consistent[which], 1, __ATOMIC_SEQ_CST);
}

/*
 * Dump in a loop. The kernel sizes a dump's messages by the largest read
 * the socket has seen: dumper 0 reads 8 KiB at a time and so gets many
 * small messages a dump, dumper 1 up to 32 KiB.
 */
static void dumper(int index, double deadline)
{
	static struct dumped d;
	unsigned char buf[64];
	struct msg m = { .buf = buf };
	int fd = nl_open(0, true, true), ret;
	uint64_t before;
	uint32_t seq = 0;

	if (fd < 0) {
		shared_fail("netlink socket: %s", strerror(errno));
		return;
	}
	if (index == 0)
		recv_size = 8192;
	while (!__atomic_load_n(&sh->sets, __ATOMIC_SEQ_CST) && !stopped())
		usleep(1000);
	while (!stopped() && now() < deadline) {
		dumped_reset(&d);
		msg_reset(&m, sizeof(buf));
		msg_begin(&m, family, NLM_F_REQUEST | NLM_F_DUMP, ++seq,
			  IMGSEC_CMD_GET_POLICY);
		msg_end(&m);
		before = __atomic_load_n(&sh->sets, __ATOMIC_SEQ_CST);
		ret = transact(fd, &m, dump_msg, &d, dump_pause);
		if (ret) {
			shared_fail("GET_POLICY dump: %s", strerror(-ret));
			return;
		}
		check_dump(&d, before);
	}
}

/* Policy @i of the dump test: large, and unlike the other everywhere. */
static void dump_model(struct model *p, int i)
{
	model_random(p, 1 + i, true);
	p->mode = IMGSEC_MODE_MONITOR;
	p->def = i ? IMGSEC_ACTION_REJECT : IMGSEC_ACTION_DROP;
	p->placement = i ? IMGSEC_PLACEMENT_GATEWAY : IMGSEC_PLACEMENT_HOST;
}

static uint32_t model_prefixes(const struct model *p)
{
	uint32_t i, n = 0;

	for (i = 0; i < p->nroles; i++)
		n += p->roles[i].nprefixes;
	return n;
}

static int dump_test(double secs, bool newns)
{
	static unsigned char bufs[2][512 * 1024];
	struct msg set[2] = { { .buf = bufs[0] }, { .buf = bufs[1] } };
	struct msg *setp[2] = { &set[0], &set[1] };
	double t0, deadline;
	struct status st;
	pid_t pids[3];
	int i, fd, ret;

	if (newns && unshare(CLONE_NEWNET) < 0) {
		perror("genl_fuzz: unshare(CLONE_NEWNET)");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		pol[i] = malloc(sizeof(*pol[i]));
		if (!pol[i]) {
			perror("genl_fuzz: malloc");
			return 1;
		}
		dump_model(pol[i], i);
		msg_reset(&set[i], sizeof(bufs[i]));
		msg_begin(&set[i], family, NLM_F_REQUEST | NLM_F_ACK, 1 + i,
			  IMGSEC_CMD_SET_POLICY);
		encode_policy(&set[i], pol[i], FT_OK, 60000, 0);
		msg_end(&set[i]);
		if (set[i].full) {
			fprintf(stderr, "genl_fuzz: policy %c does not fit\n",
				"AB"[i]);
			return 1;
		}
		printf("genl_fuzz dump: policy %c: %u roles, %u prefixes, %u rules, a %zu-byte SET_POLICY\n",
		       "AB"[i], pol[i]->nroles, model_prefixes(pol[i]),
		       pol[i]->nrules, set[i].len);
	}
	fd = nl_open(0, false, true);
	ret = fd < 0 ? -errno : get_status(fd, &st);
	if (ret) {
		fprintf(stderr, "genl_fuzz: GET_STATUS: %s\n", strerror(-ret));
		return 1;
	}
	close(fd);
	sh->gen0 = st.generation;
	sh->msgs_min = UINT64_MAX;
	printf("genl_fuzz dump: seed %llu, %.0f s, %s network namespace, generation %u at the start\n",
	       (unsigned long long)seed, secs, newns ? "a new" : "the current",
	       sh->gen0);
	fflush(stdout);
	t0 = now();
	deadline = t0 + secs;
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("genl_fuzz: fork");
			return 1;
		}
		if (pids[i] == 0) {
			rng = seed + i;
			if (i == 0)
				setter(setp, deadline);
			else
				dumper(i - 1, deadline);
			__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
			fflush(NULL);
			_exit(0);
		}
	}
	if (!reap(pids, 3, deadline + 120)) {
		printf("genl_fuzz dump: FAILED: a process hung\n");
		return 1;
	}
	printf("genl_fuzz dump: %.1f s: %llu sets; %llu dumps complete: %llu policy A, %llu policy B, %llu interrupted (NLM_F_DUMP_INTR), %llu mixed or wrong; %llu overlapped a set; %llu..%llu messages a dump, %.1f on average\n",
	       now() - t0, (unsigned long long)sh->sets,
	       (unsigned long long)sh->dumps,
	       (unsigned long long)sh->consistent[0],
	       (unsigned long long)sh->consistent[1],
	       (unsigned long long)sh->interrupted,
	       (unsigned long long)sh->mixed,
	       (unsigned long long)sh->overlapped,
	       (unsigned long long)(sh->msgs_max ? sh->msgs_min : 0),
	       (unsigned long long)sh->msgs_max,
	       sh->dumps - sh->interrupted ?
	       (double)sh->msgs_total / (sh->dumps - sh->interrupted) : 0.0);
	if (sh->mixed) {
		printf("genl_fuzz dump: BUG: %llu dumps mixed policies or generations\n",
		       (unsigned long long)sh->mixed);
		return 3;
	}
	if (sh->failed) {
		printf("genl_fuzz dump: FAILED: %s\n", sh->why);
		return 1;
	}
	/*
	 * A run that never raced a set, or whose dumps fit one message,
	 * proves nothing.
	 */
	if (!sh->consistent[0] || !sh->consistent[1] || sh->msgs_max < 2 ||
	    !sh->overlapped) {
		printf("genl_fuzz dump: FAILED: the race was not exercised (need dumps of both policies, several messages a dump, and dumps during a set)\n");
		return 1;
	}
	printf("genl_fuzz dump: PASS\n");
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: genl_fuzz [-s SEED] [-n MESSAGES] [-w WORKERS] [-k SOCKETS] [-t SECS]\n"
		"       genl_fuzz -D SECS [-s SEED] [-N]\n"
		"       genl_fuzz -s SEED [-w WORKERS] [-k SOCKETS] -r WORKER:MESSAGE\n"
		"WORKERS: one letter a process: r root, n nobody, u nobody in its own\n"
		"user+net namespace, x nobody in its own user namespace (default rnux)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t count = 100000, replay_at = 0;
	double limit = 0, dump = 0;
	bool newns = true, seeded = false;
	int opt, ret, replay_worker_no = 0;

	while ((opt = getopt(argc, argv, "s:n:w:k:t:D:Nr:h")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			kinds = optarg;
			break;
		case 'k':
			nsocks = atoi(optarg);
			break;
		case 't':
			limit = atof(optarg);
			break;
		case 'D':
			dump = atof(optarg);
			break;
		case 'N':
			newns = false;
			break;
		case 'r':
			if (sscanf(optarg, "%d:%llu", &replay_worker_no,
				   (unsigned long long *)&replay_at) != 2 ||
			    replay_worker_no < 0 || !replay_at)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nsocks < 1 || nsocks > MAX_SOCKS ||
	    !kinds[0] || strlen(kinds) > MAX_WORKERS ||
	    strspn(kinds, "rnux") != strlen(kinds) || (dump && dump <= 0))
		usage();
	if (!seeded)
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("genl_fuzz: mmap");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	rng = seed;
	ret = resolve_family();
	if (ret && replay_at) {
		/* Offline: the datagram is the same but for its family id. */
		family = GENL_MIN_ID;
		events_group = 1;
		printf("(imgsec not loaded: family id %u assumed, in bytes 4-5 of each message)\n",
		       family);
	} else if (ret) {
		fprintf(stderr, "genl_fuzz: family %s: %s (module not loaded?)\n",
			IMGSEC_GENL_NAME, strerror(-ret));
		return 1;
	}
	if (dump)
		return dump_test(dump, newns);
	if (replay_at) {
		struct worker w;

		if (replay_worker_no >= (int)strlen(kinds))
			usage();
		worker_init(&w, replay_worker_no, 1e18);
		return replay_worker(&w, replay_at);
	}
	return fuzz(count, limit);
}
