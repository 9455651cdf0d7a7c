/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The array_cache backend against Starovoitov's proposal: an array only the owning RX
 * context touches (zero atomics to recycle), refills of `batch` pages in one page
 * allocator call, recycling only of sole-owner non-reserve pages into an array with room,
 * every other free released unmapped to the page allocator, pages mapped once for as
 * long as they cycle, and a destroy that waits for pages still lent out. Counters and the
 * zone's free count are checked exactly, so a cache that leaks, recycles a shared page,
 * touches the array from a non-direct free or remaps recycled pages fails here.
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

#define BATCH 64

#define AC(...) TB_CREATE("array_cache", __VA_ARGS__)

Test(array_cache, registered_for_remote_frees)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("array_cache");

	cr_assert_not_null(ops);
	cr_assert(!ops->one_context, "non-direct frees never touch the array: any CPU may free");
}

Test(array_cache, fresh_cache_has_nothing)
{
	struct pb_alloc *a = AC("mem=8M");
	struct pb_stats s = tb_stats(a);

	cr_assert_eq(s.hold, 0);
	cr_assert_eq(s.in_flight, 0);
	cr_assert_eq(s.pa_alloc_calls, 0);
	cr_assert_eq(a->order, 0);
	tb_destroy_clean(a);
}

Test(array_cache, first_alloc_refills_batch_in_one_call)
{
	struct pb_alloc *a = AC("mem=8M");
	struct pb_page *v[BATCH + 1];
	struct pb_stats s;
	size_t nr0 = tb_zone_free(a);

	v[0] = pb_alloc_page(a);
	tb_assert_pool_page(a, v[0]);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.alloc_fast, 0);
	cr_assert_eq(s.pa_alloc_calls, 1, "refill took %llu page allocator calls",
		     (unsigned long long)s.pa_alloc_calls);
	cr_assert_eq(s.pa_alloc_pages, BATCH);
	cr_assert_eq(s.hold, BATCH);
	cr_assert_eq(s.in_flight, BATCH);
	cr_assert_eq(tb_zone_free(a), nr0 - BATCH);

	tb_alloc_n(a, v + 1, BATCH - 1);
	tb_assert_distinct(v, BATCH);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_fast, BATCH - 1);
	cr_assert_eq(s.alloc_slow, 1);
	cr_assert_eq(s.pa_alloc_calls, 1);

	/* Empty again: the next one is another single bulk call. */
	v[BATCH] = pb_alloc_page(a);
	tb_assert_pool_page(a, v[BATCH]);
	tb_assert_distinct(v, BATCH + 1);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.pa_alloc_calls, 2);
	cr_assert_eq(s.pa_alloc_pages, 2 * BATCH);
	cr_assert_eq(s.hold, 2 * BATCH);

	tb_free_n(a, v, BATCH + 1, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, refill_size_follows_batch)
{
	struct pb_alloc *a = AC("mem=8M", "size=16", "batch=10");
	struct pb_page *v[21];
	struct pb_stats s;

	tb_alloc_n(a, v, 10);
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.pa_alloc_pages, 10, "refilled %llu pages, batch is 10",
		     (unsigned long long)s.pa_alloc_pages);
	cr_assert_eq(s.alloc_fast, 9);
	tb_alloc_n(a, v + 10, 11);
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, 3);
	cr_assert_eq(s.pa_alloc_pages, 30);
	cr_assert_eq(s.alloc_slow, 3);
	tb_free_n(a, v, 21, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, steady_state_takes_no_atomics)
{
	struct pb_alloc *a = AC("mem=8M", "dma=pt");
	struct pb_page *pg = pb_alloc_page(a);	/* the refill */
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
	cr_assert_eq(s.pa_alloc_calls, 1);
	cr_assert_eq(s.released, 0);
	pb_alloc_free(a, pg, true);
	tb_destroy_clean(a);
}

