// SPDX-License-Identifier: GPL-2.0
/*
 * The policy compiled for per-packet lookups.
 *
 * Addresses: per family, one open-addressing hash table (load <= 0.75,
 * linear probing in Robin Hood order) keyed by (prefix length, masked
 * address). Each entry names the bitmask of the roles containing that
 * prefix or any shorter prefix present in the table, so a lookup tries the
 * distinct prefix lengths of the family longest first and stops at the
 * first hit. Its cost depends on how many distinct lengths
 * the policy uses (typically one to three), not on how many addresses. The
 * bitmasks are interned: an entry holds a 16-bit index into the family's
 * array of its distinct masks (a policy has few: most addresses of a role
 * share one), so that an entry takes 24 bytes, not 32.
 *
 * Rules: grouped by (protocol, source role, destination role). An ICMP or
 * ICMPv6 rule's "ports" are message types, looked up as ports. A group's
 * port ranges are cut into sorted elementary intervals, each labelled with
 * the first rule (lowest index) of the group that covers it; a lookup is a
 * binary search. For a packet the groups tried are those of its source
 * roles x destination roles that have rules at all, usually one; the answer
 * is the lowest rule index found, which is exactly "first match wins". Cost
 * does not depend on the number of rules beyond log2 of a group's intervals.
 *
 * Memory is linear in the policy: with the uapi limits the worst case is
 * 2 MiB of address tables (65536 prefixes, 24 bytes a slot, load 0.75 but
 * for rounding: 87,384 slots at most over both families, 2 MiB + 64 bytes,
 * then rounded up to pages by vmalloc) and 512 KiB of
 * role masks (one per entry at worst), 128 KiB of group table and 256 KiB of
 * intervals, so no other cap is needed. Building takes about as much again,
 * freed before it returns.
 *
 * Built once, never written after imgsec_classifier_build() returns: any
 * number of readers may use it concurrently (under RCU in the kernel).
 */
#include "classify.h"

#ifdef __KERNEL__
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#else
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#define RULE_NONE	0xffff	/* above any rule index (IMGSEC_MAX_RULES) */
#define NPROTOS		4	/* TCP, UDP, ICMP, ICMPv6 */
#define NPORTS		65536

struct addr_entry {
	u64 hi, lo;		/* masked address; IPv4 in the top of @hi */
	u32 dist;		/* slots past the key's home slot */
	u16 roles;		/* index in masks: roles containing it or a
				 * shorter prefix
				 */
	u8 plen1;		/* prefix length + 1; 0: empty slot */
};

static_assert(sizeof(struct addr_entry) == 24, "address slot grew");

/*
 * A family's distinct masks are at most its entries (each entry adds one
 * mask at most), at most its prefixes (equal prefixes share an entry), at
 * most IMGSEC_MAX_PREFIXES (policy validation): indices 0 .. 65535 fit an
 * entry's 16 bits.
 */
static_assert(IMGSEC_MAX_PREFIXES <= 1 << 16,
	      "mask indices must fit an entry's 16 bits");

struct addr_map {
	struct addr_entry *slots;
	u64 *masks;		/* distinct role masks of the entries */
	u32 size;		/* number of slots; one at least is empty */
	u64 seed;		/* random, keys the hash (addr_hash) */
	u32 nplens;
	u8 plens[129];		/* distinct prefix lengths, longest first */
};

/*
 * Boundaries lie in 1..65535 (port 0 is never allowed), so a group has at
 * most 65535 intervals and @count fits 16 bits.
 */
struct rule_group {
	u32 first;		/* index into intervals */
	u16 count;
	u16 min_rule;		/* lowest rule of the group */
};

struct port_interval {
	u16 start;		/* covers start .. next interval's start - 1 */
	u16 rule;		/* first rule of the group covering it */
};

struct imgsec_classifier {
	struct addr_map addrs[2];	/* IPv4, IPv6 */
	u32 nroles;
	u64 from_roles[NPROTOS];		/* roles that are a rule's source */
	u64 to_roles[NPROTOS][IMGSEC_MAX_ROLES];	/* destinations, per source */
	struct rule_group *groups;	/* [proto][from][to] */
	struct port_interval *intervals;
};

/* One port range of one rule, while building. */
struct range_ref {
	u16 lo, hi, rule;
};

struct rules_scratch {
	u32 *count;		/* ranges per group, then their offsets */
	struct range_ref *ranges;	/* by group, in rule order */
	u32 *next;		/* first unlabelled interval at or after i */
	u64 *bits;		/* interval starts of one group */
};

