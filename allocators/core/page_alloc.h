/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page allocator model (mm/page_alloc.c of Linux 6.1, or 4.6 with kernel=2016): a binary
 * buddy zone over an arena, orders 0..PB_MAX_ORDER, one zone lock, per-CPU lists (pcp) with
 * batch refill and drain at high, watermarks, pageblock migratetypes and the vmstat/NUMA
 * counters the kernel keeps. Every backend that needs "the page allocator" calls this.
 */
#ifndef PB_PAGE_ALLOC_H
#define PB_PAGE_ALLOC_H

#include "page.h"
#include "stats.h"

#define PB_MAX_ORDER 10		/* largest block: 2^10 pages = 4 MiB, like MAX_ORDER-1 */

/* Which kernel's page allocator the model follows (kernel= parameter). */
enum pb_kernel_profile {
	PB_KERNEL_6_1 = 0,	/* Linux 6.1 (Debian 12): pcp lists for orders 0..3, pcp lock */
	PB_KERNEL_2016,		/* Linux 4.6: order-0 pcp lists under local_irq_save only */
};

/*
 * gfp bits the model acts on (include/linux/gfp.h, same meaning, own values). GFP_ATOMIC
 * allocations never drain other CPUs' pcp lists: only direct reclaim does.
 */
#define PB_GFP_HIGH		(1U << 0)	/* __GFP_HIGH: may dip below min (ALLOC_HIGH) */
#define PB_GFP_ATOMIC_BIT	(1U << 1)	/* __GFP_ATOMIC (ALLOC_HARDER) */
#define PB_GFP_KSWAPD_RECLAIM	(1U << 2)	/* same value as ALLOC_KSWAPD, as in the kernel */
#define PB_GFP_DIRECT_RECLAIM	(1U << 3)	/* may reclaim: the model's reclaim is drain_all_pages */
#define PB_GFP_COMP		(1U << 4)	/* compound page for order > 0 */
#define PB_GFP_NOWARN		(1U << 5)
#define PB_GFP_MEMALLOC		(1U << 6)	/* may use every reserve (ALLOC_NO_WATERMARKS) */
#define PB_GFP_ZERO		(1U << 7)
#define PB_GFP_MOVABLE		(1U << 8)	/* migratetype MOVABLE (ALLOC_CMA) */
#define PB_GFP_ATOMIC		(PB_GFP_HIGH | PB_GFP_ATOMIC_BIT | PB_GFP_KSWAPD_RECLAIM)
#define PB_GFP_KERNEL		(PB_GFP_KSWAPD_RECLAIM | PB_GFP_DIRECT_RECLAIM)
/* dev_alloc_pages(): what drivers ask for RX buffers, and what pb_alloc_pages() uses. */
#define PB_GFP_DEV_PAGES	(PB_GFP_ATOMIC | PB_GFP_COMP | PB_GFP_NOWARN | PB_GFP_MEMALLOC)

struct pb_zone_params {
	unsigned pcp_batch;	/* pages moved per pcp refill/drain (pcp->batch) */
	unsigned pcp_high;	/* pcp->high; 0: derived (zone_highsize on 6.1, 6 x batch on 4.6) */
	unsigned pcp_max_order;	/* orders 0..this use pcp lists (must be 0 on the 2016 profile) */
	unsigned ncpus;		/* CPU slots that get pcp lists (<= PB_MAX_CPUS) */
	unsigned kernel;	/* enum pb_kernel_profile */
	bool init_on_alloc;	/* zero every allocated page (init_on_alloc=1; 6.1 only) */
	/*
	 * Fault injection (the kernel's fail_page_alloc, lib/fault-inject.c): each allocation
	 * call fails with probability fail_ppm / PB_FAIL_PPM_ONE, drawn from a per-CPU-slot
	 * sequence seeded by fail_seed, once fail_space pages have been handed out.
	 */
	uint32_t fail_ppm;
	uint64_t fail_seed;
	uint64_t fail_space;
};

#define PB_FAIL_PPM_ONE 1000000u	/* fail_ppm of a call that always fails */

/* The kernel's own counters of the zone (/proc/vmstat and /proc/zoneinfo names). */
struct pb_zone_vmstat {
	uint64_t pgalloc;	/* PGALLOC_NORMAL, summed over CPUs */
	uint64_t pgfree;	/* PGFREE */
	uint64_t numa_hit, numa_miss, numa_foreign, numa_local, numa_other;
	int64_t nr_free_pages;	/* NR_FREE_PAGES as the watermark check reads it (folded) */
	uint64_t watermark_min, watermark_low, watermark_high;
	unsigned pcp_high, pcp_batch, stat_threshold;
	unsigned free_factor;	/* of the calling CPU's pcp */
	unsigned pcp_count;	/* pages on the calling CPU's pcp lists */
};

/*
 * Creates the zone that owns every page of @ar and puts them all on its free lists.
 * Returns NULL only on out-of-memory for the zone's own bookkeeping.
 */
struct pb_zone *pb_zone_create(struct pb_arena *ar, const struct pb_zone_params *zp);
/* Frees the zone's bookkeeping; pages still allocated are the caller's leak (check first). */
void pb_zone_destroy(struct pb_zone *z);

/* Allocates a 2^order block with refcount 1 as dev_alloc_pages() asks; NULL when none is free. */
struct pb_page *pb_alloc_pages(struct pb_zone *z, unsigned order);
/* __alloc_pages() with @gfp (PB_GFP_*); NULL when the zone cannot serve it. */
struct pb_page *pb_alloc_pages_gfp(struct pb_zone *z, unsigned gfp, unsigned order);
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
/* Fills @out with the zone's vmstat/NUMA counters, watermarks and pcp sizing. */
void pb_zone_vmstat(const struct pb_zone *z, struct pb_zone_vmstat *out);
/* Sets or clears ZONE_RECLAIM_ACTIVE (kswapd running): pcp lists then hold at most 4 x batch. */
void pb_zone_set_reclaim_active(struct pb_zone *z, bool active);
/* Adds the zone's page-allocator traffic counters (pa_*) to @out. */
void pb_zone_stats(const struct pb_zone *z, struct pb_stats *out);
/*
 * Pages CPU slot @cpu allocated from @z minus the pages it freed (negative when it frees
 * what another slot took): summed over the slots, the pages out of the zone. Reads that
 * slot's counters only, so a pool-level cap can be checked per frame (a replay's cap=).
 */
int64_t pb_zone_cpu_net_pages(const struct pb_zone *z, unsigned cpu);

#endif
