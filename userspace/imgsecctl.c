// SPDX-License-Identifier: GPL-2.0
/*
 * imgsecctl: manage the imgsec module's port-table policy and its SUN RPC
 * helper. One command per run; the exit status says what happened (see
 * imgsecctl(8) and enum ctl_exit).
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "args.h"
#include "genl.h"
#include "lockout.h"
#include "output.h"
#include "policy_file.h"
#include "policy_nl.h"

#ifndef IMGSEC_VERSION
#define IMGSEC_VERSION "unknown"
#endif

#define PROG "imgsecctl"

static const char usage_text[] =
	"Usage: imgsecctl [-h|--help] [-V|--version] [-j|--json] COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  status [--json]                  module, namespaces, policy, pending revert\n"
	"  set-policy [--confirm SECS] [--force] FILE\n"
	"                                   apply the policy in FILE (- for stdin)\n"
	"  check [--print|--json] FILE      parse and validate FILE only\n"
	"  diff FILE                        exit 1 and show how the loaded policy differs\n"
	"  show [--json]                    the active policy, in the file format\n"
	"  stats [--json]                   hook, rpc helper and per-rule counters\n"
	"  monitor [--json]                 print drops and expectations as they happen\n"
	"  flush                            remove the policy: all traffic passes\n"
	"  confirm                          keep a policy set with --confirm\n"
	"  rpc [--timeout SECS] [--programs LIST]\n"
	"                                   show or change the imgsec-rpc helper\n"
	"  help [COMMAND]                   this text, or a command's\n"
	"\n"
	"Exit status: 0 ok, 1 operation failed or refused by the kernel, 2 usage\n"
	"error, 3 policy file invalid, 4 imgsec module not loaded.\n"
	"See imgsecctl(8) and imgsec.conf(5).\n";

static const char *const cmd_help[__CTL_CMD_COUNT] = {
	[CTL_CMD_STATUS] =
	"Usage: imgsecctl status [--json]\n"
	"Show the module version, the number of network namespaces with imgsec\n"
	"state, whether a policy is active and its generation, and a pending\n"
	"revert of 'set-policy --confirm'.\n",
	[CTL_CMD_SET_POLICY] =
	"Usage: imgsecctl set-policy [--confirm SECONDS] [--force] FILE\n"
	"Parse and validate FILE (- for standard input), then replace the\n"
	"active policy with it in one step. With --confirm (1 to 3600), the\n"
	"kernel puts the previous policy back after SECONDS unless\n"
	"'imgsecctl confirm' is run in time.\n"
	"An enforce policy with no rule, or one that drops new connections\n"
	"from the peer of this SSH session to this host's SSH port, is\n"
	"refused unless --force is given.\n",
	[CTL_CMD_CHECK] =
	"Usage: imgsecctl check [--print|--json] FILE\n"
	"Parse and validate FILE (- for standard input) without the kernel.\n"
	"Exit status 0 if it is a valid policy, 3 if not. Warns about what\n"
	"set-policy would refuse without --force. --print writes the policy\n"
	"in canonical form (what 'show' prints once it is loaded); --json\n"
	"the verdict, error, warnings and lockouts as one JSON document.\n",
	[CTL_CMD_SHOW] =
	"Usage: imgsecctl show [--json]\n"
	"Print the active policy in the policy file format (it can be given\n"
	"back to set-policy); with --json, as JSON with rule counters.\n",
	[CTL_CMD_STATS] =
	"Usage: imgsecctl stats [--json]\n"
	"Print the counters of the policy hook, of the imgsec-rpc helper and\n"
	"of every rule of the active policy.\n",
	[CTL_CMD_MONITOR] =
	"Usage: imgsecctl monitor [--json]\n"
	"Print one line per event until interrupted: connections dropped (or\n"
	"that would be, in monitor mode) and expectations the rpc helper\n"
	"created, with the time, the device and the policy generation. With\n"
	"--json, one JSON object per line. When the module is unloaded, say so\n"
	"and wait; when it is loaded again, listen to it again.\n",
	[CTL_CMD_FLUSH] =
	"Usage: imgsecctl flush\n"
	"Remove the active policy: all traffic passes.\n",
	[CTL_CMD_CONFIRM] =
	"Usage: imgsecctl confirm\n"
	"Keep the policy set with 'set-policy --confirm'; it is not reverted.\n",
	[CTL_CMD_DIFF] =
	"Usage: imgsecctl diff FILE\n"
	"Compare the loaded policy with FILE (- for standard input): exit 0\n"
	"if they are the same policy, 1 if not, with a unified diff of their\n"
	"canonical forms (- loaded, + FILE). For drift detection from cron\n"
	"or configuration management.\n",
	[CTL_CMD_RPC] =
	"Usage: imgsecctl rpc [--json] [--timeout SECONDS] [--programs LIST]\n"
	"Without --timeout or --programs, show the imgsec-rpc helper's\n"
	"settings. --timeout sets the lifetime of the expectations it creates,\n"
	"1 to 3600 seconds; --programs sets the RPC programs it opens ports\n"
	"for: a comma-separated list of numbers or names (mount, nfs,\n"
	"nlockmgr, status, nfs_acl, rquotad), or 'none'.\n",
};

static void print_help(FILE *f, enum ctl_cmd cmd)
{
	if (cmd != CTL_CMD_NONE && cmd < __CTL_CMD_COUNT && cmd_help[cmd])
		fputs(cmd_help[cmd], f);
	else
		fputs(usage_text, f);
}

static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Open the family; the one place that tells "module not loaded". */
static int open_module(struct genl *g, const char *cmd)
{
	int ret = genl_open(g, IMGSEC_GENL_NAME);

	if (!ret)
		return CTL_EXIT_OK;
	if (ret == -ENOENT) {
		error("the imgsec module is not loaded (modprobe imgsec)");
		return CTL_EXIT_NO_MODULE;
	}
	error("%s: cannot talk to the kernel: %s", cmd, genl_strerror(-ret));
	return CTL_EXIT_FAILED;
}

