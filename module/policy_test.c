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
 * make_policy(), and rule 1 per-source limits: @src_burst a minute (0:
 * none) and at most @max open connections (0: no cap).
 */
static struct imgsec_policy *make_source_policy(struct kunit *test, u32 rate,
						u8 unit, u32 burst,
						u32 src_burst, u32 max)
{
	struct imgsec_policy *p = make_policy(test, rate, unit, burst);
	struct imgsec_policy_desc *desc;

	/* make_policy() gives no per-source limit: rebuild with one. */
	desc = kzalloc(sizeof(*desc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	*desc = p->desc;
	memset(&p->desc, 0, sizeof(p->desc));
	imgsec_policy_destroy(p);
	if (src_burst) {
		desc->rules[1].source_rate = 1;
		desc->rules[1].source_unit = IMGSEC_LIMIT_UNIT_MINUTE;
		desc->rules[1].source_burst = src_burst;
	}
	desc->rules[1].source_max = max;
	p = NULL;
	KUNIT_ASSERT_EQ(test, imgsec_policy_create(&init_net, desc, &p), 0);
	kfree(desc);
	return p;
}

/* What rule @r says of a new connection from IPv4 @a, conntrack aside. */
#define ADMIT(p, r, a) imgsec_policy_admit_conn(p, r, NULL, NULL, 4, a)
#define ADMITS(p, fam, a) \
	(imgsec_policy_admit_conn(p, 1, NULL, NULL, fam, a) == IMGSEC_ADMIT_PASS)

/*
 * A per-source limit (rule 1, 1 a minute, bursts of 3): each source its
 * own burst, the shared bucket untouched, rule 0 without a table, the
 * table's memory fixed.
 */
static void imgsec_source_limit_each_its_own(struct kunit *test)
{
	struct imgsec_policy *p = make_source_policy(test, 0, 0, 0, 3, 0);
	const u8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	const u8 a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	int i, na = 0, nb = 0, n6 = 0;

	KUNIT_ASSERT_NOT_NULL(test, p->sources);
	KUNIT_EXPECT_NULL(test, p->sources[0].table);
	KUNIT_ASSERT_NOT_NULL(test, p->sources[1].table);
	KUNIT_EXPECT_EQ(test, p->sources[1].table->mask + 1,
			(u32)IMGSEC_SOURCE_SLOTS);
	KUNIT_EXPECT_NULL(test, p->buckets);
	for (i = 0; i < 10; i++) {
		na += ADMITS(p, 4, a);
		nb += ADMITS(p, 4, b);
		n6 += ADMITS(p, 6, a6);
		KUNIT_EXPECT_EQ(test, ADMIT(p, 0, a),
				IMGSEC_ADMIT_PASS);
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
 * Who pays first, rule 1 with a shared limit (1 a minute, bursts of 2)
 * and a per-source one (1 a minute, bursts of 3): a connection the shared
 * limit refuses takes nothing from its source's burst, one over its
 * source's limit nothing from the shared bucket. The shared bucket is
 * refilled by hand (tat 0: full).
 */
static void imgsec_source_limit_who_pays(struct kunit *test)
{
	struct imgsec_policy *p = make_source_policy(test, 1,
						     IMGSEC_LIMIT_UNIT_MINUTE,
						     2, 3, 0);
	const u8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	int i;

	KUNIT_ASSERT_NOT_NULL(test, p->buckets);
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, a));
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, a));
	/* a took the shared bucket: b is refused by it, 5 times. */
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, ADMIT(p, 1, b),
				IMGSEC_ADMIT_SHARED);
	/* The shared bucket full again: b still has its own 3. */
	atomic64_set(&p->buckets[1].tat, 0);
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, b));
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, b));
	atomic64_set(&p->buckets[1].tat, 0);
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, b));
	KUNIT_EXPECT_EQ(test, ADMIT(p, 1, b),
			IMGSEC_ADMIT_SOURCE);
	/* b's refusal took nothing from the shared bucket: a gets its 3rd. */
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, a));
	KUNIT_EXPECT_EQ(test, ADMIT(p, 1, a),
			IMGSEC_ADMIT_SOURCE);
	imgsec_policy_destroy(p);
}

/*
 * Forged sources the shared limit refuses (rule 1: 1 a minute, bursts of
 * 2) take no slot of the per-source table: twice the table's size of
 * them evict no one, and a source capped by its own limit stays capped.
 */
