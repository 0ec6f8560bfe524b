// sources: userspace/args.c
// SPDX-License-Identifier: GPL-2.0
/*
 * imgsecctl's command line (userspace/args.c): every command and option
 * accepted, and every usage error with its exact message.
 */
#include "test.h"
#include "../../userspace/args.h"

#define MAX_ARGV 16

/* Split @line on spaces into argv (argv[0] = "imgsecctl") and parse it. */
static int parse(const char *line, struct ctl_args *a, char *err,
		 size_t errlen)
{
	static char buf[512];
	char *argv[MAX_ARGV + 1] = { "imgsecctl" };
	int argc = 1;
	char *tok, *save;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < MAX_ARGV;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return ctl_parse_args(argc, argv, a, err, errlen);
}

struct ok_case {
	const char *line;
	enum ctl_cmd cmd;
	bool help, version, json;
	const char *file;
};

static const struct ok_case ok_cases[] = {
	{ "--help", CTL_CMD_NONE, true, false, false, NULL },
	{ "-h", CTL_CMD_NONE, true, false, false, NULL },
	{ "--version", CTL_CMD_NONE, false, true, false, NULL },
	{ "-V", CTL_CMD_NONE, false, true, false, NULL },
	{ "help", CTL_CMD_NONE, true, false, false, NULL },
	{ "help show", CTL_CMD_SHOW, true, false, false, NULL },
	{ "--help set-policy", CTL_CMD_SET_POLICY, true, false, false, NULL },
	{ "status", CTL_CMD_STATUS, false, false, false, NULL },
	{ "status --json", CTL_CMD_STATUS, false, false, true, NULL },
	{ "status -j", CTL_CMD_STATUS, false, false, true, NULL },
	{ "status --help", CTL_CMD_STATUS, true, false, false, NULL },
	{ "set-policy -h", CTL_CMD_SET_POLICY, true, false, false, NULL },
	{ "set-policy p.conf", CTL_CMD_SET_POLICY, false, false, false,
	  "p.conf" },
	{ "set-policy -", CTL_CMD_SET_POLICY, false, false, false, "-" },
	{ "set-policy -- -odd.conf", CTL_CMD_SET_POLICY, false, false, false,
	  "-odd.conf" },
	{ "check /etc/imgsec/imgsec.conf", CTL_CMD_CHECK, false, false, false,
	  "/etc/imgsec/imgsec.conf" },
	{ "show", CTL_CMD_SHOW, false, false, false, NULL },
	{ "show --json", CTL_CMD_SHOW, false, false, true, NULL },
	{ "stats --json", CTL_CMD_STATS, false, false, true, NULL },
	{ "monitor", CTL_CMD_MONITOR, false, false, false, NULL },
	{ "monitor --json", CTL_CMD_MONITOR, false, false, true, NULL },
	{ "flush", CTL_CMD_FLUSH, false, false, false, NULL },
	{ "confirm", CTL_CMD_CONFIRM, false, false, false, NULL },
	{ "rpc", CTL_CMD_RPC, false, false, false, NULL },
	{ "rpc --json", CTL_CMD_RPC, false, false, true, NULL },
	{ "-j status", CTL_CMD_STATUS, false, false, true, NULL },
	{ "--json stats", CTL_CMD_STATS, false, false, true, NULL },
	{ "help help", CTL_CMD_NONE, true, false, false, NULL },
	{ "-j check --help", CTL_CMD_CHECK, true, false, true, NULL },
	{ "check --json p.conf", CTL_CMD_CHECK, false, false, true, "p.conf" },
	{ "-j check -", CTL_CMD_CHECK, false, false, true, "-" },
	{ "diff /etc/imgsec/imgsec.conf", CTL_CMD_DIFF, false, false, false,
	  "/etc/imgsec/imgsec.conf" },
};

static void test_ok_cases(void)
{
	const struct ok_case *c;
	struct ctl_args a;
	char err[256];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		c = &ok_cases[i];
		test_begin("accepts '%s'", c->line);
		ret = parse(c->line, &a, err, sizeof(err));
		CHECK(ret == CTL_EXIT_OK, "returned %d: %s", ret, err);
		CHECK(a.cmd == c->cmd, "cmd %d, expected %d", a.cmd, c->cmd);
		CHECK(a.help == c->help, "help %d", a.help);
		CHECK(a.version == c->version, "version %d", a.version);
		CHECK(a.json == c->json, "json %d", a.json);
		if (c->file)
			CHECK(a.file && !strcmp(a.file, c->file), "file '%s'",
			      a.file ? a.file : "(null)");
		else
			CHECK(!a.file, "file '%s'", a.file);
		CHECK(!a.has_confirm && !a.has_timeout && !a.has_programs,
		      "an option set that was not given");
		test_end();
	}
}

