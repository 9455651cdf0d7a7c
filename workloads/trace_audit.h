/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One streaming pass over a trace's events that checks every packet's life and gathers
 * the summary (`trace check`, `trace show --summary`, and the importer's observations).
 *
 * The rules: a packet is received once (rx ids strictly increase), is released once,
 * after its rx, by the release kind of the path it was received with (drop for xdp_drop,
 * tx_complete for xdp_tx/xdp_redirect, sock_release or copybreak for skb), and every event
 * happens on a CPU that has the role its kind needs (pb_trace_kind_role). At the end no
 * packet may still be in flight. Memory is O(packets in flight).
 */
#ifndef PB_TRACE_AUDIT_H
#define PB_TRACE_AUDIT_H

#include "trace_format.h"
#include "trace_pktmap.h"

/* Log-linear histogram: exact below 64, then 32 buckets per power of two (error < 3.2%). */
#define PB_HIST_BUCKETS (64 + 58 * 32)
struct pb_hist {
	uint64_t bucket[PB_HIST_BUCKETS];
	uint64_t n, max;
	double sum;
};

/* Adds @v to @h. */
void pb_hist_add(struct pb_hist *h, uint64_t v);
/* The @q-quantile (0..1) of @h: the middle of its bucket (exact below 64, the max at q=1). */
uint64_t pb_hist_quantile(const struct pb_hist *h, double q);

#define PB_AUDIT_NO_OFFSET UINT64_MAX

struct pb_trace_audit {
	const struct pb_trace_header *hdr;
	struct pb_pktmap live;
	uint64_t index;				/* events seen */
	uint64_t last_rx_pkt;
	uint64_t last_time, first_time;
	uint64_t kinds[PB_TK_NKINDS];		/* events per kind */
	uint64_t paths[PB_TP_NPATHS];		/* packets per path (counted at rx) */
	uint64_t bytes;				/* frame bytes received */
	uint64_t inflight_peak, inflight_peak_time;
	double inflight_area;			/* packet-ns, for the time-weighted mean */
	uint64_t polls, poll_pkts, poll_max;
	struct pb_hist hold;			/* rx -> release, ns */
	uint64_t violations;
	char first[PB_ERR_LEN];			/* the first violation, one line */
};

/* Prepares @a for the events of a trace with header @h; -1 + @err when out of memory. */
int pb_trace_audit_init(struct pb_trace_audit *a, const struct pb_trace_header *h, struct pb_err *err);
/*
 * Checks and counts @ev, found at byte @offset (or PB_AUDIT_NO_OFFSET); 0, or 1 when it
 * broke a rule (counted; the first is kept in a->first), or -1 + @err out of memory.
 */
int pb_trace_audit_event(struct pb_trace_audit *a, const struct pb_trace_event *ev, uint64_t offset,
			 struct pb_err *err);
/* Ends the pass: a packet still in flight is a violation (the earliest received is named). */
void pb_trace_audit_finish(struct pb_trace_audit *a);
/* Frees @a's packet map. */
void pb_trace_audit_free(struct pb_trace_audit *a);

#endif
