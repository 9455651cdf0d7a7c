// SPDX-License-Identifier: GPL-2.0-only
/*
 * urcu_stack: page_pool's local design with the remote return path swapped for liburcu's
 * lock-free stack, the "zero atomics vs amortised atomics" comparison point.
 *
 * The owning context works exactly as in ptr_ring_pool: a 128-entry cache it alone
 * touches, refills of 64, bulk refills from the page allocator, recycling only while the
 * pool holds the sole reference, in flight = hold - release. What differs is where a page
 * freed from another context goes: instead of a ptr_ring under a producer spinlock, it is
 * pushed onto a cds_lfs stack (cmpxchg, no lock), and the owner takes the whole stack
 * with one xchg (__cds_lfs_pop_all). The popped chain is already linked through the
 * pages, so the owner moves up to 64 of them into its cache and keeps the rest as a
 * private overflow chain that the next refills drain before they look at the stack again:
 * nothing popped is ever lost or returned early, and one xchg serves any number of pages.
 * Bounded like the ring it replaces: max_stack (default 1024, ptr_ring_pool's ring= and
 * page_pool's pool_size default) caps the pages parked for the owner (stack plus overflow),
 * and a remote return beyond it releases the page, as a full ptr_ring does. The bound is a
 * counter of its own, so it costs what a ring's bound does not: one more locked add per push
 * (claiming a place) and one per refill (giving back what the refill took), both counted.
 * max_stack=0 drops the bound and its atomics: liburcu's stack alone.
 * Pages stay DMA-mapped from the page allocator until they leave the pool.
 *
 * The link lives in pg->private_, so the stack needs no memory of its own. The owner is
 * the only popper, which is the single-consumer case the liburcu synchronisation table
 * allows for __cds_lfs_pop_all without RCU read-side sections or a mutex; pushes need no
 * synchronisation at all. destroy() pops too, so it must run in the owning context (or
 * with the owner stopped), as page_pool_destroy() runs after NAPI is disabled.
 *
 * Atomics: liburcu's uatomic ops are not pb_atomic_*, so they are counted here by hand,
 * one per locked instruction: one per pop_all (xchg) and, per push, the cmpxchg attempts
 * that the push's result proves (the bound's counter is a pb_atomic_t, counted as every
 * other). liburcu 0.13's push first guesses the stack is empty
 * (cmpxchg against NULL) and retries with the head it read, so a push onto an empty stack
 * is one cmpxchg and a push onto a non-empty one is two. Further retries from contention
 * cannot be seen from outside and are not counted: the count is exact when uncontended
 * and a lower bound otherwise.
 *
 * Cost the counter does not show: popped pages form a chain whose links each sit in a
 * struct page last written by the remote CPU, so a refill walks dependent cache misses
 * where ptr_ring reads a contiguous array of pointers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/*
 * liburcu's inline stack ops (what _LGPL_SOURCE would select), so the measured path has no
 * library call, and liburcu-cds, which holds the out-of-line copies, need not be linked.
 * The inline push forms &NULL->node when the stack is empty (harmless, but UB that this
 * build's UBSan traps), so it is declared uninstrumented before its definition is seen.
 */
#include <urcu/lfstack.h>
static inline bool _cds_lfs_push(cds_lfs_stack_ptr_t u_s, struct cds_lfs_node *node)
	__attribute__((no_sanitize("undefined")));
#include <urcu/static/lfstack.h>
#include "allocator.h"
#include "direct.h"

#define US_CACHE_SIZE 128	/* as PP_ALLOC_CACHE_SIZE */
#define US_CACHE_REFILL 64	/* as PP_ALLOC_CACHE_REFILL */

_Static_assert(sizeof(struct cds_lfs_node) <= sizeof(((struct pb_page *)0)->private_),
	       "the stack link must fit pb_page.private_");
