/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Collects the facts about the machine and the invocation that go at the top of every result
 * file (the job contexts are filled by pb_run, which measures them).
 */
#ifndef PB_CONTEXT_H
#define PB_CONTEXT_H

#include "result.h"

/* Fills every field of @m; a fact that cannot be found is left empty/zero. */
void pb_machine_collect(struct pb_machine *m, int argc, char **argv);
/* The NUMA node OS CPU @cpu belongs to (numa.h: hwloc), or -1 when not known. */
int pb_cpu_node(int cpu);

#endif
