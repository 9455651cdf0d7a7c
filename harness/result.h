/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one run produces: the machine context and one record per (backend, workload, params,
 * track). The JSON writer and the table printer read these; nothing else is kept.
 */
#ifndef PB_RESULT_H
#define PB_RESULT_H

#include <stdint.h>
#include "params.h"
#include "stats.h"

/* Order statistics of a sample set. */
struct pb_summary {
	double median, min, max, mean, p99, stddev, cv;
};

struct pb_result {
	char name[512];			/* "workload/alloc/params[/track]", unique in a run */
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
	unsigned measured_cpus[8];	/* OS CPU numbers the measured threads were pinned to */
	unsigned n_measured_cpus;
	double timer_overhead_cycles;	/* cost of one timed region with nothing in it (subtracted) */
	char cache_desc[256];		/* "L1d 48K L2 2M L3 105M" from hwloc */
};

#endif
