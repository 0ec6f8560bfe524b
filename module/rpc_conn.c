// SPDX-License-Identifier: GPL-2.0
/*
 * The imgsec-rpc helper's TCP state: one struct imgsec_rpc_conn per
 * followed portmap TCP connection, kept by the connection's namespace.
 *
 * Bounded per client address (rpc_max_conns_per_client; an IPv6 client is
 * its /64) and per namespace (rpc_max_conns; there the state used least
 * recently makes room, its connection no longer followed), and charged to
 * the memory cgroup of the task that created the namespace, within its
 * limit: no client can take the others' share, no namespace memory it is
 * not charged for.
 *
 * A state belongs to one confirmed, live conntrack entry that points to it
 * from its helper area, and holds a reference on that entry. ->destroy,
 * called when the entry is deleted, frees it. An entry can also lose its
 * helper without ->destroy (ctnetlink CTA_HELP "", the helper's
 * unregistration), which would leave its state behind: such states are
 * found through their reference at a client's limit (at most once a
 * second), go first at the namespace's, and all go with the namespace.
 * Until then the reference keeps the entry's memory, not its place in the
 * table: a cost within the limits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/tcp.h>

#include "compat.h"
#include "rpc_conn.h"

static unsigned int rpc_max_conns = 1024;
module_param(rpc_max_conns, uint, 0644);
MODULE_PARM_DESC(rpc_max_conns,
		 "portmap TCP connections followed at once in one network namespace (default 1024)");

static unsigned int rpc_max_conns_per_client = 32;
module_param(rpc_max_conns_per_client, uint, 0644);
MODULE_PARM_DESC(rpc_max_conns_per_client,
		 "of those, from one client address, an IPv6 /64 (default 32)");

static struct kmem_cache *imgsec_rpc_conn_cache __read_mostly;
static u32 imgsec_rpc_client_seed __read_mostly;

static const struct nf_conntrack_tuple *
imgsec_rpc_tuple(const struct nf_conn *ct)
{
	return &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
}

/*
 * Clients are counted by address; an IPv6 host has a /64 to pick from,
 * except on the link, where every host has the same one.
 */
static unsigned int imgsec_rpc_client_len(const struct nf_conntrack_tuple *t)
{
	if (t->src.l3num == NFPROTO_IPV4)
		return 4;
	/* fe80::/10 */
	if ((t->src.u3.ip6[0] & htonl(0xffc00000)) == htonl(0xfe800000))
		return 16;
	return 8;
}

static bool imgsec_rpc_same_client(const struct nf_conntrack_tuple *a,
				   const struct nf_conntrack_tuple *b)
{
	return a->src.l3num == b->src.l3num &&
	       !memcmp(&a->src.u3, &b->src.u3, imgsec_rpc_client_len(a));
}

static struct hlist_head *imgsec_rpc_bucket(struct imgsec_rpc_net *rn,
					    const struct nf_conntrack_tuple *t)
{
	u32 h = jhash(&t->src.u3, imgsec_rpc_client_len(t),
		      imgsec_rpc_client_seed);

	return &rn->clients[hash_32(h, IMGSEC_RPC_CLIENT_BITS)];
}

static unsigned int imgsec_rpc_client_conns(const struct hlist_head *bucket,
					    const struct nf_conntrack_tuple *t,
					    unsigned int max)
{
	const struct imgsec_rpc_conn *conn;
	unsigned int n = 0;

	hlist_for_each_entry(conn, bucket, node)
		if (imgsec_rpc_same_client(imgsec_rpc_tuple(conn->ct), t) &&
		    ++n >= max)
			break;
	return n;
}

void imgsec_rpc_conn_liberal(struct imgsec_rpc_conn *conn, bool on)
{
	u8 *flags = &conn->ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL].flags;

	if (!on && !conn->liberal)
		return;
	spin_lock_bh(&conn->ct->lock);
	if (!on) {
		*flags &= ~IP_CT_TCP_FLAG_BE_LIBERAL;
		conn->liberal = false;
	} else if (!(*flags & IP_CT_TCP_FLAG_BE_LIBERAL)) {
		*flags |= IP_CT_TCP_FLAG_BE_LIBERAL;
		conn->liberal = true;
	}
	spin_unlock_bh(&conn->ct->lock);
}

