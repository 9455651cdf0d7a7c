// SPDX-License-Identifier: GPL-2.0-only
/* One result set from the result sets of several processes: see merge.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "merge.h"
#include "record.h"
#include "summary.h"

/* The records of one benchmark, one per part that has it (NULL where a part has none). */
struct member {
	const struct pb_result **of;	/* [nparts] */
};

static bool same_bench(const struct pb_result *a, const struct pb_result *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->job, b->job);
}

/* Repetitions of @r, its processes (at least 1). */
static unsigned processes_of(const struct pb_result *r)
{
	unsigned most = 0;

	for (unsigned i = 0; r->rep_process && i < r->repetitions; i++)
		if (r->rep_process[i] + 1 > most)
			most = r->rep_process[i] + 1;
	if (r->processes > most)
		most = r->processes;
	return most ? most : 1;
}

static void *grow(void *p, size_t n, size_t size)
{
	void *q = realloc(p, (n ? n : 1) * size);

	if (!q)
		abort();	/* a few KB after the run: nothing sensible to fall back to */
	return q;
}

/* Appends the "; "-separated parts of @w that @into does not hold yet. */
static void add_warnings(char *into, size_t len, const char *w)
{
	while (*w) {
		const char *end = strstr(w, "; ");
		size_t n = end ? (size_t)(end - w) : strlen(w), have = strlen(into);
		bool seen = false;

		for (const char *q = into; *q && !seen; ) {
			const char *qe = strstr(q, "; ");
			size_t qn = qe ? (size_t)(qe - q) : strlen(q);

			seen = qn == n && !strncmp(q, w, n);
			q += qn + (qe ? 2 : 0);
		}
		if (!seen)
			snprintf(into + have, len - have, "%s%.*s", have ? "; " : "", (int)n, w);
		w += n + (end ? 2 : 0);
	}
}

/* The counter map: rates weighted by operations measured, counts summed, levels the last. */
static void merge_counters(struct pb_result *r, const struct member *m, size_t nparts)
{
	const struct pb_result *first = NULL;

	for (size_t p = 0; p < nparts && !first; p++)
		first = m->of[p];
	r->nctr = 0;
	for (unsigned k = 0; k < first->nctr; k++) {
		const struct pb_counter *c0 = &first->ctr[k];
		double sum = 0, weight = 0, last = 0;
		bool counted = true;

		for (size_t p = 0; p < nparts; p++) {
			const struct pb_counter *c;

			if (!m->of[p])
				continue;
			c = pb_counter_find(m->of[p], c0->name);
			if (!c || !c->counted) {
				counted = false;
				continue;
			}
			if (c0->kind == PB_CTR_RATE) {
				sum += c->value * (double)m->of[p]->ops_measured;
				weight += (double)m->of[p]->ops_measured;
			} else {
				sum += c->value;
			}
			last = c->value;
		}
		pb_counter_set(r, c0->name, c0->kind, counted,
			       c0->kind == PB_CTR_RATE ? (weight > 0 ? sum / weight : 0) :
			       c0->kind == PB_CTR_LEVEL ? last : sum);
	}
}

/* PMU events by name: totals summed, per-repetition samples joined (NaN where a part lacks one). */
static void merge_events(struct pb_result *r, const struct member *m, size_t nparts)
{
	const struct pb_result *first = NULL;

	for (size_t p = 0; p < nparts && !first; p++)
		first = m->of[p];
	r->nevents = first->nevents;
	for (unsigned e = 0; e < r->nevents; e++) {
		struct pb_event_result *out = &r->ev[e];
		unsigned at = 0;

		*out = first->ev[e];
		out->rep_per_op = grow(NULL, r->repetitions, sizeof(double));
		out->total = 0;
		out->running_ratio = 1;
		for (size_t p = 0; p < nparts; p++) {
			const struct pb_result *x = m->of[p];
			const struct pb_event_result *ev = NULL;

			if (!x)
				continue;
			for (unsigned k = 0; k < x->nevents; k++)
				if (!strcmp(x->ev[k].name, out->name))
					ev = &x->ev[k];
			if (!ev || !ev->available) {
				if (out->available)
					snprintf(out->why, sizeof(out->why), "%s",
						 ev ? ev->why : "not counted in every process");
				out->available = false;
			} else {
				out->total += ev->total;
				out->running_ratio = fmin(out->running_ratio, ev->running_ratio);
			}
			for (unsigned i = 0; i < x->repetitions; i++)
				out->rep_per_op[at++] = ev && ev->available && ev->rep_per_op ?
							ev->rep_per_op[i] : NAN;
		}
		if (!out->available) {
			free(out->rep_per_op);
			out->rep_per_op = NULL;
			out->total = out->per_op = 0;
			continue;
		}
		/* Callgrind's figure is the median of its samples; the PMU's a total over ops. */
		out->per_op = !strcmp(out->source, "callgrind") ?
			      pb_median(out->rep_per_op, r->repetitions) :
			      r->ops_measured ? out->total / (double)r->ops_measured : 0;
	}
}

