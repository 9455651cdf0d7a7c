// SPDX-License-Identifier: GPL-2.0-only
/* The result table printed by `pagebench run`. */
#include <string.h>
#include "cli.h"

#include "record.h"

static const struct pb_event_result *event(const struct pb_result *r, const char *name)
{
	for (unsigned i = 0; i < r->nevents; i++)
		if (!strcmp(r->ev[i].name, name) && r->ev[i].available)
			return &r->ev[i];
	return NULL;
}

/*
 * The PMU table: every counted event per op for each record, with IPC when both cycles and
 * instructions were counted, and the multiplexing ratio when an event shared a counter.
 */
static void print_counters(FILE *f, const struct pb_job_context *ctx, const struct pb_result *r,
			   size_t n)
{
	const struct pb_result *any = NULL;

	for (size_t i = 0; i < n && !any; i++)
		for (unsigned e = 0; e < r[i].nevents; e++)
			if (r[i].ev[e].available)
				any = &r[i];
	if (!any) {
		if (ctx->pmu_events[0])
			fprintf(f, "PMU: %s: unavailable: %s\n", ctx->pmu_events,
				ctx->pmu_why[0] ? ctx->pmu_why : "no event could be counted");
		return;
	}
	fprintf(f, "%-14s %-18s %-6s", "backend", "workload", "track");
	for (unsigned e = 0; e < any->nevents; e++)
		if (any->ev[e].available)
			fprintf(f, " %16.16s/op", any->ev[e].name);
	fprintf(f, " %6s %6s\n", "IPC", "mux%");
	for (size_t i = 0; i < n; i++) {
		const struct pb_event_result *cyc = event(&r[i], "cycles");
		const struct pb_event_result *ins = event(&r[i], "instructions");
		double mux = 1;

		fprintf(f, "%-14s %-18s %-6s", r[i].alloc[0] ? r[i].alloc : "(baseline)", r[i].workload,
			r[i].track[0] ? r[i].track : "-");
		for (unsigned e = 0; e < r[i].nevents; e++) {
			if (!any->ev[e].available)
				continue;
			if (r[i].ev[e].available) {
				fprintf(f, " %19.2f", r[i].ev[e].per_op);
				if (r[i].ev[e].running_ratio < mux)
					mux = r[i].ev[e].running_ratio;
			} else {
				fprintf(f, " %19s", "-");
			}
		}
		if (cyc && ins && cyc->per_op > 0)
			fprintf(f, " %6.2f", ins->per_op / cyc->per_op);
		else
			fprintf(f, " %6s", "-");
		fprintf(f, " %6.1f\n", mux * 100);
	}
	for (unsigned e = 0; e < any->nevents; e++)
		if (!any->ev[e].available)
			fprintf(f, "PMU: %s not counted: %s\n", any->ev[e].name, any->ev[e].why);
}

#define MAX_COLS 16

/* The rate counters any record has that the table shows, in first-seen order. */
static unsigned rate_columns(const struct pb_result *r, size_t n, const char **cols)
{
	unsigned nc = 0;

	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < r[i].nctr; k++) {
			const struct pb_counter *c = &r[i].ctr[k];
			const char *label;
			int w, p;
			unsigned j;

			if (c->kind != PB_CTR_RATE || !pb_counter_column(c->name, &label, &w, &p))
				continue;
			for (j = 0; j < nc && strcmp(cols[j], c->name); j++)
				;
			if (j == nc && nc < MAX_COLS)
				cols[nc++] = c->name;
		}
	return nc;
}

