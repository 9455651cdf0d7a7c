// SPDX-License-Identifier: GPL-2.0-only
/* Plan defaults and validation: everything about a plan that can be wrong before it runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runner.h"

void pb_plan_init(struct pb_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	plan->reps = 9;
	plan->nbatches = 100;
	plan->baselines = true;
	plan->cpus[0] = plan->cpus[1] = -1;
	plan->seed = 1;
	plan->cv_max = 0.05;
	plan->min_batch_ns = 20000;
	snprintf(plan->events, sizeof(plan->events), "default");
}

static bool key_taken(const struct pb_plan *plan, const char *key)
{
	if (pb_param_find(pb_mem_params, key) || pb_param_find(plan->wl->params, key))
		return true;
	for (unsigned i = 0; i < plan->nallocs; i++)
		if (pb_param_find(plan->allocs[i]->params, key))
			return true;
	return false;
}

int pb_plan_check(const struct pb_plan *plan, struct pb_err *err)
{
	for (unsigned i = 0; i < plan->params.n; i++) {
		const char *key = plan->params.kv[i].key;

		if (!key_taken(plan, key))
			return pb_err_set(err, "--set %s=%s: no chosen backend or workload '%s' takes '%s' (see pagebench list)",
					  key, plan->params.kv[i].value, plan->wl->name, key);
	}
	if (pb_params_check(&plan->params, plan->wl->params, err))
		return -1;
	for (unsigned i = 0; i < plan->nallocs; i++) {
		if (pb_alloc_check_params(plan->allocs[i], &plan->params, err))
			return -1;
		if (plan->wl->concurrent && plan->allocs[i]->one_context)
			return pb_err_set(err, "--workload %s frees on another CPU; backend '%s' serves one context only",
					  plan->wl->name, plan->allocs[i]->name);
		if (plan->wl->page_refs && plan->allocs[i]->no_page_refs)
			return pb_err_set(err, "--workload %s takes extra page references; backend '%s' has none",
					  plan->wl->name, plan->allocs[i]->name);
		if (plan->allocs[i]->absent)
			return pb_err_set(err, "--alloc %s: not available in this build: %s",
					  plan->allocs[i]->name, plan->allocs[i]->absent);
	}
	/* A count of a thread spinning on the other CPU measures the scheduler, not an allocator. */
	if (plan->metric_instructions && plan->wl->concurrent)
		return pb_err_set(err, "--metric instructions: workload %s spins on the other CPU, so its instruction counts measure waiting; use --metric time",
				  plan->wl->name);
	if (plan->wl->baseline && plan->nallocs)
		return pb_err_set(err, "--workload %s is a baseline: it takes no --alloc", plan->wl->name);
	if (!plan->wl->baseline && !plan->nallocs)
		return pb_err_set(err, "--workload %s needs at least one --alloc", plan->wl->name);
	return 0;
}

int pb_plan_parse_cpus(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	char *end;
	long a, b = -1;

	errno = 0;
	a = strtol(v, &end, 10);
	if (*end == ',') {
		if (end[1] < '0' || end[1] > '9')
			return pb_err_set(err, "'%.64s': expected CPU numbers 'A' or 'A,B'", v);
		b = strtol(end + 1, &end, 10);
	}
	if (*v < '0' || *v > '9' || *end || errno || a < 0 || a > 4095 || b < -1 || b > 4095)
		return pb_err_set(err, "'%.64s': expected CPU numbers 'A' or 'A,B'", v);
	plan->cpus[0] = (int)a;
	plan->cpus[1] = (int)b;
	return 0;
}
