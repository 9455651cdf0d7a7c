// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine's yardsticks, as time_bench prints them beside every result: an empty loop,
 * an uncontended atomic increment, an uncontended spinlock round trip. Same context and
 * timing as the backends, so "this path costs two atomics" can be checked on the spot.
 */
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include "pbk.h"

static bool for_loop_body(void *arg, u64 n)
{
	for (u64 i = 0; i < n; i++)
		barrier();	/* keeps the compiler from deleting the loop */
	return true;
}

static bool atomic_inc_body(void *arg, u64 n)
{
	atomic_t *v = arg;

	for (u64 i = 0; i < n; i++)
		atomic_inc(v);
	return true;
}

static bool spin_lock_body(void *arg, u64 n)
{
	spinlock_t *l = arg;

	for (u64 i = 0; i < n; i++) {
		spin_lock(l);
		barrier();
		spin_unlock(l);
	}
	return true;
}

/* @locked: locked RMWs per op, known by construction (the kernel's own code is not counted). */
static void baseline(const char *name, pbk_body_t body, void *arg, unsigned locked)
{
	struct pbk_rec *r = pbk_rec_new(name, "-", "-", "", "", 1);

	if (!r) {
		pbk_error("%s: out of memory", name);
		return;
	}
	if (pbk_measure(r, body, arg, NULL, NULL)) {
		r->atomics = pbk_rec_ops(r) * r->reps * locked;
		r->atomics_counted = true;
	}
	pbk_rec_emit(r);
	pbk_rec_free(r);
}

void pbk_baselines_run(void)
{
	atomic_t v = ATOMIC_INIT(0);
	spinlock_t l;

	spin_lock_init(&l);
	baseline("for-loop", for_loop_body, NULL, 0);
	baseline("atomic-inc", atomic_inc_body, &v, 1);
	baseline("spin-lock", spin_lock_body, &l, 1);
}