Test(array_cache, direct_free_recycles_lifo)
{
	struct pb_alloc *a = AC("mem=8M");
	struct pb_page *x, *y, *z;
	struct pb_stats s0, s;

	x = pb_alloc_page(a);
	y = pb_alloc_page(a);
	z = pb_alloc_page(a);
	s0 = tb_stats(a);
	pb_alloc_free(a, x, true);
	pb_alloc_free(a, z, true);
	pb_alloc_free(a, y, true);
	cr_assert_eq(pb_alloc_page(a), y);
	cr_assert_eq(pb_alloc_page(a), z);
	cr_assert_eq(pb_alloc_page(a), x);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 3);
	cr_assert_eq(s.alloc_fast, s0.alloc_fast + 3);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls);
	cr_assert_eq(s.hold, s0.hold);
	cr_assert_eq(s.released, 0);
	pb_alloc_free(a, x, true);
	pb_alloc_free(a, y, true);
	pb_alloc_free(a, z, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, shared_page_is_released_not_recycled)
{
	struct pb_alloc *a = AC("mem=8M", "dma=pt");
	struct pb_page *pg, *v[300];
	struct pb_stats s0, s;
	size_t nr;

	pg = pb_alloc_page(a);
	s0 = tb_stats(a);
	pb_page_get(pg);
	nr = tb_zone_free(a);

	pb_alloc_free(a, pg, true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_refcnt, 1);
	cr_assert_eq(s.released, 1);
	cr_assert_eq(s.recycle_cached, 0, "a page someone else holds was cached");
	cr_assert_eq(s.in_flight, s0.in_flight - 1);
	cr_assert_eq(s.dma_unmap, 1, "a page leaving the cache must be unmapped");
	cr_assert_eq(pb_page_count(pg), 1, "release must drop exactly the cache's reference");
	tb_assert_released(pg);
	cr_assert_eq(tb_zone_free(a), nr, "the zone got a page that is still referenced");

	/* While we hold it, it must never be handed out again. */
	tb_alloc_n(a, v, 300);
	cr_assert(!tb_contains(v, 300, pg), "the cache handed out a page the caller still holds");
	cr_assert_eq(pb_page_count(pg), 1);
	tb_free_n(a, v, 300, true);

	nr = tb_zone_free(a);
	pb_page_put(pg);
	cr_assert_eq(pb_page_count(pg), 0);
	cr_assert_eq(tb_zone_free(a), nr + 1, "the last put must give the page to the zone");
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, reserve_page_is_released)
{
	struct pb_alloc *a = AC("mem=8M");
	struct pb_page *pg = pb_alloc_page(a);
	struct pb_stats s;
	size_t nr = tb_zone_free(a);

	pg->flags |= PB_PG_RESERVE;
	pb_alloc_free(a, pg, true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 0, "a reserve page was recycled");
	cr_assert_eq(s.released, 1);
	cr_assert_eq(pb_page_count(pg), 0);
	cr_assert_eq(tb_zone_free(a), nr + 1);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, full_array_releases)
{
	struct pb_alloc *a = AC("mem=8M", "size=8", "batch=8", "dma=pt");
	struct pb_page *v[24], *pg;
	struct pb_stats s;
	size_t nr0;

	tb_alloc_n(a, v, 24);	/* three refills, array empty */
	nr0 = tb_zone_free(a);
	tb_free_n(a, v, 24, true);
	s = tb_stats(a);
	cr_assert_eq(s.recycle_cached, 8, "the array took %llu pages, it has 8 entries",
		     (unsigned long long)s.recycle_cached);
	cr_assert_eq(s.released, 16);
	cr_assert_eq(s.recycle_refcnt, 0, "sole-owner pages counted as shared");
	cr_assert_eq(s.in_flight, 8);
	cr_assert_eq(tb_zone_free(a), nr0 + 16);
	for (unsigned i = 8; i < 24; i++) {
		cr_assert_eq(pb_page_count(v[i]), 0, "released page %u still referenced", i);
		tb_assert_released(v[i]);
	}
	/* The eight that fit come back out, newest first, with no refill. */
	for (int i = 7; i >= 0; i--) {
		pg = pb_alloc_page(a);
		cr_assert_eq(pg, v[i]);
	}
	cr_assert_eq(tb_stats(a).pa_alloc_calls, 3);
	tb_free_n(a, v, 8, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, non_direct_frees_release)
{
	struct pb_alloc *a = AC("mem=8M", "dma=pt");
	struct pb_page *v[BATCH], *pg;
	struct pb_stats s;
	size_t nr0;

	tb_alloc_n(a, v, BATCH);	/* the array is empty now */
	nr0 = tb_zone_free(a);
	pb_cpu_set_id(3);
	tb_free_n(a, v, 10, false);
	pb_cpu_set_id(0);
	s = tb_stats(a);
	cr_assert_eq(s.released, 10);
	cr_assert_eq(s.recycle_cached, 0, "a non-direct free touched the array");
	cr_assert_eq(s.in_flight, BATCH - 10);
	cr_assert_eq(s.dma_unmap, 10);
	cr_assert_eq(tb_zone_free(a), nr0 + 10);
	for (unsigned i = 0; i < 10; i++) {
		cr_assert_eq(pb_page_count(v[i]), 0);
		tb_assert_released(v[i]);
	}
	/* The array is still empty: the next alloc refills from the page allocator. */
	pg = pb_alloc_page(a);
	tb_assert_pool_page(a, pg);
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, 2);
	cr_assert_eq(s.alloc_fast, BATCH - 1);
	cr_assert_eq(s.pa_alloc_calls, 2);

	/* Non-direct even with room in the array: released. */
	pb_alloc_free(a, pg, false);
	s = tb_stats(a);
	cr_assert_eq(s.released, 11);
	cr_assert_eq(s.recycle_cached, 0);
	tb_free_n(a, v + 10, BATCH - 10, false);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, recycled_page_is_mapped_once)
{
	struct pb_alloc *a = AC("mem=8M", "dma=pt", "batch=1", "size=4");
	struct pb_page *pg = pb_alloc_page(a), *again;
	uint64_t addr = pg->dma_addr;
	uint64_t leaked = 12345;
	struct pb_stats s;

	cr_assert_neq(addr, 0);
	for (unsigned i = 0; i < 1000; i++) {
		pb_alloc_free(a, pg, true);
		again = pb_alloc_page(a);
		cr_assert_eq(again, pg, "cycle %u: another page came back", i);
		cr_assert_eq(pg->dma_addr, addr, "cycle %u: the bus address changed", i);
	}
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, 1, "a page recycled 1000 times was mapped %llu times",
		     (unsigned long long)s.dma_map);
	cr_assert_eq(s.dma_unmap, 0);
	cr_assert_eq(s.recycle_cached, 1000);

	/* One more cached, the first still out: destroy empties the array and waits. */
	again = pb_alloc_page(a);
	pb_alloc_free(a, again, true);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1);
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, 2);
	cr_assert_eq(s.dma_unmap, 1, "destroy must unmap what it gives back");
	pb_alloc_free(a, pg, false);
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, s.dma_unmap, "after the last page came home: %llu maps, %llu unmaps",
		     (unsigned long long)s.dma_map, (unsigned long long)s.dma_unmap);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(array_cache, batch_mapped_once_under_iommu)
{
	struct pb_alloc *a = AC("mem=8M", "dma=iommu");
	struct pb_page *v[2 * BATCH];
	struct pb_stats s;

	tb_alloc_n(a, v, 2 * BATCH);
	for (unsigned r = 0; r < 50; r++) {
		tb_free_n(a, v, 2 * BATCH, true);
		tb_alloc_n(a, v, 2 * BATCH);
	}
	tb_assert_distinct(v, 2 * BATCH);
	s = tb_stats(a);
	/* 128 fit the 256-entry array: nothing was ever remapped. */
	cr_assert_eq(s.dma_map, 2 * BATCH);
	cr_assert_eq(s.dma_unmap, 0);
	cr_assert_eq(s.pa_alloc_calls, 2);
	tb_free_n(a, v, BATCH, true);
	tb_free_n(a, v + BATCH, BATCH, false);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

Test(array_cache, destroy_waits_for_pages_in_flight)
{
	struct pb_alloc *a = AC("mem=8M", "dma=pt");
	struct pb_page *v[70];
	uint64_t leaked = 12345;
	struct pb_stats s;

	tb_alloc_n(a, v, 70);
	tb_free_n(a, v, 40, true);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 30, "destroy must report the 30 pages still out");
	cr_assert_eq(tb_zone_missing(a), 30, "destroy did not empty the array");
	s = tb_stats(a);
	cr_assert_eq(s.in_flight, 30);
	cr_assert_eq(s.dma_map - s.dma_unmap, 30);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 30);

	/* Still alive for the stragglers, on either path. */
	tb_assert_pool_page(a, v[40]);
	tb_free_n(a, v + 40, 15, true);
	tb_free_n(a, v + 55, 15, false);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(array_cache, destroy_straggler_shared_elsewhere)
{
	struct pb_alloc *a = AC("mem=8M");
	struct pb_page *pg = pb_alloc_page(a);
	uint64_t leaked = 12345;

	pb_page_get(pg);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1);
	pb_alloc_free(a, pg, true);	/* released: someone else still holds it */
	cr_assert_eq(tb_zone_missing(a), 1);
	pb_page_put(pg);
	cr_assert_eq(tb_zone_missing(a), 0);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(array_cache, param_validation)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("array_cache");
	static const char *const bad[][2] = {
		{ "size=8,batch=9", "batch" },
		{ "batch=257", "batch" },	/* default size is 256 */
		{ "batch=0", "batch" },
		{ "size=0", "size" },
		{ "size=65537", "size" },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pb_params p;
		struct pb_err err = { { 0 } };
		char buf[64], *save, *kv;

		memset(&p, 0, sizeof(p));
		strcpy(buf, bad[i][0]);
		for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
			cr_assert_eq(pb_params_add(&p, kv, &err), 0);
		cr_assert_null(pb_alloc_create(ops, &p, &err), "%s was accepted", bad[i][0]);
		cr_assert_not_null(strstr(err.msg, bad[i][1]), "%s: error does not name %s: %s",
				   bad[i][0], bad[i][1], err.msg);
	}
	tb_destroy_clean(AC("mem=4M", "size=1", "batch=1"));
	tb_destroy_clean(AC("mem=4M", "size=65536", "batch=65536"));
}

