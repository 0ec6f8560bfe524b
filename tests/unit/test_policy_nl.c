// sources: userspace/policy_nl.c userspace/policy_file.c userspace/policy_print.c module/policy_desc.c -lmnl
// SPDX-License-Identifier: GPL-2.0
/*
 * imgsecctl's netlink codec (userspace/policy_nl.c): SET_POLICY messages
 * (the shipped policy, the largest the limits allow, random ones) cut into
 * slices and read back by an independent reader that follows the kernel's
 * rules, to the same desc; a GET_POLICY dump cut into small slices as the
 * kernel does and joined back to the same desc with its counters, every
 * kind of inconsistent dump refused with its message, the extack offset
 * named, and the status, stats, rpc and event replies decoded with their
 * lengths checked.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "test.h"
#include "../../userspace/genl.h"
#include "../../userspace/policy_file.h"
#include "../../userspace/policy_nl.h"

#define SHIPPED TEST_DATA_DIR "/../../etc/imgsec.conf"

static char buf[1 << 20];

static struct nlmsghdr *msg_start(uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 0x20;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = IMGSEC_GENL_VERSION;
	return nlh;
}

static int load_shipped(struct imgsec_policy_desc *p)
{
	struct policy_diag diag;
	int ret = policy_parse_file(SHIPPED, p, &diag);

	CHECK(ret == 0, "%s: %s", SHIPPED, diag.msg);
	return ret;
}

/* --- SET_POLICY ------------------------------------------------------ */

/*
 * An independent reader of SET_POLICY messages, written from the protocol
 * in <linux/imgsec.h> and the kernel's strict attribute validation, not
 * from policy_nl.c: every nest must be flagged NLA_F_NESTED and tiled
 * exactly by its attributes, unknown types and wrong lengths are refused,
 * and roles and rules are numbered as module/netlink.c numbers them.
 */
struct kread {
	struct imgsec_policy_desc desc;
	uint32_t cap[IMGSEC_MAX_ROLES];
	int role;			/* role read last, -1 before any */
	unsigned int slices;
	unsigned int continued;		/* role nests that continued a role */
	size_t largest;			/* bytes of the largest slice */
	bool has_confirm;
	uint32_t confirm;
	char err[200];
};

#define for_each_attr(a, data, len)					\
	for ((a) = (const struct nlattr *)(data);			\
	     (const char *)(a) < (const char *)(data) + (len);		\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))

static unsigned int a_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static const void *a_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static size_t a_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static uint32_t a_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, a_data(a), sizeof(v));
	return v;
}

static uint8_t a_u8(const struct nlattr *a)
{
	return *(const uint8_t *)a_data(a);
}

