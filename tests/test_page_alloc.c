/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page allocator model against what a buddy allocator must guarantee: the exact free
 * block layout after splits and merges, pcp refill/drain points, no page handed out twice,
 * natural alignment, memory untouched by the allocator while held, every page back at the
 * end, and the broken-invariant aborts. The block counts are checked exactly, so an
 * allocator that leaks, forgets to merge or splits the wrong way fails here.
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
#include "support_backend.h"

struct zfix {
	struct pb_arena ar;
	struct pb_zone *z;
};

static void zfix_init_k(struct zfix *f, size_t npages, unsigned batch, unsigned high,
			unsigned max_order, unsigned ncpus, unsigned kernel, bool init_on_alloc)
{
	struct pb_zone_params zp = { .pcp_batch = batch, .pcp_high = high,
				     .pcp_max_order = max_order, .ncpus = ncpus,
				     .kernel = kernel, .init_on_alloc = init_on_alloc };
	struct pb_err err = { { 0 } };

	cr_assert_eq(pb_arena_init(&f->ar, npages, -1, false, &err), 0, "arena: %s", err.msg);
	f->z = pb_zone_create(&f->ar, &zp);
	cr_assert_not_null(f->z);
	cr_assert_eq(f->ar.zone, f->z);
	pb_cpu_set_id(0);
}

static void zfix_init(struct zfix *f, size_t npages, unsigned batch, unsigned high,
		      unsigned max_order, unsigned ncpus)
{
	zfix_init_k(f, npages, batch, high, max_order, ncpus, PB_KERNEL_6_1, false);
}

static void zfix_fini(struct zfix *f)
{
	pb_zone_destroy(f->z);
	pb_arena_fini(&f->ar);
}

/* Pages on the buddy lists, from the per-order block counts. */
static size_t buddy_pages(const struct pb_zone *z)
{
	size_t n = 0;

	for (unsigned o = 0; o <= PB_MAX_ORDER; o++)
		n += pb_zone_nr_free_blocks(z, o) << o;
	return n;
}

/* Pages parked on pcp lists: free but not on the buddy lists. */
static size_t pcp_pages(const struct pb_zone *z)
{
	return pb_zone_nr_free(z) - buddy_pages(z);
}

static struct pb_stats zstats(const struct pb_zone *z)
{
	struct pb_stats st;

	memset(&st, 0, sizeof(st));
	pb_zone_stats(z, &st);
	return st;
}

/* The buddy lists hold exactly @want[o] blocks of each order o. */
static void expect_blocks(const struct pb_zone *z, const size_t want[PB_MAX_ORDER + 1])
{
	for (unsigned o = 0; o <= PB_MAX_ORDER; o++)
		cr_expect_eq(pb_zone_nr_free_blocks(z, o), want[o], "order %u: %zu blocks, want %zu",
			     o, pb_zone_nr_free_blocks(z, o), want[o]);
}

/* The maximal aligned blocks a fresh zone of @npages must have. */
static void initial_blocks(size_t npages, size_t want[PB_MAX_ORDER + 1])
{
	memset(want, 0, sizeof(size_t) * (PB_MAX_ORDER + 1));
	want[PB_MAX_ORDER] = npages >> PB_MAX_ORDER;
	for (unsigned o = 0; o < PB_MAX_ORDER; o++)
		want[o] = (npages >> o) & 1;
}

static void expect_all_back(struct zfix *f)
{
	size_t want[PB_MAX_ORDER + 1];

	pb_zone_drain_all(f->z);
	cr_assert_eq(pb_zone_nr_free(f->z), f->ar.npages, "nr_free %zu of %zu",
		     pb_zone_nr_free(f->z), f->ar.npages);
	initial_blocks(f->ar.npages, want);
	expect_blocks(f->z, want);
}

Test(page_alloc, fresh_zone_has_maximal_blocks)
{
	struct zfix f;
	size_t want[PB_MAX_ORDER + 1] = { [PB_MAX_ORDER] = 2 };

	zfix_init(&f, 2048, 8, 32, 3, 1);
	cr_expect_eq(pb_zone_nr_pages(f.z), 2048);
	cr_expect_eq(pb_zone_nr_free(f.z), 2048);
	expect_blocks(f.z, want);
	cr_expect_eq(pb_zone_nr_free_blocks(f.z, PB_MAX_ORDER + 1), 0);
	zfix_fini(&f);
}

Test(page_alloc, non_power_of_two_arena)
{
	struct zfix f;
	/* 1000 = 512 + 256 + 128 + 64 + 32 + 8 */
	size_t want[PB_MAX_ORDER + 1] = { [9] = 1, [8] = 1, [7] = 1, [6] = 1, [5] = 1, [3] = 1 };
	size_t want2[PB_MAX_ORDER + 1] = { [PB_MAX_ORDER] = 3, [2] = 1, [0] = 1 };
	struct pb_page *pg[1000];
	size_t n = 0;

	zfix_init(&f, 1000, 8, 32, 0, 1);
	expect_blocks(f.z, want);
	/* Every page, and not one more, can be had; then they all merge back. */
	while (n < 1000 && (pg[n] = pb_alloc_pages(f.z, 0)))
		n++;
	cr_expect_eq(n, 1000);
	cr_expect_null(pb_alloc_pages(f.z, 0));
	for (size_t i = 0; i < n; i++)
		pb_free_pages(f.z, pg[i], 0);
	expect_all_back(&f);
	zfix_fini(&f);

	zfix_init(&f, 3 * 1024 + 5, 8, 32, 3, 1);
	expect_blocks(f.z, want2);
	cr_expect_eq(pb_zone_nr_free(f.z), 3 * 1024 + 5);
	zfix_fini(&f);
}

