// SPDX-License-Identifier: GPL-2.0-only
/*
 * atomic-remote: what one locked increment costs when the cache line it writes was last
 * written by another CPU -- the "remote atomic" beside atomic-inc's local one (Brouer's
 * 27 vs 260 cycles, reports/published.tsv). Two threads pinned on two CPUs take turns on
 * one counter alone on its cache line: "ping" increments, hands the turn over, and waits
 * for "pong" to do the same, so every increment finds the line modified in the other CPU's
 * cache and has to take it over before it can write.
 *
 * Each operation is one locked increment (atom/op 1). A thread's cost per op is its timed
 * batches less the cycles it spun waiting for its turn: that wait is the other CPU's
 * increment, the other side's cost, charged apart as cross-cpu charges a full or empty ring.
 * The turn is passed on a second line, not read off the counter: a spin reading the counter
 * would fetch it into this cache before the increment, which would then pay only for
 * taking the shared copy exclusive, not for the line's trip from the other CPU.
 *
 * A baseline, not a workload on a backend: it measures the machine and takes no allocator,
 * so it runs as `pagebench run --workload atomic-remote` (without --alloc), its records are
 * of kind "baseline" like atomic-inc's, and no backend row is ever paired with it. It is not
 * one of the yardsticks every run adds (runner.c's list): those run on one CPU, this needs
 * two distinct ones, so it is refused where fewer than two are available or given.
 */
#include <stdlib.h>
#include "workload.h"

/*
 * The counter and the turn each alone in a pair of lines: neither's traffic rides on the
 * other's, not even through the prefetcher that fetches a line's 128-byte buddy with it.
 */
#define AR_SPAN (2 * PB_CACHELINE)
struct ar {
	pb_atomic64_t v;
	char pad[AR_SPAN - sizeof(pb_atomic64_t)];
	uint64_t turn;		/* whose increment is next: 0 ping, 1 pong */
	char pad2[AR_SPAN - sizeof(uint64_t)];
};

static int ar_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	struct ar *s;

	s = aligned_alloc(AR_SPAN, sizeof(*s));
	if (!s)
		return pb_err_set(err, "atomic-remote: out of memory");
	pb_atomic64_set(&s->v, 0);
	s->turn = 0;
	r->state = s;
	return 0;
}

/*
 * @n turns of thread @t (0: ping, 1: pong). Both threads run the same batches of the same
 * r->ops (pb_wl_time_batches splits them alike), so neither waits for a turn that never
 * comes, and a repetition ends with pong handing the turn back: ping starts the next.
 */
static inline bool ar_turns(struct pb_wl_run *r, uint64_t n, unsigned t)
{
	struct ar *s = r->state;
	uint64_t wait = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (pb_load_acquire(&s->turn) != t) {
			uint64_t w0 = pb_rdtsc();

			while (pb_load_acquire(&s->turn) != t)
				pb_cpu_relax();
			wait += pb_rdtsc() - w0;
		}
		pb_atomic64_add(&s->v, 1);	/* the one counted atomic of the op */
		pb_store_release(&s->turn, 1 - t);
	}
	r->track[t].wait += wait;
	return true;
}

static bool ar_ping(struct pb_wl_run *r, uint64_t n) { return ar_turns(r, n, 0); }
static bool ar_pong(struct pb_wl_run *r, uint64_t n) { return ar_turns(r, n, 1); }

static void ar_run(struct pb_wl_run *r, unsigned t)
{
	pb_wl_time_batches(r, t, 1, t == 0 ? ar_ping : ar_pong);
}

static void ar_cleanup(struct pb_wl_run *r)
{
	free(r->state);
	r->state = NULL;
}

const struct pb_workload pb_wl_atomic_remote = {
	.name = "atomic-remote",
	.desc = "baseline: locked increment of a line the other CPU wrote last (two pinned CPUs take turns)",
	.nthreads = 2,
	.tracks = { "ping", "pong" },
	.baseline = true,
	/* Each side spins on the other: an instruction count would measure the spinning. */
	.concurrent = true,
	/*
	 * Both threads on one CPU: the line never leaves it, and each turn waits for a switch;
	 * with fewer than two CPUs one thread waits for a turn its partner never gets.
	 */
	.distinct_cpus = true,
	/*
	 * A turn is two line transfers and a wake-up of the waiting side (~3 us in a VM): half a
	 * million keep a repetition near two seconds there, and long enough that one preemption
	 * of the timed side moves its figure little.
	 */
	.default_ops = 500000,
	.prepare = ar_prepare,
	.run = ar_run,
	.cleanup = ar_cleanup,
};
