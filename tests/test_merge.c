// SPDX-License-Identifier: GPL-2.0-only
/*
 * Merging the result sets of several processes (results/merge.c): repetitions joined with
 * their process index, statistics recomputed over all of them, counters combined by kind,
 * PMU samples joined, warnings once, ratios again, and the refusals.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "merge.h"
#include "record.h"
#include "summary.h"

/* One record of part @p: @reps samples base + p * step + i, @ops_measured, a rate and a count. */
static void rec(struct pb_result *r, const char *name, const char *alloc, unsigned reps,
		double base, uint64_t ops_measured, double rate, double count, const char *warning)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->alloc, sizeof(r->alloc), "%s", alloc);
	snprintf(r->workload, sizeof(r->workload), "alloc-free");
	snprintf(r->kind, sizeof(r->kind), "%s", alloc[0] ? "backend" : "baseline");
	snprintf(r->warning, sizeof(r->warning), "%s", warning);
	r->repetitions = reps;
	r->processes = 1;
	r->ops = ops_measured / reps;
	r->ops_measured = ops_measured;
	r->rep_cycles = calloc(reps, sizeof(double));
	r->batch_cycles = calloc(reps, sizeof(double));
	r->nbatch = reps;
	cr_assert(r->rep_cycles && r->batch_cycles);
	for (unsigned i = 0; i < reps; i++)
		r->rep_cycles[i] = r->batch_cycles[i] = base + i;
	pb_counter_set(r, "atomics_per_op", PB_CTR_RATE, true, rate);
	pb_counter_set(r, "atomics", PB_CTR_COUNT, true, count);
	pb_counter_set(r, "in_flight", PB_CTR_LEVEL, true, count / 10);
	r->nevents = 1;
	snprintf(r->ev[0].name, sizeof(r->ev[0].name), "instructions");
	r->ev[0].available = true;
	r->ev[0].total = (double)ops_measured * 5;
	r->ev[0].running_ratio = 1;
	r->ev[0].rep_per_op = calloc(reps, sizeof(double));
	cr_assert_not_null(r->ev[0].rep_per_op);
	for (unsigned i = 0; i < reps; i++)
		r->ev[0].rep_per_op[i] = 5;
}

/* Part @p: job "", backends a and b and baseline for-loop, samples offset by @shift. */
static void part(struct pb_result_set *s, double shift, uint64_t ops_measured, double rate)
{
	struct pb_job_context j;
	struct pb_err err;

	memset(s, 0, sizeof(*s));
	memset(&j, 0, sizeof(j));
	j.tsc_hz = 2e9;
	j.seed = 1;
	j.unstable_cv = 0.05;
	snprintf(j.metric, sizeof(j.metric), "time");
	cr_assert_eq(pb_result_set_add_job(s, &j, &err), 0);
	s->recs = calloc(3, sizeof(*s->recs));
	cr_assert_not_null(s->recs);
	s->nrecs = 3;
	rec(&s->recs[0], "alloc-free/a", "a", 3, 100 + shift, ops_measured, rate, 10, "short batches");
	rec(&s->recs[1], "alloc-free/b", "b", 3, 200 + shift, ops_measured, rate, 20,
	    shift ? "short batches; threads share CPUs" : "");
	rec(&s->recs[2], "for-loop", "", 3, 1, ops_measured, 0, 0, "");
}

static const struct pb_result *find(const struct pb_result_set *s, const char *name)
{
	const struct pb_result *r = pb_result_set_find(s, name, "");

	cr_assert_not_null(r, "no %s", name);
	return r;
}

