// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: the active policy, its swap under RCU, the revert
 * timer behind "set-policy --confirm", and the counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "imgsec.h"

static unsigned int imgsec_net_id __read_mostly;
static atomic_t imgsec_nets = ATOMIC_INIT(0);

struct imgsec_net *imgsec_net(const struct net *net)
{
	return net_generic(net, imgsec_net_id);
}

unsigned int imgsec_netns_count(void)
{
	return atomic_read(&imgsec_nets);
}

static struct imgsec_policy *imgsec_policy_current(struct imgsec_net *in)
{
	return rcu_dereference_protected(in->policy,
					 lockdep_is_held(&in->lock));
}

/* Publish @policy (may be NULL); return the one it replaced, now unused. */
static struct imgsec_policy *imgsec_policy_publish(struct imgsec_net *in,
						   struct imgsec_policy *policy)
{
	struct imgsec_policy *old = imgsec_policy_current(in);

	in->generation++;
	if (policy)
		policy->generation = in->generation;
	rcu_assign_pointer(in->policy, policy);
	if (old)
		synchronize_rcu();
	return old;
}

/*
 * Keep only the hooks the policy in force uses, and while a revert is
 * pending those of the policy it restores: the revert then only
 * publishes, and cannot fail to restore an operator's access.
 */
static void imgsec_hooks_trim(struct imgsec_net *in)
{
	struct imgsec_policy *p = imgsec_policy_current(in);
	unsigned int keep = 0;

	if (p)
		keep |= BIT(p->desc.placement);
	if (in->revert_pending && in->previous)
		keep |= BIT(in->previous->desc.placement);
	imgsec_hooks_unregister(in, keep);
}

static void imgsec_drop_previous(struct imgsec_net *in)
{
	imgsec_policy_destroy(in->previous);
	in->previous = NULL;
}

/*
 * Make @policy active. With @confirm_secs, keep the policy it replaces and
 * restore it unless imgsec_confirm_policy() is called in time: an operator
 * who locks himself out over SSH gets his access back.
 *
 * The hooks of its placement are registered before it is published, those
 * only the replaced policy used taken out after: at every instant the
 * hooks in place enforce the policy in force. If they cannot be
 * registered, nothing changes and the error is returned.
 */
int imgsec_set_policy(struct imgsec_net *in, struct imgsec_policy *policy,
		      unsigned int confirm_secs)
{
	struct imgsec_policy *old;
	int ret;

	mutex_lock(&in->lock);
	ret = imgsec_hooks_register(in, policy->desc.placement);
	if (ret < 0) {
		mutex_unlock(&in->lock);
		imgsec_policy_destroy(policy);
		return ret;
	}

	old = imgsec_policy_publish(in, policy);
	if (confirm_secs && !in->revert_pending) {
		/* What was active is the state to return to. */
		in->previous = old;
		old = NULL;
	} else if (!confirm_secs && in->revert_pending) {
		/* A plain set is an explicit decision: no revert. */
		cancel_delayed_work(&in->revert_work);
		in->revert_pending = false;
		imgsec_drop_previous(in);
	}
	if (confirm_secs) {
		in->revert_pending = true;
		in->revert_at = jiffies + confirm_secs * HZ;
		mod_delayed_work(system_wq, &in->revert_work,
				 confirm_secs * HZ);
	}
	imgsec_hooks_trim(in);
	mutex_unlock(&in->lock);
	imgsec_policy_destroy(old);
	return 0;
}

int imgsec_confirm_policy(struct imgsec_net *in)
{
	int ret = -ENOENT;

	mutex_lock(&in->lock);
	if (in->revert_pending) {
		cancel_delayed_work(&in->revert_work);
		in->revert_pending = false;
		imgsec_drop_previous(in);
		imgsec_hooks_trim(in);
		ret = 0;
	}
	mutex_unlock(&in->lock);
	return ret;
}

/*
 * A revert past its deadline is pending until its work has run and
 * restored the previous policy: it is then due, never reported as done.
 * Under the lock: the flag and its deadline are set together.
 */
