// SPDX-License-Identifier: GPL-2.0-only
/* The runner's arithmetic; see runner_math.h. tests/test_runner.c holds it to golden figures. */
#include <math.h>
#include <stdlib.h>
#include "runner_math.h"

double pb_rm_batch_net(uint64_t cycles, uint64_t wait, double timer_overhead)
{
	/* Time spent waiting on another thread is that thread's cost. */
	double c = (double)cycles - timer_overhead - (double)wait;

	return c < 0 ? 0 : c;
}

double pb_rm_per_op(double cycles, double ops, double loop_overhead)
{
	double v = cycles / ops - loop_overhead;

	return v > 0 ? v : 0;
}

double pb_rm_track_rep(const uint64_t *cycles, const uint64_t *ops, const uint64_t *wait,
		       unsigned n, double timer_overhead, double loop_overhead,
		       double *batch_out, uint64_t *ops_out)
{
	double sum = 0, nops = 0;

	for (unsigned b = 0; b < n; b++) {
		double c = pb_rm_batch_net(cycles[b], wait ? wait[b] : 0, timer_overhead);

		sum += c;
		nops += (double)ops[b];
		batch_out[b] = pb_rm_per_op(c, (double)ops[b], loop_overhead);
	}
	*ops_out = (uint64_t)nops;
	return nops ? pb_rm_per_op(sum, nops, loop_overhead) : 0;
}

uint64_t pb_rm_shortest(const struct pb_wl_track *tr, unsigned n)
{
	uint64_t shortest = UINT64_MAX;

	for (unsigned t = 0; t < n; t++)
		for (unsigned b = 0; b < tr[t].nbatches; b++) {
			uint64_t net = tr[t].batch_cycles[b] - (tr[t].batch_wait ? tr[t].batch_wait[b] : 0);

			if (net < shortest)
				shortest = net;
		}
	return shortest;
}

bool pb_rm_warm_grow(uint64_t shortest, double min_cycles, unsigned tries, uint64_t ops,
		     bool fixed)
{
	return !((double)shortest >= min_cycles || fixed || tries == PB_WARM_MAX_TRIES ||
		 ops >= PB_WARM_MAX_OPS);
}

uint64_t pb_rm_windows(uint64_t work, uint64_t window)
{
	return work / window + (work % window != 0);
}

void pb_rm_shuffle(struct pb_rng *rng, unsigned *order, unsigned n)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)pb_rng_below(rng, i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
}

double pb_rm_loop_overhead(const uint64_t *cycles, const uint64_t *ops, unsigned n,
			   double timer_overhead)
{
	double *per;
	double m;

	if (!n)
		return 0;
	per = malloc(n * sizeof(*per));
	if (!per)
		abort();
	for (unsigned b = 0; b < n; b++)
		per[b] = ((double)cycles[b] - timer_overhead) / (double)ops[b];
	m = fmax(0, pb_median(per, n));
	free(per);
	return m;
}
