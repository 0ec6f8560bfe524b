// SPDX-License-Identifier: GPL-2.0
/*
 * rpcsend: craft portmap/rpcbind traffic that the real tools do not send,
 * for the imgsec-rpc helper's end-to-end tests (tests/e2e/rpc_helper_test.sh).
 *
 * Built statically (make tools) so that it runs in the test VM as is.
 * Plain C, no name resolution (numeric addresses only), every loop bounded
 * by a count or a deadline. Run "rpcsend -h" for the usage.
 *
 * Wire formats: RFC 5531 (RPC, record marking), RFC 1833 (portmap v2
 * GETPORT, rpcbind v3/v4 GETADDR and v4 GETVERSADDR), RFC 5665 (uaddr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PMAP_PROG	100000
#define PMAP_PORT	111
#define MAX_COUNT	100000	/* -n */
#define MAX_SPLIT	64	/* -s */
#define MAX_FRAGS	16	/* -F */
#define MAX_RECORDS	64	/* -r */
#define MAX_MSG		512	/* one RPC message we build */
#define MAX_HOLD	4000	/* TCP connections held open at once */
#define RX_BUF		65536

enum mode { M_GETPORT, M_FLOOD, M_XIDS, M_FORGE, M_SERVE };

struct opts {
	enum mode mode;
	struct sockaddr_storage peer;	/* server (or local address: serve) */
	socklen_t peer_len;
	int family;
	int tcp;		/* -t: transport to portmap */
	unsigned int port;	/* -p */
	uint32_t prog;		/* -P */
	uint32_t vers;		/* -V */
	int proto;		/* -x: protocol asked for */
	uint32_t pmap_vers;	/* -v: 2, 3 or 4 */
	int versaddr;		/* -g: v4 GETVERSADDR instead of GETADDR */
	int auth_sys;		/* -a */
	unsigned int count;	/* -n */
	unsigned int split;	/* -s */
	unsigned int frags;	/* -F */
	unsigned int records;	/* -r */
	unsigned int base_port;	/* -B */
	unsigned int hold;	/* -k: seconds to keep TCP flood sockets */
	unsigned int forged;	/* -f: serve: forged replies per call */
	int answer;		/* -A: serve: port to answer, -1 none */
	int answer_inc;		/* -I: serve: answer port + i */
	const char *uaddr_host;	/* -H: serve: host part of v3/v4 uaddrs */
	double timeout;		/* -T */
	int quiet;		/* -q */
};

static struct opts o = {
	.port = PMAP_PORT,
	.prog = 100005,
	.vers = 3,
	.proto = IPPROTO_UDP,
	.pmap_vers = 2,
	.auth_sys = 1,
	.count = 1,
	.split = 1,
	.frags = 1,
	.records = 1,
	.base_port = 20000,
	.answer = -1,
	.timeout = 3.0,
};

static uint64_t rng_state;
static volatile sig_atomic_t stop;	/* serve: SIGTERM or SIGINT seen */

