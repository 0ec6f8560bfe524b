// SPDX-License-Identifier: GPL-2.0
/*
 * The "imgsec" generic netlink family: set, read and flush the policy,
 * counters, the rpc helper's settings, and a multicast group for events.
 * The ABI is documented in <linux/imgsec.h>.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/overflow.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "imgsec.h"

static const struct nla_policy imgsec_role_policy[IMGSEC_ROLE_A_MAX + 1] = {
	[IMGSEC_ROLE_A_INDEX] = NLA_POLICY_MAX(NLA_U32, IMGSEC_MAX_ROLES - 1),
	[IMGSEC_ROLE_A_NAME] = { .type = NLA_NUL_STRING,
				 .len = IMGSEC_NAME_LEN - 1 },
	[IMGSEC_ROLE_A_PREFIX] =
		NLA_POLICY_EXACT_LEN(sizeof(struct imgsec_prefix)),
};

/* Rate and burst of a rule's limit, beyond an s16 bound (not const: 6.1). */
static struct netlink_range_validation imgsec_limit_rate_range = {
	.min = 1,
	.max = IMGSEC_MAX_LIMIT_RATE,
};

static struct netlink_range_validation imgsec_limit_burst_range = {
	.min = 1,
	.max = IMGSEC_MAX_LIMIT_BURST,
};

static struct netlink_range_validation imgsec_source_max_range = {
	.min = 1,
	.max = IMGSEC_MAX_SOURCE_CONNS,
};

static const struct nla_policy imgsec_rule_policy[IMGSEC_RULE_A_MAX + 1] = {
	[IMGSEC_RULE_A_FROM] = NLA_POLICY_MAX(NLA_U8, IMGSEC_MAX_ROLES - 1),
	[IMGSEC_RULE_A_TO] = NLA_POLICY_MAX(NLA_U8, IMGSEC_MAX_ROLES - 1),
	[IMGSEC_RULE_A_PROTO] = { .type = NLA_U8 },
	[IMGSEC_RULE_A_PORTS] = NLA_POLICY_RANGE(NLA_BINARY,
		sizeof(struct imgsec_port_range),
		IMGSEC_MAX_PORT_RANGES * sizeof(struct imgsec_port_range)),
	[IMGSEC_RULE_A_HELPER] = NLA_POLICY_MAX(NLA_U8, __IMGSEC_HELPER_MAX - 1),
	[IMGSEC_RULE_A_COMMENT] = { .type = NLA_NUL_STRING,
				    .len = IMGSEC_COMMENT_LEN - 1 },
	[IMGSEC_RULE_A_PORTS_TEXT] = { .type = NLA_NUL_STRING,
				       .len = IMGSEC_PORTS_TEXT_LEN - 1 },
	[IMGSEC_RULE_A_INDEX] = NLA_POLICY_MAX(NLA_U32, IMGSEC_MAX_RULES - 1),
	[IMGSEC_RULE_A_LIMIT_RATE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &imgsec_limit_rate_range),
	[IMGSEC_RULE_A_LIMIT_UNIT] =
		NLA_POLICY_MAX(NLA_U8, __IMGSEC_LIMIT_UNIT_MAX - 1),
	[IMGSEC_RULE_A_LIMIT_BURST] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &imgsec_limit_burst_range),
	[IMGSEC_RULE_A_SOURCE_RATE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &imgsec_limit_rate_range),
	[IMGSEC_RULE_A_SOURCE_UNIT] =
		NLA_POLICY_MAX(NLA_U8, __IMGSEC_LIMIT_UNIT_MAX - 1),
	[IMGSEC_RULE_A_SOURCE_BURST] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &imgsec_limit_burst_range),
	[IMGSEC_RULE_A_SOURCE_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &imgsec_source_max_range),
};

static const struct nla_policy imgsec_policy_policy[IMGSEC_POLICY_A_MAX + 1] = {
	[IMGSEC_POLICY_A_MODE] = NLA_POLICY_MAX(NLA_U8, __IMGSEC_MODE_MAX - 1),
	[IMGSEC_POLICY_A_DEFAULT] =
		NLA_POLICY_MAX(NLA_U8, __IMGSEC_ACTION_MAX - 1),
	[IMGSEC_POLICY_A_PLACEMENT] =
		NLA_POLICY_MAX(NLA_U8, __IMGSEC_PLACEMENT_MAX - 1),
	[IMGSEC_POLICY_A_ROLES] = { .type = NLA_NESTED },
	[IMGSEC_POLICY_A_RULES] = { .type = NLA_NESTED },
};

static const struct nla_policy imgsec_set_policy_policy[IMGSEC_A_MAX + 1] = {
	[IMGSEC_A_POLICY] = NLA_POLICY_NESTED(imgsec_policy_policy),
	[IMGSEC_A_CONFIRM_SECS] =
		NLA_POLICY_RANGE(NLA_U32, 1, IMGSEC_MAX_CONFIRM_SECS),
};

