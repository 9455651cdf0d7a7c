// SPDX-License-Identifier: GPL-2.0-only
/*
 * The frag backend in its two modes. page_frag (the default, 6.1 page_frag_cache):
 * fragment geometry (count per page, downward carving, stride rounding), the
 * PAGE_FRAG_CACHE_MAX_SIZE charge, no atomics while carving, one atomic to settle a
 * used-up page, reuse in place only when every fragment is back, never while one is live,
 * the zone getting a page only with its last reference (whoever drops it), order 3 falling
 * straight to order 0, no mapping held by the cache and one map + unmap per fragment.
 * mlx4-2016 (v4.6 mlx4_en): the exact page_size / stride charge, upward carving, no reuse
 * in place, one map per page, unmapped at its last fragment, one sync per fragment, and
 * the order stepping down one at a time. Both: a destroy that waits for fragments still
 * out. The zone's own counters and free page count are checked against the backend's, so
 * a leak, an extra page allocator call or an early free fails.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "frag.h"
#include "page_alloc.h"
#include "params.h"
#include "support_backend.h"

#define ORDER3 (PB_PAGE_SIZE << 3)	/* 32 KiB */
#define PER_PAGE (ORDER3 / 1536)	/* 21 fragments of 1536 bytes */

#define FRAG(...) TB_CREATE("frag", __VA_ARGS__)
#define MLX4(...) TB_CREATE("frag", "mode=mlx4-2016", __VA_ARGS__)

static struct pb_dma_counters dma_counters(struct pb_alloc *a)
{
	struct pb_dma_counters c;

	pb_dma_counters(a->mem.dma, &c);
	return c;
}

static void alloc_ok(struct pb_alloc *a, struct pb_buf *b, uint32_t len, uint32_t stride)
{
	cr_assert(pb_alloc_buf(a, b), "alloc_buf failed");
	cr_assert_not_null(b->page);
	cr_assert_eq(b->page->arena, &a->mem.arena);
	cr_assert_eq(b->len, len, "len %u, expected %u", b->len, len);
	cr_assert_eq(b->truesize, stride, "truesize %u, expected %u", b->truesize, stride);
	cr_assert_leq((uint64_t)b->offset + b->truesize, PB_PAGE_SIZE << b->page->order,
		      "fragment [%u, +%u) runs past its order-%u page", b->offset, b->truesize,
		      b->page->order);
	cr_assert_eq(pb_page_pfn(b->page) & ((1UL << b->page->order) - 1), 0,
		     "fragment page is not the head of its block");
	cr_assert_gt(pb_page_count(b->page), 0, "fragment of a free page");
}

static bool overlap(const struct pb_buf *x, const struct pb_buf *y)
{
	return x->page == y->page && x->offset < y->offset + y->len && y->offset < x->offset + x->len;
}

static void free_n(struct pb_alloc *a, struct pb_buf *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_free_buf(a, &v[i], true);
}

static uint64_t hist_sum(struct pb_alloc *a, uint64_t h[PB_MAX_ORDER + 1])
{
	uint64_t sum = 0;

	pb_frag_order_histogram(a, h);
	for (unsigned o = 0; o <= PB_MAX_ORDER; o++)
		sum += h[o];
	return sum;
}

/* hold - released == in_flight, the histogram covers every page obtained. */
static void assert_consistent(struct pb_alloc *a)
{
	uint64_t h[PB_MAX_ORDER + 1];
	struct pb_stats s = tb_stats(a);

	cr_assert_eq(s.hold - s.released, s.in_flight, "hold %llu - released %llu != in_flight %llu",
		     (unsigned long long)s.hold, (unsigned long long)s.released,
		     (unsigned long long)s.in_flight);
	cr_assert_eq(hist_sum(a, h), s.hold, "order histogram does not add up to the pages obtained");
	cr_assert_eq(s.hold, s.alloc_slow, "every page obtained is one refill");
}

Test(frag, registered_and_frees_from_anywhere)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("frag");

	cr_assert_not_null(ops);
	cr_assert_not_null(ops->alloc_buf);
	cr_assert_not_null(ops->free_buf);
	cr_assert_not_null(ops->alloc);
	cr_assert_not_null(ops->free);
	cr_assert_not(ops->one_context, "frees only touch the refcount: any CPU may free");
	cr_assert_not(ops->no_page_refs);
}

Test(frag, order3_page_holds_21_fragments_carved_downward)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536");
	struct pb_buf v[PER_PAGE + 1];
	uint64_t h[PB_MAX_ORDER + 1];
	struct pb_stats s;

	cr_assert_eq(PER_PAGE, 21);
	cr_assert_eq(a->order, 3);
	for (unsigned i = 0; i < PER_PAGE; i++) {
		alloc_ok(a, &v[i], 1536, 1536);
		cr_assert_eq(v[i].page, v[0].page, "fragment %u left the first page", i);
		cr_assert_eq(v[i].offset, ORDER3 - (i + 1) * 1536, "fragment %u at offset %u", i,
			     v[i].offset);
	}
	cr_assert_eq(v[0].page->order, 3);
	for (unsigned i = 0; i < PER_PAGE; i++)
		for (unsigned j = i + 1; j < PER_PAGE; j++)
			cr_assert_not(overlap(&v[i], &v[j]), "fragments %u and %u overlap", i, j);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_fast, PER_PAGE - 1);
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.hold, 1);
	cr_assert_eq(s.in_flight, 1);

	/* 512 bytes are left: the 22nd needs a new page. */
	alloc_ok(a, &v[PER_PAGE], 1536, 1536);
	cr_assert_neq(v[PER_PAGE].page, v[0].page, "the 22nd fragment came from the full page");
	cr_assert_eq(v[PER_PAGE].offset, ORDER3 - 1536);
	/* The settle gave back exactly the cache's share: one reference per fragment remains. */
	cr_assert_eq(pb_page_count(v[0].page), PER_PAGE, "used-up page has refcount %d",
		     pb_page_count(v[0].page));
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.recycle_cached, 0, "a page with every fragment out was reused");
	cr_assert_eq(s.hold, 2);
	cr_assert_eq(s.in_flight, 2);
	hist_sum(a, h);
	cr_assert_eq(h[3], 2);
	cr_assert_eq(h[0] + h[1] + h[2], 0);

	free_n(a, v, PER_PAGE + 1);
	assert_consistent(a);
	tb_destroy_clean(a);
}