static void test_confirm(void)
{
	struct ctl_args a;
	char err[256];

	CHECK_EQ(parse("set-policy --confirm 60 p.conf", &a, err,
		       sizeof(err)), CTL_EXIT_OK);
	CHECK(a.has_confirm && a.confirm_secs == 60, "confirm %u",
	      a.confirm_secs);
	CHECK(a.file && !strcmp(a.file, "p.conf"), "file");

	CHECK_EQ(parse("set-policy p.conf --confirm=3600", &a, err,
		       sizeof(err)), CTL_EXIT_OK);
	CHECK(a.has_confirm && a.confirm_secs == 3600, "confirm %u",
	      a.confirm_secs);

	CHECK_EQ(parse("set-policy --confirm 1 -", &a, err, sizeof(err)),
		 CTL_EXIT_OK);
	CHECK(a.confirm_secs == 1 && !strcmp(a.file, "-"), "confirm 1 -");
	CHECK(!a.force, "no --force unless given");

	CHECK_EQ(parse("check --print p.conf", &a, err, sizeof(err)),
		 CTL_EXIT_OK);
	CHECK(a.print && a.cmd == CTL_CMD_CHECK, "check --print");

	CHECK_EQ(parse("set-policy --force --confirm 5 p.conf", &a, err,
		       sizeof(err)), CTL_EXIT_OK);
	CHECK(a.force && a.has_confirm, "--force with --confirm");
}

