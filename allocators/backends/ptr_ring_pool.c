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
 *
 * Direct recycling happens only in softirq context, as __page_pool_put_page tests
 * (allow_direct && in_softirq()). The return path is the workload's path= (allocator.h's
 * traffic parameters): on skb-6.5 every free is the stack's, through napi_pp_put_page
 * (net/core/skbuff.c, 6.5), which decides allow_direct itself: a page_pool page (the
 * pp_magic test), in softirq, and the pool's NAPI running on this CPU (napi->list_owner ==
 * smp_processor_id()); see pp_napi_pp_put_page.
 */
#include <stdio.h>
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
	struct pb_ptr_ring_pool_napi napi;	/* path=skb-6.5: napi_pp_put_page's outcomes */
} pb_cacheline_aligned;

/*
 * The part of struct napi_struct napi_pp_put_page reads: the CPU whose softirq is polling
 * it (list_owner, set when the NAPI is scheduled, -1 when it completes). Its own line, as
 * the driver's napi_struct is its own allocation.
 */
struct pp_napi {
	int32_t list_owner;
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
	bool free_extra;		/* a free does more than pp_put: sync_len or napi */
	struct pp_napi *napi;		/* pool->p.napi: path=skb-6.5 only, else NULL */
	struct pp_napi napi_struct;	/* what napi points at */
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

/*
 * Takes @nr fragment references off @pg; returns what is left. The last user skips the
 * atomic, as page_pool_defrag_page does: nobody else can be looking.
 */
static inline int32_t pp_defrag_page(struct pb_page *pg, int32_t nr)
{
	if (pb_atomic_read(&pg->frag_count) == nr) {
		/* The other users' sub_return released it; the reuse that follows must see them. */
		pb_tsan_acquire(&pg->frag_count);
		return 0;
	}
	return pb_atomic_sub_return(&pg->frag_count, nr);
}

/* page_pool_return_page: the page leaves the pool for good, unmapped. */
static void pp_return_page(struct ptr_ring_pool *pp, struct pb_page *pg, struct pb_stats *st)
{
	pb_dma_unmap(pp->dma, pg, pp->order);
	pb_page_flags_clear(pg, PB_PG_POOL);
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
	pb_page_flags_add(pg, PB_PG_POOL);
	pg->pp = pp;
	pp->hold_cnt++;
	if (pp->sync_len)	/* page_pool_dma_map: page_pool_dma_sync_for_device */
		pb_dma_sync_for_device(pp->dma, pg->dma_addr, pp->sync_len);
	return true;
}

/*
 * skb-6.5: the pool's NAPI runs here. The allocating context is the NAPI poll; the kernel
 * writes list_owner when the NAPI is scheduled (____napi_schedule), once per poll, so the
 * model writes it on the slow paths (a refill, about once per 64 packets) and at create,
 * never on the fast path.
 */
static inline void pp_napi_scheduled(struct ptr_ring_pool *pp)
{
	if (pp->napi)
		PB_WRITE_ONCE(pp->napi->list_owner, (int32_t)pb_cpu_id());
}

/*
 * Empty the ring into the cache (page_pool_refill_alloc_cache). Only the owning context ever
 * consumes, so since Linux 5.17 (07b17f0f7485, "page_pool: remove spinlock in
 * page_pool_refill_alloc_cache()") this takes no consumer lock: producers alone serialise.
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
	pp_napi_scheduled(pp);
	return pp->alloc.cache[--pp->alloc.count];
}

/* Go to the page allocator: a bulk of order-0 pages, or one high-order page. */
static pb_noinline struct pb_page *pp_alloc_slow(struct ptr_ring_pool *pp)
{
	struct pb_page *pg;
	unsigned n;

	pp_napi_scheduled(pp);

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
	if (pb_likely(pb_page_ref_is_last(pg) && !(pg->flags & PB_PG_RESERVE))) {
		/* allow_direct && in_softirq() && page_pool_recycle_in_cache */
		if (direct && pb_in_softirq() && pp->alloc.count < PP_ALLOC_CACHE_SIZE) {
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
	if (pb_page_ref_is_last(pg) && !(pg->flags & PB_PG_RESERVE))
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

/* page_pool_put_full_page(pool, page, @direct): the sync when the flag asks, then the put. */
static inline void pp_put_full_page(struct ptr_ring_pool *pp, struct pb_page *pg, bool direct)
{
	if (pp->sync_len)
		pp_sync_recyclable(pp, pg);
	pp_put(pp, pg, direct);
}

/*
 * napi_pp_put_page (net/core/skbuff.c, 6.5), as skb_pp_recycle calls it when the stack
 * frees an skb's page (napi_safe false: not from napi_consume_skb):
 *   page = compound_head(page);
 *   if ((page->pp_magic & ~0x3UL) != PP_SIGNATURE) return false;   -> the caller's put_page
 *   pp = page->pp;
 *   if (napi_safe || in_softirq()) {
 *           napi = READ_ONCE(pp->p.napi);
 *           allow_direct = napi && READ_ONCE(napi->list_owner) == smp_processor_id();
 *   }
 *   page_pool_put_full_page(pp, page, allow_direct);
 * The model's pp_magic is PB_PG_POOL and compound_head the tagged link a tail keeps in
 * ->next; a page that is no longer the pool's gets the caller's put_page here. With @frag
 * the fragment count is taken after the checks, as page_pool_put_page does
 * (page_pool_is_last_frag). The outcomes that deny the direct cache are counted per CPU
 * (a direct recycle shows as recycle_cached, as on the xdp path).
 */
static inline void pp_napi_pp_put_page(struct ptr_ring_pool *pool, struct pb_page *page,
				       bool frag)
{
	unsigned cpu = pb_cpu_id();
	bool allow_direct = false;
	struct ptr_ring_pool *pp;

	page = pb_compound_head(page);
	if (pb_unlikely(!(PB_READ_ONCE(page->flags) & PB_PG_POOL))) {
		pool->recycle[cpu].napi.not_pp++;
		pb_page_put(page);
		return;
	}
	pp = page->pp;
	PB_BUG_ON(pp != pool, "ptr_ring_pool: page returned to a pool that does not own it");
	if (pb_likely(pb_in_softirq())) {
		const struct pp_napi *napi = PB_READ_ONCE(pp->napi);

		allow_direct = napi && PB_READ_ONCE(napi->list_owner) == (int32_t)cpu;
		if (pb_unlikely(!allow_direct))
			pp->recycle[cpu].napi.not_owner++;
	} else {
		pp->recycle[cpu].napi.not_softirq++;
	}
	if (frag && pp_defrag_page(page, 1))
		return;
	pp_put_full_page(pp, page, allow_direct);
}

/*
 * pp_free for a pool whose frees do more (sync_dev, or the skb-6.5 path): a call of its own,
 * as napi_pp_put_page is out of line in the kernel (skb_pp_recycle calls it).
 */
static pb_noinline void pp_free_extra(struct ptr_ring_pool *pp, struct pb_page *pg, bool direct)
{
	if (pp->napi)
		pp_napi_pp_put_page(pp, pg, false);
	else
		pp_put_full_page(pp, pg, direct);
}

/*
 * The driver's free (page_pool_recycle_direct when @direct, page_pool_put_full_page(..,
 * false) otherwise), or on skb-6.5 the stack's (napi_pp_put_page decides, not @direct).
 */
static void pp_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct ptr_ring_pool *pp = pp_of(a);

	if (pb_unlikely(pp->free_extra))
		return pp_free_extra(pp, pg, direct);
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
 * The carved-out page is used up: settle the bias not handed out. When every fragment
 * already came back the page is reused at once (page_pool_drain_frag); NULL otherwise.
 */
static pb_noinline struct pb_page *pp_drain_frag(struct ptr_ring_pool *pp, struct pb_page *pg)
{
	if (pb_likely(pp_defrag_page(pg, PP_FRAG_BIAS_MAX - (int32_t)pp->frag_users)))
		return NULL;
	if (pb_page_ref_is_last(pg) && !(pg->flags & PB_PG_RESERVE))
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

/* skb-6.5 for a buffer: napi_pp_put_page, out of line as in pp_free_extra. */
static pb_noinline void pp_free_buf_napi(struct ptr_ring_pool *pp, struct pb_page *pg)
{
	pp_napi_pp_put_page(pp, pg, pp->frag_size != 0);
}

/* A fragment comes back: only the last one of its page returns the page to the pool. */
static void pp_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	struct ptr_ring_pool *pp = a->priv;

	if (pb_unlikely(pp->napi))	/* skb-6.5: the checks come before the fragment count */
		return pp_free_buf_napi(pp, b->page);
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

void pb_ptr_ring_pool_napi_counters(struct pb_alloc *a, struct pb_ptr_ring_pool_napi *out)
{
	struct ptr_ring_pool *pp = a->priv;

	PB_BUG_ON(a->ops != &pb_alloc_ptr_ring_pool, "pb_ptr_ring_pool_napi_counters on another backend");
	memset(out, 0, sizeof(*out));
	for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
		const struct pb_ptr_ring_pool_napi *n = &pp->recycle[c].napi;

		out->not_owner += n->not_owner;
		out->not_softirq += n->not_softirq;
		out->not_pp += n->not_pp;
	}
}

static uint64_t pp_in_flight(struct ptr_ring_pool *pp)
{
	return pp->hold_cnt - (uint64_t)pb_atomic64_read(&pp->release_cnt);
}

/* frag= as the pool carves it: rounded up to the cache line (0: whole pages). */
static uint64_t pp_frag_bytes(const struct pb_params *p)
{
	uint64_t frag = pb_param_u64(p, pp_params, "frag");

	return (frag + PB_CACHELINE - 1) & ~(uint64_t)(PB_CACHELINE - 1);
}

static int pp_check(const struct pb_params *p, struct pb_err *err)
{
	uint64_t page = PB_PAGE_SIZE << pb_param_u64(p, pp_params, "order");

	if (pb_traffic_check(p, err))	/* path= (the workload's), read at create */
		return -1;
	if (pp_frag_bytes(p) > page)
		return pb_err_set(err, "frag=%s: larger than a pool page (%llu bytes)",
				  pb_param_str(p, pp_params, "frag"), (unsigned long long)page);
	return 0;
}

/*
 * The pool's cache and ring lend what they hold, so every block of mem= can be out; with
 * frag= each block is carved into (PAGE_SIZE << order) / frag pieces, as pp_alloc_frag
 * carves while the next piece still fits.
 */
static uint64_t pp_capacity(const struct pb_params *p, char *why, size_t len)
{
	unsigned order = (unsigned)pb_param_u64(p, pp_params, "order");
	uint64_t frag = pp_frag_bytes(p);
	uint64_t blocks = pb_mem_blocks(p, order, why, len), per;
	size_t used;

	if (!frag)
		return blocks;
	per = (PB_PAGE_SIZE << order) / frag;
	used = strlen(why);
	snprintf(why + used, len - used, ", %llu pieces of %llu bytes each",
		 (unsigned long long)per, (unsigned long long)frag);
	return blocks * per;
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
	pp->frag_size = (uint32_t)pp_frag_bytes(p);
	a->pieces = pp->frag_size != 0;
	pp->nid = a->mem.arena.node;
	if (pb_param_u64(p, pp_params, "sync_dev") && pb_dma_mode(pp->dma) != PB_DMA_NONE)
		pp->sync_len = (uint32_t)(PB_PAGE_SIZE << pp->order);
	/* skb-6.5: the driver registered its NAPI with the pool (page_pool_params.napi). */
	if (pb_param_u64(p, pb_traffic_params, "path") == PB_TRAFFIC_SKB_65) {
		pp->napi = &pp->napi_struct;
		pp_napi_scheduled(pp);
	}
	pp->free_extra = pp->sync_len || pp->napi;
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
			pp_put_full_page(pp, pg, true);
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
	.capacity = pp_capacity,
	.create = pp_create,
	.destroy = pp_destroy,
	.alloc = pp_alloc,
	.free = pp_free,
	.free_bulk = pp_free_bulk,
	.stats = pp_stats,
	.alloc_buf = pp_alloc_buf,
	.free_buf = pp_free_buf,
};
