// SPDX-License-Identifier: GPL-2.0
/*
 * Printer of imgsec.conf(5): a desc back to text that parses to the same
 * desc. One canonical form, so that "imgsecctl show" output can be diffed
 * and fed to "imgsecctl set-policy": settings first, then roles, then rules,
 * each in desc order; ports as the file wrote them where the desc keeps
 * that text, else as numbers and ICMP types by name when they have one;
 * empty comments left out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_file.h"

#define ROLE_LINE_WIDTH	80	/* wrap role lines here, one address at least */

static const char *const mode_names[] = {
	[IMGSEC_MODE_ENFORCE] = "enforce",
	[IMGSEC_MODE_MONITOR] = "monitor",
};

static const char *const action_names[] = {
	[IMGSEC_ACTION_DROP] = "drop",
	[IMGSEC_ACTION_REJECT] = "reject",
};

static const char *const placement_names[] = {
	[IMGSEC_PLACEMENT_HOST] = "host",
	[IMGSEC_PLACEMENT_GATEWAY] = "gateway",
};

static const char *const helper_names[] = {
	[IMGSEC_HELPER_NONE] = "none",
	[IMGSEC_HELPER_RPC] = "rpc",
	[IMGSEC_HELPER_FTP] = "ftp",
};

static const char *const limit_unit_names[] = {
	[IMGSEC_LIMIT_UNIT_SECOND] = "s",
	[IMGSEC_LIMIT_UNIT_MINUTE] = "min",
};

#define NAME_OF(table, v) \
	((v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : NULL)

const char *policy_mode_name(unsigned int mode)
{
	return NAME_OF(mode_names, mode);
}

const char *policy_action_name(unsigned int action)
{
	return NAME_OF(action_names, action);
}

const char *policy_placement_name(unsigned int placement)
{
	return NAME_OF(placement_names, placement);
}

const char *policy_helper_name(unsigned int helper)
{
	return NAME_OF(helper_names, helper);
}

const char *policy_limit_unit_name(unsigned int unit)
{
	return NAME_OF(limit_unit_names, unit);
}

int policy_format_limit(char *buf, const struct imgsec_rule_desc *r)
{
	int n;

	buf[0] = '\0';
	if (!r->limit_rate)
		return 0;
	n = snprintf(buf, POLICY_LIMIT_TEXT_MAX, "limit %u/%s", r->limit_rate,
		     policy_limit_unit_name(r->limit_unit));
	if (r->limit_burst != r->limit_rate)
		n += snprintf(buf + n, POLICY_LIMIT_TEXT_MAX - n, " burst %u",
			      r->limit_burst);
	return n;
}

int policy_format_source_limit(char *buf, const struct imgsec_rule_desc *r)
{
	int n;

	buf[0] = '\0';
	if (!r->source_rate && !r->source_max)
		return 0;
	n = snprintf(buf, POLICY_LIMIT_TEXT_MAX, "per-source");
	if (r->source_rate)
		n += snprintf(buf + n, POLICY_LIMIT_TEXT_MAX - n, " %u/%s",
			      r->source_rate,
			      policy_limit_unit_name(r->source_unit));
	if (r->source_rate && r->source_burst != r->source_rate)
		n += snprintf(buf + n, POLICY_LIMIT_TEXT_MAX - n, " burst %u",
			      r->source_burst);
	if (r->source_max)
		n += snprintf(buf + n, POLICY_LIMIT_TEXT_MAX - n, " max %u",
			      r->source_max);
	return n;
}

const char *policy_proto_name(unsigned int proto)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	if (proto == IPPROTO_ICMP)
		return "icmp";
	if (proto == IPPROTO_ICMPV6)
		return "icmpv6";
	return NULL;
}

/* "192.0.2.0/24", or "192.0.2.1" for a whole address. */
static int format_prefix(char *buf, size_t size, const struct imgsec_prefix *p)
{
	unsigned int full = p->family == AF_INET ? 32 : 128;
	size_t n;

	if (!inet_ntop(p->family, p->addr, buf, size))
		return -EINVAL;
	n = strlen(buf);
	if (p->plen != full)
		snprintf(buf + n, size - n, "/%u", p->plen);
	return 0;
}

static void print_role(FILE *f, const struct imgsec_role_desc *r)
{
	char addr[INET6_ADDRSTRLEN + 4];
	size_t width = 0, n;
	u32 i;

	for (i = 0; i < r->nprefixes; i++) {
		format_prefix(addr, sizeof(addr), &r->prefixes[i]);
		n = strlen(addr);
		if (width && width + 1 + n > ROLE_LINE_WIDTH) {
			fputc('\n', f);
			width = 0;
		}
		if (!width)
			width = fprintf(f, "role %s", r->name);
		width += fprintf(f, " %s", addr);
	}
	if (!r->nprefixes)
		fprintf(f, "role %s", r->name);
	fputc('\n', f);
}

