// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the twins of a UDP flow (rpc_clash.c), on real conntrack entries
 * of init_net that are not in the table, each held as its packet would
 * hold it: one on its way to confirmation on another CPU is what only
 * these tests can order (the VM's gso_case covers a twin confirmed in
 * the same NAPI batch).
 */
#include <kunit/test.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "rpc_conn.h"

/* Not confirmed: UDP 10.0.0.1:@sport -> 10.0.0.2:111, with the helper. */
static struct nf_conn *make_entry(struct kunit *test, u16 sport)
{
	struct nf_conntrack_tuple orig = {}, reply;
	struct nf_conn_help *help;
	struct nf_conn *ct;

	orig.src.l3num = AF_INET;
	orig.src.u3.ip = htonl(0x0a000001);
	orig.src.u.udp.port = htons(sport);
	orig.dst.u3.ip = htonl(0x0a000002);
	orig.dst.u.udp.port = htons(111);
	orig.dst.protonum = IPPROTO_UDP;
	KUNIT_ASSERT_TRUE(test, nf_ct_invert_tuple(&reply, &orig));
	ct = nf_conntrack_alloc(&init_net, &nf_ct_zone_dflt, &orig, &reply,
				GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ct));
	/* The packet's reference, as init_conntrack() sets it. */
	refcount_set(&ct->ct_general.use, 1);
	help = nf_ct_helper_ext_add(ct, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, help);
	KUNIT_ASSERT_NOT_NULL(test, imgsec_rpc_helper(4, IPPROTO_UDP));
	rcu_assign_pointer(help->helper, imgsec_rpc_helper(4, IPPROTO_UDP));
	return ct;
}

/* Its first packet: a portmap lookup of @prog with @xid, read. */
static struct imgsec_rpc_help *ask(struct nf_conn *ct, u32 xid, u32 prog,
				   bool allowed)
{
	struct imgsec_rpc_help *rh = nfct_help_data(ct);
	struct rpc_lookup call = {
		.xid = xid, .vers = 2, .prog = prog, .proto = IPPROTO_TCP,
	};

	rpc_slot_call(&rh->udp, xid, &call, allowed);
	return rh;
}

/*
 * The helper takes @ct's first packet on, as imgsec_rpc_help() does: keep
 * it, read it (its call already asked), share the calls with its twins.
 */
static int on_their_way(struct imgsec_net *in, struct nf_conn *ct)
{
	struct nf_conn *twins[IMGSEC_RPC_MAX_TWINS];
	const struct imgsec_rpc_help *rh = nfct_help_data(ct);
	struct rpc_slot mine = rh->udp;
	int n;

	rcu_read_lock();
	spin_lock_bh(&in->rpc.lock);
	imgsec_rpc_clash_prune(&in->rpc);
	n = imgsec_rpc_clash_keep(&in->rpc, ct, twins);
	if (n == -EAGAIN) {
		spin_unlock_bh(&in->rpc.lock);
		imgsec_rpc_clash_reclaim(in);
		spin_lock_bh(&in->rpc.lock);
		n = imgsec_rpc_clash_keep(&in->rpc, ct, twins);
	}
	if (n >= 0)
		imgsec_rpc_clash_share(in, ct, &mine, twins, n);
	spin_unlock_bh(&in->rpc.lock);
	/* Not in the table: nothing confirmed to find. */
	if (n >= 0)
		imgsec_rpc_clash_confirmed(in, ct, &mine, twins, n);
	rcu_read_unlock();
	return n;
}

static unsigned int kept(struct imgsec_net *in)
{
	unsigned int i, n = 0;

	spin_lock_bh(&in->rpc.lock);
	for (i = 0; i < in->rpc.max_unconfirmed; i++)
		n += !!in->rpc.unconfirmed[i];
	KUNIT_EXPECT_EQ(current->kunit_test, n, in->rpc.nunconfirmed);
	spin_unlock_bh(&in->rpc.lock);
	return n;
}

static void forget_all(struct imgsec_net *in)
{
	spin_lock_bh(&in->rpc.lock);
	imgsec_rpc_clash_exit(&in->rpc);
	spin_unlock_bh(&in->rpc.lock);
}

/*
 * Two CPUs, mountd's call on one, nlockmgr's of the same xid on the other:
 * the first read, not yet confirmed, when the second is read. Whichever
 * wins must not trust the flow.
 */
