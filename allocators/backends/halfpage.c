// SPDX-License-Identifier: GPL-2.0-only
/*
 * halfpage: the Intel ixgbe/i40e RX ring page reuse scheme, before page_pool.
 *
 * Each ring slot owns one DMA-mapped page and receives into one half of it. When a frame
 * lands, the driver builds an skb around that half and gives it to the stack; if the
 * stack no longer holds the other half, the slot flips to it and keeps the page mapped, so
 * a ring that sees its packets freed within one ring cycle never goes back to the page
 * allocator. Otherwise the driver unmaps the page and lets the stack's references free it;
 * the slot takes a new page the next time a frame arrives there.
 *
 * Two generations of the reference accounting (variant=):
 *   bias   i40e_alloc_mapped_page / i40e_can_reuse_rx_page since 2017: the driver pre-charges
 *          USHRT_MAX references with one atomic and pays each handed-out reference from a
 *          private counter (pagecnt_bias), so the RX path does no atomic at all until the
 *          charge runs low, once per ~65k packets on a page.
 *   2016   ixgbe_add_rx_frag as of 2016 (v4.6-4.8): the driver's single reference goes to
 *          the stack with the buffer, reuse requires page_count() == 1 and costs a
 *          page_ref_inc, one atomic per packet. A frame of at most IXGBE_RX_HDR_SIZE (256)
 *          bytes is not given to the stack at all: it is copied into the skb head
 *          (memcpy of ALIGN(size, sizeof(long))) and the page is reused as it is, same
 *          half, no reference taken or dropped (the copybreak); only a page that is not
 *          reusable then loses the driver's reference (__free_pages). The frame length is
 *          the workload's len= (allocator.h's traffic parameters).
 * Both refuse to keep pages from another NUMA node or from the reserves (dev_page_is_reusable,
 * 2016's ixgbe_page_is_reserved). The bias variant models i40e's default receive, build_skb
 * around the half: it copies nothing (the legacy-rx copy path is not modelled).
 *
 * The slot refills lazily at the next packet rather than in a separate refill pass, and a
 * kept page stays in its own slot (i40e moves it to next_to_alloc, which is the same slot
 * in the steady state modelled here).
 *
 * Concurrency (why one_context is false). The ring and its counters belong to the RX
 * context that calls alloc_buf. free_buf, the stack dropping an skb, may run on any CPU at
 * the same time: it touches only the page's refcount, the zone and this CPU's counters.
 * The one shared decision is the reuse test, which reads the refcount while another CPU
 * may be dropping its reference to the other half. It is safe in both variants:
 *  - Every reference other than the driver's is held by a buffer, or taken (get_page) by
 *    someone who already holds one, so no reference appears out of nothing: if the count
 *    the driver reads shows none but the buffer this context just built, there was no
 *    other holder at that point and none can have appeared since. A read racing with the
 *    stack's puts sees a count too high, never one that hides a holder: the worst it does
 *    is let go of a page that could have been kept (a spurious busy), never keep a half
 *    that is still in use.
 *  - bias: count - pagecnt_bias is the number of stack references, as the driver changes
 *    the bias and the count by the same amounts (pre-charge, restock, final drop). 2016:
 *    the driver gave its reference away with the buffer, so the count is that number.
 *  - Seeing "only mine" means the other half's last put already happened. That put is a
 *    fully ordered RMW; the acquire fence after the test orders the stack's last accesses
 *    to that half before anyone writes it again (the kernel relies on the control
 *    dependency and the barrier before the descriptor write for the same ordering).
 *  - A page is unmapped before the driver lets it go, while the buffer just built still
 *    pins it, so no put on another CPU can free a mapped page; whichever put reaches zero,
 *    the driver's bulk drop or a stack put, frees the page, once.
 */
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "direct.h"
#include "halfpage.h"

#define HP_HALF ((uint32_t)(PB_PAGE_SIZE / 2))
#define HP_CHARGE USHRT_MAX	/* references pre-charged per (re)stock, as i40e */
#define HP_RX_HDR_SIZE 256u	/* IXGBE_RX_HDR_SIZE: the skb head a small frame is copied into */

enum hp_variant { HP_BIAS, HP_2016 };

/* One RX descriptor's buffer (struct i40e_rx_buffer). */
struct hp_slot {
	struct pb_page *page;		/* NULL: let go, take a new page at the next frame */
	uint32_t page_offset;		/* the half the next frame lands in */
	uint32_t pagecnt_bias;		/* bias: references paid for and not yet handed out */
};

