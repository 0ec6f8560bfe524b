/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of imgsec.ko share: per-namespace state, the active policy
 * object, counters, and each part's entry points.
 */
#ifndef _IMGSEC_H
#define _IMGSEC_H

#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <linux/imgsec.h>

#include "policy_desc.h"

struct imgsec_classifier;

struct imgsec_rule_counter {
	u64 packets;
	u64 bytes;
};

/* An active policy: immutable once published, freed after a grace period. */
struct imgsec_policy {
	struct imgsec_policy_desc desc;		/* as set, for dumps */
	struct imgsec_classifier *cls;
	struct nf_conntrack_helper *ftp[2];	/* IPv4, IPv6; held if used */
	struct imgsec_rule_counter __percpu *counters;	/* desc.nrules */
};

struct imgsec_counters {
	u64 v[__IMGSEC_STATS_A_MAX];		/* by IMGSEC_STATS_A_* */
};

struct imgsec_rpc_counters {
	u64 v[__IMGSEC_RPC_STATS_A_MAX];	/* by IMGSEC_RPC_STATS_A_* */
};

struct imgsec_net {
	struct net *net;
	struct imgsec_policy __rcu *policy;	/* NULL: pass everything */
	struct mutex lock;			/* serialises policy changes */
	struct imgsec_policy *previous;		/* restored unless confirmed */
	struct delayed_work revert_work;
	unsigned long revert_at;		/* jiffies, when previous set */
	u32 generation;
	bool hooks_registered;
	struct imgsec_counters __percpu *stats;
	struct imgsec_rpc_counters __percpu *rpc_stats;
};

/* pernet.c */
int imgsec_pernet_init(void);
void imgsec_pernet_exit(void);
struct imgsec_net *imgsec_net(const struct net *net);
unsigned int imgsec_netns_count(void);
/* Takes @policy over, also when it fails. */
int imgsec_set_policy(struct imgsec_net *in, struct imgsec_policy *policy,
		      unsigned int confirm_secs);
void imgsec_flush_policy(struct imgsec_net *in);
int imgsec_confirm_policy(struct imgsec_net *in);
unsigned int imgsec_pending_secs(struct imgsec_net *in);

static inline void imgsec_count(struct imgsec_net *in, int counter)
{
	this_cpu_inc(in->stats->v[counter]);
}

static inline void imgsec_rpc_count(struct imgsec_net *in, int counter)
{
	this_cpu_inc(in->rpc_stats->v[counter]);
}

/* policy.c */
int imgsec_policy_create(struct imgsec_policy_desc *desc,
			 struct imgsec_policy **out);
void imgsec_policy_destroy(struct imgsec_policy *p);
void imgsec_policy_rule_counter(const struct imgsec_policy *p, u32 rule,
				struct imgsec_rule_counter *sum);

/* hook.c */
int imgsec_hooks_register(struct imgsec_net *in);
void imgsec_hooks_unregister(struct imgsec_net *in);

/* helper.c */
int imgsec_rpc_helper_init(void);
void imgsec_rpc_helper_exit(void);
struct nf_conntrack_helper *imgsec_rpc_helper(u8 family, u8 proto);
u32 imgsec_rpc_timeout(void);
int imgsec_rpc_set_timeout(u32 secs);
unsigned int imgsec_rpc_programs(u32 *progs);
int imgsec_rpc_set_programs(const u32 *progs, unsigned int n);

/* netlink.c */
int imgsec_genl_init(void);
void imgsec_genl_exit(void);
void imgsec_event_drop(struct net *net, u8 family, const void *saddr,
		       const void *daddr, u8 proto, u16 sport, u16 dport,
		       bool monitor);
void imgsec_event_expect(struct net *net, u8 family, const void *saddr,
			 const void *daddr, u8 proto, u16 dport, u32 program);

#endif /* _IMGSEC_H */