static int kr_fail(struct kread *kr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int kr_fail(struct kread *kr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kr->err, sizeof(kr->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* @len bytes of attributes, each whole, ending exactly at the end. */
static bool tiled(const void *data, size_t len)
{
	const struct nlattr *a;
	size_t off = 0;

	while (off < len) {
		a = (const struct nlattr *)((const char *)data + off);
		if (len - off < NLA_HDRLEN || a->nla_len < NLA_HDRLEN ||
		    a->nla_len > len - off)
			return false;
		off += NLA_ALIGN(a->nla_len);
	}
	return off == len;
}

static bool nest_ok(const struct nlattr *a)
{
	return (a->nla_type & NLA_F_NESTED) && tiled(a_data(a), a_len(a));
}

/* NLA_NUL_STRING of at most @max bytes with its NUL, as the kernel checks. */
static bool str_ok(const struct nlattr *a, size_t max)
{
	size_t n = a_len(a) < max ? a_len(a) : max;

	return n && memchr(a_data(a), '\0', n);
}

static int kr_prefixes(struct kread *kr, const struct nlattr *nest,
		       uint32_t idx)
{
	struct imgsec_role_desc *role = &kr->desc.roles[idx];
	const struct nlattr *a;
	void *grown;

	for_each_attr(a, a_data(nest), a_len(nest)) {
		if (a_type(a) != IMGSEC_ROLE_A_PREFIX)
			continue;
		if (role->nprefixes == kr->cap[idx]) {
			kr->cap[idx] = kr->cap[idx] ? 2 * kr->cap[idx] : 64;
			grown = realloc(role->prefixes,
					kr->cap[idx] * sizeof(*role->prefixes));
			if (!grown)
				return kr_fail(kr, "out of memory");
			role->prefixes = grown;
		}
		memcpy(&role->prefixes[role->nprefixes++], a_data(a),
		       sizeof(*role->prefixes));
	}
	return 0;
}

static int kr_role(struct kread *kr, const struct nlattr *nest)
{
	const struct nlattr *a, *index = NULL, *name = NULL;
	int64_t idx;

	if (!nest_ok(nest))
		return kr_fail(kr, "role %d+: not a well-formed nest", kr->role);
	for_each_attr(a, a_data(nest), a_len(nest)) {
		if (a_type(a) == IMGSEC_ROLE_A_INDEX && a_len(a) == 4)
			index = a;
		else if (a_type(a) == IMGSEC_ROLE_A_NAME &&
			 str_ok(a, IMGSEC_NAME_LEN))
			name = a;
		else if (a_type(a) != IMGSEC_ROLE_A_PREFIX ||
			 a_len(a) != sizeof(struct imgsec_prefix))
			return kr_fail(kr, "role %d+: attribute %u of %zu bytes",
				       kr->role, a_type(a), a_len(a));
	}
	idx = index ? (int64_t)a_u32(index) : kr->role + 1;
	if (idx != kr->role && idx != kr->role + 1)
		return kr_fail(kr, "role %" PRId64 " after role %d", idx,
			       kr->role);
	if (idx >= IMGSEC_MAX_ROLES)
		return kr_fail(kr, "role %" PRId64 ": too many roles", idx);
	if (idx == kr->role + 1 && !name)
		return kr_fail(kr, "role %" PRId64 " has no name", idx);
	if (idx == kr->role) {
		kr->continued++;
		if (name && strcmp(a_data(name), kr->desc.roles[idx].name))
			return kr_fail(kr, "role %" PRId64 " renamed", idx);
	}
	kr->role = (int)idx;
	kr->desc.nroles = (uint32_t)idx + 1;
	if (name)
		snprintf(kr->desc.roles[idx].name, IMGSEC_NAME_LEN, "%s",
			 (const char *)a_data(name));
	return kr_prefixes(kr, nest, (uint32_t)idx);
}

/* The length each rule attribute must have; 0: any (checked apart). */
static bool rule_attr_ok(const struct nlattr *a)
{
	size_t len = a_len(a);

	switch (a_type(a)) {
	case IMGSEC_RULE_A_FROM:
	case IMGSEC_RULE_A_TO:
		return len == 1 && a_u8(a) < IMGSEC_MAX_ROLES;
	case IMGSEC_RULE_A_PROTO:
		return len == 1;
	case IMGSEC_RULE_A_HELPER:
		return len == 1 && a_u8(a) < __IMGSEC_HELPER_MAX;
	case IMGSEC_RULE_A_PORTS:
		return len >= sizeof(struct imgsec_port_range) &&
		       len <= IMGSEC_MAX_PORT_RANGES *
			      sizeof(struct imgsec_port_range) &&
		       len % sizeof(struct imgsec_port_range) == 0;
	case IMGSEC_RULE_A_COMMENT:
		return str_ok(a, IMGSEC_COMMENT_LEN);
	case IMGSEC_RULE_A_PORTS_TEXT:
		return str_ok(a, IMGSEC_PORTS_TEXT_LEN);
	case IMGSEC_RULE_A_INDEX:
		return len == 4;
	case IMGSEC_RULE_A_LIMIT_RATE:
		return len == 4 && a_u32(a) >= 1 &&
		       a_u32(a) <= IMGSEC_MAX_LIMIT_RATE;
	case IMGSEC_RULE_A_LIMIT_UNIT:
		return len == 1 && a_u8(a) < __IMGSEC_LIMIT_UNIT_MAX;
	case IMGSEC_RULE_A_LIMIT_BURST:
	case IMGSEC_RULE_A_SOURCE_BURST:
		return len == 4 && a_u32(a) >= 1 &&
		       a_u32(a) <= IMGSEC_MAX_LIMIT_BURST;
	case IMGSEC_RULE_A_SOURCE_RATE:
		return len == 4 && a_u32(a) >= 1 &&
		       a_u32(a) <= IMGSEC_MAX_LIMIT_RATE;
	case IMGSEC_RULE_A_SOURCE_UNIT:
		return len == 1 && a_u8(a) < __IMGSEC_LIMIT_UNIT_MAX;
	case IMGSEC_RULE_A_SOURCE_MAX:
		return len == 4 && a_u32(a) >= 1 &&
		       a_u32(a) <= IMGSEC_MAX_SOURCE_CONNS;
	}
	return false;	/* counters and padding are for dumps only */
}

static int kr_rule(struct kread *kr, const struct nlattr *nest)
{
	const struct nlattr *a, *tb[IMGSEC_RULE_A_MAX + 1] = { NULL };
	uint32_t n = kr->desc.nrules;
	struct imgsec_rule_desc *rule;
	int limit;

	if (!nest_ok(nest))
		return kr_fail(kr, "rule %u: not a well-formed nest", n);
	for_each_attr(a, a_data(nest), a_len(nest)) {
		if (a_type(a) > IMGSEC_RULE_A_MAX || !rule_attr_ok(a))
			return kr_fail(kr, "rule %u: attribute %u of %zu bytes",
				       n, a_type(a), a_len(a));
		tb[a_type(a)] = a;
	}
	if (tb[IMGSEC_RULE_A_INDEX] && a_u32(tb[IMGSEC_RULE_A_INDEX]) != n)
		return kr_fail(kr, "rule %u says it is rule %u", n,
			       a_u32(tb[IMGSEC_RULE_A_INDEX]));
	if (n >= IMGSEC_MAX_RULES)
		return kr_fail(kr, "too many rules");
	if (!tb[IMGSEC_RULE_A_FROM] || !tb[IMGSEC_RULE_A_TO] ||
	    !tb[IMGSEC_RULE_A_PROTO] || !tb[IMGSEC_RULE_A_PORTS])
		return kr_fail(kr, "rule %u needs from, to, proto and ports", n);
	limit = !!tb[IMGSEC_RULE_A_LIMIT_RATE] + !!tb[IMGSEC_RULE_A_LIMIT_UNIT] +
		!!tb[IMGSEC_RULE_A_LIMIT_BURST];
	if (limit != 0 && limit != 3)
		return kr_fail(kr, "rule %u: a limit needs rate, unit and burst",
			       n);
	limit = !!tb[IMGSEC_RULE_A_SOURCE_RATE] +
		!!tb[IMGSEC_RULE_A_SOURCE_UNIT] +
		!!tb[IMGSEC_RULE_A_SOURCE_BURST];
	if (limit != 0 && limit != 3)
		return kr_fail(kr, "rule %u: a per-source limit needs rate, unit and burst",
			       n);
	rule = &kr->desc.rules[kr->desc.nrules++];
	rule->from = a_u8(tb[IMGSEC_RULE_A_FROM]);
	rule->to = a_u8(tb[IMGSEC_RULE_A_TO]);
	rule->proto = a_u8(tb[IMGSEC_RULE_A_PROTO]);
	if (tb[IMGSEC_RULE_A_HELPER])
		rule->helper = a_u8(tb[IMGSEC_RULE_A_HELPER]);
	rule->nports = a_len(tb[IMGSEC_RULE_A_PORTS]) / sizeof(rule->ports[0]);
	memcpy(rule->ports, a_data(tb[IMGSEC_RULE_A_PORTS]),
	       a_len(tb[IMGSEC_RULE_A_PORTS]));
	if (tb[IMGSEC_RULE_A_COMMENT])
		snprintf(rule->comment, sizeof(rule->comment), "%s",
			 (const char *)a_data(tb[IMGSEC_RULE_A_COMMENT]));
	if (tb[IMGSEC_RULE_A_PORTS_TEXT])
		snprintf(rule->ports_text, sizeof(rule->ports_text), "%s",
			 (const char *)a_data(tb[IMGSEC_RULE_A_PORTS_TEXT]));
	if (tb[IMGSEC_RULE_A_LIMIT_RATE]) {
		rule->limit_rate = a_u32(tb[IMGSEC_RULE_A_LIMIT_RATE]);
		rule->limit_unit = a_u8(tb[IMGSEC_RULE_A_LIMIT_UNIT]);
		rule->limit_burst = a_u32(tb[IMGSEC_RULE_A_LIMIT_BURST]);
	}
	if (tb[IMGSEC_RULE_A_SOURCE_RATE]) {
		rule->source_rate = a_u32(tb[IMGSEC_RULE_A_SOURCE_RATE]);
		rule->source_unit = a_u8(tb[IMGSEC_RULE_A_SOURCE_UNIT]);
		rule->source_burst = a_u32(tb[IMGSEC_RULE_A_SOURCE_BURST]);
	}
	if (tb[IMGSEC_RULE_A_SOURCE_MAX])
		rule->source_max = a_u32(tb[IMGSEC_RULE_A_SOURCE_MAX]);
	return 0;
}

/* Roles, then rules, of one list: each nest in turn. */
static int kr_list(struct kread *kr, const struct nlattr *list,
		   int (*item)(struct kread *, const struct nlattr *))
{
	const struct nlattr *a;

	if (!list)
		return 0;
	for_each_attr(a, a_data(list), a_len(list))
		if (item(kr, a))
			return -1;
	return 0;
}

static bool header_ok(const struct nlattr *a)
{
	unsigned int max[] = {
		[IMGSEC_POLICY_A_MODE] = __IMGSEC_MODE_MAX,
		[IMGSEC_POLICY_A_DEFAULT] = __IMGSEC_ACTION_MAX,
		[IMGSEC_POLICY_A_PLACEMENT] = __IMGSEC_PLACEMENT_MAX,
	};

	return a_len(a) == 1 && a_u8(a) < max[a_type(a)];
}

static int kr_slice(struct kread *kr, const struct nlattr *slice)
{
	const struct nlattr *a, *tb[IMGSEC_POLICY_A_MAX + 1] = { NULL };
	unsigned int t;

	kr->slices++;
	if ((size_t)NLA_ALIGN(slice->nla_len) > kr->largest)
		kr->largest = NLA_ALIGN(slice->nla_len);
	if (!nest_ok(slice))
		return kr_fail(kr, "slice %u: not a well-formed nest",
			       kr->slices);
	for_each_attr(a, a_data(slice), a_len(slice)) {
		t = a_type(a);
		if (t == 0 || t > IMGSEC_POLICY_A_MAX)
			return kr_fail(kr, "slice %u: attribute %u", kr->slices,
				       t);
		if (t >= IMGSEC_POLICY_A_ROLES ? !nest_ok(a) : !header_ok(a))
			return kr_fail(kr, "slice %u: bad attribute %u",
				       kr->slices, t);
		/* The kernel would read only the last of two. */
		if (tb[t])
			return kr_fail(kr, "slice %u: attribute %u twice",
				       kr->slices, t);
		tb[t] = a;
	}
	if (tb[IMGSEC_POLICY_A_MODE])
		kr->desc.mode = a_u8(tb[IMGSEC_POLICY_A_MODE]);
	if (tb[IMGSEC_POLICY_A_DEFAULT])
		kr->desc.default_action = a_u8(tb[IMGSEC_POLICY_A_DEFAULT]);
	if (tb[IMGSEC_POLICY_A_PLACEMENT])
		kr->desc.placement = a_u8(tb[IMGSEC_POLICY_A_PLACEMENT]);
	if (kr_list(kr, tb[IMGSEC_POLICY_A_ROLES], kr_role))
		return -1;
	return kr_list(kr, tb[IMGSEC_POLICY_A_RULES], kr_rule);
}

/* Decode SET_POLICY @nlh into kr->desc; 0, or -1 with kr->err. */
static int kread_msg(struct kread *kr, const struct nlmsghdr *nlh)
{
	size_t hdr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct genlmsghdr));
	const char *data = (const char *)nlh + hdr;
	const struct nlattr *a;

	memset(kr, 0, sizeof(*kr));
	kr->role = -1;
	kr->desc.rules = calloc(IMGSEC_MAX_RULES, sizeof(*kr->desc.rules));
	if (!kr->desc.rules)
		return kr_fail(kr, "out of memory");
	if (nlh->nlmsg_len < hdr || !tiled(data, nlh->nlmsg_len - hdr))
		return kr_fail(kr, "the message is not tiled by attributes");
	for_each_attr(a, data, nlh->nlmsg_len - hdr) {
		if (a_type(a) == IMGSEC_A_CONFIRM_SECS && a_len(a) == 4) {
			kr->has_confirm = true;
			kr->confirm = a_u32(a);
		} else if (a_type(a) != IMGSEC_A_POLICY) {
			return kr_fail(kr, "top-level attribute %u", a_type(a));
		} else if (kr_slice(kr, a)) {
			return -1;
		}
	}
	if (!kr->slices)
		return kr_fail(kr, "no IMGSEC_A_POLICY");
	return 0;
}

static void kread_release(struct kread *kr)
{
	imgsec_policy_desc_release(&kr->desc);
}

/* A SET_POLICY message for @p in a buffer of policy_nl_msg_size() bytes. */
static struct nlmsghdr *set_policy_msg(const struct imgsec_policy_desc *p,
				       uint32_t confirm, size_t *bound)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	char err[256];
	void *mem;

	*bound = policy_nl_msg_size(p);
	mem = calloc(1, *bound);
	if (!mem)
		return NULL;
	nlh = mnl_nlmsg_put_header(mem);
	nlh->nlmsg_type = 0x20;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = IMGSEC_CMD_SET_POLICY;
	g->version = IMGSEC_GENL_VERSION;
	if (confirm)
		mnl_attr_put_u32(nlh, IMGSEC_A_CONFIRM_SECS, confirm);
	if (policy_nl_put(nlh, *bound, p, err, sizeof(err))) {
		CHECK(0, "policy_nl_put: %s", err);
		free(mem);
		return NULL;
	}
	return nlh;
}

/*
 * Build @p's message, read it back as the kernel would, compare field by
 * field. Returns the message (free it) with @kr filled, or NULL.
 */
static struct nlmsghdr *round_trip(const struct imgsec_policy_desc *p,
				   struct kread *kr)
{
	struct nlmsghdr *nlh;
	size_t bound;

	nlh = set_policy_msg(p, 0, &bound);
	if (!nlh)
		return NULL;
	CHECK(nlh->nlmsg_len <= bound, "message %u > bound %zu",
	      nlh->nlmsg_len, bound);
	if (kread_msg(kr, nlh)) {
		CHECK(0, "the kernel's reader refuses it: %s", kr->err);
		free(nlh);
		return NULL;
	}
	CHECK(kr->largest <= POLICY_NL_SLICE_MAX && kr->largest < 65536,
	      "a slice of %zu bytes", kr->largest);
	CHECK(policy_desc_equal(p, &kr->desc), "the decoded policy differs");
	return nlh;
}

