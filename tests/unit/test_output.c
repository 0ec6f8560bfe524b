// sources: userspace/output.c userspace/args.c userspace/lockout.c userspace/policy_file.c userspace/policy_print.c module/classify.c module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * imgsecctl's output (userspace/output.c): JSON string escaping, and the
 * exact text and JSON of status, show --json, stats (rule limits too), rpc
 * and monitor (limit events too).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "test.h"
#include "../../userspace/lockout.h"
#include "../../userspace/output.h"
#include "../../userspace/policy_file.h"

static char *out;
static size_t outlen;

static FILE *open_out(void)
{
	free(out);
	out = NULL;
	return open_memstream(&out, &outlen);
}

#define CHECK_OUT(expected)						\
	CHECK(out && !strcmp(out, expected), "got\n%s\nexpected\n%s",	\
	      out ? out : "(null)", expected)

static void json_str(const char *s)
{
	FILE *f = open_out();

	json_print_string(f, s);
	fclose(f);
}

static void test_json_escaping(void)
{
	json_str("img");
	CHECK_OUT("\"img\"");
	json_str("say \"hi\" \\ back/slash");
	CHECK_OUT("\"say \\\"hi\\\" \\\\ back/slash\"");
	json_str("a\nb\tc\rd\be\ff");
	CHECK_OUT("\"a\\nb\\tc\\rd\\be\\ff\"");
	json_str("\x01\x1f\x7f");
	CHECK_OUT("\"\\u0001\\u001f\\u007f\"");
	json_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK_OUT("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	json_str("\xff");
	CHECK_OUT("\"\\ufffd\"");
	json_str("\xc0\x80");		/* overlong NUL */
	CHECK_OUT("\"\\ufffd\\ufffd\"");
	json_str("\xed\xa0\x80");	/* a surrogate */
	CHECK_OUT("\"\\ufffd\\ufffd\\ufffd\"");
	json_str("x\xe2\x82");		/* cut short */
	CHECK_OUT("\"x\\ufffd\\ufffd\"");
	json_str("\xf4\x90\x80\x80");	/* above U+10FFFF */
	CHECK_OUT("\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	json_str("");
	CHECK_OUT("\"\"");
}

static void test_formats(void)
{
	struct imgsec_prefix p = { .family = AF_INET, .plen = 24,
				   .addr = { 192, 0, 2, 0 } };
	char buf[64];

	format_prefix(&p, buf, sizeof(buf));
	CHECK(!strcmp(buf, "192.0.2.0/24"), "%s", buf);
	p.family = AF_INET6;
	p.plen = 128;
	inet_pton(AF_INET6, "2001:db8::1", p.addr);
	format_prefix(&p, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2001:db8::1/128"), "%s", buf);
	p.family = 99;
	format_prefix(&p, buf, sizeof(buf));
	CHECK(!strcmp(buf, "?"), "%s", buf);
}

static void event(const struct imgsec_event *ev, bool json)
{
	FILE *f = open_out();

	output_event(f, ev, json);
	fclose(f);
}

static void test_events(void)
{
	struct imgsec_event ev = {
		.type = IMGSEC_EVENT_DROP, .family = AF_INET,
		.proto = IPPROTO_TCP, .has_saddr = true, .has_daddr = true,
		.saddr = { 192, 0, 2, 99 }, .daddr = { 192, 0, 2, 1 },
		.sport = 40000, .dport = 22,
	};

	event(&ev, false);
	CHECK_OUT("drop tcp 192.0.2.99:40000 -> 192.0.2.1:22\n");
	event(&ev, true);
	CHECK_OUT("{\"event\":\"drop\",\"family\":\"ipv4\",\"proto\":\"tcp\",\"saddr\":\"192.0.2.99\",\"sport\":40000,\"daddr\":\"192.0.2.1\",\"dport\":22}\n");
	ev.monitor = true;
	event(&ev, false);
	CHECK_OUT("would-drop tcp 192.0.2.99:40000 -> 192.0.2.1:22\n");

	memset(&ev, 0, sizeof(ev));
	ev.type = IMGSEC_EVENT_EXPECT;
	ev.family = AF_INET6;
	ev.proto = IPPROTO_UDP;
	ev.has_saddr = ev.has_daddr = true;
	inet_pton(AF_INET6, "2001:db8::11", ev.saddr);
	inet_pton(AF_INET6, "2001:db8::1", ev.daddr);
	ev.dport = 20048;
	ev.has_program = true;
	ev.program = 100005;
	event(&ev, false);
	CHECK_OUT("expect udp [2001:db8::11]:* -> [2001:db8::1]:20048 program 100005 (mount)\n");
	event(&ev, true);
	CHECK_OUT("{\"event\":\"expect\",\"family\":\"ipv6\",\"proto\":\"udp\",\"saddr\":\"2001:db8::11\",\"sport\":0,\"daddr\":\"2001:db8::1\",\"dport\":20048,\"program\":100005,\"program_name\":\"mount\"}\n");
	ev.program = 400000;
	event(&ev, true);
	CHECK(out && strstr(out, "\"program\":400000,\"program_name\":null}"),
	      "%s", out);

	memset(&ev, 0, sizeof(ev));
	ev.type = IMGSEC_EVENT_DROP;
	ev.family = AF_INET;
	ev.proto = IPPROTO_ICMP;
	ev.has_saddr = ev.has_daddr = true;
	event(&ev, false);
	CHECK_OUT("drop icmp 0.0.0.0 -> 0.0.0.0\n");
	ev.proto = 132 + 1;
	ev.type = 9;
	event(&ev, false);
	CHECK_OUT("event-9 133 0.0.0.0 -> 0.0.0.0\n");
}

/* 2026-03-01 13:05:09.042 UTC, and a bit. */
#define T_NS (1772370309ull * 1000000000 + 42999999)

static void test_event_times(void)
{
	char buf[48];

	setenv("TZ", "UTC0", 1);
	tzset();
	format_time_ns(T_NS, true, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2026-03-01T13:05:09.042Z"), "%s", buf);
	format_time_ns(T_NS, false, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2026-03-01T13:05:09.042+00:00"), "%s", buf);
	setenv("TZ", "XST-5:30", 1);	/* POSIX: 5:30 east of UTC */
	tzset();
	format_time_ns(T_NS, false, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2026-03-01T18:35:09.042+05:30"), "%s", buf);
	format_time_ns(T_NS, true, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2026-03-01T13:05:09.042Z"), "JSON is UTC: %s",
	      buf);
	setenv("TZ", "EST5", 1);
	tzset();
	format_time_ns(0, false, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1969-12-31T19:00:00.000-05:00"), "%s", buf);
	setenv("TZ", "UTC0", 1);
	tzset();
}

/* Time, device and generation: newer modules send them, older ones not. */
static void test_event_fields(void)
{
	struct imgsec_event ev = {
		.type = IMGSEC_EVENT_DROP, .family = AF_INET,
		.proto = IPPROTO_TCP, .has_saddr = true, .has_daddr = true,
		.saddr = { 192, 0, 2, 99 }, .daddr = { 192, 0, 2, 1 },
		.sport = 40000, .dport = 22,
		.has_time = true, .time_ns = T_NS,
		.has_ifindex = true, .ifindex = 2, .ifname = "eth0",
		.has_generation = true, .generation = 7,
	};

	setenv("TZ", "UTC0", 1);
	tzset();
	event(&ev, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 drop tcp 192.0.2.99:40000 -> 192.0.2.1:22 dev eth0 generation 7\n");
	event(&ev, true);
	CHECK_OUT("{\"event\":\"drop\",\"time\":\"2026-03-01T13:05:09.042Z\",\"family\":\"ipv4\",\"proto\":\"tcp\",\"saddr\":\"192.0.2.99\",\"sport\":40000,\"daddr\":\"192.0.2.1\",\"dport\":22,\"ifname\":\"eth0\",\"ifindex\":2,\"generation\":7}\n");

	/* The rate limit's summary: a line of its own, then the event. */
	ev.suppressed = 1500;
	ev.monitor = true;
	event(&ev, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 1500 events suppressed (over the rate limit)\n"
		  "2026-03-01T13:05:09.042+00:00 would-drop tcp 192.0.2.99:40000 -> 192.0.2.1:22 dev eth0 generation 7\n");
	event(&ev, true);
	CHECK_OUT("{\"event\":\"would-drop\",\"time\":\"2026-03-01T13:05:09.042Z\",\"family\":\"ipv4\",\"proto\":\"tcp\",\"saddr\":\"192.0.2.99\",\"sport\":40000,\"daddr\":\"192.0.2.1\",\"dport\":22,\"suppressed_before\":1500,\"ifname\":\"eth0\",\"ifindex\":2,\"generation\":7}\n");
	ev.suppressed = 1;
	event(&ev, false);
	CHECK(out && strstr(out, "+00:00 1 event suppressed (over the rate limit)\n"),
	      "%s", out);

	/* A device without its name: the index. An expectation: neither. */
	ev.suppressed = 0;
	ev.monitor = false;
	ev.ifname[0] = '\0';
	event(&ev, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 drop tcp 192.0.2.99:40000 -> 192.0.2.1:22 ifindex 2 generation 7\n");
	ev.type = IMGSEC_EVENT_EXPECT;
	ev.proto = IPPROTO_UDP;
	ev.sport = 0;
	ev.dport = 20048;
	ev.has_ifindex = false;
	ev.has_program = true;
	ev.program = 100005;
	event(&ev, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 expect udp 192.0.2.99:* -> 192.0.2.1:20048 program 100005 (mount) generation 7\n");
	event(&ev, true);
	CHECK_OUT("{\"event\":\"expect\",\"time\":\"2026-03-01T13:05:09.042Z\",\"family\":\"ipv4\",\"proto\":\"udp\",\"saddr\":\"192.0.2.99\",\"sport\":0,\"daddr\":\"192.0.2.1\",\"dport\":20048,\"program\":100005,\"program_name\":\"mount\",\"generation\":7}\n");

	/* JSON escapes what a device name may hold. */
	ev.type = IMGSEC_EVENT_DROP;
	ev.has_program = false;
	strcpy(ev.ifname, "a\"b");
	event(&ev, true);
	CHECK(out && strstr(out, ",\"ifname\":\"a\\\"b\","), "%s", out);
}

/* Over a rule's limit: the rule's index, and "would-" in monitor mode. */
static void test_event_limit(void)
{
	struct imgsec_event ev = {
		.type = IMGSEC_EVENT_LIMIT, .family = AF_INET,
		.proto = IPPROTO_TCP, .has_saddr = true, .has_daddr = true,
		.saddr = { 192, 0, 2, 11 }, .daddr = { 192, 0, 2, 1 },
		.sport = 40000, .dport = 12610,
		.has_generation = true, .generation = 3,
		.has_rule = true, .rule = 4,
	};

	event(&ev, false);
	CHECK_OUT("limit tcp 192.0.2.11:40000 -> 192.0.2.1:12610 generation 3 rule 4\n");
	ev.monitor = true;
	event(&ev, true);
	CHECK_OUT("{\"event\":\"would-limit\",\"family\":\"ipv4\",\"proto\":\"tcp\",\"saddr\":\"192.0.2.11\",\"sport\":40000,\"daddr\":\"192.0.2.1\",\"dport\":12610,\"generation\":3,\"rule\":4}\n");
	/* Which of the rule's limits, from a module that says. */
	ev.has_limit = true;
	ev.limit = IMGSEC_LIMIT_SOURCE_MAX;
	event(&ev, true);
	CHECK(out && strstr(out, ",\"rule\":4,\"over\":\"per-source-max\"}\n"),
	      "%s", out);
	ev.monitor = false;
	ev.limit = IMGSEC_LIMIT_SOURCE_RATE;
	event(&ev, false);
	CHECK_OUT("limit tcp 192.0.2.11:40000 -> 192.0.2.1:12610 generation 3 rule 4 over per-source\n");
	ev.limit = IMGSEC_LIMIT_RULE;
	event(&ev, false);
	CHECK_OUT("limit tcp 192.0.2.11:40000 -> 192.0.2.1:12610 generation 3 rule 4 over limit\n");
	ev.limit = 7;
	event(&ev, false);
	CHECK_OUT("limit tcp 192.0.2.11:40000 -> 192.0.2.1:12610 generation 3 rule 4 over limit-7\n");
}

static void note(enum monitor_note n, uint64_t lost, bool json)
{
	FILE *f = open_out();

	output_monitor_note(f, n, lost, T_NS, json);
	fclose(f);
}

static void test_monitor_notes(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	note(MONITOR_NOTE_UNLOADED, 0, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 imgsecctl: monitor: the imgsec module was unloaded; waiting for it to be loaded again\n");
	note(MONITOR_NOTE_UNLOADED, 0, true);
	CHECK_OUT("{\"event\":\"module-unloaded\",\"time\":\"2026-03-01T13:05:09.042Z\"}\n");
	note(MONITOR_NOTE_LOADED, 0, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 imgsecctl: monitor: the imgsec module was loaded again; listening\n");
	note(MONITOR_NOTE_LOADED, 0, true);
	CHECK_OUT("{\"event\":\"module-loaded\",\"time\":\"2026-03-01T13:05:09.042Z\"}\n");
	note(MONITOR_NOTE_LOST, 42, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 imgsecctl: monitor: 42 events lost (receive buffer overrun)\n");
	note(MONITOR_NOTE_LOST, 1, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 imgsecctl: monitor: 1 event lost (receive buffer overrun)\n");
	note(MONITOR_NOTE_LOST, 0, false);
	CHECK_OUT("2026-03-01T13:05:09.042+00:00 imgsecctl: monitor: events lost (receive buffer overrun)\n");
	note(MONITOR_NOTE_LOST, 42, true);
	CHECK_OUT("{\"event\":\"events-lost\",\"time\":\"2026-03-01T13:05:09.042Z\",\"lost\":42}\n");
	note(MONITOR_NOTE_LOST, 0, true);
	CHECK_OUT("{\"event\":\"events-lost\",\"time\":\"2026-03-01T13:05:09.042Z\",\"lost\":null}\n");
}

static void test_status(void)
{
	struct imgsec_status st = {
		.version = "0.1.0", .has_netns_count = true, .netns_count = 2,
		.has_generation = true, .generation = 5,
	};
	FILE *f;

	f = open_out();
	output_status(f, &st, 1, false);
	fclose(f);
	CHECK_OUT("module: imgsec 0.1.0 (netlink family version 1)\n"
		  "namespaces with imgsec state: 2\n"
		  "policy: none, all traffic passes\n"
		  "generation: 5\n");
	st.has_policy = true;
	st.mode = IMGSEC_MODE_MONITOR;
	st.default_action = IMGSEC_ACTION_REJECT;
	st.placement = IMGSEC_PLACEMENT_GATEWAY;
	st.pending_secs = 30;
	f = open_out();
	output_status(f, &st, 1, false);
	fclose(f);
	CHECK_OUT("module: imgsec 0.1.0 (netlink family version 1)\n"
		  "namespaces with imgsec state: 2\n"
		  "policy: active, monitor mode, default reject, gateway placement\n"
		  "generation: 5\n"
		  "pending revert: the previous policy comes back in 30 s unless 'imgsecctl confirm' is run\n");
	f = open_out();
	output_status(f, &st, 1, true);
	fclose(f);
	CHECK_OUT("{\"version\":\"0.1.0\",\"family_version\":1,\"namespaces\":2,\"generation\":5,\"policy\":{\"active\":true,\"mode\":\"monitor\",\"default\":\"reject\",\"placement\":\"gateway\"},\"pending_revert_secs\":30}\n");
	st.has_policy = false;
	st.pending_secs = 0;
	f = open_out();
	output_status(f, &st, 1, true);
	fclose(f);
	CHECK_OUT("{\"version\":\"0.1.0\",\"family_version\":1,\"namespaces\":2,\"generation\":5,\"policy\":{\"active\":false},\"pending_revert_secs\":null}\n");
}

/* Two roles, two rules, counters: what "show --json" and "stats" print. */
static void small_policy(struct policy_dump *d)
{
	static struct imgsec_prefix pfx[2] = {
		{ .family = AF_INET, .plen = 32, .addr = { 192, 0, 2, 11 } },
		{ .family = AF_INET, .plen = 32, .addr = { 192, 0, 2, 1 } },
	};
	static struct imgsec_rule_desc rules[2] = {
		{ .from = 0, .to = 1, .proto = IPPROTO_UDP,
		  .helper = IMGSEC_HELPER_RPC, .nports = 1,
		  .ports = { { 111, 111 } }, .comment = "portmap \"lookup\"",
		  .ports_text = "sunrpc", .source_max = 8 },
		{ .from = 0, .to = 1, .proto = IPPROTO_TCP, .nports = 2,
		  .ports = { { 20, 21 }, { 2049, 2049 } },
		  .limit_rate = 50, .limit_unit = IMGSEC_LIMIT_UNIT_SECOND,
		  .limit_burst = 100, .source_rate = 5,
		  .source_unit = IMGSEC_LIMIT_UNIT_MINUTE, .source_burst = 5,
		  .source_max = 64 },
	};
	static struct rule_counters cnt[2] = {
		{ .packets = 3, .bytes = 300, .source_capped = 1 },
		{ .limited = 9, .source_limited = 4, .source_evicted = 2,
		  .source_capped = 3 },
	};

	memset(d, 0, sizeof(*d));
	d->active = true;
	d->have_generation = true;
	d->generation = 4;
	d->desc.nroles = 2;
	strcpy(d->desc.roles[0].name, "img");
	d->desc.roles[0].nprefixes = 1;
	d->desc.roles[0].prefixes = &pfx[0];
	strcpy(d->desc.roles[1].name, "gcems");
	d->desc.roles[1].nprefixes = 1;
	d->desc.roles[1].prefixes = &pfx[1];
	d->desc.nrules = 2;
	d->desc.rules = rules;
	d->counters = cnt;
}

static void test_show_json(void)
{
	struct policy_dump d;
	FILE *f;

	small_policy(&d);
	f = open_out();
	output_policy_json(f, &d);
	fclose(f);
	CHECK_OUT("{\"generation\":4,\"policy\":{\"mode\":\"enforce\",\"default\":\"drop\",\"placement\":\"host\","
		  "\"roles\":[{\"name\":\"img\",\"prefixes\":[\"192.0.2.11/32\"]},{\"name\":\"gcems\",\"prefixes\":[\"192.0.2.1/32\"]}],"
		  "\"rules\":[{\"index\":0,\"from\":\"img\",\"to\":\"gcems\",\"proto\":\"udp\",\"ports\":[{\"lo\":111,\"hi\":111}],\"ports_text\":\"sunrpc\",\"helper\":\"rpc\",\"comment\":\"portmap \\\"lookup\\\"\",\"packets\":3,\"bytes\":300,\"limit\":null,\"limited\":0,\"per_source\":{\"rate\":null,\"unit\":null,\"burst\":null,\"limited\":0,\"evicted\":0,\"max\":8,\"capped\":1}},"
		  "{\"index\":1,\"from\":\"img\",\"to\":\"gcems\",\"proto\":\"tcp\",\"ports\":[{\"lo\":20,\"hi\":21},{\"lo\":2049,\"hi\":2049}],\"ports_text\":\"20-21,2049\",\"helper\":null,\"comment\":\"\",\"packets\":0,\"bytes\":0,\"limit\":{\"rate\":50,\"unit\":\"s\",\"burst\":100},\"limited\":9,\"per_source\":{\"rate\":5,\"unit\":\"min\",\"burst\":5,\"limited\":4,\"evicted\":2,\"max\":64,\"capped\":3}}]}}\n");

	memset(&d, 0, sizeof(d));
	f = open_out();
	output_policy_json(f, &d);
	fclose(f);
	CHECK_OUT("{\"generation\":null,\"policy\":null}\n");
}

/* check --json: a valid policy with a warning and both lockouts, then an error. */
static void test_check_json(void)
{
	static const char text[] =
		"role a 10.0.0.1\nrole a 10.0.0.0/24\nrole b 10.0.0.2\n";
	struct imgsec_policy_desc p;
	struct lockout_report lr;
	struct policy_diag diag;
	FILE *f;

	memset(&diag, 0, sizeof(diag));
	REQUIRE(policy_parse_buffer("t.conf", text, strlen(text), &p,
				    &diag) == 0, "%s", diag.msg);
	CHECK_EQ(lockout_check(&p, "10.9.9.9 1 10.0.0.2 22", NULL, 0, &lr), 0);
	f = open_out();
	output_check_json(f, "t.conf", &p, &diag, &lr);
	fclose(f);
	CHECK_OUT("{\"file\":\"t.conf\",\"valid\":true,\"roles\":2,\"addresses\":3,\"rules\":0,"
		  "\"warnings\":[\"t.conf:1:8: 10.0.0.1 is inside 10.0.0.0/24 (line 2) of role \\\"a\\\"\"],\"more_warnings\":0,"
		  "\"lockouts\":[\"the policy has no rule: in enforce mode it drops every new connection, SSH included\","
		  "\"the policy drops new SSH connections from 10.9.9.9, the peer of this session (SSH_CONNECTION), to 10.0.0.2 port 22: put 10.9.9.9 in a role and allow it to 10.0.0.2 port 22\"]}\n");
	imgsec_policy_desc_release(&p);

	REQUIRE(policy_parse_buffer("t.conf", "mode x\n", 7, &p, &diag) != 0,
		"accepted");
	f = open_out();
	output_check_json(f, "-", NULL, &diag, NULL);
	fclose(f);
	CHECK_OUT("{\"file\":\"<stdin>\",\"valid\":false,\"error\":{\"message\":\"t.conf:1:6: expected \\\"enforce\\\" or \\\"monitor\\\" after \\\"mode\\\", got \\\"x\\\"\",\"line\":1,\"column\":6}}\n");
}

static void test_stats(void)
{
	struct imgsec_stats s;
	struct policy_dump d;
	FILE *f;

	memset(&s, 0, sizeof(s));
	s.has_hook = true;
	s.hook_set[IMGSEC_STATS_A_DROPPED] = true;
	s.hook[IMGSEC_STATS_A_DROPPED] = 7;
	s.hook_set[IMGSEC_STATS_A_LIMITED] = true;
	s.hook[IMGSEC_STATS_A_LIMITED] = 9;
	s.hook_set[IMGSEC_STATS_A_SOURCE_CAPPED] = true;
	s.hook[IMGSEC_STATS_A_SOURCE_CAPPED] = 4;
	s.has_rpc = true;
	s.rpc_set[IMGSEC_RPC_STATS_A_EXPECTED] = true;
	s.rpc[IMGSEC_RPC_STATS_A_EXPECTED] = 2;
	small_policy(&d);
	f = open_out();
	output_stats(f, &s, &d, false);
	fclose(f);
	CHECK_OUT("policy hook:\n"
		  "  dropped                       7  new, no rule: dropped or rejected\n"
		  "  limited                       9  new, over its rule's limit: refused (monitor mode: passed)\n"
		  "  source_capped                 4  new, its source at its max: refused (monitor mode: passed)\n"
		  "rpc helper imgsec-rpc:\n"
		  "  expected                      2  expectations created\n"
		  "rules:\n"
		  "     #  from -> to                   proto  ports                   packets            bytes      limited  comment\n"
		  "     0  img -> gcems                 udp    sunrpc                        3              300            -  portmap \"lookup\"\n"
		  "        per-source max 8: 1 capped\n"
		  "     1  img -> gcems                 tcp    20-21,2049                    0                0            9  \n"
		  "        per-source 5/min max 64: 4 limited, 2 sources evicted, 3 capped\n");
	f = open_out();
	output_stats(f, &s, &d, true);
	fclose(f);
	CHECK(out && !strncmp(out, "{\"hook\":{\"dropped\":7,\"limited\":9,\"source_capped\":4},\"rpc\":{\"expected\":2},\"policy_active\":true,\"rules\":[{\"index\":0,", 114),
	      "%s", out);
	f = open_out();
	output_stats(f, &s, NULL, false);
	fclose(f);
	CHECK(out && strstr(out, "rules: not shown (reading the policy needs CAP_NET_ADMIN)\n"),
	      "%s", out);
	memset(&d, 0, sizeof(d));
	f = open_out();
	output_stats(f, &s, &d, true);
	fclose(f);
	CHECK_OUT("{\"hook\":{\"dropped\":7,\"limited\":9,\"source_capped\":4},\"rpc\":{\"expected\":2},\"policy_active\":false,\"rules\":[]}\n");
}

static void test_rpc(void)
{
	struct imgsec_rpc_settings r = {
		.has_timeout = true, .timeout_secs = 300, .has_programs = true,
		.nprograms = 3, .programs = { 100005, 100003, 300019 },
	};
	FILE *f;

	f = open_out();
	output_rpc(f, &r, false);
	fclose(f);
	CHECK_OUT("expectation timeout: 300 s\n"
		  "allowed programs: 100005 (mount), 100003 (nfs), 300019\n");
	f = open_out();
	output_rpc(f, &r, true);
	fclose(f);
	CHECK_OUT("{\"timeout\":300,\"programs\":[{\"program\":100005,\"name\":\"mount\"},{\"program\":100003,\"name\":\"nfs\"},{\"program\":300019,\"name\":null}]}\n");
	r.nprograms = 0;
	f = open_out();
	output_rpc(f, &r, false);
	fclose(f);
	CHECK_OUT("expectation timeout: 300 s\nallowed programs: none\n");
}

int main(void)
{
	RUN(test_json_escaping);
	RUN(test_formats);
	RUN(test_events);
	RUN(test_event_times);
	RUN(test_event_fields);
	RUN(test_event_limit);
	RUN(test_monitor_notes);
	RUN(test_status);
	RUN(test_show_json);
	RUN(test_check_json);
	RUN(test_stats);
	RUN(test_rpc);
	free(out);
	return test_summary();
}
