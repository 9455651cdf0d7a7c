// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptr_ring_pool: the Linux page_pool (net/core/page_pool.c) recycling design.
 *
 * Two places a page can come back to: a small array cache that only the owning RX (NAPI)
 * context touches, so recycling there needs no atomic at all; and a ptr_ring that any
 * context may produce into under its producer lock. Allocation takes from the cache, then
 * refills the cache from the ring (only the owner consumes, so no consumer lock), then bulk-allocates from
 * the page allocator. A page is recycled only while the pool holds the sole reference; any
 * other page is released (and the page allocator gets it when the last user drops it).
 * In-flight pages are hold - release, the way page_pool counts them, so hold is touched
 * only by the allocating context and release is the one shared atomic.
 *
 * Pages are DMA-mapped once when they enter the pool and unmapped when they leave it, so a
 * recycled page costs no mapping at all. With frag=N the pool hands out N-byte fragments of
 * its pages (page_pool_alloc_frag): the page is charged with a large fragment bias once, each
 * fragment handed out costs nothing, and each fragment returned is one atomic on the page's
 * fragment count; the last one puts the page through the normal recycle path.
 */
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "direct.h"
#include "ptr_ring.h"
#include "ptr_ring_pool.h"

#define PP_ALLOC_CACHE_SIZE 128		/* as PP_ALLOC_CACHE_SIZE */
#define PP_ALLOC_CACHE_REFILL 64	/* as PP_ALLOC_CACHE_REFILL */
/* The fragment bias charged once per page (BIAS_MAX); the kernel's is LONG_MAX/2 on a long. */
#define PP_FRAG_BIAS_MAX (INT32_MAX / 2)

/* Recycle counters are per CPU slot: frees come from any CPU and must not share a line. */
struct pp_recycle_stats {
	struct pb_stats s;
} pb_cacheline_aligned;

struct ptr_ring_pool {
	/* Owning context only: no lock, no atomic. */
	struct {
		unsigned count;
		struct pb_page *cache[PP_ALLOC_CACHE_SIZE];
	} alloc pb_cacheline_aligned;
	uint64_t hold_cnt;		/* pages_state_hold_cnt */
	struct pb_stats alloc_stats;
	struct pb_page *frag_page;	/* page being carved into fragments (frag mode) */
	uint32_t frag_offset;
	uint32_t frag_users;		/* fragments handed out of frag_page */
	uint32_t frag_size;		/* 0: whole pages; else bytes per fragment, cache-line aligned */

	struct pb_ptr_ring ring;	/* returns from any context */

	pb_atomic64_t release_cnt pb_cacheline_aligned;	/* pages_state_release_cnt */
	struct pp_recycle_stats recycle[PB_MAX_CPUS];

	struct pb_zone *zone;
	struct pb_dma *dma;
	unsigned order;
	unsigned nid;
	uint32_t sync_len;		/* PP_FLAG_DMA_SYNC_DEV with a mapping device: max_len; else 0 */
};

static const struct pb_param_spec pp_params[] = {
	{ "order", PB_PARAM_UINT, 0, PB_MAX_ORDER, NULL, "0", "page order of the pool's pages" },
	{ "ring", PB_PARAM_UINT, 1, 16384, NULL, "1024",
	  "ptr_ring entries for non-direct returns (pool_size)" },
	{ "frag", PB_PARAM_UINT, 0, 65536, NULL, "0",
	  "hand out fragments of this many bytes (page_pool_alloc_frag); 0: whole pages" },
	{ "sync_dev", PB_PARAM_BOOL, 0, 1, NULL, "off",
	  "PP_FLAG_DMA_SYNC_DEV: sync max_len (the pool page) for the device at map and at every recycle" },
	{ 0 },
};

static inline struct ptr_ring_pool *pp_of(struct pb_alloc *a)
{
	return a->priv;
}