/* Counters any CPU may bump (the stack's frees), one line per CPU slot. */
struct hp_pcpu {
	uint64_t freed;		/* pages whose last reference dropped here: back to the zone */
	uint64_t released;	/* pages the driver let go of (driver CPU) or whole-page frees */
} pb_cacheline_aligned;

struct halfpage {
	/* RX context only: no lock, no atomic. */
	struct hp_slot *ring;
	unsigned count;
	unsigned next_to_clean;
	enum hp_variant variant;
	unsigned nid;
	struct pb_zone *zone;
	struct pb_dma *dma;
	bool sync;			/* a device that maps: the per-frame syncs are due */
	uint32_t frame_len;		/* len=: bytes of each received frame */
	struct pb_halfpage_counters c;
	uint64_t served_fast;		/* frames into a page the slot already had */
	uint64_t empty;			/* no page to be had */
	uint64_t whole;			/* whole pages through the page-level ops */
	uint64_t obtained;		/* pages taken from the zone, by any op */

	struct hp_pcpu pcpu[PB_MAX_CPUS];
	/* 2016: the skb head copied frames land in (napi_alloc_skb's, IXGBE_RX_HDR_SIZE). */
	uint8_t head[HP_RX_HDR_SIZE] pb_cacheline_aligned;
};

static const struct pb_param_spec hp_params[] = {
	{ "rx_ring", PB_PARAM_UINT, 1, 8192, NULL, "512", "RX ring slots, one page each" },
	{ "variant", PB_PARAM_ENUM, 0, 0, "bias|2016", "bias",
	  "bias: i40e pagecnt_bias, no atomic per packet; 2016: ixgbe page_count()==1 + page_ref_inc" },
	{ 0 },
};

extern const struct pb_alloc_ops pb_alloc_halfpage;

static inline struct halfpage *hp_of(struct pb_alloc *a)
{
	return a->priv;
}

/* The last reference is gone; the page was unmapped before the driver let it go. */
static pb_noinline void hp_page_freed(struct halfpage *hp, struct pb_page *pg, int32_t ref)
{
	PB_BUG_ON(ref < 0, "halfpage: page refcount below zero");
	pb_free_pages_unref(hp->zone, pg, 0);
	hp->pcpu[pb_cpu_id()].freed++;
}

/* Drops one reference the driver holds to @pg (unmapped already); the last frees it. */
static void hp_put_driver_ref(struct halfpage *hp, struct pb_page *pg)
{
	int32_t ref = pb_atomic_dec_return(&pg->refcount);

	if (pb_unlikely(ref <= 0))
		hp_page_freed(hp, pg, ref);
}

/* A page from the page allocator, mapped for the device; NULL (counted) when there is none. */
static struct pb_page *hp_get_mapped_page(struct halfpage *hp)
{
	struct pb_page *pg = pb_alloc_pages(hp->zone, 0);

	if (pb_unlikely(!pg))
		goto empty;
	if (pb_unlikely(pb_dma_map(hp->dma, pg, 0))) {
		pb_free_pages(hp->zone, pg, 0);
		goto empty;
	}
	hp->obtained++;
	return pg;
empty:
	hp->empty++;
	return NULL;
}

/* A fresh page for an empty slot (i40e_alloc_mapped_page). */
static pb_noinline bool hp_new_page(struct halfpage *hp, struct hp_slot *s)
{
	struct pb_page *pg = hp_get_mapped_page(hp);

	if (pb_unlikely(!pg))
		return false;
	hp->c.alloc++;
	if (hp->variant == HP_BIAS) {
		/* Pay for the next ~65k handed-out references now, in one atomic. */
		pb_atomic_add(&pg->refcount, HP_CHARGE - 1);
		s->pagecnt_bias = HP_CHARGE;
	}
	s->page = pg;
	s->page_offset = 0;
	/* i40e_alloc_rx_buffers: dma_sync_single_range_for_device of the half being posted. */
	if (hp->sync)
		pb_dma_sync_for_device(hp->dma, pg->dma_addr, HP_HALF);
	return true;
}

/* The charge is used up but for the driver's own reference: buy another batch. */
static pb_noinline void hp_restock(struct halfpage *hp, struct hp_slot *s)
{
	pb_atomic_add(&s->page->refcount, HP_CHARGE - 1);
	s->pagecnt_bias = HP_CHARGE;
	hp->c.restock++;
}

