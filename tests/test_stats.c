// SPDX-License-Identifier: GPL-2.0-only
/* Robust statistics and the Mann-Whitney test against scipy's figures (tests/data/stats_cases.json). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "mann_whitney.h"
#include "summary.h"

static json_t *load_cases(void)
{
	const char *dir = getenv("PB_TESTDATA") ? getenv("PB_TESTDATA") : "tests/data";
	char path[512];
	json_error_t e;
	json_t *root;

	snprintf(path, sizeof(path), "%s/stats_cases.json", dir);
	root = json_load_file(path, 0, &e);
	cr_assert_not_null(root, "%s:%d: %s", path, e.line, e.text);
	return root;
}

static double *vec(json_t *a, size_t *n)
{
	double *v;
	size_t i;

	*n = json_array_size(a);
	v = malloc((*n ? *n : 1) * sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = json_number_value(json_array_get(a, i));
	return v;
}

static void close_to(double got, double want, const char *what, const char *name)
{
	double tol = 1e-9 * fmax(1.0, fabs(want));

	cr_expect(fabs(got - want) <= tol, "%s %s: got %.12g, scipy says %.12g", name, what, got, want);
}

Test(stats, robust_figures_match_scipy)
{
	json_t *root = load_cases(), *c;
	size_t i;

	json_array_foreach(json_object_get(root, "robust"), i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		size_t n;
		double *x = vec(json_object_get(c, "x"), &n);
		struct pb_summary s;

		pb_summarize(x, n, &s);
		pb_summarize_robust(x, n, (unsigned)json_integer_value(json_object_get(c, "resamples")),
				    (uint64_t)json_integer_value(json_object_get(c, "seed")), &s);
		close_to(s.mad, json_number_value(json_object_get(c, "mad")), "mad", name);
		close_to(s.ci_lo, json_number_value(json_object_get(c, "ci_lo")), "ci_lo", name);
		close_to(s.ci_hi, json_number_value(json_object_get(c, "ci_hi")), "ci_hi", name);
		cr_expect_eq(s.outliers_low, json_integer_value(json_object_get(c, "outliers_low")),
			     "%s outliers_low", name);
		cr_expect_eq(s.outliers_high, json_integer_value(json_object_get(c, "outliers_high")),
			     "%s outliers_high", name);
		cr_expect(s.ci_lo <= s.median && s.median <= s.ci_hi, "%s: CI must hold the median", name);
		free(x);
	}
	json_decref(root);
}

Test(stats, bootstrap_is_deterministic_per_seed)
{
	double x[41];
	struct pb_summary a, b, c;

	for (int i = 0; i < 41; i++)
		x[i] = (double)((i * 37) % 41) * 1.37 + (double)(i % 5) * 0.01;
	pb_summarize(x, 41, &a);
	b = c = a;
	pb_summarize_robust(x, 41, 50, 1, &a);
	pb_summarize_robust(x, 41, 50, 1, &b);
	pb_summarize_robust(x, 41, 50, 2, &c);
	cr_expect_eq(a.ci_lo, b.ci_lo);
	cr_expect_eq(a.ci_hi, b.ci_hi);
	cr_expect(a.ci_lo != c.ci_lo || a.ci_hi != c.ci_hi, "another seed should draw other resamples");
}

Test(stats, mann_whitney_matches_scipy)
{
	json_t *root = load_cases(), *c;
	size_t i;

	json_array_foreach(json_object_get(root, "mwu"), i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *method = json_string_value(json_object_get(c, "method"));
		size_t nx, ny;
		double *x = vec(json_object_get(c, "x"), &nx), *y = vec(json_object_get(c, "y"), &ny);
		struct pb_mwu r;

		pb_mann_whitney(x, nx, y, ny, !strcmp(method, "exact") ? 1 : 2, &r);
		close_to(r.u, json_number_value(json_object_get(c, "u")), "U", name);
		close_to(r.p, json_number_value(json_object_get(c, "p")), "p", name);
		free(x);
		free(y);
	}
	json_decref(root);
}

Test(stats, mann_whitney_auto_picks_exact_for_small_untied)
{
	double x[] = { 1, 2, 3 }, y[] = { 4, 5, 6 }, t[] = { 1, 1, 2 };
	struct pb_mwu r;

	pb_mann_whitney(x, 3, y, 3, 0, &r);
	cr_expect(r.exact);
	cr_expect(fabs(r.p - 0.1) < 1e-12, "3 vs 3 fully separated: exact p = 2/20, got %g", r.p);
	pb_mann_whitney(t, 3, y, 3, 0, &r);
	cr_expect(!r.exact, "ties force the normal approximation");
}

Test(stats, mann_whitney_identical_samples_is_not_significant)
{
	double x[] = { 7, 7, 7, 7, 7, 7, 7, 7, 7 };
	struct pb_mwu r;

	pb_mann_whitney(x, 9, x, 9, 0, &r);
	cr_expect_eq(r.p, 1.0);
}
