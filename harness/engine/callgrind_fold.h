/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Folding callgrind's labelled instruction counts into the result set its child run wrote:
 * each record gets an "instructions" event (source "callgrind") with one sample per
 * repetition, the ratios are re-ranked by instructions (record.h's rule) and the set is
 * marked as counted under valgrind (its timings mean nothing).
 */
#ifndef PB_CALLGRIND_FOLD_H
#define PB_CALLGRIND_FOLD_H

#include <stddef.h>
#include "callgrind.h"
#include "result.h"

/*
 * Folds counts @c[0..n) labelled "pb|KEY|REP" into the records of @s whose callgrind_key is
 * KEY, then re-ranks. -1 + @err when a label is malformed or matches no record, a dump is
 * seen twice, or a labelled record does not get exactly one count per repetition.
 */
int pb_callgrind_fold(struct pb_result_set *s, const struct pb_callgrind_count *c, size_t n,
		      struct pb_err *err);

#endif
