/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A/B comparison of two result files (Google Benchmark's compare.py, asv's continuous):
 * per benchmark present in both, the medians with their spread, the change, a Mann-Whitney
 * U p-value over the repetition samples, and a verdict that needs BOTH significance and a
 * practical threshold before it calls anything faster or slower.
 */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include "params.h"
#include "result.h"

enum pb_verdict { PB_SAME, PB_FASTER, PB_SLOWER, PB_UNSTABLE, PB_BASELINE };

struct pb_compare_opts {
	double threshold;	/* practical threshold, a fraction (0.03 = 3%) */
	double alpha;		/* significance level of the U test */
	bool instructions;	/* compare instructions per op (PMU counter) instead of cycles */
	double unstable_cv;	/* instructions: a side whose CV exceeds this is unstable */
};

struct pb_compare_row {
	char name[512];
	double old_median, new_median;	/* of the chosen metric */
	double old_spread, new_spread;	/* MAD / median, as a fraction */
	unsigned old_n, new_n;		/* samples */
	double change;			/* new / old - 1, as measured */
	double net;			/* the change net of the machine's drift (see drift) */
	bool baseline;			/* a machine baseline: shown, measures drift, never gates */
	double p;			/* Mann-Whitney two-sided p-value */
	bool old_unstable, new_unstable;
	enum pb_verdict verdict;
};

struct pb_compare {
	struct pb_compare_row *rows;
	size_t nrows;
	size_t only_old, only_new;	/* benchmarks without a partner */
	size_t skipped;			/* matched, but without samples of the metric on a side */
	size_t dropped;			/* null samples left out */
	double geomean_ratio;		/* geometric mean of new/old medians over backend rows, net */
	double drift;			/* time metric: geometric mean new/old of the baselines, else 1 */
	bool few_samples;		/* some row has fewer than 9 samples on a side */
};

/* The default options: threshold 3%, alpha 0.05, cycles, unstable above 5% CV. */
void pb_compare_opts_init(struct pb_compare_opts *o);
/*
 * Compares two result sets (pb_results_load). In the time metric, how much
 * the machine itself changed speed between the two runs is read off the baselines both files
 * carry (for-loop, atomic-inc, spin-lock), and backend changes are judged net of it. -1 +
 * @err when the metric is missing, when timings were taken under valgrind, or when no
 * backend benchmark is in both files; @oldname/@newname name the files.
 */
int pb_compare(const struct pb_result_set *old_doc, const char *oldname,
	       const struct pb_result_set *new_doc, const char *newname,
	       const struct pb_compare_opts *o, struct pb_compare *out, struct pb_err *err);
/* Frees what pb_compare allocated. */
void pb_compare_free(struct pb_compare *c);
/* The verdict's word: "same", "faster", "slower", "unstable". */
const char *pb_verdict_name(enum pb_verdict v);
/* Prints the comparison table, the geometric-mean row and any notes. */
void pb_compare_print(FILE *f, const struct pb_compare *c, const struct pb_compare_opts *o);

#endif
