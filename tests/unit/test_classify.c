// sources: module/classify.c module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * The classifier: hand-written cases for every kind of match, then a seeded
 * cross-check against a naive linear-scan classifier over thousands of
 * random policies and packets.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "classify.h"
#include "naive_roles.h"
#include "test.h"

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

/* ---- building policies ------------------------------------------------ */

static struct imgsec_policy_desc *pol_new(void)
{
	struct imgsec_policy_desc *p = calloc(1, sizeof(*p));

	p->rules = calloc(IMGSEC_MAX_RULES, sizeof(*p->rules));
	return p;
}

static void pol_free(struct imgsec_policy_desc *p)
{
	imgsec_policy_desc_release(p);
	free(p);
}

/* "10.0.0.0/8", "2001:db8::1" (a host when no length is given). */
static struct imgsec_prefix parse_prefix(const char *s)
{
	struct imgsec_prefix pfx = { 0 };
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	pfx.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(pfx.family, buf, pfx.addr) != 1)
		abort();
	pfx.plen = slash ? atoi(slash + 1) : pfx.family == AF_INET ? 32 : 128;
	return pfx;
}

/* Adds a role holding the NULL-terminated list of prefixes; its index. */
static int role_add(struct imgsec_policy_desc *p, const char *name, ...)
{
	struct imgsec_role_desc *r = &p->roles[p->nroles];
	const char *s;
	va_list ap;

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->prefixes = calloc(16, sizeof(*r->prefixes));
	va_start(ap, name);
	while ((s = va_arg(ap, const char *)))
		r->prefixes[r->nprefixes++] = parse_prefix(s);
	va_end(ap);
	return p->nroles++;
}

/* Ports as "22", "80,443", "1000-2000,3000". Returns the rule's index. */
static int rule_add(struct imgsec_policy_desc *p, int from, int to, u8 proto,
		    u8 helper, const char *ports)
{
	struct imgsec_rule_desc *r = &p->rules[p->nrules];
	const char *s = ports;
	char *end;

	r->from = from;
	r->to = to;
	r->proto = proto;
	r->helper = helper;
	while (*s) {
		r->ports[r->nports].lo = strtoul(s, &end, 10);
		r->ports[r->nports].hi = r->ports[r->nports].lo;
		if (*end == '-')
			r->ports[r->nports].hi = strtoul(end + 1, &end, 10);
		r->nports++;
		s = *end ? end + 1 : end;
	}
	return p->nrules++;
}

static struct imgsec_classifier *build(struct imgsec_policy_desc *p)
{
	struct imgsec_policy_error err;
	struct imgsec_classifier *c = NULL;
	int ret;

	ret = imgsec_policy_validate(p, &err);
	CHECK(ret == 0, "invalid policy: %s (role %d prefix %d rule %d)",
	      err.msg, err.role, err.prefix, err.rule);
	if (ret)
		return NULL;
	ret = imgsec_classifier_build(p, &c);
	CHECK(ret == 0 && c, "build: %d", ret);
	return c;
}

/* Classify a packet given as text addresses. */
static int cls(const struct imgsec_classifier *c, const char *src,
	       const char *dst, u8 proto, u16 dport)
{
	struct imgsec_prefix s = parse_prefix(src), d = parse_prefix(dst);

	return imgsec_classify(c, s.family == AF_INET ? 4 : 6, s.addr, d.addr,
			       proto, dport);
}

#define EXPECT(c, src, dst, proto, port, want)				\
	do {								\
		int _got = cls(c, src, dst, proto, port);		\
		CHECK(_got == (want), "%s -> %s proto %d port %u: rule %d, want %d", \
		      src, dst, (int)(proto), port, _got, want);	\
	} while (0)

/* ---- hand-written cases ----------------------------------------------- */