/*
 * Unmap and give up the slot's page (the not-reusable branch of the RX clean loop). The
 * bias variant drops every reference it still holds at once (__page_frag_cache_drain);
 * the 2016 variant holds none, its one went to the stack with the buffer just built.
 * That buffer still pins the page, so it is unmapped before any put can free it.
 */
static pb_noinline void hp_let_go(struct halfpage *hp, struct hp_slot *s)
{
	struct pb_page *pg = s->page;

	pb_dma_unmap(hp->dma, pg, 0);
	if (hp->variant == HP_BIAS) {
		int32_t ref = pb_atomic_sub_return(&pg->refcount, (int32_t)s->pagecnt_bias);

		if (pb_unlikely(ref <= 0))
			hp_page_freed(hp, pg, ref);
	}
	s->page = NULL;
	hp->pcpu[pb_cpu_id()].released++;
}

/* Worth keeping at all: local memory, not taken from the reserves. */
static inline bool hp_keepable(const struct halfpage *hp, const struct pb_page *pg)
{
	return pg->node == hp->nid && !(pg->flags & PB_PG_RESERVE);
}

/* May the slot keep its page, given the half just handed out (i40e_can_reuse_rx_page)? */
static inline bool hp_can_reuse(struct halfpage *hp, struct hp_slot *s)
{
	struct pb_page *pg = s->page;
	int32_t others;

	if (pb_unlikely(!hp_keepable(hp, pg))) {
		hp->c.waive++;
		return false;
	}
	/* Stack references beyond the one just handed out: the other half is still out. */
	others = pb_page_count(pg) - 1;
	if (hp->variant == HP_BIAS)
		others -= (int32_t)s->pagecnt_bias;
	if (pb_unlikely(others > 0)) {
		hp->c.busy++;
		return false;
	}
	pb_smp_rmb();	/* the other half's last user is done with it before it is refilled */
	pb_tsan_acquire(&pg->refcount);	/* TSan models no fence: the rmb is this acquire */
	if (hp->variant == HP_BIAS) {
		if (pb_unlikely(s->pagecnt_bias == 1))
			hp_restock(hp, s);
	} else {
		pb_page_get(pg);	/* the driver's new reference; its old one left with the buffer */
	}
	return true;
}

/*
 * 2016, ixgbe_add_rx_frag's first branch: a frame of at most IXGBE_RX_HDR_SIZE bytes is
 * copied whole into the skb head, so the stack holds no reference to the page; the page
 * stays in its slot, same half, its refcount untouched, if it is reusable (local, not from
 * the reserves). Otherwise the driver drops its own reference (__free_pages in 4.6; the
 * page is unmapped first here, since the model refuses to free a mapped page) and the slot
 * takes a new page at its next frame. @b then names where the bytes were received, with
 * truesize 0 (no page reference: pb_buf).
 */
static pb_noinline void hp_copybreak(struct halfpage *hp, struct hp_slot *s, struct pb_buf *b,
				const bool sync)
{
	struct pb_page *pg = s->page;

	memcpy(hp->head, (char *)pb_page_address(pg) + s->page_offset,
	       (b->len + sizeof(long) - 1) & ~(uint32_t)(sizeof(long) - 1));
	b->truesize = 0;
	if (pb_likely(hp_keepable(hp, pg))) {
		hp->c.copied++;
		/* The same half goes back to the device (ixgbe_reuse_rx_page's sync). */
		if (sync)
			pb_dma_sync_for_device(hp->dma, pg->dma_addr + s->page_offset, HP_HALF);
		return;
	}
	hp->c.waive++;
	pb_dma_unmap(hp->dma, pg, 0);
	hp_put_driver_ref(hp, pg);
	s->page = NULL;
	hp->pcpu[pb_cpu_id()].released++;
}

/*
 * A frame arrived in the slot at next_to_clean: hand its half page to the stack as @b,
 * then keep the page (flip to the other half) or let it go.
 */
static __attribute__((__always_inline__)) inline bool hp_rx(struct pb_alloc *a,
							      struct pb_buf *b, const bool sync)
{
	struct halfpage *hp = hp_of(a);
	struct hp_slot *s = &hp->ring[hp->next_to_clean];

