// SPDX-License-Identifier: GPL-2.0-only
/*
 * The general-purpose peers, jemalloc and DPDK's rte_mempool, as backends: their buffers lie
 * in the instance's arena (so page descriptors are found by address), are distinct while held,
 * carry one reference, are mapped per buffer, and every page goes back to the page allocator
 * when the instance is destroyed.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "allocator.h"
#include "support_backend.h"

#define PEER(name, ...) TB_CREATE(name, __VA_ARGS__)

/* Allocates @n buffers and checks they are distinct pages of the arena with one reference. */
static void check_distinct(struct pb_alloc *a, struct pb_page **pg, unsigned n)
{
	static unsigned char seen[1 << 16];

	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < n; i++) {
		size_t pfn;

		pg[i] = pb_alloc_page(a);
		cr_assert_not_null(pg[i], "allocation %u failed", i);
		cr_assert(pg[i] >= a->mem.arena.pages && pg[i] < a->mem.arena.pages + a->mem.arena.npages,
			  "descriptor outside the arena");
		pfn = pb_page_pfn(pg[i]);
		cr_assert_lt(pfn, sizeof(seen));
		cr_assert_eq(seen[pfn], 0, "page %zu handed out twice while held", pfn);
		seen[pfn] = 1;
		cr_assert_eq(pb_page_count(pg[i]), 1);
		/* Writable memory of the page itself: scribble, the allocator must not care. */
		memset((char *)pb_page_address(pg[i]) + 64, 0xa5, 256);
	}
}

static void peer_semantics(const char *name)
{
	struct pb_alloc *a = PEER(name, "mem=64M", "dma=pt");
	struct pb_page *pg[1000];
	struct pb_stats s;

	check_distinct(a, pg, 1000);
	s = tb_stats(a);
	cr_expect_eq(s.in_flight, 1000);
	cr_expect_eq(s.dma_map, 1000, "a peer maps every buffer it hands out");
	for (unsigned i = 0; i < 1000; i++)
		pb_alloc_free(a, pg[i], true);
	s = tb_stats(a);
	cr_expect_eq(s.in_flight, 0);
	cr_expect_eq(s.dma_unmap, 1000);
	cr_expect_eq(pb_dma_nr_mapped(a->mem.dma), 0);
	/* And again, from the caches this time. */
	check_distinct(a, pg, 1000);
	for (unsigned i = 0; i < 1000; i++)
		pb_alloc_free(a, pg[i], false);
	tb_destroy_clean(a);
}

Test(peers, jemalloc_buffers_are_arena_pages) { peer_semantics("jemalloc"); }
Test(peers, dpdk_objects_are_arena_pages) { peer_semantics("dpdk_mempool"); }

static void in_flight_destroy(const char *name)
{
	struct pb_alloc *a = PEER(name, "mem=64M");
	struct pb_page *pg[3];
	uint64_t leaked = 99;

	for (int i = 0; i < 3; i++)
		pg[i] = pb_alloc_page(a);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 3, "destroy must report the 3 buffers out");
	for (int i = 0; i < 3; i++)
		pb_alloc_free(a, pg[i], true);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}

Test(peers, jemalloc_destroy_waits_for_buffers) { in_flight_destroy("jemalloc"); }
Test(peers, dpdk_destroy_waits_for_objects) { in_flight_destroy("dpdk_mempool"); }

/* A general-purpose allocator has no page references: a shared buffer freed is a bug. */
Test(peers, jemalloc_free_of_shared_buffer_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = PEER("jemalloc", "mem=64M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_page_get(pg);
	pb_alloc_free(a, pg, true);
}

Test(peers, dpdk_free_of_shared_object_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct pb_alloc *a = PEER("dpdk_mempool", "mem=64M");
	struct pb_page *pg = pb_alloc_page(a);

	pb_page_get(pg);
	pb_alloc_free(a, pg, true);
}

/* The per-lcore cache hands back the object just freed. */
Test(peers, dpdk_cache_is_lifo)
{
	struct pb_alloc *a = PEER("dpdk_mempool", "mem=64M");
	struct pb_page *p1 = pb_alloc_page(a), *p2;

	pb_alloc_free(a, p1, true);
	p2 = pb_alloc_page(a);
	cr_expect_eq(p1, p2, "the lcore cache should return the last object freed");
	pb_alloc_free(a, p2, true);
	tb_destroy_clean(a);
}

Test(peers, dpdk_bulk_round_trip)
{
	struct pb_alloc *a = PEER("dpdk_mempool", "mem=64M", "cache=32");
	struct pb_page *pg[64];

	cr_assert_eq(pb_alloc_bulk(a, pg, 64), 64);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(pb_page_count(pg[i]), 1);
	pb_alloc_free_bulk(a, pg, 64, true);
	cr_expect_eq(tb_stats(a).in_flight, 0);
	tb_destroy_clean(a);
}

Test(peers, dpdk_pool_larger_than_memory_fails_cleanly)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("dpdk_mempool");
	struct pb_params p = { 0 };
	struct pb_err err = { { 0 } };

	if (ops->absent)
		cr_skip_test("dpdk_mempool absent");
	pb_cpu_set_id(0);
	pb_params_add(&p, "mem=4M", &err);
	pb_params_add(&p, "objects=65535", &err);
	cr_assert_null(pb_alloc_create(ops, &p, &err));
	cr_assert_not_null(strstr(err.msg, "objects=65535"), "%s", err.msg);
}

/* Pool exhaustion is a NULL, not a crash, and the pool recovers. */
Test(peers, dpdk_exhaustion_returns_null)
{
	struct pb_alloc *a = PEER("dpdk_mempool", "mem=64M", "objects=127", "cache=0");
	struct pb_page *pg[128];
	unsigned n = 0;

	while (n < 128 && (pg[n] = pb_alloc_page(a)))
		n++;
	cr_expect_eq(n, 127, "exactly the pool's objects, got %u", n);
	while (n--)
		pb_alloc_free(a, pg[n], true);
	tb_destroy_clean(a);
}

struct remote {
	struct pb_alloc *a;
	struct pb_page **pg;
	unsigned n;
};

static void *free_remote(void *arg)
{
	struct remote *r = arg;

	pb_cpu_set_id(1);
	for (unsigned i = 0; i < r->n; i++)
		pb_alloc_free(r->a, r->pg[i], false);
	return NULL;
}

/* Buffers freed by another thread go back through that thread's cache and are not lost. */
static void cross_thread(const char *name)
{
	struct pb_alloc *a = PEER(name, "mem=64M");
	static struct pb_page *pg[2000];
	struct remote r = { a, pg, 2000 };
	pthread_t t;

	for (int round = 0; round < 3; round++) {
		check_distinct(a, pg, 2000);
		cr_assert_eq(pthread_create(&t, NULL, free_remote, &r), 0);
		pthread_join(t, NULL);
	}
	cr_expect_eq(tb_stats(a).in_flight, 0);
	tb_destroy_clean(a);
}

Test(peers, jemalloc_remote_frees) { cross_thread("jemalloc"); }
Test(peers, dpdk_remote_frees) { cross_thread("dpdk_mempool"); }
