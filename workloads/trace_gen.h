/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace generators (docs/traces.md): deterministic from a seed, each a pull source of
 * events, so a trace can be written to a file (`trace gen`) or fed straight into a replay
 * with no file between. Releases are kept in a priority queue, so events come out in time
 * order and memory is O(packets in flight). One file per generator plus one line in
 * trace_generators.def.
 */
#ifndef PB_TRACE_GEN_H
#define PB_TRACE_GEN_H

#include "trace_format.h"

struct pb_tgen;
struct pb_tgen_plan;

struct pb_trace_gen_def {
	const char *name;			/* "rx-drop", ... */
	const char *desc;			/* one line for `trace gen --help` */
	const struct pb_param_spec *params;	/* every key it takes, documented with its seed */
	/* Adds the CPUs (roles) to g->hdr and sets g->cpu_*; -1 + @err on a bad combination. */
	int (*init)(struct pb_tgen *g, struct pb_err *err);
	/* Plans packet @pkt arriving at @t: its length, path and later events (the last releases). */
	void (*plan)(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p);
};

/* The registered generators, NULL-terminated (trace_generators.def order). */
extern const struct pb_trace_gen_def *const pb_trace_gens[];
/* The generator called @name, or NULL. */
const struct pb_trace_gen_def *pb_trace_gen_find(const char *name);
/*
 * Opens generator @name with parameters @p (checked against its spec) and @seed as a
 * source in *@src; -1 + @err naming the generator, key and value when something is wrong.
 * The header (src->hdr) records the generator, the seed and every parameter's value.
 */
int pb_trace_gen_open(struct pb_trace_source *src, const char *name, const struct pb_params *p,
		      uint64_t seed, struct pb_err *err);
/* Generates the whole trace of generator @name into @sink (pb_trace_gen_open + pump). */
int pb_trace_gen_run(const char *name, const struct pb_params *p, uint64_t seed,
		     struct pb_trace_sink *sink, struct pb_err *err);

#endif
