/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page model: an arena of 4 KiB pages and one descriptor per page that does, with real
 * atomics, what struct page does on the packet paths (refcount, order, owner pool, DMA
 * address, node, reserve flag, free-list links).
 */
#ifndef PB_PAGE_H
#define PB_PAGE_H

#include "platform.h"

struct pb_zone;
struct pb_arena;

enum pb_page_flags {
	PB_PG_BUDDY = 1 << 0,	/* free, head of a block on a buddy free list (PageBuddy) */
	PB_PG_PCP = 1 << 1,	/* free, sitting on a per-CPU list */
	PB_PG_RESERVE = 1 << 2,	/* taken from the reserves (page_is_pfmemalloc): never recycle */
	PB_PG_POOL = 1 << 3,	/* owned by a recycling pool (page->pp_magic) */
	PB_PG_HEAD = 1 << 4,	/* head of a compound page (PG_head); tails point at it via next */
};

/* One cache line, like struct page: the hot fields share the line the refcount is on. */
struct pb_page {
	pb_atomic_t refcount;	/* _refcount: 0 while free */
	uint16_t flags;		/* enum pb_page_flags */
	uint8_t order;		/* block order while free; allocation order while in use */
	uint8_t node;		/* NUMA node of the memory */
	struct pb_page *next;	/* free-list / pcp-list links (page->lru) */
	struct pb_page *prev;
	void *pp;		/* owning pool while PB_PG_POOL (page->pp) */
	uint64_t dma_addr;	/* device address while mapped, 0 otherwise */
	pb_atomic_t frag_count;	/* pp_frag_count: fragments still out (frag API) */
	uint32_t pagecnt_bias;	/* references pre-charged and not yet handed out */
	struct pb_arena *arena;
	uint64_t private_;	/* backend scratch (e.g. a ring slot index) */
} pb_cacheline_aligned;

/* A contiguous run of pages with their descriptors; pfn = index in the arena. */
struct pb_arena {
	char *base;		/* first byte of page 0, aligned to the largest buddy block */
	size_t npages;
	struct pb_page *pages;
	unsigned node;		/* where the memory is: node=, else where first touch put it */
	struct pb_zone *zone;	/* the page allocator that owns this memory */
	void *map;		/* what mmap returned (base may be rounded up inside it) */
	size_t map_len;
	size_t desc_len;
};

struct pb_err;

/*
 * Maps @npages pages, pre-faults them (so no page fault lands in a measured loop), binds
 * them to NUMA node @node when node >= 0 (numa.h), and asks for THP when @hugepage.
 * Unbound, ar->node and every page's node are where the pre-fault put the memory.
 * Returns 0, or -1 with the reason in @err.
 */
int pb_arena_init(struct pb_arena *ar, size_t npages, int node, bool hugepage, struct pb_err *err);
/* 0 when NUMA node @node exists here; -1 + @err naming node= otherwise. */
int pb_arena_node_check(int node, struct pb_err *err);
/* Unmaps the arena and its descriptors. */
void pb_arena_fini(struct pb_arena *ar);

/*
 * Page flags as another CPU may look at them. __free_one_page's buddy test (page_is_buddy)
 * reads a neighbour's flags under the zone lock while that page's owner, who takes no zone
 * lock, rewrites them (prep_new_page, the pcp lists, a pool's PB_PG_POOL). That race is the
 * kernel's too and is safe: BUDDY is set and cleared only under the zone lock, so the test
 * sees it exactly, and the other bits it may see stale do not decide anything. Every write
 * of flags therefore goes through these (READ_ONCE / WRITE_ONCE: in userspace relaxed
 * atomics, the same plain mov on x86, but a race TSan is told about and accepts). The
 * read-modify-write ones are the kernel's non-atomic __SetPageX: only the page's owner
 * writes its flags, so no update can be lost, and a reader sees the old or the new value.
 */
static inline uint16_t pb_page_flags(const struct pb_page *pg)
{
	return PB_READ_ONCE(pg->flags);
}
static inline void pb_page_flags_set(struct pb_page *pg, uint16_t flags)
{
	PB_WRITE_ONCE(pg->flags, flags);
}
/*
 * Sets @pg's order. The replay's sampler reads the order of pages its threads hold from
 * another CPU (workloads/replay_sample.c, pinned bytes) while a free may be merging that
 * page into a buddy block: a sample may be one page off, but the store must not be a race.
 */
static inline void pb_page_set_order(struct pb_page *pg, unsigned order)
{
	PB_WRITE_ONCE(pg->order, (uint8_t)order);
}
/* Sets @bits (owner only: see above). */
static inline void pb_page_flags_add(struct pb_page *pg, uint16_t bits)
{
	PB_WRITE_ONCE(pg->flags, (uint16_t)(PB_READ_ONCE(pg->flags) | bits));
}
/* Clears @bits (owner only). */
static inline void pb_page_flags_clear(struct pb_page *pg, uint16_t bits)
{
	PB_WRITE_ONCE(pg->flags, (uint16_t)(PB_READ_ONCE(pg->flags) & ~bits));
}

/* Index of @pg in its arena (the page frame number). */
static inline size_t pb_page_pfn(const struct pb_page *pg)
{
	return (size_t)(pg - pg->arena->pages);
}
/* Descriptor of page frame @pfn of @ar. */
static inline struct pb_page *pb_pfn_to_page(const struct pb_arena *ar, size_t pfn)
{
	return &ar->pages[pfn];
}
/*
 * compound_head(): the head of the compound page @pg is a tail of (the tagged pointer
 * prep_compound_page left in ->next, as the kernel's in lru.next), else @pg itself.
 */
static inline struct pb_page *pb_compound_head(struct pb_page *pg)
{
	uintptr_t head = (uintptr_t)PB_READ_ONCE(pg->next);

	if (pb_unlikely(head & 1))
		return (struct pb_page *)(head - 1);
	return pg;
}
/* Virtual address of the memory @pg describes (page_address()). */
static inline void *pb_page_address(const struct pb_page *pg)
{
	return pg->arena->base + (pb_page_pfn(pg) << PB_PAGE_SHIFT);
}
/* Current reference count (page_ref_count()). */
static inline int pb_page_count(const struct pb_page *pg)
{
	return pb_atomic_read(&pg->refcount);
}
/*
 * page_ref_count(page) == 1, as a pool tests it before reusing a returned page: the caller
 * holds the only reference. When true, what the earlier holders did before their put_page
 * happens before the caller's reuse. The kernel gets that from the control dependency on
 * this read (reuse starts with stores, which are not speculated) and from put_page being
 * fully ordered; TSan models no control dependency, so it is told with an acquire on the
 * refcount, which the holders' put_page released. Nothing in a non-TSan build.
 */
static inline bool pb_page_ref_is_last(const struct pb_page *pg)
{
	if (pb_atomic_read(&pg->refcount) != 1)
		return false;
	pb_tsan_acquire(&pg->refcount);
	return true;
}
/* Takes one more reference (get_page()). */
static inline void pb_page_get(struct pb_page *pg)
{
	pb_atomic_inc(&pg->refcount);
}
/* Drops a reference; the last one frees the page to its zone (put_page()). */
void pb_page_put(struct pb_page *pg);

#endif
