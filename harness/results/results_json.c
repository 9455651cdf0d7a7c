/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Results file writer and reader. The file is the record of a measurement, so a crash or a
 * full disk must never leave half of one behind: it is written beside its final name and
 * renamed into place only once it is complete and on disk.
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
#include "results_json.h"
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

static double per_op(uint64_t count, uint64_t ops)
{
	return ops ? (double)count / (double)ops : 0.0;
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

static json_t *context_json(const struct pb_context *c, int *bad)
{
	json_t *o = json_object(), *load = json_array(), *cpus = json_array();
	unsigned i, ncpus = c->n_measured_cpus;
	size_t max_cpus = sizeof(c->measured_cpus) / sizeof(c->measured_cpus[0]);

	if (!o || !load || !cpus) {
		json_decref(o);
		json_decref(load);
		json_decref(cpus);
		*bad = 1;
		return NULL;
	}
	for (i = 0; i < 3; i++)
		append(load, jreal(c->load_avg[i]), bad);
	if (ncpus > max_cpus)
		ncpus = (unsigned)max_cpus;
	for (i = 0; i < ncpus; i++)
		append(cpus, json_integer(c->measured_cpus[i]), bad);

	put(o, "host_name", json_string(c->host), bad);
	put(o, "cpu_model", json_string(c->cpu_model), bad);
	put(o, "num_cpus", json_integer(c->num_cpus), bad);
	put(o, "tsc_hz", jreal(c->tsc_hz), bad);
	put(o, "tsc_flags", json_string(c->tsc_flags), bad);
	put(o, "kernel", json_string(c->kernel), bad);
	put(o, "date", json_string(c->date), bad);
	put(o, "git_revision", json_string(c->git_revision), bad);
	put(o, "command_line", json_string(c->command_line), bad);
	put(o, "cpu_governor", json_string(c->cpu_governor), bad);
	put(o, "load_avg", load, bad);
	put(o, "numa_nodes", json_integer(c->numa_nodes), bad);
	put(o, "measured_cpus", cpus, bad);
	{
		json_t *roles = json_array();	/* thread i's role, beside measured_cpus[i] */

		for (i = 0; roles && i < ncpus; i++)
			append(roles, json_string(c->measured_roles[i]), bad);
		put(o, "measured_roles", roles, bad);
	}
	put(o, "shared_cpus", json_boolean(c->shared_cpus), bad);
	put(o, "timer_overhead_cycles", jreal(c->timer_overhead_cycles), bad);
	put(o, "loop_overhead_cycles", jreal(c->loop_overhead_cycles), bad);
	put(o, "seed", juint(c->seed), bad);
	put(o, "metric", json_string(c->metric[0] ? c->metric : "time"), bad);
	put(o, "pmu_events", json_string(c->pmu_events), bad);
	put(o, "pmu_rdpmc", json_boolean(c->pmu_rdpmc), bad);
	put(o, "pmu_unavailable", json_string(c->pmu_why), bad);
	put(o, "caches", json_string(c->cache_desc), bad);
	put(o, "schema_version", json_integer(PB_RESULTS_SCHEMA_VERSION), bad);
	put(o, "library", json_string("pagebench"), bad);
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

static json_t *stats_json(const struct pb_stats *s, int *bad)
{
	json_t *o = json_object();
	const struct pb_stats_field *f;

	if (!o) {
		*bad = 1;
		return NULL;
	}
	for (f = pb_stats_fields; f->name; f++)
		put(o, f->name, juint(pb_stats_get(s, f)), bad);
	return o;
}

static json_t *per_op_json(const struct pb_result *r, int *bad)
{
	json_t *o = json_object();
	const struct pb_stats *s = &r->stats;
	uint64_t ops = r->stats_ops;

	if (!o) {
		*bad = 1;
		return NULL;
	}
	/* null, not 0, for what was not counted: a 0 would be a claim. */
	put(o, "atomics", r->atomics_uncounted ? json_null() : jreal(per_op(r->atomics, ops)), bad);
	put(o, "page_allocator_calls", r->pa_calls_uncounted || r->stats_elsewhere ? json_null() :
	    jreal(per_op(s->pa_alloc_calls + s->pa_free_calls, ops)), bad);
	put(o, "page_allocator_pages", r->stats_elsewhere ? json_null() :
	    jreal(per_op(s->pa_alloc_pages + s->pa_free_pages, ops)), bad);
	put(o, "dma_maps", r->stats_elsewhere ? json_null() : jreal(per_op(s->dma_map, ops)), bad);
	return o;
}

static json_t *counters_json(const struct pb_result *r, int *bad)
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

static json_t *benchmark_json(const struct pb_result *r, int *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = 1;
		return NULL;
	}
	put(o, "name", json_string(r->name), bad);
	put(o, "alloc", r->alloc[0] ? json_string(r->alloc) : json_null(), bad);
	put(o, "workload", json_string(r->workload), bad);
	put(o, "kind", json_string(r->kind), bad);
	if (r->track[0])
		put(o, "track", json_string(r->track), bad);
	put(o, "params", params_json(&r->params, bad), bad);
	put(o, "repetitions", json_integer(r->repetitions), bad);
	put(o, "ops", juint(r->ops), bad);
	put(o, "ops_measured", juint(r->stats_ops), bad);
	put(o, "ns_per_op", summary_json(&r->ns, bad), bad);
	put(o, "cycles_per_op", summary_json(&r->cycles, bad), bad);
	put(o, "samples", samples_json(r, bad), bad);
	put(o, "batch_samples_cycles_per_op", batches_json(r, bad), bad);
	put(o, "backend_stats", stats_json(&r->stats, bad), bad);
	if (r->stats_elsewhere)
		put(o, "backend_stats_on", json_string("the instance's first track"), bad);
	put(o, "per_op", per_op_json(r, bad), bad);
	put(o, "atomics", juint(r->atomics), bad);
	put(o, "leaked_pages", juint(r->leaked), bad);
	if (r->ratio != 0.0)
		put(o, "ratio", jreal(r->ratio), bad);
	if (r->job[0])
		put(o, "job", json_string(r->job), bad);
	if (r->cg_key[0])
		put(o, "callgrind_key", json_string(r->cg_key), bad);
	put(o, "unstable", json_boolean(r->unstable), bad);
	put(o, "atomics_counted", json_boolean(!r->atomics_uncounted), bad);
	if (r->nevents)
		put(o, "counters", counters_json(r, bad), bad);
	if (r->warning[0])
		put(o, "warning", json_string(r->warning), bad);
	return o;
}

/* The whole document, or NULL when memory ran out. */
static json_t *results_json(const struct pb_context *c, const struct pb_result *r, size_t n)
{
	json_t *root = json_object(), *benches = json_array();
	int bad = 0;
	size_t i;

	if (!root || !benches) {
		json_decref(root);
		json_decref(benches);
		return NULL;
	}
	put(root, "context", context_json(c, &bad), &bad);
	for (i = 0; i < n; i++)
		append(benches, benchmark_json(&r[i], &bad), &bad);
	put(root, "benchmarks", benches, &bad);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* mkstemp creates 0600; a results file is meant to be shared, so apply the usual umask. */
static int set_default_mode(int fd)
{
	mode_t mask = umask(0);

	umask(mask);
	return fchmod(fd, 0666 & ~mask);
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

int pb_results_write(const char *path, const struct pb_context *c, const struct pb_result *r,
		     size_t n, struct pb_err *err)
{
	json_t *root = results_json(c, r, n);
	int rc;

	if (!root)
		return pb_err_set(err, "cannot write results to '%s': %s", path, strerror(ENOMEM));
	rc = pb_results_write_json(path, root, err);
	json_decref(root);
	return rc;
}

void pb_parent_dir(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

/* Makes the rename itself durable: a crash right after must not lose the new file. */
static void sync_parent(const char *path)
{
	char dir[4096];
	int fd;

	pb_parent_dir(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);	/* best effort: the file itself is already synced */
		close(fd);
	}
}

int pb_results_write_json(const char *path, json_t *root, struct pb_err *err)
{
	static const char suffix[] = ".tmp.XXXXXX";
	char *tmp = NULL, *text;
	int fd = -1, e;

	/* Serialise in memory first: a failure there must not even create the temp file. */
	text = json_dumps(root, JSON_INDENT(2));
	if (!text) {
		e = ENOMEM;
		goto fail;
	}
	tmp = malloc(strlen(path) + sizeof(suffix));
	if (!tmp) {
		e = ENOMEM;
		goto fail;
	}
	strcpy(tmp, path);
	strcat(tmp, suffix);

	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		free(tmp);
		tmp = NULL;	/* nothing was created, nothing to remove */
		goto fail;
	}
	if (set_default_mode(fd) || write_all(fd, text, strlen(text)) || write_all(fd, "\n", 1) ||
	    fsync(fd)) {
		e = errno;
		goto fail;
	}
	/* close() can report a delayed write error (NFS): check it before publishing. */
	if (close(fd)) {
		fd = -1;
		e = errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		e = errno;
		goto fail;
	}
	sync_parent(path);
	free(tmp);
	free(text);
	return 0;

fail:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(text);
	return pb_err_set(err, "cannot write results to '%s': %s", path, strerror(e));
}

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

static int check_benchmark(const char *path, size_t i, json_t *b, struct pb_err *err)
{
	char where[40];
	json_t *cyc;

	snprintf(where, sizeof(where), "benchmarks[%zu]", i);
	if (!json_is_object(b))
		return bad_field(err, path, "%s: not an object", where);
	if (!field(b, "name", "name", JSON_STRING, path, where, err))
		return -1;
	cyc = field(b, "cycles_per_op", "cycles_per_op", JSON_OBJECT, path, where, err);
	if (!cyc)
		return -1;
	if (!field(cyc, "median", "cycles_per_op.median", PB_JSON_NUMBER, path, where, err))
		return -1;
	if (!field(b, "samples", "samples", JSON_ARRAY, path, where, err))
		return -1;
	return 0;
}

static int check_schema(const char *path, json_t *root, struct pb_err *err)
{
	json_t *ctx, *benches, *ver, *b;
	size_t i;

	if (!json_is_object(root))
		return bad_field(err, path, "top level is not an object");
	ctx = field(root, "context", "context", JSON_OBJECT, path, "", err);
	if (!ctx)
		return -1;
	/* Absent is accepted (hand-made files); a different version means a different layout. */
	ver = json_object_get(ctx, "schema_version");
	if (ver && (!json_is_integer(ver) || json_integer_value(ver) != PB_RESULTS_SCHEMA_VERSION))
		return bad_field(err, path,
				 "context.schema_version: unsupported (this build reads %d)",
				 PB_RESULTS_SCHEMA_VERSION);
	benches = field(root, "benchmarks", "benchmarks", JSON_ARRAY, path, "", err);
	if (!benches)
		return -1;
	json_array_foreach(benches, i, b) {
		if (check_benchmark(path, i, b, err))
			return -1;
	}
	return 0;
}

int pb_results_read(const char *path, json_t **out, struct pb_err *err)
{
	json_error_t jerr;
	struct stat st;
	json_t *root;

	*out = NULL;
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
	if (check_schema(path, root, err)) {
		json_decref(root);
		return -1;
	}
	*out = root;
	return 0;
}

json_t *pb_results_find(json_t *doc, const char *name, const char *job)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, b) {
		const char *bj = json_string_value(json_object_get(b, "job"));
		const char *bn = json_string_value(json_object_get(b, "name"));

		if (bn && !strcmp(bn, name) && !strcmp(bj ? bj : "", job ? job : ""))
			return b;
	}
	return NULL;
}
