/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Order statistics of a sample set. Computed after the measured loops have finished, so
 * these may allocate and sort freely.
 */
#ifndef PB_SUMMARY_H
#define PB_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include "result.h"

/*
 * Fills @out with median, min, max, mean, sample stddev (n-1), cv and p99 of @x[0..n);
 * @x is not modified; n == 0 gives all zeros.
 */
void pb_summarize(const double *x, size_t n, struct pb_summary *out);
/*
 * Adds the robust figures to @out, which must already hold pb_summarize()'s: MAD, Tukey outlier counts, and a percentile-bootstrap 95%
 * confidence interval of the median from @resamples resamples drawn with pb_rng seeded by
 * @seed (deterministic for a given seed, so a result file can be re-derived).
 */
void pb_summarize_robust(const double *x, size_t n, unsigned resamples, uint64_t seed,
			 struct pb_summary *out);
/* Median of @x[0..n) (not modified); 0 for n == 0. */
double pb_median(const double *x, size_t n);

/* A small seeded generator (splitmix64) for resampling and run-order shuffles. */
struct pb_rng {
	uint64_t s;
};
/* Next 64 random bits. */
static inline uint64_t pb_rng_next(struct pb_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
/* Uniform integer in [0, n) (n > 0); the modulo bias is below 2^-40 for the n used here. */
static inline uint64_t pb_rng_below(struct pb_rng *r, uint64_t n)
{
	return pb_rng_next(r) % n;
}

/* The @q-th percentile (0..100) of ascending @sorted[0..n), as numpy.percentile's "linear". */
double pb_percentile(const double *sorted, size_t n, double q);

/*
 * Samples grouped by the process they were measured in (the repetitions of one record from
 * --processes N): the indices of group g are idx[start[g]..start[g + 1]), in sample order.
 */
struct pb_groups {
	size_t *idx, *start;
	size_t n;		/* groups */
	size_t room;		/* n x the largest group: what one pb_groups_draw can fill */
};

/* Groups @n samples by @proc[i] (NULL: all in one group); aborts when out of memory. */
void pb_groups_make(const unsigned *proc, size_t n, struct pb_groups *g);
/* Frees what pb_groups_make allocated. */
void pb_groups_free(struct pb_groups *g);
/*
 * One two-level bootstrap resample of @v: g->n groups drawn with replacement, then as many
 * samples as each drawn group has, drawn with replacement within it, into @buf (g->room
 * doubles). Returns the resample's median.
 */
double pb_groups_draw_median(const double *v, const struct pb_groups *g, struct pb_rng *rng,
			     double *buf);
/*
 * How far apart the processes are: (max - min) / median of the per-process medians of
 * @v[0..n) (@proc[i]: the process of sample i; NULL: one). 0 for fewer than two processes.
 */
double pb_process_spread(const double *v, const unsigned *proc, size_t n);
/*
 * The percentile-bootstrap 95% interval of the median of @v[0..n) when its samples come
 * from several processes: @resamples two-level resamples (pb_groups_draw_median) from
 * pb_rng seeded with @seed, so the spread between processes widens it.
 */
void pb_median_ci_hier(const double *v, const unsigned *proc, size_t n, unsigned resamples,
		       uint64_t seed, double *lo, double *hi);

#endif
