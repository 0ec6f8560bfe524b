// SPDX-License-Identifier: GPL-2.0
/*
 * A UDP flow made twice at once. Until one of its entries is confirmed,
 * conntrack gives each packet of a new flow an entry of its own; when two
 * race (one NAPI batch, two CPUs), the later to be confirmed is dropped and
 * its packet goes on with the winner's entry (clash resolution). The call
 * the helper noted on the dropped entry would be forgotten while the server
 * still answers it, and that reply taken for the answer to the winner's
 * call. So each entry of the flow gets the others' calls too, as if all had
 * come on one: a duplicated call adds up as a retransmission, different
 * calls make the flow untrusted.
 *
 * A twin is either on its way to confirmation, found among the entries
 * whose first packet the helper read and which are not confirmed yet (kept
 * here, referenced, until confirmed or dropped), or confirmed already,
 * looked up in the table after that scan: an entry leaves the scan only
 * once confirmed, so a twin the scan missed is in the table by then. That
 * holds only if every first packet read is kept, or its flow marked: one
 * that cannot be (no room) is dropped, unread, and its client sends it
 * again; so is a twin of a marked flow.
 */
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "compat.h"
#include "rpc_conn.h"

/* As conntrack's clash check: the original tuple, in its zone. */
static bool imgsec_rpc_same_flow(const struct nf_conn *a,
				 const struct nf_conn *b)
{
	return nf_ct_tuple_equal(&a->tuplehash[IP_CT_DIR_ORIGINAL].tuple,
				 &b->tuplehash[IP_CT_DIR_ORIGINAL].tuple) &&
	       nf_ct_zone_equal(a, nf_ct_zone(b), IP_CT_DIR_ORIGINAL);
}

/* Confirmed (the table finds it now), or dropped: our reference is all. */
static bool imgsec_rpc_clash_landed(const struct nf_conn *ct)
{
	return nf_ct_is_confirmed(ct) ||
	       imgsec_ct_refs(ct) == 1;
}

void imgsec_rpc_clash_prune(struct imgsec_rpc_net *rn)
{
	unsigned int i, left = rn->nunconfirmed;

	lockdep_assert_held(&rn->lock);
	for (i = 0; left && i < rn->max_unconfirmed; i++) {
		struct nf_conn *ct = rn->unconfirmed[i];

		if (!ct)
			continue;
		left--;
		if (imgsec_rpc_clash_landed(ct)) {
			nf_ct_put(ct);
			rn->unconfirmed[i] = NULL;
			rn->nunconfirmed--;
		}
	}
}

/*
 * A flow whose first entry copies of its packet share (flooded by a bridge,
 * broadcast, multicast, a GSO packet queued to userspace): conntrack wants
 * such an entry referenced by its packets alone, so it is not kept but its
 * flow marked, for longer than any entry is on its way. A mark is of no
 * more use once its flow is confirmed: a twin's lookup finds that entry.
 */
#define IMGSEC_RPC_SHARED_SECS	5

static bool imgsec_rpc_mark_live(struct imgsec_rpc_shared *m)
{
	if (m->until && time_after_eq64(get_jiffies_64(), m->until))
		m->until = 0;
	return m->until;
}

static bool imgsec_rpc_mark_is(const struct imgsec_rpc_shared *m,
			       const struct nf_conntrack_tuple *t, u16 zone)
{
	return m->zone == zone && nf_ct_tuple_equal(&m->tuple, t);
}

/* @ct's flow's live mark, or with @free a slot for one; or NULL. */
static struct imgsec_rpc_shared *
imgsec_rpc_mark_find(struct imgsec_rpc_net *rn, const struct nf_conn *ct,
		     bool free)
{
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	u16 zone = nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL);
	unsigned int i;

	for (i = 0; i < rn->max_unconfirmed; i++) {
		struct imgsec_rpc_shared *m = &rn->shared[i];
		bool live = imgsec_rpc_mark_live(m);

		if (free ? !live : live && imgsec_rpc_mark_is(m, t, zone))
			return m;
	}
	return NULL;
}