_Static_assert(_Alignof(struct cds_lfs_node) <= _Alignof(uint64_t),
	       "pb_page.private_ must be aligned for the stack link");

/* Recycle counters are per CPU slot: frees come from any CPU and must not share a line. */
struct us_recycle_stats {
	struct pb_stats s;
} pb_cacheline_aligned;

struct urcu_stack_pool {
	/* Owning context only: no lock, no atomic. */
	struct {
		unsigned count;
		struct pb_page *cache[US_CACHE_SIZE];
	} alloc pb_cacheline_aligned;
	struct cds_lfs_node *overflow;	/* popped, not yet in the cache */
	uint64_t hold_cnt;		/* pages_state_hold_cnt */
	struct pb_stats alloc_stats;

	/* Written by every remote return. */
	struct __cds_lfs_stack stack pb_cacheline_aligned;
	pb_atomic_t parked;		/* bounded only: pushed and not yet in the cache */

	pb_atomic64_t release_cnt pb_cacheline_aligned;	/* pages_state_release_cnt */
	struct us_recycle_stats recycle[PB_MAX_CPUS];

	/* Read-mostly, on a line of its own after the aligned array. */
	struct pb_zone *zone;
	struct pb_dma *dma;
	unsigned order;
	int32_t max_stack;		/* pages parked at most; 0: unbounded */
};

static const struct pb_param_spec us_params[] = {
	{ "order", PB_PARAM_UINT, 0, PB_MAX_ORDER, NULL, "0", "page order of the pool's pages" },
	{ "max_stack", PB_PARAM_UINT, 0, 1u << 20, NULL, "1024",
	  "pages parked for the owner (stack + overflow) before remote returns release, as "
	  "ptr_ring_pool's ring= (one counted atomic per push and per refill); 0: unbounded" },
	{ 0 },
};

static inline struct urcu_stack_pool *us_of(struct pb_alloc *a)
{
	return a->priv;
}

static inline struct cds_lfs_node *pg_node(struct pb_page *pg)
{
	return (struct cds_lfs_node *)&pg->private_;
}

static inline struct pb_page *node_pg(struct cds_lfs_node *node)
{
	return (struct pb_page *)((char *)node - offsetof(struct pb_page, private_));
}

/* The page leaves the pool for good, unmapped (page_pool_return_page). */
static void us_return_page(struct urcu_stack_pool *us, struct pb_page *pg, struct pb_stats *st)
{
	pb_page_flags_clear(pg, PB_PG_POOL);
	pg->pp = NULL;
	pb_dma_unmap(us->dma, pg, us->order);
	pb_atomic64_add(&us->release_cnt, 1);
	st->released++;
	pb_free_pages(us->zone, pg, us->order);
}

/* A fresh page from the page allocator joins the pool, mapped once for its whole stay. */
static bool us_take_new(struct urcu_stack_pool *us, struct pb_page *pg)
{
	if (pb_unlikely(pb_dma_map(us->dma, pg, us->order))) {
		pb_free_pages(us->zone, pg, us->order);
		return false;
	}
	pb_page_flags_add(pg, PB_PG_POOL);
	pg->pp = us;
	us->hold_cnt++;
	return true;
}

/*
 * Moves up to a refill's worth from the overflow chain, or, when that is empty, from the
 * whole stack taken in one xchg, into the empty cache.
 */
static pb_noinline struct pb_page *us_refill(struct urcu_stack_pool *us)
{
	struct cds_lfs_node *node = us->overflow;
	struct cds_lfs_head *head;
	unsigned n = 0;

	if (!node) {
		if (_cds_lfs_empty(&us->stack))
			return NULL;
		head = ___cds_lfs_pop_all(&us->stack);
		pb_count_atomic();	/* xchg */
		if (pb_unlikely(!head))
			return NULL;
		node = &head->node;
	}
	do {
		pb_tsan_acquire(node_pg(node));	/* us_push's release of this page */
		us->alloc.cache[n++] = node_pg(node);
		node = node->next;
	} while (node && n < US_CACHE_REFILL);
	us->overflow = node;
	if (us->max_stack)
		pb_atomic_add(&us->parked, -(int32_t)n);
	us->alloc_stats.alloc_refill++;
	us->alloc.count = n - 1;
	return us->alloc.cache[n - 1];
}

