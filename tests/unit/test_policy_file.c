// sources: userspace/policy_file.c userspace/policy_print.c module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * The policy file format, imgsec.conf(5): every construct, every error with
 * its exact message, the limits, the printer, round trips of the shipped
 * policy and of random policies.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "../../userspace/policy_file.h"

#define SHIPPED TEST_DATA_DIR "/../../etc/imgsec.conf"

static int parse(const char *text, struct imgsec_policy_desc *d,
		 struct policy_diag *diag)
{
	return policy_parse_buffer("t.conf", text, strlen(text), d, diag);
}

static bool desc_is_empty(const struct imgsec_policy_desc *d)
{
	return !d->nroles && !d->nrules && !d->rules && !d->mode &&
	       !d->default_action && !d->placement;
}

/* Text printed by policy_print(), malloc'ed. */
static char *print_to_string(const struct imgsec_policy_desc *d, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = policy_print(f, d);
	fclose(f);
	return buf;
}

/* print, parse again, compare; fails the current test if anything differs. */
static void check_round_trip(const struct imgsec_policy_desc *d)
{
	struct imgsec_policy_desc again;
	struct policy_diag diag;
	char *text;
	int err;

	text = print_to_string(d, &err);
	CHECK(err == 0, "policy_print: %d", err);
	if (!text)
		return;
	err = parse(text, &again, &diag);
	CHECK(err == 0, "printed policy does not parse: %s\n%s", diag.msg,
	      text);
	CHECK(!err && policy_desc_equal(d, &again),
	      "printed policy parses to another policy:\n%s", text);
	imgsec_policy_desc_release(&again);
	free(text);
}

/* --- Constructs ---------------------------------------------------------- */

static void test_empty_file(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	CHECK_EQ(parse("", &d, &diag), 0);
	CHECK(desc_is_empty(&d), "not empty");
	CHECK_EQ(diag.msg[0], '\0');
	CHECK_EQ(parse("\n\n# only a comment\n   \t\n", &d, &diag), 0);
	CHECK(desc_is_empty(&d), "not empty");
	imgsec_policy_desc_release(&d);
}

static void test_settings(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	REQUIRE(parse("mode monitor\ndefault reject\nplacement gateway\n", &d,
		      &diag) == 0, "%s", diag.msg);
	CHECK_EQ(d.mode, IMGSEC_MODE_MONITOR);
	CHECK_EQ(d.default_action, IMGSEC_ACTION_REJECT);
	CHECK_EQ(d.placement, IMGSEC_PLACEMENT_GATEWAY);
	REQUIRE(parse("\tplacement host # here\ndefault drop\nmode enforce", &d,
		      &diag) == 0, "%s", diag.msg);
	CHECK_EQ(d.mode, IMGSEC_MODE_ENFORCE);
	CHECK_EQ(d.default_action, IMGSEC_ACTION_DROP);
	CHECK_EQ(d.placement, IMGSEC_PLACEMENT_HOST);
	imgsec_policy_desc_release(&d);
}

static bool prefix_is(const struct imgsec_prefix *p, const char *addr,
		      unsigned int plen)
{
	struct imgsec_prefix want = { 0 };

	want.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	want.plen = plen;
	if (inet_pton(want.family, addr, want.addr) != 1)
		return false;
	return !memcmp(p, &want, sizeof(want));
}

static void test_roles(void)
{
	static const char text[] =
		"role gcems 192.0.2.1 2001:db8::1\n"
		"role img\t192.0.2.11   192.0.2.0/28 # the IMGs\n"
		"role empty\n"
		"role all 0.0.0.0/0 ::/0 2001:db8::/32 10.0.0.0/8\n"
		"role img 2001:db8:0:1::/64\n"
		"role a-b_9 192.0.2.128/25\n";
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	const struct imgsec_role_desc *r = d.roles;

	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	REQUIRE(d.nroles == 5, "%u roles", d.nroles);
	CHECK(!strcmp(r[0].name, "gcems"), "%s", r[0].name);
	CHECK(!strcmp(r[1].name, "img"), "%s", r[1].name);
	CHECK(!strcmp(r[2].name, "empty"), "%s", r[2].name);
	CHECK(!strcmp(r[3].name, "all"), "%s", r[3].name);
	CHECK(!strcmp(r[4].name, "a-b_9"), "%s", r[4].name);
	REQUIRE(r[0].nprefixes == 2, "%u", r[0].nprefixes);
	CHECK(prefix_is(&r[0].prefixes[0], "192.0.2.1", 32), "gcems v4");
	CHECK(prefix_is(&r[0].prefixes[1], "2001:db8::1", 128), "gcems v6");
	REQUIRE(r[1].nprefixes == 3, "%u", r[1].nprefixes);
	CHECK(prefix_is(&r[1].prefixes[0], "192.0.2.11", 32), "img 0");
	CHECK(prefix_is(&r[1].prefixes[1], "192.0.2.0", 28), "img 1");
	CHECK(prefix_is(&r[1].prefixes[2], "2001:db8:0:1::", 64),
	      "img 2: appended by the second role line");
	CHECK_EQ(r[2].nprefixes, 0);
	REQUIRE(r[3].nprefixes == 4, "%u", r[3].nprefixes);
	CHECK(prefix_is(&r[3].prefixes[0], "0.0.0.0", 0), "v4 any");
	CHECK(prefix_is(&r[3].prefixes[1], "::", 0), "v6 any");
	CHECK(prefix_is(&r[3].prefixes[2], "2001:db8::", 32), "v6 /32");
	CHECK(prefix_is(&r[3].prefixes[3], "10.0.0.0", 8), "v4 /8");
	CHECK(prefix_is(&r[4].prefixes[0], "192.0.2.128", 25), "v4 /25");
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
}

#define ROLES_AB "role a 192.0.2.1\nrole b 192.0.2.2\n"

/* Parse ROLES_AB plus one rule line into @rule. */
static int parse_rule(const char *line, struct imgsec_rule_desc *rule,
		      struct policy_diag *diag)
{
	struct imgsec_policy_desc d;
	char text[8192];
	int err;

	snprintf(text, sizeof(text), ROLES_AB "%s\n", line);
	err = parse(text, &d, diag);
	if (!err && d.nrules == 1)
		*rule = d.rules[0];
	else if (!err)
		err = -1;
	imgsec_policy_desc_release(&d);
	return err;
}

