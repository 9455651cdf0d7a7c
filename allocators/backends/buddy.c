/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `buddy` backend: no cache of its own, every page straight from and back to the page
 * allocator model, as a driver calling alloc_pages()/__free_pages() per packet would.
 * It is the baseline every recycling scheme has to beat. With a DMA model such a driver also
 * maps every page it gets and unmaps it when it hands the page on, so it pays both per packet.
 */
#include <stdio.h>
#include "allocator.h"
#include "direct.h"

static const struct pb_param_spec buddy_params[] = {
	{ .key = "order", .type = PB_PARAM_UINT, .min = 0, .max = 10, .def = "0",
	  .help = "page order of each allocation" },
	{ .key = NULL },
};

/* Every page of mem= in blocks of the order: nothing cached, nothing kept back. */
static uint64_t buddy_capacity(const struct pb_params *p, char *why, size_t len)
{
	return pb_mem_blocks(p, (unsigned)pb_param_u64(p, buddy_params, "order"), why, len);
}

static int buddy_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	a->order = (unsigned)pb_param_u64(p, buddy_params, "order");
	a->priv = NULL;
	return 0;
}

/*
 * Nothing is cached here, but every page a caller holds comes back through buddy_free()
 * (unmap, then free): the zone's count of held blocks is the pages still lent out.
 */
static uint64_t buddy_destroy(struct pb_alloc *a)
{
	return pb_alloc_pages_out(a);
}

/* Maps a fresh page for the device; on IOVA exhaustion the page goes back. */
static bool buddy_map(struct pb_alloc *a, struct pb_page *pg)
{
	if (pb_likely(!pb_dma_map(a->mem.dma, pg, a->order)))
		return true;
	pb_free_pages(a->mem.zone, pg, a->order);
	return false;
}

static struct pb_page *buddy_alloc(struct pb_alloc *a)
{
	struct pb_page *pg = pb_alloc_pages(a->mem.zone, a->order);

	return pg && buddy_map(a, pg) ? pg : NULL;
}

/*
 * The driver unmaps when it lets the page go, then drops its reference; whoever holds
 * another reference frees it later. @direct means nothing to the page allocator.
 */
static void buddy_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	pb_dma_unmap(a->mem.dma, pg, a->order);
	pb_free_pages(a->mem.zone, pg, a->order);
}

static unsigned buddy_alloc_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n)
{
	unsigned i, got;

	if (a->order == 0) {
		got = pb_alloc_pages_bulk(a->mem.zone, n, pages);
		for (i = 0; i < got; i++)
			if (!buddy_map(a, pages[i]))
				break;
		/* Keep the mapped prefix; the unmapped rest goes back. */
		for (unsigned j = i + 1; j < got; j++)
			pb_free_pages(a->mem.zone, pages[j], 0);
		return i;
	}
	/* The kernel's bulk API is order-0 only; higher orders go one call at a time. */
	for (i = 0; i < n; i++) {
		pages[i] = buddy_alloc(a);
		if (!pages[i])
			break;
	}
	return i;
}

static void buddy_free_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n, bool direct)
{
	for (unsigned i = 0; i < n; i++)
		buddy_free(a, pages[i], direct);
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PAGES(buddy, buddy_alloc, buddy_free);

const struct pb_alloc_ops pb_alloc_buddy = {
	.name = "buddy",
	.desc = "Linux page allocator model: binary buddy, zone lock, per-CPU lists",
	.params = buddy_params,
	.capacity = buddy_capacity,
	.create = buddy_create,
	.destroy = buddy_destroy,
	.alloc = buddy_alloc,
	.free = buddy_free,
	.alloc_bulk = buddy_alloc_bulk,
	.free_bulk = buddy_free_bulk,
	.stats = NULL,	/* the zone's pa_* counters are all there is */
};
