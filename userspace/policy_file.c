// SPDX-License-Identifier: GPL-2.0
/*
 * Parser of imgsec.conf(5): one statement per line, words separated by
 * blanks, "#" to the end of the line is a comment.
 *
 *	mode enforce|monitor
 *	default drop|reject
 *	placement host|gateway
 *	role NAME [ADDRESS[/LEN]]...
 *	allow FROM -> TO tcp|udp PORTS [limit RATE [burst N]]
 *		[per-source RATE [burst N]] [helper rpc|ftp]
 *		["comment"]
 *	allow FROM -> TO icmp|icmpv6 TYPES [limit RATE [burst N]]
 *		[per-source RATE [burst N]] ["comment"]
 *
 * (limit, per-source and helper in any order; RATE is N/s, N/second, N/min or
 * N/minute.)
 *
 * Every error stops the parse and names file:line:column and what was
 * expected there. The finished desc then goes through the checks the kernel
 * runs, imgsec_policy_validate(), whose verdict is mapped back to the line
 * of the role, address or rule it blames.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy_file.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define QUOTE_MAX	48	/* bytes of a bad word quoted in a message */
#define QUOTE_SIZE	(QUOTE_MAX * 4 + 8)

struct loc {
	unsigned int file;	/* index in parser.files */
	unsigned int line;
	unsigned int col;
};

/* The top file and every file it includes, kept until the parse ends. */
struct src_file {
	char *name;		/* as messages say it */
	char *dir;		/* relative includes start here; NULL: none */
	const char *buf;
	size_t len;
	bool owned;		/* buf and name are ours to free */
	bool has_id;		/* dev and ino are known (not a buffer) */
	dev_t dev;
	ino_t ino;
	unsigned int parent;	/* the including file, for a top file itself */
	unsigned int parent_line;	/* 0 for the top file */
	unsigned int depth;
};

struct parser {
	const char *name;		/* file name for messages */
	struct policy_diag *diag;
	struct imgsec_policy_desc *desc;
	const struct policy_parse_opts *opts;
	struct src_file *files;
	unsigned int nfiles, files_cap;
	unsigned int cur;		/* the file being read, in files */
	size_t total;			/* bytes in all files */
	struct loc self_loc;		/* where built-in self was filled */

	const char *line;		/* the current line, without newline */
	size_t len;
	size_t pos;			/* cursor in it */
	unsigned int lineno;

	unsigned int mode_line;		/* where each setting was made, or 0 */
	unsigned int default_line;
	unsigned int placement_line;
	struct loc role_loc[IMGSEC_MAX_ROLES];	/* first "role NAME" */
	struct loc *prefix_loc[IMGSEC_MAX_ROLES];
	u32 prefix_cap[IMGSEC_MAX_ROLES];
	u32 nprefixes;			/* in all roles */
	struct loc *rule_loc;
	u32 rule_cap;
};

enum token_type {
	TOK_END,	/* end of line or start of a "#" comment */
	TOK_WORD,
	TOK_STRING,	/* from '"' through its closing '"' */
};

struct token {
	enum token_type type;
	bool open;		/* a TOK_STRING with no closing quote */
	const char *s;
	size_t n;
	unsigned int col;
};

struct port_name {
	const char *name;
	u16 port;
};

/*
 * A small fixed table, on purpose not /etc/services: a policy must mean the
 * same on every host. Keep in step with imgsec.conf(5).
 */
static const struct port_name port_names[] = {
	{ "ftp-data",		20 },
	{ "ftp",		21 },
	{ "ssh",		22 },
	{ "telnet",		23 },
	{ "domain",		53 },
	{ "http",		80 },
	{ "sunrpc",		111 },
	{ "portmap",		111 },
	{ "rpcbind",		111 },
	{ "ntp",		123 },
	{ "snmp",		161 },
	{ "snmp-trap",		162 },
	{ "snmptrap",		162 },
	{ "https",		443 },
	{ "radius",		1812 },
	{ "radius-acct",	1813 },
	{ "nfs",		2049 },
};

/*
 * ICMP and ICMPv6 message types, by the names nft uses; "echo" is short
 * for echo-request. The first name of a type is the one printed.
 */
static const struct port_name icmp_types[] = {
	{ "echo-reply",			0 },
	{ "destination-unreachable",	3 },
	{ "source-quench",		4 },
	{ "redirect",			5 },
	{ "echo-request",		8 },
	{ "echo",			8 },
	{ "router-advertisement",	9 },
	{ "router-solicitation",	10 },
	{ "time-exceeded",		11 },
	{ "parameter-problem",		12 },
	{ "timestamp-request",		13 },
	{ "timestamp-reply",		14 },
	{ "info-request",		15 },
	{ "info-reply",			16 },
	{ "address-mask-request",	17 },
	{ "address-mask-reply",		18 },
};

static const struct port_name icmpv6_types[] = {
	{ "destination-unreachable",	1 },
	{ "packet-too-big",		2 },
	{ "time-exceeded",		3 },
	{ "parameter-problem",		4 },
	{ "echo-request",		128 },
	{ "echo",			128 },
	{ "echo-reply",			129 },
	{ "mld-listener-query",		130 },
	{ "mld-listener-report",	131 },
	{ "mld-listener-done",		132 },
	{ "nd-router-solicit",		133 },
	{ "nd-router-advert",		134 },
	{ "nd-neighbor-solicit",	135 },
	{ "nd-neighbor-advert",		136 },
	{ "nd-redirect",		137 },
	{ "mld2-listener-report",	143 },
};

/* What the list after a rule's protocol holds: ports, or ICMP types. */
struct port_space {
	const struct port_name *names;
	size_t nnames;
	unsigned long min, max;
	const char *what;	/* "port", "icmp type" */
	const char *expected;	/* for "expected ..., got" */
};

static const struct port_space ports_space = {
	port_names, ARRAY_SIZE(port_names), 1, 65535, "port",
	"a port, a range or a port name",
};

static const struct port_space icmp_space = {
	icmp_types, ARRAY_SIZE(icmp_types), 0, IMGSEC_MAX_ICMP_TYPE,
	"icmp type", "an icmp type: a name, a number or a range",
};

static const struct port_space icmpv6_space = {
	icmpv6_types, ARRAY_SIZE(icmpv6_types), 0, IMGSEC_MAX_ICMP_TYPE,
	"icmpv6 type", "an icmpv6 type: a name, a number or a range",
};

static const struct port_space *space_of(u8 proto)
{
	if (proto == IPPROTO_ICMP)
		return &icmp_space;
	if (proto == IPPROTO_ICMPV6)
		return &icmpv6_space;
	return &ports_space;
}

const char *policy_icmp_type_name(unsigned int proto, unsigned int type)
{
	const struct port_space *sp = space_of(proto);
	size_t i;

	if (sp == &ports_space)
		return NULL;
	for (i = 0; i < sp->nnames; i++)
		if (sp->names[i].port == type)
			return sp->names[i].name;
	return NULL;
}

/* The line @col is in, or its part around @col, for policy_diag_print(). */
static void diag_source(struct policy_diag *d, const struct parser *ps,
			unsigned int col)
{
	size_t from = 0, n = ps->len, i;

	d->src[0] = '\0';
	d->src_col = 0;
	if (!col || !ps->line)
		return;
	if (n > POLICY_SRC_MAX) {
		if (col > POLICY_SRC_MAX / 2)
			from = col - POLICY_SRC_MAX / 2;
		if (from > n - POLICY_SRC_MAX)
			from = n - POLICY_SRC_MAX;
		n = POLICY_SRC_MAX;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = ps->line[from + i];

		d->src[i] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : c;
	}
	d->src[n] = '\0';
	/* Past the end of the line: after its last byte. */
	d->src_col = col - from <= n ? col - from : n + 1;
}

void policy_diag_print(FILE *f, const struct policy_diag *d)
{
	unsigned int i;

	fprintf(f, "%s\n", d->msg);
	if (!d->src_col) {
		if (d->context[0])
			fprintf(f, "  (%s)\n", d->context);
		return;
	}
	fprintf(f, "  %s\n  ", d->src);
	/* Tabs stay tabs, so that the caret lines up under them. */
	for (i = 0; i + 1 < d->src_col && d->src[i]; i++)
		fputc(d->src[i] == '\t' ? '\t' : ' ', f);
	fputs("^\n", f);
	if (d->context[0])
		fprintf(f, "  (%s)\n", d->context);
}

/* "included from b.conf:2, from a.conf:5" for a place in an include. */
static void include_context(const struct parser *ps, struct policy_diag *d)
{
	const struct src_file *f;
	size_t o = 0;

	d->context[0] = '\0';
	if (!ps->files)
		return;
	for (f = &ps->files[ps->cur]; f->parent_line && o < sizeof(d->context);
	     f = &ps->files[f->parent])
		o += snprintf(d->context + o, sizeof(d->context) - o,
			      "%s %s:%u", o ? ", from" : "included from",
			      ps->files[f->parent].name, f->parent_line);
}

