/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The workload interface (time_bench style: the workload owns the loop). The harness pins
 * the threads, calls run() on each of them at once, and turns the per-batch cycle counts
 * the workload records into statistics. A workload is one file plus one line in
 * workloads.def.
 */
#ifndef PB_WORKLOAD_H
#define PB_WORKLOAD_H

#include "allocator.h"
#include "timing.h"

#define PB_MAX_TRACKS 2

/* What one thread of one repetition measured. */
struct pb_wl_track {
	uint64_t *batch_cycles;	/* [nbatches] TSC cycles of each timed batch */
	uint64_t *batch_ops;	/* [nbatches] operations in each batch */
	uint64_t *batch_wait;	/* [nbatches] cycles spent waiting on the other thread */
	uint64_t wait;		/* the body adds its waiting cycles here during a batch */
	unsigned nbatches;	/* batches actually recorded */
};

struct pb_wl_run {
	struct pb_alloc *alloc;		/* NULL for baselines */
	const struct pb_params *params;
	uint64_t ops;			/* operations to perform per thread (target) */
	unsigned nbatches;		/* capacity of each track's batch arrays */
	struct pb_wl_track track[PB_MAX_TRACKS];
	void *state;			/* the workload's own, from prepare() */
	const char *failed;		/* set by run() when it could not do the work */
};

struct pb_workload {
	const char *name;
	const char *desc;
	const struct pb_param_spec *params;	/* keys it reads; may be NULL */
	unsigned nthreads;			/* pinned threads run() is called on (1 or 2) */
	const char *tracks[PB_MAX_TRACKS];	/* one name per thread; NULL when nthreads == 1 */
	bool baseline;				/* measures the machine, takes no allocator */
	bool concurrent;			/* allocs and frees run on two CPUs at once */
	bool page_refs;				/* takes extra page references (get_page/put_page) */
	uint64_t default_ops;
	/* Optional: allocates r->state (never measured); -1 + @err on failure. */
	int (*prepare)(struct pb_wl_run *r, struct pb_err *err);
	/* Does r->ops operations on thread @thread, timing them in batches into r->track[thread]. */
	void (*run)(struct pb_wl_run *r, unsigned thread);
	/* Optional: frees r->state. */
	void (*cleanup)(struct pb_wl_run *r);
};

/* The registered workloads, NULL-terminated, in workloads.def order. */
extern const struct pb_workload *const pb_workload_registry[];
/* Workload named @name, or NULL. */
const struct pb_workload *pb_workload_find(const char *name);

/*
 * Runs @body over @units units of @unit_ops operations each, split into r->nbatches timed
 * batches on track @t. @body(r, n) does n units. Used by every loop workload so the timing
 * discipline is written once.
 */
void pb_wl_time_batches(struct pb_wl_run *r, unsigned t, uint64_t unit_ops,
			bool (*body)(struct pb_wl_run *r, uint64_t units));

#endif
