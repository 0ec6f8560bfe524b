// SPDX-License-Identifier: GPL-2.0
/*
 * Pure parsers for portmap/rpcbind lookups: see rpc.h. Every field is read
 * through struct rpc_cursor, which checks the length first; nothing here
 * allocates, recurses or sleeps, so the same code runs in softirq context in
 * the kernel and in userspace unit tests and fuzzers.
 */
#include <linux/in.h>

#include "rpc.h"

#define RPC_MSG_CALL		0
#define RPC_MSG_REPLY		1
#define RPC_VERSION		2

#define RPC_MSG_ACCEPTED	0
#define RPC_MSG_DENIED		1
#define RPC_ACCEPT_SUCCESS	0

#define PMAP_VERS		2
#define RPCB_VERS		3
#define RPCB_VERS4		4
#define PMAPPROC_GETPORT	3
#define RPCBPROC_GETADDR	3
#define RPCBPROC_GETVERSADDR	9

/*
 * Longest strings accepted in rpcb arguments and results. The only netids
 * we act on have at most 4 characters and a uaddr at most 46 ("ffff:...
 * .255.255"); owners are user names or uids. Anything longer is not a real
 * client, and bounding it keeps a record within RPC_MAX_RECORD.
 */
#define RPC_MAX_NETID		32
#define RPC_MAX_UADDR		128
#define RPC_MAX_OWNER		256

/* The unread part of a record; every read checks @left first. */
struct rpc_cursor {
	const u8 *p;
	size_t left;
};

static bool rpc_get_u32(struct rpc_cursor *c, u32 *v)
{
	if (c->left < 4)
		return false;
	*v = imgsec_get_be32(c->p);
	c->p += 4;
	c->left -= 4;
	return true;
}

/* XDR opaque<@max> or string<@max>: length, bytes, padding to 4 bytes. */
static bool rpc_get_opaque(struct rpc_cursor *c, u32 max, const u8 **data,
			   u32 *len)
{
	size_t padded;
	u32 n;

	if (!rpc_get_u32(c, &n) || n > max)
		return false;
	padded = ((size_t)n + 3) & ~(size_t)3;
	if (c->left < padded)
		return false;
	*data = c->p;
	*len = n;
	c->p += padded;
	c->left -= padded;
	return true;
}

/*
 * Credential or verifier: flavor and body. Real AUTH_SYS credentials vary
 * with the machine name and group list, so the body is walked by its
 * length, never assumed.
 */
static bool rpc_skip_auth(struct rpc_cursor *c)
{
	const u8 *body;
	u32 flavor, len;

	return rpc_get_u32(c, &flavor) &&
	       rpc_get_opaque(c, RPC_MAX_AUTH_BYTES, &body, &len);
}

static bool rpc_is_lookup(u32 vers, u32 proc)
{
	switch (vers) {
	case PMAP_VERS:
		return proc == PMAPPROC_GETPORT;
	case RPCB_VERS:
		return proc == RPCBPROC_GETADDR;
	case RPCB_VERS4:
		return proc == RPCBPROC_GETADDR ||
		       proc == RPCBPROC_GETVERSADDR;
	}
	return false;
}

/* "tcp", "udp", "tcp6", "udp6": the netids of IP transports. */
static bool rpc_parse_netid(const u8 *s, u32 len, struct rpc_lookup *call)
{
	call->family = 4;
	if (len == 4 && s[3] == '6') {
		call->family = 6;
		len = 3;
	}
	if (len != 3)
		return false;
	if (!memcmp(s, "tcp", 3))
		call->proto = IPPROTO_TCP;
	else if (!memcmp(s, "udp", 3))
		call->proto = IPPROTO_UDP;
	else
		return false;
	return true;
}

/* PMAPPROC_GETPORT arguments: struct mapping {prog, vers, prot, port}. */
static enum rpc_result rpc_parse_getport(struct rpc_cursor *c,
					 struct rpc_lookup *call)
{
	u32 vers, prot, port;

	if (!rpc_get_u32(c, &call->prog) || !rpc_get_u32(c, &vers) ||
	    !rpc_get_u32(c, &prot) || !rpc_get_u32(c, &port) || c->left)
		return RPC_MALFORMED;
	if (prot != IPPROTO_TCP && prot != IPPROTO_UDP)
		return RPC_NOT_LOOKUP;
	call->proto = prot;
	call->family = 0;
	return RPC_OK;
}