static void test_rpc_options(void)
{
	struct ctl_args a;
	char err[256];

	CHECK_EQ(parse("rpc --timeout 30", &a, err, sizeof(err)),
		 CTL_EXIT_OK);
	CHECK(a.has_timeout && a.timeout_secs == 30 && !a.has_programs,
	      "timeout %u", a.timeout_secs);

	CHECK_EQ(parse("rpc --programs mount,nfs,nlockmgr,status,nfs_acl,rquotad",
		       &a, err, sizeof(err)), CTL_EXIT_OK);
	REQUIRE(a.has_programs && a.nprograms == 6, "nprograms %u",
		a.nprograms);
	CHECK(a.programs[0] == 100005 && a.programs[1] == 100003 &&
	      a.programs[2] == 100021 && a.programs[3] == 100024 &&
	      a.programs[4] == 100227 && a.programs[5] == 100011,
	      "program numbers");

	CHECK_EQ(parse("rpc --programs=100005,300019 --timeout=3600",
		       &a, err, sizeof(err)), CTL_EXIT_OK);
	CHECK(a.nprograms == 2 && a.programs[1] == 300019, "numbers");
	CHECK(a.timeout_secs == IMGSEC_MAX_RPC_TIMEOUT, "timeout max");

	CHECK_EQ(parse("rpc --timeout 1", &a, err, sizeof(err)), CTL_EXIT_OK);
	CHECK(a.has_timeout && a.timeout_secs == 1, "timeout min");

	CHECK_EQ(parse("rpc --programs none", &a, err, sizeof(err)),
		 CTL_EXIT_OK);
	CHECK(a.has_programs && a.nprograms == 0, "none");

	CHECK_EQ(parse("rpc --programs 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		       &a, err, sizeof(err)), CTL_EXIT_OK);
	CHECK(a.nprograms == 16 && a.programs[15] == 16, "sixteen");
}

static void test_names(void)
{
	CHECK(!strcmp(ctl_cmd_name(CTL_CMD_SET_POLICY), "set-policy"),
	      "set-policy");
	CHECK(!strcmp(ctl_cmd_name(CTL_CMD_RPC), "rpc"), "rpc");
	CHECK(ctl_cmd_name(CTL_CMD_NONE) == NULL, "none");
	CHECK(!strcmp(rpc_program_name(100005), "mount"), "mount");
	CHECK(!strcmp(rpc_program_name(100227), "nfs_acl"), "nfs_acl");
	CHECK(rpc_program_name(100000) == NULL, "portmap is not listed");
}

struct bad_case {
	const char *line;
	const char *err;
};

static const struct bad_case bad_cases[] = {
	{ "", "no command given" },
	{ "--bogus", "unknown option '--bogus'" },
	{ "-x status", "unknown option '-x'" },
	{ "frobnicate", "unknown command 'frobnicate'" },
	{ "help frobnicate", "unknown command 'frobnicate'" },
	{ "help show flush", "help: unexpected argument 'flush'" },
	{ "status extra", "status: unexpected argument 'extra'" },
	{ "status --bogus", "status: unknown option '--bogus'" },
	{ "status --json=yes", "status: --json takes no value" },
	{ "status --help=1", "status: --help takes no value" },
	{ "flush --json", "flush: unknown option '--json'" },
	{ "confirm now", "confirm: unexpected argument 'now'" },
	{ "set-policy", "set-policy: missing FILE (use - for standard input)" },
	{ "check", "check: missing FILE (use - for standard input)" },
	{ "check a b", "check: unexpected argument 'b'" },
	{ "check --print --json a",
	  "check: --print and --json do not go together" },
	{ "-j check --print a",
	  "check: --print and --json do not go together" },
	{ "diff", "diff: missing FILE (use - for standard input)" },
	{ "diff --json a", "diff: unknown option '--json'" },
	{ "diff a b", "diff: unexpected argument 'b'" },
	{ "set-policy --print a", "set-policy: unknown option '--print'" },
	{ "set-policy --json a", "set-policy: unknown option '--json'" },
	{ "set-policy a --confirm",
	  "set-policy: --confirm needs a value" },
	{ "set-policy --confirm 0 a",
	  "set-policy: --confirm: '0' is not a number of seconds from 1 to 3600" },
	{ "set-policy --confirm 3601 a",
	  "set-policy: --confirm: '3601' is not a number of seconds from 1 to 3600" },
	{ "set-policy --confirm 1m a",
	  "set-policy: --confirm: '1m' is not a number of seconds from 1 to 3600" },
	{ "set-policy --confirm -5 a",
	  "set-policy: --confirm: '-5' is not a number of seconds from 1 to 3600" },
	{ "set-policy --confirm= a",
	  "set-policy: --confirm: '' is not a number of seconds from 1 to 3600" },
	{ "set-policy --timeout 5 a", "set-policy: unknown option '--timeout'" },
	{ "set-policy --force=yes a", "set-policy: --force takes no value" },
	{ "check --force a", "check: unknown option '--force'" },
	{ "show --confirm 5", "show: unknown option '--confirm'" },
	{ "rpc --timeout", "rpc: --timeout needs a value" },
	{ "rpc --timeout 0",
	  "rpc: --timeout: '0' is not a number of seconds from 1 to 3600" },
	{ "rpc --timeout 3601",
	  "rpc: --timeout: '3601' is not a number of seconds from 1 to 3600" },
	{ "rpc --timeout=4294967295",
	  "rpc: --timeout: '4294967295' is not a number of seconds from 1 to 3600" },
	{ "rpc --timeout 4294967296",
	  "rpc: --timeout: '4294967296' is not a number of seconds from 1 to 3600" },
	{ "rpc --timeout 99999999999999999999999",
	  "rpc: --timeout: '99999999999999999999999' is not a number of seconds from 1 to 3600" },
	{ "rpc --timeout 30s",
	  "rpc: --timeout: '30s' is not a number of seconds from 1 to 3600" },
	{ "rpc --timeout -1",
	  "rpc: --timeout: '-1' is not a number of seconds from 1 to 3600" },
	{ "rpc --programs", "rpc: --programs needs a value" },
	{ "rpc --programs mount,,nfs",
	  "rpc: --programs: empty item in 'mount,,nfs'" },
	{ "rpc --programs mount,",
	  "rpc: --programs: empty item in 'mount,'" },
	{ "rpc --programs portmap",
	  "rpc: --programs: unknown program 'portmap' (use a number or mount, nfs, nlockmgr, status, nfs_acl, rquotad)" },
	{ "rpc --programs MOUNT",
	  "rpc: --programs: unknown program 'MOUNT' (use a number or mount, nfs, nlockmgr, status, nfs_acl, rquotad)" },
	{ "rpc --programs 0",
	  "rpc: --programs: '0' is not a program number from 1 to 4294967295" },
	{ "rpc --programs 100005x",
	  "rpc: --programs: '100005x' is not a program number from 1 to 4294967295" },
	{ "rpc --programs mount,100005",
	  "rpc: --programs: program 100005 is listed twice" },
	{ "rpc --programs 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
	  "rpc: --programs: at most 16 programs" },
	{ "rpc --programs aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "rpc: --programs: unknown program 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' (use a number or mount, nfs, nlockmgr, status, nfs_acl, rquotad)" },
	{ "rpc 5", "rpc: unexpected argument '5'" },
	{ "monitor --follow", "monitor: unknown option '--follow'" },
	{ "--json flush", "flush: no JSON output (-j, --json)" },
	{ "help help status", "help: unexpected argument 'status'" },
	{ "stats --aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "stats: unknown option '--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'" },
};

static void test_bad_cases(void)
{
	const struct bad_case *c;
	struct ctl_args a;
	char err[256];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		c = &bad_cases[i];
		test_begin("refuses '%s'", c->line);
		ret = parse(c->line, &a, err, sizeof(err));
		CHECK(ret == CTL_EXIT_USAGE, "returned %d", ret);
		CHECK(!strcmp(err, c->err), "message '%s', expected '%s'", err,
		      c->err);
		test_end();
	}
}

/* A command's help needs no FILE; --version wins over the rest. */
static void test_help_without_operands(void)
{
	struct ctl_args a;
	char err[256];

	CHECK_EQ(parse("check --help", &a, err, sizeof(err)), CTL_EXIT_OK);
	CHECK(a.help && a.cmd == CTL_CMD_CHECK && !a.file, "check --help");
	CHECK_EQ(parse("-V status", &a, err, sizeof(err)), CTL_EXIT_OK);
	CHECK(a.version && a.cmd == CTL_CMD_STATUS, "-V status");
}

int main(void)
{
	test_ok_cases();
	RUN(test_confirm);
	RUN(test_rpc_options);
	RUN(test_names);
	test_bad_cases();
	RUN(test_help_without_operands);
	return test_summary();
}