static void test_v4_exact(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int img = role_add(p, "img", "192.0.2.10", "192.0.2.11", NULL);
	int gcems = role_add(p, "gcems", "198.51.100.5", NULL);

	rule_add(p, img, gcems, TCP, 0, "104");
	rule_add(p, gcems, img, TCP, 0, "104");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "192.0.2.10", "198.51.100.5", TCP, 104, 0);
	EXPECT(c, "192.0.2.11", "198.51.100.5", TCP, 104, 0);
	EXPECT(c, "198.51.100.5", "192.0.2.11", TCP, 104, 1);
	EXPECT(c, "192.0.2.12", "198.51.100.5", TCP, 104, -1);
	EXPECT(c, "192.0.2.10", "198.51.100.6", TCP, 104, -1);
	EXPECT(c, "192.0.2.10", "192.0.2.11", TCP, 104, -1);
	EXPECT(c, "192.0.2.10", "198.51.100.5", TCP, 105, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_v4_prefixes(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int any = role_add(p, "any", "0.0.0.0/0", NULL);
	int net8 = role_add(p, "net8", "10.0.0.0/8", NULL);
	int net24 = role_add(p, "net24", "192.168.1.0/24", NULL);
	int pair = role_add(p, "pair", "172.16.0.2/31", NULL);
	int host = role_add(p, "host", "203.0.113.7/32", NULL);

	rule_add(p, net8, host, TCP, 0, "1");
	rule_add(p, net24, host, TCP, 0, "2");
	rule_add(p, pair, host, TCP, 0, "3");
	rule_add(p, any, host, TCP, 0, "4");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.0", "203.0.113.7", TCP, 1, 0);
	EXPECT(c, "10.255.255.255", "203.0.113.7", TCP, 1, 0);
	EXPECT(c, "11.0.0.0", "203.0.113.7", TCP, 1, -1);
	EXPECT(c, "9.255.255.255", "203.0.113.7", TCP, 1, -1);
	EXPECT(c, "192.168.1.0", "203.0.113.7", TCP, 2, 1);
	EXPECT(c, "192.168.1.255", "203.0.113.7", TCP, 2, 1);
	EXPECT(c, "192.168.2.1", "203.0.113.7", TCP, 2, -1);
	EXPECT(c, "172.16.0.2", "203.0.113.7", TCP, 3, 2);
	EXPECT(c, "172.16.0.3", "203.0.113.7", TCP, 3, 2);
	EXPECT(c, "172.16.0.1", "203.0.113.7", TCP, 3, -1);
	EXPECT(c, "172.16.0.4", "203.0.113.7", TCP, 3, -1);
	EXPECT(c, "1.2.3.4", "203.0.113.7", TCP, 4, 3);
	EXPECT(c, "255.255.255.255", "203.0.113.7", TCP, 4, 3);
	EXPECT(c, "10.1.1.1", "203.0.113.7", TCP, 4, 3);
	EXPECT(c, "1.2.3.4", "203.0.113.8", TCP, 4, -1);
	EXPECT(c, "1.2.3.4", "203.0.113.6", TCP, 4, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_v6_prefixes(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int any = role_add(p, "any", "::/0", NULL);
	int site = role_add(p, "site", "2001:db8:1::/48", NULL);
	int lan = role_add(p, "lan", "2001:db8:1:2::/64", NULL);
	int host = role_add(p, "host", "2001:db8:ff::10/128", NULL);
	int odd = role_add(p, "odd", "2001:db8:77::/65", "2001:db8:78::/127",
			   NULL);

	rule_add(p, lan, host, UDP, 0, "10");
	rule_add(p, site, host, UDP, 0, "10-11");
	rule_add(p, odd, host, UDP, 0, "12");
	rule_add(p, any, host, UDP, 0, "13");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "2001:db8:1:2::1", "2001:db8:ff::10", UDP, 10, 0);
	EXPECT(c, "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:ff::10", UDP,
	       10, 0);
	EXPECT(c, "2001:db8:1:3::1", "2001:db8:ff::10", UDP, 10, 1);
	EXPECT(c, "2001:db8:1:2::1", "2001:db8:ff::10", UDP, 11, 1);
	EXPECT(c, "2001:db8:2::1", "2001:db8:ff::10", UDP, 10, -1);
	EXPECT(c, "2001:db8:77::7fff:ffff:ffff:ffff", "2001:db8:ff::10", UDP,
	       12, 2);
	EXPECT(c, "2001:db8:77::8000:0:0:0", "2001:db8:ff::10", UDP, 12, -1);
	EXPECT(c, "2001:db8:78::1", "2001:db8:ff::10", UDP, 12, 2);
	EXPECT(c, "2001:db8:78::2", "2001:db8:ff::10", UDP, 12, -1);
	EXPECT(c, "fe80::1", "2001:db8:ff::10", UDP, 13, 3);
	EXPECT(c, "fe80::1", "2001:db8:ff::11", UDP, 13, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_families_apart(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int v4 = role_add(p, "v4", "0.0.0.0/0", NULL);
	int v6 = role_add(p, "v6", "::/0", NULL);
	int mixed = role_add(p, "mixed", "192.0.2.1", "2001:db8::1", NULL);

	rule_add(p, v4, mixed, TCP, 0, "1");
	rule_add(p, v6, mixed, TCP, 0, "2");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "1.1.1.1", "192.0.2.1", TCP, 1, 0);
	EXPECT(c, "1.1.1.1", "192.0.2.1", TCP, 2, -1);
	EXPECT(c, "::1", "2001:db8::1", TCP, 2, 1);
	EXPECT(c, "::1", "2001:db8::1", TCP, 1, -1);
	/* A v4-mapped address is IPv6 here, not the IPv4 host. */
	EXPECT(c, "::1", "::ffff:192.0.2.1", TCP, 2, -1);
	CHECK_EQ(imgsec_classify(c, 5, (const u8 *)"\1\1\1\1",
				 (const u8 *)"\300\0\2\1", TCP, 1), -1);
	CHECK_EQ(imgsec_classify(c, 0, (const u8 *)"\1\1\1\1",
				 (const u8 *)"\300\0\2\1", TCP, 1), -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_several_roles(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int img = role_add(p, "img", "10.0.0.1", "10.0.0.2", NULL);
	int peer = role_add(p, "peer", "10.0.0.2", "10.0.0.3", NULL);
	int support = role_add(p, "support", "10.0.0.2", "10.9.0.0/16", NULL);
	int gcems = role_add(p, "gcems", "10.1.0.1", NULL);

	rule_add(p, img, gcems, TCP, 0, "104");
	rule_add(p, peer, gcems, TCP, 0, "105");
	rule_add(p, support, gcems, TCP, 0, "22");
	rule_add(p, gcems, peer, TCP, 0, "104");
	c = build(p);
	REQUIRE(c, "no classifier");
	/* 10.0.0.2 is img, peer and support at once. */
	EXPECT(c, "10.0.0.2", "10.1.0.1", TCP, 104, 0);
	EXPECT(c, "10.0.0.2", "10.1.0.1", TCP, 105, 1);
	EXPECT(c, "10.0.0.2", "10.1.0.1", TCP, 22, 2);
	EXPECT(c, "10.0.0.1", "10.1.0.1", TCP, 105, -1);
	EXPECT(c, "10.0.0.3", "10.1.0.1", TCP, 104, -1);
	EXPECT(c, "10.9.4.4", "10.1.0.1", TCP, 22, 2);
	EXPECT(c, "10.1.0.1", "10.0.0.2", TCP, 104, 3);
	EXPECT(c, "10.1.0.1", "10.0.0.1", TCP, 104, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_overlapping_prefixes(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int wide = role_add(p, "wide", "10.0.0.0/8", NULL);
	int mid = role_add(p, "mid", "10.1.0.0/16", NULL);
	int narrow = role_add(p, "narrow", "10.1.2.0/24", "10.1.2.3", NULL);
	int dst = role_add(p, "dst", "192.0.2.1", NULL);

	rule_add(p, narrow, dst, TCP, 0, "3");
	rule_add(p, mid, dst, TCP, 0, "2-3");
	rule_add(p, wide, dst, TCP, 0, "1-3");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.1.2.3", "192.0.2.1", TCP, 3, 0);
	EXPECT(c, "10.1.2.3", "192.0.2.1", TCP, 2, 1);
	EXPECT(c, "10.1.2.3", "192.0.2.1", TCP, 1, 2);
	EXPECT(c, "10.1.3.3", "192.0.2.1", TCP, 3, 1);
	EXPECT(c, "10.1.3.3", "192.0.2.1", TCP, 1, 2);
	EXPECT(c, "10.2.2.3", "192.0.2.1", TCP, 3, 2);
	EXPECT(c, "10.2.2.3", "192.0.2.1", TCP, 4, -1);
	EXPECT(c, "11.1.2.3", "192.0.2.1", TCP, 3, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_ports(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int a = role_add(p, "a", "10.0.0.1", NULL);
	int b = role_add(p, "b", "10.0.0.2", NULL);

	rule_add(p, a, b, TCP, 0, "80,443,8000-8080");
	rule_add(p, a, b, TCP, 0, "8080-9000,1");
	rule_add(p, a, b, TCP, 0, "65535");
	rule_add(p, a, b, TCP, 0, "1-65535");
	rule_add(p, b, a, UDP, 0, "1-65535");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 80, 0);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 443, 0);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 8000, 0);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 8080, 0);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 8081, 1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 9000, 1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 1, 1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 65535, 2);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 81, 3);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 9001, 3);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 65534, 3);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 0, -1);
	EXPECT(c, "10.0.0.2", "10.0.0.1", UDP, 1, 4);
	EXPECT(c, "10.0.0.2", "10.0.0.1", UDP, 65535, 4);
	EXPECT(c, "10.0.0.2", "10.0.0.1", UDP, 0, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

/* The first rule wins even when a later one is in another role pair. */
static void test_first_match(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int img = role_add(p, "img", "10.0.0.1", NULL);
	int nets = role_add(p, "nets", "10.0.0.0/24", NULL);
	int srv = role_add(p, "srv", "10.0.1.1", NULL);

	rule_add(p, nets, srv, UDP, IMGSEC_HELPER_NONE, "2049");
	rule_add(p, img, srv, UDP, IMGSEC_HELPER_RPC, "111");
	rule_add(p, nets, srv, UDP, IMGSEC_HELPER_NONE, "100-200");
	rule_add(p, img, srv, TCP, IMGSEC_HELPER_FTP, "21");
	rule_add(p, img, srv, UDP, IMGSEC_HELPER_NONE, "150");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.1", "10.0.1.1", UDP, 111, 1);
	EXPECT(c, "10.0.0.1", "10.0.1.1", UDP, 150, 2);
	EXPECT(c, "10.0.0.1", "10.0.1.1", UDP, 2049, 0);
	EXPECT(c, "10.0.0.1", "10.0.1.1", TCP, 21, 3);
	EXPECT(c, "10.0.0.9", "10.0.1.1", UDP, 111, 2);
	EXPECT(c, "10.0.0.9", "10.0.1.1", TCP, 21, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_protocols_apart(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int a = role_add(p, "a", "10.0.0.1", NULL);
	int b = role_add(p, "b", "10.0.0.2", NULL);

	rule_add(p, a, b, TCP, 0, "53");
	rule_add(p, a, b, UDP, 0, "53-54");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 53, 0);
	EXPECT(c, "10.0.0.1", "10.0.0.2", UDP, 53, 1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 54, -1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", UDP, 54, 1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", IPPROTO_SCTP, 53, -1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 53, -1);
	imgsec_classifier_free(c);
	pol_free(p);
}

/* ICMP and ICMPv6 types are looked up as ports, each in its own group. */
static void test_icmp_types(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int a = role_add(p, "a", "10.0.0.1", "2001:db8::1", NULL);
	int b = role_add(p, "b", "10.0.0.2", "2001:db8::2", NULL);

	rule_add(p, a, b, IPPROTO_ICMP, 0, "8");
	rule_add(p, a, b, IPPROTO_ICMPV6, 0, "128");
	rule_add(p, b, a, IPPROTO_ICMP, 0, "0-3,255");
	rule_add(p, a, b, TCP, 0, "13");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 8, 0);
	EXPECT(c, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 8, -1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 13, -1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 8, -1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", UDP, 8, -1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", IPPROTO_ICMPV6, 8, -1);
	EXPECT(c, "2001:db8::1", "2001:db8::2", IPPROTO_ICMPV6, 128, 1);
	EXPECT(c, "2001:db8::1", "2001:db8::2", IPPROTO_ICMP, 128, -1);
	/* Protocol 1 over IPv6, 58 over IPv4: neither family's messages. */
	EXPECT(c, "2001:db8::1", "2001:db8::2", IPPROTO_ICMP, 8, -1);
	EXPECT(c, "10.0.0.1", "10.0.0.2", IPPROTO_ICMPV6, 128, -1);
	EXPECT(c, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 0, 2);
	EXPECT(c, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 3, 2);
	EXPECT(c, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 4, -1);
	EXPECT(c, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 255, 2);
	imgsec_classifier_free(c);
	pol_free(p);
}

static void test_empty_policies(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	int e;

	/* No roles, no rules: nothing matches. */
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 22, -1);
	EXPECT(c, "::1", "::2", UDP, 22, -1);
	imgsec_classifier_free(c);

	/* An empty role is a placeholder: its rules never match. */
	e = role_add(p, "later", NULL);
	role_add(p, "any", "0.0.0.0/0", "::/0", NULL);
	rule_add(p, e, 1, TCP, 0, "22");
	rule_add(p, 1, e, TCP, 0, "22");
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 22, -1);
	EXPECT(c, "::1", "::2", TCP, 22, -1);
	imgsec_classifier_free(c);

	/* Roles but no rules. */
	p->nrules = 0;
	c = build(p);
	REQUIRE(c, "no classifier");
	EXPECT(c, "10.0.0.1", "10.0.0.2", TCP, 22, -1);
	imgsec_classifier_free(c);
	imgsec_classifier_free(NULL);
	pol_free(p);
}

