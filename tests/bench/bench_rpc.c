// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of the imgsec-rpc helper's parsing per packet: nanoseconds per call
 * and per reply of real portmap GETPORT and rpcbind GETADDR exchanges,
 * captured from mount.nfs, the kernel and rpcinfo (tests/data/rpc/, see its
 * README.md), run through the same module/rpc.c the kernel module builds.
 *
 * Per sample, what the helper does for each packet (module/helper.c):
 *   call     rpc_parse_call() + rpc_pending_call()        (the call packet)
 *   reply    rpc_reply_xid() + rpc_pending_reply()
 *            + rpc_parse_reply()                          (the reply packet)
 *   exchange both, and for TCP through rpc_stream_feed() (record marking)
 *            on two streams, as one connection making lookup after lookup
 * Not included: the conntrack work around it (helper lookup, lock,
 * skb_header_pointer copy, nf_ct_expect_related); the VM section measures
 * the whole path.
 *
 * Usage: bench_rpc [-q] DATADIR   (-q: one run, for a smoke test)
 * Timing: thread CPU time, each run repeated to >= 50 ms, median of 7 runs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rpc.h"
#include "bench.h"

#define MIN_RUN_NS	50000000.0
#define MAX_BIN		2048

struct sample {
	const char *name;	/* tests/data/rpc/NAME.{call,reply}.PROTO.bin */
	const char *what;
	bool tcp;
	/* loaded */
	u8 call[MAX_BIN], reply[MAX_BIN];
	size_t call_len, reply_len;
	struct rpc_lookup lookup;	/* the parsed call */
};

static struct sample samples[] = {
	{ .name = "kernel_getport_mount_udp", .tcp = false,
	  .what = "GETPORT v2, UDP (kernel, AUTH_SYS)" },
	{ .name = "mountnfs_getport_mount_udp", .tcp = false,
	  .what = "GETPORT v2, UDP (mount.nfs)" },
	{ .name = "mountnfs_getport_mount_tcp", .tcp = true,
	  .what = "GETPORT v2, TCP (mount.nfs)" },
	{ .name = "rpcinfo_getaddr_mount_udp", .tcp = false,
	  .what = "GETADDR v4, UDP, IPv4 uaddr (rpcinfo)" },
	{ .name = "kernel6_getaddr_mount_udp6", .tcp = false,
	  .what = "GETADDR v4, UDP, IPv6 uaddr (kernel)" },
	{ .name = "mountnfs6_getaddr_nfs_tcp6", .tcp = true,
	  .what = "GETADDR v4, TCP, IPv6 uaddr (mount.nfs)" },
};

#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static volatile u32 sink;

static size_t load(const char *dir, const char *name, const char *kind,
		   bool tcp, u8 *buf)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.%s.%s.bin", dir, name, kind,
		 tcp ? "tcp" : "udp");
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, MAX_BIN, f);
	fclose(f);
	if (n == 0 || n == MAX_BIN) {
		fprintf(stderr, "%s: unexpected size %zu\n", path, n);
		exit(1);
	}
	return n;
}

/* The record in a sample: UDP the datagram, TCP past its one record mark. */
static const u8 *record(const struct sample *s, const u8 *buf, size_t len,
			size_t *rec_len)
{
	if (!s->tcp) {
		*rec_len = len;
		return buf;
	}
	*rec_len = len - 4;
	return buf + 4;
}

enum op { OP_CALL, OP_REPLY, OP_EXCHANGE, NOPS };

struct stream_ctx {
	struct rpc_pending pending;
	u32 acc;
};

/* What helper.c does with one record of either direction. */
static void on_call(struct stream_ctx *c, const u8 *rec, size_t len)
{
	struct rpc_lookup call;

	if (rpc_parse_call(rec, len, &call) == RPC_OK &&
	    rpc_pending_call(&c->pending, call.xid, &call, true))
		c->acc += call.prog;
}

static void on_reply(struct stream_ctx *c, const u8 *rec, size_t len)
{
	struct rpc_lookup call;
	struct rpc_answer ans;
	u32 xid;

	if (rpc_reply_xid(rec, len, &xid) != RPC_OK ||
	    rpc_pending_reply(&c->pending, xid, &call) != RPC_OPEN)
		return;
	if (rpc_parse_reply(rec, len, &call, &ans) == RPC_OK)
		c->acc += ans.port;
}

static void rec_call(void *arg, const u8 *rec, size_t len)
{
	on_call(arg, rec, len);
}

static void rec_reply(void *arg, const u8 *rec, size_t len)
{
	on_reply(arg, rec, len);
}

static struct rpc_stream streams[2];
static u32 seq[2];	/* where each direction's next byte goes */

