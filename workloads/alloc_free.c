// SPDX-License-Identifier: GPL-2.0-only
/*
 * The three paths of bench_page_pool_simple, as alloc+free pairs from one context:
 *  alloc-free        free on the return path path= names (path.h): xdp (default: the owning
 *                    RX context recycles directly, page_pool's fast path), skb-6.1 (through
 *                    the ring, page_pool_put_full_page(.., false)) or skb-6.5 (napi_pp_put_page
 *                    in the owning NAPI: direct again)
 *  alloc-free-remote free through the non-direct path (returns via the ptr_ring): skb-6.1
 *  alloc-free-slow   the page leaves its pool and goes back to the page allocator:
 *                    page_pool_release_page + put_page, as bench_page_pool_simple's slow test
 * Each loop is specialised per backend (specialise.h): direct calls, and the packet-buffer
 * descriptor only for a backend that hands out pieces of pages. Between the alloc and the
 * free each loop reads and writes the buffer's first touch= bytes (touch.h). An allocation
 * that fails (exhaustion, or fail= injecting one) drops that pair and counts it in the
 * record's alloc_failed: the loop goes on, as a driver drops a frame it has no buffer for.
 * alloc-free also
 * runs a raw peer row (a backend with raw_pairs): the library's own loop, in its own file.
 */
#include <stdlib.h>
#include "specialise.h"
#include "touch.h"
#include "workload.h"

enum af_mode { AF_DIRECT, AF_REMOTE, AF_SLOW };

static const struct pb_param_spec af_params[] = {
	PB_WL_PATH_PARAM,
	PB_WL_TOUCH_PARAM,
	PB_WL_LEN_PARAM,	/* frame bytes, for the backends that receive (halfpage's copybreak) */
	{ 0 },
};

/* alloc-free-remote and -slow name their path themselves: touch= is all they take. */
static const struct pb_param_spec af_touch_params[] = {
	PB_WL_TOUCH_PARAM,
	{ 0 },
};

/* What the loops read once per batch: r->state. */
struct af_state {
	uint32_t touch;
};

static int af_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	struct af_state *s = malloc(sizeof(*s));

	if (!s)
		return pb_err_set(err, "alloc-free: out of memory");
	s->touch = pb_wl_touch_bytes(r->params);
	r->state = s;
	return 0;
}

static void af_cleanup(struct pb_wl_run *r)
{
	free(r->state);
}

/*
 * page_pool_release_page in the model's terms: the page may no longer be recycled (the flag
 * a page from the reserves carries), so the free that follows takes it out of the pool,
 * unmapped and counted released, and drops the pool's reference: put_page, the last one,
 * gives it to the page allocator. The kernel's three atomics (release count, refcount,
 * the per-CPU list lock), no get_page before.
 */
static inline void af_release(struct pb_page *pg)
{
	pg->flags |= PB_PG_RESERVE;
}

/* One loop for all three paths; @mode is a constant in each caller, so each is specialised. */
static inline __attribute__((always_inline)) bool
af_pages(struct pb_wl_run *r, uint64_t n, enum af_mode mode,
	 struct pb_page *(*alloc)(struct pb_alloc *a),
	 void (*free)(struct pb_alloc *a, struct pb_page *pg, bool direct))
{
	struct pb_alloc *a = r->alloc;
	uint32_t touch = ((const struct af_state *)r->state)->touch;

	for (uint64_t i = 0; i < n; i++) {
		struct pb_page *pg = alloc(a);

		if (pb_unlikely(!pg)) {	/* no page: this pair is dropped, counted */
			pb_alloc_note_failed(a, 1);
			continue;
		}
		pb_wl_touch_page(pg, touch);
		if (mode == AF_SLOW)
			af_release(pg);
		free(a, pg, mode != AF_REMOTE);
	}
	return true;
}

static inline __attribute__((always_inline)) bool
af_bufs(struct pb_wl_run *r, uint64_t n, enum af_mode mode,
	bool (*alloc_buf)(struct pb_alloc *a, struct pb_buf *b),
	void (*free_buf)(struct pb_alloc *a, const struct pb_buf *b, bool direct))
{
	struct pb_alloc *a = r->alloc;
	uint32_t touch = ((const struct af_state *)r->state)->touch;

	for (uint64_t i = 0; i < n; i++) {
		struct pb_buf b;

		if (pb_unlikely(!alloc_buf(a, &b))) {
			pb_alloc_note_failed(a, 1);
			continue;
		}
		pb_wl_touch_buf(&b, touch);
		if (mode == AF_SLOW)
			af_release(b.page);
		free_buf(a, &b, mode != AF_REMOTE);
	}
	return true;
}