/* The shipped policy: one slice, every role and rule nest with its index. */
static void test_set_policy_shipped(void)
{
	const struct nlattr *a, *list, *nest, *x;
	struct imgsec_policy_desc p;
	struct nlmsghdr *nlh;
	struct kread kr;
	unsigned int n = 0, indexed = 0;

	if (load_shipped(&p))
		return;
	nlh = round_trip(&p, &kr);
	if (!nlh)
		goto out;
	CHECK(kr.slices == 1 && kr.continued == 0, "%u slices, %u continued",
	      kr.slices, kr.continued);
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	mnl_attr_for_each_nested(list, a) {
		if (mnl_attr_get_type(list) != IMGSEC_POLICY_A_ROLES &&
		    mnl_attr_get_type(list) != IMGSEC_POLICY_A_RULES)
			continue;
		mnl_attr_for_each_nested(nest, list) {
			n++;
			mnl_attr_for_each_nested(x, nest)
				if (mnl_attr_get_type(x) ==
				    (mnl_attr_get_type(list) ==
				     IMGSEC_POLICY_A_ROLES ?
				     IMGSEC_ROLE_A_INDEX : IMGSEC_RULE_A_INDEX))
					indexed++;
		}
	}
	CHECK(n == p.nroles + p.nrules && indexed == n,
	      "%u nests, %u with an index, for %u roles and %u rules", n,
	      indexed, p.nroles, p.nrules);
	free(nlh);
	kread_release(&kr);
out:
	imgsec_policy_desc_release(&p);
}

/* 10.x.y.z/32 or 2001:db8::x/128, distinct for distinct @n. */
static void make_prefix(struct imgsec_prefix *pfx, uint32_t n, bool v6)
{
	memset(pfx, 0, sizeof(*pfx));
	if (v6) {
		pfx->family = AF_INET6;
		pfx->plen = 128;
		pfx->addr[0] = 0x20;
		pfx->addr[1] = 0x01;
		pfx->addr[2] = 0x0d;
		pfx->addr[3] = 0xb8;
		pfx->addr[13] = n >> 16;
		pfx->addr[14] = n >> 8;
		pfx->addr[15] = n;
		return;
	}
	pfx->family = AF_INET;
	pfx->plen = 32;
	pfx->addr[0] = 10;
	pfx->addr[1] = n >> 16;
	pfx->addr[2] = n >> 8;
	pfx->addr[3] = n;
}

/* A role of @n prefixes, named @name; 0 or -ENOMEM. */
static int make_role(struct imgsec_role_desc *role, const char *name,
		     uint32_t n, bool v6)
{
	uint32_t i;

	snprintf(role->name, sizeof(role->name), "%s", name);
	role->prefixes = calloc(n ? n : 1, sizeof(*role->prefixes));
	if (!role->prefixes)
		return -ENOMEM;
	role->nprefixes = n;
	for (i = 0; i < n; i++)
		make_prefix(&role->prefixes[i], i, v6);
	return 0;
}

/* Rule @i: @nports ranges, a comment of @clen bytes (without its NUL). */
static void make_rule(struct imgsec_rule_desc *rule, uint32_t i,
		      uint32_t nroles, unsigned int nports, unsigned int clen)
{
	unsigned int k;

	rule->from = i % nroles;
	rule->to = (i / nroles) % nroles;
	rule->proto = i % 2 ? IPPROTO_UDP : IPPROTO_TCP;
	rule->helper = i % 5 == 0 ? IMGSEC_HELPER_RPC : IMGSEC_HELPER_NONE;
	rule->nports = nports;
	for (k = 0; k < nports; k++) {
		rule->ports[k].lo = 1 + k * 2000 + i % 1000;
		rule->ports[k].hi = rule->ports[k].lo + k;
	}
	for (k = 0; k < clen; k++)
		rule->comment[k] = 'a' + (i + k) % 26;
	rule->comment[clen] = '\0';
}

/*
 * The largest policy the limits allow: 65,536 prefixes in three roles with
 * the longest names, 1,024 rules with 32 port ranges and 127-byte comments,
 * each with a limit, 32 of them with a per-source limit and cap too.
 */
