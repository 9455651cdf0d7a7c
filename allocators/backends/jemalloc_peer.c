// SPDX-License-Identifier: GPL-2.0-only
/*
 * jemalloc: the general-purpose allocator a user would reach for instead of a page pool,
 * called through its own API (mallocx/sdallocx with a per-CPU tcache), not LD_PRELOAD.
 *
 * jemalloc gets its memory from us: a private arena whose extent hooks carve from this
 * instance's page allocator, the way a system allocator gets memory from the kernel. So
 * every buffer it hands out lies in our arena and its page descriptor is found by address
 * arithmetic (virt_to_page), the same cost model as for every other backend. jemalloc keeps
 * the memory it was given (dalloc is refused) until the instance is destroyed, when the
 * whole jemalloc arena is destroyed and the blocks go back to the page allocator.
 *
 * Pages it hands out get refcount 1 and lose it on free; there are no extra references to
 * take (no_page_refs). Device mapping is per buffer, as for any allocator that knows
 * nothing about devices.
 *
 * jemalloc_raw is the library in its own loop, without the page bookkeeping (raw_pairs):
 *   arena=default  mallocx(size, 0) / sdallocx(p, size, 0): the thread's automatic tcache
 *                  and arena, as jemalloc's users call it. sdallocx with flags 0 takes
 *                  free_fastpath; mallocx goes through imalloc either way (only malloc()
 *                  has imalloc_fastpath). Its memory is jemalloc's own, from the kernel.
 *   arena=private  the very calls the wrapped row makes: our arena through MALLOCX_ARENA,
 *                  an explicit MALLOCX_TCACHE, MALLOCX_ALIGN. Any non-zero flags send
 *                  sdallocx to sdallocx_default (no free_fastpath) and make mallocx decode
 *                  them: the slower path the private arena forces. The wrapped row cannot
 *                  take the default one: the thread's tcache is shared by every arena the
 *                  thread allocates from, so buffers of a destroyed instance would stay
 *                  cached in it, and our memory has to come from our own arena.
 */
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "buf_touch.h"
#include "direct.h"

#define JE_MAX_BLOCKS 4096

struct je_cpu {
	int tcache;		/* jemalloc tcache id of this CPU slot, -1 until first use */
	uint64_t allocs, frees;
} pb_cacheline_aligned;

struct je_peer {
	extent_hooks_t hooks;		/* first: the hooks get a pointer to it */
	struct pb_alloc *a;
	unsigned arena_ind;
	size_t size;			/* bytes per buffer: PB_PAGE_SIZE << order */
	int flags;			/* MALLOCX_* common to every call, without the tcache */
	bool raw_default;		/* jemalloc_raw arena=default: flags 0, jemalloc's own memory */
	bool dma;			/* dma= maps (not none): tested once here, as dma.h asks */
	pb_spinlock_t block_lock;	/* hooks may run on any thread */
	unsigned nblocks;
	struct pb_page *blocks[JE_MAX_BLOCKS];
	struct je_cpu cpu[PB_MAX_CPUS];
};

#define JE_ORDER_PARAM { "order", PB_PARAM_UINT, 0, 3, NULL, "0", "buffer size is 4 KiB << order" }

static const struct pb_param_spec je_params[] = {
	JE_ORDER_PARAM,
	{ 0 },
};

static const struct pb_param_spec je_raw_params[] = {
	JE_ORDER_PARAM,
	{ "arena", PB_PARAM_ENUM, 0, 0, "default|private", "default",
	  "default: flags 0, the thread's tcache and arena (jemalloc's fast paths); private: the "
	  "wrapped row's calls (our arena, an explicit tcache)" },
	{ 0 },
};

static struct je_peer *je_of_hooks(extent_hooks_t *h)
{
	return (struct je_peer *)h;
}

/* jemalloc asks for memory: a naturally aligned block from the page allocator. */
static void *je_extent_alloc(extent_hooks_t *h, void *new_addr, size_t size, size_t alignment,
			     bool *zero, bool *commit, unsigned arena_ind)
{
	struct je_peer *je = je_of_hooks(h);
	unsigned order = 0;
	struct pb_page *pg;

	if (new_addr)
		return NULL;	/* we cannot place memory at a given address */
	while ((PB_PAGE_SIZE << order) < size || (PB_PAGE_SIZE << order) < alignment)
		if (++order > PB_MAX_ORDER)
			return NULL;
	pg = pb_alloc_pages(je->a->mem.zone, order);
	if (!pg)
		return NULL;
	pb_spin_lock(&je->block_lock);
	if (je->nblocks == JE_MAX_BLOCKS) {
		pb_spin_unlock(&je->block_lock);
		pb_free_pages(je->a->mem.zone, pg, order);
		return NULL;
	}
	je->blocks[je->nblocks++] = pg;
	pb_spin_unlock(&je->block_lock);
	*zero = false;
	*commit = true;
	return pb_page_address(pg);
}

