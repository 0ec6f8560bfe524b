/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels imgsec builds against (Debian bullseye
 * 5.10, bookworm 6.1, bookworm-backports/trixie 6.12), in this one header,
 * so that the rest of the module is written against the newest API.
 *
 * Each shim names the release that made it unnecessary. When the oldest
 * supported kernel passes that release, delete the shim, not the caller.
 */
#ifndef _IMGSEC_COMPAT_H
#define _IMGSEC_COMPAT_H

#include <linux/version.h>

/* True when building against a kernel older than release @a.@b. */
#define IMGSEC_KERNEL_BEFORE(a, b) (KERNEL_VERSION(a, b, 0) > LINUX_VERSION_CODE)

/* 5.16 moved kvzalloc() and kvfree() from <linux/mm.h> to <linux/slab.h>. */
#if IMGSEC_KERNEL_BEFORE(5, 16)
#include <linux/mm.h>
#endif

/*
 * 5.11 renamed nla_strlcpy() to nla_strscpy() and made it return -E2BIG,
 * not the source length, when the string does not fit.
 */
#if IMGSEC_KERNEL_BEFORE(5, 11)
#include <net/netlink.h>

static inline ssize_t imgsec_nla_strscpy(char *dst, const struct nlattr *nla,
					 size_t dstsize)
{
	size_t len = nla_strlcpy(dst, nla, dstsize);

	return len >= dstsize ? -E2BIG : len;
}

#define nla_strscpy imgsec_nla_strscpy
#endif

/*
 * 6.0 added GENL_REQ_ATTR_CHECK(), which also names the missing attribute
 * in the extended ack (NLMSGERR_ATTR_MISS_TYPE). Before, say it in words.
 */
#if IMGSEC_KERNEL_BEFORE(6, 0)
#include <net/genetlink.h>

#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	struct genl_info *__info = (info);				\
	bool __missing = !__info->attrs[(attr)];			\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__info->extack,				\
			       "required attribute missing");		\
	__missing;							\
})
#endif

/*
 * 5.11 exported int_active_memcg, which set_active_memcg() writes in
 * interrupt context. Before, the helper's TCP state is charged to no
 * memory cgroup: it stays within rpc_max_conns.
 */
#if IMGSEC_KERNEL_BEFORE(5, 11)
#include <linux/sched/mm.h>

static inline struct mem_cgroup *imgsec_set_active_memcg(struct mem_cgroup *m)
{
	return NULL;
}

#define set_active_memcg imgsec_set_active_memcg
#endif

/*
 * The multicast group flag "listening needs CAP_NET_ADMIN in the
 * namespace" is GENL_MCAST_CAP_NET_ADMIN since 6.7 (and 6.1.y); the stable
 * kernels before it (5.10.y) check the same in the group's flags under the
 * name GENL_UNS_ADMIN_PERM.
 */
#include <net/genetlink.h>

#ifndef GENL_MCAST_CAP_NET_ADMIN
#define GENL_MCAST_CAP_NET_ADMIN GENL_UNS_ADMIN_PERM
#endif

/* 5.19 made a conntrack entry's reference count a refcount_t. */
#if IMGSEC_KERNEL_BEFORE(5, 19)
#define imgsec_ct_refs(ct)	atomic_read(&(ct)->ct_general.use)
#else
#define imgsec_ct_refs(ct)	refcount_read(&(ct)->ct_general.use)
#endif

/*
 * nf_conncount (per-source caps, policy.c). Its API changed twice, and
 * both changes went back into the stable kernels, so the version number
 * cannot tell them apart (6.1.192 has the second, 6.1.0 neither): Kbuild
 * looks into the header it builds against and says which.
 * - IMGSEC_CONNCOUNT_INIT_FAMILY (5.10, 6.1): nf_conncount_init() and
 *   _destroy() take a family (NFPROTO_INET: both) and hold conntrack for
 *   it; the newer ones (6.12) take none and leave that to the caller,
 *   whose hooks hold it already (imgsec_hooks_register()).
 * - IMGSEC_CONNCOUNT_SKB: nf_conncount_count_skb() takes the packet and
 *   finds its conntrack entry itself; before, nf_conncount_count() takes
 *   the entry's tuple and zone.
 */
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_count.h>
#include <net/netfilter/nf_conntrack_zones.h>