Test(merge, repetitions_processes_statistics_counters)
{
	struct pb_result_set parts[2], m;
	struct pb_err err = { "" };
	const struct pb_result *a, *b;
	const struct pb_counter *k;

	part(&parts[0], 0, 3000, 1.0);
	part(&parts[1], 20, 1000, 2.0);
	cr_assert_eq(pb_results_merge(parts, 2, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.nrecs, 3);
	cr_assert_eq(m.njobs, 1);
	a = find(&m, "alloc-free/a");
	cr_expect_str_eq(m.recs[0].name, "alloc-free/a", "first-appearance order");
	cr_expect_eq(a->repetitions, 6);
	cr_expect_eq(a->processes, 2);
	for (unsigned i = 0; i < 6; i++) {
		cr_expect_eq(a->rep_process[i], i / 3, "repetition %u", i);
		cr_expect_float_eq(a->rep_cycles[i], i < 3 ? 100 + i : 120 + i - 3, 1e-12);
	}
	cr_expect_float_eq(a->cycles.median, (102 + 120) / 2.0, 1e-12, "over both processes");
	cr_expect_float_eq(a->ns.median, a->cycles.median / 2, 1e-12, "ns from the job's TSC rate");
	cr_expect_eq(a->nbatch, 6);
	cr_expect_eq(a->ops_measured, 4000);
	cr_expect_eq(a->ops, 667, "ops differ between processes: the mean, rounded");
	cr_expect(a->cycles.ci_lo <= 102 && a->cycles.ci_hi >= 120,
		  "the median's interval resamples processes: [%g, %g]", a->cycles.ci_lo, a->cycles.ci_hi);
	cr_expect(a->unstable, "CV over both processes is above 5%%");
	k = pb_counter_find(a, "atomics_per_op");
	cr_expect_float_eq(k->value, (1.0 * 3000 + 2.0 * 1000) / 4000, 1e-12, "rate weighted by ops");
	cr_expect_float_eq(pb_counter_find(a, "atomics")->value, 20, 1e-12, "counts summed");
	cr_expect_float_eq(pb_counter_find(a, "in_flight")->value, 1, 1e-12, "a level is the last one's");
	cr_expect_eq(a->ev[0].available, true);
	cr_expect_float_eq(a->ev[0].total, 5.0 * 4000, 1e-9);
	cr_expect_float_eq(a->ev[0].per_op, 5.0, 1e-12);
	cr_expect_float_eq(a->ev[0].rep_per_op[5], 5.0, 1e-12);
	cr_expect_str_eq(a->warning, "short batches", "the same warning once");
	b = find(&m, "alloc-free/b");
	cr_expect_str_eq(b->warning, "short batches; threads share CPUs");
	cr_expect_float_eq(a->ratio, 1.0, 1e-12);
	cr_expect_float_eq(b->ratio, b->cycles.median / a->cycles.median, 1e-12, "ratios set again");
	cr_expect_float_eq(pb_process_spread(a->rep_cycles, a->rep_process, a->repetitions),
			   (121 - 101) / 111.0, 1e-12);
	pb_result_set_free(&m);
	pb_result_set_free(&parts[0]);
	pb_result_set_free(&parts[1]);
}

/* A part that was itself merged keeps its processes, numbered after the parts before it. */
Test(merge, merged_parts_keep_their_processes)
{
	struct pb_result_set parts[3], ab, again;
	struct pb_err err = { "" };
	const struct pb_result *a;

	part(&parts[0], 0, 3000, 1.0);
	part(&parts[1], 20, 3000, 1.0);
	part(&parts[2], 40, 3000, 1.0);
	cr_assert_eq(pb_results_merge(parts, 2, &ab, &err), 0, "%s", err.msg);
	pb_result_set_free(&parts[0]);
	parts[0] = ab;
	cr_assert_eq(pb_results_merge(parts, 1, &again, &err), 0, "%s", err.msg);
	cr_expect_eq(find(&again, "alloc-free/a")->processes, 2, "one merged part of 2 processes");
	pb_result_set_free(&again);
	parts[1] = parts[2];
	cr_assert_eq(pb_results_merge(parts, 2, &again, &err), 0, "%s", err.msg);
	a = find(&again, "alloc-free/a");
	cr_expect_eq(a->processes, 3);
	cr_expect_eq(a->rep_process[8], 2);
	cr_expect_float_eq(a->rep_cycles[8], 142, 1e-12);
	pb_result_set_free(&again);
	pb_result_set_free(&parts[0]);
	pb_result_set_free(&parts[1]);
}

Test(merge, refusals_and_incomplete)
{
	struct pb_result_set parts[2], m;
	struct pb_err err = { "" };

	memset(parts, 0, sizeof(parts));
	cr_expect_eq(pb_results_merge(parts, 0, &m, &err), -1);
	part(&parts[0], 0, 3000, 1.0);
	part(&parts[1], 0, 3000, 1.0);
	snprintf(parts[1].recs[0].alloc, sizeof(parts[1].recs[0].alloc), "other");
	cr_expect_eq(pb_results_merge(parts, 2, &m, &err), -1);
	cr_expect(strstr(err.msg, "alloc-free/a") && strstr(err.msg, "not the same benchmark"), "%s",
		  err.msg);
	cr_expect_eq(m.nrecs, 0, "nothing half-merged");
	snprintf(parts[1].recs[0].alloc, sizeof(parts[1].recs[0].alloc), "a");
	snprintf(parts[1].recs[1].name, sizeof(parts[1].recs[1].name), "alloc-free/a");
	cr_expect_eq(pb_results_merge(parts, 2, &m, &err), -1);
	cr_expect(strstr(err.msg, "twice in the results of process 1"), "%s", err.msg);
	snprintf(parts[1].recs[1].name, sizeof(parts[1].recs[1].name), "alloc-free/b");
	snprintf(parts[1].incomplete_job, sizeof(parts[1].incomplete_job), "late");
	snprintf(parts[1].incomplete_error, sizeof(parts[1].incomplete_error), "it broke");
	cr_assert_eq(pb_results_merge(parts, 2, &m, &err), 0, "%s", err.msg);
	cr_expect_str_eq(m.incomplete_job, "late");
	cr_expect_str_eq(m.incomplete_error, "it broke");
	pb_result_set_free(&m);
	pb_result_set_free(&parts[0]);
	pb_result_set_free(&parts[1]);
}
