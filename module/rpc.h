/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure parsers for SUN RPC portmap (v2) and rpcbind (v3, v4) lookups:
 * RFC 5531 (RPC), RFC 1833 (portmap/rpcbind), RFC 5665 (universal addresses).
 * Everything works on (buffer, length); nothing is read before its length is
 * checked. No kernel types: the same code is unit-tested and fuzzed in
 * userspace.
 */
#ifndef _IMGSEC_RPC_H
#define _IMGSEC_RPC_H

#include "portable.h"

#define RPC_PMAP_PROGRAM	100000
#define RPC_NFS_PROGRAM		100003
#define RPC_MOUNT_PROGRAM	100005

#define RPC_PMAP_PORT		111
#define RPC_MAX_AUTH_BYTES	400	/* RFC 5531 */
#define RPC_MAX_RECORD		1024	/* larger TCP records are skipped */
#define RPC_MAX_PENDING		8	/* outstanding calls per connection */
#define RPC_RECORD_LAST		0x80000000u	/* RFC 5531 section 11 */

enum rpc_result {
	RPC_OK,			/* a lookup call or reply, filled in */
	RPC_NOT_LOOKUP,		/* well-formed, but nothing to act on */
	RPC_MALFORMED,		/* not understood: ignore and count */
};

/* A GETPORT / GETADDR / GETVERSADDR call, as much as the reply needs. */
struct rpc_lookup {
	u32 xid;
	u32 vers;	/* portmap/rpcbind version: 2, 3 or 4 */
	u32 prog;	/* program asked about */
	u8 proto;	/* IPPROTO_TCP or IPPROTO_UDP asked for */
	u8 family;	/* 0 for v2; 4 or 6 from the rpcbind netid */
};

/* What a matched reply said. */
struct rpc_answer {
	u16 port;	/* 0: not registered */
	bool has_addr;	/* v3/v4: uaddr carried a host address */
	u8 family;	/* 4 or 6 when has_addr */
	u8 addr[16];	/* network order; IPv4 in the first 4 bytes */
	/*
	 * Where the result starts in the record: the port (v2) or the uaddr's
	 * XDR length (v3/v4). It runs to the record's end, padding included.
	 */
	u32 result_off;
};

/* Parse one RPC record sent to portmap/rpcbind. */
enum rpc_result rpc_parse_call(const u8 *buf, size_t len,
			       struct rpc_lookup *call);

/* Read the xid of a reply record (RPC_OK) before looking up its call. */
enum rpc_result rpc_reply_xid(const u8 *buf, size_t len, u32 *xid);

/*
 * The start of a reply record, maybe not whole yet: RPC_OK if it is an
 * accepted, successful reply up to its result, which starts at
 * *@result_off (rpc_answer).
 */
enum rpc_result rpc_reply_head(const u8 *buf, size_t len, u32 *xid,
			       u32 *result_off);

/* Parse a reply record to @call (same xid, already matched). */
enum rpc_result rpc_parse_reply(const u8 *buf, size_t len,
				const struct rpc_lookup *call,
				struct rpc_answer *ans);

/*
 * Parse a universal address (RFC 5665) of @family (4 or 6) of exactly @len
 * characters, no NUL needed. Returns 0, or -EINVAL for anything malformed.
 */
int rpc_parse_uaddr(const char *s, size_t len, u8 family, u8 addr[16],
		    u16 *port);

/*
 * What a reply may do. A reply names its call by xid only, so a port opens
 * only for the reply to a lookup of an allowed program that was the one
 * call outstanding with its xid, on a connection followed without losing a
 * byte: every call counts, allowed or not, lookup or not, and whatever the
 * helper could not follow makes the connection untrusted, after which
 * nothing it asks opens anything.
 */
enum rpc_verdict {
	RPC_UNMATCHED,		/* no call has this xid */
	RPC_REFUSED,		/* a call, whose reply opens nothing */
	RPC_OPEN,		/* the lookup, given back, may open its port */
};

/*
 * TCP: the calls awaiting their reply on one connection. RPC over TCP
 * never repeats an xid, and a server answers each call once.
 */
