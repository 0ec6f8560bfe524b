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
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

enum mode {
	M_GETPORT, M_FLOOD, M_XIDS, M_FORGE, M_SERVE, M_PLANT, M_DESYNC,
	M_SPRAY, M_TWIN, M_HIDE, M_SPOOF, M_URGENT, M_OOB, M_RESYN,
	M_COOKIE, M_REOPEN, M_GSO, M_RACE,
};

/* Not in every libc's headers. */
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT	30
#endif
#define TCP_REPAIR_OFF_NO_WP	-1

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
	unsigned int cut;	/* -C: serve -t tcp: where replies are cut */
	const char *uaddr_host;	/* -H: serve: host part of v3/v4 uaddrs */
	uint32_t plant_prog;	/* -Q: the second program (plant, twin, hide) */
	int fastopen;		/* -O: TCP Fast Open, the first call in the SYN */
	int has_xid;		/* -X given */
	uint32_t xid;		/* -X: the xid of the first call, or spoof's */
	unsigned int delay;	/* -D: hide: seconds between its two writes */
	double timeout;		/* -T */
	int quiet;		/* -q */
	int show_uaddr;		/* -U */
};

static struct opts o = {
	.port = PMAP_PORT,
	.prog = 100005,
	.vers = 3,
	.proto = IPPROTO_UDP,
	.pmap_vers = 2,
	.plant_prog = 100005,
	.delay = 2,
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
"Craft portmap/rpcbind traffic. ADDRESS is numeric IPv4 or IPv6 (a link-local\n"
"one with its interface: fe80::1%%eth0): the server, or for 'serve' the local\n"
"address to listen on.\n"
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
"           Stops after -n calls or -T seconds; prints a summary.\n"
"           With -t tcp: accepts up to -n connections (4000 at most),\n"
"           answers nothing and holds them all until -T seconds passed;\n"
"           with -A, answers one call per connection, one at a time\n"
"  spray    -n UDP datagrams (a lookup call each) from one socket to\n"
"           ADDRESS ports -B BASE, BASE+1, ...: each a new conntrack, as\n"
"           fast as the sender goes; prints how many and how long\n"
"  twin     two calls with one xid, back to back (one TCP write, or two\n"
"           datagrams): -P PROG, then -Q PROG; prints the replies' ports\n"
"  gso      UDP: the -P PROG call and the -Q PROG call of one xid, one\n"
"           datagram each, sent as one UDP_SEGMENT (GSO) write of the two\n"
"           (they must be as long), then -D seconds later the -P call\n"
"           again; prints the ports of the replies (3 when all answered)\n"
"  race     UDP, two CPUs, one flow from port -B: the -Q PROG call of xid X\n"
"           sent on CPU 0, the -P PROG call of xid X 0.3 s later on CPU 1,\n"
"           then one from -B + 1 (another flow), then the -P call again\n"
"           once CPU 0's send returned; reads nothing, prints \"sent\"\n"
"  hide     TCP: a record mark covering a -P PROG call and a -Q PROG call\n"
"           of one xid, the mark and the first in one write, the rest -D\n"
"           seconds later (for the server, the record's tail); prints\n"
"           the port of the reply\n"
"  urgent   TCP: one byte sent urgent (MSG_OOB), which the server's socket\n"
"           leaves out of the stream: on the wire, a -Q PROG call of xid X\n"
"           in a second record; for the server, a NULL call whose tail it\n"
"           is, then a -P PROG call of xid X. Prints the port of the reply\n"
"  oob      TCP: a -P PROG call whose last byte goes urgent, then again\n"
"           plainly: the server reads the call whole and answers it; prints\n"
"           the port\n"
"  resyn    IPv4, raw (CAP_NET_RAW; keep the kernel from resetting the\n"
"           connection: drop its RSTs, those with a TTL other than 65): a\n"
"           handshake of its own, a second SYN\n"
"           36 bytes before the stream's start (the server discards it), then\n"
"           one segment from there. The server reads past its first 36\n"
"           bytes: a -P PROG call of xid X (portmap v2); read whole, it is\n"
"           one -Q PROG call of xid X whose credential holds the server's.\n"
"           Prints the port of the reply\n"
"  cookie   IPv4, raw, as resyn: a SYN with an MSS of 1460, then the\n"
"           handshake's ACK, carrying a -P PROG lookup, acknowledges 3 less\n"
"           than the SYN-ACK's number (valid for a server sending SYN\n"
"           cookies). Prints the port of the reply\n"
"  reopen   IPv4, raw, as resyn: a -P PROG lookup, a reset, then from the\n"
"           same port a new connection whose SYN carries on the old stream's\n"
"           numbers, and another lookup there. Prints both ports\n"
"  spoof    IPv4, raw (CAP_NET_RAW): one forged v2 GETPORT reply with\n"
"           xid -X saying port -A, from -H HOST port -p to ADDRESS port -B\n"
"  plant    TCP (needs CAP_NET_ADMIN): an ICMP port unreachable about one\n"
"           of the server's segments whose quote carries, where a helper\n"
"           misreading it would see stream data, a lookup of -Q PROG with\n"
"           xid X at the stream's next sequence number; then the real\n"
"           lookup of -P PROG with the same xid X. Prints its port\n"
"  desync   TCP (needs CAP_NET_ADMIN): a lookup, an ICMP error as in\n"
"           plant with a sequence number far ahead of the stream, another\n"
"           lookup on the same connection; prints both ports\n"
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
"  -B PORT       flood: first source port; race: the flow's (default 20000)\n"
"  -k SECS       flood, getport -t tcp: keep the connections open SECS\n"
"                seconds (getport: after the replies)\n"
"  -f N          serve: forged replies per call (default 0)\n"
"  -A PORT       serve: answer each call with PORT (default: no answer);\n"
"                spoof: the port the reply names\n"
"  -I            serve: answer call i with PORT + i\n"
"  -C N          serve -t tcp -A: write each reply (its record mark on) in\n"
"                two, the first N bytes, the rest 50 ms later (TCP_NODELAY)\n"
"  -H HOST       serve: the host in v3/v4 answers (default: ADDRESS)\n"
"  -Q PROG       plant, twin, hide, urgent: the other program (default\n"
"                100005)\n"
"  -X XID        the xid of the (first) call; spoof: of the reply\n"
"  -D SECS       hide: seconds between the two writes; gso: before the\n"
"                third call (default 2)\n"
"  -O            TCP Fast Open: the first call goes in the SYN (the client\n"
"                needs net.ipv4.tcp_fastopen=5)\n"
"  -T SECS       how long to wait for replies / to serve (default 3)\n"
"  -q            print less\n"
"  -U            getport, v3/v4: print each reply's uaddr after its port\n"
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
/* The uaddr of the last v3/v4 reply parse_reply() read ("" if none). */
static char last_uaddr[129];

/* -U: the uaddr of each reply read_replies() took, by its index. */
static char reply_uaddr[MAX_RECORDS][129];

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
	memcpy(last_uaddr, p + off, ulen);
	last_uaddr[ulen] = '\0';
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

/* A numeric address; an IPv6 one may name its link: fe80::1%eth0. */
static void parse_addr(const char *arg)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&o.peer;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o.peer;
	char s[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], *scope;

