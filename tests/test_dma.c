/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DMA-mapping model through its public API: what each mode does to dma_addr and to the
 * map/unmap counters, that IOMMU addresses are distinct and aligned like the kernel's, that
 * mapping bugs abort, that bad dma= values are rejected by name, and that two CPUs sharing
 * one IOMMU domain never receive the same IOVA. Nothing here is timed against a target:
 * fixed:NNN is checked for behaving like passthrough and for charging its cost once per
 * map/unmap pair (the wait counters), and waits only for lasting at least their length.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "allocator.h"
#include "dma.h"
#include "iova.h"
#include "page.h"
#include "params.h"
#include "support_backend.h"
#include "timing.h"

#define NPAGES 1024

struct dfix {
	struct pb_arena ar;
	struct pb_dma *d;
};

static void dfix_init(struct dfix *f, const char *mode, size_t npages)
{
	struct pb_err err = { { 0 } };

	pb_cpu_set_id(0);
	cr_assert_eq(pb_arena_init(&f->ar, npages, -1, false, &err), 0, "arena: %s", err.msg);
	f->d = pb_dma_create(mode, &f->ar, &err);
	cr_assert_not_null(f->d, "dma=%s: %s", mode, err.msg);
}

static void dfix_fini(struct dfix *f)
{
	pb_dma_destroy(f->d);
	pb_arena_fini(&f->ar);
}

static struct pb_stats dma_stats(const struct pb_dma *d)
{
	struct pb_stats s;

	memset(&s, 0, sizeof(s));
	pb_dma_stats(d, &s);
	return s;
}

Test(dma, none_maps_nothing)
{
	struct dfix f;
	struct pb_stats s;

	dfix_init(&f, "none", NPAGES);
	cr_assert_eq(pb_dma_mode(f.d), PB_DMA_NONE);
	for (size_t i = 0; i < 16; i++) {
		struct pb_page *pg = pb_pfn_to_page(&f.ar, i);

		cr_assert_eq(pb_dma_map(f.d, pg, 0), 0);
		cr_assert_eq(pg->dma_addr, 0);
	}
	cr_assert_eq(pb_dma_nr_mapped(f.d), 0);
	for (size_t i = 0; i < 16; i++)
		pb_dma_unmap(f.d, pb_pfn_to_page(&f.ar, i), 0);
	s = dma_stats(f.d);
	cr_assert_eq(s.dma_map, 0);
	cr_assert_eq(s.dma_unmap, 0);
	cr_assert_eq(pb_dma_nr_mapped(f.d), 0);
	dfix_fini(&f);
}

/* Maps pages 0..n-1 (every 8th page, order 3 where @mixed), checks counts, unmaps all. */
static void map_unmap_counts(const char *mode, enum pb_dma_mode want_mode, bool mixed)
{
	enum { N = 64 };
	struct dfix f;
	struct pb_stats s;

	dfix_init(&f, mode, NPAGES);
	cr_assert_eq(pb_dma_mode(f.d), want_mode, "dma=%s", mode);
	for (size_t i = 0; i < N; i++) {
		struct pb_page *pg = pb_pfn_to_page(&f.ar, i * 8);
		unsigned order = mixed ? i % 4 : 0;

		cr_assert_eq(pb_dma_map(f.d, pg, order), 0, "dma=%s map %zu", mode, i);
		cr_assert_neq(pg->dma_addr, 0, "dma=%s left dma_addr 0", mode);
		cr_assert_eq(pb_dma_nr_mapped(f.d), i + 1);
	}
	s = dma_stats(f.d);
	cr_assert_eq(s.dma_map, N);
	cr_assert_eq(s.dma_unmap, 0);
	for (size_t i = 0; i < N; i++) {
		struct pb_page *pg = pb_pfn_to_page(&f.ar, i * 8);

		pb_dma_unmap(f.d, pg, mixed ? i % 4 : 0);
		cr_assert_eq(pg->dma_addr, 0, "dma=%s: unmap left the address", mode);
		cr_assert_eq(pb_dma_nr_mapped(f.d), N - i - 1);
	}
	s = dma_stats(f.d);
	cr_assert_eq(s.dma_map, N);
	cr_assert_eq(s.dma_unmap, N);
	/* pb_dma_stats adds to what is there: the harness sums backend and device counters. */
	s.dma_map = 5;
	pb_dma_stats(f.d, &s);
	cr_assert_eq(s.dma_map, N + 5);
	dfix_fini(&f);
}

