// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the classifier, in the kernel's own build: kvzalloc,
 * kernel types and the compiler flags the module really gets. The
 * exhaustive and randomized checks are in tests/unit/test_classify.c.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/socket.h>

#include "classify.h"

#define V4(a, b, c, d, len)						\
	{ .family = AF_INET, .plen = len, .addr = { a, b, c, d } }
#define V6(len, ...)							\
	{ .family = AF_INET6, .plen = len, .addr = { __VA_ARGS__ } }

#define MAX_TEST_RULES	16

/* Per case: the policy being written and the classifier built from it. */
struct classify_ctx {
	struct imgsec_policy_desc *p;
	struct imgsec_classifier *c;
};

static int classify_init(struct kunit *test)
{
	struct classify_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->p = kunit_kzalloc(test, sizeof(*ctx->p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->p);
	ctx->p->rules = kunit_kcalloc(test, MAX_TEST_RULES,
				      sizeof(*ctx->p->rules), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->p->rules);
	test->priv = ctx;
	return 0;
}

/* The policy's arrays are test-managed; only the classifier is ours. */
static void classify_exit(struct kunit *test)
{
	struct classify_ctx *ctx = test->priv;

	imgsec_classifier_free(ctx->c);
}

static struct imgsec_policy_desc *policy(struct kunit *test)
{
	return ((struct classify_ctx *)test->priv)->p;
}

static u8 add_role(struct kunit *test, const char *name,
		   const struct imgsec_prefix *pfx, u32 n)
{
	struct imgsec_policy_desc *p = policy(test);
	struct imgsec_role_desc *r = &p->roles[p->nroles];

	strscpy(r->name, name, sizeof(r->name));
	r->prefixes = kunit_kmalloc_array(test, n, sizeof(*pfx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->prefixes);
	memcpy(r->prefixes, pfx, n * sizeof(*pfx));
	r->nprefixes = n;
	return p->nroles++;
}

/* A rule for ports lo..hi; returns its index. */
static int add_rule(struct kunit *test, u8 from, u8 to, u8 proto, u8 helper,
		    u16 lo, u16 hi)
{
	struct imgsec_policy_desc *p = policy(test);
	struct imgsec_rule_desc *r = &p->rules[p->nrules];

	KUNIT_ASSERT_LT(test, p->nrules, MAX_TEST_RULES);
	r->from = from;
	r->to = to;
	r->proto = proto;
	r->helper = helper;
	r->ports[0].lo = lo;
	r->ports[0].hi = hi;
	r->nports = 1;
	return p->nrules++;
}

static void add_ports(struct kunit *test, int rule, u16 lo, u16 hi)
{
	struct imgsec_rule_desc *r = &policy(test)->rules[rule];

	r->ports[r->nports].lo = lo;
	r->ports[r->nports].hi = hi;
	r->nports++;
}

static const struct imgsec_classifier *build(struct kunit *test)
{
	struct classify_ctx *ctx = test->priv;
	struct imgsec_policy_error err;

	KUNIT_ASSERT_EQ_MSG(test, imgsec_policy_validate(ctx->p, &err), 0,
			    "%s", err.msg);
	KUNIT_ASSERT_EQ(test, imgsec_classifier_build(ctx->p, &ctx->c), 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->c);
	return ctx->c;
}

static int cls4(const struct imgsec_classifier *c, const u8 *s, const u8 *d,
		u8 proto, u16 port)
{
	return imgsec_classify(c, 4, s, d, proto, port);
}

static void classify_v4_prefixes(struct kunit *test)
{
	static const struct imgsec_prefix img[] = {
		V4(192, 0, 2, 10, 32), V4(10, 0, 0, 0, 8),
	};
	static const struct imgsec_prefix gcems[] = {
		V4(198, 51, 100, 0, 24),
	};
	static const struct imgsec_prefix any[] = { V4(0, 0, 0, 0, 0) };
	static const u8 host[] = { 192, 0, 2, 10 }, net[] = { 10, 9, 8, 7 };
	static const u8 srv[] = { 198, 51, 100, 77 }, out[] = { 8, 8, 8, 8 };
	const struct imgsec_classifier *c;
	u8 ri = add_role(test, "img", img, ARRAY_SIZE(img));
	u8 rg = add_role(test, "gcems", gcems, ARRAY_SIZE(gcems));
	u8 ra = add_role(test, "any", any, ARRAY_SIZE(any));

	add_rule(test, ri, rg, IPPROTO_TCP, IMGSEC_HELPER_NONE, 104, 104);
	add_rule(test, ra, rg, IPPROTO_TCP, IMGSEC_HELPER_NONE, 443, 443);
	c = build(test);

	KUNIT_EXPECT_EQ(test, cls4(c, host, srv, IPPROTO_TCP, 104), 0);
	KUNIT_EXPECT_EQ(test, cls4(c, net, srv, IPPROTO_TCP, 104), 0);
	KUNIT_EXPECT_EQ(test, cls4(c, out, srv, IPPROTO_TCP, 104), -1);
	KUNIT_EXPECT_EQ(test, cls4(c, out, srv, IPPROTO_TCP, 443), 1);
	KUNIT_EXPECT_EQ(test, cls4(c, host, srv, IPPROTO_TCP, 443), 1);
	KUNIT_EXPECT_EQ(test, cls4(c, srv, host, IPPROTO_TCP, 104), -1);
	KUNIT_EXPECT_EQ(test, cls4(c, host, out, IPPROTO_TCP, 443), -1);
}

static void classify_v6_prefixes(struct kunit *test)
{
	static const struct imgsec_prefix img[] = {
		V6(64, 0x20, 0x01, 0x0d, 0xb8, 0, 1),
		V6(128, 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10),
	};
	static const struct imgsec_prefix gcems[] = {
		V6(128, 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 5),
	};
	static const u8 lan[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9 };
	static const u8 one[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
	static const u8 other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x11 };
	static const u8 srv[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 5 };
	static const u8 v4src[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	const struct imgsec_classifier *c;
	u8 ri = add_role(test, "img", img, ARRAY_SIZE(img));
	u8 rg = add_role(test, "gcems", gcems, ARRAY_SIZE(gcems));

	add_rule(test, ri, rg, IPPROTO_TCP, IMGSEC_HELPER_NONE, 104, 104);
	c = build(test);

	KUNIT_EXPECT_EQ(test, imgsec_classify(c, 6, lan, srv, IPPROTO_TCP, 104),
			0);
	KUNIT_EXPECT_EQ(test, imgsec_classify(c, 6, one, srv, IPPROTO_TCP, 104),
			0);
	KUNIT_EXPECT_EQ(test,
			imgsec_classify(c, 6, other, srv, IPPROTO_TCP, 104),
			-1);
	/* The same leading bytes as IPv4 are another family. */
	KUNIT_EXPECT_EQ(test,
			imgsec_classify(c, 4, v4src, srv, IPPROTO_TCP, 104),
			-1);
}

static void classify_port_ranges(struct kunit *test)
{
	static const struct imgsec_prefix a[] = { V4(10, 0, 0, 1, 32) };
	static const struct imgsec_prefix b[] = { V4(10, 0, 0, 2, 32) };
	static const u8 sa[] = { 10, 0, 0, 1 }, sb[] = { 10, 0, 0, 2 };
	const struct imgsec_classifier *c;
	u8 ra = add_role(test, "a", a, 1), rb = add_role(test, "b", b, 1);
	int r0 = add_rule(test, ra, rb, IPPROTO_TCP, 0, 80, 80);

	add_ports(test, r0, 8000, 8080);
	add_ports(test, r0, 443, 443);
	add_rule(test, ra, rb, IPPROTO_TCP, 0, 1, 65535);
	add_rule(test, ra, rb, IPPROTO_UDP, 0, 5000, 6000);
	c = build(test);

	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_TCP, 80), 0);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_TCP, 443), 0);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_TCP, 8000), 0);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_TCP, 8080), 0);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_TCP, 8081), 1);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_TCP, 65535), 1);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_TCP, 0), -1);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_UDP, 4999), -1);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_UDP, 5000), 2);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_UDP, 6000), 2);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_UDP, 6001), -1);
	KUNIT_EXPECT_EQ(test, cls4(c, sb, sa, IPPROTO_UDP, 5000), -1);
	KUNIT_EXPECT_EQ(test, cls4(c, sa, sb, IPPROTO_SCTP, 80), -1);
}