static int make_limit_policy(struct imgsec_policy_desc *p)
{
	static const uint32_t sizes[] = { 40000, 25000, 536 };
	char name[IMGSEC_NAME_LEN];
	uint32_t r, i;

	memset(p, 0, sizeof(*p));
	p->mode = IMGSEC_MODE_MONITOR;
	p->default_action = IMGSEC_ACTION_REJECT;
	p->placement = IMGSEC_PLACEMENT_GATEWAY;
	for (r = 0; r < 3; r++) {
		memset(name, 'a' + r, sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		if (make_role(&p->roles[r], name, sizes[r], r == 1))
			return -ENOMEM;
		p->nroles++;
	}
	p->rules = calloc(IMGSEC_MAX_RULES, sizeof(*p->rules));
	if (!p->rules)
		return -ENOMEM;
	p->nrules = IMGSEC_MAX_RULES;
	for (i = 0; i < p->nrules; i++) {
		make_rule(&p->rules[i], i, p->nroles, IMGSEC_MAX_PORT_RANGES,
			  IMGSEC_COMMENT_LEN - 1);
		/* Any text: the kernel keeps it unread. */
		memset(p->rules[i].ports_text, 'p', IMGSEC_PORTS_TEXT_LEN - 1);
		p->rules[i].limit_rate = IMGSEC_MAX_LIMIT_RATE;
		p->rules[i].limit_unit = IMGSEC_LIMIT_UNIT_MINUTE;
		p->rules[i].limit_burst = IMGSEC_MAX_LIMIT_BURST;
		/* As many per-source limits as a policy may have, spread. */
		if (i % (IMGSEC_MAX_RULES / IMGSEC_MAX_SOURCE_RULES))
			continue;
		p->rules[i].source_rate = IMGSEC_MAX_LIMIT_RATE;
		p->rules[i].source_unit = IMGSEC_LIMIT_UNIT_MINUTE;
		p->rules[i].source_burst = IMGSEC_MAX_LIMIT_BURST;
		p->rules[i].source_max = IMGSEC_MAX_SOURCE_CONNS;
	}
	return 0;
}

static void test_set_policy_limits(void)
{
	struct imgsec_policy_error perr;
	struct imgsec_policy_desc p;
	struct nlmsghdr *nlh;
	struct kread kr;
	uint32_t i, total = 0;

	REQUIRE(make_limit_policy(&p) == 0, "out of memory");
	for (i = 0; i < p.nroles; i++)
		total += p.roles[i].nprefixes;
	CHECK(total == IMGSEC_MAX_PREFIXES, "%u prefixes", total);
	CHECK(imgsec_policy_validate(&p, &perr) == 0, "invalid: %s",
	      perr.msg);
	nlh = round_trip(&p, &kr);
	if (nlh) {
		/* 65,536 x 24 + 1,024 x 440 bytes: some 34 slices. */
		CHECK(kr.slices >= 32 && kr.slices <= 36, "%u slices",
		      kr.slices);
		CHECK(kr.continued >= 25, "roles continued %u times",
		      kr.continued);
		CHECK(nlh->nlmsg_len < 2100000, "%u bytes", nlh->nlmsg_len);
		for (i = 0; i < kr.desc.nrules; i++)
			if (strcmp(kr.desc.rules[i].ports_text,
				   p.rules[i].ports_text))
				break;
		CHECK(kr.desc.nrules == p.nrules && i == p.nrules,
		      "rule %u: ports text lost", i);
		for (i = 0; i < kr.desc.nrules; i++)
			if (kr.desc.rules[i].source_rate !=
			    p.rules[i].source_rate ||
			    kr.desc.rules[i].source_unit !=
			    p.rules[i].source_unit ||
			    kr.desc.rules[i].source_burst !=
			    p.rules[i].source_burst ||
			    kr.desc.rules[i].source_max != p.rules[i].source_max)
				break;
		CHECK(i == p.nrules, "rule %u: per-source limit lost", i);
		printf("limit policy: %u bytes in %u slices, largest %zu bytes, bound %zu\n",
		       nlh->nlmsg_len, kr.slices, kr.largest,
		       policy_nl_msg_size(&p));
		free(nlh);
	}
	kread_release(&kr);
	imgsec_policy_desc_release(&p);
}

/* A role of 4,000 prefixes, once refused as too large: two slices now. */
static void test_set_policy_split_role(void)
{
	const struct nlattr *slice, *list, *nest, *x;
	struct imgsec_policy_desc p;
	struct nlmsghdr *nlh;
	unsigned int nests = 0;
	struct kread kr;

	memset(&p, 0, sizeof(p));
	p.nroles = 1;
	REQUIRE(make_role(&p.roles[0], "many", 4000, false) == 0, "calloc");
	nlh = round_trip(&p, &kr);
	if (nlh) {
		CHECK(kr.slices == 2 && kr.continued == 1,
		      "%u slices, %u continued", kr.slices, kr.continued);
		/* Both nests of the role say its index and its name. */
		mnl_attr_for_each(slice, nlh, sizeof(struct genlmsghdr))
			mnl_attr_for_each_nested(list, slice)
				mnl_attr_for_each_nested(nest, list)
					mnl_attr_for_each_nested(x, nest)
						nests += (mnl_attr_get_type(x) ==
							  IMGSEC_ROLE_A_INDEX &&
							  mnl_attr_get_u32(x) == 0) +
							 (mnl_attr_get_type(x) ==
							  IMGSEC_ROLE_A_NAME);
		CHECK(nests == 4, "%u index and name attributes", nests);
		free(nlh);
	}
	kread_release(&kr);
	imgsec_policy_desc_release(&p);
}

/* A tiny pseudo-random generator, for reproducible policies. */
static uint32_t rnd(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/*
 * Policies of every shape, so that slices end everywhere: after a role's
 * head, in the middle of its prefixes, right before a rule, between the
 * roles and the rules; empty roles and no rules included.
 */
/*
 * A limit on a third of the rules, at and within the bounds; a per-source
 * limit on some, as many as a policy may have (*@nsource so far).
 */
static void random_limit(struct imgsec_rule_desc *rule, uint32_t *state,
			 uint32_t *nsource)
{
	uint32_t cap;

	if (*nsource < IMGSEC_MAX_SOURCE_RULES && !(rnd(state) % 8)) {
		(*nsource)++;
		rule->source_rate = 1 + rnd(state) % IMGSEC_MAX_LIMIT_RATE;
		rule->source_unit = rnd(state) % __IMGSEC_LIMIT_UNIT_MAX;
		rule->source_burst = 1 + rnd(state) % IMGSEC_MAX_LIMIT_BURST;
		/* A cap alone (no rate), with the rate, or none. */
		cap = rnd(state) % 3;
		if (cap == 0) {
			rule->source_rate = 0;
			rule->source_unit = 0;
			rule->source_burst = 0;
		}
		if (cap < 2)
			rule->source_max = 1 + rnd(state) %
					   IMGSEC_MAX_SOURCE_CONNS;
	}
	if (rnd(state) % 3)
		return;
	rule->limit_rate = 1 + rnd(state) % IMGSEC_MAX_LIMIT_RATE;
	rule->limit_unit = rnd(state) % __IMGSEC_LIMIT_UNIT_MAX;
	rule->limit_burst = 1 + rnd(state) % IMGSEC_MAX_LIMIT_BURST;
}

static void test_set_policy_random(void)
{
	struct imgsec_policy_desc p;
	struct nlmsghdr *nlh;
	uint32_t seed, state, r, i, nrules, nsource;
	char name[64];
	struct kread kr;
	unsigned int slices = 0, continued = 0;

	for (seed = 1; seed <= 60; seed++) {
		state = seed;
		memset(&p, 0, sizeof(p));
		p.mode = rnd(&state) % __IMGSEC_MODE_MAX;
		p.nroles = 1 + rnd(&state) % IMGSEC_MAX_ROLES;
		for (r = 0; r < p.nroles; r++) {
			/* Names of 4 to 29 bytes. */
			snprintf(name, sizeof(name), "r%u-%.*s", r,
				 (int)(rnd(&state) % 26),
				 "abcdefghijklmnopqrstuvwxyz");
			if (make_role(&p.roles[r], name,
				      rnd(&state) % (IMGSEC_MAX_PREFIXES / p.nroles),
				      rnd(&state) % 2))
				break;
		}
		nrules = rnd(&state) % (IMGSEC_MAX_RULES + 1);
		p.rules = calloc(nrules + 1, sizeof(*p.rules));
		if (p.rules) {
			p.nrules = nrules;
			nsource = 0;
			for (i = 0; i < nrules; i++) {
				make_rule(&p.rules[i], i, p.nroles,
					  1 + rnd(&state) % IMGSEC_MAX_PORT_RANGES,
					  rnd(&state) % IMGSEC_COMMENT_LEN);
				random_limit(&p.rules[i], &state, &nsource);
			}
		}
		nlh = round_trip(&p, &kr);
		CHECK(nlh, "seed %u", seed);
		slices += kr.slices;
		continued += kr.continued;
		free(nlh);
		kread_release(&kr);
		imgsec_policy_desc_release(&p);
	}
	CHECK(slices > 200 && continued > 100, "%u slices, %u continued",
	      slices, continued);
}

/* The nest at position @n of the first list of type @type in @slice. */
static const struct nlattr *nth_nest(const struct nlattr *slice,
				     uint16_t type, unsigned int n)
{
	const struct nlattr *list, *nest;

	mnl_attr_for_each_nested(list, slice) {
		if (mnl_attr_get_type(list) != type)
			continue;
		mnl_attr_for_each_nested(nest, list)
			if (n-- == 0)
				return nest;
	}
	return NULL;
}

/* The @n-th attribute of type @type in @nest. */
static const struct nlattr *nth_attr(const struct nlattr *nest,
				     uint16_t type, unsigned int n)
{
	const struct nlattr *x;

	mnl_attr_for_each_nested(x, nest)
		if (mnl_attr_get_type(x) == type && n-- == 0)
			return x;
	return NULL;
}

/* In a message whose first role nests have no index. */
static void describe_unindexed(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *x, *slice = NULL;
	char where[96];

	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	x = nth_nest(a, IMGSEC_POLICY_A_ROLES, 1);
	x = x ? nth_attr(x, IMGSEC_ROLE_A_NAME, 0) : NULL;
	CHECK(x && policy_nl_describe_offset(nlh, (uint32_t)((const char *)x -
							      (const char *)nlh),
					     where, sizeof(where)) &&
	      !strcmp(where, "role 1, name"), "'%s'", where);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		slice = a;		/* the second */
	x = nth_nest(slice, IMGSEC_POLICY_A_ROLES, 0);
	x = x ? nth_attr(x, IMGSEC_ROLE_A_PREFIX, 0) : NULL;
	CHECK(x && policy_nl_describe_offset(nlh, (uint32_t)((const char *)x -
							      (const char *)nlh),
					     where, sizeof(where)) &&
	      !strcmp(where, "role 1, prefix 0"), "'%s'", where);
	x = nth_nest(slice, IMGSEC_POLICY_A_RULES, 0);
	x = x ? nth_attr(x, IMGSEC_RULE_A_PORTS, 0) : NULL;
	CHECK(x && policy_nl_describe_offset(nlh, (uint32_t)((const char *)x -
							      (const char *)nlh),
					     where, sizeof(where)) &&
	      !strcmp(where, "rule 0, ports"), "'%s'", where);
}

/*
 * The reader above is the kernel's, not the writer's: it takes nests
 * without indexes, and refuses a skipped role, a rule out of place, and
 * counters, which only dumps carry.
 */
static void test_kernel_reader(void)
{
	struct imgsec_prefix pfx;
	struct nlattr *pol, *list, *nest;
	struct nlmsghdr *nlh;
	struct kread kr;
	int variant;

	make_prefix(&pfx, 1, false);
	for (variant = 0; variant < 4; variant++) {
		nlh = msg_start(IMGSEC_CMD_SET_POLICY);
		pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
		list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_ROLES);
		nest = mnl_attr_nest_start(nlh, 1);
		mnl_attr_put_strz(nlh, IMGSEC_ROLE_A_NAME, "a");
		mnl_attr_nest_end(nlh, nest);
		nest = mnl_attr_nest_start(nlh, 1);
		if (variant == 1)
			mnl_attr_put_u32(nlh, IMGSEC_ROLE_A_INDEX, 2);
		mnl_attr_put_strz(nlh, IMGSEC_ROLE_A_NAME, "b");
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_nest_end(nlh, list);
		mnl_attr_nest_end(nlh, pol);
		pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
		list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_ROLES);
		nest = mnl_attr_nest_start(nlh, 1);
		mnl_attr_put_u32(nlh, IMGSEC_ROLE_A_INDEX, 1);
		mnl_attr_put(nlh, IMGSEC_ROLE_A_PREFIX, sizeof(pfx), &pfx);
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_nest_end(nlh, list);
		list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_RULES);
		nest = mnl_attr_nest_start(nlh, 1);
		if (variant == 2)
			mnl_attr_put_u32(nlh, IMGSEC_RULE_A_INDEX, 1);
		mnl_attr_put_u8(nlh, IMGSEC_RULE_A_FROM, 0);
		mnl_attr_put_u8(nlh, IMGSEC_RULE_A_TO, 1);
		mnl_attr_put_u8(nlh, IMGSEC_RULE_A_PROTO, IPPROTO_TCP);
		mnl_attr_put(nlh, IMGSEC_RULE_A_PORTS, 4, "\1\0\1\0");
		if (variant == 3)
			mnl_attr_put_u64(nlh, IMGSEC_RULE_A_PACKETS, 1);
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_nest_end(nlh, list);
		mnl_attr_nest_end(nlh, pol);

		if (variant == 0) {
			/* policy_nl names offsets by the same rules. */
			describe_unindexed(nlh);
			CHECK(kread_msg(&kr, nlh) == 0, "%s", kr.err);
			CHECK(kr.desc.nroles == 2 && kr.desc.nrules == 1 &&
			      kr.continued == 1 && kr.slices == 2 &&
			      !strcmp(kr.desc.roles[1].name, "b") &&
			      kr.desc.roles[0].nprefixes == 0 &&
			      kr.desc.roles[1].nprefixes == 1,
			      "read %u roles, %u rules", kr.desc.nroles,
			      kr.desc.nrules);
		} else {
			CHECK(kread_msg(&kr, nlh) == -1, "variant %d read",
			      variant);
		}
		kread_release(&kr);
	}
}

/* A buffer too small: refused with a message, nothing written past it. */
static void test_set_policy_small_buffer(void)
{
	struct imgsec_policy_desc p;
	struct nlmsghdr *nlh;
	char err[256] = "";
	size_t size;

	if (load_shipped(&p))
		return;
	size = policy_nl_msg_size(&p);
	nlh = msg_start(IMGSEC_CMD_SET_POLICY);
	CHECK(policy_nl_put(nlh, 200, &p, err, sizeof(err)) == -EMSGSIZE,
	      "accepted");
	CHECK(!strcmp(err, "the policy message does not fit in its buffer of 200 bytes"),
	      "'%s'", err);
	CHECK(nlh->nlmsg_len <= 200, "%u bytes", nlh->nlmsg_len);
	CHECK(size > 200, "bound %zu", size);
	imgsec_policy_desc_release(&p);
}