/* ---- randomized cross-check ------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed on failure. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return rnd() % n;
}

/* The specification, literally: the first rule that matches. */
static int naive_classify(const struct imgsec_policy_desc *p, int family,
			  const u8 *saddr, const u8 *daddr, u8 proto,
			  u16 dport)
{
	u64 src = naive_roles(p, family, saddr);
	u64 dst = naive_roles(p, family, daddr);
	const struct imgsec_rule_desc *r;
	u32 i, j;

	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->proto != proto || !(src >> r->from & 1) ||
		    !(dst >> r->to & 1))
			continue;
		for (j = 0; j < r->nports; j++)
			if (dport >= r->ports[j].lo && dport <= r->ports[j].hi)
				return i;
	}
	return -1;
}

/*
 * Addresses come from a small universe (10.0.0.0/22, 2001:db8::/118) so
 * that prefixes overlap and random packets often match; lengths cover the
 * whole range, host bits cleared.
 */
static void random_prefix(struct imgsec_prefix *pfx)
{
	static const u8 v4_lens[] = { 0, 8, 16, 22, 23, 24, 28, 30, 31, 32,
				      32, 32 };
	static const u8 v6_lens[] = { 0, 32, 64, 96, 118, 120, 126, 127, 128,
				      128, 128 };
	unsigned int i, h = rnd_below(1024);

	memset(pfx, 0, sizeof(*pfx));
	if (rnd_below(2)) {
		pfx->family = AF_INET;
		pfx->plen = v4_lens[rnd_below(sizeof(v4_lens))];
		pfx->addr[0] = 10;
		pfx->addr[2] = h >> 8;
		pfx->addr[3] = h;
	} else {
		pfx->family = AF_INET6;
		pfx->plen = v6_lens[rnd_below(sizeof(v6_lens))];
		pfx->addr[0] = 0x20;
		pfx->addr[1] = 0x01;
		pfx->addr[2] = 0x0d;
		pfx->addr[3] = 0xb8;
		pfx->addr[14] = h >> 8;
		pfx->addr[15] = h;
	}
	for (i = pfx->plen; i < 128; i++)
		pfx->addr[i / 8] &= ~(0x80 >> (i % 8));
}