static const struct nla_policy imgsec_rpc_policy[IMGSEC_RPC_A_MAX + 1] = {
	[IMGSEC_RPC_A_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, IMGSEC_MAX_RPC_TIMEOUT),
	[IMGSEC_RPC_A_PROGRAMS] = NLA_POLICY_RANGE(NLA_BINARY, 0,
		IMGSEC_MAX_RPC_PROGRAMS * sizeof(u32)),
};

static const struct nla_policy imgsec_set_rpc_policy[IMGSEC_A_MAX + 1] = {
	[IMGSEC_A_RPC] = NLA_POLICY_NESTED(imgsec_rpc_policy),
};

/*
 * ---- SET_POLICY: netlink -> struct imgsec_policy_desc ----
 *
 * A policy may exceed what one attribute can hold (64 KiB), so it comes as
 * one or more IMGSEC_A_POLICY slices, read in two passes: the first checks
 * the framing and counts, the second copies into exactly sized arrays.
 */

struct imgsec_nl_reader {
	struct imgsec_policy_desc *desc;
	struct netlink_ext_ack *extack;
	bool fill;		/* second pass: copy, do not count */
	int role;		/* role being read, -1 before the first */
	u32 rules;		/* rules read so far */
	u32 prefixes;		/* prefixes counted, all roles */
};

static int imgsec_nl_role_index(struct imgsec_nl_reader *r,
				struct nlattr **tb, const struct nlattr *nest)
{
	int index = r->role + 1;

	if (tb[IMGSEC_ROLE_A_INDEX])
		index = nla_get_u32(tb[IMGSEC_ROLE_A_INDEX]);
	if (index != r->role && index != r->role + 1) {
		NL_SET_ERR_MSG_ATTR(r->extack, nest,
				    "role slices must come in index order");
		return -EINVAL;
	}
	if (index >= IMGSEC_MAX_ROLES) {
		NL_SET_ERR_MSG_ATTR(r->extack, nest, "too many roles");
		return -E2BIG;
	}
	if (index == r->role + 1 && !tb[IMGSEC_ROLE_A_NAME]) {
		NL_SET_ERR_MSG_ATTR(r->extack, nest, "role has no name");
		return -EINVAL;
	}
	return index;
}

static int imgsec_nl_read_role(struct imgsec_nl_reader *r,
			       const struct nlattr *nest)
{
	struct nlattr *tb[IMGSEC_ROLE_A_MAX + 1];
	struct imgsec_role_desc *role;
	const struct nlattr *attr;
	int index, rem, ret;

	ret = nla_parse_nested(tb, IMGSEC_ROLE_A_MAX, nest,
			       imgsec_role_policy, r->extack);
	if (ret < 0)
		return ret;
	index = imgsec_nl_role_index(r, tb, nest);
	if (index < 0)
		return index;
	r->role = index;
	role = &r->desc->roles[index];
	r->desc->nroles = index + 1;
	if (tb[IMGSEC_ROLE_A_NAME])
		nla_strscpy(role->name, tb[IMGSEC_ROLE_A_NAME],
			    sizeof(role->name));

	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != IMGSEC_ROLE_A_PREFIX)
			continue;
		if (r->fill) {
			nla_memcpy(&role->prefixes[role->nprefixes++], attr,
				   sizeof(*role->prefixes));
			continue;
		}
		if (++r->prefixes > IMGSEC_MAX_PREFIXES) {
			NL_SET_ERR_MSG_ATTR(r->extack, nest,
					    "too many addresses in roles");
			return -E2BIG;
		}
		role->nprefixes++;
	}
	return 0;
}

/* A limit is all of rate, unit and burst, or none of them. */
static int imgsec_nl_check_limit(struct imgsec_nl_reader *r,
				 struct nlattr **tb, const struct nlattr *nest)
{
	int n = !!tb[IMGSEC_RULE_A_LIMIT_RATE] + !!tb[IMGSEC_RULE_A_LIMIT_UNIT] +
		!!tb[IMGSEC_RULE_A_LIMIT_BURST];

	if (n != 0 && n != 3) {
		NL_SET_ERR_MSG_ATTR(r->extack, nest,
				    "a limit needs rate, unit and burst");
		return -EINVAL;
	}
	n = !!tb[IMGSEC_RULE_A_SOURCE_RATE] + !!tb[IMGSEC_RULE_A_SOURCE_UNIT] +
	    !!tb[IMGSEC_RULE_A_SOURCE_BURST];
	if (n == 0 || n == 3)
		return 0;
	NL_SET_ERR_MSG_ATTR(r->extack, nest,
			    "a per-source limit needs rate, unit and burst");
	return -EINVAL;
}