/* page_pool_return_page: the page leaves the pool for good, unmapped. */
static void pp_return_page(struct ptr_ring_pool *pp, struct pb_page *pg, struct pb_stats *st)
{
	pb_dma_unmap(pp->dma, pg, pp->order);
	pg->flags &= (uint16_t)~PB_PG_POOL;
	pg->pp = NULL;
	pb_atomic64_add(&pp->release_cnt, 1);
	st->released++;
	pb_page_put(pg);
}

/* A page enters the pool: mapped once (page_pool_dma_map), owned, counted as held. */
static bool pp_init_page(struct ptr_ring_pool *pp, struct pb_page *pg)
{
	if (pb_unlikely(pb_dma_map(pp->dma, pg, pp->order))) {
		pb_free_pages(pp->zone, pg, pp->order);
		return false;
	}
	pg->flags |= PB_PG_POOL;
	pg->pp = pp;
	pp->hold_cnt++;
	if (pp->sync_len)	/* page_pool_dma_map: page_pool_dma_sync_for_device */
		pb_dma_sync_for_device(pp->dma, pg->dma_addr, pp->sync_len);
	return true;
}

/*
 * Empty the ring into the cache (page_pool_refill_alloc_cache). Only the owning context ever
 * consumes, so since Linux 5.15 this takes no consumer lock: producers alone serialise.
 */
static pb_noinline struct pb_page *pp_refill_from_ring(struct ptr_ring_pool *pp)
{
	struct pb_page *pg;

	if (__pb_ptr_ring_empty(&pp->ring))
		return NULL;
	do {
		pg = __pb_ptr_ring_consume(&pp->ring);
		if (!pg)
			break;
		if (pb_unlikely(pg->node != pp->nid)) {
			/* A page from another node is not worth keeping: return it. */
			pp_return_page(pp, pg, &pp->alloc_stats);
			break;
		}
		pp->alloc.cache[pp->alloc.count++] = pg;
	} while (pp->alloc.count < PP_ALLOC_CACHE_REFILL);

	if (!pp->alloc.count)
		return NULL;
	pp->alloc_stats.alloc_refill++;
	return pp->alloc.cache[--pp->alloc.count];
}

/* Go to the page allocator: a bulk of order-0 pages, or one high-order page. */
static pb_noinline struct pb_page *pp_alloc_slow(struct ptr_ring_pool *pp)
{
	struct pb_page *pg;
	unsigned n;

	if (pp->order) {
		pg = pb_alloc_pages(pp->zone, pp->order);
		if (!pg || !pp_init_page(pp, pg)) {
			pp->alloc_stats.alloc_empty++;
			return NULL;
		}
		pp->alloc_stats.alloc_slow++;
		return pg;
	}
	n = pb_alloc_pages_bulk(pp->zone, PP_ALLOC_CACHE_REFILL, pp->alloc.cache);
	/* Pages that fail to map go straight back, as page_pool does; the rest are cached. */
	for (unsigned i = 0; i < n; i++)
		if (pp_init_page(pp, pp->alloc.cache[i]))
			pp->alloc.cache[pp->alloc.count++] = pp->alloc.cache[i];
	if (!pp->alloc.count) {
		pp->alloc_stats.alloc_empty++;
		return NULL;
	}
	pp->alloc_stats.alloc_slow++;
	return pp->alloc.cache[--pp->alloc.count];
}

static struct pb_page *pp_alloc(struct pb_alloc *a)
{
	struct ptr_ring_pool *pp = pp_of(a);
	struct pb_page *pg;

	if (pb_likely(pp->alloc.count)) {
		pp->alloc_stats.alloc_fast++;
		return pp->alloc.cache[--pp->alloc.count];
	}
	pg = pp_refill_from_ring(pp);
	if (pg)
		return pg;
	return pp_alloc_slow(pp);
}

/*
 * Where a returned page goes (__page_pool_put_page): NULL when it was recycled into the
 * cache or released; the page itself when it should go to the ring.
 */
