/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page allocator model. Each step names the function of mm/page_alloc.c (Linux 6.1, or
 * 4.6 for the 2016 profile) whose work it does, in the kernel's order: the gfp preparation,
 * the zonelist walk and watermark check, the pcp list under its lock with interrupts saved,
 * the pageblock migratetype lookup, the page checks, the vmstat and NUMA per-CPU counters,
 * compound-page set-up and tear-down, and the zone lock round trips of refill and drain.
 *
 * Locking: a pcp list is only touched under its pcp lock (6.1) or with "interrupts off" and
 * the same lock (2016: the kernel's local_irq_save; the model keeps the lock so other
 * threads' drains stay correct), the buddy lists, nr_free and the BUDDY flag only under the
 * zone lock; the order is always pcp lock, then zone lock.
 *
 * The vmstat counters have one writer per CPU slot (the harness pins one thread per slot);
 * their folds into the zone's atomics are locked adds, as __mod_zone_page_state's are.
 */
#include <stdlib.h>
#include <string.h>

#include "page_alloc.h"

#define PB_PCP_ORDERS 4		/* pcp lists exist for orders 0..PAGE_ALLOC_COSTLY_ORDER */

/* enum migratetype (include/linux/mmzone.h) */
enum { PA_MT_UNMOVABLE, PA_MT_MOVABLE, PA_MT_RECLAIMABLE, PA_MT_PCPTYPES,
       PA_MT_HIGHATOMIC = PA_MT_PCPTYPES, PA_MT_CMA, PA_MT_ISOLATE };
#define PA_NR_PCP_LISTS (PA_MT_PCPTYPES * PB_PCP_ORDERS)

/* Pageblocks and memory sections as on x86-64: 2 MiB pageblocks, 128 MiB sections. */
#define PA_PAGEBLOCK_ORDER 9
#define PA_NR_PAGEBLOCK_BITS 4
#define PA_SECTION_PFN_SHIFT 15
#define PA_MIGRATETYPE_MASK 7UL
#define PA_BITS_PER_LONG_ (8 * sizeof(unsigned long))

/* alloc_flags (mm/internal.h); ALLOC_KSWAPD has the value of __GFP_KSWAPD_RECLAIM. */
#define PA_ALLOC_WMARK_MIN 0
#define PA_ALLOC_WMARK_LOW 1
#define PA_ALLOC_WMARK_HIGH 2
#define PA_ALLOC_WMARK_MASK 3
#define PA_ALLOC_NO_WATERMARKS 0x08
#define PA_ALLOC_HARDER 0x10
#define PA_ALLOC_HIGH 0x20
#define PA_ALLOC_CPUSET 0x40
#define PA_ALLOC_CMA 0x80
#define PA_ALLOC_NOFRAGMENT 0x100
#define PA_ALLOC_FAIR 0x200		/* 4.6: fair zone allocation policy */
#define PA_ALLOC_KSWAPD PB_GFP_KSWAPD_RECLAIM

/* Zones of a node; the model's arena is ZONE_NORMAL of its node. */
enum { PA_ZONE_DMA, PA_ZONE_DMA32, PA_ZONE_NORMAL, PA_ZONE_MOVABLE, PA_NR_ZONES };

/* zone->flags bits */
#define PA_ZONE_BOOSTED_WATERMARK 0
#define PA_ZONE_RECLAIM_ACTIVE 1
#define PA_ZONE_FAIR_DEPLETED 2

/* zone_stat_item: the per-CPU diffs folded into the zone at the threshold. */
enum { PA_NR_FREE_PAGES, PA_NR_FREE_CMA_PAGES, PA_NR_ALLOC_BATCH,
       /* 4.6 kept the NUMA counters here too (__inc_zone_state) */
       PA_ZS_NUMA_HIT, PA_ZS_NUMA_MISS, PA_ZS_NUMA_FOREIGN, PA_ZS_NUMA_LOCAL, PA_ZS_NUMA_OTHER,
       PA_NR_ZONE_STAT };
/* numa_stat_item (6.1: plain per-CPU event counters, no threshold) */
enum { PA_NUMA_HIT, PA_NUMA_MISS, PA_NUMA_FOREIGN, PA_NUMA_INTERLEAVE_HIT, PA_NUMA_LOCAL, PA_NUMA_OTHER,
       PA_NR_NUMA_EVENTS };

/*
 * Free lists are circular and doubly linked through page->next/prev with no sentinel, so
 * a list costs one pointer and any page can be unlinked in O(1) (a buddy being merged).
 * The head is stored with WRITE_ONCE, as the kernel's list_add/__list_del do: the
 * watermark check tests a buddy list for emptiness without the zone lock (free_area_empty).
 */
struct pb_list {
	struct pb_page *head;
};

/* struct per_cpu_pages */
struct pb_pcp {
	pb_spinlock_t lock;
	unsigned count;				/* pages (not blocks) on all lists */
	unsigned high;
	unsigned batch;
	unsigned free_factor;
	struct pb_list lists[PA_NR_PCP_LISTS];	/* [order_to_pindex(mt, order)] */
	/* The model's own traffic counters (struct pb_stats), one writer per slot. */
	struct pb_stats stats;
} pb_cacheline_aligned;

/* struct per_cpu_zonestat (6.1) / the vmstat part of per_cpu_pageset (4.6) */
struct pb_zonestat {
	int8_t vm_stat_diff[PA_NR_ZONE_STAT];
	int8_t pa_stat_threshold;
	unsigned long vm_numa_event[PA_NR_NUMA_EVENTS];
} pb_cacheline_aligned;

/* The PGALLOC/PGFREE part of the per-CPU vm_event_states. */
struct pb_vm_events {
	unsigned long pgalloc[PA_NR_ZONES];
	unsigned long pgfree;
} pb_cacheline_aligned;

struct pb_cpu_state {
	struct pb_pcp pcp;
	struct pb_zonestat zs;
	struct pb_vm_events ev;
	unsigned node;				/* numa_node_id() of this CPU slot */
	uint64_t fail_rnd;			/* fault injection: this slot's random sequence */
};

/* mem_section->usage: the pageblock bits of one section */
struct pb_section_usage {
	unsigned long subsection_map;		/* SUBSECTIONS_PER_SECTION bits; unused here */
	unsigned long pageblock_flags[];
};

struct pb_mem_section {
	struct pb_section_usage *usage;
};

struct pb_zone;

/* struct zoneref */
struct pb_zoneref {
	struct pb_zone *zone;
	int zone_idx;
};

struct pb_zone {
	/* Read-mostly: the allocation fast path reads these. */
	struct pb_arena *ar;
	unsigned kernel;
	unsigned pcp_max_order;
	unsigned ncpus;
	bool init_on_alloc;
	int zone_idx;
	unsigned node;
	unsigned long watermark[3];		/* _watermark[WMARK_MIN/LOW/HIGH] */
	unsigned long watermark_boost;
	long lowmem_reserve[PA_NR_ZONES];
	unsigned long nr_reserved_highatomic;
	struct pb_mem_section *sections;
	/* node_zonelists[ZONELIST_FALLBACK]: this zone, then the terminator */
	struct pb_zoneref zonelist[2];
	unsigned long flags;
	uint32_t fail_ppm;			/* fault injection probability (0: off) */
	/* fault injection's space: pages still to hand out before it may fail a call */
	pb_atomic64_t fail_space;
	/* Everything below changes under the lock: keep it off the read-mostly lines above. */
	pb_spinlock_t lock pb_cacheline_aligned;
	size_t nr_free;				/* pages on the buddy lists */
	size_t nr_blocks[PB_MAX_ORDER + 1];	/* blocks on each buddy list */
	struct pb_list free_area[PB_MAX_ORDER + 1];
	/* zone->vm_stat: the folded counters */
	pb_atomic64_t vm_stat[PA_NR_ZONE_STAT] pb_cacheline_aligned;
	struct pb_cpu_state cpu[];		/* [ncpus] */
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
	PB_WRITE_ONCE(l->head, pg);
}

/* Adds @pg as the last (coldest) entry. */
static inline void pb_list_push_tail(struct pb_list *l, struct pb_page *pg)
{
	pb_list_push(l, pg);
	PB_WRITE_ONCE(l->head, pg->next);
}

static inline void pb_list_del(struct pb_list *l, struct pb_page *pg)
{
	if (pg->next == pg) {
		PB_WRITE_ONCE(l->head, NULL);
	} else {
		pg->prev->next = pg->next;
		pg->next->prev = pg->prev;
		if (l->head == pg)
			PB_WRITE_ONCE(l->head, pg->next);
	}
	pg->next = pg->prev = NULL;
}

/*
 * Adds @n to a per-CPU page count. Only the slot's own CPU writes it, but the replay's
 * sampler reads it from another CPU while it runs (pb_zone_cpu_net_pages, as a reader of
 * vmstat's per-CPU diffs does): a store the reader's READ_ONCE pairs with, never torn.
 */
static inline void pa_count_pages(uint64_t *ctr, uint64_t n)
{
	PB_WRITE_ONCE(*ctr, *ctr + n);
}

/*
 * The slot of the calling thread (this_cpu_ptr). A slot beyond the ones that have lists
 * shares one (the pcp lock keeps that correct); never taken when the harness sizes ncpus.
 */
static inline struct pb_cpu_state *pa_this_cpu(struct pb_zone *z)
{
	unsigned cpu = pb_cpu_id();

	if (pb_unlikely(cpu >= z->ncpus))
		cpu %= z->ncpus;
	return &z->cpu[cpu];
}

static inline unsigned pa_order_to_pindex(int mt, unsigned order)
{
	return order * PA_MT_PCPTYPES + (unsigned)mt;
}

static inline unsigned pa_pindex_to_order(unsigned pindex)
{
	return pindex / PA_MT_PCPTYPES;
}

static inline bool pa_test_zone_flag(const struct pb_zone *z, unsigned bit)
{
	return (PB_READ_ONCE(z->flags) >> bit) & 1;
}

/* zone->lock round trips; @me: the calling thread's slot, whose counters take it. */
static inline void pa_zone_lock(struct pb_zone *z, struct pb_cpu_state *me)
{
	pb_spin_lock(&z->lock);
	me->pcp.stats.pa_zone_locks++;
}

static inline void pa_zone_unlock(struct pb_zone *z)
{
	pb_spin_unlock(&z->lock);
}

/*
 * __mod_zone_page_state: the per-CPU diff absorbs @delta until it passes the threshold,
 * then the whole diff is folded into the zone's atomic (zone_page_state_add).
 */
static inline void pa_mod_zone_page_state(struct pb_zone *z, struct pb_cpu_state *me,
				       unsigned item, long delta)
{
	long x = delta + me->zs.vm_stat_diff[item];
	long t = me->zs.pa_stat_threshold;

	if (pb_unlikely(x > t || x < -t)) {
		pb_atomic64_add(&z->vm_stat[item], x);
		x = 0;
	}
	me->zs.vm_stat_diff[item] = (int8_t)x;
}

/* __inc_zone_state (4.6): overstep by half the threshold so the next folds are rarer. */
static inline void pa_inc_zone_state(struct pb_zone *z, struct pb_cpu_state *me, unsigned item)
{
	int v = me->zs.vm_stat_diff[item] + 1;
	int t = me->zs.pa_stat_threshold;

	if (pb_unlikely(v > t)) {
		int overstep = t >> 1;

		pb_atomic64_add(&z->vm_stat[item], v + overstep);
		v = -overstep;
	}
	me->zs.vm_stat_diff[item] = (int8_t)v;
}

/* zone_page_state: the folded value, never negative. */
static inline long pa_zone_page_state(const struct pb_zone *z, unsigned item)
{
	long x = (long)pb_atomic64_read(&z->vm_stat[item]);

	return x < 0 ? 0 : x;
}

/*
 * get_pfnblock_migratetype: the section of @pfn, its usage map, and the 4 bits of the
 * pageblock in one word (get_pfnblock_flags_mask), three dependent loads as in SPARSEMEM.
 */
static inline int pa_get_pfnblock_migratetype(const struct pb_zone *z, size_t pfn)
{
	const struct pb_section_usage *u = z->sections[pfn >> PA_SECTION_PFN_SHIFT].usage;
	size_t bitidx = ((pfn & ((1UL << PA_SECTION_PFN_SHIFT) - 1)) >> PA_PAGEBLOCK_ORDER) *
			PA_NR_PAGEBLOCK_BITS;
	unsigned long word = PB_READ_ONCE(u->pageblock_flags[bitidx / PA_BITS_PER_LONG_]);

	return (int)((word >> (bitidx & (PA_BITS_PER_LONG_ - 1))) & PA_MIGRATETYPE_MASK);
}

/* set_pfnblock_flags_mask (set_pageblock_migratetype); zone creation only. */
static void pa_set_pfnblock_migratetype(struct pb_zone *z, size_t pfn, int mt)
{
	struct pb_section_usage *u = z->sections[pfn >> PA_SECTION_PFN_SHIFT].usage;
	size_t bitidx = ((pfn & ((1UL << PA_SECTION_PFN_SHIFT) - 1)) >> PA_PAGEBLOCK_ORDER) *
			PA_NR_PAGEBLOCK_BITS;
	unsigned long *w = &u->pageblock_flags[bitidx / PA_BITS_PER_LONG_];
	unsigned shift = bitidx & (PA_BITS_PER_LONG_ - 1);

	*w = (*w & ~(PA_MIGRATETYPE_MASK << shift)) | ((unsigned long)mt << shift);
}

/* set_pcppage_migratetype / get_pcppage_migratetype: page->index while free. */
static inline void pa_set_pcppage_migratetype(struct pb_page *pg, int mt)
{
	pg->private_ = (uint64_t)mt;
}

static inline int pa_get_pcppage_migratetype(const struct pb_page *pg)
{
	return (int)pg->private_;
}

/* Takes @pg off its pcp list; it is no longer free-on-pcp. pcp lock held. */
static inline void pa_pcp_del(struct pb_pcp *pcp, struct pb_page *pg, unsigned pindex,
			   unsigned order)
{
	pb_list_del(&pcp->lists[pindex], pg);
	pb_page_flags_set(pg, 0);
	pcp->count -= 1U << order;
}

/* Buddy list primitives (add_to_free_list / del_page_from_free_list); zone lock held. */
static inline void pa_add_to_free_area(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	pb_page_flags_set(pg, PB_PG_BUDDY);
	pb_page_set_order(pg, order);
	pb_list_push(&z->free_area[order], pg);
	z->nr_blocks[order]++;
	z->nr_free += 1UL << order;
}

static inline void pa_del_from_free_area(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	pb_list_del(&z->free_area[order], pg);
	pb_page_flags_set(pg, 0);
	z->nr_blocks[order]--;
	z->nr_free -= 1UL << order;
}

/*
 * expand: splits a 2^high block at @pg down to 2^low, putting each upper half on its free
 * list, so one allocation leaves exactly one free block of every order in between.
 */
static inline void pa_expand(struct pb_zone *z, struct pb_page *pg, unsigned low, unsigned high)
{
	while (high > low) {
		high--;
		pa_add_to_free_area(z, pg + (1UL << high), high);
	}
}

/* __rmqueue_smallest: a 2^order block from the smallest list that has one; zone lock held. */
static inline struct pb_page *pa_rmqueue_smallest(struct pb_zone *z, unsigned order)
{
	for (unsigned o = order; o <= PB_MAX_ORDER; o++) {
		struct pb_page *pg = z->free_area[o].head;

		if (!pg)
			continue;
		pa_del_from_free_area(z, pg, o);
		pa_expand(z, pg, order, o);
		pa_set_pcppage_migratetype(pg, PA_MT_UNMOVABLE);
		return pg;
	}
	return NULL;
}

/*
 * __free_one_page: returns a 2^order block to the buddy lists, merging with its buddy for
 * as long as the buddy is a whole free block of the same order, and accounts the pages
 * (__mod_zone_freepage_state); zone lock held.
 */
static void pa_free_one_page_locked(struct pb_zone *z, struct pb_cpu_state *me,
				 struct pb_page *pg, unsigned order)
{
	size_t pfn = pb_page_pfn(pg);
	size_t npages = z->ar->npages;

	pa_mod_zone_page_state(z, me, PA_NR_FREE_PAGES, 1L << order);
	while (order < PB_MAX_ORDER) {
		size_t buddy_pfn = pfn ^ (1UL << order);
		struct pb_page *buddy;

		if (buddy_pfn >= npages)
			break;
		buddy = pb_pfn_to_page(z->ar, buddy_pfn);
		/*
		 * Only heads of free buddy blocks carry BUDDY, and it changes only under the
		 * zone lock; other flags of an in-use page may change under us, hence ONCE
		 * (pb_page_flags: page.h says why that race is safe). order is read only
		 * once BUDDY is seen, and a free block's order too changes under the lock.
		 */
		if (!(pb_page_flags(buddy) & PB_PG_BUDDY) || buddy->order != order)
			break;
		pa_del_from_free_area(z, buddy, order);
		pfn &= buddy_pfn;
		order++;
	}
	pa_add_to_free_area(z, pb_pfn_to_page(z->ar, pfn), order);
}

/*
 * page_expected_state / check_new_page: what a free page must look like (no references,
 * no owner, no in-use flags). The kernel reports a bad page and leaks it; the model's
 * pages can only be bad through a bug in the model or a backend, so it stops.
 */
static inline void pa_check_new_page(const struct pb_page *pg)
{
	PB_BUG_ON(pb_atomic_read(&pg->refcount) != 0, "allocating a page with a refcount");
	PB_BUG_ON(pg->flags & (PB_PG_BUDDY | PB_PG_PCP | PB_PG_POOL | PB_PG_HEAD),
		  "allocating a page in use");
	PB_BUG_ON(pg->pp != NULL, "allocating a page still owned by a pool");
}

/* check_new_pages: every page of the block (6.1: at pcp refill; 4.6: at every allocation). */
static inline void pa_check_new_pages(const struct pb_page *pg, unsigned order)
{
	for (size_t i = 0; i < (1UL << order); i++)
		pa_check_new_page(pg + i);
}

/*
 * rmqueue_bulk: refills an empty pcp list in one zone lock round trip, checking each page
 * (check_pcp_refill) and accounting NR_FREE_PAGES once; pcp lock held. Returns the count.
 */
static pb_noinline unsigned pa_rmqueue_bulk(struct pb_zone *z, struct pb_cpu_state *me,
					 unsigned order, unsigned count, unsigned pindex)
{
	struct pb_list *l = &me->pcp.lists[pindex];
	unsigned i;

	pa_zone_lock(z, me);
	for (i = 0; i < count; i++) {
		struct pb_page *pg = pa_rmqueue_smallest(z, order);

		if (!pg)
			break;
		if (z->kernel == PB_KERNEL_6_1)
			pa_check_new_pages(pg, order);
		pb_page_flags_set(pg, PB_PG_PCP);
		pb_page_set_order(pg, order);
		pb_list_push_tail(l, pg);
	}
	pa_mod_zone_page_state(z, me, PA_NR_FREE_PAGES, -((long)i << order));
	pa_zone_unlock(z);
	return i;
}

/*
 * free_pcppages_bulk: moves @count pages from the pcp lists to the buddy lists in one zone
 * lock round trip, coldest first, starting at the list just freed to (@pindex, 6.1) and
 * going round robin; each page is checked on the way (bulkfree_pcp_prepare); pcp lock held.
 */
static pb_noinline void pa_free_pcppages_bulk(struct pb_zone *z, struct pb_cpu_state *me,
					   struct pb_pcp *pcp, unsigned count, unsigned pindex)
{
	unsigned min_pindex = 0, max_pindex = PA_NR_PCP_LISTS - 1;

	if (count > pcp->count)
		count = pcp->count;
	if (!count)
		return;
	pindex = pindex ? pindex - 1 : max_pindex;
	pa_zone_lock(z, me);
	while (count > 0) {
		struct pb_list *l;
		unsigned order, n;

		for (;;) {
			if (++pindex > max_pindex)
				pindex = min_pindex;
			l = &pcp->lists[pindex];
			if (l->head)
				break;
			if (pindex == max_pindex)
				max_pindex--;
			if (pindex == min_pindex)
				min_pindex++;
		}
		order = pa_pindex_to_order(pindex);
		n = 1U << order;
		do {
			struct pb_page *pg = l->head->prev;

			/*
			 * free_pcppages_bulk passes get_pcppage_migratetype(page) to
			 * __free_one_page for the free list to add to; the model's buddy lists are
			 * not split by migratetype, so the value has no use here (the compiler
			 * drops the load: a cost of about nothing left out, said here).
			 */
			(void)pa_get_pcppage_migratetype(pg);
			pa_pcp_del(pcp, pg, pindex, order);
			count = count > n ? count - n : 0;
			PB_BUG_ON(pb_atomic_read(&pg->refcount) != 0, "pcp page with a refcount");
			pa_free_one_page_locked(z, me, pg, order);
		} while (count > 0 && l->head);
	}
	pa_zone_unlock(z);
}

/* Empties @cpu's pcp lists into the buddy lists, waiting for its lock (drain_pages_zone). */
static void pa_drain_pages_zone(struct pb_zone *z, struct pb_cpu_state *cpu, struct pb_cpu_state *me)
{
	unsigned long flags;

	pb_local_irq_save(flags);
	pb_spin_lock(&cpu->pcp.lock);
	pa_free_pcppages_bulk(z, me, &cpu->pcp, cpu->pcp.count, 0);
	pb_spin_unlock(&cpu->pcp.lock);
	pb_local_irq_restore(flags);
}

/* drain_all_pages: every CPU's pcp lists (the direct-reclaim path only). */
static void pa_drain_all_pages(struct pb_zone *z, struct pb_cpu_state *me)
{
	for (unsigned c = 0; c < z->ncpus; c++)
		pa_drain_pages_zone(z, &z->cpu[c], me);
}

/* __count_zid_vm_events(PGALLOC, zid, n): one per-CPU add. */
static inline void pa_count_zid_vm_events(struct pb_cpu_state *me, int zid, unsigned long n)
{
	me->ev.pgalloc[zid] += n;
}

/* zone_statistics (6.1): NUMA_HIT/MISS/FOREIGN and LOCAL/OTHER, plain per-CPU adds. */
static inline void pa_zone_statistics(const struct pb_zone *preferred, const struct pb_zone *z,
				   struct pb_cpu_state *me, long nr)
{
	unsigned local_stat = PA_NUMA_LOCAL;

	if (z->node != me->node)
		local_stat = PA_NUMA_OTHER;
	if (z->node == preferred->node) {
		me->zs.vm_numa_event[PA_NUMA_HIT] += nr;
	} else {
		me->zs.vm_numa_event[PA_NUMA_MISS] += nr;
		me->zs.vm_numa_event[PA_NUMA_FOREIGN] += nr;	/* preferred zone's, same slot */
	}
	me->zs.vm_numa_event[local_stat] += nr;
}

/* zone_statistics (4.6): the same events through __inc_zone_state and its threshold. */
static inline void pa_zone_statistics_46(struct pb_zone *preferred, struct pb_zone *z,
				      struct pb_cpu_state *me)
{
	if (z->node == preferred->node) {
		pa_inc_zone_state(z, me, PA_ZS_NUMA_HIT);
	} else {
		pa_inc_zone_state(z, me, PA_ZS_NUMA_MISS);
		pa_inc_zone_state(preferred, me, PA_ZS_NUMA_FOREIGN);
	}
	if (z->node == me->node)
		pa_inc_zone_state(z, me, PA_ZS_NUMA_LOCAL);
	else
		pa_inc_zone_state(z, me, PA_ZS_NUMA_OTHER);
}

/*
 * __rmqueue_pcplist: the first page of the list, refilling it by batch (scaled down for
 * higher orders, at least 2) when empty; check_new_pcp is a no-op without DEBUG_VM.
 */
static inline struct pb_page *pa_rmqueue_pcplist_locked(struct pb_zone *z, struct pb_cpu_state *me,
						     unsigned order, unsigned pindex)
{
	struct pb_pcp *pcp = &me->pcp;
	struct pb_list *l = &pcp->lists[pindex];
	struct pb_page *pg;

	if (!l->head) {
		unsigned batch = PB_READ_ONCE(pcp->batch);

		if (batch > 1) {
			batch >>= order;
			if (batch < 2)
				batch = 2;
		}
		pcp->count += pa_rmqueue_bulk(z, me, order, batch, pindex) << order;
		if (pb_unlikely(!l->head))
			return NULL;
	}
	pg = l->head;
	pa_pcp_del(pcp, pg, pindex, order);
	return pg;
}

/*
 * rmqueue_pcplist (6.1): pcp_spin_trylock_irqsave, free_factor halved, the list of the
 * migratetype and order, unlock and restore, then PGALLOC and the NUMA counters.
 */
static inline struct pb_page *pa_rmqueue_pcplist(struct pb_zone *pref, struct pb_zone *z,
					      struct pb_cpu_state *me, unsigned order, int mt)
{
	struct pb_pcp *pcp = &me->pcp;
	unsigned long flags;
	struct pb_page *pg;

	pb_local_irq_save(flags);
	if (pb_unlikely(!pb_spin_trylock(&pcp->lock))) {
		pb_local_irq_restore(flags);
		return NULL;
	}
	pcp->free_factor >>= 1;
	pg = pa_rmqueue_pcplist_locked(z, me, order, pa_order_to_pindex(mt, order));
	pb_spin_unlock(&pcp->lock);
	pb_local_irq_restore(flags);
	if (pg) {
		pa_count_zid_vm_events(me, z->zone_idx, 1UL << order);
		pa_zone_statistics(pref, z, me, 1);
	}
	return pg;
}

/*
 * rmqueue_buddy (6.1): one block under the zone lock with interrupts saved, checked
 * (check_new_pages), NR_FREE_PAGES accounted, then the counters.
 */
static pb_noinline struct pb_page *pa_rmqueue_buddy(struct pb_zone *pref, struct pb_zone *z,
						 struct pb_cpu_state *me, unsigned order)
{
	unsigned long flags;
	struct pb_page *pg;

	pb_local_irq_save(flags);
	pa_zone_lock(z, me);
	pg = pa_rmqueue_smallest(z, order);
	if (pg)
		pa_mod_zone_page_state(z, me, PA_NR_FREE_PAGES, -(1L << order));
	pa_zone_unlock(z);
	pb_local_irq_restore(flags);
	if (!pg)
		return NULL;
	pa_check_new_pages(pg, order);
	pa_count_zid_vm_events(me, z->zone_idx, 1UL << order);
	pa_zone_statistics(pref, z, me, 1);
	return pg;
}

/* rmqueue (6.1): pcp lists for orders up to PAGE_ALLOC_COSTLY_ORDER, else the buddy. */
static inline struct pb_page *pa_rmqueue_61(struct pb_zone *pref, struct pb_zone *z,
					 struct pb_cpu_state *me, unsigned order,
					 unsigned alloc_flags, int mt)
{
	struct pb_page *pg = NULL;

	if (pb_likely(order <= z->pcp_max_order)) {
		/* The MOVABLE list may hold CMA pages; non-CMA contexts skip it. */
		if ((alloc_flags & PA_ALLOC_CMA) || mt != PA_MT_MOVABLE)
			pg = pa_rmqueue_pcplist(pref, z, me, order, mt);
	}
	if (pb_unlikely(!pg))
		pg = pa_rmqueue_buddy(pref, z, me, order);
	if (pb_unlikely(pa_test_zone_flag(z, PA_ZONE_BOOSTED_WATERMARK)))
		__atomic_fetch_and(&z->flags, ~(1UL << PA_ZONE_BOOSTED_WATERMARK), __ATOMIC_RELAXED);
	return pg;
}

/*
 * buffered_rmqueue (4.6): order 0 from the pcp list with interrupts off (local_irq_save),
 * higher orders from the buddy under the zone lock; then the fair-zone batch, PGALLOC and
 * the NUMA counters, all before interrupts come back on.
 */
static inline struct pb_page *pa_buffered_rmqueue(struct pb_zone *pref, struct pb_zone *z,
					       struct pb_cpu_state *me, unsigned order, int mt)
{
	unsigned long flags;
	struct pb_page *pg;

	pb_local_irq_save(flags);
	if (pb_likely(order == 0)) {
		/* The kernel needs no lock here; the model's drains from other threads do. */
		pb_spin_lock(&me->pcp.lock);
		pg = pa_rmqueue_pcplist_locked(z, me, 0, pa_order_to_pindex(mt, 0));
		pb_spin_unlock(&me->pcp.lock);
	} else {
		pa_zone_lock(z, me);
		pg = pa_rmqueue_smallest(z, order);
		if (pg)
			pa_mod_zone_page_state(z, me, PA_NR_FREE_PAGES, -(1L << order));
		pa_zone_unlock(z);
	}
	if (pb_unlikely(!pg)) {
		pb_local_irq_restore(flags);
		return NULL;
	}
	pa_mod_zone_page_state(z, me, PA_NR_ALLOC_BATCH, -(1L << order));
	if (pb_atomic64_read(&z->vm_stat[PA_NR_ALLOC_BATCH]) <= 0 &&
	    !pa_test_zone_flag(z, PA_ZONE_FAIR_DEPLETED))
		__atomic_fetch_or(&z->flags, 1UL << PA_ZONE_FAIR_DEPLETED, __ATOMIC_RELAXED);
	pa_count_zid_vm_events(me, z->zone_idx, 1UL << order);
	pa_zone_statistics_46(pref, z, me);
	pb_local_irq_restore(flags);
	return pg;
}

/* __zone_watermark_unusable_free: the high-atomic reserve and, without ALLOC_CMA, CMA pages. */
static inline long pa_zone_watermark_unusable_free(const struct pb_zone *z, unsigned order,
						unsigned alloc_flags)
{
	long unusable = (1L << order) - 1;

	if (pb_likely(!(alloc_flags & PA_ALLOC_HARDER)))
		unusable += (long)z->nr_reserved_highatomic;
	if (!(alloc_flags & PA_ALLOC_CMA))
		unusable += pa_zone_page_state(z, PA_NR_FREE_CMA_PAGES);
	return unusable;
}

/* __zone_watermark_ok: the order-0 test, then a free block of at least @order. */
static bool pa_zone_watermark_ok(const struct pb_zone *z, unsigned order, unsigned long mark,
			      int highest_zoneidx, unsigned alloc_flags, long free_pages)
{
	long min = (long)mark;

	free_pages -= pa_zone_watermark_unusable_free(z, order, alloc_flags);
	if (alloc_flags & PA_ALLOC_HIGH)
		min -= min / 2;
	if (pb_unlikely(alloc_flags & PA_ALLOC_HARDER))
		min -= min / 4;
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	/* free_area_empty: a lockless look at each list head (written with WRITE_ONCE). */
	for (unsigned o = order; o <= PB_MAX_ORDER; o++)
		if (PB_READ_ONCE(z->free_area[o].head))
			return true;
	return false;
}

/* zone_watermark_fast (6.1): the order-0 shortcut before the full check. */
static inline bool pa_zone_watermark_fast(const struct pb_zone *z, unsigned order,
				       unsigned long mark, int highest_zoneidx,
				       unsigned alloc_flags, unsigned gfp)
{
	long free_pages = pa_zone_page_state(z, PA_NR_FREE_PAGES);

	if (!order) {
		long usable = free_pages;
		long reserved = pa_zone_watermark_unusable_free(z, 0, alloc_flags);

		usable -= usable < reserved ? usable : reserved;
		if (usable > (long)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	if (pa_zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;
	if (pb_unlikely(!order && (gfp & PB_GFP_ATOMIC_BIT) && z->watermark_boost &&
			(alloc_flags & PA_ALLOC_WMARK_MASK) == PA_ALLOC_WMARK_MIN))
		return pa_zone_watermark_ok(z, order, z->watermark[PA_ALLOC_WMARK_MIN],
					 highest_zoneidx, alloc_flags, free_pages);
	return false;
}

/* struct alloc_context */
struct pa_alloc_context {
	struct pb_zoneref *zonelist;
	struct pb_zoneref *preferred_zoneref;
	int highest_zoneidx;
	int migratetype;
	bool spread_dirty_pages;
};

/* gfp_zone: GFP_ZONE_TABLE without zone modifiers is ZONE_NORMAL (no __GFP_DMA/HIGHMEM). */
static inline int pa_gfp_zone(unsigned gfp)
{
	static const uint8_t table[2] = { PA_ZONE_NORMAL, PA_ZONE_MOVABLE };

	return table[(gfp & PB_GFP_MOVABLE) != 0];
}

/* gfp_migratetype */
static inline int pa_gfp_migratetype(unsigned gfp)
{
	return (gfp & PB_GFP_MOVABLE) ? PA_MT_MOVABLE : PA_MT_UNMOVABLE;
}

/* first_zones_zonelist: the first zoneref at or below highest_zoneidx. */
static inline struct pb_zoneref *pa_first_zones_zonelist(struct pb_zoneref *z, int highest)
{
	while (z->zone && z->zone_idx > highest)
		z++;
	return z;
}

/* splitmix64: one step of a slot's fault-injection sequence (any seed, no zero state). */
static uint64_t pa_fail_next(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * should_fail_ex (lib/fault-inject.c) for fail_page_alloc as fail= sets it up: min-order 0
 * and ignore-gfp-wait N (so order-0 and atomic calls fail too: the driver's case), times -1
 * (unlimited), interval 1. First the space, as the kernel tests it: while more than the
 * call's 1 << order pages are left of it, the budget shrinks by that much and nothing fails
 * (so fail_space=N lets N - 1 single pages through). Then the probability, from this slot's
 * own sequence, so a run replays the same failures on each CPU slot whatever the others do.
 */
static pb_noinline bool pa_should_fail_slow(struct pb_zone *z, unsigned order)
{
	struct pb_cpu_state *me = pa_this_cpu(z);
	int64_t size = (int64_t)1 << order;

	if (pb_atomic64_read(&z->fail_space) > size) {
		pb_atomic64_add(&z->fail_space, -size);
		return false;
	}
	if (pa_fail_next(&me->fail_rnd) % PB_FAIL_PPM_ONE >= z->fail_ppm)
		return false;
	me->pcp.stats.pa_fail_injected++;
	return true;
}

/*
 * should_fail_alloc_page: a real out-of-line call in the kernel (error injection point).
 * __GFP_NOFAIL is never set here, so every call may be failed when fail= is.
 */
static pb_noinline bool pa_should_fail_alloc_page(struct pb_zone *z, unsigned gfp, unsigned order)
{
	pb_barrier();
	if (pb_likely(!z->fail_ppm))
		return false;
	return pa_should_fail_slow(z, order);
}

/* prepare_alloc_pages: zone index, zonelist, migratetype, fault injection, CMA, preferred zone. */
static inline bool pa_prepare_alloc_pages(struct pb_zone *z, unsigned gfp, unsigned order,
				       struct pa_alloc_context *ac, unsigned *alloc_flags)
{
	ac->highest_zoneidx = pa_gfp_zone(gfp);
	ac->zonelist = z->zonelist;
	ac->migratetype = pa_gfp_migratetype(gfp);
	if (pa_should_fail_alloc_page(z, gfp, order))
		return false;
	if (z->kernel == PB_KERNEL_6_1 && ac->migratetype == PA_MT_MOVABLE)
		*alloc_flags |= PA_ALLOC_CMA;	/* gfp_to_alloc_flags_cma */
	ac->spread_dirty_pages = false;		/* __GFP_WRITE is never set */
	ac->preferred_zoneref = pa_first_zones_zonelist(ac->zonelist, ac->highest_zoneidx);
	return true;
}

/*
 * prep_compound_page: PG_head on the head, compound_head (tagged, in ->next as the kernel
 * keeps it in lru.next), TAIL_MAPPING (in ->pp, the mapping slot) and private 0 on every
 * tail, then compound_order, compound_mapcount -1 and pincount 0 in the first tail.
 */
#define PA_TAIL_MAPPING ((void *)0x400)
static void pa_prep_compound_page(struct pb_page *pg, unsigned order)
{
	size_t n = 1UL << order;

	pb_page_flags_add(pg, PB_PG_HEAD);
	for (size_t i = 1; i < n; i++) {
		struct pb_page *p = pg + i;

		p->pp = PA_TAIL_MAPPING;
		p->next = (struct pb_page *)((uintptr_t)pg | 1);
		p->private_ = 0;
	}
	pb_page_set_order(&pg[1], order);
	pb_atomic_set(&pg[1].frag_count, -1);
	pg[1].pagecnt_bias = 0;
}

/*
 * free_tail_pages_check without DEBUG_VM, plus free_page_is_bad on the tail: the tail's
 * mapping and compound_head are cleared, its refcount must be 0.
 */
static inline void pa_free_tail_pages_check(struct pb_page *head, struct pb_page *p)
{
	PB_BUG_ON(((uintptr_t)p->next & 1) && (struct pb_page *)((uintptr_t)p->next - 1) != head,
		  "compound_head not consistent");
	p->pp = NULL;
	p->next = NULL;
	PB_BUG_ON(pb_atomic_read(&p->refcount) != 0, "freeing a tail page with a refcount");
	pb_page_flags_set(p, 0);
}

/*
 * post_alloc_hook (6.1) and prep_new_page: private 0, refcount 1, init_on_alloc zeroing
 * (kernel_init_pages), compound set-up for order > 0 with __GFP_COMP, and the pfmemalloc
 * mark when the reserves were used. 4.6 checks every page here (check_new_page) and zeroes
 * only for __GFP_ZERO.
 */
static inline void pa_prep_new_page(struct pb_zone *z, struct pb_page *pg, unsigned order,
				 unsigned gfp, unsigned alloc_flags)
{
	bool init;

	if (z->kernel == PB_KERNEL_2016) {
		pa_check_new_pages(pg, order);
		init = gfp & PB_GFP_ZERO;
	} else {
		PB_BUG_ON(pb_atomic_read(&pg->refcount) != 0, "allocating a page with a refcount");
		init = z->init_on_alloc || (gfp & PB_GFP_ZERO);
	}
	pg->private_ = 0;
	pb_page_flags_set(pg, 0);
	pb_page_set_order(pg, order);
	/* The page is not visible to anyone else yet: a plain store, not a locked RMW. */
	pb_atomic_set(&pg->refcount, 1);
	if (init)	/* kernel_init_pages: clear_highpage of each page */
		for (size_t i = 0; i < (1UL << order); i++)
			pb_clear_page((char *)pb_page_address(pg) + (i << PB_PAGE_SHIFT));
	if (order && (gfp & PB_GFP_COMP))
		pa_prep_compound_page(pg, order);
	if (pb_unlikely(alloc_flags & PA_ALLOC_NO_WATERMARKS))
		pb_page_flags_add(pg, PB_PG_RESERVE);
}

static void pa_reset_alloc_batches(struct pb_zone *z, struct pb_cpu_state *me);

/*
 * get_page_from_freelist: the zonelist walk (cpusets off, no dirty spreading, one node so
 * no remote fallback), the watermark of alloc_flags, rmqueue, prep_new_page. 4.6 adds the
 * fair-zone check and uses the full zone_watermark_ok.
 */
static struct pb_page *pa_get_page_from_freelist(struct pb_cpu_state *me, unsigned gfp,
					      unsigned order, unsigned alloc_flags,
					      const struct pa_alloc_context *ac)
{
	unsigned nr_fair_skipped = 0;
	bool no_fallback;
	struct pb_zoneref *zr;

retry:
	no_fallback = alloc_flags & PA_ALLOC_NOFRAGMENT;
	for (zr = ac->preferred_zoneref; zr->zone; zr++) {
		struct pb_zone *z = zr->zone;
		unsigned long mark;
		struct pb_page *pg;
		bool ok;

		if (zr->zone_idx > ac->highest_zoneidx)
			continue;
		if ((alloc_flags & PA_ALLOC_FAIR) && pa_test_zone_flag(z, PA_ZONE_FAIR_DEPLETED)) {
			nr_fair_skipped++;
			continue;
		}
		mark = z->watermark[alloc_flags & PA_ALLOC_WMARK_MASK] + z->watermark_boost;
		if (z->kernel == PB_KERNEL_6_1)
			ok = pa_zone_watermark_fast(z, order, mark, ac->highest_zoneidx, alloc_flags, gfp);
		else
			ok = pa_zone_watermark_ok(z, order, mark, ac->highest_zoneidx, alloc_flags,
					       pa_zone_page_state(z, PA_NR_FREE_PAGES));
		if (!ok && !(alloc_flags & PA_ALLOC_NO_WATERMARKS))
			continue;
		if (z->kernel == PB_KERNEL_6_1)
			pg = pa_rmqueue_61(ac->preferred_zoneref->zone, z, me, order, alloc_flags,
					ac->migratetype);
		else
			pg = pa_buffered_rmqueue(ac->preferred_zoneref->zone, z, me, order,
					      ac->migratetype);
		if (pg) {
			pa_prep_new_page(z, pg, order, gfp, alloc_flags);
			return pg;
		}
	}
	if (no_fallback) {
		alloc_flags &= ~PA_ALLOC_NOFRAGMENT;
		goto retry;
	}
	/* 4.6: every local zone's fair batch ran out: reset_alloc_batches and scan again. */
	if (alloc_flags & PA_ALLOC_FAIR) {
		alloc_flags &= ~PA_ALLOC_FAIR;
		if (nr_fair_skipped) {
			pa_reset_alloc_batches(ac->preferred_zoneref->zone, me);
			goto retry;
		}
	}
	return NULL;
}

/* reset_alloc_batches (4.6): the batch back to high - low, ZONE_FAIR_DEPLETED cleared. */
static pb_noinline void pa_reset_alloc_batches(struct pb_zone *z, struct pb_cpu_state *me)
{
	long want = (long)(z->watermark[PA_ALLOC_WMARK_HIGH] - z->watermark[PA_ALLOC_WMARK_LOW]);

	pa_mod_zone_page_state(z, me, PA_NR_ALLOC_BATCH,
			    want - (long)pb_atomic64_read(&z->vm_stat[PA_NR_ALLOC_BATCH]));
	__atomic_fetch_and(&z->flags, ~(1UL << PA_ZONE_FAIR_DEPLETED), __ATOMIC_RELAXED);
}

/* alloc_flags_nofragment: ALLOC_KSWAPD from the gfp, NOFRAGMENT for ZONE_NORMAL. */
static inline unsigned pa_alloc_flags_nofragment(const struct pb_zone *z, unsigned gfp)
{
	unsigned alloc_flags = gfp & PB_GFP_KSWAPD_RECLAIM;

	if (!z || z->zone_idx != PA_ZONE_NORMAL)
		return alloc_flags;
	return alloc_flags | PA_ALLOC_NOFRAGMENT;
}

/*
 * __alloc_pages_slowpath, reduced to what changes the outcome here: the min watermark with
 * ALLOC_HIGH/ALLOC_HARDER (gfp_to_alloc_flags), then no watermarks for __GFP_MEMALLOC, and
 * only a caller that may reclaim gets drain_all_pages and one more try (the model has no
 * page cache to reclaim). GFP_ATOMIC leaves other CPUs' pcp pages where they are.
 */
static pb_noinline struct pb_page *pa_alloc_slowpath(struct pb_zone *z, struct pb_cpu_state *me,
						  unsigned gfp, unsigned order,
						  struct pa_alloc_context *ac)
{
	unsigned alloc_flags = PA_ALLOC_WMARK_MIN | PA_ALLOC_CPUSET;
	struct pb_page *pg;

	if (gfp & PB_GFP_HIGH)
		alloc_flags |= PA_ALLOC_HIGH;
	if (gfp & PB_GFP_ATOMIC_BIT)
		alloc_flags |= PA_ALLOC_HARDER;
	if (ac->migratetype == PA_MT_MOVABLE)
		alloc_flags |= PA_ALLOC_CMA;
	pg = pa_get_page_from_freelist(me, gfp, order, alloc_flags, ac);
	if (pg)
		return pg;
	if (gfp & PB_GFP_MEMALLOC) {
		pg = pa_get_page_from_freelist(me, gfp, order, PA_ALLOC_NO_WATERMARKS, ac);
		if (pg)
			return pg;
	}
	if (!(gfp & PB_GFP_DIRECT_RECLAIM))
		return NULL;
	pa_drain_all_pages(z, me);
	pg = pa_get_page_from_freelist(me, gfp, order, alloc_flags, ac);
	if (!pg && (gfp & PB_GFP_MEMALLOC))
		pg = pa_get_page_from_freelist(me, gfp, order, PA_ALLOC_NO_WATERMARKS, ac);
	return pg;
}

/* __alloc_pages (6.1) / __alloc_pages_nodemask (4.6): prepare, fast path, slow path. */
struct pb_page *pb_alloc_pages_gfp(struct pb_zone *z, unsigned gfp, unsigned order)
{
	struct pb_cpu_state *me = pa_this_cpu(z);
	unsigned alloc_flags = PA_ALLOC_WMARK_LOW;
	struct pa_alloc_context ac;
	struct pb_page *pg;

	me->pcp.stats.pa_alloc_calls++;
	if (pb_unlikely(order > PB_MAX_ORDER))
		return NULL;
	if (!pa_prepare_alloc_pages(z, gfp, order, &ac, &alloc_flags))
		return NULL;
	if (z->kernel == PB_KERNEL_6_1)
		alloc_flags |= pa_alloc_flags_nofragment(ac.preferred_zoneref->zone, gfp);
	else
		alloc_flags |= PA_ALLOC_CPUSET | PA_ALLOC_FAIR;
	pg = pa_get_page_from_freelist(me, gfp, order, alloc_flags, &ac);
	if (pb_unlikely(!pg))
		pg = pa_alloc_slowpath(z, me, gfp, order, &ac);
	if (pb_unlikely(!pg))
		return NULL;
	pa_count_pages(&me->pcp.stats.pa_alloc_pages, 1UL << order);
	return pg;
}

struct pb_page *pb_alloc_pages(struct pb_zone *z, unsigned order)
{
	return pb_alloc_pages_gfp(z, PB_GFP_DEV_PAGES, order);
}

/*
 * __alloc_pages_bulk (6.1): one watermark check for the whole request, then pages off the
 * pcp list under one trylock, each through prep_new_page, and the counters once; with no
 * page at all (lock busy or zone low), one ordinary allocation. 4.6 had no bulk call: the
 * 2016 profile allocates page by page.
 */
unsigned pb_alloc_pages_bulk(struct pb_zone *z, unsigned n, struct pb_page **pages)
{
	struct pb_cpu_state *me = pa_this_cpu(z);
	unsigned alloc_flags = PA_ALLOC_WMARK_LOW, got = 0;
	struct pa_alloc_context ac;
	unsigned long flags;
	struct pb_zone *zone;
	unsigned long mark;

	if (!n)
		return 0;
	if (z->kernel == PB_KERNEL_2016 || n == 1)
		goto failed;
	if (!pa_prepare_alloc_pages(z, PB_GFP_DEV_PAGES, 0, &ac, &alloc_flags))
		goto failed;
	alloc_flags |= pa_alloc_flags_nofragment(ac.preferred_zoneref->zone, PB_GFP_DEV_PAGES);
	zone = ac.preferred_zoneref->zone;
	if (!zone)
		goto failed;
	mark = zone->watermark[alloc_flags & PA_ALLOC_WMARK_MASK] + zone->watermark_boost + n;
	if (!pa_zone_watermark_fast(zone, 0, mark, ac.highest_zoneidx, alloc_flags, PB_GFP_DEV_PAGES))
		goto failed;
	pb_local_irq_save(flags);
	if (!pb_spin_trylock(&me->pcp.lock)) {
		pb_local_irq_restore(flags);
		goto failed;
	}
	while (got < n) {
		struct pb_page *pg = pa_rmqueue_pcplist_locked(zone, me, 0,
							    pa_order_to_pindex(ac.migratetype, 0));

		if (!pg)
			break;
		pa_prep_new_page(zone, pg, 0, PB_GFP_DEV_PAGES, alloc_flags);
		pages[got++] = pg;
	}
	pb_spin_unlock(&me->pcp.lock);
	pb_local_irq_restore(flags);
	if (!got)
		goto failed;
	pa_count_zid_vm_events(me, zone->zone_idx, got);
	pa_zone_statistics(ac.preferred_zoneref->zone, zone, me, got);
	me->pcp.stats.pa_alloc_calls++;
	pa_count_pages(&me->pcp.stats.pa_alloc_pages, got);
	return got;
failed:
	/* One page through the ordinary path; the 2016 profile loops it over the request. */
	do {
		pages[got] = pb_alloc_pages(z, 0);
		if (!pages[got])
			break;
		got++;
	} while (z->kernel == PB_KERNEL_2016 && got < n);
	return got;
}

/*
 * free_pages_prepare: the tails of a compound page checked and cleared, the head's owner
 * and in-use flags cleared. The invariants below are the model's safety net; they read
 * the descriptor line the kernel's PageMappingFlags/memcg tests read anyway. 4.6 also ran
 * free_pages_check on every free (6.1 defers it to the bulk drain).
 */
static inline void pa_free_pages_prepare(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	PB_BUG_ON(pb_atomic_read(&pg->refcount) != 0, "freeing a page that is still referenced");
	PB_BUG_ON(pg->flags & (PB_PG_BUDDY | PB_PG_PCP), "double free of a page");
	PB_BUG_ON(pg->order != order, "freeing a page with another order than allocated");
	PB_BUG_ON(pg->dma_addr != 0, "freeing a page that is still DMA-mapped");
	if (pb_unlikely(order)) {
		bool compound = pg->flags & PB_PG_HEAD;

		for (size_t i = 1; i < (1UL << order); i++) {
			if (compound)
				pa_free_tail_pages_check(pg, pg + i);
			else
				PB_BUG_ON(pb_atomic_read(&pg[i].refcount) != 0,
					  "freeing a page with a referenced sub-page");
		}
	}
	pg->pp = NULL;
	pb_page_flags_set(pg, 0);
}

/* nr_pcp_high: 0 while freeing high orders without allocating; 4 x batch under reclaim. */
static inline unsigned pa_nr_pcp_high(const struct pb_pcp *pcp, const struct pb_zone *z,
				   bool free_high)
{
	unsigned high = PB_READ_ONCE(pcp->high);

	if (pb_unlikely(!high || free_high))
		return 0;
	if (!pa_test_zone_flag(z, PA_ZONE_RECLAIM_ACTIVE))
		return high;
	return (PB_READ_ONCE(pcp->batch) << 2) < high ? PB_READ_ONCE(pcp->batch) << 2 : high;
}

/* nr_pcp_free: batch << free_factor, doubling on consecutive drains, in [batch, high - batch]. */
static inline unsigned pa_nr_pcp_free(struct pb_pcp *pcp, unsigned high, unsigned batch,
				   bool free_high)
{
	unsigned min_nr_free, max_nr_free;

	if (pb_unlikely(free_high))
		return pcp->count;
	if (pb_unlikely(high < batch))
		return 1;
	min_nr_free = batch;
	max_nr_free = high - batch;
	batch <<= pcp->free_factor;
	if (batch < max_nr_free)
		pcp->free_factor++;
	if (batch < min_nr_free)
		batch = min_nr_free;
	if (batch > max_nr_free)
		batch = max_nr_free;
	return batch;
}

/* free_unref_page_commit (6.1): PGFREE, list_add, and the high / free_high drain. */
static inline void pa_free_unref_page_commit(struct pb_zone *z, struct pb_cpu_state *me,
					  struct pb_page *pg, int mt, unsigned order)
{
	struct pb_pcp *pcp = &me->pcp;
	unsigned pindex = pa_order_to_pindex(mt, order);
	unsigned high;
	bool free_high;

	me->ev.pgfree += 1UL << order;
	pb_page_flags_set(pg, PB_PG_PCP);
	pb_list_push(&pcp->lists[pindex], pg);
	pcp->count += 1U << order;
	free_high = pcp->free_factor && order && order <= PB_PCP_ORDERS - 1;
	high = pa_nr_pcp_high(pcp, z, free_high);
	if (pcp->count >= high) {
		unsigned batch = PB_READ_ONCE(pcp->batch);

		pa_free_pcppages_bulk(z, me, pcp, pa_nr_pcp_free(pcp, high, batch, free_high), pindex);
	}
}

/* free_one_page / __free_pages_ok: straight to the buddy under the zone lock, irqs saved. */
static pb_noinline void pa_free_one_page(struct pb_zone *z, struct pb_cpu_state *me,
				      struct pb_page *pg, unsigned order)
{
	unsigned long flags;

	pb_local_irq_save(flags);
	pa_zone_lock(z, me);
	pa_free_one_page_locked(z, me, pg, order);
	pa_zone_unlock(z);
	pb_local_irq_restore(flags);
}

/*
 * free_unref_page (6.1): prepare, the pageblock's migratetype, then the pcp list under
 * pcp_spin_trylock_irqsave, or the buddy when the lock is busy.
 */
static inline void pa_free_unref_page(struct pb_zone *z, struct pb_cpu_state *me,
				   struct pb_page *pg, unsigned order)
{
	size_t pfn = pb_page_pfn(pg);
	unsigned long flags;
	int mt;

	pa_free_pages_prepare(z, pg, order);
	mt = pa_get_pfnblock_migratetype(z, pfn);
	pa_set_pcppage_migratetype(pg, mt);
	if (pb_unlikely(mt >= PA_MT_PCPTYPES)) {
		if (pb_unlikely(mt == PA_MT_ISOLATE)) {
			pa_free_one_page(z, me, pg, order);
			return;
		}
		mt = PA_MT_MOVABLE;
	}
	pb_local_irq_save(flags);
	if (pb_likely(pb_spin_trylock(&me->pcp.lock))) {
		pa_free_unref_page_commit(z, me, pg, mt, order);
		pb_spin_unlock(&me->pcp.lock);
		pb_local_irq_restore(flags);
		return;
	}
	pb_local_irq_restore(flags);
	pa_free_one_page(z, me, pg, order);
}

/*
 * free_hot_cold_page (4.6, hot): prepare, migratetype, then with interrupts off PGFREE,
 * list_add, and at high one batch back to the buddy.
 */
static inline void pa_free_hot_cold_page(struct pb_zone *z, struct pb_cpu_state *me,
				      struct pb_page *pg)
{
	struct pb_pcp *pcp = &me->pcp;
	size_t pfn = pb_page_pfn(pg);
	unsigned long flags;
	int mt;

	pa_free_pages_prepare(z, pg, 0);
	mt = pa_get_pfnblock_migratetype(z, pfn);
	pa_set_pcppage_migratetype(pg, mt);
	pb_local_irq_save(flags);
	me->ev.pgfree++;
	if (mt >= PA_MT_PCPTYPES) {
		if (pb_unlikely(mt == PA_MT_ISOLATE)) {
			pb_local_irq_restore(flags);
			pa_free_one_page(z, me, pg, 0);
			return;
		}
		mt = PA_MT_MOVABLE;
	}
	/* The kernel needs no lock here; the model's drains from other threads do. */
	pb_spin_lock(&pcp->lock);
	pb_page_flags_set(pg, PB_PG_PCP);
	pb_list_push(&pcp->lists[pa_order_to_pindex(mt, 0)], pg);
	pcp->count++;
	if (pcp->count >= pcp->high)
		pa_free_pcppages_bulk(z, me, pcp, PB_READ_ONCE(pcp->batch), 0);
	pb_spin_unlock(&pcp->lock);
	pb_local_irq_restore(flags);
}

/* __free_pages_ok: orders without pcp lists. */
static pb_noinline void pa_free_pages_ok(struct pb_zone *z, struct pb_cpu_state *me,
				      struct pb_page *pg, unsigned order)
{
	pa_free_pages_prepare(z, pg, order);
	(void)pa_get_pfnblock_migratetype(z, pb_page_pfn(pg));
	pa_free_one_page(z, me, pg, order);
	me->ev.pgfree += 1UL << order;
}

/* free_the_page: pcp-allowed orders to the pcp lists, the rest to the buddy. */
void pb_free_pages_unref(struct pb_zone *z, struct pb_page *pg, unsigned order)
{
	struct pb_cpu_state *me = pa_this_cpu(z);

	me->pcp.stats.pa_free_calls++;
	pa_count_pages(&me->pcp.stats.pa_free_pages, 1UL << order);
	if (z->kernel == PB_KERNEL_2016) {
		if (pb_likely(order == 0))
			pa_free_hot_cold_page(z, me, pg);
		else
			pa_free_pages_ok(z, me, pg, order);
		return;
	}
	if (pb_likely(order <= z->pcp_max_order))
		pa_free_unref_page(z, me, pg, order);
	else
		pa_free_pages_ok(z, me, pg, order);
}

/* __free_pages: put_page_testzero, then free_the_page. */
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
	struct pb_cpu_state *me = pa_this_cpu(z);

	pa_drain_pages_zone(z, me, me);
}

void pb_zone_drain_all(struct pb_zone *z)
{
	pa_drain_all_pages(z, pa_this_cpu(z));
}

size_t pb_zone_nr_free(const struct pb_zone *z)
{
	size_t n = PB_READ_ONCE(z->nr_free);

	for (unsigned c = 0; c < z->ncpus; c++)
		n += PB_READ_ONCE(z->cpu[c].pcp.count);
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
		pb_stats_add(out, &z->cpu[c].pcp.stats);
}

int64_t pb_zone_cpu_net_pages(const struct pb_zone *z, unsigned cpu)
{
	const struct pb_stats *s = &z->cpu[cpu % z->ncpus].pcp.stats;

	return (int64_t)(PB_READ_ONCE(s->pa_alloc_pages) - PB_READ_ONCE(s->pa_free_pages));
}

void pb_zone_vmstat(const struct pb_zone *z, struct pb_zone_vmstat *out)
{
	const struct pb_cpu_state *me = &z->cpu[pb_cpu_id() % z->ncpus];
	bool v46 = z->kernel == PB_KERNEL_2016;

	memset(out, 0, sizeof(*out));
	for (unsigned c = 0; c < z->ncpus; c++) {
		const struct pb_cpu_state *s = &z->cpu[c];

		out->pgalloc += s->ev.pgalloc[z->zone_idx];
		out->pgfree += s->ev.pgfree;
		if (v46) {
			out->numa_hit += s->zs.vm_stat_diff[PA_ZS_NUMA_HIT];
			out->numa_miss += s->zs.vm_stat_diff[PA_ZS_NUMA_MISS];
			out->numa_foreign += s->zs.vm_stat_diff[PA_ZS_NUMA_FOREIGN];
			out->numa_local += s->zs.vm_stat_diff[PA_ZS_NUMA_LOCAL];
			out->numa_other += s->zs.vm_stat_diff[PA_ZS_NUMA_OTHER];
		} else {
			out->numa_hit += s->zs.vm_numa_event[PA_NUMA_HIT];
			out->numa_miss += s->zs.vm_numa_event[PA_NUMA_MISS];
			out->numa_foreign += s->zs.vm_numa_event[PA_NUMA_FOREIGN];
			out->numa_local += s->zs.vm_numa_event[PA_NUMA_LOCAL];
			out->numa_other += s->zs.vm_numa_event[PA_NUMA_OTHER];
		}
	}
	if (v46) {
		out->numa_hit += pb_atomic64_read(&z->vm_stat[PA_ZS_NUMA_HIT]);
		out->numa_miss += pb_atomic64_read(&z->vm_stat[PA_ZS_NUMA_MISS]);
		out->numa_foreign += pb_atomic64_read(&z->vm_stat[PA_ZS_NUMA_FOREIGN]);
		out->numa_local += pb_atomic64_read(&z->vm_stat[PA_ZS_NUMA_LOCAL]);
		out->numa_other += pb_atomic64_read(&z->vm_stat[PA_ZS_NUMA_OTHER]);
	}
	out->nr_free_pages = pa_zone_page_state(z, PA_NR_FREE_PAGES);
	out->watermark_min = z->watermark[PA_ALLOC_WMARK_MIN];
	out->watermark_low = z->watermark[PA_ALLOC_WMARK_LOW];
	out->watermark_high = z->watermark[PA_ALLOC_WMARK_HIGH];
	out->pcp_high = me->pcp.high;
	out->pcp_batch = me->pcp.batch;
	out->stat_threshold = (unsigned)me->zs.pa_stat_threshold;
	out->free_factor = me->pcp.free_factor;
	out->pcp_count = me->pcp.count;
}

void pb_zone_set_reclaim_active(struct pb_zone *z, bool active)
{
	if (active)
		__atomic_fetch_or(&z->flags, 1UL << PA_ZONE_RECLAIM_ACTIVE, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&z->flags, ~(1UL << PA_ZONE_RECLAIM_ACTIVE), __ATOMIC_RELAXED);
}

/* Largest order a block starting at @pfn can have and still end by @npages. */
static unsigned pa_max_block_order(size_t pfn, size_t npages)
{
	unsigned o = PB_MAX_ORDER;

	while (o && ((pfn & ((1UL << o) - 1)) || pfn + (1UL << o) > npages))
		o--;
	return o;
}

static unsigned pa_fls_(unsigned long x)
{
	unsigned n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static unsigned long pa_int_sqrt_(unsigned long x)
{
	unsigned long r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/*
 * init_per_zone_wmark_min and __setup_per_zone_wmarks for a node whose lowmem is this
 * zone: min_free_kbytes = sqrt(16 x lowmem KiB) in [128, 262144] (65536 on 4.6), low = min
 * + max(min / 4, managed x watermark_scale_factor(10) / 10000), high = low + the same.
 */
static void pa_setup_zone_wmarks(struct pb_zone *z)
{
	unsigned long managed = z->ar->npages;
	unsigned long kb = pa_int_sqrt_((managed << (PB_PAGE_SHIFT - 10)) * 16);
	unsigned long cap = z->kernel == PB_KERNEL_2016 ? 65536 : 262144;
	unsigned long min, tmp;

	if (kb < 128)
		kb = 128;
	if (kb > cap)
		kb = cap;
	min = kb >> (PB_PAGE_SHIFT - 10);
	tmp = managed * 10 / 10000;
	if (tmp < (min >> 2))
		tmp = min >> 2;
	z->watermark[PA_ALLOC_WMARK_MIN] = min;
	z->watermark[PA_ALLOC_WMARK_LOW] = min + tmp;
	z->watermark[PA_ALLOC_WMARK_HIGH] = min + 2 * tmp;
}

/*
 * zone_highsize (6.1): the low watermark split across the node's online CPUs, at least
 * 4 x batch; 4.6 (pageset_set_batch): 6 x batch.
 */
static unsigned pa_zone_highsize(const struct pb_zone *z, unsigned batch)
{
	unsigned long high;

	if (z->kernel == PB_KERNEL_2016)
		return 6 * batch;
	high = z->watermark[PA_ALLOC_WMARK_LOW] / pb_nr_online_cpus();
	if (high < (unsigned long)batch << 2)
		high = (unsigned long)batch << 2;
	return (unsigned)high;
}

/* calculate_normal_threshold: 2 x fls(cpus) x (1 + fls(managed / 128 MiB)), at most 125. */
static int8_t pa_stat_threshold(const struct pb_zone *z)
{
	unsigned long mem = z->ar->npages >> (27 - PB_PAGE_SHIFT);
	unsigned t = 2 * pa_fls_(pb_nr_online_cpus()) * (1 + pa_fls_(mem));

	return (int8_t)(t < 125 ? t : 125);
}

static void pa_free_sections(struct pb_zone *z, size_t nsec)
{
	if (!z->sections)
		return;
	for (size_t s = 0; s < nsec; s++)
		free(z->sections[s].usage);
	free(z->sections);
}

/*
 * Bad parameters also return NULL: pb_alloc_create() validated them already, so reaching
 * here with them is a programming error the caller reports as a failed create.
 */
struct pb_zone *pb_zone_create(struct pb_arena *ar, const struct pb_zone_params *zp)
{
	size_t nsec, words;
	struct pb_zone *z;
	unsigned high;
	size_t len;

	if (!ar || !zp || zp->pcp_batch < 1 || (zp->pcp_high && zp->pcp_high < zp->pcp_batch) ||
	    zp->pcp_max_order >= PB_PCP_ORDERS || zp->ncpus < 1 || zp->ncpus > PB_MAX_CPUS ||
	    zp->kernel > PB_KERNEL_2016 || (zp->kernel == PB_KERNEL_2016 && zp->pcp_max_order))
		return NULL;
	len = sizeof(*z) + zp->ncpus * sizeof(z->cpu[0]);
	len = (len + PB_CACHELINE - 1) & ~(size_t)(PB_CACHELINE - 1);
	z = aligned_alloc(PB_CACHELINE, len);
	if (!z)
		return NULL;
	memset(z, 0, len);
	nsec = (ar->npages + (1UL << PA_SECTION_PFN_SHIFT) - 1) >> PA_SECTION_PFN_SHIFT;
	words = ((1UL << (PA_SECTION_PFN_SHIFT - PA_PAGEBLOCK_ORDER)) * PA_NR_PAGEBLOCK_BITS +
		 PA_BITS_PER_LONG_ - 1) / PA_BITS_PER_LONG_;
	z->sections = calloc(nsec, sizeof(*z->sections));
	for (size_t s = 0; z->sections && s < nsec; s++) {
		z->sections[s].usage = calloc(1, sizeof(struct pb_section_usage) +
					      words * sizeof(unsigned long));
		if (!z->sections[s].usage) {
			pa_free_sections(z, nsec);
			free(z);
			return NULL;
		}
	}
	if (!z->sections) {
		free(z);
		return NULL;
	}
	z->ar = ar;
	z->kernel = zp->kernel;
	z->pcp_max_order = zp->pcp_max_order;
	z->ncpus = zp->ncpus;
	z->init_on_alloc = zp->kernel == PB_KERNEL_6_1 && zp->init_on_alloc;
	z->zone_idx = PA_ZONE_NORMAL;
	z->node = ar->node;
	z->zonelist[0].zone = z;
	z->zonelist[0].zone_idx = PA_ZONE_NORMAL;
	z->fail_ppm = zp->fail_ppm < PB_FAIL_PPM_ONE ? zp->fail_ppm : PB_FAIL_PPM_ONE;
	pb_atomic64_set(&z->fail_space, (int64_t)zp->fail_space);
	pa_setup_zone_wmarks(z);
	high = zp->pcp_high ? zp->pcp_high : pa_zone_highsize(z, zp->pcp_batch);
	pb_spin_init(&z->lock);
	for (unsigned c = 0; c < z->ncpus; c++) {
		pb_spin_init(&z->cpu[c].pcp.lock);
		z->cpu[c].pcp.batch = zp->pcp_batch;
		z->cpu[c].pcp.high = high;
		z->cpu[c].zs.pa_stat_threshold = pa_stat_threshold(z);
		z->cpu[c].node = ar->node;
		z->cpu[c].fail_rnd = zp->fail_seed * 0x100000001b3ull + c;
	}
	/* Every pageblock is UNMOVABLE: the model serves only unmovable (driver) requests. */
	for (size_t pfn = 0; pfn < ar->npages; pfn += 1UL << PA_PAGEBLOCK_ORDER)
		pa_set_pfnblock_migratetype(z, pfn, PA_MT_UNMOVABLE);
	/* The fair-zone batch of 4.6 (high - low); 6.1 no longer has it. */
	if (zp->kernel == PB_KERNEL_2016)
		pb_atomic64_set(&z->vm_stat[PA_NR_ALLOC_BATCH],
				(int64_t)(z->watermark[PA_ALLOC_WMARK_HIGH] - z->watermark[PA_ALLOC_WMARK_LOW]));

	for (size_t pfn = 0; pfn < ar->npages; pfn++) {
		struct pb_page *pg = pb_pfn_to_page(ar, pfn);

		pb_atomic_set(&pg->refcount, 0);
		pb_page_flags_set(pg, 0);
		pb_page_set_order(pg, 0);
		pg->next = pg->prev = NULL;
		pg->pp = NULL;
		pg->dma_addr = 0;
		pg->arena = ar;
	}
	/* Maximal naturally aligned blocks, so merging later can rebuild exactly these. */
	for (size_t pfn = 0; pfn < ar->npages;) {
		unsigned o = pa_max_block_order(pfn, ar->npages);

		pa_add_to_free_area(z, pb_pfn_to_page(ar, pfn), o);
		pfn += 1UL << o;
	}
	pb_atomic64_set(&z->vm_stat[PA_NR_FREE_PAGES], (int64_t)z->nr_free);
	ar->zone = z;
	return z;
}

void pb_zone_destroy(struct pb_zone *z)
{
	if (!z)
		return;
	if (z->ar && z->ar->zone == z)
		z->ar->zone = NULL;
	pa_free_sections(z, (z->ar->npages + (1UL << PA_SECTION_PFN_SHIFT) - 1) >> PA_SECTION_PFN_SHIFT);
	free(z);
}
