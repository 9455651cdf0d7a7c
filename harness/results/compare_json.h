/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `pagebench compare --json FILE`: the comparison as data, so that other tools (the HTML
 * report's history, reports/compare_bridge.py) read compare's own verdicts instead of
 * re-deriving them: one implementation of the statistics. Fields: docs/result-schema.md,
 * "Compare output".
 */
#ifndef PB_COMPARE_JSON_H
#define PB_COMPARE_JSON_H

#include "compare.h"

#define PB_COMPARE_JSON_VERSION 1

/*
 * Writes @c (compared under @o, from @oldname and @newname) to @path atomically: the rows
 * with every field of struct pb_compare_row, the summary, the options and the exit status
 * pb_compare_status gives. Infinite interval ends are null. 0, or -1 with @err.
 */
int pb_compare_write_json(const char *path, const struct pb_compare *c,
			  const struct pb_compare_opts *o, const char *oldname,
			  const char *newname, struct pb_err *err);

#endif
