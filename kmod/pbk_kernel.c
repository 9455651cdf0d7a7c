// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's real allocators, driven the way a NIC driver drives them:
 *   k_alloc_pages  calls=node: alloc_pages_node / __free_pages, what dev_alloc_pages and a
 *                  driver's free cost (orders from orders=; compound above 0, as
 *                  dev_alloc_pages asks), alloc_pages_bulk_array_node for bulk=;
 *                  calls=policy (alloc-free): alloc_pages, the mempolicy wrapper, / put_page,
 *                  the folio path: what prototype-kernel's page_bench01/04 time, so those
 *                  rows pair with their published figures
 *   k_page_frag    page_frag_alloc / page_frag_free on a private page_frag_cache
 *   k_page_pool    page_pool_create(pool_size, nid), page_pool_dev_alloc_pages; free through
 *                  the direct cache (page_pool_recycle_direct, softirq), the ptr_ring
 *                  (page_pool_put_full_page, allow_direct=false) or the release path
 *                  (page_pool_release_page + put_page)
 *   k_ptr_ring     a ptr_ring used as the page store: __ptr_ring_consume to allocate (one
 *                  consumer, no consumer lock, as page_pool's refill since 5.17), produce
 *                  under the producer lock to free (page_pool's ring path without the rest)
 * Every record names its return path (path=, workloads/path.h): xdp for page_pool's direct
 * recycling, skb-6.1 for its ring, release for its release path, skb for the backends that
 * have no other.
 * Each backend's get/put are inlined into each workload's loop (the loops are
 * __always_inline with constant function arguments), so no indirect call is measured.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/ptr_ring.h>
#include <linux/slab.h>
#include <net/page_pool.h>
#include "pbk.h"
#include "pbk_cross.h"

#define KGFP (GFP_ATOMIC | __GFP_NOWARN)

struct kinst {
	const char *failed;
	unsigned order;
	unsigned bulk;			/* pages per bulk call; 0 outside the bulk workload */
	unsigned n;			/* pages held by outstanding */
	bool policy;			/* k_alloc_pages calls=policy: alloc_pages + put_page */
	int node;
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
	if (in->nc.va)
		__page_frag_cache_drain(virt_to_head_page(in->nc.va), in->nc.pagecnt_bias);
	in->nc.va = NULL;
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
	page_pool_release_page(in->pool, p);
	put_page(p);
}

static struct page_pool *pool_create(unsigned size, int nid)
{
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = size,
		.nid = nid,
		.dma_dir = DMA_BIDIRECTIONAL,	/* unused: no PP_FLAG_DMA_MAP, no device */
	};

	return page_pool_create(&pp);
}

static int pp_setup(struct kinst *in)
{
	in->pool = pool_create(pbk_cfg.pool_size, in->node);
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

static __always_inline bool loop_pairs(struct kinst *in, u64 n, void *(*get)(struct kinst *),
				       void (*put)(struct kinst *, void *, bool), bool direct)
{
	for (u64 i = 0; i < n; i++) {
		void *p = get(in);

		if (unlikely(!p))
			return kfail(in, "allocation failed");
		put(in, p, direct);
	}
	return true;
}

static __always_inline bool loop_outstanding(struct kinst *in, u64 rounds,
					     void *(*get)(struct kinst *),
					     void (*put)(struct kinst *, void *, bool))
{
	for (u64 k = 0; k < rounds; k++) {
		unsigned i;

		for (i = 0; i < in->n; i++) {
			in->held[i] = get(in);
			if (unlikely(!in->held[i]))
				break;
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

static __always_inline bool loop_xalloc(struct kinst *in, u64 n, void *(*get)(struct kinst *),
					void (*put)(struct kinst *, void *, bool))
{
	for (u64 i = 0; i < n; i++) {
		void *p = get(in);

		if (unlikely(!p)) {
			atomic_set(&in->x->stop, 1);
			return kfail(in, "allocation failed");
		}
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
{ return loop_pairs(a, n, be##_get, be##_put, true); }						\
static bool __maybe_unused be##_out(void *a, u64 n)						\
{ return loop_outstanding(a, n, be##_get, be##_put); }						\
static bool __maybe_unused be##_xalloc(void *a, u64 n)						\
{ return loop_xalloc(a, n, be##_get, be##_put); }						\
static bool __maybe_unused be##_xfree(void *a, u64 n)						\
{ return loop_xfree(a, n, be##_put); }

KBODIES(ap)
KBODIES(apm)
KBODIES(frag)
KBODIES(pp)
KBODIES(ring)

static bool pp_remote(void *a, u64 n)
{
	return loop_pairs(a, n, pp_get, pp_put, false);
}

static bool pp_slow(void *a, u64 n)
{
	return loop_pairs(a, n, pp_get, pp_put_release, true);
}

/* alloc_pages_bulk_array fills only NULL slots, so the free loop leaves them NULL again. */
static bool ap_bulk(void *arg, u64 rounds)
{
	struct kinst *in = arg;
	struct page **pages = (struct page **)in->held;

	for (u64 k = 0; k < rounds; k++) {
		unsigned long got = alloc_pages_bulk_array_node(KGFP, in->node, in->bulk, pages);

		for (unsigned i = 0; i < got; i++) {
			__free_pages(pages[i], 0);
			pages[i] = NULL;
		}
		if (unlikely(got < in->bulk))
			return kfail(in, "alloc_pages_bulk_array came back short");
	}
	return true;
}

/* page_pool has no bulk allocation call in 6.1: bulk single allocs, one bulk return. */
static bool pp_bulk(void *arg, u64 rounds)
{
	struct kinst *in = arg;

	for (u64 k = 0; k < rounds; k++) {
		for (unsigned i = 0; i < in->bulk; i++) {
			struct page *p = pp_get(in);

			if (unlikely(!p)) {
				page_pool_put_page_bulk(in->pool, in->held, i);
				return kfail(in, "allocation failed");
			}
			in->held[i] = page_address(p);	/* the bulk call takes data pointers */
		}
		page_pool_put_page_bulk(in->pool, in->held, in->bulk);
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
static const char *kpath(const struct kbackend *be, const char *workload)
{
	if (be == &kb_alloc_pages || be == &kb_page_frag)
		return "skb";
	if (be == &kb_ptr_ring)
		return "skb-6.1";
	if (!strcmp(workload, "alloc-free-slow"))
		return "release";
	if (!strcmp(workload, "alloc-free") || !strcmp(workload, "outstanding"))
		return "xdp";
	return "skb-6.1";
}

/* The backend's own parameters, then @extra, then node= when one was asked for, then path=. */
static void kparams(char *buf, size_t len, const struct kbackend *be, const struct kinst *in,
		    const char *extra, const char *workload)
{
	size_t off = 0;

	if (be == &kb_alloc_pages)
		off = scnprintf(buf, len, "order=%u%s", in->order,
				in->policy ? ",calls=policy" : "");
	else if (be == &kb_page_frag)
		off = scnprintf(buf, len, "frag_size=%u", pbk_cfg.frag_size);
	else if (be == &kb_page_pool)
		off = scnprintf(buf, len, "pool_size=%u", pbk_cfg.pool_size);
	else
		off = scnprintf(buf, len, "ring=%u", pbk_cfg.pool_size);
	if (extra && *extra)
		off += scnprintf(buf + off, len - off, ",%s", extra);
	if (in->node != NUMA_NO_NODE)
		off += scnprintf(buf + off, len - off, ",node=%d", in->node);
	scnprintf(buf + off, len - off, ",path=%s", kpath(be, workload));
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

static void run_page_pool(struct kinst *in)
{
	char extra[32];

	if (pbk_want_workload("alloc-free"))
		krun(&kb_page_pool, in, "alloc-free", NULL, 1, pp_af);
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
