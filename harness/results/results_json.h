/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The results file, and the only code that writes or reads one (docs/result-schema.md):
 * "context" (the machine), "jobs" (one context per job), "benchmarks" (one pagebench record
 * per benchmark, plus the rows Google Benchmark's tools read, which the reader skips).
 */
#ifndef PB_RESULTS_JSON_H
#define PB_RESULTS_JSON_H

#include <stddef.h>
#include "atomic_file.h"	/* pb_parent_dir, for the writers' callers */
#include "params.h"
#include "result.h"

#define PB_RESULTS_SCHEMA_VERSION 2

/*
 * Writes @s to @path atomically (temp file, fsync, rename): either the whole new file or the
 * old one is there afterwards. 0, or -1 with @err naming the path.
 */
int pb_results_write(const char *path, const struct pb_result_set *s, struct pb_err *err);
/*
 * Reads the results file @path (schema 1 or 2) into @out (free with pb_result_set_free):
 * 0, or -1, @out empty, and @err naming file, line:column or the field that is wrong.
 */
int pb_results_load(const char *path, struct pb_result_set *out, struct pb_err *err);
struct json_t;
/*
 * Writes the JSON value @root to @path atomically, the way pb_results_write writes a results
 * file (for the other machine-readable outputs: compare --json). 0, or -1 with @err.
 */
int pb_json_write_file(const char *path, struct json_t *root, struct pb_err *err);

#endif
