/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ptr_ring_pool backend against the page_pool design it models: a 128-entry direct
 * cache, a refill of 64 from the ring, a bulk of 64 from the page allocator when both are
 * empty, recycling only while the pool holds the sole reference, the ring for non-direct
 * returns, release when the ring is full, in-flight = hold - release, and a destroy that
 * keeps the instance alive until every lent page is back. Counters are checked exactly and
 * the zone's free page count is checked against them, so a pool that leaks, recycles a
 * shared page or takes the wrong path fails here.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "ptr_ring_pool.h"
#include "page_alloc.h"
#include "params.h"
#include "support_backend.h"

#define CACHE_SIZE 128
#define REFILL 64

#define POOL(...) TB_CREATE("ptr_ring_pool", __VA_ARGS__)

Test(ptr_ring_pool, fresh_pool_has_nothing)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_stats s = tb_stats(a);

	cr_assert_eq(s.hold, 0);
	cr_assert_eq(s.in_flight, 0);
	cr_assert_eq(s.pa_alloc_calls, 0);
	cr_assert_eq(a->order, 0);
	cr_assert_eq(tb_zone_free(a), pb_zone_nr_pages(a->mem.zone));
	cr_assert_eq(pb_zone_nr_pages(a->mem.zone), (8u << 20) / PB_PAGE_SIZE);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, first_alloc_bulk_refills_64)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL + 1];
	struct pb_stats s;
	size_t nr0 = tb_zone_free(a);

	v[0] = pb_alloc_page(a);
	tb_assert_pool_page(a, v[0]);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_fast, 0);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.pa_alloc_calls, 1, "bulk refill took %llu page allocator calls",
		     (unsigned long long)s.pa_alloc_calls);
	cr_assert_eq(s.pa_alloc_pages, REFILL);
	cr_assert_eq(s.hold, REFILL);
	cr_assert_eq(s.in_flight, REFILL);
	cr_assert_eq(tb_zone_free(a), nr0 - REFILL);

	for (unsigned i = 1; i < REFILL; i++)
		v[i] = pb_alloc_page(a);
	for (unsigned i = 1; i < REFILL; i++)
		tb_assert_pool_page(a, v[i]);
	tb_assert_distinct(v, REFILL);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_fast, REFILL - 1);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.pa_alloc_pages, REFILL);
	cr_assert_eq(s.hold, REFILL);
	cr_assert_eq(tb_zone_free(a), nr0 - REFILL);

	/* The cache is empty now: the 65th goes to the page allocator again, for 64 more. */
	v[REFILL] = pb_alloc_page(a);
	tb_assert_pool_page(a, v[REFILL]);
	tb_assert_distinct(v, REFILL + 1);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.pa_alloc_calls, 2);
	cr_assert_eq(s.pa_alloc_pages, 2 * REFILL);
	cr_assert_eq(s.hold, 2 * REFILL);
	cr_assert_eq(s.in_flight, 2 * REFILL);

	tb_free_n(a, v, REFILL + 1, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, direct_free_recycles_lifo)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *x, *y, *z, *pg;
	struct pb_stats s0, s;

	x = pb_alloc_page(a);
	y = pb_alloc_page(a);
	z = pb_alloc_page(a);
	s0 = tb_stats(a);

	pb_alloc_free(a, y, true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 1);
	cr_assert_eq(s.recycle_ring, 0);
	cr_assert_eq(s.released, 0);
	cr_assert_eq(s.in_flight, s0.in_flight, "a recycled page is still in flight");
	cr_assert(y->flags & PB_PG_POOL, "a cached page keeps its owner");
	cr_assert_eq(pb_page_count(y), 1);

	pg = pb_alloc_page(a);
	cr_assert_eq(pg, y, "the page just recycled is the next one out");
	s = tb_stats(a);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + 1);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls);
	cr_assert_eq(s.hold, s0.hold);

	/* Last in, first out. */
	pb_alloc_free(a, x, true);
	pb_alloc_free(a, z, true);
	pb_alloc_free(a, y, true);
	cr_assert_eq(pb_alloc_page(a), y);
	cr_assert_eq(pb_alloc_page(a), z);
	cr_assert_eq(pb_alloc_page(a), x);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 4);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + 4);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls);
	cr_assert_eq(s.released, 0);

	pb_alloc_free(a, x, true);
	pb_alloc_free(a, y, true);
	pb_alloc_free(a, z, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, non_direct_free_goes_through_ring)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL], *got[10];
	struct pb_stats s0, s;

	/* Empty the cache so the next alloc has to look at the ring. */
	tb_alloc_n(a, v, REFILL);
	s0 = tb_stats(a);
	cr_assert_eq(s0.pa_alloc_calls, 1);

	tb_free_n(a, v, 10, false);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 10);
	cr_assert_eq(s.recycle_cached, 0, "a non-direct free touched the direct cache");
	cr_assert_eq(s.released, 0);
	cr_assert_eq(s.in_flight, REFILL, "pages in the ring are still the pool's");
	for (unsigned i = 0; i < 10; i++)
		cr_assert(v[i]->flags & PB_PG_POOL);

	got[0] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 1, "the alloc after the cache ran dry did not refill");
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.pa_alloc_calls, 1, "went to the page allocator with pages in the ring");
	for (unsigned i = 1; i < 10; i++)
		got[i] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 1, "one refill moves the whole ring (up to 64)");
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + 9);
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.hold, REFILL);

	/* The same ten pages, as a set. */
	for (unsigned i = 0; i < 10; i++) {
		tb_assert_pool_page(a, got[i]);
		cr_assert(tb_contains(v, 10, got[i]), "alloc %u returned a page not from the ring", i);
	}
	tb_assert_distinct(got, 10);

	/* Ring and cache both empty again: the page allocator. */
	got[0] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.pa_alloc_calls, 2);
	pb_alloc_free(a, got[0], true);

	tb_free_n(a, v, REFILL, false);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, ring_refill_takes_at_most_64)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[2 * REFILL], *got[100];
	struct pb_stats s0, s;

	tb_alloc_n(a, v, 2 * REFILL);	/* two bulks, cache empty */
	tb_free_n(a, v, 100, false);
	s0 = tb_stats(a);
	cr_assert_eq(s0.recycle_ring, 100);
	cr_assert_eq(s0.pa_alloc_calls, 2);

	got[0] = pb_alloc_page(a);
	for (unsigned i = 1; i < REFILL; i++)
		got[i] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + REFILL - 1);

	got[REFILL] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 2, "the 65th alloc after a refill must refill again");
	for (unsigned i = REFILL + 1; i < 100; i++)
		got[i] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 2);
	cr_assert_eq(s.pa_alloc_calls, 2, "page allocator used with pages in the ring");
	for (unsigned i = 0; i < 100; i++)
		cr_assert(tb_contains(v, 100, got[i]));
	tb_assert_distinct(got, 100);

	tb_free_n(a, got, 100, true);
	tb_free_n(a, v + 100, 2 * REFILL - 100, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, ring_full_releases)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=4");
	struct pb_page *v[REFILL];
	struct pb_stats s;
	size_t nr0;

	tb_alloc_n(a, v, REFILL);
	nr0 = tb_zone_free(a);
	tb_free_n(a, v, 10, false);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 4);
	cr_assert_eq(s.recycle_ring_full, 6);
	cr_assert_eq(s.released, 6);
	cr_assert_eq(s.recycle_cached, 0);
	cr_assert_eq(s.in_flight, REFILL - 6);
	cr_assert_eq(tb_zone_free(a), nr0 + 6, "the zone did not get the 6 released pages back");
	/* The first four fit; the other six left the pool for good. */
	for (unsigned i = 0; i < 4; i++)
		cr_assert(v[i]->flags & PB_PG_POOL);
	for (unsigned i = 4; i < 10; i++) {
		cr_assert_eq(pb_page_count(v[i]), 0, "released page %u still referenced", i);
		cr_assert_null(v[i]->pp, "released page %u keeps its owner", i);
		cr_assert(!(v[i]->flags & PB_PG_POOL), "released page %u keeps PB_PG_POOL", i);
	}
	tb_assert_in_flight_consistent(a);

	tb_free_n(a, v + 10, REFILL - 10, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, direct_free_with_full_cache_goes_to_ring)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[3 * REFILL], *pg;
	struct pb_stats s0, s;

	tb_alloc_n(a, v, 3 * REFILL);	/* three bulks, cache empty */
	tb_free_n(a, v, CACHE_SIZE, true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, CACHE_SIZE);
	cr_assert_eq(s.recycle_ring, 0);

	pb_alloc_free(a, v[CACHE_SIZE], true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, CACHE_SIZE, "the cache took more than %d pages", CACHE_SIZE);
	cr_assert_eq(s.recycle_ring, 1, "a direct free to a full cache must go to the ring");
	cr_assert_eq(s.released, 0);
	s0 = s;

	/* The 128 cached ones come out first, newest first, then the ring's. */
	for (int i = CACHE_SIZE - 1; i >= 0; i--) {
		pg = pb_alloc_page(a);
		cr_assert_eq(pg, v[i], "cache pop %d", i);
	}
	s = tb_stats(a);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + CACHE_SIZE);
	cr_assert_eq(s.alloc_refill, 0);
	pg = pb_alloc_page(a);
	cr_assert_eq(pg, v[CACHE_SIZE]);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.pa_alloc_calls, 3);

	tb_free_n(a, v, 3 * REFILL, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, shared_page_is_released_not_recycled)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *pg, *v[300];
	struct pb_stats s0, s;
	size_t nr;

	pg = pb_alloc_page(a);
	s0 = tb_stats(a);
	pb_page_get(pg);
	cr_assert_eq(pb_page_count(pg), 2);
	nr = tb_zone_free(a);

	pb_alloc_free(a, pg, true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_refcnt, 1);
	cr_assert_eq(s.released, 1);
	cr_assert_eq(s.recycle_cached, 0, "a page someone else holds was cached");
	cr_assert_eq(s.recycle_ring, 0);
	cr_assert_eq(s.in_flight, s0.in_flight - 1);
	cr_assert_eq(pb_page_count(pg), 1, "release must drop exactly the pool's reference");
	tb_assert_released(pg);
	cr_assert_eq(tb_zone_free(a), nr, "the zone got a page that is still referenced");

	/* While we hold it, the pool must never hand it out again. */
	tb_alloc_n(a, v, 300);
	cr_assert(!tb_contains(v, 300, pg), "the pool handed out a page the caller still holds");
	cr_assert_eq(pb_page_count(pg), 1);
	tb_free_n(a, v, 300, true);
	/* Out of the zone: what the pool has in flight, plus the page only we hold now. */
	s = tb_stats(a);
	cr_assert_eq(s.hold - s.released, s.in_flight);
	cr_assert_eq(tb_zone_missing(a), s.in_flight + 1);

	/* Our put is the last reference: the page goes back to the zone. */
	nr = tb_zone_free(a);
	pb_page_put(pg);
	cr_assert_eq(pb_page_count(pg), 0);
	cr_assert_eq(tb_zone_free(a), nr + 1);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, shared_page_non_direct_is_released)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL], *shared;
	struct pb_stats s;
	size_t nr;

	tb_alloc_n(a, v, REFILL);
	shared = v[0];
	pb_page_get(shared);
	nr = tb_zone_free(a);
	pb_alloc_free(a, shared, false);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_refcnt, 1);
	cr_assert_eq(s.recycle_ring, 0, "a page someone else holds went to the ring");
	cr_assert_eq(s.released, 1);
	cr_assert_null(shared->pp);
	cr_assert_eq(pb_page_count(shared), 1);
	cr_assert_eq(tb_zone_free(a), nr);

	/* The next alloc must not find it in the ring. */
	v[0] = pb_alloc_page(a);
	cr_assert_neq(v[0], shared);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.alloc_slow, 2);
	pb_page_put(shared);
	cr_assert_eq(tb_zone_free(a), nr + 1 - REFILL, "the last put must free the page to the zone");
	tb_free_n(a, v, REFILL, false);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

