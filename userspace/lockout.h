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

/* A TCP connection to this host's sshd: who could be cut off. */
struct lockout_session {
	u8 family;		/* 4 or 6 */
	u8 peer[16];		/* network order */
	u8 local[16];
	uint16_t port;		/* local, sshd's */
};

/* A session a policy would not let back in, as text for the message. */
struct lockout_cut {
	char peer[INET6_ADDRSTRLEN];
	char local[INET6_ADDRSTRLEN];
	uint16_t port;
	char hint[128];		/* a rule that would allow it, or "" */
};

struct lockout_report {
	bool no_rules;		/* enforce mode and not a single rule */
	bool ssh_cut;		/* this session's peer (ssh) is not let back */
	bool ssh_unknown;	/* SSH_CONNECTION is set but not understood */
	struct lockout_cut ssh;
	unsigned int open_cut;	/* open sessions whose peer is not let back */
	struct lockout_cut open;	/* the first of them */
};

/*
 * Fill @r for @p as loaded on this host: whether it has no rule, whether
 * the hook would drop a new connection from the peer of the session this
 * runs in (@ssh_connection, as sshd sets SSH_CONNECTION: "peer-ip
 * peer-port local-ip local-port", or NULL), or from the peer of any of
 * the @nopen sessions open to sshd. 0, or -ENOMEM.
 */
int lockout_check(const struct imgsec_policy_desc *p,
		  const char *ssh_connection,
		  const struct lockout_session *open, size_t nopen,
		  struct lockout_report *r);

/* SSH_CONNECTION's four fields; false if it is not that. */
bool lockout_parse_ssh_connection(const char *s, struct lockout_session *out);

/*
 * The established TCP connections to local port 22 or @port listed in @f,
 * /proc/net/tcp (or tcp6 with @v6): at most @max into @out; their count.
 */
size_t lockout_read_sessions(FILE *f, bool v6, uint16_t port,
			     struct lockout_session *out, size_t max);

/* The same from this namespace's /proc/net/tcp and tcp6. */
size_t lockout_open_sessions(uint16_t port, struct lockout_session *out,
			     size_t max);

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
