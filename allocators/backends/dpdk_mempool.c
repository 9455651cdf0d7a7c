// SPDX-License-Identifier: GPL-2.0-only
/*
 * dpdk_mempool: DPDK's rte_mempool with a per-lcore cache, the userspace packet-buffer pool
 * our designs must beat. Built only when pkg-config finds libdpdk.
 *
 * The pool is populated on this instance's arena, so the page descriptor of an object is
 * found by address arithmetic like every other backend's, and every object is one whole,
 * page-aligned 4 KiB page that is the caller's alone. rte_mempool keeps its object header
 * (struct rte_mempool_objhdr: the element list rte_mempool_free walks) in the header_size
 * bytes right before each object (rte_mempool_op_populate_helper puts obj = va + off +
 * header_size), so the header of the object at page P lives in the last 64 bytes of page
 * P - 1, which is no object: objects sit on every other page, and the pool takes two pages
 * per object. (With the header inside the page, as an mbuf has it, a caller writing its
 * buffer's bytes 40..63 corrupted the element list and destroy crashed in rte_mempool_free.)
 * Each object is populated by its own rte_mempool_populate_iova call, header and page
 * exactly, so no trailer pads the element and every block holds 2^(order-1) objects.
 *
 * dpdk_mempool_raw is the same pool without pagebench's page bookkeeping: rte_mempool_get /
 * rte_mempool_put in its own loop (raw_pairs), as a DPDK application calls them.
 * EAL can be initialised once per process: that one-time state is the only global here, and
 * it is DPDK's, not ours.
 */
#define _GNU_SOURCE	/* pthread_{get,set}affinity_np */
#include "allocator.h"
#include "buf_touch.h"
#include "direct.h"

#ifdef PB_HAVE_DPDK
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#define DPDK_HDR 64	/* header_size: sizeof(struct rte_mempool_objhdr) rounded to a cache line */
/* Objects a block of 2^order pages holds: its odd pages (the even ones carry the headers). */
#define DPDK_PER_BLOCK(order) ((order) ? 1u << ((order) - 1) : 0)

struct dpdk_peer {
	struct rte_mempool *mp;
	bool dma;			/* dma= maps (not none): tested once here, as dma.h asks */
	unsigned nblocks;		/* page-allocator blocks the objects live in */
	struct pb_page **block;
	unsigned *order;
};

static const struct pb_param_spec dpdk_params[] = {
	{ "cache", PB_PARAM_UINT, 0, 512, NULL, "256", "per-lcore cache entries (RTE_MEMPOOL_CACHE_MAX_SIZE 512)" },
	{ "objects", PB_PARAM_UINT, 64, 1u << 22, NULL, "8191",
	  "objects in the pool, two pages of mem= each (2^n - 1 is the efficient size for its ring)" },
	{ 0 },
};

static pthread_once_t eal_once = PTHREAD_ONCE_INIT;
static int eal_rc;
static char eal_err[160];

static void eal_init_once(void)
{
	char *argv[] = { "pagebench", "--no-huge", "--no-pci", "--no-shconf", "-l", "0", "-m", "64",
			 "--log-level=1", "--no-telemetry", NULL };
	cpu_set_t saved;

	/* EAL pins the calling thread to lcore 0's CPU; the harness placed it already. */
	pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
	optind = 0;	/* EAL parses with getopt: make it start afresh, whoever parsed before */
	eal_rc = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0]) - 1), argv);
	if (eal_rc < 0)
		snprintf(eal_err, sizeof(eal_err), "rte_eal_init failed: %s", rte_strerror(rte_errno));
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
}

/*
 * An object's descriptor and back, in @a's arena (where dpdk_populate put every object).
 * Every object starts a page, so its distance from the arena's base is a whole number of
 * pages and scales to its descriptor's distance from the descriptor array by one shift:
 * what page_to_virt / virt_to_page compute, without the separate pfn step whose shift
 * pair (pb_page_address's) gcc does not merge. Same result for every object of the pool.
 */
#define DPDK_DESC_SCALE (PB_PAGE_SIZE / sizeof(struct pb_page))
_Static_assert(PB_PAGE_SIZE % sizeof(struct pb_page) == 0, "descriptor size divides the page");