Test(frag, default_stride_is_frag_rounded_to_cache_line)
{
	struct pb_alloc *a = FRAG("mem=8M", "frag=1500");
	struct pb_alloc *b = FRAG("mem=8M", "frag=100", "order=0");
	struct pb_alloc *c = FRAG("mem=8M", "frag=64", "stride=100", "order=0");
	struct pb_alloc *d = FRAG("mem=8M");
	struct pb_buf x[3];

	cr_assert_eq(a->order, 3, "default order is 3");
	alloc_ok(a, &x[0], 1500, 1536);
	alloc_ok(a, &x[1], 1500, 1536);
	cr_assert_eq(x[0].offset, ORDER3 - 1536);
	cr_assert_eq(x[1].offset, ORDER3 - 2 * 1536);
	free_n(a, x, 2);

	alloc_ok(b, &x[0], 100, 128);
	alloc_ok(b, &x[1], 100, 128);
	cr_assert_eq(x[0].offset, PB_PAGE_SIZE - 128);
	cr_assert_eq(x[1].offset, PB_PAGE_SIZE - 256);
	free_n(b, x, 2);

	/* An explicit stride is taken as given. */
	alloc_ok(c, &x[0], 64, 100);
	alloc_ok(c, &x[1], 64, 100);
	cr_assert_eq(x[0].offset, PB_PAGE_SIZE - 100);
	cr_assert_eq(x[1].offset, PB_PAGE_SIZE - 200);
	free_n(c, x, 2);

	/* The default: 2048 bytes, the kernel module's frag_size= default. */
	alloc_ok(d, &x[0], 2048, 2048);
	cr_assert_eq(x[0].page->order, 3);
	free_n(d, x, 1);

	tb_destroy_clean(a);
	tb_destroy_clean(b);
	tb_destroy_clean(c);
	tb_destroy_clean(d);
}

Test(frag, carving_takes_no_atomics)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536");
	struct pb_buf v[PER_PAGE];
	uint64_t at0;

	alloc_ok(a, &v[0], 1536, 1536);	/* the refill: page allocator, bias charge */
	at0 = pb_tls_atomics;
	for (unsigned i = 1; i < PER_PAGE; i++)
		cr_assert(pb_alloc_buf(a, &v[i]));
	cr_assert_eq(pb_tls_atomics - at0, 0, "carving 20 fragments took %llu locked operations",
		     (unsigned long long)(pb_tls_atomics - at0));
	cr_assert_eq(tb_stats(a).alloc_fast, PER_PAGE - 1);

	/* Each free drops one real reference: one atomic, and the page stays (the bias holds it). */
	for (unsigned i = 0; i < PER_PAGE; i++) {
		at0 = pb_tls_atomics;
		pb_free_buf(a, &v[i], true);
		cr_assert_eq(pb_tls_atomics - at0, 1, "free %u took %llu locked operations", i,
			     (unsigned long long)(pb_tls_atomics - at0));
	}
	cr_assert_eq(tb_stats(a).in_flight, 1);
	tb_destroy_clean(a);
}

Test(frag, used_up_page_with_all_fragments_back_is_reused_in_place)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536");
	struct pb_buf v[PER_PAGE], b;
	struct pb_page *pg;
	struct pb_stats s0, s;
	size_t used;
	uint64_t at0;

	for (unsigned i = 0; i < PER_PAGE; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	pg = v[0].page;
	free_n(a, v, PER_PAGE);
	used = tb_zone_missing(a);
	s0 = tb_stats(a);

	at0 = pb_tls_atomics;
	alloc_ok(a, &b, 1536, 1536);
	cr_assert_eq(pb_tls_atomics - at0, 1, "settling a used-up page took %llu locked operations",
		     (unsigned long long)(pb_tls_atomics - at0));
	cr_assert_eq(b.page, pg, "the page was not reused in place");
	cr_assert_eq(b.offset, ORDER3 - 1536, "a reused page starts again from its end");
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls, "reuse went to the page allocator");
	cr_assert_eq(s.pa_free_calls, s0.pa_free_calls, "reuse freed a page");
	cr_assert_eq(s.recycle_cached, 1);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_fast, PER_PAGE);
	cr_assert_eq(s.hold, 1);
	cr_assert_eq(tb_zone_missing(a), used);

	/* The whole page is available again, with no atomics. */
	v[0] = b;
	at0 = pb_tls_atomics;
	for (unsigned i = 1; i < PER_PAGE; i++) {
		alloc_ok(a, &v[i], 1536, 1536);
		cr_assert_eq(v[i].page, pg);
		cr_assert_eq(v[i].offset, ORDER3 - (i + 1) * 1536);
	}
	cr_assert_eq(pb_tls_atomics - at0, 0);
	free_n(a, v, PER_PAGE);
	assert_consistent(a);
	tb_destroy_clean(a);
}