static void usage(FILE *f)
{
	fprintf(f,
"usage: rpcsend [options] MODE ADDRESS\n"
"Craft portmap/rpcbind traffic. ADDRESS is numeric IPv4 or IPv6: the server,\n"
"or for 'serve' the local address to listen on.\n"
"\n"
"modes:\n"
"  getport  send -r lookup calls (one per record, -n times), print the port\n"
"           of every reply, one per line (0 = not registered); exit 1 when\n"
"           a reply is missing\n"
"  flood    send -n lookup calls, each from its own source port (-B BASE+i),\n"
"           so each is a new conntrack; never read a reply. UDP, or TCP\n"
"           (connect, send, close; with -k SECS keep them all open)\n"
"  xids     send -n lookup calls with distinct xids on one socket, then wait\n"
"           -T seconds for replies; prints 'sent N replies M ports P...'\n"
"  forge    send -n RPC *replies* with random xids (GETPORT-shaped, port\n"
"           2049) on one socket: replies nobody asked for\n"
"  serve    a fake portmap on ADDRESS:-p over UDP that never tells the\n"
"           truth unless asked: for each call, -f forged replies with random\n"
"           xids, then (-A PORT) the real reply with PORT (+i with -I).\n"
"           Stops after -n calls or -T seconds; prints a summary\n"
"\n"
"options:\n"
"  -t udp|tcp    transport to portmap (default udp); TCP uses record marking\n"
"  -p PORT       portmap port (default 111)\n"
"  -v 2|3|4      2: portmap GETPORT (default); 3, 4: rpcbind GETADDR\n"
"  -g            with -v 4: GETVERSADDR (proc 9) instead of GETADDR\n"
"  -P PROG       program asked about (default 100005, mountd)\n"
"  -V VERS       its version (default 3)\n"
"  -x udp|tcp    protocol asked for (default udp; sets the netid for v3/v4)\n"
"  -a null|sys   credential: AUTH_NULL or AUTH_SYS (default sys)\n"
"  -n N          count, 1..%d (default 1)\n"
"  -s N          TCP: cut every write into N pieces, sent as separate\n"
"                segments 30 ms apart (1..%d; pieces may be 1 byte)\n"
"  -F N          TCP: send each record as N fragments (1..%d); note that\n"
"                rpcbind (libtirpc 1.3.3) drops the connection then\n"
"  -r N          getport: N records (distinct xids) in one write (1..%d)\n"
"  -B PORT       flood: first source port (default 20000)\n"
"  -k SECS       flood -t tcp: keep the connections open SECS seconds\n"
"  -f N          serve: forged replies per call (default 0)\n"
"  -A PORT       serve: answer each call with PORT (default: no answer)\n"
"  -I            serve: answer call i with PORT + i\n"
"  -H HOST       serve: the host in v3/v4 answers (default: ADDRESS)\n"
"  -T SECS       how long to wait for replies / to serve (default 3)\n"
"  -q            print less\n"
"  -h            this help\n",
		MAX_COUNT, MAX_SPLIT, MAX_FRAGS, MAX_RECORDS);
}