/* A page taken from the reserves (pfmemalloc) must never be recycled, on either path. */
Test(ptr_ring_pool, reserve_page_is_released)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL], *x, *y;
	struct pb_stats s;
	size_t nr;

	tb_alloc_n(a, v, REFILL);
	x = v[0];
	y = v[1];
	x->flags |= PB_PG_RESERVE;
	y->flags |= PB_PG_RESERVE;
	nr = tb_zone_free(a);
	pb_alloc_free(a, x, true);
	pb_alloc_free(a, y, false);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 0, "a reserve page was cached");
	cr_assert_eq(s.recycle_ring, 0, "a reserve page went to the ring");
	cr_assert_eq(s.released, 2);
	cr_assert_eq(tb_zone_free(a), nr + 2);
	cr_assert_eq(pb_page_count(x), 0);
	cr_assert_eq(pb_page_count(y), 0);
	tb_assert_in_flight_consistent(a);
	tb_free_n(a, v + 2, REFILL - 2, true);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, in_flight_is_hold_minus_released)
{
	enum { STEPS = 6000, MAXHELD = 600 };
	struct pb_alloc *a = POOL("mem=8M", "ring=96");
	struct pb_page *held[MAXHELD];
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	unsigned n = 0, shared = 0;
	struct pb_stats s;

	for (unsigned step = 0; step < STEPS; step++) {
		if (tb_mix_allocates(&rnd, step, 500, n, MAXHELD)) {
			struct pb_page *pg = pb_alloc_page(a);

			cr_assert_not_null(pg, "step %u: alloc failed", step);
			tb_assert_pool_page(a, pg);
			held[n++] = pg;
		} else {
			unsigned i = (unsigned)(tb_xorshift(&rnd) % n);
			struct pb_page *pg = held[i];
			bool direct = tb_xorshift(&rnd) & 1;
			bool share = tb_xorshift(&rnd) % 16 == 0;

			held[i] = held[--n];
			if (share) {
				pb_page_get(pg);
				shared++;
			}
			pb_alloc_free(a, pg, direct);
			if (share)
				pb_page_put(pg);
		}
		tb_assert_in_flight_at_step(a, step);
		s = tb_stats(a);
		cr_assert_leq(n, s.in_flight, "step %u: test holds %u pages, pool says %llu in flight",
			      step, n, (unsigned long long)s.in_flight);
	}
	tb_assert_distinct(held, n);
	s = tb_stats(a);
	/* The mix did reach every path. */
	cr_assert_gt(shared, 0);
	cr_assert_geq(s.recycle_refcnt, shared);
	cr_assert_gt(s.recycle_cached, 0);
	cr_assert_gt(s.recycle_ring, 0);
	cr_assert_gt(s.recycle_ring_full, 0);
	cr_assert_gt(s.alloc_refill, 0);
	cr_assert_gt(s.alloc_slow, 1);

	for (unsigned i = 0; i < n; i++)
		pb_alloc_free(a, held[i], i & 1);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, destroy_waits_for_pages_in_flight)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=16");
	struct pb_page *v[REFILL + 10];
	uint64_t leaked = 12345;
	struct pb_stats s;

	tb_alloc_n(a, v, REFILL + 10);
	/* Some in the ring, some in the cache, three still out. */
	tb_free_n(a, v, 8, false);
	tb_free_n(a, v + 8, REFILL + 10 - 8 - 3, true);

	cr_assert_eq(pb_alloc_destroy(a, &leaked), 3, "destroy must report the 3 pages still lent out");
	/* Cache and ring were emptied: only the three are missing from the zone. */
	cr_assert_eq(tb_zone_missing(a), 3);
	s = tb_stats(a);
	cr_assert_eq(s.in_flight, 3);
	cr_assert_eq(s.hold - s.released, 3);
	/* Still in flight: a second destroy says the same. */
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 3);

	/* The instance is still alive for the stragglers, on either path. */
	tb_assert_pool_page(a, v[REFILL + 7]);
	pb_alloc_free(a, v[REFILL + 7], true);
	pb_alloc_free(a, v[REFILL + 8], false);
	pb_alloc_free(a, v[REFILL + 9], true);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(ptr_ring_pool, destroy_straggler_shared_elsewhere)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *pg = pb_alloc_page(a);
	uint64_t leaked = 12345;

	pb_page_get(pg);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1);
	pb_alloc_free(a, pg, false);	/* released: someone else still holds it */
	cr_assert_eq(tb_zone_missing(a), 1);
	pb_page_put(pg);
	cr_assert_eq(tb_zone_missing(a), 0);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(ptr_ring_pool, destroy_with_nothing_in_flight)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=64");
	struct pb_page *v[300];

	tb_alloc_n(a, v, 300);
	tb_free_n(a, v, 100, false);	/* 64 to the ring, 36 released */
	tb_free_n(a, v + 100, 200, true);	/* the cache fills up, the rest is released (ring full) */
	cr_assert_lt(tb_zone_free(a), pb_zone_nr_pages(a->mem.zone), "nothing was cached");
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, destroy_fresh_and_unused)
{
	tb_destroy_clean(POOL("mem=4M"));
	tb_destroy_clean(POOL("mem=4M", "ring=1"));
}

