// SPDX-License-Identifier: GPL-2.0-only
/*
 * frag: one high-order page carved into fragments, in two faithful modes (mode=).
 *
 * page_frag (the default): the kernel's page_frag_cache as netdev_alloc_frag and
 * napi_alloc_frag use it in 6.1 (mm/page_alloc.c page_frag_alloc_align,
 * __page_frag_cache_refill, page_frag_free; mm/page_frag_cache.c since 6.12). The cache
 * asks for an order-3 page and falls straight back to order 0; it charges the page
 * PAGE_FRAG_CACHE_MAX_SIZE references at once and pays each fragment from a private
 * pagecnt_bias, carving from the end of the page down; when the page is used up it gives
 * back the bias in one atomic and, if that leaves nothing, reuses the page in place. The
 * cache holds no DMA mapping: a driver on this allocator maps each fragment
 * (dma_map_single) and unmaps it when the device is done, so with dma= set every packet
 * pays one map and one unmap. A free finds the head page from the fragment's address
 * (virt_to_head_page) and drops one reference.
 *
 * mlx4-2016: mlx4_en's RX allocator as of v4.6 (drivers/net/ethernet/mellanox/mlx4/
 * en_rx.c: mlx4_alloc_pages, mlx4_en_alloc_frags, mlx4_en_free_frag). The page (order 3,
 * stepping down while a fragment still fits) is mapped once, and charged exactly as many
 * references as it holds fragments: page_ref_add(page, page_size / stride - 1) on top of
 * the allocation's one. Fragments are carved upward at frag_stride; each one carries one
 * of those references to the stack; the driver never reuses a page in place and unmaps it
 * when the device is done with its last fragment (the next_frag_end > page_size test of
 * mlx4_en_free_frag). It syncs each fragment for the CPU (mlx4_en_complete_rx_desc).
 *
 * In this model alloc_buf hands out a buffer the device has already filled, so the per
 * packet DMA steps of both modes (map/unmap or sync/last unmap) happen inside it.
 *
 * Concurrency: the carving state is only ever touched by the allocating context, like a
 * page_frag_cache owned by one NAPI context or an RX ring. A free touches nothing but the
 * page's refcount and the zone, exactly as page_frag_free() and put_page() may run on any
 * CPU (one_context = false). page_frag: whichever side takes the count to zero frees the
 * page; the cache only reuses it when its own settle reached zero, when no fragment is out.
 * mlx4-2016: the driver unmaps the page before it hands out the last fragment, i.e. while
 * that fragment's reference still pins it, so nobody can free a mapped page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "direct.h"
#include "frag.h"

#define FRAG_MIN_STRIDE PB_CACHELINE

enum frag_mode { FRAG_PAGE_FRAG, FRAG_MLX4_2016 };

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
	int32_t offset;		/* page_frag: last fragment's start (down); mlx4: next one's (up) */
	int32_t bias;		/* page_frag: pagecnt_bias; mlx4: references not yet handed out */
	uint32_t size;		/* bytes of the page being carved (nc->size / page_size) */
	uint32_t stride;	/* truesize of each fragment (fragsz / frag_stride) */
	uint32_t frag;		/* bytes of payload per fragment (frag_size) */
	enum frag_mode mode;
	bool dma;		/* a device that maps: the per-packet DMA steps are due */
	uint64_t alloc_fast;	/* fragments carved without a page allocator call */

	unsigned order;		/* order asked for at refill */
	unsigned min_order;	/* mlx4: smallest order one stride fits in */
	int32_t max_size;	/* page_frag: PAGE_FRAG_CACHE_MAX_SIZE, the references charged */

	struct frag_slow_stats st pb_cacheline_aligned;
};

