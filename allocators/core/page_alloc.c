/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page allocator model. Behaviour follows mm/page_alloc.c of Linux 6.x: a binary buddy
 * under one zone lock, fronted by per-CPU lists with their own lock that are refilled and
 * drained in batches, so the figures show what a real alloc_pages()/__free_pages() pair
 * costs a packet path (lock round trips, list walks, struct page writes).
 *
 * Locking: a pcp list is only touched under its pcp lock, the buddy lists, nr_free and the
 * BUDDY flag only under the zone lock; the order is always pcp lock, then zone lock.
 */
#include <stdlib.h>
#include <string.h>

#include "page_alloc.h"

#define PB_PCP_ORDERS 4		/* pcp lists exist for orders 0..3 at most */

/*
 * Free lists are circular and doubly linked through page->next/prev with no sentinel, so
 * a list costs one pointer and any page can be unlinked in O(1) (a buddy being merged).
 */
struct pb_list {
	struct pb_page *head;
};

struct pb_pcp {
	pb_spinlock_t lock;
	unsigned count;				/* pages (not blocks) on all lists */
	unsigned next_drain;			/* order a drain starts from, round robin */
	struct pb_list lists[PB_PCP_ORDERS];
	/*
	 * Counted by whoever runs as this slot, so every counter has one writer as long as
	 * each thread has its own slot (the harness pins one thread per slot).
	 */
	struct pb_stats stats;
} pb_cacheline_aligned;

struct pb_zone {
	struct pb_arena *ar;
	unsigned pcp_batch;
	unsigned pcp_high;
	unsigned pcp_max_order;
	unsigned ncpus;
	/* Everything below changes under the lock: keep it off the read-mostly line above. */
	pb_spinlock_t lock pb_cacheline_aligned;
	size_t nr_free;				/* pages on the buddy lists */
	size_t nr_blocks[PB_MAX_ORDER + 1];	/* blocks on each buddy list */
	struct pb_list free_area[PB_MAX_ORDER + 1];
	struct pb_pcp pcp[];			/* [ncpus] */
};

static inline void pb_list_push(struct pb_list *l, struct pb_page *pg)
{
	struct pb_page *h = l->head;

	if (!h) {
		pg->next = pg->prev = pg;
	} else {
		pg->next = h;
		pg->prev = h->prev;
		h->prev->next = pg;
		h->prev = pg;
	}
	l->head = pg;
}

/* Adds @pg as the last (coldest) entry. */
static inline void pb_list_push_tail(struct pb_list *l, struct pb_page *pg)
{
	pb_list_push(l, pg);
	l->head = pg->next;
}

static inline void pb_list_del(struct pb_list *l, struct pb_page *pg)
{
	if (pg->next == pg) {
		l->head = NULL;
	} else {
		pg->prev->next = pg->next;
		pg->next->prev = pg->prev;
		if (l->head == pg)
			l->head = pg->next;
	}
	pg->next = pg->prev = NULL;
}

/*
 * The slot of the calling thread. A slot beyond the ones that have lists shares one (the
 * pcp lock keeps that correct); the branch is never taken when the harness sizes ncpus.
 */
static inline struct pb_pcp *this_pcp(struct pb_zone *z)
{
	unsigned cpu = pb_cpu_id();

	if (pb_unlikely(cpu >= z->ncpus))
		cpu %= z->ncpus;
	return &z->pcp[cpu];
}

/* @me: the calling thread's slot, whose counters take the acquisition. */
static inline void zone_lock(struct pb_zone *z, struct pb_pcp *me)
{
	pb_spin_lock(&z->lock);
	me->stats.pa_zone_locks++;
}

static inline void zone_unlock(struct pb_zone *z)
{
	pb_spin_unlock(&z->lock);
}

/* Takes @pg off its pcp list; it is no longer free-on-pcp. pcp lock held. */
static inline void pcp_del(struct pb_pcp *pcp, struct pb_page *pg, unsigned order)
{
	pb_list_del(&pcp->lists[order], pg);
	pg->flags = 0;
	pcp->count -= 1U << order;
}