Test(dma, pt_maps_and_counts)
{
	map_unmap_counts("pt", PB_DMA_PT, false);
}

Test(dma, iommu_maps_and_counts)
{
	map_unmap_counts("iommu", PB_DMA_IOMMU, true);
}

Test(dma, fixed_maps_like_pt)
{
	struct dfix pt, fx;

	map_unmap_counts("fixed:2000", PB_DMA_FIXED, false);
	map_unmap_counts("fixed:0", PB_DMA_FIXED, false);
	/* Same address arithmetic as passthrough for the same page. */
	dfix_init(&pt, "pt", 16);
	dfix_init(&fx, "fixed:2000", 16);
	for (size_t i = 0; i < 16; i++) {
		struct pb_page *a = pb_pfn_to_page(&pt.ar, i), *b = pb_pfn_to_page(&fx.ar, i);

		cr_assert_eq(pb_dma_map(pt.d, a, 0), 0);
		cr_assert_eq(pb_dma_map(fx.d, b, 0), 0);
		cr_assert_eq(a->dma_addr, b->dma_addr, "page %zu", i);
		cr_assert_eq(a->dma_addr % PB_PAGE_SIZE, 0);
	}
	for (size_t i = 0; i < 16; i++) {
		pb_dma_unmap(pt.d, pb_pfn_to_page(&pt.ar, i), 0);
		pb_dma_unmap(fx.d, pb_pfn_to_page(&fx.ar, i), 0);
	}
	cr_assert_eq(pb_dma_nr_mapped(fx.d), 0);
	dfix_fini(&pt);
	dfix_fini(&fx);
}

Test(dma, pt_addresses_are_distinct_per_page)
{
	struct dfix f;

	dfix_init(&f, "pt", NPAGES);
	for (size_t i = 0; i < NPAGES; i++)
		cr_assert_eq(pb_dma_map(f.d, pb_pfn_to_page(&f.ar, i), 0), 0);
	for (size_t i = 1; i < NPAGES; i++)
		cr_assert_eq(pb_pfn_to_page(&f.ar, i)->dma_addr,
			     pb_pfn_to_page(&f.ar, i - 1)->dma_addr + PB_PAGE_SIZE);
	for (size_t i = 0; i < NPAGES; i++)
		pb_dma_unmap(f.d, pb_pfn_to_page(&f.ar, i), 0);
	dfix_fini(&f);
}

struct range {
	uint64_t lo, hi;
};

static int cmp_range(const void *a, const void *b)
{
	uint64_t x = ((const struct range *)a)->lo, y = ((const struct range *)b)->lo;

	return x < y ? -1 : x > y;
}