struct rpc_pending {
	struct rpc_lookup calls[RPC_MAX_PENDING];
	u8 used;		/* bitmap of valid calls[] */
	u8 refused;		/* bitmap: their reply opens nothing */
	bool untrusted;
};

/*
 * A call with @xid: @call the lookup or NULL (any other call), @allowed
 * whether its reply may open a port. An xid already outstanding or a full
 * table makes the connection untrusted. Returns false if it is untrusted.
 */
bool rpc_pending_call(struct rpc_pending *p, u32 xid,
		      const struct rpc_lookup *call, bool allowed);

/* Whether the reply to @xid would be RPC_OPEN (filling @call); no change. */
bool rpc_pending_peek(const struct rpc_pending *p, u32 xid,
		      struct rpc_lookup *call);

/* The reply to @xid takes its call out; RPC_OPEN fills @call. */
enum rpc_verdict rpc_pending_reply(struct rpc_pending *p, u32 xid,
				   struct rpc_lookup *call);

/*
 * UDP: one client socket's calls. It asks one thing at a time, and its
 * retransmissions repeat the xid and the call, each maybe answered.
 */
struct rpc_slot {
	struct rpc_lookup call;	/* only xid for a call not a lookup */
	u8 outstanding;		/* sent with call.xid, not yet answered */
	bool refused;		/* the reply opens nothing */
	bool untrusted;
};

/*
 * As rpc_pending_call(); anything but a retransmission while a call is
 * outstanding makes the socket's flow untrusted.
 */
bool rpc_slot_call(struct rpc_slot *s, u32 xid, const struct rpc_lookup *call,
		   bool allowed);

enum rpc_verdict rpc_slot_reply(struct rpc_slot *s, u32 xid,
				struct rpc_lookup *call);

/*
 * The calls outstanding on @src, another ledger of the same socket's
 * flow, noted on @dst as if they had come there (rpc_slot_call()).
 */
void rpc_slot_merge(struct rpc_slot *dst, const struct rpc_slot *src);

/*
 * TCP record marking (RFC 5531 section 11): one direction of a stream,
 * followed from where it starts (rpc_stream_start(): the byte after the
 * SYN), fed in sequence order. Records (all fragments joined) of at most
 * RPC_MAX_RECORD bytes are handed to the callback; longer ones are skipped
 * and counted. A gap in the sequence space stops the stream for good
 * (desynced): guessing where the next record starts is not safe. Bytes
 * seen again are counted (overlaps): the peer may have taken the second
 * copy, which the callback never sees.
 */
struct rpc_stream {
	u32 next_seq;		/* sequence number of the next byte wanted */
	u32 frag_left;		/* bytes left in the current fragment */
	u32 rec_len;		/* bytes of the record gathered in buf */
	u32 rec_seq;		/* where that record's (last) first mark starts */
	u8 hdr[4];		/* a record mark being gathered */
	u8 hdr_len;
	bool started;		/* next_seq is valid: followed */
	bool last_frag;		/* current fragment ends the record */
	bool skipping;		/* record too long: drop its bytes */
	bool desynced;
	u8 buf[RPC_MAX_RECORD];
};

struct rpc_stream_stats {
	u32 records;		/* records handed over */
	u32 oversized;		/* records found too long, at their mark */
	u32 too_long;		/* records skipped, at their end */
	u32 desyncs;		/* 1 when this feed lost the stream */
	u32 overlaps;		/* segments with bytes seen before */
};

typedef void (*rpc_record_fn)(void *ctx, const u8 *rec, size_t len);

/* Follow the stream from sequence number @seq on. */
void rpc_stream_start(struct rpc_stream *s, u32 seq);

/* Feed the payload of one segment starting at sequence number @seq. */
void rpc_stream_feed(struct rpc_stream *s, u32 seq, const u8 *data,
		     size_t len, rpc_record_fn fn, void *ctx,
		     struct rpc_stream_stats *st);

#endif /* _IMGSEC_RPC_H */