Test(frag, page_with_a_live_fragment_is_never_handed_out_again)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536");
	struct pb_buf v[PER_PAGE], held, b;
	struct pb_page *pg;
	struct pb_stats s;
	size_t nr;

	for (unsigned i = 0; i < PER_PAGE; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	pg = v[0].page;
	/* Keep the last one carved: a wrong reuse would hand its bytes out first. */
	held = v[PER_PAGE - 1];
	free_n(a, v, PER_PAGE - 1);

	for (unsigned k = 0; k < 10 * PER_PAGE + 5; k++) {
		alloc_ok(a, &b, 1536, 1536);
		cr_assert_not(overlap(&b, &held), "alloc %u handed out bytes of a live fragment", k);
		cr_assert_neq(b.page, pg, "alloc %u came from a page with a live fragment", k);
		pb_free_buf(a, &b, true);
	}
	cr_assert_eq(pb_page_count(pg), 1, "only the live fragment should hold the old page");
	s = tb_stats(a);
	cr_assert_eq(s.hold, 2, "the second page, always fully returned, is reused in place");
	cr_assert_geq(s.recycle_cached, 9);
	cr_assert_eq(s.in_flight, 2);

	nr = tb_zone_free(a);
	pb_free_buf(a, &held, true);
	cr_assert_eq(tb_zone_free(a), nr + 8, "the last fragment's free must give the zone its page");
	cr_assert_eq(pb_page_count(pg), 0);
	s = tb_stats(a);
	cr_assert_eq(s.released, 1);
	cr_assert_eq(s.in_flight, 1);
	assert_consistent(a);
	tb_destroy_clean(a);
}

Test(frag, zone_gets_the_page_with_its_last_fragment)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536");
	struct pb_buf v[PER_PAGE + 1];
	struct pb_page *pg;
	struct pb_stats s;
	size_t nr;

	for (unsigned i = 0; i < PER_PAGE + 1; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	pg = v[0].page;
	nr = tb_zone_free(a);
	/* Out of order, all but one: the page stays out of the zone. */
	for (unsigned i = 0; i < PER_PAGE; i += 2)
		pb_free_buf(a, &v[i], true);
	for (unsigned i = PER_PAGE - 2; i > 1; i -= 2)
		pb_free_buf(a, &v[i], true);
	cr_assert_eq(tb_zone_free(a), nr, "the zone got a page with a fragment still out");
	cr_assert_eq(pb_page_count(pg), 1);
	cr_assert_eq(tb_stats(a).released, 0);

	pb_free_buf(a, &v[1], true);
	cr_assert_eq(pb_page_count(pg), 0);
	cr_assert_eq(tb_zone_free(a), nr + 8);
	s = tb_stats(a);
	cr_assert_eq(s.released, 1);
	cr_assert_eq(s.in_flight, 1);
	cr_assert_eq(s.pa_free_calls, 1);

	pb_free_buf(a, &v[PER_PAGE], true);
	assert_consistent(a);
	tb_destroy_clean(a);
}

/* alloc-free-slow with pages torn away: the last reference is a foreign put_page. */
Test(frag, last_reference_dropped_by_someone_else)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536", "dma=pt");
	struct pb_buf v[PER_PAGE + 1];
	struct pb_page *pg;
	struct pb_stats s;
	size_t nr;

	for (unsigned i = 0; i < PER_PAGE + 1; i++) {
		alloc_ok(a, &v[i], 1536, 1536);
		pb_page_get(v[i].page);	/* an skb clone */
	}
	pg = v[0].page;
	/* page_frag holds no mapping: each fragment was mapped and unmapped on its own. */
	cr_assert_eq(pg->dma_addr, 0);
	cr_assert_eq(v[PER_PAGE].page->dma_addr, 0, "the cache holds no DMA mapping");
	nr = tb_zone_free(a);
	free_n(a, v, PER_PAGE);
	cr_assert_eq(tb_zone_free(a), nr);
	cr_assert_eq(tb_stats(a).in_flight, 2);
	for (unsigned i = 0; i < PER_PAGE; i++)
		pb_page_put(pg);
	cr_assert_eq(tb_zone_free(a), nr + 8);
	s = tb_stats(a);
	cr_assert_eq(s.released, 1, "a page freed by a foreign put must count as released");
	cr_assert_eq(s.in_flight, 1);

	/* The same pattern page after page, reused in place while everything comes back. */
	pb_free_buf(a, &v[PER_PAGE], true);
	pb_page_put(v[PER_PAGE].page);
	for (unsigned k = 0; k < 5 * PER_PAGE; k++) {
		struct pb_buf b;

		alloc_ok(a, &b, 1536, 1536);
		pb_page_get(b.page);
		pb_free_buf(a, &b, true);
		pb_page_put(b.page);
	}
	s = tb_stats(a);
	cr_assert_eq(s.hold, 2);
	cr_assert_eq(s.dma_map, 6 * PER_PAGE + 1, "one map per packet");
	cr_assert_eq(s.dma_unmap, s.dma_map);
	assert_consistent(a);
	tb_destroy_clean(a);
}

