// SPDX-License-Identifier: GPL-2.0-only
/*
 * Results file reader: a file of schema 1 (one context for the whole file, backend_stats and
 * per_op by hand) or 2 (machine + per-job contexts, the open counter map, Google Benchmark
 * rows) becomes one struct pb_result_set. Nobody else reads result JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "record.h"
#include "results_json.h"

/* Validation failure: "<file>: <what>", the what printf-formatted; returns -1. */
static int __attribute__((format(printf, 3, 4)))
bad_field(struct pb_err *err, const char *path, const char *fmt, ...)
{
	char what[PB_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return pb_err_set(err, "%s: %s", path, what);
}

/* JSON_INTEGER and JSON_REAL are both acceptable where a number is wanted. */
#define PB_JSON_NUMBER (-1)

static const char *type_name(int type)
{
	switch (type) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	default: return "a number";
	}
}

/*
 * Member @key of @o, which must exist and be of @type; else NULL and @err reads
 * "<path>: <where>: missing field '<name>'" (or "... is not a <type>").
 */
static json_t *field(json_t *o, const char *key, const char *name, int type, const char *path,
		     const char *where, struct pb_err *err)
{
	json_t *v = json_object_get(o, key);
	int t;

	if (!v) {
		bad_field(err, path, "%s%smissing field '%s'", where, *where ? ": " : "", name);
		return NULL;
	}
	t = json_typeof(v);
	if (type == PB_JSON_NUMBER ? t != JSON_INTEGER && t != JSON_REAL : t != type) {
		bad_field(err, path, "%s%sfield '%s' is not %s", where, *where ? ": " : "", name,
			  type_name(type));
		return NULL;
	}
	return v;
}

/* Google Benchmark's rows are for its tools; pagebench reads its own record of each. */
static bool is_gbench_row(json_t *b)
{
	return json_is_true(json_object_get(b, "gbench_row"));
}

/*
 * A sample is a number, or null where it could not be measured: anything else is a broken
 * file. Costs are never negative (the runner clamps what the overhead subtraction leaves).
 */
static bool sample_ok(json_t *v)
{
	return !v || json_is_null(v) || (json_is_number(v) && json_number_value(v) >= 0);
}

/*
 * The per-repetition samples: numbers or null, and process indices (schema 2 with several
 * processes) that are integers below the record's "processes".
 */
static int check_samples(const char *path, const char *where, json_t *b, json_t *samples,
			 struct pb_err *err)
{
	json_t *np = json_object_get(b, "processes"), *s, *ev;
	json_int_t nproc = 0;
	const char *en;
	size_t k;

	if (np && (!json_is_integer(np) || json_integer_value(np) < 1))
		return bad_field(err, path, "%s: field 'processes' is not a positive integer", where);
	if (np)
		nproc = json_integer_value(np);
	json_array_foreach(samples, k, s) {
		json_t *pi = json_object_get(s, "process");

		if (!json_is_object(s))
			return bad_field(err, path, "%s: samples[%zu] is not an object", where, k);
		if (!sample_ok(json_object_get(s, "cycles_per_op")))
			return bad_field(err, path, "%s: samples[%zu].cycles_per_op is not a number >= 0",
					 where, k);
		if (!sample_ok(json_object_get(s, "ns_per_op")))
			return bad_field(err, path, "%s: samples[%zu].ns_per_op is not a number >= 0", where, k);
		if (pi && (!json_is_integer(pi) || json_integer_value(pi) < 0 ||
			   (np && json_integer_value(pi) >= nproc)))
			return bad_field(err, path, "%s: samples[%zu].process is not an integer below 'processes'",
					 where, k);
	}
	json_object_foreach(json_object_get(b, "pmu_events"), en, ev) {
		json_array_foreach(json_object_get(ev, "samples_per_op"), k, s)
			if (!sample_ok(s))
				return bad_field(err, path, "%s: pmu_events.%s.samples_per_op[%zu] is not a number >= 0",
						 where, en, k);
	}
	return 0;
}

