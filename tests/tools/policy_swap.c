// SPDX-License-Identifier: GPL-2.0
/*
 * policy_swap: set two policies in turn from one process, for the swap
 * fault of tests/debug/faults_test.sh. imgsecctl set-policy costs a
 * process start each time, which under TCG (and more on the debug kernel)
 * is slower than the 50 swaps a second the fault asks for.
 *
 *   policy_swap FIRST SECOND RATE SECONDS
 *
 * Both files are parsed once, with imgsecctl's own parser and encoder;
 * then SET_POLICY of FIRST, SECOND, FIRST... at RATE a second (paced, never
 * faster) for SECONDS. Prints "swaps N failed F ms T"; the first refusal's
 * reason goes to stderr. Exit 0 when it ran, 2 on a usage or file error.
 *
 * Unlike the other tools it is linked with libmnl, as imgsecctl is (the
 * test VM has it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../userspace/genl.h"
#include "../../userspace/policy_file.h"
#include "../../userspace/policy_nl.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The SET_POLICY message for @path, in a buffer of its own. */
static struct nlmsghdr *build(struct genl *g, const char *path)
{
	struct imgsec_policy_desc p;
	struct policy_diag diag;
	struct nlmsghdr *nlh;
	char err[256];
	size_t size;
	void *buf;

	if (policy_parse_file(path, &p, &diag)) {
		fprintf(stderr, "policy_swap: %s\n", diag.msg);
		exit(2);
	}
	size = policy_nl_msg_size(&p);
	buf = malloc(size);
	if (!buf) {
		fprintf(stderr, "policy_swap: out of memory\n");
		exit(2);
	}
	nlh = genl_msg_start(g, buf, size, IMGSEC_CMD_SET_POLICY, 0);
	if (policy_nl_put(nlh, size, &p, err, sizeof(err)) ||
	    genl_allow_send(g, nlh->nlmsg_len)) {
		fprintf(stderr, "policy_swap: %s: cannot send it\n", path);
		exit(2);
	}
	imgsec_policy_desc_release(&p);
	return nlh;
}

int main(int argc, char **argv)
{
	unsigned long n = 0, failed = 0, rate, secs;
	struct nlmsghdr *msg[2];
	double t0, due;
	struct genl g;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: policy_swap FIRST SECOND RATE SECONDS\n");
		return 2;
	}
	rate = strtoul(argv[3], NULL, 10);
	secs = strtoul(argv[4], NULL, 10);
	if (!rate || rate > 10000 || !secs || secs > 600) {
		fprintf(stderr, "policy_swap: RATE 1..10000, SECONDS 1..600\n");
		return 2;
	}
	ret = genl_open(&g, IMGSEC_GENL_NAME);
	if (ret) {
		fprintf(stderr, "policy_swap: imgsec: %s\n", strerror(-ret));
		return 2;
	}
	msg[0] = build(&g, argv[1]);
	msg[1] = build(&g, argv[2]);
	t0 = now();
	while (n < rate * secs && now() - t0 < secs) {
		if (genl_request(&g, msg[n % 2], NULL, NULL) && !failed++)
			fprintf(stderr, "policy_swap: refused: %s\n",
				strerror(g.error.err));
		n++;
		due = t0 + (double)n / rate;
		while (now() < due)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	printf("swaps %lu failed %lu ms %.0f\n", n, failed,
	       (now() - t0) * 1000);
	genl_close(&g);
	return 0;
}