static void test_rule_basic(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;

	REQUIRE(parse_rule("allow a -> b tcp 22", &r, &diag) == 0, "%s",
		diag.msg);
	CHECK_EQ(r.from, 0);
	CHECK_EQ(r.to, 1);
	CHECK_EQ(r.proto, IPPROTO_TCP);
	CHECK_EQ(r.helper, IMGSEC_HELPER_NONE);
	CHECK_EQ(r.nports, 1);
	CHECK(r.ports[0].lo == 22 && r.ports[0].hi == 22, "ports");
	CHECK_EQ(r.comment[0], '\0');
	REQUIRE(parse_rule("  allow\tb  ->  a\tudp 2428-2433,1,65535,20-20 # x",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.from, 1);
	CHECK_EQ(r.to, 0);
	CHECK_EQ(r.proto, IPPROTO_UDP);
	REQUIRE(r.nports == 4, "%u", r.nports);
	CHECK(r.ports[0].lo == 2428 && r.ports[0].hi == 2433, "range");
	CHECK(r.ports[1].lo == 1 && r.ports[1].hi == 1, "1");
	CHECK(r.ports[2].lo == 65535 && r.ports[2].hi == 65535, "65535");
	CHECK(r.ports[3].lo == 20 && r.ports[3].hi == 20, "20-20");
	REQUIRE(parse_rule("allow a -> a tcp 22#ssh", &r, &diag) == 0, "%s",
		diag.msg);
	CHECK(r.from == 0 && r.to == 0 && r.ports[0].lo == 22, "a -> a");
}

static void test_rule_helpers(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;

	REQUIRE(parse_rule("allow a -> b udp 111 helper rpc", &r, &diag) == 0,
		"%s", diag.msg);
	CHECK_EQ(r.helper, IMGSEC_HELPER_RPC);
	REQUIRE(parse_rule("allow a -> b tcp 111 helper rpc", &r, &diag) == 0,
		"%s", diag.msg);
	CHECK_EQ(r.helper, IMGSEC_HELPER_RPC);
	REQUIRE(parse_rule("allow a -> b tcp 20,21 helper ftp \"FTP\"", &r,
			   &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.helper, IMGSEC_HELPER_FTP);
	CHECK(!strcmp(r.comment, "FTP"), "%s", r.comment);
}

/* limit RATE [burst N], before or after a helper; burst defaults to RATE. */
static void test_rule_limits(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;

	REQUIRE(parse_rule("allow a -> b tcp 12610 limit 50/s burst 100", &r,
			   &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.limit_rate, 50);
	CHECK_EQ(r.limit_unit, IMGSEC_LIMIT_UNIT_SECOND);
	CHECK_EQ(r.limit_burst, 100);
	REQUIRE(parse_rule("allow a -> b tcp 21 limit 10/minute helper ftp \"x\"",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.limit_rate, 10);
	CHECK_EQ(r.limit_unit, IMGSEC_LIMIT_UNIT_MINUTE);
	CHECK_EQ(r.limit_burst, 10);
	CHECK_EQ(r.helper, IMGSEC_HELPER_FTP);
	CHECK(!strcmp(r.comment, "x"), "%s", r.comment);
	REQUIRE(parse_rule("allow a -> b udp 111 helper rpc limit 1000000/second burst 1000000",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.limit_rate, 1000000);
	CHECK_EQ(r.limit_burst, 1000000);
	CHECK_EQ(r.helper, IMGSEC_HELPER_RPC);
	REQUIRE(parse_rule("allow a -> b icmp echo-request limit 1/min burst 1 # c",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK(r.limit_rate == 1 && r.limit_burst == 1 &&
	      r.limit_unit == IMGSEC_LIMIT_UNIT_MINUTE, "icmp limit");
	REQUIRE(parse_rule("allow a -> b tcp 22", &r, &diag) == 0, "%s",
		diag.msg);
	CHECK(!r.limit_rate && !r.limit_burst && !r.limit_unit, "no limit");
	CHECK(!r.source_rate && !r.source_burst && !r.source_unit &&
	      !r.source_max, "no per-source limit");
}

/* per-source RATE [burst N], alone or with limit and helper, any order. */
static void test_rule_source_limits(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;

	REQUIRE(parse_rule("allow a -> b tcp 12610 per-source 5/s burst 10", &r,
			   &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.source_rate, 5);
	CHECK_EQ(r.source_unit, IMGSEC_LIMIT_UNIT_SECOND);
	CHECK_EQ(r.source_burst, 10);
	CHECK(!r.limit_rate, "no shared limit");
	REQUIRE(parse_rule("allow a -> b tcp 21 helper ftp per-source 6/min limit 50/s burst 100 \"x\"",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.source_rate, 6);
	CHECK_EQ(r.source_unit, IMGSEC_LIMIT_UNIT_MINUTE);
	CHECK_EQ(r.source_burst, 6);
	CHECK_EQ(r.limit_rate, 50);
	CHECK_EQ(r.limit_burst, 100);
	CHECK_EQ(r.helper, IMGSEC_HELPER_FTP);
	CHECK(!strcmp(r.comment, "x"), "%s", r.comment);
	CHECK_EQ(r.source_max, 0);
}

/* per-source [RATE [burst N]] [max M]: the cap with a rate, or alone. */
static void test_rule_source_max(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;

	REQUIRE(parse_rule("allow a -> b tcp 12610 per-source 20/s max 64", &r,
			   &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.source_rate, 20);
	CHECK_EQ(r.source_burst, 20);
	CHECK_EQ(r.source_max, 64);
	REQUIRE(parse_rule("allow a -> b tcp 12610 per-source 5/min burst 10 max 1 limit 50/s",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.source_rate, 5);
	CHECK_EQ(r.source_unit, IMGSEC_LIMIT_UNIT_MINUTE);
	CHECK_EQ(r.source_burst, 10);
	CHECK_EQ(r.source_max, 1);
	CHECK_EQ(r.limit_rate, 50);
	REQUIRE(parse_rule("allow a -> b tcp 22 helper ftp per-source max 1000000 \"x\"",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK(!r.source_rate && !r.source_burst && !r.source_unit,
	      "a cap alone: no rate");
	CHECK_EQ(r.source_max, IMGSEC_MAX_SOURCE_CONNS);
	CHECK_EQ(r.helper, IMGSEC_HELPER_FTP);
	CHECK(!strcmp(r.comment, "x"), "%s", r.comment);
}

/* At most IMGSEC_MAX_SOURCE_RULES rules with a per-source limit. */
static void test_source_rules_bound(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *text, *o;
	int i;

	text = malloc(64 * (IMGSEC_MAX_SOURCE_RULES + 4));
	REQUIRE(text, "malloc");
	o = text + sprintf(text, ROLES_AB);
	for (i = 0; i < IMGSEC_MAX_SOURCE_RULES; i++)
		o += sprintf(o, "allow a -> b tcp %d per-source 1/s\n", i + 1);
	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	imgsec_policy_desc_release(&d);
	sprintf(o, "allow a -> b tcp 99 per-source 1/s\n");
	CHECK(parse(text, &d, &diag) != 0, "one rule too many");
	CHECK(strstr(diag.msg, "too many rules with a per-source limit (at most 32)"),
	      "%s", diag.msg);
	/* A cap counts too: 31 rates and 1 cap, then a 33rd, a cap. */
	o = text + sprintf(text, ROLES_AB);
	for (i = 0; i < IMGSEC_MAX_SOURCE_RULES; i++)
		o += sprintf(o, i % 2 ? "allow a -> b tcp %d per-source max 4\n" :
			     "allow a -> b tcp %d per-source 1/s\n", i + 1);
	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	imgsec_policy_desc_release(&d);
	sprintf(o, "allow a -> b tcp 99 per-source max 1\n");
	CHECK(parse(text, &d, &diag) != 0, "one cap too many");
	CHECK(strstr(diag.msg, "too many rules with a per-source limit (at most 32)"),
	      "%s", diag.msg);
	free(text);
}

static void test_port_names(void)
{
	static const struct {
		const char *name;
		unsigned int port;
	} names[] = {
		{ "ftp-data", 20 }, { "ftp", 21 }, { "ssh", 22 },
		{ "telnet", 23 }, { "domain", 53 }, { "http", 80 },
		{ "sunrpc", 111 }, { "portmap", 111 }, { "rpcbind", 111 },
		{ "ntp", 123 }, { "snmp", 161 }, { "snmp-trap", 162 },
		{ "snmptrap", 162 }, { "https", 443 }, { "radius", 1812 },
		{ "radius-acct", 1813 }, { "nfs", 2049 },
	};
	struct imgsec_rule_desc r;
	struct policy_diag diag;
	char line[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(line, sizeof(line), "allow a -> b udp %s",
			 names[i].name);
		REQUIRE(parse_rule(line, &r, &diag) == 0, "%s", diag.msg);
		CHECK(r.nports == 1 && r.ports[0].lo == names[i].port &&
		      r.ports[0].hi == names[i].port, "%s", names[i].name);
	}
	REQUIRE(parse_rule("allow a -> b tcp ftp-data,ssh,2000-2001,radius-acct",
			   &r, &diag) == 0, "%s", diag.msg);
	REQUIRE(r.nports == 4, "%u", r.nports);
	CHECK(r.ports[0].lo == 20 && r.ports[1].lo == 22 &&
	      r.ports[2].lo == 2000 && r.ports[2].hi == 2001 &&
	      r.ports[3].lo == 1813, "list with names");
}

static void test_comments(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;

	REQUIRE(parse_rule("allow a -> b tcp 1 \"\"", &r, &diag) == 0, "%s",
		diag.msg);
	CHECK_EQ(r.comment[0], '\0');
	REQUIRE(parse_rule("allow a -> b tcp 1 \"say \\\"hi\\\" \\\\ # not a comment\" # a comment",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK(!strcmp(r.comment, "say \"hi\" \\ # not a comment"), "%s",
	      r.comment);
	REQUIRE(parse_rule("allow a -> b tcp 1 \"\\x41\\x7f\\x01\\xfF\xc3\xa9\"",
			   &r, &diag) == 0, "%s", diag.msg);
	CHECK(!strcmp(r.comment, "A\x7f\x01\xff\xc3\xa9"), "escapes");
	REQUIRE(parse_rule("allow a -> b tcp 1 helper rpc\"x\"", &r, &diag) ==
		0, "%s", diag.msg);
	CHECK(!strcmp(r.comment, "x"), "%s", r.comment);
}

static void test_rule_uses_role_appended_later(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	REQUIRE(parse("role a 192.0.2.1\nallow a -> a tcp 1\n"
		      "role a 192.0.2.2\n", &d, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(d.roles[0].nprefixes, 2);
	CHECK_EQ(d.nrules, 1);
	imgsec_policy_desc_release(&d);
}

static void test_no_final_newline(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	REQUIRE(parse(ROLES_AB "allow a -> b tcp 1 \"end\"", &d, &diag) == 0,
		"%s", diag.msg);
	CHECK(d.nrules == 1 && !strcmp(d.rules[0].comment, "end"), "rule");
	imgsec_policy_desc_release(&d);
}

/* --- Errors, with their exact messages ----------------------------------- */

struct error_case {
	const char *text;
	const char *msg;
};

static const struct error_case error_cases[] = {
	/* settings */
	{ "mode enforce\nmode monitor\n",
	  "t.conf:2:1: mode already set on line 1" },
	{ "default drop\ndefault reject\n",
	  "t.conf:2:1: default already set on line 1" },
	{ "placement host\n\n  placement host\n",
	  "t.conf:3:3: placement already set on line 1" },
	{ "mode enforcing\n",
	  "t.conf:1:6: expected \"enforce\" or \"monitor\" after \"mode\", got \"enforcing\"" },
	{ "mode\n",
	  "t.conf:1:5: expected \"enforce\" or \"monitor\" after \"mode\", got end of line" },
	{ "default accept\n",
	  "t.conf:1:9: expected \"drop\" or \"reject\" after \"default\", got \"accept\"" },
	{ "placement router # no\n",
	  "t.conf:1:11: expected \"host\" or \"gateway\" after \"placement\", got \"router\"" },
	{ "mode enforce now\n",
	  "t.conf:1:14: expected end of line after \"mode enforce\", got \"now\"" },
	{ "default reject \"x\"\n",
	  "t.conf:1:16: expected end of line after \"default reject\", got a comment string" },
	/* directives */
	{ "Mode enforce\n",
	  "t.conf:1:1: expected mode, default, placement, role, allow or include, got \"Mode\" (did you mean \"mode\"?)" },
	{ "# ok\n  alow a -> b tcp 1\n",
	  "t.conf:2:3: expected mode, default, placement, role, allow or include, got \"alow\" (did you mean \"allow\"?)" },
	{ "\"allow\"\n",
	  "t.conf:1:1: expected mode, default, placement, role, allow or include, got a comment string" },
	{ "\x01\n",
	  "t.conf:1:1: expected mode, default, placement, role, allow or include, got \"\\x01\"" },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	  "t.conf:1:1: expected mode, default, placement, role, allow or include, got \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"" },
	/* roles */
	{ "role\n",
	  "t.conf:1:5: expected a role name after \"role\", got end of line" },
	{ "role \"img\"\n",
	  "t.conf:1:6: expected a role name after \"role\", got a comment string" },
	{ "role Img 192.0.2.1\n",
	  "t.conf:1:6: invalid role name \"Img\": use a-z, 0-9, \"_\" and \"-\", starting with a letter" },
	{ "role 1img\n",
	  "t.conf:1:6: invalid role name \"1img\": use a-z, 0-9, \"_\" and \"-\", starting with a letter" },
	{ "role im.g\n",
	  "t.conf:1:6: invalid role name \"im.g\": use a-z, 0-9, \"_\" and \"-\", starting with a letter" },
	{ "role aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "t.conf:1:6: role name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is longer than 31 characters" },
	{ "role a 192.0.2.300\n",
	  "t.conf:1:8: expected an IPv4 or IPv6 address or prefix, got \"192.0.2.300\"" },
	{ "role a 192.0.2\n",
	  "t.conf:1:8: expected an IPv4 or IPv6 address or prefix, got \"192.0.2\"" },
	{ "role a fe80::1%eth0\n",
	  "t.conf:1:8: expected an IPv4 or IPv6 address or prefix, got \"fe80::1%eth0\"" },
	{ "role a 2001:db8::1::2\n",
	  "t.conf:1:8: expected an IPv4 or IPv6 address or prefix, got \"2001:db8::1::2\"" },
	{ "role a gcems\n",
	  "t.conf:1:8: expected an IPv4 or IPv6 address or prefix, got \"gcems\"" },
	{ "role a 192.0.2.0/33\n",
	  "t.conf:1:18: expected a prefix length from 0 to 32 after \"/\", got \"33\"" },
	{ "role a 192.0.2.0/\n",
	  "t.conf:1:18: expected a prefix length from 0 to 32 after \"/\", got \"\"" },
	{ "role a 192.0.2.0/+24\n",
	  "t.conf:1:18: expected a prefix length from 0 to 32 after \"/\", got \"+24\"" },
	{ "role a 192.0.2.0/24/24\n",
	  "t.conf:1:18: expected a prefix length from 0 to 32 after \"/\", got \"24/24\"" },
	{ "role a 2001:db8::/129\n",
	  "t.conf:1:19: expected a prefix length from 0 to 128 after \"/\", got \"129\"" },
	{ "role a 192.0.2.1/24\n",
	  "t.conf:1:8: host bits set in \"192.0.2.1/24\": only the first 24 of 32 bits may be set (the network is 192.0.2.0/24)" },
	{ "role a 192.0.2.129/25\n",
	  "t.conf:1:8: host bits set in \"192.0.2.129/25\": only the first 25 of 32 bits may be set (the network is 192.0.2.128/25)" },
	{ "role a 10.0.0.1/0\n",
	  "t.conf:1:8: host bits set in \"10.0.0.1/0\": only the first 0 of 32 bits may be set (the network is 0.0.0.0/0)" },
	{ "role a 2001:db8::1/64\n",
	  "t.conf:1:8: host bits set in \"2001:db8::1/64\": only the first 64 of 128 bits may be set (the network is 2001:db8::/64)" },
	{ "role a ::ffff:192.0.2.1\n",
	  "t.conf:1:8: \"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address: write the IPv4 address 192.0.2.1" },
	{ "role a 192.0.2.1 \"x\"\n",
	  "t.conf:1:18: expected an IPv4 or IPv6 address or prefix, got a comment string" },
	{ "role a 192.0.2.1 192.0.2.2\nrole a 192.0.2.1\n",
	  "t.conf:2:8: duplicate prefix in role \"a\" (first on line 1)" },
	{ "role a 192.0.2.0/24 192.0.2.0/24\n",
	  "t.conf:1:21: duplicate prefix in role \"a\" (first on line 1)" },
	/* rules: roles and arrow */
	{ ROLES_AB "allow\n",
	  "t.conf:3:6: expected the source role after \"allow\", got end of line" },
	{ ROLES_AB "allow x -> b tcp 1\n",
	  "t.conf:3:7: unknown role \"x\" (roles: a, b)" },
	{ "allow img -> gcems tcp 1\n",
	  "t.conf:1:7: unknown role \"img\" (no role is defined above this line)" },
	{ ROLES_AB "allow a->b tcp 1\n",
	  "t.conf:3:7: expected the source role after \"allow\", got \"a->b\" (put blanks around \"->\")" },
	{ ROLES_AB "allow A -> b tcp 1\n",
	  "t.conf:3:7: invalid role name \"A\": use a-z, 0-9, \"_\" and \"-\", starting with a letter" },
	{ ROLES_AB "allow a b tcp 1\n",
	  "t.conf:3:9: expected \"->\" after the source role, got \"b\"" },
	{ ROLES_AB "allow a => b tcp 1\n",
	  "t.conf:3:9: expected \"->\" after the source role, got \"=>\"" },
	{ ROLES_AB "allow a\n",
	  "t.conf:3:8: expected \"->\" after the source role, got end of line" },
	{ ROLES_AB "allow a ->\n",
	  "t.conf:3:11: expected the destination role after \"->\", got end of line" },
	{ ROLES_AB "allow a -> c tcp 1\n",
	  "t.conf:3:12: unknown role \"c\" (roles: a, b)" },
	{ ROLES_AB "allow a -> b\n",
	  "t.conf:3:13: expected \"tcp\", \"udp\", \"icmp\" or \"icmpv6\", got end of line" },
	{ ROLES_AB "allow a -> b icmp6 1\n",
	  "t.conf:3:14: expected \"tcp\", \"udp\", \"icmp\" or \"icmpv6\", got \"icmp6\"" },
	{ ROLES_AB "allow a -> b TCP 1\n",
	  "t.conf:3:14: expected \"tcp\", \"udp\", \"icmp\" or \"icmpv6\", got \"TCP\"" },
	/* rules: icmp types */
	{ ROLES_AB "allow a -> b icmp\n",
	  "t.conf:3:18: expected an icmp type: a name, a number or a range, got end of line" },
	{ ROLES_AB "allow a -> b icmp ehco\n",
	  "t.conf:3:19: expected an icmp type: a name, a number or a range, got \"ehco\" (did you mean \"echo\"?)" },
	{ ROLES_AB "allow a -> b icmp packet-too-big\n",
	  "t.conf:3:19: expected an icmp type: a name, a number or a range, got \"packet-too-big\"" },
	{ ROLES_AB "allow a -> b icmpv6 packet-to-big\n",
	  "t.conf:3:21: expected an icmpv6 type: a name, a number or a range, got \"packet-to-big\" (did you mean \"packet-too-big\"?)" },
	{ ROLES_AB "allow a -> b icmp 256\n",
	  "t.conf:3:19: icmp type \"256\" out of range (0 to 255)" },
	{ ROLES_AB "allow a -> b icmpv6 1-256\n",
	  "t.conf:3:23: icmpv6 type \"256\" out of range (0 to 255)" },
	{ ROLES_AB "allow a -> b icmp echo,8\n",
	  "t.conf:3:24: \"8\" overlaps 8 earlier in the list" },
	{ ROLES_AB "allow a -> b icmp echo helper rpc\n",
	  "t.conf:3:31: a helper needs tcp or udp: icmp carries no connection to follow" },
	{ ROLES_AB "allow a -> b icmpv6 echo helper ftp\n",
	  "t.conf:3:33: a helper needs tcp or udp: icmpv6 carries no connection to follow" },
	/* rules: ports */
	{ ROLES_AB "allow a -> b tcp\n",
	  "t.conf:3:17: expected a port, a range or a port name, got end of line" },
	{ ROLES_AB "allow a -> b tcp \"ssh\"\n",
	  "t.conf:3:18: expected a port, a range or a port name, got a comment string" },
	{ ROLES_AB "allow a -> b tcp htp\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"htp\" (did you mean \"http\"?)" },
	{ ROLES_AB "allow a -> b tcp 20,htp\n",
	  "t.conf:3:21: expected a port, a range or a port name, got \"htp\" (did you mean \"http\"?)" },
	{ ROLES_AB "allow a -> b tcp SSH\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"SSH\"" },
	{ ROLES_AB "allow a -> b tcp ftp-ssh\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"ftp-ssh\"" },
	{ ROLES_AB "allow a -> b tcp 20-\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"20-\"" },
	{ ROLES_AB "allow a -> b tcp -20\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"-20\"" },
	{ ROLES_AB "allow a -> b tcp 1-2-3\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"1-2-3\"" },
	{ ROLES_AB "allow a -> b tcp 0\n",
	  "t.conf:3:18: port \"0\" out of range (1 to 65535)" },
	{ ROLES_AB "allow a -> b tcp 65536\n",
	  "t.conf:3:18: port \"65536\" out of range (1 to 65535)" },
	{ ROLES_AB "allow a -> b tcp 99999999999999999999999\n",
	  "t.conf:3:18: port \"99999999999999999999999\" out of range (1 to 65535)" },
	{ ROLES_AB "allow a -> b tcp 0-10\n",
	  "t.conf:3:18: port \"0\" out of range (1 to 65535)" },
	{ ROLES_AB "allow a -> b tcp 1-65536\n",
	  "t.conf:3:20: port \"65536\" out of range (1 to 65535)" },
	{ ROLES_AB "allow a -> b tcp 33-20\n",
	  "t.conf:3:18: range \"33-20\" is backwards: write 20-33" },
	{ ROLES_AB "allow a -> b tcp 20,,21\n",
	  "t.conf:3:21: expected a port, a range or a port name, got \",\"" },
	{ ROLES_AB "allow a -> b tcp ,20\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \",\"" },
	{ ROLES_AB "allow a -> b tcp 20,\n",
	  "t.conf:3:21: expected a port, a range or a port name, got end of the list" },
	{ ROLES_AB "allow a -> b tcp 20, 21\n",
	  "t.conf:3:21: expected a port, a range or a port name, got end of the list" },
	{ ROLES_AB "allow a -> b tcp 20,21,ftp\n",
	  "t.conf:3:24: \"ftp\" overlaps 21 earlier in the list" },
	{ ROLES_AB "allow a -> b tcp 2428-2433,2430\n",
	  "t.conf:3:28: \"2430\" overlaps 2428-2433 earlier in the list" },
	{ ROLES_AB "allow a -> b tcp 10,5-10\n",
	  "t.conf:3:21: \"5-10\" overlaps 10 earlier in the list" },
	{ ROLES_AB "allow a -> b tcp 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33\n",
	  "t.conf:3:105: too many ports and ranges in one rule (at most 32)" },
	/* rules: helper and comment */
	{ ROLES_AB "allow a -> b tcp 1 helper\n",
	  "t.conf:3:26: expected \"rpc\" or \"ftp\" after \"helper\", got end of line" },
	{ ROLES_AB "allow a -> b tcp 1 helper tftp\n",
	  "t.conf:3:27: expected \"rpc\" or \"ftp\" after \"helper\", got \"tftp\"" },
	{ ROLES_AB "allow a -> b udp 21 helper ftp\n",
	  "t.conf:3:28: helper ftp needs tcp: FTP control connections are TCP" },
	{ ROLES_AB "allow a -> b tcp 1 comment\n",
	  "t.conf:3:20: expected \"limit\", \"per-source\", \"helper\", a comment string or end of line, got \"comment\"" },
	{ ROLES_AB "allow a -> b tcp 1 2\n",
	  "t.conf:3:20: expected \"limit\", \"per-source\", \"helper\", a comment string or end of line, got \"2\"" },
	{ ROLES_AB "allow a -> b tcp 1 helper rpc rpc\n",
	  "t.conf:3:31: expected \"limit\", \"per-source\", a comment string or end of line, got \"rpc\"" },
	/* rules: limit */
	{ ROLES_AB "allow a -> b tcp 1 limit\n",
	  "t.conf:3:25: expected a rate after \"limit\" (e.g. 50/s or 10/min), got end of line" },
	{ ROLES_AB "allow a -> b tcp 1 limit 50\n",
	  "t.conf:3:26: expected a rate after \"limit\" (e.g. 50/s or 10/min), got \"50\"" },
	{ ROLES_AB "allow a -> b tcp 1 limit \"50/s\"\n",
	  "t.conf:3:26: expected a rate after \"limit\" (e.g. 50/s or 10/min), got a comment string" },
	{ ROLES_AB "allow a -> b tcp 1 limit 0/s\n",
	  "t.conf:3:26: limit rate \"0\" must be a number from 1 to 1000000" },
	{ ROLES_AB "allow a -> b tcp 1 limit /s\n",
	  "t.conf:3:26: limit rate \"\" must be a number from 1 to 1000000" },
	{ ROLES_AB "allow a -> b tcp 1 limit -5/s\n",
	  "t.conf:3:26: limit rate \"-5\" must be a number from 1 to 1000000" },
	{ ROLES_AB "allow a -> b tcp 1 limit 1000001/s\n",
	  "t.conf:3:26: limit rate \"1000001\" must be a number from 1 to 1000000" },
	{ ROLES_AB "allow a -> b tcp 1 limit 50/h\n",
	  "t.conf:3:29: limit unit \"h\": use s, second, min or minute" },
	{ ROLES_AB "allow a -> b tcp 1 limit 50/\n",
	  "t.conf:3:29: limit unit \"\": use s, second, min or minute" },
	{ ROLES_AB "allow a -> b tcp 1 limit 50/s/s\n",
	  "t.conf:3:29: limit unit \"s/s\": use s, second, min or minute" },
	{ ROLES_AB "allow a -> b tcp 1 limit 5/s burst\n",
	  "t.conf:3:35: expected a burst from 1 to 1000000 after \"burst\", got end of line" },
	{ ROLES_AB "allow a -> b tcp 1 limit 5/s burst 0\n",
	  "t.conf:3:36: expected a burst from 1 to 1000000 after \"burst\", got \"0\"" },
	{ ROLES_AB "allow a -> b tcp 1 limit 5/s burst 1000001\n",
	  "t.conf:3:36: expected a burst from 1 to 1000000 after \"burst\", got \"1000001\"" },
	{ ROLES_AB "allow a -> b tcp 1 burst 5\n",
	  "t.conf:3:20: expected \"limit\", \"per-source\", \"helper\", a comment string or end of line, got \"burst\"" },
	{ ROLES_AB "allow a -> b tcp 1 limit 5/s limit 3/s\n",
	  "t.conf:3:30: the rule has a limit already" },
	{ ROLES_AB "allow a -> b tcp 1 limit 5/s burst 3 burst 4\n",
	  "t.conf:3:38: expected \"per-source\", \"helper\", a comment string or end of line, got \"burst\"" },
	{ ROLES_AB "allow a -> b tcp 1 helper rpc limit 5/s x\n",
	  "t.conf:3:41: expected \"per-source\", a comment string or end of line, got \"x\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source\n",
	  "t.conf:3:30: expected a rate or \"max\" after \"per-source\" (e.g. 5/s, max 64), got end of line" },
	{ ROLES_AB "allow a -> b tcp 1 per-source burst 5\n",
	  "t.conf:3:31: expected a rate or \"max\" after \"per-source\" (e.g. 5/s, max 64), got \"burst\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source max\n",
	  "t.conf:3:34: expected a number of connections from 1 to 1000000 after \"max\", got end of line" },
	{ ROLES_AB "allow a -> b tcp 1 per-source max 0\n",
	  "t.conf:3:35: expected a number of connections from 1 to 1000000 after \"max\", got \"0\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source max 1000001\n",
	  "t.conf:3:35: expected a number of connections from 1 to 1000000 after \"max\", got \"1000001\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source max -1\n",
	  "t.conf:3:35: expected a number of connections from 1 to 1000000 after \"max\", got \"-1\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source 5/s burst 3 max x\n",
	  "t.conf:3:47: expected a number of connections from 1 to 1000000 after \"max\", got \"x\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source max 4 5/s\n",
	  "t.conf:3:37: expected \"limit\", \"helper\", a comment string or end of line, got \"5/s\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source max 4 max 5\n",
	  "t.conf:3:37: expected \"limit\", \"helper\", a comment string or end of line, got \"max\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source 5/s max 4 burst 5\n",
	  "t.conf:3:41: expected \"limit\", \"helper\", a comment string or end of line, got \"burst\"" },
	{ ROLES_AB "allow a -> b tcp 1 max 4\n",
	  "t.conf:3:20: expected \"limit\", \"per-source\", \"helper\", a comment string or end of line, got \"max\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source 0/s\n",
	  "t.conf:3:31: per-source rate \"0\" must be a number from 1 to 1000000" },
	{ ROLES_AB "allow a -> b tcp 1 per-source 5/h\n",
	  "t.conf:3:33: per-source unit \"h\": use s, second, min or minute" },
	{ ROLES_AB "allow a -> b tcp 1 per-source 5/s burst 0\n",
	  "t.conf:3:41: expected a burst from 1 to 1000000 after \"burst\", got \"0\"" },
	{ ROLES_AB "allow a -> b tcp 1 per-source 5/s per-source 3/s\n",
	  "t.conf:3:35: the rule has a per-source limit already" },
	{ ROLES_AB "allow a -> b tcp 1 limit 5/s per-source 1/s helper rpc x\n",
	  "t.conf:3:56: expected a comment string or end of line, got \"x\"" },
	{ ROLES_AB "allow a -> b tcp 1 helper rpc helper rpc\n",
	  "t.conf:3:31: the rule has a helper already" },
	{ ROLES_AB "allow a -> b tcp 1 \"x\" limit 5/s\n",
	  "t.conf:3:24: expected end of line after the comment string, got \"limit\"" },
	{ ROLES_AB "allow a -> b tcp 1 \"x\" y\n",
	  "t.conf:3:24: expected end of line after the comment string, got \"y\"" },
	{ ROLES_AB "allow a -> b tcp 1 \"x\" \"y\"\n",
	  "t.conf:3:24: expected end of line after the comment string, got a comment string" },
	{ ROLES_AB "allow a -> b tcp 1 \"x\" helper rpc\n",
	  "t.conf:3:24: expected end of line after the comment string, got \"helper\"" },
	{ ROLES_AB "allow a -> b tcp 1 \"abc\n",
	  "t.conf:3:20: comment string has no closing '\"'" },
	{ ROLES_AB "allow a -> b tcp 1 \"abc\\\"\n",
	  "t.conf:3:20: comment string has no closing '\"'" },
	{ ROLES_AB "allow a -> b tcp 1 \"\n",
	  "t.conf:3:20: comment string has no closing '\"'" },
	{ ROLES_AB "allow a -> b tcp 1 \"a\\qb\"\n",
	  "t.conf:3:22: invalid escape \"\\q\" in the comment: use \\\", \\\\ or \\xHH (not \\x00)" },
	{ ROLES_AB "allow a -> b tcp 1 \"a\\x00b\"\n",
	  "t.conf:3:22: invalid escape \"\\x00\" in the comment: use \\\", \\\\ or \\xHH (not \\x00)" },
	{ ROLES_AB "allow a -> b tcp 1 \"a\\xg0\"\n",
	  "t.conf:3:22: invalid escape \"\\xg0\" in the comment: use \\\", \\\\ or \\xHH (not \\x00)" },
	{ ROLES_AB "allow a -> b tcp 1 \"a\\x4\"\n",
	  "t.conf:3:22: invalid escape \"\\x4\" in the comment: use \\\", \\\\ or \\xHH (not \\x00)" },
	{ ROLES_AB "allow a -> b tcp 1 \"a\tb\"\n",
	  "t.conf:3:22: control character in the comment: write it as \\x09" },
	{ ROLES_AB "allow a -> b tcp 1 \"a\x7f\"\n",
	  "t.conf:3:22: control character in the comment: write it as \\x7f" },
	{ ROLES_AB "allow a -> b tcp 1 \""
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n",
	  "t.conf:3:20: comment longer than 127 bytes" },
	/* bytes no file may hold */
	{ "mode enforce\r\n",
	  "t.conf:1:13: carriage return in the file (DOS line ends?): use plain newlines" },
	{ "# a comment may not hide one either\r\n",
	  "t.conf:1:36: carriage return in the file (DOS line ends?): use plain newlines" },
	/* typos */
	{ "alow a -> b tcp 22\n",
	  "t.conf:1:1: expected mode, default, placement, role, allow or include, got \"alow\" (did you mean \"allow\"?)" },
	{ "plcement gateway\n",
	  "t.conf:1:1: expected mode, default, placement, role, allow or include, got \"plcement\" (did you mean \"placement\"?)" },
	{ "xyzzy\n",
	  "t.conf:1:1: expected mode, default, placement, role, allow or include, got \"xyzzy\"" },
	{ ROLES_AB "allow a -> b tcp htp\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"htp\" (did you mean \"http\"?)" },
	{ ROLES_AB "allow a -> b tcp 22,rpcbnd\n",
	  "t.conf:3:21: expected a port, a range or a port name, got \"rpcbnd\" (did you mean \"rpcbind\"?)" },
	{ ROLES_AB "allow a -> b tcp gopher\n",
	  "t.conf:3:18: expected a port, a range or a port name, got \"gopher\"" },
	{ "\xef\xbb\xbfmode enforce\n",
	  "t.conf:1:1: the file starts with a UTF-8 byte order mark (EF BB BF): save it without one" },
	{ "\xef\xbb\xbf# only a comment\n",
	  "t.conf:1:1: the file starts with a UTF-8 byte order mark (EF BB BF): save it without one" },
};

static void test_errors(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	size_t i;
	int err;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];

		test_begin("error: %s", c->msg);
		err = parse(c->text, &d, &diag);
		CHECK(err == -EINVAL, "parse returned %d", err);
		CHECK(!strcmp(diag.msg, c->msg), "got \"%s\"", diag.msg);
		CHECK(desc_is_empty(&d), "a failed parse left a policy");
		CHECK(diag.line > 0 && diag.col > 0, "line %u col %u",
		      diag.line, diag.col);
		test_end();
		imgsec_policy_desc_release(&d);
	}
}

/* The line of a diagnostic, and a caret under its column. */
static void print_diag(const char *text, char *out, size_t size)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	FILE *f = fmemopen(out, size, "w");

	parse(text, &d, &diag);
	policy_diag_print(f, &diag);
	fclose(f);
	imgsec_policy_desc_release(&d);
}

static void test_caret(void)
{
	char out[1024], line[5000];

	print_diag(ROLES_AB "allow a -> b\ttcp htp\n", out, sizeof(out));
	CHECK(!strcmp(out, "t.conf:3:18: expected a port, a range or a port name, got \"htp\" (did you mean \"http\"?)\n"
		      "  allow a -> b\ttcp htp\n"
		      "              \t    ^\n"), "got:\n%s", out);
	/* Control characters show as '?', the caret past a line's end. */
	print_diag("mode\x01 enforce\n", out, sizeof(out));
	CHECK(strstr(out, "\n  mode? enforce\n") != NULL, "got:\n%s", out);
	print_diag("mode\n", out, sizeof(out));
	CHECK(!strcmp(out, "t.conf:1:5: expected \"enforce\" or \"monitor\" after \"mode\", got end of line\n"
		      "  mode\n      ^\n"), "got:\n%s", out);
	/* A long line: the part around the column. */
	memset(line, 'x', 4000);
	strcpy(line + 4000, "\n");
	memcpy(line, "allow", 5);
	print_diag(line, out, sizeof(out));
	CHECK(strlen(strchr(out, '\n') + 3) < POLICY_SRC_MAX + 6,
	      "a long line shown whole:\n%s", out);
}

/* Valid, but surely not meant: warnings, and the policy still parses. */
static void test_warnings(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char text[4096];
	size_t n = 0;
	int i;

	CHECK_EQ(parse("role a 192.0.2.0/24 192.0.2.7 2001:db8::/32 2001:db8::1\n"
		       "role b 198.51.100.0/24 198.51.100.128/25\n"
		       "role c 192.0.2.7\n"
		       "allow a -> b tcp 22,80-81 \"one\"\n"
		       "allow a -> b tcp 80-81,22 \"again\"\n"
		       "allow a -> b udp 22,80-81\n"
		       "allow a -> c tcp 22,80-81\n", &d, &diag), 0);
	CHECK_EQ(diag.nwarnings, 4);
	CHECK(!strcmp(diag.warnings[0], "t.conf:5:1: the same rule as line 4"),
	      "%s", diag.warnings[0]);
	CHECK(!strcmp(diag.warnings[1], "t.conf:1:21: 192.0.2.7 is inside 192.0.2.0/24 (line 1) of role \"a\""),
	      "%s", diag.warnings[1]);
	CHECK(!strcmp(diag.warnings[2], "t.conf:1:45: 2001:db8::1 is inside 2001:db8::/32 (line 1) of role \"a\""),
	      "%s", diag.warnings[2]);
	CHECK(!strcmp(diag.warnings[3], "t.conf:2:24: 198.51.100.128/25 is inside 198.51.100.0/24 (line 2) of role \"b\""),
	      "%s", diag.warnings[3]);
	CHECK_EQ(d.nrules, 4);
	imgsec_policy_desc_release(&d);

	/* A limited rule before a rule it shadows; not before others. */
	CHECK_EQ(parse("role a 192.0.2.1\nrole b 192.0.2.2\n"
		       "allow a -> b tcp 20-22 limit 5/s\n"
		       "allow a -> b udp 22\n"
		       "allow b -> a tcp 22\n"
		       "allow a -> b tcp 23,80\n"
		       "allow a -> b tcp 80,22\n"
		       "allow a -> b tcp 21\n"
		       "allow a -> b tcp 80 limit 1/min\n", &d, &diag), 0);
	CHECK_EQ(diag.nwarnings, 1);
	CHECK(diag.nwarnings == 1 &&
	      !strcmp(diag.warnings[0], "t.conf:3:1: connections over this rule's limit meet the default action, not the rule of line 7, which matches some of them too"),
	      "%s", diag.nwarnings ? diag.warnings[0] : "");
	imgsec_policy_desc_release(&d);

	/* A per-source limit shadows as a shared one does. */
	CHECK_EQ(parse("role a 192.0.2.1\nrole b 192.0.2.2\n"
		       "allow a -> b udp 53 per-source 2/s\n"
		       "allow a -> b udp 53\n", &d, &diag), 0);
	CHECK(diag.nwarnings == 1 &&
	      !strcmp(diag.warnings[0], "t.conf:3:1: connections over this rule's limit meet the default action, not the rule of line 4, which matches some of them too"),
	      "%u warnings: %s", diag.nwarnings,
	      diag.nwarnings ? diag.warnings[0] : "");
	imgsec_policy_desc_release(&d);

	/* Neighbours and other roles are no warning; the count is capped. */
	CHECK_EQ(parse("role a 192.0.2.0/25 192.0.2.128/25\nrole b 192.0.2.1\n"
		       "allow a -> b tcp 22\n", &d, &diag), 0);
	CHECK_EQ(diag.nwarnings, 0);
	imgsec_policy_desc_release(&d);
	n += snprintf(text + n, sizeof(text) - n, "role a 192.0.2.1\nrole b 192.0.2.2\n");
	for (i = 0; i < 12; i++)
		n += snprintf(text + n, sizeof(text) - n, "allow a -> b tcp 22\n");
	CHECK_EQ(parse(text, &d, &diag), 0);
	CHECK(diag.nwarnings == POLICY_WARN_MAX && diag.more_warnings == 3,
	      "%u warnings, %u more", diag.nwarnings, diag.more_warnings);
	imgsec_policy_desc_release(&d);
}

static void test_nul_byte(void)
{
	static const char text[] = "mode enforce\nrole a\0 192.0.2.1\n";
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	CHECK_EQ(policy_parse_buffer("t.conf", text, sizeof(text) - 1, &d,
				     &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:2:7: NUL byte in the file"), "%s",
	      diag.msg);
	CHECK_EQ(diag.line, 2);
	CHECK_EQ(diag.col, 7);
}

static void test_error_after_good_lines_frees_all(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *text = malloc(1 << 20);
	size_t o = 0;
	int i;

	REQUIRE(text, "malloc");
	for (i = 0; i < 64; i++)
		o += sprintf(text + o, "role r%d 10.0.%d.0/24 2001:db8:%x::/48\n",
			     i, i, i);
	for (i = 0; i < 500; i++)
		o += sprintf(text + o, "allow r%d -> r%d tcp %d \"rule %d\"\n",
			     i % 64, (i + 1) % 64, i + 1, i);
	sprintf(text + o, "allow r1 -> r2 tcp 0\n");
	CHECK_EQ(parse(text, &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:565:20: port \"0\" out of range (1 to 65535)"),
	      "%s", diag.msg);
	CHECK(desc_is_empty(&d), "a failed parse left a policy");
	free(text);
}

/* --- Limits -------------------------------------------------------------- */

static void test_limit_line_length(void)
{
	char line[POLICY_LINE_MAX + 3];
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[POLICY_LINE_MAX] = '\n';
	CHECK_EQ(policy_parse_buffer("t.conf", line, POLICY_LINE_MAX + 1, &d,
				     &diag), 0);
	CHECK_EQ(policy_parse_buffer("t.conf", line, POLICY_LINE_MAX, &d,
				     &diag), 0);
	line[POLICY_LINE_MAX] = 'x';
	line[POLICY_LINE_MAX + 1] = '\n';
	CHECK_EQ(policy_parse_buffer("t.conf", line, POLICY_LINE_MAX + 2, &d,
				     &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:1:4097: line longer than 4096 bytes"),
	      "%s", diag.msg);
}

static void test_limit_roles(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char text[4096];
	size_t o = 0;
	int i;

	for (i = 0; i < IMGSEC_MAX_ROLES; i++)
		o += sprintf(text + o, "role r%d\n", i);
	CHECK_EQ(parse(text, &d, &diag), 0);
	CHECK_EQ(d.nroles, IMGSEC_MAX_ROLES);
	imgsec_policy_desc_release(&d);
	sprintf(text + o, "role r0 192.0.2.1\nrole r64\n");
	CHECK_EQ(parse(text, &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:66:6: too many roles (at most 64)"),
	      "%s", diag.msg);
}

static void test_limit_name_length(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char text[128];

	snprintf(text, sizeof(text), "role a%s\n",
		 "bcdefghijklmnopqrstuvwxyz01234");
	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(strlen(d.roles[0].name), IMGSEC_NAME_LEN - 1);
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
}

static void test_limit_comment_length(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;
	char line[1024];

	/* 127 bytes, the last 10 written as escapes. */
	snprintf(line, sizeof(line), "allow a -> b tcp 1 \"%.*s%s\"", 117,
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
		 "\\x41\\x41\\x41\\x41\\x41\\\"\\\"\\\\\\\\\\\\");
	REQUIRE(parse_rule(line, &r, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(strlen(r.comment), IMGSEC_COMMENT_LEN - 1);
}

static void test_limit_rules(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *text = malloc(1 << 20);
	size_t o = 0;
	int i;

	REQUIRE(text, "malloc");
	o += sprintf(text, "role a 192.0.2.1\n");
	for (i = 0; i < IMGSEC_MAX_RULES; i++)
		o += sprintf(text + o, "allow a -> a udp %d\n", i + 1);
	CHECK_EQ(parse(text, &d, &diag), 0);
	CHECK_EQ(d.nrules, IMGSEC_MAX_RULES);
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
	sprintf(text + o, "  allow a -> a tcp 1\n");
	CHECK_EQ(parse(text, &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:1026:3: too many rules (at most 1024)"),
	      "%s", diag.msg);
	free(text);
}

static void test_limit_port_ranges(void)
{
	struct imgsec_rule_desc r;
	struct policy_diag diag;
	char line[1024];
	size_t o;
	int i;

	o = sprintf(line, "allow a -> b tcp ");
	for (i = 0; i < IMGSEC_MAX_PORT_RANGES; i++)
		o += sprintf(line + o, "%s%d-%d", i ? "," : "", 1000 * i + 1,
			     1000 * i + 999);
	REQUIRE(parse_rule(line, &r, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(r.nports, IMGSEC_MAX_PORT_RANGES);
	CHECK(r.ports[31].lo == 31001 && r.ports[31].hi == 31999, "last");
}

/* 10.x.y.z for @i: distinct for every i < 2^24. */
static int v4_of(char *buf, unsigned int i)
{
	return sprintf(buf, "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255,
		       i & 255);
}

static char *many_addresses(unsigned int count)
{
	char *text = malloc((size_t)count * 16 + count / 100 * 16 + 64);
	size_t o = 0;
	unsigned int i;

	if (!text)
		return NULL;
	for (i = 0; i < count; i++) {
		if (i % 100 == 0 || i % 32768 == 0)
			o += sprintf(text + o, "%srole r%u", i ? "\n" : "",
				     i / 32768);
		text[o++] = ' ';
		o += v4_of(text + o, i);
	}
	sprintf(text + o, "\n");
	return text;
}

static void test_limit_prefixes(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *text = many_addresses(IMGSEC_MAX_PREFIXES);
	char *more;

	REQUIRE(text, "malloc");
	CHECK_EQ(parse(text, &d, &diag), 0);
	CHECK(d.nroles == 2 && d.roles[0].nprefixes == 32768 &&
	      d.roles[1].nprefixes == 32768, "%u roles", d.nroles);
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
	more = malloc(strlen(text) + 64);
	REQUIRE(more, "malloc");
	sprintf(more, "%srole r2 192.0.2.1\n", text);
	CHECK_EQ(parse(more, &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:658:9: too many addresses and prefixes (at most 65536 in all roles)"),
	      "%s", diag.msg);
	free(more);
	free(text);
}

/* --- Files ---------------------------------------------------------------- */

static void test_file_missing(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	CHECK_EQ(policy_parse_file("/nonexistent/imgsec.conf", &d, &diag),
		 -ENOENT);
	CHECK(!strcmp(diag.msg, "/nonexistent/imgsec.conf: No such file or directory"),
	      "%s", diag.msg);
	CHECK(desc_is_empty(&d), "desc");
}

static void test_file_too_big(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char path[] = "/tmp/imgsec-test-XXXXXX";
	int fd = mkstemp(path);
	char msg[128];

	REQUIRE(fd >= 0, "mkstemp");
	REQUIRE(ftruncate(fd, POLICY_FILE_MAX + 1) == 0, "ftruncate");
	close(fd);
	CHECK_EQ(policy_parse_file(path, &d, &diag), -EINVAL);
	snprintf(msg, sizeof(msg), "%s: file larger than 16 MiB", path);
	CHECK(!strcmp(diag.msg, msg), "%s", diag.msg);
	unlink(path);
}

static void test_file_ok(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char path[] = "/tmp/imgsec-test-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	REQUIRE(fd >= 0, "mkstemp");
	f = fdopen(fd, "w");
	REQUIRE(f, "fdopen");
	fputs("role a 192.0.2.1\nallow a -> a tcp ssh\nallow a -> b tcp 1\n",
	      f);
	fclose(f);
	CHECK_EQ(policy_parse_file(path, &d, &diag), -EINVAL);
	CHECK(!strncmp(diag.msg, path, strlen(path)) &&
	      !strcmp(diag.msg + strlen(path),
		      ":3:12: unknown role \"b\" (roles: a)"), "%s", diag.msg);
	unlink(path);
}

/* --- The shipped policy ---------------------------------------------------- */

static int role_index(const struct imgsec_policy_desc *d, const char *name)
{
	u32 i;

	for (i = 0; i < d->nroles; i++)
		if (!strcmp(d->roles[i].name, name))
			return i;
	return -1;
}

/* Index of the first rule that lets @from open @proto/@port on @to, or -1. */
static int rule_for(const struct imgsec_policy_desc *d, const char *from,
		    const char *to, int proto, unsigned int port)
{
	int f = role_index(d, from), t = role_index(d, to);
	u32 i, j;

	for (i = 0; i < d->nrules; i++) {
		const struct imgsec_rule_desc *r = &d->rules[i];

		if (r->from != f || r->to != t || r->proto != proto)
			continue;
		for (j = 0; j < r->nports; j++)
			if (port >= r->ports[j].lo && port <= r->ports[j].hi)
				return i;
	}
	return -1;
}

/* The seed table, row by row, with the reading imgsec.conf chose. */
static const struct seed_row {
	const char *from, *to;
	int proto;
	unsigned int lo, hi;
	int helper;
} seed_rows[] = {
	{ "img", "gcems", IPPROTO_TCP, 20, 21, IMGSEC_HELPER_FTP },
	{ "gcems", "img", IPPROTO_TCP, 23, 23, IMGSEC_HELPER_NONE },
	{ "img", "gcems", IPPROTO_UDP, 111, 111, IMGSEC_HELPER_RPC },
	{ "img", "gcems", IPPROTO_UDP, 2049, 2049, IMGSEC_HELPER_NONE },
	{ "img", "gcems", IPPROTO_UDP, 1812, 1812, IMGSEC_HELPER_NONE },
	{ "img", "gcems", IPPROTO_UDP, 1813, 1813, IMGSEC_HELPER_NONE },
	{ "gcems", "img", IPPROTO_TCP, 161, 161, IMGSEC_HELPER_NONE },
	{ "gcems", "img", IPPROTO_UDP, 161, 161, IMGSEC_HELPER_NONE },
	{ "img", "gcems", IPPROTO_TCP, 162, 162, IMGSEC_HELPER_NONE },
	{ "img", "gcems", IPPROTO_UDP, 162, 162, IMGSEC_HELPER_NONE },
	{ "img", "gcems", IPPROTO_TCP, 12610, 12610, IMGSEC_HELPER_NONE },
	{ "img", "gcems", IPPROTO_UDP, 123, 123, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_TCP, 22, 22, IMGSEC_HELPER_NONE },
	{ "support", "gcems", IPPROTO_TCP, 22, 22, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_TCP, 5901, 5901, IMGSEC_HELPER_NONE },
	{ "support", "gcems", IPPROTO_TCP, 5901, 5901, IMGSEC_HELPER_NONE },
	{ "support", "gcems", IPPROTO_TCP, 80, 80, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_TCP, 1312, 1312, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_TCP, 2623, 2623, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_TCP, 2428, 2433, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_TCP, 2624, 2624, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_TCP, 1098, 1099, IMGSEC_HELPER_NONE },
	{ "peer-img", "peer-img", IPPROTO_UDP, 34867, 34867,
	  IMGSEC_HELPER_NONE },
	/* Additions the file explains: the TCP forms Linux NFS uses. */
	{ "img", "gcems", IPPROTO_TCP, 111, 111, IMGSEC_HELPER_RPC },
	{ "img", "gcems", IPPROTO_TCP, 2049, 2049, IMGSEC_HELPER_NONE },
	/* Ping for monitoring and for the operators (echo-request only). */
	{ "gcems", "img", IPPROTO_ICMP, 8, 8, IMGSEC_HELPER_NONE },
	{ "gcems", "img", IPPROTO_ICMPV6, 128, 128, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_ICMP, 8, 8, IMGSEC_HELPER_NONE },
	{ "clientview", "gcems", IPPROTO_ICMPV6, 128, 128, IMGSEC_HELPER_NONE },
	{ "support", "gcems", IPPROTO_ICMP, 8, 8, IMGSEC_HELPER_NONE },
	{ "support", "gcems", IPPROTO_ICMPV6, 128, 128, IMGSEC_HELPER_NONE },
};

static void check_seed_row(const struct imgsec_policy_desc *d,
			   const struct seed_row *s)
{
	unsigned int port;
	int i;

	for (port = s->lo; port <= s->hi; port++) {
		i = rule_for(d, s->from, s->to, s->proto, port);
		CHECK(i >= 0, "no rule %s -> %s %u/%d", s->from, s->to, port,
		      s->proto);
		if (i >= 0)
			CHECK(d->rules[i].helper == s->helper &&
			      d->rules[i].comment[0],
			      "rule %d: helper %u, comment \"%s\"", i,
			      d->rules[i].helper, d->rules[i].comment);
		/* One way only, except between peers. */
		if (strcmp(s->from, s->to))
			CHECK(rule_for(d, s->to, s->from, s->proto, port) < 0,
			      "%s -> %s %u allowed the wrong way too",
			      s->to, s->from, port);
	}
}

static void test_shipped_policy(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	struct imgsec_policy_error e;
	u32 covered = 0, listed = 0, i, j;

	REQUIRE(policy_parse_file(SHIPPED, &d, &diag) == 0, "%s", diag.msg);
	CHECK_EQ(imgsec_policy_validate(&d, &e), 0);
	CHECK_EQ(d.mode, IMGSEC_MODE_ENFORCE);
	CHECK_EQ(d.default_action, IMGSEC_ACTION_DROP);
	CHECK_EQ(d.placement, IMGSEC_PLACEMENT_HOST);
	CHECK_EQ(d.nroles, 5);
	CHECK(role_index(&d, "gcems") == 0 && role_index(&d, "img") == 1 &&
	      role_index(&d, "clientview") == 2 &&
	      role_index(&d, "support") == 3 &&
	      role_index(&d, "peer-img") == 4, "role order");
	CHECK_EQ(d.roles[role_index(&d, "img")].nprefixes, 4);
	CHECK_EQ(d.roles[role_index(&d, "peer-img")].nprefixes, 4);
	for (i = 0; i < sizeof(seed_rows) / sizeof(seed_rows[0]); i++) {
		check_seed_row(&d, &seed_rows[i]);
		listed += seed_rows[i].hi - seed_rows[i].lo + 1;
	}
	/* And nothing more: the rules open as many ports as the rows name. */
	for (i = 0; i < d.nrules; i++)
		for (j = 0; j < d.rules[i].nports; j++)
			covered += d.rules[i].ports[j].hi -
				   d.rules[i].ports[j].lo + 1;
	CHECK_EQ(covered, listed);
	CHECK_EQ(d.nrules, 31);
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
}

/* --- The printer ----------------------------------------------------------- */

static void test_print_canonical(void)
{
	static const char text[] =
		"placement gateway # comments go\n"
		"mode monitor\n"
		"role img 192.0.2.11 2001:DB8:0:0::11\n"
		"role gcems 192.0.2.1\n"
		"role img 192.0.2.0/30\n"
		"allow img -> gcems udp portmap helper rpc \"a \\\"b\\\" \\x7f\\\\\"\n"
		"allow gcems -> img tcp 20-20,30-31\n"
		"allow img -> img udp 34867 \"\"\n"
		"allow img -> gcems tcp 12610 limit 50/second burst 50 \"c\"\n"
		"allow img -> gcems tcp 22 helper ftp limit 6/minute burst 9\n"
		"allow img -> gcems tcp 23 per-source 5/s burst 10 limit 50/s\n";
	static const char want[] =
		"mode monitor\n"
		"default drop\n"
		"placement gateway\n"
		"\n"
		"role img 192.0.2.11 2001:db8::11 192.0.2.0/30\n"
		"role gcems 192.0.2.1\n"
		"\n"
		"allow img   -> gcems udp portmap                                     helper rpc \"a \\\"b\\\" \\x7f\\\\\"\n"
		"allow gcems -> img   tcp 20,30-31\n"
		"allow img   -> img   udp 34867\n"
		"allow img   -> gcems tcp 12610    limit 50/s                                    \"c\"\n"
		"allow img   -> gcems tcp 22 limit 6/min burst 9 helper ftp\n"
		"allow img   -> gcems tcp 23 limit 50/s per-source 5/s burst 10\n";
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *out;
	int err;

	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	out = print_to_string(&d, &err);
	CHECK_EQ(err, 0);
	CHECK(out && !strcmp(out, want), "got\n%s", out);
	free(out);
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
}

/* A per-source cap, with a rate and alone, printed back as written. */
static void test_print_source_max(void)
{
	static const char text[] =
		"role a 192.0.2.1\n"
		"role b 192.0.2.2\n"
		"allow a -> b tcp 1 per-source max 4\n"
		"allow a -> b tcp 2 limit 50/s per-source 5/s burst 10 max 64 helper ftp\n"
		"allow a -> b tcp 3 per-source 20/s max 1000000\n";
	static const char want[] =
		"mode enforce\n"
		"default drop\n"
		"placement host\n"
		"\n"
		"role a 192.0.2.1\n"
		"role b 192.0.2.2\n"
		"\n"
		"allow a -> b tcp 1 per-source max 4\n"
		"allow a -> b tcp 2 limit 50/s per-source 5/s burst 10 max 64 helper ftp\n"
		"allow a -> b tcp 3 per-source 20/s max 1000000\n";
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *out;
	int err;

	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	out = print_to_string(&d, &err);
	CHECK_EQ(err, 0);
	CHECK(out && !strcmp(out, want), "got\n%s", out);
	free(out);
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
}

static void test_print_icmp(void)
{
	static const char text[] =
		"role a 192.0.2.1 2001:db8::1\n"
		"allow a -> a icmp echo,timestamp-request,20-30,255\n"
		"allow a -> a icmpv6 128,destination-unreachable,0\n"
		"allow a -> a icmp 8,13\n";
	static const char want[] =
		"mode enforce\n"
		"default drop\n"
		"placement host\n"
		"\n"
		"role a 192.0.2.1 2001:db8::1\n"
		"\n"
		"allow a -> a icmp echo,timestamp-request,20-30,255\n"
		"allow a -> a icmpv6 128,destination-unreachable,0\n"
		"allow a -> a icmp echo-request,timestamp-request\n";
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *out;
	int err;

	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	CHECK(d.rules[0].proto == IPPROTO_ICMP && d.rules[0].nports == 4 &&
	      d.rules[0].ports[0].lo == 8 && d.rules[0].ports[1].lo == 13 &&
	      d.rules[0].ports[2].hi == 30, "icmp types");
	CHECK(d.rules[1].proto == IPPROTO_ICMPV6 &&
	      d.rules[1].ports[0].lo == 128 && d.rules[1].ports[1].lo == 1 &&
	      d.rules[1].ports[2].lo == 0, "icmpv6 types");
	out = print_to_string(&d, &err);
	CHECK_EQ(err, 0);
	CHECK(out && !strcmp(out, want), "got\n%s", out);
	free(out);
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
}

/* Port names are kept as written, never trusted blindly from a desc. */
static void test_print_port_names(void)
{
	static const char text[] =
		"role a 192.0.2.1\n"
		"allow a -> a tcp ftp-data,ftp,ssh \"FTP\"\n"
		"allow a -> a udp rpcbind,nfs,1-9\n"
		"allow a -> a tcp 021,22\n"
		"allow a -> a tcp 20,21\n"
		"allow a -> a tcp 20-20,ftp\n";
	static const char want[] =
		"allow a -> a tcp ftp-data,ftp,ssh \"FTP\"\n"
		"allow a -> a udp rpcbind,nfs,1-9\n"
		"allow a -> a tcp 21,22\n"
		"allow a -> a tcp 20,21\n"
		"allow a -> a tcp 20-20,ftp\n";
	struct imgsec_policy_desc d, e;
	struct policy_diag diag;
	char buf[POLICY_PORTS_TEXT_MAX], *out;
	struct imgsec_rule_desc *r;
	int err;

	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	CHECK(!strcmp(d.rules[0].ports_text, "ftp-data,ftp,ssh"), "%s",
	      d.rules[0].ports_text);
	/* Numbers are not kept ("021" reads as octal to some tools)... */
	CHECK_EQ(d.rules[2].ports_text[0], '\0');
	CHECK_EQ(d.rules[3].ports_text[0], '\0');
	/* ...but go with the names of a list. */
	CHECK(!strcmp(d.rules[4].ports_text, "20-20,ftp"), "%s",
	      d.rules[4].ports_text);
	out = print_to_string(&d, &err);
	CHECK_EQ(err, 0);
	CHECK(out && strstr(out, want), "got\n%s", out);
	free(out);
	check_round_trip(&d);

	/* Names count (diff) as show prints them: an ignored text does not. */
	REQUIRE(parse(text, &e, &diag) == 0, "%s", diag.msg);
	strcpy(e.rules[3].ports_text, "SSH");
	CHECK(policy_desc_equal(&d, &e), "an ignored text counted");
	strcpy(e.rules[3].ports_text, "ftp-data,ftp");
	CHECK(!policy_desc_equal(&d, &e), "names did not count");
	imgsec_policy_desc_release(&e);

	r = &d.rules[0];
	/* A text that does not say the ports (a desc from elsewhere). */
	strcpy(r->ports_text, "ftp,ssh");
	policy_format_ports(buf, r);
	CHECK(!strcmp(buf, "20,21,22"), "%s", buf);
	strcpy(r->ports_text, "ssh,ftp,ftp-data");
	policy_format_ports(buf, r);
	CHECK(!strcmp(buf, "20,21,22"), "order matters: %s", buf);
	strcpy(r->ports_text, "ftp-data,ftp,ssh # x");
	policy_format_ports(buf, r);
	CHECK(!strcmp(buf, "20,21,22"), "%s", buf);
	strcpy(r->ports_text, "ftp-data,ftp,SSH");
	policy_format_ports(buf, r);
	CHECK(!strcmp(buf, "20,21,22"), "%s", buf);
	memset(r->ports_text, 'a', sizeof(r->ports_text));
	policy_format_ports(buf, r);
	CHECK(!strcmp(buf, "20,21,22"), "no NUL: %s", buf);
	memset(r->ports_text, 0, sizeof(r->ports_text));

	/* ICMP: type names when the file wrote none to keep. */
	r->proto = IPPROTO_ICMP;
	r->ports[0] = (struct imgsec_port_range){ 8, 8 };
	r->nports = 2;
	policy_format_ports(buf, r);
	CHECK(!strcmp(buf, "echo-request,21"), "%s", buf);
	imgsec_policy_desc_release(&d);

	/* A list too long to keep shows as numbers. */
	REQUIRE(parse("role a 192.0.2.1\nallow a -> a tcp "
		      "ftp,ssh,telnet,domain,http,sunrpc,ntp,snmp,snmp-trap,"
		      "https,radius,radius-acct,nfs,1000,1001,1002,1003,1004,"
		      "1005,1006,1007,1008,1009\n", &d, &diag) == 0,
		"%s", diag.msg);
	CHECK_EQ(d.rules[0].ports_text[0], '\0');
	policy_format_ports(buf, &d.rules[0]);
	CHECK(!strncmp(buf, "21,22,23,53,80,111,", 19), "%s", buf);
	imgsec_policy_desc_release(&d);
}

static void test_print_wraps_long_roles(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *text = many_addresses(1000), *out, *line;
	int err, lines = 0;

	REQUIRE(text, "malloc");
	REQUIRE(parse(text, &d, &diag) == 0, "%s", diag.msg);
	out = print_to_string(&d, &err);
	CHECK_EQ(err, 0);
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "role ", 5))
			continue;
		lines++;
		CHECK(!strncmp(line, "role r0 10.0.", 13), "%s", line);
		CHECK(strlen(line) <= 80, "%zu wide", strlen(line));
	}
	CHECK(lines > 100, "%d lines", lines);
	free(out);
	free(text);
	imgsec_policy_desc_release(&d);
}

static void test_print_refuses_unsayable(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *out;
	int err;

	REQUIRE(parse(ROLES_AB "allow a -> b tcp 1\n", &d, &diag) == 0, "%s",
		diag.msg);
	d.mode = 7;
	out = print_to_string(&d, &err);
	CHECK_EQ(err, -EINVAL);
	CHECK(out && !out[0], "printed \"%s\"", out);
	free(out);
	d.mode = 0;
	d.rules[0].to = 2;
	free(print_to_string(&d, &err));
	CHECK_EQ(err, -EINVAL);
	d.rules[0].to = 1;
	d.rules[0].proto = IPPROTO_SCTP;
	free(print_to_string(&d, &err));
	CHECK_EQ(err, -EINVAL);
	d.rules[0].proto = IPPROTO_TCP;
	strcpy(d.roles[0].name, "A b");
	free(print_to_string(&d, &err));
	CHECK_EQ(err, -EINVAL);
	imgsec_policy_desc_release(&d);
}

static void test_print_write_error(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	FILE *f = fopen("/dev/full", "w");

	REQUIRE(f, "no /dev/full");
	REQUIRE(parse(ROLES_AB "allow a -> b tcp 1\n", &d, &diag) == 0, "%s",
		diag.msg);
	CHECK_EQ(policy_print(f, &d), -EIO);
	fclose(f);
	imgsec_policy_desc_release(&d);
}

/* --- Random round trips --------------------------------------------------- */

static u32 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s >> 32;
}

static void random_prefix(u64 *s, struct imgsec_prefix *p)
{
	unsigned int alen, i;

	memset(p, 0, sizeof(*p));
	p->family = rnd(s) % 2 ? AF_INET : AF_INET6;
	alen = p->family == AF_INET ? 4 : 16;
	p->plen = rnd(s) % 4 ? alen * 8 : rnd(s) % (alen * 8 + 1);
	for (i = 0; i < alen; i++)
		p->addr[i] = rnd(s);
	if (p->family == AF_INET6 && rnd(s) % 4 == 0)
		memset(p->addr + 2, 0, 12);	/* exercise "::" forms */
	if (p->family == AF_INET6 && p->addr[10] == 0xff &&
	    p->addr[11] == 0xff)
		p->addr[11] = 0;		/* no v4-mapped */
	for (i = p->plen; i < 128; i++)
		p->addr[i / 8] &= ~(0x80 >> (i % 8));
}

static bool has_prefix(const struct imgsec_role_desc *r,
		       const struct imgsec_prefix *p)
{
	u32 i;

	for (i = 0; i < r->nprefixes; i++)
		if (!memcmp(&r->prefixes[i], p, sizeof(*p)))
			return true;
	return false;
}

static void random_role(u64 *s, struct imgsec_role_desc *r, u32 index)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	u32 len = 1 + rnd(s) % (IMGSEC_NAME_LEN - 1), i, n;
	struct imgsec_prefix p;

	/* A letter, a unique index and "_", then anything allowed. */
	snprintf(r->name, sizeof(r->name), "%c%u_", 'a' + rnd(s) % 26, index);
	for (i = strlen(r->name); i < len; i++)
		r->name[i] = chars[rnd(s) % (sizeof(chars) - 1)];
	n = rnd(s) % 4 ? rnd(s) % 6 : rnd(s) % 60;
	r->prefixes = calloc(n ? n : 1, sizeof(*r->prefixes));
	for (i = 0; i < n && r->prefixes; i++) {
		random_prefix(s, &p);
		if (!has_prefix(r, &p))
			r->prefixes[r->nprefixes++] = p;
	}
}

static bool ports_overlap(const struct imgsec_rule_desc *r, u16 lo, u16 hi)
{
	u8 i;

	for (i = 0; i < r->nports; i++)
		if (lo <= r->ports[i].hi && r->ports[i].lo <= hi)
			return true;
	return false;
}

static void random_rule(u64 *s, struct imgsec_rule_desc *r, u32 nroles)
{
	u32 want = 1 + rnd(s) % IMGSEC_MAX_PORT_RANGES, tries, len, i;

	r->from = rnd(s) % nroles;
	r->to = rnd(s) % nroles;
	r->proto = rnd(s) % 2 ? IPPROTO_TCP : IPPROTO_UDP;
	r->helper = rnd(s) % 3;
	if (r->helper == IMGSEC_HELPER_FTP)
		r->proto = IPPROTO_TCP;
	for (tries = 0; r->nports < want && tries < 200; tries++) {
		u16 lo = 1 + rnd(s) % 65535;
		u16 hi = rnd(s) % 2 ? lo : lo + rnd(s) % (65536 - lo);

		if (!ports_overlap(r, lo, hi))
			r->ports[r->nports++] = (struct imgsec_port_range){ lo, hi };
	}
	if (rnd(s) % 3 == 0) {
		r->limit_rate = 1 + rnd(s) % IMGSEC_MAX_LIMIT_RATE;
		r->limit_unit = rnd(s) % __IMGSEC_LIMIT_UNIT_MAX;
		r->limit_burst = rnd(s) % 2 ? r->limit_rate :
			1 + rnd(s) % IMGSEC_MAX_LIMIT_BURST;
	}
	len = rnd(s) % 3 ? rnd(s) % 40 : rnd(s) % IMGSEC_COMMENT_LEN;
	for (i = 0; i < len; i++)
		r->comment[i] = 1 + rnd(s) % 255;
}

static void random_policy(u64 *s, struct imgsec_policy_desc *d)
{
	u32 i;

	memset(d, 0, sizeof(*d));
	d->mode = rnd(s) % 2;
	d->default_action = rnd(s) % 2;
	d->placement = rnd(s) % 2;
	d->nroles = rnd(s) % 8 ? rnd(s) % 8 : rnd(s) % (IMGSEC_MAX_ROLES + 1);
	for (i = 0; i < d->nroles; i++)
		random_role(s, &d->roles[i], i);
	if (!d->nroles)
		return;
	d->nrules = rnd(s) % 8 ? rnd(s) % 20 : rnd(s) % 200;
	d->rules = calloc(d->nrules + 1, sizeof(*d->rules));
	if (!d->rules)
		d->nrules = 0;
	for (i = 0; i < d->nrules; i++)
		random_rule(s, &d->rules[i], d->nroles);
}

static void test_round_trip_random(void)
{
	struct imgsec_policy_error e;
	struct imgsec_policy_desc d;
	u64 seed = 0x1d1a1096c0ffee11ull;
	int i;

	for (i = 0; i < 500; i++) {
		random_policy(&seed, &d);
		CHECK(imgsec_policy_validate(&d, &e) == 0,
		      "policy %d is invalid: %s", i, e.msg);
		check_round_trip(&d);
		imgsec_policy_desc_release(&d);
	}
}

int main(void)
{
	RUN(test_empty_file);
	RUN(test_settings);
	RUN(test_roles);
	RUN(test_rule_basic);
	RUN(test_rule_helpers);
	RUN(test_rule_limits);
	RUN(test_rule_source_limits);
	RUN(test_rule_source_max);
	RUN(test_source_rules_bound);
	RUN(test_port_names);
	RUN(test_comments);
	RUN(test_rule_uses_role_appended_later);
	RUN(test_no_final_newline);
	test_errors();
	RUN(test_caret);
	RUN(test_warnings);
	RUN(test_nul_byte);
	RUN(test_error_after_good_lines_frees_all);
	RUN(test_limit_line_length);
	RUN(test_limit_roles);
	RUN(test_limit_name_length);
	RUN(test_limit_comment_length);
	RUN(test_limit_rules);
	RUN(test_limit_port_ranges);
	RUN(test_limit_prefixes);
	RUN(test_file_missing);
	RUN(test_file_too_big);
	RUN(test_file_ok);
	RUN(test_shipped_policy);
	RUN(test_print_canonical);
	RUN(test_print_source_max);
	RUN(test_print_icmp);
	RUN(test_print_port_names);
	RUN(test_print_wraps_long_roles);
	RUN(test_print_refuses_unsayable);
	RUN(test_print_write_error);
	RUN(test_round_trip_random);
	return test_summary();
}