/* --- GET_POLICY dump ------------------------------------------------ */

/*
 * The kernel's dump, as module/netlink.c cuts it: the header first, then
 * each role in slices of @slice prefixes (each slice with the role's index
 * and name), then the rules @per_msg to a message, with their counters.
 * Returns the number of messages fed to policy_dump_msg(), or -1.
 */
static int feed_dump(struct policy_dump *d, const struct imgsec_policy_desc *p,
		     uint32_t gen, unsigned int slice, unsigned int per_msg)
{
	struct nlmsghdr *nlh;
	struct nlattr *pol, *list, *nest;
	uint32_t r, k, end;
	int n = 0;

	policy_dump_reset(d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, gen);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	mnl_attr_put_u8(nlh, IMGSEC_POLICY_A_MODE, p->mode);
	mnl_attr_put_u8(nlh, IMGSEC_POLICY_A_DEFAULT, p->default_action);
	mnl_attr_put_u8(nlh, IMGSEC_POLICY_A_PLACEMENT, p->placement);
	mnl_attr_nest_end(nlh, pol);
	if (policy_dump_msg(nlh, d) != MNL_CB_OK)
		return -1;
	n++;
	for (r = 0; r < p->nroles; r++) {
		k = 0;
		do {
			end = k + slice < p->roles[r].nprefixes ?
			      k + slice : p->roles[r].nprefixes;
			nlh = msg_start(IMGSEC_CMD_GET_POLICY);
			mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, gen);
			pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
			list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_ROLES);
			nest = mnl_attr_nest_start(nlh, 1);
			mnl_attr_put_u32(nlh, IMGSEC_ROLE_A_INDEX, r);
			mnl_attr_put_strz(nlh, IMGSEC_ROLE_A_NAME,
					  p->roles[r].name);
			for (; k < end; k++)
				mnl_attr_put(nlh, IMGSEC_ROLE_A_PREFIX,
					     sizeof(struct imgsec_prefix),
					     &p->roles[r].prefixes[k]);
			mnl_attr_nest_end(nlh, nest);
			mnl_attr_nest_end(nlh, list);
			mnl_attr_nest_end(nlh, pol);
			if (policy_dump_msg(nlh, d) != MNL_CB_OK)
				return -1;
			n++;
		} while (k < p->roles[r].nprefixes);
	}
	for (r = 0; r < p->nrules; r += per_msg) {
		nlh = msg_start(IMGSEC_CMD_GET_POLICY);
		mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, gen);
		pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
		list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_RULES);
		for (k = r; k < r + per_msg && k < p->nrules; k++) {
			const struct imgsec_rule_desc *rule = &p->rules[k];

			nest = mnl_attr_nest_start(nlh, 1);
			mnl_attr_put_u32(nlh, IMGSEC_RULE_A_INDEX, k);
			mnl_attr_put_u8(nlh, IMGSEC_RULE_A_FROM, rule->from);
			mnl_attr_put_u8(nlh, IMGSEC_RULE_A_TO, rule->to);
			mnl_attr_put_u8(nlh, IMGSEC_RULE_A_PROTO, rule->proto);
			mnl_attr_put_u8(nlh, IMGSEC_RULE_A_HELPER, rule->helper);
			mnl_attr_put(nlh, IMGSEC_RULE_A_PORTS,
				     rule->nports * sizeof(rule->ports[0]),
				     rule->ports);
			mnl_attr_put_strz(nlh, IMGSEC_RULE_A_COMMENT,
					  rule->comment);
			if (rule->ports_text[0])
				mnl_attr_put_strz(nlh, IMGSEC_RULE_A_PORTS_TEXT,
						  rule->ports_text);
			mnl_attr_put_u64(nlh, IMGSEC_RULE_A_PACKETS, 1000 + k);
			mnl_attr_put_u64(nlh, IMGSEC_RULE_A_BYTES, 1u << 31 | k);
			if (rule->limit_rate) {
				mnl_attr_put_u32(nlh, IMGSEC_RULE_A_LIMIT_RATE,
						 rule->limit_rate);
				mnl_attr_put_u8(nlh, IMGSEC_RULE_A_LIMIT_UNIT,
						rule->limit_unit);
				mnl_attr_put_u32(nlh, IMGSEC_RULE_A_LIMIT_BURST,
						 rule->limit_burst);
				mnl_attr_put_u64(nlh, IMGSEC_RULE_A_LIMITED,
						 2000 + k);
			}
			if (rule->source_rate) {
				mnl_attr_put_u32(nlh, IMGSEC_RULE_A_SOURCE_RATE,
						 rule->source_rate);
				mnl_attr_put_u8(nlh, IMGSEC_RULE_A_SOURCE_UNIT,
						rule->source_unit);
				mnl_attr_put_u32(nlh, IMGSEC_RULE_A_SOURCE_BURST,
						 rule->source_burst);
				mnl_attr_put_u64(nlh, IMGSEC_RULE_A_SOURCE_LIMITED,
						 3000 + k);
				mnl_attr_put_u64(nlh, IMGSEC_RULE_A_SOURCE_EVICTED,
						 4000 + k);
			}
			if (rule->source_max) {
				mnl_attr_put_u32(nlh, IMGSEC_RULE_A_SOURCE_MAX,
						 rule->source_max);
				mnl_attr_put_u64(nlh, IMGSEC_RULE_A_SOURCE_CAPPED,
						 5000 + k);
			}
			mnl_attr_nest_end(nlh, nest);
		}
		mnl_attr_nest_end(nlh, list);
		mnl_attr_nest_end(nlh, pol);
		if (policy_dump_msg(nlh, d) != MNL_CB_OK)
			return -1;
		n++;
	}
	return n;
}

static void test_dump_round_trip(void)
{
	struct imgsec_policy_desc p;
	struct policy_dump d;
	unsigned int slice;
	uint32_t i;
	int n;

	if (load_shipped(&p))
		return;
	/* A per-source limit, with a shared one and without. */
	p.rules[0].source_rate = 5;
	p.rules[0].source_unit = IMGSEC_LIMIT_UNIT_MINUTE;
	p.rules[0].source_burst = 7;
	p.rules[p.nrules - 1].source_rate = 1000000;
	p.rules[p.nrules - 1].source_burst = 1;
	/* A per-source cap: with that rate, and alone. */
	p.rules[0].source_max = 64;
	p.rules[1].source_max = IMGSEC_MAX_SOURCE_CONNS;
	policy_dump_init(&d);
	for (slice = 1; slice <= 4; slice++) {
		n = feed_dump(&d, &p, 7, slice, slice);
		CHECK(n > 2, "slice %u: dump refused: %s", slice, d.err);
		CHECK(policy_dump_finish(&d) == 0, "slice %u: %s", slice, d.err);
		CHECK(d.active && d.have_generation && d.generation == 7,
		      "slice %u: active %d gen %u", slice, d.active,
		      d.generation);
		CHECK(policy_desc_equal(&p, &d.desc),
		      "slice %u: the joined policy differs", slice);
		for (i = 0; i < p.nrules; i++)
			CHECK(d.counters[i].packets == 1000 + i &&
			      d.counters[i].bytes == (1u << 31 | i) &&
			      d.counters[i].limited ==
			      (p.rules[i].limit_rate ? 2000 + i : 0) &&
			      d.counters[i].source_limited ==
			      (p.rules[i].source_rate ? 3000 + i : 0) &&
			      d.counters[i].source_evicted ==
			      (p.rules[i].source_rate ? 4000 + i : 0) &&
			      d.counters[i].source_capped ==
			      (p.rules[i].source_max ? 5000 + i : 0),
			      "rule %u counters", i);
	}
	policy_dump_release(&d);
	imgsec_policy_desc_release(&p);
}

/* A module of family version 1 refuses port names: they are not sent. */
static void test_fit_version(void)
{
	struct imgsec_policy_desc p;

	if (load_shipped(&p))
		return;
	REQUIRE(p.nrules > 13 && !strcmp(p.rules[12].ports_text, "echo"),
		"the shipped ping rule keeps \"echo\": %s",
		p.nrules > 12 ? p.rules[12].ports_text : "");
	CHECK(!policy_nl_fit_version(&p, IMGSEC_GENL_VERSION), "dropped");
	CHECK(!strcmp(p.rules[12].ports_text, "echo"), "changed");
	CHECK(policy_nl_fit_version(&p, 1), "nothing dropped for version 1");
	CHECK_EQ(p.rules[12].ports_text[0], '\0');
	CHECK(!policy_nl_fit_version(&p, 1), "dropped twice");
	imgsec_policy_desc_release(&p);
}

/* No policy: the kernel's dump has no message at all. */
static void test_dump_empty(void)
{
	struct policy_dump d;

	policy_dump_init(&d);
	CHECK(policy_dump_finish(&d) == 0, "%s", d.err);
	CHECK(!d.active, "active without a policy");
	policy_dump_release(&d);
}

/*
 * IMGSEC_A_GENERATION is a top-level attribute of every dump message, next
 * to its slice. A module that put it inside the slice (where its type is
 * IMGSEC_POLICY_A_ROLES') or left it out is not understood.
 */
