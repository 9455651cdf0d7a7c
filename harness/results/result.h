/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a measurement produces: the machine it ran on, one context per job (how that job was
 * measured), and one record per (job, backend, workload, params, track). Every producer (the
 * runner, the kernel-module log importer, the callgrind folder) builds these and finishes its
 * records with pb_record_finish (record.h); the JSON writer, the reader, the table printer
 * and compare use nothing else.
 */
#ifndef PB_RESULT_H
#define PB_RESULT_H

#include <stdbool.h>
#include <stddef.h>
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

/* One PMU event (or callgrind's instruction count) over the measured repetitions. */
struct pb_event_result {
	char name[64];
	bool available;
	char why[128];			/* when unavailable: the reason in plain words */
	char source[16];		/* "" for the PMU, "callgrind" for valgrind's counts */
	double total;			/* count over all measured repetitions, scaled if multiplexed */
	double per_op;			/* total / ops (callgrind: median of the samples) */
	double running_ratio;		/* time_running / time_enabled (1: not multiplexed) */
	double *rep_per_op;		/* [repetitions] per-op value of each repetition (owned) */
};

/* How a named counter reads: per operation, a total over the measured repetitions, a gauge. */
enum pb_counter_kind { PB_CTR_RATE, PB_CTR_COUNT, PB_CTR_LEVEL };

#define PB_MAX_COUNTERS 64

/* One figure of the open counter map. Not counted is its own state, never a 0. */
struct pb_counter {
	char name[40];
	enum pb_counter_kind kind;
	bool counted;			/* false: not counted for this record (JSON null, table "-") */
	double value;
};

#define PB_SERIES_COLS 8

/*
 * A sampled series for plots (a trace replay's memory over its last measured repetition):
 * @n rows of @ncols named columns, the first the x axis. Bounded in size by its producer.
 */
struct pb_series {
	unsigned ncols, n;
	char col[PB_SERIES_COLS][24];
	double *v;			/* [n * ncols] (owned) */
};

struct pb_result {
	char name[512];			/* "workload/alloc[/k=v,...][/track]", unique in a job */
	char job[64];			/* config job (section) name, "" from the command line */
	char alloc[32];			/* backend name, "" for baselines */
	char workload[32];
	char kind[16];			/* "backend" or "baseline" */
	char track[16];			/* "" for single-thread workloads, else "alloc"/"free" */
	struct pb_params params;	/* every --set key=value the instance took */
	unsigned repetitions;
	unsigned threads;		/* measured threads of the workload (1 or 2) */
	uint64_t ops;			/* operations (pages) per repetition */
	uint64_t ops_measured;		/* operations the counters cover (all measured repetitions) */
	double *rep_cycles;		/* [repetitions] TSC cycles per op, overhead subtracted (owned) */
	double *rep_ns;			/* [repetitions] ns per op (owned) */
	unsigned *rep_process;		/* [repetitions] the process each ran in (owned); NULL: all 0 */
	unsigned processes;		/* separate processes the repetitions came from (0 read as 1) */
	double *batch_cycles;		/* [nbatch] per-batch cycles per op, all repetitions (owned) */
	unsigned nbatch;
	struct pb_summary cycles;	/* rep-level figures, p99 from batch samples */
	struct pb_summary ns;
	struct pb_counter ctr[PB_MAX_COUNTERS];	/* the open counter map, in writing order */
	unsigned nctr;
	double ratio;			/* metric / the group's first backend's; 0: not applicable */
	bool unstable;			/* cycles CV above the job's threshold */
	bool stats_elsewhere;		/* the instance's counters are on its first track's record */
	unsigned nevents;
	struct pb_event_result ev[PB_MAX_EVENTS];
	char warning[320];		/* e.g. a timed batch too short to trust; "" when none */
	char cg_key[24];		/* under callgrind: the key of its dump labels; "" otherwise */
	struct pb_series *series;	/* NULL, or a sampled series (owned): JSON memory_series */
};

/* Facts about the machine and the invocation: one per results file. */
struct pb_machine {
	char host[128];
	char cpu_model[128];
	unsigned num_cpus;
	char tsc_flags[64];		/* "constant_tsc nonstop_tsc" as /proc/cpuinfo says */
	char kernel[128];
	char date[40];			/* ISO 8601, local time with offset */
	char git_revision[64];
	char command_line[1024];
	char cpu_governor[32];		/* cpufreq governor of cpu0, "" if none */
	double load_avg[3];
	unsigned numa_nodes;
	/* "Package:1 NUMANode:1 Core:2 PU:2; node 0: CPUs 0-1" (numa.h pb_topo_describe) */
	char topology[256];
	char cache_desc[256];		/* "L1d 48K L2 2M L3 105M" from hwloc */
	char instructions_source[16];	/* "callgrind" when counts came from valgrind, else "" */
};

#define PB_MAX_FACTS 64

/* Where one measured thread ran. */
struct pb_thread_place {
	char role[16];			/* "main" for a single-thread job, else the track name */
	int cpu;			/* OS CPU number, -1 unknown */
	int node;			/* NUMA node of that CPU, -1 unknown */
};

/* A fact a producer reports verbatim (the kernel module's 'PBK ctx' lines). */
struct pb_fact {
	char key[32];
	char value[512];
};

/* How one job was measured: written once per job, each describing its own job. */
struct pb_job_context {
	char job[64];			/* "" for a command-line run */
	double tsc_hz;			/* TSC ticks per second, calibrated for this job */
	double timer_overhead_cycles;	/* cost of one empty timed region (subtracted per batch) */
	double loop_overhead_cycles;	/* cost of one empty loop iteration per op (subtracted) */
	struct pb_thread_place threads[PB_MAX_THREADS];
	unsigned nthreads;
	bool shared_cpus;		/* two measured threads shared a CPU */
	char pmu_events[256];		/* the event list requested, "" when counters are off */
	bool pmu_rdpmc;			/* counters read in user space with rdpmc */
	char pmu_why[160];		/* why counters are unavailable, "" when they work */
	char metric[16];		/* "time" or "instructions": what ratios and compare rank by */
	uint64_t seed;			/* seeds the run order and the bootstrap */
	double unstable_cv;		/* a record whose cycles CV exceeds this is flagged unstable */
	int arena_nodes[8];		/* NUMA node(s) the arenas' memory is on, as placed */
	unsigned n_arena_nodes;
	bool kernel_module;		/* measured by pagebench_kmod: emulated and facts apply */
	bool emulated;			/* kmod: the guest ran under TCG (figures are emulation) */
	struct pb_fact facts[PB_MAX_FACTS];	/* kmod: the module's context lines */
	unsigned nfacts;
	/* What the command line overrode of the config file's job ("reps=3,ops=1000"), or "". */
	char overrides[64];
};

/* A whole results file in memory: what the writer writes and the reader returns. */
struct pb_result_set {
	int schema_version;		/* of the file it was read from; the writer writes the current */
	struct pb_machine machine;
	struct pb_job_context *jobs;
	size_t njobs;
	struct pb_result *recs;
	size_t nrecs;
	/*
	 * A config run stopped by a job that failed: its name and the error ("" when the run
	 * is complete). The records are those of the jobs before it.
	 */
	char incomplete_job[64];
	char incomplete_error[PB_ERR_LEN];
};

#endif
