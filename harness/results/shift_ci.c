// SPDX-License-Identifier: GPL-2.0-only
/* Hodges-Lehmann ratio with its Moses interval, and the U test's reachable significance. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include "mann_whitney.h"
#include "shift_ci.h"
#include "summary.h"

/* Above this many pairs the exact U distribution costs more than its accuracy is worth. */
#define EXACT_PAIRS_MAX 2500

double pb_mw_min_p(size_t nx, size_t ny)
{
	double x[512], y[512];
	struct pb_mwu r;

	if (!nx || !ny)
		return 1;
	if (nx > 512 || ny > 512)
		return 0;	/* far below any alpha */
	/* The extreme arrangement, through the test itself: same method choice, same p. */
	for (size_t i = 0; i < nx; i++)
		x[i] = (double)i;
	for (size_t i = 0; i < ny; i++)
		y[i] = (double)(nx + i);
	pb_mann_whitney(x, nx, y, ny, 0, &r);
	return r.p;
}

unsigned pb_mw_samples_needed(double alpha)
{
	unsigned n = 1;

	while (n < 512 && pb_mw_min_p(n, n) >= alpha)
		n++;
	return n;
}

/* Ratios need logs: every sample must be a positive number (NaN is not). */
static bool all_positive(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(v[i] > 0))
			return false;
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The standard normal quantile of @p (0 < p < 1), by bisection on erfc: no table to trust. */
static double normal_quantile(double p)
{
	double lo = -40, hi = 40;

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (0.5 * erfc(-mid / sqrt(2.0)) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/*
 * The rank k (1-based) of the pairwise difference that bounds the interval from below: the
 * smallest k with P(U <= k) >= alpha/2 under the null, as R's wilcox.test(conf.int = TRUE)
 * takes it, at least 1. *@level is the coverage that k gives.
 */
static size_t moses_rank(size_t no, size_t nn, double alpha, double *level)
{
	size_t pairs = no * nn, k;

	if (pairs <= EXACT_PAIRS_MAX) {
		double *pmf = pb_mw_exact_pmf(no, nn), cdf = 0;

		for (k = 0; k < pairs; k++) {
			if (cdf + pmf[k] >= alpha / 2)
				break;
			cdf += pmf[k];
		}
		if (k == 0)
			cdf = pmf[k++];	/* the widest interval there is: P(U <= 0) outside it */
		free(pmf);
		*level = 1 - 2 * cdf;	/* cdf = P(U <= k - 1) */
		return k;
	}
	{
		double mean = (double)pairs / 2;
		double sd = sqrt((double)no * (double)nn * ((double)no + (double)nn + 1) / 12);
		double z = normal_quantile(1 - alpha / 2);
		double kk = floor(mean - z * sd);

		k = kk < 1 ? 1 : (size_t)kk;
		*level = 1 - 2 * 0.5 * erfc((mean - ((double)k - 0.5)) / sd / sqrt(2.0));
		return k;
	}
}

int pb_shift_ratio(const double *old, size_t no, const double *new_, size_t nn, double conf,
		   struct pb_shift *out)
{
	size_t pairs = no * nn, k, m = 0;
	double *d;

	if (!no || !nn)
		return -1;
	if (!all_positive(old, no) || !all_positive(new_, nn))
		return -1;
	d = malloc(pairs * sizeof(*d));
	if (!d)
		abort();
	/* In logs, so that the change is a ratio and symmetric: 2x slower and 2x faster weigh alike. */
	for (size_t i = 0; i < no; i++)
		for (size_t j = 0; j < nn; j++)
			d[m++] = log(new_[j]) - log(old[i]);
	qsort(d, pairs, sizeof(*d), cmp_double);
	out->ratio = exp(pairs % 2 ? d[pairs / 2] : (d[pairs / 2 - 1] + d[pairs / 2]) / 2);
	k = moses_rank(no, nn, 1 - conf, &out->level);
	out->lo = exp(d[k - 1]);
	out->hi = exp(d[pairs - k]);
	free(d);
	return 0;
}

/* The samples of one side grouped by process: idx[start[g]..start[g + 1]) are group g's. */
struct groups {
	size_t *idx, *start, n;
};

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

static void group(const unsigned *proc, size_t n, struct groups *g)
{
	struct tagged_idx *t = malloc(n * sizeof(*t));

	g->idx = malloc(n * sizeof(*g->idx));
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
	free(t);
}

/* One two-level resample of @v into @buf; its median. */
static double draw(const double *v, const struct groups *g, struct pb_rng *rng, double *buf)
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

int pb_shift_hier(const double *old, const unsigned *old_proc, size_t no, const double *new_,
		  const unsigned *new_proc, size_t nn, double conf, unsigned resamples,
		  uint64_t seed, struct pb_shift *out)
{
	struct pb_rng rng = { seed };
	struct groups go, gn;
	double *buf, *logs;

	if (!no || !nn || !resamples)
		return -1;
	if (!all_positive(old, no) || !all_positive(new_, nn))
		return -1;
	group(old_proc, no, &go);
	group(new_proc, nn, &gn);
	/* A drawn process may be the largest each time: room for that many samples. */
	buf = malloc((no > nn ? no : nn) * (go.n > gn.n ? go.n : gn.n) * sizeof(*buf));
	logs = malloc(resamples * sizeof(*logs));
	if (!buf || !logs)
		abort();
	for (unsigned b = 0; b < resamples; b++) {
		double mo = draw(old, &go, &rng, buf);

		logs[b] = log(draw(new_, &gn, &rng, buf)) - log(mo);
	}
	qsort(logs, resamples, sizeof(*logs), cmp_double);
	out->ratio = pb_median(new_, nn) / pb_median(old, no);
	out->lo = exp(pb_percentile(logs, resamples, 50 * (1 - conf)));
	out->hi = exp(pb_percentile(logs, resamples, 100 - 50 * (1 - conf)));
	out->level = conf;
	free(buf);
	free(logs);
	free(go.idx);
	free(go.start);
	free(gn.idx);
	free(gn.start);
	return 0;
}