/*
 * "imgsecctl: CMD: WHAT: the kernel's message (at rule 3, ports)". @req,
 * if given, is the SET_POLICY request, to name the offending attribute.
 */
static int kernel_error(const struct genl *g, const char *cmd,
			const char *what, const struct nlmsghdr *req)
{
	const struct genl_error *e = &g->error;
	char where[128] = "";
	char place[96];

	if (e->has_offset) {
		if (req && policy_nl_describe_offset(req, e->offset, place,
						     sizeof(place)))
			snprintf(where, sizeof(where), " (at %s)", place);
		else
			snprintf(where, sizeof(where),
				 " (at byte %u of the request)", e->offset);
	} else if (e->has_miss_type) {
		snprintf(where, sizeof(where),
			 " (attribute %u is missing)", e->miss_type);
	}
	error("%s: %s: %s%s", cmd, what,
	      e->msg[0] ? e->msg : genl_strerror(e->err), where);
	return CTL_EXIT_FAILED;
}

/* A command with no attributes, answered by an ACK (and maybe a reply). */
static int simple_request(struct genl *g, uint8_t cmd, mnl_cb_t cb,
			  void *data)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr))];
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(g, buf, sizeof(buf), cmd, 0);
	return genl_request(g, nlh, cb, data);
}

static int fetch_policy(struct genl *g, struct policy_dump *d,
			const char *cmd)
{
	static const struct genl_dump_ops ops = {
		.reset = policy_dump_reset,
		.msg = policy_dump_msg,
	};
	int ret;

	/* A newer module's rules may say what this reader skips (limits). */
	if (g->version > IMGSEC_GENL_VERSION)
		fprintf(stderr, PROG ": %s: warning: the imgsec module (family version %u) is newer than this imgsecctl (%u): what it does not know of the policy is not shown\n",
			cmd, g->version, IMGSEC_GENL_VERSION);
	ret = genl_dump(g, IMGSEC_CMD_GET_POLICY, &ops, d);
	if (!ret)
		ret = policy_dump_finish(d);
	if (!ret)
		return CTL_EXIT_OK;
	if (d->err[0]) {
		error("%s: the kernel's policy was not understood: %s", cmd,
		      d->err);
		return CTL_EXIT_FAILED;
	}
	return kernel_error(g, cmd, "cannot read the policy", NULL);
}

