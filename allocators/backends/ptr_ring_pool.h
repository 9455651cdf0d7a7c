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

#endif
