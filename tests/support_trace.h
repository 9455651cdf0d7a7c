/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers of the trace tests: temp paths, writing event lists, running the CLI. */
#ifndef PB_SUPPORT_TRACE_H
#define PB_SUPPORT_TRACE_H

#include <stddef.h>
#include "trace_format.h"

/* A fresh path "DIR/NAME" in a per-process temp directory (static storage, 8 slots). */
const char *pb_ttmp(const char *name);
/* Writes @n events to @path with @ncpus CPUs of @roles; asserts it worked. */
void pb_twrite(const char *path, unsigned ncpus, const unsigned *roles,
	       const struct pb_trace_event *ev, size_t n);
/* Runs "$PB_BIN @args" with stdout+stderr into @out (NUL-terminated); the exit status, or -1 without PB_BIN. */
int pb_trun(const char *args, char *out, size_t len);

#endif