static bool role_has(const struct imgsec_role_desc *r,
		     const struct imgsec_prefix *pfx)
{
	u32 i;

	for (i = 0; i < r->nprefixes; i++)
		if (r->prefixes[i].family == pfx->family &&
		    r->prefixes[i].plen == pfx->plen &&
		    !memcmp(r->prefixes[i].addr, pfx->addr, 16))
			return true;
	return false;
}

static u16 random_port(void)
{
	static const u16 edges[] = { 0, 1, 2, 1023, 1024, 65534, 65535 };

	if (rnd_below(8) == 0)
		return edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];
	return rnd_below(64);
}

static void random_rule(struct imgsec_rule_desc *r, u32 nroles)
{
	u16 a, b;
	u8 i;

	memset(r, 0, sizeof(*r));
	r->from = rnd_below(nroles);
	r->to = rnd_below(nroles);
	r->proto = rnd_below(2) ? TCP : UDP;
	r->nports = 1 + rnd_below(rnd_below(4) ? 3 : IMGSEC_MAX_PORT_RANGES);
	for (i = 0; i < r->nports; i++) {
		do {
			a = random_port();
			b = rnd_below(3) ? a : random_port();
		} while (!a || !b);
		r->ports[i].lo = a < b ? a : b;
		r->ports[i].hi = a < b ? b : a;
	}
}

