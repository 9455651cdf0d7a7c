/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The results file: what is written is what is read back, a failed write leaves nothing
 * behind, and a bad file is reported with its name and the place it is bad.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "context.h"
#include "params.h"
#include "record.h"
#include "results_json.h"
#include "stats.h"

static char dir[4096];

static void make_dir(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/pb-test-results-XXXXXX", t && *t ? t : "/tmp");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

/* Removes @path and everything below it (the tests make at most two levels). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[4096 + 256];

	if (!d) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static void drop_dir(void)
{
	remove_tree(dir);
}

/* Number of entries in @path other than . and .. */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d, "opendir %s: %s", path, strerror(errno));
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static double rep_cycles[3] = { 101.5, 99.25, 100.0 };
static double rep_ns[3] = { 35.1, 34.3, 34.6 };
static double batch_cycles[5] = { 98.0, 99.5, 100.0, 101.0, 250.75 };

/* A backend result on the "free" track, every stats counter a distinct value. */
static void fill_backend(struct pb_result *r)
{
	const struct pb_stats_field *f;
	uint64_t v = 1000;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "xdp-redirect/page_pool/batch=64/free");
	snprintf(r->alloc, sizeof(r->alloc), "page_pool");
	snprintf(r->workload, sizeof(r->workload), "xdp-redirect");
	snprintf(r->kind, sizeof(r->kind), "backend");
	snprintf(r->track, sizeof(r->track), "free");
	r->params.n = 2;
	snprintf(r->params.kv[0].key, sizeof(r->params.kv[0].key), "batch");
	snprintf(r->params.kv[0].value, sizeof(r->params.kv[0].value), "64");
	snprintf(r->params.kv[1].key, sizeof(r->params.kv[1].key), "ring");
	snprintf(r->params.kv[1].value, sizeof(r->params.kv[1].value), "1024");
	r->repetitions = 3;
	r->ops = 1u << 20;
	r->rep_cycles = rep_cycles;
	r->rep_ns = rep_ns;
	r->batch_cycles = batch_cycles;
	r->nbatch = 5;
	r->cycles = (struct pb_summary){ 100.0, 99.25, 101.5, 100.25, 246.0, 1.14, 0.0114 };
	r->ns = (struct pb_summary){ 34.6, 34.3, 35.1, 34.666, 35.09, 0.4, 0.0115 };
	pb_counter_set(r, "atomics_per_op", PB_CTR_RATE, true, 2.0);
	pb_counter_set(r, "page_allocator_calls_per_op", PB_CTR_RATE, false, 0);
	pb_counter_set(r, "dma_maps_per_op", PB_CTR_RATE, true, 5.0 / 4000);
	for (f = pb_stats_fields; f->name; f++)
		pb_counter_set(r, f->name, strcmp(f->name, "in_flight") ? PB_CTR_COUNT : PB_CTR_LEVEL,
			       true, (double)v++);
	pb_counter_set(r, "leaked_pages", PB_CTR_COUNT, true, 3);
	r->ops_measured = 4000;
	r->threads = 2;
	r->ratio = 1.25;
}

/* A baseline: no backend, no track, no stats, ratio not applicable. */
static void fill_baseline(struct pb_result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "xdp-redirect/malloc");
	snprintf(r->workload, sizeof(r->workload), "xdp-redirect");
	snprintf(r->kind, sizeof(r->kind), "baseline");
	r->repetitions = 3;
	r->ops = 1000;
	r->rep_cycles = rep_cycles;
	r->rep_ns = rep_ns;
	r->cycles.median = 42.0;
	pb_counter_set(r, "atomics_per_op", PB_CTR_RATE, true, 0.0);
}

static struct pb_job_context job;

/* A set of @n records @r with the machine collected here and one job context. */
static void fill_set(struct pb_result_set *s, struct pb_result *r, size_t n)
{
	char *argv[] = { "pagebench", "run", "--alloc", "page_pool", NULL };

	memset(s, 0, sizeof(*s));
	pb_machine_collect(&s->machine, 4, argv);
	memset(&job, 0, sizeof(job));
	job.tsc_hz = 2.5e9;
	job.nthreads = 2;
	job.threads[0] = (struct pb_thread_place){ "alloc", 2, 0 };
	job.threads[1] = (struct pb_thread_place){ "free", 5, -1 };
	job.timer_overhead_cycles = 23.5;
	job.seed = 7;
	job.unstable_cv = 0.05;
	snprintf(job.metric, sizeof(job.metric), "time");
	s->jobs = &job;
	s->njobs = 1;
	s->recs = r;
	s->nrecs = n;
}

