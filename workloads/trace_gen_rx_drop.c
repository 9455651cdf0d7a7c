// SPDX-License-Identifier: GPL-2.0-only
/*
 * rx-drop: every frame is dropped by XDP in the poll that received it and its buffer goes
 * straight back to the driver (XDP_DROP, direct recycle). This is DDoS mitigation, "project
 * goal #1" of the IO Visor XDP call minutes (seeds/002), whose target is "20M pps per-cpu
 * drop rate" with 64-byte frames; mlx4 reached 14.5 Mpps with "30% overhead ... page-allocator
 * related". One CPU: the NAPI CPU receives and recycles.
 */
#include "trace_gen_impl.h"

static const struct pb_param_spec rx_drop_params[] = {
	PB_TGEN_COMMON("20000000", "64",
		       "frames per second (seeds/002: the 20 Mpps per-CPU drop goal)"),
	{ "xdp_ns", PB_PARAM_UINT, 0, 1000000, NULL, "50",
	  "ns from rx to the drop: the XDP program's run (50 ns is 1/20 Mpps, seeds/002)" },
	{ NULL }
};

void pb_tgen_plan_drop(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p)
{
	p->len = pb_tgen_len(g);
	p->path = PB_TP_XDP_DROP;
	pb_tgen_step(p, g->k.xdp_ns, g->cpu_rx, PB_TK_DROP);
}

static int rx_drop_init(struct pb_tgen *g, struct pb_err *err)
{
	g->cpu_rx = 0;
	return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX, err);
}

const struct pb_trace_gen_def pb_tgen_rx_drop = {
	.name = "rx-drop",
	.desc = "XDP_DROP at line rate: every buffer recycled in its own poll (DDoS mitigation)",
	.params = rx_drop_params,
	.init = rx_drop_init,
	.plan = pb_tgen_plan_drop,
};
