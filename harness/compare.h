/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A/B comparison of two result files (Google Benchmark's compare.py, asv's continuous):
 * per benchmark present in both, the medians with their spread, the change, a Mann-Whitney
 * U p-value over the repetition samples, and a verdict that needs BOTH significance and a
 * practical threshold before it calls anything faster or slower.
 */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "params.h"

enum pb_verdict { PB_SAME, PB_FASTER, PB_SLOWER, PB_UNSTABLE };

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
	double change;			/* new / old - 1 */
	double p;			/* Mann-Whitney two-sided p-value */
	bool old_unstable, new_unstable;
	enum pb_verdict verdict;
};

struct pb_compare {
	struct pb_compare_row *rows;
	size_t nrows;
	size_t only_old, only_new;	/* benchmarks without a partner */
	double geomean_ratio;		/* geometric mean of new/old medians over rows */
	bool few_samples;		/* some row has fewer than 9 samples on a side */
};

/* The default options: threshold 3%, alpha 0.05, cycles, unstable above 5% CV. */
void pb_compare_opts_init(struct pb_compare_opts *o);
/*
 * Compares two validated result documents (pb_results_read). -1 + @err when the metric is
 * missing from a benchmark or no benchmark is in both files; @oldname/@newname name them.
 */
int pb_compare(json_t *old_doc, const char *oldname, json_t *new_doc, const char *newname,
	       const struct pb_compare_opts *o, struct pb_compare *out, struct pb_err *err);
/* Frees what pb_compare allocated. */
void pb_compare_free(struct pb_compare *c);
/* The verdict's word: "same", "faster", "slower", "unstable". */
const char *pb_verdict_name(enum pb_verdict v);
/* Prints the comparison table, the geometric-mean row and any notes. */
void pb_compare_print(FILE *f, const struct pb_compare *c, const struct pb_compare_opts *o);

#endif