Test(array_cache, free_to_other_cache_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = AC("mem=4M");
	struct pb_alloc *b = AC("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_alloc_free(b, pg, true);
}

Test(array_cache, free_of_released_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = AC("mem=4M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_page_get(pg);
	pb_alloc_free(a, pg, true);	/* released: no longer the cache's */
	pb_alloc_free(a, pg, true);
}

Test(array_cache, in_flight_is_hold_minus_released)
{
	enum { STEPS = 6000, MAXHELD = 400 };
	struct pb_alloc *a = AC("mem=8M", "size=48", "batch=16", "dma=pt");
	struct pb_page *held[MAXHELD];
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	unsigned n = 0;
	struct pb_stats s;

	for (unsigned step = 0; step < STEPS; step++) {
		if (tb_mix_allocates(&rnd, step, 400, n, MAXHELD)) {
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
			pb_alloc_free(a, pg, tb_xorshift(&rnd) % 4 != 0);
			if (share)
				pb_page_put(pg);
		}
		tb_assert_in_flight_at_step(a, step);
	}
	tb_assert_distinct(held, n);
	s = tb_stats(a);
	cr_assert_gt(s.recycle_refcnt, 0);
	cr_assert_gt(s.recycle_cached, 0);
	cr_assert_gt(s.alloc_slow, 1);
	tb_free_n(a, held, n, true);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
}

/* Pages from the owner on CPU 0 to a freeing thread on CPU 1, through a bounded SPSC ring. */
#define HANDOFF 64
struct handoff {
	struct pb_alloc *a;
	struct pb_page *slot[HANDOFF];
	_Atomic unsigned head pb_cacheline_aligned;
	_Atomic unsigned tail pb_cacheline_aligned;
	unsigned n;
};

static void *remote_freer(void *arg)
{
	struct handoff *h = arg;

	pb_cpu_set_id(1);
	for (unsigned i = 0; i < h->n; i++) {
		unsigned t = atomic_load_explicit(&h->tail, memory_order_relaxed);

		while (atomic_load_explicit(&h->head, memory_order_acquire) == t)
			sched_yield();	/* the other side may share this CPU */
		if (h->slot[t % HANDOFF])	/* NULL: the owner's alloc failed */
			pb_alloc_free(h->a, h->slot[t % HANDOFF], false);
		atomic_store_explicit(&h->tail, t + 1, memory_order_release);
	}
	return NULL;
}

Test(array_cache, remote_frees_while_owner_allocates, .timeout = 120)
{
	struct handoff *h = aligned_alloc(PB_CACHELINE, sizeof(*h));
	struct pb_alloc *a = AC("mem=16M", "dma=pt");
	unsigned bad = 0;
	pthread_t t;
	struct pb_stats s;

	cr_assert_not_null(h);
	memset(h, 0, sizeof(*h));
	h->a = a;
	h->n = 50000;
	cr_assert_eq(pthread_create(&t, NULL, remote_freer, h), 0);
	for (unsigned i = 0; i < h->n; i++) {
		unsigned hd = atomic_load_explicit(&h->head, memory_order_relaxed);
		struct pb_page *pg = pb_alloc_page(a);

		if (!pg || pb_page_count(pg) != 1 || pg->pp != a->priv)
			bad++;
		while (hd - atomic_load_explicit(&h->tail, memory_order_acquire) >= HANDOFF)
			sched_yield();	/* the other side may share this CPU */
		h->slot[hd % HANDOFF] = pg;
		atomic_store_explicit(&h->head, hd + 1, memory_order_release);
	}
	pthread_join(t, NULL);
	cr_assert_eq(bad, 0, "%u bad pages handed out", bad);
	s = tb_stats(a);
	cr_assert_eq(s.released, h->n, "every remote free releases");
	cr_assert_eq(s.recycle_cached, 0);
	cr_assert_eq(s.alloc_fast + s.alloc_slow, h->n);
	tb_assert_in_flight_consistent(a);
	tb_destroy_clean(a);
	free(h);
}
