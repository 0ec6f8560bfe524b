// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the portmap/rpcbind parsers (rpc.c), in the kernel's own
 * build. The packets are real: captured from mount.nfs (nfs-utils 2.6.2)
 * and rpcbind 1.2.6 on loopback (tests/data/rpc/README.md). The exhaustive
 * userspace tests are in tests/unit/test_rpc.c.
 */
#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/in.h>

#include "rpc.h"

/* mount.nfs: portmap v2 GETPORT for MOUNT v3 over UDP, AUTH_NULL. */
static const u8 getport_call[] = {
	0x6b, 0x0a, 0x84, 0xbe, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86, 0xa0,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x86, 0xa5, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00,
};

/* rpcbind's answer: port 49384. */
static const u8 getport_reply[] = {
	0x6b, 0x0a, 0x84, 0xbe, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc0, 0xe8,
};

/* mount.nfs over IPv6: rpcbind v4 GETADDR for MOUNT v3, netid udp6. */
static const u8 getaddr_call[] = {
	0x6b, 0x0b, 0x29, 0xa4, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86, 0xa0,
	0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x86, 0xa5, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x04, 'u', 'd', 'p', '6',
	0x00, 0x00, 0x00, 0x09, ':', ':', '1', '.',
	'0', '.', '1', '1', '1', 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

/* rpcbind's answer: "::1.227.255", port 58367. */
static const u8 getaddr_reply[] = {
	0x6b, 0x0b, 0x29, 0xa4, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0b, ':', ':', '1', '.',
	'2', '2', '7', '.', '2', '5', '5', 0x00,
};

static void rpc_test_getport(struct kunit *test)
{
	struct rpc_lookup call;
	struct rpc_answer ans;
	u32 xid;

	KUNIT_ASSERT_EQ(test, rpc_parse_call(getport_call, sizeof(getport_call),
					     &call), RPC_OK);
	KUNIT_EXPECT_EQ(test, call.xid, 0x6b0a84beU);
	KUNIT_EXPECT_EQ(test, call.vers, 2U);
	KUNIT_EXPECT_EQ(test, call.prog, (u32)RPC_MOUNT_PROGRAM);
	KUNIT_EXPECT_EQ(test, call.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, call.family, 0);

	KUNIT_ASSERT_EQ(test, rpc_reply_xid(getport_reply,
					    sizeof(getport_reply), &xid),
			RPC_OK);
	KUNIT_EXPECT_EQ(test, xid, call.xid);
	KUNIT_ASSERT_EQ(test, rpc_parse_reply(getport_reply,
					      sizeof(getport_reply), &call,
					      &ans), RPC_OK);
	KUNIT_EXPECT_EQ(test, ans.port, 49384);
	KUNIT_EXPECT_FALSE(test, ans.has_addr);
}

static void rpc_test_getaddr6(struct kunit *test)
{
	static const u8 loopback[16] = { [15] = 1 };
	struct rpc_lookup call;
	struct rpc_answer ans;

	KUNIT_ASSERT_EQ(test, rpc_parse_call(getaddr_call, sizeof(getaddr_call),
					     &call), RPC_OK);
	KUNIT_EXPECT_EQ(test, call.vers, 4U);
	KUNIT_EXPECT_EQ(test, call.prog, (u32)RPC_MOUNT_PROGRAM);
	KUNIT_EXPECT_EQ(test, call.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, call.family, 6);
	KUNIT_ASSERT_EQ(test, rpc_parse_reply(getaddr_reply,
					      sizeof(getaddr_reply), &call,
					      &ans), RPC_OK);
	KUNIT_EXPECT_EQ(test, ans.port, 58367);
	KUNIT_EXPECT_TRUE(test, ans.has_addr);
	KUNIT_EXPECT_EQ(test, ans.family, 6);
	KUNIT_EXPECT_EQ(test, memcmp(ans.addr, loopback, 16), 0);
}

/*
 * No prefix of a lookup is a lookup. Each prefix is copied to a buffer of
 * exactly its length so that KASAN would see a read past it.
 */
static void rpc_test_truncated(struct kunit *test)
{
	const struct {
		const u8 *call, *reply;
		size_t call_len, reply_len;
	} t[] = {
		{ getport_call, getport_reply,
		  sizeof(getport_call), sizeof(getport_reply) },
		{ getaddr_call, getaddr_reply,
		  sizeof(getaddr_call), sizeof(getaddr_reply) },
	};
	struct rpc_lookup call, full;
	struct rpc_answer ans;
	size_t i, n;
	u8 *buf;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_ASSERT_EQ(test, rpc_parse_call(t[i].call, t[i].call_len,
						     &full), RPC_OK);
		for (n = 0; n < t[i].call_len; n++) {
			buf = kunit_kmalloc(test, n + 1, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, buf);
			memcpy(buf, t[i].call, n);
			KUNIT_EXPECT_NE_MSG(test, rpc_parse_call(buf, n, &call),
					    RPC_OK, "call %zu, %zu bytes", i, n);
			kunit_kfree(test, buf);
		}
		for (n = 0; n < t[i].reply_len; n++) {
			buf = kunit_kmalloc(test, n + 1, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, buf);
			memcpy(buf, t[i].reply, n);
			KUNIT_EXPECT_NE_MSG(test,
					    rpc_parse_reply(buf, n, &full, &ans),
					    RPC_OK, "reply %zu, %zu bytes", i, n);
			kunit_kfree(test, buf);
		}
	}
}

