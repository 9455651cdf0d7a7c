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
#include "page_alloc.h"
#include "params.h"

#define CACHE_SIZE 128
#define REFILL 64

/* A ptr_ring_pool instance from "key=value" strings (NULL-terminated). */
static struct pb_alloc *pool_create_v(const char *const *kv)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("ptr_ring_pool");
	struct pb_params p;
	struct pb_err err = { { 0 } };
	struct pb_alloc *a;

	pb_cpu_set_id(0);
	cr_assert_not_null(ops, "ptr_ring_pool is not registered");
	memset(&p, 0, sizeof(p));
	for (; *kv; kv++)
		cr_assert_eq(pb_params_add(&p, *kv, &err), 0, "%s: %s", *kv, err.msg);
	a = pb_alloc_create(ops, &p, &err);
	cr_assert_not_null(a, "create: %s", err.msg);
	cr_assert_eq(a->ops, ops);
	return a;
}
#define POOL(...) pool_create_v((const char *const[]){ __VA_ARGS__, NULL })

static struct pb_stats stats_of(struct pb_alloc *a)
{
	struct pb_stats s;

	pb_alloc_stats(a, &s);
	return s;
}

/* Free pages of the instance's zone with every pcp list drained back. */
static size_t zone_free(struct pb_alloc *a)
{
	pb_zone_drain_all(a->mem.zone);
	return pb_zone_nr_free(a->mem.zone);
}

static void assert_pool_page(struct pb_alloc *a, struct pb_page *pg)
{
	cr_assert_not_null(pg);
	cr_assert_eq(pb_page_count(pg), 1, "held page has refcount %d", pb_page_count(pg));
	cr_assert(pg->flags & PB_PG_POOL, "held page without PB_PG_POOL");
	cr_assert(!(pg->flags & (PB_PG_BUDDY | PB_PG_PCP)), "held page still marked free");
	cr_assert_not_null(pg->pp, "held page without an owner");
	cr_assert_eq(pg->pp, a->priv, "held page owned by another pool");
	cr_assert_eq(pg->arena, &a->mem.arena);
}

static bool contains(struct pb_page *const *v, size_t n, const struct pb_page *pg)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pg)
			return true;
	return false;
}

static void assert_distinct(struct pb_page *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_assert_neq(v[i], v[j], "page handed out twice (%zu and %zu)", i, j);
}

static void alloc_n(struct pb_alloc *a, struct pb_page **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i] = pb_alloc_page(a);
		cr_assert_not_null(v[i], "alloc %zu of %zu failed", i, n);
		assert_pool_page(a, v[i]);
	}
}

static void free_n(struct pb_alloc *a, struct pb_page **v, size_t n, bool direct)
{
	for (size_t i = 0; i < n; i++)
		pb_alloc_free(a, v[i], direct);
}

/* Destroys @a, which must have nothing in flight, and checks the zone got every page. */
static void destroy_clean(struct pb_alloc *a)
{
	uint64_t leaked = 12345;

	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0, "destroy reported pages in flight");
	cr_assert_eq(leaked, 0, "%llu pages never reached the zone", (unsigned long long)leaked);
}

static void assert_in_flight_consistent(struct pb_alloc *a)
{
	struct pb_stats s = stats_of(a);

	cr_assert_eq(s.hold - s.released, s.in_flight, "hold %llu - released %llu != in_flight %llu",
		     (unsigned long long)s.hold, (unsigned long long)s.released,
		     (unsigned long long)s.in_flight);
	/* Every page the pool took and did not release is missing from the zone, and no other. */
	cr_assert_eq(pb_zone_nr_pages(a->mem.zone) - pb_zone_nr_free(a->mem.zone), s.in_flight,
		     "zone is missing %zu pages, pool says %llu in flight",
		     pb_zone_nr_pages(a->mem.zone) - pb_zone_nr_free(a->mem.zone),
		     (unsigned long long)s.in_flight);
}