/*
 * The table's entry for flow @t, referenced, or NULL. Not under rn->lock:
 * the lookup may delete an expired entry, whose ->destroy takes it. A hit
 * on an entry's reply direction is a flow the other way (from the server's
 * port 111): not this flow's.
 */
static struct nf_conn *imgsec_rpc_flow_entry(struct net *net,
					     const struct nf_conntrack_zone *zone,
					     const struct nf_conntrack_tuple *t)
{
	const struct nf_conntrack_tuple_hash *h;

	h = nf_conntrack_find_get(net, zone, t);
	if (!h)
		return NULL;
	if (NF_CT_DIRECTION(h) == IP_CT_DIR_ORIGINAL)
		return nf_ct_tuplehash_to_ctrack(h);
	nf_ct_put(nf_ct_tuplehash_to_ctrack(h));
	return NULL;
}

/* Whether @m's flow has an entry in the table. */
static bool imgsec_rpc_mark_confirmed(struct net *net,
				      const struct imgsec_rpc_shared *m)
{
	struct nf_conntrack_zone zone;
	struct nf_conn *ct;

	nf_ct_zone_init(&zone, m->zone, NF_CT_DEFAULT_ZONE_DIR, 0);
	ct = imgsec_rpc_flow_entry(net, &zone, &m->tuple);
	if (ct)
		nf_ct_put(ct);
	return ct;
}

void imgsec_rpc_clash_reclaim(struct imgsec_net *in)
{
	struct imgsec_rpc_net *rn = &in->rpc;
	struct imgsec_rpc_shared m;
	unsigned int i;

	for (i = 0; i < rn->max_unconfirmed; i++) {
		spin_lock_bh(&rn->lock);
		m = rn->shared[i];
		spin_unlock_bh(&rn->lock);
		if (!m.until || !imgsec_rpc_mark_confirmed(in->net, &m))
			continue;
		spin_lock_bh(&rn->lock);
		if (rn->shared[i].until == m.until &&
		    imgsec_rpc_mark_is(&rn->shared[i], &m.tuple, m.zone))
			rn->shared[i].until = 0;
		spin_unlock_bh(&rn->lock);
	}
}

int imgsec_rpc_clash_keep(struct imgsec_rpc_net *rn, struct nf_conn *ct,
			  struct nf_conn **twins)
{
	unsigned int i, room = rn->max_unconfirmed;
	struct imgsec_rpc_shared *m;
	int n = 0;

	lockdep_assert_held(&rn->lock);
	/* A twin of a shared entry: that one cannot be given its call. */
	if (imgsec_rpc_mark_find(rn, ct, false))
		return -ENOSPC;
	for (i = 0; i < rn->max_unconfirmed; i++) {
		struct nf_conn *other = rn->unconfirmed[i];

		if (!other) {
			room = i;
		} else if (imgsec_rpc_same_flow(other, ct)) {
			if (n == IMGSEC_RPC_MAX_TWINS)
				goto busy;
			nf_conntrack_get(&other->ct_general);
			twins[n++] = other;
		}
	}
	if (imgsec_ct_refs(ct) != 1) {
		m = imgsec_rpc_mark_find(rn, ct, true);
		if (!m) {
			while (n)
				nf_ct_put(twins[--n]);
			return -EAGAIN;
		}
		m->tuple = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
		m->zone = nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL);
		m->until = get_jiffies_64() + IMGSEC_RPC_SHARED_SECS * HZ;
		return n;
	}
	if (room == rn->max_unconfirmed)
		goto busy;
	nf_conntrack_get(&ct->ct_general);
	rn->unconfirmed[room] = ct;
	rn->nunconfirmed++;
	return n;
