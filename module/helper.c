// SPDX-License-Identifier: GPL-2.0
/*
 * imgsec-rpc: conntrack helper for SUN RPC portmap/rpcbind (port 111).
 *
 * It remembers the GETPORT/GETADDR calls a client sends and, when the
 * server's reply names a port for an allowed program, expects exactly one
 * kind of follow-up connection: from that client, to that server and port,
 * over the protocol asked for, for a short time. What it cannot follow is
 * ignored and counted; the one packet it drops is a UDP flow's first that
 * it cannot keep track of (rpc_clash.c). Parsing is in rpc.c, the
 * TCP state in rpc_conn.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/sizes.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_seqadj.h>
#include <net/netfilter/nf_nat_helper.h>
#include <net/tcp.h>

#include "rpc_conn.h"

static unsigned int rpc_timeout = 30;
module_param(rpc_timeout, uint, 0444);
MODULE_PARM_DESC(rpc_timeout,
		 "seconds an opened port waits for its connection (1-3600, default 30)");

static unsigned int rpc_programs[IMGSEC_MAX_RPC_PROGRAMS] = {
	RPC_MOUNT_PROGRAM, RPC_NFS_PROGRAM,
};

static unsigned int rpc_nprograms = 2;
module_param_array_named(rpc_programs, rpc_programs, uint, &rpc_nprograms,
			 0444);
MODULE_PARM_DESC(rpc_programs,
		 "RPC programs whose ports may be opened (default 100005,100003)");

/* The allow-list is global and read on every call: a seqlock. */
static DEFINE_SEQLOCK(imgsec_rpc_programs_lock);

/* Where a UDP payload or a TCP piece is copied when not linear. */
struct imgsec_rpc_buf {
	u8 data[RPC_MAX_RECORD];
};

static DEFINE_PER_CPU(struct imgsec_rpc_buf, imgsec_rpc_buf);
static bool imgsec_rpc_registered;

static struct nf_conntrack_expect_policy imgsec_rpc_exp_policy = {
	.max_expected = RPC_MAX_PENDING,
};

static struct nf_conntrack_helper imgsec_rpc_helpers[4];

/*
 * What one packet's records need to know. A reply rewritten for NAT
 * (imgsec_rpc_nat_uaddr()) is rewritten in @skb. UDP: its record is the
 * whole payload. TCP: the segment's payload starts at @dataoff, its first
 * byte's sequence number is @seq, its length as it came @seg_len; the
 * record handed over starts @rec_off bytes into that payload as it came,
 * after its only mark, or is not whole in it (-1); a rewrite moved what
 * follows it by @delta bytes; @fresh is the stream's first byte it brings
 * (those before it came before: the receiver may have them as they were).
 */
struct imgsec_rpc_ctx {
	struct nf_conn *ct;
	struct imgsec_net *in;
	struct imgsec_rpc_help *help;
	enum ip_conntrack_dir dir;
	enum ip_conntrack_info ctinfo;
	struct sk_buff *skb;
	unsigned int protoff;
	unsigned int dataoff;
	u32 seq;
	u32 seg_len;
	u32 fresh;
	int rec_off;
	int delta;
	bool refuse;	/* a reply that would misdirect the client: drop */
};

/* The flow's "untrusted" flag (rpc.h): its connection's, or its socket's. */
static bool *imgsec_rpc_untrusted(struct imgsec_rpc_help *help)
{
	return help->conn ? &help->conn->pending.untrusted :
			    &help->udp.untrusted;
}

/* From now on nothing the flow asks opens anything; counted once. */
static void imgsec_rpc_distrust(struct imgsec_rpc_ctx *ctx)
{
	bool *untrusted = imgsec_rpc_untrusted(ctx->help);

	if (*untrusted)
		return;
	*untrusted = true;
	imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_UNTRUSTED);
}

struct nf_conntrack_helper *imgsec_rpc_helper(u8 family, u8 proto)
{
	if (!READ_ONCE(imgsec_rpc_registered))
		return NULL;
	return &imgsec_rpc_helpers[(family == 6) * 2 + (proto == IPPROTO_TCP)];
}

bool imgsec_rpc_is_ours(const struct nf_conntrack_helper *helper)
{
	return helper >= imgsec_rpc_helpers &&
	       helper < imgsec_rpc_helpers + ARRAY_SIZE(imgsec_rpc_helpers);
}

static bool imgsec_rpc_program_allowed(u32 prog)
{
	unsigned int seq, i;
	bool allowed;

	do {
		seq = read_seqbegin(&imgsec_rpc_programs_lock);
		allowed = false;
		for (i = 0; i < rpc_nprograms; i++)
			if (rpc_programs[i] == prog)
				allowed = true;
	} while (read_seqretry(&imgsec_rpc_programs_lock, seq));
	return allowed;
}

/* What a reply to @xid may do, by the calls seen (rpc.h). */
static enum rpc_verdict imgsec_rpc_verdict(struct imgsec_rpc_ctx *ctx,
					   u32 xid, struct rpc_lookup *call)
{
	if (ctx->help->conn)
		return rpc_pending_reply(&ctx->help->conn->pending, xid, call);
	return rpc_slot_reply(&ctx->help->udp, xid, call);
}

/* A call with @xid: the lookup @call, or NULL for any other. */
static void imgsec_rpc_note_call(struct imgsec_rpc_ctx *ctx, u32 xid,
				 const struct rpc_lookup *call, bool allowed)
{
	bool was = *imgsec_rpc_untrusted(ctx->help);

	if (ctx->help->conn)
		rpc_pending_call(&ctx->help->conn->pending, xid, call, allowed);
	else
		rpc_slot_call(&ctx->help->udp, xid, call, allowed);
	if (!was && *imgsec_rpc_untrusted(ctx->help))
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_UNTRUSTED);
}

/* Called when the entry is deleted, not when it is freed. */
static void imgsec_rpc_destroy(struct nf_conn *ct)
{
	struct imgsec_rpc_net *rn = &imgsec_net(nf_ct_net(ct))->rpc;

	spin_lock_bh(&rn->lock);
	imgsec_rpc_conn_detach(rn, nfct_help_data(ct));
	imgsec_rpc_clash_prune(rn);
	spin_unlock_bh(&rn->lock);
}

/*
 * rpcbind (v3, v4) answers for the transport the call came on, not for the
 * netid it names: a lookup may open a port only where the two agree, so a
 * reply about a UDP service never opens that number over TCP.
 */
static bool imgsec_rpc_call_allowed(const struct imgsec_rpc_ctx *ctx,
				    const struct rpc_lookup *call)
{
	u8 family = nf_ct_l3num(ctx->ct) == NFPROTO_IPV6 ? 6 : 4;

	if (call->vers >= 3 &&
	    (call->family != family || call->proto != nf_ct_protonum(ctx->ct)))
		return false;
	return imgsec_rpc_program_allowed(call->prog);
}

/*
 * Every call is noted, whatever it is: its reply will name its xid. One
 * that is not even read as RPC still has an xid the server may answer.
 */
static void imgsec_rpc_call(struct imgsec_rpc_ctx *ctx, const u8 *rec,
			    size_t len)
{
	struct rpc_lookup call;
	bool allowed;

	switch (rpc_parse_call(rec, len, &call)) {
	case RPC_MALFORMED:
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_PARSE_ERRORS);
		if (len >= sizeof(u32))
			imgsec_rpc_note_call(ctx, imgsec_get_be32(rec), NULL,
					     false);
		return;
	case RPC_NOT_LOOKUP:
		imgsec_rpc_note_call(ctx, imgsec_get_be32(rec), NULL, false);
		return;
	case RPC_OK:
		break;
	}
	allowed = imgsec_rpc_call_allowed(ctx, &call);
	imgsec_rpc_count(ctx->in, allowed ? IMGSEC_RPC_STATS_A_CALLS :
					    IMGSEC_RPC_STATS_A_NOT_ALLOWED);
	imgsec_rpc_note_call(ctx, call.xid, &call, allowed);
}

/* What host a uaddr names. */
enum imgsec_rpc_host {
	IMGSEC_RPC_ASKED,	/* the address the client asked (or none) */
	IMGSEC_RPC_BEHIND_NAT,	/* the server's own, behind DNAT */
	IMGSEC_RPC_OTHER,	/* a third host */
};

static bool imgsec_rpc_addr_is(const struct nf_conn *ct,
			       const struct rpc_answer *ans,
			       const union nf_inet_addr *a)
{
	if (nf_ct_l3num(ct) == NFPROTO_IPV4)
		return ans->family == 4 && !memcmp(ans->addr, &a->ip, 4);
	return ans->family == 6 && !memcmp(ans->addr, a->ip6, 16);
}

/*
 * A uaddr must name the server that answered: no holes to third hosts.
 * rpcbind names the address the call reached: behind DNAT, the server's
 * own (the reply's source), which the client cannot reach; the reply is
 * then rewritten to the address the client asked.
 */
