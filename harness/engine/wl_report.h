/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a workload reports besides time (workload.h, struct pb_wl_report: a trace replay's
 * packets and memory), on its records; and the null row a replay runs with, whose cost per
 * event is the engine's own, shown beside every row of the replay.
 */
#ifndef PB_WL_REPORT_H
#define PB_WL_REPORT_H

#include "runner_internal.h"

/*
 * @plan, or @scratch = @plan with the null backend added last when its workload asks for a
 * null row (null_row) and @plan has none and room for one.
 */
const struct pb_plan *pb_plan_with_null(const struct pb_plan *plan, struct pb_plan *scratch);
/*
 * Puts @in's workload report on its first-track record @rec (finished): the figures as
 * counters, the per-packet rates of the instance's counters @stats (NULL: none) and the
 * per-packet locked instructions of all its threads, and the series (moved).
 */
void pb_wl_report_records(struct instance *in, const struct pb_stats *stats, struct pb_result *rec);
/*
 * For every backend record of workload @wl (a null_row workload) in @r[0..n): the null
 * backend's median ns per op on the same job and track as `engine_ns_per_event`, and its
 * own median less that as `net_ns_per_event` (not below 0). Nothing when there is no null row.
 */
void pb_engine_cost(const struct pb_workload *wl, struct pb_result *r, size_t n);

#endif