Test(frag, reserve_page_is_not_reused)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536", "dma=pt");
	struct pb_buf v[PER_PAGE], b;
	struct pb_page *pg;
	struct pb_stats s0, s;

	for (unsigned i = 0; i < PER_PAGE; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	pg = v[0].page;
	pg->flags |= PB_PG_RESERVE;
	free_n(a, v, PER_PAGE);
	s0 = tb_stats(a);
	alloc_ok(a, &b, 1536, 1536);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 0, "a reserve page was reused");
	cr_assert_eq(s.pa_free_calls, s0.pa_free_calls + 1, "the reserve page did not go to the zone");
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls + 1);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.released, 1);
	cr_assert_eq(s.dma_map, PER_PAGE + 1);
	cr_assert_eq(s.dma_unmap, PER_PAGE + 1);
	/* The zone may well hand the same block back, but as a fresh page. */
	cr_assert_not(b.page->flags & PB_PG_RESERVE);
	pb_free_buf(a, &b, true);
	assert_consistent(a);
	tb_destroy_clean(a);
}

/* Takes every page of the zone as order 0, then frees every even frame: no order >= 1 left. */
static struct pb_page **fragment_zone(struct pb_alloc *a, size_t *n)
{
	size_t total = pb_zone_nr_pages(a->mem.zone);
	struct pb_page **v = calloc(total, sizeof(*v));
	struct pb_page *pg;

	cr_assert_not_null(v);
	*n = 0;
	while ((pg = pb_alloc_pages(a->mem.zone, 0)))
		v[(*n)++] = pg;
	cr_assert_eq(*n, total);
	for (size_t i = 0; i < *n; i++)
		if (!(pb_page_pfn(v[i]) & 1))
			pb_free_pages(a->mem.zone, v[i], 0);
	pb_zone_drain_all(a->mem.zone);
	for (unsigned o = 1; o <= PB_MAX_ORDER; o++)
		cr_assert_eq(pb_zone_nr_free_blocks(a->mem.zone, o), 0);
	cr_assert_eq(pb_zone_nr_free(a->mem.zone), total / 2);
	return v;
}

static void unfragment_zone(struct pb_alloc *a, struct pb_page **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pb_page_pfn(v[i]) & 1)
			pb_free_pages(a->mem.zone, v[i], 0);
	free(v);
}

/*
 * Neither mode's refill dips into the reserves (6.1 __page_frag_cache_refill:
 * __GFP_NOMEMALLOC at order 3, the caller's GFP_ATOMIC at order 0; mlx4 v4.6 likewise),
 * where dev_alloc_pages (__GFP_MEMALLOC) still gets a page below the min watermark.
 */
Test(frag, refills_leave_the_reserves_alone)
{
	static const char *const modes[] = { "mode=page_frag", "mode=mlx4-2016" };

	for (unsigned m = 0; m < 2; m++) {
		struct pb_alloc *a = FRAG("mem=4M", "order=3", "frag=1536", modes[m]);
		size_t total = pb_zone_nr_pages(a->mem.zone), n = 0;
		struct pb_page **v = calloc(total, sizeof(*v)), *reserve;
		struct pb_buf b;

		cr_assert_not_null(v);
		while ((v[n] = pb_alloc_pages_gfp(a->mem.zone, PB_GFP_ATOMIC, 0)))
			n++;
		cr_assert_lt(n, total, "GFP_ATOMIC took the reserves too");
		cr_expect_not(pb_alloc_buf(a, &b), "%s: a refill took a reserve page", modes[m]);
		reserve = pb_alloc_pages(a->mem.zone, 0);
		cr_expect_not_null(reserve, "dev_alloc_pages found no reserve to take");
		if (reserve)
			pb_free_pages(a->mem.zone, reserve, 0);
		while (n)
			pb_free_pages(a->mem.zone, v[--n], 0);
		free(v);
		alloc_ok(a, &b, 1536, 1536);
		pb_free_buf(a, &b, true);
		assert_consistent(a);
		tb_destroy_clean(a);
	}
}

Test(frag, page_frag_falls_back_to_order0)
{
	struct pb_alloc *a = FRAG("mem=4M", "order=3", "frag=1536", "dma=pt");
	uint64_t h[PB_MAX_ORDER + 1];
	struct pb_page **fill;
	struct pb_buf v[6];
	struct pb_stats s;
	size_t n;

	fill = fragment_zone(a, &n);
	for (unsigned i = 0; i < 6; i++) {
		alloc_ok(a, &v[i], 1536, 1536);
		cr_assert_eq(v[i].page->order, 0, "fragment %u from an order-%u page", i,
			     v[i].page->order);
		/* An order-0 page holds two 1536-byte fragments. */
		cr_assert_eq(v[i].page, v[i & ~1u].page);
		cr_assert_eq(v[i].offset, PB_PAGE_SIZE - ((i & 1) + 1) * 1536);
	}
	for (unsigned i = 0; i < 6; i += 2)
		for (unsigned j = i + 2; j < 6; j += 2)
			cr_assert_neq(v[i].page, v[j].page);
	hist_sum(a, h);
	cr_assert_eq(h[0], 3, "order-0 refills: %llu", (unsigned long long)h[0]);
	for (unsigned o = 1; o <= PB_MAX_ORDER; o++)
		cr_assert_eq(h[o], 0, "order-%u refills: %llu", o, (unsigned long long)h[o]);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 3);
	cr_assert_eq(s.alloc_empty, 0);
	cr_assert_eq(s.dma_map, 6, "one map per fragment, whatever the page");
	cr_assert_eq(s.dma_unmap, 6);

	free_n(a, v, 6);
	unfragment_zone(a, fill, n);
	/*
	 * With memory back, the cache still reuses its order-0 page in place for as long as
	 * every fragment keeps coming back (page_frag does the same); only a page it lets go
	 * of is replaced, and then by a full-order one.
	 */
	for (unsigned i = 0; i < 3; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	cr_assert_eq(v[0].page, v[4].page, "the order-0 page was not reused in place");
	cr_assert_eq(v[1].page, v[0].page);
	cr_assert_eq(v[2].page->order, 3, "the page let go of was not replaced by an order-3 one");
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 1);
	hist_sum(a, h);
	cr_assert_eq(h[3], 1);
	free_n(a, v, 3);
	assert_consistent(a);
	tb_destroy_clean(a);
}

