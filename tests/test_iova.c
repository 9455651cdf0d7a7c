/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOVA allocator against what the DMA model relies on: every range aligned to its size
 * and inside the domain, no two live ranges overlapping, top-down placement, failure exactly
 * when no aligned block is free (so the retry from the top must find holes above the hint),
 * freed space handed out again, and free() finding each live range exactly once. A long
 * random sequence is checked against a bitmap model after every step, which is where a
 * broken tree (a lost or misordered node after rebalancing) shows up.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iova.h"
#include "platform.h"

/* The small domain of most tests: [1, LIMIT], one bitmap word per 64 pfns. */
#define LIMIT 4096
#define WORDS (LIMIT / 64 + 1)

/* Used pfns of a domain [1, limit]; pfn 0 and everything above limit count as used. */
struct model {
	uint64_t w[WORDS];
};

static void model_init(struct model *m, uint64_t limit)
{
	memset(m, 0, sizeof(*m));
	m->w[0] = 1;
	for (uint64_t pfn = limit + 1; pfn < WORDS * 64; pfn++)
		m->w[pfn / 64] |= 1ull << (pfn % 64);
}

static bool model_test(const struct model *m, uint64_t pfn)
{
	return m->w[pfn / 64] >> (pfn % 64) & 1;
}

/* Marks [pfn, pfn + 2^order) used; fails the test if any of it already is. */
static void model_take(struct model *m, uint64_t pfn, unsigned order)
{
	for (uint64_t p = pfn; p < pfn + (1ull << order); p++) {
		cr_assert(!model_test(m, p), "pfn %lu handed out twice (range %lu order %u)",
			  (unsigned long)p, (unsigned long)pfn, order);
		m->w[p / 64] |= 1ull << (p % 64);
	}
}

static void model_release(struct model *m, uint64_t pfn, unsigned order)
{
	for (uint64_t p = pfn; p < pfn + (1ull << order); p++)
		m->w[p / 64] &= ~(1ull << (p % 64));
}

/* Whether an aligned block of 2^order (order <= 6) is free anywhere in the domain. */
static bool model_fits(const struct model *m, unsigned order)
{
	static const uint64_t starts[] = {
		~0ull, 0x5555555555555555ull, 0x1111111111111111ull, 0x0101010101010101ull,
		0x0001000100010001ull, 0x0000000100000001ull, 1ull,
	};

	for (unsigned i = 0; i < WORDS; i++) {
		uint64_t busy = m->w[i];

		/* Bit j of busy ends up set when any pfn in [j, j + 2^order) is used. */
		for (unsigned t = 0; t < order; t++)
			busy |= busy >> (1u << t);
		if (~busy & starts[order])
			return true;
	}
	return false;
}

static struct pb_iova_domain *domain(uint64_t start, uint64_t limit)
{
	struct pb_iova_domain *d = pb_iova_create(start, limit);

	cr_assert_not_null(d);
	cr_assert_eq(pb_iova_count(d), 0);
	return d;
}

/* Allocates and checks the range lies in [1, limit] aligned to its size; returns its pfn. */
static uint64_t alloc_ok(struct pb_iova_domain *d, unsigned order, uint64_t limit)
{
	uint64_t pfn = pb_iova_alloc(d, order);
	uint64_t size = 1ull << order;

	cr_assert_neq(pfn, 0, "order %u failed", order);
	cr_assert_eq(pfn & (size - 1), 0, "pfn %lu not aligned to order %u", (unsigned long)pfn, order);
	cr_assert_leq(pfn + size - 1, limit, "range at %lu order %u beyond the limit",
		      (unsigned long)pfn, order);
	return pfn;
}

Test(iova, first_allocation_is_highest_aligned_block)
{
	/* limit 1000: the top block of each order that still ends at or below 1000. */
	static const uint64_t want[] = { 1000, 998, 996, 992, 976, 960, 896, 768, 512 };

	for (unsigned o = 0; o < sizeof(want) / sizeof(want[0]); o++) {
		struct pb_iova_domain *d = domain(1, 1000);

		cr_expect_eq(pb_iova_alloc(d, o), want[o], "order %u", o);
		pb_iova_destroy(d);
	}
}

