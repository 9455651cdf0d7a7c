// SPDX-License-Identifier: GPL-2.0-only
/*
 * The replay's memory figures, sampled by thread 0 between its timed windows (never inside
 * one): the pages the instance holds out of its page allocator (page_pool's hold - release:
 * what it costs the machine, cached pages included), the bytes pinned by live frames (every
 * page block at least one live buffer sits in, at its full size: a 1.5 KiB frame in a
 * 32 KiB order-3 block pins 32 KiB), and the live frames' bytes and truesize.
 *
 * Each thread keeps its own signed count of live buffers per arena page (+1 where it
 * allocated, -1 where it freed) and its own live byte counts, written with plain relaxed
 * stores, so the timed loop pays no atomic for them; the sampler sums the threads' counts
 * with relaxed loads. A sample taken while a buffer is between two CPUs can be off by that
 * buffer; the figures are samples, not exact peaks.
 *
 * Integers throughout (pages, bytes): the kernel module's replay samples with this file too.
 *
 * The series keeps at most RP_SERIES_MAX rows: when it is full every other row goes and
 * samples are taken half as often, so a repetition of any length is evenly covered.
 */
#include <string.h>
#include "replay_impl.h"

enum { C_EVENT, C_NS, C_INFLIGHT, C_PINNED, C_LIVE, C_TRUE, C_PKTS };

int64_t rp_pages_out(const struct rp *rp)
{
	int64_t out = 0;

	if (rp->pages_out)
		return rp->pages_out(rp->alloc);
	for (unsigned s = 0; s < PB_MAX_CPUS; s++)
		out += pb_zone_cpu_net_pages(rp->alloc->mem.zone, s);
	return out;
}

/* Bytes of every page block a live buffer of some thread sits in. */
static int64_t pinned_bytes(const struct rp *rp)
{
	const struct pb_page *pages = rp->alloc->mem.arena.pages;
	int64_t pinned = 0;

	for (size_t p = 0; p < rp->npages; p++) {
		int64_t live = 0;

		for (unsigned t = 0; t < rp->n; t++)
			live += __atomic_load_n(&rp->th[t].pdelta[p], __ATOMIC_RELAXED);
		if (live > 0)
			pinned += (int64_t)PB_PAGE_SIZE << PB_READ_ONCE(pages[p].order);
	}
	return pinned;
}

static int64_t live_sum(const struct rp *rp, size_t field)
{
	int64_t v = 0;

	for (unsigned t = 0; t < rp->n; t++)
		v += __atomic_load_n((const int64_t *)((const char *)&rp->th[t].live + field),
				     __ATOMIC_RELAXED);
	return v;
}

void rp_sample_begin(struct rp *rp)
{
	struct rp_sampler *s = &rp->smp;

	s->n = 0;
	s->stride = 1;
	s->tick = 0;
	s->rep_peak_inflight = s->rep_peak_pinned = s->rep_peak_pkts = 0;
}

void rp_sample_maybe(struct rp *rp, uint64_t index, uint64_t time_ns, bool force)
{
	struct rp_sampler *s = &rp->smp;
	int64_t *row;

	if (!force && ++s->tick < s->stride)
		return;
	s->tick = 0;
	if (s->n == RP_SERIES_MAX) {
		for (unsigned i = 0; i < RP_SERIES_MAX / 2; i++)
			memcpy(&s->series[i * RP_SERIES_COLS], &s->series[2 * i * RP_SERIES_COLS],
			       RP_SERIES_COLS * sizeof(s->series[0]));
		s->n = RP_SERIES_MAX / 2;
		s->stride *= 2;
	}
	row = &s->series[s->n++ * RP_SERIES_COLS];
	row[C_EVENT] = (int64_t)index;
	row[C_NS] = (int64_t)time_ns;
	row[C_INFLIGHT] = rp_pages_out(rp);
	row[C_PINNED] = pinned_bytes(rp);
	row[C_LIVE] = live_sum(rp, offsetof(struct rp_live, bytes));
	row[C_TRUE] = live_sum(rp, offsetof(struct rp_live, truesize));
	row[C_PKTS] = live_sum(rp, offsetof(struct rp_live, packets));
	if (row[C_INFLIGHT] > s->rep_peak_inflight)
		s->rep_peak_inflight = row[C_INFLIGHT];
	if (row[C_PINNED] > s->rep_peak_pinned)
		s->rep_peak_pinned = row[C_PINNED];
	if (row[C_PKTS] > s->rep_peak_pkts)
		s->rep_peak_pkts = row[C_PKTS];
}

void rp_sample_end(struct rp *rp, bool measured)
{
	struct rp_sampler *s = &rp->smp;

	if (!measured)
		return;
	/* Means over the kept rows: evenly spaced in the trace, whatever the thinning did. */
	for (unsigned i = 0; i < s->n; i++) {
		const int64_t *row = &s->series[i * RP_SERIES_COLS];

		s->inflight_sum += row[C_INFLIGHT];
		s->pinned_sum += row[C_PINNED];
		s->live_sum += row[C_LIVE];
		s->true_sum += row[C_TRUE];
		s->nsamples++;
	}
	if (s->rep_peak_inflight > s->inflight_peak)
		s->inflight_peak = s->rep_peak_inflight;
	if (s->rep_peak_pinned > s->pinned_peak)
		s->pinned_peak = s->rep_peak_pinned;
	if (s->rep_peak_pkts > s->pkts_peak)
		s->pkts_peak = s->rep_peak_pkts;
	memcpy(s->last_series, s->series, s->n * RP_SERIES_COLS * sizeof(s->series[0]));
	s->last_n = s->n;
}
