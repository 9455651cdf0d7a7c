// SPDX-License-Identifier: GPL-2.0-only
/*
 * frag: one high-order page carved into fixed-stride fragments, the scheme of the kernel's
 * page_frag_cache (page_frag_alloc_align / __page_frag_cache_refill, 5.x to 6.1) and of
 * mlx4_en's 2016 RX path (mlx4_alloc_pages with its order fallback, one DMA mapping per
 * page).
 *
 * Reference counting with a bias: when a page is obtained its refcount is raised once by a
 * large FRAG_BIAS and the cache remembers, in a private pagecnt_bias, how many of those
 * references it still owns. Handing out a fragment just decrements the private count, so
 * carving takes no atomic at all; each fragment's owner drops one real reference when done.
 * When the page is used up the cache gives back what it still owns in a single atomic; if
 * that leaves nothing, every fragment already came back and the page is reused in place
 * (no page allocator call, no new DMA mapping). Otherwise the cache forgets the page and
 * whoever drops the last reference frees it to the zone.
 *
 * Concurrency: the carving state (page, offset, bias) is only ever touched by the
 * allocating context, like a page_frag_cache owned by one NAPI context or RX ring. A free
 * touches nothing but the page's refcount (atomic) and the zone (which has its own locks),
 * exactly as page_frag_free() may run on any CPU. So frees from other CPUs are safe while
 * the owner allocates (one_context = false); only two concurrent allocators would not be.
 * The settle/free race is resolved by the refcount alone: whichever side takes it to zero
 * frees the page, and a page the cache is about to let go of is unmapped before its bias
 * is given back, i.e. while nobody else can be the one to free it.
 *
 * DMA: a page is mapped once when it is obtained and stays mapped while it is reused in
 * place. It is unmapped when the cache lets go of it, even with fragments still out: that
 * is mlx4's 2016 choice (the driver unmapped once the device was done with the page's last
 * fragment, leaving the stack to put_page() an unmapped page). Unmapping on the last
 * fragment free instead would break as soon as that last reference is dropped by someone
 * other than free_buf (an skb clone's put_page, alloc-free-slow's pb_page_put): the zone
 * would get a mapped page. In this model alloc_buf hands out a buffer the device has
 * already filled, so once the cache has carved the last fragment the device is done.
 */
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "frag.h"

/*
 * References pre-charged per page: at least the most fragments a page can hold (the
 * largest block over the smallest stride), as PAGE_FRAG_CACHE_MAX_SIZE is for the kernel's
 * 32 KiB pages and 1-byte fragments, so the cache's own share never runs out before the
 * page does.
 */
#define FRAG_BIAS ((int32_t)((PB_PAGE_SIZE << PB_MAX_ORDER) / PB_CACHELINE))
#define FRAG_MIN_STRIDE PB_CACHELINE

_Static_assert(FRAG_BIAS >= (int32_t)((PB_PAGE_SIZE << PB_MAX_ORDER) / FRAG_MIN_STRIDE),
	       "a page could hold more fragments than the bias pre-charges");

/* Slow-path and reporting counters; only the allocating context writes them. */
struct frag_slow_stats {
	uint64_t alloc_slow;
	uint64_t alloc_empty;
	uint64_t recycle_cached;
	uint64_t hold;
	uint64_t order_hist[PB_MAX_ORDER + 1];
};

struct frag_cache {
	/* The fast path reads and writes this line and nothing else of ours. */
	struct pb_page *page;	/* head of the block being carved; NULL before the first refill */
	int32_t offset;		/* start of the fragment carved last: carving runs downward */
	int32_t bias;		/* pagecnt_bias: references charged to the page, not handed out */
	uint32_t stride;	/* truesize of each fragment */
	uint32_t frag;		/* bytes of payload per fragment */
	uint64_t alloc_fast;	/* fragments carved without a page allocator call */

	unsigned order;		/* order asked for at refill */
	unsigned min_order;	/* smallest order one stride fits in: where fallback stops */
	bool fallback;

