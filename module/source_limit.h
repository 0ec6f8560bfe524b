/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-source new-connection limits (issue 12, section 2), the pure
 * part. A rule with "per-source RATE" keeps one table of sources, of a
 * fixed size chosen when the policy is set, so its memory is bounded
 * whatever the sources: a source not in the table takes a free slot, else
 * the least recently used slot of its probe window (IMGSEC_SOURCE_PROBE
 * slots from its hash), and the eviction is counted. Each slot holds the
 * source's own GCRA time (ratelimit.h). No locking and no kernel types:
 * the kernel's caller serialises a table (one spinlock per limited rule,
 * taken only on a connection's first packet) and gives the hash (siphash
 * with a per-policy key, so that no one can aim at a window).
 *
 * policy.c keeps one table per rule with "per-source RATE"
 * (IMGSEC_SOURCE_SLOTS slots, <linux/imgsec.h>).
 */
#ifndef _IMGSEC_SOURCE_LIMIT_H
#define _IMGSEC_SOURCE_LIMIT_H

#include "portable.h"

#define IMGSEC_SOURCE_PROBE	8	/* slots a source may live in */

struct imgsec_source_slot {
	u8 family;		/* 0: free; 4 or 6 */
	u8 addr[16];		/* IPv4 in the first 4 bytes */
	u64 tat;		/* this source's GCRA time */
	u64 last_ns;		/* last new connection, for eviction */
};

struct imgsec_source_table {
	u32 mask;		/* slots - 1; slots a power of two >= PROBE */
	u32 used;
	u64 evicted;		/* sources pushed out to make room */
	struct imgsec_source_slot slot[];
};

/* Bytes of a table of @slots slots (a power of two, >= PROBE). */
size_t imgsec_source_table_size(u32 slots);

/* Empty the table (zeroed memory of imgsec_source_table_size()). */
void imgsec_source_table_init(struct imgsec_source_table *t, u32 slots);

/*
 * Is source @addr (@family 4 or 6, @hash its hash) in the table? If so,
 * true and *@slot is its slot; if not, false and *@slot is the one it
 * would take (a free one, else the least recently seen of its window),
 * untouched until imgsec_source_claim(): a source the caller refuses
 * takes no slot and evicts no one.
 */
bool imgsec_source_lookup(struct imgsec_source_table *t, u8 family,
			  const u8 *addr, u32 hash,
			  struct imgsec_source_slot **slot);

/*
 * Give @s (from imgsec_source_lookup(), which said false) to @addr, with
 * a full bucket; an eviction if it held another source, counted.
 */
void imgsec_source_claim(struct imgsec_source_table *t,
			 struct imgsec_source_slot *s, u8 family,
			 const u8 *addr);

/*
 * May source @addr (@family 4 or 6, @hash its hash) open one more new
 * connection at @now_ns, at one every @interval_ns with bursts of
 * @burst? A source new to the table, or evicted from it, starts with a
 * full bucket.
 */
bool imgsec_source_admit(struct imgsec_source_table *t, u8 family,
			 const u8 *addr, u32 hash, u64 now_ns, u64 interval_ns,
			 u32 burst);

#endif /* _IMGSEC_SOURCE_LIMIT_H */
