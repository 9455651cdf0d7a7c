// SPDX-License-Identifier: GPL-2.0-only
/*
 * Functional checks that only a real kernel can answer, each printed as one "PBK check"
 * line with ok=0|1:
 *   mode=inflight  a page_pool is destroyed while it still has pages lent out; the pages
 *                  come back at module unload, after which the deferred release must have
 *                  freed the pool and given every page back (the shared ptr_ring_pool gets
 *                  the same treatment at load);
 *   mode=numa      pages come from the node asked for: alloc_pages_node, a page_pool with
 *                  .nid, page_pool_update_nid moving the pool, the shared backends' arena.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include "pbk_compat.h"
#include "allocator.h"
#include "ptr_ring_pool.h"
#include "pbk.h"

#define NUMA_PAGES 64
/* Pages other kernel activity may take while the returned ones come back. */
#define INFLIGHT_SLACK 32

static struct {
	struct page_pool *pool;
	struct page **pages;
	unsigned n;
	long free0;
} lent;

static struct page_pool *pool_create(int nid, unsigned size)
{
	struct page_pool_params pp = {
		.pool_size = size, .nid = nid, .dma_dir = DMA_BIDIRECTIONAL,
	};

	return page_pool_create(&pp);
}

/* A shared ptr_ring_pool on a small arena of @node (-1: local). */
static struct pb_alloc *model_pool(int node, struct pb_err *err)
{
	struct pb_params *p = kzalloc(sizeof(*p), GFP_KERNEL);	/* 4 KiB: not on the stack */
	struct pb_alloc *a = NULL;
	char kv[32];

	if (!p) {
		pb_err_set(err, "out of memory");
		return NULL;
	}
	if (pb_params_add(p, "mem=4M", err))
		goto out;
	if (node != NUMA_NO_NODE) {
		snprintf(kv, sizeof(kv), "node=%d", node);
		if (pb_params_add(p, kv, err))
			goto out;
	}
	a = pb_alloc_create(pb_alloc_find("ptr_ring_pool"), p, err);
out:
	kfree(p);
	return a;
}

/* The shared page_pool model: destroy reports what is lent out, and finishes once it is back. */
static void inflight_model(unsigned n)
{
	struct pb_err err = { "" };
	struct pb_alloc *a = model_pool(pbk_cfg.node, &err);
	struct pb_page **pg;
	u64 first, second = 0, leaked = 0;
	unsigned got = 0;

	if (!a) {
		pbk_check("inflight_ptr_ring_pool", false, "why=\"%s\"", err.msg);
		return;
	}
	pg = kcalloc(n, sizeof(*pg), GFP_KERNEL);
	while (pg && got < n && (pg[got] = pb_alloc_page(a)))
		got++;
	first = pb_alloc_destroy(a, NULL);
	for (unsigned i = 0; i < got; i++)
		pb_alloc_free(a, pg[i], false);
	if (first)
		second = pb_alloc_destroy(a, &leaked);
	pbk_check("inflight_ptr_ring_pool", pg && got == n && first == n && !second && !leaked,
		  "held=%u in_flight_at_destroy=%llu in_flight_after_return=%llu leaked=%llu",
		  got, first, second, leaked);
	kfree(pg);
}

