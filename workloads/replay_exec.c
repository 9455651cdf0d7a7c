// SPDX-License-Identifier: GPL-2.0-only
/*
 * One replay thread's timed loop: its ops in trace order, each an allocator call, a
 * hand-off or nothing, with the waits a real pair of CPUs would have. Waiting is charged to
 * the track's wait (the other CPU's cost, subtracted), never to the event:
 *  - a buffer that has not arrived yet (its holder has not reached that event);
 *  - skew: a thread more than `skew` events ahead of the slowest other waits, so the packets
 *    in flight are the trace's (plus at most skew), not an artefact of one CPU outrunning
 *    the other;
 *  - pace=trace: an event before its time in the trace.
 * Before any wait a thread publishes its progress and pushes its pending hand-offs, so no
 * two threads ever wait on each other (the argument is in docs/traces.md, "Replay").
 */
#include <sched.h>
#include "replay_impl.h"

static inline void publish(struct rp_thread *th, uint64_t idx)
{
	atomic_store_explicit(&th->progress, idx, memory_order_release);
	th->since_publish = 0;
}

/*
 * One spin of a wait (*@spins counts them); false when another thread failed and everyone
 * must stop. A long wait (the other thread decoding its next window, or descheduled) yields
 * the CPU: the cycles are the wait's either way, and a busy machine gets them back.
 */
static bool relax(struct rp *rp, unsigned *spins)
{
	if (atomic_load_explicit(&rp->stop, memory_order_relaxed))
		return false;
	if (rp->shared_cpus || ++*spins > (1u << 18))
		sched_yield();
	else
		pb_cpu_relax();
	return true;
}

/* Pushes the hand-off batch to thread @p, waiting for room if the ring is full. */
static bool push_batch(struct rp *rp, struct pb_wl_run *r, unsigned t, unsigned p)
{
	struct rp_thread *th = &rp->th[t];
	struct pb_spsc_ring *ring = &rp->ring[t * rp->n + p];
	unsigned n = th->out[p].n;

	if (pb_unlikely(!pb_spsc_push_n(ring, th->out[p].b, n))) {
		uint64_t w0 = pb_rdtsc();
		unsigned spins = 0;

		while (!pb_spsc_push_n(ring, th->out[p].b, n))
			if (!relax(rp, &spins))
				return false;
		r->track[t].wait += pb_rdtsc() - w0;
	}
	th->out[p].n = 0;
	return true;
}

static bool push_all(struct rp *rp, struct pb_wl_run *r, unsigned t)
{
	for (unsigned p = 0; p < rp->n; p++)
		if (rp->th[t].out[p].n && !push_batch(rp, r, t, p))
			return false;
	return true;
}

/* Before a wait at op index @idx: say where we are and hand over what we owe. */
static bool before_wait(struct rp *rp, struct pb_wl_run *r, unsigned t, uint64_t idx)
{
	publish(&rp->th[t], idx);
	return push_all(rp, r, t);
}

static uint64_t others_min(const struct rp *rp, unsigned t)
{
	uint64_t m = UINT64_MAX;

	for (unsigned u = 0; u < rp->n; u++)
		if (u != t) {
			uint64_t p = atomic_load_explicit(&rp->th[u].progress, memory_order_acquire);

			if (p < m)
				m = p;
		}
	return m;
}

static inline uint64_t limit_of(uint64_t min, uint64_t skew)
{
	return min > UINT64_MAX - skew ? UINT64_MAX : min + skew;
}

/* Waits until no other thread is more than skew events behind @idx. */
static bool wait_skew(struct rp *rp, struct pb_wl_run *r, unsigned t, uint64_t idx)
{
	struct rp_thread *th = &rp->th[t];
	uint64_t w0 = pb_rdtsc();
	bool waited = false;
	unsigned spins = 0;

	for (;;) {
		th->limit = limit_of(others_min(rp, t), rp->skew);
		if (idx <= th->limit)
			break;
		if (!waited && !before_wait(rp, r, t, idx))
			return false;
		waited = true;
		if (!relax(rp, &spins))
			return false;
	}
	r->track[t].wait += pb_rdtsc() - w0;
	return true;
}

/* The buffer thread @p handed over for the op at @idx. */
static bool recv(struct rp *rp, struct pb_wl_run *r, unsigned t, unsigned p, uint64_t idx,
		 struct pb_buf *b)
{
	struct pb_spsc_ring *ring = &rp->ring[p * rp->n + t];

	if (pb_likely(pb_spsc_pop(ring, b)))
		return true;
	uint64_t w0 = pb_rdtsc();
	unsigned spins = 0;

	if (!before_wait(rp, r, t, idx))
		return false;
	while (!pb_spsc_pop(ring, b))
		if (!relax(rp, &spins))
			return false;
	r->track[t].wait += pb_rdtsc() - w0;
	return true;
}

