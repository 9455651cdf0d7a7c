// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timing, time_bench style: the body owns the loop, a batch is one fenced TSC read on each
 * side of it, the cost of an empty timed region is subtracted. Single-CPU batches run in
 * softirq context, from a tasklet on the calling CPU: that is where a driver's RX refill
 * runs, and it is the one context in which every 6.1 build lets page_pool recycle into its
 * lock-free cache (early ones test in_serving_softirq(), which local_bh_disable() alone
 * does not satisfy; later stable ones test in_softirq()). The ctx line reports which.
 */
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/msr.h>
#include "platform_kernel.h"
#include "pbk.h"

#define OVERHEAD_SAMPLES 1001

u64 pbk_timer_overhead;

struct softirq_job {
	struct tasklet_struct t;
	void (*fn)(void *);
	void *arg;
	struct completion done;
};

static void softirq_job_run(struct tasklet_struct *t)
{
	struct softirq_job *j = from_tasklet(j, t, t);

	j->fn(j->arg);
	complete(&j->done);
}

void pbk_in_softirq(void (*fn)(void *), void *arg)
{
	struct softirq_job j = { .fn = fn, .arg = arg };

	init_completion(&j.done);
	tasklet_setup(&j.t, softirq_job_run);
	/* Raised with BHs off, the softirq runs at local_bh_enable(), here, on this CPU. */
	local_bh_disable();
	tasklet_schedule(&j.t);
	local_bh_enable();
	wait_for_completion(&j.done);
	/* The tasklet touches j.t after its function returned: wait before j goes away. */
	tasklet_kill(&j.t);
}

u64 pbk_time_batch(pbk_body_t body, void *arg, u64 units, u64 *atomics, bool *ok)
{
	u64 a0 = this_cpu_read(pb_kernel_atomics);
	u64 t0, t1;

	t0 = rdtsc_ordered();
	*ok = body(arg, units);
	t1 = rdtsc_ordered();
	*atomics = this_cpu_read(pb_kernel_atomics) - a0;
	t1 -= t0;
	return t1 > pbk_timer_overhead ? t1 - pbk_timer_overhead : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void overhead_fn(void *arg)
{
	u64 *s = arg;

	for (int i = 0; i < OVERHEAD_SAMPLES; i++) {
		u64 t0 = rdtsc_ordered();

		s[i] = rdtsc_ordered() - t0;
	}
}

int pbk_time_init(void)
{
	u64 *s = kmalloc_array(OVERHEAD_SAMPLES, sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	pbk_timer_overhead = 0;
	pbk_in_softirq(overhead_fn, s);
	sort(s, OVERHEAD_SAMPLES, sizeof(*s), cmp_u64, NULL);
	pbk_timer_overhead = s[OVERHEAD_SAMPLES / 2];
	kfree(s);
	return 0;
}

struct batch_job {
	pbk_body_t body;
	void *arg;
	u64 units, cycles, atomics;
	bool ok;
};

static void batch_fn(void *p)
{
	struct batch_job *b = p;

	b->cycles = pbk_time_batch(b->body, b->arg, b->units, &b->atomics, &b->ok);
}

bool pbk_measure(struct pbk_rec *r, pbk_body_t body, void *arg, void (*between)(void *),
		 void *between_arg)
{
	struct batch_job job = { .body = body, .arg = arg };

	r->context = "softirq";
	r->cpu = raw_smp_processor_id();
	/* Repetition 0 is the warm-up: caches filled, pools primed, then thrown away. */
	for (unsigned rep = 0; rep <= r->reps; rep++) {
		for (unsigned b = 0; b < r->nb; b++) {
			job.units = r->units[b];
			pbk_in_softirq(batch_fn, &job);
			if (!job.ok) {
				if (!r->failed)
					r->failed = "the workload stopped";
				return false;
			}
			if (rep) {
				r->cycles[(rep - 1) * r->nb + b] = job.cycles;
				r->atomics += job.atomics;
			}
			cond_resched();
		}
		if (!rep && between)
			between(between_arg);
	}
	return true;
}