Test(dma, iommu_addresses_distinct_and_aligned)
{
	enum { N = 256 };
	struct dfix f;
	struct range r[N];
	uint64_t top;

	/* The tree alone, strict: the freed top frame is free again at once (no cache, no queue). */
	dfix_init(&f, "iommu:strict:iotlb=0:rcache=off", N * 8);
	for (size_t i = 0; i < N; i++) {
		struct pb_page *pg = pb_pfn_to_page(&f.ar, i * 8);
		unsigned order = i % 4;
		uint64_t bytes = PB_PAGE_SIZE << order;

		cr_assert_eq(pb_dma_map(f.d, pg, order), 0);
		cr_assert_eq(pg->dma_addr % bytes, 0, "order %u mapped at %#lx", order,
			     (unsigned long)pg->dma_addr);
		/* The domain models a 32-bit device: nothing at or above 4 GiB. */
		cr_assert_leq(pg->dma_addr + bytes, 4ull << 30, "%#lx", (unsigned long)pg->dma_addr);
		r[i].lo = pg->dma_addr;
		r[i].hi = pg->dma_addr + bytes - 1;
	}
	top = r[0].lo;
	/* Sorted by start, each range must end before the next begins. */
	qsort(r, N, sizeof(r[0]), cmp_range);
	for (size_t i = 1; i < N; i++)
		cr_assert_gt(r[i].lo, r[i - 1].hi, "IOVA %#lx overlaps the range at %#lx",
			     (unsigned long)r[i].lo, (unsigned long)r[i - 1].lo);
	cr_assert_eq(r[N - 1].lo, top, "the first mapping should get the highest IOVA");
	for (size_t i = 0; i < N; i++)
		pb_dma_unmap(f.d, pb_pfn_to_page(&f.ar, i * 8), i % 4);
	cr_assert_eq(pb_dma_nr_mapped(f.d), 0);
	/* Freed IOVAs are handed out again rather than leaked: the top frame comes back. */
	cr_assert_eq(pb_dma_map(f.d, pb_pfn_to_page(&f.ar, 8), 0), 0);
	cr_assert_eq(pb_pfn_to_page(&f.ar, 8)->dma_addr, top);
	pb_dma_unmap(f.d, pb_pfn_to_page(&f.ar, 8), 0);
	dfix_fini(&f);
}

Test(dma, pt_map_of_mapped_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct dfix f;

	dfix_init(&f, "pt", 16);
	pb_dma_map(f.d, pb_pfn_to_page(&f.ar, 3), 0);
	pb_dma_map(f.d, pb_pfn_to_page(&f.ar, 3), 0);
}

Test(dma, iommu_map_of_mapped_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct dfix f;

	dfix_init(&f, "iommu", 16);
	pb_dma_map(f.d, pb_pfn_to_page(&f.ar, 3), 0);
	pb_dma_map(f.d, pb_pfn_to_page(&f.ar, 3), 0);
}

Test(dma, pt_unmap_of_unmapped_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct dfix f;

	dfix_init(&f, "pt", 16);
	pb_dma_unmap(f.d, pb_pfn_to_page(&f.ar, 3), 0);
}

Test(dma, iommu_unmap_of_unmapped_page_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct dfix f;

	dfix_init(&f, "iommu", 16);
	pb_dma_unmap(f.d, pb_pfn_to_page(&f.ar, 3), 0);
}

Test(dma, iommu_double_unmap_aborts, .signal = SIGABRT, .init = pb_test_expect_bug)
{
	struct dfix f;
	struct pb_page *pg;
	uint64_t addr;

	dfix_init(&f, "iommu", 16);
	pg = pb_pfn_to_page(&f.ar, 3);
	pb_dma_map(f.d, pg, 0);
	addr = pg->dma_addr;
	pb_dma_unmap(f.d, pg, 0);
	/* A stale copy of the address: the IOMMU no longer has that range. */
	pg->dma_addr = addr;
	pb_dma_unmap(f.d, pg, 0);
}

Test(dma, check_accepts_valid_values)
{
	static const char *const ok[] = { "none", "pt", "iommu", "fixed:0", "fixed:2000",
					  "fixed:1000000", "iommu:strict", "iommu:lazy",
					  "iommu:strict:iotlb=0", "iommu:iotlb=1000000:rcache=off",
					  "iommu:rcache=on:lazy" };
	struct pb_err err = { { 0 } };
	struct pb_dma_cfg c;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert_eq(pb_dma_check(ok[i], &err), 0, "%s: %s", ok[i], err.msg);
	cr_assert_eq(pb_dma_parse("fixed:2000", &c, &err), 0);
	cr_assert_eq(c.mode, PB_DMA_FIXED);
	cr_assert_eq(c.fixed_ns, 2000);
	/* The kernel's defaults: lazy (Debian's CONFIG_IOMMU_DEFAULT_DMA_LAZY), rcaches on. */
	cr_assert_eq(pb_dma_parse("iommu", &c, &err), 0);
	cr_assert_eq(c.mode, PB_DMA_IOMMU);
	cr_assert_not(c.strict);
	cr_assert(c.rcache);
	cr_assert_eq(c.iotlb_ns, PB_DMA_IOTLB_NS_DEFAULT);
	cr_assert_eq(pb_dma_parse("iommu:strict:iotlb=250:rcache=off", &c, &err), 0);
	cr_assert(c.strict);
	cr_assert_not(c.rcache);
	cr_assert_eq(c.iotlb_ns, 250);
}