/* Every page of the zone as order 0, then frames with pfn % 4 < 2 freed: order-1 blocks only. */
static struct pb_page **order1_zone(struct pb_alloc *a, size_t *n)
{
	size_t total = pb_zone_nr_pages(a->mem.zone);
	struct pb_page **v = calloc(total, sizeof(*v));
	struct pb_page *pg;

	cr_assert_not_null(v);
	*n = 0;
	while ((pg = pb_alloc_pages(a->mem.zone, 0)))
		v[(*n)++] = pg;
	for (size_t i = 0; i < *n; i++)
		if (pb_page_pfn(v[i]) % 4 < 2)
			pb_free_pages(a->mem.zone, v[i], 0);
	pb_zone_drain_all(a->mem.zone);
	cr_assert_gt(pb_zone_nr_free_blocks(a->mem.zone, 1), 0);
	for (unsigned o = 2; o <= PB_MAX_ORDER; o++)
		cr_assert_eq(pb_zone_nr_free_blocks(a->mem.zone, o), 0);
	return v;
}

static void un_order1_zone(struct pb_alloc *a, struct pb_page **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pb_page_pfn(v[i]) % 4 >= 2)
			pb_free_pages(a->mem.zone, v[i], 0);
	free(v);
}

/* __page_frag_cache_refill: order 3 or order 0, nothing between; mlx4 steps down by one. */
Test(frag, page_frag_skips_the_orders_between_mlx4_does_not)
{
	struct pb_alloc *a = FRAG("mem=4M", "order=3", "frag=1536");
	struct pb_alloc *m = MLX4("mem=4M", "order=3", "frag=1536");
	uint64_t h[PB_MAX_ORDER + 1];
	struct pb_page **fa, **fm;
	struct pb_buf x, y;
	size_t na, nm;

	fa = order1_zone(a, &na);
	fm = order1_zone(m, &nm);
	alloc_ok(a, &x, 1536, 1536);
	alloc_ok(m, &y, 1536, 1536);
	cr_assert_eq(x.page->order, 0, "page_frag took an order-%u page", x.page->order);
	cr_assert_eq(y.page->order, 1, "mlx4 took an order-%u page", y.page->order);
	hist_sum(a, h);
	cr_assert_eq(h[0], 1);
	hist_sum(m, h);
	cr_assert_eq(h[1], 1);
	pb_free_buf(a, &x, true);
	pb_free_buf(m, &y, true);
	un_order1_zone(a, fa, na);
	un_order1_zone(m, fm, nm);
	tb_destroy_clean(a);
	tb_destroy_clean(m);
}

/*
 * 8 KiB fragments: page_frag's order-0 fallback cannot hold one, returns NULL and keeps
 * the page (page_frag_alloc_align's fragsz > PAGE_SIZE case), so it stays stuck with it;
 * mlx4 stops at the order one fragment still fits and takes order 3 once memory is back.
 */
Test(frag, fallback_stops_where_a_fragment_no_longer_fits)
{
	struct pb_alloc *a = FRAG("mem=4M", "order=3", "frag=8192");
	struct pb_alloc *m = MLX4("mem=4M", "order=3", "frag=8192");
	uint64_t h[PB_MAX_ORDER + 1];
	struct pb_page **fa, **fm;
	struct pb_buf b;
	size_t na, nm;

	fa = fragment_zone(a, &na);
	fm = fragment_zone(m, &nm);
	cr_assert_not(pb_alloc_buf(a, &b), "an 8 KiB fragment cannot come from an order-0 page");
	cr_assert_not(pb_alloc_buf(m, &b));
	hist_sum(a, h);
	cr_assert_eq(h[0], 1, "page_frag did take its order-0 page");
	cr_assert_eq(hist_sum(m, h), 0, "mlx4 never tries an order the fragment does not fit");
	cr_assert_eq(tb_stats(a).alloc_empty, 1);
	cr_assert_eq(tb_stats(m).alloc_empty, 1);
	unfragment_zone(a, fa, na);
	unfragment_zone(m, fm, nm);
	cr_assert_not(pb_alloc_buf(a, &b), "page_frag let go of its order-0 page");
	cr_assert_eq(tb_stats(a).hold, 1);
	alloc_ok(m, &b, 8192, 8192);
	cr_assert_eq(b.page->order, 3);
	cr_assert_eq(b.offset, 0, "mlx4 carves upward");
	pb_free_buf(m, &b, true);
	tb_destroy_clean(a);
	tb_destroy_clean(m);
}