static inline struct pb_page *obj_to_page(struct pb_alloc *a, void *obj)
{
	size_t off = (size_t)((char *)obj - a->mem.arena.base);

	return (struct pb_page *)((char *)a->mem.arena.pages + off / DPDK_DESC_SCALE);
}

static inline void *page_to_obj(struct pb_alloc *a, struct pb_page *pg)
{
	size_t off = (size_t)((char *)pg - (char *)a->mem.arena.pages);

	return a->mem.arena.base + off * DPDK_DESC_SCALE;
}

/*
 * A thread EAL did not start has no lcore id and so no cache: give it one, once, and give it
 * back when the thread exits, as a DPDK application does (rte_thread_register at a thread's
 * start, rte_thread_unregister before it ends). Without the give-back every thread the
 * harness starts kept its lcore: after RTE_MAX_LCORE of them (the stress driver starts one
 * per life) rte_thread_register failed, and every later get and put of such a thread retried
 * it (a sysfs walk per call) and ran without a cache. A thread whose registration fails is
 * not retried: it runs cacheless, as DPDK documents for unregistered threads.
 */
static pthread_key_t lcore_key;
static pthread_once_t lcore_key_once = PTHREAD_ONCE_INIT;
static __thread bool lcore_tried;

static void dpdk_unregister_thread(void *unused)
{
	rte_thread_unregister();
}

static void lcore_key_create(void)
{
	pthread_key_create(&lcore_key, dpdk_unregister_thread);
}

static pb_noinline void dpdk_register_thread(void)
{
	lcore_tried = true;
	if (rte_lcore_id() != LCORE_ID_ANY || rte_thread_register())
		return;
	pthread_once(&lcore_key_once, lcore_key_create);
	pthread_setspecific(lcore_key, &lcore_tried);	/* non-NULL: the destructor runs */
}

static inline void dpdk_lcore(void)
{
	if (pb_unlikely(rte_lcore_id() == LCORE_ID_ANY) && !lcore_tried)
		dpdk_register_thread();
}

/*
 * The per-packet get and put, split as page_pool splits its own (__page_pool_get_cached
 * inline, __page_pool_alloc_pages_slow noinline): rte_mempool_get / rte_mempool_put are
 * always-inline functions that carry the cache refill (a ring dequeue of cache_size + 1) and
 * the flush (a ring enqueue of the whole cache) in their bodies. Inlined whole into an
 * out-of-line entry point, those calls and their live values make gcc save and restore five
 * callee-saved registers on every call, hit or miss (about 25 instructions a packet). So the
 * entry points test first what DPDK's code tests first (the lcore's cache, and whether it
 * can serve one object / take one more without crossing its flush threshold: the public
 * fields of struct rte_mempool_cache) and then call DPDK's own rte_mempool_generic_get /
 * _put with that cache, n = 1: gcc, knowing the test's answer, compiles the cache hit alone
 * inline. Every other case (no cache yet: the thread's first call, which registers it; a
 * cacheless thread; an empty cache to refill; a full one to flush) takes the noinline slow
 * path, which calls rte_mempool_get / rte_mempool_put unchanged. Same pool, same cache, same
 * objects in the same order as rte_mempool_get / rte_mempool_put: tests/test_peers.c
 * (dpdk_cache_is_lifo, dpdk_fast_path_is_rte_mempools_cache) holds it to that.
 */
static inline struct rte_mempool_cache *dpdk_cache(struct rte_mempool *mp)
{
	return rte_mempool_default_cache(mp, rte_lcore_id());
}

/*
 * The wrapped row: the get plus what every backend's page carries (the descriptor, its
 * reference, the device mapping). The buffer is the whole page. Each branch that calls out
 * (the slow get, the mapping) is a tail call, so the cache hit under dma=none needs no frame.
 */
static pb_noinline struct pb_page *dpdk_map_or_put(struct pb_alloc *a, struct pb_page *pg)
{
	struct dpdk_peer *d = a->priv;

	if (pb_unlikely(pb_dma_map(a->mem.dma, pg, 0))) {
		pb_tsan_release(pg);
		rte_mempool_put(d->mp, page_to_obj(a, pg));
		return NULL;
	}
	pb_atomic_set(&pg->refcount, 1);
	return pg;
}

