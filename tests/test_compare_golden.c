/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * compare on golden files, no run needed: verdicts, drift correction and the geometric mean
 * of a schema-1 file against a schema-2 one (tests/data/compare/make_cases.py says what the
 * two contain), the printed table against its expected text, the --json output against its
 * expected file, and a real schema-1 file written by the build before schema 2 compared with
 * itself.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare.h"
#include "compare_json.h"
#include "record.h"
#include "results_json.h"

static const char *data(const char *file)
{
	static char p[4][512];
	static unsigned k;
	const char *dir = getenv("PB_TESTDATA");

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir && *dir ? dir : "tests/data", file);
	return p[k];
}

static void load(const char *file, struct pb_result_set *s)
{
	struct pb_err err = { "" };

	cr_assert_eq(pb_results_load(data(file), s, &err), 0, "%s", err.msg);
}

static const struct pb_compare_row *row(const struct pb_compare *c, const char *name)
{
	for (size_t i = 0; i < c->nrows; i++)
		if (!strcmp(c->rows[i].name, name))
			return &c->rows[i];
	cr_assert_fail("no row %s", name);
	return NULL;
}

Test(compare_golden, drift_verdicts_and_geomean)
{
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };

	load("compare/drift_old.json", &a);
	load("compare/drift_new.json", &b);
	cr_assert_eq(a.schema_version, 1);
	cr_assert_eq(b.schema_version, 2);
	cr_assert_eq(b.nrecs, 6, "the reader skips Google Benchmark's rows");
	pb_compare_opts_init(&o);
	cr_assert(o.drift, "on by default");
	cr_assert_eq(pb_compare(&a, "old", &b, "new", &o, &c, &err), 0, "%s", err.msg);
	cr_expect_float_eq(c.drift, 1.10, 1e-6);
	cr_expect(c.drift_ci_lo <= 1.10 && c.drift_ci_hi >= 1.10, "[%g, %g]", c.drift_ci_lo, c.drift_ci_hi);
	cr_expect(c.drift_narrow && c.drift_applied, "tight baselines: [%g, %g]", c.drift_ci_lo,
		  c.drift_ci_hi);
	/* Raw +10% is significant, net 0 is not: the correction stops the verdict. */
	cr_expect_eq(row(&c, "alloc-free/same")->verdict, PB_UNSTABLE);
	cr_expect_eq(row(&c, "alloc-free/same")->why, PB_WHY_DRIFT);
	cr_expect_float_eq(row(&c, "alloc-free/same")->net, 0.0, 1e-6);
	cr_expect_float_eq(row(&c, "alloc-free/same")->change, 0.10, 1e-6);
	cr_expect_eq(row(&c, "alloc-free/slower")->verdict, PB_SLOWER);
	cr_expect_float_eq(row(&c, "alloc-free/slower")->net, 1.30 / 1.10 - 1, 1e-6);
	cr_expect_eq(row(&c, "alloc-free/faster")->verdict, PB_FASTER);
	cr_expect_float_eq(row(&c, "alloc-free/faster")->change, -0.20, 1e-6);
	cr_expect_eq(row(&c, "for-loop")->verdict, PB_BASELINE);
	cr_expect_float_eq(c.geomean_ratio, cbrt(1.0 * (1.30 / 1.10) * (0.80 / 1.10)), 1e-6);
	cr_expect_eq(c.only_old + c.only_new + c.skipped + c.dropped, 0);
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}

/* With --no-drift the drift is measured and shown but takes no part: raw changes judge. */
Test(compare_golden, raw_with_no_drift)
{
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };

	load("compare/drift_old.json", &a);
	load("compare/drift_new.json", &b);
	pb_compare_opts_init(&o);
	o.drift = false;
	cr_assert_eq(pb_compare(&a, "old", &b, "new", &o, &c, &err), 0, "%s", err.msg);
	cr_expect_float_eq(c.drift, 1.10, 1e-6, "measured all the same");
	cr_expect_not(c.drift_applied);
	cr_expect(c.drift_measured && c.drift_narrow);
	cr_expect_float_eq(row(&c, "alloc-free/same")->change, 0.10, 1e-6);
	cr_expect_float_eq(row(&c, "alloc-free/same")->net, 0.0, 1e-6, "shown, not used");
	cr_expect_eq(row(&c, "alloc-free/same")->verdict, PB_SLOWER, "a raw +10%% is slower");
	cr_expect_eq(row(&c, "alloc-free/faster")->verdict, PB_FASTER);
	cr_expect_gt(row(&c, "alloc-free/slower")->ci_lo, 0, "the interval is clear of zero");
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}

