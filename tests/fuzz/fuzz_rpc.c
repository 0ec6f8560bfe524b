// SPDX-License-Identifier: GPL-2.0
// sources: module/rpc.c
/*
 * libFuzzer target for the portmap/rpcbind parsers (module/rpc.c).
 *
 * The same input is read five ways: as a call; as a reply to a v2, v3 and
 * v4 lookup of either family; as a universal address of either family
 * (checked against glibc's inet_pton()); as a TCP byte stream fed in
 * fuzzer-chosen pieces, with retransmissions, overlaps and a gap (checked
 * against the same stream fed whole); and as a list of calls and replies
 * given to the TCP and the UDP call ledgers, checked against what a reply
 * may do whatever the ledger: open a port only when every call outstanding
 * with its xid was the same allowed lookup. Sanitizers catch bad reads;
 * abort() marks a broken invariant.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "rpc.h"

#define ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);					\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every record the stream code hands over is parsed both ways too. */
static void parse_record(const u8 *rec, size_t len)
{
	struct rpc_lookup call;
	struct rpc_answer ans;
	u32 xid;

	if (rpc_parse_call(rec, len, &call) == RPC_OK)
		ASSERT(call.vers >= 2 && call.vers <= 4);
	if (rpc_reply_xid(rec, len, &xid) == RPC_OK) {
		call = (struct rpc_lookup){ .xid = xid, .vers = 4,
					    .family = 4 };
		rpc_parse_reply(rec, len, &call, &ans);
	}
}

static void fuzz_call(const u8 *data, size_t size)
{
	struct rpc_lookup call;

	if (rpc_parse_call(data, size, &call) != RPC_OK)
		return;
	ASSERT(call.prog != RPC_PMAP_PROGRAM);
	ASSERT(call.proto == 6 || call.proto == 17);
	if (call.vers == 2)
		ASSERT(call.family == 0);
	else
		ASSERT((call.vers == 3 || call.vers == 4) &&
		       (call.family == 4 || call.family == 6));
	ASSERT(size >= 40);
}

static void fuzz_reply(const u8 *data, size_t size)
{
	static const struct { u32 vers; u8 family; } kinds[] = {
		{ 2, 0 }, { 3, 4 }, { 3, 6 }, { 4, 4 }, { 4, 6 },
	};
	struct rpc_lookup call;
	struct rpc_answer ans;
	enum rpc_result r, h;
	u32 xid = 0, hxid = 0, off = 0;
	size_t i;

	r = rpc_reply_xid(data, size, &xid);
	ASSERT(r == RPC_OK || r == RPC_MALFORMED);
	/* The head of a record not yet whole: within it, and the same xid. */
	h = rpc_reply_head(data, size, &hxid, &off);
	if (h == RPC_OK)
		ASSERT(r == RPC_OK && hxid == xid && off >= 24 && off <= size);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		call = (struct rpc_lookup){ .xid = xid, .vers = kinds[i].vers,
					    .family = kinds[i].family };
		if (rpc_parse_reply(data, size, &call, &ans) != RPC_OK)
			continue;
		ASSERT(r == RPC_OK);
		/* What the whole record says of its result, its head says. */
		ASSERT(h == RPC_OK && off == ans.result_off);
		if (ans.has_addr)
			ASSERT(call.vers != 2 && ans.family == call.family);
		else
			ASSERT(call.vers == 2 || ans.port == 0);
	}
}

/*
 * Whatever is accepted, glibc reads as the same address; an IPv4 uaddr
 * has one spelling only, so printing it back gives the input.
 */