/* Buddy list primitives; zone lock held. */
static inline void add_to_free_area(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	pg->flags = PB_PG_BUDDY;
	pg->order = order;
	pb_list_push(&z->free_area[order], pg);
	z->nr_blocks[order]++;
	z->nr_free += 1UL << order;
}

static inline void del_from_free_area(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	pb_list_del(&z->free_area[order], pg);
	pg->flags = 0;
	z->nr_blocks[order]--;
	z->nr_free -= 1UL << order;
}

/*
 * Splits a 2^high block at @pg down to 2^low, putting each upper half on its free list,
 * so one allocation leaves exactly one free block of every order in between.
 */
static inline void expand(struct pb_zone *z, struct pb_page *pg, unsigned low, unsigned high)
{
	while (high > low) {
		high--;
		add_to_free_area(z, pg + (1UL << high), high);
	}
}

/* Takes a 2^order block from the smallest buddy list that has one; zone lock held. */
static inline struct pb_page *rmqueue_smallest(struct pb_zone *z, unsigned order)
{
	for (unsigned o = order; o <= PB_MAX_ORDER; o++) {
		struct pb_page *pg = z->free_area[o].head;

		if (!pg)
			continue;
		del_from_free_area(z, pg, o);
		expand(z, pg, order, o);
		return pg;
	}
	return NULL;
}

/*
 * Returns a 2^order block to the buddy lists, merging with its buddy for as long as the
 * buddy is a whole free block of the same order; zone lock held.
 */
static void free_one_page_locked(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	size_t pfn = pb_page_pfn(pg);
	size_t npages = z->ar->npages;

	while (order < PB_MAX_ORDER) {
		size_t buddy_pfn = pfn ^ (1UL << order);
		struct pb_page *buddy;

		if (buddy_pfn >= npages)
			break;
		buddy = pb_pfn_to_page(z->ar, buddy_pfn);
		/*
		 * Only heads of free buddy blocks carry BUDDY, and it changes only under the
		 * zone lock; other flags of an in-use page may change under us, hence ONCE.
		 */
		if (!(PB_READ_ONCE(buddy->flags) & PB_PG_BUDDY) || buddy->order != order)
			break;
		del_from_free_area(z, buddy, order);
		pfn &= buddy_pfn;
		order++;
	}
	add_to_free_area(z, pb_pfn_to_page(z->ar, pfn), order);
}

/* Takes a single block from the buddy lists under the zone lock (rmqueue_buddy). */
static pb_noinline struct pb_page *rmqueue_buddy(struct pb_zone *z, struct pb_pcp *pcp,
						 unsigned order)
{
	struct pb_page *pg;

	zone_lock(z, pcp);
	pg = rmqueue_smallest(z, order);
	zone_unlock(z);
	return pg;
}

static pb_noinline void free_one_page(struct pb_zone *z, struct pb_pcp *pcp, struct pb_page *pg,
				      unsigned order)
{
	zone_lock(z, pcp);
	free_one_page_locked(z, pg, order);
	zone_unlock(z);
}

/*
 * Refills an empty pcp list in one zone lock round trip and returns one of its blocks
 * (rmqueue_bulk); pcp lock held. NULL when the buddy lists have none. pcp_batch counts
 * pages, so higher orders take fewer blocks, but at least two, as Linux scales it.
 */
static pb_noinline struct pb_page *pcp_refill(struct pb_zone *z, struct pb_pcp *pcp,
					      unsigned order)
{
	struct pb_list *l = &pcp->lists[order];
	unsigned blocks = z->pcp_batch;
	struct pb_page *pg;
	unsigned n;

	if (order && blocks > 1) {
		blocks >>= order;
		if (blocks < 2)
			blocks = 2;
	}
	zone_lock(z, pcp);
	for (n = 0; n < blocks; n++) {
		pg = rmqueue_smallest(z, order);
		if (!pg)
			break;
		pg->flags = PB_PG_PCP;
		pg->order = order;
		pb_list_push_tail(l, pg);
	}
	zone_unlock(z);
	if (!n)
		return NULL;
	pcp->count += n << order;
	pg = l->head;
	pcp_del(pcp, pg, order);
	return pg;
}

