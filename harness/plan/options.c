// SPDX-License-Identifier: GPL-2.0-only
/* The plan option table and its setters: the one place an option's value is understood. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "options.h"
#include "replay.h"

/*
 * Numbers, on/off and word choices go through pb_param_parse, so an option takes what a
 * parameter takes (k/m/g suffixes included). Its message leads with "key=value: ", but the
 * front end names the option here: lead with the quoted value instead.
 */
static int parse_value(const struct pb_param_spec *s, const char *v, uint64_t *out,
		       struct pb_err *err)
{
	size_t klen = strlen(s->key), vlen = strlen(v);
	struct pb_err why;
	const char *m = why.msg;

	if (!pb_param_parse(s, v, out, &why))
		return 0;
	if (!strncmp(m, s->key, klen) && m[klen] == '=' && !strncmp(m + klen + 1, v, vlen) &&
	    !strncmp(m + klen + 1 + vlen, ": ", 2))
		return pb_err_set(err, "'%.64s': %s", v, m + klen + vlen + 3);
	return pb_err_set(err, "%s", why.msg);
}

static int parse_count(const char *v, uint64_t min, uint64_t max, uint64_t *out, struct pb_err *err)
{
	const struct pb_param_spec s = { .key = "n", .type = PB_PARAM_UINT, .min = min, .max = max };

	return parse_value(&s, v, out, err);
}

static int parse_bool(const char *v, bool *out, struct pb_err *err)
{
	const struct pb_param_spec s = { .key = "b", .type = PB_PARAM_BOOL };
	uint64_t x;

	if (parse_value(&s, v, &x, err))
		return -1;
	*out = x;
	return 0;
}

static int set_alloc(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	const struct pb_alloc_ops *allocs[PB_MAX_ALLOCS];
	char buf[512], *tok, *next;
	unsigned n = 0;

	if (!strcmp(v, "all")) {
		/*
		 * Every registered backend for now: which of them can run the workload is known
		 * once the whole plan is (pb_plan_drop_unfit), and those dropped are listed.
		 */
		n = 0;
		for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o && n < PB_MAX_ALLOCS; o++)
			plan->allocs[n++] = *o;
		plan->nallocs = n;
		plan->alloc_all = true;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		return pb_err_set(err, "list too long");
	strcpy(buf, v);
	for (tok = buf; tok; tok = next) {
		const struct pb_alloc_ops *o;
		char *end;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		/* "buddy, ptr_ring_pool" reads naturally in a file (and quoted on a command line). */
		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*tok)
			return pb_err_set(err, "'%.64s': empty backend name in the list", v);
		o = pb_alloc_find(tok);
		if (!o)
			return pb_err_set(err, "unknown backend '%.64s' (see pagebench list)", tok);
		for (unsigned i = 0; i < n; i++)
			if (allocs[i] == o)
				return pb_err_set(err, "'%s' given twice", tok);
		if (n == PB_MAX_ALLOCS)
			return pb_err_set(err, "more than %d backends", PB_MAX_ALLOCS);
		allocs[n++] = o;
	}
	/* A later alloc replaces an earlier one: [global]'s list, or a repeated --alloc. */
	memcpy(plan->allocs, allocs, n * sizeof(allocs[0]));
	plan->nallocs = n;
	plan->alloc_all = false;
	return 0;
}

static int set_workload(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	/* A trace replay's threads are the trace's CPUs: its workload is made from the trace. */
	const struct pb_workload *wl = pb_replay_claims(v) ? pb_replay_resolve(v, &plan->params, err)
							   : pb_workload_find(v);

	if (!wl)
		return pb_replay_claims(v) ? -1 : pb_err_set(err, "unknown workload '%.64s' (see pagebench list)", v);
	plan->wl = wl;
	return 0;
}

/*
 * Checked against the chosen backends and workload once they are all known. A key given
 * twice is refused, as a config file refuses it: which of the two was meant is a guess.
 */
static int set_param(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	size_t klen = strcspn(v, "=");
	char key[sizeof(plan->params.kv[0].key)];
	const char *prev;

	if (v[klen] == '=' && klen && klen < sizeof(key)) {
		memcpy(key, v, klen);
		key[klen] = '\0';
		prev = pb_params_raw(&plan->params, key);
		if (prev)
			return pb_err_set(err, "'%.64s': %s given twice (first %s=%.64s)", v, key, key,
					  prev);
	}
	if (pb_params_add(&plan->params, v, err))
		return -1;
	/* A generator's CPUs follow its keys (sock_cpu=same is one CPU): made again with them. */
	if (plan->wl && pb_replay_generated(plan->wl)) {
		const struct pb_workload *wl = pb_replay_resolve(plan->wl->name, &plan->params, err);

		if (!wl)
			return -1;
		plan->wl = wl;
	}
	return 0;
}

static int set_reps(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	uint64_t x;

	if (parse_count(v, 1, 1000, &x, err))
		return -1;
	plan->reps = (unsigned)x;
	return 0;
}

/* More than a few dozen processes is a mistake (each repeats the whole run). */
static int set_processes(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	uint64_t x;

	if (parse_count(v, 1, 64, &x, err))
		return -1;
	plan->processes = (unsigned)x;
	return 0;
}

static int set_ops(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	return parse_count(v, 1, 1ull << 40, &plan->ops, err);
}