static void imgsec_nl_fill_limit(struct imgsec_rule_desc *rule,
				 struct nlattr **tb)
{
	if (!tb[IMGSEC_RULE_A_LIMIT_RATE])
		return;
	rule->limit_rate = nla_get_u32(tb[IMGSEC_RULE_A_LIMIT_RATE]);
	rule->limit_unit = nla_get_u8(tb[IMGSEC_RULE_A_LIMIT_UNIT]);
	rule->limit_burst = nla_get_u32(tb[IMGSEC_RULE_A_LIMIT_BURST]);
}

static void imgsec_nl_fill_source_limit(struct imgsec_rule_desc *rule,
					struct nlattr **tb)
{
	if (tb[IMGSEC_RULE_A_SOURCE_MAX])
		rule->source_max = nla_get_u32(tb[IMGSEC_RULE_A_SOURCE_MAX]);
	if (!tb[IMGSEC_RULE_A_SOURCE_RATE])
		return;
	rule->source_rate = nla_get_u32(tb[IMGSEC_RULE_A_SOURCE_RATE]);
	rule->source_unit = nla_get_u8(tb[IMGSEC_RULE_A_SOURCE_UNIT]);
	rule->source_burst = nla_get_u32(tb[IMGSEC_RULE_A_SOURCE_BURST]);
}

static int imgsec_nl_read_rule(struct imgsec_nl_reader *r,
			       const struct nlattr *nest)
{
	struct nlattr *tb[IMGSEC_RULE_A_MAX + 1];
	struct imgsec_rule_desc *rule;
	const struct nlattr *ports;
	int ret;

	ret = nla_parse_nested(tb, IMGSEC_RULE_A_MAX, nest,
			       imgsec_rule_policy, r->extack);
	if (ret < 0)
		return ret;
	if (tb[IMGSEC_RULE_A_INDEX] &&
	    nla_get_u32(tb[IMGSEC_RULE_A_INDEX]) != r->rules) {
		NL_SET_ERR_MSG_ATTR(r->extack, nest, "rules must come in order");
		return -EINVAL;
	}
	if (r->rules >= IMGSEC_MAX_RULES) {
		NL_SET_ERR_MSG_ATTR(r->extack, nest, "too many rules");
		return -E2BIG;
	}
	if (!tb[IMGSEC_RULE_A_FROM] || !tb[IMGSEC_RULE_A_TO] ||
	    !tb[IMGSEC_RULE_A_PROTO] || !tb[IMGSEC_RULE_A_PORTS]) {
		NL_SET_ERR_MSG_ATTR(r->extack, nest,
				    "rule needs from, to, proto and ports");
		return -EINVAL;
	}
	ports = tb[IMGSEC_RULE_A_PORTS];
	if (nla_len(ports) % sizeof(rule->ports[0])) {
		NL_SET_ERR_MSG_ATTR(r->extack, ports, "ports: partial range");
		return -EINVAL;
	}
	ret = imgsec_nl_check_limit(r, tb, nest);
	if (ret < 0)
		return ret;
	rule = &r->desc->rules[r->rules++];
	if (!r->fill)
		return 0;
	rule->from = nla_get_u8(tb[IMGSEC_RULE_A_FROM]);
	rule->to = nla_get_u8(tb[IMGSEC_RULE_A_TO]);
	rule->proto = nla_get_u8(tb[IMGSEC_RULE_A_PROTO]);
	rule->nports = nla_len(ports) / sizeof(rule->ports[0]);
	nla_memcpy(rule->ports, ports, sizeof(rule->ports));
	if (tb[IMGSEC_RULE_A_HELPER])
		rule->helper = nla_get_u8(tb[IMGSEC_RULE_A_HELPER]);
	if (tb[IMGSEC_RULE_A_COMMENT])
		nla_strscpy(rule->comment, tb[IMGSEC_RULE_A_COMMENT],
			    sizeof(rule->comment));
	if (tb[IMGSEC_RULE_A_PORTS_TEXT])
		nla_strscpy(rule->ports_text, tb[IMGSEC_RULE_A_PORTS_TEXT],
			    sizeof(rule->ports_text));
	imgsec_nl_fill_limit(rule, tb);
	imgsec_nl_fill_source_limit(rule, tb);
	return 0;
}

/*
 * nla_parse_nested() keeps the last of a repeated attribute: a second list
 * of roles or rules in a slice would be dropped unseen. Refused.
 */
static int imgsec_nl_one_list_each(const struct nlattr *slice,
				   struct netlink_ext_ack *extack)
{
	const struct nlattr *attr, *lists[2] = {};
	int rem, i;

	nla_for_each_nested(attr, slice, rem) {
		if (nla_type(attr) == IMGSEC_POLICY_A_ROLES)
			i = 0;
		else if (nla_type(attr) == IMGSEC_POLICY_A_RULES)
			i = 1;
		else
			continue;
		if (lists[i]) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "one list of roles and one of rules per slice");
			return -EINVAL;
		}
		lists[i] = attr;
	}
	return 0;
}