/*
 * RPCBPROC_GETADDR / GETVERSADDR arguments: struct rpcb {r_prog, r_vers,
 * r_netid, r_addr, r_owner}. The protocol and family come from r_netid;
 * rpcbind itself answers for the transport the query came on, so the
 * caller must check that they agree with the connection.
 */
static enum rpc_result rpc_parse_rpcb(struct rpc_cursor *c,
				      struct rpc_lookup *call)
{
	const u8 *netid, *addr, *owner;
	u32 vers, netid_len, addr_len, owner_len;

	if (!rpc_get_u32(c, &call->prog) || !rpc_get_u32(c, &vers) ||
	    !rpc_get_opaque(c, RPC_MAX_NETID, &netid, &netid_len) ||
	    !rpc_get_opaque(c, RPC_MAX_UADDR, &addr, &addr_len) ||
	    !rpc_get_opaque(c, RPC_MAX_OWNER, &owner, &owner_len) || c->left)
		return RPC_MALFORMED;
	if (!rpc_parse_netid(netid, netid_len, call))
		return RPC_NOT_LOOKUP;
	return RPC_OK;
}

enum rpc_result rpc_parse_call(const u8 *buf, size_t len,
			       struct rpc_lookup *call)
{
	struct rpc_cursor c = { .p = buf, .left = len };
	struct rpc_lookup l = {};
	u32 msg_type, rpcvers, prog, proc;
	enum rpc_result ret;

	if (!rpc_get_u32(&c, &l.xid) || !rpc_get_u32(&c, &msg_type) ||
	    msg_type != RPC_MSG_CALL || !rpc_get_u32(&c, &rpcvers) ||
	    rpcvers != RPC_VERSION || !rpc_get_u32(&c, &prog) ||
	    !rpc_get_u32(&c, &l.vers) || !rpc_get_u32(&c, &proc) ||
	    !rpc_skip_auth(&c) || !rpc_skip_auth(&c))
		return RPC_MALFORMED;
	/* CALLIT, INDIRECT, BCAST, GETADDRLIST... never open anything. */
	if (prog != RPC_PMAP_PROGRAM || !rpc_is_lookup(l.vers, proc))
		return RPC_NOT_LOOKUP;
	if (l.vers == PMAP_VERS)
		ret = rpc_parse_getport(&c, &l);
	else
		ret = rpc_parse_rpcb(&c, &l);
	if (ret != RPC_OK)
		return ret;
	/*
	 * Asking portmap where portmap is would expect port 111: later
	 * connections to it would become expected children of this one
	 * (the conntrack-tools bug fixed in 2024).
	 */
	if (l.prog == RPC_PMAP_PROGRAM)
		return RPC_NOT_LOOKUP;
	*call = l;
	return RPC_OK;
}

enum rpc_result rpc_reply_xid(const u8 *buf, size_t len, u32 *xid)
{
	if (len < 8 || imgsec_get_be32(buf + 4) != RPC_MSG_REPLY)
		return RPC_MALFORMED;
	*xid = imgsec_get_be32(buf);
	return RPC_OK;
}

/* portmap v2 result: a port, 0 when the program is not registered. */
static enum rpc_result rpc_parse_port(struct rpc_cursor *c,
				      struct rpc_answer *ans)
{
	u32 port;

	if (!rpc_get_u32(c, &port) || c->left || port > 0xffff)
		return RPC_MALFORMED;
	ans->port = port;
	return RPC_OK;
}

/* rpcbind v3/v4 result: a uaddr, empty when not registered. */
static enum rpc_result rpc_parse_addr(struct rpc_cursor *c, u8 family,
				      struct rpc_answer *ans)
{
	const u8 *uaddr;
	u32 len;

	if (!rpc_get_opaque(c, RPC_MAX_UADDR, &uaddr, &len) || c->left)
		return RPC_MALFORMED;
	if (!len)
		return RPC_OK;
	if (rpc_parse_uaddr((const char *)uaddr, len, family, ans->addr,
			    &ans->port))
		return RPC_MALFORMED;
	ans->has_addr = true;
	ans->family = family;
	return RPC_OK;
}

/* A reply up to its result, which @c is left at, if accepted and a success. */
static enum rpc_result rpc_reply_accepted(struct rpc_cursor *c, u32 *xid)
{
	u32 msg_type, stat;

	if (!rpc_get_u32(c, xid) || !rpc_get_u32(c, &msg_type) ||
	    msg_type != RPC_MSG_REPLY || !rpc_get_u32(c, &stat))
		return RPC_MALFORMED;
	if (stat == RPC_MSG_DENIED)
		return RPC_NOT_LOOKUP;
	if (stat != RPC_MSG_ACCEPTED || !rpc_skip_auth(c) ||
	    !rpc_get_u32(c, &stat))
		return RPC_MALFORMED;
	/* PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS... */
	if (stat != RPC_ACCEPT_SUCCESS)
		return RPC_NOT_LOOKUP;
	return RPC_OK;
}

