// SPDX-License-Identifier: GPL-2.0
/*
 * iload: the load of the instruction-counting benchmark
 * (tests/bench/icount_bench.sh), timed inside one process.
 *
 * Under qemu -icount (tests/vm/run.sh --icount) the guest's CLOCK_MONOTONIC
 * advances one nanosecond per guest instruction, so the time this program
 * reads around a loop of N operations is the number of guest instructions
 * the whole guest (client, server, kernel, softirqs: one vCPU) executed
 * meanwhile. Nothing but the loop is timed: no process start, no setup.
 *
 *   iload conn [-p PORT] [-n N] ADDR
 *	N TCP connections opened and closed one after the other, default
 *	N 100, port 5201: connect, shut down, wait for the server's close
 *	(EOF), close; so the server's work for each is inside the loop.
 *   iload send [-p PORT] [-m MIB] ADDR
 *	One TCP connection, MIB MiB (default 16) in 64 KiB writes, until
 *	the receiver has read everything and closed.
 *   iload rpc [-t] [-p PORT] [-n N] ADDR
 *	N portmap v2 GETPORT lookups of MOUNT v3 (default 100, port 111),
 *	each from a new socket, so each is a new conntrack entry: over UDP
 *	(one datagram each way), or with -t over TCP (connect, one record
 *	each way, shut down, wait for the server's close, close), asking for
 *	MOUNT over the same transport.
 *	With -f K, K raw packets of a flood before each lookup, from
 *	random addresses of -s NET/LEN (IPv4, CAP_NET_RAW), -F syn (TCP
 *	SYNs, the default) or -F udp, to port -P (5201) of ADDR; with -x
 *	the flood alone, no lookup. So the flood and the lookups share one
 *	process and interleave at K packets without a context switch: the
 *	lookups' cost during the flood is what -f K costs more than -f K -x.
 *
 * Prints one line: the mode, n, failures, ns (guest instructions under
 * icount) and ns per operation. Exit 0 when every operation succeeded.
 * Built statically by tests/bench/run.sh (build/bench/iload).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PROG "iload"
#include "../tools/bench_util.h"
#include "../tools/raw_packet.h"

#define CHUNK	65536
#define MAX_N	1000000

static unsigned int port, count = 100, mib = 16, use_tcp;
static struct {
	unsigned int count, udp, port, no_lookup;
	uint32_t net, mask;		/* host order */
	int fd;
} fl = { .port = 5201, .fd = -1 };
static struct sockaddr_storage peer;
static socklen_t peer_len;

