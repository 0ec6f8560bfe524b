// sources: module/classify.c module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * imgsec_policy_validate(): every limit and invariant of the uapi header,
 * each error with its message and the indexes it names; and
 * imgsec_policy_desc_release().
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "policy_desc.h"
#include "test.h"

/*
 * A valid base: roles "img" (192.0.2.0/24, 2001:db8::1) and "gcems"
 * (198.51.100.5), rules img->gcems tcp 104 and gcems->img udp 111 (rpc).
 */
static struct imgsec_policy_desc *base(void)
{
	struct imgsec_policy_desc *p = calloc(1, sizeof(*p));
	struct imgsec_prefix *pfx;

	p->nroles = 2;
	strcpy(p->roles[0].name, "img");
	p->roles[0].nprefixes = 2;
	p->roles[0].prefixes = pfx = calloc(2, sizeof(*pfx));
	pfx[0] = (struct imgsec_prefix){ AF_INET, 24, {0}, {192, 0, 2, 0} };
	pfx[1] = (struct imgsec_prefix){ AF_INET6, 128, {0},
		{0x20, 0x01, 0x0d, 0xb8, [15] = 1} };
	strcpy(p->roles[1].name, "gcems");
	p->roles[1].nprefixes = 1;
	p->roles[1].prefixes = pfx = calloc(1, sizeof(*pfx));
	pfx[0] = (struct imgsec_prefix){ AF_INET, 32, {0}, {198, 51, 100, 5} };
	p->nrules = 2;
	p->rules = calloc(2, sizeof(*p->rules));
	p->rules[0] = (struct imgsec_rule_desc){
		.from = 0, .to = 1, .proto = IPPROTO_TCP, .nports = 1,
		.ports = { { 104, 104 } }, .comment = "DICOM",
	};
	p->rules[1] = (struct imgsec_rule_desc){
		.from = 1, .to = 0, .proto = IPPROTO_UDP, .nports = 1,
		.helper = IMGSEC_HELPER_RPC, .ports = { { 111, 111 } },
	};
	return p;
}

static void done(struct imgsec_policy_desc *p)
{
	imgsec_policy_desc_release(p);
	free(p);
}

/* Validate @p, expect @msg (NULL: valid) and the given indexes; free @p. */
static void expect(const char *what, struct imgsec_policy_desc *p,
		   const char *msg, int role, int prefix, int rule)
{
	struct imgsec_policy_error err;
	int ret = imgsec_policy_validate(p, &err);

	test_begin("%s", what);
	if (!msg) {
		CHECK(ret == 0, "rejected: %s (role %d prefix %d rule %d)",
		      err.msg, err.role, err.prefix, err.rule);
	} else {
		CHECK(ret == -EINVAL, "returned %d", ret);
		CHECK(ret && err.msg && !strcmp(err.msg, msg),
		      "message \"%s\", want \"%s\"", ret ? err.msg : "",
		      msg);
		CHECK(ret && err.role == role && err.prefix == prefix &&
		      err.rule == rule,
		      "role %d prefix %d rule %d, want %d %d %d", err.role,
		      err.prefix, err.rule, role, prefix, rule);
	}
	test_end();
	done(p);
}

static struct imgsec_prefix *pfx_of(struct imgsec_policy_desc *p, int r,
				    int i)
{
	return &p->roles[r].prefixes[i];
}

