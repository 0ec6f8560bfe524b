// SPDX-License-Identifier: GPL-2.0
/*
 * genl_bad: send malformed IMGSEC_CMD_SET_POLICY messages to the running
 * module and check that each is refused and that none changed anything
 * (the policy generation stays the same). A well-formed message at the end
 * shows that the refusals were for the faults, not for the framing; that
 * one-rule monitor policy stays set: the caller restores its own.
 *
 * Raw netlink, no libmnl: the point is to build what a library would not.
 * Prints PASS/FAIL per case and "N passed, N failed"; exit 1 on failure.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/imgsec.h>

#define BUF_SIZE 65536

struct msg {
	char buf[BUF_SIZE];
	size_t len;
};

static int sock;
static unsigned int seq;
static int passed, failed;

static void *put_raw(struct msg *m, unsigned short type, const void *data,
		     size_t len, size_t claimed)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + claimed;
	memcpy(a + 1, data, len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
	return a;
}

static void put(struct msg *m, unsigned short type, const void *data,
		size_t len)
{
	put_raw(m, type, data, len, len);
}

static void put_u8(struct msg *m, unsigned short type, unsigned char v)
{
	put(m, type, &v, 1);
}

static void put_u32(struct msg *m, unsigned short type, unsigned int v)
{
	put(m, type, &v, 4);
}

static size_t nest_start(struct msg *m, unsigned short type)
{
	size_t off = m->len;

	put(m, type | NLA_F_NESTED, NULL, 0);
	return off;
}

static void nest_end(struct msg *m, size_t off)
{
	((struct nlattr *)(m->buf + off))->nla_len = m->len - off;
}

static void msg_init(struct msg *m, unsigned short family, unsigned char cmd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	g->cmd = cmd;
	g->version = IMGSEC_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Send @m; return the ack's error (0 or -errno), copy extack text. */
static int transact(struct msg *m, char *reply, size_t rlen, char *ext,
		    size_t elen)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	char rbuf[BUF_SIZE];
	ssize_t n;

	nlh->nlmsg_len = m->len;
	if (send(sock, m->buf, m->len, 0) < 0)
		return -errno;
	ext[0] = 0;
	for (;;) {
		n = recv(sock, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t off = NLMSG_HDRLEN + sizeof(*e);
				struct nlattr *a;

				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
					a = (struct nlattr *)((char *)nlh + off);
					if (a->nla_len < NLA_HDRLEN)
						break;
					if ((a->nla_type & NLA_TYPE_MASK) ==
					    NLMSGERR_ATTR_MSG)
						snprintf(ext, elen, "%.*s",
							 (int)(a->nla_len - NLA_HDRLEN),
							 (char *)(a + 1));
					off += NLA_ALIGN(a->nla_len);
				}
				return e->error;
			}
			if (reply && (size_t)n <= rlen)
				memcpy(reply, nlh, nlh->nlmsg_len);
		}
	}
}

/* Send @m and return a top-level attribute of its reply, or NULL. */
static const void *ask(struct msg *m, char *reply, unsigned short type)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)reply;
	const struct nlattr *a;
	char ext[256];
	size_t off;

	memset(reply, 0, BUF_SIZE);
	if (transact(m, reply, BUF_SIZE, ext, sizeof(ext)))
		return NULL;
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= nlh->nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(reply + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == type)
			return a + 1;
	}
	return NULL;
}

static unsigned short resolve_family(void)
{
	char reply[BUF_SIZE];
	const unsigned short *id;
	struct msg m;

	msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->version = 1;
	put(&m, CTRL_ATTR_FAMILY_NAME, IMGSEC_GENL_NAME,
	    sizeof(IMGSEC_GENL_NAME));
	id = ask(&m, reply, CTRL_ATTR_FAMILY_ID);
	return id ? *id : 0;
}

static unsigned short family;

static unsigned int generation(void)
{
	char reply[BUF_SIZE];
	const unsigned int *gen;
	struct msg m;

	msg_init(&m, family, IMGSEC_CMD_GET_STATUS);
	gen = ask(&m, reply, IMGSEC_A_GENERATION);
	return gen ? *gen : ~0u;
}