	struct frag_slow_stats st pb_cacheline_aligned;
};

static const struct pb_param_spec frag_params[] = {
	{ "order", PB_PARAM_UINT, 0, PB_MAX_ORDER, NULL, "3",
	  "page order the cache carves (3 = 32 KiB, PAGE_FRAG_CACHE_MAX_SIZE)" },
	{ "frag", PB_PARAM_UINT, FRAG_MIN_STRIDE, 65536, NULL, "1536",
	  "payload bytes per fragment (b->len)" },
	{ "stride", PB_PARAM_UINT, 0, PB_PAGE_SIZE << PB_MAX_ORDER, NULL, "0",
	  "bytes between fragments (truesize); 0: frag rounded up to the 64-byte cache line" },
	{ "fallback", PB_PARAM_BOOL, 0, 1, NULL, "on",
	  "when the order is not available try lower orders down to one stride (mlx4_alloc_pages)" },
	{ 0 },
};

static inline struct frag_cache *frag_of(struct pb_alloc *a)
{
	return a->priv;
}

static inline void frag_carve(struct frag_cache *fc, struct pb_buf *b, int32_t offset)
{
	fc->offset = offset;
	fc->bias--;
	b->page = fc->page;
	b->offset = (uint32_t)offset;
	b->len = fc->frag;
	b->truesize = fc->stride;
}

/* Marks @pg as ours until the zone gets it back (the zone clears page->pp on free). */
static void frag_obtained(struct frag_cache *fc, struct pb_page *pg, unsigned order)
{
	pg->pp = fc;
	fc->st.hold++;
	fc->st.order_hist[order]++;
}

/*
 * The cache lets go of its page. The unmap comes first: until the bias is given back
 * nobody else can drop the last reference, so nobody can free a mapped page.
 */
static void frag_let_go(struct pb_alloc *a, struct frag_cache *fc)
{
	struct pb_page *pg = fc->page;
	unsigned order = pg->order;
	int32_t bias = fc->bias;

	pb_dma_unmap(a->mem.dma, pg, order);
	fc->page = NULL;
	fc->offset = 0;
	fc->bias = 0;
	if (pb_atomic_sub_return(&pg->refcount, bias) == 0)
		pb_free_pages_unref(a->mem.zone, pg, order);
}

/*
 * The page is used up: settle the bias and reuse the page in place when every fragment is
 * back; otherwise let it go. The count is read first only to know whether the page must
 * be unmapped before the settle (see frag_let_go): when it equals the bias, only the cache
 * holds references and nothing can add one, so the answer cannot change. The settle is
 * still the single locked operation page_frag_alloc pays per page, whichever way it goes.
 * A reserve page is never reused, as page_frag_alloc drops a pfmemalloc page.
 */
static bool frag_reuse(struct pb_alloc *a, struct frag_cache *fc)
{
	struct pb_page *pg = fc->page;
	int32_t ref;

	if (pb_page_count(pg) != fc->bias || (pg->flags & PB_PG_RESERVE)) {
		frag_let_go(a, fc);
		return false;
	}
	ref = pb_atomic_sub_return(&pg->refcount, fc->bias);
	PB_BUG_ON(ref != 0, "frag: page reference taken without a fragment");
	/* Nobody else can see the page now: a plain store, as set_page_count(). */
	pb_atomic_set(&pg->refcount, FRAG_BIAS + 1);
	fc->bias = FRAG_BIAS + 1;
	fc->offset = (int32_t)(PB_PAGE_SIZE << pg->order);
	return true;
}

/*
 * A new page from the page allocator, mapped once and charged with the bias. The order
 * steps down on failure the way mlx4_alloc_pages retried with smaller orders, but only as
 * far as a page still holds one stride.
 */
