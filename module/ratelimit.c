// SPDX-License-Identifier: GPL-2.0
/*
 * The generic cell rate algorithm: a token bucket kept as one time, the
 * theoretical arrival time of the next report. Each report pushes it one
 * interval (1 s / rate) further; a report is refused when that would put
 * it more than burst - 1 intervals ahead of now. Integers, no division on
 * the way but the interval, no overflow for a monotonic clock in ns.
 */
#include "ratelimit.h"

#define NS_PER_SEC 1000000000ULL

bool imgsec_ratelimit_pass(struct imgsec_ratelimit *rl, u64 now_ns, u32 rate,
			   u32 burst, u32 *suppressed)
{
	u64 interval = NS_PER_SEC / rate;
	u64 tat = max(rl->tat_ns, now_ns);

	if (tat - now_ns > (u64)(burst - 1) * interval) {
		if (rl->suppressed != (u32)~0U)
			rl->suppressed++;
		return false;
	}
	rl->tat_ns = tat + interval;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