/*
 * Moves at least @pages pages (or all there are) from the pcp lists to the buddy lists in
 * one zone lock round trip, coldest first, list by list round robin (free_pcppages_bulk);
 * pcp lock held, @me is the calling thread's slot.
 */
static pb_noinline void pcp_drain(struct pb_zone *z, struct pb_pcp *pcp, unsigned pages,
				  struct pb_pcp *me)
{
	unsigned o = pcp->next_drain;

	if (!pcp->count)
		return;
	zone_lock(z, me);
	while (pages && pcp->count) {
		struct pb_list *l = &pcp->lists[o];

		while (l->head && pages) {
			struct pb_page *pg = l->head->prev;
			unsigned n = 1U << o;

			pcp_del(pcp, pg, o);
			pages = pages > n ? pages - n : 0;
			free_one_page_locked(z, pg, o);
		}
		if (++o > z->pcp_max_order)
			o = 0;
	}
	zone_unlock(z);
	pcp->next_drain = o;
}

/* Empties @pcp into the buddy lists, waiting for its lock; @me is the caller's slot. */
static void pcp_drain_all_of(struct pb_zone *z, struct pb_pcp *pcp, struct pb_pcp *me)
{
	pb_spin_lock(&pcp->lock);
	pcp_drain(z, pcp, pcp->count, me);
	pb_spin_unlock(&pcp->lock);
}

/* "prep_new_page": a block leaving the allocator must look untouched. */
static inline void prep_new_page(struct pb_page *pg, unsigned order)
{
	PB_BUG_ON(pb_atomic_read(&pg->refcount) != 0, "allocating a page with a refcount");
	PB_BUG_ON(pg->flags & (PB_PG_BUDDY | PB_PG_PCP | PB_PG_POOL), "allocating a page in use");
	PB_BUG_ON(pg->pp != NULL, "allocating a page still owned by a pool");
	pg->flags = 0;
	pg->order = order;
	/* The page is not visible to anyone else yet: a plain store, not a locked RMW. */
	pb_atomic_set(&pg->refcount, 1);
}

/* "free_pages_prepare": what a block must look like when it comes back. */
static inline void free_pages_prepare(struct pb_page *pg, unsigned order)
{
	PB_BUG_ON(pb_atomic_read(&pg->refcount) != 0, "freeing a page that is still referenced");
	PB_BUG_ON(pg->flags & (PB_PG_BUDDY | PB_PG_PCP), "double free of a page");
	PB_BUG_ON(pg->order != order, "freeing a page with another order than allocated");
	PB_BUG_ON(pg->dma_addr != 0, "freeing a page that is still DMA-mapped");
	pg->pp = NULL;
	pg->flags = 0;
}

static void drain_all(struct pb_zone *z, struct pb_pcp *me)
{
	for (unsigned c = 0; c < z->ncpus; c++)
		pcp_drain_all_of(z, &z->pcp[c], me);
}

/*
 * The allocation failed with pages possibly parked on pcp lists: give them all back so they
 * can merge, and try the buddy lists once more (the slowpath's drain_all_pages()).
 */
static pb_noinline struct pb_page *alloc_slowpath(struct pb_zone *z, struct pb_pcp *pcp,
						  unsigned order)
{
	drain_all(z, pcp);
	return rmqueue_buddy(z, pcp, order);
}

/* Takes order-0 pages into @pages[got..n) from the buddy lists; zone lock held. */
static unsigned bulk_from_buddy(struct pb_zone *z, unsigned got, unsigned n,
				struct pb_page **pages)
{
	while (got < n && (pages[got] = rmqueue_smallest(z, 0)))
		got++;
	return got;
}

