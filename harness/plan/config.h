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
 * Keys, as the `pagebench run` options: alloc, workload, reps, ops, batches, cpus (A or A,B),
 * baselines (on/off), seed, unstable_cv (percent), min_batch_us; and events (PMU event
 * list, kept as written), metric (time|instructions). Any other key is a parameter of the
 * memory model, one of the job's backends or its workload, as --set takes it. Lines start
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
	char events[256];		/* PMU events as written; "" when not set */
	char metric[16];		/* "time" (default) or "instructions" */
	int line;			/* line of the section header */
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
/* Frees what pb_config_load put in @cfg and leaves it empty; safe on an empty @cfg. */
void pb_config_free(struct pb_config *cfg);

#endif
