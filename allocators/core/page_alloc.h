/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page allocator model (mm/page_alloc.c): a binary buddy zone over an arena, orders
 * 0..PB_MAX_ORDER, one zone lock, and per-CPU lists (pcp) with batch refill and drain at
 * high. Every backend that needs "the page allocator" calls this.
 */
#ifndef PB_PAGE_ALLOC_H
#define PB_PAGE_ALLOC_H

#include "page.h"
#include "stats.h"

#define PB_MAX_ORDER 10		/* largest block: 2^10 pages = 4 MiB, like MAX_ORDER-1 */

struct pb_zone_params {
	unsigned pcp_batch;	/* pages moved per pcp refill/drain (pcp->batch) */
	unsigned pcp_high;	/* drain a pcp list when it holds this many (pcp->high) */
	unsigned pcp_max_order;	/* orders 0..this use pcp lists (0 as in 2016; 3 since 5.14) */
	unsigned ncpus;		/* CPU slots that get pcp lists (<= PB_MAX_CPUS) */
};

/*
 * Creates the zone that owns every page of @ar and puts them all on its free lists.
 * Returns NULL only on out-of-memory for the zone's own bookkeeping.
 */
struct pb_zone *pb_zone_create(struct pb_arena *ar, const struct pb_zone_params *zp);
/* Frees the zone's bookkeeping; pages still allocated are the caller's leak (check first). */
void pb_zone_destroy(struct pb_zone *z);

/* Allocates a 2^order block with refcount 1 (alloc_pages()); NULL when none is free. */
struct pb_page *pb_alloc_pages(struct pb_zone *z, unsigned order);
/* Fills @pages[0..n) with order-0 pages, one lock round trip (alloc_pages_bulk); returns count. */
unsigned pb_alloc_pages_bulk(struct pb_zone *z, unsigned n, struct pb_page **pages);
/* Drops one reference to a 2^order block and frees it on the last one (__free_pages()). */
void pb_free_pages(struct pb_zone *z, struct pb_page *pg, unsigned order);
/* Frees a block whose refcount already reached zero (free_unref_page / __free_one_page). */
void pb_free_pages_unref(struct pb_zone *z, struct pb_page *pg, unsigned order);

/* Returns every page on the calling CPU slot's pcp lists to the buddy lists. */
void pb_zone_drain_local(struct pb_zone *z);
/* Returns every page on all pcp lists to the buddy lists (drain_all_pages); caller quiesced. */
void pb_zone_drain_all(struct pb_zone *z);
/* Pages free in the zone, buddy lists and pcp lists together. */
size_t pb_zone_nr_free(const struct pb_zone *z);
/* Pages the zone manages. */
size_t pb_zone_nr_pages(const struct pb_zone *z);
/* Free blocks of exactly @order on the buddy lists (not counting pcp lists). */
size_t pb_zone_nr_free_blocks(const struct pb_zone *z, unsigned order);
/* Adds the zone's page-allocator traffic counters (pa_*) to @out. */
void pb_zone_stats(const struct pb_zone *z, struct pb_stats *out);

#endif