static const struct pb_param_spec frag_params[] = {
	{ "mode", PB_PARAM_ENUM, 0, 0, "page_frag|mlx4-2016", "page_frag",
	  "page_frag: 6.1 page_frag_cache (bias, in-place reuse, a map per fragment); mlx4-2016: v4.6 mlx4_en (exact charge, a map per page)" },
	{ "order", PB_PARAM_UINT, 0, PB_MAX_ORDER, NULL, "3",
	  "page order the cache asks for first (3 = 32 KiB, PAGE_FRAG_CACHE_MAX_ORDER / MLX4_EN_ALLOC_PREFER_ORDER)" },
	/* 2048: the kernel module's frag_size= default too, so like-named rows carve alike. */
	{ "frag", PB_PARAM_UINT, FRAG_MIN_STRIDE, 65536, NULL, "2048",
	  "payload bytes per fragment (b->len)" },
	{ "stride", PB_PARAM_UINT, 0, PB_PAGE_SIZE << PB_MAX_ORDER, NULL, "0",
	  "bytes between fragments (truesize); 0: frag rounded up to the 64-byte cache line" },
	{ 0 },
};

static inline struct frag_cache *frag_of(struct pb_alloc *a)
{
	return a->priv;
}

/* Marks @pg as ours until the zone gets it back (the zone clears page->pp on free). */
static void frag_obtained(struct frag_cache *fc, struct pb_page *pg, unsigned order)
{
	pg->pp = fc;
	fc->st.hold++;
	fc->st.order_hist[order]++;
}

/* The last reference to @pg is gone: the block goes back to the zone (free_the_page). */
static inline void frag_put(struct pb_alloc *a, struct pb_page *pg, int32_t ref)
{
	if (pb_unlikely(ref == 0))
		pb_free_pages_unref(a->mem.zone, pg, pg->order);
	else
		PB_BUG_ON(ref < 0, "frag: fragment freed twice");
}

/* ---------------- page_frag ---------------- */

/*
 * virt_to_head_page: compound_head() of @addr's frame. The order-3 refill asks for
 * __GFP_COMP, so the page allocator model set every tail's head (prep_compound_page).
 */
static inline struct pb_page *pf_virt_to_head_page(const struct pb_arena *ar, const char *addr)
{
	return pb_compound_head(pb_pfn_to_page(ar, (size_t)(addr - ar->base) >> PB_PAGE_SHIFT));
}

/*
 * __page_frag_cache_refill (6.1) as napi_alloc_frag calls it (GFP_ATOMIC): order 3 with
 * __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC (no reserves; NORETRY
 * changes nothing without reclaim), else order 0 with the caller's GFP_ATOMIC alone; then
 * page_frag_alloc_align's charge of PAGE_FRAG_CACHE_MAX_SIZE references (a page_ref_add,
 * not a set: get_page_unless_zero users must never see it drop).
 */
static bool pf_refill(struct pb_alloc *a, struct frag_cache *fc)
{
	unsigned order = fc->order;
	struct pb_page *pg = NULL;

	if (order)
		pg = pb_alloc_pages_gfp(a->mem.zone, PB_GFP_ATOMIC | PB_GFP_COMP | PB_GFP_NOWARN, order);
	if (!pg) {
		order = 0;
		pg = pb_alloc_pages_gfp(a->mem.zone, PB_GFP_ATOMIC, 0);
	}
	if (!pg)
		return false;
	frag_obtained(fc, pg, order);
	pb_atomic_add(&pg->refcount, fc->max_size);
	fc->page = pg;
	fc->size = (uint32_t)(PB_PAGE_SIZE << order);
	fc->bias = fc->max_size + 1;
	fc->offset = (int32_t)fc->size;
	return true;
}

/*
 * The page is used up (offset < 0 in page_frag_alloc_align): give back the bias; zero means
 * every fragment is back and the page is reused in place (set_page_count, a plain store:
 * nobody else can see it) unless it came from the reserves, which is freed. Otherwise the
 * cache just forgets the page: the last page_frag_free frees it.
 */
static pb_noinline bool pf_alloc_slow(struct pb_alloc *a, struct frag_cache *fc,
				      struct pb_buf *b)
{
	struct pb_page *pg = fc->page;
	bool reused = false;
	int32_t offset;

