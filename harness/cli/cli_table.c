// SPDX-License-Identifier: GPL-2.0-only
/* The result table printed by `pagebench run`. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#include "record.h"
#include "summary.h"

/*
 * What the previous table of this process printed, so that the tables of a config's jobs
 * do not each repeat the same machine and PMU lines.
 */
static char last_machine[512], last_pmu[512];

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
		char line[sizeof(last_pmu)];

		if (!ctx->pmu_events[0])
			return;
		snprintf(line, sizeof(line), "PMU: %s: unavailable: %s", ctx->pmu_events,
			 ctx->pmu_why[0] ? ctx->pmu_why : "no event could be counted");
		/* A config's every job would say the same: once is enough. */
		if (strcmp(line, last_pmu))
			fprintf(f, "%s\n", line);
		snprintf(last_pmu, sizeof(last_pmu), "%s", line);
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

/*
 * Where the threads and the memory were, as far as NUMA goes: on a one-node host only that
 * (every page is local there, so remote_node_pages is 0 by construction).
 */
static void print_numa(FILE *f, const struct pb_machine *m, const struct pb_job_context *ctx)
{
	/* Unknown, or the module's guest: the host's topology says nothing about it. */
	if (!m->numa_nodes || ctx->kernel_module)
		return;
	if (m->numa_nodes == 1) {
		fprintf(f, " (one NUMA node: every page is local)");
		return;
	}
	fprintf(f, " (node");
	for (unsigned i = 0; i < ctx->nthreads; i++)
		fprintf(f, i ? ",%d" : " %d", ctx->threads[i].node);
	fprintf(f, "), memory on node");
	for (unsigned i = 0; i < ctx->n_arena_nodes; i++)
		fprintf(f, i ? ",%d" : " %d", ctx->arena_nodes[i]);
	if (!ctx->n_arena_nodes)
		fprintf(f, " unknown");
}

/* The machine once per output ("as above" after that), then how this table was measured. */
static void print_machine(FILE *f, const struct pb_machine *m, const struct pb_job_context *ctx,
			  unsigned reps, unsigned procs)
{
	char of[64] = "", line[sizeof(last_machine)];

	snprintf(line, sizeof(line), "%s, %u CPUs, TSC %.3f GHz (%s), kernel %s", m->cpu_model,
		 m->num_cpus, ctx->tsc_hz / 1e9,
		 m->tsc_flags[0] ? m->tsc_flags : "no invariant TSC flags", m->kernel);
	fprintf(f, "machine: %s; pinned to CPU", strcmp(line, last_machine) ? line : "as above");
	snprintf(last_machine, sizeof(last_machine), "%s", line);
	for (unsigned i = 0; i < ctx->nthreads; i++)
		fprintf(f, "%s%d", i ? "," : " ", ctx->threads[i].cpu);
	print_numa(f, m, ctx);
	if (procs > 1)
		snprintf(of, sizeof(of), " in %u processes (order seeds %llu..%llu)", procs,
			 (unsigned long long)ctx->seed, (unsigned long long)ctx->seed + procs - 1);
	else
		snprintf(of, sizeof(of), ", order seed %llu", (unsigned long long)ctx->seed);
	fprintf(f, "; subtracted: timer %.1f cycles per batch, loop %.2f cycles per op; "
		"median of %u repetitions%s\n",
		ctx->timer_overhead_cycles, ctx->loop_overhead_cycles, reps, of);
}

/* The next "; "-separated part of a record's warning at *@p: its length; *@p moves past it. */
static size_t warning_part(const char **p, const char **part)
{
	const char *end = strstr(*p, "; ");
	size_t len = end ? (size_t)(end - *p) : strlen(*p);

	*part = *p;
	*p += len + (end ? 2 : 0);
	return len;
}

/* Whether the @len bytes at @part are a part of @w. */
static bool has_part(const char *w, const char *part, size_t len)
{
	const char *q;

	while (*w) {
		size_t l = warning_part(&w, &q);

		if (l == len && !strncmp(q, part, len))
			return true;
	}
	return false;
}

/*
 * Each distinct warning once, with the rows it is about: eight rows that all had short
 * batches are one line, not eight. Parts of a compound warning ("a; b") count apiece.
 */