	if (strlen(arg) >= sizeof(s))
		bad("ADDRESS too long");
	strcpy(s, arg);
	scope = strchr(s, '%');
	if (scope)
		*scope++ = '\0';
	memset(&o.peer, 0, sizeof(o.peer));
	if (!scope && inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		o.peer_len = sizeof(*in);
	} else if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		if (scope) {
			in6->sin6_scope_id = if_nametoindex(scope);
			if (!in6->sin6_scope_id)
				bad("no such interface after %");
		}
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
	if (tcp && o.fastopen &&
	    setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one,
		       sizeof(one)) < 0)
		die("TCP_FASTOPEN_CONNECT");
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
static void keep_reply(long *ports, unsigned int *got, long port)
{
	if (*got < MAX_RECORDS)
		strcpy(reply_uaddr[*got], last_uaddr);
	ports[(*got)++] = port;
}

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
			last_uaddr[0] = '\0';
			port = parse_reply(rx, n, &xid);
			if (port >= 0 && xid - first < want)
				keep_reply(ports, &got, port);
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
			last_uaddr[0] = '\0';
			port = parse_reply(rec, rec_len, &xid);
			if (port >= 0 && xid - first < want && got < want)
				keep_reply(ports, &got, port);
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
		first = o.has_xid ? o.xid + i * o.records : rng();
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
			if (o.show_uaddr)
				printf("%ld %s\n", ports[r], reply_uaddr[r]);
			else
				printf("%ld\n", ports[r]);
		missing += o.records - got;
	}
	if (o.hold) {
		struct timespec hold = { o.hold, 0 };

		nanosleep(&hold, NULL);
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

/* --- ICMP errors about a portmap TCP connection ---------------------- */

/* The next sequence number @fd sends (TCP repair: CAP_NET_ADMIN). */
static uint32_t write_seq(int fd)
{
	int on = 1, off = TCP_REPAIR_OFF_NO_WP, q = TCP_SEND_QUEUE;
	socklen_t len = sizeof(uint32_t);
	uint32_t seq;

	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) < 0 ||
	    getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, &seq, &len) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)) < 0)
		die("TCP_REPAIR (needs CAP_NET_ADMIN)");
	return seq;
}

static uint16_t inet_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/*
 * Send the server an ICMP port unreachable about a segment it sent us on
 * @fd's connection: conntrack takes it as related to that connection.
 * A helper that mistook the ICMP header for a TCP header would read @seq
 * (the ICMP header's unused word) as the sequence number, and the inner
 * IP header's id (IPv4) or payload length (IPv6) as the data offset: they
 * are set so that it would find @data where it looks for the segment's
 * payload, right after what the quote must hold (the inner addresses and
 * ports conntrack matches).
 */