/* The object @obj just taken from the pool, handed out as its page. */
static inline struct pb_page *dpdk_hand_out(struct pb_alloc *a, struct dpdk_peer *d, void *obj)
{
	struct pb_page *pg = obj_to_page(a, obj);

	pb_tsan_acquire(pg);	/* the ring's hand-off, inside DPDK where TSan cannot see it */
	if (d->dma)
		return dpdk_map_or_put(a, pg);
	pb_atomic_set(&pg->refcount, 1);
	return pg;
}

/* Everything but a cache hit: rte_mempool_get as DPDK ships it (registration first). */
static pb_noinline struct pb_page *dpdk_alloc_slow(struct pb_alloc *a)
{
	struct dpdk_peer *d = a->priv;
	void *obj;

	dpdk_lcore();
	if (pb_unlikely(rte_mempool_get(d->mp, &obj)))
		return NULL;
	return dpdk_hand_out(a, d, obj);
}

static struct pb_page *dpdk_alloc(struct pb_alloc *a)
{
	struct dpdk_peer *d = a->priv;
	struct rte_mempool_cache *c = dpdk_cache(d->mp);
	void *obj;

	if (pb_unlikely(!c || !c->len))
		return dpdk_alloc_slow(a);
	/* DPDK's own get, n = 1, from a cache that holds an object: gcc keeps the hit alone. */
	if (pb_unlikely(rte_mempool_generic_get(d->mp, &obj, 1, c)))
		return NULL;
	return dpdk_hand_out(a, d, obj);
}

/* Everything but a cache with room: rte_mempool_put as DPDK ships it (flush included). */
static pb_noinline void dpdk_put_slow(struct rte_mempool *mp, void *obj)
{
	dpdk_lcore();
	rte_mempool_put(mp, obj);
}

static inline void dpdk_put(struct rte_mempool *mp, void *obj)
{
	struct rte_mempool_cache *c = dpdk_cache(mp);

	if (pb_unlikely(!c || 1 > c->flushthresh || c->len + 1 > c->flushthresh))
		dpdk_put_slow(mp, obj);
	else	/* DPDK's own put, n = 1, into a cache below its flush threshold: no flush */
		rte_mempool_generic_put(mp, &obj, 1, c);
}

/*
 * DPDK is built without TSan: its ring's atomics order a put before the get that hands the
 * object out again, but only the annotations before each put tell TSan so.
 */
static pb_noinline void dpdk_unmap_and_put(struct pb_alloc *a, struct pb_page *pg)
{
	pb_dma_unmap(a->mem.dma, pg, 0);
	pb_tsan_release(pg);
	dpdk_put(((struct dpdk_peer *)a->priv)->mp, page_to_obj(a, pg));
}

static void dpdk_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct dpdk_peer *d = a->priv;

	PB_BUG_ON(pb_page_count(pg) != 1, "dpdk_mempool: object freed while still referenced");
	pb_atomic_set(&pg->refcount, 0);
	if (d->dma)
		return dpdk_unmap_and_put(a, pg);
	pb_tsan_release(pg);
	dpdk_put(d->mp, page_to_obj(a, pg));
}

PB_DIRECT_PAGES(dpdk_mempool, dpdk_alloc, dpdk_free);

static unsigned dpdk_alloc_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n)
{
	struct dpdk_peer *d = a->priv;
	void **objs = (void **)pages;	/* same size, converted in place */

	dpdk_lcore();
	if (rte_mempool_get_bulk(d->mp, objs, n))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		pages[i] = obj_to_page(a, objs[i]);
		pb_tsan_acquire(pages[i]);	/* as in dpdk_alloc */
		if (pb_unlikely(pb_dma_map(a->mem.dma, pages[i], 0))) {
			/* pages[] and objs[] share storage: slots above i still hold objects. */
			pb_tsan_release(pages[i]);
			for (unsigned j = i + 1; j < n; j++)
				pb_tsan_release(obj_to_page(a, objs[j]));
			rte_mempool_put_bulk(d->mp, objs + i + 1, n - i - 1);
			rte_mempool_put(d->mp, page_to_obj(a, pages[i]));
			return i;
		}
		pb_atomic_set(&pages[i]->refcount, 1);
	}
	return n;
}

