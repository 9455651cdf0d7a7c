// SPDX-License-Identifier: GPL-2.0-only
/*
 * slow-socket: frames passed to the stack (skb path) and queued to a socket; most readers
 * are prompt, a fraction hold their pages for a heavy-tailed time. The seeds: "pages are
 * still used by skb stored in sockets receive queues and consumers are slow to react",
 * while "in most cases (steady state), the refcount on the page is released by the
 * application reading the data before the driver cycled through the RX ring buffer"
 * (Dumazet, seeds/003); "The amount of time a packet can stay on a socket is unbounded"
 * and the copy-break for small frames (XDP minutes, seeds/002).
 */
#include "trace_gen_impl.h"

static const struct pb_param_spec slow_socket_params[] = {
	PB_TGEN_COMMON("1000000", "1500", "frames per second"),
	{ "slow", PB_PARAM_CUSTOM, 0, 0, NULL, "0.01",
	  "fraction of frames whose reader is slow (\"consumers are slow to react\", seeds/003)",
	  pb_tgen_check_fraction },
	{ "hold_ns", PB_PARAM_UINT, 0, 10000000000ull, NULL, "20000",
	  "mean hold of a prompt reader, exponential (released \"before the driver cycled through the RX ring\", seeds/003)" },
	{ "tail", PB_PARAM_ENUM, 0, 0, "pareto|lognormal", "pareto",
	  "distribution of a slow reader's hold (\"can stay on a socket ... unbounded\", seeds/002)" },
	{ "tail_ns", PB_PARAM_UINT, 1, 10000000000ull, NULL, "1000000",
	  "the tail's scale: Pareto's minimum x_m, or the lognormal's median" },
	{ "tail_shape", PB_PARAM_CUSTOM, 0, 0, NULL, "1.2",
	  "Pareto's alpha (smaller: heavier; <= 1 has no mean) or the lognormal's sigma",
	  pb_tgen_check_real },
	{ "max_hold_ns", PB_PARAM_UINT, 1, 100000000000ull, NULL, "2000000000",
	  "cap on any hold (bounds the packets in flight; readers that hold pages \"for seconds\")" },
	{ "copybreak", PB_PARAM_UINT, 0, 65535, NULL, "0",
	  "frames of at most this many bytes are copied and their buffer reused at once (seeds/002); 0: off" },
	{ "sock_cpu", PB_PARAM_ENUM, 0, 0, "same|other", "other",
	  "the CPU the socket reader runs on: the RX CPU, or a second one" },
	{ NULL }
};

void pb_tgen_plan_slow(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p)
{
	p->len = pb_tgen_len(g);
	p->path = PB_TP_SKB;
	if (p->len <= g->k.copybreak) {
		pb_tgen_step(p, 0, g->cpu_rx, PB_TK_COPYBREAK);
		return;
	}
	pb_tgen_step(p, 0, g->cpu_rx, PB_TK_SOCK_ENQUEUE);
	if (g->k.slow > 0 && pb_tgen_unit(g) <= g->k.slow)
		pb_tgen_step(p, pb_tgen_tail(g), g->cpu_sock, PB_TK_SOCK_RELEASE);
	else
		pb_tgen_step(p, pb_tgen_exp(g, g->k.hold_ns), g->cpu_sock, PB_TK_SOCK_RELEASE);
}

static int slow_socket_init(struct pb_tgen *g, struct pb_err *err)
{
	g->cpu_rx = 0;
	if (g->k.hold_ns > g->k.max_hold_ns || g->k.tail_ns > g->k.max_hold_ns)
		return pb_err_set(err, "hold_ns and tail_ns must not exceed max_hold_ns");
	if (!g->k.other_cpu) {
		g->cpu_sock = 0;
		return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX | PB_ROLE_SOCK, err);
	}
	g->cpu_sock = 1;
	return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX, err) ||
	       pb_trace_header_add_cpu(&g->hdr, PB_ROLE_SOCK, err) ? -1 : 0;
}

const struct pb_trace_gen_def pb_tgen_slow_socket = {
	.name = "slow-socket",
	.desc = "skb path to sockets: prompt readers, and a slow fraction with heavy-tailed holds",
	.params = slow_socket_params,
	.init = slow_socket_init,
	.plan = pb_tgen_plan_slow,
};
