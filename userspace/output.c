// SPDX-License-Identifier: GPL-2.0
/*
 * imgsecctl's output, text and JSON. The JSON writer is a few lines: it
 * tracks whether a comma is due at each depth, and escapes strings as
 * RFC 8259 asks (and replaces bytes that are not UTF-8).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "args.h"
#include "lockout.h"
#include "output.h"
#include "policy_file.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define JSON_MAX_DEPTH 8

struct json {
	FILE *f;
	unsigned int depth;
	bool comma[JSON_MAX_DEPTH];
};

/* Length of the valid UTF-8 sequence at @s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_print_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

static void j_sep(struct json *j, const char *key)
{
	if (j->comma[j->depth])
		fputc(',', j->f);
	j->comma[j->depth] = true;
	if (key) {
		json_print_string(j->f, key);
		fputc(':', j->f);
	}
}

static void j_open(struct json *j, const char *key, char c)
{
	j_sep(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->comma[j->depth] = false;
}

static void j_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth)
		j->depth--;
}

static void j_str(struct json *j, const char *key, const char *val)
{
	j_sep(j, key);
	if (val)
		json_print_string(j->f, val);
	else
		fputs("null", j->f);
}

static void j_u64(struct json *j, const char *key, uint64_t val)
{
	j_sep(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

static void j_bool(struct json *j, const char *key, bool val)
{
	j_sep(j, key);
	fputs(val ? "true" : "false", j->f);
}

static void j_null(struct json *j, const char *key)
{
	j_sep(j, key);
	fputs("null", j->f);
}

static void j_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j_open(j, NULL, '{');
}

static void j_finish(struct json *j)
{
	j_close(j, '}');
	fputc('\n', j->f);
}

void format_prefix(const struct imgsec_prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int af = p->family == AF_INET ? AF_INET : AF_INET6;

	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    !inet_ntop(af, p->addr, addr, sizeof(addr))) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%s/%u", addr, p->plen);
}

static const char *or_unknown(const char *name)
{
	return name ? name : "unknown";
}

/* --- status --------------------------------------------------------- */

void output_status(FILE *f, const struct imgsec_status *st,
		   uint32_t family_version, bool json)
{
	struct json j;

	if (!json) {
		fprintf(f, "module: imgsec %s (netlink family version %u)\n",
			st->version[0] ? st->version : "(version unknown)",
			family_version);
		if (st->has_netns_count)
			fprintf(f, "namespaces with imgsec state: %u\n",
				st->netns_count);
		if (st->has_policy)
			fprintf(f, "policy: active, %s mode, default %s, %s placement\n",
				or_unknown(policy_mode_name(st->mode)),
				or_unknown(policy_action_name(st->default_action)),
				or_unknown(policy_placement_name(st->placement)));
		else
			fprintf(f, "policy: none, all traffic passes\n");
		if (st->has_generation)
			fprintf(f, "generation: %u\n", st->generation);
		if (st->pending_secs)
			fprintf(f, "pending revert: the previous policy comes back in %u s unless 'imgsecctl confirm' is run\n",
				st->pending_secs);
		return;
	}
	j_begin(&j, f);
	j_str(&j, "version", st->version[0] ? st->version : NULL);
	j_u64(&j, "family_version", family_version);
	if (st->has_netns_count)
		j_u64(&j, "namespaces", st->netns_count);
	else
		j_null(&j, "namespaces");
	if (st->has_generation)
		j_u64(&j, "generation", st->generation);
	else
		j_null(&j, "generation");
	j_open(&j, "policy", '{');
	j_bool(&j, "active", st->has_policy);
	if (st->has_policy) {
		j_str(&j, "mode", policy_mode_name(st->mode));
		j_str(&j, "default", policy_action_name(st->default_action));
		j_str(&j, "placement", policy_placement_name(st->placement));
	}
	j_close(&j, '}');
	if (st->pending_secs)
		j_u64(&j, "pending_revert_secs", st->pending_secs);
	else
		j_null(&j, "pending_revert_secs");
	j_finish(&j);
}

