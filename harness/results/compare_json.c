// SPDX-License-Identifier: GPL-2.0-only
/* The comparison as JSON: see compare_json.h; written through results_json.c's atomic writer. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include "compare_json.h"
#include "results_json.h"

static const char *const why_names[] = { "", "noise", "interval", "drift" };

/* A number, or null when it is not finite (an interval end with no ratio). */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* json_object_set_new that remembers a failed allocation in *@bad. */
static void put(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, key, v))
		*bad = 1;
}

static json_t *row_json(const struct pb_compare_row *r, int *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = 1;
		return NULL;
	}
	put(o, "name", json_string(r->name), bad);
	put(o, "baseline", json_boolean(r->baseline), bad);
	put(o, "old_median", num(r->old_median), bad);
	put(o, "new_median", num(r->new_median), bad);
	put(o, "old_spread", num(r->old_spread), bad);
	put(o, "new_spread", num(r->new_spread), bad);
	put(o, "old_n", json_integer(r->old_n), bad);
	put(o, "new_n", json_integer(r->new_n), bad);
	put(o, "old_procs", json_integer(r->old_procs), bad);
	put(o, "new_procs", json_integer(r->new_procs), bad);
	put(o, "old_pspread", num(r->old_pspread), bad);
	put(o, "new_pspread", num(r->new_pspread), bad);
	put(o, "change", num(r->change), bad);
	put(o, "net", num(r->net), bad);
	put(o, "net_ci_lo", num(r->net_ci_lo), bad);
	put(o, "net_ci_hi", num(r->net_ci_hi), bad);
	put(o, "net_p", num(r->net_p), bad);
	/* The index of its job's entry of "drifts"; null where the table says "raw". */
	put(o, "drift_ix", r->drift_ix >= 0 ? json_integer(r->drift_ix) : json_null(), bad);
	put(o, "ci_lo", num(r->ci_lo), bad);
	put(o, "ci_hi", num(r->ci_hi), bad);
	put(o, "ci_hier", json_boolean(r->ci_hier), bad);
	put(o, "p", num(r->p), bad);
	put(o, "min_p", num(r->min_p), bad);
	put(o, "old_unstable", json_boolean(r->old_unstable), bad);
	put(o, "new_unstable", json_boolean(r->new_unstable), bad);
	put(o, "verdict", json_string(pb_verdict_name(r->verdict)), bad);
	put(o, "why", json_string(why_names[r->why]), bad);
	return o;
}

/* One job's drift, as its footer line in the table says it. */
static json_t *drift_json(const struct pb_compare_drift *d, int *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = 1;
		return NULL;
	}
	put(o, "job", json_string(d->job), bad);
	put(o, "drift", num(d->drift), bad);
	put(o, "drift_ci_lo", num(d->drift_ci_lo), bad);
	put(o, "drift_ci_hi", num(d->drift_ci_hi), bad);
	put(o, "drift_lo", num(d->drift_lo), bad);
	put(o, "drift_hi", num(d->drift_hi), bad);
	put(o, "nbaselines", json_integer(d->nbaselines), bad);
	put(o, "narrow", json_boolean(d->narrow), bad);
	put(o, "applied", json_boolean(d->applied), bad);
	put(o, "guard", json_boolean(d->guard), bad);
	return o;
}

static json_t *compare_json(const struct pb_compare *c, const struct pb_compare_opts *o,
			    const char *oldname, const char *newname, int *bad)
{
	json_t *root = json_object(), *opts = json_object(), *rows = json_array();
	json_t *drifts = json_array();

	if (!root || !opts || !rows || !drifts) {
		json_decref(root);
		json_decref(opts);
		json_decref(rows);
		json_decref(drifts);
		*bad = 1;
		return NULL;
	}
	put(root, "pagebench_compare", json_integer(PB_COMPARE_JSON_VERSION), bad);
	put(root, "old", json_string(oldname), bad);
	put(root, "new", json_string(newname), bad);
	put(opts, "threshold", json_real(o->threshold), bad);
	put(opts, "alpha", json_real(o->alpha), bad);
	put(opts, "metric", json_string(o->instructions ? "instructions" : "time"), bad);
	put(opts, "drift", json_boolean(o->drift), bad);
	put(opts, "gate", json_boolean(o->gate), bad);
	put(opts, "allow_emulated", json_boolean(o->allow_emulated), bad);
	put(root, "options", opts, bad);
	for (size_t i = 0; i < c->nrows; i++) {
		json_t *r = row_json(&c->rows[i], bad);

		if (!r || json_array_append_new(rows, r))
			*bad = 1;
	}
	put(root, "rows", rows, bad);
	put(root, "geomean_ratio", num(c->geomean_ratio), bad);
	put(root, "drift", num(c->drift), bad);
	put(root, "drift_lo", num(c->drift_lo), bad);
	put(root, "drift_hi", num(c->drift_hi), bad);
	put(root, "nbaselines", json_integer(c->nbaselines), bad);
	put(root, "drift_applied", json_boolean(c->drift_applied), bad);
	put(root, "drift_ci_lo", num(c->drift_ci_lo), bad);
	put(root, "drift_ci_hi", num(c->drift_ci_hi), bad);
	put(root, "drift_measured", json_boolean(c->drift_measured), bad);
	put(root, "drift_narrow", json_boolean(c->drift_narrow), bad);
	put(root, "drift_guard", json_boolean(c->drift_guard), bad);
	for (size_t i = 0; i < c->ndrifts; i++) {
		json_t *d = drift_json(&c->drifts[i], bad);

		if (!d || json_array_append_new(drifts, d))
			*bad = 1;
	}
	put(root, "drifts", drifts, bad);
	put(root, "undrifted", json_integer((json_int_t)c->undrifted), bad);
	put(root, "only_old", json_integer((json_int_t)c->only_old), bad);
	put(root, "only_new", json_integer((json_int_t)c->only_new), bad);
	put(root, "skipped", json_integer((json_int_t)c->skipped), bad);
	put(root, "dropped", json_integer((json_int_t)c->dropped), bad);
	put(root, "inconclusive", json_integer((json_int_t)c->inconclusive), bad);
	put(root, "needed", json_integer(c->needed), bad);
	put(root, "fewest", json_integer(c->fewest), bad);
	put(root, "geomean_left_out", json_integer((json_int_t)c->geomean_left_out), bad);
	put(root, "status", json_integer(pb_compare_status(c, o)), bad);
	return root;
}

int pb_compare_write_json(const char *path, const struct pb_compare *c,
			  const struct pb_compare_opts *o, const char *oldname,
			  const char *newname, struct pb_err *err)
{
	int bad = 0, rc;
	json_t *root = compare_json(c, o, oldname, newname, &bad);

	if (!root || bad) {
		json_decref(root);
		return pb_err_set(err, "cannot write the comparison to '%s': %s", path, strerror(ENOMEM));
	}
	rc = pb_json_write_file(path, root, err);
	json_decref(root);
	return rc;
}