/* "3 roles, 1 address, 0 rules": what a policy holds, for a person. */
static void print_size(const struct imgsec_policy_desc *p)
{
	uint32_t n = policy_count_prefixes(p);

	printf("%u role%s, %u address%s, %u rule%s\n",
	       p->nroles, p->nroles == 1 ? "" : "s",
	       n, n == 1 ? "" : "es",
	       p->nrules, p->nrules == 1 ? "" : "s");
}

/*
 * Parse and validate @file. A file that cannot be read or is invalid gives
 * CTL_EXIT_INVALID and the parser's "file:line:col: message".
 */
static int load_policy(const char *cmd, const char *file,
		       struct imgsec_policy_desc *p)
{
	struct policy_diag diag;
	int ret;

	memset(&diag, 0, sizeof(diag));
	ret = policy_parse_file(file, p, &diag);
	if (!ret) {
		policy_diag_print_warnings(stderr, &diag);
		return CTL_EXIT_OK;
	}
	if (ret == -ENOMEM)
		error("%s: out of memory", cmd);
	else if (ret == -EINVAL && diag.msg[0])
		policy_diag_print(stderr, &diag);
	else
		error("%s: %s", cmd, diag.msg[0] ? diag.msg : strerror(-ret));
	return ret == -ENOMEM ? CTL_EXIT_FAILED : CTL_EXIT_INVALID;
}

#define LOCKOUT_SESSIONS_MAX	256	/* open SSH sessions checked */

/*
 * @r for @p as loaded on this host: the SSH session this runs in, and
 * every SSH session open to this host (systemctl reload runs with no
 * SSH_CONNECTION; a stale one in tmux names an old peer). 0 or -ENOMEM.
 */
static int lockout_here(const struct imgsec_policy_desc *p,
			struct lockout_report *r)
{
	struct lockout_session open[LOCKOUT_SESSIONS_MAX], own;
	const char *ssh;
	char buf[128];
	size_t n;

	ssh = lockout_ssh_connection(buf, sizeof(buf));
	if (!ssh || !lockout_parse_ssh_connection(ssh, &own))
		own.port = 22;
	n = lockout_open_sessions(own.port, open, LOCKOUT_SESSIONS_MAX);
	return lockout_check(p, ssh, open, n, r);
}

/*
 * Whether @p, loaded on this host, would cut the operator off: no rule at
 * all, or no way back for an SSH session. @lead starts each finding's
 * line. CTL_EXIT_OK with nothing found, CTL_EXIT_FAILED if something was
 * (or memory ran out).
 */
static int check_lockout(const char *cmd, const struct imgsec_policy_desc *p,
			 const char *lead)
{
	struct lockout_report r;

	if (lockout_here(p, &r)) {
		error("%s: out of memory", cmd);
		return CTL_EXIT_FAILED;
	}
	lockout_print(stderr, &r, lead);
	return lockout_found(&r) ? CTL_EXIT_FAILED : CTL_EXIT_OK;
}

static int cmd_status(const struct ctl_args *a)
{
	struct imgsec_status st;
	struct genl g;
	int ret;

	ret = open_module(&g, "status");
	if (ret)
		return ret;
	memset(&st, 0, sizeof(st));
	if (simple_request(&g, IMGSEC_CMD_GET_STATUS, status_parse, &st))
		ret = kernel_error(&g, "status", "cannot read the status",
				   NULL);
	else
		output_status(stdout, &st, g.version, a->json);
	genl_close(&g);
	return ret;
}

