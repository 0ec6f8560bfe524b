/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A rate limit for what the packet path reports (log lines, events), so a
 * flood of refused packets costs a bounded amount of reporting and says how
 * much it left out. Pure arithmetic on a caller-given clock: the same code
 * runs in the kernel and in the userspace tests.
 */
#ifndef _IMGSEC_RATELIMIT_H
#define _IMGSEC_RATELIMIT_H

#include "portable.h"

struct imgsec_ratelimit {
	u64 tat_ns;		/* when the bucket is next empty of credit */
	u32 suppressed;		/* refused since the last one that went */
};

/*
 * May one more report go out at @now_ns, at @rate a second (>= 1) with
 * bursts of up to @burst (>= 1)? If so, *@suppressed is how many were
 * refused since the previous one, and that count starts again; if not, the
 * refusal is counted. A zeroed struct is a full bucket; the clock must not
 * go backwards.
 */
bool imgsec_ratelimit_pass(struct imgsec_ratelimit *rl, u64 now_ns, u32 rate,
			   u32 burst, u32 *suppressed);

#endif /* _IMGSEC_RATELIMIT_H */
