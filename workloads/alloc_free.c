// SPDX-License-Identifier: GPL-2.0-only
/*
 * The three paths of bench_page_pool_simple, as alloc+free pairs from one context:
 *  alloc-free        free back directly (the owning RX context recycles: page_pool's fast path)
 *  alloc-free-remote free through the non-direct path (returns via the ptr_ring)
 *  alloc-free-slow   an extra reference is held at free time, so the pool cannot recycle and
 *                    the page goes back to the page allocator when that reference is dropped
 */
#include "workload.h"

enum af_mode { AF_DIRECT, AF_REMOTE, AF_SLOW };

/* One loop for all three paths; @mode is a constant in each caller, so each is specialised. */
static inline __attribute__((always_inline)) bool af_loop(struct pb_wl_run *r, uint64_t n,
							  enum af_mode mode)
{
	struct pb_alloc *a = r->alloc;

	for (uint64_t i = 0; i < n; i++) {
		struct pb_buf b;

		if (pb_unlikely(!pb_alloc_buf(a, &b))) {
			r->failed = "allocation failed";
			return false;
		}
		if (mode == AF_SLOW)
			pb_page_get(b.page);	/* e.g. an skb clone still holds the page */
		pb_free_buf(a, &b, mode != AF_REMOTE);
		if (mode == AF_SLOW)
			pb_page_put(b.page);	/* ...and lets it go: the page allocator gets it */
	}
	return true;
}

static bool direct_body(struct pb_wl_run *r, uint64_t n) { return af_loop(r, n, AF_DIRECT); }
static bool remote_body(struct pb_wl_run *r, uint64_t n) { return af_loop(r, n, AF_REMOTE); }
static bool slow_body(struct pb_wl_run *r, uint64_t n) { return af_loop(r, n, AF_SLOW); }

static void run_direct(struct pb_wl_run *r, unsigned t) { pb_wl_time_batches(r, t, 1, direct_body); }
static void run_remote(struct pb_wl_run *r, unsigned t) { pb_wl_time_batches(r, t, 1, remote_body); }
static void run_slow(struct pb_wl_run *r, unsigned t) { pb_wl_time_batches(r, t, 1, slow_body); }

const struct pb_workload pb_wl_alloc_free = {
	.name = "alloc-free",
	.desc = "alloc then direct free from the owning context (page_pool fast path)",
	.nthreads = 1,
	.default_ops = 2000000,
	.run = run_direct,
};

const struct pb_workload pb_wl_alloc_free_remote = {
	.name = "alloc-free-remote",
	.desc = "alloc then free through the non-direct path (page_pool ptr_ring path)",
	.nthreads = 1,
	.default_ops = 2000000,
	.run = run_remote,
};

const struct pb_workload pb_wl_alloc_free_slow = {
	.name = "alloc-free-slow",
	.desc = "alloc, extra reference, free, drop reference: back to the page allocator",
	.nthreads = 1,
	.page_refs = true,
	.default_ops = 1000000,
	.run = run_slow,
};