unsigned int imgsec_pending_secs(struct imgsec_net *in)
{
	unsigned int secs = 0;
	unsigned long now;

	mutex_lock(&in->lock);
	now = jiffies;
	if (in->revert_pending)
		secs = time_after_eq(now, in->revert_at) ? 1 :
		       DIV_ROUND_UP(in->revert_at - now, HZ);
	mutex_unlock(&in->lock);
	return secs;
}

/*
 * The revert timer. It may have waited for the lock while a new
 * "set-policy --confirm" moved the deadline: only a deadline that has
 * passed reverts (the work is queued again for the new one).
 */
static void imgsec_revert(struct work_struct *work)
{
	struct imgsec_net *in = container_of(to_delayed_work(work),
					     struct imgsec_net, revert_work);
	struct imgsec_policy *previous;

	mutex_lock(&in->lock);
	if (in->revert_pending && time_after_eq(jiffies, in->revert_at)) {
		previous = in->previous;
		in->previous = NULL;
		in->revert_pending = false;
		imgsec_policy_destroy(imgsec_policy_publish(in, previous));
		imgsec_hooks_trim(in);
		pr_warn("policy not confirmed in time: previous policy restored\n");
	}
	mutex_unlock(&in->lock);
}

void imgsec_flush_policy(struct imgsec_net *in)
{
	mutex_lock(&in->lock);
	cancel_delayed_work(&in->revert_work);
	in->revert_pending = false;
	imgsec_drop_previous(in);
	imgsec_policy_destroy(imgsec_policy_publish(in, NULL));
	imgsec_hooks_trim(in);
	mutex_unlock(&in->lock);
}

/*
 * Module unload: take the hooks out of every namespace before the helper
 * goes, so that nothing the helper opened is ever refused by a policy
 * that outlives it. Namespaces made after this have no policy: the genl
 * family is gone.
 */
void imgsec_flush_all(void)
{
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net)
		imgsec_flush_policy(imgsec_net(net));
	up_read(&net_rwsem);
}

static int __net_init imgsec_net_init(struct net *net)
{
	struct imgsec_net *in = imgsec_net(net);

	in->net = net;
	mutex_init(&in->lock);
	INIT_DELAYED_WORK(&in->revert_work, imgsec_revert);
	spin_lock_init(&in->report_lock);
	in->stats = alloc_percpu_gfp(struct imgsec_counters,
				     GFP_KERNEL_ACCOUNT);
	in->rpc_stats = alloc_percpu_gfp(struct imgsec_rpc_counters,
					 GFP_KERNEL_ACCOUNT);
	if (!in->stats || !in->rpc_stats ||
	    imgsec_rpc_net_init(&in->rpc) < 0) {
		free_percpu(in->stats);
		free_percpu(in->rpc_stats);
		return -ENOMEM;
	}
	atomic_inc(&imgsec_nets);
	return 0;
}

/*
 * The namespace's conntrack entries go after this: the helper's states are
 * freed here and taken off their entries, whose ->destroy then finds none.
 */
static void __net_exit imgsec_net_exit(struct net *net)
{
	struct imgsec_net *in = imgsec_net(net);

	cancel_delayed_work_sync(&in->revert_work);
	imgsec_flush_policy(in);
	imgsec_conntrack_release(in);
	imgsec_rpc_net_exit(&in->rpc);
	free_percpu(in->stats);
	free_percpu(in->rpc_stats);
	atomic_dec(&imgsec_nets);
}

static struct pernet_operations imgsec_net_ops = {
	.init = imgsec_net_init,
	.exit = imgsec_net_exit,
	.id = &imgsec_net_id,
	.size = sizeof(struct imgsec_net),
};

int __init imgsec_pernet_init(void)
{
	return register_pernet_subsys(&imgsec_net_ops);
}

void imgsec_pernet_exit(void)
{
	unregister_pernet_subsys(&imgsec_net_ops);
}
