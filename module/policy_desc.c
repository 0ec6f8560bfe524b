// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of a policy description. Shared by imgsecctl (check before
 * sending) and the kernel (check what netlink delivered), so that both sides
 * accept exactly the same policies and name the same culprit.
 */
#include "policy_desc.h"

#ifdef __KERNEL__
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#else
#include <netinet/in.h>
#include <sys/socket.h>
#endif

/* Each check returns the message of the first problem found, or NULL. */

static const char *check_header(const struct imgsec_policy_desc *p)
{
	if (p->mode >= __IMGSEC_MODE_MAX)
		return "unknown mode";
	if (p->default_action >= __IMGSEC_ACTION_MAX)
		return "unknown default action";
	if (p->placement >= __IMGSEC_PLACEMENT_MAX)
		return "unknown placement";
	if (p->nroles > IMGSEC_MAX_ROLES)
		return "too many roles";
	if (p->nrules > IMGSEC_MAX_RULES)
		return "too many rules";
	if (p->nrules && !p->rules)
		return "rules missing";
	return NULL;
}

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

static const char *check_role_name(const char *name)
{
	size_t len = strnlen(name, IMGSEC_NAME_LEN);
	size_t i;

	if (len == 0)
		return "role name is empty";
	if (len == IMGSEC_NAME_LEN)
		return "role name too long";
	if (name[0] < 'a' || name[0] > 'z')
		return "role name must start with a letter";
	for (i = 1; i < len; i++)
		if (!name_char_ok(name[i]))
			return "role name may only contain a-z, 0-9, '_' and '-'";
	return NULL;
}

static const char *check_prefix(const struct imgsec_prefix *pfx)
{
	unsigned int maxlen, i;

	if (pfx->family == AF_INET)
		maxlen = 32;
	else if (pfx->family == AF_INET6)
		maxlen = 128;
	else
		return "prefix family must be IPv4 or IPv6";
	if (pfx->plen > maxlen)
		return "prefix length too long for its family";
	if (pfx->pad[0] || pfx->pad[1])
		return "prefix padding must be zero";
	/* All 16 bytes: an IPv4 prefix must leave bytes 4..15 zero too. */
	i = pfx->plen / 8;
	if (pfx->plen % 8 && (pfx->addr[i++] & (0xff >> (pfx->plen % 8))))
		return "prefix has host bits set";
	for (; i < sizeof(pfx->addr); i++)
		if (pfx->addr[i])
			return "prefix has host bits set";
	return NULL;
}

/*
 * Keyed by @seed, random for each check: unkeyed, (h ^ w) * C of the last
 * word is solved for any h, so 65,536 prefixes with one hash were found
 * with no search, and the check took seconds of kernel time.
 */