static void imgsec_twins_asking_apart(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *b = make_entry(test, 1000);
	struct imgsec_rpc_help *ra = ask(a, 7, RPC_MOUNT_PROGRAM, true);
	struct imgsec_rpc_help *rb = ask(b, 7, 100021, false);

	KUNIT_EXPECT_EQ(test, on_their_way(in, a), 0);
	KUNIT_EXPECT_FALSE(test, ra->udp.untrusted);
	KUNIT_EXPECT_EQ(test, on_their_way(in, b), 1);
	KUNIT_EXPECT_TRUE(test, ra->udp.untrusted);
	KUNIT_EXPECT_TRUE(test, rb->udp.untrusted);
	KUNIT_EXPECT_EQ(test, kept(in), 2U);
	nf_ct_put(a);
	nf_ct_put(b);
	forget_all(in);
}

/* A duplicated call: each entry expects two replies, as one would. */
static void imgsec_twins_asking_alike(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *b = make_entry(test, 1000);
	struct imgsec_rpc_help *ra = ask(a, 7, RPC_MOUNT_PROGRAM, true);
	struct imgsec_rpc_help *rb = ask(b, 7, RPC_MOUNT_PROGRAM, true);

	KUNIT_EXPECT_EQ(test, on_their_way(in, a), 0);
	KUNIT_EXPECT_EQ(test, on_their_way(in, b), 1);
	KUNIT_EXPECT_FALSE(test, ra->udp.untrusted);
	KUNIT_EXPECT_FALSE(test, rb->udp.untrusted);
	KUNIT_EXPECT_EQ(test, ra->udp.outstanding, 2);
	KUNIT_EXPECT_EQ(test, rb->udp.outstanding, 2);
	nf_ct_put(a);
	nf_ct_put(b);
	forget_all(in);
}

static void imgsec_other_flows_are_no_twins(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *c = make_entry(test, 1001);
	struct imgsec_rpc_help *ra = ask(a, 7, RPC_MOUNT_PROGRAM, true);
	struct imgsec_rpc_help *rc = ask(c, 7, 100021, false);

	KUNIT_EXPECT_EQ(test, on_their_way(in, a), 0);
	KUNIT_EXPECT_EQ(test, on_their_way(in, c), 0);
	KUNIT_EXPECT_FALSE(test, ra->udp.untrusted);
	KUNIT_EXPECT_FALSE(test, rc->udp.untrusted);
	KUNIT_EXPECT_EQ(test, ra->udp.outstanding, 1);
	nf_ct_put(a);
	nf_ct_put(c);
	forget_all(in);
}

/* Confirmed, or dropped (ours the last reference): let go at the next. */
static void imgsec_landed_entries_leave(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *b = make_entry(test, 1001);
	struct nf_conn *c = make_entry(test, 1002);

	KUNIT_EXPECT_EQ(test, on_their_way(in, a), 0);
	KUNIT_EXPECT_EQ(test, on_their_way(in, b), 0);
	set_bit(IPS_CONFIRMED_BIT, &a->status);
	nf_ct_put(b);
	KUNIT_EXPECT_EQ(test, on_their_way(in, c), 0);
	KUNIT_EXPECT_EQ(test, kept(in), 1U);
	KUNIT_EXPECT_EQ(test, refcount_read(&a->ct_general.use), 1U);
	clear_bit(IPS_CONFIRMED_BIT, &a->status);
	nf_ct_put(a);
	nf_ct_put(c);
	forget_all(in);
}

/*
 * An entry its packet's copies share (a bridge's flood): not kept, but its
 * flow marked, and a twin coming after it is to be dropped unread; a twin
 * that came before it shares its calls as usual.
 */
static void imgsec_shared_entry_marks_its_flow(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *b = make_entry(test, 1000);
	struct nf_conn *c = make_entry(test, 1000);
	struct nf_conn *d = make_entry(test, 1001);
	struct imgsec_rpc_help *ra = ask(a, 7, RPC_MOUNT_PROGRAM, true);
	struct imgsec_rpc_help *rb = ask(b, 7, 100021, false);

	KUNIT_EXPECT_EQ(test, on_their_way(in, a), 0);
	nf_conntrack_get(&b->ct_general);
	KUNIT_EXPECT_EQ(test, on_their_way(in, b), 1);
	KUNIT_EXPECT_TRUE(test, ra->udp.untrusted);
	KUNIT_EXPECT_TRUE(test, rb->udp.untrusted);
	KUNIT_EXPECT_EQ(test, kept(in), 1U);
	KUNIT_EXPECT_EQ(test, on_their_way(in, c), -ENOSPC);
	/* Another copy of b itself, b still on its way: dropped too. */
	KUNIT_EXPECT_EQ(test, on_their_way(in, b), -ENOSPC);
	KUNIT_EXPECT_EQ(test, on_their_way(in, d), 0);
	nf_ct_put(a);
	nf_ct_put(b);
	nf_ct_put(b);
	nf_ct_put(c);
	nf_ct_put(d);
	forget_all(in);
}

