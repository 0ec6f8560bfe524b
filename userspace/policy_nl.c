// SPDX-License-Identifier: GPL-2.0
/*
 * imgsec's netlink attributes to and from C structs. Decoding follows one
 * pattern: a table of expected libmnl types per attribute, every attribute
 * checked with mnl_attr_validate() before use, unknown attributes skipped
 * (a newer module may add some), wrong lengths refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "genl.h"
#include "policy_nl.h"

/* The attributes of one message or nest, checked against @types. */
struct attr_table {
	const struct nlattr **tb;
	unsigned int max;
	const uint8_t *types;	/* enum mnl_attr_data_type; 0: skip it */
	unsigned int bad_type;	/* set when an attribute is refused */
};

static int table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type > t->max || t->types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, t->types[type]) < 0) {
		t->bad_type = type;
		return MNL_CB_ERROR;
	}
	t->tb[type] = attr;
	return MNL_CB_OK;
}

/* Parse nest @attr into @tb (@max + 1 entries, zeroed here). */
static int parse_nest(const struct nlattr *attr, const struct nlattr **tb,
		      unsigned int max, const uint8_t *types)
{
	struct attr_table t = { tb, max, types, 0 };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;
	return mnl_attr_parse_nested(attr, table_cb, &t) < 0 ? -EBADMSG : 0;
}

/* The same for the attributes of a generic netlink message. */
static int parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb,
		     unsigned int max, const uint8_t *types)
{
	struct attr_table t = { tb, max, types, 0 };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EBADMSG;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_cb, &t) < 0 ?
	       -EBADMSG : 0;
}

static int bad_msg(void)
{
	errno = EBADMSG;
	return MNL_CB_ERROR;
}

/* --- GET_POLICY dump ------------------------------------------------ */

static const uint8_t msg_types[IMGSEC_A_MAX + 1] = {
	[IMGSEC_A_GENERATION] = MNL_TYPE_U32,
	[IMGSEC_A_POLICY] = MNL_TYPE_NESTED,
};

static const uint8_t policy_types[IMGSEC_POLICY_A_MAX + 1] = {
	[IMGSEC_POLICY_A_MODE] = MNL_TYPE_U8,
	[IMGSEC_POLICY_A_DEFAULT] = MNL_TYPE_U8,
	[IMGSEC_POLICY_A_PLACEMENT] = MNL_TYPE_U8,
	[IMGSEC_POLICY_A_ROLES] = MNL_TYPE_NESTED,
	[IMGSEC_POLICY_A_RULES] = MNL_TYPE_NESTED,
};

static const uint8_t role_types[IMGSEC_ROLE_A_MAX + 1] = {
	[IMGSEC_ROLE_A_INDEX] = MNL_TYPE_U32,
	[IMGSEC_ROLE_A_NAME] = MNL_TYPE_NUL_STRING,
	/* IMGSEC_ROLE_A_PREFIX repeats: read in a loop of its own. */
};

static const uint8_t rule_types[IMGSEC_RULE_A_MAX + 1] = {
	[IMGSEC_RULE_A_FROM] = MNL_TYPE_U8,
	[IMGSEC_RULE_A_TO] = MNL_TYPE_U8,
	[IMGSEC_RULE_A_PROTO] = MNL_TYPE_U8,
	[IMGSEC_RULE_A_PORTS] = MNL_TYPE_BINARY,
	[IMGSEC_RULE_A_HELPER] = MNL_TYPE_U8,
	[IMGSEC_RULE_A_COMMENT] = MNL_TYPE_NUL_STRING,
	[IMGSEC_RULE_A_PORTS_TEXT] = MNL_TYPE_NUL_STRING,
	[IMGSEC_RULE_A_INDEX] = MNL_TYPE_U32,
	[IMGSEC_RULE_A_PACKETS] = MNL_TYPE_U64,
	[IMGSEC_RULE_A_BYTES] = MNL_TYPE_U64,
	[IMGSEC_RULE_A_LIMIT_RATE] = MNL_TYPE_U32,
	[IMGSEC_RULE_A_LIMIT_UNIT] = MNL_TYPE_U8,
	[IMGSEC_RULE_A_LIMIT_BURST] = MNL_TYPE_U32,
	[IMGSEC_RULE_A_LIMITED] = MNL_TYPE_U64,
	[IMGSEC_RULE_A_SOURCE_RATE] = MNL_TYPE_U32,
	[IMGSEC_RULE_A_SOURCE_UNIT] = MNL_TYPE_U8,
	[IMGSEC_RULE_A_SOURCE_BURST] = MNL_TYPE_U32,
	[IMGSEC_RULE_A_SOURCE_LIMITED] = MNL_TYPE_U64,
	[IMGSEC_RULE_A_SOURCE_EVICTED] = MNL_TYPE_U64,
	[IMGSEC_RULE_A_SOURCE_MAX] = MNL_TYPE_U32,
	[IMGSEC_RULE_A_SOURCE_CAPPED] = MNL_TYPE_U64,
};