static enum imgsec_rpc_host imgsec_rpc_host(const struct nf_conn *ct,
					    const struct rpc_answer *ans)
{
	if (!ans->has_addr ||
	    imgsec_rpc_addr_is(ct, ans,
			       &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3))
		return IMGSEC_RPC_ASKED;
	if ((ct->status & IPS_DST_NAT) &&
	    imgsec_rpc_addr_is(ct, ans,
			       &ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3))
		return IMGSEC_RPC_BEHIND_NAT;
	return IMGSEC_RPC_OTHER;
}

/*
 * A TCP rewrite changes the segment's length, and seqadj (one correction
 * point per direction, nf_ct_seqadj_set()) moves the sequence numbers of
 * what follows. Every retransmission of the segment must then be rewritten
 * again the same way, and only the last rewritten segment can be:
 *  - seqadj gives a segment at the correction point the offset before it,
 *    after it the offset after: a retransmission of the last rewritten
 *    segment (same first byte) keeps its place, rewritten again
 *    (imgsec_rpc_nat_again());
 *  - an older one would get the later offset. So a segment is rewritten
 *    only once the client has acknowledged every byte before it, those of
 *    the last rewritten segment included: the server has nothing older to
 *    send again (and cannot cut what the client lacks so that an earlier
 *    segment carries this one's bytes unrewritten). An RPC client writes
 *    call N+1 after reading reply N, and that segment acknowledges reply N:
 *    one call at a time qualifies; replies to calls sent together do not
 *    (nat_failed), except the first;
 *  - one rewrite per segment: a second at the same sequence number would
 *    not move the correction point (its second record is not acknowledged
 *    before it either).
 */
static bool imgsec_rpc_nat_tcp_may(struct imgsec_rpc_ctx *ctx)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;
	u32 start;

	/* Without seqadj the sequence numbers could not follow (WARNs). */
	if (!nfct_seqadj(ctx->ct) || !conn->acked_known)
		return false;
	if (conn->nat.valid && !after(ctx->seq, conn->nat.seq))
		return false;
	/* The segment's first byte, as the client numbers it. */
	start = ctx->seq + nf_ct_seq_offset(ctx->ct, ctx->dir, ctx->seq);
	return !before(conn->acked, start);
}

/*
 * Rewrite the uaddr and mark of the segment @nat kept, found @base bytes
 * into this one's payload, as @nat says (lengths checked).
 */
static bool imgsec_rpc_nat_seg_mangle(struct imgsec_rpc_ctx *ctx,
				      const struct imgsec_rpc_nat_seg *nat,
				      unsigned int base)
{
	/*
	 * The first rewrite makes the whole packet writable
	 * (skb_ensure_writable()): the mark's, of the same length, before
	 * it, cannot fail after it, and adjusts no sequence number.
	 */
	if (!nf_nat_mangle_tcp_packet(ctx->skb, ctx->ct, ctx->ctinfo,
				      ctx->protoff, base + nat->match_off,
				      nat->match_len, nat->rep, nat->rep_len))
		return false;
	return !nat->marked ||
	       nf_nat_mangle_tcp_packet(ctx->skb, ctx->ct, ctx->ctinfo,
					ctx->protoff, base + nat->mark_off,
					sizeof(nat->mark),
					(const char *)&nat->mark,
					sizeof(nat->mark));
}

/*
 * A rewrite that lengthens the server's stream moves seqadj's correction
 * point to the segment's first byte. An ACK of the client's below it may
 * carry a SACK block past it (a reply after a lost rewritten one):
 * conntrack's window check takes every block back by the offset at the
 * ACK's own number, compared as it came (tcp_in_window()), finds it past
 * what the server sent and marks the ACK invalid: undelivered, and the
 * gateway itself resets the connection. seqadj numbers each block right
 * (nf_ct_sack_adjust()). So the client's side of the check is liberal
 * while the kernel numbers it so, until the client's ACK passes the
 * correction point (imgsec_rpc_tcp_acked()); a rewrite that shortens the
 * stream moves the point too, and makes no block look too far.
 */
static void imgsec_rpc_nat_liberal(struct imgsec_rpc_ctx *ctx)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;

	/* tcp_in_window() takes the offset after it from ACK - 1 past it. */
	conn->liberal_until = ctx->seq + 2;
	imgsec_rpc_conn_liberal(conn, ctx->delta > 0);
}

/*
 * After a rewrite of the segment as @nat says (@ok), or part of one (the
 * uaddr rewritten and not the mark: it still moved): kept for its
 * retransmission, and the head before it (imgsec_rpc_nat_plan()) with it
 * if it is the rest of its record.
 */
static void imgsec_rpc_nat_done(struct imgsec_rpc_ctx *ctx,
				const struct imgsec_rpc_nat_seg *nat, bool ok)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;

	ctx->delta = (int)(ctx->skb->len - ctx->dataoff) - (int)ctx->seg_len;
	if (ctx->delta)
		imgsec_rpc_nat_liberal(ctx);
	if (!ok && !ctx->delta)
		return;
	conn->nat = *nat;
	if (nat->marked)
		conn->head.valid = false;
}

/*
 * The rest of a record whose head was rewritten (imgsec_rpc_nat_plan()),
 * to @rep (XDR length on): the next record read while the plan is pending
 * (imgsec_rpc_nat_unplanned() refuses a part of it). This segment follows
 * the head's, not joined to it (seqadj's correction point must be the
 * rest's first byte), and ends the record, and @rep has the length the
 * head told, whose characters it begins with. What the segment holds of
 * the uaddr takes the rest, and the whole change of length: the head kept
 * its own. So it is rewritten whatever the client acknowledged: nothing
 * before it moved since the head was (imgsec_rpc_nat_tcp_may()).
 * Otherwise the head lied: the segment is refused.
 */
static bool imgsec_rpc_nat_rest(struct imgsec_rpc_ctx *ctx, const char *rep,
				unsigned int rep_len)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;
	const struct imgsec_rpc_nat_seg *head = &conn->head;
	struct imgsec_rpc_nat_plan *plan = &conn->plan;
	unsigned int told = head->rep_len;
	struct imgsec_rpc_nat_seg nat = {
		.seq = ctx->seq,
		.len = ctx->seg_len,
		.valid = true,
	};
	bool ok = false;

	plan->pending = false;
	if (ctx->seq == head->seq + head->len && !ctx->delta &&
	    plan->rec_end - ctx->seq <= ctx->seg_len && ctx->seg_len <= U16_MAX &&
	    rep_len >= told && rep_len - told <= sizeof(nat.rep) &&
	    !memcmp(rep, head->rep, told)) {
		nat.match_len = plan->rec_end - ctx->seq;
		nat.rep_len = rep_len - told;
		memcpy(nat.rep, rep + told, nat.rep_len);
		nat.csum = skb_checksum(ctx->skb, ctx->dataoff, ctx->seg_len,
					0);
		ok = imgsec_rpc_nat_seg_mangle(ctx, &nat, 0);
		imgsec_rpc_nat_done(ctx, &nat, ok);
	}
	ctx->refuse |= !ok;
	return ok;
}

/*
 * TCP: the reply's record is one fragment whose mark ends 4 bytes before
 * the record, whole in the segment (imgsec_rpc_tcp_locate()). Its result
 * is rewritten to @rep, then the mark to the new length, and what was done
 * is kept for a retransmission (imgsec_rpc_nat_again()).
 */
static bool imgsec_rpc_nat_tcp(struct imgsec_rpc_ctx *ctx,
			       const struct rpc_answer *ans, size_t rec_len,
			       const char *rep, unsigned int rep_len)
{
	struct imgsec_rpc_nat_seg nat = {
		.seq = ctx->seq,
		.len = ctx->seg_len,
		.rep_len = rep_len,
		.valid = true,
		.marked = true,
	};
	unsigned int match_len = rec_len - ans->result_off;
	const __be32 *mark;
	__be32 _mark;
	bool ok;

	if (ctx->help->conn->plan.pending)
		return imgsec_rpc_nat_rest(ctx, rep, rep_len);
	if (ctx->rec_off < 0 || ctx->delta || !imgsec_rpc_nat_tcp_may(ctx))
		return false;
	/* The segment, its mark and its uaddr fit the kept offsets. */
	if (ctx->seg_len > U16_MAX || rep_len > sizeof(nat.rep))
		return false;
	nat.mark_off = ctx->rec_off - sizeof(__be32);
	nat.match_off = ctx->rec_off + ans->result_off;
	nat.match_len = match_len;
	mark = skb_header_pointer(ctx->skb, ctx->dataoff + nat.mark_off,
				  sizeof(_mark), &_mark);
	if (!mark || ntohl(*mark) != (RPC_RECORD_LAST | rec_len))
		return false;
	nat.mark = htonl(RPC_RECORD_LAST | (rec_len - match_len + rep_len));
	memcpy(nat.rep, rep, rep_len);
	nat.csum = skb_checksum(ctx->skb, ctx->dataoff, ctx->seg_len, 0);
	ok = imgsec_rpc_nat_seg_mangle(ctx, &nat, 0);
	imgsec_rpc_nat_done(ctx, &nat, ok);
	return ok;
}

