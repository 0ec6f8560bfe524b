// SPDX-License-Identifier: GPL-2.0
/*
 * Per-source limits, the bounded table of sources (source_limit.h).
 */
#include "ratelimit.h"
#include "source_limit.h"

size_t imgsec_source_table_size(u32 slots)
{
	return sizeof(struct imgsec_source_table) +
	       (size_t)slots * sizeof(struct imgsec_source_slot);
}

void imgsec_source_table_init(struct imgsec_source_table *t, u32 slots)
{
	memset(t, 0, imgsec_source_table_size(slots));
	t->mask = slots - 1;
}

static bool slot_is(const struct imgsec_source_slot *s, u8 family,
		    const u8 *addr)
{
	return s->family == family &&
	       !memcmp(s->addr, addr, family == 4 ? 4 : 16);
}

/* The slot of @addr in its window: its own, else a free one or the oldest. */
bool imgsec_source_lookup(struct imgsec_source_table *t, u8 family,
			  const u8 *addr, u32 hash,
			  struct imgsec_source_slot **slot)
{
	struct imgsec_source_slot *s, *free = NULL, *oldest = NULL;
	u32 i;

	for (i = 0; i < IMGSEC_SOURCE_PROBE; i++) {
		s = &t->slot[(hash + i) & t->mask];
		if (slot_is(s, family, addr)) {
			*slot = s;
			return true;
		}
		if (!s->family && !free)
			free = s;
		if (s->family && (!oldest || s->last_ns < oldest->last_ns))
			oldest = s;
	}
	*slot = free ?: oldest;
	return false;
}

void imgsec_source_claim(struct imgsec_source_table *t,
			 struct imgsec_source_slot *s, u8 family,
			 const u8 *addr)
{
	if (s->family)
		t->evicted++;
	else
		t->used++;
	memset(s, 0, sizeof(*s));
	s->family = family;
	memcpy(s->addr, addr, family == 4 ? 4 : 16);
}

bool imgsec_source_admit(struct imgsec_source_table *t, u8 family,
			 const u8 *addr, u32 hash, u64 now_ns, u64 interval_ns,
			 u32 burst)
{
	struct imgsec_source_slot *s;

	if (!imgsec_source_lookup(t, family, addr, hash, &s))
		imgsec_source_claim(t, s, family, addr);
	s->last_ns = now_ns;
	return imgsec_gcra_next(s->tat, now_ns, interval_ns, burst, &s->tat);
}
