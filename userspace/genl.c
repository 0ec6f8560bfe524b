// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink over libmnl, in the spirit of wireguard-tools'
 * ipc-linux.h: one socket per command, every attribute's length checked,
 * the kernel's extended ACK kept for the operator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "genl.h"

/* Dump messages are at most 32 KiB; leave room. */
#define GENL_RECV_BUFLEN	(64 * 1024)
/* Bound on the messages one dump may return, whatever the kernel does. */
#define GENL_DUMP_MAX_MSGS	(1u << 20)
/* Monitor: a large receive buffer makes lost events rare. */
#define GENL_EVENTS_RCVBUF	(4 * 1024 * 1024)

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/* What one request/dump run keeps while messages come in. */
struct run_ctx {
	struct genl *g;
	mnl_cb_t cb;
	void *data;
	bool dump;
	bool restart;		/* NLM_F_DUMP_INTR or the callback asked */
	unsigned int nmsgs;
};

static void set_error(struct genl *g, int err)
{
	memset(&g->error, 0, sizeof(g->error));
	g->error.err = err;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct genl_error *e = data;
	size_t len;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			break;
		len = strnlen(mnl_attr_get_str(attr), sizeof(e->msg) - 1);
		memcpy(e->msg, mnl_attr_get_str(attr), len);
		e->msg[len] = '\0';
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			break;
		e->has_offset = true;
		e->offset = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			break;
		e->has_miss_type = true;
		e->miss_type = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* The TLVs after @skip bytes of @nlh's payload, if the kernel sent any. */
static void parse_extack(const struct nlmsghdr *nlh, size_t skip,
			 struct genl_error *e)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || skip > plen)
		return;
	mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) + skip,
			       plen - skip, extack_attr_cb, e);
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t skip = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		set_error(ctx->g, EBADMSG);
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;	/* the ACK */
	set_error(ctx->g, err->error < 0 ? -err->error : EPROTO);
	/* Without NLM_F_CAPPED the request's payload is echoed first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    err->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		skip += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	parse_extack(nlh, skip, &ctx->g->error);
	errno = ctx->g->error.err;
	return MNL_CB_ERROR;
}

/* The end of a dump; it may carry the dump's error and an extack. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;
	int err;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		ctx->restart = true;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	set_error(ctx->g, -err);
	parse_extack(nlh, sizeof(int), &ctx->g->error);
	errno = ctx->g->error.err;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;
	int ret;

	if (ctx->dump) {
		if (++ctx->nmsgs > GENL_DUMP_MAX_MSGS) {
			set_error(ctx->g, EOVERFLOW);
			errno = EOVERFLOW;
			return MNL_CB_ERROR;
		}
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			ctx->restart = true;
		if (ctx->restart)
			return MNL_CB_OK;	/* drain to NLMSG_DONE */
	}
	if (!ctx->cb)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr)) {
		set_error(ctx->g, EBADMSG);
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ret = ctx->cb(nlh, ctx->data);
	if (ret == GENL_CB_RESTART && ctx->dump) {
		ctx->restart = true;
		return MNL_CB_OK;
	}
	if (ret == MNL_CB_ERROR && !ctx->g->error.err)
		set_error(ctx->g, errno ? errno : EBADMSG);
	return ret;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/* Send @nlh, then receive until the ACK, the error or NLMSG_DONE. */
static int run(struct genl *g, struct nlmsghdr *nlh, struct run_ctx *ctx)
{
	ssize_t n;
	int ret;

	set_error(g, 0);
	nlh->nlmsg_seq = ++g->seq;
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0) {
		set_error(g, errno);
		return -g->error.err;
	}
	for (;;) {
		n = mnl_socket_recvfrom(g->nl, g->buf, g->buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			set_error(g, errno);
			return -g->error.err;
		}
		errno = 0;
		ret = mnl_cb_run2(g->buf, n, nlh->nlmsg_seq, g->portid,
				  data_cb, ctx, ctl_cbs, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR) {
			if (!g->error.err)
				set_error(g, errno ? errno : EPROTO);
			return -g->error.err;
		}
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

struct nlmsghdr *genl_msg_start(const struct genl *g, void *buf, size_t len,
				uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = g->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = (uint8_t)g->version;
	return nlh;
}

int genl_request(struct genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data)
{
	struct run_ctx ctx = { .g = g, .cb = cb, .data = data };

	nlh->nlmsg_flags |= NLM_F_ACK;
	return run(g, nlh, &ctx);
}

int genl_dump(struct genl *g, uint8_t cmd, const struct genl_dump_ops *ops,
	      void *data)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr))];
	struct run_ctx ctx;
	struct nlmsghdr *nlh;
	int tries, ret;

	for (tries = 0; tries < GENL_DUMP_TRIES; tries++) {
		ctx = (struct run_ctx){ .g = g, .cb = ops->msg, .data = data,
					.dump = true };
		ops->reset(data);
		nlh = genl_msg_start(g, buf, sizeof(buf), cmd, NLM_F_DUMP);
		ret = run(g, nlh, &ctx);
		if (ret)
			return ret;
		if (!ctx.restart)
			return 0;
	}
	set_error(g, EAGAIN);
	return -EAGAIN;
}

