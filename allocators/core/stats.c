// SPDX-License-Identifier: GPL-2.0-only
/* The table that names every backend counter, for printing and JSON. */
#include "stats.h"

#define F(n, d) { #n, offsetof(struct pb_stats, n), d }
const struct pb_stats_field pb_stats_fields[] = {
	F(alloc_fast, "allocations served from the lock-free local cache"),
	F(alloc_refill, "allocations served after refilling the cache from the recycle ring"),
	F(alloc_slow, "allocations that went to the page allocator"),
	F(alloc_empty, "allocations that failed"),
	F(recycle_cached, "frees recycled into the local cache"),
	F(recycle_ring, "frees recycled through the ring"),
	F(recycle_ring_full, "frees released because the ring was full"),
	F(recycle_refcnt, "frees released because the page was still referenced"),
	F(released, "pages released to the page allocator"),
	F(pa_alloc_calls, "page allocator allocation calls"),
	F(pa_alloc_pages, "pages the page allocator handed out"),
	F(pa_free_calls, "page allocator free calls"),
	F(pa_free_pages, "pages given back to the page allocator"),
	F(pa_zone_locks, "zone lock acquisitions"),
	F(dma_map, "DMA mappings made"),
	F(dma_unmap, "DMA mappings undone"),
	F(hold, "pages the backend took from the page allocator"),
	F(in_flight, "pages taken from the page allocator and not released (cached or lent)"),
	F(remote_node_pages, "frees of a page whose memory is on another NUMA node than the freeing CPU"),
	F(pa_fail_injected, "page allocator calls failed on purpose by fault injection (fail=)"),
	F(alloc_failed, "buffers the workload asked for and did not get: the packet or operation was dropped"),
	{ 0 },
};
#undef F

void pb_stats_add(struct pb_stats *a, const struct pb_stats *b)
{
	for (const struct pb_stats_field *f = pb_stats_fields; f->name; f++)
		*(uint64_t *)((char *)a + f->offset) += pb_stats_get(b, f);
}