/* page_frag: the driver maps each fragment and unmaps it when the device is done. */
static void dma_once_per_fragment(const char *mode)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536", mode);
	struct pb_buf v[2 * PER_PAGE + 1];
	struct pb_dma_counters c;
	struct pb_stats s;

	for (unsigned r = 0; r < 3; r++) {
		for (unsigned i = 0; i < PER_PAGE; i++) {
			alloc_ok(a, &v[i], 1536, 1536);
			cr_assert_eq(v[i].page->dma_addr, 0, "%s: the cache mapped its page", mode);
		}
		free_n(a, v, PER_PAGE);
	}
	for (unsigned i = 0; i < 2 * PER_PAGE + 1; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, 5 * PER_PAGE + 1, "%s: %llu maps for %u packets", mode,
		     (unsigned long long)s.dma_map, 5 * PER_PAGE + 1);
	cr_assert_eq(s.dma_unmap, s.dma_map, "%s: a fragment's mapping outlived its packet", mode);
	c = dma_counters(a);
	cr_assert_eq(c.sync_cpu + c.sync_dev, 0, "%s: page_frag drivers unmap, they do not sync", mode);
	free_n(a, v, 2 * PER_PAGE + 1);
	assert_consistent(a);
	tb_destroy_clean(a);
}

Test(frag, page_frag_dma_pt_maps_each_fragment)
{
	dma_once_per_fragment("dma=pt");
}

Test(frag, page_frag_dma_iommu_maps_each_fragment)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536", "dma=iommu:lazy");
	struct pb_dma_counters c;
	struct pb_buf b;

	dma_once_per_fragment("dma=iommu");
	/* Lazy: every fragment's IOVA waits in the flush queue; none is unmapped strictly. */
	for (unsigned i = 0; i < 10; i++) {
		alloc_ok(a, &b, 1536, 1536);
		pb_free_buf(a, &b, true);
	}
	c = dma_counters(a);
	cr_assert_eq(c.fq_queued, 10);
	cr_assert_eq(c.iotlb_inv, 0, "lazy invalidates only when a queue fills");
	tb_destroy_clean(a);
}

/* mlx4: page_ref_add(page, page_size / stride - 1), upward carving, unmap at the last. */
static void mlx4_one_page(uint32_t stride, unsigned per_page)
{
	char frag[32], dma[] = "dma=pt";
	struct pb_alloc *a;
	struct pb_buf v[64], b;
	struct pb_frag_state st;
	struct pb_stats s0, s;
	struct pb_page *pg;
	uint64_t at0;

	snprintf(frag, sizeof(frag), "frag=%u", stride);
	a = MLX4("mem=8M", "order=3", frag, dma);
	alloc_ok(a, &v[0], stride, stride);
	pg = v[0].page;
	cr_assert_eq(v[0].offset, 0);
	cr_assert_eq(pb_page_count(pg), (int)per_page, "charged %d, expected %u",
		     pb_page_count(pg), per_page);
	cr_assert_neq(pg->dma_addr, 0, "the ring's page is mapped once, whole");
	at0 = pb_tls_atomics;
	for (unsigned i = 1; i < per_page; i++) {
		alloc_ok(a, &v[i], stride, stride);
		cr_assert_eq(v[i].page, pg);
		cr_assert_eq(v[i].offset, i * stride, "fragment %u at %u", i, v[i].offset);
		pb_frag_state(a, &st);
		if (i < per_page - 1) {
			cr_assert_eq(st.bias, (int32_t)(per_page - 1 - i));
			cr_assert_neq(pg->dma_addr, 0, "unmapped before its last fragment");
		}
	}
	cr_assert_eq(pb_tls_atomics - at0, 0, "carving took %llu locked operations",
		     (unsigned long long)(pb_tls_atomics - at0));
	/* The last fragment went: unmapped, every reference with a fragment, none kept. */
	pb_frag_state(a, &st);
	cr_assert_null(st.page);
	cr_assert_eq(pg->dma_addr, 0, "the page outlived its last fragment mapped");
	cr_assert_eq(pb_page_count(pg), (int)per_page);
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, 1);
	cr_assert_eq(s.dma_unmap, 1);
	cr_assert_eq(dma_counters(a).sync_cpu, per_page, "one sync for the CPU per fragment");

	/* All back: no reuse in place, the zone gets the page, the next packet a new one. */
	free_n(a, v, per_page);
	cr_assert_eq(pb_page_count(pg), 0);
	s0 = tb_stats(a);
	cr_assert_eq(s0.pa_free_calls, 1);
	cr_assert_eq(s0.released, 1);
	alloc_ok(a, &b, stride, stride);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 0, "mlx4 2016 never reuses a page in place");
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls + 1);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.dma_map, 2);
	pb_free_buf(a, &b, true);
	assert_consistent(a);
	tb_destroy_clean(a);
}

Test(frag, mlx4_charges_page_size_over_stride_and_unmaps_at_the_last)
{
	mlx4_one_page(1536, PER_PAGE);	/* 21, 512 bytes left over */
	mlx4_one_page(2048, 16);	/* an exact fit: the last ends at the page's end */
}

Test(frag, mlx4_maps_per_page_syncs_per_packet_under_iommu)
{
	struct pb_alloc *a = MLX4("mem=8M", "order=3", "frag=1536", "dma=iommu:strict:iotlb=0");
	struct pb_dma_counters c;
	struct pb_buf b;

	for (unsigned i = 0; i < 3 * PER_PAGE; i++) {
		alloc_ok(a, &b, 1536, 1536);
		pb_free_buf(a, &b, true);
	}
	c = dma_counters(a);
	cr_assert_eq(c.map, 3, "%llu maps for 3 pages", (unsigned long long)c.map);
	cr_assert_eq(c.unmap, 3);
	cr_assert_eq(c.iotlb_inv, 3, "strict: one invalidation per unmap");
	cr_assert_eq(c.sync_cpu, 3 * PER_PAGE);
	tb_destroy_clean(a);
}

