// SPDX-License-Identifier: GPL-2.0-only
/* A/B comparison of two result documents. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "compare.h"
#include "record.h"
#include "mann_whitney.h"
#include "summary.h"

void pb_compare_opts_init(struct pb_compare_opts *o)
{
	o->threshold = 0.03;
	o->alpha = 0.05;
	o->instructions = false;
	o->unstable_cv = 0.05;
}

const char *pb_verdict_name(enum pb_verdict v)
{
	static const char *const names[] = { "same", "faster", "slower", "unstable", "baseline" };

	return names[v];
}

/*
 * The per-repetition samples of the chosen metric that are numbers (a null, a sample that
 * could not be measured, is dropped and counted in *@dropped). NULL when the record has no
 * such samples at all: the caller skips it.
 */
static double *metric_samples(const struct pb_result *b, bool instructions, size_t *n,
			      size_t *dropped)
{
	const double *src = instructions ? NULL : b->rep_cycles;
	double *v;

	*n = 0;
	if (instructions) {
		for (unsigned e = 0; e < b->nevents; e++)
			if (!strcmp(b->ev[e].name, "instructions")) {
				if (!b->ev[e].available)
					return NULL;
				src = b->ev[e].rep_per_op;
				break;
			}
		if (!src)
			return NULL;
	}
	v = malloc((b->repetitions + 1) * sizeof(*v));
	if (!v)
		abort();
	for (unsigned i = 0; i < b->repetitions && src; i++) {
		if (!isnan(src[i]))
			v[(*n)++] = src[i];
		else
			(*dropped)++;
	}
	if (!*n) {
		free(v);
		return NULL;
	}
	return v;
}

static double spread(const double *v, size_t n)
{
	struct pb_summary s;

	pb_summarize(v, n, &s);
	pb_summarize_robust(v, n, 0, 0, &s);
	return s.median ? s.mad / s.median : 0;
}

static double cv_of(const double *v, size_t n)
{
	struct pb_summary s;

	pb_summarize(v, n, &s);
	return s.cv;
}

static enum pb_verdict decide(const struct pb_compare_row *r, const struct pb_compare_opts *o)
{
	bool significant = r->p < o->alpha;
	bool practical = fabs(r->net) > o->threshold;

	if (r->baseline)
		return PB_BASELINE;

	if (significant && practical)
		return r->net > 0 ? PB_SLOWER : PB_FASTER;
	/* Not shown to differ, but one side is too noisy for that to mean "same". */
	if (r->old_unstable || r->new_unstable)
		return PB_UNSTABLE;
	return PB_SAME;
}

/* One matched benchmark with its samples, before the verdict. */
struct pending {
	double *ov, *nv;
	size_t on, nn;
};

static bool under_valgrind(const struct pb_result_set *doc)
{
	return doc->machine.instructions_source[0] != '\0';
}