static inline struct pb_page *pp_put_prepare(struct ptr_ring_pool *pp, struct pb_page *pg,
					     bool direct, struct pb_stats *st)
{
	if (pb_likely(pb_page_count(pg) == 1 && !(pg->flags & PB_PG_RESERVE))) {
		if (direct && pp->alloc.count < PP_ALLOC_CACHE_SIZE) {
			pp->alloc.cache[pp->alloc.count++] = pg;
			st->recycle_cached++;
			return NULL;
		}
		return pg;
	}
	st->recycle_refcnt++;
	pp_return_page(pp, pg, st);
	return NULL;
}

/*
 * __page_pool_put_page with PP_FLAG_DMA_SYNC_DEV: page_pool_dma_sync_for_device(pool, page,
 * -1 = max_len) on a page about to be recycled. Kept out of pp_free so that the path
 * without the flag keeps its code (a call there costs the fast path its registers).
 */
static inline void pp_sync_recyclable(struct ptr_ring_pool *pp, struct pb_page *pg)
{
	if (pb_page_count(pg) == 1 && !(pg->flags & PB_PG_RESERVE))
		pb_dma_sync_for_device(pp->dma, pg->dma_addr, pp->sync_len);
}

/* __page_pool_put_page + page_pool_recycle_in_ring, after the checks. */
static inline void pp_put(struct ptr_ring_pool *pp, struct pb_page *pg, bool direct)
{
	struct pb_stats *st = &pp->recycle[pb_cpu_id()].s;

	PB_BUG_ON(pg->pp != pp, "ptr_ring_pool: page returned to a pool that does not own it");
	pg = pp_put_prepare(pp, pg, direct, st);
	if (!pg)
		return;
	if (pb_likely(!pb_ptr_ring_produce(&pp->ring, pg))) {
		st->recycle_ring++;
		return;
	}
	st->recycle_ring_full++;
	pp_return_page(pp, pg, st);
}

/* pp_free for a pool with sync_dev: the sync, then the same put. */
static pb_noinline void pp_free_synced(struct ptr_ring_pool *pp, struct pb_page *pg, bool direct)
{
	pp_sync_recyclable(pp, pg);
	pp_put(pp, pg, direct);
}

static void pp_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct ptr_ring_pool *pp = pp_of(a);

	if (pb_unlikely(pp->sync_len))
		return pp_free_synced(pp, pg, direct);
	pp_put(pp, pg, direct);
}

/*
 * page_pool_put_page_bulk: one producer-lock round trip for the whole batch. Like the
 * kernel's, the bulk path never recycles into the direct cache, whoever calls it.
 */
static void pp_free_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n, bool direct)
{
	struct ptr_ring_pool *pp = pp_of(a);
	struct pb_stats *st = &pp->recycle[pb_cpu_id()].s;
	unsigned keep = 0, i;

	for (i = 0; i < n; i++) {
		struct pb_page *pg = pages[i];

		PB_BUG_ON(pg->pp != pp, "ptr_ring_pool: page returned to a pool that does not own it");
		if (pp->sync_len)
			pp_sync_recyclable(pp, pg);
		pg = pp_put_prepare(pp, pg, false, st);
		if (pg)
			pages[keep++] = pg;
	}
	if (!keep)
		return;
	pb_spin_lock(&pp->ring.producer_lock);
	for (i = 0; i < keep; i++) {
		if (__pb_ptr_ring_produce(&pp->ring, pages[i]))
			break;
		st->recycle_ring++;
	}
	pb_spin_unlock(&pp->ring.producer_lock);
	for (; i < keep; i++) {
		st->recycle_ring_full++;
		pp_return_page(pp, pages[i], st);
	}
}

/*
 * Takes @nr fragment references off @pg; returns what is left. The last user skips the
 * atomic, as page_pool_defrag_page does: nobody else can be looking.
 */
static inline int32_t pp_defrag_page(struct pb_page *pg, int32_t nr)
{
	if (pb_atomic_read(&pg->frag_count) == nr)
		return 0;
	return pb_atomic_sub_return(&pg->frag_count, nr);
}

