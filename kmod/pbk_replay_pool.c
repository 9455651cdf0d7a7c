// SPDX-License-Identifier: GPL-2.0-only
/*
 * k_page_pool as the replay engine sees a backend: the kernel's real page_pool behind a
 * pb_alloc_ops table, so the shared engine (workloads/replay_exec.c) drives it with the
 * same calls as the models. Only the replay uses it: the k_page_pool loops of pbk_kernel.c
 * call page_pool directly (docs/kmod.md says why), but a replay calls every backend
 * through its ops table, the models included, so the rows compare like with like.
 *
 * What it calls, as a driver on 6.1 does:
 *   alloc               page_pool_dev_alloc_pages (net/core/page_pool.c: the direct cache,
 *                       then the ptr_ring refill, then alloc_pages_bulk_array_node)
 *   free, direct        page_pool_recycle_direct (XDP_DROP, copy-break, and the skb free
 *                       in the owning NAPI that 6.5's napi_pp_put_page does)
 *   free, not direct    page_pool_put_full_page(pool, page, false): into the ptr_ring under
 *                       its producer lock, or back to the page allocator when it is full
 *   counters            the pool's pages_state_hold_cnt / pages_state_release_cnt: pages
 *                       taken from and given back to the page allocator (Debian builds
 *                       without CONFIG_PAGE_POOL_STATS, so the calls are not counted)
 *
 * The engine tracks buffers by the descriptor of an arena page (pb_page_pfn, for the pinned
 * bytes): each real page lent out gets one of this instance's arena descriptors for as
 * long as it is out. The descriptors are order-0 pages taken from the instance's own
 * zone at create (so each stands for one page, as a page_pool page is) and given back at
 * destroy: the records' counters are differences over the measured repetitions, so the
 * zone's part of them is 0, and the pages in flight are the pool's (rp->pages_out). The descriptors are a LIFO stack of the allocating CPU (where every
 * alloc runs), and frees on other CPUs hand theirs back through a lock-free llist.
 */
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "allocator.h"
#include "page_alloc.h"
#include "pbk.h"
#include "pbk_compat.h"	/* the page_pool header of this kernel */
#include "pbk_replay.h"

struct kpp {
	struct page_pool *pool;
	struct page **real;		/* [npages] the real page each lent descriptor stands for */
	u32 *stack;			/* [npages] free descriptors, the allocating CPU's */
	u32 nstack;
	struct llist_node *node;	/* [npages] */
	struct llist_head back;		/* descriptors freed on other CPUs */
	int alloc_cpu;			/* -1 until the first alloc */
	u64 lent;
};

static int kpp_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	size_t n = a->mem.arena.npages;
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = pbk_cfg.pool_size,
		.nid = pbk_cfg.node,
		.dma_dir = DMA_BIDIRECTIONAL,	/* unused: no PP_FLAG_DMA_MAP, no device */
	};
	struct kpp *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (k) {
		k->real = vcalloc(n, sizeof(*k->real));
		k->stack = vmalloc(array_size(n, sizeof(*k->stack)));
		k->node = vcalloc(n, sizeof(*k->node));
	}
	if (!k || !k->real || !k->stack || !k->node)
		goto nomem;
	k->pool = page_pool_create(&pp);
	if (IS_ERR(k->pool)) {
		pb_err_set(err, "page_pool_create failed (%ld)", PTR_ERR(k->pool));
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct pb_page *d = pb_alloc_pages(a->mem.zone, 0);

		if (!d)
			break;
		k->stack[k->nstack++] = (u32)pb_page_pfn(d);
	}
	init_llist_head(&k->back);
	k->alloc_cpu = -1;
	a->priv = k;
	return 0;
nomem:
	pb_err_set(err, "k_page_pool: out of memory for %zu descriptors", n);
fail:
	if (k) {
		vfree(k->real);
		vfree(k->stack);
		vfree(k->node);
	}
	kfree(k);
	return -1;
}

static struct pb_page *kpp_alloc(struct pb_alloc *a)
{
	struct kpp *k = a->priv;
	struct page *page;
	u32 i;

	if (unlikely(!k->nstack)) {
		struct llist_node *l = llist_del_all(&k->back);

		while (l) {
			k->stack[k->nstack++] = (u32)(l - k->node);
			l = l->next;
		}
		if (!k->nstack)
			return NULL;	/* mem= too small for the packets in flight: a drop */
	}
	page = page_pool_dev_alloc_pages(k->pool);
	if (unlikely(!page))
		return NULL;
	if (unlikely(k->alloc_cpu < 0))
		k->alloc_cpu = raw_smp_processor_id();
	i = k->stack[--k->nstack];
	k->real[i] = page;
	k->lent++;
	return &a->mem.arena.pages[i];
}

static void kpp_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct kpp *k = a->priv;
	u32 i = (u32)pb_page_pfn(pg);
	struct page *page = k->real[i];

	k->real[i] = NULL;
	if (direct)
		page_pool_recycle_direct(k->pool, page);
	else
		page_pool_put_full_page(k->pool, page, false);
	if (raw_smp_processor_id() == k->alloc_cpu)
		k->stack[k->nstack++] = i;
	else
		llist_add(&k->node[i], &k->back);
}

/* Pages out of the page allocator: what the pool holds (cached or lent). */
static int64_t kpp_pages_out(struct pb_alloc *a)
{
	struct kpp *k = a->priv;

	return (int64_t)(u32)(READ_ONCE(k->pool->pages_state_hold_cnt) -
			      (u32)atomic_read(&k->pool->pages_state_release_cnt));
}

static void kpp_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct kpp *k = a->priv;
	u32 hold = READ_ONCE(k->pool->pages_state_hold_cnt);
	u32 rel = (u32)atomic_read(&k->pool->pages_state_release_cnt);

	out->hold += hold;
	out->released += rel;
	out->pa_alloc_pages += hold;
	out->pa_free_pages += rel;
}

static uint64_t kpp_destroy(struct pb_alloc *a)
{
	struct kpp *k = a->priv;
	uint64_t out = 0;

	for (size_t i = 0; i < a->mem.arena.npages; i++)
		out += k->real[i] != NULL;
	if (out)
		return out;
	page_pool_destroy(k->pool);	/* releases what it caches; nothing is lent out */
	for (struct llist_node *l = llist_del_all(&k->back); l; l = l->next)
		k->stack[k->nstack++] = (u32)(l - k->node);
	while (k->nstack)
		pb_free_pages(a->mem.zone, &a->mem.arena.pages[k->stack[--k->nstack]], 0);
	vfree(k->real);
	vfree(k->stack);
	vfree(k->node);
	kfree(k);
	a->priv = NULL;
	return 0;
}

const struct pb_alloc_ops pbk_replay_page_pool_ops = {
	.name = "k_page_pool",
	.desc = "the kernel's page_pool (replay only: through an ops table, as the engine calls every backend)",
	.create = kpp_create,
	.destroy = kpp_destroy,
	.alloc = kpp_alloc,
	.free = kpp_free,
	.stats = kpp_stats,
};

int64_t (*const pbk_replay_page_pool_pages_out)(struct pb_alloc *a) = kpp_pages_out;
