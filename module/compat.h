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

#endif /* _IMGSEC_COMPAT_H */
