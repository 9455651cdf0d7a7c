// SPDX-License-Identifier: GPL-2.0-only
/* CPU choice by role or number, NUMA nodes of the chosen CPUs, and pinning (through numa.h). */
#include <errno.h>
#include <string.h>
#include "placement.h"
#include "platform.h"

/* Threads of the first @n placed on @cpu. */
static unsigned cpu_load(const struct pb_placement *pl, const bool *set, unsigned n, unsigned cpu)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += set[i] && pl->os_cpu[i] == cpu;
	return k;
}

/* Gives @cpu to the first thread without one; false when every thread has one. */
static bool give(struct pb_placement *pl, bool *set, unsigned n, unsigned cpu)
{
	for (unsigned i = 0; i < n; i++) {
		if (!set[i]) {
			pl->os_cpu[i] = cpu;
			set[i] = true;
			return true;
		}
	}
	return false;
}

/* Moves the cores of node @node to the front, keeping topology order within each part. */
static void local_first(unsigned *cores, const int *node, unsigned n, int mem_node)
{
	unsigned out[PB_MAX_CPUS], k = 0;

	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned c = 0; c < n; c++)
			if ((node[c] == mem_node) == !pass)
				out[k++] = cores[c];
	memcpy(cores, out, n * sizeof(*cores));
}

int pb_placement_init(struct pb_placement *pl, unsigned n, const int *want, bool allow_shared,
		      struct pb_err *err)
{
	struct pb_topo *t = pb_topo_system();

	if (!t) {
		memset(pl, 0, sizeof(*pl));
		return pb_err_set(err, "hwloc cannot read the CPU topology");
	}
	return pb_placement_init_on(pl, t, n, want, allow_shared, -1, err);
}

int pb_placement_init_on(struct pb_placement *pl, struct pb_topo *topo, unsigned n, const int *want,
			 bool allow_shared, int mem_node, struct pb_err *err)
{
	struct pb_cpuset allowed;
	bool set[PB_MAX_CPUS] = { false };
	unsigned cores[PB_MAX_CPUS];	/* one allowed PU per core, in topology order */
	int core_node[PB_MAX_CPUS];
	unsigned ncores, got = 0;

	memset(pl, 0, sizeof(*pl));
	pl->topo = topo;
	if (n > PB_MAX_CPUS)
		return pb_err_set(err, "at most %d measured threads are supported", PB_MAX_CPUS);
	if (mem_node >= 0 && !pb_topo_has_node(topo, (unsigned)mem_node))
		return pb_err_set(err, "node=%d: no such NUMA node (this machine has %u)", mem_node,
				  pb_topo_nodes(topo));
	pl->nodes = pb_topo_nodes(topo);
	/*
	 * What this thread may run on before we pin it: a process whose main thread was pinned
	 * by an earlier run would otherwise report only that one CPU.
	 */
	if (pb_topo_is_system(topo))
		pl->saved_ok = !pb_thread_get_binding(&pl->saved);
	pb_topo_allowed(topo, &allowed);
	for (unsigned i = 0; i < n; i++) {
		if (!want || want[i] < 0)
			continue;
		if (!pb_cpuset_has(&allowed, (unsigned)want[i]))
			return pb_err_set(err, "--cpus: CPU %d is not available", want[i]);
		if (cpu_load(pl, set, n, (unsigned)want[i]) && !allow_shared)
			return pb_err_set(err, "--cpus: CPU %d given to two threads (threads share a CPU only with --allow-shared-cpus)",
					  want[i]);
		pl->os_cpu[i] = (unsigned)want[i];
		set[i] = true;
		got++;
	}
	ncores = pb_topo_cores(topo, &allowed, cores, core_node, PB_MAX_CPUS);
	if (mem_node >= 0)
		local_first(cores, core_node, ncores, mem_node);
	/* Fill the rest with one PU per core, so two measured threads never share a core. */
	for (unsigned c = 0; c < ncores && got < n; c++)
		if (!cpu_load(pl, set, n, cores[c]) && give(pl, set, n, cores[c]))
			got++;
	if (got < n && (!allow_shared || !ncores))
		return pb_err_set(err, "%u measured threads, but only %u CPUs (on distinct cores) for them: threads share CPUs only with --allow-shared-cpus",
				  n, got);
	/* Shared: each thread left goes to the core CPU with the fewest threads so far. */
	while (got < n) {
		unsigned best = cores[0];

		for (unsigned c = 1; c < ncores; c++)
			if (cpu_load(pl, set, n, cores[c]) < cpu_load(pl, set, n, best))
				best = cores[c];
		give(pl, set, n, best);
		got++;
	}
	for (unsigned i = 0; i < n; i++) {
		if (cpu_load(pl, set, i, pl->os_cpu[i]))
			pl->shared = true;
		pl->node[i] = pb_topo_cpu_node(topo, pl->os_cpu[i]);
	}
	pl->ncpus = n;
	return 0;
}

int pb_placement_pin(const struct pb_placement *pl, unsigned i, struct pb_err *err)
{
	int rc;

	if (!pb_topo_is_system(pl->topo))
		return pb_err_set(err, "cannot pin a thread on a synthetic topology");
	rc = pb_thread_pin(pl->os_cpu[i]);
	if (rc)
		return pb_err_set(err, "cannot pin a thread to CPU %u: %s", pl->os_cpu[i], strerror(-rc));
	pb_cpu_set_id(i);
	pb_cpu_set_node(pl->node[i] >= 0 ? (unsigned)pl->node[i] : 0);
	return 0;
}

int pb_placement_mem_node(const struct pb_placement *pl, int mem_node)
{
	if (mem_node >= 0)
		return mem_node;
	return pl->ncpus ? pl->node[0] : -1;
}

bool pb_placement_remote(const struct pb_placement *pl, unsigned i, int mem_node)
{
	int where = pb_placement_mem_node(pl, mem_node);

	return i < pl->ncpus && where >= 0 && pl->node[i] >= 0 && pl->node[i] != where;
}

void pb_placement_fini(struct pb_placement *pl)
{
	if (pl->topo && pb_topo_is_system(pl->topo) && pl->saved_ok)
		pb_thread_set_binding(&pl->saved);
	pl->saved_ok = false;
	pl->topo = NULL;
}