/* The hook finds a rule's helper by the index the classifier returns. */
static void classify_helper_rules(struct kunit *test)
{
	static const struct imgsec_prefix img[] = { V4(192, 0, 2, 10, 32) };
	static const struct imgsec_prefix gcems[] = { V4(192, 0, 2, 20, 32) };
	static const u8 si[] = { 192, 0, 2, 10 }, sg[] = { 192, 0, 2, 20 };
	const struct imgsec_classifier *c;
	u8 ri = add_role(test, "img", img, 1);
	u8 rg = add_role(test, "gcems", gcems, 1);
	int dicom = add_rule(test, ri, rg, IPPROTO_TCP, IMGSEC_HELPER_NONE,
			     104, 104);
	int rpc_udp = add_rule(test, rg, ri, IPPROTO_UDP, IMGSEC_HELPER_RPC,
			       111, 111);
	int rpc_tcp = add_rule(test, rg, ri, IPPROTO_TCP, IMGSEC_HELPER_RPC,
			       111, 111);
	int ftp = add_rule(test, ri, rg, IPPROTO_TCP, IMGSEC_HELPER_FTP,
			   21, 21);

	c = build(test);
	KUNIT_EXPECT_EQ(test, cls4(c, si, sg, IPPROTO_TCP, 104), dicom);
	KUNIT_EXPECT_EQ(test, cls4(c, sg, si, IPPROTO_UDP, 111), rpc_udp);
	KUNIT_EXPECT_EQ(test, cls4(c, sg, si, IPPROTO_TCP, 111), rpc_tcp);
	KUNIT_EXPECT_EQ(test, cls4(c, si, sg, IPPROTO_TCP, 21), ftp);
	KUNIT_EXPECT_EQ(test, cls4(c, sg, si, IPPROTO_TCP, 21), -1);
	KUNIT_EXPECT_EQ(test, policy(test)->rules[rpc_udp].helper,
			IMGSEC_HELPER_RPC);
	KUNIT_EXPECT_EQ(test, policy(test)->rules[ftp].helper,
			IMGSEC_HELPER_FTP);
}