static void send_icmp_quote(int fd, uint32_t seq, const uint8_t *data,
			    size_t len)
{
	struct sockaddr_storage local, peer = o.peer;
	socklen_t slen = sizeof(local);
	uint8_t pkt[8 + 40 + 20 + MAX_MSG + 4];
	size_t off;
	int raw;

	if (getsockname(fd, (struct sockaddr *)&local, &slen) < 0)
		die("getsockname");
	memset(pkt, 0, sizeof(pkt));
	if (o.family == AF_INET) {
		struct sockaddr_in *l = (struct sockaddr_in *)&local;
		struct sockaddr_in *r = (struct sockaddr_in *)&peer;
		struct iphdr *ip = (struct iphdr *)(pkt + 8);

		pkt[0] = ICMP_DEST_UNREACH;
		pkt[1] = ICMP_PORT_UNREACH;
		memcpy(pkt + 4, &(uint32_t){ htonl(seq) }, 4);
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(40 + len);
		ip->id = htons(0xc000);		/* "doff" 12: 48 bytes */
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->saddr = r->sin_addr.s_addr;
		ip->daddr = l->sin_addr.s_addr;
		memcpy(pkt + 28, &r->sin_port, 2);
		memcpy(pkt + 30, &l->sin_port, 2);
		off = 48;
	} else {
		struct sockaddr_in6 *l = (struct sockaddr_in6 *)&local;
		struct sockaddr_in6 *r = (struct sockaddr_in6 *)&peer;
		struct ip6_hdr *ip6 = (struct ip6_hdr *)(pkt + 8);

		pkt[0] = ICMP6_DST_UNREACH;
		pkt[1] = ICMP6_DST_UNREACH_NOPORT;
		memcpy(pkt + 4, &(uint32_t){ htonl(seq) }, 4);
		ip6->ip6_flow = htonl(6 << 28);
		ip6->ip6_plen = htons(0xf000);	/* "doff" 15: 60 bytes */
		ip6->ip6_nxt = IPPROTO_TCP;
		ip6->ip6_hlim = 64;
		ip6->ip6_src = r->sin6_addr;
		ip6->ip6_dst = l->sin6_addr;
		memcpy(pkt + 48, &r->sin6_port, 2);
		memcpy(pkt + 50, &l->sin6_port, 2);
		off = 60;
	}
	if (len > sizeof(pkt) - off)
		bad("quote too long");
	memcpy(pkt + off, data, len);
	raw = socket(o.family, SOCK_RAW | SOCK_CLOEXEC,
		     o.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (raw < 0)
		die("raw socket (needs CAP_NET_RAW)");
	/* ICMPv6 raw sockets have the kernel checksum the message. */
	if (o.family == AF_INET)
		memcpy(pkt + 2, &(uint16_t){ inet_csum(pkt, off + len) }, 2);
	set_port(&peer, 0);
	if (sendto(raw, pkt, off + len, 0, (struct sockaddr *)&peer,
		   o.peer_len) < 0)
		die("sendto (ICMP)");
	close(raw);
}

/* One lookup call with @xid on a TCP connection; its port or -1. */
static long tcp_lookup(int fd, uint32_t xid)
{
	uint8_t out[MAX_MSG + 4 * MAX_FRAGS];
	struct buf m;
	size_t len = 0;
	long port;

	build_call(&m, xid);
	add_record(out, &len, sizeof(out), &m);
	write_all(fd, out, len);
	return read_replies(fd, 1, &port, xid, now() + o.timeout) ? port : -1;
}

static int do_plant(void)
{
	uint8_t rec[MAX_MSG + 4 * MAX_FRAGS];
	struct timespec settle = { 0, 200 * 1000 * 1000 };
	uint32_t real_prog = o.prog, xid = rng();
	struct buf m;
	size_t len = 0;
	long port;
	int fd;

	fd = open_sock(1, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	/* The planted call has the real one's length: same layout. */
	o.prog = o.plant_prog;
	build_call(&m, xid);
	o.prog = real_prog;
	add_record(rec, &len, sizeof(rec), &m);
	send_icmp_quote(fd, write_seq(fd), rec, len);
	nanosleep(&settle, NULL);
	port = tcp_lookup(fd, xid);
	close(fd);
	if (port < 0) {
		fprintf(stderr, "rpcsend: no reply\n");
		return 1;
	}
	printf("%ld\n", port);
	return 0;
}

static int do_desync(void)
{
	struct timespec settle = { 0, 200 * 1000 * 1000 };
	uint8_t junk[64];
	long port[2];
	int fd;

	fd = open_sock(1, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	port[0] = tcp_lookup(fd, rng());
	memset(junk, 0x80, sizeof(junk));
	send_icmp_quote(fd, write_seq(fd) + 100000, junk, sizeof(junk));
	nanosleep(&settle, NULL);
	port[1] = tcp_lookup(fd, rng());
	close(fd);
	printf("%ld %ld\n", port[0], port[1]);
	return port[0] < 0 || port[1] < 0;
}

/* The calls for -P and -Q, with one xid: each a record on TCP. */
static void build_twins(struct buf *m, uint8_t *out, size_t *len,
			size_t cap, uint32_t xid)
{
	uint32_t prog = o.prog;
	unsigned int k;

	for (k = 0; k < 2; k++) {
		o.prog = k ? o.plant_prog : prog;
		build_call(&m[k], xid);
		if (o.tcp)
			add_record(out, len, cap, &m[k]);
	}
	o.prog = prog;
}

/* Wait for the reply to @xid; print its port. */
static int print_reply(int fd, uint32_t xid)
{
	long port;

	if (!read_replies(fd, 1, &port, xid, now() + o.timeout)) {
		fprintf(stderr, "rpcsend: no reply\n");
		close(fd);
		return 1;
	}
	printf("%ld\n", port);
	close(fd);
	return 0;
}

static int do_twin(void)
{
	uint8_t out[2 * (MAX_MSG + 4)];
	uint32_t xid = o.has_xid ? o.xid : rng();
	unsigned int k, got;
	struct buf m[2];
	size_t len = 0;
	long ports[2];
	int fd;

	fd = open_sock(o.tcp, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	build_twins(m, out, &len, sizeof(out), xid);
	if (o.tcp)
		write_all(fd, out, len);
	else
		for (k = 0; k < 2; k++)
			write_all(fd, m[k].b, m[k].len);
	/* Both replies carry xid: read_replies() takes xid .. xid + 1. */
	got = read_replies(fd, 2, ports, xid, now() + o.timeout);
	for (k = 0; k < got; k++)
		printf("%ld\n", ports[k]);
	close(fd);
	return got ? 0 : 1;
}

static int do_hide(void)
{
	uint8_t out[2 * (MAX_MSG + 4)], mark[4];
	uint32_t xid = o.has_xid ? o.xid : rng();
	struct timespec wait = { o.delay, 0 };
	struct buf m[2];
	size_t len = 0, whole;
	int fd;

	fd = open_sock(1, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	build_twins(m, out, &len, sizeof(out), xid);
	/* One mark over both calls and the second's own mark. */
	whole = m[0].len + 4 + m[1].len;
	mark[0] = 0x80 | whole >> 24;
	mark[1] = whole >> 16;
	mark[2] = whole >> 8;
	mark[3] = whole;
	write_all(fd, mark, 4);
	write_all(fd, m[0].b, m[0].len);
	nanosleep(&wait, NULL);
	write_all(fd, out + 4 + m[0].len, len - 4 - m[0].len);
	return print_reply(fd, xid);
}

static int do_gso(void)
{
	uint32_t xid = o.has_xid ? o.xid : rng();
	struct timespec wait = { o.delay, 0 };
	uint8_t out[2 * MAX_MSG];
	unsigned int k, got;
	struct buf m[2];
	size_t len = 0;
	long ports[3];
	int fd, seg;

	if (o.tcp)
		bad("gso is UDP only");
	fd = open_sock(0, 0);
	build_twins(m, out, &len, sizeof(out), xid);
	if (m[0].len != m[1].len)
		bad("gso: the two calls differ in length");
	seg = m[0].len;
	if (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)) < 0)
		die("UDP_SEGMENT");
	memcpy(out, m[0].b, seg);
	memcpy(out + seg, m[1].b, seg);
	write_all(fd, out, 2 * seg);
	seg = 0;
	if (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)) < 0)
		die("UDP_SEGMENT");
	nanosleep(&wait, NULL);
	write_all(fd, m[0].b, m[0].len);
	got = read_replies(fd, 3, ports, xid, now() + o.timeout);
	for (k = 0; k < got; k++)
		printf("%ld\n", ports[k]);
	close(fd);
	return got ? 0 : 1;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity");
}

static int do_race(void)
{
	uint32_t xid = o.has_xid ? o.xid : rng();
	struct timespec pause = { 0, 300000000 };
	uint8_t out[2 * MAX_MSG];
	int fd, other, status;
	struct buf m[2], c;
	size_t len = 0;
	pid_t pid;

	if (o.tcp)
		bad("race is UDP only");
	build_twins(m, out, &len, sizeof(out), xid);
	build_call(&c, xid + 1);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		pin_cpu(0);
		fd = open_sock(0, o.base_port);
		if (fd < 0)
			_exit(1);
		write_all(fd, m[1].b, m[1].len);
		_exit(0);
	}
	pin_cpu(1);
	fd = open_sock(0, o.base_port);
	if (fd < 0)
		bad("race: source port in use");
	nanosleep(&pause, NULL);
	write_all(fd, m[0].b, m[0].len);
	other = open_sock(0, o.base_port + 1);
	if (other < 0)
		bad("race: source port in use");
	write_all(other, c.b, c.len);
	close(other);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		bad("race: the CPU 0 sender failed");
	nanosleep(&pause, NULL);
	write_all(fd, m[0].b, m[0].len);
	close(fd);
	printf("sent\n");
	return 0;
}