/* Refuse: jemalloc keeps the extent (retained) until the arena is destroyed. */
static bool je_extent_dalloc(extent_hooks_t *h, void *addr, size_t size, bool committed,
			     unsigned arena_ind)
{
	return true;
}

static void je_extent_destroy(extent_hooks_t *h, void *addr, size_t size, bool committed,
			      unsigned arena_ind)
{
}

static bool je_extent_commit(extent_hooks_t *h, void *addr, size_t size, size_t off, size_t len,
			     unsigned arena_ind)
{
	return false;	/* our memory is always committed */
}

static bool je_extent_decommit(extent_hooks_t *h, void *addr, size_t size, size_t off,
			       size_t len, unsigned arena_ind)
{
	return true;	/* refuse: keep it committed */
}

static bool je_extent_split(extent_hooks_t *h, void *addr, size_t size, size_t a, size_t b,
			    bool committed, unsigned arena_ind)
{
	return false;	/* allowed: blocks are tracked by us, not by extent boundaries */
}

static bool je_extent_merge(extent_hooks_t *h, void *addr_a, size_t size_a, void *addr_b,
			    size_t size_b, bool committed, unsigned arena_ind)
{
	return false;
}

static inline struct pb_page *je_virt_to_page(struct pb_alloc *a, void *p)
{
	return &a->mem.arena.pages[((char *)p - a->mem.arena.base) >> PB_PAGE_SHIFT];
}

static pb_noinline int je_tcache(struct je_peer *je, struct je_cpu *c)
{
	unsigned tc;
	size_t sz = sizeof(tc);

	if (mallctl("tcache.create", &tc, &sz, NULL, 0))
		return -1;
	c->tcache = (int)tc;
	return c->tcache;
}

static struct pb_page *je_alloc(struct pb_alloc *a)
{
	struct je_peer *je = a->priv;
	struct je_cpu *c = &je->cpu[pb_cpu_id()];
	int tc = pb_likely(c->tcache >= 0) ? c->tcache : je_tcache(je, c);
	struct pb_page *pg;
	void *p;

	p = mallocx(je->size, je->flags | (tc >= 0 ? MALLOCX_TCACHE(tc) : MALLOCX_TCACHE_NONE));
	if (pb_unlikely(!p))
		return NULL;
	pg = je_virt_to_page(a, p);
	if (je->dma && pb_unlikely(pb_dma_map(a->mem.dma, pg, a->order))) {
		sdallocx(p, je->size, je->flags | MALLOCX_TCACHE_NONE);
		return NULL;
	}
	pb_atomic_set(&pg->refcount, 1);
	c->allocs++;
	return pg;
}

static void je_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct je_peer *je = a->priv;
	struct je_cpu *c = &je->cpu[pb_cpu_id()];
	int tc = pb_likely(c->tcache >= 0) ? c->tcache : je_tcache(je, c);

	PB_BUG_ON(pb_page_count(pg) != 1, "jemalloc: buffer freed while still referenced");
	pb_atomic_set(&pg->refcount, 0);
	if (je->dma)
		pb_dma_unmap(a->mem.dma, pg, a->order);
	sdallocx(pb_page_address(pg), je->size,
		 je->flags | (tc >= 0 ? MALLOCX_TCACHE(tc) : MALLOCX_TCACHE_NONE));
	c->frees++;
}

PB_DIRECT_PAGES(jemalloc, je_alloc, je_free);

/* The raw row (see the top): @n mallocx+sdallocx pairs, touching what ours touch. */
static bool je_raw_pairs(struct pb_alloc *a, uint64_t n, uint32_t touch)
{
	struct je_peer *je = a->priv;
	size_t size = je->size;
	int flags = 0;

	if (!je->raw_default) {
		struct je_cpu *c = &je->cpu[pb_cpu_id()];
		int tc = c->tcache >= 0 ? c->tcache : je_tcache(je, c);

		flags = je->flags | (tc >= 0 ? MALLOCX_TCACHE(tc) : MALLOCX_TCACHE_NONE);
	}
	for (uint64_t i = 0; i < n; i++) {
		void *p = mallocx(size, flags);

		if (pb_unlikely(!p))
			return false;
		pb_buf_touch(p, touch);
		sdallocx(p, size, flags);
	}
	return true;
}

static uint64_t je_in_flight(struct je_peer *je)
{
	uint64_t allocs = 0, frees = 0;

	for (unsigned i = 0; i < PB_MAX_CPUS; i++) {
		allocs += je->cpu[i].allocs;
		frees += je->cpu[i].frees;
	}
	return allocs - frees;
}

/*
 * Every buffer is 4 KiB << order out of blocks the zone gave the arena's hooks, and the
 * arena's own metadata comes from the same hooks: at most every block of mem= as buffers.
 */