Test(page_alloc, create_rejects_bad_params)
{
	static const struct pb_zone_params bad[] = {
		{ .pcp_batch = 0, .pcp_high = 8, .pcp_max_order = 0, .ncpus = 1 },
		{ .pcp_batch = 8, .pcp_high = 7, .pcp_max_order = 0, .ncpus = 1 },
		{ .pcp_batch = 8, .pcp_high = 8, .pcp_max_order = 4, .ncpus = 1 },
		{ .pcp_batch = 8, .pcp_high = 8, .pcp_max_order = 0, .ncpus = 0 },
		{ .pcp_batch = 8, .pcp_high = 8, .pcp_max_order = 0, .ncpus = PB_MAX_CPUS + 1 },
	};
	struct pb_arena ar;
	struct pb_err err = { { 0 } };

	cr_assert_eq(pb_arena_init(&ar, 64, -1, false, &err), 0, "arena: %s", err.msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_null(pb_zone_create(&ar, &bad[i]), "params #%zu accepted", i);
	pb_arena_fini(&ar);
}

Test(page_alloc, split_leaves_one_block_per_lower_order)
{
	struct zfix f;
	size_t want[PB_MAX_ORDER + 1] = { 0 };
	struct pb_page *pg;

	/* batch 1: a refill takes exactly the one block asked for, so the buddy lists show it. */
	zfix_init(&f, 1024, 1, 1, 0, 1);
	pg = pb_alloc_pages(f.z, 0);
	cr_assert_not_null(pg);
	for (unsigned o = 0; o < PB_MAX_ORDER; o++)
		want[o] = 1;
	expect_blocks(f.z, want);
	cr_expect_eq(pcp_pages(f.z), 0);
	/* The lower half is kept at each split. */
	cr_expect_eq(pb_page_pfn(pg), 0);
	cr_expect_eq(pb_page_count(pg), 1);
	cr_expect_eq(pg->order, 0);
	cr_expect_eq(pg->flags, 0);
	cr_expect_eq(pb_zone_nr_free(f.z), 1023);
	pb_free_pages(f.z, pg, 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, high_order_comes_from_buddy_lists)
{
	struct zfix f;
	size_t want[PB_MAX_ORDER + 1] = { [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1, [9] = 1 };
	struct pb_page *pg;

	/* Order 4 is beyond any pcp list: straight from the buddy lists under the zone lock. */
	zfix_init(&f, 1024, 8, 32, 3, 1);
	pg = pb_alloc_pages(f.z, 4);
	cr_assert_not_null(pg);
	expect_blocks(f.z, want);
	cr_expect_eq(pb_page_pfn(pg) % 16, 0);
	cr_expect_eq(pg->order, 4);
	cr_expect_eq(pb_page_count(pg), 1);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 1);
	cr_expect_eq(zstats(f.z).pa_alloc_pages, 16);
	/* And back without passing a pcp list: merged at once, no drain needed. */
	pb_free_pages(f.z, pg, 4);
	want[4] = want[5] = want[6] = want[7] = want[8] = want[9] = 0;
	want[10] = 1;
	expect_blocks(f.z, want);
	cr_expect_eq(pb_zone_nr_free(f.z), 1024);
	zfix_fini(&f);
}

Test(page_alloc, free_merges_back_to_maximal_blocks)
{
	struct zfix f;
	struct pb_page *pg[1000];
	unsigned ord[1000];
	size_t n = 0;

	srand(7);
	zfix_init(&f, 1000, 4, 16, 3, 1);
	/* Fill with mixed orders until nothing fits, then free in a shuffled order. */
	for (;;) {
		unsigned o = (unsigned)rand() % 6;
		struct pb_page *p = pb_alloc_pages(f.z, o);

		if (!p) {
			if (!(p = pb_alloc_pages(f.z, 0)))
				break;
			o = 0;
		}
		cr_assert_lt(n, 1000);
		cr_assert_eq(pb_page_pfn(p) & ((1UL << o) - 1), 0, "order %u block misaligned", o);
		pg[n] = p;
		ord[n++] = o;
	}
	cr_expect_eq(pb_zone_nr_free(f.z), 0);
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		struct pb_page *tp = pg[i - 1];
		unsigned to = ord[i - 1];

		pg[i - 1] = pg[j];
		ord[i - 1] = ord[j];
		pg[j] = tp;
		ord[j] = to;
	}
	for (size_t i = 0; i < n; i++)
		pb_free_pages(f.z, pg[i], ord[i]);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* 4.6 (free_hot_cold_page): every drain at high is exactly one batch. */
Test(page_alloc, pcp_refills_by_batch_and_drains_at_high)
{
	struct zfix f;
	struct pb_page *pg[40];

	zfix_init_k(&f, 1024, 8, 32, 0, 1, PB_KERNEL_2016, false);
	pg[0] = pb_alloc_pages(f.z, 0);
	cr_assert_not_null(pg[0]);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 1);
	cr_expect_eq(pcp_pages(f.z), 7, "refill should leave batch-1 pages on the pcp list");
	for (int i = 1; i < 8; i++)
		pg[i] = pb_alloc_pages(f.z, 0);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 1, "pcp hits must not take the zone lock");
	cr_expect_eq(pcp_pages(f.z), 0);
	pg[8] = pb_alloc_pages(f.z, 0);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 2);
	for (int i = 9; i < 40; i++)
		pg[i] = pb_alloc_pages(f.z, 0);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 5);
	cr_expect_eq(pcp_pages(f.z), 0);

	for (int i = 0; i < 31; i++)
		pb_free_pages(f.z, pg[i], 0);
	cr_expect_eq(pcp_pages(f.z), 31);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 5, "frees below high must stay on the pcp list");
	pb_free_pages(f.z, pg[31], 0);
	cr_expect_eq(pcp_pages(f.z), 24, "reaching high drains one batch");
	cr_expect_eq(zstats(f.z).pa_zone_locks, 6);
	for (int i = 32; i < 40; i++)
		pb_free_pages(f.z, pg[i], 0);
	cr_expect_eq(pcp_pages(f.z), 24);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 7);

	/* A pcp hit hands back the most recently freed page (cache hot). */
	pb_free_pages(f.z, pg[0] = pb_alloc_pages(f.z, 0), 0);
	cr_expect_eq(pb_alloc_pages(f.z, 0), pg[0]);
	pb_free_pages(f.z, pg[0], 0);

	struct pb_stats st = zstats(f.z);

	cr_expect_eq(st.pa_alloc_calls, 42);
	cr_expect_eq(st.pa_alloc_pages, 42);
	cr_expect_eq(st.pa_free_calls, 42);
	cr_expect_eq(st.pa_free_pages, 42);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, pcp_serves_higher_orders)
{
	struct zfix f;
	struct pb_page *a, *b;

	/* batch 16 pages: an order-3 refill moves 16 >> 3 = 2 blocks. */
	zfix_init(&f, 1024, 16, 64, 3, 1);
	a = pb_alloc_pages(f.z, 3);
	cr_assert_not_null(a);
	cr_expect_eq(pcp_pages(f.z), 8);
	b = pb_alloc_pages(f.z, 3);
	cr_assert_not_null(b);
	cr_expect_eq(pcp_pages(f.z), 0);
	cr_expect_eq(zstats(f.z).pa_zone_locks, 1);
	cr_expect_neq(a, b);
	cr_expect_eq(pb_page_pfn(a) % 8, 0);
	cr_expect_eq(pb_page_pfn(b) % 8, 0);
	pb_free_pages(f.z, a, 3);
	cr_expect_eq(pcp_pages(f.z), 8);
	cr_expect_eq(a->flags, PB_PG_PCP);
	pb_free_pages(f.z, b, 3);
	cr_expect_eq(pcp_pages(f.z), 16);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, drain_local_and_all)
{
	struct zfix f;
	struct pb_page *p0, *p1;

	zfix_init(&f, 1024, 8, 32, 0, 2);
	p0 = pb_alloc_pages(f.z, 0);
	pb_cpu_set_id(1);
	p1 = pb_alloc_pages(f.z, 0);
	cr_expect_eq(pcp_pages(f.z), 14);
	pb_zone_drain_local(f.z);
	cr_expect_eq(pcp_pages(f.z), 7, "drain_local must only empty the calling slot");
	pb_free_pages(f.z, p1, 0);
	pb_cpu_set_id(0);
	pb_free_pages(f.z, p0, 0);
	cr_expect_eq(pcp_pages(f.z), 9);
	pb_zone_drain_all(f.z);
	cr_expect_eq(pcp_pages(f.z), 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, exhaustion_returns_null_and_recovers)
{
	struct zfix f;
	struct pb_page *pg[64];
	struct pb_page *big;
	size_t n = 0;

	zfix_init(&f, 64, 4, 8, 3, 1);
	while (n < 64 && (pg[n] = pb_alloc_pages(f.z, 0)))
		n++;
	cr_expect_eq(n, 64);
	cr_expect_null(pb_alloc_pages(f.z, 0));
	cr_expect_null(pb_alloc_pages(f.z, 3));
	cr_expect_null(pb_alloc_pages(f.z, 7), "bigger than the zone");
	cr_expect_eq(pb_zone_nr_free(f.z), 0);
	for (size_t i = 0; i < n; i++)
		pb_free_pages(f.z, pg[i], 0);
	/*
	 * Some pages sit unmerged on the pcp list: GFP_ATOMIC fails without draining them,
	 * only a caller that may reclaim gets drain_all_pages and merges them.
	 */
	cr_expect_gt(pcp_pages(f.z), 0);
	cr_expect_null(pb_alloc_pages(f.z, 6), "GFP_ATOMIC must not drain the pcp lists");
	cr_expect_gt(pcp_pages(f.z), 0);
	big = pb_alloc_pages_gfp(f.z, PB_GFP_KERNEL | PB_GFP_COMP | PB_GFP_MEMALLOC, 6);
	cr_assert_not_null(big, "whole zone free but no order-6 block");
	cr_expect_eq(pb_page_pfn(big), 0);
	cr_expect_eq(pb_zone_nr_free(f.z), 0);
	pb_free_pages(f.z, big, 6);
	cr_expect_eq(pb_zone_nr_free(f.z), 64);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, bulk_returns_distinct_pages)
{
	struct zfix f;
	static struct pb_page *pg[600];
	unsigned n, m;
	static uint8_t seen[512];

	zfix_init(&f, 512, 8, 32, 0, 1);
	n = pb_alloc_pages_bulk(f.z, 300, pg);
	cr_expect_eq(n, 300);
	cr_expect_eq(zstats(f.z).pa_alloc_calls, 1);
	cr_expect_eq(zstats(f.z).pa_alloc_pages, 300);
	/* 212 left is below low watermark + 300: one page through the ordinary path. */
	m = pb_alloc_pages_bulk(f.z, 300, pg + n);
	cr_expect_eq(m, 1);
	while (n + m < 600 && (pg[n + m] = pb_alloc_pages(f.z, 0)))
		m++;
	cr_expect_eq(m, 212, "the rest of the zone (reserves included), and no more");
	cr_expect_eq(pb_zone_nr_free(f.z), 0);
	for (unsigned i = 0; i < n + m; i++) {
		size_t pfn = pb_page_pfn(pg[i]);

		cr_assert_eq(seen[pfn], 0, "pfn %zu handed out twice", pfn);
		seen[pfn] = 1;
		cr_expect_eq(pb_page_count(pg[i]), 1);
		cr_expect_eq(pg[i]->order, 0);
		cr_expect_eq(pg[i]->flags & ~PB_PG_RESERVE, 0);
	}
	cr_expect_eq(pb_alloc_pages_bulk(f.z, 4, pg + n + m), 0);
	for (unsigned i = 0; i < n + m; i++)
		pb_free_pages(f.z, pg[i], 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, get_keeps_page_put_frees_it)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 1, 1, 0, 1);
	pg = pb_alloc_pages(f.z, 2);
	cr_assert_not_null(pg);
	pb_page_get(pg);
	cr_expect_eq(pb_page_count(pg), 2);
	pb_free_pages(f.z, pg, 2);
	cr_expect_eq(pb_page_count(pg), 1);
	cr_expect_eq(pb_zone_nr_free(f.z), 1020, "a referenced page must stay allocated");
	pb_page_put(pg);
	cr_expect_eq(pb_page_count(pg), 0);
	cr_expect_eq(pb_zone_nr_free(f.z), 1024, "put_page frees with the allocation order");
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, free_clears_pool_state)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 1, 1, 0, 1);
	pg = pb_alloc_pages(f.z, 0);
	pg->flags |= PB_PG_POOL | PB_PG_RESERVE;
	pg->pp = &f;
	pb_free_pages(f.z, pg, 0);
	pg = pb_alloc_pages(f.z, 0);
	cr_assert_not_null(pg);
	cr_expect_eq(pg->flags, 0);
	cr_expect_null(pg->pp);
	pb_free_pages(f.z, pg, 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, double_free_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 0, 1);
	pg = pb_alloc_pages(f.z, 0);
	pb_free_pages(f.z, pg, 0);
	pb_free_pages(f.z, pg, 0);
}