static void fuzz_uaddr(const u8 *data, size_t size)
{
	char s[160], back[64], host[160];
	u8 addr[16], ref[16] = { 0 };
	size_t dots = 0, n;
	u16 port;

	if (size >= sizeof(s))
		return;
	memcpy(s, data, size);
	if (!rpc_parse_uaddr(s, size, 4, addr, &port)) {
		snprintf(back, sizeof(back), "%u.%u.%u.%u.%u.%u", addr[0],
			 addr[1], addr[2], addr[3], port >> 8, port & 0xff);
		ASSERT(strlen(back) == size && !memcmp(back, s, size));
	}
	if (rpc_parse_uaddr(s, size, 6, addr, &port))
		return;
	for (n = size; n && dots < 2; n--)
		dots += s[n - 1] == '.';
	memcpy(host, s, n);
	host[n] = 0;
	ASSERT(inet_pton(AF_INET6, host, ref) == 1);
	ASSERT(!memcmp(ref, addr, 16));
}

/* ---- streams ---- */

#define MAX_RECS 64

struct recs {
	unsigned int n;
	size_t len[MAX_RECS];
	u64 hash[MAX_RECS];
};

static void collect(void *ctx, const u8 *rec, size_t len)
{
	struct recs *r = ctx;
	u64 h = 0xcbf29ce484222325ull;
	size_t i;

	ASSERT(len <= RPC_MAX_RECORD);
	for (i = 0; i < len; i++)
		h = (h ^ rec[i]) * 0x100000001b3ull;
	if (r->n < MAX_RECS) {
		r->len[r->n] = len;
		r->hash[r->n] = h;
	}
	r->n++;
	parse_record(rec, len);
}

static bool recs_prefix(const struct recs *a, const struct recs *b)
{
	unsigned int i;

	if (a->n > b->n)
		return false;
	for (i = 0; i < a->n && i < MAX_RECS; i++)
		if (a->len[i] != b->len[i] || a->hash[i] != b->hash[i])
			return false;
	return true;
}

/* Feed an exact-size copy so that ASan sees any read past the segment. */
static void feed(struct rpc_stream *s, u32 seq, const u8 *data, size_t len,
		 struct recs *r, struct rpc_stream_stats *st)
{
	u8 *copy = malloc(len ? len : 1);

	/* As the helper starts it: where the first byte is. */
	if (!s->started)
		rpc_stream_start(s, seq);
	memcpy(copy, data, len);
	rpc_stream_feed(s, seq, copy, len, collect, r, st);
	free(copy);
}

/*
 * Input: seq (4 bytes), n, n control bytes, then the stream. Each control
 * byte feeds the next (c & 0x1f) + 1 bytes; with 0x80 the segment starts
 * up to 31 bytes early (an overlap), with 0x40 an old piece is sent again
 * first, and with both set one byte is lost (a gap).
 */
static void fuzz_stream(const u8 *data, size_t size)
{
	static struct rpc_stream whole, parts;
	struct rpc_stream_stats st_whole = { 0 }, st_parts = { 0 };
	struct recs r_whole = { 0 }, r_parts = { 0 };
	const u8 *ctl, *stream;
	size_t nctl, len, off = 0, i, n, back;
	bool gap = false;
	u32 seq;

	if (size < 5)
		return;
	seq = imgsec_get_be32(data);
	nctl = data[4];
	if (size - 5 < nctl)
		return;
	ctl = data + 5;
	stream = ctl + nctl;
	len = size - 5 - nctl;

	memset(&whole, 0, sizeof(whole));
	memset(&parts, 0, sizeof(parts));
	feed(&whole, seq, stream, len, &r_whole, &st_whole);
	ASSERT(st_whole.records == r_whole.n && !st_whole.desyncs);

	for (i = 0; i < nctl && off < len; i++) {
		n = (ctl[i] & 0x1f) + 1;
		back = off < (size_t)(ctl[i] >> 2 & 0x1f) ?
		       off : (size_t)(ctl[i] >> 2 & 0x1f);
		if (n > len - off)
			n = len - off;
		if ((ctl[i] & 0xc0) == 0xc0 && off && off + 1 < len) {
			off++;		/* lose a byte */
			gap = true;
			if (n > len - off)
				n = len - off;
		} else if (ctl[i] & 0x40) {
			feed(&parts, seq + off - back, stream + off - back,
			     back, &r_parts, &st_parts);
		} else if (ctl[i] & 0x80) {
			feed(&parts, seq + off - back, stream + off - back,
			     back + n, &r_parts, &st_parts);
			off += n;
			continue;
		}
		feed(&parts, seq + off, stream + off, n, &r_parts, &st_parts);
		off += n;
	}
	feed(&parts, seq + off, stream + off, len - off, &r_parts, &st_parts);

	ASSERT(recs_prefix(&r_parts, &r_whole));
	if (gap) {
		ASSERT(st_parts.desyncs == 1 && parts.desynced);
		return;
	}
	ASSERT(!st_parts.desyncs && r_parts.n == r_whole.n);
	ASSERT(st_parts.too_long == st_whole.too_long);
	ASSERT(st_parts.oversized == st_whole.oversized);
	ASSERT(parts.next_seq == whole.next_seq || !len);
}