/* pace=trace: waits for the op's time in the trace; how late it is otherwise. */
static bool pace(struct rp *rp, struct pb_wl_run *r, unsigned t, const struct rp_op *op)
{
	struct rp_thread *th = &rp->th[t];
	uint64_t due = atomic_load_explicit(&rp->start_tsc, memory_order_relaxed) +
		       rp_q32_mul(op->time_ns, rp->tsc_per_ns_q32);
	uint64_t now = pb_rdtsc();

	if (now >= due) {
		uint64_t late = rp_q32_mul(now - due, rp->ns_per_tsc_q32);

		if (late > th->late_ns_max)
			th->late_ns_max = late;
		return true;
	}
	unsigned spins = 0;

	if (!before_wait(rp, r, t, op->index))
		return false;
	/* Spun, not yielded (unless CPUs are shared): a yield would make the event late. */
	while (pb_rdtsc() < due) {
		spins = 0;
		if (!relax(rp, &spins))
			return false;
	}
	r->track[t].wait += pb_rdtsc() - now;
	return true;
}

/* A buffer comes into (+1) or leaves (-1) the live set of this thread: what the sampler sums. */
static inline void track(struct rp_thread *th, const struct pb_buf *b, uint32_t len, int sign)
{
	size_t pfn = pb_page_pfn(b->page);

	/* Every backend lends pages of its instance's arena; a page of another is not counted. */
	if (pb_likely(pfn < th->npages)) {
		int32_t *d = &th->pdelta[pfn];

		__atomic_store_n(d, *d + sign, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&th->live.bytes, th->live.bytes + sign * (int64_t)len, __ATOMIC_RELAXED);
	__atomic_store_n(&th->live.truesize, th->live.truesize + sign * (int64_t)b->truesize,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&th->live.packets, th->live.packets + sign, __ATOMIC_RELAXED);
}

/* cap=: the pages out of the instance's page allocator, over the replay's CPU slots. */
static bool over_cap(const struct rp *rp)
{
	int64_t out = 0;

	for (unsigned s = 0; s < rp->n; s++)
		out += pb_zone_cpu_net_pages(rp->alloc->mem.zone, s);
	return out >= (int64_t)rp->cap;
}

bool rp_flush(struct rp *rp, struct pb_wl_run *r, unsigned t)
{
	struct rp_feed *f = &rp->th[t].feed;

	if (!push_all(rp, r, t))
		return false;
	publish(&rp->th[t], f->head < f->tail ? f->ops[f->head].index : f->done ? UINT64_MAX : f->index);
	return true;
}

bool rp_exec(struct rp *rp, struct pb_wl_run *r, unsigned t, uint64_t n, bool last)
{
	struct rp_thread *th = &rp->th[t];
	struct rp_feed *f = &th->feed;
	struct pb_alloc *a = r->alloc;
	uint64_t done = 0;

	while (f->head < f->tail && (last || done < n)) {
		const struct rp_op *op = &f->ops[f->head];
		struct pb_buf tmp, *b;

		if (pb_unlikely(op->index > th->limit) && !wait_skew(rp, r, t, op->index))
			return false;
		if (rp->paced && !pace(rp, r, t, op))
			return false;
		if (pb_unlikely(++th->since_publish == RP_PUBLISH))
			publish(th, op->index);
		switch (op->kind) {
		case RP_RX:
			b = &th->buf[op->slot];
			th->rx++;
			if (rp->cap && over_cap(rp)) {
				/* The pool's feedback loop: no page, so the frame is dropped. */
				b->page = NULL;
				th->drop_cap++;
			} else if (pb_unlikely(!pb_alloc_buf(a, b))) {
				b->page = NULL;
				th->drop_nomem++;
				pb_alloc_note_failed(a, 1);	/* the record's alloc_failed */
			} else {
				track(th, b, op->len, 1);
			}
			break;
		case RP_FREE:
			if (op->flags & RP_F_RECV) {
				if (!recv(rp, r, t, op->peer, op->index, &tmp))
					return false;
				b = &tmp;
			} else {
				b = &th->buf[op->slot];
			}
			if (b->page) {	/* NULL: the frame was dropped at rx */
				track(th, b, op->len, -1);
				pb_alloc_note_free(a, b->page);	/* remote_node_pages */
				pb_free_buf(a, b, op->flags & RP_F_DIRECT);
				th->released++;
				b->page = NULL;
			}
			break;
		case RP_SEND:
			b = &th->buf[op->slot];
			th->out[op->peer].b[th->out[op->peer].n++] = *b;
			b->page = NULL;
			if (th->out[op->peer].n == rp->batch && !push_batch(rp, r, t, op->peer))
				return false;
			break;
		case RP_EV:
			if ((op->flags & RP_F_RECV) && !recv(rp, r, t, op->peer, op->index, &th->buf[op->slot]))
				return false;
			break;
		case RP_POLL:
			/* The poll is over: its frames go up the stack (and over to other CPUs) now. */
			if (!push_all(rp, r, t))
				return false;
			break;
		}
		done += op->flags & RP_F_EVENT ? 1 : 0;
		f->head++;
	}
	f->pending_events -= done;
	return rp_flush(rp, r, t);
}