static void test_valid(void)
{
	struct imgsec_policy_desc *p;

	expect("valid: base policy", base(), NULL, 0, 0, 0);

	p = calloc(1, sizeof(*p));
	expect("valid: no roles, no rules (drop all new)", p, NULL, 0, 0, 0);

	p = base();
	p->nrules = 0;
	expect("valid: roles without rules", p, NULL, 0, 0, 0);

	p = base();
	p->roles[1].nprefixes = 0;
	expect("valid: an empty role", p, NULL, 0, 0, 0);

	p = base();
	strcpy(p->roles[0].name, "a0_-z9");
	strcpy(p->roles[1].name, "abcdefghijklmnopqrstuvwxyz01234");
	expect("valid: name charset, 31 characters", p, NULL, 0, 0, 0);

	p = base();
	*pfx_of(p, 0, 0) = (struct imgsec_prefix){ .family = AF_INET };
	*pfx_of(p, 0, 1) = (struct imgsec_prefix){ .family = AF_INET6 };
	expect("valid: /0 of both families", p, NULL, 0, 0, 0);

	p = base();
	pfx_of(p, 1, 0)->addr[3] = 4;
	pfx_of(p, 1, 0)->plen = 31;
	expect("valid: /31", p, NULL, 0, 0, 0);

	p = base();
	*pfx_of(p, 0, 0) = *pfx_of(p, 1, 0);
	expect("valid: one prefix in two roles", p, NULL, 0, 0, 0);

	p = base();
	pfx_of(p, 0, 1)->plen = 64;
	pfx_of(p, 0, 1)->addr[15] = 0;
	*pfx_of(p, 1, 0) = *pfx_of(p, 0, 1);
	pfx_of(p, 1, 0)->plen = 48;
	expect("valid: same address, different lengths", p, NULL, 0, 0, 0);

	p = base();
	p->rules[0].nports = IMGSEC_MAX_PORT_RANGES;
	p->rules[0].ports[IMGSEC_MAX_PORT_RANGES - 1].lo = 1;
	p->rules[0].ports[IMGSEC_MAX_PORT_RANGES - 1].hi = 65535;
	for (int i = 1; i < IMGSEC_MAX_PORT_RANGES - 1; i++)
		p->rules[0].ports[i] = p->rules[0].ports[0];
	memset(p->rules[0].comment, 'x', IMGSEC_COMMENT_LEN - 1);
	expect("valid: 32 ranges, 1-65535, 127-character comment", p, NULL,
	       0, 0, 0);

	p = base();
	p->rules[0].helper = IMGSEC_HELPER_FTP;
	p->rules[1].proto = IPPROTO_TCP;
	expect("valid: ftp on tcp, rpc on tcp", p, NULL, 0, 0, 0);

	p = base();
	p->mode = IMGSEC_MODE_MONITOR;
	p->default_action = IMGSEC_ACTION_REJECT;
	p->placement = IMGSEC_PLACEMENT_GATEWAY;
	expect("valid: monitor, reject, gateway", p, NULL, 0, 0, 0);
}

static void test_header_errors(void)
{
	struct imgsec_policy_desc *p;

	p = base();
	p->mode = __IMGSEC_MODE_MAX;
	expect("error: mode", p, "unknown mode", -1, -1, -1);

	p = base();
	p->default_action = __IMGSEC_ACTION_MAX;
	expect("error: default action", p, "unknown default action",
	       -1, -1, -1);

	p = base();
	p->placement = 0xff;
	expect("error: placement", p, "unknown placement", -1, -1, -1);

	p = base();
	p->nroles = IMGSEC_MAX_ROLES + 1;
	expect("error: too many roles", p, "too many roles", -1, -1, -1);

	p = base();
	p->nrules = IMGSEC_MAX_RULES + 1;
	expect("error: too many rules", p, "too many rules", -1, -1, -1);

	p = base();
	free(p->rules);
	p->rules = NULL;
	expect("error: rules missing", p, "rules missing", -1, -1, -1);
}

