// SPDX-License-Identifier: GPL-2.0-only
/*
 * cross-cpu: every frame is freed on a CPU other than the one that received it, the case
 * where a recycling cache cannot recycle directly. The seeds: pages "freed at TX DMA
 * completion time" (seeds/001) and the receive queue drained by an application elsewhere
 * (seeds/003); Duyck's XPS/NUMA discussion of which CPU touches a buffer (seeds/004).
 */
#include "trace_gen_impl.h"

static const struct pb_param_spec cross_cpu_params[] = {
	PB_TGEN_COMMON("1000000", "1500", "frames per second"),
	{ "release", PB_PARAM_ENUM, 0, 0, "sock|tx", "sock",
	  "how the remote CPU frees: a socket reader (skb path) or TX completion (XDP_REDIRECT)" },
	{ "hold_ns", PB_PARAM_UINT, 0, 10000000000ull, NULL, "2000",
	  "ns from rx to the remote free (fixed: the hand-off latency)" },
	{ NULL }
};

void pb_tgen_plan_cross(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p)
{
	p->len = pb_tgen_len(g);
	if (g->k.release) {
		p->path = PB_TP_XDP_REDIRECT;
		pb_tgen_step(p, 0, g->cpu_rx, PB_TK_REDIRECT);
		pb_tgen_step(p, g->k.hold_ns, g->cpu_tx, PB_TK_TX_COMPLETE);
	} else {
		p->path = PB_TP_SKB;
		pb_tgen_step(p, 0, g->cpu_rx, PB_TK_SOCK_ENQUEUE);
		pb_tgen_step(p, g->k.hold_ns, g->cpu_sock, PB_TK_SOCK_RELEASE);
	}
}

static int cross_cpu_init(struct pb_tgen *g, struct pb_err *err)
{
	g->cpu_rx = 0;
	g->cpu_tx = g->cpu_sock = 1;
	return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX, err) ||
	       pb_trace_header_add_cpu(&g->hdr, PB_ROLE_TX | PB_ROLE_SOCK, err) ? -1 : 0;
}

const struct pb_trace_gen_def pb_tgen_cross_cpu = {
	.name = "cross-cpu",
	.desc = "every free on a remote CPU (socket reader or TX completion there)",
	.params = cross_cpu_params,
	.init = cross_cpu_init,
	.plan = pb_tgen_plan_cross,
};