static int check_benchmark(const char *path, size_t i, json_t *b, struct pb_err *err)
{
	char where[240];
	json_t *cyc, *samples;

	snprintf(where, sizeof(where), "benchmarks[%zu]", i);
	if (json_is_string(json_object_get(b, "name")))
		snprintf(where, sizeof(where), "benchmarks[%zu] '%.200s'", i,
			 json_string_value(json_object_get(b, "name")));
	if (!json_is_object(b))
		return bad_field(err, path, "%s: not an object", where);
	if (is_gbench_row(b))
		return 0;
	if (!field(b, "name", "name", JSON_STRING, path, where, err))
		return -1;
	cyc = field(b, "cycles_per_op", "cycles_per_op", JSON_OBJECT, path, where, err);
	if (!cyc)
		return -1;
	if (!field(cyc, "median", "cycles_per_op.median", PB_JSON_NUMBER, path, where, err))
		return -1;
	samples = field(b, "samples", "samples", JSON_ARRAY, path, where, err);
	if (!samples)
		return -1;
	/* A record is written only for a benchmark that ran: no repetition is a broken file. */
	if (!json_array_size(samples))
		return bad_field(err, path, "%s: field 'samples' is empty (no repetition)", where);
	return check_samples(path, where, b, samples, err);
}

/* The schema version (absent: 1, hand-made files), or -1 + @err. */
static int check_schema(const char *path, json_t *root, struct pb_err *err)
{
	json_t *ctx, *benches, *ver, *b;
	int version = 1;
	size_t i;

	if (!json_is_object(root))
		return bad_field(err, path, "top level is not an object");
	ctx = field(root, "context", "context", JSON_OBJECT, path, "", err);
	if (!ctx)
		return -1;
	ver = json_object_get(ctx, "schema_version");
	if (ver) {
		if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
		    json_integer_value(ver) > PB_RESULTS_SCHEMA_VERSION)
			return bad_field(err, path,
					 "context.schema_version: unsupported (this build reads 1 to %d)",
					 PB_RESULTS_SCHEMA_VERSION);
		version = (int)json_integer_value(ver);
	}
	if (version >= 2 && json_object_get(root, "jobs") && !json_is_array(json_object_get(root, "jobs")))
		return bad_field(err, path, "field 'jobs' is not an array");
	benches = field(root, "benchmarks", "benchmarks", JSON_ARRAY, path, "", err);
	if (!benches)
		return -1;
	json_array_foreach(benches, i, b) {
		if (check_benchmark(path, i, b, err))
			return -1;
	}
	return version;
}

static void get_str(json_t *o, const char *key, char *dst, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", v ? v : "");
}

/* A number, or NAN for null / absent (a figure that was not measured). */
static double get_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static double get_num0(json_t *o, const char *key)
{
	double v = get_num(o, key);

	return isnan(v) ? 0 : v;
}

static uint64_t get_u64(json_t *o, const char *key)
{
	double v = get_num0(o, key);

	if (json_is_integer(json_object_get(o, key)))
		return (uint64_t)json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
}

