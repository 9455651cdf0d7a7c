/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Order statistics of a sample set. Computed after the measured loops have finished, so
 * these may allocate and sort freely.
 */
#ifndef PB_SUMMARY_H
#define PB_SUMMARY_H

#include <stddef.h>
#include "result.h"

/*
 * Fills @out with median, min, max, mean, sample stddev (n-1), cv and p99 of @x[0..n);
 * @x is not modified; n == 0 gives all zeros.
 */
void pb_summarize(const double *x, size_t n, struct pb_summary *out);
/* The @q-th percentile (0..100) of ascending @sorted[0..n), as numpy.percentile's "linear". */
double pb_percentile(const double *sorted, size_t n, double q);

#endif
