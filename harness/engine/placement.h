/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where measured threads run: CPU choice by role or number, their NUMA nodes, and pinning.
 * The logic works on any topology numa.h loads (this machine's, or a synthetic one in the
 * tests); only pinning needs this machine.
 */
#ifndef PB_PLACEMENT_H
#define PB_PLACEMENT_H

#include "numa.h"
#include "params.h"
#include "platform.h"

struct pb_placement {
	struct pb_topo *topo;		/* this machine's, or the synthetic one it was placed on */
	unsigned ncpus;			/* threads placed */
	unsigned os_cpu[PB_MAX_CPUS];	/* OS CPU number of thread i (PB_MAX_THREADS == PB_MAX_CPUS) */
	int node[PB_MAX_CPUS];		/* NUMA node of thread i's CPU */
	unsigned nodes;			/* NUMA nodes of the topology */
	bool shared;			/* at least two threads were placed on one CPU */
	bool saved_ok;			/* saved holds the calling thread's binding before pinning */
	struct pb_cpuset saved;
};

/*
 * Picks @n CPUs on this machine: @want[i] when >= 0 (must be allowed), otherwise the allowed
 * CPUs in order, one per core, on CPUs no other thread has. With @allow_shared, a CPU may be
 * given to two threads and threads beyond the free cores go to the least-loaded CPU
 * (pl->shared says so); without it either is refused. -1 + @err if impossible.
 */
int pb_placement_init(struct pb_placement *pl, unsigned n, const int *want, bool allow_shared,
		      struct pb_err *err);
/*
 * The same on topology @topo, and with @mem_node >= 0 (the node the memory is bound to) the
 * threads without a CPU take cores of that node first, so a default placement is local.
 * -1 + @err naming the CPU or node when impossible.
 */
int pb_placement_init_on(struct pb_placement *pl, struct pb_topo *topo, unsigned n, const int *want,
			 bool allow_shared, int mem_node, struct pb_err *err);
/* Binds the calling thread to CPU i of @pl, making it CPU slot i (and its node) for per-CPU structures. */
int pb_placement_pin(const struct pb_placement *pl, unsigned i, struct pb_err *err);
/* The node the arenas' memory goes to: @mem_node when >= 0, else thread 0's (first touch). */
int pb_placement_mem_node(const struct pb_placement *pl, int mem_node);
/* Whether thread @i runs on another node than memory placed with @mem_node (its frees are remote). */
bool pb_placement_remote(const struct pb_placement *pl, unsigned i, int mem_node);
/* Restores the calling thread's original binding (a synthetic topology stays its maker's). */
void pb_placement_fini(struct pb_placement *pl);

#endif
