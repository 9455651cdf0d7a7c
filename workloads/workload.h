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

#ifndef __KERNEL__	/* no floating point in the module, and no replay there */
/* How a workload figure reads: the same three kinds as a record's counters (result.h). */
enum pb_wl_fig_kind { PB_WL_FIG_RATE, PB_WL_FIG_COUNT, PB_WL_FIG_LEVEL };

#define PB_WL_REPORT_FIGS 24
#define PB_WL_SERIES_COLS 8

/* One named figure a workload measured (a trace replay's drops, peaks, pinning). */
struct pb_wl_figure {
	const char *name;		/* a static string: the counter's name */
	enum pb_wl_fig_kind kind;
	bool counted;			/* false: could not be measured (the record says null) */
	double value;
};

/*
 * What a workload measured besides time and the backend's counters, over its measured
 * repetitions (a trace replay's packets and memory). The runner puts it on the instance's
 * first-track record: the figures as counters, per-packet rates of the instance's counters
 * when @packets is set, and the series. Workloads without one leave it zeroed.
 */
struct pb_wl_report {
	uint64_t packets;		/* frames received over the measured repetitions; 0: none */
	struct pb_wl_figure fig[PB_WL_REPORT_FIGS];
	unsigned nfig;
	/* A sampled series for plots, @nsamples rows of @ncols columns (the first is x). */
	const char *series_cols[PB_WL_SERIES_COLS];
	unsigned ncols, nsamples;
	double *series;			/* malloc'd [nsamples * ncols]; the runner takes and frees it */
};
#endif

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
	const struct pb_workload *wl;	/* the workload being run (a resolved replay finds its trace) */
#ifndef __KERNEL__
	struct pb_wl_report report;	/* what run() measured besides time; zeroed before prepare() */
#endif
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
	bool raw_pairs;				/* runs a raw peer row (allocator.h raw_pairs) */
	bool distinct_cpus;			/* a CPU per thread: the plan refuses fewer CPUs, or sharing */
	uint64_t default_ops;			/* loop workloads: operations per repetition */
	/*
	 * Fixed work only (NULL for a loop workload): the events thread @thread replays each
	 * repetition, known once prepare() has run. Then r->ops is not used, --ops is refused,
	 * the warm-up is one pass and each window of @window events is one sample.
	 */
	uint64_t (*work_size)(const struct pb_wl_run *r, unsigned thread);
	uint64_t window;			/* fixed work: events per timed window (> 0) */
	/*
	 * Optional: checks what single-key validation cannot (one key against another, a file a
	 * key names) before anything runs, so a bad combination is input error; -1 + @err
	 * naming the key. @p has passed pb_params_check against params.
	 */
	int (*check)(const struct pb_params *p, struct pb_err *err);
	/*
	 * The runner also runs the null backend on it, as one more row: its figures are the
	 * workload's own cost per event (a trace replay's engine), shown beside every row.
	 */
	bool null_row;
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
/*
 * pb_wl_time_windows with @prep(r, t, first, n) run untimed before each window (a trace
 * replay decodes the window's events there); a false @prep ends the repetition as a false
 * @body does.
 */
void pb_wl_time_windows_prep(struct pb_wl_run *r, unsigned t,
			     bool (*body)(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n),
			     bool (*prep)(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n));

#endif
