// SPDX-License-Identifier: GPL-2.0-only
/* A/B comparison of two result documents: see compare.h for the verdict rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "compare.h"
#include "record.h"
#include "mann_whitney.h"
#include "shift_ci.h"
#include "summary.h"

/* Seeds the hierarchical bootstrap: a comparison of the same files gives the same interval. */
#define COMPARE_SEED 1

void pb_compare_opts_init(struct pb_compare_opts *o)
{
	o->threshold = 0.03;
	o->alpha = 0.05;
	o->instructions = false;
	o->unstable_cv = 0.05;
	/*
	 * On: 20 self-compares of two runs each under a loaded neighbour (docs/performance-log.md)
	 * gave 3 with a false "slower" without it and none with it, at no cost in the changes
	 * detected; it can only stop verdicts.
	 */
	o->drift = true;
	o->allow_emulated = false;
	o->gate = false;
}

const char *pb_verdict_name(enum pb_verdict v)
{
	static const char *const names[] = { "same", "faster", "slower", "unstable", "baseline",
					     "inconclusive" };

	return names[v];
}

/* The samples of one side of one row: the metric's numbers and the process of each. */
struct side {
	double *v;
	unsigned *proc;
	size_t n;
	unsigned procs;
};

static const double *instruction_samples(const struct pb_result *b)
{
	for (unsigned e = 0; e < b->nevents; e++)
		if (!strcmp(b->ev[e].name, "instructions"))
			return b->ev[e].available ? b->ev[e].rep_per_op : NULL;
	return NULL;
}

/*
 * The per-repetition samples of the chosen metric that are numbers (a null, a sample that
 * could not be measured, is dropped and counted in *@dropped). False when the record has no
 * such samples at all: the caller skips it.
 */
static bool metric_samples(const struct pb_result *b, bool instructions, struct side *s,
			   size_t *dropped)
{
	const double *src = instructions ? instruction_samples(b) : b->rep_cycles;
	unsigned most = 0;

	memset(s, 0, sizeof(*s));
	if (!src)
		return false;
	s->v = malloc((b->repetitions + 1) * sizeof(*s->v));
	s->proc = malloc((b->repetitions + 1) * sizeof(*s->proc));
	if (!s->v || !s->proc)
		abort();
	for (unsigned i = 0; i < b->repetitions; i++) {
		if (isnan(src[i])) {
			(*dropped)++;
			continue;
		}
		s->proc[s->n] = b->rep_process ? b->rep_process[i] : 0;
		if (s->proc[s->n] > most)
			most = s->proc[s->n];
		s->v[s->n++] = src[i];
	}
	s->procs = most + 1;
	if (!s->n) {
		free(s->v);
		free(s->proc);
		memset(s, 0, sizeof(*s));
		return false;
	}
	return true;
}