/* The raw document at @path (the test looks at the file itself, not at the reader's view). */
static json_t *load_raw(const char *path)
{
	json_error_t e;
	json_t *root = json_load_file(path, 0, &e);

	cr_assert_not_null(root, "%s: %s", path, e.text);
	return root;
}

/* Only the pagebench records of @benches (the reader's view), in order. */
static json_t *record(json_t *benches, size_t k)
{
	json_t *b;
	size_t i;

	json_array_foreach(benches, i, b)
		if (!json_is_true(json_object_get(b, "gbench_row")) && !k--)
			return b;
	cr_assert_fail("no record %zu", k);
	return NULL;
}

static json_t *get(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	cr_assert_not_null(v, "field '%s' missing", key);
	return v;
}

static void expect_str(json_t *o, const char *key, const char *want)
{
	json_t *v = get(o, key);

	cr_assert(json_is_string(v), "'%s' is not a string", key);
	cr_expect_str_eq(json_string_value(v), want, "'%s'", key);
}

static void expect_int(json_t *o, const char *key, long long want)
{
	json_t *v = get(o, key);

	cr_assert(json_is_integer(v), "'%s' is not an integer", key);
	cr_expect_eq(json_integer_value(v), want, "'%s' = %lld, want %lld", key,
		     (long long)json_integer_value(v), want);
}

/* Exact: %.17g round-trips every double. */
static void expect_real(json_t *o, const char *key, double want)
{
	json_t *v = get(o, key);

	cr_assert(json_is_number(v), "'%s' is not a number", key);
	cr_expect_eq(json_number_value(v), want, "'%s' = %.17g, want %.17g", key,
		     json_number_value(v), want);
}

static void expect_summary(json_t *o, const struct pb_summary *s)
{
	expect_real(o, "median", s->median);
	expect_real(o, "min", s->min);
	expect_real(o, "max", s->max);
	expect_real(o, "mean", s->mean);
	expect_real(o, "p99", s->p99);
	expect_real(o, "stddev", s->stddev);
	expect_real(o, "cv", s->cv);
}

static void check_context(json_t *j, const struct pb_machine *c)
{
	json_t *a;

	expect_str(j, "host_name", c->host);
	expect_str(j, "cpu_model", c->cpu_model);
	expect_int(j, "num_cpus", c->num_cpus);
	expect_str(j, "tsc_flags", c->tsc_flags);
	expect_str(j, "kernel", c->kernel);
	expect_str(j, "date", c->date);
	expect_str(j, "git_revision", c->git_revision);
	expect_str(j, "command_line", "pagebench run --alloc page_pool");
	expect_str(j, "cpu_governor", c->cpu_governor);
	a = get(j, "load_avg");
	cr_assert_eq(json_array_size(a), 3);
	cr_expect_eq(json_number_value(json_array_get(a, 1)), c->load_avg[1]);
	expect_int(j, "numa_nodes", c->numa_nodes);
	expect_str(j, "caches", c->cache_desc);
	expect_int(j, "schema_version", 2);
	expect_str(j, "library", "pagebench");
	cr_expect_null(json_object_get(j, "tsc_hz"), "the TSC rate is a job's, not the machine's");
}

static void check_job(json_t *j)
{
	json_t *a;

	expect_str(j, "job", "");
	expect_real(j, "tsc_hz", 2.5e9);
	expect_real(j, "timer_overhead_cycles", 23.5);
	expect_int(j, "seed", 7);
	expect_real(j, "unstable_cv", 0.05);
	expect_str(j, "metric", "time");
	a = get(j, "threads");
	cr_assert_eq(json_array_size(a), 2);
	expect_str(json_array_get(a, 0), "role", "alloc");
	expect_int(json_array_get(a, 0), "cpu", 2);
	expect_int(json_array_get(a, 0), "node", 0);
	expect_str(json_array_get(a, 1), "role", "free");
	expect_int(json_array_get(a, 1), "cpu", 5);
	cr_expect(json_is_null(get(json_array_get(a, 1), "node")), "an unknown node is null");
	cr_expect(json_is_false(get(j, "shared_cpus")));
	cr_expect(json_is_object(get(j, "pmu")));
	cr_expect_null(json_object_get(j, "emulated"), "emulated is for kernel-module jobs");
}

