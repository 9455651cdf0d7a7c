/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Counters every backend reports. One fixed struct, described by a table, so the harness
 * can print and serialise any backend's stats without knowing which backend it is.
 */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stddef.h>
#include <stdint.h>

struct pb_stats {
	uint64_t alloc_fast;		/* served from a lock-free local cache */
	uint64_t alloc_refill;		/* served after refilling the cache from the recycle ring */
	uint64_t alloc_slow;		/* served after going to the page allocator */
	uint64_t alloc_empty;		/* allocation failed: nothing anywhere */
	uint64_t recycle_cached;	/* returned into the local cache (direct recycle) */
	uint64_t recycle_ring;		/* returned through the recycle ring */
	uint64_t recycle_ring_full;	/* ring was full: page released instead */
	uint64_t recycle_refcnt;	/* page still referenced elsewhere: released instead */
	uint64_t released;		/* pages handed back to the page allocator */
	uint64_t pa_alloc_calls;	/* page allocator: allocation calls (single or bulk) */
	uint64_t pa_alloc_pages;	/* page allocator: pages allocated */
	uint64_t pa_free_calls;		/* page allocator: free calls */
	uint64_t pa_free_pages;		/* page allocator: pages freed */
	uint64_t pa_zone_locks;		/* page allocator: zone lock acquisitions */
	uint64_t dma_map;		/* DMA mappings made */
	uint64_t dma_unmap;		/* DMA mappings undone */
	uint64_t hold;			/* pages the backend ever handed out of the page allocator */
	uint64_t in_flight;		/* taken from the page allocator, not yet released: cached or lent */
	uint64_t remote_node_pages;	/* frees of pages whose memory is on another node than the freeing CPU */
	uint64_t pa_fail_injected;	/* page allocator calls failed on purpose (fail=: fault injection) */
	uint64_t alloc_failed;		/* buffers a workload asked for and did without: it dropped the work */
};

struct pb_stats_field {
	const char *name;
	size_t offset;
	const char *desc;
};

/* The table of every pb_stats field with its JSON name and meaning, NULL-name terminated. */
extern const struct pb_stats_field pb_stats_fields[];
/* Adds every counter of @b to @a. */
void pb_stats_add(struct pb_stats *a, const struct pb_stats *b);
/* Value of field @f in @s. */
static inline uint64_t pb_stats_get(const struct pb_stats *s, const struct pb_stats_field *f)
{
	return *(const uint64_t *)((const char *)s + f->offset);
}

#endif