static int dump_error(struct policy_dump *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int dump_error(struct policy_dump *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return bad_msg();
}

void policy_dump_init(struct policy_dump *d)
{
	memset(d, 0, sizeof(*d));
}

void policy_dump_release(struct policy_dump *d)
{
	imgsec_policy_desc_release(&d->desc);
	free(d->counters);
	free(d->rule_seen);
	policy_dump_init(d);
}

void policy_dump_reset(void *data)
{
	policy_dump_release(data);
}

static int add_prefix(struct policy_dump *d, unsigned int idx,
		      const struct nlattr *attr)
{
	struct imgsec_role_desc *role = &d->desc.roles[idx];
	struct imgsec_prefix *grown;
	uint32_t cap;

	if (mnl_attr_validate2(attr, MNL_TYPE_BINARY,
			       sizeof(struct imgsec_prefix)) < 0)
		return dump_error(d, "role %u: a prefix of %u bytes, expected %zu",
				  idx, mnl_attr_get_payload_len(attr),
				  sizeof(struct imgsec_prefix));
	if (d->nprefixes == IMGSEC_MAX_PREFIXES)
		return dump_error(d, "more than %d prefixes",
				  IMGSEC_MAX_PREFIXES);
	if (role->nprefixes == d->prefix_cap[idx]) {
		cap = d->prefix_cap[idx] ? 2 * d->prefix_cap[idx] : 16;
		grown = realloc(role->prefixes, cap * sizeof(*grown));
		if (!grown) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		role->prefixes = grown;
		d->prefix_cap[idx] = cap;
	}
	memcpy(&role->prefixes[role->nprefixes++], mnl_attr_get_payload(attr),
	       sizeof(struct imgsec_prefix));
	d->nprefixes++;
	return MNL_CB_OK;
}

static int parse_role(struct policy_dump *d, const struct nlattr *attr)
{
	const struct nlattr *tb[IMGSEC_ROLE_A_MAX + 1];
	const struct nlattr *pos;
	struct imgsec_role_desc *role;
	const char *name;
	uint32_t idx;
	int ret;

	if (parse_nest(attr, tb, IMGSEC_ROLE_A_MAX, role_types))
		return dump_error(d, "a role attribute has a wrong length");
	if (!tb[IMGSEC_ROLE_A_INDEX])
		return dump_error(d, "a role without IMGSEC_ROLE_A_INDEX");
	idx = mnl_attr_get_u32(tb[IMGSEC_ROLE_A_INDEX]);
	if (idx >= IMGSEC_MAX_ROLES)
		return dump_error(d, "role index %u is out of range", idx);
	role = &d->desc.roles[idx];
	if (tb[IMGSEC_ROLE_A_NAME]) {
		name = mnl_attr_get_str(tb[IMGSEC_ROLE_A_NAME]);
		if (strlen(name) >= IMGSEC_NAME_LEN)
			return dump_error(d, "role %u: name too long", idx);
		if (d->role_named[idx] && strcmp(name, role->name))
			return dump_error(d, "role %u: two names", idx);
		strcpy(role->name, name);
		d->role_named[idx] = true;
	}
	if (idx >= d->desc.nroles)
		d->desc.nroles = idx + 1;
	mnl_attr_for_each_nested(pos, attr) {
		if (mnl_attr_get_type(pos) != IMGSEC_ROLE_A_PREFIX)
			continue;
		ret = add_prefix(d, idx, pos);
		if (ret != MNL_CB_OK)
			return ret;
	}
	return MNL_CB_OK;
}

/* All of rate, unit and burst, or none; policy_dump_finish() checks them. */
static int parse_rule_limit(struct policy_dump *d, uint32_t idx,
			    const struct nlattr **tb)
{
	struct imgsec_rule_desc *rule = &d->desc.rules[idx];
	int n = !!tb[IMGSEC_RULE_A_LIMIT_RATE] + !!tb[IMGSEC_RULE_A_LIMIT_UNIT] +
		!!tb[IMGSEC_RULE_A_LIMIT_BURST];

	if (n != 0 && n != 3)
		return dump_error(d, "rule %u: a limit without rate, unit or burst",
				  idx);
	if (!n)
		return MNL_CB_OK;
	rule->limit_rate = mnl_attr_get_u32(tb[IMGSEC_RULE_A_LIMIT_RATE]);
	rule->limit_unit = mnl_attr_get_u8(tb[IMGSEC_RULE_A_LIMIT_UNIT]);
	rule->limit_burst = mnl_attr_get_u32(tb[IMGSEC_RULE_A_LIMIT_BURST]);
	if (tb[IMGSEC_RULE_A_LIMITED])
		d->counters[idx].limited =
			mnl_attr_get_u64(tb[IMGSEC_RULE_A_LIMITED]);
	return MNL_CB_OK;
}

/* The same for a per-source limit, and its counters. */
static int parse_rule_source_limit(struct policy_dump *d, uint32_t idx,
				   const struct nlattr **tb)
{
	struct imgsec_rule_desc *rule = &d->desc.rules[idx];
	int n = !!tb[IMGSEC_RULE_A_SOURCE_RATE] +
		!!tb[IMGSEC_RULE_A_SOURCE_UNIT] +
		!!tb[IMGSEC_RULE_A_SOURCE_BURST];

	if (n != 0 && n != 3)
		return dump_error(d, "rule %u: a per-source limit without rate, unit or burst",
				  idx);
	if (tb[IMGSEC_RULE_A_SOURCE_MAX])
		rule->source_max = mnl_attr_get_u32(tb[IMGSEC_RULE_A_SOURCE_MAX]);
	if (tb[IMGSEC_RULE_A_SOURCE_CAPPED])
		d->counters[idx].source_capped =
			mnl_attr_get_u64(tb[IMGSEC_RULE_A_SOURCE_CAPPED]);
	if (!n)
		return MNL_CB_OK;
	rule->source_rate = mnl_attr_get_u32(tb[IMGSEC_RULE_A_SOURCE_RATE]);
	rule->source_unit = mnl_attr_get_u8(tb[IMGSEC_RULE_A_SOURCE_UNIT]);
	rule->source_burst = mnl_attr_get_u32(tb[IMGSEC_RULE_A_SOURCE_BURST]);
	if (tb[IMGSEC_RULE_A_SOURCE_LIMITED])
		d->counters[idx].source_limited =
			mnl_attr_get_u64(tb[IMGSEC_RULE_A_SOURCE_LIMITED]);
	if (tb[IMGSEC_RULE_A_SOURCE_EVICTED])
		d->counters[idx].source_evicted =
			mnl_attr_get_u64(tb[IMGSEC_RULE_A_SOURCE_EVICTED]);
	return MNL_CB_OK;
}

static int parse_rule(struct policy_dump *d, const struct nlattr *attr)
{
	const struct nlattr *tb[IMGSEC_RULE_A_MAX + 1];
	struct imgsec_rule_desc *rule;
	struct rule_counters *cnt;
	uint32_t idx, len;
	int ret;

	if (parse_nest(attr, tb, IMGSEC_RULE_A_MAX, rule_types))
		return dump_error(d, "a rule attribute has a wrong length");
	if (!tb[IMGSEC_RULE_A_INDEX])
		return dump_error(d, "a rule without IMGSEC_RULE_A_INDEX");
	idx = mnl_attr_get_u32(tb[IMGSEC_RULE_A_INDEX]);
	if (idx >= IMGSEC_MAX_RULES)
		return dump_error(d, "rule index %u is out of range", idx);
	if (!tb[IMGSEC_RULE_A_FROM] || !tb[IMGSEC_RULE_A_TO] ||
	    !tb[IMGSEC_RULE_A_PROTO])
		return dump_error(d, "rule %u: no from, to or proto", idx);
	if (!d->desc.rules) {
		d->desc.rules = calloc(IMGSEC_MAX_RULES, sizeof(*d->desc.rules));
		d->counters = calloc(IMGSEC_MAX_RULES, sizeof(*d->counters));
		d->rule_seen = calloc(IMGSEC_MAX_RULES, 1);
		if (!d->desc.rules || !d->counters || !d->rule_seen) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
	}
	if (d->rule_seen[idx])
		return dump_error(d, "rule %u came twice", idx);
	d->rule_seen[idx] = 1;
	rule = &d->desc.rules[idx];
	cnt = &d->counters[idx];
	rule->from = mnl_attr_get_u8(tb[IMGSEC_RULE_A_FROM]);
	rule->to = mnl_attr_get_u8(tb[IMGSEC_RULE_A_TO]);
	rule->proto = mnl_attr_get_u8(tb[IMGSEC_RULE_A_PROTO]);
	if (tb[IMGSEC_RULE_A_HELPER])
		rule->helper = mnl_attr_get_u8(tb[IMGSEC_RULE_A_HELPER]);
	if (tb[IMGSEC_RULE_A_PORTS]) {
		len = mnl_attr_get_payload_len(tb[IMGSEC_RULE_A_PORTS]);
		if (len % sizeof(struct imgsec_port_range) ||
		    len > sizeof(rule->ports))
			return dump_error(d, "rule %u: ports of %u bytes", idx,
					  len);
		memcpy(rule->ports, mnl_attr_get_payload(tb[IMGSEC_RULE_A_PORTS]),
		       len);
		rule->nports = len / sizeof(struct imgsec_port_range);
	}
	if (tb[IMGSEC_RULE_A_COMMENT]) {
		if (strlen(mnl_attr_get_str(tb[IMGSEC_RULE_A_COMMENT])) >=
		    IMGSEC_COMMENT_LEN)
			return dump_error(d, "rule %u: comment too long", idx);
		strcpy(rule->comment, mnl_attr_get_str(tb[IMGSEC_RULE_A_COMMENT]));
	}
	if (tb[IMGSEC_RULE_A_PORTS_TEXT]) {
		if (strlen(mnl_attr_get_str(tb[IMGSEC_RULE_A_PORTS_TEXT])) >=
		    IMGSEC_PORTS_TEXT_LEN)
			return dump_error(d, "rule %u: ports text too long", idx);
		strcpy(rule->ports_text,
		       mnl_attr_get_str(tb[IMGSEC_RULE_A_PORTS_TEXT]));
	}
	if (tb[IMGSEC_RULE_A_PACKETS])
		cnt->packets = mnl_attr_get_u64(tb[IMGSEC_RULE_A_PACKETS]);
	if (tb[IMGSEC_RULE_A_BYTES])
		cnt->bytes = mnl_attr_get_u64(tb[IMGSEC_RULE_A_BYTES]);
	if (idx >= d->desc.nrules)
		d->desc.nrules = idx + 1;
	ret = parse_rule_limit(d, idx, tb);
	if (ret != MNL_CB_OK)
		return ret;
	return parse_rule_source_limit(d, idx, tb);
}

static int parse_policy(struct policy_dump *d, const struct nlattr *attr)
{
	const struct nlattr *tb[IMGSEC_POLICY_A_MAX + 1];
	const struct nlattr *pos;
	int ret;

	if (parse_nest(attr, tb, IMGSEC_POLICY_A_MAX, policy_types))
		return dump_error(d, "a policy attribute has a wrong length");
	/* A u32 is a valid empty-looking nest to libmnl: insist on the flag. */
	if ((tb[IMGSEC_POLICY_A_ROLES] &&
	     !(tb[IMGSEC_POLICY_A_ROLES]->nla_type & NLA_F_NESTED)) ||
	    (tb[IMGSEC_POLICY_A_RULES] &&
	     !(tb[IMGSEC_POLICY_A_RULES]->nla_type & NLA_F_NESTED)))
		return dump_error(d, "the policy's roles or rules are not a nest");
	d->active = true;
	if (tb[IMGSEC_POLICY_A_MODE]) {
		d->desc.mode = mnl_attr_get_u8(tb[IMGSEC_POLICY_A_MODE]);
		d->have_mode = true;
	}
	if (tb[IMGSEC_POLICY_A_DEFAULT]) {
		d->desc.default_action =
			mnl_attr_get_u8(tb[IMGSEC_POLICY_A_DEFAULT]);
		d->have_default = true;
	}
	if (tb[IMGSEC_POLICY_A_PLACEMENT]) {
		d->desc.placement =
			mnl_attr_get_u8(tb[IMGSEC_POLICY_A_PLACEMENT]);
		d->have_placement = true;
	}
	if (tb[IMGSEC_POLICY_A_ROLES]) {
		mnl_attr_for_each_nested(pos, tb[IMGSEC_POLICY_A_ROLES]) {
			ret = parse_role(d, pos);
			if (ret != MNL_CB_OK)
				return ret;
		}
	}
	if (tb[IMGSEC_POLICY_A_RULES]) {
		mnl_attr_for_each_nested(pos, tb[IMGSEC_POLICY_A_RULES]) {
			ret = parse_rule(d, pos);
			if (ret != MNL_CB_OK)
				return ret;
		}
	}
	return MNL_CB_OK;
}

/*
 * Every dump message carries IMGSEC_A_GENERATION at its top level, beside
 * (not in) its IMGSEC_A_POLICY slice; a message from another generation
 * than the first means the policy changed under the dump.
 */
int policy_dump_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IMGSEC_A_MAX + 1];
	const struct nlattr *attr;
	struct policy_dump *d = data;
	uint32_t gen;
	int ret;

	if (parse_msg(nlh, tb, IMGSEC_A_MAX, msg_types))
		return dump_error(d, "an attribute has a wrong length");
	if (!tb[IMGSEC_A_GENERATION])
		return dump_error(d, "a dump message without IMGSEC_A_GENERATION");
	gen = mnl_attr_get_u32(tb[IMGSEC_A_GENERATION]);
	if (d->have_generation && gen != d->generation)
		return GENL_CB_RESTART;
	d->generation = gen;
	d->have_generation = true;
	/* One slice a message today; take every one there is. */
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != IMGSEC_A_POLICY)
			continue;
		ret = parse_policy(d, attr);
		if (ret != MNL_CB_OK)
			return ret;
	}
	return MNL_CB_OK;
}

