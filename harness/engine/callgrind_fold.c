// SPDX-License-Identifier: GPL-2.0-only
/* Callgrind counts into result records (callgrind_fold.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "callgrind_fold.h"
#include "record.h"
#include "summary.h"

static struct pb_result *find_key(struct pb_result_set *s, const char *key)
{
	for (size_t i = 0; i < s->nrecs; i++)
		if (s->recs[i].cg_key[0] && !strcmp(s->recs[i].cg_key, key))
			return &s->recs[i];
	return NULL;
}

/* The record's callgrind "instructions" event, made (replacing a PMU one) on first use. */
static struct pb_event_result *cg_event(struct pb_result *r)
{
	struct pb_event_result *e = NULL;

	for (unsigned i = 0; i < r->nevents; i++)
		if (!strcmp(r->ev[i].name, "instructions"))
			e = &r->ev[i];
	if (e && !strcmp(e->source, "callgrind"))
		return e;
	if (!e) {
		if (r->nevents == PB_MAX_EVENTS)
			return NULL;
		e = &r->ev[r->nevents++];
	}
	free(e->rep_per_op);
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "instructions");
	snprintf(e->source, sizeof(e->source), "callgrind");
	e->available = true;
	e->rep_per_op = malloc((r->repetitions ? r->repetitions : 1) * sizeof(double));
	if (!e->rep_per_op)
		return NULL;
	for (unsigned k = 0; k < r->repetitions; k++)
		e->rep_per_op[k] = NAN;
	return e;
}

static int fold_one(struct pb_result_set *s, const struct pb_callgrind_count *c, struct pb_err *err)
{
	char label[sizeof(c->label)], *key, *rep, *end;
	struct pb_event_result *e;
	struct pb_result *rec;
	unsigned long r;
	double ops;

	snprintf(label, sizeof(label), "%s", c->label);
	if (strncmp(label, "pb|", 3))
		return 0;	/* not one of ours */
	key = label + 3;
	rep = strchr(key, '|');
	if (!rep)
		return pb_err_set(err, "callgrind dump with a malformed label '%s'", c->label);
	*rep++ = '\0';
	r = strtoul(rep, &end, 10);
	rec = find_key(s, key);
	if (*end || !rec)
		return pb_err_set(err, "callgrind dump '%s' matches no record of the results", c->label);
	if (r >= rec->repetitions)
		return pb_err_set(err, "callgrind dump '%s': repetition out of range", c->label);
	e = cg_event(rec);
	if (!e)
		return pb_err_set(err, "out of memory");
	if (!isnan(e->rep_per_op[r]))
		return pb_err_set(err, "callgrind dump '%s' seen twice", c->label);
	ops = (double)rec->ops_measured / rec->repetitions;
	e->rep_per_op[r] = ops ? (double)c->ir / ops : 0;
	return 0;
}

int pb_callgrind_fold(struct pb_result_set *s, const struct pb_callgrind_count *c, size_t n,
		      struct pb_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (fold_one(s, &c[i], err))
			return -1;
	/* Totals and per-op medians, once every repetition is in: none may be missing. */
	for (size_t i = 0; i < s->nrecs; i++) {
		struct pb_result *r = &s->recs[i];
		struct pb_event_result *e;
		double total = 0;
		unsigned m = 0;

		if (!r->cg_key[0])
			continue;
		e = cg_event(r);
		if (!e)
			return pb_err_set(err, "out of memory");
		for (unsigned k = 0; k < r->repetitions; k++)
			if (!isnan(e->rep_per_op[k])) {
				total += e->rep_per_op[k];
				m++;
			}
		if (m != r->repetitions)
			return pb_err_set(err, "%s: %u of %u repetitions counted by callgrind", r->name, m,
					  r->repetitions);
		e->per_op = pb_median(e->rep_per_op, m);
		e->total = total * (double)r->ops_measured / (double)m;
		e->running_ratio = 1.0;
	}
	pb_set_ratios(s->recs, s->nrecs, true);
	for (size_t j = 0; j < s->njobs; j++)
		snprintf(s->jobs[j].metric, sizeof(s->jobs[j].metric), "instructions");
	/* Marks the file: its ns/cycles were taken under valgrind and mean nothing. */
	snprintf(s->machine.instructions_source, sizeof(s->machine.instructions_source), "callgrind");
	return 0;
}
