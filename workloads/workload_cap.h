/* SPDX-License-Identifier: GPL-2.0-only */
/* Which workloads also run in the kernel module: workloads.def's kernel column. */
#ifndef PB_WORKLOAD_CAP_H
#define PB_WORKLOAD_CAP_H

#include "kernel_cap.h"
#include "workload.h"

/* workloads.def's kernel column for registered workload @w; NULL when @w is not registered. */
const struct pb_kernel_cap *pb_workload_kernel_cap(const struct pb_workload *w);

#endif