/* Go to the page allocator: a bulk of order-0 pages, or one high-order page. */
static pb_noinline struct pb_page *us_alloc_slow(struct urcu_stack_pool *us)
{
	struct pb_page *pg;
	unsigned n, i, got = 0;

	if (us->order) {
		pg = pb_alloc_pages(us->zone, us->order);
		if (!pg || !us_take_new(us, pg)) {
			us->alloc_stats.alloc_empty++;
			return NULL;
		}
		us->alloc_stats.alloc_slow++;
		return pg;
	}
	n = pb_alloc_pages_bulk(us->zone, US_CACHE_REFILL, us->alloc.cache);
	for (i = 0; i < n; i++)
		if (us_take_new(us, us->alloc.cache[i]))
			us->alloc.cache[got++] = us->alloc.cache[i];
	if (!got) {
		us->alloc_stats.alloc_empty++;
		return NULL;
	}
	us->alloc.count = got - 1;
	us->alloc_stats.alloc_slow++;
	return us->alloc.cache[got - 1];
}

static struct pb_page *us_alloc(struct pb_alloc *a)
{
	struct urcu_stack_pool *us = us_of(a);
	struct pb_page *pg;

	if (pb_likely(us->alloc.count)) {
		us->alloc_stats.alloc_fast++;
		return us->alloc.cache[--us->alloc.count];
	}
	pg = us_refill(us);
	if (pg)
		return pg;
	return us_alloc_slow(us);
}

/*
 * The bound: claims a parking place, exactly (a plain read turns pushers away cheaply once
 * full; the add_return settles races). One more atomic per push, which a ptr_ring's bound
 * (its slot test under the producer lock) does not pay.
 */
static inline bool us_park(struct urcu_stack_pool *us)
{
	if (pb_atomic_read(&us->parked) >= us->max_stack)
		return false;
	if (pb_likely(pb_atomic_add_return(&us->parked, 1) <= us->max_stack))
		return true;
	pb_atomic_add(&us->parked, -1);
	return false;
}

/* Hands @pg to the owner through the stack; after the push the page is the owner's. */
static inline void us_push(struct urcu_stack_pool *us, struct pb_page *pg, struct pb_stats *st)
{
	if (us->max_stack && !us_park(us)) {
		st->recycle_ring_full++;
		us_return_page(us, pg, st);
		return;
	}
	st->recycle_ring++;
	/*
	 * liburcu's cmpxchg is inline assembly TSan cannot see: the push publishes the page,
	 * with everything done to it so far, to the owner's pop (an xchg, a full barrier).
	 */
	pb_tsan_release(pg);
	pb_tsan_ignore_begin();
	/* One cmpxchg onto an empty stack, two onto a non-empty one (see the top of the file). */
	if (_cds_lfs_push(&us->stack, pg_node(pg)))
		pb_count_atomic();
	pb_tsan_ignore_end();
	pb_count_atomic();
}

/* Someone else still holds the page (or it is from the reserves): it leaves the pool. */
static pb_noinline void us_release_shared(struct urcu_stack_pool *us, struct pb_page *pg,
					  struct pb_stats *st)
{
	st->recycle_refcnt++;
	us_return_page(us, pg, st);
}