Test(dma, check_rejects_bad_values_by_name)
{
	static const char *const bad[] = { "fixed:", "fixed:abc", "fixed:5000000", "bogus",
					   "fixed:12x", "fixed:-1", "", "IOMMU", "iommu:", "iommux",
					   "iommu:strictly", "iommu:iotlb=", "iommu:iotlb=5x",
					   "iommu:iotlb=2000000", "iommu:rcache=maybe", "iommu::lazy" };
	struct pb_err err;
	struct pb_arena ar;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		memset(&err, 0, sizeof(err));
		cr_assert_eq(pb_dma_check(bad[i], &err), -1, "dma=%s accepted", bad[i]);
		snprintf(want, sizeof(want), "dma=%s", bad[i]);
		cr_assert(strstr(err.msg, want), "error for %s does not name it: %s", bad[i], err.msg);
	}
	/* Creation refuses the same values rather than guessing a mode. */
	pb_cpu_set_id(0);
	cr_assert_eq(pb_arena_init(&ar, 16, -1, false, &err), 0, "%s", err.msg);
	cr_assert_null(pb_dma_create("fixed:abc", &ar, &err));
	cr_assert(strstr(err.msg, "fixed:abc"), "%s", err.msg);
	pb_arena_fini(&ar);
}

/* --- two CPUs on one IOMMU domain --- */

#define THREAD_OPS 100000
#define THREAD_SLOTS 64		/* pages each thread juggles; slot i uses 4 pages at 4 * i */
#define IOVA_PFNS (1u << 20)	/* the model's IOVA space: 4 GiB of frames */

static _Atomic uint64_t iova_busy[IOVA_PFNS / 64];
/* Both workers start together, or the first may be done before the second is running. */
static pthread_barrier_t start_line;

struct worker {
	struct pb_dma *d;
	struct pb_arena *ar;
	unsigned cpu;
	size_t first_page;
	uint64_t errors;	/* criterion asserts are not for helper threads */
	uint64_t maps;
};

/* Sets (or clears) the bits of an IOVA range; counts a bit that was already so. */
static void mark(struct worker *w, uint64_t pfn, unsigned order, bool set)
{
	for (uint64_t p = pfn; p < pfn + (1u << order); p++) {
		uint64_t bit = 1ull << (p % 64);
		uint64_t old;

		if (p >= IOVA_PFNS) {
			w->errors++;
			continue;
		}
		old = set ? atomic_fetch_or(&iova_busy[p / 64], bit)
			  : atomic_fetch_and(&iova_busy[p / 64], ~bit);
		if (!(old & bit) != set)
			w->errors++;
	}
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	bool mapped[THREAD_SLOTS] = { false };
	uint64_t seed = 0x1234567ull + w->cpu;

	pb_cpu_set_id(w->cpu);
	pthread_barrier_wait(&start_line);
	while (w->maps < THREAD_OPS && !w->errors) {
		unsigned slot, order;
		struct pb_page *pg;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		slot = (unsigned)(seed >> 33) % THREAD_SLOTS;
		order = slot % 3;
		pg = pb_pfn_to_page(w->ar, w->first_page + 4 * slot);
		if (!mapped[slot]) {
			if (pb_dma_map(w->d, pg, order)) {
				w->errors++;
				break;
			}
			mapped[slot] = true;
			if (pg->dma_addr % (PB_PAGE_SIZE << order))
				w->errors++;
			mark(w, pg->dma_addr >> PB_PAGE_SHIFT, order, true);
			w->maps++;
		} else {
			/* Clear first: once unmapped, the other CPU may be handed this IOVA. */
			mark(w, pg->dma_addr >> PB_PAGE_SHIFT, order, false);
			pb_dma_unmap(w->d, pg, order);
			mapped[slot] = false;
		}
	}
	for (unsigned slot = 0; slot < THREAD_SLOTS; slot++) {
		struct pb_page *pg = pb_pfn_to_page(w->ar, w->first_page + 4 * slot);

		if (!mapped[slot])
			continue;
		mark(w, pg->dma_addr >> PB_PAGE_SHIFT, slot % 3, false);
		pb_dma_unmap(w->d, pg, slot % 3);
	}
	return NULL;
}