/* The family's id, version and multicast groups from CTRL_CMD_GETFAMILY. */
static int group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_NAME) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
	} else if (type == CTRL_ATTR_MCAST_GRP_ID) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
	}
	return MNL_CB_OK;
}

static int groups_cb(const struct nlattr *attr, void *data)
{
	struct genl *g = data;
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };
	struct genl_group *grp;
	const char *name;

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(attr, group_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID])
		return MNL_CB_ERROR;
	name = mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]);
	if (g->ngroups == GENL_MAX_GROUPS ||
	    strlen(name) >= GENL_GROUP_NAME_LEN)
		return MNL_CB_OK;	/* not one of ours: skip */
	grp = &g->groups[g->ngroups++];
	strcpy(grp->name, name);
	grp->id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct genl *g = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		g->family = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		g->version = mnl_attr_get_u32(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(attr, groups_cb, g) < 0)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			      data);
}

/* A bound socket with its buffer; the family is nlctrl until resolved. */
static int genl_socket(struct genl *g)
{
	int one = 1, ret;

	memset(g, 0, sizeof(*g));
	g->buflen = GENL_RECV_BUFLEN;
	g->buf = malloc(g->buflen);
	if (!g->buf)
		return -ENOMEM;
	g->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!g->nl || mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		genl_close(g);
		return ret;
	}
	g->portid = mnl_socket_get_portid(g->nl);
	g->seq = (uint32_t)time(NULL);
	/* Both are best effort: old kernels lack them. */
	mnl_socket_setsockopt(g->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(g->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	g->family = GENL_ID_CTRL;
	g->version = 1;
	return 0;
}

int genl_open(struct genl *g, const char *family)
{
	char buf[512];
	struct nlmsghdr *nlh;
	int ret;

	ret = genl_socket(g);
	if (ret)
		return ret;
	nlh = genl_msg_start(g, buf, sizeof(buf), CTRL_CMD_GETFAMILY, 0);
	if (!mnl_attr_put_strz_check(nlh, sizeof(buf), CTRL_ATTR_FAMILY_NAME,
				     family)) {
		genl_close(g);
		return -ENAMETOOLONG;
	}
	g->family = 0;
	ret = genl_request(g, nlh, family_cb, g);
	if (!ret && !g->family)
		ret = -EPROTO;
	if (ret) {
		/* Keep the error for the caller; close the rest. */
		struct genl_error e = g->error;

		genl_close(g);
		g->error = e;
		return ret;
	}
	return 0;
}

void genl_close(struct genl *g)
{
	if (g->nl)
		mnl_socket_close(g->nl);
	free(g->buf);
	memset(g, 0, sizeof(*g));
}

int genl_allow_send(struct genl *g, size_t len)
{
	int fd = mnl_socket_get_fd(g->nl);
	int want, have = 0;
	socklen_t optlen = sizeof(have);

	/* Netlink refuses messages larger than the buffer less 32 bytes. */
	if (len > (size_t)(1 << 29))
		return -EMSGSIZE;
	want = (int)len + 64 * 1024;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &optlen))
		return -errno;
	if ((size_t)have < len + 32)
		return -EMSGSIZE;
	return 0;
}

