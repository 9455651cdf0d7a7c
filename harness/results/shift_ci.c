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

int pb_shift_hier(const double *old, const unsigned *old_proc, size_t no, const double *new_,
		  const unsigned *new_proc, size_t nn, double conf, unsigned resamples,
		  uint64_t seed, struct pb_shift *out)
{
	struct pb_shift_pair one = { old, old_proc, no, new_, new_proc, nn };

	return pb_shift_geomean_hier(&one, 1, conf, resamples, seed, out);
}

int pb_shift_geomean_hier(const struct pb_shift_pair *pairs, size_t np, double conf,
			  unsigned resamples, uint64_t seed, struct pb_shift *out)
{
	struct pb_rng rng = { seed };
	struct pb_groups *go, *gn;
	double *buf, *logs, log_est = 0;
	size_t room = 0;

	if (!np || !resamples)
		return -1;
	for (size_t k = 0; k < np; k++)
		if (!pairs[k].no || !pairs[k].nn || !all_positive(pairs[k].old, pairs[k].no) ||
		    !all_positive(pairs[k].new_, pairs[k].nn))
			return -1;
	go = calloc(np, sizeof(*go));
	gn = calloc(np, sizeof(*gn));
	logs = malloc(resamples * sizeof(*logs));
	if (!go || !gn || !logs)
		abort();
	for (size_t k = 0; k < np; k++) {
		pb_groups_make(pairs[k].old_proc, pairs[k].no, &go[k]);
		pb_groups_make(pairs[k].new_proc, pairs[k].nn, &gn[k]);
		room = go[k].room > room ? go[k].room : room;
		room = gn[k].room > room ? gn[k].room : room;
		log_est += log(pb_median(pairs[k].new_, pairs[k].nn)) -
			   log(pb_median(pairs[k].old, pairs[k].no));
	}
	buf = malloc(room * sizeof(*buf));
	if (!buf)
		abort();
	for (unsigned b = 0; b < resamples; b++) {
		double sum = 0;

		/* With one pair the first level draws it every time: the two-level bootstrap. */
		for (size_t d = 0; d < np; d++) {
			size_t k = np > 1 ? (size_t)pb_rng_below(&rng, np) : 0;
			double mo = pb_groups_draw_median(pairs[k].old, &go[k], &rng, buf);

			sum += log(pb_groups_draw_median(pairs[k].new_, &gn[k], &rng, buf)) - log(mo);
		}
		logs[b] = sum / (double)np;
	}
	qsort(logs, resamples, sizeof(*logs), cmp_double);
	out->ratio = exp(log_est / (double)np);
	out->lo = exp(pb_percentile(logs, resamples, 50 * (1 - conf)));
	out->hi = exp(pb_percentile(logs, resamples, 100 - 50 * (1 - conf)));
	out->level = conf;
	free(buf);
	free(logs);
	for (size_t k = 0; k < np; k++) {
		pb_groups_free(&go[k]);
		pb_groups_free(&gn[k]);
	}
	free(go);
	free(gn);
	return 0;
}
