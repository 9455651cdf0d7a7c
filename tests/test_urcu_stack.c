/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The urcu_stack backend: page_pool's local design (128-entry direct cache, refills of 64,
 * bulk from the page allocator, recycling only of sole-owner pages, in flight = hold -
 * release, deferred destroy) with remote returns on a liburcu lock-free stack that the
 * owner empties with one xchg. The locked instructions are checked exactly: none on the
 * direct path, the push's cmpxchg per remote free (one onto an empty stack, two onto a
 * non-empty one, as liburcu's push guesses "empty" first), one xchg per pop_all and none
 * for refills served from the pages a pop_all took beyond what the cache holds. Pages
 * pushed beyond what one refill takes must all come back without the page allocator.
 * Those counts are liburcu's alone, so those tests run unbounded (max_stack=0); the default
 * bound of 1024 parked pages (the ring it stands in for) adds one counted atomic per push
 * and one per refill, checked on their own.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "page_alloc.h"
#include "params.h"
#include "support_backend.h"

#define CACHE_SIZE 128
#define REFILL 64

#define US(...) TB_CREATE("urcu_stack", __VA_ARGS__)

/* Pushes @n pages non-directly from CPU slot 1; returns the locked operations counted. */
static uint64_t remote_free_n(struct pb_alloc *a, struct pb_page **v, size_t n)
{
	uint64_t at0 = pb_tls_atomics;

	pb_cpu_set_id(1);
	tb_free_n(a, v, n, false);
	pb_cpu_set_id(0);
	return pb_tls_atomics - at0;
}

Test(urcu_stack, registered_for_remote_frees)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("urcu_stack");

	cr_assert_not_null(ops);
	cr_assert(!ops->one_context);
}

Test(urcu_stack, first_alloc_bulk_refills_64)
{
	struct pb_alloc *twin = US("mem=8M", "dma=pt");
	struct pb_alloc *a = US("mem=8M", "dma=pt");
	struct pb_page *v[REFILL + 1];
	struct pb_stats s;
	size_t nr0 = tb_zone_free(a);
	uint64_t at0, bulk_atomics;

	/* What the bulk call alone costs on an identical fresh zone. */
	tb_zone_free(twin);
	at0 = pb_tls_atomics;
	cr_assert_eq(pb_alloc_pages_bulk(twin->mem.zone, REFILL, v), REFILL);
	bulk_atomics = pb_tls_atomics - at0;
	for (unsigned i = 0; i < REFILL; i++)
		pb_free_pages(twin->mem.zone, v[i], 0);
	tb_destroy_clean(twin);

	/* An empty stack is seen with a plain load: no xchg before going to the page allocator. */
	at0 = pb_tls_atomics;
	v[0] = pb_alloc_page(a);
	cr_assert_eq(pb_tls_atomics - at0, bulk_atomics, "slow path took %llu locked operations, "
		     "the bulk call alone %llu", (unsigned long long)(pb_tls_atomics - at0),
		     (unsigned long long)bulk_atomics);
	tb_alloc_n(a, v + 1, REFILL - 1);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_fast, REFILL - 1);
	cr_assert_eq(s.alloc_refill, 0);
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.pa_alloc_pages, REFILL);
	cr_assert_eq(s.hold, REFILL);
	cr_assert_eq(s.dma_map, REFILL);
	cr_assert_eq(tb_zone_free(a), nr0 - REFILL);
	tb_alloc_n(a, v + REFILL, 1);
	tb_assert_distinct_from(v, REFILL + 1, NULL, 0);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 2, "empty cache and stack: the page allocator again");
	cr_assert_eq(s.pa_alloc_calls, 2);
	tb_free_n(a, v, REFILL + 1, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(urcu_stack, direct_path_takes_no_atomics)
{
	struct pb_alloc *a = US("mem=8M", "dma=pt");
	struct pb_page *pg = pb_alloc_page(a);
	uint64_t at0 = pb_tls_atomics;
	struct pb_stats s;

	for (unsigned i = 0; i < 10000; i++) {
		pb_alloc_free(a, pg, true);
		pg = pb_alloc_page(a);
	}
	cr_assert_eq(pb_tls_atomics - at0, 0, "10000 alloc/direct-free pairs took %llu locked operations",
		     (unsigned long long)(pb_tls_atomics - at0));
	s = tb_stats(a);
	cr_assert_eq(s.alloc_fast, 10000);
	cr_assert_eq(s.recycle_cached, 10000);
	cr_assert_eq(s.recycle_ring, 0);
	cr_assert_eq(s.dma_map, REFILL, "recycled pages were remapped");
	pb_alloc_free(a, pg, true);
	tb_destroy_clean(a);
}

Test(urcu_stack, remote_free_is_one_push)
{
	struct pb_alloc *a = US("max_stack=0", "mem=8M");
	struct pb_page *v[REFILL];
	struct pb_stats s;
	size_t nr;

	tb_alloc_n(a, v, REFILL);
	nr = tb_zone_free(a);
	/* Onto the empty stack: liburcu's first cmpxchg (against NULL) succeeds. */
	cr_assert_eq(remote_free_n(a, v, 1), 1, "push onto an empty stack");
	/* Onto a non-empty one: the NULL guess fails, the retry with the real head succeeds. */
	cr_assert_eq(remote_free_n(a, v + 1, 1), 2, "push onto a non-empty stack");
	cr_assert_eq(remote_free_n(a, v + 2, 10), 20);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 12);
	cr_assert_eq(s.recycle_cached, 0, "a non-direct free touched the direct cache");
	cr_assert_eq(s.released, 0);
	cr_assert_eq(s.in_flight, REFILL, "pages on the stack are still the pool's");
	cr_assert_eq(tb_zone_free(a), nr);
	for (unsigned i = 0; i < 12; i++)
		cr_assert(v[i]->flags & PB_PG_POOL);
	tb_free_n(a, v + 12, REFILL - 12, true);
	/* The twelve are still on the stack: destroy must pop them. */
	tb_destroy_clean(a);
}