Test(iova, allocations_go_top_down)
{
	struct pb_iova_domain *d = domain(1, LIMIT);

	for (uint64_t want = LIMIT; want > LIMIT - 100; want--)
		cr_assert_eq(pb_iova_alloc(d, 0), want);
	/* An order-2 block goes below the lowest range, at the next aligned spot. */
	cr_assert_eq(pb_iova_alloc(d, 2), ((LIMIT - 99) - 4) & ~3ull);
	cr_assert_eq(pb_iova_count(d), 101);
	pb_iova_destroy(d);
}

Test(iova, order_zero_fills_exactly_the_domain)
{
	const uint64_t n = 1000;
	struct pb_iova_domain *d = domain(1, n);
	struct model m;

	model_init(&m, n);
	for (uint64_t i = 0; i < n; i++)
		model_take(&m, alloc_ok(d, 0, n), 0);
	cr_assert_eq(pb_iova_count(d), n);
	cr_assert_eq(pb_iova_alloc(d, 0), 0, "allocated beyond a full domain");
	cr_assert_eq(pb_iova_alloc(d, 0), 0);
	cr_assert_eq(pb_iova_count(d), n);
	pb_iova_destroy(d);
}

Test(iova, start_pfn_is_respected)
{
	struct pb_iova_domain *d = domain(100, 163);

	for (uint64_t want = 163; want >= 100; want--)
		cr_assert_eq(pb_iova_alloc(d, 0), want);
	cr_assert_eq(pb_iova_alloc(d, 0), 0);
	pb_iova_destroy(d);

	/* Aligned order-3 blocks in [100, 163]: 104, 112, ..., 152; 96 and 160 stick out. */
	d = domain(100, 163);
	for (uint64_t want = 152; want >= 104; want -= 8)
		cr_assert_eq(pb_iova_alloc(d, 3), want);
	cr_assert_eq(pb_iova_alloc(d, 3), 0);
	pb_iova_destroy(d);
}

Test(iova, aligned_blocks_fill_exactly)
{
	/* Order 2 in [1, 64]: starts 4, 8, ..., 60; 0 is outside and 64 runs past the limit. */
	struct pb_iova_domain *d = domain(1, 64);

	for (int i = 0; i < 15; i++)
		alloc_ok(d, 2, 64);
	cr_assert_eq(pb_iova_alloc(d, 2), 0);
	cr_assert_eq(pb_iova_count(d), 15);
	pb_iova_destroy(d);
}

Test(iova, oversized_orders_fail)
{
	struct pb_iova_domain *d = domain(1, 64);

	cr_assert_eq(pb_iova_alloc(d, 7), 0, "128 frames do not fit in 64");
	cr_assert_eq(pb_iova_alloc(d, 63), 0);
	cr_assert_eq(pb_iova_alloc(d, 64), 0);
	cr_assert_eq(pb_iova_alloc(d, 200), 0);
	cr_assert_eq(pb_iova_count(d), 0);
	/* A failure of a big order must not poison smaller ones. */
	cr_assert_eq(pb_iova_alloc(d, 5), 32);
	cr_assert_eq(pb_iova_alloc(d, 0), 31);
	pb_iova_destroy(d);
}

/*
 * Alignment leaves holes above the hint ([60, 61] here) that the walk down from the hint
 * cannot see: they must be found by the retry from the top, and only a full domain fails.
 */
