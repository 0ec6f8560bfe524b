// sources: module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * White-box review of the classifier's address tables: classify.c is
 * included here with its slot scaling (reciprocal_scale) hooked, so that a
 * test can send every key to the last slot, to slot 0 or to the middle: the
 * worst clustering and wrap-around, which a good hash never shows. After
 * each build: the table's invariants (an empty slot, each entry's distance
 * from its home, Robin Hood order, mask indices in range, masks distinct),
 * and every address's whole role mask against a naive scan of the policy.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "portable.h"
#include "naive_roles.h"
#include "test.h"

enum { HOOK_REAL, HOOK_LAST, HOOK_FIRST, HOOK_MIDDLE, HOOK_MODES };
static int hook_mode;

static u32 hook_scale(u32 val, u32 n)
{
	switch (hook_mode) {
	case HOOK_LAST:
		return n - 1;
	case HOOK_FIRST:
		return 0;
	case HOOK_MIDDLE:
		return n / 2;
	default:
		return (u32)(((u64)val * n) >> 32);
	}
}

#define reciprocal_scale(val, n) hook_scale(val, n)
#include "../../module/classify.c"
#undef reciprocal_scale

static uint64_t rng_state = 0x1234567;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static struct imgsec_policy_desc *pol_new(u32 nroles, u32 room)
{
	struct imgsec_policy_desc *p = calloc(1, sizeof(*p));
	u32 r;

	p->rules = calloc(1, sizeof(*p->rules));
	p->nroles = nroles;
	for (r = 0; r < nroles; r++) {
		snprintf(p->roles[r].name, IMGSEC_NAME_LEN, "r%u", r);
		p->roles[r].prefixes = calloc(room, sizeof(struct imgsec_prefix));
	}
	return p;
}

static void pol_free(struct imgsec_policy_desc *p)
{
	u32 r;

	for (r = 0; r < p->nroles; r++)
		free(p->roles[r].prefixes);
	free(p->rules);
	free(p);
}

/* Adds @addr/@plen (host bits cleared) to role @r unless already there. */
static void push(struct imgsec_policy_desc *p, u32 r, int family, u8 plen,
		 const u8 *addr)
{
	struct imgsec_role_desc *role = &p->roles[r];
	struct imgsec_prefix pfx = { 0 };
	u32 i;

	pfx.family = family == 4 ? AF_INET : AF_INET6;
	pfx.plen = plen;
	memcpy(pfx.addr, addr, family == 4 ? 4 : 16);
	for (i = plen; i < 128; i++)
		pfx.addr[i / 8] &= ~(0x80 >> (i % 8));
	for (i = 0; i < role->nprefixes; i++)
		if (!memcmp(&role->prefixes[i], &pfx, sizeof(pfx)))
			return;
	role->prefixes[role->nprefixes++] = pfx;
}

/* Table invariants; returns the number of violations. */
static unsigned int check_map(const struct addr_map *m)
{
	unsigned int bad = 0, empty = 0;
	u32 s, home, nmasks = 0, t;

	if (!m->size)
		return m->slots != NULL;
	for (s = 0; s < m->size; s++) {
		const struct addr_entry *e = &m->slots[s];

		if (!e->plen1) {
			empty++;
			continue;
		}
		home = addr_home(m, e->hi, e->lo, e->plen1 - 1);
		bad += e->dist != (s + m->size - home) % m->size;
		/* Robin Hood: the next slot's entry is at most one further. */
		t = s + 1 == m->size ? 0 : s + 1;
		bad += m->slots[t].plen1 && m->slots[t].dist > e->dist + 1;
		if (e->roles + 1u > nmasks)
			nmasks = e->roles + 1u;
		/* Found again from its own key. */
		bad += addr_find(m, e->hi, e->lo, e->plen1 - 1) != s;
	}
	bad += !empty;
	for (s = 0; s < nmasks; s++)
		for (t = s + 1; t < nmasks; t++)
			bad += m->masks[s] == m->masks[t];
	return bad;
}

static struct imgsec_classifier *build(struct imgsec_policy_desc *p)
{
	struct imgsec_policy_error err;
	struct imgsec_classifier *c = NULL;
	int ret = imgsec_policy_validate(p, &err);

