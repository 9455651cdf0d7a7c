/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sample statistics. Percentiles follow numpy.percentile's default ("linear", Hyndman & Fan
 * type 7) so that figures printed here match what anyone re-analysing the JSON in Python gets.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "summary.h"

/*
 * A total order, NaN last: a comparator that is not a total order is undefined behaviour
 * for qsort, and a NaN sample must not be able to corrupt the sort.
 */
static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	int na = isnan(a), nb = isnan(b);

	if (na || nb)
		return na - nb;
	return (a > b) - (a < b);
}

/* numpy's _lerp: the t >= 0.5 form keeps the result exact at t == 1 and monotone in t. */
static double lerp(double a, double b, double t)
{
	double d = b - a;

	return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

double pb_percentile(const double *sorted, size_t n, double q)
{
	double h, t;
	size_t lo;

	if (n == 0)
		return 0.0;
	if (!(q > 0.0))		/* also catches a NaN q */
		return sorted[0];
	if (q >= 100.0)
		return sorted[n - 1];
	h = (double)(n - 1) * (q / 100.0);
	lo = (size_t)floor(h);
	if (lo >= n - 1)
		return sorted[n - 1];
	t = h - (double)lo;
	return lerp(sorted[lo], sorted[lo + 1], t);
}

void pb_summarize(const double *x, size_t n, struct pb_summary *out)
{
	double *s, sum = 0.0, ss = 0.0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	s = malloc(n * sizeof(*s));
	if (!s)
		abort();	/* a few KB after the run: nothing sensible to fall back to */
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);

	out->min = s[0];
	out->max = s[n - 1];
	out->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
	out->p99 = pb_percentile(s, n, 99.0);

	for (i = 0; i < n; i++)
		sum += s[i];
	out->mean = sum / (double)n;
	/* Two passes: the one-pass sum-of-squares formula cancels badly for cycle counts. */
	if (n >= 2) {
		for (i = 0; i < n; i++) {
			double d = s[i] - out->mean;

			ss += d * d;
		}
		out->stddev = sqrt(ss / (double)(n - 1));
	}
	out->cv = out->mean != 0.0 ? out->stddev / out->mean : 0.0;
	free(s);
}

double pb_median(const double *x, size_t n)
{
	struct pb_summary s;

	pb_summarize(x, n, &s);
	return s.median;
}

