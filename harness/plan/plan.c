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
	plan->processes = 1;
	plan->nbatches = 100;
	plan->baselines = true;
	plan->ncpus = 0;
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

/* The workload's buffers held at once against what backend @o can lend (both may not know). */
static int check_capacity(const struct pb_plan *plan, const struct pb_alloc_ops *o,
			  struct pb_err *err)
{
	char held_why[64], cap_why[128];
	uint64_t held, cap;

	if (!plan->wl->bufs_held || !o->capacity)
		return 0;
	/* bufs_held reads the workload's keys: they must be valid first (--alloc all comes here early). */
	if (pb_params_check(&plan->params, plan->wl->params, err))
		return -1;
	held = plan->wl->bufs_held(&plan->params, held_why, sizeof(held_why));
	cap = o->capacity(&plan->params, cap_why, sizeof(cap_why));
	if (held > cap)
		return pb_err_set(err, "--workload %s %s holds %llu buffers at once, but backend %s lends at most %llu (%s)",
				  plan->wl->name, held_why, (unsigned long long)held, o->name,
				  (unsigned long long)cap, cap_why);
	return 0;
}

int pb_plan_backend_fits(const struct pb_plan *plan, const struct pb_alloc_ops *o,
			 struct pb_err *err)
{
	if (o->absent)
		return pb_err_set(err, "--alloc %s: not available in this build: %s", o->name,
				  o->absent);
	if (pb_alloc_check_params(o, &plan->params, err))
		return -1;
	if (plan->wl->concurrent && o->one_context)
		return pb_err_set(err, "--workload %s frees on another CPU; backend '%s' serves one context only",
				  plan->wl->name, o->name);
	if (plan->wl->page_refs && o->no_page_refs)
		return pb_err_set(err, "--workload %s takes extra page references; backend '%s' has none",
				  plan->wl->name, o->name);
	if (o->raw_pairs && !plan->wl->raw_pairs)
		return pb_err_set(err, "--workload %s: backend '%s' is its library's own alloc+free loop (a raw row), which only alloc-free runs",
				  plan->wl->name, o->name);
	return check_capacity(plan, o, err);
}

int pb_plan_drop_unfit(struct pb_plan *plan, char *skipped, size_t len, struct pb_err *err)
{
	unsigned kept = 0;
	size_t off = 0;

	skipped[0] = '\0';
	if (!plan->alloc_all)
		return 0;
	for (unsigned i = 0; i < plan->nallocs; i++) {
		const struct pb_alloc_ops *o = plan->allocs[i];
		struct pb_err why;

		if (!pb_plan_backend_fits(plan, o, &why)) {
			plan->allocs[kept++] = o;
			continue;
		}
		if (off < len) {
			int w = snprintf(skipped + off, len - off, "%s: %s\n", o->name, why.msg);

			off += w > 0 ? (size_t)w : 0;
		}
	}
	for (unsigned i = kept; i < plan->nallocs; i++)
		plan->allocs[i] = NULL;	/* plans compare bytewise */
	plan->nallocs = kept;
	/* Done: the plan now names its backends, and pb_plan_check checks them as named. */
	plan->alloc_all = false;
	if (!kept)
		return pb_err_set(err, "--alloc all: no backend can run workload %s (%.*s)",
				  plan->wl->name, (int)strcspn(skipped, "\n"), skipped);
	return 0;
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
	if (plan->wl->check && plan->wl->check(&plan->params, err))
		return -1;
	for (unsigned i = 0; i < plan->nallocs; i++)
		if (pb_plan_backend_fits(plan, plan->allocs[i], err))
			return -1;
	/* A count of a thread spinning on the other CPU measures the scheduler, not an allocator. */
	if (plan->metric_instructions && plan->wl->concurrent)
		return pb_err_set(err, "--metric instructions: workload %s spins on the other CPU, so its instruction counts measure waiting; use --metric time",
				  plan->wl->name);
	if (plan->wl->baseline && plan->nallocs)
		return pb_err_set(err, "--workload %s is a baseline: it takes no --alloc", plan->wl->name);
	if (!plan->wl->baseline && !plan->nallocs)
		return pb_err_set(err, "--workload %s needs at least one --alloc", plan->wl->name);
	/* A fixed amount of work is replayed whole: there is no count to choose. */
	if (plan->wl->work_size && plan->ops)
		return pb_err_set(err, "--ops: workload %s replays a fixed amount of work; it takes no --ops",
				  plan->wl->name);
	{
		int want[PB_MAX_THREADS];

		if (pb_plan_cpu_want(plan, want, err))
			return -1;
	}
	return 0;
}