Test(ptr_ring_pool, order2_pool)
{
	struct pb_alloc *a = POOL("mem=8M", "order=2");
	struct pb_page *v[20], *pg;
	struct pb_stats s;
	size_t nr0 = tb_zone_free(a);

	cr_assert_eq(a->order, 2);
	for (unsigned i = 0; i < 20; i++) {
		v[i] = pb_alloc_page(a);
		tb_assert_pool_page(a, v[i]);
		cr_assert_eq(v[i]->order, 2, "page of order %u", v[i]->order);
		cr_assert_eq(pb_page_pfn(v[i]) % 4, 0, "order-2 page at pfn %zu", pb_page_pfn(v[i]));
		s = tb_stats(a);
		cr_assert_eq(s.alloc_slow, i + 1, "order-2 alloc %u not from the page allocator", i);
		cr_assert_eq(s.pa_alloc_calls, i + 1, "one page allocator call per order-2 page");
		cr_assert_eq(s.pa_alloc_pages, 4 * (i + 1));
		cr_assert_eq(s.alloc_fast, 0);
	}
	tb_assert_distinct(v, 20);
	for (unsigned i = 0; i < 20; i++)
		for (unsigned j = 0; j < 20; j++)
			cr_assert(i == j || pb_page_pfn(v[i]) + 4 <= pb_page_pfn(v[j]) ||
				  pb_page_pfn(v[j]) + 4 <= pb_page_pfn(v[i]), "order-2 pages overlap");
	cr_assert_eq(tb_zone_free(a), nr0 - 80);

	/* Recycling works the same way for them. */
	pb_alloc_free(a, v[5], true);
	pg = pb_alloc_page(a);
	cr_assert_eq(pg, v[5]);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_fast, 1);
	cr_assert_eq(s.pa_alloc_calls, 20);

	/* A released order-2 page goes back to the zone whole. */
	pb_page_get(v[0]);
	pb_alloc_free(a, v[0], true);
	pb_page_put(v[0]);
	cr_assert_eq(tb_zone_free(a), nr0 - 76);

	tb_free_n(a, v + 1, 19, false);
	cr_assert_eq(tb_zone_missing(a), 4 * tb_stats(a).in_flight);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, held_pages_carry_owner)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_alloc *b = POOL("mem=8M");
	struct pb_page *pa = pb_alloc_page(a), *pb = pb_alloc_page(b);

	tb_assert_pool_page(a, pa);
	tb_assert_pool_page(b, pb);
	cr_assert_neq(pa->pp, pb->pp, "two pools share an owner tag");
	pb_alloc_free(a, pa, true);
	pb_alloc_free(b, pb, false);
	tb_destroy_clean(a);
	tb_destroy_clean(b);
}

