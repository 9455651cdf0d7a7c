/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which world a backend or workload runs in: the kernel column of backends.def and
 * workloads.def. One list serves both builds: userspace registers every line, the kernel
 * module (built with __KERNEL__) only the kernel-capable ones, and `pagebench list` says of
 * each which it is, with the reason for the userspace-only ones.
 */
#ifndef PB_KERNEL_CAP_H
#define PB_KERNEL_CAP_H

#include <stdbool.h>
#include "allocator.h"

struct pb_kernel_cap {
	bool in_kernel;		/* built into pagebench_kmod as well */
	bool kernel_default;	/* ...and run there when nothing is named (backends=all) */
	const char *user_only;	/* !in_kernel: why it cannot be in the kernel; else NULL */
};

/* The .def column as a struct pb_kernel_cap initialiser. */
#define PB_KCAP_KERNEL_ALL(why) { true, true, why }
#define PB_KCAP_KERNEL(why) { true, false, why }
#define PB_KCAP_USER(why) { false, false, why }

/* PB_KSEL_<column>(x...) is x in a world the line builds in, nothing elsewhere. */
#define PB_KSEL_KERNEL_ALL(...) __VA_ARGS__
#define PB_KSEL_KERNEL(...) __VA_ARGS__
#ifdef __KERNEL__
#define PB_KSEL_USER(...)
#else
#define PB_KSEL_USER(...) __VA_ARGS__
#endif

/* backends.def's kernel column for registered backend @ops; NULL when @ops is not registered. */
const struct pb_kernel_cap *pb_alloc_kernel_cap(const struct pb_alloc_ops *ops);

#endif
