/* SPDX-License-Identifier: GPL-2.0 */
/* What the userspace benchmarks share: a CPU-time clock and a median. */
#ifndef _IMGSEC_BENCH_H
#define _IMGSEC_BENCH_H

#include <stdlib.h>
#include <time.h>

/* This thread's CPU time: other load on the host does not count. */
static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif /* _IMGSEC_BENCH_H */
