// SPDX-License-Identifier: GPL-2.0
// sources: module/rpc.c
/*
 * Unit tests of the portmap/rpcbind parsers (module/rpc.c): packets captured
 * from real clients and servers (tests/data/rpc, see its README.md) and
 * packets built here in the shapes real clients send.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "rpc.h"
#include "test.h"

/* ---- building XDR ---- */

struct xdr {
	u8 d[4096];
	size_t len;
};

static void put32(struct xdr *x, u32 v)
{
	x->d[x->len++] = v >> 24;
	x->d[x->len++] = v >> 16;
	x->d[x->len++] = v >> 8;
	x->d[x->len++] = v;
}

static void put_opaque(struct xdr *x, const void *p, u32 len)
{
	put32(x, len);
	memcpy(x->d + x->len, p, len);
	x->len += len;
	while (x->len % 4)
		x->d[x->len++] = 0;
}

static void put_str(struct xdr *x, const char *s)
{
	put_opaque(x, s, strlen(s));
}

/* AUTH_SYS (flavor 1): stamp, machine name, uid, gid, gids<16>. */
static void put_auth_sys(struct xdr *x, const char *machine, unsigned int ngids)
{
	struct xdr body = { .len = 0 };
	unsigned int i;

	put32(&body, 0x5f3a1c2b);
	put_str(&body, machine);
	put32(&body, 0);
	put32(&body, 0);
	put32(&body, ngids);
	for (i = 0; i < ngids; i++)
		put32(&body, 1000 + i);
	put32(x, 1);
	put_opaque(x, body.d, body.len);
}

static void put_auth_null(struct xdr *x)
{
	put32(x, 0);
	put32(x, 0);
}

static void put_call_head(struct xdr *x, u32 xid, u32 vers, u32 proc)
{
	x->len = 0;
	put32(x, xid);
	put32(x, 0);		/* CALL */
	put32(x, 2);		/* RPC version */
	put32(x, RPC_PMAP_PROGRAM);
	put32(x, vers);
	put32(x, proc);
}

static void build_getport(struct xdr *x, u32 xid, u32 prog, u32 prot)
{
	put_call_head(x, xid, 2, 3);
	put_auth_null(x);
	put_auth_null(x);
	put32(x, prog);
	put32(x, 3);
	put32(x, prot);
	put32(x, 0);
}

static void build_getaddr(struct xdr *x, u32 xid, u32 vers, u32 proc,
			  u32 prog, const char *netid)
{
	put_call_head(x, xid, vers, proc);
	put_auth_null(x);
	put_auth_null(x);
	put32(x, prog);
	put32(x, 3);
	put_str(x, netid);
	put_str(x, "");
	put_str(x, "libtirpc");
}

static void put_reply_head(struct xdr *x, u32 xid)
{
	x->len = 0;
	put32(x, xid);
	put32(x, 1);		/* REPLY */
	put32(x, 0);		/* MSG_ACCEPTED */
	put_auth_null(x);
	put32(x, 0);		/* SUCCESS */
}

static void build_port_reply(struct xdr *x, u32 xid, u32 port)
{
	put_reply_head(x, xid);
	put32(x, port);
}

static void build_uaddr_reply(struct xdr *x, u32 xid, const char *uaddr)
{
	put_reply_head(x, xid);
	put_str(x, uaddr);
}

/* ---- checking ---- */

static const char *res_name(enum rpc_result r)
{
	switch (r) {
	case RPC_OK:
		return "OK";
	case RPC_NOT_LOOKUP:
		return "NOT_LOOKUP";
	case RPC_MALFORMED:
		return "MALFORMED";
	}
	return "?";
}

#define CHECK_RES(got, want)						\
	do {								\
		enum rpc_result _got = (got), _want = (want);		\
									\
		if (_got != _want)					\
			test_fail(__FILE__, __LINE__, #got, "%s, want %s", \
				  res_name(_got), res_name(_want));	\
	} while (0)

/*
 * No prefix of a record that parses must parse: a truncated packet is
 * never taken for a lookup. Each prefix is copied to a buffer of exactly
 * its size so that ASan catches any read past it.
 */
static void check_call_truncations(const u8 *buf, size_t len)
{
	struct rpc_lookup call;
	size_t i;

	for (i = 0; i < len; i++) {
		u8 *p = malloc(i ? i : 1);
		enum rpc_result r;

		memcpy(p, buf, i);
		r = rpc_parse_call(p, i, &call);
		CHECK(r != RPC_OK, "call truncated to %zu of %zu parsed", i,
		      len);
		free(p);
	}
}

static void check_reply_truncations(const u8 *buf, size_t len,
				    const struct rpc_lookup *call)
{
	struct rpc_answer ans;
	size_t i;
	u32 xid;

	for (i = 0; i < len; i++) {
		u8 *p = malloc(i ? i : 1);
		enum rpc_result r;

		memcpy(p, buf, i);
		r = rpc_parse_reply(p, i, call, &ans);
		CHECK(r != RPC_OK, "reply truncated to %zu of %zu parsed", i,
		      len);
		r = rpc_reply_xid(p, i, &xid);
		CHECK(r == (i >= 8 ? RPC_OK : RPC_MALFORMED),
		      "reply_xid of %zu bytes: %s", i, res_name(r));
		free(p);
	}
}

/* One more byte, or four, after a complete record is not a real packet. */
static void check_call_trailing(const u8 *buf, size_t len)
{
	struct rpc_lookup call;
	u8 p[2048];

	memcpy(p, buf, len);
	memset(p + len, 0, 4);
	CHECK_RES(rpc_parse_call(p, len + 1, &call), RPC_MALFORMED);
	CHECK_RES(rpc_parse_call(p, len + 4, &call), RPC_MALFORMED);
}

static void check_reply_trailing(const u8 *buf, size_t len,
				 const struct rpc_lookup *call)
{
	struct rpc_answer ans;
	u8 p[2048];

	memcpy(p, buf, len);
	memset(p + len, 0, 4);
	CHECK_RES(rpc_parse_reply(p, len + 1, call, &ans), RPC_MALFORMED);
	CHECK_RES(rpc_parse_reply(p, len + 4, call, &ans), RPC_MALFORMED);
}

static bool addr_is(const struct rpc_answer *ans, const char *text)
{
	u8 want[16] = { 0 };

	if (ans->family == 4)
		return inet_pton(AF_INET, text, want) == 1 &&
		       !memcmp(ans->addr, want, 16);
	return inet_pton(AF_INET6, text, want) == 1 &&
	       !memcmp(ans->addr, want, 16);
}

/* ---- TCP streams ---- */

#define MAX_RECORDS 16

struct records {
	unsigned int n;
	size_t len[MAX_RECORDS];
	u8 data[MAX_RECORDS][RPC_MAX_RECORD];
};

static void collect(void *ctx, const u8 *rec, size_t len)
{
	struct records *r = ctx;

	if (r->n < MAX_RECORDS) {
		memcpy(r->data[r->n], rec, len);
		r->len[r->n] = len;
	}
	r->n++;
}

static struct rpc_stream *stream_new(void)
{
	return calloc(1, sizeof(struct rpc_stream));
}

static struct records *records_new(void)
{
	return calloc(1, sizeof(struct records));
}

/*
 * Feed a copy of exactly @len bytes, so that ASan sees any overread. A
 * stream not followed yet starts at the first segment fed, as the helper
 * starts it at the byte after the SYN.
 */
static void feed(struct rpc_stream *s, u32 seq, const u8 *data, size_t len,
		 struct records *r, struct rpc_stream_stats *st)
{
	u8 *p = malloc(len ? len : 1);

	if (!s->started)
		rpc_stream_start(s, seq);
	memcpy(p, data, len);
	rpc_stream_feed(s, seq, p, len, collect, r, st);
	free(p);
}

/* Append a record mark for a fragment of @len bytes. */
static void put_mark(struct xdr *x, bool last, u32 len)
{
	put32(x, (last ? 0x80000000u : 0) | len);
}

static void put_record(struct xdr *x, const u8 *rec, size_t len)
{
	put_mark(x, true, len);
	memcpy(x->d + x->len, rec, len);
	x->len += len;
}

/* Records of a whole TCP sample stream, fed in one piece. */
static void stream_records(const u8 *data, size_t len, struct records *r)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();

	feed(s, 1000, data, len, r, &st);
	CHECK(st.desyncs == 0 && st.too_long == 0, "stream trouble");
	free(s);
}

/* ---- captured samples ---- */

struct sample {
	const char *name;
	bool tcp;
	enum rpc_result call_res;
	u32 vers, prog;
	u8 proto, family;
	enum rpc_result reply_res;
	u16 port;
	const char *addr;	/* uaddr host, NULL if none */
};

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