Test(ptr_ring_pool, free_to_other_pool_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = POOL("mem=4M");
	struct pb_alloc *b = POOL("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_alloc_free(b, pg, true);
}

Test(ptr_ring_pool, non_direct_free_to_other_pool_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = POOL("mem=4M");
	struct pb_alloc *b = POOL("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_alloc_free(b, pg, false);
}

Test(ptr_ring_pool, bulk_free_to_other_pool_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = POOL("mem=4M");
	struct pb_alloc *b = POOL("mem=4M");
	struct pb_page *v[2] = { pb_alloc_page(b), pb_alloc_page(a) };

	pb_alloc_free_bulk(b, v, 2, false);
}

Test(ptr_ring_pool, free_of_released_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = POOL("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_page_get(pg);
	pb_alloc_free(a, pg, true);	/* released: no longer the pool's */
	pb_alloc_free(a, pg, true);
}

Test(ptr_ring_pool, bulk_free_non_direct_one_lock_round_trip)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL], *got[20], *freed[20];
	struct pb_stats s;
	uint64_t at0;

	tb_alloc_n(a, v, REFILL);
	memcpy(freed, v, sizeof(freed));
	at0 = pb_tls_atomics;
	pb_alloc_free_bulk(a, v, 20, false);
	cr_assert_eq(pb_tls_atomics - at0, 1,
		     "bulk free of 20 took %llu locked operations, not one lock round trip",
		     (unsigned long long)(pb_tls_atomics - at0));
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 20);
	cr_assert_eq(s.recycle_cached, 0);
	cr_assert_eq(s.released, 0);

	for (unsigned i = 0; i < 20; i++)
		got[i] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.pa_alloc_calls, 1);
	for (unsigned i = 0; i < 20; i++)
		cr_assert(tb_contains(freed, 20, got[i]));
	tb_assert_distinct(got, 20);
	tb_free_n(a, got, 20, true);
	tb_free_n(a, v + 20, REFILL - 20, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

/* page_pool_put_page_bulk has no direct variant: even the owner's bulk free goes to the ring. */
Test(ptr_ring_pool, bulk_free_direct_still_goes_through_ring)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[3 * REFILL];
	struct pb_stats s;
	uint64_t at0;

	tb_alloc_n(a, v, 3 * REFILL);
	at0 = pb_tls_atomics;
	pb_alloc_free_bulk(a, v, 20, true);
	cr_assert_eq(pb_tls_atomics - at0, 1, "one producer-lock round trip for the batch");
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 0);
	cr_assert_eq(s.recycle_ring, 20);

	pb_alloc_free_bulk(a, v + 20, 120, true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 0);
	cr_assert_eq(s.recycle_ring, 140);
	cr_assert_eq(s.released, 0);
	tb_free_n(a, v + 140, 3 * REFILL - 140, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, bulk_free_ring_full_and_shared)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=8");
	struct pb_page *v[REFILL], *shared;
	struct pb_stats s;
	size_t nr0;

	tb_alloc_n(a, v, REFILL);
	shared = v[3];
	pb_page_get(shared);
	nr0 = tb_zone_free(a);
	/* The pages array is the pool's to reuse (page_pool_put_page_bulk compacts it). */
	pb_alloc_free_bulk(a, v, 20, false);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_refcnt, 1);
	cr_assert_eq(s.recycle_ring, 8);
	cr_assert_eq(s.recycle_ring_full, 11);
	cr_assert_eq(s.released, 12);
	cr_assert_eq(s.in_flight, REFILL - 12);
	cr_assert_eq(tb_zone_free(a), nr0 + 11, "the shared page must not reach the zone yet");
	cr_assert_eq(pb_page_count(shared), 1);
	cr_assert_null(shared->pp);
	pb_page_put(shared);
	cr_assert_eq(tb_zone_free(a), nr0 + 12);
	tb_free_n(a, v + 20, REFILL - 20, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, fast_paths_take_no_atomics)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *pg = pb_alloc_page(a);	/* slow: fills the cache */
	uint64_t at0 = pb_tls_atomics;

	for (unsigned i = 0; i < 100; i++) {
		pb_alloc_free(a, pg, true);
		pg = pb_alloc_page(a);
	}
	cr_assert_eq(pb_tls_atomics - at0, 0, "alloc/direct-free cycle took %llu locked operations",
		     (unsigned long long)(pb_tls_atomics - at0));
	cr_assert_eq(tb_stats(a).alloc_fast, 100);
	pb_alloc_free(a, pg, true);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, recycle_counters_summed_over_cpus)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL];
	struct pb_stats s;

	tb_alloc_n(a, v, REFILL);
	pb_cpu_set_id(1);
	tb_free_n(a, v, 5, false);
	pb_cpu_set_id(7);
	tb_free_n(a, v + 5, 3, false);
	pb_cpu_set_id(0);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 8);
	tb_free_n(a, v + 8, REFILL - 8, true);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, param_validation)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("ptr_ring_pool");
	struct pb_params p;
	struct pb_err err = { { 0 } };

	memset(&p, 0, sizeof(p));
	cr_assert_eq(pb_params_add(&p, "ring=0", &err), 0);
	cr_assert_null(pb_alloc_create(ops, &p, &err));
	cr_assert_not_null(strstr(err.msg, "ring"), "error does not name the key: %s", err.msg);

	memset(&p, 0, sizeof(p));
	cr_assert_eq(pb_params_add(&p, "order=11", &err), 0);
	cr_assert_null(pb_alloc_create(ops, &p, &err));
	cr_assert_not_null(strstr(err.msg, "order"), "error does not name the key: %s", err.msg);
}