static void random_policy(struct imgsec_policy_desc *p)
{
	struct imgsec_prefix pfx;
	struct imgsec_role_desc *r;
	u32 i, n;

	memset(p->roles, 0, sizeof(p->roles));
	p->nroles = 1 + rnd_below(rnd_below(8) ? 6 : IMGSEC_MAX_ROLES);
	for (i = 0; i < p->nroles; i++) {
		r = &p->roles[i];
		snprintf(r->name, sizeof(r->name), "r%u", i);
		r->prefixes = calloc(24, sizeof(*r->prefixes));
		for (n = rnd_below(24); n; n--) {
			random_prefix(&pfx);
			if (!role_has(r, &pfx))
				r->prefixes[r->nprefixes++] = pfx;
		}
	}
	p->nrules = rnd_below(rnd_below(8) ? 20 : 300);
	for (i = 0; i < p->nrules; i++)
		random_rule(&p->rules[i], p->nroles);
}

/* Mostly an address of some role, with random host bits. */
static void random_packet_addr(const struct imgsec_policy_desc *p, int family,
			       u8 *addr)
{
	struct imgsec_prefix pfx;
	unsigned int i;

	do {
		random_prefix(&pfx);
	} while ((pfx.family == AF_INET) != (family == 4));
	if (rnd_below(4)) {
		const struct imgsec_role_desc *r = &p->roles[rnd_below(p->nroles)];

		for (i = 0; i < r->nprefixes; i++)
			if ((r->prefixes[i].family == AF_INET) == (family == 4))
				pfx = r->prefixes[i];
	}
	memcpy(addr, pfx.addr, 16);
	for (i = pfx.plen; i < (family == 4 ? 32u : 128u); i++)
		if (rnd_below(2))
			addr[i / 8] |= 0x80 >> (i % 8);
}

static void crosscheck_one(struct imgsec_policy_desc *p, uint64_t seed,
			   unsigned int packets, unsigned int *matched)
{
	struct imgsec_classifier *c = build(p);
	u8 s[16], d[16];
	int family, want, got;
	u8 proto;
	u16 port;

	if (!c)
		return;
	while (packets--) {
		family = rnd_below(2) ? 4 : 6;
		random_packet_addr(p, family, s);
		random_packet_addr(p, family, d);
		proto = rnd_below(2) ? TCP : UDP;
		port = random_port();
		want = naive_classify(p, family, s, d, proto, port);
		got = imgsec_classify(c, family, s, d, proto, port);
		*matched += want >= 0;
		CHECK(got == want, "seed %#llx: got %d want %d",
		      (unsigned long long)seed, got, want);
	}
	imgsec_classifier_free(c);
}

/*
 * IMGSEC_TEST_CLASSIFY_POLICIES: how many random policies (3000), for a
 * longer run by hand after a change to the classifier.
 */
static void test_random_crosscheck(void)
{
	const char *env = getenv("IMGSEC_TEST_CLASSIFY_POLICIES");
	struct imgsec_policy_desc *p = pol_new();
	unsigned int i, n = 3000, matched = 0, packets = 0;
	uint64_t seed;

	if (env && *env)
		n = strtoul(env, NULL, 10);
	for (i = 0; i < n; i++) {
		seed = 0x1badb002ULL + i;
		rng_state = seed * 0x9e3779b97f4a7c15ULL | 1;
		random_policy(p);
		crosscheck_one(p, seed, 300, &matched);
		packets += 300;
		for (u32 r = 0; r < p->nroles; r++)
			free(p->roles[r].prefixes);
	}
	/* The generator must exercise both outcomes, not just misses. */
	CHECK(matched > packets / 10 && matched < packets * 9 / 10,
	      "%u of %u packets matched", matched, packets);
	p->nroles = 0;
	pol_free(p);
}