static int imgsec_nl_read_slice(struct imgsec_nl_reader *r,
				const struct nlattr *slice)
{
	struct nlattr *tb[IMGSEC_POLICY_A_MAX + 1];
	struct imgsec_policy_desc *desc = r->desc;
	const struct nlattr *attr;
	int rem, ret;

	ret = nla_parse_nested(tb, IMGSEC_POLICY_A_MAX, slice,
			       imgsec_policy_policy, r->extack);
	if (ret < 0)
		return ret;
	ret = imgsec_nl_one_list_each(slice, r->extack);
	if (ret < 0)
		return ret;
	if (tb[IMGSEC_POLICY_A_MODE])
		desc->mode = nla_get_u8(tb[IMGSEC_POLICY_A_MODE]);
	if (tb[IMGSEC_POLICY_A_DEFAULT])
		desc->default_action = nla_get_u8(tb[IMGSEC_POLICY_A_DEFAULT]);
	if (tb[IMGSEC_POLICY_A_PLACEMENT])
		desc->placement = nla_get_u8(tb[IMGSEC_POLICY_A_PLACEMENT]);
	if (tb[IMGSEC_POLICY_A_ROLES]) {
		nla_for_each_nested(attr, tb[IMGSEC_POLICY_A_ROLES], rem) {
			ret = imgsec_nl_read_role(r, attr);
			if (ret < 0)
				return ret;
		}
	}
	if (tb[IMGSEC_POLICY_A_RULES]) {
		nla_for_each_nested(attr, tb[IMGSEC_POLICY_A_RULES], rem) {
			ret = imgsec_nl_read_rule(r, attr);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int imgsec_nl_read_slices(struct imgsec_nl_reader *r,
				 const struct genl_info *info)
{
	const struct nlattr *attr;
	int rem, ret;

	r->role = -1;
	r->rules = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != IMGSEC_A_POLICY)
			continue;
		ret = imgsec_nl_read_slice(r, attr);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Between the passes: arrays of the sizes the first pass counted. */
static int imgsec_nl_alloc(struct imgsec_policy_desc *desc, u32 nrules)
{
	struct imgsec_role_desc *role;
	u32 i;

	for (i = 0; i < desc->nroles; i++) {
		role = &desc->roles[i];
		/*
		 * Only the build and dumps read them: pages, not a kmalloc
		 * block rounded up to a power of two (2 MiB for the 1.3 MB of
		 * 65,536 prefixes).
		 */
		role->prefixes = imgsec_zalloc_table(array_size(role->nprefixes,
								sizeof(*role->prefixes)));
		if (role->nprefixes && !role->prefixes)
			return -ENOMEM;
		role->nprefixes = 0;
	}
	desc->rules = kvcalloc(nrules, sizeof(*desc->rules),
			       GFP_KERNEL_ACCOUNT);
	if (nrules && !desc->rules)
		return -ENOMEM;
	desc->nrules = nrules;
	return 0;
}

/* Number role and rule nests as the reader does: roles by their index. */
static int imgsec_nl_item_index(const struct nlattr *attr, int list_type,
				int prev)
{
	struct nlattr *tb[IMGSEC_ROLE_A_MAX + 1];

	if (list_type == IMGSEC_POLICY_A_RULES ||
	    nla_parse_nested(tb, IMGSEC_ROLE_A_MAX, attr, imgsec_role_policy,
			     NULL) < 0 || !tb[IMGSEC_ROLE_A_INDEX])
		return prev + 1;
	return nla_get_u32(tb[IMGSEC_ROLE_A_INDEX]);
}

/* The nest of rule @n, or of the first slice of role @n, or NULL. */
static const struct nlattr *imgsec_nl_find(const struct genl_info *info,
					   int list_type, int n)
{
	const struct nlattr *slice, *list, *attr;
	int srem, lrem, arem, index = -1;

	nlmsg_for_each_attr(slice, info->nlhdr, GENL_HDRLEN, srem) {
		if (nla_type(slice) != IMGSEC_A_POLICY)
			continue;
		nla_for_each_nested(list, slice, lrem) {
			if (nla_type(list) != list_type)
				continue;
			nla_for_each_nested(attr, list, arem) {
				index = imgsec_nl_item_index(attr, list_type,
							     index);
				if (index == n)
					return attr;
			}
		}
	}
	return NULL;
}

/* Validation's messages are static strings, as literals are. */
static void imgsec_nl_validation_error(const struct genl_info *info,
				       const struct imgsec_policy_error *err)
{
	info->extack->_msg = err->msg;
	if (err->rule >= 0)
		info->extack->bad_attr = imgsec_nl_find(info,
							IMGSEC_POLICY_A_RULES,
							err->rule);
	else if (err->role >= 0)
		info->extack->bad_attr = imgsec_nl_find(info,
							IMGSEC_POLICY_A_ROLES,
							err->role);
}

static int imgsec_nl_parse_policy(const struct genl_info *info,
				  struct imgsec_policy_desc *desc)
{
	struct imgsec_nl_reader r = { .desc = desc, .extack = info->extack };
	struct imgsec_policy_error err;
	int ret;

	ret = imgsec_nl_read_slices(&r, info);
	if (ret < 0)
		return ret;
	ret = imgsec_nl_alloc(desc, r.rules);
	if (ret < 0)
		return ret;
	r.fill = true;
	ret = imgsec_nl_read_slices(&r, info);
	if (ret < 0)
		return ret;

	ret = imgsec_policy_validate(desc, &err);
	if (ret < 0)
		imgsec_nl_validation_error(info, &err);
	return ret;
}

static int imgsec_nl_set_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct imgsec_net *in = imgsec_net(genl_info_net(info));
	struct imgsec_policy_desc *desc;
	struct imgsec_policy *policy;
	u32 confirm = 0;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, IMGSEC_A_POLICY))
		return -EINVAL;
	if (info->attrs[IMGSEC_A_CONFIRM_SECS])
		confirm = nla_get_u32(info->attrs[IMGSEC_A_CONFIRM_SECS]);

	desc = kzalloc(sizeof(*desc), GFP_KERNEL_ACCOUNT);
	if (!desc)
		return -ENOMEM;
	ret = imgsec_nl_parse_policy(info, desc);
	if (ret < 0) {
		imgsec_policy_desc_release(desc);
		kfree(desc);
		return ret;
	}
	ret = imgsec_policy_create(genl_info_net(info), desc, &policy);
	kfree(desc);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack,
			       "the kernel's ftp conntrack helper is missing");
	else if (ret == -ENOMEM)
		NL_SET_ERR_MSG(info->extack, "not enough memory for the policy");
	else if (ret < 0)
		NL_SET_ERR_MSG(info->extack,
			       "per-source max: nf_conncount refused to start");
	if (ret < 0)
		return ret;
	ret = imgsec_set_policy(in, policy, confirm);
	if (ret < 0)
		NL_SET_ERR_MSG(info->extack,
			       "cannot start connection tracking or register the netfilter hooks of the policy's placement: the policy in force is unchanged");
	return ret;
}