static void dpdk_free_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n, bool direct)
{
	struct dpdk_peer *d = a->priv;
	void **objs = (void **)pages;

	dpdk_lcore();
	for (unsigned i = 0; i < n; i++) {
		struct pb_page *pg = pages[i];

		PB_BUG_ON(pb_page_count(pg) != 1, "dpdk_mempool: object freed while still referenced");
		pb_atomic_set(&pg->refcount, 0);
		pb_dma_unmap(a->mem.dma, pg, 0);
		pb_tsan_release(pg);	/* as in dpdk_free */
		objs[i] = page_to_obj(a, pg);
	}
	rte_mempool_put_bulk(d->mp, objs, n);
}

/* The raw row: the library alone, as a DPDK application calls it, touching what ours touch. */
static bool dpdk_raw_pairs(struct pb_alloc *a, uint64_t n, uint32_t touch)
{
	struct rte_mempool *mp = ((struct dpdk_peer *)a->priv)->mp;

	dpdk_lcore();
	for (uint64_t i = 0; i < n; i++) {
		void *obj;

		if (pb_unlikely(rte_mempool_get(mp, &obj)))
			return false;
		pb_buf_touch(obj, touch);
		rte_mempool_put(mp, obj);
	}
	return true;
}

/* Objects lent out: neither in the ring nor in an lcore cache (exact while nothing runs). */
static uint64_t dpdk_in_flight(struct dpdk_peer *d)
{
	return rte_mempool_in_use_count(d->mp);
}

static void dpdk_free_blocks(struct pb_alloc *a, struct dpdk_peer *d)
{
	for (unsigned i = 0; i < d->nblocks; i++) {
		/* The head page carries the first header and was never an object: drop its reference. */
		pb_atomic_set(&d->block[i]->refcount, 0);
		pb_free_pages_unref(a->mem.zone, d->block[i], d->order[i]);
	}
	free(d->block);
	free(d->order);
}

/* The order of the next block for @left objects still to place: the smallest that holds them. */
static unsigned dpdk_block_order(uint64_t left)
{
	unsigned order = 1;

	while (order < PB_MAX_ORDER && DPDK_PER_BLOCK(order) < left)
		order++;
	return order;
}

/* Pages of mem= a pool of @n objects takes, block by block as dpdk_populate takes them. */
static uint64_t dpdk_pages(uint64_t n)
{
	uint64_t pages = 0;

	while (n) {
		unsigned order = dpdk_block_order(n);
		uint64_t got = DPDK_PER_BLOCK(order);

		pages += 1ull << order;
		n -= got < n ? got : n;
	}
	return pages;
}

/*
 * Populates the pool block by block from the page allocator: in each block of 2^order
 * pages, the object at odd page 2j+1 with its header in the last DPDK_HDR bytes of page 2j.
 */
static int dpdk_populate(struct pb_alloc *a, struct dpdk_peer *d, unsigned n, struct pb_err *err)
{
	unsigned max = n / DPDK_PER_BLOCK(PB_MAX_ORDER) + 2, left = n;

	d->block = calloc(max, sizeof(*d->block));
	d->order = calloc(max, sizeof(*d->order));
	if (!d->block || !d->order)
		return pb_err_set(err, "dpdk_mempool: out of memory");
	while (left) {
		unsigned order = dpdk_block_order(left), per = DPDK_PER_BLOCK(order);
		char *base;
		struct pb_page *pg;

		/*
		 * dpdk_check made sure mem= holds every block: NULL here is a failure fail=
		 * injected (the only way DPDK's pool meets the page allocator's failures).
		 */
		pg = pb_alloc_pages(a->mem.zone, order);
		if (!pg || d->nblocks == max)
			return pb_err_set(err, "objects=%u: the page allocator gave no order-%u block for the pool "
					  "(block %u; fail= injects failures)", n, order, d->nblocks + 1);
		d->block[d->nblocks] = pg;
		d->order[d->nblocks++] = order;
		base = pb_page_address(pg);
		for (unsigned j = 0; j < per && left; j++, left--) {
			char *obj = base + ((size_t)(2 * j + 1) << PB_PAGE_SHIFT);
			int rc = rte_mempool_populate_iova(d->mp, obj - DPDK_HDR, RTE_BAD_IOVA,
							   DPDK_HDR + PB_PAGE_SIZE, NULL, NULL);

			if (rc != 1)
				return pb_err_set(err, "dpdk_mempool: populating the pool failed: %s",
						  rc < 0 ? rte_strerror(-rc) : "no object placed");
		}
	}
	return 0;
}