enum rpc_result rpc_reply_head(const u8 *buf, size_t len, u32 *xid,
			       u32 *result_off)
{
	struct rpc_cursor c = { .p = buf, .left = len };
	enum rpc_result ret = rpc_reply_accepted(&c, xid);

	if (ret == RPC_OK)
		*result_off = c.p - buf;
	return ret;
}

enum rpc_result rpc_parse_reply(const u8 *buf, size_t len,
				const struct rpc_lookup *call,
				struct rpc_answer *ans)
{
	struct rpc_cursor c = { .p = buf, .left = len };
	struct rpc_answer a = {};
	enum rpc_result ret;
	u32 xid;

	ret = rpc_reply_accepted(&c, &xid);
	if (ret != RPC_OK)
		return ret;
	if (xid != call->xid)
		return RPC_NOT_LOOKUP;
	a.result_off = c.p - buf;
	if (call->vers == PMAP_VERS)
		ret = rpc_parse_port(&c, &a);
	else
		ret = rpc_parse_addr(&c, call->family, &a);
	if (ret == RPC_OK)
		*ans = a;
	return ret;
}

/*
 * A decimal field 0..255 filling all of @s: no sign, no leading zero.
 * inet_aton() reads "010" as octal 8, the kernel as 10; no rpcbind writes
 * either (taddr2uaddr() prints with %u), so refuse the ambiguity.
 */
static bool rpc_dec_octet(const char *s, size_t len, u8 *v)
{
	u32 n = 0;
	size_t i;

	if (!len || len > 3 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (n > 255)
		return false;
	*v = n;
	return true;
}

/* Exactly @count dot-separated decimal octets filling all of @s. */
static bool rpc_dec_octets(const char *s, size_t len, u8 *out,
			   unsigned int count)
{
	unsigned int n = 0;
	size_t i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (n == count || !rpc_dec_octet(s + start, i - start, &out[n]))
			return false;
		n++;
		start = i + 1;
	}
	return n == count;
}

/*
 * Up to 4 hex digits at s[*i]; returns how many (5 meaning too many), and
 * leaves *i after them.
 */
static unsigned int rpc_hex_group(const char *s, size_t len, size_t *i,
				  u16 *word)
{
	unsigned int n = 0;
	u32 w = 0;

	while (*i < len && n < 5 && imgsec_hex_digit(s[*i]) >= 0) {
		w = w << 4 | imgsec_hex_digit(s[*i]);
		(*i)++;
		n++;
	}
	*word = w;
	return n;
}

/* Place @n parsed words in @addr, the ones after "::" (@gap) at the end. */
static void rpc_ip6_expand(const u16 *words, int n, int gap, u8 addr[16])
{
	int k, pos;

	memset(addr, 0, 16);
	for (k = 0; k < n; k++) {
		pos = gap >= 0 && k >= gap ? k + 8 - n : k;
		addr[2 * pos] = words[k] >> 8;
		addr[2 * pos + 1] = words[k] & 0xff;
	}
}

/*
 * RFC 4291 text form, as RFC 5665 asks: 1-4 hex digits per group, one
 * "::" for one or more zero groups, and a dotted IPv4 tail in the last 32
 * bits, which glibc's inet_ntop() (so libtirpc's taddr2uaddr()) writes
 * for v4-mapped and v4-compatible addresses. No "%scope": inet_ntop()
 * never writes one, and a zone is not part of a conntrack tuple.
 */