static void test_role_errors(void)
{
	struct imgsec_policy_desc *p;

	p = base();
	p->roles[1].name[0] = 0;
	expect("error: empty name", p, "role name is empty", 1, -1, -1);

	p = base();
	memset(p->roles[1].name, 'a', IMGSEC_NAME_LEN);
	expect("error: name not terminated", p, "role name too long",
	       1, -1, -1);

	p = base();
	strcpy(p->roles[1].name, "1img");
	expect("error: name starts with a digit", p,
	       "role name must start with a letter", 1, -1, -1);

	p = base();
	strcpy(p->roles[0].name, "_img");
	expect("error: name starts with '_'", p,
	       "role name must start with a letter", 0, -1, -1);

	p = base();
	strcpy(p->roles[0].name, "Img");
	expect("error: name has upper case", p,
	       "role name must start with a letter", 0, -1, -1);

	p = base();
	strcpy(p->roles[1].name, "gc.ems");
	expect("error: name has '.'", p,
	       "role name may only contain a-z, 0-9, '_' and '-'", 1, -1, -1);

	p = base();
	strcpy(p->roles[1].name, "gcemS");
	expect("error: name has upper case inside", p,
	       "role name may only contain a-z, 0-9, '_' and '-'", 1, -1, -1);

	p = base();
	strcpy(p->roles[1].name, "img");
	expect("error: duplicate name", p, "duplicate role name", 1, -1, -1);

	p = base();
	free(p->roles[1].prefixes);
	p->roles[1].prefixes = NULL;
	expect("error: prefixes missing", p, "role prefixes missing",
	       1, -1, -1);
}

static void test_prefix_errors(void)
{
	struct imgsec_policy_desc *p;

	p = base();
	pfx_of(p, 1, 0)->family = 0;
	expect("error: family 0", p, "prefix family must be IPv4 or IPv6",
	       1, 0, -1);

	p = base();
	pfx_of(p, 0, 1)->family = 4;
	expect("error: family 4 (not AF_INET)", p,
	       "prefix family must be IPv4 or IPv6", 0, 1, -1);

	p = base();
	pfx_of(p, 1, 0)->plen = 33;
	expect("error: IPv4 /33", p, "prefix length too long for its family",
	       1, 0, -1);

	p = base();
	pfx_of(p, 0, 1)->plen = 129;
	expect("error: IPv6 /129", p, "prefix length too long for its family",
	       0, 1, -1);

	p = base();
	pfx_of(p, 0, 0)->pad[1] = 1;
	expect("error: padding", p, "prefix padding must be zero", 0, 0, -1);

	p = base();
	pfx_of(p, 0, 0)->addr[3] = 1;
	expect("error: IPv4 host bits", p, "prefix has host bits set",
	       0, 0, -1);

	p = base();
	pfx_of(p, 0, 0)->plen = 23;
	pfx_of(p, 0, 0)->addr[2] = 3;
	expect("error: IPv4 host bit inside a byte", p,
	       "prefix has host bits set", 0, 0, -1);

	p = base();
	pfx_of(p, 1, 0)->addr[4] = 1;
	expect("error: IPv4 with bytes after its address", p,
	       "prefix has host bits set", 1, 0, -1);

	p = base();
	pfx_of(p, 0, 1)->plen = 64;
	expect("error: IPv6 host bits", p, "prefix has host bits set",
	       0, 1, -1);

	p = base();
	*pfx_of(p, 0, 1) = *pfx_of(p, 0, 0);
	expect("error: duplicate prefix", p, "duplicate prefix in role",
	       0, 1, -1);
}

/*
 * Every prefix length against every single bit of the 16 bytes: refused
 * exactly when the bit lies past the length (for IPv4, past 32 too).
 */
static void test_host_bits_exhaustive(void)
{
	struct imgsec_policy_error err;
	unsigned int fam, plen, bit, wrong = 0, cases = 0;

	test_begin("host bits: every length against every bit");
	for (fam = 0; fam < 2; fam++) {
		unsigned int max = fam ? 128 : 32;

		for (plen = 0; plen <= max; plen++) {
			for (bit = 0; bit < 128; bit++) {
				struct imgsec_policy_desc *p = base();
				struct imgsec_prefix *x = pfx_of(p, 1, 0);
				bool bad = bit >= plen;
				int ret;

				*x = (struct imgsec_prefix){
					.family = fam ? AF_INET6 : AF_INET,
					.plen = plen,
				};
				x->addr[bit / 8] = 0x80 >> (bit % 8);
				ret = imgsec_policy_validate(p, &err);
				cases++;
				if (bad != (ret == -EINVAL &&
					    !strcmp(err.msg, "prefix has host bits set")) ||
				    (!bad && ret))
					wrong++;
				done(p);
			}
		}
	}
	CHECK(!wrong, "%u of %u cases wrong", wrong, cases);
	test_end();
}