static void side_free(struct side *s)
{
	free(s->v);
	free(s->proc);
	s->v = NULL;
	s->proc = NULL;
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

/*
 * What one change says by itself: slower or faster when significant, beyond the threshold
 * and with its interval wholly on that side of zero; unstable (interval) when significant
 * and beyond the threshold but the interval reaches zero; same otherwise.
 */
static enum pb_verdict judge(double p, double change, double lo, double hi,
			     const struct pb_compare_opts *o)
{
	bool up = change > 0;

	if (!(p < o->alpha) || !(fabs(change) > o->threshold))
		return PB_SAME;
	if (up ? !(lo > 0) : !(hi < 0))
		return PB_UNSTABLE;
	return up ? PB_SLOWER : PB_FASTER;
}

/* Whether @r's change could be the machine's: its interval reaches into its job's drift's. */
static bool within_drift(const struct pb_compare_row *r, const struct pb_compare_drift *d, bool up)
{
	return up ? !(r->ci_lo > d->drift_ci_hi - 1) : !(r->ci_hi < d->drift_ci_lo - 1);
}

/* The drift of @r's own job, or NULL when that job measured no baselines in both files. */
static const struct pb_compare_drift *row_drift(const struct pb_compare_row *r, const struct pb_compare *c)
{
	return r->drift_ix >= 0 ? &c->drifts[r->drift_ix] : NULL;
}

static enum pb_verdict decide(struct pb_compare_row *r, const struct pb_compare_opts *o,
			      const struct pb_compare *c)
{
	const struct pb_compare_drift *d = row_drift(r, c);
	enum pb_verdict raw;

	r->why = PB_WHY_NONE;
	if (r->baseline)
		return PB_BASELINE;
	/* "Not significant" means nothing when significance was out of reach. */
	if (r->min_p >= o->alpha)
		return PB_INCONCLUSIVE;
	raw = judge(r->p, r->change, r->ci_lo, r->ci_hi, o);
	if (raw == PB_UNSTABLE) {
		r->why = PB_WHY_INTERVAL;
		return PB_UNSTABLE;
	}
	if (raw != PB_SAME) {
		/*
		 * The drift may stop a verdict, never make one: a change the baselines' drift
		 * explains (or reverses) is not shown to be the code's. Narrow enough to divide
		 * out, the net change must earn the same verdict; too wide, the change's interval
		 * must be clear of the drift's (the machine may have moved anywhere in it).
		 */
		if (d && ((d->applied && judge(r->net_p, r->net, r->net_ci_lo, r->net_ci_hi, o) != raw) ||
			  (d->guard && within_drift(r, d, raw == PB_SLOWER)))) {
			r->why = PB_WHY_DRIFT;
			return PB_UNSTABLE;
		}
		return raw;
	}
	/* Not shown to differ, but one side is too noisy for that to mean "same". */
	if (r->old_unstable || r->new_unstable) {
		r->why = PB_WHY_NOISE;
		return PB_UNSTABLE;
	}
	return PB_SAME;
}

/* The interval of the change between @os and @ns into *@lo, *@hi (fractions). */
static void interval(const struct side *os, const struct side *ns, const struct pb_compare_opts *o,
		     double *lo, double *hi, bool *hier)
{
	struct pb_shift sh;
	int rc;

	*hier = os->procs > 1 || ns->procs > 1;
	if (*hier)
		rc = pb_shift_hier(os->v, os->proc, os->n, ns->v, ns->proc, ns->n, 1 - o->alpha,
				   PB_BOOTSTRAP_RESAMPLES, COMPARE_SEED, &sh);
	else
		rc = pb_shift_ratio(os->v, os->n, ns->v, ns->n, 1 - o->alpha, &sh);
	if (rc) {
		/* A zero or negative figure (a baseline at the timer's resolution): no ratio. */
		*lo = -INFINITY;
		*hi = INFINITY;
		return;
	}
	*lo = sh.lo - 1;
	*hi = sh.hi - 1;
}

static bool under_valgrind(const struct pb_result_set *doc)
{
	return doc->machine.instructions_source[0] != '\0';
}

static bool emulated(const struct pb_result_set *doc)
{
	for (size_t i = 0; i < doc->njobs; i++)
		if (doc->jobs[i].emulated)
			return true;
	return false;
}

static bool has_instructions(const struct pb_result_set *doc)
{
	for (size_t i = 0; i < doc->nrecs; i++)
		if (instruction_samples(&doc->recs[i]))
			return true;
	return false;
}

/* A name given twice would be matched with one partner and the other silently lost. */
static int check_unique(const struct pb_result_set *doc, const char *name, struct pb_err *err)
{
	for (size_t i = 0; i < doc->nrecs; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(doc->recs[i].name, doc->recs[j].name) &&
			    !strcmp(doc->recs[i].job, doc->recs[j].job)) {
				char full[600];

				return pb_err_set(err, "%s: benchmark '%s' appears twice (records %zu and %zu)", name,
						  pb_result_full_name(&doc->recs[i], full, sizeof(full)), j, i);
			}
	return 0;
}

static int check_inputs(const struct pb_result_set *old_doc, const char *oldname,
			const struct pb_result_set *new_doc, const char *newname,
			const struct pb_compare_opts *o, struct pb_err *err)
{
	if (!o->instructions && (under_valgrind(old_doc) || under_valgrind(new_doc)))
		return pb_err_set(err, "%s: its timings were taken under valgrind: compare it with --metric instructions",
				  under_valgrind(old_doc) ? oldname : newname);
	/* Callgrind's counts and a PMU's are not the same instrument. */
	if (o->instructions && under_valgrind(old_doc) != under_valgrind(new_doc))
		return pb_err_set(err, "%s counted instructions with %s, %s with %s: not comparable", oldname,
				  under_valgrind(old_doc) ? "callgrind" : "the PMU", newname,
				  under_valgrind(new_doc) ? "callgrind" : "the PMU");
	if (o->instructions && (!has_instructions(old_doc) || !has_instructions(new_doc)))
		return pb_err_set(err, "%s: no instruction counts in the file (it was run without a PMU that counts them, "
				  "or without --metric instructions): compare it with --metric time",
				  !has_instructions(old_doc) ? oldname : newname);
	if (!o->allow_emulated && emulated(old_doc) != emulated(new_doc))
		return pb_err_set(err, "%s was measured in an emulated guest and %s was not: their figures are not "
				  "comparable (--allow-emulated compares them anyway)",
				  emulated(old_doc) ? oldname : newname, emulated(old_doc) ? newname : oldname);
	if (check_unique(old_doc, oldname, err) || check_unique(new_doc, newname, err))
		return -1;
	return 0;
}

/*
 * The drift of job @job: its baselines' new/old, the range they span and the interval of
 * the drift (baselines, processes and repetitions resampled); applied only when asked for
 * and when that interval is narrower than the threshold, so that the correction's own error
 * is below the smallest change a verdict reports. False when the job has no baseline with
 * positive figures on both sides.
 */
static bool drift_of_job(const struct pb_compare *out, struct side (*pend)[2], const char *const *jobs,
			 const char *job, const struct pb_compare_opts *o, struct pb_compare_drift *d)
{
	struct pb_shift_pair *pairs = calloc(out->nrows + 1, sizeof(*pairs));
	struct pb_shift sh;
	bool ok = false;

	if (!pairs)
		abort();
	memset(d, 0, sizeof(*d));
	snprintf(d->job, sizeof(d->job), "%s", job);
	d->drift_lo = d->drift_hi = 1;
	for (size_t i = 0; i < out->nrows; i++) {
		const struct pb_compare_row *r = &out->rows[i];
		double q;

		if (!r->baseline || strcmp(jobs[i], job) || !(r->old_median > 0) || !(r->new_median > 0))
			continue;
		q = r->new_median / r->old_median;
		if (!d->nbaselines || q < d->drift_lo)
			d->drift_lo = q;
		if (!d->nbaselines || q > d->drift_hi)
			d->drift_hi = q;
		pairs[d->nbaselines++] = (struct pb_shift_pair){ pend[i][0].v, pend[i][0].proc,
			pend[i][0].n, pend[i][1].v, pend[i][1].proc, pend[i][1].n };
	}
	/* The machine's own change of speed while this job ran: counts do not drift, time does. */
	if (d->nbaselines && !pb_shift_geomean_hier(pairs, d->nbaselines, 1 - o->alpha,
						     PB_BOOTSTRAP_RESAMPLES, COMPARE_SEED, &sh)) {
		d->drift = sh.ratio;
		d->drift_ci_lo = sh.lo;
		d->drift_ci_hi = sh.hi;
		d->narrow = d->drift_ci_hi / d->drift_ci_lo - 1 <= o->threshold;
		d->applied = o->drift && d->narrow;
		d->guard = o->drift && !d->narrow;
		ok = true;
	}
	free(pairs);
	return ok;
}

/*
 * The drift of every job, each from its own baselines only: a config job with
 * `baselines = off` ran at another moment than the job that measured them, and the
 * machine's speed then says nothing about its rows, which keep drift_ix -1 (raw only).
 * The first job's drift is also copied to the top-level fields.
 */
static void drift_of(struct pb_compare *out, struct side (*pend)[2], const char *const *jobs,
		     const struct pb_compare_opts *o)
{
	out->drift = out->drift_ci_lo = out->drift_ci_hi = 1;
	out->drift_lo = out->drift_hi = 1;
	out->drifts = calloc(out->nrows + 1, sizeof(*out->drifts));
	if (!out->drifts)
		abort();
	for (size_t i = 0; i < out->nrows; i++) {
		size_t k;

		out->rows[i].drift_ix = -1;
		for (k = 0; k < i && strcmp(jobs[k], jobs[i]); k++)
			;
		if (k < i) {
			out->rows[i].drift_ix = out->rows[k].drift_ix;
			continue;
		}
		/* The first row of its job: that job's drift, if it measured one. */
		if (!o->instructions && drift_of_job(out, pend, jobs, jobs[i], o, &out->drifts[out->ndrifts]))
			out->rows[i].drift_ix = (int)out->ndrifts++;
	}
	if (out->ndrifts) {
		const struct pb_compare_drift *d = &out->drifts[0];

		out->drift = d->drift;
		out->drift_lo = d->drift_lo;
		out->drift_hi = d->drift_hi;
		out->drift_ci_lo = d->drift_ci_lo;
		out->drift_ci_hi = d->drift_ci_hi;
		out->nbaselines = d->nbaselines;
		out->drift_measured = true;
		out->drift_narrow = d->narrow;
		out->drift_applied = d->applied;
		out->drift_guard = d->guard;
	}
}

int pb_compare(const struct pb_result_set *old_doc, const char *oldname,
	       const struct pb_result_set *new_doc, const char *newname,
	       const struct pb_compare_opts *o, struct pb_compare *out, struct pb_err *err)
{
	size_t i, nback = 0;
	struct side (*pend)[2];
	const char **jobs;
	double log_sum = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (check_inputs(old_doc, oldname, new_doc, newname, o, err))
		return -1;
	out->rows = calloc(old_doc->nrecs + 1, sizeof(*out->rows));
	pend = calloc(old_doc->nrecs + 1, sizeof(*pend));
	jobs = calloc(old_doc->nrecs + 1, sizeof(*jobs));
	if (!out->rows || !pend || !jobs) {
		free(pend);
		free(jobs);
		pb_compare_free(out);
		return pb_err_set(err, "out of memory");
	}
	out->needed = pb_mw_samples_needed(o->alpha);
	for (i = 0; i < old_doc->nrecs; i++) {
		const struct pb_result *ob = &old_doc->recs[i];
		const struct pb_result *nb = pb_result_set_find(new_doc, ob->name, ob->job);
		struct pb_compare_row *r = &out->rows[out->nrows];
		struct side *pd = pend[out->nrows];

		if (!nb) {
			out->only_old++;
			continue;
		}
		if (!metric_samples(ob, o->instructions, &pd[0], &out->dropped) ||
		    !metric_samples(nb, o->instructions, &pd[1], &out->dropped)) {
			/* Nothing of this metric on a side (e.g. a track without counts): skip it. */
			side_free(&pd[0]);
			side_free(&pd[1]);
			out->skipped++;
			continue;
		}
		pb_result_full_name(ob, r->name, sizeof(r->name));
		jobs[out->nrows] = ob->job;
		r->baseline = !strcmp(ob->kind, "baseline");
		r->old_median = pb_median(pd[0].v, pd[0].n);
		r->new_median = pb_median(pd[1].v, pd[1].n);
		r->change = r->old_median > 0 ? r->new_median / r->old_median - 1 : 0;
		if (o->instructions) {
			/* The timing flag says nothing about counts: judge their own spread. */
			r->old_unstable = cv_of(pd[0].v, pd[0].n) > o->unstable_cv;
			r->new_unstable = cv_of(pd[1].v, pd[1].n) > o->unstable_cv;
		} else {
			r->old_unstable = ob->unstable;
			r->new_unstable = nb->unstable;
		}
		out->nrows++;
	}
	drift_of(out, pend, jobs, o);
	for (i = 0; i < out->nrows; i++) {
		struct pb_compare_row *r = &out->rows[i];
		struct side *os = &pend[i][0], *ns = &pend[i][1];
		const struct pb_compare_drift *d = row_drift(r, out);
		bool applied = d && d->applied;
		struct pb_mwu u;

		pb_mann_whitney(os->v, os->n, ns->v, ns->n, 0, &u);
		r->p = u.p;
		r->min_p = pb_mw_min_p(os->n, ns->n);
		interval(os, ns, o, &r->ci_lo, &r->ci_hi, &r->ci_hier);
		/* Net of the drift: the new side's samples divided by it, then judged alike. */
		r->net = r->change;
		r->net_p = r->p;
		r->net_ci_lo = r->ci_lo;
		r->net_ci_hi = r->ci_hi;
		if (!r->baseline && d) {
			bool hier;

			for (size_t k = 0; k < ns->n; k++)
				ns->v[k] /= d->drift;
			r->net = r->old_median > 0 ? pb_median(ns->v, ns->n) / r->old_median - 1 : 0;
			pb_mann_whitney(os->v, os->n, ns->v, ns->n, 0, &u);
			r->net_p = u.p;
			interval(os, ns, o, &r->net_ci_lo, &r->net_ci_hi, &hier);
		}
		r->old_spread = spread(os->v, os->n);
		r->new_spread = spread(ns->v, ns->n);
		r->old_n = (unsigned)os->n;
		r->new_n = (unsigned)ns->n;
		r->old_procs = os->procs;
		r->new_procs = ns->procs;
		r->old_pspread = pb_process_spread(os->v, os->proc, os->n);
		r->new_pspread = pb_process_spread(ns->v, ns->proc, ns->n);
		r->verdict = decide(r, o, out);
		if (r->baseline)
			continue;
		if (r->verdict == PB_INCONCLUSIVE) {
			unsigned fewest = r->old_n < r->new_n ? r->old_n : r->new_n;

			if (!out->inconclusive || fewest < out->fewest)
				out->fewest = fewest;
			out->inconclusive++;
		}
		if (os->n < 9 || ns->n < 9)
			out->few_samples = true;
		if (!d && !o->instructions)
			out->undrifted++;
		nback++;
		/* A median at zero (null at the timer's floor) has no ratio: left out, and said so. */
		if (!(r->old_median > 0) || !(1 + (applied ? r->net : r->change) > 0)) {
			out->geomean_left_out++;
			continue;
		}
		log_sum += log1p(applied ? r->net : r->change);
	}
	if (!nback) {
		pb_err_set(err, "%s and %s have no backend benchmark in common (baselines alone prove nothing)",
			   oldname, newname);
		goto out;
	}
	out->only_new = new_doc->nrecs - out->nrows - out->skipped;
	out->geomean_ratio = nback > out->geomean_left_out ?
			     exp(log_sum / (double)(nback - out->geomean_left_out)) : NAN;
	rc = 0;
out:
	for (i = 0; i < old_doc->nrecs + 1; i++) {
		side_free(&pend[i][0]);
		side_free(&pend[i][1]);
	}
	free(pend);
	free(jobs);
	if (rc)
		pb_compare_free(out);
	return rc;
}

void pb_compare_free(struct pb_compare *c)
{
	free(c->rows);
	free(c->drifts);
	c->rows = NULL;
	c->drifts = NULL;
	c->nrows = 0;
	c->ndrifts = 0;
}

/* "[-1.2%, +3.4%]" into @buf. */
static void fmt_interval(char *buf, size_t len, double lo, double hi)
{
	if (isinf(lo) || isinf(hi))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "[%+.1f%%, %+.1f%%]", lo * 100, hi * 100);
}