static void imgsec_source_limit_refused_take_no_slot(struct kunit *test)
{
	struct imgsec_policy *p = make_source_policy(test, 1,
						     IMGSEC_LIMIT_UNIT_MINUTE,
						     2, 3, 0);
	const u8 a[4] = { 10, 0, 0, 1 };
	u8 f[4] = { 10, 1 };
	u32 i;

	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, a));
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, a));
	atomic64_set(&p->buckets[1].tat, 0);
	KUNIT_EXPECT_TRUE(test, ADMITS(p, 4, a));
	KUNIT_EXPECT_EQ(test, ADMIT(p, 1, a),
			IMGSEC_ADMIT_SOURCE);
	/* a is capped; the shared bucket has one token left. */
	for (i = 0; i < 2 * IMGSEC_SOURCE_SLOTS; i++) {
		f[2] = i >> 8;
		f[3] = i;
		ADMIT(p, 1, f);
	}
	KUNIT_EXPECT_EQ(test, p->sources[1].table->used, 2U);
	KUNIT_EXPECT_EQ(test, imgsec_policy_source_evicted(p, 1), 0ULL);
	atomic64_set(&p->buckets[1].tat, 0);
	KUNIT_EXPECT_EQ(test, ADMIT(p, 1, a),
			IMGSEC_ADMIT_SOURCE);
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
	struct imgsec_policy *p = make_source_policy(test, 0, 0, 0, 0, 2);
	const u8 a[4] = { 10, 0, 0, 1 };

	KUNIT_ASSERT_NOT_NULL(test, p->sources);
	KUNIT_EXPECT_NULL(test, p->sources[0].conns);
	KUNIT_EXPECT_NULL(test, p->sources[0].table);
	KUNIT_ASSERT_NOT_NULL(test, p->sources[1].conns);
	KUNIT_EXPECT_NULL(test, p->sources[1].table);
	KUNIT_EXPECT_EQ(test, p->sources[1].max, 2U);
	KUNIT_EXPECT_EQ(test, ADMIT(p, 1, a), IMGSEC_ADMIT_CAP);
	KUNIT_EXPECT_EQ(test, ADMIT(p, 0, a), IMGSEC_ADMIT_PASS);
	imgsec_policy_destroy(p);
}

/*
 * Who pays, with a cap: rule 1 with a shared limit (1 a minute, bursts of
 * 2), a per-source one (bursts of 3) and max 1. Without conntrack every
 * connection is over the cap: refused, it takes nothing from the shared
 * bucket nor from its source's burst, and no slot. With the shared bucket
 * empty the shared limit refuses first, before nf_conncount is asked.
 */
static void imgsec_source_cap_pays_alone(struct kunit *test)
{
	struct imgsec_policy *p = make_source_policy(test, 1,
						     IMGSEC_LIMIT_UNIT_MINUTE,
						     2, 3, 1);
	const u8 a[4] = { 10, 0, 0, 1 };
	int i;

	KUNIT_ASSERT_NOT_NULL(test, p->buckets);
	KUNIT_ASSERT_NOT_NULL(test, p->sources[1].table);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, ADMIT(p, 1, a), IMGSEC_ADMIT_CAP);
	KUNIT_EXPECT_EQ(test, atomic64_read(&p->buckets[1].tat), 0LL);
	KUNIT_EXPECT_EQ(test, p->sources[1].table->used, 0U);
	KUNIT_EXPECT_TRUE(test, imgsec_policy_admit(p, 1));
	KUNIT_EXPECT_TRUE(test, imgsec_policy_admit(p, 1));
	KUNIT_EXPECT_EQ(test, ADMIT(p, 1, a), IMGSEC_ADMIT_SHARED);
	KUNIT_EXPECT_EQ(test, p->sources[1].table->used, 0U);
	imgsec_policy_destroy(p);
}

/*
 * A connection picked up in the middle asks only its rule's cap: rule 1
 * capped (max 2; no conntrack entry, so over it), rule 0 uncapped passes;
 * neither the shared bucket nor the source's rate is charged, no slot is
 * taken. A policy without caps has no capped rule.
 */
static void imgsec_source_cap_pickup(struct kunit *test)
{
	struct imgsec_policy *p = make_source_policy(test, 1,
						     IMGSEC_LIMIT_UNIT_MINUTE,
						     2, 3, 2);
	struct imgsec_policy *none = make_policy(test, 0, 0, 0);
	const u8 a[4] = { 10, 0, 0, 1 };

	KUNIT_EXPECT_TRUE(test, imgsec_policy_rule_capped(p, 1));
	KUNIT_EXPECT_FALSE(test, imgsec_policy_rule_capped(p, 0));
	KUNIT_EXPECT_FALSE(test, imgsec_policy_rule_capped(p, -1));
	KUNIT_EXPECT_FALSE(test, imgsec_policy_rule_capped(none, 1));
	KUNIT_EXPECT_EQ(test, imgsec_policy_admit_pickup(p, 1, NULL, NULL, 4, a),
			IMGSEC_ADMIT_CAP);
	KUNIT_EXPECT_EQ(test, imgsec_policy_admit_pickup(p, 0, NULL, NULL, 4, a),
			IMGSEC_ADMIT_PASS);
	KUNIT_EXPECT_EQ(test,
			imgsec_policy_admit_pickup(none, 1, NULL, NULL, 4, a),
			IMGSEC_ADMIT_PASS);
	KUNIT_EXPECT_EQ(test, atomic64_read(&p->buckets[1].tat), 0LL);
	KUNIT_EXPECT_EQ(test, p->sources[1].table->used, 0U);
	imgsec_policy_destroy(none);
	imgsec_policy_destroy(p);
}

static struct kunit_case imgsec_policy_cases[] = {
	KUNIT_CASE(imgsec_limit_only_where_asked),
	KUNIT_CASE(imgsec_limit_burst_then_refuse),
	KUNIT_CASE(imgsec_source_limit_each_its_own),
	KUNIT_CASE(imgsec_source_limit_who_pays),
	KUNIT_CASE(imgsec_source_limit_refused_take_no_slot),
	KUNIT_CASE(imgsec_source_max_own_counter),
	KUNIT_CASE(imgsec_source_cap_pays_alone),
	KUNIT_CASE(imgsec_source_cap_pickup),
	{}
};

static struct kunit_suite imgsec_policy_suite = {
	.name = "imgsec_policy_limit",
	.test_cases = imgsec_policy_cases,
};

kunit_test_suite(imgsec_policy_suite);
