/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Seconds left in a run, from the runs already done. The instances of a run cost very
 * different amounts (a page-allocator backend against a for-loop baseline) and the warm-ups
 * come first, so a rate since the start would be wrong both ways: each instance's latest run
 * is multiplied by the runs it still has, and an instance not yet run is counted at the mean
 * of those that have. Once every instance has run once (the warm-ups: the first tenth of a
 * run at 9 repetitions) the estimate follows the actual costs.
 */
#ifndef PB_RUNNER_ETA_H
#define PB_RUNNER_ETA_H

struct pb_eta {
	unsigned n;		/* instances */
	double *last;		/* [n] seconds of its latest run; negative: none yet */
	unsigned *left;		/* [n] runs it still has */
};

/* @n instances of @runs_each runs each (a warm-up and the repetitions); -1 when out of memory. */
int pb_eta_init(struct pb_eta *e, unsigned n, unsigned runs_each);
/* Frees what pb_eta_init allocated. */
void pb_eta_free(struct pb_eta *e);
/* Instance @i finished one of its runs, which took @seconds (a warm-up: its last pass). */
void pb_eta_record(struct pb_eta *e, unsigned i, double seconds);
/* The seconds the runs left will take; negative before any run is known. */
double pb_eta_left(const struct pb_eta *e);

#endif