static void die(const char *what)
{
	fprintf(stderr, "rpcsend: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void bad(const char *msg)
{
	fprintf(stderr, "rpcsend: %s (rpcsend -h for help)\n", msg);
	exit(2);
}

static uint32_t rng(void)
{
	/* xorshift64*: good enough for xids. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long num(const char *s, unsigned long lo, unsigned long hi,
			 const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "rpcsend: %s must be %lu..%lu, not '%s'\n",
			what, lo, hi, s);
		exit(2);
	}
	return v;
}

static int proto_arg(const char *s)
{
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	bad("protocol must be udp or tcp");
	return 0;
}

/* --- XDR ---------------------------------------------------------- */

struct buf {
	uint8_t b[MAX_MSG];
	size_t len;
};

static void put32(struct buf *m, uint32_t v)
{
	if (m->len + 4 > sizeof(m->b))
		bad("message too long");
	m->b[m->len++] = v >> 24;
	m->b[m->len++] = v >> 16;
	m->b[m->len++] = v >> 8;
	m->b[m->len++] = v;
}

static void put_str(struct buf *m, const char *s)
{
	size_t n = strlen(s);

	put32(m, n);
	if (m->len + ((n + 3) & ~(size_t)3) > sizeof(m->b))
		bad("message too long");
	memcpy(m->b + m->len, s, n);
	m->len += n;
	while (m->len & 3)
		m->b[m->len++] = 0;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static const char *netid(void)
{
	bool v6 = o.family == AF_INET6;

	if (o.proto == IPPROTO_TCP)
		return v6 ? "tcp6" : "tcp";
	return v6 ? "udp6" : "udp";
}

/* A lookup call with @xid, as the options say. */
static void build_call(struct buf *m, uint32_t xid)
{
	m->len = 0;
	put32(m, xid);
	put32(m, 0);			/* CALL */
	put32(m, 2);			/* RPC version */
	put32(m, PMAP_PROG);
	put32(m, o.pmap_vers);
	put32(m, o.versaddr ? 9 : 3);	/* GETPORT / GETADDR / GETVERSADDR */
	if (o.auth_sys) {
		struct buf cred = { .len = 0 };

		put32(&cred, (uint32_t)time(NULL));	/* stamp */
		put_str(&cred, "imgsec-rpcsend");
		put32(&cred, 0);		/* uid */
		put32(&cred, 0);		/* gid */
		put32(&cred, 1);		/* gids */
		put32(&cred, 0);
		put32(m, 1);			/* AUTH_SYS */
		put32(m, cred.len);
		memcpy(m->b + m->len, cred.b, cred.len);
		m->len += cred.len;
	} else {
		put32(m, 0);			/* AUTH_NULL */
		put32(m, 0);
	}
	put32(m, 0);				/* verifier AUTH_NULL */
	put32(m, 0);
	put32(m, o.prog);
	put32(m, o.vers);
	if (o.pmap_vers == 2) {
		put32(m, o.proto);
		put32(m, 0);
	} else {
		put_str(m, netid());
		put_str(m, "");			/* r_addr */
		put_str(m, "");			/* r_owner */
	}
}

/* A successful GETPORT-shaped reply (v2: u32 port). */
static void build_reply(struct buf *m, uint32_t xid, uint32_t vers,
			unsigned int port)
{
	char uaddr[80], host[INET6_ADDRSTRLEN];
	const void *a;

	m->len = 0;
	put32(m, xid);
	put32(m, 1);	/* REPLY */
	put32(m, 0);	/* MSG_ACCEPTED */
	put32(m, 0);	/* verifier AUTH_NULL */
	put32(m, 0);
	put32(m, 0);	/* SUCCESS */
	if (vers == 2) {
		put32(m, port);
		return;
	}
	a = o.family == AF_INET6 ?
		(const void *)&((struct sockaddr_in6 *)&o.peer)->sin6_addr :
		(const void *)&((struct sockaddr_in *)&o.peer)->sin_addr;
	inet_ntop(o.family, a, host, sizeof(host));
	snprintf(uaddr, sizeof(uaddr), "%s.%u.%u",
		 o.uaddr_host ? o.uaddr_host : host, port >> 8, port & 0xff);
	put_str(m, uaddr);
}

/*
 * The port a reply carries, -1 if it is no successful lookup reply.
 * Sets *xid.
 */
static long parse_reply(const uint8_t *p, size_t len, uint32_t *xid)
{
	size_t off = 0, vlen, ulen, i, dots = 0, start = 0;
	unsigned long f[2] = { 0, 0 };
	unsigned int nf = 0;

	if (len < 24 || get32(p + 4) != 1 || get32(p + 8) != 0)
		return -1;
	*xid = get32(p);
	vlen = get32(p + 16);
	if (vlen > 400)
		return -1;
	off = 20 + ((vlen + 3) & ~(size_t)3);
	if (off + 8 > len || get32(p + off) != 0)
		return -1;
	off += 4;
	if (o.pmap_vers == 2)
		return len - off == 4 ? (long)get32(p + off) : -1;
	ulen = get32(p + off);
	off += 4;
	if (ulen > len - off || ulen > 128)
		return -1;
	if (!ulen)
		return 0;
	/* The port is in the last two dot-separated fields. */
	for (i = ulen; i > 0 && dots < 2; i--)
		if (p[off + i - 1] == '.')
			dots++;
	if (dots < 2)
		return -1;
	start = off + i + 1;
	for (i = start; i < off + ulen && nf < 2; i++) {
		if (p[i] == '.') {
			nf++;
			continue;
		}
		if (p[i] < '0' || p[i] > '9')
			return -1;
		f[nf] = f[nf] * 10 + (p[i] - '0');
		if (f[nf] > 255)
			return -1;
	}
	return (long)(f[0] << 8 | f[1]);
}

/* --- sockets -------------------------------------------------------- */

static void set_port(struct sockaddr_storage *ss, unsigned int port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static void parse_addr(const char *s)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&o.peer;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o.peer;

	memset(&o.peer, 0, sizeof(o.peer));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		o.peer_len = sizeof(*in);
	} else if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		o.peer_len = sizeof(*in6);
	} else {
		bad("ADDRESS must be a numeric IPv4 or IPv6 address");
	}
	o.family = o.peer.ss_family;
	set_port(&o.peer, o.port);
}

/* A socket to the server; bound to local @sport unless 0. -1: port busy. */
static int open_sock(int tcp, unsigned int sport)
{
	struct sockaddr_storage local;
	int fd, one = 1;

	fd = socket(o.family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		die("socket");
	if (sport) {
		memset(&local, 0, sizeof(local));
		local.ss_family = o.family;
		set_port(&local, sport);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&local, o.peer_len) < 0) {
			if (errno != EADDRINUSE)
				die("bind");
			close(fd);
			return -1;
		}
	}
	if (tcp)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&o.peer, o.peer_len) < 0) {
		if (tcp && (errno == ECONNREFUSED || errno == ETIMEDOUT ||
			    errno == EHOSTUNREACH)) {
			close(fd);
			return -2;
		}
		die("connect");
	}
	return fd;
}

static void write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("send");
		}
		p += n;
		len -= n;
	}
}