/* A packet's group; @family 0 for a rule's, which holds either family. */
static int proto_slot(u8 proto, u8 family)
{
	if (proto == IPPROTO_TCP)
		return 0;
	if (proto == IPPROTO_UDP)
		return 1;
	if (proto == IPPROTO_ICMP && family != 6)
		return 2;
	if (proto == IPPROTO_ICMPV6 && family != 4)
		return 3;
	return -1;
}

/* The top @plen bits of a 64-bit word, @plen in 0..64. */
static u64 top_bits(unsigned int plen)
{
	return plen ? ~0ULL << (64 - plen) : 0;
}

static void mask_addr(u64 *hi, u64 *lo, unsigned int plen)
{
	*hi &= top_bits(min(plen, 64U));
	*lo &= top_bits(plen > 64 ? plen - 64 : 0);
}

static void load_addr(const u8 *a, bool v6, u64 *hi, u64 *lo)
{
	*hi = (u64)imgsec_get_be32(a) << 32;
	*lo = 0;
	if (v6) {
		*hi |= imgsec_get_be32(a + 4);
		*lo = (u64)imgsec_get_be32(a + 8) << 32 | imgsec_get_be32(a + 12);
	}
}

/*
 * Multiply and xor-shift: every key bit reaches the bits used. Keyed by
 * @seed, drawn anew for each table: unkeyed, keys with one hash are found
 * by solving hi * C1 ^ lo * C2 = K (C1 is odd, so invertible), and 65,536
 * of them in a policy (which a user namespace's root may set) make one
 * cluster: seconds of kernel time to build, microseconds a lookup.
 */
static u32 addr_hash(u64 seed, u64 hi, u64 lo, unsigned int plen)
{
	u64 h = (hi ^ seed) * 0x9e3779b97f4a7c15ULL ^
		(lo ^ (seed >> 32 | seed << 32)) * 0xc2b2ae3d27d4eb4fULL ^ plen;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (u32)(h ^ h >> 32);
}

/* A key's home slot: where its probe sequence starts. */
static u32 addr_home(const struct addr_map *m, u64 hi, u64 lo,
		     unsigned int plen)
{
	return reciprocal_scale(addr_hash(m->seed, hi, lo, plen), m->size);
}

/*
 * The index of the slot holding the key, or m->size when it is absent.
 * Linear probing, wrapping around at the end of the table, in Robin Hood
 * order (addr_map_insert): along a probe sequence, every entry passed is
 * at least as far from its own home as the key would be, so an entry
 * nearer its home than that, or an empty slot, ends the search. A miss
 * then costs about as many probes as a hit (2.5 expected at load 0.75),
 * not the 8.5 of plain linear probing.
 */
static u32 addr_find(const struct addr_map *m, u64 hi, u64 lo,
		     unsigned int plen)
{
	u32 i = addr_home(m, hi, lo, plen), d;
	const struct addr_entry *e;

	/* Never full (one slot at least is empty): the loop meets it. */
	for (d = 0;; d++) {
		e = &m->slots[i];
		if (!e->plen1 || e->dist < d)
			return m->size;
		if (e->plen1 == plen + 1 && e->hi == hi && e->lo == lo)
			return i;
		if (++i == m->size)
			i = 0;
	}
}

static u64 addr_roles(const struct addr_map *m, const u8 *addr, bool v6)
{
	u64 hi, lo, mhi, mlo;
	u32 i, s;

	load_addr(addr, v6, &hi, &lo);
	for (i = 0; i < m->nplens; i++) {
		mhi = hi;
		mlo = lo;
		mask_addr(&mhi, &mlo, m->plens[i]);
		s = addr_find(m, mhi, mlo, m->plens[i]);
		if (s < m->size)
			return m->masks[m->slots[s].roles];
	}
	return 0;
}

/*
 * Give each entry the roles of the shorter prefixes that contain it, in
 * @roles (one mask per slot, while building).
 */
static void addr_map_inherit(const struct addr_map *m, u64 *roles)
{
	const struct addr_entry *e;
	u64 hi, lo;
	u32 s, i, outer;

	for (s = 0; s < m->size; s++) {
		e = &m->slots[s];
		for (i = 0; e->plen1 && i < m->nplens; i++) {
			if (m->plens[i] >= e->plen1 - 1)
				continue;
			hi = e->hi;
			lo = e->lo;
			mask_addr(&hi, &lo, m->plens[i]);
			outer = addr_find(m, hi, lo, m->plens[i]);
			if (outer < m->size)
				roles[s] |= roles[outer];
		}
	}
}

