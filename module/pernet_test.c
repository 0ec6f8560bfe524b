// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the policy swap in a namespace (init_net, with the real hooks):
 * publish, replace, flush, and the --confirm revert.
 */
#include <kunit/test.h>
#include <linux/socket.h>

#include "imgsec.h"

static struct imgsec_policy *make_policy(struct kunit *test, u8 mode)
{
	struct imgsec_policy_desc *desc;
	struct imgsec_policy *p = NULL;

	desc = kzalloc(sizeof(*desc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	desc->mode = mode;
	desc->nroles = 1;
	strscpy(desc->roles[0].name, "ops", sizeof(desc->roles[0].name));
	desc->roles[0].prefixes = kvcalloc(1, sizeof(struct imgsec_prefix),
					   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc->roles[0].prefixes);
	desc->roles[0].nprefixes = 1;
	desc->roles[0].prefixes[0].family = AF_INET;
	desc->roles[0].prefixes[0].plen = 8;
	desc->roles[0].prefixes[0].addr[0] = 10;
	desc->rules = kvcalloc(1, sizeof(*desc->rules), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc->rules);
	desc->nrules = 1;
	desc->rules[0].proto = IPPROTO_TCP;
	desc->rules[0].nports = 1;
	desc->rules[0].ports[0].lo = 22;
	desc->rules[0].ports[0].hi = 22;

	KUNIT_ASSERT_EQ(test, imgsec_policy_create(&init_net, desc, &p), 0);
	kfree(desc);
	return p;
}

static struct imgsec_policy *active(struct imgsec_net *in)
{
	return rcu_access_pointer(in->policy);
}

/* Run the revert timer now, as if its deadline had @passed or not. */
static void run_revert(struct imgsec_net *in, bool passed)
{
	if (passed) {
		mutex_lock(&in->lock);
		in->revert_at = jiffies;
		mutex_unlock(&in->lock);
	}
	mod_delayed_work(system_wq, &in->revert_work, 0);
	flush_delayed_work(&in->revert_work);
}

static void imgsec_swap_replaces_and_flushes(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);
	struct imgsec_policy *p2 = make_policy(test, IMGSEC_MODE_MONITOR);
	u32 gen = in->generation;

	KUNIT_EXPECT_NULL(test, active(in));
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	KUNIT_EXPECT_TRUE(test, in->hooks_registered);
	KUNIT_EXPECT_EQ(test, in->generation, gen + 1);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p2);
	KUNIT_EXPECT_NULL(test, in->previous);
	KUNIT_EXPECT_EQ(test, in->generation, gen + 2);

	imgsec_flush_policy(in);
	KUNIT_EXPECT_NULL(test, active(in));
	KUNIT_EXPECT_FALSE(test, in->hooks_registered);
	/* Conntrack stays on: a later policy finds entries up to date. */
	KUNIT_EXPECT_TRUE(test, in->conntrack_held);
	KUNIT_EXPECT_EQ(test, in->generation, gen + 3);
}

static void imgsec_confirm_keeps_new_policy(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);
	struct imgsec_policy *p2 = make_policy(test, IMGSEC_MODE_MONITOR);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 60), 0);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p2);
	KUNIT_EXPECT_PTR_EQ(test, in->previous, p1);
	KUNIT_EXPECT_GT(test, imgsec_pending_secs(in), 0U);

	KUNIT_EXPECT_EQ(test, imgsec_confirm_policy(in), 0);
	KUNIT_EXPECT_NULL(test, in->previous);
	KUNIT_EXPECT_EQ(test, imgsec_pending_secs(in), 0U);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p2);
	KUNIT_EXPECT_EQ(test, imgsec_confirm_policy(in), -ENOENT);
	imgsec_flush_policy(in);
}

static void imgsec_unconfirmed_policy_reverts(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);
	struct imgsec_policy *p2 = make_policy(test, IMGSEC_MODE_MONITOR);
	struct imgsec_policy *p3 = make_policy(test, IMGSEC_MODE_MONITOR);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 60), 0);
	/* A second unconfirmed set still returns to the confirmed p1. */
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p3, 60), 0);
	KUNIT_EXPECT_PTR_EQ(test, in->previous, p1);

	run_revert(in, true);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	KUNIT_EXPECT_NULL(test, in->previous);
	KUNIT_EXPECT_EQ(test, imgsec_pending_secs(in), 0U);
	imgsec_flush_policy(in);
}

static void imgsec_revert_to_nothing_unhooks(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 60), 0);
	KUNIT_EXPECT_TRUE(test, in->hooks_registered);
	run_revert(in, true);
	KUNIT_EXPECT_NULL(test, active(in));
	KUNIT_EXPECT_FALSE(test, in->hooks_registered);
}

static void imgsec_plain_set_cancels_revert(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);
	struct imgsec_policy *p2 = make_policy(test, IMGSEC_MODE_MONITOR);
	struct imgsec_policy *p3 = make_policy(test, IMGSEC_MODE_ENFORCE);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 60), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p3, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p3);
	KUNIT_EXPECT_NULL(test, in->previous);
	KUNIT_EXPECT_EQ(test, imgsec_pending_secs(in), 0U);
	imgsec_flush_policy(in);
}

/*
 * The timer of an earlier "--confirm" fires (or had been waiting for the
 * lock) after a new "set-policy --confirm" moved the deadline: the fresh
 * policy stays until its own deadline.
 */
static void imgsec_rearmed_revert_waits(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);
	struct imgsec_policy *p2 = make_policy(test, IMGSEC_MODE_MONITOR);
	struct imgsec_policy *p3 = make_policy(test, IMGSEC_MODE_ENFORCE);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 60), 0);
	run_revert(in, false);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p2);
	KUNIT_EXPECT_PTR_EQ(test, in->previous, p1);

	/* p2's deadline passes, p3 comes before the timer gets the lock. */
	mutex_lock(&in->lock);
	in->revert_at = jiffies;
	mutex_unlock(&in->lock);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p3, 60), 0);
	run_revert(in, false);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p3);
	KUNIT_EXPECT_PTR_EQ(test, in->previous, p1);
	KUNIT_EXPECT_GT(test, imgsec_pending_secs(in), 50U);

	run_revert(in, true);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	imgsec_flush_policy(in);
}

static struct kunit_case imgsec_pernet_cases[] = {
	KUNIT_CASE(imgsec_swap_replaces_and_flushes),
	KUNIT_CASE(imgsec_confirm_keeps_new_policy),
	KUNIT_CASE(imgsec_unconfirmed_policy_reverts),
	KUNIT_CASE(imgsec_revert_to_nothing_unhooks),
	KUNIT_CASE(imgsec_plain_set_cancels_revert),
	KUNIT_CASE(imgsec_rearmed_revert_waits),
	{}
};

static struct kunit_suite imgsec_pernet_suite = {
	.name = "imgsec_pernet",
	.test_cases = imgsec_pernet_cases,
};

kunit_test_suite(imgsec_pernet_suite);