/* --- show --json and the rules of stats ------------------------------ */

static const char *role_name(const struct imgsec_policy_desc *p, uint8_t idx)
{
	return idx < p->nroles ? p->roles[idx].name : "?";
}

static void proto_text(uint8_t proto, char *buf, size_t len)
{
	const char *name = policy_proto_name(proto);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", proto);
}

/* "limit": {"rate", "unit", "burst"} or null, and "limited". */
static void j_limit(struct json *j, const struct imgsec_rule_desc *r,
		    const struct rule_counters *cnt)
{
	if (!r->limit_rate) {
		j_null(j, "limit");
	} else {
		j_open(j, "limit", '{');
		j_u64(j, "rate", r->limit_rate);
		j_str(j, "unit", or_unknown(policy_limit_unit_name(r->limit_unit)));
		j_u64(j, "burst", r->limit_burst);
		j_close(j, '}');
	}
	j_u64(j, "limited", cnt ? cnt->limited : 0);
}

/*
 * "per_source": {"rate", "unit", "burst", "limited", "evicted", "max",
 * "capped"} or null; without a per-source rate its three are null, without
 * a cap "max" is.
 */
static void j_source_limit(struct json *j, const struct imgsec_rule_desc *r,
			   const struct rule_counters *cnt)
{
	if (!r->source_rate && !r->source_max) {
		j_null(j, "per_source");
		return;
	}
	j_open(j, "per_source", '{');
	if (r->source_rate) {
		j_u64(j, "rate", r->source_rate);
		j_str(j, "unit",
		      or_unknown(policy_limit_unit_name(r->source_unit)));
		j_u64(j, "burst", r->source_burst);
	} else {
		j_null(j, "rate");
		j_null(j, "unit");
		j_null(j, "burst");
	}
	j_u64(j, "limited", cnt ? cnt->source_limited : 0);
	j_u64(j, "evicted", cnt ? cnt->source_evicted : 0);
	if (r->source_max)
		j_u64(j, "max", r->source_max);
	else
		j_null(j, "max");
	j_u64(j, "capped", cnt ? cnt->source_capped : 0);
	j_close(j, '}');
}

static void j_rule(struct json *j, const struct imgsec_policy_desc *p,
		   uint32_t i, const struct rule_counters *cnt)
{
	const struct imgsec_rule_desc *r = &p->rules[i];
	char proto[16], ports[POLICY_PORTS_TEXT_MAX];
	unsigned int k;

	proto_text(r->proto, proto, sizeof(proto));
	j_open(j, NULL, '{');
	j_u64(j, "index", i);
	j_str(j, "from", role_name(p, r->from));
	j_str(j, "to", role_name(p, r->to));
	j_str(j, "proto", proto);
	j_open(j, "ports", '[');
	for (k = 0; k < r->nports && k < IMGSEC_MAX_PORT_RANGES; k++) {
		j_open(j, NULL, '{');
		j_u64(j, "lo", r->ports[k].lo);
		j_u64(j, "hi", r->ports[k].hi);
		j_close(j, '}');
	}
	j_close(j, ']');
	policy_format_ports(ports, r);
	j_str(j, "ports_text", ports);
	if (r->helper == IMGSEC_HELPER_NONE)
		j_null(j, "helper");
	else
		j_str(j, "helper", or_unknown(policy_helper_name(r->helper)));
	j_str(j, "comment", r->comment);
	j_u64(j, "packets", cnt ? cnt->packets : 0);
	j_u64(j, "bytes", cnt ? cnt->bytes : 0);
	j_limit(j, r, cnt);
	j_source_limit(j, r, cnt);
	j_close(j, '}');
}

/* Each line of what lockout_print() says, as a string of array @key. */
static void j_lockouts(struct json *j, const struct lockout_report *lr)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	j_open(j, "lockouts", '[');
	if (m) {
		lockout_print(m, lr, "");
		fclose(m);
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			j_str(j, NULL, line);
	}
	free(text);
	j_close(j, ']');
}