/* A remote CPU returns pages through the ring while the owner allocates and refills. */
struct remote_ctx {
	struct pb_alloc *a;
	struct pb_page **pages;
	unsigned n;
};

static void *remote_free(void *arg)
{
	struct remote_ctx *c = arg;

	pb_cpu_set_id(1);
	for (unsigned i = 0; i < c->n; i++)
		pb_alloc_free(c->a, c->pages[i], false);
	return NULL;
}

Test(ptr_ring_pool, remote_frees_while_owner_allocates, .timeout = 60)
{
	enum { N = 1500 };
	struct pb_alloc *a = POOL("mem=16M", "ring=128");
	struct pb_page **out = calloc(N, sizeof(*out)), **got = calloc(N, sizeof(*got));
	struct remote_ctx c = { .a = a, .pages = out, .n = N };
	pthread_t t;
	struct pb_stats s;

	cr_assert(out && got);
	tb_alloc_n(a, out, N);
	cr_assert_eq(pthread_create(&t, NULL, remote_free, &c), 0);
	for (unsigned i = 0; i < N; i++) {
		got[i] = pb_alloc_page(a);
		cr_assert_not_null(got[i]);
	}
	pthread_join(t, NULL);
	for (unsigned i = 0; i < N; i++)
		tb_assert_pool_page(a, got[i]);
	tb_assert_distinct_from(got, N, NULL, 0);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring + s.recycle_ring_full, N);
	cr_assert_eq(s.hold - s.released, s.in_flight);
	cr_assert_geq(s.in_flight, N);
	tb_free_n(a, got, N, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
	free(out);
	free(got);
}

