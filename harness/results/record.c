// SPDX-License-Identifier: GPL-2.0-only
/* From samples and counts to finished records; ratios; result sets. See record.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"
#include "summary.h"

void pb_record_name(char *buf, size_t len, const char *workload, const char *alloc,
		    const char *params, const char *track)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s", workload, alloc[0] ? "/" : "", alloc,
		 params[0] ? "/" : "", params, track[0] ? "/" : "", track);
}

static const char *const kind_names[] = { "rate", "count", "level" };

const char *pb_counter_kind_name(enum pb_counter_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "count";
}

int pb_counter_kind_parse(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, kind_names[i]))
			return i;
	return -1;
}

/* The columns `pagebench run` has always printed, in this order and these formats. */
static const struct {
	const char *name, *label;
	int width, prec;
} columns[] = {
	{ "atomics_per_op", "atom/op", 8, 2 },
	{ "page_allocator_calls_per_op", "pa/op", 8, 3 },
	{ "dma_maps_per_op", "map/op", 7, 3 },
	/* A trace replay's (workloads/replay.c, harness/engine/wl_report.c): only its rows have them. */
	{ "engine_ns_per_event", "eng ns", 7, 2 },
	{ "page_allocator_calls_per_packet", "pa/pkt", 8, 3 },
	{ "atomics_per_packet", "atom/pkt", 8, 2 },
	{ "dma_maps_per_packet", "map/pkt", 7, 3 },
	{ "pinned_per_live_byte", "pin/live", 8, 2 },
	{ "frames_dropped_per_packet", "drop/pkt", 8, 3 },
};

bool pb_counter_column(const char *name, const char **label, int *width, int *prec)
{
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		if (!strcmp(columns[i].name, name)) {
			*label = columns[i].label;
			*width = columns[i].width;
			*prec = columns[i].prec;
			return true;
		}
	/* Rates the table has no column for on purpose: they are in the file. */
	static const char *const file_only[] = {
		"page_allocator_pages_per_op", "page_allocator_pages_per_packet", "pool_holds_per_packet",
		"pool_releases_per_packet", "pinned_per_truesize_byte", "net_ns_per_event",
	};
	for (size_t i = 0; i < sizeof(file_only) / sizeof(file_only[0]); i++)
		if (!strcmp(name, file_only[i]))
			return false;
	*label = name;
	*width = (int)strlen(name) > 8 ? (int)strlen(name) : 8;
	*prec = 3;
	return true;
}

void pb_counter_set(struct pb_result *r, const char *name, enum pb_counter_kind kind,
		    bool counted, double value)
{
	struct pb_counter *c = NULL;

	for (unsigned i = 0; i < r->nctr; i++)
		if (!strcmp(r->ctr[i].name, name))
			c = &r->ctr[i];
	if (!c) {
		if (r->nctr == PB_MAX_COUNTERS)
			return;	/* the map is sized for every producer's counters */
		c = &r->ctr[r->nctr++];
		snprintf(c->name, sizeof(c->name), "%s", name);
	}
	c->kind = kind;
	c->counted = counted;
	c->value = counted ? value : 0;
}

const struct pb_counter *pb_counter_find(const struct pb_result *r, const char *name)
{
	for (unsigned i = 0; i < r->nctr; i++)
		if (!strcmp(r->ctr[i].name, name))
			return &r->ctr[i];
	return NULL;
}

static double per_op(uint64_t count, uint64_t ops)
{
	return ops ? (double)count / (double)ops : 0.0;
}

/*
 * The counter map: rates first (what the table prints), then the totals, the level last.
 * Instance counters of a later track are on the first track's record: null here.
 */
static void make_counters(struct pb_result *r, const struct pb_record_counts *c)
{
	const struct pb_stats *s = c->stats;
	uint64_t ops = r->ops_measured;
	bool here = s && !c->stats_elsewhere;

	r->nctr = 0;
	r->stats_elsewhere = s && c->stats_elsewhere;
	pb_counter_set(r, "atomics_per_op", PB_CTR_RATE, c->atomics_counted, per_op(c->atomics, ops));
	if (s) {
		pb_counter_set(r, "page_allocator_calls_per_op", PB_CTR_RATE, here && c->pa_calls_counted,
			       per_op(s->pa_alloc_calls + s->pa_free_calls, ops));
		pb_counter_set(r, "page_allocator_pages_per_op", PB_CTR_RATE, here,
			       per_op(s->pa_alloc_pages + s->pa_free_pages, ops));
		pb_counter_set(r, "dma_maps_per_op", PB_CTR_RATE, here, per_op(s->dma_map, ops));
	}
	pb_counter_set(r, "atomics", PB_CTR_COUNT, c->atomics_counted, (double)c->atomics);
	for (const struct pb_stats_field *f = s ? pb_stats_fields : NULL; f && f->name; f++)
		pb_counter_set(r, f->name, strcmp(f->name, "in_flight") ? PB_CTR_COUNT : PB_CTR_LEVEL,
			       here, (double)pb_stats_get(s, f));
	pb_counter_set(r, "leaked_pages", PB_CTR_COUNT, true, (double)c->leaked);
}