#ifdef IMGSEC_CONNCOUNT_INIT_FAMILY
#define imgsec_conncount_init(net, keylen) \
	nf_conncount_init(net, NFPROTO_INET, keylen)
#define imgsec_conncount_destroy(net, data) \
	nf_conncount_destroy(net, NFPROTO_INET, data)
#else
#define imgsec_conncount_init(net, keylen) nf_conncount_init(net, keylen)
#define imgsec_conncount_destroy(net, data) nf_conncount_destroy(net, data)
#endif

/* Count @ct, @skb's new entry, with the others under @key; 0: failed. */
static inline unsigned int imgsec_conncount(struct net *net,
					    struct nf_conncount_data *data,
					    const u32 *key,
					    const struct sk_buff *skb,
					    const struct nf_conn *ct)
{
#ifdef IMGSEC_CONNCOUNT_SKB
	return nf_conncount_count_skb(net, skb, nf_ct_l3num(ct), data, key);
#else
	return nf_conncount_count(net, data, key,
				  &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple,
				  nf_ct_zone(ct));
#endif
}

/*
 * nf_nat_exp_find_port() (net/netfilter/nf_nat_helper.c) came with 6.5
 * and to 6.1.y, not to 5.10.y (module/Kbuild looks in the header): the
 * same search here, the asked port first, then random ones above it.
 */
#ifndef IMGSEC_HAVE_NF_NAT_EXP_FIND_PORT
#include <linux/prandom.h>
#include <net/netfilter/nf_conntrack_expect.h>

static inline u16 imgsec_nat_exp_find_port(struct nf_conntrack_expect *exp,
					   u16 port)
{
	int range = USHRT_MAX - port;
	int attempts_left = min(range, 128);
	u16 min = port;

	for (;;) {
		int res;

		exp->tuple.dst.u.tcp.port = htons(port);
		res = nf_ct_expect_related(exp, 0);
		if (res == 0)
			return port;
		if (res != -EBUSY || --attempts_left < 0 || range <= 0)
			return 0;
		port = min + prandom_u32_max(range);
	}
}

#define nf_nat_exp_find_port imgsec_nat_exp_find_port
#endif

/*
 * An expectation's expiry is a jiffies32 stamp, read locklessly, since the
 * stable kernels that have nf_ct_exp_is_expired() (6.1.y, 6.12; module/Kbuild
 * looks in the header); a timer before (5.10.y). Push an expectation that
 * has not expired yet to @timeout jiffies from now; false if it has (it is
 * being removed: left to die). Under nf_conntrack_expect_lock, which every
 * unlink takes.
 */
#include <net/netfilter/nf_conntrack_expect.h>

static inline bool imgsec_exp_renew(struct nf_conntrack_expect *exp,
				    unsigned long timeout)
{
#ifdef IMGSEC_HAVE_EXP_STAMP
	if (nf_ct_exp_is_expired(exp))
		return false;
	WRITE_ONCE(exp->timeout, nfct_time_stamp + (u32)timeout);
	return true;
#else
	/* A timer that fired already is waiting for the lock to unlink. */
	return mod_timer_pending(&exp->timeout, jiffies + timeout);
#endif
}

/* When @exp expires, a jiffies32 stamp as a conntrack entry's timeout. */
static inline u32 imgsec_exp_expires(const struct nf_conntrack_expect *exp)
{
#ifdef IMGSEC_HAVE_EXP_STAMP
	return READ_ONCE(exp->timeout);
#else
	return (u32)READ_ONCE(exp->timeout.expires);
#endif
}

/* Unlink @exp now, under nf_conntrack_expect_lock; 5.10: its timer first. */
static inline void imgsec_exp_remove(struct nf_conntrack_expect *exp)
{
#ifdef IMGSEC_HAVE_EXP_STAMP
	nf_ct_unlink_expect(exp);
#else
	nf_ct_remove_expect(exp);
#endif
}

#endif /* _IMGSEC_COMPAT_H */