static int get_int_or(json_t *o, const char *key, int dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static void read_machine(json_t *c, struct pb_machine *m)
{
	json_t *load = json_object_get(c, "load_avg");

	get_str(c, "host_name", m->host, sizeof(m->host));
	get_str(c, "cpu_model", m->cpu_model, sizeof(m->cpu_model));
	m->num_cpus = (unsigned)get_u64(c, "num_cpus");
	get_str(c, "tsc_flags", m->tsc_flags, sizeof(m->tsc_flags));
	get_str(c, "kernel", m->kernel, sizeof(m->kernel));
	get_str(c, "date", m->date, sizeof(m->date));
	get_str(c, "git_revision", m->git_revision, sizeof(m->git_revision));
	get_str(c, "command_line", m->command_line, sizeof(m->command_line));
	get_str(c, "cpu_governor", m->cpu_governor, sizeof(m->cpu_governor));
	for (unsigned i = 0; i < 3; i++)
		m->load_avg[i] = json_number_value(json_array_get(load, i));
	m->numa_nodes = (unsigned)get_u64(c, "numa_nodes");
	get_str(c, "topology", m->topology, sizeof(m->topology));
	get_str(c, "caches", m->cache_desc, sizeof(m->cache_desc));
	get_str(c, "instructions_source", m->instructions_source, sizeof(m->instructions_source));
}

static void read_job(json_t *o, struct pb_job_context *j)
{
	json_t *pmu = json_object_get(o, "pmu"), *t, *kernel = json_object_get(o, "kernel"), *v;
	const char *k;
	size_t i;

	memset(j, 0, sizeof(*j));
	get_str(o, "job", j->job, sizeof(j->job));
	j->tsc_hz = get_num0(o, "tsc_hz");
	j->timer_overhead_cycles = get_num0(o, "timer_overhead_cycles");
	j->loop_overhead_cycles = get_num0(o, "loop_overhead_cycles");
	json_array_foreach(json_object_get(o, "threads"), i, t) {
		if (j->nthreads == PB_MAX_THREADS)
			break;
		get_str(t, "role", j->threads[j->nthreads].role, sizeof(j->threads[0].role));
		j->threads[j->nthreads].cpu = get_int_or(t, "cpu", -1);
		j->threads[j->nthreads].node = get_int_or(t, "node", -1);
		j->nthreads++;
	}
	j->shared_cpus = json_is_true(json_object_get(o, "shared_cpus"));
	get_str(pmu, "events", j->pmu_events, sizeof(j->pmu_events));
	j->pmu_rdpmc = json_is_true(json_object_get(pmu, "rdpmc"));
	get_str(pmu, "unavailable", j->pmu_why, sizeof(j->pmu_why));
	get_str(o, "metric", j->metric, sizeof(j->metric));
	j->seed = get_u64(o, "seed");
	j->unstable_cv = get_num0(o, "unstable_cv");
	get_str(o, "overrides", j->overrides, sizeof(j->overrides));
	json_array_foreach(json_object_get(o, "arena_nodes"), i, t)
		if (j->n_arena_nodes < 8)
			j->arena_nodes[j->n_arena_nodes++] = (int)json_integer_value(t);
	j->kernel_module = json_is_object(kernel);
	j->emulated = json_is_true(json_object_get(o, "emulated"));
	json_object_foreach(kernel, k, v) {
		if (j->nfacts == PB_MAX_FACTS)
			break;
		snprintf(j->facts[j->nfacts].key, sizeof(j->facts[0].key), "%s", k);
		snprintf(j->facts[j->nfacts].value, sizeof(j->facts[0].value), "%s",
			 json_string_value(v) ? json_string_value(v) : "");
		j->nfacts++;
	}
}

/* Schema 1 had one context for the whole file: it describes every job of it. */
static void read_v1_job(json_t *c, const char *job, struct pb_job_context *j)
{
	json_t *cpus = json_object_get(c, "measured_cpus"), *v;
	size_t i;

	memset(j, 0, sizeof(*j));
	snprintf(j->job, sizeof(j->job), "%s", job);
	j->tsc_hz = get_num0(c, "tsc_hz");
	j->timer_overhead_cycles = get_num0(c, "timer_overhead_cycles");
	j->loop_overhead_cycles = get_num0(c, "loop_overhead_cycles");
	json_array_foreach(cpus, i, v) {
		if (j->nthreads == PB_MAX_THREADS)
			break;
		snprintf(j->threads[j->nthreads].role, sizeof(j->threads[0].role), "%s",
			 json_array_size(cpus) == 1 ? "main" : i == 0 ? "alloc" : "free");
		j->threads[j->nthreads].cpu = (int)json_integer_value(v);
		j->threads[j->nthreads].node = -1;
		j->nthreads++;
	}
	get_str(c, "pmu_events", j->pmu_events, sizeof(j->pmu_events));
	j->pmu_rdpmc = json_is_true(json_object_get(c, "pmu_rdpmc"));
	get_str(c, "pmu_unavailable", j->pmu_why, sizeof(j->pmu_why));
	get_str(c, "metric", j->metric, sizeof(j->metric));
	j->seed = get_u64(c, "seed");
	j->unstable_cv = PB_DEFAULT_UNSTABLE_CV;	/* schema 1 did not record it */
}

/* An array of numbers (null: NAN) into a fresh array of @n doubles (padded with NAN). */
static double *num_array(json_t *a, const char *member, size_t n)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(a, i);

		if (member)
			x = json_object_get(x, member);
		v[i] = json_is_number(x) ? json_number_value(x) : NAN;
	}
	return v;
}

static void read_summary(json_t *o, struct pb_summary *s)
{
	json_t *ci = json_object_get(o, "median_ci95");

	s->median = get_num0(o, "median");
	s->min = get_num0(o, "min");
	s->max = get_num0(o, "max");
	s->mean = get_num0(o, "mean");
	s->p99 = get_num0(o, "p99");
	s->stddev = get_num0(o, "stddev");
	s->cv = get_num0(o, "cv");
	s->mad = get_num0(o, "mad");
	s->ci_lo = json_number_value(json_array_get(ci, 0));
	s->ci_hi = json_number_value(json_array_get(ci, 1));
	s->outliers_low = (unsigned)get_u64(o, "outliers_low");
	s->outliers_high = (unsigned)get_u64(o, "outliers_high");
}