static double *sorted_copy(const double *x, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		abort();
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

void pb_summarize_robust(const double *x, size_t n, unsigned resamples, uint64_t seed,
			 struct pb_summary *out)
{
	struct pb_rng rng = { seed };
	double *s, *dev, *meds, *draw, q1, q3, iqr;
	size_t i;

	out->mad = out->ci_lo = out->ci_hi = 0;
	out->outliers_low = out->outliers_high = 0;
	if (n == 0)
		return;
	s = sorted_copy(x, n);
	dev = malloc(n * sizeof(*dev));
	draw = malloc(n * sizeof(*draw));
	meds = malloc((resamples ? resamples : 1) * sizeof(*meds));
	if (!dev || !draw || !meds)
		abort();
	for (i = 0; i < n; i++)
		dev[i] = fabs(x[i] - out->median);
	out->mad = pb_median(dev, n);

	q1 = pb_percentile(s, n, 25.0);
	q3 = pb_percentile(s, n, 75.0);
	iqr = q3 - q1;
	for (i = 0; i < n; i++) {
		if (s[i] < q1 - 1.5 * iqr)
			out->outliers_low++;
		else if (s[i] > q3 + 1.5 * iqr)
			out->outliers_high++;
	}

	/* Percentile bootstrap: resample with replacement, take each resample's median. */
	for (unsigned r = 0; r < resamples; r++) {
		for (i = 0; i < n; i++)
			draw[i] = x[pb_rng_below(&rng, n)];
		meds[r] = pb_median(draw, n);
	}
	if (resamples) {
		qsort(meds, resamples, sizeof(*meds), cmp_double);
		out->ci_lo = pb_percentile(meds, resamples, 2.5);
		out->ci_hi = pb_percentile(meds, resamples, 97.5);
	}
	free(s);
	free(dev);
	free(draw);
	free(meds);
}

struct tagged_idx {
	unsigned proc;
	size_t i;
};

static int cmp_tagged_idx(const void *a, const void *b)
{
	const struct tagged_idx *x = a, *y = b;

	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

void pb_groups_make(const unsigned *proc, size_t n, struct pb_groups *g)
{
	struct tagged_idx *t = malloc((n ? n : 1) * sizeof(*t));
	size_t most = 0;

	g->idx = malloc((n ? n : 1) * sizeof(*g->idx));
	g->start = malloc((n + 1) * sizeof(*g->start));
	if (!t || !g->idx || !g->start)
		abort();
	for (size_t i = 0; i < n; i++)
		t[i] = (struct tagged_idx){ proc ? proc[i] : 0, i };
	qsort(t, n, sizeof(*t), cmp_tagged_idx);
	g->n = 0;
	for (size_t i = 0; i < n; i++) {
		g->idx[i] = t[i].i;
		if (!i || t[i].proc != t[i - 1].proc)
			g->start[g->n++] = i;
	}
	g->start[g->n] = n;
	for (size_t k = 0; k < g->n; k++)
		if (g->start[k + 1] - g->start[k] > most)
			most = g->start[k + 1] - g->start[k];
	g->room = g->n * most;
	free(t);
}

void pb_groups_free(struct pb_groups *g)
{
	free(g->idx);
	free(g->start);
	g->idx = g->start = NULL;
	g->n = g->room = 0;
}

double pb_groups_draw_median(const double *v, const struct pb_groups *g, struct pb_rng *rng,
			     double *buf)
{
	size_t m = 0;

	for (size_t k = 0; k < g->n; k++) {
		size_t pick = (size_t)pb_rng_below(rng, g->n);
		size_t lo = g->start[pick], len = g->start[pick + 1] - lo;

		for (size_t r = 0; r < len; r++)
			buf[m++] = v[g->idx[lo + (size_t)pb_rng_below(rng, len)]];
	}
	return pb_median(buf, m);
}

double pb_process_spread(const double *v, const unsigned *proc, size_t n)
{
	struct pb_groups g;
	double *med, *buf, lo = INFINITY, hi = -INFINITY, mid;

	pb_groups_make(proc, n, &g);
	if (g.n < 2) {
		pb_groups_free(&g);
		return 0;
	}
	med = malloc(g.n * sizeof(*med));
	buf = malloc(n * sizeof(*buf));
	if (!med || !buf)
		abort();
	for (size_t k = 0; k < g.n; k++) {
		size_t len = g.start[k + 1] - g.start[k];

		for (size_t r = 0; r < len; r++)
			buf[r] = v[g.idx[g.start[k] + r]];
		med[k] = pb_median(buf, len);
		lo = fmin(lo, med[k]);
		hi = fmax(hi, med[k]);
	}
	mid = pb_median(med, g.n);
	free(med);
	free(buf);
	pb_groups_free(&g);
	return mid > 0 ? (hi - lo) / mid : 0;
}

void pb_median_ci_hier(const double *v, const unsigned *proc, size_t n, unsigned resamples,
		       uint64_t seed, double *lo, double *hi)
{
	struct pb_rng rng = { seed };
	struct pb_groups g;
	double *buf, *meds;

	*lo = *hi = 0;
	if (!n || !resamples)
		return;
	pb_groups_make(proc, n, &g);
	buf = malloc(g.room * sizeof(*buf));
	meds = malloc(resamples * sizeof(*meds));
	if (!buf || !meds)
		abort();
	for (unsigned r = 0; r < resamples; r++)
		meds[r] = pb_groups_draw_median(v, &g, &rng, buf);
	qsort(meds, resamples, sizeof(*meds), cmp_double);
	*lo = pb_percentile(meds, resamples, 2.5);
	*hi = pb_percentile(meds, resamples, 97.5);
	free(buf);
	free(meds);
	pb_groups_free(&g);
}