/* ---- address tables: sizes, masks, inheritance ------------------------ */

/*
 * Rule i (of nroles): from role i to role i, TCP port i + 1, so that
 * classifying (addr, addr, port i + 1) says whether addr is in role i: the
 * whole role mask of an address is observable, bit by bit.
 */
static void role_probe_rules(struct imgsec_policy_desc *p)
{
	struct imgsec_rule_desc *r;
	u32 i;

	p->nrules = p->nroles;
	for (i = 0; i < p->nroles; i++) {
		r = &p->rules[i];
		memset(r, 0, sizeof(*r));
		r->from = i;
		r->to = i;
		r->proto = TCP;
		r->nports = 1;
		r->ports[0].lo = i + 1;
		r->ports[0].hi = i + 1;
	}
}

/* Every role bit of @addr in @c against the naive scan of @p; failures. */
static unsigned int check_roles(const struct imgsec_classifier *c,
				const struct imgsec_policy_desc *p, int family,
				const u8 *addr)
{
	u64 want = naive_roles(p, family, addr);
	unsigned int bad = 0;
	u32 i;
	int got;

	for (i = 0; i < p->nroles; i++) {
		got = imgsec_classify(c, family, addr, addr, TCP, i + 1);
		bad += got != (want >> i & 1 ? (int)i : -1);
	}
	return bad;
}

/* Role @r gets its own prefixes array of room @n. */
static void role_init(struct imgsec_policy_desc *p, u32 r, u32 n)
{
	snprintf(p->roles[r].name, IMGSEC_NAME_LEN, "r%u", r);
	p->roles[r].prefixes = calloc(n ? n : 1, sizeof(struct imgsec_prefix));
	p->roles[r].nprefixes = 0;
}

static void role_push(struct imgsec_policy_desc *p, u32 r, int family,
		      u8 plen, const u8 *addr)
{
	struct imgsec_prefix *pfx =
		&p->roles[r].prefixes[p->roles[r].nprefixes++];

	memset(pfx, 0, sizeof(*pfx));
	pfx->family = family == 4 ? AF_INET : AF_INET6;
	pfx->plen = plen;
	memcpy(pfx->addr, addr, family == 4 ? 4 : 16);
}

/* Host @i of a test table: 10.x.y.z or 2001:db8::x:y:z, @i spread out. */
static void host_addr(u8 *addr, int family, u32 i)
{
	u32 v = i * 2654435761u;	/* distinct for distinct i */

	memset(addr, 0, 16);
	if (family == 4) {
		addr[0] = 10;
		addr[1] = v >> 16;
		addr[2] = v >> 8;
		addr[3] = v;
		return;
	}
	addr[0] = 0x20;
	addr[1] = 0x01;
	addr[2] = 0x0d;
	addr[3] = 0xb8;
	addr[12] = v >> 24;
	addr[13] = v >> 16;
	addr[14] = v >> 8;
	addr[15] = v;
}

/*
 * Tables of every size from 1 to 200 entries (around each rounding of
 * 4n/3 + 1) in either family: every member found with its roles, and
 * absent addresses (which probe until an empty slot, wrapping around the
 * end of the table) in none.
 */
static void test_table_sizes(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	unsigned int bad = 0, n, i, family;
	u8 addr[16];

	for (family = 4; family <= 6; family += 2) {
		for (n = 1; n <= 200; n++) {
			p->nroles = 2;
			role_init(p, 0, n);
			role_init(p, 1, n);
			for (i = 0; i < n; i++) {
				host_addr(addr, family, i);
				role_push(p, i % 3 == 0, family,
					  family == 4 ? 32 : 128, addr);
			}
			role_probe_rules(p);
			c = build(p);
			REQUIRE(c, "no classifier at %u entries", n);
			/* Members, then as many non-members again and more. */
			for (i = 0; i < 2 * n + 64; i++) {
				host_addr(addr, family, i);
				bad += check_roles(c, p, family, addr);
			}
			/* The other family: no table at all. */
			host_addr(addr, 10 - family, 0);
			bad += check_roles(c, p, 10 - family, addr);
			imgsec_classifier_free(c);
			free(p->roles[0].prefixes);
			free(p->roles[1].prefixes);
		}
	}
	CHECK(bad == 0, "%u wrong role bits", bad);
	p->nroles = 0;
	pol_free(p);
}