/*
 * The carved-out page is used up: settle the bias not handed out. When every fragment
 * already came back the page is reused at once (page_pool_drain_frag); NULL otherwise.
 */
static pb_noinline struct pb_page *pp_drain_frag(struct ptr_ring_pool *pp, struct pb_page *pg)
{
	if (pb_likely(pp_defrag_page(pg, PP_FRAG_BIAS_MAX - (int32_t)pp->frag_users)))
		return NULL;
	if (pb_page_count(pg) == 1 && !(pg->flags & PB_PG_RESERVE))
		return pg;
	pp_return_page(pp, pg, &pp->alloc_stats);
	return NULL;
}

static bool pp_alloc_frag(struct pb_alloc *a, struct pb_buf *b)
{
	struct ptr_ring_pool *pp = a->priv;
	uint32_t max = (uint32_t)(PB_PAGE_SIZE << pp->order), size = pp->frag_size;
	struct pb_page *pg = pp->frag_page;

	if (pg && pp->frag_offset + size > max) {
		pg = pp_drain_frag(pp, pg);
		if (pg) {
			pp->alloc_stats.alloc_fast++;	/* reused in place: the kernel counts it fast */
			goto frag_reset;
		}
	}
	if (!pg || pp->frag_offset + size > max) {
		pg = pp_alloc(a);
		if (pb_unlikely(!pg)) {
			pp->frag_page = NULL;
			return false;
		}
frag_reset:
		pp->frag_page = pg;
		pp->frag_users = 1;
		pp->frag_offset = size;
		pb_atomic_set(&pg->frag_count, PP_FRAG_BIAS_MAX);
		*b = (struct pb_buf){ pg, 0, size, size };
		return true;
	}
	*b = (struct pb_buf){ pg, pp->frag_offset, size, size };
	pp->frag_users++;
	pp->frag_offset += size;
	pp->alloc_stats.alloc_fast++;
	return true;
}

static bool pp_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	struct ptr_ring_pool *pp = a->priv;

	if (pp->frag_size)
		return pp_alloc_frag(a, b);
	b->page = pp_alloc(a);
	b->offset = 0;
	b->len = b->truesize = (uint32_t)(PB_PAGE_SIZE << pp->order);
	return b->page != NULL;
}

/* A fragment comes back: only the last one of its page returns the page to the pool. */
static void pp_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	struct ptr_ring_pool *pp = a->priv;

	if (pp->frag_size && pp_defrag_page(b->page, 1))
		return;
	pp_free(a, b->page, direct);
}

int pb_ptr_ring_pool_update_nid(struct pb_alloc *a, unsigned nid, struct pb_err *err)
{
	struct ptr_ring_pool *pp = a->priv;

	if (pp->nid == nid)
		return 0;
	/*
	 * The kernel's pool would get node-@nid pages from alloc_pages_node(); this instance's
	 * memory is one node, so a pool pointed elsewhere could never recycle again.
	 */
	if (nid != a->mem.arena.node)
		return pb_err_set(err, "node=%u: this instance has no memory there (its arena is on node %u)",
				  nid, a->mem.arena.node);
	pp->nid = nid;
	/* Cached pages belong to the old node: let them go (page_pool_update_nid). */
	while (pp->alloc.count)
		pp_return_page(pp, pp->alloc.cache[--pp->alloc.count], &pp->alloc_stats);
	return 0;
}

unsigned pb_ptr_ring_pool_nid(struct pb_alloc *a)
{
	return ((struct ptr_ring_pool *)a->priv)->nid;
}

static uint64_t pp_in_flight(struct ptr_ring_pool *pp)
{
	return pp->hold_cnt - (uint64_t)pb_atomic64_read(&pp->release_cnt);
}

static int pp_check(const struct pb_params *p, struct pb_err *err)
{
	uint64_t frag = pb_param_u64(p, pp_params, "frag");
	uint64_t page = PB_PAGE_SIZE << pb_param_u64(p, pp_params, "order");

	if (((frag + PB_CACHELINE - 1) & ~(uint64_t)(PB_CACHELINE - 1)) > page)
		return pb_err_set(err, "frag=%s: larger than a pool page (%llu bytes)",
				  pb_param_str(p, pp_params, "frag"), (unsigned long long)page);
	return 0;
}

