/* SPDX-License-Identifier: GPL-2.0 */
/*
 * imgsecctl's command line, parsed into a struct without touching netlink,
 * so that every accepted and refused form is unit-tested
 * (tests/unit/test_imgsecctl_args.c).
 */
#ifndef _IMGSECCTL_ARGS_H
#define _IMGSECCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/imgsec.h>

/* Exit statuses, documented in imgsecctl(8). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1,	/* the operation failed or the kernel refused */
	CTL_EXIT_USAGE = 2,	/* bad command line */
	CTL_EXIT_INVALID = 3,	/* the policy file is invalid */
	CTL_EXIT_NO_MODULE = 4,	/* the imgsec module is not loaded */
};

enum ctl_cmd {
	CTL_CMD_NONE,		/* --help or --version alone */
	CTL_CMD_STATUS,
	CTL_CMD_SET_POLICY,
	CTL_CMD_CHECK,
	CTL_CMD_SHOW,
	CTL_CMD_STATS,
	CTL_CMD_MONITOR,
	CTL_CMD_FLUSH,
	CTL_CMD_CONFIRM,
	CTL_CMD_RPC,
	CTL_CMD_DIFF,
	__CTL_CMD_COUNT
};

struct ctl_args {
	enum ctl_cmd cmd;
	bool help;		/* print the help of cmd (or the global one) */
	bool version;
	bool json;
	const char *file;	/* set-policy, check, diff: a path or "-" */
	bool force;		/* set-policy: even if it may lock us out */
	bool print;		/* check: print the canonical form */
	bool has_confirm;
	uint32_t confirm_secs;	/* 1..IMGSEC_MAX_CONFIRM_SECS */
	bool has_timeout;
	uint32_t timeout_secs;	/* rpc --timeout */
	bool has_programs;
	unsigned int nprograms;	/* rpc --programs, 0 for "none" */
	uint32_t programs[IMGSEC_MAX_RPC_PROGRAMS];
};

/*
 * Parse argv (argv[0] is the program name). Returns CTL_EXIT_OK with @a
 * filled, or CTL_EXIT_USAGE with a one-line message in @err (no program
 * name prefix, no newline).
 */
int ctl_parse_args(int argc, char *const argv[], struct ctl_args *a,
		   char *err, size_t errlen);

/* The command's name as typed ("set-policy"), or NULL. */
const char *ctl_cmd_name(enum ctl_cmd cmd);

/* Well-known RPC programs: name for a number, or NULL. */
const char *rpc_program_name(uint32_t program);

#endif /* _IMGSECCTL_ARGS_H */
