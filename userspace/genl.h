/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client on libmnl: resolve a family by name,
 * send a request and wait for its acknowledgement, run a dump (restarting
 * it when the kernel marks it interrupted), join a multicast group by name.
 * Every kernel error keeps its extended ACK (message, offending attribute
 * offset, missing attribute) for a plain-words report.
 */
#ifndef _IMGSECCTL_GENL_H
#define _IMGSECCTL_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#define GENL_MAX_GROUPS		8
#define GENL_GROUP_NAME_LEN	32
/* Dumps restarted more often than this fail with -EAGAIN. */
#define GENL_DUMP_TRIES		10

/* The last error the kernel reported, with its extended ACK. */
struct genl_error {
	int err;		/* positive errno, 0 if none */
	char msg[256];		/* the kernel's extack message, or "" */
	bool has_offset;
	uint32_t offset;	/* offending attribute, bytes into the request */
	bool has_miss_type;
	uint32_t miss_type;	/* a missing required attribute */
};

struct genl_group {
	char name[GENL_GROUP_NAME_LEN];
	uint32_t id;
};

struct genl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;	/* resolved family id */
	uint32_t version;	/* the family's version in the kernel */
	unsigned int ngroups;
	struct genl_group groups[GENL_MAX_GROUPS];
	char *buf;		/* receive buffer */
	size_t buflen;
	struct genl_error error;
};

/*
 * A dump callback returns MNL_CB_OK to go on, MNL_CB_ERROR (errno set) to
 * fail, or GENL_CB_RESTART when what it read is inconsistent (the policy
 * changed under it): the dump is then drained and run again.
 */
#define GENL_CB_RESTART	2

struct genl_dump_ops {
	/* Forget what earlier messages said; called before every run. */
	void (*reset)(void *data);
	mnl_cb_t msg;
};

/*
 * Open a socket and resolve @family. Returns 0, -ENOENT when the kernel
 * has no such family (the module is not loaded), or another -errno.
 */
int genl_open(struct genl *g, const char *family);
void genl_close(struct genl *g);

/* Start a message for @cmd in @buf (zeroed here); flags besides REQUEST. */
struct nlmsghdr *genl_msg_start(const struct genl *g, void *buf, size_t len,
				uint8_t cmd, uint16_t flags);

/*
 * Send @nlh with NLM_F_ACK, pass every reply to @cb (may be NULL), wait for
 * the ACK. Returns 0 or -errno with g->error filled.
 */
int genl_request(struct genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data);

/* Dump @cmd; see struct genl_dump_ops. Returns 0 or -errno. */
int genl_dump(struct genl *g, uint8_t cmd, const struct genl_dump_ops *ops,
	      void *data);

/*
 * Let the socket send a message of @len bytes: SO_SNDBUFFORCE, else
 * SO_SNDBUF. Returns 0, or -EMSGSIZE if the kernel will not allow it.
 */
int genl_allow_send(struct genl *g, size_t len);

/* Join multicast group @name of the family. Returns 0, -ENOENT or -errno. */
int genl_join_group(struct genl *g, const char *name);

/*
 * Receive once and pass each message to @cb. Returns 0, or -errno:
 * -EINTR when a signal came, -ENOBUFS when events were lost.
 */
int genl_recv_events(struct genl *g, mnl_cb_t cb, void *data);

/* A family as nlctrl tells it: GETFAMILY replies and its notifications. */
struct genl_family_info {
	char name[GENL_GROUP_NAME_LEN];
	uint16_t id;
	uint32_t version;
	unsigned int ngroups;
	struct genl_group groups[GENL_MAX_GROUPS];
};

/*
 * Decode a message of nlctrl (CTRL_CMD_NEWFAMILY, _DELFAMILY, ...): its
 * command in @cmd. Returns 0, -ENOENT if it is not nlctrl's, -EBADMSG.
 */
int genl_ctrl_parse(const struct nlmsghdr *nlh, uint8_t *cmd,
		    struct genl_family_info *fi);

/*
 * Whether the kernel has @family now, from a dump of all families on a
 * socket of its own: unlike genl_open(), which asks for it by name, this
 * never makes the kernel load the module (MODULE_ALIAS_GENL_FAMILY).
 * Returns 1 (@fi filled), 0 if it has none, or -errno.
 */
int genl_family_lookup(const char *family, struct genl_family_info *fi);

/* Talk to the family as @fi describes it (once it was registered again). */
void genl_use_family(struct genl *g, const struct genl_family_info *fi);

/*
 * Join nlctrl's "notify" group: CTRL_CMD_NEWFAMILY and _DELFAMILY come
 * when any family is registered or goes. Returns 0 or -errno.
 */
int genl_join_ctrl_notify(struct genl *g);

/* Messages the socket had to drop so far (SO_MEMINFO), or -errno. */
int genl_drops(struct genl *g, uint32_t *drops);

/* What @err means, in plain words for an operator. */
const char *genl_strerror(int err);

#endif /* _IMGSECCTL_GENL_H */
