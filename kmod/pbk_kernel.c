// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's real allocators, driven the way a NIC driver drives them:
 *   k_alloc_pages  calls=node: alloc_pages_node / __free_pages, what dev_alloc_pages and a
 *                  driver's free cost (orders from orders=; compound above 0, as
 *                  dev_alloc_pages asks); calls=bulk: alloc_pages_bulk_array_node
 *                  (pbk_compat.h: the name moves in 6.14) for bulk=, freed page by page
 *                  with __free_pages; calls=policy (alloc-free):
 *                  alloc_pages, the mempolicy wrapper, / put_page, the folio path: what
 *                  prototype-kernel's page_bench04 (single_page_alloc_put) and page_bench01
 *                  (put_order_step) time, so those rows pair with their published figures
 *                  (page_bench01's alloc_pages_order_step frees with __free_pages: the
 *                  wrapper of one row and the free of the other). The calls are in every
 *                  row's name (calls=)
 *   k_page_frag    page_frag_alloc / page_frag_free on a private page_frag_cache
 *   k_page_pool    page_pool_create(pool_size, nid), page_pool_dev_alloc_pages (on 6.12 a
 *                  wrapper of page_pool_alloc_netmems: the module's pages are ordinary
 *                  pages, so it keeps the page API); free through the direct cache
 *                  (page_pool_recycle_direct, softirq), the ptr_ring
 *                  (page_pool_put_full_page, allow_direct=false), the release path
 *                  (pbk_pp_release: each kernel's way out of the pool, pbk_compat.h) or,
 *                  on 6.12, the skb path (napi_pp_put_page)
 *   k_ptr_ring     a ptr_ring used as the page store: __ptr_ring_consume to allocate (one
 *                  consumer, no consumer lock, as page_pool's refill since 5.17), produce
 *                  under the producer lock to free (page_pool's ring path without the rest)
 * Every record names its return path (path=, workloads/path.h): xdp for page_pool's direct
 * recycling, skb-6.1 for its ring, release for its release path, skb for the backends that
 * have no other. alloc-free on k_page_pool gives one row per path of path= (default xdp):
 * xdp frees with page_pool_recycle_direct, skb-6.1 with page_pool_put_full_page(.., false),
 * as 6.1's skb free does; skb-6.5 frees with napi_pp_put_page, what 6.12's skb free
 * (skb_page_unref) calls, into a pool made napi-local to the measuring CPU
 * (page_pool_create_percpu): a row on 6.12 only, since 6.1 has no such function (the ctx
 * line napi_pp_put_page= says which). The models run skb-6.5 on every kernel.
 * Row names never say the kernel: the context's kernel release does, so `pagebench compare`
 * pairs a 6.1 file's rows with a 6.12 file's.
 * Each backend's get/put are inlined into each workload's loop (the loops are
 * __always_inline with constant function arguments), so no indirect call is measured.
 * Between get and put every loop reads and writes the buffer's first touch= bytes (a page's
 * through page_address, a fragment's up to frag_size), with the shared loops' helper
 * (allocators/core/buf_touch.h): like-named rows of both worlds touch the same data.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/ptr_ring.h>
#include <linux/slab.h>
#include "pbk_compat.h"
#include "allocator.h"
#include "pbk.h"
#include "pbk_cross.h"
#include "touch.h"

/* path= bits are allocator.h's path index: the module and the models read one order. */
static_assert(PBK_PATH_XDP == 1 << PB_TRAFFIC_XDP && PBK_PATH_SKB_61 == 1 << PB_TRAFFIC_SKB_61 &&
	      PBK_PATH_SKB_65 == 1 << PB_TRAFFIC_SKB_65, "path= word order");

#define KGFP (GFP_ATOMIC | __GFP_NOWARN)

struct kinst {
	const char *failed;
	unsigned order;
	unsigned bulk;			/* pages per bulk call; 0 outside the bulk workload */
	unsigned n;			/* pages held by outstanding */
	bool policy;			/* k_alloc_pages calls=policy: alloc_pages + put_page */
	const char *path;		/* k_page_pool alloc-free: the path= of this row, else NULL */
	bool napi_local;		/* k_page_pool skb-6.5: the pool is napi-local to pbk_cfg.cpu */
	int node;
	unsigned touch;			/* touch=: bytes read and written per buffer */
	void **held;			/* [max(outstanding, 128)] */
	struct page_pool *pool;
	u32 hold0, release0;		/* page_pool counters when the warm-up ended */
	struct page_frag_cache nc;
	struct ptr_ring store;		/* k_ptr_ring's pages */
	struct pbk_cross *x;
};

struct kbackend {
	const char *name;
	int (*setup)(struct kinst *in);		/* 0, or -errno with in->failed set */
	void (*teardown)(struct kinst *in);	/* gives every page back */
	void (*warm)(void *in);			/* warm-up over: snapshot counters; may be NULL */
	void (*stats)(struct kinst *in, struct pbk_rec *r);	/* may be NULL */
	void (*drain)(void *in, void *item);	/* frees an item left in the cross-cpu ring */
};

static bool kfail(struct kinst *in, const char *why)
{
	in->failed = why;
	return false;
}

/* What the loops touch: a page's first touch= bytes, a fragment's at most frag_size. */
static __always_inline void *page_data(void *p)
{
	return page_address((struct page *)p);
}

static __always_inline u32 page_tlen(const struct kinst *in)
{
	return in->touch;
}

#define ap_data page_data
#define ap_tlen page_tlen
#define apm_data page_data
#define apm_tlen page_tlen
#define pp_data page_data
#define pp_tlen page_tlen
#define ring_data page_data
#define ring_tlen page_tlen

static __always_inline void *frag_data(void *va)
{
	return va;
}

static __always_inline u32 frag_tlen(const struct kinst *in)
{
	return min(in->touch, pbk_cfg.frag_size);
}

/* --- k_alloc_pages --- */

static __always_inline void *ap_get(struct kinst *in)
{
	return alloc_pages_node(in->node, KGFP | (in->order ? __GFP_COMP : 0), in->order);
}

static __always_inline void ap_put(struct kinst *in, void *p, bool direct)
{
	__free_pages(p, in->order);
}

/* calls=policy: the mempolicy wrapper and the folio path (compound above order 0, or
 * put_page would free only the head). */
static __always_inline void *apm_get(struct kinst *in)
{
	return alloc_pages(KGFP | (in->order ? __GFP_COMP : 0), in->order);
}

static __always_inline void apm_put(struct kinst *in, void *p, bool direct)
{
	put_page(p);
}

static int ap_setup(struct kinst *in)
{
	return 0;
}

static void ap_teardown(struct kinst *in)
{
}

/* Every call is ours, so the page-allocator traffic is known exactly. */
static void ap_stats(struct kinst *in, struct pbk_rec *r)
{
	u64 pages = pbk_rec_ops(r) * r->reps;

	r->stats.pa_alloc_calls = in->bulk ? pages / in->bulk : pages;
	r->stats.pa_alloc_pages = pages << in->order;
	r->stats.pa_free_calls = pages;
	r->stats.pa_free_pages = pages << in->order;
	r->has_stats = true;
}

static void ap_drain(void *in, void *p)
{
	ap_put(in, p, false);
}

/* --- k_page_frag --- */

static __always_inline void *frag_get(struct kinst *in)
{
	return page_frag_alloc(&in->nc, pbk_cfg.frag_size, KGFP);
}

static __always_inline void frag_put(struct kinst *in, void *va, bool direct)
{
	page_frag_free(va);
}

static int frag_setup(struct kinst *in)
{
	memset(&in->nc, 0, sizeof(in->nc));	/* an empty cache refills on first use */
	return 0;
}

/* The cache keeps its bias on the current page: settle it, or the page never frees. */
static void frag_teardown(struct kinst *in)
{
	pbk_frag_cache_drain(&in->nc);
}

static void frag_drain(void *in, void *va)
{
	frag_put(in, va, false);
}

/* --- k_page_pool --- */

static __always_inline void *pp_get(struct kinst *in)
{
	return page_pool_dev_alloc_pages(in->pool);
}

static __always_inline void pp_put(struct kinst *in, void *p, bool direct)
{
	if (direct)
		page_pool_recycle_direct(in->pool, p);
	else
		page_pool_put_full_page(in->pool, p, false);
}

/* The release path: the page leaves the pool and the page allocator gets it back. */
static __always_inline void pp_put_release(struct kinst *in, void *p, bool direct)
{
	pbk_pp_release(in->pool, p);
}

#if PBK_HAS_NAPI_PP_PUT_PAGE
/*
 * The skb path of 6.12 (skb_page_unref -> napi_pp_put_page -> page_pool_put_full_netmem(..,
 * false)): page_pool_napi_local finds the pool's cpuid is this CPU, in softirq, and recycles
 * into the direct cache. A page it does not take (not a pp page) would be a bug here.
 */
static __always_inline void pp_put_napi(struct kinst *in, void *p, bool direct)
{
	if (unlikely(!pbk_napi_pp_put_page(p)))
		put_page(p);
}
#endif

/* @local_cpu >= 0: a pool napi-local to that CPU (6.12's skb-6.5 row only). */
static struct page_pool *pool_create_on(unsigned size, int nid, int local_cpu)
{
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = size,
		.nid = nid,
		.dma_dir = DMA_BIDIRECTIONAL,	/* unused: no PP_FLAG_DMA_MAP, no device */
	};

#if PBK_HAS_NAPI_PP_PUT_PAGE
	if (local_cpu >= 0)
		return pbk_pp_create_local(&pp, local_cpu);
#endif
	return page_pool_create(&pp);
}

static struct page_pool *pool_create(unsigned size, int nid)
{
	return pool_create_on(size, nid, -1);
}

static int pp_setup(struct kinst *in)
{
	in->pool = pool_create_on(pbk_cfg.pool_size, in->node, in->napi_local ? pbk_cfg.cpu : -1);
	if (IS_ERR(in->pool)) {
		int err = PTR_ERR(in->pool);

		in->pool = NULL;
		in->failed = "page_pool_create failed";
		return err;
	}
	return 0;
}

static void pp_teardown(struct kinst *in)
{
	page_pool_destroy(in->pool);
	in->pool = NULL;
}

static void pp_warm(void *arg)
{
	struct kinst *in = arg;

	in->hold0 = in->pool->pages_state_hold_cnt;
	in->release0 = atomic_read(&in->pool->pages_state_release_cnt);
}

/* page_pool's own counters: pages taken from and released to the page allocator. */
static void pp_stats(struct kinst *in, struct pbk_rec *r)
{
	u32 hold = in->pool->pages_state_hold_cnt;
	u32 release = atomic_read(&in->pool->pages_state_release_cnt);

	r->stats.hold = hold - in->hold0;
	r->stats.released = release - in->release0;
	r->stats.pa_alloc_pages = r->stats.hold;
	r->stats.pa_free_pages = r->stats.released;
	r->stats.in_flight = hold - release;	/* cached + in the ring; lent out: none */
	r->has_stats = true;
}

static void pp_drain(void *in, void *p)
{
	pp_put(in, p, false);
}

/* --- k_ptr_ring --- */

/* The one consumer (the allocating context) takes no lock: page_pool_refill_alloc_cache. */
static __always_inline void *ring_get(struct kinst *in)
{
	return __ptr_ring_consume(&in->store);
}

static __always_inline void ring_put(struct kinst *in, void *p, bool direct)
{
	/* Filled only half way, the ring has room unless a bug lost count: then free it. */
	if (unlikely(ptr_ring_produce(&in->store, p)))
		__free_page(p);
}

static void ring_free_page(void *p)
{
	__free_page(p);
}

static void ring_teardown(struct kinst *in)
{
	ptr_ring_cleanup(&in->store, ring_free_page);
}

/*
 * Half full, so a produce never finds a slot the consumer has read but not yet zeroed
 * (ptr_ring zeroes consumed slots in batches).
 */
static int ring_setup(struct kinst *in)
{
	unsigned fill = pbk_cfg.pool_size / 2;

	if (ptr_ring_init(&in->store, pbk_cfg.pool_size, GFP_KERNEL)) {
		in->failed = "ptr_ring_init failed";
		return -ENOMEM;
	}
	for (unsigned i = 0; i < fill; i++) {
		struct page *p = alloc_pages_node(in->node, GFP_KERNEL, 0);

		if (!p) {
			ring_teardown(in);
			in->failed = "cannot fill the ptr_ring";
			return -ENOMEM;
		}
		ptr_ring_produce(&in->store, p);
	}
	return 0;
}

static void ring_drain(void *in, void *p)
{
	ring_put(in, p, false);
}

/* --- the loops, one instance per (backend, workload) --- */

typedef void *(*kdata_fn)(void *p);
typedef u32 (*ktlen_fn)(const struct kinst *in);

static __always_inline bool loop_pairs(struct kinst *in, u64 n, void *(*get)(struct kinst *),
				       void (*put)(struct kinst *, void *, bool), bool direct,
				       kdata_fn data, ktlen_fn tlen)
{
	u32 len = tlen(in);

	for (u64 i = 0; i < n; i++) {
		void *p = get(in);

		if (unlikely(!p))
			return kfail(in, "allocation failed");
		pb_buf_touch(data(p), len);
		put(in, p, direct);
	}
	return true;
}

static __always_inline bool loop_outstanding(struct kinst *in, u64 rounds,
					     void *(*get)(struct kinst *),
					     void (*put)(struct kinst *, void *, bool),
					     kdata_fn data, ktlen_fn tlen)
{
	u32 len = tlen(in);

	for (u64 k = 0; k < rounds; k++) {
		unsigned i;

		for (i = 0; i < in->n; i++) {
			in->held[i] = get(in);
			if (unlikely(!in->held[i]))
				break;
			pb_buf_touch(data(in->held[i]), len);
		}
		if (unlikely(i < in->n)) {
			while (i--)
				put(in, in->held[i], true);
			return kfail(in, "allocation failed while holding n pages");
		}
		for (i = 0; i < in->n; i++)
			put(in, in->held[i], true);
	}
	return true;
}

/* The allocating side touches, as the RX driver does; the freeing side does not (as userspace). */
static __always_inline bool loop_xalloc(struct kinst *in, u64 n, void *(*get)(struct kinst *),
					void (*put)(struct kinst *, void *, bool),
					kdata_fn data, ktlen_fn tlen)
{
	u32 len = tlen(in);

	for (u64 i = 0; i < n; i++) {
		void *p = get(in);

		if (unlikely(!p)) {
			atomic_set(&in->x->stop, 1);
			return kfail(in, "allocation failed");
		}
		pb_buf_touch(data(p), len);
		if (unlikely(!pbk_cross_push(in->x, p))) {
			put(in, p, false);
			return kfail(in, in->x->failed ?: "the freeing CPU stopped");
		}
	}
	return true;
}

static __always_inline bool loop_xfree(struct kinst *in, u64 n,
				       void (*put)(struct kinst *, void *, bool))
{
	for (u64 i = 0; i < n; i++) {
		void *p = pbk_cross_pop(in->x);

		if (unlikely(!p))
			return kfail(in, in->x->failed ?: "the allocating CPU stopped");
		put(in, p, false);
	}
	return true;
}

/* The four loops every backend has; not every backend runs all of them. */
#define KBODIES(be)										\
static bool __maybe_unused be##_af(void *a, u64 n)						\
{ return loop_pairs(a, n, be##_get, be##_put, true, be##_data, be##_tlen); }			\
static bool __maybe_unused be##_out(void *a, u64 n)						\
{ return loop_outstanding(a, n, be##_get, be##_put, be##_data, be##_tlen); }			\
static bool __maybe_unused be##_xalloc(void *a, u64 n)						\
{ return loop_xalloc(a, n, be##_get, be##_put, be##_data, be##_tlen); }			\
static bool __maybe_unused be##_xfree(void *a, u64 n)						\
{ return loop_xfree(a, n, be##_put); }

KBODIES(ap)
KBODIES(apm)
KBODIES(frag)
KBODIES(pp)
KBODIES(ring)

static bool pp_remote(void *a, u64 n)
{
	return loop_pairs(a, n, pp_get, pp_put, false, pp_data, pp_tlen);
}

static bool pp_slow(void *a, u64 n)
{
	return loop_pairs(a, n, pp_get, pp_put_release, true, pp_data, pp_tlen);
}

#if PBK_HAS_NAPI_PP_PUT_PAGE
static bool pp_napi(void *a, u64 n)
{
	return loop_pairs(a, n, pp_get, pp_put_napi, false, pp_data, pp_tlen);
}
#endif

/* alloc_pages_bulk_array fills only NULL slots, so the free loop leaves them NULL again. */
static bool ap_bulk(void *arg, u64 rounds)
{
	struct kinst *in = arg;
	struct page **pages = (struct page **)in->held;
	u32 len = in->touch;

	for (u64 k = 0; k < rounds; k++) {
		unsigned long got = pbk_alloc_pages_bulk_node(KGFP, in->node, in->bulk, pages);

		for (unsigned i = 0; i < got; i++)
			pb_buf_touch(page_address(pages[i]), len);
		for (unsigned i = 0; i < got; i++) {
			__free_pages(pages[i], 0);
			pages[i] = NULL;
		}
		if (unlikely(got < in->bulk))
			return kfail(in, "alloc_pages_bulk_array came back short");
	}
	return true;
}

/*
 * page_pool has no bulk allocation call in 6.1 or 6.12 (a driver refills one page at a
 * time; the pool itself refills from alloc_pages_bulk): bulk single allocs, one bulk return.
 */
static bool pp_bulk(void *arg, u64 rounds)
{
	struct kinst *in = arg;
	pbk_pp_bulk_t *v = (pbk_pp_bulk_t *)in->held;
	u32 len = in->touch;

	static_assert(sizeof(pbk_pp_bulk_t) == sizeof(*in->held), "held[] holds bulk entries");
	for (u64 k = 0; k < rounds; k++) {
		for (unsigned i = 0; i < in->bulk; i++) {
			struct page *p = pp_get(in);

			if (unlikely(!p)) {
				pbk_pp_put_bulk(in->pool, v, i);
				return kfail(in, "allocation failed");
			}
			v[i] = pbk_pp_bulk_entry(p);	/* 6.1/6.12: a data pointer */
			pb_buf_touch(page_address(p), len);
		}
		pbk_pp_put_bulk(in->pool, v, in->bulk);
	}
	return true;
}

static const struct kbackend kb_alloc_pages = {
	"k_alloc_pages", ap_setup, ap_teardown, NULL, ap_stats, ap_drain,
};
static const struct kbackend kb_page_frag = {
	"k_page_frag", frag_setup, frag_teardown, NULL, NULL, frag_drain,
};
static const struct kbackend kb_page_pool = {
	"k_page_pool", pp_setup, pp_teardown, pp_warm, pp_stats, pp_drain,
};
static const struct kbackend kb_ptr_ring = {
	"k_ptr_ring", ring_setup, ring_teardown, NULL, NULL, ring_drain,
};

/*
 * The return path @be's frees take in @workload (workloads/path.h's labels): page_pool's
 * direct cache where the loop frees as the owning context, its ring where it does not (the
 * remote and cross-CPU frees, and page_pool_put_page_bulk, which never recycles directly),
 * its release path in alloc-free-slow; the others have only the skb path.
 */
static const char *kpath(const struct kbackend *be, const struct kinst *in, const char *workload)
{
	if (be == &kb_alloc_pages || be == &kb_page_frag)
		return "skb";
	if (be == &kb_ptr_ring)
		return "skb-6.1";
	if (!strcmp(workload, "alloc-free-slow"))
		return "release";
	if (be == &kb_page_pool && in->path)
		return in->path;
	if (!strcmp(workload, "alloc-free") || !strcmp(workload, "outstanding"))
		return "xdp";
	return "skb-6.1";
}

/* The backend's own parameters, then @extra, then node= when one was asked for, then path=. */
static void kparams(char *buf, size_t len, const struct kbackend *be, const struct kinst *in,
		    const char *extra, const char *workload)
{
	size_t off = 0;

	if (be == &kb_alloc_pages)	/* which calls it times, in every row's name */
		off = scnprintf(buf, len, "order=%u,calls=%s", in->order,
				in->bulk ? "bulk" : in->policy ? "policy" : "node");
	else if (be == &kb_page_frag)
		off = scnprintf(buf, len, "frag_size=%u", pbk_cfg.frag_size);
	else if (be == &kb_page_pool)
		off = scnprintf(buf, len, "pool_size=%u", pbk_cfg.pool_size);
	else
		off = scnprintf(buf, len, "ring=%u", pbk_cfg.pool_size);
	if (extra && *extra)
		off += scnprintf(buf + off, len - off, ",%s", extra);
	/* As the shared rows (and userspace) name it: only when not the default. */
	if (in->touch != PB_WL_TOUCH_DEFAULT)
		off += scnprintf(buf + off, len - off, ",touch=%u", in->touch);
	if (in->node != NUMA_NO_NODE)
		off += scnprintf(buf + off, len - off, ",node=%d", in->node);
	scnprintf(buf + off, len - off, ",path=%s", kpath(be, in, workload));
}

/* Fills in what is known after the backend gave every page back. */
static void finish(struct pbk_rec *r, long free0)
{
	r->free_delta = pbk_free_settle(free0, 1000);
	r->has_free_delta = true;
	r->leaked = r->free_delta < -PBK_FREE_TOLERANCE ? -r->free_delta : 0;
}

/* One single-CPU record: set up, measure in softirq, read counters, tear down, print. */
static struct pbk_rec *krecord(const struct kbackend *be, struct kinst *in, const char *workload,
			       const char *extra, unsigned unit_ops, pbk_body_t body)
{
	long free0 = pbk_free_pages();
	struct pbk_rec *r;
	char params[128];

	kparams(params, sizeof(params), be, in, extra, workload);
	r = pbk_rec_new(workload, be->name, "kernel", params, "", unit_ops);
	if (!r) {
		pbk_error("%s/%s: out of memory", workload, be->name);
		return NULL;
	}
	in->failed = NULL;
	if (be->setup(in)) {
		r->failed = in->failed;
		pbk_rec_emit(r);
		return r;
	}
	if (!pbk_measure(r, body, in, be->warm, in))
		r->failed = in->failed ?: r->failed;
	else if (be->stats)
		be->stats(in, r);
	be->teardown(in);
	finish(r, free0);
	pbk_rec_emit(r);
	return r;
}

static void krun(const struct kbackend *be, struct kinst *in, const char *workload,
		 const char *extra, unsigned unit_ops, pbk_body_t body)
{
	pbk_rec_free(krecord(be, in, workload, extra, unit_ops, body));
}

/* Both tracks of cross-cpu for one backend. */
static void kcross(const struct kbackend *be, struct kinst *in, pbk_body_t xalloc,
		   pbk_body_t xfree, bool alloc_bh)
{
	struct pbk_cross_job j = {
		.body = { xalloc, xfree }, .arg = in, .bh = { alloc_bh, false }, .warm = be->warm,
	};
	long free0 = pbk_free_pages();
	struct pbk_cross x;
	char params[128];

	kparams(params, sizeof(params), be, in, NULL, "cross-cpu");
	in->failed = NULL;
	if (pbk_cross_init(&x, true)) {
		pbk_error("cross-cpu/%s: out of memory", be->name);
		return;
	}
	in->x = &x;
	if (be->setup(in)) {
		pbk_error("cross-cpu/%s: %s", be->name, in->failed);
		pbk_cross_fini(&x, be->drain, in);
		in->x = NULL;
		return;
	}
	if (pbk_cross_measure(&x, &j, be->name, "kernel", params) && be->stats)
		be->stats(in, j.rec[0]);
	pbk_cross_fini(&x, be->drain, in);
	be->teardown(in);
	for (int i = 0; i < 2; i++) {
		if (!j.rec[i])
			continue;
		if (!j.rec[i]->failed && in->failed && !x.failed)
			j.rec[i]->failed = in->failed;
		finish(j.rec[i], free0);
		pbk_rec_emit(j.rec[i]);
		pbk_rec_free(j.rec[i]);
	}
	in->x = NULL;
}

/* The amortised figures of a high-order page: per 4 KiB and per 2 KiB frame. */
static void emit_amortised(const struct pbk_rec *r, unsigned order)
{
	char p[64];

	if (!r || r->failed || !order)
		return;
	snprintf(p, sizeof(p), "%s,amortised=4k", r->params);
	pbk_rec_emit_derived(r, 1U << order, p);
	snprintf(p, sizeof(p), "%s,amortised=2k", r->params);
	pbk_rec_emit_derived(r, 2U << order, p);
}

static void run_alloc_pages(struct kinst *in)
{
	char extra[32];

	if (pbk_want_workload("alloc-free")) {
		for (unsigned i = 0; i < pbk_cfg.norders; i++) {
			struct pbk_rec *r;

			in->order = pbk_cfg.orders[i];
			r = krecord(&kb_alloc_pages, in, "alloc-free", NULL, 1, ap_af);
			emit_amortised(r, in->order);
			pbk_rec_free(r);
			in->policy = true;
			krun(&kb_alloc_pages, in, "alloc-free", NULL, 1, apm_af);
			in->policy = false;
		}
	}
	in->order = 0;
	if (pbk_want_workload("outstanding")) {
		in->n = pbk_cfg.outstanding;
		snprintf(extra, sizeof(extra), "n=%u", in->n);
		krun(&kb_alloc_pages, in, "outstanding", extra, in->n, ap_out);
	}
	if (pbk_want_workload("bulk")) {
		for (unsigned i = 0; i < pbk_cfg.nbulk; i++) {
			in->bulk = pbk_cfg.bulk[i];
			memset(in->held, 0, 128 * sizeof(*in->held));
			snprintf(extra, sizeof(extra), "bulk=%u", in->bulk);
			krun(&kb_alloc_pages, in, "bulk", extra, in->bulk, ap_bulk);
		}
		in->bulk = 0;
	}
	if (pbk_want_workload("cross-cpu") && pbk_cfg.cpu2 >= 0)
		kcross(&kb_alloc_pages, in, ap_xalloc, ap_xfree, false);
}

static void run_page_frag(struct kinst *in)
{
	char extra[32];

	if (pbk_want_workload("alloc-free"))
		krun(&kb_page_frag, in, "alloc-free", NULL, 1, frag_af);
	if (pbk_want_workload("outstanding")) {
		in->n = pbk_cfg.outstanding;
		snprintf(extra, sizeof(extra), "n=%u", in->n);
		krun(&kb_page_frag, in, "outstanding", extra, in->n, frag_out);
	}
	if (pbk_want_workload("cross-cpu") && pbk_cfg.cpu2 >= 0)
		kcross(&kb_page_frag, in, frag_xalloc, frag_xfree, false);
}

/* What k_page_pool's skb-6.5 row is on this kernel, for the ctx line (pbk_compat.h says why). */
const char *pbk_napi_pp_put_page_fact(void)
{
#if PBK_HAS_NAPI_PP_PUT_PAGE
	return "exported, driven (k_page_pool path=skb-6.5: napi_pp_put_page into a page_pool_create_percpu pool of the measuring CPU)";
#elif !PBK_HAS_ANY_NAPI_PP_PUT_PAGE
	return "absent (Linux 6.5+; k_page_pool has no path=skb-6.5 row, the models do)";
#else
	return "present, not driven (only 6.12's form is; k_page_pool has no path=skb-6.5 row, the models do)";
#endif
}

/* How k_page_pool's alloc-free-slow rows free on this kernel, for the ctx line. */
const char *pbk_pp_release_fact(void)
{
	return PBK_PP_RELEASE;
}

/* alloc-free on k_page_pool, once per return path asked for (skb-6.5: see above). */
static void run_page_pool_af(struct kinst *in)
{
	if (pbk_cfg.paths & PBK_PATH_XDP) {
		in->path = "xdp";
		krun(&kb_page_pool, in, "alloc-free", NULL, 1, pp_af);
	}
	if (pbk_cfg.paths & PBK_PATH_SKB_61) {
		in->path = "skb-6.1";	/* the stack's free on 6.1: put_full_page, allow_direct=false */
		krun(&kb_page_pool, in, "alloc-free", NULL, 1, pp_remote);
	}
#if PBK_HAS_NAPI_PP_PUT_PAGE
	if (pbk_cfg.paths & PBK_PATH_SKB_65) {
		in->path = "skb-6.5";
		in->napi_local = true;
		krun(&kb_page_pool, in, "alloc-free", NULL, 1, pp_napi);
		in->napi_local = false;
	}
#endif
	in->path = NULL;
}

static void run_page_pool(struct kinst *in)
{
	char extra[32];

	if (pbk_want_workload("alloc-free"))
		run_page_pool_af(in);
	if (pbk_want_workload("alloc-free-remote"))
		krun(&kb_page_pool, in, "alloc-free-remote", NULL, 1, pp_remote);
	if (pbk_want_workload("alloc-free-slow"))
		krun(&kb_page_pool, in, "alloc-free-slow", NULL, 1, pp_slow);
	if (pbk_want_workload("outstanding")) {
		in->n = pbk_cfg.outstanding;
		snprintf(extra, sizeof(extra), "n=%u", in->n);
		krun(&kb_page_pool, in, "outstanding", extra, in->n, pp_out);
	}
	if (pbk_want_workload("bulk")) {
		for (unsigned i = 0; i < pbk_cfg.nbulk; i++) {
			in->bulk = pbk_cfg.bulk[i];
			snprintf(extra, sizeof(extra), "bulk=%u", in->bulk);
			krun(&kb_page_pool, in, "bulk", extra, in->bulk, pp_bulk);
		}
		in->bulk = 0;
	}
	if (pbk_want_workload("cross-cpu") && pbk_cfg.cpu2 >= 0)
		kcross(&kb_page_pool, in, pp_xalloc, pp_xfree, true);
}

static void run_ptr_ring(struct kinst *in)
{
	if (pbk_want_workload("alloc-free"))
		krun(&kb_ptr_ring, in, "alloc-free", NULL, 1, ring_af);
	if (pbk_want_workload("cross-cpu") && pbk_cfg.cpu2 >= 0)
		kcross(&kb_ptr_ring, in, ring_xalloc, ring_xfree, false);
}

/* Their names for backends=; in the order they run, and all of them in backends=all. */
const char *const pbk_kernel_backends[] = {
	"k_alloc_pages", "k_page_frag", "k_page_pool", "k_ptr_ring", NULL,
};

/*
 * The k_* loops touch the data: page_pool's direct cache hands one page back every time, so
 * TOUCH_PAIRS pairs of k_page_pool's alloc-free loop add TOUCH_PAIRS to that page's first word
 * (touch= of at least 8 bytes; less changes single bytes; 0 changes nothing).
 */
#define TOUCH_PAIRS 1000

struct touch_probe {
	struct kinst *in;
	struct page *first, *last;
	u64 before, after;
	bool ok;
};

static void touch_probe_fn(void *arg)
{
	struct touch_probe *t = arg;
	struct page *p = pp_get(t->in);

	if (!p)
		return;
	t->first = p;
	memcpy(&t->before, page_address(p), sizeof(t->before));
	pp_put(t->in, p, true);
	t->ok = pp_af(t->in, TOUCH_PAIRS);
	p = pp_get(t->in);
	if (!p)
		return;
	t->last = p;
	memcpy(&t->after, page_address(p), sizeof(t->after));
	pp_put(t->in, p, true);
}

static void touch_check(struct kinst *in)
{
	struct touch_probe t = { .in = in };
	u64 want = in->touch >= 8 ? TOUCH_PAIRS : 0;

	if (pp_setup(in)) {
		pbk_check("touch_k_page_pool", false, "why=\"page_pool_create failed\"");
		return;
	}
	pbk_in_softirq(touch_probe_fn, &t);
	pp_teardown(in);
	pbk_check("touch_k_page_pool",
		  t.ok && t.first && t.first == t.last &&
		  (in->touch && in->touch < 8 ? t.after != t.before : t.after - t.before == want),
		  "touch=%u pairs=%u same_page=%d delta=%llu", in->touch, TOUCH_PAIRS,
		  t.first && t.first == t.last, t.after - t.before);
}

#if PBK_HAS_NAPI_PP_PUT_PAGE
struct napi_probe {
	struct page_pool *pool;
	u32 before, after;
	bool taken;
};

static void napi_probe_fn(void *arg)
{
	struct napi_probe *t = arg;
	struct page *p = page_pool_dev_alloc_pages(t->pool);

	if (!p)
		return;
	t->before = t->pool->alloc.count;
	t->taken = pbk_napi_pp_put_page(p);
	t->after = t->pool->alloc.count;
	if (!t->taken)
		put_page(p);
}

/*
 * The skb-6.5 row is worth having only if napi_pp_put_page really recycles into the direct
 * cache of a pool napi-local to this CPU (page_pool_napi_local), not through the ring: one
 * page in softirq, and the cache must have grown by it.
 */
static void napi_check(struct kinst *in)
{
	struct napi_probe t = { .pool = pool_create_on(64, in->node, pbk_cfg.cpu) };

	if (IS_ERR(t.pool)) {
		pbk_check("napi_pp_put_page_direct", false, "why=\"page_pool_create_percpu failed\"");
		return;
	}
	pbk_in_softirq(napi_probe_fn, &t);
	page_pool_destroy(t.pool);
	pbk_check("napi_pp_put_page_direct", t.taken && t.after == t.before + 1,
		  "cpu=%u taken=%d cache_before=%u cache_after=%u", pbk_cfg.cpu, t.taken, t.before,
		  t.after);
}
#endif

void pbk_kernel_run(void)
{
	struct kinst *in = kzalloc(sizeof(*in), GFP_KERNEL);

	if (in)
		in->held = kvcalloc(max(pbk_cfg.outstanding, 128U), sizeof(*in->held), GFP_KERNEL);
	if (!in || !in->held) {
		pbk_error("kernel backends: out of memory");
		kfree(in);
		return;
	}
	in->node = pbk_cfg.node;
	in->touch = pbk_cfg.touch;
	if (pbk_want_backend("k_page_pool"))
		touch_check(in);
#if PBK_HAS_NAPI_PP_PUT_PAGE
	if (pbk_want_backend("k_page_pool") && (pbk_cfg.paths & PBK_PATH_SKB_65))
		napi_check(in);
#endif
	if (pbk_want_backend("k_alloc_pages"))
		run_alloc_pages(in);
	if (pbk_want_backend("k_page_frag"))
		run_page_frag(in);
	if (pbk_want_backend("k_page_pool"))
		run_page_pool(in);
	if (pbk_want_backend("k_ptr_ring"))
		run_ptr_ring(in);
	kvfree(in->held);
	kfree(in);
}

struct probe {
	struct page_pool *pool;
	bool cached;
};

static void probe_fn(void *arg)
{
	struct probe *pr = arg;
	struct page *p = page_pool_dev_alloc_pages(pr->pool);
	u32 before;

	if (!p)
		return;
	before = pr->pool->alloc.count;
	page_pool_recycle_direct(pr->pool, p);
	pr->cached = pr->pool->alloc.count == before + 1;
}

int pbk_pp_probe(bool softirq)
{
	struct probe pr = { .pool = pool_create(64, NUMA_NO_NODE) };

	if (IS_ERR(pr.pool))
		return -1;
	if (softirq) {
		pbk_in_softirq(probe_fn, &pr);
	} else {
		local_bh_disable();
		probe_fn(&pr);
		local_bh_enable();
	}
	page_pool_destroy(pr.pool);
	return pr.cached;
}
