/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The return path, an axis of its own. Where a page comes back decides what it costs:
 *   xdp      the driver drops the frame in its own NAPI poll (XDP_DROP):
 *            page_pool_recycle_direct, the owning context's lock-free cache
 *   skb-6.1  the stack frees the skb: on 6.1 page_pool_put_full_page(pool, page, false),
 *            the shared ring under its producer lock, whatever CPU it runs on
 *   skb-6.5  the stack frees the skb in the owning NAPI: since 6.5 napi_pp_put_page sees
 *            the pool's NAPI and recycles into the direct cache
 * A record names the path its frees took (path= in its params and name), so a table never
 * ranks one backend's xdp row against another's skb row unsaid. A backend whose free cannot
 * tell the paths apart says what it did instead: `skb` (its only path) or `none` (it models
 * no return path: the floor, the harness's own cost, the library peers).
 */
#ifndef PB_PATH_H
#define PB_PATH_H

#include <stdbool.h>
#include "direct.h"

enum pb_wl_path {
	PB_WL_PATH_XDP,		/* the order of PB_WL_PATH_CHOICES: the path= enum index */
	PB_WL_PATH_SKB_61,
	PB_WL_PATH_SKB_65,
	PB_WL_PATH_RELEASE,	/* not a choice: the page leaves its pool (alloc-free-slow) */
};

#define PB_WL_PATH_CHOICES "xdp|skb-6.1|skb-6.5"

/* The path= spec entry of a workload whose frees may take any of the three paths. */
#define PB_WL_PATH_PARAM								\
	{ "path", PB_PARAM_ENUM, 0, 0, PB_WL_PATH_CHOICES, "xdp",			\
	  "return path: xdp (XDP_DROP, direct recycle), skb-6.1 (put_full_page through the ring), " \
	  "skb-6.5 (napi_pp_put_page in the owning NAPI)" }

/* Whether a free on path @p may use the owning context's lock-free cache (free(direct)). */
static inline bool pb_wl_path_direct(enum pb_wl_path p)
{
	return p != PB_WL_PATH_SKB_61;
}

/* The label of a row whose frees took path @p on a backend of path kind @kind. */
static inline const char *pb_wl_path_label(enum pb_wl_path p, enum pb_path_kind kind)
{
	static const char *const names[] = { "xdp", "skb-6.1", "skb-6.5", "release" };

	if (p == PB_WL_PATH_RELEASE)
		return names[p];
	if (kind == PB_PATH_SKB)
		return "skb";
	if (kind == PB_PATH_NONE)
		return "none";
	return names[p];
}

#endif
