// SPDX-License-Identifier: GPL-2.0-only
/*
 * One replay thread's decoder. It reads every event of the trace (a file or a generator,
 * streamed) and turns those of its own CPU into ops, plus a SEND wherever a buffer it holds
 * is next used on another CPU. Every thread runs the same deterministic bookkeeping (which
 * slot each packet's buffer sits in, which CPU holds it), so the k-th buffer one thread
 * pushes to another is the k-th the other pops: the rings carry buffers, not ids.
 *
 * The free's context follows the kernel: XDP_DROP and copy-break recycle in the poll
 * (page_pool_recycle_direct); a TX completion or an skb free on the RX CPU runs in its NAPI
 * context and is direct on 6.5+ (napi_pp_put_page; page_pool_napi_local for xdp_frames since
 * 6.9), never with path=skb-6.1 (page_pool_put_full_page(pool, page, false)); a free on any
 * other CPU goes through the pool's ring.
 */
#include <stdlib.h>
#include <string.h>
#include "replay_impl.h"

static int push_op(struct rp_feed *f, struct rp_op op, struct pb_err *err)
{
	if (f->tail == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4096;
		struct rp_op *ops = realloc(f->ops, cap * sizeof(*ops));

		if (!ops)
			return pb_err_set(err, "replay: out of memory for %zu pending ops", f->cap);
		f->ops = ops;
		f->cap = cap;
	}
	f->ops[f->tail++] = op;
	if (op.flags & RP_F_EVENT)
		f->pending_events++;
	return 0;
}

static int new_slot(struct rp_feed *f, uint32_t *slot, struct pb_err *err)
{
	if (f->nspare) {
		*slot = f->spare[--f->nspare];
		return 0;
	}
	if (f->nslots == UINT32_MAX)
		return pb_err_set(err, "replay: more than 2^32 packets in flight");
	*slot = f->nslots++;
	return 0;
}

static int free_slot(struct rp_feed *f, uint32_t slot, struct pb_err *err)
{
	if (f->nspare == f->capspare) {
		uint32_t cap = f->capspare ? f->capspare * 2 : 256;
		uint32_t *s = realloc(f->spare, cap * sizeof(*s));

		if (!s)
			return pb_err_set(err, "replay: out of memory for %u free slots", f->capspare);
		f->spare = s;
		f->capspare = cap;
	}
	f->spare[f->nspare++] = slot;
	return 0;
}

/* Whether a release of @kind on @cpu of a packet received on @rx_cpu is a direct recycle. */
static bool free_direct(const struct rp_feed *f, unsigned kind, unsigned cpu, unsigned rx_cpu)
{
	if (kind == PB_TK_DROP || kind == PB_TK_COPYBREAK)
		return true;
	return cpu == rx_cpu && !f->skb61;
}

