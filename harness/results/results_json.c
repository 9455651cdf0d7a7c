/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Results file writer (the reader is results_read.c). The file is the record of a
 * measurement, so a crash or a full disk must never leave half of one behind: it is written
 * beside its final name and renamed into place only once it is complete and on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "record.h"
#include "results_json.h"
#include "atomic_file.h"
#include "results_series.h"
#include "stats.h"

_Static_assert(sizeof(json_int_t) == sizeof(long long), "juint() assumes long long");

/* JSON has no NaN or infinity (jansson refuses them): a non-finite figure becomes null. */
static json_t *jreal(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/*
 * json_int_t is long long here. A counter beyond it cannot happen in practice; if one does,
 * keep its magnitude rather than wrap it negative.
 */
static json_t *juint(uint64_t v)
{
	return v <= (uint64_t)LLONG_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

/* Sets @key of @o to @v (stealing it); records a failure (out of memory) in *@bad. */
static void put(json_t *o, const char *key, json_t *v, int *bad)
{
	if (json_object_set_new(o, key, v))
		*bad = 1;
}

static void append(json_t *a, json_t *v, int *bad)
{
	if (json_array_append_new(a, v))
		*bad = 1;
}

static json_t *jpair(double a, double b, int *bad)
{
	json_t *p = json_array();

	if (!p) {
		*bad = 1;
		return NULL;
	}
	append(p, jreal(a), bad);
	append(p, jreal(b), bad);
	return p;
}

static json_t *summary_json(const struct pb_summary *s, int *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = 1;
		return NULL;
	}
	put(o, "median", jreal(s->median), bad);
	put(o, "min", jreal(s->min), bad);
	put(o, "max", jreal(s->max), bad);
	put(o, "mean", jreal(s->mean), bad);
	put(o, "p99", jreal(s->p99), bad);
	put(o, "stddev", jreal(s->stddev), bad);
	put(o, "cv", jreal(s->cv), bad);
	put(o, "mad", jreal(s->mad), bad);
	put(o, "median_ci95", jpair(s->ci_lo, s->ci_hi, bad), bad);
	put(o, "outliers_low", json_integer(s->outliers_low), bad);
	put(o, "outliers_high", json_integer(s->outliers_high), bad);
	return o;
}

static json_t *jstr(const char *s)
{
	return json_string(s ? s : "");
}

static json_t *machine_json(const struct pb_machine *m, int *bad)
{
	json_t *o = json_object(), *load = json_array();

	if (!o || !load) {
		json_decref(o);
		json_decref(load);
		*bad = 1;
		return NULL;
	}
	for (unsigned i = 0; i < 3; i++)
		append(load, jreal(m->load_avg[i]), bad);
	put(o, "schema_version", json_integer(PB_RESULTS_SCHEMA_VERSION), bad);
	put(o, "library", json_string("pagebench"), bad);
	put(o, "host_name", jstr(m->host), bad);
	put(o, "cpu_model", jstr(m->cpu_model), bad);
	put(o, "num_cpus", json_integer(m->num_cpus), bad);
	put(o, "tsc_flags", jstr(m->tsc_flags), bad);
	put(o, "kernel", jstr(m->kernel), bad);
	put(o, "date", jstr(m->date), bad);
	put(o, "git_revision", jstr(m->git_revision), bad);
	put(o, "command_line", jstr(m->command_line), bad);
	put(o, "cpu_governor", jstr(m->cpu_governor), bad);
	put(o, "load_avg", load, bad);
	put(o, "numa_nodes", json_integer(m->numa_nodes), bad);
	put(o, "topology", jstr(m->topology), bad);
	put(o, "caches", jstr(m->cache_desc), bad);
	if (m->instructions_source[0])
		put(o, "instructions_source", jstr(m->instructions_source), bad);
	return o;
}

/* -1 (unknown) is written as null. */
static json_t *jint_or_null(int v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *job_json(const struct pb_job_context *j, int *bad)
{
	json_t *o = json_object(), *th = json_array(), *nodes = json_array(), *pmu = json_object();

	if (!o || !th || !nodes || !pmu) {
		json_decref(o);
		json_decref(th);
		json_decref(nodes);
		json_decref(pmu);
		*bad = 1;
		return NULL;
	}
	for (unsigned i = 0; i < j->nthreads && i < PB_MAX_THREADS; i++) {
		json_t *t = json_object();

		if (!t) {
			*bad = 1;
			break;
		}
		put(t, "role", jstr(j->threads[i].role), bad);
		put(t, "cpu", jint_or_null(j->threads[i].cpu), bad);
		put(t, "node", jint_or_null(j->threads[i].node), bad);
		append(th, t, bad);
	}
	for (unsigned i = 0; i < j->n_arena_nodes && i < 8; i++)
		append(nodes, json_integer(j->arena_nodes[i]), bad);
	put(o, "job", jstr(j->job), bad);
	put(o, "tsc_hz", jreal(j->tsc_hz), bad);
	put(o, "timer_overhead_cycles", jreal(j->timer_overhead_cycles), bad);
	put(o, "loop_overhead_cycles", jreal(j->loop_overhead_cycles), bad);
	put(o, "threads", th, bad);
	put(o, "shared_cpus", json_boolean(j->shared_cpus), bad);
	put(pmu, "events", jstr(j->pmu_events), bad);
	put(pmu, "rdpmc", json_boolean(j->pmu_rdpmc), bad);
	put(pmu, "unavailable", jstr(j->pmu_why), bad);
	put(o, "pmu", pmu, bad);
	put(o, "metric", json_string(j->metric[0] ? j->metric : "time"), bad);
	put(o, "seed", juint(j->seed), bad);
	put(o, "unstable_cv", jreal(j->unstable_cv), bad);
	put(o, "arena_nodes", nodes, bad);
	if (j->overrides[0])
		put(o, "overrides", jstr(j->overrides), bad);
	if (j->kernel_module) {
		json_t *k = json_object();

		if (!k) {
			*bad = 1;
			return o;
		}
		for (unsigned i = 0; i < j->nfacts && i < PB_MAX_FACTS; i++)
			put(k, j->facts[i].key, jstr(j->facts[i].value), bad);
		put(o, "kernel", k, bad);
		put(o, "emulated", json_boolean(j->emulated), bad);
	}
	return o;
}

static json_t *params_json(const struct pb_params *p, int *bad)
{
	json_t *o = json_object();
	unsigned i;

	if (!o) {
		*bad = 1;
		return NULL;
	}
	for (i = 0; i < p->n && i < PB_MAX_PARAMS; i++)
		put(o, p->kv[i].key, json_string(p->kv[i].value), bad);
	return o;
}

static json_t *samples_json(const struct pb_result *r, int *bad)
{
	json_t *a = json_array();
	unsigned i;

	if (!a) {
		*bad = 1;
		return NULL;
	}
	for (i = 0; i < r->repetitions && (r->rep_ns || r->rep_cycles); i++) {
		json_t *s = json_object();

		if (!s) {
			*bad = 1;
			break;
		}
		put(s, "repetition", json_integer(i), bad);
		put(s, "process", json_integer(r->rep_process ? r->rep_process[i] : 0), bad);
		put(s, "ns_per_op", r->rep_ns ? jreal(r->rep_ns[i]) : json_null(), bad);
		put(s, "cycles_per_op", r->rep_cycles ? jreal(r->rep_cycles[i]) : json_null(), bad);
		append(a, s, bad);
	}
	return a;
}

static json_t *batches_json(const struct pb_result *r, int *bad)
{
	json_t *a = json_array();
	unsigned i;

	if (!a) {
		*bad = 1;
		return NULL;
	}
	for (i = 0; i < r->nbatch && r->batch_cycles; i++)
		append(a, jreal(r->batch_cycles[i]), bad);
	return a;
}

/* A count that is a whole number stays an integer in the file; rates are reals. */
static json_t *counter_value(const struct pb_counter *c)
{
	if (!c->counted)
		return json_null();
	if (c->kind != PB_CTR_RATE && c->value >= 0 && c->value <= 9007199254740992.0 &&
	    c->value == floor(c->value))
		return juint((uint64_t)c->value);
	return jreal(c->value);
}

static json_t *counters_json(const struct pb_result *r, int *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = 1;
		return NULL;
	}
	for (unsigned i = 0; i < r->nctr && i < PB_MAX_COUNTERS; i++) {
		json_t *c = json_object();

		if (!c) {
			*bad = 1;
			break;
		}
		put(c, "kind", json_string(pb_counter_kind_name(r->ctr[i].kind)), bad);
		put(c, "value", counter_value(&r->ctr[i]), bad);
		put(o, r->ctr[i].name, c, bad);
	}
	return o;
}

static json_t *events_json(const struct pb_result *r, int *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = 1;
		return NULL;
	}
	for (unsigned i = 0; i < r->nevents && i < PB_MAX_EVENTS; i++) {
		const struct pb_event_result *e = &r->ev[i];
		json_t *ev = json_object(), *reps = json_array();

		if (!ev || !reps) {
			json_decref(ev);
			json_decref(reps);
			*bad = 1;
			break;
		}
		put(ev, "available", json_boolean(e->available), bad);
		if (e->source[0])
			put(ev, "source", json_string(e->source), bad);
		if (!e->available) {
			put(ev, "why", json_string(e->why), bad);
			json_decref(reps);
		} else {
			put(ev, "total", jreal(e->total), bad);
			put(ev, "per_op", jreal(e->per_op), bad);
			put(ev, "running_ratio", jreal(e->running_ratio), bad);
			for (unsigned k = 0; k < r->repetitions && e->rep_per_op; k++)
				append(reps, jreal(e->rep_per_op[k]), bad);
			put(ev, "samples_per_op", reps, bad);
		}
		put(o, e->name, ev, bad);
	}
	return o;
}