Test(ptr_ring_pool, fresh_pool_has_nothing)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_stats s = stats_of(a);

	cr_assert_eq(s.hold, 0);
	cr_assert_eq(s.in_flight, 0);
	cr_assert_eq(s.pa_alloc_calls, 0);
	cr_assert_eq(a->order, 0);
	cr_assert_eq(zone_free(a), pb_zone_nr_pages(a->mem.zone));
	cr_assert_eq(pb_zone_nr_pages(a->mem.zone), (8u << 20) / PB_PAGE_SIZE);
	destroy_clean(a);
}

Test(ptr_ring_pool, first_alloc_bulk_refills_64)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL + 1];
	struct pb_stats s;
	size_t nr0 = zone_free(a);

	v[0] = pb_alloc_page(a);
	assert_pool_page(a, v[0]);
	s = stats_of(a);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_fast, 0);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.pa_alloc_calls, 1, "bulk refill took %llu page allocator calls",
		     (unsigned long long)s.pa_alloc_calls);
	cr_assert_eq(s.pa_alloc_pages, REFILL);
	cr_assert_eq(s.hold, REFILL);
	cr_assert_eq(s.in_flight, REFILL);
	cr_assert_eq(zone_free(a), nr0 - REFILL);

	for (unsigned i = 1; i < REFILL; i++)
		v[i] = pb_alloc_page(a);
	for (unsigned i = 1; i < REFILL; i++)
		assert_pool_page(a, v[i]);
	assert_distinct(v, REFILL);
	s = stats_of(a);
	cr_assert_eq(s.alloc_fast, REFILL - 1);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.pa_alloc_pages, REFILL);
	cr_assert_eq(s.hold, REFILL);
	cr_assert_eq(zone_free(a), nr0 - REFILL);

	/* The cache is empty now: the 65th goes to the page allocator again, for 64 more. */
	v[REFILL] = pb_alloc_page(a);
	assert_pool_page(a, v[REFILL]);
	assert_distinct(v, REFILL + 1);
	s = stats_of(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.pa_alloc_calls, 2);
	cr_assert_eq(s.pa_alloc_pages, 2 * REFILL);
	cr_assert_eq(s.hold, 2 * REFILL);
	cr_assert_eq(s.in_flight, 2 * REFILL);

	free_n(a, v, REFILL + 1, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, direct_free_recycles_lifo)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *x, *y, *z, *pg;
	struct pb_stats s0, s;

	x = pb_alloc_page(a);
	y = pb_alloc_page(a);
	z = pb_alloc_page(a);
	s0 = stats_of(a);

	pb_alloc_free(a, y, true);
	s = stats_of(a);
	cr_assert_eq(s.recycle_cached, 1);
	cr_assert_eq(s.recycle_ring, 0);
	cr_assert_eq(s.released, 0);
	cr_assert_eq(s.in_flight, s0.in_flight, "a recycled page is still in flight");
	cr_assert(y->flags & PB_PG_POOL, "a cached page keeps its owner");
	cr_assert_eq(pb_page_count(y), 1);

	pg = pb_alloc_page(a);
	cr_assert_eq(pg, y, "the page just recycled is the next one out");
	s = stats_of(a);
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
	s = stats_of(a);
	cr_assert_eq(s.recycle_cached, 4);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + 4);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls);
	cr_assert_eq(s.released, 0);

	pb_alloc_free(a, x, true);
	pb_alloc_free(a, y, true);
	pb_alloc_free(a, z, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, non_direct_free_goes_through_ring)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL], *got[10];
	struct pb_stats s0, s;

	/* Empty the cache so the next alloc has to look at the ring. */
	alloc_n(a, v, REFILL);
	s0 = stats_of(a);
	cr_assert_eq(s0.pa_alloc_calls, 1);

	free_n(a, v, 10, false);
	s = stats_of(a);
	cr_assert_eq(s.recycle_ring, 10);
	cr_assert_eq(s.recycle_cached, 0, "a non-direct free touched the direct cache");
	cr_assert_eq(s.released, 0);
	cr_assert_eq(s.in_flight, REFILL, "pages in the ring are still the pool's");
	for (unsigned i = 0; i < 10; i++)
		cr_assert(v[i]->flags & PB_PG_POOL);

	got[0] = pb_alloc_page(a);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 1, "the alloc after the cache ran dry did not refill");
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.pa_alloc_calls, 1, "went to the page allocator with pages in the ring");
	for (unsigned i = 1; i < 10; i++)
		got[i] = pb_alloc_page(a);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 1, "one refill moves the whole ring (up to 64)");
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + 9);
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.hold, REFILL);

	/* The same ten pages, as a set. */
	for (unsigned i = 0; i < 10; i++) {
		assert_pool_page(a, got[i]);
		cr_assert(contains(v, 10, got[i]), "alloc %u returned a page not from the ring", i);
	}
	assert_distinct(got, 10);

	/* Ring and cache both empty again: the page allocator. */
	got[0] = pb_alloc_page(a);
	s = stats_of(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.pa_alloc_calls, 2);
	pb_alloc_free(a, got[0], true);

	free_n(a, v, REFILL, false);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, ring_refill_takes_at_most_64)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[2 * REFILL], *got[100];
	struct pb_stats s0, s;

	alloc_n(a, v, 2 * REFILL);	/* two bulks, cache empty */
	free_n(a, v, 100, false);
	s0 = stats_of(a);
	cr_assert_eq(s0.recycle_ring, 100);
	cr_assert_eq(s0.pa_alloc_calls, 2);

	got[0] = pb_alloc_page(a);
	for (unsigned i = 1; i < REFILL; i++)
		got[i] = pb_alloc_page(a);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + REFILL - 1);

	got[REFILL] = pb_alloc_page(a);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 2, "the 65th alloc after a refill must refill again");
	for (unsigned i = REFILL + 1; i < 100; i++)
		got[i] = pb_alloc_page(a);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 2);
	cr_assert_eq(s.pa_alloc_calls, 2, "page allocator used with pages in the ring");
	for (unsigned i = 0; i < 100; i++)
		cr_assert(contains(v, 100, got[i]));
	assert_distinct(got, 100);

	free_n(a, got, 100, true);
	free_n(a, v + 100, 2 * REFILL - 100, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, ring_full_releases)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=4");
	struct pb_page *v[REFILL];
	struct pb_stats s;
	size_t nr0;

	alloc_n(a, v, REFILL);
	nr0 = zone_free(a);
	free_n(a, v, 10, false);
	s = stats_of(a);
	cr_assert_eq(s.recycle_ring, 4);
	cr_assert_eq(s.recycle_ring_full, 6);
	cr_assert_eq(s.released, 6);
	cr_assert_eq(s.recycle_cached, 0);
	cr_assert_eq(s.in_flight, REFILL - 6);
	cr_assert_eq(zone_free(a), nr0 + 6, "the zone did not get the 6 released pages back");
	/* The first four fit; the other six left the pool for good. */
	for (unsigned i = 0; i < 4; i++)
		cr_assert(v[i]->flags & PB_PG_POOL);
	for (unsigned i = 4; i < 10; i++) {
		cr_assert_eq(pb_page_count(v[i]), 0, "released page %u still referenced", i);
		cr_assert_null(v[i]->pp, "released page %u keeps its owner", i);
		cr_assert(!(v[i]->flags & PB_PG_POOL), "released page %u keeps PB_PG_POOL", i);
	}
	assert_in_flight_consistent(a);

	free_n(a, v + 10, REFILL - 10, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, direct_free_with_full_cache_goes_to_ring)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[3 * REFILL], *pg;
	struct pb_stats s0, s;

	alloc_n(a, v, 3 * REFILL);	/* three bulks, cache empty */
	free_n(a, v, CACHE_SIZE, true);
	s = stats_of(a);
	cr_assert_eq(s.recycle_cached, CACHE_SIZE);
	cr_assert_eq(s.recycle_ring, 0);

	pb_alloc_free(a, v[CACHE_SIZE], true);
	s = stats_of(a);
	cr_assert_eq(s.recycle_cached, CACHE_SIZE, "the cache took more than %d pages", CACHE_SIZE);
	cr_assert_eq(s.recycle_ring, 1, "a direct free to a full cache must go to the ring");
	cr_assert_eq(s.released, 0);
	s0 = s;

	/* The 128 cached ones come out first, newest first, then the ring's. */
	for (int i = CACHE_SIZE - 1; i >= 0; i--) {
		pg = pb_alloc_page(a);
		cr_assert_eq(pg, v[i], "cache pop %d", i);
	}
	s = stats_of(a);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + CACHE_SIZE);
	cr_assert_eq(s.alloc_refill, 0);
	pg = pb_alloc_page(a);
	cr_assert_eq(pg, v[CACHE_SIZE]);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.pa_alloc_calls, 3);

	free_n(a, v, 3 * REFILL, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, shared_page_is_released_not_recycled)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *pg, *v[300];
	struct pb_stats s0, s;
	size_t nr;

	pg = pb_alloc_page(a);
	s0 = stats_of(a);
	pb_page_get(pg);
	cr_assert_eq(pb_page_count(pg), 2);
	nr = zone_free(a);

	pb_alloc_free(a, pg, true);
	s = stats_of(a);
	cr_assert_eq(s.recycle_refcnt, 1);
	cr_assert_eq(s.released, 1);
	cr_assert_eq(s.recycle_cached, 0, "a page someone else holds was cached");
	cr_assert_eq(s.recycle_ring, 0);
	cr_assert_eq(s.in_flight, s0.in_flight - 1);
	cr_assert_eq(pb_page_count(pg), 1, "release must drop exactly the pool's reference");
	cr_assert_null(pg->pp, "a released page keeps its owner");
	cr_assert(!(pg->flags & PB_PG_POOL), "a released page keeps PB_PG_POOL");
	cr_assert_eq(zone_free(a), nr, "the zone got a page that is still referenced");

	/* While we hold it, the pool must never hand it out again. */
	alloc_n(a, v, 300);
	cr_assert(!contains(v, 300, pg), "the pool handed out a page the caller still holds");
	cr_assert_eq(pb_page_count(pg), 1);
	free_n(a, v, 300, true);
	/* Out of the zone: what the pool has in flight, plus the page only we hold now. */
	s = stats_of(a);
	cr_assert_eq(s.hold - s.released, s.in_flight);
	cr_assert_eq(pb_zone_nr_pages(a->mem.zone) - zone_free(a), s.in_flight + 1);

	/* Our put is the last reference: the page goes back to the zone. */
	nr = zone_free(a);
	pb_page_put(pg);
	cr_assert_eq(pb_page_count(pg), 0);
	cr_assert_eq(zone_free(a), nr + 1);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, shared_page_non_direct_is_released)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL], *shared;
	struct pb_stats s;
	size_t nr;

	alloc_n(a, v, REFILL);
	shared = v[0];
	pb_page_get(shared);
	nr = zone_free(a);
	pb_alloc_free(a, shared, false);
	s = stats_of(a);
	cr_assert_eq(s.recycle_refcnt, 1);
	cr_assert_eq(s.recycle_ring, 0, "a page someone else holds went to the ring");
	cr_assert_eq(s.released, 1);
	cr_assert_null(shared->pp);
	cr_assert_eq(pb_page_count(shared), 1);
	cr_assert_eq(zone_free(a), nr);

	/* The next alloc must not find it in the ring. */
	v[0] = pb_alloc_page(a);
	cr_assert_neq(v[0], shared);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.alloc_slow, 2);
	pb_page_put(shared);
	cr_assert_eq(zone_free(a), nr + 1 - REFILL, "the last put must free the page to the zone");
	free_n(a, v, REFILL, false);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