int policy_dump_finish(struct policy_dump *d)
{
	struct imgsec_policy_error perr;
	uint32_t i;
	int ret;

	if (!d->active)
		return 0;
	if (!d->have_mode || !d->have_default || !d->have_placement) {
		dump_error(d, "no mode, default or placement");
		return -EBADMSG;
	}
	for (i = 0; i < d->desc.nroles; i++) {
		if (!d->role_named[i]) {
			dump_error(d, "role %u is missing or has no name", i);
			return -EBADMSG;
		}
	}
	for (i = 0; i < d->desc.nrules; i++) {
		if (!d->rule_seen[i]) {
			dump_error(d, "rule %u is missing", i);
			return -EBADMSG;
		}
	}
	ret = imgsec_policy_validate(&d->desc, &perr);
	if (ret == -ENOMEM) {
		dump_error(d, "out of memory");
		return ret;
	}
	if (ret) {
		dump_error(d, "the policy is not valid: %s", perr.msg);
		return -EBADMSG;
	}
	return 0;
}

/* --- SET_POLICY ----------------------------------------------------- */

/*
 * The policy goes as IMGSEC_A_POLICY slices of at most POLICY_NL_SLICE_MAX
 * bytes: the header in the first, then the roles and the rules in order,
 * a new slice begun whenever the next piece would not fit. Every role nest
 * and every rule nest says its index; a role cut between two slices has a
 * nest in each, with the same index and name, the prefixes in order.
 */