Test(dma, iommu_two_cpus_never_share_an_iova, .timeout = 60)
{
	struct dfix f;
	struct worker w[2];
	pthread_t t[2];
	struct pb_stats s;

	dfix_init(&f, "iommu", 2 * 4 * THREAD_SLOTS);
	memset(iova_busy, 0, sizeof(iova_busy));
	cr_assert_eq(pthread_barrier_init(&start_line, NULL, 2), 0);
	for (unsigned i = 0; i < 2; i++) {
		w[i] = (struct worker){ .d = f.d, .ar = &f.ar, .cpu = i,
					.first_page = i * 4 * THREAD_SLOTS };
		cr_assert_eq(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_line);
	for (unsigned i = 0; i < 2; i++) {
		cr_expect_eq(w[i].errors, 0, "cpu %u saw %lu duplicate or bad IOVAs", i,
			     (unsigned long)w[i].errors);
		cr_expect_eq(w[i].maps, THREAD_OPS, "cpu %u mapped only %lu", i,
			     (unsigned long)w[i].maps);
	}
	cr_assert_eq(pb_dma_nr_mapped(f.d), 0);
	s = dma_stats(f.d);
	cr_assert_eq(s.dma_map, w[0].maps + w[1].maps);
	cr_assert_eq(s.dma_unmap, s.dma_map);
	for (size_t i = 0; i < IOVA_PFNS / 64; i++)
		cr_assert_eq(iova_busy[i], 0, "IOVA bits left set at word %zu", i);
	dfix_fini(&f);
}

/* --- through a backend --- */

Test(dma, buddy_backend_balances_maps_and_unmaps)
{
	enum { N = 1000 };
	struct pb_alloc *a = TB_CREATE("buddy", "dma=iommu", "mem=8M");
	struct pb_page *pages[N];
	struct pb_stats s;
	unsigned n;

	cr_assert_eq(pb_dma_mode(a->mem.dma), PB_DMA_IOMMU);
	for (n = 0; n < N; n++) {
		pages[n] = pb_alloc_page(a);
		if (!pages[n])
			break;
	}
	cr_assert_gt(n, 0);
	for (unsigned i = 0; i < n; i++)
		pb_alloc_free(a, pages[i], i % 2);
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, s.dma_unmap, "map %lu unmap %lu", (unsigned long)s.dma_map,
		     (unsigned long)s.dma_unmap);
	cr_assert_eq(pb_dma_nr_mapped(a->mem.dma), 0);
	tb_destroy_clean(a);
}

/* --- the IOMMU's costs: IOVA caches, IOTLB invalidation, flush queues, syncs --- */

static struct pb_dma_counters dcount(const struct pb_dma *d)
{
	struct pb_dma_counters c;

	pb_dma_counters(d, &c);
	return c;
}

static struct pb_iova_stats dma_iova_stats(const struct pb_dma *d)
{
	struct pb_iova_stats s;

	pb_iova_stats(pb_dma_iova(d), &s);
	return s;
}

/* Map/unmap pairs of one page, @n times; returns the counters. */
static struct pb_dma_counters pairs(struct dfix *f, unsigned order, unsigned n)
{
	struct pb_page *pg = pb_pfn_to_page(&f->ar, 0);

	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(pb_dma_map(f->d, pg, order), 0);
		pb_dma_unmap(f->d, pg, order);
	}
	return dcount(f->d);
}