/*
 * rte_mempool_create_empty refuses a cache whose flush threshold (CALC_CACHE_FLUSHTHRESH:
 * cache_size x 1.5, truncated to an integer) is more than the pool's objects, and one above
 * RTE_MEMPOOL_CACHE_MAX_SIZE (the cache= bound already), both with EINVAL.
 */
static uint64_t dpdk_flushthresh(uint64_t cache)
{
	return cache * 3 / 2;
}

/* The largest cache= a pool of @n objects takes (the flush threshold's inverse). */
static uint64_t dpdk_max_cache(uint64_t n)
{
	uint64_t c = (2 * n + 1) / 3;

	while (c && dpdk_flushthresh(c) > n)
		c--;
	return c;
}

/*
 * Refuses exactly what dpdk_create cannot build, before anything is created: a cache the
 * objects cannot fill past its flush threshold, and a pool whose blocks (dpdk_pages, in
 * dpdk_populate's order) mem= does not hold. A fresh zone's free blocks are the binary
 * decomposition of mem=, and the blocks asked for are order-10 ones then one smaller, so the
 * page total decides: if the pages are there, a block of each order asked for is too.
 */
static int dpdk_check(const struct pb_params *p, struct pb_err *err)
{
	uint64_t n = pb_param_u64(p, dpdk_params, "objects");
	uint64_t cache = pb_param_u64(p, dpdk_params, "cache");
	uint64_t mem = pb_param_u64(p, pb_mem_params, "mem");
	uint64_t need = dpdk_pages(n) * PB_PAGE_SIZE;

	if (dpdk_flushthresh(cache) > n)
		return pb_err_set(err, "cache=%llu: rte_mempool needs objects >= 1.5 x cache (its flush threshold), "
				  "so at most cache=%llu with objects=%llu",
				  (unsigned long long)cache, (unsigned long long)dpdk_max_cache(n),
				  (unsigned long long)n);
	if (need > mem)
		return pb_err_set(err, "objects=%llu: %llu MiB of pages (two per object: its header sits outside it), more than mem=%s",
				  (unsigned long long)n, (unsigned long long)((need + (1 << 20) - 1) >> 20),
				  pb_param_str(p, pb_mem_params, "mem"));
	return 0;
}

/* The pool holds objects= buffers and no more; dpdk_check made sure mem= holds them. */
static uint64_t dpdk_capacity(const struct pb_params *p, char *why, size_t len)
{
	uint64_t n = pb_param_u64(p, dpdk_params, "objects");

	snprintf(why, len, "objects=%llu", (unsigned long long)n);
	return n;
}

