// sources: userspace/lockout.c userspace/policy_file.c userspace/policy_print.c module/classify.c module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * The lockout checks behind "set-policy refuses without --force": each case
 * a policy and an SSH_CONNECTION, and what the check must find.
 */
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../userspace/lockout.h"
#include "../../userspace/policy_file.h"
#include "test.h"

/* The shipped policy's roles: gcems 192.0.2.1, img .11 .12, clientview .21. */
static const char shipped[] = TEST_DATA_DIR "/../../etc/imgsec.conf";

static const char tiny[] =
	"mode enforce\n"
	"role gcems 192.0.2.1 2001:db8::1\n"
	"role admin 198.51.100.0/24 2001:db8:a::/48\n"
	"role img 192.0.2.11\n"
	"allow admin -> gcems tcp 22\n"
	"allow img -> gcems udp 111\n";

struct lockout_case {
	const char *name;
	const char *policy;	/* text, or NULL for the shipped file */
	const char *ssh;	/* SSH_CONNECTION, or NULL */
	bool no_rules, cut, unknown;
	const char *hint;	/* expected ssh_hint when cut */
};

static const struct lockout_case cases[] = {
	{ "empty enforce policy: no rule", "mode enforce\n", NULL,
	  true, false, false, NULL },
	{ "empty file (enforce by default): no rule", "", NULL,
	  true, false, false, NULL },
	{ "empty monitor policy: nothing is dropped", "mode monitor\n", NULL,
	  false, false, false, NULL },
	{ "no rule, over SSH: both findings", "role a 10.0.0.1\n",
	  "10.0.0.1 40000 10.0.0.2 22", true, true, false, "" },
	{ "not over SSH: no SSH check", tiny, NULL,
	  false, false, false, NULL },
	{ "admin peer allowed to port 22", tiny,
	  "198.51.100.9 51000 192.0.2.1 22", false, false, false, NULL },
	{ "admin peer over IPv6 allowed", tiny,
	  "2001:db8:a::5 51000 2001:db8::1 22", false, false, false, NULL },
	{ "img peer has no SSH rule: cut, hint names its roles", tiny,
	  "192.0.2.11 51000 192.0.2.1 22", false, true, false,
	  "allow img -> gcems tcp 22" },
	{ "sshd on port 2222 is not port 22: cut", tiny,
	  "198.51.100.9 51000 192.0.2.1 2222", false, true, false,
	  "allow admin -> gcems tcp 2222" },
	{ "peer in no role: cut, no rule to suggest", tiny,
	  "203.0.113.5 51000 192.0.2.1 22", false, true, false, "" },
	{ "IPv4-mapped peer counts as IPv4", tiny,
	  "::ffff:198.51.100.9 51000 ::ffff:192.0.2.1 22",
	  false, false, false, NULL },
	{ "IPv4-mapped peer not allowed: cut", tiny,
	  "::ffff:192.0.2.11 51000 ::ffff:192.0.2.1 22",
	  false, true, false, "allow img -> gcems tcp 22" },
	{ "link-local peer with a scope: parsed, cut", tiny,
	  "fe80::1%eth0 51000 fe80::2%eth0 22", false, true, false, "" },
	{ "SSH to this host's own address goes over lo: never filtered",
	  tiny, "192.0.2.1 51000 192.0.2.1 22", false, false, false, NULL },
	{ "loopback peer is never filtered", tiny,
	  "127.0.0.1 51000 127.0.0.1 22", false, false, false, NULL },
	{ "IPv6 loopback peer is never filtered", tiny,
	  "::1 51000 ::1 22", false, false, false, NULL },
	{ "monitor mode never cuts", "mode monitor\nrole a 10.0.0.1\n",
	  "10.9.9.9 1 10.0.0.1 22", false, false, false, NULL },
	{ "gateway placement leaves the host's own traffic alone",
	  "placement gateway\nrole a 10.0.0.1\nallow a -> a tcp 80\n",
	  "10.9.9.9 1 10.0.0.1 22", false, false, false, NULL },
	{ "reject default cuts as drop does",
	  "default reject\nrole a 10.0.0.1\nallow a -> a tcp 80\n",
	  "10.9.9.9 1 10.0.0.1 22", false, true, false, "" },
	{ "the rule is for udp 22: cut",
	  "role a 10.0.0.1 10.9.9.9\nallow a -> a udp 22\n",
	  "10.9.9.9 1 10.0.0.1 22", false, true, false,
	  "allow a -> a tcp 22" },
	{ "the rule is the other way round: cut",
	  "role s 10.0.0.1\nrole p 10.9.9.9\nallow s -> p tcp 22\n",
	  "10.9.9.9 1 10.0.0.1 22", false, true, false,
	  "allow p -> s tcp 22" },
	{ "a port range covering 22 allows it",
	  "role s 10.0.0.1\nrole p 10.9.9.0/24\nallow p -> s tcp 1-1024\n",
	  "10.9.9.9 1 10.0.0.1 22", false, false, false, NULL },
	{ "shipped policy: ClientView PC may SSH to GCEMS", NULL,
	  "192.0.2.21 40000 192.0.2.1 22", false, false, false, NULL },
	{ "shipped policy: ClientView PC over IPv6", NULL,
	  "2001:db8::21 40000 2001:db8::1 22", false, false, false, NULL },
	{ "shipped policy: an IMG may not SSH to GCEMS", NULL,
	  "192.0.2.11 40000 192.0.2.1 22", false, true, false,
	  "allow img -> gcems tcp 22" },
	{ "garbage SSH_CONNECTION: not checked, said", tiny, "junk",
	  false, false, true, NULL },
	{ "three fields: not understood", tiny, "198.51.100.9 51000 192.0.2.1",
	  false, false, true, NULL },
	{ "five fields: not understood", tiny,
	  "198.51.100.9 51000 192.0.2.1 22 x", false, false, true, NULL },
	{ "port 0: not understood", tiny, "198.51.100.9 51000 192.0.2.1 0",
	  false, false, true, NULL },
	{ "port 65536: not understood", tiny,
	  "198.51.100.9 51000 192.0.2.1 65536", false, false, true, NULL },
	{ "mixed families: not understood", tiny,
	  "198.51.100.9 51000 2001:db8::1 22", false, false, true, NULL },
};