static bool imgsec_rpc_nat_overlaps(const struct imgsec_rpc_ctx *ctx,
				    const struct imgsec_rpc_nat_seg *nat)
{
	return nat->valid && before(ctx->seq, nat->seq + nat->len) &&
	       after(ctx->seq + ctx->seg_len, nat->seq);
}

/* The segment @nat keeps, again @base bytes into this one, as it came. */
static bool imgsec_rpc_nat_redo(struct imgsec_rpc_ctx *ctx,
				const struct imgsec_rpc_nat_seg *nat,
				unsigned int base)
{
	if (ctx->seq + base != nat->seq || ctx->seg_len - base < nat->len ||
	    skb_checksum(ctx->skb, ctx->dataoff + base, nat->len, 0) !=
	    nat->csum)
		return false;
	return imgsec_rpc_nat_seg_mangle(ctx, nat, base);
}

/*
 * A reply segment that overlaps the last rewritten one, or the head of a
 * record rewritten across two (imgsec_rpc_nat_plan()): the same segment
 * sent again (same first byte, the same bytes as it came, by length and
 * checksum) is rewritten again the same way, seqadj keeping its offsets
 * (imgsec_rpc_nat_tcp_may()); a head joined to its rest is both; more
 * bytes after them (a retransmission joined to the next segment) follow
 * the rewrite, read from *@from on. Any other overlap is dropped: seqadj
 * would number it wrong, or its copy of the uaddr is unrewritten. The
 * client lacks none of it but the rewritten segment's bytes, which the
 * server sends again from where the client's ACK says, that segment's
 * first byte. Returns false to drop.
 */
static bool imgsec_rpc_nat_again(struct imgsec_rpc_ctx *ctx,
				 unsigned int *from)
{
	const struct imgsec_rpc_conn *conn = ctx->help->conn;
	const struct imgsec_rpc_nat_seg *nat = &conn->nat;

	*from = 0;
	if (imgsec_rpc_nat_overlaps(ctx, nat) && nat->refused)
		return false;
	/* A head (same length) first, maybe joined to its rest after it. */
	if (imgsec_rpc_nat_overlaps(ctx, &conn->head)) {
		if (!imgsec_rpc_nat_redo(ctx, &conn->head, 0))
			return false;
		*from = conn->head.len;
	}
	if (!imgsec_rpc_nat_overlaps(ctx, nat))
		return true;
	if (!imgsec_rpc_nat_redo(ctx, nat, *from))
		return false;
	*from += nat->len;
	ctx->delta = (int)(ctx->skb->len - ctx->dataoff) - (int)ctx->seg_len;
	return true;
}

/* @addr's text in a uaddr (RFC 5665), as rpcbind writes it; its length. */
static int imgsec_rpc_addr_text(u8 family, const union nf_inet_addr *addr,
				char text[IMGSEC_RPC_UADDR_TEXT])
{
	if (family == 4)
		return snprintf(text, IMGSEC_RPC_UADDR_TEXT, "%pI4", &addr->ip);
	return snprintf(text, IMGSEC_RPC_UADDR_TEXT, "%pI6c", addr->ip6);
}

/*
 * Rewrite the uaddr that ends the reply (from ans->result_off on: XDR
 * length, characters, padding) to name the address the client asked, port
 * @port, as nf_nat_ftp rewrites a PASV reply. The string may change
 * length: its XDR length and padding follow, and the datagram's length
 * (nf_nat_mangle_udp_packet()), or the record mark and the sequence
 * numbers (imgsec_rpc_nat_tcp()). After this the record read is stale.
 */
static bool imgsec_rpc_nat_uaddr(struct imgsec_rpc_ctx *ctx,
				 const struct rpc_answer *ans, size_t rec_len,
				 u16 port)
{
	const union nf_inet_addr *asked =
		&ctx->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3;
	struct {
		__be32 len;
		char text[IMGSEC_RPC_UADDR_TEXT];
	} xdr = {};
	int n;

	if (ans->result_off > rec_len)
		return false;
	n = imgsec_rpc_addr_text(ans->family, asked, xdr.text);
	n += snprintf(xdr.text + n, sizeof(xdr.text) - n, ".%u.%u",
		      port >> 8, port & 0xff);
	/* Zero padding: the rest of the text is still zero. */
	if (n > sizeof(xdr.text) - 3)
		return false;
	xdr.len = htonl(n);
	if (nf_ct_protonum(ctx->ct) == IPPROTO_TCP)
		return imgsec_rpc_nat_tcp(ctx, ans, rec_len, (const char *)&xdr,
					  sizeof(xdr.len) + round_up(n, 4));
	return nf_nat_mangle_udp_packet(ctx->skb, ctx->ct, ctx->ctinfo,
					ctx->protoff, ans->result_off,
					rec_len - ans->result_off,
					(const char *)&xdr,
					sizeof(xdr.len) + round_up(n, 4));
}

/*
 * A portmap v2 GETPORT result is the port alone, 4 bytes: same length
 * (over TCP, imgsec_rpc_nat_tcp() rewrites the mark to the same too).
 */
static bool imgsec_rpc_nat_port(struct imgsec_rpc_ctx *ctx,
				const struct rpc_answer *ans, size_t rec_len,
				u16 port)
{
	__be32 xdr = htonl(port);

	if (ans->result_off > rec_len ||
	    rec_len - ans->result_off != sizeof(xdr))
		return false;
	if (nf_ct_protonum(ctx->ct) == IPPROTO_TCP)
		return imgsec_rpc_nat_tcp(ctx, ans, rec_len, (const char *)&xdr,
					  sizeof(xdr));
	return nf_nat_mangle_udp_packet(ctx->skb, ctx->ct, ctx->ctinfo,
					ctx->protoff, ans->result_off,
					sizeof(xdr), (const char *)&xdr,
					sizeof(xdr));
}

/*
 * Make the reply name the address the client asked and port @port: a
 * uaddr (imgsec_rpc_nat_uaddr()) or a GETPORT port, over UDP or TCP.
 */
static bool imgsec_rpc_nat_reply(struct imgsec_rpc_ctx *ctx,
				 const struct rpc_answer *ans, size_t rec_len,
				 u16 port)
{
	if (ans->has_addr)
		return imgsec_rpc_nat_uaddr(ctx, ans, rec_len, port);
	return imgsec_rpc_nat_port(ctx, ans, rec_len, port);
}

static struct nf_conntrack_expect *
imgsec_rpc_exp_new(struct imgsec_rpc_ctx *ctx, const struct rpc_lookup *call,
		   u16 port)
{
	const struct nf_conntrack_tuple *t =
		&ctx->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct nf_conntrack_expect *exp;
	__be16 dport = htons(port);

	exp = nf_ct_expect_alloc(ctx->ct);
	if (!exp)
		return NULL;
	nf_ct_expect_init(exp, NF_CT_EXPECT_CLASS_DEFAULT,
			  nf_ct_l3num(ctx->ct), &t->src.u3, &t->dst.u3,
			  call->proto, NULL, &dport);
	/*
	 * mount.nfs probes mountd, then the kernel makes the MNT call from
	 * another port: the hole serves every connection of this client to
	 * this port until it times out, not only the first.
	 */
	exp->flags = NF_CT_EXPECT_PERMANENT;
	if (ctx->ct->status & IPS_NAT_MASK) {
		/*
		 * Translated like the lookup: the follow-up comes from the
		 * client as the call did (the master's original direction),
		 * nf_nat_follow_master() gives it the master's addresses and
		 * saved_proto, the server's real port, as its destination
		 * port, whatever port the client was told (the tuple's).
		 * saved_addr is not read there.
		 */
		exp->saved_proto.all = dport;
		exp->dir = IP_CT_DIR_ORIGINAL;
		exp->expectfn = nf_nat_follow_master;
	}
	return exp;
}

/*
 * The hole a reply would open, as nf_ct_expect_init() and
 * imgsec_rpc_exp_new() would make it, compared with one in the table
 * before it is reused (imgsec_rpc_hole_ours()).
 */
struct imgsec_rpc_hole {
	struct nf_conntrack_tuple tuple;
	struct nf_conntrack_tuple_mask mask;
	void (*expectfn)(struct nf_conn *new, struct nf_conntrack_expect *exp);
	__be16 saved_port;
};

/* The hole @exp would be, for imgsec_rpc_same_hole(). */
static void imgsec_rpc_hole_of(const struct nf_conntrack_expect *exp,
			       struct imgsec_rpc_hole *hole)
{
	memset(hole, 0, sizeof(*hole));
	hole->tuple = exp->tuple;
	hole->mask = exp->mask;
	hole->expectfn = exp->expectfn;
	if (exp->expectfn)
		hole->saved_port = exp->saved_proto.all;
}

/* The hole to @port a reply to @ctx's lookup would open, not allocated. */
static void imgsec_rpc_hole_init(const struct imgsec_rpc_ctx *ctx,
				 const struct rpc_lookup *call, u16 port,
				 struct imgsec_rpc_hole *hole)
{
	const struct nf_conntrack_tuple *t =
		&ctx->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	u8 l3num = nf_ct_l3num(ctx->ct);