static void check_backend(json_t *b, const struct pb_result *r)
{
	json_t *o, *s;
	unsigned i;

	expect_str(b, "name", r->name);
	expect_str(b, "alloc", "page_pool");
	expect_str(b, "workload", "xdp-redirect");
	expect_str(b, "kind", "backend");
	expect_str(b, "track", "free");
	o = get(b, "params");
	cr_expect_eq(json_object_size(o), 2);
	expect_str(o, "batch", "64");
	expect_str(o, "ring", "1024");
	expect_int(b, "repetitions", 3);
	expect_int(b, "ops", 1 << 20);
	expect_summary(get(b, "cycles_per_op"), &r->cycles);
	expect_summary(get(b, "ns_per_op"), &r->ns);

	o = get(b, "samples");
	cr_assert_eq(json_array_size(o), 3);
	for (i = 0; i < 3; i++) {
		s = json_array_get(o, i);
		expect_int(s, "repetition", i);
		expect_real(s, "cycles_per_op", rep_cycles[i]);
		expect_real(s, "ns_per_op", rep_ns[i]);
	}
	o = get(b, "batch_samples_cycles_per_op");
	cr_assert_eq(json_array_size(o), 5);
	for (i = 0; i < 5; i++)
		cr_expect_eq(json_number_value(json_array_get(o, i)), batch_cycles[i]);

	o = get(b, "counters");
	cr_expect_eq(json_object_size(o), r->nctr, "one entry per counter");
	for (i = 0; i < r->nctr; i++) {
		json_t *c = get(o, r->ctr[i].name);

		expect_str(c, "kind", pb_counter_kind_name(r->ctr[i].kind));
		if (!r->ctr[i].counted)
			cr_expect(json_is_null(get(c, "value")), "%s: not counted is null", r->ctr[i].name);
		else if (r->ctr[i].kind == PB_CTR_RATE)
			expect_real(c, "value", r->ctr[i].value);
		else
			expect_int(c, "value", (long long)r->ctr[i].value);
	}
	expect_str(get(o, "in_flight"), "kind", "level");
	cr_expect(json_is_null(get(get(o, "page_allocator_calls_per_op"), "value")));
	expect_int(get(o, "leaked_pages"), "value", 3);
	expect_real(b, "ratio", 1.25);
	expect_int(b, "threads", 2);
	/* Google Benchmark's fields of the record itself: an aggregate its tools leave alone. */
	expect_str(b, "run_type", "aggregate");
	expect_str(b, "aggregate_name", "pagebench");
	expect_str(b, "time_unit", "cycles");
	cr_expect_null(json_object_get(b, "real_time"), "the record is no timing to gbench's tools");
	expect_str(b, "run_name", r->name);
	expect_int(b, "iterations", 1 << 20);
}

static void check_baseline(json_t *b)
{
	json_t *o;

	expect_str(b, "name", "xdp-redirect/malloc");
	cr_expect(json_is_null(get(b, "alloc")), "empty alloc must be null");
	expect_str(b, "kind", "baseline");
	cr_expect_null(json_object_get(b, "track"), "empty track must be omitted");
	cr_expect_null(json_object_get(b, "ratio"), "zero ratio must be omitted");
	cr_expect_eq(json_object_size(get(b, "params")), 0);
	cr_expect_eq(json_array_size(get(b, "batch_samples_cycles_per_op")), 0);
	o = get(b, "counters");
	expect_real(get(o, "atomics_per_op"), "value", 0.0);
	cr_expect_null(json_object_get(o, "page_allocator_calls_per_op"),
		       "a baseline has no allocator counters at all");
}