static int dpdk_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	unsigned n = (unsigned)pb_param_u64(p, dpdk_params, "objects");
	unsigned cache = (unsigned)pb_param_u64(p, dpdk_params, "cache");
	struct dpdk_peer *d;
	char name[RTE_MEMPOOL_NAMESIZE];

	pthread_once(&eal_once, eal_init_once);
	if (eal_rc < 0)
		return pb_err_set(err, "dpdk_mempool: %s", eal_err);
	d = calloc(1, sizeof(*d));
	if (!d)
		return pb_err_set(err, "dpdk_mempool: out of memory");
	snprintf(name, sizeof(name), "pb%p", (void *)d);
	/*
	 * An element of exactly one page: 4096 is a multiple of the cache line, so
	 * rte_mempool_calc_obj_size adds no trailer, and NO_SPREAD adds no channel padding.
	 */
	d->mp = rte_mempool_create_empty(name, n, PB_PAGE_SIZE, cache, 0, SOCKET_ID_ANY,
					 RTE_MEMPOOL_F_NO_SPREAD | RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!d->mp) {
		pb_err_set(err, "dpdk_mempool: rte_mempool_create_empty: %s", rte_strerror(rte_errno));
		free(d);
		return -1;
	}
	if (d->mp->header_size != DPDK_HDR || d->mp->elt_size + d->mp->trailer_size != PB_PAGE_SIZE) {
		pb_err_set(err, "dpdk_mempool: this DPDK lays objects out as %u + %u + %u bytes, not %u + %lu",
			   d->mp->header_size, d->mp->elt_size, d->mp->trailer_size, DPDK_HDR, PB_PAGE_SIZE);
		goto fail;
	}
	if (rte_mempool_set_ops_byname(d->mp, "ring_mp_mc", NULL)) {
		pb_err_set(err, "dpdk_mempool: no ring_mp_mc mempool driver");
		goto fail;
	}
	if (dpdk_populate(a, d, n, err))
		goto fail;
	d->dma = pb_dma_mode(a->mem.dma) != PB_DMA_NONE;
	a->priv = d;
	a->order = 0;
	return 0;
fail:
	rte_mempool_free(d->mp);
	dpdk_free_blocks(a, d);
	free(d);
	return -1;
}

static uint64_t dpdk_destroy(struct pb_alloc *a)
{
	struct dpdk_peer *d = a->priv;
	uint64_t in_flight = dpdk_in_flight(d);

	if (in_flight)
		return in_flight;
	rte_mempool_free(d->mp);
	dpdk_free_blocks(a, d);
	free(d);
	a->priv = NULL;
	return 0;
}

static void dpdk_stats(struct pb_alloc *a, struct pb_stats *out)
{
	out->in_flight += dpdk_in_flight(a->priv);
}

const struct pb_alloc_ops pb_alloc_dpdk_mempool = {
	.name = "dpdk_mempool",
	.desc = "DPDK rte_mempool (ring_mp_mc) with a per-lcore cache, whole-page objects in our arena",
	.params = dpdk_params,
	.check = dpdk_check,
	.capacity = dpdk_capacity,
	.no_page_refs = true,
	.uncounted_atomics = "rte_mempool's ring compare-and-swaps happen inside DPDK",
	.create = dpdk_create,
	.destroy = dpdk_destroy,
	.alloc = dpdk_alloc,
	.free = dpdk_free,
	.alloc_bulk = dpdk_alloc_bulk,
	.free_bulk = dpdk_free_bulk,
	.stats = dpdk_stats,
};

const struct pb_alloc_ops pb_alloc_dpdk_mempool_raw = {
	.name = "dpdk_mempool_raw",
	.desc = "raw row: rte_mempool_get/put with the per-lcore cache in DPDK's own loop, same pool, no page bookkeeping",
	.params = dpdk_params,
	.check = dpdk_check,
	.no_page_refs = true,
	.uncounted_atomics = "rte_mempool's ring compare-and-swaps happen inside DPDK",
	.create = dpdk_create,
	.destroy = dpdk_destroy,
	.raw_pairs = dpdk_raw_pairs,
	.stats = dpdk_stats,
};

#else

/* The direct entry points the specialised loops name; never reached without an instance. */
static struct pb_page *dpdk_absent_alloc(struct pb_alloc *a)
{
	return NULL;
}

static void dpdk_absent_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
}

PB_DIRECT_PAGES(dpdk_mempool, dpdk_absent_alloc, dpdk_absent_free);

#define DPDK_ABSENT "libdpdk not found by pkg-config at build time (apt-get install libdpdk-dev)"

const struct pb_alloc_ops pb_alloc_dpdk_mempool = {
	.name = "dpdk_mempool",
	.desc = "DPDK rte_mempool with a per-lcore cache",
	.absent = DPDK_ABSENT,
};

const struct pb_alloc_ops pb_alloc_dpdk_mempool_raw = {
	.name = "dpdk_mempool_raw",
	.desc = "raw row: rte_mempool_get/put in DPDK's own loop",
	.absent = DPDK_ABSENT,
};

#endif
