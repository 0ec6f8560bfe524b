/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw IPv4 TCP SYNs and UDP datagrams from any source address, what the
 * floods of tests/tools/flood.c and tests/bench/iload.c send on a socket
 * of raw_socket() (needs CAP_NET_RAW; the kernel fills in the IPv4
 * header's checksum). And a xorshift64* to pick spoofed addresses.
 */
#ifndef IMGSEC_RAW_PACKET_H
#define IMGSEC_RAW_PACKET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Room for the largest packet raw_packet() builds. */
#define RAW_PACKET_MAX	(sizeof(struct iphdr) + sizeof(struct tcphdr) + 32)

/* xorshift64*: fast, and good enough to pick addresses and ports. */
static uint64_t rng_state = 1;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static uint16_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The transport checksum, over the IPv4 pseudo-header and @len bytes. */
static uint16_t l4_csum(const struct iphdr *ip, const void *l4, size_t len)
{
	uint32_t sum = 0;
	uint8_t pseudo[12];

	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = ip->protocol;
	pseudo[10] = len >> 8;
	pseudo[11] = len & 0xff;
	sum = csum_add(0, pseudo, sizeof(pseudo));
	return htons(~csum_add(sum, l4, len) & 0xffff);
}

/* A raw socket that sends whole IPv4 packets; -1 if not allowed. */
static int raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), one = 1;

	if (fd >= 0 &&
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A TCP segment with @tcp_flags (2: a SYN) or, with @udp, a UDP datagram
 * of 16 bytes, from @saddr:@sport to @daddr:@dport (network order
 * addresses, host order ports), into @pkt (RAW_PACKET_MAX bytes). Returns
 * its length.
 */
static size_t raw_packet(uint8_t *pkt, int udp, uint32_t saddr,
			 uint32_t daddr, uint16_t sport, uint16_t dport,
			 uint8_t tcp_flags)
{
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(ip + 1);
	struct udphdr *uh = (struct udphdr *)(ip + 1);
	size_t l4len = udp ? sizeof(*uh) + 16 : sizeof(*th);

	memset(pkt, 0, RAW_PACKET_MAX);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->tot_len = htons(sizeof(*ip) + l4len);
	ip->id = htons(rng() & 0xffff);
	ip->saddr = saddr;
	ip->daddr = daddr;
	if (!udp) {
		ip->protocol = IPPROTO_TCP;
		th->source = htons(sport);
		th->dest = htons(dport);
		th->seq = htonl(rng());
		th->doff = 5;
		((uint8_t *)th)[13] = tcp_flags;
		th->window = htons(64240);
		th->check = l4_csum(ip, th, l4len);
	} else {
		ip->protocol = IPPROTO_UDP;
		uh->source = htons(sport);
		uh->dest = htons(dport);
		uh->len = htons(l4len);
		memcpy(uh + 1, "imgsec-flood-udp", 16);
		uh->check = l4_csum(ip, uh, l4len);
	}
	return sizeof(*ip) + l4len;
}

#endif