static int imgsec_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	imgsec_flush_policy(imgsec_net(genl_info_net(info)));
	return 0;
}

static int imgsec_nl_confirm(struct sk_buff *skb, struct genl_info *info)
{
	int ret = imgsec_confirm_policy(imgsec_net(genl_info_net(info)));

	if (ret < 0)
		NL_SET_ERR_MSG(info->extack,
			       "no policy is waiting for confirmation");
	return ret;
}

/* ---- replies ---- */

typedef int (*imgsec_nl_fill_fn)(struct sk_buff *msg,
				 const struct sk_buff *req,
				 struct genl_info *info);

static int imgsec_nl_reply(const struct sk_buff *req, struct genl_info *info,
			   imgsec_nl_fill_fn fill)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &imgsec_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = fill(msg, req, info);
	if (ret < 0) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int imgsec_nl_put_policy_header(struct sk_buff *msg,
				       const struct imgsec_policy *p)
{
	if (nla_put_u8(msg, IMGSEC_POLICY_A_MODE, p->desc.mode) ||
	    nla_put_u8(msg, IMGSEC_POLICY_A_DEFAULT, p->desc.default_action) ||
	    nla_put_u8(msg, IMGSEC_POLICY_A_PLACEMENT, p->desc.placement))
		return -EMSGSIZE;
	return 0;
}

static int imgsec_nl_fill_status(struct sk_buff *msg, const struct sk_buff *req,
				 struct genl_info *info)
{
	struct imgsec_net *in = imgsec_net(genl_info_net(info));
	const struct imgsec_policy *p;
	unsigned int pending;
	struct nlattr *nest;
	int ret = -EMSGSIZE;

	if (nla_put_string(msg, IMGSEC_A_VERSION, IMGSEC_VERSION) ||
	    nla_put_u32(msg, IMGSEC_A_GENERATION, READ_ONCE(in->generation)))
		return -EMSGSIZE;
	/* How many namespaces the host has is the host admin's business. */
	if (netlink_capable(req, CAP_NET_ADMIN) &&
	    nla_put_u32(msg, IMGSEC_A_NETNS_COUNT, imgsec_netns_count()))
		return -EMSGSIZE;
	pending = imgsec_pending_secs(in);
	if (pending && nla_put_u32(msg, IMGSEC_A_PENDING_SECS, pending))
		return -EMSGSIZE;

	rcu_read_lock();
	p = rcu_dereference(in->policy);
	if (!p) {
		ret = 0;
		goto out;
	}
	nest = nla_nest_start(msg, IMGSEC_A_POLICY);
	if (nest && !imgsec_nl_put_policy_header(msg, p)) {
		nla_nest_end(msg, nest);
		ret = 0;
	}
out:
	rcu_read_unlock();
	return ret;
}