/* The printed table of the golden pair with @drift, byte for byte against @expected. */
static void expect_printed(bool drift, const char *expected)
{
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };
	char *text = NULL, want[8192];
	size_t len = 0, n;
	FILE *f, *mem;

	load("compare/drift_old.json", &a);
	load("compare/drift_new.json", &b);
	pb_compare_opts_init(&o);
	o.drift = drift;
	cr_assert_eq(pb_compare(&a, "old", &b, "new", &o, &c, &err), 0, "%s", err.msg);
	mem = open_memstream(&text, &len);
	pb_compare_print(mem, &c, &o);
	fclose(mem);
	f = fopen(data(expected), "r");
	cr_assert_not_null(f);
	n = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	want[n] = '\0';
	cr_expect_str_eq(text, want);
	free(text);
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}

/* A change of format is a change of these files (pagebench compare [--no-drift] writes them). */
Test(compare_golden, printed_text)
{
	expect_printed(true, "compare/drift.expected");
}

Test(compare_golden, printed_text_with_no_drift)
{
	expect_printed(false, "compare/drift_off.expected");
}

/*
 * @got against @want at @path: the same keys, the same strings, booleans and nulls, numbers
 * within 1e-9 relative (the last bits of a median are not the format). Extra or missing keys
 * fail: a field added to the output is a field added to the expected file and the docs.
 */
static void json_expect_same(const json_t *got, const json_t *want, const char *path)
{
	char sub[512];

	if (json_is_number(want) && json_is_number(got)) {
		double g = json_number_value(got), w = json_number_value(want);

		cr_expect(fabs(g - w) <= 1e-9 * fmax(1, fabs(w)), "%s: %.17g, expected %.17g", path, g, w);
		return;
	}
	cr_assert_eq(json_typeof(got), json_typeof(want), "%s: type %d, expected %d", path,
		     (int)json_typeof(got), (int)json_typeof(want));
	if (json_is_object(want)) {
		const char *k;
		json_t *v;

		cr_expect_eq(json_object_size(got), json_object_size(want), "%s: %zu fields, expected %zu",
			     path, json_object_size(got), json_object_size(want));
		json_object_foreach((json_t *)want, k, v) {
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			cr_assert_not_null(json_object_get(got, k), "%s: missing", sub);
			json_expect_same(json_object_get(got, k), v, sub);
		}
		json_object_foreach((json_t *)got, k, v)
			cr_expect_not_null(json_object_get(want, k), "%s.%s: not in the expected file", path, k);
	} else if (json_is_array(want)) {
		cr_assert_eq(json_array_size(got), json_array_size(want), "%s: %zu entries, expected %zu",
			     path, json_array_size(got), json_array_size(want));
		for (size_t i = 0; i < json_array_size(want); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			json_expect_same(json_array_get(got, i), json_array_get(want, i), sub);
		}
	} else if (json_is_string(want)) {
		cr_expect_str_eq(json_string_value(got), json_string_value(want), "%s", path);
	} else if (json_is_boolean(want)) {
		cr_expect_eq(json_is_true(got), json_is_true(want), "%s", path);
	}
}

/* pb_compare_write_json of @c (under @o) into a temporary file, read back. */
static json_t *written_json(const struct pb_compare *c, const struct pb_compare_opts *o,
			    const char *oldname, const char *newname)
{
	char path[] = "/tmp/pbcmpjson.XXXXXX";
	struct pb_err err = { "" };
	json_error_t jerr;
	json_t *j;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(pb_compare_write_json(path, c, o, oldname, newname, &err), 0, "%s", err.msg);
	j = json_load_file(path, 0, &jerr);
	unlink(path);
	cr_assert_not_null(j, "%s", jerr.text);
	return j;
}

/*
 * `pagebench compare drift_old.json drift_new.json --json FILE` (from tests/data/compare)
 * wrote compare/drift.expected.json: every field, per row and per job's drift, as the
 * table prints it. A change of format is a change of that file.
 */
