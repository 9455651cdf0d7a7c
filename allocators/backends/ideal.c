// SPDX-License-Identifier: GPL-2.0-only
/*
 * ideal: a bare LIFO array of pages with no refcount test, no lock, no statistics on the
 * fast path. It is the physical floor (a load, a store, an index update) that every
 * recycling design is measured against; it is not a safe allocator. When the array is empty
 * it takes a page from the page allocator, and when it is full it gives the page back, so
 * it can serve any number of outstanding pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include "allocator.h"
#include "direct.h"

struct ideal {
	unsigned top;
	unsigned cap;
	struct pb_zone *zone;
	unsigned order;
	uint64_t grown, shrunk;
	unsigned delay;			/* injected slowdown: empty iterations per alloc */
	struct pb_page **stack;
};

static const struct pb_param_spec ideal_params[] = {
	{ "order", PB_PARAM_UINT, 0, PB_MAX_ORDER, NULL, "0", "page order of each allocation" },
	{ "size", PB_PARAM_UINT, 1, 1u << 20, NULL, "16384", "entries of the LIFO array" },
	{ "delay", PB_PARAM_UINT, 0, 1000000, NULL, "0",
	  "injected slowdown: empty loop iterations per alloc (to test compare and CI gates)",
	  .not_in_name = true },
	{ 0 },
};

/* Empty array: a page from the page allocator, counted only when there was one. */
static pb_noinline struct pb_page *ideal_grow(struct ideal *id)
{
	struct pb_page *pg = pb_alloc_pages(id->zone, id->order);

	id->grown += pg != NULL;
	return pg;
}

static struct pb_page *ideal_alloc(struct pb_alloc *a)
{
	struct ideal *id = a->priv;

	for (unsigned i = id->delay; pb_unlikely(i); i--)
		pb_barrier();
	if (pb_likely(id->top))
		return id->stack[--id->top];
	return ideal_grow(id);
}

static void ideal_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct ideal *id = a->priv;

	if (pb_likely(id->top < id->cap)) {
		id->stack[id->top++] = pg;
		return;
	}
	id->shrunk++;
	pb_free_pages(id->zone, pg, id->order);
}

/* Pages from the zone, the array only caching some of them: all of mem= can be out. */
static uint64_t ideal_capacity(const struct pb_params *p, char *why, size_t len)
{
	return pb_mem_blocks(p, (unsigned)pb_param_u64(p, ideal_params, "order"), why, len);
}

static int ideal_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	struct ideal *id = calloc(1, sizeof(*id));

	if (!id)
		return pb_err_set(err, "ideal: out of memory");
	id->cap = (unsigned)pb_param_u64(p, ideal_params, "size");
	id->order = (unsigned)pb_param_u64(p, ideal_params, "order");
	id->delay = (unsigned)pb_param_u64(p, ideal_params, "delay");
	id->stack = calloc(id->cap, sizeof(*id->stack));
	if (!id->stack) {
		free(id);
		return pb_err_set(err, "ideal: out of memory");
	}
	id->zone = a->mem.zone;
	a->order = id->order;
	a->priv = id;
	return 0;
}

/*
 * The array goes back to the zone; pages callers still hold come back through
 * ideal_free(), so the instance stays until the zone counts none held (the array keeps
 * no count of its own: the fast path has none).
 */
static uint64_t ideal_destroy(struct pb_alloc *a)
{
	struct ideal *id = a->priv;
	uint64_t out;

	while (id->top)
		pb_free_pages(id->zone, id->stack[--id->top], id->order);
	out = pb_alloc_pages_out(a);
	if (out)
		return out;
	free(id->stack);
	free(id);
	return 0;
}

static void ideal_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct ideal *id = a->priv;

	out->alloc_slow += id->grown;
	out->released += id->shrunk;
	out->hold += id->grown;
	out->in_flight += id->grown - id->shrunk;
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PAGES(ideal, ideal_alloc, ideal_free);

const struct pb_alloc_ops pb_alloc_ideal = {
	.name = "ideal",
	.desc = "floor: bare LIFO array of pages, no refcount test, no lock",
	.params = ideal_params,
	.one_context = true,
	.capacity = ideal_capacity,
	.create = ideal_create,
	.destroy = ideal_destroy,
	.alloc = ideal_alloc,
	.free = ideal_free,
	.stats = ideal_stats,
};