static const struct sample samples[] = {
	/* mount.nfs: portmap v2 GETPORT over IPv4, AUTH_NULL. */
	{ "mountnfs_getport_mount_udp", false, RPC_OK, 2, 100005, UDP, 0,
	  RPC_OK, 49384, NULL },
	{ "mountnfs_getport_nfs_tcp", true, RPC_OK, 2, 100003, TCP, 0,
	  RPC_OK, 2049, NULL },
	{ "mountnfs_getport_mount_tcp", true, RPC_OK, 2, 100005, TCP, 0,
	  RPC_OK, 39999, NULL },
	{ "mountnfs_getport_unreg_tcp", true, RPC_OK, 2, 100003, TCP, 0,
	  RPC_OK, 0, NULL },
	/* mount.nfs over IPv6: rpcbind v4 GETADDR. */
	{ "mountnfs6_getaddr_mount_udp6", false, RPC_OK, 4, 100005, UDP, 6,
	  RPC_OK, 58367, "::1" },
	{ "mountnfs6_getaddr_nfs_tcp6", true, RPC_OK, 4, 100003, TCP, 6,
	  RPC_OK, 2049, "::1" },
	{ "mountnfs6_getaddr_unreg_tcp6", true, RPC_OK, 4, 100003, TCP, 6,
	  RPC_OK, 0, NULL },
	/* The kernel's own rpcbind client (mount -i): AUTH_SYS. */
	{ "kernel_getport_mount_udp", false, RPC_OK, 2, 100005, UDP, 0,
	  RPC_OK, 51330, NULL },
	{ "kernel_getport_nfs_tcp", true, RPC_OK, 2, 100003, TCP, 0,
	  RPC_OK, 2049, NULL },
	{ "kernel6_getaddr_mount_udp6", false, RPC_OK, 4, 100005, UDP, 6,
	  RPC_OK, 45844, "2001:db8::1" },
	{ "kernel6_getaddr_nfs_tcp6", true, RPC_OK, 4, 100003, TCP, 6,
	  RPC_OK, 2049, "2001:db8::1" },
	{ "vm_mountnfs_getport_mount_tcp", true, RPC_OK, 2, 100005, TCP, 0,
	  RPC_OK, 48277, NULL },
	/* libtirpc (rpcinfo, showmount): rpcbind v4 GETADDR. */
	{ "rpcinfo_getaddr_mount_udp", false, RPC_OK, 4, 100005, UDP, 4,
	  RPC_OK, 49384, "127.0.0.1" },
	{ "rpcinfo_getaddr_mount_tcp", true, RPC_OK, 4, 100005, TCP, 4,
	  RPC_OK, 39999, "127.0.0.1" },
	{ "rpcinfo_getaddr_mount_udp6", false, RPC_OK, 4, 100005, UDP, 6,
	  RPC_OK, 58367, "::1" },
	{ "rpcinfo_getaddr_mount_tcp6", true, RPC_OK, 4, 100005, TCP, 6,
	  RPC_OK, 46645, "::1" },
	{ "rpcinfo_getaddr_unreg_udp", false, RPC_OK, 4, 100021, UDP, 4,
	  RPC_OK, 0, NULL },
	{ "showmount_getaddr_mount_tcp", true, RPC_OK, 4, 100005, TCP, 4,
	  RPC_OK, 39999, "127.0.0.1" },
	{ "showmount6_getaddr_mount_tcp6", true, RPC_OK, 4, 100005, TCP, 6,
	  RPC_OK, 46645, "::1" },
	/* Nothing to act on. */
	{ "rpcinfo_getaddr_pmap_udp", false, RPC_NOT_LOOKUP, 0, 0, 0, 0,
	  RPC_NOT_LOOKUP, 0, NULL },
	{ "rpcinfo_p_getaddr_pmap_tcp", true, RPC_NOT_LOOKUP, 0, 0, 0, 0,
	  RPC_NOT_LOOKUP, 0, NULL },
	{ "rpcinfo_p_dump_tcp", true, RPC_NOT_LOOKUP, 0, 0, 0, 0,
	  RPC_NOT_LOOKUP, 0, NULL },
	{ "rpcinfo_null_pmap_udp", false, RPC_NOT_LOOKUP, 0, 0, 0, 0,
	  RPC_NOT_LOOKUP, 0, NULL },
	{ "rpcinfo_getaddrlist_udp", false, RPC_NOT_LOOKUP, 0, 0, 0, 0,
	  RPC_NOT_LOOKUP, 0, NULL },
	/* A NULL call to rpcbind version 7: PROG_MISMATCH (2..4). */
	{ "rpcinfo_null_progmismatch_udp", false, RPC_NOT_LOOKUP, 4, 0, 0, 4,
	  RPC_NOT_LOOKUP, 0, NULL },
};

/* The record of a sample file: the datagram, or the one TCP record. */
static u8 *sample_record(const char *name, const char *side, bool tcp,
			 size_t *len)
{
	struct records *r;
	char path[256];
	u8 *raw, *rec;

	snprintf(path, sizeof(path), "rpc/%s.%s.%s.bin", name, side,
		 tcp ? "tcp" : "udp");
	raw = test_read_data(path, len);
	if (!raw || !tcp)
		return raw;
	r = records_new();
	stream_records(raw, *len, r);
	CHECK(r->n == 1, "%s: %u records", path, r->n);
	rec = malloc(r->len[0] ? r->len[0] : 1);
	memcpy(rec, r->data[0], r->len[0]);
	*len = r->len[0];
	free(r);
	free(raw);
	return rec;
}

/* A TCP sample split in two at every byte gives the same record. */
static void check_stream_splits(const char *name, const char *side)
{
	struct rpc_stream_stats st = { 0 };
	struct records *r = records_new();
	struct rpc_stream *s;
	char path[256];
	size_t len, k;
	u8 *raw;

	snprintf(path, sizeof(path), "rpc/%s.%s.tcp.bin", name, side);
	raw = test_read_data(path, &len);
	if (!raw)
		goto out;
	for (k = 0; k <= len; k++) {
		s = stream_new();
		memset(r, 0, sizeof(*r));
		feed(s, 0xfffffff0, raw, k, r, &st);
		feed(s, 0xfffffff0 + k, raw + k, len - k, r, &st);
		CHECK(r->n == 1 && r->len[0] == len - 4 &&
		      !memcmp(r->data[0], raw + 4, len - 4),
		      "%s split at %zu: %u records", path, k, r->n);
		free(s);
	}
out:
	free(raw);
	free(r);
}

/*
 * rpc_reply_head() reads every prefix of a successful reply that holds its
 * result's start the same as the whole, and none shorter.
 */
static void check_reply_head(const u8 *r, size_t rlen, u32 xid, u32 result_off)
{
	u32 x, off;
	size_t len;

	for (len = 0; len <= rlen; len++) {
		x = off = 0;
		if (len < result_off) {
			CHECK_RES(rpc_reply_head(r, len, &x, &off),
				  RPC_MALFORMED);
			continue;
		}
		CHECK_RES(rpc_reply_head(r, len, &x, &off), RPC_OK);
		CHECK(x == xid && off == result_off,
		      "head of %zu bytes: xid %08x at %u", len, x, off);
	}
}

static void check_sample(const struct sample *t)
{
	struct rpc_lookup call, fake;
	struct rpc_answer ans;
	enum rpc_result res;
	size_t clen, rlen;
	u8 *c, *r;
	u32 xid;

	c = sample_record(t->name, "call", t->tcp, &clen);
	r = sample_record(t->name, "reply", t->tcp, &rlen);
	if (!c || !r)
		goto out;
	memset(&call, 0xa5, sizeof(call));
	CHECK_RES(rpc_parse_call(c, clen, &call), t->call_res);
	check_call_truncations(c, clen);
	CHECK_RES(rpc_reply_xid(r, rlen, &xid), RPC_OK);
	if (t->tcp) {
		check_stream_splits(t->name, "call");
		check_stream_splits(t->name, "reply");
	}
	if (t->call_res != RPC_OK) {
		if (t->vers) {
			/* As if the client had sent a lookup with this xid. */
			fake = (struct rpc_lookup){ .xid = xid,
						    .vers = t->vers,
						    .family = t->family };
			CHECK_RES(rpc_parse_reply(r, rlen, &fake, &ans),
				  t->reply_res);
		}
		goto out;
	}
	CHECK(call.xid == xid, "xid %08x, reply %08x", call.xid, xid);
	CHECK_EQ(call.vers, t->vers);
	CHECK_EQ(call.prog, t->prog);
	CHECK_EQ(call.proto, t->proto);
	CHECK_EQ(call.family, t->family);
	check_call_trailing(c, clen);

	memset(&ans, 0xa5, sizeof(ans));
	res = rpc_parse_reply(r, rlen, &call, &ans);
	CHECK_RES(res, t->reply_res);
	if (res != RPC_OK)
		goto out;
	CHECK_EQ(ans.port, t->port);
	CHECK_EQ(ans.has_addr, t->addr != NULL);
	if (t->addr) {
		CHECK_EQ(ans.family, t->family);
		CHECK(addr_is(&ans, t->addr), "address is not %s", t->addr);
	}
	check_reply_truncations(r, rlen, &call);
	check_reply_trailing(r, rlen, &call);
	check_reply_head(r, rlen, xid, ans.result_off);
	fake = call;
	fake.xid++;
	CHECK_RES(rpc_parse_reply(r, rlen, &fake, &ans), RPC_NOT_LOOKUP);
out:
	free(c);
	free(r);
}

static void test_samples(void)
{
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		test_begin("sample %s", samples[i].name);
		check_sample(&samples[i]);
		test_end();
	}
}

/* ---- calls ---- */

