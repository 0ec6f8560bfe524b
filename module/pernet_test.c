// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the policy swap in a namespace (init_net, with the real hooks):
 * publish, replace, flush, the --confirm revert, and the hooks each
 * placement registers.
 */
#include <kunit/test.h>
#include <linux/netfilter.h>
#include <linux/socket.h>

#include "imgsec.h"

static struct imgsec_policy *make_policy_at(struct kunit *test, u8 mode,
					    u8 placement)
{
	struct imgsec_policy_desc *desc;
	struct imgsec_policy *p = NULL;

	desc = kzalloc(sizeof(*desc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	desc->mode = mode;
	desc->placement = placement;
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

static struct imgsec_policy *make_policy(struct kunit *test, u8 mode)
{
	return make_policy_at(test, mode, IMGSEC_PLACEMENT_HOST);
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
	KUNIT_EXPECT_EQ(test, in->hooks, BIT(IMGSEC_PLACEMENT_HOST));
	KUNIT_EXPECT_EQ(test, in->generation, gen + 1);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p2);
	KUNIT_EXPECT_NULL(test, in->previous);
	KUNIT_EXPECT_EQ(test, in->generation, gen + 2);

	imgsec_flush_policy(in);
	KUNIT_EXPECT_NULL(test, active(in));
	KUNIT_EXPECT_EQ(test, in->hooks, 0);
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

/*
 * Past its deadline, until its work has run (a busy system queues it
 * late), the revert is still pending: status must not say it is done
 * while the unconfirmed policy is in force.
 */
static void imgsec_overdue_revert_still_pending(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);
	struct imgsec_policy *p2 = make_policy(test, IMGSEC_MODE_MONITOR);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 60), 0);
	mutex_lock(&in->lock);
	in->revert_at = jiffies - HZ;
	mutex_unlock(&in->lock);
	KUNIT_EXPECT_EQ(test, imgsec_pending_secs(in), 1U);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p2);

	run_revert(in, false);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	KUNIT_EXPECT_EQ(test, imgsec_pending_secs(in), 0U);
	imgsec_flush_policy(in);
}

static void imgsec_revert_to_nothing_unhooks(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1 = make_policy(test, IMGSEC_MODE_ENFORCE);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 60), 0);
	KUNIT_EXPECT_EQ(test, in->hooks, BIT(IMGSEC_PLACEMENT_HOST));
	run_revert(in, true);
	KUNIT_EXPECT_NULL(test, active(in));
	KUNIT_EXPECT_EQ(test, in->hooks, 0);
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

/*
 * How many of init_net's hooks of @pf at @hooknum are imgsec's: those at
 * its priority (nothing else in this kernel registers there).
 */
static unsigned int imgsec_entries(u8 pf, unsigned int hooknum)
{
	const struct nf_hook_entries *e;
	struct nf_hook_ops **ops;
	unsigned int i, n = 0;

	rcu_read_lock();
	if (pf == NFPROTO_IPV4)
		e = rcu_dereference(init_net.nf.hooks_ipv4[hooknum]);
	else
		e = rcu_dereference(init_net.nf.hooks_ipv6[hooknum]);
	if (e) {
		ops = nf_hook_entries_get_hook_ops(e);
		for (i = 0; i < e->num_hook_entries; i++)
			n += ops[i]->priority == IMGSEC_HOOK_PRIORITY;
	}
	rcu_read_unlock();
	return n;
}

