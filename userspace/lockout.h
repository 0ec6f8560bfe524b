/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Would this policy cut the branch the operator sits on? set-policy refuses
 * such a policy without --force, check warns about it. Pure: it asks the
 * classifier the kernel uses (module/classify.c), no netlink.
 */
#ifndef _IMGSECCTL_LOCKOUT_H
#define _IMGSECCTL_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "policy_desc.h"

struct lockout_report {
	bool no_rules;		/* enforce mode and not a single rule */
	bool ssh_cut;		/* the SSH session's peer is not allowed back */
	bool ssh_unknown;	/* SSH_CONNECTION is set but not understood */
	/* From SSH_CONNECTION, as text, when ssh_cut. */
	char ssh_peer[INET6_ADDRSTRLEN];
	char ssh_local[INET6_ADDRSTRLEN];
	uint16_t ssh_port;
	/* A rule that would allow it, or "" when no role holds an address. */
	char ssh_hint[128];
};

/*
 * Fill @r for @p as loaded on this host, whose SSH session (if any) is
 * described by @ssh_connection, the SSH_CONNECTION variable sshd sets
 * ("peer-ip peer-port local-ip local-port"), or NULL. 0, or -ENOMEM.
 */
int lockout_check(const struct imgsec_policy_desc *p,
		  const char *ssh_connection, struct lockout_report *r);

/*
 * The SSH_CONNECTION of the session this runs in: this process's, or the
 * nearest ancestor's (sudo drops it from the environment), copied to @buf.
 * NULL when there is none: not run over SSH, or /proc not readable.
 */
const char *lockout_ssh_connection(char *buf, size_t len);

/* Whether @r found a lockout (not counting ssh_unknown). */
bool lockout_found(const struct lockout_report *r);

/* One line per finding, each starting with @lead ("error: ", "warning: "). */
void lockout_print(FILE *f, const struct lockout_report *r, const char *lead);

#endif /* _IMGSECCTL_LOCKOUT_H */
