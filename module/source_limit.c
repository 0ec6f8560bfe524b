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

/* The slot of @addr in its window: its own, a free one, or the oldest. */
static struct imgsec_source_slot *find_slot(struct imgsec_source_table *t,
					    u8 family, const u8 *addr,
					    u32 hash)
{
	struct imgsec_source_slot *s, *free = NULL, *oldest = NULL;
	u32 i;

	for (i = 0; i < IMGSEC_SOURCE_PROBE; i++) {
		s = &t->slot[(hash + i) & t->mask];
		if (slot_is(s, family, addr))
			return s;
		if (!s->family && !free)
			free = s;
		if (s->family && (!oldest || s->last_ns < oldest->last_ns))
			oldest = s;
	}
	if (free) {
		t->used++;
	} else {
		free = oldest;
		t->evicted++;
	}
	memset(free, 0, sizeof(*free));
	free->family = family;
	memcpy(free->addr, addr, family == 4 ? 4 : 16);
	return free;
}

struct imgsec_source_slot *imgsec_source_find(struct imgsec_source_table *t,
					      u8 family, const u8 *addr,
					      u32 hash, u64 now_ns)
{
	struct imgsec_source_slot *s = find_slot(t, family, addr, hash);

	s->last_ns = now_ns;
	return s;
}

bool imgsec_source_admit(struct imgsec_source_table *t, u8 family,
			 const u8 *addr, u32 hash, u64 now_ns, u64 interval_ns,
			 u32 burst)
{
	struct imgsec_source_slot *s = imgsec_source_find(t, family, addr, hash,
							  now_ns);

	return imgsec_gcra_next(s->tat, now_ns, interval_ns, burst, &s->tat);
}