Test(frag, mlx4_destroy_drops_the_references_not_handed_out)
{
	struct pb_alloc *a = MLX4("mem=8M", "order=3", "frag=1536", "dma=pt");
	struct pb_buf v[5];
	struct pb_page *pg;
	uint64_t leaked = 1;

	for (unsigned i = 0; i < 5; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	pg = v[0].page;
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1, "the page with five fragments out");
	cr_assert_eq(pb_page_count(pg), 5, "destroy kept references no fragment holds");
	cr_assert_eq(pg->dma_addr, 0, "mlx4_en_destroy_allocator unmaps the ring's page");
	free_n(a, v, 5);
	tb_destroy_clean(a);
}

/* page_frag_alloc_align's charge: PAGE_FRAG_CACHE_MAX_SIZE once, the bias paying each fragment. */
Test(frag, page_frag_charges_max_size_and_pays_from_the_bias)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536");
	struct pb_frag_state st;
	struct pb_buf v[5];

	for (unsigned i = 0; i < 5; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	pb_frag_state(a, &st);
	cr_assert_eq(pb_page_count(v[0].page), ORDER3 + 1, "refcount %d", pb_page_count(v[0].page));
	cr_assert_eq(st.bias, ORDER3 + 1 - 5);
	cr_assert_eq(pb_page_count(v[0].page) - st.bias, 5, "count - bias is the fragments out");
	pb_free_buf(a, &v[2], false);
	cr_assert_eq(pb_page_count(v[0].page) - st.bias, 4);
	/* A fragment in a tail frame finds its head (virt_to_head_page) on the way back. */
	cr_assert_geq(v[0].offset, PB_PAGE_SIZE, "expected a fragment past the head frame");
	pb_free_buf(a, &v[0], false);
	pb_free_buf(a, &v[1], false);
	pb_free_buf(a, &v[3], false);
	pb_free_buf(a, &v[4], false);
	cr_assert_eq(pb_page_count(v[0].page), st.bias);
	tb_destroy_clean(a);
}

Test(frag, destroy_waits_for_fragments_out)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "frag=1536", "dma=pt");
	struct pb_buf v[PER_PAGE + 5];
	struct pb_page *p, *q;
	uint64_t leaked = 12345;
	struct pb_stats s;

	for (unsigned i = 0; i < PER_PAGE + 5; i++)
		alloc_ok(a, &v[i], 1536, 1536);
	p = v[0].page;
	q = v[PER_PAGE].page;
	/* Keep v[7] of the first page and two of the second (the cached one). */
	for (unsigned i = 0; i < PER_PAGE + 5; i++)
		if (i != 7 && i != PER_PAGE + 1 && i != PER_PAGE + 4)
			pb_free_buf(a, &v[i], true);

	cr_assert_eq(pb_alloc_destroy(a, &leaked), 2, "destroy must report the two pages still out");
	cr_assert_eq(pb_page_count(p), 1);
	cr_assert_eq(pb_page_count(q), 2, "destroy did not give back the cache's share");
	cr_assert_eq(tb_zone_missing(a), 16);
	s = tb_stats(a);
	cr_assert_eq(s.in_flight, 2);
	cr_assert_eq(s.released, 0);
	cr_assert_eq(s.dma_map, s.dma_unmap);

	/* Still usable for frees; destroy again reports what is left. */
	pb_free_buf(a, &v[PER_PAGE + 1], true);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 2);
	pb_free_buf(a, &v[7], true);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1);
	cr_assert_eq(tb_zone_missing(a), 8);
	pb_free_buf(a, &v[PER_PAGE + 4], true);
	tb_destroy_clean(a);
}

Test(frag, destroy_of_an_idle_cache_frees_at_once)
{
	struct pb_alloc *a = FRAG("mem=8M");
	struct pb_alloc *b = FRAG("mem=8M", "dma=iommu", "frag=1536");
	struct pb_buf x;

	tb_destroy_clean(a);
	alloc_ok(b, &x, 1536, 1536);
	pb_free_buf(b, &x, true);
	tb_destroy_clean(b);
}

Test(frag, page_level_ops_hand_out_whole_pages)
{
	struct pb_alloc *a = FRAG("mem=8M", "order=3", "dma=pt", "frag=1536");
	struct pb_page *pg = pb_alloc_page(a);
	struct pb_buf v[PER_PAGE + 1];
	struct pb_stats s;

	cr_assert_not_null(pg);
	cr_assert_eq(pg->order, 3);
	cr_assert_eq(pb_page_count(pg), 1);
	cr_assert_neq(pg->dma_addr, 0);
	for (unsigned i = 0; i < PER_PAGE + 1; i++) {
		alloc_ok(a, &v[i], 1536, 1536);
		cr_assert_neq(v[i].page, pg, "a fragment landed in a whole page");
	}
	s = tb_stats(a);
	cr_assert_eq(s.hold, 3);
	cr_assert_eq(s.in_flight, 3);
	pb_alloc_free(a, pg, true);
	cr_assert_eq(pb_page_count(pg), 0);
	cr_assert_eq(pg->dma_addr, 0);
	free_n(a, v, PER_PAGE + 1);
	s = tb_stats(a);
	cr_assert_eq(s.in_flight, 1);
	cr_assert_eq(s.dma_map - s.dma_unmap, 0, "page_frag's cached page is not mapped");
	assert_consistent(a);
	tb_destroy_clean(a);
}