/* Send @len bytes of @p, the byte at @urg (< @len) urgent. */
static void write_urgent(int fd, const uint8_t *p, size_t len, size_t urg)
{
	write_all(fd, p, urg);
	if (send(fd, p + urg, 1, MSG_OOB | MSG_NOSIGNAL) != 1)
		die("send MSG_OOB");
	write_all(fd, p + urg + 1, len - urg - 1);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * The wire (what a helper reading every byte sees), byte 3 urgent:
 *   0x80 0 0 L1 | L1 bytes: S, a NULL call, zeros | mark, -Q call (xid X) |
 *   0x80 0x80 0 0 (8 MiB) | F | -P call (xid X)
 * The server's stream lacks byte 3: its mark is 0x80 0 0 S, a record of S
 * bytes (the NULL call, then what the wire calls the -Q record) up to the
 * 8 MiB mark's second byte, where its own mark 0x80 0 0 F begins.
 */
static int do_urgent(void)
{
	uint8_t w[4 + 255 + 5 + 2 * MAX_MSG];
	uint32_t xid = o.has_xid ? o.xid : rng();
	const size_t l1 = 56;	/* >= the NULL call's 40 bytes + 1 */
	uint32_t prog = o.prog;
	struct buf a, f;
	size_t p3, len;
	int fd;

	o.prog = o.plant_prog;
	build_call(&a, xid);
	o.prog = prog;
	build_call(&f, xid);
	if (l1 + 4 + a.len > 255 || f.len > 255)
		bad("urgent: the calls are too long");
	memset(w, 0, sizeof(w));
	put_be32(w, 0x80000000 | l1);
	p3 = 4 + l1 + 4 + a.len;
	w[4] = p3 - 4;
	put_be32(w + 5, xid + 1);	/* the NULL call: proc 0, AUTH_NULL */
	put_be32(w + 9, 0);
	put_be32(w + 13, 2);
	put_be32(w + 17, PMAP_PROG);
	put_be32(w + 21, o.pmap_vers);
	put_be32(w + 4 + l1, 0x80000000 | a.len);
	memcpy(w + 8 + l1, a.b, a.len);
	put_be32(w + p3, 0x80800000);
	w[p3 + 4] = f.len;
	memcpy(w + p3 + 5, f.b, f.len);
	len = p3 + 5 + f.len;
	fd = open_sock(1, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	write_urgent(fd, w, len, 3);
	return print_reply(fd, xid);
}

static int do_oob(void)
{
	uint8_t out[MAX_MSG + 4 * MAX_FRAGS];
	uint32_t xid = o.has_xid ? o.xid : rng();
	size_t len = 0;
	struct buf m;
	int fd;

	build_call(&m, xid);
	add_record(out, &len, sizeof(out) - 1, &m);
	/* The last byte urgent, then once more for the server's stream. */
	out[len] = out[len - 1];
	fd = open_sock(1, 0);
	if (fd < 0) {
		fprintf(stderr, "rpcsend: cannot connect\n");
		return 1;
	}
	write_urgent(fd, out, len + 1, len - 1);
	return print_reply(fd, xid);
}

/*
 * One raw IPv4 TCP segment of the connection @c, checksummed, with a TTL
 * of its own: the caller drops its kernel's resets to the server (which
 * knows nothing of these connections), not rpcsend's.
 */
#define RAW_TTL	65

struct raw_conn {
	int fd;
	struct in_addr src, dst;
	uint16_t sport, dport;
	uint16_t mss;		/* a SYN's MSS option; 0: none */
};

static void send_seg(const struct raw_conn *c, uint32_t seq, uint32_t ack,
		     uint8_t flags, const uint8_t *data, size_t len)
{
	uint8_t pkt[20 + 24 + 2 * MAX_MSG], ps[12 + 24 + 2 * MAX_MSG];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(pkt + 20);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = c->dst };
	size_t tl = (flags & TH_SYN) && c->mss ? 24 : 20;
	uint16_t sum;

	memset(pkt, 0, 20 + tl);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(20 + tl + len);
	ip->ttl = RAW_TTL;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = c->src.s_addr;
	ip->daddr = c->dst.s_addr;
	th->source = htons(c->sport);
	th->dest = htons(c->dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = tl / 4;
	pkt[33] = flags;
	th->window = htons(64240);
	if (tl > 20) {
		pkt[40] = 2;	/* MSS */
		pkt[41] = 4;
		pkt[42] = c->mss >> 8;
		pkt[43] = c->mss;
	}
	if (len)
		memcpy(pkt + 20 + tl, data, len);
	memcpy(ps, &ip->saddr, 8);
	ps[8] = 0;
	ps[9] = IPPROTO_TCP;
	ps[10] = (tl + len) >> 8;
	ps[11] = tl + len;
	memcpy(ps + 12, th, tl + len);
	sum = inet_csum(ps, 12 + tl + len);
	memcpy(&th->check, &sum, 2);
	if (sendto(c->fd, pkt, 20 + tl + len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		die("sendto");
}

/*
 * The next segment of @c from the server (raw IPPROTO_TCP sockets get a
 * copy of every TCP packet): its header in @th, its payload length, or -1
 * at the deadline.
 */
static ssize_t recv_seg(const struct raw_conn *c, int rx, struct tcphdr *th,
			uint8_t *data, size_t cap, double deadline)
{
	uint8_t pkt[RX_BUF];
	const struct iphdr *ip = (const struct iphdr *)pkt;
	size_t hl, tl;
	ssize_t n;

	while (wait_readable(rx, deadline)) {
		n = recv(rx, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n < 20)
			continue;
		hl = ip->ihl * 4;
		if (ip->saddr != c->dst.s_addr || (size_t)n < hl + 20)
			continue;
		memcpy(th, pkt + hl, sizeof(*th));
		tl = th->doff * 4;
		if (ntohs(th->source) != c->dport ||
		    ntohs(th->dest) != c->sport || (size_t)n < hl + tl)
			continue;
		n -= hl + tl;
		if ((size_t)n > cap)
			n = cap;
		memcpy(data, pkt + hl + tl, n);
		return n;
	}
	return -1;
}

static void put_words(uint8_t *p, const uint32_t *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put_be32(p + 4 * i, w[i]);
}

/* The segment of do_resyn: 36 bytes, the server's record, 24 bytes. */
static size_t resyn_payload(uint8_t *p, uint32_t xid)
{
	const uint32_t head[] = {
		0x80000000 | 116, xid, 0, 2, PMAP_PROG, 2, 3,
		7, 60,			/* a credential of 60 bytes: */
	};
	const uint32_t tail[] = {
		0, 0,			/* verifier AUTH_NULL */
		o.plant_prog, 3, IPPROTO_TCP, 0,
	};
	int auth_sys = o.auth_sys, vers = o.pmap_vers;
	struct buf m;

	o.auth_sys = 0;
	o.pmap_vers = 2;
	build_call(&m, xid);	/* -P PROG: 56 bytes */
	o.auth_sys = auth_sys;
	o.pmap_vers = vers;
	put_words(p, head, 9);
	put_be32(p + 36, 0x80000000 | m.len);
	memcpy(p + 40, m.b, m.len);
	put_words(p + 40 + m.len, tail, 6);
	return 40 + m.len + 24;
}

/*
 * Raw sockets for a connection to the server from the address the kernel
 * would use, and a SYN with @isn; returns the receiving socket, and the
 * SYN-ACK's sequence number in @srv.
 */
static int raw_syn(struct raw_conn *c, uint32_t isn, uint32_t *srv,
		   double deadline)
{
	struct sockaddr_in *peer = (struct sockaddr_in *)&o.peer;
	struct sockaddr_in local;
	socklen_t llen = sizeof(local);
	uint8_t data[RX_BUF];
	struct tcphdr th;
	int rx, one = 1;

	if (o.family != AF_INET)
		bad("resyn, cookie and reopen need an IPv4 ADDRESS");
	c->dst = peer->sin_addr;
	c->dport = o.port;
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)peer,
				 sizeof(*peer)) < 0 ||
	    getsockname(c->fd, (struct sockaddr *)&local, &llen) < 0)
		die("source address");
	close(c->fd);
	c->src = local.sin_addr;
	if (!c->sport)
		c->sport = 20000 + rng() % 40000;
	c->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	rx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0 || rx < 0 ||
	    setsockopt(c->fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
		die("raw socket (needs CAP_NET_RAW)");
	send_seg(c, isn, 0, TH_SYN, NULL, 0);
	do {
		if (recv_seg(c, rx, &th, data, sizeof(data), deadline) < 0)
			bad("no SYN-ACK");
	} while (!th.syn || !th.ack || ntohl(th.ack_seq) != isn + 1);
	*srv = ntohl(th.seq);
	return rx;
}

/*
 * Print the port of the reply to @xid, reset the connection (@seq on);
 * what the server sent ends before @end.
 */
static int raw_reply(struct raw_conn *c, int rx, uint32_t xid, uint32_t seq,
		     uint32_t *end, double deadline)
{
	uint8_t data[RX_BUF];
	struct tcphdr th;
	uint32_t rxid;
	ssize_t n;
	long port;

	/* The reply: one record, in one segment. */
	while ((n = recv_seg(c, rx, &th, data, sizeof(data), deadline)) >= 0) {
		if (n < 4)
			continue;
		port = parse_reply(data + 4, n - 4, &rxid);
		if (port >= 0 && rxid == xid) {
			printf("%ld\n", port);
			*end = ntohl(th.seq) + n;
			send_seg(c, seq, *end, TH_RST | TH_ACK, NULL, 0);
			return 0;
		}
	}
	fprintf(stderr, "rpcsend: no reply\n");
	return 1;
}

static int do_resyn(void)
{
	double deadline = now() + o.timeout;
	uint32_t xid = o.has_xid ? o.xid : rng(), isn = rng(), srv;
	uint8_t seg[2 * MAX_MSG];
	struct raw_conn c = { .mss = 0 };
	size_t plen;
	int rx;

	rx = raw_syn(&c, isn, &srv, deadline);
	send_seg(&c, isn + 1, srv + 1, TH_ACK, NULL, 0);
	/* Its data would start at isn + 1 - 36, as the segment's does. */
	send_seg(&c, isn - 36, 0, TH_SYN, NULL, 0);
	plen = resyn_payload(seg, xid);
	send_seg(&c, isn + 1 - 36, srv + 1, TH_ACK | TH_PUSH, seg, plen);
	return raw_reply(&c, rx, xid, isn + 1 - 36 + plen, &srv, deadline);
}

/*
 * cookie: with the server sending SYN cookies, an ACK three below the
 * SYN-ACK's number completes the handshake all the same (the cookie's MSS
 * index is 3 for an MSS of 1460, 0 is valid too): the server's stream then
 * starts 3 bytes earlier than the SYN-ACK said. The ACK carries a -P PROG
 * lookup.
 */
static int do_cookie(void)
{
	double deadline = now() + o.timeout;
	uint32_t xid = o.has_xid ? o.xid : rng(), isn = rng(), srv;
	uint8_t seg[MAX_MSG + 4 * MAX_FRAGS];
	struct raw_conn c = { .mss = 1460 };
	size_t plen = 0;
	struct buf m;
	int rx;

	rx = raw_syn(&c, isn, &srv, deadline);
	build_call(&m, xid);
	add_record(seg, &plen, sizeof(seg), &m);
	send_seg(&c, isn + 1, srv + 1 - 3, TH_ACK | TH_PUSH, seg, plen);
	return raw_reply(&c, rx, xid, isn + 1 + plen, &srv, deadline);
}

/* One -P PROG lookup on the raw connection @c, from @seq. */
static size_t raw_lookup(struct raw_conn *c, uint32_t seq, uint32_t ack,
			 uint32_t xid)
{
	uint8_t seg[MAX_MSG + 4 * MAX_FRAGS];
	size_t plen = 0;
	struct buf m;

	build_call(&m, xid);
	add_record(seg, &plen, sizeof(seg), &m);
	send_seg(c, seq, ack, TH_ACK | TH_PUSH, seg, plen);
	return plen;
}

/*
 * reopen: a lookup, a reset, an ACK (so that the client's reset is not
 * conntrack's last word, which would make it start a new entry), then a
 * new connection from the same port whose SYN carries on the old stream's
 * numbers, on the same entry, and a lookup there (xid X + 1). Prints both
 * ports.
 */
static int do_reopen(void)
{
	double deadline = now() + o.timeout;
	uint32_t xid = o.has_xid ? o.xid : rng(), isn = rng(), srv, seq;
	struct raw_conn c = { .mss = 0 };
	struct timespec pause = { 0, 200000000 };
	int rx;

	rx = raw_syn(&c, isn, &srv, deadline);
	seq = isn + 1 + raw_lookup(&c, isn + 1, srv + 1, xid);
	if (raw_reply(&c, rx, xid, seq, &srv, deadline))
		return 1;
	send_seg(&c, seq, srv, TH_ACK, NULL, 0);
	nanosleep(&pause, NULL);
	close(rx);
	close(c.fd);
	rx = raw_syn(&c, seq - 1, &srv, deadline);
	seq += raw_lookup(&c, seq, srv + 1, xid + 1);
	return raw_reply(&c, rx, xid + 1, seq, &srv, deadline);
}

static int do_spoof(void)
{
	struct sockaddr_in *to = (struct sockaddr_in *)&o.peer;
	uint8_t pkt[20 + 8 + MAX_MSG];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(pkt + 20);
	size_t len;
	struct buf m;
	int fd, one = 1;

	if (o.family != AF_INET || !o.uaddr_host || !o.has_xid ||
	    o.answer < 0)
		bad("spoof needs an IPv4 ADDRESS, -H, -X and -A");
	build_reply(&m, o.xid, 2, o.answer);
	len = 28 + m.len;
	memset(pkt, 0, 28);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(len);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	if (inet_pton(AF_INET, o.uaddr_host, &ip->saddr) != 1)
		bad("-H must be an IPv4 address");
	ip->daddr = to->sin_addr.s_addr;
	udp->source = htons(o.port);
	udp->dest = htons(o.base_port);
	udp->len = htons(8 + m.len);	/* checksum 0: none, for IPv4 */
	memcpy(pkt + 28, m.b, m.len);
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one,
				 sizeof(one)) < 0)
		die("raw socket (needs CAP_NET_RAW)");
	set_port(&o.peer, 0);
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&o.peer,
		   o.peer_len) < 0)
		die("sendto");
	close(fd);
	return 0;
}