void output_check_json(FILE *f, const char *file,
		       const struct imgsec_policy_desc *p,
		       const struct policy_diag *diag,
		       const struct lockout_report *lr)
{
	struct json j;
	unsigned int i;

	j_begin(&j, f);
	j_str(&j, "file", strcmp(file, "-") ? file : "<stdin>");
	j_bool(&j, "valid", p);
	if (!p) {
		j_open(&j, "error", '{');
		j_str(&j, "message", diag->msg);
		j_u64(&j, "line", diag->line);
		j_u64(&j, "column", diag->col);
		j_close(&j, '}');
		j_finish(&j);
		return;
	}
	j_u64(&j, "roles", p->nroles);
	j_u64(&j, "addresses", policy_count_prefixes(p));
	j_u64(&j, "rules", p->nrules);
	j_open(&j, "warnings", '[');
	for (i = 0; i < diag->nwarnings && i < POLICY_WARN_MAX; i++)
		j_str(&j, NULL, diag->warnings[i]);
	j_close(&j, ']');
	j_u64(&j, "more_warnings", diag->more_warnings);
	if (lr)
		j_lockouts(&j, lr);
	j_finish(&j);
}

void output_policy_json(FILE *f, const struct policy_dump *d)
{
	const struct imgsec_policy_desc *p = &d->desc;
	char buf[64];
	struct json j;
	uint32_t i, k;

	j_begin(&j, f);
	if (d->have_generation)
		j_u64(&j, "generation", d->generation);
	else
		j_null(&j, "generation");
	if (!d->active) {
		j_null(&j, "policy");
		j_finish(&j);
		return;
	}
	j_open(&j, "policy", '{');
	j_str(&j, "mode", policy_mode_name(p->mode));
	j_str(&j, "default", policy_action_name(p->default_action));
	j_str(&j, "placement", policy_placement_name(p->placement));
	j_open(&j, "roles", '[');
	for (i = 0; i < p->nroles; i++) {
		j_open(&j, NULL, '{');
		j_str(&j, "name", p->roles[i].name);
		j_open(&j, "prefixes", '[');
		for (k = 0; k < p->roles[i].nprefixes; k++) {
			format_prefix(&p->roles[i].prefixes[k], buf,
				      sizeof(buf));
			j_str(&j, NULL, buf);
		}
		j_close(&j, ']');
		j_close(&j, '}');
	}
	j_close(&j, ']');
	j_open(&j, "rules", '[');
	for (i = 0; i < p->nrules; i++)
		j_rule(&j, p, i, d->counters ? &d->counters[i] : NULL);
	j_close(&j, ']');
	j_close(&j, '}');
	j_finish(&j);
}

/* --- stats ---------------------------------------------------------- */

struct counter_name {
	unsigned int type;
	const char *name;
	const char *what;
};

static const struct counter_name hook_counters[] = {
	{ IMGSEC_STATS_A_ESTABLISHED, "established",
	  "passed as established or related" },
	{ IMGSEC_STATS_A_ACCEPTED, "accepted", "new, matched a rule" },
	{ IMGSEC_STATS_A_DROPPED, "dropped",
	  "new, no rule: dropped or rejected" },
	{ IMGSEC_STATS_A_WOULD_DROP, "would_drop",
	  "new, no rule: passed in monitor mode" },
	{ IMGSEC_STATS_A_INVALID, "invalid", "conntrack said invalid" },
	{ IMGSEC_STATS_A_UNFILTERED, "unfiltered",
	  "loopback, neighbour discovery, MLD, IGMP" },
	{ IMGSEC_STATS_A_LOG_SUPPRESSED, "log_suppressed",
	  "drop log lines over the rate limit" },
	{ IMGSEC_STATS_A_EVENTS_SUPPRESSED, "events_suppressed",
	  "events over the rate limit" },
	{ IMGSEC_STATS_A_LIMITED, "limited",
	  "new, over its rule's limit: refused (monitor mode: passed)" },
	{ IMGSEC_STATS_A_SOURCE_LIMITED, "source_limited",
	  "new, over its source's limit: refused (monitor mode: passed)" },
	{ IMGSEC_STATS_A_SOURCE_CAPPED, "source_capped",
	  "new, its source at its max: refused (monitor mode: passed)" },
};

