// sources: userspace/policy_file.c userspace/policy_print.c module/policy_desc.c
// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the policy file parser, imgsec.conf(5).
 *
 * Any input: the parser must not crash, leak or read out of bounds, and
 * must either give a policy or an error "fuzz:LINE:COL: ..." with nothing
 * left in the desc. A policy must survive the round trip: printed, it
 * parses to the same desc, and printing that gives the same text again.
 *
 * The parse never touches the filesystem ("include" is an error in a
 * buffer without an include_dir) and the built-in role "self" holds a
 * fixed list, not this host's addresses, so every run is the same.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude/uapi \
 *		-Imodule -Iuserspace tests/fuzz/fuzz_policy.c \
 *		userspace/policy_file.c userspace/policy_print.c \
 *		module/policy_desc.c -o fuzz_policy
 *	./fuzz_policy -dict=tests/fuzz/policy.dict tests/data/fuzz_policy
 */
#include <stdint.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../userspace/policy_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 192.0.2.10 and 2001:db8::10 */
static const struct imgsec_prefix self_addrs[] = {
	{ .family = AF_INET, .plen = 32, .addr = { 192, 0, 2, 10 } },
	{ .family = AF_INET6, .plen = 128,
	  .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 } },
};

static const struct policy_parse_opts opts = {
	.include_dir = NULL,
	.fixed_self = true,
	.self_addrs = self_addrs,
	.nself = 2,
};

static void die(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_policy: %s\n%s\n", what, text ? text : "");
	abort();
}

static char *print(const struct imgsec_policy_desc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		die("open_memstream", NULL);
	if (policy_print(f, d))
		die("a parsed policy does not print", NULL);
	fclose(f);
	return buf;
}

static void check_failure(int err, const struct imgsec_policy_desc *d,
			  const struct policy_diag *diag)
{
	static const struct imgsec_policy_desc empty;

	if (!memchr(diag->msg, '\0', sizeof(diag->msg)))
		die("message not terminated", NULL);
	if (err == -ENOMEM)
		return;
	if (err != -EINVAL)
		die("unexpected error code", diag->msg);
	if (strncmp(diag->msg, "fuzz:", 5) || !diag->line || !diag->col)
		die("error without a place", diag->msg);
	if (memcmp(d, &empty, sizeof(*d)))
		die("a failed parse left a policy", diag->msg);
}

static void check_round_trip(const struct imgsec_policy_desc *d)
{
	struct imgsec_policy_desc again;
	struct policy_diag diag;
	char *text = print(d), *text2;

	if (policy_parse_buffer_opts("printed", text, strlen(text), &opts,
				     &again, &diag))
		die(diag.msg, text);
	if (!policy_desc_equal(d, &again))
		die("printed policy parses to another policy", text);
	text2 = print(&again);
	if (strcmp(text, text2))
		die("printing is not canonical", text2);
	imgsec_policy_desc_release(&again);
	free(text2);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgsec_policy_desc d;
	struct policy_diag diag;
	int err;

	err = policy_parse_buffer_opts("fuzz", (const char *)data, size, &opts,
				       &d, &diag);
	if (err) {
		check_failure(err, &d, &diag);
		return 0;
	}
	check_round_trip(&d);
	imgsec_policy_desc_release(&d);
	return 0;
}
