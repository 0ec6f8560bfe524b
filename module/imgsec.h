/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of imgsec.ko share: per-namespace state, the active policy
 * object, counters, and each part's entry points.
 */
#ifndef _IMGSEC_H
#define _IMGSEC_H

#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <linux/imgsec.h>

#include "policy_desc.h"
#include "ratelimit.h"
#include "source_limit.h"

struct imgsec_classifier;
struct nf_conncount_data;

struct imgsec_rule_counter {
	u64 packets;
	u64 bytes;
	u64 limited;		/* new connections over the rule's limit */
	u64 source_limited;	/* over their source's limit */
};

/*
 * A rule's per-source limit (policy.c): its table of sources, of
 * IMGSEC_SOURCE_SLOTS slots fixed when the policy is set, under a lock
 * taken only by a connection's first packet of that rule.
 */
struct imgsec_rule_sources {
	spinlock_t lock;			/* the table, its counters */
	u64 interval_ns;
	u32 burst;
	u32 max;				/* cap on open connections */
	struct imgsec_source_table *table;	/* NULL: no per-source limit */
	struct nf_conncount_data *conns;	/* NULL: no cap (max) */
	atomic64_t capped;			/* refused: source at max */
} ____cacheline_aligned_in_smp;

/*
 * A rule's new-connection limit (policy.c): one atomic time per limited
 * rule, alone in its cache line, so that CPUs opening connections under
 * two rules never contend. Only a connection's first packet pays for it.
 */
struct imgsec_rule_bucket {
	atomic64_t tat;				/* see imgsec_gcra_next() */
	u64 interval_ns;
	u32 burst;
} ____cacheline_aligned_in_smp;

/* An active policy: immutable once published, freed after a grace period. */
struct imgsec_policy {
	struct imgsec_policy_desc desc;		/* as set, for dumps */
	struct imgsec_classifier *cls;
	struct nf_conntrack_helper *ftp[2];	/* IPv4, IPv6; held if used */
	bool ftp_nat[2];			/* its NAT part held too */
	struct imgsec_rule_counter __percpu *counters;	/* desc.nrules */
	struct imgsec_rule_bucket *buckets;	/* desc.nrules; NULL: no limit */
	struct imgsec_rule_sources *sources;	/* desc.nrules; NULL: none */
	siphash_key_t source_key;		/* random, hashes sources */
	struct net *net;			/* of the caps' nf_conncount */
	u32 generation;				/* of the namespace, when set */
};

struct imgsec_counters {
	u64 v[__IMGSEC_STATS_A_MAX];		/* by IMGSEC_STATS_A_* */
};

struct imgsec_rpc_counters {
	u64 v[__IMGSEC_RPC_STATS_A_MAX];	/* by IMGSEC_RPC_STATS_A_* */
};

/* Buckets of the per-client count of followed portmap TCP connections. */
#define IMGSEC_RPC_CLIENT_BITS	6

/* Entries of one UDP flow on their way to confirmation at once. */
#define IMGSEC_RPC_MAX_TWINS	8

/*
 * A UDP flow whose first entry copies of its packet share, for as long as
 * that entry may be on its way to confirmation (rpc_clash.c).
 */
struct imgsec_rpc_shared {
	struct nf_conntrack_tuple tuple;	/* original direction */
	u16 zone;				/* its id, original direction */
	u64 until;				/* jiffies64; 0: free */
};

/* The imgsec-rpc helper's state in one namespace (rpc_conn.c, rpc_clash.c). */
struct imgsec_rpc_net {
	spinlock_t lock;			/* all RPC state of the netns */
	struct list_head lru;			/* states, least recently used first */
	unsigned int nconns;
	unsigned long next_reclaim;		/* jiffies */
	struct mem_cgroup *memcg;		/* charged for the state */
	struct hlist_head clients[1 << IMGSEC_RPC_CLIENT_BITS];
	/*
	 * UDP entries whose first packet was read, referenced until
	 * confirmed or dropped, and flows marked instead (rpc_clash.c):
	 * max_unconfirmed slots each.
	 */
	struct nf_conn **unconfirmed;
	struct imgsec_rpc_shared *shared;
	unsigned int max_unconfirmed;
	unsigned int nunconfirmed;
};