/*
 * The pcp list could not serve the whole bulk (busy, or the zone ran dry): the buddy lists
 * directly, then, if still short, the same drain-and-retry as a single allocation.
 */
static pb_noinline unsigned bulk_slowpath(struct pb_zone *z, struct pb_pcp *pcp, unsigned got,
					  unsigned n, struct pb_page **pages)
{
	zone_lock(z, pcp);
	got = bulk_from_buddy(z, got, n, pages);
	zone_unlock(z);
	if (got < n) {
		drain_all(z, pcp);
		zone_lock(z, pcp);
		got = bulk_from_buddy(z, got, n, pages);
		zone_unlock(z);
	}
	return got;
}

struct pb_page *pb_alloc_pages(struct pb_zone *z, unsigned order)
{
	struct pb_pcp *pcp = this_pcp(z);
	struct pb_page *pg = NULL;

	if (pb_likely(order <= z->pcp_max_order) && pb_likely(pb_spin_trylock(&pcp->lock))) {
		pg = pcp->lists[order].head;
		if (pb_likely(pg))
			pcp_del(pcp, pg, order);
		else
			pg = pcp_refill(z, pcp, order);
		pb_spin_unlock(&pcp->lock);
	} else {
		pg = rmqueue_buddy(z, pcp, order);
	}
	if (pb_unlikely(!pg))
		pg = alloc_slowpath(z, pcp, order);
	pcp->stats.pa_alloc_calls++;
	if (pb_unlikely(!pg))
		return NULL;
	prep_new_page(pg, order);
	pcp->stats.pa_alloc_pages += 1UL << order;
	return pg;
}

unsigned pb_alloc_pages_bulk(struct pb_zone *z, unsigned n, struct pb_page **pages)
{
	struct pb_pcp *pcp = this_pcp(z);
	unsigned got = 0;

	if (!n)
		return 0;
	/* Order 0 always has a pcp list. */
	if (pb_likely(pb_spin_trylock(&pcp->lock))) {
		struct pb_list *l = &pcp->lists[0];

		while (got < n) {
			struct pb_page *pg = l->head;

			if (pg)
				pcp_del(pcp, pg, 0);
			else if (!(pg = pcp_refill(z, pcp, 0)))
				break;
			pages[got++] = pg;
		}
		pb_spin_unlock(&pcp->lock);
	}
	if (pb_unlikely(got < n))
		got = bulk_slowpath(z, pcp, got, n, pages);
	for (unsigned i = 0; i < got; i++)
		prep_new_page(pages[i], 0);
	pcp->stats.pa_alloc_calls++;
	pcp->stats.pa_alloc_pages += got;
	return got;
}

void pb_free_pages_unref(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	struct pb_pcp *pcp = this_pcp(z);

	free_pages_prepare(pg, order);
	pcp->stats.pa_free_calls++;
	pcp->stats.pa_free_pages += 1UL << order;
	if (pb_likely(order <= z->pcp_max_order) && pb_likely(pb_spin_trylock(&pcp->lock))) {
		pg->flags = PB_PG_PCP;
		pb_list_push(&pcp->lists[order], pg);
		pcp->count += 1U << order;
		if (pb_unlikely(pcp->count >= z->pcp_high))
			pcp_drain(z, pcp, z->pcp_batch, pcp);
		pb_spin_unlock(&pcp->lock);
		return;
	}
	free_one_page(z, pcp, pg, order);
}

void pb_free_pages(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	int32_t ref = pb_atomic_dec_return(&pg->refcount);

	if (pb_likely(ref == 0))
		pb_free_pages_unref(z, pg, order);
	else
		PB_BUG_ON(ref < 0, "page refcount below zero (double free)");
}