	/* A conntrack tuple's addresses are zero past an IPv4 address. */
	memset(hole, 0, sizeof(*hole));
	hole->tuple.src.l3num = l3num;
	hole->tuple.src.u3 = t->src.u3;
	hole->tuple.dst.u3 = t->dst.u3;
	hole->tuple.dst.protonum = call->proto;
	hole->tuple.dst.u.all = htons(port);
	memset(&hole->mask.src.u3, 0xff, l3num == NFPROTO_IPV4 ?
	       sizeof(hole->mask.src.u3.ip) : sizeof(hole->mask.src.u3.ip6));
	if (ctx->ct->status & IPS_NAT_MASK) {
		hole->expectfn = nf_nat_follow_master;
		hole->saved_port = htons(port);
	}
}

/* Whether the hole's master asked the same server as @ct (behind DNAT). */
static bool imgsec_rpc_same_server(const struct nf_conn *ct,
				   const struct nf_conntrack_expect *i)
{
	return nf_inet_addr_cmp(&i->master->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3,
				&ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3);
}

/*
 * Whether @i was made by one of our helpers: its master is one of ours
 * (no other helper makes expectations on our entries; one that root
 * makes there with ctnetlink is taken for ours, as it would be by
 * @i->helper on 6.1.y, which ctnetlink sets to the master's).
 * Not @i->helper: before 6.1.y/6.12 (5.10.y) that is the helper to assign
 * to the follow-up, NULL for every hole of ours and of most helpers.
 * Under the expectation lock, @i linked: its master lives.
 */
static bool imgsec_rpc_made_by_us(const struct nf_conntrack_expect *i)
{
	const struct nf_conn_help *mh = nfct_help(i->master);

	return mh && imgsec_rpc_is_ours(rcu_access_pointer(mh->helper));
}

/*
 * Whether @i, found where @hole would go, is exactly that hole of this
 * helper: __nf_ct_expect_find() matches by the found one's mask, so it may
 * be a wider hole of another helper (any source address, any port), or one
 * that gives the follow-up other addresses. Any of our helpers: there is
 * one per transport of the lookup, and a portmap v2 lookup over UDP opens
 * the same hole to a TCP port as one over TCP (mount.nfs asks over UDP,
 * the kernel again over TCP). Under the expectation lock
 * (imgsec_rpc_same_hole()).
 */
static bool imgsec_rpc_hole_ours(const struct nf_conn *ct,
				 const struct nf_conntrack_expect *i,
				 const struct imgsec_rpc_hole *hole)
{
	if (!imgsec_rpc_made_by_us(i) ||
	    i->class != NF_CT_EXPECT_CLASS_DEFAULT ||
	    READ_ONCE(i->flags) != NF_CT_EXPECT_PERMANENT ||
	    !nf_ct_tuple_equal(&i->tuple, &hole->tuple) ||
	    !nf_inet_addr_cmp(&i->mask.src.u3, &hole->mask.src.u3) ||
	    i->mask.src.u.all != hole->mask.src.u.all ||
	    i->expectfn != hole->expectfn)
		return false;
	if (hole->expectfn && (i->saved_proto.all != hole->saved_port ||
			       i->dir != IP_CT_DIR_ORIGINAL))
		return false;
	return imgsec_rpc_same_server(ct, i);
}

/*
 * A hole dies with its master (imgsec_rpc_hole_renew()): one whose master
 * is dying or has expired (not yet collected) is about to go.
 */
static bool imgsec_rpc_master_lives(const struct nf_conn *m)
{
	return !nf_ct_is_dying(m) && !nf_ct_is_expired(m);
}

/*
 * A hole dies with its master, the lookup's entry (nf_ct_delete() ->
 * nf_ct_remove_expectations(), permanent or not). A replied UDP lookup's
 * entry lives nf_conntrack_udp_timeout (30 s) after its reply: with a
 * longer rpc_timeout its hole would go before its time. So the master is
 * kept until its hole @i expires (as ctnetlink's CTA_TIMEOUT would: a
 * confirmed entry, not dying, its timeout not fixed), never shortened; a
 * packet of its own may still shorten it (the client's next call on the
 * socket). Holes are bounded (nf_ct_expect_max), so are the entries kept.
 */
static void imgsec_rpc_master_keep(const struct nf_conntrack_expect *i)
{
	struct nf_conn *m = i->master;
	u32 until = imgsec_exp_expires(i);

	if (nf_ct_is_confirmed(m) && !nf_ct_is_dying(m) &&
	    !test_bit(IPS_FIXED_TIMEOUT_BIT, &m->status) &&
	    (s32)(READ_ONCE(m->timeout) - until) < 0)
		WRITE_ONCE(m->timeout, until);
}

/*
 * A lookup that finds its hole open gives it a fresh rpc_timeout, as a
 * new hole would have: a client that looks up again before connecting
 * must not find the first lookup's time run out. False if the hole has
 * expired already (left to die; the caller goes the normal way). The
 * hole stays its first lookup's: that master is kept as long.
 */
static bool imgsec_rpc_hole_renew(struct nf_conntrack_expect *i)
{
	if (!imgsec_exp_renew(i, imgsec_rpc_timeout() * HZ))
		return false;
	imgsec_rpc_master_keep(i);
	return true;
}

/*
 * Before allocating: if @hole is open already, from an earlier lookup of
 * the same client (each lookup from a new socket is a new master), and is
 * exactly ours and to the same server, renew it and use it as it is. If
 * its master is about to go, it is unlinked, to be replaced by one of
 * this lookup (else conntrack would refuse that one, -EBUSY, and the
 * client be told a port whose hole closes with the old master). Anything
 * else (no hole, a clash) goes the normal way, imgsec_rpc_exp_insert().
 *
 * Under the expectation lock: a hole found under RCU alone may have been
 * unlinked already, its master freed and its memory (SLAB_TYPESAFE_BY_RCU)
 * reused for another entry, whose server would be read. A linked hole's
 * master lives: nf_ct_remove_expectations() takes this lock.
 */
static bool imgsec_rpc_hole_reuse(struct nf_conn *ct,
				  const struct imgsec_rpc_hole *hole)
{
	struct nf_conntrack_expect *i;
	bool reused = false;

	spin_lock_bh(&nf_conntrack_expect_lock);
	i = __nf_ct_expect_find(nf_ct_net(ct), nf_ct_zone(ct), &hole->tuple);
	if (i && imgsec_rpc_hole_ours(ct, i, hole)) {
		if (imgsec_rpc_master_lives(i->master))
			reused = imgsec_rpc_hole_renew(i);
		else
			imgsec_exp_remove(i);
	}
	spin_unlock_bh(&nf_conntrack_expect_lock);
	return reused;
}

/*
 * nf_ct_expect_related() said -EBUSY: a hole of another master is in the
 * way. The same hole if it is exactly the one @exp would be, ours, to the
 * same server and port (the same client asked before, from another port):
 * nothing to add; renewed as imgsec_rpc_hole_reuse() would. A clash
 * otherwise: another server behind the same public address, a port moved
 * before, another helper's hole (an FTP data hole on the same port is not
 * the client's). Under the lock, as there.
 */
static bool imgsec_rpc_same_hole(struct nf_conn *ct,
				 const struct nf_conntrack_expect *exp)
{
	struct nf_conntrack_expect *i;
	struct imgsec_rpc_hole hole;
	bool same;

	imgsec_rpc_hole_of(exp, &hole);
	spin_lock_bh(&nf_conntrack_expect_lock);
	i = __nf_ct_expect_find(nf_ct_net(ct), nf_ct_zone(ct), &exp->tuple);
	same = i && imgsec_rpc_hole_ours(ct, i, &hole);
	if (same && imgsec_rpc_master_lives(i->master))
		imgsec_rpc_hole_renew(i);
	spin_unlock_bh(&nf_conntrack_expect_lock);
	return same;
}

/* Where the port of a hole moved to is searched from: never below 1024. */
#define IMGSEC_RPC_NAT_MIN_PORT	1024

static siphash_key_t imgsec_rpc_moved_key;

/* The outside port the lookup came to: portmap's, published, maybe >= 1024. */
static u16 imgsec_rpc_lookup_port(const struct nf_conn *ct)
{
	return ntohs(ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u.all);
}

/*
 * The outside port a hole to the server's @port (@proto: the hole's, not
 * the lookup's) is moved to first: the same for the same client, server,
 * port and protocol, over either transport, so that a client
 * asking again (each lookup from a new socket, a new master) finds its
 * moved hole there (imgsec_rpc_same_hole()) instead of opening one more
 * each time, up to the expectation table's limit (nf_ct_expect_max, per
 * namespace: every other client's lookup then fails). Keyed: nobody
 * chooses it. Never below 1024, never the lookup's own port (the hole
 * would take the client's next lookups to the server's @port).
 */
