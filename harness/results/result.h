/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one run produces: the machine context and one record per (backend, workload, params,
 * track). The JSON writer and the table printer read these; nothing else is kept.
 */
#ifndef PB_RESULT_H
#define PB_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include "params.h"
#include "platform.h"
#include "stats.h"

/* Order statistics of a sample set. */
struct pb_summary {
	double median, min, max, mean, p99, stddev, cv;
	double mad;			/* median absolute deviation (unscaled) */
	double ci_lo, ci_hi;		/* bootstrap 95% confidence interval of the median */
	unsigned outliers_low;		/* Tukey: below Q1 - 1.5 IQR */
	unsigned outliers_high;		/* Tukey: above Q3 + 1.5 IQR */
};

#define PB_MAX_EVENTS 16

/* One PMU event over the measured repetitions of one record. */
struct pb_event_result {
	char name[64];
	bool available;
	char why[128];			/* when unavailable: the reason in plain words */
	double total;			/* count over all measured repetitions, scaled if multiplexed */
	double per_op;			/* total / ops */
	double running_ratio;		/* time_running / time_enabled (1: not multiplexed) */
	double *rep_per_op;		/* [repetitions] per-op value of each repetition */
};

struct pb_result {
	char name[512];			/* "workload/alloc/params[/track]", unique in a run */
	char job[64];			/* config job (section) name, "" from the command line */
	char alloc[32];			/* backend name, "" for baselines */
	char workload[32];
	char kind[16];			/* "backend" or "baseline" */
	char track[16];			/* "" for single-thread workloads, else "alloc"/"free" */
	struct pb_params params;	/* every --set key=value of the run */
	unsigned repetitions;
	uint64_t ops;			/* operations (pages) per repetition */
	double *rep_cycles;		/* [repetitions] TSC cycles per op, overhead subtracted */
	double *rep_ns;			/* [repetitions] ns per op */
	double *batch_cycles;		/* [nbatch] per-batch cycles per op, all repetitions */
	unsigned nbatch;
	struct pb_summary cycles;	/* rep-level figures, p99 from batch samples */
	struct pb_summary ns;
	struct pb_stats stats;		/* backend + page allocator counters, all repetitions */
	uint64_t stats_ops;		/* ops the stats cover (for per-op figures) */
	uint64_t atomics;		/* locked RMW instructions executed by the track's thread */
	uint64_t leaked;		/* pages the zone did not get back at destroy */
	double ratio;			/* median cycles / first backend's, 0 when not applicable */
	bool unstable;			/* cycles CV above the plan's threshold */
	bool atomics_uncounted;		/* atomics happen where they cannot be counted (libraries, kernel) */
	bool pa_calls_uncounted;	/* page-allocator calls are not known for this record */
	bool stats_elsewhere;		/* the instance's counters are on its first track's record */
	unsigned nevents;
	struct pb_event_result ev[PB_MAX_EVENTS];
	char warning[320];		/* e.g. a timed batch too short to trust; "" when none */
	char cg_key[24];		/* under callgrind: the key of its dump labels; "" otherwise */
};

/* Facts about the machine and the invocation, written beside every result set. */
struct pb_context {
	char host[128];
	char cpu_model[128];
	unsigned num_cpus;
	double tsc_hz;
	char tsc_flags[64];		/* "constant_tsc nonstop_tsc" as /proc/cpuinfo says */
	char kernel[128];
	char date[40];			/* ISO 8601, local time with offset */
	char git_revision[64];
	char command_line[1024];
	char cpu_governor[32];		/* cpufreq governor of the measured CPU, "" if none */
	double load_avg[3];
	unsigned numa_nodes;
	unsigned measured_cpus[PB_MAX_CPUS];	/* OS CPU numbers the measured threads were pinned to */
	char measured_roles[PB_MAX_CPUS][16];	/* thread i's role ("" for a one-thread workload) */
	unsigned n_measured_cpus;
	bool shared_cpus;		/* some measured threads shared a CPU (--allow-shared-cpus) */
	double timer_overhead_cycles;	/* cost of one timed region with nothing in it (subtracted) */
	double loop_overhead_cycles;	/* cost of one empty loop iteration per op (subtracted) */
	uint64_t seed;			/* seeds the run order and the bootstrap */
	char metric[16];		/* "time" or "instructions": what ratios and compare rank by */
	char pmu_events[256];		/* the event list requested, "" when counters are off */
	bool pmu_rdpmc;			/* counters read in user space with rdpmc */
	char pmu_why[160];		/* why counters are unavailable, "" when they work */
	char cache_desc[256];		/* "L1d 48K L2 2M L3 105M" from hwloc */
};

#endif
