/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What imgsecctl prints: plain text for people, and with --json one JSON
 * document per command (one line per event for monitor), written here with
 * correct escaping and no library.
 */
#ifndef _IMGSECCTL_OUTPUT_H
#define _IMGSECCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "policy_nl.h"

/* @s as a JSON string: quoted, escaped, invalid UTF-8 as U+FFFD. */
void json_print_string(FILE *f, const char *s);

/* "192.0.2.0/24", "2001:db8::1/128"; "?" for an unknown family. */
void format_prefix(const struct imgsec_prefix *p, char *buf, size_t len);

struct lockout_report;
struct policy_diag;

/*
 * check --json: {"file", "valid", then "roles", "addresses", "rules",
 * "warnings" and "lockouts" for a valid policy (@p), or "error" with its
 * "message", "line" and "column" (@p NULL).
 */
void output_check_json(FILE *f, const char *file,
		       const struct imgsec_policy_desc *p,
		       const struct policy_diag *diag,
		       const struct lockout_report *lr);

/* @family_version: the genl family version the kernel announced. */
void output_status(FILE *f, const struct imgsec_status *st,
		   uint32_t family_version, bool json);
/* show --json: the policy with rule counters, or "policy": null. */
void output_policy_json(FILE *f, const struct policy_dump *d);
/* @d NULL: the rules could not be read (no CAP_NET_ADMIN). */
void output_stats(FILE *f, const struct imgsec_stats *s,
		  const struct policy_dump *d, bool json);
void output_rpc(FILE *f, const struct imgsec_rpc_settings *rpc, bool json);
/*
 * One event, one line: text starts with the time in ISO 8601 (local, with
 * its offset), JSON has "time" in RFC 3339 (UTC); both to milliseconds.
 */
void output_event(FILE *f, const struct imgsec_event *ev, bool json);

/* What monitor says besides events (text: on standard error). */
enum monitor_note {
	MONITOR_NOTE_UNLOADED,	/* the family went away */
	MONITOR_NOTE_LOADED,	/* it is back, and listened to again */
	MONITOR_NOTE_LOST,	/* the receive buffer overran */
};

/* @lost: events lost, 0 if not known; @time_ns: CLOCK_REALTIME. */
void output_monitor_note(FILE *f, enum monitor_note note, uint64_t lost,
			 uint64_t time_ns, bool json);

/* "2026-03-01T14:05:09.042+01:00" (local), "2026-03-01T13:05:09.042Z". */
void format_time_ns(uint64_t ns, bool utc, char *buf, size_t len);

#endif /* _IMGSECCTL_OUTPUT_H */
