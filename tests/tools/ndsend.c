// SPDX-License-Identifier: GPL-2.0
/*
 * ndsend: send one IPv6 neighbour solicitation or MLD report with the hop
 * limit and source asked for, to see which of them a firewall lets through
 * (tests/e2e/hardening_test.sh). A raw ICMPv6 socket: the kernel adds the
 * IPv6 header and the checksum.
 *
 *   ndsend [-h HOPS] [-c CODE] [-s SRC] ns|mld DST
 *
 * ns: type 135 for target DST; mld: an MLDv1 report (type 131) for DST.
 * CODE (default 0) lets a test tell its packets from the kernel's own.
 * A link-local DST takes its interface after a '%' (fe80::1%eth0).
 * Exit 0 once sent. Static (make tools), for the test VM.
 */
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: ndsend [-h HOPS] [-c CODE] [-s SRC] ns|mld DST\n");
	exit(2);
}

static void addr(const char *s, struct sockaddr_in6 *sa)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], *scope;

	if (strlen(s) >= sizeof(buf))
		usage();
	strcpy(buf, s);
	scope = strchr(buf, '%');
	if (scope) {
		*scope++ = 0;
		sa->sin6_scope_id = if_nametoindex(scope);
		if (!sa->sin6_scope_id)
			die(scope);
	}
	if (inet_pton(AF_INET6, buf, &sa->sin6_addr) != 1)
		usage();
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	unsigned char msg[24] = { 0 };
	int hops = 255, code = 0, c, fd;
	const char *from = NULL;

	while ((c = getopt(argc, argv, "h:c:s:")) != -1) {
		if (c == 'h')
			hops = atoi(optarg);
		else if (c == 'c')
			code = atoi(optarg) & 0xff;
		else if (c == 's')
			from = optarg;
		else
			usage();
	}
	if (argc - optind != 2 || hops < 1 || hops > 255)
		usage();
	addr(argv[optind + 1], &dst);
	if (!strcmp(argv[optind], "ns"))
		msg[0] = ND_NEIGHBOR_SOLICIT;
	else if (!strcmp(argv[optind], "mld"))
		msg[0] = MLD_LISTENER_REPORT;
	else
		usage();
	msg[1] = code;
	/* NS: reserved word, target; MLDv1: delay, reserved, group. */
	memcpy(msg + 8, &dst.sin6_addr, 16);

	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
		       sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
		       sizeof(hops)) < 0)
		die("hop limit");
	if (from) {
		addr(from, &src);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			die("bind");
	}
	if (sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) < 0)
		die("sendto");
	return 0;
}