/* One merged record from @m's members into @r; its arrays are new. */
static int merge_record(struct pb_result *r, const struct member *m, size_t nparts,
			const struct pb_job_context *job, struct pb_err *err)
{
	const struct pb_result *first = NULL;
	unsigned at = 0, bt = 0, base = 0;
	bool same_ops = true;
	char full[600];

	for (size_t p = 0; p < nparts && !first; p++)
		first = m->of[p];
	*r = *first;
	r->rep_cycles = r->rep_ns = r->batch_cycles = NULL;
	r->rep_process = NULL;
	r->repetitions = r->nbatch = 0;
	r->ops_measured = 0;
	r->warning[0] = '\0';
	for (unsigned e = 0; e < PB_MAX_EVENTS; e++)
		r->ev[e].rep_per_op = NULL;
	for (size_t p = 0; p < nparts; p++) {
		const struct pb_result *x = m->of[p];

		if (!x)
			continue;
		if (strcmp(x->kind, first->kind) || strcmp(x->alloc, first->alloc) ||
		    strcmp(x->workload, first->workload))
			return pb_err_set(err, "%s: not the same benchmark in every process (kind, backend or workload differ)",
					  pb_result_full_name(r, full, sizeof(full)));
		r->repetitions += x->repetitions;
		r->nbatch += x->nbatch;
		r->ops_measured += x->ops_measured;
		same_ops &= x->ops == first->ops;
		add_warnings(r->warning, sizeof(r->warning), x->warning);
	}
	r->rep_cycles = grow(NULL, r->repetitions, sizeof(double));
	r->rep_process = grow(NULL, r->repetitions, sizeof(unsigned));
	r->batch_cycles = grow(NULL, r->nbatch, sizeof(double));
	for (size_t p = 0; p < nparts; p++) {
		const struct pb_result *x = m->of[p];

		if (!x)
			continue;
		for (unsigned i = 0; i < x->repetitions; i++) {
			r->rep_cycles[at] = x->rep_cycles ? x->rep_cycles[i] : NAN;
			r->rep_process[at++] = base + (x->rep_process ? x->rep_process[i] : 0);
		}
		if (x->batch_cycles)
			memcpy(r->batch_cycles + bt, x->batch_cycles, x->nbatch * sizeof(double));
		else
			for (unsigned i = 0; i < x->nbatch; i++)
				r->batch_cycles[bt + i] = NAN;
		bt += x->nbatch;
		base += processes_of(x);
	}
	r->processes = base;
	/* Each process calibrates its own count: then the file says the mean. */
	if (!same_ops && r->repetitions)
		r->ops = (r->ops_measured + r->repetitions / 2) / r->repetitions;
	merge_counters(r, m, nparts);
	merge_events(r, m, nparts);
	return pb_record_summarize(r, job, err);
}

int pb_results_merge(const struct pb_result_set *parts, size_t n, struct pb_result_set *out,
		     struct pb_err *err)
{
	struct member *members = NULL;
	size_t nmembers = 0;
	bool instructions = false;

	memset(out, 0, sizeof(*out));
	if (!n)
		return pb_err_set(err, "no results to merge");
	out->schema_version = parts[0].schema_version;
	out->machine = parts[0].machine;
	for (size_t p = 0; p < n; p++) {
		const struct pb_result_set *s = &parts[p];

		for (size_t j = 0; j < s->njobs; j++)
			if (!pb_result_set_job(out, s->jobs[j].job) &&
			    pb_result_set_add_job(out, &s->jobs[j], err))
				goto fail;
		for (size_t i = 0; i < s->nrecs; i++) {
			size_t k;

			for (k = 0; k < nmembers; k++) {
				const struct pb_result *any = NULL;

				for (size_t q = 0; q < n && !any; q++)
					any = members[k].of[q];
				if (same_bench(any, &s->recs[i]))
					break;
			}
			if (k == nmembers) {
				members = grow(members, nmembers + 1, sizeof(*members));
				members[k].of = calloc(n, sizeof(*members[k].of));
				if (!members[k].of)
					abort();
				nmembers++;
			}
			if (members[k].of[p]) {
				char full[600];

				pb_err_set(err, "%s: twice in the results of process %zu",
					   pb_result_full_name(&s->recs[i], full, sizeof(full)), p);
				goto fail;
			}
			members[k].of[p] = &s->recs[i];
		}
		if ((s->incomplete_job[0] || s->incomplete_error[0]) && !out->incomplete_job[0] &&
		    !out->incomplete_error[0]) {
			snprintf(out->incomplete_job, sizeof(out->incomplete_job), "%s", s->incomplete_job);
			snprintf(out->incomplete_error, sizeof(out->incomplete_error), "%s",
				 s->incomplete_error);
		}
	}
	out->recs = calloc(nmembers + 1, sizeof(*out->recs));
	if (!out->recs) {
		pb_err_set(err, "out of memory");
		goto fail;
	}
	for (size_t k = 0; k < nmembers; k++) {
		const struct pb_result *any = NULL;
		const struct pb_job_context *job;

		for (size_t q = 0; q < n && !any; q++)
			any = members[k].of[q];
		job = pb_result_set_job(out, any->job);
		if (!job) {
			pb_err_set(err, "%s: job '%s' has no context in the results", any->name, any->job);
			goto fail;
		}
		out->nrecs++;
		if (merge_record(&out->recs[k], &members[k], n, job, err))
			goto fail;
	}
	for (size_t j = 0; j < out->njobs; j++)
		instructions |= !strcmp(out->jobs[j].metric, "instructions");
	pb_set_ratios(out->recs, out->nrecs, instructions);
	for (size_t k = 0; k < nmembers; k++)
		free(members[k].of);
	free(members);
	return 0;
fail:
	for (size_t k = 0; k < nmembers; k++)
		free(members[k].of);
	free(members);
	pb_result_set_free(out);
	return -1;
}