/* Faults a case can inject into an otherwise valid policy. */
enum fault {
	OK, NO_POLICY, BAD_MODE, FROM_RANGE, NO_PORTS, PARTIAL_PORTS,
	UNKNOWN_ROLE, NO_NAME, PREFIX_LEN, HOST_BITS, TOO_MANY_ROLES,
	UNKNOWN_ATTR, TRUNCATED, CONFIRM_ZERO, BAD_PROTO, BAD_NAME,
	PORT_ZERO, DUP_ROLE, ROLE_INDEX_GAP, RULE_INDEX_WRONG,
	TWO_RULE_LISTS, TWO_ROLE_LISTS, SRC_NO_BURST, SRC_RATE_ZERO,
	SRC_UNIT, SRC_BURST_BIG, SRC_TOO_MANY,
};

/* A rule's per-source limit, 1 a minute, bursts of 3, or its fault. */
static void add_source_limit(struct msg *m, enum fault f)
{
	put_u32(m, IMGSEC_RULE_A_SOURCE_RATE, f == SRC_RATE_ZERO ? 0 : 1);
	put_u8(m, IMGSEC_RULE_A_SOURCE_UNIT,
	       f == SRC_UNIT ? __IMGSEC_LIMIT_UNIT_MAX : IMGSEC_LIMIT_UNIT_MINUTE);
	if (f != SRC_NO_BURST)
		put_u32(m, IMGSEC_RULE_A_SOURCE_BURST,
			f == SRC_BURST_BIG ? IMGSEC_MAX_LIMIT_BURST + 1 : 3);
}

static void add_role(struct msg *m, const char *name, enum fault f)
{
	struct imgsec_prefix p = { .family = AF_INET, .plen = 32,
				   .addr = { 192, 0, 2, 1 } };
	size_t role = nest_start(m, 1);

	if (f == ROLE_INDEX_GAP)	/* the second role claims index 2 */
		put_u32(m, IMGSEC_ROLE_A_INDEX, 2);

	if (f != NO_NAME)
		put(m, IMGSEC_ROLE_A_NAME, name, strlen(name) + 1);
	if (f == HOST_BITS)
		p.plen = 24;
	if (f == PREFIX_LEN)
		put(m, IMGSEC_ROLE_A_PREFIX, &p, 10);
	else
		put(m, IMGSEC_ROLE_A_PREFIX, &p, sizeof(p));
	nest_end(m, role);
}

static void build(struct msg *m, enum fault f)
{
	struct imgsec_port_range ports[2] = { { 22, 22 }, { 80, 80 } };
	size_t pol, roles, rules, rule;
	int i;

	msg_init(m, family, IMGSEC_CMD_SET_POLICY);
	if (f == CONFIRM_ZERO)
		put_u32(m, IMGSEC_A_CONFIRM_SECS, 0);
	if (f == UNKNOWN_ATTR)
		put_u32(m, 200, 1);
	if (f == NO_POLICY)
		return;
	pol = nest_start(m, IMGSEC_A_POLICY);
	put_u8(m, IMGSEC_POLICY_A_MODE, f == BAD_MODE ? 7 : IMGSEC_MODE_MONITOR);
	roles = nest_start(m, IMGSEC_POLICY_A_ROLES);
	add_role(m, f == BAD_NAME ? "Bad Name" : "gcems",
		 f == ROLE_INDEX_GAP ? OK : f);
	add_role(m, f == DUP_ROLE ? "gcems" : "ops",
		 f == ROLE_INDEX_GAP ? f : OK);
	for (i = 0; f == TOO_MANY_ROLES && i < IMGSEC_MAX_ROLES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%d", i);
		add_role(m, name, OK);
	}
	nest_end(m, roles);
	rules = nest_start(m, IMGSEC_POLICY_A_RULES);
	rule = nest_start(m, 1);
	if (f == RULE_INDEX_WRONG)	/* the first rule claims position 5 */
		put_u32(m, IMGSEC_RULE_A_INDEX, 5);
	put_u8(m, IMGSEC_RULE_A_FROM, f == FROM_RANGE ? 200 : 1);
	put_u8(m, IMGSEC_RULE_A_TO, f == UNKNOWN_ROLE ? 5 : 0);
	put_u8(m, IMGSEC_RULE_A_PROTO, f == BAD_PROTO ? 132 : 6);
	if (f == PORT_ZERO)
		ports[0].lo = 0;
	if (f == PARTIAL_PORTS)
		put(m, IMGSEC_RULE_A_PORTS, ports, 6);
	else if (f != NO_PORTS)
		put(m, IMGSEC_RULE_A_PORTS, ports, sizeof(ports));
	if (f == TRUNCATED)	/* claims more bytes than the message has */
		put_raw(m, IMGSEC_RULE_A_COMMENT, "x", 2, 4000);
	if (f >= SRC_NO_BURST)
		add_source_limit(m, f);
	nest_end(m, rule);
	/* IMGSEC_MAX_SOURCE_RULES more rules with a per-source limit. */
	for (i = 0; f == SRC_TOO_MANY && i < IMGSEC_MAX_SOURCE_RULES; i++) {
		rule = nest_start(m, 1);
		put_u8(m, IMGSEC_RULE_A_FROM, 1);
		put_u8(m, IMGSEC_RULE_A_TO, 0);
		put_u8(m, IMGSEC_RULE_A_PROTO, 6);
		put(m, IMGSEC_RULE_A_PORTS, ports, sizeof(ports));
		add_source_limit(m, OK);
		nest_end(m, rule);
	}
	nest_end(m, rules);
	/* A second list in the slice: one the kernel must not drop unseen. */
	if (f == TWO_RULE_LISTS || f == TWO_ROLE_LISTS) {
		rules = nest_start(m, f == TWO_RULE_LISTS ?
				   IMGSEC_POLICY_A_RULES :
				   IMGSEC_POLICY_A_ROLES);
		nest_end(m, rules);
	}
	nest_end(m, pol);
}

