/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * touch=: the bytes at the start of each buffer a loop workload reads and writes between
 * getting it and giving it back, as a driver reads and writes a received packet's header
 * (allocators/core/buf_touch.h says why). Default 64: one cache line, the driver's first
 * miss; 0 turns it off, which is how the figures before issue 10 part 7 were taken. The
 * kernel module's touch= parameter feeds the same key, with the same default, and its k_*
 * loops touch the same bytes, so like-named rows in both worlds do the same work.
 */
#ifndef PB_WL_TOUCH_H
#define PB_WL_TOUCH_H

#include "allocator.h"
#include "buf_touch.h"

/* The default, once: the spec's string below and kmod/pbk_params.def's touch= are checked against it. */
#define PB_WL_TOUCH_DEFAULT 64
#define PB_WL_STR_(x) #x
#define PB_WL_STR(x) PB_WL_STR_(x)

/* The touch= spec entry of a workload whose loop touches its buffers. */
#define PB_WL_TOUCH_PARAM								\
	{ "touch", PB_PARAM_UINT, 0, PB_PAGE_SIZE, NULL, PB_WL_STR(PB_WL_TOUCH_DEFAULT),	\
	  "bytes at the start of each buffer read and written once it is had (0: none; "	\
	  "64: a header's first cache line); a shorter buffer is touched whole" }

/* touch= under params @p that passed the workload's check (its table has the entry). */
static inline uint32_t pb_wl_touch_bytes(const struct pb_params *p)
{
	static const struct pb_param_spec spec[] = { PB_WL_TOUCH_PARAM, { 0 } };

	return (uint32_t)pb_param_u64(p, spec, "touch");
}

/* Touches the first @touch bytes of whole page @pg (touch= is at most a page). */
static inline __attribute__((always_inline)) void pb_wl_touch_page(const struct pb_page *pg,
								    uint32_t touch)
{
	pb_buf_touch(pb_page_address(pg), touch);
}

/* Touches the first @touch bytes of buffer @b, or all of it when it is shorter. */
static inline __attribute__((always_inline)) void pb_wl_touch_buf(const struct pb_buf *b,
								   uint32_t touch)
{
	pb_buf_touch((char *)pb_page_address(b->page) + b->offset, touch < b->len ? touch : b->len);
}

#endif
