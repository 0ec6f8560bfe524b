// SPDX-License-Identifier: GPL-2.0
/*
 * flood: the packets of tests/e2e/flood_test.sh and faults_test.sh.
 *
 *   flood [options] syn|udp|tcp|dgram DST
 *
 * syn, udp: raw IPv4 packets (needs CAP_NET_RAW) built whole, so their
 * source can be anything: TCP SYNs or UDP datagrams from a random address
 * of -s PREFIX (a /32 is one address: a real host's, or a spoofed one) and
 * a random source port, to a random port of -p. Nothing is read back.
 *
 * tcp, dgram: the real stack, one fresh flow per probe: a TCP connection
 * (handshake, one token line, close) or one UDP datagram carrying a token
 * line, from a new source port each time, to the ports of -p in turn.
 * A token is "TAG PORT SEQ\n": a listener that logs what it receives shows
 * exactly which probes arrived. tcp counts a probe as ok once connected
 * and its token written; dgram cannot know, it counts sends.
 *
 * Every mode stops after -d seconds or -n packets/probes, whichever comes
 * first, or at SIGTERM or SIGINT, paced at -r a second (0: as fast as it
 * goes), and says what it did either way, in "key=value" lines:
 *   flood mode=syn sent=N errors=E ms=T pps=R
 *   port=P tried=N ok=M            (tcp, dgram: one line per port)
 *   connect_ms avg=A max=M         (tcp: of the probes that connected)
 * Exit 0 when it ran (whatever got through), 2 on a usage or socket error.
 * Static (make tools), for the test VM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "raw_packet.h"

#define MAX_RANGES	64
#define MAX_PROBE_PORTS	64
#define MAX_SECS	600
#define MAX_COUNT	100000000UL

enum mode { M_SYN, M_UDP, M_TCP, M_DGRAM };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct range {
	uint16_t lo, hi;
};

static struct {
	enum mode mode;
	struct in_addr dst;
	uint32_t src_net, src_mask;	/* host order */
	unsigned int src_port;		/* -S; 0: random */
	unsigned int tcp_flags;		/* -F */
	struct range ports[MAX_RANGES];
	unsigned int nranges;
	unsigned long rate;
	unsigned int secs;
	unsigned long count;
	unsigned int wait_ms;
	const char *tag;
} o = { .secs = 10, .count = MAX_COUNT, .wait_ms = 1000, .tag = "flood",
	.tcp_flags = 2 };

static void usage(FILE *f)
{
	fprintf(f,
"usage: flood [options] syn|udp|tcp|dgram DST\n"
"  syn, udp   raw IPv4 SYNs / UDP datagrams from random addresses of -s\n"
"  tcp, dgram one real TCP connection / UDP datagram per probe, with a token\n"
"options:\n"
"  -s A.B.C.D/LEN  syn, udp: source prefix (required; /32: one address)\n"
"  -S PORT         syn, udp: source port (default random 1024-65535)\n"
"  -F FLAGS        syn: the TCP flags byte, decimal (default 2, SYN; 3 is\n"
"                  SYN+FIN, which conntrack calls invalid)\n"
"  -p PORTS        destination ports, a list of N or N-M (required)\n"
"  -r PPS          packets or probes a second (default 0: no limit)\n"
"  -d SECS         stop after SECS seconds (default 10, at most %d)\n"
"  -n N            stop after N packets or probes\n"
"  -w MS           tcp: how long a connect may take (default 1000)\n"
"  -t TAG          first word of the tokens (default flood)\n", MAX_SECS);
}

static void bad(const char *msg)
{
	fprintf(stderr, "flood: %s\n", msg);
	usage(stderr);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "flood: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long number(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		bad(what);
	return v;
}