static int set_batches(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	uint64_t x;

	if (parse_count(v, 1, 100000, &x, err))
		return -1;
	plan->nbatches = (unsigned)x;
	return 0;
}

static int set_cpus(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	return pb_plan_parse_cpus(plan, v, err);
}

static int set_allow_shared_cpus(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	return parse_bool(v, &plan->allow_shared_cpus, err);
}

static int set_baselines(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	return parse_bool(v, &plan->baselines, err);
}

static int set_seed(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	return parse_count(v, 0, UINT64_MAX, &plan->seed, err);
}

static int set_events(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	if (!*v)
		return pb_err_set(err, "'': no events (none for no counters)");
	if (strlen(v) >= sizeof(plan->events))
		return pb_err_set(err, "list too long");
	snprintf(plan->events, sizeof(plan->events), "%s", strcmp(v, "none") ? v : "");
	return 0;
}

static int set_metric(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	const struct pb_param_spec s = { .key = "metric", .type = PB_PARAM_ENUM,
					 .choices = "time|instructions" };
	uint64_t x;

	if (parse_value(&s, v, &x, err))
		return -1;
	plan->metric_instructions = x == 1;
	return 0;
}

/* A percentage: 5 flags a row whose CV exceeds 5%. */
static int set_unstable_cv(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	uint64_t x;

	if (parse_count(v, 0, 1000, &x, err))
		return -1;
	plan->cv_max = (double)x / 100;
	return 0;
}

/* --mem-node N: node=N for every backend and the workload (the arenas, the pools, the rings). */
static int set_mem_node(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	char kv[32];
	uint64_t x;

	if (parse_count(v, 0, 255, &x, err))
		return -1;
	snprintf(kv, sizeof(kv), "node=%llu", (unsigned long long)x);
	return set_param(plan, kv, err);
}

static int set_min_batch_us(struct pb_plan *plan, const char *v, struct pb_err *err)
{
	uint64_t x;

	if (parse_count(v, 0, 1000000, &x, err))
		return -1;
	plan->min_batch_ns = x * 1000;
	return 0;
}

const struct pb_option pb_options[] = {
	{ "alloc", "alloc", 'a', NULL, "LIST", set_alloc,
	  "backends to compare, comma-separated (ratios are to the first), or 'all':\n"
	  "every backend that can run the workload, the others listed with the reason" },
	{ "workload", "workload", 'w', NULL, "W", set_workload,
	  "workload to run (pagebench list)" },
	{ "set", NULL, 's', NULL, "KEY=VALUE", set_param,
	  "parameter for the backends, the workload or the memory model; repeatable\n"
	  "(in a config file: KEY = VALUE)" },
	{ "reps", "reps", 'r', NULL, "N", set_reps,
	  "measured repetitions per backend (default 9), after one warm-up" },
	{ "processes", "processes", 0, NULL, "N", set_processes,
	  "run everything in N separate processes, one after another, each doing\n"
	  "--reps repetitions (default 1): compare sees the spread between processes" },
	{ "ops", "ops", 0, NULL, "N", set_ops,
	  "operations (pages) per repetition (default: the workload's)" },
	{ "batches", "batches", 0, NULL, "N", set_batches,
	  "timed batches per repetition, the p99 samples (default 100)" },
	{ "cpus", "cpus", 0, NULL, "LIST", set_cpus,
	  "OS CPUs to pin the measured threads to, e.g. 0,1 or rx=0,tx=1\n"
	  "(default: first free cores)" },
	{ "mem-node", "mem_node", 0, NULL, "N", set_mem_node,
	  "bind every arena, pool and ring to NUMA node N (the same as --set node=N)" },
	{ "allow-shared-cpus", "allow_shared_cpus", 0, "on", NULL, set_allow_shared_cpus,
	  "let threads share a CPU when there are more threads than CPUs\n"
	  "(in a config file: allow_shared_cpus = on|off)" },
	{ "no-baselines", "baselines", 0, "off", NULL, set_baselines,
	  "skip the for-loop / atomic-inc / spin-lock baselines\n"
	  "(in a config file: baselines = on|off)" },
	{ "events", "events", 0, NULL, "LIST", set_events,
	  "PMU events (perf list / libpfm4 names, raw rXXXX); 'none' for no counters\n"
	  "(default: cycles, instructions and a locked-instruction event if the PMU has one)" },
	{ "metric", "metric", 0, NULL, "M", set_metric,
	  "time (default) or instructions: what ratios rank by; instructions use the\n"
	  "PMU, or valgrind's callgrind when the PMU cannot count them" },
	{ "seed", "seed", 0, NULL, "N", set_seed,
	  "seed of the shuffled run order and the bootstrap (default 1)" },
	{ "unstable-cv", "unstable_cv", 0, NULL, "PCT", set_unstable_cv,
	  "flag rows whose CV across repetitions exceeds PCT (default 5)" },
	{ "min-batch-us", "min_batch_us", 0, NULL, "N", set_min_batch_us,
	  "grow operations until a timed batch lasts N us (default 20; 0 off)" },
	{ NULL },
};

const struct pb_option *pb_option_by_name(const char *name)
{
	for (const struct pb_option *o = pb_options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

const struct pb_option *pb_option_by_key(const char *key)
{
	for (const struct pb_option *o = pb_options; o->name; o++)
		if (o->key && !strcmp(o->key, key))
			return o;
	return NULL;
}