#define AF_TEMPLATES(T, mode)									\
	static inline __attribute__((always_inline)) bool					\
	T##_pages(struct pb_wl_run *r, uint64_t n, struct pb_page *(*al)(struct pb_alloc *),	\
		  void (*fr)(struct pb_alloc *, struct pb_page *, bool))			\
	{ return af_pages(r, n, mode, al, fr); }						\
	static inline __attribute__((always_inline)) bool					\
	T##_bufs(struct pb_wl_run *r, uint64_t n, bool (*al)(struct pb_alloc *, struct pb_buf *), \
		 void (*fr)(struct pb_alloc *, const struct pb_buf *, bool))			\
	{ return af_bufs(r, n, mode, al, fr); }

AF_TEMPLATES(afd, AF_DIRECT)
AF_TEMPLATES(afr, AF_REMOTE)
AF_TEMPLATES(afs, AF_SLOW)
PB_WL_SPECIALISE(afd);
PB_WL_SPECIALISE(afr);
PB_WL_SPECIALISE(afs);

static enum pb_wl_path af_path(const struct pb_params *p)
{
	return (enum pb_wl_path)pb_param_u64(p, af_params, "path");
}

static enum pb_wl_path remote_path(const struct pb_params *p)
{
	return PB_WL_PATH_SKB_61;
}

static enum pb_wl_path slow_path(const struct pb_params *p)
{
	return PB_WL_PATH_RELEASE;
}

/* A raw peer row: the library's own alloc+free loop (allocator.h raw_pairs), touching as ours do. */
static bool af_raw(struct pb_wl_run *r, uint64_t n)
{
	if (pb_unlikely(!r->alloc->ops->raw_pairs(r->alloc, n, ((const struct af_state *)r->state)->touch))) {
		r->failed = "allocation failed";
		return false;
	}
	return true;
}

static void run_direct(struct pb_wl_run *r, unsigned t)
{
	bool direct = pb_wl_path_direct(af_path(r->params));

	if (r->alloc->ops->raw_pairs) {
		pb_wl_time_batches(r, t, 1, af_raw);
		return;
	}
	pb_wl_time_batches(r, t, 1, pb_wl_pick(r->alloc, direct ? afd_bodies : afr_bodies));
}

static void run_remote(struct pb_wl_run *r, unsigned t)
{
	pb_wl_time_batches(r, t, 1, pb_wl_pick(r->alloc, afr_bodies));
}

static void run_slow(struct pb_wl_run *r, unsigned t)
{
	pb_wl_time_batches(r, t, 1, pb_wl_pick(r->alloc, afs_bodies));
}

const struct pb_workload pb_wl_alloc_free = {
	.name = "alloc-free",
	.desc = "alloc then free on the return path path= names (default xdp: page_pool fast path)",
	.params = af_params,
	.nthreads = 1,
	.raw_pairs = true,
	.default_ops = 2000000,
	.prepare = af_prepare,
	.run = run_direct,
	.cleanup = af_cleanup,
	.path = af_path,
};

const struct pb_workload pb_wl_alloc_free_remote = {
	.name = "alloc-free-remote",
	.desc = "alloc then free through the non-direct path (page_pool ptr_ring path: skb-6.1)",
	.params = af_touch_params,
	.nthreads = 1,
	.default_ops = 2000000,
	.prepare = af_prepare,
	.run = run_remote,
	.cleanup = af_cleanup,
	.path = remote_path,
};

const struct pb_workload pb_wl_alloc_free_slow = {
	.name = "alloc-free-slow",
	.desc = "alloc, release from the pool, put_page: back to the page allocator",
	.params = af_touch_params,
	.nthreads = 1,
	.page_refs = true,
	.default_ops = 1000000,
	.prepare = af_prepare,
	.run = run_slow,
	.cleanup = af_cleanup,
	.path = slow_path,
};