static bool frag_refill(struct pb_alloc *a, struct frag_cache *fc)
{
	unsigned order = fc->order;
	struct pb_page *pg;

	while (!(pg = pb_alloc_pages(a->mem.zone, order))) {
		if (!fc->fallback || order == fc->min_order)
			return false;
		order--;
	}
	if (pb_unlikely(pb_dma_map(a->mem.dma, pg, order))) {
		pb_free_pages(a->mem.zone, pg, order);
		return false;
	}
	frag_obtained(fc, pg, order);
	pb_atomic_add(&pg->refcount, FRAG_BIAS);
	fc->page = pg;
	fc->bias = FRAG_BIAS + 1;
	fc->offset = (int32_t)(PB_PAGE_SIZE << order);
	return true;
}

static pb_noinline bool frag_alloc_slow(struct pb_alloc *a, struct frag_cache *fc,
					struct pb_buf *b)
{
	if (fc->page && frag_reuse(a, fc)) {
		fc->st.recycle_cached++;
		fc->alloc_fast++;
	} else if (frag_refill(a, fc)) {
		fc->st.alloc_slow++;
	} else {
		fc->st.alloc_empty++;
		return false;
	}
	frag_carve(fc, b, fc->offset - (int32_t)fc->stride);
	return true;
}

/* From the end of the page toward its start, like page_frag_alloc. */
static bool frag_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	struct frag_cache *fc = frag_of(a);
	int32_t offset = fc->offset - (int32_t)fc->stride;

	if (pb_unlikely(offset < 0))
		return frag_alloc_slow(a, fc, b);
	fc->alloc_fast++;
	frag_carve(fc, b, offset);
	return true;
}

/*
 * page_frag_free: one reference off the head page, from any context; @direct means nothing
 * here. The page was unmapped when the cache let go of it, so the last reference frees an
 * unmapped page whoever drops it.
 */
static void frag_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	struct pb_page *pg = b->page;
	int32_t ref = pb_atomic_dec_return(&pg->refcount);

	if (pb_unlikely(ref == 0))
		pb_free_pages_unref(a->mem.zone, pg, pg->order);
	else
		PB_BUG_ON(ref < 0, "frag: fragment freed twice");
}

/*
 * The page-level ops bypass fragmenting: a whole page of the configured order, mapped,
 * refcount 1. The packet workloads go through alloc_buf/free_buf; these exist so the
 * table is complete for anything that asks for whole pages.
 */
static struct pb_page *frag_alloc_page(struct pb_alloc *a)
{
	struct frag_cache *fc = frag_of(a);
	struct pb_page *pg = pb_alloc_pages(a->mem.zone, a->order);

	if (pb_unlikely(!pg))
		goto empty;
	if (pb_unlikely(pb_dma_map(a->mem.dma, pg, a->order))) {
		pb_free_pages(a->mem.zone, pg, a->order);
		goto empty;
	}
	frag_obtained(fc, pg, a->order);
	fc->st.alloc_slow++;
	return pg;
empty:
	fc->st.alloc_empty++;
	return NULL;
}

static void frag_free_page(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	pb_dma_unmap(a->mem.dma, pg, pg->order);
	pb_free_pages(a->mem.zone, pg, pg->order);
}

/*
 * Pages obtained and not yet back in the zone. page_frag keeps no such count and needs
 * none; the harness does, and no counter on our side could keep it, because the last
 * reference to a page may be dropped by anyone (put_page of an skb clone) without passing
 * through free_buf. The zone clears page->pp when a block comes back, so a head that still
 * carries our mark and a reference is one of ours out there. It walks every descriptor:
 * for stats and destroy only, never on a packet path.
 */
static uint64_t frag_pages_out(struct pb_alloc *a, struct frag_cache *fc)
{
	const struct pb_arena *ar = &a->mem.arena;
	uint64_t n = 0;

	for (size_t pfn = 0; pfn < ar->npages; pfn++) {
		struct pb_page *pg = pb_pfn_to_page(ar, pfn);

		if (PB_READ_ONCE(pg->pp) == fc && pb_page_count(pg) > 0)
			n++;
	}
	return n;
}

