// SPDX-License-Identifier: GPL-2.0
// sources: module/rpc.c
/*
 * libFuzzer target for the portmap/rpcbind parsers (module/rpc.c).
 *
 * The same input is read five ways: as a call; as a reply to a v2, v3 and
 * v4 lookup of either family; as a universal address of either family
 * (checked against glibc's inet_pton()); as a TCP byte stream fed in
 * fuzzer-chosen pieces, with retransmissions, overlaps and a gap (checked
 * against the same stream fed whole); and as a list of operations on a
 * pending-call table (checked against its invariants). Sanitizers catch
 * bad reads; abort() marks a broken invariant.
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
	enum rpc_result r;
	u32 xid = 0;
	size_t i;

	r = rpc_reply_xid(data, size, &xid);
	ASSERT(r == RPC_OK || r == RPC_MALFORMED);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		call = (struct rpc_lookup){ .xid = xid, .vers = kinds[i].vers,
					    .family = kinds[i].family };
		if (rpc_parse_reply(data, size, &call, &ans) != RPC_OK)
			continue;
		ASSERT(r == RPC_OK);
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
	ASSERT(parts.next_seq == whole.next_seq || !len);
}

/* ---- pending calls ---- */

static unsigned int pending_count(const struct rpc_pending *p, u32 xid)
{
	unsigned int i, n = 0;

	for (i = 0; i < RPC_MAX_PENDING; i++)
		n += (p->used >> i & 1) && p->calls[i].xid == xid;
	return n;
}

static void fuzz_pending(const u8 *data, size_t size)
{
	struct rpc_pending p = { .used = 0 };
	struct rpc_lookup call = { .vers = 2 }, out;
	unsigned int before, full;
	size_t i;
	u32 xid;

	for (i = 0; i < size; i++) {
		xid = data[i] >> 1 & 0x1f;	/* few xids: many repeats */
		before = pending_count(&p, xid);
		ASSERT(before <= 1);
		full = __builtin_popcount(p.used) == RPC_MAX_PENDING;
		if (data[i] & 1) {
			call.xid = xid;
			call.prog = i;
			ASSERT(rpc_pending_add(&p, &call) == (full && !before));
			ASSERT(pending_count(&p, xid) == 1);
		} else {
			ASSERT(rpc_pending_take(&p, xid, &out) == before);
			ASSERT(!before || out.xid == xid);
			ASSERT(pending_count(&p, xid) == 0);
		}
		ASSERT(p.next < RPC_MAX_PENDING);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_call(data, size);
	fuzz_reply(data, size);
	fuzz_uaddr(data, size);
	fuzz_stream(data, size);
	fuzz_pending(data, size);
	return 0;
}
