/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The halfpage backend's own reuse counters, named the way the i40e reuse decision is made,
 * so a test or a report can tell "the other half was still out" from "the page was not
 * worth keeping" (pb_stats folds both into coarser counters).
 */
#ifndef PB_HALFPAGE_H
#define PB_HALFPAGE_H

#include <stdint.h>

struct pb_alloc;

struct pb_halfpage_counters {
	uint64_t reuse;		/* half handed out, page flipped and kept in its slot */
	uint64_t alloc;		/* new pages the ring took from the page allocator */
	uint64_t waive;		/* remote-node or reserve page: let go however free it was */
	uint64_t busy;		/* the other half was still held by the stack: let go */
	uint64_t restock;	/* bias variant: pre-charged references ran out, one atomic refill */
	uint64_t copied;	/* 2016: a frame of <= 256 bytes copied to the skb head, page kept as is */
};

/* Snapshot of @a's counters; @a must be a halfpage instance. */
void pb_halfpage_counters(struct pb_alloc *a, struct pb_halfpage_counters *out);

#endif