/* Spread a role mask over u32, for the interning table. */
static u32 mask_hash(u64 mask)
{
	mask *= 0x9e3779b97f4a7c15ULL;
	return (u32)(mask >> 32);
}

/*
 * Replace the entries' masks by indices into an array of the distinct ones.
 * @roles: the masks, by slot; @seen: m->size zeroed words, for an open-
 * addressing table of index + 1 (the masks are at most the entries, so it
 * has an empty slot too); the distinct masks go to the front of @roles,
 * whose slot @s was read before (they are written in slot order, at most
 * one per slot).
 */
static int addr_map_intern(struct addr_map *m, u64 *roles, u32 *seen)
{
	u32 s, i, n = 0;

	for (s = 0; s < m->size; s++) {
		if (!m->slots[s].plen1)
			continue;
		i = reciprocal_scale(mask_hash(roles[s]), m->size);
		while (seen[i] && roles[seen[i] - 1] != roles[s])
			if (++i == m->size)
				i = 0;
		if (!seen[i]) {
			roles[n] = roles[s];
			seen[i] = ++n;
		}
		m->slots[s].roles = seen[i] - 1;
	}
	m->masks = imgsec_zalloc_table(n * sizeof(*m->masks));
	if (!m->masks)
		return -ENOMEM;
	memcpy(m->masks, roles, n * sizeof(*m->masks));
	return 0;
}

/*
 * Add an absent key @e with role mask @bits (in @roles, by slot). Robin
 * Hood: walking from its home, the entry carried takes the slot of any
 * entry nearer its own home, which is carried on in its place, until an
 * empty slot (there is one) takes the last.
 */
static void addr_map_insert(struct addr_map *m, u64 *roles,
			    struct addr_entry e, u64 bits)
{
	u32 i = addr_home(m, e.hi, e.lo, e.plen1 - 1);
	struct addr_entry *slot;

	for (e.dist = 0;; e.dist++) {
		slot = &m->slots[i];
		if (!slot->plen1) {
			*slot = e;
			roles[i] = bits;
			return;
		}
		if (slot->dist < e.dist) {
			swap(*slot, e);
			swap(roles[i], bits);
		}
		if (++i == m->size)
			i = 0;
	}
}

/* Put each prefix of @family in the table; @roles gets their role bits. */
static void addr_map_fill(struct addr_map *m, u64 *roles,
			  const struct imgsec_policy_desc *p, u8 family)
{
	bool present[129] = { false };
	const struct imgsec_prefix *pfx;
	struct addr_entry e = { 0 };
	u32 r, i, s;
	int plen;

	for (r = 0; r < p->nroles; r++) {
		for (i = 0; i < p->roles[r].nprefixes; i++) {
			pfx = &p->roles[r].prefixes[i];
			if (pfx->family != family)
				continue;
			load_addr(pfx->addr, true, &e.hi, &e.lo);
			e.plen1 = pfx->plen + 1;
			present[pfx->plen] = true;
			/* The same prefix in several roles: one entry. */
			s = addr_find(m, e.hi, e.lo, pfx->plen);
			if (s < m->size)
				roles[s] |= 1ULL << r;
			else
				addr_map_insert(m, roles, e, 1ULL << r);
		}
	}
	for (plen = 128; plen >= 0; plen--)
		if (present[plen])
			m->plens[m->nplens++] = plen;
}

static int addr_map_build(struct addr_map *m,
			  const struct imgsec_policy_desc *p, u8 family)
{
	u32 n = 0, r, i;
	u64 *roles;
	u32 *seen;
	int ret = -ENOMEM;

	for (r = 0; r < p->nroles; r++)
		for (i = 0; i < p->roles[r].nprefixes; i++)
			n += p->roles[r].prefixes[i].family == family;
	if (!n)
		return 0;
	/*
	 * Exactly enough slots for a load of at most 0.75, and one empty slot
	 * at least: 4n/3 rounded up, plus one. Not a power of two (a lookup
	 * scales the hash by multiplying), so a policy does not pay for up to
	 * twice the slots it needs; not 0.5: nft's hash set takes 58 to 95
	 * bytes an element, and linear probing expects 8.5 probes of adjacent
	 * slots on a miss at 0.75 (2.5 at 0.5).
	 */
	m->size = n + (n + 2) / 3 + 1;
	m->seed = imgsec_random_u64();
	m->slots = imgsec_zalloc_table(m->size * sizeof(*m->slots));
	roles = imgsec_zalloc(m->size * sizeof(*roles));
	seen = imgsec_zalloc(m->size * sizeof(*seen));
	if (m->slots && roles && seen) {
		addr_map_fill(m, roles, p, family);
		addr_map_inherit(m, roles);
		ret = addr_map_intern(m, roles, seen);
	}
	imgsec_free(roles);
	imgsec_free(seen);
	return ret;
}