/* One "A" or "role=A" item of --cpus, @len characters at @p, into @pick. */
static int parse_pick(const char *v, const char *p, size_t len, struct pb_cpu_pick *pick,
		      struct pb_err *err)
{
	const char *eq = memchr(p, '=', len), *num = eq ? eq + 1 : p;
	size_t rlen = eq ? (size_t)(eq - p) : 0;
	char buf[16];
	size_t nlen = len - (size_t)(num - p);
	char *end;
	long x;

	if (eq && (!rlen || rlen >= sizeof(pick->role)))
		return pb_err_set(err, "'%.64s': a role name has 1 to %zu characters", v,
				  sizeof(pick->role) - 1);
	if (!nlen || nlen >= sizeof(buf) || *num < '0' || *num > '9')
		return pb_err_set(err, "'%.64s': expected CPU numbers 'A,B,...' or 'role=A,role=B,...'", v);
	memcpy(buf, num, nlen);
	buf[nlen] = '\0';
	errno = 0;
	x = strtol(buf, &end, 10);
	if (*end || errno || x < 0 || x > 4095)
		return pb_err_set(err, "'%.64s': expected CPU numbers 'A,B,...' or 'role=A,role=B,...' (0..4095)", v);
	memcpy(pick->role, p, rlen);
	pick->role[rlen] = '\0';
	pick->cpu = (int)x;
	return 0;
}

int pb_plan_parse_cpus(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	struct pb_cpu_pick picks[PB_MAX_THREADS] = { 0 };	/* zeroed: plans compare bytewise */
	unsigned n = 0, named = 0;
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (n == PB_MAX_THREADS)
			return pb_err_set(err, "'%.64s': more than %d CPUs", v, PB_MAX_THREADS);
		if (parse_pick(v, p, len, &picks[n], err))
			return -1;
		if (picks[n].role[0]) {
			named++;
			for (unsigned i = 0; i < n; i++)
				if (!strcmp(picks[i].role, picks[n].role))
					return pb_err_set(err, "'%.64s': role '%s' given twice", v,
							  picks[n].role);
		}
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (named && named != n)
		return pb_err_set(err, "'%.64s': give every CPU by position or every one by role, not both", v);
	memcpy(plan->cpus, picks, n * sizeof(picks[0]));
	plan->ncpus = n;
	return 0;
}

/* "alloc, free" into @buf: the names --cpus role=N takes for @wl. */
static void role_list(const struct pb_workload *wl, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned t = 0; t < wl->nthreads && wl->tracks[t]; t++) {
		int w = snprintf(buf + off, len - off, "%s%s", t ? ", " : "", wl->tracks[t]);

		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
	}
}

int pb_plan_cpu_want(const struct pb_plan *plan, int want[PB_MAX_THREADS], struct pb_err *err)
{
	const struct pb_workload *wl = plan->wl;
	char roles[160];

	for (unsigned t = 0; t < PB_MAX_THREADS; t++)
		want[t] = -1;
	if (plan->ncpus > wl->nthreads)
		return pb_err_set(err, "--cpus: %u CPUs given, but workload %s has %u thread%s",
				  plan->ncpus, wl->name, wl->nthreads, wl->nthreads == 1 ? "" : "s");
	for (unsigned i = 0; i < plan->ncpus; i++) {
		const struct pb_cpu_pick *p = &plan->cpus[i];
		int t = p->role[0] ? pb_workload_role(wl, p->role) : (int)i;

		if (t < 0) {
			role_list(wl, roles, sizeof(roles));
			if (!roles[0])
				return pb_err_set(err, "--cpus %s=%d: workload %s has one unnamed thread: give its CPU by number",
						  p->role, p->cpu, wl->name);
			return pb_err_set(err, "--cpus %s=%d: workload %s has no thread '%s' (its threads: %s)",
					  p->role, p->cpu, wl->name, p->role, roles);
		}
		want[t] = p->cpu;
	}
	return 0;
}