Test(urcu_stack, refill_takes_the_stack_with_one_pop_all)
{
	struct pb_alloc *a = US("max_stack=0", "mem=8M", "dma=pt");
	struct pb_page *v[REFILL], *got[12];
	struct pb_stats s0, s;
	uint64_t at0;

	tb_alloc_n(a, v, REFILL);		/* cache empty */
	remote_free_n(a, v, 12);
	s0 = tb_stats(a);

	at0 = pb_tls_atomics;
	got[0] = pb_alloc_page(a);
	cr_assert_eq(pb_tls_atomics - at0, 1, "a refill from the stack took %llu locked operations",
		     (unsigned long long)(pb_tls_atomics - at0));
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls, "went to the page allocator with pages pushed");
	at0 = pb_tls_atomics;
	tb_alloc_n(a, got + 1, 11);
	cr_assert_eq(pb_tls_atomics - at0, 0, "the other 11 pushed pages were not taken by the pop_all");
	s = tb_stats(a);
	cr_assert_eq(s.alloc_refill, 1);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + 11);
	cr_assert_eq(s.hold, REFILL);
	cr_assert_eq(s.dma_map, REFILL, "a page back from the stack was remapped");
	tb_assert_distinct_from(got, 12, v, 12);

	/* All back out: the next alloc finds nothing anywhere but the page allocator. */
	got[0] = pb_alloc_page(a);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.alloc_refill, 1);
	pb_alloc_free(a, got[0], true);
	tb_free_n(a, v, REFILL, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(urcu_stack, pages_beyond_the_cache_are_not_lost)
{
	enum { N = 500 };
	struct pb_alloc *a = US("max_stack=0", "mem=8M", "dma=pt");
	struct pb_page *v[N], *got[N], *more[13], *all[N + 12];
	struct pb_stats s0, s;
	uint64_t at0;

	tb_alloc_n(a, v, N);		/* 8 bulks of 64: 12 left in the cache */
	s0 = tb_stats(a);
	cr_assert_eq(s0.pa_alloc_calls, 8);
	cr_assert_eq(remote_free_n(a, v, N), 2 * N - 1);
	cr_assert_eq(tb_stats(a).recycle_ring, N);

	at0 = pb_tls_atomics;
	tb_alloc_n(a, got, N);
	cr_assert_eq(pb_tls_atomics - at0, 1, "500 allocs after 500 pushes: %llu locked operations, "
		     "expected the one pop_all", (unsigned long long)(pb_tls_atomics - at0));
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls, "page allocator used with %d pages pushed", N);
	cr_assert_eq(s.hold, 8 * REFILL);
	cr_assert_eq(s.released, 0);
	/* 12 from the cache, then 488 pushed pages in refills of at most 64. */
	cr_assert_eq(s.alloc_refill, 8);
	cr_assert_eq(s.dma_map, 8 * REFILL);
	tb_assert_distinct_from(got, N, NULL, 0);

	/*
	 * The last refill took the last 52 pushed pages and 40 went out: 12 are left and come
	 * out next, and only then is the pool empty.
	 */
	tb_alloc_n(a, more, 12);
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls, "pushed pages were dropped");
	cr_assert_eq(s.alloc_refill, 8);
	memcpy(all, got, sizeof(got));
	memcpy(all + N, more, 12 * sizeof(*more));
	tb_assert_distinct_from(all, N + 12, NULL, 0);
	tb_alloc_n(a, more + 12, 1);
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls + 1);
	cr_assert_eq(s.alloc_slow, 9);
	tb_free_n(a, got, N, true);
	tb_free_n(a, more, 13, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(urcu_stack, direct_free_with_full_cache_goes_to_stack)
{
	struct pb_alloc *a = US("max_stack=0", "mem=8M");
	struct pb_page *v[3 * REFILL], *pg;
	struct pb_stats s;
	uint64_t at0;

	tb_alloc_n(a, v, 3 * REFILL);
	tb_free_n(a, v, CACHE_SIZE, true);
	at0 = pb_tls_atomics;
	pb_alloc_free(a, v[CACHE_SIZE], true);
	cr_assert_eq(pb_tls_atomics - at0, 1);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, CACHE_SIZE);
	cr_assert_eq(s.recycle_ring, 1);
	for (int i = CACHE_SIZE - 1; i >= 0; i--)
		cr_assert_eq(pb_alloc_page(a), v[i]);
	pg = pb_alloc_page(a);
	cr_assert_eq(pg, v[CACHE_SIZE]);
	cr_assert_eq(tb_stats(a).alloc_refill, 1);
	tb_free_n(a, v, 3 * REFILL, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(urcu_stack, shared_page_is_released)
{
	struct pb_alloc *a = US("mem=8M", "dma=pt");
	struct pb_page *v[REFILL], *got[300], *d, *r;
	struct pb_stats s;
	size_t nr;

	tb_alloc_n(a, v, REFILL);
	d = v[0];
	r = v[1];
	pb_page_get(d);
	pb_page_get(r);
	nr = tb_zone_free(a);
	pb_alloc_free(a, d, true);
	remote_free_n(a, &r, 1);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_refcnt, 2);
	cr_assert_eq(s.released, 2);
	cr_assert_eq(s.recycle_cached, 0, "a page someone else holds was cached");
	cr_assert_eq(s.recycle_ring, 0, "a page someone else holds was pushed");
	cr_assert_eq(s.in_flight, REFILL - 2);
	cr_assert_eq(s.dma_unmap, 2);
	for (unsigned i = 0; i < 2; i++) {
		struct pb_page *pg = v[i];

		cr_assert_eq(pb_page_count(pg), 1, "release must drop exactly the pool's reference");
		tb_assert_released(pg);
	}
	cr_assert_eq(tb_zone_free(a), nr, "the zone got a page that is still referenced");

	/* While held elsewhere, never handed out again. */
	tb_alloc_n(a, got, 300);
	cr_assert(!tb_contains(got, 300, d) && !tb_contains(got, 300, r),
		  "the pool handed out a page the caller still holds");
	tb_free_n(a, got, 300, true);
	nr = tb_zone_free(a);
	pb_page_put(d);
	pb_page_put(r);
	cr_assert_eq(tb_zone_free(a), nr + 2);
	tb_free_n(a, v + 2, REFILL - 2, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(urcu_stack, max_stack_bounds_parked_pages)
{
	struct pb_alloc *a = US("mem=8M", "max_stack=4");
	struct pb_page *v[REFILL], *got[4];
	struct pb_stats s;
	size_t nr;

	tb_alloc_n(a, v, REFILL);
	nr = tb_zone_free(a);
	remote_free_n(a, v, 10);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 4);
	cr_assert_eq(s.recycle_ring_full, 6);
	cr_assert_eq(s.released, 6);
	cr_assert_eq(s.in_flight, REFILL - 6);
	cr_assert_eq(tb_zone_free(a), nr + 6);
	for (unsigned i = 4; i < 10; i++)
		cr_assert_eq(pb_page_count(v[i]), 0, "page %u beyond max_stack not released", i);

	/* The owner takes the four: room for four more. */
	tb_alloc_n(a, got, 4);
	tb_assert_distinct_from(got, 4, v, 4);
	remote_free_n(a, v + 10, 5);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, 8);
	cr_assert_eq(s.recycle_ring_full, 7);
	tb_free_n(a, got, 4, true);
	tb_free_n(a, v + 15, REFILL - 15, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

/*
 * By default the stack is bounded like the ring it replaces (ptr_ring_pool's ring=1024):
 * the bound is a counter, one more locked add per push and one per refill, and a push
 * beyond 1024 parked pages releases the page, as a full ptr_ring does.
 */
Test(urcu_stack, bounded_to_the_rings_1024_by_default)
{
	enum { BOUND = 1024, N = BOUND + 16 };
	const struct pb_param_spec *sp = pb_param_find(pb_alloc_find("urcu_stack")->params, "max_stack");
	const struct pb_param_spec *ring = pb_param_find(pb_alloc_find("ptr_ring_pool")->params, "ring");
	struct pb_alloc *a = US("mem=16M");
	struct pb_page **v = calloc(N, sizeof(*v));
	struct pb_stats s;
	uint64_t at;

	cr_assert_not_null(v);
	cr_assert_str_eq(sp->def, "1024");
	cr_assert_str_eq(sp->def, ring->def, "urcu_stack's bound is not ptr_ring_pool's ring size");
	tb_alloc_n(a, v, N);
	/* Onto the empty stack: the claim (add_return) and liburcu's one cmpxchg. */
	cr_assert_eq(remote_free_n(a, v, 1), 2, "bounded push onto an empty stack");
	/* Onto a non-empty one: the claim and two cmpxchg. */
	cr_assert_eq(remote_free_n(a, v + 1, 1), 3, "bounded push onto a non-empty stack");
	at = remote_free_n(a, v + 2, BOUND - 2);
	cr_assert_eq(at, 3 * (uint64_t)(BOUND - 2));
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, BOUND);
	cr_assert_eq(s.recycle_ring_full, 0);
	/* Full: the plain read turns the pusher away; the page is released (unmap, put). */
	at = remote_free_n(a, v + BOUND, N - BOUND);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring_full, N - BOUND, "pushes beyond 1024 parked pages were kept");
	cr_assert_eq(s.released, N - BOUND);
	/* No claim: the release count, the refcount drop and the per-CPU list lock. */
	cr_assert_eq(at, 3 * (uint64_t)(N - BOUND), "a refused push took %llu locked operations",
		     (unsigned long long)at);
	for (unsigned i = BOUND; i < N; i++)
		cr_assert_eq(pb_page_count(v[i]), 0, "page %u beyond the bound was not released", i);
	free(v);
	/* The owner drains the pushed pages: one pop_all, and each refill gives its places back. */
	{
		enum { LEFT = 17 * 64 - N };	/* the last bulk refill's pages still cached */
		struct pb_page *got[BOUND + LEFT];
		uint64_t refills0 = tb_stats(a).alloc_refill;

		at = pb_tls_atomics;
		tb_alloc_n(a, got, BOUND + LEFT);
		s = tb_stats(a);
		cr_assert_eq(s.alloc_refill - refills0, BOUND / 64, "1024 pushed pages in refills of 64");
		cr_assert_eq(pb_tls_atomics - at, 1 + BOUND / 64,
			     "one pop_all and one give-back per refill: %llu",
			     (unsigned long long)(pb_tls_atomics - at));
		/* Room again: a push is accepted. */
		cr_assert_eq(remote_free_n(a, got, 1), 2);
		cr_assert_eq(tb_stats(a).recycle_ring_full, N - BOUND);
		tb_free_n(a, got + 1, BOUND + LEFT - 1, true);
	}
	tb_destroy_clean(a);
}

/* max_stack=0: liburcu's stack alone, no bound and no counter (nothing released). */
Test(urcu_stack, max_stack_0_is_unbounded)
{
	enum { N = 1100 };
	struct pb_alloc *a = US("mem=16M", "max_stack=0");
	struct pb_page **v = calloc(N, sizeof(*v));
	struct pb_stats s;

	cr_assert_not_null(v);
	tb_alloc_n(a, v, N);
	cr_assert_eq(remote_free_n(a, v, N), 2 * N - 1);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_ring, N);
	cr_assert_eq(s.recycle_ring_full, 0);
	cr_assert_eq(s.released, 0);
	free(v);
	tb_destroy_clean(a);
}