int pb_record_summarize(struct pb_result *r, const struct pb_job_context *job, struct pb_err *err)
{
	struct pb_summary b;
	double k;
	double *ns_fields[] = { &r->ns.median, &r->ns.min, &r->ns.max, &r->ns.mean, &r->ns.p99,
				&r->ns.stddev, &r->ns.mad, &r->ns.ci_lo, &r->ns.ci_hi };

	if (!(job->tsc_hz > 0))
		return pb_err_set(err, "%s: no TSC rate: cannot turn cycles into time", r->name);
	k = 1e9 / job->tsc_hz;
	free(r->rep_ns);
	r->rep_ns = calloc(r->repetitions ? r->repetitions : 1, sizeof(double));
	if (!r->rep_ns)
		return pb_err_set(err, "out of memory");
	for (unsigned i = 0; i < r->repetitions; i++)
		r->rep_ns[i] = r->rep_cycles[i] * k;
	pb_summarize(r->rep_cycles, r->repetitions, &r->cycles);
	/* p99 is a tail figure: it comes from the per-batch samples, not the rep medians. */
	pb_summarize(r->batch_cycles, r->nbatch, &b);
	r->cycles.p99 = b.p99;
	pb_summarize_robust(r->rep_cycles, r->repetitions, PB_BOOTSTRAP_RESAMPLES, job->seed,
			    &r->cycles);
	/* Repetitions of several processes: the interval resamples processes too. */
	if (r->processes > 1 && r->rep_process)
		pb_median_ci_hier(r->rep_cycles, r->rep_process, r->repetitions,
				  PB_BOOTSTRAP_RESAMPLES, job->seed, &r->cycles.ci_lo, &r->cycles.ci_hi);
	r->unstable = r->cycles.cv > job->unstable_cv;
	r->ns = r->cycles;
	for (size_t i = 0; i < sizeof(ns_fields) / sizeof(ns_fields[0]); i++)
		*ns_fields[i] *= k;
	return 0;
}

int pb_record_finish(struct pb_result *r, const struct pb_job_context *job,
		     const struct pb_record_counts *c, struct pb_err *err)
{
	if (pb_record_summarize(r, job, err))
		return -1;
	make_counters(r, c);
	return 0;
}

double pb_record_metric(const struct pb_result *r, bool instructions)
{
	if (!instructions)
		return r->cycles.median;
	for (unsigned i = 0; i < r->nevents; i++)
		if (!strcmp(r->ev[i].name, "instructions") && r->ev[i].available && r->ev[i].rep_per_op)
			return pb_median(r->ev[i].rep_per_op, r->repetitions);
	return 0;
}

void pb_set_ratios(struct pb_result *r, size_t n, bool instructions)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].kind, "backend"))
			continue;
		r[i].ratio = 0;
		for (size_t j = 0; j <= i; j++) {
			double base;

			if (strcmp(r[j].kind, "backend") || strcmp(r[j].job, r[i].job) ||
			    strcmp(r[j].workload, r[i].workload) || strcmp(r[j].track, r[i].track))
				continue;
			base = pb_record_metric(&r[j], instructions);
			if (base > 0)
				r[i].ratio = pb_record_metric(&r[i], instructions) / base;
			break;
		}
	}
}

void pb_result_release(struct pb_result *r)
{
	free(r->rep_cycles);
	free(r->rep_ns);
	free(r->batch_cycles);
	free(r->rep_process);
	r->rep_cycles = r->rep_ns = r->batch_cycles = NULL;
	r->rep_process = NULL;
	if (r->series)
		free(r->series->v);
	free(r->series);
	r->series = NULL;
	for (unsigned e = 0; e < PB_MAX_EVENTS; e++) {
		free(r->ev[e].rep_per_op);
		r->ev[e].rep_per_op = NULL;
	}
}

void pb_results_free(struct pb_result *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++)
		pb_result_release(&r[i]);
	free(r);
}

int pb_result_set_add_job(struct pb_result_set *s, const struct pb_job_context *j,
			  struct pb_err *err)
{
	struct pb_job_context *n = realloc(s->jobs, (s->njobs + 1) * sizeof(*n));

	if (!n)
		return pb_err_set(err, "out of memory");
	s->jobs = n;
	s->jobs[s->njobs++] = *j;
	return 0;
}

int pb_result_set_add(struct pb_result_set *s, struct pb_result *r, size_t n, struct pb_err *err)
{
	struct pb_result *g = realloc(s->recs, (s->nrecs + n + 1) * sizeof(*g));

	if (!g)
		return pb_err_set(err, "out of memory");
	memcpy(g + s->nrecs, r, n * sizeof(*r));
	s->recs = g;
	s->nrecs += n;
	return 0;
}

const struct pb_job_context *pb_result_set_job(const struct pb_result_set *s, const char *job)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (!strcmp(s->jobs[i].job, job ? job : ""))
			return &s->jobs[i];
	return NULL;
}

const struct pb_result *pb_result_set_find(const struct pb_result_set *s, const char *name,
					   const char *job)
{
	for (size_t i = 0; i < s->nrecs; i++)
		if (!strcmp(s->recs[i].name, name) && !strcmp(s->recs[i].job, job ? job : ""))
			return &s->recs[i];
	return NULL;
}

const char *pb_result_full_name(const struct pb_result *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", r->job, r->job[0] ? ":" : "", r->name);
	return buf;
}

void pb_result_set_free(struct pb_result_set *s)
{
	pb_results_free(s->recs, s->nrecs);
	free(s->jobs);
	memset(s, 0, sizeof(*s));
}