busy:
	while (n)
		nf_ct_put(twins[--n]);
	return -ENOSPC;
}

/* The helper's area of @ct, if @ct keeps this helper. */
static struct imgsec_rpc_help *imgsec_rpc_help_of(const struct nf_conn *ct)
{
	const struct nf_conn_help *help = nfct_help(ct);

	if (!help || !imgsec_rpc_is_ours(rcu_dereference(help->helper)))
		return NULL;
	return nfct_help_data(ct);
}

/* The calls on ledger @from noted on @to's, as if they had come there. */
static void imgsec_rpc_clash_note(struct imgsec_net *in,
				  const struct rpc_slot *from,
				  struct nf_conn *to)
{
	struct imgsec_rpc_help *dst = imgsec_rpc_help_of(to);
	bool was;

	if (!dst)
		return;
	was = dst->udp.untrusted;
	rpc_slot_merge(&dst->udp, from);
	if (!was && dst->udp.untrusted)
		imgsec_rpc_count(in, IMGSEC_RPC_STATS_A_UNTRUSTED);
}

void imgsec_rpc_clash_share(struct imgsec_net *in, struct nf_conn *ct,
			    const struct rpc_slot *mine,
			    struct nf_conn **twins, int n)
{
	int i;

	lockdep_assert_held(&in->rpc.lock);
	for (i = 0; i < n; i++) {
		struct imgsec_rpc_help *theirs = imgsec_rpc_help_of(twins[i]);

		if (theirs)
			imgsec_rpc_clash_note(in, &theirs->udp, ct);
		imgsec_rpc_clash_note(in, mine, twins[i]);
	}
}

void imgsec_rpc_clash_confirmed(struct imgsec_net *in, struct nf_conn *ct,
				const struct rpc_slot *mine,
				struct nf_conn **twins, int n)
{
	struct nf_conn *winner;
	int i;

	winner = imgsec_rpc_flow_entry(nf_ct_net(ct), nf_ct_zone(ct),
				       &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple);
	for (i = 0; winner && i < n; i++)
		if (twins[i] == winner)
			break;
	if (winner && i == n) {
		spin_lock_bh(&in->rpc.lock);
		imgsec_rpc_clash_note(in, mine, winner);
		spin_unlock_bh(&in->rpc.lock);
	}
	if (winner)
		nf_ct_put(winner);
	while (n > 0)
		nf_ct_put(twins[--n]);
}

/* Room for two first packets on their way per CPU (one preempted). */
int imgsec_rpc_clash_init(struct imgsec_rpc_net *rn)
{
	rn->max_unconfirmed = max(16U, 2 * num_possible_cpus());
	rn->unconfirmed = kvcalloc(rn->max_unconfirmed,
				   sizeof(*rn->unconfirmed), GFP_KERNEL_ACCOUNT);
	rn->shared = kvcalloc(rn->max_unconfirmed, sizeof(*rn->shared),
			      GFP_KERNEL_ACCOUNT);
	if (rn->unconfirmed && rn->shared)
		return 0;
	imgsec_rpc_clash_free(rn);
	return -ENOMEM;
}

void imgsec_rpc_clash_free(struct imgsec_rpc_net *rn)
{
	kvfree(rn->unconfirmed);
	kvfree(rn->shared);
	rn->unconfirmed = NULL;
	rn->shared = NULL;
	rn->max_unconfirmed = 0;
}

/* Lets every entry and mark go, with rn->lock held (the slots stay). */
void imgsec_rpc_clash_exit(struct imgsec_rpc_net *rn)
{
	unsigned int i;

	for (i = 0; i < rn->max_unconfirmed; i++) {
		if (rn->unconfirmed[i])
			nf_ct_put(rn->unconfirmed[i]);
		rn->unconfirmed[i] = NULL;
	}
	rn->nunconfirmed = 0;
	memset(rn->shared, 0, rn->max_unconfirmed * sizeof(*rn->shared));
}