/*
 * TCP: wrap @m in record marks (-F fragments) and append it to @out.
 * Fragments hold whole XDR units (multiples of 4 bytes), as libtirpc
 * sends them and as rpcbind's own reader wants.
 */
static void add_record(uint8_t *out, size_t *out_len, size_t cap,
		       const struct buf *m)
{
	size_t nfrag = o.frags, off = 0, k, flen;

	if (nfrag > m->len / 4)
		nfrag = m->len / 4;
	for (k = 0; k < nfrag; k++) {
		flen = k + 1 == nfrag ? m->len - off : (m->len / nfrag) & ~3UL;
		if (*out_len + 4 + flen > cap)
			bad("too many records for one write");
		out[(*out_len)++] = (k + 1 == nfrag ? 0x80 : 0) | flen >> 24;
		out[(*out_len)++] = flen >> 16;
		out[(*out_len)++] = flen >> 8;
		out[(*out_len)++] = flen;
		memcpy(out + *out_len, m->b + off, flen);
		*out_len += flen;
		off += flen;
	}
}

/* TCP: send @len bytes in -s pieces, one segment each. */
static void write_split(int fd, const uint8_t *p, size_t len)
{
	size_t pieces = o.split, k, off = 0, n;
	struct timespec gap = { 0, 30 * 1000 * 1000 };

	if (pieces > len)
		pieces = len;
	for (k = 0; k < pieces; k++) {
		n = k + 1 == pieces ? len - off : len / pieces;
		write_all(fd, p + off, n);
		off += n;
		if (k + 1 < pieces)
			nanosleep(&gap, NULL);
	}
}

/* Wait until @deadline for @fd to be readable. */
static bool wait_readable(int fd, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double left = deadline - now();
	int r;

	if (left <= 0)
		return false;
	r = poll(&pfd, 1, (int)(left * 1000) + 1);
	if (r < 0 && errno != EINTR)
		die("poll");
	/* EINTR: say "readable" so that the caller looks at its flags. */
	return r != 0;
}

/*
 * Read replies until @want arrived or the deadline. TCP: records by their
 * marks. Only replies to our calls count: xids @first .. @first + @want - 1
 * (a forged reply has some other xid). Each reply's port goes to @ports.
 * Returns how many.
 */
static unsigned int read_replies(int fd, unsigned int want, long *ports,
				 uint32_t first, double deadline)
{
	static uint8_t rx[RX_BUF], rec[RX_BUF];
	size_t have = 0, rec_len = 0, off, flen;
	unsigned int got = 0;
	uint32_t xid;
	ssize_t n;
	bool last;
	long port;

	while (got < want && wait_readable(fd, deadline)) {
		n = recv(fd, rx + have, sizeof(rx) - have, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNREFUSED)
				continue;
			die("recv");
		}
		if (n == 0)
			break;
		if (!o.tcp) {
			port = parse_reply(rx, n, &xid);
			if (port >= 0 && xid - first < want)
				ports[got++] = port;
			continue;
		}
		have += n;
		/* Whole fragments out of the stream. */
		off = 0;
		while (have - off >= 4) {
			flen = get32(rx + off) & 0x7fffffff;
			last = rx[off] & 0x80;
			if (flen > sizeof(rec) - rec_len)
				bad("reply record too long");
			if (have - off - 4 < flen)
				break;
			memcpy(rec + rec_len, rx + off + 4, flen);
			rec_len += flen;
			off += 4 + flen;
			if (!last)
				continue;
			port = parse_reply(rec, rec_len, &xid);
			if (port >= 0 && xid - first < want && got < want)
				ports[got++] = port;
			rec_len = 0;
		}
		memmove(rx, rx + off, have - off);
		have -= off;
		if (have == sizeof(rx))
			bad("reply stream too long");
	}
	return got;
}

/* --- modes ---------------------------------------------------------- */