static int parse_error(struct parser *ps, unsigned int col,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_error(struct parser *ps, unsigned int col,
		       const char *fmt, ...)
{
	struct policy_diag *d = ps->diag;
	size_t n;
	va_list ap;

	d->line = ps->lineno;
	d->col = col;
	diag_source(d, ps, col);
	if (col)
		n = snprintf(d->msg, sizeof(d->msg), "%s:%u:%u: ", ps->name,
			     ps->lineno, col);
	else if (ps->lineno)
		n = snprintf(d->msg, sizeof(d->msg), "%s:%u: ", ps->name,
			     ps->lineno);
	else
		n = snprintf(d->msg, sizeof(d->msg), "%s: ", ps->name);
	include_context(ps, d);
	if (n >= sizeof(d->msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(d->msg + n, sizeof(d->msg) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "line 3" in the file @here, else "roles.d/a.conf:3". */
static const char *line_ref(const struct parser *ps, char *buf, size_t size,
			    unsigned int here, struct loc ref)
{
	if (ref.file == here)
		snprintf(buf, size, "line %u", ref.line);
	else
		snprintf(buf, size, "%s:%u", ps->files[ref.file].name,
			 ref.line);
	return buf;
}

static int out_of_memory(struct parser *ps)
{
	parse_error(ps, 0, "out of memory");
	return -ENOMEM;
}

/* @s,@n in double quotes, unprintable bytes as \xHH, long words cut. */
static const char *quote(char *buf, size_t size, const char *s, size_t n)
{
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (i == QUOTE_MAX || o + 8 > size) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f)
			o += snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* What a message says it got instead: end of line, or the token quoted. */
/* Words longer than this are never taken for a typo of a keyword. */
#define TYPO_MAX	32

/* Edits (insert, delete, replace, swap two neighbours) from @a to @b. */
static unsigned int edit_distance(const char *a, size_t n, const char *b)
{
	unsigned int d[TYPO_MAX + 1][TYPO_MAX + 1], v;
	size_t m = strlen(b), i, j;

	if (n > TYPO_MAX || m > TYPO_MAX)
		return TYPO_MAX;
	for (i = 0; i <= n; i++)
		d[i][0] = i;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= m; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

/*
 * " (did you mean \"allow\"?)" when @s (@n > 0 bytes) is one edit (two, for
 * words of more than four letters) from one of @nwords names, the first
 * field of elements @stride bytes apart from @names; else "".
 */
static const char *did_you_mean(char *buf, size_t size, const char *s,
				size_t n, const void *names, size_t nwords,
				size_t stride)
{
	unsigned int best = (n > 4 ? 2 : 1) + 1, d;
	const char *word = NULL, *w;
	size_t i;

	for (i = 0; i < nwords; i++) {
		w = *(const char *const *)((const char *)names + i * stride);
		d = edit_distance(s, n, w);
		/* A tie goes to a word with the same first letter. */
		if (d && (d < best || (d == best && word && w[0] == s[0] &&
					 word[0] != s[0]))) {
			word = w;
			best = d;
		}
	}
	if (!word)
		return "";
	snprintf(buf, size, " (did you mean \"%s\"?)", word);
	return buf;
}

static const char *describe(char *buf, size_t size, const struct token *t)
{
	if (t->type == TOK_END)
		return "end of line";
	if (t->type == TOK_STRING)
		return "a comment string";
	return quote(buf, size, t->s, t->n);
}

static bool token_is(const struct token *t, const char *word)
{
	return t->type == TOK_WORD && t->n == strlen(word) &&
	       !memcmp(t->s, word, t->n);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Length of a quoted string at @s through its closing quote, or 0. */
static size_t string_span(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

static void next_token(struct parser *ps, struct token *t)
{
	const char *s;
	size_t n, i;

	while (ps->pos < ps->len && is_blank(ps->line[ps->pos]))
		ps->pos++;
	s = ps->line + ps->pos;
	n = ps->len - ps->pos;
	t->s = s;
	t->col = ps->pos + 1;
	if (!n || *s == '#') {
		t->type = TOK_END;
		t->n = 0;
		return;
	}
	t->open = false;
	if (*s == '"') {
		t->type = TOK_STRING;
		t->n = string_span(s, n);
		t->open = !t->n;
		if (t->open)
			t->n = n;
	} else {
		for (i = 0; i < n; i++)
			if (is_blank(s[i]) || s[i] == '#' || s[i] == '"')
				break;
		t->type = TOK_WORD;
		t->n = i;
	}
	ps->pos += t->n;
}

static int expect_end(struct parser *ps, const char *after)
{
	struct token t;
	char q[QUOTE_SIZE];

	next_token(ps, &t);
	if (t.type == TOK_END)
		return 0;
	return parse_error(ps, t.col, "expected end of line after %s, got %s",
			   after, describe(q, sizeof(q), &t));
}

/* "mode", "default", "placement": a keyword out of two. */
static int parse_setting(struct parser *ps, const struct token *kw,
			 unsigned int *where, const char *const choice[2],
			 u8 *value)
{
	struct token t;
	char q[QUOTE_SIZE];
	int i;

	if (*where)
		return parse_error(ps, kw->col, "%.*s already set on line %u",
				   (int)kw->n, kw->s, *where);
	next_token(ps, &t);
	for (i = 0; i < 2; i++) {
		if (token_is(&t, choice[i])) {
			char what[32];

			*where = ps->lineno;
			*value = i;
			snprintf(what, sizeof(what), "\"%.*s %s\"",
				 (int)kw->n, kw->s, choice[i]);
			return expect_end(ps, what);
		}
	}
	return parse_error(ps, t.col, "expected \"%s\" or \"%s\" after \"%.*s\", got %s",
			   choice[0], choice[1], (int)kw->n, kw->s,
			   describe(q, sizeof(q), &t));
}

static bool role_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= IMGSEC_NAME_LEN || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '_' && c != '-')
			return false;
	}
	return true;
}

static int find_role(const struct imgsec_policy_desc *d, const char *s,
		     size_t n)
{
	u32 i;

	for (i = 0; i < d->nroles; i++)
		if (strlen(d->roles[i].name) == n &&
		    !memcmp(d->roles[i].name, s, n))
			return i;
	return -1;
}

static int bad_role_name(struct parser *ps, const struct token *t,
			 const char *what)
{
	char buf[QUOTE_SIZE];
	const char *q = describe(buf, sizeof(buf), t);

	if (t->type != TOK_WORD)
		return parse_error(ps, t->col, "expected %s, got %s", what, q);
	if (t->n >= IMGSEC_NAME_LEN)
		return parse_error(ps, t->col, "role name %s is longer than %d characters",
				   q, IMGSEC_NAME_LEN - 1);
	if (memchr(t->s, '>', t->n))
		return parse_error(ps, t->col, "expected %s, got %s (put blanks around \"->\")",
				   what, q);
	return parse_error(ps, t->col,
			   "invalid role name %s: use a-z, 0-9, \"_\" and \"-\", starting with a letter",
			   q);
}

/* Rule roles must be defined above; say which ones are. */
static int unknown_role(struct parser *ps, const struct token *t)
{
	const struct imgsec_policy_desc *d = ps->desc;
	char list[320], q[QUOTE_SIZE];
	size_t o = 0;
	u32 i;

	list[0] = '\0';
	for (i = 0; i < d->nroles && o < sizeof(list); i++)
		o += snprintf(list + o, sizeof(list) - o, "%s%s",
			      i ? ", " : "", d->roles[i].name);
	if (o >= sizeof(list))
		strcpy(list + sizeof(list) - 6, ", ...");
	quote(q, sizeof(q), t->s, t->n);
	if (!d->nroles)
		return parse_error(ps, t->col,
				   "unknown role %s (no role is defined above this line)",
				   q);
	return parse_error(ps, t->col, "unknown role %s (roles: %s)", q, list);
}

/* Room for one more prefix of @role, and for where it was written. */
static int grow_prefixes(struct parser *ps, u32 role)
{
	struct imgsec_role_desc *r = &ps->desc->roles[role];
	u32 cap = ps->prefix_cap[role];
	void *n;

	if (r->nprefixes < cap)
		return 0;
	cap = cap ? cap * 2 : 8;
	n = realloc(r->prefixes, (size_t)cap * sizeof(*r->prefixes));
	if (!n)
		return -ENOMEM;
	r->prefixes = n;
	n = realloc(ps->prefix_loc[role], (size_t)cap * sizeof(struct loc));
	if (!n)
		return -ENOMEM;
	ps->prefix_loc[role] = n;
	ps->prefix_cap[role] = cap;
	return 0;
}

/* Room for one more rule, and for where it was written. */
static int grow_rules(struct parser *ps)
{
	struct imgsec_policy_desc *d = ps->desc;
	u32 cap = ps->rule_cap;
	void *n;

	if (d->nrules < cap)
		return 0;
	cap = cap ? cap * 2 : 8;
	n = realloc(d->rules, (size_t)cap * sizeof(*d->rules));
	if (!n)
		return -ENOMEM;
	d->rules = n;
	n = realloc(ps->rule_loc, (size_t)cap * sizeof(struct loc));
	if (!n)
		return -ENOMEM;
	ps->rule_loc = n;
	ps->rule_cap = cap;
	return 0;
}

static int host_bits_error(struct parser *ps, const struct token *t,
			   struct imgsec_prefix *p)
{
	unsigned int alen = p->family == AF_INET ? 4 : 16, i;
	char net[INET6_ADDRSTRLEN], q[QUOTE_SIZE];

	for (i = 0; i < alen; i++) {
		if (i * 8 >= p->plen)
			p->addr[i] = 0;
		else if (i * 8 + 8 > p->plen)
			p->addr[i] &= 0xff << (8 - (p->plen - i * 8));
	}
	inet_ntop(p->family, p->addr, net, sizeof(net));
	return parse_error(ps, t->col,
			   "host bits set in %s: only the first %u of %u bits may be set (the network is %s/%u)",
			   quote(q, sizeof(q), t->s, t->n), p->plen, alen * 8,
			   net, p->plen);
}

static bool host_bits_zero(const struct imgsec_prefix *p)
{
	unsigned int alen = p->family == AF_INET ? 4 : 16, i = p->plen / 8;

	if (p->plen % 8 && (p->addr[i++] & (0xff >> (p->plen % 8))))
		return false;
	for (; i < alen; i++)
		if (p->addr[i])
			return false;
	return true;
}

/* Decimal digits only, no sign; false if empty, not digits or > @max. */
static bool parse_uint(const char *s, size_t n, unsigned long max,
		       unsigned long *val)
{
	unsigned long v = 0;
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return false;
	}
	*val = v;
	return true;
}

/* ::ffff:a.b.c.d never appears in an IPv6 header imgsec sees. */
static bool is_v4_mapped(const u8 *a)
{
	static const u8 head[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, head, sizeof(head));
}

static unsigned int host_len(u8 family)
{
	return family == AF_INET ? 32 : 128;
}

static int parse_prefix_len(struct parser *ps, const struct token *t,
			    size_t slash, struct imgsec_prefix *p)
{
	unsigned int max = host_len(p->family);
	const char *s = t->s + slash + 1;
	size_t n = t->n - slash - 1;
	unsigned long v;
	char q[QUOTE_SIZE];

	if (!parse_uint(s, n, max, &v))
		return parse_error(ps, t->col + slash + 1,
				   "expected a prefix length from 0 to %u after \"/\", got %s",
				   max, quote(q, sizeof(q), s, n));
	p->plen = v;
	return 0;
}

static int parse_address(struct parser *ps, const struct token *t,
			 struct imgsec_prefix *p)
{
	const char *slash = memchr(t->s, '/', t->n);
	size_t alen = slash ? (size_t)(slash - t->s) : t->n;
	char text[INET6_ADDRSTRLEN], q[QUOTE_SIZE];
	int err;

	memset(p, 0, sizeof(*p));
	p->family = memchr(t->s, ':', alen) ? AF_INET6 : AF_INET;
	p->plen = host_len(p->family);
	if (alen >= sizeof(text))
		goto bad;
	memcpy(text, t->s, alen);
	text[alen] = '\0';
	if (inet_pton(p->family, text, p->addr) != 1)
		goto bad;
	if (p->family == AF_INET6 && is_v4_mapped(p->addr))
		return parse_error(ps, t->col,
				   "%s is an IPv4-mapped IPv6 address: write the IPv4 address %u.%u.%u.%u",
				   quote(q, sizeof(q), t->s, alen), p->addr[12],
				   p->addr[13], p->addr[14], p->addr[15]);
	if (slash) {
		err = parse_prefix_len(ps, t, alen, p);
		if (err)
			return err;
	}
	if (!host_bits_zero(p))
		return host_bits_error(ps, t, p);
	return 0;
bad:
	return parse_error(ps, t->col, "expected an IPv4 or IPv6 address or prefix, got %s",
			   quote(q, sizeof(q), t->s, t->n));
}

/* Add @p to @role, written at column @col of the current line. */
static int store_prefix(struct parser *ps, u32 role,
			const struct imgsec_prefix *p, unsigned int col)
{
	struct imgsec_role_desc *r = &ps->desc->roles[role];

	if (ps->nprefixes >= IMGSEC_MAX_PREFIXES)
		return parse_error(ps, col,
				   "too many addresses and prefixes (at most %d in all roles)",
				   IMGSEC_MAX_PREFIXES);
	if (grow_prefixes(ps, role))
		return out_of_memory(ps);
	r->prefixes[r->nprefixes] = *p;
	ps->prefix_loc[role][r->nprefixes] =
		(struct loc){ ps->cur, ps->lineno, col };
	r->nprefixes++;
	ps->nprefixes++;
	return 0;
}

static int add_prefix(struct parser *ps, u32 role, const struct token *t)
{
	struct imgsec_prefix p;
	int err;

	err = parse_address(ps, t, &p);
	if (err)
		return err;
	return store_prefix(ps, role, &p, t->col);
}

/* --- role self: this host's addresses ---------------------------------- */

static int cmp_host_addr(const void *a, const void *b)
{
	const struct imgsec_prefix *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* @sa as a whole-address prefix; false for one role self leaves out. */
static bool host_prefix(const struct sockaddr *sa, struct imgsec_prefix *p)
{
	static const u8 loop6[16] = { [15] = 1 };

	memset(p, 0, sizeof(*p));
	p->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(p->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		p->plen = 32;
		return p->addr[0] != 127;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	memcpy(p->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	p->plen = 128;
	return memcmp(p->addr, loop6, 16) && !is_v4_mapped(p->addr);
}

/* Sort @v and drop repeats (one address on two interfaces); the count. */
static u32 sort_unique(struct imgsec_prefix *v, u32 n)
{
	u32 i, o = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_host_addr);
	for (i = 1; i < n; i++)
		if (cmp_host_addr(&v[o], &v[i]))
			v[++o] = v[i];
	return o + 1;
}

int policy_host_addrs(struct imgsec_prefix **out, u32 *n)
{
	struct ifaddrs *ifa, *i;
	struct imgsec_prefix *v = NULL;
	u32 cnt = 0, cap = 0;
	void *nv;

	*out = NULL;
	*n = 0;
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				freeifaddrs(ifa);
				return -ENOMEM;
			}
			v = nv;
		}
		if (host_prefix(i->ifa_addr, &v[cnt]))
			cnt++;
	}
	freeifaddrs(ifa);
	*n = sort_unique(v, cnt);
	*out = v;
	return 0;
}

/* Role "self" for the rule being read at @t: made here, from the host. */
static int builtin_self(struct parser *ps, const struct token *t)
{
	const struct policy_parse_opts *o = ps->opts;
	struct imgsec_policy_desc *d = ps->desc;
	struct imgsec_prefix *host = NULL;
	const struct imgsec_prefix *a;
	u32 n, i, role;
	int err = 0;

	if (d->nroles >= IMGSEC_MAX_ROLES)
		return parse_error(ps, t->col, "too many roles (at most %d)",
				   IMGSEC_MAX_ROLES);
	if (o && o->fixed_self) {
		a = o->self_addrs;
		n = o->nself;
	} else {
		err = policy_host_addrs(&host, &n);
		if (err == -ENOMEM)
			return out_of_memory(ps);
		if (err)
			return parse_error(ps, t->col, "cannot list this host's addresses for role \"self\": %s",
					   strerror(-err));
		a = host;
	}
	role = d->nroles++;
	strcpy(d->roles[role].name, "self");
	ps->self_loc = (struct loc){ ps->cur, ps->lineno, t->col };
	ps->role_loc[role] = ps->self_loc;
	for (i = 0; i < n && !err; i++)
		err = store_prefix(ps, role, &a[i], t->col);
	free(host);
	return err ? err : (int)role;
}


static int parse_role(struct parser *ps)
{
	struct imgsec_policy_desc *d = ps->desc;
	struct token t;
	int role, err;

	next_token(ps, &t);
	if (t.type != TOK_WORD || !role_name_ok(t.s, t.n))
		return bad_role_name(ps, &t, "a role name after \"role\"");
	role = find_role(d, t.s, t.n);
	if (role >= 0 && ps->self_loc.line && token_is(&t, "self")) {
		char ref[300];

		return parse_error(ps, t.col,
				   "role \"self\" is built in, filled with this host's addresses on %s: a \"role self\" line must come before the first rule that uses self",
				   line_ref(ps, ref, sizeof(ref), ps->cur,
					    ps->self_loc));
	}
	if (role < 0) {
		if (d->nroles >= IMGSEC_MAX_ROLES)
			return parse_error(ps, t.col, "too many roles (at most %d)",
					   IMGSEC_MAX_ROLES);
		role = d->nroles++;
		memcpy(d->roles[role].name, t.s, t.n);
		ps->role_loc[role] = (struct loc){ ps->cur, ps->lineno, t.col };
	}
	for (;;) {
		next_token(ps, &t);
		if (t.type == TOK_END)
			return 0;
		if (t.type == TOK_STRING) {
			char q[QUOTE_SIZE];

			return parse_error(ps, t.col,
					   "expected an IPv4 or IPv6 address or prefix, got %s",
					   describe(q, sizeof(q), &t));
		}
		err = add_prefix(ps, role, &t);
		if (err)
			return err;
	}
}

static int rule_role(struct parser *ps, const char *what, u8 *index)
{
	struct token t;
	int role;

	next_token(ps, &t);
	if (t.type != TOK_WORD || !role_name_ok(t.s, t.n))
		return bad_role_name(ps, &t, what);
	role = find_role(ps->desc, t.s, t.n);
	if (role < 0 && !token_is(&t, "self"))
		return unknown_role(ps, &t);
	if (role < 0) {
		role = builtin_self(ps, &t);
		if (role < 0)
			return role;
	}
	*index = role;
	return 0;
}

static int parse_arrow(struct parser *ps)
{
	struct token t;
	char q[QUOTE_SIZE];

	next_token(ps, &t);
	if (token_is(&t, "->"))
		return 0;
	return parse_error(ps, t.col, "expected \"->\" after the source role, got %s",
			   describe(q, sizeof(q), &t));
}

static int parse_proto(struct parser *ps, u8 *proto)
{
	struct token t;
	char q[QUOTE_SIZE];

	next_token(ps, &t);
	if (token_is(&t, "tcp")) {
		*proto = IPPROTO_TCP;
		return 0;
	}
	if (token_is(&t, "udp")) {
		*proto = IPPROTO_UDP;
		return 0;
	}
	if (token_is(&t, "icmp")) {
		*proto = IPPROTO_ICMP;
		return 0;
	}
	if (token_is(&t, "icmpv6")) {
		*proto = IPPROTO_ICMPV6;
		return 0;
	}
	return parse_error(ps, t.col, "expected \"tcp\", \"udp\", \"icmp\" or \"icmpv6\", got %s",
			   describe(q, sizeof(q), &t));
}

static bool port_by_name(const struct port_space *sp, const char *s,
			 size_t n, u16 *port)
{
	size_t i;

	for (i = 0; i < sp->nnames; i++) {
		if (strlen(sp->names[i].name) == n &&
		    !memcmp(sp->names[i].name, s, n)) {
			*port = sp->names[i].port;
			return true;
		}
	}
	return false;
}

/* A number from sp->min to sp->max. */
static int port_number(struct parser *ps, const struct port_space *sp,
		       const char *s, size_t n, unsigned int col, u16 *port)
{
	unsigned long v;
	char q[QUOTE_SIZE];

	if (!parse_uint(s, n, sp->max, &v) || v < sp->min)
		return parse_error(ps, col, "%s %s out of range (%lu to %lu)",
				   sp->what, quote(q, sizeof(q), s, n),
				   sp->min, sp->max);
	*port = v;
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* One entry of a port list: 21, 2428-2433 or ftp (or an icmp type). */
static int parse_port_item(struct parser *ps, const struct port_space *sp,
			   const char *s, size_t n, unsigned int col,
			   struct imgsec_port_range *r)
{
	const char *dash = memchr(s, '-', n);
	size_t k = dash ? (size_t)(dash - s) : 0;
	char q[QUOTE_SIZE], hint[64];
	int err;

	if (all_digits(s, n)) {
		err = port_number(ps, sp, s, n, col, &r->lo);
		r->hi = r->lo;
		return err;
	}
	if (port_by_name(sp, s, n, &r->lo)) {
		r->hi = r->lo;
		return 0;
	}
	if (!dash || !all_digits(s, k) || !all_digits(dash + 1, n - k - 1))
		return parse_error(ps, col, "expected %s, got %s%s",
				   sp->expected, quote(q, sizeof(q), s, n),
				   did_you_mean(hint, sizeof(hint), s, n,
						sp->names, sp->nnames,
						sizeof(sp->names[0])));
	err = port_number(ps, sp, s, k, col, &r->lo);
	if (!err)
		err = port_number(ps, sp, dash + 1, n - k - 1, col + k + 1,
				  &r->hi);
	if (err)
		return err;
	if (r->lo > r->hi)
		return parse_error(ps, col, "range %s is backwards: write %u-%u",
				   quote(q, sizeof(q), s, n), r->hi, r->lo);
	return 0;
}

static int format_range(char *buf, size_t size,
			const struct imgsec_port_range *r)
{
	if (r->lo == r->hi)
		return snprintf(buf, size, "%u", r->lo);
	return snprintf(buf, size, "%u-%u", r->lo, r->hi);
}

static int check_overlap(struct parser *ps, const struct imgsec_rule_desc *rule,
			 const struct imgsec_port_range *r, const char *s,
			 size_t n, unsigned int col)
{
	char a[QUOTE_SIZE], b[16];
	unsigned int i;

	for (i = 0; i < rule->nports; i++) {
		const struct imgsec_port_range *o = &rule->ports[i];

		if (r->lo <= o->hi && o->lo <= r->hi) {
			format_range(b, sizeof(b), o);
			return parse_error(ps, col, "%s overlaps %s earlier in the list",
					   quote(a, sizeof(a), s, n), b);
		}
	}
	return 0;
}

static bool has_letter(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			return true;
	return false;
}

/*
 * Keep the list as written for show where it names ports ("ftp,ssh") that
 * show would otherwise print as numbers, and fits. Numbers are not kept:
 * "021" would read as octal to some tools.
 */
static void keep_ports_text(struct imgsec_rule_desc *rule,
			    const struct token *t)
{
	char plain[POLICY_PORTS_TEXT_MAX];

	if (t->n >= sizeof(rule->ports_text) || !has_letter(t->s, t->n))
		return;
	policy_format_ports(plain, rule);
	if (strlen(plain) != t->n || memcmp(plain, t->s, t->n))
		memcpy(rule->ports_text, t->s, t->n);
}

static int parse_ports(struct parser *ps, struct imgsec_rule_desc *rule)
{
	const struct port_space *sp = space_of(rule->proto);
	struct imgsec_port_range r;
	const char *s, *end, *comma;
	struct token t;
	char q[QUOTE_SIZE];
	int err;

	next_token(ps, &t);
	if (t.type != TOK_WORD)
		return parse_error(ps, t.col, "expected %s, got %s",
				   sp->expected, describe(q, sizeof(q), &t));
	s = t.s;
	end = t.s + t.n;
	for (;;) {
		unsigned int col = t.col + (s - t.s);
		size_t n;

		comma = memchr(s, ',', end - s);
		n = (comma ? comma : end) - s;
		if (!n)
			return parse_error(ps, col, "expected %s, got %s",
					   sp->expected,
					   comma ? "\",\"" : "end of the list");
		if (rule->nports >= IMGSEC_MAX_PORT_RANGES)
			return parse_error(ps, col,
					   "too many ports and ranges in one rule (at most %d)",
					   IMGSEC_MAX_PORT_RANGES);
		err = parse_port_item(ps, sp, s, n, col, &r);
		if (!err)
			err = check_overlap(ps, rule, &r, s, n, col);
		if (err)
			return err;
		rule->ports[rule->nports++] = r;
		if (!comma)
			break;
		s = comma + 1;
	}
	keep_ports_text(rule, &t);
	return 0;
}

bool policy_ports_text_matches(const struct imgsec_rule_desc *r)
{
	struct imgsec_rule_desc parsed = { .proto = r->proto };
	struct policy_diag diag;
	struct parser ps = {
		.name = "",
		.diag = &diag,
		.line = r->ports_text,
		.len = strnlen(r->ports_text, sizeof(r->ports_text)),
	};

	if (!ps.len || ps.len == sizeof(r->ports_text) ||
	    strspn(r->ports_text, "abcdefghijklmnopqrstuvwxyz0123456789,-") !=
	    ps.len || parse_ports(&ps, &parsed))
		return false;
	return parsed.nports == r->nports &&
	       !memcmp(parsed.ports, r->ports,
		       r->nports * sizeof(r->ports[0]));
}

static int parse_helper(struct parser *ps, struct imgsec_rule_desc *rule)
{
	struct token t;
	char q[QUOTE_SIZE];

	next_token(ps, &t);
	if (space_of(rule->proto) != &ports_space)
		return parse_error(ps, t.col,
				   "a helper needs tcp or udp: %s carries no connection to follow",
				   rule->proto == IPPROTO_ICMP ? "icmp" : "icmpv6");
	if (token_is(&t, "rpc")) {
		rule->helper = IMGSEC_HELPER_RPC;
		return 0;
	}
	if (token_is(&t, "ftp")) {
		if (rule->proto != IPPROTO_TCP)
			return parse_error(ps, t.col,
					   "helper ftp needs tcp: FTP control connections are TCP");
		rule->helper = IMGSEC_HELPER_FTP;
		return 0;
	}
	return parse_error(ps, t.col, "expected \"rpc\" or \"ftp\" after \"helper\", got %s",
			   describe(q, sizeof(q), &t));
}

/* After a backslash at @s[*i]: the byte it stands for, or -1. */
static int unescape(const char *s, size_t n, size_t *i)
{
	char c = *i + 1 < n ? s[*i + 1] : '\0';
	int hi, lo;

	if (c == '"' || c == '\\') {
		*i += 2;
		return (unsigned char)c;
	}
	if (c != 'x' || *i + 3 >= n)
		return -1;
	hi = imgsec_hex_digit(s[*i + 2]);
	lo = imgsec_hex_digit(s[*i + 3]);
	if (hi < 0 || lo < 0 || (hi | lo) == 0)
		return -1;
	*i += 4;
	return hi << 4 | lo;
}

/* The escape at @s[@i] as written, for a message. */
static size_t escape_len(const char *s, size_t n, size_t i)
{
	size_t want = i + 1 < n && s[i + 1] == 'x' ? 4 : 2;

	return n - i < want ? n - i : want;
}

/* A TOK_STRING into @out, decoding \", \\ and \xHH. */
static int parse_comment(struct parser *ps, const struct token *t,
			 char *out)
{
	size_t n = t->n - 1, i = 1, o = 0;	/* n: before the closing quote */
	char q[QUOTE_SIZE];

	if (t->open)
		return parse_error(ps, t->col, "comment string has no closing '\"'");
	while (i < n) {
		unsigned char c = t->s[i];
		int v;

		if (c == '\\') {
			v = unescape(t->s, n, &i);
			if (v < 0)
				return parse_error(ps, t->col + i,
						   "invalid escape %s in the comment: use \\\", \\\\ or \\xHH (not \\x00)",
						   quote(q, sizeof(q), t->s + i,
							 escape_len(t->s, n, i)));
		} else if (c < 0x20 || c == 0x7f) {
			return parse_error(ps, t->col + i,
					   "control character in the comment: write it as \\x%02x",
					   c);
		} else {
			v = c;
			i++;
		}
		if (o >= IMGSEC_COMMENT_LEN - 1)
			return parse_error(ps, t->col, "comment longer than %d bytes",
					   IMGSEC_COMMENT_LEN - 1);
		out[o++] = v;
	}
	out[o] = '\0';
	return 0;
}

static const char *const limit_units[__IMGSEC_LIMIT_UNIT_MAX][2] = {
	[IMGSEC_LIMIT_UNIT_SECOND] = { "s", "second" },
	[IMGSEC_LIMIT_UNIT_MINUTE] = { "min", "minute" },
};

/* "s", "second", "min" or "minute": the unit, or -1. */
static int limit_unit(const char *s, size_t n)
{
	unsigned int u, i;

	for (u = 0; u < __IMGSEC_LIMIT_UNIT_MAX; u++)
		for (i = 0; i < 2; i++)
			if (n == strlen(limit_units[u][i]) &&
			    !memcmp(s, limit_units[u][i], n))
				return u;
	return -1;
}

/*
 * RATE after @kw ("limit" or "per-source"), at @t: N/UNIT, N from 1 to
 * IMGSEC_MAX_LIMIT_RATE; the burst one unit's worth, unless given.
 */
static int parse_rate(struct parser *ps, const char *kw,
		      const struct token *t, uint32_t *rate,
		      uint8_t *unit_out, uint32_t *burst)
{
	const char *slash;
	unsigned long v;
	char q[QUOTE_SIZE];
	int unit;

	slash = t->type == TOK_WORD ? memchr(t->s, '/', t->n) : NULL;
	if (!slash)
		return parse_error(ps, t->col,
				   "expected a rate after \"%s\" (e.g. 50/s or 10/min), got %s",
				   kw, describe(q, sizeof(q), t));
	if (!parse_uint(t->s, slash - t->s, IMGSEC_MAX_LIMIT_RATE, &v) || !v)
		return parse_error(ps, t->col,
				   "%s rate %s must be a number from 1 to %d", kw,
				   quote(q, sizeof(q), t->s, slash - t->s),
				   IMGSEC_MAX_LIMIT_RATE);
	unit = limit_unit(slash + 1, t->s + t->n - slash - 1);
	if (unit < 0)
		return parse_error(ps, t->col + (slash + 1 - t->s),
				   "%s unit %s: use s, second, min or minute", kw,
				   quote(q, sizeof(q), slash + 1,
					 t->s + t->n - slash - 1));
	*rate = v;
	*unit_out = unit;
	*burst = v;	/* one unit's worth, unless given */
	return 0;
}

static int parse_burst(struct parser *ps, uint32_t *burst)
{
	unsigned long v;
	struct token t;
	char q[QUOTE_SIZE];

	next_token(ps, &t);
	if (t.type != TOK_WORD ||
	    !parse_uint(t.s, t.n, IMGSEC_MAX_LIMIT_BURST, &v) || !v)
		return parse_error(ps, t.col,
				   "expected a burst from 1 to %d after \"burst\", got %s",
				   IMGSEC_MAX_LIMIT_BURST,
				   describe(q, sizeof(q), &t));
	*burst = v;
	return 0;
}

/*
 * "limit RATE [burst N]" or "per-source RATE [burst N]" (@kw), RATE at
 * *@t; *@t is the token after it on return.
 */
static int parse_limit(struct parser *ps, const char *kw, uint32_t *rate,
		       uint8_t *unit, uint32_t *burst, struct token *t)
{
	int err = parse_rate(ps, kw, t, rate, unit, burst);

	if (err)
		return err;
	next_token(ps, t);
	if (!token_is(t, "burst"))
		return 0;
	err = parse_burst(ps, burst);
	if (!err)
		next_token(ps, t);
	return err;
}

/* "max M" of "per-source", at *@t; *@t is the token after it on return. */
static int parse_source_max(struct parser *ps, struct imgsec_rule_desc *rule,
			    struct token *t)
{
	unsigned long v;
	char q[QUOTE_SIZE];

	next_token(ps, t);
	if (t->type != TOK_WORD ||
	    !parse_uint(t->s, t->n, IMGSEC_MAX_SOURCE_CONNS, &v) || !v)
		return parse_error(ps, t->col,
				   "expected a number of connections from 1 to %d after \"max\", got %s",
				   IMGSEC_MAX_SOURCE_CONNS,
				   describe(q, sizeof(q), t));
	rule->source_max = v;
	next_token(ps, t);
	return 0;
}

/*
 * "per-source RATE [burst N] [max M]" or "per-source max M": at most
 * IMGSEC_MAX_SOURCE_RULES rules of a policy have one.
 */
static int parse_source_limit(struct parser *ps,
			      struct imgsec_rule_desc *rule, struct token *t)
{
	const struct imgsec_policy_desc *d = ps->desc;
	unsigned int i, n = 0;
	char q[QUOTE_SIZE];
	int err;

	for (i = 0; i < d->nrules; i++)
		n += d->rules[i].source_rate || d->rules[i].source_max;
	if (n >= IMGSEC_MAX_SOURCE_RULES)
		return parse_error(ps, t->col,
				   "too many rules with a per-source limit (at most %d)",
				   IMGSEC_MAX_SOURCE_RULES);
	next_token(ps, t);
	if (token_is(t, "max"))
		return parse_source_max(ps, rule, t);
	if (t->type != TOK_WORD || !memchr(t->s, '/', t->n))
		return parse_error(ps, t->col,
				   "expected a rate or \"max\" after \"per-source\" (e.g. 5/s, max 64), got %s",
				   describe(q, sizeof(q), t));
	err = parse_limit(ps, "per-source", &rule->source_rate,
			  &rule->source_unit, &rule->source_burst, t);
	if (err || !token_is(t, "max"))
		return err;
	return parse_source_max(ps, rule, t);
}

/*
 * An option of a rule's tail, at @t: "limit ...", "per-source ..." or
 * "helper NAME", each once. Returns 1 if @t is none, else 0 with @t the
 * token after it, or an error.
 */
static int parse_rule_option(struct parser *ps, struct imgsec_rule_desc *rule,
			     struct token *t, unsigned int *seen)
{
	int err;

	if (token_is(t, "limit")) {
		if (*seen & 1)
			return parse_error(ps, t->col, "the rule has a limit already");
		*seen |= 1;
		next_token(ps, t);
		return parse_limit(ps, "limit", &rule->limit_rate,
				   &rule->limit_unit, &rule->limit_burst, t);
	}
	if (token_is(t, "per-source")) {
		if (*seen & 4)
			return parse_error(ps, t->col,
					   "the rule has a per-source limit already");
		*seen |= 4;
		return parse_source_limit(ps, rule, t);
	}
	if (!token_is(t, "helper"))
		return 1;
	if (*seen & 2)
		return parse_error(ps, t->col, "the rule has a helper already");
	*seen |= 2;
	err = parse_helper(ps, rule);
	if (!err)
		next_token(ps, t);
	return err;
}

/*
 * The optional tail of a rule: [limit ...] [per-source ...] [helper NAME]
 * ["comment"].
 */
static int parse_rule_tail(struct parser *ps, struct imgsec_rule_desc *rule)
{
	/*
	 * What may still come, by the options seen (1: limit, 2: helper,
	 * 4: per-source).
	 */
	static const char *const still_open[8] = {
		"\"limit\", \"per-source\", \"helper\", ",
		"\"per-source\", \"helper\", ",
		"\"limit\", \"per-source\", ",
		"\"per-source\", ",
		"\"limit\", \"helper\", ",
		"\"helper\", ",
		"\"limit\", ",
		"",
	};
	unsigned int seen = 0;
	struct token t;
	char q[QUOTE_SIZE];
	int err;

	next_token(ps, &t);
	while ((err = parse_rule_option(ps, rule, &t, &seen)) == 0)
		;
	if (err < 0)
		return err;
	if (t.type == TOK_WORD)
		return parse_error(ps, t.col,
				   "expected %sa comment string or end of line, got %s",
				   still_open[seen], describe(q, sizeof(q), &t));
	if (t.type == TOK_END)
		return 0;
	err = parse_comment(ps, &t, rule->comment);
	if (err)
		return err;
	return expect_end(ps, "the comment string");
}

static int parse_rule(struct parser *ps, const struct token *kw)
{
	struct imgsec_policy_desc *d = ps->desc;
	struct imgsec_rule_desc *rule;
	int err;

	if (d->nrules >= IMGSEC_MAX_RULES)
		return parse_error(ps, kw->col, "too many rules (at most %d)",
				   IMGSEC_MAX_RULES);
	if (grow_rules(ps))
		return out_of_memory(ps);
	rule = &d->rules[d->nrules];
	memset(rule, 0, sizeof(*rule));
	err = rule_role(ps, "the source role after \"allow\"", &rule->from);
	if (!err)
		err = parse_arrow(ps);
	if (!err)
		err = rule_role(ps, "the destination role after \"->\"", &rule->to);
	if (!err)
		err = parse_proto(ps, &rule->proto);
	if (!err)
		err = parse_ports(ps, rule);
	if (!err)
		err = parse_rule_tail(ps, rule);
	if (err)
		return err;
	ps->rule_loc[d->nrules++] = (struct loc){ ps->cur, ps->lineno, kw->col };
	return 0;
}

/* --- include ----------------------------------------------------------- */

static int parse_lines(struct parser *ps, const char *buf, size_t len);

/* A word, or a quoted string with \", \\ and \xHH, into @out. */
static int include_path(struct parser *ps, const struct token *t, char *out,
			size_t size)
{
	char q[QUOTE_SIZE];
	size_t i, o = 0, n;
	int v;

	if (t->type == TOK_WORD) {
		if (t->n >= size)
			return parse_error(ps, t->col, "path longer than %zu bytes",
					   size - 1);
		memcpy(out, t->s, t->n);
		out[t->n] = '\0';
		return 0;
	}
	if (t->type != TOK_STRING)
		return parse_error(ps, t->col, "expected a file name after \"include\", got %s",
				   describe(q, sizeof(q), t));
	if (t->open)
		return parse_error(ps, t->col, "file name has no closing '\"'");
	n = t->n - 1;
	for (i = 1; i < n; o++) {
		v = (unsigned char)t->s[i];
		if (v == '\\') {
			v = unescape(t->s, n, &i);
			if (v < 0)
				return parse_error(ps, t->col + i,
						   "invalid escape in the file name: use \\\", \\\\ or \\xHH (not \\x00)");
		} else {
			i++;
		}
		if (o + 1 >= size)
			return parse_error(ps, t->col, "path longer than %zu bytes",
					   size - 1);
		out[o] = v;
	}
	out[o] = '\0';
	if (!o)
		return parse_error(ps, t->col, "empty file name after \"include\"");
	return 0;
}

/* @dir/@path, or @path if absolute or @dir is ".". NULL if no memory. */
static char *join_path(const char *dir, const char *path)
{
	char *s;

	if (path[0] == '/' || !strcmp(dir, "."))
		return strdup(path);
	if (asprintf(&s, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		     path) < 0)
		return NULL;
	return s;
}

/* The directory of @path: "." if it has none. NULL if no memory. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

static bool has_wildcard(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

/* Whether @st is a file being read now: @ps->cur or one that includes it. */
static bool in_include_chain(const struct parser *ps, const struct stat *st)
{
	const struct src_file *f = &ps->files[ps->cur];

	for (;;) {
		if (f->has_id && f->dev == st->st_dev && f->ino == st->st_ino)
			return true;
		if (!f->parent_line)
			return false;
		f = &ps->files[f->parent];
	}
}

static int add_file(struct parser *ps, struct src_file *sf)
{
	void *n;

	if (ps->nfiles == ps->files_cap) {
		unsigned int cap = ps->files_cap ? ps->files_cap * 2 : 4;

		n = realloc(ps->files, cap * sizeof(*ps->files));
		if (!n)
			return -ENOMEM;
		ps->files = n;
		ps->files_cap = cap;
	}
	ps->files[ps->nfiles++] = *sf;
	return 0;
}

static int read_all(FILE *f, char **buf, size_t *len);

/* Open and read @path for the include at @col into @sf. */
static int read_include(struct parser *ps, const char *path,
			unsigned int col, struct src_file *sf)
{
	struct stat st;
	char q[QUOTE_SIZE];
	FILE *f = fopen(path, "r");
	int err;

	quote(q, sizeof(q), path, strlen(path));
	if (!f)
		return parse_error(ps, col, "cannot read %s: %s", q,
				   strerror(errno));
	if (fstat(fileno(f), &st)) {
		err = errno;
		fclose(f);
		return parse_error(ps, col, "cannot read %s: %s", q,
				   strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		fclose(f);
		return parse_error(ps, col, "%s is not a file%s", q,
				   S_ISDIR(st.st_mode) ?
				   " (a directory: include DIR/*.conf)" : "");
	}
	if (in_include_chain(ps, &st)) {
		fclose(f);
		return parse_error(ps, col, "%s includes itself (an include loop)",
				   q);
	}
	err = read_all(f, (char **)&sf->buf, &sf->len);
	fclose(f);
	if (err == -ENOMEM)
		return out_of_memory(ps);
	if (!err && ps->total + sf->len > POLICY_FILE_MAX)
		err = -EFBIG;
	if (err == -EFBIG) {
		free((char *)sf->buf);
		return parse_error(ps, col, "with %s the policy is larger than %d MiB",
				   q, POLICY_FILE_MAX >> 20);
	}
	if (err)
		return parse_error(ps, col, "cannot read %s: %s", q,
				   strerror(-err));
	sf->has_id = true;
	sf->dev = st.st_dev;
	sf->ino = st.st_ino;
	return 0;
}

/* Read @path, included at @col of the current line, as if it were here. */
static int include_one(struct parser *ps, const char *path, unsigned int col)
{
	struct parser saved = *ps;
	struct src_file sf = { .owned = true };
	int err;

	if (ps->files[ps->cur].depth >= POLICY_INCLUDE_DEPTH)
		return parse_error(ps, col, "includes nested more than %d deep",
				   POLICY_INCLUDE_DEPTH);
	err = read_include(ps, path, col, &sf);
	if (err)
		return err;
	sf.name = strdup(path);
	sf.dir = dir_of(path);
	sf.parent = ps->cur;
	sf.parent_line = ps->lineno;
	sf.depth = ps->files[ps->cur].depth + 1;
	if (!sf.name || !sf.dir || add_file(ps, &sf)) {
		free(sf.name);
		free(sf.dir);
		free((char *)sf.buf);
		return out_of_memory(ps);
	}
	ps->total += sf.len;
	ps->cur = ps->nfiles - 1;
	ps->name = sf.name;
	ps->lineno = 0;
	err = parse_lines(ps, sf.buf, sf.len);
	if (err)
		return err;	/* the error's place stays */
	ps->cur = saved.cur;
	ps->name = saved.name;
	ps->line = saved.line;
	ps->len = saved.len;
	ps->pos = saved.pos;
	ps->lineno = saved.lineno;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file @pattern matches, in strcmp() order; none is fine. */
static int include_glob(struct parser *ps, const char *pattern,
			unsigned int col)
{
	glob_t g;
	size_t i;
	int err = 0, ret;

	ret = glob(pattern, GLOB_NOSORT | GLOB_MARK, NULL, &g);
	if (ret == GLOB_NOMATCH)
		return 0;
	if (ret == GLOB_NOSPACE)
		return out_of_memory(ps);
	if (ret)
		return parse_error(ps, col, "cannot read the directory of \"%s\"",
				   pattern);
	qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), cmp_str);
	for (i = 0; i < g.gl_pathc && !err; i++) {
		const char *p = g.gl_pathv[i];

		if (p[strlen(p) - 1] != '/')	/* skip directories */
			err = include_one(ps, p, col);
	}
	globfree(&g);
	return err;
}

/* include PATH: a file, or DIR/PATTERN for the files that match it. */
static int parse_include(struct parser *ps, const struct token *kw)
{
	const char *dir = ps->files[ps->cur].dir, *last;
	char path[PATH_MAX], *full;
	struct token t;
	int err;

	if (!dir)
		return parse_error(ps, kw->col,
				   "include works in a policy file, not here");
	next_token(ps, &t);
	err = include_path(ps, &t, path, sizeof(path));
	if (!err)
		err = expect_end(ps, "the file name");
	if (err)
		return err;
	last = strrchr(path, '/');
	last = last ? last + 1 : path;
	if (has_wildcard(path, last - path))
		return parse_error(ps, t.col,
				   "a wildcard may only be in the last part of the path");
	full = join_path(dir, path);
	if (!full)
		return out_of_memory(ps);
	if (has_wildcard(last, strlen(last)))
		err = include_glob(ps, full, t.col);
	else
		err = include_one(ps, full, t.col);
	free(full);
	return err;
}

/* A setting: only in the top file, once. */
static int setting(struct parser *ps, const struct token *kw,
		   unsigned int *where, const char *const choice[2], u8 *value)
{
	if (ps->files[ps->cur].parent_line)
		return parse_error(ps, kw->col,
				   "\"%.*s\" may only be set in the top file, %s, not in an included one",
				   (int)kw->n, kw->s, ps->files[0].name);
	return parse_setting(ps, kw, where, choice, value);
}

static const char *const mode_words[2] = { "enforce", "monitor" };
static const char *const action_words[2] = { "drop", "reject" };
static const char *const placement_words[2] = { "host", "gateway" };

static const char *const statements[] = {
	"mode", "default", "placement", "role", "allow", "include",
};

static int parse_statement(struct parser *ps)
{
	struct imgsec_policy_desc *d = ps->desc;
	char q[QUOTE_SIZE], hint[64];
	struct token t;

	next_token(ps, &t);
	if (t.type == TOK_END)
		return 0;
	if (token_is(&t, "allow"))
		return parse_rule(ps, &t);
	if (token_is(&t, "role"))
		return parse_role(ps);
	if (token_is(&t, "include"))
		return parse_include(ps, &t);
	if (token_is(&t, "mode"))
		return setting(ps, &t, &ps->mode_line, mode_words, &d->mode);
	if (token_is(&t, "default"))
		return setting(ps, &t, &ps->default_line, action_words,
			       &d->default_action);
	if (token_is(&t, "placement"))
		return setting(ps, &t, &ps->placement_line, placement_words,
			       &d->placement);
	return parse_error(ps, t.col, "expected mode, default, placement, role, allow or include, got %s%s",
			   describe(q, sizeof(q), &t),
			   t.type != TOK_WORD ? "" :
			   did_you_mean(hint, sizeof(hint), t.s, t.n, statements,
					ARRAY_SIZE(statements),
					sizeof(statements[0])));
}

/* Bytes no line may hold, checked before any word is read. */
static int check_line(struct parser *ps)
{
	const char *bad;

	if (ps->len > POLICY_LINE_MAX)
		return parse_error(ps, POLICY_LINE_MAX + 1, "line longer than %d bytes",
				   POLICY_LINE_MAX);
	bad = memchr(ps->line, '\0', ps->len);
	if (bad)
		return parse_error(ps, bad - ps->line + 1, "NUL byte in the file");
	bad = memchr(ps->line, '\r', ps->len);
	if (bad)
		return parse_error(ps, bad - ps->line + 1,
				   "carriage return in the file (DOS line ends?): use plain newlines");
	if (ps->lineno == 1 && ps->len >= 3 &&
	    !memcmp(ps->line, "\xef\xbb\xbf", 3))
		return parse_error(ps, 1,
				   "the file starts with a UTF-8 byte order mark (EF BB BF): save it without one");
	return 0;
}

static int parse_lines(struct parser *ps, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);

		ps->line = p;
		ps->len = (nl ? nl : end) - p;
		ps->pos = 0;
		ps->lineno++;
		err = check_line(ps);
		if (!err)
			err = parse_statement(ps);
		if (err)
			return err;
		p += ps->len + 1;
	}
	return 0;
}

/* Make @at the current place: its file, line and the text of that line. */
static void set_place(struct parser *ps, struct loc at)
{
	const struct src_file *f = &ps->files[at.file];
	const char *p = f->buf, *end = f->buf + f->len, *nl;
	unsigned int n;

	ps->cur = at.file;
	ps->name = f->name;
	ps->lineno = at.line;
	ps->line = NULL;
	ps->len = 0;
	for (n = 1; at.line && p <= end; n++) {
		nl = memchr(p, '\n', end - p);
		if (n == at.line) {
			ps->line = p;
			ps->len = (nl ? nl : end) - p;
			return;
		}
		if (!nl)
			return;
		p = nl + 1;
	}
}

/* A verdict on one address: name it, and the same one written before. */
static int prefix_error(struct parser *ps, const struct imgsec_policy_error *e,
			unsigned int col)
{
	const struct imgsec_role_desc *r = &ps->desc->roles[e->role];
	const struct imgsec_prefix *p = &r->prefixes[e->prefix];
	char ref[300];
	int i;

	for (i = 0; i < e->prefix; i++)
		if (!memcmp(&r->prefixes[i], p, sizeof(*p)))
			return parse_error(ps, col, "%s \"%s\" (first on %s)",
					   e->msg, r->name,
					   line_ref(ps, ref, sizeof(ref), ps->cur,
						    ps->prefix_loc[e->role][i]));
	return parse_error(ps, col, "%s \"%s\"", e->msg, r->name);
}

/* Put imgsec_policy_validate()'s verdict where the file said it. */
static int validate(struct parser *ps)
{
	const struct imgsec_policy_desc *d = ps->desc;
	struct imgsec_policy_error e = {
		.msg = NULL, .role = -1, .prefix = -1, .rule = -1,
	};
	struct loc at = { 0, 0, 0 };
	int ret;

	ret = imgsec_policy_validate(d, &e);
	if (!ret)
		return 0;
	if (ret == -ENOMEM) {
		set_place(ps, at);
		return out_of_memory(ps);
	}
	if (e.rule >= 0 && (u32)e.rule < d->nrules)
		at = ps->rule_loc[e.rule];
	else if (e.role >= 0 && (u32)e.role < d->nroles && e.prefix >= 0 &&
		 (u32)e.prefix < d->roles[e.role].nprefixes)
		at = ps->prefix_loc[e.role][e.prefix];
	else if (e.role >= 0 && (u32)e.role < d->nroles)
		at = ps->role_loc[e.role];
	set_place(ps, at);
	if (e.rule < 0 && e.role >= 0 && e.prefix >= 0 && at.line)
		return prefix_error(ps, &e, at.col);
	return parse_error(ps, at.col, "%s", e.msg ? e.msg : "invalid policy");
}

/* --- warnings: valid, but surely not meant ---------------------------- */

static void warn(struct parser *ps, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct parser *ps, struct loc at, const char *fmt, ...)
{
	struct policy_diag *d = ps->diag;
	char *w;
	int n;
	va_list ap;

	if (d->nwarnings == POLICY_WARN_MAX) {
		d->more_warnings++;
		return;
	}
	w = d->warnings[d->nwarnings++];
	n = snprintf(w, POLICY_WARN_LEN, "%s:%u:%u: ", ps->files[at.file].name,
		     at.line, at.col);
	if (n < 0 || n >= POLICY_WARN_LEN)
		return;
	va_start(ap, fmt);
	vsnprintf(w + n, POLICY_WARN_LEN - n, fmt, ap);
	va_end(ap);
}

void policy_diag_print_warnings(FILE *f, const struct policy_diag *d)
{
	unsigned int i;

	for (i = 0; i < d->nwarnings; i++)
		fprintf(f, "warning: %s\n", d->warnings[i]);
	if (d->more_warnings)
		fprintf(f, "warning: and %u more\n", d->more_warnings);
}

/* "192.0.2.0/24", or "192.0.2.1" for a whole address, as written. */
static void format_prefix(char *buf, size_t size, const struct imgsec_prefix *p)
{
	unsigned int full = host_len(p->family);
	size_t n;

	if (!inet_ntop(p->family, p->addr, buf, size))
		buf[0] = '\0';
	n = strlen(buf);
	if (p->plen != full)
		snprintf(buf + n, size - n, "/%u", p->plen);
}

/* The last address of @p's range. */
static void prefix_end(const struct imgsec_prefix *p, u8 end[16])
{
	unsigned int bits = host_len(p->family), i;

	memcpy(end, p->addr, 16);
	for (i = p->plen; i < bits; i++)
		end[i / 8] |= 0x80 >> (i % 8);
}

/* Prefixes of one role by family, then address, wider first. */
static int cmp_prefix(const void *a, const void *b, void *arg)
{
	const struct imgsec_prefix *pfx = arg;
	const struct imgsec_prefix *x = &pfx[*(const u32 *)a];
	const struct imgsec_prefix *y = &pfx[*(const u32 *)b];
	int c = x->family - y->family;

	if (!c)
		c = memcmp(x->addr, y->addr, sizeof(x->addr));
	return c ? c : x->plen - y->plen;
}

/*
 * An address or prefix inside another of its role adds nothing. In
 * address order, whatever holds a prefix comes before it, and the range
 * reaching farthest so far holds it if any does.
 */
static void warn_nested_prefixes(struct parser *ps, u32 role, u32 *order)
{
	const struct imgsec_role_desc *r = &ps->desc->roles[role];
	char in[INET6_ADDRSTRLEN + 4], out[INET6_ADDRSTRLEN + 4];
	u8 far[16], end[16];
	char ref[300];
	u32 i, wide = 0;

	/* Distinct hosts (validate refused duplicates) hold nothing: no sort. */
	for (i = 0; i < r->nprefixes; i++)
		if (r->prefixes[i].plen < host_len(r->prefixes[i].family))
			break;
	if (i == r->nprefixes)
		return;
	for (i = 0; i < r->nprefixes; i++)
		order[i] = i;
	qsort_r(order, r->nprefixes, sizeof(*order), cmp_prefix,
		r->prefixes);
	for (i = 0; i < r->nprefixes; i++) {
		const struct imgsec_prefix *p = &r->prefixes[order[i]];
		const struct imgsec_prefix *w = &r->prefixes[order[wide]];

		prefix_end(p, end);
		if (i && w->family == p->family &&
		    memcmp(end, far, sizeof(end)) <= 0) {
			format_prefix(in, sizeof(in), p);
			format_prefix(out, sizeof(out), w);
			warn(ps, ps->prefix_loc[role][order[i]],
			     "%s is inside %s (%s) of role \"%s\"", in, out,
			     line_ref(ps, ref, sizeof(ref),
				      ps->prefix_loc[role][order[i]].file,
				      ps->prefix_loc[role][order[wide]]),
			     r->name);
			continue;
		}
		wide = i;
		memcpy(far, end, sizeof(far));
	}
}

/* Rules compared as sets of ports, not as written. */
struct rule_key {
	u32 index;
	struct imgsec_rule_desc rule;	/* ports sorted, no comment */
};

static int cmp_range(const void *a, const void *b)
{
	const struct imgsec_port_range *x = a, *y = b;

	return x->lo != y->lo ? x->lo - y->lo : x->hi - y->hi;
}

static int cmp_rule_key(const void *a, const void *b)
{
	const struct rule_key *x = a, *y = b;
	int c = memcmp(&x->rule, &y->rule, sizeof(x->rule));

	return c ? c : (int)(x->index - y->index);
}

static void warn_repeated_rules(struct parser *ps, struct rule_key *keys)
{
	const struct imgsec_policy_desc *d = ps->desc;
	char ref[300];
	u32 i;

	for (i = 0; i < d->nrules; i++) {
		struct imgsec_rule_desc *k = &keys[i].rule;

		memset(k, 0, sizeof(*k));
		k->from = d->rules[i].from;
		k->to = d->rules[i].to;
		k->proto = d->rules[i].proto;
		k->helper = d->rules[i].helper;
		/* Limited otherwise, a rule is another rule. */
		k->limit_rate = d->rules[i].limit_rate;
		k->limit_unit = d->rules[i].limit_unit;
		k->limit_burst = d->rules[i].limit_burst;
		k->source_rate = d->rules[i].source_rate;
		k->source_unit = d->rules[i].source_unit;
		k->source_burst = d->rules[i].source_burst;
		k->nports = d->rules[i].nports;
		memcpy(k->ports, d->rules[i].ports,
		       k->nports * sizeof(k->ports[0]));
		qsort(k->ports, k->nports, sizeof(k->ports[0]), cmp_range);
		keys[i].index = i;
	}
	qsort(keys, d->nrules, sizeof(*keys), cmp_rule_key);
	for (i = 1; i < d->nrules; i++)
		if (!memcmp(&keys[i].rule, &keys[i - 1].rule,
			    sizeof(keys[i].rule)))
			warn(ps, ps->rule_loc[keys[i].index],
			     "the same rule as %s",
			     line_ref(ps, ref, sizeof(ref),
				      ps->rule_loc[keys[i].index].file,
				      ps->rule_loc[keys[i - 1].index]));
}

static bool ports_overlap(const struct imgsec_rule_desc *a,
			  const struct imgsec_rule_desc *b)
{
	u32 i, j;

	for (i = 0; i < a->nports; i++)
		for (j = 0; j < b->nports; j++)
			if (a->ports[i].lo <= b->ports[j].hi &&
			    b->ports[j].lo <= a->ports[i].hi)
				return true;
	return false;
}

/*
 * First match wins: a connection over a rule's limit meets the default
 * action even where a later rule would let it through (imgsec.conf(5),
 * SEMANTICS). Said for later rules of the same roles and protocol.
 */
static void warn_limit_shadows(struct parser *ps)
{
	const struct imgsec_policy_desc *d = ps->desc;
	char ref[300];
	u32 i, j;

	for (i = 0; i < d->nrules; i++) {
		const struct imgsec_rule_desc *a = &d->rules[i];

		if (!a->limit_rate && !a->source_rate)
			continue;
		for (j = i + 1; j < d->nrules; j++) {
			const struct imgsec_rule_desc *b = &d->rules[j];

			if (b->from != a->from || b->to != a->to ||
			    b->proto != a->proto || !ports_overlap(a, b))
				continue;
			warn(ps, ps->rule_loc[i],
			     "connections over this rule's limit meet the default action, not the rule of %s, which matches some of them too",
			     line_ref(ps, ref, sizeof(ref),
				      ps->rule_loc[i].file, ps->rule_loc[j]));
			break;
		}
	}
}

/* After a valid parse; a warning that cannot be computed is left out. */
static void find_warnings(struct parser *ps)
{
	const struct imgsec_policy_desc *d = ps->desc;
	struct rule_key *keys;
	u32 i, *order;

	keys = calloc(d->nrules ? d->nrules : 1, sizeof(*keys));
	if (keys)
		warn_repeated_rules(ps, keys);
	free(keys);
	warn_limit_shadows(ps);
	i = ps->self_loc.line ? (u32)find_role(d, "self", 4) : 0;
	if (ps->self_loc.line && !d->roles[i].nprefixes)
		warn(ps, ps->self_loc,
		     "role \"self\" is empty: this host has no addresses but loopback ones");
	for (i = 0; i < d->nroles; i++) {
		order = calloc(d->roles[i].nprefixes ?: 1, sizeof(*order));
		if (order)
			warn_nested_prefixes(ps, i, order);
		free(order);
	}
}

static void free_locations(struct parser *ps)
{
	unsigned int i;

	for (i = 0; i < IMGSEC_MAX_ROLES; i++)
		free(ps->prefix_loc[i]);
	free(ps->rule_loc);
	for (i = 0; i < ps->nfiles; i++) {
		free(ps->files[i].dir);
		if (ps->files[i].owned) {
			free(ps->files[i].name);
			free((char *)ps->files[i].buf);
		}
	}
	free(ps->files);
}

/* The top file is files[0]: @dir for its includes, @st its identity. */
static int start_parse(struct parser *ps, const char *name, const char *buf,
		       size_t len, const char *dir, const struct stat *st)
{
	struct src_file top = {
		.name = (char *)name, .buf = buf, .len = len,
		.has_id = st != NULL,
	};

	if (dir) {
		top.dir = strdup(dir);
		if (!top.dir)
			return -ENOMEM;
	}
	if (st) {
		top.dev = st->st_dev;
		top.ino = st->st_ino;
	}
	if (add_file(ps, &top)) {
		free(top.dir);
		return -ENOMEM;
	}
	ps->total = len;
	return 0;
}

static int parse_top(const char *name, const char *buf, size_t len,
		     const struct policy_parse_opts *opts, const char *dir,
		     const struct stat *st, struct imgsec_policy_desc *out,
		     struct policy_diag *diag)
{
	struct parser *ps;
	int err;

	memset(out, 0, sizeof(*out));
	memset(diag, 0, sizeof(*diag));
	ps = calloc(1, sizeof(*ps));
	if (!ps || start_parse(ps, name, buf, len, dir, st)) {
		free(ps);
		snprintf(diag->msg, sizeof(diag->msg), "%s: out of memory",
			 name);
		return -ENOMEM;
	}
	ps->name = name;
	ps->diag = diag;
	ps->desc = out;
	ps->opts = opts;
	err = parse_lines(ps, buf, len);
	if (!err)
		err = validate(ps);
	if (!err)
		find_warnings(ps);
	free_locations(ps);
	free(ps);
	if (err)
		imgsec_policy_desc_release(out);
	return err;
}

int policy_parse_buffer_opts(const char *name, const char *buf, size_t len,
			     const struct policy_parse_opts *opts,
			     struct imgsec_policy_desc *out,
			     struct policy_diag *diag)
{
	return parse_top(name, buf, len, opts, opts ? opts->include_dir : NULL,
			 NULL, out, diag);
}

int policy_parse_buffer(const char *name, const char *buf, size_t len,
			struct imgsec_policy_desc *out,
			struct policy_diag *diag)
{
	return policy_parse_buffer_opts(name, buf, len, NULL, out, diag);
}

/* All of @f, up to POLICY_FILE_MAX bytes, into a malloc'ed buffer. */
static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *b = NULL, *nb;
	int err = 0;

	errno = 0;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
	} while (got && n <= POLICY_FILE_MAX);
	if (!err && n > POLICY_FILE_MAX)
		err = -EFBIG;
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

int policy_parse_file(const char *path, struct imgsec_policy_desc *out,
		      struct policy_diag *diag)
{
	return policy_parse_file_opts(path, NULL, out, diag);
}

int policy_parse_file_opts(const char *path,
			   const struct policy_parse_opts *opts,
			   struct imgsec_policy_desc *out,
			   struct policy_diag *diag)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	char *buf = NULL, *dir;
	struct stat st;
	bool have_st;
	size_t len = 0;
	int err;

	memset(out, 0, sizeof(*out));
	memset(diag, 0, sizeof(*diag));
	if (!f) {
		err = -errno;
		snprintf(diag->msg, sizeof(diag->msg), "%s: %s", name,
			 strerror(-err));
		return err;
	}
	have_st = !is_stdin && !fstat(fileno(f), &st);
	err = read_all(f, &buf, &len);
	if (!is_stdin)
		fclose(f);
	if (err == -EFBIG) {
		snprintf(diag->msg, sizeof(diag->msg), "%s: file larger than %d MiB",
			 name, POLICY_FILE_MAX >> 20);
		return -EINVAL;
	}
	if (err) {
		snprintf(diag->msg, sizeof(diag->msg), "%s: %s", name,
			 strerror(-err));
		return err;
	}
	dir = is_stdin ? strdup(".") : dir_of(path);
	if (!dir) {
		free(buf);
		snprintf(diag->msg, sizeof(diag->msg), "%s: out of memory", name);
		return -ENOMEM;
	}
	err = parse_top(name, buf, len, opts, dir, have_st ? &st : NULL, out,
			diag);
	free(dir);
	free(buf);
	return err;
}