/* Widen [*@from, *@to) to take in [@seq, @end), in sequence space. */
static void imgsec_rpc_span_add(u32 *from, u32 *to, u32 seq, u32 end)
{
	if (before(seq, *from))
		*from = seq;
	if (after(end, *to))
		*to = end;
}

/*
 * What a retransmission must not bring through unrewritten once the state
 * is gone (helper.c, imgsec_rpc_nat_gone()): the last rewritten segment,
 * a head rewritten before it, and a planned record's rest.
 */
static void imgsec_rpc_nat_gone_span(const struct imgsec_rpc_conn *conn,
				     struct imgsec_rpc_tcp_start *start)
{
	const struct imgsec_rpc_nat_seg *head = &conn->head, *nat = &conn->nat;
	u32 from, to;

	if (!nat->valid && !head->valid)
		return;
	from = head->valid ? head->seq : nat->seq;
	to = from;
	/* Farther from the head than any window (2^30): not sent again. */
	if (nat->valid && (!head->valid || nat->seq - from < SZ_1G ||
			   from - nat->seq < SZ_1G))
		imgsec_rpc_span_add(&from, &to, nat->seq, nat->seq + nat->len);
	if (head->valid)
		imgsec_rpc_span_add(&from, &to, head->seq,
				    head->seq + head->len);
	if (conn->plan.pending)
		imgsec_rpc_span_add(&from, &to, from, conn->plan.rec_end);
	start->nat_gone = true;
	start->nat_seq = from;
	start->nat_len = to - from;
}

/*
 * Free @conn, taking it off its entry and the lists. Safe under the lock:
 * an entry that keeps this helper is in the table or being deleted, each
 * holding a reference of its own, so ours is not the last; one that lost
 * it may be freed here, and freeing calls no helper (->destroy is called at
 * deletion).
 */
static void imgsec_rpc_free(struct imgsec_rpc_net *rn,
			    struct imgsec_rpc_conn *conn)
{
	struct imgsec_rpc_help *help = nfct_help_data(conn->ct);

	help->conn = NULL;
	help->tcp.lost = true;
	imgsec_rpc_nat_gone_span(conn, &help->tcp);
	imgsec_rpc_conn_liberal(conn, false);
	hlist_del(&conn->node);
	list_del(&conn->lru);
	rn->nconns--;
	nf_ct_put(conn->ct);
	kmem_cache_free(imgsec_rpc_conn_cache, conn);
}

/*
 * ->destroy frees the state of an entry that keeps this helper; one whose
 * entry lost it (the helper area stays, the helper pointer goes) is left.
 */
static bool imgsec_rpc_left_behind(const struct imgsec_rpc_conn *conn)
{
	const struct nf_conn_help *help = nfct_help(conn->ct);

	return !imgsec_rpc_is_ours(rcu_access_pointer(help->helper));
}

/*
 * Free the states left behind, or with @all every state (the namespace
 * goes; its entries go after it).
 */
static void imgsec_rpc_reclaim(struct imgsec_rpc_net *rn, bool all)
{
	struct imgsec_rpc_conn *conn, *tmp;

	lockdep_assert_held(&rn->lock);
	list_for_each_entry_safe(conn, tmp, &rn->lru, lru)
		if (all || imgsec_rpc_left_behind(conn))
			imgsec_rpc_free(rn, conn);
}

/* Room for one more state of the client of @t, or -ENOSPC. */
static int imgsec_rpc_client_room(struct imgsec_rpc_net *rn,
				  const struct nf_conntrack_tuple *t)
{
	unsigned int max = READ_ONCE(rpc_max_conns_per_client);
	struct hlist_head *bucket = imgsec_rpc_bucket(rn, t);

	if (imgsec_rpc_client_conns(bucket, t, max) < max)
		return 0;
	/* States left behind are looked for at most once a second. */
	if (time_before(jiffies, rn->next_reclaim))
		return -ENOSPC;
	rn->next_reclaim = jiffies + HZ;
	imgsec_rpc_reclaim(rn, false);
	return imgsec_rpc_client_conns(bucket, t, max) < max ? 0 : -ENOSPC;
}