int genl_join_group(struct genl *g, const char *name)
{
	int fd = mnl_socket_get_fd(g->nl);
	int size = GENL_EVENTS_RCVBUF;
	unsigned int i;

	for (i = 0; i < g->ngroups; i++)
		if (!strcmp(g->groups[i].name, name))
			break;
	if (i == g->ngroups)
		return -ENOENT;
	if (mnl_socket_setsockopt(g->nl, NETLINK_ADD_MEMBERSHIP,
				  &g->groups[i].id, sizeof(g->groups[i].id)))
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

int genl_recv_events(struct genl *g, mnl_cb_t cb, void *data)
{
	struct run_ctx ctx = { .g = g, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	n = mnl_socket_recvfrom(g->nl, g->buf, g->buflen);
	if (n < 0)
		return -errno;
	set_error(g, 0);
	/* Events have sequence number and port id 0: check neither. */
	ret = mnl_cb_run2(g->buf, n, 0, 0, data_cb, &ctx, ctl_cbs,
			  NLMSG_MIN_TYPE);
	if (ret == MNL_CB_ERROR)
		return -(g->error.err ? g->error.err : EBADMSG);
	return 0;
}

static int ctrl_name_cb(const struct nlattr *attr, void *data)
{
	struct genl_family_info *fi = data;
	size_t len;

	if (mnl_attr_get_type(attr) != CTRL_ATTR_FAMILY_NAME)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	len = strnlen(mnl_attr_get_str(attr), sizeof(fi->name));
	if (len == sizeof(fi->name))
		return MNL_CB_ERROR;
	memcpy(fi->name, mnl_attr_get_str(attr), len + 1);
	return MNL_CB_OK;
}

int genl_ctrl_parse(const struct nlmsghdr *nlh, uint8_t *cmd,
		    struct genl_family_info *fi)
{
	const struct genlmsghdr *genl;
	struct genl scratch;

	memset(fi, 0, sizeof(*fi));
	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return -ENOENT;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return -EBADMSG;
	genl = mnl_nlmsg_get_payload(nlh);
	*cmd = genl->cmd;
	/* family_attr_cb() fills a struct genl: borrow one. */
	memset(&scratch, 0, sizeof(scratch));
	if (mnl_attr_parse(nlh, sizeof(*genl), ctrl_name_cb, fi) < 0 ||
	    mnl_attr_parse(nlh, sizeof(*genl), family_attr_cb, &scratch) < 0)
		return -EBADMSG;
	fi->id = scratch.family;
	fi->version = scratch.version;
	fi->ngroups = scratch.ngroups;
	memcpy(fi->groups, scratch.groups, sizeof(fi->groups));
	return 0;
}

struct lookup_ctx {
	const char *want;
	struct genl_family_info *fi;
	bool found;
};

static void lookup_reset(void *data)
{
	((struct lookup_ctx *)data)->found = false;
}

static int lookup_msg(const struct nlmsghdr *nlh, void *data)
{
	struct lookup_ctx *ctx = data;
	struct genl_family_info fi;
	uint8_t cmd;

	if (ctx->found || genl_ctrl_parse(nlh, &cmd, &fi) ||
	    strcmp(fi.name, ctx->want) || !fi.id)
		return MNL_CB_OK;
	*ctx->fi = fi;
	ctx->found = true;
	return MNL_CB_OK;
}

int genl_family_lookup(const char *family, struct genl_family_info *fi)
{
	static const struct genl_dump_ops ops = {
		.reset = lookup_reset,
		.msg = lookup_msg,
	};
	struct lookup_ctx ctx = { .want = family, .fi = fi };
	struct genl c;
	int ret;

	ret = genl_socket(&c);
	if (ret)
		return ret;
	ret = genl_dump(&c, CTRL_CMD_GETFAMILY, &ops, &ctx);
	genl_close(&c);
	if (ret)
		return ret;
	return ctx.found;
}

void genl_use_family(struct genl *g, const struct genl_family_info *fi)
{
	g->family = fi->id;
	g->version = fi->version;
	g->ngroups = fi->ngroups;
	memcpy(g->groups, fi->groups, sizeof(g->groups));
}

int genl_join_ctrl_notify(struct genl *g)
{
	struct genl c;
	unsigned int i;
	int ret;

	/* nlctrl is always there: asking for it by name loads nothing. */
	ret = genl_open(&c, "nlctrl");
	if (ret)
		return ret;
	for (i = 0; i < c.ngroups; i++)
		if (!strcmp(c.groups[i].name, "notify"))
			break;
	ret = -ENOENT;
	if (i < c.ngroups)
		ret = mnl_socket_setsockopt(g->nl, NETLINK_ADD_MEMBERSHIP,
					    &c.groups[i].id,
					    sizeof(c.groups[i].id)) ? -errno : 0;
	genl_close(&c);
	return ret;
}

int genl_drops(struct genl *g, uint32_t *drops)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(mnl_socket_get_fd(g->nl), SOL_SOCKET, SO_MEMINFO, mem,
		       &len))
		return -errno;
	if (len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return -EOPNOTSUPP;
	*drops = mem[SK_MEMINFO_DROPS];
	return 0;
}

const char *genl_strerror(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return "permission denied (this needs CAP_NET_ADMIN: run as root)";
	case ENOENT:
		return "not found";
	case EINVAL:
		return "invalid request";
	case ENOMEM:
		return "the kernel is out of memory";
	case EMSGSIZE:
		return "the message is too large";
	case EOPNOTSUPP:
		return "not supported by this version of the imgsec module";
	case EBUSY:
		return "busy, try again";
	case EAGAIN:
		return "the policy kept changing while it was read, try again";
	case EBADMSG:
	case EPROTO:
	case EOVERFLOW:
		return "the kernel's answer was not understood (module and imgsecctl versions differ?)";
	case ENOSPC:
		return "a kernel message was larger than the receive buffer";
	case ENOBUFS:
		return "messages were lost (receive buffer overrun)";
	}
	return strerror(err);
}