	if (pb_likely(s->page))
		hp->served_fast++;
	else if (!hp_new_page(hp, s))
		return false;
	b->page = s->page;
	b->offset = s->page_offset;
	b->len = hp->frame_len;
	b->truesize = HP_HALF;
	/* i40e_get_rx_buffer: dma_sync_single_range_for_cpu of the frame before it is read. */
	if (sync)
		pb_dma_sync_for_cpu(hp->dma, s->page->dma_addr + b->offset, HP_HALF);
	/* The stack's reference: already paid for (bias), or the driver's own (2016). */
	if (hp->variant == HP_BIAS) {
		s->pagecnt_bias--;
	} else if (b->len <= HP_RX_HDR_SIZE) {
		hp_copybreak(hp, s, b, sync);	/* copied: no reference to the stack, no flip */
		goto next;
	}
	if (pb_likely(hp_can_reuse(hp, s))) {
		s->page_offset ^= HP_HALF;
		hp->c.reuse++;
		/* The other half goes back to the device (i40e_alloc_rx_buffers' sync). */
		if (sync)
			pb_dma_sync_for_device(hp->dma, s->page->dma_addr + s->page_offset, HP_HALF);
	} else {
		hp_let_go(hp, s);
	}
next:
	if (pb_unlikely(++hp->next_to_clean == hp->count))
		hp->next_to_clean = 0;
	return true;
}

/* The same frame with a mapping device: the syncs, kept off the path without one. */
static pb_noinline bool hp_alloc_buf_synced(struct pb_alloc *a, struct pb_buf *b)
{
	return hp_rx(a, b, true);
}

static bool hp_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	if (pb_unlikely(hp_of(a)->sync))
		return hp_alloc_buf_synced(a, b);
	return hp_rx(a, b, false);
}

/*
 * The stack frees the skb (put_page), from any CPU. @direct changes nothing: the scheme
 * has no per-context cache, the page goes back to its slot by refcount alone. A copied
 * frame (truesize 0) lived in the skb head: its free is the head's, no page reference.
 */
static void hp_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	int32_t ref;

	if (pb_unlikely(!b->truesize))
		return;
	ref = pb_atomic_dec_return(&b->page->refcount);

	if (pb_unlikely(ref <= 0))
		hp_page_freed(hp_of(a), b->page, ref);
}

/*
 * Whole pages bypass the ring: the page-level ops exist for callers that want pages, not
 * received frames (pb_alloc_page, pb_alloc_bulk's fallback). A mapped order-0 page from
 * the zone and back, nothing reused.
 */
static struct pb_page *hp_alloc(struct pb_alloc *a)
{
	struct halfpage *hp = hp_of(a);
	struct pb_page *pg = hp_get_mapped_page(hp);

	if (pg)
		hp->whole++;
	return pg;
}

static void hp_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct halfpage *hp = hp_of(a);
	int32_t ref;

	pb_dma_unmap(hp->dma, pg, 0);
	hp->pcpu[pb_cpu_id()].released++;
	ref = pb_atomic_dec_return(&pg->refcount);
	if (pb_unlikely(ref <= 0))
		hp_page_freed(hp, pg, ref);
}

/* len= is the workload's (allocator.h): checked here for callers that skip the plan. */
static int hp_check(const struct pb_params *p, struct pb_err *err)
{
	return pb_traffic_check(p, err);
}

/*
 * Each order-0 page lends at most its two halves before its slot lets it go, so 2 x the
 * pages of mem= bounds what can be out. A 2016 copybreak frame (len <= 256) holds no page
 * at all: no limit.
 */
static uint64_t hp_capacity(const struct pb_params *p, char *why, size_t len)
{
	uint64_t pages;
	size_t used;

	if (pb_param_u64(p, hp_params, "variant") && pb_traffic_len(p) <= HP_RX_HDR_SIZE) {
		snprintf(why, len, "variant=2016 copies len=%u frames: no page held",
			 (unsigned)pb_traffic_len(p));
		return UINT64_MAX;
	}
	pages = pb_mem_blocks(p, 0, why, len);
	used = strlen(why);
	snprintf(why + used, len - used, ", two halves each");
	return 2 * pages;
}