/*
 * Room for one more state in the namespace: the least recently used go
 * (first those left behind, which nothing uses). Returns how many went.
 */
static unsigned int imgsec_rpc_make_room(struct imgsec_rpc_net *rn,
					 unsigned int max)
{
	unsigned int n = 0;

	while (rn->nconns >= max) {
		imgsec_rpc_free(rn, list_first_entry(&rn->lru,
						     struct imgsec_rpc_conn,
						     lru));
		n++;
	}
	return n;
}

/*
 * Give @ct, whose helper area is @help, a TCP state. Only a confirmed entry
 * that is not being deleted: only those get ->destroy, which frees it.
 * Returns how many states made room for it (their connections are no
 * longer followed), or -EAGAIN (not now), -ENOSPC (the client's limit) or
 * -ENOMEM (the memory cgroup's, or none left: GFP_NOWAIT, not GFP_ATOMIC,
 * whose reserves a memory cgroup would let pass its limit).
 */
int imgsec_rpc_conn_attach(struct imgsec_rpc_net *rn, struct nf_conn *ct,
			   struct imgsec_rpc_help *help)
{
	const struct nf_conntrack_tuple *t = imgsec_rpc_tuple(ct);
	unsigned int max = READ_ONCE(rpc_max_conns), evicted;
	struct imgsec_rpc_conn *conn;
	struct mem_cgroup *old;

	lockdep_assert_held(&rn->lock);
	if (!nf_ct_is_confirmed(ct) || nf_ct_is_dying(ct))
		return -EAGAIN;
	if (!max || imgsec_rpc_client_room(rn, t))
		return -ENOSPC;
	old = set_active_memcg(rn->memcg);
	conn = kmem_cache_zalloc(imgsec_rpc_conn_cache,
				 GFP_NOWAIT | __GFP_NOWARN);
	set_active_memcg(old);
	if (!conn)
		return -ENOMEM;
	evicted = imgsec_rpc_make_room(rn, max);
	nf_conntrack_get(&ct->ct_general);
	conn->ct = ct;
	hlist_add_head(&conn->node, imgsec_rpc_bucket(rn, t));
	list_add_tail(&conn->lru, &rn->lru);
	rn->nconns++;
	help->conn = conn;
	return evicted;
}

/* @help's state was used: it goes last. */
void imgsec_rpc_conn_used(struct imgsec_rpc_net *rn,
			  struct imgsec_rpc_help *help)
{
	lockdep_assert_held(&rn->lock);
	list_move_tail(&help->conn->lru, &rn->lru);
}

void imgsec_rpc_conn_detach(struct imgsec_rpc_net *rn,
			    struct imgsec_rpc_help *help)
{
	lockdep_assert_held(&rn->lock);
	if (help->conn)
		imgsec_rpc_free(rn, help->conn);
}

/* The task creating the namespace pays for its state. */
int imgsec_rpc_net_init(struct imgsec_rpc_net *rn)
{
	int ret = imgsec_rpc_clash_init(rn);

	if (ret < 0)
		return ret;
	spin_lock_init(&rn->lock);
	INIT_LIST_HEAD(&rn->lru);
	rn->next_reclaim = jiffies;
	rn->memcg = get_mem_cgroup_from_mm(current->mm);
	return 0;
}

void imgsec_rpc_net_exit(struct imgsec_rpc_net *rn)
{
	spin_lock_bh(&rn->lock);
	imgsec_rpc_reclaim(rn, true);
	WARN_ON_ONCE(rn->nconns);
	imgsec_rpc_clash_exit(rn);
	spin_unlock_bh(&rn->lock);
	imgsec_rpc_clash_free(rn);
	mem_cgroup_put(rn->memcg);
}

int __init imgsec_rpc_conn_init(void)
{
	imgsec_rpc_client_seed = get_random_u32();
	imgsec_rpc_conn_cache = KMEM_CACHE(imgsec_rpc_conn, SLAB_ACCOUNT);
	return imgsec_rpc_conn_cache ? 0 : -ENOMEM;
}

void imgsec_rpc_conn_exit(void)
{
	kmem_cache_destroy(imgsec_rpc_conn_cache);
}