/* check --json: the verdict, warnings and lockouts as one document. */
static int check_json(const char *file)
{
	struct imgsec_policy_desc p;
	struct lockout_report lr;
	struct policy_diag diag;
	int ret;

	memset(&diag, 0, sizeof(diag));
	ret = policy_parse_file(file, &p, &diag);
	if (ret == -ENOMEM) {
		error("check: out of memory");
		return CTL_EXIT_FAILED;
	}
	if (ret) {
		if (!diag.msg[0])
			snprintf(diag.msg, sizeof(diag.msg), "%s: %s", file,
				 strerror(-ret));
		output_check_json(stdout, file, NULL, &diag, NULL);
		return CTL_EXIT_INVALID;
	}
	if (lockout_here(&p, &lr)) {
		imgsec_policy_desc_release(&p);
		error("check: out of memory");
		return CTL_EXIT_FAILED;
	}
	output_check_json(stdout, file, &p, &diag, &lr);
	imgsec_policy_desc_release(&p);
	return CTL_EXIT_OK;
}

static int cmd_check(const struct ctl_args *a)
{
	struct imgsec_policy_desc p;
	int ret;

	if (a->json)
		return check_json(a->file);
	ret = load_policy("check", a->file, &p);
	if (ret)
		return ret;
	check_lockout("check", &p, "warning: ");
	if (a->print) {
		ret = policy_print(stdout, &p) ? CTL_EXIT_FAILED : CTL_EXIT_OK;
	} else {
		printf("%s: valid policy: ",
		       strcmp(a->file, "-") ? a->file : "<stdin>");
		print_size(&p);
	}
	imgsec_policy_desc_release(&p);
	return ret;
}

/* @p in canonical form, in memory (malloc'ed), or NULL. */
static char *policy_text(const struct imgsec_policy_desc *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return NULL;
	ret = p ? policy_print(f, p) : 0;
	if (fclose(f) || ret) {
		free(text);
		return NULL;
	}
	return text;
}

