/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The return path, an axis of its own. Where a page comes back decides what it costs:
 *   xdp      the driver drops the frame in its own NAPI poll (XDP_DROP):
 *            page_pool_recycle_direct, the owning context's lock-free cache
 *   skb-6.1  the stack frees the skb: on 6.1 page_pool_put_full_page(pool, page, false),
 *            the shared ring under its producer lock, whatever CPU it runs on
 *   skb-6.5  the stack frees the skb in the owning NAPI: since 6.5 napi_pp_put_page sees
 *            the pool's NAPI and recycles into the direct cache (ptr_ring_pool runs its
 *            checks: the pp_magic test, in_softirq, napi->list_owner == this CPU)
 *   xdp-tx   XDP_TX or XDP_REDIRECT: the frame leaves through a TX ring and is freed at
 *            its completion, direct only when the owning NAPI cleans that ring (nic)
 *   mixed    a verdict mix: the record's verdict= names the share of each (nic)
 * A record names the path its frees took (path= in its params and name), so a table never
 * ranks one backend's xdp row against another's skb row unsaid. A backend whose free cannot
 * tell the paths apart says what it did instead: `skb` (its only path) or `none` (it models
 * no return path: the floor, the harness's own cost, the library peers).
 */
#ifndef PB_PATH_H
#define PB_PATH_H

#include <stdbool.h>
#include "allocator.h"
#include "direct.h"

enum pb_wl_path {
	PB_WL_PATH_XDP = PB_TRAFFIC_XDP,	/* the path= enum index (allocator.h) */
	PB_WL_PATH_SKB_61 = PB_TRAFFIC_SKB_61,
	PB_WL_PATH_SKB_65 = PB_TRAFFIC_SKB_65,
	PB_WL_PATH_RELEASE,	/* not a choice: the page leaves its pool (alloc-free-slow) */
	PB_WL_PATH_TX_DONE,	/* not a choice: freed at TX completion, XDP_TX or REDIRECT (nic) */
	PB_WL_PATH_MIXED,	/* not a choice: a mix of the above, each frame named (nic) */
};

#define PB_WL_PATH_CHOICES PB_TRAFFIC_PATH_CHOICES

/*
 * The path= spec entry of a workload whose frees may take any of the three paths. Defined
 * with the allocators (allocator.h), because a backend whose skb-6.5 free does work of its
 * own (ptr_ring_pool: napi_pp_put_page's checks) reads it at create.
 */
#define PB_WL_PATH_PARAM PB_TRAFFIC_PATH_PARAM
/* The len= spec entry (bytes per frame) of a workload that receives frames (allocator.h). */
#define PB_WL_LEN_PARAM PB_TRAFFIC_LEN_PARAM

/* Whether a free on path @p may use the owning context's lock-free cache (free(direct)). */
static inline bool pb_wl_path_direct(enum pb_wl_path p)
{
	return p != PB_WL_PATH_SKB_61;
}

/* The label of a row whose frees took path @p on a backend of path kind @kind. */
static inline const char *pb_wl_path_label(enum pb_wl_path p, enum pb_path_kind kind)
{
	static const char *const names[] = { "xdp", "skb-6.1", "skb-6.5", "release", "xdp-tx", "mixed" };

	if (p == PB_WL_PATH_RELEASE)
		return names[p];
	if (kind == PB_PATH_SKB)
		return "skb";
	if (kind == PB_PATH_NONE)
		return "none";
	return names[p];
}

#endif
