/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the pure parts of imgsec (RPC parser, classifier, policy checks) need
 * from their environment, so that the same files build in the kernel and in
 * userspace unit tests, benchmarks and fuzzers.
 */
#ifndef _IMGSEC_PORTABLE_H
#define _IMGSEC_PORTABLE_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>	/* reciprocal_scale() */
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

#include "compat.h"

/* Charged to the caller's memory cgroup, as nf_tables does. */
#define imgsec_zalloc(size)	kvzalloc(size, GFP_KERNEL_ACCOUNT)
#define imgsec_free(ptr)	kvfree(ptr)
#define imgsec_random_u64()	get_random_u64()

/*
 * For a large array kept as long as a policy: past a page, vmalloc, whose
 * cost is @size rounded up to a page. kvzalloc() would try kmalloc first,
 * which rounds up to a power of two (up to twice the size). Freed by
 * imgsec_free(): kvfree() takes either.
 */
static inline void *imgsec_zalloc_table(size_t size)
{
	if (size <= PAGE_SIZE)
		return kzalloc(size, GFP_KERNEL_ACCOUNT);
	return __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}
#else
#include <assert.h>	/* static_assert(), as <linux/build_bug.h> */
#include <errno.h>
#include <sys/random.h>	/* getrandom() */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define imgsec_zalloc(size)	calloc(1, size)
#define imgsec_zalloc_table(size)	calloc(1, size)
#define imgsec_free(ptr)	free(ptr)

/* As get_random_u64(); a fixed value if getrandom() fails. */
static inline u64 imgsec_random_u64(void)
{
	u64 v = 0x9e3779b97f4a7c15ULL;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		return 0x9e3779b97f4a7c15ULL;
	return v;
}

/* As <linux/minmax.h>, less its type checks (the kernel build has them). */
#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b);	\
		     _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b);	\
		     _a > _b ? _a : _b; })
#define min_t(t, a, b) ({ __typeof__(t) _x = (a), _y = (b);		\
			  _x < _y ? _x : _y; })
#define swap(a, b) do {						\
	__typeof__(a) *_pa = &(a), *_pb = &(b), _t = *_pa;		\
	*_pa = *_pb;							\
	*_pb = _t;							\
} while (0)

/* As <linux/math.h>: @val (uniform over u32) scaled into 0 .. @ep_ro - 1. */
static inline u32 reciprocal_scale(u32 val, u32 ep_ro)
{
	return (u32)(((u64)val * ep_ro) >> 32);
}
#endif

/* Big-endian reads that need no alignment and no kernel headers. */
static inline u32 imgsec_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u16 imgsec_get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

/* The value of a hexadecimal digit, or -1. */
static inline int imgsec_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* _IMGSEC_PORTABLE_H */