Test(iova, retry_from_top_finds_holes_above_hint)
{
	struct pb_iova_domain *d = domain(1, 64);

	cr_assert_eq(pb_iova_alloc(d, 0), 64);
	cr_assert_eq(pb_iova_alloc(d, 1), 62);
	cr_assert_eq(pb_iova_alloc(d, 2), 56);
	for (uint64_t want = 52; want >= 4; want -= 4)
		cr_assert_eq(pb_iova_alloc(d, 2), want);
	cr_assert_eq(pb_iova_alloc(d, 2), 0);
	cr_assert_eq(pb_iova_alloc(d, 0), 3);
	cr_assert_eq(pb_iova_alloc(d, 0), 2);
	cr_assert_eq(pb_iova_alloc(d, 0), 1);
	cr_assert_eq(pb_iova_alloc(d, 0), 61);
	cr_assert_eq(pb_iova_alloc(d, 0), 60);
	cr_assert_eq(pb_iova_alloc(d, 0), 0);
	cr_assert_eq(pb_iova_count(d), 1 + 1 + 14 + 5);
	pb_iova_destroy(d);
}

Test(iova, free_above_hint_is_reused_first)
{
	struct pb_iova_domain *d = domain(1, LIMIT);

	for (uint64_t want = LIMIT; want > LIMIT - 10; want--)
		cr_assert_eq(pb_iova_alloc(d, 0), want);
	/* The hint is the lowest range, 4087; the hole at 4090 is above it. */
	cr_assert(pb_iova_free(d, 4090));
	cr_assert_eq(pb_iova_alloc(d, 0), 4090);
	cr_assert_eq(pb_iova_alloc(d, 0), 4086);
	/* Freeing the newest range (the hint itself) gives its space straight back. */
	cr_assert(pb_iova_free(d, 4086));
	cr_assert_eq(pb_iova_alloc(d, 0), 4086);
	cr_assert_eq(pb_iova_count(d), 11);
	pb_iova_destroy(d);
}

Test(iova, free_then_alloc_reuses_space_of_full_domain)
{
	const uint64_t n = 256;
	struct pb_iova_domain *d = domain(1, n);
	uint64_t freed[] = { 7, 100, 255, 1, 128 };
	uint64_t got = 0;	/* bit j: freed[j] came back */

	for (uint64_t i = 0; i < n; i++)
		alloc_ok(d, 0, n);
	cr_assert_eq(pb_iova_alloc(d, 0), 0);
	for (unsigned i = 0; i < 5; i++)
		cr_assert(pb_iova_free(d, freed[i]), "pfn %lu", (unsigned long)freed[i]);
	cr_assert_eq(pb_iova_count(d), n - 5);
	/* Exactly the freed frames come back, whatever the order. */
	for (unsigned i = 0; i < 5; i++) {
		uint64_t pfn = alloc_ok(d, 0, n);
		unsigned j;

		for (j = 0; j < 5 && freed[j] != pfn; j++)
			;
		cr_assert_lt(j, 5, "got %lu, which was never freed", (unsigned long)pfn);
		cr_assert(!(got & (1ull << j)), "got %lu twice", (unsigned long)pfn);
		got |= 1ull << j;
	}
	cr_assert_eq(pb_iova_alloc(d, 0), 0);
	pb_iova_destroy(d);
}

Test(iova, freed_pairs_merge_into_a_bigger_block)
{
	/* Two adjacent order-0 frees make an aligned order-1 hole; nothing else fits order 1. */
	const uint64_t n = 128;
	struct pb_iova_domain *d = domain(1, n);

	for (uint64_t i = 0; i < n; i++)
		alloc_ok(d, 0, n);
	cr_assert(pb_iova_free(d, 41));
	cr_assert_eq(pb_iova_alloc(d, 1), 0, "41 alone is not an order-1 block");
	cr_assert(pb_iova_free(d, 40));
	cr_assert_eq(pb_iova_alloc(d, 1), 40);
	cr_assert_eq(pb_iova_alloc(d, 0), 0);
	pb_iova_destroy(d);
}

