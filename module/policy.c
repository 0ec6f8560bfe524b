// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's policy object: a validated description, its compiled
 * classifier, the helpers its rules attach and per-rule counters.
 */
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_helper.h>

#include "classify.h"
#include "compat.h"
#include "imgsec.h"

static bool imgsec_policy_uses_ftp(const struct imgsec_policy_desc *desc)
{
	u32 i;

	for (i = 0; i < desc->nrules; i++)
		if (desc->rules[i].helper == IMGSEC_HELPER_FTP)
			return true;
	return false;
}

/*
 * Hold the kernel's FTP helper (loading it if needed) for the FTP rows, and
 * its NAT part where the kernel has one, for FTP through DNAT or SNAT.
 */
static int imgsec_policy_get_ftp(struct imgsec_policy *p)
{
	static const u8 pfs[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	int i;

	for (i = 0; i < ARRAY_SIZE(pfs); i++) {
		p->ftp[i] = nf_conntrack_helper_try_module_get("ftp", pfs[i],
							       IPPROTO_TCP);
		if (!p->ftp[i])
			return -ENOENT;
		p->ftp_nat[i] = !nf_nat_helper_try_module_get("ftp", pfs[i],
							      IPPROTO_TCP);
	}
	return 0;
}

/*
 * Buckets for a policy with at least one limited rule: one per rule, so
 * the packet path indexes them as it does the counters. A new policy
 * starts with full buckets.
 */
static int imgsec_policy_alloc_buckets(struct imgsec_policy *p)
{
	const struct imgsec_rule_desc *r;
	bool limited = false;
	u32 i;

	for (i = 0; i < p->desc.nrules; i++)
		limited |= p->desc.rules[i].limit_rate != 0;
	if (!limited)
		return 0;
	p->buckets = kvcalloc(p->desc.nrules, sizeof(*p->buckets),
			      GFP_KERNEL_ACCOUNT);
	if (!p->buckets)
		return -ENOMEM;
	for (i = 0; i < p->desc.nrules; i++) {
		r = &p->desc.rules[i];
		if (!r->limit_rate)
			continue;
		p->buckets[i].interval_ns =
			imgsec_limit_interval_ns(r->limit_rate, r->limit_unit);
		p->buckets[i].burst = r->limit_burst;
	}
	return 0;
}

/*
 * The key a cap counts a source under: its family, then its address,
 * zero-padded (so that no IPv4 address is an IPv6 one's twin).
 */
#define IMGSEC_CONN_KEY_WORDS	5

/*
 * A rule's cap on each source's open connections ("per-source max M"):
 * its own nf_conncount tree, keyed by source address. Its memory is
 * nf_conncount's: one entry a connection it counts (conntrack's table
 * bounds them) and one tree node a source with connections open.
 */
static int imgsec_policy_alloc_conns(struct imgsec_policy *p,
				     struct imgsec_rule_sources *s, u32 max)
{
	struct nf_conncount_data *data;

	data = imgsec_conncount_init(p->net,
				     IMGSEC_CONN_KEY_WORDS * sizeof(u32));
	if (IS_ERR(data))
		return PTR_ERR(data);
	s->conns = data;
	s->max = max;
	return 0;
}

/*
 * Tables for the rules with a per-source limit (at most
 * IMGSEC_MAX_SOURCE_RULES, policy_desc.c), IMGSEC_SOURCE_SLOTS slots each:
 * the memory a policy's per-source limits take is fixed here, whatever
 * the sources; and for those with a per-source cap, their nf_conncount.
 * A new policy starts with empty tables and a new hash key.
 */
static int imgsec_policy_alloc_sources(struct imgsec_policy *p)
{
	const struct imgsec_rule_desc *r;
	struct imgsec_rule_sources *s;
	bool any = false;
	int ret;
	u32 i;

	/* imgsec.conf(5) states the bound: 40 bytes a source. */
	BUILD_BUG_ON(sizeof(struct imgsec_source_slot) != 40);
	BUILD_BUG_ON(IMGSEC_SOURCE_SLOTS & (IMGSEC_SOURCE_SLOTS - 1));
	for (i = 0; i < p->desc.nrules; i++)
		any |= p->desc.rules[i].source_rate || p->desc.rules[i].source_max;
	if (!any)
		return 0;
	p->sources = kvcalloc(p->desc.nrules, sizeof(*p->sources),
			      GFP_KERNEL_ACCOUNT);
	if (!p->sources)
		return -ENOMEM;
	get_random_bytes(&p->source_key, sizeof(p->source_key));
	for (i = 0; i < p->desc.nrules; i++) {
		r = &p->desc.rules[i];
		s = &p->sources[i];
		spin_lock_init(&s->lock);
		if (r->source_max) {
			ret = imgsec_policy_alloc_conns(p, s, r->source_max);
			if (ret < 0)
				return ret;
		}
		if (!r->source_rate)
			continue;
		s->table = kvmalloc(imgsec_source_table_size(IMGSEC_SOURCE_SLOTS),
				    GFP_KERNEL_ACCOUNT);
		if (!s->table)
			return -ENOMEM;
		imgsec_source_table_init(s->table, IMGSEC_SOURCE_SLOTS);
		s->interval_ns = imgsec_limit_interval_ns(r->source_rate,
							  r->source_unit);
		s->burst = r->source_burst;
	}
	return 0;
}

/*
 * Build a policy from @desc, taking over what it owns (@desc is left
 * empty, whatever the outcome). @desc must have passed validation.
 */
int imgsec_policy_create(struct net *net, struct imgsec_policy_desc *desc,
			 struct imgsec_policy **out)
{
	struct imgsec_policy *p;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p) {
		imgsec_policy_desc_release(desc);
		return -ENOMEM;
	}
	p->desc = *desc;
	p->net = net;
	memset(desc, 0, sizeof(*desc));

	ret = imgsec_classifier_build(&p->desc, &p->cls);
	if (ret < 0)
		goto err;

	if (imgsec_policy_uses_ftp(&p->desc)) {
		ret = imgsec_policy_get_ftp(p);
		if (ret < 0)
			goto err;
	}

	/*
	 * The per-CPU counters of IMGSEC_MAX_RULES rules must stay within
	 * what the percpu allocator gives at all (it warns and fails above):
	 * a new counter of a rare event goes elsewhere (source_capped).
	 */
	BUILD_BUG_ON(sizeof(*p->counters) * IMGSEC_MAX_RULES >
		     PCPU_MIN_UNIT_SIZE);
	ret = -ENOMEM;
	p->counters = __alloc_percpu_gfp(sizeof(*p->counters) *
					 max_t(u32, p->desc.nrules, 1),
					 __alignof__(*p->counters),
					 GFP_KERNEL_ACCOUNT);
	if (!p->counters)
		goto err;
	if (imgsec_policy_alloc_buckets(p))
		goto err;
	ret = imgsec_policy_alloc_sources(p);
	if (ret < 0)
		goto err;

	*out = p;
	return 0;

err:
	imgsec_policy_destroy(p);
	return ret;
}