Test(urcu_stack, destroy_waits_for_pages_in_flight)
{
	struct pb_alloc *a = US("mem=8M", "dma=pt");
	struct pb_page *v[300], *got[REFILL + 1];
	uint64_t leaked = 12345;
	struct pb_stats s;

	tb_alloc_n(a, v, 300);
	remote_free_n(a, v, 200);
	tb_alloc_n(a, got, REFILL + 1);	/* pop_all: 64 into the cache, 136 left in the overflow */
	remote_free_n(a, v + 200, 20);	/* the stack has pages again */
	tb_free_n(a, got, REFILL + 1, true);
	tb_free_n(a, v + 220, 77, true);
	/* Cache, overflow chain and stack all hold pages; three are still out. */
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 3, "destroy must report the 3 pages still out");
	cr_assert_eq(tb_zone_missing(a), 3, "destroy left pages in the cache, overflow or stack");
	s = tb_stats(a);
	cr_assert_eq(s.in_flight, 3);
	cr_assert_eq(s.dma_map - s.dma_unmap, 3);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 3);

	/* Still alive for the stragglers: one direct, one pushed, one shared elsewhere. */
	pb_alloc_free(a, v[297], true);
	remote_free_n(a, v + 298, 1);
	pb_page_get(v[299]);
	pb_alloc_free(a, v[299], false);	/* released: the pool is done with it */
	cr_assert_eq(tb_stats(a).in_flight, 2, "one cached, one on the stack");
	pb_page_put(v[299]);	/* before destroy: the zone goes with the instance */
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(urcu_stack, remote_return_keeps_mapping)
{
	struct pb_alloc *a = US("mem=8M", "dma=iommu");
	struct pb_page *v[REFILL];
	struct pb_stats s;

	tb_alloc_n(a, v, REFILL);
	for (unsigned r = 0; r < 20; r++) {
		remote_free_n(a, v, REFILL);
		tb_alloc_n(a, v, REFILL);
	}
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, REFILL);
	cr_assert_eq(s.dma_unmap, 0);
	cr_assert_eq(s.alloc_refill, 20);
	cr_assert_eq(s.pa_alloc_calls, 1);
	remote_free_n(a, v, REFILL);
	tb_destroy_clean(a);
}