struct imgsec_net {
	struct net *net;
	struct imgsec_policy __rcu *policy;	/* NULL: pass everything */
	struct mutex lock;			/* serialises policy changes */
	struct imgsec_policy *previous;		/* restored unless confirmed */
	struct delayed_work revert_work;
	bool revert_pending;			/* previous is to be restored */
	unsigned long revert_at;		/* jiffies: when */
	u32 generation;
	u8 hooks;				/* BIT(placement): registered */
	bool conntrack_held;			/* from the first policy on */
	struct imgsec_counters __percpu *stats;
	struct imgsec_rpc_counters __percpu *rpc_stats;
	struct imgsec_rpc_net rpc;
	spinlock_t report_lock;			/* the two rate limits */
	struct imgsec_ratelimit log_limit;
	struct imgsec_ratelimit event_limit;
};

/* pernet.c */
int imgsec_pernet_init(void);
void imgsec_pernet_exit(void);
void imgsec_flush_all(void);
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
int imgsec_policy_create(struct net *net, struct imgsec_policy_desc *desc,
			 struct imgsec_policy **out);
void imgsec_policy_destroy(struct imgsec_policy *p);
void imgsec_policy_rule_counter(const struct imgsec_policy *p, u32 rule,
				struct imgsec_rule_counter *sum);
bool imgsec_policy_admit(const struct imgsec_policy *p, u32 rule);
/* What imgsec_policy_admit_conn() says of a new connection. */
enum imgsec_admit {
	IMGSEC_ADMIT_PASS,	/* within its rule's limits */
	IMGSEC_ADMIT_SOURCE,	/* over its source's rate ("per-source RATE") */
	IMGSEC_ADMIT_CAP,	/* its source at its cap ("per-source max M") */
	IMGSEC_ADMIT_SHARED,	/* over the rule's shared limit */
};

enum imgsec_admit imgsec_policy_admit_conn(const struct imgsec_policy *p,
					   u32 rule, const struct sk_buff *skb,
					   const struct nf_conn *ct, u8 family,
					   const u8 *saddr);
enum imgsec_admit imgsec_policy_admit_pickup(const struct imgsec_policy *p,
					     u32 rule,
					     const struct sk_buff *skb,
					     const struct nf_conn *ct, u8 family,
					     const u8 *saddr);
bool imgsec_policy_rule_capped(const struct imgsec_policy *p, int rule);
u64 imgsec_policy_source_evicted(const struct imgsec_policy *p, u32 rule);
void imgsec_policy_source_capped_inc(const struct imgsec_policy *p, u32 rule);
u64 imgsec_policy_source_capped(const struct imgsec_policy *p, u32 rule);

/* hook.c */
int imgsec_hooks_register(struct imgsec_net *in, u8 placement);
void imgsec_hooks_unregister(struct imgsec_net *in, unsigned int keep);
void imgsec_conntrack_release(struct imgsec_net *in);

/* helper.c */
int imgsec_rpc_helper_init(void);
void imgsec_rpc_helper_exit(void);
struct nf_conntrack_helper *imgsec_rpc_helper(u8 family, u8 proto);
u32 imgsec_rpc_timeout(void);
int imgsec_rpc_set_timeout(u32 secs);
unsigned int imgsec_rpc_programs(u32 *progs);
int imgsec_rpc_set_programs(const u32 *progs, unsigned int n);

/* rpc_conn.c (the rest is in rpc_conn.h) */
int imgsec_rpc_net_init(struct imgsec_rpc_net *rn);
void imgsec_rpc_net_exit(struct imgsec_rpc_net *rn);

/* netlink.c */
int imgsec_genl_init(void);
void imgsec_genl_exit(void);
extern struct genl_family imgsec_genl_family;

/* What the hook and the reports need of a packet or a flow. */
struct imgsec_pkt {
	u8 family;		/* 4 or 6 */
	u8 proto;
	bool has_ports;
	bool tcp_midstream;	/* not a connection's first SYN */
	bool tcp_data;		/* a TCP segment with payload */
	const u8 *saddr;
	const u8 *daddr;
	u16 sport;
	u16 dport;
};

/* events.c: the packet path's reports, rate limited per namespace */
void imgsec_events_init(void);
void imgsec_events_exit(void);
void imgsec_events_start(void);
void imgsec_events_stop(void);
void imgsec_report_drop(struct imgsec_net *in, struct sk_buff *skb,
			const struct nf_hook_state *state,
			const struct imgsec_pkt *pkt, bool monitor);
void imgsec_report_limit(struct imgsec_net *in, struct sk_buff *skb,
			 const struct nf_hook_state *state,
			 const struct imgsec_pkt *pkt, bool monitor, u32 rule,
			 u32 generation, u8 limit);
void imgsec_event_expect(struct imgsec_net *in, const struct imgsec_pkt *pkt,
			 u32 program);

#endif /* _IMGSEC_H */