/* The base with role "gcems" holding @n distinct IPv4 hosts. */
static struct imgsec_policy_desc *base_with_hosts(u32 n)
{
	struct imgsec_policy_desc *p = base();
	struct imgsec_prefix *pfx = calloc(n, sizeof(*pfx));
	u32 i;

	for (i = 0; i < n; i++)
		pfx[i] = (struct imgsec_prefix){ .family = AF_INET, .plen = 32,
			.addr = { 10, i >> 16, i >> 8, i } };
	free(p->roles[1].prefixes);
	p->roles[1].prefixes = pfx;
	p->roles[1].nprefixes = n;
	return p;
}

/* 65536 prefixes in all (role "img" has 2) are fine; one more is not. */
static void test_prefix_limit(void)
{
	u32 n = IMGSEC_MAX_PREFIXES - 2;
	struct imgsec_policy_desc *p;

	expect("valid: 65536 prefixes in all", base_with_hosts(n), NULL,
	       0, 0, 0);
	expect("error: 65537 prefixes in all", base_with_hosts(n + 1),
	       "too many addresses in roles", 1, -1, -1);

	/* A duplicate far apart: the check is not only between neighbours. */
	p = base_with_hosts(n);
	p->roles[1].prefixes[n - 1] = p->roles[1].prefixes[7];
	expect("error: duplicate among 65534 prefixes", p,
	       "duplicate prefix in role", 1, n - 1, -1);
}

static struct imgsec_policy_desc *with_limit(u32 rate, u8 unit, u32 burst)
{
	struct imgsec_policy_desc *p = base();

	p->rules[1].limit_rate = rate;
	p->rules[1].limit_unit = unit;
	p->rules[1].limit_burst = burst;
	return p;
}

/* A rule's limit: none (all zero), or rate, unit and burst in bounds. */
static void test_limit_errors(void)
{
	expect("limit: 50/s burst 100", with_limit(50, 0, 100), NULL, -1, -1,
	       -1);
	expect("limit: at the bounds, per minute",
	       with_limit(IMGSEC_MAX_LIMIT_RATE, IMGSEC_LIMIT_UNIT_MINUTE,
			  IMGSEC_MAX_LIMIT_BURST), NULL, -1, -1, -1);
	expect("limit: 1/s burst 1", with_limit(1, 0, 1), NULL, -1, -1, -1);
	expect("error: limit rate too high",
	       with_limit(IMGSEC_MAX_LIMIT_RATE + 1, 0, 1),
	       "limit rate above 1000000", -1, -1, 1);
	expect("error: limit unit", with_limit(5, __IMGSEC_LIMIT_UNIT_MAX, 5),
	       "unknown limit unit", -1, -1, 1);
	expect("error: limit burst 0", with_limit(5, 0, 0),
	       "limit burst must be at least 1", -1, -1, 1);
	expect("error: limit burst too high",
	       with_limit(5, 0, IMGSEC_MAX_LIMIT_BURST + 1),
	       "limit burst above 1000000", -1, -1, 1);
	expect("error: burst without a rate", with_limit(0, 0, 5),
	       "limit burst or unit without a rate", -1, -1, 1);
	expect("error: unit without a rate",
	       with_limit(0, IMGSEC_LIMIT_UNIT_MINUTE, 0),
	       "limit burst or unit without a rate", -1, -1, 1);
}

static struct imgsec_policy_desc *with_source(u32 rate, u8 unit, u32 burst)
{
	struct imgsec_policy_desc *p = base();

	p->rules[1].source_rate = rate;
	p->rules[1].source_unit = unit;
	p->rules[1].source_burst = burst;
	return p;
}

/* @n rules, each with a per-source limit. */
static struct imgsec_policy_desc *with_sources(u32 n)
{
	struct imgsec_policy_desc *p = base();
	u32 i;