void pb_table_print(FILE *f, const struct pb_machine *m, const struct pb_job_context *ctx,
		    const struct pb_result *r, size_t n)
{
	const char *cols[MAX_COLS];
	unsigned ncols = rate_columns(r, n, cols);
	bool cg = m->instructions_source[0] != '\0';
	char params[256];
	int pw = 20;

	/* The params column as wide as its longest entry, so the columns after it stay aligned. */
	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(pb_params_format(&r[i].params, params, sizeof(params)));

		if (len > pw)
			pw = len < 60 ? len : 60;
	}
	/* Under callgrind the clock measured valgrind, not the code: show the counts instead. */
	if (cg)
		fprintf(f, "%-14s %-18s %-*s %-6s %12s", "backend", "workload", pw, "params", "track",
			"instr/op");
	else
		fprintf(f, "%-14s %-18s %-*s %-6s %9s %9s %6s %9s", "backend", "workload", pw,
			"params", "track", "ns/op", "cyc/op", "CV%", "p99 cyc");
	for (unsigned c = 0; c < ncols; c++) {
		const char *label;
		int w, p;

		pb_counter_column(cols[c], &label, &w, &p);
		fprintf(f, " %*s", w, label);
	}
	fprintf(f, " %7s\n", "ratio");
	for (size_t i = 0; i < n; i++) {
		const struct pb_result *x = &r[i];
		bool base = !strcmp(x->kind, "baseline");
		char cv[16];

		pb_params_format(&x->params, params, sizeof(params));
		/* '!' marks a row whose spread is above the unstable threshold; one sample has none. */
		if (x->repetitions < 2)
			snprintf(cv, sizeof(cv), "-");
		else
			snprintf(cv, sizeof(cv), "%.1f%s", x->cycles.cv * 100, x->unstable ? "!" : "");
		if (cg) {
			double ins = pb_record_metric(x, true);

			fprintf(f, "%-14s %-18s %-*.*s %-6s ", base ? "(baseline)" : x->alloc,
				x->workload, pw, pw, params[0] ? params : "-", x->track[0] ? x->track : "-");
			if (ins > 0)
				fprintf(f, "%12.1f ", ins);
			else
				fprintf(f, "%12s ", "-");
		} else {
			fprintf(f, "%-14s %-18s %-*.*s %-6s %9.2f %9.1f %6s %9.1f ",
				base ? "(baseline)" : x->alloc, x->workload, pw, pw,
				params[0] ? params : "-", x->track[0] ? x->track : "-", x->ns.median,
				x->cycles.median, cv, x->cycles.p99);
		}
		for (unsigned c = 0; c < ncols; c++) {
			const struct pb_counter *v = pb_counter_find(x, cols[c]);
			const char *label;
			int w, p;

			pb_counter_column(cols[c], &label, &w, &p);
			/* "-" where nothing was counted: a 0 there would be a claim. */
			if (v && v->counted)
				fprintf(f, "%*.*f ", w, p, v->value);
			else
				fprintf(f, "%*s ", w, "-");
		}
		if (base)
			fprintf(f, "%7s\n", "-");
		else
			fprintf(f, "%7.2f\n", x->ratio);
	}
	fprintf(f, "machine: %s, %u CPUs, TSC %.3f GHz (%s), kernel %s; pinned to CPU",
		m->cpu_model, m->num_cpus, ctx->tsc_hz / 1e9,
		m->tsc_flags[0] ? m->tsc_flags : "no invariant TSC flags", m->kernel);
	for (unsigned i = 0; i < ctx->nthreads; i++)
		fprintf(f, "%s%d", i ? "," : " ", ctx->threads[i].cpu);
	fprintf(f, "; subtracted: timer %.1f cycles per batch, loop %.2f cycles per op; "
		"median of %u repetitions, order seed %llu\n",
		ctx->timer_overhead_cycles, ctx->loop_overhead_cycles, n ? r[0].repetitions : 0,
		(unsigned long long)ctx->seed);
	if (!cg)	/* the PMU table would repeat the column and list events callgrind replaced */
		print_counters(f, ctx, r, n);
	for (size_t i = 0; i < n; i++)
		if (r[i].warning[0])
			fprintf(f, "warning: %s: %s\n", r[i].name, r[i].warning);
	for (size_t i = 0; i < n && !cg; i++)
		if (r[i].unstable) {
			fprintf(f, "note: rows marked ! vary by more than the unstable threshold across repetitions\n");
			break;
		}
}