	CHECK(ret == 0, "invalid policy: %s (role %d prefix %d)", err.msg,
	      err.role, err.prefix);
	if (ret)
		return NULL;
	ret = imgsec_classifier_build(p, &c);
	CHECK(ret == 0 && c, "build: %d", ret);
	return c;
}

/* Role mask of @addr by the tables against the naive scan. */
static unsigned int check_addr(const struct imgsec_classifier *c,
			       const struct imgsec_policy_desc *p, int family,
			       const u8 *addr)
{
	u64 want = naive_roles(p, family, addr);
	u64 got = addr_roles(&c->addrs[family == 6], addr, family == 6);

	if (got != want && !test_state.checks_failed)
		fprintf(stderr, "mode %d family %d: got %llx want %llx\n",
			hook_mode, family, (unsigned long long)got,
			(unsigned long long)want);
	return got != want;
}

/* Each prefix of @p, its neighbours, one bit flipped, and random ones. */
static unsigned int check_all(const struct imgsec_classifier *c,
			      const struct imgsec_policy_desc *p)
{
	unsigned int bad = check_map(&c->addrs[0]) + check_map(&c->addrs[1]);
	const struct imgsec_prefix *pfx;
	int family, k;
	u32 r, i;
	u8 a[16];

	for (r = 0; r < p->nroles; r++) {
		for (i = 0; i < p->roles[r].nprefixes; i++) {
			pfx = &p->roles[r].prefixes[i];
			family = pfx->family == AF_INET ? 4 : 6;
			for (k = -1; k < 8; k++) {
				memcpy(a, pfx->addr, 16);
				if (k >= 0)
					a[rnd() % (family == 4 ? 4 : 16)] ^=
						1 << (rnd() % 8);
				bad += check_addr(c, p, family, a);
			}
		}
	}
	return bad;
}

/*
 * Sizes 1..300 (every rounding of 4n/3 + 1), in each hook mode: host
 * routes, nested prefixes of every length and the same prefix in several
 * roles (one entry, several bits), either family.
 */
static void test_sizes_modes(void)
{
	struct imgsec_policy_desc *p;
	struct imgsec_classifier *c;
	unsigned int bad = 0, n, i, family, plen, maxlen;
	u8 a[16];

	for (hook_mode = 0; hook_mode < HOOK_MODES; hook_mode++) {
		for (family = 4; family <= 6; family += 2) {
			maxlen = family == 4 ? 32 : 128;
			for (n = 1; n <= 300; n++) {
				/* Hooked: quadratic probing, fewer sizes. */
				if (hook_mode != HOOK_REAL && n > 40 &&
				    n % 37 && n < 297)
					continue;
				p = pol_new(64, 2 * n);
				for (i = 0; i < n; i++) {
					u32 v = (i * 2654435761u) >> (i % 7);

					memset(a, 0, 16);
					a[0] = 10;
					a[family == 4 ? 2 : 13] = v >> 8;
					a[family == 4 ? 3 : 15] = v;
					plen = i % 5 ? maxlen :
						rnd() % (maxlen + 1);
					push(p, i % 64, family, plen, a);
					if (i % 11 == 0)
						push(p, 63 - i % 64, family,
						     plen, a);
				}
				c = build(p);
				if (!c) {
					pol_free(p);
					bad++;
					continue;
				}
				bad += check_all(c, p);
				imgsec_classifier_free(c);
				pol_free(p);
			}
		}
	}
	hook_mode = HOOK_REAL;
	CHECK(bad == 0, "%u wrong", bad);
}

/*
 * Every prefix length 0..32 and 0..128 nested along one address, each in
 * its own role (of 64, wrapping), plus IPv4-mapped IPv6 (::ffff:a.b.c.d/
 * 96 + len) in the IPv6 table: never an IPv4 packet's role, or vice versa.
 */
