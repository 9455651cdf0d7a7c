/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The workload interface (time_bench style: the workload owns the loop). The harness pins
 * the threads, calls run() on each of them at once, and turns the per-batch cycle counts
 * the workload records into statistics. A workload is one file plus one line in
 * workloads.def.
 *
 * Two kinds of work, one sample pipeline:
 *  - a loop workload repeats a unit (one alloc+free, one bulk round, ...) r->ops times in
 *    r->nbatches timed batches; its warm-up may double r->ops until a batch is long enough;
 *  - a fixed-work workload (work_size set; a trace) replays the whole of its work every
 *    repetition, timed in windows of r->window events; its warm-up is one pass.
 * Either way each batch or window is one sample of cycles, operations and waiting.
 */
#ifndef PB_WORKLOAD_H
#define PB_WORKLOAD_H

#include "allocator.h"
#include "path.h"
#include "timing.h"

/* Measured threads of one workload: each is pinned to a CPU slot, so no more than slots. */
#define PB_MAX_TRACKS PB_MAX_THREADS	/* a track is one thread's record: same bound */

/* What one thread of one repetition measured. */
struct pb_wl_track {
	uint64_t *batch_cycles;	/* [nbatches] TSC cycles of each timed batch */
	uint64_t *batch_ops;	/* [nbatches] operations in each batch */
	uint64_t *batch_wait;	/* [nbatches] cycles spent waiting on another thread */
	uint64_t wait;		/* the body adds its waiting cycles here during a batch */
	unsigned nbatches;	/* batches actually recorded */
};

struct pb_wl_run {
	struct pb_alloc *alloc;		/* NULL for baselines */
	const struct pb_params *params;
	uint64_t ops;			/* loop: operations to perform per thread (target) */
	unsigned nbatches;		/* capacity of each track's batch arrays */
	/*
	 * state and failed sit before the (long) track array so loop bodies reach them with a
	 * one-byte displacement: a longer encoding moves the loops' alignment padding, which
	 * callgrind counts as instructions.
	 */
	void *state;			/* the workload's own, from prepare() */
	const char *failed;		/* set by run() when it could not do the work */
	struct pb_wl_track track[PB_MAX_THREADS];
	/*
	 * Out of struct pb_wl_track: a bigger track would cost every loop an extra instruction
	 * to index it.
	 */
	uint64_t window;		/* fixed work: events per timed window */
	uint64_t work[PB_MAX_THREADS];	/* fixed work: events thread t replays per repetition */
	bool shared_cpus;		/* some threads share a CPU: waiting must yield, not spin */
};

struct pb_workload {
	const char *name;
	const char *desc;
	const struct pb_param_spec *params;	/* keys it reads; may be NULL */
	unsigned nthreads;			/* pinned threads run() is called on (1..PB_MAX_THREADS) */
	/*
	 * One role name per thread (also its record's track, and the name --cpus role=N
	 * gives it); NULL when nthreads == 1. At most 15 characters.
	 */
	const char *tracks[PB_MAX_THREADS];
	bool baseline;				/* measures the machine, takes no allocator */
	bool concurrent;			/* allocs and frees run on two CPUs at once */
	bool page_refs;				/* touches the page itself (refcount, flags): no peers */
	uint64_t default_ops;			/* loop workloads: operations per repetition */
	/*
	 * Fixed work only (NULL for a loop workload): the events thread @thread replays each
	 * repetition, known once prepare() has run. Then r->ops is not used, --ops is refused,
	 * the warm-up is one pass and each window of @window events is one sample.
	 */
	uint64_t (*work_size)(const struct pb_wl_run *r, unsigned thread);
	uint64_t window;			/* fixed work: events per timed window (> 0) */
	/* Optional: allocates r->state (never measured); -1 + @err on failure. */
	int (*prepare)(struct pb_wl_run *r, struct pb_err *err);
	/*
	 * Does one repetition on thread @thread, timing it into r->track[thread]: r->ops
	 * operations (loop), or the thread's whole work (fixed work).
	 */
	void (*run)(struct pb_wl_run *r, unsigned thread);
	/* Optional: frees r->state, and gives back whatever a failed repetition left behind. */
	void (*cleanup)(struct pb_wl_run *r);
	/*
	 * Optional: the most buffers the workload holds at once from one instance under
	 * validated @p; @why (@len bytes) gets the parameter that decides it ("n=8192").
	 * Checked against each backend's capacity before anything runs. NULL: a handful.
	 */
	uint64_t (*bufs_held)(const struct pb_params *p, char *why, size_t len);
	/*
	 * Optional: the return path run() frees through under the (checked) params @p
	 * (path.h). Every workload that frees pages sets it, so its records carry path=.
	 */
	enum pb_wl_path (*path)(const struct pb_params *p);
};

/*
 * The path= label of @w's records on backend @ops under params @p ("xdp", "skb", ...), or
 * NULL when @w names no path (a baseline, a harness test).
 */
static inline const char *pb_wl_path_name(const struct pb_workload *w, const struct pb_alloc_ops *ops,
					  const struct pb_params *p)
{
	if (!w->path || !ops)
		return NULL;
	return pb_wl_path_label(w->path(p), pb_alloc_path_kind(ops));
}

/* The registered workloads, NULL-terminated, in workloads.def order. */
extern const struct pb_workload *const pb_workload_registry[];
/* Workload named @name, or NULL. */
const struct pb_workload *pb_workload_find(const char *name);
/* Index of the thread whose role is @role in @wl, or -1. */
int pb_workload_role(const struct pb_workload *wl, const char *role);

/*
 * Runs @body over @units units of @unit_ops operations each, split into r->nbatches timed
 * batches on track @t. @body(r, n) does n units. Used by every loop workload so the timing
 * discipline is written once.
 */
void pb_wl_time_batches(struct pb_wl_run *r, unsigned t, uint64_t unit_ops,
			bool (*body)(struct pb_wl_run *r, uint64_t units));
/*
 * Fixed work: replays thread @t's r->work[t] events in timed windows of r->window
 * events (the last may be shorter). @body(r, t, first, n) does events first..first+n-1.
 */
void pb_wl_time_windows(struct pb_wl_run *r, unsigned t,
			bool (*body)(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n));

#endif
