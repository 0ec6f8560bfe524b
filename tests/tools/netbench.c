// SPDX-License-Identifier: GPL-2.0
/*
 * netbench: the traffic of the VM benchmark (tests/bench/vm_bench.sh):
 * TCP bulk throughput, TCP new-connection rate and portmap GETPORT lookup
 * rate, between the test VM's namespaces.
 *
 * Built statically (make tools) so that it runs in the test VM as is.
 * Numeric addresses only; every loop is bounded by a count and a deadline.
 *
 *   netbench sink [-p PORT] [-T SECS]
 *	TCP server on [::]:PORT (IPv4 too): accept connections one after the
 *	other, read each to EOF and close it. Stops after SECS (default 600).
 *   netbench send [-p PORT] [-m MB] [-T SECS] ADDR
 *	One TCP connection: write MB megabytes (default 64) in 64 KiB writes,
 *	shut down, wait for the sink to close. Stops writing at SECS.
 *   netbench conn [-p PORT] [-n N] [-T SECS] ADDR
 *	N connections (default 1000) opened and closed one after the other
 *	(connect, close: three-way handshake and FIN), until SECS.
 *   netbench rpc [-p PORT] [-n N] [-T SECS] [-w SECS] ADDR
 *	N portmap v2 GETPORT calls (MOUNT v3 over UDP, AUTH_NULL) to
 *	ADDR:PORT (default 111), each from a new UDP socket (a new conntrack
 *	entry, as each mount makes), each waiting up to -w (default 1) for
 *	its reply.
 *
 * Every mode but sink prints one line of key=value pairs: what was done,
 * the wall time, the rate, and the CPU time the whole VM spent (busy
 * jiffies of all CPUs from /proc/stat, in ms) during the run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PROG "netbench"
#include "bench_util.h"

#define CHUNK		65536
#define MAX_MB		4096
#define MAX_N		100000
#define MAX_SECS	3600

static unsigned int port, count = 1000, mbytes = 64;
static double limit = 60, wait_s = 1;
static struct sockaddr_storage peer;
static socklen_t peer_len;

static void die(const char *what)
{
	fprintf(stderr, "netbench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: netbench sink [-p PORT] [-T SECS]\n"
		"       netbench send [-p PORT] [-m MB] [-T SECS] ADDR\n"
		"       netbench conn [-p PORT] [-n N] [-T SECS] ADDR\n"
		"       netbench rpc [-p PORT] [-n N] [-T SECS] [-w SECS] ADDR\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy time of all CPUs so far, in ms (USER_HZ jiffies: 10 ms steps). */
static double cpu_ms(void)
{
	unsigned long long v[10] = {}, busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i, n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]);
	fclose(f);
	for (i = 0; i < n && i < 8; i++)
		if (i != 3 && i != 4)	/* idle, iowait */
			busy += v[i];
	return busy * 1000.0 / sysconf(_SC_CLK_TCK);
}

static int connect_tcp(void)
{
	int fd = socket(peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&peer, peer_len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int do_sink(void)
{
	static char buf[CHUNK];
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	double deadline = now() + limit;
	struct pollfd pfd;
	int fd, c, one = 1, zero = 0;
	ssize_t n;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	a.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(fd, 4096) < 0)
		die("listen");
	while (now() < deadline) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		/* Bounded too: a peer that never closes is dropped at the end. */
		pfd.fd = c;
		while (now() < deadline) {
			if (poll(&pfd, 1, 1000) <= 0)
				continue;
			n = read(c, buf, sizeof(buf));
			if (n <= 0)
				break;
		}
		close(c);
	}
	return 0;
}