static json_t *benchmark_json(const struct pb_result *r, size_t index, int *bad)
{
	json_t *o = json_object();
	char gname[600];

	if (!o) {
		*bad = 1;
		return NULL;
	}
	pb_result_full_name(r, gname, sizeof(gname));
	put(o, "name", json_string(r->name), bad);
	if (r->job[0])
		put(o, "job", json_string(r->job), bad);
	put(o, "alloc", r->alloc[0] ? json_string(r->alloc) : json_null(), bad);
	put(o, "workload", json_string(r->workload), bad);
	put(o, "kind", json_string(r->kind), bad);
	if (r->track[0])
		put(o, "track", json_string(r->track), bad);
	put(o, "params", params_json(&r->params, bad), bad);
	put(o, "repetitions", json_integer(r->repetitions), bad);
	put(o, "processes", json_integer(r->processes ? r->processes : 1), bad);
	put(o, "threads", json_integer(r->threads ? r->threads : 1), bad);
	put(o, "ops", juint(r->ops), bad);
	put(o, "ops_measured", juint(r->ops_measured), bad);
	put(o, "ns_per_op", summary_json(&r->ns, bad), bad);
	put(o, "cycles_per_op", summary_json(&r->cycles, bad), bad);
	put(o, "samples", samples_json(r, bad), bad);
	put(o, "batch_samples_cycles_per_op", batches_json(r, bad), bad);
	put(o, "counters", counters_json(r, bad), bad);
	if (r->stats_elsewhere)
		put(o, "counters_on", json_string("the instance's first track"), bad);
	if (r->nevents)
		put(o, "pmu_events", events_json(r, bad), bad);
	if (r->ratio != 0.0)
		put(o, "ratio", jreal(r->ratio), bad);
	put(o, "unstable", json_boolean(r->unstable), bad);
	if (r->cg_key[0])
		put(o, "callgrind_key", json_string(r->cg_key), bad);
	if (r->warning[0])
		put(o, "warning", json_string(r->warning), bad);
	if (r->series) {
		json_t *series = pb_series_json(r->series);

		*bad |= !series;
		if (series)
			put(o, "memory_series", series, bad);
	}
	/*
	 * Google Benchmark's fields. This entry is the pagebench record: an aggregate whose unit
	 * (TSC cycles, in cycles_per_op) gbench's tools do not know; without real_time/cpu_time
	 * they never compare it, nor pool it with the ns rows of the same name.
	 */
	put(o, "run_name", json_string(gname), bad);
	put(o, "run_type", json_string("aggregate"), bad);
	put(o, "aggregate_name", json_string("pagebench"), bad);
	put(o, "family_index", json_integer((json_int_t)index), bad);
	put(o, "per_family_instance_index", json_integer(0), bad);
	put(o, "iterations", juint(r->ops), bad);
	put(o, "time_unit", json_string("cycles"), bad);
	return o;
}