int pb_compare(const struct pb_result_set *old_doc, const char *oldname,
	       const struct pb_result_set *new_doc, const char *newname,
	       const struct pb_compare_opts *o, struct pb_compare *out, struct pb_err *err)
{
	size_t i, nbase = 0, nback = 0;
	struct pending *pend;
	double log_base = 0, log_sum = 0;

	memset(out, 0, sizeof(*out));
	if (!o->instructions && (under_valgrind(old_doc) || under_valgrind(new_doc)))
		return pb_err_set(err, "%s: its timings were taken under valgrind: compare it with --metric instructions",
				  under_valgrind(old_doc) ? oldname : newname);
	/* Callgrind's counts and a PMU's are not the same instrument. */
	if (o->instructions && under_valgrind(old_doc) != under_valgrind(new_doc))
		return pb_err_set(err, "%s counted instructions with %s, %s with %s: not comparable", oldname,
				  under_valgrind(old_doc) ? "callgrind" : "the PMU", newname,
				  under_valgrind(new_doc) ? "callgrind" : "the PMU");
	out->rows = calloc(old_doc->nrecs + 1, sizeof(*out->rows));
	pend = calloc(old_doc->nrecs + 1, sizeof(*pend));
	if (!out->rows || !pend) {
		free(pend);
		pb_compare_free(out);
		return pb_err_set(err, "out of memory");
	}
	for (i = 0; i < old_doc->nrecs; i++) {
		const struct pb_result *ob = &old_doc->recs[i];
		const char *job = ob->job[0] ? ob->job : NULL;
		const struct pb_result *nb = pb_result_set_find(new_doc, ob->name, ob->job);
		struct pb_compare_row *r = &out->rows[out->nrows];
		struct pending *pd = &pend[out->nrows];

		if (!nb) {
			out->only_old++;
			continue;
		}
		pd->ov = metric_samples(ob, o->instructions, &pd->on, &out->dropped);
		pd->nv = metric_samples(nb, o->instructions, &pd->nn, &out->dropped);
		if (!pd->ov || !pd->nv) {
			/* Nothing of this metric on a side (e.g. a track without counts): skip it. */
			free(pd->ov);
			free(pd->nv);
			pd->ov = pd->nv = NULL;
			out->skipped++;
			continue;
		}
		/* A job and a name that do not fit together keep the job and cut the name. */
		snprintf(r->name, sizeof(r->name), "%s%s%.*s", job ? job : "", job ? ":" : "",
			 (int)(sizeof(r->name) - sizeof(ob->job) - 1), ob->name);
		r->baseline = !strcmp(ob->kind, "baseline");
		r->old_median = pb_median(pd->ov, pd->on);
		r->new_median = pb_median(pd->nv, pd->nn);
		r->change = r->old_median > 0 ? r->new_median / r->old_median - 1 : 0;
		if (o->instructions) {
			/* The timing flag says nothing about counts: judge their own spread. */
			r->old_unstable = cv_of(pd->ov, pd->on) > o->unstable_cv;
			r->new_unstable = cv_of(pd->nv, pd->nn) > o->unstable_cv;
		} else {
			r->old_unstable = ob->unstable;
			r->new_unstable = nb->unstable;
		}
		if (r->baseline && r->old_median > 0 && r->new_median > 0) {
			log_base += log(r->new_median / r->old_median);
			nbase++;
		}
		out->nrows++;
	}
	/* The machine's own change of speed: counts do not drift, time does. */
	out->drift = !o->instructions && nbase ? exp(log_base / (double)nbase) : 1.0;
	for (i = 0; i < out->nrows; i++) {
		struct pb_compare_row *r = &out->rows[i];
		struct pending *pd = &pend[i];
		struct pb_mwu u;

		if (!r->baseline)
			for (size_t k = 0; k < pd->nn; k++)
				pd->nv[k] /= out->drift;
		r->net = r->old_median > 0 ? pb_median(pd->nv, pd->nn) / r->old_median - 1 : 0;
		r->old_spread = spread(pd->ov, pd->on);
		r->new_spread = spread(pd->nv, pd->nn);
		r->old_n = (unsigned)pd->on;
		r->new_n = (unsigned)pd->nn;
		pb_mann_whitney(pd->ov, pd->on, pd->nv, pd->nn, 0, &u);
		r->p = u.p;
		r->verdict = decide(r, o);
		if (r->baseline)
			continue;
		if (pd->on < 9 || pd->nn < 9)
			out->few_samples = true;
		log_sum += log1p(r->net);
		nback++;
	}
	if (!nback) {
		pb_err_set(err, "%s and %s have no backend benchmark in common (baselines alone prove nothing)",
			   oldname, newname);
		goto fail;
	}
	out->only_new = new_doc->nrecs - out->nrows - out->skipped;
	if ((ssize_t)out->only_new < 0)
		out->only_new = 0;	/* duplicate names in the old file */
	out->geomean_ratio = exp(log_sum / (double)nback);
	for (i = 0; i < out->nrows; i++) {
		free(pend[i].ov);
		free(pend[i].nv);
	}
	free(pend);
	return 0;
fail:
	for (i = 0; i <= out->nrows; i++) {
		free(pend[i].ov);
		free(pend[i].nv);
	}
	free(pend);
	pb_compare_free(out);
	return -1;
}

void pb_compare_free(struct pb_compare *c)
{
	free(c->rows);
	c->rows = NULL;
	c->nrows = 0;
}

void pb_compare_print(FILE *f, const struct pb_compare *c, const struct pb_compare_opts *o)
{
	const char *unit = o->instructions ? "instr/op" : "cyc/op";

	fprintf(f, "%-52s %11s %7s %11s %7s %8s %8s %8s  %s\n", "benchmark", "old", "±MAD%", "new",
		"±MAD%", "change", "net", "p", "verdict");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct pb_compare_row *r = &c->rows[i];

		fprintf(f, "%-52.52s %11.2f %6.1f%% %11.2f %6.1f%% %+7.1f%% %+7.1f%% %8.4f  %s\n", r->name,
			r->old_median, r->old_spread * 100, r->new_median, r->new_spread * 100,
			r->change * 100, r->net * 100, r->p, pb_verdict_name(r->verdict));
	}
	fprintf(f, "%-52s %11s %7s %11s %7s %8s %+7.1f%%\n", "geometric mean of backends (new/old)", "",
		"", "", "", "", (c->geomean_ratio - 1) * 100);
	fprintf(f, "metric: %s; verdicts need p < %.2f (Mann-Whitney U) and |net change| > %.1f%%\n",
		unit, o->alpha, o->threshold * 100);
	if (!o->instructions)
		fprintf(f, "machine drift between the runs, from the baselines: %+.1f%% (net = change less "
			"drift; baselines never gate)\n", (c->drift - 1) * 100);
	if (c->few_samples)
		fprintf(f, "warning: fewer than 9 repetitions on a side: the U test has little power\n");
	if (c->skipped)
		fprintf(f, "note: %zu benchmarks skipped: no %s samples on a side\n", c->skipped,
			o->instructions ? "instruction" : "timing");
	if (c->dropped)
		fprintf(f, "note: %zu samples that could not be measured (null) were left out\n", c->dropped);
	if (c->only_old || c->only_new)
		fprintf(f, "note: %zu benchmarks only in the old file, %zu only in the new one\n",
			c->only_old, c->only_new);
}