void pbk_checks_inflight(void)
{
	unsigned n = pbk_cfg.inflight, extra = 16, got = 0;
	struct page *p;
	u32 in_flight;

	inflight_model(n);

	lent.free0 = pbk_free_pages();
	lent.pages = kcalloc(n, sizeof(*lent.pages), GFP_KERNEL);
	lent.pool = pool_create(pbk_cfg.node, pbk_cfg.pool_size);
	if (!lent.pages || IS_ERR(lent.pool)) {
		pbk_check("inflight_page_pool_destroy", false, "why=\"out of memory\"");
		if (!IS_ERR_OR_NULL(lent.pool))
			page_pool_destroy(lent.pool);
		kfree(lent.pages);
		lent.pages = NULL;
		lent.pool = NULL;
		return;
	}
	while (got < n && (lent.pages[got] = page_pool_dev_alloc_pages(lent.pool)))
		got++;
	lent.n = got;
	/* Some pages are also parked in the ring, so destroy has both kinds to deal with. */
	for (unsigned i = 0; i < extra && (p = page_pool_dev_alloc_pages(lent.pool)); i++)
		page_pool_put_full_page(lent.pool, p, false);
	in_flight = lent.pool->pages_state_hold_cnt -
		    atomic_read(&lent.pool->pages_state_release_cnt);
	/* From here on the pool is only touched by returning its pages, as a driver would. */
	page_pool_destroy(lent.pool);
	pbk_check("inflight_page_pool_destroy", got == n && in_flight >= n,
		  "held=%u in_flight_before_destroy=%u", got, in_flight);
}

/*
 * The returned pages sit in the dead pool's ring until its release work runs (once a
 * second), scrubs the ring and frees the pool: only then does the page allocator see them.
 * So the check is that the free pages rise by the pages returned, which the tolerance
 * alone (PBK_FREE_TOLERANCE, larger than a small inflight=) could not tell.
 */
void pbk_checks_inflight_exit(void)
{
	unsigned long t0 = jiffies, end = t0 + 5 * HZ;
	long before, rise, d;

	if (!lent.pool)
		return;
	before = pbk_free_pages();
	for (unsigned i = 0; i < lent.n; i++)
		page_pool_put_full_page(lent.pool, lent.pages[i], false);
	do {
		msleep(50);
		rise = pbk_free_pages() - before;
	} while (rise < (long)lent.n - INFLIGHT_SLACK && time_before(jiffies, end));
	d = pbk_free_settle(lent.free0, 1000);
	pbk_check("inflight_page_pool_return",
		  rise >= (long)lent.n - INFLIGHT_SLACK && abs(d) <= PBK_FREE_TOLERANCE,
		  "returned=%u free_pages_rise=%ld free_delta=%ld waited_ms=%u", lent.n, rise, d,
		  jiffies_to_msecs(jiffies - t0));
	kfree(lent.pages);
	lent.pages = NULL;
	lent.pool = NULL;
}

/* --- NUMA --- */

struct numa_job {
	struct page_pool *pool;
	struct page *pages[NUMA_PAGES];
	unsigned got;
	int nid;			/* count pages on this node */
	unsigned on_node;
	bool direct;
	int new_nid;
	u32 cache_after;
};

static void nj_alloc(void *arg)
{
	struct numa_job *j = arg;

	j->got = j->on_node = 0;
	while (j->got < NUMA_PAGES && (j->pages[j->got] = page_pool_dev_alloc_pages(j->pool))) {
		j->on_node += page_to_nid(j->pages[j->got]) == j->nid;
		j->got++;
	}
}

/* Half back into the direct cache, half into the ring: update_nid treats them differently. */
static void nj_return_split(void *arg)
{
	struct numa_job *j = arg;

	for (unsigned i = 0; i < j->got; i++)
		page_pool_put_full_page(j->pool, j->pages[i], i < j->got / 2);
	j->got = 0;
}

static void nj_return_all(void *arg)
{
	struct numa_job *j = arg;

	for (unsigned i = 0; i < j->got; i++)
		page_pool_put_full_page(j->pool, j->pages[i], true);
	j->got = 0;
}

static void nj_update(void *arg)
{
	struct numa_job *j = arg;

	page_pool_update_nid(j->pool, j->new_nid);
	j->cache_after = j->pool->alloc.count;
}

static void numa_alloc_pages_node(int nid)
{
	struct page *pages[NUMA_PAGES];
	unsigned got = 0, on = 0;

	while (got < NUMA_PAGES && (pages[got] = alloc_pages_node(nid, GFP_KERNEL, 0)))
		on += page_to_nid(pages[got++]) == nid;
	for (unsigned i = 0; i < got; i++)
		__free_pages(pages[i], 0);
	pbk_check("numa_alloc_pages_node", got == NUMA_PAGES && on == got,
		  "node=%d pages=%u on_node=%u", nid, got, on);
}