/* Both directions followed from where they are now (after the SYNs). */
static void start_streams(void)
{
	memset(streams, 0, sizeof(streams));
	rpc_stream_start(&streams[0], seq[0]);
	rpc_stream_start(&streams[1], seq[1]);
}

/* @reps times the operation; returns a checksum so nothing is elided. */
static u32 run_op(struct sample *s, enum op op, u32 reps)
{
	struct stream_ctx c = {};
	struct rpc_stream_stats st = {};
	const u8 *call, *reply;
	size_t call_len, reply_len;
	u32 k;

	call = record(s, s->call, s->call_len, &call_len);
	reply = record(s, s->reply, s->reply_len, &reply_len);
	for (k = 0; k < reps; k++) {
		switch (op) {
		case OP_CALL:
			/* Nothing outstanding, as for a connection's call. */
			c.pending.used = 0;
			on_call(&c, call, call_len);
			break;
		case OP_REPLY:
			/* The call is pending, as it is when a reply comes. */
			c.pending.calls[0] = s->lookup;
			c.pending.used = 1;
			c.pending.refused = 0;
			on_reply(&c, reply, reply_len);
			break;
		case OP_EXCHANGE:
			if (s->tcp) {
				rpc_stream_feed(&streams[0], seq[0], s->call,
						s->call_len, rec_call, &c, &st);
				seq[0] += s->call_len;
				rpc_stream_feed(&streams[1], seq[1], s->reply,
						s->reply_len, rec_reply, &c,
						&st);
				seq[1] += s->reply_len;
			} else {
				on_call(&c, call, call_len);
				on_reply(&c, reply, reply_len);
			}
			break;
		default:
			break;
		}
	}
	return c.acc + st.records;
}

static double bench(struct sample *s, enum op op, int runs)
{
	double t0, t, res[16];
	u32 reps = 1, acc = 0;
	int run;

	for (run = 0; run < runs; run++) {
		for (;;) {
			t0 = now_ns();
			acc += run_op(s, op, reps);
			t = now_ns() - t0;
			if (t >= MIN_RUN_NS || run > 0)
				break;
			reps *= 2;	/* calibrate on the first run */
		}
		res[run] = t / reps;
	}
	sink = acc;
	qsort(res, runs, sizeof(res[0]), cmp_double);
	return res[runs / 2];
}

/* Check that a sample parses, and that the exchange really happens. */
static void prepare(struct sample *s, const char *dir)
{
	struct stream_ctx c = {};
	struct rpc_stream_stats st = {};
	const u8 *rec;
	size_t len;
	u32 before;

	s->call_len = load(dir, s->name, "call", s->tcp, s->call);
	s->reply_len = load(dir, s->name, "reply", s->tcp, s->reply);
	rec = record(s, s->call, s->call_len, &len);
	if (rpc_parse_call(rec, len, &s->lookup) != RPC_OK) {
		fprintf(stderr, "%s: the call does not parse\n", s->name);
		exit(1);
	}
	on_call(&c, rec, len);
	before = c.acc;
	rec = record(s, s->reply, s->reply_len, &len);
	on_reply(&c, rec, len);
	if (c.acc == before) {
		fprintf(stderr, "%s: the reply gives no port\n", s->name);
		exit(1);
	}
	if (s->tcp) {
		start_streams();
		rpc_stream_feed(&streams[0], seq[0], s->call, s->call_len,
				rec_call, &c, &st);
		if (st.records != 1 || st.too_long || st.desyncs) {
			fprintf(stderr, "%s: not one TCP record\n", s->name);
			exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	int runs = 7, a = 1;
	double ns[NOPS];
	unsigned int i, k;

	if (argc > a && !strcmp(argv[a], "-q")) {
		runs = 1;
		a++;
	}
	if (argc != a + 1) {
		fprintf(stderr, "usage: bench_rpc [-q] DATADIR\n");
		return 2;
	}
	for (i = 0; i < NSAMPLES; i++)
		prepare(&samples[i], argv[a]);

	printf("ns per packet, median of %d runs, thread CPU time\n\n", runs);
	printf("| sample (tests/data/rpc) | what | call bytes | reply bytes "
	       "| call ns | reply ns | exchange ns |\n");
	printf("|---|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NSAMPLES; i++) {
		start_streams();
		for (k = 0; k < NOPS; k++)
			ns[k] = bench(&samples[i], k, runs);
		printf("| `%s` | %s | %zu | %zu | %.1f | %.1f | %.1f |\n",
		       samples[i].name, samples[i].what, samples[i].call_len,
		       samples[i].reply_len, ns[OP_CALL], ns[OP_REPLY],
		       ns[OP_EXCHANGE]);
		fflush(stdout);
	}
	return 0;
}