static void us_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct urcu_stack_pool *us = us_of(a);
	struct pb_stats *st;

	PB_BUG_ON(pg->pp != us, "urcu_stack: page returned to a pool that does not own it");
	if (pb_likely(direct && us->alloc.count < US_CACHE_SIZE && pb_page_ref_is_last(pg) &&
		      !(pg->flags & PB_PG_RESERVE))) {
		us->alloc.cache[us->alloc.count++] = pg;
		us->alloc_stats.recycle_cached++;
		return;
	}
	st = direct ? &us->alloc_stats : &us->recycle[pb_cpu_id()].s;
	if (pb_unlikely(!pb_page_ref_is_last(pg) || (pg->flags & PB_PG_RESERVE))) {
		us_release_shared(us, pg, st);
		return;
	}
	/* Remote, or direct with the cache full: to the stack, as page_pool goes to its ring. */
	us_push(us, pg, st);
}

static uint64_t us_in_flight(struct urcu_stack_pool *us)
{
	return us->hold_cnt - (uint64_t)pb_atomic64_read(&us->release_cnt);
}

/* The cache and the stack lend what they park: at most every block of mem=. */
static uint64_t us_capacity(const struct pb_params *p, char *why, size_t len)
{
	return pb_mem_blocks(p, (unsigned)pb_param_u64(p, us_params, "order"), why, len);
}

static int us_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	struct urcu_stack_pool *us = aligned_alloc(PB_CACHELINE, sizeof(*us));

	if (!us)
		return pb_err_set(err, "urcu_stack: out of memory");
	memset(us, 0, sizeof(*us));
	___cds_lfs_init(&us->stack);
	us->zone = a->mem.zone;
	us->dma = a->mem.dma;
	us->order = (unsigned)pb_param_u64(p, us_params, "order");
	us->max_stack = (int32_t)pb_param_u64(p, us_params, "max_stack");
	a->order = us->order;
	a->priv = us;
	return 0;
}

/* Returns every page of a chain; returns how many. */
static unsigned us_return_chain(struct urcu_stack_pool *us, struct cds_lfs_node *node)
{
	unsigned n = 0;

	while (node) {
		struct pb_page *pg = node_pg(node);

		pb_tsan_acquire(pg);	/* us_push's release of this page */
		node = node->next;
		us_return_page(us, pg, &us->alloc_stats);
		n++;
	}
	return n;
}

/*
 * page_pool_release: empty the cache, the overflow chain and the stack; the pool must
 * outlive pages still lent out, so with any in flight it stays and the caller retries.
 * Runs in the owning context: it pops.
 */
static uint64_t us_destroy(struct pb_alloc *a)
{
	struct urcu_stack_pool *us = us_of(a);
	struct cds_lfs_head *head;
	unsigned n;
	uint64_t in_flight;

	while (us->alloc.count)
		us_return_page(us, us->alloc.cache[--us->alloc.count], &us->alloc_stats);
	n = us_return_chain(us, us->overflow);
	us->overflow = NULL;
	head = ___cds_lfs_pop_all(&us->stack);
	pb_count_atomic();
	if (head)
		n += us_return_chain(us, &head->node);
	if (us->max_stack && n)
		pb_atomic_add(&us->parked, -(int32_t)n);
	in_flight = us_in_flight(us);
	if (in_flight)
		return in_flight;
	free(us);
	a->priv = NULL;
	return 0;
}

static void us_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct urcu_stack_pool *us = us_of(a);

	pb_stats_add(out, &us->alloc_stats);
	for (unsigned c = 0; c < PB_MAX_CPUS; c++)
		pb_stats_add(out, &us->recycle[c].s);
	out->hold += us->hold_cnt;
	out->in_flight += us_in_flight(us);
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PAGES(urcu_stack, us_alloc, us_free);

const struct pb_alloc_ops pb_alloc_urcu_stack = {
	.name = "urcu_stack",
	.desc = "page_pool's direct cache + liburcu lock-free stack for remote returns (pop_all refill)",
	.params = us_params,
	.one_context = false,
	.capacity = us_capacity,
	.create = us_create,
	.destroy = us_destroy,
	.alloc = us_alloc,
	.free = us_free,
	.stats = us_stats,
};