static int do_getport(void)
{
	static uint8_t out[MAX_RECORDS * (MAX_MSG + 4 * MAX_FRAGS)];
	long ports[MAX_RECORDS];
	unsigned int i, r, got, missing = 0;
	uint32_t first;
	struct buf m;
	size_t len;
	int fd;

	fd = open_sock(o.tcp, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	for (i = 0; i < o.count; i++) {
		first = rng();
		len = 0;
		for (r = 0; r < o.records; r++) {
			build_call(&m, first + r);
			if (o.tcp)
				add_record(out, &len, sizeof(out), &m);
			else
				write_all(fd, m.b, m.len);
		}
		if (o.tcp)
			write_split(fd, out, len);
		got = read_replies(fd, o.records, ports, first,
				   now() + o.timeout);
		for (r = 0; r < got; r++)
			printf("%ld\n", ports[r]);
		missing += o.records - got;
	}
	close(fd);
	if (missing)
		fprintf(stderr, "rpcsend: %u replies missing\n", missing);
	return missing ? 1 : 0;
}

static void raise_nofile(unsigned int n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 32) {
		rl.rlim_cur = n + 32;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int do_flood(void)
{
	static int held[MAX_HOLD];
	unsigned int i, sent = 0, nheld = 0, sport = o.base_port, tries;
	uint8_t out[MAX_MSG + 4 * MAX_FRAGS];
	struct timespec hold = { o.hold, 0 };
	struct buf m;
	size_t len;
	int fd;

	if (o.hold && o.count > MAX_HOLD)
		bad("-k holds at most 4000 connections");
	if (o.hold)
		raise_nofile(o.count);
	for (i = 0; i < o.count; i++) {
		/* Skip source ports in use; give up after 64 in a row. */
		for (fd = -1, tries = 0; fd == -1 && tries < 64; tries++) {
			if (sport > 65535)
				bad("ran out of source ports (-B)");
			fd = open_sock(o.tcp, sport++);
		}
		if (fd < 0)
			continue;	/* port busy or refused */
		build_call(&m, rng());
		if (o.tcp) {
			len = 0;
			add_record(out, &len, sizeof(out), &m);
			write_all(fd, out, len);
		} else {
			write_all(fd, m.b, m.len);
		}
		sent++;
		if (o.hold)
			held[nheld++] = fd;
		else
			close(fd);
	}
	if (!o.quiet)
		printf("sent %u calls from %u source ports %u-%u\n", sent,
		       sent, o.base_port, sport - 1);
	fflush(stdout);
	if (o.hold)
		nanosleep(&hold, NULL);
	for (i = 0; i < nheld; i++)
		close(held[i]);
	return sent == o.count ? 0 : 1;
}

static int do_xids(void)
{
	static long ports[MAX_COUNT];
	uint8_t out[MAX_MSG + 4 * MAX_FRAGS];
	unsigned int i, got, distinct = 0;
	uint32_t first = rng();
	struct buf m;
	size_t len;
	int fd;

	fd = open_sock(o.tcp, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	for (i = 0; i < o.count; i++) {
		build_call(&m, first + i);
		if (o.tcp) {
			len = 0;
			add_record(out, &len, sizeof(out), &m);
			write_all(fd, out, len);
		} else {
			write_all(fd, m.b, m.len);
		}
	}
	got = read_replies(fd, o.count, ports, first, now() + o.timeout);
	printf("sent %u replies %u ports", o.count, got);
	for (i = 0; i < got; i++) {
		unsigned int k;

		for (k = 0; k < i && ports[k] != ports[i]; k++)
			;
		if (k == i && distinct++ < 8)
			printf(" %ld", ports[i]);
	}
	printf("\n");
	close(fd);
	return 0;
}

static int do_forge(void)
{
	uint8_t out[MAX_MSG + 4];
	unsigned int i;
	struct buf m;
	size_t len;
	int fd;

	fd = open_sock(o.tcp, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	for (i = 0; i < o.count; i++) {
		build_reply(&m, rng(), o.pmap_vers, 2049);
		if (o.tcp) {
			len = 0;
			add_record(out, &len, sizeof(out), &m);
			write_all(fd, out, len);
		} else {
			write_all(fd, m.b, m.len);
		}
	}
	if (!o.quiet)
		printf("sent %u forged replies\n", o.count);
	close(fd);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int do_serve(void)
{
	struct sockaddr_storage from;
	unsigned int calls = 0, forged = 0, answered = 0, k;
	double deadline = now() + o.timeout;
	static uint8_t rx[RX_BUF];
	socklen_t flen;
	struct buf m;
	uint32_t vers;
	ssize_t n;
	struct sigaction sa = { .sa_handler = on_signal };
	int fd, one = 1;

	/* Print the summary also when stopped by a signal. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = socket(o.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&o.peer, o.peer_len) < 0)
		die("bind");
	printf("serving on port %u\n", o.port);
	fflush(stdout);
	while (!stop && calls < o.count && wait_readable(fd, deadline)) {
		flen = sizeof(from);
		n = recvfrom(fd, rx, sizeof(rx), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("recvfrom");
		}
		/* A call: xid, CALL, RPC v2, portmap. */
		if (n < 24 || get32(rx + 4) != 0 || get32(rx + 12) != PMAP_PROG)
			continue;
		calls++;
		vers = get32(rx + 16);
		for (k = 0; k < o.forged; k++) {
			build_reply(&m, rng(), vers, 2049);
			if (sendto(fd, m.b, m.len, 0, (struct sockaddr *)&from,
				   flen) >= 0)
				forged++;
		}
		if (o.answer >= 0) {
			build_reply(&m, get32(rx), vers,
				    (o.answer + (o.answer_inc ? calls - 1 : 0)) &
				    0xffff);
			if (sendto(fd, m.b, m.len, 0, (struct sockaddr *)&from,
				   flen) >= 0)
				answered++;
		}
	}
	printf("calls %u forged %u answered %u\n", calls, forged, answered);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode;
	int c;

	rng_state = ((uint64_t)getpid() << 32) ^ (uint64_t)(now() * 1e9) ^
		    0x9E3779B97F4A7C15ULL;
	while ((c = getopt(argc, argv, "t:p:v:gP:V:x:a:n:s:F:r:B:k:f:A:IH:T:qh")) != -1) {
		switch (c) {
		case 't':
			o.tcp = proto_arg(optarg) == IPPROTO_TCP;
			break;
		case 'p':
			o.port = num(optarg, 1, 65535, "-p");
			break;
		case 'v':
			o.pmap_vers = num(optarg, 2, 4, "-v");
			break;
		case 'g':
			o.versaddr = 1;
			break;
		case 'P':
			o.prog = num(optarg, 0, 0xffffffffUL, "-P");
			break;
		case 'V':
			o.vers = num(optarg, 0, 0xffffffffUL, "-V");
			break;
		case 'x':
			o.proto = proto_arg(optarg);
			break;
		case 'a':
			if (!strcmp(optarg, "null"))
				o.auth_sys = 0;
			else if (!strcmp(optarg, "sys"))
				o.auth_sys = 1;
			else
				bad("-a must be null or sys");
			break;
		case 'n':
			o.count = num(optarg, 1, MAX_COUNT, "-n");
			break;
		case 's':
			o.split = num(optarg, 1, MAX_SPLIT, "-s");
			break;
		case 'F':
			o.frags = num(optarg, 1, MAX_FRAGS, "-F");
			break;
		case 'r':
			o.records = num(optarg, 1, MAX_RECORDS, "-r");
			break;
		case 'B':
			o.base_port = num(optarg, 1, 65535, "-B");
			break;
		case 'k':
			o.hold = num(optarg, 0, 3600, "-k");
			break;
		case 'f':
			o.forged = num(optarg, 0, 1000, "-f");
			break;
		case 'A':
			o.answer = num(optarg, 0, 65535, "-A");
			break;
		case 'I':
			o.answer_inc = 1;
			break;
		case 'H':
			if (strlen(optarg) > 64)
				bad("-H is too long");
			o.uaddr_host = optarg;
			break;
		case 'T':
			o.timeout = num(optarg, 0, 3600, "-T");
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	mode = argv[optind];
	if (!strcmp(mode, "getport"))
		o.mode = M_GETPORT;
	else if (!strcmp(mode, "flood"))
		o.mode = M_FLOOD;
	else if (!strcmp(mode, "xids"))
		o.mode = M_XIDS;
	else if (!strcmp(mode, "forge"))
		o.mode = M_FORGE;
	else if (!strcmp(mode, "serve"))
		o.mode = M_SERVE;
	else
		bad("MODE must be getport, flood, xids, forge or serve");
	if (o.versaddr && o.pmap_vers != 4)
		bad("-g needs -v 4");
	if (!o.tcp && (o.split > 1 || o.frags > 1))
		bad("-s and -F need -t tcp");
	if (o.hold && (!o.tcp || o.mode != M_FLOOD))
		bad("-k is for flood -t tcp");
	parse_addr(argv[optind + 1]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	switch (o.mode) {
	case M_GETPORT:
		return do_getport();
	case M_FLOOD:
		return do_flood();
	case M_XIDS:
		return do_xids();
	case M_FORGE:
		return do_forge();
	case M_SERVE:
		return do_serve();
	}
	return 2;
}