/* One event of the trace (index f->index) into this thread's ops. */
static int feed_event(struct rp_feed *f, const struct pb_trace_event *ev, struct pb_err *err)
{
	uint64_t idx = f->index;
	bool mine = ev->cpu == f->self;
	struct rp_op op = { .index = idx, .time_ns = ev->time_ns, .len = ev->len,
			    .flags = mine ? RP_F_EVENT : 0 };
	struct pb_pkt_state *s;
	bool releases;

	if (ev->cpu >= f->ncpus)
		return pb_err_set(err, "replay: event %llu: cpu %u, but the trace has %u",
				  (unsigned long long)idx, ev->cpu, f->ncpus);
	if (ev->kind == PB_TK_NAPI_POLL_END) {
		op.kind = RP_POLL;
		return mine ? push_op(f, op, err) : 0;
	}
	if (ev->kind == PB_TK_RX) {
		uint32_t slot = 0;

		if (pb_pktmap_find(&f->live, ev->pkt))
			return pb_err_set(err, "replay: event %llu: packet %llu received twice",
					  (unsigned long long)idx, (unsigned long long)ev->pkt);
		if (ev->cpu != f->rx_cpu)
			return pb_err_set(err, "replay: event %llu: rx on cpu %u, not the RX cpu %u",
					  (unsigned long long)idx, ev->cpu, f->rx_cpu);
		if (new_slot(f, &slot, err))
			return -1;
		s = pb_pktmap_add(&f->live, ev->pkt);
		if (!s)
			return pb_err_set(err, "replay: out of memory at %zu packets in flight", f->live.n);
		s->slot = slot;
		s->holder = ev->cpu;
		s->rx_cpu = ev->cpu;
		s->len = ev->len;
		op.kind = RP_RX;
		op.slot = slot;
		return mine ? push_op(f, op, err) : 0;
	}
	s = pb_pktmap_find(&f->live, ev->pkt);
	if (!s)
		return pb_err_set(err, "replay: event %llu: %s of packet %llu, which is not in flight",
				  (unsigned long long)idx, pb_trace_kind_name(ev->kind),
				  (unsigned long long)ev->pkt);
	releases = pb_trace_kind_releases(ev->kind);
	op.slot = s->slot;
	op.len = s->len;
	op.peer = (uint8_t)s->holder;
	if (s->holder != ev->cpu) {
		/* The buffer moves: its holder pushes it now, this event's CPU pops it. */
		if (s->holder == f->self &&
		    push_op(f, (struct rp_op){ .index = idx, .time_ns = ev->time_ns, .slot = s->slot,
					       .len = s->len, .kind = RP_SEND, .peer = ev->cpu }, err))
			return -1;
		op.flags |= RP_F_RECV;
		s->holder = ev->cpu;
	}
	if (releases) {
		op.kind = RP_FREE;
		if (free_direct(f, ev->kind, ev->cpu, s->rx_cpu))
			op.flags |= RP_F_DIRECT;
		if (free_slot(f, s->slot, err))
			return -1;
		pb_pktmap_del(&f->live, s);
	} else {
		op.kind = RP_EV;
	}
	return mine ? push_op(f, op, err) : 0;
}

int rp_feed_open(struct rp_feed *f, const struct rp *rp, unsigned self, struct pb_err *err)
{
	rp_feed_close(f);
	memset(f, 0, sizeof(*f));
	f->self = self;
	f->ncpus = rp->n;
	f->rx_cpu = rp->rx_cpu;
	f->skb61 = rp->skb61;
	if (pb_pktmap_init(&f->live))
		return pb_err_set(err, "replay: out of memory");
	if (rp_source_open(rp, &f->src, err)) {
		pb_pktmap_free(&f->live);
		return -1;
	}
	f->open = true;
	return 0;
}

int rp_feed_fill(struct rp_feed *f, uint64_t events, bool all, struct pb_err *err)
{
	/* What was done is gone: keep the pending ops at the front. */
	if (f->head) {
		memmove(f->ops, f->ops + f->head, (f->tail - f->head) * sizeof(*f->ops));
		f->tail -= f->head;
		f->head = 0;
	}
	while (!f->done && (all || f->pending_events < events)) {
		struct pb_trace_event ev;
		int rc = f->src.next(f->src.ctx, &ev, err);

		if (rc < 0)
			return -1;
		if (rc == 0) {
			f->done = true;
			break;
		}
		if (feed_event(f, &ev, err))
			return -1;
		f->index++;
		f->time_ns = ev.time_ns;
	}
	return 0;
}

void rp_feed_close(struct rp_feed *f)
{
	if (f->open)
		pb_trace_source_close(&f->src);
	f->open = false;
	pb_pktmap_free(&f->live);
	free(f->spare);
	free(f->ops);
	f->spare = NULL;
	f->ops = NULL;
	f->nspare = f->capspare = 0;
	f->head = f->tail = f->cap = 0;
}

size_t rp_feed_bytes(const struct rp_feed *f)
{
	return f->cap * sizeof(*f->ops) + f->capspare * sizeof(*f->spare) +
	       f->live.cap * sizeof(*f->live.slot);
}