static int do_spray(void)
{
	struct sockaddr_storage to = o.peer;
	unsigned int i, sent = 0;
	double t0 = now();
	struct buf m;
	int fd;

	fd = socket(o.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	build_call(&m, rng());
	for (i = 0; i < o.count; i++) {
		set_port(&to, o.base_port + i % (65536 - o.base_port));
		if (sendto(fd, m.b, m.len, 0, (struct sockaddr *)&to,
			   o.peer_len) >= 0)
			sent++;
	}
	printf("sprayed %u datagrams in %.3f s\n", sent, now() - t0);
	close(fd);
	return sent ? 0 : 1;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read exactly @len bytes before @deadline; false on EOF or timeout. */
static bool read_full(int fd, uint8_t *p, size_t len, double deadline)
{
	ssize_t n;

	while (len) {
		if (!wait_readable(fd, deadline))
			return false;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/*
 * serve -t tcp -A: on one connection, one call (one fragment) answered
 * with -A PORT, written in two at -C; then wait for the client to close.
 */
static bool serve_tcp_call(int c, double deadline)
{
	struct timespec gap = { 0, 50 * 1000 * 1000 };
	static uint8_t rx[RX_BUF];
	uint8_t rec[4 + MAX_MSG];
	uint32_t mark, len, cut;
	struct buf m;

	if (!read_full(c, rx, 4, deadline))
		return false;
	mark = get32(rx);
	len = mark & 0x7fffffffu;
	if (!(mark & 0x80000000u) || len < 24 || len > sizeof(rx) ||
	    !read_full(c, rx, len, deadline) || get32(rx + 12) != PMAP_PROG)
		return false;
	build_reply(&m, get32(rx), get32(rx + 16), o.answer & 0xffff);
	put_be32(rec, 0x80000000u | m.len);
	memcpy(rec + 4, m.b, m.len);
	cut = o.cut && o.cut < 4 + m.len ? o.cut : 4 + m.len;
	write_all(c, rec, cut);
	if (cut < 4 + m.len) {
		nanosleep(&gap, NULL);
		write_all(c, rec + cut, 4 + m.len - cut);
	}
	while (read_full(c, rx, 1, deadline))
		;
	return true;
}

/* serve -t tcp: a portmap that takes every connection and says nothing. */
static int do_serve_tcp(void)
{
	static int held[MAX_HOLD];
	double deadline = now() + o.timeout;
	unsigned int n = 0, i;
	int fd, c, one = 1;

	if (o.count > MAX_HOLD)
		bad("serve -t tcp holds at most 4000 connections");
	raise_nofile(o.count);
	fd = socket(o.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&o.peer, o.peer_len) < 0 ||
	    listen(fd, 4096) < 0)
		die("bind/listen");
	printf("serving on tcp port %u\n", o.port);
	fflush(stdout);
	while (!stop && wait_readable(fd, deadline)) {
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0)
			continue;
		if (o.answer >= 0) {
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			n += serve_tcp_call(c, deadline);
			close(c);
			if (n == o.count)
				break;
			continue;
		}
		if (n < o.count)
			held[n++] = c;
		else
			close(c);
	}
	printf("%s %u connections\n", o.answer >= 0 ? "answered" : "held", n);
	for (i = 0; i < n; i++)
		close(held[i]);
	close(fd);
	return 0;
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
	if (o.tcp)
		return do_serve_tcp();
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

static const struct {
	const char *name;
	enum mode mode;
	int (*run)(void);
} modes[] = {
	{ "getport", M_GETPORT, do_getport },
	{ "flood", M_FLOOD, do_flood },
	{ "xids", M_XIDS, do_xids },
	{ "forge", M_FORGE, do_forge },
	{ "serve", M_SERVE, do_serve },
	{ "plant", M_PLANT, do_plant },
	{ "desync", M_DESYNC, do_desync },
	{ "spray", M_SPRAY, do_spray },
	{ "twin", M_TWIN, do_twin },
	{ "hide", M_HIDE, do_hide },
	{ "spoof", M_SPOOF, do_spoof },
	{ "urgent", M_URGENT, do_urgent },
	{ "oob", M_OOB, do_oob },
	{ "resyn", M_RESYN, do_resyn },
	{ "cookie", M_COOKIE, do_cookie },
	{ "reopen", M_REOPEN, do_reopen },
	{ "gso", M_GSO, do_gso },
	{ "race", M_RACE, do_race },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int c;

	rng_state = ((uint64_t)getpid() << 32) ^ (uint64_t)(now() * 1e9) ^
		    0x9E3779B97F4A7C15ULL;
	while ((c = getopt(argc, argv, "t:p:v:gP:V:x:a:n:s:F:r:B:k:f:A:IC:H:Q:OX:D:T:qUh")) != -1) {
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
		case 'C':
			o.cut = num(optarg, 1, 65535, "-C");
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
		case 'Q':
			o.plant_prog = num(optarg, 0, 0xffffffffUL, "-Q");
			break;
		case 'O':
			o.fastopen = 1;
			break;
		case 'X':
			o.xid = num(optarg, 0, 0xffffffffUL, "-X");
			o.has_xid = 1;
			break;
		case 'D':
			o.delay = num(optarg, 0, 60, "-D");
			break;
		case 'T':
			o.timeout = num(optarg, 0, 3600, "-T");
			break;
		case 'U':
			o.show_uaddr = 1;
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
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]) &&
		    strcmp(argv[optind], modes[i].name); i++)
		;
	if (i == sizeof(modes) / sizeof(modes[0]))
		bad("unknown MODE");
	o.mode = modes[i].mode;
	if (o.mode == M_SPRAY && o.tcp)
		bad("spray is UDP");
	if ((o.mode == M_PLANT || o.mode == M_DESYNC || o.mode == M_HIDE ||
	     o.mode == M_URGENT || o.mode == M_OOB) && !o.tcp)
		bad("plant, desync, hide, urgent and oob need -t tcp");
	if (o.fastopen && !o.tcp)
		bad("-O needs -t tcp");
	if (o.versaddr && o.pmap_vers != 4)
		bad("-g needs -v 4");
	if (!o.tcp && (o.split > 1 || o.frags > 1))
		bad("-s and -F need -t tcp");
	if (o.hold && (!o.tcp || (o.mode != M_FLOOD && o.mode != M_GETPORT)))
		bad("-k is for flood and getport, -t tcp");
	parse_addr(argv[optind + 1]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	return modes[i].run();
}