/* One Google Benchmark row (the reader skips these: "gbench_row": true). */
static json_t *gbench_row(const struct pb_result *r, size_t index, const char *gname,
			  const char *agg, long rep, double v, int *bad)
{
	json_t *o = json_object();
	char name[640];

	if (!o) {
		*bad = 1;
		return NULL;
	}
	snprintf(name, sizeof(name), "%s%s%s", gname, agg ? "_" : "", agg ? agg : "");
	put(o, "name", json_string(name), bad);
	put(o, "gbench_row", json_true(), bad);
	put(o, "family_index", json_integer((json_int_t)index), bad);
	put(o, "per_family_instance_index", json_integer(0), bad);
	put(o, "run_name", json_string(gname), bad);
	put(o, "run_type", json_string(agg ? "aggregate" : "iteration"), bad);
	put(o, "repetitions", json_integer(r->repetitions), bad);
	if (!agg)
		put(o, "repetition_index", json_integer(rep), bad);
	put(o, "threads", json_integer(r->threads ? r->threads : 1), bad);
	if (agg) {
		put(o, "aggregate_name", json_string(agg), bad);
		put(o, "aggregate_unit", json_string(strcmp(agg, "cv") ? "time" : "percentage"), bad);
	}
	put(o, "iterations", juint(r->ops), bad);
	put(o, "real_time", jreal(v), bad);
	put(o, "cpu_time", jreal(v), bad);
	put(o, "time_unit", json_string("ns"), bad);
	return o;
}

