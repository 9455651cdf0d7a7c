// SPDX-License-Identifier: GPL-2.0-only
/*
 * The general-purpose peers, jemalloc and DPDK's rte_mempool, as backends: their buffers lie
 * in the instance's arena (so page descriptors are found by address), are distinct while held,
 * carry one reference, are mapped per buffer, and every page goes back to the page allocator
 * when the instance is destroyed. Their raw rows (jemalloc_raw, dpdk_mempool_raw: the library
 * in its own loop) touch their buffers as the loops do, take their memory where they say, run
 * only in alloc-free and are printed beside the wrapped rows.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
/*
 * A buffer from alloc_buf is the object, not the page: writing all of it must leave the
 * mempool's header alone. Regression (found by the stress driver): the default whole-page
 * buffer covered the header, and rte_mempool_free then crashed on the corrupted object list.
 */
Test(peers, dpdk_buffer_is_the_object_not_its_header)
{
	/* Each object is a whole page; its rte_mempool_objhdr sits at the end of the page before. */
	struct pb_alloc *a = PEER("dpdk_mempool", "mem=8M", "objects=511", "cache=32");
	static struct pb_buf b[511];

	for (unsigned i = 0; i < 511; i++) {
		cr_assert(pb_alloc_buf(a, &b[i]), "buffer %u", i);
		cr_assert_eq(b[i].offset, 0, "buffer %u is not its whole page", i);
		cr_assert_eq(b[i].len, PB_PAGE_SIZE, "buffer %u is not its whole page", i);
		memset((char *)pb_page_address(b[i].page) + b[i].offset, 0xa5, b[i].len);
	}
	for (unsigned i = 0; i < 511; i++)
		pb_free_buf(a, &b[i], i & 1);
	tb_destroy_clean(a);
}

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

/* One step of a get/put script: @n gets (n > 0) or puts of the newest -n held (n < 0). */
static void dpdk_script_step(struct pb_alloc *a, bool bulk_api, int n, struct pb_page **held,
			     unsigned *nheld, size_t *pfns, unsigned *npfns)
{
	for (; n > 0; n--) {
		struct pb_page *pg = NULL;

		if (bulk_api)
			cr_assert_eq(pb_alloc_bulk(a, &pg, 1), 1);
		else
			pg = pb_alloc_page(a);
		cr_assert_not_null(pg, "get %u", *npfns);
		pfns[(*npfns)++] = pb_page_pfn(pg);
		held[(*nheld)++] = pg;
	}
	for (; n < 0; n++) {
		struct pb_page *pg = held[--*nheld];

		if (bulk_api)
			pb_alloc_free_bulk(a, &pg, 1, true);
		else
			pb_alloc_free(a, pg, true);
	}
}

/*
 * The per-packet get and put (a cache hit inline, the rest in slow paths) walk rte_mempool's
 * cache exactly as DPDK's own calls do: the same script of gets and puts, crossing the
 * cache's refill (empty cache) and its flush (past cache x 1.5) several times, hands out the
 * same pages in the same order through alloc/free as through the bulk ops (rte_mempool_get_bulk
 * and rte_mempool_put_bulk, n = 1, DPDK's code unchanged) on an identical fresh pool.
 */