#define ATTR(payload)	MNL_ALIGN(MNL_ATTR_HDRLEN + (payload))
#define PREFIX_SIZE	ATTR(sizeof(struct imgsec_prefix))
#define ROLE_HEAD_MAX	(ATTR(0) + ATTR(sizeof(uint32_t)) + ATTR(IMGSEC_NAME_LEN))
#define RULE_MAX	(ATTR(0) + ATTR(sizeof(uint32_t)) + 4 * ATTR(1) + \
			 ATTR(IMGSEC_MAX_PORT_RANGES *			 \
			      sizeof(struct imgsec_port_range)) +	 \
			 ATTR(IMGSEC_COMMENT_LEN) + ATTR(IMGSEC_PORTS_TEXT_LEN) + \
			 2 * ATTR(sizeof(uint32_t)) + ATTR(1) +	/* limit */ \
			 2 * ATTR(sizeof(uint32_t)) + ATTR(1) +	/* per-source */ \
			 ATTR(sizeof(uint32_t)))		/* its max */
/* What a slice spends besides content: itself, two lists, a role's head. */
#define SLICE_OVERHEAD	(3 * ATTR(0) + ROLE_HEAD_MAX)
/* A slice is closed only when this little room, or less, is left. */
#define SLICE_SLACK	(SLICE_OVERHEAD + ATTR(0) + RULE_MAX)

size_t policy_nl_msg_size(const struct imgsec_policy_desc *p)
{
	size_t content, nslices;
	uint32_t i;

	content = 3 * ATTR(1) + (size_t)p->nrules * RULE_MAX;
	for (i = 0; i < p->nroles && i < IMGSEC_MAX_ROLES; i++)
		content += ROLE_HEAD_MAX +
			   (size_t)p->roles[i].nprefixes * PREFIX_SIZE;
	nslices = content / (POLICY_NL_SLICE_MAX - SLICE_SLACK) + 1;
	return MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
	       ATTR(sizeof(uint32_t)) +		/* IMGSEC_A_CONFIRM_SECS */
	       content + nslices * SLICE_OVERHEAD;
}

/* The message being cut into slices, and its open nests. */
struct slicer {
	struct nlmsghdr *nlh;
	size_t buflen;
	struct nlattr *slice;	/* IMGSEC_A_POLICY, or NULL */
	struct nlattr *list;	/* IMGSEC_POLICY_A_ROLES or _RULES, or NULL */
	uint16_t list_type;
	struct nlattr *item;	/* a role nest, or NULL */
};

static bool slice_fits(const struct slicer *s, size_t len)
{
	const char *tail = mnl_nlmsg_get_payload_tail(s->nlh);

	return s->slice &&
	       (size_t)(tail - (const char *)s->slice) + len <=
	       POLICY_NL_SLICE_MAX;
}

static void slicer_end(struct slicer *s, struct nlattr **nest)
{
	if (*nest)
		mnl_attr_nest_end(s->nlh, *nest);
	*nest = NULL;
}

static void slicer_close(struct slicer *s)
{
	slicer_end(s, &s->item);
	slicer_end(s, &s->list);
	slicer_end(s, &s->slice);
}

static int slicer_new_slice(struct slicer *s)
{
	slicer_close(s);
	s->slice = mnl_attr_nest_start_check(s->nlh, s->buflen,
					     IMGSEC_A_POLICY);
	return s->slice ? 0 : -EMSGSIZE;
}

/*
 * Make room for a piece of @len bytes in list @type, with no role nest
 * open: in the list open now, in a new list of this slice, or in a new
 * slice.
 */
static int slicer_reserve(struct slicer *s, uint16_t type, size_t len)
{
	slicer_end(s, &s->item);
	if (s->list && s->list_type == type && slice_fits(s, len))
		return 0;
	slicer_end(s, &s->list);
	if (!slice_fits(s, ATTR(0) + len) && slicer_new_slice(s))
		return -EMSGSIZE;
	s->list = mnl_attr_nest_start_check(s->nlh, s->buflen, type);
	s->list_type = type;
	return s->list ? 0 : -EMSGSIZE;
}

static int put_header(struct slicer *s, const struct imgsec_policy_desc *p)
{
	if (slicer_new_slice(s) ||
	    !mnl_attr_put_u8_check(s->nlh, s->buflen, IMGSEC_POLICY_A_MODE,
				   p->mode) ||
	    !mnl_attr_put_u8_check(s->nlh, s->buflen, IMGSEC_POLICY_A_DEFAULT,
				   p->default_action) ||
	    !mnl_attr_put_u8_check(s->nlh, s->buflen,
				   IMGSEC_POLICY_A_PLACEMENT, p->placement))
		return -EMSGSIZE;
	return 0;
}

/* Open a nest of role @index, room for its first prefix included. */
static int put_role_head(struct slicer *s, uint32_t index,
			 const struct imgsec_role_desc *role)
{
	size_t len = ATTR(0) + ATTR(sizeof(uint32_t)) +
		     ATTR(strlen(role->name) + 1);

	if (slicer_reserve(s, IMGSEC_POLICY_A_ROLES, len + PREFIX_SIZE))
		return -EMSGSIZE;
	/* The kernel ignores a nest's type: number them from 1. */
	s->item = mnl_attr_nest_start_check(s->nlh, s->buflen,
					    (uint16_t)(index + 1));
	if (!s->item ||
	    !mnl_attr_put_u32_check(s->nlh, s->buflen, IMGSEC_ROLE_A_INDEX,
				    index) ||
	    !mnl_attr_put_strz_check(s->nlh, s->buflen, IMGSEC_ROLE_A_NAME,
				     role->name))
		return -EMSGSIZE;
	return 0;
}

static int put_role(struct slicer *s, uint32_t index,
		    const struct imgsec_role_desc *role)
{
	uint32_t i;

	if (put_role_head(s, index, role))
		return -EMSGSIZE;
	for (i = 0; i < role->nprefixes; i++) {
		/* Full: the role goes on in a nest of the next slice. */
		if (!slice_fits(s, PREFIX_SIZE) && put_role_head(s, index, role))
			return -EMSGSIZE;
		if (!mnl_attr_put_check(s->nlh, s->buflen, IMGSEC_ROLE_A_PREFIX,
					sizeof(role->prefixes[i]),
					&role->prefixes[i]))
			return -EMSGSIZE;
	}
	return 0;
}

