/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A/B comparison of two result sets (Google Benchmark's compare.py, asv's continuous): per
 * benchmark present in both, the medians with their spread, the change with its confidence
 * interval, a Mann-Whitney U p-value over the repetition samples, and a verdict that cannot
 * say more than the samples can:
 *
 *   inconclusive  the U test cannot reach p < alpha with so few samples, whatever they are
 *   slower/faster p < alpha, |change| above the threshold, and the interval of the change
 *                 wholly on that side of zero
 *   unstable      significant, but the interval crosses zero (the processes disagree); or
 *                 with opts.drift, the machine's drift could explain the change (the drift
 *                 can stop a verdict, never make one); or not significant with a side too
 *                 noisy for that to mean "same"
 *   same          otherwise
 *
 * The interval is Hodges-Lehmann/Moses when each side is one process, and a hierarchical
 * bootstrap (processes, then repetitions within them) when a side has several, so that the
 * spread between processes, which repetitions inside one cannot show, decides as well.
 *
 * Drift, per job: a job's baselines (run interleaved with its backends) give the machine's
 * change of speed between the files while that job ran, with an interval that resamples
 * baselines, processes and repetitions. Only baselines measured in the same job, in both
 * files, correct a row: a config job with `baselines = off` ran at another time than the job
 * that measured them, so its rows get no drift at all (raw only, and the table says so).
 * Every row of a job with baselines shows its change net of that job's drift. With
 * opts.drift it takes part in verdicts: when its interval is within the threshold it is
 * divided out and the net change must earn the same verdict as the raw one; when wider, the
 * raw change's interval must be clear of the drift's interval.
 */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include "params.h"
#include "result.h"

enum pb_verdict { PB_SAME, PB_FASTER, PB_SLOWER, PB_UNSTABLE, PB_BASELINE, PB_INCONCLUSIVE };

/* Why a row is unstable. */
enum pb_unstable_why { PB_WHY_NONE, PB_WHY_NOISE, PB_WHY_INTERVAL, PB_WHY_DRIFT };

struct pb_compare_opts {
	double threshold;	/* practical threshold, a fraction (0.03 = 3%) */
	double alpha;		/* significance level of the U test; the interval is at 1 - alpha */
	bool instructions;	/* compare instructions per op (PMU counter) instead of cycles */
	double unstable_cv;	/* instructions: a side whose CV exceeds this is unstable */
	bool drift;		/* the baselines' drift may stop verdicts (on; --no-drift: off) */
	bool allow_emulated;	/* compare an emulated guest's file with a hardware one */
	bool gate;		/* pb_compare_status: unstable rows fail as well */
};

struct pb_compare_row {
	char name[512];
	double old_median, new_median;	/* of the chosen metric */
	double old_spread, new_spread;	/* MAD / median, as a fraction */
	unsigned old_n, new_n;		/* samples */
	unsigned old_procs, new_procs;	/* processes the samples came from */
	double old_pspread, new_pspread;/* (max - min) / median of the per-process medians; 0: one */
	double change;			/* new / old - 1, as measured */
	double ci_lo, ci_hi;		/* interval of the change, as fractions */
	bool ci_hier;			/* the interval is the hierarchical bootstrap's */
	bool baseline;			/* a machine baseline: shown, measures drift, never gates */
	double p;			/* Mann-Whitney two-sided p-value of the change */
	/* The same net of its job's drift (new samples / drift); = the above when its job has none. */
	double net, net_ci_lo, net_ci_hi, net_p;
	int drift_ix;			/* its job's drift in pb_compare.drifts; -1: none measured there */
	double min_p;			/* the smallest p the test can give with these sample counts */
	bool old_unstable, new_unstable;
	enum pb_verdict verdict;
	enum pb_unstable_why why;	/* when unstable */
};

/* The drift of one job: its own baselines' new/old, measured in both files. */
struct pb_compare_drift {
	char job[64];			/* the config job, "" for a command-line run */
	double drift;			/* geometric mean new/old of the job's baselines */
	double drift_lo, drift_hi;	/* the smallest and largest baseline's new/old */
	double drift_ci_lo, drift_ci_hi;/* the interval of the drift at 1 - alpha */
	unsigned nbaselines;		/* baselines the drift comes from */
	bool narrow;			/* its interval is narrower than the threshold */
	bool applied;			/* opts.drift and narrow: verdicts need the net to agree */
	bool guard;			/* opts.drift and wide: verdicts need their interval clear of it */
};

struct pb_compare {
	struct pb_compare_row *rows;
	size_t nrows;
	size_t only_old, only_new;	/* benchmarks without a partner */
	size_t skipped;			/* matched, but without samples of the metric on a side */
	size_t dropped;			/* null samples left out */
	double geomean_ratio;		/* geometric mean of new/old over backend rows (net if applied);
					   NaN when every row has a zero median */
	size_t geomean_left_out;	/* backend rows with a zero median: no ratio to average */
	struct pb_compare_drift *drifts;/* time metric: one per job whose baselines both files carry */
	size_t ndrifts;
	size_t undrifted;		/* backend rows of jobs without baselines of their own: raw only */
	/* The first of drifts[] (the only one of a command-line run); 1 and false when none. */
	double drift;
	double drift_lo, drift_hi;
	double drift_ci_lo, drift_ci_hi;
	unsigned nbaselines;
	bool drift_measured;		/* some job's baselines, in both files, have positive figures */
	bool drift_narrow;
	bool drift_applied;
	bool drift_guard;
	bool few_samples;		/* some row has fewer than 9 samples on a side */
	size_t inconclusive;		/* rows that cannot reach significance */
	unsigned fewest;		/* inconclusive rows: the smallest sample count on a side */
	unsigned needed;		/* samples per side the U test needs to reach p < alpha */
};

/* The defaults: threshold 3%, alpha 0.05, cycles, unstable above 5% CV, drift on. */
void pb_compare_opts_init(struct pb_compare_opts *o);
/*
 * Compares two result sets (pb_results_load). In the time metric the machine's change of
 * speed between the runs is read, job by job, off the baselines (for-loop, atomic-inc,
 * spin-lock, call-pair) both files carry in that job, and each change of that job is shown
 * net of it as well (a job without baselines of its own: raw only); with o->drift and a
 * narrow enough drift interval a verdict needs the net change to agree. -1 + @err when
 * the metric is missing, when timings were taken under valgrind, when a file names a
 * benchmark twice, when one file comes from an emulated guest and the other does not
 * (unless o->allow_emulated), or when no backend benchmark is in both; @oldname/@newname
 * name the files.
 */
int pb_compare(const struct pb_result_set *old_doc, const char *oldname,
	       const struct pb_result_set *new_doc, const char *newname,
	       const struct pb_compare_opts *o, struct pb_compare *out, struct pb_err *err);
/* Frees what pb_compare allocated. */
void pb_compare_free(struct pb_compare *c);
/* The verdict's word: "same", "faster", "slower", "unstable", "baseline", "inconclusive". */
const char *pb_verdict_name(enum pb_verdict v);
/* Prints the comparison table, the geometric-mean row and any notes. */
void pb_compare_print(FILE *f, const struct pb_compare *c, const struct pb_compare_opts *o);
/*
 * The exit status a comparison earns: 1 when a row is slower or inconclusive (a regression
 * that could not be ruled out is not a pass), or with o->gate unstable; else 0.
 */
int pb_compare_status(const struct pb_compare *c, const struct pb_compare_opts *o);

#endif