static const struct counter_name rpc_counters[] = {
	{ IMGSEC_RPC_STATS_A_CALLS, "calls", "lookup calls remembered" },
	{ IMGSEC_RPC_STATS_A_REPLIES, "replies", "replies matched to a call" },
	{ IMGSEC_RPC_STATS_A_EXPECTED, "expected", "expectations created" },
	{ IMGSEC_RPC_STATS_A_NOT_ALLOWED, "not_allowed",
	  "program not on the allow-list" },
	{ IMGSEC_RPC_STATS_A_UNMATCHED, "unmatched",
	  "replies with no pending call" },
	{ IMGSEC_RPC_STATS_A_PARSE_ERRORS, "parse_errors",
	  "records not understood" },
	{ IMGSEC_RPC_STATS_A_OVERFLOWS, "overflows",
	  "pending-call or memory bound hit" },
	{ IMGSEC_RPC_STATS_A_NOT_REGISTERED, "not_registered",
	  "port 0 or empty address: not registered" },
	{ IMGSEC_RPC_STATS_A_BAD_ADDRESS, "bad_address",
	  "returned address is not the server" },
	{ IMGSEC_RPC_STATS_A_EXPECT_FAILED, "expect_failed",
	  "conntrack refused the expectation" },
	{ IMGSEC_RPC_STATS_A_UNTRUSTED, "untrusted",
	  "flows no longer trusted: xid reused, call unread, missed or resent" },
	{ IMGSEC_RPC_STATS_A_WRONG_SIDE, "wrong_side",
	  "replies that came in by the client's own interface" },
	{ IMGSEC_RPC_STATS_A_TCP_STATES, "tcp_states",
	  "portmap TCP connections followed now" },
	{ IMGSEC_RPC_STATS_A_FIRST_DROPPED, "first_dropped",
	  "UDP first packets dropped unread: a twin of a shared entry, or too many at once" },
	{ IMGSEC_RPC_STATS_A_NAT_REWRITTEN, "nat_rewritten",
	  "replies whose address or port was rewritten for NAT" },
	{ IMGSEC_RPC_STATS_A_NAT_FAILED, "nat_failed",
	  "replies NAT needed rewritten that could not be: nothing opened" },
	{ IMGSEC_RPC_STATS_A_NAT_GAPS, "nat_gaps",
	  "TCP reply segments behind DNAT dropped past a gap, for the server to send again" },
};

static void text_counters(FILE *f, const char *title,
			  const struct counter_name *names, size_t n,
			  const bool *set, const uint64_t *val)
{
	size_t i;

	fprintf(f, "%s:\n", title);
	for (i = 0; i < n; i++) {
		if (!set[names[i].type])
			continue;
		fprintf(f, "  %-16s %14" PRIu64 "  %s\n", names[i].name,
			val[names[i].type], names[i].what);
	}
}

static void j_counters(struct json *j, const char *key,
		       const struct counter_name *names, size_t n,
		       const bool *set, const uint64_t *val)
{
	size_t i;

	j_open(j, key, '{');
	for (i = 0; i < n; i++)
		if (set[names[i].type])
			j_u64(j, names[i].name, val[names[i].type]);
	j_close(j, '}');
}

/*
 * The line under a rule with a per-source limit: "per-source 5/s max 4: 3
 * limited, 0 sources evicted, 2 capped" (the rate's counters without a
 * rate, the cap's without a cap, left out).
 */
