// SPDX-License-Identifier: GPL-2.0
/*
 * Classifier cost as the policy grows: nanoseconds per imgsec_classify()
 * with 10, 1000 and 10000 role addresses and 10, 100 and 1000 rules, for
 * packets that match a rule, packets from an address in no role, and
 * packets between known addresses that no rule allows. A naive linear scan
 * of rules and addresses (what the classifier replaces) is measured on the
 * same packets for comparison.
 *
 * Usage: bench_classify [-q]   (-q: fewer repetitions, for a smoke run)
 * Same source as the kernel module (module/classify.c), built with -O2.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "classify.h"
#include "bench.h"

#define NROLES		8
#define NPACKETS	16384
#define MIN_RUN_NS	50000000.0	/* each timed run lasts >= 50 ms */

enum kind { HIT, MISS_ADDR, MISS_RULE, NKINDS };

struct packet {
	u8 saddr[4], daddr[4];
	u8 proto;
	u16 dport;
};

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static u32 rnd_below(u32 n)
{
	return rnd() % n;
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * @naddrs role addresses in 10.0.0.0/8, dealt round-robin to NROLES roles:
 * mostly /32 hosts scattered over the /8, one in 16 a /24 and one in 64 a
 * /16. Every size has all three prefix lengths, so that sizes differ only
 * in the number of addresses; hosts may fall inside the prefixes.
 */
static void make_roles(struct imgsec_policy_desc *p, u32 naddrs)
{
	struct imgsec_prefix *pfx;
	u32 i, r, n16 = 0, n24 = 0;

	p->nroles = NROLES;
	for (r = 0; r < NROLES; r++) {
		snprintf(p->roles[r].name, IMGSEC_NAME_LEN, "role%u", r);
		p->roles[r].prefixes = calloc(naddrs, sizeof(*pfx));
	}
	for (i = 0; i < naddrs; i++) {
		r = i % NROLES;
		pfx = &p->roles[r].prefixes[p->roles[r].nprefixes++];
		pfx->family = AF_INET;
		if (i % 64 == 1) {
			pfx->plen = 16;
			put_be32(pfx->addr, 10u << 24 | n16++ << 16);
		} else if (i % 16 == 2) {
			pfx->plen = 24;
			put_be32(pfx->addr, 10u << 24 | ((200 << 16) + (n24++ << 8)));
		} else {
			/* x -> x * odd is a bijection mod 2^24: distinct hosts */
			pfx->plen = 32;
			put_be32(pfx->addr, 10u << 24 | ((i * 2654435761u) & 0xffffff));
		}
	}
}

static void make_rules(struct imgsec_policy_desc *p, u32 nrules)
{
	struct imgsec_rule_desc *rule;
	u32 i, j;

	p->nrules = nrules;
	p->rules = calloc(nrules, sizeof(*p->rules));
	for (i = 0; i < nrules; i++) {
		rule = &p->rules[i];
		rule->from = rnd_below(NROLES);
		rule->to = rnd_below(NROLES);
		rule->proto = rnd_below(2) ? IPPROTO_TCP : IPPROTO_UDP;
		rule->nports = 1 + rnd_below(3);
		for (j = 0; j < rule->nports; j++) {
			rule->ports[j].lo = 1 + rnd_below(60000);
			rule->ports[j].hi = rule->ports[j].lo +
					    (rnd_below(4) ? 0 : rnd_below(100));
		}
	}
}

/* An address of role @r, random host bits where it is a prefix. */
static void role_addr(const struct imgsec_policy_desc *p, u32 r, u8 *addr)
{
	const struct imgsec_role_desc *role = &p->roles[r];
	const struct imgsec_prefix *pfx;
	u32 host;

	pfx = &role->prefixes[rnd_below(role->nprefixes)];
	host = pfx->plen == 32 ? 0 : rnd_below(1u << (32 - pfx->plen));
	put_be32(addr, imgsec_get_be32(pfx->addr) | host);
}

/* The specification as a linear scan: the baseline to beat. */
static bool naive_in_role(const struct imgsec_role_desc *role, const u8 *a)
{
	u32 addr = imgsec_get_be32(a), i, mask;

	for (i = 0; i < role->nprefixes; i++) {
		mask = role->prefixes[i].plen ?
		       ~0u << (32 - role->prefixes[i].plen) : 0;
		if ((addr & mask) == imgsec_get_be32(role->prefixes[i].addr))
			return true;
	}
	return false;
}

static int naive_classify(const struct imgsec_policy_desc *p,
			  const struct packet *pk)
{
	const struct imgsec_rule_desc *r;
	u32 i, j;

	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->proto != pk->proto)
			continue;
		for (j = 0; j < r->nports; j++)
			if (pk->dport >= r->ports[j].lo &&
			    pk->dport <= r->ports[j].hi)
				break;
		if (j == r->nports || !naive_in_role(&p->roles[r->from], pk->saddr) ||
		    !naive_in_role(&p->roles[r->to], pk->daddr))
			continue;
		return i;
	}
	return -1;
}