/* A returned page of another node is not kept at refill time: page_pool releases it. */
Test(ptr_ring_pool, refill_releases_pages_of_another_node)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL];
	struct pb_stats s;

	tb_alloc_n(a, v, REFILL);		/* the cache is empty now */
	v[0]->node = 1;				/* as if the page had come from node 1 */
	tb_free_n(a, v, REFILL, false);		/* all through the ring, v[0] first */
	v[0] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.released, 1, "the node-1 page must be released at refill");
	cr_assert_eq(s.alloc_refill, 0, "the refill stops at the foreign page, as page_pool's does");
	cr_assert_neq(v[0]->node, 1);
	pb_alloc_free(a, v[0], true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, update_nid_refuses_a_node_without_memory)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_err err = { { 0 } };

	cr_assert_eq(pb_ptr_ring_pool_update_nid(a, a->mem.arena.node, &err), 0);
	cr_assert_eq(pb_ptr_ring_pool_update_nid(a, a->mem.arena.node + 1, &err), -1);
	cr_assert_not_null(strstr(err.msg, "no memory there"), "%s", err.msg);
	cr_assert_eq(pb_ptr_ring_pool_nid(a), a->mem.arena.node, "a refused move changes nothing");
	tb_destroy_clean(a);
}

/* --- path=skb-6.5: napi_pp_put_page (net/core/skbuff.c, 6.5) decides allow_direct --- */