static u32 prefix_hash(const struct imgsec_prefix *pfx, unsigned int role,
		       u32 seed)
{
	u32 h = seed ^ role * 0x9e3779b9u ^ pfx->family << 8 ^ pfx->plen, w;
	unsigned int i;

	/* A word at a time, then murmur3's finaliser mixes every bit down. */
	for (i = 0; i < sizeof(pfx->addr); i += sizeof(w)) {
		memcpy(&w, pfx->addr + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b1u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ h >> 16;
}

static bool prefix_equal(const struct imgsec_prefix *a,
			 const struct imgsec_prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/*
 * Insert prefix @i of role @r into @slots, or find it there already. A slot
 * holds (role << 16 | index) + 1, 0 marks it empty. Returns true for a
 * duplicate.
 */
static bool prefix_seen(u32 *slots, u32 mask, u32 seed,
			const struct imgsec_role_desc *role, u32 r, u32 i)
{
	const struct imgsec_prefix *pfx = role->prefixes;
	u32 h = prefix_hash(&pfx[i], r, seed) & mask;

	for (; slots[h]; h = (h + 1) & mask) {
		u32 s = slots[h] - 1;

		if (s >> 16 == r && prefix_equal(&pfx[s & 0xffff], &pfx[i]))
			return true;
	}
	slots[h] = (r << 16 | i) + 1;
	return false;
}

/*
 * A role may hold up to IMGSEC_MAX_PREFIXES entries, too many for a
 * pairwise comparison in the kernel, so duplicates are found with one
 * temporary hash table over all roles (load <= 0.5). Runs after every prefix
 * is known to be well formed.
 */
static int check_duplicates(const struct imgsec_policy_desc *p, u32 total,
			    struct imgsec_policy_error *err)
{
	u32 size = 2, r, i, *slots, seed;

	if (!total)
		return 0;
	seed = (u32)imgsec_random_u64();
	while (size < 2 * total)
		size *= 2;
	slots = imgsec_zalloc(size * sizeof(*slots));
	if (!slots) {
		err->msg = "out of memory";
		return -ENOMEM;
	}
	for (r = 0; r < p->nroles; r++) {
		for (i = 0; i < p->roles[r].nprefixes; i++) {
			if (prefix_seen(slots, size - 1, seed, &p->roles[r],
					r, i)) {
				err->msg = "duplicate prefix in role";
				err->role = r;
				err->prefix = i;
				imgsec_free(slots);
				return -EINVAL;
			}
		}
	}
	imgsec_free(slots);
	return 0;
}

static int check_roles(const struct imgsec_policy_desc *p,
		       struct imgsec_policy_error *err)
{
	u64 total = 0;
	u32 r, q, i;

	for (r = 0; r < p->nroles; r++) {
		const struct imgsec_role_desc *role = &p->roles[r];

		err->role = r;
		err->msg = check_role_name(role->name);
		if (err->msg)
			return -EINVAL;
		for (q = 0; q < r; q++)
			if (!strcmp(p->roles[q].name, role->name)) {
				err->msg = "duplicate role name";
				return -EINVAL;
			}
		if (role->nprefixes && !role->prefixes) {
			err->msg = "role prefixes missing";
			return -EINVAL;
		}
		total += role->nprefixes;
		if (total > IMGSEC_MAX_PREFIXES) {
			err->msg = "too many addresses in roles";
			return -EINVAL;
		}
		for (i = 0; i < role->nprefixes; i++) {
			err->msg = check_prefix(&role->prefixes[i]);
			if (err->msg) {
				err->prefix = i;
				return -EINVAL;
			}
		}
	}
	err->role = -1;
	return check_duplicates(p, total, err);
}

static bool is_icmp(u8 proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* An ICMP or ICMPv6 rule's ranges are of message types, 0 to 255. */
static const char *check_ports(const struct imgsec_rule_desc *rule)
{
	bool icmp = is_icmp(rule->proto);
	unsigned int i;

	if (rule->nports == 0)
		return icmp ? "rule has no icmp types" : "rule has no ports";
	if (rule->nports > IMGSEC_MAX_PORT_RANGES)
		return "too many port ranges in rule";
	for (i = 0; i < rule->nports; i++) {
		if (rule->ports[i].lo == 0 && !icmp)
			return "port 0 is not allowed";
		if (rule->ports[i].lo > rule->ports[i].hi)
			return "port range is reversed";
		if (icmp && rule->ports[i].hi > IMGSEC_MAX_ICMP_TYPE)
			return "icmp type above 255";
	}
	return NULL;
}

/* No limit is all zeros; a limit has all three parts within bounds. */
static const char *check_limit(const struct imgsec_rule_desc *rule)
{
	if (!rule->limit_rate)
		return rule->limit_burst || rule->limit_unit ?
		       "limit burst or unit without a rate" : NULL;
	if (rule->limit_rate > IMGSEC_MAX_LIMIT_RATE)
		return "limit rate above 1000000";
	if (rule->limit_unit >= __IMGSEC_LIMIT_UNIT_MAX)
		return "unknown limit unit";
	if (!rule->limit_burst)
		return "limit burst must be at least 1";
	if (rule->limit_burst > IMGSEC_MAX_LIMIT_BURST)
		return "limit burst above 1000000";
	return NULL;
}

/* The same for a per-source limit. */
static const char *check_source_limit(const struct imgsec_rule_desc *rule)
{
	if (!rule->source_rate)
		return rule->source_burst || rule->source_unit ?
		       "per-source burst or unit without a rate" : NULL;
	if (rule->source_rate > IMGSEC_MAX_LIMIT_RATE)
		return "per-source rate above 1000000";
	if (rule->source_unit >= __IMGSEC_LIMIT_UNIT_MAX)
		return "unknown per-source unit";
	if (!rule->source_burst)
		return "per-source burst must be at least 1";
	if (rule->source_burst > IMGSEC_MAX_LIMIT_BURST)
		return "per-source burst above 1000000";
	return NULL;
}

/* A per-source cap on concurrent connections, with or without a rate. */
static const char *check_source_max(const struct imgsec_rule_desc *rule)
{
	if (rule->source_max > IMGSEC_MAX_SOURCE_CONNS)
		return "per-source max above 1000000";
	return NULL;
}

static const char *check_rule(const struct imgsec_policy_desc *p,
			      const struct imgsec_rule_desc *rule)
{
	if (rule->from >= p->nroles)
		return "rule source role does not exist";
	if (rule->to >= p->nroles)
		return "rule destination role does not exist";
	if (rule->proto != IPPROTO_TCP && rule->proto != IPPROTO_UDP &&
	    !is_icmp(rule->proto))
		return "rule protocol must be tcp, udp, icmp or icmpv6";
	if (rule->helper >= __IMGSEC_HELPER_MAX)
		return "unknown rule helper";
	if (rule->helper != IMGSEC_HELPER_NONE && is_icmp(rule->proto))
		return "helpers need tcp or udp";
	/* nf_conntrack_ftp only parses TCP; RPC lookups come over both. */
	if (rule->helper == IMGSEC_HELPER_FTP && rule->proto != IPPROTO_TCP)
		return "ftp helper needs tcp";
	if (strnlen(rule->comment, IMGSEC_COMMENT_LEN) == IMGSEC_COMMENT_LEN)
		return "rule comment too long";
	if (strnlen(rule->ports_text, IMGSEC_PORTS_TEXT_LEN) ==
	    IMGSEC_PORTS_TEXT_LEN)
		return "rule ports text too long";
	return check_ports(rule) ?: check_limit(rule) ?:
	       check_source_limit(rule) ?: check_source_max(rule);
}

int imgsec_policy_validate(const struct imgsec_policy_desc *p,
			   struct imgsec_policy_error *err)
{
	u32 i, nsource = 0;
	int ret;

	err->role = -1;
	err->prefix = -1;
	err->rule = -1;
	err->msg = check_header(p);
	if (err->msg)
		return -EINVAL;
	ret = check_roles(p, err);
	if (ret)
		return ret;
	for (i = 0; i < p->nrules; i++) {
		err->msg = check_rule(p, &p->rules[i]);
		if (!err->msg &&
		    (p->rules[i].source_rate || p->rules[i].source_max) &&
		    ++nsource > IMGSEC_MAX_SOURCE_RULES)
			err->msg = "too many rules with a per-source limit (at most 32)";
		if (err->msg) {
			err->rule = i;
			return -EINVAL;
		}
	}
	return 0;
}

void imgsec_policy_desc_release(struct imgsec_policy_desc *p)
{
	u32 r;

	for (r = 0; r < p->nroles && r < IMGSEC_MAX_ROLES; r++)
		imgsec_free(p->roles[r].prefixes);
	imgsec_free(p->rules);
	memset(p, 0, sizeof(*p));
}
