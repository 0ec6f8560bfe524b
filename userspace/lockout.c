// SPDX-License-Identifier: GPL-2.0
/*
 * Lockout checks. The SSH one asks the classifier the kernel builds from
 * the same desc, so "allowed" here means what the hook will do: a new TCP
 * connection from the session's peer to this host's sshd port, in enforce
 * mode, with placement host (gateway policies do not filter the host's
 * own traffic). Loopback is never filtered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "classify.h"
#include "lockout.h"

struct ssh_addr {
	u8 family;		/* 4 or 6 */
	u8 addr[16];
};

/* "192.0.2.7", "2001:db8::7", "fe80::1%eth0", "::ffff:192.0.2.7". */
static bool parse_addr(const char *s, struct ssh_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 16];
	static const u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	size_t len = strcspn(s, "%");

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, buf, a->addr) != 1)
		return false;
	a->family = 6;
	/* A dual-stack sshd sees IPv4 peers as mapped; the wire is IPv4. */
	if (!memcmp(a->addr, mapped, sizeof(mapped))) {
		memmove(a->addr, a->addr + 12, 4);
		a->family = 4;
	}
	return true;
}

static bool parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || !v || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* "peer-ip peer-port local-ip local-port", blank separated. */
static bool parse_ssh_connection(const char *s, struct ssh_addr *peer,
				 struct ssh_addr *local, uint16_t *port)
{
	char f[4][INET6_ADDRSTRLEN + 16];
	uint16_t peer_port;
	char extra;

	if (sscanf(s, "%61s %61s %61s %61s %c", f[0], f[1], f[2], f[3],
		   &extra) != 4)
		return false;
	return parse_addr(f[0], peer) && parse_port(f[1], &peer_port) &&
	       parse_addr(f[2], local) && parse_port(f[3], port) &&
	       peer->family == local->family;
}

static bool is_loopback(const struct ssh_addr *a)
{
	static const u8 v6_lo[16] = { [15] = 1 };

	if (a->family == 4)
		return a->addr[0] == 127;
	return !memcmp(a->addr, v6_lo, sizeof(v6_lo));
}

static bool prefix_holds(const struct imgsec_prefix *pfx,
			 const struct ssh_addr *a)
{
	unsigned int full = pfx->plen / 8, rest = pfx->plen % 8;

	if (pfx->family != (a->family == 4 ? AF_INET : AF_INET6))
		return false;
	if (memcmp(pfx->addr, a->addr, full))
		return false;
	return !rest ||
	       !((pfx->addr[full] ^ a->addr[full]) & (0xff00 >> rest));
}

/* The first role holding @a, or NULL. */
static const char *role_of(const struct imgsec_policy_desc *p,
			   const struct ssh_addr *a)
{
	u32 i, j;

	for (i = 0; i < p->nroles; i++)
		for (j = 0; j < p->roles[i].nprefixes; j++)
			if (prefix_holds(&p->roles[i].prefixes[j], a))
				return p->roles[i].name;
	return NULL;
}

static void describe_cut(const struct imgsec_policy_desc *p,
			 const struct ssh_addr *peer,
			 const struct ssh_addr *local, uint16_t port,
			 struct lockout_report *r)
{
	int af = peer->family == 4 ? AF_INET : AF_INET6;
	const char *from = role_of(p, peer), *to = role_of(p, local);

	r->ssh_cut = true;
	r->ssh_port = port;
	inet_ntop(af, peer->addr, r->ssh_peer, sizeof(r->ssh_peer));
	inet_ntop(af, local->addr, r->ssh_local, sizeof(r->ssh_local));
	if (from && to)
		snprintf(r->ssh_hint, sizeof(r->ssh_hint),
			 "allow %s -> %s tcp %u", from, to, port);
}

int lockout_check(const struct imgsec_policy_desc *p,
		  const char *ssh_connection, struct lockout_report *r)
{
	struct imgsec_classifier *c;
	struct ssh_addr peer, local;
	uint16_t port;
	int rule;

	memset(r, 0, sizeof(*r));
	if (p->mode != IMGSEC_MODE_ENFORCE)
		return 0;
	r->no_rules = !p->nrules;
	if (!ssh_connection || p->placement != IMGSEC_PLACEMENT_HOST)
		return 0;
	if (!parse_ssh_connection(ssh_connection, &peer, &local, &port)) {
		r->ssh_unknown = true;
		return 0;
	}
	if (is_loopback(&peer))
		return 0;
	if (imgsec_classifier_build(p, &c))
		return -ENOMEM;
	rule = imgsec_classify(c, peer.family, peer.addr, local.addr,
			       IPPROTO_TCP, port);
	imgsec_classifier_free(c);
	if (rule < 0)
		describe_cut(p, &peer, &local, port, r);
	return 0;
}

bool lockout_found(const struct lockout_report *r)
{
	return r->no_rules || r->ssh_cut;
}

void lockout_print(FILE *f, const struct lockout_report *r, const char *lead)
{
	if (r->no_rules)
		fprintf(f, "%sthe policy has no rule: in enforce mode it drops every new connection, SSH included\n",
			lead);
	if (r->ssh_cut) {
		fprintf(f, "%sthe policy drops new SSH connections from %s, the peer of this session (SSH_CONNECTION), to %s port %u",
			lead, r->ssh_peer, r->ssh_local, r->ssh_port);
		if (r->ssh_hint[0])
			fprintf(f, ": add a rule such as \"%s\"\n",
				r->ssh_hint);
		else
			fprintf(f, ": put %s in a role and allow it to %s port %u\n",
				r->ssh_peer, r->ssh_local, r->ssh_port);
	}
	if (r->ssh_unknown)
		fprintf(f, "warning: SSH_CONNECTION is not \"peer port local port\": this session's access was not checked\n");
}

/* @pid's SSH_CONNECTION into @buf: true if it has one. */
static bool environ_ssh(pid_t pid, char *buf, size_t len)
{
	static const char key[] = "SSH_CONNECTION=";
	char path[64], env[65536];
	size_t n, off;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(env, 1, sizeof(env) - 1, f);
	fclose(f);
	env[n] = '\0';
	for (off = 0; off < n; off += strlen(env + off) + 1) {
		if (!strncmp(env + off, key, sizeof(key) - 1)) {
			snprintf(buf, len, "%s", env + off + sizeof(key) - 1);
			return true;
		}
	}
	return false;
}

/* @pid's parent, from /proc/PID/stat ("pid (comm) state ppid ..."). */
static pid_t parent_of(pid_t pid)
{
	char path[64], stat[1024], *p;
	size_t n;
	FILE *f;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

const char *lockout_ssh_connection(char *buf, size_t len)
{
	const char *env = getenv("SSH_CONNECTION");
	pid_t pid = getppid();
	int depth;

	if (env)
		return env;
	for (depth = 0; depth < 64 && pid > 1; depth++) {
		if (environ_ssh(pid, buf, len))
			return buf;
		pid = parent_of(pid);
	}
	return NULL;
}