static void print_comment(FILE *f, const char *c)
{
	size_t n = strnlen(c, IMGSEC_COMMENT_LEN), i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char ch = c[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

#define PORTS_PAD_MAX	16	/* align comments unless ports are longer */

int policy_format_ports(char *buf, const struct imgsec_rule_desc *r)
{
	const char *name;
	size_t o = 0;
	unsigned int i;

	if (policy_ports_text_matches(r))
		return snprintf(buf, POLICY_PORTS_TEXT_MAX, "%s", r->ports_text);
	buf[0] = '\0';
	for (i = 0; i < r->nports && i < IMGSEC_MAX_PORT_RANGES; i++) {
		const struct imgsec_port_range *pr = &r->ports[i];

		name = pr->hi == pr->lo ?
		       policy_icmp_type_name(r->proto, pr->lo) : NULL;
		if (name) {
			o += snprintf(buf + o, POLICY_PORTS_TEXT_MAX - o,
				      i ? ",%s" : "%s", name);
			continue;
		}
		o += snprintf(buf + o, POLICY_PORTS_TEXT_MAX - o, i ? ",%u" : "%u",
			      pr->lo);
		if (pr->hi != pr->lo)
			o += snprintf(buf + o, POLICY_PORTS_TEXT_MAX - o, "-%u",
				      pr->hi);
	}
	return o;
}

/* Column widths, so that a long policy reads as a table. */
struct rule_widths {
	int from, to, ports, limit, helper;
};

/* Both limit options, each after a blank. */
#define LIMIT_OPTION_MAX	(2 * POLICY_LIMIT_TEXT_MAX + 2)

/* " limit 50/s", " limit 50/s per-source 5/s", " per-source 5/s" or "" */
static int format_limit_option(char *buf, const struct imgsec_rule_desc *r)
{
	char limit[POLICY_LIMIT_TEXT_MAX];
	int n = 0;

	buf[0] = '\0';
	if (policy_format_limit(limit, r))
		n += snprintf(buf + n, LIMIT_OPTION_MAX - n, " %s", limit);
	if (policy_format_source_limit(limit, r))
		n += snprintf(buf + n, LIMIT_OPTION_MAX - n, " %s", limit);
	return n;
}

static void print_rule(FILE *f, const struct imgsec_policy_desc *p,
		       const struct imgsec_rule_desc *r,
		       const struct rule_widths *w)
{
	char ports[POLICY_PORTS_TEXT_MAX], helper[16] = "";
	char limit[LIMIT_OPTION_MAX];

	policy_format_ports(ports, r);
	format_limit_option(limit, r);
	if (r->helper != IMGSEC_HELPER_NONE)
		snprintf(helper, sizeof(helper), " helper %s",
			 policy_helper_name(r->helper));
	if (!r->comment[0]) {
		fprintf(f, "allow %-*s -> %-*s %s %s%s%s\n", w->from,
			p->roles[r->from].name, w->to, p->roles[r->to].name,
			policy_proto_name(r->proto), ports, limit, helper);
		return;
	}
	fprintf(f, "allow %-*s -> %-*s %s %-*s%-*s%-*s ", w->from,
		p->roles[r->from].name, w->to, p->roles[r->to].name,
		policy_proto_name(r->proto), w->ports, ports, w->limit, limit,
		w->helper, helper);
	print_comment(f, r->comment);
	fputc('\n', f);
}

static void rule_widths(const struct imgsec_policy_desc *p,
			struct rule_widths *w)
{
	char ports[POLICY_PORTS_TEXT_MAX], limit[LIMIT_OPTION_MAX];
	int n;
	u32 i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < p->nrules; i++) {
		const struct imgsec_rule_desc *r = &p->rules[i];

		n = strlen(p->roles[r->from].name);
		w->from = n > w->from ? n : w->from;
		n = strlen(p->roles[r->to].name);
		w->to = n > w->to ? n : w->to;
		n = policy_format_ports(ports, r);
		if (n <= PORTS_PAD_MAX && n > w->ports)
			w->ports = n;
		n = format_limit_option(limit, r);
		w->limit = n > w->limit ? n : w->limit;
		if (r->helper != IMGSEC_HELPER_NONE)
			w->helper = strlen(" helper ") + 3;
	}
}

static bool printable_name(const char *s)
{
	size_t n = strnlen(s, IMGSEC_NAME_LEN), i;

	if (!n || n == IMGSEC_NAME_LEN || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

static bool printable_prefix(const struct imgsec_prefix *p)
{
	if (p->family == AF_INET)
		return p->plen <= 32;
	return p->family == AF_INET6 && p->plen <= 128;
}

static bool printable_rule(const struct imgsec_policy_desc *p,
			   const struct imgsec_rule_desc *r)
{
	return r->from < p->nroles && r->to < p->nroles &&
	       policy_proto_name(r->proto) && policy_helper_name(r->helper) &&
	       r->nports <= IMGSEC_MAX_PORT_RANGES &&
	       (!r->limit_rate || policy_limit_unit_name(r->limit_unit)) &&
	       (!r->source_rate || policy_limit_unit_name(r->source_unit));
}

/* Whether every value has a spelling, so that nothing is half printed. */
static bool printable(const struct imgsec_policy_desc *p)
{
	u32 i, j;

	if (!policy_mode_name(p->mode) ||
	    !policy_action_name(p->default_action) ||
	    !policy_placement_name(p->placement) ||
	    p->nroles > IMGSEC_MAX_ROLES || (p->nrules && !p->rules))
		return false;
	for (i = 0; i < p->nroles; i++) {
		if (!printable_name(p->roles[i].name))
			return false;
		if (p->roles[i].nprefixes && !p->roles[i].prefixes)
			return false;
		for (j = 0; j < p->roles[i].nprefixes; j++)
			if (!printable_prefix(&p->roles[i].prefixes[j]))
				return false;
	}
	for (i = 0; i < p->nrules; i++)
		if (!printable_rule(p, &p->rules[i]))
			return false;
	return true;
}

int policy_print(FILE *f, const struct imgsec_policy_desc *p)
{
	struct rule_widths w;
	u32 i;

	if (!printable(p))
		return -EINVAL;
	fprintf(f, "mode %s\ndefault %s\nplacement %s\n",
		policy_mode_name(p->mode), policy_action_name(p->default_action),
		policy_placement_name(p->placement));
	if (p->nroles)
		fputc('\n', f);
	for (i = 0; i < p->nroles; i++)
		print_role(f, &p->roles[i]);
	if (p->nrules)
		fputc('\n', f);
	rule_widths(p, &w);
	for (i = 0; i < p->nrules; i++)
		print_rule(f, p, &p->rules[i], &w);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

static bool role_equal(const struct imgsec_role_desc *a,
		       const struct imgsec_role_desc *b)
{
	u32 i;

	if (strncmp(a->name, b->name, IMGSEC_NAME_LEN) ||
	    a->nprefixes != b->nprefixes)
		return false;
	for (i = 0; i < a->nprefixes; i++) {
		const struct imgsec_prefix *x = &a->prefixes[i];
		const struct imgsec_prefix *y = &b->prefixes[i];

		if (memcmp(x, y, sizeof(*x)))
			return false;
	}
	return true;
}

/* Port names count as show prints them: a text it ignores does not. */
static bool rule_equal(const struct imgsec_rule_desc *a,
		       const struct imgsec_rule_desc *b)
{
	char pa[POLICY_PORTS_TEXT_MAX], pb[POLICY_PORTS_TEXT_MAX];

	if (a->from != b->from || a->to != b->to || a->proto != b->proto ||
	    a->helper != b->helper || a->limit_rate != b->limit_rate ||
	    a->limit_unit != b->limit_unit ||
	    a->limit_burst != b->limit_burst ||
	    a->source_rate != b->source_rate ||
	    a->source_unit != b->source_unit ||
	    a->source_burst != b->source_burst ||
	    a->source_max != b->source_max || a->nports != b->nports ||
	    a->nports > IMGSEC_MAX_PORT_RANGES ||
	    memcmp(a->ports, b->ports, a->nports * sizeof(a->ports[0])) ||
	    strncmp(a->comment, b->comment, IMGSEC_COMMENT_LEN))
		return false;
	policy_format_ports(pa, a);
	policy_format_ports(pb, b);
	return !strcmp(pa, pb);
}

uint32_t policy_count_prefixes(const struct imgsec_policy_desc *p)
{
	uint32_t i, n = 0;

	for (i = 0; i < p->nroles; i++)
		n += p->roles[i].nprefixes;
	return n;
}

bool policy_desc_equal(const struct imgsec_policy_desc *a,
		       const struct imgsec_policy_desc *b)
{
	u32 i;

	if (a->mode != b->mode || a->default_action != b->default_action ||
	    a->placement != b->placement || a->nroles != b->nroles ||
	    a->nrules != b->nrules || a->nroles > IMGSEC_MAX_ROLES)
		return false;
	for (i = 0; i < a->nroles; i++)
		if (!role_equal(&a->roles[i], &b->roles[i]))
			return false;
	for (i = 0; i < a->nrules; i++)
		if (!rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}
