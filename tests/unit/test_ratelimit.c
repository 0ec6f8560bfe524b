// SPDX-License-Identifier: GPL-2.0
// sources: module/ratelimit.c
/*
 * The reports' rate limit (module/ratelimit.c): bursts, refill, the
 * suppressed count, long pauses, extreme rates, and a token bucket in
 * floating point as the reference on random schedules; the rules' limits:
 * intervals per unit and the GCRA step at the bounds.
 */
#include <linux/imgsec.h>

#include "ratelimit.h"
#include "test.h"

#define SEC 1000000000ULL

static unsigned int passes(struct imgsec_ratelimit *rl, u64 now, u32 rate,
			   u32 burst, unsigned int n, u32 *last_suppressed)
{
	unsigned int i, ok = 0;
	u32 s;

	for (i = 0; i < n; i++) {
		if (imgsec_ratelimit_pass(rl, now, rate, burst, &s)) {
			ok++;
			if (last_suppressed)
				*last_suppressed = s;
		}
	}
	return ok;
}

static void test_burst_then_refusal(void)
{
	struct imgsec_ratelimit rl = {};
	unsigned int n = passes(&rl, 5 * SEC, 10, 20, 100, NULL);

	CHECK(n == 20, "a burst of 20 let %u through", n);
	CHECK(rl.suppressed == 80, "suppressed %u, not 80", rl.suppressed);
}

static void test_suppressed_reported_once(void)
{
	struct imgsec_ratelimit rl = {};
	u32 s = 12345;

	passes(&rl, SEC, 10, 2, 7, NULL);	/* 2 pass, 5 refused */
	CHECK(passes(&rl, SEC + SEC / 10, 10, 2, 1, &s) == 1,
	      "a token after 100 ms at 10/s");
	CHECK(s == 5, "the first pass after refusals says 5, not %u", s);
	CHECK(passes(&rl, 2 * SEC, 10, 2, 1, &s) == 1 && s == 0,
	      "the next one says 0, not %u", s);
}

static void test_refill_rate(void)
{
	struct imgsec_ratelimit rl = {};
	unsigned int total = 0, t;

	passes(&rl, 0, 10, 20, 20, NULL);	/* empty the bucket */
	/* 10 seconds, asking every millisecond: about 100 more. */
	for (t = 1; t <= 10000; t++)
		total += passes(&rl, (u64)t * 1000000, 10, 20, 1, NULL);
	CHECK(total == 100, "10 s at 10/s gave %u", total);
}

static void test_fraction_kept(void)
{
	struct imgsec_ratelimit rl = {};
	unsigned int total = 0, t;

	/*
	 * Rate 3/s, asked every 100 ms: 0.3 token each time, and the bucket
	 * (2) never full, so no fraction is lost: the one token left after
	 * the first and 30 earned.
	 */
	passes(&rl, 0, 3, 2, 1, NULL);
	for (t = 1; t <= 100; t++)
		total += passes(&rl, (u64)t * SEC / 10, 3, 2, 1, NULL);
	CHECK(total == 31, "10 s at 3/s in steps of 0.3 gave %u", total);
}

static void test_long_pause_and_extremes(void)
{
	struct imgsec_ratelimit rl = {};
	unsigned int n;

	/* Above 1e9/s the interval is 0: no limit. */
	n = passes(&rl, SEC, 0xffffffffU, 3, 10, NULL);
	CHECK(n == 10, "rate 2^32-1: %u of 10", n);
	memset(&rl, 0, sizeof(rl));
	n = passes(&rl, SEC, 1, 0xffffffffU, 1000, NULL);
	CHECK(n == 1000, "burst 2^32-1: %u of 1000", n);
	memset(&rl, 0, sizeof(rl));
	passes(&rl, 0, 1, 1, 5, NULL);
	/* Thirty years later: one token, burst 1, no overflow. */
	n = passes(&rl, 1000000000ULL * SEC, 1, 1, 5, NULL);
	CHECK(n == 1, "burst 1 after a long pause let %u through", n);
}