static void test_every_length(void)
{
	struct imgsec_policy_desc *p;
	struct imgsec_classifier *c;
	unsigned int bad = 0, plen, k;
	u8 v4[16] = { 10, 170, 85, 204 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8,
		0xaa, 0x55, 0xcc, 0x33, 0x0f, 0xf0, 1, 2, 3, 4, 5, 6 };
	u8 m[16] = { 0 }, a[16];

	m[10] = 0xff;
	m[11] = 0xff;
	memcpy(m + 12, v4, 4);
	for (hook_mode = 0; hook_mode < HOOK_MODES; hook_mode++) {
		p = pol_new(64, 300);
		for (plen = 0; plen <= 32; plen++)
			push(p, plen % 64, 4, plen, v4);
		for (plen = 0; plen <= 128; plen++)
			push(p, (plen + 7) % 64, 6, plen, v6);
		for (plen = 96; plen <= 128; plen += 4)
			push(p, 63, 6, plen, m);
		c = build(p);
		REQUIRE(c, "no classifier");
		bad += check_all(c, p);
		for (k = 0; k < 2000; k++) {
			memcpy(a, k % 3 ? v6 : k % 2 ? m : v4, 16);
			a[rnd() % 16] ^= 1 << (rnd() % 8);
			bad += check_addr(c, p, k % 3 == 0 ? 4 : 6, a);
		}
		/* The mapped address as an IPv4 packet: IPv4 roles only. */
		memcpy(a, m + 12, 4);
		bad += addr_roles(&c->addrs[0], a, false) !=
			naive_roles(p, 4, a);
		bad += (addr_roles(&c->addrs[1], m, true) >> 63 & 1) != 1;
		imgsec_classifier_free(c);
		pol_free(p);
	}
	hook_mode = HOOK_REAL;
	CHECK(bad == 0, "%u wrong", bad);
}

/*
 * The most distinct masks a family can have: 65536 entries, each with a
 * mask of its own. A binary trie of IPv4 prefixes /0 to /15: the node at
 * depth k >= 1 is in role 2(k-1) + its last bit, the root in role 63, so
 * each node's inherited mask spells its path; plus one /32 in role 62.
 * Mask indices 0 .. 65535 all used: the top one must not wrap to 0.
 */
static void test_max_masks(void)
{
	struct imgsec_policy_desc *p = pol_new(64, 65536);
	struct imgsec_classifier *c;
	unsigned int bad = 0, k;
	u32 depth, v, top = 0, s;
	u8 a[16] = { 0 };

	push(p, 63, 4, 0, a);
	for (depth = 1; depth <= 15; depth++) {
		for (v = 0; v < 1u << depth; v++) {
			a[0] = (v << (16 - depth)) >> 8;
			a[1] = v << (16 - depth);
			push(p, 2 * (depth - 1) + (v & 1), 4, depth, a);
		}
	}
	memset(a, 0, 16);
	a[0] = 0xff;
	a[1] = 0xff;
	a[3] = 1;
	push(p, 62, 4, 32, a);
	c = build(p);
	REQUIRE(c, "no classifier");
	for (s = 0; s < c->addrs[0].size; s++)
		if (c->addrs[0].slots[s].plen1 &&
		    c->addrs[0].slots[s].roles > top)
			top = c->addrs[0].slots[s].roles;
	CHECK(top == 65535, "top mask index %u", top);
	bad += addr_roles(&c->addrs[0], a, false) != naive_roles(p, 4, a);
	for (k = 0; k < 300; k++) {
		v = rnd();
		memcpy(a, &v, 4);
		bad += check_addr(c, p, 4, a);
	}
	CHECK(bad == 0, "%u wrong", bad);
	imgsec_classifier_free(c);
	pol_free(p);
}

/*
 * The header's memory bound: 65536 prefixes in one family (the larger
 * table) take size * 24 bytes of slots and 8 a distinct mask.
 */
static void test_memory_bound(void)
{
	struct imgsec_policy_desc *p = pol_new(1, 65536);
	struct imgsec_classifier *c;
	u8 a[16] = { 0x20, 0x01 };
	u32 i;
	size_t bytes;

	/* Distinct by construction: no push() (quadratic). */
	for (i = 0; i < 65536; i++) {
		struct imgsec_prefix *pfx = &p->roles[0].prefixes[i];

		a[14] = i >> 8;
		a[15] = i;
		pfx->family = AF_INET6;
		pfx->plen = 128;
		memcpy(pfx->addr, a, 16);
	}
	p->roles[0].nprefixes = 65536;
	c = build(p);
	REQUIRE(c, "no classifier");
	bytes = (size_t)c->addrs[1].size * sizeof(struct addr_entry);
	CHECK(c->addrs[1].size <= 87384, "%u slots", c->addrs[1].size);
	CHECK(4 * 65536 <= 3 * c->addrs[1].size, "load over 0.75");
	printf("INFO: 65536 v6 hosts: %u slots, %zu bytes of slots\n",
	       c->addrs[1].size, bytes);
	imgsec_classifier_free(c);
	pol_free(p);
}

