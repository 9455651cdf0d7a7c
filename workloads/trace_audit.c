// SPDX-License-Identifier: GPL-2.0-only
/* The packet-life rules and the summary counters of trace_audit.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "trace_audit.h"

static unsigned hist_index(uint64_t v)
{
	unsigned e;

	if (v < 64)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	return 64 + (e - 6) * 32 + (unsigned)((v >> (e - 5)) & 31);
}

void pb_hist_add(struct pb_hist *h, uint64_t v)
{
	h->bucket[hist_index(v)]++;
	h->n++;
	h->sum += (double)v;
	if (v > h->max)
		h->max = v;
}

uint64_t pb_hist_quantile(const struct pb_hist *h, double q)
{
	uint64_t want, seen = 0;

	if (!h->n)
		return 0;
	if (q >= 1)
		return h->max;
	want = (uint64_t)(q * (double)h->n) + 1;
	for (unsigned i = 0; i < PB_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want) {
			unsigned e, sub;
			uint64_t lo, mid;

			if (i < 64)
				return i;
			e = (i - 64) / 32 + 6;
			sub = (i - 64) % 32;
			lo = (1ull << e) | ((uint64_t)sub << (e - 5));
			mid = lo + (1ull << (e - 6));
			return mid < h->max ? mid : h->max;
		}
	}
	return h->max;
}

int pb_trace_audit_init(struct pb_trace_audit *a, const struct pb_trace_header *h, struct pb_err *err)
{
	memset(a, 0, sizeof(*a));
	a->hdr = h;
	if (pb_pktmap_init(&a->live))
		return pb_err_set(err, "trace audit: out of memory");
	return 0;
}

__attribute__((format(printf, 4, 5)))
static int violation(struct pb_trace_audit *a, const struct pb_trace_event *ev, uint64_t offset,
		     const char *fmt, ...)
{
	char what[200], at[64] = "";
	va_list ap;

	if (a->violations++)
		return 1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (offset != PB_AUDIT_NO_OFFSET)
		snprintf(at, sizeof(at), " (byte %llu)", (unsigned long long)offset);
	snprintf(a->first, sizeof(a->first), "event %llu%s: %s on cpu %u: packet %llu %s",
		 (unsigned long long)a->index, at, pb_trace_kind_name(ev->kind), ev->cpu,
		 (unsigned long long)ev->pkt, what);
	return 1;
}

/* The path a release kind may end; -1 when @kind does not release. */
static bool path_fits(unsigned kind, unsigned path)
{
	switch (kind) {
	case PB_TK_DROP:
		return path == PB_TP_XDP_DROP;
	case PB_TK_TX_COMPLETE:
		return path == PB_TP_XDP_TX || path == PB_TP_XDP_REDIRECT;
	case PB_TK_REDIRECT:
		return path == PB_TP_XDP_REDIRECT;
	case PB_TK_SOCK_ENQUEUE:
	case PB_TK_SOCK_RELEASE:
	case PB_TK_COPYBREAK:
		return path == PB_TP_SKB;
	default:
		return true;
	}
}

static int audit(struct pb_trace_audit *a, const struct pb_trace_event *ev, uint64_t offset,
		 struct pb_err *err)
{
	unsigned need = pb_trace_kind_role(ev->kind);
	struct pb_pkt_state *s;
	char roles[32];

	if (!(a->hdr->roles[ev->cpu] & need))
		return violation(a, ev, offset, "on a CPU without the %s role (its roles: %s)",
				 need == PB_ROLE_TX ? "tx" : need == PB_ROLE_SOCK ? "sock" : "rx",
				 pb_trace_roles_format(a->hdr->roles[ev->cpu], roles, sizeof(roles)));
	if (ev->kind == PB_TK_NAPI_POLL_END) {
		a->polls++;
		a->poll_pkts += ev->len;
		if (ev->len > a->poll_max)
			a->poll_max = ev->len;
		return 0;
	}
	if (ev->kind == PB_TK_RX) {
		if (ev->pkt <= a->last_rx_pkt)
			return violation(a, ev, offset, "received again (rx ids must increase; the last was %llu)",
					 (unsigned long long)a->last_rx_pkt);
		if (ev->path == PB_TP_NONE)
			return violation(a, ev, offset, "received without a return path");
		s = pb_pktmap_add(&a->live, ev->pkt);
		if (!s)
			return pb_err_set(err, "trace audit: out of memory at %zu packets in flight", a->live.n);
		a->last_rx_pkt = ev->pkt;
		s->rx_time = ev->time_ns;
		s->rx_index = a->index;
		s->len = ev->len;
		s->rx_cpu = ev->cpu;
		s->path = ev->path;
		a->paths[ev->path]++;
		a->bytes += ev->len;
		if (a->live.n > a->inflight_peak) {
			a->inflight_peak = a->live.n;
			a->inflight_peak_time = ev->time_ns;
		}
		return 0;
	}
	if (ev->pkt > a->last_rx_pkt)
		return violation(a, ev, offset, "released before it was received");
	s = pb_pktmap_find(&a->live, ev->pkt);
	if (!s)
		return violation(a, ev, offset, "%s", pb_trace_kind_releases(ev->kind) ?
				 "released twice (or its id was never received)" :
				 "handled after its release (or its id was never received)");
	if (ev->path != s->path || !path_fits(ev->kind, s->path))
		return violation(a, ev, offset, "ends path %s, but was received with path %s",
				 pb_trace_path_name(ev->path), pb_trace_path_name(s->path));
	if (pb_trace_kind_releases(ev->kind)) {
		pb_hist_add(&a->hold, ev->time_ns - s->rx_time);
		pb_pktmap_del(&a->live, s);
	}
	return 0;
}

int pb_trace_audit_event(struct pb_trace_audit *a, const struct pb_trace_event *ev, uint64_t offset,
			 struct pb_err *err)
{
	int rc;

	if (!a->index)
		a->first_time = a->last_time = ev->time_ns;
	a->inflight_area += (double)a->live.n * (double)(ev->time_ns - a->last_time);
	a->last_time = ev->time_ns;
	if (ev->kind < PB_TK_NKINDS)
		a->kinds[ev->kind]++;
	if (ev->cpu >= a->hdr->ncpus)
		rc = violation(a, ev, offset, "on a CPU the header does not have");
	else
		rc = audit(a, ev, offset, err);
	a->index++;
	return rc;
}

void pb_trace_audit_finish(struct pb_trace_audit *a)
{
	const struct pb_pkt_state *oldest = NULL;

	for (size_t i = 0; i < a->live.cap; i++)
		if (a->live.slot[i].pkt && (!oldest || a->live.slot[i].rx_index < oldest->rx_index))
			oldest = &a->live.slot[i];
	if (oldest && !a->violations++)
		snprintf(a->first, sizeof(a->first),
			 "end of trace: packet %llu (rx at event %llu on cpu %u) was never released (%zu in flight)",
			 (unsigned long long)oldest->pkt, (unsigned long long)oldest->rx_index,
			 oldest->rx_cpu, a->live.n);
}

void pb_trace_audit_free(struct pb_trace_audit *a)
{
	pb_pktmap_free(&a->live);
}