static void parse_ports(const char *arg)
{
	char buf[512], *tok, *save, *dash;
	struct range *r;

	if (strlen(arg) >= sizeof(buf))
		bad("-p: too long");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o.nranges >= MAX_RANGES)
			bad("-p: too many ranges");
		r = &o.ports[o.nranges++];
		dash = strchr(tok, '-');
		if (dash)
			*dash++ = 0;
		r->lo = number(tok, 65535, "-p: bad port");
		r->hi = dash ? number(dash, 65535, "-p: bad port") : r->lo;
		if (!r->lo || r->hi < r->lo)
			bad("-p: bad range");
	}
	if (!o.nranges)
		bad("-p: no port");
}

static void parse_source(const char *arg)
{
	char buf[64], *slash;
	struct in_addr a;
	unsigned long len = 32;

	if (strlen(arg) >= sizeof(buf))
		bad("-s: too long");
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = 0;
		len = number(slash, 32, "-s: bad prefix length");
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		bad("-s: not an IPv4 address");
	o.src_mask = len ? ~0U << (32 - len) : 0;
	o.src_net = ntohl(a.s_addr) & o.src_mask;
}

static uint16_t random_port(void)
{
	const struct range *r = &o.ports[rng() % o.nranges];

	return r->lo + rng() % (r->hi - r->lo + 1);
}

/* Sleep until packet @i is due at the rate asked for. */
static void pace(uint64_t start, unsigned long i)
{
	uint64_t due, now;
	struct timespec ts;

	if (!o.rate)
		return;
	due = start + (uint64_t)i * 1000000000ULL / o.rate;
	now = now_ns();
	if (due <= now)
		return;
	ts.tv_sec = (due - now) / 1000000000ULL;
	ts.tv_nsec = (due - now) % 1000000000ULL;
	nanosleep(&ts, NULL);
}

static void run_raw(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = o.dst };
	unsigned long sent = 0, errors = 0, i;
	uint64_t start, end, deadline;
	uint8_t pkt[RAW_PACKET_MAX];
	size_t len;
	int fd;

	fd = raw_socket();
	if (fd < 0)
		die("raw socket (CAP_NET_RAW?)");
	start = now_ns();
	deadline = start + (uint64_t)o.secs * 1000000000ULL;
	for (i = 0; i < o.count && !stop; i++) {
		if ((i & 63) == 0 && now_ns() >= deadline)
			break;
		pace(start, i);
		len = raw_packet(pkt, o.mode == M_UDP,
				 htonl(o.src_net | (rng() & ~o.src_mask)),
				 o.dst.s_addr,
				 o.src_port ? o.src_port : 1024 + rng() % 64512,
				 random_port(), o.tcp_flags);
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&sa,
			   sizeof(sa)) < 0)
			errors++;
		else
			sent++;
	}
	end = now_ns();
	close(fd);
	printf("flood mode=%s sent=%lu errors=%lu ms=%llu pps=%llu\n",
	       o.mode == M_SYN ? "syn" : "udp", sent, errors,
	       (unsigned long long)((end - start) / 1000000),
	       (unsigned long long)(sent * 1000000000ULL /
				    (end - start ? end - start : 1)));
}

/* One TCP probe: 1 if connected and the token written. */
static int tcp_probe(const struct sockaddr_in *sa, const char *token,
		     uint64_t *ms)
{
	struct pollfd pfd;
	uint64_t t0 = now_ns();
	socklen_t elen = sizeof(int);
	int fd, err = 0, ok = 0;
	size_t len = strlen(token);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
	    errno != EINPROGRESS)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, o.wait_ms) != 1)
		goto out;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err)
		goto out;
	*ms = (now_ns() - t0) / 1000000;
	ok = write(fd, token, len) == (ssize_t)len;
	shutdown(fd, SHUT_WR);
out:
	close(fd);
	return ok;
}

