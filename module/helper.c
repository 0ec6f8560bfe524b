// SPDX-License-Identifier: GPL-2.0
/*
 * imgsec-rpc: conntrack helper for SUN RPC portmap/rpcbind (port 111).
 *
 * It remembers the GETPORT/GETADDR calls a client sends and, when the
 * server's reply names a port for an allowed program, expects exactly one
 * kind of follow-up connection: from that client, to that server and port,
 * over the protocol asked for, for a short time. It never drops a packet;
 * what it cannot follow is ignored and counted. Parsing is in rpc.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_nat_helper.h>

#include "imgsec.h"
#include "rpc.h"

static unsigned int rpc_timeout = 30;
module_param(rpc_timeout, uint, 0444);
MODULE_PARM_DESC(rpc_timeout,
		 "seconds an opened port waits for its connection (1-3600, default 30)");

static unsigned int rpc_max_conns = 4096;
module_param(rpc_max_conns, uint, 0444);
MODULE_PARM_DESC(rpc_max_conns,
		 "portmap TCP connections followed at once, all namespaces (default 4096)");

static unsigned int rpc_programs[IMGSEC_MAX_RPC_PROGRAMS] = {
	RPC_MOUNT_PROGRAM, RPC_NFS_PROGRAM,
};

static unsigned int rpc_nprograms = 2;
module_param_array_named(rpc_programs, rpc_programs, uint, &rpc_nprograms,
			 0444);
MODULE_PARM_DESC(rpc_programs,
		 "RPC programs whose ports may be opened (default 100005,100003)");

/*
 * What the helper keeps per portmap TCP connection: the record streams.
 * Allocated from a cache of its own, only once the client has sent data
 * (so the connection is confirmed and ->destroy will free it).
 */
struct imgsec_rpc_conn {
	struct list_head list;		/* imgsec_rpc_conns, for unload */
	struct rpc_pending pending;
	struct rpc_stream streams[2];	/* by direction */
};

/*
 * Stored in the conntrack helper extension's private area. A UDP client
 * socket asks one thing at a time (retransmissions reuse the xid): its
 * one pending call lives here, so UDP, where addresses are cheap to forge,
 * costs no memory at all.
 */
struct imgsec_rpc_help {
	struct imgsec_rpc_conn *conn;	/* TCP */
	struct rpc_lookup udp_call;	/* UDP; prog 0: none */
};

/* One lock for all state, as nf_conntrack_ftp: portmap traffic is light. */
static DEFINE_SPINLOCK(imgsec_rpc_lock);
static LIST_HEAD(imgsec_rpc_conns);
static unsigned int imgsec_rpc_nconns;
static struct kmem_cache *imgsec_rpc_cache __read_mostly;
static u8 imgsec_rpc_buf[RPC_MAX_RECORD];	/* UDP payload copy */
static bool imgsec_rpc_registered;

static struct nf_conntrack_expect_policy imgsec_rpc_exp_policy = {
	.max_expected = RPC_MAX_PENDING,
};

static struct nf_conntrack_helper imgsec_rpc_helpers[4];

/* What one packet's records need to know. */
struct imgsec_rpc_ctx {
	struct nf_conn *ct;
	struct imgsec_net *in;
	struct imgsec_rpc_help *help;
	enum ip_conntrack_dir dir;
};

struct nf_conntrack_helper *imgsec_rpc_helper(u8 family, u8 proto)
{
	if (!READ_ONCE(imgsec_rpc_registered))
		return NULL;
	return &imgsec_rpc_helpers[(family == 6) * 2 + (proto == IPPROTO_TCP)];
}

static bool imgsec_rpc_program_allowed(u32 prog)
{
	unsigned int i;

	for (i = 0; i < rpc_nprograms; i++)
		if (rpc_programs[i] == prog)
			return true;
	return false;
}

static struct imgsec_rpc_conn *imgsec_rpc_conn_new(struct imgsec_rpc_help *help)
{
	struct imgsec_rpc_conn *conn;

	if (imgsec_rpc_nconns >= rpc_max_conns)
		return NULL;
	conn = kmem_cache_zalloc(imgsec_rpc_cache, GFP_ATOMIC);
	if (!conn)
		return NULL;
	list_add(&conn->list, &imgsec_rpc_conns);
	imgsec_rpc_nconns++;
	help->conn = conn;
	return conn;
}

static void imgsec_rpc_conn_free(struct imgsec_rpc_conn *conn)
{
	list_del(&conn->list);
	imgsec_rpc_nconns--;
	kmem_cache_free(imgsec_rpc_cache, conn);
}