static void test_getport_auth_null(void)
{
	struct rpc_lookup call;
	struct xdr x;

	build_getport(&x, 0x11223344, RPC_MOUNT_PROGRAM, IPPROTO_UDP);
	CHECK_EQ(x.len, 56);	/* what mount.nfs sends */
	REQUIRE(rpc_parse_call(x.d, x.len, &call) == RPC_OK, "not parsed");
	CHECK_EQ(call.xid, 0x11223344);
	CHECK_EQ(call.vers, 2);
	CHECK_EQ(call.prog, RPC_MOUNT_PROGRAM);
	CHECK_EQ(call.proto, IPPROTO_UDP);
	CHECK_EQ(call.family, 0);
	check_call_truncations(x.d, x.len);
	check_call_trailing(x.d, x.len);
}

/* The kernel's rpcbind client sends AUTH_SYS: offsets vary with it. */
static void test_getport_auth_sys(void)
{
	static const char name[] = "img1.example.gcems.hospital.internal.x";
	struct rpc_lookup call;
	unsigned int mlen, ngids;
	char machine[64];
	struct xdr x;

	for (mlen = 0; mlen < sizeof(name); mlen++) {
		for (ngids = 0; ngids <= 16; ngids++) {
			memcpy(machine, name, mlen);
			machine[mlen] = 0;
			put_call_head(&x, mlen << 8 | ngids, 2, 3);
			put_auth_sys(&x, machine, ngids);
			put_auth_null(&x);
			put32(&x, RPC_NFS_PROGRAM);
			put32(&x, 3);
			put32(&x, IPPROTO_TCP);
			put32(&x, 0);
			CHECK(rpc_parse_call(x.d, x.len, &call) == RPC_OK &&
			      call.xid == (mlen << 8 | ngids) &&
			      call.prog == RPC_NFS_PROGRAM &&
			      call.proto == IPPROTO_TCP,
			      "machine name %u, %u gids", mlen, ngids);
			if (ngids == 16 && mlen % 7 == 0)
				check_call_truncations(x.d, x.len);
		}
	}
	/* And in an rpcbind v4 GETADDR over IPv6. */
	put_call_head(&x, 7, 4, 3);
	put_auth_sys(&x, "img2", 3);
	put_auth_null(&x);
	put32(&x, RPC_MOUNT_PROGRAM);
	put32(&x, 3);
	put_str(&x, "udp6");
	put_str(&x, "::1.0.111");
	put_str(&x, "0");
	REQUIRE(rpc_parse_call(x.d, x.len, &call) == RPC_OK, "v4 AUTH_SYS");
	CHECK(call.family == 6 && call.proto == IPPROTO_UDP, "udp6");
	check_call_truncations(x.d, x.len);
}

static void test_getport_protocols(void)
{
	struct rpc_lookup call;
	struct xdr x;

	build_getport(&x, 1, RPC_MOUNT_PROGRAM, IPPROTO_TCP);
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_OK);
	CHECK_EQ(call.proto, IPPROTO_TCP);
	build_getport(&x, 1, RPC_MOUNT_PROGRAM, 132);	/* SCTP */
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
	build_getport(&x, 1, RPC_MOUNT_PROGRAM, 0);
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
	build_getport(&x, 1, RPC_MOUNT_PROGRAM, 0x100 | IPPROTO_TCP);
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
}

/* Asking where portmap is would expect port 111 (prior-art trap). */
static void test_pmap_program_ignored(void)
{
	struct rpc_lookup call;
	struct xdr x;

	build_getport(&x, 1, RPC_PMAP_PROGRAM, IPPROTO_UDP);
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
	build_getaddr(&x, 1, 3, 3, RPC_PMAP_PROGRAM, "tcp");
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
	build_getaddr(&x, 1, 4, 9, RPC_PMAP_PROGRAM, "udp6");
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
}

static void test_procedures(void)
{
	static const struct {
		u32 vers, proc;
		enum rpc_result res;
	} t[] = {
		{ 2, 0, RPC_NOT_LOOKUP },	/* NULL */
		{ 2, 1, RPC_NOT_LOOKUP },	/* SET */
		{ 2, 2, RPC_NOT_LOOKUP },	/* UNSET */
		{ 2, 3, RPC_OK },		/* GETPORT */
		{ 2, 4, RPC_NOT_LOOKUP },	/* DUMP */
		{ 2, 5, RPC_NOT_LOOKUP },	/* CALLIT */
		{ 2, 9, RPC_NOT_LOOKUP },
		{ 3, 3, RPC_OK },		/* GETADDR */
		{ 3, 5, RPC_NOT_LOOKUP },	/* CALLIT */
		{ 3, 9, RPC_NOT_LOOKUP },	/* no GETVERSADDR in v3 */
		{ 4, 3, RPC_OK },		/* GETADDR */
		{ 4, 5, RPC_NOT_LOOKUP },	/* BCAST */
		{ 4, 9, RPC_OK },		/* GETVERSADDR */
		{ 4, 10, RPC_NOT_LOOKUP },	/* INDIRECT */
		{ 4, 11, RPC_NOT_LOOKUP },	/* GETADDRLIST */
		{ 4, 12, RPC_NOT_LOOKUP },	/* GETSTAT */
		{ 1, 3, RPC_NOT_LOOKUP },
		{ 5, 3, RPC_NOT_LOOKUP },
	};
	struct rpc_lookup call;
	struct xdr x;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].vers == 2) {
			build_getport(&x, 9, RPC_MOUNT_PROGRAM, IPPROTO_UDP);
			x.d[23] = t[i].proc;
		} else {
			build_getaddr(&x, 9, t[i].vers, t[i].proc,
				      RPC_MOUNT_PROGRAM, "udp");
		}
		x.d[19] = t[i].vers;
		CHECK(rpc_parse_call(x.d, x.len, &call) == t[i].res,
		      "version %u procedure %u", t[i].vers, t[i].proc);
	}
}

/* CALLIT forwards a call: its arguments are another program's. */
static void test_callit_ignored(void)
{
	struct rpc_lookup call;
	struct xdr x;

	put_call_head(&x, 5, 2, 5);
	put_auth_null(&x);
	put_auth_null(&x);
	put32(&x, RPC_MOUNT_PROGRAM);
	put32(&x, 3);
	put32(&x, 0);
	put_opaque(&x, "", 0);
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
	x.d[19] = 4;		/* v4 BCAST has the same arguments */
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
	x.d[23] = 10;		/* INDIRECT too */
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
}

static void test_netids(void)
{
	static const struct {
		const char *netid;
		enum rpc_result res;
		u8 proto, family;
	} t[] = {
		{ "tcp", RPC_OK, IPPROTO_TCP, 4 },
		{ "udp", RPC_OK, IPPROTO_UDP, 4 },
		{ "tcp6", RPC_OK, IPPROTO_TCP, 6 },
		{ "udp6", RPC_OK, IPPROTO_UDP, 6 },
		{ "", RPC_NOT_LOOKUP, 0, 0 },
		{ "local", RPC_NOT_LOOKUP, 0, 0 },
		{ "ticotsord", RPC_NOT_LOOKUP, 0, 0 },
		{ "rdma", RPC_NOT_LOOKUP, 0, 0 },
		{ "TCP", RPC_NOT_LOOKUP, 0, 0 },
		{ "tcp4", RPC_NOT_LOOKUP, 0, 0 },
		{ "udp66", RPC_NOT_LOOKUP, 0, 0 },
		{ "tc", RPC_NOT_LOOKUP, 0, 0 },
		{ "sctp", RPC_NOT_LOOKUP, 0, 0 },
		{ "0123456789abcdef0123456789abcdef", RPC_NOT_LOOKUP, 0, 0 },
		{ "0123456789abcdef0123456789abcdef0", RPC_MALFORMED, 0, 0 },
	};
	struct rpc_lookup call;
	struct xdr x;
	size_t i;
	u32 vers;

	for (vers = 3; vers <= 4; vers++) {
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			build_getaddr(&x, 42, vers, 3, RPC_MOUNT_PROGRAM,
				      t[i].netid);
			memset(&call, 0, sizeof(call));
			CHECK(rpc_parse_call(x.d, x.len, &call) == t[i].res,
			      "v%u netid \"%s\"", vers, t[i].netid);
			if (t[i].res != RPC_OK)
				continue;
			CHECK(call.proto == t[i].proto &&
			      call.family == t[i].family && call.vers == vers &&
			      call.prog == RPC_MOUNT_PROGRAM && call.xid == 42,
			      "v%u netid %s", vers, t[i].netid);
			check_call_truncations(x.d, x.len);
			check_call_trailing(x.d, x.len);
		}
	}
}

/* r_netid <= 32, r_addr <= 128, r_owner <= 256 characters. */
static void test_rpcb_string_bounds(void)
{
	static const u32 max[3] = { 32, 128, 256 };
	struct rpc_lookup call;
	char s[300];
	struct xdr x;
	int field;
	u32 len;

	memset(s, 'a', sizeof(s));
	for (field = 1; field < 3; field++) {
		for (len = max[field] - 1; len <= max[field] + 1; len++) {
			put_call_head(&x, 1, 4, 3);
			put_auth_null(&x);
			put_auth_null(&x);
			put32(&x, RPC_MOUNT_PROGRAM);
			put32(&x, 3);
			put_str(&x, "tcp");
			put_opaque(&x, s, field == 1 ? len : 0);
			put_opaque(&x, s, field == 2 ? len : 0);
			CHECK(rpc_parse_call(x.d, x.len, &call) ==
			      (len <= max[field] ? RPC_OK : RPC_MALFORMED),
			      "field %d length %u", field, len);
		}
	}
	/* A length that would wrap when padded. */
	put_call_head(&x, 1, 4, 3);
	put_auth_null(&x);
	put_auth_null(&x);
	put32(&x, RPC_MOUNT_PROGRAM);
	put32(&x, 3);
	put32(&x, 0xfffffffe);
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_MALFORMED);
}