	p->rules = realloc(p->rules, n * sizeof(*p->rules));
	for (i = 0; i < n; i++) {
		p->rules[i] = p->rules[0];
		p->rules[i].ports[0].lo = p->rules[i].ports[0].hi = 1 + i;
		p->rules[i].source_rate = 5;
		p->rules[i].source_burst = 5;
	}
	p->nrules = n;
	return p;
}

/* A per-source limit: the same bounds; at most 32 rules have one. */
static void test_source_limit_errors(void)
{
	expect("per-source: 5/s burst 10", with_source(5, 0, 10), NULL, -1,
	       -1, -1);
	expect("per-source: at the bounds, per minute",
	       with_source(IMGSEC_MAX_LIMIT_RATE, IMGSEC_LIMIT_UNIT_MINUTE,
			   IMGSEC_MAX_LIMIT_BURST), NULL, -1, -1, -1);
	expect("error: per-source rate too high",
	       with_source(IMGSEC_MAX_LIMIT_RATE + 1, 0, 1),
	       "per-source rate above 1000000", -1, -1, 1);
	expect("error: per-source unit",
	       with_source(5, __IMGSEC_LIMIT_UNIT_MAX, 5),
	       "unknown per-source unit", -1, -1, 1);
	expect("error: per-source burst 0", with_source(5, 0, 0),
	       "per-source burst must be at least 1", -1, -1, 1);
	expect("error: per-source burst too high",
	       with_source(5, 0, IMGSEC_MAX_LIMIT_BURST + 1),
	       "per-source burst above 1000000", -1, -1, 1);
	expect("error: per-source burst without a rate", with_source(0, 0, 5),
	       "per-source burst or unit without a rate", -1, -1, 1);
	expect("valid: 32 rules with a per-source limit",
	       with_sources(IMGSEC_MAX_SOURCE_RULES), NULL, -1, -1, -1);
	expect("error: 33 rules with a per-source limit",
	       with_sources(IMGSEC_MAX_SOURCE_RULES + 1),
	       "too many rules with a per-source limit (at most 32)", -1, -1,
	       IMGSEC_MAX_SOURCE_RULES);
}

/* @max on rule 1, without (@rate 0) or with a per-source rate. */
static struct imgsec_policy_desc *with_max(u32 max, u32 rate)
{
	struct imgsec_policy_desc *p = with_source(rate, 0, rate);

	p->rules[1].source_max = max;
	return p;
}

/* @n rules, each with a cap alone (no rate). */
static struct imgsec_policy_desc *with_caps(u32 n)
{
	struct imgsec_policy_desc *p = with_sources(n);
	u32 i;

	for (i = 0; i < n; i++) {
		p->rules[i].source_rate = 0;
		p->rules[i].source_burst = 0;
		p->rules[i].source_max = 1 + i;
	}
	return p;
}

/* A per-source cap: 1..1000000, with a rate or alone; it counts to 32. */
static void test_source_max_errors(void)
{
	expect("per-source: max 64 alone", with_max(64, 0), NULL, -1, -1, -1);
	expect("per-source: 20/s max 1000000",
	       with_max(IMGSEC_MAX_SOURCE_CONNS, 20), NULL, -1, -1, -1);
	expect("error: per-source max too high",
	       with_max(IMGSEC_MAX_SOURCE_CONNS + 1, 0),
	       "per-source max above 1000000", -1, -1, 1);
	expect("error: per-source max too high, with a rate",
	       with_max(IMGSEC_MAX_SOURCE_CONNS + 1, 5),
	       "per-source max above 1000000", -1, -1, 1);
	expect("valid: 32 rules with a cap alone",
	       with_caps(IMGSEC_MAX_SOURCE_RULES), NULL, -1, -1, -1);
	expect("error: 33 rules with a cap alone",
	       with_caps(IMGSEC_MAX_SOURCE_RULES + 1),
	       "too many rules with a per-source limit (at most 32)", -1, -1,
	       IMGSEC_MAX_SOURCE_RULES);
}