Test(urcu_stack, order2_pool)
{
	struct pb_alloc *a = US("mem=8M", "order=2", "dma=pt");
	struct pb_page *v[20];
	struct pb_stats s;

	cr_assert_eq(a->order, 2);
	tb_alloc_n(a, v, 20);
	for (unsigned i = 0; i < 20; i++)
		cr_assert_eq(v[i]->order, 2);
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, 20);
	cr_assert_eq(s.pa_alloc_pages, 80);
	remote_free_n(a, v, 10);
	tb_alloc_n(a, v, 10);
	cr_assert_eq(tb_stats(a).pa_alloc_calls, 20);
	tb_free_n(a, v, 20, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(urcu_stack, param_validation)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("urcu_stack");
	static const char *const bad[][2] = {
		{ "order=11", "order" },
		{ "max_stack=1048577", "max_stack" },
	};

	for (unsigned i = 0; i < 2; i++) {
		struct pb_params p;
		struct pb_err err = { { 0 } };

		memset(&p, 0, sizeof(p));
		cr_assert_eq(pb_params_add(&p, bad[i][0], &err), 0);
		cr_assert_null(pb_alloc_create(ops, &p, &err), "%s accepted", bad[i][0]);
		cr_assert_not_null(strstr(err.msg, bad[i][1]), "error does not name %s: %s", bad[i][1],
				   err.msg);
	}
	tb_destroy_clean(US("mem=4M", "max_stack=1M"));
}

