/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Collects the facts about the machine and the invocation that go beside every result set.
 */
#ifndef PB_CONTEXT_H
#define PB_CONTEXT_H

#include "result.h"

/*
 * Fills every field of @c except tsc_hz, measured_cpus, n_measured_cpus and
 * timer_overhead_cycles (left untouched); a fact that cannot be found is left empty/zero.
 */
void pb_context_collect(struct pb_context *c, int argc, char **argv);

#endif
