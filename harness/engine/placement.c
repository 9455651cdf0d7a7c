// SPDX-License-Identifier: GPL-2.0-only
/* CPU choice and thread pinning through hwloc. */
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

int pb_placement_init(struct pb_placement *pl, unsigned n, const int *want, bool allow_shared,
		      struct pb_err *err)
{
	hwloc_bitmap_t allowed, tmp;
	hwloc_obj_t core = NULL;
	bool set[PB_MAX_CPUS] = { false };
	unsigned cores[PB_MAX_CPUS];	/* one allowed PU per core, in topology order */
	unsigned ncores = 0, got = 0;

	memset(pl, 0, sizeof(*pl));
	if (n > PB_MAX_CPUS)
		return pb_err_set(err, "at most %d measured threads are supported", PB_MAX_CPUS);
	if (hwloc_topology_init(&pl->topo))
		return pb_err_set(err, "hwloc cannot read the CPU topology");
	if (hwloc_topology_load(pl->topo)) {
		pb_placement_fini(pl);
		return pb_err_set(err, "hwloc cannot read the CPU topology");
	}
	allowed = hwloc_bitmap_alloc();
	tmp = hwloc_bitmap_alloc();
	if (!allowed || !tmp) {
		hwloc_bitmap_free(allowed);
		hwloc_bitmap_free(tmp);
		pb_placement_fini(pl);
		return pb_err_set(err, "out of memory");
	}
	/*
	 * What this thread may run on before we pin it: a process whose main thread was pinned
	 * by an earlier run would otherwise report only that one CPU.
	 */
	pl->saved = hwloc_bitmap_alloc();
	if (!pl->saved || hwloc_get_cpubind(pl->topo, pl->saved, HWLOC_CPUBIND_THREAD)) {
		hwloc_bitmap_free(pl->saved);
		pl->saved = NULL;
	}
	if (hwloc_get_cpubind(pl->topo, allowed, HWLOC_CPUBIND_PROCESS))
		hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(pl->topo));
	if (pl->saved)
		hwloc_bitmap_or(allowed, allowed, pl->saved);
	for (unsigned i = 0; i < n; i++) {
		if (!want || want[i] < 0)
			continue;
		if (!hwloc_bitmap_isset(allowed, (unsigned)want[i])) {
			hwloc_bitmap_free(allowed);
			hwloc_bitmap_free(tmp);
			pb_placement_fini(pl);
			return pb_err_set(err, "--cpus: CPU %d is not available", want[i]);
		}
		if (cpu_load(pl, set, n, (unsigned)want[i]) && !allow_shared) {
			hwloc_bitmap_free(allowed);
			hwloc_bitmap_free(tmp);
			pb_placement_fini(pl);
			return pb_err_set(err, "--cpus: CPU %d given to two threads (threads share a CPU only with --allow-shared-cpus)",
					  want[i]);
		}
		pl->os_cpu[i] = (unsigned)want[i];
		set[i] = true;
		got++;
	}
	while (ncores < PB_MAX_CPUS &&
	       (core = hwloc_get_next_obj_by_type(pl->topo, HWLOC_OBJ_CORE, core))) {
		int pu;

		hwloc_bitmap_and(tmp, core->cpuset, allowed);
		pu = hwloc_bitmap_first(tmp);
		if (pu >= 0)
			cores[ncores++] = (unsigned)pu;
	}
	hwloc_bitmap_free(allowed);
	hwloc_bitmap_free(tmp);
	/* Fill the rest with one PU per core, so two measured threads never share a core. */
	for (unsigned c = 0; c < ncores && got < n; c++)
		if (!cpu_load(pl, set, n, cores[c]) && give(pl, set, n, cores[c]))
			got++;
	if (got < n && (!allow_shared || !ncores)) {
		pb_placement_fini(pl);
		return pb_err_set(err, "%u measured threads, but only %u CPUs (on distinct cores) for them: threads share CPUs only with --allow-shared-cpus",
				  n, got);
	}
	/* Shared: each thread left goes to the core CPU with the fewest threads so far. */
	while (got < n) {
		unsigned best = cores[0];

		for (unsigned c = 1; c < ncores; c++)
			if (cpu_load(pl, set, n, cores[c]) < cpu_load(pl, set, n, best))
				best = cores[c];
		give(pl, set, n, best);
		got++;
	}
	for (unsigned i = 0; i < n; i++)
		if (cpu_load(pl, set, i, pl->os_cpu[i]))
			pl->shared = true;
	pl->ncpus = n;
	return 0;
}

int pb_placement_pin(const struct pb_placement *pl, unsigned i, struct pb_err *err)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int rc;

	if (!set)
		return pb_err_set(err, "out of memory");
	hwloc_bitmap_only(set, pl->os_cpu[i]);
	rc = hwloc_set_cpubind(pl->topo, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT);
	hwloc_bitmap_free(set);
	if (rc)
		return pb_err_set(err, "cannot pin a thread to CPU %u: %s", pl->os_cpu[i], strerror(errno));
	pb_cpu_set_id(i);
	return 0;
}

void pb_placement_fini(struct pb_placement *pl)
{
	if (pl->topo && pl->saved)
		hwloc_set_cpubind(pl->topo, pl->saved, HWLOC_CPUBIND_THREAD);
	hwloc_bitmap_free(pl->saved);
	pl->saved = NULL;
	if (pl->topo)
		hwloc_topology_destroy(pl->topo);
	pl->topo = NULL;
}