/* imgsec's hooks in place, as BIT(placement), checked at every hook. */
static unsigned int hooks_in_place(struct kunit *test)
{
	static const u8 pfs[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	unsigned int host = 0, gw = 0, i;
	u8 pf;

	for (i = 0; i < ARRAY_SIZE(pfs); i++) {
		pf = pfs[i];
		host += imgsec_entries(pf, NF_INET_LOCAL_IN);
		host += imgsec_entries(pf, NF_INET_LOCAL_OUT);
		gw += imgsec_entries(pf, NF_INET_FORWARD);
		KUNIT_EXPECT_EQ(test, imgsec_entries(pf, NF_INET_PRE_ROUTING),
				0U);
		KUNIT_EXPECT_EQ(test, imgsec_entries(pf, NF_INET_POST_ROUTING),
				0U);
	}
	/* All or nothing of each placement. */
	KUNIT_EXPECT_TRUE(test, host == 0 || host == 4);
	KUNIT_EXPECT_TRUE(test, gw == 0 || gw == 2);
	return (host ? BIT(IMGSEC_PLACEMENT_HOST) : 0) |
	       (gw ? BIT(IMGSEC_PLACEMENT_GATEWAY) : 0);
}

#define HOST	BIT(IMGSEC_PLACEMENT_HOST)
#define GW	BIT(IMGSEC_PLACEMENT_GATEWAY)

static void imgsec_hooks_follow_placement(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1, *p2, *p3;

	p1 = make_policy_at(test, IMGSEC_MODE_ENFORCE, IMGSEC_PLACEMENT_HOST);
	p2 = make_policy_at(test, IMGSEC_MODE_MONITOR,
			    IMGSEC_PLACEMENT_GATEWAY);
	p3 = make_policy_at(test, IMGSEC_MODE_ENFORCE, IMGSEC_PLACEMENT_HOST);

	KUNIT_EXPECT_EQ(test, hooks_in_place(test), 0U);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST);
	KUNIT_EXPECT_EQ(test, in->hooks, HOST);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 0), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), GW);
	KUNIT_EXPECT_EQ(test, in->hooks, GW);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p3, 0), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST);
	imgsec_flush_policy(in);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), 0U);
	KUNIT_EXPECT_EQ(test, in->hooks, 0);
}

/*
 * While a policy of the other placement waits for its confirmation, the
 * hooks of the one it would restore stay: the revert cannot fail.
 */
static void imgsec_pending_revert_keeps_hooks(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct imgsec_policy *p1, *p2, *p3, *p4;

	p1 = make_policy_at(test, IMGSEC_MODE_ENFORCE, IMGSEC_PLACEMENT_HOST);
	p2 = make_policy_at(test, IMGSEC_MODE_ENFORCE,
			    IMGSEC_PLACEMENT_GATEWAY);
	p3 = make_policy_at(test, IMGSEC_MODE_ENFORCE,
			    IMGSEC_PLACEMENT_GATEWAY);
	p4 = make_policy_at(test, IMGSEC_MODE_ENFORCE, IMGSEC_PLACEMENT_HOST);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 60), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST | GW);
	run_revert(in, true);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST);

	/* Confirmed: only the new placement's. */
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p3, 60), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST | GW);
	KUNIT_EXPECT_EQ(test, imgsec_confirm_policy(in), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), GW);

	/* From nothing: a revert to nothing needs no hook. */
	imgsec_flush_policy(in);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p4, 60), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST);
	run_revert(in, true);
	KUNIT_EXPECT_NULL(test, active(in));
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), 0U);
}

static unsigned int imgsec_test_accept(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	return NF_ACCEPT;
}

/*
 * Fill init_net's IPv6 forward hook up to the kernel's limit, so that the
 * gateway placement's second hook cannot be registered after its first.
 * Returns how many were registered, into @ops (1024 of them).
 */
static unsigned int fill_ipv6_forward(struct kunit *test,
				      struct nf_hook_ops *ops,
				      unsigned int max)
{
	unsigned int n;

	for (n = 0; n < max; n++) {
		ops[n].hook = imgsec_test_accept;
		ops[n].pf = NFPROTO_IPV6;
		ops[n].hooknum = NF_INET_FORWARD;
		ops[n].priority = 0;
		if (nf_register_net_hook(&init_net, &ops[n]) < 0)
			break;
	}
	KUNIT_EXPECT_LT(test, n, max);
	return n;
}

/*
 * nf_register_net_hooks() fails half-way (IPv4's forward hook in, IPv6's
 * refused): set-policy fails, the policy in force, its hooks and its
 * pending revert stay as they were, and no forward hook is left behind.
 */