static void test_rule_errors(void)
{
	struct imgsec_policy_desc *p;

	p = base();
	p->rules[1].from = 2;
	expect("error: from", p, "rule source role does not exist",
	       -1, -1, 1);

	p = base();
	p->rules[0].to = 255;
	expect("error: to", p, "rule destination role does not exist",
	       -1, -1, 0);

	p = base();
	p->rules[0].proto = IPPROTO_SCTP;
	expect("error: proto", p,
	       "rule protocol must be tcp, udp, icmp or icmpv6", -1, -1, 0);

	p = base();
	p->rules[1].proto = IPPROTO_ICMP;
	expect("error: a helper on icmp", p, "helpers need tcp or udp",
	       -1, -1, 1);

	p = base();
	p->rules[0].proto = IPPROTO_ICMPV6;
	p->rules[0].ports[0] = (struct imgsec_port_range){ 0, 255 };
	expect("icmpv6 types 0-255 are valid", p, NULL, -1, -1, -1);

	p = base();
	p->rules[0].proto = IPPROTO_ICMP;
	p->rules[0].ports[0] = (struct imgsec_port_range){ 8, 256 };
	expect("error: icmp type 256", p, "icmp type above 255", -1, -1, 0);

	p = base();
	p->rules[0].proto = IPPROTO_ICMP;
	p->rules[0].nports = 0;
	expect("error: icmp rule without types", p, "rule has no icmp types",
	       -1, -1, 0);

	p = base();
	p->rules[1].helper = __IMGSEC_HELPER_MAX;
	expect("error: helper", p, "unknown rule helper", -1, -1, 1);

	p = base();
	p->rules[1].helper = IMGSEC_HELPER_FTP;
	expect("error: ftp on udp", p, "ftp helper needs tcp", -1, -1, 1);

	p = base();
	p->rules[1].nports = 0;
	expect("error: no ports", p, "rule has no ports", -1, -1, 1);

	p = base();
	p->rules[1].nports = IMGSEC_MAX_PORT_RANGES + 1;
	expect("error: 33 ranges", p, "too many port ranges in rule",
	       -1, -1, 1);

	p = base();
	p->rules[0].nports = 2;
	p->rules[0].ports[1].lo = 0;
	p->rules[0].ports[1].hi = 10;
	expect("error: port 0", p, "port 0 is not allowed", -1, -1, 0);

	p = base();
	p->rules[0].nports = 2;
	p->rules[0].ports[1].lo = 11;
	p->rules[0].ports[1].hi = 10;
	expect("error: reversed range", p, "port range is reversed",
	       -1, -1, 0);

	p = base();
	memset(p->rules[1].comment, 'x', IMGSEC_COMMENT_LEN);
	expect("error: comment not terminated", p, "rule comment too long",
	       -1, -1, 1);

	p = base();
	memset(p->rules[1].ports_text, 'x', IMGSEC_PORTS_TEXT_LEN);
	expect("error: ports text not terminated", p,
	       "rule ports text too long", -1, -1, 1);

	/* Without roles every rule points nowhere. */
	p = base();
	p->nroles = 0;
	free(p->roles[0].prefixes);
	free(p->roles[1].prefixes);
	expect("error: rule without roles", p,
	       "rule source role does not exist", -1, -1, 0);
}

/* Release frees everything (ASan's leak check proves it) and zeroes. */
static void test_release(void)
{
	struct imgsec_policy_desc *p = base();
	static const struct imgsec_policy_desc zero;

	imgsec_policy_desc_release(p);
	CHECK(!memcmp(p, &zero, sizeof(zero)), "not zeroed");
	imgsec_policy_desc_release(p);	/* twice is harmless */
	free(p);
}

int main(void)
{
	test_valid();
	test_header_errors();
	test_role_errors();
	test_prefix_errors();
	test_host_bits_exhaustive();
	test_prefix_limit();
	test_rule_errors();
	test_limit_errors();
	test_source_limit_errors();
	test_source_max_errors();
	RUN(test_release);
	return test_summary();
}