static u16 imgsec_rpc_moved_port(const struct nf_conn *ct, u8 proto,
				 u16 port)
{
	u16 lookup = imgsec_rpc_lookup_port(ct);
	u16 moved;
	struct {
		union nf_inet_addr client;
		union nf_inet_addr server;
		u32 port;
	} __aligned(SIPHASH_ALIGNMENT) in;
	u32 hash;

	net_get_random_once(&imgsec_rpc_moved_key,
			    sizeof(imgsec_rpc_moved_key));
	memset(&in, 0, sizeof(in));
	in.client = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u3;
	in.server = ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3;
	in.port = port | (u32)proto << 16;
	hash = (u32)siphash(&in, sizeof(in), &imgsec_rpc_moved_key);
	/* One of [1024, 65535] less the lookup's port. */
	moved = IMGSEC_RPC_NAT_MIN_PORT +
		reciprocal_scale(hash, USHRT_MAX - IMGSEC_RPC_NAT_MIN_PORT);
	if (lookup >= IMGSEC_RPC_NAT_MIN_PORT && moved >= lookup)
		moved++;
	return moved;
}

/*
 * Put @exp, for @port, in the table. Through DNAT, a port that another
 * hole holds for this client is replaced by another one (as nf_nat_ftp
 * does), which the reply must then name: the client's own
 * (imgsec_rpc_moved_port()) if free or already its hole, else any.
 * Returns the port the reply must name, -EADDRINUSE when it must move and
 * cannot (no port free, the table full: any error), or another error;
 * *@added: whether @exp was put in the table (not when the same hole was
 * there already).
 */
static int imgsec_rpc_exp_insert(struct imgsec_rpc_ctx *ctx,
				 struct nf_conntrack_expect *exp, u16 port,
				 bool *added)
{
	int ret = nf_ct_expect_related(exp, 0);
	u16 moved;

	*added = !ret;
	if (ret != -EBUSY)
		return ret ? ret : port;
	/* Without DNAT the tuple names the server's own port. */
	if (!(ctx->ct->status & IPS_DST_NAT) ||
	    imgsec_rpc_same_hole(ctx->ct, exp))
		return port;
	moved = imgsec_rpc_moved_port(ctx->ct, exp->tuple.dst.protonum, port);
	exp->tuple.dst.u.all = htons(moved);
	/* From here the asked port is another server's: never told as it is. */
	ret = nf_ct_expect_related(exp, 0);
	*added = !ret;
	if (ret != -EBUSY)
		return ret ? -EADDRINUSE : moved;
	if (imgsec_rpc_same_hole(ctx->ct, exp))
		return moved;
	/*
	 * Not below 1024: no port the gateway publishes there (portmap's
	 * own among them) is taken over for this client.
	 */
	port = nf_nat_exp_find_port(exp, max_t(u16, port,
					       IMGSEC_RPC_NAT_MIN_PORT));
	/* A random port may be the lookup's own, as above: not that one. */
	if (port && port == imgsec_rpc_lookup_port(ctx->ct)) {
		nf_ct_unexpect_related(exp);
		port = 0;
	}
	*added = port;
	return port ? port : -EADDRINUSE;
}

/*
 * Tell the client the hole's @port: the reply rewritten where it must be
 * (@rewrite, or a moved port), counted and told as an opened hole, new or
 * reused. False if it could not be rewritten: told the wrong port or
 * address, the client would connect nowhere.
 */
static bool imgsec_rpc_answer(struct imgsec_rpc_ctx *ctx,
			      const struct rpc_lookup *call,
			      const struct rpc_answer *ans, size_t rec_len,
			      bool rewrite, u16 port)
{
	const struct nf_conntrack_tuple *t =
		&ctx->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct imgsec_pkt what = {
		.family = nf_ct_l3num(ctx->ct) == NFPROTO_IPV6 ? 6 : 4,
		.proto = call->proto,
		.saddr = (const u8 *)&t->src.u3,
		.daddr = (const u8 *)&t->dst.u3,
		.dport = port,
	};

	/* Or a head rewritten already wants its rest (imgsec_rpc_nat_plan()). */
	if (port != ans->port ||
	    (ctx->help->conn && ctx->help->conn->plan.pending))
		rewrite = true;
	if (rewrite && !imgsec_rpc_nat_reply(ctx, ans, rec_len, port)) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_NAT_FAILED);
		return false;
	}
	if (rewrite)
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_NAT_REWRITTEN);
	imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_EXPECTED);
	imgsec_event_expect(ctx->in, &what, call->prog);
	return true;
}

/*
 * Open the hole the reply names, @rewrite: its address must be rewritten
 * (imgsec_rpc_host()). The hole first, then the reply, naming the hole's
 * port; a reply that cannot be rewritten opens nothing. A client's lookup
 * again while its hole is open (each from a new socket) finds it and
 * renews it, nothing allocated (imgsec_rpc_hole_reuse()).
 */
static void imgsec_rpc_expect(struct imgsec_rpc_ctx *ctx,
			      const struct rpc_lookup *call,
			      const struct rpc_answer *ans, size_t rec_len,
			      bool rewrite)
{
	struct nf_conntrack_expect *exp;
	struct imgsec_rpc_hole hole;
	bool added;
	int ret;

	/* A record before it in the segment had it dropped: no client reads it. */
	if (ctx->refuse)
		return;
	imgsec_rpc_hole_init(ctx, call, ans->port, &hole);
	if (imgsec_rpc_hole_reuse(ctx->ct, &hole)) {
		imgsec_rpc_answer(ctx, call, ans, rec_len, rewrite, ans->port);
		return;
	}
	exp = imgsec_rpc_exp_new(ctx, call, ans->port);
	if (!exp) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_EXPECT_FAILED);
		return;
	}
	ret = imgsec_rpc_exp_insert(ctx, exp, ans->port, &added);
	if (ret < 0) {
		nf_ct_expect_put(exp);
		/* Its port is another server's hole for this client. */
		ctx->refuse |= ret == -EADDRINUSE;
		imgsec_rpc_count(ctx->in, ret == -EADDRINUSE ?
				 IMGSEC_RPC_STATS_A_NAT_FAILED :
				 IMGSEC_RPC_STATS_A_EXPECT_FAILED);
		return;
	}
	if (!imgsec_rpc_answer(ctx, call, ans, rec_len, rewrite, ret)) {
		if (added)
			nf_ct_unexpect_related(exp);
		/* Not rewritten to the moved port: it names the other hole. */
		ctx->refuse |= ret != ans->port;
	} else if (added) {
		imgsec_rpc_master_keep(exp);
	}
	nf_ct_expect_put(exp);
}

static void imgsec_rpc_reply(struct imgsec_rpc_ctx *ctx, const u8 *rec,
			     size_t len)
{
	const struct nf_conntrack_tuple *t =
		&ctx->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	enum imgsec_rpc_host host;
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
	switch (imgsec_rpc_verdict(ctx, xid, &call)) {
	case RPC_UNMATCHED:
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_UNMATCHED);
		return;
	case RPC_REFUSED:
		return;
	case RPC_OPEN:
		break;
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
	host = imgsec_rpc_host(ctx->ct, &ans);
	if (host == IMGSEC_RPC_OTHER || ans.port == ntohs(t->dst.u.all)) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_BAD_ADDRESS);
		return;
	}
	/* Told an address it cannot reach, the client connects nowhere. */
	imgsec_rpc_expect(ctx, &call, &ans, len,
			  host == IMGSEC_RPC_BEHIND_NAT);
}

/*
 * TCP: where the record handed over is in the segment as it came, if it
 * is whole there with its mark, and new: a copy of bytes passed on before
 * (a retransmission joined to more) cannot be rewritten, the receiver may
 * keep them as they were (one that straddles segments:
 * imgsec_rpc_nat_plan()).
 */
static void imgsec_rpc_tcp_locate(struct imgsec_rpc_ctx *ctx, size_t len)
{
	u32 rec_seq = ctx->help->conn->streams[ctx->dir].rec_seq;
	u32 at = rec_seq - ctx->seq;

	ctx->rec_off = -1;
	if (at < ctx->seg_len && ctx->seg_len - at >= sizeof(__be32) + len &&
	    at + sizeof(__be32) <= INT_MAX && !before(rec_seq, ctx->fresh))
		ctx->rec_off = at + sizeof(__be32);
}

static void imgsec_rpc_record(void *arg, const u8 *rec, size_t len)
{
	struct imgsec_rpc_ctx *ctx = arg;

	if (ctx->help->conn)
		imgsec_rpc_tcp_locate(ctx, len);
	if (ctx->dir == IP_CT_DIR_ORIGINAL)
		imgsec_rpc_call(ctx, rec, len);
	else
		imgsec_rpc_reply(ctx, rec, len);
}

/*
 * A datagram is one record. One too long to read is still a call the
 * server may answer: its xid is noted. A GSO packet is several datagrams,
 * one for the helper: it cannot vouch for calls sent so, and does not read
 * replies sent so (a reply not read opens nothing).
 */