static size_t count_why(const struct pb_compare *c, enum pb_unstable_why why)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nrows; i++)
		n += c->rows[i].verdict == PB_UNSTABLE && c->rows[i].why == why;
	return n;
}

/* The footer line of one job's drift. */
static void print_drift(FILE *f, const struct pb_compare_drift *d, const struct pb_compare_opts *o)
{
	if (d->job[0])
		fprintf(f, "machine drift of job '%s' from its %u baselines: ", d->job, d->nbaselines);
	else
		fprintf(f, "machine drift from the %u baselines: ", d->nbaselines);
	fprintf(f, "%+.1f%%, %.0f%% interval [%+.1f%%, %+.1f%%] (they range %+.1f%% to %+.1f%%): ",
		(d->drift - 1) * 100, (1 - o->alpha) * 100, (d->drift_ci_lo - 1) * 100,
		(d->drift_ci_hi - 1) * 100, (d->drift_lo - 1) * 100, (d->drift_hi - 1) * 100);
	if (d->applied)
		fprintf(f, "applied");
	else if (d->guard)
		fprintf(f, "too uncertain to divide out (%.1f%% wide, more than the %.1f%% threshold): "
			"a verdict needs its interval clear of the drift's",
			(d->drift_ci_hi / d->drift_ci_lo - 1) * 100, o->threshold * 100);
	else
		fprintf(f, "not applied (drift off)");
	fprintf(f, "; baselines never gate\n");
}