static int do_send(void)
{
	static char buf[CHUNK];
	unsigned long long total = (unsigned long long)mbytes << 20, sent = 0;
	double t0, t, c0, deadline;
	ssize_t n;
	int fd;

	memset(buf, 'x', sizeof(buf));
	c0 = cpu_ms();
	t0 = now();
	deadline = t0 + limit;
	fd = connect_tcp();
	if (fd < 0)
		die("connect");
	while (sent < total && now() < deadline) {
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
	{
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		while (now() < deadline + 5 && poll(&pfd, 1, 1000) >= 0)
			if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
			    read(fd, buf, sizeof(buf)) <= 0)
				break;
	}
	t = now() - t0;
	close(fd);
	printf("send bytes=%llu secs=%.3f MBps=%.2f cpu_ms=%.0f complete=%d\n",
	       sent, t, sent / t / 1048576, cpu_ms() - c0, sent == total);
	return sent == total ? 0 : 1;
}

static int do_conn(void)
{
	unsigned int i, ok = 0, failed = 0;
	double t0, t, c0, deadline;
	int fd;

	c0 = cpu_ms();
	t0 = now();
	deadline = t0 + limit;
	for (i = 0; i < count && now() < deadline; i++) {
		fd = connect_tcp();
		if (fd < 0) {
			failed++;
			continue;
		}
		close(fd);
		ok++;
	}
	t = now() - t0;
	printf("conn n=%u failed=%u secs=%.3f rate=%.1f cpu_ms=%.0f\n", ok,
	       failed, t, ok / t, cpu_ms() - c0);
	return ok == count ? 0 : 1;
}

static int do_rpc(void)
{
	unsigned int i, sent = 0, replies = 0, last_port = 0;
	uint8_t out[64], in[512];
	double t0, t, c0, deadline, until;
	uint32_t xid = (uint32_t)getpid() << 16;
	struct pollfd pfd;
	ssize_t n;
	size_t len;
	int fd;

	c0 = cpu_ms();
	t0 = now();
	deadline = t0 + limit;
	for (i = 0; i < count && now() < deadline; i++) {
		fd = socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&peer, peer_len) < 0)
			die("connect");
		len = getport_call(out, ++xid, 0);
		if (send(fd, out, len, 0) < 0)
			die("send");
		sent++;
		until = now() + wait_s;
		pfd.fd = fd;
		pfd.events = POLLIN;
		while (now() < until &&
		       poll(&pfd, 1, (int)((until - now()) * 1000) + 1) > 0) {
			n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
			/* xid, REPLY, MSG_ACCEPTED, verf, SUCCESS, port */
			if (n == 28 && get32(in) == xid && get32(in + 4) == 1) {
				last_port = get32(in + 24);
				replies++;
				break;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				break;
		}
		close(fd);
	}
	t = now() - t0;
	printf("rpc n=%u replies=%u port=%u secs=%.3f rate=%.1f cpu_ms=%.0f\n",
	       sent, replies, last_port, t, replies / t, cpu_ms() - c0);
	return replies == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode;
	int c;

	if (argc < 2)
		usage();
	mode = argv[1];
	if (!strcmp(mode, "rpc"))
		port = 111;
	else
		port = 5201;
	if (!strcmp(mode, "sink"))
		limit = 600;
	optind = 2;
	while ((c = getopt(argc, argv, "p:m:n:T:w:")) != -1) {
		switch (c) {
		case 'p':
			port = num(optarg, 1, 65535);
			break;
		case 'm':
			mbytes = num(optarg, 1, MAX_MB);
			break;
		case 'n':
			count = num(optarg, 1, MAX_N);
			break;
		case 'T':
			limit = num(optarg, 1, MAX_SECS);
			break;
		case 'w':
			wait_s = num(optarg, 1, 10);
			break;
		default:
			usage();
		}
	}
	if (!strcmp(mode, "sink"))
		return optind == argc ? do_sink() : (usage(), 2);
	if (optind != argc - 1)
		usage();
	peer_len = parse_peer(&peer, argv[optind], port);
	if (!strcmp(mode, "send"))
		return do_send();
	if (!strcmp(mode, "conn"))
		return do_conn();
	if (!strcmp(mode, "rpc"))
		return do_rpc();
	usage();
	return 2;
}
