// SPDX-License-Identifier: GPL-2.0
/*
 * imgsecctl's command line: global options, then one command and its own
 * options and operands. Options may be written "--opt VALUE" or
 * "--opt=VALUE"; "--" ends the options (for a file named "-x").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "args.h"

struct cmd_info {
	const char *name;
	enum ctl_cmd cmd;
	bool json;		/* takes --json */
	bool file;		/* takes a FILE operand */
};

static const struct cmd_info commands[] = {
	{ "status",	CTL_CMD_STATUS,		true,	false },
	{ "set-policy",	CTL_CMD_SET_POLICY,	false,	true },
	{ "check",	CTL_CMD_CHECK,		true,	true },
	{ "show",	CTL_CMD_SHOW,		true,	false },
	{ "stats",	CTL_CMD_STATS,		true,	false },
	{ "monitor",	CTL_CMD_MONITOR,	true,	false },
	{ "flush",	CTL_CMD_FLUSH,		false,	false },
	{ "confirm",	CTL_CMD_CONFIRM,	false,	false },
	{ "rpc",	CTL_CMD_RPC,		true,	false },
	{ "diff",	CTL_CMD_DIFF,		false,	true },
};

static const struct {
	const char *name;
	uint32_t program;
} rpc_programs[] = {
	{ "mount",	100005 },
	{ "nfs",	100003 },
	{ "nlockmgr",	100021 },
	{ "status",	100024 },
	{ "nfs_acl",	100227 },
	{ "rquotad",	100011 },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].cmd == cmd)
			return commands[i].name;
	return NULL;
}

const char *rpc_program_name(uint32_t program)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rpc_programs); i++)
		if (rpc_programs[i].program == program)
			return rpc_programs[i].name;
	return NULL;
}

static int usage(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int usage(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CTL_EXIT_USAGE;
}

/* A decimal number from @min to @max, digits only. */
static bool parse_u32(const char *s, uint32_t min, uint32_t max,
		      uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "mount,nfs,100021" or "none" into a->programs. */
static int parse_programs(const char *list, struct ctl_args *a,
			  char *err, size_t errlen)
{
	char item[64];
	const char *p = list, *end;
	size_t len, i;
	uint32_t prog;

	a->has_programs = true;
	a->nprograms = 0;
	if (!strcmp(list, "none"))
		return CTL_EXIT_OK;
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return usage(err, errlen,
				     "rpc: --programs: empty item in '%s'",
				     list);
		if (len < sizeof(item)) {
			memcpy(item, p, len);
			item[len] = '\0';
		} else {
			item[0] = '\0';	/* too long to be a name */
		}
		if (p[0] >= '0' && p[0] <= '9') {
			if (!parse_u32(item, 1, UINT32_MAX, &prog))
				return usage(err, errlen,
					     "rpc: --programs: '%.*s' is not a program number from 1 to 4294967295",
					     (int)len, p);
		} else {
			for (i = 0; i < ARRAY_SIZE(rpc_programs); i++)
				if (!strcmp(item, rpc_programs[i].name))
					break;
			if (i == ARRAY_SIZE(rpc_programs))
				return usage(err, errlen,
					     "rpc: --programs: unknown program '%.*s' (use a number or mount, nfs, nlockmgr, status, nfs_acl, rquotad)",
					     (int)len, p);
			prog = rpc_programs[i].program;
		}
		for (i = 0; i < a->nprograms; i++)
			if (a->programs[i] == prog)
				return usage(err, errlen,
					     "rpc: --programs: program %u is listed twice",
					     prog);
		if (a->nprograms == IMGSEC_MAX_RPC_PROGRAMS)
			return usage(err, errlen,
				     "rpc: --programs: at most %d programs",
				     IMGSEC_MAX_RPC_PROGRAMS);
		a->programs[a->nprograms++] = prog;
		if (!end)
			return CTL_EXIT_OK;
		p = end + 1;
	}
}

/*
 * One option of command @ci at argv[*i]; may consume the next argument as
 * its value.
 */
static int parse_option(const struct cmd_info *ci, int argc,
			char *const argv[], int *i, struct ctl_args *a,
			char *err, size_t errlen)
{
	const char *arg = argv[*i], *eq, *value = NULL;
	char name[32];
	size_t len;

	eq = strncmp(arg, "--", 2) ? NULL : strchr(arg, '=');
	len = eq ? (size_t)(eq - arg) : strlen(arg);
	if (len >= sizeof(name))
		return usage(err, errlen, "%s: unknown option '%s'",
			     ci->name, arg);
	memcpy(name, arg, len);
	name[len] = '\0';

	if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
		a->help = true;
		goto flag;
	}
	if (ci->json && (!strcmp(name, "-j") || !strcmp(name, "--json"))) {
		a->json = true;
		goto flag;
	}
	if (ci->cmd == CTL_CMD_SET_POLICY && !strcmp(name, "--force")) {
		a->force = true;
		goto flag;
	}
	if (ci->cmd == CTL_CMD_CHECK && !strcmp(name, "--print")) {
		a->print = true;
		goto flag;
	}

	if (!((ci->cmd == CTL_CMD_SET_POLICY && !strcmp(name, "--confirm")) ||
	      (ci->cmd == CTL_CMD_RPC && (!strcmp(name, "--timeout") ||
					  !strcmp(name, "--programs")))))
		return usage(err, errlen, "%s: unknown option '%s'",
			     ci->name, name);

	if (eq)
		value = eq + 1;
	else if (*i + 1 < argc)
		value = argv[++*i];
	if (!value)
		return usage(err, errlen, "%s: %s needs a value", ci->name,
			     name);

	if (!strcmp(name, "--confirm")) {
		if (!parse_u32(value, 1, IMGSEC_MAX_CONFIRM_SECS,
			       &a->confirm_secs))
			return usage(err, errlen,
				     "set-policy: --confirm: '%s' is not a number of seconds from 1 to %d",
				     value, IMGSEC_MAX_CONFIRM_SECS);
		a->has_confirm = true;
	} else if (!strcmp(name, "--timeout")) {
		if (!parse_u32(value, 1, IMGSEC_MAX_RPC_TIMEOUT,
			       &a->timeout_secs))
			return usage(err, errlen,
				     "rpc: --timeout: '%s' is not a number of seconds from 1 to %d",
				     value, IMGSEC_MAX_RPC_TIMEOUT);
		a->has_timeout = true;
	} else {
		return parse_programs(value, a, err, errlen);
	}
	return CTL_EXIT_OK;

flag:
	if (eq)
		return usage(err, errlen, "%s: %s takes no value", ci->name,
			     name);
	return CTL_EXIT_OK;
}

