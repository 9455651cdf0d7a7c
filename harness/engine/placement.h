/* SPDX-License-Identifier: GPL-2.0-only */
/* Where measured threads run: CPU choice and pinning through hwloc. */
#ifndef PB_PLACEMENT_H
#define PB_PLACEMENT_H

#include <hwloc.h>
#include "params.h"
#include "platform.h"

struct pb_placement {
	hwloc_topology_t topo;
	unsigned ncpus;			/* threads placed */
	unsigned os_cpu[PB_MAX_CPUS];	/* OS CPU number of thread i (PB_MAX_THREADS == PB_MAX_CPUS) */
	bool shared;			/* at least two threads were placed on one CPU */
	hwloc_bitmap_t saved;		/* the calling thread's binding before pinning */
};

/*
 * Loads the topology and picks @n CPUs: @want[i] when >= 0 (must be allowed), otherwise the
 * allowed CPUs in order, one per core, on CPUs no other thread has. With @allow_shared, a
 * CPU may be given to two threads and threads beyond the free cores go to the least-loaded
 * CPU (pl->shared says so); without it either is refused. -1 + @err if impossible.
 */
int pb_placement_init(struct pb_placement *pl, unsigned n, const int *want, bool allow_shared,
		      struct pb_err *err);
/* Binds the calling thread to CPU i of @pl and makes it CPU slot i for per-CPU structures. */
int pb_placement_pin(const struct pb_placement *pl, unsigned i, struct pb_err *err);
/* Restores the calling thread's original binding and releases the topology. */
void pb_placement_fini(struct pb_placement *pl);

#endif