/* Free @p; no packet may still see it. NULL is fine. */
void imgsec_policy_destroy(struct imgsec_policy *p)
{
	u32 r;
	int i;

	if (!p)
		return;
	for (i = 0; i < ARRAY_SIZE(p->ftp); i++) {
		if (p->ftp_nat[i])
			nf_nat_helper_put(p->ftp[i]);
		if (p->ftp[i])
			nf_conntrack_helper_put(p->ftp[i]);
	}
	kvfree(p->buckets);
	for (r = 0; p->sources && r < p->desc.nrules; r++) {
		kvfree(p->sources[r].table);
		if (p->sources[r].conns)
			imgsec_conncount_destroy(p->net, p->sources[r].conns);
	}
	kvfree(p->sources);
	free_percpu(p->counters);
	imgsec_classifier_free(p->cls);
	imgsec_policy_desc_release(&p->desc);
	kfree(p);
}

void imgsec_policy_rule_counter(const struct imgsec_policy *p, u32 rule,
				struct imgsec_rule_counter *sum)
{
	const struct imgsec_rule_counter *c;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(p->counters, cpu) + rule;
		sum->packets += READ_ONCE(c->packets);
		sum->bytes += READ_ONCE(c->bytes);
		sum->limited += READ_ONCE(c->limited);
		sum->source_limited += READ_ONCE(c->source_limited);
	}
}