bool policy_has_source_limits(const struct imgsec_policy_desc *p)
{
	u32 i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].source_rate || p->rules[i].source_max)
			return true;
	return false;
}

bool policy_nl_fit_version(struct imgsec_policy_desc *p, uint32_t version)
{
	bool dropped = false;
	u32 i;

	if (version >= 2)
		return false;
	for (i = 0; i < p->nrules; i++) {
		dropped |= p->rules[i].ports_text[0] != '\0';
		p->rules[i].ports_text[0] = '\0';
	}
	return dropped;
}

/* The bytes of a rule's nest, as put_rule() writes it. */
static size_t rule_size(const struct imgsec_rule_desc *rule)
{
	size_t len = ATTR(0) + ATTR(sizeof(uint32_t)) + 4 * ATTR(1);

	if (rule->nports)
		len += ATTR(rule->nports * sizeof(rule->ports[0]));
	if (rule->comment[0])
		len += ATTR(strlen(rule->comment) + 1);
	if (rule->ports_text[0])
		len += ATTR(strlen(rule->ports_text) + 1);
	if (rule->limit_rate)
		len += 2 * ATTR(sizeof(uint32_t)) + ATTR(1);
	if (rule->source_rate)
		len += 2 * ATTR(sizeof(uint32_t)) + ATTR(1);
	if (rule->source_max)
		len += ATTR(sizeof(uint32_t));
	return len;
}

static int put_rule(struct slicer *s, uint32_t index,
		    const struct imgsec_rule_desc *rule)
{
	struct nlmsghdr *nlh = s->nlh;
	size_t buflen = s->buflen;
	struct nlattr *nest;

	if (slicer_reserve(s, IMGSEC_POLICY_A_RULES, rule_size(rule)))
		return -EMSGSIZE;
	nest = mnl_attr_nest_start_check(nlh, buflen, (uint16_t)(index + 1));
	if (!nest ||
	    !mnl_attr_put_u32_check(nlh, buflen, IMGSEC_RULE_A_INDEX, index) ||
	    !mnl_attr_put_u8_check(nlh, buflen, IMGSEC_RULE_A_FROM, rule->from) ||
	    !mnl_attr_put_u8_check(nlh, buflen, IMGSEC_RULE_A_TO, rule->to) ||
	    !mnl_attr_put_u8_check(nlh, buflen, IMGSEC_RULE_A_PROTO,
				   rule->proto) ||
	    !mnl_attr_put_u8_check(nlh, buflen, IMGSEC_RULE_A_HELPER,
				   rule->helper))
		return -EMSGSIZE;
	if (rule->nports &&
	    !mnl_attr_put_check(nlh, buflen, IMGSEC_RULE_A_PORTS,
				rule->nports * sizeof(rule->ports[0]),
				rule->ports))
		return -EMSGSIZE;
	if (rule->comment[0] &&
	    !mnl_attr_put_strz_check(nlh, buflen, IMGSEC_RULE_A_COMMENT,
				     rule->comment))
		return -EMSGSIZE;
	if (rule->ports_text[0] &&
	    !mnl_attr_put_strz_check(nlh, buflen, IMGSEC_RULE_A_PORTS_TEXT,
				     rule->ports_text))
		return -EMSGSIZE;
	if (rule->limit_rate &&
	    (!mnl_attr_put_u32_check(nlh, buflen, IMGSEC_RULE_A_LIMIT_RATE,
				     rule->limit_rate) ||
	     !mnl_attr_put_u8_check(nlh, buflen, IMGSEC_RULE_A_LIMIT_UNIT,
				    rule->limit_unit) ||
	     !mnl_attr_put_u32_check(nlh, buflen, IMGSEC_RULE_A_LIMIT_BURST,
				     rule->limit_burst)))
		return -EMSGSIZE;
	if (rule->source_rate &&
	    (!mnl_attr_put_u32_check(nlh, buflen, IMGSEC_RULE_A_SOURCE_RATE,
				     rule->source_rate) ||
	     !mnl_attr_put_u8_check(nlh, buflen, IMGSEC_RULE_A_SOURCE_UNIT,
				    rule->source_unit) ||
	     !mnl_attr_put_u32_check(nlh, buflen, IMGSEC_RULE_A_SOURCE_BURST,
				     rule->source_burst)))
		return -EMSGSIZE;
	if (rule->source_max &&
	    !mnl_attr_put_u32_check(nlh, buflen, IMGSEC_RULE_A_SOURCE_MAX,
				    rule->source_max))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int put_policy(struct slicer *s, const struct imgsec_policy_desc *p)
{
	uint32_t i;

	if (p->nroles > IMGSEC_MAX_ROLES || put_header(s, p))
		return -EMSGSIZE;
	for (i = 0; i < p->nroles; i++)
		if (put_role(s, i, &p->roles[i]))
			return -EMSGSIZE;
	for (i = 0; i < p->nrules; i++)
		if (put_rule(s, i, &p->rules[i]))
			return -EMSGSIZE;
	return 0;
}

int policy_nl_put(struct nlmsghdr *nlh, size_t buflen,
		  const struct imgsec_policy_desc *p, char *err,
		  size_t errlen)
{
	struct slicer s = { .nlh = nlh, .buflen = buflen };
	int ret;

	ret = put_policy(&s, p);
	slicer_close(&s);
	if (ret)
		snprintf(err, errlen,
			 "the policy message does not fit in its buffer of %zu bytes",
			 buflen);
	return ret;
}

/* Which attribute of the attributes at @start holds byte @offset of @nlh. */
static const struct nlattr *attr_at(const void *start, size_t len,
				    const struct nlmsghdr *nlh,
				    uint32_t offset)
{
	const struct nlattr *attr;
	size_t off;

	mnl_attr_for_each_payload(start, len) {
		off = (size_t)((const char *)attr - (const char *)nlh);
		if (offset >= off && offset < off + attr->nla_len)
			return attr;
	}
	return NULL;
}

static const struct nlattr *nest_attr_at(const struct nlattr *nest,
					 const struct nlmsghdr *nlh,
					 uint32_t offset)
{
	return attr_at(mnl_attr_get_payload(nest),
		       mnl_attr_get_payload_len(nest), nlh, offset);
}

static const char *const policy_attr_names[IMGSEC_POLICY_A_MAX + 1] = {
	[IMGSEC_POLICY_A_MODE] = "mode",
	[IMGSEC_POLICY_A_DEFAULT] = "default",
	[IMGSEC_POLICY_A_PLACEMENT] = "placement",
	[IMGSEC_POLICY_A_ROLES] = "roles",
	[IMGSEC_POLICY_A_RULES] = "rules",
};

static const char *const rule_attr_names[IMGSEC_RULE_A_MAX + 1] = {
	[IMGSEC_RULE_A_FROM] = "from",
	[IMGSEC_RULE_A_TO] = "to",
	[IMGSEC_RULE_A_PROTO] = "proto",
	[IMGSEC_RULE_A_PORTS] = "ports",
	[IMGSEC_RULE_A_HELPER] = "helper",
	[IMGSEC_RULE_A_COMMENT] = "comment",
	[IMGSEC_RULE_A_PORTS_TEXT] = "ports text",
	[IMGSEC_RULE_A_INDEX] = "index",
	[IMGSEC_RULE_A_LIMIT_RATE] = "limit rate",
	[IMGSEC_RULE_A_LIMIT_UNIT] = "limit unit",
	[IMGSEC_RULE_A_LIMIT_BURST] = "limit burst",
	[IMGSEC_RULE_A_SOURCE_RATE] = "per-source rate",
	[IMGSEC_RULE_A_SOURCE_UNIT] = "per-source unit",
	[IMGSEC_RULE_A_SOURCE_BURST] = "per-source burst",
	[IMGSEC_RULE_A_SOURCE_MAX] = "per-source max",
};

static const char *name_of(const char *const *names, unsigned int max,
			   const struct nlattr *attr)
{
	unsigned int type = mnl_attr_get_type(attr);

	return type <= max && names[type] ? names[type] : "unknown";
}

/* The prefixes in role nest @nest before its attribute @stop (or all). */
static uint32_t nest_prefixes(const struct nlattr *nest,
			      const struct nlattr *stop)
{
	const struct nlattr *attr;
	uint32_t n = 0;

	mnl_attr_for_each_nested(attr, nest) {
		if (attr == stop)
			break;
		if (mnl_attr_get_type(attr) == IMGSEC_ROLE_A_PREFIX)
			n++;
	}
	return n;
}

/* The kernel's rule: a role nest's IMGSEC_ROLE_A_INDEX, else the next. */
static int64_t role_nest_index(const struct nlattr *nest, int64_t prev)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest)
		if (mnl_attr_get_type(attr) == IMGSEC_ROLE_A_INDEX &&
		    !mnl_attr_validate(attr, MNL_TYPE_U32))
			return mnl_attr_get_u32(attr);
	return prev + 1;
}

