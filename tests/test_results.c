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
	for (f = pb_stats_fields; f->name; f++)
		*(uint64_t *)((char *)&r->stats + f->offset) = v++;
	r->stats.pa_alloc_calls = 10;
	r->stats.pa_free_calls = 30;
	r->stats.pa_alloc_pages = 640;
	r->stats.pa_free_pages = 960;
	r->stats.dma_map = 5;
	r->stats_ops = 4000;
	r->atomics = 8000;
	r->leaked = 3;
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
	/* Counts without ops to divide by: per-op figures must be 0, not inf/NaN. */
	r->atomics = 50;
	r->stats.dma_map = 7;
	r->stats.pa_alloc_calls = 9;
}

static void fill_context(struct pb_context *c)
{
	char *argv[] = { "pagebench", "run", "--alloc", "page_pool", NULL };

	memset(c, 0, sizeof(*c));
	pb_context_collect(c, 4, argv);
	c->tsc_hz = 2.5e9;
	c->measured_cpus[0] = 2;
	c->measured_cpus[1] = 5;
	c->n_measured_cpus = 2;
	c->timer_overhead_cycles = 23.5;
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

static void check_context(json_t *j, const struct pb_context *c)
{
	json_t *a;

	expect_str(j, "host_name", c->host);
	expect_str(j, "cpu_model", c->cpu_model);
	expect_int(j, "num_cpus", c->num_cpus);
	expect_real(j, "tsc_hz", 2.5e9);
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
	a = get(j, "measured_cpus");
	cr_assert_eq(json_array_size(a), 2);
	cr_expect_eq(json_integer_value(json_array_get(a, 0)), 2);
	cr_expect_eq(json_integer_value(json_array_get(a, 1)), 5);
	expect_real(j, "timer_overhead_cycles", 23.5);
	expect_str(j, "caches", c->cache_desc);
	expect_int(j, "schema_version", 1);
	expect_str(j, "library", "pagebench");
}

static void check_backend(json_t *b, const struct pb_result *r)
{
	const struct pb_stats_field *f;
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

	o = get(b, "backend_stats");
	for (f = pb_stats_fields; f->name; f++)
		expect_int(o, f->name, (long long)pb_stats_get(&r->stats, f));
	cr_expect_eq(json_object_size(o), (size_t)(f - pb_stats_fields), "extra stats keys");

	o = get(b, "per_op");
	expect_real(o, "atomics", 2.0);
	expect_real(o, "page_allocator_calls", 0.01);	/* (10 + 30) / 4000 */
	expect_real(o, "page_allocator_pages", 0.4);	/* (640 + 960) / 4000 */
	expect_real(o, "dma_maps", 5.0 / 4000);
	expect_int(b, "atomics", 8000);
	expect_int(b, "leaked_pages", 3);
	expect_real(b, "ratio", 1.25);
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
	o = get(b, "per_op");
	expect_real(o, "atomics", 0.0);		/* stats_ops == 0: no division */
	expect_real(o, "page_allocator_calls", 0.0);
	expect_real(o, "page_allocator_pages", 0.0);
	expect_real(o, "dma_maps", 0.0);
}

TestSuite(results_json, .init = make_dir, .fini = drop_dir);

Test(results_json, round_trip)
{
	struct pb_context c;
	struct pb_result r[2];
	struct pb_err err = { "" };
	char path[4200];
	json_t *root, *benches;

	fill_context(&c);
	fill_backend(&r[0]);
	fill_baseline(&r[1]);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	cr_assert_eq(pb_results_write(path, &c, r, 2, &err), 0, "write: %s", err.msg);
	cr_assert_eq(pb_results_read(path, &root, &err), 0, "read: %s", err.msg);
	cr_assert_not_null(root);

	check_context(get(root, "context"), &c);
	benches = get(root, "benchmarks");
	cr_assert_eq(json_array_size(benches), 2);
	check_backend(json_array_get(benches, 0), &r[0]);
	check_baseline(json_array_get(benches, 1));
	json_decref(root);
	cr_expect_eq(count_entries(dir), 1, "a temp file was left beside the result");
}

/* A rerun to the same path replaces the file whole; the old content must be gone. */
Test(results_json, replaces_existing_file)
{
	struct pb_context c;
	struct pb_result r;
	struct pb_err err = { "" };
	char path[4200];
	FILE *f;
	json_t *root;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("old contents, not JSON", f);
	fclose(f);
	fill_context(&c);
	fill_baseline(&r);
	cr_assert_eq(pb_results_write(path, &c, &r, 1, &err), 0, "write: %s", err.msg);
	cr_assert_eq(pb_results_read(path, &root, &err), 0, "read: %s", err.msg);
	json_decref(root);
	cr_expect_eq(count_entries(dir), 1);
}

/* jansson refuses NaN/inf; they must come out as null, not abort the write. */
Test(results_json, nonfinite_written_as_null)
{
	double batches[3] = { 1.0, NAN, INFINITY };
	struct pb_context c;
	struct pb_result r;
	struct pb_err err = { "" };
	char path[4200];
	json_t *root, *b, *a;

	fill_context(&c);
	fill_backend(&r);
	r.batch_cycles = batches;
	r.nbatch = 3;
	r.ns.cv = NAN;
	r.ratio = -INFINITY;
	snprintf(path, sizeof(path), "%s/r.json", dir);
	cr_assert_eq(pb_results_write(path, &c, &r, 1, &err), 0, "write: %s", err.msg);
	cr_assert_eq(pb_results_read(path, &root, &err), 0, "read: %s", err.msg);
	b = json_array_get(get(root, "benchmarks"), 0);
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
	struct pb_context c;
	struct pb_result r;
	struct pb_err err = { "" };
	char want[4300];

	fill_context(&c);
	fill_backend(&r);
	cr_assert_eq(pb_results_write(path, &c, &r, 1, &err), -1, "write to %s succeeded", path);
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
	json_t *root = (json_t *)1;

	cr_assert_eq(pb_results_read(path, &root, &err), -1, "read of %s succeeded", path);
	cr_expect_null(root, "*out must be NULL on failure");
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
	json_t *root;

	snprintf(path, sizeof(path), "%s/ok.json", dir);
	write_mutated(path, 3, 0, NULL);
	cr_assert_eq(pb_results_read(path, &root, &err), 0, "%s", err.msg);
	json_decref(root);
}

Test(results_json, missing_field_is_named)
{
	char path[4200], want[4300];

	snprintf(path, sizeof(path), "%s/m.json", dir);
	write_mutated(path, 5, 3, drop_cycles);
	snprintf(want, sizeof(want), "%s: benchmarks[3]: missing field 'cycles_per_op'", path);
	read_must_fail(path, want);

	write_mutated(path, 2, 1, drop_median);
	read_must_fail(path, "benchmarks[1]: missing field 'cycles_per_op.median'");
	write_mutated(path, 2, 0, string_median);
	read_must_fail(path, "benchmarks[0]: field 'cycles_per_op.median' is not a number");
	write_mutated(path, 2, 1, drop_samples);
	read_must_fail(path, "benchmarks[1]: missing field 'samples'");
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

	j = json_pack("{s:{s:i}, s:[]}", "context", "schema_version", 2, "benchmarks");
	cr_assert_eq(json_dump_file(j, path, 0), 0);
	json_decref(j);
	read_must_fail(path, "schema_version");
}
