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

/* More than the kernel lets an exec'ed environment be (ARG_MAX, 2 MiB). */
#define ENVIRON_MAX	(8u << 20)

static const u8 v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

/* A dual-stack sshd sees IPv4 peers as mapped; the wire is IPv4. */
static void normalise_mapped(struct lockout_session *s)
{
	if (s->family != 6 || memcmp(s->peer, v4_mapped, 12) ||
	    memcmp(s->local, v4_mapped, 12))
		return;
	memmove(s->peer, s->peer + 12, 4);
	memmove(s->local, s->local + 12, 4);
	memset(s->peer + 4, 0, 12);
	memset(s->local + 4, 0, 12);
	s->family = 4;
}

/* "192.0.2.7", "2001:db8::7", "fe80::1%eth0", "::ffff:192.0.2.7". */
static int parse_addr(const char *s, u8 *addr)
{
	char buf[INET6_ADDRSTRLEN + 16];
	size_t len = strcspn(s, "%");

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return 0;
	if (!memcmp(addr, v4_mapped, sizeof(v4_mapped))) {
		memmove(addr, addr + 12, 4);
		return 4;
	}
	return 6;
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

bool lockout_parse_ssh_connection(const char *s, struct lockout_session *out)
{
	char f[4][INET6_ADDRSTRLEN + 16];
	uint16_t peer_port;
	int fp, fl;
	char extra;

	memset(out, 0, sizeof(*out));
	if (sscanf(s, "%61s %61s %61s %61s %c", f[0], f[1], f[2], f[3],
		   &extra) != 4)
		return false;
	fp = parse_addr(f[0], out->peer);
	fl = parse_addr(f[2], out->local);
	out->family = fp;
	return fp && fp == fl && parse_port(f[1], &peer_port) &&
	       parse_port(f[3], &out->port);
}

/* Loopback, or this host talking to itself (over lo): never filtered. */
static bool unfiltered(const struct lockout_session *s)
{
	static const u8 v6_lo[16] = { [15] = 1 };
	size_t n = s->family == 4 ? 4 : 16;

	if (!memcmp(s->peer, s->local, n))
		return true;
	if (s->family == 4)
		return s->peer[0] == 127;
	return !memcmp(s->peer, v6_lo, sizeof(v6_lo));
}

static bool prefix_holds(const struct imgsec_prefix *pfx, u8 family,
			 const u8 *addr)
{
	unsigned int full = pfx->plen / 8, rest = pfx->plen % 8;

	if (pfx->family != (family == 4 ? AF_INET : AF_INET6))
		return false;
	if (memcmp(pfx->addr, addr, full))
		return false;
	return !rest || !((pfx->addr[full] ^ addr[full]) & (0xff00 >> rest));
}

/* The first role holding @addr, or NULL. */
static const char *role_of(const struct imgsec_policy_desc *p, u8 family,
			   const u8 *addr)
{
	u32 i, j;

	for (i = 0; i < p->nroles; i++)
		for (j = 0; j < p->roles[i].nprefixes; j++)
			if (prefix_holds(&p->roles[i].prefixes[j], family,
					 addr))
				return p->roles[i].name;
	return NULL;
}

static void describe_cut(const struct imgsec_policy_desc *p,
			 const struct lockout_session *s,
			 struct lockout_cut *cut)
{
	int af = s->family == 4 ? AF_INET : AF_INET6;
	const char *from = role_of(p, s->family, s->peer);
	const char *to = role_of(p, s->family, s->local);

	cut->port = s->port;
	inet_ntop(af, s->peer, cut->peer, sizeof(cut->peer));
	inet_ntop(af, s->local, cut->local, sizeof(cut->local));
	cut->hint[0] = '\0';
	if (from && to)
		snprintf(cut->hint, sizeof(cut->hint), "allow %s -> %s tcp %u",
			 from, to, s->port);
}

/* Whether the hook would drop a new connection from @s's peer. */
static bool session_cut(const struct imgsec_classifier *c,
			const struct lockout_session *s)
{
	return !unfiltered(s) &&
	       imgsec_classify(c, s->family, s->peer, s->local, IPPROTO_TCP,
			       s->port) < 0;
}

int lockout_check(const struct imgsec_policy_desc *p,
		  const char *ssh_connection,
		  const struct lockout_session *open, size_t nopen,
		  struct lockout_report *r)
{
	struct imgsec_classifier *c;
	struct lockout_session own;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (p->mode != IMGSEC_MODE_ENFORCE)
		return 0;
	r->no_rules = !p->nrules;
	if (p->placement != IMGSEC_PLACEMENT_HOST)
		return 0;
	if (ssh_connection &&
	    !lockout_parse_ssh_connection(ssh_connection, &own)) {
		r->ssh_unknown = true;
		ssh_connection = NULL;
	}
	if (!ssh_connection && !nopen)
		return 0;
	if (imgsec_classifier_build(p, &c))
		return -ENOMEM;
	if (ssh_connection && session_cut(c, &own)) {
		r->ssh_cut = true;
		describe_cut(p, &own, &r->ssh);
	}
	for (i = 0; i < nopen; i++) {
		if (!session_cut(c, &open[i]))
			continue;
		if (!r->open_cut++)
			describe_cut(p, &open[i], &r->open);
	}
	imgsec_classifier_free(c);
	return 0;
}

bool lockout_found(const struct lockout_report *r)
{
	return r->no_rules || r->ssh_cut || r->open_cut;
}

static void print_cut(FILE *f, const char *lead, const char *whose,
		      const struct lockout_cut *cut)
{
	fprintf(f, "%sthe policy drops new SSH connections from %s, %s, to %s port %u",
		lead, cut->peer, whose, cut->local, cut->port);
	if (cut->hint[0])
		fprintf(f, ": add a rule such as \"%s\"\n", cut->hint);
	else
		fprintf(f, ": put %s in a role and allow it to %s port %u\n",
			cut->peer, cut->local, cut->port);
}

void lockout_print(FILE *f, const struct lockout_report *r, const char *lead)
{
	char whose[96];

	if (r->no_rules)
		fprintf(f, "%sthe policy has no rule: in enforce mode it drops every new connection, SSH included\n",
			lead);
	if (r->ssh_cut)
		print_cut(f, lead, "the peer of this session (SSH_CONNECTION)",
			  &r->ssh);
	if (r->open_cut && !(r->ssh_cut && r->open_cut == 1 &&
			     !strcmp(r->ssh.peer, r->open.peer))) {
		if (r->open_cut == 1)
			snprintf(whose, sizeof(whose),
				 "the peer of an open SSH session to this host");
		else
			snprintf(whose, sizeof(whose),
				 "the peer of one of %u open SSH sessions to this host",
				 r->open_cut);
		print_cut(f, lead, whose, &r->open);
	}
	if (r->ssh_unknown)
		fprintf(f, "warning: SSH_CONNECTION is not \"peer port local port\": this session's access was not checked\n");
}

/* "0100007F:0016" (IPv4) or 32 hex digits and a port: as the kernel
 * prints a socket's address in /proc/net/tcp and tcp6. */
static bool parse_proc_addr(const char *s, bool v6, u8 *addr, uint16_t *port)
{
	unsigned int words = v6 ? 4 : 1, i, p;
	uint32_t w;
	char hex[9];

	for (i = 0; i < words; i++) {
		memcpy(hex, s + 8 * i, 8);
		hex[8] = '\0';
		if (strspn(hex, "0123456789ABCDEFabcdef") != 8)
			return false;
		w = (uint32_t)strtoul(hex, NULL, 16);
		memcpy(addr + 4 * i, &w, 4);
	}
	s += 8 * words;
	if (*s != ':' || sscanf(s + 1, "%4X", &p) != 1)
		return false;
	*port = (uint16_t)p;
	return true;
}

size_t lockout_read_sessions(FILE *f, bool v6, uint16_t port,
			     struct lockout_session *out, size_t max)
{
	char line[512], local[64], peer[64];
	struct lockout_session s;
	uint16_t lport, pport;
	unsigned int state;
	size_t n = 0;

	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*s %63s %63s %x", local, peer, &state) != 3 ||
		    state != 1 ||	/* TCP_ESTABLISHED */
		    strlen(local) != (v6 ? 37 : 13) ||
		    strlen(peer) != strlen(local))
			continue;
		memset(&s, 0, sizeof(s));
		s.family = v6 ? 6 : 4;
		if (!parse_proc_addr(local, v6, s.local, &lport) ||
		    !parse_proc_addr(peer, v6, s.peer, &pport) ||
		    (lport != 22 && lport != port))
			continue;
		s.port = lport;
		normalise_mapped(&s);
		out[n++] = s;
	}
	return n;
}