/* Remember a call until its reply; true if an older one was dropped. */
static bool imgsec_rpc_remember(struct imgsec_rpc_ctx *ctx,
				const struct rpc_lookup *call)
{
	struct rpc_lookup *slot = &ctx->help->udp_call;
	bool evicted;

	if (ctx->help->conn)
		return rpc_pending_add(&ctx->help->conn->pending, call);
	evicted = slot->prog && slot->xid != call->xid;
	*slot = *call;
	return evicted;
}

static bool imgsec_rpc_recall(struct imgsec_rpc_ctx *ctx, u32 xid,
			      struct rpc_lookup *call)
{
	struct rpc_lookup *slot = &ctx->help->udp_call;

	if (ctx->help->conn)
		return rpc_pending_take(&ctx->help->conn->pending, xid, call);
	if (!slot->prog || slot->xid != xid)
		return false;
	*call = *slot;
	slot->prog = 0;
	return true;
}

static void imgsec_rpc_destroy(struct nf_conn *ct)
{
	struct imgsec_rpc_help *help = nfct_help_data(ct);

	spin_lock_bh(&imgsec_rpc_lock);
	if (help->conn)
		imgsec_rpc_conn_free(help->conn);
	help->conn = NULL;
	spin_unlock_bh(&imgsec_rpc_lock);
}

static void imgsec_rpc_call(struct imgsec_rpc_ctx *ctx, const u8 *rec,
			    size_t len)
{
	u8 family = nf_ct_l3num(ctx->ct) == NFPROTO_IPV6 ? 6 : 4;
	struct rpc_lookup call;

	switch (rpc_parse_call(rec, len, &call)) {
	case RPC_MALFORMED:
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_PARSE_ERRORS);
		return;
	case RPC_NOT_LOOKUP:
		return;
	case RPC_OK:
		break;
	}
	/*
	 * rpcbind (v3, v4) answers for the transport the call came on, not
	 * for the netid it names: act only where the two agree, so a reply
	 * about a UDP service never opens that number over TCP.
	 */
	if (call.vers >= 3 &&
	    (call.family != family || call.proto != nf_ct_protonum(ctx->ct))) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_NOT_ALLOWED);
		return;
	}
	if (!imgsec_rpc_program_allowed(call.prog)) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_NOT_ALLOWED);
		return;
	}
	if (imgsec_rpc_remember(ctx, &call))
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_OVERFLOWS);
	imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_CALLS);
}

/* A uaddr must name the server that answered: no holes to third hosts. */
static bool imgsec_rpc_is_server(const struct nf_conn *ct,
				 const struct rpc_answer *ans)
{
	const union nf_inet_addr *server =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3;

	if (!ans->has_addr)
		return true;
	if (nf_ct_l3num(ct) == NFPROTO_IPV4)
		return ans->family == 4 && !memcmp(ans->addr, &server->ip, 4);
	return ans->family == 6 && !memcmp(ans->addr, server->ip6, 16);
}

static void imgsec_rpc_expect(struct imgsec_rpc_ctx *ctx,
			      const struct rpc_lookup *call, u16 port)
{
	const struct nf_conntrack_tuple *t =
		&ctx->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct nf_conntrack_expect *exp;
	__be16 dport = htons(port);
	int ret;

	exp = nf_ct_expect_alloc(ctx->ct);
	if (!exp) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_EXPECT_FAILED);
		return;
	}
	nf_ct_expect_init(exp, NF_CT_EXPECT_CLASS_DEFAULT,
			  nf_ct_l3num(ctx->ct), &t->src.u3, &t->dst.u3,
			  call->proto, NULL, &dport);
	/*
	 * mount.nfs probes mountd, then the kernel makes the MNT call from
	 * another port: the hole serves every connection of this client to
	 * this port until it times out, not only the first.
	 */
	exp->flags = NF_CT_EXPECT_PERMANENT;
	if (ctx->ct->status & IPS_NAT_MASK)
		exp->expectfn = nf_nat_follow_master;
	ret = nf_ct_expect_related(exp, 0);
	nf_ct_expect_put(exp);
	/* -EBUSY: the same hole is already open for this client. */
	if (ret < 0 && ret != -EBUSY) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_EXPECT_FAILED);
		return;
	}
	imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_EXPECTED);
	imgsec_event_expect(nf_ct_net(ctx->ct),
			    nf_ct_l3num(ctx->ct) == NFPROTO_IPV6 ? 6 : 4,
			    &t->src.u3, &t->dst.u3, call->proto, port,
			    call->prog);
}

