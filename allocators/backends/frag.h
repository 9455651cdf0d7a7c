/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the `frag` backend reports beyond struct pb_stats: which page orders its refills
 * actually got. With order fallback on, a fragmented zone silently turns an order-3 cache
 * into an order-0 one (more refills, more settles, more maps per packet); the histogram is
 * how a run shows that happened.
 */
#ifndef PB_FRAG_H
#define PB_FRAG_H

#include "allocator.h"

extern const struct pb_alloc_ops pb_alloc_frag;

/* Copies the number of refills that obtained a page of each order into @out. @a must be frag. */
void pb_frag_order_histogram(struct pb_alloc *a, uint64_t out[PB_MAX_ORDER + 1]);

#endif