static struct pb_ptr_ring_pool_napi napi_of(struct pb_alloc *a)
{
	struct pb_ptr_ring_pool_napi n;

	pb_ptr_ring_pool_napi_counters(a, &n);
	return n;
}

/* In the owning NAPI's softirq (CPU slot 0 allocates): direct, no atomic, nothing denied. */
Test(ptr_ring_pool, skb65_owner_in_softirq_recycles_directly)
{
	struct pb_alloc *a = POOL("mem=8M", "path=skb-6.5");
	struct pb_page *pg = pb_alloc_page(a);
	struct pb_ptr_ring_pool_napi n;
	uint64_t at0 = pb_tls_atomics;
	struct pb_stats s;

	for (unsigned i = 0; i < 1000; i++) {
		pb_alloc_free(a, pg, true);
		pg = pb_alloc_page(a);
	}
	cr_assert_eq(pb_tls_atomics - at0, 0, "skb-6.5 on the owner took %llu atomics",
		     (unsigned long long)(pb_tls_atomics - at0));
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 1000);
	cr_assert_eq(s.recycle_ring, 0);
	n = napi_of(a);
	cr_assert_eq(n.not_owner + n.not_softirq + n.not_pp, 0);
	pb_alloc_free(a, pg, true);
	tb_destroy_clean(a);
}

/*
 * The NAPI ownership test: the stack freeing on another CPU (in its softirq) may not use
 * the owner's cache, whatever the caller claims: the ring, under its producer lock.
 */
Test(ptr_ring_pool, skb65_other_cpu_goes_through_the_ring)
{
	struct pb_alloc *a = POOL("mem=8M", "path=skb-6.5");
	struct pb_page *v[10];
	uint64_t at0;
	struct pb_stats s;

	tb_alloc_n(a, v, 10);
	pb_cpu_set_id(1);
	at0 = pb_tls_atomics;
	tb_free_n(a, v, 10, true);
	cr_assert_eq(pb_tls_atomics - at0, 10, "one producer lock per free: %llu",
		     (unsigned long long)(pb_tls_atomics - at0));
	pb_cpu_set_id(0);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 0, "another CPU's free used the owner's cache");
	cr_assert_eq(s.recycle_ring, 10);
	cr_assert_eq(napi_of(a).not_owner, 10);
	cr_assert_eq(napi_of(a).not_softirq, 0);
	/* The same frees without skb-6.5 (xdp: the caller is trusted) would have cached. */
	{
		struct pb_alloc *b = POOL("mem=8M", "path=xdp");

		tb_alloc_n(b, v, 10);
		pb_cpu_set_id(1);
		tb_free_n(b, v, 10, true);
		pb_cpu_set_id(0);
		cr_assert_eq(tb_stats(b).recycle_cached, 10);
		cr_assert_eq(napi_of(b).not_owner, 0, "xdp frees ran napi_pp_put_page's checks");
		tb_destroy_clean(b);
	}
	tb_destroy_clean(a);
}

/*
 * The in_softirq() test, on both paths: outside softirq neither napi_pp_put_page nor
 * __page_pool_put_page (allow_direct && in_softirq()) lets a page into the direct cache.
 */