/*
 * Every mark in use by a flow still on its way: a shared entry cannot be
 * marked, and is to be dropped; one whose mark has expired can be.
 */
static void imgsec_marks_full(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	unsigned int i, max = in->rpc.max_unconfirmed;
	struct nf_conn *ct;

	for (i = 0; i <= max; i++) {
		ct = make_entry(test, 3000 + i);
		nf_conntrack_get(&ct->ct_general);
		KUNIT_EXPECT_EQ(test, on_their_way(in, ct), i < max ? 0 : -EAGAIN);
		nf_ct_put(ct);
		nf_ct_put(ct);
	}
	spin_lock_bh(&in->rpc.lock);
	in->rpc.shared[0].until = get_jiffies_64();
	spin_unlock_bh(&in->rpc.lock);
	ct = make_entry(test, 3000 + i);
	nf_conntrack_get(&ct->ct_general);
	KUNIT_EXPECT_EQ(test, on_their_way(in, ct), 0);
	nf_ct_put(ct);
	nf_ct_put(ct);
	forget_all(in);
}

/* Marks run out: that of a flow confirmed since, in the table, is let go. */
static void imgsec_confirmed_mark_reclaimed(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	unsigned int i, max = in->rpc.max_unconfirmed;
	struct nf_conn *ct, *first = NULL;

	for (i = 0; i <= max; i++) {
		ct = make_entry(test, 3000 + i);
		nf_conntrack_get(&ct->ct_general);
		KUNIT_EXPECT_EQ(test, on_their_way(in, ct), 0);
		nf_ct_put(ct);
		if (first) {
			nf_ct_put(ct);
			continue;
		}
		/* The first is confirmed, as conntrack would after us. */
		first = ct;
		WRITE_ONCE(ct->timeout, nfct_time_stamp + 60 * HZ);
		set_bit(IPS_CONFIRMED_BIT, &ct->status);
		KUNIT_ASSERT_EQ(test, nf_conntrack_hash_check_insert(ct), 0);
	}
	nf_ct_delete(first, 0, 0);
	nf_ct_put(first);
	forget_all(in);
}

static void imgsec_too_many_at_once(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	unsigned int i, max = in->rpc.max_unconfirmed;
	struct nf_conn **ct;

	KUNIT_EXPECT_GE(test, max, 2 * num_possible_cpus());
	ct = kunit_kcalloc(test, max + 1, sizeof(*ct), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	for (i = 0; i < max; i++) {
		ct[i] = make_entry(test, 2000 + i);
		KUNIT_EXPECT_EQ(test, on_their_way(in, ct[i]), 0);
	}
	ct[i] = make_entry(test, 2000 + i);
	KUNIT_EXPECT_EQ(test, on_their_way(in, ct[i]), -ENOSPC);
	KUNIT_EXPECT_EQ(test, kept(in), max);
	for (i = 0; i <= max; i++)
		nf_ct_put(ct[i]);
	forget_all(in);
}

/* More entries of one flow on their way at once than can be told apart. */
static void imgsec_too_many_twins(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *ct[IMGSEC_RPC_MAX_TWINS + 2];
	unsigned int i;

	for (i = 0; i <= IMGSEC_RPC_MAX_TWINS; i++) {
		ct[i] = make_entry(test, 1000);
		KUNIT_EXPECT_EQ(test, on_their_way(in, ct[i]), (int)i);
	}
	ct[i] = make_entry(test, 1000);
	KUNIT_EXPECT_EQ(test, on_their_way(in, ct[i]), -ENOSPC);
	for (i = 0; i <= IMGSEC_RPC_MAX_TWINS + 1; i++)
		nf_ct_put(ct[i]);
	forget_all(in);
}

static struct kunit_case imgsec_rpc_clash_cases[] = {
	KUNIT_CASE(imgsec_twins_asking_apart),
	KUNIT_CASE(imgsec_twins_asking_alike),
	KUNIT_CASE(imgsec_other_flows_are_no_twins),
	KUNIT_CASE(imgsec_landed_entries_leave),
	KUNIT_CASE(imgsec_shared_entry_marks_its_flow),
	KUNIT_CASE(imgsec_marks_full),
	KUNIT_CASE(imgsec_confirmed_mark_reclaimed),
	KUNIT_CASE(imgsec_too_many_at_once),
	KUNIT_CASE(imgsec_too_many_twins),
	{}
};

static struct kunit_suite imgsec_rpc_clash_suite = {
	.name = "imgsec_rpc_clash",
	.test_cases = imgsec_rpc_clash_cases,
};

kunit_test_suite(imgsec_rpc_clash_suite);
