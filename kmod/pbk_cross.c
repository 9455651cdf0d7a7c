// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cross-cpu engine: two kthreads bound to cpu= and cpu2=, measured regions with
 * preemption (or BHs) off, a barrier around the warm-up so counters can be read while both
 * sides are parked, and a way out for one side when the other stops.
 *
 * This is the module's side of what userspace's runner does for a two-thread workload
 * (threads pinned, run() called on each at once), not a workload: the shared cross-cpu
 * workload (workloads/cross_cpu.c) runs on it through pbk_cross_job.rep, one call of its
 * run() per repetition and side. The k_* backends' own cross-cpu loops (pbk_kernel.c) use
 * its per-batch form and its ptr_ring handoff.
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include "pbk_cross.h"

struct side {
	struct pbk_cross *x;
	struct pbk_cross_job *j;
	unsigned idx;			/* 0 allocating, 1 freeing */
	struct completion done;
};

bool pbk_cross_stalled(struct pbk_cross *x, unsigned long since)
{
	if (atomic_read(&x->stop))
		return true;
	if (time_after(jiffies, since + PBK_CROSS_STALL)) {
		x->failed = "the other CPU stopped handing pages over";
		atomic_set(&x->stop, 1);
		return true;
	}
	return false;
}

int pbk_cross_init(struct pbk_cross *x, bool ring)
{
	atomic_set(&x->stop, 0);
	atomic_set(&x->arrived, 0);
	x->failed = NULL;
	x->has_ring = ring;
	return ring ? ptr_ring_init(&x->ring, pbk_cfg.handoff, GFP_KERNEL) : 0;
}

void pbk_cross_fini(struct pbk_cross *x, void (*drain)(void *arg, void *item), void *arg)
{
	void *p;

	if (!x->has_ring)
		return;
	while ((p = __ptr_ring_consume(&x->ring)))
		drain(arg, p);
	ptr_ring_cleanup(&x->ring, NULL);
}

/* Both sides arrive (count reaches @target); false when the other side stopped. */
static bool barrier_wait(struct pbk_cross *x, int target)
{
	unsigned long since = jiffies;

	atomic_inc(&x->arrived);
	while (atomic_read(&x->arrived) < target) {
		if (pbk_cross_stalled(x, since))
			return false;
		cond_resched();
		cpu_relax();
	}
	return true;
}

static bool run_side(struct side *s)
{
	struct pbk_cross *x = s->x;
	struct pbk_rec *r = s->j->rec[s->idx];
	bool bh = s->j->bh[s->idx], ok = true;
	int gen = 0;

	if (!barrier_wait(x, 2 * ++gen))
		return false;
	for (unsigned rep = 0; rep <= r->reps; rep++) {
		if (s->j->rep && !s->j->rep(s->j->arg, s->idx, rep)) {
			atomic_set(&x->stop, 1);
			return false;
		}
		for (unsigned b = 0; !s->j->rep && b < r->nb; b++) {
			u64 c, atomics;

			if (bh)
				local_bh_disable();
			else
				preempt_disable();
			c = pbk_time_batch(s->j->body[s->idx], s->j->arg, r->units[b], &atomics, &ok);
			if (bh)
				local_bh_enable();
			else
				preempt_enable();
			if (!ok) {
				atomic_set(&x->stop, 1);
				return false;
			}
			if (rep) {
				r->cycles[(rep - 1) * r->nb + b] = c;
				r->atomics += atomics;
			}
			cond_resched();
		}
		if (rep)
			continue;
		/* Warm-up done: both parked, the ring empty, so counters can be snapshotted. */
		if (!barrier_wait(x, 2 * ++gen))
			return false;
		if (s->idx == 0 && s->j->warm)
			s->j->warm(s->j->arg);
		if (!barrier_wait(x, 2 * ++gen))
			return false;
	}
	return true;
}

static int side_fn(void *arg)
{
	struct side *s = arg;

	if (!run_side(s) && !s->j->rec[s->idx]->failed)
		s->j->rec[s->idx]->failed = s->x->failed ?: "the cross-cpu workload stopped";
	kthread_complete_and_exit(&s->done, 0);
}

bool pbk_cross_measure(struct pbk_cross *x, struct pbk_cross_job *j, const char *backend,
		       const char *source, const char *params)
{
	static const char *const tracks[2] = { "alloc", "free" };
	unsigned cpus[2] = { pbk_cfg.cpu, pbk_cfg.cpu2 };
	struct side s[2];
	struct task_struct *t[2];
	const char *wl = j->workload ?: "cross-cpu";
	/* With a rep callback the workload's own unit sets the plan, at its first batch. */
	unsigned unit_ops = j->rep ? 0 : 1;

	for (int i = 0; i < 2; i++)
		j->rec[i] = pbk_rec_new(wl, backend, source, params, j->tracks[i] ?: tracks[i], unit_ops);
	if (!j->rec[0] || !j->rec[1]) {
		for (int i = 0; i < 2; i++)
			if (j->rec[i])
				j->rec[i]->failed = "out of memory";
		return false;
	}
	for (int i = 0; i < 2; i++) {
		s[i] = (struct side){ .x = x, .j = j, .idx = i };
		init_completion(&s[i].done);
		j->rec[i]->context = j->bh[i] ? "task-bh" : "task";
		j->rec[i]->cpu = cpus[i];
		t[i] = kthread_create(side_fn, &s[i], "pbk_%s/%u", j->rec[i]->track, cpus[i]);
		if (IS_ERR(t[i])) {
			j->rec[0]->failed = j->rec[1]->failed = "cannot create the kthread";
			/* Never woken, so stopping it means its function never runs. */
			if (i)
				kthread_stop(t[0]);
			return false;
		}
		kthread_bind(t[i], cpus[i]);
	}
	wake_up_process(t[0]);
	wake_up_process(t[1]);
	wait_for_completion(&s[0].done);
	wait_for_completion(&s[1].done);
	return !j->rec[0]->failed && !j->rec[1]->failed;
}
