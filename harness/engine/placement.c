// SPDX-License-Identifier: GPL-2.0-only
/* CPU choice and thread pinning through hwloc. */
#include <errno.h>
#include <string.h>
#include "placement.h"
#include "platform.h"

static bool cpu_taken(const struct pb_placement *pl, const bool *set, unsigned n, unsigned cpu)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i] && pl->os_cpu[i] == cpu)
			return true;
	return false;
}

int pb_placement_init(struct pb_placement *pl, unsigned n, const int *want, struct pb_err *err)
{
	hwloc_bitmap_t allowed, tmp;
	hwloc_obj_t core = NULL;
	bool set[2] = { false, false };
	unsigned got = 0;

	memset(pl, 0, sizeof(*pl));
	if (n > 2)
		return pb_err_set(err, "at most 2 measured threads are supported");
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
		if (!hwloc_bitmap_isset(allowed, (unsigned)want[i]) ||
		    cpu_taken(pl, set, n, (unsigned)want[i])) {
			hwloc_bitmap_free(allowed);
			hwloc_bitmap_free(tmp);
			pb_placement_fini(pl);
			return pb_err_set(err, "--cpus: CPU %d is not available (or given twice)", want[i]);
		}
		pl->os_cpu[i] = (unsigned)want[i];
		set[i] = true;
		got++;
	}
	/* Fill the rest with one PU per core, so two measured threads never share a core. */
	while (got < n && (core = hwloc_get_next_obj_by_type(pl->topo, HWLOC_OBJ_CORE, core))) {
		int pu;

		hwloc_bitmap_and(tmp, core->cpuset, allowed);
		pu = hwloc_bitmap_first(tmp);

		if (pu < 0 || cpu_taken(pl, set, n, (unsigned)pu))
			continue;
		for (unsigned i = 0; i < n; i++) {
			if (!set[i]) {
				pl->os_cpu[i] = (unsigned)pu;
				set[i] = true;
				got++;
				break;
			}
		}
	}
	hwloc_bitmap_free(allowed);
	hwloc_bitmap_free(tmp);
	if (got < n) {
		pb_placement_fini(pl);
		return pb_err_set(err, "this workload needs %u CPUs on distinct cores; %u available",
				  n, got);
	}
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