/* The whole of @path (a /proc file), NUL-terminated, malloc'ed; or NULL. */
static char *read_all(const char *path, size_t *len)
{
	size_t size = 65536, n = 0;
	char *buf = NULL, *grown;
	FILE *f = fopen(path, "re");

	while (f && size <= ENVIRON_MAX) {
		grown = realloc(buf, size + 1);
		if (!grown)
			break;
		buf = grown;
		n += fread(buf + n, 1, size - n, f);
		if (n < size) {
			fclose(f);
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		size *= 2;
	}
	if (f)
		fclose(f);
	free(buf);
	return NULL;
}

/* @pid's SSH_CONNECTION into @buf: true if it has one. */
static bool environ_ssh(pid_t pid, char *buf, size_t len)
{
	static const char key[] = "SSH_CONNECTION=";
	char path[64], *env;
	size_t n, off;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	env = read_all(path, &n);
	for (off = 0; env && off < n && !found; off += strlen(env + off) + 1) {
		if (!strncmp(env + off, key, sizeof(key) - 1)) {
			snprintf(buf, len, "%s", env + off + sizeof(key) - 1);
			found = true;
		}
	}
	free(env);
	return found;
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

size_t lockout_open_sessions(uint16_t port, struct lockout_session *out,
			     size_t max)
{
	static const char *const paths[2] = { "/proc/net/tcp",
					       "/proc/net/tcp6" };
	size_t n = 0, i;
	FILE *f;

	for (i = 0; i < 2; i++) {
		f = fopen(paths[i], "re");
		if (!f)
			continue;
		n += lockout_read_sessions(f, i, port, out + n, max - n);
		fclose(f);
	}
	return n;
}