Test(compare_golden, json_output)
{
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };
	json_error_t jerr;
	json_t *got, *want;

	load("compare/drift_old.json", &a);
	load("compare/drift_new.json", &b);
	pb_compare_opts_init(&o);
	cr_assert_eq(pb_compare(&a, "drift_old.json", &b, "drift_new.json", &o, &c, &err), 0, "%s", err.msg);
	got = written_json(&c, &o, "drift_old.json", "drift_new.json");
	want = json_load_file(data("compare/drift.expected.json"), 0, &jerr);
	cr_assert_not_null(want, "%s", jerr.text);
	json_expect_same(got, want, "$");
	/* What the footer line says, there: the one job's drift, applied, each row's net. */
	cr_expect_eq(json_array_size(json_object_get(want, "drifts")), 1);
	cr_expect(json_is_true(json_object_get(json_array_get(json_object_get(want, "drifts"), 0), "applied")));
	json_decref(got);
	json_decref(want);
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}

/* A file the schema-1 build wrote: read, its counters converted, compared with itself. */
Test(compare_golden, real_v1_file_self_compare)
{
	struct pb_result_set a;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };
	const struct pb_result *free_track;
	const struct pb_counter *k;

	load("results_v1_cross.json", &a);
	cr_assert_eq(a.schema_version, 1);
	cr_assert_eq(a.nrecs, 7);
	cr_assert_eq(a.njobs, 1);
	cr_expect_eq(a.jobs[0].nthreads, 2, "the file's measured_cpus become the job's threads");
	cr_expect_str_eq(a.jobs[0].threads[1].role, "free");
	free_track = pb_result_set_find(&a, "cross-cpu/ptr_ring_pool/free", "");
	cr_assert_not_null(free_track);
	cr_expect(free_track->stats_elsewhere);
	k = pb_counter_find(free_track, "dma_maps_per_op");
	cr_assert_not_null(k);
	cr_expect(!k->counted, "instance counters of a later track are not counted there");
	k = pb_counter_find(&a.recs[0], "pa_alloc_calls");
	cr_assert_not_null(k);
	cr_expect(k->counted && k->value > 0);
	cr_expect_null(pb_counter_find(pb_result_set_find(&a, "for-loop", ""), "pa_alloc_calls"),
		       "baselines have no allocator counters");
	pb_compare_opts_init(&o);
	cr_assert_eq(pb_compare(&a, "a", &a, "a", &o, &c, &err), 0, "%s", err.msg);
	/* 3 against 3 repetitions: p can never go below 0.1, so no verdict but inconclusive. */
	for (size_t i = 0; i < c.nrows; i++)
		cr_expect(c.rows[i].verdict == PB_INCONCLUSIVE || c.rows[i].verdict == PB_BASELINE,
			  "%s: %s", c.rows[i].name, pb_verdict_name(c.rows[i].verdict));
	cr_expect_float_eq(c.geomean_ratio, 1.0, 1e-12);
	pb_compare_free(&c);
	pb_result_set_free(&a);
}

/*
 * A result set built in memory: backend "b" and the four baselines, 9 repetitions each,
 * one process, the old samples 100 + PERM[i] (the baselines 100 + PERM[i] / 10) scaled by
 * @b_factor for the backend and base_factor[k] for baseline k.
 */
static void synth(struct pb_result_set *s, double b_factor, const double base_factor[4])
{
	static const char *const names[5] = { "alloc-free/b", "for-loop", "atomic-inc", "spin-lock",
					      "call-pair" };
	static const int perm[9] = { 4, 0, 8, 2, 6, 1, 7, 3, 5 };

	memset(s, 0, sizeof(*s));
	s->recs = calloc(5, sizeof(*s->recs));
	cr_assert_not_null(s->recs);
	s->nrecs = 5;
	for (int k = 0; k < 5; k++) {
		struct pb_result *r = &s->recs[k];

		snprintf(r->name, sizeof(r->name), "%s", names[k]);
		snprintf(r->kind, sizeof(r->kind), "%s", k ? "baseline" : "backend");
		r->repetitions = 9;
		r->processes = 1;
		r->rep_cycles = calloc(9, sizeof(double));
		cr_assert_not_null(r->rep_cycles);
		for (int i = 0; i < 9; i++)
			r->rep_cycles[i] = (k ? 100 + perm[i] / 10.0 : 100 + perm[i]) *
					   (k ? base_factor[k - 1] : b_factor);
	}
}