	if (pg) {
		if (pb_atomic_sub_return(&pg->refcount, fc->bias) != 0) {
			fc->page = NULL;
		} else if (pb_unlikely(pg->flags & PB_PG_RESERVE)) {
			fc->page = NULL;
			pb_free_pages_unref(a->mem.zone, pg, pg->order);
		} else {
			pb_atomic_set(&pg->refcount, fc->max_size + 1);
			fc->bias = fc->max_size + 1;
			reused = true;
			goto carve;
		}
	}
	if (!pf_refill(a, fc)) {
		fc->st.alloc_empty++;
		return false;
	}
	fc->st.alloc_slow++;
carve:
	offset = (int32_t)fc->size - (int32_t)fc->stride;
	if (pb_unlikely(offset < 0)) {
		/*
		 * The order-0 fallback cannot hold the fragment: the kernel returns NULL and
		 * keeps the page rather than add to memory pressure, so the cache stays stuck
		 * with it for fragments this large, as page_frag_alloc_align does.
		 */
		fc->offset = (int32_t)fc->size;
		fc->st.alloc_empty++;
		return false;
	}
	if (reused) {
		fc->st.recycle_cached++;
		fc->alloc_fast++;	/* reused in place: no page allocator call */
	}
	fc->bias--;
	fc->offset = offset;
	*b = (struct pb_buf){ fc->page, (uint32_t)offset, fc->frag, fc->stride };
	return true;
}

/*
 * The driver's dma_map_single of the fragment at refill and dma_unmap_single once the
 * device wrote it: one of each per packet. An IOVA shortage drops the packet: the
 * fragment goes back at once, as a driver frees the buffer it could not map.
 */
static pb_noinline bool pf_dma_packet(struct pb_alloc *a, struct pb_buf *b)
{
	uint64_t addr;

	if (pb_unlikely(pb_dma_map_range(a->mem.dma, b->page, b->offset, b->len, &addr))) {
		struct pb_page *pg = b->page;

		frag_put(a, pg, pb_atomic_dec_return(&pg->refcount));
		frag_of(a)->st.alloc_empty++;
		return false;
	}
	pb_dma_unmap_range(a->mem.dma, addr, b->len);
	return true;
}

/* page_frag_alloc_align: carve downward; the used-up page and refills go the slow way. */
static bool pf_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	struct frag_cache *fc = frag_of(a);
	int32_t offset = fc->offset - (int32_t)fc->stride;

	if (pb_unlikely(offset < 0 || !fc->page)) {
		if (!pf_alloc_slow(a, fc, b))
			return false;
	} else {
		fc->alloc_fast++;
		fc->bias--;
		fc->offset = offset;
		*b = (struct pb_buf){ fc->page, (uint32_t)offset, fc->frag, fc->stride };
	}
	if (fc->dma)
		return pf_dma_packet(a, b);
	return true;
}

/* page_frag_free: virt_to_head_page, then put_page_testzero and free_the_page. */
static void pf_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	const char *addr = (const char *)pb_page_address(b->page) + b->offset;
	struct pb_page *head = pf_virt_to_head_page(&a->mem.arena, addr);

	(void)direct;
	PB_BUG_ON(head != b->page, "frag: a fragment's address leads to another head page");
	frag_put(a, head, pb_atomic_dec_return(&head->refcount));
}

/* __page_frag_cache_drain of what the cache still owns (the bias), at teardown. */
static void pf_drain(struct pb_alloc *a, struct frag_cache *fc)
{
	struct pb_page *pg = fc->page;

	fc->page = NULL;
	frag_put(a, pg, pb_atomic_sub_return(&pg->refcount, fc->bias));
	fc->bias = 0;
}

/* ---------------- mlx4-2016 ---------------- */

/*
 * mlx4_alloc_pages: the preferred order, stepping down while a fragment still fits; the
 * page mapped once, whole, and charged page_size / stride references in all.
 */