static int hp_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	unsigned count = (unsigned)pb_param_u64(p, hp_params, "rx_ring");
	struct hp_slot *ring = calloc(count, sizeof(*ring));
	struct halfpage *hp;

	if (!ring)
		return pb_err_set(err, "halfpage: cannot allocate a ring of %u slots", count);
	hp = aligned_alloc(PB_CACHELINE, sizeof(*hp));
	if (!hp) {
		free(ring);
		return pb_err_set(err, "halfpage: out of memory");
	}
	memset(hp, 0, sizeof(*hp));
	hp->count = count;
	hp->ring = ring;
	hp->variant = pb_param_u64(p, hp_params, "variant") ? HP_2016 : HP_BIAS;
	hp->nid = a->mem.arena.node;
	hp->zone = a->mem.zone;
	hp->dma = a->mem.dma;
	hp->sync = pb_dma_mode(a->mem.dma) != PB_DMA_NONE;
	hp->frame_len = pb_traffic_len(p);
	a->order = 0;
	a->pieces = true;
	a->priv = hp;
	return 0;
}

/* The per-CPU counters summed: pages back in the zone, pages let go. */
static void hp_sum(const struct halfpage *hp, uint64_t *freed, uint64_t *released)
{
	*freed = *released = 0;
	for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
		*freed += hp->pcpu[c].freed;
		*released += hp->pcpu[c].released;
	}
}

/*
 * Taken from the zone and not back in it. The count misses one case: the last reference
 * to a page the driver let go dropped through someone else's put_page (a clone outliving
 * its skb). The zone is this instance's own, so the pages it lacks bound the answer.
 */
static uint64_t hp_in_flight(const struct halfpage *hp)
{
	uint64_t freed, released, counted, missing;

	hp_sum(hp, &freed, &released);
	counted = hp->obtained - freed;
	missing = pb_zone_nr_pages(hp->zone) - pb_zone_nr_free(hp->zone);
	return counted < missing ? counted : missing;
}

/*
 * Ring teardown (i40e_clean_rx_ring): unmap every slot's page and drop the driver's
 * references; halves the stack still holds keep their pages until freed, and the instance
 * stays for those frees.
 */
static uint64_t hp_destroy(struct pb_alloc *a)
{
	struct halfpage *hp = hp_of(a);
	uint64_t in_flight;

	for (unsigned i = 0; i < hp->count; i++) {
		struct hp_slot *s = &hp->ring[i];
		int32_t ref;

		if (!s->page)
			continue;
		pb_dma_unmap(hp->dma, s->page, 0);
		ref = pb_atomic_sub_return(&s->page->refcount,
					   hp->variant == HP_BIAS ? (int32_t)s->pagecnt_bias : 1);
		if (ref <= 0)
			hp_page_freed(hp, s->page, ref);
		hp->pcpu[pb_cpu_id()].released++;
		s->page = NULL;
	}
	in_flight = hp_in_flight(hp);
	if (in_flight)
		return in_flight;
	free(hp->ring);
	free(hp);
	a->priv = NULL;
	return 0;
}

void pb_halfpage_counters(struct pb_alloc *a, struct pb_halfpage_counters *out)
{
	PB_BUG_ON(a->ops != &pb_alloc_halfpage, "pb_halfpage_counters on another backend");
	*out = hp_of(a)->c;
}

/* i40e's counters in pb_stats terms; waive and busy apart only through pb_halfpage_counters. */
static void hp_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct halfpage *hp = hp_of(a);
	uint64_t freed, released;

	hp_sum(hp, &freed, &released);
	out->alloc_fast += hp->served_fast;
	out->alloc_slow += hp->c.alloc + hp->whole;
	out->alloc_empty += hp->empty;
	out->recycle_cached += hp->c.reuse + hp->c.copied;
	out->recycle_refcnt += hp->c.busy;
	out->released += released;
	out->hold += hp->obtained;
	out->in_flight += hp_in_flight(hp);
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PIECES(halfpage, hp_alloc, hp_free, hp_alloc_buf, hp_free_buf);

const struct pb_alloc_ops pb_alloc_halfpage = {
	.name = "halfpage",
	.desc = "ixgbe/i40e RX ring: each slot owns a page, flip halves, reuse if sole owner",
	.params = hp_params,
	.check = hp_check,
	.one_context = false,	/* free_buf touches only refcounts and the zone: see above */
	.capacity = hp_capacity,
	.create = hp_create,
	.destroy = hp_destroy,
	.alloc = hp_alloc,
	.free = hp_free,
	.stats = hp_stats,
	.alloc_buf = hp_alloc_buf,
	.free_buf = hp_free_buf,
};