/* An address in two roles; the lower rule index wins across role pairs. */
static void classify_first_match(struct kunit *test)
{
	static const struct imgsec_prefix nets[] = { V4(10, 0, 0, 0, 24) };
	static const struct imgsec_prefix img[] = { V4(10, 0, 0, 1, 32) };
	static const struct imgsec_prefix srv[] = { V4(10, 0, 1, 1, 32) };
	static const u8 s1[] = { 10, 0, 0, 1 }, s9[] = { 10, 0, 0, 9 };
	static const u8 d[] = { 10, 0, 1, 1 };
	const struct imgsec_classifier *c;
	u8 rn = add_role(test, "nets", nets, 1);
	u8 ri = add_role(test, "img", img, 1);
	u8 rs = add_role(test, "srv", srv, 1);

	add_rule(test, ri, rs, IPPROTO_UDP, IMGSEC_HELPER_RPC, 111, 111);
	add_rule(test, rn, rs, IPPROTO_UDP, IMGSEC_HELPER_NONE, 100, 200);
	add_rule(test, ri, rs, IPPROTO_UDP, IMGSEC_HELPER_NONE, 150, 150);
	c = build(test);

	KUNIT_EXPECT_EQ(test, cls4(c, s1, d, IPPROTO_UDP, 111), 0);
	KUNIT_EXPECT_EQ(test, cls4(c, s1, d, IPPROTO_UDP, 150), 1);
	KUNIT_EXPECT_EQ(test, cls4(c, s9, d, IPPROTO_UDP, 111), 1);
	KUNIT_EXPECT_EQ(test, cls4(c, s9, d, IPPROTO_UDP, 201), -1);
}

static void classify_empty_policy(struct kunit *test)
{
	static const u8 a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };
	const struct imgsec_classifier *c = build(test);

	KUNIT_EXPECT_EQ(test, imgsec_classify(c, 4, a, b, IPPROTO_TCP, 22), -1);
	KUNIT_EXPECT_EQ(test, imgsec_classify(c, 6, a, b, IPPROTO_UDP, 22), -1);
}

static void validate_rejects(struct kunit *test)
{
	static const struct imgsec_prefix bad[] = { V4(10, 0, 0, 1, 24) };
	struct imgsec_policy_desc *p = policy(test);
	struct imgsec_policy_error err;

	add_role(test, "img", bad, 1);
	KUNIT_EXPECT_EQ(test, imgsec_policy_validate(p, &err), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err.msg, "prefix has host bits set");
	KUNIT_EXPECT_EQ(test, err.role, 0);
	KUNIT_EXPECT_EQ(test, err.prefix, 0);
	KUNIT_EXPECT_EQ(test, err.rule, -1);
}

static struct kunit_case imgsec_classify_cases[] = {
	KUNIT_CASE(classify_v4_prefixes),
	KUNIT_CASE(classify_v6_prefixes),
	KUNIT_CASE(classify_port_ranges),
	KUNIT_CASE(classify_helper_rules),
	KUNIT_CASE(classify_first_match),
	KUNIT_CASE(classify_empty_policy),
	KUNIT_CASE(validate_rejects),
	{}
};

static struct kunit_suite imgsec_classify_suite = {
	.name = "imgsec_classify",
	.init = classify_init,
	.exit = classify_exit,
	.test_cases = imgsec_classify_cases,
};

kunit_test_suite(imgsec_classify_suite);