static int read_events(json_t *evs, struct pb_result *r)
{
	const char *name;
	json_t *e;

	json_object_foreach(evs, name, e) {
		struct pb_event_result *x;
		json_t *s = json_object_get(e, "samples_per_op");

		if (r->nevents == PB_MAX_EVENTS)
			break;
		x = &r->ev[r->nevents++];
		snprintf(x->name, sizeof(x->name), "%s", name);
		x->available = json_is_true(json_object_get(e, "available"));
		get_str(e, "why", x->why, sizeof(x->why));
		get_str(e, "source", x->source, sizeof(x->source));
		x->total = get_num0(e, "total");
		x->per_op = get_num0(e, "per_op");
		x->running_ratio = get_num0(e, "running_ratio");
		if (json_is_array(s)) {
			x->rep_per_op = num_array(s, NULL, r->repetitions);
			if (!x->rep_per_op)
				return -1;
		}
	}
	return 0;
}

/* A schema-1 figure: null is "not counted". */
static void v1_counter(struct pb_result *r, json_t *o, const char *key, const char *name,
		       enum pb_counter_kind kind)
{
	json_t *v = json_object_get(o, key);

	if (v)
		pb_counter_set(r, name, kind, json_is_number(v), json_number_value(v));
}

/* Schema 1 listed the per-op figures and the backend counters by hand. */
static void read_v1_counters(json_t *b, struct pb_result *r)
{
	json_t *per = json_object_get(b, "per_op"), *st = json_object_get(b, "backend_stats");
	bool atomics_counted = !json_is_false(json_object_get(b, "atomics_counted"));
	const char *k;
	json_t *v;

	v1_counter(r, per, "atomics", "atomics_per_op", PB_CTR_RATE);
	if (r->alloc[0]) {
		v1_counter(r, per, "page_allocator_calls", "page_allocator_calls_per_op", PB_CTR_RATE);
		v1_counter(r, per, "page_allocator_pages", "page_allocator_pages_per_op", PB_CTR_RATE);
		v1_counter(r, per, "dma_maps", "dma_maps_per_op", PB_CTR_RATE);
	}
	if (json_object_get(b, "atomics"))
		pb_counter_set(r, "atomics", PB_CTR_COUNT, atomics_counted,
			       get_num0(b, "atomics"));
	json_object_foreach(r->alloc[0] ? st : NULL, k, v)
		pb_counter_set(r, k, strcmp(k, "in_flight") ? PB_CTR_COUNT : PB_CTR_LEVEL,
			       !r->stats_elsewhere, json_number_value(v));
	v1_counter(r, b, "leaked_pages", "leaked_pages", PB_CTR_COUNT);
}

static void read_counters(json_t *ctrs, struct pb_result *r)
{
	const char *k;
	json_t *c;

	json_object_foreach(ctrs, k, c) {
		json_t *v = json_object_get(c, "value");
		int kind = pb_counter_kind_parse(json_string_value(json_object_get(c, "kind")));

		pb_counter_set(r, k, kind < 0 ? PB_CTR_COUNT : (enum pb_counter_kind)kind,
			       json_is_number(v), json_number_value(v));
	}
}

static void read_params(json_t *o, struct pb_params *p)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		if (p->n == PB_MAX_PARAMS)
			break;
		snprintf(p->kv[p->n].key, sizeof(p->kv[0].key), "%s", k);
		snprintf(p->kv[p->n].value, sizeof(p->kv[0].value), "%s",
			 json_string_value(v) ? json_string_value(v) : "");
		p->n++;
	}
}

/*
 * Which process each repetition ran in: files before --processes have neither "process" nor
 * "processes", and every repetition is process 0 of 1. -1 when out of memory.
 */
static int read_processes(json_t *b, json_t *samples, struct pb_result *r)
{
	json_int_t most = 0;

	r->rep_process = calloc(r->repetitions ? r->repetitions : 1, sizeof(*r->rep_process));
	if (!r->rep_process)
		return -1;
	for (unsigned i = 0; i < r->repetitions; i++) {
		json_t *pi = json_object_get(json_array_get(samples, i), "process");

		r->rep_process[i] = json_is_integer(pi) ? (unsigned)json_integer_value(pi) : 0;
		if (r->rep_process[i] > most)
			most = r->rep_process[i];
	}
	r->processes = json_is_integer(json_object_get(b, "processes")) ?
		(unsigned)json_integer_value(json_object_get(b, "processes")) : (unsigned)most + 1;
	return 0;
}