void pb_page_put(struct pb_page *pg)
{
	int32_t ref = pb_atomic_dec_return(&pg->refcount);

	if (pb_likely(ref == 0))
		pb_free_pages_unref(pg->arena->zone, pg, pg->order);
	else
		PB_BUG_ON(ref < 0, "page refcount below zero (put_page of a free page)");
}

void pb_zone_drain_local(struct pb_zone *z)
{
	struct pb_pcp *pcp = this_pcp(z);

	pcp_drain_all_of(z, pcp, pcp);
}

void pb_zone_drain_all(struct pb_zone *z)
{
	drain_all(z, this_pcp(z));
}

size_t pb_zone_nr_free(const struct pb_zone *z)
{
	size_t n = PB_READ_ONCE(z->nr_free);

	for (unsigned c = 0; c < z->ncpus; c++)
		n += PB_READ_ONCE(z->pcp[c].count);
	return n;
}

size_t pb_zone_nr_pages(const struct pb_zone *z)
{
	return z->ar->npages;
}

size_t pb_zone_nr_free_blocks(const struct pb_zone *z, unsigned order)
{
	if (order > PB_MAX_ORDER)
		return 0;
	return PB_READ_ONCE(z->nr_blocks[order]);
}

void pb_zone_stats(const struct pb_zone *z, struct pb_stats *out)
{
	for (unsigned c = 0; c < z->ncpus; c++)
		pb_stats_add(out, &z->pcp[c].stats);
}

/* Largest order a block starting at @pfn can have and still end by @npages. */
static unsigned max_block_order(size_t pfn, size_t npages)
{
	unsigned o = PB_MAX_ORDER;

	while (o && ((pfn & ((1UL << o) - 1)) || pfn + (1UL << o) > npages))
		o--;
	return o;
}

/*
 * Bad parameters also return NULL: pb_alloc_create() validated them already, so reaching
 * here with them is a programming error the caller reports as a failed create.
 */
struct pb_zone *pb_zone_create(struct pb_arena *ar, const struct pb_zone_params *zp)
{
	struct pb_zone *z;
	size_t len;

	if (!ar || !zp || zp->pcp_batch < 1 || zp->pcp_high < zp->pcp_batch ||
	    zp->pcp_max_order >= PB_PCP_ORDERS || zp->ncpus < 1 || zp->ncpus > PB_MAX_CPUS)
		return NULL;
	len = sizeof(*z) + zp->ncpus * sizeof(z->pcp[0]);
	len = (len + PB_CACHELINE - 1) & ~(size_t)(PB_CACHELINE - 1);
	z = aligned_alloc(PB_CACHELINE, len);
	if (!z)
		return NULL;
	memset(z, 0, len);
	z->ar = ar;
	z->pcp_batch = zp->pcp_batch;
	z->pcp_high = zp->pcp_high;
	z->pcp_max_order = zp->pcp_max_order;
	z->ncpus = zp->ncpus;
	pb_spin_init(&z->lock);
	for (unsigned c = 0; c < z->ncpus; c++)
		pb_spin_init(&z->pcp[c].lock);

	for (size_t pfn = 0; pfn < ar->npages; pfn++) {
		struct pb_page *pg = pb_pfn_to_page(ar, pfn);

		pb_atomic_set(&pg->refcount, 0);
		pg->flags = 0;
		pg->order = 0;
		pg->next = pg->prev = NULL;
		pg->pp = NULL;
		pg->dma_addr = 0;
		pg->arena = ar;
	}
	/* Maximal naturally aligned blocks, so merging later can rebuild exactly these. */
	for (size_t pfn = 0; pfn < ar->npages;) {
		unsigned o = max_block_order(pfn, ar->npages);

		add_to_free_area(z, pb_pfn_to_page(ar, pfn), o);
		pfn += 1UL << o;
	}
	ar->zone = z;
	return z;
}

void pb_zone_destroy(struct pb_zone *z)
{
	if (!z)
		return;
	if (z->ar && z->ar->zone == z)
		z->ar->zone = NULL;
	free(z);
}
