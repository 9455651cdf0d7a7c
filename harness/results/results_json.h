/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The results file: one JSON document per run, laid out like Google Benchmark's
 * ("context" + "benchmarks"), so that a later `pagebench compare` and ad-hoc Python can
 * read it.
 */
#ifndef PB_RESULTS_JSON_H
#define PB_RESULTS_JSON_H

#include <stddef.h>
#include <jansson.h>
#include "params.h"
#include "result.h"

#define PB_RESULTS_SCHEMA_VERSION 1

/*
 * Writes @c and @r[0..n) to @path atomically (temp file, fsync, rename): either the whole
 * new file or the old one is there afterwards. 0, or -1 with @err naming the path.
 */
int pb_results_write(const char *path, const struct pb_context *c, const struct pb_result *r,
		     size_t n, struct pb_err *err);
/*
 * Loads @path and checks the fields readers rely on; 0 and the root in *@out (caller
 * json_decref()s it), or -1, *@out = NULL and @err naming file, line:column or field.
 */
/* The directory @path's file is in ("." for a bare name, "/" for the root) into @dir. */
void pb_parent_dir(const char *path, char *dir, size_t len);
/* Writes an already built result document @root to @path atomically, as pb_results_write. */
int pb_results_write_json(const char *path, json_t *root, struct pb_err *err);
/* The benchmark named @name of config job @job ("" or NULL: none) in @doc, or NULL. */
json_t *pb_results_find(json_t *doc, const char *name, const char *job);
int pb_results_read(const char *path, json_t **out, struct pb_err *err);

#endif
