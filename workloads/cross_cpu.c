// SPDX-License-Identifier: GPL-2.0-only
/*
 * cross-cpu (bench_page_pool_cross_cpu, page_bench05): one pinned thread allocates pages and
 * hands them through an SPSC ring to a thread pinned on another CPU, which frees them through
 * the remote (non-direct) path. The cost of cache-line transfers and of the remote return
 * path lands where it lands in the kernel, and each side's cost per page is reported: its timed
 * batches less the cycles it spent spinning on a full or empty ring, which are the other
 * side's cost, not its own. The allocating side reads and writes each buffer's first touch=
 * bytes (touch.h), as the RX driver does; the freeing side does not touch the data, so what
 * it pays for the buffer is what its free path touches.
 */
#include <stdlib.h>
#include "spsc_ring.h"
#include "touch.h"
#include "workload.h"

static const struct pb_param_spec cross_params[] = {
	{ "handoff", PB_PARAM_UINT, 2, 65536, NULL, "256",
	  "entries of the ring between the two CPUs (power of two)" },
	PB_WL_TOUCH_PARAM,
	{ 0 },
};

struct cross {
	struct pb_spsc_ring ring;
	uint32_t touch;
	_Atomic bool stop;	/* the alloc side failed: the free side must not wait forever */
	struct pb_buf *slots;
};

static int cross_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	uint64_t size = pb_param_u64(r->params, cross_params, "handoff");
	struct cross *c;

	if (size & (size - 1))
		return pb_err_set(err, "handoff=%llu: must be a power of two", (unsigned long long)size);
	c = aligned_alloc(PB_CACHELINE, sizeof(*c));
	if (!c)
		return pb_err_set(err, "cross-cpu: out of memory");
	c->slots = calloc(size, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return pb_err_set(err, "cross-cpu: out of memory");
	}
	pb_spsc_init(&c->ring, c->slots, (uint32_t)size);
	c->touch = pb_wl_touch_bytes(r->params);
	atomic_init(&c->stop, false);
	r->state = c;
	return 0;
}

static bool alloc_side(struct pb_wl_run *r, uint64_t n)
{
	struct cross *c = r->state;
	struct pb_alloc *a = r->alloc;
	uint32_t touch = c->touch;	/* a local: the touch's byte stores may alias *c */

	for (uint64_t i = 0; i < n; i++) {
		struct pb_buf b;

		if (pb_unlikely(!pb_alloc_buf(a, &b))) {
			/*
			 * Dropped and counted; an empty buffer still goes over the ring, so the
			 * free side pops as many entries as this side pushes and neither waits.
			 */
			pb_alloc_note_failed(a, 1);
			b.page = NULL;
		} else {
			pb_wl_touch_buf(&b, touch);
		}
		if (pb_unlikely(!pb_spsc_push(&c->ring, &b))) {
			/* Waiting for the other CPU is its cost, not ours: charge it separately. */
			uint64_t w0 = pb_rdtsc();

			while (!pb_spsc_push(&c->ring, &b))
				pb_cpu_relax();
			r->track[0].wait += pb_rdtsc() - w0;
		}
	}
	return true;
}

static bool free_side(struct pb_wl_run *r, uint64_t n)
{
	struct cross *c = r->state;
	struct pb_alloc *a = r->alloc;

	for (uint64_t i = 0; i < n; i++) {
		struct pb_buf b;

		if (pb_unlikely(!pb_spsc_pop(&c->ring, &b))) {
			uint64_t w0 = pb_rdtsc();

			while (!pb_spsc_pop(&c->ring, &b)) {
				if (atomic_load_explicit(&c->stop, memory_order_relaxed)) {
					/* Give back what the alloc side did hand over, then stop. */
					while (pb_spsc_pop(&c->ring, &b))
						if (b.page)
							pb_free_buf(a, &b, false);
					return false;
				}
				pb_cpu_relax();
			}
			r->track[1].wait += pb_rdtsc() - w0;
		}
		if (pb_likely(b.page != NULL))	/* NULL: the alloc side dropped this one */
			pb_free_buf(a, &b, false);
	}
	return true;
}

static void cross_run(struct pb_wl_run *r, unsigned t)
{
	pb_wl_time_batches(r, t, 1, t == 0 ? alloc_side : free_side);
}

/* The freeing CPU is not the owning context: the ring (skb-6.1). */
static enum pb_wl_path cross_path(const struct pb_params *p)
{
	return PB_WL_PATH_SKB_61;
}

static void cross_cleanup(struct pb_wl_run *r)
{
	struct cross *c = r->state;

	free(c->slots);
	free(c);
}

const struct pb_workload pb_wl_cross_cpu = {
	.name = "cross-cpu",
	.desc = "alloc on one CPU, free through the remote path on another (two pinned threads)",
	.params = cross_params,
	.nthreads = 2,
	.concurrent = true,
	.tracks = { "alloc", "free" },
	.default_ops = 2000000,
	.prepare = cross_prepare,
	.run = cross_run,
	.cleanup = cross_cleanup,
	.path = cross_path,
};
