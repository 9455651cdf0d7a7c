/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Experiment files (fio style). [global] holds defaults; every other section is a job that
 * inherits them, may override any of them, and runs like one `pagebench run`:
 *
 *	[global]
 *	alloc = buddy,ptr_ring_pool	; or all
 *	reps = 9
 *
 *	[fast-path]
 *	workload = alloc-free
 *	order = 3			; any key `--set` takes
 *
 * The keys are the INI keys of the option table (options.h), each meaning what its
 * `pagebench run` option means: alloc, workload, reps, processes, ops, batches, cpus,
 * allow_shared_cpus (on/off), baselines (on/off), events, metric, seed, unstable_cv,
 * min_batch_us. Any other key is a parameter of the memory model, one of the job's
 * backends or its workload, as --set takes it. All jobs of a file share one metric. Lines start
 * with a key, a [section], ';' or '#' (no indentation); a comment after a value starts with
 * ';'. Loading checks everything a run would check, so a file that loads will start.
 */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H

#include "runner.h"

#define PB_JOB_NAME_LEN 64

struct pb_job {
	char name[PB_JOB_NAME_LEN];	/* the section name */
	struct pb_plan plan;		/* as `pagebench run` would build it; plan.job = name */
	int line;			/* line of the section header */
	char skipped[1024];		/* alloc = all: "backend: why" per line for those dropped */
};

struct pb_config {
	char path[512];
	unsigned njobs;
	struct pb_job *jobs;		/* in file order */
};

/*
 * Loads and checks @path into @cfg (overwritten, not freed): all jobs or none. -1 + @err
 * (one line, "FILE:LINE: [section] key: problem", or "FILE: problem" for the file as a
 * whole) with @cfg empty.
 */
int pb_config_load(const char *path, struct pb_config *cfg, struct pb_err *err);
/*
 * What pb_plan_preflight checks on this machine (PMU event names, CPUs), for every job of
 * @cfg before any runs; -1 + @err "FILE:LINE: [job]: problem" for the first that fails.
 */
int pb_config_preflight(const struct pb_config *cfg, struct pb_err *err);
/* Frees what pb_config_load put in @cfg and leaves it empty; safe on an empty @cfg. */
void pb_config_free(struct pb_config *cfg);

#endif