Test(frag, in_flight_matches_the_zone_under_a_random_mix)
{
	enum { STEPS = 4000, MAXHELD = 300 };
	struct pb_alloc *a = FRAG("mem=16M", "order=3", "frag=1536", "dma=pt");
	struct pb_buf held[MAXHELD];
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	unsigned n = 0, shared = 0;
	struct pb_stats s;

	for (unsigned step = 0; step < STEPS; step++) {
		if (tb_mix_allocates(&rnd, step, 400, n, MAXHELD)) {
			alloc_ok(a, &held[n], 1536, 1536);
			for (unsigned i = 0; i < n; i++)
				cr_assert_not(overlap(&held[i], &held[n]), "step %u: overlap", step);
			n++;
		} else {
			unsigned i = (unsigned)(tb_xorshift(&rnd) % n);
			struct pb_buf b = held[i];
			bool share = tb_xorshift(&rnd) % 8 == 0;

			held[i] = held[--n];
			if (share) {
				pb_page_get(b.page);
				shared++;
			}
			pb_free_buf(a, &b, tb_xorshift(&rnd) & 1);
			if (share)
				pb_page_put(b.page);
		}
		if (step % 16)
			continue;
		s = tb_stats(a);
		cr_assert_eq(s.hold - s.released, s.in_flight, "step %u", step);
		cr_assert_eq(tb_zone_missing(a), s.in_flight << 3,
			     "step %u: zone misses %zu pages, frag has %llu out", step, tb_zone_missing(a),
			     (unsigned long long)s.in_flight);
		cr_assert_eq(s.dma_map - s.dma_unmap, 0, "step %u: a fragment mapping outlived its packet",
			     step);
	}
	s = tb_stats(a);
	cr_assert_gt(shared, 0);
	cr_assert_gt(s.recycle_cached, 0);
	cr_assert_gt(s.released, 0);
	free_n(a, held, n);
	assert_consistent(a);
	cr_assert_eq(tb_zone_missing(a), tb_stats(a).in_flight << 3);
	tb_destroy_clean(a);
}

/* A remote CPU frees fragments while the owner carves: only the refcount is shared. */
struct remote_ctx {
	struct pb_alloc *a;
	struct pb_buf *bufs;
	unsigned n;
};

static void *remote_free(void *arg)
{
	struct remote_ctx *c = arg;

	pb_cpu_set_id(1);
	for (unsigned i = 0; i < c->n; i++)
		pb_free_buf(c->a, &c->bufs[i], false);
	return NULL;
}

static int cmp_addr(const void *x, const void *y)
{
	uintptr_t p = *(const uintptr_t *)x, q = *(const uintptr_t *)y;

	return (p > q) - (p < q);
}

Test(frag, remote_frees_while_owner_allocates, .timeout = 60)
{
	enum { N = 4000 };
	struct pb_alloc *a = FRAG("mem=32M", "order=3", "frag=1536", "dma=pt");
	struct pb_buf *out = calloc(N, sizeof(*out)), *got = calloc(N, sizeof(*got));
	uintptr_t *addr = calloc(N, sizeof(*addr));
	struct remote_ctx c = { .a = a, .bufs = out, .n = N };
	pthread_t t;
	struct pb_stats s;

	cr_assert(out && got && addr);
	for (unsigned i = 0; i < N; i++)
		alloc_ok(a, &out[i], 1536, 1536);
	cr_assert_eq(pthread_create(&t, NULL, remote_free, &c), 0);
	for (unsigned i = 0; i < N; i++)
		cr_assert(pb_alloc_buf(a, &got[i]));
	pthread_join(t, NULL);
	for (unsigned i = 0; i < N; i++) {
		cr_assert_gt(pb_page_count(got[i].page), 0, "a live fragment's page is free");
		addr[i] = (uintptr_t)pb_page_address(got[i].page) + got[i].offset;
	}
	qsort(addr, N, sizeof(*addr), cmp_addr);
	for (unsigned i = 1; i < N; i++)
		cr_assert_geq(addr[i] - addr[i - 1], 1536, "live fragments overlap");
	s = tb_stats(a);
	cr_assert_eq(s.hold - s.released, s.in_flight);
	cr_assert_eq(tb_zone_missing(a), s.in_flight << 3);
	free_n(a, got, N);
	assert_consistent(a);
	tb_destroy_clean(a);
	free(out);
	free(got);
	free(addr);
}

static void assert_bad(const char *key, const char *const *kv)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("frag");
	struct pb_params p;
	struct pb_err err = { { 0 } };

	memset(&p, 0, sizeof(p));
	for (; *kv; kv++)
		cr_assert_eq(pb_params_add(&p, *kv, &err), 0, "%s: %s", *kv, err.msg);
	cr_assert_null(pb_alloc_create(ops, &p, &err), "created with bad %s", key);
	cr_assert_not_null(strstr(err.msg, key), "error does not name %s: %s", key, err.msg);
}
#define BAD(key, ...) assert_bad(key, (const char *const[]){ "mem=4M", __VA_ARGS__, NULL })

Test(frag, bad_params_name_the_key)
{
	BAD("frag", "frag=0");
	BAD("frag", "frag=63");
	BAD("frag", "frag=65537");
	BAD("stride", "frag=1536", "stride=1000");
	BAD("frag", "order=0", "frag=8192");
	BAD("stride", "order=0", "frag=1536", "stride=8192");
	BAD("stride", "order=3", "stride=65536");
	BAD("order", "order=11");
	BAD("mode", "mode=mlx5");
}