Test(peers, dpdk_fast_path_is_rte_mempools_cache)
{
	static const int script[] = { 100, -100, 70, -35, 120, -60, 1, -1, 49, -144, 10, -10 };
	static struct pb_page *held[2][256];
	static size_t pfns[2][512];
	unsigned nheld[2] = { 0 }, npfns[2] = { 0 };

	for (int api = 0; api < 2; api++) {
		struct pb_alloc *a = PEER("dpdk_mempool", "mem=8M", "objects=511", "cache=32");

		for (size_t s = 0; s < sizeof(script) / sizeof(script[0]); s++) {
			dpdk_script_step(a, api, script[s], held[api], &nheld[api], pfns[api], &npfns[api]);
			cr_assert_eq(tb_stats(a).in_flight, nheld[api], "step %zu", s);
		}
		cr_assert_eq(nheld[api], 0);
		tb_destroy_clean(a);
	}
	cr_assert_eq(npfns[0], npfns[1]);
	for (unsigned i = 0; i < npfns[0]; i++)
		cr_assert_eq(pfns[0][i], pfns[1][i], "get %u: page %zu through alloc, %zu through DPDK's bulk get",
			     i, pfns[0][i], pfns[1][i]);
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

/*
 * dpdk_mempool's check() refuses exactly the pools its create() cannot build (the stress run
 * found mem=7M,objects=1626 and caches of more than objects / 1.5 accepted, then failing in
 * create): around each boundary, create with the check bypassed succeeds iff check passes.
 */
Test(peers, dpdk_check_refuses_exactly_what_create_cannot_build)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("dpdk_mempool");
	static const struct { const char *mem; unsigned objects, cache; } cases[] = {
		{ "7M", 1626, 256 }, { "7M", 767, 0 }, { "7M", 768, 0 }, { "7M", 769, 0 },
		{ "4M", 511, 0 }, { "4M", 512, 0 }, { "4M", 513, 0 },
		{ "64M", 64, 512 }, { "64M", 64, 42 }, { "64M", 64, 43 }, { "64M", 64, 44 },
		{ "64M", 300, 256 }, { "64M", 300, 199 }, { "64M", 300, 200 }, { "64M", 300, 201 },
		{ "64M", 8191, 512 }, { "64M", 341, 227 }, { "64M", 341, 228 },
	};
	struct pb_alloc_ops nocheck;

	if (ops->absent)
		cr_skip_test("dpdk_mempool absent");
	nocheck = *ops;
	nocheck.check = NULL;
	pb_cpu_set_id(0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb_params p = { 0 };
		struct pb_err cerr = { { 0 } }, err = { { 0 } };
		char kv[3][40];
		struct pb_alloc *a;
		int checked;

		snprintf(kv[0], sizeof(kv[0]), "mem=%s", cases[i].mem);
		snprintf(kv[1], sizeof(kv[1]), "objects=%u", cases[i].objects);
		snprintf(kv[2], sizeof(kv[2]), "cache=%u", cases[i].cache);
		for (int k = 0; k < 3; k++)
			cr_assert_eq(pb_params_add(&p, kv[k], &err), 0, "%s", err.msg);
		checked = pb_alloc_check_params(ops, &p, &cerr);
		a = pb_alloc_create(&nocheck, &p, &err);
		cr_expect_eq(checked == 0, a != NULL, "%s,%s,%s: check %s (%s), create %s (%s)",
			     kv[0], kv[1], kv[2], checked ? "refuses" : "accepts", cerr.msg,
			     a ? "builds it" : "fails", err.msg);
		if (checked)	/* one line naming the parameter that decides */
			cr_expect(!strncmp(cerr.msg, cases[i].cache * 3 / 2 > cases[i].objects ?
					   "cache=" : "objects=", strlen("cache=")) && !strchr(cerr.msg, '\n'),
				  "%s", cerr.msg);
		if (a)
			tb_destroy_clean(a);
	}
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

/* --- the raw rows (issue 10 part 8): the library in its own loop, beside the wrapped row --- */

/* Pages of @a's arena whose first @touch bytes read as words each equal to @n. */
static unsigned pages_touched(struct pb_alloc *a, uint64_t n, uint32_t touch)
{
	unsigned hits = 0;

	for (size_t pfn = 0; pfn < a->mem.arena.npages; pfn++) {
		const char *p = a->mem.arena.base + (pfn << PB_PAGE_SHIFT);
		uint32_t i;

		for (i = 0; i < touch; i += 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w != n)
				break;
		}
		hits += i >= touch;
	}
	return hits;
}

/* raw_pairs touches the buffers it gets, and the LIFO cache gives it the same one each time. */
static void raw_touches_one_buffer(const char *name, const char *arena)
{
	struct pb_alloc *a = PEER(name, "mem=64M", arena);

	cr_assert_null(a->ops->alloc, "a raw row hands out nothing: it is the library's own loop");
	cr_assert_not_null(a->ops->raw_pairs);
	/* Warm: the first call may refill the cache from the ring or the arena (and zero nothing). */
	cr_assert(a->ops->raw_pairs(a, 1, 0));
	cr_assert(a->ops->raw_pairs(a, 5000, 64));
	cr_expect_eq(pages_touched(a, 5000, 64), 1, "%s: one buffer, touched 5000 times", name);
	cr_assert(a->ops->raw_pairs(a, 1000, 0), "touch=0");
	cr_expect_eq(pages_touched(a, 5000, 64), 1, "%s: touch=0 touched something", name);
	tb_destroy_clean(a);
}

Test(peers, dpdk_raw_touches_its_objects) { raw_touches_one_buffer("dpdk_mempool_raw", "cache=256"); }
Test(peers, jemalloc_raw_private_touches_its_buffers) { raw_touches_one_buffer("jemalloc_raw", "arena=private"); }