static void run_case(const struct lockout_case *c)
{
	struct imgsec_policy_desc p;
	struct lockout_report r;
	struct policy_diag diag;
	int ret;

	test_begin("lockout: %s", c->name);
	if (c->policy)
		ret = policy_parse_buffer("t.conf", c->policy,
					  strlen(c->policy), &p, &diag);
	else
		ret = policy_parse_file(shipped, &p, &diag);
	CHECK_EQ(ret, 0);
	if (ret) {
		printf("FAIL: %s: %s\n", c->name, diag.msg);
		test_end();
		return;
	}
	CHECK_EQ(lockout_check(&p, c->ssh, NULL, 0, &r), 0);
	CHECK(r.no_rules == c->no_rules, "no_rules %d", r.no_rules);
	CHECK(r.ssh_cut == c->cut, "ssh_cut %d", r.ssh_cut);
	CHECK(r.ssh_unknown == c->unknown, "ssh_unknown %d", r.ssh_unknown);
	CHECK(lockout_found(&r) == (c->no_rules || c->cut), "found");
	if (c->cut)
		CHECK(!strcmp(r.ssh.hint, c->hint), "hint '%s'", r.ssh.hint);
	imgsec_policy_desc_release(&p);
	test_end();
}

/* The message names the peer, the address and port, and the hint. */
static void test_message(void)
{
	struct imgsec_policy_desc p;
	struct lockout_report r;
	struct policy_diag diag;
	char out[1024] = "";
	FILE *f;

	CHECK_EQ(policy_parse_buffer("t.conf", tiny, strlen(tiny), &p, &diag),
		 0);
	CHECK_EQ(lockout_check(&p, "192.0.2.11 5 192.0.2.1 22", NULL, 0, &r),
		 0);
	f = fmemopen(out, sizeof(out) - 1, "w");
	lockout_print(f, &r, "E: ");
	fclose(f);
	CHECK(!strcmp(out, "E: the policy drops new SSH connections from 192.0.2.11, the peer of this session (SSH_CONNECTION), to 192.0.2.1 port 22: add a rule such as \"allow img -> gcems tcp 22\"\n"),
	      "got '%s'", out);
	imgsec_policy_desc_release(&p);
}

/*
 * The sessions open to sshd, from /proc/net/tcp and tcp6 lines as the
 * kernel writes them (addresses as native-endian words).
 */