/* Index of the last interval starting at or before @port, or -1. */
static int interval_find(const struct port_interval *iv, u32 n, u16 port)
{
	u32 base = 0, half;

	if (!n || port < iv[0].start)
		return -1;
	/* Branch-free (a conditional move): ports are not predictable. */
	while (n > 1) {
		half = n / 2;
		base = iv[base + half].start <= port ? base + half : base;
		n -= half;
	}
	return base;
}

static u32 group_index(const struct imgsec_classifier *c, int proto,
		       u32 from, u32 to)
{
	return (proto * c->nroles + from) * c->nroles + to;
}

static u32 rule_group_index(const struct imgsec_classifier *c,
			    const struct imgsec_rule_desc *rule)
{
	return group_index(c, proto_slot(rule->proto, 0), rule->from,
			   rule->to);
}

/*
 * The sorted starts of a group's elementary intervals: every lo and every
 * hi + 1, through a bitmap of all ports (cleared again as it is read).
 */
static u32 group_cut(struct port_interval *iv, const struct range_ref *rg,
		     u32 n, u64 *bits)
{
	u32 first = NPORTS - 1, last = 0, w, k = 0, i, end;
	u64 word;

	for (i = 0; i < n; i++) {
		/* hi + 1 == NPORTS starts nothing: the last port is covered. */
		end = rg[i].hi + 1 < NPORTS ? rg[i].hi + 1 : rg[i].lo;
		bits[rg[i].lo / 64] |= 1ULL << (rg[i].lo % 64);
		bits[end / 64] |= 1ULL << (end % 64);
		first = min_t(u32, rg[i].lo, first);
		last = max(end, last);
	}
	for (w = first / 64; w <= last / 64; w++) {
		for (word = bits[w]; word; word &= word - 1) {
			iv[k].start = w * 64 + __builtin_ctzll(word);
			iv[k++].rule = RULE_NONE;
		}
		bits[w] = 0;
	}
	return k;
}

/* Union-find with path halving: the first interval not yet labelled. */
static u32 next_free(u32 *next, u32 i)
{
	while (next[i] != i) {
		next[i] = next[next[i]];
		i = next[i];
	}
	return i;
}

/*
 * Label each interval with the first rule covering it: ranges come in rule
 * order, so an interval keeps the first label it gets, and the union-find
 * skips labelled intervals; each is visited once whatever the overlaps.
 */
static void group_label(struct port_interval *iv, u32 k,
			const struct range_ref *rg, u32 n, u32 *next)
{
	u32 i, j;

	for (j = 0; j <= k; j++)
		next[j] = j;
	for (i = 0; i < n; i++) {
		j = next_free(next, interval_find(iv, k, rg[i].lo));
		for (; j < k && iv[j].start <= rg[i].hi;
		     j = next_free(next, j + 1)) {
			iv[j].rule = rg[i].rule;
			next[j] = j + 1;
		}
	}
}

/* Merge neighbours with the same rule; returns the new count. */
static u32 group_merge(struct port_interval *iv, u32 k)
{
	u32 i, out = 1;

	for (i = 1; i < k; i++)
		if (iv[i].rule != iv[out - 1].rule)
			iv[out++] = iv[i];
	return out;
}

static void group_build(struct imgsec_classifier *c, u32 g, u32 *used,
			const struct range_ref *rg, u32 n,
			struct rules_scratch *s)
{
	struct port_interval *iv = c->intervals + *used;
	u32 k, proto = g / (c->nroles * c->nroles);
	u32 from = g / c->nroles % c->nroles, to = g % c->nroles;

	k = group_cut(iv, rg, n, s->bits);
	group_label(iv, k, rg, n, s->next);
	k = group_merge(iv, k);
	c->groups[g].first = *used;
	c->groups[g].count = k;
	c->groups[g].min_rule = rg[0].rule;
	c->from_roles[proto] |= 1ULL << from;
	c->to_roles[proto][from] |= 1ULL << to;
	*used += k;
}

/* Sort every port range into its group, stably (in rule order). */
static void rules_sort(const struct imgsec_classifier *c,
		       const struct imgsec_policy_desc *p, u32 ngroups,
		       struct rules_scratch *s)
{
	const struct imgsec_rule_desc *rule;
	u32 i, j, sum = 0, n;