/* A page taken from the reserves (pfmemalloc) must never be recycled, on either path. */
Test(ptr_ring_pool, reserve_page_is_released)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL], *x, *y;
	struct pb_stats s;
	size_t nr;

	alloc_n(a, v, REFILL);
	x = v[0];
	y = v[1];
	x->flags |= PB_PG_RESERVE;
	y->flags |= PB_PG_RESERVE;
	nr = zone_free(a);
	pb_alloc_free(a, x, true);
	pb_alloc_free(a, y, false);
	s = stats_of(a);
	cr_assert_eq(s.recycle_cached, 0, "a reserve page was cached");
	cr_assert_eq(s.recycle_ring, 0, "a reserve page went to the ring");
	cr_assert_eq(s.released, 2);
	cr_assert_eq(zone_free(a), nr + 2);
	cr_assert_eq(pb_page_count(x), 0);
	cr_assert_eq(pb_page_count(y), 0);
	assert_in_flight_consistent(a);
	free_n(a, v + 2, REFILL - 2, true);
	destroy_clean(a);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
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
		unsigned r = (unsigned)(xorshift(&rnd) % 100);
		/* Phases that grow and shrink the working set so every path is crossed. */
		bool grow = (step / 500) % 2 == 0;

		if (n < MAXHELD && (n == 0 || r < (grow ? 65u : 35u))) {
			struct pb_page *pg = pb_alloc_page(a);

			cr_assert_not_null(pg, "step %u: alloc failed", step);
			assert_pool_page(a, pg);
			held[n++] = pg;
		} else {
			unsigned i = (unsigned)(xorshift(&rnd) % n);
			struct pb_page *pg = held[i];
			bool direct = xorshift(&rnd) & 1;
			bool share = xorshift(&rnd) % 16 == 0;

			held[i] = held[--n];
			if (share) {
				pb_page_get(pg);
				shared++;
			}
			pb_alloc_free(a, pg, direct);
			if (share)
				pb_page_put(pg);
		}
		s = stats_of(a);
		cr_assert_eq(s.hold - s.released, s.in_flight, "step %u: hold %llu released %llu in_flight %llu",
			     step, (unsigned long long)s.hold, (unsigned long long)s.released,
			     (unsigned long long)s.in_flight);
		cr_assert_leq(n, s.in_flight, "step %u: test holds %u pages, pool says %llu in flight",
			      step, n, (unsigned long long)s.in_flight);
		cr_assert_eq(pb_zone_nr_pages(a->mem.zone) - pb_zone_nr_free(a->mem.zone), s.in_flight,
			     "step %u: zone and pool disagree on pages out", step);
	}
	assert_distinct(held, n);
	s = stats_of(a);
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
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, destroy_waits_for_pages_in_flight)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=16");
	struct pb_page *v[REFILL + 10];
	uint64_t leaked = 12345;
	struct pb_stats s;
	size_t total = pb_zone_nr_pages(a->mem.zone);

	alloc_n(a, v, REFILL + 10);
	/* Some in the ring, some in the cache, three still out. */
	free_n(a, v, 8, false);
	free_n(a, v + 8, REFILL + 10 - 8 - 3, true);

	cr_assert_eq(pb_alloc_destroy(a, &leaked), 3, "destroy must report the 3 pages still lent out");
	/* Cache and ring were emptied: only the three are missing from the zone. */
	cr_assert_eq(total - zone_free(a), 3);
	s = stats_of(a);
	cr_assert_eq(s.in_flight, 3);
	cr_assert_eq(s.hold - s.released, 3);
	/* Still in flight: a second destroy says the same. */
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 3);

	/* The instance is still alive for the stragglers, on either path. */
	assert_pool_page(a, v[REFILL + 7]);
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
	size_t total = pb_zone_nr_pages(a->mem.zone);

	pb_page_get(pg);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1);
	pb_alloc_free(a, pg, false);	/* released: someone else still holds it */
	cr_assert_eq(total - zone_free(a), 1);
	pb_page_put(pg);
	cr_assert_eq(total - zone_free(a), 0);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(ptr_ring_pool, destroy_with_nothing_in_flight)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=64");
	struct pb_page *v[300];

	alloc_n(a, v, 300);
	free_n(a, v, 100, false);	/* 64 to the ring, 36 released */
	free_n(a, v + 100, 200, true);	/* the cache fills up, the rest is released (ring full) */
	cr_assert_lt(zone_free(a), pb_zone_nr_pages(a->mem.zone), "nothing was cached");
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, destroy_fresh_and_unused)
{
	destroy_clean(POOL("mem=4M"));
	destroy_clean(POOL("mem=4M", "ring=1"));
}