/* One entry: the smallest table (3 slots); /0 matches every address. */
static void test_table_of_one(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	unsigned int bad = 0, i;
	u8 addr[16] = { 0 };

	p->nroles = 1;
	role_init(p, 0, 1);
	host_addr(addr, 6, 7);
	role_push(p, 0, 6, 128, addr);
	role_probe_rules(p);
	c = build(p);
	REQUIRE(c, "no classifier");
	for (i = 0; i < 1000; i++) {
		host_addr(addr, 6, i);
		bad += check_roles(c, p, 6, addr);
		host_addr(addr, 4, i);
		bad += check_roles(c, p, 4, addr);
	}
	CHECK(imgsec_classify(c, 6, addr, addr, TCP, 1) == -1,
	      "a non-member matched");
	imgsec_classifier_free(c);
	memset(addr, 0, sizeof(addr));
	p->roles[0].nprefixes = 0;
	role_push(p, 0, 4, 0, addr);
	c = build(p);
	REQUIRE(c, "no classifier");
	for (i = 0; i < 1000; i++) {
		host_addr(addr, 4, i);
		bad += check_roles(c, p, 4, addr);
		bad += imgsec_classify(c, 4, addr, addr, TCP, 1) != 0;
	}
	CHECK(bad == 0, "%u wrong answers", bad);
	imgsec_classifier_free(c);
	pol_free(p);
}

/*
 * All 64 roles: one address in every role (bit 63 included), one in each
 * single role, and a /16 in every role that each host inherits from.
 */
static void test_all_roles(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	unsigned int bad = 0, i, r;
	u8 all[16] = { 192, 0, 2, 1 }, net[16] = { 10, 0 };
	u8 addr[16];

	p->nroles = IMGSEC_MAX_ROLES;
	for (r = 0; r < p->nroles; r++) {
		role_init(p, r, 3);
		role_push(p, r, 4, 32, all);
		host_addr(addr, 4, r);
		addr[1] = 0;	/* inside 10.0.0.0/16 */
		role_push(p, r, 4, 32, addr);
		if (r % 2)
			role_push(p, r, 4, 16, net);
	}
	role_probe_rules(p);
	c = build(p);
	REQUIRE(c, "no classifier");
	bad += check_roles(c, p, 4, all);
	CHECK(naive_roles(p, 4, all) == ~0ULL, "the test lost a role");
	for (i = 0; i < 200; i++) {
		host_addr(addr, 4, i);
		addr[1] = 0;
		bad += check_roles(c, p, 4, addr);
		addr[1] = 1;	/* outside the /16 */
		bad += check_roles(c, p, 4, addr);
	}
	CHECK(imgsec_classify(c, 4, all, all, TCP, 64) == 63,
	      "role 63 lost");
	CHECK(bad == 0, "%u wrong role bits", bad);
	imgsec_classifier_free(c);
	pol_free(p);
}

/*
 * Many distinct masks: 3000 hosts (either family), each in a random
 * subset of 64 roles (16 on average: 48,000 prefixes, under the limit), so
 * that nearly every entry has a mask of its own; then 500 non-members.
 */
static void test_many_masks(void)
{
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	unsigned int bad = 0, i, r, n = 3000;
	u8 addr[16];
	u64 m;

	rng_state = 0xa5a5a5a5;
	p->nroles = IMGSEC_MAX_ROLES;
	for (r = 0; r < p->nroles; r++)
		role_init(p, r, n);
	for (i = 0; i < n; i++) {
		host_addr(addr, i % 2 ? 6 : 4, i);
		m = (rnd() & rnd()) | 1ULL << (i % 64);
		for (r = 0; r < p->nroles; r++)
			if (m >> r & 1)
				role_push(p, r, i % 2 ? 6 : 4,
					  i % 2 ? 128 : 32, addr);
	}
	role_probe_rules(p);
	c = build(p);
	REQUIRE(c, "no classifier");
	for (i = 0; i < n + 500; i++) {
		host_addr(addr, i % 2 ? 6 : 4, i);
		bad += check_roles(c, p, i % 2 ? 6 : 4, addr);
	}
	CHECK(bad == 0, "%u wrong role bits", bad);
	imgsec_classifier_free(c);
	pol_free(p);
}

/*
 * Nested prefixes in both families, each level in its own role and some
 * levels shared: an address gets the roles of every level containing it,
 * including levels with no entry on its own path (the /0 and the /96).
 */
static void test_nested_inherit(void)
{
	static const u8 v4_lens[] = { 0, 8, 12, 16, 24, 31, 32 };
	static const u8 v6_lens[] = { 0, 16, 32, 64, 96, 120, 127, 128 };
	struct imgsec_policy_desc *p = pol_new();
	struct imgsec_classifier *c;
	unsigned int bad = 0, i, k, family;
	const u8 *lens;
	u8 addr[16];
	u32 nlens, r;

	p->nroles = 8;
	for (r = 0; r < p->nroles; r++)
		role_init(p, r, 40);
	for (family = 4; family <= 6; family += 2) {
		lens = family == 4 ? v4_lens : v6_lens;
		nlens = family == 4 ? sizeof(v4_lens) : sizeof(v6_lens);
		for (k = 0; k < nlens; k++) {
			host_addr(addr, family, 1);
			for (i = lens[k]; i < 128; i++)
				addr[i / 8] &= ~(0x80 >> (i % 8));
			/* Level k in role k % 8, and every third in role 7. */
			role_push(p, k % 8, family, lens[k], addr);
			if (k % 3 == 0)
				role_push(p, 7, family, lens[k], addr);
		}
	}
	role_probe_rules(p);
	c = build(p);
	REQUIRE(c, "no classifier");
	for (family = 4; family <= 6; family += 2) {
		for (i = 0; i < 2000; i++) {
			host_addr(addr, family, 1);
			/* Flip one bit: leaves the levels above it. */
			addr[i % (family == 4 ? 4 : 16)] ^= 1 << (i / 16 % 8);
			bad += check_roles(c, p, family, addr);
		}
		host_addr(addr, family, 1);
		bad += check_roles(c, p, family, addr);
		CHECK(naive_roles(p, family, addr) == 0xff ||
		      family == 4, "the v6 host is not in every role");
	}
	CHECK(bad == 0, "%u wrong role bits", bad);
	imgsec_classifier_free(c);
	pol_free(p);
}

