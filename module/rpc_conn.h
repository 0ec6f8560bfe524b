/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the imgsec-rpc helper keeps per conntrack entry, and the bounded,
 * per-namespace store of its TCP state (rpc_conn.c).
 */
#ifndef _IMGSEC_RPC_CONN_H
#define _IMGSEC_RPC_CONN_H

#include <linux/list.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "imgsec.h"
#include "rpc.h"

/* An IPv6 uaddr is at most 46 characters ("ffff:...:255.255.255.255.p.p"). */
#define IMGSEC_RPC_UADDR_TEXT	64

/*
 * The last reply segment rewritten for NAT (helper.c), as the server sent
 * it: a retransmission of it is rewritten again the same way. Offsets are
 * into its payload.
 */
struct imgsec_rpc_nat_seg {
	u32 seq;			/* its first byte, the server's numbering */
	u32 len;			/* its payload's length */
	__wsum csum;			/* its payload's checksum */
	u16 mark_off;			/* the record mark */
	u16 match_off;			/* the result: uaddr (XDR length on), port */
	u16 match_len;
	u8 rep_len;
	bool valid;
	bool marked;			/* the record mark is in it */
	bool refused;			/* dropped, every copy (helper.c) */
	__be32 mark;			/* the mark rewritten */
	u8 rep[4 + IMGSEC_RPC_UADDR_TEXT];	/* the uaddr rewritten */
};

/*
 * A reply record cut inside its uaddr, rewritten across two segments
 * (helper.c): its head, kept in imgsec_rpc_conn.head, told the client the
 * uaddr's new XDR length and first characters (head.rep); the rest must
 * take what follows.
 */
struct imgsec_rpc_nat_plan {
	u32 rec_end;			/* the byte after the record */
	bool pending;			/* the rest not yet rewritten */
};

/* One portmap TCP connection's record streams and calls awaiting replies. */
struct imgsec_rpc_conn {
	struct hlist_node node;		/* in imgsec_rpc_net.clients */
	struct list_head lru;		/* in imgsec_rpc_net.lru */
	struct nf_conn *ct;		/* its entry; a reference is held */
	struct rpc_pending pending;
	struct imgsec_rpc_nat_seg nat;
	struct imgsec_rpc_nat_seg head;	/* before nat, or planned */
	struct imgsec_rpc_nat_plan plan;
	u32 acked;			/* the client's highest ACK, as it sent it */
	bool acked_known;
	bool liberal;			/* made the client's side so (helper.c) */
	u32 liberal_until;		/* till its ACK reaches this, as it came */
	u32 fin_seq;			/* the server's FIN, as it sent it */
	bool fin_seen;
	struct rpc_stream streams[2];	/* by direction */
};

/* Where a TCP connection's streams start, from its SYN and SYN-ACK. */
struct imgsec_rpc_tcp_start {
	u32 seq[2];			/* by direction: the byte after SYN */
	u8 known;			/* bit per direction: seq[] is set */
	bool lost;			/* not followed from its start: never */
	/*
	 * The state went (evicted) with a rewritten reply segment in it
	 * (struct imgsec_rpc_nat_seg): the server's first byte of it and
	 * its length, which helper.c then drops (it could not rewrite them
	 * again).
	 */
	bool nat_gone;
	u32 nat_seq;
	u32 nat_len;
};

/*
 * In the conntrack helper extension's private area. A UDP client socket
 * asks one thing at a time: its calls live here, so UDP, where addresses
 * are cheap to forge, costs no memory at all.
 */
struct imgsec_rpc_help {
	struct imgsec_rpc_conn *conn;	/* TCP, while followed */
	int client_iif;			/* the client's packets come in by */
	union {
		struct rpc_slot udp;
		struct imgsec_rpc_tcp_start tcp;
	};
};

bool imgsec_rpc_is_ours(const struct nf_conntrack_helper *helper);
int imgsec_rpc_conn_init(void);
void imgsec_rpc_conn_exit(void);
/* All four with rn->lock held. */
int imgsec_rpc_conn_attach(struct imgsec_rpc_net *rn, struct nf_conn *ct,
			   struct imgsec_rpc_help *help);
void imgsec_rpc_conn_used(struct imgsec_rpc_net *rn,
			  struct imgsec_rpc_help *help);
void imgsec_rpc_conn_detach(struct imgsec_rpc_net *rn,
			    struct imgsec_rpc_help *help);
/*
 * The client's side of @conn's entry liberal to conntrack's TCP window
 * check (@on, helper.c says why), or strict again if @conn made it so: a
 * flag another set (ctnetlink) is left as it is. Also on freeing @conn.
 */
void imgsec_rpc_conn_liberal(struct imgsec_rpc_conn *conn, bool on);

/*
 * rpc_clash.c, for @ct, a UDP entry not yet confirmed, at its first packet.
 * With rn->lock held, before the packet is read: imgsec_rpc_clash_keep()
 * keeps @ct (or, shared by copies of its packet, marks its flow) and
 * returns in @twins (IMGSEC_RPC_MAX_TWINS) the entries of its flow on their
 * way to confirmation, referenced; or -EAGAIN (no room for a mark: call
 * imgsec_rpc_clash_reclaim() without the lock, then this again once), or
 * -ENOSPC (too many at once, or a twin of a marked flow): then the packet
 * must be dropped unread. Once read, @mine its ledger then,
 * imgsec_rpc_clash_share() notes the twins' calls on @ct's ledger and
 * @mine on theirs. Then, without the lock (the lookup may delete an expired
 * entry, whose ->destroy takes it), imgsec_rpc_clash_confirmed() notes
 * @mine on the flow's entry confirmed meanwhile, if any, and lets @twins go.
 */
int imgsec_rpc_clash_keep(struct imgsec_rpc_net *rn, struct nf_conn *ct,
			  struct nf_conn **twins);
void imgsec_rpc_clash_share(struct imgsec_net *in, struct nf_conn *ct,
			    const struct rpc_slot *mine,
			    struct nf_conn **twins, int n);
void imgsec_rpc_clash_confirmed(struct imgsec_net *in, struct nf_conn *ct,
				const struct rpc_slot *mine,
				struct nf_conn **twins, int n);
/* With rn->lock held: lets go of those confirmed or dropped since. */
void imgsec_rpc_clash_prune(struct imgsec_rpc_net *rn);
/* Without rn->lock: lets go of the marks of flows confirmed since. */
void imgsec_rpc_clash_reclaim(struct imgsec_net *in);
int imgsec_rpc_clash_init(struct imgsec_rpc_net *rn);
void imgsec_rpc_clash_free(struct imgsec_rpc_net *rn);
void imgsec_rpc_clash_exit(struct imgsec_rpc_net *rn);

#endif /* _IMGSEC_RPC_CONN_H */