Test(ptr_ring_pool, order2_pool)
{
	struct pb_alloc *a = POOL("mem=8M", "order=2");
	struct pb_page *v[20], *pg;
	struct pb_stats s;
	size_t nr0 = zone_free(a);

	cr_assert_eq(a->order, 2);
	for (unsigned i = 0; i < 20; i++) {
		v[i] = pb_alloc_page(a);
		assert_pool_page(a, v[i]);
		cr_assert_eq(v[i]->order, 2, "page of order %u", v[i]->order);
		cr_assert_eq(pb_page_pfn(v[i]) % 4, 0, "order-2 page at pfn %zu", pb_page_pfn(v[i]));
		s = stats_of(a);
		cr_assert_eq(s.alloc_slow, i + 1, "order-2 alloc %u not from the page allocator", i);
		cr_assert_eq(s.pa_alloc_calls, i + 1, "one page allocator call per order-2 page");
		cr_assert_eq(s.pa_alloc_pages, 4 * (i + 1));
		cr_assert_eq(s.alloc_fast, 0);
	}
	assert_distinct(v, 20);
	for (unsigned i = 0; i < 20; i++)
		for (unsigned j = 0; j < 20; j++)
			cr_assert(i == j || pb_page_pfn(v[i]) + 4 <= pb_page_pfn(v[j]) ||
				  pb_page_pfn(v[j]) + 4 <= pb_page_pfn(v[i]), "order-2 pages overlap");
	cr_assert_eq(zone_free(a), nr0 - 80);

	/* Recycling works the same way for them. */
	pb_alloc_free(a, v[5], true);
	pg = pb_alloc_page(a);
	cr_assert_eq(pg, v[5]);
	s = stats_of(a);
	cr_assert_eq(s.alloc_fast, 1);
	cr_assert_eq(s.pa_alloc_calls, 20);

	/* A released order-2 page goes back to the zone whole. */
	pb_page_get(v[0]);
	pb_alloc_free(a, v[0], true);
	pb_page_put(v[0]);
	cr_assert_eq(zone_free(a), nr0 - 76);

	free_n(a, v + 1, 19, false);
	cr_assert_eq(pb_zone_nr_pages(a->mem.zone) - zone_free(a), 4 * stats_of(a).in_flight);
	destroy_clean(a);
}

