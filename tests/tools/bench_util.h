/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two load generators share, tests/tools/netbench.c (wall clock)
 * and tests/bench/iload.c (icount): number and address arguments, and the
 * portmap GETPORT call both time. Each defines BENCH_PROG, its name in
 * messages, before including this.
 */
#ifndef IMGSEC_BENCH_UTIL_H
#define IMGSEC_BENCH_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned long num(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, BENCH_PROG ": '%s' is not in %lu..%lu\n", s,
			lo, hi);
		exit(2);
	}
	return v;
}

/* Numeric IPv4 or IPv6 address @s and @port into @peer; exits if neither. */
static socklen_t parse_peer(struct sockaddr_storage *peer, const char *s,
			    unsigned int port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)peer;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)peer;

	memset(peer, 0, sizeof(*peer));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return sizeof(*a6);
	}
	fprintf(stderr, BENCH_PROG ": not a numeric address: %s\n", s);
	exit(2);
}

static void put32(uint8_t **p, uint32_t v)
{
	(*p)[0] = v >> 24;
	(*p)[1] = v >> 16;
	(*p)[2] = v >> 8;
	(*p)[3] = v;
	*p += 4;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * portmap v2 GETPORT(MOUNT v3, PROT), AUTH_NULL; over TCP with its record
 * mark (last fragment). Returns the length.
 */
static size_t getport_call(uint8_t *buf, uint32_t xid, int tcp)
{
	uint8_t *p = buf;

	if (tcp)
		put32(&p, 0x80000000u | 56);
	put32(&p, xid);
	put32(&p, 0);		/* CALL */
	put32(&p, 2);		/* RPC version */
	put32(&p, 100000);	/* portmap */
	put32(&p, 2);
	put32(&p, 3);		/* GETPORT */
	put32(&p, 0);		/* cred AUTH_NULL */
	put32(&p, 0);
	put32(&p, 0);		/* verf AUTH_NULL */
	put32(&p, 0);
	put32(&p, 100005);	/* MOUNT */
	put32(&p, 3);
	put32(&p, tcp ? IPPROTO_TCP : IPPROTO_UDP);
	put32(&p, 0);
	return p - buf;
}

#endif
