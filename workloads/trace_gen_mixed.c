// SPDX-License-Identifier: GPL-2.0-only
/*
 * mixed: each frame takes one of the other generators' plans, chosen by weight: a host
 * that forwards, drops and delivers at once (the seeds' use cases side by side: drop,
 * forwarding and socket delivery, seeds/002; "matches a router workload, not host one",
 * seeds/003). Two CPUs: the RX CPU, and one that completes TX and runs the readers. The
 * component keys mean what they mean in their generator; TX completion batches count
 * every frame, not only the forwarded ones.
 */
#include "trace_gen_impl.h"

static const struct pb_param_spec mixed_params[] = {
	PB_TGEN_COMMON("1000000", "imix", "frames per second"),
	{ "w_drop", PB_PARAM_UINT, 0, 1000000, NULL, "40", "weight of rx-drop frames" },
	{ "w_forward", PB_PARAM_UINT, 0, 1000000, NULL, "30", "weight of rx-forward frames" },
	{ "w_slow", PB_PARAM_UINT, 0, 1000000, NULL, "20", "weight of slow-socket frames" },
	{ "w_cross", PB_PARAM_UINT, 0, 1000000, NULL, "0", "weight of cross-cpu frames" },
	{ "w_ooo", PB_PARAM_UINT, 0, 1000000, NULL, "10", "weight of attacker-ooo frames" },
	{ "xdp_ns", PB_PARAM_UINT, 0, 1000000, NULL, "50", "as in rx-drop" },
	{ "action", PB_PARAM_ENUM, 0, 0, "tx|redirect", "redirect", "as in rx-forward" },
	{ "tx_batch", PB_PARAM_UINT, 1, PB_TGEN_LOOKAHEAD / 2, NULL, "64", "as in rx-forward" },
	{ "tx_delay_ns", PB_PARAM_UINT, 0, 1000000000, NULL, "20000", "as in rx-forward" },
	{ "slow", PB_PARAM_CUSTOM, 0, 0, NULL, "0.01", "as in slow-socket", pb_tgen_check_fraction },
	{ "hold_ns", PB_PARAM_UINT, 0, 10000000000ull, NULL, "20000",
	  "as in slow-socket (also cross-cpu's hand-off and attacker-ooo's prompt hold)" },
	{ "tail", PB_PARAM_ENUM, 0, 0, "pareto|lognormal", "pareto", "as in slow-socket" },
	{ "tail_ns", PB_PARAM_UINT, 1, 10000000000ull, NULL, "1000000", "as in slow-socket" },
	{ "tail_shape", PB_PARAM_CUSTOM, 0, 0, NULL, "1.2", "as in slow-socket", pb_tgen_check_real },
	{ "max_hold_ns", PB_PARAM_UINT, 1, 100000000000ull, NULL, "2000000000", "as in slow-socket" },
	{ "copybreak", PB_PARAM_UINT, 0, 65535, NULL, "0", "as in slow-socket" },
	{ "release", PB_PARAM_ENUM, 0, 0, "sock|tx", "sock", "as in cross-cpu" },
	{ "pin_every", PB_PARAM_UINT, 1, 1000000, NULL, "21", "as in attacker-ooo" },
	{ "ooo_hold_ns", PB_PARAM_UINT, 1, 100000000000ull, NULL, "1000000000", "as in attacker-ooo" },
	{ NULL }
};

static void (*const components[5])(struct pb_tgen *, uint64_t, uint64_t, struct pb_tgen_plan *) = {
	pb_tgen_plan_drop, pb_tgen_plan_forward, pb_tgen_plan_slow, pb_tgen_plan_cross,
	pb_tgen_plan_ooo,
};

static void mixed_plan(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p)
{
	uint64_t total = 0, r;
	unsigned i;

	for (i = 0; i < 5; i++)
		total += g->k.weight[i];
	r = pb_tgen_u64(g) % total;
	for (i = 0; r >= g->k.weight[i]; i++)
		r -= g->k.weight[i];
	components[i](g, pkt, t, p);
}

static int mixed_init(struct pb_tgen *g, struct pb_err *err)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < 5; i++)
		total += g->k.weight[i];
	if (!total)
		return pb_err_set(err, "the weights w_drop..w_ooo are all 0");
	if (g->k.hold_ns > g->k.max_hold_ns || g->k.tail_ns > g->k.max_hold_ns)
		return pb_err_set(err, "hold_ns and tail_ns must not exceed max_hold_ns");
	g->cpu_rx = 0;
	g->cpu_tx = g->cpu_sock = 1;
	return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX, err) ||
	       pb_trace_header_add_cpu(&g->hdr, PB_ROLE_TX | PB_ROLE_SOCK, err) ? -1 : 0;
}

const struct pb_trace_gen_def pb_tgen_mixed = {
	.name = "mixed",
	.desc = "each frame one of the generators above, by weight (w_drop .. w_ooo)",
	.params = mixed_params,
	.init = mixed_init,
	.plan = mixed_plan,
};