static void test_auth_bounds(void)
{
	struct rpc_lookup call;
	u8 body[404] = { 0 };
	struct xdr x;
	u32 len;
	int which;

	for (which = 0; which < 2; which++) {
		for (len = 395; len <= 402; len++) {
			put_call_head(&x, 3, 2, 3);
			if (which)
				put_auth_null(&x);
			put32(&x, 6);	/* RPCSEC_GSS: any flavor walks */
			put_opaque(&x, body, len);
			if (!which)
				put_auth_null(&x);
			put32(&x, RPC_MOUNT_PROGRAM);
			put32(&x, 3);
			put32(&x, IPPROTO_UDP);
			put32(&x, 0);
			CHECK(rpc_parse_call(x.d, x.len, &call) ==
			      (len <= 400 ? RPC_OK : RPC_MALFORMED),
			      "%s of %u bytes", which ? "verifier" : "cred",
			      len);
		}
	}
}

static void test_call_header(void)
{
	struct rpc_lookup call;
	struct xdr x;

	build_getport(&x, 1, RPC_MOUNT_PROGRAM, IPPROTO_UDP);
	x.d[7] = 1;		/* a REPLY */
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_MALFORMED);
	x.d[7] = 2;
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_MALFORMED);
	build_getport(&x, 1, RPC_MOUNT_PROGRAM, IPPROTO_UDP);
	x.d[11] = 3;		/* RPC version 3 */
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_MALFORMED);
	build_getport(&x, 1, RPC_MOUNT_PROGRAM, IPPROTO_UDP);
	x.d[15] = 0xa3;		/* to NFS, not portmap */
	CHECK_RES(rpc_parse_call(x.d, x.len, &call), RPC_NOT_LOOKUP);
	CHECK_RES(rpc_parse_call(NULL, 0, &call), RPC_MALFORMED);
}

/* Nothing is written to @call unless the result is RPC_OK. */
static void test_call_untouched(void)
{
	struct rpc_lookup call, before;
	struct xdr x;

	memset(&before, 0x5a, sizeof(before));
	call = before;
	build_getport(&x, 1, RPC_PMAP_PROGRAM, IPPROTO_UDP);
	rpc_parse_call(x.d, x.len, &call);
	CHECK(!memcmp(&call, &before, sizeof(call)), "changed");
	build_getaddr(&x, 1, 4, 3, RPC_MOUNT_PROGRAM, "local");
	rpc_parse_call(x.d, x.len, &call);
	CHECK(!memcmp(&call, &before, sizeof(call)), "changed");
}

/* ---- replies ---- */

static const struct rpc_lookup v2_call = {
	.xid = 0xabcd, .vers = 2, .prog = RPC_MOUNT_PROGRAM,
	.proto = IPPROTO_UDP,
};

static const struct rpc_lookup v3_call4 = {
	.xid = 0xabcd, .vers = 3, .prog = RPC_MOUNT_PROGRAM,
	.proto = IPPROTO_TCP, .family = 4,
};

static const struct rpc_lookup v4_call6 = {
	.xid = 0xabcd, .vers = 4, .prog = RPC_MOUNT_PROGRAM,
	.proto = IPPROTO_UDP, .family = 6,
};

static void test_v2_reply_ports(void)
{
	static const struct {
		u32 port;
		enum rpc_result res;
	} t[] = {
		{ 0, RPC_OK }, { 1, RPC_OK }, { 2049, RPC_OK },
		{ 65535, RPC_OK }, { 65536, RPC_MALFORMED },
		{ 0x80000801, RPC_MALFORMED }, { 0xffffffff, RPC_MALFORMED },
	};
	enum rpc_result res;
	struct rpc_answer ans;
	struct xdr x;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		build_port_reply(&x, 0xabcd, t[i].port);
		memset(&ans, 0xa5, sizeof(ans));
		res = rpc_parse_reply(x.d, x.len, &v2_call, &ans);
		CHECK(res == t[i].res, "port %u", t[i].port);
		if (res == RPC_OK)
			CHECK(ans.port == t[i].port && !ans.has_addr,
			      "port %u", t[i].port);
	}
	build_port_reply(&x, 0xabcd, 892);
	check_reply_truncations(x.d, x.len, &v2_call);
	check_reply_trailing(x.d, x.len, &v2_call);
}

static void test_reply_wrong_xid(void)
{
	struct rpc_answer ans;
	struct xdr x;

	build_port_reply(&x, 0xabce, 892);
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v2_call, &ans), RPC_NOT_LOOKUP);
	build_uaddr_reply(&x, 0xabcc, "10.0.0.1.3.124");
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v3_call4, &ans),
		  RPC_NOT_LOOKUP);
}

static void test_reply_header(void)
{
	struct rpc_answer ans;
	struct xdr x;
	u32 xid;

	build_port_reply(&x, 0xabcd, 892);
	x.d[7] = 0;		/* a CALL */
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v2_call, &ans), RPC_MALFORMED);
	CHECK_RES(rpc_reply_xid(x.d, x.len, &xid), RPC_MALFORMED);
	x.d[7] = 1;
	CHECK_RES(rpc_reply_xid(x.d, x.len, &xid), RPC_OK);
	CHECK_EQ(xid, 0xabcd);
	x.d[11] = 2;		/* no such reply_stat */
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v2_call, &ans), RPC_MALFORMED);
	CHECK_RES(rpc_reply_xid(NULL, 0, &xid), RPC_MALFORMED);
}

static void test_reply_denied(void)
{
	struct rpc_answer ans;
	struct xdr x;
	u32 xid, off;

	/* RPC_MISMATCH: reject_stat 0, low, high. */
	x.len = 0;
	put32(&x, 0xabcd);
	put32(&x, 1);
	put32(&x, 1);
	put32(&x, 0);
	put32(&x, 2);
	put32(&x, 2);
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v2_call, &ans), RPC_NOT_LOOKUP);
	/* AUTH_ERROR: reject_stat 1, AUTH_TOOWEAK. */
	x.len = 12;
	put32(&x, 1);
	put32(&x, 5);
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v4_call6, &ans),
		  RPC_NOT_LOOKUP);
	CHECK_RES(rpc_reply_head(x.d, x.len, &xid, &off), RPC_NOT_LOOKUP);
}

static void test_reply_accept_stat(void)
{
	struct rpc_answer ans;
	struct xdr x;
	u32 stat, xid, off;

	for (stat = 1; stat <= 6; stat++) {
		build_port_reply(&x, 0xabcd, 892);
		x.d[23] = stat;
		if (stat == 2) {	/* PROG_MISMATCH: low, high */
			x.len -= 4;
			put32(&x, 2);
			put32(&x, 4);
		}
		CHECK(rpc_parse_reply(x.d, x.len, &v2_call, &ans) ==
		      RPC_NOT_LOOKUP, "accept_stat %u", stat);
		CHECK(rpc_reply_head(x.d, x.len, &xid, &off) ==
		      RPC_NOT_LOOKUP, "head, accept_stat %u", stat);
		CHECK(rpc_parse_reply(x.d, x.len, &v4_call6, &ans) ==
		      RPC_NOT_LOOKUP, "accept_stat %u", stat);
	}
}

static void test_reply_verifier(void)
{
	struct rpc_answer ans;
	u8 body[404] = { 0 };
	struct xdr x;
	u32 len;

	for (len = 0; len <= 402; len += (len < 8 || len > 395) ? 1 : 97) {
		x.len = 0;
		put32(&x, 0xabcd);
		put32(&x, 1);
		put32(&x, 0);
		put32(&x, 6);
		put_opaque(&x, body, len);
		put32(&x, 0);
		put32(&x, 20048);
		memset(&ans, 0, sizeof(ans));
		CHECK(rpc_parse_reply(x.d, x.len, &v2_call, &ans) ==
		      (len <= 400 ? RPC_OK : RPC_MALFORMED),
		      "verifier of %u bytes", len);
		if (len <= 400)
			CHECK(ans.port == 20048 && ans.result_off == x.len - 4,
			      "port %u at %u", ans.port, ans.result_off);
	}
}