static int read_record(json_t *b, int version, struct pb_result *r)
{
	json_t *samples = json_object_get(b, "samples"), *batches;

	memset(r, 0, sizeof(*r));
	get_str(b, "name", r->name, sizeof(r->name));
	get_str(b, "job", r->job, sizeof(r->job));
	get_str(b, "alloc", r->alloc, sizeof(r->alloc));
	get_str(b, "workload", r->workload, sizeof(r->workload));
	get_str(b, "kind", r->kind, sizeof(r->kind));
	get_str(b, "track", r->track, sizeof(r->track));
	read_params(json_object_get(b, "params"), &r->params);
	/* The samples are the repetitions the file has figures for. */
	r->repetitions = (unsigned)json_array_size(samples);
	r->threads = (unsigned)get_u64(b, "threads");
	if (!r->threads)
		r->threads = r->track[0] ? 2 : 1;
	r->ops = get_u64(b, "ops");
	r->ops_measured = get_u64(b, "ops_measured");
	read_summary(json_object_get(b, "ns_per_op"), &r->ns);
	read_summary(json_object_get(b, "cycles_per_op"), &r->cycles);
	r->rep_cycles = num_array(samples, "cycles_per_op", r->repetitions);
	r->rep_ns = num_array(samples, "ns_per_op", r->repetitions);
	if (read_processes(b, samples, r))
		return -1;
	batches = json_object_get(b, "batch_samples_cycles_per_op");
	r->nbatch = (unsigned)json_array_size(batches);
	r->batch_cycles = num_array(batches, NULL, r->nbatch);
	if (!r->rep_cycles || !r->rep_ns || !r->batch_cycles)
		return -1;
	r->ratio = get_num0(b, "ratio");
	r->unstable = json_is_true(json_object_get(b, "unstable"));
	get_str(b, "callgrind_key", r->cg_key, sizeof(r->cg_key));
	get_str(b, "warning", r->warning, sizeof(r->warning));
	if (version == 1) {
		r->stats_elsewhere = json_is_string(json_object_get(b, "backend_stats_on"));
		read_v1_counters(b, r);
		return read_events(json_object_get(b, "counters"), r);
	}
	r->stats_elsewhere = json_is_string(json_object_get(b, "counters_on"));
	read_counters(json_object_get(b, "counters"), r);
	return read_events(json_object_get(b, "pmu_events"), r);
}

/* Every job a record names has a context: a file without one for it gets the machine's. */
static int read_jobs(json_t *root, int version, struct pb_result_set *s, struct pb_err *err)
{
	json_t *ctx = json_object_get(root, "context"), *j;
	struct pb_job_context jc;
	size_t i;

	json_array_foreach(version >= 2 ? json_object_get(root, "jobs") : NULL, i, j) {
		read_job(j, &jc);
		if (!pb_result_set_job(s, jc.job) && pb_result_set_add_job(s, &jc, err))
			return -1;
	}
	for (i = 0; i < s->nrecs; i++) {
		if (pb_result_set_job(s, s->recs[i].job))
			continue;
		read_v1_job(ctx, s->recs[i].job, &jc);
		if (pb_result_set_add_job(s, &jc, err))
			return -1;
	}
	return 0;
}

static int convert(const char *path, json_t *root, int version, struct pb_result_set *s,
		   struct pb_err *err)
{
	json_t *benches = json_object_get(root, "benchmarks"), *b;
	size_t i, n = 0;

	s->schema_version = version;
	read_machine(json_object_get(root, "context"), &s->machine);
	{
		json_t *inc = json_object_get(root, "incomplete");

		get_str(inc, "job", s->incomplete_job, sizeof(s->incomplete_job));
		get_str(inc, "error", s->incomplete_error, sizeof(s->incomplete_error));
	}
	s->recs = calloc(json_array_size(benches) + 1, sizeof(*s->recs));
	if (!s->recs)
		return pb_err_set(err, "%s: out of memory", path);
	json_array_foreach(benches, i, b) {
		if (is_gbench_row(b))
			continue;
		s->nrecs = n + 1;	/* so that a failure frees this one too */
		if (read_record(b, version, &s->recs[n++]))
			return pb_err_set(err, "%s: out of memory", path);
	}
	s->nrecs = n;
	return read_jobs(root, version, s, err);
}

int pb_results_load(const char *path, struct pb_result_set *out, struct pb_err *err)
{
	json_error_t jerr;
	struct stat st;
	json_t *root;
	int version;

	memset(out, 0, sizeof(*out));
	/* jansson would read a directory as an empty file and call it a syntax error. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return pb_err_set(err, "cannot read results: %s: is a directory", path);
	/* A duplicated key is a broken file, not something to resolve silently. */
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line > 0)
			return pb_err_set(err, "%s:%d:%d: invalid JSON: %s", path, jerr.line,
					  jerr.column, jerr.text);
		/* Open/read failures: jansson's text already names the file. */
		return pb_err_set(err, "cannot read results: %s", jerr.text);
	}
	version = check_schema(path, root, err);
	if (version < 0 || convert(path, root, version, out, err)) {
		json_decref(root);
		pb_result_set_free(out);
		return -1;
	}
	json_decref(root);
	return 0;
}
