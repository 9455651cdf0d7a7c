/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the `frag` backend reports beyond struct pb_stats: which page orders its refills
 * actually got. A fragmented zone silently turns an order-3 cache into an order-0 one (more
 * refills, more settles, more maps per packet); the histogram is how a run shows that.
 */
#ifndef PB_FRAG_H
#define PB_FRAG_H

#include "allocator.h"

extern const struct pb_alloc_ops pb_alloc_frag;

/* Copies the number of refills that obtained a page of each order into @out. @a must be frag. */
void pb_frag_order_histogram(struct pb_alloc *a, uint64_t out[PB_MAX_ORDER + 1]);

/* The carving state of @a (frag only): for tests of the reference accounting. */
struct pb_frag_state {
	struct pb_page *page;	/* head of the page being carved, NULL when none */
	int32_t offset;		/* page_frag: start of the last fragment; mlx4: of the next one */
	int32_t bias;		/* page_frag: pagecnt_bias; mlx4: references not yet handed out */
	uint32_t size;		/* bytes of the page being carved */
};
void pb_frag_state(struct pb_alloc *a, struct pb_frag_state *out);

#endif
