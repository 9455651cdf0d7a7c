// SPDX-License-Identifier: GPL-2.0-only
/* A workload's own figures on its records, per-packet rates, and the engine-cost column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"
#include "wl_report.h"

const struct pb_plan *pb_plan_with_null(const struct pb_plan *plan, struct pb_plan *scratch)
{
	const struct pb_alloc_ops *null = pb_alloc_find("null");

	if (!plan->wl || !plan->wl->null_row || !null || plan->nallocs >= PB_MAX_ALLOCS)
		return plan;
	for (unsigned i = 0; i < plan->nallocs; i++)
		if (plan->allocs[i] == null)
			return plan;
	*scratch = *plan;
	scratch->allocs[scratch->nallocs++] = null;
	return scratch;
}

static double per(uint64_t count, uint64_t packets)
{
	return packets ? (double)count / (double)packets : 0;
}

/* The NUMA placement work's remote-node counter, by name, if allocators/core/stats has one. */
static const struct pb_stats_field *remote_node_field(void)
{
	for (const struct pb_stats_field *f = pb_stats_fields; f->name; f++)
		if (!strncmp(f->name, "remote_node", 11))
			return f;
	return NULL;
}

void pb_wl_report_records(struct instance *in, const struct pb_stats *stats, struct pb_result *rec)
{
	struct pb_wl_report *rep = &in->wr.report;
	static const enum pb_counter_kind kinds[] = {
		[PB_WL_FIG_RATE] = PB_CTR_RATE, [PB_WL_FIG_COUNT] = PB_CTR_COUNT,
		[PB_WL_FIG_LEVEL] = PB_CTR_LEVEL,
	};
	uint64_t pk = rep->packets;

	if (pk && stats) {
		const struct pb_stats_field *rn = remote_node_field();
		uint64_t atomics = 0;
		bool atomics_counted = !(in->ops && in->ops->uncounted_atomics);

		for (unsigned t = 0; t < in->wl->nthreads; t++)
			atomics += in->acc[t].atomics;
		pb_counter_set(rec, "page_allocator_calls_per_packet", PB_CTR_RATE, true,
			       per(stats->pa_alloc_calls + stats->pa_free_calls, pk));
		pb_counter_set(rec, "page_allocator_pages_per_packet", PB_CTR_RATE, true,
			       per(stats->pa_alloc_pages + stats->pa_free_pages, pk));
		/* What page_pool_state_hold / _release count: pages into and out of the pool. */
		pb_counter_set(rec, "pool_holds_per_packet", PB_CTR_RATE, true, per(stats->pa_alloc_pages, pk));
		pb_counter_set(rec, "pool_releases_per_packet", PB_CTR_RATE, true, per(stats->pa_free_pages, pk));
		pb_counter_set(rec, "dma_maps_per_packet", PB_CTR_RATE, true, per(stats->dma_map, pk));
		pb_counter_set(rec, "atomics_per_packet", PB_CTR_RATE, atomics_counted, per(atomics, pk));
		pb_counter_set(rec, "remote_node_pages", PB_CTR_COUNT, rn != NULL,
			       rn ? (double)pb_stats_get(stats, rn) : 0);
	}
	for (unsigned i = 0; i < rep->nfig; i++)
		pb_counter_set(rec, rep->fig[i].name, kinds[rep->fig[i].kind], rep->fig[i].counted,
			       rep->fig[i].value);
	if (rep->series && rep->nsamples && !rec->series) {
		struct pb_series *s = calloc(1, sizeof(*s));

		if (s) {
			s->ncols = rep->ncols < PB_SERIES_COLS ? rep->ncols : PB_SERIES_COLS;
			s->n = rep->nsamples;
			for (unsigned c = 0; c < s->ncols; c++)
				snprintf(s->col[c], sizeof(s->col[c]), "%s", rep->series_cols[c]);
			if (s->ncols == rep->ncols) {
				s->v = rep->series;
				rep->series = NULL;
				rec->series = s;
			} else {
				free(s);
			}
		}
	}
}

void pb_engine_cost(const struct pb_workload *wl, struct pb_result *r, size_t n)
{
	char name[sizeof(r->workload)];

	if (!wl || !wl->null_row)
		return;
	snprintf(name, sizeof(name), "%s", wl->name);	/* as a record holds it */
	for (size_t i = 0; i < n; i++) {
		const struct pb_result *null = NULL;

		if (strcmp(r[i].kind, "backend") || strcmp(r[i].workload, name))
			continue;
		for (size_t j = 0; j < n && !null; j++)
			if (!strcmp(r[j].alloc, "null") && !strcmp(r[j].workload, r[i].workload) &&
			    !strcmp(r[j].job, r[i].job) && !strcmp(r[j].track, r[i].track))
				null = &r[j];
		if (!null)
			continue;
		pb_counter_set(&r[i], "engine_ns_per_event", PB_CTR_RATE, true, null->ns.median);
		pb_counter_set(&r[i], "net_ns_per_event", PB_CTR_RATE, true,
			       r[i].ns.median > null->ns.median ? r[i].ns.median - null->ns.median : 0);
	}
}
