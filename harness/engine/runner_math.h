/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runner's arithmetic, apart from its threads and timers so tests can feed it golden
 * inputs: overhead and wait subtraction, the warm-up growth rule, fixed-work windows, the
 * run-order shuffle and the empty-loop estimate.
 */
#ifndef PB_RUNNER_MATH_H
#define PB_RUNNER_MATH_H

#include "summary.h"
#include "workload.h"

/* Most warm-up passes that double the operation count (then the record carries a warning). */
#define PB_WARM_MAX_TRIES 16
/* No warm-up grows a loop workload beyond this many operations per repetition. */
#define PB_WARM_MAX_OPS (1ull << 36)

/* A batch's cycles less the empty timed region and the cycles it waited; never negative. */
double pb_rm_batch_net(uint64_t cycles, uint64_t wait, double timer_overhead);
/* Cycles per op of a region of @cycles over @ops less the empty-loop cost per op; >= 0. */
double pb_rm_per_op(double cycles, double ops, double loop_overhead);
/*
 * One track of one repetition: @batch_out[b] gets batch b's net cycles per op; returns the
 * repetition's net cycles per op (0 when no op) and sets *@ops_out to its operations.
 */
double pb_rm_track_rep(const uint64_t *cycles, const uint64_t *ops, const uint64_t *wait,
		       unsigned n, double timer_overhead, double loop_overhead,
		       double *batch_out, uint64_t *ops_out);
/* The shortest batch of @n tracks, net of waiting (not of the timer); UINT64_MAX if none. */
uint64_t pb_rm_shortest(const struct pb_wl_track *tr, unsigned n);
/*
 * The warm-up rule after pass @tries (0 first): true when the operation count is to double
 * and the warm-up repeat -- the shortest batch is under @min_cycles, the count is not fixed
 * (@fixed: given by the user, a fixed-work workload, or callgrind), and neither the pass nor
 * the operation limit is reached.
 */
bool pb_rm_warm_grow(uint64_t shortest, double min_cycles, unsigned tries, uint64_t ops,
		     bool fixed);
/* Timed windows a fixed work of @work events needs at @window events each (ceiling). */
uint64_t pb_rm_windows(uint64_t work, uint64_t window);
/* One repetition's run order: a Fisher-Yates shuffle of @order[0..n) drawn from @rng. */
void pb_rm_shuffle(struct pb_rng *rng, unsigned *order, unsigned n);
/*
 * Cycles of one empty loop iteration from @n for-loop batches: the median over batches of
 * (cycles - timer overhead) / ops, never negative; 0 when n == 0.
 */
double pb_rm_loop_overhead(const uint64_t *cycles, const uint64_t *ops, unsigned n,
			   double timer_overhead);

#endif
