// SPDX-License-Identifier: GPL-2.0-only
/*
 * array_cache: Alexei Starovoitov's 2016 proposal in the LSF/MM "generic page-pool recycle
 * facility" thread. Each RX queue owns a small array of (dma address, page) pairs that
 * nobody else touches, so recycling is a load, a store and an index update: no lock and
 * no atomic. Only the owning context ever reads or writes the array; a page freed from
 * anywhere else is unmapped and handed back to the page allocator. That is what makes
 * frees from other CPUs safe here without any synchronisation, and it is also the
 * design's cost: remote frees never recycle.
 *
 * When the array runs dry, one bulk call to the page allocator brings `batch` pages,
 * mapped once and kept mapped for as long as they cycle through the array.
 *
 * In flight = hold - released. hold is written by the owner only; released is counted per
 * CPU slot, so a remote free costs no shared atomic for the bookkeeping either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "direct.h"

/* The driver reads the bus address from here without touching the page's cache line. */
struct ac_entry {
	uint64_t dma;
	struct pb_page *page;
};

/* Counters of frees from any context: one line per CPU slot, one writer each. */
struct ac_cpu_stats {
	struct pb_stats s;
} pb_cacheline_aligned;

struct array_cache {
	/* Owning context only. */
	unsigned count;
	unsigned size;
	unsigned batch;
	uint64_t hold_cnt;
	struct ac_entry *entries;	/* [size] */
	struct pb_page **bulk;		/* [batch]: where the page allocator puts a refill */
	struct pb_stats own;

	struct pb_zone *zone;
	struct pb_dma *dma;
	struct ac_cpu_stats remote[PB_MAX_CPUS];
};

static const struct pb_param_spec ac_params[] = {
	{ "size", PB_PARAM_UINT, 1, 65536, NULL, "256", "entries of the per-RX-queue page array" },
	{ "batch", PB_PARAM_UINT, 1, 65536, NULL, "64",
	  "pages per refill from the page allocator (1..size)" },
	{ 0 },
};

static inline struct array_cache *ac_of(struct pb_alloc *a)
{
	return a->priv;
}

/* The page leaves the cache for good: unmapped first, the device must not write it again. */
static void ac_release(struct array_cache *ac, struct pb_page *pg, struct pb_stats *st)
{
	pb_page_flags_clear(pg, PB_PG_POOL);
	pg->pp = NULL;
	pb_dma_unmap(ac->dma, pg, 0);
	st->released++;
	pb_free_pages(ac->zone, pg, 0);
}

/*
 * One bulk call to the page allocator, each page mapped once. A page the IOMMU cannot map
 * goes straight back; whatever did map is pushed.
 */
static pb_noinline struct pb_page *ac_refill(struct array_cache *ac)
{
	unsigned n = pb_alloc_pages_bulk(ac->zone, ac->batch, ac->bulk);

	for (unsigned i = 0; i < n; i++) {
		struct pb_page *pg = ac->bulk[i];

		if (pb_unlikely(pb_dma_map(ac->dma, pg, 0))) {
			pb_free_pages(ac->zone, pg, 0);
			continue;
		}
		pb_page_flags_add(pg, PB_PG_POOL);
		pg->pp = ac;
		ac->hold_cnt++;
		ac->entries[ac->count].dma = pg->dma_addr;
		ac->entries[ac->count].page = pg;
		ac->count++;
	}
	if (pb_unlikely(!ac->count)) {
		ac->own.alloc_empty++;
		return NULL;
	}
	ac->own.alloc_slow++;
	return ac->entries[--ac->count].page;
}

static struct pb_page *ac_alloc(struct pb_alloc *a)
{
	struct array_cache *ac = ac_of(a);

	if (pb_likely(ac->count)) {
		ac->own.alloc_fast++;
		return ac->entries[--ac->count].page;
	}
	return ac_refill(ac);
}

/* Not recyclable here: shared, from the reserves, array full, or not the owning context. */
static pb_noinline void ac_free_slow(struct array_cache *ac, struct pb_page *pg, bool direct)
{
	struct pb_stats *st = direct ? &ac->own : &ac->remote[pb_cpu_id()].s;

	if (!pb_page_ref_is_last(pg) || (pg->flags & PB_PG_RESERVE))
		st->recycle_refcnt++;
	ac_release(ac, pg, st);
}

