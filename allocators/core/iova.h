/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An IOVA allocator in the manner of drivers/iommu/iova.c (6.1): allocated ranges kept in a
 * balanced search tree under the domain lock (iova_rbtree_lock), new ranges placed top-down
 * below a cached hint, each range size-aligned; and in front of the tree the per-CPU range
 * caches (rcaches): per size class up to PB_IOVA_RANGE_CACHE_MAX_SIZE, each CPU keeps two
 * magazines of PB_IOVA_MAG_SIZE freed pfns under its own lock, with a shared depot of full
 * magazines behind them, so a map/unmap pair of up to 32 pages never takes the domain lock
 * in the steady state. A cached range stays allocated in the tree, as in the kernel.
 *
 * Thread safety: every function may be called from any CPU slot (pb_cpu_id()) at once,
 * except create and destroy.
 */
#ifndef PB_IOVA_H
#define PB_IOVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_IOVA_MAG_SIZE 128		/* IOVA_MAG_SIZE (6.1) */
#define PB_IOVA_MAX_GLOBAL_MAGS 32	/* MAX_GLOBAL_MAGS: the depot of full magazines */
#define PB_IOVA_RANGE_CACHE_MAX_SIZE 6	/* IOVA_RANGE_CACHE_MAX_SIZE: orders 0..5 are cached */

struct pb_iova_domain;

/* Where allocations and frees went, summed over CPU slots. */
struct pb_iova_stats {
	uint64_t rcache_hit;		/* alloc_fast served from a magazine */
	uint64_t rcache_miss;		/* alloc_fast that went to the tree */
	uint64_t rcache_insert;		/* free_fast kept in a magazine */
	uint64_t rcache_reject;		/* free_fast of a size the rcache does not take: tree */
	uint64_t depot_put;		/* full magazine pushed to the depot */
	uint64_t depot_get;		/* full magazine taken from the depot */
	uint64_t mag_drained;		/* full magazine emptied into the tree (depot full) */
	uint64_t tree_alloc;		/* ranges inserted in the tree */
	uint64_t tree_free;		/* ranges erased from the tree */
	uint64_t rcache_flush;		/* every CPU's and the depot's magazines freed */
};

/* A domain handing out IOVA page frames in [start_pfn, limit_pfn]; NULL on out-of-memory. */
struct pb_iova_domain *pb_iova_create(uint64_t start_pfn, uint64_t limit_pfn);
/* Frees the domain and every range still allocated or cached in it. */
void pb_iova_destroy(struct pb_iova_domain *d);
/*
 * alloc_iova: 2^order frames aligned to their size, highest free first, from the tree under
 * the domain lock; returns the first pfn, or 0 when full.
 */
uint64_t pb_iova_alloc(struct pb_iova_domain *d, unsigned order);
/* free_iova: frees the range that starts at @pfn under the domain lock; false when none does. */
bool pb_iova_free(struct pb_iova_domain *d, uint64_t pfn);
/*
 * alloc_iova_fast: from this CPU's magazines (or the depot) when order is cached, else from
 * the tree; when the tree is full, flushes every rcache into it once and retries. 0 when full.
 */
uint64_t pb_iova_alloc_fast(struct pb_iova_domain *d, unsigned order);
/*
 * free_iova_fast: into this CPU's magazines when order is cached and a magazine has room
 * (rotating a full one to the depot), else back to the tree. @pfn must be a live range of
 * @order; freeing an unknown pfn is a bug (aborts) when it reaches the tree.
 */
void pb_iova_free_fast(struct pb_iova_domain *d, uint64_t pfn, unsigned order);
/* free_cpu_cached_iovas for every CPU slot + free_global_cached_iovas: all cached ranges to the tree. */
void pb_iova_flush_rcaches(struct pb_iova_domain *d);
/* Ranges currently allocated in the tree (those cached in magazines included). */
size_t pb_iova_count(const struct pb_iova_domain *d);
/* Ranges currently held in magazines, per-CPU and depot (racy while others allocate). */
size_t pb_iova_cached(struct pb_iova_domain *d);
/* Copies the counters summed over CPU slots into @out (racy while others allocate). */
void pb_iova_stats(const struct pb_iova_domain *d, struct pb_iova_stats *out);

#endif