	for (i = 0; i < p->nrules; i++)
		s->count[rule_group_index(c, &p->rules[i])] += p->rules[i].nports;
	for (i = 0; i <= ngroups; i++) {
		n = s->count[i];
		s->count[i] = sum;
		sum += n;
	}
	for (i = 0; i < p->nrules; i++) {
		rule = &p->rules[i];
		for (j = 0; j < rule->nports; j++) {
			n = s->count[rule_group_index(c, rule)]++;
			s->ranges[n].lo = rule->ports[j].lo;
			s->ranges[n].hi = rule->ports[j].hi;
			s->ranges[n].rule = i;
		}
	}
	/* count[g] now ends group g: shift back to starts. */
	memmove(s->count + 1, s->count, ngroups * sizeof(*s->count));
	s->count[0] = 0;
}

static void rules_scratch_free(struct rules_scratch *s)
{
	imgsec_free(s->count);
	imgsec_free(s->ranges);
	imgsec_free(s->next);
	imgsec_free(s->bits);
}

static int rules_build(struct imgsec_classifier *c,
		       const struct imgsec_policy_desc *p)
{
	u32 ngroups = NPROTOS * p->nroles * p->nroles, nranges = 0, used = 0;
	struct rules_scratch s;
	u32 g, i;
	int ret = -ENOMEM;

	for (i = 0; i < p->nrules; i++)
		nranges += p->rules[i].nports;
	if (!nranges)
		return 0;
	c->groups = imgsec_zalloc(ngroups * sizeof(*c->groups));
	/* A range adds at most two interval starts. */
	c->intervals = imgsec_zalloc(2 * nranges * sizeof(*c->intervals));
	s.count = imgsec_zalloc((ngroups + 1) * sizeof(*s.count));
	s.ranges = imgsec_zalloc(nranges * sizeof(*s.ranges));
	s.next = imgsec_zalloc((2 * nranges + 1) * sizeof(*s.next));
	s.bits = imgsec_zalloc(NPORTS / 8);
	if (!c->groups || !c->intervals || !s.count || !s.ranges || !s.next ||
	    !s.bits)
		goto out;
	rules_sort(c, p, ngroups, &s);
	for (g = 0; g < ngroups; g++)
		if (s.count[g + 1] > s.count[g])
			group_build(c, g, &used, s.ranges + s.count[g],
				    s.count[g + 1] - s.count[g], &s);
	ret = 0;
out:
	rules_scratch_free(&s);
	return ret;
}

void imgsec_classifier_free(struct imgsec_classifier *c)
{
	if (!c)
		return;
	imgsec_free(c->addrs[0].slots);
	imgsec_free(c->addrs[0].masks);
	imgsec_free(c->addrs[1].slots);
	imgsec_free(c->addrs[1].masks);
	imgsec_free(c->groups);
	imgsec_free(c->intervals);
	imgsec_free(c);
}

int imgsec_classifier_build(const struct imgsec_policy_desc *p,
			    struct imgsec_classifier **out)
{
	struct imgsec_classifier *c = imgsec_zalloc(sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->nroles = p->nroles;
	if (addr_map_build(&c->addrs[0], p, AF_INET) ||
	    addr_map_build(&c->addrs[1], p, AF_INET6) ||
	    rules_build(c, p)) {
		imgsec_classifier_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/* Lower @best to the group's rule for @dport, if it has a lower one. */
static u32 group_lookup(const struct imgsec_classifier *c,
			const struct rule_group *g, u16 dport, u32 best)
{
	const struct port_interval *iv = c->intervals + g->first;
	int i;

	if (g->min_rule >= best)
		return best;
	i = interval_find(iv, g->count, dport);
	return i >= 0 && iv[i].rule < best ? iv[i].rule : best;
}

int imgsec_classify(const struct imgsec_classifier *c, u8 family,
		    const u8 *saddr, const u8 *daddr, u8 proto, u16 dport)
{
	int p = proto_slot(proto, family);
	const struct addr_map *m;
	u64 src, dst, to;
	u32 from, best = RULE_NONE, g;

	if (p < 0 || (family != 4 && family != 6))
		return -1;
	m = &c->addrs[family == 6];
	src = addr_roles(m, saddr, family == 6) & c->from_roles[p];
	if (!src)
		return -1;
	dst = addr_roles(m, daddr, family == 6);
	for (; src; src &= src - 1) {
		from = __builtin_ctzll(src);
		for (to = dst & c->to_roles[p][from]; to; to &= to - 1) {
			g = group_index(c, p, from, __builtin_ctzll(to));
			best = group_lookup(c, &c->groups[g], dport, best);
		}
	}
	return best == RULE_NONE ? -1 : (int)best;
}