static void print_source_limit(FILE *f, const struct imgsec_rule_desc *r,
			       const struct rule_counters *c)
{
	char src[POLICY_LIMIT_TEXT_MAX];
	const char *sep = "";

	if (!policy_format_source_limit(src, r))
		return;
	fprintf(f, "        %s:", src);
	if (r->source_rate) {
		fprintf(f, " %" PRIu64 " limited, %" PRIu64 " sources evicted",
			c ? c->source_limited : 0, c ? c->source_evicted : 0);
		sep = ",";
	}
	if (r->source_max)
		fprintf(f, "%s %" PRIu64 " capped", sep,
			c ? c->source_capped : 0);
	fputc('\n', f);
}

void output_stats(FILE *f, const struct imgsec_stats *s,
		  const struct policy_dump *d, bool json)
{
	const struct imgsec_policy_desc *p = d ? &d->desc : NULL;
	char ports[POLICY_PORTS_TEXT_MAX], proto[16], dir[80], limited[24];
	struct json j;
	uint32_t i;

	if (json) {
		j_begin(&j, f);
		if (s->has_hook)
			j_counters(&j, "hook", hook_counters,
				   ARRAY_SIZE(hook_counters), s->hook_set,
				   s->hook);
		else
			j_null(&j, "hook");
		if (s->has_rpc)
			j_counters(&j, "rpc", rpc_counters,
				   ARRAY_SIZE(rpc_counters), s->rpc_set,
				   s->rpc);
		else
			j_null(&j, "rpc");
		if (!d) {
			j_null(&j, "policy_active");
			j_null(&j, "rules");
			j_finish(&j);
			return;
		}
		j_bool(&j, "policy_active", d->active);
		j_open(&j, "rules", '[');
		for (i = 0; d->active && i < p->nrules; i++)
			j_rule(&j, p, i, d->counters ? &d->counters[i] : NULL);
		j_close(&j, ']');
		j_finish(&j);
		return;
	}
	if (s->has_hook)
		text_counters(f, "policy hook", hook_counters,
			      ARRAY_SIZE(hook_counters), s->hook_set, s->hook);
	if (s->has_rpc)
		text_counters(f, "rpc helper " IMGSEC_RPC_HELPER_NAME,
			      rpc_counters, ARRAY_SIZE(rpc_counters),
			      s->rpc_set, s->rpc);
	if (!d) {
		fprintf(f, "rules: not shown (reading the policy needs CAP_NET_ADMIN)\n");
		return;
	}
	if (!d->active) {
		fprintf(f, "rules: no policy set: all traffic passes\n");
		return;
	}
	fprintf(f, "rules:\n  %4s  %-28s %-6s %-16s %14s %16s %12s  %s\n", "#",
		"from -> to", "proto", "ports", "packets", "bytes", "limited",
		"comment");
	for (i = 0; i < p->nrules; i++) {
		const struct imgsec_rule_desc *r = &p->rules[i];

		snprintf(dir, sizeof(dir), "%s -> %s", role_name(p, r->from),
			 role_name(p, r->to));
		proto_text(r->proto, proto, sizeof(proto));
		policy_format_ports(ports, r);
		limited[0] = '-';
		limited[1] = '\0';
		if (r->limit_rate)
			snprintf(limited, sizeof(limited), "%" PRIu64,
				 d->counters ? d->counters[i].limited : 0);
		fprintf(f, "  %4u  %-28s %-6s %-16s %14" PRIu64 " %16" PRIu64 " %12s  %s\n",
			i, dir, proto, ports,
			d->counters ? d->counters[i].packets : 0,
			d->counters ? d->counters[i].bytes : 0, limited,
			r->comment);
		print_source_limit(f, r, d->counters ? &d->counters[i] : NULL);
	}
}

/* --- rpc ------------------------------------------------------------ */