static void imgsec_rpc_reply(struct imgsec_rpc_ctx *ctx, const u8 *rec,
			     size_t len)
{
	const struct nf_conntrack_tuple *t =
		&ctx->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct rpc_lookup call;
	struct rpc_answer ans;
	enum rpc_result res;
	u32 xid;

	res = rpc_reply_xid(rec, len, &xid);
	if (res != RPC_OK) {
		if (res == RPC_MALFORMED)
			imgsec_rpc_count(ctx->in,
					 IMGSEC_RPC_STATS_A_PARSE_ERRORS);
		return;
	}
	if (!imgsec_rpc_recall(ctx, xid, &call)) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_UNMATCHED);
		return;
	}
	res = rpc_parse_reply(rec, len, &call, &ans);
	if (res == RPC_MALFORMED)
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_PARSE_ERRORS);
	if (res != RPC_OK)
		return;
	imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_REPLIES);

	if (!ans.port) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_NOT_REGISTERED);
		return;
	}
	/* Never portmap's own port: its connections must stay ours. */
	if (!imgsec_rpc_is_server(ctx->ct, &ans) ||
	    ans.port == ntohs(t->dst.u.all)) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_BAD_ADDRESS);
		return;
	}
	imgsec_rpc_expect(ctx, &call, ans.port);
}

static void imgsec_rpc_record(void *arg, const u8 *rec, size_t len)
{
	struct imgsec_rpc_ctx *ctx = arg;

	if (ctx->dir == IP_CT_DIR_ORIGINAL)
		imgsec_rpc_call(ctx, rec, len);
	else
		imgsec_rpc_reply(ctx, rec, len);
}

static void imgsec_rpc_udp(struct imgsec_rpc_ctx *ctx,
			   const struct sk_buff *skb, unsigned int protoff)
{
	unsigned int dataoff = protoff + sizeof(struct udphdr);
	const u8 *data;
	size_t len;

	if (skb->len <= dataoff)
		return;
	len = skb->len - dataoff;
	if (len > sizeof(imgsec_rpc_buf)) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_PARSE_ERRORS);
		return;
	}
	data = skb_header_pointer(skb, dataoff, len, imgsec_rpc_buf);
	if (data)
		imgsec_rpc_record(ctx, data, len);
}

static void imgsec_rpc_tcp(struct imgsec_rpc_ctx *ctx,
			   const struct sk_buff *skb, unsigned int protoff)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;
	struct rpc_stream_stats st = {};
	unsigned int dataoff, off;
	const struct tcphdr *th;
	struct tcphdr _th;
	const u8 *data;
	size_t len;

	th = skb_header_pointer(skb, protoff, sizeof(_th), &_th);
	if (!th)
		return;
	dataoff = protoff + th->doff * 4;
	if (dataoff >= skb->len)
		return;
	/* State for a stream only once the client has sent something. */
	if (!conn) {
		if (ctx->dir != IP_CT_DIR_ORIGINAL)
			return;
		conn = imgsec_rpc_conn_new(ctx->help);
		if (!conn) {
			imgsec_rpc_count(ctx->in,
					 IMGSEC_RPC_STATS_A_OVERFLOWS);
			return;
		}
	}
	/* Feed the payload in pieces no larger than our copy buffer. */
	for (off = dataoff; off < skb->len; off += len) {
		len = min_t(size_t, skb->len - off, sizeof(imgsec_rpc_buf));
		data = skb_header_pointer(skb, off, len, imgsec_rpc_buf);
		if (!data)
			break;
		rpc_stream_feed(&conn->streams[ctx->dir],
				ntohl(th->seq) + (off - dataoff), data, len,
				imgsec_rpc_record, ctx, &st);
	}
	if (st.too_long || st.desyncs)
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_PARSE_ERRORS);
}

static int imgsec_rpc_help(struct sk_buff *skb, unsigned int protoff,
			   struct nf_conn *ct, enum ip_conntrack_info ctinfo)
{
	struct imgsec_rpc_ctx ctx = {
		.ct = ct,
		.in = imgsec_net(nf_ct_net(ct)),
		.help = nfct_help_data(ct),
		.dir = CTINFO2DIR(ctinfo),
	};

