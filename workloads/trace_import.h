/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capture importers: a text capture of kernel tracepoints -> a trace file whose header
 * also records what the capture observed (obs_* params: packets, in-flight peak, hold-time
 * percentiles, the page_pool's holds and releases per packet, page-allocator traffic).
 * One file per importer plus one PB_TRACE_IMPORT line in trace_generators.def
 * (docs/adding-a-trace-importer.md).
 */
#ifndef PB_TRACE_IMPORT_H
#define PB_TRACE_IMPORT_H

#include "trace_format.h"

struct pb_trace_import_opts {
	const char *dev;	/* only this device's packets and polls; NULL: all */
};

/* What an import read. */
struct pb_trace_import_stats {
	uint64_t lines;		/* lines read */
	uint64_t used;		/* lines that became events or observations */
	uint64_t skipped;	/* lines not used (other events, comments, other devices) */
	uint64_t events;	/* events written */
	uint64_t packets;	/* packets in the trace */
};

struct pb_trace_importer {
	const char *name;	/* `trace import --format NAME` */
	const char *desc;
	/*
	 * Reads @in and writes the trace @out (nothing left behind on failure); -1 + @err:
	 * "IN:LINE: ..." for a malformed line it uses, exit 2 in the CLI.
	 */
	int (*import)(const char *in, const char *out, const struct pb_trace_import_opts *o,
		      struct pb_trace_import_stats *st, struct pb_err *err);
};

/* The registered importers, NULL-terminated (trace_generators.def order). */
extern const struct pb_trace_importer *const pb_trace_importers[];
/* The importer called @name, or NULL. */
const struct pb_trace_importer *pb_trace_importer_find(const char *name);

#endif