Test(dma, strict_invalidates_at_every_unmap_and_frees_to_the_rcache)
{
	struct dfix f;
	struct pb_dma_counters c;
	struct pb_iova_stats s;

	dfix_init(&f, "iommu:strict:iotlb=0", 64);
	c = pairs(&f, 0, 1000);
	cr_assert_eq(c.iotlb_inv, 1000);
	cr_assert_eq(c.fq_queued, 0);
	s = dma_iova_stats(f.d);
	cr_assert_eq(s.tree_alloc, 1, "strict with rcaches: one tree allocation in all");
	cr_assert_eq(s.rcache_hit, 999);
	dfix_fini(&f);
}

Test(dma, rcache_off_takes_the_tree_and_its_lock_every_time)
{
	struct dfix f;
	struct pb_iova_stats s;

	dfix_init(&f, "iommu:strict:iotlb=0:rcache=off", 64);
	pairs(&f, 0, 1000);
	s = dma_iova_stats(f.d);
	cr_assert_eq(s.tree_alloc, 1000);
	cr_assert_eq(s.tree_free, 1000);
	cr_assert_eq(s.rcache_hit + s.rcache_insert, 0);
	dfix_fini(&f);
}

/*
 * queue_iova: a ring of 256 holds 255; the 256th unmap finds it full, invalidates the
 * domain once and frees the 255 waiting. So 1000 unmaps flush at the 256th, 511th and
 * 766th: 3 invalidations, 765 IOVAs freed, 235 still waiting.
 */
Test(dma, lazy_invalidates_once_per_full_flush_queue)
{
	struct dfix f;
	struct pb_dma_counters c;

	dfix_init(&f, "iommu:iotlb=0", 64);
	c = pairs(&f, 0, 1000);
	cr_assert_eq(c.fq_queued, 1000);
	cr_assert_eq(c.fq_full, 3);
	cr_assert_eq(c.iotlb_inv, 3);
	cr_assert_eq(c.fq_freed, 3 * (PB_DMA_FQ_SIZE - 1));
	/* The timer's work: one more invalidation, every queue emptied. */
	pb_dma_flush_queues(f.d);
	c = dcount(f.d);
	cr_assert_eq(c.iotlb_inv, 4);
	cr_assert_eq(c.fq_freed, 1000);
	dfix_fini(&f);
}

/* The point of the queue: an unmapped IOVA is not handed out again before its flush. */
Test(dma, lazy_never_reuses_an_iova_before_its_flush)
{
	enum { N = PB_DMA_FQ_SIZE - 1 };
	struct dfix f;
	struct pb_page *pg;
	uint64_t seen[N];

	dfix_init(&f, "iommu:iotlb=0", 64);
	pg = pb_pfn_to_page(&f.ar, 0);
	for (unsigned i = 0; i < N; i++) {
		cr_assert_eq(pb_dma_map(f.d, pg, 0), 0);
		seen[i] = pg->dma_addr;
		for (unsigned j = 0; j < i; j++)
			cr_assert_neq(seen[j], seen[i], "IOVA %#lx reused before any flush",
				      (unsigned long)seen[i]);
		pb_dma_unmap(f.d, pg, 0);
	}
	cr_assert_eq(dcount(f.d).iotlb_inv, 0);
	dfix_fini(&f);
}

/* The invalidation is waited, not counted only: 3 strict unmaps at 1 ms take >= 3 ms. */
Test(dma, strict_unmap_waits_the_iotlb_round_trip)
{
	struct dfix f;
	struct timespec t0, t1;
	int64_t ns;

	dfix_init(&f, "iommu:strict:iotlb=1000000", 64);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pairs(&f, 0, 3);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
	cr_assert_geq(ns, 2900000, "3 invalidations of 1 ms took %lld ns", (long long)ns);
	dfix_fini(&f);
}

