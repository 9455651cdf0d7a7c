/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Instruction counts without a PMU: the run is re-executed under valgrind's callgrind with
 * collection off, each measured repetition switches collection on, and dumps its count
 * with a label; the parent reads the dumps back. Instruction counts are repeatable for the
 * same binary and inputs however busy the machine is, which is what CI needs.
 */
#ifndef PB_CALLGRIND_H
#define PB_CALLGRIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "params.h"

/* True when this process runs under valgrind. */
bool pb_callgrind_active(void);
/* Starts counting for a measured region (no-op outside valgrind). */
void pb_callgrind_begin(void);
/* Stops counting and dumps the count under @label (no-op outside valgrind). */
void pb_callgrind_end(const char *label);

struct pb_callgrind_count {
	char label[64];
	uint64_t ir;		/* instructions executed while collection was on */
};

/*
 * Reads every callgrind dump named @prefix.* and returns the labelled counts in *@out
 * (*@n of them; free()). -1 + @err naming the file when a dump cannot be read or parsed.
 */
int pb_callgrind_read(const char *prefix, struct pb_callgrind_count **out, size_t *n,
		      struct pb_err *err);

#endif
