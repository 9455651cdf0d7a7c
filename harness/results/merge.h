/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The result sets of the processes of one measurement (`run --processes N`, each side of
 * `ab`) merged into one: per benchmark one record holding every process's repetitions, each
 * tagged with the process it ran in, so that statistics and compare can see the variance
 * between processes (result.h: rep_process).
 */
#ifndef PB_MERGE_H
#define PB_MERGE_H

#include "result.h"

/*
 * Merges @parts[0..n) (part p: what process p measured; a part that was itself merged keeps
 * its processes, numbered after those of the parts before it) into @out (overwritten): the
 * machine of the first part, every job once (the first part's context that has it), and per
 * (job, name) one record, in order of first appearance, with all repetitions and timed
 * batches, statistics recomputed (pb_record_summarize, with the job's seed and threshold;
 * the interval of the median resamples processes), counters combined (rates weighted by
 * the operations each part measured, counts summed, levels the last part's), PMU events
 * summed and their samples joined, distinct warnings kept, ratios set again. A part that
 * is incomplete makes @out incomplete with its job and error. -1 + @err when a record's
 * kind, backend or workload differs between parts, or when memory runs out (@out empty).
 */
int pb_results_merge(const struct pb_result_set *parts, size_t n, struct pb_result_set *out,
		     struct pb_err *err);

#endif
