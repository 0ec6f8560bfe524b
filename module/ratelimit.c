// SPDX-License-Identifier: GPL-2.0
/*
 * The generic cell rate algorithm: a token bucket kept as one time, the
 * theoretical arrival time of the next report. Each report pushes it one
 * interval (1 s / rate) further; a report is refused when that would put
 * it more than burst - 1 intervals ahead of now. Integers, no division on
 * the way but the interval, no overflow for a monotonic clock in ns.
 */
#include <linux/imgsec.h>

#include "ratelimit.h"

#define NS_PER_SEC 1000000000ULL

bool imgsec_gcra_next(u64 tat, u64 now_ns, u64 interval_ns, u32 burst,
		      u64 *next)
{
	tat = max(tat, now_ns);
	if (tat - now_ns > (u64)(burst - 1) * interval_ns)
		return false;
	*next = tat + interval_ns;
	return true;
}

u64 imgsec_limit_interval_ns(u32 rate, u8 unit)
{
	u64 period = unit == IMGSEC_LIMIT_UNIT_MINUTE ? 60 * NS_PER_SEC :
						       NS_PER_SEC;

	return period / rate;
}

bool imgsec_ratelimit_pass(struct imgsec_ratelimit *rl, u64 now_ns, u32 rate,
			   u32 burst, u32 *suppressed)
{
	if (!imgsec_gcra_next(rl->tat_ns, now_ns, NS_PER_SEC / rate, burst,
			      &rl->tat_ns)) {
		if (rl->suppressed != (u32)~0U)
			rl->suppressed++;
		return false;
	}
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
