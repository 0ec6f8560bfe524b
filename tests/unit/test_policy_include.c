// sources: userspace/policy_file.c userspace/policy_print.c module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * imgsec.conf(5) across files: "include FILE" and "include DIR/PATTERN",
 * relative paths, errors and warnings that name the included file, loops,
 * depth and size limits; and the built-in role "self", with the host's
 * addresses replaced by a fixed list. Files live in a temporary directory
 * that each test makes the current one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "../../userspace/policy_file.h"

#define FLEET TEST_DATA_DIR "/../../doc/examples/fleet/imgsec.conf"

static char tmpdir[64];
static char oldcwd[4096];

static struct imgsec_prefix self_addrs[2];

static const struct policy_parse_opts fixed = {
	.fixed_self = true, .self_addrs = self_addrs, .nself = 2,
};

static void make_self_addrs(void)
{
	self_addrs[0].family = AF_INET;
	self_addrs[0].plen = 32;
	inet_pton(AF_INET, "192.0.2.10", self_addrs[0].addr);
	self_addrs[1].family = AF_INET6;
	self_addrs[1].plen = 128;
	inet_pton(AF_INET6, "2001:db8::10", self_addrs[1].addr);
}

/* A fresh temporary directory, made the current one. */
static void enter_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/imgsec-include-XXXXXX");
	if (!mkdtemp(tmpdir) || chdir(tmpdir)) {
		perror(tmpdir);
		exit(1);
	}
}