void output_rpc(FILE *f, const struct imgsec_rpc_settings *rpc, bool json)
{
	const char *name;
	struct json j;
	unsigned int i;

	if (json) {
		j_begin(&j, f);
		if (rpc->has_timeout)
			j_u64(&j, "timeout", rpc->timeout_secs);
		else
			j_null(&j, "timeout");
		j_open(&j, "programs", '[');
		for (i = 0; i < rpc->nprograms; i++) {
			j_open(&j, NULL, '{');
			j_u64(&j, "program", rpc->programs[i]);
			j_str(&j, "name", rpc_program_name(rpc->programs[i]));
			j_close(&j, '}');
		}
		j_close(&j, ']');
		j_finish(&j);
		return;
	}
	if (rpc->has_timeout)
		fprintf(f, "expectation timeout: %u s\n", rpc->timeout_secs);
	fprintf(f, "allowed programs:");
	for (i = 0; i < rpc->nprograms; i++) {
		name = rpc_program_name(rpc->programs[i]);
		fprintf(f, "%s %u", i ? "," : "", rpc->programs[i]);
		if (name)
			fprintf(f, " (%s)", name);
	}
	fprintf(f, "%s\n", rpc->nprograms ? "" : " none");
}

/* --- monitor -------------------------------------------------------- */