static void die(const char *what)
{
	fprintf(stderr, "iload: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: iload conn [-p PORT] [-n N] ADDR\n"
		"       iload send [-p PORT] [-m MIB] ADDR\n"
		"       iload rpc [-t] [-p PORT] [-n N]\n"
		"                 [-f K -s NET/LEN [-F syn|udp] [-P PORT] [-x]] ADDR\n");
	exit(2);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int connect_to(int type)
{
	int fd = socket(peer.ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&peer, peer_len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void report(const char *mode, unsigned int n, unsigned int failed,
		   unsigned long long ns)
{
	printf("%s n=%u failed=%u ns=%llu per_op=%.0f\n", mode, n, failed, ns,
	       n ? (double)ns / n : 0);
}

/*
 * Half-close a TCP connection and wait for the peer's close: the peer's
 * work for it (accept, read, close, its FIN) is then inside the timed
 * loop, not left to run after it. 0 when the peer closed cleanly.
 */
static int finish(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t n;

	if (shutdown(fd, SHUT_WR) < 0)
		return -1;
	while (poll(&pfd, 1, 10000) > 0) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
	}
	return -1;
}

static int do_conn(void)
{
	unsigned long long t0, t;
	unsigned int i, failed = 0;
	int fd;

	t0 = now_ns();
	for (i = 0; i < count; i++) {
		fd = connect_to(SOCK_STREAM);
		if (fd < 0) {
			failed++;
			continue;
		}
		if (finish(fd))
			failed++;
		close(fd);
	}
	t = now_ns() - t0;
	report("conn", count, failed, t);
	return failed != 0;
}

static int do_send(void)
{
	static char buf[CHUNK];
	unsigned long long total = (unsigned long long)mib << 20, sent = 0;
	unsigned long long t0, t;
	struct pollfd pfd;
	ssize_t n;
	int fd;

	memset(buf, 'x', sizeof(buf));
	t0 = now_ns();
	fd = connect_to(SOCK_STREAM);
	if (fd < 0)
		die("connect");
	while (sent < total) {
		n = write(fd, buf, total - sent < CHUNK ? total - sent : CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		sent += n;
	}
	/* Done when the sink has read everything and closed. */
	shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 10000) > 0)
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
	t = now_ns() - t0;
	close(fd);
	report("send", 1, sent != total, t);
	return sent != total;
}

/* One lookup on a new socket; the port it gives, 0 on failure. */
static unsigned int lookup(uint32_t xid)
{
	uint8_t out[64], in[512];
	size_t len = getport_call(out, xid, use_tcp), got = 0;
	unsigned int hdr = use_tcp ? 4 : 0, res = 0;
	struct pollfd pfd;
	ssize_t n;
	int fd;

	fd = connect_to(use_tcp ? SOCK_STREAM : SOCK_DGRAM);
	if (fd < 0)
		return 0;
	if (send(fd, out, len, 0) != (ssize_t)len)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* xid, REPLY, MSG_ACCEPTED, verf, SUCCESS, port: 28 bytes (+ mark) */
	while (got < hdr + 28 && poll(&pfd, 1, 2000) > 0) {
		n = recv(fd, in + got, sizeof(in) - got, 0);
		if (n <= 0)
			break;
		got += n;
		if (!use_tcp)
			break;
	}
	if (got == hdr + 28 && get32(in + hdr) == xid &&
	    get32(in + hdr + 4) == 1)
		res = get32(in + hdr + 24);
	if (use_tcp && finish(fd))
		res = 0;
out:
	close(fd);
	return res;
}

/* The -f flood's packets before one lookup: how many were not sent. */
static unsigned int flood(void)
{
	const struct sockaddr_in *dst = (const struct sockaddr_in *)&peer;
	unsigned int i, errors = 0;
	uint8_t pkt[RAW_PACKET_MAX];
	size_t len;

	for (i = 0; i < fl.count; i++) {
		len = raw_packet(pkt, fl.udp,
				 htonl(fl.net | (rng() & ~fl.mask)),
				 dst->sin_addr.s_addr, 1024 + rng() % 64512,
				 fl.port, 2);
		if (sendto(fl.fd, pkt, len, 0, (const struct sockaddr *)dst,
			   sizeof(*dst)) != (ssize_t)len)
			errors++;
	}
	return errors;
}

static int do_rpc(void)
{
	unsigned int i, failed = 0, p, last = 0;
	uint32_t xid = (uint32_t)getpid() << 16;
	unsigned long long t0, t;

	t0 = now_ns();
	for (i = 0; i < count; i++) {
		if (fl.count && flood())
			failed++;
		if (fl.no_lookup)
			continue;
		p = lookup(++xid);
		if (!p)
			failed++;
		else
			last = p;
	}
	t = now_ns() - t0;
	report(fl.no_lookup ? "flood" : use_tcp ? "rpc-tcp" : "rpc-udp",
	       count, failed, t);
	if (!last && !fl.no_lookup)
		fprintf(stderr, "iload: no reply gave a port\n");
	return failed != 0;
}

/* -s NET/LEN: the flood's sources. */
static void flood_source(const char *arg)
{
	char net[INET_ADDRSTRLEN], *slash = strchr(arg, '/');
	struct in_addr a;
	unsigned int len;

	if (!slash || slash - arg >= (long)sizeof(net))
		usage();
	memcpy(net, arg, slash - arg);
	net[slash - arg] = 0;
	len = num(slash + 1, 1, 32);
	if (inet_pton(AF_INET, net, &a) != 1)
		usage();
	fl.mask = len == 32 ? ~0u : ~(~0u >> len);
	fl.net = ntohl(a.s_addr) & fl.mask;
}

int main(int argc, char **argv)
{
	const char *mode;
	int c;

	if (argc < 2)
		usage();
	mode = argv[1];
	port = strcmp(mode, "rpc") ? 5201 : 111;
	optind = 2;
	while ((c = getopt(argc, argv, "p:m:n:tf:s:F:P:x")) != -1) {
		switch (c) {
		case 'p':
			port = num(optarg, 1, 65535);
			break;
		case 'm':
			mib = num(optarg, 1, 4096);
			break;
		case 'n':
			count = num(optarg, 1, MAX_N);
			break;
		case 't':
			use_tcp = 1;
			break;
		case 'f':
			fl.count = num(optarg, 1, 100000);
			break;
		case 's':
			flood_source(optarg);
			break;
		case 'F':
			if (strcmp(optarg, "syn") && strcmp(optarg, "udp"))
				usage();
			fl.udp = !strcmp(optarg, "udp");
			break;
		case 'P':
			fl.port = num(optarg, 1, 65535);
			break;
		case 'x':
			fl.no_lookup = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	peer_len = parse_peer(&peer, argv[optind], port);
	if (fl.no_lookup && !fl.count)
		usage();
	if (fl.count) {
		if (strcmp(mode, "rpc") || !fl.mask || peer.ss_family != AF_INET)
			usage();
		fl.fd = raw_socket();
		if (fl.fd < 0)
			die("raw socket (CAP_NET_RAW?)");
		rng_state ^= now_ns() ^ ((uint64_t)getpid() << 32);
		if (!rng_state)
			rng_state = 1;
	}
	if (!strcmp(mode, "conn"))
		return do_conn();
	if (!strcmp(mode, "send"))
		return do_send();
	if (!strcmp(mode, "rpc"))
		return do_rpc();
	usage();
	return 2;
}