/* Per repetition one "iteration" row, then mean/median/stddev/cv, all in ns. */
static void check_gbench_rows(json_t *benches, size_t first, const struct pb_result *r)
{
	static const char *const agg[] = { "mean", "median", "stddev", "cv" };
	char name[600];

	for (unsigned i = 0; i < r->repetitions; i++) {
		json_t *g = json_array_get(benches, first + i);

		cr_assert(json_is_true(get(g, "gbench_row")));
		expect_str(g, "name", r->name);
		expect_str(g, "run_name", r->name);
		expect_str(g, "run_type", "iteration");
		expect_int(g, "repetitions", r->repetitions);
		expect_int(g, "repetition_index", i);
		expect_int(g, "threads", r->threads);
		expect_int(g, "iterations", (long long)r->ops);
		expect_real(g, "real_time", r->rep_ns[i]);
		expect_real(g, "cpu_time", r->rep_ns[i]);
		expect_str(g, "time_unit", "ns");
	}
	for (unsigned k = 0; k < 4; k++) {
		json_t *g = json_array_get(benches, first + r->repetitions + k);

		snprintf(name, sizeof(name), "%s_%s", r->name, agg[k]);
		expect_str(g, "name", name);
		expect_str(g, "run_name", r->name);
		expect_str(g, "run_type", "aggregate");
		expect_str(g, "aggregate_name", agg[k]);
		expect_str(g, "time_unit", "ns");
	}
	expect_real(json_array_get(benches, first + r->repetitions + 1), "real_time", r->ns.median);
}

TestSuite(results_json, .init = make_dir, .fini = drop_dir);

Test(results_json, round_trip)
{
	struct pb_result_set s, back;
	struct pb_result r[2];
	struct pb_err err = { "" };
	char path[4200];
	json_t *root, *benches;

	fill_backend(&r[0]);
	fill_baseline(&r[1]);
	fill_set(&s, r, 2);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	cr_assert_eq(pb_results_write(path, &s, &err), 0, "write: %s", err.msg);
	root = load_raw(path);
	check_context(get(root, "context"), &s.machine);
	cr_assert_eq(json_array_size(get(root, "jobs")), 1);
	check_job(json_array_get(get(root, "jobs"), 0));
	benches = get(root, "benchmarks");
	/* Each record, then its 3 iteration rows and 4 aggregates. */
	cr_assert_eq(json_array_size(benches), 2 + 2 * (3 + 4));
	check_backend(json_array_get(benches, 0), &r[0]);
	check_gbench_rows(benches, 1, &r[0]);
	check_baseline(json_array_get(benches, 8));
	json_decref(root);

	/* The reader sees the records alone, with their counters as written. */
	cr_assert_eq(pb_results_load(path, &back, &err), 0, "read: %s", err.msg);
	cr_assert_eq(back.schema_version, 2);
	cr_assert_eq(back.nrecs, 2);
	cr_assert_eq(back.njobs, 1);
	cr_expect_eq(back.jobs[0].tsc_hz, 2.5e9);
	cr_expect_eq(back.jobs[0].threads[1].cpu, 5);
	cr_expect_str_eq(back.recs[0].name, r[0].name);
	cr_expect_eq(back.recs[0].nctr, r[0].nctr);
	for (unsigned i = 0; i < r[0].nctr; i++) {
		cr_expect_str_eq(back.recs[0].ctr[i].name, r[0].ctr[i].name);
		cr_expect_eq(back.recs[0].ctr[i].counted, r[0].ctr[i].counted);
		cr_expect_eq(back.recs[0].ctr[i].value, r[0].ctr[i].value);
	}
	for (unsigned i = 0; i < 3; i++)
		cr_expect_eq(back.recs[0].rep_cycles[i], rep_cycles[i]);
	cr_expect_eq(back.recs[0].ratio, 1.25);
	cr_expect_str_eq(back.recs[1].kind, "baseline");
	pb_result_set_free(&back);
	cr_expect_eq(count_entries(dir), 1, "a temp file was left beside the result");
}

/* A rerun to the same path replaces the file whole; the old content must be gone. */
Test(results_json, replaces_existing_file)
{
	struct pb_result_set s, back;
	struct pb_result r;
	struct pb_err err = { "" };
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("old contents, not JSON", f);
	fclose(f);
	fill_baseline(&r);
	fill_set(&s, &r, 1);
	cr_assert_eq(pb_results_write(path, &s, &err), 0, "write: %s", err.msg);
	cr_assert_eq(pb_results_load(path, &back, &err), 0, "read: %s", err.msg);
	pb_result_set_free(&back);
	cr_expect_eq(count_entries(dir), 1);
}