static void test_uaddr_replies(void)
{
	struct rpc_lookup call;
	struct rpc_answer ans;
	char big[200];
	struct xdr x;

	build_uaddr_reply(&x, 0xabcd, "192.0.2.7.78.80");
	REQUIRE(rpc_parse_reply(x.d, x.len, &v3_call4, &ans) == RPC_OK, "v4");
	CHECK(ans.port == 20048 && ans.has_addr && ans.family == 4 &&
	      addr_is(&ans, "192.0.2.7"), "192.0.2.7.78.80");
	/* The result (for a NAT rewrite): length word, 15 bytes, 1 of pad. */
	CHECK(ans.result_off == x.len - 20 &&
	      x.d[ans.result_off + 3] == 15 &&
	      !memcmp(x.d + ans.result_off + 4, "192.0.2.7.78.80", 15),
	      "result at %u of %zu", ans.result_off, (size_t)x.len);
	check_reply_truncations(x.d, x.len, &v3_call4);
	check_reply_trailing(x.d, x.len, &v3_call4);

	build_uaddr_reply(&x, 0xabcd, "2001:db8::7.78.80");
	REQUIRE(rpc_parse_reply(x.d, x.len, &v4_call6, &ans) == RPC_OK, "v6");
	CHECK(ans.port == 20048 && ans.has_addr && ans.family == 6 &&
	      addr_is(&ans, "2001:db8::7"), "2001:db8::7.78.80");
	check_reply_truncations(x.d, x.len, &v4_call6);

	/* Empty: not registered. */
	build_uaddr_reply(&x, 0xabcd, "");
	memset(&ans, 0xa5, sizeof(ans));
	REQUIRE(rpc_parse_reply(x.d, x.len, &v4_call6, &ans) == RPC_OK,
		"empty uaddr");
	CHECK(ans.port == 0 && !ans.has_addr, "empty uaddr");
	check_reply_truncations(x.d, x.len, &v4_call6);

	/* The address family is the call's netid's. */
	build_uaddr_reply(&x, 0xabcd, "192.0.2.7.78.80");
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v4_call6, &ans), RPC_MALFORMED);
	build_uaddr_reply(&x, 0xabcd, "::1.78.80");
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v3_call4, &ans), RPC_MALFORMED);
	build_uaddr_reply(&x, 0xabcd, "192.0.2.7.78.800");
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v3_call4, &ans), RPC_MALFORMED);

	/* Longer than any real uaddr. */
	memset(big, '1', sizeof(big));
	x.len = 0;
	put_reply_head(&x, 0xabcd);
	put_opaque(&x, big, 129);
	CHECK_RES(rpc_parse_reply(x.d, x.len, &v3_call4, &ans), RPC_MALFORMED);

	/* GETVERSADDR answers the same way. */
	call = v4_call6;
	build_uaddr_reply(&x, 0xabcd, "fe80::1:2.8.1");
	CHECK_RES(rpc_parse_reply(x.d, x.len, &call, &ans), RPC_OK);
	CHECK(ans.port == 2049 && addr_is(&ans, "fe80::1:2"), "fe80::1:2");
}

/* ---- universal addresses ---- */

static const struct {
	u8 family;
	const char *uaddr;
	const char *host;	/* NULL: must be refused */
	u16 port;
} uaddrs[] = {
	{ 4, "127.0.0.1.8.1", "127.0.0.1", 2049 },
	{ 4, "0.0.0.0.0.0", "0.0.0.0", 0 },
	{ 4, "255.255.255.255.255.255", "255.255.255.255", 65535 },
	{ 4, "10.0.0.1.0.111", "10.0.0.1", 111 },
	{ 4, "192.168.100.200.192.232", "192.168.100.200", 49384 },
	{ 4, "256.0.0.1.8.1", NULL, 0 },
	{ 4, "1.2.3.4.256.1", NULL, 0 },
	{ 4, "1.2.3.4.1.256", NULL, 0 },
	{ 4, "1.2.3.4.1000.1", NULL, 0 },
	{ 4, "01.2.3.4.8.1", NULL, 0 },		/* octal to inet_aton() */
	{ 4, "1.2.3.4.08.1", NULL, 0 },
	{ 4, "1.2.3.4.8.00", NULL, 0 },
	{ 4, "+1.2.3.4.8.1", NULL, 0 },
	{ 4, "1.2.3.4.-1.1", NULL, 0 },
	{ 4, "0x1.2.3.4.8.1", NULL, 0 },
	{ 4, "1.2.3.4.8", NULL, 0 },
	{ 4, "1.2.3.4", NULL, 0 },
	{ 4, "1.2.3.4.8.1.", NULL, 0 },
	{ 4, ".1.2.3.4.8.1", NULL, 0 },
	{ 4, "1..3.4.8.1", NULL, 0 },
	{ 4, "1.2.3.4.8.1.1", NULL, 0 },
	{ 4, "1.2.3.4 .8.1", NULL, 0 },
	{ 4, " 1.2.3.4.8.1", NULL, 0 },
	{ 4, "", NULL, 0 },
	{ 4, ".", NULL, 0 },
	{ 4, ".....", NULL, 0 },
	{ 4, "::1.8.1", NULL, 0 },
	{ 6, "::1.8.1", "::1", 2049 },
	{ 6, "::.8.1", "::", 2049 },
	{ 6, "2001:db8::1.3.5", "2001:db8::1", 773 },
	{ 6, "2001:db8:0:0:0:0:0:1.0.111", "2001:db8::1", 111 },
	{ 6, "1:2:3:4:5:6:7:8.255.255", "1:2:3:4:5:6:7:8", 65535 },
	{ 6, "fe80::1:2:3:4.8.1", "fe80::1:2:3:4", 2049 },
	{ 6, "2001:DB8::A.8.1", "2001:db8::a", 2049 },
	{ 6, "0001:0db8::0001.8.1", "1:db8::1", 2049 },
	{ 6, "1::.8.1", "1::", 2049 },
	{ 6, "1:2:3:4:5:6:7::.8.1", "1:2:3:4:5:6:7:0", 2049 },
	{ 6, "::2:3:4:5:6:7:8.0.1", "0:2:3:4:5:6:7:8", 1 },
	{ 6, "1:2::7:8.0.1", "1:2::7:8", 1 },
	{ 6, "::ffff:192.0.2.1.8.1", "::ffff:192.0.2.1", 2049 },
	{ 6, "::192.0.2.1.8.1", "::192.0.2.1", 2049 },
	{ 6, "1:2:3:4:5:6:1.2.3.4.8.1", "1:2:3:4:5:6:102:304", 2049 },
	{ 6, "1::2::3.8.1", NULL, 0 },
	{ 6, "::1::.8.1", NULL, 0 },
	{ 6, "1:2:3:4:5:6:7:8:9.8.1", NULL, 0 },
	{ 6, "1:2:3:4:5:6:7.8.1", NULL, 0 },
	{ 6, "1:2:3:4:5:6:7:8::.8.1", NULL, 0 },
	{ 6, "1:2:3:4::5:6:7:8.8.1", NULL, 0 },
	{ 6, "::1%lo.8.1", NULL, 0 },
	{ 6, "fe80::1%2.8.1", NULL, 0 },
	{ 6, ":1.8.1", NULL, 0 },
	{ 6, "1:.8.1", NULL, 0 },
	{ 6, ":::1.8.1", NULL, 0 },
	{ 6, "12345::1.8.1", NULL, 0 },
	{ 6, "::g.8.1", NULL, 0 },
	{ 6, "::1.8", NULL, 0 },
	{ 6, "::1", NULL, 0 },
	{ 6, "", NULL, 0 },
	{ 6, ".8.1", NULL, 0 },
	{ 6, "::1.8.1.", NULL, 0 },
	{ 6, "::1..1", NULL, 0 },
	{ 6, "::1.256.1", NULL, 0 },
	{ 6, "::1.8.01", NULL, 0 },
	{ 6, "::1.2.3.4.5.8.1", NULL, 0 },
	{ 6, "::ffff:1.2.3.8.1", NULL, 0 },
	{ 6, "::1.2.3.4:5.8.1", NULL, 0 },
	{ 6, "::01.2.3.4.8.1", NULL, 0 },
	{ 6, "1:2:3:4:5:6:7:1.2.3.4.8.1", NULL, 0 },
	{ 6, "127.0.0.1.8.1", NULL, 0 },
	{ 6, " ::1.8.1", NULL, 0 },
	{ 6, "[::1].8.1", NULL, 0 },
	{ 5, "127.0.0.1.8.1", NULL, 0 },
	{ 0, "::1.8.1", NULL, 0 },
};

static void test_uaddrs(void)
{
	size_t i, n;
	u8 addr[16];
	u16 port;
	int ret;

	for (i = 0; i < sizeof(uaddrs) / sizeof(uaddrs[0]); i++) {
		struct rpc_answer ans = { .family = uaddrs[i].family };
		char *copy;

		/* An exact-size copy without NUL: ASan sees an overread. */
		n = strlen(uaddrs[i].uaddr);
		copy = malloc(n ? n : 1);
		memcpy(copy, uaddrs[i].uaddr, n);
		port = 0xdead;
		ret = rpc_parse_uaddr(copy, n, uaddrs[i].family, addr, &port);
		free(copy);
		if (!uaddrs[i].host) {
			CHECK(ret == -EINVAL, "v%u \"%s\" accepted",
			      uaddrs[i].family, uaddrs[i].uaddr);
			continue;
		}
		memcpy(ans.addr, addr, 16);
		CHECK(ret == 0 && port == uaddrs[i].port &&
		      addr_is(&ans, uaddrs[i].host),
		      "v%u \"%s\": %d, port %u", uaddrs[i].family,
		      uaddrs[i].uaddr, ret, port);
	}
	/* The length given is the length read: no NUL is needed or used. */
	CHECK(rpc_parse_uaddr("127.0.0.1.8.1999", 13, 4, addr, &port) == 0 &&
	      port == 2049, "length respected");
	CHECK(rpc_parse_uaddr("127.0.0.1.8.1\0", 14, 4, addr, &port) == -EINVAL,
	      "NUL inside");
}

/* ---- what replies may do: the calls of a connection or a socket ---- */

static struct rpc_lookup lookup(u32 xid, u32 prog)
{
	return (struct rpc_lookup){ .xid = xid, .vers = 2, .prog = prog,
				    .proto = IPPROTO_UDP };
}