static void rpc_test_wrong_xid(struct kunit *test)
{
	struct rpc_lookup call;
	struct rpc_answer ans;

	KUNIT_ASSERT_EQ(test, rpc_parse_call(getport_call, sizeof(getport_call),
					     &call), RPC_OK);
	call.xid++;
	KUNIT_EXPECT_EQ(test, rpc_parse_reply(getport_reply,
					      sizeof(getport_reply), &call,
					      &ans), RPC_NOT_LOOKUP);
	/* A call is not a reply. */
	KUNIT_EXPECT_EQ(test, rpc_reply_xid(getport_call, sizeof(getport_call),
					    &call.xid), RPC_MALFORMED);
}

static void rpc_test_wrong_program(struct kunit *test)
{
	struct rpc_lookup call;
	u8 buf[sizeof(getport_call)];

	/* A lookup of portmap itself would expect port 111. */
	memcpy(buf, getport_call, sizeof(buf));
	buf[43] = 0xa0;
	KUNIT_EXPECT_EQ(test, rpc_parse_call(buf, sizeof(buf), &call),
			RPC_NOT_LOOKUP);
	/* A call to another program than portmap. */
	memcpy(buf, getport_call, sizeof(buf));
	buf[15] = 0xa3;
	KUNIT_EXPECT_EQ(test, rpc_parse_call(buf, sizeof(buf), &call),
			RPC_NOT_LOOKUP);
	/* CALLIT (procedure 5) never opens anything. */
	memcpy(buf, getport_call, sizeof(buf));
	buf[23] = 5;
	KUNIT_EXPECT_EQ(test, rpc_parse_call(buf, sizeof(buf), &call),
			RPC_NOT_LOOKUP);
	/* Nor does a protocol other than TCP and UDP. */
	memcpy(buf, getport_call, sizeof(buf));
	buf[51] = 132;
	KUNIT_EXPECT_EQ(test, rpc_parse_call(buf, sizeof(buf), &call),
			RPC_NOT_LOOKUP);
}

static void rpc_test_reply_port_range(struct kunit *test)
{
	struct rpc_lookup call;
	struct rpc_answer ans;
	u8 buf[sizeof(getport_reply)];

	KUNIT_ASSERT_EQ(test, rpc_parse_call(getport_call, sizeof(getport_call),
					     &call), RPC_OK);
	memcpy(buf, getport_reply, sizeof(buf));
	buf[25] = 1;		/* 0x1c0e8 */
	KUNIT_EXPECT_EQ(test, rpc_parse_reply(buf, sizeof(buf), &call, &ans),
			RPC_MALFORMED);
	memcpy(buf, getport_reply, sizeof(buf));
	buf[26] = 0;
	buf[27] = 0;		/* not registered */
	KUNIT_EXPECT_EQ(test, rpc_parse_reply(buf, sizeof(buf), &call, &ans),
			RPC_OK);
	KUNIT_EXPECT_EQ(test, ans.port, 0);
	memcpy(buf, getport_reply, sizeof(buf));
	buf[11] = 1;		/* MSG_DENIED */
	KUNIT_EXPECT_EQ(test, rpc_parse_reply(buf, sizeof(buf), &call, &ans),
			RPC_NOT_LOOKUP);
	memcpy(buf, getport_reply, sizeof(buf));
	buf[23] = 1;		/* PROG_UNAVAIL */
	KUNIT_EXPECT_EQ(test, rpc_parse_reply(buf, sizeof(buf), &call, &ans),
			RPC_NOT_LOOKUP);
}

