/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cross-cpu: one kthread allocates on cpu=, hands each page through an SPSC ptr_ring to a
 * kthread on cpu2=, which frees it through the remote (non-direct) path. Each side times
 * its own batches, so each gets its own record ("alloc" and "free" tracks).
 */
#ifndef PBK_CROSS_H
#define PBK_CROSS_H

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/ptr_ring.h>
#include "pbk.h"

#define PBK_CROSS_STALL (10 * HZ)	/* a side that waits this long gives up */

struct pbk_cross {
	struct ptr_ring ring;		/* the handoff: one producer, one consumer, no locks */
	atomic_t stop;			/* a side failed: the other must not wait for it */
	atomic_t arrived;		/* the two-thread barrier between repetitions */
	bool has_ring;			/* ring set up (the k_* loops hand pages through it) */
	const char *failed;
};

struct pbk_cross_job {
	const char *workload;		/* record name; NULL: "cross-cpu" */
	const char *tracks[2];		/* record tracks; NULL: "alloc", "free" */
	pbk_body_t body[2];		/* [0] allocating side, [1] freeing side */
	void *arg;			/* handed to both bodies */
	bool bh[2];			/* run that side with BHs off (page_pool's alloc side) */
	void (*warm)(void *arg);	/* after the warm-up, both sides parked; may be NULL */
	/*
	 * NULL: the engine times body[side] in batches itself. Else it calls this once per
	 * repetition (0 is the warm-up) and side instead, which times and stores the batches
	 * into rec[side]; false when that side stopped.
	 */
	bool (*rep)(void *arg, unsigned side, unsigned rep);
	struct pbk_rec *rec[2];		/* filled by pbk_cross_measure */
};

/* Sets up the engine, and with @ring the handoff ring (cfg handoff entries); 0 or -ENOMEM. */
int pbk_cross_init(struct pbk_cross *x, bool ring);
/* Hands whatever is still queued to @drain (a side failed), then frees the ring. */
void pbk_cross_fini(struct pbk_cross *x, void (*drain)(void *arg, void *item), void *arg);
/*
 * Runs the warm-up and the repetitions on both CPUs at once and waits for both; the two
 * records, created here with @backend/@source/@params, are in j->rec[] (NULL on ENOMEM).
 */
bool pbk_cross_measure(struct pbk_cross *x, struct pbk_cross_job *j, const char *backend,
		       const char *source, const char *params);
/* True (and stop set) when the other side stopped or @since is PBK_CROSS_STALL ago. */
bool pbk_cross_stalled(struct pbk_cross *x, unsigned long since);

/* Queues @p for the other CPU, spinning while the ring is full; false when it stopped. */
static __always_inline bool pbk_cross_push(struct pbk_cross *x, void *p)
{
	unsigned long since = 0;
	unsigned spins = 0;

	while (unlikely(__ptr_ring_produce(&x->ring, p))) {
		cpu_relax();
		if (!(++spins & 4095)) {
			if (!since)
				since = jiffies;
			else if (pbk_cross_stalled(x, since))
				return false;
		}
	}
	return true;
}

/* The next item from the other CPU, spinning while the ring is empty; NULL when it stopped. */
static __always_inline void *pbk_cross_pop(struct pbk_cross *x)
{
	unsigned long since = 0;
	unsigned spins = 0;
	void *p;

	while (unlikely(!(p = __ptr_ring_consume(&x->ring)))) {
		cpu_relax();
		if (!(++spins & 4095)) {
			if (!since)
				since = jiffies;
			else if (pbk_cross_stalled(x, since))
				return NULL;
		}
	}
	return p;
}

#endif