static void test_pending_basic(void)
{
	struct rpc_pending p = { .used = 0 };
	struct rpc_lookup c1 = lookup(1, 100005), c2 = lookup(2, 100003);
	struct rpc_lookup out;

	CHECK_EQ(rpc_pending_reply(&p, 1, &out), RPC_UNMATCHED);
	CHECK(rpc_pending_call(&p, 1, &c1, true), "call 1");
	CHECK(rpc_pending_call(&p, 2, &c2, true), "call 2");
	CHECK(rpc_pending_reply(&p, 2, &out) == RPC_OPEN && out.prog == 100003,
	      "reply 2");
	CHECK_EQ(rpc_pending_reply(&p, 2, &out), RPC_UNMATCHED);
	CHECK(rpc_pending_reply(&p, 1, &out) == RPC_OPEN && out.prog == 100005,
	      "reply 1");
	CHECK_EQ(p.used, 0);
	CHECK(!p.untrusted, "still trusted");
	/* Answered, an xid may be asked again (one reply per call). */
	CHECK(rpc_pending_call(&p, 1, &c1, true), "call 1 again");
	CHECK_EQ(rpc_pending_reply(&p, 1, &out), RPC_OPEN);
}

/* A peek says what the reply would do and takes nothing out. */
static void test_pending_peek(void)
{
	struct rpc_pending p = { .used = 0 };
	struct rpc_lookup c1 = lookup(1, 100005), out = {};

	CHECK(!rpc_pending_peek(&p, 1, &out), "nothing outstanding");
	CHECK(rpc_pending_call(&p, 1, &c1, true), "call 1");
	CHECK(rpc_pending_call(&p, 2, NULL, false), "call 2, not a lookup");
	CHECK(rpc_pending_peek(&p, 1, &out) && out.prog == 100005, "peek 1");
	CHECK(rpc_pending_peek(&p, 1, &out), "peek 1 again");
	CHECK(!rpc_pending_peek(&p, 2, &out), "peek 2: refused");
	CHECK(!rpc_pending_peek(&p, 3, &out), "peek 3: unmatched");
	CHECK_EQ(p.used, 3);
	CHECK_EQ(rpc_pending_reply(&p, 1, &out), RPC_OPEN);
	CHECK(!rpc_pending_peek(&p, 1, &out), "answered");
	CHECK(rpc_pending_call(&p, 1, &c1, true), "call 1 again");
	p.untrusted = true;
	CHECK(!rpc_pending_peek(&p, 1, &out), "untrusted");
}

/* A call not allowed, or not a lookup, is remembered: its reply opens nothing. */
static void test_pending_refused(void)
{
	struct rpc_pending p = { .used = 0 };
	struct rpc_lookup nlm = lookup(5, 100021), out;

	CHECK(rpc_pending_call(&p, 5, &nlm, false), "not allowed");
	CHECK(rpc_pending_call(&p, 6, NULL, false), "not a lookup");
	CHECK_EQ(rpc_pending_reply(&p, 5, &out), RPC_REFUSED);
	CHECK_EQ(rpc_pending_reply(&p, 6, &out), RPC_REFUSED);
	CHECK(rpc_pending_call(&p, 7, NULL, true), "NULL is never allowed");
	CHECK_EQ(rpc_pending_reply(&p, 7, &out), RPC_REFUSED);
}

/*
 * The attack an adversarial review found: the forbidden lookup and then
 * the allowed one with the same xid; rpcbind answers the first first.
 */
static void test_pending_xid_reused(void)
{
	struct rpc_pending p = { .used = 0 };
	struct rpc_lookup nlm = lookup(9, 100021), mnt = lookup(9, 100005);
	struct rpc_lookup out;

	CHECK(rpc_pending_call(&p, 9, &nlm, false), "NLM");
	CHECK(!rpc_pending_call(&p, 9, &mnt, true), "MOUNT, same xid");
	CHECK(p.untrusted, "untrusted");
	CHECK_EQ(rpc_pending_reply(&p, 9, &out), RPC_REFUSED);
	CHECK_EQ(rpc_pending_reply(&p, 9, &out), RPC_UNMATCHED);
	/* And for good. */
	CHECK(!rpc_pending_call(&p, 10, &mnt, true), "later call");
	CHECK_EQ(rpc_pending_reply(&p, 10, &out), RPC_UNMATCHED);
	/* Allowed then allowed with the same xid: untrusted too. */
	memset(&p, 0, sizeof(p));
	CHECK(rpc_pending_call(&p, 9, &mnt, true), "MOUNT");
	CHECK(!rpc_pending_call(&p, 9, &mnt, true), "MOUNT again");
	CHECK_EQ(rpc_pending_reply(&p, 9, &out), RPC_REFUSED);
}

/* More calls outstanding than remembered: untrusted, nothing evicted. */
static void test_pending_full(void)
{
	struct rpc_pending p = { .used = 0 };
	struct rpc_lookup c, out;
	unsigned int i;

	for (i = 0; i < RPC_MAX_PENDING; i++) {
		c = lookup(100 + i, 100005);
		CHECK(rpc_pending_call(&p, 100 + i, &c, true), "call %u", i);
	}
	c = lookup(200, 100005);
	CHECK(!rpc_pending_call(&p, 200, &c, true), "one too many");
	CHECK(p.untrusted, "untrusted");
	for (i = 0; i < RPC_MAX_PENDING; i++)
		CHECK_EQ(rpc_pending_reply(&p, 100 + i, &out), RPC_REFUSED);
	CHECK_EQ(rpc_pending_reply(&p, 200, &out), RPC_UNMATCHED);
}

static void test_slot_basic(void)
{
	struct rpc_slot s = { .outstanding = 0 };
	struct rpc_lookup mnt = lookup(3, 100005), out;
	unsigned int i;

	CHECK_EQ(rpc_slot_reply(&s, 3, &out), RPC_UNMATCHED);
	CHECK(rpc_slot_call(&s, 3, &mnt, true), "call");
	CHECK_EQ(rpc_slot_reply(&s, 4, &out), RPC_UNMATCHED);
	CHECK(rpc_slot_reply(&s, 3, &out) == RPC_OPEN && out.prog == 100005,
	      "reply");
	CHECK_EQ(rpc_slot_reply(&s, 3, &out), RPC_UNMATCHED);
	/* Retransmissions: the same call, each maybe answered. */
	for (i = 0; i < 3; i++)
		CHECK(rpc_slot_call(&s, 3, &mnt, true), "retransmission %u", i);
	for (i = 0; i < 3; i++)
		CHECK_EQ(rpc_slot_reply(&s, 3, &out), RPC_OPEN);
	CHECK_EQ(rpc_slot_reply(&s, 3, &out), RPC_UNMATCHED);
	/* A new question once the last is answered. */
	mnt = lookup(8, 100003);
	CHECK(rpc_slot_call(&s, 8, &mnt, true), "next call");
	CHECK(rpc_slot_reply(&s, 8, &out) == RPC_OPEN && out.prog == 100003,
	      "next reply");
	CHECK(!s.untrusted, "still trusted");
}

/* UDP variants of the xid games: all of them end untrusted. */
static void test_slot_games(void)
{
	struct rpc_lookup nlm = lookup(9, 100021), mnt = lookup(9, 100005);
	struct rpc_lookup other = lookup(11, 100005), out;
	struct rpc_slot s = { .outstanding = 0 };
	unsigned int i;

	/* NLM X, MOUNT X: the NLM reply must not open. */
	CHECK(rpc_slot_call(&s, 9, &nlm, false), "NLM");
	CHECK(!rpc_slot_call(&s, 9, &mnt, true), "MOUNT, same xid");
	CHECK_EQ(rpc_slot_reply(&s, 9, &out), RPC_REFUSED);
	CHECK_EQ(rpc_slot_reply(&s, 9, &out), RPC_UNMATCHED);
	/* NLM X, MOUNT Y, MOUNT X. */
	memset(&s, 0, sizeof(s));
	rpc_slot_call(&s, 9, &nlm, false);
	CHECK(!rpc_slot_call(&s, 11, &other, true), "another xid");
	CHECK(!rpc_slot_call(&s, 9, &mnt, true), "then MOUNT X");
	for (i = 0; i < 3; i++)
		CHECK(rpc_slot_reply(&s, i % 2 ? 11 : 9, &out) != RPC_OPEN,
		      "reply %u opened", i);
	/* NLM X a hundred times, answered one by one, then MOUNT X. */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 100; i++)
		rpc_slot_call(&s, 9, &nlm, false);
	CHECK_EQ(rpc_slot_reply(&s, 9, &out), RPC_REFUSED);
	CHECK(!rpc_slot_call(&s, 9, &mnt, true), "MOUNT X with 99 NLM X out");
	for (i = 0; i < 99; i++)
		CHECK(rpc_slot_reply(&s, 9, &out) != RPC_OPEN, "NLM reply %u", i);
	/* A non-lookup with the xid of an allowed lookup. */
	memset(&s, 0, sizeof(s));
	CHECK(rpc_slot_call(&s, 9, NULL, false), "DUMP");
	CHECK(!rpc_slot_call(&s, 9, &mnt, true), "MOUNT X");
	CHECK_EQ(rpc_slot_reply(&s, 9, &out), RPC_REFUSED);
	/* A count that would wrap is not a retransmission. */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 255; i++)
		rpc_slot_call(&s, 9, &mnt, true);
	CHECK(!s.untrusted, "255 retransmissions");
	CHECK(!rpc_slot_call(&s, 9, &mnt, true), "the 256th");
}