/*
 * May rule @rule admit one more new connection now? Lock-free: a CPU that
 * loses the race for the bucket's time retries with the winner's; a
 * refusal writes nothing, so a flood over the limit only reads the line
 * (the bucket's, not the rule's description).
 */
bool imgsec_policy_admit(const struct imgsec_policy *p, u32 rule)
{
	struct imgsec_rule_bucket *b;
	u64 now, next;
	s64 tat;

	if (!p->buckets)
		return true;
	b = &p->buckets[rule];
	if (!b->burst)		/* this rule has no limit */
		return true;
	now = ktime_get_mono_fast_ns();
	tat = atomic64_read(&b->tat);
	do {
		if (!imgsec_gcra_next(tat, now, b->interval_ns, b->burst,
				      &next))
			return false;
	} while (!atomic64_try_cmpxchg(&b->tat, &tat, next));
	return true;
}

/* Would rule @rule's shared limit admit a connection now? Reads only. */
static bool imgsec_policy_may_admit(const struct imgsec_policy *p, u32 rule)
{
	const struct imgsec_rule_bucket *b;
	u64 next;

	if (!p->buckets || !p->buckets[rule].burst)
		return true;
	b = &p->buckets[rule];
	return imgsec_gcra_next(atomic64_read(&b->tat), ktime_get_mono_fast_ns(),
				b->interval_ns, b->burst, &next);
}

/*
 * May the new connection @ct (@skb its first packet), from @saddr (@family
 * 4 or 6), open under the rule of @s, whose sources may each have at most
 * max connections open? nf_conncount counts it with the others of its
 * source that conntrack still has, not closed; a refused one's entry goes
 * with its conntrack entry, and nf_conncount forgets it at its next count
 * of that source. A connection conntrack does not track cannot be
 * counted: refused.
 */
static bool imgsec_source_under_cap(const struct imgsec_policy *p,
				    struct imgsec_rule_sources *s,
				    const struct sk_buff *skb,
				    const struct nf_conn *ct, u8 family,
				    const u8 *saddr)
{
	u32 key[IMGSEC_CONN_KEY_WORDS] = { family };
	unsigned int n;

	if (!ct)
		return false;
	memcpy(&key[1], saddr, family == 4 ? 4 : 16);
	n = imgsec_conncount(p->net, s->conns, key, skb, ct);
	/* 0: nf_conncount could not count it (no memory), as nft_connlimit. */
	return n && n <= s->max;
}

/*
 * Past its source's rate: its source's cap, then the rule's shared limit.
 * A connection the cap refuses takes nothing from the shared bucket (a
 * source at its cap, retrying, must not use up the others' share); the
 * bucket is read first, so a flood the shared limit refuses costs
 * nf_conncount nothing. Two CPUs racing for the bucket's last token: the
 * loser was counted by nf_conncount, which forgets it with its conntrack
 * entry.
 */
static enum imgsec_admit imgsec_policy_admit_rest(const struct imgsec_policy *p,
						  u32 rule,
						  const struct sk_buff *skb,
						  const struct nf_conn *ct,
						  u8 family, const u8 *saddr)
{
	struct imgsec_rule_sources *s = &p->sources[rule];

	if (s->conns) {
		if (!imgsec_policy_may_admit(p, rule))
			return IMGSEC_ADMIT_SHARED;
		if (!imgsec_source_under_cap(p, s, skb, ct, family, saddr))
			return IMGSEC_ADMIT_CAP;
	}
	return imgsec_policy_admit(p, rule) ? IMGSEC_ADMIT_PASS :
					      IMGSEC_ADMIT_SHARED;
}

/*
 * May the new connection @ct (@skb its first packet) from source @saddr
 * (@family 4 or 6) open under rule @rule now: within its source's rate,
 * then its source's cap, then the rule's shared limit? Only a connection's
 * first packet asks. A limit that refuses it is the only one it pays: a
 * source over its own rate takes nothing from the cap or the shared
 * bucket, so one flooder cannot use up the others' share; a connection
 * the cap or the shared limit refuses takes nothing from its source's
 * rate (it is not made, so it must not count against its source later).
 * Under the rule's lock: the table is bounded, a source new to a full
 * window evicts the least recently seen one there (source_limit.c), but
 * only for a connection every limit admits: forged sources the shared
 * limit refuses take no slot, so they cannot flush the table faster than
 * the shared limit lets connections through, and a capped source keeps
 * its place.
 */
