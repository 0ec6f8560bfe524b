/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate limits: for what the packet path reports (log lines, events), so a
 * flood of refused packets costs a bounded amount of reporting and says how
 * much it left out, and the rules' new-connection limits. Pure arithmetic
 * on a caller-given clock: the same code runs in the kernel and in the
 * userspace tests.
 */
#ifndef _IMGSEC_RATELIMIT_H
#define _IMGSEC_RATELIMIT_H

#include "portable.h"

struct imgsec_ratelimit {
	u64 tat_ns;		/* when the bucket is next empty of credit */
	u32 suppressed;		/* refused since the last one that went */
};

/*
 * One step of the generic cell rate algorithm, the token bucket kept as a
 * single time (@tat, "theoretical arrival time": when the bucket is next
 * empty of credit; 0 is a full bucket). Admits an arrival at @now_ns if the
 * bucket holds a token, @interval_ns apart, at most @burst (>= 1) of them:
 * then true and *@next is the new @tat. A single u64 of state, so that a
 * caller may keep it in an atomic and retry on a race.
 */
bool imgsec_gcra_next(u64 tat, u64 now_ns, u64 interval_ns, u32 burst,
		      u64 *next);

/*
 * The interval between tokens of a rule's limit, @rate (1 to
 * IMGSEC_MAX_LIMIT_RATE) a @unit (enum imgsec_limit_unit), in whole ns:
 * rounded down, so the rate admitted is never below the one written.
 */
u64 imgsec_limit_interval_ns(u32 rate, u8 unit);

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
