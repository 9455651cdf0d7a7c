/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Mann-Whitney U test, two-sided, as scipy.stats.mannwhitneyu computes it: the exact
 * distribution when both samples are small and have no ties, otherwise the normal
 * approximation with tie correction and continuity correction. Google Benchmark's
 * compare.py uses the same test to call a change significant.
 */
#ifndef PB_MANN_WHITNEY_H
#define PB_MANN_WHITNEY_H

#include <stdbool.h>
#include <stddef.h>

struct pb_mwu {
	double u;	/* U statistic of the first sample */
	double p;	/* two-sided p-value */
	bool exact;	/* exact distribution used */
};

/* Tests @x[0..nx) against @y[0..ny); both n >= 1. @method: 0 auto, 1 exact, 2 asymptotic. */
void pb_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, int method,
		     struct pb_mwu *out);

/*
 * The exact null distribution of U for samples of @m and @n without ties: element u is
 * P(U = u), u = 0..m*n. The caller frees it; aborts when memory runs out.
 */
double *pb_mw_exact_pmf(size_t m, size_t n);

#endif