/*
 * Keys crafted to collide: under the unkeyed hash of before (hi * C1 ^
 * lo * C2 ^ plen, then a finaliser), hi = C1^-1 * (K ^ lo * C2) gives
 * every lo the same hash, so 65,536 IPv6 hosts made one cluster (seconds to
 * build, a probe per entry to miss). Keyed by a random seed, the table
 * must look like any other: its longest distance from home is short.
 */
static void test_crafted_collisions(void)
{
	const u64 c1 = 0x9e3779b97f4a7c15ULL, c2 = 0xc2b2ae3d27d4eb4fULL;
	struct imgsec_policy_desc *p = pol_new(1, 65536);
	struct imgsec_prefix *pfx;
	struct imgsec_classifier *c;
	u64 inv = c1, hi, lo, k = 0x20010db800000000ULL;
	unsigned int bad = 0;
	u32 i, s, maxdist = 0;
	int b;

	for (i = 0; i < 5; i++)
		inv *= 2 - c1 * inv;	/* Newton: c1 * inv == 1 mod 2^64 */
	for (i = 0; i < 65536; i++) {
		lo = i + 1;
		hi = inv * (k ^ lo * c2);
		pfx = &p->roles[0].prefixes[i];
		pfx->family = AF_INET6;
		pfx->plen = 128;
		for (b = 0; b < 8; b++) {
			pfx->addr[b] = hi >> (56 - 8 * b);
			pfx->addr[8 + b] = lo >> (56 - 8 * b);
		}
	}
	p->roles[0].nprefixes = 65536;
	c = build(p);
	REQUIRE(c, "no classifier");
	for (s = 0; s < c->addrs[1].size; s++)
		if (c->addrs[1].slots[s].plen1 &&
		    c->addrs[1].slots[s].dist > maxdist)
			maxdist = c->addrs[1].slots[s].dist;
	/* A random table of this size and load: about 30 at most. */
	CHECK(maxdist < 200, "crafted keys cluster: an entry %u slots from home",
	      maxdist);
	for (i = 0; i < 65536; i += 997)
		bad += addr_roles(&c->addrs[1], p->roles[0].prefixes[i].addr,
				  true) != 1;
	CHECK(bad == 0, "%u wrong", bad);
	imgsec_classifier_free(c);
	pol_free(p);
}

/*
 * The duplicate check of policy validation (policy_desc.c), its hash
 * unkeyed: the last step (h ^ w) * C solves for the last word, so 65,536
 * IPv6 hosts with one hash took seconds (2 s at -O2, a probe per earlier
 * prefix). Keyed, it takes milliseconds: a generous bound of 1.5 s.
 */
static void test_crafted_duplicates(void)
{
	const u32 c = 0x9e3779b1u;
	struct imgsec_policy_desc *p = pol_new(1, 65536);
	struct imgsec_policy_error err;
	struct imgsec_prefix *pfx;
	struct timespec t0, t1;
	u32 inv = c, i, h, w;
	double secs;
	int k;

	for (i = 0; i < 5; i++)
		inv *= 2 - c * inv;
	for (i = 0; i < 65536; i++) {
		pfx = &p->roles[0].prefixes[i];
		pfx->family = AF_INET6;
		pfx->plen = 128;
		pfx->addr[0] = 0x20;
		pfx->addr[1] = 0x01;
		memcpy(pfx->addr + 8, &i, 4);
		h = AF_INET6 << 8 ^ 128;
		for (k = 0; k < 12; k += 4) {
			memcpy(&w, pfx->addr + k, 4);
			h = (h ^ w) * c;
		}
		w = h ^ 0x12345678u * inv;
		memcpy(pfx->addr + 12, &w, 4);
	}
	p->roles[0].nprefixes = 65536;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(imgsec_policy_validate(p, &err) == 0, "refused: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(secs < 1.5, "validation took %.2f s", secs);
	pol_free(p);
}

int main(void)
{
	RUN(test_sizes_modes);
	RUN(test_every_length);
	RUN(test_max_masks);
	RUN(test_memory_bound);
	RUN(test_crafted_collisions);
	RUN(test_crafted_duplicates);
	return test_summary();
}
