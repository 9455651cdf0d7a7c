// SPDX-License-Identifier: GPL-2.0-only
/*
 * workloads.def's kernel column beside the registry (registry.c registers the lines, this
 * says where each runs). Userspace only: the module builds its own list from the same file.
 */
#include "workload_cap.h"

/* In pb_workload_registry's order, entry for entry. */
static const struct pb_kernel_cap kernel_caps[] = {
#define PB_WORKLOAD(sym, src, kernel, why) PB_KCAP_##kernel(why),
#include "workloads.def"
#undef PB_WORKLOAD
};

const struct pb_kernel_cap *pb_workload_kernel_cap(const struct pb_workload *w)
{
	for (unsigned i = 0; pb_workload_registry[i]; i++)
		if (pb_workload_registry[i] == w)
			return &kernel_caps[i];
	return NULL;
}
