// SPDX-License-Identifier: GPL-2.0-only
/*
 * rx-forward: XDP_TX or XDP_REDIRECT; a frame's buffer is freed when the TX ring's
 * completion cleans it, in batches, on the RX CPU or another one. The seeds: forwarding
 * is "proj goal #2" at "14M pps per-cpu forwarding rate" (seeds/002); pages "freed at TX
 * DMA completion time", a pool needing "the size of the RX ring plus the number of
 * outstanding frames in the TX ring (waiting for DMA completion)" (seeds/001, 003); ixgbe
 * "bulk free SKBs during TX completion cleanup cycle" (seeds/001); Duyck's TX ring of 80
 * descriptors back-pressuring RX against a NAPI budget of 64 (seeds/004).
 */
#include "trace_gen_impl.h"

static const struct pb_param_spec rx_forward_params[] = {
	PB_TGEN_COMMON("14000000", "64",
		       "frames per second (seeds/002: the 14 Mpps per-CPU forwarding goal)"),
	{ "action", PB_PARAM_ENUM, 0, 0, "tx|redirect", "redirect",
	  "XDP_TX (same device) or XDP_REDIRECT (another device; a redirect event first)" },
	{ "tx_cpu", PB_PARAM_ENUM, 0, 0, "same|other", "other",
	  "the CPU whose TX completion frees the frame: the RX CPU, or a second one" },
	{ "tx_batch", PB_PARAM_UINT, 1, PB_TGEN_LOOKAHEAD / 2, NULL, "64",
	  "frames freed per TX completion run (a cleanup cycle, seeds/001; budget 64, seeds/004)" },
	{ "tx_delay_ns", PB_PARAM_UINT, 0, 1000000000, NULL, "20000",
	  "ns from a batch's last transmit to its completion (DMA + interrupt moderation, seeds/004)" },
	{ NULL }
};

void pb_tgen_plan_forward(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p)
{
	/* the completion of batch b frees all its frames once its last frame was sent */
	uint64_t b = g->k.tx_batch, last = (pkt - 1) / b * b + b;

	if (last > g->k.packets)
		last = g->k.packets;
	p->len = pb_tgen_len(g);
	p->path = g->k.action ? PB_TP_XDP_REDIRECT : PB_TP_XDP_TX;
	if (g->k.action)
		pb_tgen_step(p, 0, g->cpu_rx, PB_TK_REDIRECT);
	pb_tgen_step(p, pb_tgen_arrival(g, last) - t + g->k.tx_delay_ns, g->cpu_tx, PB_TK_TX_COMPLETE);
}

static int rx_forward_init(struct pb_tgen *g, struct pb_err *err)
{
	g->cpu_rx = 0;
	if (!g->k.other_cpu) {
		g->cpu_tx = 0;
		return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX | PB_ROLE_TX, err);
	}
	g->cpu_tx = 1;
	return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX, err) ||
	       pb_trace_header_add_cpu(&g->hdr, PB_ROLE_TX, err) ? -1 : 0;
}

const struct pb_trace_gen_def pb_tgen_rx_forward = {
	.name = "rx-forward",
	.desc = "XDP_TX/REDIRECT: frames freed by batched TX completion, on the RX CPU or another",
	.params = rx_forward_params,
	.init = rx_forward_init,
	.plan = pb_tgen_plan_forward,
};