static void leave_tmpdir(void)
{
	char cmd[128];

	if (chdir(oldcwd))
		perror(oldcwd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* Write @text to @path (relative to the temporary directory). */
static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void dir(const char *path)
{
	if (mkdir(path, 0755)) {
		perror(path);
		exit(1);
	}
}

static int parse_file(const char *path, struct imgsec_policy_desc *d,
		      struct policy_diag *diag)
{
	return policy_parse_file_opts(path, &fixed, d, diag);
}

static int role_index(const struct imgsec_policy_desc *d, const char *name)
{
	u32 i;

	for (i = 0; i < d->nroles; i++)
		if (!strcmp(d->roles[i].name, name))
			return i;
	return -1;
}

/* The text of prefix @i of role @name, "" if there is none. */
static const char *addr_of(const struct imgsec_policy_desc *d,
			   const char *name, u32 i)
{
	static char buf[INET6_ADDRSTRLEN];
	int r = role_index(d, name);

	buf[0] = '\0';
	if (r >= 0 && i < d->roles[r].nprefixes)
		inet_ntop(d->roles[r].prefixes[i].family,
			  d->roles[r].prefixes[i].addr, buf, sizeof(buf));
	return buf;
}

/* Parse @path, expecting an error with message @msg. */
static void expect_error(const char *path, const char *msg)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	CHECK_EQ(parse_file(path, &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, msg), "got:  %s\nwant: %s", diag.msg, msg);
	CHECK(!d.nroles && !d.nrules, "a failed parse left a policy");
}

/* --- include ------------------------------------------------------------ */

static void test_include_file(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	enter_tmpdir();
	put("main.conf", "mode monitor\ninclude roles.conf\n"
	    "allow ops -> ops tcp 22\n");
	put("roles.conf", "# the site\nrole ops 192.0.2.1\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), 0);
	CHECK(d.nroles == 1 && d.nrules == 1 && d.mode == 1, "%u roles",
	      d.nroles);
	CHECK(!strcmp(addr_of(&d, "ops", 0), "192.0.2.1"), "ops");
	CHECK(diag.nwarnings == 0, "%s", diag.warnings[0]);
	imgsec_policy_desc_release(&d);
	leave_tmpdir();
}

/* Files of a glob in strcmp() order; directories and dot files left out. */
static void test_include_glob_order(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	enter_tmpdir();
	dir("roles.d");
	dir("roles.d/sub.conf");
	put("main.conf", "include roles.d/*.conf\nallow ops -> ops tcp 22\n");
	put("roles.d/b.conf", "role ops 192.0.2.2\n");
	put("roles.d/a.conf", "role ops 192.0.2.1\n");
	put("roles.d/B.conf", "role ops 192.0.2.3\n");
	put("roles.d/.hidden.conf", "role ops 192.0.2.4\n");
	put("roles.d/a.conf~", "role ops 192.0.2.5\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), 0);
	CHECK_EQ(d.nroles > 0 ? d.roles[0].nprefixes : 0, 3);
	CHECK(!strcmp(addr_of(&d, "ops", 0), "192.0.2.3"), "B first");
	CHECK(!strcmp(addr_of(&d, "ops", 1), "192.0.2.1"), "then a");
	CHECK(!strcmp(addr_of(&d, "ops", 2), "192.0.2.2"), "then b");
	imgsec_policy_desc_release(&d);
	leave_tmpdir();
}

static void test_include_glob_empty(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	enter_tmpdir();
	dir("roles.d");
	put("main.conf", "include roles.d/*.conf\ninclude absent.d/*.conf\n"
	    "role a 192.0.2.1\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), 0);
	CHECK_EQ(d.nroles, 1);
	imgsec_policy_desc_release(&d);
	leave_tmpdir();
}

static void test_include_missing(void)
{
	enter_tmpdir();
	put("main.conf", "role a 192.0.2.1\ninclude site.conf\n");
	expect_error("main.conf",
		     "main.conf:2:9: cannot read \"site.conf\": No such file or directory");
	put("main.conf", "include roles.d\n");
	dir("roles.d");
	expect_error("main.conf",
		     "main.conf:1:9: \"roles.d\" is not a file (a directory: include DIR/*.conf)");
	put("main.conf", "include\n");
	expect_error("main.conf",
		     "main.conf:1:8: expected a file name after \"include\", got end of line");
	put("main.conf", "include a.conf b.conf\n");
	expect_error("main.conf",
		     "main.conf:1:16: expected end of line after the file name, got \"b.conf\"");
	put("main.conf", "include */a.conf\n");
	expect_error("main.conf",
		     "main.conf:1:9: a wildcard may only be in the last part of the path");
	leave_tmpdir();
}

static void test_include_loop(void)
{
	struct policy_diag diag;
	struct imgsec_policy_desc d;

	enter_tmpdir();
	put("main.conf", "include a.conf\n");
	put("a.conf", "role a 192.0.2.1\ninclude main.conf\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "a.conf:2:9: \"main.conf\" includes itself (an include loop)"),
	      "%s", diag.msg);
	CHECK(!strcmp(diag.context, "included from main.conf:1"), "%s",
	      diag.context);
	put("main.conf", "include main.conf\n");
	expect_error("main.conf",
		     "main.conf:1:9: \"main.conf\" includes itself (an include loop)");
	/*
	 * The same file twice, not inside itself, is no loop: it is read
	 * twice, and its addresses are then written twice.
	 */
	put("main.conf", "include a.conf\ninclude a.conf\n");
	put("a.conf", "role a 192.0.2.1\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "a.conf:1:8: duplicate prefix in role \"a\" (first on a.conf:1)"),
	      "%s", diag.msg);
	CHECK(!strcmp(diag.context, "included from main.conf:2"), "%s",
	      diag.context);
	put("a.conf", "allow a -> a tcp 22\n");
	put("main.conf", "role a 192.0.2.1\ninclude a.conf\ninclude a.conf\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), 0);
	CHECK(d.nrules == 2 && diag.nwarnings == 1, "%u rules", d.nrules);
	imgsec_policy_desc_release(&d);
	leave_tmpdir();
}

static void test_include_depth(void)
{
	char name[32], text[48];
	int i;

	enter_tmpdir();
	for (i = 0; i <= POLICY_INCLUDE_DEPTH; i++) {
		snprintf(name, sizeof(name), "%d.conf", i);
		snprintf(text, sizeof(text), "include %d.conf\n", i + 1);
		put(name, text);
	}
	snprintf(name, sizeof(name), "%d.conf", POLICY_INCLUDE_DEPTH + 1);
	put(name, "role a 192.0.2.1\n");
	expect_error("0.conf", "8.conf:1:9: includes nested more than 8 deep");
	/* One level less is fine. */
	put("0.conf", "include 2.conf\n");
	{
		struct imgsec_policy_desc d;
		struct policy_diag diag;

		CHECK_EQ(parse_file("0.conf", &d, &diag), 0);
		imgsec_policy_desc_release(&d);
	}
	leave_tmpdir();
}

static void test_include_error_inside(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	enter_tmpdir();
	dir("roles.d");
	put("main.conf", "role a 192.0.2.1\n\ninclude roles.d/*.conf\n");
	put("roles.d/site.conf", "# site\nrole b 192.0.2.300\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "roles.d/site.conf:2:8: expected an IPv4 or IPv6 address or prefix, got \"192.0.2.300\""),
	      "%s", diag.msg);
	CHECK(diag.line == 2 && diag.col == 8, "%u:%u", diag.line, diag.col);
	f = open_memstream(&text, &len);
	REQUIRE(f, "open_memstream");
	policy_diag_print(f, &diag);
	fclose(f);
	CHECK(!strcmp(text, "roles.d/site.conf:2:8: expected an IPv4 or IPv6 address or prefix, got \"192.0.2.300\"\n"
		      "  role b 192.0.2.300\n"
		      "         ^\n"
		      "  (included from main.conf:3)\n"), "%s", text);
	free(text);
	/* Settings belong to the top file. */
	put("roles.d/site.conf", "default reject\n");
	expect_error("main.conf",
		     "roles.d/site.conf:1:1: \"default\" may only be set in the top file, main.conf, not in an included one");
	/* A verdict of the final checks points into the included file. */
	put("roles.d/site.conf", "role b 192.0.2.1\nrole b 192.0.2.1\n");
	expect_error("main.conf",
		     "roles.d/site.conf:2:8: duplicate prefix in role \"b\" (first on line 1)");
	put("main.conf", "include roles.d/*.conf\nrole b 192.0.2.1\n");
	put("roles.d/site.conf", "role b 192.0.2.1\n");
	expect_error("main.conf",
		     "main.conf:2:8: duplicate prefix in role \"b\" (first on roles.d/site.conf:1)");
	leave_tmpdir();
}

static void test_include_warnings(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	enter_tmpdir();
	put("main.conf", "role a 192.0.2.0/24\ninclude more.conf\n"
	    "allow a -> a tcp 22\n");
	put("more.conf", "role a 192.0.2.7\nallow a -> a tcp ssh\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), 0);
	CHECK_EQ(diag.nwarnings, 2);
	CHECK(!strcmp(diag.warnings[0], "main.conf:3:1: the same rule as more.conf:2"),
	      "%s", diag.warnings[0]);
	CHECK(!strcmp(diag.warnings[1], "more.conf:1:8: 192.0.2.7 is inside 192.0.2.0/24 (main.conf:1) of role \"a\""),
	      "%s", diag.warnings[1]);
	imgsec_policy_desc_release(&d);
	leave_tmpdir();
}

/* Roles in reading order: a rule sees only roles of the lines before it. */
static void test_include_order(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	enter_tmpdir();
	put("main.conf", "role a 192.0.2.1\ninclude more.conf\n"
	    "allow b -> a tcp 22\n");
	put("more.conf", "role b 192.0.2.2\nallow a -> b tcp 22\n");
	CHECK_EQ(parse_file("main.conf", &d, &diag), 0);
	CHECK(d.nrules == 2 && d.rules[0].from == 0 && d.rules[1].from == 1,
	      "rules");
	imgsec_policy_desc_release(&d);
	put("main.conf", "allow b -> b tcp 22\ninclude more.conf\n");
	put("more.conf", "role b 192.0.2.2\n");
	expect_error("main.conf",
		     "main.conf:1:7: unknown role \"b\" (no role is defined above this line)");
	leave_tmpdir();
}

/* Relative to the including file's directory; absolute paths as they are. */
static void test_include_relative(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	char abs[128], text[160];

	enter_tmpdir();
	dir("etc");
	dir("etc/sub");
	put("etc/main.conf", "include sub/inner.conf\n");
	put("etc/sub/inner.conf", "include \"my roles.conf\"\n");
	put("etc/sub/my roles.conf", "role x 192.0.2.1\n");
	snprintf(abs, sizeof(abs), "%s/etc/abs.conf", tmpdir);
	put("etc/abs.conf", "role y 192.0.2.2\n");
	snprintf(text, sizeof(text), "include %s\n", abs);
	put("etc/sub/my roles.conf", text);
	CHECK_EQ(parse_file("etc/main.conf", &d, &diag), 0);
	CHECK(d.nroles == 1 && !strcmp(d.roles[0].name, "y"), "%s", diag.msg);
	imgsec_policy_desc_release(&d);
	put("etc/sub/my roles.conf", "role x 192.0.2.1 bad\n");
	expect_error("etc/main.conf",
		     "etc/sub/my roles.conf:1:18: expected an IPv4 or IPv6 address or prefix, got \"bad\"");
	leave_tmpdir();
}

/* Standard input: includes are relative to the current directory. */
static void test_include_stdin(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	int fd, saved = dup(0);

	enter_tmpdir();
	dir("etc");
	put("etc/main.conf", "include roles.conf\nallow a -> a tcp 22\n");
	put("etc/roles.conf", "role a 192.0.2.1\n");
	put("roles.conf", "role a 192.0.2.9\n");
	fd = open("etc/main.conf", O_RDONLY);
	REQUIRE(fd >= 0 && saved >= 0 && dup2(fd, 0) == 0, "dup2");
	close(fd);
	clearerr(stdin);
	CHECK_EQ(parse_file("-", &d, &diag), 0);
	CHECK(!strcmp(addr_of(&d, "a", 0), "192.0.2.9"), "%s",
	      addr_of(&d, "a", 0));
	imgsec_policy_desc_release(&d);
	dup2(saved, 0);
	close(saved);
	clearerr(stdin);
	leave_tmpdir();
}

/* A buffer has no directory: no includes, unless one is given. */
static void test_include_buffer(void)
{
	static const char text[] = "include roles.conf\n";
	struct policy_parse_opts o = fixed;
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	CHECK_EQ(policy_parse_buffer("t.conf", text, strlen(text), &d, &diag),
		 -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:1:1: include works in a policy file, not here"),
	      "%s", diag.msg);
	enter_tmpdir();
	dir("x");
	put("x/roles.conf", "role a 192.0.2.1\n");
	o.include_dir = "x";
	CHECK_EQ(policy_parse_buffer_opts("t.conf", text, strlen(text), &o,
					  &d, &diag), 0);
	CHECK_EQ(d.nroles, 1);
	imgsec_policy_desc_release(&d);
	leave_tmpdir();
}

static void test_include_too_big(void)
{
	int fd;

	enter_tmpdir();
	put("main.conf", "# big\ninclude big.conf\n");
	fd = open("big.conf", O_WRONLY | O_CREAT, 0644);
	REQUIRE(fd >= 0 && ftruncate(fd, POLICY_FILE_MAX) == 0, "big.conf");
	close(fd);
	expect_error("main.conf",
		     "main.conf:2:9: with \"big.conf\" the policy is larger than 16 MiB");
	leave_tmpdir();
}

/* --- self ----------------------------------------------------------------- */

static int parse_text(const char *text, struct imgsec_policy_desc *d,
		      struct policy_diag *diag)
{
	return policy_parse_buffer_opts("t.conf", text, strlen(text), &fixed,
					d, diag);
}

static void test_self_fixed(void)
{
	struct imgsec_policy_desc d, again;
	struct policy_diag diag;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	CHECK_EQ(parse_text("role ops 192.0.2.1\nallow ops -> self tcp 22\n"
			    "allow self -> ops udp 161\n", &d, &diag), 0);
	CHECK(d.nroles == 2 && !strcmp(d.roles[1].name, "self"), "roles");
	CHECK(!strcmp(addr_of(&d, "self", 0), "192.0.2.10"), "v4");
	CHECK(!strcmp(addr_of(&d, "self", 1), "2001:db8::10"), "v6");
	CHECK(d.nrules == 2 && d.rules[0].to == 1 && d.rules[1].from == 1,
	      "rules");
	/* Printed, self is a role like any other, and parses back. */
	f = open_memstream(&text, &len);
	REQUIRE(f, "open_memstream");
	CHECK_EQ(policy_print(f, &d), 0);
	fclose(f);
	CHECK(strstr(text, "role self 192.0.2.10 2001:db8::10\n") != NULL,
	      "%s", text);
	CHECK_EQ(policy_parse_buffer("p", text, strlen(text), &again, &diag),
		 0);
	CHECK(policy_desc_equal(&d, &again), "round trip");
	imgsec_policy_desc_release(&again);
	imgsec_policy_desc_release(&d);
	free(text);
}

/* A "role self" line before any use makes self an ordinary role. */
static void test_self_written(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	CHECK_EQ(parse_text("role self 198.51.100.1\nrole self 198.51.100.2\n"
			    "allow self -> self tcp 22\n", &d, &diag), 0);
	CHECK(d.nroles == 1 && d.roles[0].nprefixes == 2, "%u roles",
	      d.nroles);
	CHECK(!strcmp(addr_of(&d, "self", 0), "198.51.100.1"), "written");
	imgsec_policy_desc_release(&d);
	CHECK_EQ(parse_text("role a 192.0.2.1\nallow a -> self tcp 22\n"
			    "role self 198.51.100.1\n", &d, &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:3:6: role \"self\" is built in, filled with this host's addresses on line 2: a \"role self\" line must come before the first rule that uses self"),
	      "%s", diag.msg);
}

/* An error about self points at the rule that filled it. */
static void test_self_errors(void)
{
	static const char text[] = "role a 192.0.2.1\nallow a -> self tcp 22\n";
	struct policy_parse_opts o = fixed;
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	struct imgsec_prefix twice[2];

	twice[0] = self_addrs[0];
	twice[1] = self_addrs[0];
	o.self_addrs = twice;
	CHECK_EQ(policy_parse_buffer_opts("t.conf", text, strlen(text), &o, &d,
					  &diag), -EINVAL);
	CHECK(!strcmp(diag.msg, "t.conf:2:12: duplicate prefix in role \"self\" (first on line 2)"),
	      "%s", diag.msg);
	o.nself = 0;
	CHECK_EQ(policy_parse_buffer_opts("t.conf", text, strlen(text), &o, &d,
					  &diag), 0);
	CHECK(diag.nwarnings == 1 &&
	      !strcmp(diag.warnings[0], "t.conf:2:12: role \"self\" is empty: this host has no addresses but loopback ones"),
	      "%s", diag.warnings[0]);
	imgsec_policy_desc_release(&d);
}

/* Without a fixed list, self is what policy_host_addrs() says. */
static void test_self_host(void)
{
	static const char text[] = "role a 192.0.2.1\nallow a -> self tcp 22\n";
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	struct imgsec_prefix *host;
	u32 n, i;
	int r;

	REQUIRE(policy_host_addrs(&host, &n) == 0, "getifaddrs");
	for (i = 0; i < n; i++) {
		const u8 *a = host[i].addr;

		CHECK(host[i].family == AF_INET ? a[0] != 127 && host[i].plen == 32 :
		      host[i].family == AF_INET6 && host[i].plen == 128 &&
		      !IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a),
		      "address %u", i);
		CHECK(!i || memcmp(&host[i - 1], &host[i], sizeof(*host)),
		      "repeated");
	}
	r = policy_parse_buffer("t.conf", text, strlen(text), &d, &diag);
	CHECK(r == 0, "%s", diag.msg);
	if (!r) {
		r = role_index(&d, "self");
		CHECK(r >= 0 && d.roles[r].nprefixes == n &&
		      (!n || !memcmp(d.roles[r].prefixes, host,
				     n * sizeof(*host))), "self");
		imgsec_policy_desc_release(&d);
	}
	free(host);
}

/* The fleet example: rules, roles.d/site.conf, self. */
static void test_fleet_example(void)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;

	CHECK_EQ(parse_file(FLEET, &d, &diag), 0);
	CHECK(diag.msg[0] == '\0' && diag.nwarnings == 0, "%s %s", diag.msg,
	      diag.warnings[0]);
	CHECK(role_index(&d, "img") >= 0 && role_index(&d, "clientview") >= 0 &&
	      role_index(&d, "support") >= 0, "site roles");
	CHECK(!strcmp(addr_of(&d, "self", 0), "192.0.2.10"), "self");
	CHECK(d.nrules > 10, "%u rules", d.nrules);
	imgsec_policy_desc_release(&d);
}

int main(void)
{
	if (!getcwd(oldcwd, sizeof(oldcwd)))
		return 1;
	make_self_addrs();
	RUN(test_include_file);
	RUN(test_include_glob_order);
	RUN(test_include_glob_empty);
	RUN(test_include_missing);
	RUN(test_include_loop);
	RUN(test_include_depth);
	RUN(test_include_error_inside);
	RUN(test_include_warnings);
	RUN(test_include_order);
	RUN(test_include_relative);
	RUN(test_include_stdin);
	RUN(test_include_buffer);
	RUN(test_include_too_big);
	RUN(test_self_fixed);
	RUN(test_self_written);
	RUN(test_self_errors);
	RUN(test_self_host);
	RUN(test_fleet_example);
	return test_summary();
}