static const char *event_proto(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

static const char *event_name(const struct imgsec_event *ev, char *buf,
			      size_t len)
{
	if (ev->type == IMGSEC_EVENT_DROP)
		return ev->monitor ? "would-drop" : "drop";
	if (ev->type == IMGSEC_EVENT_EXPECT)
		return "expect";
	if (ev->type == IMGSEC_EVENT_LIMIT)
		return ev->monitor ? "would-limit" : "limit";
	snprintf(buf, len, "event-%u", ev->type);
	return buf;
}

/* Which limit a limit event's connection was over, as the policy says it. */
static const char *event_limit(uint8_t limit, char *buf, size_t len)
{
	static const char *const names[] = {
		[IMGSEC_LIMIT_RULE] = "limit",
		[IMGSEC_LIMIT_SOURCE_RATE] = "per-source",
		[IMGSEC_LIMIT_SOURCE_MAX] = "per-source-max",
	};

	if (limit < sizeof(names) / sizeof(names[0]))
		return names[limit];
	snprintf(buf, len, "limit-%u", limit);
	return buf;
}

/* "192.0.2.1:22", "[2001:db8::1]:22", ":*" for port 0 (any). */
static void endpoint(const struct imgsec_event *ev, const uint8_t *addr,
		     bool has, uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?", p[8] = "*";

	if (has)
		inet_ntop(ev->family, addr, a, sizeof(a));
	if (port)
		snprintf(p, sizeof(p), "%u", port);
	if (!has_ports(ev->proto))
		snprintf(buf, len, "%s", a);
	else if (ev->family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", a, p);
	else
		snprintf(buf, len, "%s:%s", a, p);
}

void format_time_ns(uint64_t ns, bool utc, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000);
	unsigned int ms = (unsigned int)(ns % 1000000000 / 1000000);
	struct tm tm;
	long off;
	size_t n;

	if (!(utc ? gmtime_r(&secs, &tm) : localtime_r(&secs, &tm)) ||
	    !(n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(buf, len, "?");
		return;
	}
	if (utc) {
		snprintf(buf + n, len - n, ".%03uZ", ms);
		return;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(buf + n, len - n, ".%03u%c%02ld:%02ld", ms,
		 off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
		 (off < 0 ? -off : off) % 60);
}

void output_monitor_note(FILE *f, enum monitor_note note, uint64_t lost,
			 uint64_t time_ns, bool json)
{
	static const char *const names[] = {
		[MONITOR_NOTE_UNLOADED] = "module-unloaded",
		[MONITOR_NOTE_LOADED] = "module-loaded",
		[MONITOR_NOTE_LOST] = "events-lost",
	};
	char t[48];
	struct json j;

	format_time_ns(time_ns, json, t, sizeof(t));
	if (json) {
		j_begin(&j, f);
		j_str(&j, "event", names[note]);
		j_str(&j, "time", t);
		if (note == MONITOR_NOTE_LOST) {
			if (lost)
				j_u64(&j, "lost", lost);
			else
				j_null(&j, "lost");
		}
		j_finish(&j);
		return;
	}
	fprintf(f, "%s imgsecctl: monitor: ", t);
	if (note == MONITOR_NOTE_UNLOADED)
		fprintf(f, "the imgsec module was unloaded; waiting for it to be loaded again\n");
	else if (note == MONITOR_NOTE_LOADED)
		fprintf(f, "the imgsec module was loaded again; listening\n");
	else if (lost)
		fprintf(f, "%" PRIu64 " event%s lost (receive buffer overrun)\n",
			lost, lost == 1 ? "" : "s");
	else
		fprintf(f, "events lost (receive buffer overrun)\n");
}

void output_event(FILE *f, const struct imgsec_event *ev, bool json)
{
	char src[64], dst[64], pbuf[8], nbuf[16], lbuf[16];
	char a[INET6_ADDRSTRLEN];
	const char *pname = ev->has_program ? rpc_program_name(ev->program) :
			    NULL;
	char t[48] = "";
	struct json j;

	if (ev->has_time)
		format_time_ns(ev->time_ns, json, t, sizeof(t));
	if (json) {
		j_begin(&j, f);
		j_str(&j, "event", event_name(ev, nbuf, sizeof(nbuf)));
		if (ev->has_time)
			j_str(&j, "time", t);
		j_str(&j, "family", ev->family == AF_INET ? "ipv4" : "ipv6");
		j_str(&j, "proto", event_proto(ev->proto, pbuf, sizeof(pbuf)));
		if (ev->has_saddr) {
			inet_ntop(ev->family, ev->saddr, a, sizeof(a));
			j_str(&j, "saddr", a);
		}
		j_u64(&j, "sport", ev->sport);
		if (ev->has_daddr) {
			inet_ntop(ev->family, ev->daddr, a, sizeof(a));
			j_str(&j, "daddr", a);
		}
		j_u64(&j, "dport", ev->dport);
		if (ev->has_program) {
			j_u64(&j, "program", ev->program);
			j_str(&j, "program_name", pname);
		}
		if (ev->suppressed)
			j_u64(&j, "suppressed_before", ev->suppressed);
		if (ev->ifname[0])
			j_str(&j, "ifname", ev->ifname);
		if (ev->has_ifindex)
			j_u64(&j, "ifindex", ev->ifindex);
		if (ev->has_generation)
			j_u64(&j, "generation", ev->generation);
		if (ev->has_rule)
			j_u64(&j, "rule", ev->rule);
		if (ev->has_limit)
			j_str(&j, "over", event_limit(ev->limit, lbuf,
						      sizeof(lbuf)));
		j_finish(&j);
		return;
	}
	/* "TIME " before each line, when the time is known. */
	if (t[0])
		strcat(t, " ");
	if (ev->suppressed)
		fprintf(f, "%s%u event%s suppressed (over the rate limit)\n", t,
			ev->suppressed, ev->suppressed == 1 ? "" : "s");
	endpoint(ev, ev->saddr, ev->has_saddr, ev->sport, src, sizeof(src));
	endpoint(ev, ev->daddr, ev->has_daddr, ev->dport, dst, sizeof(dst));
	fprintf(f, "%s%s %s %s -> %s", t, event_name(ev, nbuf, sizeof(nbuf)),
		event_proto(ev->proto, pbuf, sizeof(pbuf)), src, dst);
	if (ev->has_program) {
		fprintf(f, " program %u", ev->program);
		if (pname)
			fprintf(f, " (%s)", pname);
	}
	if (ev->ifname[0])
		fprintf(f, " dev %s", ev->ifname);
	else if (ev->has_ifindex)
		fprintf(f, " ifindex %u", ev->ifindex);
	if (ev->has_generation)
		fprintf(f, " generation %u", ev->generation);
	if (ev->has_rule)
		fprintf(f, " rule %u", ev->rule);
	if (ev->has_limit)
		fprintf(f, " over %s", event_limit(ev->limit, lbuf,
						   sizeof(lbuf)));
	fputc('\n', f);
}