enum imgsec_admit imgsec_policy_admit_conn(const struct imgsec_policy *p,
					   u32 rule, const struct sk_buff *skb,
					   const struct nf_conn *ct, u8 family,
					   const u8 *saddr)
{
	struct imgsec_source_slot *slot;
	struct imgsec_rule_sources *s;
	enum imgsec_admit ret;
	u8 addr[16] = {};
	u64 now, tat;
	bool known;
	u32 hash;

	s = p->sources ? &p->sources[rule] : NULL;
	if (!s)
		return imgsec_policy_admit(p, rule) ? IMGSEC_ADMIT_PASS :
						      IMGSEC_ADMIT_SHARED;
	if (!s->table)
		return imgsec_policy_admit_rest(p, rule, skb, ct, family, saddr);
	memcpy(addr, saddr, family == 4 ? 4 : 16);
	hash = (u32)siphash(addr, sizeof(addr), &p->source_key);
	spin_lock_bh(&s->lock);
	now = ktime_get_mono_fast_ns();
	known = imgsec_source_lookup(s->table, family, addr, hash, &slot);
	if (known)
		slot->last_ns = now;	/* over its limit, it keeps its slot */
	if (!imgsec_gcra_next(known ? slot->tat : 0, now, s->interval_ns,
			      s->burst, &tat)) {
		ret = IMGSEC_ADMIT_SOURCE;
	} else {
		ret = imgsec_policy_admit_rest(p, rule, skb, ct, family, saddr);
		if (ret == IMGSEC_ADMIT_PASS) {
			if (!known)
				imgsec_source_claim(s->table, slot, family,
						    addr);
			slot->tat = tat;
			slot->last_ns = now;
		}
	}
	spin_unlock_bh(&s->lock);
	return ret;
}

/*
 * A connection conntrack picked up in the middle (@ct new, @skb not a
 * first SYN) was open before, yet its source's cap does not count it: its
 * entry expired, or conntrack saw it closed while its ends did not (a RST
 * the receiving stack then dropped). It counts from now on, and over the
 * cap it is refused like a new one, or a source could keep any number
 * open. The rates are not asked: it opens nothing new.
 */
enum imgsec_admit imgsec_policy_admit_pickup(const struct imgsec_policy *p,
					     u32 rule,
					     const struct sk_buff *skb,
					     const struct nf_conn *ct, u8 family,
					     const u8 *saddr)
{
	struct imgsec_rule_sources *s;

	if (!imgsec_policy_rule_capped(p, rule))
		return IMGSEC_ADMIT_PASS;
	s = &p->sources[rule];
	return imgsec_source_under_cap(p, s, skb, ct, family, saddr) ?
	       IMGSEC_ADMIT_PASS : IMGSEC_ADMIT_CAP;
}

/* Whether rule @rule (-1: none) caps each source's open connections. */
bool imgsec_policy_rule_capped(const struct imgsec_policy *p, int rule)
{
	return rule >= 0 && p->sources && p->sources[rule].conns;
}

/* Sources rule @rule's table evicted to make room (0: no table). */
u64 imgsec_policy_source_evicted(const struct imgsec_policy *p, u32 rule)
{
	struct imgsec_rule_sources *s;
	u64 n;

	if (!p->sources || !p->sources[rule].table)
		return 0;
	s = &p->sources[rule];
	spin_lock_bh(&s->lock);
	n = s->table->evicted;
	spin_unlock_bh(&s->lock);
	return n;
}

/*
 * Connections rule @rule's cap refused (or would have, in monitor mode):
 * an atomic of the rule's per-source state, not a per-CPU counter, which
 * IMGSEC_MAX_RULES rules could not have one more of. Only a refusal pays.
 */
void imgsec_policy_source_capped_inc(const struct imgsec_policy *p, u32 rule)
{
	if (p->sources)
		atomic64_inc(&p->sources[rule].capped);
}

u64 imgsec_policy_source_capped(const struct imgsec_policy *p, u32 rule)
{
	return p->sources ? atomic64_read(&p->sources[rule].capped) : 0;
}