/* dma_map_single of a piece of a page: every frame it touches, the in-page offset kept. */
Test(dma, range_maps_cover_the_frames_touched)
{
	struct dfix f;
	struct pb_page *pg;
	uint64_t a, b;

	dfix_init(&f, "iommu:strict:iotlb=0:rcache=off", 64);
	pg = pb_pfn_to_page(&f.ar, 8);
	cr_assert_eq(pb_dma_map_range(f.d, pg, 100, 1000, &a), 0);
	cr_assert_eq(a & (PB_PAGE_SIZE - 1), 100);
	cr_assert_eq(pb_iova_count(pb_dma_iova(f.d)), 1);
	/* 1536 bytes at 3072 cross into the next frame: a 2-frame, 2-aligned IOVA. */
	cr_assert_eq(pb_dma_map_range(f.d, pg, 3072, 1536, &b), 0);
	cr_assert_eq(b & (PB_PAGE_SIZE - 1), 3072);
	cr_assert_eq((b >> PB_PAGE_SHIFT) & 1, 0, "a 2-frame IOVA must be 2-aligned");
	cr_assert_eq(pg->dma_addr, 0, "a range map must leave the page's own mapping alone");
	cr_assert_eq(pb_dma_nr_mapped(f.d), 2);
	pb_dma_unmap_range(f.d, a, 1000);
	pb_dma_unmap_range(f.d, b, 1536);
	cr_assert_eq(pb_dma_nr_mapped(f.d), 0);
	cr_assert_eq(pb_iova_count(pb_dma_iova(f.d)), 0);
	dfix_fini(&f);
}

Test(dma, syncs_are_counted_except_in_mode_none)
{
	static const char *const modes[] = { "none", "pt", "iommu", "fixed:0" };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct dfix f;
		struct pb_page *pg;
		struct pb_dma_counters c;
		bool none = !strcmp(modes[i], "none");

		dfix_init(&f, modes[i], 16);
		pg = pb_pfn_to_page(&f.ar, 1);
		cr_assert_eq(pb_dma_map(f.d, pg, 0), 0);
		for (unsigned k = 0; k < 7; k++)
			pb_dma_sync_for_cpu(f.d, pg->dma_addr + 2048, 2048);
		for (unsigned k = 0; k < 5; k++)
			pb_dma_sync_for_device(f.d, pg->dma_addr, 2048);
		c = dcount(f.d);
		cr_assert_eq(c.sync_cpu, none ? 0 : 7, "%s", modes[i]);
		cr_assert_eq(c.sync_dev, none ? 0 : 5, "%s", modes[i]);
		pb_dma_unmap(f.d, pg, 0);
		dfix_fini(&f);
	}
}

/* Drivers pay the syncs where they do: halfpage per frame, page_pool with SYNC_DEV per recycle. */
Test(dma, halfpage_syncs_each_frame_for_cpu_and_device)
{
	struct pb_alloc *a = TB_CREATE("halfpage", "mem=8M", "rx_ring=4", "dma=pt");
	struct pb_dma_counters c;
	struct pb_buf b;

	for (unsigned i = 0; i < 100; i++) {
		cr_assert(pb_alloc_buf(a, &b));
		pb_free_buf(a, &b, true);
	}
	pb_dma_counters(a->mem.dma, &c);
	cr_assert_eq(c.sync_cpu, 100, "i40e_get_rx_buffer syncs every frame");
	/* Each slot's first page is posted once before its first frame: 4 more. */
	cr_assert_eq(c.sync_dev, 4 + 100, "i40e_alloc_rx_buffers syncs every posted buffer");
	cr_assert_eq(c.map, 4, "the ring's pages stay mapped");
	tb_destroy_clean(a);
}