/* Where a role or rule nest stands in the whole policy. */
struct item_pos {
	int64_t index;		/* of the role or rule, as the kernel counts */
	uint32_t prefixes;	/* a role's prefixes in its nests before */
};

/* Number the nests of lists @type over all slices, as the kernel does. */
static bool item_position(const struct nlmsghdr *nlh, uint16_t type,
			  const struct nlattr *target, struct item_pos *pos)
{
	const struct nlattr *slice, *list, *item;
	int64_t prev;

	*pos = (struct item_pos){ .index = -1 };
	mnl_attr_for_each(slice, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(slice) != IMGSEC_A_POLICY)
			continue;
		mnl_attr_for_each_nested(list, slice) {
			if (mnl_attr_get_type(list) != type)
				continue;
			mnl_attr_for_each_nested(item, list) {
				prev = pos->index;
				pos->index = type == IMGSEC_POLICY_A_ROLES ?
					     role_nest_index(item, prev) :
					     prev + 1;
				if (pos->index != prev)
					pos->prefixes = 0;
				if (item == target)
					return true;
				if (type == IMGSEC_POLICY_A_ROLES)
					pos->prefixes += nest_prefixes(item,
								       NULL);
			}
		}
	}
	return false;
}

static void describe_role(const struct nlattr *nest,
			  const struct nlattr *leaf,
			  const struct item_pos *pos, char *buf, size_t len)
{
	unsigned int type = leaf ? mnl_attr_get_type(leaf) : 0;

	if (type == IMGSEC_ROLE_A_PREFIX)
		snprintf(buf, len, "role %" PRId64 ", prefix %u", pos->index,
			 pos->prefixes + nest_prefixes(nest, leaf));
	else if (type == IMGSEC_ROLE_A_NAME)
		snprintf(buf, len, "role %" PRId64 ", name", pos->index);
	else if (type == IMGSEC_ROLE_A_INDEX)
		snprintf(buf, len, "role %" PRId64 ", index", pos->index);
	else
		snprintf(buf, len, "role %" PRId64, pos->index);
}

/* @list is a roles or rules list of a slice; @offset lies in it. */
static void describe_list(const struct nlmsghdr *nlh,
			  const struct nlattr *list, uint32_t offset,
			  char *buf, size_t len)
{
	uint16_t type = mnl_attr_get_type(list);
	const struct nlattr *nest, *leaf;
	struct item_pos pos;

	nest = nest_attr_at(list, nlh, offset);
	if (!nest || !item_position(nlh, type, nest, &pos)) {
		snprintf(buf, len, "the policy's %s",
			 name_of(policy_attr_names, IMGSEC_POLICY_A_MAX, list));
		return;
	}
	leaf = nest_attr_at(nest, nlh, offset);
	if (type == IMGSEC_POLICY_A_ROLES)
		describe_role(nest, leaf, &pos, buf, len);
	else if (leaf)
		snprintf(buf, len, "rule %" PRId64 ", %s", pos.index,
			 name_of(rule_attr_names, IMGSEC_RULE_A_MAX, leaf));
	else
		snprintf(buf, len, "rule %" PRId64, pos.index);
}

bool policy_nl_describe_offset(const struct nlmsghdr *nlh, uint32_t offset,
			       char *buf, size_t len)
{
	const struct nlattr *a, *sub;
	uint16_t type;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return false;
	a = attr_at(mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr)),
		    mnl_nlmsg_get_payload_len(nlh) - sizeof(struct genlmsghdr),
		    nlh, offset);
	if (!a)
		return false;
	if (mnl_attr_get_type(a) == IMGSEC_A_CONFIRM_SECS) {
		snprintf(buf, len, "the confirm time");
		return true;
	}
	if (mnl_attr_get_type(a) != IMGSEC_A_POLICY)
		return false;
	sub = nest_attr_at(a, nlh, offset);
	type = sub ? mnl_attr_get_type(sub) : 0;
	if (!sub)
		snprintf(buf, len, "the policy");
	else if (type == IMGSEC_POLICY_A_ROLES || type == IMGSEC_POLICY_A_RULES)
		describe_list(nlh, sub, offset, buf, len);
	else
		snprintf(buf, len, "the policy's %s",
			 name_of(policy_attr_names, IMGSEC_POLICY_A_MAX, sub));
	return true;
}