static bool rpc_parse_ip6(const char *s, size_t len, u8 addr[16])
{
	u16 words[8];
	int n = 0, gap = -1;
	size_t i = 0, start;
	u8 quad[4];

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	}
	while (i < len) {
		start = i;
		if (n == 8 || rpc_hex_group(s, len, &i, &words[n]) == 0)
			return false;
		if (i < len && s[i] == '.') {
			if (n > 6 || !rpc_dec_octets(s + start, len - start,
						     quad, 4))
				return false;
			words[n++] = quad[0] << 8 | quad[1];
			words[n++] = quad[2] << 8 | quad[3];
			break;
		}
		if (i - start > 4)
			return false;
		n++;
		if (i == len)
			break;
		if (s[i++] != ':' || i == len)
			return false;
		if (s[i] == ':') {
			if (gap >= 0)
				return false;
			gap = n;
			i++;
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return false;
	rpc_ip6_expand(words, n, gap, addr);
	return true;
}

int rpc_parse_uaddr(const char *s, size_t len, u8 family, u8 addr[16],
		    u16 *port)
{
	size_t dots = 0, host_len = len;
	u8 f[6];

	if (family == 4) {
		if (!rpc_dec_octets(s, len, f, 6))
			return -EINVAL;
		memset(addr, 0, 16);
		memcpy(addr, f, 4);
		*port = f[4] << 8 | f[5];
		return 0;
	}
	if (family != 6)
		return -EINVAL;
	/* The port is in the last two dot-separated fields. */
	while (host_len && dots < 2) {
		host_len--;
		if (s[host_len] == '.')
			dots++;
	}
	if (dots < 2 ||
	    !rpc_dec_octets(s + host_len + 1, len - host_len - 1, f, 2) ||
	    !rpc_parse_ip6(s, host_len, addr))
		return -EINVAL;
	*port = f[0] << 8 | f[1];
	return 0;
}

/* What a ledger keeps of a call: the lookup, or only the xid. */
static void rpc_lookup_of(struct rpc_lookup *out, u32 xid,
			  const struct rpc_lookup *call)
{
	if (call)
		*out = *call;
	else
		memset(out, 0, sizeof(*out));
	out->xid = xid;
}

bool rpc_pending_call(struct rpc_pending *p, u32 xid,
		      const struct rpc_lookup *call, bool allowed)
{
	unsigned int i, slot = RPC_MAX_PENDING;

	if (p->untrusted)
		return false;
	for (i = 0; i < RPC_MAX_PENDING; i++) {
		if (!(p->used & (1u << i))) {
			if (slot == RPC_MAX_PENDING)
				slot = i;
		} else if (p->calls[i].xid == xid) {
			slot = RPC_MAX_PENDING;		/* asked twice */
			break;
		}
	}
	if (slot == RPC_MAX_PENDING) {
		p->untrusted = true;
		return false;
	}
	rpc_lookup_of(&p->calls[slot], xid, call);
	p->used |= 1u << slot;
	if (call && allowed)
		p->refused &= ~(1u << slot);
	else
		p->refused |= 1u << slot;
	return true;
}

enum rpc_verdict rpc_pending_reply(struct rpc_pending *p, u32 xid,
				   struct rpc_lookup *call)
{
	unsigned int i;
	u8 bit;

	for (i = 0; i < RPC_MAX_PENDING; i++) {
		bit = 1u << i;
		if (!(p->used & bit) || p->calls[i].xid != xid)
			continue;
		p->used &= ~bit;
		if (p->untrusted || (p->refused & bit))
			return RPC_REFUSED;
		*call = p->calls[i];
		return RPC_OPEN;
	}
	return RPC_UNMATCHED;
}

bool rpc_pending_peek(const struct rpc_pending *p, u32 xid,
		      struct rpc_lookup *call)
{
	unsigned int i;

	for (i = 0; i < RPC_MAX_PENDING; i++) {
		if (!(p->used & (1u << i)) || p->calls[i].xid != xid)
			continue;
		if (p->untrusted || (p->refused & (1u << i)))
			return false;
		*call = p->calls[i];
		return true;
	}
	return false;
}

static_assert(RPC_MAX_PENDING <= 8 * sizeof(((struct rpc_pending *)0)->used),
	      "rpc_pending.used must have a bit per slot");

static bool rpc_same_call(const struct rpc_lookup *a,
			  const struct rpc_lookup *b)
{
	return a->xid == b->xid && a->vers == b->vers && a->prog == b->prog &&
	       a->proto == b->proto && a->family == b->family;
}

bool rpc_slot_call(struct rpc_slot *s, u32 xid, const struct rpc_lookup *call,
		   bool allowed)
{
	struct rpc_lookup c;
	bool refused = !call || !allowed;

	if (s->untrusted)
		return false;
	rpc_lookup_of(&c, xid, call);
	if (!s->outstanding) {
		s->call = c;
		s->refused = refused;
		s->outstanding = 1;
		return true;
	}
	/* A retransmission; more than a u8 counts is not one. */
	if (rpc_same_call(&s->call, &c) && s->refused == refused &&
	    s->outstanding < 0xff) {
		s->outstanding++;
		return true;
	}
	s->untrusted = true;
	return false;
}

enum rpc_verdict rpc_slot_reply(struct rpc_slot *s, u32 xid,
				struct rpc_lookup *call)
{
	if (!s->outstanding || s->call.xid != xid)
		return RPC_UNMATCHED;
	s->outstanding--;
	if (s->untrusted || s->refused)
		return RPC_REFUSED;
	*call = s->call;
	return RPC_OPEN;
}

void rpc_slot_merge(struct rpc_slot *dst, const struct rpc_slot *src)
{
	unsigned int n;

	if (src->untrusted) {
		dst->untrusted = true;
		return;
	}
	for (n = src->outstanding; n; n--)
		if (!rpc_slot_call(dst, src->call.xid, &src->call,
				   !src->refused))
			return;
}

/* Gather the 4-byte record mark; on the last byte, start its fragment. */
static size_t rpc_stream_mark(struct rpc_stream *s, const u8 *data,
			      size_t len, struct rpc_stream_stats *st)
{
	size_t n = sizeof(s->hdr) - s->hdr_len;
	u32 mark;

	if (n > len)
		n = len;
	memcpy(s->hdr + s->hdr_len, data, n);
	s->hdr_len += n;
	if (s->hdr_len < sizeof(s->hdr))
		return n;
	mark = imgsec_get_be32(s->hdr);
	s->last_frag = mark & RPC_RECORD_LAST;
	s->frag_left = mark & ~RPC_RECORD_LAST;
	/* rec_len never exceeds RPC_MAX_RECORD, so this cannot wrap. */
	if (!s->skipping && s->frag_left > RPC_MAX_RECORD - s->rec_len) {
		s->skipping = true;
		st->oversized++;
	}
	return n;
}

/* Fragment bytes: kept, or dropped when the record is too long. */
static size_t rpc_stream_body(struct rpc_stream *s, const u8 *data,
			      size_t len)
{
	size_t n = s->frag_left;

	if (n > len)
		n = len;
	if (!s->skipping) {
		memcpy(s->buf + s->rec_len, data, n);
		s->rec_len += n;
	}
	s->frag_left -= n;
	return n;
}

static void rpc_stream_frag_done(struct rpc_stream *s, rpc_record_fn fn,
				 void *ctx, struct rpc_stream_stats *st)
{
	s->hdr_len = 0;
	if (!s->last_frag)
		return;
	if (s->skipping) {
		st->too_long++;
	} else {
		st->records++;
		fn(ctx, s->buf, s->rec_len);
	}
	s->rec_len = 0;
	s->skipping = false;
}

/* Sequence number @a is after @b, modulo 2^32 (RFC 1982 style). */
static bool rpc_seq_after(u32 a, u32 b)
{
	u32 d = a - b;

	return d && d < 0x80000000u;
}

/*
 * Keep only the bytes after next_seq. Returns false when there are none,
 * or when bytes before @seq were never seen (a gap): from then on record
 * boundaries are unknown, and guessing them would let payload bytes pass
 * for a record mark.
 */
static bool rpc_stream_trim(struct rpc_stream *s, u32 seq, const u8 **data,
			    size_t *len, struct rpc_stream_stats *st)
{
	u32 old;

	if (rpc_seq_after(seq, s->next_seq)) {
		s->desynced = true;
		st->desyncs = 1;
		return false;
	}
	old = s->next_seq - seq;
	if (old)
		st->overlaps++;
	if (old >= *len)
		return false;	/* a retransmission */
	*data += old;
	*len -= old;
	s->next_seq += *len;
	return true;
}

void rpc_stream_start(struct rpc_stream *s, u32 seq)
{
	s->next_seq = seq;
	s->started = true;
}

void rpc_stream_feed(struct rpc_stream *s, u32 seq, const u8 *data,
		     size_t len, rpc_record_fn fn, void *ctx,
		     struct rpc_stream_stats *st)
{
	size_t n;

	/* An empty segment (a bare ACK or FIN) carries nothing to follow. */
	if (!s->started || s->desynced || !len ||
	    !rpc_stream_trim(s, seq, &data, &len, st))
		return;
	while (len) {
		if (s->hdr_len < sizeof(s->hdr)) {
			/* A record starts (or only empty fragments came yet). */
			if (!s->hdr_len && !s->rec_len)
				s->rec_seq = s->next_seq - len;
			n = rpc_stream_mark(s, data, len, st);
			data += n;
			len -= n;
			if (s->hdr_len < sizeof(s->hdr))
				break;
		}
		n = rpc_stream_body(s, data, len);
		data += n;
		len -= n;
		if (!s->frag_left)
			rpc_stream_frag_done(s, fn, ctx, st);
	}
}