/* jansson refuses NaN/inf; they must come out as null, not abort the write. */
Test(results_json, nonfinite_written_as_null)
{
	double batches[3] = { 1.0, NAN, INFINITY };
	struct pb_result_set s;
	struct pb_result r;
	struct pb_err err = { "" };
	char path[4200];
	json_t *root, *b, *a;

	fill_backend(&r);
	fill_set(&s, &r, 1);
	r.batch_cycles = batches;
	r.nbatch = 3;
	r.ns.cv = NAN;
	r.ratio = -INFINITY;
	snprintf(path, sizeof(path), "%s/r.json", dir);
	cr_assert_eq(pb_results_write(path, &s, &err), 0, "write: %s", err.msg);
	root = load_raw(path);
	b = record(get(root, "benchmarks"), 0);
	a = get(b, "batch_samples_cycles_per_op");
	cr_expect_eq(json_number_value(json_array_get(a, 0)), 1.0);
	cr_expect(json_is_null(json_array_get(a, 1)));
	cr_expect(json_is_null(json_array_get(a, 2)));
	cr_expect(json_is_null(get(get(b, "ns_per_op"), "cv")));
	cr_expect(json_is_null(get(b, "ratio")));
	json_decref(root);
}

static void write_must_fail(const char *path)
{
	struct pb_result_set s;
	struct pb_result r;
	struct pb_err err = { "" };
	char want[4300];

	fill_backend(&r);
	fill_set(&s, &r, 1);
	cr_assert_eq(pb_results_write(path, &s, &err), -1, "write to %s succeeded", path);
	snprintf(want, sizeof(want), "cannot write results to '%s': ", path);
	cr_expect(strstr(err.msg, want) == err.msg, "message: %s", err.msg);
	cr_expect_null(strchr(err.msg, '\n'), "message must be one line: %s", err.msg);
}

/* Parent of the target is a regular file: fails even for root. */
Test(results_json, write_fails_when_parent_is_not_a_directory)
{
	char file[4200], path[4300];
	FILE *f;

	snprintf(file, sizeof(file), "%s/plain", dir);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/results.json", file);
	write_must_fail(path);
	cr_expect_eq(count_entries(dir), 1, "something was created beside 'plain'");
}

