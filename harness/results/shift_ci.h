/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How big a change is, with its uncertainty, and whether the samples could ever show one.
 * The Mann-Whitney U test says whether two sample sets differ; these say by how much
 * (Hodges-Lehmann: the median of all pairwise ratios, with the distribution-free Moses
 * interval that inverts the same U test) and what the smallest p-value is that the test can
 * reach with so few samples, so that "not significant" is never read as "no change" when
 * significance was out of reach.
 */
#ifndef PB_SHIFT_CI_H
#define PB_SHIFT_CI_H

#include <stddef.h>
#include <stdint.h>

/*
 * The smallest two-sided p-value pb_mann_whitney(.., method 0, ..) can return for samples of
 * @nx and @ny values without ties: one sample wholly below the other.
 */
double pb_mw_min_p(size_t nx, size_t ny);
/* The smallest n for which two samples of n values each can reach p < @alpha. */
unsigned pb_mw_samples_needed(double alpha);

struct pb_shift {
	double ratio;	/* Hodges-Lehmann estimate of new/old: exp(median of log(new) - log(old)) */
	double lo, hi;	/* Moses confidence interval of that ratio */
	double level;	/* the coverage actually achieved (U is discrete; may be below the asked) */
};

/*
 * The ratio new/old between @old[0..no) and @new[0..nn) and its confidence interval at
 * @conf (0.95). 0, or -1 when a sample is empty or holds a value that is not positive.
 */
int pb_shift_ratio(const double *old, size_t no, const double *new_, size_t nn, double conf,
		   struct pb_shift *out);

/*
 * The ratio median(new)/median(old) with a percentile-bootstrap interval at @conf that
 * resamples at both levels the data has: processes with replacement, then repetitions
 * with replacement within each drawn process (@old_proc[i] / @new_proc[j] name the process
 * of each sample; NULL: one process). Between-process variance thus widens the interval,
 * which repetitions of one process cannot show. @resamples draws from pb_rng seeded with
 * @seed: deterministic. 0, or -1 when a sample is empty or holds a value that is not positive.
 */
int pb_shift_hier(const double *old, const unsigned *old_proc, size_t no, const double *new_,
		  const unsigned *new_proc, size_t nn, double conf, unsigned resamples,
		  uint64_t seed, struct pb_shift *out);

/* One sample pair for pb_shift_geomean_hier: a benchmark's old and new samples, as above. */
struct pb_shift_pair {
	const double *old;
	const unsigned *old_proc;
	size_t no;
	const double *new_;
	const unsigned *new_proc;
	size_t nn;
};

/*
 * The geometric mean over @np benchmarks of median(new)/median(old) -- the machine's drift
 * when they are its baselines -- with a percentile-bootstrap interval at @conf drawn at
 * three levels: benchmarks with replacement (baselines that disagree widen it), then
 * processes, then repetitions within them (as pb_shift_hier). Deterministic for @seed.
 * 0, or -1 when @np is 0 or a sample is empty or holds a value that is not positive.
 */
int pb_shift_geomean_hier(const struct pb_shift_pair *pairs, size_t np, double conf,
			  unsigned resamples, uint64_t seed, struct pb_shift *out);

#endif