static int imgsec_nl_get_status(struct sk_buff *skb, struct genl_info *info)
{
	return imgsec_nl_reply(skb, info, imgsec_nl_fill_status);
}

/* Counters @from to @to - 1 of @base, summed over the CPUs, as attributes. */
static int imgsec_nl_put_sums(struct sk_buff *msg, const u64 __percpu *base,
			      int from, int to, int pad)
{
	int cpu, i;
	u64 sum;

	for (i = from; i < to; i++) {
		if (i == pad)
			continue;
		sum = 0;
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu_ptr(base, cpu)[i]);
		if (nla_put_u64_64bit(msg, i, sum, pad))
			return -EMSGSIZE;
	}
	return 0;
}

static int imgsec_nl_fill_stats(struct sk_buff *msg, const struct sk_buff *req,
				struct genl_info *info)
{
	struct imgsec_net *in = imgsec_net(genl_info_net(info));
	struct nlattr *nest;

	nest = nla_nest_start(msg, IMGSEC_A_STATS);
	if (!nest ||
	    imgsec_nl_put_sums(msg, (const u64 __percpu *)in->stats, 1,
			       __IMGSEC_STATS_A_MAX, IMGSEC_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, IMGSEC_A_RPC_STATS);
	if (!nest ||
	    imgsec_nl_put_sums(msg, (const u64 __percpu *)in->rpc_stats, 1,
			       IMGSEC_RPC_STATS_A_TCP_STATES,
			       IMGSEC_RPC_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, IMGSEC_RPC_STATS_A_TCP_STATES,
			      READ_ONCE(in->rpc.nconns), IMGSEC_RPC_STATS_A_PAD) ||
	    imgsec_nl_put_sums(msg, (const u64 __percpu *)in->rpc_stats,
			       IMGSEC_RPC_STATS_A_TCP_STATES + 1,
			       __IMGSEC_RPC_STATS_A_MAX, IMGSEC_RPC_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int imgsec_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	return imgsec_nl_reply(skb, info, imgsec_nl_fill_stats);
}

static int imgsec_nl_fill_rpc(struct sk_buff *msg, const struct sk_buff *req,
			      struct genl_info *info)
{
	u32 progs[IMGSEC_MAX_RPC_PROGRAMS];
	unsigned int n = imgsec_rpc_programs(progs);
	struct nlattr *nest = nla_nest_start(msg, IMGSEC_A_RPC);

	if (!nest ||
	    nla_put_u32(msg, IMGSEC_RPC_A_TIMEOUT, imgsec_rpc_timeout()) ||
	    nla_put(msg, IMGSEC_RPC_A_PROGRAMS, n * sizeof(u32), progs))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int imgsec_nl_get_rpc(struct sk_buff *skb, struct genl_info *info)
{
	return imgsec_nl_reply(skb, info, imgsec_nl_fill_rpc);
}

static int imgsec_nl_set_rpc(struct sk_buff *skb, struct genl_info *info)
{
	u32 progs[IMGSEC_MAX_RPC_PROGRAMS];
	struct nlattr *tb[IMGSEC_RPC_A_MAX + 1];
	const struct nlattr *attr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, IMGSEC_A_RPC))
		return -EINVAL;
	ret = nla_parse_nested(tb, IMGSEC_RPC_A_MAX, info->attrs[IMGSEC_A_RPC],
			       imgsec_rpc_policy, info->extack);
	if (ret < 0)
		return ret;
	attr = tb[IMGSEC_RPC_A_PROGRAMS];
	if (attr) {
		if (nla_len(attr) % sizeof(u32)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "programs: not a u32 array");
			return -EINVAL;
		}
		nla_memcpy(progs, attr, sizeof(progs));
		ret = imgsec_rpc_set_programs(progs,
					      nla_len(attr) / sizeof(u32));
		if (ret < 0) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "programs: 0 and portmap (100000) cannot be opened");
			return ret;
		}
	}
	if (tb[IMGSEC_RPC_A_TIMEOUT])
		imgsec_rpc_set_timeout(nla_get_u32(tb[IMGSEC_RPC_A_TIMEOUT]));
	return 0;
}

/* ---- GET_POLICY dump, resumable: the cursor lives in cb->args ---- */

enum { DUMP_HEADER, DUMP_ROLES, DUMP_RULES, DUMP_DONE };

struct imgsec_dump_cursor {
	long phase;
	long role;
	long prefix;
	long rule;
	long generation;	/* of the policy being dumped */
};

static int imgsec_dump_role(struct sk_buff *skb, const struct imgsec_policy *p,
			    struct imgsec_dump_cursor *cur)
{
	const struct imgsec_role_desc *role = &p->desc.roles[cur->role];
	struct nlattr *nest = nla_nest_start(skb, 1);