struct rpc_uaddr_case {
	u8 family;
	const char *s;
	int ret;
	u16 port;
	u8 addr[16];
};

static const struct rpc_uaddr_case rpc_uaddr_cases[] = {
	{ 4, "127.0.0.1.8.1", 0, 2049, { 127, 0, 0, 1 } },
	{ 4, "255.255.255.255.255.255", 0, 65535, { 255, 255, 255, 255 } },
	{ 4, "0.0.0.0.0.0", 0, 0, { 0 } },
	{ 4, "256.0.0.1.8.1", -EINVAL },
	{ 4, "1.2.3.4.256.1", -EINVAL },
	{ 4, "01.2.3.4.8.1", -EINVAL },
	{ 4, "1.2.3.4.8", -EINVAL },
	{ 4, "1.2.3.4.8.1.", -EINVAL },
	{ 4, "1..3.4.8.1", -EINVAL },
	{ 4, "+1.2.3.4.8.1", -EINVAL },
	{ 4, "", -EINVAL },
	{ 6, "::1.8.1", 0, 2049, { [15] = 1 } },
	{ 6, "::.0.111", 0, 111, { 0 } },
	{ 6, "2001:db8::1.3.5", 0, 773,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
	{ 6, "1:2:3:4:5:6:7:8.0.1", 0, 1,
	  { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8 } },
	{ 6, "::ffff:192.0.2.1.8.1", 0, 2049,
	  { [10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2,
	    [15] = 1 } },
	{ 6, "1::2::3.8.1", -EINVAL },
	{ 6, "1:2:3:4:5:6:7:8:9.8.1", -EINVAL },
	{ 6, "1:2:3:4:5:6:7.8.1", -EINVAL },
	{ 6, "fe80::1%eth0.8.1", -EINVAL },
	{ 6, ":::1.8.1", -EINVAL },
	{ 6, "12345::1.8.1", -EINVAL },
	{ 6, "::1.8", -EINVAL },
	{ 6, "::1.8.1.", -EINVAL },
	{ 6, "127.0.0.1.8.1", -EINVAL },
	{ 6, "", -EINVAL },
	{ 5, "127.0.0.1.8.1", -EINVAL },
};

static void rpc_uaddr_desc(const struct rpc_uaddr_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "v%u \"%s\"", c->family, c->s);
}

KUNIT_ARRAY_PARAM(rpc_uaddr, rpc_uaddr_cases, rpc_uaddr_desc);

static void rpc_test_uaddr(struct kunit *test)
{
	const struct rpc_uaddr_case *c = test->param_value;
	size_t len = strlen(c->s);
	u8 addr[16];
	u16 port;
	char *s;

	/* Exactly the characters, no NUL: a read past them is a bug. */
	s = kunit_kmalloc(test, len + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	memcpy(s, c->s, len);
	KUNIT_ASSERT_EQ(test, rpc_parse_uaddr(s, len, c->family, addr, &port),
			c->ret);
	if (c->ret)
		return;
	KUNIT_EXPECT_EQ(test, port, c->port);
	KUNIT_EXPECT_EQ(test, memcmp(addr, c->addr, 16), 0);
}

/*
 * A reply names its call by xid only: a forbidden lookup and an allowed one
 * with the same xid, and the reply opens nothing (rpc.h).
 */
static void rpc_test_pending(struct kunit *test)
{
	struct rpc_lookup nlm = { .xid = 1, .vers = 2, .prog = 100021 };
	struct rpc_lookup mnt = { .xid = 1, .vers = 2,
				  .prog = RPC_MOUNT_PROGRAM };
	struct rpc_pending p = {};
	struct rpc_slot s = {};
	struct rpc_lookup out;
	u32 i;

	KUNIT_EXPECT_TRUE(test, rpc_pending_call(&p, 1, &mnt, true));
	KUNIT_EXPECT_EQ(test, rpc_pending_reply(&p, 1, &out), RPC_OPEN);
	KUNIT_EXPECT_EQ(test, out.prog, (u32)RPC_MOUNT_PROGRAM);
	KUNIT_EXPECT_TRUE(test, rpc_pending_call(&p, 1, &nlm, false));
	KUNIT_EXPECT_FALSE(test, rpc_pending_call(&p, 1, &mnt, true));
	KUNIT_EXPECT_EQ(test, rpc_pending_reply(&p, 1, &out), RPC_REFUSED);
	KUNIT_EXPECT_EQ(test, rpc_pending_reply(&p, 1, &out), RPC_UNMATCHED);

	memset(&p, 0, sizeof(p));
	for (i = 0; i < RPC_MAX_PENDING; i++)
		KUNIT_EXPECT_TRUE(test, rpc_pending_call(&p, i, &mnt, true));
	KUNIT_EXPECT_FALSE(test, rpc_pending_call(&p, 100, &mnt, true));
	KUNIT_EXPECT_EQ(test, rpc_pending_reply(&p, 0, &out), RPC_REFUSED);

	/* UDP: retransmissions are fine, another call is not. */
	KUNIT_EXPECT_TRUE(test, rpc_slot_call(&s, 1, &mnt, true));
	KUNIT_EXPECT_TRUE(test, rpc_slot_call(&s, 1, &mnt, true));
	KUNIT_EXPECT_EQ(test, rpc_slot_reply(&s, 1, &out), RPC_OPEN);
	KUNIT_EXPECT_FALSE(test, rpc_slot_call(&s, 1, &nlm, false));
	KUNIT_EXPECT_EQ(test, rpc_slot_reply(&s, 1, &out), RPC_REFUSED);
	KUNIT_EXPECT_EQ(test, rpc_slot_reply(&s, 1, &out), RPC_UNMATCHED);
}

/* ---- TCP record marking ---- */

struct rpc_test_records {
	unsigned int n;
	size_t len;		/* of the last record */
	u8 last[RPC_MAX_RECORD];
};

static void rpc_test_collect(void *ctx, const u8 *rec, size_t len)
{
	struct rpc_test_records *r = ctx;

	r->n++;
	r->len = len;
	memcpy(r->last, rec, len);
}

struct rpc_test_stream {
	struct rpc_stream s;
	struct rpc_test_records r;
	struct rpc_stream_stats st;
	u8 wire[3 * RPC_MAX_RECORD];
	size_t wire_len;
};

static struct rpc_test_stream *rpc_test_stream(struct kunit *test)
{
	struct rpc_test_stream *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

static void rpc_test_reset(struct rpc_test_stream *t)
{
	memset(&t->s, 0, sizeof(t->s));
	memset(&t->r, 0, sizeof(t->r));
	memset(&t->st, 0, sizeof(t->st));
}

/* Append one record in one fragment to the wire. */
static void rpc_test_put(struct rpc_test_stream *t, const u8 *rec, u32 len)
{
	u8 *p = t->wire + t->wire_len;

	p[0] = 0x80 | len >> 24;
	p[1] = len >> 16;
	p[2] = len >> 8;
	p[3] = len;
	memcpy(p + 4, rec, len);
	t->wire_len += 4 + len;
}

/* The helper starts a stream at the byte after the SYN: here, the first. */
static void rpc_test_feed(struct rpc_test_stream *t, u32 seq, size_t off,
			  size_t len)
{
	if (!t->s.started)
		rpc_stream_start(&t->s, seq);
	rpc_stream_feed(&t->s, seq, t->wire + off, len, rpc_test_collect,
			&t->r, &t->st);
}

static void rpc_test_stream_split(struct kunit *test)
{
	struct rpc_test_stream *t = rpc_test_stream(test);
	size_t k;

	rpc_test_put(t, getport_call, sizeof(getport_call));
	for (k = 0; k <= t->wire_len; k++) {
		rpc_test_reset(t);
		rpc_test_feed(t, 0xfffffff0, 0, k);
		rpc_test_feed(t, 0xfffffff0 + k, k, t->wire_len - k);
		KUNIT_EXPECT_EQ_MSG(test, t->r.n, 1U, "split at %zu", k);
		KUNIT_EXPECT_EQ(test, t->r.len, sizeof(getport_call));
		KUNIT_EXPECT_EQ(test, memcmp(t->r.last, getport_call,
					     sizeof(getport_call)), 0);
	}
}

static void rpc_test_stream_several(struct kunit *test)
{
	struct rpc_test_stream *t = rpc_test_stream(test);
	struct rpc_lookup call;

	rpc_test_put(t, getport_call, sizeof(getport_call));
	rpc_test_put(t, getaddr_call, sizeof(getaddr_call));
	rpc_test_put(t, getport_reply, sizeof(getport_reply));
	rpc_test_feed(t, 1, 0, t->wire_len);
	KUNIT_EXPECT_EQ(test, t->r.n, 3U);
	KUNIT_EXPECT_EQ(test, t->st.records, 3U);
	KUNIT_EXPECT_EQ(test, t->r.len, sizeof(getport_reply));
	KUNIT_EXPECT_EQ(test, rpc_parse_call(t->wire + 4,
					     sizeof(getport_call), &call),
			RPC_OK);
}

static void rpc_test_stream_too_long(struct kunit *test)
{
	struct rpc_test_stream *t = rpc_test_stream(test);
	static const u8 junk[RPC_MAX_RECORD + 1];

	rpc_test_put(t, junk, sizeof(junk));
	rpc_test_put(t, getport_call, sizeof(getport_call));
	rpc_test_feed(t, 0, 0, 700);
	rpc_test_feed(t, 700, 700, t->wire_len - 700);
	KUNIT_EXPECT_EQ(test, t->st.oversized, 1U);
	KUNIT_EXPECT_EQ(test, t->st.too_long, 1U);
	KUNIT_EXPECT_EQ(test, t->r.n, 1U);
	KUNIT_EXPECT_EQ(test, t->r.len, sizeof(getport_call));
}

static void rpc_test_stream_seq(struct kunit *test)
{
	struct rpc_test_stream *t = rpc_test_stream(test);
	u32 seq = 0xffffffe0;

	rpc_test_put(t, getport_call, sizeof(getport_call));
	rpc_test_put(t, getport_call, sizeof(getport_call));
	/* Retransmissions and overlaps give each byte once. */
	rpc_test_feed(t, seq, 0, 40);
	rpc_test_feed(t, seq, 0, 40);
	rpc_test_feed(t, seq + 30, 30, 60);
	rpc_test_feed(t, seq + 10, 10, t->wire_len - 10);
	KUNIT_EXPECT_EQ(test, t->r.n, 2U);
	KUNIT_EXPECT_EQ(test, t->st.desyncs, 0U);
	KUNIT_EXPECT_EQ(test, t->s.next_seq, (u32)(seq + t->wire_len));

	/* A gap stops the stream for good. */
	rpc_test_reset(t);
	rpc_test_feed(t, seq, 0, 10);
	rpc_test_feed(t, seq + 20, 20, t->wire_len - 20);
	KUNIT_EXPECT_EQ(test, t->st.desyncs, 1U);
	rpc_test_feed(t, seq + 10, 10, t->wire_len - 10);
	KUNIT_EXPECT_EQ(test, t->r.n, 0U);
	KUNIT_EXPECT_TRUE(test, t->s.desynced);
}

static struct kunit_case rpc_test_cases[] = {
	KUNIT_CASE(rpc_test_getport),
	KUNIT_CASE(rpc_test_getaddr6),
	KUNIT_CASE(rpc_test_truncated),
	KUNIT_CASE(rpc_test_wrong_xid),
	KUNIT_CASE(rpc_test_wrong_program),
	KUNIT_CASE(rpc_test_reply_port_range),
	KUNIT_CASE_PARAM(rpc_test_uaddr, rpc_uaddr_gen_params),
	KUNIT_CASE(rpc_test_pending),
	KUNIT_CASE(rpc_test_stream_split),
	KUNIT_CASE(rpc_test_stream_several),
	KUNIT_CASE(rpc_test_stream_too_long),
	KUNIT_CASE(rpc_test_stream_seq),
	{}
};

static struct kunit_suite rpc_test_suite = {
	.name = "imgsec_rpc",
	.test_cases = rpc_test_cases,
};

kunit_test_suite(rpc_test_suite);