static bool mlx4_alloc_pages(struct pb_alloc *a, struct frag_cache *fc)
{
	unsigned order = fc->order;
	struct pb_page *pg;
	int32_t refs;

	/* v4.6 (04aeb56a1732): order > 0 with __GFP_COMP | __GFP_NOWARN | __GFP_NOMEMALLOC. */
	while (!(pg = pb_alloc_pages_gfp(a->mem.zone, order ? PB_GFP_ATOMIC | PB_GFP_COMP | PB_GFP_NOWARN :
					 PB_GFP_ATOMIC, order))) {
		if (order == fc->min_order)
			return false;
		order--;
	}
	if (pb_unlikely(pb_dma_map(a->mem.dma, pg, order))) {
		pb_free_pages(a->mem.zone, pg, order);
		return false;
	}
	frag_obtained(fc, pg, order);
	fc->size = (uint32_t)(PB_PAGE_SIZE << order);
	refs = (int32_t)(fc->size / fc->stride);
	pb_atomic_add(&pg->refcount, refs - 1);	/* page_ref_add(page, page_size / stride - 1) */
	fc->page = pg;
	fc->offset = 0;
	fc->bias = refs;
	return true;
}

/*
 * mlx4_en_alloc_frags + mlx4_en_complete_rx_desc + mlx4_en_free_frag for one fragment: the
 * ring's current fragment (a page is taken first when the ring has none) is synced for the
 * CPU and handed out with one of the page's references; if it is the page's last, the
 * page is unmapped and the ring takes a new one at the next packet. No atomic here.
 */
static bool mlx4_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	struct frag_cache *fc = frag_of(a);
	struct pb_page *pg = fc->page;
	int32_t offset = fc->offset;

	if (pb_unlikely(!pg)) {
		if (!mlx4_alloc_pages(a, fc)) {
			fc->st.alloc_empty++;
			return false;
		}
		fc->st.alloc_slow++;
		pg = fc->page;
		offset = 0;
	} else {
		fc->alloc_fast++;
	}
	*b = (struct pb_buf){ pg, (uint32_t)offset, fc->frag, fc->stride };
	if (fc->dma)
		pb_dma_sync_for_cpu(a->mem.dma, pg->dma_addr + (uint32_t)offset, fc->frag);
	fc->bias--;
	if ((uint32_t)offset + 2 * fc->stride > fc->size) {	/* next_frag_end > page_size */
		PB_BUG_ON(fc->bias != 0, "frag: mlx4 page left with references not handed out");
		pb_dma_unmap(a->mem.dma, pg, pg->order);
		fc->page = NULL;
	} else {
		fc->offset = offset + (int32_t)fc->stride;
	}
	return true;
}

/* The stack's put_page of the skb fragment's page. */
static void mlx4_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	(void)direct;
	frag_put(a, b->page, pb_atomic_dec_return(&b->page->refcount));
}

/*
 * mlx4_en_destroy_allocator: unmap the ring's page and drop the references no fragment
 * took (one page_ref_sub where the driver looped put_page).
 */
static void mlx4_drain(struct pb_alloc *a, struct frag_cache *fc)
{
	struct pb_page *pg = fc->page;

	fc->page = NULL;
	pb_dma_unmap(a->mem.dma, pg, pg->order);
	frag_put(a, pg, pb_atomic_sub_return(&pg->refcount, fc->bias));
	fc->bias = 0;
}

/* ---------------- common ---------------- */

static bool frag_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	if (frag_of(a)->mode == FRAG_MLX4_2016)
		return mlx4_alloc_buf(a, b);
	return pf_alloc_buf(a, b);
}

static void frag_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	if (frag_of(a)->mode == FRAG_MLX4_2016)
		mlx4_free_buf(a, b, direct);
	else
		pf_free_buf(a, b, direct);
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
	(void)direct;
	pb_dma_unmap(a->mem.dma, pg, pg->order);
	pb_free_pages(a->mem.zone, pg, pg->order);
}