/* arena=default is jemalloc's own memory (flags 0): our arena is never asked for a page. */
Test(peers, jemalloc_raw_default_uses_jemallocs_memory)
{
	struct pb_alloc *a = PEER("jemalloc_raw", "mem=64M");
	size_t before = tb_zone_missing(a);

	cr_assert(a->ops->raw_pairs(a, 10000, 64));
	cr_expect_eq(tb_zone_missing(a), before, "arena=default took pages from our zone");
	cr_expect_eq(pages_touched(a, 10000, 64), 0);
	tb_destroy_clean(a);
}

/* arena=private makes the wrapped row's calls: its memory comes from our zone. */
Test(peers, jemalloc_raw_private_uses_our_arena)
{
	struct pb_alloc *a = PEER("jemalloc_raw", "mem=64M", "arena=private");
	size_t before = tb_zone_missing(a);

	cr_assert(a->ops->raw_pairs(a, 10000, 64));
	cr_expect_gt(tb_zone_missing(a), before, "arena=private did not take its memory from our zone");
	tb_destroy_clean(a);
}

/* Runs `pagebench ARGS` (stdout and stderr into @out); its exit status. */
static int pb_cli(char *out, size_t len, const char *args)
{
	const char *bin = getenv("PB_BIN");
	char cmd[512];
	size_t n;
	FILE *p;

	cr_assert(bin, "PB_BIN is not set");
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	p = popen(cmd, "r");
	cr_assert(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	return pclose(p);
}

/* Only alloc-free runs a raw row; with --alloc all the others skip it and say why. */
Test(peers, raw_rows_run_only_alloc_free)
{
	static char out[16384];
	int st;

	if (pb_alloc_find("dpdk_mempool_raw")->absent)
		cr_skip_test("dpdk_mempool absent");
	st = pb_cli(out, sizeof(out), "run --alloc dpdk_mempool_raw --workload outstanding --ops 1000 --reps 1");
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "exit %d: %s", st, out);
	cr_expect_not_null(strstr(out, "--workload outstanding: backend 'dpdk_mempool_raw' is its library's own alloc+free loop"),
			   "%s", out);
	st = pb_cli(out, sizeof(out), "run --alloc all --workload bulk --ops 2000 --reps 1 --batches 2 --no-baselines");
	cr_expect_eq(st, 0, "%s", out);
	cr_expect_not_null(strstr(out, "jemalloc_raw: "), "the skip list names the raw rows: %s", out);
}

/* The raw rows are printed right after their wrapped rows. */
Test(peers, raw_rows_sit_beside_the_wrapped_rows)
{
	static char out[16384];
	const char *je, *je_raw, *dp, *dp_raw;

	if (pb_alloc_find("dpdk_mempool_raw")->absent)
		cr_skip_test("dpdk_mempool absent");
	cr_assert_eq(pb_cli(out, sizeof(out),
			    "run --alloc all --workload alloc-free --ops 20000 --reps 1 --batches 2 --no-baselines"),
		     0, "%s", out);
	je = strstr(out, "\njemalloc ");
	je_raw = strstr(out, "\njemalloc_raw ");
	dp = strstr(out, "\ndpdk_mempool ");
	dp_raw = strstr(out, "\ndpdk_mempool_raw ");
	cr_assert(je && je_raw && dp && dp_raw, "%s", out);
	cr_expect_eq(strchr(je + 1, '\n'), je_raw, "jemalloc_raw is not the row after jemalloc:\n%s", out);
	cr_expect_eq(strchr(dp + 1, '\n'), dp_raw, "dpdk_mempool_raw is not the row after dpdk_mempool:\n%s", out);
}

/* One short-lived thread's life: with an lcore cache, the object it frees is the next it gets. */
static void *dpdk_one_life(void *arg)
{
	struct pb_alloc *a = arg;
	struct pb_page *p1 = pb_alloc_page(a), *p2;

	pb_alloc_free(a, p1, true);
	p2 = pb_alloc_page(a);
	pb_alloc_free(a, p2, true);
	return (void *)(uintptr_t)(p1 == p2);
}

/*
 * Threads the harness starts give their EAL lcore back when they exit (5123ea7): 300 lives
 * one after another, more than RTE_MAX_LCORE (128), each still gets a cache. Before, the
 * 128th and later threads could not register and ran from the pool's FIFO ring, where the
 * object freed is not the next one got.
 */
Test(peers, dpdk_threads_give_their_lcore_back)
{
	struct pb_alloc *a = PEER("dpdk_mempool", "mem=64M");

	for (int i = 0; i < 300; i++) {
		pthread_t t;
		void *cached;

		cr_assert_eq(pthread_create(&t, NULL, dpdk_one_life, a), 0);
		cr_assert_eq(pthread_join(t, &cached), 0);
		cr_assert(cached, "thread %d of 300 ran without an lcore cache", i + 1);
	}
	tb_destroy_clean(a);
}
