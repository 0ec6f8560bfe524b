// SPDX-License-Identifier: GPL-2.0
// sources: module/source_limit.c module/ratelimit.c
/*
 * The per-source table (module/source_limit.c): each source its own
 * bucket, the table's size never exceeded, the least recently used of a
 * window evicted and counted.
 */
#include "source_limit.h"
#include "test.h"

#define SEC 1000000000ULL

static struct imgsec_source_table *table(u32 slots)
{
	struct imgsec_source_table *t = malloc(imgsec_source_table_size(slots));

	if (!t)
		abort();
	imgsec_source_table_init(t, slots);
	return t;
}

static u32 hash_of(const u8 *a)
{
	u32 h = 2166136261u, i;

	for (i = 0; i < 4; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

static bool admit(struct imgsec_source_table *t, u8 last, u64 now)
{
	u8 a[16] = { 192, 0, 2, last };

	return imgsec_source_admit(t, 4, a, hash_of(a), now, SEC / 20, 5);
}

static void test_sources_apart(void)
{
	struct imgsec_source_table *t = table(64);
	unsigned int i, a = 0, b = 0;

	for (i = 0; i < 100; i++) {
		a += admit(t, 1, SEC);
		b += admit(t, 2, SEC);
	}
	CHECK(a == 5 && b == 5, "bursts of 5 each: %u, %u", a, b);
	CHECK_EQ(t->used, 2);
	CHECK(admit(t, 1, SEC + SEC / 20), "a token 50 ms later at 20/s");
	free(t);
}

static void test_bounded_and_evicts(void)
{
	struct imgsec_source_table *t = table(8);
	unsigned int i;

	for (i = 0; i < 200; i++)
		admit(t, i, SEC + i);
	CHECK(t->used <= 8, "used %u of 8", t->used);
	CHECK_EQ(t->evicted, 200 - t->used);
	/* The newest source is still there, its bucket one token down. */
	CHECK(admit(t, 199, SEC + 300), "newest source kept");
	free(t);
}

/* A source looked up but not claimed takes no slot and evicts no one. */
static void test_lookup_then_claim(void)
{
	struct imgsec_source_table *t = table(8);
	struct imgsec_source_slot *s, *again;
	u8 a[16] = { 192, 0, 2, 1 };
	unsigned int i;

	for (i = 0; i < 8; i++)
		admit(t, 100 + i, SEC + i);
	CHECK_EQ(t->used, 8);
	CHECK(!imgsec_source_lookup(t, 4, a, hash_of(a), &s), "not there");
	CHECK(s->family == 4 && s->addr[3] >= 100, "the victim, untouched");
	CHECK_EQ(t->evicted, 0);
	imgsec_source_claim(t, s, 4, a);
	CHECK_EQ(t->evicted, 1);
	CHECK(imgsec_source_lookup(t, 4, a, hash_of(a), &again) && again == s,
	      "claimed: found in its slot");
	CHECK(s->tat == 0, "a full bucket");
	free(t);
}

int main(void)
{
	RUN(test_sources_apart);
	RUN(test_bounded_and_evicts);
	RUN(test_lookup_then_claim);
	return test_summary();
}