static const struct { enum fault f; const char *name; } cases[] = {
	{ NO_POLICY, "no policy attribute" },
	{ BAD_MODE, "mode out of range" },
	{ FROM_RANGE, "rule from = 200" },
	{ NO_PORTS, "rule without ports" },
	{ PARTIAL_PORTS, "ports of 6 bytes" },
	{ UNKNOWN_ROLE, "rule to a role that does not exist" },
	{ NO_NAME, "role without a name" },
	{ PREFIX_LEN, "prefix of 10 bytes" },
	{ HOST_BITS, "prefix with host bits set" },
	{ TOO_MANY_ROLES, "more than IMGSEC_MAX_ROLES roles" },
	{ UNKNOWN_ATTR, "unknown top-level attribute" },
	{ TRUNCATED, "attribute longer than its message" },
	{ CONFIRM_ZERO, "confirm of 0 seconds" },
	{ BAD_PROTO, "protocol SCTP" },
	{ BAD_NAME, "role name with capitals and a space" },
	{ PORT_ZERO, "port 0" },
	{ DUP_ROLE, "two roles of the same name" },
	{ ROLE_INDEX_GAP, "role index skips one" },
	{ RULE_INDEX_WRONG, "rule index not its position" },
	{ TWO_RULE_LISTS, "two lists of rules in one slice" },
	{ TWO_ROLE_LISTS, "two lists of roles in one slice" },
	{ SRC_NO_BURST, "per-source rate and unit without a burst" },
	{ SRC_RATE_ZERO, "per-source rate 0" },
	{ SRC_UNIT, "per-source unit out of range" },
	{ SRC_BURST_BIG, "per-source burst over IMGSEC_MAX_LIMIT_BURST" },
	{ SRC_TOO_MANY, "more than IMGSEC_MAX_SOURCE_RULES per-source rules" },
};

static void result(int ok, const char *what, const char *detail)
{
	printf("%s: netlink: %s%s%s\n", ok ? "PASS" : "FAIL", what,
	       detail[0] ? ": " : "", detail);
	ok ? passed++ : failed++;
}

int main(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static struct msg m;
	char ext[256], detail[400];
	unsigned int gen;
	size_t i;
	int one = 1, err;

	sock = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("genl_bad: netlink socket");
		return 1;
	}
	setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	family = resolve_family();
	if (!family) {
		fprintf(stderr, "genl_bad: family imgsec not found\n");
		return 1;
	}
	gen = generation();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build(&m, cases[i].f);
		err = transact(&m, NULL, 0, ext, sizeof(ext));
		snprintf(detail, sizeof(detail), "%s (%s)",
			 err ? strerror(-err) : "ACCEPTED", ext);
		result(err < 0, cases[i].name, detail);
	}
	snprintf(detail, sizeof(detail), "generation %u -> %u", gen,
		 generation());
	result(generation() == gen, "refused messages changed nothing",
	       detail);
	build(&m, OK);
	err = transact(&m, NULL, 0, ext, sizeof(ext));
	snprintf(detail, sizeof(detail), "%s %s", strerror(-err), ext);
	result(!err && generation() == gen + 1,
	       "the same message without a fault is taken", err ? detail : "");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