static void run_probes(void)
{
	static unsigned long tried[MAX_PROBE_PORTS], ok[MAX_PROBE_PORTS];
	uint16_t port[MAX_PROBE_PORTS];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = o.dst };
	unsigned long i, sent = 0, errors = 0, nok = 0;
	uint64_t start, end, deadline, ms, ms_sum = 0, ms_max = 0;
	unsigned int nports = 0, r, p, k;
	char token[128];
	int udp = -1;

	for (r = 0; r < o.nranges; r++)
		for (p = o.ports[r].lo; p <= o.ports[r].hi; p++) {
			if (nports >= MAX_PROBE_PORTS)
				bad("-p: tcp and dgram take at most 64 ports");
			port[nports++] = p;
		}
	start = now_ns();
	deadline = start + (uint64_t)o.secs * 1000000000ULL;
	for (i = 0; i < o.count && !stop && now_ns() < deadline; i++) {
		pace(start, i);
		k = i % nports;
		sa.sin_port = htons(port[k]);
		snprintf(token, sizeof(token), "%s %u %lu\n", o.tag, port[k], i);
		tried[k]++;
		if (o.mode == M_TCP) {
			if (tcp_probe(&sa, token, &ms)) {
				ok[k]++;
				nok++;
				ms_sum += ms;
				if (ms > ms_max)
					ms_max = ms;
			} else {
				errors++;
			}
			sent++;
			continue;
		}
		/* A new socket, so a new source port: a new conntrack. */
		udp = socket(AF_INET, SOCK_DGRAM, 0);
		if (udp < 0)
			die("socket");
		if (sendto(udp, token, strlen(token), 0,
			   (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			errors++;
		} else {
			ok[k]++;
			sent++;
		}
		close(udp);
	}
	end = now_ns();
	for (k = 0; k < nports; k++)
		printf("port=%u tried=%lu ok=%lu\n", port[k], tried[k], ok[k]);
	if (o.mode == M_TCP)
		printf("connect_ms avg=%llu max=%llu\n",
		       (unsigned long long)(nok ? ms_sum / nok : 0),
		       (unsigned long long)ms_max);
	printf("flood mode=%s sent=%lu errors=%lu ms=%llu pps=%llu\n",
	       o.mode == M_TCP ? "tcp" : "dgram", sent, errors,
	       (unsigned long long)((end - start) / 1000000),
	       (unsigned long long)(sent * 1000000000ULL /
				    (end - start ? end - start : 1)));
}

int main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	int c, have_src = 0;

	while ((c = getopt(argc, argv, "s:S:F:p:r:d:n:w:t:h")) != -1) {
		switch (c) {
		case 's':
			parse_source(optarg);
			have_src = 1;
			break;
		case 'S':
			o.src_port = number(optarg, 65535, "-S: bad port");
			break;
		case 'F':
			o.tcp_flags = number(optarg, 255, "-F: bad flags");
			break;
		case 'p':
			parse_ports(optarg);
			break;
		case 'r':
			o.rate = number(optarg, 10000000, "-r: bad rate");
			break;
		case 'd':
			o.secs = number(optarg, MAX_SECS, "-d: 1..600");
			if (!o.secs)
				bad("-d: 1..600");
			break;
		case 'n':
			o.count = number(optarg, MAX_COUNT, "-n: too large");
			break;
		case 'w':
			o.wait_ms = number(optarg, 60000, "-w: at most 60000");
			break;
		case 't':
			if (strlen(optarg) > 64 || strpbrk(optarg, " \n"))
				bad("-t: one word, at most 64 characters");
			o.tag = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2)
		bad("needs a mode and a destination");
	if (!strcmp(argv[optind], "syn"))
		o.mode = M_SYN;
	else if (!strcmp(argv[optind], "udp"))
		o.mode = M_UDP;
	else if (!strcmp(argv[optind], "tcp"))
		o.mode = M_TCP;
	else if (!strcmp(argv[optind], "dgram"))
		o.mode = M_DGRAM;
	else
		bad("mode: syn, udp, tcp or dgram");
	if (inet_pton(AF_INET, argv[optind + 1], &o.dst) != 1)
		bad("DST: not an IPv4 address");
	if (!o.nranges)
		bad("-p is required");
	if ((o.mode == M_SYN || o.mode == M_UDP) && !have_src)
		bad("syn and udp need -s");
	rng_state = now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	if (!rng_state)
		rng_state = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: a signal ends a sleep or a poll at once. */
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (o.mode == M_SYN || o.mode == M_UDP)
		run_raw();
	else
		run_probes();
	return 0;
}