Test(page_alloc, double_free_unref_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 0, 1);
	pg = pb_alloc_pages(f.z, 0);
	pb_free_pages(f.z, pg, 0);
	pb_free_pages_unref(f.z, pg, 0);
}

Test(page_alloc, double_free_to_buddy_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 0, 1);
	pg = pb_alloc_pages(f.z, 5);
	pb_free_pages(f.z, pg, 5);
	pb_free_pages_unref(f.z, pg, 5);
}

Test(page_alloc, put_of_free_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 0, 1);
	pg = pb_alloc_pages(f.z, 0);
	pb_page_put(pg);
	pb_page_put(pg);
}

Test(page_alloc, free_of_mapped_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 0, 1);
	pg = pb_alloc_pages(f.z, 0);
	pg->dma_addr = 0x1000;
	pb_free_pages(f.z, pg, 0);
}

Test(page_alloc, free_with_wrong_order_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 0, 1);
	pg = pb_alloc_pages(f.z, 1);
	pb_free_pages(f.z, pg, 0);
}

/* Holds allocations of a random workload and checks them against a pfn bitmap. */
struct model {
	struct zfix *f;
	uint8_t *held;		/* [npages] 1 while the pfn is handed out */
	struct pb_page **pg;
	uint8_t *ord;
	uint64_t *tag;
	size_t n, cap;
	size_t nulls;		/* allocations that found the zone exhausted */
	uint64_t rng;
};