static void test_dump_generation_top_level(void)
{
	struct nlmsghdr *nlh;
	struct policy_dump d;
	struct nlattr *pol;
	int i;

	policy_dump_init(&d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 4);
	for (i = 0; i < 2; i++) {
		/* Two slices in one message: both are read. */
		pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
		mnl_attr_put_u8(nlh, i ? IMGSEC_POLICY_A_PLACEMENT :
				IMGSEC_POLICY_A_MODE, 1);
		mnl_attr_nest_end(nlh, pol);
	}
	CHECK(policy_dump_msg(nlh, &d) == MNL_CB_OK, "%s", d.err);
	CHECK(d.active && d.have_generation && d.generation == 4,
	      "active %d, generation %u", d.active, d.generation);
	CHECK(d.have_mode && d.desc.mode == 1 && d.have_placement &&
	      d.desc.placement == 1, "both slices read");

	policy_dump_reset(&d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 4);
	mnl_attr_nest_end(nlh, pol);
	CHECK(policy_dump_msg(nlh, &d) == MNL_CB_ERROR, "inside: accepted");
	CHECK(!strcmp(d.err, "a dump message without IMGSEC_A_GENERATION"),
	      "'%s'", d.err);

	policy_dump_reset(&d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 4);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 4);
	mnl_attr_nest_end(nlh, pol);
	CHECK(policy_dump_msg(nlh, &d) == MNL_CB_ERROR, "both: accepted");
	CHECK(!strcmp(d.err, "the policy's roles or rules are not a nest"),
	      "'%s'", d.err);
	policy_dump_release(&d);
}

static void test_dump_generation_change(void)
{
	struct nlmsghdr *nlh;
	struct policy_dump d;

	policy_dump_init(&d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 3);
	CHECK(policy_dump_msg(nlh, &d) == MNL_CB_OK, "first");
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 4);
	CHECK(policy_dump_msg(nlh, &d) == GENL_CB_RESTART, "no restart");
	policy_dump_release(&d);
}

/* One message with one role nest holding @attr of @len bytes. */
static int feed_role_attr(struct policy_dump *d, bool with_index,
			  uint32_t index, uint16_t type, size_t len,
			  const void *data)
{
	struct nlattr *pol, *list, *nest;
	struct nlmsghdr *nlh = msg_start(IMGSEC_CMD_GET_POLICY);

	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 1);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_ROLES);
	nest = mnl_attr_nest_start(nlh, 1);
	if (with_index)
		mnl_attr_put_u32(nlh, IMGSEC_ROLE_A_INDEX, index);
	if (len || data)
		mnl_attr_put(nlh, type, len, data);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, list);
	mnl_attr_nest_end(nlh, pol);
	return policy_dump_msg(nlh, d);
}

static void test_dump_refusals(void)
{
	struct imgsec_prefix pfx = { .family = AF_INET, .plen = 32 };
	struct policy_dump d;
	char name[40];

	policy_dump_init(&d);
	CHECK(feed_role_attr(&d, false, 0, IMGSEC_ROLE_A_NAME, 2, "a") ==
	      MNL_CB_ERROR, "no index");
	CHECK(!strcmp(d.err, "a role without IMGSEC_ROLE_A_INDEX"), "'%s'",
	      d.err);

	policy_dump_reset(&d);
	CHECK(feed_role_attr(&d, true, 64, IMGSEC_ROLE_A_NAME, 2, "a") ==
	      MNL_CB_ERROR, "index 64");
	CHECK(!strcmp(d.err, "role index 64 is out of range"), "'%s'", d.err);

	policy_dump_reset(&d);
	CHECK(feed_role_attr(&d, true, 0, IMGSEC_ROLE_A_PREFIX,
			     sizeof(pfx) - 1, &pfx) == MNL_CB_ERROR,
	      "short prefix");
	CHECK(!strcmp(d.err, "role 0: a prefix of 19 bytes, expected 20"),
	      "'%s'", d.err);

	policy_dump_reset(&d);
	CHECK(feed_role_attr(&d, true, 0, IMGSEC_ROLE_A_NAME, 3, "abc") ==
	      MNL_CB_ERROR, "name without NUL");
	CHECK(!strcmp(d.err, "a role attribute has a wrong length"), "'%s'",
	      d.err);

	policy_dump_reset(&d);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(feed_role_attr(&d, true, 0, IMGSEC_ROLE_A_NAME, sizeof(name),
			     name) == MNL_CB_ERROR, "long name");
	CHECK(!strcmp(d.err, "role 0: name too long"), "'%s'", d.err);

	/* A role that never got a name, and a hole in the rules. */
	policy_dump_reset(&d);
	CHECK(feed_role_attr(&d, true, 1, IMGSEC_ROLE_A_NAME, 2, "a") ==
	      MNL_CB_OK, "role 1");
	d.have_mode = d.have_default = d.have_placement = true;
	CHECK(policy_dump_finish(&d) == -EBADMSG, "role 0 missing");
	CHECK(!strcmp(d.err, "role 0 is missing or has no name"), "'%s'",
	      d.err);

	policy_dump_reset(&d);
	CHECK(feed_role_attr(&d, true, 0, IMGSEC_ROLE_A_NAME, 2, "a") ==
	      MNL_CB_OK, "role 0");
	CHECK(policy_dump_finish(&d) == -EBADMSG, "no header");
	CHECK(!strcmp(d.err, "no mode, default or placement"), "'%s'", d.err);
	policy_dump_release(&d);
}

static void test_dump_rule_refusals(void)
{
	struct nlattr *pol, *list, *nest;
	struct nlmsghdr *nlh;
	struct policy_dump d;
	int pass;

	policy_dump_init(&d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 1);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_RULES);
	nest = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, IMGSEC_RULE_A_INDEX, 2);
	mnl_attr_put_u8(nlh, IMGSEC_RULE_A_FROM, 0);
	mnl_attr_put_u8(nlh, IMGSEC_RULE_A_TO, 0);
	mnl_attr_put_u8(nlh, IMGSEC_RULE_A_PROTO, 6);
	mnl_attr_put(nlh, IMGSEC_RULE_A_PORTS, 6, "\1\0\1\0\2\0");
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, list);
	mnl_attr_nest_end(nlh, pol);
	CHECK(policy_dump_msg(nlh, &d) == MNL_CB_ERROR, "odd ports");
	CHECK(!strcmp(d.err, "rule 2: ports of 6 bytes"), "'%s'", d.err);

	policy_dump_reset(&d);
	for (pass = 0; pass < 2; pass++) {
		nlh = msg_start(IMGSEC_CMD_GET_POLICY);
		mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 1);
		pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
		list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_RULES);
		nest = mnl_attr_nest_start(nlh, 1);
		mnl_attr_put_u32(nlh, IMGSEC_RULE_A_INDEX, 1);
		mnl_attr_put_u8(nlh, IMGSEC_RULE_A_FROM, 0);
		mnl_attr_put_u8(nlh, IMGSEC_RULE_A_TO, 0);
		mnl_attr_put_u8(nlh, IMGSEC_RULE_A_PROTO, 6);
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_nest_end(nlh, list);
		mnl_attr_nest_end(nlh, pol);
		CHECK(policy_dump_msg(nlh, &d) == (pass ? MNL_CB_ERROR : MNL_CB_OK),
		      "pass %d", pass);
	}
	CHECK(!strcmp(d.err, "rule 1 came twice"), "'%s'", d.err);
	d.have_mode = d.have_default = d.have_placement = true;
	d.err[0] = '\0';
	CHECK(policy_dump_finish(&d) == -EBADMSG, "rule 0 missing");
	CHECK(!strcmp(d.err, "rule 0 is missing"), "'%s'", d.err);

	policy_dump_reset(&d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 1);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_RULES);
	nest = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, IMGSEC_RULE_A_INDEX, 0);
	mnl_attr_put_u16(nlh, IMGSEC_RULE_A_PACKETS, 1);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, list);
	mnl_attr_nest_end(nlh, pol);
	CHECK(policy_dump_msg(nlh, &d) == MNL_CB_ERROR, "u16 packets");
	CHECK(!strcmp(d.err, "a rule attribute has a wrong length"), "'%s'",
	      d.err);

	/* A limit comes whole: a rate without its burst is refused. */
	policy_dump_reset(&d);
	nlh = msg_start(IMGSEC_CMD_GET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 1);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	list = mnl_attr_nest_start(nlh, IMGSEC_POLICY_A_RULES);
	nest = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, IMGSEC_RULE_A_INDEX, 0);
	mnl_attr_put_u8(nlh, IMGSEC_RULE_A_FROM, 0);
	mnl_attr_put_u8(nlh, IMGSEC_RULE_A_TO, 0);
	mnl_attr_put_u8(nlh, IMGSEC_RULE_A_PROTO, 6);
	mnl_attr_put_u32(nlh, IMGSEC_RULE_A_LIMIT_RATE, 5);
	mnl_attr_put_u8(nlh, IMGSEC_RULE_A_LIMIT_UNIT, 0);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, list);
	mnl_attr_nest_end(nlh, pol);
	CHECK(policy_dump_msg(nlh, &d) == MNL_CB_ERROR, "half a limit");
	CHECK(!strcmp(d.err, "rule 0: a limit without rate, unit or burst"),
	      "'%s'", d.err);
	policy_dump_release(&d);
}

