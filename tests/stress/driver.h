/* SPDX-License-Identifier: GPL-2.0-only */
/* The stress driver's threads (driver.c) as main.c and ring.c call them. */
#ifndef PB_STRESS_DRIVER_H
#define PB_STRESS_DRIVER_H

#include "stress.h"

struct st_life_stats {
	uint64_t ops;			/* backend calls made (a bulk call is one) */
	uint64_t alloc_fail;		/* allocations that got nothing or less than asked */
	unsigned destroy_rounds;	/* destroy calls until it reported 0 */
};

/*
 * One life of @r->a: about @ops operations on r->nthreads threads, checked throughout,
 * then the deferred destroy until the instance is gone (r->a is NULL after). A violation
 * exits the process (st_violation).
 */
int st_run_life(struct st_run *r, uint64_t ops, struct st_life_stats *out);

/* The ptr_ring SPSC and MPSC scenarios, @count entries each; 0 when all arrived in order. */
int st_ring_scenarios(long count);

#endif
