// SPDX-License-Identifier: GPL-2.0-only
/* The result table printed by `pagebench run`. */
#include <string.h>
#include "cli.h"

static double per_op(uint64_t x, uint64_t ops)
{
	return ops ? (double)x / (double)ops : 0;
}

void pb_table_print(FILE *f, const struct pb_context *ctx, const struct pb_result *r, size_t n)
{
	char params[256];

	fprintf(f, "%-14s %-18s %-20s %-6s %9s %9s %6s %9s %8s %8s %7s %7s\n", "backend", "workload",
		"params", "track", "ns/op", "cyc/op", "CV%", "p99 cyc", "atom/op", "pa/op", "map/op",
		"ratio");
	for (size_t i = 0; i < n; i++) {
		const struct pb_result *x = &r[i];
		bool base = !strcmp(x->kind, "baseline");

		pb_params_format(&x->params, params, sizeof(params));
		char cv[16];

		/* '!' marks a row whose spread is above the unstable threshold. */
		snprintf(cv, sizeof(cv), "%.1f%s", x->cycles.cv * 100, x->unstable ? "!" : "");
		fprintf(f, "%-14s %-18s %-20s %-6s %9.2f %9.1f %6s %9.1f ",
			base ? "(baseline)" : x->alloc, x->workload, params[0] ? params : "-",
			x->track[0] ? x->track : "-", x->ns.median, x->cycles.median, cv, x->cycles.p99);
		if (base)
			fprintf(f, "%8.2f %8s %7s %7s\n", per_op(x->atomics, x->stats_ops), "-", "-", "-");
		else
			fprintf(f, "%8.2f %8.3f %7.3f %7.2f\n", per_op(x->atomics, x->stats_ops),
				per_op(x->stats.pa_alloc_calls + x->stats.pa_free_calls, x->stats_ops),
				per_op(x->stats.dma_map, x->stats_ops), x->ratio);
	}
	fprintf(f, "machine: %s, %u CPUs, TSC %.3f GHz (%s), kernel %s; pinned to CPU",
		ctx->cpu_model, ctx->num_cpus, ctx->tsc_hz / 1e9,
		ctx->tsc_flags[0] ? ctx->tsc_flags : "no invariant TSC flags", ctx->kernel);
	for (unsigned i = 0; i < ctx->n_measured_cpus; i++)
		fprintf(f, "%s%u", i ? "," : " ", ctx->measured_cpus[i]);
	fprintf(f, "; subtracted: timer %.1f cycles per batch, loop %.2f cycles per op; "
		"median of %u repetitions, order seed %llu\n",
		ctx->timer_overhead_cycles, ctx->loop_overhead_cycles, n ? r[0].repetitions : 0,
		(unsigned long long)ctx->seed);
	for (size_t i = 0; i < n; i++)
		if (r[i].warning[0])
			fprintf(f, "warning: %s: %s\n", r[i].name, r[i].warning);
	for (size_t i = 0; i < n; i++)
		if (r[i].unstable) {
			fprintf(f, "note: rows marked ! vary by more than the unstable threshold across repetitions\n");
			break;
		}
}
