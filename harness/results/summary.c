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