	if (!nest || nla_put_u32(skb, IMGSEC_ROLE_A_INDEX, cur->role) ||
	    nla_put_string(skb, IMGSEC_ROLE_A_NAME, role->name)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	for (; cur->prefix < role->nprefixes; cur->prefix++) {
		if (nla_put(skb, IMGSEC_ROLE_A_PREFIX, sizeof(struct imgsec_prefix),
			    &role->prefixes[cur->prefix])) {
			nla_nest_end(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A rule's limit, if it has one, and what it refused: for limited rules. */
static int imgsec_dump_limit(struct sk_buff *skb,
			     const struct imgsec_rule_desc *rule, u64 limited)
{
	if (!rule->limit_rate)
		return 0;
	if (nla_put_u32(skb, IMGSEC_RULE_A_LIMIT_RATE, rule->limit_rate) ||
	    nla_put_u8(skb, IMGSEC_RULE_A_LIMIT_UNIT, rule->limit_unit) ||
	    nla_put_u32(skb, IMGSEC_RULE_A_LIMIT_BURST, rule->limit_burst) ||
	    nla_put_u64_64bit(skb, IMGSEC_RULE_A_LIMITED, limited,
			      IMGSEC_RULE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* A rule's per-source cap, if it has one, and its counter. */
static int imgsec_dump_source_max(struct sk_buff *skb,
				  const struct imgsec_rule_desc *rule,
				  u64 capped)
{
	if (!rule->source_max)
		return 0;
	if (nla_put_u32(skb, IMGSEC_RULE_A_SOURCE_MAX, rule->source_max) ||
	    nla_put_u64_64bit(skb, IMGSEC_RULE_A_SOURCE_CAPPED, capped,
			      IMGSEC_RULE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* A rule's per-source limit, if it has one, and its counters. */
static int imgsec_dump_source_limit(struct sk_buff *skb,
				    const struct imgsec_policy *p, u32 index,
				    const struct imgsec_rule_counter *c)
{
	const struct imgsec_rule_desc *rule = &p->desc.rules[index];

	if (imgsec_dump_source_max(skb, rule,
				   imgsec_policy_source_capped(p, index)))
		return -EMSGSIZE;
	if (!rule->source_rate)
		return 0;
	if (nla_put_u32(skb, IMGSEC_RULE_A_SOURCE_RATE, rule->source_rate) ||
	    nla_put_u8(skb, IMGSEC_RULE_A_SOURCE_UNIT, rule->source_unit) ||
	    nla_put_u32(skb, IMGSEC_RULE_A_SOURCE_BURST, rule->source_burst) ||
	    nla_put_u64_64bit(skb, IMGSEC_RULE_A_SOURCE_LIMITED,
			      c->source_limited,
			      IMGSEC_RULE_A_PAD) ||
	    nla_put_u64_64bit(skb, IMGSEC_RULE_A_SOURCE_EVICTED,
			      imgsec_policy_source_evicted(p, index),
			      IMGSEC_RULE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int imgsec_dump_rule(struct sk_buff *skb, const struct imgsec_policy *p,
			    u32 index)
{
	const struct imgsec_rule_desc *rule = &p->desc.rules[index];
	struct nlattr *nest = nla_nest_start(skb, 1);
	struct imgsec_rule_counter c;

	imgsec_policy_rule_counter(p, index, &c);
	if (!nest || nla_put_u32(skb, IMGSEC_RULE_A_INDEX, index) ||
	    nla_put_u8(skb, IMGSEC_RULE_A_FROM, rule->from) ||
	    nla_put_u8(skb, IMGSEC_RULE_A_TO, rule->to) ||
	    nla_put_u8(skb, IMGSEC_RULE_A_PROTO, rule->proto) ||
	    nla_put_u8(skb, IMGSEC_RULE_A_HELPER, rule->helper) ||
	    nla_put(skb, IMGSEC_RULE_A_PORTS,
		    rule->nports * sizeof(rule->ports[0]), rule->ports) ||
	    nla_put_string(skb, IMGSEC_RULE_A_COMMENT, rule->comment) ||
	    (rule->ports_text[0] &&
	     nla_put_string(skb, IMGSEC_RULE_A_PORTS_TEXT, rule->ports_text)) ||
	    nla_put_u64_64bit(skb, IMGSEC_RULE_A_PACKETS, c.packets,
			      IMGSEC_RULE_A_PAD) ||
	    nla_put_u64_64bit(skb, IMGSEC_RULE_A_BYTES, c.bytes,
			      IMGSEC_RULE_A_PAD) ||
	    imgsec_dump_limit(skb, rule, c.limited) ||
	    imgsec_dump_source_limit(skb, p, index, &c)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Put as much of the policy as fits, advancing the cursor. */
static int imgsec_dump_fill(struct sk_buff *skb, const struct imgsec_policy *p,
			    struct imgsec_dump_cursor *cur)
{
	struct nlattr *nest;
	int ret = 0;

	if (cur->phase == DUMP_HEADER) {
		if (imgsec_nl_put_policy_header(skb, p))
			return -EMSGSIZE;
		cur->phase = DUMP_ROLES;
	}
	if (cur->phase == DUMP_ROLES) {
		nest = nla_nest_start(skb, IMGSEC_POLICY_A_ROLES);
		if (!nest)
			return -EMSGSIZE;
		for (; cur->role < p->desc.nroles; cur->role++, cur->prefix = 0) {
			ret = imgsec_dump_role(skb, p, cur);
			if (ret < 0)
				break;
		}
		nla_nest_end(skb, nest);
		if (ret < 0)
			return ret;
		cur->phase = DUMP_RULES;
	}
	nest = nla_nest_start(skb, IMGSEC_POLICY_A_RULES);
	if (!nest)
		return -EMSGSIZE;
	for (; cur->rule < p->desc.nrules; cur->rule++) {
		ret = imgsec_dump_rule(skb, p, cur->rule);
		if (ret < 0)
			break;
	}
	nla_nest_end(skb, nest);
	if (ret == 0)
		cur->phase = DUMP_DONE;
	return ret;
}

/*
 * The generation read is the one of the policy object being dumped, never
 * the namespace's: a dump spans several calls, and if the policy changed
 * between two of them, the next message says so (NLM_F_DUMP_INTR) and ends
 * the dump, so that a reader never joins pieces of two policies.
 */
static int imgsec_nl_dump_policy(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct imgsec_dump_cursor *cur = (void *)cb->args;
	struct imgsec_net *in = imgsec_net(sock_net(skb->sk));
	const struct imgsec_policy *p;
	struct nlattr *nest;
	void *hdr;
	int ret = 0;

	BUILD_BUG_ON(sizeof(*cur) > sizeof(cb->args));
	rcu_read_lock();
	p = rcu_dereference(in->policy);
	if (cur->phase == DUMP_DONE || (!p && cur->phase == DUMP_HEADER))
		goto out;

	ret = -EMSGSIZE;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &imgsec_genl_family, NLM_F_MULTI,
			  IMGSEC_CMD_GET_POLICY);
	if (!hdr)
		goto out;
	cb->seq = p ? p->generation : 0;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, IMGSEC_A_GENERATION, cb->seq)) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	if (cur->phase == DUMP_HEADER) {
		cur->generation = cb->seq;
	} else if (!p || cur->generation != cb->seq) {
		cur->phase = DUMP_DONE;
		goto end;
	}
	nest = nla_nest_start(skb, IMGSEC_A_POLICY);
	if (!nest) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	imgsec_dump_fill(skb, p, cur);
	nla_nest_end(skb, nest);
end:
	genlmsg_end(skb, hdr);
	ret = skb->len;
out:
	rcu_read_unlock();
	return ret;
}

/* ---- the family ---- */

static const struct genl_ops imgsec_genl_ops[] = {
	{
		.cmd = IMGSEC_CMD_GET_STATUS,
		.doit = imgsec_nl_get_status,
	},
	{
		.cmd = IMGSEC_CMD_SET_POLICY,
		.doit = imgsec_nl_set_policy,
		.policy = imgsec_set_policy_policy,
		.maxattr = IMGSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IMGSEC_CMD_GET_POLICY,
		.dumpit = imgsec_nl_dump_policy,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IMGSEC_CMD_FLUSH,
		.doit = imgsec_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IMGSEC_CMD_CONFIRM,
		.doit = imgsec_nl_confirm,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IMGSEC_CMD_GET_STATS,
		.doit = imgsec_nl_get_stats,
	},
	{
		.cmd = IMGSEC_CMD_SET_RPC,
		.doit = imgsec_nl_set_rpc,
		.policy = imgsec_set_rpc_policy,
		.maxattr = IMGSEC_A_MAX,
		/* The helper's settings are global: admin of the host. */
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = IMGSEC_CMD_GET_RPC,
		.doit = imgsec_nl_get_rpc,
	},
};

/* Events name addresses: for the namespace's admin only. */
static const struct genl_multicast_group imgsec_mcgrps[] = {
	{ .name = IMGSEC_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family imgsec_genl_family __ro_after_init = {
	.name = IMGSEC_GENL_NAME,
	.version = IMGSEC_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = imgsec_genl_ops,
	.n_ops = ARRAY_SIZE(imgsec_genl_ops),
	.mcgrps = imgsec_mcgrps,
	.n_mcgrps = ARRAY_SIZE(imgsec_mcgrps),
};

int __init imgsec_genl_init(void)
{
	return genl_register_family(&imgsec_genl_family);
}

void imgsec_genl_exit(void)
{
	genl_unregister_family(&imgsec_genl_family);
}
