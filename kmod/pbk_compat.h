/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place where the module meets kernel API differences: every other kmod/ file calls
 * the pbk_* names below (or the unchanged kernel API) and never tests LINUX_VERSION_CODE.
 * Built and booted here on Debian 12's two kernels, 6.1 and 6.12 (make kmod-test); each
 * difference names the version (and, where known, the commit) that made it. Branches for
 * later kernels (6.14+) follow the current upstream source but have not been built here.
 */
#ifndef PBK_COMPAT_H
#define PBK_COMPAT_H

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/version.h>

/*
 * 6.6: a9ca9f9ceff3 ("page_pool: split types and declarations from page_pool.h") moved
 * <net/page_pool.h> to <net/page_pool/types.h> (structs, exported functions) and
 * <net/page_pool/helpers.h> (the inline API: dev_alloc_pages, put_full_page, ...).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#include <net/page_pool/helpers.h>
#else
#include <net/page_pool.h>
#endif

/*
 * The largest page order the page allocator gives. 6.1: MAX_ORDER is one past it;
 * 6.4 ("mm, treewide: redefine MAX_ORDER sanely") made MAX_ORDER the largest order itself;
 * 6.8 ("mm, treewide: rename MAX_ORDER to MAX_PAGE_ORDER") renamed it. 10 on x86-64 in all.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define PBK_MAX_PAGE_ORDER MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define PBK_MAX_PAGE_ORDER MAX_ORDER
#else
#define PBK_MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

/*
 * alloc_pages_bulk into an array on one node; fills only NULL slots, returns how many are
 * filled. 6.1 and 6.12: alloc_pages_bulk_array_node (6.10 made it a macro over
 * alloc_pages_bulk_noprof for memory-allocation profiling: same call); 6.14 ("mm:
 * alloc_pages_bulk: rename API") renamed it alloc_pages_bulk_node, as page_pool's
 * __page_pool_alloc_pages_slow calls it upstream now.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define pbk_alloc_pages_bulk_node(gfp, nid, nr, pages) alloc_pages_bulk_node(gfp, nid, nr, pages)
#else
#define pbk_alloc_pages_bulk_node(gfp, nid, nr, pages) alloc_pages_bulk_array_node(gfp, nid, nr, pages)
#endif

/*
 * page_frag_alloc(nc, size, gfp) / page_frag_free(va) / __page_frag_cache_drain(page, bias):
 * one signature on 6.1 and 6.12 (mm/page_alloc.c, declared in <linux/gfp.h>, struct
 * page_frag_cache in <linux/mm_types.h> with .va and .pagecnt_bias). The move to
 * mm/page_frag_cache.c and <linux/page_frag_cache.h> came in 6.13 (Debian's 6.12 headers
 * have no page_frag_cache.h), and with it a reworked struct page_frag_cache (encoded_page):
 * pbk_frag_cache_drain() is the one place that reads the struct.
 */
static inline void pbk_frag_cache_drain(struct page_frag_cache *nc)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	page_frag_cache_drain(nc);
#else
	if (nc->va)
		__page_frag_cache_drain(virt_to_head_page(nc->va), nc->pagecnt_bias);
	nc->va = NULL;
#endif
}

/*
 * The release path: a page leaves the pool for the page allocator on every free.
 * 6.1: the driver's own call, page_pool_release_page(pool, page) (unmap, release count,
 * page->pp cleared), then put_page. 6.6: 535b9c61bdef ("net: page_pool: hide
 * page_pool_release_page()") took it from drivers (the stack recycles pp pages itself since
 * skb_mark_for_recycle), so on 6.12 a page leaves the pool only through
 * __page_pool_put_page's fallback for a page whose refcount is not 1 (the driver that split
 * it, or an skb clone, holds a reference): page_pool_return_page, then the other holder's
 * put_page frees it. The module takes that exported path: get_page,
 * page_pool_put_full_page(..., false), put_page. PBK_PP_RELEASE names the calls for the ctx
 * line, so a record's context says which it ran.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define PBK_PP_RELEASE "get_page+page_pool_put_full_page(false)+put_page"
static __always_inline void pbk_pp_release(struct page_pool *pool, struct page *page)
{
	get_page(page);
	page_pool_put_full_page(pool, page, false);	/* refcount 2: released, not recycled */
	put_page(page);
}
#else
#define PBK_PP_RELEASE "page_pool_release_page+put_page"
static __always_inline void pbk_pp_release(struct page_pool *pool, struct page *page)
{
	page_pool_release_page(pool, page);
	put_page(page);
}
#endif

/*
 * page_pool's bulk free: 6.1 and 6.12 page_pool_put_page_bulk(pool, void **data, count)
 * takes data pointers (it frees virt_to_head_page of each); 6.14 replaced it with
 * page_pool_put_netmem_bulk(netmem_ref *, count), netmem references that name their pool.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
typedef netmem_ref pbk_pp_bulk_t;
static __always_inline pbk_pp_bulk_t pbk_pp_bulk_entry(struct page *page)
{
	return page_to_netmem(page);
}

static __always_inline void pbk_pp_put_bulk(struct page_pool *pool, pbk_pp_bulk_t *v, unsigned n)
{
	page_pool_put_netmem_bulk(v, n);
}
#else
typedef void *pbk_pp_bulk_t;
static __always_inline pbk_pp_bulk_t pbk_pp_bulk_entry(struct page *page)
{
	return page_address(page);
}

static __always_inline void pbk_pp_put_bulk(struct page_pool *pool, pbk_pp_bulk_t *v, unsigned n)
{
	page_pool_put_page_bulk(pool, v, n);
}
#endif

/*
 * The skb path of a page_pool page (path=skb-6.5). 6.5 added napi_pp_put_page (the skb
 * free's recycling, 6.1 has none); its form changed until 6.10's 4a96a4e807c3 ("page_pool:
 * check for PP direct cache locality later") moved the "is this the owning NAPI" test into
 * page_pool_put_unrefed_netmem (page_pool_napi_local: softirq, and pool->cpuid or the pool's
 * NAPI owner is this CPU). On 6.12 it is exported as napi_pp_put_page(netmem_ref) and is what
 * skb_page_unref / skb_pp_recycle call: page_pool_put_full_netmem(pp, netmem, false), direct
 * into the cache when napi-local. A module has no NAPI, but a pool made with
 * page_pool_create_percpu(params, cpu) (6.9, the system per-CPU pools) is napi-local on
 * that CPU: that is the pool k_page_pool's skb-6.5 row frees into. Only 6.12's form is
 * driven (PBK_HAS_NAPI_PP_PUT_PAGE); 6.5..6.11 had other signatures and get no such row.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/skbuff_ref.h>
#define PBK_HAS_NAPI_PP_PUT_PAGE 1
static inline struct page_pool *pbk_pp_create_local(const struct page_pool_params *pp, int cpu)
{
	return page_pool_create_percpu(pp, cpu);
}

/* False when the page is not a page_pool page (then the stack would put_page it). */
static __always_inline bool pbk_napi_pp_put_page(struct page *page)
{
	return napi_pp_put_page(page_to_netmem(page));
}
#else
#define PBK_HAS_NAPI_PP_PUT_PAGE 0
#endif
/* 5.x-6.4: no napi_pp_put_page at all (6.5, the skb path's direct recycling, is its origin). */
#define PBK_HAS_ANY_NAPI_PP_PUT_PAGE (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0))

#endif