static void print_warnings(FILE *f, const struct pb_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = r[i].warning, *part;

		while (*p) {
			size_t len = warning_part(&p, &part), rows = 0, shown = 0;
			bool earlier = false;

			for (size_t j = 0; j < i && !earlier; j++)
				earlier = has_part(r[j].warning, part, len);
			if (earlier)
				continue;
			for (size_t j = i; j < n; j++)
				rows += has_part(r[j].warning, part, len);
			if (rows == 1) {
				fprintf(f, "warning: %s: %.*s\n", r[i].name, (int)len, part);
				continue;
			}
			fprintf(f, "warning: %.*s (%zu rows:", (int)len, part, rows);
			for (size_t j = i; j < n && shown < 3; j++)
				if (has_part(r[j].warning, part, len))
					fprintf(f, "%s %s", shown++ ? "," : "", r[j].name);
			if (rows > shown)
				fprintf(f, " and %zu more", rows - shown);
			fputs(")\n", f);
		}
	}
}

void pb_table_print(FILE *f, const struct pb_machine *m, const struct pb_job_context *ctx,
		    const struct pb_result *r, size_t n)
{
	const char *cols[MAX_COLS];
	unsigned ncols = rate_columns(r, n, cols);
	bool cg = m->instructions_source[0] != '\0', procs = false;
	char params[256];
	int pw = 20, bw = 14;

	/*
	 * The backend and params columns as wide as their longest entries (a raw peer row's
	 * name is longer than 14), so the columns after them stay aligned.
	 */
	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(pb_params_format(&r[i].params, params, sizeof(params)));

		if (len > pw)
			pw = len < 60 ? len : 60;
		len = (int)strlen(r[i].alloc);
		if (len > bw)
			bw = len < 40 ? len : 40;
	}
	for (size_t i = 0; i < n; i++)
		procs |= r[i].processes > 1;
	/* Under callgrind the clock measured valgrind, not the code: show the counts instead. */
	if (cg)
		fprintf(f, "%-*s %-18s %-*s %-6s %12s", bw, "backend", "workload", pw, "params", "track",
			"instr/op");
	else
		fprintf(f, "%-*s %-18s %-*s %-6s %9s %9s %6s%s %9s", bw, "backend", "workload", pw,
			"params", "track", "ns/op", "cyc/op", "CV%", procs ? " procs±%" : "", "p99 cyc");
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

			fprintf(f, "%-*s %-18s %-*.*s %-6s ", bw, base ? "(baseline)" : x->alloc,
				x->workload, pw, pw, params[0] ? params : "-", x->track[0] ? x->track : "-");
			if (ins > 0)
				fprintf(f, "%12.1f ", ins);
			else
				fprintf(f, "%12s ", "-");
		} else {
			fprintf(f, "%-*s %-18s %-*.*s %-6s %9.2f %9.1f %6s ", bw,
				base ? "(baseline)" : x->alloc, x->workload, pw, pw,
				params[0] ? params : "-", x->track[0] ? x->track : "-", x->ns.median,
				x->cycles.median, cv);
			/* How far apart the processes' medians are: what one process cannot show. */
			if (procs)
				fprintf(f, "%6.1f%% ", pb_process_spread(x->rep_cycles, x->rep_process,
									x->repetitions) * 100);
			fprintf(f, "%9.1f ", x->cycles.p99);
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
	print_machine(f, m, ctx, n ? r[0].repetitions : 0, n ? r[0].processes : 1);
	if (!cg)	/* the PMU table would repeat the column and list events callgrind replaced */
		print_counters(f, ctx, r, n);
	print_warnings(f, r, n);
	for (size_t i = 0; i < n && !cg; i++)
		if (r[i].unstable) {
			fprintf(f, "note: rows marked ! vary by more than the unstable threshold across repetitions\n");
			break;
		}
}

void pb_table_print_set(FILE *f, const struct pb_result_set *s)
{
	struct pb_result *mine = calloc(s->nrecs + 1, sizeof(*mine));

	if (!mine)
		return;
	for (size_t j = 0; j < s->njobs; j++) {
		size_t n = 0;

		/* Shallow copies: a job's records side by side for the table, arrays still @s's. */
		for (size_t i = 0; i < s->nrecs; i++)
			if (!strcmp(s->recs[i].job, s->jobs[j].job))
				mine[n++] = s->recs[i];
		if (!n)
			continue;
		if (s->jobs[j].job[0])
			fprintf(f, "[%s]\n", s->jobs[j].job);
		pb_table_print(f, &s->machine, &s->jobs[j], mine, n);
	}
	free(mine);
}