static int frag_check(const struct pb_params *p, struct pb_err *err)
{
	unsigned order = (unsigned)pb_param_u64(p, frag_params, "order");
	uint64_t frag = pb_param_u64(p, frag_params, "frag");
	uint64_t stride = pb_param_u64(p, frag_params, "stride");
	uint64_t size = PB_PAGE_SIZE << order;
	const char *key = "stride";

	if (!stride) {
		stride = (frag + PB_CACHELINE - 1) & ~(uint64_t)(PB_CACHELINE - 1);
		key = "frag";	/* the stride was derived: frag is what does not fit */
	} else if (stride < frag) {
		return pb_err_set(err, "stride=%s: smaller than frag=%s",
				  pb_param_str(p, frag_params, "stride"),
				  pb_param_str(p, frag_params, "frag"));
	}
	if (stride > size)
		return pb_err_set(err, "%s=%s: larger than an order-%u page (%llu bytes)", key,
				  pb_param_str(p, frag_params, key), order, (unsigned long long)size);
	return 0;
}

static int frag_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	unsigned order = (unsigned)pb_param_u64(p, frag_params, "order");
	uint64_t frag = pb_param_u64(p, frag_params, "frag");
	uint64_t stride = pb_param_u64(p, frag_params, "stride");
	struct frag_cache *fc;
	unsigned min_order = 0;

	if (!stride)
		stride = (frag + PB_CACHELINE - 1) & ~(uint64_t)(PB_CACHELINE - 1);
	while ((PB_PAGE_SIZE << min_order) < stride)
		min_order++;

	fc = aligned_alloc(PB_CACHELINE, sizeof(*fc));
	if (!fc)
		return pb_err_set(err, "frag: out of memory");
	memset(fc, 0, sizeof(*fc));
	fc->stride = (uint32_t)stride;
	fc->frag = (uint32_t)frag;
	fc->order = order;
	fc->min_order = min_order;
	fc->fallback = pb_param_u64(p, frag_params, "fallback");
	a->order = order;
	a->pieces = true;
	a->priv = fc;
	return 0;
}

/*
 * Gives back the cache's share of its current page; the pages whose fragments are still
 * out keep the instance alive (frees only need the zone) until a later call finds none.
 */
static uint64_t frag_destroy(struct pb_alloc *a)
{
	struct frag_cache *fc = frag_of(a);
	uint64_t out;

	if (fc->page)
		frag_let_go(a, fc);
	out = frag_pages_out(a, fc);
	if (out)
		return out;
	free(fc);
	a->priv = NULL;
	return 0;
}

static void frag_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct frag_cache *fc = frag_of(a);
	uint64_t in_flight = frag_pages_out(a, fc);

	out->alloc_fast += fc->alloc_fast;
	out->alloc_slow += fc->st.alloc_slow;
	out->alloc_empty += fc->st.alloc_empty;
	out->recycle_cached += fc->st.recycle_cached;
	out->hold += fc->st.hold;
	out->in_flight += in_flight;
	out->released += fc->st.hold - in_flight;
}

void pb_frag_order_histogram(struct pb_alloc *a, uint64_t out[PB_MAX_ORDER + 1])
{
	struct frag_cache *fc = frag_of(a);

	PB_BUG_ON(a->ops != &pb_alloc_frag, "frag: histogram asked of another backend");
	memcpy(out, fc->st.order_hist, sizeof(fc->st.order_hist));
}

const struct pb_alloc_ops pb_alloc_frag = {
	.name = "frag",
	.desc = "high-order page split into fragments (mlx4 2016 / page_frag_cache), bias refcounting",
	.params = frag_params,
	.one_context = false,	/* frees touch only the page refcount and the zone */
	.check = frag_check,
	.create = frag_create,
	.destroy = frag_destroy,
	.alloc = frag_alloc_page,
	.free = frag_free_page,
	.stats = frag_stats,
	.alloc_buf = frag_alloc_buf,
	.free_buf = frag_free_buf,
};
