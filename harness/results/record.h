/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one record pipeline. A producer (the runner, the kernel-module log importer, the
 * callgrind folder, a trace replay) fills a record's identity and samples, then hands them
 * with its counters to pb_record_finish, which derives everything else the same way for all
 * of them: statistics, ns figures, the unstable flag and the counter map. Ratios are set by
 * pb_set_ratios over a finished set, by one grouping rule:
 *
 *   a backend record's ratio is its metric (median cycles per op, or median instructions per
 *   op under the instructions metric) over the metric of the FIRST backend record of the
 *   same (job, workload, track); baselines have none (0), nor has a record whose group's
 *   first backend has no positive figure.
 */
#ifndef PB_RECORD_H
#define PB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "result.h"

#define PB_DEFAULT_SEED 1		/* the runner's default --seed */
#define PB_DEFAULT_UNSTABLE_CV 0.05	/* the runner's default --unstable-cv */
#define PB_BOOTSTRAP_RESAMPLES 2000

/* What a producer counted for one record besides its timings. */
struct pb_record_counts {
	const struct pb_stats *stats;	/* the instance's counters; NULL: no instance (baseline) */
	bool stats_elsewhere;		/* a later track: @stats' figures are on the first track */
	uint64_t atomics;		/* locked RMW instructions of the record's thread */
	bool atomics_counted;		/* false: they happen where they cannot be counted */
	bool pa_calls_counted;		/* false: page-allocator calls are not known */
	uint64_t leaked;		/* pages the page allocator did not get back */
};

/*
 * "workload/alloc[/params][/track]" into @buf: @alloc "" (a baseline) and @params/@track ""
 * leave their part out. @params is already canonical (pb_params_format of the spec order).
 */
void pb_record_name(char *buf, size_t len, const char *workload, const char *alloc,
		    const char *params, const char *track);
/*
 * Finishes @r, whose identity, repetitions, ops, ops_measured, rep_cycles[repetitions] and
 * batch_cycles[nbatch] are set: allocates rep_ns, computes the cycle and ns summaries (p99
 * from the batch samples, bootstrap seeded with @job->seed), the unstable flag (@job's
 * threshold) and the counter map from @c. -1 + @err when memory runs out or the TSC rate is
 * not positive.
 */
int pb_record_finish(struct pb_result *r, const struct pb_job_context *job,
		     const struct pb_record_counts *c, struct pb_err *err);
/*
 * The statistics part of pb_record_finish alone (rep_ns, the cycle and ns summaries, the
 * unstable flag), for records whose samples changed after they were finished (the
 * repetitions of several processes merged into one record); the counter map is left as is.
 */
int pb_record_summarize(struct pb_result *r, const struct pb_job_context *job, struct pb_err *err);
/* Sets counter @name of @r (added if absent); @counted false writes null / prints "-". */
void pb_counter_set(struct pb_result *r, const char *name, enum pb_counter_kind kind,
		    bool counted, double value);
/* Counter @name of @r, or NULL. */
const struct pb_counter *pb_counter_find(const struct pb_result *r, const char *name);
/* "rate", "count" or "level"; pb_counter_kind_parse: the kind of such a word, -1 if none. */
const char *pb_counter_kind_name(enum pb_counter_kind k);
int pb_counter_kind_parse(const char *s);
/*
 * Table presentation of rate counter @name: its column heading, width and decimals; false
 * for a rate that is not a table column (the table prints unknown rates under their name).
 */
bool pb_counter_column(const char *name, const char **label, int *width, int *prec);
/* The metric a ratio uses: median cycles, or median instructions per op; 0 when absent. */
double pb_record_metric(const struct pb_result *r, bool instructions);
/* Applies the ratio rule above to @r[0..n). */
void pb_set_ratios(struct pb_result *r, size_t n, bool instructions);

/* Frees @r[0..n) and their sample arrays, then @r itself. */
void pb_results_free(struct pb_result *r, size_t n);
/* Frees the sample arrays one record owns (not the record). */
void pb_result_release(struct pb_result *r);
/* Appends a copy of @j to @s; -1 + @err when out of memory. */
int pb_result_set_add_job(struct pb_result_set *s, const struct pb_job_context *j,
			  struct pb_err *err);
/* Moves @r[0..n) (their arrays included) into @s; -1 + @err when out of memory (@r kept). */
int pb_result_set_add(struct pb_result_set *s, struct pb_result *r, size_t n, struct pb_err *err);
/* The context of job @job in @s, or NULL. */
const struct pb_job_context *pb_result_set_job(const struct pb_result_set *s, const char *job);
/* The record named @name of job @job ("" or NULL: none) in @s, or NULL. */
const struct pb_result *pb_result_set_find(const struct pb_result_set *s, const char *name,
					   const char *job);
/*
 * The name a record goes by across files, tables and messages: "JOB:NAME", or NAME for a
 * command-line run (no job). Cut to @len - 1 characters, the job kept. Returns @buf.
 */
const char *pb_result_full_name(const struct pb_result *r, char *buf, size_t len);
/* Frees everything @s holds and zeroes it. */
void pb_result_set_free(struct pb_result_set *s);

#endif
