// SPDX-License-Identifier: GPL-2.0-only
/*
 * threads-test: a harness workload, not an allocator benchmark. Four pinned threads pass
 * every page down a pipeline of SPSC rings -- alloc -> hop1 -> hop2 -> free -- so the runner's
 * N-thread machinery (placement by role, one persistent helper per extra thread, per-thread
 * counters, one record per track, --allow-shared-cpus) is exercised by real hand-offs. Each
 * thread's cost is its timed batches less the cycles it spent waiting on its neighbours.
 * When threads share a CPU a waiting thread yields: spinning would wait for its neighbour to
 * be scheduled on the very CPU it is holding.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "spsc_ring.h"
#include "workload.h"

#define TT_THREADS 4
#define TT_RINGS (TT_THREADS - 1)	/* ring i carries pages from thread i to thread i + 1 */

static const struct pb_param_spec tt_params[] = {
	{ "handoff", PB_PARAM_UINT, 2, 65536, NULL, "256",
	  "entries of each ring between neighbouring threads (power of two)" },
	{ 0 },
};

struct tt {
	struct pb_spsc_ring ring[TT_RINGS];
	_Atomic bool stop;	/* the alloc thread failed: nobody may wait for it any more */
	struct pb_buf *slots[TT_RINGS];
};

static void tt_cleanup(struct pb_wl_run *r)
{
	struct tt *c = r->state;
	struct pb_buf b;

	/* After a failed repetition pages may sit in the rings: the backend gets them back. */
	for (unsigned i = 0; i < TT_RINGS; i++) {
		while (c->slots[i] && pb_spsc_pop(&c->ring[i], &b))
			pb_free_buf(r->alloc, &b, false);
		free(c->slots[i]);
	}
	free(c);
	r->state = NULL;
}

static int tt_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	uint64_t size = pb_param_u64(r->params, tt_params, "handoff");
	struct tt *c;

	if (size & (size - 1))
		return pb_err_set(err, "handoff=%llu: must be a power of two", (unsigned long long)size);
	c = aligned_alloc(PB_CACHELINE, (sizeof(*c) + PB_CACHELINE - 1) / PB_CACHELINE * PB_CACHELINE);
	if (!c)
		return pb_err_set(err, "threads-test: out of memory");
	memset(c, 0, sizeof(*c));
	r->state = c;
	for (unsigned i = 0; i < TT_RINGS; i++) {
		c->slots[i] = calloc(size, sizeof(*c->slots[i]));
		if (!c->slots[i]) {
			tt_cleanup(r);
			return pb_err_set(err, "threads-test: out of memory");
		}
		pb_spsc_init(&c->ring[i], c->slots[i], (uint32_t)size);
	}
	atomic_init(&c->stop, false);
	return 0;
}

static inline void tt_relax(const struct pb_wl_run *r)
{
	if (r->shared_cpus)
		sched_yield();
	else
		pb_cpu_relax();
}

/* Pushes @b on ring @i for thread @t; false when the pipeline stopped (b is then freed). */
static inline bool tt_push(struct pb_wl_run *r, unsigned t, unsigned i, struct pb_buf *b)
{
	struct tt *c = r->state;
	uint64_t w0;

	if (pb_likely(pb_spsc_push(&c->ring[i], b)))
		return true;
	/* Waiting on a neighbour is the neighbour's cost: charged apart. */
	w0 = pb_rdtsc();
	while (!pb_spsc_push(&c->ring[i], b)) {
		if (atomic_load_explicit(&c->stop, memory_order_relaxed)) {
			pb_free_buf(r->alloc, b, false);
			return false;
		}
		tt_relax(r);
	}
	r->track[t].wait += pb_rdtsc() - w0;
	return true;
}

/* Pops a page from ring @i for thread @t; false when the pipeline stopped. */
static inline bool tt_pop(struct pb_wl_run *r, unsigned t, unsigned i, struct pb_buf *b)
{
	struct tt *c = r->state;
	uint64_t w0;

	if (pb_likely(pb_spsc_pop(&c->ring[i], b)))
		return true;
	w0 = pb_rdtsc();
	while (!pb_spsc_pop(&c->ring[i], b)) {
		if (atomic_load_explicit(&c->stop, memory_order_relaxed))
			return false;	/* what is left in the ring goes back in cleanup */
		tt_relax(r);
	}
	r->track[t].wait += pb_rdtsc() - w0;
	return true;
}

static bool alloc_body(struct pb_wl_run *r, uint64_t n)
{
	struct tt *c = r->state;

	for (uint64_t k = 0; k < n; k++) {
		struct pb_buf b;

		if (pb_unlikely(!pb_alloc_buf(r->alloc, &b))) {
			r->failed = "allocation failed";
			atomic_store(&c->stop, true);
			return false;
		}
		if (!tt_push(r, 0, 0, &b))
			return false;
	}
	return true;
}

static inline bool hop(struct pb_wl_run *r, uint64_t n, unsigned t)
{
	for (uint64_t k = 0; k < n; k++) {
		struct pb_buf b;

		if (!tt_pop(r, t, t - 1, &b) || !tt_push(r, t, t, &b))
			return false;
	}
	return true;
}

static bool hop1_body(struct pb_wl_run *r, uint64_t n) { return hop(r, n, 1); }
static bool hop2_body(struct pb_wl_run *r, uint64_t n) { return hop(r, n, 2); }

static bool free_body(struct pb_wl_run *r, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		struct pb_buf b;

		if (!tt_pop(r, TT_THREADS - 1, TT_RINGS - 1, &b))
			return false;
		pb_free_buf(r->alloc, &b, false);	/* not the allocating context: remote path */
	}
	return true;
}

static void tt_run(struct pb_wl_run *r, unsigned t)
{
	static bool (*const body[TT_THREADS])(struct pb_wl_run *, uint64_t) = {
		alloc_body, hop1_body, hop2_body, free_body,
	};

	pb_wl_time_batches(r, t, 1, body[t]);
}

const struct pb_workload pb_wl_threads_test = {
	.name = "threads-test",
	.desc = "harness test: 4 pinned threads pass each page alloc -> hop1 -> hop2 -> free",
	.params = tt_params,
	.nthreads = TT_THREADS,
	.concurrent = true,
	.tracks = { "alloc", "hop1", "hop2", "free" },
	.default_ops = 200000,
	.prepare = tt_prepare,
	.run = tt_run,
	.cleanup = tt_cleanup,
};