static void test_suppressed_saturates(void)
{
	struct imgsec_ratelimit rl = { .tat_ns = 10 * SEC,
				       .suppressed = 0xfffffffeU };
	u32 s;

	imgsec_ratelimit_pass(&rl, 0, 1, 1, &s);
	imgsec_ratelimit_pass(&rl, 0, 1, 1, &s);
	CHECK(rl.suppressed == 0xffffffffU, "suppressed wrapped to %u",
	      rl.suppressed);
}

/* Against a real-valued token bucket on random schedules. */
static void test_against_model(void)
{
	unsigned int round, i, mismatches = 0;

	srand(1);
	for (round = 0; round < 200; round++) {
		struct imgsec_ratelimit rl = {};
		u32 rate = 1 + rand() % 5000, burst = 1 + rand() % 100, s;
		/* The interval is whole nanoseconds: the rate it gives. */
		double real_rate = (double)SEC / (SEC / rate);
		double tokens = burst;
		u64 now = (u64)rand() * 1000, last = now;
		bool got, want;

		for (i = 0; i < 2000; i++) {
			now += (u64)(rand() % 5000) * 1000;
			tokens += (double)(now - last) * real_rate / SEC;
			if (tokens > burst)
				tokens = burst;
			last = now;
			want = tokens >= 1.0 - 1e-9;
			if (want)
				tokens -= 1.0;
			got = imgsec_ratelimit_pass(&rl, now, rate, burst, &s);
			/* Rounding may differ by a token at the boundary. */
			if (got != want && (tokens > 0.01 && tokens < 0.99))
				mismatches++;
			if (got != want)
				tokens = got ? tokens - 1.0 : tokens + 1.0;
		}
	}
	CHECK(mismatches == 0, "%u decisions differ from the model",
	      mismatches);
}

/* A rule's limit: the interval of each unit, rounded down, and GCRA steps. */
static void test_rule_limit(void)
{
	u64 tat = 0, next = 0, now = 5 * SEC;
	unsigned int n = 0, t;

	CHECK_EQ(imgsec_limit_interval_ns(50, IMGSEC_LIMIT_UNIT_SECOND),
		 SEC / 50);
	CHECK_EQ(imgsec_limit_interval_ns(6, IMGSEC_LIMIT_UNIT_MINUTE),
		 10 * SEC);
	CHECK_EQ(imgsec_limit_interval_ns(7, IMGSEC_LIMIT_UNIT_SECOND),
		 142857142);
	CHECK_EQ(imgsec_limit_interval_ns(IMGSEC_MAX_LIMIT_RATE,
					  IMGSEC_LIMIT_UNIT_SECOND), 1000);
	/* 50/s burst 100: 100 at once, then 50 a second. */
	while (imgsec_gcra_next(tat, now, SEC / 50, 100, &next)) {
		tat = next;
		n++;
	}
	CHECK(n == 100, "a burst of 100 admitted %u", n);
	CHECK(!imgsec_gcra_next(tat, now, SEC / 50, 100, &next),
	      "a refusal leaves the bucket empty");
	n = 0;
	for (t = 1; t <= 10000; t++)
		if (imgsec_gcra_next(tat, now + (u64)t * SEC / 1000, SEC / 50,
				     100, &next)) {
			tat = next;
			n++;
		}
	CHECK(n == 500, "10 s at 50/s admitted %u", n);
	/* The largest: 1000000 a minute, bursts of 1000000; no overflow. */
	tat = 0;
	n = 0;
	while (n < 2000000 &&
	       imgsec_gcra_next(tat, now, imgsec_limit_interval_ns(
				IMGSEC_MAX_LIMIT_RATE, IMGSEC_LIMIT_UNIT_MINUTE),
				IMGSEC_MAX_LIMIT_BURST, &next)) {
		tat = next;
		n++;
	}
	CHECK(n == IMGSEC_MAX_LIMIT_BURST, "burst at the bounds: %u", n);
}

int main(void)
{
	RUN(test_burst_then_refusal);
	RUN(test_suppressed_reported_once);
	RUN(test_refill_rate);
	RUN(test_fraction_kept);
	RUN(test_long_pause_and_extremes);
	RUN(test_suppressed_saturates);
	RUN(test_against_model);
	RUN(test_rule_limit);
	return test_summary();
}