static void make_packet(const struct imgsec_policy_desc *p, enum kind kind,
			struct packet *pk)
{
	const struct imgsec_rule_desc *r;

	do {
		r = &p->rules[rnd_below(p->nrules)];
		pk->proto = r->proto;
		if (kind == HIT) {
			role_addr(p, r->from, pk->saddr);
			role_addr(p, r->to, pk->daddr);
			pk->dport = r->ports[0].lo;
			return;
		}
		role_addr(p, rnd_below(NROLES), pk->saddr);
		role_addr(p, rnd_below(NROLES), pk->daddr);
		pk->dport = 1 + rnd_below(65535);
		if (kind == MISS_ADDR)	/* 192.168/16 is in no role */
			put_be32(pk->saddr, 0xc0a80000u | rnd_below(65536));
	} while (naive_classify(p, pk) != -1);
}

static volatile int sink;

/* Median over @runs of ns per lookup; each run repeats the packets. */
static double bench(const struct imgsec_classifier *c,
		    const struct imgsec_policy_desc *p,
		    const struct packet *pk, u32 n, int runs)
{
	double t0, t, res[16];
	u32 reps = 1, i, k;
	int run, acc = 0;

	for (run = 0; run < runs; run++) {
		for (;;) {
			t0 = now_ns();
			for (k = 0; k < reps; k++)
				for (i = 0; i < n; i++)
					acc += c ? imgsec_classify(c, 4,
						pk[i].saddr, pk[i].daddr,
						pk[i].proto, pk[i].dport) :
						naive_classify(p, &pk[i]);
			t = now_ns() - t0;
			if (t >= MIN_RUN_NS || run > 0)
				break;
			reps *= 2;	/* calibrate on the first run */
		}
		res[run] = t / ((double)reps * n);
	}
	sink = acc;
	qsort(res, runs, sizeof(res[0]), cmp_double);
	return res[runs / 2];
}

static void row(u32 naddrs, u32 nrules, int runs)
{
	struct imgsec_policy_desc *p = calloc(1, sizeof(*p));
	static struct packet pk[NKINDS][NPACKETS];
	struct imgsec_policy_error err;
	struct imgsec_classifier *c;
	double ns[2][NKINDS], t0, build_us;
	u32 i, k, npk;

	make_roles(p, naddrs);
	make_rules(p, nrules);
	if (imgsec_policy_validate(p, &err)) {
		fprintf(stderr, "bad policy: %s\n", err.msg);
		exit(1);
	}
	t0 = now_ns();
	if (imgsec_classifier_build(p, &c)) {
		fprintf(stderr, "build failed\n");
		exit(1);
	}
	build_us = (now_ns() - t0) / 1e3;
	for (k = 0; k < NKINDS; k++)
		for (i = 0; i < NPACKETS; i++)
			make_packet(p, k, &pk[k][i]);
	for (k = 0; k < NKINDS; k++) {
		ns[0][k] = bench(c, p, pk[k], NPACKETS, runs);
		/* The naive scan is slow: fewer packets are enough. */
		npk = NPACKETS / 16;
		ns[1][k] = bench(NULL, p, pk[k], npk, runs);
	}
	printf("| %6u | %5u | %7.1f | %7.1f | %7.1f | %9.1f | %9.1f | %9.1f | %8.0f |\n",
	       naddrs, nrules, ns[0][HIT], ns[0][MISS_ADDR], ns[0][MISS_RULE],
	       ns[1][HIT], ns[1][MISS_ADDR], ns[1][MISS_RULE], build_us);
	fflush(stdout);
	imgsec_classifier_free(c);
	imgsec_policy_desc_release(p);
	free(p);
}

int main(int argc, char **argv)
{
	static const u32 addrs[] = { 10, 1000, 10000 };
	static const u32 rules[] = { 10, 100, 1000 };
	int runs = argc > 1 && !strcmp(argv[1], "-q") ? 1 : 7;
	u32 a, r;

	printf("ns per lookup, median of %d runs; %u roles; IPv4\n\n", runs,
	       NROLES);
	printf("| addrs  | rules | imgsec: hit | no-role | no-rule "
	       "| naive: hit | no-role | no-rule | build us |\n");
	printf("|-------:|------:|--------:|--------:|--------:"
	       "|----------:|----------:|----------:|---------:|\n");
	for (a = 0; a < 3; a++)
		for (r = 0; r < 3; r++)
			row(addrs[a], rules[r], runs);
	return 0;
}
