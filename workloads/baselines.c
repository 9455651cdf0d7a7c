// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine's own yardsticks, printed beside every result set as time_bench does: an empty
 * loop, an uncontended atomic increment, an uncontended spinlock round trip, and a pair of
 * direct calls. A recycle path that costs "two atomics" can be checked against them on the
 * same machine, same run; and call-pair is what a driver pays just to reach page_pool
 * (page_pool_alloc_pages + page_pool_put_full_page are two direct calls), the bound the
 * harness's own dispatch (the `null` backend's rows) must stay within.
 */
#include "workload.h"

static bool for_loop_body(struct pb_wl_run *r, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		pb_barrier();	/* keeps the compiler from deleting the loop */
	return true;
}

static bool atomic_inc_body(struct pb_wl_run *r, uint64_t n)
{
	pb_atomic_t *v = r->state;

	for (uint64_t i = 0; i < n; i++)
		pb_atomic_inc(v);
	return true;
}

static bool spin_lock_body(struct pb_wl_run *r, uint64_t n)
{
	pb_spinlock_t *l = r->state;

	for (uint64_t i = 0; i < n; i++) {
		pb_spin_lock(l);
		pb_barrier();
		pb_spin_unlock(l);
	}
	return true;
}

/*
 * A real call each: noinline, and the empty asm keeps an otherwise empty callee from being
 * found side-effect free and its call deleted. The shapes are null's: one pointer loaded
 * and returned, one call that takes it back.
 */
static pb_noinline void *cp_get(void *slot)
{
	__asm__ volatile("");
	return *(void **)slot;
}

static pb_noinline void cp_put(void *slot, void *p, bool direct)
{
	__asm__ volatile("");
}

static bool call_pair_body(struct pb_wl_run *r, uint64_t n)
{
	void *slot = r->state;

	for (uint64_t i = 0; i < n; i++) {
		void *p = cp_get(slot);

		if (pb_unlikely(!p)) {
			r->failed = "call-pair: the slot lost its pointer";
			return false;
		}
		cp_put(slot, p, true);
	}
	return true;
}

static void run_for_loop(struct pb_wl_run *r, unsigned t)
{
	pb_wl_time_batches(r, t, 1, for_loop_body);
}

static void run_atomic_inc(struct pb_wl_run *r, unsigned t)
{
	pb_atomic_t v;

	pb_atomic_set(&v, 0);
	r->state = &v;
	pb_wl_time_batches(r, t, 1, atomic_inc_body);
	r->state = NULL;
}

static void run_spin_lock(struct pb_wl_run *r, unsigned t)
{
	pb_spinlock_t l;

	pb_spin_init(&l);
	r->state = &l;
	pb_wl_time_batches(r, t, 1, spin_lock_body);
	r->state = NULL;
}

static void run_call_pair(struct pb_wl_run *r, unsigned t)
{
	void *slot = &slot;	/* any non-NULL pointer will do */

	r->state = &slot;
	pb_wl_time_batches(r, t, 1, call_pair_body);
	r->state = NULL;
}

const struct pb_workload pb_wl_for_loop = {
	.name = "for-loop",
	.desc = "baseline: empty loop iteration",
	.nthreads = 1,
	.baseline = true,
	.default_ops = 10000000,
	.run = run_for_loop,
};

const struct pb_workload pb_wl_atomic_inc = {
	.name = "atomic-inc",
	.desc = "baseline: uncontended locked increment",
	.nthreads = 1,
	.baseline = true,
	.default_ops = 10000000,
	.run = run_atomic_inc,
};

const struct pb_workload pb_wl_spin_lock = {
	.name = "spin-lock",
	.desc = "baseline: uncontended spinlock lock + unlock",
	.nthreads = 1,
	.baseline = true,
	.default_ops = 10000000,
	.run = run_spin_lock,
};

const struct pb_workload pb_wl_call_pair = {
	.name = "call-pair",
	.desc = "baseline: two direct calls (what reaching page_pool_alloc_pages + put costs)",
	.nthreads = 1,
	.baseline = true,
	.default_ops = 10000000,
	.run = run_call_pair,
};