int ctl_parse_args(int argc, char *const argv[], struct ctl_args *a,
		   char *err, size_t errlen)
{
	const struct cmd_info *ci = NULL;
	bool options_done = false;
	const char *arg;
	size_t c;
	int i, ret;

	memset(a, 0, sizeof(*a));
	if (errlen)
		err[0] = '\0';

	/* Global options, then the command. */
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			a->help = true;
		else if (!strcmp(arg, "-V") || !strcmp(arg, "--version"))
			a->version = true;
		else if (!strcmp(arg, "-j") || !strcmp(arg, "--json"))
			a->json = true;
		else if (arg[0] == '-')
			return usage(err, errlen, "unknown option '%s'", arg);
		else
			break;
	}
	if (i == argc) {
		if (a->help || a->version)
			return CTL_EXIT_OK;
		return usage(err, errlen, "no command given");
	}
	if (!strcmp(argv[i], "help")) {
		/* "imgsecctl help [COMMAND]" */
		a->help = true;
		if (++i == argc)
			return CTL_EXIT_OK;
		if (i + 1 < argc)
			return usage(err, errlen,
				     "help: unexpected argument '%s'",
				     argv[i + 1]);
		if (!strcmp(argv[i], "help"))
			return CTL_EXIT_OK;
	}
	for (c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			ci = &commands[c];
	if (!ci)
		return usage(err, errlen, "unknown command '%s'", argv[i]);
	a->cmd = ci->cmd;

	for (i++; i < argc; i++) {
		arg = argv[i];
		if (!options_done && !strcmp(arg, "--")) {
			options_done = true;
		} else if (!options_done && arg[0] == '-' && arg[1]) {
			ret = parse_option(ci, argc, argv, &i, a, err, errlen);
			if (ret)
				return ret;
		} else if (ci->file && !a->file) {
			a->file = arg;
		} else {
			return usage(err, errlen, "%s: unexpected argument '%s'",
				     ci->name, arg);
		}
	}
	if (a->help || a->version)
		return CTL_EXIT_OK;
	if (a->json && !ci->json)
		return usage(err, errlen, "%s: no JSON output (-j, --json)",
			     ci->name);
	if (a->json && a->print)
		return usage(err, errlen,
			     "check: --print and --json do not go together");
	if (ci->file && !a->file)
		return usage(err, errlen,
			     "%s: missing FILE (use - for standard input)",
			     ci->name);
	return CTL_EXIT_OK;
}