/* --- GET_STATUS, GET_STATS, GET_RPC, SET_RPC, events ------------------ */

static const uint8_t status_types[IMGSEC_A_MAX + 1] = {
	[IMGSEC_A_VERSION] = MNL_TYPE_NUL_STRING,
	[IMGSEC_A_NETNS_COUNT] = MNL_TYPE_U32,
	[IMGSEC_A_GENERATION] = MNL_TYPE_U32,
	[IMGSEC_A_PENDING_SECS] = MNL_TYPE_U32,
	[IMGSEC_A_POLICY] = MNL_TYPE_NESTED,
};

int status_parse(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IMGSEC_A_MAX + 1];
	const struct nlattr *ptb[IMGSEC_POLICY_A_MAX + 1];
	struct imgsec_status *st = data;

	if (parse_msg(nlh, tb, IMGSEC_A_MAX, status_types))
		return bad_msg();
	if (tb[IMGSEC_A_VERSION])
		snprintf(st->version, sizeof(st->version), "%s",
			 mnl_attr_get_str(tb[IMGSEC_A_VERSION]));
	if (tb[IMGSEC_A_NETNS_COUNT]) {
		st->has_netns_count = true;
		st->netns_count = mnl_attr_get_u32(tb[IMGSEC_A_NETNS_COUNT]);
	}
	if (tb[IMGSEC_A_GENERATION]) {
		st->has_generation = true;
		st->generation = mnl_attr_get_u32(tb[IMGSEC_A_GENERATION]);
	}
	if (tb[IMGSEC_A_PENDING_SECS])
		st->pending_secs = mnl_attr_get_u32(tb[IMGSEC_A_PENDING_SECS]);
	if (tb[IMGSEC_A_POLICY]) {
		/* The active policy's header attributes only. */
		if (parse_nest(tb[IMGSEC_A_POLICY], ptb, IMGSEC_POLICY_A_MAX,
			       policy_types) ||
		    !ptb[IMGSEC_POLICY_A_MODE] || !ptb[IMGSEC_POLICY_A_DEFAULT] ||
		    !ptb[IMGSEC_POLICY_A_PLACEMENT])
			return bad_msg();
		st->has_policy = true;
		st->mode = mnl_attr_get_u8(ptb[IMGSEC_POLICY_A_MODE]);
		st->default_action = mnl_attr_get_u8(ptb[IMGSEC_POLICY_A_DEFAULT]);
		st->placement = mnl_attr_get_u8(ptb[IMGSEC_POLICY_A_PLACEMENT]);
	}
	return MNL_CB_OK;
}

/* A nest of u64 counters; the PAD attribute and unknown ones are skipped. */
static int parse_counters(const struct nlattr *nest, unsigned int max,
			  bool *set, uint64_t *val)
{
	const struct nlattr *pos;
	unsigned int type;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;
	mnl_attr_for_each_nested(pos, nest) {
		type = mnl_attr_get_type(pos);
		/* Type 1 is the PAD of both counter enums. */
		if (type <= IMGSEC_STATS_A_PAD || type > max)
			continue;
		if (mnl_attr_validate(pos, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		set[type] = true;
		val[type] = mnl_attr_get_u64(pos);
	}
	return 0;
}

static const uint8_t stats_types[IMGSEC_A_MAX + 1] = {
	[IMGSEC_A_STATS] = MNL_TYPE_NESTED,
	[IMGSEC_A_RPC_STATS] = MNL_TYPE_NESTED,
};

int stats_parse(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IMGSEC_A_MAX + 1];
	struct imgsec_stats *s = data;

	if (parse_msg(nlh, tb, IMGSEC_A_MAX, stats_types))
		return bad_msg();
	if (tb[IMGSEC_A_STATS]) {
		if (parse_counters(tb[IMGSEC_A_STATS], IMGSEC_STATS_A_MAX,
				   s->hook_set, s->hook))
			return bad_msg();
		s->has_hook = true;
	}
	if (tb[IMGSEC_A_RPC_STATS]) {
		if (parse_counters(tb[IMGSEC_A_RPC_STATS],
				   IMGSEC_RPC_STATS_A_MAX, s->rpc_set, s->rpc))
			return bad_msg();
		s->has_rpc = true;
	}
	return MNL_CB_OK;
}

static const uint8_t rpc_msg_types[IMGSEC_A_MAX + 1] = {
	[IMGSEC_A_RPC] = MNL_TYPE_NESTED,
};

static const uint8_t rpc_types[IMGSEC_RPC_A_MAX + 1] = {
	[IMGSEC_RPC_A_TIMEOUT] = MNL_TYPE_U32,
	[IMGSEC_RPC_A_PROGRAMS] = MNL_TYPE_BINARY,
};

int rpc_settings_parse(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IMGSEC_A_MAX + 1];
	const struct nlattr *rtb[IMGSEC_RPC_A_MAX + 1];
	struct imgsec_rpc_settings *rpc = data;
	uint32_t len;

	if (parse_msg(nlh, tb, IMGSEC_A_MAX, rpc_msg_types) ||
	    !tb[IMGSEC_A_RPC] ||
	    parse_nest(tb[IMGSEC_A_RPC], rtb, IMGSEC_RPC_A_MAX, rpc_types))
		return bad_msg();
	if (rtb[IMGSEC_RPC_A_TIMEOUT]) {
		rpc->has_timeout = true;
		rpc->timeout_secs = mnl_attr_get_u32(rtb[IMGSEC_RPC_A_TIMEOUT]);
	}
	if (rtb[IMGSEC_RPC_A_PROGRAMS]) {
		len = mnl_attr_get_payload_len(rtb[IMGSEC_RPC_A_PROGRAMS]);
		if (len % sizeof(uint32_t) || len > sizeof(rpc->programs))
			return bad_msg();
		rpc->has_programs = true;
		rpc->nprograms = len / sizeof(uint32_t);
		memcpy(rpc->programs,
		       mnl_attr_get_payload(rtb[IMGSEC_RPC_A_PROGRAMS]), len);
	}
	return MNL_CB_OK;
}