static void gbench_rows(json_t *a, const struct pb_result *r, size_t index, int *bad)
{
	char gname[600];

	pb_result_full_name(r, gname, sizeof(gname));
	for (unsigned i = 0; i < r->repetitions && r->rep_ns; i++)
		append(a, gbench_row(r, index, gname, NULL, (long)i, r->rep_ns[i], bad), bad);
	if (r->repetitions < 2)
		return;	/* Google Benchmark writes aggregates only for repeated runs */
	append(a, gbench_row(r, index, gname, "mean", 0, r->ns.mean, bad), bad);
	append(a, gbench_row(r, index, gname, "median", 0, r->ns.median, bad), bad);
	append(a, gbench_row(r, index, gname, "stddev", 0, r->ns.stddev, bad), bad);
	append(a, gbench_row(r, index, gname, "cv", 0, r->ns.cv, bad), bad);
}

/* The whole document, or NULL when memory ran out. */
static json_t *results_json(const struct pb_result_set *s)
{
	json_t *root = json_object(), *benches = json_array(), *jobs = json_array();
	int bad = 0;
	size_t i;

	if (!root || !benches || !jobs) {
		json_decref(root);
		json_decref(benches);
		json_decref(jobs);
		return NULL;
	}
	put(root, "context", machine_json(&s->machine, &bad), &bad);
	for (i = 0; i < s->njobs; i++)
		append(jobs, job_json(&s->jobs[i], &bad), &bad);
	put(root, "jobs", jobs, &bad);
	for (i = 0; i < s->nrecs; i++) {
		append(benches, benchmark_json(&s->recs[i], i, &bad), &bad);
		gbench_rows(benches, &s->recs[i], i, &bad);
	}
	put(root, "benchmarks", benches, &bad);
	if (s->incomplete_job[0] || s->incomplete_error[0]) {
		json_t *inc = json_object();

		if (!inc)
			bad = 1;
		put(inc, "job", jstr(s->incomplete_job), &bad);
		put(inc, "error", jstr(s->incomplete_error), &bad);
		put(root, "incomplete", inc, &bad);
	}
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static int write_json(const char *path, json_t *root, struct pb_err *err);

int pb_results_write(const char *path, const struct pb_result_set *set, struct pb_err *err)
{
	json_t *root = results_json(set);
	int rc;

	if (!root)
		return pb_err_set(err, "cannot write results to '%s': %s", path, strerror(ENOMEM));
	rc = write_json(path, root, err);
	json_decref(root);
	return rc;
}

/*
 * Serialised in memory first (a failure there creates nothing), then written through the
 * one output-file writer (atomic_file.h): whole or not at all.
 */
static int write_json(const char *path, json_t *root, struct pb_err *err)
{
	struct pb_afile af;
	char *text = json_dumps(root, JSON_INDENT(2));
	bool had = !access(path, F_OK);
	int e;

	if (!text) {
		e = ENOMEM;
	} else if (!(e = pb_afile_open(&af, path))) {
		had = af.had_target;
		if (fputs(text, af.f) < 0 || fputc('\n', af.f) == EOF) {
			e = errno ? errno : EIO;
			pb_afile_abort(&af);
		} else {
			e = pb_afile_commit(&af);
		}
	}
	free(text);
	if (e)
		return pb_err_set(err, "cannot write results to '%s': %s; %s", path, strerror(e),
				  pb_afile_left(had));
	return 0;
}

int pb_json_write_file(const char *path, struct json_t *root, struct pb_err *err)
{
	return write_json(path, root, err);
}