/* The extack offset of an attribute in the shipped policy's message. */
static void test_describe_offset(void)
{
	struct imgsec_policy_desc p;
	const struct nlattr *a, *list = NULL, *nest, *x, *target = NULL;
	struct nlmsghdr *nlh;
	char err[256], where[96];
	unsigned int n;

	if (load_shipped(&p))
		return;
	nlh = msg_start(IMGSEC_CMD_SET_POLICY);
	mnl_attr_put_u32(nlh, IMGSEC_A_CONFIRM_SECS, 60);
	REQUIRE(policy_nl_put(nlh, policy_nl_msg_size(&p), &p, err,
			      sizeof(err)) == 0, "%s", err);

#define OFF(attr) ((uint32_t)((const char *)(attr) - (const char *)nlh))
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	CHECK(policy_nl_describe_offset(nlh, OFF(a), where, sizeof(where)) &&
	      !strcmp(where, "the confirm time"), "'%s'", where);
	a = mnl_attr_next(a);

	mnl_attr_for_each_nested(x, a)
		if (mnl_attr_get_type(x) == IMGSEC_POLICY_A_RULES)
			list = x;
	REQUIRE(list, "no rules");
	n = 0;
	mnl_attr_for_each_nested(nest, list)
		if (n++ == 3)
			break;
	mnl_attr_for_each_nested(x, nest)
		if (mnl_attr_get_type(x) == IMGSEC_RULE_A_PORTS)
			target = x;
	REQUIRE(target, "no ports in rule 3");
	CHECK(policy_nl_describe_offset(nlh, OFF(target), where,
					sizeof(where)) &&
	      !strcmp(where, "rule 3, ports"), "'%s'", where);
	CHECK(policy_nl_describe_offset(nlh, OFF(nest), where, sizeof(where)) &&
	      !strcmp(where, "rule 3"), "'%s'", where);

	mnl_attr_for_each_nested(x, a)
		if (mnl_attr_get_type(x) == IMGSEC_POLICY_A_ROLES)
			list = x;
	n = 0;
	mnl_attr_for_each_nested(nest, list)
		if (n++ == 1)
			break;
	n = 0;
	target = NULL;
	mnl_attr_for_each_nested(x, nest)
		if (mnl_attr_get_type(x) == IMGSEC_ROLE_A_PREFIX && n++ == 2)
			target = x;
	REQUIRE(target, "role 1 has no third prefix");
	CHECK(policy_nl_describe_offset(nlh, OFF(target), where,
					sizeof(where)) &&
	      !strcmp(where, "role 1, prefix 2"), "'%s'", where);
	CHECK(policy_nl_describe_offset(nlh, OFF(a), where, sizeof(where)) &&
	      !strcmp(where, "the policy"), "'%s'", where);
	CHECK(!policy_nl_describe_offset(nlh, nlh->nlmsg_len + 8, where,
					 sizeof(where)), "past the end");
#undef OFF
	imgsec_policy_desc_release(&p);
}

/* Offsets in later slices name the role, prefix and rule of the policy. */
static void test_describe_offset_slices(void)
{
	const struct nlattr *a, *first = NULL, *second = NULL, *last = NULL;
	const struct nlattr *nest, *x;
	struct imgsec_policy_desc p;
	struct nlmsghdr *nlh;
	char where[96], want[96];
	unsigned int n = 0;
	uint32_t role, before;
	size_t bound;

	REQUIRE(make_limit_policy(&p) == 0, "out of memory");
	nlh = set_policy_msg(&p, 0, &bound);
	if (!nlh)
		goto out;
#define OFF(attr) ((uint32_t)((const char *)(attr) - (const char *)nlh))
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (n == 0)
			first = a;
		else if (n == 1)
			second = a;
		last = a;
		n++;
	}
	REQUIRE(n > 2, "%u slices", n);

	/* The role that goes on in slice 2, its third prefix there. */
	nest = nth_nest(second, IMGSEC_POLICY_A_ROLES, 0);
	x = nest ? nth_attr(nest, IMGSEC_ROLE_A_INDEX, 0) : NULL;
	REQUIRE(x, "slice 2 starts no role");
	role = mnl_attr_get_u32(x);
	before = 0;
	for (n = 0; (x = nth_nest(first, IMGSEC_POLICY_A_ROLES, n)); n++)
		if (mnl_attr_get_u32(nth_attr(x, IMGSEC_ROLE_A_INDEX, 0)) ==
		    role)
			while (nth_attr(x, IMGSEC_ROLE_A_PREFIX, before))
				before++;
	x = nth_attr(nest, IMGSEC_ROLE_A_PREFIX, 2);
	REQUIRE(x, "no third prefix");
	snprintf(want, sizeof(want), "role %u, prefix %u", role, before + 2);
	CHECK(policy_nl_describe_offset(nlh, OFF(x) + 5, where,
					sizeof(where)) && !strcmp(where, want),
	      "'%s', expected '%s'", where, want);
	snprintf(want, sizeof(want), "role %u, index", role);
	CHECK(policy_nl_describe_offset(nlh, OFF(nth_attr(nest,
		IMGSEC_ROLE_A_INDEX, 0)), where, sizeof(where)) &&
	      !strcmp(where, want), "'%s', expected '%s'", where, want);

	/* The last rule, in the last slice. */
	for (n = 0; nth_nest(last, IMGSEC_POLICY_A_RULES, n + 1); n++)
		;
	nest = nth_nest(last, IMGSEC_POLICY_A_RULES, n);
	REQUIRE(nest, "no rule in the last slice");
	x = nth_attr(nest, IMGSEC_RULE_A_COMMENT, 0);
	CHECK(x && policy_nl_describe_offset(nlh, OFF(x), where,
					     sizeof(where)) &&
	      !strcmp(where, "rule 1023, comment"), "'%s'", where);
	CHECK(policy_nl_describe_offset(nlh, OFF(last), where,
					sizeof(where)) &&
	      !strcmp(where, "the policy"), "'%s'", where);
#undef OFF
	free(nlh);
out:
	imgsec_policy_desc_release(&p);
}

static void test_status(void)
{
	struct imgsec_status st;
	struct nlattr *pol;
	struct nlmsghdr *nlh;

	memset(&st, 0, sizeof(st));
	nlh = msg_start(IMGSEC_CMD_GET_STATUS);
	mnl_attr_put_strz(nlh, IMGSEC_A_VERSION, "0.1.0");
	mnl_attr_put_u32(nlh, IMGSEC_A_NETNS_COUNT, 3);
	mnl_attr_put_u32(nlh, IMGSEC_A_GENERATION, 9);
	mnl_attr_put_u32(nlh, IMGSEC_A_PENDING_SECS, 42);
	pol = mnl_attr_nest_start(nlh, IMGSEC_A_POLICY);
	mnl_attr_put_u8(nlh, IMGSEC_POLICY_A_MODE, IMGSEC_MODE_MONITOR);
	mnl_attr_put_u8(nlh, IMGSEC_POLICY_A_DEFAULT, IMGSEC_ACTION_REJECT);
	mnl_attr_put_u8(nlh, IMGSEC_POLICY_A_PLACEMENT,
			IMGSEC_PLACEMENT_GATEWAY);
	mnl_attr_nest_end(nlh, pol);
	mnl_attr_put_u32(nlh, 200, 1);	/* from a newer module: skipped */
	CHECK(status_parse(nlh, &st) == MNL_CB_OK, "status");
	CHECK(!strcmp(st.version, "0.1.0") && st.has_netns_count &&
	      st.netns_count == 3 && st.has_generation &&
	      st.generation == 9 && st.pending_secs == 42, "values");
	CHECK(st.has_policy && st.mode == IMGSEC_MODE_MONITOR &&
	      st.default_action == IMGSEC_ACTION_REJECT &&
	      st.placement == IMGSEC_PLACEMENT_GATEWAY, "policy header");

	nlh = msg_start(IMGSEC_CMD_GET_STATUS);
	mnl_attr_put_u16(nlh, IMGSEC_A_GENERATION, 9);
	CHECK(status_parse(nlh, &st) == MNL_CB_ERROR, "u16 generation");
	nlh = msg_start(IMGSEC_CMD_GET_STATUS);
	mnl_attr_put(nlh, IMGSEC_A_VERSION, 3, "abc");
	CHECK(status_parse(nlh, &st) == MNL_CB_ERROR, "version without NUL");
}

static void test_stats(void)
{
	struct imgsec_stats s;
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	memset(&s, 0, sizeof(s));
	nlh = msg_start(IMGSEC_CMD_GET_STATS);
	nest = mnl_attr_nest_start(nlh, IMGSEC_A_STATS);
	mnl_attr_put(nlh, IMGSEC_STATS_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, IMGSEC_STATS_A_DROPPED, 5);
	mnl_attr_put_u64(nlh, IMGSEC_STATS_A_MAX + 1, 77);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, IMGSEC_A_RPC_STATS);
	mnl_attr_put_u64(nlh, IMGSEC_RPC_STATS_A_EXPECTED, 1ull << 40);
	mnl_attr_nest_end(nlh, nest);
	CHECK(stats_parse(nlh, &s) == MNL_CB_OK, "stats");
	CHECK(s.has_hook && s.hook_set[IMGSEC_STATS_A_DROPPED] &&
	      s.hook[IMGSEC_STATS_A_DROPPED] == 5 &&
	      !s.hook_set[IMGSEC_STATS_A_ACCEPTED], "hook");
	CHECK(s.has_rpc && s.rpc[IMGSEC_RPC_STATS_A_EXPECTED] == 1ull << 40,
	      "rpc");

	nlh = msg_start(IMGSEC_CMD_GET_STATS);
	nest = mnl_attr_nest_start(nlh, IMGSEC_A_STATS);
	mnl_attr_put_u32(nlh, IMGSEC_STATS_A_DROPPED, 5);
	mnl_attr_nest_end(nlh, nest);
	CHECK(stats_parse(nlh, &s) == MNL_CB_ERROR, "u32 counter");
}