Test(iova, free_of_unknown_pfn_fails)
{
	struct pb_iova_domain *d = domain(1, LIMIT);
	uint64_t a, b;

	cr_assert_not(pb_iova_free(d, 5), "free on an empty domain");
	a = pb_iova_alloc(d, 3);
	b = pb_iova_alloc(d, 0);
	cr_assert_not(pb_iova_free(d, 0));
	cr_assert_not(pb_iova_free(d, a + 1), "inside a range is not its start");
	cr_assert_not(pb_iova_free(d, a + 7));
	cr_assert_not(pb_iova_free(d, b - 1));
	cr_assert_not(pb_iova_free(d, LIMIT + 1));
	cr_assert_not(pb_iova_free(d, UINT64_MAX));
	cr_assert_eq(pb_iova_count(d), 2);
	cr_assert(pb_iova_free(d, a));
	cr_assert_not(pb_iova_free(d, a), "double free");
	cr_assert_eq(pb_iova_count(d), 1);
	cr_assert(pb_iova_free(d, b));
	cr_assert_not(pb_iova_free(d, b));
	cr_assert_eq(pb_iova_count(d), 0);
	pb_iova_destroy(d);
}

Test(iova, destroy_with_live_ranges)
{
	/* Thousands of live ranges over several node chunks: ASan's leak check judges this. */
	struct pb_iova_domain *d = domain(1, 1u << 20);

	for (int i = 0; i < 5000; i++)
		cr_assert_neq(pb_iova_alloc(d, i % 3), 0);
	cr_assert_eq(pb_iova_count(d), 5000);
	pb_iova_destroy(d);
}

Test(iova, large_domain_sequential_free_all)
{
	/* Many nodes inserted in descending order and removed in mixed order: rebalancing. */
	enum { N = 20000 };
	struct pb_iova_domain *d = domain(1, 1u << 20);
	static uint64_t pfn[N];

	for (int i = 0; i < N; i++)
		pfn[i] = alloc_ok(d, 0, 1u << 20);
	for (int i = 0; i < N; i += 2)
		cr_assert(pb_iova_free(d, pfn[i]));
	for (int i = N - 1; i > 0; i -= 2)
		cr_assert(pb_iova_free(d, pfn[i]));
	cr_assert_eq(pb_iova_count(d), 0);
	for (int i = 0; i < N; i++)
		cr_assert_not(pb_iova_free(d, pfn[i]));
	/* Empty again: the next allocation is the top block. */
	cr_assert_eq(pb_iova_alloc(d, 0), 1u << 20);
	pb_iova_destroy(d);
}

struct live {
	uint64_t pfn;
	unsigned order;
};

/* xorshift64*: reproducible without touching the libc generator other tests may use. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

Test(iova, random_sequence_matches_bitmap_model, .timeout = 60)
{
	struct pb_iova_domain *d = domain(1, LIMIT);
	static struct live live[LIMIT];
	struct model m;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t nlive = 0, fails = 0;

	model_init(&m, LIMIT);
	for (int op = 0; op < 200000; op++) {
		uint64_t r = rnd(&seed);
		/* Alternate phases that drift towards full and towards empty. */
		unsigned free_pct = (op / 5000) % 2 ? 65 : 35;

		if (nlive && r % 100 < free_pct) {
			size_t k = (r >> 8) % nlive;

			cr_assert(pb_iova_free(d, live[k].pfn), "live range %lu not found",
				  (unsigned long)live[k].pfn);
			model_release(&m, live[k].pfn, live[k].order);
			live[k] = live[--nlive];
		} else {
			unsigned order = (r >> 8) % 4;
			uint64_t pfn = pb_iova_alloc(d, order);

			if (!pfn) {
				cr_assert_not(model_fits(&m, order),
					      "order %u failed with an aligned block free", order);
				fails++;
			} else {
				cr_assert_eq(pfn & ((1ull << order) - 1), 0);
				model_take(&m, pfn, order);
				live[nlive++] = (struct live){ pfn, order };
			}
		}
		cr_assert_eq(pb_iova_count(d), nlive);
	}
	cr_assert_gt(fails, 100, "the sequence never got the domain full (%zu failures)", fails);
	/* Every live range is found exactly once, and nothing else is. */
	for (size_t i = 0; i < nlive; i++) {
		cr_assert(pb_iova_free(d, live[i].pfn));
		cr_assert_not(pb_iova_free(d, live[i].pfn));
		model_release(&m, live[i].pfn, live[i].order);
	}
	cr_assert_eq(pb_iova_count(d), 0);
	/* The whole domain is free again: it takes exactly LIMIT order-0 frames. */
	for (uint64_t i = 0; i < LIMIT; i++)
		model_take(&m, alloc_ok(d, 0, LIMIT), 0);
	cr_assert_eq(pb_iova_alloc(d, 0), 0);
	pb_iova_destroy(d);
}