static uint64_t je_capacity(const struct pb_params *p, char *why, size_t len)
{
	return pb_mem_blocks(p, (unsigned)pb_param_u64(p, je_params, "order"), why, len);
}

static int je_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	struct je_peer *je = aligned_alloc(PB_CACHELINE, sizeof(*je));
	extent_hooks_t *hooks;
	size_t sz = sizeof(je->arena_ind), limit = PB_PAGE_SIZE << PB_MAX_ORDER;
	char name[64];

	if (!je)
		return pb_err_set(err, "jemalloc: out of memory");
	memset(je, 0, sizeof(*je));
	je->hooks = (extent_hooks_t){
		.alloc = je_extent_alloc,
		.dalloc = je_extent_dalloc,
		.destroy = je_extent_destroy,
		.commit = je_extent_commit,
		.decommit = je_extent_decommit,
		.split = je_extent_split,
		.merge = je_extent_merge,
	};
	je->a = a;
	pb_spin_init(&je->block_lock);
	for (unsigned i = 0; i < PB_MAX_CPUS; i++)
		je->cpu[i].tcache = -1;
	a->order = (unsigned)pb_param_u64(p, je_params, "order");
	je->size = PB_PAGE_SIZE << a->order;
	hooks = &je->hooks;
	if (mallctl("arenas.create", &je->arena_ind, &sz, &hooks, sizeof(hooks))) {
		free(je);
		return pb_err_set(err, "jemalloc: cannot create an arena (mallctl arenas.create)");
	}
	/* Never ask the hooks for more than the page allocator's largest block. */
	snprintf(name, sizeof(name), "arena.%u.retain_grow_limit", je->arena_ind);
	mallctl(name, NULL, NULL, &limit, sizeof(limit));
	je->flags = MALLOCX_ALIGN(je->size) | MALLOCX_ARENA(je->arena_ind);
	je->dma = pb_dma_mode(a->mem.dma) != PB_DMA_NONE;
	a->priv = je;
	return 0;
}

/* jemalloc_raw: the same instance (its private arena unused with arena=default). */
static int je_raw_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	if (je_create(a, p, err))
		return -1;
	((struct je_peer *)a->priv)->raw_default = pb_param_u64(p, je_raw_params, "arena") == 0;
	return 0;
}

static uint64_t je_destroy(struct pb_alloc *a)
{
	struct je_peer *je = a->priv;
	uint64_t in_flight = je_in_flight(je);
	char name[64];

	if (in_flight)
		return in_flight;
	for (unsigned i = 0; i < PB_MAX_CPUS; i++) {
		unsigned tc = (unsigned)je->cpu[i].tcache;

		if (je->cpu[i].tcache >= 0)
			mallctl("tcache.destroy", NULL, NULL, &tc, sizeof(tc));
	}
	snprintf(name, sizeof(name), "arena.%u.destroy", je->arena_ind);
	mallctl(name, NULL, NULL, NULL, 0);
	/* The buffers jemalloc handed out left their descriptors clean; give the blocks back. */
	for (unsigned i = 0; i < je->nblocks; i++) {
		/* The head may have been a buffer itself and left at refcount 0: reset, then free. */
		pb_atomic_set(&je->blocks[i]->refcount, 0);
		pb_free_pages_unref(a->mem.zone, je->blocks[i], je->blocks[i]->order);
	}
	free(je);
	a->priv = NULL;
	return 0;
}

static void je_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct je_peer *je = a->priv;

	for (unsigned i = 0; i < PB_MAX_CPUS; i++)
		out->alloc_fast += je->cpu[i].allocs;
	out->in_flight += je_in_flight(je);
}

const struct pb_alloc_ops pb_alloc_jemalloc = {
	.name = "jemalloc",
	.desc = "jemalloc mallocx/sdallocx of 4 KiB buffers, per-CPU tcache, memory from our arena",
	.params = je_params,
	.no_page_refs = true,
	.uncounted_atomics = "jemalloc's own (arena locks, tcache flushes) happen inside the library",
	.capacity = je_capacity,
	.create = je_create,
	.destroy = je_destroy,
	.alloc = je_alloc,
	.free = je_free,
	.stats = je_stats,
};

const struct pb_alloc_ops pb_alloc_jemalloc_raw = {
	.name = "jemalloc_raw",
	.desc = "raw row: mallocx/sdallocx in jemalloc's own loop (arena=default: flags 0, its fast paths), no page bookkeeping",
	.params = je_raw_params,
	.no_page_refs = true,
	.uncounted_atomics = "jemalloc's own (arena locks, tcache flushes) happen inside the library",
	.create = je_raw_create,
	.destroy = je_destroy,
	.raw_pairs = je_raw_pairs,
};