static void ac_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct array_cache *ac = ac_of(a);

	PB_BUG_ON(pg->pp != ac, "array_cache: page returned to a cache that does not own it");
	if (pb_likely(direct && ac->count < ac->size && pb_page_ref_is_last(pg) &&
		      !(pg->flags & PB_PG_RESERVE))) {
		ac->entries[ac->count].dma = pg->dma_addr;
		ac->entries[ac->count].page = pg;
		ac->count++;
		ac->own.recycle_cached++;
		return;
	}
	ac_free_slow(ac, pg, direct);
}

static uint64_t ac_released(struct array_cache *ac)
{
	uint64_t n = ac->own.released;

	for (unsigned c = 0; c < PB_MAX_CPUS; c++)
		n += PB_READ_ONCE(ac->remote[c].s.released);
	return n;
}

static uint64_t ac_in_flight(struct array_cache *ac)
{
	return ac->hold_cnt - ac_released(ac);
}

static int ac_check(const struct pb_params *p, struct pb_err *err)
{
	unsigned size = (unsigned)pb_param_u64(p, ac_params, "size");
	unsigned batch = (unsigned)pb_param_u64(p, ac_params, "batch");

	if (batch > size)
		return pb_err_set(err, "batch=%u: must not exceed size=%u (a refill has to fit the array)",
				  batch, size);
	return 0;
}

/* Order-0 pages from the zone; the array lends what it holds: at most every page of mem=. */
static uint64_t ac_capacity(const struct pb_params *p, char *why, size_t len)
{
	return pb_mem_blocks(p, 0, why, len);
}

static int ac_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	unsigned size = (unsigned)pb_param_u64(p, ac_params, "size");
	unsigned batch = (unsigned)pb_param_u64(p, ac_params, "batch");
	struct array_cache *ac;

	ac = aligned_alloc(PB_CACHELINE, sizeof(*ac));
	if (!ac)
		return pb_err_set(err, "array_cache: out of memory");
	memset(ac, 0, sizeof(*ac));
	ac->entries = calloc(size, sizeof(*ac->entries));
	ac->bulk = calloc(batch, sizeof(*ac->bulk));
	if (!ac->entries || !ac->bulk) {
		free(ac->entries);
		free(ac->bulk);
		free(ac);
		return pb_err_set(err, "array_cache: out of memory");
	}
	ac->size = size;
	ac->batch = batch;
	ac->zone = a->mem.zone;
	ac->dma = a->mem.dma;
	a->order = 0;
	a->priv = ac;
	return 0;
}

/*
 * Empties the array (pages unmapped, back to the page allocator). Pages still lent out keep
 * the cache alive for their frees; destroy is called again once they are back.
 */
static uint64_t ac_destroy(struct pb_alloc *a)
{
	struct array_cache *ac = ac_of(a);
	uint64_t in_flight;

	while (ac->count)
		ac_release(ac, ac->entries[--ac->count].page, &ac->own);
	in_flight = ac_in_flight(ac);
	if (in_flight)
		return in_flight;
	free(ac->entries);
	free(ac->bulk);
	free(ac);
	a->priv = NULL;
	return 0;
}

static void ac_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct array_cache *ac = ac_of(a);

	pb_stats_add(out, &ac->own);
	for (unsigned c = 0; c < PB_MAX_CPUS; c++)
		pb_stats_add(out, &ac->remote[c].s);
	out->hold += ac->hold_cnt;
	out->in_flight += ac_in_flight(ac);
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PAGES(array_cache, ac_alloc, ac_free);

const struct pb_alloc_ops pb_alloc_array_cache = {
	.name = "array_cache",
	.desc = "Starovoitov 2016: per-RX-queue array of (dma, page), zero atomics, remote frees release",
	.params = ac_params,
	.one_context = false,	/* remote frees never touch the array */
	.check = ac_check,
	.capacity = ac_capacity,
	.create = ac_create,
	.destroy = ac_destroy,
	.alloc = ac_alloc,
	.free = ac_free,
	.stats = ac_stats,
};