static uint64_t rnd(struct model *m)
{
	/* xorshift64: deterministic across libcs, fast enough for 10^6 steps under ASan. */
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

/* Stamps both ends of every page of the block, where a stray list write would land. */
static void stamp(struct pb_page *pg, unsigned order, uint64_t tag)
{
	for (size_t i = 0; i < (1UL << order); i++) {
		uint64_t *w = pb_page_address(pg + i);

		w[0] = tag + i;
		w[PB_PAGE_SIZE / 8 - 1] = ~(tag + i);
	}
}

static void check_stamp(struct pb_page *pg, unsigned order, uint64_t tag)
{
	for (size_t i = 0; i < (1UL << order); i++) {
		uint64_t *w = pb_page_address(pg + i);

		cr_assert_eq(w[0], tag + i, "page memory changed while held");
		cr_assert_eq(w[PB_PAGE_SIZE / 8 - 1], ~(tag + i), "page memory changed while held");
	}
}

static void model_alloc(struct model *m, unsigned order, uint64_t tag)
{
	struct pb_page *pg = pb_alloc_pages(m->f->z, order);
	size_t pfn;

	if (!pg) {
		m->nulls++;
		/* Only allowed when, after the failure path drained the pcp lists, no block fits. */
		for (unsigned o = order; o <= PB_MAX_ORDER; o++)
			cr_assert_eq(pb_zone_nr_free_blocks(m->f->z, o), 0,
				     "order %u failed with an order-%u block free", order, o);
		return;
	}
	pfn = pb_page_pfn(pg);
	cr_assert_eq(pfn & ((1UL << order) - 1), 0, "order-%u block at pfn %zu", order, pfn);
	cr_assert_leq(pfn + (1UL << order), m->f->ar.npages);
	cr_assert_eq(pb_page_count(pg), 1);
	cr_assert_eq(pg->order, order);
	for (size_t i = 0; i < (1UL << order); i++) {
		cr_assert_eq(m->held[pfn + i], 0, "pfn %zu handed out twice", pfn + i);
		m->held[pfn + i] = 1;
	}
	stamp(pg, order, tag);
	m->pg[m->n] = pg;
	m->ord[m->n] = (uint8_t)order;
	m->tag[m->n++] = tag;
}

static void model_free(struct model *m, size_t i)
{
	struct pb_page *pg = m->pg[i];
	unsigned order = m->ord[i];
	size_t pfn = pb_page_pfn(pg);

	check_stamp(pg, order, m->tag[i]);
	for (size_t k = 0; k < (1UL << order); k++)
		m->held[pfn + k] = 0;
	pb_free_pages(m->f->z, pg, order);
	m->n--;
	m->pg[i] = m->pg[m->n];
	m->ord[i] = m->ord[m->n];
	m->tag[i] = m->tag[m->n];
}

/*
 * @ops random steps: alloc (random order 0..3) or free (a random held block); returns how
 * many allocations failed.
 */
static size_t model_run(struct zfix *f, uint64_t seed, unsigned long ops)
{
	struct model m = { .f = f, .cap = f->ar.npages, .rng = seed | 1 };
	size_t held_pages = 0;

	m.held = calloc(f->ar.npages, 1);
	m.pg = calloc(m.cap, sizeof(*m.pg));
	m.ord = calloc(m.cap, 1);
	m.tag = calloc(m.cap, sizeof(*m.tag));
	cr_assert(m.held && m.pg && m.ord && m.tag);
	for (unsigned long step = 0; step < ops; step++) {
		uint64_t r = rnd(&m);

		/* Lean towards allocating so the zone regularly runs full. */
		if (m.n && (r & 0xff) < 115)
			model_free(&m, (size_t)((r >> 8) % m.n));
		else
			model_alloc(&m, (unsigned)((r >> 40) & 3), r ^ step);
	}
	for (size_t i = 0; i < m.n; i++)
		held_pages += 1UL << m.ord[i];
	cr_expect_eq(pb_zone_nr_free(f->z), f->ar.npages - held_pages);
	while (m.n)
		model_free(&m, m.n - 1);
	free(m.held);
	free(m.pg);
	free(m.ord);
	free(m.tag);
	return m.nulls;
}

Test(page_alloc, random_ops_against_model)
{
	struct zfix f;
	struct pb_stats st;

	/* 1500 pages: not a power of two, and small enough that exhaustion happens often. */
	zfix_init(&f, 1500, 16, 64, 3, 1);
	cr_expect_gt(model_run(&f, 0x9e3779b97f4a7c15ULL, 1000000), 0, "never ran out");
	st = zstats(f.z);
	cr_expect_geq(st.pa_alloc_calls, 500000);
	cr_expect_eq(st.pa_alloc_pages, st.pa_free_pages);
	cr_expect_gt(st.pa_alloc_calls, st.pa_alloc_pages / 16);
	expect_all_back(&f);
	zfix_fini(&f);

	/* The 2016 configuration: only order 0 on the pcp lists. */
	zfix_init(&f, 1024, 1, 1, 0, 1);
	cr_expect_gt(model_run(&f, 12345, 100000), 0, "never ran out");
	expect_all_back(&f);
	zfix_fini(&f);
}

struct thr_arg {
	struct pb_zone *z;
	unsigned cpu;
	int bad;
};

/* Each thread holds at most 64 blocks and checks its own stamps; the zone is shared. */
static void *thr_main(void *p)
{
	struct thr_arg *a = p;
	struct pb_page *pg[64];
	unsigned ord[64];
	unsigned n = 0;
	uint64_t rng = a->cpu * 0x9e3779b97f4a7c15ULL + 1;

	pb_cpu_set_id(a->cpu);
	for (int step = 0; step < 50000; step++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		if (n == 64 || (n && (rng & 1))) {
			unsigned i = (unsigned)(rng >> 8) % n;
			uint64_t *w = pb_page_address(pg[i]);

			if (w[0] != ((uint64_t)a->cpu << 48 | pb_page_pfn(pg[i])))
				a->bad++;
			pb_free_pages(a->z, pg[i], ord[i]);
			pg[i] = pg[--n];
			ord[i] = ord[n];
		} else {
			unsigned o = (unsigned)(rng >> 32) & 3;
			struct pb_page *p1 = pb_alloc_pages(a->z, o);

			if (!p1)
				continue;
			if (pb_page_count(p1) != 1 || (pb_page_pfn(p1) & ((1UL << o) - 1)))
				a->bad++;
			*(uint64_t *)pb_page_address(p1) = (uint64_t)a->cpu << 48 | pb_page_pfn(p1);
			pg[n] = p1;
			ord[n++] = o;
		}
	}
	while (n--)
		pb_free_pages(a->z, pg[n], ord[n]);
	return NULL;
}

Test(page_alloc, threads_share_one_zone)
{
	struct zfix f;
	struct thr_arg arg[4];
	pthread_t t[4];

	zfix_init(&f, 2048, 8, 32, 3, 4);
	for (unsigned i = 0; i < 4; i++) {
		arg[i] = (struct thr_arg){ .z = f.z, .cpu = i };
		cr_assert_eq(pthread_create(&t[i], NULL, thr_main, &arg[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(arg[i].bad, 0, "thread %u saw a bad page", i);
	}
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, buddy_backend)
{
	struct pb_alloc *a = TB_CREATE("buddy", "mem=4M", "order=2");
	struct pb_page *pages[8];
	struct pb_page *pg;

	cr_expect_eq(a->order, 2);
	pg = pb_alloc_page(a);
	cr_assert_not_null(pg);
	cr_expect_eq(pg->order, 2);
	cr_expect_eq(pb_page_pfn(pg) % 4, 0);
	cr_expect_eq(pb_alloc_bulk(a, pages, 8), 8);
	pb_alloc_free_bulk(a, pages, 8, true);
	pb_alloc_free(a, pg, false);
	tb_destroy_clean(a);
}

/* The 6.1 drain at high: batch << free_factor, doubling while frees go on, halved by an alloc. */
Test(page_alloc, free_factor_grows_the_drain_and_alloc_halves_it)
{
	struct zfix f;
	struct pb_zone_vmstat vs;
	static struct pb_page *pg[200];

	zfix_init(&f, 1024, 8, 32, 3, 1);
	for (int i = 0; i < 200; i++)
		cr_assert_not_null(pg[i] = pb_alloc_pages(f.z, 0));
	pb_zone_drain_local(f.z);
	for (int i = 0; i < 32; i++)
		pb_free_pages(f.z, pg[i], 0);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.pcp_count, 24, "first drain at high frees one batch");
	cr_expect_eq(vs.free_factor, 1);
	for (int i = 32; i < 40; i++)
		pb_free_pages(f.z, pg[i], 0);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.pcp_count, 16, "second drain frees batch << 1");
	cr_expect_eq(vs.free_factor, 2);
	for (int i = 40; i < 56; i++)
		pb_free_pages(f.z, pg[i], 0);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.pcp_count, 8, "third drain is clamped to high - batch");
	cr_expect_eq(vs.free_factor, 2, "no growth once clamped");
	pg[0] = pb_alloc_pages(f.z, 0);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.free_factor, 1, "an allocation halves free_factor");
	pb_free_pages(f.z, pg[0], 0);
	for (int i = 56; i < 200; i++)
		pb_free_pages(f.z, pg[i], 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* free_high: while free_factor is set, a high-order free empties the whole pcp. */
Test(page_alloc, free_high_drains_everything_on_high_order_free)
{
	struct zfix f;
	struct pb_zone_vmstat vs;
	static struct pb_page *pg[40];
	struct pb_page *o1;

	zfix_init(&f, 1024, 8, 32, 3, 1);
	for (int i = 0; i < 40; i++)
		cr_assert_not_null(pg[i] = pb_alloc_pages(f.z, 0));
	o1 = pb_alloc_pages(f.z, 1);
	cr_assert_not_null(o1);
	pb_zone_drain_local(f.z);
	for (int i = 0; i < 32; i++)
		pb_free_pages(f.z, pg[i], 0);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.free_factor, 1);
	cr_expect_gt(vs.pcp_count, 0);
	pb_free_pages(f.z, o1, 1);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.pcp_count, 0, "free_high must drain every pcp list");
	for (int i = 32; i < 40; i++)
		pb_free_pages(f.z, pg[i], 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* zone_highsize: max(low watermark / online CPUs, 4 x batch); 4.6: 6 x batch. */
Test(page_alloc, pcp_high_is_derived_like_the_kernel)
{
	struct zfix f;
	struct pb_zone_vmstat vs;
	unsigned long want;

	zfix_init(&f, 32768, 8, 0, 3, 1);	/* 128 MiB */
	pb_zone_vmstat(f.z, &vs);
	/* min_free_kbytes = sqrt(131072 KiB x 16) = 1448: 362 pages; low = 362 + 90 */
	cr_expect_eq(vs.watermark_min, 362);
	cr_expect_eq(vs.watermark_low, 452);
	cr_expect_eq(vs.watermark_high, 542);
	want = 452 / pb_nr_online_cpus();
	if (want < 32)
		want = 32;
	cr_expect_eq(vs.pcp_high, want);
	cr_expect_eq(vs.pcp_batch, 8);
	zfix_fini(&f);

	zfix_init(&f, 1024, 63, 0, 3, 1);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.pcp_high, 252, "a small zone's high is 4 x batch");
	zfix_fini(&f);

	zfix_init_k(&f, 1024, 63, 0, 0, 1, PB_KERNEL_2016, false);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.pcp_high, 378, "4.6: 6 x batch");
	zfix_fini(&f);
}

