// SPDX-License-Identifier: GPL-2.0-only
/*
 * The replay engine's memory (replay_impl.h): the SPSC ring of every ordered pair of
 * threads, the threads with their buffer slots, and giving back what a stopped repetition
 * left in them. Shared by userspace's harness (replay.c) and the kernel module's
 * (kmod/pbk_replay.c), so both run the very same engine on the very same layout.
 */
#include <stdlib.h>
#include <string.h>
#include "replay_impl.h"

uint64_t rp_census_most(const struct rp_census *c, unsigned n)
{
	uint64_t most = 0;

	for (unsigned t = 0; t < n; t++)
		if (c->own[t] > most)
			most = c->own[t];
	return most;
}

int rp_engine_alloc(struct rp *rp, struct pb_err *err)
{
	uint32_t ring;
	size_t bytes;

	/* Never full: a ring holds at most skew + 1 buffers its consumer has not reached. */
	for (ring = 256; ring < rp->skew + 2 * 64; ring *= 2)
		;
	rp->ring_size = ring;
	rp->ring = aligned_alloc(PB_CACHELINE, (size_t)rp->n * rp->n * sizeof(*rp->ring));
	rp->ring_slots = calloc((size_t)rp->n * rp->n * ring, sizeof(*rp->ring_slots));
	rp->th = aligned_alloc(PB_CACHELINE, rp->n * sizeof(*rp->th));
	if (!rp->ring || !rp->ring_slots || !rp->th)
		return pb_err_set(err, "replay: out of memory");
	memset(rp->th, 0, rp->n * sizeof(*rp->th));
	for (unsigned i = 0; i < rp->n * rp->n; i++)
		pb_spsc_init(&rp->ring[i], rp->ring_slots + (size_t)i * ring, ring);
	bytes = sizeof(*rp) + (size_t)rp->n * rp->n * (sizeof(*rp->ring) + ring * sizeof(struct pb_buf));
	for (unsigned t = 0; t < rp->n; t++) {
		struct rp_thread *th = &rp->th[t];

		th->buf = calloc(rp->census.nslots ? rp->census.nslots : 1, sizeof(*th->buf));
		th->pdelta = calloc(rp->npages ? rp->npages : 1, sizeof(*th->pdelta));
		th->npages = rp->npages;
		th->out = calloc(rp->n, sizeof(*th->out));
		if (!th->buf || !th->pdelta || !th->out)
			return pb_err_set(err, "replay: out of memory for %u buffer slots", rp->census.nslots);
		atomic_init(&th->progress, 0);
		bytes += sizeof(*th) + (rp->census.nslots + 1) * sizeof(*th->buf) +
			 rp->npages * sizeof(*th->pdelta) + rp->n * sizeof(*th->out);
	}
	rp->engine_bytes = bytes;
	return 0;
}

void rp_thread_sum_rep(struct rp_thread *th)
{
	th->sum_rx += th->rx;
	th->sum_released += th->released;
	th->sum_drop_cap += th->drop_cap;
	th->sum_drop_nomem += th->drop_nomem;
	if (th->late_ns_max > th->sum_late_ns_max)
		th->sum_late_ns_max = th->late_ns_max;
}

void rp_give_back(struct rp *rp, struct pb_alloc *a)
{
	struct pb_buf b;

	for (unsigned t = 0; t < rp->n; t++) {
		struct rp_thread *th = &rp->th[t];

		for (uint32_t s = 0; s < rp->census.nslots; s++)
			if (th->buf[s].page) {
				pb_free_buf(a, &th->buf[s], false);
				th->buf[s].page = NULL;
			}
		for (unsigned p = 0; p < rp->n; p++) {
			for (unsigned i = 0; i < th->out[p].n; i++)
				if (th->out[p].b[i].page)
					pb_free_buf(a, &th->out[p].b[i], false);
			th->out[p].n = 0;
		}
	}
	for (unsigned i = 0; i < rp->n * rp->n; i++)
		while (pb_spsc_pop(&rp->ring[i], &b))
			if (b.page)
				pb_free_buf(a, &b, false);
}

void rp_free(struct rp *rp)
{
	if (!rp)
		return;
	for (unsigned t = 0; rp->th && t < rp->n; t++) {
		rp_feed_close(&rp->th[t].feed);
		free(rp->th[t].buf);
		free(rp->th[t].pdelta);
		free(rp->th[t].out);
	}
	free(rp->th);
	free(rp->ring);
	free(rp->ring_slots);
	free(rp);
}