/* ---- TCP record marking ---- */

static void make_record(u8 *rec, size_t len, u8 tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		rec[i] = tag + i;
}

static bool record_is(const struct records *r, unsigned int i,
		      const u8 *rec, size_t len)
{
	return i < r->n && i < MAX_RECORDS && r->len[i] == len &&
	       !memcmp(r->data[i], rec, len);
}

/*
 * Twins (two conntrack entries of one flow, one dropped): what each noted,
 * merged, is what one ledger would have noted of both calls.
 */
static void test_slot_merge(void)
{
	struct rpc_lookup nlm = lookup(9, 100021), mnt = lookup(9, 100005);
	struct rpc_slot a = { .outstanding = 0 }, b = a, empty = a, out_a;
	struct rpc_lookup out;

	/* The same call twice (a duplicated datagram): two replies open. */
	rpc_slot_call(&a, 9, &mnt, true);
	rpc_slot_call(&b, 9, &mnt, true);
	out_a = a;
	rpc_slot_merge(&a, &b);
	rpc_slot_merge(&b, &out_a);
	CHECK(!a.untrusted && !b.untrusted, "duplicate trusted");
	CHECK_EQ(a.outstanding, 2);
	CHECK_EQ(b.outstanding, 2);
	CHECK_EQ(rpc_slot_reply(&a, 9, &out), RPC_OPEN);
	CHECK_EQ(rpc_slot_reply(&a, 9, &out), RPC_OPEN);
	CHECK_EQ(rpc_slot_reply(&a, 9, &out), RPC_UNMATCHED);
	/* MOUNT X and NLM X: neither ledger opens anything. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rpc_slot_call(&a, 9, &mnt, true);
	rpc_slot_call(&b, 9, &nlm, false);
	out_a = a;
	rpc_slot_merge(&a, &b);
	rpc_slot_merge(&b, &out_a);
	CHECK(a.untrusted && b.untrusted, "two calls untrusted");
	CHECK_EQ(rpc_slot_reply(&a, 9, &out), RPC_REFUSED);
	CHECK_EQ(rpc_slot_reply(&b, 9, &out), RPC_REFUSED);
	/* The same lookup, refused on one side only (another transport). */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rpc_slot_call(&a, 9, &mnt, true);
	rpc_slot_call(&b, 9, &mnt, false);
	rpc_slot_merge(&a, &b);
	CHECK(a.untrusted, "allowed and refused untrusted");
	/* A non-lookup and a lookup of one xid. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rpc_slot_call(&a, 9, &mnt, true);
	rpc_slot_call(&b, 9, NULL, false);
	rpc_slot_merge(&a, &b);
	CHECK(a.untrusted, "lookup and other call untrusted");
	/* An untrusted twin, and a twin that noted nothing. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	b.untrusted = true;
	rpc_slot_call(&a, 9, &mnt, true);
	rpc_slot_merge(&a, &empty);
	CHECK(!a.untrusted && a.outstanding == 1, "nothing to merge");
	rpc_slot_merge(&a, &b);
	CHECK(a.untrusted, "untrusted twin");
}

static void test_stream_one_per_segment(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[3][60];
	struct xdr x;
	u32 seq = 1;
	int i;

	for (i = 0; i < 3; i++) {
		make_record(rec[i], sizeof(rec[i]), i * 50);
		x.len = 0;
		put_record(&x, rec[i], sizeof(rec[i]));
		feed(s, seq, x.d, x.len, r, &st);
		seq += x.len;
	}
	CHECK_EQ(r->n, 3);
	CHECK_EQ(st.records, 3);
	for (i = 0; i < 3; i++)
		CHECK(record_is(r, i, rec[i], sizeof(rec[i])), "record %d", i);
	free(s);
	free(r);
}

static void test_stream_split_everywhere(void)
{
	struct rpc_stream_stats st = { 0 };
	struct records *r = records_new();
	struct rpc_stream *s;
	u8 rec[56];
	struct xdr x = { .len = 0 };
	size_t k, j;

	make_record(rec, sizeof(rec), 7);
	put_record(&x, rec, sizeof(rec));
	for (k = 0; k <= x.len; k++) {
		s = stream_new();
		memset(r, 0, sizeof(*r));
		feed(s, 5000, x.d, k, r, &st);
		feed(s, 5000 + k, x.d + k, x.len - k, r, &st);
		CHECK(r->n == 1 && record_is(r, 0, rec, sizeof(rec)),
		      "split at %zu", k);
		free(s);
	}
	/* One byte per segment. */
	s = stream_new();
	memset(r, 0, sizeof(*r));
	for (j = 0; j < x.len; j++)
		feed(s, 77 + j, x.d + j, 1, r, &st);
	CHECK(r->n == 1 && record_is(r, 0, rec, sizeof(rec)), "bytewise");
	free(s);
	free(r);
}

static void test_stream_several_per_segment(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 a[56], b[92], c[4];
	struct xdr x = { .len = 0 };
	size_t k;

	make_record(a, sizeof(a), 1);
	make_record(b, sizeof(b), 2);
	make_record(c, sizeof(c), 3);
	put_record(&x, a, sizeof(a));
	put_record(&x, b, sizeof(b));
	put_record(&x, c, sizeof(c));
	feed(s, 0, x.d, x.len, r, &st);
	CHECK(r->n == 3 && record_is(r, 0, a, sizeof(a)) &&
	      record_is(r, 1, b, sizeof(b)) && record_is(r, 2, c, sizeof(c)),
	      "%u records", r->n);
	free(s);
	/* And with a split anywhere, including inside the middle mark. */
	for (k = 0; k <= x.len; k++) {
		s = stream_new();
		memset(r, 0, sizeof(*r));
		feed(s, 0, x.d, k, r, &st);
		feed(s, k, x.d + k, x.len - k, r, &st);
		CHECK(r->n == 3 && record_is(r, 1, b, sizeof(b)),
		      "split at %zu", k);
		free(s);
	}
	free(r);
}

static void test_stream_fragments(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[100];
	struct xdr x = { .len = 0 };

	make_record(rec, sizeof(rec), 9);
	put_mark(&x, false, 30);
	memcpy(x.d + x.len, rec, 30);
	x.len += 30;
	put_mark(&x, false, 0);		/* empty fragments are legal */
	put_mark(&x, false, 50);
	memcpy(x.d + x.len, rec + 30, 50);
	x.len += 50;
	put_mark(&x, true, 20);
	memcpy(x.d + x.len, rec + 80, 20);
	x.len += 20;
	put_mark(&x, true, 0);		/* an empty record */
	feed(s, 0, x.d, x.len, r, &st);
	CHECK(r->n == 2 && record_is(r, 0, rec, sizeof(rec)) &&
	      r->len[1] == 0, "%u records", r->n);
	free(s);
	free(r);
}

/*
 * rec_seq, when a record is handed over: where its first mark starts (the
 * NAT rewrite finds the record in the segment by it), however it came cut.
 */
static struct rpc_stream *seq_stream;
static u32 seq_seen[MAX_RECORDS];
static unsigned int seq_n;

static void collect_seq(void *ctx, const u8 *rec, size_t len)
{
	(void)ctx;
	(void)rec;
	(void)len;
	if (seq_n < MAX_RECORDS)
		seq_seen[seq_n++] = seq_stream->rec_seq;
}

static void test_stream_rec_seq(void)
{
	struct rpc_stream_stats st = { 0 };
	struct xdr x = { .len = 0 };
	u8 a[56], b[92];
	size_t k;

	make_record(a, sizeof(a), 1);
	make_record(b, sizeof(b), 2);
	put_record(&x, a, sizeof(a));
	put_mark(&x, false, 40);
	memcpy(x.d + x.len, b, 40);
	x.len += 40;
	put_mark(&x, true, 52);
	memcpy(x.d + x.len, b + 40, 52);
	x.len += 52;
	for (k = 0; k <= x.len; k++) {
		seq_stream = stream_new();
		seq_n = 0;
		rpc_stream_start(seq_stream, 0xfffffff0u);
		rpc_stream_feed(seq_stream, 0xfffffff0u, x.d, k, collect_seq,
				NULL, &st);
		rpc_stream_feed(seq_stream, 0xfffffff0u + k, x.d + k,
				x.len - k, collect_seq, NULL, &st);
		CHECK(seq_n == 2 && seq_seen[0] == 0xfffffff0u &&
		      seq_seen[1] == (u32)(0xfffffff0u + 4 + sizeof(a)),
		      "split at %zu: %u records, at %#x %#x", k, seq_n,
		      seq_seen[0], seq_seen[1]);
		free(seq_stream);
	}
}

