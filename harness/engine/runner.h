/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs a plan (backends x one workload x params) and produces result records: placement,
 * instances, warm-up, interleaved repetitions, overhead subtraction, statistics.
 */
#ifndef PB_RUNNER_H
#define PB_RUNNER_H

#include "allocator.h"
#include "record.h"
#include "result.h"
#include "workload.h"

#define PB_MAX_ALLOCS 16

/* One --cpus entry: a CPU for the next thread in order, or for the thread of a role. */
struct pb_cpu_pick {
	char role[16];			/* "" when given by position */
	int cpu;			/* OS CPU number */
};

struct pb_plan {
	const struct pb_alloc_ops *allocs[PB_MAX_ALLOCS];
	unsigned nallocs;
	bool alloc_all;			/* --alloc all: pb_plan_drop_unfit keeps those that fit */
	const struct pb_workload *wl;
	struct pb_params params;	/* --set, shared by backends, workload and memory */
	unsigned reps;			/* measured repetitions per backend */
	uint64_t ops;			/* operations per repetition; 0 = workload default */
	unsigned nbatches;		/* timed batches per repetition (p99 comes from these) */
	bool baselines;			/* also run for-loop, atomic-inc, spin-lock, call-pair */
	struct pb_cpu_pick cpus[PB_MAX_THREADS];	/* --cpus, as given; resolved per workload */
	unsigned ncpus;			/* entries in cpus; threads without one get a chosen CPU */
	bool allow_shared_cpus;		/* more threads than CPUs allowed (--allow-shared-cpus) */
	uint64_t seed;			/* shuffles the run order of each repetition; seeds the bootstrap */
	double cv_max;			/* a record whose cycles CV exceeds this is flagged unstable */
	uint64_t min_batch_ns;		/* grow ops until a timed batch lasts this long (0: off) */
	char job[64];			/* config job name, copied into every record */
	char events[256];		/* PMU events to count ("" none; "default" the defaults) */
	bool metric_instructions;	/* rank and compare by instructions per op */
	unsigned processes;		/* run in this many processes (--processes; the CLI does it) */
	/*
	 * Optional: called after every run (a warm-up or a repetition of one instance) with the
	 * runs done and in all, the seconds left (runner_eta.h; negative before an estimate)
	 * and the name of the record (first track) whose run it was.
	 */
	void (*progress)(void *arg, unsigned done, unsigned total, double eta_s, const char *name);
	void *progress_arg;
};

/*
 * Fills @plan with defaults: 9 repetitions, one process, 100 batches, baselines on, CPUs
 * chosen, seed 1, unstable above 5% CV, batches grown to at least 20 us, the default PMU events.
 */
void pb_plan_init(struct pb_plan *plan);
/*
 * Parses --cpus into plan->cpus, replacing what was there: "A,B,..." (thread i gets the i-th
 * CPU) or "role=A,role=B,..." (by the workload's role names, checked by pb_plan_check).
 * -1 + @err quoting @v on a malformed list, a mix of both forms, or a role given twice.
 */
int pb_plan_parse_cpus(struct pb_plan *plan, const char *v, struct pb_err *err);
/*
 * Resolves plan->cpus against plan->wl: @want[t] is thread t's OS CPU, -1 where the runner
 * chooses. -1 + @err on a role the workload has not, or more CPUs than it has threads.
 */
int pb_plan_cpu_want(const struct pb_plan *plan, int want[PB_MAX_THREADS], struct pb_err *err);
/*
 * Checks that every --set key is taken by the workload, the memory model or at least one
 * chosen backend, that every value is valid for each taker, and that --cpus and --ops fit
 * the workload. -1 + @err otherwise.
 */
int pb_plan_check(const struct pb_plan *plan, struct pb_err *err);
/*
 * For --alloc all: drops the backends that cannot run @plan (pb_plan_backend_fits) and
 * writes one "name: why" per line into @skipped (@len bytes, "" when none). Nothing to
 * do without plan->alloc_all. -1 + @err when no backend is left.
 */
int pb_plan_drop_unfit(struct pb_plan *plan, char *skipped, size_t len, struct pb_err *err);
/*
 * Whether backend @o can run @plan's workload with @plan's parameters: built here, valid
 * values, one-context and page-reference fit, and capacity for the buffers the workload
 * holds at once. -1 + @err saying why not.
 */
int pb_plan_backend_fits(const struct pb_plan *plan, const struct pb_alloc_ops *o,
			 struct pb_err *err);
/*
 * Runs @plan. Fills @job (cleared first) with how this job was measured: its name, TSC rate,
 * overheads, threads with their roles, CPUs and nodes, PMU state, metric, seed, threshold,
 * arena node; returns the records in *@out (*@n of them; free with pb_results_free), their
 * ratios set (record.h). -1 + @err on failure, -2 + @err when the plan cannot be placed on
 * this machine's CPUs (bad input); nothing returned.
 */
int pb_run(const struct pb_plan *plan, struct pb_job_context *job, struct pb_result **out,
	   size_t *n, struct pb_err *err);
/*
 * Everything about @plan that can be wrong on this machine before it runs: the plan
 * itself, the PMU event names, whether its CPUs exist, and whether its threads fit on them
 * (more threads than CPUs only with allow_shared_cpus). -1 + @err.
 */
int pb_plan_preflight(const struct pb_plan *plan, struct pb_err *err);

#endif