static void imgsec_rpc_udp(struct imgsec_rpc_ctx *ctx, struct sk_buff *skb,
			   unsigned int protoff)
{
	unsigned int dataoff = protoff + sizeof(struct udphdr);
	u8 *buf = this_cpu_ptr(&imgsec_rpc_buf)->data;
	const u8 *data;
	size_t len;

	/* Several datagrams for the server's socket (GSO, GRO). */
	if (skb_is_gso(skb)) {
		if (ctx->dir == IP_CT_DIR_ORIGINAL)
			imgsec_rpc_distrust(ctx);
		return;
	}
	if (skb->len <= dataoff)
		return;
	len = skb->len - dataoff;
	if (len > RPC_MAX_RECORD) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_PARSE_ERRORS);
		if (ctx->dir == IP_CT_DIR_ORIGINAL) {
			data = skb_header_pointer(skb, dataoff, sizeof(u32),
						  buf);
			if (data)
				imgsec_rpc_note_call(ctx, imgsec_get_be32(data),
						     NULL, false);
		}
		return;
	}
	data = skb_header_pointer(skb, dataoff, len, buf);
	if (!data)
		return;
	imgsec_rpc_record(ctx, data, len);
}

/*
 * A SYN or SYN-ACK says where its direction's stream starts: a stream is
 * followed from there or not at all, so that no call the server reads can
 * be hidden from the helper by starting it somewhere else. "lost": the
 * start is used up, by following or by giving up.
 *
 * The connection is never followed: counted as a flow not trusted.
 */
static void imgsec_rpc_tcp_lose(struct imgsec_rpc_ctx *ctx)
{
	struct imgsec_rpc_tcp_start *start = &ctx->help->tcp;

	if (start->lost)
		return;
	start->lost = true;
	imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_UNTRUSTED);
}

/* No longer followed, or never. */
static void imgsec_rpc_tcp_untrust(struct imgsec_rpc_ctx *ctx)
{
	if (ctx->help->conn)
		imgsec_rpc_distrust(ctx);
	else
		imgsec_rpc_tcp_lose(ctx);
}

/*
 * Each stream starts once: a SYN sent again carries the same number, and
 * one with another would move the helper's start away from the server's
 * (established, the server discards it; after a reset, conntrack lets a
 * new connection take over the entry and the helper's state with it). The
 * SYN-ACK must acknowledge the SYN alone: if it acknowledges data in the
 * SYN (TCP Fast Open), the server read bytes the helper did not.
 */
static void imgsec_rpc_tcp_syn(struct imgsec_rpc_ctx *ctx,
			       const struct tcphdr *th)
{
	struct imgsec_rpc_tcp_start *start = &ctx->help->tcp;
	u32 seq = ntohl(th->seq) + 1;

	if (start->known & BIT(ctx->dir)) {
		if (start->seq[ctx->dir] != seq)
			imgsec_rpc_tcp_untrust(ctx);
		return;
	}
	if (start->lost)
		return;
	if (ctx->dir == IP_CT_DIR_REPLY &&
	    (!(start->known & BIT(IP_CT_DIR_ORIGINAL)) ||
	     ntohl(th->ack_seq) != start->seq[IP_CT_DIR_ORIGINAL])) {
		imgsec_rpc_tcp_lose(ctx);
		return;
	}
	start->seq[ctx->dir] = seq;
	start->known |= BIT(ctx->dir);
}

/*
 * With SYN cookies the server takes its initial sequence number from the
 * ACK that completes the handshake, and accepts one a few below or above
 * the SYN-ACK's (the cookie's MSS index): until the connection is followed,
 * the client's ACKs must acknowledge the SYN-ACK exactly, or the server's
 * stream would start elsewhere than the helper's.
 */
static void imgsec_rpc_tcp_ack(struct imgsec_rpc_ctx *ctx,
			       const struct tcphdr *th)
{
	struct imgsec_rpc_tcp_start *start = &ctx->help->tcp;

	if (start->lost || ctx->dir != IP_CT_DIR_ORIGINAL || !th->ack ||
	    !(start->known & BIT(IP_CT_DIR_REPLY)))
		return;
	if (ntohl(th->ack_seq) != start->seq[IP_CT_DIR_REPLY])
		imgsec_rpc_tcp_lose(ctx);
}

/*
 * The client's first data, where its stream starts: give the connection
 * its state, following both streams from their starts. Anything else, or
 * no state to be had, and the connection is never followed.
 */
static bool imgsec_rpc_tcp_follow(struct imgsec_rpc_ctx *ctx, u32 seq)
{
	struct imgsec_rpc_tcp_start *start = &ctx->help->tcp;
	struct imgsec_rpc_tcp_start from = *start;
	int ret;

	if (start->lost || ctx->dir != IP_CT_DIR_ORIGINAL)
		return false;
	if (start->known != (BIT(IP_CT_DIR_ORIGINAL) | BIT(IP_CT_DIR_REPLY)) ||
	    seq != start->seq[IP_CT_DIR_ORIGINAL]) {
		imgsec_rpc_tcp_lose(ctx);
		return false;
	}
	start->lost = true;
	ret = imgsec_rpc_conn_attach(&ctx->in->rpc, ctx->ct, ctx->help);
	/* Evicted another connection's state (> 0), or got none. */
	if (ret > 0 || ret == -ENOSPC || ret == -ENOMEM)
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_OVERFLOWS);
	if (ret < 0)
		return false;
	rpc_stream_start(&ctx->help->conn->streams[IP_CT_DIR_ORIGINAL],
			 from.seq[IP_CT_DIR_ORIGINAL]);
	rpc_stream_start(&ctx->help->conn->streams[IP_CT_DIR_REPLY],
			 from.seq[IP_CT_DIR_REPLY]);
	return true;
}

/* @end, the byte after some of the server's, as the client numbers it. */
static u32 imgsec_rpc_client_end(const struct nf_conn *ct, u32 end)
{
	return end + nf_ct_seq_offset(ct, IP_CT_DIR_REPLY, end - 1);
}

/* The end of what the server sent (its FIN too), as the client numbers it. */
static u32 imgsec_rpc_server_sent(const struct nf_conn *ct)
{
	return imgsec_rpc_client_end(ct,
			READ_ONCE(ct->proto.tcp.seen[IP_CT_DIR_REPLY].td_end));
}

/* The client's highest ACK: what it has of the server's stream. */
static void imgsec_rpc_tcp_acked(struct imgsec_rpc_ctx *ctx,
				 const struct tcphdr *th)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;
	u32 ack = ntohl(th->ack_seq);

	if (ctx->dir != IP_CT_DIR_ORIGINAL || !th->ack)
		return;
	/* Liberal, conntrack lets pass an ACK of bytes never sent: not taken. */
	if (after(ack, imgsec_rpc_server_sent(ctx->ct)))
		return;
	if (!conn->acked_known || after(ack, conn->acked)) {
		conn->acked = ack;
		conn->acked_known = true;
	}
	if (!before(ack, conn->liberal_until))
		imgsec_rpc_conn_liberal(conn, false);
}

/*
 * A connection done has nothing left to read, yet its entry stays (two
 * minutes in TIME_WAIT), and so would its state, counted against
 * rpc_max_conns_per_client: a client looking up over a new connection
 * each time would not be followed after its 32nd in two minutes. So the
 * state goes once the helper has read every byte the server sent before
 * its FIN, and the client has acknowledged that FIN: the server sends
 * nothing after it, and the client lacks nothing it sent (a copy of the
 * last rewritten segment is dropped: imgsec_rpc_nat_gone()). Conntrack's
 * state is not asked: a client can take its entry to TIME_WAIT alone (a
 * FIN sent twice, then an ACK) while the server's replies are to come.
 */
static void imgsec_rpc_tcp_done(struct imgsec_rpc_ctx *ctx,
				const struct tcphdr *th)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;
	const struct rpc_stream *s = &conn->streams[IP_CT_DIR_REPLY];

	if (ctx->dir == IP_CT_DIR_REPLY && th->fin) {
		conn->fin_seq = ntohl(th->seq);
		if (ctx->skb->len > ctx->dataoff)
			conn->fin_seq += ctx->skb->len - ctx->dataoff;
		conn->fin_seen = true;
	}
	if (!conn->fin_seen || s->desynced || s->next_seq != conn->fin_seq ||
	    !conn->acked_known)
		return;
	if (!before(conn->acked,
		    imgsec_rpc_client_end(ctx->ct, conn->fin_seq + 1)))
		imgsec_rpc_conn_detach(&ctx->in->rpc, ctx->help);
}

/*
 * Feed the payload in pieces no larger than the copy buffer, always
 * copied: a NAT rewrite (imgsec_rpc_nat_tcp()) may move the packet's
 * data, and changes its length. The stream is the sender's, as it came:
 * the feed stops at the segment's first length, and what follows a
 * rewrite is read @delta bytes further on.
 */
static void imgsec_rpc_tcp_feed(struct imgsec_rpc_ctx *ctx,
				unsigned int from, struct rpc_stream_stats *st)
{
	u8 *buf = this_cpu_ptr(&imgsec_rpc_buf)->data;
	unsigned int done;
	size_t len;

	ctx->fresh = ctx->help->conn->streams[ctx->dir].next_seq;
	for (done = from; done < ctx->seg_len; done += len) {
		len = min_t(size_t, ctx->seg_len - done, RPC_MAX_RECORD);
		if (skb_copy_bits(ctx->skb, ctx->dataoff + done + ctx->delta,
				  buf, len))
			break;
		rpc_stream_feed(&ctx->help->conn->streams[ctx->dir],
				ctx->seq + done, buf, len, imgsec_rpc_record,
				ctx, st);
	}
}

