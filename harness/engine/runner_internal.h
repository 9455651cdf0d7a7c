/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the runner keeps while a plan runs, shared by its files: the run loop (runner.c),
 * plan validation (plan.c) and turning samples into records (records.c).
 */
#ifndef PB_RUNNER_INTERNAL_H
#define PB_RUNNER_INTERNAL_H

#include "placement.h"
#include "pmu.h"
#include "runner.h"
#include "runner_eta.h"
#include "summary.h"

#define CALLGRIND_OPS 20000

struct track_acc {
	double *rep_cycles;	/* [reps] */
	double *batch_cycles;	/* [reps * nbatches] */
	unsigned nbatch;
	uint64_t ops;		/* all measured repetitions */
	uint64_t atomics;
	struct pb_pmu_totals pmu;		/* all measured repetitions */
	double *ev_rep[PB_MAX_EVENTS];		/* [reps] per-op count of each event */
	bool ev_seen;				/* ev_ok/ev_why filled from an open PMU */
	bool ev_ok[PB_MAX_EVENTS];
	char ev_why[PB_MAX_EVENTS][128];
};

/* What one measured thread of one repetition saw besides its batch timings. */
struct thread_out {
	uint64_t atomics;
	struct pb_pmu_totals pmu;
	bool pmu_open;
	bool ev_ok[PB_MAX_EVENTS];
	char ev_why[PB_MAX_EVENTS][128];
};

struct instance {
	const struct pb_alloc_ops *ops;	/* NULL for a baseline */
	const struct pb_workload *wl;
	struct pb_alloc *alloc;
	struct pb_wl_run wr;
	struct pb_stats warm;		/* counters after warm-up, subtracted at the end */
	struct track_acc *acc;		/* [wl->nthreads] */
	uint64_t leaked;
	char warning[320];
	char (*name)[512];		/* [wl->nthreads] the record names, known before the run */
	struct pb_params own;		/* the --set parameters this instance took */
	char cg_key[24];		/* under callgrind: the short key its dumps are labelled with */
};

struct runner {
	const struct pb_plan *plan;
	struct pb_placement pl;
	double overhead;		/* cycles of an empty timed region */
	double loop_overhead;		/* cycles of an empty loop iteration */
	struct pb_rng rng;		/* run order */
	unsigned done, total;		/* repetitions, warm-ups included, for progress */
	struct pb_eta eta;		/* seconds left, from the runs done */
	bool pmu_on;
	struct pb_pmu_spec spec;	/* parsed once, opened per measured thread */
	bool callgrind;			/* running under callgrind: label each repetition */
	bool rdpmc;			/* the measured thread read its counters with rdpmc */
	unsigned run_seq, ninst;	/* callgrind keys: this run's number, instances so far */
	struct crew *crew;		/* the other measured threads, for multi-thread workloads */
};

/* Sets @in's parameters (those it took) and the names of its records, before it runs. */
void pb_instance_name(const struct pb_plan *plan, struct instance *in);
/* Frees the sample arrays and record names an instance still owns. */
void pb_instance_acc_free(struct instance *in);
/*
 * Moves an instance's samples and counters into @out (one record per track) and finishes
 * them with @job's TSC rate, seed and threshold; -1 + @err when one cannot be finished.
 */
int pb_instance_records(const struct runner *rt, const struct pb_job_context *job,
			struct instance *in, const struct pb_stats *stats, struct pb_result *out,
			struct pb_err *err);

#endif