/* ---- what replies may do ---- */

/*
 * Per xid, since the last time none of its calls was outstanding: how
 * many are (a server answers each call once), whether they were all the
 * same call, and which. Independent of how a ledger remembers.
 */
struct xid_history {
	unsigned int outstanding;
	bool mixed;
	bool allowed;
	struct rpc_lookup first;
};

static bool same_call(const struct rpc_lookup *a, const struct rpc_lookup *b)
{
	return a->xid == b->xid && a->vers == b->vers && a->prog == b->prog &&
	       a->proto == b->proto && a->family == b->family;
}

static void history_call(struct xid_history *h, const struct rpc_lookup *c,
			 bool allowed)
{
	if (!h->outstanding) {
		h->first = *c;
		h->allowed = allowed;
		h->mixed = false;
	} else if (!same_call(c, &h->first) || allowed != h->allowed) {
		h->mixed = true;
	}
	h->outstanding++;
}

static void history_reply(struct xid_history *h, enum rpc_verdict v,
			  const struct rpc_lookup *out)
{
	if (v == RPC_OPEN)
		ASSERT(h->outstanding && !h->mixed && h->allowed &&
		       same_call(out, &h->first));
	if (h->outstanding)
		h->outstanding--;
}

/*
 * Each byte: a call (bit 0 set) or a reply, for one of 16 xids; a call is
 * of one of two programs, allowed or not, or not a lookup at all.
 */
static void fuzz_ledgers(const u8 *data, size_t size)
{
	static struct xid_history tcp_h[16], udp_h[16];
	struct rpc_pending p = { .used = 0 };
	struct rpc_slot slot = { .outstanding = 0 };
	struct rpc_lookup c, out;
	enum rpc_verdict v;
	bool allowed, lookup;
	size_t i;
	u32 xid;

	memset(tcp_h, 0, sizeof(tcp_h));
	memset(udp_h, 0, sizeof(udp_h));
	for (i = 0; i < size; i++) {
		xid = data[i] >> 1 & 0xf;
		if (data[i] & 1) {
			lookup = !(data[i] & 0x20);
			allowed = lookup && data[i] & 0x40;
			c = (struct rpc_lookup){ .xid = xid, .vers = 2,
				.prog = data[i] & 0x80 ? 100005 : 100021,
				.proto = 17 };
			if (!lookup)
				c = (struct rpc_lookup){ .xid = xid };
			rpc_pending_call(&p, xid, lookup ? &c : NULL,
					 allowed);
			history_call(&tcp_h[xid], &c, allowed);
			rpc_slot_call(&slot, xid, lookup ? &c : NULL, allowed);
			history_call(&udp_h[xid], &c, allowed);
		} else {
			v = rpc_pending_reply(&p, xid, &out);
			history_reply(&tcp_h[xid], v, &out);
			v = rpc_slot_reply(&slot, xid, &out);
			history_reply(&udp_h[xid], v, &out);
		}
		ASSERT(__builtin_popcount(p.used) <= RPC_MAX_PENDING);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_call(data, size);
	fuzz_reply(data, size);
	fuzz_uaddr(data, size);
	fuzz_stream(data, size);
	fuzz_ledgers(data, size);
	return 0;
}