/*
 * A reply segment past bytes the helper has not seen (lost or reordered on
 * the way from the server): fed, it would stop the stream for good, and
 * every later reply would reach the client unrewritten. Behind DNAT, while
 * the client lacks those bytes too (the server must send them again), it
 * is dropped instead: the server sends it again after them. Bytes the
 * client has and the helper never saw cannot come again: then the stream
 * stops, as it must.
 */
static bool imgsec_rpc_tcp_ahead(const struct imgsec_rpc_ctx *ctx)
{
	const struct imgsec_rpc_conn *conn = ctx->help->conn;
	const struct rpc_stream *s = &conn->streams[IP_CT_DIR_REPLY];
	u32 next;

	if (!(ctx->ct->status & IPS_DST_NAT) || !s->started || s->desynced ||
	    !after(ctx->seq, s->next_seq) || !conn->acked_known)
		return false;
	/* Where the server's next byte lies as the client numbers it. */
	next = s->next_seq + nf_ct_seq_offset(ctx->ct, ctx->dir, s->next_seq);
	return !after(conn->acked, next);
}

/*
 * The connection's state went (evicted, rpc_conn.c) with its last
 * rewritten reply segment, which a retransmission could still overlap:
 * unrewritten, it would tell the client the server's own address, its
 * record mark and seqadj's numbering the length rewritten. Dropped, as
 * imgsec_rpc_nat_again() drops what it cannot rewrite: the connection
 * stalls and the client's call times out, it is not lied to.
 */
static bool imgsec_rpc_nat_gone(const struct imgsec_rpc_ctx *ctx,
				const struct tcphdr *th, u32 seg_len)
{
	const struct imgsec_rpc_tcp_start *start = &ctx->help->tcp;
	u32 seq = ntohl(th->seq);

	return !ctx->help->conn && start->nat_gone &&
	       ctx->dir == IP_CT_DIR_REPLY &&
	       before(seq, start->nat_seq + start->nat_len) &&
	       after(seq + seg_len, start->nat_seq);
}

/*
 * A reply segment that must not reach the client as it is (ctx->refuse):
 * it names a port moved for this client, unrewritten, which would take it
 * to the port's other hole, another server, or it does not fit a head
 * rewritten before it (imgsec_rpc_nat_plan()). It is dropped, and so is
 * every copy of it, from the last rewritten segment on (the slot that kept
 * that one for its retransmission is this one's now; the client lacks
 * this one's bytes, so it cannot have acknowledged any after them, and
 * nothing after them is rewritten: they end the same way), to the end of
 * a planned record. The connection stalls and the client's call times
 * out: it is not lied to.
 */
static void imgsec_rpc_nat_refuse(struct imgsec_rpc_ctx *ctx)
{
	struct imgsec_rpc_conn *conn = ctx->help->conn;
	struct imgsec_rpc_nat_seg *nat = &conn->nat;
	u32 from = ctx->seq, to = ctx->seq + ctx->seg_len;

	/* Farther back than any window (2^30): acknowledged, not sent again. */
	if (nat->valid && before(nat->seq, from) && from - nat->seq < SZ_1G)
		from = nat->seq;
	if (conn->head.valid && before(conn->head.seq, from) &&
	    from - conn->head.seq < SZ_1G)
		from = conn->head.seq;
	if (conn->plan.pending && after(conn->plan.rec_end, to))
		to = conn->plan.rec_end;
	conn->head.valid = false;
	conn->plan.pending = false;
	*nat = (struct imgsec_rpc_nat_seg) {
		.seq = from,
		.len = to - from,
		.valid = true,
		.refused = true,
	};
}

/*
 * Whether the reply segment just fed ends cut inside a record's uaddr, as
 * imgsec_rpc_nat_plan() takes it: a record of one fragment (its mark in
 * this segment, new: imgsec_rpc_tcp_locate(); not in a fragment before),
 * read (not too long), whose rest fits in a segment as long as this one.
 */
static bool imgsec_rpc_nat_cut(const struct imgsec_rpc_ctx *ctx,
			       const struct rpc_stream *s)
{
	return (ctx->ct->status & IPS_DST_NAT) && !ctx->delta &&
	       !ctx->refuse && !s->desynced && !s->skipping &&
	       s->hdr_len == sizeof(s->hdr) && s->last_frag &&
	       s->frag_left && s->frag_left <= ctx->seg_len &&
	       s->next_seq == ctx->seq + ctx->seg_len &&
	       s->next_seq - s->rec_seq == sizeof(__be32) + s->rec_len &&
	       s->rec_seq - ctx->seq < ctx->seg_len &&
	       !before(s->rec_seq, ctx->fresh) && ctx->seg_len <= U16_MAX;
}

/*
 * A reply record cut inside its uaddr, after the uaddr's XDR length: held
 * back until whole, the client would wait on the server's retransmission
 * timer, so the record is rewritten across two segments. This one, the
 * head, keeps its length: its mark and XDR length take what the record
 * rewritten will have, its characters of the uaddr the client's address's
 * (imgsec_rpc_nat_uaddr()). That is foretold from the evidence here: the
 * characters begin the server's own address, and the length fits that
 * address and a port. The rest must come in the next segment, which takes
 * the whole change (imgsec_rpc_nat_rest()); if it does not, or the record
 * proves another (another address, a moved port of another length, a
 * reply that opens nothing), that segment is dropped, every copy: the
 * client was told the head, and stalls. Behind DNAT only, for a reply that
 * would open (rpc_pending_peek()), under every rewrite's rule
 * (imgsec_rpc_nat_tcp_may()).
 */
static void imgsec_rpc_nat_plan(struct imgsec_rpc_ctx *ctx)
{
	const struct nf_conntrack_tuple_hash *tuples = ctx->ct->tuplehash;
	char old[IMGSEC_RPC_UADDR_TEXT], new[IMGSEC_RPC_UADDR_TEXT];
	u8 family = nf_ct_l3num(ctx->ct) == NFPROTO_IPV6 ? 6 : 4;
	struct imgsec_rpc_conn *conn = ctx->help->conn;
	const struct rpc_stream *s = &conn->streams[IP_CT_DIR_REPLY];
	struct imgsec_rpc_nat_seg head = {
		.seq = ctx->seq,
		.len = ctx->seg_len,
		.valid = true,
		.marked = true,
	};
	u32 xid, result_off, len, new_len, done;
	struct rpc_lookup call;
	const u8 *uaddr;
	__be32 xdr_len;
	int lo, ln;

	if (conn->plan.pending || !imgsec_rpc_nat_cut(ctx, s) ||
	    rpc_reply_head(s->buf, s->rec_len, &xid, &result_off) != RPC_OK ||
	    s->rec_len < result_off + sizeof(__be32) ||
	    !rpc_pending_peek(&conn->pending, xid, &call) ||
	    call.vers == 2 || call.family != family)
		return;
	len = imgsec_get_be32(s->buf + result_off);
	uaddr = s->buf + result_off + sizeof(__be32);
	done = s->rec_len - result_off - sizeof(__be32);
	lo = imgsec_rpc_addr_text(family, &tuples[IP_CT_DIR_REPLY].tuple.src.u3,
				  old);
	ln = imgsec_rpc_addr_text(family,
				  &tuples[IP_CT_DIR_ORIGINAL].tuple.dst.u3, new);
	/* The address not translated (DNAT of the port only): nothing to do. */
	if (lo == ln && !memcmp(old, new, lo))
		return;
	/*
	 * A port is ".0.0" to ".255.255". A record that may name the address
	 * the client asked already, needing no rewrite, is not foretold.
	 */
	if ((lo != ln && !memcmp(uaddr, new, done) && len >= ln + 4 &&
	     len <= ln + 8) ||
	    len < lo + 4 || len > lo + 8 || done > min(lo, ln) ||
	    s->rec_len + s->frag_left !=
	    result_off + sizeof(__be32) + round_up(len, 4) ||
	    memcmp(uaddr, old, done) || !imgsec_rpc_nat_tcp_may(ctx))
		return;
	new_len = len - lo + ln;
	head.mark_off = s->rec_seq - ctx->seq;
	head.match_off = head.mark_off + sizeof(__be32) + result_off;
	head.match_len = sizeof(__be32) + done;
	head.rep_len = head.match_len;
	xdr_len = htonl(new_len);
	memcpy(head.rep, &xdr_len, sizeof(xdr_len));
	memcpy(head.rep + sizeof(xdr_len), new, done);
	head.mark = htonl(RPC_RECORD_LAST |
			  (result_off + sizeof(__be32) + round_up(new_len, 4)));
	head.csum = skb_checksum(ctx->skb, ctx->dataoff, ctx->seg_len, 0);
	if (!imgsec_rpc_nat_seg_mangle(ctx, &head, 0))
		return;
	conn->head = head;
	conn->plan = (struct imgsec_rpc_nat_plan) {
		.rec_end = s->next_seq + s->frag_left,
		.pending = true,
	};
}

