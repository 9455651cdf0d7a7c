/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <sched.h> for the shared replay engine: sched_yield is a pause. The module gives every
 * replay thread a CPU of its own (pbk_replay.c refuses a trace with more CPUs than are
 * online), and its timed windows run with BHs off, where the kernel may not schedule.
 */
#ifndef PBK_LIBC_SCHED_H
#define PBK_LIBC_SCHED_H

#include <asm/processor.h>

static inline int sched_yield(void)
{
	cpu_relax();
	return 0;
}

#endif