/* The temp file is made and written, then rename() onto a directory fails: it must go. */
Test(results_json, failed_rename_removes_temp_file)
{
	char path[4200], inner[4300];

	snprintf(path, sizeof(path), "%s/results.json", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	/* Non-empty, so rename() cannot replace it. */
	snprintf(inner, sizeof(inner), "%s/keep", path);
	cr_assert_eq(mkdir(inner, 0700), 0);
	write_must_fail(path);
	cr_expect_eq(count_entries(dir), 1, "temp file left behind after a failed rename");
	cr_expect_eq(count_entries(path), 1);
}

Test(results_json, write_fails_in_read_only_directory)
{
	char ro[4200], path[4300];

	/* Root ignores directory permissions; the two tests above cover that case. */
	if (geteuid() == 0) {
		drop_dir();	/* a skipped test does not get its .fini */
		cr_skip_test("running as root: permissions are not enforced");
	}
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	cr_assert_eq(mkdir(ro, 0555), 0);
	snprintf(path, sizeof(path), "%s/results.json", ro);
	write_must_fail(path);
	cr_expect_eq(count_entries(ro), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void read_must_fail(const char *path, const char *want)
{
	struct pb_err err = { "" };
	struct pb_result_set s;

	cr_assert_eq(pb_results_load(path, &s, &err), -1, "read of %s succeeded", path);
	cr_expect(!s.recs && !s.nrecs && !s.jobs, "the set must be empty on failure");
	cr_expect_not_null(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
	cr_expect_null(strchr(err.msg, '\n'), "message must be one line: %s", err.msg);
}

Test(results_json, malformed_json_reports_line_and_column)
{
	char path[4200], want[4300];

	snprintf(path, sizeof(path), "%s/bad.json", dir);
	/* The stray comma is line 3, column 20. */
	write_text(path, "{\n  \"context\": {},\n  \"benchmarks\": [1,,]\n}\n");
	snprintf(want, sizeof(want), "%s:3:20: invalid JSON: ", path);
	read_must_fail(path, want);
}

Test(results_json, missing_file_names_it)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/nope.json", dir);
	read_must_fail(path, path);
}

/* A well-formed document whose benchmarks[@bad] has been altered by @mutate. */
static void write_mutated(const char *path, size_t nbench, size_t bad,
			  void (*mutate)(json_t *bench))
{
	json_t *root, *benches;
	size_t i;

	benches = json_array();
	for (i = 0; i < nbench; i++) {
		json_t *b = json_pack("{s:s, s:{s:f}, s:[{s:i, s:f}]}", "name", "w/a",
				      "cycles_per_op", "median", 100.0,
				      "samples", "repetition", 0, "cycles_per_op", 100.0);

		cr_assert_not_null(b);
		if (i == bad && mutate)
			mutate(b);
		json_array_append_new(benches, b);
	}
	root = json_pack("{s:{s:i}, s:o}", "context", "schema_version", 1, "benchmarks", benches);
	cr_assert_not_null(root);
	cr_assert_eq(json_dump_file(root, path, 0), 0);
	json_decref(root);
}

static void drop_cycles(json_t *b) { json_object_del(b, "cycles_per_op"); }
static void drop_median(json_t *b)
{
	json_object_del(json_object_get(b, "cycles_per_op"), "median");
}
static void string_median(json_t *b)
{
	json_object_set_new(json_object_get(b, "cycles_per_op"), "median", json_string("fast"));
}
static void drop_samples(json_t *b) { json_object_del(b, "samples"); }
static void drop_name(json_t *b) { json_object_del(b, "name"); }

Test(results_json, valid_document_reads_back)
{
	char path[4200];
	struct pb_err err = { "" };
	struct pb_result_set s;

	snprintf(path, sizeof(path), "%s/ok.json", dir);
	write_mutated(path, 3, 0, NULL);
	cr_assert_eq(pb_results_load(path, &s, &err), 0, "%s", err.msg);
	cr_expect_eq(s.nrecs, 3);
	cr_expect_eq(s.schema_version, 1);
	cr_expect_eq(s.njobs, 1, "a schema-1 file's context describes its one job");
	pb_result_set_free(&s);
}

Test(results_json, missing_field_is_named)
{
	char path[4200], want[4300];

	snprintf(path, sizeof(path), "%s/m.json", dir);
	write_mutated(path, 5, 3, drop_cycles);
	/* The entry is named by its index and, when it has one, its benchmark name. */
	snprintf(want, sizeof(want), "%s: benchmarks[3] 'w/a': missing field 'cycles_per_op'", path);
	read_must_fail(path, want);

	write_mutated(path, 2, 1, drop_median);
	read_must_fail(path, "benchmarks[1] 'w/a': missing field 'cycles_per_op.median'");
	write_mutated(path, 2, 0, string_median);
	read_must_fail(path, "benchmarks[0] 'w/a': field 'cycles_per_op.median' is not a number");
	write_mutated(path, 2, 1, drop_samples);
	read_must_fail(path, "benchmarks[1] 'w/a': missing field 'samples'");
	write_mutated(path, 1, 0, drop_name);
	read_must_fail(path, "benchmarks[0]: missing field 'name'");
}

Test(results_json, missing_top_level_objects_are_named)
{
	char path[4200];
	json_t *j;

	snprintf(path, sizeof(path), "%s/t.json", dir);
	j = json_pack("{s:[]}", "benchmarks");
	cr_assert_eq(json_dump_file(j, path, 0), 0);
	json_decref(j);
	read_must_fail(path, "missing field 'context'");

	j = json_pack("{s:{}, s:{}}", "context", "benchmarks");
	cr_assert_eq(json_dump_file(j, path, 0), 0);
	json_decref(j);
	read_must_fail(path, "field 'benchmarks' is not an array");

	j = json_pack("{s:{s:i}, s:[]}", "context", "schema_version", 3, "benchmarks");
	cr_assert_eq(json_dump_file(j, path, 0), 0);
	json_decref(j);
	read_must_fail(path, "schema_version");
}