/* ZONE_RECLAIM_ACTIVE caps the pcp at 4 x batch (nr_pcp_high). */
Test(page_alloc, reclaim_active_caps_pcp_high)
{
	struct zfix f;
	struct pb_zone_vmstat vs;
	static struct pb_page *pg[100];

	zfix_init(&f, 1024, 8, 96, 3, 1);
	for (int i = 0; i < 100; i++)
		cr_assert_not_null(pg[i] = pb_alloc_pages(f.z, 0));
	pb_zone_drain_local(f.z);
	pb_zone_set_reclaim_active(f.z, true);
	for (int i = 0; i < 32; i++)
		pb_free_pages(f.z, pg[i], 0);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_lt(vs.pcp_count, 32, "the drain ran at 4 x batch, not at high");
	pb_zone_set_reclaim_active(f.z, false);
	for (int i = 32; i < 100; i++)
		pb_free_pages(f.z, pg[i], 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* PGALLOC, PGFREE and the NUMA counters count every page, in both profiles. */
static void check_counters(unsigned kernel)
{
	struct zfix f;
	struct pb_zone_vmstat vs;
	struct pb_page *pg[10];
	struct pb_page *big;

	zfix_init_k(&f, 4096, 8, 0, 0, 1, kernel, false);
	for (int r = 0; r < 5; r++) {
		for (int i = 0; i < 10; i++)
			cr_assert_not_null(pg[i] = pb_alloc_pages(f.z, 0));
		for (int i = 0; i < 10; i++)
			pb_free_pages(f.z, pg[i], 0);
	}
	big = pb_alloc_pages(f.z, 2);
	cr_assert_not_null(big);
	pb_free_pages(f.z, big, 2);
	pb_zone_vmstat(f.z, &vs);
	cr_expect_eq(vs.pgalloc, 54, "PGALLOC counts pages");
	cr_expect_eq(vs.pgfree, 54, "PGFREE counts pages");
	/* 6.1 counts NUMA events per request, 4.6 (__inc_zone_state) one per request too. */
	cr_expect_eq(vs.numa_hit, 51);
	cr_expect_eq(vs.numa_local, 51);
	cr_expect_eq(vs.numa_miss + vs.numa_foreign + vs.numa_other, 0);
	pb_zone_drain_all(f.z);
	/* NR_FREE_PAGES is the folded value: within the threshold of the truth. */
	cr_expect_leq(llabs(vs.nr_free_pages - (long long)(4096 - 0)) , 4096);
	zfix_fini(&f);
}

Test(page_alloc, vmstat_counters_61)
{
	check_counters(PB_KERNEL_6_1);
}

Test(page_alloc, vmstat_counters_2016)
{
	check_counters(PB_KERNEL_2016);
}

/* NR_FREE_PAGES folds per-CPU diffs at the threshold: never off by more than it. */
Test(page_alloc, nr_free_pages_folds_within_threshold)
{
	struct zfix f;
	struct pb_zone_vmstat vs;
	static struct pb_page *pg[500];

	zfix_init(&f, 4096, 8, 32, 3, 1);
	for (int i = 0; i < 500; i++) {
		cr_assert_not_null(pg[i] = pb_alloc_pages(f.z, 0));
		pb_zone_vmstat(f.z, &vs);
		/* buddy pages = truth; the drift is at most threshold (+ batch in flight) */
		cr_assert_leq(llabs(vs.nr_free_pages - (long long)buddy_pages(f.z)),
			      vs.stat_threshold, "drift %lld at %d",
			      vs.nr_free_pages - (long long)buddy_pages(f.z), i);
	}
	for (int i = 0; i < 500; i++)
		pb_free_pages(f.z, pg[i], 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* Only direct reclaim drains other CPUs' pcp lists; GFP_ATOMIC fails with pages parked there. */
Test(page_alloc, atomic_failure_does_not_drain_other_cpus)
{
	struct zfix f;
	static struct pb_page *pg[64];
	size_t n = 0;

	zfix_init(&f, 64, 4, 16, 3, 2);
	while (n < 64 && (pg[n] = pb_alloc_pages(f.z, 0)))
		n++;
	cr_assert_eq(n, 64);
	pb_cpu_set_id(1);
	for (int i = 0; i < 8; i++)
		pb_free_pages(f.z, pg[--n], 0);
	pb_cpu_set_id(0);
	cr_expect_eq(pb_zone_nr_free(f.z), 8);
	cr_expect_null(pb_alloc_pages(f.z, 0), "GFP_ATOMIC drained another CPU's pcp list");
	cr_expect_eq(pcp_pages(f.z), 8);
	pg[n] = pb_alloc_pages_gfp(f.z, PB_GFP_KERNEL | PB_GFP_MEMALLOC, 0);
	cr_expect_not_null(pg[n], "direct reclaim drains every pcp list");
	/* CPU 1's 8 pages merged back; what is left is CPU 0's own refill (batch - 1). */
	cr_expect_eq(pcp_pages(f.z), 3);
	n++;
	while (n)
		pb_free_pages(f.z, pg[--n], 0);
	pb_cpu_set_id(1);
	pb_zone_drain_local(f.z);
	pb_cpu_set_id(0);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* Below the low watermark only __GFP_MEMALLOC gets pages, and they carry the pfmemalloc mark. */
Test(page_alloc, reserves_are_marked_pfmemalloc)
{
	struct zfix f;
	struct pb_zone_vmstat vs;
	static struct pb_page *pg[1024];
	size_t n = 0, reserve = 0;

	zfix_init(&f, 1024, 8, 32, 3, 1);
	pb_zone_vmstat(f.z, &vs);
	while (n < 1024 && (pg[n] = pb_alloc_pages_gfp(f.z, PB_GFP_ATOMIC, 0)))
		n++;
	cr_expect_lt(n, 1024, "GFP_ATOMIC must stop at its watermark");
	cr_expect_gt(n, 1024 - vs.watermark_low - 8 * 2);
	for (size_t i = 0; i < n; i++)
		cr_expect_not(pg[i]->flags & PB_PG_RESERVE);
	while (n < 1024 && (pg[n] = pb_alloc_pages(f.z, 0))) {
		reserve += !!(pg[n]->flags & PB_PG_RESERVE);
		n++;
	}
	cr_expect_eq(n, 1024, "__GFP_MEMALLOC reaches every page");
	cr_expect_gt(reserve, 0);
	while (n)
		pb_free_pages(f.z, pg[--n], 0);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* init_on_alloc zeroes a recycled page; without it the old bytes come back. */
Test(page_alloc, init_on_alloc_zeroes_pages)
{
	for (int on = 0; on < 2; on++) {
		struct zfix f;
		struct pb_page *pg, *again;
		unsigned char *p;

		zfix_init_k(&f, 1024, 8, 32, 3, 1, PB_KERNEL_6_1, on);
		pg = pb_alloc_pages(f.z, 0);
		p = pb_page_address(pg);
		memset(p, 0xa5, PB_PAGE_SIZE);
		pb_free_pages(f.z, pg, 0);
		again = pb_alloc_pages(f.z, 0);
		cr_assert_eq(again, pg, "the pcp list is LIFO");
		p = pb_page_address(again);
		cr_expect_eq(p[0], on ? 0 : 0xa5);
		cr_expect_eq(p[PB_PAGE_SIZE - 1], on ? 0 : 0xa5);
		pb_free_pages(f.z, again, 0);
		expect_all_back(&f);
		zfix_fini(&f);
	}
}

/* prep_compound_page / free_tail_pages_check: tails point at the head and are cleared on free. */
Test(page_alloc, compound_pages_set_and_clear_tails)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 3, 1);
	pg = pb_alloc_pages(f.z, 2);
	cr_assert_not_null(pg);
	cr_expect(pg->flags & PB_PG_HEAD);
	for (int i = 1; i < 4; i++) {
		cr_expect_eq((uintptr_t)pg[i].next, (uintptr_t)pg | 1, "tail %d compound_head", i);
		cr_expect_not_null(pg[i].pp, "tail %d mapping", i);
	}
	cr_expect_eq(pg[1].order, 2, "compound_order in the first tail");
	cr_expect_eq(pb_atomic_read(&pg[1].frag_count), -1, "compound_mapcount");
	pb_free_pages(f.z, pg, 2);
	for (int i = 1; i < 4; i++) {
		cr_expect_null(pg[i].next);
		cr_expect_null(pg[i].pp);
	}
	cr_expect_not(pg->flags & PB_PG_HEAD);
	expect_all_back(&f);
	zfix_fini(&f);
}

Test(page_alloc, tail_with_reference_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct zfix f;
	struct pb_page *pg;

	zfix_init(&f, 1024, 8, 32, 3, 1);
	pg = pb_alloc_pages(f.z, 1);
	pb_atomic_set(&pg[1].refcount, 1);
	pb_free_pages(f.z, pg, 1);
}

/* The 2016 profile: order-0 pcp lists only; order > 0 always takes the zone lock. */
Test(page_alloc, profile_2016_has_order0_pcp_only)
{
	struct zfix f;
	struct pb_arena ar;
	struct pb_err err = { { 0 } };
	struct pb_zone_params bad = { .pcp_batch = 8, .pcp_high = 32, .pcp_max_order = 3,
				      .ncpus = 1, .kernel = PB_KERNEL_2016 };
	struct pb_page *pg;
	uint64_t locks;

	cr_assert_eq(pb_arena_init(&ar, 64, -1, false, &err), 0);
	cr_expect_null(pb_zone_create(&ar, &bad), "4.6 has no high-order pcp lists");
	pb_arena_fini(&ar);

	zfix_init_k(&f, 1024, 8, 0, 0, 1, PB_KERNEL_2016, false);
	pg = pb_alloc_pages(f.z, 1);
	pb_free_pages(f.z, pg, 1);
	locks = zstats(f.z).pa_zone_locks;
	pg = pb_alloc_pages(f.z, 1);
	pb_free_pages(f.z, pg, 1);
	cr_expect_eq(zstats(f.z).pa_zone_locks, locks + 2);
	expect_all_back(&f);
	zfix_fini(&f);
}

/* kernel= and init_on_alloc= through the parameter table. */
Test(page_alloc, kernel_params_are_checked)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("buddy");
	struct pb_params p = { 0 };
	struct pb_err err = { { 0 } };

	cr_assert_not_null(ops);
	cr_assert_eq(pb_params_add(&p, "kernel=2016", &err), 0);
	cr_expect_eq(pb_alloc_check_params(ops, &p, &err), 0, "%s", err.msg);
	cr_assert_eq(pb_params_add(&p, "init_on_alloc=on", &err), 0);
	cr_expect_eq(pb_alloc_check_params(ops, &p, &err), -1);
	cr_expect(strstr(err.msg, "init_on_alloc=on") != NULL, "%s", err.msg);
	memset(&p, 0, sizeof(p));
	cr_assert_eq(pb_params_add(&p, "kernel=2016", &err), 0);
	cr_assert_eq(pb_params_add(&p, "pcp_max_order=3", &err), 0);
	cr_expect_eq(pb_alloc_check_params(ops, &p, &err), -1);
	cr_expect(strstr(err.msg, "pcp_max_order=3") != NULL, "%s", err.msg);
	memset(&p, 0, sizeof(p));
	cr_assert_eq(pb_params_add(&p, "kernel=2017", &err), 0);
	cr_expect_eq(pb_alloc_check_params(ops, &p, &err), -1);
}

/* pcp->batch unset: zone_batchsize for a zone of 1 GiB or more, 63 on 6.1, 31 on 4.6 (which
 * capped the batch at half a megabyte), and pcp_high follows it (4.6: 6 x batch = 186). */
Test(page_alloc, pcp_batch_default_follows_the_kernel_profile)
{
	struct pb_alloc *a61 = TB_CREATE("buddy", "mem=4M");
	struct pb_alloc *a16 = TB_CREATE("buddy", "mem=4M", "kernel=2016");
	struct pb_alloc *aset = TB_CREATE("buddy", "mem=4M", "kernel=2016", "pcp_batch=63");
	struct pb_zone_vmstat vs;

	pb_zone_vmstat(a61->mem.zone, &vs);
	cr_expect_eq(vs.pcp_batch, 63);
	pb_zone_vmstat(a16->mem.zone, &vs);
	cr_expect_eq(vs.pcp_batch, 31);
	cr_expect_eq(vs.pcp_high, 186);
	pb_zone_vmstat(aset->mem.zone, &vs);
	cr_expect_eq(vs.pcp_batch, 63, "a pcp_batch= given is kept");
	tb_destroy_clean(a61);
	tb_destroy_clean(a16);
	tb_destroy_clean(aset);
}