/* --- the per-CPU range caches --- */

static struct pb_iova_stats istats(const struct pb_iova_domain *d)
{
	struct pb_iova_stats s;

	pb_iova_stats(d, &s);
	return s;
}

/* A map/unmap pair in the steady state: the tree is touched once, then never again. */
Test(iova, rcache_serves_repeated_pairs_without_the_tree)
{
	struct pb_iova_domain *d = domain(1, LIMIT);
	struct pb_iova_stats s;
	uint64_t first = 0;

	pb_cpu_set_id(0);
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t pfn = pb_iova_alloc_fast(d, 0);

		cr_assert_neq(pfn, 0);
		if (!i)
			first = pfn;
		cr_assert_eq(pfn, first, "pair %u got another pfn from the magazine", i);
		pb_iova_free_fast(d, pfn, 0);
	}
	s = istats(d);
	cr_assert_eq(s.tree_alloc, 1);
	cr_assert_eq(s.tree_free, 0, "a cached range went back to the tree");
	cr_assert_eq(s.rcache_hit, 999);
	cr_assert_eq(s.rcache_miss, 1);
	cr_assert_eq(s.rcache_insert, 1000);
	cr_assert_eq(pb_iova_count(d), 1, "a cached range stays allocated in the tree");
	cr_assert_eq(pb_iova_cached(d), 1);
	pb_iova_destroy(d);
}

/* Orders 0..5 (up to 32 pages) are cached; order 6 goes to the tree every time. */
Test(iova, sizes_above_32_pages_bypass_the_rcache)
{
	struct pb_iova_domain *d = domain(1, 1u << 16);
	struct pb_iova_stats s;

	pb_cpu_set_id(0);
	for (unsigned i = 0; i < 10; i++) {
		uint64_t a = pb_iova_alloc_fast(d, 5), b = pb_iova_alloc_fast(d, 6);

		cr_assert(a && b);
		pb_iova_free_fast(d, a, 5);
		pb_iova_free_fast(d, b, 6);
	}
	s = istats(d);
	cr_assert_eq(s.rcache_reject, 10);
	cr_assert_eq(s.rcache_hit, 9, "order 5 is cached");
	cr_assert_eq(s.tree_alloc, 1 + 10);
	cr_assert_eq(s.tree_free, 10);
	cr_assert_eq(pb_iova_cached(d), 1);
	pb_iova_destroy(d);
}

/*
 * Magazine rotation: 2 x 128 frees fill loaded and prev; every 128 more push a full
 * magazine to the depot, which takes 32; the next full one is emptied into the tree.
 * Allocating them all back takes the depot's magazines again and never the tree.
 */