static void imgsec_failed_register_changes_nothing(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	const unsigned int max = 1100;
	struct imgsec_policy *p1, *p2, *p3, *p4;
	struct nf_hook_ops *ops;
	unsigned int n;

	ops = kunit_kcalloc(test, max, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	p1 = make_policy_at(test, IMGSEC_MODE_ENFORCE, IMGSEC_PLACEMENT_HOST);
	p2 = make_policy_at(test, IMGSEC_MODE_ENFORCE,
			    IMGSEC_PLACEMENT_GATEWAY);
	p3 = make_policy_at(test, IMGSEC_MODE_MONITOR,
			    IMGSEC_PLACEMENT_GATEWAY);
	p4 = make_policy_at(test, IMGSEC_MODE_MONITOR,
			    IMGSEC_PLACEMENT_GATEWAY);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	n = fill_ipv6_forward(test, ops, max);
	KUNIT_EXPECT_EQ(test, imgsec_set_policy(in, p2, 0), -E2BIG);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	KUNIT_EXPECT_EQ(test, in->hooks, HOST);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST);
	KUNIT_EXPECT_EQ(test, imgsec_entries(NFPROTO_IPV4, NF_INET_FORWARD),
			0U);

	/* With --confirm: no revert armed either. */
	KUNIT_EXPECT_EQ(test, imgsec_set_policy(in, p3, 60), -E2BIG);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	KUNIT_EXPECT_NULL(test, in->previous);
	KUNIT_EXPECT_EQ(test, imgsec_pending_secs(in), 0U);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST);

	nf_unregister_net_hooks(&init_net, ops, n);
	KUNIT_EXPECT_EQ(test, imgsec_set_policy(in, p4, 0), 0);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), GW);
	imgsec_flush_policy(in);
}

/*
 * A set-policy refused while a --confirm is pending (its placement's hooks
 * cannot be registered) leaves the pending revert armed with what it
 * restores, and the hooks that restore needs: the revert still gives the
 * operator back the policy he had, enforced.
 */
static void imgsec_failed_register_keeps_revert(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	const unsigned int max = 1100;
	struct imgsec_policy *p1, *p2, *p3, *p4;
	struct nf_hook_ops *ops;
	unsigned int n;

	ops = kunit_kcalloc(test, max, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	p1 = make_policy_at(test, IMGSEC_MODE_ENFORCE, IMGSEC_PLACEMENT_HOST);
	p2 = make_policy_at(test, IMGSEC_MODE_MONITOR, IMGSEC_PLACEMENT_HOST);
	p3 = make_policy_at(test, IMGSEC_MODE_ENFORCE,
			    IMGSEC_PLACEMENT_GATEWAY);
	p4 = make_policy_at(test, IMGSEC_MODE_ENFORCE,
			    IMGSEC_PLACEMENT_GATEWAY);

	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p1, 0), 0);
	KUNIT_ASSERT_EQ(test, imgsec_set_policy(in, p2, 60), 0);
	n = fill_ipv6_forward(test, ops, max);
	KUNIT_EXPECT_EQ(test, imgsec_set_policy(in, p3, 0), -E2BIG);
	KUNIT_EXPECT_EQ(test, imgsec_set_policy(in, p4, 60), -E2BIG);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p2);
	KUNIT_EXPECT_PTR_EQ(test, in->previous, p1);
	KUNIT_EXPECT_GT(test, imgsec_pending_secs(in), 0U);
	KUNIT_EXPECT_EQ(test, in->hooks, HOST);
	nf_unregister_net_hooks(&init_net, ops, n);

	run_revert(in, true);
	KUNIT_EXPECT_PTR_EQ(test, active(in), p1);
	KUNIT_EXPECT_EQ(test, imgsec_pending_secs(in), 0U);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), HOST);
	imgsec_flush_policy(in);
	KUNIT_EXPECT_EQ(test, hooks_in_place(test), 0U);
}

static struct kunit_case imgsec_pernet_cases[] = {
	KUNIT_CASE(imgsec_swap_replaces_and_flushes),
	KUNIT_CASE(imgsec_confirm_keeps_new_policy),
	KUNIT_CASE(imgsec_unconfirmed_policy_reverts),
	KUNIT_CASE(imgsec_overdue_revert_still_pending),
	KUNIT_CASE(imgsec_revert_to_nothing_unhooks),
	KUNIT_CASE(imgsec_plain_set_cancels_revert),
	KUNIT_CASE(imgsec_rearmed_revert_waits),
	KUNIT_CASE(imgsec_hooks_follow_placement),
	KUNIT_CASE(imgsec_pending_revert_keeps_hooks),
	KUNIT_CASE(imgsec_failed_register_changes_nothing),
	KUNIT_CASE(imgsec_failed_register_keeps_revert),
	{}
};

static struct kunit_suite imgsec_pernet_suite = {
	.name = "imgsec_pernet",
	.test_cases = imgsec_pernet_cases,
};

kunit_test_suite(imgsec_pernet_suite);