/*
 * One baseline moved +88% (a neighbour's load), the others not: that is not a drift to
 * divide out, but the machine may have moved anywhere in its interval: with --drift a +12%
 * inside it is not shown to be the code's; without, it stands.
 */
Test(compare_golden, disagreeing_baselines_are_not_applied)
{
	static const double one[4] = { 1, 1, 1, 1 }, noisy[4] = { 1, 1, 1.88, 1 };
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };

	synth(&a, 1.0, one);
	synth(&b, 1.12, noisy);
	pb_compare_opts_init(&o);
	o.drift = true;
	cr_assert_eq(pb_compare(&a, "a", &b, "b", &o, &c, &err), 0, "%s", err.msg);
	cr_expect(c.drift_measured);
	cr_expect_gt(c.drift, 1.10, "the geometric mean says +17%%: %g", c.drift);
	cr_expect_not(c.drift_narrow, "but its interval is wide: [%g, %g]", c.drift_ci_lo, c.drift_ci_hi);
	cr_expect_not(c.drift_applied);
	cr_expect(c.drift_guard);
	cr_expect_lt(c.drift_ci_lo, 1.12, "%g", c.drift_ci_lo);
	cr_expect_gt(c.drift_ci_hi, 1.12, "%g", c.drift_ci_hi);
	cr_expect_eq(row(&c, "alloc-free/b")->verdict, PB_UNSTABLE, "+12%% is inside the drift's interval");
	cr_expect_eq(row(&c, "alloc-free/b")->why, PB_WHY_DRIFT);
	cr_expect_lt(row(&c, "alloc-free/b")->net, 0, "the net (shown) would have reversed it");
	pb_compare_free(&c);
	o.drift = false;
	cr_assert_eq(pb_compare(&a, "a", &b, "b", &o, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(row(&c, "alloc-free/b")->verdict, PB_SLOWER, "the raw +12%% stands");
	cr_expect_not(c.drift_guard);
	pb_compare_free(&c);
	/* A change far outside the drift's interval stands with --drift too. */
	pb_result_set_free(&b);
	synth(&b, 3.0, noisy);
	o.drift = true;
	cr_assert_eq(pb_compare(&a, "a", &b, "b", &o, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(row(&c, "alloc-free/b")->verdict, PB_SLOWER, "[%g, %g] against [%g, %g]",
		     row(&c, "alloc-free/b")->ci_lo, row(&c, "alloc-free/b")->ci_hi, c.drift_ci_lo,
		     c.drift_ci_hi);
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}

/* The machine got 10% faster and the backend stayed: net +11%, raw 0. No verdict is made. */
Test(compare_golden, drift_never_makes_a_verdict)
{
	static const double one[4] = { 1, 1, 1, 1 }, faster[4] = { 0.9, 0.9, 0.9, 0.9 };
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };

	synth(&a, 1.0, one);
	synth(&b, 1.0, faster);
	pb_compare_opts_init(&o);
	o.drift = true;
	cr_assert_eq(pb_compare(&a, "a", &b, "b", &o, &c, &err), 0, "%s", err.msg);
	cr_expect(c.drift_applied, "[%g, %g]", c.drift_ci_lo, c.drift_ci_hi);
	cr_expect_float_eq(row(&c, "alloc-free/b")->net, 1 / 0.9 - 1, 1e-6);
	cr_expect_lt(row(&c, "alloc-free/b")->net_p, 0.05, "the net change alone is significant");
	cr_expect_eq(row(&c, "alloc-free/b")->verdict, PB_SAME);
	cr_expect_eq(pb_compare_status(&c, &o), 0);
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}

/* A backend at the timer's floor (median 0) has no ratio: the mean leaves it out, and says so. */
Test(compare_golden, zero_median_left_out_of_the_geometric_mean)
{
	static const double one[4] = { 1, 1, 1, 1 };
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };

	synth(&a, 1.0, one);
	synth(&b, 0.0, one);
	pb_compare_opts_init(&o);
	cr_assert_eq(pb_compare(&a, "a", &b, "b", &o, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(c.geomean_left_out, 1);
	cr_expect(isnan(c.geomean_ratio), "no row to average: %g", c.geomean_ratio);
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}

/* The ratio rule: the first backend of the same (job, workload, track). */
Test(compare_golden, ratio_rule_groups_by_job_workload_track)
{
	struct pb_result r[5];
	static const char *const spec[5][4] = {
		{ "j1", "w", "alloc", "100" }, { "j1", "w", "free", "50" }, { "j1", "w", "alloc", "200" },
		{ "j2", "w", "alloc", "400" }, { "j1", "v", "alloc", "300" },
	};

	memset(r, 0, sizeof(r));
	for (int i = 0; i < 5; i++) {
		snprintf(r[i].job, sizeof(r[i].job), "%s", spec[i][0]);
		snprintf(r[i].workload, sizeof(r[i].workload), "%s", spec[i][1]);
		snprintf(r[i].track, sizeof(r[i].track), "%s", spec[i][2]);
		snprintf(r[i].kind, sizeof(r[i].kind), "backend");
		r[i].cycles.median = atof(spec[i][3]);
	}
	pb_set_ratios(r, 5, false);
	cr_expect_float_eq(r[0].ratio, 1.0, 1e-12);
	cr_expect_float_eq(r[1].ratio, 1.0, 1e-12, "another track is another group");
	cr_expect_float_eq(r[2].ratio, 2.0, 1e-12);
	cr_expect_float_eq(r[3].ratio, 1.0, 1e-12, "another job is another group");
	cr_expect_float_eq(r[4].ratio, 1.0, 1e-12, "another workload is another group");
}

/*
 * Two config jobs in one file, 9 repetitions each: job "a" measures backend "alloc-free/x"
 * and the four baselines (old samples as synth's, the new ones x @a_base for the baselines
 * and x @a_back for the backend); job "b" measures "alloc-free/y" (x @b_back) and, with
 * @b_base > 0, baselines of its own (x @b_base), else none (`baselines = off`).
 */
static void two_jobs(struct pb_result_set *s, double a_back, double a_base, double b_back, double b_base)
{
	static const char *const names[5] = { "", "for-loop", "atomic-inc", "spin-lock", "call-pair" };
	static const int perm[9] = { 4, 0, 8, 2, 6, 1, 7, 3, 5 };

	memset(s, 0, sizeof(*s));
	s->recs = calloc(10, sizeof(*s->recs));
	cr_assert_not_null(s->recs);
	for (int j = 0; j < 2; j++)
		for (int k = 0; k < (j && !(b_base > 0) ? 1 : 5); k++) {
			struct pb_result *r = &s->recs[s->nrecs++];
			double f = j ? (k ? b_base : b_back) : (k ? a_base : a_back);

			snprintf(r->job, sizeof(r->job), "%s", j ? "b" : "a");
			snprintf(r->name, sizeof(r->name), "%s", k ? names[k] : j ? "alloc-free/y" : "alloc-free/x");
			snprintf(r->kind, sizeof(r->kind), "%s", k ? "baseline" : "backend");
			r->repetitions = 9;
			r->processes = 1;
			r->rep_cycles = calloc(9, sizeof(double));
			cr_assert_not_null(r->rep_cycles);
			for (int i = 0; i < 9; i++)
				r->rep_cycles[i] = (k ? 100 + perm[i] / 10.0 : 100 + perm[i]) * f;
		}
}

/*
 * The shipped configs measure baselines in their first job only: another job's rows ran at
 * another time, so the first job's drift says nothing about them. They keep their raw
 * change, and the table says they had no correction; the first job's rows get their own.
 */
Test(compare_golden, drift_is_per_job_and_never_borrowed)
{
	struct pb_result_set a, b;
	struct pb_compare_opts o;
	struct pb_compare c;
	struct pb_err err = { "" };
	const struct pb_compare_row *x, *y;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	two_jobs(&a, 1, 1, 1, 0);
	two_jobs(&b, 1.10, 1.10, 1.10, 0);	/* the machine +10% while job a ran, y +10% */
	pb_compare_opts_init(&o);
	cr_assert_eq(pb_compare(&a, "old", &b, "new", &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.ndrifts, 1, "job a's only");
	cr_expect_str_eq(c.drifts[0].job, "a");
	cr_expect(c.drifts[0].applied, "[%g, %g]", c.drifts[0].drift_ci_lo, c.drifts[0].drift_ci_hi);
	x = row(&c, "a:alloc-free/x");
	y = row(&c, "b:alloc-free/y");
	cr_expect_float_eq(x->net, 0.0, 1e-6, "corrected by its own job's baselines");
	cr_expect_eq(x->verdict, PB_UNSTABLE);
	cr_expect_eq(y->drift_ix, -1);
	cr_expect_float_eq(y->net, y->change, 1e-12, "raw only: job b measured no baselines");
	cr_expect_float_eq(y->change, 0.10, 1e-6);
	cr_expect_eq(y->verdict, PB_SLOWER, "job a's drift does not stop it");
	cr_expect_eq(c.undrifted, 1);
	mem = open_memstream(&text, &len);
	pb_compare_print(mem, &c, &o);
	fclose(mem);
	cr_expect_not_null(strstr(text, "machine drift of job 'a' from its 4 baselines: +10.0%"), "%s", text);
	cr_expect_not_null(strstr(text, "no drift correction: 1 benchmark of job b, which measured no baselines"),
			   "%s", text);
	y = NULL;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, "b:alloc-free/y ", 15))
			cr_expect_not_null(strstr(l, "    raw "), "the row says so: %.*s", (int)strcspn(l, "\n"), l);
	free(text);
	/* The JSON says the same: job a's drift, y's row raw (no drift index), one undrifted. */
	{
		json_t *j = written_json(&c, &o, "old", "new"), *d = json_object_get(j, "drifts");
		json_t *rows = json_object_get(j, "rows");
		const json_t *jx = NULL, *jy = NULL;

		cr_assert_eq(json_array_size(d), 1);
		cr_expect_str_eq(json_string_value(json_object_get(json_array_get(d, 0), "job")), "a");
		cr_expect(json_is_true(json_object_get(json_array_get(d, 0), "applied")));
		cr_expect_eq(json_integer_value(json_object_get(json_array_get(d, 0), "nbaselines")), 4);
		cr_expect_float_eq(json_number_value(json_object_get(json_array_get(d, 0), "drift")),
				   c.drifts[0].drift, 1e-12);
		cr_expect_float_eq(json_number_value(json_object_get(json_array_get(d, 0), "drift_ci_lo")),
				   c.drifts[0].drift_ci_lo, 1e-12);
		cr_expect_eq(json_integer_value(json_object_get(j, "undrifted")), 1);
		for (size_t i = 0; i < json_array_size(rows); i++) {
			const char *n = json_string_value(json_object_get(json_array_get(rows, i), "name"));

			if (!strcmp(n, "a:alloc-free/x"))
				jx = json_array_get(rows, i);
			if (!strcmp(n, "b:alloc-free/y"))
				jy = json_array_get(rows, i);
		}
		cr_assert(jx && jy);
		cr_expect_eq(json_integer_value(json_object_get(jx, "drift_ix")), 0);
		cr_expect_float_eq(json_number_value(json_object_get(jx, "net_ci_lo")), x->net_ci_lo, 1e-12);
		cr_expect_float_eq(json_number_value(json_object_get(jx, "net_ci_hi")), x->net_ci_hi, 1e-12);
		cr_expect_float_eq(json_number_value(json_object_get(jx, "net_p")), x->net_p, 1e-12);
		cr_expect(json_is_null(json_object_get(jy, "drift_ix")), "raw: its job measured no baselines");
		json_decref(j);
	}
	pb_compare_free(&c);
	pb_result_set_free(&b);

	/* Job b with baselines of its own: each job corrected by its own drift, not a pooled one. */
	pb_result_set_free(&a);
	two_jobs(&a, 1, 1, 1, 1);
	two_jobs(&b, 1.10, 1.10, 1.30, 1.30);
	cr_assert_eq(pb_compare(&a, "old", &b, "new", &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.ndrifts, 2);
	cr_expect_eq(c.undrifted, 0);
	cr_expect_float_eq(row(&c, "a:alloc-free/x")->net, 0.0, 1e-6);
	cr_expect_float_eq(row(&c, "b:alloc-free/y")->net, 0.0, 1e-6, "net of +30%%, job b's drift");
	cr_expect_float_eq(c.drifts[1].drift, 1.30, 1e-6);
	pb_compare_free(&c);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
}