Test(iova, magazines_rotate_through_the_depot_and_drain_when_it_is_full)
{
	/* Frees 257, 385, ... push 32 magazines; free 4353 finds the depot full and drains one. */
	enum { N = (2 + PB_IOVA_MAX_GLOBAL_MAGS + 1) * PB_IOVA_MAG_SIZE };
	struct pb_iova_domain *d = domain(1, 1u << 20);
	uint64_t *v = calloc(N, sizeof(*v));
	struct pb_iova_stats s;
	size_t cached;

	cr_assert_not_null(v);
	pb_cpu_set_id(0);
	for (unsigned i = 0; i < N; i++)
		cr_assert_neq(v[i] = pb_iova_alloc(d, 0), 0);
	for (unsigned i = 0; i < N; i++)
		pb_iova_free_fast(d, v[i], 0);
	s = istats(d);
	cr_assert_eq(s.depot_put, PB_IOVA_MAX_GLOBAL_MAGS, "depot_put %llu",
		     (unsigned long long)s.depot_put);
	cr_assert_eq(s.mag_drained, 1);
	cr_assert_eq(s.tree_free, PB_IOVA_MAG_SIZE, "the drained magazine went to the tree");
	cached = pb_iova_cached(d);
	cr_assert_eq(cached, N - PB_IOVA_MAG_SIZE);
	cr_assert_eq(pb_iova_count(d), cached);

	for (size_t i = 0; i < cached; i++)
		cr_assert_neq(pb_iova_alloc_fast(d, 0), 0);
	s = istats(d);
	cr_assert_eq(s.rcache_hit, cached);
	cr_assert_eq(s.depot_get, PB_IOVA_MAX_GLOBAL_MAGS);
	cr_assert_eq(s.tree_alloc, N, "the cached ranges came from the tree");
	cr_assert_eq(pb_iova_cached(d), 0);
	free(v);
	pb_iova_destroy(d);
}

/* Ranges another CPU cached are what a full tree lacks: alloc_fast flushes and retries. */
Test(iova, full_tree_flushes_other_cpus_caches_and_retries)
{
	struct pb_iova_domain *d = domain(1, 64);
	uint64_t v[64];

	pb_cpu_set_id(0);
	for (unsigned i = 0; i < 64; i++)
		cr_assert_neq(v[i] = pb_iova_alloc_fast(d, 0), 0);
	cr_assert_eq(pb_iova_alloc(d, 0), 0, "the domain is full");
	pb_cpu_set_id(1);
	for (unsigned i = 0; i < 64; i++)
		pb_iova_free_fast(d, v[i], 0);
	pb_cpu_set_id(0);
	cr_assert_eq(pb_iova_count(d), 64);
	cr_assert_neq(pb_iova_alloc_fast(d, 0), 0, "CPU 1's cached ranges were not reclaimed");
	cr_assert_eq(istats(d).rcache_flush, 1);
	cr_assert_eq(pb_iova_cached(d), 0);
	cr_assert_eq(pb_iova_count(d), 1);
	pb_iova_flush_rcaches(d);
	pb_iova_destroy(d);
}

/* Live and cached ranges never overlap, under a random mix of fast and tree calls. */
Test(iova, fast_and_tree_calls_never_hand_out_a_live_range, .timeout = 60)
{
	enum { STEPS = 20000, MAXH = 512 };
	struct pb_iova_domain *d = domain(1, LIMIT);
	struct { uint64_t pfn; unsigned order; } h[MAXH];
	struct model m;
	uint64_t s = 0x1234567;
	unsigned n = 0;

	model_init(&m, LIMIT);
	pb_cpu_set_id(0);
	for (unsigned step = 0; step < STEPS; step++) {
		if (n < MAXH && (n == 0 || rnd(&s) % 2)) {
			unsigned order = (unsigned)(rnd(&s) % 7);
			uint64_t pfn = pb_iova_alloc_fast(d, order);

			if (!pfn)
				continue;
			cr_assert_eq(pfn & ((1ull << order) - 1), 0);
			model_take(&m, pfn, order);
			h[n].pfn = pfn;
			h[n++].order = order;
		} else {
			unsigned i = (unsigned)(rnd(&s) % n);

			model_release(&m, h[i].pfn, h[i].order);
			pb_cpu_set_id((unsigned)(rnd(&s) % 3));
			pb_iova_free_fast(d, h[i].pfn, h[i].order);
			pb_cpu_set_id(0);
			h[i] = h[--n];
		}
	}
	cr_assert_eq(pb_iova_count(d) - pb_iova_cached(d), n);
	pb_iova_destroy(d);
}