static void test_rpc_settings(void)
{
	struct imgsec_rpc_settings in = {
		.has_timeout = true, .timeout_secs = 30,
		.has_programs = true, .nprograms = 2,
		.programs = { 100005, 100003 },
	}, out;
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	nlh = msg_start(IMGSEC_CMD_SET_RPC);
	CHECK(rpc_settings_put(nlh, sizeof(buf), &in) == 0, "put");
	memset(&out, 0, sizeof(out));
	CHECK(rpc_settings_parse(nlh, &out) == MNL_CB_OK, "parse");
	CHECK(out.has_timeout && out.timeout_secs == 30 && out.has_programs &&
	      out.nprograms == 2 && out.programs[0] == 100005 &&
	      out.programs[1] == 100003, "round trip");

	nlh = msg_start(IMGSEC_CMD_GET_RPC);
	nest = mnl_attr_nest_start(nlh, IMGSEC_A_RPC);
	mnl_attr_put(nlh, IMGSEC_RPC_A_PROGRAMS, 6, "\1\0\0\0\2\0");
	mnl_attr_nest_end(nlh, nest);
	CHECK(rpc_settings_parse(nlh, &out) == MNL_CB_ERROR, "odd programs");
	nlh = msg_start(IMGSEC_CMD_GET_RPC);
	CHECK(rpc_settings_parse(nlh, &out) == MNL_CB_ERROR, "no nest");
}

static struct nlmsghdr *event_msg(uint8_t family, size_t alen)
{
	static const uint8_t a[16] = { 192, 0, 2, 99 };
	struct nlmsghdr *nlh = msg_start(IMGSEC_CMD_EVENT);
	struct nlattr *nest = mnl_attr_nest_start(nlh, IMGSEC_A_EVENT);

	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_TYPE, IMGSEC_EVENT_DROP);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_FAMILY, family);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_PROTO, 6);
	mnl_attr_put(nlh, IMGSEC_EVENT_A_SADDR, alen, a);
	mnl_attr_put(nlh, IMGSEC_EVENT_A_DADDR, alen, a);
	mnl_attr_put_u16(nlh, IMGSEC_EVENT_A_SPORT, 40000);
	mnl_attr_put_u16(nlh, IMGSEC_EVENT_A_DPORT, 22);
	mnl_attr_put(nlh, IMGSEC_EVENT_A_MONITOR, 0, NULL);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_events(void)
{
	struct imgsec_event ev;

	CHECK(event_parse(event_msg(AF_INET, 4), &ev) == 0, "v4");
	CHECK(ev.type == IMGSEC_EVENT_DROP && ev.family == AF_INET &&
	      ev.proto == 6 && ev.has_saddr && ev.saddr[3] == 99 &&
	      ev.sport == 40000 && ev.dport == 22 && ev.monitor &&
	      !ev.has_program, "v4 values");
	CHECK(event_parse(event_msg(AF_INET6, 16), &ev) == 0, "v6");
	CHECK(event_parse(event_msg(AF_INET, 16), &ev) == -EBADMSG,
	      "16-byte address for IPv4");
	CHECK(event_parse(event_msg(AF_INET6, 4), &ev) == -EBADMSG,
	      "4-byte address for IPv6");
	CHECK(event_parse(event_msg(7, 4), &ev) == -EBADMSG, "family 7");
	CHECK(event_parse(msg_start(IMGSEC_CMD_GET_STATUS), &ev) == -ENOENT,
	      "not an event");
	CHECK(event_parse(msg_start(IMGSEC_CMD_EVENT), &ev) == -EBADMSG,
	      "no nest");
}

/* An event of a newer module, and one attribute newer than this reader. */
static struct nlmsghdr *event_msg_more(const char *ifname, size_t ifname_len)
{
	struct nlmsghdr *nlh = msg_start(IMGSEC_CMD_EVENT);
	struct nlattr *nest = mnl_attr_nest_start(nlh, IMGSEC_A_EVENT);

	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_TYPE, IMGSEC_EVENT_DROP);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_FAMILY, AF_INET);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_PROTO, 6);
	mnl_attr_put_u16(nlh, IMGSEC_EVENT_A_DPORT, 22);
	mnl_attr_put_u64(nlh, IMGSEC_EVENT_A_TIME_NS, 1772370309042000000ull);
	mnl_attr_put_u32(nlh, IMGSEC_EVENT_A_IFINDEX, 3);
	if (ifname)
		mnl_attr_put(nlh, IMGSEC_EVENT_A_IFNAME, ifname_len, ifname);
	mnl_attr_put_u32(nlh, IMGSEC_EVENT_A_GENERATION, 9);
	mnl_attr_put_u32(nlh, IMGSEC_EVENT_A_MAX + 1, 0xdead);	/* newer yet */
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_events_time_device_generation(void)
{
	struct imgsec_event ev;

	/* Without them (an older module): none is claimed. */
	CHECK(event_parse(event_msg(AF_INET, 4), &ev) == 0, "old event");
	CHECK(!ev.has_time && !ev.has_ifindex && !ev.ifname[0] &&
	      !ev.has_generation, "old event: no time, device, generation");

	CHECK(event_parse(event_msg_more("eth0", 5), &ev) == 0, "new event");
	CHECK(ev.has_time && ev.time_ns == 1772370309042000000ull,
	      "time %llu", (unsigned long long)ev.time_ns);
	CHECK(ev.has_ifindex && ev.ifindex == 3, "ifindex %u", ev.ifindex);
	CHECK(!strcmp(ev.ifname, "eth0"), "ifname %s", ev.ifname);
	CHECK(ev.has_generation && ev.generation == 9, "generation %u",
	      ev.generation);
	CHECK(ev.dport == 22 && !ev.has_saddr, "the rest as before");

	CHECK(event_parse(event_msg_more(NULL, 0), &ev) == 0,
	      "a device index without a name");
	CHECK(ev.has_ifindex && !ev.ifname[0], "no name");
	CHECK(event_parse(event_msg_more("0123456789abcde", 16), &ev) == 0 &&
	      !strcmp(ev.ifname, "0123456789abcde"), "15 characters");
	CHECK(event_parse(event_msg_more("0123456789abcdef", 17), &ev) ==
	      -EBADMSG, "16 characters: longer than IFNAMSIZ");
	CHECK(event_parse(event_msg_more("eth0", 4), &ev) == -EBADMSG,
	      "a name without its NUL");
}

/* A limit event names its rule; other events have none. */
static void test_events_limit_rule(void)
{
	struct nlmsghdr *nlh = msg_start(IMGSEC_CMD_EVENT);
	struct nlattr *nest = mnl_attr_nest_start(nlh, IMGSEC_A_EVENT);
	struct imgsec_event ev;

	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_TYPE, IMGSEC_EVENT_LIMIT);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_FAMILY, AF_INET);
	mnl_attr_put_u16(nlh, IMGSEC_EVENT_A_DPORT, 12610);
	mnl_attr_put_u32(nlh, IMGSEC_EVENT_A_RULE, 14);
	mnl_attr_nest_end(nlh, nest);
	CHECK(event_parse(nlh, &ev) == 0, "limit event");
	CHECK(ev.type == IMGSEC_EVENT_LIMIT && ev.has_rule && ev.rule == 14,
	      "type %u rule %u", ev.type, ev.rule);
	CHECK(!ev.has_limit, "an older module says not which limit");
	CHECK(event_parse(event_msg_more("eth0", 5), &ev) == 0 && !ev.has_rule,
	      "a drop names no rule");

	nlh = msg_start(IMGSEC_CMD_EVENT);
	nest = mnl_attr_nest_start(nlh, IMGSEC_A_EVENT);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_TYPE, IMGSEC_EVENT_LIMIT);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_FAMILY, AF_INET);
	mnl_attr_put_u32(nlh, IMGSEC_EVENT_A_RULE, 2);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_LIMIT, IMGSEC_LIMIT_SOURCE_MAX);
	mnl_attr_nest_end(nlh, nest);
	CHECK(event_parse(nlh, &ev) == 0 && ev.has_limit &&
	      ev.limit == IMGSEC_LIMIT_SOURCE_MAX, "which limit: %u", ev.limit);

	nlh = msg_start(IMGSEC_CMD_EVENT);
	nest = mnl_attr_nest_start(nlh, IMGSEC_A_EVENT);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_TYPE, IMGSEC_EVENT_LIMIT);
	mnl_attr_put_u8(nlh, IMGSEC_EVENT_A_FAMILY, AF_INET);
	mnl_attr_put_u16(nlh, IMGSEC_EVENT_A_RULE, 14);
	mnl_attr_nest_end(nlh, nest);
	CHECK(event_parse(nlh, &ev) == -EBADMSG, "a u16 rule is refused");
}

int main(void)
{
	RUN(test_set_policy_shipped);
	RUN(test_set_policy_limits);
	RUN(test_set_policy_split_role);
	RUN(test_set_policy_random);
	RUN(test_kernel_reader);
	RUN(test_set_policy_small_buffer);
	RUN(test_dump_round_trip);
	RUN(test_fit_version);
	RUN(test_dump_empty);
	RUN(test_dump_generation_change);
	RUN(test_dump_generation_top_level);
	RUN(test_dump_refusals);
	RUN(test_dump_rule_refusals);
	RUN(test_describe_offset);
	RUN(test_describe_offset_slices);
	RUN(test_status);
	RUN(test_events_limit_rule);
	RUN(test_stats);
	RUN(test_rpc_settings);
	RUN(test_events);
	RUN(test_events_time_device_generation);
	return test_summary();
}