static void test_open_sessions(void)
{
	static const char tcp4[] =
		"  sl  local_address rem_address   st tx_queue rx_queue ...\n"
		/* 192.0.2.1:22 <- 198.51.100.9:40000, established */
		"   0: %08X:0016 %08X:9C40 01 00000000:00000000 00:00000000\n"
		/* the same but listening, and one to port 80 */
		"   1: %08X:0016 00000000:0000 0A 00000000:00000000 00:00000000\n"
		"   2: %08X:0050 %08X:9C41 01 00000000:00000000 00:00000000\n"
		/* 192.0.2.1:22 <- 192.0.2.11:40002 (an img), established */
		"   3: %08X:0016 %08X:9C42 01 00000000:00000000 00:00000000\n"
		"garbage\n";
	struct lockout_session s[8];
	struct imgsec_policy_desc p;
	struct lockout_report r;
	struct policy_diag diag;
	uint32_t g, a, i;
	char text[1024];
	size_t n;
	FILE *f;

	inet_pton(AF_INET, "192.0.2.1", &g);
	inet_pton(AF_INET, "198.51.100.9", &a);
	inet_pton(AF_INET, "192.0.2.11", &i);
	snprintf(text, sizeof(text), tcp4, g, a, g, g, a, g, i);
	f = fmemopen(text, strlen(text), "r");
	n = lockout_read_sessions(f, false, 22, s, 8);
	fclose(f);
	CHECK_EQ(n, 2);
	CHECK(s[0].family == 4 && s[0].port == 22 &&
	      !memcmp(s[0].peer, &a, 4) && !memcmp(s[0].local, &g, 4),
	      "first session");
	CHECK(n == 2 && !memcmp(s[1].peer, &i, 4), "second session");

	CHECK_EQ(policy_parse_buffer("t.conf", tiny, strlen(tiny), &p, &diag),
		 0);
	/* No SSH_CONNECTION (systemctl reload): the img session is cut. */
	CHECK_EQ(lockout_check(&p, NULL, s, n, &r), 0);
	CHECK(r.open_cut == 1 && !strcmp(r.open.peer, "192.0.2.11") &&
	      !strcmp(r.open.hint, "allow img -> gcems tcp 22"),
	      "open_cut %u peer %s", r.open_cut, r.open.peer);
	CHECK(lockout_found(&r), "found");
	CHECK_EQ(lockout_check(&p, NULL, s, 1, &r), 0);
	CHECK(!lockout_found(&r), "the admin session alone is let back");
	imgsec_policy_desc_release(&p);

	/* tcp6: a v4-mapped session counts as IPv4. */
	snprintf(text, sizeof(text),
		 "   0: 0000000000000000FFFF0000%08X:0016 0000000000000000FFFF0000%08X:9C40 01 0\n",
		 g, i);
	f = fmemopen(text, strlen(text), "r");
	n = lockout_read_sessions(f, true, 22, s, 8);
	fclose(f);
	CHECK(n == 1 && s[0].family == 4 && !memcmp(s[0].peer, &i, 4),
	      "mapped: n %zu family %u", n, n ? s[0].family : 0);
}

/*
 * sudo drops SSH_CONNECTION: it is found in an ancestor's environment.
 * This binary re-executes itself as "ancestor" with the variable, which
 * forks a child without it that looks it up.
 */
static int ancestor_main(void)
{
	char buf[128];
	const char *got;
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		unsetenv("SSH_CONNECTION");
		got = lockout_ssh_connection(buf, sizeof(buf));
		_exit(got && !strcmp(got, "192.0.2.9 1 192.0.2.1 22") ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 2;
	return WEXITSTATUS(status);
}

static void test_ancestor(void)
{
	char *const argv[] = { "test_lockout", "ancestor", NULL };
	static char pad[100000];
	char *const envp[] = { pad, "SSH_CONNECTION=192.0.2.9 1 192.0.2.1 22",
			       NULL };
	char buf[128];
	int status;
	pid_t pid;

	/* Past the first 64 KiB of the environment: read whole. */
	memset(pad, 'x', sizeof(pad) - 1);
	memcpy(pad, "PAD=", 4);
	unsetenv("SSH_CONNECTION");
	pid = fork();
	if (!pid) {
		execve("/proc/self/exe", argv, envp);
		_exit(3);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child did not find its parent's SSH_CONNECTION");

	setenv("SSH_CONNECTION", "own", 1);
	CHECK(!strcmp(lockout_ssh_connection(buf, sizeof(buf)), "own"),
	      "the process's own variable comes first");
	unsetenv("SSH_CONNECTION");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "ancestor"))
		return ancestor_main();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	RUN(test_message);
	RUN(test_open_sessions);
	RUN(test_ancestor);
	return test_summary();
}