Test(dma, page_pool_syncs_for_device_only_with_the_flag)
{
	struct pb_alloc *on = TB_CREATE("ptr_ring_pool", "mem=8M", "sync_dev=on", "dma=iommu");
	struct pb_alloc *off = TB_CREATE("ptr_ring_pool", "mem=8M", "dma=iommu");
	struct pb_alloc *none = TB_CREATE("ptr_ring_pool", "mem=8M", "sync_dev=on");
	struct pb_dma_counters c;
	struct pb_page *pg;

	for (unsigned i = 0; i < 50; i++) {
		pg = pb_alloc_page(on);
		pb_alloc_free(on, pg, true);
		pg = pb_alloc_page(off);
		pb_alloc_free(off, pg, true);
		pg = pb_alloc_page(none);
		pb_alloc_free(none, pg, true);
	}
	pb_dma_counters(on->mem.dma, &c);
	/* page_pool_dma_map syncs each of the 64 pages of the bulk refill, each recycle one more. */
	cr_assert_eq(c.sync_dev, 64 + 50, "sync_dev %llu", (unsigned long long)c.sync_dev);
	cr_assert_eq(c.sync_cpu, 0);
	pb_dma_counters(off->mem.dma, &c);
	cr_assert_eq(c.sync_dev, 0);
	pb_dma_counters(none->mem.dma, &c);
	cr_assert_eq(c.sync_dev, 0, "no device, nothing to sync");
	tb_destroy_clean(on);
	tb_destroy_clean(off);
	tb_destroy_clean(none);
}

/*
 * Each modelled latency is charged once where the kernel pays it, never per operation and
 * again per batch: a buddy alloc + free maps and unmaps once, so fixed:2000 charges 2000 ns
 * per packet (1000 at map, 1000 at unmap); strict charges one iotlb= per unmap; lazy one per
 * full flush queue (255 unmaps a CPU). And each wait lasts at least what it was asked for,
 * measured on the TSC around the wait itself (a lower bound: a wait spanning a preemption
 * lasts longer, which is the machine's, not the model's).
 */
static void check_wait_charges(const char *dma, unsigned n, uint64_t want_ns)
{
	struct pb_alloc *a = tb_create_v("buddy", (const char *const[]){ dma, "mem=8M", NULL });
	struct pb_dma_counters c;
	double tsc_per_ns = pb_tsc_calibrate() / 1e9;

	for (unsigned i = 0; i < n; i++)
		pb_alloc_free(a, pb_alloc_page(a), true);
	c = dcount(a->mem.dma);
	cr_assert_eq(c.map, n);
	cr_assert_eq(c.wait_ns, want_ns, "%s: %u packets charged %llu ns, expected %llu", dma, n,
		     (unsigned long long)c.wait_ns, (unsigned long long)want_ns);
	cr_assert_geq((double)c.wait_cycles, 0.95 * (double)want_ns * tsc_per_ns,
		      "%s: the waits took %llu TSC cycles for %llu ns", dma,
		      (unsigned long long)c.wait_cycles, (unsigned long long)want_ns);
	tb_destroy_clean(a);
}

Test(dma, fixed_charges_its_cost_once_per_map_unmap_pair)
{
	check_wait_charges("dma=fixed:2000", 500, 500 * 2000ull);
	check_wait_charges("dma=fixed:0", 500, 0);
}

Test(dma, strict_charges_one_invalidation_per_unmap)
{
	check_wait_charges("dma=iommu:strict:iotlb=1000", 500, 500 * 1000ull);
}

Test(dma, lazy_charges_one_invalidation_per_full_queue)
{
	/* 600 unmaps on one CPU: the queue fills at 256 entries and flushes; twice. */
	struct pb_alloc *a = TB_CREATE("buddy", "dma=iommu:lazy:iotlb=1000", "mem=8M");
	struct pb_dma_counters c;

	for (unsigned i = 0; i < 600; i++)
		pb_alloc_free(a, pb_alloc_page(a), true);
	c = dcount(a->mem.dma);
	cr_assert_eq(c.iotlb_inv, c.fq_full);
	cr_assert_geq(c.iotlb_inv, 2);
	cr_assert_leq(c.iotlb_inv, 3);
	cr_assert_eq(c.wait_ns, c.iotlb_inv * 1000);
	tb_destroy_clean(a);
}