Test(urcu_stack, free_to_other_pool_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = US("mem=4M");
	struct pb_alloc *b = US("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_alloc_free(b, pg, false);
}

Test(urcu_stack, in_flight_is_hold_minus_released)
{
	enum { STEPS = 6000, MAXHELD = 600 };
	struct pb_alloc *a = US("mem=8M", "max_stack=96", "dma=pt");
	struct pb_page *held[MAXHELD];
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	unsigned n = 0;
	struct pb_stats s;

	for (unsigned step = 0; step < STEPS; step++) {
		if (tb_mix_allocates(&rnd, step, 500, n, MAXHELD)) {
			held[n] = pb_alloc_page(a);
			tb_assert_pool_page(a, held[n]);
			n++;
		} else {
			unsigned i = (unsigned)(tb_xorshift(&rnd) % n);
			struct pb_page *pg = held[i];
			bool share = tb_xorshift(&rnd) % 16 == 0;

			held[i] = held[--n];
			if (share)
				pb_page_get(pg);
			pb_cpu_set_id(tb_xorshift(&rnd) & 1);
			pb_alloc_free(a, pg, pb_cpu_id() == 0);
			pb_cpu_set_id(0);
			if (share)
				pb_page_put(pg);
		}
		tb_assert_in_flight_at_step(a, step);
	}
	tb_assert_distinct_from(held, n, NULL, 0);
	s = tb_stats(a);
	cr_assert_gt(s.recycle_refcnt, 0);
	cr_assert_gt(s.recycle_cached, 0);
	cr_assert_gt(s.recycle_ring, 0);
	cr_assert_gt(s.recycle_ring_full, 0);
	cr_assert_gt(s.alloc_refill, 0);
	cr_assert_gt(s.alloc_slow, 1);
	tb_free_n(a, held, n, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

/*
 * The owner on CPU slot 0 allocates and hands each page through a bounded SPSC ring to a
 * thread on slot 1 that frees it non-directly; every 64th page that thread shares for the
 * duration of the free, so remote releases race the owner too.
 */
#define HANDOFF 64
#define SHARE_EVERY 64
struct handoff {
	struct pb_alloc *a;
	struct pb_page *slot[HANDOFF];
	_Atomic unsigned head pb_cacheline_aligned;
	_Atomic unsigned tail pb_cacheline_aligned;
	unsigned n;
	uint64_t atomics;	/* the freeing thread's locked operations in unshared frees */
	unsigned shared;
};

static void *remote_freer(void *arg)
{
	struct handoff *h = arg;
	uint64_t at0;

	pb_cpu_set_id(1);
	for (unsigned i = 0; i < h->n; i++) {
		unsigned t = atomic_load_explicit(&h->tail, memory_order_relaxed);
		struct pb_page *pg;

		while (atomic_load_explicit(&h->head, memory_order_acquire) == t)
			sched_yield();	/* the other side may share this CPU */
		pg = h->slot[t % HANDOFF];
		atomic_store_explicit(&h->tail, t + 1, memory_order_release);
		if (!pg)	/* the owner's alloc failed */
			continue;
		if (i % SHARE_EVERY == 0) {
			pb_page_get(pg);
			pb_alloc_free(h->a, pg, false);
			pb_page_put(pg);
			h->shared++;
		} else {
			at0 = pb_tls_atomics;
			pb_alloc_free(h->a, pg, false);
			h->atomics += pb_tls_atomics - at0;
		}
	}
	return NULL;
}

Test(urcu_stack, two_threads_owner_allocs_remote_frees, .timeout = 120)
{
	struct handoff *h = aligned_alloc(PB_CACHELINE, sizeof(*h));
	struct pb_alloc *a = US("mem=16M", "dma=pt", "max_stack=0");
	unsigned bad = 0;
	uint64_t pushes;
	pthread_t t;
	struct pb_stats s;

	cr_assert_not_null(h);
	memset(h, 0, sizeof(*h));
	h->a = a;
	h->n = 200000;
	cr_assert_eq(pthread_create(&t, NULL, remote_freer, h), 0);
	for (unsigned i = 0; i < h->n; i++) {
		unsigned hd = atomic_load_explicit(&h->head, memory_order_relaxed);
		struct pb_page *pg = pb_alloc_page(a);

		if (!pg || pb_page_count(pg) != 1 || pg->pp != a->priv || !(pg->flags & PB_PG_POOL) ||
		    !pg->dma_addr)
			bad++;
		while (hd - atomic_load_explicit(&h->tail, memory_order_acquire) >= HANDOFF)
			sched_yield();	/* the other side may share this CPU */
		h->slot[hd % HANDOFF] = pg;
		atomic_store_explicit(&h->head, hd + 1, memory_order_release);
	}
	pthread_join(t, NULL);
	cr_assert_eq(bad, 0, "%u bad pages handed out", bad);
	s = tb_stats(a);
	pushes = h->n - h->shared;
	cr_assert_eq(s.recycle_ring, pushes);
	cr_assert_eq(s.recycle_refcnt, h->shared);
	cr_assert_eq(s.released, h->shared);
	cr_assert_eq(s.alloc_fast + s.alloc_refill + s.alloc_slow, h->n);
	cr_assert_gt(s.alloc_refill, 0, "the owner never refilled from the stack");
	/* Each push is one or two cmpxchg: no lock, no other atomic on the remote path. */
	cr_assert_geq(h->atomics, pushes);
	cr_assert_leq(h->atomics, 2 * pushes,
		      "%llu locked operations for %llu pushes", (unsigned long long)h->atomics,
		      (unsigned long long)pushes);
	/* Bounded: the owner goes to the page allocator only when the stack ran dry. */
	cr_assert_lt(s.hold, pb_zone_nr_pages(a->mem.zone));
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
	free(h);
}
