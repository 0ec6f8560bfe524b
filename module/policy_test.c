// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the rules' new-connection limits in the kernel's policy object
 * (policy.c): buckets only for a policy that limits, a burst admitted whole
 * and no more, rules without a limit untouched. UML has one CPU and no
 * preemption, so CPUs racing for a bucket are left to the VM tests.
 */
#include <kunit/test.h>
#include <linux/socket.h>

#include "imgsec.h"

/* Two rules, 10.0.0.0/8 to itself on TCP 22 and 23; rule 1 limited. */
static struct imgsec_policy *make_policy(struct kunit *test, u32 rate,
					 u8 unit, u32 burst)
{
	struct imgsec_policy_desc *desc;
	struct imgsec_policy *p = NULL;
	u32 i;

	desc = kzalloc(sizeof(*desc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	desc->nroles = 1;
	strscpy(desc->roles[0].name, "ops", sizeof(desc->roles[0].name));
	desc->roles[0].prefixes = kvcalloc(1, sizeof(struct imgsec_prefix),
					   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc->roles[0].prefixes);
	desc->roles[0].nprefixes = 1;
	desc->roles[0].prefixes[0].family = AF_INET;
	desc->roles[0].prefixes[0].plen = 8;
	desc->roles[0].prefixes[0].addr[0] = 10;
	desc->rules = kvcalloc(2, sizeof(*desc->rules), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc->rules);
	desc->nrules = 2;
	for (i = 0; i < 2; i++) {
		desc->rules[i].proto = IPPROTO_TCP;
		desc->rules[i].nports = 1;
		desc->rules[i].ports[0].lo = 22 + i;
		desc->rules[i].ports[0].hi = 22 + i;
	}
	desc->rules[1].limit_rate = rate;
	desc->rules[1].limit_unit = unit;
	desc->rules[1].limit_burst = burst;

	KUNIT_ASSERT_EQ(test, imgsec_policy_create(&init_net, desc, &p), 0);
	kfree(desc);
	return p;
}

static void imgsec_limit_only_where_asked(struct kunit *test)
{
	struct imgsec_policy *p = make_policy(test, 0, 0, 0);
	int i;

	KUNIT_EXPECT_NULL(test, p->buckets);
	for (i = 0; i < 1000; i++)
		KUNIT_EXPECT_TRUE(test, imgsec_policy_admit(p, 1));
	imgsec_policy_destroy(p);
}

/* 1 a minute: nothing refills during the test, so counts are exact. */
static void imgsec_limit_burst_then_refuse(struct kunit *test)
{
	struct imgsec_policy *p = make_policy(test, 1, IMGSEC_LIMIT_UNIT_MINUTE,
					      25);
	struct imgsec_rule_counter c;
	int i, admitted = 0;

	KUNIT_ASSERT_NOT_NULL(test, p->buckets);
	KUNIT_EXPECT_EQ(test, p->buckets[1].interval_ns, 60 * NSEC_PER_SEC);
	for (i = 0; i < 100; i++)
		admitted += imgsec_policy_admit(p, 1);
	KUNIT_EXPECT_EQ(test, admitted, 25);
	/* Rule 0 has no limit, even in a policy whose rule 1 has one. */
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_TRUE(test, imgsec_policy_admit(p, 0));
	/* The limited counter is the hook's to bump; a new policy has none. */
	imgsec_policy_rule_counter(p, 1, &c);
	KUNIT_EXPECT_EQ(test, c.limited, 0ULL);
	imgsec_policy_destroy(p);
}

/*
 * A per-source limit (rule 1, 1 a minute, bursts of 3): each source its
 * own burst, the shared bucket untouched, rule 0 without a table, the
 * table's memory fixed.
 */
static void imgsec_source_limit_each_its_own(struct kunit *test)
{
	struct imgsec_policy *p = make_policy(test, 0, 0, 0);
	struct imgsec_policy_desc *desc;
	const u8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	const u8 a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	int i, na = 0, nb = 0, n6 = 0;

	/* make_policy() gives no per-source limit: rebuild with one. */
	desc = kzalloc(sizeof(*desc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	*desc = p->desc;
	memset(&p->desc, 0, sizeof(p->desc));
	imgsec_policy_destroy(p);
	desc->rules[1].source_rate = 1;
	desc->rules[1].source_unit = IMGSEC_LIMIT_UNIT_MINUTE;
	desc->rules[1].source_burst = 3;
	p = NULL;
	KUNIT_ASSERT_EQ(test, imgsec_policy_create(&init_net, desc, &p), 0);
	kfree(desc);

	KUNIT_ASSERT_NOT_NULL(test, p->sources);
	KUNIT_EXPECT_NULL(test, p->sources[0].table);
	KUNIT_ASSERT_NOT_NULL(test, p->sources[1].table);
	KUNIT_EXPECT_EQ(test, p->sources[1].table->mask + 1,
			(u32)IMGSEC_SOURCE_SLOTS);
	KUNIT_EXPECT_NULL(test, p->buckets);
	for (i = 0; i < 10; i++) {
		na += imgsec_policy_admit_source(p, 1, 4, a);
		nb += imgsec_policy_admit_source(p, 1, 4, b);
		n6 += imgsec_policy_admit_source(p, 1, 6, a6);
		KUNIT_EXPECT_TRUE(test,
				  imgsec_policy_admit_source(p, 0, 4, a));
	}
	KUNIT_EXPECT_EQ(test, na, 3);
	KUNIT_EXPECT_EQ(test, nb, 3);
	KUNIT_EXPECT_EQ(test, n6, 3);
	KUNIT_EXPECT_EQ(test, p->sources[1].table->used, 3U);
	KUNIT_EXPECT_EQ(test, imgsec_policy_source_evicted(p, 1), 0ULL);
	KUNIT_EXPECT_EQ(test, imgsec_policy_source_evicted(p, 0), 0ULL);
	imgsec_policy_destroy(p);
}

/*
 * A per-source cap alone (rule 1, max 2): its own nf_conncount and no
 * table of sources (no rate), nothing for rule 0. A connection conntrack
 * does not track cannot be counted: refused under the cap, passed under
 * rule 0. (Counting real connections needs conntrack entries: the VM test,
 * tests/e2e/per_source_max_test.sh.)
 */
static void imgsec_source_max_own_counter(struct kunit *test)
{
	struct imgsec_policy *p = make_policy(test, 0, 0, 0);
	struct imgsec_policy_desc *desc;
	const u8 a[4] = { 10, 0, 0, 1 };

	desc = kzalloc(sizeof(*desc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	*desc = p->desc;
	memset(&p->desc, 0, sizeof(p->desc));
	imgsec_policy_destroy(p);
	desc->rules[1].source_max = 2;
	p = NULL;
	KUNIT_ASSERT_EQ(test, imgsec_policy_create(&init_net, desc, &p), 0);
	kfree(desc);

	KUNIT_ASSERT_NOT_NULL(test, p->sources);
	KUNIT_EXPECT_NULL(test, p->sources[0].conns);
	KUNIT_EXPECT_NULL(test, p->sources[0].table);
	KUNIT_ASSERT_NOT_NULL(test, p->sources[1].conns);
	KUNIT_EXPECT_NULL(test, p->sources[1].table);
	KUNIT_EXPECT_EQ(test, p->sources[1].max, 2U);
	KUNIT_EXPECT_FALSE(test,
			   imgsec_policy_admit_conn(p, 1, NULL, NULL, 4, a));
	KUNIT_EXPECT_TRUE(test,
			  imgsec_policy_admit_conn(p, 0, NULL, NULL, 4, a));
	KUNIT_EXPECT_TRUE(test, imgsec_policy_admit_source(p, 1, 4, a));
	imgsec_policy_destroy(p);
}

static struct kunit_case imgsec_policy_cases[] = {
	KUNIT_CASE(imgsec_limit_only_where_asked),
	KUNIT_CASE(imgsec_limit_burst_then_refuse),
	KUNIT_CASE(imgsec_source_limit_each_its_own),
	KUNIT_CASE(imgsec_source_max_own_counter),
	{}
};

static struct kunit_suite imgsec_policy_suite = {
	.name = "imgsec_policy_limit",
	.test_cases = imgsec_policy_cases,
};

kunit_test_suite(imgsec_policy_suite);