/* The jobs of the backend rows without a drift of their own, "a, b", into @buf. */
static void undrifted_jobs(const struct pb_compare *c, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->nrows && at < len; i++) {
		const struct pb_compare_row *r = &c->rows[i];
		const char *colon = strchr(r->name, ':');
		int jl = colon ? (int)(colon - r->name) : 0;
		bool seen = false;

		if (r->baseline || r->drift_ix >= 0)
			continue;
		for (size_t k = 0; k < i && !seen; k++) {
			const struct pb_compare_row *q = &c->rows[k];
			const char *qc = strchr(q->name, ':');

			seen = !q->baseline && q->drift_ix < 0 && (qc ? (int)(qc - q->name) : 0) == jl &&
			       !strncmp(q->name, r->name, (size_t)jl);
		}
		if (!seen)
			at += (size_t)snprintf(buf + at, len - at, "%s%.*s", at ? ", " : "", jl ? jl : 2,
					       jl ? r->name : "\"\"");
	}
}

void pb_compare_print(FILE *f, const struct pb_compare *c, const struct pb_compare_opts *o)
{
	const char *unit = o->instructions ? "instr/op" : "cyc/op";
	bool procs = false, hier = false, applied = false, guard = false;
	char ci[40], jobs[256];
	size_t n;

	for (size_t i = 0; i < c->nrows; i++) {
		procs |= c->rows[i].old_procs > 1 || c->rows[i].new_procs > 1;
		hier |= c->rows[i].ci_hier;
	}
	for (size_t i = 0; i < c->ndrifts; i++) {
		applied |= c->drifts[i].applied;
		guard |= c->drifts[i].guard;
	}
	fprintf(f, "%-44s %10s %6s %10s %6s %8s %18s", "benchmark", "old", "±MAD%", "new", "±MAD%",
		"change", hier ? "95% CI (boot)" : "95% CI (HL)");
	if (c->drift_measured)
		fprintf(f, " %8s", "net");
	if (procs)
		fprintf(f, " %7s", "procs±%");
	fprintf(f, " %7s  %s\n", "p", "verdict");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct pb_compare_row *r = &c->rows[i];

		fmt_interval(ci, sizeof(ci), r->ci_lo, r->ci_hi);
		fprintf(f, "%-44.44s %10.2f %5.1f%% %10.2f %5.1f%% %+7.1f%% %18s", r->name,
			r->old_median, r->old_spread * 100, r->new_median, r->new_spread * 100,
			r->change * 100, ci);
		if (c->drift_measured && !r->baseline && r->drift_ix < 0)
			fprintf(f, " %8s", "raw");	/* its job measured no baselines */
		else if (c->drift_measured)
			fprintf(f, " %+7.1f%%", r->net * 100);
		if (procs)
			fprintf(f, " %6.1f%%", fmax(r->old_pspread, r->new_pspread) * 100);
		fprintf(f, " %7.4f  %s\n", r->p, pb_verdict_name(r->verdict));
	}
	if (isnan(c->geomean_ratio))
		fprintf(f, "%-44s %10s %6s %10s %6s %8s", "geometric mean of backends (new/old)", "", "",
			"", "", "-");
	else
		fprintf(f, "%-44s %10s %6s %10s %6s %+7.1f%%", "geometric mean of backends (new/old)", "",
			"", "", "", (c->geomean_ratio - 1) * 100);
	if (c->geomean_left_out)
		fprintf(f, " (%zu row%s with a zero median left out)", c->geomean_left_out,
			c->geomean_left_out == 1 ? "" : "s");
	fputc('\n', f);
	fprintf(f, "metric: %s; slower/faster need p < %.2f (Mann-Whitney U), |change| > %.1f%% and its "
		"%.0f%% interval clear of zero%s\n", unit, o->alpha, o->threshold * 100,
		(1 - o->alpha) * 100, applied ? ", and the net change the same verdict" :
		guard ? " and of the drift's" : "");
	if (hier)
		fprintf(f, "interval: bootstrap over processes, then repetitions within them (procs±%% = spread of "
			"the per-process medians)\n");
	for (size_t i = 0; i < c->ndrifts; i++)
		print_drift(f, &c->drifts[i], o);
	if (c->undrifted) {
		undrifted_jobs(c, jobs, sizeof(jobs));
		fprintf(f, "no drift correction: %zu benchmark%s of job%s %s, which measured no baselines of %s own in "
			"both files: raw changes only%s\n", c->undrifted, c->undrifted == 1 ? "" : "s",
			strchr(jobs, ',') ? "s" : "", jobs, strchr(jobs, ',') ? "their" : "its",
			c->drift_measured ? " (another job's baselines ran at another time)" : "");
	}
	if (c->inconclusive)
		fprintf(f, "inconclusive: %zu benchmark%s: with %u samples on a side the U test's smallest p is %.4f, "
			"not below %.2f: run at least %u repetitions per side (--reps %u, or --reps x --processes)\n",
			c->inconclusive, c->inconclusive == 1 ? "" : "s", c->fewest,
			pb_mw_min_p(c->fewest, c->fewest), o->alpha, c->needed, c->needed);
	if (c->few_samples && !c->inconclusive)
		fprintf(f, "warning: fewer than 9 repetitions on a side: the U test has little power\n");
	if ((n = count_why(c, PB_WHY_INTERVAL)))
		fprintf(f, "unstable: %zu benchmark%s: significant, but the interval of the change reaches zero "
			"(the processes disagree)\n", n, n == 1 ? "" : "s");
	if ((n = count_why(c, PB_WHY_DRIFT)))
		fprintf(f, "unstable: %zu benchmark%s: the machine's drift could explain the change%s\n", n,
			n == 1 ? "" : "s", applied ? " (raw and net disagree)" : "");
	if ((n = count_why(c, PB_WHY_NOISE)))
		fprintf(f, "unstable: %zu benchmark%s: not shown to differ, with a side above the CV threshold\n", n,
			n == 1 ? "" : "s");
	if (c->skipped)
		fprintf(f, "note: %zu benchmark%s skipped: no %s samples on a side\n", c->skipped,
			c->skipped == 1 ? "" : "s", o->instructions ? "instruction" : "timing");
	if (c->dropped)
		fprintf(f, "note: %zu samples that could not be measured (null) were left out\n", c->dropped);
	if (c->only_old || c->only_new)
		fprintf(f, "note: %zu benchmarks only in the old file, %zu only in the new one\n",
			c->only_old, c->only_new);
}

int pb_compare_status(const struct pb_compare *c, const struct pb_compare_opts *o)
{
	for (size_t i = 0; i < c->nrows; i++) {
		enum pb_verdict v = c->rows[i].verdict;

		if (v == PB_SLOWER || v == PB_INCONCLUSIVE || (o->gate && v == PB_UNSTABLE))
			return 1;
	}
	return 0;
}
