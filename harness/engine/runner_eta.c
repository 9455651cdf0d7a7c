// SPDX-License-Identifier: GPL-2.0-only
/* The run's remaining-time estimate: see runner_eta.h. */
#include <stdlib.h>
#include "runner_eta.h"

int pb_eta_init(struct pb_eta *e, unsigned n, unsigned runs_each)
{
	e->n = n;
	e->last = calloc(n ? n : 1, sizeof(*e->last));
	e->left = calloc(n ? n : 1, sizeof(*e->left));
	if (!e->last || !e->left) {
		pb_eta_free(e);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		e->last[i] = -1;
		e->left[i] = runs_each;
	}
	return 0;
}

void pb_eta_free(struct pb_eta *e)
{
	free(e->last);
	free(e->left);
	e->last = NULL;
	e->left = NULL;
	e->n = 0;
}

void pb_eta_record(struct pb_eta *e, unsigned i, double seconds)
{
	if (i >= e->n)
		return;
	e->last[i] = seconds > 0 ? seconds : 0;
	if (e->left[i])
		e->left[i]--;
}

double pb_eta_left(const struct pb_eta *e)
{
	double known = 0, left = 0;
	unsigned nknown = 0, unknown_runs = 0;

	for (unsigned i = 0; i < e->n; i++) {
		if (e->last[i] < 0) {
			unknown_runs += e->left[i];
			continue;
		}
		known += e->last[i];
		nknown++;
		left += e->last[i] * e->left[i];
	}
	if (!nknown)
		return -1;
	return left + known / nknown * unknown_runs;
}