Test(ptr_ring_pool, held_pages_carry_owner)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_alloc *b = POOL("mem=8M");
	struct pb_page *pa = pb_alloc_page(a), *pb = pb_alloc_page(b);

	assert_pool_page(a, pa);
	assert_pool_page(b, pb);
	cr_assert_neq(pa->pp, pb->pp, "two pools share an owner tag");
	pb_alloc_free(a, pa, true);
	pb_alloc_free(b, pb, false);
	destroy_clean(a);
	destroy_clean(b);
}

Test(ptr_ring_pool, free_to_other_pool_aborts, .signal = SIGABRT)
{
	struct pb_alloc *a = POOL("mem=4M");
	struct pb_alloc *b = POOL("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_alloc_free(b, pg, true);
}

Test(ptr_ring_pool, non_direct_free_to_other_pool_aborts, .signal = SIGABRT)
{
	struct pb_alloc *a = POOL("mem=4M");
	struct pb_alloc *b = POOL("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_alloc_free(b, pg, false);
}

Test(ptr_ring_pool, bulk_free_to_other_pool_aborts, .signal = SIGABRT)
{
	struct pb_alloc *a = POOL("mem=4M");
	struct pb_alloc *b = POOL("mem=4M");
	struct pb_page *v[2] = { pb_alloc_page(b), pb_alloc_page(a) };

	pb_alloc_free_bulk(b, v, 2, false);
}

Test(ptr_ring_pool, free_of_released_page_aborts, .signal = SIGABRT)
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

	alloc_n(a, v, REFILL);
	memcpy(freed, v, sizeof(freed));
	at0 = pb_tls_atomics;
	pb_alloc_free_bulk(a, v, 20, false);
	cr_assert_eq(pb_tls_atomics - at0, 1,
		     "bulk free of 20 took %llu locked operations, not one lock round trip",
		     (unsigned long long)(pb_tls_atomics - at0));
	s = stats_of(a);
	cr_assert_eq(s.recycle_ring, 20);
	cr_assert_eq(s.recycle_cached, 0);
	cr_assert_eq(s.released, 0);

	for (unsigned i = 0; i < 20; i++)
		got[i] = pb_alloc_page(a);
	s = stats_of(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.pa_alloc_calls, 1);
	for (unsigned i = 0; i < 20; i++)
		cr_assert(contains(freed, 20, got[i]));
	assert_distinct(got, 20);
	free_n(a, got, 20, true);
	free_n(a, v + 20, REFILL - 20, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, bulk_free_direct_fills_cache_then_ring)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[3 * REFILL];
	struct pb_stats s;
	uint64_t at0;

	alloc_n(a, v, 3 * REFILL);
	at0 = pb_tls_atomics;
	pb_alloc_free_bulk(a, v, 20, true);
	cr_assert_eq(pb_tls_atomics - at0, 0, "direct recycling must need no locked operation");
	s = stats_of(a);
	cr_assert_eq(s.recycle_cached, 20);
	cr_assert_eq(s.recycle_ring, 0);

	/* 108 more fit the cache; the other 12 overflow into the ring. */
	pb_alloc_free_bulk(a, v + 20, 120, true);
	s = stats_of(a);
	cr_assert_eq(s.recycle_cached, CACHE_SIZE);
	cr_assert_eq(s.recycle_ring, 12);
	cr_assert_eq(s.released, 0);
	free_n(a, v + 140, 3 * REFILL - 140, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
}

Test(ptr_ring_pool, bulk_free_ring_full_and_shared)
{
	struct pb_alloc *a = POOL("mem=8M", "ring=8");
	struct pb_page *v[REFILL], *shared;
	struct pb_stats s;
	size_t nr0;

	alloc_n(a, v, REFILL);
	shared = v[3];
	pb_page_get(shared);
	nr0 = zone_free(a);
	/* The pages array is the pool's to reuse (page_pool_put_page_bulk compacts it). */
	pb_alloc_free_bulk(a, v, 20, false);
	s = stats_of(a);
	cr_assert_eq(s.recycle_refcnt, 1);
	cr_assert_eq(s.recycle_ring, 8);
	cr_assert_eq(s.recycle_ring_full, 11);
	cr_assert_eq(s.released, 12);
	cr_assert_eq(s.in_flight, REFILL - 12);
	cr_assert_eq(zone_free(a), nr0 + 11, "the shared page must not reach the zone yet");
	cr_assert_eq(pb_page_count(shared), 1);
	cr_assert_null(shared->pp);
	pb_page_put(shared);
	cr_assert_eq(zone_free(a), nr0 + 12);
	free_n(a, v + 20, REFILL - 20, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
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
	cr_assert_eq(stats_of(a).alloc_fast, 100);
	pb_alloc_free(a, pg, true);
	destroy_clean(a);
}

Test(ptr_ring_pool, recycle_counters_summed_over_cpus)
{
	struct pb_alloc *a = POOL("mem=8M");
	struct pb_page *v[REFILL];
	struct pb_stats s;

	alloc_n(a, v, REFILL);
	pb_cpu_set_id(1);
	free_n(a, v, 5, false);
	pb_cpu_set_id(7);
	free_n(a, v + 5, 3, false);
	pb_cpu_set_id(0);
	s = stats_of(a);
	cr_assert_eq(s.recycle_ring, 8);
	free_n(a, v + 8, REFILL - 8, true);
	destroy_clean(a);
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

static int cmp_ptr(const void *x, const void *y)
{
	uintptr_t p = (uintptr_t)*(void *const *)x, q = (uintptr_t)*(void *const *)y;

	return (p > q) - (p < q);
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
	alloc_n(a, out, N);
	cr_assert_eq(pthread_create(&t, NULL, remote_free, &c), 0);
	for (unsigned i = 0; i < N; i++) {
		got[i] = pb_alloc_page(a);
		cr_assert_not_null(got[i]);
	}
	pthread_join(t, NULL);
	for (unsigned i = 0; i < N; i++)
		assert_pool_page(a, got[i]);
	qsort(got, N, sizeof(*got), cmp_ptr);
	for (unsigned i = 1; i < N; i++)
		cr_assert_neq(got[i - 1], got[i], "page handed out twice");
	s = stats_of(a);
	cr_assert_eq(s.recycle_ring + s.recycle_ring_full, N);
	cr_assert_eq(s.hold - s.released, s.in_flight);
	cr_assert_geq(s.in_flight, N);
	free_n(a, got, N, true);
	assert_in_flight_consistent(a);
	destroy_clean(a);
	free(out);
	free(got);
}