/*
 * A reply segment with bytes past a planned head, read without the rest
 * rewritten (imgsec_rpc_nat_rest()): a part of the rest only (its
 * characters would reach the client as they came, and a later copy of the
 * rest, rewritten, would not replace them), a record that opened nothing
 * after all, bytes past a gap. The head lied: the segment is refused.
 */
static void imgsec_rpc_nat_unplanned(struct imgsec_rpc_ctx *ctx)
{
	const struct imgsec_rpc_conn *conn = ctx->help->conn;

	if (!conn->plan.pending ||
	    !after(ctx->seq + ctx->seg_len, conn->head.seq + conn->head.len))
		return;
	/* Counted already if refused for its moved port. */
	if (!ctx->refuse)
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_NAT_FAILED);
	ctx->refuse = true;
}

/*
 * NF_DROP for a reply segment past a gap behind DNAT, or overlapping a
 * rewritten or refused one (see there).
 */
static int imgsec_rpc_tcp(struct imgsec_rpc_ctx *ctx,
			  struct sk_buff *skb, unsigned int protoff,
			  enum ip_conntrack_info ctinfo)
{
	struct rpc_stream_stats st = {};
	const struct tcphdr *th;
	unsigned int from = 0;
	struct tcphdr _th;

	th = skb_header_pointer(skb, protoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	/*
	 * Urgent data: the receiving socket takes the urgent byte out of
	 * the stream (unless SO_OOBINLINE), the helper would not, and the
	 * two would read different records.
	 */
	if (th->urg) {
		imgsec_rpc_tcp_untrust(ctx);
		return NF_ACCEPT;
	}
	/* A SYN's data is not the stream followed (see above). */
	if (th->syn) {
		imgsec_rpc_tcp_syn(ctx, th);
		return NF_ACCEPT;
	}
	/* Before confirmation, maybe never confirmed (a pickup mid-stream). */
	if (ctinfo == IP_CT_NEW)
		return NF_ACCEPT;
	imgsec_rpc_tcp_ack(ctx, th);
	ctx->dataoff = protoff + th->doff * 4;
	if (ctx->help->conn) {
		imgsec_rpc_tcp_acked(ctx, th);
		imgsec_rpc_tcp_done(ctx, th);
	}
	if (ctx->dataoff >= skb->len)
		return NF_ACCEPT;
	if (imgsec_rpc_nat_gone(ctx, th, skb->len - ctx->dataoff))
		return NF_DROP;
	if (ctx->help->conn) {
		imgsec_rpc_conn_used(&ctx->in->rpc, ctx->help);
	} else {
		if (!imgsec_rpc_tcp_follow(ctx, ntohl(th->seq)))
			return NF_ACCEPT;
		imgsec_rpc_tcp_acked(ctx, th);
	}
	ctx->seq = ntohl(th->seq);
	ctx->seg_len = skb->len - ctx->dataoff;
	if (ctx->dir == IP_CT_DIR_REPLY && imgsec_rpc_tcp_ahead(ctx)) {
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_NAT_GAPS);
		return NF_DROP;
	}
	if (ctx->dir == IP_CT_DIR_REPLY && !imgsec_rpc_nat_again(ctx, &from))
		return NF_DROP;
	imgsec_rpc_tcp_feed(ctx, from, &st);
	if (ctx->dir == IP_CT_DIR_REPLY) {
		imgsec_rpc_nat_unplanned(ctx);
		imgsec_rpc_nat_plan(ctx);
	}
	if (ctx->refuse) {
		imgsec_rpc_nat_refuse(ctx);
		return NF_DROP;
	}
	if (st.oversized || st.desyncs)
		imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_PARSE_ERRORS);
	/*
	 * Calls the helper cannot read (a record too long hides what follows
	 * it until its end), missed, or saw twice (the server may have taken
	 * the other copy): it cannot vouch for the replies.
	 */
	if (ctx->dir == IP_CT_DIR_ORIGINAL &&
	    (st.oversized || st.desyncs || st.overlaps))
		imgsec_rpc_distrust(ctx);
	return NF_ACCEPT;
}

/*
 * The packets the helper reads: a related packet (an ICMP error about the
 * connection) carries no RPC, only its quote of one; a TCP stream is read
 * once established (a SYN only says where it starts); and a reply that
 * comes in by the interface the client's packets come in by is no reply of
 * the server's (a router would forward a forged one), and is counted.
 */
static bool imgsec_rpc_reads(struct imgsec_rpc_ctx *ctx,
			     const struct sk_buff *skb,
			     enum ip_conntrack_info ctinfo)
{
	switch (ctinfo) {
	case IP_CT_NEW:
		ctx->help->client_iif = skb->skb_iif;
		return true;
	case IP_CT_ESTABLISHED:
		return true;
	case IP_CT_ESTABLISHED_REPLY:
		if (skb->skb_iif && skb->skb_iif == ctx->help->client_iif) {
			imgsec_rpc_count(ctx->in, IMGSEC_RPC_STATS_A_WRONG_SIDE);
			return false;
		}
		return true;
	default:
		return false;
	}
}

static int imgsec_rpc_help(struct sk_buff *skb, unsigned int protoff,
			   struct nf_conn *ct, enum ip_conntrack_info ctinfo)
{
	struct imgsec_rpc_ctx ctx = {
		.ct = ct,
		.in = imgsec_net(nf_ct_net(ct)),
		.help = nfct_help_data(ct),
		.dir = CTINFO2DIR(ctinfo),
		.ctinfo = ctinfo,
		.skb = skb,
		.protoff = protoff,
	};
	bool udp = nf_ct_protonum(ct) == IPPROTO_UDP;
	struct nf_conn *twins[IMGSEC_RPC_MAX_TWINS];
	int verdict = NF_ACCEPT;
	bool first = false;
	struct rpc_slot mine;
	int n = 0;

	spin_lock_bh(&ctx.in->rpc.lock);
	imgsec_rpc_clash_prune(&ctx.in->rpc);
	if (!imgsec_rpc_reads(&ctx, skb, ctinfo))
		goto out;
	if (!udp) {
		verdict = imgsec_rpc_tcp(&ctx, skb, protoff, ctinfo);
		goto out;
	}
	/* A UDP flow's first packet: its entry may have twins. */
	first = !nf_ct_is_confirmed(ct);
	if (first) {
		n = imgsec_rpc_clash_keep(&ctx.in->rpc, ct, twins);
		if (n == -EAGAIN) {
			spin_unlock_bh(&ctx.in->rpc.lock);
			imgsec_rpc_clash_reclaim(ctx.in);
			spin_lock_bh(&ctx.in->rpc.lock);
			n = imgsec_rpc_clash_keep(&ctx.in->rpc, ct, twins);
		}
		if (n < 0) {
			imgsec_rpc_count(ctx.in, IMGSEC_RPC_STATS_A_FIRST_DROPPED);
			spin_unlock_bh(&ctx.in->rpc.lock);
			return NF_DROP;
		}
	}
	imgsec_rpc_udp(&ctx, skb, protoff);
	if (ctx.refuse)
		verdict = NF_DROP;
	if (first) {
		mine = ctx.help->udp;
		imgsec_rpc_clash_share(ctx.in, ct, &mine, twins, n);
	}
out:
	spin_unlock_bh(&ctx.in->rpc.lock);
	if (first)
		imgsec_rpc_clash_confirmed(ctx.in, ct, &mine, twins, n);
	return verdict;
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
	unsigned int seq, n;

	do {
		seq = read_seqbegin(&imgsec_rpc_programs_lock);
		n = rpc_nprograms;
		memcpy(progs, rpc_programs, n * sizeof(*progs));
	} while (read_seqretry(&imgsec_rpc_programs_lock, seq));
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
	write_seqlock_bh(&imgsec_rpc_programs_lock);
	memcpy(rpc_programs, progs, n * sizeof(*progs));
	rpc_nprograms = n;
	write_sequnlock_bh(&imgsec_rpc_programs_lock);
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
	BUILD_BUG_ON(IP_CT_DIR_ORIGINAL != 0 || IP_CT_DIR_REPLY != 1);
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

	imgsec_rpc_helper_setup(0, AF_INET, IPPROTO_UDP);
	imgsec_rpc_helper_setup(1, AF_INET, IPPROTO_TCP);
	imgsec_rpc_helper_setup(2, AF_INET6, IPPROTO_UDP);
	imgsec_rpc_helper_setup(3, AF_INET6, IPPROTO_TCP);
	ret = nf_conntrack_helpers_register(imgsec_rpc_helpers,
					    ARRAY_SIZE(imgsec_rpc_helpers));
	if (ret < 0)
		return ret;
	WRITE_ONCE(imgsec_rpc_registered, true);
	return 0;
}

/*
 * Unregistering takes the helper off every entry without ->destroy; their
 * states are freed with the namespaces' (imgsec_rpc_net_exit()).
 */
void imgsec_rpc_helper_exit(void)
{
	/* After this grace period no hook can attach the helper again. */
	WRITE_ONCE(imgsec_rpc_registered, false);
	synchronize_rcu();
	nf_conntrack_helpers_unregister(imgsec_rpc_helpers,
					ARRAY_SIZE(imgsec_rpc_helpers));
}