/* A memfd holding @text, for diff(1) to read as /proc/self/fd/N. */
static int text_fd(const char *name, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t n;
	int fd = memfd_create(name, 0);

	while (fd >= 0 && off < len) {
		n = write(fd, text + off, len - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += n;
	}
	return fd;
}

/*
 * "diff -u" of the loaded policy's canonical text against the file's, by
 * diff(1) (Essential in Debian); without it, only that they differ.
 */
static void print_differences(const char *file, const char *loaded,
			      const char *wanted)
{
	char a[32], b[32];
	int fa = text_fd("loaded", loaded), fb = text_fd("file", wanted);
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fa >= 0 && fb >= 0 ? fork() : -1;
	if (pid == 0) {
		snprintf(a, sizeof(a), "/proc/self/fd/%d", fa);
		snprintf(b, sizeof(b), "/proc/self/fd/%d", fb);
		execlp("diff", "diff", "-u", "-L", "loaded policy", "-L", file,
		       a, b, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		printf("the loaded policy differs from %s (no diff(1) to show how)\n",
		       file);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
}

/* Exit 0 if the loaded policy is the file's, 1 (and how) if not. */
static int cmd_diff(const struct ctl_args *a)
{
	struct imgsec_policy_desc p;
	char *loaded = NULL, *wanted = NULL;
	struct policy_dump d;
	struct genl g;
	int ret;

	ret = load_policy("diff", a->file, &p);
	if (ret)
		return ret;
	ret = open_module(&g, "diff");
	if (ret) {
		imgsec_policy_desc_release(&p);
		return ret;
	}
	/* The file as set-policy would load it into this module. */
	policy_nl_fit_version(&p, g.version);
	policy_dump_init(&d);
	ret = fetch_policy(&g, &d, "diff");
	if (ret || (d.active && policy_desc_equal(&d.desc, &p)))
		goto out;
	loaded = policy_text(d.active ? &d.desc : NULL);
	wanted = policy_text(&p);
	if (!loaded || !wanted) {
		error("diff: out of memory");
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	if (!d.active)
		printf("no policy is loaded: all traffic passes\n");
	print_differences(strcmp(a->file, "-") ? a->file : "<stdin>", loaded,
			  wanted);
	ret = CTL_EXIT_FAILED;
out:
	free(loaded);
	free(wanted);
	policy_dump_release(&d);
	genl_close(&g);
	imgsec_policy_desc_release(&p);
	return ret;
}

static int cmd_set_policy(const struct ctl_args *a)
{
	struct imgsec_policy_desc p;
	struct nlmsghdr *nlh;
	char err[256];
	struct genl g;
	size_t size;
	char *buf;
	int ret;

	ret = load_policy("set-policy", a->file, &p);
	if (ret)
		return ret;
	if (a->force) {
		check_lockout("set-policy", &p, "warning: (--force) ");
	} else if (check_lockout("set-policy", &p,
				 PROG ": set-policy: refused: ")) {
		error("set-policy: nothing was changed; --force applies the policy all the same");
		imgsec_policy_desc_release(&p);
		return CTL_EXIT_FAILED;
	}
	ret = open_module(&g, "set-policy");
	if (ret) {
		imgsec_policy_desc_release(&p);
		return ret;
	}
	buf = NULL;
	if (g.version < 3 && policy_has_source_limits(&p)) {
		error("set-policy: the loaded imgsec module (family version %u) has no per-source limits: load the new module, or take \"per-source\" out of the policy; nothing was changed",
		      g.version);
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	if (policy_nl_fit_version(&p, g.version))
		fprintf(stderr, PROG ": set-policy: note: the loaded imgsec module is older than this imgsecctl and keeps no port names: show prints numbers until the new module is loaded\n");
	size = policy_nl_msg_size(&p);
	buf = malloc(size);
	if (!buf) {
		error("set-policy: out of memory");
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	nlh = genl_msg_start(&g, buf, size, IMGSEC_CMD_SET_POLICY, 0);
	if (a->has_confirm)
		mnl_attr_put_u32(nlh, IMGSEC_A_CONFIRM_SECS, a->confirm_secs);
	if (policy_nl_put(nlh, size, &p, err, sizeof(err))) {
		error("set-policy: %s", err);
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	if (genl_allow_send(&g, nlh->nlmsg_len)) {
		/* SO_SNDBUF doubles what it is given, up to wmem_max. */
		error("set-policy: the policy message (%u bytes) is larger than this socket may send: run as root on the host (CAP_NET_ADMIN) or raise net.core.wmem_max to at least %u",
		      nlh->nlmsg_len, nlh->nlmsg_len / 2 + 16);
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	if (genl_request(&g, nlh, NULL, NULL)) {
		ret = kernel_error(&g, "set-policy",
				   "kernel refused the policy", nlh);
		goto out;
	}
	printf("policy applied: ");
	print_size(&p);
	if (a->has_confirm)
		printf("the previous policy comes back in %u seconds unless 'imgsecctl confirm' is run\n",
		       a->confirm_secs);
	ret = CTL_EXIT_OK;
out:
	free(buf);
	genl_close(&g);
	imgsec_policy_desc_release(&p);
	return ret;
}

static int cmd_show(const struct ctl_args *a)
{
	struct policy_dump d;
	struct genl g;
	int ret;

	ret = open_module(&g, "show");
	if (ret)
		return ret;
	policy_dump_init(&d);
	ret = fetch_policy(&g, &d, "show");
	if (ret)
		goto out;
	if (a->json)
		output_policy_json(stdout, &d);
	else if (!d.active)
		printf("no policy set: all traffic passes\n");
	else if (policy_print(stdout, &d.desc)) {
		error("show: the kernel's policy cannot be printed");
		ret = CTL_EXIT_FAILED;
	}
out:
	policy_dump_release(&d);
	genl_close(&g);
	return ret;
}

static int cmd_stats(const struct ctl_args *a)
{
	struct imgsec_stats s;
	struct policy_dump d;
	struct genl g;
	int ret;

	ret = open_module(&g, "stats");
	if (ret)
		return ret;
	memset(&s, 0, sizeof(s));
	policy_dump_init(&d);
	if (simple_request(&g, IMGSEC_CMD_GET_STATS, stats_parse, &s)) {
		ret = kernel_error(&g, "stats", "cannot read the counters",
				   NULL);
		goto out;
	}
	ret = fetch_policy(&g, &d, "stats");
	if (ret && (g.error.err == EPERM || g.error.err == EACCES)) {
		/* Reading rules needs CAP_NET_ADMIN, counters do not. */
		policy_dump_release(&d);
		output_stats(stdout, &s, NULL, a->json);
	} else if (!ret) {
		output_stats(stdout, &s, &d, a->json);
	}
out:
	policy_dump_release(&d);
	genl_close(&g);
	return ret;
}

static volatile sig_atomic_t stop_monitor;

static void on_signal(int sig)
{
	stop_monitor = 1;
}

/* What monitor keeps while it listens. */
struct monitor {
	const struct ctl_args *a;
	struct genl g;
	bool listening;		/* the family is there, its group joined */
	bool failed;		/* said why in a callback: stop */
	bool count_drops;	/* SO_MEMINFO tells the socket's drops */
	uint32_t drops;		/* as it said last */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Notes go with the events in JSON, to standard error in text. */
static void monitor_note(const struct monitor *m, enum monitor_note note,
			 uint64_t lost)
{
	output_monitor_note(m->a->json ? stdout : stderr, note, lost, now_ns(),
			    m->a->json);
	fflush(m->a->json ? stdout : stderr);
}

/*
 * The family is registered as @fi (again, or under a new id): listen to
 * its events group. Its id and the group's change when the module is
 * loaded again; the kernel dropped the old membership with the family.
 */
static int monitor_listen(struct monitor *m,
			  const struct genl_family_info *fi)
{
	int ret;

	genl_use_family(&m->g, fi);
	ret = genl_join_group(&m->g, IMGSEC_MCGRP_EVENTS);
	if (ret) {
		error("monitor: cannot listen to the module's events: %s",
		      ret == -ENOENT ? "it has no \"" IMGSEC_MCGRP_EVENTS "\" group" :
		      genl_strerror(-ret));
		return CTL_EXIT_FAILED;
	}
	m->listening = true;
	return CTL_EXIT_OK;
}

/*
 * Check what a notification may have said, from the kernel's list of
 * families: after an overrun (one may be lost), and once at the start
 * (the module may have gone between the lookup and the subscription).
 * A dump, not a lookup by name: that would load the module again.
 */
/* The id of the events group among @groups, or 0. */
static uint32_t group_id(const struct genl_group *groups, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && i < GENL_MAX_GROUPS; i++)
		if (!strcmp(groups[i].name, IMGSEC_MCGRP_EVENTS))
			return groups[i].id;
	return 0;
}

static int monitor_resync(struct monitor *m)
{
	struct genl_family_info fi;
	bool same;
	int ret;

	ret = genl_family_lookup(IMGSEC_GENL_NAME, &fi);
	if (ret < 0) {
		error("monitor: cannot list the kernel's netlink families: %s",
		      genl_strerror(-ret));
		return CTL_EXIT_FAILED;
	}
	if (!ret) {
		if (m->listening) {
			m->listening = false;
			monitor_note(m, MONITOR_NOTE_UNLOADED, 0);
		}
		return CTL_EXIT_OK;
	}
	/*
	 * Joined again even when nothing seems to have changed: the module
	 * may have been reloaded under the same family id while the
	 * notifications were lost, and the kernel then dropped the
	 * membership. Joining twice is harmless.
	 */
	same = m->listening && fi.id == m->g.family &&
	       group_id(fi.groups, fi.ngroups) ==
	       group_id(m->g.groups, m->g.ngroups);
	ret = monitor_listen(m, &fi);
	if (!ret && !same)
		monitor_note(m, MONITOR_NOTE_LOADED, 0);
	return ret;
}

/* nlctrl's news: our family registered or gone. */
static int monitor_ctrl(struct monitor *m, const struct nlmsghdr *nlh)
{
	struct genl_family_info fi;
	uint8_t cmd;

	if (genl_ctrl_parse(nlh, &cmd, &fi) ||
	    strcmp(fi.name, IMGSEC_GENL_NAME))
		return MNL_CB_OK;
	if (cmd == CTRL_CMD_DELFAMILY && m->listening) {
		m->listening = false;
		monitor_note(m, MONITOR_NOTE_UNLOADED, 0);
	} else if (cmd == CTRL_CMD_NEWFAMILY && fi.id) {
		if (m->listening && fi.id == m->g.family)
			return MNL_CB_OK;
		if (monitor_listen(m, &fi)) {
			m->failed = true;
			errno = ECANCELED;
			return MNL_CB_ERROR;
		}
		monitor_note(m, MONITOR_NOTE_LOADED, 0);
	}
	return MNL_CB_OK;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *m = data;
	struct imgsec_event ev;
	int ret;

	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return monitor_ctrl(m, nlh);
	if (!m->listening || nlh->nlmsg_type != m->g.family)
		return MNL_CB_OK;	/* the family that went away */
	ret = event_parse(nlh, &ev);
	if (ret == -ENOENT)
		return MNL_CB_OK;	/* not an event */
	if (ret) {
		error("monitor: an event was not understood; skipped");
	} else {
		/* An older module does not say when: now, then. */
		if (!ev.has_time) {
			ev.has_time = true;
			ev.time_ns = now_ns();
		}
		output_event(stdout, &ev, m->a->json);
	}
	/* Live, also into a pipe or a file. */
	fflush(stdout);
	return MNL_CB_OK;
}

/* The receive buffer overran: say how much was lost, and catch up. */
static int monitor_overrun(struct monitor *m)
{
	uint32_t drops = 0, lost = 0;

	if (m->count_drops && !genl_drops(&m->g, &drops)) {
		lost = drops - m->drops;
		m->drops = drops;
	}
	monitor_note(m, MONITOR_NOTE_LOST, lost);
	return monitor_resync(m);
}

static int cmd_monitor(const struct ctl_args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor m = { .a = a };
	sigset_t block, orig;
	struct pollfd pfd;
	int ret;

	ret = open_module(&m.g, "monitor");
	if (ret)
		return ret;
	/* First the news of families, so that none is missed after. */
	ret = genl_join_ctrl_notify(&m.g);
	if (ret)
		error("monitor: warning: cannot follow the module being unloaded and loaded again: %s",
		      genl_strerror(-ret));
	ret = genl_join_group(&m.g, IMGSEC_MCGRP_EVENTS);
	if (ret) {
		error("monitor: cannot listen to the module's events: %s",
		      ret == -ENOENT ? "it has no \"" IMGSEC_MCGRP_EVENTS "\" group" :
		      genl_strerror(-ret));
		genl_close(&m.g);
		return CTL_EXIT_FAILED;
	}
	m.listening = true;
	m.count_drops = !genl_drops(&m.g, &m.drops);
	ret = monitor_resync(&m);
	if (ret) {
		genl_close(&m.g);
		return ret;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Signals are only let in while waiting, so none is missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = mnl_socket_get_fd(m.g.nl);
	pfd.events = POLLIN;
	ret = CTL_EXIT_OK;
	while (!stop_monitor) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			error("monitor: %s", strerror(errno));
			ret = CTL_EXIT_FAILED;
			break;
		}
		ret = genl_recv_events(&m.g, event_cb, &m);
		if (ret == -ENOBUFS) {
			ret = monitor_overrun(&m);
			if (ret)
				break;
		} else if (ret && ret != -EINTR) {
			if (!m.failed)
				error("monitor: %s", genl_strerror(-ret));
			ret = CTL_EXIT_FAILED;
			break;
		}
		ret = CTL_EXIT_OK;
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	genl_close(&m.g);
	return ret;
}

static int cmd_flush(const struct ctl_args *a)
{
	struct genl g;
	int ret;

	ret = open_module(&g, "flush");
	if (ret)
		return ret;
	if (simple_request(&g, IMGSEC_CMD_FLUSH, NULL, NULL)) {
		ret = kernel_error(&g, "flush", "cannot remove the policy",
				   NULL);
	} else {
		printf("policy removed: all traffic passes\n");
	}
	genl_close(&g);
	return ret;
}

static int cmd_confirm(const struct ctl_args *a)
{
	struct genl g;
	int ret;

	ret = open_module(&g, "confirm");
	if (ret)
		return ret;
	if (simple_request(&g, IMGSEC_CMD_CONFIRM, NULL, NULL)) {
		if (g.error.err == ENOENT && !g.error.msg[0]) {
			error("confirm: no policy is waiting for confirmation");
			ret = CTL_EXIT_FAILED;
		} else {
			ret = kernel_error(&g, "confirm",
					   "cannot confirm the policy", NULL);
		}
	} else {
		printf("policy confirmed: it will not be reverted\n");
	}
	genl_close(&g);
	return ret;
}

static int cmd_rpc(const struct ctl_args *a)
{
	char buf[512];
	struct imgsec_rpc_settings rpc;
	struct nlmsghdr *nlh;
	struct genl g;
	int ret;

	ret = open_module(&g, "rpc");
	if (ret)
		return ret;
	if (a->has_timeout || a->has_programs) {
		memset(&rpc, 0, sizeof(rpc));
		rpc.has_timeout = a->has_timeout;
		rpc.timeout_secs = a->timeout_secs;
		rpc.has_programs = a->has_programs;
		rpc.nprograms = a->nprograms;
		memcpy(rpc.programs, a->programs, sizeof(rpc.programs));
		nlh = genl_msg_start(&g, buf, sizeof(buf), IMGSEC_CMD_SET_RPC,
				     0);
		if (rpc_settings_put(nlh, sizeof(buf), &rpc)) {
			error("rpc: too many settings for one message");
			ret = CTL_EXIT_FAILED;
			goto out;
		}
		if (genl_request(&g, nlh, NULL, NULL)) {
			ret = kernel_error(&g, "rpc",
					   "kernel refused the settings", NULL);
			goto out;
		}
	}
	memset(&rpc, 0, sizeof(rpc));
	if (simple_request(&g, IMGSEC_CMD_GET_RPC, rpc_settings_parse, &rpc)) {
		ret = kernel_error(&g, "rpc", "cannot read the settings",
				   NULL);
		goto out;
	}
	output_rpc(stdout, &rpc, a->json);
out:
	genl_close(&g);
	return ret;
}

static int (*const run_cmd[__CTL_CMD_COUNT])(const struct ctl_args *) = {
	[CTL_CMD_STATUS] = cmd_status,
	[CTL_CMD_SET_POLICY] = cmd_set_policy,
	[CTL_CMD_CHECK] = cmd_check,
	[CTL_CMD_SHOW] = cmd_show,
	[CTL_CMD_STATS] = cmd_stats,
	[CTL_CMD_MONITOR] = cmd_monitor,
	[CTL_CMD_FLUSH] = cmd_flush,
	[CTL_CMD_CONFIRM] = cmd_confirm,
	[CTL_CMD_RPC] = cmd_rpc,
	[CTL_CMD_DIFF] = cmd_diff,
};

int main(int argc, char **argv)
{
	struct ctl_args a;
	char err[256];
	int ret;

	ret = ctl_parse_args(argc, argv, &a, err, sizeof(err));
	if (ret) {
		error("%s", err);
		if (a.cmd != CTL_CMD_NONE)
			fprintf(stderr, "Try 'imgsecctl %s --help'.\n",
				ctl_cmd_name(a.cmd));
		else
			fprintf(stderr, "Try 'imgsecctl --help'.\n");
		return ret;
	}
	if (a.help)
		print_help(stdout, a.cmd);
	else if (a.version)
		printf("imgsecctl %s\n", IMGSEC_VERSION);
	else
		ret = run_cmd[a.cmd](&a);
	if (fflush(stdout) || ferror(stdout)) {
		error("cannot write the output");
		return CTL_EXIT_FAILED;
	}
	return ret;
}