/* A pool with .nid = @nid hands out pages of @nid; moved to @other, it flushes and refills. */
static void numa_page_pool(int nid, int other)
{
	struct numa_job *j = kzalloc(sizeof(*j), GFP_KERNEL);
	u32 rel0, released, cache_before;

	if (!j || IS_ERR(j->pool = pool_create(nid, 256))) {
		pbk_check("numa_page_pool", false, "why=\"cannot create the pool\"");
		kfree(j);
		return;
	}
	j->nid = nid;
	pbk_in_softirq(nj_alloc, j);
	pbk_check("numa_page_pool", j->got == NUMA_PAGES && j->on_node == j->got,
		  "nid=%d pages=%u on_node=%u", nid, j->got, j->on_node);
	if (other < 0) {
		pbk_in_softirq(nj_return_all, j);
		pbk_check("numa_page_pool_update_nid", true, "skipped=\"one node with memory\"");
		goto out;
	}
	pbk_in_softirq(nj_return_split, j);
	cache_before = j->pool->alloc.count;
	rel0 = atomic_read(&j->pool->pages_state_release_cnt);
	j->new_nid = other;
	pbk_in_softirq(nj_update, j);
	released = atomic_read(&j->pool->pages_state_release_cnt) - rel0;
	/* The ring still holds pages of the old node: a refill drops them and goes to @other. */
	j->nid = other;
	pbk_in_softirq(nj_alloc, j);
	pbk_check("numa_page_pool_update_nid",
		  j->cache_after == 0 && released == cache_before && j->pool->p.nid == other &&
		  j->got == NUMA_PAGES && j->on_node == j->got,
		  "from=%d to=%d cache_before=%u cache_after=%u released=%u pages=%u on_new_node=%u",
		  nid, other, cache_before, j->cache_after, released, j->got, j->on_node);
	pbk_in_softirq(nj_return_all, j);
out:
	page_pool_destroy(j->pool);
	kfree(j);
}

/* The shared backends' arena is vmalloc'd on the node asked for, and the model knows it. */
static void numa_model(int nid)
{
	struct pb_err err = { "" };
	struct pb_alloc *a = model_pool(nid, &err);
	struct pb_page *pg[NUMA_PAGES];
	size_t on_arena = 0, npages;
	unsigned got = 0, on = 0;

	if (!a) {
		pbk_check("numa_model_arena", false, "why=\"%s\"", err.msg);
		return;
	}
	npages = a->mem.arena.npages;
	for (size_t i = 0; i < npages; i++)
		on_arena += a->mem.arena.pages[i].node == nid;
	while (got < NUMA_PAGES && (pg[got] = pb_alloc_page(a)))
		on += pg[got++]->node == nid;
	for (unsigned i = 0; i < got; i++)
		pb_alloc_free(a, pg[i], true);
	pbk_check("numa_model_arena", on_arena == npages && got == NUMA_PAGES && on == got &&
		  pb_ptr_ring_pool_nid(a) == (unsigned)nid,
		  "node=%d arena_pages=%zu on_node=%zu allocated=%u allocated_on_node=%u pool_nid=%u",
		  nid, npages, on_arena, got, on, pb_ptr_ring_pool_nid(a));
	pb_alloc_destroy(a, NULL);
}

void pbk_checks_numa(void)
{
	int nid = pbk_cfg.node, other = NUMA_NO_NODE, n;

	/* Unset: the last node with memory, the one least likely to be local. */
	if (nid == NUMA_NO_NODE)
		for_each_node_state(n, N_MEMORY)
			nid = n;
	for_each_node_state(n, N_MEMORY)
		if (n != nid) {
			other = n;
			break;
		}
	numa_alloc_pages_node(nid);
	numa_page_pool(nid, other);
	numa_model(nid);
}