/*
 * Pages obtained and not yet back in the zone. Neither scheme keeps such a count; the
 * harness needs one, and no counter on our side could keep it, because the last reference
 * to a page may be dropped by anyone (put_page of an skb clone) without passing through
 * free_buf. The zone clears page->pp when a block comes back, so a head that still carries
 * our mark and a reference is one of ours out there. It walks every descriptor: for stats
 * and destroy only, never on a packet path.
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

static uint64_t frag_stride(const struct pb_params *p)
{
	uint64_t stride = pb_param_u64(p, frag_params, "stride");
	uint64_t frag = pb_param_u64(p, frag_params, "frag");

	return stride ? stride : (frag + PB_CACHELINE - 1) & ~(uint64_t)(PB_CACHELINE - 1);
}

static int frag_check(const struct pb_params *p, struct pb_err *err)
{
	unsigned order = (unsigned)pb_param_u64(p, frag_params, "order");
	uint64_t frag = pb_param_u64(p, frag_params, "frag");
	uint64_t stride = frag_stride(p);
	uint64_t size = PB_PAGE_SIZE << order;
	const char *key = pb_param_u64(p, frag_params, "stride") ? "stride" : "frag";

	if (stride < frag)
		return pb_err_set(err, "stride=%s: smaller than frag=%s",
				  pb_param_str(p, frag_params, "stride"),
				  pb_param_str(p, frag_params, "frag"));
	if (stride > size)
		return pb_err_set(err, "%s=%s: larger than an order-%u page (%llu bytes)", key,
				  pb_param_str(p, frag_params, key), order, (unsigned long long)size);
	return 0;
}

/*
 * Each fragment pins stride bytes of its page until it comes back, whichever order the
 * cache got (the order-0 fallback carves the same way): mem= / stride bounds what can be
 * out (an upper bound: a page's tail shorter than a stride is never handed out).
 */
static uint64_t frag_capacity(const struct pb_params *p, char *why, size_t len)
{
	uint64_t stride = frag_stride(p);
	uint64_t mem = pb_param_u64(p, pb_mem_params, "mem");

	snprintf(why, len, "mem=%s: %llu fragments of stride %llu bytes",
		 pb_param_str(p, pb_mem_params, "mem"), (unsigned long long)(mem / stride),
		 (unsigned long long)stride);
	return mem / stride;
}

static int frag_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	unsigned order = (unsigned)pb_param_u64(p, frag_params, "order");
	uint64_t stride = frag_stride(p);
	struct frag_cache *fc;
	unsigned min_order = 0;

	while ((PB_PAGE_SIZE << min_order) < stride)
		min_order++;
	fc = aligned_alloc(PB_CACHELINE, sizeof(*fc));
	if (!fc)
		return pb_err_set(err, "frag: out of memory");
	memset(fc, 0, sizeof(*fc));
	fc->mode = pb_param_u64(p, frag_params, "mode") ? FRAG_MLX4_2016 : FRAG_PAGE_FRAG;
	fc->stride = (uint32_t)stride;
	fc->frag = (uint32_t)pb_param_u64(p, frag_params, "frag");
	fc->order = order;
	fc->min_order = min_order;
	fc->max_size = (int32_t)(PB_PAGE_SIZE << order);
	fc->dma = pb_dma_mode(a->mem.dma) != PB_DMA_NONE;
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

	if (fc->page) {
		if (fc->mode == FRAG_MLX4_2016)
			mlx4_drain(a, fc);
		else
			pf_drain(a, fc);
	}
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

void pb_frag_state(struct pb_alloc *a, struct pb_frag_state *out)
{
	struct frag_cache *fc = frag_of(a);

	PB_BUG_ON(a->ops != &pb_alloc_frag, "frag: state asked of another backend");
	*out = (struct pb_frag_state){ fc->page, fc->offset, fc->bias, fc->size };
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PIECES(frag, frag_alloc_page, frag_free_page, frag_alloc_buf, frag_free_buf);

const struct pb_alloc_ops pb_alloc_frag = {
	.name = "frag",
	.desc = "high-order page split into fragments: page_frag_cache (6.1) or mlx4_en (2016)",
	.params = frag_params,
	.one_context = false,	/* frees touch only the page refcount and the zone */
	.check = frag_check,
	.capacity = frag_capacity,
	.create = frag_create,
	.destroy = frag_destroy,
	.alloc = frag_alloc_page,
	.free = frag_free_page,
	.stats = frag_stats,
	.alloc_buf = frag_alloc_buf,
	.free_buf = frag_free_buf,
};