/* Role @r's address number @i in test_limits: v4 when even, v6 when odd. */
static void limits_addr(u8 *addr, u32 r, u32 i)
{
	memset(addr, 0, 16);
	addr[0] = 10;
	addr[1] = r;
	addr[2] = i >> 8;
	addr[3] = i;
}

static void limits_policy(struct imgsec_policy_desc *p)
{
	struct imgsec_rule_desc *rule;
	struct imgsec_prefix *pfx;
	u32 r, i, n = IMGSEC_MAX_PREFIXES / IMGSEC_MAX_ROLES;

	p->nroles = IMGSEC_MAX_ROLES;
	for (r = 0; r < p->nroles; r++) {
		snprintf(p->roles[r].name, IMGSEC_NAME_LEN, "role%u", r);
		p->roles[r].nprefixes = n;
		p->roles[r].prefixes = calloc(n, sizeof(*pfx));
		for (i = 0; i < n; i++) {
			pfx = &p->roles[r].prefixes[i];
			pfx->family = i % 2 ? AF_INET6 : AF_INET;
			pfx->plen = i % 2 ? 128 : 32;
			limits_addr(pfx->addr, r, i);
		}
	}
	/* Ranges half narrow, half wide, so that they overlap a lot. */
	p->nrules = IMGSEC_MAX_RULES;
	for (i = 0; i < p->nrules; i++) {
		rule = &p->rules[i];
		random_rule(rule, p->nroles);
		rule->nports = IMGSEC_MAX_PORT_RANGES;
		for (r = 0; r < IMGSEC_MAX_PORT_RANGES; r++) {
			rule->ports[r].lo = 1 + rnd_below(65535);
			rule->ports[r].hi = rule->ports[r].lo +
				rnd_below(r % 2 ? 65536 - rule->ports[r].lo : 8);
			if (rule->ports[r].hi < rule->ports[r].lo)
				rule->ports[r].hi = 65535;
		}
	}
}

/*
 * Every limit at once: 64 roles, 65536 addresses, 1024 rules of 32 ranges.
 * Half the packets aim at a random rule, so that many match.
 */
static void test_limits(void)
{
	struct imgsec_policy_desc *p = pol_new();
	const struct imgsec_rule_desc *rule;
	struct imgsec_classifier *c;
	unsigned int matched = 0;
	int family, want, got;
	u8 s[16], d[16], proto;
	u32 i, k;
	u16 port;

	rng_state = 0x5eed;
	limits_policy(p);
	c = build(p);
	REQUIRE(c, "no classifier");
	for (i = 0; i < 4000; i++) {
		family = rnd_below(2) ? 4 : 6;
		k = rnd_below(512) * 2 + (family == 6);
		rule = &p->rules[rnd_below(p->nrules)];
		limits_addr(s, i % 2 ? rule->from : rnd_below(64), k);
		limits_addr(d, i % 2 ? rule->to : rnd_below(64), k);
		proto = i % 2 ? rule->proto : (rnd_below(2) ? TCP : UDP);
		port = i % 2 ? rule->ports[rnd_below(32)].lo : rnd();
		want = naive_classify(p, family, s, d, proto, port);
		got = imgsec_classify(c, family, s, d, proto, port);
		matched += want >= 0;
		CHECK(got == want, "packet %u: got %d want %d", i, got, want);
	}
	CHECK(matched >= 2000, "only %u packets matched", matched);
	imgsec_classifier_free(c);
	pol_free(p);
}

int main(void)
{
	RUN(test_v4_exact);
	RUN(test_v4_prefixes);
	RUN(test_v6_prefixes);
	RUN(test_families_apart);
	RUN(test_several_roles);
	RUN(test_overlapping_prefixes);
	RUN(test_ports);
	RUN(test_first_match);
	RUN(test_protocols_apart);
	RUN(test_icmp_types);
	RUN(test_empty_policies);
	RUN(test_random_crosscheck);
	RUN(test_table_sizes);
	RUN(test_table_of_one);
	RUN(test_all_roles);
	RUN(test_many_masks);
	RUN(test_nested_inherit);
	RUN(test_limits);
	return test_summary();
}