static void test_stream_too_long(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	static u8 big[RPC_MAX_RECORD + 1];
	static struct xdr x;
	u8 small[40];
	size_t k;

	x.len = 0;
	make_record(big, sizeof(big), 0);
	make_record(small, sizeof(small), 0x40);
	put_record(&x, big, RPC_MAX_RECORD + 1);	/* skipped */
	put_record(&x, small, sizeof(small));
	put_record(&x, big, RPC_MAX_RECORD);		/* just fits */
	/* Too long in total, over two fragments. */
	put_mark(&x, false, RPC_MAX_RECORD - 10);
	memcpy(x.d + x.len, big, RPC_MAX_RECORD - 10);
	x.len += RPC_MAX_RECORD - 10;
	put_mark(&x, true, 11);
	memcpy(x.d + x.len, big, 11);
	x.len += 11;
	put_record(&x, small, sizeof(small));
	for (k = 0; k < x.len; k += 97) {
		memset(r, 0, sizeof(*r));
		memset(&st, 0, sizeof(st));
		memset(s, 0, sizeof(*s));
		feed(s, 0, x.d, k, r, &st);
		feed(s, k, x.d + k, x.len - k, r, &st);
		CHECK(r->n == 3 && st.records == 3 && st.too_long == 2 &&
		      st.oversized == 2 &&
		      record_is(r, 0, small, sizeof(small)) &&
		      record_is(r, 1, big, RPC_MAX_RECORD) &&
		      record_is(r, 2, small, sizeof(small)),
		      "split at %zu: %u records, %u too long", k, r->n,
		      st.too_long);
	}
	free(s);
	free(r);
}

/*
 * A record too long is known at its mark, before its bytes: the helper
 * stops trusting the flow there, not when (if ever) the record ends.
 */
static void test_stream_oversized_at_mark(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	static struct xdr x;

	x.len = 0;
	put_mark(&x, true, 0x00800000);
	memset(x.d + x.len, 0, 100);
	x.len += 100;
	feed(s, 0, x.d, 2, r, &st);
	CHECK(st.oversized == 0, "half a mark: %u", st.oversized);
	feed(s, 2, x.d + 2, x.len - 2, r, &st);
	CHECK(st.oversized == 1 && st.too_long == 0 && r->n == 0,
	      "8 MiB mark: oversized %u, too long %u, %u records",
	      st.oversized, st.too_long, r->n);
	free(s);
	free(r);
}

/* A fragment length of 2^31 - 1 is only a long skip. */
static void test_stream_huge_fragment(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	static u8 junk[65536];
	struct xdr x = { .len = 0 };
	u32 seq, i;

	put_mark(&x, true, 0x7fffffff);
	feed(s, 0, x.d, x.len, r, &st);
	seq = 4;
	for (i = 0; i < 64; i++) {
		feed(s, seq, junk, sizeof(junk), r, &st);
		seq += sizeof(junk);
	}
	CHECK(r->n == 0 && st.too_long == 0 && st.desyncs == 0 &&
	      s->skipping, "%u records", r->n);
	free(s);
	free(r);
}

static void test_stream_retransmit(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[56];
	struct xdr x = { .len = 0 };

	make_record(rec, sizeof(rec), 3);
	put_record(&x, rec, sizeof(rec));
	feed(s, 100, x.d, x.len, r, &st);
	feed(s, 100, x.d, x.len, r, &st);		/* whole again */
	feed(s, 100, x.d, 10, r, &st);			/* old part */
	feed(s, 110, x.d + 10, x.len - 10, r, &st);
	feed(s, 100 + x.len, x.d, 0, r, &st);		/* bare ACK */
	CHECK(r->n == 1 && st.desyncs == 0 && !s->desynced,
	      "%u records", r->n);
	/* Each piece seen again is counted: the peer may have read it. */
	CHECK_EQ(st.overlaps, 3);
	/* The stream goes on after them. */
	feed(s, 100 + x.len, x.d, x.len, r, &st);
	CHECK(r->n == 2 && record_is(r, 1, rec, sizeof(rec)), "next");
	CHECK_EQ(st.overlaps, 3);
	free(s);
	free(r);
}

/* A stream not followed from its start reads nothing. */
static void test_stream_not_started(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[56];
	struct xdr x = { .len = 0 };

	make_record(rec, sizeof(rec), 3);
	put_record(&x, rec, sizeof(rec));
	rpc_stream_feed(s, 100, x.d, x.len, collect, r, &st);
	CHECK(r->n == 0 && st.records == 0, "%u records", r->n);
	rpc_stream_start(s, 100 + x.len);
	rpc_stream_feed(s, 100, x.d, x.len, collect, r, &st);
	CHECK(r->n == 0 && st.overlaps == 1, "before the start: an overlap");
	rpc_stream_feed(s, 100 + x.len, x.d, x.len, collect, r, &st);
	CHECK(r->n == 1 && record_is(r, 0, rec, sizeof(rec)), "from the start");
	free(s);
	free(r);
}

static void test_stream_overlap(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[56];
	struct xdr x = { .len = 0 };

	make_record(rec, sizeof(rec), 4);
	put_record(&x, rec, sizeof(rec));
	put_record(&x, rec, sizeof(rec));
	feed(s, 0, x.d, 30, r, &st);
	feed(s, 20, x.d + 20, 50, r, &st);		/* 10 old, 40 new */
	feed(s, 2, x.d + 2, x.len - 2, r, &st);		/* mostly old */
	CHECK(r->n == 2 && record_is(r, 0, rec, sizeof(rec)) &&
	      record_is(r, 1, rec, sizeof(rec)) && st.desyncs == 0,
	      "%u records", r->n);
	free(s);
	free(r);
}

static void test_stream_gap(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[56];
	struct xdr x = { .len = 0 };

	make_record(rec, sizeof(rec), 5);
	put_record(&x, rec, sizeof(rec));
	put_record(&x, rec, sizeof(rec));
	feed(s, 0, x.d, 10, r, &st);
	CHECK_EQ(st.desyncs, 0);
	feed(s, 20, x.d + 20, x.len - 20, r, &st);	/* 10 bytes lost */
	CHECK(st.desyncs == 1 && s->desynced, "no desync");
	/* Nothing is parsed any more, even the missing bytes. */
	st.desyncs = 0;
	feed(s, 10, x.d + 10, x.len - 10, r, &st);
	feed(s, x.len, x.d, x.len, r, &st);
	CHECK(r->n == 0 && st.desyncs == 0, "%u records", r->n);
	free(s);
	free(r);
}

static void test_stream_wraparound(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[56];
	struct xdr x = { .len = 0 };
	u32 seq = 0xffffffe0;

	make_record(rec, sizeof(rec), 6);
	put_record(&x, rec, sizeof(rec));
	feed(s, seq, x.d, 20, r, &st);
	feed(s, seq + 20, x.d + 20, x.len - 20, r, &st);	/* wraps */
	feed(s, seq, x.d, x.len, r, &st);			/* old */
	feed(s, seq + 40, x.d + 40, x.len - 40, r, &st);	/* old */
	CHECK(r->n == 1 && record_is(r, 0, rec, sizeof(rec)) &&
	      s->next_seq == (u32)(seq + x.len) && st.desyncs == 0,
	      "first: %u records, next_seq %x, desyncs %u", r->n, s->next_seq,
	      st.desyncs);
	feed(s, seq + x.len, x.d, x.len, r, &st);
	CHECK(r->n == 2 && st.desyncs == 0, "second");
	/* A segment half the sequence space ahead is a gap, not old. */
	feed(s, s->next_seq + 0x7fffffff, x.d, x.len, r, &st);
	CHECK(st.desyncs == 1, "far ahead");
	free(s);
	free(r);
}

/* A segment half the sequence space behind is old, not a gap. */
static void test_stream_far_behind(void)
{
	struct rpc_stream_stats st = { 0 };
	struct rpc_stream *s = stream_new();
	struct records *r = records_new();
	u8 rec[56];
	struct xdr x = { .len = 0 };

	make_record(rec, sizeof(rec), 8);
	put_record(&x, rec, sizeof(rec));
	feed(s, 10, x.d, x.len, r, &st);
	feed(s, 10 + x.len - 0x80000000u, x.d, x.len, r, &st);
	CHECK(r->n == 1 && st.desyncs == 0, "%u records, desyncs %u", r->n,
	      st.desyncs);
	free(s);
	free(r);
}

int main(void)
{
	test_samples();
	RUN(test_getport_auth_null);
	RUN(test_getport_auth_sys);
	RUN(test_getport_protocols);
	RUN(test_pmap_program_ignored);
	RUN(test_procedures);
	RUN(test_callit_ignored);
	RUN(test_netids);
	RUN(test_rpcb_string_bounds);
	RUN(test_auth_bounds);
	RUN(test_call_header);
	RUN(test_call_untouched);
	RUN(test_v2_reply_ports);
	RUN(test_reply_wrong_xid);
	RUN(test_reply_header);
	RUN(test_reply_denied);
	RUN(test_reply_accept_stat);
	RUN(test_reply_verifier);
	RUN(test_uaddr_replies);
	RUN(test_uaddrs);
	RUN(test_pending_basic);
	RUN(test_pending_peek);
	RUN(test_pending_refused);
	RUN(test_pending_xid_reused);
	RUN(test_pending_full);
	RUN(test_slot_basic);
	RUN(test_slot_games);
	RUN(test_slot_merge);
	RUN(test_stream_one_per_segment);
	RUN(test_stream_split_everywhere);
	RUN(test_stream_several_per_segment);
	RUN(test_stream_fragments);
	RUN(test_stream_rec_seq);
	RUN(test_stream_too_long);
	RUN(test_stream_oversized_at_mark);
	RUN(test_stream_huge_fragment);
	RUN(test_stream_retransmit);
	RUN(test_stream_not_started);
	RUN(test_stream_overlap);
	RUN(test_stream_gap);
	RUN(test_stream_wraparound);
	RUN(test_stream_far_behind);
	return test_summary();
}
