// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the twins of a UDP flow (rpc_clash.c), on real conntrack entries
 * of init_net that are not in the table, each held as its packet would
 * hold it: one on its way to confirmation on another CPU is what only
 * these tests can order.
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

/* The helper reads @ct's first packet. */
static bool clash(struct imgsec_net *in, struct nf_conn *ct,
		  struct nf_conn *winner)
{
	bool twin;

	rcu_read_lock();
	spin_lock_bh(&in->rpc.lock);
	twin = imgsec_rpc_clash(in, ct, winner);
	spin_unlock_bh(&in->rpc.lock);
	rcu_read_unlock();
	return twin;
}

static bool untrusted(const struct nf_conn *ct)
{
	const struct imgsec_rpc_help *rh = nfct_help_data(ct);

	return rh->udp.untrusted;
}

static unsigned int kept(struct imgsec_net *in)
{
	unsigned int i, n = 0;

	spin_lock_bh(&in->rpc.lock);
	for (i = 0; i < IMGSEC_RPC_UNCONFIRMED; i++)
		n += !!in->rpc.unconfirmed[i];
	spin_unlock_bh(&in->rpc.lock);
	return n;
}

static void forget_all(struct imgsec_net *in)
{
	spin_lock_bh(&in->rpc.lock);
	imgsec_rpc_clash_exit(&in->rpc);
	spin_unlock_bh(&in->rpc.lock);
}

/* Two CPUs: the first read, not yet confirmed, when the second is read. */
static void imgsec_twin_on_its_way(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *b = make_entry(test, 1000);

	KUNIT_EXPECT_FALSE(test, clash(in, a, NULL));
	KUNIT_EXPECT_FALSE(test, untrusted(a));
	KUNIT_EXPECT_TRUE(test, clash(in, b, NULL));
	KUNIT_EXPECT_TRUE(test, untrusted(a));
	KUNIT_EXPECT_EQ(test, kept(in), 2U);
	nf_ct_put(a);
	nf_ct_put(b);
	forget_all(in);
}

/* One batch: the first confirmed already (looked up in the table). */
static void imgsec_twin_confirmed(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *b = make_entry(test, 1000);

	KUNIT_EXPECT_TRUE(test, clash(in, b, a));
	KUNIT_EXPECT_TRUE(test, untrusted(a));
	nf_ct_put(a);
	nf_ct_put(b);
	forget_all(in);
}

static void imgsec_other_flows_are_no_twins(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *a = make_entry(test, 1000);
	struct nf_conn *c = make_entry(test, 1001);

	KUNIT_EXPECT_FALSE(test, clash(in, a, NULL));
	KUNIT_EXPECT_FALSE(test, clash(in, c, NULL));
	KUNIT_EXPECT_FALSE(test, untrusted(a));
	KUNIT_EXPECT_FALSE(test, untrusted(c));
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

	KUNIT_EXPECT_FALSE(test, clash(in, a, NULL));
	KUNIT_EXPECT_FALSE(test, clash(in, b, NULL));
	set_bit(IPS_CONFIRMED_BIT, &a->status);
	nf_ct_put(b);
	KUNIT_EXPECT_FALSE(test, clash(in, c, NULL));
	KUNIT_EXPECT_EQ(test, kept(in), 1U);
	KUNIT_EXPECT_EQ(test, refcount_read(&a->ct_general.use), 1U);
	clear_bit(IPS_CONFIRMED_BIT, &a->status);
	nf_ct_put(a);
	nf_ct_put(c);
	forget_all(in);
}

static void imgsec_too_many_at_once(struct kunit *test)
{
	struct imgsec_net *in = imgsec_net(&init_net);
	struct nf_conn *ct[IMGSEC_RPC_UNCONFIRMED + 1];
	unsigned int i;

	for (i = 0; i < IMGSEC_RPC_UNCONFIRMED; i++) {
		ct[i] = make_entry(test, 2000 + i);
		KUNIT_EXPECT_FALSE(test, clash(in, ct[i], NULL));
	}
	ct[i] = make_entry(test, 2000 + i);
	KUNIT_EXPECT_TRUE(test, clash(in, ct[i], NULL));
	KUNIT_EXPECT_EQ(test, kept(in), IMGSEC_RPC_UNCONFIRMED);
	for (i = 0; i <= IMGSEC_RPC_UNCONFIRMED; i++)
		nf_ct_put(ct[i]);
	forget_all(in);
}

static struct kunit_case imgsec_rpc_clash_cases[] = {
	KUNIT_CASE(imgsec_twin_on_its_way),
	KUNIT_CASE(imgsec_twin_confirmed),
	KUNIT_CASE(imgsec_other_flows_are_no_twins),
	KUNIT_CASE(imgsec_landed_entries_leave),
	KUNIT_CASE(imgsec_too_many_at_once),
	{}
};

static struct kunit_suite imgsec_rpc_clash_suite = {
	.name = "imgsec_rpc_clash",
	.test_cases = imgsec_rpc_clash_cases,
};

kunit_test_suite(imgsec_rpc_clash_suite);