	spin_lock_bh(&imgsec_rpc_lock);
	if (nf_ct_protonum(ct) == IPPROTO_TCP)
		imgsec_rpc_tcp(&ctx, skb, protoff);
	else
		imgsec_rpc_udp(&ctx, skb, protoff);
	spin_unlock_bh(&imgsec_rpc_lock);
	return NF_ACCEPT;
}

u32 imgsec_rpc_timeout(void)
{
	return READ_ONCE(imgsec_rpc_exp_policy.timeout);
}

int imgsec_rpc_set_timeout(u32 secs)
{
	if (secs < 1 || secs > IMGSEC_MAX_RPC_TIMEOUT)
		return -ERANGE;
	WRITE_ONCE(imgsec_rpc_exp_policy.timeout, secs);
	return 0;
}

unsigned int imgsec_rpc_programs(u32 *progs)
{
	unsigned int n;

	spin_lock_bh(&imgsec_rpc_lock);
	n = rpc_nprograms;
	memcpy(progs, rpc_programs, n * sizeof(*progs));
	spin_unlock_bh(&imgsec_rpc_lock);
	return n;
}

static int imgsec_rpc_check_programs(const u32 *progs, unsigned int n)
{
	unsigned int i;

	if (n > IMGSEC_MAX_RPC_PROGRAMS)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (!progs[i] || progs[i] == RPC_PMAP_PROGRAM)
			return -EINVAL;
	return 0;
}

int imgsec_rpc_set_programs(const u32 *progs, unsigned int n)
{
	int ret = imgsec_rpc_check_programs(progs, n);

	if (ret < 0)
		return ret;
	spin_lock_bh(&imgsec_rpc_lock);
	memcpy(rpc_programs, progs, n * sizeof(*progs));
	rpc_nprograms = n;
	spin_unlock_bh(&imgsec_rpc_lock);
	return 0;
}

static void __init imgsec_rpc_helper_setup(int i, u16 l3num, u8 proto)
{
	struct nf_conntrack_helper *h = &imgsec_rpc_helpers[i];

	nf_ct_helper_init(h, l3num, proto, IMGSEC_RPC_HELPER_NAME,
			  RPC_PMAP_PORT, RPC_PMAP_PORT, RPC_PMAP_PORT,
			  &imgsec_rpc_exp_policy, 0, imgsec_rpc_help, NULL,
			  THIS_MODULE);
	h->destroy = imgsec_rpc_destroy;
}

int __init imgsec_rpc_helper_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct imgsec_rpc_help) >
		     sizeof_field(struct nf_conn_help, data));
	ret = imgsec_rpc_set_timeout(rpc_timeout);
	if (ret < 0) {
		pr_err("rpc_timeout=%u is out of range 1-3600\n", rpc_timeout);
		return ret;
	}
	ret = imgsec_rpc_check_programs(rpc_programs, rpc_nprograms);
	if (ret < 0) {
		pr_err("rpc_programs: 0 and 100000 (portmap) are not allowed\n");
		return ret;
	}

	imgsec_rpc_cache = KMEM_CACHE(imgsec_rpc_conn, 0);
	if (!imgsec_rpc_cache)
		return -ENOMEM;

	imgsec_rpc_helper_setup(0, AF_INET, IPPROTO_UDP);
	imgsec_rpc_helper_setup(1, AF_INET, IPPROTO_TCP);
	imgsec_rpc_helper_setup(2, AF_INET6, IPPROTO_UDP);
	imgsec_rpc_helper_setup(3, AF_INET6, IPPROTO_TCP);
	ret = nf_conntrack_helpers_register(imgsec_rpc_helpers,
					    ARRAY_SIZE(imgsec_rpc_helpers));
	if (ret < 0) {
		kmem_cache_destroy(imgsec_rpc_cache);
		return ret;
	}
	WRITE_ONCE(imgsec_rpc_registered, true);
	return 0;
}

void imgsec_rpc_helper_exit(void)
{
	struct imgsec_rpc_conn *conn, *tmp;

	/* After this grace period no hook can attach the helper again. */
	WRITE_ONCE(imgsec_rpc_registered, false);
	synchronize_rcu();
	nf_conntrack_helpers_unregister(imgsec_rpc_helpers,
					ARRAY_SIZE(imgsec_rpc_helpers));
	/* Unregistering detaches without ->destroy: free what is left. */
	list_for_each_entry_safe(conn, tmp, &imgsec_rpc_conns, list)
		imgsec_rpc_conn_free(conn);
	kmem_cache_destroy(imgsec_rpc_cache);
}