static int pp_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	struct ptr_ring_pool *pp = aligned_alloc(PB_CACHELINE, sizeof(*pp));

	if (!pp)
		return pb_err_set(err, "ptr_ring_pool: out of memory");
	memset(pp, 0, sizeof(*pp));
	if (pb_ptr_ring_init(&pp->ring, (int)pb_param_u64(p, pp_params, "ring"))) {
		free(pp);
		return pb_err_set(err, "ptr_ring_pool: cannot allocate the ring");
	}
	pp->zone = a->mem.zone;
	pp->dma = a->mem.dma;
	pp->order = (unsigned)pb_param_u64(p, pp_params, "order");
	pp->frag_size = (uint32_t)pb_param_u64(p, pp_params, "frag");
	pp->frag_size = (pp->frag_size + PB_CACHELINE - 1) & ~(uint32_t)(PB_CACHELINE - 1);
	a->pieces = pp->frag_size != 0;
	pp->nid = a->mem.arena.node;
	if (pb_param_u64(p, pp_params, "sync_dev") && pb_dma_mode(pp->dma) != PB_DMA_NONE)
		pp->sync_len = (uint32_t)(PB_PAGE_SIZE << pp->order);
	a->order = pp->order;
	a->priv = pp;
	return 0;
}

static void pp_scrub_one(void *ctx, void *ptr)
{
	struct ptr_ring_pool *pp = ctx;

	pp_return_page(pp, ptr, &pp->alloc_stats);
}

/*
 * page_pool_release: empty the cache and the ring; the pool itself must outlive pages still
 * lent out, so with any in flight it stays and the caller retries.
 */
static uint64_t pp_destroy(struct pb_alloc *a)
{
	struct ptr_ring_pool *pp = pp_of(a);
	struct pb_page *pg;
	uint64_t in_flight;

	/* The page being carved: drop the fragment bias never handed out. */
	if (pp->frag_page) {
		pg = pp->frag_page;
		pp->frag_page = NULL;
		if (!pp_defrag_page(pg, PP_FRAG_BIAS_MAX - (int32_t)pp->frag_users))
			pp_free(a, pg, true);
	}
	while (pp->alloc.count)
		pp_return_page(pp, pp->alloc.cache[--pp->alloc.count], &pp->alloc_stats);
	while ((pg = pb_ptr_ring_consume(&pp->ring)))
		pp_return_page(pp, pg, &pp->alloc_stats);
	in_flight = pp_in_flight(pp);
	if (in_flight)
		return in_flight;
	pb_ptr_ring_cleanup(&pp->ring, pp_scrub_one, pp);
	free(pp);
	a->priv = NULL;
	return 0;
}

static void pp_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct ptr_ring_pool *pp = pp_of(a);

	pb_stats_add(out, &pp->alloc_stats);
	for (unsigned c = 0; c < PB_MAX_CPUS; c++)
		pb_stats_add(out, &pp->recycle[c].s);
	out->hold += pp->hold_cnt;
	out->in_flight += pp_in_flight(pp);
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PIECES(ptr_ring_pool, pp_alloc, pp_free, pp_alloc_buf, pp_free_buf);

const struct pb_alloc_ops pb_alloc_ptr_ring_pool = {
	.name = "ptr_ring_pool",
	.desc = "Linux page_pool: 128-entry direct-recycle cache + ptr_ring for remote returns",
	.params = pp_params,
	.check = pp_check,
	.create = pp_create,
	.destroy = pp_destroy,
	.alloc = pp_alloc,
	.free = pp_free,
	.free_bulk = pp_free_bulk,
	.stats = pp_stats,
	.alloc_buf = pp_alloc_buf,
	.free_buf = pp_free_buf,
};
