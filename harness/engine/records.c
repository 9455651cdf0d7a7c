// SPDX-License-Identifier: GPL-2.0-only
/* From samples to records: names, statistics, PMU figures, ratios. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runner_internal.h"
#include "wl_report.h"

/* The parameters this instance took, and its record names: "workload/backend[/k=v,..][/track]". */
/* A count in one spelling whatever the user typed: 67108864 and 64M are both "64M". */
static void format_count(char *buf, size_t len, uint64_t x)
{
	if (x && !(x % (1ull << 30)))
		snprintf(buf, len, "%lluG", (unsigned long long)(x >> 30));
	else if (x && !(x % (1ull << 20)))
		snprintf(buf, len, "%lluM", (unsigned long long)(x >> 20));
	else
		snprintf(buf, len, "%llu", (unsigned long long)x);
}

void pb_instance_name(const struct pb_plan *plan, struct instance *in)
{
	/* Table order, not command-line order, and numbers as numbers: the same experiment gets
	 * the same name however it was spelled, so compare pairs a config run with a CLI run. */
	const struct pb_param_spec *tables[3] = {
		in->ops ? in->ops->params : NULL, in->wl->params, pb_mem_params,
	};
	struct pb_params named = { 0 };
	/* The path its frees took, always named (workloads/path.h), in place of path= as given. */
	const char *path = pb_wl_path_name(in->wl, in->ops, &plan->params);
	char pbuf[256];

	in->own.n = 0;
	for (unsigned k = 0; in->ops && k < 3; k++) {
		for (const struct pb_param_spec *sp = tables[k]; sp && sp->key; sp++) {
			const char *raw = pb_params_raw(&plan->params, sp->key);
			struct pb_param *kv;
			uint64_t x;

			if (!raw || pb_params_raw(&in->own, sp->key) || (path && !strcmp(sp->key, "path")))
				continue;
			kv = &in->own.kv[in->own.n++];
			snprintf(kv->key, sizeof(kv->key), "%s", sp->key);
			if (sp->type == PB_PARAM_UINT && !pb_param_parse(sp, raw, &x, NULL))
				format_count(kv->value, sizeof(kv->value), x);
			else
				snprintf(kv->value, sizeof(kv->value), "%s", raw);
			if (!sp->not_in_name)
				named.kv[named.n++] = *kv;
		}
	}
	if (path && in->own.n < PB_MAX_PARAMS) {
		struct pb_param *kv = &in->own.kv[in->own.n++];

		snprintf(kv->key, sizeof(kv->key), "path");
		snprintf(kv->value, sizeof(kv->value), "%s", path);
		named.kv[named.n++] = *kv;
	}
	pb_params_format(&named, pbuf, sizeof(pbuf));
	for (unsigned t = 0; t < in->wl->nthreads; t++)
		pb_record_name(in->name[t], sizeof(in->name[t]), in->wl->name,
			       in->ops ? in->ops->name : "", pbuf,
			       in->wl->tracks[t] ? in->wl->tracks[t] : "");
}

void pb_instance_acc_free(struct instance *in)
{
	for (unsigned t = 0; in->acc && t < in->wl->nthreads; t++) {
		free(in->acc[t].rep_cycles);
		free(in->acc[t].batch_cycles);
		in->acc[t].rep_cycles = in->acc[t].batch_cycles = NULL;
		for (unsigned i = 0; i < PB_MAX_EVENTS; i++) {
			free(in->acc[t].ev_rep[i]);
			in->acc[t].ev_rep[i] = NULL;
		}
	}
	free(in->acc);
	free(in->name);
	in->acc = NULL;
	in->name = NULL;
	free(in->wr.report.series);	/* a series no record took */
	in->wr.report.series = NULL;
}

/* The PMU figures of one track: totals, per op, multiplexing, per-repetition samples. */
static void make_events(const struct runner *rt, struct track_acc *acc, struct pb_result *r)
{
	r->nevents = rt->pmu_on ? rt->spec.n : 0;
	for (unsigned i = 0; i < r->nevents && i < PB_MAX_EVENTS; i++) {
		struct pb_event_result *e = &r->ev[i];

		snprintf(e->name, sizeof(e->name), "%s", rt->spec.name[i]);
		e->available = acc->ev_seen && acc->ev_ok[i] && !isnan(pb_pmu_scaled(&acc->pmu, i));
		if (!e->available) {
			snprintf(e->why, sizeof(e->why), "%s",
				 acc->ev_why[i][0] ? acc->ev_why[i] : "not counted (never scheduled)");
			continue;
		}
		e->total = pb_pmu_scaled(&acc->pmu, i);
		e->per_op = pb_pmu_per_op(&acc->pmu, i, acc->ops);
		e->running_ratio = pb_pmu_ratio(&acc->pmu, i);
		e->rep_per_op = acc->ev_rep[i];
		acc->ev_rep[i] = NULL;
	}
}

/* Moves an instance's samples into result records (one per track), finished as every record is. */
int pb_instance_records(const struct runner *rt, const struct pb_job_context *job,
			struct instance *in, const struct pb_stats *stats, struct pb_result *out,
			struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;
	int rc = 0;

	for (unsigned t = 0; t < in->wl->nthreads; t++) {
		struct pb_result *r = &out[t];
		struct track_acc *acc = &in->acc[t];
		struct pb_record_counts c = {
			.stats = stats,
			.stats_elsewhere = stats && t > 0,
			.atomics = acc->atomics,
			.atomics_counted = !(in->ops && in->ops->uncounted_atomics),
			.pa_calls_counted = true,
			.leaked = in->leaked,
		};

		memset(r, 0, sizeof(*r));
		snprintf(r->alloc, sizeof(r->alloc), "%s", in->ops ? in->ops->name : "");
		snprintf(r->workload, sizeof(r->workload), "%s", in->wl->name);
		snprintf(r->kind, sizeof(r->kind), "%s", in->wl->baseline ? "baseline" : "backend");
		snprintf(r->track, sizeof(r->track), "%s", in->wl->tracks[t] ? in->wl->tracks[t] : "");
		snprintf(r->name, sizeof(r->name), "%s", in->name[t]);
		r->params = in->own;
		if (!c.atomics_counted && !strstr(in->warning, "atomics not counted")) {
			size_t len = strlen(in->warning);

			/* Added to, not instead of, what the run already had to say. */
			snprintf(in->warning + len, sizeof(in->warning) - len, "%satomics not counted: %s",
				 len ? "; " : "", in->ops->uncounted_atomics);
		}
		make_events(rt, acc, r);
		snprintf(r->job, sizeof(r->job), "%s", plan->job);
		if (t == 0)
			snprintf(r->cg_key, sizeof(r->cg_key), "%s", in->cg_key);
		snprintf(r->warning, sizeof(r->warning), "%s", in->warning);
		r->repetitions = plan->reps;
		r->threads = in->wl->nthreads;
		/* Fixed work: what this thread replayed, not a loop count. */
		r->ops = in->wl->work_size ? in->wr.work[t] : in->wr.ops;
		r->ops_measured = acc->ops;
		r->rep_cycles = acc->rep_cycles;
		r->batch_cycles = acc->batch_cycles;
		r->nbatch = acc->nbatch;
		acc->rep_cycles = acc->batch_cycles = NULL;
		if (!rc)
			rc = pb_record_finish(r, job, &c, err);
	}
	if (!rc)
		pb_wl_report_records(in, stats, &out[0]);
	pb_instance_acc_free(in);	/* what the records did not take */
	return rc;
}