Test(ptr_ring_pool, direct_cache_needs_softirq)
{
	static const char *const paths[] = { "path=skb-6.5", "path=xdp" };

	for (unsigned k = 0; k < 2; k++) {
		struct pb_alloc *a = POOL("mem=8M", paths[k]);
		struct pb_page *v[4];
		struct pb_stats s;

		tb_alloc_n(a, v, 4);
		pb_tls_softirq = 0;
		tb_free_n(a, v, 4, true);
		pb_tls_softirq = 1;
		s = tb_stats(a);
		cr_assert_eq(s.recycle_cached, 0, "%s: cached outside softirq", paths[k]);
		cr_assert_eq(s.recycle_ring, 4, "%s", paths[k]);
		cr_assert_eq(napi_of(a).not_softirq, k == 0 ? 4 : 0, "%s", paths[k]);
		tb_destroy_clean(a);
	}
}

/*
 * The pp_magic test: a page the pool already let go (it was shared, so the first free
 * released it) is no page_pool page any more; the second holder's free through the skb
 * path is a plain put_page, the last reference, and the page goes back to the zone. (On the
 * xdp path the same free is a driver bug: see free_of_released_page_aborts.)
 */
Test(ptr_ring_pool, skb65_page_no_longer_the_pools_is_put)
{
	struct pb_alloc *a = POOL("mem=8M", "path=skb-6.5");
	struct pb_page *pg = pb_alloc_page(a);
	size_t nr;

	pb_page_get(pg);
	pb_alloc_free(a, pg, true);		/* shared: released, the pool's reference dropped */
	cr_assert_eq(tb_stats(a).released, 1);
	cr_assert(!(pg->flags & PB_PG_POOL));
	nr = tb_zone_free(a);
	pb_alloc_free(a, pg, true);		/* the other holder's skb free */
	cr_assert_eq(napi_of(a).not_pp, 1);
	cr_assert_eq(tb_zone_free(a), nr + 1, "the last put did not free the page");
	tb_destroy_clean(a);
}

/* list_owner follows the NAPI: the context that refills (a slow path) owns the cache then. */
Test(ptr_ring_pool, skb65_owner_is_who_polls)
{
	struct pb_alloc *a = POOL("mem=8M", "path=skb-6.5");
	struct pb_page *v[REFILL + 1];
	struct pb_stats s0;

	tb_alloc_n(a, v, REFILL);		/* slot 0's poll: the cache is empty now */
	pb_cpu_set_id(1);
	v[REFILL] = pb_alloc_page(a);		/* slot 1 refills: its softirq polls the NAPI */
	s0 = tb_stats(a);
	pb_alloc_free(a, v[REFILL], true);	/* slot 1's free: direct */
	cr_assert_eq(tb_stats(a).recycle_cached, s0.recycle_cached + 1);
	pb_cpu_set_id(0);
	pb_alloc_free(a, v[0], true);		/* slot 0 is not the owner any more */
	cr_assert_eq(napi_of(a).not_owner, 1);
	cr_assert_eq(tb_stats(a).recycle_ring, s0.recycle_ring + 1);
	tb_free_n(a, v + 1, REFILL - 1, false);
	tb_destroy_clean(a);
}

/* With frag=, the checks are paid per fragment and the last fragment recycles the page. */
Test(ptr_ring_pool, skb65_fragments_checked_each)
{
	struct pb_alloc *a = POOL("mem=8M", "path=skb-6.5", "frag=1024");
	struct pb_buf b[8];
	struct pb_stats s;

	for (unsigned i = 0; i < 8; i++)
		cr_assert(pb_alloc_buf(a, &b[i]));
	cr_assert_eq(b[0].page, b[3].page, "four 1 KiB fragments per page");
	pb_cpu_set_id(1);
	for (unsigned i = 0; i < 4; i++)
		pb_free_buf(a, &b[i], true);
	pb_cpu_set_id(0);
	cr_assert_eq(napi_of(a).not_owner, 4, "not checked once per fragment");
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 1, "the first page's last fragment did not recycle it once");
	for (unsigned i = 4; i < 8; i++)
		pb_free_buf(a, &b[i], true);
	tb_destroy_clean(a);
}

Test(ptr_ring_pool, path_is_checked_by_the_backend)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("ptr_ring_pool");
	struct pb_params p;
	struct pb_err err = { { 0 } };

	memset(&p, 0, sizeof(p));
	cr_assert_eq(pb_params_add(&p, "path=skb-6.4", &err), 0);
	cr_assert_null(pb_alloc_create(ops, &p, &err));
	cr_assert_not_null(strstr(err.msg, "path"), "%s", err.msg);
}
