/* SPDX-License-Identifier: GPL-2.0-only */
/* What ptr_ring_pool offers beyond the ops table: the page_pool calls a driver makes itself. */
#ifndef PB_PTR_RING_POOL_H
#define PB_PTR_RING_POOL_H

#include "allocator.h"

/*
 * page_pool_update_nid: the RX queue moved to CPUs of node @nid; cached pages of the old
 * node are released, and later refills keep only pages of @nid. Owning context only.
 * -1 + @err when the instance has no memory on @nid (its arena is one node).
 */
int pb_ptr_ring_pool_update_nid(struct pb_alloc *a, unsigned nid, struct pb_err *err);
/* The node the pool currently prefers. */
unsigned pb_ptr_ring_pool_nid(struct pb_alloc *a);

/*
 * path=skb-6.5: the frees napi_pp_put_page denied the direct cache, summed over CPUs:
 * not_owner (in softirq, but the pool's NAPI is not polled by this CPU), not_softirq, and
 * not_pp (not a page_pool page: the pp_magic test failed, plain put_page). A free it allowed
 * shows as recycle_cached (or, with the cache full, recycle_ring), as on the xdp path.
 */
struct pb_ptr_ring_pool_napi {
	uint64_t not_owner;
	uint64_t not_softirq;
	uint64_t not_pp;
};

/* Snapshot of @a's napi_pp_put_page counters; @a must be a ptr_ring_pool instance. */
void pb_ptr_ring_pool_napi_counters(struct pb_alloc *a, struct pb_ptr_ring_pool_napi *out);

#endif