int rpc_settings_put(struct nlmsghdr *nlh, size_t buflen,
		     const struct imgsec_rpc_settings *rpc)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, IMGSEC_A_RPC);
	if (!nest)
		return -EMSGSIZE;
	if (rpc->has_timeout &&
	    !mnl_attr_put_u32_check(nlh, buflen, IMGSEC_RPC_A_TIMEOUT,
				    rpc->timeout_secs))
		return -EMSGSIZE;
	if (rpc->has_programs &&
	    !mnl_attr_put_check(nlh, buflen, IMGSEC_RPC_A_PROGRAMS,
				rpc->nprograms * sizeof(uint32_t),
				rpc->programs))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static const uint8_t event_msg_types[IMGSEC_A_MAX + 1] = {
	[IMGSEC_A_EVENT] = MNL_TYPE_NESTED,
};

static const uint8_t event_types[IMGSEC_EVENT_A_MAX + 1] = {
	[IMGSEC_EVENT_A_TYPE] = MNL_TYPE_U8,
	[IMGSEC_EVENT_A_FAMILY] = MNL_TYPE_U8,
	[IMGSEC_EVENT_A_PROTO] = MNL_TYPE_U8,
	[IMGSEC_EVENT_A_SADDR] = MNL_TYPE_BINARY,
	[IMGSEC_EVENT_A_DADDR] = MNL_TYPE_BINARY,
	[IMGSEC_EVENT_A_SPORT] = MNL_TYPE_U16,
	[IMGSEC_EVENT_A_DPORT] = MNL_TYPE_U16,
	[IMGSEC_EVENT_A_MONITOR] = MNL_TYPE_FLAG,
	[IMGSEC_EVENT_A_PROGRAM] = MNL_TYPE_U32,
	[IMGSEC_EVENT_A_SUPPRESSED] = MNL_TYPE_U32,
	[IMGSEC_EVENT_A_TIME_NS] = MNL_TYPE_U64,
	[IMGSEC_EVENT_A_IFINDEX] = MNL_TYPE_U32,
	[IMGSEC_EVENT_A_IFNAME] = MNL_TYPE_NUL_STRING,
	[IMGSEC_EVENT_A_GENERATION] = MNL_TYPE_U32,
	[IMGSEC_EVENT_A_RULE] = MNL_TYPE_U32,
	[IMGSEC_EVENT_A_LIMIT] = MNL_TYPE_U8,
};

/* An address of the event's family: 4 or 16 bytes, nothing else. */
static int event_addr(const struct nlattr *attr, uint8_t family,
		      uint8_t *out, bool *has)
{
	size_t want = family == AF_INET ? 4 : 16;

	if (!attr)
		return 0;
	if (mnl_attr_get_payload_len(attr) != want)
		return -EBADMSG;
	memcpy(out, mnl_attr_get_payload(attr), want);
	*has = true;
	return 0;
}

int event_parse(const struct nlmsghdr *nlh, struct imgsec_event *ev)
{
	const struct nlattr *tb[IMGSEC_A_MAX + 1];
	const struct nlattr *etb[IMGSEC_EVENT_A_MAX + 1];
	const struct genlmsghdr *genl;

	memset(ev, 0, sizeof(*ev));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return -EBADMSG;
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd != IMGSEC_CMD_EVENT)
		return -ENOENT;
	if (parse_msg(nlh, tb, IMGSEC_A_MAX, event_msg_types) ||
	    !tb[IMGSEC_A_EVENT] ||
	    parse_nest(tb[IMGSEC_A_EVENT], etb, IMGSEC_EVENT_A_MAX,
		       event_types))
		return -EBADMSG;
	if (!etb[IMGSEC_EVENT_A_TYPE] || !etb[IMGSEC_EVENT_A_FAMILY])
		return -EBADMSG;
	ev->type = mnl_attr_get_u8(etb[IMGSEC_EVENT_A_TYPE]);
	ev->family = mnl_attr_get_u8(etb[IMGSEC_EVENT_A_FAMILY]);
	if (ev->family != AF_INET && ev->family != AF_INET6)
		return -EBADMSG;
	if (event_addr(etb[IMGSEC_EVENT_A_SADDR], ev->family, ev->saddr,
		       &ev->has_saddr) ||
	    event_addr(etb[IMGSEC_EVENT_A_DADDR], ev->family, ev->daddr,
		       &ev->has_daddr))
		return -EBADMSG;
	if (etb[IMGSEC_EVENT_A_PROTO])
		ev->proto = mnl_attr_get_u8(etb[IMGSEC_EVENT_A_PROTO]);
	if (etb[IMGSEC_EVENT_A_SPORT])
		ev->sport = mnl_attr_get_u16(etb[IMGSEC_EVENT_A_SPORT]);
	if (etb[IMGSEC_EVENT_A_DPORT])
		ev->dport = mnl_attr_get_u16(etb[IMGSEC_EVENT_A_DPORT]);
	ev->monitor = etb[IMGSEC_EVENT_A_MONITOR] != NULL;
	if (etb[IMGSEC_EVENT_A_PROGRAM]) {
		ev->has_program = true;
		ev->program = mnl_attr_get_u32(etb[IMGSEC_EVENT_A_PROGRAM]);
	}
	if (etb[IMGSEC_EVENT_A_SUPPRESSED])
		ev->suppressed =
			mnl_attr_get_u32(etb[IMGSEC_EVENT_A_SUPPRESSED]);
	if (etb[IMGSEC_EVENT_A_TIME_NS]) {
		ev->has_time = true;
		ev->time_ns = mnl_attr_get_u64(etb[IMGSEC_EVENT_A_TIME_NS]);
	}
	if (etb[IMGSEC_EVENT_A_IFINDEX]) {
		ev->has_ifindex = true;
		ev->ifindex = mnl_attr_get_u32(etb[IMGSEC_EVENT_A_IFINDEX]);
	}
	if (etb[IMGSEC_EVENT_A_IFNAME]) {
		/* NUL_STRING: ends in a NUL; with it, at most IFNAMSIZ. */
		if (mnl_attr_get_payload_len(etb[IMGSEC_EVENT_A_IFNAME]) >
		    sizeof(ev->ifname))
			return -EBADMSG;
		strcpy(ev->ifname, mnl_attr_get_str(etb[IMGSEC_EVENT_A_IFNAME]));
	}
	if (etb[IMGSEC_EVENT_A_GENERATION]) {
		ev->has_generation = true;
		ev->generation =
			mnl_attr_get_u32(etb[IMGSEC_EVENT_A_GENERATION]);
	}
	if (etb[IMGSEC_EVENT_A_RULE]) {
		ev->has_rule = true;
		ev->rule = mnl_attr_get_u32(etb[IMGSEC_EVENT_A_RULE]);
	}
	if (etb[IMGSEC_EVENT_A_LIMIT]) {
		ev->has_limit = true;
		ev->limit = mnl_attr_get_u8(etb[IMGSEC_EVENT_A_LIMIT]);
	}
	return 0;
}
